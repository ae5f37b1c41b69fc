#!/usr/bin/env python3
"""The largest difference between two model files' trained tensors, relative to each tensor's
largest magnitude: max over tensors of max|a - b| / max|b|. Optimizer state (latent_state.*) is
left out: it is not the model. Prints the figure and the tensor it comes from."""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def tensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        body = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__" or name.startswith("latent_state") or t["dtype"] not in DTYPES:
            continue
        lo, hi = t["data_offsets"]
        out[name] = np.frombuffer(body[lo:hi], dtype=DTYPES[t["dtype"]]).astype(np.float64)
    return out


def main():
    a, b = tensors(sys.argv[1]), tensors(sys.argv[2])
    if a.keys() != b.keys():
        sys.exit(f"different tensors: {sorted(a.keys() ^ b.keys())}")
    worst, where = 0.0, ""
    for name in sorted(a):
        scale = np.max(np.abs(b[name])) if b[name].size else 0.0
        if scale == 0.0:
            continue
        r = float(np.max(np.abs(a[name] - b[name])) / scale)
        if r > worst:
            worst, where = r, name
    print(f"{worst:.3g} {where or '-'}")


if __name__ == "__main__":
    main()
