# The command line the k-means peers share: data and init arrays, iterations, tol, threads.
import argparse
import os


def parse(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", required=True, help=".npy of float32 rows (or fashion-mnist)")
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--init", default=None, help=".npy of k x d initial centers")
    p.add_argument("--plusplus", action="store_true", help="time k-means++ init only")
    p.add_argument("--max-iter", type=int, default=300)
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="accepted for symmetry; output is always JSON")
    return p.parse_args()


def inertia(x, centers, labels):
    """scikit-learn's inertia from direct differences, accumulated in double, in row blocks."""
    import numpy as np
    total = 0.0
    for i in range(0, x.shape[0], 4096):
        d = x[i:i + 4096] - centers[labels[i:i + 4096]]
        total += float(np.einsum("ij,ij->", d, d, dtype=np.float64))
    return total
