#!/usr/bin/env bash
# The whole pipeline on a tiny budget, then checks that every output exists and
# parses. Used by .ci/run; takes about a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
name=ci-e2e
rm -rf "data/$name" "data/$name.opts" "runs/$name"
make -f pipeline.mk all NAME=$name BUILTIN=400 SIZE=32 MINUTES= STEPS=6 BATCH=16 \
  SAMPLES=16 EVAL_N=64 TRAIN_FLAGS="--ngf 8 --ndf 8 --save-every 3 --sample-every 3 --log-every 1"
go run ./scripts/checkoutputs "data/$name" "runs/$name"
echo "ci-e2e: ok"
