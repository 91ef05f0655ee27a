"""The author's own names: R̂_t, Â_t, π̃, Φ_t, g^γ, defined in the document and used with that meaning.

A name the profile does not know (``\\hat{R}``, ``\\tilde{\\pi}``, ``\\Phi``, ``g^\\gamma``; a decorated letter
``\\hat X``, ``\\tilde X``, ``\\widehat{X}``, ``\\widetilde{X}``, ``\\bar X`` reads as one name) becomes the
author's when the document defines it:

* by a display whose first relation is a definition — ``:=``, ``\\coloneqq``, ``\\doteq``, ``\\triangleq``,
  ``≔``, ``≐``, ``\\stackrel{\\text{def}}{=}``, ``\\overset{\\text{def}}{=}`` — with the name on its left
  (``\\hat{R}_t := \\sum_{k=t}^{T} \\lambda^{k-t} r_k``; its subscripts and arguments are the definition's
  parameters, as for the ``define`` annotation); the definition applies to the rest of that display and to
  every display after it, where the name is replaced by the right side (capture-avoiding, see
  :mod:`pgverify.notation.definitions`; what it replaced is listed among the display's restrictions);
* or by a ``define`` annotation of the display that uses it.

A display that only defines is not a claim (``undecided``, "a definition, not a claim"); a display that uses a
name before the display defining it is refused naming the name and the line of its definition.  A name no one
defines is not the author's: the lexer refuses it as before ("symbol \\hat{R} (not in profile 'post')").  Only
names the profile does not know are taken: a ``:=`` row of a profile's name (``v(s) := …``, ``b(s_t) := …``) stays
a claim about the built-in quantity (the ``define`` annotation redefines one) — but the baseline ``b(s)``, whose
built-in meaning is "any function of s", is defined by a ``:=`` row for the displays after it.

A primed index ``t'``, ``k'`` is an index of the same sort as ``t``, ``k`` (every profile, no definition needed).
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import replace
from typing import Any, Iterable

from pgverify.notation import ast as A
from pgverify.notation.errors import NotationError, UnsupportedNotation

__all__ = ["AUTHOR_NAMES", "NotAClaim", "FREE_ROLES", "author_name_of", "scan_heads",
           "apply_document_definitions", "merge_author_tokens", "document_names"]

#: The author's names in force while a document is read (LaTeX name → line of its definition).
AUTHOR_NAMES: ContextVar[frozenset] = ContextVar("pgverify_author_names", default=frozenset())

class NotAClaim(NotationError):
    """A display that only defines the author's name: nothing to check."""

    kind = "definition"


_DEF = re.compile(r":=|\\coloneqq(?![A-Za-z])|\\doteq(?![A-Za-z])|\\triangleq(?![A-Za-z])|≔|≐|"
                  r"\\(?:stackrel|overset)\s*\{\s*(?:\\(?:text|mathrm|rm)\s*\{\s*def\s*\}|def|\\Delta)\s*\}"
                  r"\s*\{\s*=\s*\}")


def scan_heads(rows: Iterable[str], profile) -> dict[str, int]:
    """The author's names that ``rows`` (the text of each display row, in order) define: name → row number."""
    out: dict[str, int] = {}
    for k, text in enumerate(rows):
        m = _DEF.search(text)
        if m is None:
            continue
        head = text[:m.start()].replace("&", " ").strip()
        name = author_name_of(head, profile)
        if name is not None and name not in out:
            out[name] = k
    return out


def document_names(displays: Iterable, annotation_bodies: Iterable[str], profile) -> frozenset:
    """The author's names a document defines: ``displays`` are (Source, macro table) pairs, ``annotation_bodies``
    the text of its ``pgverify:`` comments and side-file entries (``define X := …`` clauses)."""
    from pgverify.notation.latex import split_rows
    from pgverify.notation.macros import expand_source

    rows: list[str] = []
    for src, table in displays:
        try:
            rows += [r.text for r in split_rows(expand_source(src, table) if table else src)]
        except NotationError:
            continue  # that display is refused when it is read
    for body in annotation_bodies:
        for clause in body.split(";"):
            m = re.match(r"\s*(?:pgverify:)?\s*define\s+(.*)", clause)
            if m:
                rows.append(m.group(1))
    return frozenset(scan_heads(rows, profile))


