"""Seed sweep of the census claims: the verdict must be the same at every seed.

For every claim with a census (the variance inequalities of the VPG section), runs the checker at
seeds 0..N−1 and prints, per claim: the verdicts seen, how many seeds the census's random draws
found the violation, how many needed the guided search, the search effort (evaluations: median,
max) and the smallest relative margin the draws reached.  Exits 1 if any claim's verdict differs
between seeds.

Run: ``python benchmarks/bench_seeds.py [--seeds 200] [--jobs 2] [--claims GLOB]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def one(args: tuple[str, int]) -> tuple[str, int, str, dict, float]:
    from pgverify.checker import Settings, check_claim
    from pgverify.registry import select

    cid, seed = args
    t = time.perf_counter()
    r = check_claim(select([cid])[0], Settings(seed=seed))
    census = next(c for c in r.checks if c.method == "census")
    return cid, seed, r.verdict, census.details, time.perf_counter() - t


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=200)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--claims", default=None, help="a glob of claim ids (default: every claim with a census)")
    args = p.parse_args()
    from pgverify.registry import all_claims, select

    claims = [c.id for c in (select([args.claims]) if args.claims else all_claims()) if c.census is not None]
    jobs = [(cid, seed) for cid in claims for seed in range(args.seeds)]
    t = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(one, jobs, chunksize=4))
    wall = time.perf_counter() - t
    same = True
    for cid in claims:
        rows = [r for r in results if r[0] == cid]
        verdicts = Counter(r[2] for r in rows)
        by_draws = sum(1 for r in rows if r[3]["held_on"] < r[3]["drawn"])
        searched = [r[3]["search"] for r in rows if r[3]["search"].get("ran")]
        found = sum(1 for s in searched if s["found"])
        evals = [s["evaluations"] for s in searched]
        closest = min(float(r[3]["search"]["closest_drawn_margin_float"]) for r in rows)
        print(f"{cid}: verdicts {dict(verdicts)} over seeds 0..{args.seeds - 1}; violation found by the random "
              f"draws at {by_draws} seeds, by the guided search at {found} of {len(searched)} seeds it ran"
              + (f" (evaluations median {statistics.median(evals):.0f}, max {max(evals)})" if evals else "")
              + f"; smallest drawn relative margin {closest:.3g}; {statistics.mean(r[4] for r in rows):.2f} s/seed")
        same = same and len(verdicts) == 1
    print(f"{len(jobs)} checks in {wall:.0f} s wall with {args.jobs} workers; "
          f"{'identical verdicts at every seed' if same else 'VERDICTS DIFFER BETWEEN SEEDS'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
