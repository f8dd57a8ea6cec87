"""Writes PyTorch reference fixtures for gan's TestTorchStep: one training
step of pytorch/examples' DCGAN (BCE, Adam, D on real then fake, G through
the updated D) on a tiny model, with the initial weights, the latents, the
real batch, the gradients, the stats and the BatchNorm running statistics
after the step. Run: /usr/bin/python3 torch_step.py (needs python3-torch)."""
import json, torch, torch.nn as nn

def build(nz, nf, size, k, base):
    p, op = (1, 0) if k == 4 else (2, 1)
    L = {32: 3, 48: 4, 64: 4}[size]
    g, ch = [nn.ConvTranspose2d(nz, nf * 2 ** (L - 1), base, 1, 0, bias=False)], nf * 2 ** (L - 1)
    g += [nn.BatchNorm2d(ch), nn.ReLU()]
    for _ in range(L - 1):
        g += [nn.ConvTranspose2d(ch, ch // 2, k, 2, p, output_padding=op, bias=False), nn.BatchNorm2d(ch // 2), nn.ReLU()]
        ch //= 2
    g += [nn.ConvTranspose2d(ch, 3, k, 2, p, output_padding=op, bias=False), nn.Tanh()]
    d, ch = [nn.Conv2d(3, nf, k, 2, p, bias=False), nn.LeakyReLU(0.2)], nf
    for _ in range(L - 1):
        d += [nn.Conv2d(ch, ch * 2, k, 2, p, bias=False), nn.BatchNorm2d(ch * 2), nn.LeakyReLU(0.2)]
        ch *= 2
    d += [nn.Conv2d(ch, 1, base, 1, 0, bias=False)]
    return nn.Sequential(*g), nn.Sequential(*d)

def flat(t): return [float('%.9g' % v) for v in t.detach().reshape(-1).tolist()]

def fixture(name, size, k, base, smooth, nf):
    torch.manual_seed(1)
    nz, B = 8, 2
    G, D = build(nz, nf, size, k, base)
    for m in list(G.modules()) + list(D.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)): nn.init.normal_(m.weight, 0, 0.02)
        if isinstance(m, nn.BatchNorm2d): nn.init.normal_(m.weight, 1, 0.02); nn.init.normal_(m.bias, 0, 0.02)
    init = {}
    for pre, net in (("G.", G), ("D.", D)):
        for n, t in net.state_dict().items():
            if "num_batches" not in n: init[pre + "main." + n] = {"shape": list(t.shape), "data": flat(t)}
    z = torch.randn(B, nz, 1, 1)
    real = torch.rand(B, 3, size, size) * 2 - 1
    crit = nn.BCEWithLogitsLoss()
    oD = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
    fake = G(z)
    lr_ = D(real).view(-1); er = crit(lr_, torch.full((B,), 1 - smooth))
    lf = D(fake.detach()).view(-1); ef = crit(lf, torch.zeros(B))
    (er + ef).backward()
    dgrad = {"D.main." + n: flat(p.grad) for n, p in D.named_parameters()}
    oD.step()
    eg = crit(D(fake).view(-1), torch.ones(B)); eg.backward()
    ggrad = {"G.main." + n: flat(p.grad) for n, p in G.named_parameters()}
    after = {}
    for pre, net in (("G.", G), ("D.", D)):
        for n, t in net.state_dict().items():
            if "running" in n: after[pre + "main." + n] = flat(t)
    out = {"size": size, "kernel": k, "nz": nz, "nf": nf, "batch": B, "label_smooth": smooth,
           "init": init, "z": flat(z), "real": flat(real), "grads": {**dgrad, **ggrad}, "running_after": after,
           "stats": {"loss_d": (er + ef).item(), "loss_g": eg.item(),
                     "d_real": torch.sigmoid(lr_).mean().item(), "d_fake": torch.sigmoid(lf).mean().item()}}
    with open(name, "w") as f: json.dump(out, f)

fixture("torch_step_32_k4.json", 32, 4, 4, 0.0, 4)
fixture("torch_step_48_k5.json", 48, 5, 3, 0.1, 2)
