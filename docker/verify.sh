#!/usr/bin/env bash
# Builds the 429chain image from docker/Dockerfile with podman and checks it as a user would: the container becomes
# healthy, serves the console's 429chain view, answers a chat completion from the demo chain, and keeps provider
# state across a restart on the same data volume (an operator disables the demo provider through the console's
# Jolokia; after the restart it is still disabled and the chain answers 503). The container and its volume are removed at the end; the images stay (the base
# images are reused by the next run, the 429chain image is replaced). Exits non-zero on any failure.
#
# Made for a machine without a Docker engine or a reachable image registry (Debian bookworm, run as root): it installs
# podman, runc and debootstrap if they are missing and builds both base images locally with debootstrap (cached:
# skipped when the image exists), and a Node base for the console's build stage from Debian's nodejs and npm.
# podman runs only with runc and explicit ulimits on this host's cgroup v1.
#   DEBIAN_MIRROR   where debootstrap downloads packages (default http://deb.debian.org/debian)
#   IMAGE           the tag of the image it builds (default localhost/429chain:verify)
set -euo pipefail
cd "$(dirname "$0")/.."

STARTED=$(date +%s)
BUILD_BASE=localhost/429chain-build-base:bookworm-17
RUNTIME_BASE=localhost/429chain-runtime-base:bookworm-17
NODE_BASE=localhost/429chain-node-base:bookworm
IMAGE=${IMAGE:-localhost/429chain:verify}
CONTAINER=429chain-verify-$$
VOLUME=429chain-verify-data-$$
CLIENT_KEY=verify-client-key-$$
CONSOLE_USER=verify
CONSOLE_PASSWORD=verify-console-$$
COOKIES=$(mktemp /tmp/429chain-verify-cookies.XXXXXX)
ANSWER=$(mktemp /tmp/429chain-verify-answer.XXXXXX)
BUILD_LOG=$(mktemp /tmp/429chain-verify-build.XXXXXX)
PODMAN=(podman --runtime runc)
# Limits runc can set here (podman's defaults and e.g. nproc=65536 were refused): the shell's own open-file limit,
# and plenty of threads for a JVM.
LIMITS=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=32768:32768)

say() { echo "docker/verify.sh: $*"; }
# podman without systemd complains about the health check timers it cannot set up; nothing here needs them.
without_timer_noise() { "$@" 2> >(grep -v 'systemd connection' >&2); }
fail() {
  echo "docker/verify.sh: FAILED: $*" >&2
  if podman container exists "$CONTAINER" 2>/dev/null; then
    echo "--- last container log lines:" >&2
    podman logs --tail 40 "$CONTAINER" >&2 || true
  fi
  exit 1
}

cleanup() {
  if podman container exists "$CONTAINER" 2>/dev/null; then
    "${PODMAN[@]}" stop -t 10 "$CONTAINER" >/dev/null 2>&1 || true
    podman rm -f -v "$CONTAINER" >/dev/null 2>&1 || true
  fi
  podman volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  rm -f "$COOKIES" "$ANSWER" "$BUILD_LOG"
}
trap cleanup EXIT

