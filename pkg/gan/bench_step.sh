#!/usr/bin/env bash
# Issue 3 acceptance: DCGAN-64 training throughput of toongan vs PyTorch on
# this machine, side by side (nz 100, ngf = ndf = 64, kernel 4, batch 64; one
# D step on real + fake and one G step per iteration).
# Usage: pkg/gan/bench_step.sh [go-benchtime, default 10x] [torch steps, default 10]
set -euo pipefail
cd "$(dirname "$0")/../.."
benchtime=${1:-10x}
tsteps=${2:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go test -c -o "$tmp/gan.test" ./pkg/gan
/usr/bin/time -v "$tmp/gan.test" -test.run '^$' -test.bench '^BenchmarkStepDCGAN64$' \
	-test.benchtime "$benchtime" >"$tmp/go.out" 2>"$tmp/go.time"
go_ips=$(awk '/BenchmarkStepDCGAN64/ { for (i = 1; i <= NF; i++) if ($(i+1) == "img/s") print $i }' "$tmp/go.out")
go_rss=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$tmp/go.time")

OMP_NUM_THREADS=2 /usr/bin/time -v /usr/bin/python3 "${SHARED:-../shared}/bench/torch_dcgan_bench.py" 64 64 "$tsteps" \
	>"$tmp/py.out" 2>"$tmp/py.time"
py_ips=$(sed -n 's/.*: \([0-9.]*\) img\/s.*/\1/p' "$tmp/py.out")
py_rss=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$tmp/py.time")

grep Benchmark "$tmp/go.out"
cat "$tmp/py.out"
echo "toongan: $go_ips img/s, peak RSS $((go_rss / 1024)) MiB (GOMAXPROCS=${GOMAXPROCS:-$(nproc)})"
echo "pytorch: $py_ips img/s, peak RSS $((py_rss / 1024)) MiB (OMP_NUM_THREADS=2)"
awk -v a="$go_ips" -v b="$py_ips" 'BEGIN { printf "ratio toongan/pytorch: %.2fx (target >= 1.5x)\n", a / b }'

# The recipes against classic: the same step, each ingredient included
# (RECIPE_COUNT rounds, interleaved by the benchmark framework's -count).
if [ "${RECIPES:-1}" != 0 ]; then
	"$tmp/gan.test" -test.run '^$' -test.bench '^BenchmarkStepRecipe64$' -test.benchtime "$benchtime" \
		-test.count "${RECIPE_COUNT:-2}" | tee "$tmp/recipes.out" | grep Benchmark
	awk '/BenchmarkStepRecipe64\// {
		split($1, a, "/"); sub(/-[0-9]+$/, "", a[2]);
		for (i = 1; i <= NF; i++) if ($(i+1) == "img/s") { s[a[2]] += $i; n[a[2]]++ }
	} END {
		for (r in s) if (r != "classic") printf "recipe %s: %.1f img/s, %.2fx classic (%.1f img/s)\n", r, s[r]/n[r], (s[r]/n[r]) / (s["classic"]/n["classic"]), s["classic"]/n["classic"]
	}' "$tmp/recipes.out"
	"$tmp/gan.test" -test.run '^$' -test.bench '^BenchmarkSyncEMA64$' -test.benchtime 3x | grep Benchmark
fi
