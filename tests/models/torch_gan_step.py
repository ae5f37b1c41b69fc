"""PyTorch redoes one DCGAN training step of latent's (gan_step_tool): the same initial weights,
the same z, the same rows, D's step then G's on the same fakes through the updated D, SGD; the
weight changes (the gradients) and the batch-norm running statistics must agree.
Prints "torch-gan-step: N passed, M failed"."""
import json
import os
import struct
import subprocess
import sys
import tempfile

TOOL = sys.argv[1]
FMNIST = "/usr/share/datasets/fashion-mnist"


def read(path, np):
    with open(path, "rb") as f:
        b = f.read()
    (n,) = struct.unpack("<Q", b[:8])
    h = json.loads(b[8:8 + n])
    h.pop("__metadata__", None)
    return {k: np.frombuffer(b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]],
                             dtype=np.float32).reshape(v["shape"]) for k, v in h.items()}


def main():
    import gzip
    import numpy as np
    try:
        import torch
        from torch import nn
        import torch.nn.functional as F
    except ImportError as e:
        print(f"torch-gan-step: skipped, python3-torch not importable: {e}")
        print("torch-gan-step: 0 passed, 0 failed")
        return 0
    torch.set_num_threads(1)
    tmp = tempfile.mkdtemp(prefix="latent-gan-step-")
    with gzip.open(f"{FMNIST}/t10k-images-idx3-ubyte.gz") as f:
        raw = f.read()
    x = np.frombuffer(raw[16:16 + 192 * 784], dtype=np.uint8).reshape(192, 784).astype(np.float32) / 255
    np.save(os.path.join(tmp, "x.npy"), x)
    prefix = os.path.join(tmp, "step")
    r = subprocess.run([TOOL, os.path.join(tmp, "x.npy"), prefix], capture_output=True, text=True)
    if r.returncode:
        print(f"FAIL gan_step_tool: {r.stderr.strip()}")
        print("torch-gan-step: 0 passed, 1 failed")
        return 1
    w0, w1 = read(prefix + ".init.safetensors", np), read(prefix + ".after.safetensors", np)
    z = torch.from_numpy(np.load(prefix + ".z.npy"))
    gen, disc, k, slope = (32, 16, 8), (8, 16), 5, 0.3
    G = nn.Sequential(nn.Linear(16, 49 * gen[0], bias=False), nn.BatchNorm1d(49 * gen[0]), nn.LeakyReLU(slope),
                      nn.Unflatten(1, (gen[0], 7, 7)),
                      nn.ConvTranspose2d(gen[0], gen[1], k, 1, padding=2, bias=False), nn.BatchNorm2d(gen[1]),
                      nn.LeakyReLU(slope),
                      nn.ConvTranspose2d(gen[1], gen[2], k, 2, padding=2, output_padding=1, bias=False),
                      nn.BatchNorm2d(gen[2]), nn.LeakyReLU(slope),
                      nn.ConvTranspose2d(gen[2], 1, k, 2, padding=2, output_padding=1, bias=False), nn.Tanh())
    D = nn.Sequential(nn.Conv2d(1, disc[0], k, 2, padding=2), nn.LeakyReLU(slope), nn.Dropout(0),
                      nn.Conv2d(disc[0], disc[1], k, 2, padding=2), nn.LeakyReLU(slope), nn.Dropout(0),
                      nn.Flatten(), nn.Linear(disc[1] * 49, 1))
    for name, mod in (("generator.", G), ("discriminator.", D)):
        mod.load_state_dict({k[len(name):]: torch.from_numpy(v.copy()) for k, v in w0.items()
                             if k.startswith(name)}, strict=True)
    G = G.double()
    D = D.double()
    lr, m = 0.1, x.shape[0]
    xr = torch.from_numpy(x * 2 - 1).double().reshape(m, 1, 28, 28)
    fake = G(z.double())
    logits = D(torch.cat([xr, fake.detach()]))
    d_loss = (F.binary_cross_entropy_with_logits(logits[:m], torch.full((m, 1), 0.9, dtype=torch.float64),
                                                 reduction="sum")
              + F.binary_cross_entropy_with_logits(logits[m:], torch.zeros(m, 1, dtype=torch.float64),
                                                   reduction="sum")) / m
    d_loss.backward()
    d_grads = {k: p.grad.detach().clone() for k, p in D.named_parameters()}
    with torch.no_grad():
        for p in D.parameters():
            p -= lr * p.grad
    G.zero_grad()
    g_loss = F.binary_cross_entropy_with_logits(D(fake), torch.ones(m, 1, dtype=torch.float64))
    g_loss.backward()
    passed = failed = 0
    for name, mod in (("generator.", G), ("discriminator.", D)):
        state = mod.state_dict()
        grads = {k: p.grad.detach() for k, p in mod.named_parameters()} if mod is G else d_grads
        for key, ref in state.items():
            full = name + key
            if key.endswith("num_batches_tracked"):
                ok = float(w1[full]) == float(ref)
                what = f"{full} = {float(w1[full])}, torch {float(ref)}"
            elif key in grads:
                ours = (w0[full].astype(np.float64) - w1[full]) / lr    # the gradient latent used
                theirs = grads[key].numpy()
                err = np.abs(ours - theirs).max()
                scale = np.abs(theirs).max() + 1e-12
                ok = err <= 2e-3 * scale  # float32 against double, through weights moved by SGD
                what = f"{full} gradient: max error {err:.3g} of {scale:.3g}"
            else:  # running statistics after the one forward pass in training mode
                err = np.abs(w1[full].astype(np.float64) - ref.numpy()).max()
                ok = err <= 1e-5 * (np.abs(ref.numpy()).max() + 1)
                what = f"{full}: max error {err:.3g}"
            print(("ok   " if ok else "FAIL ") + what)
            passed, failed = passed + ok, failed + (not ok)
    print(f"torch-gan-step: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
