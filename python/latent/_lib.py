"""liblatent.so through ctypes: finding it, the C structures, and errors as exceptions."""
import ctypes
import ctypes.util
import os

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))


def _candidates():
    if os.environ.get("LATENT_LIB"):
        yield os.environ["LATENT_LIB"]
    yield os.path.join(_HERE, "liblatent.so")                 # installed beside the package
    # meson install: PREFIX/lib/python3/dist-packages/latent -> PREFIX/lib[/multiarch]/liblatent.so
    prefix_lib = os.path.dirname(os.path.dirname(os.path.dirname(_HERE)))
    import glob
    yield from sorted(glob.glob(os.path.join(prefix_lib, "*", "liblatent.so")))
    yield os.path.join(prefix_lib, "liblatent.so")
    root = os.path.dirname(os.path.dirname(_HERE))            # the source tree: its build folders
    for build in ("build", "build-test", "builddir"):
        yield os.path.join(root, build, "src", "liblatent.so")
    found = ctypes.util.find_library("latent")                # meson install's libdir
    if found:
        yield found


def _load():
    tried = []
    for path in _candidates():
        if path and (os.path.exists(path) or not os.path.dirname(path)):
            try:
                return ctypes.CDLL(path)   # CDLL: every call releases the GIL
            except OSError as e:
                tried.append(f"{path}: {e}")
        else:
            tried.append(f"{path}: no such file")
    raise ImportError("latent: cannot load liblatent.so (set LATENT_LIB, or build it: meson setup "
                      "build && ninja -C build); tried " + "; ".join(tried))


lib = _load()


class LatentError(RuntimeError):
    """A failure the C library reported; the message names the file, field or value."""


i64, u64, f32p = ctypes.c_int64, ctypes.c_uint64, ctypes.POINTER(ctypes.c_float)
lib.latent_last_error.restype = ctypes.c_char_p


def check(status):
    if status != 0:
        raise LatentError(lib.latent_last_error().decode("utf-8", "replace"))


class OptimConfig(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("lr", ctypes.c_float), ("beta1", ctypes.c_float),
                ("beta2", ctypes.c_float), ("eps", ctypes.c_float), ("weight_decay", ctypes.c_float),
                ("momentum", ctypes.c_float), ("clip_norm", ctypes.c_double)]


class EpochReport(ctypes.Structure):
    _fields_ = [("epoch", i64), ("step", i64), ("seconds", ctypes.c_double),
                ("loss", ctypes.c_double * 4), ("threads", ctypes.c_double)]


EPOCH_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(EpochReport))
STEP_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, i64, i64, ctypes.c_double)


class TrainOptions(ctypes.Structure):
    _fields_ = [("epochs", i64), ("batch", i64), ("seed", u64), ("optim", OptimConfig),
                ("on_epoch", EPOCH_FN), ("user", ctypes.c_void_p), ("on_step", STEP_FN),
                ("thread_work", ctypes.POINTER(i64)), ("stop", ctypes.POINTER(ctypes.c_int)),
                ("fixed_threads", ctypes.c_int)]


ITER_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_double,
                           ctypes.c_double)


class KMeansOptions(ctypes.Structure):
    _fields_ = [("k", i64), ("algorithm", ctypes.c_int), ("init", ctypes.c_int),
                ("init_centers", f32p), ("n_init", ctypes.c_int), ("max_iter", ctypes.c_int),
                ("tol", ctypes.c_double), ("seed", u64), ("n_local_trials", ctypes.c_int),
                ("batch_size", i64), ("max_no_improvement", ctypes.c_int), ("on_iter", ITER_FN),
                ("user", ctypes.c_void_p)]


class KMeansResult(ctypes.Structure):
    _fields_ = [("n", i64), ("d", i64), ("k", i64), ("centers", f32p),
                ("labels", ctypes.POINTER(ctypes.c_int32)), ("inertia", ctypes.c_double),
                ("n_iter", ctypes.c_int), ("best_run", ctypes.c_int), ("init_seconds", ctypes.c_double)]


