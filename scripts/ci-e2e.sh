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

# Conditional training on the same (labelled) faces: train --cond, sample
# --attr, --attr-grid and --attr-to, eval, and the errors naming what is known.
cond="runs/$name-cond"
rm -rf "$cond" "$cond-2"
bin/train --data "data/$name" --out "$cond" --cond all --steps 4 --batch 8 --ngf 8 --ndf 8 --quiet
ck="$cond/ckpt/latest.safetensors"
bin/sample --ckpt "$ck" --attr hair=red,glasses=yes --n 8 --out "$cond/red.png" --quiet
bin/sample --ckpt "$ck" --attr-grid hair --n 2 --out "$cond/hair.png" --quiet
bin/sample --ckpt "$ck" --interp 3 --keys 2 --attr hair=black --attr-to hair=red --out "$cond/dye.gif" --quiet
bin/eval --ckpt "$ck" --data "data/$name" --out "$cond/eval" --n 64 --quiet
for f in red.png hair.png dye.png dye.gif eval/report.json; do test -s "$cond/$f" || { echo "ci-e2e: $cond/$f missing"; exit 1; }; done
expect_fail() { # expect_fail WANT CMD...: CMD must fail with WANT in its stderr
  local want=$1; shift
  if out=$("$@" 2>&1); then echo "ci-e2e: $* succeeded"; exit 1; fi
  grep -qF -- "$want" <<<"$out" || { echo "ci-e2e: $* said: $out (want $want)"; exit 1; }
}
expect_fail 'its values: black, dark_brown' bin/sample --ckpt "$ck" --attr hair=nope --out "$cond/x.png"
expect_fail 'its attributes: hair, hair_style' bin/train --data "data/$name" --out "$cond-2" --cond wings --steps 1
expect_fail 'cannot export a conditional generator' bin/sample --ckpt "$ck" --export-onnx "$cond/g.onnx"
echo "ci-e2e: ok"
