"""Print how long reading the post takes (target: ≤ 1 s for all 64 display lines).

Run ``python tests/notation/bench_parse_post.py`` from the repository root; intended for ``benchmarks/``.
Prints the cold figure (a fresh interpreter building or loading the parser tables) and warm figures.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POST = ROOT / "pgverify" / "claims" / "post.md"


def main() -> None:
    cold = subprocess.run([sys.executable, "-c", (
        "import time; import pgverify.notation as n; t = time.perf_counter(); "
        f"d = n.read_document({str(POST)!r}); print(time.perf_counter() - t, len(d.lines))")],
        capture_output=True, text=True, check=True, cwd=ROOT).stdout.split()
    sys.path.insert(0, str(ROOT))
    from pgverify.notation import read_document

    read_document(POST)
    warm = []
    for _ in range(5):
        t = time.perf_counter()
        doc = read_document(POST)
        warm.append(time.perf_counter() - t)
    parsed = sum(ln.row is not None for ln in doc.lines)
    print(f"post: {len(doc.lines)} display lines, {parsed} parsed, {len(doc.displays)} displays")
    print(f"read_document(post) cold (parser tables from disk cache or built): {float(cold[0]):.3f} s")
    print(f"read_document(post) warm: median {statistics.median(warm):.3f} s, min {min(warm):.3f} s")


if __name__ == "__main__":
    main()
