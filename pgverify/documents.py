"""Derivations as written: every display of a Markdown or LaTeX file gets a verdict.

``verify_document(path)`` reads the file (:mod:`pgverify.notation.document`),
compiles each parsed display onto the model (:mod:`pgverify.notation.evaluate`)
and checks it with the catalogue's checker (:mod:`pgverify.checker`): the same
methods, counterexamples and verdicts as ``pgverify check``.  A display that
could not be read, or that cannot be evaluated on a model, is ``undecided`` and
says why; one that does not type-check (a free index, no relation) is
``ill-formed``.  A display annotated with a catalogue id (``<!-- pgverify: id
pgt.theorem -->``) is reported under that id.

Data flow: text → AST → :class:`~pgverify.registry.Claim` → checker → :class:`DisplayResult`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, fields, is_dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from numeric.errors import PGVerifyError
from pgverify.notation import ast as A
from pgverify.notation import gae as _gae
from pgverify.notation.errors import IllFormedDisplay, NotationError
from pgverify.notation.evaluate import NOT_EVALUATED, Conventions, NotEvaluable, compile_display
from pgverify.notation.profiles import load_profile
from pgverify.notation.render import shown
from pgverify.notation.trajectories import apply_setting
from pgverify.settings import Settings
from pgverify.verdicts import VERDICTS, ClaimResult, Tally

__all__ = ["DisplayResult", "StepVerdict", "DocumentRun", "DocumentError", "verify_document", "to_json", "table",
           "DOCUMENT_SUFFIXES"]

#: Suffixes ``pgverify verify`` reads as documents (a ``.py`` file holds derivations in Python).
DOCUMENT_SUFFIXES = (".md", ".markdown", ".tex", ".ltx")


class DocumentError(PGVerifyError, ValueError):
    """A document that gives no verdict at all: it holds no display, or it names an unknown catalogue id."""


@dataclass(frozen=True)
class StepVerdict:
    """One relation of a display: its label and whether it held at an exact random point (None: not evaluated)."""

    label: str
    relation: str
    holds: bool | None
    latex: str = ""


@dataclass(frozen=True)
class DisplayResult:
    """The verdict of one display; ``result`` is the checker's when the display was checked."""

    index: int
    line: int
    latex: str
    understood: str | None
    catalogue_id: str | None
    verdict: str
    reason: str = ""
    steps: tuple[StepVerdict, ...] = ()
    result: ClaimResult | None = None
    rows: int = 1
    rows_parsed: int = 1
    #: What the annotations restrict the check to (conditions, horizons, definitions, substitutions, a fixed λ,
    #: the families checked): shown with the verdict, which holds only under them.
    restrictions: tuple[str, ...] = ()

    @property
    def first_failing_step(self) -> str | None:
        if self.result is not None and self.result.counterexample is not None:
            return self.result.counterexample.step
        if self.result is not None:
            found = next((c.failing_step for c in self.result.checks if c.failing_step), None)
            if found:
                return found
        return next((s.label for s in self.steps if s.holds is False), None)


@dataclass(frozen=True)
class DocumentRun(Tally):
    """Every display of one document, checked."""

    path: str
    results: tuple[DisplayResult, ...]
    settings: Settings
    seconds: float
    profile: str = "post"
    notes: tuple[str, ...] = ()  # the reader's notes on the whole document (a macro definition it cannot read)

    def _repr_html_(self) -> str:
        """In a notebook: a table of the verdicts, every text escaped (:func:`pgverify.notebook.html_of`)."""
        from pgverify.notebook import html_of

        return html_of(self)


# ------------------------------------------------------------------ annotations → conventions
def _substitute(node: Any, var: "A.Var | A.Sym", value: Any) -> Any:
    """``node`` with ``var`` replaced by ``value``: an index variable where it is free only (a Σ, 𝔼 or bar that
    binds the same name keeps its own; a bound variable that would capture one of the value's is renamed), a
    constant everywhere."""
    from pgverify.notation.definitions import substitute

    if isinstance(var, A.Var):
        return substitute(node, {var.name: value})
    if isinstance(node, A.Sym) and node.name == var.name and node.index is None:
        return value
    if isinstance(node, tuple):
        return tuple(_substitute(x, var, value) for x in node)
    if is_dataclass(node) and isinstance(node, A.Node):
        changes = {f.name: _substitute(getattr(node, f.name), var, value) for f in fields(node) if f.name != "pos"}
        return replace(node, **changes)
    return node


