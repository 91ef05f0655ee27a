"""pgverify in Jupyter: ``%load_ext pgverify``, the ``%%pgverify`` cell magic, and the results' HTML.

    %load_ext pgverify

    %%pgverify --seed 0
    $$ v(s) = \\sum_a \\pi_\\theta(a \\vert s) q(s, a) $$

The cell is read as a Markdown document (its displays ``$$ … $$``, ``\\[ … \\]``, ``align``; its annotations
``<!-- pgverify: … -->``) and checked as ``pgverify verify`` checks a file; the magic shows the verdicts and the
annotated page and returns an :class:`AnnotatedCell` (``.run`` is the
:class:`~pgverify.documents.DocumentRun`).  Options: ``--profile P`` (post, textbook, or a .toml file; default
the cell's own choice, else post), ``--seed N`` (default 0).

:func:`html_of` is the ``_repr_html_`` of the results of :func:`pgverify.check`
(a :class:`~pgverify.output.report.Run`),
:func:`pgverify.verify` (a :class:`~pgverify.derivations.DerivationResult`), a checked document
(:class:`~pgverify.documents.DocumentRun`) and the audit (:class:`~pgverify.audit.Diagnosis`,
:class:`~pgverify.audit.Survey`): small tables, every text from a document or a result escaped, no script and no
network.

IPython is an extra (``pip install 'pgverify[notebook]'``); importing :mod:`pgverify` or this module does not
import it, and the magic without it raises :class:`MissingNotebookExtraError` naming the extra.
"""

from __future__ import annotations

import argparse
import html
import shlex
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from numeric.errors import PGVerifyError

__all__ = ["load_ipython_extension", "pgverify_cell", "AnnotatedCell", "html_of", "MissingNotebookExtraError"]

#: The badge colour of each verdict (the annotated page's).
COLOURS = {"proved": "#1b7f3b", "verified": "#2f6fb3", "undecided": "#8a6d00", "refuted": "#b3261e",
           "ill-formed": "#7a3fb0", "holds": "#1b7f3b", "fails": "#b3261e"}


class MissingNotebookExtraError(PGVerifyError, ImportError):
    """The notebook integration needs IPython: ``pip install 'pgverify[notebook]'``."""


def _ipython() -> Any:
    try:
        import IPython
    except ImportError:
        raise MissingNotebookExtraError("the %%pgverify magic needs IPython, which is not installed: "
                                        "pip install 'pgverify[notebook]'") from None
    return IPython


# ------------------------------------------------------------------------------- HTML of the results
def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _badge(verdict: str) -> str:
    colour = COLOURS.get(verdict, "#555")
    return (f'<span class="pgverify-verdict" style="background:{colour};color:white;padding:0.1em 0.5em;'
            f'border-radius:0.3em;font-family:sans-serif;font-size:0.9em">{_e(verdict)}</span>')


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """An HTML table; ``rows`` are already escaped HTML (each cell built with :func:`_e` or :func:`_badge`)."""
    th = "".join(f"<th style=\"text-align:left\">{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f'<td style="text-align:left;vertical-align:top">{c}</td>' for c in row)
                   + "</tr>" for row in rows)
    return f'<table class="pgverify">\n<thead><tr>{th}</tr></thead>\n<tbody>{body}</tbody>\n</table>'


def _summary(summary: dict[str, int], what: str, seed: int | None) -> str:
    counts = ", ".join(f"{v} {k}" for k, v in summary.items() if v)
    return (f'<p class="pgverify-summary" style="font-family:sans-serif">pgverify: {_e(what)}: {_e(counts)}'
            + (f" (seed {_e(seed)})" if seed is not None else "") + "</p>")


def _checks(result: Any) -> str:
    from pgverify.output.report import mark

    return " ".join(f"{_e(c.method)}{_e(mark(c))}" for c in result.checks) if result is not None else ""


def _counterexample(ce: Any) -> str:
    if ce is None:
        return ""
    from pgverify.output.report import _short

    return (f"fails at {_e(ce.step)}; {_e('exact' if ce.exact else 'float64')} counterexample on "
            f"{_e(ce.family)}: <code>{_e(_short(ce.example, 200))}</code>; lhs <code>{_e(_short(ce.lhs))}</code>, "
            f"rhs <code>{_e(_short(ce.rhs))}</code>")


