"""The annotated page: a document rendered as a reader sees it, each display with its verdict beside it.

* :func:`render_page` — a self-contained HTML page (no script, nothing fetched) of a checked document: the prose
  through markdown-it-py (headings, emphasis, lists, links, tables, inline math as MathML), the front matter as a
  small table, Hugo shortcodes as labelled boxes (or a visible note where one cannot be rendered), and each display
  rendered by :func:`render_display`;
* :func:`render_display` — one display as an HTML fragment: its MathML (an aligned block as an ``mtable``, one row
  per line), the verdict badge beside it, the verdict in words (:func:`pgverify.output.words.summary`), the
  failing step as math, the counterexample as small tables (λ, P, r, π, …; left side against right side with the
  differing entries marked), and what the annotations restricted the check to.

Everything from the document is escaped: the prose's HTML goes through nh3's allow-list (no script, no style, no
element that fetches), MathML through :func:`pgverify.output.annotate.safe_mathml`'s; the page's own markup
(badges, boxes) is put in after the document's HTML is cleaned, so a document cannot fake a verdict.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from typing import Any

from pgverify.output.annotate import _offsets, _span, restrictions_line, safe_mathml
from pgverify.output.words import Table, ce_tables, first_side, relation_of, summary, unicode_math
from pgverify.notation.document import blank_code_and_comments
from pgverify.verdicts import VERDICTS

__all__ = ["render_page", "render_display", "counterexample_tables", "PROSE_TAGS", "STYLE"]

COLOURS = {"proved": "#1b7f3b", "verified": "#2f6fb3", "undecided": "#8a6d00", "refuted": "#b3261e",
           "ill-formed": "#7a3fb0"}

#: The HTML elements the prose may keep (markdown-it's output and a document's own simple markup); everything
#: else (script, style, img, iframe, svg, form, …) is dropped by nh3 with its content where it is code.
PROSE_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "a", "em", "strong", "code", "pre", "ul", "ol", "li",
                        "blockquote", "br", "hr", "table", "thead", "tbody", "tr", "th", "td", "del", "s", "sup",
                        "sub", "dl", "dt", "dd", "kbd", "b", "i", "u", "abbr", "cite", "q", "small", "mark"})
_PROSE_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}
_SCHEMES = {"http", "https", "mailto"}

STYLE = """
body { font-family: Georgia, 'DejaVu Serif', serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #222; overflow-wrap: break-word; }
h1.page { font-size: 1.5rem; margin-bottom: 0.2rem; }
.overview { font-family: sans-serif; font-size: 0.9rem; }
table { border-collapse: collapse; }
.front-matter { font-family: sans-serif; font-size: 0.85rem; margin: 0.5rem 0 1.5rem 0; color: #444; }
.front-matter th, .front-matter td { border: 1px solid #ddd; padding: 0.1rem 0.5rem; text-align: left; }
.shortcode { border: 1px solid #d6d6d6; border-radius: 0.3rem; padding: 0 0.8rem; margin: 1rem 0; }
.shortcode-name { font-family: sans-serif; font-size: 0.8rem; color: #555; margin: 0.3rem 0; }
.dropped { font-family: sans-serif; font-size: 0.8rem; color: #8a6d00; }
.display { border-left: 4px solid #ccc; margin: 1.2rem 0; padding: 0.3rem 0 0.3rem 0.8rem; }
.display .row { display: flex; align-items: flex-start; gap: 0.8rem; }
.display .math { flex: 1 1 auto; min-width: 0; overflow-x: auto; }
.display .math math { font-size: 1.1em; }
mtd[columnalign="right"] { text-align: right; } mtd[columnalign="left"] { text-align: left; }
mtd { padding: 0.15em 0; }
.tag { color: white; padding: 0 0.4rem; border-radius: 0.2rem; }
.verdict { flex: 0 0 auto; font-family: sans-serif; font-size: 0.9rem; padding: 0.15rem 0.6rem;
           border-radius: 0.3rem; color: white; white-space: nowrap; }
.words { font-family: sans-serif; font-size: 0.9rem; margin: 0.4rem 0 0 0; }
.detail { font-family: sans-serif; font-size: 0.85rem; color: #333; margin: 0.3rem 0 0 0; }
.step { overflow-x: auto; }
.restricted { font-family: sans-serif; font-size: 0.85rem; color: #6b4e00; background: #fff7dd; margin: 0.3rem 0 0 0;
              padding: 0.1rem 0.4rem; }
.ce { display: flex; flex-wrap: wrap; gap: 0.8rem; align-items: flex-start; margin: 0.4rem 0; }
.ce table { font-family: sans-serif; font-size: 0.8rem; }
.ce caption { font-size: 0.8rem; color: #444; text-align: left; }
.ce th, .ce td { border: 1px solid #ccc; padding: 0.05rem 0.4rem; text-align: right; }
.ce tr.differs td { background: #fde2df; font-weight: bold; }
main p math, main li math { font-size: 1.1em; }
.source { font-size: 0.8rem; white-space: pre-wrap; color: #555; }
.prose-math-unrendered { color: #8a6d00; }
"""


# ------------------------------------------------------------------------------------------- one display
def _math_or_source(latex: str, *, display: str = "block") -> str:
    """The MathML of ``latex`` (allow-listed) or, when it cannot be shown as MathML, its escaped source and why."""
    try:
        math = safe_mathml(latex, display=display)
        why = "markup outside the MathML allow-list" if math is None else ""
    except Exception as exc:  # noqa: BLE001 - latex2mathml could not convert: show the LaTeX and say so
        math, why = None, type(exc).__name__
    if math is not None:
        return math
    if display == "inline":
        return (f'<code class="prose-math-unrendered" title="not rendered: {html.escape(why)}">'
                f'{html.escape(latex)}</code>')
    return f'<pre class="source">{html.escape(latex)}</pre><p class="detail">(not rendered: {html.escape(why)})</p>'


def _html_table(t: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in t.header)
    rows = []
    for n, row in enumerate(t.rows):
        mark = ' class="differs"' if n in t.marked else ""
        rows.append(f"<tr{mark}><th>{html.escape(row[0])}</th>"
                    + "".join(f"<td>{html.escape(c)}</td>" for c in row[1:]) + "</tr>")
    head_row = f"<tr>{head}</tr>" if any(t.header) else ""
    return f"<table><caption>{html.escape(t.caption)}</caption>{head_row}{''.join(rows)}</table>"


def counterexample_tables(ce: Any, *, relation: str = "=", first_side: str = "") -> str:
    """The counterexample as small HTML tables (:func:`pgverify.output.words.ce_tables`): the model's scalars,
    P[s, a, s′], r[s, a], π(a|s), each drawn array, and the two sides entry by entry, failing entries marked."""
    kind = "exact" if ce.exact else "float64"
    tables = "".join(_html_table(t) for t in ce_tables(ce, relation=relation, first_side=first_side))
    return (f'<p class="detail">counterexample ({kind}, {html.escape(ce.method)} on {html.escape(ce.family)}):</p>'
            f'<div class="ce">{tables}</div>')


def render_display(result: Any, *, number: int | None = None) -> str:
    """One display as an HTML fragment (a ``<section class="display">``): its MathML, the verdict badge beside it,
    the verdict in words, the failing step as math, the counterexample's tables, what the annotations restricted.

    ``result``: a :class:`pgverify.documents.DisplayResult`; ``number``: the display's number on the page
    (default: its index + 1).
    """
    n = (result.index + 1) if number is None else number
    verdict = result.verdict
    parts = [f'<section class="display verdict-of-{html.escape(verdict)}" id="display-{n}" data-line="{result.line}" '
             f'style="border-left-color:{COLOURS[verdict]}">',
             f'<div class="row"><div class="math">{_math_or_source(result.latex)}</div>'
             f'<span class="verdict verdict-{html.escape(verdict)}" style="background:{COLOURS[verdict]}">'
             f'{html.escape(verdict)}</span></div>',
             f'<p class="words">display {n}, line {result.line}'
             + (f" ({html.escape(result.catalogue_id)})" if result.catalogue_id else "")
             + f": {html.escape(summary(result))}</p>"]
    label = result.first_failing_step if verdict == "refuted" else None
    step = next((s for s in result.steps if s.label == label and s.latex), None)
    if step is not None:
        parts.append(f'<p class="detail">fails at {html.escape(step.label)}:</p>'
                     f'<div class="step">{_math_or_source(step.latex)}</div>')
    ce = result.result.counterexample if (verdict == "refuted" and result.result is not None) else None
    if ce is not None:
        parts.append(counterexample_tables(ce, relation=relation_of(ce.step),
                                           first_side=f"{first_side(result)}\0{ce.step}"))
    if result.restrictions:
        parts.append(f'<p class="restricted">{html.escape(unicode_math(restrictions_line(result)))}</p>')
    parts.append("</section>")
    return "".join(parts)


# ------------------------------------------------------------------------------------------------- prose
_FRONT = re.compile(r"\A(\+\+\+|---)[ \t]*\n(.*?)\n\1[ \t]*(?:\n|\Z)", re.S)
_SHORTCODE = re.compile(r"\{\{([<%])\s*(/?)\s*([A-Za-z][\w-]*)(.*?)\s*[>%]\}\}", re.S)
_ESCAPE = re.compile(r"\\\\\\[ \t]*(?=\n)|\\([!-/:-@\[-`{-~])")


def _front_matter(text: str) -> tuple[str, str]:
    """(the front matter as a table, the text after it); a line that is not ``key = value``/``key: value`` is shown
    as it is."""
    m = _FRONT.match(text)
    if not m:
        return "", text
    rows = []
    for line in m.group(2).splitlines():
        kv = re.match(r"^\s*([A-Za-z_][\w-]*)\s*[:=]\s*(.*?)\s*$", line)
        if kv:
            value = kv.group(2).strip("\"'")
            rows.append(f"<tr><th>{html.escape(kv.group(1))}</th><td>{html.escape(value)}"
                        "</td></tr>")
        elif line.strip():
            rows.append(f'<tr><td colspan="2">{html.escape(line)}</td></tr>')
    return (f'<table class="front-matter"><caption>front matter</caption>{"".join(rows)}</table>', text[m.end():])


def _shortcode_title(args: str) -> str:
    m = re.search(r"\btitle\s*=\s*\"([^\"]*)\"", args)
    return m.group(1) if m else ""


class _Placeholders:
    """Tokens that survive Markdown and nh3 unchanged (letters and digits, a nonce from the text), each standing
    for markup the page puts in after the document's HTML is cleaned."""

    def __init__(self, text: str) -> None:
        self.nonce = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        self.items: dict[str, str] = {}

    def add(self, markup: str) -> str:
        key = f"pgv{self.nonce}x{len(self.items)}x"
        self.items[key] = markup
        return key

    def fill(self, page: str) -> str:
        if not self.items:
            return page
        pattern = re.compile(rf"<p>\s*(pgv{self.nonce}x\d+x)\s*</p>|(pgv{self.nonce}x\d+x)")
        return pattern.sub(lambda m: self.items[m.group(1) or m.group(2)], page)


def _markdown(escaped: bool, holes: _Placeholders) -> Any:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark", {"html": True}).use(dollarmath_plugin, double_inline=True).enable(
        ["table", "strikethrough"])

    def math(_renderer: Any, tokens: list[Any], idx: int, *_: Any) -> str:
        latex = tokens[idx].content
        if escaped:  # the math went through a Markdown renderer first (Hugo): its escapes are the renderer's
            latex = _ESCAPE.sub(lambda m: m.group(1) or "\\\\", latex)
        return holes.add(_math_or_source(latex, display="block" if tokens[idx].type.startswith("math_block")
                                         else "inline"))

    def image(_renderer: Any, tokens: list[Any], idx: int, *_: Any) -> str:  # nothing fetched: a link to it
        t = tokens[idx]
        alt = html.escape(t.content or "image")
        src = html.escape(t.attrGet("src") or "", quote=True)
        return f'<a href="{src}">[image: {alt}]</a>'

    for rule in ("math_inline", "math_inline_double", "math_block", "math_block_label"):
        md.add_render_rule(rule, math)
    md.add_render_rule("image", image)
    return md


def _clean(fragment: str) -> str:
    import nh3

    return nh3.clean(fragment, tags=set(PROSE_TAGS), attributes={k: set(v) for k, v in _PROSE_ATTRIBUTES.items()},
                     url_schemes=set(_SCHEMES), strip_comments=True, link_rel="noopener noreferrer")


def _shortcodes(text: str, masked: str, holes: _Placeholders) -> str:
    """Hugo shortcodes: a pair ``{{% name … %}} … {{% /name %}}`` becomes a box titled with its name (and its
    ``title``); any other shortcode a visible note that it was dropped.  Shortcodes in code are text."""
    found = [m for m in _SHORTCODE.finditer(masked)]
    pairs: dict[int, int] = {}
    stack: list[tuple[str, int]] = []
    for k, m in enumerate(found):
        if m.group(2):
            while stack and stack[-1][0] != m.group(3):
                stack.pop()
            if stack:
                pairs[stack.pop()[1]] = k
        else:
            stack.append((m.group(3), k))
    closing = set(pairs.values())
    out, last = [], 0
    for k, m in enumerate(found):
        out.append(text[last:m.start()])
        name = m.group(3)
        if k in pairs:
            title = _shortcode_title(m.group(4))
            label = f"{html.escape(title)} " if title else ""
            out.append("\n\n" + holes.add(f'<div class="shortcode shortcode-{html.escape(name)}">'
                                          f'<p class="shortcode-name">'
                                          f'{label}<small>(Hugo shortcode {html.escape(name)})</small></p>') + "\n\n")
        elif k in closing:
            out.append("\n\n" + holes.add("</div>") + "\n\n")
        else:
            out.append(holes.add(f'<span class="dropped">[Hugo shortcode {html.escape(name)} not rendered]</span>'))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


_TEX_HEADINGS = {"section": "h2", "subsection": "h3", "subsubsection": "h4", "paragraph": "h5"}
_TEX_INLINE = {"emph": "em", "textit": "em", "textbf": "strong", "texttt": "code"}
_TEX_DROP = re.compile(r"\\(documentclass|usepackage)(\[[^\]]*\])?\{[^}]*\}|\\(begin|end)\{document\}|\\maketitle\b"
                       r"|\\label\{[^}]*\}")


def _tex_prose(chunk: str, holes: _Placeholders) -> str:
    """LaTeX prose: comments and the preamble dropped, sectioning commands as headings, \\emph/\\textbf/\\texttt as
    emphasis, inline ``$…$`` as MathML, the rest as escaped paragraphs (an unknown command stays visible)."""
    def inline(m: re.Match[str]) -> str:
        return holes.add(_math_or_source(m.group(1), display="inline"))

    def heading(m: re.Match[str]) -> str:
        tag = _TEX_HEADINGS[m.group(1)]
        return f"\n\n{holes.add(f'<{tag}>{html.escape(m.group(2))}</{tag}>')}\n\n"

    def styled(m: re.Match[str]) -> str:
        tag = _TEX_INLINE[m.group(1)]
        return holes.add(f"<{tag}>{html.escape(m.group(2))}</{tag}>")

    chunk = re.sub(r"(?<!\\)%.*", "", chunk)
    chunk = _TEX_DROP.sub("", chunk)
    chunk = re.sub(r"(?<!\\)\$([^$]+?)(?<!\\)\$", inline, chunk)
    chunk = re.sub(r"\\(" + "|".join(_TEX_HEADINGS) + r")\*?\{([^{}]*)\}", heading, chunk)
    chunk = re.sub(r"\\(" + "|".join(_TEX_INLINE) + r")\{([^{}]*)\}", styled, chunk)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", chunk) if p.strip()]
    return "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def render_page(results: Sequence[Any], source: str, *, title: str | None = None, kind: str = "md",
                seed: int | None = None, standalone: bool = True) -> str:
    """A self-contained HTML page of ``source`` with each of ``results`` (its displays, in order) shown by
    :func:`render_display` where the display stands.

    ``kind``: ``"md"`` (Markdown, the default) or ``"tex"`` (prose as escaped paragraphs); ``seed``: shown in the
    header when given; ``standalone=False``: a ``<div class="pgverify">`` with its own ``<style>`` instead of a whole
    HTML document (for a notebook's output).  No script, nothing fetched: links are kept as links, an image
    becomes a link to it.
    """
    if kind not in ("md", "tex"):
        raise ValueError(f"kind must be 'md' or 'tex', not {kind!r}")
    holes = _Placeholders(source)
    front, body_text = ("", source) if kind == "tex" else _front_matter(source)
    shift = len(source) - len(body_text)
    offsets, masked = _offsets(source), blank_code_and_comments(source, kind)
    pieces: list[str] = []
    last = shift
    spans = []
    for r in results:
        start = offsets[min(r.line - 1, len(offsets) - 1)]
        begin, end = _span(masked, start, offsets[min(r.line, len(offsets) - 1)])
        spans.append((begin, end))
        if begin >= last:
            pieces.append(source[last:begin])
            last = end
        pieces.append("\n\n" + holes.add(render_display(r)) + "\n\n")
    pieces.append(source[last:])
    text = "".join(pieces)
    if kind == "tex":
        main = _tex_prose(text, holes)
    else:
        escaped = any("\\_" in source[a:b] for a, b in spans)
        text = _shortcodes(text, blank_code_and_comments(text, "md"), holes)
        main = _clean(_markdown(escaped, holes).render(text))
    main = holes.fill(main)
    counts = {v: 0 for v in VERDICTS}
    for r in results:
        counts[r.verdict] += 1
    tally = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    overview = ", ".join(
        f'<a href="#display-{r.index + 1}">display {r.index + 1}</a> (line {r.line}, <span class="tag" '
        f'style="background:{COLOURS[r.verdict]}">{html.escape(r.verdict)}</span>)'
        for r in results if r.verdict in ("refuted", "ill-formed", "undecided"))
    name = html.escape(title or "document")
    head = (f'<h1 class="page">pgverify: {name}</h1><p class="overview">{len(results)} displays — '
            f'{html.escape(tally) or "none"}' + (f" (seed {seed})" if seed is not None else "") + "</p>")
    if overview:
        head += f'<p class="overview">not proved or verified: {overview}</p>'
    if not standalone:
        return (f'<div class="pgverify"><style>{STYLE.replace("body {", ".pgverify {")}</style>'
                f"<header>{head}{front}</header>\n<main>{main}</main></div>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>pgverify: {name}</title><style>{STYLE}</style></head><body>"
            f"<header>{head}{front}</header>\n<main>{main}</main>\n</body></html>\n")
