#!/usr/bin/python3
# latent's SGEMM beside OpenBLAS's, each library timed in its own process, the processes alternating.
"""Usage: /usr/bin/python3 benchmarks/gemm_alternate.py [--rounds R] [--threads 1,2]
          [--pairs avx512:SkylakeX,avx2:Haswell] [--shapes training,big] [--layouts NT,NN,TN]
          [--reps N] [--clock wall|cpu] [--program PATH] [--json FILE|-]

For each round, thread count and pair (latent level : OPENBLAS_CORETYPE) it runs
`gemm_vs_openblas --only latent` and then `--only openblas`, so the runs alternate latent,
OpenBLAS, latent, OpenBLAS, ... Each process warms up, then times every shape (median of --reps
batches of at least 20 ms); the table gives, per point, the median over the rounds with its
min and max, and the ratio latent median / OpenBLAS median (above 1: latent is faster).

Why one process per library: in one process, at two threads, the idle workers of one library
(libgomp's spinning wait, OpenBLAS's pthread pool) occupy the core the other library needs, so
whichever runs second is slowed by the first; with OMP_WAIT_POLICY=passive latent instead pays a
futex wake per small call that it would not pay in a program of its own.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import jsonl  # noqa: E402
ROOT = os.path.dirname(HERE)
PROGRAM = os.path.join(ROOT, "build", "benchmarks", "gemm_vs_openblas")
LAYOUT_ORDER = {"NT": 0, "NN": 1, "TN": 2}


def run_process(cmd, env, timeout=1800):
    """Runs one timing process as benchmarks/run.py records every run (jsonl.run)."""
    return jsonl.run(cmd, env, timeout)


def process_env(lib, isa, coretype, threads):
    """Threads for the library timed; one for the other, so its pool never starts."""
    env = dict(os.environ)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    if lib == "latent":
        env.update(OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1")
        if isa:
            env["LATENT_ISA"] = isa
        else:  # the widest level this CPU has
            env.pop("LATENT_ISA", None)
    else:
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS=str(threads))
    return env


def best_level(program):
    """The widest latent level this CPU and build have, as the program reports it."""
    run = run_process([program, "--only", "latent", "--shapes", "8x8x8", "--layouts", "NN",
                       "--reps", "1", "--warmup", "0"], process_env("latent", None, None, 1), 120)
    impl = [e.get("impl") for e in run.get("events", []) if e.get("event") == "config"]
    if run["status"] != "ok" or not impl:
        raise RuntimeError(f"{program}: {run.get('reason', 'no config line')}")
    return impl[0]


def default_pairs(best):
    """AVX-512 against OpenBLAS's SkylakeX kernels, AVX2 against its Haswell ones."""
    if best == "avx512":
        return [("avx512", "SkylakeX"), ("avx2", "Haswell")]
    if best == "avx2":
        return [("avx2", "Haswell")]
    return [(best, None)]


def alternate(program, pairs, threads_list, rounds, shapes="training,big", layouts="NT,NN,TN",
              reps=5, clock="wall", runner=None, log=None):
    """Runs the processes: for each round, thread count and (level, core type) pair, latent
    then OpenBLAS. Returns one record per process: lib, isa, coretype, threads, round and the
    runner's result (run_process by default: status, events, cmd, wall_seconds, loadavg_1min)."""
    runner = runner or run_process
    records = []
    for r in range(rounds):
        for threads in threads_list:
            for isa, coretype in pairs:
                for lib in ("latent", "openblas"):
                    cmd = [program, "--only", lib, "--threads", str(threads), "--reps", str(reps),
                           "--shapes", shapes, "--layouts", layouts, "--clock", clock]
                    if log:
                        log(f"gemm round {r + 1}/{rounds}: {lib} ({isa if lib == 'latent' else coretype}), "
                            f"{threads} thr")
                    run = runner(cmd, process_env(lib, isa, coretype, threads))
                    run.update(lib=lib, isa=isa, coretype=coretype, threads=threads, round=r)
                    records.append(run)
                    if log and run["status"] != "ok":
                        log(f"  failed: {run.get('reason')}")
    return records


