"""Tests of the `latent` command: run as `cli_test.py GROUP PATH/TO/latent`. Each case checks
exit statuses, one-line messages, JSON lines and the files written against independent readers
(numpy, a safetensors parser written here, PyTorch). Prints "cli-GROUP: N passed, M failed"."""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import traceback

GROUP, LATENT = sys.argv[1], sys.argv[2]
FMNIST = "/usr/share/datasets/fashion-mnist"
CASES = []
TMP = tempfile.mkdtemp(prefix="latent-cli-")


def case(group):
    def wrap(fn):
        CASES.append((group, fn))
        return fn
    return wrap


def run(*args, timeout=240, env=None):
    e = dict(os.environ)
    e.setdefault("OMP_NUM_THREADS", "2")
    if env:
        e.update(env)
    p = subprocess.run([LATENT, *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, env=e, errors="replace")
    assert p.returncode >= 0, f"latent {args} died of signal {-p.returncode}: {p.stderr[-500:]}"
    return p


def ok(*args, **kw):
    p = run(*args, **kw)
    assert p.returncode == 0, f"latent {args}: exit {p.returncode}: {p.stderr.strip()[-800:]}"
    return p


def fails(code, needle, *args, **kw):
    """The command exits with `code` and one stderr line that mentions `needle`."""
    p = run(*args, **kw)
    assert p.returncode == code, \
        f"latent {args}: exit {p.returncode}, expected {code}; stderr: {p.stderr.strip()[-500:]}"
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, f"latent {args}: stderr is not one line: {p.stderr!r}"
    assert needle in lines[0], f"latent {args}: message {lines[0]!r} does not name {needle!r}"
    return p


def json_lines(text):
    objs = [json.loads(line) for line in text.splitlines()]
    assert objs, "no JSON lines"
    for o in objs:
        assert isinstance(o, dict) and "event" in o, o
    return objs


def tmp(name):
    return os.path.join(TMP, name)


COMMANDS = ["info", "train", "eval", "sample", "reconstruct", "encode", "cluster", "anomaly",
            "bench", "selftest"]


# ---------------------------------------------------------------- usage
@case("usage")
def help_everywhere():
    for c in COMMANDS + ["train ae", "train vae", "train gan", "train kmeans", "bench gemm",
                         "bench kernels"]:
        p = ok(*c.split(), "--help")
        assert p.stdout.startswith("usage: latent"), (c, p.stdout[:80])
        assert p.stderr == "", (c, p.stderr)
    p = ok("--help")
    for c in COMMANDS:
        assert c in p.stdout


@case("usage")
def no_or_unknown_command():
    fails(2, "no command", )
    fails(2, "frobnicate", "frobnicate")
    fails(2, "family", "train")
    fails(2, "'dae'", "train", "dae")


@case("usage")
def bad_numbers_name_the_option():
    bad = [
        ("--epochs", "-1"), ("--epochs", "0"), ("--epochs", "1.5"), ("--epochs", "1e3"),
        ("--epochs", "99999999999999999999999"), ("--epochs", ""), ("--epochs", " 3"),
        ("--batch", "0x10"), ("--lr", "abc"), ("--lr", "inf"), ("--lr", "nan"), ("--lr", "-0.1"),
        ("--lr", "0"), ("--lr", "1e999"), ("--seed", "-5"), ("--threads", "100000"),
        ("--layers", ""), ("--layers", "784,,32"), ("--layers", "784,0"), ("--layers", "784,-3"),
        ("--layers", ",".join(["8"] * 40)), ("--layers", "784,12x"), ("--layers", "784"),
        ("--layers", "784,99999999999"), ("--act", "gelu"), ("--code-act", "gelu"),
        ("--loss", "l1"),
        ("--optimizer", "rmsprop"), ("--sparse", "3"), ("--sparse", "3,1.5"),
        ("--sparse", "x,0.1"), ("--denoise", "blur:1"), ("--denoise", "mask:2"),
        ("--contractive", "-1"), ("--checkpoint-every", "0"),
    ]
    for opt, val in bad:
        fails(2, opt, "train", "ae", opt, val)
        fails(2, opt, "train", "ae", f"{opt}={val}")
    fails(2, "--k", "train", "kmeans", "--k", "0")
    fails(2, "--algorithm", "train", "kmeans", "--algorithm", "hamerly2")
    fails(2, "--gen", "train", "gan", "--gen", "256,,")
    fails(2, "--latent", "train", "vae", "--latent", "0")
    fails(2, "--decoder", "train", "vae", "--decoder", "poisson")


@case("usage")
def option_shape_errors():
    fails(2, "--epochs", "train", "ae", "--epochs")            # missing value
    fails(2, "--bogus", "train", "ae", "--bogus", "1")          # unknown option
    fails(2, "--k", "train", "ae", "--k", "3")                  # another family's option
    fails(2, "--json", "train", "ae", "--json=1")               # a flag with a value
    fails(2, "-x", "train", "ae", "-x")
    fails(2, "stray", "train", "ae", "stray")
    fails(2, "--checkpoint-every", "train", "ae", "--checkpoint-every", "2")
    fails(2, "--sparse", "train", "ae", "--sparse", "1,0.05", "--contractive", "0.1")
    fails(2, "stray", "info", "stray")
    fails(2, "--n", "sample", tmp("m.safetensors"), "--n", "-3", "--png", tmp("x.png"))
    fails(2, "MODEL", "eval")
    fails(2, "--png", "sample", tmp("m.safetensors"), "--n", "4")
    fails(2, "--out", "encode", tmp("m.safetensors"))
    fails(2, "--k", "cluster", tmp("m.safetensors"), "--out", tmp("l.npy"))
    fails(2, "--out", "anomaly", tmp("m.safetensors"))
    fails(2, "bench", "bench")
    fails(2, "'nope'", "bench", "nope")


@case("usage")
def control_characters_stay_on_one_line():
    fails(2, "--lr", "train", "ae", "--lr", "1\n2")
    fails(2, "unknown", "train", "ae", "--a\nb")


@case("usage")
def bad_isa_environment():
    p = run("info", env={"LATENT_ISA": "sse9"})
    assert p.returncode in (1, 2) and len(p.stderr.strip().splitlines()) == 1
    assert "LATENT_ISA" in p.stderr


@case("usage")
def random_arguments_never_crash():
    rng = random.Random(1234)
    words = ["--epochs", "--lr", "--layers", "--k", "--n", "--data", "--json", "--quiet", "-",
             "--", "=", "--=", "---", "1", "-1", "1e308", "0x1p3", "784,32", ",", "", "\x01",
             "é", "--png", "--out", "ae", "vae", "gan", "kmeans", "--sparse", "--denoise",
             "mask:", "gauss:-1", "9" * 30, "--limit", "--threads", "--init"]
    for _ in range(150):
        # Commands that would do real work are kept from it: models are absent, data is absent.
        cmd = rng.choice(["info", "train", "eval", "sample", "reconstruct", "encode", "cluster",
                          "anomaly", "bench"])
        argv = [rng.choice(words) for _ in range(rng.randint(0, 6))]
        if cmd in ("eval", "sample", "reconstruct", "encode", "cluster", "anomaly"):
            argv = [tmp("absent.safetensors")] + argv
        if cmd == "train":
            argv = [rng.choice(["ae", "vae", "gan", "kmeans", "x"])] + argv + ["--data", tmp("absent.npy")]
        if cmd == "bench":
            argv = [rng.choice(["x", "--json"])] + argv
        p = run(cmd, *argv, timeout=60)
        assert p.returncode in (0, 1, 2), (cmd, argv, p.returncode)
        if p.returncode:
            assert len(p.stderr.strip().splitlines()) == 1, (cmd, argv, p.stderr)


@case("usage")
def info_plain_and_json():
    p = ok("info")
    assert "isa used" in p.stdout
    objs = json_lines(ok("info", "--json").stdout)
    assert len(objs) == 1 and objs[0]["event"] == "info"
    assert objs[0]["isa_used"] in ("scalar", "avx2", "avx512", "neon")
    p = ok("info", "--json", env={"LATENT_ISA": "scalar"})
    assert json.loads(p.stdout)["isa_used"] == "scalar"


@case("usage")
def bench_kernels_quick_json():
    objs = json_lines(ok("bench", "kernels", "--quick", "--json", "--cpu-time", timeout=280).stdout)
    mem = [o for o in objs if o["event"] == "bench_memory"]
    rows = [o for o in objs if o["event"] == "bench_kernel"]
    assert len(mem) == 1 and mem[0]["triad_gbps"] > 0 and mem[0]["copy_gbps"] > 0, mem
    levels = {o["isa"] for o in rows}
    assert "scalar" in levels, levels
    for isa in levels:
        mine = [o for o in rows if o["isa"] == isa]
        kernels = {o["kernel"] for o in mine}
        for k in ("relu_fwd", "softplus_bwd", "vexp", "vlog", "mse", "bce_logits", "gauss_kl",
                  "sum", "col_sum", "axpy", "adam", "sgd", "sqnorm_rows", "kmeans_accumulate",
                  "philox_x16", "normal_pairs", "expf_n",
                  "kmeans_assign"):
            assert k in kernels, (isa, k)
        assert len(mine) == 2 * 27 + 1, (isa, len(mine))
    for o in rows:
        if o["kernel"] == "kmeans_assign":
            assert o["gflops"] > 0 and o["fma_peak_gflops"] > 0, o
        else:
            assert o["gbps"] > 0 and o["bytes"] >= 4 * o["n"], o
            assert (o["resident"] == "memory") == ("mem_fraction" in o), o
    fails(2, "--threads", "bench", "kernels", "--threads", "2")


@case("usage")
def bench_conv_splits_the_passes():
    objs = json_lines(ok("bench", "conv", "--only", "convT 64", "--batch", "64", "--reps", "3",
                         "--threads", "1", "--json", timeout=120).stdout)
    rows = [o for o in objs if o["event"] == "bench_conv"]
    assert [o["layer"] for o in rows] == ["convT 64->1 5x5 s2 14->28"], rows
    o = rows[0]
    assert o["threads"] == 1 and o["batch"] == 64 and o["ms"] > 0 and o["gflops"] > 0, o
    parts = [o["forward_ms"], o["weights_ms"], o["data_ms"]]
    assert all(p >= 0 for p in parts) and o["forward_ms"] > 0, o
    # the parts are the forward, then what the weights and the data gradients add: they make
    # up the whole unless noise made a difference negative (then clipped to zero)
    assert sum(parts) >= o["ms"] * (1 - 1e-6), o  # JSON keeps 9 significant digits


# ---------------------------------------------------------------- helpers for files
def np():
    import numpy
    return numpy


def read_safetensors(path):
    """An independent reader: 8-byte little-endian header length, JSON header, data buffer."""
    numpy = np()
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    buf = blob[8 + n:]
    types = {"F32": numpy.float32, "F64": numpy.float64, "I32": numpy.int32, "I64": numpy.int64,
             "U8": numpy.uint8}
    out = {}
    for name, t in header.items():
        b, e = t["data_offsets"]
        out[name] = numpy.frombuffer(buf[b:e], dtype=types[t["dtype"]]).reshape(t["shape"])
    return out, meta


def fmnist_test(rows):
    import gzip
    numpy = np()
    with gzip.open(f"{FMNIST}/t10k-images-idx3-ubyte.gz") as f:
        raw = f.read()
    x = numpy.frombuffer(raw[16:16 + rows * 784], dtype=numpy.uint8).reshape(rows, 784)
    return x.astype(numpy.float32) / 255


def is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


def small_files():
    """A 300 x 20 dataset in [0, 1] as float32/float64/uint8 .npy and as CSV with a header."""
    numpy = np()
    rng = numpy.random.default_rng(7)
    centers = rng.random((3, 20))
    lab = rng.integers(0, 3, 300)
    x = numpy.clip(centers[lab] + 0.05 * rng.standard_normal((300, 20)), 0, 1).astype(numpy.float32)
    numpy.save(tmp("d32.npy"), x)
    numpy.save(tmp("d64.npy"), x.astype(numpy.float64))
    numpy.save(tmp("du8.npy"), (x * 255).astype(numpy.uint8))
    numpy.save(tmp("lab.npy"), lab.astype(numpy.int32))
    with open(tmp("d.csv"), "w") as f:
        f.write(",".join(f"f{i}" for i in range(20)) + "\n")
        for row in x:
            f.write(",".join(f"{v:.9g}" for v in row) + "\n")
    return x, lab


FM = ["--data", "fashion-mnist:test", "--limit", "1000"]   # the smaller file loads faster


# ---------------------------------------------------------------- data
@case("data")
def train_ae_on_fashion_mnist_json():
    p = ok("train", "ae", "--data", "fashion-mnist", "--limit", "1000", "--epochs", "2",
           "--layers", "784,32,8", "--json")
    objs = json_lines(p.stdout)
    ep = [o for o in objs if o["event"] == "epoch"]
    assert [o["epoch"] for o in ep] == [1, 2], objs
    for o in ep:
        assert set(o) >= {"epoch", "seconds", "train_loss", "test_loss"}, o
        assert o["seconds"] > 0 and 0 < o["train_loss"] < 0.3 and 0 < o["test_loss"] < 0.3, o
    assert ep[1]["train_loss"] < ep[0]["train_loss"]
    assert objs[-1]["event"] == "done" and "seconds" in objs[-1]


@case("data")
def plain_output_is_one_line_per_epoch():
    p = ok("train", "ae", *FM, "--epochs", "3", "--layers", "784,16")
    lines = [l for l in p.stdout.splitlines() if l.startswith("epoch ")]
    assert len(lines) == 3 and "\r" not in p.stdout, p.stdout
    assert ok("train", "ae", *FM, "--epochs", "1", "--layers", "784,16", "--quiet").stdout == ""


@case("data")
def every_command_on_npy_and_csv():
    x, lab = small_files()
    numpy = np()
    for data in ["d32.npy", "d64.npy", "du8.npy", "d.csv"]:
        d = tmp(data)
        m = tmp(f"ae-{data}.safetensors")
        ok("train", "ae", "--data", d, "--layers", "20,8,3", "--epochs", "2", "--batch", "32",
           "--save", m, "--quiet")
        assert is_png(tmp(f"ae-{data}.loss.png"))
        e = json_lines(ok("eval", m, "--data", d, "--json").stdout)[-1]
        assert e["event"] == "done" and e["loss"] > 0
        ok("encode", m, "--data", d, "--out", tmp("c.npy"))
        assert numpy.load(tmp("c.npy")).shape == (300, 3)
        ok("anomaly", m, "--data", d, "--out", tmp("s.npy"))
        s = numpy.load(tmp("s.npy"))
        assert s.shape == (300,) and numpy.all(numpy.isfinite(s))
        ok("reconstruct", m, "--data", d, "--n", "5", "--png", tmp("r.png"))
        assert is_png(tmp("r.png"))
        c = json_lines(ok("cluster", m, "--data", d, "--labels", tmp("lab.npy"), "--k", "3",
                          "--out", tmp("l.npy"), "--json").stdout)[-1]
        assert {"acc", "nmi", "ari", "inertia"} <= set(c)
        assert numpy.load(tmp("l.npy")).shape == (300,)
    v = tmp("vae-csv.safetensors")
    ok("train", "vae", "--data", tmp("d.csv"), "--layers", "20,16", "--latent", "2", "--epochs", "1",
       "--save", v, "--quiet")
    ok("sample", v, "--n", "6", "--png", tmp("vs.png"), "--npy", tmp("vs.npy"))
    assert numpy.load(tmp("vs.npy")).shape == (6, 20)
    g = tmp("gan-npy.safetensors")
    ok("train", "gan", "--data", tmp("d32.npy"), "--z", "4", "--gen", "16", "--disc", "16",
       "--epochs", "1", "--save", g, "--quiet")
    ok("sample", g, "--n", "4", "--png", tmp("gs.png"))
    k = tmp("km-csv.safetensors")
    ok("train", "kmeans", "--data", tmp("d.csv"), "--k", "3", "--save", k, "--quiet")
    e = json_lines(ok("eval", k, "--data", tmp("d.csv"), "--labels", tmp("lab.npy"), "--json").stdout)
    assert e[-1]["acc"] > 0.9, e


@case("data")
def kmeans_matches_scikit_learn_from_the_same_init():
    x, lab = small_files()
    numpy = np()
    from sklearn.cluster import KMeans
    init = x[[0, 100, 200]].copy()
    numpy.save(tmp("init.npy"), init)
    objs = json_lines(ok("train", "kmeans", "--data", tmp("d32.npy"), "--labels", tmp("lab.npy"),
                         "--k", "3", "--init", tmp("init.npy"), "--json").stdout)
    iters = [o for o in objs if o["event"] == "iter"]
    done = objs[-1]
    assert iters and done["event"] == "done"
    assert {"inertia", "n_iter", "init_seconds", "acc", "nmi", "ari", "seconds"} <= set(done)
    ref = KMeans(3, init=init, n_init=1, algorithm="lloyd").fit(x)
    assert abs(done["inertia"] - ref.inertia_) <= 1e-4 * ref.inertia_, (done, ref.inertia_)
    assert done["n_iter"] == ref.n_iter_, (done, ref.n_iter_)


@case("data")
def bad_files_name_the_file():
    numpy = np()
    fails(1, "nothere.npy", "train", "ae", "--data", tmp("nothere.npy"), "--layers", "20,4")
    small_files()
    blob = open(tmp("d32.npy"), "rb").read()
    open(tmp("trunc.npy"), "wb").write(blob[:len(blob) // 2])
    fails(1, "trunc.npy", "train", "ae", "--data", tmp("trunc.npy"))
    open(tmp("junk.csv"), "w").write("1,2,3\n4,five,6\n")
    fails(1, "junk.csv", "train", "kmeans", "--data", tmp("junk.csv"), "--k", "2")
    open(tmp("bad.safetensors"), "wb").write(b"\xff" * 64)
    for c in (["eval"], ["encode", "--out", tmp("o.npy")], ["sample", "--n", "2", "--png", tmp("o.png")]):
        fails(1, "bad.safetensors", c[0], tmp("bad.safetensors"), *c[1:])
    fails(1, "absent.safetensors", "eval", tmp("absent.safetensors"))
    fails(2, "--layers", "train", "ae", "--data", tmp("d32.npy"), "--layers", "784,32")
    numpy.save(tmp("lab-short.npy"), numpy.zeros(5, numpy.int32))
    fails(1, "lab-short.npy", "train", "kmeans", "--data", tmp("d32.npy"), "--labels",
          tmp("lab-short.npy"))
    fails(1, "nowhere", "train", "ae", "--data", "mnist-like:" + tmp("nowhere"))


# ---------------------------------------------------------------- models on Fashion-MNIST
@case("models")
def autoencoder_commands_on_fashion_mnist():
    numpy = np()
    m = tmp("ae.safetensors")
    ok("train", "ae", *FM, "--epochs", "1", "--layers", "784,64,10", "--save", m, "--quiet")
    assert is_png(tmp("ae.loss.png"))
    e = json_lines(ok("eval", m, "--limit", "500", "--json").stdout)
    assert len(e) == 1 and e[0]["event"] == "done" and 0 < e[0]["loss"] < 0.2
    ok("reconstruct", m, "--n", "16", "--png", tmp("rec.png"))
    assert is_png(tmp("rec.png"))
    ok("encode", m, "--limit", "300", "--out", tmp("codes.npy"))
    assert numpy.load(tmp("codes.npy")).shape == (300, 10)
    ok("anomaly", m, "--limit", "300", "--out", tmp("scores.npy"))
    assert numpy.load(tmp("scores.npy")).dtype == numpy.float32
    p = ok("cluster", m, "--k", "10", "--limit", "2000", "--out", tmp("labels.npy"), "--json")
    done = json_lines(p.stdout)[-1]
    assert done["event"] == "done" and {"acc", "nmi", "ari", "inertia"} <= set(done), done
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    import gzip
    with gzip.open(f"{FMNIST}/t10k-labels-idx1-ubyte.gz") as f:
        y = numpy.frombuffer(f.read()[8:8 + 2000], dtype=numpy.uint8)
    pred = numpy.load(tmp("labels.npy"))
    assert pred.shape == (2000,)
    assert abs(done["nmi"] - normalized_mutual_info_score(y, pred)) < 1e-6
    assert abs(done["ari"] - adjusted_rand_score(y, pred)) < 1e-6
    fails(1, "ae", "sample", m, "--n", "4", "--png", tmp("x.png"))


@case("models")
def variants_vae_gan_kmeans_on_fashion_mnist():
    numpy = np()
    for extra in (["--sparse", "0.1,0.05", "--act", "sigmoid"], ["--contractive", "0.01"],
                  ["--denoise", "mask:0.3", "--loss", "bce"], ["--denoise", "gauss:0.2"]):
        ok("train", "ae", *FM, "--epochs", "1", "--layers", "784,16", *extra, "--quiet")
    v = tmp("vae.safetensors")
    o = json_lines(ok("train", "vae", *FM, "--epochs", "1", "--layers", "784,64", "--latent", "4",
                      "--save", v, "--json").stdout)
    assert 100 < o[0]["train_loss"] < 600, o   # nats per example, summed over 784 pixels
    ok("sample", v, "--n", "9", "--png", tmp("vae.png"), "--npy", tmp("vae.npy"))
    s = numpy.load(tmp("vae.npy"))
    assert s.shape == (9, 784) and s.min() >= 0 and s.max() <= 1
    ok("reconstruct", v, "--n", "4", "--png", tmp("vrec.png"))
    ok("encode", v, "--limit", "100", "--out", tmp("vc.npy"))
    assert numpy.load(tmp("vc.npy")).shape == (100, 4)
    ok("eval", v, "--limit", "200", "--iw", "5")
    g = tmp("gan.safetensors")
    ok("train", "gan", *FM, "--epochs", "1", "--z", "16", "--gen", "64", "--disc", "64",
       "--save", g, "--quiet")
    ok("sample", g, "--n", "8", "--png", tmp("gan.png"))
    assert is_png(tmp("gan.png"))
    fails(1, "gan", "encode", g, "--out", tmp("x.npy"))
    k = tmp("km.safetensors")
    o = json_lines(ok("train", "kmeans", *FM, "--k", "10", "--max-iter", "20", "--save", k,
                      "--json").stdout)
    assert o[-1]["event"] == "done" and "acc" in o[-1]
    t, meta = read_safetensors(k)
    assert t["cluster_centers_"].shape == (10, 784) and meta["kind"] == "kmeans"
    ok("eval", k, "--limit", "500")


@case("models")
def dcgan_trains_samples_and_scores():
    numpy = np()
    g = tmp("dc.safetensors")
    o = json_lines(ok("train", "dcgan", *FM, "--epochs", "1", "--limit", "256", "--batch", "64",
                      "--gen-channels", "16,8,4", "--disc-channels", "4,8", "--save", g,
                      "--json").stdout)
    assert o[-1]["event"] == "done" and 0 < o[-1]["train_loss"] < 10, o
    ok("sample", g, "--n", "8", "--png", tmp("dc.png"), "--npy", tmp("dc.npy"))
    s = numpy.load(tmp("dc.npy"))
    assert s.shape == (8, 784) and s.min() >= 0 and s.max() <= 1 and is_png(tmp("dc.png"))
    fails(1, "dcgan", "encode", g, "--out", tmp("x.npy"))
    fails(2, "kernel: an odd size", "train", "dcgan", *FM, "--kernel", "4")
    fails(2, "does not divide", "train", "dcgan", *FM, "--gen-channels", "8,8,8,8")
    # the Frechet distance: an untrained-looking generator far from real images, real
    # training images as "samples" near the floor
    d = json_lines(ok("eval", g, "--samples", "500", "--json").stdout)[-1]
    assert d["kind"] == "dcgan" and d["samples"] == 500 and d["classifier_accuracy"] > 0.8, d
    real = fmnist_test(2000)[1000:]
    numpy.save(tmp("real.npy"), real)
    r = json_lines(ok("eval", tmp("real.npy"), "--json").stdout)[-1]
    assert r["frechet"] < 5 * r["frechet_floor"] + 1 and d["frechet"] > 10 * r["frechet"], (r, d)
    numpy.save(tmp("bad.npy"), real[:, :100])
    fails(1, "bad.npy", "eval", tmp("bad.npy"))


@case("models")
def compare_two_runs():
    numpy = np()
    a, b, c = tmp("cmp_a.safetensors"), tmp("cmp_b.safetensors"), tmp("cmp_c.safetensors")
    ok("train", "ae", *FM, "--epochs", "1", "--limit", "300", "--layers", "784,16", "--save", a, "--quiet")
    ok("train", "ae", *FM, "--epochs", "1", "--limit", "300", "--layers", "784,16", "--save", b,
       "--quiet", "--threads", "1")
    ok("train", "ae", *FM, "--epochs", "1", "--limit", "300", "--layers", "784,16", "--save", c,
       "--quiet", "--lr", "0.0011")
    o = json_lines(ok("compare", a, b, "--json").stdout)
    assert o[-1]["within"] == 1 and o[-1]["differ"] == 0 and "equal" in o[-1]["verdict"], o[-1]
    assert o[0]["event"] == "machines" and "threads=1" in o[0]["b"], o[0]  # why files may differ
    p = run("compare", a, c)
    assert p.returncode == 1 and "DIFFERENT" in p.stdout.splitlines()[-1], p.stdout
    t = json_lines(run("compare", a, c, "--json").stdout)
    w = [x for x in t if x.get("name") == "encoder.0.weight"][0]
    ta, _ = read_safetensors(a)
    tc, _ = read_safetensors(c)
    diff = numpy.abs(ta["encoder.0.weight"].astype(numpy.float64) - tc["encoder.0.weight"])
    assert abs(w["max_abs"] - diff.max()) <= 1e-8 * diff.max(), (w, diff.max())  # JSON: 9 digits
    assert w["differ"] == int((diff > 0).sum()), w
    assert sum(int(v) for v in w["ulp_histogram"].split(",")) == diff.size, w
    ok("compare", a, c, "--rtol", "10", "--atol", "1")   # within a loose tolerance
    x = numpy.arange(12, dtype=numpy.float32).reshape(3, 4)
    numpy.save(tmp("x.npy"), x)
    y = x.copy()
    y[1, 2] = numpy.nextafter(y[1, 2], numpy.float32(100))
    numpy.save(tmp("y.npy"), y)
    r = json_lines(run("compare", tmp("x.npy"), tmp("y.npy"), "--json").stdout)
    assert r[0]["first"] == 6 and r[0]["max_ulp"] == 1 and r[-1]["within"] == 0, r
    numpy.save(tmp("z.npy"), x.reshape(4, 3))
    fails(1, "DIFFERENT", "compare", tmp("x.npy"), tmp("z.npy"))
    fails(2, "two model files or two .npy", "compare", a, tmp("x.npy"))


@case("models")
def linear_code_layer_round_trip():
    # --code-act identity: DEC's linear embedding under ReLU hidden layers. ReLU codes are never
    # negative, linear ones are; PyTorch's encoder ending in a bare Linear gives the same codes.
    numpy = np()
    import torch
    from torch import nn
    m = tmp("lin.safetensors")
    ok("train", "ae", *FM, "--epochs", "2", "--layers", "784,32,4", "--act", "relu",
       "--code-act", "identity", "--out-act", "identity", "--save", m, "--quiet")
    t, meta = read_safetensors(m)
    assert meta["act"] == "relu" and meta["code_act"] == "identity", meta
    ok("encode", m, "--data", "fashion-mnist:test", "--limit", "200", "--out", tmp("lin1.npy"))
    ok("encode", m, "--data", "fashion-mnist:test", "--limit", "200", "--out", tmp("lin2.npy"))
    codes = numpy.load(tmp("lin1.npy"))
    assert codes.shape == (200, 4) and (codes < 0).mean() > 0.05, codes.min(axis=0)
    assert codes.tobytes() == numpy.load(tmp("lin2.npy")).tobytes()
    enc = nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 4))
    enc.load_state_dict({k[len("encoder."):]: torch.from_numpy(v.copy()) for k, v in t.items()
                         if k.startswith("encoder.")}, strict=True)
    with torch.no_grad():
        ref = enc(torch.from_numpy(fmnist_test(200))).numpy()
    assert numpy.abs(ref - codes).max() <= 1e-5, numpy.abs(ref - codes).max()
    # without --code-act the code follows --act, as before
    r = tmp("relu.safetensors")
    ok("train", "ae", *FM, "--epochs", "1", "--layers", "784,32,4", "--save", r, "--quiet")
    assert read_safetensors(r)[1]["code_act"] == "relu"
    ok("encode", r, "--limit", "200", "--out", tmp("relu.npy"))
    assert numpy.load(tmp("relu.npy")).min() >= 0
    # the same command resumed ends in the same bytes; another code activation is refused
    part = tmp("lin-1.safetensors")
    args = [*FM, "--layers", "784,32,4", "--act", "relu", "--code-act", "identity",
            "--out-act", "identity", "--quiet"]
    ok("train", "ae", *args, "--epochs", "1", "--save", part)
    ok("train", "ae", *args, "--epochs", "2", "--save", part, "--resume", part)
    tensors_equal(m, part)
    p = fails(2, "--code-act", "train", "ae", "--code-act", "relu", "--resume", part)
    assert "identity" in p.stderr, p.stderr
    # a contractive or sparse code must stay sigmoid
    fails(2, "code-act", "train", "ae", *FM, "--contractive", "0.1", "--code-act", "identity")
    ok("train", "ae", *FM, "--epochs", "1", "--layers", "784,16", "--sparse", "0.1,0.05",
       "--code-act", "sigmoid", "--quiet")


# ---------------------------------------------------------------- resume, faults
def tensors_equal(a, b):
    ta, ma = read_safetensors(a)
    tb, mb = read_safetensors(b)
    assert sorted(ta) == sorted(tb), (sorted(ta), sorted(tb))
    for n in ta:
        assert ta[n].tobytes() == tb[n].tobytes(), f"tensor {n} differs"
    return ma, mb


@case("resume")
def resume_equals_uninterrupted():
    for fam, extra in (("ae", ["--layers", "784,32,8"]),
                       ("vae", ["--layers", "784,32", "--latent", "4"]),
                       ("gan", ["--z", "8", "--gen", "32", "--disc", "32"])):
        whole, part = tmp(f"{fam}-4.safetensors"), tmp(f"{fam}-2.safetensors")
        ok("train", fam, *FM, "--epochs", "4", *extra, "--save", whole, "--quiet")
        ok("train", fam, *FM, "--epochs", "2", *extra, "--save", part, "--quiet")
        ok("train", fam, "--epochs", "4", "--resume", part, "--save", part, "--quiet")
        ma, mb = tensors_equal(whole, part)
        assert ma["epoch"] == mb["epoch"] == "4"


@case("resume")
def rerunning_the_same_command_resumes():
    # The same command line again, with --resume: family options equal to the checkpoint's
    # are accepted (and the run still ends where an uninterrupted one does) ...
    for fam, extra in (("ae", ["--layers", "784,32,8", "--act", "tanh", "--sparse", "3,0.05"]),
                       ("vae", ["--layers", "784,32", "--latent", "4", "--beta", "0.5"]),
                       ("gan", ["--z", "8", "--gen", "32", "--disc", "32", "--d-steps", "2"])):
        whole, part = tmp(f"same-{fam}-2.safetensors"), tmp(f"same-{fam}-1.safetensors")
        ok("train", fam, *FM, "--epochs", "2", *extra, "--save", whole, "--quiet")
        ok("train", fam, *FM, "--epochs", "1", *extra, "--save", part, "--quiet")
        ok("train", fam, *FM, "--epochs", "2", *extra, "--save", part, "--resume", part, "--quiet")
        tensors_equal(whole, part)
    # ... and one that differs is refused, naming the option and both values.
    part = tmp("same-ae-1.safetensors")
    p = fails(2, "--layers", "train", "ae", "--layers", "784,32,4", "--resume", part)
    assert "784,32,4" in p.stderr and "784,32,8" in p.stderr, p.stderr
    p = fails(2, "--act", "train", "ae", "--act", "relu", "--resume", part)
    assert "relu" in p.stderr and "tanh" in p.stderr, p.stderr
    p = fails(2, "--latent", "train", "vae", "--latent", "5", "--resume",
              tmp("same-vae-1.safetensors"))
    assert "5" in p.stderr and "4" in p.stderr, p.stderr
    fails(2, "--gen", "train", "gan", "--gen", "64", "--resume", tmp("same-gan-1.safetensors"))


@case("resume")
def a_model_too_large_is_refused_up_front():
    # 784 -> 2^20 -> 2^20 is 1.1e12 parameters (16 TB to train): refused before any allocation.
    fails(2, "--layers", "train", "ae", *FM, "--layers", "784,1048576,1048576", "--epochs", "1")
    fails(2, "--gen/--disc", "train", "gan", *FM, "--gen", "1048576,1048576", "--epochs", "1")


@case("resume")
def divergence_stops_and_keeps_the_checkpoint():
    numpy = np()
    x = numpy.full((256, 8), 0.5, numpy.float32)
    x[200:] = 3e38
    numpy.save(tmp("huge.npy"), x)
    m = tmp("div.safetensors")
    p = run("train", "ae", "--data", tmp("huge.npy"), "--layers", "8,4", "--out-act", "identity",
            "--epochs", "3", "--batch", "256", "--save", m, "--quiet")
    assert p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "epoch" in p.stderr and "step" in p.stderr, p.stderr
    # a good checkpoint, then a run from it that diverges: the file stays as it was
    x[200:] = 0.25
    numpy.save(tmp("fine.npy"), x)
    ok("train", "ae", "--data", tmp("fine.npy"), "--layers", "8,4", "--epochs", "1", "--save", m,
       "--quiet")
    before = open(m, "rb").read()
    x[200:] = 3e38
    numpy.save(tmp("fine.npy"), x)
    p = run("train", "ae", "--data", tmp("fine.npy"), "--resume", m, "--epochs", "3", "--save", m,
            "--checkpoint-every", "1", "--quiet")
    assert p.returncode == 1, p.stderr
    assert open(m, "rb").read() == before


@case("resume")
def kill_during_training_leaves_a_whole_checkpoint():
    import signal
    import time
    m = tmp("kill.safetensors")
    base = ["--data", "fashion-mnist:test", "--limit", "2000", "--layers", "784,128,16", "--batch", "100"]
    env = dict(os.environ, OMP_NUM_THREADS="2")
    rng = random.Random(5)
    for attempt in range(3):
        if os.path.exists(m):
            os.remove(m)
        proc = subprocess.Popen([LATENT, "train", "ae", *base, "--epochs", "30", "--save", m,
                                 "--checkpoint-every", "1", "--quiet"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t0 = time.time()
        while not os.path.exists(m) and time.time() - t0 < 60 and proc.poll() is None:
            time.sleep(0.02)
        time.sleep(rng.random() * 1.0)   # somewhere in a later epoch or checkpoint write
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if os.path.exists(m):
            t, meta = read_safetensors(m)   # parses whole: header, every tensor in range
            assert "encoder.0.weight" in t and int(meta["epoch"]) >= 1
    assert os.path.exists(m), "no checkpoint after the kills"
    done_epochs = int(read_safetensors(m)[1]["epoch"])
    # the resumed run ends where an uninterrupted one does
    whole = tmp("kill-whole.safetensors")
    ok("train", "ae", *base, "--epochs", str(done_epochs + 1), "--save", whole, "--quiet")
    ok("train", "ae", "--resume", m, "--epochs", str(done_epochs + 1), "--save", m, "--quiet")
    tensors_equal(whole, m)


# ---------------------------------------------------------------- PyTorch reads latent's files
@case("torch")
def pytorch_reproduces_reconstructions():
    numpy = np()
    import torch
    from torch import nn
    m = tmp("pt.safetensors")
    ok("train", "ae", *FM, "--epochs", "1", "--layers", "784,64,16", "--act", "relu",
       "--save", m, "--quiet")
    ok("reconstruct", m, "--data", "fashion-mnist:test", "--n", "32", "--png", tmp("pt.png"),
       "--npy", tmp("pt.npy"))
    ours = numpy.load(tmp("pt.npy"))
    t, meta = read_safetensors(m)
    model = nn.Sequential()
    model.add_module("encoder", nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 16), nn.ReLU()))
    model.add_module("decoder", nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 784), nn.Sigmoid()))
    state = {k: torch.from_numpy(v.copy()) for k, v in t.items() if not k.startswith("latent_state.")}
    model.load_state_dict(state, strict=True)
    with torch.no_grad():
        ref = model(torch.from_numpy(fmnist_test(32))).numpy()
    err = numpy.abs(ref - ours).max()
    assert err <= 1e-5, err


