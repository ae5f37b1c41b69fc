#!/usr/bin/python3
# Training speed over the grid users pick: `latent bench train` beside PyTorch's same models, point
# by point (latent, then PyTorch, then the next point), on 1 thread and on every core.
"""Usage: /usr/bin/python3 benchmarks/train_sweep.py [--out DIR] [--latent PATH] [--quick]

For each family (ae, vae, gan), widths (784-64-16, 784-256-64, 784-512-256-32, 784-1024-128),
batch (32 .. 512) and thread count (1, all cores), one epoch of 10000 Fashion-MNIST rows:
latent's median of --reps timed epochs (after an untimed one) and PyTorch's median of its epochs
after the first. Writes sweep.jsonl (every measurement), sweep.md (the table: seconds, share of the
FMA peak, and latent's speed over PyTorch at PyTorch's faster thread count) and sweep.png.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import machine  # noqa: E402

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
PEERS = os.path.join(HERE, "peers")
FAMILIES = ("ae", "vae", "gan")
WIDTHS = ("784-64-16", "784-256-64", "784-512-256-32", "784-1024-128")
BATCHES = (32, 64, 128, 256, 512)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def env_for(threads):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    return env


def events(text):
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return out


def peer_args(family, widths):
    """The PyTorch peer and its arguments for latent's bench-train model of these widths."""
    w = [int(v) for v in widths.split("-")]
    if family == "ae":
        return "torch_ae.py", ["--layers", ",".join(map(str, w))]
    if family == "vae":
        return "torch_vae.py", ["--layers", ",".join(map(str, w[:-1])), "--latent", str(w[-1])]
    # gan: D 784 down the widths to one logit, z the last width, G the mirror; ReLU in G as
    # latent's default
    hidden = w[1:-1]
    return "torch_gan.py", ["--z", str(w[-1]), "--disc", ",".join(map(str, hidden)),
                            "--gen", ",".join(map(str, hidden[::-1])), "--g-act", "relu"]


def run_latent(latent, family, widths, batch, threads, reps, limit, timeout, peak_seconds=0.01):
    cmd = [latent, "bench", "train", "--json", "--families", family, "--widths", widths,
           "--batches", str(batch), "--threads", str(threads), "--reps", str(reps),
           "--limit", str(limit), "--peak-seconds", str(peak_seconds)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env_for(threads))
    rows = [e for e in events(p.stdout) if e.get("event") == "bench_train"]
    if p.returncode or not rows:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()[-300:]}")
    return rows[0]


def fma_peak(latent, threads, rounds=3):
    """The FMA peak of `threads` threads as latent measures it (the best of a few one-second
    probes): the denominator of every point's share."""
    best = 0.0
    for _ in range(rounds):
        row = run_latent(latent, "ae", "784-64-16", 512, threads, 1, 1024, 600, peak_seconds=1.0)
        best = max(best, row.get("fma_peak_gflops", 0.0))
    return best


def run_torch(family, widths, batch, threads, epochs, limit, timeout):
    script, extra = peer_args(family, widths)
    cmd = [PYTHON, os.path.join(PEERS, script), "--limit", str(limit), "--epochs", str(epochs),
           "--batch", str(batch), "--threads", str(threads)] + extra
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env_for(threads))
    ev = events(p.stdout)
    if any(e.get("event") == "skipped" for e in ev):
        return None
    secs = [e["seconds"] for e in ev if e.get("event") == "epoch"]
    if p.returncode or len(secs) < 2:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()[-300:]}")
    return statistics.median(secs[1:])  # the first epoch warms PyTorch's allocator and pools


def fmt_s(v):
    return "-" if v is None else f"{v:.3f}"


