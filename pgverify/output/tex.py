"""LaTeX for the report: running text converted to LaTeX, long displayed equations broken across lines.

docs/report.tex compiles with plain ``pdflatex`` (no Unicode engine needed):
running text (step labels, counterexamples) goes through pylatexenc, so ∇, 𝔼,
σ, 𝒯, − … become ``\\nabla``, ``\\mathbb{E}``, ``\\sigma``, ``\\mathcal{T}``,
``-``; and every row of a displayed ``align*`` block wider than the page is
broken — first at its top-level relations (=, ≤, :=, …), then at the + and −
of a long sum, with a long fraction written [numerator] / [denominator] so
that both can be broken.
"""

from __future__ import annotations

import re

from pylatexenc.latexencode import unicode_to_latex

__all__ = ["text", "label_math", "leading_text", "break_align", "break_display", "visible_width", "DISPLAY_WIDTH", "WIDE_HEAD"]

#: The widest display row kept on one line, in :func:`visible_width` units (about one character of
#: 10 pt math each); fits the 17 cm text width of the report's 2 cm margins with room to spare.
DISPLAY_WIDTH = 78

_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|[{}]|\s+|.", re.S)
_ZERO_WIDTH = {r"\left", r"\right", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr", r"\big", r"\Big", r"\frac",
               r"\mathbb", r"\mathcal", r"\mathrm", r"\operatorname", r"\overset", r"\underset", r"\text",
               r"\mathbf", r"\boldsymbol", r"\,", r"\;", r"\!", r"\displaystyle", r"\limits", r"\vert"}
_RELATIONS = {"=", "<", ">", r"\le", r"\leq", r"\ge", r"\geq", r"\approx", r"\neq", r"\propto", r"\equiv",
              r"\to", r"\in", r"\sim"}
_OPEN = {r"\left": r"\bigl", r"\right": r"\bigr"}


def text(s: str) -> str:
    r"""Running text as LaTeX for pdflatex: specials escaped, Unicode symbols in math mode.

    >>> print(text("∇U = 𝔼[R_τ 𝒯_θ(τ)] ≤ 1 − σ"))
    \ensuremath{\nabla}U = \ensuremath{\mathbb{E}}[R\_\ensuremath{\tau} \ensuremath{\mathcal{T}}\_\ensuremath{\theta}(\ensuremath{\tau})] \ensuremath{\leq} 1 \ensuremath{-} \ensuremath{\sigma}
    """
    out = unicode_to_latex(s, unknown_char_policy="replace", unknown_char_warning=False)
    return out.replace(r"\mathscr{", r"\mathcal{")  # the post's script letters are \mathcal


def leading_text(statement: str) -> tuple[str, str]:
    r"""Split a statement that opens with words (``\text{…}``) into (words, the math after them).

    >>> leading_text(r"\text{by induction: }v = r")
    ('by induction:', 'v = r')
    >>> leading_text(r"v = r")
    ('', 'v = r')
    """
    toks = _tokens(statement)
    i = _next_nonspace(toks, 0)
    if i < len(toks) and toks[i] == r"\text":
        j = _next_nonspace(toks, i + 1)
        if j < len(toks) and toks[j] == "{":
            k = _group_end(toks, j)
            return "".join(toks[j + 1:k - 1]).strip(), "".join(toks[k:]).strip()
    return "", statement


def _tokens(s: str) -> list[str]:
    return _TOKEN.findall(s)


def visible_width(s: str | list[str]) -> float:
    """A rough width of LaTeX math in characters: commands count 1 (markup 0), sub/superscripts 0.7."""
    toks = _tokens(s) if isinstance(s, str) else s
    width, depth, script_at = 0.0, 0, []
    pending_script = False
    for t in toks:
        if t == "{":
            depth += 1
            if pending_script:
                script_at.append(depth)
                pending_script = False
            continue
        if t == "}":
            if script_at and script_at[-1] == depth:
                script_at.pop()
            depth -= 1
            continue
        if t in ("_", "^"):
            pending_script = True
            continue
        if t.isspace() or t in _ZERO_WIDTH:
            continue
        w = 0.7 if (script_at or pending_script) else 1.0
        if t in _RELATIONS or t in ("+", "-"):
            w = 2.5
        elif t in (r"\quad",):
            w = 3.0
        elif t in (r"\sum", r"\prod", r"\int"):
            w = 2.0
        width += w
        pending_script = False
    return width