def _run_html(run: Any) -> str:
    rows = [(f"<code>{_e(r.claim.id)}</code>", _badge(r.verdict), _checks(r),
             _e(r.reason) if r.reason and r.verdict in ("undecided", "ill-formed") else _counterexample(
                 r.counterexample)) for r in run.results]
    n = len(run.results)
    return _summary(run.summary, f"{n} claim{'' if n == 1 else 's'}", run.settings.seed) + _table(
        ("claim", "verdict", "checks", "why"), rows)


def _display_why(r: Any) -> str:
    parts = []
    if r.restrictions:
        parts.append("checked only under: " + _e("; ".join(r.restrictions)))
    if r.reason and r.verdict in ("undecided", "ill-formed"):
        parts.append(_e(r.reason))
    if r.verdict == "refuted":
        shown = next((s.latex for s in r.steps if s.label == r.first_failing_step and s.latex), None)
        parts.append(f"fails at {_e(r.first_failing_step)}" + (f": <code>{_e(shown)}</code>" if shown else ""))
        ce = r.result.counterexample if r.result is not None else None
        if ce is not None:
            parts.append(_counterexample(ce))
    return "<br>".join(parts)


def _document_html(run: Any) -> str:
    rows = [(_e(r.index + 1), _e(r.line), f"<code>{_e(' '.join(r.latex.split()))}</code>", _badge(r.verdict),
             _checks(r.result), _display_why(r)) for r in run.results]
    n = len(run.results)
    return _summary(run.summary, f"{n} display{'' if n == 1 else 's'}", run.settings.seed) + _table(
        ("display", "line", "LaTeX", "verdict", "checks", "why"), rows)


def _derivation_html(d: Any) -> str:
    rows = [(f"<code>{_e(d.derivation.name)}</code>", _badge(d.verdict), _checks(d.result),
             _e(d.result.reason) if d.result.reason else "")]
    out = _table(("derivation", "verdict", "checks", "why"), rows)
    tex = d.latex
    if tex is not None:
        items = [f"<li>first failing step: {_e(tex['step'])}</li>"]
        items += [f"<li>{_e(label)}: <code>{_e(tex[key])}</code></li>" for key, label in
                  (("lhs", "counterexample, left side"), ("rhs", "counterexample, right side"),
                   ("symbolic", "symbolically, left − right")) if key in tex]
        out += "<ul>" + "".join(items) + "</ul>"
    return out


def _diagnosis_html(d: Any) -> str:
    e = d.expectation
    rows = []
    for t in d.targets:
        if t.value is None:
            rows.append((f"<code>{_e(t.name)}</code>", _e(t.formula), "not applicable", _e(t.reason)))
        elif t.name in d.matches:
            c = d.matches[t.name]
            rows.append((f"<code>{_e(t.name)}</code>", _e(t.formula), _badge("holds"),
                         "equal" if c == 1.0 else _e(f"equal up to the positive factor {c:.6g}")))
        else:
            rows.append((f"<code>{_e(t.name)}</code>", _e(t.formula), _badge("fails"),
                         _e(f"residual {d.residuals[t.name]:.3g}")))
    head = (f'<p class="pgverify-summary" style="font-family:sans-serif">{_e(d.summary)} — over {_e(e.batches)} '
            f"batches ({'exact' if e.exact else 'float64'} weights; dtype {_e(e.dtype)}, tolerance "
            f"{_e(f'{d.tolerance:.3g}')})</p>")
    return head + _table(("target", "formula", "E[ĝ] is it?", "how"), rows)


def _survey_html(s: Any) -> str:
    rows = []
    for name, n in s.informative.items():
        count, _, _ = s.matched[name]
        rows.append((f"<code>{_e(name)}</code>", _badge(s.verdict(name)), _e(n), _e(count), _e(s.against[name])))
    head = (f'<p class="pgverify-summary" style="font-family:sans-serif">{_e(s.examples)} Hypothesis-drawn MDPs, '
            f"{_e(s.dtype)}: a target holds when E[ĝ] = c·target, c &gt; 0, on every draw, at least "
            f"{_e(s.minimum)} of them informative</p>")
    return head + _table(("target", "verdict", "informative draws", "matched", "against"), rows)


