"""Mutation testing: plausible one-line mistakes applied to a copy of the tree, and which of them the tests kill.

    python benchmarks/mutate.py                  # every mutant of the table, each against its tests (-x)
    python benchmarks/mutate.py --full           # each against the whole default suite instead
    python benchmarks/mutate.py --only 3 quotient  # the mutants whose number or description matches
    python benchmarks/mutate.py --ast 20         # also 20 operator swaps found by ``ast`` (seeded)
    python benchmarks/mutate.py --list           # the table, without running anything

Each mutant is (file, original snippet, mutated snippet, description, tests): the snippet must occur exactly once
in the file (else the mutant is reported ``stale`` — the code moved on — and counts nowhere).  The tree is copied
once into a temporary directory (never the working tree is edited); for each mutant the file is rewritten there,
``python -m pytest -q -x -p no:cacheprovider <tests>`` runs from the copy's root with a fresh symbolic-proof cache
(a cached proof would hide a mutant of the symbolic engine) and a time limit, and the file is restored.  A mutant
is ``killed`` when pytest fails (exit 1), ``survived`` when it passes; a time-out counts as killed (``timeout``)
and any other exit (a collection error, exit 2–5) is ``error`` and counts as killed too, with its reason printed.
The kill rate is killed / (killed + survived).

The tests of a mutant are the test files that exercise its module (the reference semantics of
``tests/reference_semantics`` for every rule of the notation); ``--full`` uses the whole default suite, which is
what "the default suite kills it" means (minutes per mutant on a shared machine).
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Test files per area (a mutant names its own, or gets its area's).
REF = "tests/reference_semantics"
TESTS = {
    "notation": (REF, "tests/test_evaluate.py", "tests/test_series.py"),
    "audit": ("tests/test_audit.py", "tests/test_audit_docs.py"),
    "symbolic": (f"{REF}/test_ref_fields.py", "tests/test_flint_engine.py", "tests/test_reference.py",
                 "tests/test_derivations.py"),
    "numeric": (REF, "tests/test_reference.py", "tests/test_numeric.py"),
}


@dataclass(frozen=True)
class Mutant:
    """One plausible mistake: ``original`` (exactly once in ``file``) replaced by ``mutated``."""

    file: str
    original: str
    mutated: str
    description: str
    tests: tuple[str, ...] = ()

    @property
    def area(self) -> str:
        parts = Path(self.file).parts
        return parts[1] if parts[0] == "pgverify" else parts[0]

    def test_paths(self) -> tuple[str, ...]:
        return self.tests or TESTS[self.area]


EV = "pgverify/notation/evaluate.py"

MUTANTS: tuple[Mutant, ...] = (
    # ---- the seven of issue 16 (class 10)
    Mutant(EV, "out = _add(out, _neg(_div(_mul(dd, num), _mul(den, den))))", "out = out",
           "∇ quotient rule without the denominator's term"),
    Mutant(EV, "            term = _d(f, sc)\n            if term is ZERO:",
           "            term = _d(f, sc) if i == 0 else ZERO\n            if term is ZERO:",
           "∇ product rule keeping only the first factor's term"),
    Mutant(EV, 'Step(f"{label}: the constant is positive", c, ">", 0)',
           'Step(f"{label}: the constant is positive", c * c, ">", 0)', "∝ checks c² > 0 instead of c > 0"),
    Mutant(EV, "    for cond in conditions:\n        if not isinstance(cond, A.Rel)",
           "    for cond in conditions[:1]:\n        if not isinstance(cond, A.Rel)",
           "every `whenever` condition but the first ignored"),
    Mutant("symbolic/flint_field.py", "return bool(self.n == o.n and self.d == o.d)", "return bool(self.n == o.n)",
           "python-flint rational functions compared by numerators only"),
    Mutant("numeric/model.py", "self.arithmetic.solve_pair(self.M, db - dM_v, self.mu0)[0]",
           "self.arithmetic.solve_pair(self.M, db + dM_v, self.mu0)[0]",
           "forward rule of ∇θv above the forward-mode limit with ∂M·v's sign flipped"),
    Mutant("symbolic/field.py", "return NotImplemented if o is None else bool(self.e == o)  # type",
           "return NotImplemented if o is None else (bool(self.e == o) or len((self.e - o).numer) < 2)  # type",
           "SymPy field's zero test accepts a difference whose numerator has fewer than two terms"),
)


def _copy_tree(dest: Path) -> None:
    ignore = shutil.ignore_patterns(".git", "__pycache__", "*.pyc", ".pytest_cache", ".hypothesis", "*.egg-info",
                                    "build", "dist", ".mypy_cache")
    shutil.copytree(ROOT, dest, ignore=ignore, dirs_exist_ok=True)


def _run(tree: Path, tests: tuple[str, ...], limit: float) -> tuple[str, float, str]:
    """(outcome, seconds, last line of the output) of pytest on ``tests`` in ``tree``."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1",
               PGVERIFY_CACHE_DIR=tempfile.mkdtemp(prefix="mutate-cache-"))
    env.pop("PYTHONPATH", None)
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - t, f"over {limit:.0f} s"
    finally:
        shutil.rmtree(env["PGVERIFY_CACHE_DIR"], ignore_errors=True)
    secs = time.perf_counter() - t
    lines = [x for x in (proc.stdout + proc.stderr).splitlines() if x.strip()]
    last = lines[-1] if lines else ""
    failed = next((x for x in lines if x.startswith("FAILED ")), last)
    outcome = {0: "survived", 1: "killed"}.get(proc.returncode, "error")
    return outcome, secs, failed if outcome == "killed" else last


