"""Rendering check results: the terminal table, the JSON object, Markdown and LaTeX."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from pgverify import __version__
from pgverify.output import tex
from pgverify.settings import Settings
from pgverify.verdicts import Check, ClaimResult, Counterexample, Tally
from pgverify.registry import SLOW_METHODS_OPT_IN
from pgverify.output.words import Table, ce_tables, first_side, relation_of
from pgverify.output.words import summary as in_words

__all__ = ["Run", "to_json", "table", "markdown", "latex_document", "mark", "by_section"]


@dataclass(frozen=True)
class Run(Tally):
    """The results of one ``pgverify check`` run."""

    results: tuple[ClaimResult, ...]
    settings: Settings
    seconds: float

    def _repr_html_(self) -> str:
        """In a notebook: a table of the verdicts, every text escaped (:func:`pgverify.notebook.html_of`)."""
        from pgverify.notebook import html_of

        return html_of(self)


def _check_json(c: Check) -> dict[str, Any]:
    out: dict[str, Any] = {"method": c.method, "family": c.family, "passed": c.passed, "mark": mark(c),
                           "seconds": round(c.seconds, 4)}
    for k, v in c.details.items():
        out[k] = v if not (isinstance(v, float) and math.isnan(v)) else None
    if c.failing_step is not None:
        out["failing_step"] = c.failing_step
    if c.message:
        out["message"] = c.message
    return out


def _counterexample_json(ce: Counterexample | None) -> dict[str, Any] | None:
    if ce is None:
        return None
    return {"family": ce.family, "method": ce.method, "exact": ce.exact, "step": ce.step,
            "step_index": ce.step_index, "example": ce.example, "lhs": ce.lhs, "rhs": ce.rhs}


def to_json(run: Run) -> dict[str, Any]:
    """The object of design.md §4."""
    return {
        "tool": "pgverify", "version": __version__, "seed": run.settings.seed, "seconds": round(run.seconds, 3),
        "summary": run.summary,
        "claims": [{
            "id": r.claim.id, "section": r.claim.section, "statement": r.claim.statement, "verdict": r.verdict,
            **({"corrects": r.claim.corrects} if r.claim.corrects else {}),
            **({"note": r.claim.note} if r.claim.note else {}),
            **({"reason": r.reason} if r.reason else {}),
            "in_words": in_words(r),
            "checks": [_check_json(c) for c in r.checks],
            "counterexample": _counterexample_json(r.counterexample),
        } for r in run.results],
    }


def dumps(run: Run) -> str:
    return json.dumps(to_json(run), indent=2, ensure_ascii=False)


_MARK = {True: "✓", False: "✗", None: "?"}


def mark(c: Check) -> str:
    """The mark of one check in a table: ✓ the method decided every step true, ✗ it found a step false, ? it could not
    run, – it passed but left steps undecided (the symbolic method decides ``=`` steps only; the JSON lists them under
    ``undecided_steps``): a ✓ never stands for a step the method did not decide."""
    if c.passed is True and c.details.get("undecided_steps"):
        return "–"
    return _MARK[c.passed]


def _methods(r: ClaimResult) -> str:
    return "  ".join(f"{c.method}{mark(c)}" for c in r.checks)


def _short(x: Any, limit: int = 70) -> str:
    s = json.dumps(x, ensure_ascii=False)
    return s if len(s) <= limit else s[:limit - 1] + "…"


def table(run: Run) -> str:
    """The readable table of ``pgverify check``."""
    width = max([len(r.claim.id) for r in run.results] + [5])
    lines = [f"{'claim':<{width}}  {'verdict':<10}  checks", f"{'-' * width}  {'-' * 10}  {'-' * 30}"]
    for r in run.results:
        lines.append(f"{r.claim.id:<{width}}  {r.verdict:<10}  {_methods(r)}")
        pad = " " * (width + 14)
        if r.verdict == "ill-formed":
            lines.append(f"{pad}{r.reason}")
        for c in r.checks:
            if c.passed is None:
                lines.append(f"{pad}{c.method} could not decide: {c.message}")
        ce = r.counterexample
        if r.verdict == "refuted":
            lines.append(f"{pad}in words: {in_words(r)}")
        if ce is not None:
            lines.append(f"{pad}fails at step: {ce.step}")
            lines.append(f"{pad}counterexample ({'exact' if ce.exact else 'float64'}, {ce.family}): "
                         f"{_short(ce.example, 200)}")
            lines.append(f"{pad}lhs = {_short(ce.lhs)}")
            lines.append(f"{pad}rhs = {_short(ce.rhs)}")
        elif r.verdict == "refuted":
            step = next((c.failing_step for c in r.checks if c.failing_step), None)
            lines.append(f"{pad}fails at step: {step} (no small counterexample found; see the failing checks)")
    summary = ", ".join(f"{v} {k}" for k, v in run.summary.items())
    lines.append(f"\n{len(run.results)} claim{'' if len(run.results) == 1 else 's'}: {summary}  ({run.seconds:.1f} s, seed {run.settings.seed})")
    for r in run.results:
        for name, what, _ in r.claim.opt_in:
            if name not in run.settings.opt_in:
                lines.append(f"not run by default: {r.claim.id} {what} — ask with --opt-in {name}")
    slow = [r.claim.id for r in run.results if r.claim.slow_methods and SLOW_METHODS_OPT_IN not in run.settings.opt_in]
    if slow:
        lines.append(f"not run by default (slow): the symbolic checks of {', '.join(slow)} — ask with "
                     f"--opt-in {SLOW_METHODS_OPT_IN}")
    return "\n".join(lines)


def _sections(run: Run) -> dict[str, list[ClaimResult]]:
    out: dict[str, list[ClaimResult]] = {}
    for r in run.results:
        out.setdefault(r.claim.section, []).append(r)
    return out


def _check_md(c: Check) -> str:
    extra = []
    if "points" in c.details:
        extra.append(f"{c.details['points']} points")
    if c.details.get("error_bound") is not None:
        extra.append(f"false-pass probability ≤ {c.details['error_bound']:.1e}")
    if "examples" in c.details:
        extra.append(f"{c.details['examples']} examples")
    if c.details.get("undecided_steps"):
        extra.append("inequality steps left to the other methods")
    if c.failing_step:
        extra.append(f"fails at “{c.failing_step}”")
    if c.message:
        extra.append(c.message)
    return f"{c.method} {_MARK[c.passed]} ({c.family}; {c.seconds:.2f} s{'; ' if extra else ''}{'; '.join(extra)})"


def by_section(run: Run) -> list[tuple[str, dict[str, int]]]:
    """Each section with how many of its claims got each verdict (every verdict listed), in the run's order."""
    from pgverify.verdicts import VERDICTS

    out = []
    for section, results in _sections(run).items():
        counts = {v: 0 for v in VERDICTS}
        for r in results:
            counts[r.verdict] += 1
        out.append((section, counts))
    return out


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(t: Table) -> list[str]:
    head = [h or " " for h in t.header]
    out = [f"*{_md_cell(t.caption)}*", "", "| " + " | ".join(_md_cell(h) for h in head) + " |",
           "|" + "---|" * len(head)]
    for n, row in enumerate(t.rows):
        cells = [_md_cell(c) for c in row]
        if n in t.marked:
            cells = [f"**{c}**" if c else c for c in cells]
        out.append("| " + " | ".join(cells) + " |")
    return out + [""]


