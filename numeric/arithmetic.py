"""The arithmetics one statement is evaluated in, and their linear solves.

An :class:`Arithmetic` names the number type of a model's arrays and supplies
the one non-elementwise operation the models need: solving the Bellman system
M x = b together with the adjoint system Mᵀ y = c, sharing one factorisation.

* ``FLOAT64`` — NumPy float64 (``np.linalg``; SciPy's LU when installed);
* ``EXACT`` — object arrays of exact rationals (:class:`fractions.Fraction`,
  or python-flint ``fmpq`` where it is hot, :mod:`numeric.flint_exact`), LU;
* ``DEGREE`` — object arrays of :class:`Degree`, which track a bound on the
  total degree of numerator and denominator of a rational function of the
  random-point coordinates; the Schwartz–Zippel bound of an exact check;
* ``symbolic.family.SYMBOLIC`` — object arrays of rational functions of a
  family's symbols (:class:`symbolic.flint_field.Frac`, python-flint
  ``fmpz_mpoly`` pairs, for every family; SymPy's field, :class:`symbolic.field.Rat`,
  remains for callers who build their own SymPy models);
* ``numeric.modular.MODULAR`` — residues mod a 61-bit prime, for scale
  (``flint.nmod``; whole-matrix solves by ``nmod_mat``, :mod:`numeric.flint_modular`).

The interface every arithmetic honours (what claims, derivations and the
notation wing may rely on): a :class:`numeric.model.Model`'s arrays are NumPy
arrays — ``float64``, or ``dtype=object`` holding the arithmetic's scalars —
and its scalars (``lam``, ``U``, entries) support

* ``+ − * /`` and ``**`` (integer exponents) with each other and with Python
  ints, :class:`fractions.Fraction` and ``flint.fmpq`` (a float is refused by
  the exact arithmetics: it never enters exact or symbolic arithmetic);
* on arrays: broadcasting, ``@``, ``.sum(axis)``, ``np.einsum`` (object arrays,
  NumPy ≥ 1.25), indexing and fancy indexing;
* ``x == 0`` / ``x == y``: exact in every exact arithmetic (in the symbolic one,
  equality of rational functions: a proof for every parameter value);
  ``<, <=, >, >=`` only where the values are numbers (not in ``SYMBOLIC``);
* ``model.derivative(x)`` (∂/∂θ of any array built from the model, a trailing
  axis K) in the symbolic arithmetic; the reference ∇U everywhere.

Scalars of an exact arithmetic return ``NotImplemented`` for an ``ndarray``
operand, so ``scalar * array`` is applied elementwise by NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

__all__ = ["Arithmetic", "FLOAT64", "EXACT", "DEGREE", "Degree", "lu_solve_pair", "MIXED_PRECISION_MIN_SIZE"]


@dataclass(frozen=True)
class Arithmetic:
    """A number type for a model: its name, whether equality is exact, and its solver."""

    name: str
    exact: bool
    solve_pair: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


#: From this size on the float64 solve factorises in float32 and refines in float64 (LAPACK's ``dsgesv``
#: strategy, here with the one factorisation shared by M x = b and Mᵀ y = c): float64 accuracy, certified by
#: each residual, for the price of a float32 LU (about 0.6 of a float64 one at S = 1000).  Below it, or when
#: the refinement does not certify within :data:`REFINEMENT_STEPS`, one float64 LU.
MIXED_PRECISION_MIN_SIZE = 256
REFINEMENT_STEPS = 30


def _float_solve_pair(M: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(M⁻¹b, M⁻ᵀc) in float64; one LU factorisation with SciPy, two solves without.

    The operands may be object arrays holding floats (the continuous-action
    models build them so); both paths convert them to float64 first, so the
    result does not depend on whether SciPy is installed.  From
    :data:`MIXED_PRECISION_MIN_SIZE` on (SciPy installed), :func:`_refined_solve_pair`.
    """
    M, b, c = (np.asarray(x, dtype=np.float64) for x in (M, b, c))
    try:
        from scipy.linalg import lu_factor, lu_solve
    except ImportError:
        return np.linalg.solve(M, b), np.linalg.solve(M.T, c)
    if M.shape[0] >= MIXED_PRECISION_MIN_SIZE:
        refined = _refined_solve_pair(M, b, c)
        if refined is not None:
            return refined
    lu = lu_factor(M.T, check_finite=False)  # Mᵀ of a C-ordered M is Fortran-ordered: no copy
    return lu_solve(lu, b, trans=1, check_finite=False), lu_solve(lu, c, check_finite=False)


