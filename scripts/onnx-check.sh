#!/usr/bin/env bash
# ONNX export check: trains tiny checkpoints (toon and classic recipes; the
# EMA generator's BatchNorm statistics standing, copied and averaged; the
# 4x4 and 5x5 DCGANs; the MLP), exports each generator with
# `sample --export-onnx`, runs the file with onnxruntime-node (npm, installed
# with --ignore-scripts into out/onnx-node: its install script would fetch
# GPU libraries; the CPU runtime ships inside the package) on latents written
# by `sample --save-latents`, and compares with the float32 images
# `sample --save-floats` wrote for them: max abs difference below 1e-3.
# Used by .ci/run and `make -f pipeline.mk onnx-check`; about 10 s on 2
# cores, plus the npm install the first time.
#
#   scripts/onnx-check.sh [-b BIN] [-o OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=bin out=out/onnx-check
while getopts "b:o:" opt; do
  case $opt in
    b) bin=$OPTARG ;;
    o) out=$OPTARG ;;
    *) echo "usage: $0 [-b BIN] [-o OUTDIR]" >&2; exit 2 ;;
  esac
done
ort_version=1.30.0
node_dir=out/onnx-node

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "onnx-check: needs node and npm (Debian: apt install nodejs npm)" >&2
  exit 1
fi
if [ "$(node -p "try { require('./$node_dir/node_modules/onnxruntime-node/package.json').version } catch (e) { '' }")" != "$ort_version" ]; then
  mkdir -p "$node_dir"
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error --prefix "$node_dir" "onnxruntime-node@$ort_version"
fi
for b in prep train sample; do
  [ -x "$bin/$b" ] || { echo "onnx-check: $bin/$b missing (make -f pipeline.mk build)" >&2; exit 1; }
done

rm -rf "$out"
mkdir -p "$out"
"$bin/prep" --quiet --out "$out/data32" --builtin 256 --size 32 --holdout 0
"$bin/prep" --quiet --out "$out/data48" --builtin 256 --size 48 --holdout 0

# name, data, train flags, sample flags
cases=(
  "toon       data32 --recipe=toon"
  "classic    data32 --recipe=classic"
  "classicraw data32 --recipe=classic   --raw"
  "emabn-ema  data32 --recipe=classic,--ema-bn=ema"
  "toon-k5-48 data48 --recipe=toon,--kernel=5"
  "mlp        data32 --recipe=classic,--arch=mlp"
)
fail=0
for c in "${cases[@]}"; do
  read -r name data tflags sflags <<<"$c"
  d=$out/$name
  run=$out/runs/${name%raw}
  if [ ! -e "$run/ckpt/latest.safetensors" ]; then
    # shellcheck disable=SC2046
    "$bin/train" --quiet --data "$out/$data" --out "$run" --steps 40 --batch 8 --ngf 8 --ndf 8 --nz 24 \
      --lr 0.01 --ema 0.9 --save-every 40 --sample-every 40 --log-every 40 $(tr , ' ' <<<"$tflags")
  fi
  ck=$run/ckpt/latest.safetensors
  mkdir -p "$d"
  "$bin/sample" --quiet --ckpt "$ck" --n 12 --seed 5 $sflags --save-latents "$d/z.json" --save-floats "$d/ref.f32" --out "$d/grid.png"
  "$bin/sample" --ckpt "$ck" $sflags --export-onnx "$d/generator.onnx"
  NODE_PATH=$node_dir/node_modules node scripts/onnx-check.cjs "$d/generator.onnx" "$d/z.json" "$d/ref.f32" || fail=1
done
[ $fail -eq 0 ] || { echo "onnx-check: FAILED" >&2; exit 1; }
echo "onnx-check: ok"
