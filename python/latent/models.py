"""Autoencoder, VAE, GAN and DCGAN as estimators over latent's models: fit(X), transform (codes),
inverse_transform, sample, score_samples, save / load (the files `latent` writes and PyTorch
loads). Data are float32 rows in [0, 1]."""
import ctypes
import signal
import threading

import numpy as np

from ._lib import (EPOCH_FN, STEP_FN, LatentError, TrainOptions, check, config_of, floats, fptr,
                   lib)

_OPTIMIZERS = {"adam": 0, "adamw": 1, "sgd": 2}
_KIND = {0: "ae", 1: "vae", 2: "gan"}


def _ints(v):
    return ",".join(str(int(x)) for x in v)


class _Model:
    """What every neural model shares: building from a configuration map, training, files."""
    _params = ()
    _kind = None      # latent_model_kind
    _family = None    # the files' "kind"

    def get_params(self, deep=True):
        return {p: getattr(self, p) for p in self._params}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self._params:
                raise ValueError(f"{type(self).__name__}: unknown parameter {k!r}")
            setattr(self, k, v)
        self._free()
        return self

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

    # ---- the C model ----
    _handle = None

    def _free(self):
        if self._handle:
            lib.latent_model_free(self._handle)
            self._handle = None

    def __del__(self):
        self._free()

    def _build(self, d):
        cfg = {"kind": self._family, "init_seed": str(int(self.random_state or 0))}
        cfg.update(self._config(d))
        keys = (ctypes.c_char_p * len(cfg))(*[k.encode() for k in cfg])
        vals = (ctypes.c_char_p * len(cfg))(*[str(v).encode() for v in cfg.values()])
        h = ctypes.c_void_p()
        check(lib.latent_model_from_config(len(cfg), keys, vals, ctypes.byref(h)))
        self._handle = h

    def _require(self):
        if not self._handle:
            raise ValueError(f"this {type(self).__name__} is not fitted yet: call fit or latent.load")

    @property
    def n_features_in_(self):
        self._require()
        return int(lib.latent_model_input_dim(self._handle))

    @property
    def code_dim_(self):
        self._require()
        return int(lib.latent_model_code_dim(self._handle))

    @property
    def config_(self):
        """The configuration and training state, as the model file's metadata holds them."""
        self._require()
        return config_of(self._handle)

    # ---- training ----
    def fit(self, X, y=None):
        """Trains for `epochs` epochs in all (a model loaded from a file, or fitted before,
        continues from where it stopped, as `latent train --resume` does). Ctrl-C ends training
        after the step under way; the model keeps what it learned and can fit on."""
        X = floats(X, "X")
        if not self._handle:
            self._build(X.shape[1])
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(f"X: {X.shape[1]} features, the model takes {self.n_features_in_}")
        o = TrainOptions()
        lib.latent_train_options_default(self._kind, ctypes.byref(o))
        o.epochs, o.batch = int(self.epochs), int(self.batch_size)
        o.seed = int(self.random_state or 0)
        o.optim.kind = _OPTIMIZERS[self.optimizer]
        if self.lr is not None:
            o.optim.lr = float(self.lr)
        if getattr(self, "beta1", None) is not None:
            o.optim.beta1 = float(self.beta1)
        self.history_ = getattr(self, "history_", [])
        stop = ctypes.c_int(0)
        o.stop = ctypes.pointer(stop)
        verbose, callback = self.verbose, getattr(self, "callback", None)

        def on_epoch(user, r):
            rep = r.contents
            entry = {"epoch": rep.epoch, "seconds": rep.seconds, "loss": list(rep.loss)}
            self.history_.append(entry)
            if verbose:
                print(f"epoch {rep.epoch}  {rep.seconds:.2f}s  loss {rep.loss[0]:.6g}", flush=True)
            if callback is not None and callback(entry) is False:
                return 1
            return 0

        def on_step(user, epoch, rows, mean_loss):
            pass  # Python runs here between steps: a pending Ctrl-C is handled now

        o.on_epoch, o.on_step = EPOCH_FN(on_epoch), STEP_FN(on_step)
        interrupted = []
        previous = None
        if threading.current_thread() is threading.main_thread():
            def on_sigint(signum, frame):
                stop.value = 1
                interrupted.append(True)
            previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            status = lib.latent_model_train(self._handle, fptr(X), X.shape[0], X.shape[1], ctypes.byref(o))
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        check(status)
        if interrupted:
            raise KeyboardInterrupt("latent: training stopped after a step; fit again to go on")
        return self

    # ---- files ----
    def save(self, path):
        """Writes the model (with its training state, so fit continues) as safetensors."""
        self._require()
        check(lib.latent_model_save(self._handle, str(path).encode(), 1))

    # ---- helpers for the using methods ----
    def _rows(self, X):
        self._require()
        return floats(X, "X", width=self.n_features_in_)

    def _out(self, n, width):
        return np.empty((n, width), dtype=np.float32)


