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
from pathlib import Path
from typing import Any

from numeric.errors import PGVerifyError
from pgverify.checker import Settings, check_claim, evaluate_chain
from pgverify.families import get_family
from pgverify.notation import ast as A
from pgverify.notation.errors import IllFormedDisplay, NotationError
from pgverify.notation.evaluate import NOT_EVALUATED, Conventions, NotEvaluable, compile_display
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


# ------------------------------------------------------------------ annotations → conventions
def _substitute(node: Any, name: str, value: Any) -> Any:
    if isinstance(node, A.Var) and node.name == name or isinstance(node, A.Sym) and node.name == name and \
            node.index is None:
        return value
    if isinstance(node, tuple):
        return tuple(_substitute(x, name, value) for x in node)
    if is_dataclass(node) and isinstance(node, A.Node):
        changes = {f.name: _substitute(getattr(node, f.name), name, value) for f in fields(node) if f.name != "pos"}
        return replace(node, **changes)
    return node


def _conventions(display: Any) -> tuple[Conventions, list[dict[str, int]]]:
    """Time base from the display's profile; the horizon assignments T = h to check (one, unless annotated)."""
    from pgverify.notation.profiles import load_profile

    profile = load_profile(display.profile)
    ann = display.annotations
    conditions = tuple(q.condition for q in ann.quantifiers if q.condition is not None) + tuple(ann.conditions) \
        if ann is not None else ()
    conv = Conventions(time_base=profile.time_base, conditions=conditions,
                       small=ann.small if ann is not None else (), defines=bool(ann is not None and ann.defines))
    quantified = set(ann.quantified) if ann is not None else set()
    horizons = list(ann.horizons) if ann is not None else []
    if "T" in quantified and horizons:
        return conv, [{"T": h} for h in horizons]
    return conv, [{}]


def _prepared(display: Any) -> A.Chain:
    """The display's chain, the relations the prose states in words (``also``) appended, substitutions made."""
    chain = display.chain
    ann = display.annotations
    if ann is not None and ann.also:
        chain = A.Chain(chain.rows + ann.also, pos=chain.pos)
    for var, value in (ann.substitutions if ann is not None else ()):
        chain = _substitute(chain, var.name, value)
    return chain


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
    family = get_family(claim.families[0])
    try:
        model = family.exact_points(settings.exact_points, settings.seed)[0]  # the checker's first point (cached)
        ev = evaluate_chain(claim, model)
    except Exception:
        return ()
    if ev.ill_formed:
        return ()
    return tuple(StepVerdict(s.label, s.relation, s.ok, latex.get(s.label, "")) for s in ev.steps)


def _catalogue(cid: str | None) -> Any:
    """The catalogue's claim ``cid`` (its methods apply to the display), or None."""
    if cid is None:
        return None
    from pgverify.registry import all_claims

    return next((c for c in all_claims() if c.id == cid), None)


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
    conv, assignments = _conventions(display)
    chain = _prepared(display)
    name = cid or f"display {display.index + 1}"  # compile_display adds a digest of the text to the id
    catalogue = _catalogue(cid)
    how = {"methods": catalogue.methods, "slow_methods": catalogue.slow_methods,
           "section": catalogue.section} if catalogue is not None else {}
    try:
        claims = [compile_display(chain, name=name, statement=display.latex,
                                  conventions=replace(conv, constants=a), **how) for a in assignments]
    except IllFormedDisplay as exc:
        return DisplayResult(**base, verdict="ill-formed", reason=str(exc))
    except NotEvaluable as exc:
        return DisplayResult(**base, verdict="undecided", reason=f"cannot be evaluated: {exc}")
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
            msgs[0].split(": ", 1)[-1] if msgs else "")
        reason = "cannot be evaluated: " + why if why else "no method could run"
    steps = _step_verdicts(claims[0], settings, _step_latex(chain, display.profile))
    return DisplayResult(**base, verdict=worst.verdict, reason=reason, steps=steps, result=worst)


def verify_document(path: str | Path, settings: Settings = Settings(), *, profile: str | None = None,
                    annotations: str | Path | None = "auto") -> DocumentRun:
    """Check every display of the Markdown / LaTeX file ``path``; see the module docstring.

    Raises (before any display is checked) when the file cannot be read (missing, a directory, not permitted, not
    UTF-8, an unclosed display), holds no display, or names a catalogue id that does not exist.
    """
    from pgverify.notation.document import read_document

    start = time.perf_counter()
    doc = read_document(Path(path), profile=profile, annotations=annotations)
    if not doc.displays:
        raise DocumentError(f"{path} holds no display ($$ … $$, \\[ … \\] or \\begin{{align}} … \\end{{align}}): "
                            f"nothing was read, nothing is verified")
    _check_ids(doc)
    out = tuple(_display_result(d, settings) for d in doc.displays)
    return DocumentRun(str(path), out, settings, time.perf_counter() - start, doc.profile)


def _check_ids(doc: Any) -> None:
    """Every ``id`` annotation names a catalogue claim (a typo would silently check the display without its methods)."""
    import difflib

    from pgverify.registry import all_claims

    known = [c.id for c in all_claims()]
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

    return {
        "tool": "pgverify", "version": __version__, "file": run.path, "seed": run.settings.seed,
        "seconds": round(run.seconds, 3), "summary": run.summary,
        "displays": [{
            "display": r.index + 1, "line": r.line, "latex": r.latex, "understood": r.understood,
            "id": r.catalogue_id, "verdict": r.verdict, **({"reason": r.reason} if r.reason else {}),
            "steps": [{"label": s.label, "relation": s.relation, "holds": s.holds, "latex": s.latex} for s in r.steps],
            "first_failing_step": r.first_failing_step,
            "checks": [_check_json(c) for c in r.result.checks] if r.result is not None else [],
            "counterexample": _counterexample_json(r.result.counterexample) if r.result is not None else None,
        } for r in run.results],
    }


def dumps(run: DocumentRun) -> str:
    return json.dumps(to_json(run), indent=2, ensure_ascii=False)


def _printable(text: str) -> str:
    """Text from the document shown on a terminal: control characters (an escape sequence) written as ``\\x1b``."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def table(run: DocumentRun) -> str:
    """The readable table: one row per display (line, catalogue id), failing steps and reasons below."""
    from pgverify.output.report import _MARK, _short

    head = [f"{'display':<26}  {'verdict':<10}  checks", f"{'-' * 26}  {'-' * 10}  {'-' * 30}"]
    lines = list(head)
    for r in run.results:
        name = f"{r.index + 1:>2} line {r.line}" + (f" {r.catalogue_id}" if r.catalogue_id else "")
        checks = "  ".join(f"{c.method}{_MARK[c.passed]}" for c in r.result.checks) if r.result else ""
        lines.append(f"{name:<26}  {r.verdict:<10}  {checks}")
        pad = " " * 28
        if r.reason and r.verdict in ("ill-formed", "undecided"):
            lines.append(f"{pad}{_printable(r.reason)}")
        if r.verdict == "refuted":
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
    return "\n".join(lines)
