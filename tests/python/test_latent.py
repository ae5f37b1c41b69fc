"""The Python interface against scikit-learn and against latent's own command-line results."""
import gzip
import os
import signal
import threading
import time
import warnings

import numpy as np
import pytest

import latent

FMNIST = "/usr/share/datasets/fashion-mnist"


def images(rows, split="t10k"):
    with gzip.open(f"{FMNIST}/{split}-images-idx3-ubyte.gz") as f:
        raw = f.read(16 + rows * 784)
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(rows, 784).astype(np.float32) / 255


X = images(3000)


# ---------------------------------------------------------------- k-means
@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
def test_kmeans_equals_scikit_learn_from_the_same_init(algorithm):
    from sklearn.cluster import KMeans as SK
    init = X[np.random.default_rng(1).choice(len(X), 10, replace=False)]
    ours = latent.KMeans(10, init=init, n_init=1, algorithm=algorithm).fit(X)
    ref = SK(10, init=init.astype(np.float64), n_init=1, algorithm=algorithm).fit(X.astype(np.float64))
    assert (ours.labels_ == ref.labels_).mean() > 0.999
    assert ours.n_iter_ == ref.n_iter_
    assert abs(ours.inertia_ - ref.inertia_) <= 1e-5 * ref.inertia_
    assert np.abs(ours.cluster_centers_ - ref.cluster_centers_).max() < 1e-4


def test_kmeans_estimator_methods():
    km = latent.KMeans(8, random_state=3, n_init=2)
    assert km.get_params()["n_clusters"] == 8
    km.set_params(n_clusters=6)
    labels = km.fit_predict(X)
    assert labels.shape == (len(X),) and set(np.unique(labels)) == set(range(6))
    assert (km.predict(X) == km.labels_).all()
    d = km.transform(X[:50])
    assert d.shape == (50, 6) and (d.argmin(1) == km.labels_[:50]).all()
    assert abs(km.score(X) + km.inertia_) <= 1e-6 * km.inertia_
    again = latent.KMeans(6, random_state=3, n_init=2).fit(X)
    assert (again.labels_ == km.labels_).all(), "the same random_state gives the same result"
    from sklearn.base import clone
    assert clone(km).get_params() == km.get_params()
    with pytest.raises(ValueError, match="unknown parameter"):
        km.set_params(k=3)


def test_minibatch_kmeans_near_scikit_learn():
    from sklearn.cluster import MiniBatchKMeans as SK
    ours = latent.MiniBatchKMeans(10, random_state=0, batch_size=512).fit(X)
    ref = SK(10, random_state=0, batch_size=512, n_init=3).fit(X)
    assert ours.inertia_ < 1.1 * ref.inertia_, (ours.inertia_, ref.inertia_)


def test_bad_inputs_raise_naming_the_argument():
    with pytest.raises(ValueError, match="X: expected a 2-D array"):
        latent.KMeans(3).fit(X[0])
    bad = X[:100].copy()
    bad[5, 5] = np.nan
    with pytest.raises(latent.LatentError, match="NaN"):
        latent.KMeans(3).fit(bad)
    with pytest.raises(latent.LatentError, match="epoch 1, step [0-9]+: gradient of"):
        latent.Autoencoder([784, 8], epochs=1, batch_size=50).fit(bad)
    with pytest.raises(ValueError, match="n_clusters"):
        latent.KMeans(500).fit(X[:100])
    with pytest.raises(ValueError, match="not fitted"):
        latent.KMeans(3).predict(X)
    with pytest.raises(latent.LatentError, match="nosuch.safetensors"):
        latent.load("/nonexistent/nosuch.safetensors")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        latent.KMeans(3, n_init=1, random_state=0).fit(X[:300].astype(np.float64))
    assert any("copying" in str(x.message) for x in w)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # float32 C-contiguous: used in place, no warning
        latent.KMeans(3, n_init=1, random_state=0).fit(X[:300])


# ---------------------------------------------------------------- neural models
def test_autoencoder_fit_codes_scores_and_files(tmp_path):
    ae = latent.Autoencoder([784, 64, 16], epochs=2, random_state=1).fit(X)
    codes = ae.transform(X)
    assert codes.shape == (len(X), 16) and ae.code_dim_ == 16
    rec = ae.reconstruct(X[:10])
    assert rec.shape == (10, 784) and 0 <= rec.min() and rec.max() <= 1
    s = ae.score_samples(X[:20])
    assert s.shape == (20,)
    assert np.allclose(s[:10], ((rec - X[:10]) ** 2).mean(1), rtol=1e-4, atol=1e-7)
    assert len(ae.history_) == 2 and ae.history_[1]["loss"][0] < ae.history_[0]["loss"][0]
    assert np.array_equal(ae.inverse_transform(codes[:10]), rec)  # the decoder half alone
    path = tmp_path / "ae.safetensors"
    ae.save(path)
    back = latent.load(path)
    assert isinstance(back, latent.Autoencoder)
    assert np.array_equal(back.transform(X[:100]), codes[:100])


def test_fit_on_equals_fitting_through(tmp_path):
    whole = latent.Autoencoder([784, 32], epochs=2, random_state=4).fit(X)
    part = latent.Autoencoder([784, 32], epochs=1, random_state=4).fit(X)
    part.save(tmp_path / "p.safetensors")
    resumed = latent.load(tmp_path / "p.safetensors")
    resumed.epochs = 2
    resumed.fit(X)
    assert np.array_equal(resumed.transform(X[:64]), whole.transform(X[:64]))


def test_vae_and_gans_sample_and_decode():
    v = latent.VAE([784, 16], latent=2, conv=True, epochs=1).fit(X[:1024])
    z = np.zeros((3, 2), dtype=np.float32)
    dec = v.inverse_transform(z)
    assert dec.shape == (3, 784) and np.allclose(dec[0], dec[1])
    assert v.sample(5).shape == (5, 784)
    assert v.score_samples(X[:7]).shape == (7,)
    g = latent.DCGAN(gen_channels=(16, 8, 4), disc_channels=(4, 8), epochs=1).fit(X[:512])
    s = g.sample(6, random_state=2)
    assert s.shape == (6, 784) and 0 <= s.min() and s.max() <= 1
    assert np.array_equal(s, g.sample(6, random_state=2))
    gan = latent.GAN(16, gen=(32,), disc=(32,), epochs=1).fit(X[:512])
    assert gan.inverse_transform(np.ones((2, 16), np.float32)).shape == (2, 784)
    with pytest.raises(ValueError, match="Z: expected 16 features"):
        gan.inverse_transform(np.ones((2, 3), np.float32))


def test_training_releases_the_gil_and_stops_on_ctrl_c():
    ae = latent.Autoencoder([784, 256, 32], epochs=1000, batch_size=64, random_state=2)
    ticks = []
    done = threading.Event()

    def count():  # runs only while training has released the GIL
        while not done.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    t0 = time.time()
    with pytest.raises(KeyboardInterrupt):
        ae.fit(X)
    done.set()
    t.join()
    assert time.time() - t0 < 60, "Ctrl-C ends training between steps"
    assert len(ticks) > 100, f"the counting thread ran {len(ticks)} times during training"
    stopped = int(ae.config_["step"])
    assert 0 < stopped < 1000 * (len(X) // 64), stopped
    ae.epochs = int(ae.config_["epoch"]) + 1
    ae.fit(X)  # and it fits on from there
