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
        steps = time_lloyd_steps()
        km = KMeans(n_clusters=args.k, init=init, n_init=1, max_iter=args.max_iter, tol=args.tol,
                    algorithm="lloyd", random_state=args.seed)
        t0 = time.perf_counter()
        km.fit(x)
        seconds = time.perf_counter() - t0
    iters = [t for t, update in steps if update]
    if iters:
        per_iter, method = sum(iters) / len(iters), "each Lloyd step timed inside KMeans.fit"
    else:
        per_iter, method = seconds / km.n_iter_, "fit seconds / n_iter"
    emit("done", seconds=seconds, iter_seconds=per_iter, iter_method=method,
         iter_list=iters, n_iter=int(km.n_iter_), inertia=float(km.inertia_),
         inertia_direct=kmeans_args.inertia(x, km.cluster_centers_.astype(np.float32), km.labels_))


def time_lloyd_steps():
    """Wraps scikit-learn's Lloyd step (assignment + center update, one call per iteration)
    so each call is timed inside an ordinary KMeans.fit; returns the list it fills with
    (seconds, updates_centers). Empty when this scikit-learn has no such step to wrap."""
    import sklearn.cluster._kmeans as impl
    steps = []
    inner = getattr(impl, "lloyd_iter_chunked_dense", None)
    if inner is None:
        return steps

    def timed(*a, **kw):
        t0 = time.perf_counter()
        inner(*a, **kw)
        steps.append((time.perf_counter() - t0, kw.get("update_centers", True)))
    impl.lloyd_iter_chunked_dense = timed
    return steps


if __name__ == "__main__":
    main()
