"""The JSON-lines output of latent's programs and the peers: one event object per line, other
lines (tables, messages) passed over."""
import json


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