def markdown(run: Run, *, extra_sections: dict[str, str] | None = None) -> str:
    """docs/report.md: the verdicts by section, the table of claims (``| `id` | verdict | checks | in words |``,
    which .ci/run compares with ``pgverify check``), then every claim with its statement, verdict in words,
    checks and counterexample (as tables)."""
    from pgverify.verdicts import VERDICTS

    out = ["# pgverify report: “A Tale of Policy Gradients”", "",
           f"Generated by `pgverify report` (version {__version__}, seed {run.settings.seed}, "
           f"{run.seconds:.1f} s). Verdicts: " + ", ".join(f"**{v}** {k}" for k, v in run.summary.items()) + ".",
           "", "## Verdicts by section", "", "| section | " + " | ".join(VERDICTS) + " |",
           "|---|" + "---:|" * len(VERDICTS)]
    for section, counts in by_section(run):
        out.append(f"| {_md_cell(section)} | " + " | ".join(str(counts[v]) if counts[v] else "·" for v in VERDICTS)
                   + " |")
    out += ["", "## Claims", "", "| claim | verdict | checks | in words |", "|---|---|---|---|"]
    for r in run.results:
        out.append(f"| `{r.claim.id}` | {r.verdict} | {_methods(r)} | {_md_cell(in_words(r))} |")
    for section, results in _sections(run).items():
        out += ["", f"## {section}"]
        for r in results:
            out += ["", f"### `{r.claim.id}` — {r.verdict}", "", f"$${r.claim.statement}$$", ""]
            if r.claim.corrects:
                out.append(f"Repairs `{r.claim.corrects}`.")
            if r.claim.note:
                out += [r.claim.note, ""]
            out += [f"In words: {in_words(r)}.", ""]
            if r.reason:
                out += [f"Ill-formed: {r.reason}.", ""]
            for c in r.checks:
                out.append(f"- {_check_md(c)}")
            ce = r.counterexample
            if ce is not None:
                out += ["", f"Counterexample ({'exact' if ce.exact else 'float64'}, family {ce.family}), "
                            f"failing step ${tex.label_math(ce.step)}$:", ""]
                sides = f"{first_side(r)}\0{ce.step}"
                for t in ce_tables(ce, relation=relation_of(ce.step), first_side=sides):
                    out += _md_table(t)
    for title, body in (extra_sections or {}).items():
        out += ["", f"## {title}", "", body]
    return "\n".join(out) + "\n"


