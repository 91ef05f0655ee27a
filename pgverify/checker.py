"""The checker: every applicable method on every claim, and the verdict.

Methods (see ``shared/design.md`` §3):

* ``symbolic`` — every ``=`` step's difference is 0 in the field of rational
  functions of the family's symbols: a proof on that family;
* ``exact`` — every step holds in exact rational arithmetic at ``k`` points
  drawn uniformly from a grid of :data:`~pgverify.families.GRID` values per
  coordinate; for ``=`` steps the chance that a false identity passes is at
  most (D/GRID)ᵏ, D the degree bound computed by evaluating the claim in
  degree-bound arithmetic (Schwartz–Zippel);
* ``numeric`` — a Hypothesis property test in float64 on small drawn models,
  tolerance :data:`NUMERIC_RTOL` scaled by the size of the values and by the
  conditioning 1/(1 − λ) of the Bellman solve.

A refutation comes with the smallest counterexample Hypothesis finds when
searching small exact examples (exact values), or, failing that, the float64
example that failed.
"""

from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
from hypothesis import HealthCheck, Phase, given, target
from hypothesis import seed as hypothesis_seed
from hypothesis import settings as hypothesis_settings

from numeric.arithmetic import Degree
from numeric.errors import InexactOperandError, InvalidArgumentError
from numeric.model import Model
from pgverify import cache
from pgverify.families import GRID, Family, InvalidFamilySizeError, sized_family
from pgverify.registry import METHODS, SLOW_METHODS_OPT_IN, Claim
from pgverify.settings import InvalidSettingsError, Settings
from pgverify.statement import MISSING, Chain, IllFormedChain, OutsideCondition
from pgverify.verdicts import VERDICTS, Check, ClaimResult, Counterexample  # the records live in pgverify.verdicts
from symbolic.zero import schwartz_zippel_bound

__all__ = ["Settings", "InvalidSettingsError", "Check", "Counterexample", "ClaimResult", "check_claim", "check_claims",
           "evaluate_chain", "NUMERIC_RTOL", "GC_THRESHOLD", "VERDICTS"]

#: Relative tolerance of a float64 comparison, before scaling by (1 + |values|)/(1 − λ).
#: A Bellman solve loses about log10(cond) ≤ log10(2/(1 − λ)) digits; 1e-8 keeps
#: seven digits of margin above float64's 1e-16 for λ ≤ 0.9 and small MDPs.
NUMERIC_RTOL = 1e-8

#: Generation-0 threshold of Python's cyclic garbage collector while a claim is checked (Python's default: 700
#: allocations).  The exact method keeps object arrays of hundreds of thousands of rationals alive (the
#: REINFORCE claims' N-tuples of roll-outs) and Hypothesis allocates as fast; at the default threshold the
#: collector ran every 700 allocations and traversed them all: over half of the exact method's time
#: (reinforce.ascent-step, 3 points: 0.58 s, 0.27 s at this threshold).  Reference counting frees everything
#: as before; only reference cycles wait for the next, rarer, collection.  Nothing computed depends on it.
GC_THRESHOLD = 50_000


@dataclass(frozen=True)
class StepResult:
    index: int
    label: str
    relation: str
    ok: bool
    lhs: Any
    rhs: Any

@dataclass(frozen=True)
class Evaluation:
    """The outcome of one chain on one model.

    ``undecidable`` says why this arithmetic cannot decide the chain (a float in an exact
    method's line); its steps are then not compared at all.
    """

    ill_formed: str | None
    steps: tuple[StepResult, ...]
    chain: Chain | None  # None when the chain could not be built in this arithmetic (``undecidable`` says why)
    undecidable: str | None = None

    @property
    def first_failure(self) -> StepResult | None:
        return next((s for s in self.steps if not s.ok), None)

class _Refuted(Exception):
    def __init__(self, evaluation: Evaluation) -> None:
        self.evaluation = evaluation

def _shape(x: Any) -> tuple[int, ...]:
    return np.shape(x) if isinstance(x, np.ndarray) else ()

