"""Rational functions on python-flint: the field ℚ(symbols) of the symbolic method.

An element is a pair (n, d) of ``fmpz_mpoly`` (multivariate polynomials with
integer coefficients, FLINT's C implementation) with

* gcd(n, d) = 1 over ℤ[symbols] and the leading coefficient of d positive —

so the representation is canonical (ℤ[symbols] is a unique factorisation domain
whose only units are ±1), two elements are equal exactly when their pairs are,
and an element is the zero rational function exactly when n is the zero
polynomial.  No floating point is involved anywhere.

The gcds are FLINT's (a sparse multivariate gcd in C), which replaced SymPy's
``heugcd``/ring division that dominated the symbolic method's time; derivatives
use the quotient rule ∂(n/d) = (∂n·d − n·∂d)/d², and
:func:`theta_derivative` applies ∂/∂θ_k = x_k ∂/∂x_k for x_k = exp θ_k.

:class:`Frac` mixes with Python ints, :class:`fractions.Fraction`,
``flint.fmpq``/``fmpz`` and NumPy object arrays (it returns ``NotImplemented``
for an array, so NumPy applies the operation elementwise).  A float is refused
(``TypeError``): an inexact number never enters this field.

SymPy stays at the boundary: :meth:`FlintField.to_sympy` for LaTeX, limits and
series.

>>> import sympy
>>> K = FlintField(sympy.symbols("a b"))
>>> a, b = K.gens
>>> a / (a + b) + b / (a + b) == 1
True
>>> (a**2 - b**2) / (a - b)
a + b
>>> K.to_sympy(a / (2 * b))
a/(2*b)
"""

from __future__ import annotations

import numbers
from fractions import Fraction
from typing import Any, Iterable, Sequence

import flint
import numpy as np
import sympy

from numeric.errors import InexactOperandError

__all__ = ["FlintField", "Frac", "theta_derivative"]

_INTS = (int, np.integer, flint.fmpz)


class FlintField:
    """ℚ(symbols) on ``fmpz_mpoly``: the generators, 0, 1 and conversions to and from SymPy.

    ``symbols`` are SymPy symbols (their names are used for rendering only; FLINT's
    variables are ``v0, v1, …``).
    """

    __slots__ = ("symbols", "ctx", "gens", "zero", "one", "_index")

    def __init__(self, symbols: Iterable[sympy.Symbol]) -> None:
        self.symbols = tuple(symbols)
        if not self.symbols:
            raise ValueError("a field of rational functions needs at least one symbol")
        self.ctx = flint.fmpz_mpoly_ctx.get(tuple(f"v{i}" for i in range(len(self.symbols))), "degrevlex")
        one = self.ctx.constant(1)
        self.zero = Frac(one - 1, one, self)
        self.one = Frac(one, one, self)
        self.gens = tuple(Frac(g, one, self) for g in self.ctx.gens())
        self._index = {s: i for i, s in enumerate(self.symbols)}

    def __len__(self) -> int:
        return len(self.symbols)

    def gen(self, symbol: sympy.Symbol) -> "Frac":
        return self.gens[self._index[symbol]]

    def constant(self, c: Any) -> "Frac":
        """An exact rational constant (int, Fraction, fmpq, fmpz, SymPy Rational) as an element."""
        return self.zero + _rational(c)

    def to_sympy(self, e: Any) -> sympy.Expr:
        """An element (or an exact constant) as a SymPy expression in the field's symbols."""
        if not isinstance(e, Frac):
            q = _rational(e)
            return sympy.Rational(int(q.p), int(q.q))
        return self._poly_expr(e.n) / self._poly_expr(e.d)

    def _poly_expr(self, p: Any) -> sympy.Expr:
        return sympy.Poly.from_dict({k: int(v) for k, v in p.to_dict().items()}, *self.symbols).as_expr()

    def from_sympy(self, expr: sympy.Expr) -> "Frac":
        """A rational SymPy expression in the field's symbols as an element."""
        num, den = sympy.fraction(sympy.together(sympy.sympify(expr)))
        return self._from_poly(num) / self._from_poly(den)

    def _from_poly(self, expr: sympy.Expr) -> "Frac":
        poly = sympy.Poly(expr, *self.symbols, domain=sympy.QQ)
        out = self.zero
        for monom, coeff in poly.terms():
            term = self.one * Fraction(int(coeff.p), int(coeff.q))
            for g, k in zip(self.gens, monom):
                if k:
                    term = term * g ** k
            out = out + term
        return out

    def __repr__(self) -> str:
        return f"FlintField({', '.join(map(str, self.symbols))})"


