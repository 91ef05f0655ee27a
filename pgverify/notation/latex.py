"""The LaTeX reader: a display's text → :class:`~pgverify.notation.ast.Chain`.

Pipeline: site macros are expanded (profile data), the text is split into rows
(``\\\\`` of an ``aligned``/``align``/``split`` block; ``equation`` and bare
displays are one row), each row is tokenised by a *vocabulary-aware lexer*
(it knows from the profile which names are functions, constants, index
variables and spaces; it marks the parenthesis that opens a function's
arguments and the bracket that opens an expectation's argument), and parsed by
an LALR(1) grammar (``grammar.lark``) that lark checks conflict-free in strict
mode.  Nothing is ever chosen silently: an unknown name or command is
``unsupported``, a construct with two readings is ``ambiguous``.

Reading rules (the conventions of the vocabulary, applied the same way everywhere):

* Σ, Π, an 𝔼 without brackets, argmax/argmin: the body is the rest of the product, up to ``+``, ``−``,
  a relation or a closing bracket (``Σ_s d(s) Σ_a q ∇π`` nests; ``Σ_a x + y`` is ``(Σ_a x) + y``).
* ∇_x and log apply to the next factor (``∇_θ π_θ(s)·∇_a q`` differentiates π only); ∇ followed by Σ applies
  to the whole sum.
* ``\\left. f \\right|_{a=v}`` evaluates ``f`` at ``a = v``; ``∇_a \\left. f \\right|_{a=v}`` is read
  ``(∇_a f)|_{a=v}`` (the bar evaluates the derivative — differentiating in ``a`` after setting it is 0).
  A bar without ``\\left.`` has no visible reach and is ambiguous.
* A letter applied to a parenthesis is an application only if the profile lists it as a function:
  ``\\lambda^{t-1}(G-b)`` is a product, ``b(s_t)`` an application.
* ``s_{_{T-1}}`` (a subscript made smaller with an empty base) reads as ``s_{T-1}``.
* Trailing punctuation of a line (``\\; ,`` ``\\, .``) is not mathematics and is dropped.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Sequence

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedInput
from lark.lexer import Lexer

from pgverify.notation import ast as A
from pgverify.notation.ast import Pos
from pgverify.notation.dots import expand_dots
from pgverify.notation.errors import AmbiguousNotation, MalformedNotation, NotationError, UnsupportedNotation
from pgverify.notation.profiles import Profile, load_profile
from pgverify.notation.names import AUTHOR_NAMES, merge_author_tokens
from pgverify.notation.trajectories import (bold_name, categorical, coordinate_name, differential, expectation,
                                            initial_scripts, integral, joint_expectation, law_of, parameter_index,
                                            reward_of, reward_time)

__all__ = ["Source", "source", "tokenize", "parse", "parse_expression", "MAX_TOKENS", "MAX_DEPTH", "parse_row", "parse_display", "split_rows", "ENVIRONMENTS"]

#: The longest line (in tokens) the reader accepts; the post's longest has about 150.
MAX_TOKENS = 4000

#: The deepest expression tree the reader accepts (the post's deepest is about 20); deeper ones would exhaust
#: Python's recursion in the analyses and the renderer.
MAX_DEPTH = 150

#: LaTeX environments a display may use (each also starred).
ENVIRONMENTS = ("equation", "align", "aligned", "split", "gather", "gathered", "eqnarray")


# --------------------------------------------------------------------------- source text with positions

@dataclass(frozen=True)
class Source:
    """Text and, for every character (and one past the end), where it is in the file."""

    text: str
    where: tuple[Pos, ...]

    def pos(self, i: int) -> Pos:
        return self.where[min(i, len(self.where) - 1)]

    def slice(self, i: int, j: int) -> "Source":
        if isinstance(self.where, _Positions) and 0 <= i <= j < len(self.where):  # a view: positions i … j
            return Source(self.text[i:j], self.where[i:j + 1])
        return Source(self.text[i:j], self.where[i:j] + (self.pos(j),))

    def strip(self) -> "Source":
        i, j = 0, len(self.text)
        while i < j and self.text[i].isspace():
            i += 1
        while j > i and self.text[j - 1].isspace():
            j -= 1
        return self.slice(i, j)


def source(text: str, line: int = 1, column: int = 1) -> Source:
    """``text`` starting at ``line``, ``column`` of its file."""
    if len(text) > _LAZY_FROM:  # a whole file: positions computed when asked for (a slice is a tuple again)
        return Source(text, _Positions(text, line, column))  # type: ignore[arg-type]
    where = []
    for ch in text:
        where.append(Pos(line, column))
        if ch == "\n":
            line, column = line + 1, 1
        else:
            column += 1
    where.append(Pos(line, column))
    return Source(text, tuple(where))


#: Texts longer than this get :class:`_Positions` (a file of 10 000 displays would hold a Pos per character).
_LAZY_FROM = 20_000


class _Positions:
    """The positions of every character of ``text`` (and one past the end), as :func:`source` lists them, computed
    on demand from the offsets of the line starts: an index gives a :class:`Pos`; a slice is a view of the same
    kind (a display's text cut from its file holds no position until one is asked for); ``+`` a tuple."""

    def __init__(self, text: str, line: int, column: int) -> None:
        self._n, self._offset, self._line, self._column = len(text) + 1, 0, line, column
        self._starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def _view(self, start: int, n: int) -> "_Positions":
        view = object.__new__(_Positions)
        view._n, view._offset, view._line, view._column = n, self._offset + start, self._line, self._column
        view._starts = self._starts
        return view

    def __len__(self) -> int:
        return self._n

    def _at(self, i: int) -> Pos:
        i += self._offset
        k = bisect_right(self._starts, i) - 1
        return Pos(self._line + k, (self._column if k == 0 else 1) + i - self._starts[k])

    def __getitem__(self, i: "int | slice") -> "Pos | _Positions | tuple[Pos, ...]":
        if isinstance(i, slice):
            start, stop, step = i.indices(self._n)
            if step != 1:
                return tuple(self._at(k) for k in range(start, stop, step))
            return self._view(start, max(0, stop - start))
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._at(i)

    def __iter__(self) -> "Iterator[Pos]":
        return (self._at(k) for k in range(self._n))

    def __add__(self, other: "tuple[Pos, ...] | _Positions") -> "tuple[Pos, ...]":
        return tuple(self) + tuple(other)

    def __radd__(self, other: "tuple[Pos, ...]") -> "tuple[Pos, ...]":
        return tuple(other) + tuple(self)

    def __eq__(self, other: object) -> bool:
        return tuple(self) == (tuple(other) if isinstance(other, (tuple, _Positions)) else other)

    def __hash__(self) -> int:
        return hash(tuple(self))


def _concat(parts: Sequence[Source]) -> Source:
    text = "".join(p.text for p in parts)
    where: list[Pos] = []
    for p in parts:
        where.extend(p.where[:-1])
    where.append(parts[-1].where[-1] if parts else Pos(1, 1))
    return Source(text, tuple(where))


# --------------------------------------------------------------------------- macros and rows

def _braced(text: str, i: int) -> int:
    """Index one past the ``}`` closing the ``{`` at ``i``; -1 when unbalanced."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "\\":
            continue
        if text[j] == "{" and (j == 0 or text[j - 1] != "\\"):
            depth += 1
        elif text[j] == "}" and (j == 0 or text[j - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return j + 1
    return -1


def expand_macros(src: Source, profile: Profile) -> Source:
    """Replace the profile's macros (``\\underE{x}{d}``) by their bodies; the expansion keeps the macro's position."""
    if not profile.macros:
        return src
    names = sorted(profile.macros, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) + r"(?![A-Za-z])" for n in names))
    for _ in range(50):  # macros may use macros; a bound stops a recursive definition
        m = pattern.search(src.text)
        if m is None:
            return src
        macro = profile.macros[m.group(0)]
        i, args = m.end(), []
        for _k in range(macro.args):
            while i < len(src.text) and src.text[i].isspace():
                i += 1
            if i >= len(src.text) or src.text[i] != "{":
                raise MalformedNotation(f"macro {macro.name} needs {macro.args} braced arguments", src.pos(m.start()))
            j = _braced(src.text, i)
            if j < 0:
                raise MalformedNotation(f"unbalanced braces in the arguments of {macro.name}", src.pos(i))
            args.append(src.text[i + 1:j - 1])
            i = j
        body = macro.expand(args)
        here = src.pos(m.start())
        src = _concat([src.slice(0, m.start()), Source(body, (here,) * (len(body) + 1)), src.slice(i, len(src.text))])
    raise MalformedNotation("macros expand more than 50 times (a recursive macro?)", src.pos(0))


_ENV = re.compile(r"\\(begin|end)\{(" + "|".join(ENVIRONMENTS) + r")\*?\}")
_OTHER_ENV = re.compile(r"\\(begin|end)\{([^}]*)\}")


def split_rows(src: Source) -> list[Source]:
    """The rows of a display: environment markers removed, split at ``\\\\``; empty rows dropped.

    A row that starts with ``+`` or ``-`` (after ``&`` and spacing) continues the row before it: an expression
    broken over two lines.
    """
    text = src.text
    m = _OTHER_ENV.search(text)
    while m is not None:
        if not _ENV.match(text, m.start()):
            raise UnsupportedNotation(f"environment {{{m.group(2)}}}", src.pos(m.start()))
        m = _OTHER_ENV.search(text, m.end())
    # blank out the environment markers (keep positions), then split at top-level \\
    chars = list(text)
    for m in _ENV.finditer(text):
        for k in range(m.start(), m.end()):
            chars[k] = " "
    text = "".join(chars)
    rows, start, depth, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c == "\\" and text.startswith("\\\\", i):
            if depth == 0:
                rows.append(Source(text[start:i], src.where[start:i] + (src.pos(i),)))
                start = i + 2
            i += 2
            continue
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        i += 1
    rows.append(Source(text[start:], src.where[start:]))
    out: list[Source] = []
    for r in rows:
        if not r.text.strip():
            continue
        if out and _CONTINUES.match(r.text):  # "&\quad + x": the previous row's expression goes on
            gap = Source(" ", (out[-1].pos(len(out[-1].text)),) * 2)
            out[-1] = _concat([out[-1], gap, r.strip()])
        else:
            out.append(r.strip())
    return out


_CONTINUES = re.compile(r"^(?:\s|&|\\[,;:! ]|\\q?quad\b)*[+-]")


# --------------------------------------------------------------------------- the vocabulary-aware lexer

@dataclass
class _Tok:
    type: str
    value: str
    i: int          # offset in the row
    end: int


_SPACING = {",", ";", ":", "!", " ", "\n"}
_SPACING_WORDS = {"quad", "qquad", "enspace", "thinspace", "medspace", "thickspace", "displaystyle", "textstyle",
                  "limits", "nolimits"}
_SIZES = {"big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl", "Biggr"}
_SIMPLE = {
    "sum": "SUM", "int": "SUM", "prod": "PRODOP", "nabla": "NABLA", "log": "LOG", "ln": "LOG", "infty": "INF",
    "ldots": "DOTS", "dots": "DOTS", "cdots": "DOTS", "dotsc": "DOTS", "cdot": "CDOT", "frac": "FRAC",
    "dfrac": "FRAC", "tfrac": "FRAC", "vert": "BAR", "mid": "BAR",
}
_RELATIONS = {"sim": "sim", "in": "in", "propto": "propto", "le": "<=", "leq": "<=", "ge": ">=", "geq": ">=",
              "leftarrow": "assign", "gets": "assign", "coloneqq": "def", "doteq": "def", "triangleq": "def", "lt": "<", "gt": ">"}
_OPTS = {"argmax": "argmax", "argmin": "argmin", "max": "max", "min": "min"}
_UNICODE = {
    "𝔼": ("EXPECT", "E"), "∇": ("NABLA", "nabla"), "Σ": ("SUM", "sum"), "∑": ("SUM", "sum"),
    "∏": ("PRODOP", "prod"), "∞": ("INF", "infty"), "·": ("CDOT", "cdot"), "…": ("DOTS", "ldots"),
    "−": ("MINUS", "-"), "∼": ("REL", "sim"), "∈": ("REL", "in"), "≤": ("REL", "<="), "≥": ("REL", ">="),
    "∝": ("REL", "propto"), "←": ("REL", "assign"), "≔": ("REL", "def"), "≐": ("REL", "def"), "𝟙": ("INDICATOR", "1"),
    "λ": ("NAME", "\\lambda"), "γ": ("NAME", "\\gamma"), "θ": ("NAME", "\\theta"), "τ": ("NAME", "\\tau"),
    "π": ("NAME", "\\pi"), "μ": ("NAME", "\\mu"), "σ": ("NAME", "\\sigma"), "α": ("NAME", "\\alpha"),
    "η": ("NAME", "\\eta"), "ω": ("NAME", "\\omega"), "ρ": ("NAME", "\\rho"), "δ": ("NAME", "\\delta"),
    "𝒮": ("NAME", "\\mathcal{S}"), "𝒜": ("NAME", "\\mathcal{A}"), "𝒫": ("NAME", "\\mathcal{P}"),
    "𝒯": ("NAME", "\\mathcal{T}"), "𝒩": ("NAME", "\\mathcal{N}"), "ℙ": ("NAME", "\\mathbb{P}"),
    "ℝ": ("NAME", "\\mathbb{R}"), "ℕ": ("NAME", "\\mathbb{N}"),
}
#: LaTeX commands that are mathematics outside the vocabulary: named in the message.
_OUTSIDE = {"\\int": "an integral", "\\iint": "an integral", "\\oint": "an integral", "\\lim": "a limit",
            "\\partial": "a partial derivative", "\\sqrt": "a square root", "\\exp": "an exponential",
            "\\neq": "a relation other than = < > ≤ ≥ ∝ := ← ∈", "\\approx": "an approximate relation",
            "\\to": "a limit or a map", "\\mapsto": "a map", "\\forall": "a quantifier (use an annotation)",
            "\\exists": "a quantifier", "\\times": "a cross product", "\\otimes": "a tensor product",
            "\\top": "a transpose", "\\Pr": "a probability (not in this profile)"}
_CHARS = {"_": "SUB", "^": "SUP", "{": "LBRACE", "}": "RBRACE", "(": "LPAR", ")": "RPAR", "[": "LBRACK",
          "]": "RBRACK", "|": "BAR", "+": "PLUS", "-": "MINUS", "/": "SLASH", ",": "COMMA", ".": "PERIOD",
          ";": "PERIOD"}


def _read_arg(text: str, i: int, src: Source, what: str) -> tuple[str, int]:
    """The argument of a command at ``i``: a braced group's content or one character / command."""
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text):
        raise MalformedNotation(f"{what} is missing its argument", src.pos(i))
    if text[i] == "{":
        j = _braced(text, i)
        if j < 0:
            raise MalformedNotation(f"unbalanced braces after {what}", src.pos(i))
        return text[i + 1:j - 1].strip(), j
    if text[i] == "\\":
        m = re.compile(r"\\[A-Za-z]+").match(text, i)
        if m:
            return m.group(0), m.end()
    return text[i], i + 1


