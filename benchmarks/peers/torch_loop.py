# The minibatch loop shared by the PyTorch peers: arguments, threads, timed epochs, JSON lines.
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_io import blas_library, emit, skip, set_thread_env  # noqa: E402


def parse(description, lr, betas=(0.9, 0.999)):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", default="fashion-mnist", help="fashion-mnist or a .npy of images")
    p.add_argument("--test", default="fashion-mnist:test")
    p.add_argument("--limit", type=int, default=0, help="use only the first N training rows")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=lr)
    p.add_argument("--beta1", type=float, default=betas[0])
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="accepted for symmetry; output is always JSON")
    p.add_argument("--layers", default=None,
                   help="input size, then the hidden layers (ae: down to the code; vae: the encoder)")
    p.add_argument("--latent", type=int, default=None, help="vae: latent dimensions (20; --conv 2)")
    p.add_argument("--z", type=int, default=100, help="gan: noise dimensions")
    p.add_argument("--gen", default="256,512", help="gan: G's hidden widths, z side first")
    p.add_argument("--disc", default="512,256", help="gan: D's hidden widths, image side first")
    p.add_argument("--g-act", choices=("leaky", "relu"), default="leaky",
                   help="gan: G's hidden activation (latent's own default is relu)")
    p.add_argument("--conv", action="store_true",
                   help="vae: latent's --conv model (the Keras VAE example: conv 32, 64 3x3 s2, "
                   "dense 16, latent 2; Linear to 7x7x64, ConvTranspose2d 64, 32 s2, 1 s1)")
    args = p.parse_args()
    args.betas = (args.beta1, betas[1])
    return args


def sizes(args, default):
    """The --layers list as integers (default when not given); the first must be 784."""
    out = [int(v) for v in (args.layers or default).split(",")]
    if out[0] != 784 or len(out) < 2:
        sys.exit("--layers: 784 first, then at least one layer")
    return out


def setup(args):
    """Sets the thread count, imports torch (or reports the peer skipped) and loads the data."""
    set_thread_env(args.threads)
    try:
        import torch
    except ImportError as e:
        skip(f"python3-torch not importable: {e}")
    import fmnist
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train = torch.from_numpy(fmnist.load(args.data, args.limit or None))
    test = torch.from_numpy(fmnist.load(args.test))
    return torch, train, test


def run(args, torch, train, step, evaluate, info, epoch_extra=None):
    """Runs args.epochs epochs of step(batch) -> loss, timing only the training (shuffle
    included, evaluation excluded), then prints the test metrics evaluate() returns.
    epoch_extra(), when given, adds fields to each epoch line (and resets its own sums)."""
    emit("start", peer="torch", torch_version=torch.__version__, threads=torch.get_num_threads(),
         rows=int(train.shape[0]), blas=blas_library(), **info)
    total = 0.0
    n = train.shape[0]
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        loss_sum = 0.0
        batches = 0
        for i in range(0, n, args.batch):
            loss_sum += step(train[perm[i:i + args.batch]])
            batches += 1
        seconds = time.perf_counter() - t0
        total += seconds
        emit("epoch", epoch=epoch, seconds=seconds, train_loss=loss_sum / batches,
             **(epoch_extra() if epoch_extra else {}))
    with torch.no_grad():
        metrics = evaluate()
    emit("done", seconds=total, epochs=args.epochs, **metrics)
