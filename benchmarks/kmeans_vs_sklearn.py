#!/usr/bin/python3
"""latent's k-means against scikit-learn's on the 60000 x 784 Fashion-MNIST training images
(float32, x/255), side by side in one run, alternating, medians.

Lloyd: ms per iteration (latent: the per-iteration callback, iterations after the first;
scikit-learn: the fit of ITERS iterations minus that of 2, divided by ITERS - 2, tol=0, from a
k-means++ init). Init: latent's greedy k-means++ against sklearn.cluster.kmeans_plusplus.
Both wall time and process CPU time (all threads) are reported: on a machine shared with other
jobs the wall ratios swing with the load, the CPU ratios much less.
Usage: kmeans_vs_sklearn.py BUILD_DIR [K ...] (default K: 10 256 100); threads from
OMP_NUM_THREADS (default 2), OpenBLAS core type from OPENBLAS_CORETYPE.
"""
import gzip
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "2")
from sklearn.cluster import KMeans, kmeans_plusplus  # noqa: E402

REPS = 3
ITERS = 12


def fashion():
    with gzip.open("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", "rb") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return raw.reshape(-1, 784).astype(np.float32) / np.float32(255.0)


def latent(build, k, iters):
    out = subprocess.run([os.path.join(build, "benchmarks", "kmeans_bench"), str(k), str(iters)],
                         check=True, capture_output=True, text=True).stdout
    lines = [json.loads(line) for line in out.splitlines()]
    its = [e for e in lines if e["event"] == "iter"][1:]
    init = [e for e in lines if e["event"] == "init"][0]
    return (statistics.median(e["seconds"] for e in its), statistics.median(e["cpu"] for e in its),
            init["seconds"], init["cpu"])


def timed(f):
    w0, c0 = time.perf_counter(), time.process_time()
    r = f()
    return r, time.perf_counter() - w0, time.process_time() - c0


def sklearn_iter(x, init, iters):
    t = []
    for m in (2, iters):
        t.append(timed(lambda: KMeans(len(init), init=init, n_init=1, max_iter=m, tol=0.0,
                                      algorithm="lloyd").fit(x))[1:])
    return (t[1][0] - t[0][0]) / (iters - 2), (t[1][1] - t[0][1]) / (iters - 2)


def main():
    build = sys.argv[1]
    ks = [int(a) for a in sys.argv[2:]] or [10, 256, 100]
    x = fashion()
    print("threads %s, OPENBLAS_CORETYPE %s" % (os.environ["OMP_NUM_THREADS"],
                                                 os.environ.get("OPENBLAS_CORETYPE", "auto")))
    for k in ks:
        lat, skl = [], []
        for rep in range(REPS):
            lat.append(latent(build, k, ITERS))
            (init, _), iw, ic = timed(lambda: kmeans_plusplus(x, k, random_state=rep))
            skl.append(sklearn_iter(x, init, ITERS) + (iw, ic))
        med = [statistics.median(v) for v in zip(*lat)]
        smed = [statistics.median(v) for v in zip(*skl)]
        r = {"k": k}
        for i, name in enumerate(["iter_ms", "iter_cpu_ms", "init_s", "init_cpu_s"]):
            scale = 1e3 if name.startswith("iter") else 1.0
            r["latent_" + name] = scale * med[i]
            r["sklearn_" + name] = scale * smed[i]
            r["speedup_" + name] = smed[i] / med[i]
        print(json.dumps({kk: round(v, 4) if isinstance(v, float) else v for kk, v in r.items()}),
              flush=True)


if __name__ == "__main__":
    main()
