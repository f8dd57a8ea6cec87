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
"""
import argparse
import json
import struct

import numpy as np
import torch
import torch.nn as nn
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


def conditional_input(cond, table, attr, n, seed):
    """The [n, A*dim, 1, 1] embeddings appended to the latent."""
    want = {}
    for item in filter(None, (attr or "").split(",")):
        name, _, value = item.partition("=")
        want[name] = value
    names = [c["name"] for c in cond["attributes"]]
    for name in want:
        if name not in names:
            raise SystemExit(f"--attr: the checkpoint knows no attribute {name!r}; it knows {', '.join(names)}")
    rng = np.random.default_rng(seed)
    rows, off = [], 0
    for c in cond["attributes"]:
        freq = np.array([c["unknown"]] + c["counts"], np.float64)
        k = rng.choice(len(freq), size=n, p=freq / freq.sum())
        if c["name"] in want:
            if want[c["name"]] not in c["values"]:
                raise SystemExit(f"--attr: {c['name']} has no value {want[c['name']]!r}; its values: {', '.join(c['values'])}")
            k[:] = c["values"].index(want[c["name"]]) + 1
        rows.append(off + k)
        off += len(c["values"]) + 1
    if off != table.shape[0]:
        raise SystemExit(f"cond.embed has {table.shape[0]} rows, the config's attributes {off}")
    emb = table[torch.from_numpy(np.stack(rows, 1))]  # [n, A, dim]
    return emb.reshape(n, -1, 1, 1)


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
    res = g.load_state_dict(sd, strict=False)
    print("missing keys:", res.missing_keys)
    print("unexpected keys:", res.unexpected_keys)
    g.eval()  # BatchNorm uses running statistics

    torch.manual_seed(a.seed)
    with torch.no_grad():
        if cond:
            extra = conditional_input(cond, table, a.attr, a.n, a.seed)
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
