"""latent from Python: k-means with scikit-learn's estimator conventions, and the autoencoders,
VAEs and GANs of latent, on numpy arrays (float32 C-contiguous arrays are used in place).

    import numpy as np, latent
    X = np.load("images.npy").astype(np.float32) / 255          # rows in [0, 1]
    km = latent.KMeans(n_clusters=10, random_state=0).fit(X)
    ae = latent.Autoencoder([784, 128, 32], epochs=5).fit(X)
    codes = ae.transform(X)
    ae.save("ae.safetensors")                                   # PyTorch loads it too
"""
from ._lib import LatentError
from .kmeans import KMeans, MiniBatchKMeans
from .models import DCGAN, GAN, VAE, Autoencoder, load


def set_threads(n):
    """Threads every later call uses (the default: one per physical core)."""
    from ._lib import check, lib
    check(lib.latent_set_threads(int(n)))


__all__ = ["KMeans", "MiniBatchKMeans", "Autoencoder", "VAE", "GAN", "DCGAN", "load",
           "set_threads", "LatentError"]
