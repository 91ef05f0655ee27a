"""Exact rationals on python-flint: :class:`Q`, a ``flint.fmpq`` that behaves like :class:`fractions.Fraction`.

``fractions.Fraction`` does its arithmetic and gcds in Python; at the exact
random points of the checker (coordinates of 32 bits, numbers growing through
the Bellman solve and the trajectory sums) that was most of the exact method's
time.  ``fmpq`` does the same in C, but it does not mix with ``Fraction``
(``fmpq(1, 3) == Fraction(1, 3)`` is False, ``fmpq + Fraction`` raises), so a
bare ``fmpq`` in a claim that also holds a ``Fraction`` constant would be
unsound.  :class:`Q` wraps it:

* it mixes with ``int``, ``bool``, ``Fraction``, ``fmpq``, ``fmpz``, NumPy
  integers and NumPy booleans (``np.bool_`` is 0 or 1, as ``bool`` is for
  ``Fraction``: a boolean one-hot array times exact values works), on either
  side of every operator ``+ − × / // % divmod **`` and every comparison, as
  ``Fraction`` does; it is registered as a :class:`numbers.Rational` (with int
  ``numerator`` and ``denominator``), so ``Fraction`` meets it exactly
  (``Fraction(1, 3) == Q(1, 3)``, ``Fraction(1, 2) + Q(1, 3) == Q(5, 6)``,
  comparisons exact);
* a float or complex operand raises ``TypeError`` (:class:`InexactOperandError`),
  and so does a power whose value is irrational in general (a non-integer
  exponent), where ``Fraction`` would return a float: an inexact number never
  enters exact arithmetic;
* an ``ndarray`` operand gives ``NotImplemented``, so NumPy applies the
  operation elementwise.

>>> from fractions import Fraction
>>> Q(1, 3) + Fraction(1, 6) == Fraction(1, 2)
True
>>> Fraction(2, 3) < Q(3, 4)
True
>>> str(Q(6, 4)), repr(Q(6, 4))
('3/2', 'Q(3, 2)')
>>> import numpy as np
>>> (np.array([True, False]) * np.array([Q(1, 3), Q(2, 3)], dtype=object)).tolist()
[Q(1, 3), Q(0)]
"""

from __future__ import annotations

import numbers
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from numeric.errors import InexactOperandError

__all__ = ["Q", "to_q"]

_fmpq = flint.fmpq


def _of(x: Any) -> Any:
    """x as an fmpq, None when x is not an exact rational (an array, another type)."""
    t = type(x)
    if t is Q:
        return x.v
    if t is int or t is flint.fmpz:
        return _fmpq(x)
    if t is Fraction:
        return _fmpq(x.numerator, x.denominator)
    if t is _fmpq:
        return x
    if isinstance(x, (int, np.integer, np.bool_)):  # bool and np.bool_ are 0 or 1, as bool is for Fraction
        return _fmpq(int(x))
    if isinstance(x, (float, complex, np.floating, np.complexfloating)):
        raise InexactOperandError(f"the float {x!r} cannot enter exact rational arithmetic (an exact value is "
                                  f"never combined with a rounded one)")
    if isinstance(x, Fraction):
        return _fmpq(x.numerator, x.denominator)
    return None


def _quotient(a: Any, b: Any) -> Any:
    """a / b of two fmpq, ZeroDivisionError for b = 0."""
    if b == 0:
        raise ZeroDivisionError("division by zero")
    return a / b


def _power(base: Any, exponent: Any, shown: Any) -> Any:
    """baseᵉ of two fmpq for an integral e; a non-integral e has no exact value in general, and is refused.

    ``Fraction`` returns a float there; an exact value is never combined with a rounded one.
    """
    if base == 0 and exponent < 0:
        raise ZeroDivisionError("zero to a negative power")
    if exponent.q != 1:
        raise InexactOperandError(f"the power with exponent {shown!r} is not an integer power: its value is "
                                  f"irrational in general and cannot enter exact rational arithmetic")
    return base ** int(exponent.p)


_new = object.__new__


def _wrap(v: Any) -> "Q":
    out = _new(Q)
    out.v = v
    return out