def summarize(records):
    """Rows per (pair, threads, shape, layout): each side's GFLOP/s over the rounds (median,
    min, max, values) and the ratio of the medians."""
    cells = {}
    for run in records:
        if run.get("status") != "ok":
            continue
        pair = (run["isa"], run["coretype"])
        for e in run["events"]:
            if e.get("event") != "gemm":
                continue
            key = (pair, run["threads"], (e["m"], e["k"], e["n"]), e["layout"])
            cells.setdefault(key, {"latent": [], "openblas": []})[run["lib"]].append(e["gflops"])
    rows = []
    for (pair, threads, shape, layout), sides in sorted(
            cells.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] == (2048, 2048, 2048),
                                           kv[0][2], LAYOUT_ORDER.get(kv[0][3], 9))):
        row = {"isa": pair[0], "coretype": pair[1], "threads": threads, "m": shape[0],
               "k": shape[1], "n": shape[2], "layout": layout}
        for lib, vals in sides.items():
            row[lib] = ({"median": statistics.median(vals), "min": min(vals), "max": max(vals),
                         "values": vals} if vals else None)
        lat, ob = row["latent"], row["openblas"]
        row["ratio"] = lat["median"] / ob["median"] if lat and ob and ob["median"] > 0 else None
        rows.append(row)
    return rows


def table(rows):
    def cell(s):
        return f"{s['median']:.1f} [{s['min']:.0f}-{s['max']:.0f}]" if s else "-"
    head = f"{'M,K,N':<16} {'layout':<6} {'thr':>3} {'latent':<8} {'GFLOP/s med [min-max]':<22} " \
           f"{'OpenBLAS':<9} {'GFLOP/s med [min-max]':<22} {'ratio':>6}"
    lines = [head, "-" * len(head)]
    for r in rows:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
        shape = f"{r['m']},{r['k']},{r['n']}"
        lines.append(f"{shape:<16} {r['layout']:<6} {r['threads']:>3} {r['isa']:<8} {cell(r['latent']):<22} "
                     f"{r['coretype'] or '-':<9} {cell(r['openblas']):<22} {ratio:>6}")
    return "\n".join(lines)


def uptime():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: %.2f, %.2f, %.2f" % os.getloadavg()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--program", default=PROGRAM, help="gemm_vs_openblas (default build/benchmarks/)")
    p.add_argument("--rounds", type=int, default=5, help="processes per library and point (default 5)")
    p.add_argument("--threads", default="1,2", help="thread counts (default 1,2)")
    p.add_argument("--pairs", help="LEVEL:CORETYPE,... (default avx512:SkylakeX,avx2:Haswell, "
                   "the levels this CPU has)")
    p.add_argument("--shapes", default="training,big", help="MxKxN list, training, big")
    p.add_argument("--layouts", default="NT,NN,TN")
    p.add_argument("--reps", type=int, default=5, help="timed batches inside each process")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    p.add_argument("--json", metavar="FILE", help="also write the rows and every run as JSON ('-': stdout)")
    args = p.parse_args()
    if args.rounds < 1:
        p.error("--rounds: at least 1")
    if not (os.path.isfile(args.program) and os.access(args.program, os.X_OK)):
        p.error(f"no program at {args.program} (build it: meson setup build && ninja -C build)")
    threads = [int(t) for t in args.threads.split(",")]
    if args.pairs:
        pairs = []
        for item in args.pairs.split(","):
            isa, _, ct = item.partition(":")
            pairs.append((isa, ct or None))
    else:
        pairs = default_pairs(best_level(args.program))

    def log(msg):
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    before = uptime()
    log(f"before: {before}")
    t0 = time.time()
    records = alternate(args.program, pairs, threads, args.rounds, args.shapes, args.layouts,
                        args.reps, args.clock, log=log)
    after = uptime()
    log(f"after: {after}")
    rows = summarize(records)
    text = table(rows)
    failed = [r for r in records if r["status"] != "ok"]
    doc = {"rounds": args.rounds, "threads": threads, "pairs": pairs, "reps": args.reps,
           "clock": args.clock, "shapes": args.shapes, "layouts": args.layouts,
           "uptime_before": before, "uptime_after": after, "elapsed_seconds": time.time() - t0,
           "rows": rows, "runs": records}
    if args.json == "-":
        json.dump(doc, sys.stdout, indent=1)
        print()
    else:
        print(f"latent vs OpenBLAS sgemm, each in its own process, alternating; {args.rounds} rounds, "
              f"{args.clock} clock, GFLOP/s median [min-max] over rounds")
        print(f"before: {before}\nafter:  {after}")
        print(text)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(doc, f, indent=1)
    for r in failed:
        log(f"FAILED {r['lib']} {r['isa']}/{r['coretype']} {r['threads']} thr: {r.get('reason')}")
    return 1 if failed or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
