"""Files latent writes load in Python (an independent safetensors reader + torch, numpy, PIL),
and files Python writes (numpy's .npy variants, a safetensors file) load in latent."""
import json
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import torch

tool = sys.argv[1]
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "I32": (torch.int32, 4),
          "I64": (torch.int64, 8), "U8": (torch.uint8, 1)}


def read_safetensors(path):
    """The format as reference.md describes it, read without any of latent's code."""
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    meta = header.pop("__metadata__", {})
    spans = sorted(v["data_offsets"] for v in header.values())
    at = 0
    for b, e in spans:
        assert b == at, "gap or overlap"
        at = e
    assert at == len(data), "buffer not tiled"
    out = {}
    for name, v in header.items():
        dt, size = DTYPES[v["dtype"]]
        b, e = v["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=dt) if e > b else torch.empty(0, dtype=dt)
        out[name] = t.reshape(v["shape"])
    return out, meta, (8 + n) % 8


def write_safetensors(path, tensors, meta):
    header, blobs, at = {"__metadata__": meta}, [], 0
    for name, a in tensors.items():
        code = {np.float32: "F32", np.float64: "F64", np.int32: "I32", np.int64: "I64", np.uint8: "U8"}[a.dtype.type]
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": code, "shape": list(a.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-(8 + len(h)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read_png(path):
    """8-bit gray or RGB, non-interlaced PNG, decoded by the specification (no imaging library)."""
    raw = open(path, "rb").read()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature"
    at, idat, ihdr = 8, b"", None
    while at < len(raw):
        (n,) = struct.unpack(">I", raw[at:at + 4])
        kind, body = raw[at + 4:at + 8], raw[at + 8:at + 8 + n]
        assert zlib.crc32(kind + body) == struct.unpack(">I", raw[at + 8 + n:at + 12 + n])[0], "chunk CRC"
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + n
    w, h, depth, color, _, _, interlace = ihdr
    assert depth == 8 and color in (0, 2) and interlace == 0
    ch = 1 if color == 0 else 3
    data, stride = zlib.decompress(idat), w * ch
    out, prev = np.zeros((h, stride), np.uint8), np.zeros(stride, np.int32)
    for y in range(h):
        f, line = data[y * (stride + 1)], np.frombuffer(data, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        cur = np.zeros(stride, np.int32)
        for x in range(stride):
            a = cur[x - ch] if x >= ch else 0
            b, c = prev[x], (prev[x - ch] if x >= ch else 0)
            if f == 0:
                pred = 0
            elif f == 1:
                pred = a
            elif f == 2:
                pred = b
            elif f == 3:
                pred = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            cur[x] = (line[x] + pred) & 255
        out[y], prev = cur, cur
    return out.reshape(h, w, ch) if ch == 3 else out


def run(*args):
    r = subprocess.run([tool, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return r.stdout


def sums(a):
    a = np.asarray(a, dtype=np.float64).ravel()
    return a.sum(), (a * (np.arange(a.size) % 7 + 1)).sum()


with tempfile.TemporaryDirectory() as d:
    run("write", d)
    t, meta, align = read_safetensors(d + "/model.safetensors")
    check(align == 0, "data buffer 8-aligned")
    check(meta == {"kind": "ae", "config": '{"layers":[4,3]}'}, "metadata %r" % meta)
    w = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.5 - 2.0
    check(torch.equal(t["encoder.0.weight"], w), "weight")
    check(torch.equal(t["encoder.0.bias"], torch.tensor([0.5, -0.25, 1e-3], dtype=torch.float64)), "bias")
    check(t["labels"].tolist() == [0, 9, 3, 3, 1], "labels")
    check(t["step"].shape == () and int(t["step"]) == 42, "scalar step")
    check(t["pixels"].tolist() == [[0, 1], [128, 255]], "u8")
    # The weight loads into an nn.Linear as PyTorch names it.
    lin = torch.nn.Linear(4, 3)
    lin.load_state_dict({"weight": t["encoder.0.weight"], "bias": t["encoder.0.bias"].float()})
    check(torch.allclose(lin(torch.ones(1, 4)), (w.sum(1) + torch.tensor([0.5, -0.25, 1e-3])).reshape(1, 3)), "linear")

    codes = np.load(d + "/codes.npy")
    check(codes.dtype == np.float32 and codes.shape == (4, 3), "codes shape")
    check(np.array_equal(codes.ravel(), np.arange(12, dtype=np.float32) / np.float32(12)), "codes values")
    check(np.load(d + "/labels.npy").tolist() == [0, 9, 3, 3, 1], "npy int32")
    l64 = np.load(d + "/labels64.npy")
    check(l64.dtype == np.int64 and l64.tolist() == [5, 4, 3, 2, 1], "npy int64")
    with open(d + "/codes.npy", "rb") as f:
        f.read(8)
        (hl,) = struct.unpack("<H", f.read(2))
    check((10 + hl) % 64 == 0, "npy header aligned to 64")

    g = read_png(d + "/grid.png")
    check(g.shape == (2 * 6 + 2, 3 * 7 + 2), "grid size %r" % (g.shape,))
    check(g[2, 2] == 0 and g[2, 3] == round(1 / 19 * 255) and g[0, 0] == 128, "grid pixels")
    p = read_png(d + "/loss.png")
    check(p.shape == (300, 400, 3), "plot size %r" % (p.shape,))
    check(((p == [31, 119, 180]).all(axis=2)).sum() > 100, "plot has the first curve's color")
    check(((p == [255, 255, 255]).all(axis=2)).sum() > 300 * 400 // 2, "plot background white")

    # Python -> latent: numpy's own files, including the variants latent must accept.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 5))
    cases = {"f64.npy": x, "f32.npy": x.astype(np.float32), "u8.npy": (rng.random((3, 4)) * 255).astype(np.uint8),
             "fortran.npy": np.asfortranarray(x.astype(np.float32)), "big.npy": x.astype(">f4"),
             "i64.npy": np.arange(6, dtype=np.int64)}
    for name, a in cases.items():
        np.save(d + "/" + name, a)
        out = run("read-npy", d + "/" + name).split()
        s, ws = sums(a)
        check(np.isclose(float(out[3]), s, rtol=1e-6) and np.isclose(float(out[4]), ws, rtol=1e-6),
              "%s: %s vs %r" % (name, out, (s, ws)))
    np.lib.format.write_array(open(d + "/v2.npy", "wb"), x.astype(np.float32), version=(2, 0))
    out = run("read-npy", d + "/v2.npy").split()
    check(np.isclose(float(out[3]), x.astype(np.float32).sum(dtype=np.float64), rtol=1e-6), "npy v2")
    out = run("read-data", d + "/u8.npy").split()
    check(np.isclose(float(out[3]), (cases["u8.npy"] / np.float32(255)).astype(np.float32).sum(dtype=np.float64)), "u8 scaled")
    np.savetxt(d + "/x.csv", x, delimiter=",", header="a,b,c,d,e", comments="")
    out = run("read-data", d + "/x.csv").split()
    check(out[2] == "[7,5]" and np.isclose(float(out[3]), x.astype(np.float32).sum(dtype=np.float64), rtol=1e-5), "csv %s" % out)

    tensors = {"w": rng.standard_normal((3, 2)).astype(np.float32), "b": np.arange(3, dtype=np.int64),
               "z": np.zeros((0, 4), dtype=np.float32), "u": np.array([7, 8], dtype=np.uint8),
               "d": np.array([1.25], dtype=np.float64), "i": np.array([[-3]], dtype=np.int32)}
    write_safetensors(d + "/py.safetensors", tensors, {"format": "pt", "note": "caf\u00e9 \"q\""})
    lines = run("read-safetensors", d + "/py.safetensors").strip().split("\n")
    got = {l.split()[0]: l.split() for l in lines if not l.startswith("meta ")}
    for name, a in tensors.items():
        s, ws = sums(a)
        g = got.get(name)
        check(g is not None and g[2] == "[" + ",".join(map(str, a.shape)) + "]"
              and np.isclose(float(g[3]), s) and np.isclose(float(g[4]), ws), "py->latent %s: %s" % (name, g))
    check("meta note=caf\u00e9 \"q\"" in lines, "metadata from python: %r" % lines[-2:])

print("io-python: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