class _Encoder(_Model):
    def transform(self, X):
        """The codes of X (an autoencoder's code layer, a VAE's mean)."""
        X = self._rows(X)
        out = self._out(X.shape[0], self.code_dim_)
        check(lib.latent_model_encode(self._handle, fptr(X), X.shape[0], X.shape[1], fptr(out)))
        return out

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def reconstruct(self, X):
        """X through the model: reconstructions in data space."""
        X = self._rows(X)
        out = self._out(X.shape[0], X.shape[1])
        check(lib.latent_model_reconstruct(self._handle, fptr(X), X.shape[0], X.shape[1], fptr(out)))
        return out

    def score_samples(self, X):
        """Anomaly scores: an autoencoder's reconstruction error per row (mean over features),
        a VAE's negative ELBO per row in nats."""
        X = self._rows(X)
        out = np.empty(X.shape[0], dtype=np.float32)
        check(lib.latent_model_anomaly(self._handle, fptr(X), X.shape[0], X.shape[1], 0, fptr(out)))
        return out

    def score(self, X, y=None):
        """The opposite of the test loss (as `latent eval` reports it)."""
        X = self._rows(X)
        loss = (ctypes.c_double * 4)()
        check(lib.latent_model_evaluate(self._handle, fptr(X), X.shape[0], X.shape[1], 0, loss))
        return -loss[0]


class _Decoder(_Model):
    def inverse_transform(self, Z):
        """What the model makes of codes Z (n x code_dim_): an autoencoder's decoder output, a
        VAE's decoder means, a GAN's (G(z) + 1) / 2."""
        self._require()
        Z = floats(Z, "Z", width=self.code_dim_)
        out = self._out(Z.shape[0], self.n_features_in_)
        check(lib.latent_model_decode(self._handle, fptr(Z), Z.shape[0], Z.shape[1], fptr(out)))
        return out


class _Generator(_Decoder):
    def sample(self, n, random_state=0):
        """n samples in [0, 1] (a VAE's decoder means at z ~ N(0, I), a GAN's (G(z) + 1) / 2)."""
        self._require()
        out = self._out(int(n), self.n_features_in_)
        check(lib.latent_model_sample(self._handle, int(n), int(random_state), fptr(out)))
        return out


_COMMON = ("epochs", "batch_size", "lr", "optimizer", "random_state", "verbose")


def _conv_config(conv, conv_channels, kernel, image_shape, d):
    if not conv:
        return {}
    h, w, c = image_shape if image_shape else (int(round(d ** 0.5)),) * 2 + (1,)
    return {"conv": 1, "conv_channels": _ints(conv_channels), "kernel": kernel, "height": h,
            "width": w, "channels": c}


class Autoencoder(_Encoder, _Decoder):
    """A dense or convolutional autoencoder (plain, sparse, contractive, denoising)."""
    _kind, _family = 0, "ae"
    _params = ("layers", "act", "code_act", "out_act", "loss", "sparse", "contractive", "denoise",
               "conv", "conv_channels", "kernel", "image_shape") + _COMMON

    def __init__(self, layers=(784, 128, 32), *, act="relu", code_act=None, out_act="sigmoid",
                 loss="mse", sparse=None, contractive=0.0, denoise=None, conv=False,
                 conv_channels=(32, 64), kernel=3, image_shape=None, epochs=10, batch_size=128,
                 lr=1e-3, optimizer="adam", random_state=0, verbose=False):
        self.layers, self.act, self.code_act, self.out_act = list(layers), act, code_act, out_act
        self.loss, self.sparse, self.contractive, self.denoise = loss, sparse, contractive, denoise
        self.conv, self.conv_channels, self.kernel, self.image_shape = conv, conv_channels, kernel, image_shape
        self.epochs, self.batch_size, self.lr, self.optimizer = epochs, batch_size, lr, optimizer
        self.random_state, self.verbose = random_state, verbose

    def _config(self, d):
        layers = [d] + list(self.layers[1:])
        cfg = {"layers": _ints(layers), "act": self.act, "out_act": self.out_act, "loss": self.loss,
               "contractive": self.contractive, "denoise": self.denoise or "none"}
        if self.code_act:
            cfg["code_act"] = self.code_act
        if self.sparse:
            cfg["sparse"] = f"{self.sparse[0]},{self.sparse[1]}"
        cfg.update(_conv_config(self.conv, self.conv_channels, self.kernel, self.image_shape, d))
        return cfg


