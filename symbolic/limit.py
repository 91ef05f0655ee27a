"""Limits at 0 of rational functions, exactly: lim_{σ→0} and the leading term.

Elements of either field: :class:`~symbolic.flint_field.Frac` (python-flint)
or :class:`~symbolic.field.Rat` (SymPy).  A rational function n/d of σ
(coefficients in a field of other symbols) has,
as σ → 0, the leading term (n_k σᵏ)/(d_j σʲ) where n_k, d_j are the lowest-order
parts in σ of n and d (valid whenever those parts are non-zero elements of
the coefficient field, i.e. generically in the other symbols).
"""

from __future__ import annotations

from typing import Any

from symbolic.field import Rat
from symbolic.flint_field import Frac

__all__ = ["leading_term", "limit_at_zero"]


def _lowest(poly: Any, i: int) -> tuple[int, Any]:
    order = min(monom[i] for monom in poly.keys())
    part = poly.ring({monom[:i] + (0,) + monom[i + 1:]: c for monom, c in poly.items() if monom[i] == order})
    return order, part


def _lowest_flint(poly: Any, i: int) -> tuple[int, Any]:
    terms = poly.to_dict()
    order = min(monom[i] for monom in terms)
    part = {monom[:i] + (0,) + monom[i + 1:]: c for monom, c in terms.items() if monom[i] == order}
    return order, poly.context().from_dict(part)


def _leading_term_flint(x: Frac, sigma: Frac) -> tuple[int, Any]:
    if x.is_zero():
        return (0, x)
    i = x.field.gens.index(sigma)
    kn, n0 = _lowest_flint(x.n, i)
    kd, d0 = _lowest_flint(x.d, i)
    return kn - kd, Frac._make(n0, d0, x.field)  # d0 ≠ 0: the lowest part of a non-zero polynomial


def leading_term(x: Any, sigma: Any) -> tuple[int, Any]:
    """(k, c) with x = c σᵏ + o(σᵏ) as σ → 0 (k may be negative); (0, 0) for x = 0.

    >>> from sympy import QQ, symbols
    >>> K = QQ.frac_field(*symbols("s a")).field
    >>> s, a = (Rat(g) for g in K.gens)
    >>> leading_term((a * s**3 + s**2) / (s + 2 * a), s)
    (2, 1/(2*a))
    """
    if isinstance(x, Frac):
        return _leading_term_flint(x, sigma)
    if not isinstance(x, Rat):
        return (0, x)
    if x == 0:
        return (0, x * 0)
    field = x.e.field
    i = field.gens.index(sigma.e)
    kn, n0 = _lowest(x.e.numer, i)
    kd, d0 = _lowest(x.e.denom, i)
    return kn - kd, Rat(field(n0) / field(d0))


def limit_at_zero(x: Any, sigma: Any) -> Any:
    """lim_{σ→0} x; raises ArithmeticError when x diverges.

    >>> from sympy import QQ, symbols
    >>> K = QQ.frac_field(*symbols("s a")).field
    >>> s, a = (Rat(g) for g in K.gens)
    >>> limit_at_zero((a + s) / (1 + s), s)
    a
    """
    k, c = leading_term(x, sigma)
    if k < 0:
        raise ArithmeticError(f"{x} diverges as {sigma} → 0 (leading term of order {k})")
    return c if k == 0 else c * 0