@case("torch")
def pytorch_reproduces_vae_codes():
    numpy = np()
    import torch
    from torch import nn
    m = tmp("ptv.safetensors")
    ok("train", "vae", *FM, "--epochs", "1", "--layers", "784,32", "--latent", "5", "--save", m,
       "--quiet")
    ok("encode", m, "--data", "fashion-mnist:test", "--limit", "64", "--out", tmp("ptv.npy"))
    t, _ = read_safetensors(m)
    enc = nn.Sequential(nn.Linear(784, 32), nn.ReLU())
    enc.load_state_dict({k[len("encoder."):]: torch.from_numpy(v.copy()) for k, v in t.items()
                         if k.startswith("encoder.")})
    mu = nn.Linear(32, 5)
    mu.load_state_dict({k[len("fc_mu."):]: torch.from_numpy(v.copy()) for k, v in t.items()
                        if k.startswith("fc_mu.")})
    with torch.no_grad():
        ref = mu(enc(torch.from_numpy(fmnist_test(64)))).numpy()
    err = numpy.abs(ref - numpy.load(tmp("ptv.npy"))).max()
    assert err <= 1e-5, err


def torch_dcgan(torch, nn, z=100, gen=(256, 128, 64), disc=(64, 128), k=5, slope=0.3, drop=0.3):
    """The DCGAN latent trains, as the two nn.Sequential modules its files name."""
    p = (k - 1) // 2
    layers = [nn.Linear(z, 7 * 7 * gen[0], bias=False), nn.BatchNorm1d(7 * 7 * gen[0]),
              nn.LeakyReLU(slope), nn.Unflatten(1, (gen[0], 7, 7))]
    chans = list(gen) + [1]
    for i in range(1, len(chans)):
        s = 1 if i == 1 and i < len(gen) else 2
        layers.append(nn.ConvTranspose2d(chans[i - 1], chans[i], k, s, padding=p,
                                         output_padding=s - 1, bias=False))
        if i < len(gen):
            layers += [nn.BatchNorm2d(chans[i]), nn.LeakyReLU(slope)]
    layers.append(nn.Tanh())
    d_layers, c = [], 1
    for ch in disc:
        d_layers += [nn.Conv2d(c, ch, k, 2, padding=p), nn.LeakyReLU(slope), nn.Dropout(drop)]
        c = ch
    d_layers += [nn.Flatten(), nn.Linear(c * 7 * 7, 1)]
    return nn.Sequential(*layers), nn.Sequential(*d_layers)


