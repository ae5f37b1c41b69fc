# PyTorch peer for data parallelism: the autoencoder of torch_ae.py (784-128-32, ReLU, sigmoid
# output, MSE, Adam 1e-3) under DistributedDataParallel with the gloo backend, --procs processes
# of one thread each on this machine, each taking its share of every global minibatch.
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_io import emit, skip, set_thread_env  # noqa: E402


def worker(rank, procs, init, args, out):
    set_thread_env(1)
    import torch
    import torch.distributed as dist
    import fmnist
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=procs)
    torch.manual_seed(args.seed)
    nn = torch.nn
    train = torch.from_numpy(fmnist.load(args.data, args.limit or None))
    path = [784, 128, 32, 128, 784]
    layers = []
    for i in range(len(path) - 1):
        layers += [nn.Linear(path[i], path[i + 1]), nn.Sigmoid() if i == len(path) - 2 else nn.ReLU()]
    model = nn.parallel.DistributedDataParallel(nn.Sequential(*layers))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n, share = train.shape[0], args.batch // procs
    g = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        dist.barrier()
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=g)  # the same order on every process
        for i in range(0, n, args.batch):
            idx = perm[i:i + args.batch][rank * share:(rank + 1) * share]
            x = train[idx]
            opt.zero_grad(set_to_none=True)
            loss = nn.functional.mse_loss(model(x), x)
            loss.backward()  # DDP all-reduces the gradient here
            opt.step()
        dist.barrier()
        if rank == 0:
            out.put(time.perf_counter() - t0)
    dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", default="fashion-mnist")
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--procs", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    try:
        import torch.multiprocessing as mp
        import torch.distributed as dist
        if not dist.is_available() or not dist.is_gloo_available():
            skip("torch.distributed with gloo is not available")
    except ImportError as e:
        skip(f"python3-torch not importable: {e}")
    init = "file://" + os.path.join(tempfile.mkdtemp(), "rendezvous")
    ctx = mp.get_context("spawn")
    out = ctx.SimpleQueue()
    mp.spawn(worker, args=(args.procs, init, args, out), nprocs=args.procs, join=True)
    for e in range(args.epochs):
        emit("epoch", epoch=e + 1, seconds=out.get(), procs=args.procs, backend="gloo")


if __name__ == "__main__":
    main()
