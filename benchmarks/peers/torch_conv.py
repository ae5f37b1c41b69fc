# PyTorch peer of `latent bench conv`: the DCGAN layers forward and backward (data and weights)
# on a batch, NCHW, TensorFlow's 'same' as explicit padding (conv) or cropping (transposed).
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_io import blas_library, emit, skip, set_thread_env  # noqa: E402

# name, transposed, h, w, in, out, kernel, stride (the rows of latent's bench)
LAYERS = [("conv 1->64 5x5 s2 28->14", 0, 28, 28, 1, 64, 5, 2),
          ("conv 64->128 5x5 s2 14->7", 0, 14, 14, 64, 128, 5, 2),
          ("convT 256->128 5x5 s1 7->7", 1, 7, 7, 256, 128, 5, 1),
          ("convT 128->64 5x5 s2 7->14", 1, 7, 7, 128, 64, 5, 2),
          ("convT 64->1 5x5 s2 14->28", 1, 14, 14, 64, 1, 5, 2)]


def main():
    p = argparse.ArgumentParser(description="PyTorch convolution layers, forward + backward")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--json", action="store_true", help="accepted for symmetry; output is always JSON")
    args = p.parse_args()
    set_thread_env(args.threads)
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        skip(f"python3-torch not importable: {e}")
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    blas = blas_library()
    for name, tr, h, w, cin, cout, k, s in LAYERS:
        x = torch.randn(args.batch, cin, h, w, requires_grad=True)
        wt = torch.randn((cin, cout, k, k) if tr else (cout, cin, k, k), requires_grad=True)
        b = torch.randn(cout, requires_grad=True)
        if tr:
            tot = max(k - s, 0)
        else:
            o = -(-h // s)
            tot = max((o - 1) * s + k - h, 0)
        p1, p2 = tot // 2, tot - tot // 2

        def step():
            if tr:
                full = F.conv_transpose2d(x, wt, b, stride=s)
                y = full[:, :, p1:full.shape[2] - p2, p1:full.shape[3] - p2]
            else:
                y = F.conv2d(F.pad(x, (p1, p2, p1, p2)), wt, b, stride=s)
            y.backward(torch.ones_like(y))
            return y.shape

        shape = step()  # warm-up
        times = []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
        times.sort()
        ms = 1e3 * times[len(times) // 2]
        pixels = h * w if tr else shape[2] * shape[3]
        fwd = 2.0 * args.batch * pixels * cin * cout * k * k
        emit("bench_conv", peer="torch", torch_version=torch.__version__, layer=name,
             threads=args.threads, batch=args.batch, ms=ms, gflops=3 * fwd / (ms * 1e-3) / 1e9,
             blas=blas)


if __name__ == "__main__":
    main()
