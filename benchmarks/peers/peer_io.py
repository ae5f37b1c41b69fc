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
