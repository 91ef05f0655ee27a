"""Elements of a field of rational functions that mix with NumPy arrays.

SymPy's ``FracElement`` raises when multiplied by an ``ndarray`` on its left
(``lam * P``); :class:`Rat` wraps it and returns ``NotImplemented`` for
anything that is not a field element or a rational number, so NumPy applies
the operation elementwise.  Equality is exact: elements are kept cancelled.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

__all__ = ["Rat"]


class Rat:
    """A rational function (SymPy ``FracElement``) usable inside object arrays.

    >>> from sympy import QQ, symbols
    >>> K = QQ.frac_field(*symbols("a b")).field
    >>> a, b = (Rat(g) for g in K.gens)
    >>> (a / (a + b) + b / (a + b)) == 1
    True
    """

    __slots__ = ("e",)

    def __init__(self, e: Any) -> None:
        self.e = e

    def _coerce(self, other: Any) -> Any:
        if isinstance(other, Rat):
            return other.e
        if isinstance(other, int):
            return self.e.field(other)
        if isinstance(other, Fraction):
            return self.e.field(other.numerator) / other.denominator
        return None

    def __add__(self, other: Any) -> Any:
        o = self._coerce(other)
        return NotImplemented if o is None else Rat(self.e + o)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        o = self._coerce(other)
        return NotImplemented if o is None else Rat(self.e - o)

    def __rsub__(self, other: Any) -> Any:
        o = self._coerce(other)
        return NotImplemented if o is None else Rat(o - self.e)

    def __mul__(self, other: Any) -> Any:
        o = self._coerce(other)
        return NotImplemented if o is None else Rat(self.e * o)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Any:
        o = self._coerce(other)
        return NotImplemented if o is None else Rat(self.e / o)

    def __rtruediv__(self, other: Any) -> Any:
        o = self._coerce(other)
        return NotImplemented if o is None else Rat(o / self.e)

    def __pow__(self, k: int) -> "Rat":
        return Rat(self.e ** k)

    def __neg__(self) -> "Rat":
        return Rat(-self.e)

    def __pos__(self) -> "Rat":
        return self

    def __eq__(self, other: object) -> bool:
        o = self._coerce(other)
        return NotImplemented if o is None else bool(self.e == o)  # type: ignore[return-value]

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __bool__(self) -> bool:
        return bool(self.e)

    __hash__ = None  # type: ignore[assignment]

    def diff(self, x: "Rat") -> "Rat":
        return Rat(self.e.diff(x.e))

    def __repr__(self) -> str:
        return str(self.e)
