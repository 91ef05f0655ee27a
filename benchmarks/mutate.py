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
The eight mutants of the output (issue 19: the words' failing entries, entry names and MDP size, drops/adds,
the marks of the tables, aligned rows and columns; ``--only 62 63 64 65 66 67 68 69``) are killed by their
targeted tests (tests/test_output_words.py, tests/reference_semantics/test_ref_output.py), 8 of 8, 16–25 s each.
The 14 mutants of the matrix notation (issue 18, pgverify/notation/matrices.py; ``--only 51 … 64`` on the theory
branch) against their targeted tests: 14 of 14 killed (the power, ∇ of an inverse and ∇ of T_π mutants only once the
fixed-model table of tests/reference_semantics/test_ref_matrices.py was added; Hypothesis alone missed them).
The thirteen mutants of the reader of issue 17 (macros, margins, the author's names, profile keys; branch
lit-read, 2026-12-08) are killed by their targeted tests, 13 of 13 (``--only 62 … 74``; 7–60 s each, the
unbounded-expansion mutant 329 s, to its first failure).
The twelve mutants of the algorithm boxes (issue 22, 62–73) against their targeted tests
(tests/reference_semantics/test_ref_boxes.py, tests/test_boxes.py): 12 of 12 killed (2026-12-08, boxes branch).
The fifteen mutants of the literature's notation (issue 17: ρ₀, R(s, a, s'), logarithms through exp, η and μ,
R_{t+1}, 𝔼_{a_t∼π_θ}, the undiscounted setting, T of the last action, the categorical P_θ, ∂/∂θ_{s,a}, annotated
horizons) are all killed by their targeted tests (``--only 62 … 76``, 10–45 s each, 2026-12-08).
The 11 mutants of GAE (issue 18, pgverify/notation/gae.py and the absorbing tail of a series along a trajectory;
``--only 65 … 75`` on the theory2 branch) against tests/reference_semantics/test_ref_gae.py, tests/test_gae.py and the
gae cases of the adversarial table: 11 of 11 killed (2.6–4.6 s each; 2026-12-08).
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


#: The targeted tests of the reader's macros, margins, author's names and profile listing (issue 17, lit-read).
LIT_READ = ("tests/notation/test_macros.py", "tests/notation/test_margins_names.py",
            "tests/notation/test_profiles_listing.py", f"{REF}/test_ref_macros.py", f"{REF}/test_ref_margins_names.py")


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
OUTPUT_TESTS = ("tests/test_output_words.py", "tests/reference_semantics/test_ref_output.py")
MX = "pgverify/notation/matrices.py"
MX_TESTS = (f"{REF}/test_ref_matrices.py", "tests/test_theory_notation.py")
DEF_TESTS = (f"{REF}/test_ref_defines_unused.py", "tests/adversarial/test_adversarial.py", "-k",
             "corpus2 or unused or writes")
BETA_TESTS = (f"{REF}/test_ref_behaviour_policy.py", "tests/adversarial/test_adversarial.py", "-k",
              "corpus2 or beta or primed or second or keep")
ARB_TESTS = (f"{REF}/test_ref_arbitrary_quantities.py", "tests/adversarial/test_adversarial.py", "-k",
             "corpus2 or letter or declaration or declared")
BX = "pgverify/audit/boxes.py"
BOX_TESTS = ("tests/reference_semantics/test_ref_boxes.py", "tests/test_boxes.py")
LIT = "pgverify/notation/trajectories.py"
LIT_TESTS = ("tests/reference_semantics/test_ref_literature.py", "tests/test_literature_profiles.py")

GAE = "pgverify/notation/gae.py"
GAE_TESTS = (f"{REF}/test_ref_gae.py", "tests/test_gae.py", "tests/adversarial/test_adversarial.py", "-k", "gae")
REF_STREAM = f"{REF}/test_ref_stream.py"
#: The adversarial cases of documents at scale (jobs, time limits).
STREAM_CASES = ("tests/adversarial/test_adversarial.py::test_expected_verdict[scale: a true display cut short by its "
                "time limit is undecided]")

