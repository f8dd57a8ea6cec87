#!/usr/bin/env bash
# DCGAN-64 training throughput of toongan vs PyTorch on this machine, side
# by side (nz 100, ngf = ndf = 64, kernel 4, batch 64; one D step on real +
# fake and one G step per iteration), then every recipe against classic,
# each at its own batch (per image) and all at batch 64 (the ingredients).
#
# Usage: pkg/gan/bench_step.sh [go-benchtime, default 10x] [torch steps, default 10]
#
# Environment:
#   BASE=REV     also build REV's pkg/gan test binary (from `git archive`, not
#                touching any worktree) and run it interleaved with this
#                tree's, ROUNDS times each (default 3): old and new img/s,
#                peak RSS and their ratio, and the recipes of both.
#   SCALING=1    time the step at GOMAXPROCS 1, 2, 4, ... up to nproc (and
#                nproc itself) and print the speed-up over one core.
#   BATCH256=1   also the step at batch 256 (img/s and peak RSS).
#   TORCH=0      skip PyTorch;  RECIPES=0  skip the recipes.
set -euo pipefail
cd "$(dirname "$0")/../.."
benchtime=${1:-10x}
tsteps=${2:-10}
rounds=${ROUNDS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go test -c -o "$tmp/gan.test" ./pkg/gan
if [ -n "${BASE:-}" ]; then
	mkdir "$tmp/base"
	git archive "$BASE" | tar -x -C "$tmp/base"
	(cd "$tmp/base" && go test -c -o "$tmp/base.test" ./pkg/gan)
fi

# step BIN BENCH OUT: one timed run of a step benchmark; prints "img/s rss_MiB".
step() {
	/usr/bin/time -v "$1" -test.run '^$' -test.bench "^$2\$" -test.benchtime "$benchtime" >"$3" 2>"$3.time"
	awk '/img\/s/ { for (i = 1; i <= NF; i++) if ($(i+1) == "img/s") v = $i } END { printf "%s ", v }' "$3"
	awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); printf "%d\n", $2 / 1024 }' "$3.time"
}

# recipes BIN OUT: one run of every recipe's step, each at its own batch
# and all at batch 64, appended to OUT.
recipes() {
	"$1" -test.run '^$' -test.bench '^BenchmarkStepRecipe64(Batch64)?$' -test.benchtime "$benchtime" >>"$2"
}

# recipe_table OUT: each recipe's mean img/s and step time against
# classic's, at the recipes' own batches (what a run gets per image) and at
# batch 64 (what the recipe's ingredients cost on classic's step).
recipe_table() {
	grep Benchmark "$1"
	awk '/BenchmarkStepRecipe64(Batch64)?\// {
		split($1, a, "/"); sub(/-[0-9]+$/, "", a[2]);
		k = ($1 ~ /Batch64/) ? "at batch 64" : "at its own batch"
		key = a[2] SUBSEP k
		for (i = 1; i <= NF; i++) {
			if ($(i+1) == "img/s") { s[key] += $i; n[key]++ }
			if ($(i+1) == "ns/op") t[key] += $i
		}
	} END {
		for (key in s) {
			split(key, p, SUBSEP)
			c = "classic" SUBSEP p[2]
			if (p[1] == "classic" || !(c in s)) continue
			printf "recipe %s %s: %.1f img/s, %.2fx classic per image (%.1f img/s); a step takes %.2fx classic'"'"'s time\n", p[1], p[2], s[key]/n[key], (s[key]/n[key]) / (s[c]/n[c]), s[c]/n[c], (t[key]/n[key]) / (t[c]/n[c])
		}
	}' "$1" | sort
}

if [ -n "${BASE:-}" ]; then
	echo "== step, batch 64: $BASE (old) and this tree (new), interleaved, $rounds rounds"
	for r in $(seq "$rounds"); do
		read -r oi orss < <(step "$tmp/base.test" BenchmarkStepDCGAN64 "$tmp/old.$r")
		read -r ni nrss < <(step "$tmp/gan.test" BenchmarkStepDCGAN64 "$tmp/new.$r")
		echo "round $r: old $oi img/s ($orss MiB), new $ni img/s ($nrss MiB)"
		echo "$oi $orss $ni $nrss" >>"$tmp/rounds"
	done
	# Mean and best round of each: on a shared machine the best round is
	# the one the other jobs disturbed least.
	awk '{ o += $1; n += $3; if ($1 > ob) ob = $1; if ($3 > nb) nb = $3; if ($2 > or) or = $2; if ($4 > nr) nr = $4 }
		END { printf "old: mean %.1f img/s, best %.1f, peak RSS %d MiB\nnew: mean %.1f img/s, best %.1f, peak RSS %d MiB\nratio new/old: %.2fx (means), %.2fx (best rounds)\n", o/NR, ob, or, n/NR, nb, nr, n/o, nb/ob }' "$tmp/rounds"
