"""A document's own macros: read from its text, expanded in its displays before they are parsed.

Definitions read (anywhere in a ``.tex`` file, preamble or body; inside a display of a Markdown page; in a
MathJax or KaTeX configuration block of the page):

* ``\\newcommand{\\name}[n][default]{body}`` (also ``\\newcommand*``, ``\\renewcommand``, ``\\providecommand``,
  and the name without braces, ``\\newcommand\\name``): ``n`` arguments, the first optional with ``default``;
* ``\\def\\name#1#2{body}``: simple parameter text only (``#1#2…`` in order); delimited parameters
  (``\\def\\f(#1){…}``) are refused;
* ``\\DeclareMathOperator{\\name}{text}`` (and ``*``): ``\\name`` reads ``\\operatorname{text}``;
* MathJax 3 ``MathJax = {tex: {macros: {R: "\\\\mathbb{R}", f: ["#1^2", 1]}}}``, MathJax 2
  ``TeX: {Macros: {…}}`` and KaTeX ``macros: {"\\\\R": "\\\\mathbb{R}"}``: the object is *parsed* (strings,
  ``[body, n]`` and ``[body, n, default]`` arrays), never executed.

A definition applies to the display that holds it and to every display after it; a configuration block applies
to the whole page.  A use is replaced by the body with its arguments (braced groups or single tokens),
repeatedly, so that macros may use macros; at most :data:`MAX_EXPANSIONS` replacements and
:data:`MAX_EXPANDED` characters per display — a recursive definition exceeds them and refuses the display,
naming the macro.  A definition that cannot be read (unbalanced braces, an argument count that is not a
number, ``#3`` in a body of two arguments, delimited parameters, a redefinition of a command the reader
already gives a meaning to, a ``\\newcommand`` of a name defined before) is kept as *broken*: every display
that uses the name is refused with the reason; when its name cannot be read at all, every display after it is.

Tokenising: a small scanner of braces, brackets and control words written here, not pylatexenc — expansion
has to keep each character's position in the file (for the messages) and to refuse what pylatexenc's walker
would accept silently (delimited ``\\def`` parameters, an optional argument that is not closed).

>>> table = read_definitions(r"\\newcommand{\\E}[2][\\tau]{\\mathbb{E}_{#1}[#2]}")
>>> expand(r"\\E{R_\\tau} = \\E[s]{v(s)}", table)
'\\\\mathbb{E}_{\\\\tau}[R_\\\\tau] = \\\\mathbb{E}_{s}[v(s)]'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from pgverify.notation.ast import Pos
from pgverify.notation.errors import MalformedNotation

__all__ = ["Macro", "Broken", "MacroTable", "MacroError", "read_definitions", "scan_definitions", "config_macros",
           "expand", "expand_source", "add_definitions", "strip_definitions", "document_macros", "broken_notes",
           "MAX_EXPANSIONS",
           "MAX_EXPANDED", "MAX_ARGS", "BUILTINS"]

#: The most replacements in one display (a recursive macro reaches it and refuses the display).
MAX_EXPANSIONS = 500
#: The longest a display may grow by expansion, in characters (a macro doubling its argument reaches it).
MAX_EXPANDED = 20_000
#: LaTeX's own limit on the number of arguments.
MAX_ARGS = 9

_GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi "
          "rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma "
          "Upsilon Phi Psi Omega").split()
_READER = ("left right middle arg operatorname mathbb mathcal mathbf mathds boldsymbol mathrm hat bar tilde overset "
           "text textrm mbox textit textbf begin end frac dfrac tfrac sum prod nabla log ln infty ldots dots cdots "
           "cdot vert mid sim in propto le leq ge geq leftarrow gets coloneqq doteq lt gt argmax argmin max min "
           "quad qquad displaystyle textstyle limits nolimits int lim partial sqrt exp neq approx to mapsto forall "
           "exists times otimes top Pr newcommand renewcommand def DeclareMathOperator cancel bcancel xcancel "
           "color textcolor boxed tag label nonumber notag eqref therefore blacksquare square Box underset "
           "stackrel triangleq").split()
#: Commands the reader (or LaTeX itself) already gives a meaning to: a document may not redefine them.
BUILTINS = frozenset("\\" + c for c in _GREEK + _READER)


class MacroError(MalformedNotation):
    """A macro that cannot be expanded: its definition is broken, an argument is missing, or it recurses."""


@dataclass(frozen=True)
class Macro:
    """``\\name`` with ``args`` arguments (the first optional, with ``default``, when ``default`` is not None),
    replaced by ``body`` (``#1`` … ``#9``; ``##`` is a ``#``).  ``pos``: where it was defined."""

    name: str
    args: int
    body: str
    default: str | None = None
    pos: Pos | None = None


@dataclass(frozen=True)
class Broken:
    """A definition of ``name`` that cannot be read, and why (``name`` is ``""`` when even the name cannot)."""

    name: str
    reason: str
    pos: Pos | None = None


#: Name (with its backslash) → the macro, or the broken definition a use of it is refused with.
MacroTable = Mapping[str, "Macro | Broken"]


# --------------------------------------------------------------------------- scanning

_WORD = re.compile(r"\\([A-Za-z]+|.)", re.S)


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _group(text: str, i: int) -> int:
    """One past the ``}`` matching the ``{`` at ``i``; -1 when it is never closed (``\\{`` is not a brace)."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
            if depth < 0:
                return -1
        i += 1
    return -1


def _bracket(text: str, i: int) -> int:
    """One past the ``]`` closing the ``[`` at ``i`` (at brace depth 0); -1 when none."""
    depth, j = 0, i + 1
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return -1
        elif c == "]" and depth == 0:
            return j + 1
        j += 1
    return -1


_END = re.compile(r"\\end(?![A-Za-z])")


def _argument(text: str, i: int) -> tuple[str, int] | None:
    """A mandatory argument at ``i`` (after spaces): a braced group's content, a control word or one character;
    None when there is none (the end, or a closing brace)."""
    i = _skip_space(text, i)
    if i >= len(text) or text[i] in "}&" or text.startswith("\\\\", i) or _END.match(text, i):
        return None  # the end of the group, the cell, the row or the environment: no argument is left
    if text[i] == "{":
        j = _group(text, i)
        if j < 0:
            raise MacroError("unbalanced braces in an argument")
        return text[i + 1:j - 1], j
    m = _WORD.match(text, i)
    if m:
        return m.group(0), m.end()
    return text[i], i + 1


def _check_body(name: str, body: str, args: int) -> str | None:
    """Why ``body`` cannot be the body of ``name`` with ``args`` arguments, or None."""
    if _group("{" + body + "}", 0) != len(body) + 2:
        return f"the body of {name} has unbalanced braces"
    for m in re.finditer(r"#+(\d?)", body):
        hashes = len(m.group(0)) - len(m.group(1))
        if hashes % 2 == 1:
            if not m.group(1) or not 1 <= int(m.group(1)) <= args:
                return (f"the body of {name} uses {m.group(0)[hashes - 1:]}, but {name} has {args} argument"
                        f"{'s' if args != 1 else ''}")
    return None


_DEFINERS = re.compile(r"\\(newcommand|renewcommand|providecommand|DeclareMathOperator|def)(?![A-Za-z])(\*?)")


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    item: "Macro | Broken"
    kind: str


def _one_definition(text: str, m: re.Match, pos: Pos | None) -> _Found:
    """The definition starting at the match ``m`` of :data:`_DEFINERS`."""
    kind, i = m.group(1), m.end()

    def broken(name: str, reason: str, end: int) -> _Found:
        return _Found(m.start(), end, Broken(name, reason, pos), kind)

    # the name: {\name} or \name
    i = _skip_space(text, i)
    if kind != "def" and i < len(text) and text[i] == "{":
        j = _group(text, i)
        if j < 0:
            return broken("", f"\\{kind}: unbalanced braces around the name", len(text))
        name = text[i + 1:j - 1].strip()
        i = j
    else:
        w = _WORD.match(text, i)
        if w is None:
            return broken("", f"\\{kind} is not followed by a macro name", i)
        name, i = w.group(0), w.end()
    if not re.fullmatch(r"\\[A-Za-z]+", name):
        return broken("", f"\\{kind}: {name!r} is not a macro name (a backslash and letters)", i)
    if name in BUILTINS:
        if kind == "DeclareMathOperator":  # \DeclareMathOperator*{\argmax}{arg\,max}: the meaning it has already
            body = _argument(text, i)
            if body is not None and re.sub(r"\\[,;:! ]|\s", "", body[0]) == name[1:]:
                return _Found(m.start(), body[1], Macro(name, 0, name, None, pos), "same")
        if kind == "providecommand":  # defined already: \providecommand does nothing
            j = _skip_space(text, i)
            while j < len(text) and text[j] == "[":
                j = _skip_space(text, max(_bracket(text, j), j + 1))
            end = _group(text, j) if j < len(text) and text[j] == "{" else -1
            return _Found(m.start(), end if end > 0 else i, Macro(name, 0, name, None, pos), "same")
        return broken(name, f"\\{kind} redefines {name}, a command the reader already gives a meaning to", i)
    args, default = 0, None
    if kind == "DeclareMathOperator":
        body = _argument(text, i)
        if body is None:
            return broken(name, f"\\DeclareMathOperator{{{name}}} has no operator text", i)
        word = re.sub(r"\\[,;:! ]|\s", "", body[0])
        return _Found(m.start(), body[1], Macro(name, 0, f"\\operatorname{{{word}}}", None, pos), kind)
    if kind == "def":
        p = re.compile(r"(?:#\d)*").match(text, i)
        params = p.group(0)
        i = p.end()
        expected = "".join(f"#{k}" for k in range(1, len(params) // 2 + 1))
        if params != expected:
            return broken(name, f"\\def{name}{params}: parameters must be #1#2… in order", i)
        args = len(params) // 2
        if i >= len(text) or text[i] != "{":
            stop = text.find("{", i)
            shown = text[i:stop if stop >= 0 else i + 20].strip()
            return broken(name, f"\\def{name}{params}{shown}…: delimited parameters (text between the "
                                f"parameters and the body) are not supported", stop if stop >= 0 else len(text))
    else:
        i = _skip_space(text, i)
        if i < len(text) and text[i] == "[":
            j = _bracket(text, i)
            if j < 0:
                return broken(name, f"\\{kind}{{{name}}}: the number of arguments [n] is not closed", len(text))
            count = text[i + 1:j - 1].strip()
            if not count.isdigit() or not 0 <= int(count) <= MAX_ARGS:
                return broken(name, f"\\{kind}{{{name}}}[{count}]: the number of arguments is not 0 to {MAX_ARGS}",
                              j)
            args, i = int(count), _skip_space(text, j)
            if i < len(text) and text[i] == "[":
                j = _bracket(text, i)
                if j < 0:
                    return broken(name, f"\\{kind}{{{name}}}: the default of the optional argument is not closed",
                                  len(text))
                if args == 0:
                    return broken(name, f"\\{kind}{{{name}}}: a default for an argument it does not have", j)
                default, i = text[i + 1:j - 1], _skip_space(text, j)
    i = _skip_space(text, i)
    if i >= len(text) or text[i] != "{":
        return broken(name, f"\\{kind}{{{name}}} has no braced body", i)
    j = _group(text, i)
    if j < 0:
        return broken(name, f"the body of {name} has unbalanced braces", len(text))
    body = text[i + 1:j - 1]
    why = _check_body(name, body, args)
    if why:
        return broken(name, why, j)
    return _Found(m.start(), j, Macro(name, args, body, default, pos), kind)


def scan_definitions(text: str, where: "Sequence[Pos] | None" = None) -> list[_Found]:
    """Every definition in ``text`` (comments already blanked), in order, with its span."""
    out, i = [], 0
    while True:
        m = _DEFINERS.search(text, i)
        if m is None:
            return out
        if m.start() > 0 and text[m.start() - 1] == "\\":  # \\newcommand is a line break and a word
            i = m.end()
            continue
        found = _one_definition(text, m, where[m.start()] if where is not None else None)
        out.append(found)
        i = max(found.end, m.end())


def add_definitions(table: dict[str, "Macro | Broken"], found: Sequence[_Found]) -> None:
    """Enter ``found`` into ``table`` in order, as LaTeX would: ``\\newcommand`` of a defined name is broken,
    ``\\providecommand`` of one is ignored, ``\\renewcommand`` and ``\\def`` replace."""
    for f in found:
        item = f.item
        if f.kind == "same":  # a definition that gives a built-in the meaning it has: nothing to enter
            continue
        if isinstance(item, Broken):
            table[item.name] = item
            continue
        if item.name in table and f.kind == "providecommand":
            continue
        if item.name in table and f.kind in ("newcommand", "DeclareMathOperator"):
            table[item.name] = Broken(item.name, f"\\{f.kind}{{{item.name}}} defines again a name defined before "
                                                 f"(use \\renewcommand)", item.pos)
            continue
        table[item.name] = item


def read_definitions(text: str) -> dict[str, "Macro | Broken"]:
    """The macro table the definitions in ``text`` make (a convenience for one string)."""
    table: dict[str, Macro | Broken] = {}
    add_definitions(table, scan_definitions(text))
    return table


# --------------------------------------------------------------------------- MathJax / KaTeX configuration

_CONFIG = re.compile(r"(?<![A-Za-z0-9_$])[\"']?(macros|Macros)[\"']?\s*:\s*\{")


class _ObjectSyntax(Exception):
    pass


def _js_string(text: str, i: int) -> tuple[str, int]:
    quote, out, j = text[i], [], i + 1
    escapes = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
    while j < len(text):
        c = text[j]
        if c == quote:
            return "".join(out), j + 1
        if c == "\n":
            break
        if c == "\\":
            if j + 1 >= len(text):
                break
            n = text[j + 1]
            if n == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[j + 2:j + 6]):
                out.append(chr(int(text[j + 2:j + 6], 16)))
                j += 6
                continue
            out.append(escapes.get(n, n))
            j += 2
            continue
        out.append(c)
        j += 1
    raise _ObjectSyntax("a string is not closed")


def _js_value(text: str, i: int) -> tuple[object, int]:
    i = _skip_ws(text, i)
    if i >= len(text):
        raise _ObjectSyntax("the object ends early")
    c = text[i]
    if c in "\"'":
        return _js_string(text, i)
    if c == "[":
        items, i = [], i + 1
        while True:
            i = _skip_ws(text, i)
            if i < len(text) and text[i] == "]":
                return items, i + 1
            v, i = _js_value(text, i)
            items.append(v)
            i = _skip_ws(text, i)
            if i < len(text) and text[i] == ",":
                i += 1
            elif i < len(text) and text[i] == "]":
                return items, i + 1
            else:
                raise _ObjectSyntax("an array is not closed")
    if c == "{":
        return _js_object(text, i)
    m = re.compile(r"-?\d+").match(text, i)
    if m:
        return int(m.group(0)), m.end()
    m = re.compile(r"[A-Za-z_$][\w$.]*").match(text, i)
    raise _ObjectSyntax(f"the value {m.group(0) if m else text[i]!r} is code, not a string or an array "
                        f"(it is never run)")


def _skip_ws(text: str, i: int) -> int:
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = len(text) if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = len(text) if j < 0 else j + 2
        else:
            break
    return i


def _js_object(text: str, i: int) -> tuple[dict, int]:
    out: dict = {}
    i += 1
    while True:
        i = _skip_ws(text, i)
        if i < len(text) and text[i] == "}":
            return out, i + 1
        if i < len(text) and text[i] in "\"'":
            key, i = _js_string(text, i)
        else:
            m = re.compile(r"[A-Za-z_$][\w$]*").match(text, i)
            if not m:
                raise _ObjectSyntax("a key is neither a name nor a string")
            key, i = m.group(0), m.end()
        i = _skip_ws(text, i)
        if i >= len(text) or text[i] != ":":
            raise _ObjectSyntax(f"the key {key!r} has no ':'")
        value, i = _js_value(text, i + 1)
        out[key] = value
        i = _skip_ws(text, i)
        if i < len(text) and text[i] == ",":
            i += 1
        elif i < len(text) and text[i] == "}":
            return out, i + 1
        else:
            raise _ObjectSyntax("the object is not closed")


def _config_entry(key: str, value: object, pos: Pos | None) -> "Macro | Broken":
    name = key if key.startswith("\\") else "\\" + key
    if not re.fullmatch(r"\\[A-Za-z]+", name):
        return Broken("", f"the configured macro {key!r} is not a name of letters", pos)
    if name in BUILTINS:
        return Broken(name, f"the page's configuration redefines {name}, a command the reader already gives a "
                            f"meaning to", pos)
    default = None
    if isinstance(value, str):
        body, args = value, 0
    elif isinstance(value, list) and 2 <= len(value) <= 3 and isinstance(value[0], str) and \
            isinstance(value[1], int) and 0 <= value[1] <= MAX_ARGS and \
            (len(value) == 2 or isinstance(value[2], str)):
        body, args = value[0], value[1]
        default = value[2] if len(value) == 3 else None
    else:
        return Broken(name, f"the configured macro {name} is {value!r}: expected a string or [body, n] or "
                            f"[body, n, default] with n from 0 to {MAX_ARGS}", pos)
    why = _check_body(name, body, args)
    return Broken(name, why, pos) if why else Macro(name, args, body, default, pos)


def config_macros(text: str, where: "Sequence[Pos] | None" = None) -> list["Macro | Broken"]:
    """The macros of every MathJax (``macros:``, v2 ``Macros:``) or KaTeX (``macros:``) object in ``text``.

    >>> [m.name for m in config_macros('MathJax = {tex: {macros: {R: "\\\\\\\\mathbb{R}"}}}')]
    ['\\\\R']
    """
    out: list[Macro | Broken] = []
    for m in _CONFIG.finditer(text):
        pos = where[m.start()] if where is not None else None
        try:
            obj, _end = _js_object(text, m.end() - 1)
        except _ObjectSyntax as e:
            out.append(Broken("", f"the {m.group(1)} block of the page cannot be read: {e}", pos))
            continue
        out.extend(_config_entry(k, v, pos) for k, v in obj.items())
    return out


# --------------------------------------------------------------------------- expansion

def _pos_of(where: Sequence[Pos] | None, i: int) -> Pos | None:
    if where is None:
        return None
    return where[min(i, len(where) - 1)]


def _expand(text: str, where: list[Pos] | None, table: MacroTable) -> tuple[str, list[Pos] | None]:
    if not table:
        return text, where
    names = [n for n in table if n]
    everything_broken = table.get("")
    if everything_broken is not None:
        b = everything_broken
        raise MacroError(f"a macro definition {('on line ' + str(b.pos.line) + ' ') if b.pos else ''}cannot be "
                         f"read ({b.reason}): displays after it are not read", _pos_of(where, 0))
    if not names:
        return text, where
    pattern = re.compile(r"\\\\|(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                         + r")(?![A-Za-z])")
    i, count = 0, 0
    while True:
        m = pattern.search(text, i)
        if m is None:
            return text, where
        if m.group(0) == "\\\\":
            i = m.end()
            continue
        name, at = m.group(0), _pos_of(where, m.start())
        item = table[name]
        if isinstance(item, Broken):
            line = f" on line {item.pos.line}" if item.pos else ""
            raise MacroError(f"macro {name}: its definition{line} cannot be read ({item.reason})", at)
        count += 1
        if count > MAX_EXPANSIONS:
            raise MacroError(f"macro {name}: more than {MAX_EXPANSIONS} expansions in one display (a recursive "
                             f"definition?)", at)
        j, args = m.end(), []
        k = 0
        if item.default is not None:
            j2 = _skip_space(text, j)
            if j2 < len(text) and text[j2] == "[":
                e = _bracket(text, j2)
                if e < 0:
                    raise MacroError(f"macro {name}: its optional argument [ is not closed", at)
                args.append(text[j2 + 1:e - 1])
                j = e
            else:
                args.append(item.default)
            k = 1
        for n in range(k, item.args):
            try:
                got = _argument(text, j)
            except MacroError as e:
                raise MacroError(f"macro {name}: {e.what}", at) from None
            if got is None:
                raise MacroError(f"macro {name} needs {item.args} argument{'s' if item.args != 1 else ''}; "
                                 f"argument {n + 1} is missing", at)
            args.append(got[0])
            j = got[1]
        body = re.sub(r"##|#(\d)", lambda g: "#" if g.group(0) == "##" else args[int(g.group(1)) - 1], item.body)
        if re.search(r"\\[A-Za-z]+$", body) and j < len(text) and text[j].isalpha():
            body += " "  # \R x: the control word ends where the text goes on
        text = text[:m.start()] + body + text[j:]
        if where is not None:
            where = where[:m.start()] + [at] * len(body) + where[j:]  # type: ignore[list-item]
        if len(text) > MAX_EXPANDED:
            raise MacroError(f"macro {name}: the display grows past {MAX_EXPANDED} characters by expansion (a "
                             f"recursive definition?)", at)
        i = m.start()


def expand(text: str, table: MacroTable) -> str:
    """``text`` with every macro of ``table`` expanded; :class:`MacroError` naming the macro when one cannot be."""
    return _expand(text, None, table)[0]


def expand_source(src, table: MacroTable):
    """:func:`expand` on a :class:`~pgverify.notation.latex.Source`: each inserted character takes the position
    of the macro it replaces."""
    from pgverify.notation.latex import Source

    text, where = _expand(src.text, list(src.where[:-1]), table)
    return Source(text, tuple(where or ()) + (src.where[-1],))



def strip_definitions(src, found: Sequence[_Found]):
    """``src`` (a Source) with the spans of ``found`` (offsets into ``src.text``) blanked to spaces."""
    from pgverify.notation.latex import Source

    chars = list(src.text)
    for f in found:
        for k in range(f.start, min(f.end, len(chars))):
            if chars[k] != "\n":
                chars[k] = " "
    return Source("".join(chars), src.where)



def document_macros(kind: str, masked: str, where: Sequence[Pos], spans: Sequence[tuple[int, int]],
                    contents: Sequence) -> list[tuple[dict, object, bool, "MacroError | None"]]:
    """For each display of a document: the macro table in force there, its content with its own definitions
    blanked, whether it held nothing but definitions (a macro block, not a claim), and the error that refuses
    it when one of its own definitions cannot be read.

    ``kind``: ``"md"`` (definitions inside displays, and the page's MathJax/KaTeX configuration, which applies to
    every display), ``"tex"`` (anywhere in the file: ``masked`` is the text with comments blanked) or ``"text"``
    (inside displays).  ``spans``: each display's (start, end) offsets in the file; ``contents``: its Source.
    """
    table: dict[str, Macro | Broken] = {}
    if kind == "md":
        for item in config_macros(masked, where):
            table[item.name] = item
    outside: list[_Found] = []
    if kind == "tex":
        chars = list(masked)
        for a, b in spans:
            for k in range(a, min(b, len(chars))):
                if chars[k] != "\n":
                    chars[k] = " "
        outside = scan_definitions("".join(chars), where)
    order = sorted(range(len(spans)), key=lambda k: spans[k][0])
    out: list[tuple | None] = [None] * len(spans)
    o = 0
    for k in order:
        while o < len(outside) and outside[o].start < spans[k][0]:
            add_definitions(table, outside[o:o + 1])
            o += 1
        src = contents[k]
        found = scan_definitions(src.text, src.where)
        add_definitions(table, found)
        stripped = strip_definitions(src, found) if found else src
        broken = next((f.item for f in found if isinstance(f.item, Broken)), None)
        problem = None if broken is None else MacroError(
            f"a macro definition in this display cannot be read: {broken.reason}", broken.pos)
        out[k] = (dict(table), stripped, bool(found) and not stripped.text.strip() and problem is None, problem)
    return out  # type: ignore[return-value]


def broken_notes(tables: Iterable[MacroTable]) -> tuple[str, ...]:
    """One line per definition that cannot be read, in the tables of a document's displays (reported once, whether
    a display uses it or not)."""
    seen: dict[tuple, str] = {}
    for table in tables:
        for item in table.values():
            if isinstance(item, Broken):
                line = f"line {item.pos.line}" if item.pos else "the page's configuration"
                key = (item.name, item.reason, line)
                if item.name:
                    seen[key] = (f"macro {item.name} ({line}): its definition cannot be read ({item.reason}); a "
                                 f"display that uses it is refused")
                else:
                    seen[key] = (f"a macro definition ({line}) cannot be read ({item.reason}); the displays after "
                                 f"it are refused")
    return tuple(seen.values())