#: The red team's cases (tests/adversarial/cases_redteam2.toml).
RT2_CASES = ("tests/adversarial/test_adversarial.py", "-k", "rt2")

MUTANTS: tuple[Mutant, ...] = (
    # ---- the display-result cache (issue 21)
    Mutant("pgverify/cache.py", 'getattr(display, "context", ""), errors)', 'getattr(display, "context", ""))',
           "a display whose annotation did not parse answered with the unannotated text's cached verdict",
           tests=("tests/test_speed_cache.py",)),
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
    # ---- pgverify/audit, issue 20 (Audit II): moments, verdicts, the one command
    Mutant("pgverify/audit/moments.py", "    w = p / total\n", "    w = p\n",
           "audit II: the moments' weights not normalised (wrong when conditioned on success)",
           ("tests/test_audit_verdict.py",)),
    Mutant("pgverify/audit/moments.py", "    X = G - mean\n", "    X = G\n",
           "audit II: the variance uncentred (E[ĝ²] instead of Var[ĝ])", ("tests/test_audit_verdict.py",)),
    Mutant("pgverify/audit/moments.py", "return sum((p for p, f in zip(self.probability, self.failed) if f), zero)",
           "return sum((p for p, f in zip(self.probability, self.failed) if not f), zero)",
           "audit II: P(fail) sums the succeeding batches", ("tests/test_audit_verdict.py",)),
    Mutant("pgverify/audit/verdict.py", "    return kappa / float(gamma), c, res", "    return kappa, c, res",
           "audit II: λ reported as κ = γλ", ("tests/test_audit_verdict.py",)),
    Mutant("pgverify/audit/verdict.py", "w = np.array([float(st.gamma) ** t for t in range(T)]) if discounted else np.ones(T)",
           "w = np.ones(T)", "audit II: the discounted λ-family loses its γ^t weights", ("tests/test_audit_verdict.py",)),
    Mutant("pgverify/audit/verdict.py", "shows = max(1, math.ceil((SHOW_K ** 2) * sigma2 / nb ** 2))",
           "shows = max(1, math.ceil(SHOW_K * math.sqrt(sigma2) / nb))",
           "audit II: the batches to show the bias without the square (standard error ∝ 1/m)",
           ("tests/test_audit_verdict.py",)),
    Mutant("pgverify/audit/verdict.py", "    dH = -np.einsum(\"sak,sa->sk\"", "    dH = np.einsum(\"sak,sa->sk\"",
           "audit II: the entropy gradient's sign flipped", ("tests/test_audit_verdict.py",)),
    Mutant("pgverify/audit/run.py", "moved = replace(batch, rewards=2 * batch.rewards)", "moved = replace(batch, rewards=batch.rewards)",
           "audit II: the standardisation probe compares a batch with itself", ("tests/test_audit_verdict.py",)),
    Mutant("pgverify/audit/verdict.py", "    if match is not None and match.name == GRAD_U and match.factor == 1.0:",
           "    if match is not None and match.name == GRAD_U:",
           "audit II: a multiple of ∇U called unbiased", ("tests/test_audit_verdict.py",)),
    Mutant("pgverify/audit/networks.py", "            out[name] = theta[i:i + n].reshape(shape)",
           "            out[name] = theta[:n].reshape(shape)",
           "audit II: a network's parameter vector split without its offsets", ("tests/test_audit_networks.py",)),
    Mutant("pgverify/audit/networks.py", "        return J.numpy().copy()", "        return J.numpy()[:, ::-1].copy()",
           "audit II: a network's Jacobian with the actions reversed", ("tests/test_audit_networks.py",)),
    Mutant("pgverify/audit/ppo.py", "    weight = np.where(unclipped, adv * rho, 0.0)", "    weight = np.where(unclipped, adv, 0.0)",
           "audit II: PPO's gradient without the ratio ρ_t", ("tests/test_audit_ppo.py",)),
    Mutant("pgverify/audit/ppo.py", "((adv > 0) & (rho < 1 + clip))", "((adv > 0) & (rho < 1 + 2 * clip))",
           "audit II: PPO clips positive advantages at 1 + 2ε", ("tests/test_audit_ppo.py",)),
    Mutant("pgverify/audit/offpolicy.py", "        w = np.cumprod(rho, axis=1) * r * disc[None, :]",
           "        w = rho * r * disc[None, :]",
           "audit II: per-decision IS with the step's own ratio instead of the product", ("tests/test_audit_offpolicy.py",)),
    Mutant("pgverify/audit/lqr.py", "np.array([2 * lqr.rho * k * m, 2 * lqr.rho * sigma])",
           "np.array([2 * lqr.rho * k * m, lqr.rho * sigma])",
           "audit II: LQR ∇U drops the factor 2 of ∂(ρσ²)/∂σ", ("tests/test_audit_lqr.py",)),
    Mutant("pgverify/audit/lqr.py", "    w = w / math.sqrt(2 * math.pi)\n", "    w = w / math.pi\n",
           "audit II: Gauss–Hermite weights normalised wrongly", ("tests/test_audit_lqr.py",)),
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
    # ---- pgverify/notation/matrices.py: matrix and operator notation (issue 18)
    Mutant(MX, "    for _ in range(k):\n        out = Mat(out.value @ x.value, x.rows, x.cols)",
           "    for _ in range(k - 1):\n        out = Mat(out.value @ x.value, x.rows, x.cols)",
           "a power of a matrix with one factor too few", tests=MX_TESTS),
    Mutant(MX, "    return x.T\n", "    return x\n", "a transpose that does nothing", tests=MX_TESTS),
    Mutant(MX, "inv, _ = m.arithmetic.solve_pair(x.value, _eye(n, m), _eye(n, m))",
           "_, inv = m.arithmetic.solve_pair(x.value, _eye(n, m), _eye(n, m))",
           "the inverse of a matrix is the inverse of its transpose", tests=MX_TESTS),
    Mutant(MX, "return Mat(_array(pm.r_pi, m)[:, None] + pm.lam * (_array(pm.P_pi, m) @ x.value), \"S\", \"1\")",
           "return Mat(_array(pm.r_pi, m)[:, None] + _array(pm.P_pi, m) @ x.value, \"S\", \"1\")",
           "the Bellman operator T_π without the discount", tests=MX_TESTS),
    Mutant(MX, "                out[s, s * m.A + a] = pm.pi[s, a]", "                out[s, s * m.A + a] = pm.pi[s, 0]",
           "M_π weighs every action by the first action's probability", tests=MX_TESTS),
    Mutant(MX, "pm.w if base.name == \"discounted_visits\" else pm.d", "pm.d if base.name == \"discounted_visits\" else pm.w",
           "ν̃_μ^π and d_μ^π swapped (the normalisation (1 − γ) on the wrong one)", tests=MX_TESTS),
    Mutant(MX, "return _matmul(_pow(_const(m.lam), _const(lower + cs)), acc, m)",
           "return _matmul(_pow(_const(m.lam), _const(lower + cs + 1)), acc, m)",
           "the Neumann series of γP_π with one γ too many", tests=MX_TESTS),
    Mutant(MX, "middle = _matmul(_power(P, lower + cp, m), resolvent, m)", "middle = _matmul(_power(P, cp, m), resolvent, m)",
           "a series of matrices from t = L summed from t = 0", tests=MX_TESTS),
    Mutant(MX, "        table = pm.q - pm.v[:, None]\n", "        table = pm.q\n", "the advantage vector A^π read as q^π",
           tests=MX_TESTS),
    # ---- `v depends on s` / `q depends on s, a`: the undecorated letter an arbitrary function (corpus2)
    Mutant(MX, 'if node.name == "r" and node.policy is None or node.name == "f":', 'if node.name == "r" and node.policy is None:',
           "arbitrary-letter: ∇θ of a declared v (q) differentiated as the model's value", tests=ARB_TESTS),
    Mutant(MX, 'else Mat(t.reshape(m.S * m.A, 1), "SA", "1")', 'else Mat(t.T.reshape(m.S * m.A, 1), "SA", "1")',
           "arbitrary-letter: a declared q flattened action-major (not in the order of q^π)", tests=ARB_TESTS),
    Mutant(MX, '    if "decorated" in seen:\n', '    if False:\n',
           "arbitrary-letter: v declared arbitrary beside a decorated v^π (one letter, two functions)", tests=ARB_TESTS),
    Mutant(MX, 'return Mat(t[:, None], "S", "1") if t.ndim == 1', 'return Mat(t[::-1, None], "S", "1") if t.ndim == 1',
           "arbitrary-letter: a declared v read at the wrong states (its table reversed)", tests=ARB_TESTS),
    # ---- `defines X` whose other relations never write X (corpus2)
    Mutant("pgverify/documents.py", "            definitions = definitions[:-1]\n", "",
           "defines-unused: the unused defining relation kept (the display refused)", tests=DEF_TESTS),
    Mutant("pgverify/documents.py", "    return name is not None and not any(", "    return name is not None or not any(",
           "defines-unused: the definition dropped even where the rest writes the name", tests=DEF_TESTS),
    # ---- β, the second policy by a letter of its own (textbook profile; corpus2)
    Mutant("pgverify/notation/latex.py", '            role, primes = "pi", primes + 1\n', '            role = "pi"\n',
           "behaviour-letter: β read as the policy π_θ itself", tests=BETA_TESTS),
    Mutant("pgverify/notation/latex.py", "        elif primes:\n            _one_second_policy(self.p, tok.value, pos)\n",
           "", "behaviour-letter: π' accepted beside β (two letters, one policy)", tests=BETA_TESTS),
    Mutant(MX, "return _dsum(None, _times(_times(inv, dx, m), inv, m), -1)",
           "return _dsum(None, _times(_times(inv, dx, m), inv, m), 1)", "∇(X⁻¹) = +X⁻¹(∇X)X⁻¹", tests=MX_TESTS),
    Mutant(MX, "                d = _dsum(_dleaf(A.Fn(\"r\", policy=f.index), sc), d, 1)", "                d = d",
           "∇(T_π x) without ∇r_π", tests=MX_TESTS),
    Mutant(MX, "    if x.cols != y.rows:\n        raise _ill(", "    if False:\n        raise _ill(",
           "a product of mismatched shapes not refused", tests=MX_TESTS),
    Mutant(MX, "    if a == b:\n        return\n    if (not a", "    if len(a) == len(b):\n        return\n    if (not a",
           "a row vector and a column vector compared as if of one shape", tests=MX_TESTS),
    Mutant(MX, "        want = ROW_AXIS if ones == \"column\" else COLUMN_AXIS", "        want = ROW_AXIS",
           "𝟏ᵀ alone as a side compared with a column", tests=MX_TESTS),
    # ---- pgverify/notation/gae.py: GAE's δ_t^V, Â_t^{(k)}, Â_t^{GAE(γ,λ)} (issue 18) and the series they use
    Mutant(GAE, "    return A.Sub(A.Add(A.At(\"r\", time), A.Mul((A.Sym(\"discount\"), nxt))), A.Apply(w, (_s(time),)))",
           "    return A.Sub(A.Add(A.At(\"r\", time), nxt), A.Apply(w, (_s(time),)))",
           "δ_t^V without the discount on V(s_{t+1})", tests=GAE_TESTS),
    Mutant(GAE, "    nxt = A.Apply(w, (_s(_plus(time, 1)),))", "    nxt = A.Apply(w, (_s(time),))",
           "δ_t^V bootstraps from V(s_t) instead of V(s_{t+1})", tests=GAE_TESTS),
    Mutant(GAE, "        weight = A.Pow(A.Mul((A.Sym(\"discount\"), trace)), _L)", "        weight = A.Pow(A.Sym(\"discount\"), _L)",
           "GAE weighted by γ^l instead of (γλ)^l", tests=GAE_TESTS),
    Mutant(GAE, "lower=A.Num(0), upper=A.Sub(exp, A.Num(1)))", "lower=A.Num(0), upper=exp)",
           "Â_t^{(k)} summed to l = k instead of k − 1", tests=GAE_TESTS),
    Mutant(GAE, "        return A.Sum((_L,), A.Mul((weight, term)), lower=A.Num(0), upper=A.Infinity())",
           "        return A.Sum((_L,), A.Mul((weight, term)), lower=A.Num(1), upper=A.Infinity())",
           "GAE summed from l = 1", tests=GAE_TESTS),
    Mutant(GAE, "    return _to_value(out) if value_v else out", "    return out",
           "`where V = v^π` consumed but V left arbitrary", tests=GAE_TESTS),
    Mutant(GAE, "    return value if 0 <= value <= 1 else None", "    return value",
           "λ outside [0, 1] accepted", tests=GAE_TESTS),
    Mutant(GAE, "    if mentions_trace(chain) and not fixed:", "    if False:",
           "λ unfixed not refused by its reason", tests=GAE_TESTS),
    Mutant(GAE, "                elif not _PAREN.match(content):", "                elif False:",
           "Â_t^2 read as the two-step estimator", tests=GAE_TESTS),
    Mutant(EV, "    bad = (vals < base) | (vals > base + T) & (_ABSORBING not in sc.env)",
           "    bad = (vals < base) | (vals > base + T)",
           "an infinite series along a trajectory may not read past T + 1", tests=GAE_TESTS),
    Mutant(EV, "    bad = (vals < base) | (vals > base + T) & (_ABSORBING not in sc.env)",
           "    bad = (vals < base)", "a time past T + 1 read outside any series", tests=GAE_TESTS),
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
    # ---- the output (issue 19): words, the page's tables, aligned rows
    Mutant("pgverify/output/words.py", "return (fa != fb) if fa is not None and fb is not None else str(a) != str(b)",
           "return (fa == fb) if fa is not None and fb is not None else str(a) != str(b)",
           "an = step's failing entries are the equal ones", OUTPUT_TESTS),
    Mutant("pgverify/output/words.py", "s, a = divmod(at[0], theta[1])", "s, a = divmod(at[0], theta[0])",
           "∂/∂θ[s,a] named with the number of states for the number of actions", OUTPUT_TESTS),
    Mutant("pgverify/output/words.py", 'return (f"this {shape[0]}-state, {shape[1]}-action MDP"',
           'return (f"this {shape[1]}-state, {shape[0]}-action MDP"', "the MDP's states and actions swapped in words",
           OUTPUT_TESTS),
    Mutant("pgverify/output/words.py", 'return "drops", " ".join(a for a in left', 'return "adds", " ".join(a for a in left',
           "a dropped factor said to be added", OUTPUT_TESTS),
    Mutant("pgverify/output/words.py", "            if at in fails:\n                marked.add(n)",
           "            marked.add(n)", "every entry of left against right marked as failing", OUTPUT_TESTS),
    Mutant("pgverify/output/annotate.py", 'if t in ("{", r"\\left") or t.startswith(r"\\begin{"):',
           'if t == "{" or t.startswith(r"\\begin{"):', "a row break inside \\left…\\right splits the row",
           OUTPUT_TESTS),
    Mutant("pgverify/output/annotate.py", 'else ("right" if i % 2 == 0 else "left")',
           'else ("left" if i % 2 == 0 else "right")', "aligned columns left/right swapped", OUTPUT_TESTS),
    Mutant("pgverify/output/page.py", """mark = ' class="differs"' if n in t.marked else \"\"""",
           """mark = ' class="differs"' if n not in t.marked else \"\"""", "the page marks the entries that agree",
           OUTPUT_TESTS),
    # ---- the reader of issue 17 (lit-read): macros, margins, the author's names, profiles
    Mutant("pgverify/notation/macros.py", 'lambda g: "#" if g.group(0) == "##" else args[int(g.group(1)) - 1]',
           'lambda g: "#" if g.group(0) == "##" else args[0]', "macro body: every #k reads the first argument",
           LIT_READ),
    Mutant("pgverify/notation/macros.py", "                args.append(item.default)\n",
           "                args.append(\"\")\n", "macro: the optional argument's default dropped", LIT_READ),
    Mutant("pgverify/notation/macros.py", 'if name in BUILTINS and kind != "providecommand":',
           'if False and name in BUILTINS:', "macro: a redefinition of a built-in accepted", LIT_READ),
    Mutant("pgverify/notation/macros.py", "            out.append(escapes.get(n, n))\n",
           "            out.append(c + n)\n", "MathJax block: JavaScript escapes kept (\\\\R read as two backslashes)",
           LIT_READ),
    Mutant("pgverify/notation/macros.py", "        if count > MAX_EXPANSIONS:", "        if count > 10 * MAX_EXPANSIONS:",
           "macro: the documented bound on expansions not enforced", LIT_READ),
    Mutant("pgverify/notation/margins.py", "        if c:\n            out.append(A.Row(side",
           "        if False:\n            out.append(A.Row(side", "\\cancel: the check that the term vanishes never added",
           LIT_READ),
    Mutant("pgverify/notation/margins.py", "        return (A.Row(A.Sub(left, right, pos=left.pos), (A.Step(\"=\", A.Sub(zl, zr,",
           "        return (A.Row(A.Sub(left, zl, pos=left.pos), (A.Step(\"=\", A.Sub(zl, zr,",
           "\\cancel on both sides: the check compares the left side with itself", LIT_READ),
    Mutant("pgverify/notation/margins.py", '            parts.append(Source("(0 ", (here,) * 4))',
           '            parts.append(Source("(1 ", (here,) * 4))', "\\cancel: the term replaced by itself, not 0",
           LIT_READ),
    Mutant("pgverify/notation/margins.py", "    if first in CONDITION_WORDS:", "    if first in ():",
           "a condition in the margin taken as a label", LIT_READ),
    Mutant("pgverify/notation/margins.py", '_KEEP_LAST = {"textcolor": 2, "boxed": 1}',
           '_KEEP_LAST = {"textcolor": 1, "boxed": 1}', "\\textcolor keeps its colour instead of its text", LIT_READ),
    Mutant("pgverify/notation/names.py", "            defined[n] = own", "            pass",
           "the author's definition not passed to the displays after it", LIT_READ),
    Mutant("pgverify/notation/names.py", "            elif n in defined:\n                defs.append(defined[n])",
           "            elif n in defined:\n                pass",
           "a use of the author's name left without its definition", LIT_READ),
    Mutant("pgverify/notation/profiles.py", "        unknown = sorted(set(data) - set(KEYS))", "        unknown = []",
           "profile: unknown keys ignored", LIT_READ),
    # ---- algorithm boxes (issue 22): pgverify/notation/boxes.py and pgverify/audit/boxes.py
    Mutant(BX, "            acc = self.rewards[:, k, :] + self.gamma * acc",
           "            acc = self.rewards[:, k, :] + acc", "box: G_n^t without the discount", BOX_TESTS),
    Mutant(BX, "        row = t - self.time_base", "        row = t - 1", "box: time from 1 in the textbook's boxes too",
           BOX_TESTS),
    Mutant(BX, "        table[seen] = sums[seen] / counts[seen]", "        table[seen] = sums[seen]",
           "box: the least-squares fit as the per-state sum, not the mean", BOX_TESTS),
    Mutant(BX, "            inside = (lo <= i) & (i <= hi)", "            inside = lo <= i",
           "box: a sum's per-episode upper bound (T) ignored", BOX_TESTS),
    Mutant(BX, "                    self.mask = outer & (lo <= i) & (i <= hi)",
           "                    self.mask = outer & (lo <= i)", "box: a loop runs past the episode's end", BOX_TESTS),
    Mutant(BX, "            d = V(\"vector\", np.where(self.mask[:, None], d.arr, Fraction(0)))",
           "            d = d", "box: θ updates of masked-out steps kept", BOX_TESTS),
    Mutant(BX, "    return bool(c > 0 and all(x == c * y for x, y in zip(E, grad))), \"c·∇U (c > 0)\"",
           "    return bool(all(x == c * y for x, y in zip(E, grad))), \"c·∇U (c > 0)\"",
           "box: a θ direction accepted at a negative factor (descent)", BOX_TESTS),
    Mutant(BX, "    prog = Program(box, st, N, reading=reading, fit_offset=N if fit == \"independent\" else 0, "
               "fill=Fraction(fill),",
           "    prog = Program(box, st, N, reading=reading, fit_offset=0, fill=Fraction(fill),",
           "box: the independent fit reads the estimate's own roll-outs", BOX_TESTS),
    Mutant(BX, "                row[self.st.emdp.absorbing] = Fraction(0)", "                pass",
           "box: the terminal-value convention v̂(S', w) ≐ 0 not applied", BOX_TESTS),
    Mutant(BX, "        if not self.mask.all() and old is not None and old.kind == v.kind:",
           "        if False:", "box: an assignment in a masked step overwrites the other batches", BOX_TESTS),
    Mutant("pgverify/notation/boxes.py", "    (r\"\\\\gamma\\b\", r\"\\\\lambda\", \"the discount γ read as the post's λ\"),",
           "", "box: the textbook's γ not read as the discount", BOX_TESTS),
    Mutant(BX, "            w1 = (m00[i] * v1[i] - m01[i] * v0[i]) / det[i]",
           "            w1 = (m00[i] * v1[i] + m01[i] * v0[i]) / det[i]",
           "box: the linear fit's slope with a sign slip (Cramer's rule)", BOX_TESTS),
    # ---- the literature's notation (issue 17, items 1–4: pgverify.notation.trajectories)
    Mutant(LIT, "return ZERO if grad else _gather(np.asarray(m.mu0, dtype=object), [ev(node.args[0], sc)])",
           "return ZERO if grad else _gather(np.asarray(m.mu0, dtype=object) * 0 + 1, [ev(node.args[0], sc)])",
           "ρ₀(s) read as 1", LIT_TESTS),
    Mutant(LIT, "return ZERO if grad else _gather(m.r, [ev(node.args[0], sc), ev(node.args[1], sc)])",
           "return ZERO if grad else _gather(m.r, [ev(node.args[2], sc), ev(node.args[1], sc)])",
           "R(s, a, s') read as r(s', a)", LIT_TESTS),
    Mutant(LIT, "return None if a is None or b is None else A.Frac(a, b, pos=n.pos)",
           "return None if a is None or b is None else A.Mul((a, b), pos=n.pos)",
           "log a − log b compared as log(ab)", LIT_TESTS),
    Mutant(LIT, "return None if a is None else A.Prod(n.indices, a, n.lower, n.upper, n.domain, pos=n.pos)",
           "return None if a is None else A.Sum(n.indices, a, n.lower, n.upper, n.domain, pos=n.pos)",
           "exp(Σ log x) taken as Σ x instead of Π x", LIT_TESTS),
    Mutant(LIT, "        bad = x == 0\n", "        bad = False\n", "log 0 not refused", LIT_TESTS),
    Mutant(LIT, "                if states[i, t] != terminal:", "                if True:",
           "the terminal state counted in η", LIT_TESTS),
    Mutant(LIT, "            eta = np.asarray([x / total for x in eta], dtype=object)", "            pass",
           "μ not normalised", LIT_TESTS),
    Mutant(LIT, "            return time.left\n", "            return time\n",
           "S&B's R_{t+1} read as r(s_{t+1}, a_{t+1})", LIT_TESTS),
    Mutant(LIT, "law = A.Apply(dist, (A.Blank(),), (A.At(\"s\", var.time, pos=var.pos),), pos=dist.pos)",
           "law = A.Apply(dist, (A.Blank(),), (A.At(\"s\", A.Add(var.time, A.Num(1)), pos=var.pos),), pos=dist.pos)",
           "𝔼_{a_t∼π_θ} conditioned on s_{t+1}", LIT_TESTS),
    Mutant(LIT, "            c = replace(c, discount=Fraction(1), families=c.families or (\"episodic-softmax\",))",
           "            c = replace(c, families=c.families or (\"episodic-softmax\",))",
           "the finite-horizon undiscounted setting keeps the model's γ", LIT_TESTS),
    Mutant(EV, "- int(sc.conv.last_action))", ")", "Spinning Up's T read as the last state's time", LIT_TESTS),
    Mutant(LIT, "            return A.Apply(A.Fn(\"pi\", param=n.fn.state, pos=n.fn.pos), (x,), (s,), pos=n.pos)",
           "            return A.Apply(A.Fn(\"pi\", param=n.fn.state, pos=n.fn.pos), (x,), (A.Sym(\"s0\"),), pos=n.pos)",
           "the categorical P_θ checked at the initial state only", LIT_TESTS),
    Mutant(LIT, "flat = _binary(lambda s, a: s * m.A + a, _ev(idx.state, sc), _ev(idx.action, sc))",
           "flat = _binary(lambda s, a: a * m.S + s, _ev(idx.state, sc), _ev(idx.action, sc))",
           "θ_{s,a} flattened in the wrong order", LIT_TESTS),
    Mutant(LIT, "    if m.K != m.S * m.A:\n        return False\n", "    return True\n",
           "∂/∂θ_{s,a} accepted on any family", LIT_TESTS),
    Mutant(LIT, "shift = 1 - profile.time_base + (1 if", "shift = 0 + (1 if",
           "an annotation's horizon read as the family's (T off by one in the textbook profile)",
           ("tests/test_literature_profiles.py",)),
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
    # ---- red team 2: the drawn τ of an unnamed 𝔼[… | …], the one-hot start of every checked model
    Mutant(EV, "        inner = inner.bind(TRAJECTORY, t)\n", "        pass\n",
           "G_τ^t inside an unnamed 𝔼[… | s_t, a_t] read on the display's free τ, not the drawn one",
           tests=RT2_CASES),
    Mutant(LIT, "        if not grad and sc.conv.random_start:", "        if False:",
           "ρ₀'s value read on the one-hot start (h² = h, ρ₀(s_0) = 1 pass)", tests=RT2_CASES),
    Mutant(EV, "    if free_refused and any(", "    if False and any(",
           "the law of a given τ read where ρ₀(s_0) = 1 on every trajectory", tests=RT2_CASES),
    Mutant(EV, '        return ("tabular-softmax-initial-distribution",)', '        return ("tabular-softmax",)',
           "μ (theory) checked on the one-hot start: μμ^⊤ = 1 proved", tests=RT2_CASES),
    Mutant(EV, "    if sc.conv.random_start and any(_mentions(g,", "    if False and any(_mentions(g,",
           "a conditional on s_0 = s read on the one start every model has", tests=RT2_CASES),
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