class _Refused(PGVerifyError):
    """An annotation that cannot be honoured: the display gets ``verdict`` with the message as its reason."""

    def __init__(self, verdict: str, reason: str) -> None:
        super().__init__(reason)
        self.verdict = verdict


@dataclass(frozen=True)
class _Plan:
    """What the annotations make of a display: the chain to check, one set of conventions per horizon checked,
    and every restriction they make, as the reader is told (``restrictions``)."""

    chain: A.Chain
    conventions: tuple[Conventions, ...]
    restrictions: tuple[str, ...]


#: Symbols that name the model itself: an annotation may fix λ (the family at that λ) or T (the horizon), never
#: θ (the point of ∇θ) or s⁰ (the initial state of the family).
_MODEL_SYMBOLS = {"discount": "λ", "T": "T", "theta": "θ", "theta'": "θ'", "s0": "s⁰"}


def _discount(value: Any, written: str) -> Fraction:
    """The rational λ an annotation fixes (``where \\lambda = 0``), or :class:`_Refused`."""
    from pgverify.notation.evaluate import parameter_condition

    try:
        fixed = parameter_condition(A.Rel("=", A.Sym("discount"), value))
    except NotEvaluable as exc:
        raise _Refused("undecided", f"`{written}` cannot be honoured: {exc}") from None
    if fixed is False:
        raise _Refused("ill-formed", f"`{written}`: λ is a discount in [0, 1]; no model has that value")
    if not isinstance(fixed, Fraction):
        raise _Refused("undecided", f"`{written}` does not fix λ to a rational number")
    return fixed


def _arbitrary(dependencies: tuple[Any, ...], chain: A.Chain,
               profile: Any) -> tuple[tuple[tuple[str, str], ...], A.Chain]:
    """``f depends on x, y`` as the drawn function of the family that stands for f (:data:`ARBITRARY_TABLES`), with
    the chain (an undecorated v or q so declared becomes that f), or :class:`_Refused`: a function of other
    arguments, or two functions that would share one drawn table."""
    from pgverify.notation.evaluate import ARBITRARY_TABLES
    from pgverify.notation.matrices import ARBITRARY_QUANTITIES, declare_arbitrary

    out: dict[str, str] = {}
    for dep in dependencies:
        written = f"`{dep.fn} depends on {', '.join(dep.on)}`"
        role = profile.functions.get(dep.fn)
        if role in ARBITRARY_QUANTITIES and "f" not in out and profile.declared_letters == "arbitrary":  # v ∈ ℝ^S
            try:
                chain = declare_arbitrary(chain, role, tuple(profile.variables.get(x) for x in dep.on))
            except ValueError as exc:
                raise _Refused("undecided", f"{written}: {exc}") from None
            role = "f"
        if role not in ("b", "f"):
            raise _Refused("undecided", f"{written}: only b and f may be declared arbitrary functions"
                                        + (f" ({dep.fn} is a quantity of the model)" if role else ""))
        sorts = tuple(profile.variables.get(x) for x in dep.on)
        table = ARBITRARY_TABLES.get(sorts)
        if table is None:
            raise _Refused("undecided", f"{written}: an arbitrary function of {', '.join(dep.on)} is not drawn by "
                                        f"any family (of a state, or of a state and an action, in that order)")
        if role in out and out[role] != table or table in out.values() and out.get(role) != table:
            raise _Refused("undecided", f"{written}: another arbitrary function is already drawn there (two "
                                        f"functions of the same arguments would be the same function)")
        out[role] = table
    if "f" in out and out["f"] == "b" and "b" not in out and _mentions_fn(chain, "b"):
        raise _Refused("undecided", "f, an arbitrary function of s, would be the baseline b the display also uses")
    return tuple(out.items()), chain


def _mentions_fn(node: Any, name: str) -> bool:
    if isinstance(node, A.Fn) and node.name == name:
        return True
    return isinstance(node, A.Node) and any(_mentions_fn(c, name) for c in A.children(node))


