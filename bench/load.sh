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
DURATION="${DURATION:-10s}"
CONNS="${CONNS:-10}"
THREADS="${THREADS:-$(( CONNS < 2 ? 1 : 2 ))}"
PORT="${PORT:-18080}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
# PROFILE=dist (fat LTO, what the Dockerfile ships) or release
PROFILE="${PROFILE:-dist}"
# BIN=path/to/concord measures a given binary (before/after comparisons) instead of building one.
if [ -z "${BIN:-}" ]; then
  cargo build --profile "$PROFILE" --quiet
  BIN="${CARGO_TARGET_DIR:-target}/$PROFILE/concord"
fi
DATA="${1:-}"
if [ -z "$DATA" ]; then
  DATA=$(mktemp -d)/data
  $BIN import --data "$DATA" -q data/icd10cm-tabular-April-1-2026.xml.gz data/hl7.terminology.r4-7.0.1.tgz >/dev/null
fi
SYSTEM="${2:-http://hl7.org/fhir/sid/icd-10-cm}"
WORK=$(mktemp -d)
DB="$DATA/releases/$(cat "$DATA/CURRENT")/concord.db"
python3 - "$DB" "$SYSTEM" "$WORK" <<'PY'
import sqlite3, sys, random, urllib.parse as u
db, system, work = sys.argv[1:]
c = sqlite3.connect(db)
cs = c.execute("SELECT id FROM code_system WHERE url = ? ORDER BY id DESC LIMIT 1", (system,)).fetchone()[0]
codes = [r[0] for r in c.execute("SELECT code FROM concept WHERE cs = ? AND active = 1", (cs,))]
edges = [r for r in c.execute("SELECT child, parent FROM is_a WHERE cs = ?", (cs,))]
random.seed(1); random.shuffle(codes); random.shuffle(edges)
s = u.quote(system, safe="")
# as many lines as the code list, so the trivial endpoint goes through the same rotation
open(f"{work}/health", "w").write("/health\n" * max(len(codes), 1))
open(f"{work}/lookup", "w").write("".join(f"/CodeSystem/$lookup?system={s}&code={u.quote(x)}\n" for x in codes))
# in the en-GB dialect (terms of related codes chosen from the GB language refset)
open(f"{work}/lookup-en-GB", "w").write("".join(f"/CodeSystem/$lookup?system={s}&code={u.quote(x)}&displayLanguage=en-GB\n" for x in codes))
# every property, including the generated SNOMED CT normal forms
open(f"{work}/lookup-all", "w").write("".join(f"/CodeSystem/$lookup?system={s}&code={u.quote(x)}&property=*\n" for x in codes))
open(f"{work}/validate", "w").write("".join(f"/CodeSystem/$validate-code?url={s}&code={u.quote(x)}\n" for x in codes))
open(f"{work}/subsumes", "w").write("".join(f"/CodeSystem/$subsumes?system={s}&codeA={u.quote(p)}&codeB={u.quote(ch)}\n" for ch, p in edges))
# typeahead: 2-3 word prefixes (3-5 letters) drawn from real terms, over the whole code system
terms = [r[0] for r in c.execute("SELECT term FROM designation WHERE cs = ? AND active = 1 LIMIT 200000", (cs,))]
random.shuffle(terms)
def prefixes(t):
    ws = [w for w in "".join(ch if ch.isalnum() else " " for ch in t.lower()).split() if len(w) >= 3]
    random.shuffle(ws)
    return [w[:random.randint(3, min(5, len(w)))] for w in ws[:random.randint(2, 3)]]
queries = [q for q in (prefixes(t) for t in terms[:50000]) if len(q) >= 2]
if system == "http://snomed.info/sct":
    vs = u.quote("http://snomed.info/sct?fhir_vs", safe="")
else:
    vs = None
if vs:
    open(f"{work}/typeahead", "w").write("".join(f"/ValueSet/$expand?url={vs}&filter={u.quote(' '.join(q))}&count=10\n" for q in queries))
open(f"{work}/search", "w").write("".join(f"/search?system={s}&q={u.quote(' '.join(q))}&limit=10\n" for q in queries))
# paged is-a expansions of concepts that have children
parents = list({p for _, p in edges})
random.shuffle(parents)
if vs:
    open(f"{work}/expand-isa", "w").write("".join(f"/ValueSet/$expand?url={u.quote('http://snomed.info/sct?fhir_vs=isa/' + p, safe='')}&count=20\n" for p in parents[:50000]))
mapped = [r[0] for r in c.execute("SELECT DISTINCT source_code FROM map_entry WHERE cs = ? AND refset = '447562003'", (cs,))]
random.shuffle(mapped)
m = u.quote("http://snomed.info/sct?fhir_cm=447562003", safe="")
if mapped:  # no map refset (e.g. ICD-10-CM): no $translate run
    open(f"{work}/translate", "w").write("".join(f"/ConceptMap/$translate?url={m}&system={s}&code={u.quote(x)}\n" for x in mapped))
print(f"{len(codes)} codes, {len(edges)} is-a edges, {len(mapped)} mapped codes of {system}")
PY
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
