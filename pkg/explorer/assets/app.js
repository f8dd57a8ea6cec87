// toongan explorer: the page's logic. Every picture comes from the local
// server's /api/ endpoints (see pkg/explorer/doc.go).
"use strict";

const $ = (id) => document.getElementById(id);
const CELL = 72, PAGE = 64, COLS = 8;
const state = {
  info: null, ck: 0, nextSeed: 0,
  cur: null,        // {z, seed} of the open face (z: base64url latent)
  shifts: [],       // slider values, one per direction
  A: null, B: null, // latents picked for interpolation
  vseed: 1,
  busy: false, pending: false, // one face request in flight; latest wins
};

function status(msg) { $("status").textContent = msg || ""; }

async function getJSON(url, opts) {
  const r = await fetch(url, opts);
  if (!r.ok) throw new Error((await r.text()).trim());
  return r.json();
}

function decodeLatent(b64) {
  const s = atob(b64.replace(/-/g, "+").replace(/_/g, "/"));
  const dv = new DataView(new ArrayBuffer(s.length));
  for (let i = 0; i < s.length; i++) dv.setUint8(i, s.charCodeAt(i));
  const out = [];
  for (let i = 0; i + 4 <= s.length; i += 4) out.push(dv.getFloat32(i, true));
  return out;
}

function dirsParam() {
  return state.shifts.some((v) => v !== 0) ? "&dirs=" + state.shifts.map((v) => v.toFixed(2)).join(",") : "";
}

// attrParam is the attribute selects' choices as an attr parameter ("any"
// selects are left out: drawn per latent, as without attr).
function attrParam() {
  const set = [...document.querySelectorAll("#attrs select")].filter((s) => s.value !== "").map((s) => `${s.name}=${s.value}`);
  return set.length ? `&attr=${encodeURIComponent(set.join(","))}` : "";
}

function faceURL() { return `/api/face.png?z=${state.cur.z}${dirsParam()}&ckpt=${state.ck}${attrParam()}`; }

// sheetCells fills box with clickable cells cut from one sheet image.
function sheetCells(box, url, n, cols, size, onpick, label) {
  for (let i = 0; i < n; i++) {
    const c = document.createElement("div");
    c.className = "cell";
    c.style.backgroundImage = `url("${url}")`;
    c.style.backgroundSize = `${cols * size}px auto`;
    c.style.backgroundPosition = `-${(i % cols) * size}px -${Math.floor(i / cols) * size}px`;
    c.title = label(i);
    c.dataset.index = i;
    c.addEventListener("click", () => onpick(i, c));
    box.appendChild(c);
  }
}

function addPage() {
  const start = state.nextSeed;
  state.nextSeed += PAGE;
  const url = `/api/grid.png?start=${start}&n=${PAGE}&cols=${COLS}&ckpt=${state.ck}`;
  const grid = $("grid");
  const before = grid.children.length;
  sheetCells(grid, url, PAGE, COLS, CELL, (i, c) => openSeed(start + i, c), (i) => `seed ${start + i}`);
  for (let i = before; i < grid.children.length; i++) grid.children[i].dataset.seed = start + i - before;
  const probe = new Image(); // tells the test (and the user) when the page's faces are in
  probe.onload = () => { grid.dataset.loaded = String(grid.children.length); };
  probe.onerror = () => status("could not load faces");
  probe.src = url;
}

function reloadGrid() {
  const n = state.nextSeed;
  $("grid").replaceChildren();
  delete $("grid").dataset.loaded;
  state.nextSeed = 0;
  while (state.nextSeed < n) addPage();
}

async function openSeed(seed, cell) {
  document.querySelectorAll("#grid .sel").forEach((c) => c.classList.remove("sel"));
  if (cell) cell.classList.add("sel");
  try {
    const r = await getJSON(`/api/latent?seed=${seed}`);
    open({ z: r.z, seed: seed });
  } catch (e) { status(e.message); }
}

function open(face) {
  state.cur = face;
  state.shifts = state.shifts.map(() => 0);
  document.querySelectorAll("#sliders input").forEach((s) => { s.value = 0; s.nextElementSibling.textContent = "0.0"; });
  $("detail").hidden = false;
  $("title").textContent = face.seed != null ? `seed ${face.seed}` : "(latent)";
  $("vars").replaceChildren();
  updateFace();
}

function showLatent(z) {
  const v = decodeLatent(z);
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  $("latent").textContent = `z (${v.length} values, |z| = ${norm.toFixed(2)}): [` +
    v.slice(0, 6).map((x) => x.toFixed(3)).join(", ") + ", \u2026]" +
    (dirsParam() ? ", moved along the directions below" : "");
}

// updateFace asks for the open face as the sliders say; while a request is
// in flight further moves only mark it stale, so the newest position wins.
async function updateFace() {
  if (!state.cur) return;
  const seedq = state.cur.seed != null && !dirsParam() ? `&seed=${state.cur.seed}` : "";
  $("dl-png").href = faceURL();
  $("dl-json").href = `/api/latent.json?z=${state.cur.z}${dirsParam()}${seedq}`;
  if (state.busy) { state.pending = true; return; }
  state.busy = true;
  const url = faceURL();
  try {
    const r = await fetch(url);
    if (!r.ok) throw new Error((await r.text()).trim());
    const blob = await r.blob();
    const big = $("big");
    if (big.src.startsWith("blob:")) URL.revokeObjectURL(big.src);
    big.src = URL.createObjectURL(blob);
    big.dataset.url = url; // the server URL of what is shown
    status("");
  } catch (e) { status(e.message); }
  state.busy = false;
  showLatent(state.cur.z);
  if (state.pending) { state.pending = false; updateFace(); }
}

