#!/usr/bin/env python3
"""Data parallelism on this machine, side by side in one run: latent alone on 1 and 2 threads
against 2 MPI ranks of 1 thread (same model bytes, asserted), and PyTorch 1 and 2 threads against
DistributedDataParallel (gloo) with 2 processes for the AE, and k-means with the rows split among
2 ranks against 1 and 2 threads. Medians of --reps alternating runs.
Then the bytes each model exchanges per step and, from the measured one-shard step time, what
that exchange would cost on 10 and 100 Gbit/s networks up to 64 nodes (on paper: 2(p-1)/p x
bytes / bandwidth + 2(p-1) x latency, the cost of latent's reduce-scatter + all-gather)."""
import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1", "OMPI_MCA_btl": "self,vader",
           "OMPI_MCA_btl_vader_single_copy_mechanism": "none"}


def lines(out):
    for line in out.splitlines():
        if line.startswith("{"):
            yield json.loads(line)


def run(cmd, env=None):
    e = dict(os.environ, **MPI_ENV, **(env or {}))
    r = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=1200)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    return r.stdout


def latent_epoch(latent, args, family, batch, threads, ranks, save):
    cmd = [latent, "train", family, "--data", DATA, "--limit", str(args.limit), "--epochs", "1",
           "--batch", str(batch), "--threads", str(threads), "--json", "--quiet", "--no-plot",
           "--save", save]
    if ranks:  # mpirun binds each rank to a core of its own
        cmd = ["mpirun", "-np", str(ranks)] + cmd
    out = run(cmd)
    return [l for l in lines(out) if l.get("event") == "done"][0]["seconds"]


def latent_kmeans(latent, k, iters, threads, ranks, save):
    """Seconds of a whole k-means fit (k-means++ init + `iters` Lloyd iterations) on all 60000
    Fashion-MNIST rows; under mpirun each rank reads and clusters its share of the rows."""
    cmd = [latent, "train", "kmeans", "--data", DATA, "--k", str(k), "--max-iter", str(iters),
           "--threads", str(threads), "--json", "--quiet", "--save", save]
    if ranks:
        cmd = ["mpirun", "-np", str(ranks)] + cmd
    done = [l for l in lines(run(cmd)) if l.get("event") == "done"][0]
    return done["seconds"], done["init_seconds"]