fi

if [ "${BATCH256:-0}" != 0 ]; then
	read -r ips rss < <(step "$tmp/gan.test" BenchmarkStepDCGAN64Batch256 "$tmp/b256")
	echo "batch 256: $ips img/s, peak RSS $rss MiB"
fi

if [ "${SCALING:-0}" != 0 ]; then
	echo "== scaling of the step (batch 64) with GOMAXPROCS, $rounds rounds taking turns"
	ncpu=$(nproc)
	procs=""
	for ((p = 1; p < ncpu; p *= 2)); do procs="$procs $p"; done
	procs="$procs $ncpu"
	for r in $(seq "$rounds"); do
		for p in $procs; do
			read -r ips rss < <(GOMAXPROCS=$p step "$tmp/gan.test" BenchmarkStepDCGAN64 "$tmp/scale.$p")
			echo "$p $ips" >>"$tmp/scaling"
		done
	done
	# Best round of each core count (the least disturbed), against one core's.
	awk '{ if ($2 > b[$1]) b[$1] = $2; s[$1] += $2; n[$1]++ } END {
		for (p in b) printf "GOMAXPROCS=%d: best %.1f img/s (mean %.1f), %.2fx one core (means %.2fx)\n", p, b[p], s[p]/n[p], b[p] / b[1], (s[p]/n[p]) / (s[1]/n[1])
	}' "$tmp/scaling" | sort -t= -k2 -n
fi

if [ "${TORCH:-1}" != 0 ] && ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	echo "pytorch: not installed (python3-torch); skipped"
elif [ "${TORCH:-1}" != 0 ]; then
	# Debian's PyTorch multiplies through libblas.so.3: without
	# libopenblas-dev that is the reference BLAS, about 5 GFLOP/s, and
	# PyTorch's step about 4.5x slower than with OpenBLAS.
	blas=$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || true)
	case "$blas" in
	*openblas*) ;;
	*) echo "warning: libblas.so.3 is ${blas:-unknown}, not OpenBLAS (apt install libopenblas-dev): PyTorch's number is not comparable" ;;
	esac
	read -r go_ips go_rss < <(step "$tmp/gan.test" BenchmarkStepDCGAN64 "$tmp/go.out")
	OMP_NUM_THREADS=2 /usr/bin/time -v /usr/bin/python3 "${SHARED:-../shared}/bench/torch_dcgan_bench.py" 64 64 "$tsteps" \
		>"$tmp/py.out" 2>"$tmp/py.time"
	py_ips=$(sed -n 's/.*: \([0-9.]*\) img\/s.*/\1/p' "$tmp/py.out")
	py_rss=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$tmp/py.time")
	grep Benchmark "$tmp/go.out"
	cat "$tmp/py.out"
	echo "toongan: $go_ips img/s, peak RSS $go_rss MiB (GOMAXPROCS=${GOMAXPROCS:-$(nproc)})"
	echo "pytorch: $py_ips img/s, peak RSS $((py_rss / 1024)) MiB (OMP_NUM_THREADS=2)"
	awk -v a="$go_ips" -v b="$py_ips" 'BEGIN { printf "ratio toongan/pytorch: %.2fx\n", a / b }'
fi

# The recipes against classic: the same step, each ingredient included
# (RECIPE_COUNT rounds; with BASE the old and new binaries take turns).
if [ "${RECIPES:-1}" != 0 ]; then
	for r in $(seq "${RECIPE_COUNT:-2}"); do
		[ -n "${BASE:-}" ] && recipes "$tmp/base.test" "$tmp/recipes.old"
		recipes "$tmp/gan.test" "$tmp/recipes.new"
	done
	if [ -n "${BASE:-}" ]; then
		echo "== recipes, $BASE (old)"
		recipe_table "$tmp/recipes.old"
		echo "== recipes, this tree (new)"
	fi
	recipe_table "$tmp/recipes.new"
	"$tmp/gan.test" -test.run '^$' -test.bench '^BenchmarkSyncEMA64$' -test.benchtime 3x | grep Benchmark
fi
