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

function readFloats(path) {
  const b = fs.readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

// checkInterface compares the model's declared input and output, as
// onnxruntime reads them, with what the latents and images need.
function checkInterface(session, model, nz, side) {
  const got = JSON.stringify([session.inputMetadata, session.outputMetadata].map((ms) => ms.map((m) => [m.name, m.type, m.shape])));
  const want = JSON.stringify([[["latent", "float32", ["batch", nz]]], [["image", "float32", ["batch", 3, side, side]]]]);
  if (got !== want) throw new Error(`${model}: interface ${got}, want ${want}`);
}

async function main() {
  const [model, latents, ref, tolArg] = process.argv.slice(2);
  if (!ref) throw new Error("usage: onnx-check.cjs MODEL.onnx LATENTS.json FLOATS.f32 [TOL]");
  const tol = tolArg === undefined ? 1e-3 : Number(tolArg);
  const lf = JSON.parse(fs.readFileSync(latents, "utf8"));
  if (lf.format !== "toongan-latents" || lf.z.length !== lf.n) throw new Error(`${latents}: not a toongan latents file`);
  const z = Float32Array.from(lf.z.flat());
  const want = readFloats(ref);
  const per = want.length / lf.n;
  const side = Math.round(Math.sqrt(per / 3));
  if (3 * side * side !== per) throw new Error(`${ref}: ${want.length} values are not ${lf.n} RGB square images`);
  const session = await ort.InferenceSession.create(model);
  checkInterface(session, model, lf.nz, side);
  const { image } = await session.run({ latent: new ort.Tensor("float32", z, [lf.n, lf.nz]) });
  if (image.dims.join() !== [lf.n, 3, side, side].join()) throw new Error(`${model}: output dims [${image.dims}]`);
  let worst = 0, lo = Infinity, hi = -Infinity;
  for (let i = 0; i < want.length; i++) {
    const v = image.data[i];
    worst = Math.max(worst, Math.abs(v - want[i]));
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  // One latent alone gives the same image as in the batch (BatchNorm in inference mode).
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