def _refined_solve_pair(M: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(M⁻¹b, M⁻ᵀc) by a float32 LU of M and float64 iterative refinement, or None when it does not certify.

    Each solution x is accepted when its float64 residual meets LAPACK ``dsgesv``'s test
    ‖b − Mx‖∞ < ‖x‖∞ ‖M‖∞ ε √n (ε the float64 machine epsilon) — the backward error of a float64 solve —
    within :data:`REFINEMENT_STEPS` corrections; a Bellman matrix I − λP_π has κ∞ ≤ (1 + λ)/(1 − λ), and
    each correction shrinks the error by about κ·2⁻²⁴.  A singular float32 factor, a non-finite value or
    no certificate gives None (the caller falls back to a float64 LU).
    """
    from scipy.linalg import lapack

    n = M.shape[0]
    norm = np.abs(M).sum(axis=1).max()  # ‖M‖∞, which bounds every entry
    if not norm < np.finfo(np.float32).max:
        return None
    lu, piv, info = lapack.sgetrf(M.T.astype(np.float32), overwrite_a=True)  # Fortran-ordered Mᵀ, as LAPACK reads it
    if info != 0:
        return None
    bound = norm * np.finfo(np.float64).eps * np.sqrt(n)

    def solve(rhs: np.ndarray, trans: int, times: Callable[[np.ndarray], np.ndarray]) -> np.ndarray | None:
        rhs2 = rhs.reshape(n, -1)
        x = np.zeros_like(rhs2)
        residual = rhs2
        for _ in range(REFINEMENT_STEPS + 1):
            step, info = lapack.sgetrs(lu, piv, residual.astype(np.float32), trans=trans)
            if info != 0:
                return None
            x = x + step
            residual = rhs2 - times(x)
            if not np.isfinite(residual).all():
                return None
            if np.abs(residual).max() < np.abs(x).max() * bound or not residual.any():
                return x.reshape(rhs.shape)
        return None

    v = solve(b, 1, lambda x: M @ x)      # the factor is of Mᵀ: M x = b is its transposed system
    w = solve(c, 0, lambda y: M.T @ y)
    return None if v is None or w is None else (v, w)


def lu_solve_pair(M: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(M⁻¹b, M⁻ᵀc) over any exact field held in object arrays.

    Doolittle LU with row pivoting on the first non-zero entry (in an exact
    field any non-zero pivot is as good as another).  ``b`` and ``c`` may be
    vectors ``(n,)`` or matrices ``(n, m)``.  Raises ``ZeroDivisionError`` if M
    is singular.
    """
    n = M.shape[0]
    A = [list(row) for row in M]
    perm = list(range(n))
    for k in range(n):
        p = next((i for i in range(k, n) if A[i][k] != 0), None)
        if p is None:
            raise ZeroDivisionError("singular matrix")
        if p != k:
            A[k], A[p] = A[p], A[k]
            perm[k], perm[p] = perm[p], perm[k]
        inv = 1 / A[k][k]
        row_k = A[k]
        for i in range(k + 1, n):
            if A[i][k] != 0:
                f = A[i][k] * inv
                row_i = A[i]
                row_i[k] = f
                for j in range(k + 1, n):
                    if row_k[j] != 0:
                        row_i[j] = row_i[j] - f * row_k[j]
    # M[perm] = L U, L unit lower (stored below the diagonal), U upper.
    x = _lu_apply(A, np.asarray(b, dtype=object)[perm], n)
    # Mᵀ y = c  ⇔  Uᵀ Lᵀ (P y) = c with P the row permutation.
    y_perm = _lu_apply_transposed(A, np.asarray(c, dtype=object), n)
    y = np.empty_like(y_perm)
    y[perm] = y_perm
    return x, y


def _lu_apply(A: list, b: np.ndarray, n: int) -> np.ndarray:
    z = [b[i] for i in range(n)]
    for i in range(n):
        for j in range(i):
            if A[i][j] != 0:
                z[i] = z[i] - A[i][j] * z[j]
    for i in reversed(range(n)):
        for j in range(i + 1, n):
            if A[i][j] != 0:
                z[i] = z[i] - A[i][j] * z[j]
        z[i] = z[i] / A[i][i]
    return _stack(z, b)


def _lu_apply_transposed(A: list, c: np.ndarray, n: int) -> np.ndarray:
    z = [c[i] for i in range(n)]
    for i in range(n):  # Uᵀ z = c (lower triangular)
        for j in range(i):
            if A[j][i] != 0:
                z[i] = z[i] - A[j][i] * z[j]
        z[i] = z[i] / A[i][i]
    for i in reversed(range(n)):  # Lᵀ y = z (unit upper triangular)
        for j in range(i + 1, n):
            if A[j][i] != 0:
                z[i] = z[i] - A[j][i] * z[j]
    return _stack(z, c)


def _stack(rows: list, like: np.ndarray) -> np.ndarray:
    out = np.empty(like.shape, dtype=object)
    for i, row in enumerate(rows):
        out[i] = row
    return out


class _Defer(Exception):
    """Raised by :meth:`Degree.of` on an array operand; turned into NotImplemented."""


def _binary(method: Callable[["Degree", Any], "Degree"]) -> Callable[["Degree", Any], Any]:
    def wrapped(self: "Degree", other: Any) -> Any:
        try:
            return method(self, other)
        except _Defer:
            return NotImplemented
    wrapped.__name__ = method.__name__
    return wrapped


class Degree:
    """An upper bound (num, den) on the total degrees of a rational function n/d.

    Arithmetic on bounds follows the arithmetic on fractions: n₁/d₁ + n₂/d₂ has
    numerator degree ≤ max(n₁+d₂, n₂+d₁) and denominator degree ≤ d₁+d₂, and so
    on.  The exact zero is tracked so that structural zeros cost nothing.
    Integer constants have degree (0, 0).

    >>> x = Degree(1, 0)
    >>> (x / (x + 1)) * x
    Degree(2, 1)
    """

    __slots__ = ("num", "den", "zero")

    def __init__(self, num: int, den: int, zero: bool = False) -> None:
        self.num, self.den, self.zero = num, den, zero

    @staticmethod
    def of(x: Any) -> "Degree":
        if isinstance(x, Degree):
            return x
        if isinstance(x, np.ndarray):  # `Degree op array`: NumPy applies it elementwise
            raise _Defer
        return Degree(0, 0, zero=bool(x == 0))

    @_binary
    def __add__(self, other: Any) -> "Degree":
        o = Degree.of(other)
        if o.zero:
            return self
        if self.zero:
            return o
        return Degree(max(self.num + o.den, o.num + self.den), self.den + o.den)

    __radd__ = __add__

    @_binary
    def __sub__(self, other: Any) -> "Degree":
        return self + other

    @_binary
    def __rsub__(self, other: Any) -> "Degree":
        return Degree.of(other) + self

    def __neg__(self) -> "Degree":
        return self

    @_binary
    def __mul__(self, other: Any) -> "Degree":
        o = Degree.of(other)
        if o.zero or self.zero:
            return Degree(0, 0, zero=True)
        return Degree(self.num + o.num, self.den + o.den)

    __rmul__ = __mul__

    @_binary
    def __truediv__(self, other: Any) -> "Degree":
        o = Degree.of(other)
        if self.zero:
            return self
        return Degree(self.num + o.den, self.den + o.num)

    @_binary
    def __rtruediv__(self, other: Any) -> "Degree":
        return Degree.of(other) / self

    def __pow__(self, k: int) -> "Degree":
        if k < 0:
            return Degree(self.den * -k, self.num * -k)
        return Degree(self.num * k, self.den * k, zero=self.zero and k > 0)

    def __eq__(self, other: object) -> bool:  # a degree bound never proves an equality
        return isinstance(other, Degree) and (self.num, self.den, self.zero) == (other.num, other.den, other.zero)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "Degree(zero)" if self.zero else f"Degree({self.num}, {self.den})"


def _degree_solve(M: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Degree bound of M⁻¹b by Cramer's rule after clearing each row's denominators."""
    n = M.shape[0]
    B = b.reshape(n, -1)
    total = 0
    for i in range(n):
        entries = [Degree.of(x) for x in M[i]] + [Degree.of(x) for x in B[i]]
        den = sum(e.den for e in entries if not e.zero)
        total += max((e.num + den - e.den for e in entries if not e.zero), default=0)
    out = np.empty(B.shape, dtype=object)
    for idx in np.ndindex(*B.shape):
        out[idx] = Degree(total, total)
    return out.reshape(b.shape)


def _degree_solve_pair(M: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _degree_solve(M, b), _degree_solve(M.T, c)


FLOAT64 = Arithmetic("float64", exact=False, solve_pair=_float_solve_pair)
EXACT = Arithmetic("exact", exact=True, solve_pair=lu_solve_pair)
DEGREE = Arithmetic("degree", exact=True, solve_pair=_degree_solve_pair)