def trainable_floats(path):
    """Floats of the trained tensors in a safetensors file (optimizer state and batch-norm
    running statistics are not exchanged)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    total = 0
    for name, t in header.items():
        if name == "__metadata__" or name.startswith("latent_state") or "running_" in name or "num_batches" in name:
            continue
        k = 1
        for s in t["shape"]:
            k *= s
        total += k
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--latent", required=True)
    p.add_argument("--limit", type=int, default=10000)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--json", help="write the results here too")
    p.add_argument("--k", type=int, default=256, help="k-means clusters")
    p.add_argument("--iters", type=int, default=30, help="k-means Lloyd iterations")
    args = p.parse_args()
    tmp = tempfile.mkdtemp()
    cases = [("ae", 128), ("ae", 256), ("gan", 64), ("gan", 256)]
    configs = [("1 thr", 1, 0), ("2 thr", 2, 0), ("2 ranks x 1 thr", 1, 2)]
    times = {(f, b, c[0]): [] for f, b in cases for c in configs}
    torch_times = {k: [] for k in ("torch 1 thr", "torch 2 thr", "torch DDP 2 procs")}
    km_times = {c[0]: [] for c in configs}
    for rep in range(args.reps):
        for name, th, ranks in configs:
            km_times[name].append(latent_kmeans(args.latent, args.k, args.iters, th, ranks,
                                                os.path.join(tmp, f"km-{th}-{ranks}.safetensors")))
        for f, b in cases:
            for name, th, ranks in configs:
                save = os.path.join(tmp, f"{f}{b}-{th}-{ranks}.safetensors")
                times[(f, b, name)].append(latent_epoch(args.latent, args, f, b, th, ranks, save))
        for th in (1, 2):
            out = run(["/usr/bin/python3", os.path.join(HERE, "peers", "torch_ae.py"), "--limit",
                       str(args.limit), "--batch", "128", "--threads", str(th)])
            torch_times[f"torch {th} thr"].append([l for l in lines(out) if l["event"] == "done"][0]["seconds"])
        out = run(["/usr/bin/python3", os.path.join(HERE, "peers", "torch_ddp_ae.py"), "--limit",
                   str(args.limit), "--batch", "128", "--procs", "2"])
        torch_times["torch DDP 2 procs"].append([l for l in lines(out) if l["event"] == "epoch"][0]["seconds"])
    # same bytes: every configuration's model equals the one-thread model
    for f, b in cases:
        ref = os.path.join(tmp, f"{f}{b}-1-0.safetensors")
        for _, th, ranks in configs[1:]:
            other = os.path.join(tmp, f"{f}{b}-{th}-{ranks}.safetensors")
            r = subprocess.run([args.latent, "compare", ref, other], capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"{f} batch {b}: {other} differs from the one-thread model")
    for _, th, ranks in configs[1:]:
        r = subprocess.run([args.latent, "compare", os.path.join(tmp, "km-1-0.safetensors"),
                            os.path.join(tmp, f"km-{th}-{ranks}.safetensors")], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"k-means: {th} threads x {ranks} ranks differs from one thread")
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"epoch of {args.limit} Fashion-MNIST rows, medians of {args.reps} (seconds; same model bytes in every latent column)\n")
    print("| model | batch | latent 1 thr | latent 2 thr | latent 2 ranks x 1 thr | 2 ranks / 2 thr |")
    print("| --- | --- | --- | --- | --- | --- |")
    for f, b in cases:
        a, t2, r2 = med[(f, b, "1 thr")], med[(f, b, "2 thr")], med[(f, b, "2 ranks x 1 thr")]
        print(f"| {f} | {b} | {a:.3f} | {t2:.3f} | {r2:.3f} | {r2 / t2:.2f} |")
    km = {c: (statistics.median(t for t, _ in v), statistics.median(i for _, i in v)) for c, v in km_times.items()}
    print(f"\nk-means, k = {args.k}, k-means++ then {args.iters} Lloyd iterations on 60000 rows "
          "(seconds, whole fit / of which init; same centers bit for bit):\n")
    print("| latent 1 thr | latent 2 thr | latent 2 ranks x 1 thr | 2 ranks / 2 thr |")
    print("| --- | --- | --- | --- |")
    print(" | ".join(f"| {km[c][0]:.2f} / {km[c][1]:.2f}" if i == 0 else f"{km[c][0]:.2f} / {km[c][1]:.2f}"
                     for i, c in enumerate(km)) + f" | {km['2 ranks x 1 thr'][0] / km['2 thr'][0]:.2f} |")
    tm = {k: statistics.median(v) for k, v in torch_times.items()}
    print("\nPyTorch AE, batch 128: " + ", ".join(f"{k} {v:.3f} s" for k, v in tm.items()))
    print(f"latent 2 ranks x 1 thr vs PyTorch DDP 2 procs (AE, batch 128): "
          f"{tm['torch DDP 2 procs'] / med[('ae', 128, '2 ranks x 1 thr')]:.1f}x faster")

    # the exchange, on paper: one shard (64 rows) per rank, measured on one thread
    print("\nper step, one shard (64 rows) per rank; network time = 2(p-1)/p x bytes / bandwidth "
          "+ 2(p-1) x 5 us; efficiency = compute / (compute + network)\n")
    print("| model | bytes exchanged per step | one-shard step (1 thr) | 10 Gbit/s p=2 / 8 / 64 | 100 Gbit/s p=2 / 8 / 64 |")
    print("| --- | --- | --- | --- | --- |")
    rows = {}
    for f in ("ae", "gan"):
        floats = trainable_floats(os.path.join(tmp, f"{f}256-1-0.safetensors"))
        nbytes = 4 * floats
        steps = -(-args.limit // 256)
        step = med[(f, 256, "1 thr")] / steps / 4  # 4 shards a step at batch 256
        eff = {}
        for gbit in (10, 100):
            eff[gbit] = []
            for ranks in (2, 8, 64):
                net = 2 * (ranks - 1) / ranks * nbytes * 8 / (gbit * 1e9) + 2 * (ranks - 1) * 5e-6
                eff[gbit].append(step / (step + net))
        rows[f] = {"bytes": nbytes, "shard_step_s": step, "efficiency": eff}
        print(f"| {f} | {nbytes / 1e6:.2f} MB | {step * 1e3:.2f} ms | "
              + " / ".join(f"{e:.0%}" for e in eff[10]) + " | " + " / ".join(f"{e:.0%}" for e in eff[100]) + " |")
    # k-means per Lloyd iteration: the chunks' k x d double sums, sliced all-to-all, then the
    # added slices gathered (and k weights per chunk to all)
    chunks, kd = 16, args.k * 784
    per_iter = {}
    for ranks in (2, 8, 16):
        held = chunks / ranks
        per_iter[ranks] = 8 * (held * kd * (ranks - 1) / ranks + kd * (ranks - 1) / ranks) + 8 * chunks * args.k
    it_s = km["1 thr"][0] and (km["1 thr"][0] - km["1 thr"][1]) / args.iters
    print(f"\nk-means (k = {args.k}, 16 chunks of rows) per iteration and rank: "
          + ", ".join(f"p={r} {b / 1e6:.1f} MB" for r, b in per_iter.items())
          + f"; one iteration on 1 thread {it_s * 1e3:.0f} ms; on 10 Gbit/s at p=16: "
          + f"{8 * per_iter[16] / 10e9 * 1e3:.1f} ms against {it_s / 16 * 1e3:.1f} ms of compute per rank")
    if args.json:
        with open(args.json, "w") as fo:
            json.dump({"latent": {f"{f} {b} {c}": v for (f, b, c), v in times.items()},
                       "kmeans": km_times, "kmeans_bytes_per_iteration": per_iter,
                       "torch": torch_times, "exchange": rows}, fo, indent=1)


if __name__ == "__main__":
    main()
