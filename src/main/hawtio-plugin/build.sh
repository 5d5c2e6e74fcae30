#!/bin/sh
# Builds the console's 429chain view into $OUT (Maven runs this in generate-resources).
# Without npm it says so and builds nothing: 429chain then runs with the plain Hawtio console, so running it needs
# only Java and Maven. The dependencies are installed again only when package-lock.json changed (a fresh install
# takes minutes).
set -e
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
  echo "[429chain] npm not found: building without the console's 429chain view (install Node.js 20+ and npm to have it)" >&2
  exit 0
fi
if ! cmp -s package-lock.json node_modules/.429chain-installed-lock 2>/dev/null; then
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.429chain-installed-lock
fi
npm run build