def _defined_name(names: tuple[str, ...], chain: A.Chain, profile: str) -> None:
    """``defines x``: the display's first relation must define x (its left side), or :class:`_Refused` — another
    name there would be defined in its place, silently."""
    from pgverify.notation.latex import parse_row, source

    first = chain.rows[0].lhs if chain.rows else None
    for name in names:
        try:
            row = parse_row(source(name, 1, 1), profile)
        except NotationError as exc:
            raise _Refused("undecided", f"`defines {name}`: {exc}") from None
        if row.steps or row.lhs != first:
            raise _Refused("undecided", f"`defines {name}`: the display's first relation defines "
                                        f"{shown(first, profile=profile)}, not {name}")


def _unused_name(lhs: Any, scope: tuple[Any, ...]) -> bool:
    """The name ``lhs`` defines (f of f(x), a letter) occurs nowhere in ``scope``, in any form."""
    name = lhs.fn.name if isinstance(lhs, A.Apply) else lhs.name if isinstance(lhs, (A.Fn, A.Sym)) else None
    return name is not None and not any(_mentions_fn(n, name) or _mentions_sym(n, name) for n in scope)


def _mentions_sym(node: Any, name: str) -> bool:
    if isinstance(node, A.Sym) and node.name == name:
        return True
    return isinstance(node, A.Node) and any(_mentions_sym(c, name) for c in A.children(node))


def _horizons_meeting(cond: Any, horizons: list[int]) -> list[int] | None:
    """The horizons T that meet a condition on T alone (``whenever T = 3`` beside ``horizons 2, 3``), decided
    exactly at each; None when the condition speaks of more than T (λ, a model's entries)."""
    from pgverify.notation.evaluate import parameter_condition

    kept = []
    for h in horizons:
        try:
            holds = parameter_condition(_substitute(cond, A.Sym("T"), A.Num(h)))
        except NotEvaluable:
            return None
        if not isinstance(holds, bool):
            return None
        if holds:
            kept.append(h)
    return kept


def _bound_names(node: Any, out: set[str]) -> set[str]:
    from pgverify.notation.definitions import BINDERS
    from pgverify.notation.scope import TRAJECTORY

    if isinstance(node, tuple):
        for x in node:
            _bound_names(x, out)
    elif isinstance(node, A.Node):
        if type(node) in BINDERS:
            raw = getattr(node, BINDERS[type(node)][0])
            out.update(v.name for v in (raw if isinstance(raw, tuple) else (raw,)) if isinstance(v, A.Var))
        if isinstance(node, A.Expect) and node.var is None:  # 𝔼[…] over the trajectory: s_t, a_t inside are its
            out.add(TRAJECTORY)
        for c in A.children(node):
            _bound_names(c, out)
    return out


def _conditions_on_free_variables(conditions: list[Any], chain: A.Chain, show: Any) -> None:
    """A condition selects entries of the display's free variables; one on a variable the display binds (``whenever
    b(s, a) = 0`` beside Σ_a) speaks of another variable of the same name, or :class:`_Refused`."""
    from pgverify.notation.scope import TRAJECTORY, free_indices

    free, bound = set(free_indices(chain)), _bound_names(chain, set())
    for cond in conditions:
        clash = sorted((set(free_indices(cond)) - free) & bound)
        if clash:
            what = ", ".join("the trajectory τ (s_t, a_t)" if x == TRAJECTORY else x for x in clash)
            raise _Refused("undecided", f"the condition {show(cond)} is on {what}, which the display binds (a Σ, "
                                        f"𝔼 or bar): a condition selects the display's free entries, and this one "
                                        f"would speak of another variable of the same name (a conditional "
                                        f"expectation is not a condition)")


