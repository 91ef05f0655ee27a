"""Forward-mode dual numbers over any field: exact derivatives by evaluation.

A :class:`Dual` is x + Σ_k ẋ_k ε_k with ε_j ε_k = 0: evaluating a rational
function on duals seeded with ẋ = e_k gives its value and its exact partial
derivatives, in whatever arithmetic the values live in (float, Fraction,
SymPy field elements).  This is how the continuous-action models obtain the
reference gradient ∇θU: by differentiating U(θ) itself, never through an
identity under test.

>>> from fractions import Fraction
>>> x = variables([Fraction(2)])[0]
>>> y = (x * x + 1) / x          # y = x + 1/x, dy/dx = 1 − 1/x²
>>> value(y), tangent(y)
(Fraction(5, 2), array([Fraction(3, 4)], dtype=object))
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Dual", "variables", "seeded", "value", "tangent", "solve"]


class Dual:
    """A value with a vector of K partial derivatives (``du``, a tuple)."""

    __slots__ = ("re", "du")

    def __init__(self, re: Any, du: tuple[Any, ...]) -> None:
        self.re, self.du = re, tuple(du)

    def _split(self, other: Any) -> tuple[Any, tuple[Any, ...] | None] | None:
        if isinstance(other, Dual):
            return other.re, other.du
        if isinstance(other, np.ndarray):
            return None  # NumPy applies the operation elementwise
        return other, None

    def __add__(self, other: Any) -> Any:
        o = self._split(other)
        if o is None:
            return NotImplemented
        re, du = o
        return Dual(self.re + re, self.du if du is None else tuple(a + b for a, b in zip(self.du, du)))

    __radd__ = __add__

    def __neg__(self) -> "Dual":
        return Dual(-self.re, tuple(-a for a in self.du))

    def __pos__(self) -> "Dual":
        return self

    def __sub__(self, other: Any) -> Any:
        o = self._split(other)
        if o is None:
            return NotImplemented
        re, du = o
        return Dual(self.re - re, self.du if du is None else tuple(a - b for a, b in zip(self.du, du)))

    def __rsub__(self, other: Any) -> Any:
        return (-self) + other

    def __mul__(self, other: Any) -> Any:
        o = self._split(other)
        if o is None:
            return NotImplemented
        re, du = o
        if du is None:
            return Dual(self.re * re, tuple(a * re for a in self.du))
        return Dual(self.re * re, tuple(a * re + self.re * b for a, b in zip(self.du, du)))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Any:
        o = self._split(other)
        if o is None:
            return NotImplemented
        re, du = o
        quotient = self.re / re
        if du is None:
            return Dual(quotient, tuple(a / re for a in self.du))
        return Dual(quotient, tuple((a - quotient * b) / re for a, b in zip(self.du, du)))

    def __rtruediv__(self, other: Any) -> Any:
        o = self._split(other)
        if o is None:
            return NotImplemented
        return Dual(o[0], tuple(a * 0 for a in self.du)) / self

    def __pow__(self, k: int) -> "Dual":
        if not isinstance(k, int) or k < 0:
            raise TypeError(f"Dual ** {k!r}: only non-negative integer powers are supported")
        out: Any = Dual(self.re * 0 + 1, tuple(a * 0 for a in self.du))
        for _ in range(k):
            out = out * self
        return out

    def __eq__(self, other: object) -> bool:  # equal as dual numbers: value and every derivative
        o = self._split(other)
        if o is None:
            return NotImplemented  # type: ignore[return-value]
        re, du = o
        return bool(self.re == re) and all(a == (0 if du is None else b) for a, b in
                                           zip(self.du, du if du is not None else self.du))

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Dual({self.re!r}, {self.du!r})"


def variables(x: Any) -> np.ndarray:
    """Seed duals for the coordinates of ``x`` (shape ``(K,)``): xₖ + εₖ."""
    x = list(np.asarray(x, dtype=object).ravel())
    K = len(x)
    out = np.empty(K, dtype=object)
    for k, xk in enumerate(x):
        out[k] = Dual(xk, tuple(xk * 0 + (1 if j == k else 0) for j in range(K)))
    return out


def seeded(x: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """Duals x + Σ_k dx[..., k] ε_k: the entries of ``x`` (any shape) with given tangents ``dx`` (shape x.shape + (K,)).

    Seeding a policy's probabilities π[s, a] with their Jacobian ∇θπ[s, a, k] and
    evaluating U(θ) on them differentiates U with respect to θ by the chain rule.
    """
    x = np.asarray(x, dtype=object)
    if np.shape(dx)[:-1] != x.shape:
        raise ValueError(f"seeded: tangents of shape {np.shape(dx)} do not extend values of shape {x.shape}")
    out = np.empty(x.shape, dtype=object)
    for idx in np.ndindex(*x.shape):
        out[idx] = Dual(x[idx], tuple(dx[idx]))
    return out


def solve(M: np.ndarray, b: np.ndarray) -> np.ndarray:
    """M⁻¹b by Gaussian elimination over any field, duals included (``M`` (n, n), ``b`` (n,) or (n, m)).

    The pivot of column k is the first row whose *value* part is non-zero: a dual with
    value 0 is not invertible even if its derivatives are not 0.  Raises
    ``ZeroDivisionError`` when M's value part is singular.

    >>> from fractions import Fraction
    >>> x = variables([Fraction(1, 2)])[0]            # λ = 1/2 + ε
    >>> v = solve(np.array([[1 - x]], dtype=object), np.array([1], dtype=object))
    >>> value(v[0]), tangent(v[0])[0]                 # 1/(1 − λ) and its derivative 1/(1 − λ)²
    (Fraction(2, 1), Fraction(4, 1))
    """
    n = M.shape[0]
    A = [list(row) for row in np.asarray(M, dtype=object)]
    B = [list(np.atleast_1d(row)) for row in np.asarray(b, dtype=object).reshape(n, -1)]
    for k in range(n):
        p = next((i for i in range(k, n) if _value_of(A[i][k]) != 0), None)
        if p is None:
            raise ZeroDivisionError("singular matrix")
        A[k], A[p], B[k], B[p] = A[p], A[k], B[p], B[k]
        for i in range(k + 1, n):
            f = A[i][k] / A[k][k]
            A[i] = [A[i][j] - f * A[k][j] if j > k else A[i][j] for j in range(n)]
            B[i] = [B[i][j] - f * B[k][j] for j in range(len(B[i]))]
    X: list[list[Any]] = [[] for _ in range(n)]
    for i in reversed(range(n)):
        row = list(B[i])
        for j in range(i + 1, n):
            row = [r - A[i][j] * x for r, x in zip(row, X[j])]
        X[i] = [r / A[i][i] for r in row]
    out = np.empty((n, len(X[0]) if n else 0), dtype=object)
    for i in range(n):
        for j, x in enumerate(X[i]):
            out[i, j] = x
    return out.reshape(np.shape(b))


def _value_of(x: Any) -> Any:
    return x.re if isinstance(x, Dual) else x


def value(x: Any) -> Any:
    """The value part of a dual, or of every entry of an array (constants pass through)."""
    if isinstance(x, np.ndarray):
        out = np.empty(x.shape, dtype=object)
        for idx in np.ndindex(*x.shape):
            out[idx] = value(x[idx])
        return out
    return x.re if isinstance(x, Dual) else x


def tangent(x: Any, K: int | None = None) -> np.ndarray:
    """The derivatives of a dual (shape ``(K,)``), or of an array (shape ``x.shape + (K,)``).

    A constant entry has derivative 0; ``K`` is needed only when no entry is a dual.
    """
    arr = np.asarray(x, dtype=object)
    if K is None:
        K = next((len(e.du) for e in arr.ravel() if isinstance(e, Dual)), None)
        if K is None:
            raise ValueError("tangent: no entry is a Dual, so the number of derivatives K must be given")
    out = np.empty(arr.shape + (K,), dtype=object)
    for idx in np.ndindex(*arr.shape):
        e = arr[idx]
        out[idx] = list(e.du) if isinstance(e, Dual) else [e * 0] * K
    return out