@case("torch")
def pytorch_reproduces_dcgan_samples():
    numpy = np()
    import torch
    from torch import nn
    m = tmp("dcgan.safetensors")
    ok("train", "dcgan", *FM, "--epochs", "1", "--limit", "512", "--gen-channels", "32,16,8",
       "--disc-channels", "8,16", "--save", m, "--quiet")
    z = numpy.random.default_rng(5).standard_normal((40, 100)).astype(numpy.float32)
    numpy.save(tmp("dcgan.z.npy"), z)
    ok("sample", m, "--z", tmp("dcgan.z.npy"), "--png", tmp("dcgan.png"), "--npy", tmp("dcgan.npy"))
    ours = numpy.load(tmp("dcgan.npy"))
    t, meta = read_safetensors(m)
    assert meta["kind"] == "dcgan", meta
    g, d = torch_dcgan(torch, nn, gen=(32, 16, 8), disc=(8, 16))
    for name, mod in (("generator.", g), ("discriminator.", d)):
        mod.load_state_dict({k[len(name):]: torch.from_numpy(v.copy()) for k, v in t.items()
                             if k.startswith(name)}, strict=True)
    assert float(t["generator.1.num_batches_tracked"]) == 2  # 512 rows in batches of 256
    g.eval()
    with torch.no_grad():
        ref = ((g(torch.from_numpy(z)) + 1) / 2).permute(0, 2, 3, 1).reshape(40, 784).numpy()
    err = numpy.abs(ref - ours).max()
    assert err <= 1e-4, err