def _well_formed(c: Chain) -> str | None:
    for s in c.steps:
        if s.lhs is MISSING or s.rhs is MISSING:
            return f"step {s.label!r} has no {'left' if s.lhs is MISSING else 'right'}-hand side: the display stops"
        if _shape(s.lhs) != _shape(s.rhs):
            return (f"step {s.label!r} compares shapes {_shape(s.lhs)} and {_shape(s.rhs)}: "
                    f"a free index does not type-check")
    return None

def _holds(a: Any, b: Any, relation: str, model: Model) -> bool:
    a_, b_ = np.asarray(a, dtype=object if model.arithmetic.exact else np.float64), np.asarray(
        b, dtype=object if model.arithmetic.exact else np.float64)
    if model.arithmetic.exact:
        if relation == "=":
            return all(x == y for x, y in zip(a_.ravel(), b_.ravel()))
        op = {"<=": lambda x, y: x <= y, ">=": lambda x, y: x >= y, "<": lambda x, y: x < y, ">": lambda x, y: x > y}[relation]
        return all(op(x, y) for x, y in zip(a_.ravel(), b_.ravel()))
    if not (np.all(np.isfinite(a_)) and np.all(np.isfinite(b_))):
        return False
    # issue 9: a model may state the conditioning of its Bellman solve (λ = 1 on an episode: its horizon)
    conditioning = getattr(model, "extras", {}).get("conditioning") or 1 / (1 - float(model.lam))
    tol = NUMERIC_RTOL * (1 + np.maximum(np.abs(a_), np.abs(b_))) * conditioning
    diff = a_ - b_
    if relation == "=":
        return bool(np.all(np.abs(diff) <= tol))
    if relation in ("<=", "<"):
        return bool(np.all(diff <= tol)) if relation == "<=" else bool(np.all(diff < -tol))
    return bool(np.all(diff >= -tol)) if relation == ">=" else bool(np.all(diff > tol))

def _first_float(x: Any) -> Any:
    """The first rounded (binary floating-point) entry of ``x``, or None."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "fc":
            return x.ravel()[0] if x.size else None
        if x.dtype != object:
            return None
        return next((e for e in x.ravel() if isinstance(e, _FLOATS)), None)
    return x if isinstance(x, _FLOATS) else None


_FLOATS = (float, complex, np.floating, np.complexfloating)


def _float_in_exact(c: Chain) -> str | None:
    """Why an exact method cannot decide ``c``: the first step with a float on a side, or None.

    A float is rounded (``0.5 * U`` is ``float(U) * 0.5`` once Python meets a Fraction and a
    float, ``float(U)`` rounds U), so comparing it with an exact value could refute a true
    identity; the exact methods leave such a chain to the float64 method instead.
    """
    for i, s in enumerate(c.steps):
        for side, x in (("left", s.lhs), ("right", s.rhs)):
            f = _first_float(x)
            if f is not None:
                return (f"cannot evaluate step {i + 1} ({s.label!r}) exactly: its {side}-hand side holds the "
                        f"float {float(np.real(f))!r} (a float literal, float(), or an array of floats such as "
                        f"np.zeros(shape)); a float is rounded and an exact value is never compared with a "
                        f"rounded one. Write integers or fractions.Fraction (m.U / 2, np.zeros(shape, dtype=int)) "
                        f"for an exact check")
    return None


def _inexact(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or an exception it was raised from) is a float meeting exact arithmetic."""
    while exc is not None:
        if isinstance(exc, InexactOperandError):
            return True
        exc = exc.__cause__
    return False


