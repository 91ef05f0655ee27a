"""Wall time of the whole default ``pgverify check`` (design.md §6: ≤ 10 s cold on 2 cores).

Measured twice in one run, in a fresh cache directory: cold (every symbolic proof computed) and warm
(symbolic proofs read from the disk cache, everything else — exact points, Hypothesis examples, census,
counterexample searches — recomputed).  Prints the wall time, the CPU seconds of this process and of the
worker processes (``--jobs``, default one per CPU; the figure to compare on a loaded machine, where wall
times are not), the per-method check seconds (the counterexample searches are not among them), and the ten
slowest claims of the cold run with their dominant method.  The machine's load average is printed with the figures: on a
shared machine, figures measured under load are labelled so.

Run: ``python benchmarks/bench_check.py [--jobs N]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def load_label() -> str:
    try:
        load = os.getloadavg()[0]
    except OSError:
        return "load unknown"
    cpus = os.cpu_count() or 1
    return f"load average {load:.1f} on {cpus} CPUs" + (" — UNDER LOAD" if load > 0.5 * cpus else "")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--jobs", type=int, default=None)
    args = p.parse_args()
    os.environ["PGVERIFY_CACHE_DIR"] = tempfile.mkdtemp(prefix="pgverify-bench-cache-")
    from pgverify import api
    from pgverify.checker import Settings

    cold = None
    for label in ("cold", "warm"):
        before = load_label()
        t, cpu = time.perf_counter(), os.times()
        run = api.check(None, Settings(), jobs=args.jobs)
        wall = time.perf_counter() - t
        now = os.times()
        mine = now.user + now.system - cpu.user - cpu.system
        workers = now.children_user + now.children_system - cpu.children_user - cpu.children_system
        per_method: dict[str, float] = defaultdict(float)
        for r in run.results:
            for c in r.checks:
                per_method[c.method] += c.seconds
        methods = ", ".join(f"{m} {s:.1f}" for m, s in per_method.items())
        print(f"pgverify check ({label} cache), {len(run.results)} claims: {wall:.1f} s wall (target <= 10 s cold), "
              f"{mine + workers:.1f} CPU-s ({mine:.1f} in this process, {workers:.1f} in worker processes; CPU "
              f"seconds are the figure to compare on a loaded machine); check seconds by method: {methods}  "
              f"[{before} before, {load_label()} after]")
        cold = cold or run
    print("slowest ten claims (cold): seconds, claim, dominant method (its seconds, family)")
    rows = []
    for r in cold.results:
        total = sum(c.seconds for c in r.checks)
        top = max(r.checks, key=lambda c: c.seconds, default=None)
        rows.append((total, r.claim.id, top))
    for total, cid, top in sorted(rows, key=lambda x: -x[0])[:10]:
        what = f"{top.method} ({top.seconds:.2f} s, {top.family})" if top else "-"
        print(f"  {total:6.2f} s  {cid:48s} {what}")


if __name__ == "__main__":
    main()