def author_name_of(head: str, profile) -> str | None:
    """The name a definition's left side ``head`` introduces, when the profile does not know it; else None."""
    from pgverify.notation.latex import _raw_tokens, _token_kinds, source

    try:
        toks = _raw_tokens(source(head))
    except NotationError:
        return None
    if not toks or toks[0].type != "NAME":
        return None
    name = toks[0].value
    if len(toks) >= 3 and toks[1].type == "SUP":
        sup = toks[2:5] if toks[2].type == "LBRACE" else toks[2:3]
        inner = [t for t in sup if t.type not in ("LBRACE", "RBRACE")]
        if len(inner) == 1 and inner[0].type in ("NAME", "NUMBER") and (toks[2].type != "LBRACE" or
                                                                        sup[-1].type == "RBRACE"):
            name = f"{name}^{inner[0].value}"
    kinds = _token_kinds(profile)
    if name in kinds or name.split("^")[0] in kinds and "^" not in name or name.rstrip("'") in kinds:
        return None
    return name


def merge_author_tokens(toks: list, names: frozenset) -> list:
    """``g ^ \\gamma`` and ``g ^ { \\gamma }`` → one NAME ``g^\\gamma`` when the author defined ``g^\\gamma``."""
    if not any("^" in n for n in names):
        return toks
    from pgverify.notation.latex import _Tok

    out, i = [], 0
    while i < len(toks):
        t = toks[i]
        if t.type == "NAME" and i + 2 < len(toks) and toks[i + 1].type == "SUP":
            if toks[i + 2].type in ("NAME", "NUMBER") and f"{t.value}^{toks[i + 2].value}" in names:
                out.append(_Tok("NAME", f"{t.value}^{toks[i + 2].value}", t.i, toks[i + 2].end))
                i += 3
                continue
            if toks[i + 2].type == "LBRACE" and i + 4 < len(toks) and toks[i + 4].type == "RBRACE" and \
                    f"{t.value}^{toks[i + 3].value}" in names:
                out.append(_Tok("NAME", f"{t.value}^{toks[i + 3].value}", t.i, toks[i + 4].end))
                i += 5
                continue
        out.append(t)
        i += 1
    return out


#: Built-in names whose meaning is an arbitrary function (the baseline b(s)): a ``:=`` row of the document defines
#: them for the displays after it (before it, they keep the meaning "any function of s").
FREE_ROLES = ("b",)


def _syms(node: Any, names: frozenset, out: dict) -> dict:
    if isinstance(node, A.Sym) and node.name in names:
        out.setdefault(node.name, node)
    if isinstance(node, (A.Fn, A.At)) and node.name in FREE_ROLES:
        out.setdefault("fn:" + node.name, node)
    if isinstance(node, tuple):
        for x in node:
            _syms(x, names, out)
    elif isinstance(node, A.Node):
        for c in A.children(node):
            _syms(c, names, out)
    return out


def _head_name(lhs: Any, names: frozenset) -> str | None:
    first = lhs.factors[0] if isinstance(lhs, A.Mul) else lhs
    if isinstance(first, A.Apply) and first.fn.name in FREE_ROLES or isinstance(first, A.At) and \
            first.name in FREE_ROLES:
        return "fn:" + (first.fn.name if isinstance(first, A.Apply) else first.name)
    return first.name if isinstance(first, A.Sym) and first.name in names else None


