#!/usr/bin/env bash
# Prep speed against the Pillow anchor, back to back on the same archive:
#   prep/bench.sh [ARCHIVE] [SIZE] [RUNS]
# Prints each tool's images/s and the ratio (acceptance: >= 3x Pillow).
set -euo pipefail
SHARED=${SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared}
ARCHIVE=${1:-$SHARED/data/anime-faces-96.tar.gz}
SIZE=${2:-64}
RUNS=${3:-1}
PY=${PYTHON:-/usr/bin/python3}
PIL_SCRIPT=${PIL_SCRIPT:-$SHARED/bench/pil_prep_bench.py}
cd "$(dirname "$0")/.."
if [ ! -e "$ARCHIVE" ]; then echo "bench: $ARCHIVE not found, skipped"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/prep" ./prep
for i in $(seq "$RUNS"); do
  go_line=$("$tmp/prep" --out "$tmp/ds" --size "$SIZE" "$ARCHIVE" 2>&1 >/dev/null | grep '^prep: ' | tail -1)
  go_rate=$(sed -E 's/.* = ([0-9.]+) images\/s.*/\1/' <<<"$go_line")
  pil_line=$("$PY" "$PIL_SCRIPT" "$ARCHIVE" "$SIZE")
  pil_rate=$(sed -E 's/.* = ([0-9.]+) img\/s.*/\1/' <<<"$pil_line")
  ratio=$(awk -v a="$go_rate" -v b="$pil_rate" 'BEGIN { printf "%.2f", a / b }')
  echo "run $i: toongan prep $go_rate img/s, pillow $pil_rate img/s, ratio ${ratio}x"
done