def torch_conv_ends(nn, chans=(32, 64), k=3, flat_to=None, code=None, out_act=None):
    """The convolutional encoder (to its Flatten) and decoder (from its Unflatten) of --conv."""
    p, enc, c = (k - 1) // 2, [], 1
    for ch in chans:
        enc += [nn.Conv2d(c, ch, k, 2, padding=p), nn.ReLU()]
        c = ch
    enc.append(nn.Flatten())
    side = 28 >> len(chans)
    dec = [nn.Unflatten(1, (chans[-1], side, side))]
    for ch in reversed(chans):
        dec += [nn.ConvTranspose2d(c, ch, k, 2, padding=p, output_padding=1), nn.ReLU()]
        c = ch
    dec.append(nn.ConvTranspose2d(c, 1, k, 1, padding=p))
    if out_act:
        dec.append(out_act)
    return enc, dec, chans[-1] * side * side


@case("torch")
def pytorch_reproduces_conv_autoencoders():
    numpy = np()
    import torch
    from torch import nn
    x = torch.from_numpy(fmnist_test(32))
    # the conv AE: reconstructions
    m = tmp("cae.safetensors")
    ok("train", "ae", *FM, "--epochs", "1", "--limit", "256", "--conv", "--conv-channels", "8,16",
       "--layers", "784,24,10", "--save", m, "--quiet")
    ok("reconstruct", m, "--data", "fashion-mnist:test", "--n", "32", "--png", tmp("cae.png"),
       "--npy", tmp("cae.npy"))
    t, _ = read_safetensors(m)
    enc, dec, flat = torch_conv_ends(nn, (8, 16), out_act=nn.Sigmoid())
    model = nn.Sequential()
    model.add_module("encoder", nn.Sequential(*enc, nn.Linear(flat, 24), nn.ReLU(), nn.Linear(24, 10), nn.ReLU()))
    model.add_module("decoder", nn.Sequential(nn.Linear(10, flat), nn.ReLU(), *dec))
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in t.items()
                           if not k.startswith("latent_state.")}, strict=True)
    with torch.no_grad():
        ref = model(x.reshape(32, 1, 28, 28)).permute(0, 2, 3, 1).reshape(32, 784).numpy()
    err = numpy.abs(ref - numpy.load(tmp("cae.npy"))).max()
    assert err <= 1e-5, err
    # the conv VAE (the Keras example's shape): codes (mu) and decoder means from given z
    v = tmp("cvae.safetensors")
    ok("train", "vae", *FM, "--epochs", "1", "--limit", "256", "--conv", "--save", v, "--quiet")
    ok("encode", v, "--data", "fashion-mnist:test", "--limit", "32", "--out", tmp("cvae.mu.npy"))
    z = numpy.random.default_rng(3).standard_normal((6, 2)).astype(numpy.float32)
    numpy.save(tmp("cvae.z.npy"), z)
    ok("sample", v, "--z", tmp("cvae.z.npy"), "--png", tmp("cvae.png"), "--npy", tmp("cvae.dec.npy"))
    t, _ = read_safetensors(v)
    enc, dec, flat = torch_conv_ends(nn, (32, 64), out_act=nn.Sigmoid())
    e = nn.Sequential(*enc, nn.Linear(flat, 16), nn.ReLU())
    mu = nn.Linear(16, 2)
    d = nn.Sequential(nn.Linear(2, flat), nn.ReLU(), *dec)
    for prefix, mod in (("encoder.", e), ("fc_mu.", mu), ("decoder.", d)):
        mod.load_state_dict({k[len(prefix):]: torch.from_numpy(a.copy()) for k, a in t.items()
                             if k.startswith(prefix)}, strict=True)
    with torch.no_grad():
        ref_mu = mu(e(x.reshape(32, 1, 28, 28))).numpy()
        ref_dec = d(torch.from_numpy(z)).permute(0, 2, 3, 1).reshape(6, 784).numpy()
    assert numpy.abs(ref_mu - numpy.load(tmp("cvae.mu.npy"))).max() <= 1e-5
    assert numpy.abs(ref_dec - numpy.load(tmp("cvae.dec.npy"))).max() <= 1e-5
    fails(2, "only with --conv", "train", "ae", *FM, "--conv-channels", "8")
    fails(2, "contractive", "train", "ae", *FM, "--conv", "--contractive", "0.1")