def _sig(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype, f.argtypes = restype, list(argtypes)


vp, cp = ctypes.c_void_p, ctypes.c_char_p
_sig("latent_kmeans_options_default", None, ctypes.POINTER(KMeansOptions), i64)
_sig("latent_kmeans_fit", ctypes.c_int, f32p, i64, i64, f32p, ctypes.POINTER(KMeansOptions),
     ctypes.POINTER(KMeansResult))
_sig("latent_kmeans_result_free", None, ctypes.POINTER(KMeansResult))
_sig("latent_kmeans_predict", ctypes.c_int, f32p, i64, i64, f32p, i64, f32p,
     ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_double))
_sig("latent_model_from_config", ctypes.c_int, ctypes.c_int, ctypes.POINTER(cp), ctypes.POINTER(cp),
     ctypes.POINTER(vp))
_sig("latent_model_free", None, vp)
_sig("latent_model_kind_of", ctypes.c_int, vp)
_sig("latent_model_input_dim", i64, vp)
_sig("latent_model_code_dim", i64, vp)
_sig("latent_train_options_default", None, ctypes.c_int, ctypes.POINTER(TrainOptions))
_sig("latent_model_train", ctypes.c_int, vp, f32p, i64, i64, ctypes.POINTER(TrainOptions))
_sig("latent_model_evaluate", ctypes.c_int, vp, f32p, i64, i64, u64, ctypes.POINTER(ctypes.c_double))
_sig("latent_model_encode", ctypes.c_int, vp, f32p, i64, i64, f32p)
_sig("latent_model_reconstruct", ctypes.c_int, vp, f32p, i64, i64, f32p)
_sig("latent_model_anomaly", ctypes.c_int, vp, f32p, i64, i64, u64, f32p)
_sig("latent_model_sample", ctypes.c_int, vp, i64, u64, f32p)
_sig("latent_model_decode", ctypes.c_int, vp, f32p, i64, i64, f32p)
_sig("latent_model_save", ctypes.c_int, vp, cp, ctypes.c_int)
_sig("latent_model_load", ctypes.c_int, cp, ctypes.POINTER(vp))
_sig("latent_model_config", ctypes.c_int, vp, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
_sig("latent_set_threads", ctypes.c_int, ctypes.c_int)


def floats(a, name, ndim=2, width=None, copy_warning=True):
    """a as a float32 C-contiguous array (the caller's own when it is one already), checked."""
    if not isinstance(a, np.ndarray):
        a = np.asarray(a)
    if a.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {a.shape}")
    if width is not None and a.shape[-1] != width:
        raise ValueError(f"{name}: expected {width} features, got {a.shape[-1]}")
    if a.shape[0] < 1:
        raise ValueError(f"{name}: no rows")
    if a.dtype != np.float32 or not a.flags["C_CONTIGUOUS"]:
        if copy_warning:
            import warnings
            warnings.warn(f"latent: {name} is {a.dtype}{'' if a.flags['C_CONTIGUOUS'] else ', not C-contiguous'}"
                          f"; copying it to float32 C order once", stacklevel=3)
        a = np.ascontiguousarray(a, dtype=np.float32)
    # NaN and Inf are left to the library, which stops on them naming where (a scan here would
    # cost more than the binding is allowed to)
    return a


def fptr(a):
    return a.ctypes.data_as(f32p)


def config_of(model):
    """The model's configuration map (its files' metadata) as a dict."""
    keys = (ctypes.c_char * 32 * 32)()
    vals = (ctypes.c_char * 96 * 32)()
    n = lib.latent_model_config(model, keys, vals, 32)
    return {bytes(keys[i]).split(b"\0")[0].decode(): bytes(vals[i]).split(b"\0")[0].decode()
            for i in range(n)}