// buildAttrs makes one select per attribute of a conditional checkpoint;
// a change redraws the big face.
function buildAttrs() {
  const attrs = state.info.attributes || [];
  const box = $("attrs");
  attrs.forEach((a) => {
    const label = document.createElement("label");
    label.textContent = a.name + " ";
    const sel = document.createElement("select");
    sel.name = a.name;
    sel.append(new Option("any", ""));
    a.values.forEach((v) => sel.append(new Option(v, v)));
    sel.addEventListener("change", updateFace);
    label.append(sel);
    box.append(label, " ");
  });
  box.hidden = attrs.length === 0;
}

function buildSliders() {
  const box = $("sliders");
  state.info.directions.forEach((d, i) => {
    const lab = document.createElement("label");
    lab.textContent = `direction ${i + 1} (${(100 * d.share).toFixed(1)}%)`;
    lab.htmlFor = `dir${i}`;
    const s = document.createElement("input");
    Object.assign(s, { type: "range", id: `dir${i}`, min: -5, max: 5, step: 0.1, value: 0 });
    const out = document.createElement("output");
    out.textContent = "0.0";
    s.addEventListener("input", () => {
      state.shifts[i] = Number(s.value);
      out.textContent = Number(s.value).toFixed(1);
      updateFace();
    });
    box.append(lab, s, out);
  });
  state.shifts = state.info.directions.map(() => 0);
  if (!state.info.directions.length) box.textContent = "no directions for this model";
}

// baked returns the open face's latent with the slider moves applied.
async function baked() {
  if (!dirsParam()) return state.cur.z;
  const r = await getJSON(`/api/edit?z=${state.cur.z}${dirsParam()}`);
  return r.z;
}

async function vary() {
  try {
    const z = await baked();
    const s = $("strength").value;
    const r = await getJSON(`/api/variations?z=${z}&strength=${s}&n=8&seed=${state.vseed++}`);
    showLatents(r.z);
  } catch (e) { status(e.message); }
}

function showLatents(zs) {
  const box = $("vars");
  box.replaceChildren();
  const url = `/api/sheet.png?z=${zs.join(",")}&cols=${zs.length}&ckpt=${state.ck}${attrParam()}`;
  sheetCells(box, url, zs.length, zs.length, 64, (i) => open({ z: zs[i], seed: null }), (i) => `variation ${i + 1}`);
  box.dataset.count = String(zs.length);
  delete box.dataset.loaded;
  const probe = new Image();
  probe.onload = () => { if (box.dataset.count === String(zs.length)) box.dataset.loaded = "1"; };
  probe.onerror = () => status("could not draw the variations");
  probe.src = url;
}

async function pick(which) {
  try {
    const z = await baked();
    state[which] = z;
    $("img" + which).src = `/api/face.png?z=${z}&ckpt=${state.ck}${attrParam()}`;
    $("interp-btn").disabled = !(state.A && state.B);
  } catch (e) { status(e.message); }
}

function interpolate() {
  if (!(state.A && state.B)) return;
  const steps = Math.max(2, Math.min(32, Number($("steps").value) || 8));
  const q = `a=${state.A}&b=${state.B}&steps=${steps}&ckpt=${state.ck}${attrParam()}`;
  const strip = $("strip");
  strip.onload = () => { strip.dataset.loaded = strip.src; };
  strip.onerror = () => status("interpolation failed");
  strip.src = `/api/interp.png?${q}`;
  strip.hidden = false;
  $("gif-link").href = `/api/interp.gif?${q}`;
  $("gif-link").hidden = false;
}

function setCheckpoint(i) {
  state.ck = i;
  const c = state.info.checkpoints[i];
  $("steplabel").textContent = `${c.step} (${c.name})`;
  reloadGrid();
  if (state.cur) updateFace();
  if (state.A) $("imgA").src = `/api/face.png?z=${state.A}&ckpt=${i}${attrParam()}`;
  if (state.B) $("imgB").src = `/api/face.png?z=${state.B}&ckpt=${i}${attrParam()}`;
  if (!$("strip").hidden) interpolate();
}

async function loadFile(file) {
  try {
    const r = await getJSON("/api/latents", { method: "POST", body: await file.text(), headers: { "Content-Type": "application/json" } });
    open({ z: r.z[0], seed: null });
    if (r.z.length > 1) showLatents(r.z);
  } catch (e) { status(e.message); }
}

async function main() {
  try {
    state.info = await getJSON("/api/info");
  } catch (e) { status(e.message); return; }
  const info = state.info;
  state.ck = info.default;
  $("version").textContent = info.version;
  $("model").textContent = `${info.arch} ${info.size} px, nz ${info.nz}, step ${info.checkpoints[info.default].step}`;
  if (info.checkpoints.length > 1) {
    const st = $("step");
    st.max = info.checkpoints.length - 1;
    st.value = info.default;
    st.addEventListener("change", () => setCheckpoint(Number(st.value)));
    $("stepbox").hidden = false;
  }
  $("steplabel").textContent = info.checkpoints[info.default].step;
  buildSliders();
  buildAttrs();
  $("more").addEventListener("click", addPage);
  $("reset").addEventListener("click", () => state.cur && open(state.cur));
  $("vary").addEventListener("click", vary);
  $("strength").addEventListener("input", () => { $("strengthlabel").textContent = $("strength").value; });
  $("pickA").addEventListener("click", () => pick("A"));
  $("pickB").addEventListener("click", () => pick("B"));
  $("interp-btn").addEventListener("click", interpolate);
  $("load").addEventListener("change", (e) => e.target.files[0] && loadFile(e.target.files[0]));
  addPage();
  document.body.dataset.ready = "1";
}

main();
