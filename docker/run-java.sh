#!/bin/sh
# The container's entry point: runs java with its arguments, plus the options that this Java version takes for a quiet
# start. Netty (under Vert.x and Lettuce) uses sun.misc.Unsafe's memory access, which Java 24 and later warn about on
# stderr (4 lines at start) unless told to allow it; Java 22 and older refuse the option that tells it ("Unrecognized
# option"), so it cannot simply go into JAVA_TOOL_OPTIONS for every RUNTIME_IMAGE. The Java home's release file says
# the version without starting a JVM. exec: java stays PID 1 and gets docker stop's SIGTERM.
set -eu
if [ -n "${JAVA_HOME:-}" ]; then
  java="$JAVA_HOME/bin/java"
else
  java=$(command -v java)
fi
home=$(dirname "$(dirname "$(readlink -f "$java")")")
feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" 2>/dev/null || true)
if [ "${feature:-0}" -ge 23 ]; then
  set -- --sun-misc-unsafe-memory-access=allow "$@"
fi
exec "$java" "$@"
