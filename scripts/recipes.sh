#!/usr/bin/env bash
# recipes.sh: train training recipes side by side for the same wall time on
# the same data, evaluate each at fixed times, and write a markdown table and
# one sample grid per recipe, seed and time.
#
#   scripts/recipes.sh -d data/anime -o runs/recipes -m "5 10 20" -r "classic toon" -s "1 2"
#   scripts/recipes.sh -d data/anime -u steps -m "300 600" -p -r "classic toon" -s "1 2"
#   make -f pipeline.mk recipes DATA=... RECIPE_MINUTES="5 10 20"
#
# The recipes take turns: for each seed, every recipe trains up to the first
# time, then every recipe continues (--resume, exact) up to the next, and so
# on, so that a change in the machine's load falls on all of them alike. Each
# run is checkpointed at every time; eval scores every checkpoint against the
# dataset's held-out images (-n generated images each) once training is over.
# Keep other work off the machine while it runs: the recipes are compared at
# equal wall time. On a busy machine compare at equal steps instead (-u
# steps: the times are step counts), which is fair when the recipes' steps
# cost the same (pkg/gan/bench_step.sh); -p then trains every recipe and
# seed of a stage at once.
#
# Output in OUT: RECIPE-sSEED/ (the runs), grids/RECIPE-sSEED-MINm.png,
# eval/RECIPE-sSEED-MINm/report.json, index.tsv and recipes.md (the table).
set -euo pipefail
cd "$(dirname "$0")/.."

data=data/builtin out=runs/recipes minutes="5 10 20" recipes="classic toon" seeds="1" n=1000 bin=bin extra=""
unit=minutes parallel=""
usage() {
	sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
	echo "options: -d DATA -o OUT -m TIMES -u minutes|steps -p -r RECIPES -s SEEDS -n N -b BIN -x 'extra train flags'"
}
while getopts "d:o:m:u:pr:s:n:b:x:h" opt; do
	case $opt in
	d) data=$OPTARG ;; o) out=$OPTARG ;; m) minutes=$OPTARG ;; r) recipes=$OPTARG ;;
	s) seeds=$OPTARG ;; n) n=$OPTARG ;; b) bin=$OPTARG ;; x) extra=$OPTARG ;;
	u) unit=$OPTARG ;; p) parallel=1 ;;
	h) usage; exit 0 ;; *) usage >&2; exit 2 ;;
	esac
done
case $unit in
minutes | steps) ;;
*) echo "recipes.sh: -u $unit: want minutes or steps" >&2; exit 2 ;;
esac
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
printf 'recipe\tseed\t%s\tstep\teval\tgrid\n' "$unit" >"$index"

# stage RECIPE SEED PREV TIME: train RECIPE (seed SEED) from PREV to TIME.
stage() {
	local r=$1 seed=$2 prev=$3 m=$4 run="$out/$1-s$2" resume="" budget
	[ "$prev" = 0 ] || resume="--resume"
	if [ "$unit" = steps ]; then
		budget="--steps $m"
	else
		budget="--minutes $(awk -v a="$m" -v b="$prev" 'BEGIN { print a - b }')"
	fi
	echo "== $(date -u +%H:%M:%S) recipe $r, seed $seed: training to $m $unit"
	# shellcheck disable=SC2086
	"$bin/train" --data "$data" --out "$run" --recipe "$r" --seed "$seed" $budget \
		--save-every 0 --keep 0 --sample-every 0 --quiet $resume $extra
}

# record RECIPE SEED TIME: a grid and a copy of the checkpoint at TIME.
record() {
	local r=$1 seed=$2 m=$3 run="$out/$1-s$2" step grid
	step=$(ls "$run/ckpt" | sed -n 's/^step-0*\([0-9][0-9]*\)\.safetensors$/\1/p' | sort -n | tail -1)
	grid="grids/$r-s$seed-$m${unit:0:1}.png"
	"$bin/sample" --ckpt "$run/ckpt/latest.safetensors" --n 64 --cols 8 --seed 1 --out "$out/$grid" --quiet
	cp "$run/ckpt/step-$(printf %06d "$step").safetensors" "$out/eval/$r-s$seed-$m${unit:0:1}.safetensors"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$seed" "$m" "$step" "eval/$r-s$seed-$m${unit:0:1}" "$grid" >>"$index"
}

prev=0
for m in $minutes; do
	pids=()
	for seed in $seeds; do
		for r in $recipes; do
			if [ -n "$parallel" ]; then
				stage "$r" "$seed" "$prev" "$m" &
				pids+=($!)
			else
				stage "$r" "$seed" "$prev" "$m"
			fi
		done
	done
	for p in "${pids[@]}"; do wait "$p"; done
	for seed in $seeds; do
		for r in $recipes; do record "$r" "$seed" "$m"; done
	done
	prev=$m
done

echo "== $(date -u +%H:%M:%S) evaluating"
tail -n +2 "$index" | while IFS=$'\t' read -r r seed m step ev grid; do
	"$bin/eval" --data "$data" --ckpt "$out/$ev.safetensors" --out "$out/$ev" -n "$n" --quiet
done
go run ./scripts/recipetable "$out" >"$out/recipes.md"
cat "$out/recipes.md"
