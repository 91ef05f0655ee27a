"""The margins of a derivation: what an aligned row carries beside its mathematics.

* A justification in its own alignment column, ``&= 𝔼[…] && \\text{Expand expectation}``: the text of the last
  column (only ``\\text``-like groups, spacing and parentheses after a top-level ``&``) becomes the label of the
  row's last step, shown in every output (``step 2 Expand expectation (=)``).  A margin that is a condition
  (``\\text{if } x > 0``, ``\\text{otherwise}``, ``\\text{for all } s``) is not a label: the row is refused, since
  reading the row without it would check another claim (state the condition with ``whenever``).
* ``\\cancel{X}``, ``\\bcancel{X}``, ``\\xcancel{X}`` mark a term the author claims vanishes where it stands: the row
  is read with ``(X)``, and the reader adds the check ``side = side with X replaced by 0`` for each side holding a
  cancelled term (labelled ``(cancelled term, line L)``): a term that does not vanish is reported under that
  check.  Cancelled terms on both sides of one relation (``a + \\cancel{b} = c + \\cancel{b}``) are taken from
  both: the check is ``left − right = (left − right) with them replaced by 0``; on several sides of a chain they
  are refused (which cancel which is not written).
* Ignored for the mathematics (they typeset, they do not claim): ``\\color{c}`` (and ``\\color{c}{X}``),
  ``\\textcolor{c}{X}``, ``\\boxed{X}`` (X is kept), ``\\tag{…}``, ``\\tag*{…}``, ``\\label{…}``, ``\\eqref{…}``,
  ``\\nonumber``, ``\\notag``, ``\\therefore``, ``\\blacksquare``, ``\\square``, ``\\Box``.

Every edit keeps the position of the characters left (blanked text is spaces), so errors still point into the file.

>>> from pgverify.notation.latex import source
>>> m = read_margins(source(r"&= \\boxed{v(s)} && \\text{Bellman}"))
>>> m.label, m.src.text.strip()
('Bellman', '&=        v(s)')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pgverify.notation.errors import MalformedNotation, UnsupportedNotation
from pgverify.notation.macros import _group  # one past the } matching a {

__all__ = ["Margins", "read_margins", "cancel_checks", "labelled", "CANCELS", "IGNORED", "CONDITION_WORDS"]

#: Commands that mark a term claimed to vanish.
CANCELS = ("cancel", "bcancel", "xcancel")
#: Commands dropped with their argument (references and tags), and those dropped alone.
_DROP_WITH_ARG = ("tag", "label", "eqref")
_DROP_ALONE = ("nonumber", "notag", "therefore", "blacksquare", "square", "Box")
#: Commands whose last argument is kept (the colour or the box is typesetting).
_KEEP_LAST = {"textcolor": 2, "boxed": 1}
IGNORED = ("color", "textcolor", "boxed") + _DROP_WITH_ARG + _DROP_ALONE
#: Words that open a condition, not a justification, in a margin.
CONDITION_WORDS = ("if", "iff", "otherwise", "else", "when", "whenever", "for", "where", "unless", "provided", "s.t.",
                   "such", "assuming", "assume", "given", "only", "except", "at", "on", "in")
_TEXT = ("text", "textrm", "mbox", "textit", "textbf", "textsf", "mathrm")


@dataclass(frozen=True)
class Margins:
    """A row with its margins read: ``src`` the mathematics (decorations blanked, cancelled terms in
    parentheses), ``label`` the justification column's text, ``zero`` the row with every cancelled term
    replaced by ``(0 (X))`` (None when nothing is cancelled)."""

    src: object
    label: str | None
    zero: object | None


def _arg(text: str, i: int, what: str, at) -> tuple[int, int]:
    """(start, end) of the braced argument at ``i`` (after spaces): ``text[start]`` is ``{``."""
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text) or text[i] != "{":
        raise MalformedNotation(f"{what} needs a braced argument", at)
    j = _group(text, i)
    if j < 0:
        raise MalformedNotation(f"unbalanced braces after {what}", at)
    return i, j


_CMD = re.compile(r"\\([A-Za-z]+)(\*?)")


def read_margins(src):
    """``src`` (a :class:`~pgverify.notation.latex.Source` of one row) → :class:`Margins`."""
    from pgverify.notation.latex import Source, _concat

    text = src.text
    keep = list(text)
    zero: list[tuple[int, int, int]] = []  # cancelled terms: where the command starts, its braces' span
    i = 0
    while True:
        m = _CMD.search(text, i)
        if m is None:
            break
        if m.start() > 0 and text[m.start() - 1] == "\\":  # \\ then a word
            i = m.start() + 1
            continue
        cmd, star, at = m.group(1), m.group(2), src.pos(m.start())
        if cmd in _DROP_ALONE and not star:
            _blank(keep, m.start(), m.end())
            i = m.end()
        elif cmd in _DROP_WITH_ARG:
            _a, b = _arg(text, m.end(), f"\\{cmd}", at)
            _blank(keep, m.start(), b)
            i = b
        elif cmd == "color" and not star:
            _a, b = _arg(text, m.end(), "\\color", at)
            _blank(keep, m.start(), b)  # \color{c}{X}: X stays (its braces are a group)
            i = b
        elif cmd in _KEEP_LAST and not star:
            b = m.end()
            for _k in range(_KEEP_LAST[cmd] - 1):
                _a, b = _arg(text, b, f"\\{cmd}", at)
            a, b = _arg(text, b, f"\\{cmd}", at)
            _blank(keep, m.start(), a + 1)
            _blank(keep, b - 1, b)
            i = a + 1
        elif cmd in CANCELS and not star:
            a, b = _arg(text, m.end(), f"\\{cmd}", at)
            _blank(keep, m.start(), a + 1)
            keep[a] = "("
            keep[b - 1] = ")"
            zero.append((m.start(), a, b))
            i = a + 1
        elif cmd == "cancelto":
            raise UnsupportedNotation("\\cancelto (a term claimed to tend to a value: write \\cancel for a term "
                                      "that vanishes)", at)
        else:
            i = m.end()
    cleaned = "".join(keep)
    label, cleaned = _label(cleaned, src)
    out = Source(cleaned, src.where)
    zero_src = None
    if zero:
        parts, last = [], 0
        for start, a, b in zero:
            if start < last:  # a cancel inside a cancelled term: the outer one is replaced
                continue
            here = src.pos(start)
            parts.append(Source(cleaned[last:start], src.where[last:start] + (here,)))
            # 0·(X), not 0: the side keeps X's free indices (the check compares sides of the same shape)
            parts.append(Source("(0 ", (here,) * 4))
            parts.append(Source(cleaned[a:b], src.where[a:b] + (src.pos(b),)))
            parts.append(Source(")", (src.pos(b - 1),) * 2))
            last = b
        parts.append(Source(cleaned[last:], src.where[last:]))
        zero_src = _concat(parts)
    return Margins(out, label, zero_src)


def _blank(keep: list[str], a: int, b: int) -> None:
    for k in range(a, b):
        if keep[k] != "\n":
            keep[k] = " "


_TEXT_GROUP = re.compile(r"\\(?:" + "|".join(_TEXT) + r")\s*\{")
_FILLER = re.compile(r"(?:\s|&|\\[,;:! ]|\\q?quad(?![A-Za-z])|[().,;:])*")


def _label(text: str, src) -> tuple[str | None, str]:
    """The text of a last alignment column made only of ``\\text`` groups, and the row without it."""
    amps = [k for k in _top_level(text) if text[k] == "&"]
    if len(amps) < 2 and not (len(amps) == 1 and _relation_before(text, amps[0])):
        return None, text
    start = amps[-1]
    words, k = [], start + 1
    while True:
        k = _FILLER.match(text, k).end()
        t = _TEXT_GROUP.match(text, k)
        if t is None:
            break
        e = _group(text, t.end() - 1)
        if e < 0:
            return None, text
        words.append(text[t.end():e - 1])
        k = e
    if k < len(text) or not words:
        return None, text
    label = " ".join(" ".join(w.split()) for w in words).strip()
    first = re.sub(r"^[^A-Za-z]*", "", label).split(" ")[0].lower() if label else ""
    if first in CONDITION_WORDS:
        raise UnsupportedNotation(f"a condition in the margin (\\text{{{label}}}): the row holds only there; state "
                                  f"it with an annotation (whenever …)", src.pos(start))
    while start > 0 and text[:start].rstrip().endswith("&"):  # && : both markers go
        start = text[:start].rstrip().rfind("&")
    cleaned = text[:start] + "".join("\n" if c == "\n" else " " for c in text[start:])
    return (label or None), cleaned


def _top_level(text: str) -> list[int]:
    out, depth, i = [], 0, 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0:
            out.append(i)
        i += 1
    return out


def _relation_before(text: str, k: int) -> bool:
    """Whether the math before ``k`` holds a relation (so one ``&`` after it opens a margin, not the
    alignment point)."""
    return bool(re.search(r"=|<|>|\\(?:le|leq|ge|geq|propto|doteq|coloneqq)(?![A-Za-z])", text[:k]))


def labelled(row, label: str | None):
    """``row`` with the margin's ``label`` on its last step (after an ``\\overset`` label it already has)."""
    from dataclasses import replace

    if not label or not row.steps:
        return row
    last = row.steps[-1]
    both = f"{last.label} {label}" if last.label else label
    return replace(row, steps=row.steps[:-1] + (replace(last, label=both),))


def cancel_checks(src, profile, row) -> tuple:
    """The relations a row's ``\\cancel{X}`` claims: for each side that holds a cancelled term, ``side = side with
    X replaced by 0`` (a :class:`~pgverify.notation.ast.Row` labelled ``(cancelled term, line L)``)."""
    from pgverify.notation import ast as A
    from pgverify.notation.latex import parse_row
    from pgverify.notation.render import render_latex

    m = read_margins(src)
    if m.zero is None:
        return ()
    try:
        zero = parse_row(m.zero, profile)
    except (MalformedNotation, UnsupportedNotation) as e:
        raise MalformedNotation(f"the line with its \\cancel{{…}} term replaced by 0 cannot be read ({e.what})",
                                src.pos(0)) from None
    sides = ([row.lhs] if row.lhs is not None else []) + [s.rhs for s in row.steps]
    zeros = ([zero.lhs] if zero.lhs is not None else []) + [s.rhs for s in zero.steps]
    if len(sides) != len(zeros):  # a cancelled relation: the rows no longer match
        raise UnsupportedNotation("\\cancel around a relation (cancel a term)", src.pos(0))
    line = src.pos(0).line
    label = f"(cancelled term, line {line})"
    changed = [render_latex(x, profile=profile) != render_latex(z, profile=profile) for x, z in zip(sides, zeros)]
    if sum(changed) > 1:  # a + \cancel{b} = c + \cancel{b}: the same term taken from both sides
        if len(sides) != 2 or row.steps[0].rel not in ("=", "def", "<", ">", "<=", ">="):
            raise UnsupportedNotation("\\cancel on several sides of a chain of relations (which terms cancel "
                                      "each other?)", src.pos(0))
        left, right = sides
        zl, zr = zeros
        return (A.Row(A.Sub(left, right, pos=left.pos), (A.Step("=", A.Sub(zl, zr, pos=zl.pos), label,
                                                                 pos=left.pos),), pos=left.pos),)
    out = []
    for side, z, c in zip(sides, zeros, changed):
        if c:
            out.append(A.Row(side, (A.Step("=", z, label, pos=side.pos),), pos=side.pos))
    return tuple(out)