def _delimiter(text: str, i: int) -> tuple[str, int]:
    while i < len(text) and text[i] == " ":
        i += 1
    for d in ("\\vert", "\\lvert", "\\rvert", "\\{", "\\}", "\\|", "\\langle", "\\rangle", "\\lbrack", "\\rbrack"):
        if text.startswith(d, i):
            return d, i + len(d)
    return (text[i], i + 1) if i < len(text) else ("", i)


def _raw_tokens(src: Source) -> list[_Tok]:
    text, out, i = src.text, [], 0
    n = len(text)

    def add(t: str, v: str, a: int, b: int) -> None:
        out.append(_Tok(t, v, a, b))

    while i < n:
        c = text[i]
        if c.isspace() or c in "&~":
            i += 1
            continue
        if c == "\\":
            if i + 1 < n and not text[i + 1].isalpha():
                nxt = text[i + 1]
                if nxt in _SPACING:
                    i += 2
                    continue
                if nxt == "{":
                    add("LBRACK", "\\{", i, i + 2)
                    i += 2
                    continue
                if nxt == "}":
                    add("RBRACK", "\\}", i, i + 2)
                    i += 2
                    continue
                if nxt == "\\":
                    raise MalformedNotation("a line break \\\\ inside a row", src.pos(i))
                raise UnsupportedNotation(f"command \\{nxt}", src.pos(i))
            m = re.compile(r"\\([A-Za-z]+)").match(text, i)
            assert m is not None
            cmd, j = m.group(1), m.end()
            if cmd in _SPACING_WORDS:
                i = j
            elif cmd in ("left", "right", "middle") or cmd in _SIZES:
                d, j2 = _delimiter(text, j)
                kind = {"(": "LPAR", ")": "RPAR", "[": "LBRACK", "]": "RBRACK", "\\{": "LBRACK", "\\}": "RBRACK",
                        "\\lbrack": "LBRACK", "\\rbrack": "RBRACK"}.get(d)
                if d in ("|", "\\vert", "\\lvert", "\\rvert"):
                    kind = {"right": "REVAL", "middle": "BAR"}.get(cmd, "BAR" if cmd in _SIZES else None)
                    if kind is None:
                        raise UnsupportedNotation("\\left| (an absolute value or a cardinality)", src.pos(i))
                elif d == ".":
                    kind = "LDOT" if cmd == "left" else None
                    if kind is None:
                        raise UnsupportedNotation(f"\\{cmd}. (an invisible delimiter other than \\left.)", src.pos(i))
                if kind is None:
                    raise UnsupportedNotation(f"delimiter \\{cmd}{d}", src.pos(i))
                add(kind, f"\\{cmd}{d}", i, j2)
                i = j2
            elif cmd in ("frac", "dfrac", "tfrac") and _partial(text, j) is not None:
                # \frac{\partial X}{\partial \theta_{s,a}} is ∇_{θ_{s,a}} (X): a component of the gradient
                (a, b), (c, e), end = _partial(text, j)
                add("NABLA", "nabla", i, j)
                add("SUB", "_", i, j)
                add("LBRACE", "{", i, j)
                out.extend(_shifted(src, c, e))
                add("RBRACE", "}", i, j)
                if text[a:b].strip():
                    add("LPAR", "(", i, j)
                    out.extend(_shifted(src, a, b))
                    add("RPAR", ")", i, j)
                i = end
            elif cmd in _SIMPLE:
                add(_SIMPLE[cmd], cmd, i, j)
                i = j
            elif cmd in _RELATIONS:
                add("REL", _RELATIONS[cmd], i, j)
                i = j
            elif cmd in _OPTS:
                add("OPT", _OPTS[cmd], i, j)
                i = j
            elif cmd == "arg":
                rest = re.compile(r"\s*(?:\\[,;!: ])?\s*\\(max|min)(?![A-Za-z])").match(text, j)
                if not rest:
                    raise UnsupportedNotation("\\arg (only \\arg\\max and \\arg\\min)", src.pos(i))
                add("OPT", "arg" + rest.group(1), i, rest.end())
                i = rest.end()
            elif cmd == "operatorname":
                j += text.startswith("*", j)  # \operatorname*{arg\,max}: the star only places the limits
                arg, j2 = _read_arg(text, j, src, "\\operatorname")
                name = re.sub(r"\\[,;!: ]|\s", "", arg)
                if name not in _OPTS:
                    raise UnsupportedNotation(f"\\operatorname{{{arg}}}", src.pos(i))
                add("OPT", _OPTS[name], i, j2)
                i = j2
            elif cmd in ("mathbb", "mathcal", "mathbf", "mathds", "boldsymbol", "bm", "mathrm", "hat", "bar", "tilde",
                         "widehat", "widetilde"):
                arg, j2 = _read_arg(text, j, src, f"\\{cmd}")
                cmd = {"widehat": "hat", "widetilde": "tilde"}.get(cmd, cmd)  # R̂, π̃: one name (names.py)
                if cmd in ("mathbb", "mathbf", "mathds") and arg == "1":
                    add("INDICATOR", "1", i, j2)
                elif cmd == "mathbb" and arg == "E":
                    add("EXPECT", "E", i, j2)
                elif cmd in ("boldsymbol", "bm") or cmd == "mathbf" and arg.startswith("\\"):
                    add("NAME", bold_name(arg), i, j2)  # 𝛉 (pgverify.notation.trajectories)
                elif cmd == "mathrm":
                    raise UnsupportedNotation(f"\\{cmd}{{{arg}}}", src.pos(i))
                else:
                    add("NAME", f"\\{cmd}{{{arg}}}", i, j2)
                i = j2
            elif cmd in ("overset", "stackrel"):
                label, j2 = _read_arg(text, j, src, f"\\{cmd}")
                over, j3 = _read_arg(text, j2, src, f"\\{cmd}")
                if over == "=" and re.fullmatch(r"(?:\\(?:text|mathrm|rm)\s*\{\s*)?def\s*\}?|\\Delta", label):
                    add("REL", "def", i, j3)  # \stackrel{\text{def}}{=}: a definition (names.py)
                    i = j3
                    continue
                if over not in ("=",):
                    raise UnsupportedNotation(f"\\overset{{{label}}}{{{over}}} (a label over a relation other "
                                              f"than =)", src.pos(i))
                label = re.sub(r"^\\text\{(.*)\}$", r"\1", label)  # \overset{\text{Bellman}}{=}: the words
                add("REL", "=@" + label, i, j3)
                i = j3
            elif cmd in ("text", "textrm", "mbox", "textit", "textbf", "operatorname*"):
                arg, _ = _read_arg(text, j, src, f"\\{cmd}")
                raise UnsupportedNotation(f"\\{cmd}{{{arg}}} (prose inside a display; use an annotation)", src.pos(i))
            else:
                k = j
                while k < n and text[k] == "'":  # θ', π': a prime belongs to the name
                    k += 1
                add("NAME", "\\" + cmd + text[j:k], i, k)
                i = k
            continue
        if c.isalpha() and c.isascii():
            j = i + 1
            while j < n and text[j] == "'":
                j += 1
            add("NAME", text[i:j], i, j)
            i = j
            continue
        if c.isdigit():
            j = i + 1
            if not (out and out[-1].type in ("SUB", "SUP", "FRAC")):
                while j < n and text[j].isdigit():
                    j += 1
            if j < n and text[j] == "." and j + 1 < n and text[j + 1].isdigit():
                raise UnsupportedNotation(f"decimal number {text[i:j + 2]}…", src.pos(i))
            add("NUMBER", text[i:j], i, j)
            i = j
            continue
        if c in "=<>":
            add("REL", c, i, i + 1)
            i += 1
            continue
        if c == ":":
            if i + 1 < n and text[i + 1] == "=":
                add("REL", "def", i, i + 2)
                i += 2
                continue
            raise UnsupportedNotation("':' (a colon other than :=)", src.pos(i))
        if c in _CHARS:
            add(_CHARS[c], c, i, i + 1)
            i += 1
            continue
        if c in _UNICODE:
            t, v = _UNICODE[c]
            k = i + 1
            while t == "NAME" and k < n and text[k] == "'":  # π', θ'
                k += 1
            add(t, v + text[i + 1:k], i, k)
            i = k
            continue
        raise UnsupportedNotation(f"character {c!r}", src.pos(i))
    return out


