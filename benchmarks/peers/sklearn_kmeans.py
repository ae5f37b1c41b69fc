# scikit-learn peer: Lloyd's k-means from an explicit init (time per iteration, to converge,
# inertia) and the k-means++ init time.
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kmeans_args  # noqa: E402
from peer_io import emit, skip, set_thread_env  # noqa: E402


def main():
    args = kmeans_args.parse("scikit-learn KMeans benchmark")
    set_thread_env(args.threads)
    try:
        import numpy as np
        import sklearn
        from sklearn.cluster import KMeans, kmeans_plusplus
        from threadpoolctl import threadpool_limits
    except ImportError as e:
        skip(f"python3-sklearn not importable: {e}")
    import fmnist
    x = fmnist.load(args.data)
    emit("start", peer="sklearn", sklearn_version=sklearn.__version__, threads=args.threads,
         rows=int(x.shape[0]), k=args.k)
    with threadpool_limits(limits=args.threads):
        # The first call into scikit-learn pays one-off costs (thread pools, first touch of
        # the data): a small untimed call takes them out of the figures.
        KMeans(n_clusters=2, init=x[:2], n_init=1, max_iter=1).fit(x)
        if args.plusplus:
            t0 = time.perf_counter()
            kmeans_plusplus(x, args.k, random_state=args.seed)
            emit("done", init_seconds=time.perf_counter() - t0)
            return
        init = np.load(args.init).astype(np.float32)

        def fit(max_iter):
            km = KMeans(n_clusters=args.k, init=init, n_init=1, max_iter=max_iter, tol=args.tol,
                        algorithm="lloyd", random_state=args.seed)
            t0 = time.perf_counter()
            km.fit(x)
            return km, time.perf_counter() - t0

        # fit() also validates, computes tol and norms and may run a final assignment; a
        # one-iteration fit measures that fixed part, and the slope is the time per iteration.
        one, t_one = fit(1)
        km, t_all = fit(args.max_iter)
    per_iter = (t_all - t_one) / (km.n_iter_ - 1) if km.n_iter_ > 1 else t_all
    emit("done", seconds=t_all, iter_seconds=per_iter, n_iter=int(km.n_iter_),
         inertia=float(km.inertia_),
         inertia_direct=kmeans_args.inertia(x, km.cluster_centers_.astype(np.float32), km.labels_),
         fixed_seconds=t_one)


if __name__ == "__main__":
    main()
