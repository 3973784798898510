#!/usr/bin/env bash
# What auth plus audit cost in throughput: two servers of one binary on the same data, one with
# neither (`--no-audit`, no JWKS) and one with both (`--jwks` and an audit trail, ON_ARGS), where
# each request carries a bearer token (an RS256 JWT from bench/mint_token.py). They are measured in alternating short runs, off on on off, for
# ROUNDS rounds, so the machine's drift from one minute to the next falls on both alike; each
# round's ratio and the ratio of the totals are printed. Usage:
#   bench/overhead.sh [DATA_DIR]
# DATA_DIR defaults to a fresh import of the embedded dataset. ROUNDS (8), DURATION (3s), CONNS
# (10), KINDS ("validate lookup"), ON_ARGS ("--audit-sync-ms 10"; "" for the strict default),
# BIN (a built binary) and PROFILE (dist) as in bench/load.sh; RESTART_EVERY (5): both servers
# are started anew every that many rounds. The parts apart: TOKEN_ONLY=1 (the
# on server has neither, only the token is sent: what carrying it costs), AUTH=0 (audit alone),
# ON_ARGS=--no-audit (auth alone). Needs wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/common.sh
. bench/common.sh
ROUNDS="${ROUNDS:-8}"
DURATION="${DURATION:-3s}"
CONNS="${CONNS:-10}"
THREADS="${THREADS:-2}"
ON_ARGS="${ON_ARGS---audit-sync-ms 10}"
need_wrk
PROFILE="${PROFILE:-dist}"
concord_bin
WORK=$(mktemp -d)
DATA="${1:-}"
if [ -z "$DATA" ]; then
  DATA="$WORK/data"
  $BIN import --data "$DATA" -q data/icd10cm-tabular-April-1-2026.xml.gz >/dev/null
fi
python3 bench/paths.py "$DATA/releases/$(cat "$DATA/CURRENT")/concord.db" \
  http://hl7.org/fhir/sid/icd-10-cm "$WORK" >/dev/null
TOKEN=$(python3 bench/mint_token.py)
AUTH_ARGS=(--jwks tests/fixtures/auth/jwks.json)
[ "${AUTH:-1}" = 0 ] && { TOKEN=""; AUTH_ARGS=(); }
[ "${TOKEN_ONLY:-0}" = 1 ] && { AUTH_ARGS=(); ON_ARGS="--no-audit"; }
AUDIT_ARGS=(--audit "$WORK/audit.ndjson")
case " $ON_ARGS " in *" --no-audit "*) AUDIT_ARGS=() ;; esac
OFF_PORT=$((${PORT:-18180})); ON_PORT=$((OFF_PORT + 1))
OFF=""; ON=""
start_off() {
  $BIN serve --data "$DATA" --addr "127.0.0.1:$OFF_PORT" --no-audit >"$WORK/off.log" 2>&1 &
  OFF=$!
}
start_on() {
  rm -f "$WORK"/audit.ndjson*
  # shellcheck disable=SC2086
  $BIN serve --data "$DATA" --addr "127.0.0.1:$ON_PORT" "${AUTH_ARGS[@]}" \
    "${AUDIT_ARGS[@]}" $ON_ARGS >"$WORK/on.log" 2>&1 &
  ON=$!
}
# Both servers anew, started in turn in either order (`$1`: 0 off first, 1 on first). A
# process's own layout (addresses, hash seeds, where its memory lies) moves its speed by a few
# points for its whole life: A/A runs of one pair of processes came out at 0.963 and 1.013.
# Restarting every RESTART_EVERY rounds (5) spreads that over many pairs.
restart() {
  [ -n "$OFF" ] && { kill "$OFF" "$ON" 2>/dev/null || true; wait "$OFF" "$ON" 2>/dev/null || true; }
  if [ "$1" = 0 ]; then start_off; start_on; else start_on; start_off; fi
  for port in $OFF_PORT $ON_PORT; do
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
  done
}
trap 'kill $OFF $ON 2>/dev/null || true; wait 2>/dev/null; rm -rf "$WORK"' EXIT
RESTART_EVERY="${RESTART_EVERY:-5}"
restart 0
records=0
echo "machine: $(nproc) cores; wrk -t$THREADS -c$CONNS -d$DURATION; on: ${AUTH_ARGS[*]} $ON_ARGS${TOKEN:+ (token sent)}"
rps() { # port kind duration -> requests per second; the on server's requests carry the token
  local auth=""
  [ "$1" = "$ON_PORT" ] && auth="$TOKEN"
  AUTH="$auth" PATHS="$WORK/$2" wrk -t"$THREADS" -c"$CONNS" -d"$3" -s bench/rotate.lua \
    "http://127.0.0.1:$1" | sed -nE 's/^RESULT .* rps=([0-9]+).*/\1/p'
}
for kind in ${KINDS:-validate lookup}; do
  # Warm both (page cache, token caches, the trail's first pages).
  rps $OFF_PORT "$kind" 2s >/dev/null; rps $ON_PORT "$kind" 2s >/dev/null
  off_sum=0; on_sum=0; ratios=""
  for round in $(seq "$ROUNDS"); do
    if [ "$round" -gt 1 ] && [ $(((round - 1) % RESTART_EVERY)) = 0 ]; then
      [ -f "$WORK/audit.ndjson" ] && records=$((records + $(wc -l <"$WORK/audit.ndjson")))
      restart $(((round - 1) / RESTART_EVERY % 2))
      rps $OFF_PORT "$kind" 1s >/dev/null; rps $ON_PORT "$kind" 1s >/dev/null
    fi
    a=$(rps $OFF_PORT "$kind" "$DURATION"); b=$(rps $ON_PORT "$kind" "$DURATION")
    c=$(rps $ON_PORT "$kind" "$DURATION"); d=$(rps $OFF_PORT "$kind" "$DURATION")
    off_sum=$((off_sum + a + d)); on_sum=$((on_sum + b + c))
    ratios="$ratios $(awk -v on=$((b + c)) -v off=$((a + d)) 'BEGIN { printf "%.3f", on / off }')"
  done
  # The rounds' spread says how far the total's ratio can be trusted: the standard error of
  # their mean, and a 95% interval (two of them) around it.
  awk -v k="$kind" -v on=$on_sum -v off=$off_sum -v r="$ratios" -v n="$ROUNDS" 'BEGIN {
    printf "%s: on/off per round:%s\n", k, r
    printf "%s: off %d req/s, on %d req/s, on/off %.3f (%+.1f%%)\n", k, off / (2 * n), on / (2 * n), on / off, 100 * (on / off - 1)
    m = split(r, x, " "); mean = 0; for (i = 1; i <= m; i++) mean += x[i] / m
    ss = 0; for (i = 1; i <= m; i++) ss += (x[i] - mean) ^ 2
    se = m > 1 ? sqrt(ss / (m - 1) / m) : 0
    printf "%s: mean of rounds %.3f, standard error %.3f, 95%% interval %.3f to %.3f\n", k, mean, se, mean - 2 * se, mean + 2 * se
  }'
done
[ -f "$WORK/audit.ndjson" ] && records=$((records + $(wc -l <"$WORK/audit.ndjson")))
[ "$records" -gt 0 ] && echo "audit records written: $records"
exit 0
