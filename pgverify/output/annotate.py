"""The annotated document: the source written back with each display's verdict beside it.

* :func:`annotated_markdown` — the Markdown source unchanged, each display followed by a
  block quote ``> **pgverify: refuted** — …`` (the failing step and, for a refutation, the
  counterexample's two sides);
* :func:`annotated_html` — a self-contained HTML page (no script, no network), made by
  :func:`pgverify.output.page.render_page`: the prose rendered, each display as MathML (an aligned
  block as an ``mtable``) with its verdict beside it in an element ``class="verdict verdict-<verdict>"``.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from pgverify.documents import DisplayResult, DocumentRun
from pgverify.notation.document import blank_code_and_comments

__all__ = ["verdict_line", "restrictions_line", "annotated_markdown", "annotated_html", "safe_mathml", "split_rows",
           "MATHML_ELEMENTS", "MATHML_ATTRIBUTES"]

def verdict_line(r: DisplayResult) -> str:
    """One line of plain text: the verdict and why (failing step, counterexample sides, reason)."""
    return f"pgverify: {r.verdict}{_detail(r)}"


def _detail(r: DisplayResult) -> str:
    out = f" ({r.catalogue_id})" if r.catalogue_id else ""
    if r.verdict == "refuted":
        out += f" — fails at {r.first_failing_step}"
        shown = next((s.latex for s in r.steps if s.label == r.first_failing_step and s.latex), None)
        if shown:
            out += f", ${shown}$"
        ce = r.result.counterexample if r.result is not None else None
        if ce is not None:
            out += (f"; counterexample ({'exact' if ce.exact else 'float64'}, {ce.family}): "
                    f"lhs = {_short(ce.lhs)}, rhs = {_short(ce.rhs)}")
    elif r.reason:
        out += f" — {r.reason}"
    return out


def restrictions_line(r: DisplayResult) -> str:
    """What the annotations restricted the check to (empty when nothing): the verdict holds only under it."""
    return f"checked only under: {'; '.join(r.restrictions)}" if r.restrictions else ""


def _short(x: Any, limit: int = 120) -> str:
    s = json.dumps(x, ensure_ascii=False)
    return s if len(s) <= limit else s[:limit - 1] + "…"


def _offsets(text: str) -> list[int]:
    out, total = [0], 0
    for line in text.splitlines(keepends=True):
        total += len(line)
        out.append(total)
    return out


_DISPLAY = re.compile(r"\$\$(.*?)\$\$|\\\[(.*?)\\\]|\\begin\{((?:equation|align|aligned|gather|gathered|multline|split|"
                      r"eqnarray)\*?)\}.*?\\end\{\3\}", re.S)


def _span(masked: str, line_start: int, line_end: int) -> tuple[int, int]:
    """The display delimited in ``masked`` (``$$…$$``, ``\\[…\\]`` or an environment) that overlaps the given line.

    ``masked``: the source with code and comments blanked (the reader's ``blank_code_and_comments``), so that a
    ``$$`` in inline code does not pair with a display's opening.
    """
    for m in _DISPLAY.finditer(masked):
        if m.start() < line_end and m.end() > line_start:
            return m.start(), m.end()
        if m.start() >= line_end:
            break
    return line_start, line_end


def annotated_markdown(text: str, run: DocumentRun, *, latex: bool = False) -> str:
    """``text`` with a verdict block quote after each display (the line after its closing delimiter);
    with ``latex`` (a ``.tex`` source) a ``% pgverify result:`` comment line instead."""
    offsets, masked = _offsets(text), blank_code_and_comments(text, "tex" if latex else "md")
    inserts: list[tuple[int, str]] = []
    for r in run.results:
        start = offsets[min(r.line - 1, len(offsets) - 1)]
        _, end = _span(masked, start, offsets[min(r.line, len(offsets) - 1)])
        eol = text.find("\n", end)
        at = len(text) if eol < 0 else eol + 1
        after = "" if text[at:at + 1] in ("\n", "") else "\n"
        detail = _one_line(_detail(r))
        line = f"% pgverify result: {r.verdict}{detail}" if latex else f"> **pgverify: {r.verdict}**{_no_html(detail)}"
        if r.restrictions:
            limits = _one_line(restrictions_line(r))
            line += f"\n% pgverify {limits}" if latex else f"\n> {_no_html(limits)}"
        inserts.append((at, f"\n{line}\n{after}"))
    out, last = [], 0
    for at, block in sorted(inserts, key=lambda x: x[0]):
        out.append(text[last:at])
        if not text[:at].endswith("\n"):
            out.append("\n")
        out.append(block)
        last = at
    out.append(text[last:])
    return "".join(out)


#: The MathML presentation elements latex2mathml writes that the page keeps; anything else (a script, a foreign
#: element, a link) makes the display shown as its escaped LaTeX source instead.
MATHML_ELEMENTS = frozenset({"math", "mi", "mn", "mo", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot", "mstyle",
                             "mpadded", "mphantom", "menclose", "msub", "msup", "msubsup", "munder", "mover",
                             "munderover", "mtable", "mtr", "mtd"})
#: Their layout attributes (no event handler, no href/src, no style, no class).
MATHML_ATTRIBUTES = frozenset({"accent", "columnalign", "columnlines", "columnspacing", "depth", "displaystyle", "fence",
                               "form", "height", "largeop", "linebreak", "linethickness", "lspace", "mathsize",
                               "mathvariant", "maxsize", "minsize", "movablelimits", "notation", "rowlines",
                               "rowspacing", "rspace", "scriptlevel", "separator", "stretchy", "symmetric", "voffset",
                               "width"})
_MATH_VALUES = {"math": {"display": {"block", "inline"}, "xmlns": {"http://www.w3.org/1998/Math/MathML"}}}


def _one_line(text: str) -> str:
    """A verdict line stays one line: a newline in a reason would end the block quote (or the ``%`` comment)."""
    return re.sub(r"\s*\n\s*", " ", text)


def _no_html(text: str) -> str:
    """Markdown passes raw HTML through: every ``<`` that could open a tag, comment or autolink becomes ``&lt;``."""
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)


#: Environments whose rows (``\\``) and alignment columns (``&``) become an ``mtable``: latex2mathml writes them as
#: one line with a literal ``&``.  Columns alternate right/left (``aligned``), or are centred (``gathered``).
_TABULAR = re.compile(r"\A\s*\\begin\{(aligned|align\*?|split|gathered|gather\*?|eqnarray\*?|alignat\*?)\}(.*)"
                      r"\\end\{\1\}\s*\Z", re.S)
_CELL_TOKEN = re.compile(r"\\left\b|\\right\b|\\begin\{[^}]*\}|\\end\{[^}]*\}|\\\\|\\.|[{}&]", re.S)


def split_rows(body: str) -> list[list[str]]:
    """The rows (at ``\\\\``) and cells (at ``&``) of an environment's body, at the top level only: a ``\\\\`` or
    ``&`` inside braces, ``\\left…\\right`` or a nested environment belongs to its cell.

    >>> split_rows(r"a &= b \\\\ &= \\left[c \\right] \\\\")
    [['a ', '= b '], [' ', '= \\\\left[c \\\\right] ']]
    """
    rows: list[list[str]] = [[]]
    depth, start = 0, 0
    for m in _CELL_TOKEN.finditer(body):
        t = m.group()
        if t in ("{", r"\left") or t.startswith(r"\begin{"):
            depth += 1
        elif t in ("}", r"\right") or t.startswith(r"\end{"):
            depth -= 1
        elif depth == 0 and t in ("&", "\\\\"):
            rows[-1].append(body[start:m.start()])
            start = m.end()
            if t == "\\\\":
                spacing = re.match(r"\s*\[[^\]]*\]", body[start:])  # \\[2pt]
                start += spacing.end() if spacing else 0
                rows.append([])
    rows[-1].append(body[start:])
    if len(rows) > 1 and not "".join(rows[-1]).strip():
        rows.pop()
    return rows


def _inner(latex: str) -> str:
    """latex2mathml's MathML of ``latex`` without its ``<math>`` element (an empty ``mrow`` for nothing)."""
    from latex2mathml.converter import convert

    if not latex.strip():
        return "<mrow></mrow>"
    out = convert(latex, display="block")  # display style: a Σ's limits above and below it
    return out[out.index(">") + 1:out.rindex("</math>")]


def _mathml(latex: str, *, display: str = "block") -> str:
    """MathML of a display: an aligned environment as an ``mtable`` (one ``mtr`` per row, one ``mtd`` per column,
    right/left aligned), anything else as latex2mathml writes it."""
    from latex2mathml.converter import convert

    m = _TABULAR.match(latex)
    if m is None:
        rows = split_rows(latex) if display == "block" else [[latex]]
        if len(rows) == 1:
            return _colon_equals(convert(latex, display=display))
        centred = all(len(r) == 1 for r in rows)  # rows without an environment: gathered, or aligned if & is used
    else:
        rows = split_rows(m.group(2))
        centred = m.group(1).startswith("gather")
    width = max(len(r) for r in rows)
    align = ["center" if centred else ("right" if i % 2 == 0 else "left") for i in range(width)]
    out = []
    for row in rows:
        # a left-aligned cell opening with a relation reads it as infix ({}= in LaTeX's aligned)
        cells = [_inner(("{}" if align[i] == "left" else "") + cell) for i, cell in enumerate(row)]
        cells += ["<mrow></mrow>"] * (width - len(cells))
        out.append("<mtr>" + "".join(f'<mtd columnalign="{align[i]}">{c}</mtd>' for i, c in enumerate(cells))
                   + "</mtr>")
    return _colon_equals(f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="{display}"><mtable '
                         f'displaystyle="true" columnalign="{" ".join(align)}">' + "".join(out) + "</mtable></math>")


def _colon_equals(mathml: str) -> str:
    """``:=`` as one relation (latex2mathml writes an identifier ``:`` then an ``=``, spaced apart)."""
    return re.sub(r"<mi>:</mi>\s*<mo>(?:=|&#x0003D;)</mo>", "<mo>≔</mo>", mathml)


def _markup(page: str) -> list[tuple[Any, ...]]:
    """The element and text events of ``page`` (character references decoded, attributes sorted)."""
    from html.parser import HTMLParser

    events: list[tuple[Any, ...]] = []

    class _Events(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            events.append(("start", tag, tuple(sorted(attrs))))

        def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            events.append(("start", tag, tuple(sorted(attrs))))
            events.append(("end", tag))

        def handle_endtag(self, tag: str) -> None:
            events.append(("end", tag))

        def handle_data(self, data: str) -> None:  # text split by the parser is one text
            if events and events[-1][0] == "data":
                events[-1] = ("data", events[-1][1] + data)
            else:
                events.append(("data", data))

        def handle_comment(self, data: str) -> None:
            events.append(("comment", data))

        def handle_decl(self, decl: str) -> None:
            events.append(("decl", decl))

        def handle_pi(self, data: str) -> None:
            events.append(("pi", data))

        def unknown_decl(self, data: str) -> None:
            events.append(("decl", data))

    parser = _Events(convert_charrefs=True)
    parser.feed(page)
    parser.close()
    return events


@functools.lru_cache(maxsize=4096)
def safe_mathml(latex: str, *, display: str = "block") -> str | None:
    """The display's MathML when it is made of :data:`MATHML_ELEMENTS` and :data:`MATHML_ATTRIBUTES` only, else None.

    latex2mathml copies ``\\text{…}`` verbatim, so a display can carry markup (``</math><script>``).  The MathML is
    passed through nh3's allow-list sanitiser; if the sanitiser changed anything (an element, an attribute, the
    text), the display is not shown as MathML at all: None, and the page shows its escaped LaTeX.
    """
    import nh3

    raw = _mathml(latex, display=display)
    attributes = {"*": set(MATHML_ATTRIBUTES)}
    clean = nh3.clean(raw, tags=set(MATHML_ELEMENTS), attributes=attributes, tag_attribute_values=_MATH_VALUES,
                      clean_content_tags=set(), strip_comments=True, link_rel=None, url_schemes=set())
    return clean if _markup(clean) == _markup(raw) else None


def annotated_html(text: str, run: DocumentRun, *, title: str | None = None) -> str:
    """A self-contained HTML page: the prose rendered, each display in MathML with its verdict beside it (see
    :func:`pgverify.output.page.render_page`); no script, no network."""
    from pgverify.output.page import render_page

    kind = "tex" if Path(run.path).suffix.lower() in (".tex", ".ltx") else "md"
    return render_page(run.results, text, title=title or run.path, kind=kind, seed=run.settings.seed)
