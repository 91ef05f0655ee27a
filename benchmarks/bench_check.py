"""Wall time of the whole default ``pgverify check`` (design.md §6: ≤ 30 s on 2 cores, aim 10 s).

Measured twice in one run, in a fresh cache directory: cold (every symbolic proof computed) and warm
(symbolic proofs read from the disk cache, everything else — exact points, Hypothesis examples, census,
counterexample searches — recomputed).  Prints the per-method CPU seconds too.

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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--jobs", type=int, default=None)
    args = p.parse_args()
    os.environ["PGVERIFY_CACHE_DIR"] = tempfile.mkdtemp(prefix="pgverify-bench-cache-")
    from pgverify import api
    from pgverify.checker import Settings

    for label in ("cold", "warm"):
        t = time.perf_counter()
        run = api.check(None, Settings(), jobs=args.jobs)
        wall = time.perf_counter() - t
        per_method: dict[str, float] = defaultdict(float)
        for r in run.results:
            for c in r.checks:
                per_method[c.method] += c.seconds
        methods = ", ".join(f"{m} {s:.1f}" for m, s in per_method.items())
        print(f"pgverify check ({label} cache), {len(run.results)} claims: {wall:.1f} s wall "
              f"(target <= 30 s, aim 10 s); check seconds by method: {methods}")


if __name__ == "__main__":
    main()
