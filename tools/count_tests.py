"""Counts test cases in a meson testlog.json: Criterion's synthesis line where a test printed
one, the selftest's own summary line, and otherwise the meson test itself as one case."""
import json
import re
import sys

synth = re.compile(r"Synthesis: Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+) \| Crashing: (\d+)")
plain = re.compile(r"^[\w-]*:? ?(\d+) passed, (\d+) failed", re.M)
passed = failed = 0
with open(sys.argv[1]) as f:
    for line in f:
        t = json.loads(line)
        out = (t.get("stdout") or "") + (t.get("stderr") or "")
        m = synth.findall(out)
        if m:
            _, p, fl, cr = (int(x) for x in m[-1])
            passed += p
            failed += fl + cr
            if t["result"] not in ("OK", "SKIP") and fl + cr == 0:
                failed += 1  # the executable failed outside any case (a crash, a timeout)
            continue
        m = plain.findall(out)
        if m:
            passed += int(m[-1][0])
            failed += int(m[-1][1])
            continue
        if t["result"] == "OK":
            passed += 1
        elif t["result"] != "SKIP":
            failed += 1
print(passed, failed)
