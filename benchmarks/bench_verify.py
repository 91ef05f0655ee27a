"""`pgverify verify post.md` against `pgverify check` on the same claims (design.md §6: verify ≤ 1.2× check;
parsing the post ≤ 1 s).

The claims are those the post's displays are annotated with (the side file of
``pgverify.notation``); both run sequentially in-process with the default
settings, in a fresh cache directory: cold (every symbolic proof computed), then
warm (symbolic proofs read from the disk cache; a display's proof is cached under
its own text, never under the catalogue's id).

Run: ``python benchmarks/bench_verify.py [--post PATH]``.
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
    from pgverify import api
    from pgverify.checker import Settings
    from pgverify.documents import verify_document
    from pgverify.notation.document import read_document

    t = time.perf_counter()
    doc = read_document(args.post)
    parse = time.perf_counter() - t
    rows = sum(len(d.lines) for d in doc.displays)
    parsed = sum(1 for d in doc.displays for ln in d.lines if ln.row is not None)
    print(f"parsing the post: {parse:.2f} s for {len(doc.displays)} displays, {parsed}/{rows} lines (target <= 1 s)")
    ids = sorted({d.annotations.id for d in doc.displays if d.annotations is not None and d.annotations.id})
    for label in ("cold", "warm"):
        t = time.perf_counter()
        check = api.check(ids, Settings(), jobs=1)
        t_check = time.perf_counter() - t
        t = time.perf_counter()
        run = verify_document(args.post, Settings())
        t_verify = time.perf_counter() - t
        agree = sum(1 for r in run.results if r.catalogue_id and any(
            c.claim.id == r.catalogue_id and c.verdict == r.verdict for c in check.results))
        print(f"{label} cache: pgverify check on the {len(ids)} claims {t_check:.1f} s; pgverify verify post.md "
              f"{t_verify:.1f} s ({len(run.results)} displays: {run.summary}); ratio {t_verify / t_check:.2f} "
              f"(target <= 1.2); displays agreeing with the catalogue's verdict: {agree}")


if __name__ == "__main__":
    main()