def _plan(display: Any) -> _Plan:
    """The display's chain with the prose's relations (``also``), substitutions and definitions applied; the
    conventions its annotations fix; what they restrict.  :class:`_Refused` when one cannot be honoured."""
    from pgverify.notation import continuous as C
    from pgverify.notation.annotations import MAX_HORIZON
    from pgverify.notation.definitions import DefinitionError, apply_definitions
    from pgverify.notation.evaluate import parameter_condition
    from pgverify.notation.profiles import load_profile

    profile = load_profile(display.profile)
    ann = display.annotations
    chain = display.chain
    try:  # profile gae: δ_t^V, Â_t^{(k)}, Â_t^{GAE(γ,λ)}, λ fixed by `where`, `where V = v^\pi`
        chain, ann, gae_value = _gae.prepare(chain, ann, profile)
    except _gae.GAEError as exc:
        raise _Refused(exc.verdict, exc.what) from None
    if ann is None:
        return _Plan(chain, (Conventions(time_base=profile.time_base),), ())
    show = lambda n: shown(n, profile=display.profile)  # noqa: E731
    restrictions: list[str] = []
    if ann.also:
        chain = A.Chain(chain.rows + ann.also, pos=chain.pos)
    conditions: list[Any] = []
    for q in ann.quantifiers:
        if q.condition is not None:
            conditions.append(q.condition)
            restrictions.append(f"only where {show(q.condition)} (for {', '.join(q.names)})")
    discount: Fraction | None = None
    horizon_fixed: int | None = None  # `where T = …`
    horizons = list(ann.horizons)
    pending = list(ann.conditions)  # `whenever` conditions, after the substitutions
    for var, value in ann.substitutions:
        written = f"where {show(var)} = {show(value)}"
        if isinstance(var, A.Sym) and var.name == "discount":
            fixed = _discount(value, written)
            if discount is not None and fixed != discount:
                raise _Refused("undecided", f"vacuous: `{written}` and an earlier `where` fix λ to two values "
                                            f"({discount} and {fixed})")
            if discount is None:
                restrictions.append(f"λ = {fixed} (the family at that λ: v, q, d, U too)")
            discount = fixed
        elif isinstance(var, A.Sym) and var.name == "T":
            if not (isinstance(value, A.Num) and isinstance(value.value, int)):
                raise _Refused("undecided", f"`{written}`: a horizon is an integer")
            if value.value > MAX_HORIZON:
                raise _Refused("undecided", f"`{written}`: the horizon is larger than the limit {MAX_HORIZON} "
                                            f"(trajectories are enumerated)")
            if horizon_fixed is not None and value.value != horizon_fixed:
                raise _Refused("undecided", f"vacuous: `{written}` and an earlier `where` fix T to two values "
                                            f"({horizon_fixed} and {value.value})")
            if ann.horizons and value.value not in ann.horizons:
                raise _Refused("undecided", f"vacuous: `{written}` is none of the horizons the annotation checks "
                                            f"({', '.join(map(str, ann.horizons))})")
            horizon_fixed = value.value
            horizons = [value.value]
        elif isinstance(var, A.Fn):  # what pgverify.notation.gae consumes (`where V = v^\pi`) never reaches here
            raise _Refused("undecided", f"`{written}`: a function is fixed by `where` only as V = v^π in the gae "
                                        f"profile")
        elif isinstance(var, A.Sym) and var.name in _MODEL_SYMBOLS:
            raise _Refused("ill-formed", f"`{written}`: {_MODEL_SYMBOLS[var.name]} is not a value an annotation "
                                         f"can fix")
        else:
            if isinstance(var, A.Var) and isinstance(value, A.Var) and var.sort != value.sort:
                raise _Refused("ill-formed", f"`{written}`: {show(var)} is a {var.sort} index, {show(value)} a "
                                             f"{value.sort} one")
            before = (chain, conditions, pending)
            chain = _substitute(chain, var, value)
            conditions = [_substitute(c, var, value) for c in conditions]
            pending = [_substitute(c, var, value) for c in pending]
            if (chain, conditions, pending) == before:
                raise _Refused("undecided", f"`{written}`: {show(var)} does not occur free in the display (a "
                                            f"variable a Σ, 𝔼 or bar binds is not fixed by `where`)")
            restrictions.append(f"{show(var)} = {show(value)} (substituted)")
    for cond in pending:
        small = [show(A.Sym(n)) for n in ann.small if _mentions_sym(cond, n)]
        if small:
            raise _Refused("undecided", f"`whenever {show(cond)}` is on {', '.join(small)}, which `for small` already "
                                        f"takes to 0⁺: a further condition on it cannot be honoured")
        if horizons and _mentions_sym(cond, "T"):
            kept = _horizons_meeting(cond, horizons)
            if kept is not None:
                if not kept:
                    raise _Refused("undecided", f"vacuous: none of the horizons checked "
                                                f"({', '.join(map(str, horizons))}) meets `whenever {show(cond)}`")
                horizons = kept
                restrictions.append(f"T = {', '.join(map(str, kept))}, from {show(cond)}")
                continue
        try:
            solved = parameter_condition(cond)
        except NotEvaluable as exc:
            raise _Refused("undecided", f"`whenever {show(cond)}` cannot be honoured: {exc}") from None
        if solved is None:
            conditions.append(cond)
            restrictions.append(f"only where {show(cond)} (entries that do not meet it are not compared)")
        elif solved is False or discount is not None and isinstance(solved, Fraction) and solved != discount:
            raise _Refused("undecided", f"vacuous: no model of the family meets `whenever {show(cond)}`"
                                        + (f" with λ = {discount}" if discount is not None else ""))
        elif solved is True:
            restrictions.append(f"{show(cond)} (holds whatever the model)")
        else:
            discount = solved
            restrictions.append(f"λ = {solved}, from {show(cond)} (the family at that λ: v, q, d, U too)")
    arbitrary, chain = _arbitrary(ann.dependencies, chain, profile)
    if gae_value:
        restrictions.append("V = v^π, the model's value function of its policy (substituted)")
    restrictions += [f"{dep.fn} an arbitrary function of {', '.join(dep.on)} only (drawn per model)"
                     + (" (shown as f in the steps)" if profile.functions.get(dep.fn) in ("v", "q") and
                        profile.declared_letters == "arbitrary" else "")
                     for dep in ann.dependencies]
    definitions = tuple(ann.definitions)
    _defined_name(ann.defines, chain, display.profile)
    defines = bool(ann.defines) and C.continuous_kind(chain) is None  # continuous displays keep their own
    if defines:
        first, rest = chain.rows[0], chain.rows[1:]
        definitions += (A.Row(first.lhs, first.steps[:1], pos=first.pos),)
        head = A.Row(first.steps[0].rhs, first.steps[1:], pos=first.pos)
        chain = A.Chain(((head,) if head.steps or not rest or rest[0].lhs is None else ()) + rest, pos=chain.pos)
        if not list(chain.steps()):
            raise _Refused("undecided", f"not a claim: the display only defines {show(first.lhs)}")
        if _unused_name(first.lhs, (chain, *conditions)):  # J(θ) := Σ_s d^β(s) … = 𝔼_{s∼d^β}[…]: J not used after
            definitions = definitions[:-1]
            restrictions.append(f"{show(first.lhs)} := {show(first.steps[0].rhs)} (the first relation, a definition "
                                f"the other relations do not use)")
    for d in definitions:  # a textual λ := 0 would leave v, q, d, U at the model's own λ (and T, θ alike)
        if isinstance(d.lhs, A.Sym) and d.lhs.index is None and d.lhs.name in _MODEL_SYMBOLS:
            raise _Refused("undecided", f"{show(d.lhs)} := {show(d.steps[0].rhs)}: {_MODEL_SYMBOLS[d.lhs.name]} is a "
                                        f"value of the model, not a name to define (`where` fixes λ or T on the "
                                        f"family)")
    if definitions:
        try:
            chain, cond_tuple = apply_definitions(chain, definitions, tuple(conditions))
        except DefinitionError as exc:
            raise _Refused("undecided", f"the definition cannot be applied: {exc}") from None
        conditions = list(cond_tuple)
        restrictions += [f"{show(d.lhs)} := {show(d.steps[0].rhs)} (replaces its built-in meaning)"
                         for d in definitions]
    _conditions_on_free_variables(conditions, chain, show)
    horizons = list(dict.fromkeys(horizons))
    if horizons:
        restrictions.append(f"horizon{'s' if len(horizons) > 1 else ''} T = {', '.join(map(str, horizons))} "
                            f"only (no other T is checked)")
    conv = Conventions(time_base=profile.time_base, conditions=tuple(conditions), small=ann.small,
                       defines=bool(ann.defines) and not defines, discount=discount, arbitrary=arbitrary)
    return _Plan(chain, tuple(replace(conv, horizon=h) for h in horizons) or (conv,), tuple(restrictions))


