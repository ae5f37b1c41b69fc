"""scikit-learn as the oracle for latent's k-means and metrics tests.

Usage: sklearn_oracle.py CASE OUTDIR. Writes raw little-endian arrays (x.f32, init.f32, w.f32,
labels.i32, centers.f32, a.i32, b.i32) and meta.txt ("key value" lines) into OUTDIR.
"""
import gzip
import os
import sys

import numpy as np


def fashion(n, split="train"):
    path = "/usr/share/datasets/fashion-mnist/%s-images-idx3-ubyte.gz" % split
    with gzip.open(path, "rb") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    x = raw.reshape(-1, 784)[:n].astype(np.float32) / np.float32(255.0)
    path = "/usr/share/datasets/fashion-mnist/%s-labels-idx1-ubyte.gz" % split
    with gzip.open(path, "rb") as f:
        y = np.frombuffer(f.read(), dtype=np.uint8, offset=8)[:n].astype(np.int32)
    return np.ascontiguousarray(x), y


def write(out, **arrays):
    for name, a in arrays.items():
        a.tofile(os.path.join(out, name))


def kmeans_case(out, x, init, w=None, max_iter=300, algorithm="lloyd"):
    from sklearn.cluster import KMeans
    km = KMeans(n_clusters=init.shape[0], init=init, n_init=1, max_iter=max_iter, tol=1e-4,
                algorithm=algorithm).fit(x, sample_weight=w)
    write(out, **{"x.f32": x, "init.f32": init, "labels.i32": km.labels_.astype(np.int32),
                  "centers.f32": km.cluster_centers_.astype(np.float32)})
    if w is not None:
        write(out, **{"w.f32": w.astype(np.float32)})
    with open(os.path.join(out, "meta.txt"), "w") as f:
        f.write("n %d\nd %d\nk %d\nmax_iter %d\nweighted %d\n" % (x.shape[0], x.shape[1],
                init.shape[0], max_iter, w is not None))
        f.write("n_iter %d\ninertia %.17g\n" % (km.n_iter_, km.inertia_))


def main():
    case, out = sys.argv[1], sys.argv[2]
    rs = np.random.RandomState(0)
    if case.startswith("fashion"):
        # fashion-N-K-MAXITER[-w]: the first N training images, K initial centers drawn from them
        parts = case.split("-")
        n, k, max_iter = int(parts[1]), int(parts[2]), int(parts[3])
        x, _ = fashion(n)
        init = x[rs.choice(n, k, replace=False)].copy()
        w = rs.uniform(0.5, 2.0, n).astype(np.float32) if parts[-1] == "w" else None
        kmeans_case(out, x, init, w, max_iter)
    elif case == "empty":
        # Two tight groups and a center far from all of them: it is empty after the first
        # assignment and must take the row farthest from its own center.
        pts = np.concatenate([rs.normal(0.0, 0.3, (12, 2)), rs.normal(5.0, 1.0, (12, 2))])
        x = pts.astype(np.float32)
        init = np.array([[0.0, 0.0], [5.0, 5.0], [40.0, -40.0]], dtype=np.float32)
        w = rs.uniform(0.5, 2.0, x.shape[0]).astype(np.float32)
        kmeans_case(out, x, init, w if "w" in sys.argv[3:] else None)
    elif case == "metrics":
        from scipy.optimize import linear_sum_assignment
        from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
        n = 5000
        a = rs.randint(0, 10, n).astype(np.int32)
        b = np.where(rs.uniform(size=n) < 0.6, (a * 7 + 3) % 12, rs.randint(0, 12, n)).astype(np.int32)
        b[b == 5] = -4  # any int32 value is a label
        cm = np.zeros((20, 20))
        ua, ia = np.unique(a, return_inverse=True)
        ub, ib = np.unique(b, return_inverse=True)
        np.add.at(cm, (ia, ib), 1)
        r, c = linear_sum_assignment(-cm)
        acc = cm[r, c].sum() / n
        write(out, **{"a.i32": a, "b.i32": b})
        with open(os.path.join(out, "meta.txt"), "w") as f:
            f.write("n %d\nacc %.17g\nnmi %.17g\nari %.17g\n" % (
                n, acc, normalized_mutual_info_score(a, b), adjusted_rand_score(a, b)))
    else:
        sys.exit("unknown case " + case)


if __name__ == "__main__":
    main()
