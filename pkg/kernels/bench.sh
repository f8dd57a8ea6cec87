#!/usr/bin/env bash
# bench.sh: SGEMM benchmarks for pkg/kernels.
#
#   pkg/kernels/bench.sh [ROUNDS] [BENCH_REGEX]
#
# Builds the test binary once (with OpenBLAS side by side when
# libopenblas-dev is installed) and runs it ROUNDS times (default 3), so the
# implementations are interleaved and other load on the machine shows up as
# spread between rounds rather than as a bias. BENCH_REGEX defaults to
# Sgemm1024; use 'SgemmDCGAN' for the DCGAN-64 layer shapes or '.' for all.
# Env: BENCHTIME (default 30x), OPENBLAS=0 to skip OpenBLAS.
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-3}
regex=${2:-Sgemm1024}
benchtime=${BENCHTIME:-30x}
tags=()
if [[ ${OPENBLAS:-1} != 0 ]] && [[ -e /usr/include/x86_64-linux-gnu/cblas.h || -e /usr/include/cblas.h ]]; then
	tags=(-tags openblas)
fi
bin=$(mktemp -d)/kernels.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test "${tags[@]}" -c -o "$bin" .
for ((r = 1; r <= rounds; r++)); do
	echo "# round $r/$rounds"
	"$bin" -test.run XXX -test.bench "$regex" -test.benchtime "$benchtime" |
		grep -E 'Benchmark|OpenBLAS core'
done