def _rational(x: Any) -> flint.fmpq:
    if isinstance(x, np.bool_):  # 0 or 1, as bool (an int) is: a boolean one-hot array times elements
        return flint.fmpq(int(x))
    if isinstance(x, (float, np.floating, complex)):
        raise InexactOperandError(f"the float {x!r} cannot enter the field of rational functions (an exact value "
                                  f"is never combined with a rounded one)")
    if isinstance(x, flint.fmpq):
        return x
    if isinstance(x, _INTS):
        return flint.fmpq(int(x))
    if isinstance(x, Fraction):
        return flint.fmpq(x.numerator, x.denominator)
    if isinstance(x, sympy.Rational):
        return flint.fmpq(int(x.p), int(x.q))
    if isinstance(x, numbers.Rational):  # e.g. numeric.flint_exact.Q
        return flint.fmpq(int(x.numerator), int(x.denominator))
    raise TypeError(f"cannot convert {type(x).__name__} to a rational number")


class Frac:
    """n/d in ℚ(symbols), canonical (see the module docstring); usable inside NumPy object arrays."""

    __slots__ = ("n", "d", "field")

    def __init__(self, n: Any, d: Any, field: FlintField) -> None:
        self.n, self.d, self.field = n, d, field

    # ---------------------------------------------------------- construction
    @staticmethod
    def _make(n: Any, d: Any, field: FlintField) -> "Frac":
        """n/d cancelled and normalised (d ≠ 0)."""
        if n.is_zero():
            return field.zero
        if not d.is_constant():
            g = n.gcd(d)
            if not g.is_one():
                n, d = n / g, d / g
        if d.is_constant():
            c = d.leading_coefficient()
            if c != 1:
                g = n.content().gcd(c)
                if c < 0:
                    g = -g
                n, d = n / g, d / g
            return Frac(n, d, field)
        if d.leading_coefficient() < 0:
            n, d = -n, -d
        return Frac(n, d, field)

    def _coerce(self, other: Any) -> "Frac | None":
        if isinstance(other, Frac):
            if other.field is not self.field:
                raise TypeError(f"elements of two different fields: {self.field} and {other.field}")
            return other
        if isinstance(other, np.ndarray):
            return None
        try:
            q = _rational(other)
        except TypeError:
            if isinstance(other, (float, np.floating, complex)):
                raise
            return None
        one = self.field.one.n
        return Frac._make(one * int(q.p), one * int(q.q), self.field)

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Any:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        if o.n.is_zero():
            return self
        if self.n.is_zero():
            return o
        if self.d == o.d:
            return Frac._make(self.n + o.n, self.d, self.field)
        if self.d.is_one():
            return Frac(self.n * o.d + o.n, o.d, self.field)  # gcd(n·d₂ + n₂, d₂) = gcd(n₂, d₂) = 1
        if o.d.is_one():
            return Frac(self.n + o.n * self.d, self.d, self.field)
        g = self.d.gcd(o.d)
        if g.is_one():
            return Frac._make(self.n * o.d + o.n * self.d, self.d * o.d, self.field)
        d1, d2 = self.d / g, o.d / g
        n = self.n * d2 + o.n * d1
        if n.is_zero():
            return self.field.zero
        h = n.gcd(g)  # the only common factor n can share with d₁·d₂·g lies in g (Henrici)
        if not h.is_one():
            n, g = n / h, g / h
        return Frac(n, d1 * d2 * g, self.field)

    __radd__ = __add__

    def __neg__(self) -> "Frac":
        return Frac(-self.n, self.d, self.field)

    def __pos__(self) -> "Frac":
        return self

    def __sub__(self, other: Any) -> Any:
        o = self._coerce(other)
        return NotImplemented if o is None else self + (-o)

    def __rsub__(self, other: Any) -> Any:
        o = self._coerce(other)
        return NotImplemented if o is None else o + (-self)

    def __mul__(self, other: Any) -> Any:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        if self.n.is_zero() or o.n.is_zero():
            return self.field.zero
        if o.d.is_one() and self.d.is_one():
            return Frac(self.n * o.n, self.d, self.field)
        n1, d1, n2, d2 = self.n, self.d, o.n, o.d
        if not d2.is_one():
            g = n1.gcd(d2)
            if not g.is_one():
                n1, d2 = n1 / g, d2 / g
        if not d1.is_one():
            g = n2.gcd(d1)
            if not g.is_one():
                n2, d1 = n2 / g, d1 / g
        return Frac(n1 * n2, d1 * d2, self.field)

    __rmul__ = __mul__

    def inverse(self) -> "Frac":
        if self.n.is_zero():
            raise ZeroDivisionError("division by the zero rational function")
        n, d = self.d, self.n
        if d.leading_coefficient() < 0:
            n, d = -n, -d
        return Frac(n, d, self.field)

    def __truediv__(self, other: Any) -> Any:
        o = self._coerce(other)
        return NotImplemented if o is None else self * o.inverse()

    def __rtruediv__(self, other: Any) -> Any:
        o = self._coerce(other)
        return NotImplemented if o is None else o * self.inverse()

    def __pow__(self, k: int) -> "Frac":
        if not isinstance(k, _INTS):
            return NotImplemented
        k = int(k)
        if k < 0:
            return self.inverse() ** -k
        if k == 0:
            return self.field.one
        return Frac(self.n ** k, self.d ** k, self.field)

    # ------------------------------------------------------------ comparison
    def __eq__(self, other: object) -> Any:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return bool(self.n == o.n and self.d == o.d)

    def __ne__(self, other: object) -> Any:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __bool__(self) -> bool:
        return not self.n.is_zero()

    __hash__ = None  # type: ignore[assignment]

    def is_zero(self) -> bool:
        return bool(self.n.is_zero())

    # ----------------------------------------------------------- calculus
    def diff(self, var: "int | Frac") -> "Frac":
        """∂/∂x_i by the quotient rule; ``var`` is a generator or its index."""
        i = var if isinstance(var, int) else self.field.gens.index(var)
        dn = self.n.derivative(i)
        if self.d.is_constant():
            return Frac._make(dn, self.d, self.field)
        dd = self.d.derivative(i)
        if dd.is_zero():
            return Frac._make(dn, self.d, self.field)
        return Frac._make(dn * self.d - self.n * dd, self.d * self.d, self.field)

    def log_diff_x(self, i: int) -> "Frac":
        """x_i ∂/∂x_i of this element (= ∂/∂θ_i for x_i = exp θ_i)."""
        return self.field.gens[i] * self.diff(i)

    def terms(self) -> int:
        """The number of terms of numerator and denominator (a size measure)."""
        return len(self.n) + len(self.d)

    def __repr__(self) -> str:
        return str(self.field.to_sympy(self))


def theta_derivative(y: Any, x: Sequence[Frac], zero: Frac) -> np.ndarray:
    """∇θ y = (x_k ∂y/∂x_k)_k for x_k = e^{θ_k}: shape ``np.shape(y) + (K,)`` for K = len(x) generators.

    Entries of ``y`` that are plain numbers are constants: their derivative is ``zero``.

    >>> import sympy
    >>> K = FlintField(sympy.symbols("x y"))
    >>> x, y = K.gens
    >>> theta_derivative(x / (x + y), [x, y], K.zero).tolist()
    [x*y/(x**2 + 2*x*y + y**2), -x*y/(x**2 + 2*x*y + y**2)]
    """
    arr = np.asarray(y, dtype=object)
    index = [zero.field.gens.index(xk) for xk in x]
    out = np.empty(arr.shape + (len(x),), dtype=object)
    for idx in np.ndindex(*arr.shape):
        e = arr[idx]
        out[idx] = [e.log_diff_x(i) if isinstance(e, Frac) else zero for i in index]
    return out
