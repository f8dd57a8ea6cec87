// Runs an ONNX generator exported by `sample --export-onnx` with
// onnxruntime-node on a latents file written by `sample --save-latents`, and
// compares its images with the raw float32 values `sample --save-floats`
// wrote for the same latents. Prints one JSON line; exits 1 when the largest
// absolute difference is not below the tolerance (default 1e-3, on [-1, 1]).
//
//   NODE_PATH=out/onnx-node/node_modules node scripts/onnx-check.cjs g.onnx z.json ref.f32 [tol]
"use strict";
const fs = require("fs");
const ort = require("onnxruntime-node");

async function main() {
  const [model, latents, ref, tolArg] = process.argv.slice(2);
  if (!ref) throw new Error("usage: onnx-check.cjs MODEL.onnx LATENTS.json FLOATS.f32 [TOL]");
  const tol = tolArg === undefined ? 1e-3 : Number(tolArg);
  const lf = JSON.parse(fs.readFileSync(latents, "utf8"));
  if (lf.format !== "toongan-latents" || lf.z.length !== lf.n) throw new Error(`${latents}: not a toongan latents file`);
  const z = Float32Array.from(lf.z.flat());
  const session = await ort.InferenceSession.create(model);
  const names = JSON.stringify([session.inputNames, session.outputNames]);
  if (names !== JSON.stringify([["latent"], ["image"]])) throw new Error(`${model}: inputs/outputs ${names}, want [["latent"],["image"]]`);
  const { image } = await session.run({ latent: new ort.Tensor("float32", z, [lf.n, lf.nz]) });
  const b = fs.readFileSync(ref);
  const want = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  if (image.dims.length !== 4 || image.dims[0] !== lf.n || image.data.length !== want.length) {
    throw new Error(`${model}: output dims [${image.dims}] (${image.data.length} values), ${ref} holds ${want.length}`);
  }
  let worst = 0, lo = Infinity, hi = -Infinity;
  for (let i = 0; i < want.length; i++) {
    const v = image.data[i];
    worst = Math.max(worst, Math.abs(v - want[i]));
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  // One latent alone gives the same image as in the batch (BatchNorm in inference mode).
  const per = want.length / lf.n;
  const one = await session.run({ latent: new ort.Tensor("float32", z.slice(-lf.nz), [1, lf.nz]) });
  let alone = 0;
  for (let i = 0; i < per; i++) alone = Math.max(alone, Math.abs(one.image.data[i] - want[want.length - per + i]));
  // A reference of near-constant images would let any output pass.
  const weak = hi - lo < 0.2;
  const ok = worst < tol && alone < tol && lo >= -1 && hi <= 1 && !weak;
  console.log(JSON.stringify({ model, n: lf.n, dims: image.dims, max_abs_diff: worst, batch1_max_abs_diff: alone, min: lo, max: hi, tol, ok }));
  if (weak) console.error(`onnx-check: ${model}: outputs span only ${lo}..${hi}: too flat for a meaningful comparison`);
  if (!ok) process.exit(1);
}

main().catch((e) => {
  console.error(`onnx-check: ${e.message}`);
  process.exit(2);
});
