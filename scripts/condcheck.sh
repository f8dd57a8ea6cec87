#!/usr/bin/env bash
# condcheck.sh: issue 11's acceptance run. Trains an unconditional and a
# conditional (--cond LIST) model of the default recipe for the same wall
# time on the same labelled data, side by side, evaluates both, and writes a
# markdown table: per attribute the classifier's ceiling on held-out reals,
# the conditional model's accuracy on faces asked for each value and their
# ratio, and the two models' SWD.
#
#   bin/prep --builtin 20000 --holdout 0.05 --out data/builtin-lab
#   scripts/condcheck.sh -d data/builtin-lab -o runs/condcheck -m "10 20 30"
#
# The two runs take turns: both train up to the first time, then both
# continue (--resume, exact) up to the next, so a change in the machine's load
# falls on both alike. Keep other work off the machine while it runs.
# Output in OUT: uncond-sSEED/, cond-sSEED/ (the runs), eval/*/report.json
# and index.html, grids/*.png and condcheck.md (the table).
set -euo pipefail
cd "$(dirname "$0")/.."

data=data/builtin-lab out=runs/condcheck minutes="10 20 30" seeds=1 n=1000 bin=bin cond=all extra=""
condnew="" # the conditional run's settings, given when it starts (kept by --resume)
usage() {
	sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
	echo "options: -d DATA -o OUT -m MINUTES -s SEEDS -n N -c COND -g concat|cbn (the conditional run's --cond-g) -y W (its --cond-mismatch) -B LIST (its --cond-balance) -P P (its --cond-balance-power) -b BIN -x 'extra train flags'"
}
while getopts "d:o:m:s:n:c:g:y:B:P:b:x:h" opt; do
	case $opt in
	d) data=$OPTARG ;; o) out=$OPTARG ;; m) minutes=$OPTARG ;; s) seeds=$OPTARG ;;
	n) n=$OPTARG ;; c) cond=$OPTARG ;; g) [ -z "$OPTARG" ] || condnew="$condnew --cond-g $OPTARG" ;;
	y) [ -z "$OPTARG" ] || condnew="$condnew --cond-mismatch $OPTARG" ;;
	B) [ -z "$OPTARG" ] || condnew="$condnew --cond-balance $OPTARG" ;;
	P) [ -z "$OPTARG" ] || condnew="$condnew --cond-balance-power $OPTARG" ;;
	b) bin=$OPTARG ;; x) extra=$OPTARG ;;
	h) usage; exit 0 ;; *) usage >&2; exit 2 ;;
	esac
done
[ -f "$data/manifest.json" ] || { echo "condcheck.sh: $data has no manifest.json (run prep first)" >&2; exit 2; }
grep -q '"attributes"' "$data/manifest.json" || { echo "condcheck.sh: $data has no labels (prep --builtin N or --labels FILE.csv)" >&2; exit 2; }
for b in train sample eval; do
	[ -x "$bin/$b" ] || { echo "condcheck.sh: $bin/$b missing (make -f pipeline.mk build)" >&2; exit 2; }
done
prev=0
for m in $minutes; do
	awk -v a="$m" -v b="$prev" 'BEGIN { exit !(a > b) }' || { echo "condcheck.sh: -m needs increasing times, got \"$minutes\"" >&2; exit 2; }
	prev=$m
done
[ ! -e "$out" ] || { echo "condcheck.sh: $out exists; choose another -o or remove it" >&2; exit 2; }
mkdir -p "$out/grids" "$out/eval"

prev=0
for m in $minutes; do
	for seed in $seeds; do
		for kind in uncond cond; do
			run="$out/$kind-s$seed" flags="" resume=""
			[ "$kind" = uncond ] || flags="--cond $cond"
			[ "$prev" = 0 ] || resume="--resume"
			[ "$kind" = uncond ] || [ "$prev" != 0 ] || flags="$flags$condnew"
			echo "== $(date -u +%H:%M:%S) $kind, seed $seed: training to $m minutes"
			# shellcheck disable=SC2086
			"$bin/train" --data "$data" --out "$run" --seed "$seed" $flags $resume $extra \
				--minutes "$(awk -v a="$m" -v b="$prev" 'BEGIN { print a - b }')" \
				--save-every 0 --keep 0 --sample-every 0 --quiet
			"$bin/sample" --ckpt "$run/ckpt/latest.safetensors" --n 64 --cols 8 --seed 1 \
				--out "$out/grids/$kind-s$seed-${m}m.png" --quiet
		done
	done
	prev=$m
done

echo "== $(date -u +%H:%M:%S) evaluating"
for seed in $seeds; do
	for kind in uncond cond; do
		"$bin/eval" --data "$data" --ckpt "$out/$kind-s$seed/ckpt/latest.safetensors" \
			--out "$out/eval/$kind-s$seed" -n "$n" --quiet
	done
	"$bin/sample" --ckpt "$out/cond-s$seed/ckpt/latest.safetensors" --attr-grid hair --n 8 --seed 1 \
		--out "$out/grids/cond-s$seed-hair.png" --quiet || true
done
go run ./scripts/condtable "$out" | tee "$out/condcheck.md"