# ------------------------------------------------------------------------------- checking
def _step_latex(chain: A.Chain, profile: str) -> dict[str, str]:
    """Each step of the display as understood (the AST rendered back), by its label."""
    from pgverify.notation.evaluate import step_label
    from pgverify.notation.render import render_latex

    out = {}
    for i, (left, step) in enumerate(chain.steps()):
        try:
            out[step_label(i, step)] = render_latex(A.Row(left, (step,)), profile=profile)
        except NotationError:
            pass
    return out


def _step_verdicts(claim: Any, settings: Settings, latex: dict[str, str]) -> tuple[StepVerdict, ...]:
    """Each step at the first exact point of the claim's first family (cheap; the checker decides the verdict)."""
    from pgverify.checker import evaluate_chain  # imported on a miss only: the checker loads SymPy and Hypothesis
    from pgverify.families import get_family

    family = get_family(claim.families[0])
    try:
        model = family.exact_points(settings.exact_points, settings.seed)[0]  # the checker's first point (cached)
        ev = evaluate_chain(claim, model)
    except Exception:
        return ()
    if ev.ill_formed:
        return ()
    return tuple(StepVerdict(s.label, s.relation, s.ok, latex.get(s.label, "")) for s in ev.steps)


def _catalogue_index(use_cache: bool = True) -> dict[str, dict[str, Any]]:
    """Per catalogue id, what a display annotated with it takes from the claim: section, methods, slow methods
    (from the cache when the code is unchanged and ``use_cache``: :func:`pgverify.cache.catalogue_index`)."""
    from pgverify import cache

    def compute() -> dict[str, dict[str, Any]]:
        from pgverify.registry import all_claims

        return {c.id: {"section": c.section, "methods": c.methods, "slow_methods": c.slow_methods}
                for c in all_claims()}

    return cache.catalogue_index(compute) if use_cache else compute()


