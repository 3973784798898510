#!/usr/bin/env bash
# Load benchmark: throughput and latency of $lookup, $validate-code and $subsumes with rotating
# codes, each next to the trivial /health endpoint of the same server in the same run (the ratio
# survives a noisy machine). Usage:
#   bench/load.sh [DATA_DIR] [SYSTEM_URL]
# DATA_DIR defaults to a fresh import of the embedded dataset; SYSTEM_URL defaults to
# ICD-10-CM. Needs wrk (apt-get install wrk). Loopback only; each run is bounded by DURATION.
# SERVE_ARGS are added to `concord serve` (e.g. --no-audit, or --jwks FILE); AUTH=<jwt> sends a
# bearer token with every request (bench/mint_token.py mints one from the test key).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/common.sh
. bench/common.sh
DURATION="${DURATION:-10s}"
CONNS="${CONNS:-10}"
THREADS="${THREADS:-$(( CONNS < 2 ? 1 : 2 ))}"
PORT="${PORT:-18080}"
need_wrk
# PROFILE=dist (fat LTO, what the Dockerfile ships) or release
PROFILE="${PROFILE:-dist}"
concord_bin
DATA="${1:-}"
if [ -z "$DATA" ]; then
  DATA=$(mktemp -d)/data
  $BIN import --data "$DATA" -q data/icd10cm-tabular-April-1-2026.xml.gz data/hl7.terminology.r4-7.0.1.tgz >/dev/null
fi
SYSTEM="${2:-http://hl7.org/fhir/sid/icd-10-cm}"
WORK=$(mktemp -d)
DB="$DATA/releases/$(cat "$DATA/CURRENT")/concord.db"
python3 bench/paths.py "$DB" "$SYSTEM" "$WORK"
# shellcheck disable=SC2086
$BIN serve --data "$DATA" --addr "127.0.0.1:$PORT" ${SERVE_ARGS:-} >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
echo "machine: $(nproc) cores; wrk -t$THREADS -c$CONNS -d$DURATION; server workers: $(nproc)"
run() { # kind -> "kind: requests=… rps=… p50_us=…"
  # one warm-up pass so the measured run is not paying for page-cache faults
  PATHS="$WORK/$1" wrk -t"$THREADS" -c"$CONNS" -d2s -s bench/rotate.lua "http://127.0.0.1:$PORT" >/dev/null
  line=$(PATHS="$WORK/$1" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s bench/rotate.lua "http://127.0.0.1:$PORT" | grep '^RESULT')
  echo "$1: ${line#RESULT }"
}
rps() { sed -E 's/.* rps=([0-9]+).*/\1/'; }
# Each endpoint runs right after its own /health run; the ratio to that run is the figure that
# survives a noisy machine, and the ratio to the fastest /health of the session the cautious one.
best=0
for kind in ${KINDS:-lookup lookup-en-GB lookup-all validate subsumes translate typeahead search expand-isa}; do
  [ -f "$WORK/$kind" ] || continue
  h=$(run health); r=$(run "$kind")
  echo "$h"; echo "$r"
  hr=$(echo "$h" | rps); kr=$(echo "$r" | rps)
  [ "$hr" -gt "$best" ] && best=$hr
  echo "$kind $kr $hr" >>"$WORK/ratios"
done
while read -r kind kr hr; do
  awk -v k="$kind" -v a="$kr" -v h="$hr" -v b="$best" \
    'BEGIN { printf "%s: %.2f x adjacent /health (%d), %.2f x fastest /health (%d)\n", k, a / h, h, a / b, b }'
done <"$WORK/ratios"
echo "RSS after load: $(ps -o rss= -p $SERVER) KiB"