# ---------------------------------------------------------------- files of earlier versions
LEGACY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "legacy")
LEGACY_NN = ("ae", "ae_sparse_denoise", "ae_contractive_bce", "ae_linear_code", "vae",
             "vae_gaussian", "gan")


def legacy(name):
    return os.path.join(LEGACY, name)


@case("legacy")
def earlier_files_give_the_same_codes_and_samples():
    """Checkpoints written before the layer-stack rework (legacy/make_legacy.sh) load, and give
    the codes and samples that build computed, byte for byte."""
    numpy = np()
    rows = legacy("rows.npy")
    for m in LEGACY_NN:
        if not m.startswith("gan"):
            ok("encode", legacy(f"{m}.safetensors"), "--data", rows, "--out", tmp(f"{m}.codes.npy"))
            got, want = numpy.load(tmp(f"{m}.codes.npy")), numpy.load(legacy(f"{m}.codes.npy"))
            assert got.shape == want.shape and got.tobytes() == want.tobytes(), f"{m}: codes differ"
        if m.startswith("vae") or m == "gan":
            ok("sample", legacy(f"{m}.safetensors"), "--n", "5", "--npy", tmp(f"{m}.s.npy"),
               "--png", tmp(f"{m}.s.png"))
            got, want = numpy.load(tmp(f"{m}.s.npy")), numpy.load(legacy(f"{m}.samples.npy"))
            assert got.tobytes() == want.tobytes(), f"{m}: samples differ"