def _base(display: Any, understood: str | None) -> dict[str, Any]:
    """The fields of a display's result that do not depend on its check."""
    return dict(index=display.index, line=display.line, latex=display.latex, understood=understood,
                catalogue_id=display.annotations.id if display.annotations is not None else None,
                rows=len(display.lines), rows_parsed=sum(1 for ln in display.lines if ln.row is not None))


def _display_result(display: Any, settings: Settings) -> DisplayResult:
    """One display's verdict: whatever goes wrong while rendering, compiling or checking it costs this display only.

    An error of pgverify's family is the display's reason (``undecided``); any other exception is an internal
    error, reported as the reason of this display (``undecided``, "internal error: …"), never a lost file.
    """
    from pgverify.notation.render import render_latex

    understood = None
    try:
        understood = render_latex(display.chain, profile=display.profile) if display.chain is not None else None
    except NotationError:
        understood = None
    except Exception as exc:  # noqa: BLE001 - the display boundary
        return DisplayResult(**_base(display, None), verdict="undecided",
                             reason=f"internal error while rendering the display back: {type(exc).__name__}: {exc}")
    try:
        return _check_display(display, settings, understood)
    except PGVerifyError as exc:
        return DisplayResult(**_base(display, understood), verdict="undecided", reason=f"cannot be checked: {exc}")
    except Exception as exc:  # noqa: BLE001 - the display boundary
        return DisplayResult(**_base(display, understood), verdict="undecided",
                             reason=f"internal error: {type(exc).__name__}: {exc}")


