# The peers' output: one JSON object per line on stdout, the same events `latent ... --json` prints.
import json
import sys


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def skip(reason):
    """Reports that this peer cannot run here (a missing package), which is not a failure."""
    emit("skipped", reason=reason)
    sys.exit(0)


def set_thread_env(threads):
    """Caps every thread pool a peer library may start (OpenMP, OpenBLAS, MKL) before import."""
    import os
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)


def blas_library():
    """The BLAS this process has loaded (Debian's PyTorch calls whatever libblas.so.3 the
    alternatives system points at): its file, resolved. Debian's reference BLAS there (no
    libopenblas installed) runs PyTorch's GEMMs, so its convolutions, ten times slower; a
    comparison against that would flatter latent, so the figures say which one ran."""
    import os
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path)
                if "blas" in name and ".so" in name:
                    libs.add(os.path.realpath(path))
    except OSError:
        return "unknown"
    return ", ".join(sorted(libs)) or "none loaded"


def reference_blas(lib):
    """True when the loaded BLAS is the unoptimized reference implementation."""
    return "/blas/libblas.so" in lib and "openblas" not in lib
