#!/usr/bin/env python3
"""Load a toongan checkpoint's generator into pytorch/examples' DCGAN (64 px).

usage: load_in_pytorch.py CKPT.safetensors [OUT.png] [--raw] [--n 64] [--seed 1]
                          [--attr hair=red,glasses=yes]

Reads the safetensors file with json + numpy only (no `safetensors` package),
takes the "EMA." generator (or "G." with --raw, or when no EMA is stored),
strips the prefix, loads it with strict=False (reporting missing and unexpected
keys), samples N(0,1) latents and writes a grid PNG with numpy + PIL.

A conditional generator (train --cond; the config in the metadata has
"cond") takes more than the latent: its input is [N, nz + A*dim, 1, 1], the
latent followed by one embedding of `dim` values per attribute, in the
config's attribute order. Attribute a's embedding for label k (0: unknown,
i+1: its value values[i]) is row offset_a + k of the generator's
"cond.embed" tensor, [sum over attributes of (len(values)+1), dim], where
offset_a is the sum of len(values)+1 over the attributes before a. --attr
fixes values; the others are drawn from the training frequencies recorded
in the config (unknown included).

With conditional BatchNorm (train --cond-g cbn; "g": "cbn" in the config's
"cond") each BatchNorm main.<i> of the generator also has two tables,
"cond.bn.<i>.weight" and "cond.bn.<i>.bias", [sum over attributes of
len(values), C]: a sample's gamma and beta on channel c are the BatchNorm's
weight and bias plus, for each attribute whose label k is known (k > 0), row
off_a + k - 1 of the tables (off_a: the sum of len(values) over the
attributes before a; an unknown label adds nothing). The script wraps those
BatchNorm layers in CondBatchNorm2d, which adds the offsets.
"""
import argparse
import json
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64,
          "I32": np.int32, "U8": np.uint8, "I8": np.int8, "BOOL": np.bool_}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    buf = data[8 + n:]
    tensors = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        arr = np.frombuffer(buf[b:end], dtype=np.dtype(DTYPES[e["dtype"]]).newbyteorder("<"))
        tensors[name] = torch.from_numpy(arr.reshape(e["shape"]).copy())
    return tensors, meta


class Generator(nn.Module):  # pytorch/examples dcgan/main.py, verbatim layout
    def __init__(self, nz, ngf, nc):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


class CondBatchNorm2d(nn.Module):
    """A BatchNorm2d (inference mode) whose gamma and beta get per-sample
    offsets: the rows `rows` ([n, A], -1: unknown) of the gain and bias
    tables, summed over the attributes."""

    def __init__(self, bn, gain, bias):
        super().__init__()
        self.bn, self.gain, self.bias, self.rows = bn, gain, bias, None

    def forward(self, x):
        known = (self.rows >= 0).to(x.dtype).unsqueeze(2)  # [n, A, 1]
        idx = self.rows.clamp(min=0)
        dg = (self.gain[idx] * known).sum(1)  # [n, C]
        db = (self.bias[idx] * known).sum(1)
        bn = self.bn
        xhat = F.batch_norm(x, bn.running_mean, bn.running_var, None, None, False, 0.0, bn.eps)
        gamma = (bn.weight.unsqueeze(0) + dg)[:, :, None, None]
        beta = (bn.bias.unsqueeze(0) + db)[:, :, None, None]
        return gamma * xhat + beta


def condition_batchnorms(g, sd, cond):
    """Wraps each BatchNorm of g that has conditional BatchNorm tables in
    sd (removing them from sd); returns the wrappers."""
    if cond.get("g") != "cbn":
        return []
    wrapped = []
    for i, m in enumerate(g.main):
        gain, bias = sd.pop(f"cond.bn.{i}.weight", None), sd.pop(f"cond.bn.{i}.bias", None)
        if isinstance(m, nn.BatchNorm2d):
            if gain is None or bias is None:
                raise SystemExit(f"the config asks for conditional BatchNorm but main.{i} has no cond.bn.{i} tables")
            g.main[i] = CondBatchNorm2d(m, gain, bias)
            wrapped.append(g.main[i])
    rest = [k for k in sd if k.startswith("cond.bn.")]
    if rest:
        raise SystemExit(f"conditional BatchNorm tables of no BatchNorm layer: {rest}")
    return wrapped


def bn_key(g, k):
    """The state_dict key of k in g: main.<i>.X becomes main.<i>.bn.X where
    main.<i> is a CondBatchNorm2d."""
    parts = k.split(".", 2)
    if len(parts) == 3 and parts[0] == "main" and parts[1].isdigit() and int(parts[1]) < len(g.main) \
            and isinstance(g.main[int(parts[1])], CondBatchNorm2d):
        return f"main.{parts[1]}.bn.{parts[2]}"
    return k


