"""Writes the seed corpus: small valid files of each format (run with Debian's /usr/bin/python3
from the repository root). Regression inputs found by fuzzing live beside them as crash-*."""
import gzip
import io
import json
import os
import struct

import numpy as np

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(reader, name, data):
    os.makedirs(os.path.join(root, reader), exist_ok=True)
    with open(os.path.join(root, reader, name), "wb") as f:
        f.write(data)


def idx(a):
    return bytes([0, 0, 8, a.ndim]) + b"".join(struct.pack(">I", d) for d in a.shape) + a.astype(np.uint8).tobytes()


def npy(a, version=None):
    b = io.BytesIO()
    np.lib.format.write_array(b, a, version=version)
    return b.getvalue()


def safetensors(tensors, meta):
    header, blobs, at = ({"__metadata__": meta} if meta else {}), [], 0
    for name, a in tensors.items():
        code = {np.float32: "F32", np.float64: "F64", np.int32: "I32", np.int64: "I64", np.uint8: "U8"}[a.dtype.type]
        b = a.tobytes()
        header[name] = {"dtype": code, "shape": list(a.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-(8 + len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


rng = np.random.default_rng(1)
img = (rng.random((3, 4, 4)) * 256).astype(np.uint8)
put("idx", "images3d", idx(img))
put("idx", "labels1d", idx(np.array([9, 0, 3, 1], dtype=np.uint8)))
put("idx", "matrix2d.gz", gzip.compress(idx(img.reshape(3, 16)), mtime=0))
put("idx", "labels1d.gz", gzip.compress(idx(np.arange(10, dtype=np.uint8)), mtime=0))

x = rng.standard_normal((3, 4))
put("npy", "f32", npy(x.astype(np.float32)))
put("npy", "f64", npy(x))
put("npy", "u8_3d", npy(img))
put("npy", "i64_labels", npy(np.arange(5, dtype=np.int64)))
put("npy", "i32_labels", npy(np.arange(5, dtype=np.int32)))
put("npy", "fortran", npy(np.asfortranarray(x.astype(np.float32))))
put("npy", "bigendian", npy(x.astype(">f8")))
put("npy", "v2", npy(x.astype(np.float32), version=(2, 0)))
put("npy", "v3", npy(x.astype(np.float32), version=(3, 0)))
put("npy", "f32.gz", gzip.compress(npy(x.astype(np.float32)), mtime=0))

put("csv", "header", b"a,b,c\n1,2,3\n4.5,-6e-3,7\n")
put("csv", "plain_crlf", b"0.1, 0.2\r\n\r\n3,4\r\n")
put("csv", "bom", b"\xef\xbb\xbfx,y\n1,2\n")
put("csv", "one.gz", gzip.compress(b"1,2,3\n4,5,6\n", mtime=0))

put("safetensors", "model", safetensors({"enc.weight": x.astype(np.float32), "enc.bias": np.zeros(3, np.float64),
                                         "step": np.array(7, np.int64), "lab": np.arange(3, dtype=np.int32),
                                         "px": img[0]}, {"kind": "ae", "config": "{\"l\": [16, 4]}"}))
put("safetensors", "empty", safetensors({}, None))
put("safetensors", "unicode", safetensors({"caf\u00e9": np.ones(2, np.float32), "z": np.zeros((0, 2), np.float32)},
                                          {"n\u00f6te": "\\\"q\"\n\u2603"}))
