# Reads Fashion-MNIST's gzip'd IDX files (or a .npy) into float32 arrays for the peer programs.
import gzip
import os
import struct

import numpy as np

FMNIST_DIR = os.environ.get("LATENT_FMNIST_DIR", "/usr/share/datasets/fashion-mnist")


def read_idx(path):
    """Returns the uint8 array an IDX file (gzip'd or not) holds, its header checked."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not a uint8 IDX file")
    ndim = raw[3]
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    count = int(np.prod(dims, dtype=np.int64))
    start = 4 + 4 * ndim
    if len(raw) - start != count:
        raise ValueError(f"{path}: {len(raw) - start} data bytes, header says {count}")
    return np.frombuffer(raw, dtype=np.uint8, offset=start).reshape(dims)


def images(split, limit=None):
    """Fashion-MNIST images of a split ('train' or 't10k') as float32 rows x 784 in [0,1]."""
    x = read_idx(os.path.join(FMNIST_DIR, f"{split}-images-idx3-ubyte.gz"))
    x = x.reshape(x.shape[0], -1)
    if limit:
        x = x[:limit]
    return (x.astype(np.float32) / np.float32(255.0))


def load(spec, limit=None):
    """'fashion-mnist', 'fashion-mnist:test' or a .npy path (uint8 images are scaled to [0,1])."""
    if spec == "fashion-mnist":
        return images("train", limit)
    if spec == "fashion-mnist:test":
        return images("t10k", limit)
    x = np.load(spec)
    x = x.reshape(x.shape[0], -1)
    if limit:
        x = x[:limit]
    if x.dtype == np.uint8:
        return x.astype(np.float32) / np.float32(255.0)
    return np.ascontiguousarray(x, dtype=np.float32)