_PARTIAL = re.compile(r"\s*\\partial(?![A-Za-z])")


def _partial(text: str, j: int) -> tuple[tuple[int, int], tuple[int, int], int] | None:
    """For ``\\frac{\\partial X}{\\partial Y}`` after ``\\frac`` (at ``j``): the spans of X and Y and the end, else None."""
    k = j
    while k < len(text) and text[k] == " ":
        k += 1
    if k >= len(text) or text[k] != "{":
        return None
    e1 = _braced(text, k)
    m1 = _PARTIAL.match(text, k + 1)
    if e1 < 0 or not m1:
        return None
    k2 = e1
    while k2 < len(text) and text[k2] == " ":
        k2 += 1
    if k2 >= len(text) or text[k2] != "{":
        return None
    e2 = _braced(text, k2)
    m2 = _PARTIAL.match(text, k2 + 1)
    if e2 < 0 or not m2:
        return None
    return (m1.end(), e1 - 1), (m2.end(), e2 - 1), e2


def _shifted(src: "Source", a: int, b: int) -> list["_Tok"]:
    """The tokens of ``src.text[a:b]``, at their places in the row."""
    out = _raw_tokens(src.slice(a, b))
    for t in out:
        t.i += a
        t.end += a
    return out


#: Tokens that can start a factor of a product.
_FACTOR_START = {"NAME", "FNAME", "NUMBER", "INF", "LPAR", "LBRACK", "LBRACE", "EXPECT", "NABLA", "SUM", "PRODOP",
                 "LOG", "FRAC", "INDICATOR", "OPT", "LDOT"}


