"""Sums and products written with dots: ``x_1 + x_2 + \\cdots + x_T`` and ``x_1 x_2 \\cdots x_T``.

The AST keeps what was written (``Add(Add(x₁, Dots()), x_T)``, ``Mul((x₁, x₂, Dots(), x_T))``: it renders back as
written); :func:`expand_dots` reads each into the Σ / Π it stands for, or refuses it.

The terms around the dots must follow one pattern: the first and the last term differ only at places holding an
integer expression (a number, T, N, a time index t, sums and multiples of them), and every such place moves by the
same amount D from the first term to the last; the term is then a function of k = 0 … D (the place holding a
becomes a + k).  Every other written term must be that function at its own k (k = 1, 2, … after the first,
D − 1, D − 2, … before the last).  Anything else — terms of different shapes (r_1 + λ r_2 + ⋯, where the
first term hides λ⁰), identical terms (how many?), a place that is not an integer expression, a product with a factor
outside the pattern — raises :class:`~pgverify.notation.errors.UnsupportedNotation` at the dots.

>>> from pgverify.notation import parse_expression, render_latex
>>> s = expand_dots(parse_expression(r"\\lambda^{0} r_1 + \\lambda^{1} r_2 + \\cdots + \\lambda^{T-1} r_T"))
>>> render_latex(s.lower), render_latex(s.upper), render_latex(s.body).replace(INDEX, "k")
('0', 'T - 1', '\\\\lambda^{k} r_{1 + k}')
"""

from __future__ import annotations

from dataclasses import fields, replace
from fractions import Fraction
from typing import Any

from pgverify.notation import ast as A
from pgverify.notation.errors import UnsupportedNotation

__all__ = ["expand_dots", "dotted_parts", "INDEX"]

#: The index of the Σ / Π a dotted sum or product stands for (a name no source can write: it never clashes).
INDEX = "k#dots"
_TIME_SYMBOLS = ("T", "N")

Path = tuple[Any, ...]


def dotted_parts(node: Any) -> tuple[str, list[Any], list[Any], A.Dots] | None:
    """("+", terms before the dots, terms after, the dots) for a sum written with dots; ("*", …) for a product."""
    if isinstance(node, A.Add):
        terms: list[Any] = []
        n = node
        while isinstance(n, A.Add):
            terms.append(n.right)
            n = n.left
        terms.append(n)
        terms.reverse()
        op = "+"
    elif isinstance(node, A.Mul):
        terms, op = list(node.factors), "*"
    else:
        return None
    dots = [i for i, x in enumerate(terms) if isinstance(x, A.Dots)]
    if not dots:
        return None
    where = terms[dots[0]]
    if len(dots) > 1:
        raise UnsupportedNotation("two \\ldots in one sum or product", where.pos)
    i = dots[0]
    if i == 0 or i == len(terms) - 1:
        raise UnsupportedNotation("\\ldots needs a term on each side", where.pos)
    return op, terms[:i], terms[i + 1:], where


def _affine(x: Any) -> dict[Any, Fraction] | None:
    """An integer expression as {atom: coefficient} (atom "" the constant), or None."""
    if isinstance(x, A.Num):
        return {"": Fraction(x.value)}
    if isinstance(x, A.Sym) and x.name in _TIME_SYMBOLS and x.index is None:
        return {("sym", x.name): Fraction(1)}
    if isinstance(x, A.Var) and x.sort == "time":
        return {("var", x.name): Fraction(1)}
    if isinstance(x, (A.Add, A.Sub)):
        a, b = _affine(x.left), _affine(x.right)
        if a is None or b is None:
            return None
        return _plus(a, b, 1 if isinstance(x, A.Add) else -1)
    if isinstance(x, A.Neg):
        a = _affine(x.operand)
        return None if a is None else {k: -v for k, v in a.items()}
    if isinstance(x, A.Mul):
        parts = [_affine(f) for f in x.factors]
        if any(p is None for p in parts):
            return None
        consts = [p for p in parts if set(p) <= {""}]
        if len(consts) < len(parts) - 1:
            return None
        out: dict[Any, Fraction] = {"": Fraction(1)}
        for p in parts:
            if set(p) <= {""}:
                out = {k: v * p.get("", Fraction(0)) for k, v in out.items()}
        rest = [p for p in parts if not set(p) <= {""}]
        return {k: v * out[""] for k, v in rest[0].items()} if rest else out
    return None