def evaluate_chain(claim: Claim, model: Model) -> Evaluation:
    """Evaluate ``claim`` on ``model`` and check each of its steps.

    In an exact arithmetic (exact rationals, symbolic, degree bounds) a chain with a float on
    any side is not compared: the evaluation is ``undecidable`` and says which step holds it.
    """
    try:
        c = claim.evaluate(model)
    except IllFormedChain as exc:
        return Evaluation(str(exc), (), None)
    except Exception as exc:
        if not model.arithmetic.exact or not _inexact(exc):
            raise
        return Evaluation(None, (), None, str(exc))
    if not isinstance(c, Chain):
        raise TypeError(f"claim {claim.id!r} returned {type(c).__name__}, not a Chain")
    bad = _well_formed(c)
    if bad:
        return Evaluation(bad, (), c)
    if model.arithmetic.exact:
        why = _float_in_exact(c)
        if why:
            return Evaluation(None, (), c, why)
    only_equalities = model.arithmetic.name == "symbolic"
    steps = tuple(StepResult(i, s.label, s.relation, _holds(s.lhs, s.rhs, s.relation, model), s.lhs, s.rhs)
                  for i, s in enumerate(c.steps) if not (only_equalities and s.relation != "="))
    if not model.arithmetic.exact:
        first = next((s for s in steps if not s.ok), None)
        if first is not None and first.relation in ("<", ">") and _holds(
                first.lhs, first.rhs, first.relation + "=", model):
            return Evaluation(None, steps, c, f"cannot decide step {first.index + 1} ({first.label!r}) in float64: "
                                              f"its sides agree within the tolerance, and a strict inequality "
                                              f"between values that close needs exact arithmetic (the numeric "
                                              f"method re-evaluates such an example exactly)")
    return Evaluation(None, steps, c)

def _degree_bound(claim: Claim, family: Family) -> int | None:
    """The largest numerator degree of any ``=`` step's difference, or None if it cannot be bounded."""
    try:
        c = claim.evaluate(family.degree())
    except Exception:
        return None
    if not any(s.relation == "=" for s in c.steps):
        return None  # inequalities only: no Schwartz–Zippel bound applies
    worst = 0
    for s in c.steps:
        if s.relation != "=":
            continue
        diff = np.asarray(s.lhs, dtype=object) - np.asarray(s.rhs, dtype=object)
        for e in np.asarray(diff, dtype=object).ravel():
            if not isinstance(e, Degree):
                if e != 0:
                    return None
                continue
            if not e.zero:
                worst = max(worst, e.num)
    return worst