install_tools() {
  local missing=()
  for tool in podman runc debootstrap curl jq; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The runtime base: a Debian bookworm root file system with a JRE, imported as an image; kept for the next run.
runtime_base() {
  if podman image exists "$RUNTIME_BASE"; then
    say "base image $RUNTIME_BASE exists"
    return
  fi
  say "building base image $RUNTIME_BASE with debootstrap"
  local rootfs
  rootfs=$(mktemp -d /tmp/429chain-verify-rootfs.XXXXXX)
  debootstrap --variant=minbase --include=ca-certificates,openjdk-17-jre-headless bookworm "$rootfs" \
    "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/dev/null || { rm -rf "$rootfs"; fail "debootstrap of $RUNTIME_BASE"; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" -c . | podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$RUNTIME_BASE" >/dev/null
  rm -rf "$rootfs"
}

# The build base: the runtime base plus a JDK and Maven from Debian (one debootstrap instead of two). It also trusts
# the host's own extra CAs (/usr/local/share/ca-certificates), so that Maven reaches Maven Central through the same
# TLS-inspecting proxy as the host, if there is one.
build_base() {
  if podman image exists "$BUILD_BASE"; then
    say "base image $BUILD_BASE exists"
    return
  fi
  say "building base image $BUILD_BASE"
  local context
  context=$(mktemp -d /tmp/429chain-verify-build-base.XXXXXX)
  mkdir "$context/cas"
  cp /usr/local/share/ca-certificates/*.crt "$context/cas/" 2>/dev/null || true
  cat >"$context/Containerfile" <<CONTAINERFILE
FROM $RUNTIME_BASE
COPY cas/ /usr/local/share/ca-certificates/
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
      openjdk-17-jdk-headless maven >/dev/null && update-ca-certificates >/dev/null && rm -rf /var/lib/apt/lists/*
CONTAINERFILE
  "${PODMAN[@]}" build --network host "${LIMITS[@]}" -q -t "$BUILD_BASE" "$context" >/dev/null || { rm -rf "$context"; fail "building $BUILD_BASE"; }
  rm -rf "$context"
}

# The console's build stage: Debian bookworm's nodejs (18; the view builds with it, npm warns that it asks for 20) and
# npm on the runtime base, with the same extra CAs as the build base; NODE_EXTRA_CA_CERTS because Node trusts only its
# own CA list otherwise.
node_base() {
  if podman image exists "$NODE_BASE"; then
    say "base image $NODE_BASE exists"
    return
  fi
  say "building base image $NODE_BASE"
  local context
  context=$(mktemp -d /tmp/429chain-verify-node-base.XXXXXX)
  mkdir "$context/cas"
  cp /usr/local/share/ca-certificates/*.crt "$context/cas/" 2>/dev/null || true
  cat >"$context/Containerfile" <<CONTAINERFILE
FROM $RUNTIME_BASE
COPY cas/ /usr/local/share/ca-certificates/
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
      nodejs npm >/dev/null && update-ca-certificates >/dev/null && rm -rf /var/lib/apt/lists/*
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CONTAINERFILE
  "${PODMAN[@]}" build --network host "${LIMITS[@]}" -q -t "$NODE_BASE" "$context" >/dev/null || { rm -rf "$context"; fail "building $NODE_BASE"; }
  rm -rf "$context"
}

# Runs 429chain as a user would; the image's HEALTHCHECK is run by await_healthy (podman schedules it with systemd).
start_container() {
  without_timer_noise "${PODMAN[@]}" run -d --name "$CONTAINER" "${LIMITS[@]}" \
    -p 127.0.0.1::4290 -p 127.0.0.1::4291 \
    -v "$VOLUME":/app/data \
    -e CHAIN429_API_KEYS="$CLIENT_KEY" \
    -e CHAIN429_MANAGEMENT_HOST=0.0.0.0 \
    -e CHAIN429_CONSOLE_USER="$CONSOLE_USER" -e CHAIN429_CONSOLE_PASSWORD="$CONSOLE_PASSWORD" \
    "$IMAGE" >/dev/null || fail "podman run"
  API=http://$(podman port "$CONTAINER" 4290/tcp)
  MANAGEMENT=http://$(podman port "$CONTAINER" 4291/tcp)
}

# Runs the image's own HEALTHCHECK (podman has no scheduler for it here) until it reports healthy.
await_healthy() {
  local deadline=$((SECONDS + 120))
  until "${PODMAN[@]}" healthcheck run "$CONTAINER" >/dev/null 2>&1; do
    [[ $(podman inspect -f '{{.State.Running}}' "$CONTAINER") == true ]] || fail "the container stopped before it was healthy"
    ((SECONDS < deadline)) || fail "not healthy within 120 s"
    sleep 1
  done
  local status
  status=$(podman inspect "$CONTAINER" | jq -r '.[0].State.Health.Status // .[0].State.Healthcheck.Status')
  [[ $status == healthy ]] || fail "health status is '$status', expected healthy"
  curl -sf "$MANAGEMENT/health" | jq -e '.status == "UP"' >/dev/null || fail "GET /health is not UP"
  say "container healthy after $((SECONDS - ${1:-0})) s (API $API, management $MANAGEMENT)"
}

chat() {
  curl -s -o "$1" -w '%{http_code}' -H "Authorization: Bearer $CLIENT_KEY" -H 'Content-Type: application/json' \
    -d '{"model":"default","messages":[{"role":"user","content":"hello from verify.sh"}]}' "$API/v1/chat/completions"
}

demo_state() {
  curl -sf -H "Authorization: Bearer $CLIENT_KEY" "$API/v1/ratelimits" | jq -c '.data[] | select(.id == "demo")' \
    || fail "GET /v1/ratelimits"
}

console_login() {
  curl -sf -c "$COOKIES" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$CONSOLE_USER\",\"password\":\"$CONSOLE_PASSWORD\"}" "$MANAGEMENT/hawtio/auth/login" >/dev/null \
    || fail "console login"
}

# The console announces the 429chain view after login (/hawtio/plugin) and serves its code (io.chain429.ops.ConsolePlugin).
check_console_view() {
  console_login
  local plugins url
  plugins=$(curl -sf -b "$COOKIES" "$MANAGEMENT/hawtio/plugin") || fail "GET /hawtio/plugin"
  url=$(jq -r '[.. | objects | select(.scope? == "chain429") | .url][0]' <<<"$plugins")
  [[ $url == /hawtio/plugins/429chain ]] || fail "the console does not announce the 429chain view: $plugins"
  curl -sf -b "$COOKIES" "$MANAGEMENT$url/remoteEntry.js" | grep -q chain429 \
    || fail "the console does not serve the 429chain view's $url/remoteEntry.js"
  say "the console serves the 429chain view ($url/remoteEntry.js)"
}

# One Jolokia operation on the demo provider's MBean, through the console's login, as an operator does from Hawtio.
operate_demo() {
  console_login
  curl -sf -b "$COOKIES" -H 'Content-Type: application/json' \
    -d "{\"type\":\"exec\",\"mbean\":\"io.chain429:type=Provider,name=demo\",\"operation\":\"$1()\"}" \
    "$MANAGEMENT/hawtio/jolokia/" | jq -r '.value' || fail "Jolokia $1()"
}

install_tools
runtime_base
build_base
node_base

say "building $IMAGE from docker/Dockerfile"
build_started=$SECONDS
# --format docker: the OCI format has no HEALTHCHECK. --network host: the build stage downloads from Maven Central.
"${PODMAN[@]}" build --format docker --network host "${LIMITS[@]}" \
  --build-arg BUILD_IMAGE="$BUILD_BASE" --build-arg RUNTIME_IMAGE="$RUNTIME_BASE" --build-arg NODE_IMAGE="$NODE_BASE" \
  -f docker/Dockerfile -t "$IMAGE" . >"$BUILD_LOG" 2>&1 || { tail -40 "$BUILD_LOG" >&2; fail "podman build (output above)"; }
say "image built in $((SECONDS - build_started)) s"

podman volume create "$VOLUME" >/dev/null
run_started=$SECONDS
start_container
await_healthy "$run_started"
[[ $("${PODMAN[@]}" exec "$CONTAINER" id -u) == 4290 ]] || fail "429chain does not run as the non-root user chain429"
check_console_view

status=$(chat "$ANSWER")
[[ $status == 200 ]] || fail "chat completion answered $status: $(cat "$ANSWER")"
jq -e '.choices[0].message.content | contains("You said: hello from verify.sh")' "$ANSWER" >/dev/null \
  || fail "unexpected chat completion: $(cat "$ANSWER")"
say "chat completion from the demo chain: $(jq -r '.choices[0].message.content' "$ANSWER")"

[[ $(operate_demo disable) == disabled ]] || fail "the console did not disable the demo provider"
[[ $(demo_state | jq -r '.status') == disabled ]] || fail "the demo provider is not disabled: $(demo_state)"
say "demo provider disabled by an operator; restarting on the same data volume"

# SIGTERM: 429chain finishes in-flight requests and writes its provider state before exiting.
without_timer_noise "${PODMAN[@]}" stop -t 40 "$CONTAINER" >/dev/null || fail "podman stop"
exit_code=$(podman inspect -f '{{.State.ExitCode}}' "$CONTAINER")
[[ $exit_code == 0 ]] || fail "429chain exited with $exit_code on SIGTERM"
without_timer_noise podman rm -v "$CONTAINER" >/dev/null  # -v: the anonymous volumes of /app/config and /app/routes too
run_started=$SECONDS
start_container
await_healthy "$run_started"

after=$(demo_state)
jq -e '.status == "disabled" and .disabledReason == "disabled by an operator"' <<<"$after" >/dev/null \
  || fail "the operator's disable did not survive the restart: $after"
jq -e '[.quotaKeys[].requestsToday] | add >= 1' <<<"$after" >/dev/null \
  || fail "today's request count did not survive the restart: $after"
status=$(chat "$ANSWER")
[[ $status == 503 ]] && jq -e '.error.code == "all_providers_failed"' "$ANSWER" >/dev/null \
  || fail "with demo disabled the chain should answer 503 all_providers_failed, got $status: $(cat "$ANSWER")"
say "provider state survived the restart: $after"

say "OK in $(($(date +%s) - STARTED)) s"