def _top_level_split(toks: list[str], is_break, *, inside=None, ends=bool) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """Split ``toks`` before every token at brace depth 0 where ``is_break(toks, i)`` and the part so far may end
    there (``ends(part)``: when it is not empty).  Inside parentheses or brackets only where
    ``inside(open_brackets)`` says so for the indices of the brackets still open (default: never)."""
    parts: list[list[str]] = [[]]
    depth = 0
    open_brackets: list[int] = []
    for i, t in enumerate(toks):
        outside = not open_brackets if inside is None else inside(open_brackets)
        if depth == 0 and outside and ends(parts[-1]) and is_break(toks, i):
            parts.append([])
        parts[-1].append(t)
        if t == "{":
            depth += 1
        elif t == "}":
            depth -= 1
        elif t in ("(", "[") and depth == 0:
            open_brackets.append(i)
        elif t in (")", "]") and depth == 0 and open_brackets:
            open_brackets.pop()
    return parts


def _group_end(toks: list[str], i: int) -> int:
    """The index after the brace group that starts at ``toks[i] == '{'``."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j] == "{":
            depth += 1
        elif toks[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(toks)


def _next_nonspace(toks: list[str], i: int) -> int:
    while i < len(toks) and toks[i].isspace():
        i += 1
    return i


def _relation_at(toks: list[str], i: int) -> bool:
    t = toks[i]
    if t == "=" and i > 0 and toks[i - 1] == ":":
        return False  # the = of :=
    if t == ":" and _next_nonspace(toks, i + 1) < len(toks) and toks[_next_nonspace(toks, i + 1)] == "=":
        return True
    if t in (r"\overset", r"\stackrel"):
        j = _next_nonspace(toks, i + 1)
        if j < len(toks) and toks[j] == "{":
            k = _next_nonspace(toks, _group_end(toks, j))
            return k < len(toks) and toks[k] == "{" and "".join(toks[k + 1:_group_end(toks, k) - 1]).strip() in _RELATIONS
        return False
    if t in _RELATIONS:
        # an = inside \overset{..}{=} is inside braces, so never seen here at depth 0
        return True
    if t == r"\quad" and i > 0 and "".join(toks[:i]).rstrip().endswith(","):
        return True
    return False


def _relation_end(toks: list[str], j: int) -> int:
    """The index after the relation symbol starting at ``toks[j]``."""
    if toks[j] in (r"\overset", r"\stackrel"):
        return _group_end(toks, _next_nonspace(toks, _group_end(toks, _next_nonspace(toks, j + 1))))
    if toks[j] == ":":
        return _next_nonspace(toks, j + 1) + 1
    return j + 1


def _flatten_fractions(toks: list[str]) -> list[str]:
    """\\left/\\right → \\bigl/\\bigr (they may then span lines), and each top-level \\frac{N}{D} → [N] / [D]."""
    toks = [_OPEN.get(t, t) for t in toks]
    out: list[str] = []
    i, depth = 0, 0
    while i < len(toks):
        t = toks[i]
        if t == r"\frac" and depth == 0:
            j = _next_nonspace(toks, i + 1)
            if j < len(toks) and toks[j] == "{":
                k = _group_end(toks, j)
                m = _next_nonspace(toks, k)
                if m < len(toks) and toks[m] == "{":
                    e = _group_end(toks, m)
                    num, den = toks[j + 1:k - 1], toks[m + 1:e - 1]
                    if visible_width(num) + visible_width(den) > 20:
                        out += [r"\bigl[", *_flatten_fractions(num), r"\bigr]", " ", r"\big/", " ",
                                r"\bigl[", *_flatten_fractions(den), r"\bigr]"]
                        i = e
                        continue
        if t == "{":
            depth += 1
        elif t == "}":
            depth -= 1
        out.append(t)
        i += 1
    return out


def _sum_terms(toks: list[str], width: float) -> list[list[str]]:
    """Split before every + or − at brace depth 0 that is not inside a bracket pair narrower than ``width``.

    The brackets are \\bigl/\\bigr now, so a sum inside a wide one may be broken; ``(1 - λ)`` never is.
    """
    group_width: dict[int, float] = {}
    stack: list[int] = []
    for i, t in enumerate(toks):
        if t in ("(", "["):
            stack.append(i)
        elif t in (")", "]") and stack:
            j = stack.pop()
            group_width[j] = visible_width(toks[j:i + 1])
    return _top_level_split(toks, lambda t, i: t[i] in ("+", "-"),
                            inside=lambda open_brackets: all(group_width.get(j, 0.0) > width for j in open_brackets),
                            ends=lambda part: "".join(part).strip() not in ("", r"\bigl(", r"\bigl["))


def _fill(pieces: list[list[str]], width: float, first_budget: float) -> list[str]:
    """Greedily pack ``pieces`` into lines no wider than ``width`` (the first line ``first_budget``)."""
    lines: list[str] = []
    cur: list[str] = []
    budget = first_budget
    fine: list[list[str]] = []
    for p in pieces:  # a term wider than a line is split between its factors (at \\, or a space)
        fine += _top_level_split(p, lambda t, i: t[i] == r"\," or (t[i].isspace() and i > 0 and t[i - 1] != "\\")) \
            if visible_width(p) > width else [p]
    for p in fine:
        if cur and visible_width(cur + p) > budget:
            lines.append("".join(cur).strip())
            cur, budget = [], width
        cur += p
    if cur:
        lines.append("".join(cur).strip())
    return lines


def _parts(row: str) -> tuple[list[str], list[list[str]], str]:
    """(head, segments each starting with its relation, tag after a second ``&``) of an align row."""
    toks = _tokens(row)
    amps = [i for i, t in enumerate(toks) if t == "&"]
    tag = ""
    if len(amps) >= 2:  # `lhs &= rhs && \text{...}`: a remark column
        tag = "".join(t for t in toks[amps[1]:] if t != "&").strip()
        toks = toks[:amps[1]]
    if amps:
        head, rest = toks[:amps[0]], toks[amps[0] + 1:]
        segments = _top_level_split(rest, _relation_at)
    else:
        parts = _top_level_split(toks, _relation_at)
        head, segments = parts[0], parts[1:]
        if not segments or not _relation_at(toks, len(head)):
            head, segments = [], [toks]
    return head, segments, tag


def _head_width(row: str, width: float) -> float:
    """The width ``row`` needs left of the alignment point (0 for a head moved onto its own line)."""
    w = visible_width(_parts(row)[0])
    return 0.0 if w > WIDE_HEAD * width else w


#: A left-hand side wider than this fraction of the line gets a line of its own (mathtools' \\MoveEqLeft).
WIDE_HEAD = 0.4


def break_display(row: str, width: float = DISPLAY_WIDTH, *, align_at: float | None = None) -> str:
    r"""One displayed equation as align* rows no wider than ``width``.

    A row fitting ``width`` is returned unchanged.  Otherwise the row is split
    at its top-level relations (``&`` put before each) and any side still too
    wide at the + and − of its sums (never inside a narrow bracket pair),
    continuation lines indented by ``\quad``.  A left-hand side wider than
    ``WIDE_HEAD · width`` gets a line of its own (``\MoveEqLeft``, mathtools).
    ``align_at`` is the width left of the alignment point in the whole block
    (default: this row's own left-hand side).

    >>> break_display("a = b", 10)
    'a = b'
    >>> print(break_display(r"x = a + b + c \le [e = f]", 14))
    x &= a + b + c \\
     &\le [e = f]
    >>> print(break_display(r"y &= a_{1} + a_{2} + (a_{3} + a_{4})", 20))
    y &= a_{1} + a_{2} \\
     &\quad + (a_{3} + a_{4})
    """
    head, segments, tag = _parts(row)
    if visible_width(row) <= width and not tag:
        return row
    head_text = "".join(head).strip()
    if align_at is None:
        align_at = _head_width(row, width)
    budget = width - align_at - 1
    wide = visible_width(head) > WIDE_HEAD * width
    indent = " " * len(head_text) if len(head_text) <= 40 and not wide else "  "
    lines: list[str] = [rf"\MoveEqLeft[2] {head_text}"] if wide else []
    for n, seg in enumerate(segments):
        prefix = f"{head_text} &" if n == 0 and not wide else f"{indent}&"
        j = _next_nonspace(seg, 0)
        rel_end = _relation_end(seg, j) if j < len(seg) and _relation_at(seg, j) else 0
        rel = "".join(seg[:rel_end]).strip()
        if visible_width(seg) <= budget:
            lines.append(f"{prefix}{rel} {''.join(seg[rel_end:]).strip()}".rstrip())
            continue
        filled = _fill(_sum_terms(_flatten_fractions(seg[rel_end:]), budget - 3), budget - 3,
                       budget - visible_width(rel))
        lines.append(f"{prefix}{rel} {filled[0]}".rstrip())
        lines += [f"{indent}&\\quad {f}" for f in filled[1:]]
    if tag:
        lines[-1] += rf" \quad {tag}"
    return " \\\\\n".join(lines)


_ALIGN = re.compile(r"\\begin\{align\*\}\n(.*?)\n\\end\{align\*\}", re.S)


def break_align(block: str, width: float = DISPLAY_WIDTH) -> str:
    """Every ``align*`` block of ``block`` with its rows broken by :func:`break_display` at a shared alignment point."""
    def one(m: re.Match[str]) -> str:
        rows = [r.strip() for r in re.split(r"\\\\\n", m.group(1))]
        at = max(_head_width(r, width) for r in rows)
        return "\\begin{align*}\n" + " \\\\\n".join(break_display(r, width, align_at=at) for r in rows) + \
            "\n\\end{align*}"

    return _ALIGN.sub(one, block)


_LABEL_WORDS = re.compile(r"(?:[A-Za-z][A-Za-z'-]*[A-Za-z])(?:[ ,]+[A-Za-z][A-Za-z'-]*[A-Za-z])*")
_LABEL_KEEP = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_^{}()[]=+-<>|,.:;/'*! ")
_ACCENTS = {"\u0302": r"\hat", "\u0303": r"\tilde", "\u0304": r"\bar", "\u0307": r"\dot"}
_SPECIAL = {"Σ": r"\sum ", "−": "-", "·": r"\cdot ", "…": r"\ldots ", "#": r"\#", "%": r"\%", "&": r"\&", "$": r"\$",
            "~": r"\sim ", "\\": r"\backslash ", "“": "", "”": "", "‘": "", "’": "'"}


def label_math(label: str) -> str:
    r"""A step label (Unicode, as the checker writes it) as LaTeX math for pdflatex: no literal ``_`` or ``^`` in
    the page, words in ``\text{…}``, symbols as commands.  Put it between ``$…$``.

    >>> label_math("∇U = 𝔼[R_τ ∇𝒯_θ(τ)]")
    '\\nabla U = \\mathbb{E}[R_\\tau \\nabla \\mathcal{T}_\\theta (\\tau )]'
    >>> label_math("tr Cov(reward-to-go) ≤ tr Cov(total return)")
    '\\text{tr Cov}(\\text{reward-to-go}) \\leq \\text{ tr Cov}(\\text{total return})'
    >>> label_math("𝔼[ĝ] = ∇U (same roll-outs)")
    '\\mathbb{E}[\\hat{g}] = \\nabla U (\\text{same roll-outs})'
    >>> label_math("q as written = r")
    'q\\text{ as written }= r'
    """
    import unicodedata

    out, i = [], 0
    text = unicodedata.normalize("NFC", label)
    while i < len(text):
        m = _LABEL_WORDS.match(text, i)
        if m and (i == 0 or not text[i - 1].isalpha() or text[i - 1] in "_^"):
            before = " " if out and out[-1] == " " else ""  # the spaces around words are the words'
            if before:
                out.pop()
            end = m.end()
            after = " " if text[end:end + 1] == " " else ""
            out.append(r"\text{" + before + m.group() + after + "}")
            i = end + len(after)
            continue
        c = text[i]
        decomposed = unicodedata.normalize("NFD", c)
        if c in _SPECIAL:
            out.append(_SPECIAL[c])
        elif c in _LABEL_KEEP:
            out.append(c)
        elif len(decomposed) == 2 and decomposed[1] in _ACCENTS:
            out.append(f"{_ACCENTS[decomposed[1]]}{{{decomposed[0]}}}")
        elif c in "⁰¹²³⁴⁵⁶⁷⁸⁹":
            out.append("^{" + str("⁰¹²³⁴⁵⁶⁷⁸⁹".index(c)) + "}")
        else:
            conv = unicode_to_latex(c, unknown_char_policy="replace", unknown_char_warning=False)
            conv = re.sub(r"\A\\ensuremath\{(.*)\}\Z", r"\1", conv).replace(r"\mathscr{", r"\mathcal{")
            if conv.startswith("\\text") or conv.startswith("{\\"):
                conv = "?"
            out.append(conv + (" " if re.search(r"\\[A-Za-z]+\Z", conv) else ""))
        i += 1
    return re.sub(r" +", " ", "".join(out)).strip()
