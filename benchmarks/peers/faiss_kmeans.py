# FAISS peer: Lloyd's k-means from an explicit init with subsampling disabled (time per
# iteration, for a given number of iterations, inertia). FAISS has no k-means++ and no tol.
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kmeans_args  # noqa: E402
from peer_io import emit, skip, set_thread_env  # noqa: E402


def main():
    args = kmeans_args.parse("FAISS k-means benchmark")
    set_thread_env(args.threads)
    try:
        import numpy as np
        import faiss
    except ImportError as e:
        skip(f"python3-faiss not importable: {e}")
    if args.plusplus:
        skip("FAISS has no k-means++ init")
    import fmnist
    faiss.omp_set_num_threads(args.threads)
    x = fmnist.load(args.data)
    init = np.ascontiguousarray(np.load(args.init), dtype=np.float32)
    n, d = x.shape
    emit("start", peer="faiss", faiss_version=faiss.__version__, threads=args.threads,
         rows=int(n), k=args.k)
    # max_points_per_centroid large: every row takes part (no subsampling); FAISS runs exactly
    # max_iter iterations, there is no convergence test.
    km = faiss.Kmeans(d, args.k, niter=args.max_iter, seed=args.seed, verbose=False,
                      max_points_per_centroid=1 << 30, min_points_per_centroid=1,
                      spherical=False, update_index=True)
    t0 = time.perf_counter()
    km.train(x, init_centroids=init)
    seconds = time.perf_counter() - t0
    stats = km.iteration_stats  # 'time' is cumulative seconds since training started
    times = [s["time"] for s in stats]
    per = [b - a for a, b in zip([0.0] + times[:-1], times)]
    centers = km.centroids.astype(np.float32)
    index = faiss.IndexFlatL2(d)
    index.add(centers)
    _, labels = index.search(x, 1)
    emit("done", seconds=seconds, iter_seconds=sum(per) / len(per), iter_list=per,
         n_iter=len(per), inertia=kmeans_args.inertia(x, centers, labels[:, 0]),
         objective_last=float(stats[-1]["obj"]))


if __name__ == "__main__":
    main()
