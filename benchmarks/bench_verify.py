"""`pgverify verify post.md` against `pgverify check` on the same claims (design.md §6: verify ≤ 1.2× check;
parsing the post ≤ 1 s).

The claims are those the post's displays are annotated with (the side file of
``pgverify.notation``); both run sequentially in-process with the default
settings, in a fresh cache directory: cold (every symbolic proof computed), then
warm (symbolic proofs read from the disk cache; a display's proof is cached under
its own text, never under the catalogue's id).

Run: ``python benchmarks/bench_verify.py [--post PATH]``.

Measured 2026-11-27 on the shared 2-core machine under load (other helpers' test runs; figures vary ±50 %
between runs), after main's python-flint engine:

* parsing the post: 0.26–0.54 s (target ≤ 1 s), 64/64 lines;
* whole post vs the 26 claims its displays state: cold 7.2 s vs 7.9 s (0.90), warm 9.5 s vs 8.3 s (1.15),
  earlier run 15.5 s vs 15.6 s (1.00) and 12.8 s vs 14.5 s (0.88) — within 1.2;
* on the 18 claims whose displays are evaluated (30 displays: the extra proof displays of vpg.baseline and
  vpg.reward-to-go are checked too): 1.24–1.83 — above the target.  The difference is the interpretation
  of the AST over named-axis object arrays (trajectory axes materialised with every index axis) against
  the catalogue's hand-vectorised NumPy;
* 19 evaluated displays (22 counting the three ill-formed ones) get the catalogue's verdict.

Measured again 2026-11-27 10:38–10:40 on branch ``series`` (same machine, load average 2.4–2.8, so ±30 %), after
pgt.occupancy-measure became evaluated (series on the chain) and three changes to the verify path — each step's
free variables computed once per display instead of once per model, a step's right side reused as the next
step's left side (a chain of n steps evaluates n + 1 sides, not 2n), ``Tensor.expand`` returning an array already
in the wanted axis order as is:

* whole post: cold 0.52–0.61, warm 0.79–0.89 (before the changes, same session: cold 0.85–0.96, warm 0.97–1.27);
* on the 18 claims whose displays are evaluated (20 displays with the catalogue's verdict): cold 0.75–0.82,
  warm 1.18–1.31 (before: cold 1.13–1.31, warm 1.44–2.09).  What remains is per display, not per claim:
  vpg.baseline is stated by three displays and vpg.reward-to-go by two, each checked in full (0.69 s and
  0.49 s against the catalogue's 0.15 s and 0.13 s warm); the exact method on displays with trajectory and time
  axes (vpg.past-rewards-vanish.reading 0.21 s against 0.03 s, pgt.proof.value-gradient 0.20 s against 0.06 s)
  interprets the AST over object arrays where the catalogue has hand-vectorised NumPy.  Under cProfile the
  numeric method's time splits evenly between building the Hypothesis examples (shared with check) and
  evaluating the display.
* then ``episodic-softmax``'s exact points cached like the other families' (each display's per-step report
  re-read the checker's first point — rebuilt and re-evaluated, about 40 ms a display): load average 1.5–3,
  whole post cold 0.66–0.68, warm 0.79–0.81; on the evaluated claims cold 0.85–0.95, warm 1.19–1.22.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--post", type=Path, default=Path(__file__).resolve().parents[1] / "pgverify" / "claims" / "post.md",
                   help="the post (default: the copy the catalogue reads, pgverify/claims/post.md)")
    args = p.parse_args()
    os.environ["PGVERIFY_CACHE_DIR"] = tempfile.mkdtemp(prefix="pgverify-bench-cache-")
    from pgverify.checker import Settings, check_claim
    from pgverify.notation.document import read_document

    t = time.perf_counter()
    doc = read_document(args.post)
    parse = time.perf_counter() - t
    rows = sum(len(d.lines) for d in doc.displays)
    parsed = sum(1 for d in doc.displays for ln in d.lines if ln.row is not None)
    print(f"parsing the post: {parse:.2f} s for {len(doc.displays)} displays, {parsed}/{rows} lines (target <= 1 s)")
    ids = sorted({d.annotations.id for d in doc.displays if d.annotations is not None and d.annotations.id})
    import pgverify.documents as documents
    from pgverify.registry import select

    for label in ("cold", "warm"):
        per_claim: dict[str, float] = {}
        verdicts: dict[str, str] = {}
        for c in select(ids):
            t = time.perf_counter()
            verdicts[c.id] = check_claim(c, Settings()).verdict
            per_claim[c.id] = time.perf_counter() - t
        per_display: dict[str, float] = {}
        evaluated: set[str] = set()
        agree = 0
        t0 = time.perf_counter()
        for d in doc.displays:
            t = time.perf_counter()
            r = documents._check_display(d, Settings(), None)
            cid = r.catalogue_id or f"display {d.index + 1}"
            per_display[cid] = per_display.get(cid, 0.0) + time.perf_counter() - t
            if r.result is not None and r.catalogue_id:
                evaluated.add(r.catalogue_id)
                agree += r.verdict == verdicts.get(r.catalogue_id)
        t_verify = time.perf_counter() - t0 + parse
        t_check = sum(per_claim.values())
        v_same = sum(per_display.get(i, 0.0) for i in evaluated)
        c_same = sum(per_claim[i] for i in evaluated)
        print(f"{label} cache: pgverify check on the {len(ids)} claims the post's displays state: {t_check:.1f} s; "
              f"pgverify verify post.md (parse included): {t_verify:.1f} s; ratio {t_verify / t_check:.2f} "
              f"(target <= 1.2)")
        print(f"    on the {len(evaluated)} claims whose displays are evaluated: check {c_same:.1f} s, verify "
              f"{v_same:.1f} s, ratio {v_same / c_same:.2f}; evaluated displays with the catalogue's verdict: {agree}")


if __name__ == "__main__":
    main()