@case("legacy")
def earlier_files_resume_to_the_same_bytes():
    """One more epoch from each earlier checkpoint ends in the tensors that build wrote."""
    for m in LEGACY_NN:
        fam = m.split("_")[0]
        out = tmp(f"{m}.resumed.safetensors")
        ok("train", fam, "--resume", legacy(f"{m}.safetensors"), "--data", legacy("rows.npy"),
           "--epochs", "3", "--quiet", "--no-plot", "--save", out, env={"OMP_NUM_THREADS": "2"})
        tensors_equal(out, legacy(f"{m}.resumed.safetensors"))


@case("legacy")
def earlier_kmeans_file_evaluates_the_same():
    p = ok("eval", legacy("kmeans.safetensors"), "--data", legacy("rows.npy"), "--json")
    got = json_lines(p.stdout)[-1]
    with open(legacy("kmeans.eval.json")) as f:
        want = json.loads(f.read())
    assert got["inertia"] == want["inertia"], (got, want)


def main():
    passed = failed = 0
    for group, fn in CASES:
        if group != GROUP:
            continue
        try:
            fn()
            passed += 1
            print(f"ok   {fn.__name__}", flush=True)
        except Exception:
            failed += 1
            print(f"FAIL {fn.__name__}\n{traceback.format_exc()}", flush=True)
    print(f"cli-{GROUP}: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