def _skip_scripts(toks: list[_Tok], k: int) -> int:
    """Index of the first token after the sub/superscripts starting at ``k``."""
    while k < len(toks) and toks[k].type in ("SUB", "SUP"):
        k += 1
        if k < len(toks) and toks[k].type == "LBRACE":
            depth = 0
            while k < len(toks):
                depth += {"LBRACE": 1, "RBRACE": -1}.get(toks[k].type, 0)
                k += 1
                if depth == 0:
                    break
        else:
            k += 1
    return k


_KINDS: dict[int, tuple[Profile, dict[str, str]]] = {}


def _token_kinds(profile: Profile) -> dict[str, str]:
    hit = _KINDS.get(id(profile))
    if hit is not None and hit[0] is profile:
        return hit[1]
    kinds = {**{k: "FNAME" for k in profile.functions}, **{k: "NAME" for k in profile.symbols},
            **{k: "NAME" for k in profile.variables}, **{k: "NAME" for k in profile.spaces}}
    _KINDS[id(profile)] = (profile, kinds)
    return kinds


def _functions_elsewhere(profile: Profile) -> dict[str, str]:
    """LaTeX names that are functions in another shipped profile but not in ``profile``: name → that profile."""
    hit = _ELSEWHERE.get(id(profile))
    if hit is not None and hit[0] is profile:
        return hit[1]
    from pgverify.notation.profiles import profile_names

    out: dict[str, str] = {}
    for name in profile_names():
        other = load_profile(name)
        if other.name != profile.name:
            for k in other.functions:
                # S&B's η(s) (role "eta") is read in its own profile only: elsewhere η is a constant a document may
                # `define` as a function (pgverify.notation.trajectories)
                if k not in profile.functions and other.functions[k] != "eta":
                    out.setdefault(k, other.name)
    _ELSEWHERE[id(profile)] = (profile, out)
    return out


_ELSEWHERE: dict[int, tuple[Profile, dict[str, str]]] = {}

#: Constants that are vectors (pgverify.notation.matrices): μ(I − γP_π)^{-1} is a product, μ(s) an entry.
_VECTORS = ("start_distribution",)


def _is_coordinate(toks: list[_Tok], profile: Profile) -> bool:
    """R_τ, G_τ^t, r_k, b_t: a decorated function name that is a value, not a function (no application follows).

    R and G with a subscript are returns; r and b with a subscript made of time indices and numbers are the
    reward and the baseline at that time (b_ω(s), with a parameter, is a function).
    """
    role = profile.functions[toks[0].value.rstrip("'")]
    scripts = toks[1:]
    if role in ("R", "G"):
        return bool(scripts)
    if role in ("r", "b") and scripts and scripts[0].type == "SUB" and all(x.type != "SUP" for x in scripts):
        inner = [x for x in scripts[1:] if x.type not in ("LBRACE", "RBRACE")]
        return all(x.type in ("NUMBER", "PLUS", "MINUS") or profile.variables.get(x.value) == "time" for x in inner)
    return False


def tokenize(src: Source, profile: Profile) -> list[Token]:
    """The lark tokens of one row, classified with ``profile``; positions from ``src``."""
    toks = _raw_tokens(src)
    names = _token_kinds(profile)
    authors = AUTHOR_NAMES.get()  # the author's own names the document defines (names.py)
    if authors:
        toks = merge_author_tokens(toks, authors)
        names = {**{n: "NAME" for n in authors}, **names}
    # multi-name constants (\delta\theta): merge adjacent names when the profile lists the concatenation
    merged: list[_Tok] = []
    for t in toks:
        if t.type == "NAME" and merged and merged[-1].type == "NAME" and merged[-1].value + t.value in names \
                and merged[-1].value not in names:
            merged[-1] = _Tok("NAME", merged[-1].value + t.value, merged[-1].i, t.end)
        else:
            merged.append(t)
    toks = merged
    for k, t in enumerate(toks):  # 𝟏 (\mathbf{1}, \mathbb{1}) with no bracket: the all-ones vector where a profile lists it
        if t.type == "INDICATOR" and not (k + 1 < len(toks) and toks[k + 1].type == "LBRACK"):
            written = re.sub(r"\s", "", src.text[t.i:t.end])
            if written in names:
                t.type, t.value = "NAME", written
    for t in toks:
        if t.type == "NAME":
            kind = names.get(t.value)
            base = t.value.rstrip("'")
            if kind is None and base != t.value and base in names:
                if profile.variables.get(base) == "time":  # t', k': another time index
                    t.type = "NAME"
                    continue
                if profile.functions.get(base) != "pi" and profile.symbols.get(base) != "theta":
                    raise UnsupportedNotation(f"a prime on {base} (only a second policy π' and its parameter θ' "
                                              f"are primed)", src.pos(t.i))
                if len(t.value) - len(base) > 1:
                    raise UnsupportedNotation(f"{t.value}: more than one prime (a third policy)", src.pos(t.i))
                kind = names[base]
            if kind is None:
                what = _OUTSIDE.get(t.value)
                if what:
                    raise UnsupportedNotation(f"{t.value} ({what})", src.pos(t.i))
                from pgverify.notation.profiles import profiles_knowing
                others = profiles_knowing(t.value, besides=profile.name)  # γ: try --profile textbook
                hint = f"; try --profile {' or '.join(others)}" if others else ""
                raise UnsupportedNotation(f"symbol {t.value} (not in profile {profile.name!r}{hint})", src.pos(t.i))
            t.type = kind
    # drop trailing punctuation, then refuse any left
    while toks and toks[-1].type in ("PERIOD", "COMMA"):
        toks.pop()
    for t in toks:
        if t.type == "PERIOD":
            raise MalformedNotation(f"punctuation {t.value!r} inside a line", src.pos(t.i))
    # application parentheses and expectation brackets
    for k, t in enumerate(toks):
        if t.type in ("FNAME", "EXPECT"):
            j = _skip_scripts(toks, k + 1)
            if j < len(toks):
                bare_script = k > 0 and toks[k - 1].type in ("SUB", "SUP")  # T_\pi (v): π is a script, not applied
                if t.type == "FNAME" and toks[j].type == "LPAR" and not _is_coordinate(toks[k:j], profile) and \
                        not bare_script:
                    toks[j].type = "ALPAR"
                elif t.type == "EXPECT" and toks[j].type == "LBRACK":
                    toks[j].type = "EBRACK"
    # μ(s) where μ is a constant here but a function in another shipped profile: which one is meant?
    elsewhere = _functions_elsewhere(profile)
    for k, t in enumerate(toks[:-1]):
        if t.type == "NAME" and t.value in elsewhere and toks[k + 1].type == "LPAR" and \
                profile.symbols.get(t.value) not in _VECTORS:
            raise AmbiguousNotation(f"{t.value}(…): in profile {profile.name!r} {t.value} is a constant, in profile "
                                    f"{elsewhere[t.value]!r} a function; write {t.value} \\cdot (…) for a product, "
                                    f"or choose the profile", src.pos(t.i))
    # \log x y: is y inside the logarithm?  (\log π(a|s) q and \log(x) y are clear)
    for k, t in enumerate(toks):
        if t.type == "LOG" and k + 1 < len(toks) and toks[k + 1].type in ("NAME", "NUMBER"):
            j = _skip_scripts(toks, k + 2)
            if j < len(toks) and toks[j].type in _FACTOR_START:
                raise AmbiguousNotation(f"\\log {toks[k + 1].value} followed by another factor: is it inside the "
                                        f"logarithm? write \\log({toks[k + 1].value}) … or \\log(… …)", src.pos(t.i))
    out = []
    for t in toks:
        p = src.pos(t.i)
        e = src.pos(t.end)
        out.append(Token(t.type, t.value, start_pos=t.i, line=p.line, column=p.column, end_line=e.line,
                         end_column=e.column, end_pos=t.end))
    return out