def html_of(result: Any) -> str:
    """The HTML a notebook shows for a result of pgverify (see the module docstring); every text escaped."""
    from pgverify.audit.diagnosis import Diagnosis, Survey
    from pgverify.derivations import DerivationResult
    from pgverify.documents import DocumentRun
    from pgverify.output.report import Run

    for kind, render in ((Run, _run_html), (DocumentRun, _document_html), (DerivationResult, _derivation_html),
                         (Diagnosis, _diagnosis_html), (Survey, _survey_html)):
        if isinstance(result, kind):
            return render(result)
    if isinstance(result, AnnotatedCell):
        return result._repr_html_()
    raise PGVerifyError(f"html_of: no HTML for a {type(result).__name__}")


# ------------------------------------------------------------------------------- the cell magic
def _page(text: str, run: Any) -> str:
    """The annotated page of a cell: the one place the notebook calls the annotate command's HTML."""
    from pgverify.output.annotate import annotated_html

    return annotated_html(text, run, title="notebook cell")


@dataclass(frozen=True)
class AnnotatedCell:
    """A cell checked by ``%%pgverify``: its text and its :class:`~pgverify.documents.DocumentRun`.

    In a notebook it shows the verdict table and the annotated page (in a sandboxed frame: its style cannot reach
    the notebook, nothing in it can run); ``repr`` is the table of ``pgverify verify``.
    """

    text: str
    run: Any = field(repr=False)

    def _repr_html_(self) -> str:
        page = _page(self.text, self.run)
        height = min(1600, 160 + 150 * len(self.run.results) + 18 * self.text.count("\n"))
        return (_document_html(self.run) + f'\n<iframe class="pgverify-page" sandbox="" title="annotated cell" '
                f'style="width:100%;height:{height}px;border:1px solid #ddd" srcdoc="{_e(page)}"></iframe>')

    def __repr__(self) -> str:
        from pgverify.documents import table

        return table(self.run)


def _magic_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="%%pgverify", add_help=False,
                                description="check the Markdown/LaTeX displays of this cell")
    p.add_argument("--profile", default=None, help="notation profile (post, textbook, or a .toml file)")
    p.add_argument("--seed", type=int, default=0, help="seed of every random choice (default 0)")
    return p


class _Usage(Exception):
    pass


def pgverify_cell(line: str, cell: str) -> AnnotatedCell:
    """What ``%%pgverify <line>`` does with ``cell``: read it as a Markdown document and check every display.

    Raises :class:`PGVerifyError` for bad options (naming them) and for a cell without display.
    """
    from pgverify.checker import Settings
    from pgverify.stream import check_document

    parser = _magic_parser()
    parser.error = lambda message: (_ for _ in ()).throw(_Usage(message))  # type: ignore[method-assign]
    try:
        args = parser.parse_args(shlex.split(line))
    except _Usage as exc:
        raise PGVerifyError(f"%%pgverify {line.strip()}: {exc} (options: --profile P, --seed N)") from None
    except ValueError as exc:  # shlex: an unclosed quote
        raise PGVerifyError(f"%%pgverify {line.strip()}: {exc}") from None
    if args.seed < 0:
        raise PGVerifyError(f"%%pgverify: --seed must be a non-negative integer, got {args.seed}")
    with tempfile.TemporaryDirectory(prefix="pgverify-cell-") as folder:
        path = Path(folder) / "cell.md"
        path.write_text(cell, encoding="utf-8")
        run = check_document(path, Settings(seed=args.seed), profile=args.profile)
    return AnnotatedCell(cell, run)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext pgverify``: register the ``%%pgverify`` cell magic."""
    _ipython()

    def pgverify(line: str, cell: str) -> AnnotatedCell:
        try:
            return pgverify_cell(line, cell)
        except PGVerifyError as exc:
            from IPython.core.error import UsageError

            raise UsageError(f"pgverify: {exc}") from None

    pgverify.__doc__ = pgverify_cell.__doc__
    ipython.register_magic_function(pgverify, magic_kind="cell", magic_name="pgverify")
