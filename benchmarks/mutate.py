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
(a cached proof would hide a mutant of the symbolic engine) and a time limit, and the file is restored.  First each
selection of tests runs once on the unmutated copy: it must pass (a failing selection would "kill" every mutant;
``--deselect`` leaves out a test that fails on the branch for another reason).  A mutant
is ``killed`` when pytest fails (exit 1), ``survived`` when it passes; a time-out counts as killed (``timeout``)
and any other exit (a collection error, exit 2–5) is ``error`` and counts as killed too, with its reason printed.
The kill rate is killed / (killed + survived).

The tests of a mutant are the test files that exercise its module (the reference semantics of
``tests/reference_semantics`` for every rule of the notation); ``--full`` uses the whole default suite, which is
what "the default suite kills it" means (minutes per mutant on a shared machine).

Measured on 2026-12-07 (2 shared cores), on main after the soundness merges: the table's 61 mutants against their
targeted tests kill 60 (98%); the survivor is the audit's negative-factor guard, equivalent (for c ≤ 0 the residual
is taken against c = 1, which the line before already found above the tolerance).  The seven mutants of issue 16
are killed by the targeted tests and by the whole default suite (``--full``, 6–23 s each to the first failure);
so are the eight of the soundness rules (conditions, indices, λ's domain, ∝ over [0, 1), ``where``, survey).
Earlier, on the sound-reference branch, the 53 mutants then in the table with 20 ``--ast`` swaps (seed 0): 68 of
73 killed (93%).
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
    "notation": (REF, "tests/test_evaluate.py", "tests/test_series.py", "tests/notation", "tests/test_dots.py",
                 "tests/test_continuous_displays.py", "tests/test_sound_eval.py", "tests/test_annotations_consumed.py",
                 "tests/test_redteam_eval.py", "tests/adversarial"),
    "audit": (f"{REF}/test_ref_audit.py", "tests/test_audit.py", "tests/test_audit_docs.py"),
    "symbolic": (f"{REF}/test_ref_fields.py", "symbolic", "tests/test_flint_engine.py", "tests/test_reference.py",
                 "tests/test_derivations.py", "tests/test_episodic.py"),
    "numeric": (REF, "tests/test_reference.py", "tests/test_numeric.py", "numeric"),
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
REF_STREAM = f"{REF}/test_ref_stream.py"
#: The adversarial cases of documents at scale (jobs, time limits).
STREAM_CASES = ("tests/adversarial/test_adversarial.py::test_expected_verdict[scale: a true display cut short by its "
                "time limit is undecided]")

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
    # ---- pgverify/notation: ∇ rules
    Mutant(EV, "return _mul(_mul(_const(k), _pow(_ev(node.base, sc), _const(k - 1))), db)",
           "return _mul(_mul(_const(k), _pow(_ev(node.base, sc), _const(k - 2))), db)", "∇ power rule x^(k−2)"),
    Mutant(EV, "return ZERO if dx is ZERO else _div(dx, _ev(node.arg, sc))",
           "return ZERO if dx is ZERO else _div(dx, _mul(_ev(node.arg, sc), _ev(node.arg, sc)))",
           "∇ log x = ∇x / x²"),
    Mutant(EV, "dr = dr if dr is ZERO or isinstance(node, A.Add) else _neg(dr)", "dr = dr",
           "∇(x − y) = ∇x + ∇y"),
    Mutant(EV, "        return d if d is ZERO else _neg(d)", "        return d", "∇(−x) = ∇x"),
    Mutant(EV, "out = _div(dn, den) if dn is not ZERO else ZERO", "out = _div(dn, num) if dn is not ZERO else ZERO",
           "∇ quotient rule divides by the numerator"),
    Mutant(EV, "_sum_axis(_add(_mul(dweight, body), _mul(weight, _d(node.body, inner))), axis)",
           "_sum_axis(_mul(weight, _d(node.body, inner)), axis)",
           "∇𝔼_{a∼π} without the derivative of the policy's weights"),
    Mutant(EV, "dweight = _gather(grad_d(sc.model), [s], (GRAD_AXIS,))",
           "dweight = _neg(_gather(grad_d(sc.model), [s], (GRAD_AXIS,)))", "∇𝔼_{s∼d} with ∇d's sign flipped"),
    Mutant(EV, "return _sum_axis(_add(_mul(dprob, body), _mul(prob, _d(node.body, inner))), axis)",
           "return _sum_axis(_mul(prob, _d(node.body, inner)), axis)", "∇𝔼_τ without ∇𝒯θ(τ)"),
    Mutant(EV, "return Tensor(sc.model.grad_U, (GRAD_AXIS,))", "return Tensor(-sc.model.grad_U, (GRAD_AXIS,))",
           "∇θU(θ) with its sign flipped"),
    # ---- pgverify/notation: Σ, 𝔼, conditions, series, values
    Mutant(EV, "values = np.arange(lo, hi + 1, dtype=np.int64)", "values = np.arange(lo, hi, dtype=np.int64)",
           "Σ with integer bounds excludes its upper bound"),
    Mutant(EV, "mask = _binary(lambda a, b: a >= b, t, lo_t)", "mask = _binary(lambda a, b: a > b, t, lo_t)",
           "Σ over times excludes its lower bound"),
    Mutant(EV, "_binary(lambda a, b: a <= b, t, hi_t)", "_binary(lambda a, b: a < b, t, hi_t)",
           "Σ over times excludes its upper bound"),
    Mutant(EV, "return _sum_axis(_mul(weight, body), axis) if axis in body.axes else",
           "return _sum_axis(body, axis) if axis in body.axes else", "𝔼_{a∼π} as a plain Σ_a (weights dropped)"),
    Mutant(EV, "weight = _gather(pm.d, [s])", "weight = _gather(pm.w, [s])",
           "𝔼_{s∼d} weighted by the unnormalised visitation w"),
    Mutant(EV, '"<": lambda a, b: a < b,', '"<": lambda a, b: a <= b,', "a condition's < read as ≤"),
    Mutant(EV, "        return Tensor(np.array(arr[keep]), out_axes)", "        return Tensor(np.array(arr.ravel()), out_axes)",
           "conditions select nothing (entries outside them kept)"),
    Mutant(EV, "exponent = _binary(lambda a, b: a - b, k, start)", "exponent = _binary(lambda a, b: a - b + 1, k, start)",
           "the return's discount exponent off by one"),
    Mutant(EV, "out[i] = a[i] / b[i] if b[i] != 0 else GIVEN_NULL", "out[i] = a[i] / b[i] if b[i] != 0 else 1",
           "a conditional on a null event is 1"),
    Mutant(EV, "return _gather(m.P_pi, [x, _ev(state, sc)])", "return _gather(m.P_pi, [_ev(state, sc), x])",
           "the one-step law ℙ(s_{u+1} = y | s_u = x) transposed"),
    Mutant(EV, "            return x / y\n    return 1", "            return y / x\n    return 1",
           "the ∝ constant read upside down (exact)"),
    Mutant("pgverify/notation/series.py", "term = _mul(_mul(value, _pow(_const(m.lam), _const(lower + offset))), term)",
           "term = _mul(_mul(value, _pow(_const(m.lam), _const(lower + offset + 1))), term)",
           "a series to ∞ on the chain with one λ too many"),
    Mutant("pgverify/notation/series.py", "for _ in range(lower - base):", "for _ in range(lower - base + 1):",
           "a series to ∞ on the chain starts one step late"),
    Mutant("pgverify/notation/continuous.py", "found = next((c for c in diff[idx] if not zero(c)), None)",
           "found = next((c for c in diff[idx][1:] if not zero(c)), None)",
           "for small α: the constant Taylor coefficient ignored"),
    Mutant("pgverify/notation/continuous.py", "return Jet(tuple(p + q for p, q in zip(a.coef, o.coef)), a.exact and o.exact)",
           "return Jet(tuple(p + q for p, q in zip(a.coef, o.coef[:1] + o.coef[:-1])), a.exact and o.exact)",
           "for small α: a jet sum shifts the second operand's coefficients"),
    # ---- pgverify/audit
    Mutant("pgverify/audit/diagnosis.py", "return (c if c > 0 and res <= tol and not vanishing else None), res, c",
           "return (c if res <= tol and not vanishing else None), res, c",
           "audit: a negative factor counts as a match (equivalent: for c ≤ 0 the residual is taken against c = 1, "
           "which the line before already found above the tolerance)"),
    Mutant("pgverify/audit/diagnosis.py", "return r, r * (1 + magnitude)", "return r, r + magnitude",
           "audit: the tolerance absolute in the magnitude instead of relative"),
    Mutant("pgverify/audit/diagnosis.py", "            G = G * weight[None, :]", "            G = G",
           "audit: the discounted targets' weights γ^t dropped"),
    Mutant("pgverify/audit/expectation.py",
           "total = total + p * np.array([Fraction(x) for x in g.tolist()], dtype=object)",
           "total = total + np.array([Fraction(x) for x in g.tolist()], dtype=object)",
           "audit: E[ĝ] sums the batches without their probabilities (exact)"),
    Mutant("pgverify/audit/diagnosis.py",
           '        if self.against[name]:\n            return "fails"', '        if False:\n            return "fails"',
           "audit: a survey holds although a draw is against the target"),
    # ---- symbolic
    Mutant("symbolic/flint_field.py", "return Frac._make(dn * self.d - self.n * dd, self.d * self.d, self.field)",
           "return Frac._make(dn * self.d + self.n * dd, self.d * self.d, self.field)",
           "flint ∂(n/d) with the quotient rule's sign flipped"),
    Mutant("symbolic/flint_field.py", "        if d.leading_coefficient() < 0:\n            n, d = -n, -d\n        return Frac(n, d, field)",
           "        if d.leading_coefficient() < 0:\n            n, d = n, -d\n        return Frac(n, d, field)",
           "flint normalisation flips the denominator's sign only"),
    Mutant("symbolic/flint_field.py", "        return not self.n.is_zero()", "        return bool(self.n.is_zero())",
           "flint truth value inverted"),
    Mutant("symbolic/limit.py", "return kn - kd, Frac._make(n0, d0, x.field)", "return kn + kd, Frac._make(n0, d0, x.field)",
           "σ → 0: the order of n/d is ord n + ord d"),
    Mutant("symbolic/zero.py", "        if num.subs(point) != 0:\n            return False, 0.0",
           "        if num.subs(point) == 0:\n            return False, 0.0", "randomized zero test inverted"),
    Mutant("symbolic/zero.py", "return float(min(Fraction(1), Fraction(degree, set_size)) ** points)",
           "return float(min(Fraction(1), Fraction(degree, set_size)) ** (points + 1))",
           "Schwartz–Zippel bound one power too small"),
    # ---- the soundness rules of issue 16 (conditions, indices, parameter points, λ's domain, survey)
    Mutant(EV, "    if not keep.any():", "    if False:",
           "a condition no entry meets compares nothing (vacuous read as holding)"),
    Mutant(EV, "        if bool(mask.value):\n            return lhs, rhs", "        if True:\n            return lhs, rhs",
           "a condition on the model that fails is ignored"),
    Mutant(EV, '            raise IndexOutOfRange(f"{why}")', "            pass",
           "an index outside its range is not reported (read as clipped)"),
    Mutant(EV, "        if not holds:\n            return True", "        if holds:\n            return True",
           "a relation in T that holds at a sampled model is refuted there"),
    Mutant(EV, "    domain = sympy.Interval.Ropen(0, 1) if value is None else sympy.FiniteSet(value)",
           "    domain = sympy.Interval(0, sympy.Rational(9, 10)) if value is None else sympy.FiniteSet(value)",
           "a relation in λ decided in the sampling box [0, 9/10] instead of [0, 1)"),
    Mutant(EV, "                _positive_on_domain(c, model, label)", "                pass",
           "a ∝ constant c(λ) not checked positive over all of [0, 1)"),
    Mutant("pgverify/families/restrict.py",
           "    lam = (zero + value.numerator) / (zero + value.denominator)  # in the model's own arithmetic",
           "    lam = m.lam", "`where λ = c` substitutes the display's λ only, the model keeps its own",
           tests=("tests/test_annotations_consumed.py", "tests/adversarial")),
    Mutant("pgverify/audit/diagnosis.py",
           '        return "holds" if self.informative[name] >= self.minimum else "undecided"',
           '        return "holds"', "survey: a target holds on uninformative draws"),
    # ---- numeric
    Mutant("numeric/model.py", "return self.lam * np.einsum(\"sat,tk->sak\", self.P, self.grad_v)",
           "return np.einsum(\"sat,tk->sak\", self.P, self.grad_v)", "∇θq without the discount"),
    Mutant("numeric/model.py", "        return self.r + self.lam * self.Pv", "        return self.r + self.Pv",
           "q without the discount"),
    Mutant("numeric/model.py", "        return (1 - self.lam) * self.w", "        return self.w", "d unnormalised"),
    Mutant("numeric/model.py", "return self._vjp(w * self.r) + self.lam * self._vjp(w * self.Pv)",
           "return self._vjp(w * self.r) - self.lam * self._vjp(w * self.Pv)", "the adjoint ∇θU with ∂M·v's sign flipped"),
    Mutant("numeric/derivatives.py", "rhs = m.lam * np.einsum(\"stk,s->tk\", grad_P_pi(m), m.w)",
           "rhs = np.einsum(\"stk,s->tk\", grad_P_pi(m), m.w)", "∇θw without the discount"),
    Mutant("numeric/derivatives.py", "    return (1 - m.lam) * grad_w(m)", "    return grad_w(m)", "∇θd unnormalised"),
    Mutant("numeric/derivatives.py", "total = total + dfactors[:, t, :] * others[:, None]",
           "total = dfactors[:, t, :] * others[:, None]", "∇𝒯θ(τ) keeps only the last time's term"),
    Mutant("numeric/dual.py", "return Dual(self.re * re, tuple(a * re + self.re * b for a, b in zip(self.du, du)))",
           "return Dual(self.re * re, tuple(a * re for a, b in zip(self.du, du)))",
           "dual numbers' product rule keeps the first factor's term"),
    Mutant("numeric/dual.py", "return Dual(quotient, tuple((a - quotient * b) / re for a, b in zip(self.du, du)))",
           "return Dual(quotient, tuple(a / re for a, b in zip(self.du, du)))",
           "dual numbers' quotient rule without the denominator's term"),
    Mutant("numeric/policies.py", "            out[s, a, s, a] = pi[s, a] + out[s, a, s, a]",
           "            out[s, a, s, a] = out[s, a, s, a]", "softmax Jacobian without its diagonal"),
    Mutant("numeric/episodic.py", "return first * np.prod(pi[s, a] * P[s, a, s_next], axis=1) if tr.horizon > 1 else first",
           "return first * np.prod(pi[s, a], axis=1) if tr.horizon > 1 else first",
           "𝒯θ(τ) without the transition probabilities"),
    # ---- documents at scale (pgverify.stream, issue 19)
    Mutant("pgverify/stream.py", "    return methods * max(1, len(ann.horizons) if ann is not None else 1)",
           "    return methods", "the work estimate ignores the horizons a display is checked at",
           ("tests/test_stream.py", REF_STREAM)),
    Mutant("pgverify/stream.py", 'refuse_above("document-work", checks,', 'refuse_above("document-work", count,',
           "the work limit compared with the displays, not the checks", ("tests/test_stream.py",)),
    Mutant("pgverify/stream.py", "        while flight:\n            yield from flight.popleft().result()",
           "        while flight:\n            yield from flight.pop().result()",
           "--jobs: the last displays in flight yielded out of document order", ("tests/test_stream.py",)),
    Mutant("pgverify/stream.py", 'verdict="undecided",\n                                       reason=f"time limit',
           'verdict="verified",\n                                       reason=f"time limit',
           "a display cut short by its time limit reported verified", ("tests/test_stream.py", STREAM_CASES)),
    Mutant("pgverify/stream.py", "    if fired[0]:  # whatever", "    if fired[0] and result is None:  # whatever",
           "a check interrupted by the time limit trusted when it returned something", ("tests/test_stream.py",)),
    Mutant("pgverify/stream.py", '        return bool(self.counts["refuted"] or self.counts["ill-formed"])',
           '        return bool(self.counts["refuted"])', "a streamed run with an ill-formed display exits 3, not 1",
           ("tests/test_stream.py",)),
    Mutant("pgverify/stream.py", "    show = tty if progress is None else bool(progress)", "    show = True",
           "the progress bar shown when standard error is not a terminal", ("tests/test_stream.py",)),
    Mutant("pgverify/notation/latex.py", "(self._column if k == 0 else 1) + i - self._starts[k]",
           "self._column + i - self._starts[k]", "a long file's positions: the column does not restart after a newline",
           (REF_STREAM,)),
    Mutant("pgverify/notation/latex.py", "            return Source(self.text[i:j], self.where[i:j + 1])",
           "            return Source(self.text[i:j], self.where[i:j])",
           "a display cut from a long file loses the position one past its end", (REF_STREAM,)),
    Mutant("pgverify/notation/errors.py", "        return type(self), (self.what, self.pos)",
           "        return type(self), (str(self), self.pos)",
           "a reading error pickled to a worker with its message prefixed twice", ("tests/test_stream.py",)),
)