def _statement_tex(statement: str) -> list[str]:
    """A claim's statement displayed: broken to the page width, or as a quote if it is words (\\text{…})."""
    s = statement.replace("\n", " ").strip()
    words, math = tex.leading_text(s)
    out = [r"\begin{quote}", words, r"\end{quote}"] if words else []
    if not math:
        return out
    # A statement quoted from the post may be an aligned block written for MathJax: its rows become the
    # align* rows (each broken to the page width), and \middle without \left…\right (MathJax accepts it,
    # pdflatex does not) becomes \mid.
    math = re.sub(r"\\(begin|end)\{(aligned|split)\*?\}", " ", math)
    math = re.sub(r"\\middle\s*(\\vert|\|)", r"\\mid ", math)
    # Displays that state one claim together are joined by \qquad (pgverify.claims.text.JOIN): one row each.
    rows = [r.strip() for r in re.split(r"\\\\|\\qquad", math) if r.strip()]
    return out + [tex.break_align("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")]


def _sections_tex(run: Run) -> str:
    """The table of verdicts by section, for pdflatex."""
    from pgverify.verdicts import VERDICTS

    rows = [tex.text(section) + " & " + " & ".join(str(c[v]) if c[v] else "." for v in VERDICTS) + r" \\"
            for section, c in by_section(run)]
    return ("\\begin{center}\\small\\begin{tabular}{l" + "r" * len(VERDICTS) + "}\\hline\nsection & "
            + " & ".join(VERDICTS) + r" \\ \hline" + "\n" + "\n".join(rows) + "\n\\hline\\end{tabular}\\end{center}")


def _words_tex(words: str, step: str = "") -> str:
    r"""A summary in words for pdflatex: the step's label and every word with a balanced ``_`` or ``^`` in it as math
    (:func:`pgverify.output.tex.label_math`), the rest as text: no literal ``_`` or ``^`` on the page.

    >>> _words_tex("the step ∇U = 𝔼[R_τ] fails: λ^{t−1} is 1", "∇U = 𝔼[R_τ]")
    'the step $\\nabla U = \\mathbb{E}[R_\\tau ]$ fails: $\\lambda ^{t-1}$ is 1'
    """
    parts = words.split(step, 1) if step and step in words else [words]
    out = []
    for k, part in enumerate(parts):
        if k:
            out.append(f"${tex.label_math(step)}$")
        pieces = re.split(r"(\s+)", part)
        for w in pieces:
            core = w.rstrip(".,:;")
            if re.search(r"[_^]", core) and core.count("{") == core.count("}") and core.count("(") == core.count(")"):
                out.append(f"${tex.label_math(core)}$" + tex.text(w[len(core):]))
            else:
                out.append(tex.text(w))
    return "".join(out)