def _timed(fn: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t

def _symbolic(claim: Claim, family: Family, settings: Settings) -> Check | None:
    """Universal check of the ``=`` steps; inequality steps are left to the other methods.  None when the
    universal model is not one the claim is made on (:class:`OutsideCondition`): no universal check.

    The outcome of a catalogue claim is cached on disk (:mod:`pgverify.cache`);
    a cached check says so (``cached``) with the seconds it took when computed.
    """
    use_cache = settings.cache and cache.cacheable(claim.evaluate)
    if use_cache:
        hit = cache.load(claim.id, cache.code_key(claim.evaluate), family.symbolic_label)
        if hit is not None:
            return Check("symbolic", family.symbolic_label, hit["passed"], 0.0,
                         {**hit["details"], "cached": True, "computed_seconds": hit["seconds"]},
                         hit["failing_step"], hit["message"])
    model = family.symbolic()  # type: ignore[misc]
    try:
        ev, secs = _timed(lambda: evaluate_chain(claim, model))
    except OutsideCondition:  # the universal model is not one the claim is made on: no universal check
        return None
    undecided = [s.label for s in ev.chain.steps if s.relation != "="] if not (ev.ill_formed or ev.undecidable) else []
    details = {"undecided_steps": undecided} if undecided else {}
    check = _as_check("symbolic", family.symbolic_label, ev, secs, details)
    if use_cache:
        cache.store({"passed": check.passed, "details": check.details, "seconds": check.seconds,
                     "failing_step": check.failing_step, "message": check.message}, claim.id,
                    cache.code_key(claim.evaluate), family.symbolic_label)
    return check

def _as_check(method: str, label: str, ev: Evaluation, secs: float, details: dict[str, Any]) -> Check:
    details = {**(ev.chain.details if ev.chain else {}), **details}
    if ev.undecidable:
        return Check(method, label, None, secs, details, None, ev.undecidable)
    if ev.ill_formed:
        return Check(method, label, False, secs, details, None, "ill-formed: " + ev.ill_formed)
    bad = ev.first_failure
    return Check(method, label, bad is None, secs, details, None if bad is None else bad.label)

def _exact(claim: Claim, family: Family, settings: Settings) -> Check:
    """Every step at ``settings.exact_points`` random grid points (all of them, each one evaluated).

    ``details["points"]`` counts the points evaluated; the Schwartz–Zippel bound is given
    only when every point was evaluated and passed.
    """
    t = time.perf_counter()
    stop: Evaluation | None = None
    measured: dict[str, Any] = {}
    evaluated = 0
    equalities = False  # whether some point's chain has an = step (a Schwartz–Zippel bound is about those)
    outside: list[str] = []  # points that meet none of the claim's conditions: skipped, counted
    for model in family.exact_points(settings.exact_points, settings.seed):
        try:
            ev = evaluate_chain(claim, model)
        except OutsideCondition as exc:
            outside.append(str(exc))
            continue
        evaluated += 1
        measured = ev.chain.details if ev.chain else {}
        equalities = equalities or (ev.chain is not None and any(s.relation == "=" for s in ev.chain.steps))
        if ev.ill_formed or ev.undecidable or ev.first_failure:
            stop = ev
            break
    details: dict[str, Any] = {**measured, "points": evaluated, "grid": GRID,
                               **({"points_outside_condition": len(outside)} if outside else {})}
    if stop is None and not evaluated:
        return Check("exact", family.exact_label, None, time.perf_counter() - t, details, None,
                     f"vacuous: none of the {len(outside)} exact points meets the condition ({outside[0]})")
    if stop is None and outside:  # the points that were evaluated are not uniform draws: no Schwartz–Zippel bound
        details["degree_bound"] = details["error_bound"] = None
    elif stop is None:
        if evaluated != settings.exact_points:
            raise RuntimeError(f"family {family.name!r} gave {evaluated} exact points, {settings.exact_points} asked")
        # inequalities only (reinforce.ascent-step): no bound applies, and the degree evaluation is not run
        degree = _degree_bound(claim, family) if equalities else None
        details["degree_bound"] = degree
        details["error_bound"] = None if degree is None else schwartz_zippel_bound(degree, GRID, evaluated)
    secs = time.perf_counter() - t
    if stop is not None:
        return _as_check("exact", family.exact_label, stop, secs, details)
    return Check("exact", family.exact_label, True, secs, details)

def _hypothesis_search(claim: Claim, family: Family, settings: Settings, *, exact: bool,
                       max_examples: int, shrink: bool, measured: dict[str, Any] | None = None,
                       skipped: list[int] | None = None,
                       outside: list[int] | None = None) -> tuple[int, tuple[Any, Evaluation] | None]:
    """Run the claim on Hypothesis-drawn examples; return (#examples, a failing example, shrunk if asked).

    ``measured`` (if given) receives the details of the last example evaluated.
    """
    seen = 0
    last_failure: list[tuple[Any, Evaluation]] = []

    @hypothesis_settings(max_examples=max_examples, database=None, deadline=None, derandomize=False,
                         suppress_health_check=list(HealthCheck), phases=(Phase.generate, Phase.target, Phase.shrink) if shrink else (Phase.generate, Phase.target),
                         print_blob=False, report_multiple_bugs=False)
    @hypothesis_seed(settings.seed)
    @given(family.examples())
    def probe(example: Any) -> None:
        nonlocal seen
        try:
            ev = evaluate_chain(claim, family.build(example, exact))
        except OutsideCondition:  # not an example the claim is made on: neither a pass nor a failure
            if outside is not None:
                outside[0] += 1
            return
        seen += 1
        if measured is not None:
            measured.clear()
            measured.update(ev.chain.details if ev.chain else {})
        if ev.undecidable and not exact:  # float64 cannot decide (a tie within tolerance): ask exact arithmetic
            try:
                again = evaluate_chain(claim, family.build(example, True))
            except Exception:  # no exact model of this example (a transcendental family, a float-only line)
                again = None
            if again is not None and not again.undecidable:
                ev = again
        if ev.undecidable:  # this arithmetic cannot decide this example: neither a pass nor a failure
            if skipped is not None:
                skipped[0] += 1
            return
        if ev.ill_formed or ev.first_failure:
            last_failure.append((example, ev))
            raise _Refuted(ev)
        margin = _inequality_margin(ev)
        if margin is not None:
            target(-margin, label="violation margin")

    try:
        probe()
    except _Refuted:
        return seen, last_failure[-1]
    return seen, None

def _inequality_margin(ev: Evaluation) -> float | None:
    """The smallest relative margin (R − L)/(|L| + |R|) (for ≥: L − R) over the inequality steps' entries.

    Hypothesis ``target()`` drives its search toward small margins, that is toward violations.
    """
    worst = None
    for s in ev.steps:
        if s.relation == "=":
            continue
        for a, b in zip(np.ravel(np.asarray(s.lhs, dtype=object)), np.ravel(np.asarray(s.rhs, dtype=object))):
            a, b = float(a), float(b)
            gap = b - a if s.relation in ("<=", "<") else a - b
            scale = abs(a) + abs(b)
            m = gap / scale if scale else gap
            if np.isfinite(m) and (worst is None or m < worst):
                worst = m
    return worst


def _numeric(claim: Claim, family: Family, settings: Settings) -> tuple[Check, tuple[Any, Evaluation] | None]:
    measured: dict[str, Any] = {}
    skipped, outside = [0], [0]
    (seen, failure), secs = _timed(lambda: _hypothesis_search(
        claim, family, settings, exact=False, max_examples=settings.numeric_examples, shrink=False,
        measured=measured, skipped=skipped, outside=outside))
    details = {**({"last_example": measured} if measured else {}), "examples": seen, "rtol": NUMERIC_RTOL,
               **({"undecidable_examples": skipped[0]} if skipped[0] else {}),
               **({"examples_outside_condition": outside[0]} if outside[0] else {})}
    if failure is None and not seen:
        return Check("numeric", family.numeric_label, None, secs, details, None,
                     f"vacuous: none of the {outside[0]} examples drawn meets the condition"), None
    if failure is None and skipped[0] == seen:
        return Check("numeric", family.numeric_label, None, secs, details, None,
                     f"float64 could decide none of the {seen} examples (strict inequalities within the "
                     f"tolerance)"), None
    if failure is None:
        return Check("numeric", family.numeric_label, True, secs, details), None
    return _as_check("numeric", family.numeric_label, failure[1], secs, details), failure

def _values(x: Any) -> Any:
    arr = np.asarray(x, dtype=object)
    if arr.ndim == 0:
        v = arr[()]
        return str(v) if not isinstance(v, float) else float(v)
    return [_values(y) for y in arr]

def _counterexample(claim: Claim, family: Family, settings: Settings,
                    float_failure: tuple[Any, Evaluation] | None) -> Counterexample | None:
    _, exact_failure = _hypothesis_search(claim, family, settings, exact=True,
                                          max_examples=settings.counterexample_examples, shrink=True)
    found, exact = (exact_failure, True) if exact_failure is not None else (float_failure, False)
    if found is None:
        return None
    example, ev = found
    step = ev.first_failure
    if step is None:  # ill-formed
        return None
    return Counterexample(family.name, "exact" if exact else "numeric", step.label, step.index,
                          family.describe(example), _values(step.lhs), _values(step.rhs), exact)

@contextmanager
def _few_collections() -> Iterator[None]:
    """Python's cyclic collector at generation-0 threshold :data:`GC_THRESHOLD` inside the block (restored
    after; a block inside another, or under a caller's higher threshold, changes nothing)."""
    old = gc.get_threshold()
    if old[0] >= GC_THRESHOLD:
        yield
        return
    gc.set_threshold(GC_THRESHOLD, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def check_claim(claim: Claim, settings: Settings = Settings()) -> ClaimResult:
    """Run every applicable method of ``settings`` on every family of ``claim``; decide the verdict."""
    with _few_collections():
        return _check_claim(claim, settings)


def _check_claim(claim: Claim, settings: Settings) -> ClaimResult:
    checks: list[Check] = []
    counterexample: Counterexample | None = None
    for name in claim.families:
        family = sized_family(name, settings.symbolic_size)
        float_failure = None
        for method in settings.methods:
            slow_but_asked = method in claim.slow_methods and SLOW_METHODS_OPT_IN in settings.opt_in
            if (method not in claim.methods and not slow_but_asked) or method not in family.methods:
                continue
            try:
                if method == "symbolic":
                    if family.symbolic is None:
                        continue
                    check = _symbolic(claim, family, settings)
                    if check is None:
                        continue
                    checks.append(check)
                elif method == "exact":
                    checks.append(_exact(claim, family, settings))
                elif method == "numeric":
                    check, float_failure = _numeric(claim, family, settings)
                    checks.append(check)
            except Exception as exc:  # an error inside the claim's evaluation: undecided, said so
                checks.append(Check(method, name, None, 0.0, {}, None,
                                    f"the {method} method cannot evaluate this claim: {type(exc).__name__}: {exc}"))
            if checks and checks[-1].message.startswith("ill-formed"):
                return ClaimResult(claim, "ill-formed", tuple(checks), None, checks[-1].message[len("ill-formed: "):])
        failed = [c for c in checks if c.passed is False]
        if failed and counterexample is None:
            try:
                counterexample = _counterexample(claim, family, settings, float_failure)
            except Exception as exc:
                checks.append(Check("counterexample", name, None, 0.0, {}, None, f"{type(exc).__name__}: {exc}"))
    if claim.census is not None and "exact" in settings.methods:
        details, secs = _timed(lambda: claim.census(settings.seed))  # type: ignore[misc]
        search = details.get("search") or {}
        held = details["held_on"] == details["drawn"] and not details.get("counterexample")
        said = f"held on {details['held_on']} of {details['drawn']} random MDPs drawn"
        if search.get("ran"):
            said += (f"; guided search from the closest draws: {search['evaluations']} models evaluated, "
                     f"{'a violation found' if search['found'] else 'no violation'} "
                     f"(smallest relative margin {search['best_margin_float']:.3g})")
        checks.append(Check("census", details["family"], held, secs, details, message=said))
        found = details.get("counterexample")
        if counterexample is None and found:
            counterexample = Counterexample(details["family"], "census", found["step"], found["step_index"],
                                            found["example"], found["lhs"], found["rhs"], True)
    if "symbolic" in settings.methods:  # dedicated universal proofs (e.g. pgt.theorem on 3 × 3)
        checks.extend(run() for _, run in claim.proofs)
    for name, _, run in claim.opt_in:
        if name in settings.opt_in:
            checks.append(run())
    verdict = _verdict(checks)
    return ClaimResult(claim, verdict, tuple(checks), counterexample,
                       _undecided_reason(checks) if verdict == "undecided" else "")


def _undecided_reason(checks: list[Check]) -> str:
    """Why no verdict: each check that could not decide, with its message."""
    why = [f"{c.method} on {c.family}: {c.message or 'could not decide'}" for c in checks if c.passed is None]
    return "; ".join(why) if why else "no method applies to this claim's families"

def _verdict(checks: list[Check]) -> str:
    if any(c.passed is False for c in checks):
        return "refuted"
    ran = [c for c in checks if c.passed]
    if not ran:
        return "undecided"
    if any(c.passed is None for c in checks):
        return "undecided"
    if any(c.method == "symbolic" and not c.details.get("undecided_steps") for c in ran):
        return "proved"
    return "verified"

def check_claims(claims: list[Claim], settings: Settings = Settings()) -> list[ClaimResult]:
    """:func:`check_claim` on each claim, in order."""
    return [check_claim(c, settings) for c in claims]