# --------------------------------------------------------------------------- tree → AST

@dataclass(frozen=True)
class _Group:
    items: tuple[Any, ...]
    pos: Pos | None

    @property
    def single(self) -> Any:
        return self.items[0] if len(self.items) == 1 else None


def _pos(x: Any) -> Pos | None:
    if isinstance(x, Token):
        return Pos(x.line, x.column)
    if isinstance(x, (A.Node, _Group)):
        return x.pos
    return None


def _first(*xs: Any) -> Pos | None:
    return next((p for p in map(_pos, xs) if p is not None), None)


def _latexish(x: Any) -> str:
    from pgverify.notation.render import render_latex
    try:
        return render_latex(x)
    except Exception:  # pragma: no cover - only used in messages
        return type(x).__name__


_PROFILE: ContextVar[Profile] = ContextVar("pgverify_notation_profile")


def _one_second_policy(p: Profile, written: str, pos: Any) -> None:
    """A profile that writes the second policy with a letter of its own (β) reads no π' or θ': both would be
    the model's one second policy."""
    letter = next((k for k, v in p.functions.items() if v == "pi'"), None)
    if letter is not None:
        raise UnsupportedNotation(f"{written}: in profile {p.name!r} the second policy is written {letter} (π' or "
                                  f"θ' beside it would be the same policy)", pos)