def bn_rows(cond, labels):
    """Rows of the conditional BatchNorm tables for labels ([n, A], 0:
    unknown, k: value k-1): off_a + k - 1, or -1 for unknown."""
    rows, off = [], 0
    for a, c in enumerate(cond["attributes"]):
        k = labels[:, a]
        rows.append(np.where(k > 0, off + k - 1, -1))
        off += len(c["values"])
    return torch.from_numpy(np.stack(rows, 1).astype(np.int64))


def conditional_input(cond, table, attr, n, seed):
    """The [n, A*dim, 1, 1] embeddings appended to the latent, and the
    labels ([n, A]: 0 unknown, k the value k-1)."""
    want = {}
    for item in filter(None, (attr or "").split(",")):
        name, _, value = item.partition("=")
        want[name] = value
    names = [c["name"] for c in cond["attributes"]]
    for name in want:
        if name not in names:
            raise SystemExit(f"--attr: the checkpoint knows no attribute {name!r}; it knows {', '.join(names)}")
    rng = np.random.default_rng(seed)
    rows, labels, off = [], [], 0
    for c in cond["attributes"]:
        freq = np.array([c["unknown"]] + c["counts"], np.float64)
        k = rng.choice(len(freq), size=n, p=freq / freq.sum())
        if c["name"] in want:
            if want[c["name"]] not in c["values"]:
                raise SystemExit(f"--attr: {c['name']} has no value {want[c['name']]!r}; its values: {', '.join(c['values'])}")
            k[:] = c["values"].index(want[c["name"]]) + 1
        rows.append(off + k)
        labels.append(k)
        off += len(c["values"]) + 1
    if off != table.shape[0]:
        raise SystemExit(f"cond.embed has {table.shape[0]} rows, the config's attributes {off}")
    emb = table[torch.from_numpy(np.stack(rows, 1))]  # [n, A, dim]
    return emb.reshape(n, -1, 1, 1), np.stack(labels, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("out", nargs="?", default="grid_pytorch.png")
    ap.add_argument("--raw", action="store_true", help="use G instead of the EMA generator")
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--attr", help="conditional generators: NAME=VALUE,... (others drawn from the training frequencies)")
    a = ap.parse_args()

    tensors, meta = read_safetensors(a.ckpt)
    print("metadata:", {k: (v if len(v) < 200 else v[:200] + "...") for k, v in meta.items()})
    prefix = "G." if a.raw or not any(k.startswith("EMA.") for k in tensors) else "EMA."
    sd = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    w0, wl = sd["main.0.weight"], sd["main.12.weight"]  # shapes [nz, 8ngf, 4, 4] and [ngf, nc, 4, 4]
    nz, ngf, nc = w0.shape[0], wl.shape[0], wl.shape[1]
    cond = json.loads(meta.get("config", "{}")).get("cond")
    table = sd.pop("cond.embed", None)
    if cond and table is None:
        raise SystemExit("the config is conditional but the checkpoint has no cond.embed")
    if cond:
        print("conditional on", ", ".join(c["name"] for c in cond["attributes"]))
    elif a.attr:
        raise SystemExit("--attr: the checkpoint's generator is unconditional")
    print(f"{prefix[:-1]} generator: nz={nz} ngf={ngf} nc={nc}, {len(sd)} tensors")

    g = Generator(nz, ngf, nc)
    cbns = condition_batchnorms(g, sd, cond) if cond else []
    if cbns:
        print("conditional BatchNorm on", ", ".join(f"main.{i}" for i, m in enumerate(g.main) if m in cbns))
    sd = {bn_key(g, k): v for k, v in sd.items()}
    res = g.load_state_dict(sd, strict=False)
    print("missing keys:", res.missing_keys)
    print("unexpected keys:", res.unexpected_keys)
    g.eval()  # BatchNorm uses running statistics

    torch.manual_seed(a.seed)
    with torch.no_grad():
        if cond:
            extra, labels = conditional_input(cond, table, a.attr, a.n, a.seed)
            for m in cbns:
                m.rows = bn_rows(cond, labels)
            z = torch.randn(a.n, nz - extra.shape[1], 1, 1)
            x = g(torch.cat([z, extra], 1))
        else:
            x = g(torch.randn(a.n, nz, 1, 1))  # N, C, 64, 64 in [-1, 1]
    imgs = ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    cols = int(np.ceil(np.sqrt(a.n)))
    rows = (a.n + cols - 1) // cols
    h, w = imgs.shape[1:3]
    grid = np.zeros((rows * (h + 2) + 2, cols * (w + 2) + 2, nc), np.uint8)
    for i, im in enumerate(imgs):
        r, c = divmod(i, cols)
        grid[2 + r * (h + 2):2 + r * (h + 2) + h, 2 + c * (w + 2):2 + c * (w + 2) + w] = im
    Image.fromarray(grid[..., 0] if nc == 1 else grid).save(a.out)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