def _copy_tree(dest: Path) -> None:
    ignore = shutil.ignore_patterns(".git", "__pycache__", "*.pyc", ".pytest_cache", ".hypothesis", "*.egg-info",
                                    "build", "dist", ".mypy_cache")
    shutil.copytree(ROOT, dest, ignore=ignore, dirs_exist_ok=True)


def _run(tree: Path, tests: tuple[str, ...], limit: float, extra: tuple[str, ...] = ()) -> tuple[str, float, str]:
    """(outcome, seconds, last line of the output) of pytest on ``tests`` in ``tree``."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1",
               PGVERIFY_CACHE_DIR=tempfile.mkdtemp(prefix="mutate-cache-"))
    env.pop("PYTHONPATH", None)
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *extra, *tests]
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
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the run of each test selection on the unmutated copy (it must pass)")
    ap.add_argument("--deselect", action="append", default=[], metavar="NODEID",
                    help="a test to leave out (pytest --deselect), e.g. one that fails on this branch for another reason")
    args = ap.parse_args(argv)

    mutants = list(MUTANTS) + _operator_swaps(args.ast, args.seed)
    numbers = {w for w in args.only if w.isdigit()}
    words = [w for w in args.only if not w.isdigit()]
    chosen = [(i, m) for i, m in enumerate(mutants, 1)
              if not args.only or str(i) in numbers or any(w in m.description for w in words)]
    if args.list:
        for i, m in chosen:
            print(f"{i:3d}  {m.file:34s} {m.description}")
        return 0
    tally = {"killed": 0, "survived": 0, "timeout": 0, "error": 0, "stale": 0}
    survivors: list[str] = []
    extra = tuple(x for d in args.deselect for x in ("--deselect", d))
    with tempfile.TemporaryDirectory(prefix="mutate-tree-") as tmp:
        tree = Path(tmp)
        _copy_tree(tree)
        if not args.no_baseline:  # a selection that fails unmutated would "kill" every mutant
            for tests in sorted({() if args.full else m.test_paths() for _, m in chosen}):
                outcome, secs, why = _run(tree, tests, args.limit, extra)
                print(f"baseline  {outcome:9s} {secs:6.1f} s  {' '.join(tests) or 'the default suite'}", flush=True)
                if outcome != "survived":
                    print(f"the unmutated tree fails these tests ({why}): fix or --deselect them first")
                    return 2
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
                outcome, secs, why = _run(tree, () if args.full else m.test_paths(), args.limit, extra)
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
