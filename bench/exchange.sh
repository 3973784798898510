#!/usr/bin/env bash
# Exchange-boundary benchmarks (issue 13): $normalize latency next to /health, bulk validation
# through the HTTP NDJSON stream and through `concord bulk`, the server's RSS before and after
# a large stream, and the HL7 v2 MLLP listener's message rate. Usage:
#   bench/exchange.sh DATA_DIR
# DATA_DIR must hold a SNOMED CT release with an ICD-10 map (e.g. `concord synth --scale 0.1`
# imported) — ICD-10-CM 2026 is imported into a copy of it. Needs wrk. N=codings in the bulk
# runs (default 1,000,000); DURATION for the wrk runs.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/common.sh
. bench/common.sh
SRC="${1:?usage: bench/exchange.sh DATA_DIR}"
N="${N:-1000000}"
DURATION="${DURATION:-8s}"
CONNS="${CONNS:-10}"
PORT="${PORT:-18081}"
MLLP_PORT="${MLLP_PORT:-18082}"
PROFILE="${PROFILE:-release}"
concord_bin
WORK=$(mktemp -d)
DATA="$WORK/data"
cp -r "$SRC" "$DATA"
$BIN import --data "$DATA" -q data/icd10cm-tabular-April-1-2026.xml.gz >/dev/null
DB="$DATA/releases/$(cat "$DATA/CURRENT")/concord.db"
python3 - "$DB" "$WORK" "$N" <<'PY'
import sqlite3, sys, random, json, urllib.parse as u
db, work, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = sqlite3.connect(db)
def codes(url):
    cs = c.execute("SELECT id FROM code_system WHERE url = ? ORDER BY id DESC LIMIT 1", (url,)).fetchone()[0]
    return cs, [r[0] for r in c.execute("SELECT code FROM concept WHERE cs = ? AND active = 1", (cs,))]
random.seed(1)
sct_cs, sct = codes("http://snomed.info/sct")
_, cm = codes("http://hl7.org/fhir/sid/icd-10-cm")
icd10 = [r[0] for r in c.execute("SELECT DISTINCT target_code FROM map_entry WHERE cs = ? AND refset = '447562003' AND target_code <> ''", (sct_cs,))]
random.shuffle(sct); random.shuffle(cm); random.shuffle(icd10)
S, CM, I10 = "http://snomed.info/sct", "http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10"
q = lambda x: u.quote(x, safe="")
open(f"{work}/health", "w").write("/health\n" * 100000)
open(f"{work}/normalize-sct", "w").write("".join(f"/$normalize?system={q(S)}&code={x}\n" for x in sct[:100000]))
open(f"{work}/normalize-icd10", "w").write("".join(f"/$normalize?system={q(I10)}&code={q(x)}\n" for x in icd10[:100000]))
open(f"{work}/normalize-icd10cm", "w").write("".join(f"/$normalize?system={q(CM)}&code={q(x)}\n" for x in cm[:100000]))
# Bulk: N codings, half SNOMED CT, half ICD-10-CM, a few unknown.
with open(f"{work}/codings.ndjson", "w") as f:
    for i in range(n):
        if i % 2:
            f.write(json.dumps({"system": S, "code": sct[i % len(sct)]}) + "\n")
        elif i % 97 == 0:
            f.write(json.dumps({"system": CM, "code": "Z99.99X"}) + "\n")
        else:
            f.write(json.dumps({"system": CM, "code": cm[i % len(cm)]}) + "\n")
