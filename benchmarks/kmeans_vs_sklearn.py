#!/usr/bin/python3
"""latent's k-means against scikit-learn's on the 60000 x 784 Fashion-MNIST training images
(float32, x/255), side by side in one run, alternating, medians.

Lloyd: ms per iteration (latent: the per-iteration callback; scikit-learn: the fit time of
ITERS iterations minus that of 2, divided by ITERS - 2, tol=0 from the same k-means++ init).
Init: latent's greedy k-means++ against sklearn.cluster.kmeans_plusplus.
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
    per_iter = [e["seconds"] for e in lines if e["event"] == "iter"]
    done = [e for e in lines if e["event"] == "done"][0]
    return statistics.median(per_iter[1:]), done["init_seconds"]


def sklearn_iter(x, init, iters):
    t = []
    for m in (2, iters):
        t0 = time.perf_counter()
        KMeans(len(init), init=init, n_init=1, max_iter=m, tol=0.0, algorithm="lloyd").fit(x)
        t.append(time.perf_counter() - t0)
    return (t[1] - t[0]) / (iters - 2)


def main():
    build = sys.argv[1]
    ks = [int(a) for a in sys.argv[2:]] or [10, 256, 100]
    x = fashion()
    print("threads %s, OPENBLAS_CORETYPE %s" % (os.environ["OMP_NUM_THREADS"],
                                                 os.environ.get("OPENBLAS_CORETYPE", "auto")))
    for k in ks:
        li, si, lp, sp = [], [], [], []
        for rep in range(REPS):
            lat_iter, lat_init = latent(build, k, ITERS)
            li.append(lat_iter)
            lp.append(lat_init)
            t0 = time.perf_counter()
            init, _ = kmeans_plusplus(x, k, random_state=rep)
            sp.append(time.perf_counter() - t0)
            si.append(sklearn_iter(x, init, ITERS))
        r = {"k": k, "latent_ms_per_iter": 1e3 * statistics.median(li),
             "sklearn_ms_per_iter": 1e3 * statistics.median(si),
             "latent_init_s": statistics.median(lp), "sklearn_init_s": statistics.median(sp)}
        r["iter_speedup"] = r["sklearn_ms_per_iter"] / r["latent_ms_per_iter"]
        r["init_speedup"] = r["sklearn_init_s"] / r["latent_init_s"]
        print(json.dumps({kk: round(v, 4) if isinstance(v, float) else v for kk, v in r.items()}),
              flush=True)


if __name__ == "__main__":
    main()