@v_args(inline=True)
class _ToAST(Transformer):
    """Tree → AST, run by the parser at each reduction; the profile comes from the parse in progress."""

    @property
    def p(self) -> Profile:
        return _PROFILE.get()

    # ---- statements
    def row(self, lhs, *steps):
        out = A.Row(lhs, tuple(steps), pos=_first(lhs, *steps))
        expand_dots(out)  # a sum or product written with dots follows one pattern, or the row is refused
        return out

    def controw(self, *steps):
        out = A.Row(None, tuple(steps), pos=_first(*steps))
        expand_dots(out)
        return out

    def relstep(self, rel, rhs):
        value, _, label = rel.value.partition("@")
        if value == "sim":
            raise MalformedNotation("'∼' between the sides of a line (a distribution belongs under 𝔼)", _pos(rel))
        return A.Step(value, rhs, label or None, pos=_pos(rel))

    # ---- arithmetic
    def add(self, a, _op, b):
        return A.Add(a, b, pos=_first(a, _op))

    def sub(self, a, _op, b):
        return A.Sub(a, b, pos=_first(a, _op))

    def add_dots(self, a, _op, dots, _op2, b):
        return A.Add(A.Add(a, A.Dots(pos=_pos(dots)), pos=_first(a, _op)), b, pos=_first(a, _op))

    def sub_dots(self, a, _op, dots, _op2, b):
        raise UnsupportedNotation("\\ldots in a difference a - … - z (write the sum with Σ)", _pos(dots))

    def mul_dots(self, a, dots, b):
        fb = b.factors if isinstance(b, A.Mul) else (b,)
        return A.Mul((a, A.Dots(pos=_pos(dots))) + fb, pos=_first(a, dots))

    def neg(self, _op, a):
        return A.Neg(a, pos=_pos(_op))

    def mul(self, a, b):
        fa = a.factors if isinstance(a, A.Mul) else (a,)
        fb = b.factors if isinstance(b, A.Mul) else (b,)
        return A.Mul(fa + fb, pos=_first(a, b))

    def dot(self, a, _op, b):
        return A.Dot(a, b, pos=_first(a, _op))

    def div(self, a, _op, b):
        return A.Frac(a, b, pos=_first(a, _op))

    def div_juxt(self, a, op, b, rest):
        raise AmbiguousNotation("a/b c: is c in the numerator or not? write \\frac{a}{b} c or \\frac{a}{b c}",
                                _pos(op))

    def paren(self, _l, e, _r):
        return e

    def paren_pow(self, _l, e, _r, _sup, g):
        return A.Pow(e, self._one(g, "an exponent"), pos=_pos(_l))

    def frac(self, _f, a, b):
        return A.Frac(self._one(a, "a numerator"), self._one(b, "a denominator"), pos=_pos(_f))

    def number(self, tok):
        return A.Num(int(tok.value), pos=_pos(tok))

    def infinity(self, tok):
        return A.Infinity(pos=_pos(tok))

    def log(self, tok, arg):
        return A.Log(arg, pos=_pos(tok))

    def indicator(self, tok, _l, a, rel, b, _r):
        return A.Indicator(A.Rel(rel.value, a, b, pos=_pos(a)), pos=_pos(tok))

    # ---- scripts and groups
    def scripts(self, *ss):
        return list(ss)

    def subscript(self, tok, g):
        return ("sub", g)

    def superscript(self, tok, g):
        return ("sup", g)

    def group(self, _l, items, _r):
        return _Group(tuple(items), _pos(_l))

    def group_nested(self, _l, _sub, g, _r):
        return g

    def group_token(self, tok):
        return _Group((self._token_expr(tok),), _pos(tok))

    def items(self, *xs):
        return [x for x in xs if not (isinstance(x, Token) and x.type == "COMMA")]

    def item(self, e):
        return e

    def item_rel(self, a, rel, b):
        value = rel.value.partition("@")[0]
        return A.Rel(value, a, b, pos=_pos(a))

    def item_dots(self, tok):
        return A.Dots(pos=_pos(tok))

    def item_blank(self, tok):
        return A.Blank(pos=_pos(tok))

    def args(self, items):
        return (tuple(items), ())

    def args_given(self, items, _bar, given):
        return (tuple(items), tuple(given))

    def _token_expr(self, tok: Token) -> Any:
        if tok.type == "NUMBER":
            return A.Num(int(tok.value), pos=_pos(tok))
        if tok.type == "INF":
            return A.Infinity(pos=_pos(tok))
        if tok.type == "NAME":
            return self._name(tok, [])
        return self._fname(tok, [])

    def _one(self, g: _Group, what: str) -> Any:
        if len(g.items) != 1 or isinstance(g.items[0], (A.Rel, A.Dots, A.Blank)):
            raise MalformedNotation(f"expected {what}, got {len(g.items)} items", g.pos)
        return g.items[0]

    @staticmethod
    def _scripts(scripts: list, where: Pos | None, what: str) -> tuple[_Group | None, _Group | None]:
        sub = sup = None
        for kind, g in scripts:
            if kind == "sub":
                if sub is not None:
                    raise AmbiguousNotation(f"double subscript on {what}", g.pos)
                sub = g
            else:
                if sup is not None:
                    raise AmbiguousNotation(f"double superscript on {what}", g.pos)
                sup = g
        return sub, sup

    # ---- names
    def name(self, tok, scripts):
        return self._name(tok, scripts)

    def _name(self, tok: Token, scripts: list) -> Any:
        p, pos = self.p, _pos(tok)
        sub, sup = self._scripts(scripts, pos, tok.value)
        if sup is not None and sub is None:
            from pgverify.notation.render import render_latex
            single = sup.single
            if single is not None and not isinstance(single, (A.Rel, A.Dots, A.Blank)):
                for form in (f"{tok.value}^{render_latex(single, profile=p)}",
                             f"{tok.value}^{{{render_latex(single, profile=p)}}}"):
                    if form in p.symbols:
                        return A.Sym(p.symbols[form], pos=pos)
        if tok.value in AUTHOR_NAMES.get() and tok.value not in _token_kinds(p):  # R̂_t, Φ_t, g^γ (names.py)
            base = A.Sym(tok.value, self._one(sub, "an index") if sub else None, pos=pos)
            return A.Pow(base, self._one(sup, "an exponent"), pos=pos) if sup else base
        if tok.value in p.spaces:
            if sub or sup:
                raise UnsupportedNotation(f"scripts on the space {tok.value}", pos)
            return A.Space(p.spaces[tok.value], pos=pos)
        primes = tok.value[len(tok.value.rstrip("'")):] if tok.value.startswith("\\") else ""
        if tok.value.rstrip("'") in p.symbols and primes:  # θ' (the lexer lets only θ be primed)
            _one_second_policy(p, tok.value, pos)
            base = A.Sym(p.symbols[tok.value.rstrip("'")] + primes, self._one(sub, "an index") if sub else None,
                         pos=pos)
            return A.Pow(base, self._one(sup, "an exponent"), pos=pos) if sup else base
        if tok.value in p.symbols and p.symbols[tok.value] == "theta" and sub is not None and len(sub.items) == 2:
            base = A.Sym("theta", parameter_index(sub.items, sub.pos), pos=pos)  # θ_{s,a}: a tabular parameter
            return A.Pow(base, self._one(sup, "an exponent"), pos=pos) if sup else base
        if tok.value in p.symbols:
            base = A.Sym(p.symbols[tok.value], self._one(sub, "an index") if sub else None, pos=pos)
            return A.Pow(base, self._one(sup, "an exponent"), pos=pos) if sup else base
        sort = p.variables.get(tok.value) or p.variables[tok.value.rstrip("'")]  # t' has the sort of t
        var = A.Var(tok.value, sort, pos=pos)
        if sort in ("state", "action"):
            if sub is not None:
                return A.At(coordinate_name(tok.value, sort), self._one(sub, "a time index"),
                            self._one(sup, "a roll-out index") if sup else None, pos=pos)
            if sup is not None:
                raise UnsupportedNotation(f"superscript on the {sort} {tok.value}", sup.pos)
            return var
        if sub is not None:
            raise UnsupportedNotation(f"subscript on the index {tok.value}", sub.pos)
        if sup is not None:
            if sort != "real":
                raise UnsupportedNotation(f"power of the index {tok.value}", sup.pos)
            return A.Pow(var, self._one(sup, "an exponent"), pos=pos)
        return var

    def fname(self, tok, scripts):
        return self._fname(tok, scripts)

    def _fname(self, tok: Token, scripts: list, args: tuple | None = None, given: tuple = ()) -> Any:
        primes = len(tok.value) - len(tok.value.rstrip("'"))  # π' (the lexer lets only π be primed)
        role, pos = self.p.functions[tok.value.rstrip("'")], _pos(tok)
        sub, sup = self._scripts(scripts, pos, tok.value)
        if role == "pi'":  # the second policy by a letter of its own (β, off-policy texts' behaviour policy): π'
            role, primes = "pi", primes + 1
        elif primes:
            _one_second_policy(self.p, tok.value, pos)
        if primes and sub is not None:
            raise UnsupportedNotation(f"{tok.value} with a parameter: π' is the second policy (π_{{θ'}} also "
                                      f"reads as π')", sub.pos)
        s1 = (lambda g, what: self._one(g, what) if g is not None else None)
        if role in ("R", "G"):
            if args is not None:
                if role == "R" and sub is None and sup is None and len(args) == 1 and not given:
                    return A.Return("R", args[0], pos=pos)
                if role == "R" and sub is None and sup is None and not given:
                    return reward_of(args, pos)  # R(s, a, s') (pgverify.notation.trajectories)
                raise UnsupportedNotation(f"{tok.value} applied to arguments (the return is {tok.value}_τ)", pos)
            if sub is None:
                raise MalformedNotation(f"the return {tok.value} needs its trajectory as a subscript", pos)
            if role == "R" and sup is not None:
                raise UnsupportedNotation(f"superscript on the return {tok.value}", pos)
            if role == "G" and sup is None and self.p.return_time == "subscript":  # S&B's G_t
                return A.Return("G", A.Var("\\tau", "trajectory", pos=pos), s1(sub, "a time"), pos=pos)
            if role == "G" and sup is None:
                raise MalformedNotation(f"the reward-to-go {tok.value} needs its time as a superscript", pos)
            return A.Return(role, s1(sub, "a trajectory"), s1(sup, "a time"), pos=pos)
        reward_of_policy = role == "r" and sub is not None and sup is None and isinstance(sub.single, A.Fn) and \
            sub.single.name == "pi"  # r_π, the reward vector of π (matrix notation), not a reward at a time
        if role in ("r", "b") and args is None and sub is not None and sup is None and not reward_of_policy:
            time = s1(sub, "a time index")
            return A.At(role, reward_time(time, self.p) if role == "r" else time, pos=pos)
        fields: dict[str, Any] = {}
        if role in ("v", "q", "A", "d", "mu"):
            for g in (sub, sup):
                x = s1(g, "a discount or a policy")
                if x is None:
                    continue
                key = "discount" if isinstance(x, A.Sym) and x.name == "discount" or isinstance(x, A.Pow) else "policy"
                if key in fields:  # d_\mu^\pi: a second policy (or discount) is never dropped silently
                    raise UnsupportedNotation(f"{tok.value} with two {key} decorations ({_latexish(fields[key])} and "
                                              f"{_latexish(x)})", g.pos)
                fields[key] = x
        elif role in ("pi", "Traj", "b"):
            if sup is not None:
                raise UnsupportedNotation(f"superscript on {tok.value}", sup.pos)
            fields["param"] = s1(sub, "a parameter")
        elif role == "P":
            fields["state"], fields["action"] = s1(sub, "a state"), s1(sup, "an action")
        elif role == "Pr":
            fields["state"], fields["policy"] = s1(sub, "a start state"), s1(sup, "a policy")
        elif reward_of_policy:
            fields["policy"] = sub.single
        elif role == "init":
            initial_scripts(sub, sup, tok.value, pos)
        elif sub is not None or sup is not None:
            raise UnsupportedNotation(f"scripts on {tok.value}", pos)
        if role == "pi" and isinstance(fields.get("param"), A.Sym) and fields["param"].name == "theta'" \
                and fields["param"].index is None:
            fields["param"], primes = None, 1  # π_{θ'} is π', the policy of the parameter θ'
        fn = A.Fn(role, **{k: v for k, v in fields.items() if v is not None}, primes=primes, pos=pos)
        if args is None:
            return fn
        return self._check_apply(A.Apply(fn, args, given, pos=pos), tok.value)

    _ARITY = {"v": 1, "q": 2, "A": 2, "d": 1, "mu": 1, "P": 1, "Traj": 1, "U": 1, "J": 1, "rho": 1, "r": 2,
              "init": 1, "eta": 1}

    def _check_apply(self, ap: A.Apply, written: str) -> A.Apply:
        read = law_of(ap, self.p)  # P(τ|θ), p_θ(τ), π_θ(τ), p(s_1), π(a|s, θ): pgverify.notation.trajectories
        if read is not None and not (isinstance(read, A.Apply) and read.fn.name == "P"):
            return read
        role, n = ap.fn.name, len(ap.args)
        if role == "pi":
            if ap.given:
                if n != 1 or len(ap.given) != 1:
                    raise MalformedNotation(f"{written}(a|s) takes one action and one state", ap.pos)
                return ap
            if n == 2:
                if not self.p.policy_pair_form:
                    raise AmbiguousNotation(f"{written}(x, y) in profile {self.p.name!r}: write π(a|s) for the "
                                            f"probability of a in s", ap.pos)
                return A.Apply(ap.fn, (ap.args[1],), (ap.args[0],), pos=ap.pos)
            if n != 1:
                raise MalformedNotation(f"{written} takes (a|s) or (s), got {n} arguments", ap.pos)
            return ap
        if role == "P" and ap.given:
            if len(ap.args) != 1 or len(ap.given) != 2 or ap.fn.state is not None or ap.fn.action is not None:
                raise MalformedNotation(f"{written}(s' | s, a) takes one next state and a state-action pair", ap.pos)
            fn = A.Fn("P", state=ap.given[0], action=ap.given[1], pos=ap.fn.pos)
            return A.Apply(fn, ap.args, pos=ap.pos)
        if role in ("Pr", "f", "Normal"):
            return ap
        if role == "b" and (n not in (1, 2) or ap.given):  # b(s); b(s, a) where annotated `b depends on s, a`
            raise MalformedNotation(f"{written} takes (s) or (s, a), got {n} argument{'s' if n > 1 else ''}"
                                    f"{' and a condition' if ap.given else ''}", ap.pos)
        want = self._ARITY.get(role)
        if want is not None and (n != want or ap.given):
            raise MalformedNotation(f"{written} takes {want} argument{'s' if want > 1 else ''}, got {n}"
                                    f"{' and a condition' if ap.given else ''}", ap.pos)
        return ap

    def apply(self, tok, scripts, _l, args, _r):
        return self._fname(tok, scripts, *args)

    def apply_pow(self, tok, scripts, _l, args, _r, _sup, g):
        return A.Pow(self._fname(tok, scripts, *args), self._one(g, "an exponent"), pos=_pos(tok))

    # ---- binders
    def _indices(self, items: tuple, what: str, where: Pos | None) -> tuple[A.Var, ...]:
        for x in items:
            if not isinstance(x, A.Var):
                raise MalformedNotation(f"{what} over {_latexish(x)}, which is not an index variable", _pos(x) or where)
        return tuple(items)

    def _binding(self, sub: _Group | None, what: str, where: Pos | None) -> dict[str, Any]:
        if sub is None:
            return {}
        items = sub.items
        last = items[-1]
        if isinstance(last, A.Rel):
            heads = items[:-1] + (last.left,)
            if last.op == "=":
                if len(heads) != 1:
                    raise MalformedNotation(f"{what} with a lower bound over several indices", sub.pos)
                return {"indices": self._indices(heads, what, sub.pos), "lower": last.right}
            if last.op == "in":
                return {"indices": self._indices(heads, what, sub.pos), "domain": last.right}
            raise MalformedNotation(f"{what} subscript with relation {last.op!r}", sub.pos)
        return {"indices": self._indices(items, what, sub.pos)}

    def bigsum(self, tok, scripts, body):
        return self._big(A.Sum, "Σ", tok, scripts, body)

    def bigprod(self, tok, scripts, body):
        return self._big(A.Prod, "Π", tok, scripts, body)

    def _big(self, cls, what, tok, scripts, body):
        pos = _pos(tok)
        sub, sup = self._scripts(scripts, pos, what)
        if sub is None and sup is None and tok.value == "int":  # ∫ f(τ) dτ: pgverify.notation.trajectories
            return integral(A.Sum((differential(body, pos),), body, pos=pos))
        if sub is None:
            raise AmbiguousNotation(f"{what} without an index: say what it sums over", pos)
        b = self._binding(sub, what, pos)
        upper = self._one(sup, "an upper bound") if sup else None
        if upper is not None and "lower" not in b:
            raise MalformedNotation(f"{what} with an upper bound but no lower bound", pos)
        out = cls(b["indices"], body, b.get("lower"), upper, b.get("domain"), pos=pos)
        return integral(out) if tok.value == "int" else out

    def bigopt(self, tok, scripts, body):
        pos = _pos(tok)
        sub, sup = self._scripts(scripts, pos, tok.value)
        if sup is not None:
            raise UnsupportedNotation(f"superscript on {tok.value}", sup.pos)
        b = self._binding(sub, tok.value, pos)
        if "lower" in b:
            raise MalformedNotation(f"{tok.value} with a lower bound", pos)
        return A.Opt(tok.value, body, b.get("indices", ()), b.get("domain"), pos=pos)

    def _expect(self, tok, scripts, body, given=()):
        pos = _pos(tok)
        sub, sup = self._scripts(scripts, pos, "𝔼")
        if sub is None:
            if sup is not None:
                raise MalformedNotation("𝔼 with a superscript but no subscript", pos)
            return A.Expect(body, given=tuple(given), pos=pos)
        joint = joint_expectation(body, sub.items, tuple(given), pos) if sup is None else None
        if joint is not None:  # 𝔼_{s∼d, a∼π_θ}: pgverify.notation.trajectories
            return joint
        if len(sub.items) != 1:
            raise MalformedNotation("𝔼 subscript with several items", sub.pos)
        x = sub.items[0]
        read = expectation(body, x, tuple(given), pos) if sup is None else None  # pgverify.notation.trajectories
        if read is not None:
            return read
        if isinstance(x, A.Rel):
            if x.op != "sim":
                raise MalformedNotation(f"𝔼 subscript {_latexish(x)}: expected var ∼ distribution", sub.pos)
            if sup is not None:
                raise MalformedNotation("𝔼_{x∼D} with a superscript", sup.pos)
            if not isinstance(x.left, A.Var):
                raise MalformedNotation(f"𝔼 over {_latexish(x.left)}, which is not an index variable", sub.pos)
            return A.Expect(body, x.left, x.right, tuple(given), pos=pos)
        if isinstance(x, (A.Var, A.Sym)):
            return A.Expect(body, given=tuple(given), start=x, policy=self._one(sup, "a policy") if sup else None,
                            pos=pos)
        raise MalformedNotation(f"𝔼 subscript {_latexish(x)}: expected var ∼ distribution or a start state", sub.pos)

    def bigexpect(self, tok, scripts, body):
        if not scripts:
            raise AmbiguousNotation("𝔼 with neither a subscript nor brackets: neither its measure nor its reach "
                                    "is visible", _pos(tok))
        return self._expect(tok, scripts, body)

    def expect(self, tok, scripts, _l, body, _r):
        return self._expect(tok, scripts, body)

    def expect_given(self, tok, scripts, _l, body, _bar, given, _r):
        return self._expect(tok, scripts, body, given)

    def grad(self, tok, scripts, body):
        pos = _pos(tok)
        sub, sup = self._scripts(scripts, pos, "∇")
        if sub is None and self.p.bare_gradient:  # the profile's θ is the only parameter: ∇ is ∇_θ
            sub = _Group((A.Sym("theta", pos=pos),), pos)
        if sub is None:
            raise AmbiguousNotation("∇ without a subscript: say what it differentiates with respect to", pos)
        if sup is not None:
            raise UnsupportedNotation("superscript on ∇", sup.pos)
        wrt = self._one(sub, "a variable")
        if isinstance(body, A.EvalAt) and body.var == wrt:
            return A.EvalAt(A.Grad(wrt, body.body, pos=pos), body.var, body.value, pos=pos)
        return A.Grad(wrt, body, pos=pos)

    def evalat(self, ldot, body, _bar, _sub, g):
        x = g.items[0] if len(g.items) == 1 else None
        if not isinstance(x, A.Rel) or x.op != "=":
            raise MalformedNotation("an evaluation bar needs |_{var=value}", g.pos)
        return A.EvalAt(body, x.left, x.right, pos=_pos(ldot))


