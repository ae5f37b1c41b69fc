# Describes the machine a benchmark run measured: CPU, ISA, cores, memory and library versions.
import ctypes
import json
import os
import platform
import subprocess
import sys


def _run(cmd, env=None, timeout=120):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except (OSError, subprocess.TimeoutExpired) as e:
        return -1, "", str(e)


def cpuinfo():
    """Model name, logical CPUs and the SIMD flags that matter to latent, from /proc/cpuinfo."""
    model, flags = None, set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "Model") and model is None:
                    model = value.strip()
                elif key in ("flags", "Features") and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    wanted = ["fma", "avx2", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni",
              "avx512_bf16", "asimd", "sve"]
    return {"model": model or platform.processor(), "simd_flags": [w for w in wanted if w in flags]}


def memory_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def openblas():
    """Debian OpenBLAS: its version and the core type it picks by itself (OPENBLAS_CORETYPE
    unset), asked in a child process so this process's environment does not matter."""
    code = ("import ctypes,json\n"
            "l=ctypes.CDLL('libopenblas.so.0')\n"
            "l.openblas_get_corename.restype=ctypes.c_char_p\n"
            "l.openblas_get_config.restype=ctypes.c_char_p\n"
            "print(json.dumps({'corename':l.openblas_get_corename().decode(),"
            "'config':l.openblas_get_config().decode()}))")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    rc, out, err = _run([sys.executable, "-c", code], env=env)
    info = json.loads(out) if rc == 0 and out.strip() else {"error": err.strip()[-300:]}
    rc, out, _ = _run(["dpkg-query", "-W", "-f=${Version}", "libopenblas0-pthread"])
    info["package_version"] = out.strip() if rc == 0 and out.strip() else None
    info["environment_coretype"] = os.environ.get("OPENBLAS_CORETYPE")
    return info


def python_versions():
    """Versions of the peer libraries, each imported in a child process (a missing one is None)."""
    versions = {}
    for name in ("numpy", "torch", "sklearn", "faiss", "matplotlib", "threadpoolctl"):
        rc, out, _ = _run([sys.executable, "-c", f"import {name}; print({name}.__version__)"])
        versions[name] = out.strip() if rc == 0 else None
    versions["python"] = platform.python_version()
    return versions


def latent_info(latent):
    """`latent info --json` when the binary has it, else the text of `latent info`."""
    if not latent or not os.path.exists(latent):
        return {"available": False}
    rc, out, err = _run([latent, "info", "--json"])
    if rc == 0:
        try:
            return {"available": True, "json": json.loads(out.strip().splitlines()[-1])}
        except (ValueError, IndexError):
            pass
    rc, out, err = _run([latent, "info"])
    return {"available": rc == 0, "text": out.strip() if rc == 0 else err.strip()}


def describe(latent):
    cpu = cpuinfo()
    return {
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "memory_gib": memory_gib(),
        "kernel": platform.release(),
        "os": platform.platform(),
        "latent": latent_info(latent),
        "openblas": openblas(),
        "libraries": python_versions(),
    }
