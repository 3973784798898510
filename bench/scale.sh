#!/usr/bin/env bash
# International-scale benchmark: generate a synthetic release (default scale 1.0), import it
# (wall time, peak RSS), measure the data directory, then serve it and run bench/load.sh with
# rotating codes over every active concept. Usage: bench/scale.sh [SCALE] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-1.0}"
WORK="${2:-$(mktemp -d)}"
# PROFILE=dist (fat LTO, what the Dockerfile ships) or release
PROFILE="${PROFILE:-dist}"
cargo build --profile "$PROFILE" --quiet
BIN="${CARGO_TARGET_DIR:-target}/$PROFILE/concord"
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; scale $SCALE; work dir $WORK"
rm -rf "$WORK/synth" "$WORK/data"
/usr/bin/time -f "synth: %e s wall, %M KiB peak RSS" $BIN synth --scale "$SCALE" --out "$WORK/synth" | grep -E "concepts|relationships|descriptions|language|map_rows"
PKG="$WORK/synth/$(python3 -c "import json,sys; print(json.load(open('$WORK/synth/synth-manifest.json'))['package'])")"
/usr/bin/time -f "import: %e s wall, %M KiB peak RSS" $BIN import --data "$WORK/data" -q "$PKG" | grep -E "rows$|published"
echo "data directory: $(du -sh "$WORK/data" | cut -f1)"
PORT="${PORT:-18400}" DURATION="${DURATION:-10s}" bench/load.sh "$WORK/data" http://snomed.info/sct
