#!/usr/bin/python3
# The peer suite's one entry point: measures latent beside PyTorch, scikit-learn, FAISS and
# OpenBLAS on this machine, alternating the contenders, and writes results.json, table.md, PNGs.
"""Usage: /usr/bin/python3 benchmarks/run.py [--quick | --full] [--out DIR] [--latent PATH]

Every measurement alternates the contenders (latent, peer, latent, peer, ...) and repeats,
then reports the median with min and max. Both sides get the same thread count. A peer that
cannot be imported is reported as skipped; so is a latent command the binary does not have.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEERS = os.path.join(HERE, "peers")
sys.path.insert(0, HERE)
sys.path.insert(0, PEERS)
import gemm_alternate  # noqa: E402
import jsonl  # noqa: E402
import machine  # noqa: E402
import report  # noqa: E402
from peer_io import reference_blas  # noqa: E402

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
SECTIONS = ("kernels", "conv", "training", "kmeans", "scaling")
SCALING_K = 256  # the k of the scaling section's k-means (falls back to the largest k run)

# What each mode measures. limit: training rows (0 = all 60000); the test set is always whole.
MODES = {
    "quick": {"reps": 3, "train_limit": 10000,
              "epochs": {"ae": 1, "vae": 1, "gan": 1, "dcgan": 1, "conv_vae": 1},
              "kmeans_k": [10, 100, 256, 1000], "kmeans_max_iter": 10, "kmeans_tol": 1e-4,
              "init_k": [10, 100], "gemm_reps": 1, "gemm_rounds": 3, "conv_reps": 3},
    "full": {"reps": 5, "train_limit": 0,
             "epochs": {"ae": 10, "vae": 10, "gan": 2, "dcgan": 1, "conv_vae": 10},
             "kmeans_k": [10, 100, 256, 1000], "kmeans_max_iter": 300, "kmeans_tol": 1e-4,
             "init_k": [10, 100, 256, 1000], "gemm_reps": 3, "gemm_rounds": 5, "conv_reps": 5},
}

# The architectures of the models issue, as the latent CLI spells them and as the peers run them.
TRAIN_TASKS = {
    "ae": {"latent": ["train", "ae", "--layers", "784,128,32", "--act", "relu",
                      "--out-act", "sigmoid", "--loss", "mse", "--optimizer", "adam",
                      "--lr", "1e-3", "--batch", "256"],
           "peer": "torch_ae.py", "metric": "test MSE"},
    "vae": {"latent": ["train", "vae", "--layers", "784,400", "--latent", "20",
                       "--decoder", "bernoulli", "--optimizer", "adam", "--lr", "1e-3",
                       "--batch", "256"],
            "peer": "torch_vae.py", "metric": "test negative ELBO (nats/example)"},
    "gan": {"latent": ["train", "gan", "--z", "100", "--gen", "256,512", "--disc", "512,256",
                       "--optimizer", "adam", "--lr", "2e-4", "--batch", "256"],
            "peer": "torch_gan.py", "metric": "D loss, last epoch", "quality": "d_loss"},
    "dcgan": {"latent": ["train", "dcgan", "--batch", "256"],
              "peer": "torch_dcgan.py", "metric": "D loss, last epoch", "quality": "d_loss"},
    "conv_vae": {"latent": ["train", "vae", "--conv", "--batch", "256"], "peer_args": ["--conv"],
                 "peer": "torch_vae.py", "metric": "test negative ELBO (nats/example)"},
}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def thread_env(threads):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    return env


json_lines = jsonl.events


run_json = jsonl.run


def unbuilt(run):
    """A latent command the CLI parses but whose engine has not landed says so: that is a
    skip (no figure exists), not a failure of latent."""
    if run["status"] == "failed" and any(w in run["reason"] for w in ("not built yet", "not implemented", "not available in this build")):
        run.update(status="skipped", reason=f"latent says {run['reason']}")
    return run


def done_event(run):
    done = [e for e in run.get("events", []) if e.get("event") == "done"]
    return done[-1] if done else {}


class Latent:
    """The latent binary, and which of the commands the suite needs it has."""

    def __init__(self, path):
        self.path = path
        self.missing_reason = {}
        self.exists = bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)

    def lacks(self, *command):
        """None when `latent COMMAND --help` succeeds, else the reason the suite skips it."""
        key = " ".join(command)
        if key not in self.missing_reason:
            if not self.exists:
                self.missing_reason[key] = f"no latent binary at {self.path} (build it: meson setup build && ninja -C build)"
            else:
                try:
                    p = subprocess.run([self.path, *command, "--help"], capture_output=True,
                                       text=True, timeout=60)
                    ok = p.returncode == 0
                except (OSError, subprocess.TimeoutExpired):
                    ok = False
                self.missing_reason[key] = None if ok else f"latent binary lacks command `{key}`"
        return self.missing_reason[key]


def summarize(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "values": values}


def measure(task, contenders, reps):
    """Runs each contender once per repetition, in turn (a, b, a, b, ...), and summarizes
    each metric its figures() returns. contenders: name -> (command builder, env, figures)."""
    out = {name: {"status": "ok", "runs": []} for name in contenders}
    for rep in range(reps):
        context = {"rep": rep}
        for name, (build, env, figures) in contenders.items():
            c = out[name]
            if c["status"] != "ok":
                continue
            if isinstance(build, str):  # a skip reason known before running anything
                c.update(status="skipped", reason=build)
                continue
            cmd = build(context)
            run = run_json(cmd, env, timeout=task.get("timeout", 3600))
            if name == "latent":
                unbuilt(run)
            if run["status"] != "ok":
                c.update(status=run["status"], reason=run["reason"], failed_run=run)
                log(f"  {task['name']}: {name} {run['status']}: {run['reason']}")
                continue
            blas = [e["blas"] for e in run.get("events", []) if e.get("blas")]
            if blas and reference_blas(blas[0]):
                log(f"  WARNING: {name} ran on the reference BLAS ({blas[0]}): install "
                    "libopenblas-dev, or its figures mean nothing")
            run["figures"] = figures(run)
            context[name] = run["figures"]
            c["runs"].append(run)
            log(f"  {task['name']} rep {rep + 1}/{reps}: {name} " +
                ", ".join(f"{k}={v:.4g}" for k, v in run["figures"].items()
                          if isinstance(v, (int, float))))
    for c in out.values():
        if c["runs"]:
            keys = c["runs"][0]["figures"].keys()
            c["stats"] = {k: summarize([r["figures"].get(k) for r in c["runs"]]) for k in keys}
    task["contenders"] = out
    return task


def epoch_figures(run):
    """Median epoch time of one run, and the losses of its last epoch and of the test set."""
    epochs = [e for e in run["events"] if e.get("event") == "epoch" and "seconds" in e]
    last = epochs[-1] if epochs else {}
    done = done_event(run)
    return {"epoch_seconds": statistics.median(e["seconds"] for e in epochs) if epochs else None,
            "test_loss": done.get("test_loss", last.get("test_loss")),
            "train_loss": last.get("train_loss"),
            "d_loss": last.get("d_loss"), "g_loss": last.get("g_loss")}


class Suite:
    def __init__(self, args, cfg, out):
        self.args, self.cfg, self.out = args, cfg, out
        self.latent = Latent(args.latent)
        self.tasks = []
        self.work = tempfile.mkdtemp(prefix="latent-bench-", dir=args.work)
        self.cores = len(os.sched_getaffinity(0))

    # ---- data shared by both sides, written once into the work folder ----
    def train_spec(self):
        """The training data both sides read: all of Fashion-MNIST, or its first N rows as
        a uint8 .npy (so latent treats it as images, exactly as it treats fashion-mnist)."""
        limit = self.cfg["train_limit"]
        if not limit:
            return "fashion-mnist"
        path = os.path.join(self.work, f"train-{limit}.npy")
        if not os.path.exists(path):
            import numpy as np
            import fmnist
            x = fmnist.read_idx(os.path.join(fmnist.FMNIST_DIR, "train-images-idx3-ubyte.gz"))
            np.save(path, np.ascontiguousarray(x.reshape(x.shape[0], -1)[:limit]))
        return path

    def kmeans_data(self):
        """The 60000 x 784 training images as float32 x/255 and the explicit inits: k rows
        drawn without replacement by a seeded generator (the same file for every contender)."""
        import numpy as np
        import fmnist
        path = os.path.join(self.work, "kmeans-x.npy")
        if not os.path.exists(path):
            np.save(path, fmnist.images("train"))
        x = np.load(path, mmap_mode="r")
        inits = {}
        for k in self.cfg["kmeans_k"]:
            p = os.path.join(self.work, f"init-k{k}.npy")
            rows = np.sort(np.random.default_rng(self.args.seed + k).choice(x.shape[0], k, replace=False))
            np.save(p, np.ascontiguousarray(x[rows]))
            inits[k] = p
        return path, inits

    # ---- sections ----
    def training(self, threads_list):
        spec = self.train_spec()
        chosen = self.args.models.split(",") if self.args.models else list(TRAIN_TASKS)
        for model, t in TRAIN_TASKS.items():
            if model not in chosen:
                continue
            epochs = self.cfg["epochs"][model]
            for threads in threads_list:
                task = {"section": "training", "name": f"{model} epoch, {threads} thr", "model": model,
                        "threads": threads, "epochs": epochs, "primary": "epoch_seconds",
                        "quality": t.get("quality", "test_loss"), "quality_name": t["metric"],
                        "rows": self.cfg["train_limit"] or 60000}
                common = ["--epochs", str(epochs), "--threads", str(threads),
                          "--seed", str(self.args.seed), "--json"]
                lacks = self.latent.lacks(*t["latent"][:2])
                latent_cmd = lacks or (lambda ctx, t=t, common=common: [
                    self.latent.path, *t["latent"], "--data", spec,
                    "--test", "fashion-mnist:test", *common])
                peer_cmd = (lambda ctx, t=t, common=common: [
                    PYTHON, os.path.join(PEERS, t["peer"]), *t.get("peer_args", []), "--data", spec,
                    *common])
                env = thread_env(threads)
                log(f"training {model} at {threads} threads, {epochs} epoch(s)")
                self.add(measure(task, {
                    "latent": (latent_cmd, env, epoch_figures),
                    "torch": (peer_cmd, env, epoch_figures)}, self.cfg["reps"]))

    def conv(self, threads_list):
        """The DCGAN's convolution layers (forward, weight and data gradients, batch 256):
        `latent bench conv` beside PyTorch's same layers (peers/torch_conv.py), alternating."""
        inner = str(self.cfg["conv_reps"])
        lacks = self.latent.lacks("bench", "conv")
        for threads in threads_list:
            task = {"section": "conv", "name": f"conv layers, {threads} thr", "threads": threads,
                    "primary": None}

            def figures(run, threads=threads):
                """ms per layer at this thread count (latent's also split by pass)"""
                out = {}
                for e in run["events"]:
                    if e.get("event") == "bench_conv" and e.get("threads") == threads:
                        out[e["layer"]] = e["ms"]
                        for part in report.CONV_PARTS:
                            if part in e:
                                out[f"{e['layer']} {part}"] = e[part]
                return out
            latent_cmd = lacks or (lambda ctx, threads=threads: [
                self.latent.path, "bench", "conv", "--json", "--threads", str(threads), "--reps", inner])
            peer_cmd = (lambda ctx, threads=threads: [
                PYTHON, os.path.join(PEERS, "torch_conv.py"), "--threads", str(threads), "--reps", inner])
            log(f"conv layers at {threads} threads")
            self.add(measure(task, {"latent": (latent_cmd, thread_env(threads), figures),
                                    "torch": (peer_cmd, thread_env(threads), figures)},
                             self.cfg["reps"]))

    def kmeans(self, threads):
        xpath, inits = self.kmeans_data()
        env = thread_env(threads)
        max_iter, tol = self.cfg["kmeans_max_iter"], self.cfg["kmeans_tol"]
        lacks = self.latent.lacks("train", "kmeans")

        def latent_figures(run):
            iters = [e["seconds"] for e in run["events"] if e.get("event") == "iter"]
            done = done_event(run)
            n_iter = done.get("n_iter", len(iters))
            return {"iter_seconds": sum(iters) / len(iters) if iters else None,
                    "converge_seconds": sum(iters) if iters else done.get("seconds"),
                    "n_iter": n_iter, "inertia": done.get("inertia"),
                    "init_seconds": done.get("init_seconds")}

        def peer_figures(run):
            d = done_event(run)
            return {"iter_seconds": d.get("iter_seconds"), "converge_seconds": d.get("seconds"),
                    "n_iter": d.get("n_iter"),
                    "inertia": d.get("inertia_direct", d.get("inertia")),
                    "init_seconds": d.get("init_seconds")}

        for k in self.cfg["kmeans_k"]:
            common = ["--data", xpath, "--k", str(k), "--threads", str(threads),
                      "--seed", str(self.args.seed), "--json"]
            fit = ["--init", inits[k], "--max-iter", str(max_iter), "--tol", repr(tol)]

            def faiss_cmd(ctx, common=common, k=k):
                # FAISS has no convergence test: give it the iterations scikit-learn (or latent)
                # needed in this repetition, so "to converge" compares the same work.
                n = (ctx.get("sklearn") or ctx.get("latent") or {}).get("n_iter") or max_iter
                return [PYTHON, os.path.join(PEERS, "faiss_kmeans.py"), *common,
                        "--init", inits[k], "--max-iter", str(n)]

            task = {"section": "kmeans", "name": f"k-means Lloyd k={k}, {threads} thr", "k": k,
                    "threads": threads, "max_iter": max_iter, "tol": tol,
                    "primary": "iter_seconds", "quality": "inertia", "quality_name": "inertia",
                    "init": "explicit: k training rows drawn by a seeded generator"}
            log(f"k-means Lloyd k={k} at {threads} threads, max_iter {max_iter}")
            self.add(measure(task, {
                "latent": (lacks or (lambda ctx, common=common, fit=fit: [
                    self.latent.path, "train", "kmeans", *common, *fit]), env, latent_figures),
                "sklearn": (lambda ctx, common=common, fit=fit: [
                    PYTHON, os.path.join(PEERS, "sklearn_kmeans.py"), *common, *fit],
                    env, peer_figures),
                "faiss": (faiss_cmd, env, peer_figures)}, self.cfg["reps"]))

        for k in self.cfg["init_k"]:
            common = ["--data", xpath, "--k", str(k), "--threads", str(threads),
                      "--seed", str(self.args.seed), "--json"]
            task = {"section": "kmeans-init", "name": f"k-means++ init k={k}, {threads} thr",
                    "k": k, "threads": threads, "primary": "init_seconds"}
            log(f"k-means++ init k={k} at {threads} threads")
            self.add(measure(task, {
                "latent": (lacks or (lambda ctx, common=common: [
                    self.latent.path, "train", "kmeans", *common, "--init", "kmeans++",
                    "--max-iter", "1"]), env, latent_figures),
                "sklearn": (lambda ctx, common=common: [
                    PYTHON, os.path.join(PEERS, "sklearn_kmeans.py"), *common, "--plusplus"],
                    env, peer_figures)}, self.cfg["reps"]))

    def kernels(self):
        """latent bench gemm (FMA peak, latent's GFLOP/s per variant), latent bench kernels, and
        latent's SGEMM beside OpenBLAS's on 1 and 2 threads, each library in its own process,
        alternating (gemm_alternate.py): the widest level against OpenBLAS's SkylakeX kernels
        and against the core type OpenBLAS picks by itself, AVX2 against its Haswell ones."""
        picked = self.machine["openblas"].get("corename") or "Haswell"
        reps = self.cfg["gemm_reps"]
        lacks = self.latent.lacks("bench", "gemm")
        prog = self.args.gemm_program
        have_prog = prog and os.path.isfile(prog) and os.access(prog, os.X_OK)
        pairs = []
        if have_prog:
            try:
                best = gemm_alternate.best_level(prog)
                pairs = gemm_alternate.default_pairs(best)
                if all(ct for _, ct in pairs) and picked not in {ct for _, ct in pairs}:
                    pairs.append((best, picked))
            except RuntimeError as e:
                have_prog, prog_reason = False, str(e)
        else:
            prog_reason = f"comparison program not built at {prog}"
        coretypes = list(dict.fromkeys(ct for _, ct in pairs if ct))
        task = {"section": "kernels", "name": "gemm", "coretypes": coretypes,
                "openblas_picks": picked, "gemm_pairs": pairs,
                "gemm_rounds": self.cfg["gemm_rounds"], "gemm_process": "one per library, alternating",
                "runs": {"latent_bench_gemm": [], "gemm_vs_openblas": []}}
        if lacks:
            task["latent_bench_gemm"] = {"status": "skipped", "reason": lacks}
        if not have_prog:
            task["gemm_vs_openblas"] = {"status": "skipped", "reason": prog_reason}
        lacks_kernels = self.latent.lacks("bench", "kernels")
        task["runs"]["latent_bench_kernels"] = []
        if lacks_kernels:
            task["latent_bench_kernels"] = {"status": "skipped", "reason": lacks_kernels}
        for rep in range(reps):
            if not lacks_kernels:
                log(f"latent bench kernels rep {rep + 1}/{reps}")
                task["runs"]["latent_bench_kernels"].append(unbuilt(
                    run_json([self.latent.path, "bench", "kernels", "--json"], dict(os.environ), 1800)))
            if not lacks:
                log(f"latent bench gemm rep {rep + 1}/{reps}")
                run = unbuilt(run_json([self.latent.path, "bench", "gemm", "--json"], dict(os.environ), 1800))
                task["runs"]["latent_bench_gemm"].append(run)
        if have_prog:
            # Each run is one process of one library; report.py names OpenBLAS's by its core type.
            threads = sorted({1, min(2, self.cores)})
            task["runs"]["gemm_vs_openblas"] = gemm_alternate.alternate(
                prog, pairs, threads, self.cfg["gemm_rounds"],
                runner=lambda cmd, env: run_json(cmd, env, 1800), log=log)
            task["gemm_rows"] = gemm_alternate.summarize(task["runs"]["gemm_vs_openblas"])
        for key in ("latent_bench_gemm", "latent_bench_kernels", "gemm_vs_openblas"):
            if key not in task and task["runs"][key]:
                bad = [r for r in task["runs"][key] if r["status"] != "ok"]
                task[key] = {"status": bad[0]["status"], "reason": bad[0]["reason"]} if bad else {"status": "ok"}
        self.add(task)

    def scaling(self):
        """latent alone from 1 thread to all cores: AE epoch and k-means iteration at k=256,
        reusing the figures the training and k-means sections already took at a thread count."""
        counts = sorted({1, self.cores, *[t for t in (2, 4, 8, 16, 32, 64, 128) if t < self.cores]})
        for model in ("ae", "kmeans"):
            for threads in counts:
                done = [t for t in self.tasks if t.get("threads") == threads and (
                    t.get("model") == model if model == "ae" else
                    (t["section"] == "kmeans" and t.get("k") == SCALING_K))]
                if done:
                    src = done[0]
                    label = f"kmeans k={SCALING_K}" if model == "kmeans" else model
                    task = {"section": "scaling", "name": f"{label} scaling, {threads} thr",
                            "model": model, "threads": threads, "primary": src["primary"],
                            "from": src["name"],
                            "contenders": {"latent": src["contenders"]["latent"]}}
                    self.add(task)
                    continue
                if model == "ae":
                    self.training_one_latent(threads)
                else:
                    self.kmeans_one_latent(threads)

    def training_one_latent(self, threads):
        t, epochs, spec = TRAIN_TASKS["ae"], self.cfg["epochs"]["ae"], self.train_spec()
        task = {"section": "scaling", "name": f"ae scaling, {threads} thr", "model": "ae",
                "threads": threads, "primary": "epoch_seconds"}
        lacks = self.latent.lacks("train", "ae")
        log(f"scaling: ae at {threads} threads")
        self.add(measure(task, {"latent": (lacks or (lambda ctx: [
            self.latent.path, *t["latent"], "--data", spec, "--test", "fashion-mnist:test",
            "--epochs", str(epochs), "--threads", str(threads), "--seed", str(self.args.seed),
            "--json"]), thread_env(threads), epoch_figures)}, self.cfg["reps"]))

    def kmeans_one_latent(self, threads):
        xpath, inits = self.kmeans_data()
        k = SCALING_K if SCALING_K in inits else max(inits)
        task = {"section": "scaling", "name": f"kmeans k={k} scaling, {threads} thr", "model": "kmeans",
                "k": k, "threads": threads, "primary": "iter_seconds"}
        lacks = self.latent.lacks("train", "kmeans")

        def figures(run):
            iters = [e["seconds"] for e in run["events"] if e.get("event") == "iter"]
            return {"iter_seconds": sum(iters) / len(iters) if iters else None}
        log(f"scaling: k-means k={k} at {threads} threads")
        self.add(measure(task, {"latent": (lacks or (lambda ctx: [
            self.latent.path, "train", "kmeans", "--data", xpath, "--k", str(k), "--init",
            inits[k], "--max-iter", str(self.cfg["kmeans_max_iter"]), "--tol",
            repr(self.cfg["kmeans_tol"]), "--threads", str(threads), "--json"]),
            thread_env(threads), figures)}, self.cfg["reps"]))

    def add(self, task):
        """Keeps a finished task and rewrites results.json, so a run cut short keeps its figures."""
        self.tasks.append(task)
        with open(os.path.join(self.out, "results.json"), "w") as f:
            json.dump(self.results(partial=True), f, indent=1)

    def results(self, partial):
        return {"suite": "latent peer suite", "mode": self.args.mode, "partial": partial,
                "date": datetime.datetime.now().isoformat(timespec="seconds"),
                "elapsed_seconds": time.time() - self.started, "config": self.cfg,
                "sections": sorted(self.sections), "machine": self.machine,
                "latent_binary": self.latent.path,
                "latent_commands": self.latent.missing_reason, "tasks": self.tasks}

    def run(self, sections):
        log("describing the machine")
        self.sections = sections
        self.machine = machine.describe(self.latent.path)
        self.started = time.time()
        if "kernels" in sections:
            self.kernels()
        if "conv" in sections:
            self.conv(self.args.threads or sorted({1, self.cores}))
        if "training" in sections:
            self.training(self.args.threads or sorted({1, self.cores}))
        if "kmeans" in sections:
            for threads in self.args.kmeans_threads or [self.cores]:
                self.kmeans(threads)
        if "scaling" in sections:
            self.scaling()
        return self.results(partial=False)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick",
                      help="a few minutes: 3 repetitions, 10000 training rows, 10 Lloyd iterations")
    mode.add_argument("--full", dest="mode", action="store_const", const="full",
                      help="5 repetitions, all data, AE/VAE 10 epochs, k-means to convergence")
    p.add_argument("--out", help="results folder (default results/DATE)")
    p.add_argument("--latent", default=os.path.join(ROOT, "build", "tools", "latent"),
                   help="the latent binary (default build/tools/latent)")
    p.add_argument("--gemm-program", default=os.path.join(ROOT, "build", "benchmarks", "gemm_vs_openblas"),
                   help="the latent-vs-OpenBLAS sgemm program (default build/benchmarks/gemm_vs_openblas)")
    p.add_argument("--only", help="comma-separated sections: " + ",".join(SECTIONS))
    p.add_argument("--models", help="training: comma-separated models of " + ",".join(TRAIN_TASKS))
    p.add_argument("--reps", type=int, help="repetitions of each measurement")
    p.add_argument("--threads", help="thread counts for the training section, e.g. 1,2")
    p.add_argument("--kmeans-k", help="k values for k-means, e.g. 10,256")
    p.add_argument("--kmeans-threads", help="thread counts for the k-means section (default: all cores)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--work", default=None, help="scratch folder for shared data files (default: a temp folder)")
    args = p.parse_args()
    args.mode = args.mode or "quick"
    cfg = json.loads(json.dumps(MODES[args.mode]))
    if args.reps:
        cfg["reps"] = cfg["gemm_reps"] = cfg["gemm_rounds"] = args.reps
    if args.kmeans_k:
        cfg["kmeans_k"] = [int(k) for k in args.kmeans_k.split(",")]
        cfg["init_k"] = [k for k in cfg["init_k"] if k in cfg["kmeans_k"]]
    args.threads = [int(t) for t in args.threads.split(",")] if args.threads else None
    args.kmeans_threads = [int(t) for t in args.kmeans_threads.split(",")] if args.kmeans_threads else None
    sections = set(args.only.split(",")) if args.only else set(SECTIONS)
    unknown = sections - set(SECTIONS)
    if unknown:
        p.error(f"--only: unknown section(s) {', '.join(sorted(unknown))}; known: {', '.join(SECTIONS)}")
    out = args.out or os.path.join(ROOT, "results", datetime.datetime.now().strftime("%Y-%m-%dT%H%M"))
    os.makedirs(out, exist_ok=True)

    suite = Suite(args, cfg, out)
    try:
        results = suite.run(sections)
    finally:
        import shutil
        shutil.rmtree(suite.work, ignore_errors=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    table = report.write(results, out)
    print(table)
    log(f"results in {out}")
    failed = [f"{t['name']}: {name}" for t in results["tasks"]
              for name, c in t.get("contenders", {}).items() if c["status"] == "failed"]
    for f in failed:
        log(f"FAILED {f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