def _plus(a: dict[Any, Fraction], b: dict[Any, Fraction], sign: int) -> dict[Any, Fraction]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, Fraction(0)) + sign * v
    return {k: v for k, v in out.items() if v != 0}


def _differences(a: Any, b: Any, path: Path = ()) -> list[tuple[Path, Any, Any]]:
    """The places where ``a`` and ``b`` differ (positions ignored): (path, a's node, b's node)."""
    if a == b:
        return []
    if type(a) is not type(b) or not isinstance(a, A.Node):
        return [(path, a, b)]
    out: list[tuple[Path, Any, Any]] = []
    for f in fields(a):
        if f.name == "pos":
            continue
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, A.Node) and isinstance(y, A.Node):
            out += _differences(x, y, path + (f.name,))
        elif isinstance(x, tuple) and isinstance(y, tuple) and len(x) == len(y):
            for k, (xi, yi) in enumerate(zip(x, y)):
                out += _differences(xi, yi, path + (f.name, k))
        elif x != y:
            return [(path, a, b)]
    return out


def _put(node: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    current = getattr(node, head)
    if isinstance(current, tuple):
        k, rest = rest[0], rest[1:]
        items = list(current)
        items[k] = _put(items[k], rest, value)
        return replace(node, **{head: tuple(items)})
    return replace(node, **{head: _put(current, rest, value)})


def _pattern(before: list[Any], after: list[Any], where: A.Dots) -> tuple[Any, Any, Any]:
    """(body in k, 0, D) of the terms around the dots; or UnsupportedNotation."""
    def refuse(why: str) -> UnsupportedNotation:
        return UnsupportedNotation(f"\\ldots: {why}", where.pos)

    first, last = before[0], after[-1]
    places = _differences(first, last)
    if not places:
        raise refuse("the terms around it are identical, so how many there are is not visible (write Σ)")
    moves = []
    for path, a, b in places:
        fa, fb = _affine(a), _affine(b)
        if fa is None or fb is None:
            raise refuse("the first and the last term differ by more than an integer index (write every term in "
                         "the same form, e.g. \\lambda^{0} r_1, or write Σ / Π)")
        moves.append(_plus(fb, fa, -1))
    if any(m != moves[0] for m in moves):
        raise refuse("the indices of the first and the last term do not move together")
    span = moves[0]
    if set(span) <= {""} and span.get("", Fraction(0)) < 0:
        raise refuse("the last term comes before the first")
    if set(span) <= {""} and span.get("", Fraction(0)) + 2 < len(before) + len(after):
        raise refuse("the terms written after it come before the terms written before it")
    k = A.Var(INDEX, "time")
    body = first
    for path, a, _ in places:
        body = _put(body, path, k if a == A.Num(0) else A.Add(a, k))
    for j, term in [(j, x) for j, x in enumerate(before) if j] + [(-j, x) for j, x in enumerate(reversed(after)) if j]:
        diffs = _differences(first if j > 0 else last, term)
        want = {"": Fraction(j)} if j else {}
        if sorted(p for p, _, _ in diffs) != sorted(p for p, _, _ in places) or any(
                _affine(x) is None or _affine(y) is None or _plus(_affine(y), _affine(x), -1) != want
                for _, x, y in diffs):
            raise refuse(f"the term {_show(term)} is not the pattern of the first and the last term at its place")
    upper = places[0][2] if places[0][1] == A.Num(0) else A.Sub(places[0][2], places[0][1])
    return body, A.Num(0), upper


def _show(x: Any) -> str:
    from pgverify.notation.render import render_latex

    try:
        return render_latex(x)
    except Exception:  # pragma: no cover - only in messages
        return type(x).__name__


def expand_dots(node: Any) -> Any:
    """``node`` with every sum or product written with dots replaced by the Σ_{k=0}^{D} / Π it stands for."""
    if isinstance(node, tuple):
        return tuple(expand_dots(x) for x in node)
    if not isinstance(node, A.Node):
        return node
    parts = dotted_parts(node)
    if parts is not None:
        op, before, after, where = parts
        body, lower, upper = _pattern([expand_dots(x) for x in before], [expand_dots(x) for x in after], where)
        cls = A.Sum if op == "+" else A.Prod
        return cls((A.Var(INDEX, "time"),), body, lower, upper, pos=node.pos)
    changes = {f.name: expand_dots(getattr(node, f.name)) for f in fields(node) if f.name != "pos"}
    return replace(node, **changes)