def _check_display(display: Any, settings: Settings, understood: str | None) -> DisplayResult:
    ann = display.annotations
    cid = ann.id if ann is not None else None
    base = _base(display, understood)
    if display.error is not None:
        return DisplayResult(**base, verdict="undecided", reason=f"not read: {display.error}")
    if ann is not None and ann.skip:
        return DisplayResult(**base, verdict="undecided", reason="not a claim (annotated `skip`)")
    if display.issues:
        return DisplayResult(**base, verdict="ill-formed", reason="; ".join(str(i) for i in display.issues))
    from pgverify.audit.boxes import fit_verdict  # issue 22: ω̂ ← argmin … of an algorithm box
    fit = fit_verdict(display.chain, annotations=ann) if display.chain is not None else None
    if fit is not None:
        return DisplayResult(**base, verdict=fit[0], reason=fit[1])
    if ann is not None and ann.estimates:
        return DisplayResult(**base, verdict="undecided", reason="the `estimates` clause is the claim of the algorithm "
                             "box this display belongs to: `pgverify boxes` checks it (a box's display is not checked "
                             "alone against it)")
    try:
        plan = _plan(display)
    except _Refused as exc:
        return DisplayResult(**base, verdict=exc.verdict, reason=str(exc))
    try:  # the profile's setting (γ = 1 on episodic models) and its T: pgverify.notation.trajectories
        plan = replace(plan, **dict(zip(("conventions", "restrictions"), apply_setting(
            plan.chain, plan.conventions, plan.restrictions, load_profile(display.profile)))))
    except NotEvaluable as exc:
        return DisplayResult(**base, verdict="undecided", reason=f"cannot be evaluated: {exc}")
    chain = plan.chain
    base["restrictions"] = plan.restrictions
    name = cid or f"display {display.index + 1}"  # compile_display adds a digest of the text to the id
    how = _catalogue_index(settings.cache).get(cid, {}) if cid is not None else {}
    try:
        claims = [compile_display(chain, name=name, statement=display.latex, conventions=conv, **how)
                  for conv in plan.conventions]
    except IllFormedDisplay as exc:
        return DisplayResult(**base, verdict="ill-formed", reason=str(exc))
    except NotEvaluable as exc:
        return DisplayResult(**base, verdict="undecided", reason=f"cannot be evaluated: {exc}")
    families = tuple(dict.fromkeys(f for c in claims for f in c.families))
    if plan.restrictions or any("[" in f for f in families):
        base["restrictions"] = plan.restrictions + (f"families checked: {', '.join(families)}",)
    from pgverify.checker import check_claim  # imported on a miss only (see _step_verdicts)

    results = [check_claim(c, settings) for c in claims]
    worst = max(results, key=lambda r: VERDICTS.index(r.verdict))
    reason = worst.reason
    skipped = {k: v for r in results for c in r.checks for k, v in c.details.get(NOT_EVALUATED, {}).items()}
    if skipped and worst.verdict in ("proved", "verified"):  # the evaluated steps hold; the others say why not
        worst = replace(worst, verdict="undecided")
        reason = "cannot evaluate " + "; ".join(f"{k}: {v}" for k, v in skipped.items())
    elif skipped:
        reason = (reason + "; " if reason else "") + "not evaluated: " + "; ".join(
            f"{k} ({v})" for k, v in skipped.items())
    if worst.verdict == "undecided" and not skipped:
        msgs = [c.message for r in results for c in r.checks if c.passed is None and c.message]
        why = msgs[0].split("NotEvaluable: ", 1)[-1] if msgs and "NotEvaluable: " in msgs[0] else (
            msgs[0] if msgs and msgs[0].startswith("vacuous") else msgs[0].split(": ", 1)[-1] if msgs else "")
        reason = (why if why.startswith("vacuous") else "cannot be evaluated: " + why) if why else \
            "no method could run"
    steps = _step_verdicts(claims[0], settings, _step_latex(chain, display.profile))
    return DisplayResult(**base, verdict=worst.verdict, reason=reason, steps=steps, result=worst)


def verify_document(path: str | Path, settings: Settings = Settings(), *, profile: str | None = None,
                    annotations: str | Path | None = "auto") -> DocumentRun:
    """Check every display of the Markdown / LaTeX file ``path``; see the module docstring.

    Raises (before any display is checked) when the file cannot be read (missing, a directory, not permitted, not
    UTF-8, an unclosed display), holds no display, or names a catalogue id that does not exist.
    """
    from pgverify import cache
    from pgverify.notation.document import read_document

    start = time.perf_counter()
    doc = read_document(Path(path), profile=profile, annotations=annotations)
    if not doc.displays:
        raise DocumentError(f"{path} holds no display ($$ … $$, \\[ … \\] or \\begin{{align}} … \\end{{align}}): "
                            f"nothing was read, nothing is verified")
    # the display-result cache (pgverify.cache): a display whose text, annotations, profile, settings and code are
    # unchanged is answered from it (its ids were known to the catalogue when it was stored); the others are checked
    cached = {d.index: cache.load_display(d, settings) for d in doc.displays} if settings.cache else {}
    unchecked = tuple(d for d in doc.displays if cached.get(d.index) is None)
    if unchecked:
        _check_ids(replace(doc, displays=unchecked), use_cache=settings.cache)
    out = []
    for d in doc.displays:
        r = cached.get(d.index)
        if r is None:
            r = _display_result(d, settings)
            if settings.cache:
                cache.store_display(d, settings, r)
        out.append(r)
    return DocumentRun(str(path), tuple(out), settings, time.perf_counter() - start, doc.profile,
                       getattr(doc, "notes", ()))


