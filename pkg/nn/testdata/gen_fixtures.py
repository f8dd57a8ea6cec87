#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for pkg/nn tests.

Run from this directory with Debian's python3-torch:

    /usr/bin/python3 gen_fixtures.py

It writes fixtures.json: a list of cases, each with its parameters and named
tensors {"shape": [...], "data": [...]} in PyTorch's layouts (NCHW images,
[B, C] for BatchNorm1d, PyTorch weight shapes). Gradients are those of
sum(out * r) for the random tensor r stored with each case. The Go tests
convert to the internal CBHW layout themselves and never need torch.
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(20240601)
torch.set_default_dtype(torch.float64)  # references in double precision


def t(x):
    x = x.detach().to(torch.float32)
    return {"shape": list(x.shape), "data": [float("%.8g" % v) for v in x.flatten().tolist()]}


def leaf(*shape, scale=1.0):
    # Round through float32 so Go sees exactly the same inputs.
    return (torch.randn(*shape) * scale).to(torch.float32).to(torch.float64).requires_grad_(True)


cases = []


def conv_case(name, n, cin, cout, h, k, s, p):
    x, w = leaf(n, cin, h, h), leaf(cout, cin, k, k, scale=0.2)
    out = F.conv2d(x, w, stride=s, padding=p)
    r = torch.randn_like(out).to(torch.float32).to(torch.float64)
    (out * r).sum().backward()
    cases.append({"name": name, "op": "conv", "stride": s, "pad": p, "outPad": 0,
                  "tensors": {"x": t(x), "w": t(w), "out": t(out), "r": t(r),
                              "dx": t(x.grad), "dw": t(w.grad)}})


def convt_case(name, n, cin, cout, h, k, s, p, op):
    x, w = leaf(n, cin, h, h), leaf(cin, cout, k, k, scale=0.2)
    out = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op)
    r = torch.randn_like(out).to(torch.float32).to(torch.float64)
    (out * r).sum().backward()
    cases.append({"name": name, "op": "convT", "stride": s, "pad": p, "outPad": op,
                  "tensors": {"x": t(x), "w": t(w), "out": t(out), "r": t(r),
                              "dx": t(x.grad), "dw": t(w.grad)}})


conv_case("conv_k4s2p1", 2, 3, 4, 8, 4, 2, 1)
conv_case("conv_k4s1p0_4to1", 2, 4, 5, 4, 4, 1, 0)
conv_case("conv_k5s2p2", 2, 3, 4, 8, 5, 2, 2)
conv_case("conv_k5s1p2", 2, 2, 3, 6, 5, 1, 2)
convt_case("convT_k4s2p1", 2, 4, 3, 4, 4, 2, 1, 0)
convt_case("convT_k4s1p0_1to4", 2, 5, 4, 1, 4, 1, 0, 0)
convt_case("convT_k5s2p2_op1", 2, 4, 3, 4, 5, 2, 2, 1)
convt_case("convT_k5s1p2", 2, 3, 2, 5, 5, 1, 2, 0)


def bn_case(name, shape):
    c = shape[1]
    x = leaf(*shape, scale=1.5)
    with torch.no_grad():
        x += 0.7
    gamma, beta = leaf(c), leaf(c)
    rm0, rv0 = torch.randn(c).to(torch.float32).double(), (torch.rand(c) + 0.5).to(torch.float32).double()
    rm, rv = rm0.clone(), rv0.clone()
    out = F.batch_norm(x, rm, rv, gamma, beta, training=True, momentum=0.1, eps=1e-5)
    r = torch.randn_like(out).to(torch.float32).to(torch.float64)
    (out * r).sum().backward()
    tens = {"x": t(x), "gamma": t(gamma), "beta": t(beta), "rm0": t(rm0), "rv0": t(rv0),
            "out": t(out), "r": t(r), "dx": t(x.grad), "dgamma": t(gamma.grad),
            "dbeta": t(beta.grad), "rm": t(rm), "rv": t(rv)}
    # Eval mode with the updated running statistics.
    x.grad, gamma.grad, beta.grad = None, None, None
    oute = F.batch_norm(x, rm, rv, gamma, beta, training=False, eps=1e-5)
    (oute * r).sum().backward()
    tens.update({"outEval": t(oute), "dxEval": t(x.grad), "dgammaEval": t(gamma.grad),
                 "dbetaEval": t(beta.grad)})
    cases.append({"name": name, "op": "bn", "tensors": tens})


bn_case("bn_4d", (4, 3, 5, 5))
bn_case("bn_2d", (6, 5))

x = leaf(2, 3, 4, 4)
out = F.leaky_relu(x, 0.2)
r = torch.randn_like(out).to(torch.float32).to(torch.float64)
(out * r).sum().backward()
cases.append({"name": "leaky_relu", "op": "leaky", "tensors": {"x": t(x), "out": t(out), "r": t(r), "dx": t(x.grad)}})

for tgt in (1.0, 0.0):
    x = leaf(16, scale=4.0)
    with torch.no_grad():
        x[0], x[1] = 40.0, -40.0  # saturated logits must stay finite
    loss = F.binary_cross_entropy_with_logits(x, torch.full_like(x, tgt))
    loss.backward()
    cases.append({"name": "bce_t%g" % tgt, "op": "bce", "target": tgt,
                  "tensors": {"x": t(x), "loss": t(loss.reshape(1)), "dx": t(x.grad)}})

x = leaf(12, scale=3.0)
tg = torch.rand(12).to(torch.float32).double()
loss = F.binary_cross_entropy_with_logits(x, tg)
loss.backward()
cases.append({"name": "bce_node", "op": "bceNode",
              "tensors": {"x": t(x), "target": t(tg), "loss": t(loss.reshape(1)), "dx": t(x.grad)}})

with open("fixtures.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
