"""Algorithm boxes quoted from public texts (tests/corpus/boxes/*.toml): each box's verdicts, N, family, time.

    python benchmarks/boxes.py            # every box; exit 1 on a false verdict or a missed expectation

Target (issue 22): each box decided in at most 10 s at N ≤ 3, no false verdict (verified where the box is false,
refuted where it is true), N and the family shown for every box.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "boxes"


def entries() -> list[dict]:
    """Every entry of the box corpus, with its file's url."""
    out = []
    for f in sorted(CORPUS.glob("*.toml")):
        data = tomllib.loads(f.read_text(encoding="utf-8"))
        for e in data.get("entry", []):
            out.append(dict(e, file=f.name, url=data.get("url", "")))
    return out


def document(entry: dict) -> str:
    """The entry as a document: its annotation (if any) just before the box."""
    ann = entry.get("annotations")
    if not ann:
        return entry["display"] + "\n"
    comment = f"% pgverify: {ann}" if entry.get("suffix") == ".tex" else f"<!-- pgverify: {ann} -->"
    return f"{comment}\n{entry['display']}\n"


def run(entry: dict, *, seed: int = 0):  # noqa: ANN201 - a BoxesRun
    from pgverify.audit.boxes import check_boxes

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / ("box" + entry.get("suffix", ".md"))
        path.write_text(document(entry), encoding="utf-8")
        return check_boxes(path, seed=seed)


def verdicts(result) -> list[str]:  # noqa: ANN001
    return [o.verdict for r in result.results for o in (r.outcomes if hasattr(r, "outcomes") else (None,))
            if o is not None] or ["undecided"] * len(result.results)


def false_verdict(entry: dict, got: list[str]) -> bool:
    """A verdict that contradicts the box's truth: verified where false, refuted where true (its final reading)."""
    truth = entry.get("truth")
    decisive = [v for v in got if v != "ill-formed"]
    if not decisive or truth is None:
        return False
    first = decisive[0]
    return (truth == "false" and first == "verified") or (truth == "true" and first == "refuted")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", default=None, help="a substring of the entry ids to run")
    args = p.parse_args(argv)
    import pgverify.audit.boxes  # noqa: F401  (imports are not the box's time)
    bad = 0
    total = 0
    for e in entries():
        if args.only and args.only not in e["id"]:
            continue
        total += 1
        start = time.perf_counter()
        result = run(e, seed=args.seed)
        seconds = time.perf_counter() - start
        got = verdicts(result)
        expect = [e["expect"]] if isinstance(e["expect"], str) else list(e["expect"])
        false = false_verdict(e, got)
        ok = got == expect and not false and seconds <= 10
        bad += not ok
        ns = sorted({n for r in result.results if hasattr(r, "outcomes") for o in r.outcomes for n in o.rollouts})
        print(f"{'ok ' if ok else 'BAD'} {e['id']:42s} {' / '.join(got):40s} N={','.join(map(str, ns)) or '-':6s} "
              f"{seconds:5.1f} s  (expected {' / '.join(expect)}{'; FALSE VERDICT' if false else ''})")
    print(f"{total} boxes, {bad} not as expected (a false verdict, a missed expectation or over 10 s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
