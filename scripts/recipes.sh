#!/usr/bin/env bash
# recipes.sh: train training recipes side by side for the same wall time on
# the same data, evaluate each at fixed times, and write a markdown table and
# one sample grid per recipe, seed and time.
#
#   scripts/recipes.sh -d data/anime -o runs/recipes -m "5 10 20" -r "classic toon" -s "1 2"
#   make -f pipeline.mk recipes RECIPE_DATA=data/anime RECIPE_MINUTES="5 10 20"
#
# The recipes take turns: for each seed, every recipe trains up to the first
# time, then every recipe continues (--resume, exact) up to the next, and so
# on, so that a change in the machine's load falls on all of them alike. Each
# run is checkpointed at every time; eval scores every checkpoint against the
# dataset's held-out images (-n generated images each) once training is over.
# Keep other work off the machine while it runs: the recipes are compared at
# equal wall time.
#
# Output in OUT: RECIPE-sSEED/ (the runs), grids/RECIPE-sSEED-MINm.png,
# eval/RECIPE-sSEED-MINm/report.json, index.tsv and recipes.md (the table).
set -euo pipefail
cd "$(dirname "$0")/.."

data=data/builtin out=runs/recipes minutes="5 10 20" recipes="classic toon" seeds="1" n=1000 bin=bin extra=""
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; echo "options: -d DATA -o OUT -m MINUTES -r RECIPES -s SEEDS -n N -b BIN -x 'extra train flags'"; }
while getopts "d:o:m:r:s:n:b:x:h" opt; do
	case $opt in
	d) data=$OPTARG ;; o) out=$OPTARG ;; m) minutes=$OPTARG ;; r) recipes=$OPTARG ;;
	s) seeds=$OPTARG ;; n) n=$OPTARG ;; b) bin=$OPTARG ;; x) extra=$OPTARG ;;
	h) usage; exit 0 ;; *) usage >&2; exit 2 ;;
	esac
done
[ -f "$data/manifest.json" ] || { echo "recipes.sh: $data has no manifest.json (run prep first)" >&2; exit 2; }
for b in train sample eval; do
	[ -x "$bin/$b" ] || { echo "recipes.sh: $bin/$b missing (make -f pipeline.mk build)" >&2; exit 2; }
done
prev=0
for m in $minutes; do
	awk -v a="$m" -v b="$prev" 'BEGIN { exit !(a > b) }' || { echo "recipes.sh: -m needs increasing times, got \"$minutes\"" >&2; exit 2; }
	prev=$m
done
if [ -e "$out" ]; then
	echo "recipes.sh: $out exists; choose another -o or remove it" >&2
	exit 2
fi
mkdir -p "$out/grids" "$out/eval"
index="$out/index.tsv"
printf 'recipe\tseed\tminutes\tstep\teval\tgrid\n' >"$index"

for seed in $seeds; do
	prev=0
	for m in $minutes; do
		stage=$(awk -v a="$m" -v b="$prev" 'BEGIN { print a - b }')
		for r in $recipes; do
			run="$out/$r-s$seed"
			resume=""
			[ "$prev" = 0 ] || resume="--resume"
			echo "== $(date -u +%H:%M:%S) recipe $r, seed $seed: training to $m min ($stage more)"
			# shellcheck disable=SC2086
			"$bin/train" --data "$data" --out "$run" --recipe "$r" --seed "$seed" --minutes "$stage" \
				--save-every 0 --keep 0 --sample-every 0 --quiet $resume $extra
			ck="$run/ckpt/latest.safetensors"
			step=$(ls "$run/ckpt" | sed -n 's/^step-0*\([0-9][0-9]*\)\.safetensors$/\1/p' | sort -n | tail -1)
			grid="$out/grids/$r-s$seed-${m}m.png"
			"$bin/sample" --ckpt "$ck" --n 64 --cols 8 --seed 1 --out "$grid" --quiet
			cp "$run/ckpt/step-$(printf %06d "$step").safetensors" "$out/eval/$r-s$seed-${m}m.safetensors"
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$seed" "$m" "$step" "eval/$r-s$seed-${m}m" "grids/$r-s$seed-${m}m.png" >>"$index"
		done
		prev=$m
	done
done

echo "== $(date -u +%H:%M:%S) evaluating"
tail -n +2 "$index" | while IFS=$'\t' read -r r seed m step ev grid; do
	"$bin/eval" --data "$data" --ckpt "$out/$ev.safetensors" --out "$out/$ev" -n "$n" --quiet
done
go run ./scripts/recipetable "$out" >"$out/recipes.md"
cat "$out/recipes.md"
