"""KMeans and MiniBatchKMeans with scikit-learn 1.2's estimator conventions, on latent's k-means."""
import ctypes

import numpy as np

from ._lib import KMeansOptions, KMeansResult, check, floats, fptr, lib

_ALGORITHMS = {"lloyd": 0, "elkan": 1, "full": 0}


def _seed(random_state):
    """An integer seed: random_state itself, a draw from a RandomState, or from numpy's global one."""
    if random_state is None:
        return int(np.random.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, (int, np.integer)):
        return int(random_state)
    raise ValueError(f"random_state: None, an int or a RandomState, got {random_state!r}")


class _Base:
    _params = ()

    def get_params(self, deep=True):
        return {p: getattr(self, p) for p in self._params}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self._params:
                raise ValueError(f"{type(self).__name__}: unknown parameter {k!r}")
            setattr(self, k, v)
        return self

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

    # ---- fitting ----
    def _options(self, X, algorithm):
        o = KMeansOptions()
        lib.latent_kmeans_options_default(ctypes.byref(o), int(self.n_clusters))
        o.algorithm = algorithm
        o.max_iter = int(self.max_iter)
        o.tol = float(self.tol)
        o.seed = _seed(self.random_state)
        self._init_array = None
        if isinstance(self.init, str):
            if self.init not in ("k-means++", "random"):
                raise ValueError(f"init: 'k-means++', 'random' or an array, got {self.init!r}")
            o.init = 0 if self.init == "k-means++" else 1
        else:
            c = floats(self.init, "init", width=X.shape[1], copy_warning=False)
            if c.shape[0] != self.n_clusters:
                raise ValueError(f"init: {c.shape[0]} centers for n_clusters={self.n_clusters}")
            self._init_array = c
            o.init = 2
            o.init_centers = fptr(c)
        return o

    def _fit(self, X, sample_weight, algorithm, extra=None):
        X = floats(X, "X")
        if not 1 <= self.n_clusters <= X.shape[0]:
            raise ValueError(f"n_clusters={self.n_clusters} must be between 1 and the {X.shape[0]} rows")
        w = None if sample_weight is None else floats(sample_weight, "sample_weight", ndim=1, copy_warning=False)
        if w is not None and w.shape[0] != X.shape[0]:
            raise ValueError(f"sample_weight: {w.shape[0]} weights for {X.shape[0]} rows")
        o = self._options(X, algorithm)
        if extra:
            extra(o)
        res = KMeansResult()
        check(lib.latent_kmeans_fit(fptr(X), X.shape[0], X.shape[1], None if w is None else fptr(w),
                                    ctypes.byref(o), ctypes.byref(res)))
        try:
            k, d = res.k, res.d
            self.cluster_centers_ = np.ctypeslib.as_array(res.centers, shape=(k, d)).copy()
            self.labels_ = np.ctypeslib.as_array(res.labels, shape=(res.n,)).copy()
            self.inertia_ = float(res.inertia)
            self.n_iter_ = int(res.n_iter)
            self.n_features_in_ = int(d)
        finally:
            lib.latent_kmeans_result_free(ctypes.byref(res))
        return self

    # ---- using the centers ----
    def _check_fitted(self, X):
        if not hasattr(self, "cluster_centers_"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet: call fit first")
        return floats(X, "X", width=self.cluster_centers_.shape[1])

    def _predict(self, X, sample_weight=None):
        X = self._check_fitted(X)
        w = None if sample_weight is None else floats(sample_weight, "sample_weight", ndim=1, copy_warning=False)
        labels = np.empty(X.shape[0], dtype=np.int32)
        inertia = ctypes.c_double()
        c = self.cluster_centers_
        check(lib.latent_kmeans_predict(fptr(c), c.shape[0], c.shape[1], fptr(X), X.shape[0],
                                        None if w is None else fptr(w),
                                        labels.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)),
                                        ctypes.byref(inertia)))
        return labels, inertia.value

    def predict(self, X, sample_weight=None):
        """The index of each row's nearest center."""
        return self._predict(X, sample_weight)[0]

    def fit_predict(self, X, y=None, sample_weight=None):
        return self.fit(X, sample_weight=sample_weight).labels_

    def transform(self, X):
        """Each row's Euclidean distance to every center (n x n_clusters, float64)."""
        X = self._check_fitted(X).astype(np.float64)
        c = self.cluster_centers_.astype(np.float64)
        d2 = (X * X).sum(1)[:, None] - 2 * X @ c.T + (c * c).sum(1)[None, :]
        return np.sqrt(np.maximum(d2, 0))

    def fit_transform(self, X, y=None, sample_weight=None):
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def score(self, X, y=None, sample_weight=None):
        """The opposite of X's inertia against the centers."""
        return -self._predict(X, sample_weight)[1]


class KMeans(_Base):
    """k-means with scikit-learn 1.2's KMeans semantics (greedy k-means++, Lloyd or Elkan)."""
    _params = ("n_clusters", "init", "n_init", "max_iter", "tol", "verbose", "random_state",
               "copy_x", "algorithm")

    def __init__(self, n_clusters=8, *, init="k-means++", n_init=10, max_iter=300, tol=1e-4,
                 verbose=0, random_state=None, copy_x=True, algorithm="lloyd"):
        self.n_clusters, self.init, self.n_init, self.max_iter = n_clusters, init, n_init, max_iter
        self.tol, self.verbose, self.random_state = tol, verbose, random_state
        self.copy_x, self.algorithm = copy_x, algorithm

    def fit(self, X, y=None, sample_weight=None):
        if self.algorithm not in _ALGORITHMS:
            raise ValueError(f"algorithm: 'lloyd' or 'elkan', got {self.algorithm!r}")
        n_init = self.n_init
        if n_init == "auto":  # scikit-learn 1.4's: one run from k-means++, ten from random
            n_init = 1 if isinstance(self.init, str) and self.init == "k-means++" else 10
        if not isinstance(self.init, str):
            n_init = 1  # scikit-learn runs an explicit init once

        def extra(o):
            o.n_init = int(n_init)
        return self._fit(X, sample_weight, _ALGORITHMS[self.algorithm], extra)


class MiniBatchKMeans(_Base):
    """Mini-batch k-means with scikit-learn 1.2's MiniBatchKMeans parameters."""
    _params = ("n_clusters", "init", "max_iter", "batch_size", "verbose", "compute_labels",
               "random_state", "tol", "max_no_improvement", "n_init")

    def __init__(self, n_clusters=8, *, init="k-means++", max_iter=100, batch_size=1024, verbose=0,
                 compute_labels=True, random_state=None, tol=0.0, max_no_improvement=10, n_init=3):
        self.n_clusters, self.init, self.max_iter, self.batch_size = n_clusters, init, max_iter, batch_size
        self.verbose, self.compute_labels, self.random_state = verbose, compute_labels, random_state
        self.tol, self.max_no_improvement, self.n_init = tol, max_no_improvement, n_init

    def fit(self, X, y=None, sample_weight=None):
        def extra(o):
            o.batch_size = int(self.batch_size)
            o.max_no_improvement = int(self.max_no_improvement or 0)
            o.n_init = int(self.n_init)
        return self._fit(X, sample_weight, 2, extra)