class Q:
    """An exact rational (``flint.fmpq``); see the module docstring."""

    __slots__ = ("v",)

    def __init__(self, numerator: Any = 0, denominator: Any = 1) -> None:
        n, d = _of(numerator), _of(denominator)
        if n is None or d is None:
            raise TypeError(f"Q({numerator!r}, {denominator!r}): need exact rationals")
        if d == 0:
            raise ZeroDivisionError(f"Q({numerator!r}, 0)")
        self.v = n / d

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Any:
        t = type(other)
        if t is Q:
            out = _new(Q)
            out.v = self.v + other.v
            return out
        if t is int:
            out = _new(Q)
            out.v = self.v + other
            return out
        o = _of(other)
        return NotImplemented if o is None else _wrap(self.v + o)

    def __radd__(self, other: Any) -> Any:
        if type(other) is int:
            out = _new(Q)
            out.v = other + self.v
            return out
        o = _of(other)
        return NotImplemented if o is None else _wrap(o + self.v)

    def __sub__(self, other: Any) -> Any:
        t = type(other)
        if t is Q:
            out = _new(Q)
            out.v = self.v - other.v
            return out
        if t is int:
            out = _new(Q)
            out.v = self.v - other
            return out
        o = _of(other)
        return NotImplemented if o is None else _wrap(self.v - o)

    def __rsub__(self, other: Any) -> Any:
        if type(other) is int:
            out = _new(Q)
            out.v = other - self.v
            return out
        o = _of(other)
        return NotImplemented if o is None else _wrap(o - self.v)

    def __mul__(self, other: Any) -> Any:
        t = type(other)
        if t is Q:
            out = _new(Q)
            out.v = self.v * other.v
            return out
        if t is int:
            out = _new(Q)
            out.v = self.v * other
            return out
        o = _of(other)
        return NotImplemented if o is None else _wrap(self.v * o)

    def __rmul__(self, other: Any) -> Any:
        if type(other) is int:
            out = _new(Q)
            out.v = other * self.v
            return out
        o = _of(other)
        return NotImplemented if o is None else _wrap(o * self.v)

    def __truediv__(self, other: Any) -> Any:
        t = type(other)
        if t is Q or t is int:  # the common cases, without the conversion
            o = other.v if t is Q else other
            if o == 0:
                raise ZeroDivisionError("division by zero")
            out = _new(Q)
            out.v = self.v / o
            return out
        o = _of(other)
        if o is None:
            return NotImplemented
        if o == 0:
            raise ZeroDivisionError("division by zero")
        return _wrap(self.v / o)

    def __rtruediv__(self, other: Any) -> Any:
        o = _of(other)
        if o is None:
            return NotImplemented
        if self.v == 0:
            raise ZeroDivisionError("division by zero")
        return _wrap(o / self.v)

    def __floordiv__(self, other: Any) -> Any:
        """⌊self / other⌋, an int (as for ``Fraction``)."""
        o = _of(other)
        return NotImplemented if o is None else int(_quotient(self.v, o).floor())

    def __rfloordiv__(self, other: Any) -> Any:
        o = _of(other)
        return NotImplemented if o is None else int(_quotient(o, self.v).floor())

    def __mod__(self, other: Any) -> Any:
        """self − other·⌊self / other⌋ (the sign of ``other``, as for ``Fraction``)."""
        o = _of(other)
        return NotImplemented if o is None else _wrap(self.v - o * _quotient(self.v, o).floor())

    def __rmod__(self, other: Any) -> Any:
        o = _of(other)
        return NotImplemented if o is None else _wrap(o - self.v * _quotient(o, self.v).floor())

    def __divmod__(self, other: Any) -> Any:
        o = _of(other)
        if o is None:
            return NotImplemented
        k = _quotient(self.v, o).floor()
        return int(k), _wrap(self.v - o * k)

    def __rdivmod__(self, other: Any) -> Any:
        o = _of(other)
        if o is None:
            return NotImplemented
        k = _quotient(o, self.v).floor()
        return int(k), _wrap(o - self.v * k)

    def __pow__(self, k: Any) -> Any:
        """selfᵏ for an integer k (an int, a bool, a NumPy integer or an integral rational); else refused."""
        o = _of(k)
        return NotImplemented if o is None else _wrap(_power(self.v, o, k))

    def __rpow__(self, base: Any) -> Any:
        o = _of(base)
        return NotImplemented if o is None else _wrap(_power(o, self.v, self))

    def __neg__(self) -> "Q":
        return _wrap(-self.v)

    def __pos__(self) -> "Q":
        return self

    def __abs__(self) -> "Q":
        return _wrap(abs(self.v))

    # ------------------------------------------------------------ comparison
    def __eq__(self, other: object) -> Any:
        if type(other) is Q:
            return bool(self.v == other.v)  # type: ignore[attr-defined]
        o = _of(other)
        return NotImplemented if o is None else bool(self.v == o)

    def __ne__(self, other: object) -> Any:
        o = _of(other)
        return NotImplemented if o is None else bool(self.v != o)

    def __lt__(self, other: Any) -> Any:
        o = _of(other)
        return NotImplemented if o is None else bool(self.v < o)

    def __le__(self, other: Any) -> Any:
        o = _of(other)
        return NotImplemented if o is None else bool(self.v <= o)

    def __gt__(self, other: Any) -> Any:
        o = _of(other)
        return NotImplemented if o is None else bool(self.v > o)

    def __ge__(self, other: Any) -> Any:
        o = _of(other)
        return NotImplemented if o is None else bool(self.v >= o)

    def __bool__(self) -> bool:
        return self.v != 0

    def __hash__(self) -> int:
        return hash(Fraction(int(self.v.p), int(self.v.q)))

    # ------------------------------------------------------------ conversion
    @property
    def numerator(self) -> int:
        return int(self.v.p)

    @property
    def denominator(self) -> int:
        return int(self.v.q)

    def __floor__(self) -> int:
        return int(self.v.floor())

    def __ceil__(self) -> int:
        return int(self.v.ceil())

    def __trunc__(self) -> int:
        return int(self)

    def __float__(self) -> float:
        return float(self.v)

    def __int__(self) -> int:
        return int(self.v.p) // int(self.v.q) if self.v >= 0 else -((-int(self.v.p)) // int(self.v.q))

    def fraction(self) -> Fraction:
        return Fraction(int(self.v.p), int(self.v.q))

    def __str__(self) -> str:
        return str(self.v)

    def __repr__(self) -> str:
        q = int(self.v.q)
        return f"Q({int(self.v.p)})" if q == 1 else f"Q({int(self.v.p)}, {q})"


numbers.Rational.register(Q)


def to_q(a: Any) -> np.ndarray:
    """An object array of :class:`Q` from an array of ints or Fractions (same shape).

    >>> to_q([[1, 2]]).tolist()
    [[Q(1), Q(2)]]
    """
    arr = np.asarray(a, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    out.ravel()[:] = [_wrap(_of(x)) if _of(x) is not None else _bad(x) for x in arr.ravel()]
    return out


def _bad(x: Any) -> Any:
    raise TypeError(f"{x!r} ({type(x).__name__}) is not an exact rational")