def _operator_swaps(n: int, seed: int) -> list[Mutant]:
    """``n`` single binary-operator swaps (+↔−, *↔/, <↔<=, >↔>=, ==↔!=) at random lines of the four packages."""
    swaps = {ast.Add: " - ", ast.Sub: " + ", ast.Mult: " / ", ast.Div: " * ", ast.Lt: " <= ", ast.LtE: " < ",
             ast.Gt: " >= ", ast.GtE: " > ", ast.Eq: " != ", ast.NotEq: " == "}
    symbol = {ast.Add: " + ", ast.Sub: " - ", ast.Mult: " * ", ast.Div: " / ", ast.Lt: " < ", ast.LtE: " <= ",
              ast.Gt: " > ", ast.GtE: " >= ", ast.Eq: " == ", ast.NotEq: " != "}
    found: list[Mutant] = []
    for pkg in ("pgverify/notation", "pgverify/audit", "symbolic", "numeric"):
        for path in sorted((ROOT / pkg).glob("*.py")):
            text = path.read_text(encoding="utf-8")
            lines = text.splitlines(keepends=True)
            for node in ast.walk(ast.parse(text)):
                ops = [type(node.op)] if isinstance(node, ast.BinOp) else \
                    [type(o) for o in node.ops] if isinstance(node, ast.Compare) else []
                for op in ops:
                    if op not in swaps:
                        continue
                    line = lines[node.lineno - 1]
                    if line.count(symbol[op]) != 1 or text.count(line) != 1 or line.lstrip().startswith(("#", '"')):
                        continue
                    rel = str(path.relative_to(ROOT))
                    found.append(Mutant(rel, line, line.replace(symbol[op], swaps[op]),
                                        f"ast swap {symbol[op].strip()} → {swaps[op].strip()} at {rel}:{node.lineno}"))
    unique = {(m.file, m.original): m for m in found}
    return random.Random(seed).sample(sorted(unique.values(), key=lambda m: (m.file, m.original)),
                                      min(n, len(unique)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="run the whole default suite for each mutant")
    ap.add_argument("--only", nargs="*", default=(), help="mutant numbers or words of their descriptions")
    ap.add_argument("--ast", type=int, default=0, metavar="N", help="also N operator swaps found by ast")
    ap.add_argument("--seed", type=int, default=0, help="the seed of the --ast sample")
    ap.add_argument("--limit", type=float, default=600.0, help="seconds per mutant (default 600)")
    ap.add_argument("--list", action="store_true", help="print the table and exit")
    args = ap.parse_args(argv)

    mutants = list(MUTANTS) + _operator_swaps(args.ast, args.seed)
    chosen = [(i, m) for i, m in enumerate(mutants, 1)
              if not args.only or str(i) in args.only or any(w in m.description for w in args.only)]
    if args.list:
        for i, m in chosen:
            print(f"{i:3d}  {m.file:34s} {m.description}")
        return 0
    tally = {"killed": 0, "survived": 0, "timeout": 0, "error": 0, "stale": 0}
    survivors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mutate-tree-") as tmp:
        tree = Path(tmp)
        _copy_tree(tree)
        for i, m in chosen:
            target = tree / m.file
            text = target.read_text(encoding="utf-8")
            if text.count(m.original) != 1:
                tally["stale"] += 1
                print(f"{i:3d} stale     {m.description}: the snippet occurs {text.count(m.original)} times in {m.file}",
                      flush=True)
                continue
            target.write_text(text.replace(m.original, m.mutated), encoding="utf-8")
            try:
                outcome, secs, why = _run(tree, () if args.full else m.test_paths(), args.limit)
            finally:
                target.write_text(text, encoding="utf-8")
            tally[outcome] += 1
            if outcome == "survived":
                survivors.append(f"{i}: {m.description}")
            print(f"{i:3d} {outcome:9s} {secs:6.1f} s  {m.description}" + (f"  [{why}]" if outcome != "survived"
                                                                            else ""), flush=True)
    killed = tally["killed"] + tally["timeout"] + tally["error"]
    decided = killed + tally["survived"]
    print(f"\n{killed} killed ({tally['timeout']} by time-out, {tally['error']} by error), {tally['survived']} "
          f"survived, {tally['stale']} stale; kill rate {killed}/{decided} = "
          f"{killed / decided if decided else 0:.0%} ({'whole default suite' if args.full else 'targeted tests'})")
    for s in survivors:
        print("  survived", s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
