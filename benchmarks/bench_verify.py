"""`pgverify verify post.md` against `pgverify check` on the same claims (design.md §6: verify ≤ 1.2× check;
parsing the post ≤ 1 s).

The claims are those the post's displays are annotated with (the side file of
``pgverify.notation``); both run sequentially in-process with the default
settings, in a fresh cache directory: cold (every symbolic proof computed), then
warm (symbolic proofs read from the disk cache; a display's proof is cached under
its own text, never under the catalogue's id).

Run: ``python benchmarks/bench_verify.py [--post PATH]``.

Measured 2026-11-27 11:45 on the 2-core machine, quiet (load average ≤ 1), on main after the continuous-action,
series and prime constructs made 24 evaluated displays (+ 3 ill-formed from the free-variable analysis) get the
catalogue's verdict (only reinforce.baseline-fit, pseudo-code, stays undecided):

* parsing the post: 0.13 s (target ≤ 1 s), 64/64 lines;
* whole post vs the 26 claims its displays state: cold 4.3 s vs 3.9 s (1.11, target 1.2), warm 3.8 s vs 2.7 s
  (1.42: check reads its universal proofs from the cache, verify has little symbolic work to save);
* on the 20 claims whose displays are evaluated: cold 1.11, warm 1.48.  What remains is per display: vpg.baseline
  is stated by three displays and vpg.reward-to-go by two, each checked in full; the exact and numeric methods on
  displays with trajectory and time axes interpret the AST where the catalogue has hand-vectorised NumPy —
  compiling a display once into array code would close it.

Earlier the same day (shared machine, under load): cold 0.85–1.31, warm 0.97–2.09 before the verify-path
changes (free variables once per display, a step's right side reused as the next step's left side,
``Tensor.expand`` without needless transposes, exact points of ``episodic-softmax`` cached, α as a jet of order 1
first, s_t / a_t gathered once per (trajectory, time) in an evaluation); the small-α jets brought dpg.policy-improvement's displays from 0.98 s to 0.42 s.
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