def apply_document_definitions(displays: list, names: frozenset) -> list:
    """The displays with the author's definitions applied: a defining display gives its definition to itself and
    to the displays after it (as ``define`` annotations); a display that only defines is not a claim; a use before
    the definition refuses the display."""
    from pgverify.notation.annotations import Annotations

    lines: dict[str, int] = {}
    for d in displays:  # where each name is first defined (for the message of an early use)
        if d.chain is not None and d.chain.rows and d.chain.rows[0].steps and \
                d.chain.rows[0].steps[0].rel == "def":
            n = _head_name(d.chain.rows[0].lhs, names)
            if n is not None:
                lines.setdefault(n, d.line)
    defined: dict[str, A.Row] = {}
    out = []
    for d in displays:
        if d.chain is None:
            out.append(d)
            continue
        chain, own = d.chain, None
        first = chain.rows[0]
        if first.steps and first.steps[0].rel == "def" and _head_name(first.lhs, names):
            own = A.Row(first.lhs, first.steps[:1], pos=first.pos)
            rest_head = A.Row(first.steps[0].rhs, first.steps[1:], pos=first.pos)
            rows = ((rest_head,) if rest_head.steps else ()) + chain.rows[1:]
            if rows and rows[0].lhs is None:  # `X := a \\ &= b`: the continuation starts from a
                rows = (A.Row(first.steps[0].rhs, rows[0].steps, pos=rows[0].pos),) + rows[1:]
            chain = A.Chain(rows, pos=chain.pos) if rows else None
        used = _syms(chain, names, {}) if chain is not None else {}
        used.update(_syms(d.annotations.also, names, {}))
        if own is None and not any(n in defined or not n.startswith("fn:") for n in used):
            out.append(d)  # nothing of the author's here: the display as read
            continue
        problem = None
        defs = []
        for n in used:
            if own is not None and _head_name(own.lhs, names) == n:
                defs.append(own)
            elif n in defined:
                defs.append(defined[n])
            elif n.startswith("fn:"):
                continue  # b before its definition: the built-in "any function"
            elif n in lines and lines[n] > d.line:
                problem = UnsupportedNotation(f"{n} is used before its definition (line {lines[n]})",
                                              d.lines[0].row.pos if d.lines[0].row is not None else None)
            elif not any(_head_name(x.lhs, names) == n for x in d.annotations.definitions):
                problem = UnsupportedNotation(f"{n} is used but never defined (define it with := or an annotation)")
            if problem is not None:
                break
        if own is not None:
            n = _head_name(own.lhs, names)
            defined[n] = own
        if problem is not None:
            out.append(_refused(d, problem))
        elif chain is None or not list(chain.steps()):
            out.append(_refused(d, NotAClaim(f"a definition, not a claim: {_show(own, d.profile)} (applied to the "
                                             f"displays after it)", first.pos)))
        else:
            ann = d.annotations.merge(Annotations(definitions=tuple(defs))) if defs else d.annotations
            out.append(replace(d, chain=chain, annotations=ann,
                               issues=_issues(chain, ann) if defs or own is not None else d.issues))
    return out


def _issues(chain: A.Chain, ann) -> tuple:
    """The scope analysis of the display as the checker will see it: the definitions applied (one that cannot be
    is refused later, with its reason, by the checker's plan)."""
    from pgverify.notation.definitions import DefinitionError, apply_definitions
    from pgverify.notation.scope import check_chain

    try:
        applied, _ = apply_definitions(chain, tuple(ann.definitions))
    except DefinitionError:
        applied = chain
    return tuple(check_chain(A.Chain(applied.rows + ann.also, pos=chain.pos), quantified=set(ann.quantified),
                             substituted=ann.substituted, defines=bool(ann.defines)))


def _show(row: A.Row, profile: str) -> str:
    from pgverify.notation.render import render_latex

    try:
        return render_latex(row, profile=profile)
    except NotationError:  # pragma: no cover - only in a message
        return "the name"


def _refused(d, error: NotationError):
    from pgverify.notation.document import DisplayLine

    start = d.lines[0]
    return replace(d, chain=None, issues=(), lines=(DisplayLine(start.line, start.latex, None, error),))