# Bulk Data: Conditions of 5 codings each (N codings in all).
with open(f"{work}/Condition.ndjson", "w") as f:
    for i in range(n // 5):
        codings = [{"system": S, "code": sct[(i * 3 + k) % len(sct)]} for k in range(3)] + \
                  [{"system": CM, "code": cm[(i * 2 + k) % len(cm)]} for k in range(2)]
        f.write(json.dumps({"resourceType": "Condition", "id": f"c{i}", "code": {"coding": codings}}) + "\n")
# HL7 v2: ADT^A08 messages with 5 coded fields (3 DG1, 1 PR1, 1 OBX-3).
msgs = []
for i in range(20000):
    segs = [f"MSH|^~\\&|EPR|HOSP|TIE|NHS|20261130101500||ADT^A08^ADT_A01|M{i}|P|2.5.1",
            "PID|1||123^^^HOSP^MR||DOE^JANE",
            f"DG1|1||{sct[i % len(sct)]}^^SCT|",
            f"DG1|2||{cm[i % len(cm)]}^^I10C|",
            f"DG1|3||{sct[(i + 7) % len(sct)]}^^SCT|",
            f"PR1|1||{sct[(i + 11) % len(sct)]}^^SCT|",
            f"OBX|1|NM|{sct[(i + 13) % len(sct)]}^^SCT||5|"]
    msgs.append("\r".join(segs) + "\r")
json.dump(msgs, open(f"{work}/v2.json", "w"))
print(f"{len(sct)} SNOMED CT, {len(cm)} ICD-10-CM, {len(icd10)} ICD-10 map targets; {n} codings")
PY
$BIN serve --data "$DATA" --addr "127.0.0.1:$PORT" --no-audit >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER ${LISTENER:-} 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print int($2/1024) " MB"}' "/proc/$1/status"; }
echo "server RSS after start: $(rss $SERVER)"
run() {
  PATHS="$WORK/$1" wrk -t2 -c"$CONNS" -d"$DURATION" -s bench/rotate.lua "http://127.0.0.1:$PORT" | grep RESULT | sed "s/^RESULT/$1/"
}
run health
run normalize-sct
run normalize-icd10
run normalize-icd10cm
run health
echo "HTTP stream: $N codings to POST /\$validate-code (application/x-ndjson)"
start=$(date +%s.%N)
curl -s -XPOST -H 'Content-Type: application/x-ndjson' --data-binary @"$WORK/codings.ndjson" \
  "http://127.0.0.1:$PORT/\$validate-code" -o "$WORK/stream.out"
end=$(date +%s.%N)
lines=$(wc -l < "$WORK/stream.out")
python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'  {int(sys.argv[3])} answers in {s:.1f} s = {int(sys.argv[3])/s*60/1e6:.2f} M codings/min')" "$start" "$end" "$lines"
echo "server RSS after the stream: $(rss $SERVER)"
echo "CLI: concord bulk validate, $N codings in $((N / 5)) Conditions"
start=$(date +%s.%N)
$BIN bulk validate --data "$DATA" -q "$WORK/Condition.ndjson" --out "$WORK/bulk" 2>&1 | tail -1
end=$(date +%s.%N)
python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'  {s:.1f} s = {int(sys.argv[3])/s*60/1e6:.2f} M codings/min')" "$start" "$end" "$N"
echo "HL7 v2 MLLP: 20,000 messages, 5 coded fields each, 4 connections"
$BIN v2 listen --data "$DATA" --mllp "127.0.0.1:$MLLP_PORT" --dead-letter "$WORK/v2-dl.ndjson" 2>/dev/null &
LISTENER=$!
sleep 1
python3 - "$WORK/v2.json" "$MLLP_PORT" <<'PY'
import json, socket, sys, threading, time
msgs = json.load(open(sys.argv[1])); port = int(sys.argv[2])
acks = {"AA": 0, "AE": 0, "AR": 0}
lock = threading.Lock()
def worker(part):
    s = socket.create_connection(("127.0.0.1", port)); buf = b""
    for m in part:
        s.sendall(b"\x0b" + m.encode() + b"\x1c\x0d")
        while b"\x1c\x0d" not in buf:
            buf += s.recv(65536)
        ack, buf = buf.split(b"\x1c\x0d", 1)
        code = ack.split(b"MSA|")[1][:2].decode()
        with lock: acks[code] += 1
t0 = time.time()
ts = [threading.Thread(target=worker, args=(msgs[i::4],)) for i in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
dt = time.time() - t0
print(f"  {len(msgs)} messages in {dt:.1f} s = {len(msgs)/dt:.0f} messages/s; ACKs {acks}")
PY
