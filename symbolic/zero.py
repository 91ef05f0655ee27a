"""Zero tests for rational functions: universal, and randomized with a bound.

* :func:`is_identically_zero` — the difference is 0 in the field of rational
  functions of the family's symbols (a proof for every parameter value).
* :func:`schwartz_zippel_bound` — a non-zero polynomial of total degree D
  vanishes at a point drawn uniformly from Gᵐ with probability at most D/|G|
  (Schwartz 1980, Zippel 1979); k independent points all vanishing: (D/|G|)ᵏ.
* :func:`randomized_zero_test` — that test on a SymPy expression.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Iterable

import numpy as np
import sympy

__all__ = ["is_identically_zero", "schwartz_zippel_bound", "randomized_zero_test"]


def is_identically_zero(values: Any) -> bool:
    """True when every entry is the zero rational function (entries are kept cancelled).

    >>> from sympy import QQ, symbols
    >>> from symbolic.field import Rat
    >>> a, = (Rat(g) for g in QQ.frac_field(symbols("a")).field.gens)
    >>> is_identically_zero([a / a - 1, a * 0])
    True
    """
    return all(x == 0 for x in np.asarray(values, dtype=object).ravel())


def schwartz_zippel_bound(degree: int, set_size: int, points: int) -> float:
    """P(a non-zero polynomial of total degree ``degree`` vanishes at ``points`` uniform points of a grid).

    >>> schwartz_zippel_bound(10, 1000, 2)
    0.0001
    """
    if set_size <= 0 or points < 0 or degree < 0:
        raise ValueError(f"need degree >= 0, set_size > 0, points >= 0; got {degree}, {set_size}, {points}")
    return float(min(Fraction(1), Fraction(degree, set_size)) ** points)


def randomized_zero_test(expr: sympy.Expr, symbols: Iterable[sympy.Symbol], *, degree: int,
                         rng: np.random.Generator, set_size: int = 2 ** 32, points: int = 3) -> tuple[bool, float]:
    """Evaluate the rational function ``expr`` exactly at random integer points.

    Returns ``(all_zero, bound)``: if ``expr``'s numerator (total degree ≤
    ``degree``) is not identically zero, ``all_zero`` is True with probability
    at most ``bound``.  Points where the denominator vanishes are redrawn.

    >>> import numpy as np, sympy
    >>> a, b = sympy.symbols("a b")
    >>> randomized_zero_test((a + b)**2 - a**2 - 2*a*b - b**2, [a, b], degree=2, rng=np.random.default_rng(0))
    (True, 1.0097419586828951e-28)
    """
    syms = list(symbols)
    num, den = sympy.fraction(sympy.together(expr))
    for _ in range(points):
        while True:
            point = {s: sympy.Integer(int(rng.integers(0, set_size))) for s in syms}
            if den.subs(point) != 0:
                break
        if num.subs(point) != 0:
            return False, 0.0
    return True, schwartz_zippel_bound(degree, set_size, points)
