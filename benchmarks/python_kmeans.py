"""latent.KMeans against scikit-learn's KMeans from Python on Fashion-MNIST (60000 x 784), the
same explicit init, whole fits; and the binding's overhead: KMeans.fit against the bare C call
(latent_kmeans_fit through ctypes) on the same arrays. One JSON line per k.
    LATENT_LIB=build/src/liblatent.so PYTHONPATH=python /usr/bin/python3 benchmarks/python_kmeans.py"""
import ctypes
import json
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
import fmnist  # noqa: E402

import latent  # noqa: E402
from latent import _lib as L  # noqa: E402


def timed(fn, reps):
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out), min(out), max(out)


def main():
    from sklearn.cluster import KMeans as SK
    threads = int(os.environ.get("THREADS", len(os.sched_getaffinity(0))))
    latent.set_threads(threads)
    x = fmnist.images("train")
    reps = int(os.environ.get("REPS", 3))
    for k in (10, 100):
        init = x[np.random.default_rng(k).choice(len(x), k, replace=False)]

        def ours():
            return latent.KMeans(k, init=init, n_init=1).fit(x)

        def bare():
            o = L.KMeansOptions()
            L.lib.latent_kmeans_options_default(ctypes.byref(o), k)
            o.init, o.init_centers = 2, L.fptr(init)
            r = L.KMeansResult()
            L.check(L.lib.latent_kmeans_fit(L.fptr(x), x.shape[0], x.shape[1], None, ctypes.byref(o),
                                            ctypes.byref(r)))
            L.lib.latent_kmeans_result_free(ctypes.byref(r))

        def theirs():
            return SK(k, init=init, n_init=1).fit(x)

        a, b = ours(), theirs()
        same = float((a.labels_ == b.labels_).mean())
        t_ours, t_bare, t_sk = [], [], []
        for rep in range(reps):  # alternating, medians
            # the binding and the bare call swap places each round: whichever runs right after
            # scikit-learn shares the cores with its BLAS threads still spinning down
            pair = [(ours, t_ours), (bare, t_bare)]
            for fn, t in (pair if rep % 2 == 0 else pair[::-1]):
                t.append(timed(fn, 1)[0])
            t_sk.append(timed(theirs, 1)[0])
        mo, mb, ms = (statistics.median(t) for t in (t_ours, t_bare, t_sk))
        print(json.dumps({"k": k, "threads": threads, "latent_fit_s": mo, "bare_c_s": mb,
                          "binding_overhead": mo / mb - 1, "sklearn_fit_s": ms, "speedup": ms / mo,
                          "n_iter": [a.n_iter_, int(b.n_iter_)], "same_labels": same,
                          "inertia": [a.inertia_, float(b.inertia_)]}), flush=True)


if __name__ == "__main__":
    main()
