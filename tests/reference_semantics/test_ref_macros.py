"""Macro expansion against the reference: a macro's use means its body with the arguments put in.

Hypothesis draws up to three macros (0–2 arguments, the first optional with a default or not), each body made
of literal characters, its parameters and uses of the macros defined *before* it, and an expression that uses
them.  The reference keeps the expression and the bodies as trees and substitutes directly (a recursive
evaluation written here, independent of :mod:`pgverify.notation.macros`, which scans text); the text the
reader expands must equal the reference's, white space aside.  The second test reads the same drawn macros out
of a ``.tex`` preamble, a Markdown page's math block and a MathJax configuration and checks that every way of
defining them expands alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pgverify.notation.macros import (MAX_EXPANDED, MAX_EXPANSIONS, Macro, MacroError, config_macros, expand,
                                      read_definitions)

NAMES = ("\\ma", "\\mb", "\\mc")
LITERALS = ("x", "y", "1", "+", "(", ")")


@dataclass(frozen=True)
class Lit:
    text: str


@dataclass(frozen=True)
class Param:
    k: int


@dataclass(frozen=True)
class Use:
    name: str
    args: tuple  # of tuples of nodes; for an optional first argument: None when it is left to its default


@dataclass(frozen=True)
class Def:
    name: str
    arity: int
    default: tuple | None  # literal nodes, when the first argument is optional
    body: tuple


def _literal_seq():
    return st.lists(st.sampled_from(LITERALS).map(Lit), min_size=1, max_size=3).map(tuple)


def _seq(defs: tuple, params: int, depth: int):
    leaves = [st.sampled_from(LITERALS).map(Lit)]
    if params:
        leaves.append(st.integers(1, params).map(Param))
    options = list(leaves)
    if defs and depth > 0:
        options.append(st.sampled_from(defs).flatmap(lambda d: _use(d, defs, params, depth - 1)))
    return st.lists(st.one_of(options), min_size=1, max_size=4).map(tuple)


def _use(d: Def, defs: tuple, params: int, depth: int):
    args = []
    for k in range(d.arity):
        if k == 0 and d.default is not None:
            args.append(st.one_of(st.none(), _literal_seq()))
        else:
            args.append(_seq(defs, params, depth))
    return st.tuples(*args).map(lambda a: Use(d.name, a))


@st.composite
def programs(draw):
    defs: tuple = ()
    for name in NAMES[:draw(st.integers(1, 3))]:
        arity = draw(st.integers(0, 2))
        default = draw(st.one_of(st.none(), _literal_seq())) if arity else None
        body = draw(_seq(defs, arity, 2))
        defs += (Def(name, arity, default, body),)
    expr = draw(_seq(defs, 0, 3))
    return defs, expr


# ---- rendering to LaTeX (the text the reader sees)

def _text(seq: tuple) -> str:
    out = []
    for n in seq:
        if isinstance(n, Lit):
            out.append(n.text)
        elif isinstance(n, Param):
            out.append(f"#{n.k}")
        else:
            out.append(n.name)
            for k, a in enumerate(n.args):
                if a is None:
                    continue
                out.append(f"[{_text(a)}]" if k == 0 and _DEFAULTED.get(n.name) else "{" + _text(a) + "}")
            out.append(" ")
    return "".join(out)


_DEFAULTED: dict[str, bool] = {}


def _definition(d: Def) -> str:
    opt = f"[{_text(d.default)}]" if d.default is not None else ""
    count = f"[{d.arity}]" if d.arity else ""
    return f"\\newcommand{{{d.name}}}{count}{opt}{{{_text(d.body)}}}"


# ---- the reference: substitution on trees

def _eval(seq: tuple, defs: dict, env: tuple) -> str:
    out = []
    for n in seq:
        if isinstance(n, Lit):
            out.append(n.text)
        elif isinstance(n, Param):
            out.append(env[n.k - 1])
        else:
            d = defs[n.name]
            values = tuple(_eval(d.default if a is None else a, defs, env) for a in n.args)
            out.append(_eval(d.body, defs, values))
    return "".join(out)


def _count(seq: tuple, defs: dict, env: tuple) -> int:
    """How many replacements the text takes: an argument's uses are expanded once per copy the body makes."""
    total = 0
    for n in seq:
        if isinstance(n, Param):
            total += env[n.k - 1]
        elif isinstance(n, Use):
            d = defs[n.name]
            counts = tuple(_count(d.default if a is None else a, defs, env) for a in n.args)
            total += 1 + _count(d.body, defs, counts)
    return total


def _squash(s: str) -> str:
    return "".join(s.split())


@given(programs())
def test_expansion_is_substitution(program) -> None:
    defs, expr = program
    _DEFAULTED.clear()
    _DEFAULTED.update({d.name: d.default is not None for d in defs})
    table = read_definitions("\n".join(_definition(d) for d in defs))
    assert all(isinstance(m, Macro) for m in table.values()), table
    by_name = {d.name: d for d in defs}
    want, count = _eval(expr, by_name, ()), _count(expr, by_name, ())
    if count > MAX_EXPANSIONS:  # the documented limit refuses it, naming a macro
        with pytest.raises(MacroError, match=r"macro \\m[abc]: more than"):
            expand(_text(expr), table)
        return
    assume(len(want) < MAX_EXPANDED // 4)
    assert _squash(expand(_text(expr), table)) == _squash(want)


@given(programs())
def test_every_way_of_defining_expands_alike(program) -> None:
    defs, expr = program
    _DEFAULTED.clear()
    _DEFAULTED.update({d.name: d.default is not None for d in defs})
    from_tex = read_definitions("\n".join(_definition(d) for d in defs))

    def js(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    entries = []
    for d in defs:
        body = js(_text(d.body))
        if d.arity:
            extra = f", {js(_text(d.default))}" if d.default is not None else ""
            body = f"[{body}, {d.arity}{extra}]"
        entries.append(f"{d.name[1:]}: {body}")
    config = "MathJax = {tex: {macros: {" + ", ".join(entries) + "}}};"
    from_config = {m.name: m for m in config_macros(config)}
    assert {k: (m.args, m.body, m.default) for k, m in from_config.items()} == \
        {k: (m.args, m.body, m.default) for k, m in from_tex.items()}
    assume(_count(expr, {d.name: d for d in defs}, ()) <= MAX_EXPANSIONS)
    assert expand(_text(expr), from_config) == expand(_text(expr), from_tex)
