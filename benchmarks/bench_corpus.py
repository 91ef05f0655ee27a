"""The corpus of displays quoted from public RL texts (tests/corpus): how much of the literature pgverify reads.

Per text and in total: displays; read as written (a verdict other than a refusal, no annotation); read with
annotations (a verdict other than a refusal, the entry's annotations given); refused (undecided, or ill-formed
where that is not the expected verdict), and among them refusals whose reason names no construct; verdicts as
expected; FALSE verdicts (proved/verified where the display is false, refuted where it is true — the soundness bar
is 0).  Every display is checked alone through :func:`pgverify.documents.verify_document` (what ``pgverify verify``
calls), with its profile and annotations, at the given seed, in a child process killed after ``--time-limit``
seconds.

Run: ``python benchmarks/bench_corpus.py [--seed 0] [--time-limit 60] [--json] [--only TEXT] [--heldout]
[--refusals] [--cache] [--corpus DIR]``.

Measured 2026-12-08 01:25 UTC on this branch's base (main at 0ae2b15: the notation before issues 17, 18 and 22
land), seed 0, time limit 60 s, on the shared 2-core machine under load (28 s quiet, 148 s at load 12):
``python benchmarks/bench_corpus.py`` and ``--heldout``:

* main set, 9 texts, 103 displays (10 algorithm-box statements, 21 slips): read as written 2, read with
  annotations 0, refused 101 (0 naming no construct), as expected 7 (7 %), FALSE 0;
* held-out set, 9 texts, 24 displays (8 slips, 1 box): read 0, refused 24 (0 naming no construct), as expected 4,
  FALSE 0.

What is refused: 69 of the main set's displays name a profile the issues ask for and main does not ship yet
(``spinningup`` 25, ``theory`` 23, ``sutton-barto`` 16, ``cs285`` 5); the rest stop at a construct the reader does
not know (∫ over trajectories, E_x, β, H, \\text{old}, Â, \\color, a ``define`` whose right side uses δ, an
assignment ←).  Read as written: w.objective-Q (proved) and the post's REINFORCE box (ill-formed: ĝ_n's n is free
on the left); the 5 other expected verdicts are refusals of definitions.  No false verdict.

The same corpus against the helpers' branches as committed at 01:10-01:25 (each branch alone, ``PYTHONPATH`` on a
``git archive`` of it, the boxes corpus of the ``boxes`` branch added under ``boxes/``): see the report of the
``corpus`` branch; none gave a false verdict on the main set.

Measured again 2026-12-08 02:45 UTC on main after every merge of that day (cdd9c9d; run from a checkout with
``PYTHONPATH`` set to it — an editable install elsewhere would be measured instead), seed 0, 96 s at low load:

* main set, 15 texts (the 12 boxes in ``boxes/`` included), 115 displays: read as written 23, read with annotations
  23, refused 69 (0 naming no construct), as expected 63 (55 %), FALSE 0;
* held-out set, 24 displays: read 7 + 3, refused 14 (0 naming no construct), as expected 15 (62 %), FALSE 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "corpus"))

from corpus import Outcome, load_corpus, names_a_construct, run_entry  # noqa: E402

COLUMNS = ("displays", "as_written", "with_annotations", "refused", "refused_unnamed", "as_expected", "false")
#: The table's column heads (the JSON keeps the names above).
HEADS = ("displays", "as written", "annotated", "refused", "unnamed", "as expected", "FALSE")


def tally(outcomes: list[Outcome]) -> dict[str, int]:
    """The figures of a list of outcomes (one row of the table)."""
    return {
        "displays": len(outcomes),
        "as_written": sum(o.read and not o.entry.annotations for o in outcomes),
        "with_annotations": sum(o.read and bool(o.entry.annotations) for o in outcomes),
        "refused": sum(o.refused for o in outcomes),
        "refused_unnamed": sum(o.refused and not names_a_construct(o.reason, o.entry.display) for o in outcomes),
        "as_expected": sum(o.as_expected for o in outcomes),
        "false": sum(o.false for o in outcomes),
    }


def _refused_construct(o: Outcome) -> str:
    """A short label of what a refusal refused (the reason's first clause)."""
    reason = o.reason.replace("\n", " ")
    for cut in (" at line ", "; "):
        reason = reason.split(cut, 1)[0]
    return reason[:90]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per display (default 60)")
    ap.add_argument("--json", action="store_true", help="one JSON object: per text, total, and every outcome")
    ap.add_argument("--only", default=None, help="only the texts whose file name contains this")
    ap.add_argument("--heldout", action="store_true", help="measure the held-out set instead of the main set")
    ap.add_argument("--refusals", action="store_true", help="list the constructs refused, most frequent first")
    ap.add_argument("--cache", action="store_true", help="use pgverify's display cache (default: off)")
    ap.add_argument("--corpus", type=Path, default=None, help="the corpus directory (default: tests/corpus)")
    args = ap.parse_args(argv)

    roots = {} if args.corpus is None else {"root": args.corpus}
    texts = load_corpus(main=not args.heldout, heldout=args.heldout, **roots)
    if args.only:
        texts = tuple(t for t in texts if args.only in t.name)
    start = time.perf_counter()
    per_text: dict[str, list[Outcome]] = {}
    for t in texts:
        per_text[t.name] = [run_entry(e, seed=args.seed, time_limit=args.time_limit, cache=args.cache)
                            for e in t.entries]
        if not args.json:
            print(f"  {t.name}: {len(t.entries)} displays checked", file=sys.stderr, flush=True)
    every = [o for os_ in per_text.values() for o in os_]
    total = tally(every)
    seconds = time.perf_counter() - start
    if args.json:
        print(json.dumps({
            "seed": args.seed, "time_limit": args.time_limit, "heldout": args.heldout, "seconds": round(seconds, 1),
            "texts": {name: tally(os_) for name, os_ in per_text.items()}, "total": total,
            "outcomes": [{"id": o.entry.id, "text": o.entry.text, "expect": o.entry.expect, "verdict": o.verdict,
                          "as_expected": o.as_expected, "false": o.false, "read": o.read,
                          "seconds": round(o.seconds, 2), "reason": o.reason,
                          "restrictions": list(o.restrictions)} for o in every],
        }, indent=2, ensure_ascii=False))
        return 1 if total["false"] else 0
    head = f"{'text':<22}" + "".join(f"{c:>12}" for c in HEADS)
    print(head)
    print("-" * len(head))
    for name, os_ in per_text.items():
        row = tally(os_)
        print(f"{name:<22}" + "".join(f"{row[c]:>12}" for c in COLUMNS))
    print("-" * len(head))
    print(f"{'total':<22}" + "".join(f"{total[c]:>12}" for c in COLUMNS))
    n = max(total["displays"], 1)
    print(f"\nas expected {total['as_expected']}/{total['displays']} ({100 * total['as_expected'] / n:.0f} %), "
          f"read {total['as_written'] + total['with_annotations']}, refused {total['refused']} "
          f"({total['refused_unnamed']} naming no construct), FALSE {total['false']}; "
          f"seed {args.seed}, {seconds:.0f} s")
    for o in every:
        if o.false:
            print(f"FALSE: {o.entry.id}: expected {o.entry.expect}, got {o.verdict}")
    if args.refusals:
        print("\nrefused (most frequent first):")
        for label, k in Counter(_refused_construct(o) for o in every if o.refused).most_common():
            print(f"{k:>4}  {label}")
    return 1 if total["false"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