def _tex_table(t: Table, max_rows: int = 12) -> str:
    """A counterexample's table as a small ``tabular`` (values in math, failing entries in bold), kept on one
    line with the others where it fits."""
    def cell(c: str, bold: bool = False) -> str:
        if c == "✗":
            return r"$\times$"
        if re.fullmatch(r"[−\-]?[0-9./·()a-z*+ −]+", c) and c.strip():
            body = "$" + tex.label_math(c) + "$"
        else:
            body = tex.text(c)
        return rf"\textbf{{{body}}}" if bold and c else body

    rows = list(t.rows)
    cut = len(rows) - max_rows
    rows = rows[:max_rows]
    lines = [" & ".join(tex.text(h) for h in t.header) + r" \\ \hline"] if any(t.header) else []
    for n, row in enumerate(rows):
        lines.append(" & ".join(cell(c, n in t.marked) for c in row) + r" \\")
    if cut > 0:
        lines.append(rf"\multicolumn{{{len(t.header)}}}{{l}}{{\ldots\ {cut} more}} \\")
    return (r"\begin{tabular}[t]{l" + "r" * (len(t.header) - 1) + "}" + rf"\multicolumn{{{len(t.header)}}}{{l}}"
            + rf"{{\footnotesize {tex.text(t.caption)}}} \\" + "\n" + "\n".join(lines) + r"\end{tabular}")


def latex_document(run: Run, *, extra_sections: dict[str, str] | None = None) -> str:
    """docs/report.tex for pdflatex: each claim's statement in an align* block with its verdict.

    Running text goes through :func:`pgverify.output.tex.text` (no Unicode left for pdflatex to reject) and
    displayed equations through :func:`pgverify.output.tex.break_display` (none wider than the page).
    """
    out = [r"\documentclass{article}", r"\usepackage[T1]{fontenc}", r"\usepackage{lmodern}",
           r"\usepackage{textcomp}", r"\usepackage{amsmath,amssymb,mathtools}", r"\usepackage[margin=2cm]{geometry}",
           r"\DeclareMathOperator*{\argmin}{arg\,min}", r"\allowdisplaybreaks", r"\sloppy",
           r"\begin{document}", r"\section*{pgverify report: A Tale of Policy Gradients}",
           tex.text(f"Version {__version__}, seed {run.settings.seed}. ")
           + tex.text(", ".join(f"{v} {k}" for k, v in run.summary.items())) + ".", _sections_tex(run)]
    for section, results in _sections(run).items():
        out.append(rf"\subsection*{{{tex.text(section)}}}")
        for r in results:
            out.append(rf"\paragraph{{\texttt{{{tex.text(r.claim.id)}}} --- {r.verdict}}}")
            out += _statement_tex(r.claim.statement)
            out.append("In words: " + _words_tex(in_words(r), r.counterexample.step if r.counterexample else "") + ".")
            if r.counterexample is not None:
                ce = r.counterexample
                out.append(f"Fails at step ${tex.label_math(ce.step)}$; counterexample "
                           f"({'exact' if ce.exact else 'float64'}, {tex.text(ce.family)}):")
                sides = f"{first_side(r)}\0{ce.step}"
                out.append(r"\par\noindent" + r"\quad ".join(
                    _tex_table(t) for t in ce_tables(ce, relation=relation_of(ce.step), first_side=sides)))
    for title, body in (extra_sections or {}).items():
        out += [rf"\subsection*{{{tex.text(title)}}}", tex.break_align(body)]
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"