# --------------------------------------------------------------------------- parsing

class _NoLexer(Lexer):
    def __init__(self, conf: Any) -> None:
        pass

    def lex(self, state: Any, parser_state: Any) -> Iterator[Token]:  # pragma: no cover - tokens are fed
        return iter(())


@lru_cache(maxsize=1)
def _parser() -> Lark:
    """The LALR parser; its tables are cached on disk under a name that hashes the grammar and lark's version."""
    import hashlib
    import pickle

    import lark

    from pgverify.cache import cache_dir

    grammar = Path(__file__).with_name("grammar.lark").read_text(encoding="utf-8")
    options = dict(parser="lalr", lexer=_NoLexer, strict=True, maybe_placeholders=False, transformer=_ToAST())
    key = hashlib.sha256(f"{lark.__version__}\n{grammar}".encode()).hexdigest()[:20]
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return Lark(grammar, cache=str(folder / f"notation-grammar-{key}.lark"), **options)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError):
        # an unwritable directory or a damaged cache file only costs the 0.3 s of building the tables
        return Lark(grammar, **options)


_DESCRIBE = {"$END": "the end of the line", "RBRACK": "']'", "RPAR": "')'", "RBRACE": "'}'", "REL": "a relation",
             "BAR": "'|'", "COMMA": "','", "SUB": "'_'", "SUP": "'^'", "REVAL": "\\right|", "LBRACE": "'{'",
             "LBRACK": "'['", "MINUS": "'-'", "PLUS": "'+'"}
