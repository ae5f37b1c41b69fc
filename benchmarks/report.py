#!/usr/bin/python3
# Turns a results.json of the peer suite into table.md (ratios side by side) and PNG charts.
"""Usage: /usr/bin/python3 benchmarks/report.py RESULTS_DIR  (rewrites table.md and the PNGs)"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
from peer_io import reference_blas  # noqa: E402

PEER_ORDER = ("torch", "sklearn", "faiss", "openblas")


def stat(contender, key):
    if not contender or contender.get("status") != "ok":
        return None
    s = (contender.get("stats") or {}).get(key)
    return s if s and s.get("median") is not None else None


def cell(contender, key, scale=1.0, digits=3):
    """'median [min-max]' of one figure, or why it is missing."""
    if not contender:
        return "-"
    if contender.get("status") != "ok":
        return contender.get("status", "?")
    s = stat(contender, key)
    if not s:
        return "n/a"
    f = lambda v: f"{v * scale:.{digits}g}"  # noqa: E731
    if len(s["values"]) == 1:
        return f(s["median"])
    return f"{f(s['median'])} [{f(s['min'])}-{f(s['max'])}]"


def value(contender, key, scale=1.0, digits=4):
    s = stat(contender, key)
    return f"{s['median'] * scale:.{digits}g}" if s else (contender or {}).get("status", "-")


def ratio(task, peer):
    """How many times faster latent is than the peer: peer median / latent median."""
    key = task["primary"]
    lat, other = stat(task["contenders"].get("latent"), key), stat(task["contenders"].get(peer), key)
    if not lat or not other or lat["median"] <= 0 or other["median"] <= 0:
        return None
    return other["median"] / lat["median"]


def fmt_ratio(r):
    return f"**{r:.2f}x**" if r is not None else "-"


def reasons(tasks):
    """Each distinct skip or failure reason once, for the notes under the tables."""
    seen = {}
    for t in tasks:
        for name, c in t.get("contenders", {}).items():
            if c.get("status") in ("skipped", "failed"):
                seen.setdefault(f"{name} {c['status']}: {c.get('reason')}", []).append(t["name"])
        for key in ("latent_bench_gemm", "latent_bench_kernels", "gemm_vs_openblas"):
            c = t.get(key)
            if c and c.get("status") in ("skipped", "failed"):
                seen.setdefault(f"{key} {c['status']}: {c.get('reason')}", []).append(t["name"])
    return [f"- {r} ({len(ts)} task{'s' if len(ts) > 1 else ''})" for r, ts in seen.items()]


def load_line(res):
    """The 1-minute load average seen as each run started: a shared machine shows here."""
    runs = [r for t in res["tasks"] for c in t.get("contenders", {}).values() for r in c.get("runs", [])]
    runs += [r for t in res["tasks"] for rs in t.get("runs", {}).values() for r in rs]  # kernels
    loads = [r["loadavg_1min"] for r in runs if "loadavg_1min" in r]
    if not loads:
        return "Load average: not recorded."
    loads.sort()
    cpus = res["machine"]["usable_cpus"]
    line = (f"Load average (1 min) as runs started: median {loads[len(loads) // 2]:.1f}, "
            f"max {loads[-1]:.1f}, on {cpus} CPUs.")
    if loads[len(loads) // 2] > cpus:
        line += (" **The machine was busy with other work: absolute times are inflated, "
                 "multi-thread runs most (OpenMP barriers wait for descheduled threads); "
                 "read the side-by-side ratios.**")
    return line


def machine_lines(res):
    m = res["machine"]
    lat = m.get("latent", {})
    isa = (lat.get("json") or {}).get("isa_used") or (lat.get("text") if lat.get("available") else None)
    libs = m.get("libraries", {})
    ob = m.get("openblas", {})
    return [
        f"Run {res['date']}, mode `{res['mode']}`, {res['elapsed_seconds'] / 60:.1f} min.",
        f"Machine: {m['cpu']['model']}, {m['usable_cpus']} usable CPUs, {m.get('memory_gib')} GiB; "
        f"SIMD: {', '.join(m['cpu']['simd_flags'])}; latent ISA used: {isa or 'n/a (no latent binary)'}.",
        "Peers: " + ", ".join(f"{k} {v}" for k, v in libs.items() if v) +
        f"; OpenBLAS {ob.get('package_version')} (picks core type {ob.get('corename')} by itself; "
        f"the environment sets {ob.get('environment_coretype')}).",
        load_line(res),
        "Figures: median [min-max] over the repetitions, contenders alternated, same threads on "
        "both sides. Speedup = peer time / latent time (above 1: latent is faster).",
    ]


def peer_blas_lines(tasks):
    """Which BLAS PyTorch ran on (Debian's PyTorch takes whatever libblas.so.3 points at): a
    warning when it was the reference BLAS, whose GEMMs make PyTorch's figures meaningless."""
    libs = set()
    for t in tasks:
        for run in (t.get("contenders", {}).get("torch") or {}).get("runs", []):
            for e in run.get("events", []):
                if e.get("blas"):
                    libs.add(e["blas"])
    if not libs:
        return []
    out = [f"PyTorch's BLAS: {', '.join(sorted(libs))}.", ""]
    if any(reference_blas(lib) for lib in libs):
        out += ["**Warning: PyTorch ran on the reference BLAS (libopenblas not installed: "
                "`apt-get install libopenblas-dev`); its GEMMs, and so its figures here, are "
                "several times slower than a real installation's. Do not quote these ratios.**", ""]
    return out


def training_table(tasks):
    rows = [t for t in tasks if t["section"] == "training"]
    if not rows:
        return []
    out = ["## Training (seconds per epoch, training only)", "",
           f"Architectures of the models issue; {rows[0]['rows']} training rows, "
           "batch 256; test MSE and negative ELBO on the 10000 test images after the same epochs.", "",
           "| model | thr | epochs | latent s/epoch | torch s/epoch | speedup | latent metric | torch metric | metric |",
           "|---|---|---|---|---|---|---|---|---|"]
    for t in rows:
        c = t["contenders"]
        out.append(f"| {t['model']} | {t['threads']} | {t['epochs']} | {cell(c.get('latent'), 'epoch_seconds')} "
                   f"| {cell(c.get('torch'), 'epoch_seconds')} | {fmt_ratio(ratio(t, 'torch'))} "
                   f"| {value(c.get('latent'), t['quality'])} | {value(c.get('torch'), t['quality'])} "
                   f"| {t['quality_name']} |")
    return out + [""]


CONV_PARTS = ("gflops", "forward_ms", "weights_ms", "data_ms")


def conv_table(tasks, peak):
    rows = [t for t in tasks if t["section"] == "conv"]
    if not rows:
        return []
    out = ["## Convolution layers (ms per batch of 256: forward + weight and data gradients)", "",
           "The DCGAN's layers as `latent bench conv` and PyTorch's F.conv2d / F.conv_transpose2d "
           "(peers/torch_conv.py) run them; GFLOP/s = 3 x the forward pass's; the share of the FMA "
           "peak where the kernels section measured it; latent's forward / weights / data split.", "",
           "| layer | thr | latent ms | torch ms | speedup | latent GFLOP/s | of peak | torch GFLOP/s | latent fwd / wgt / data ms |",
           "|---|---|---|---|---|---|---|---|---|"]
    isa = None
    for (i, t) in peak:
        if t == 1 and (isa is None or i.startswith("avx512")):
            isa = i
    for t in rows:
        c = t["contenders"]
        lat, tor = c.get("latent"), c.get("torch")
        # the layers in the order the runs list them; the other figures are "LAYER part"
        layers = []
        for r in (lat or {}).get("runs", []) + (tor or {}).get("runs", []):
            for k in r["figures"]:
                if k.rsplit(" ", 1)[-1] not in CONV_PARTS and k not in layers:
                    layers.append(k)
        for layer in layers:
            sl, st = stat(lat, layer), stat(tor, layer)
            speed = f"**{st['median'] / sl['median']:.2f}x**" if sl and st else "-"
            gl = (stat(lat, f"{layer} gflops") or {}).get("median")
            gt = (stat(tor, f"{layer} gflops") or {}).get("median")
            pk = peak_for(peak, isa, t["threads"]) if isa else None
            parts = " / ".join(value(lat, f"{layer} {p}", digits=3)
                               for p in CONV_PARTS[1:])
            out.append(f"| {layer} | {t['threads']} | {cell(lat, layer)} | {cell(tor, layer)} | {speed} "
                       f"| {f'{gl:.1f}' if gl else '-'} | {f'{100 * gl / pk:.0f}%' if gl and pk else '-'} "
                       f"| {f'{gt:.1f}' if gt else '-'} | {parts} |")
    return out + [""]


def kmeans_table(tasks):
    rows = [t for t in tasks if t["section"] == "kmeans"]
    out = []
    if rows:
        t0 = rows[0]
        out += ["## k-means (Lloyd, 60000 x 784 Fashion-MNIST, float32, same explicit init)", "",
                f"max_iter {t0['max_iter']}, tol {t0['tol']}; init: {t0['init']}. FAISS runs the "
                "iterations scikit-learn needed in the same repetition (it has no tol) and uses every "
                "row (max_points_per_centroid large). scikit-learn's time per iteration is its Lloyd "
                "step timed inside KMeans.fit; its time to converge is the whole fit.", "",
                "| k | thr | latent ms/iter | sklearn ms/iter | faiss ms/iter | vs sklearn | vs faiss "
                "| n_iter l/s/f | to converge s l/s/f | inertia latent | inertia sklearn | inertia faiss |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for t in rows:
            c = t["contenders"]
            n_iter = "/".join(value(c.get(p), "n_iter") for p in ("latent", "sklearn", "faiss"))
            conv = "/".join(value(c.get(p), "converge_seconds", digits=3) for p in ("latent", "sklearn", "faiss"))
            out.append(
                f"| {t['k']} | {t['threads']} | {cell(c.get('latent'), 'iter_seconds', 1e3)} "
                f"| {cell(c.get('sklearn'), 'iter_seconds', 1e3)} | {cell(c.get('faiss'), 'iter_seconds', 1e3)} "
                f"| {fmt_ratio(ratio(t, 'sklearn'))} | {fmt_ratio(ratio(t, 'faiss'))} | {n_iter} | {conv} "
                f"| {value(c.get('latent'), 'inertia', digits=9)} | {value(c.get('sklearn'), 'inertia', digits=9)} "
                f"| {value(c.get('faiss'), 'inertia', digits=9)} |")
        out.append("")
    init = [t for t in tasks if t["section"] == "kmeans-init"]
    if init:
        out += ["## k-means++ init (greedy; FAISS has none)", "",
                "| k | thr | latent s | sklearn s | speedup |", "|---|---|---|---|---|"]
        for t in init:
            c = t["contenders"]
            out.append(f"| {t['k']} | {t['threads']} | {cell(c.get('latent'), 'init_seconds')} "
                       f"| {cell(c.get('sklearn'), 'init_seconds')} | {fmt_ratio(ratio(t, 'sklearn'))} |")
        out.append("")
    return out


def gemm_points(task):
    """Normalized GEMM figures from the kernel section's raw runs: dicts with source, impl,
    shape, threads, gflops (medians over repetitions), and the FMA peaks by thread count."""
    groups, peaks = {}, {}
    for source, runs in task.get("runs", {}).items():
        for run in runs:
            if run.get("status") != "ok":
                continue
            for e in run.get("events", []):
                if "fma_peak_gflops" in e:
                    # `latent bench gemm --json`: one line per (isa, threads), one key per
                    # LAYOUT_MxKxN, the FMA peak and the fused k-means assignment rate.
                    isa, th = e.get("isa", "?"), e.get("threads")
                    peaks.setdefault((isa, th), []).append(e["fma_peak_gflops"])
                    for key, v in e.items():
                        m = re.match(r"^(NN|NT|TN)_(\d+)x(\d+)x(\d+)$", key)
                        if m:
                            groups.setdefault((source, isa, ",".join(m.groups()[1:]), m.group(1), th), []).append(v)
                        elif key == "kmeans_assign_gflops":
                            groups.setdefault((source, isa, "k-means assign", "", th), []).append(v)
                    continue
                g = next((e[k] for k in ("gflops", "GFLOPS", "gflop_s") if k in e), None)
                threads = e.get("threads")
                if "peak" in str(e.get("event", "")) or "peak_gflops" in e:
                    p = e.get("peak_gflops", g)
                    if p is not None:
                        peaks.setdefault((e.get("isa") or e.get("variant") or "", threads), []).append(p)
                    continue
                if g is None:
                    continue
                if all(k in e for k in ("m", "n", "k")):
                    shape = f"{e['m']},{e['k']},{e['n']}"
                else:
                    shape = str(e.get("shape", "?"))
                impl = str(e.get("impl") or e.get("variant") or e.get("isa") or e.get("name") or source)
                if source == "gemm_vs_openblas" and "openblas" in impl.lower():
                    impl = f"{impl} ({run.get('coretype')})"
                key = (source, impl, shape, e.get("layout", ""), threads)
                groups.setdefault(key, []).append(g)
    import statistics
    points = [{"source": s, "impl": i, "shape": sh, "layout": lay, "threads": th,
               "gflops": statistics.median(v), "min": min(v), "max": max(v)}
              for (s, i, sh, lay, th), v in groups.items()]
    peak = {k: statistics.median(v) for k, v in peaks.items()}
    return points, peak


def peak_for(peak, isa, threads):
    """The FMA peak of an ISA at a thread count: measured there, else the 1-thread peak times
    the threads (the comparison program measures one thread)."""
    if (isa, threads) in peak:
        return peak[(isa, threads)]
    if (isa, 1) in peak and isinstance(threads, int):
        return peak[(isa, 1)] * threads
    return None


def latent_bench_table(points, peak):
    """`latent bench gemm`: GFLOP/s per level and thread count, and % of that level's peak."""
    cols = sorted({(p["impl"], p["threads"]) for p in points}, key=str)
    head = ["layout", "M,K,N"] + [f"{i} {t} thr" for i, t in cols]
    out = ["`latent bench gemm` (GFLOP/s, % of the FMA peak of that level and thread count):", "",
           "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for lay, sh in sorted({(p["layout"], p["shape"]) for p in points}, key=lambda r: (r[1] == "k-means assign", r)):
        line = [lay, sh]
        for i, t in cols:
            v = [p["gflops"] for p in points if (p["impl"], p["threads"], p["layout"], p["shape"]) == (i, t, lay, sh)]
            pk = peak.get((i, t))
            line.append(f"{v[0]:.1f} ({100 * v[0] / pk:.0f}%)" if v and pk else (f"{v[0]:.1f}" if v else "-"))
        out.append("| " + " | ".join(line) + " |")
    return out + [""]


def gemm_table(tasks):
    ks = [t for t in tasks if t["section"] == "kernels"]
    if not ks:
        return [], [], {}
    points, peak = gemm_points(ks[0])
    out = ["## SGEMM (GFLOP/s; shape M,K,N; C = op(A) op(B))", "",
           f"OpenBLAS picks core type {ks[0]['openblas_picks']} on this CPU; it ran with "
           f"OPENBLAS_CORETYPE = {', '.join(ks[0]['coretypes'])}. Medians over the runs.", ""]
    if peak:
        out.append("FMA peak measured in the same run: " + ", ".join(
            f"{isa} {th} thr {p:.0f}" for (isa, th), p in sorted(peak.items(), key=str)) + " GFLOP/s.")
        out.append("")
    if not points:
        return out + ["No GEMM figures in this run (see the notes).", ""], points, peak
    bench = [p for p in points if p["source"] == "latent_bench_gemm"]
    versus = [p for p in points if p["source"] == "gemm_vs_openblas"]
    if bench:
        out += latent_bench_table(bench, peak)
    if not versus:
        return out + ["No OpenBLAS comparison in this run (see the notes).", ""], bench, peak
    points = versus
    rounds = ks[0].get("gemm_rounds")
    out += [f"latent beside OpenBLAS (gemm_vs_openblas --only, each library in its own process, "
            f"the processes alternating{f' over {rounds} round(s)' if rounds else ''}; median "
            "[min-max] over the processes):", ""]
    impls = sorted({p["impl"] for p in points}, key=lambda i: ("openblas" in i, i))
    latent_impls = [i for i in impls if "openblas" not in i]
    blas = [i for i in impls if "openblas" in i]
    best = latent_impls[-1] if latent_impls else None  # the widest level sorts last (avx512)
    # The widest level against each OpenBLAS core type, and AVX2 against OpenBLAS's AVX2 kernels.
    pairs = [(best, b) for b in blas] + [("avx2", b) for b in blas if "Haswell" in b and best != "avx2"]
    pairs = [(l, b) for l, b in pairs if l in latent_impls]
    head = ["thr", "layout", "M,K,N"] + impls + [f"{l} / {b}" for l, b in pairs] + \
        ([f"{best} % of peak"] if best and peak else [])
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    rows = sorted({(p["threads"], p["layout"], p["shape"]) for p in points}, key=str)
    for th, lay, sh in rows:
        here = {p["impl"]: p for p in points if (p["threads"], p["layout"], p["shape"]) == (th, lay, sh)}
        at = {i: p["gflops"] for i, p in here.items()}
        line = [str(th), lay, sh] + [
            (f"{at[i]:.1f} [{here[i]['min']:.0f}-{here[i]['max']:.0f}]" if here[i]["min"] < here[i]["max"]
             else f"{at[i]:.1f}") if i in at else "-" for i in impls]
        for l, b in pairs:
            line.append(f"**{at[l] / at[b]:.2f}**" if l in at and b in at and at[b] > 0 else "-")
        if best and peak:
            pk = peak_for(peak, best, th)
            line.append(f"{100 * at[best] / pk:.0f}%" if pk and best in at else "-")
        out.append("| " + " | ".join(line) + " |")
    return out + [""], points, peak


def elementwise_table(tasks):
    """`latent bench kernels`: each elementwise kernel per level, GB/s with its operands in
    memory (and its share of the triad bandwidth measured in the same run) and in cache; the
    fused k-means assignment in GFLOP/s against that level's FMA peak."""
    import statistics
    ks = [t for t in tasks if t["section"] == "kernels"]
    runs = [r for t in ks for r in t.get("runs", {}).get("latent_bench_kernels", []) if r.get("status") == "ok"]
    if not runs:
        return []
    cells, copy = {}, []
    for r in runs:
        for e in r.get("events", []):
            if e.get("event") == "bench_memory":
                copy.append(e.get("triad_gbps"))
            elif e.get("event") == "bench_kernel":
                if "gflops" in e:
                    cells.setdefault((e["kernel"], e["isa"], "gflops"), []).append(e["gflops"])
                    cells.setdefault((e["kernel"], e["isa"], "peak"), []).append(e.get("peak_fraction"))
                else:
                    cells.setdefault((e["kernel"], e["isa"], e["resident"]), []).append(e["gbps"])
                    if "mem_fraction" in e:
                        cells.setdefault((e["kernel"], e["isa"], "frac"), []).append(e["mem_fraction"])
    med = {k: statistics.median([v for v in vs if v is not None]) for k, vs in cells.items()
           if any(v is not None for v in vs)}
    isas = sorted({k[1] for k in med}, key=lambda i: ("scalar", "neon", "avx2", "avx512").index(i)
                  if i in ("scalar", "neon", "avx2", "avx512") else 9)
    head = ["kernel"] + [f"{i} {w}" for i in isas for w in ("in memory", "in cache")]
    out = ["## Elementwise and k-means kernels (`latent bench kernels`)", "",
           "GB/s of operands read and written, medians over the runs; in memory: 16M elements, with "
           "the share of the triad bandwidth"
           + (f" measured in the same run ({statistics.median(copy):.1f} GB/s)" if copy else "")
           + "; in cache: 16K elements. k-means assign: GFLOP/s and share of the FMA peak.", "",
           "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for kern in sorted({k[0] for k in med}, key=lambda n: (n == "kmeans_assign", n)):
        line = [kern]
        for i in isas:
            if (kern, i, "gflops") in med:
                pk = med.get((kern, i, "peak"))
                line += [f"{med[(kern, i, 'gflops')]:.1f} GFLOP/s" + (f" ({100 * pk:.0f}% of peak)" if pk else ""), "-"]
                continue
            m, f, c = med.get((kern, i, "memory")), med.get((kern, i, "frac")), med.get((kern, i, "cache"))
            line.append(f"{m:.1f}" + (f" ({100 * f:.0f}%)" if f else "") if m is not None else "-")
            line.append(f"{c:.1f}" if c is not None else "-")
        out.append("| " + " | ".join(line) + " |")
    return out + [""]


def scaling_table(tasks):
    rows = [t for t in tasks if t["section"] == "scaling"]
    if not rows:
        return []
    out = ["## Scaling (latent alone)", "", "| task | thr | latent | speedup over 1 thread |",
           "|---|---|---|---|"]
    base = {}
    for t in rows:
        s = stat(t["contenders"].get("latent"), t["primary"])
        if t["threads"] == 1 and s:
            base[t["model"]] = s["median"]
    for t in rows:
        lat = t["contenders"].get("latent")
        s = stat(lat, t["primary"])
        unit = "s/epoch" if t["primary"] == "epoch_seconds" else "s/iter"
        sp = f"{base[t['model']] / s['median']:.2f}x" if s and t["model"] in base else "-"
        out.append(f"| {t['model']} {unit} | {t['threads']} | {cell(lat, t['primary'])} | {sp} |")
    return out + [""]


def charts(res, outdir, points, peak):
    """speedup.png (bars of latent's speedup per task and peer), times.png (every contender's
    median with its min-max range, so a run without latent still shows the peers) and
    gemm.png (GFLOP/s per shape against the FMA peak line). Returns the files written."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []
    tasks = [t for t in res["tasks"] if t["section"] in ("training", "kmeans", "kmeans-init")]

    bars = [(t["name"], peer, ratio(t, peer)) for t in tasks for peer in PEER_ORDER
            if peer in t["contenders"] and ratio(t, peer) is not None]
    if bars:
        fig, ax = plt.subplots(figsize=(10, 0.35 * len(bars) + 1.5))
        colors = {"torch": "tab:red", "sklearn": "tab:orange", "faiss": "tab:blue"}
        ax.barh(range(len(bars)), [b[2] for b in bars], color=[colors.get(b[1], "gray") for b in bars])
        ax.set_yticks(range(len(bars)), [f"{n} vs {p}" for n, p, _ in bars], fontsize=8)
        ax.axvline(1.0, color="black", lw=1)
        ax.invert_yaxis()
        ax.set_xlabel("latent speedup (peer time / latent time)")
        ax.set_title("latent vs peers, same machine, same threads")
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "speedup.png"), dpi=110)
        plt.close(fig)
        written.append("speedup.png")

    sections = [s for s in ("training", "kmeans", "kmeans-init") if any(t["section"] == s for t in tasks)]
    if sections:
        fig, axes = plt.subplots(len(sections), 1, figsize=(11, 3.2 * len(sections)), squeeze=False)
        for ax, sec in zip(axes[:, 0], sections):
            ts = [t for t in tasks if t["section"] == sec]
            names = sorted({n for t in ts for n in t["contenders"]}, key=lambda n: (n != "latent", n))
            width = 0.8 / max(len(names), 1)
            for j, name in enumerate(names):
                xs, ys, lo, hi = [], [], [], []
                for i, t in enumerate(ts):
                    s = stat(t["contenders"].get(name), t["primary"])
                    if s:
                        xs.append(i + j * width)
                        ys.append(s["median"])
                        lo.append(s["median"] - s["min"])
                        hi.append(s["max"] - s["median"])
                if xs:
                    ax.bar(xs, ys, width, yerr=[lo, hi], capsize=2, label=name)
            ax.set_xticks([i + 0.4 - width / 2 for i in range(len(ts))],
                          [t["name"] for t in ts], fontsize=7, rotation=20, ha="right")
            ax.set_yscale("log")
            ax.set_ylabel({"training": "s / epoch", "kmeans": "s / iteration",
                           "kmeans-init": "s (k-means++)"}[sec])
            ax.legend(fontsize=8)
        fig.suptitle("median time, min-max bars (lower is better)")
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "times.png"), dpi=110)
        plt.close(fig)
        written.append("times.png")

    if points:
        threads = sorted({p["threads"] for p in points}, key=str)
        fig, axes = plt.subplots(1, len(threads), figsize=(7 * len(threads), 4.5), squeeze=False)
        for ax, th in zip(axes[0], threads):
            ps = [p for p in points if p["threads"] == th]
            shapes = sorted({p["shape"] + (" " + p["layout"] if p["layout"] else "") for p in ps})
            impls = sorted({p["impl"] for p in ps})
            width = 0.8 / max(len(impls), 1)
            for j, impl in enumerate(impls):
                xs, ys = [], []
                for i, sh in enumerate(shapes):
                    v = [p["gflops"] for p in ps if p["impl"] == impl and
                         p["shape"] + (" " + p["layout"] if p["layout"] else "") == sh]
                    if v:
                        xs.append(i + j * width)
                        ys.append(v[0])
                ax.bar(xs, ys, width, label=impl)
            for isa in sorted({i for i, _ in peak}):
                p = peak_for(peak, isa, th)
                if p:
                    ax.axhline(p, ls="--", lw=1, color="black")
                    ax.text(0, p, f" FMA peak {isa} x {th} thr: {p:.0f}", va="bottom", fontsize=7)
            ax.set_xticks([i + 0.4 - width / 2 for i in range(len(shapes))], shapes, rotation=25,
                          ha="right", fontsize=7)
            ax.set_ylabel("GFLOP/s")
            ax.set_title(f"SGEMM, {th} thread(s)")
            ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "gemm.png"), dpi=110)
        plt.close(fig)
        written.append("gemm.png")
    return written


def write(res, outdir):
    """Writes table.md and the charts into outdir; returns the table's text."""
    gemm_lines, points, peak = gemm_table(res["tasks"])
    lines = ["# latent beside its peers", ""] + machine_lines(res) + [""] + peer_blas_lines(res["tasks"])
    lines += gemm_lines + elementwise_table(res["tasks"]) + conv_table(res["tasks"], peak) + training_table(res["tasks"]) + kmeans_table(res["tasks"]) + scaling_table(res["tasks"])
    notes = reasons(res["tasks"])
    if notes:
        lines += ["## Skipped or failed", ""] + notes + [""]
    pngs = charts(res, outdir, points, peak)
    if pngs:
        lines += ["Charts: " + ", ".join(pngs), ""]
    text = "\n".join(lines)
    with open(os.path.join(outdir, "table.md"), "w") as f:
        f.write(text)
    return text


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(os.path.join(sys.argv[1], "results.json")) as f:
        res = json.load(f)
    print(write(res, sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
