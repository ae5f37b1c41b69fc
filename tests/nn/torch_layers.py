"""PyTorch as the oracle of latent's convolution and batch-norm layers: for each case, random NHWC
input, weights in PyTorch's layout and an output gradient go through layer_tool (latent, at the
level LATENT_ISA names) and through F.conv2d / F.conv_transpose2d (TensorFlow's 'same' as
explicit padding or cropping) or F.batch_norm with autograd; outputs, gradients and running
statistics must agree to float rounding.
Prints "torch-layers: N passed, M failed"."""
import os
import subprocess
import sys
import tempfile

TOOL = sys.argv[1]


def main():
    import numpy as np
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        print(f"torch-layers: skipped, python3-torch not importable: {e}")
        print("torch-layers: 0 passed, 0 failed")
        return 0
    torch.set_num_threads(1)
    tmp = tempfile.mkdtemp(prefix="latent-layers-")
    rng = np.random.default_rng(11)
    # kind, in (h, w, c), out channels, kernel, stride, pad, pad2 (-1: 'same'), bias
    cases = [
        ("conv", (28, 28, 1), 64, 5, 2, -1, 0, 1), ("conv", (14, 14, 64), 128, 5, 2, -1, 0, 1),
        ("conv", (13, 13, 17), 3, 3, 1, 1, 1, 0), ("conv", (7, 7, 3), 17, 5, 2, 2, 2, 1),
        ("conv", (5, 5, 64), 1, 3, 1, 0, 0, 1),
        ("convT", (7, 7, 256), 128, 5, 1, -1, 0, 0), ("convT", (7, 7, 128), 64, 5, 2, -1, 0, 0),
        ("convT", (14, 14, 64), 1, 5, 2, -1, 0, 0), ("convT", (5, 5, 3), 17, 3, 2, 1, 0, 1),
        ("convT", (13, 13, 17), 3, 3, 1, 1, 1, 1),
    ]
    passed = failed = 0
    for i, (kind, (h, w, c), oc, k, s, pad, pad2, bias) in enumerate(cases):
        n = 3
        x = rng.uniform(-1, 1, (n, h, w, c)).astype(np.float32)
        wt = rng.uniform(-0.3, 0.3, (oc, c, k, k) if kind == "conv" else (c, oc, k, k)).astype(np.float32)
        b = rng.uniform(-0.5, 0.5, oc).astype(np.float32)
        # PyTorch's side: the padding or cropping 'same' means
        if pad == -1:
            if kind == "conv":
                o = -(-h // s)
                tot = max((o - 1) * s + k - h, 0)
            else:
                tot = max(k - s, 0)
            p1, p2 = tot // 2, tot - tot // 2
        else:
            p1, p2 = pad, pad2
        xt = torch.tensor(x).permute(0, 3, 1, 2).contiguous().requires_grad_(True)
        wtt = torch.tensor(wt).requires_grad_(True)
        bt = torch.tensor(b).requires_grad_(True)
        if kind == "conv":
            yt = F.conv2d(F.pad(xt, (p1, p2, p1, p2)), wtt, bt if bias else None, stride=s)
        else:
            full = F.conv_transpose2d(xt, wtt, bt if bias else None, stride=s)
            yt = full[:, :, p1:full.shape[2] - p2, p1:full.shape[3] - p2]
        dy = rng.uniform(-1, 1, tuple(yt.permute(0, 2, 3, 1).shape)).astype(np.float32)
        yt.backward(torch.tensor(dy).permute(0, 3, 1, 2))
        files = []
        for name, arr in (("x", x), ("w", wt), ("b", b), ("dy", dy)):
            path = os.path.join(tmp, f"{i}.{name}.npy")
            np.save(path, arr)
            files.append(path)
        prefix = os.path.join(tmp, f"{i}.out")
        r = subprocess.run([TOOL, kind, str(oc), str(k), str(s), str(pad), str(pad2), str(bias),
                            *files, prefix], capture_output=True, text=True)
        what = f"{kind} {h}x{w}x{c}->{oc} k{k} s{s} pad {pad},{pad2}{' bias' if bias else ''}"
        if r.returncode != 0:
            failed += 1
            print(f"FAIL {what}: layer_tool: {r.stderr.strip()}")
            continue
        checks = [("y", yt.detach().permute(0, 2, 3, 1).numpy()),
                  ("dx", xt.grad.permute(0, 2, 3, 1).numpy()), ("dw", wtt.grad.numpy())]
        if bias:
            checks.append(("db", bt.grad.numpy()))
        ok = True
        for name, ref in checks:
            got = np.load(f"{prefix}.{name}.npy")
            if got.shape != ref.shape:
                print(f"FAIL {what}: {name} shape {got.shape}, torch {ref.shape}")
                ok = False
                continue
            err = np.abs(got.astype(np.float64) - ref).max()
            scale = np.abs(ref).max() + 1e-6
            if not err <= 2e-5 * scale * max(1.0, np.sqrt(k * k * max(c, oc) / 16.0)):
                print(f"FAIL {what}: {name} max error {err:.3g} (scale {scale:.3g})")
                ok = False
        if ok:
            passed += 1
            print(f"ok   {what}")
        else:
            failed += 1
    # batch norm: input shape, shards of the minibatch, eps, momentum
    for i, (shape, shards, eps, mom) in enumerate([((12, 5), 1, 1e-5, 0.1), ((12, 7), 3, 1e-3, 0.01),
                                                   ((6, 4, 3, 8), 2, 1e-5, 0.1), ((4, 7, 7, 64), 4, 1e-5, 0.1)]):
        ok = bn_case(np, torch, F, rng, tmp, f"bn{i}", shape, shards, eps, mom)
        passed, failed = passed + ok, failed + (not ok)
    print(f"torch-layers: {passed} passed, {failed} failed")
    return 1 if failed else 0


def bn_case(np, torch, F, rng, tmp, tag, shape, shards, eps, mom):
    """One training step of batch norm on a minibatch of `shards` shards, then evaluation."""
    c = shape[-1]
    x = (rng.uniform(-1, 1, shape) * 3 + np.arange(c)).astype(np.float32)
    g = rng.uniform(0.5, 1.5, c).astype(np.float32)
    b = rng.uniform(-0.5, 0.5, c).astype(np.float32)
    dy = rng.uniform(-1, 1, shape).astype(np.float32)
    nchw = (lambda a: a.permute(0, 3, 1, 2)) if len(shape) == 4 else (lambda a: a)
    nhwc = (lambda a: a.permute(0, 2, 3, 1)) if len(shape) == 4 else (lambda a: a)
    xt = torch.tensor(x, dtype=torch.float64).requires_grad_(True)
    gt = torch.tensor(g, dtype=torch.float64).requires_grad_(True)
    bt = torch.tensor(b, dtype=torch.float64).requires_grad_(True)
    rm, rv = torch.zeros(c, dtype=torch.float64), torch.ones(c, dtype=torch.float64)
    yt = F.batch_norm(nchw(xt), rm, rv, gt, bt, training=True, momentum=mom, eps=eps)
    yt.backward(nchw(torch.tensor(dy, dtype=torch.float64)))
    y_eval = F.batch_norm(nchw(xt.detach()), rm, rv, gt.detach(), bt.detach(), training=False, eps=eps)
    files = []
    for name, arr in (("x", x), ("w", g), ("b", b), ("dy", dy)):
        path = os.path.join(tmp, f"{tag}.{name}.npy")
        np.save(path, arr)
        files.append(path)
    prefix = os.path.join(tmp, f"{tag}.out")
    what = f"batch norm {'x'.join(map(str, shape))} in {shards} shards eps {eps} momentum {mom}"
    r = subprocess.run([TOOL, "bn", str(eps), str(mom), str(shards), *files, prefix],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(f"FAIL {what}: layer_tool: {r.stderr.strip()}")
        return False
    checks = [("y", nhwc(yt)), ("dx", xt.grad), ("dw", gt.grad), ("db", bt.grad),
              ("running_mean", rm), ("running_var", rv), ("y_eval", nhwc(y_eval))]
    ok = True
    for name, ref in checks:
        ref = ref.detach().numpy()
        got = np.load(f"{prefix}.{name}.npy")
        err = np.abs(got.astype(np.float64) - ref).max() if got.shape == ref.shape else np.inf
        scale = np.abs(ref).max() + 1e-6
        if not err <= 1e-5 * scale * np.sqrt(ref.size / c):
            print(f"FAIL {what}: {name} max error {err:.3g} (scale {scale:.3g}, shape {got.shape})")
            ok = False
    if ok:
        print(f"ok   {what}")
    return ok


if __name__ == "__main__":
    sys.exit(main())