_STARTS = {"NAME", "NUMBER", "FNAME", "LPAR"}


def _expected(e: UnexpectedInput) -> str:
    expected = set(getattr(e, "expected", ()) or ())
    if expected & _STARTS:
        return "expected an expression"
    if not expected or len(expected) > 4:
        return ""
    return "expected " + " or ".join(sorted(_DESCRIBE.get(x, x) for x in expected))


def _unexpected(e: UnexpectedInput, src: Source, tokens: list[Token]) -> NotationError:
    tok = getattr(e, "token", None)
    want = _expected(e)
    if (tok is None or tok.type == "$END") and tokens and tokens[-1].type == "DOTS":
        return UnsupportedNotation("a sum or product that ends with \\ldots (a series: write it with Σ_{t=1}^∞)",
                                   Pos(tokens[-1].line, tokens[-1].column))
    if tok is None or tok.type == "$END":
        return MalformedNotation(f"the line ends early ({want or 'incomplete'})", src.pos(len(src.text)))
    pos = Pos(tok.line, tok.column)
    k = next((i for i, t in enumerate(tokens) if t.start_pos == tok.start_pos), None)
    nxt = tokens[k + 1] if k is not None and k + 1 < len(tokens) else None
    prev = tokens[k - 1] if k else None
    if tok.type == "BAR" and nxt is not None and nxt.type == "SUB":
        return AmbiguousNotation("evaluation bar |_{…} without \\left.: its reach is not visible", pos)
    if tok.type == "BAR":
        return UnsupportedNotation("'|' outside π(a|s), ℙ(·|·) and 𝔼[·|·] (an absolute value or a cardinality?)", pos)
    if tok.type == "REVAL":
        return MalformedNotation("\\right| without a matching \\left.", pos)
    if tok.type == "DOTS":
        return UnsupportedNotation("\\ldots outside an argument list, a sum a + … + z or a product a … z", pos)
    if tok.type == "REL" and tok.value == "sim":
        return MalformedNotation("'∼' outside the subscript of 𝔼", pos)
    if tok.type == "SUB" and prev is not None and prev.type == "BAR":
        return AmbiguousNotation("evaluation bar |_{…} without \\left.: its reach is not visible",
                                 Pos(prev.line, prev.column))
    if tok.type == "SUB" and prev is not None and prev.type == "LOG":
        return UnsupportedNotation("a logarithm with a base", pos)
    return MalformedNotation(f"unexpected {_show(tok)}" + (f" ({want})" if want else ""), pos)


def _show(tok: Token) -> str:
    v = tok.value
    return f"'{v}'" if not v.startswith("\\") else v


def parse_row(src: "Source | str", profile: "Profile | str" = "post") -> A.Row:
    """One line of a display → :class:`~pgverify.notation.ast.Row`."""
    if isinstance(src, str):
        src = source(src)
    prof = load_profile(profile)
    from pgverify.notation.margins import labelled, read_margins
    margins = read_margins(src)  # a justification column, \cancel, \color, \boxed, \tag … (margins.py)
    src = margins.src
    if prof.symbols.get("\\hat{A}") == "advantage_estimate":  # Â_t^{GAE(γ,λ)} (pgverify.notation.gae)
        src = _gae_scripts(src)
    tokens = tokenize(src, prof)
    if not tokens:
        raise MalformedNotation("an empty line", src.pos(0))
    if len(tokens) > MAX_TOKENS:
        raise MalformedNotation(f"a line of {len(tokens)} tokens is longer than the limit {MAX_TOKENS}", src.pos(0))
    token = _PROFILE.set(prof)
    try:
        ip = _parser().parse_interactive("")
        for t in tokens:
            ip.feed_token(t)
        row = ip.feed_eof(tokens[-1])
    except UnexpectedInput as e:
        raise _unexpected(e, src, tokens) from None
    finally:
        _PROFILE.reset(token)
    depth = _depth(row)
    if depth > MAX_DEPTH:
        raise MalformedNotation(f"a line nested {depth} deep is deeper than the limit {MAX_DEPTH}", src.pos(0))
    return labelled(row, margins.label)


def _gae_scripts(src: Source) -> Source:
    """The row with GAE's superscripts rewritten by :func:`pgverify.notation.gae.script_edits` (positions kept)."""
    from pgverify.notation.gae import GAEError, script_edits

    try:
        edits = script_edits(src.text)
    except GAEError as exc:
        raise UnsupportedNotation(exc.what, src.pos(0)) from None
    parts, k = [], 0
    for i, j, new in edits:
        parts += [src.slice(k, i), Source(new, (src.pos(i),) * (len(new) + 1))]
        k = j
    return _concat(parts + [src.slice(k, len(src.text))]) if edits else src


def _depth(node: A.Node) -> int:
    """The depth of the tree, without recursion."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        n, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in A.children(n))
    return deepest


def parse_display(src: "Source | str", profile: "Profile | str" = "post") -> A.Chain:
    """A whole display (``aligned`` rows or one line) → :class:`~pgverify.notation.ast.Chain`."""
    if isinstance(src, str):
        src = source(src)
    prof = load_profile(profile)
    src = expand_macros(src, prof)
    rows = split_rows(src)
    if not rows:
        raise MalformedNotation("an empty display", src.pos(0))
    parsed = tuple(parse_row(r, prof) for r in rows)
    if parsed[0].lhs is None:
        raise MalformedNotation("the first line starts with a relation: it has no left side", parsed[0].pos)
    from pgverify.notation.margins import cancel_checks
    cancels = tuple(c for r, row in zip(rows, parsed) for c in cancel_checks(r, prof, row))  # \cancel{X}: X = 0 there
    return categorical(A.Chain(parsed + cancels, pos=parsed[0].pos))


def parse(text: str, *, profile: "Profile | str" = "post") -> A.Chain:
    """A display's LaTeX (one line, or ``aligned``/``align``/… rows) → :class:`~pgverify.notation.ast.Chain`.

    ``profile``: a shipped profile's name (``"post"``, ``"textbook"``), a ``.toml`` path, or a
    :class:`~pgverify.notation.profiles.Profile`.  Raises :class:`~pgverify.notation.errors.NotationError`
    (``unsupported``, ``malformed`` or ``ambiguous``, with the line and column) — never guesses.

    >>> from pgverify.notation.render import render_latex
    >>> render_latex(parse(r"\\nabla_\\theta U(\\theta) = \\mathbb{E}_{\\tau\\sim\\mathcal{T}_\\theta}[R_\\tau]"))
    '\\\\nabla_\\\\theta U(\\\\theta) = \\\\mathbb{E}_{\\\\tau \\\\sim \\\\mathcal{T}_\\\\theta}\\\\left[R_\\\\tau\\\\right]'
    """
    if not isinstance(text, str):
        raise MalformedNotation(f"text must be a string of LaTeX, got {type(text).__name__}: {text!r:.80}")
    return parse_display(source(text), profile)


def parse_expression(text: str, *, profile: "Profile | str" = "post") -> A.Expr:
    """One expression, no relation (an annotation's value, a builder check): ``"q(s, a)"`` → ``Apply``.

    >>> parse_expression(r"\\lambda^{t-1}").exp
    Sub(left=Var(name='t', sort='time'), right=Num(value=1))
    """
    if not isinstance(text, str):
        raise MalformedNotation(f"text must be a string of LaTeX, got {type(text).__name__}: {text!r:.80}")
    row = parse_row(expand_macros(source(text), load_profile(profile)), profile)
    if row.lhs is None or row.steps:
        raise MalformedNotation(f"expected one expression, got a relation in {text!r:.80}", row.pos)
    return row.lhs
