#!/usr/bin/env bash
# Speed, measured side by side in one run on this machine:
#   prep vs Pillow, SGEMM vs OpenBLAS, DCGAN-64 training step vs PyTorch.
# Needs Debian's python3-pil, python3-numpy, python3-torch and libopenblas-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED:-../shared}
echo "== prep vs Pillow"; prep/bench.sh "$shared/data/anime-faces-96.tar.gz" 64 2
echo "== SGEMM vs OpenBLAS"; pkg/kernels/bench.sh 2
echo "== training step vs PyTorch"; pkg/gan/bench_step.sh
