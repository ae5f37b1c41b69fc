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
        ("--layers", "784,99999999999"), ("--act", "gelu"), ("--loss", "l1"),
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
        cmd = rng.choice(COMMANDS)
        argv = [rng.choice(words) for _ in range(rng.randint(0, 6))]
        if cmd in ("eval", "sample", "reconstruct", "encode", "cluster", "anomaly"):
            argv = [tmp("absent.safetensors")] + argv
        if "--data" in argv or "--help" in argv:
            continue
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