def table(points, threads_list):
    """One row per (family, widths, batch): latent and PyTorch per thread count, latent's share
    of the FMA peak, and latent's best time over PyTorch's best."""
    head = ["family", "widths", "batch"]
    for t in threads_list:
        head += [f"latent {t} thr s", f"% peak {t} thr", f"PyTorch {t} thr s"]
    head += ["latent / PyTorch (each at its faster count)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    ratios = []
    for (fam, w, b), by_t in points.items():
        row = [fam, w, str(b)]
        for t in threads_list:
            p = by_t.get(t, {})
            lat = p.get("latent")
            row += [fmt_s(lat["seconds"] if lat else None),
                    f"{100 * lat['gflops'] / lat['fma_peak_gflops']:.0f}%" if lat and lat.get("fma_peak_gflops") else "-",
                    fmt_s(p.get("torch"))]
        lat_best = min((p["latent"]["seconds"] for p in by_t.values() if p.get("latent")), default=None)
        torch_best = min((p["torch"] for p in by_t.values() if p.get("torch")), default=None)
        r = torch_best / lat_best if lat_best and torch_best else None
        if r:
            ratios.append(r)
        row.append(f"{r:.2f}x" if r else "-")
        lines.append("| " + " | ".join(row) + " |")
    return lines, ratios


def chart(points, threads_list, families, widths, batches, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, axes = plt.subplots(len(families), len(widths), figsize=(4 * len(widths) + 1, 10),
                             sharex=True, squeeze=False)
    for i, fam in enumerate(families):
        for j, w in enumerate(widths):
            ax = axes[i][j]
            for t in threads_list:
                xs = [b for b in batches if points.get((fam, w, b), {}).get(t, {}).get("latent")]
                ax.plot(xs, [points[(fam, w, b)][t]["latent"]["seconds"] for b in xs], "o-",
                        label=f"latent {t} thr")
                xt = [b for b in batches if points.get((fam, w, b), {}).get(t, {}).get("torch")]
                ax.plot(xt, [points[(fam, w, b)][t]["torch"] for b in xt], "s--",
                        label=f"PyTorch {t} thr")
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_title(f"{fam} {w}", fontsize=9)
            if j == 0:
                ax.set_ylabel("epoch s (10000 rows)")
            if i == len(families) - 1:
                ax.set_xlabel("batch")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-out"))
    ap.add_argument("--latent", default=os.path.join(ROOT, "build", "tools", "latent"))
    ap.add_argument("--limit", type=int, default=10000, help="training rows")
    ap.add_argument("--reps", type=int, default=2, help="latent's timed epochs per point")
    ap.add_argument("--torch-epochs", type=int, default=3, help="PyTorch's epochs (the first untimed)")
    ap.add_argument("--threads", default=None, help="thread counts (1 and every core)")
    ap.add_argument("--quick", action="store_true", help="batches 64 and 256, widths 784-256-64 only")
    ap.add_argument("--widths", default=None, help="width lists, comma-separated (the grid's four)")
    ap.add_argument("--batches", default=None, help="batch sizes, comma-separated (32 .. 512)")
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    threads_list = [int(v) for v in args.threads.split(",")] if args.threads else sorted({1, cores})
    widths = tuple(args.widths.split(",")) if args.widths else ("784-256-64",) if args.quick else WIDTHS
    batches = tuple(int(v) for v in args.batches.split(",")) if args.batches else (64, 256) if args.quick else BATCHES
    families = tuple(args.families.split(","))
    os.makedirs(args.out, exist_ok=True)
    points = {}
    peaks = {t: fma_peak(args.latent, t) for t in threads_list}
    log("FMA peak: " + ", ".join(f"{t} thr {p:.1f} GFLOP/s" for t, p in peaks.items()))
    with open(os.path.join(args.out, "sweep.jsonl"), "w") as out:
        desc = machine.describe(args.latent)
        out.write(json.dumps({"event": "machine", **desc}) + "\n")
        out.write(json.dumps({"event": "fma_peak", "gflops": peaks}) + "\n")
        for fam in families:
            for w in widths:
                for b in batches:
                    for t in threads_list:
                        lat = run_latent(args.latent, fam, w, b, t, args.reps, args.limit, args.timeout)
                        lat["fma_peak_gflops"] = peaks[t]
                        tor = run_torch(fam, w, b, t, args.torch_epochs, args.limit, args.timeout)
                        points.setdefault((fam, w, b), {})[t] = {"latent": lat, "torch": tor}
                        out.write(json.dumps({"event": "point", "family": fam, "widths": w,
                                              "batch": b, "threads": t, "latent": lat,
                                              "torch_seconds": tor}) + "\n")
                        out.flush()
                        log(f"{fam} {w} b{b} {t} thr: latent {lat['seconds']:.3f} s, "
                            f"PyTorch {fmt_s(tor)} s")
    lines, ratios = table(points, threads_list)
    lines += ["", "Share of the FMA peak: the model's multiply-adds x 2 x 3 per row (a GAN's: G's and D's) "
              "over the epoch time, against " + ", ".join(f"{p:.0f} GFLOP/s on {t} thread{'s' if t > 1 else ''}"
                                                          for t, p in peaks.items()) + " (latent's own probe)."]
    cpu = desc["cpu"].get("model", "?") if isinstance(desc.get("cpu"), dict) else desc.get("cpu")
    md = [f"# Training sweep: {args.limit} rows, one epoch; {cpu}, {desc['usable_cpus']} cores, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}; "
          f"PyTorch {desc['libraries'].get('torch', '?') if isinstance(desc.get('libraries'), dict) else '?'}", ""] + lines
    if ratios:
        md += ["", f"latent over PyTorch, each at its faster thread count: {min(ratios):.2f}x to "
               f"{max(ratios):.2f}x (median {statistics.median(ratios):.2f}x) over {len(ratios)} points."]
    with open(os.path.join(args.out, "sweep.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    if chart(points, threads_list, families, widths, batches, os.path.join(args.out, "sweep.png")):
        log(f"wrote {os.path.join(args.out, 'sweep.png')}")
    print("\n".join(md))


if __name__ == "__main__":
    main()
