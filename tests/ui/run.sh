#!/usr/bin/env bash
# Runs the web page's end-to-end tests: installs playwright-core (npm) and, where it is missing,
# Debian's chromium; imports the hand-written fixtures into a fresh data directory; serves them
# on a free loopback port; runs tests/ui/ui.test.mjs in headless Chromium. Usage:
#   tests/ui/run.sh [BIN]        (BIN defaults to $CARGO_TARGET_DIR/debug/concord, built if absent)
# SCREENSHOTS=docs writes docs/ui-search.png and docs/ui-concept.png.
set -euo pipefail
cd "$(dirname "$0")/../.."
target_dir="${CARGO_TARGET_DIR:-target}"
bin="${1:-$target_dir/debug/concord}"
[ -x "$bin" ] || cargo build --quiet
missing=""
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing="chromium"
command -v npm >/dev/null || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
  # shellcheck disable=SC2086
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
(cd tests/ui && npm ci --no-audit --no-fund --silent 2>/dev/null || npm install --no-audit --no-fund --silent)
data=$(mktemp -d)
"$bin" import --data "$data" -q tests/fixtures/rf2-mini/SnomedCT_ConcordMini_INT_20250131 \
  tests/fixtures/icd/claml-mini.xml tests/fixtures/icd/icd10cm-mini.xml >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --data "$data" --addr "127.0.0.1:$port" --no-audit >"$data/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
BASE="http://127.0.0.1:$port" node tests/ui/ui.test.mjs