def _check_ids(doc: Any, *, use_cache: bool = True) -> None:
    """Every ``id`` annotation names a catalogue claim (a typo would silently check the display without its methods)."""
    import difflib

    known = list(_catalogue_index(use_cache))
    for d in doc.displays:
        for cid in d.annotations.ids:
            if cid not in known:
                close = difflib.get_close_matches(cid, known, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise DocumentError(f"display {d.index + 1} (line {d.line}) is annotated with id {cid!r}, which is not "
                                    f"a catalogue claim; {hint}`pgverify list` lists the ids")


# ------------------------------------------------------------------------------- output
def to_json(run: DocumentRun) -> dict[str, Any]:
    """One object: per display its source line, its LaTeX, the AST rendered back, steps, verdict, catalogue id."""
    from pgverify import __version__
    from pgverify.output.report import _check_json, _counterexample_json
    from pgverify.output.words import summary

    return {
        "tool": "pgverify", "version": __version__, "file": run.path, "seed": run.settings.seed,
        "seconds": round(run.seconds, 3), "summary": run.summary,
        "displays": [{
            "display": r.index + 1, "line": r.line, "latex": r.latex, "understood": r.understood,
            "id": r.catalogue_id, "verdict": r.verdict, **({"reason": r.reason} if r.reason else {}),
            "in_words": summary(r),
            "restrictions": list(r.restrictions),
            "steps": [{"label": s.label, "relation": s.relation, "holds": s.holds, "latex": s.latex} for s in r.steps],
            "first_failing_step": r.first_failing_step,
            "checks": [_check_json(c) for c in r.result.checks] if r.result is not None else [],
            "counterexample": _counterexample_json(r.result.counterexample) if r.result is not None else None,
        } for r in run.results],
        **({"notes": list(run.notes)} if run.notes else {}),
    }


def dumps(run: DocumentRun) -> str:
    return json.dumps(to_json(run), indent=2, ensure_ascii=False)


def _printable(text: str) -> str:
    """Text from the document shown on a terminal: control characters (an escape sequence) written as ``\\x1b``."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def table(run: DocumentRun) -> str:
    """The readable table: one row per display (line, catalogue id), failing steps and reasons below."""
    from pgverify.output.report import _short, mark
    from pgverify.output.words import summary

    head = [f"{'display':<26}  {'verdict':<10}  checks", f"{'-' * 26}  {'-' * 10}  {'-' * 30}"]
    lines = list(head)
    for r in run.results:
        name = f"{r.index + 1:>2} line {r.line}" + (f" {r.catalogue_id}" if r.catalogue_id else "")
        checks = "  ".join(f"{c.method}{mark(c)}" for c in r.result.checks) if r.result else ""
        lines.append(f"{name:<26}  {r.verdict:<10}  {checks}")
        pad = " " * 28
        if r.restrictions:
            lines.append(f"{pad}checked only under: {'; '.join(r.restrictions)}")
        if r.reason and r.verdict in ("ill-formed", "undecided"):
            lines.append(f"{pad}{_printable(r.reason)}")
        if r.verdict == "refuted":
            lines.append(f"{pad}in words: {_printable(summary(r))}")
            lines.append(f"{pad}fails at step: {r.first_failing_step}")
            shown = next((s.latex for s in r.steps if s.label == r.first_failing_step and s.latex), None)
            if shown:
                lines.append(f"{pad}  {_printable(shown)}")
            ce = r.result.counterexample if r.result else None
            if ce is not None:
                lines.append(f"{pad}counterexample ({'exact' if ce.exact else 'float64'}, {ce.family}): "
                             f"{_short(ce.example, 200)}")
                lines.append(f"{pad}lhs = {_short(ce.lhs)}")
                lines.append(f"{pad}rhs = {_short(ce.rhs)}")
    summary = ", ".join(f"{v} {k}" for k, v in run.summary.items())
    lines.append(f"\n{len(run.results)} display{'' if len(run.results) == 1 else 's'}: {summary}  "
                 f"({run.seconds:.1f} s, seed {run.settings.seed})")
    lines += [f"note: {_printable(n)}" for n in run.notes]
    return "\n".join(lines)