class VAE(_Encoder, _Generator):
    """A dense or convolutional variational autoencoder (Bernoulli or Gaussian decoder)."""
    _kind, _family = 1, "vae"
    _params = ("layers", "latent", "act", "beta", "decoder", "conv", "conv_channels", "kernel",
               "image_shape") + _COMMON

    def __init__(self, layers=(784, 400), *, latent=20, act="relu", beta=1.0, decoder="bernoulli",
                 conv=False, conv_channels=(32, 64), kernel=3, image_shape=None, epochs=10,
                 batch_size=128, lr=1e-3, optimizer="adam", random_state=0, verbose=False):
        self.layers, self.latent, self.act, self.beta, self.decoder = list(layers), latent, act, beta, decoder
        self.conv, self.conv_channels, self.kernel, self.image_shape = conv, conv_channels, kernel, image_shape
        self.epochs, self.batch_size, self.lr, self.optimizer = epochs, batch_size, lr, optimizer
        self.random_state, self.verbose = random_state, verbose

    def _config(self, d):
        cfg = {"layers": _ints([d] + list(self.layers[1:])), "latent": self.latent, "act": self.act,
               "beta": self.beta, "decoder": self.decoder}
        cfg.update(_conv_config(self.conv, self.conv_channels, self.kernel, self.image_shape, d))
        return cfg


class GAN(_Generator):
    """A dense GAN: G z -> gen... -> d (tanh), D d -> disc... -> 1."""
    _kind, _family = 2, "gan"
    _params = ("z", "gen", "disc", "d_steps", "beta1") + _COMMON

    def __init__(self, z=100, *, gen=(256, 512), disc=(512, 256), d_steps=1, epochs=10,
                 batch_size=64, lr=2e-4, beta1=None, optimizer="adam", random_state=0, verbose=False):
        self.z, self.gen, self.disc, self.d_steps, self.beta1 = z, gen, disc, d_steps, beta1
        self.epochs, self.batch_size, self.lr, self.optimizer = epochs, batch_size, lr, optimizer
        self.random_state, self.verbose = random_state, verbose

    def _config(self, d):
        return {"z": self.z, "d": d, "gen": _ints(self.gen), "disc": _ints(self.disc),
                "d_steps": self.d_steps}


class DCGAN(_Generator):
    """The DCGAN of TensorFlow's tutorial by default (see latent_dcgan_config)."""
    _kind, _family = 2, "dcgan"
    _params = ("z", "gen_channels", "disc_channels", "kernel", "slope", "dropout", "label_smoothing",
               "d_steps", "image_shape", "beta1") + _COMMON

    def __init__(self, z=100, *, gen_channels=(256, 128, 64), disc_channels=(64, 128), kernel=5,
                 slope=0.3, dropout=0.3, label_smoothing=0.0, d_steps=1, image_shape=None,
                 epochs=5, batch_size=256, lr=1e-4, beta1=0.9, optimizer="adam", random_state=0,
                 verbose=False):
        self.z, self.gen_channels, self.disc_channels, self.kernel = z, gen_channels, disc_channels, kernel
        self.slope, self.dropout, self.label_smoothing, self.d_steps = slope, dropout, label_smoothing, d_steps
        self.image_shape, self.beta1 = image_shape, beta1
        self.epochs, self.batch_size, self.lr, self.optimizer = epochs, batch_size, lr, optimizer
        self.random_state, self.verbose = random_state, verbose

    def _config(self, d):
        h, w, c = self.image_shape if self.image_shape else (int(round(d ** 0.5)),) * 2 + (1,)
        if h * w * c != d:
            raise ValueError(f"image_shape: {h}x{w}x{c} is not the {d} features of X")
        return {"z": self.z, "height": h, "width": w, "channels": c,
                "gen_channels": _ints(self.gen_channels), "disc_channels": _ints(self.disc_channels),
                "kernel": self.kernel, "slope": self.slope, "dropout": self.dropout,
                "label_smoothing": self.label_smoothing, "d_steps": self.d_steps}


_CLASSES = {"ae": Autoencoder, "vae": VAE, "gan": GAN, "dcgan": DCGAN}


def load(path):
    """A model file written by `latent train`, latent_model_save or .save(): ready to use, and to
    fit on from where it stopped."""
    h = ctypes.c_void_p()
    check(lib.latent_model_load(str(path).encode(), ctypes.byref(h)))
    cfg = config_of(h)
    cls = _CLASSES.get(cfg.get("kind"))
    if cls is None:
        lib.latent_model_free(h)
        raise LatentError(f"{path}: a {cfg.get('kind')} model has no Python class")
    m = cls()
    m._handle = h
    m.epochs = int(cfg.get("epoch", 0))
    if "random_state" in m._params:
        m.random_state = int(cfg.get("train_seed", 0))
    return m
