"""The JSON-lines output of latent's programs and the peers: one event object per line, other
lines (tables, messages) passed over; and running such a program as one recorded run."""
import json
import os
import subprocess
import time


def events(stdout):
    out = []
    for line in stdout.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            out.append(obj)
    return out


def run(cmd, env, timeout, parse=events):
    """Runs a command that prints one JSON object per line (or what parse() reads); returns
    {status, events, cmd, wall_seconds, loadavg_1min}, the failure with its reason, or a skip
    the program announced with a `skipped` event."""
    t0 = time.perf_counter()
    load = os.getloadavg()[0]  # kept with every run: a busy machine explains an outlier
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "failed", "reason": f"timed out after {timeout} s", "cmd": cmd}
    except OSError as e:
        return {"status": "failed", "reason": str(e), "cmd": cmd}
    evs = parse(p.stdout)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["(no message)"])[-1]
        return {"status": "failed", "reason": f"exit {p.returncode}: {tail}", "cmd": cmd,
                "events": evs, "wall_seconds": wall}
    skipped = [e for e in evs if e.get("event") == "skipped"]
    if skipped:
        return {"status": "skipped", "reason": skipped[0].get("reason"), "cmd": cmd}
    return {"status": "ok", "events": evs, "cmd": cmd, "wall_seconds": wall, "loadavg_1min": load}
