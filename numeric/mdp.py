"""The finite, stationary, discounted MDP of the post: a validated, frozen record."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from numeric._arrays import as_array, is_exact_scalar, show
from numeric.errors import InvalidMDPError

__all__ = ["FiniteMDP", "STOCHASTIC_ATOL", "stochastic_atol"]

#: How far a float64 row of ``P`` (or an initial distribution) may sum from 1.
#: Rows built by normalising in float64 are within a few ulps of 1; 1e-9 leaves
#: room for user-side rounding while still catching a typo in the third digit.
STOCHASTIC_ATOL = 1e-9


@dataclass(frozen=True, eq=False)
class FiniteMDP:
    """𝓜 = (𝓢, 𝓐, P, r) with discount λ and initial state s⁰ (or distribution μ).

    Attributes:
      P: transition kernel, ``P[s, a, s'] = 𝓟_s^a(s')``, shape ``(S, A, S)``.
      r: reward, ``r[s, a]``, shape ``(S, A)``.
      discount: λ ∈ [0, 1).
      initial: the initial state s⁰ (an index) or a distribution over states,
        shape ``(S,)``.

    Arrays of ``int``/``Fraction`` stay exact (object arrays of Fractions),
    anything else becomes float64.  The record is immutable and validated at
    construction; bad input raises :class:`InvalidMDPError` naming the argument.

    >>> from fractions import Fraction as F
    >>> mdp = FiniteMDP(P=[[[F(1, 2), F(1, 2)]], [[0, 1]]], r=[[1], [0]], discount=F(9, 10))
    >>> mdp.num_states, mdp.num_actions, mdp.exact
    (2, 1, True)
    >>> FiniteMDP(P=[[[0.5, 0.4]]], r=[[0.0]], discount=0.9)
    Traceback (most recent call last):
    ...
    numeric.errors.InvalidMDPError: P must have shape (S, A, S) with matching first and last axes, got (1, 1, 2)
    """

    P: np.ndarray
    r: np.ndarray
    discount: float | Fraction
    initial: int | np.ndarray = 0

    def __post_init__(self) -> None:
        atol = stochastic_atol(getattr(self.P, "dtype", None), np.shape(self.P)[-1] if np.ndim(self.P) else 1)
        P = as_array(self.P, "P", InvalidMDPError)
        r = as_array(self.r, "r", InvalidMDPError)
        lam = _scalar(self.discount, "discount")
        exact = P.dtype == object and r.dtype == object and is_exact_scalar(lam)
        if isinstance(self.initial, (int, np.integer)) and not isinstance(self.initial, bool):
            initial: int | np.ndarray = int(self.initial)
        elif np.ndim(self.initial) == 0:
            raise InvalidMDPError(f"initial must be a state index (an int) or a distribution over the states, "
                                  f"got {self.initial!r}")
        else:
            initial = as_array(self.initial, "initial", InvalidMDPError)
            exact = exact and initial.dtype == object
        if not exact:
            P, r = as_array(P, "P", InvalidMDPError, exact=False), as_array(r, "r", InvalidMDPError, exact=False)
            lam = float(lam)
            if not isinstance(initial, int):
                initial = as_array(initial, "initial", InvalidMDPError, exact=False)
        _validate(P, r, lam, initial, atol)
        object.__setattr__(self, "P", P)
        object.__setattr__(self, "r", r)
        object.__setattr__(self, "discount", lam)
        object.__setattr__(self, "initial", initial)

    @property
    def num_states(self) -> int:
        return self.P.shape[0]

    @property
    def num_actions(self) -> int:
        return self.P.shape[1]

    @property
    def exact(self) -> bool:
        """True when every entry is an exact rational."""
        return self.P.dtype == object

    @property
    def mu0(self) -> np.ndarray:
        """The initial distribution μ[s], shape ``(S,)`` (one-hot at s⁰ for an index)."""
        if isinstance(self.initial, int):
            mu = np.zeros(self.num_states, dtype=object if self.exact else np.float64)
            if self.exact:
                mu[:] = [Fraction(0)] * self.num_states
                mu[self.initial] = Fraction(1)
            else:
                mu[self.initial] = 1.0
            return mu
        return self.initial

    def to_float(self) -> "FiniteMDP":
        """The same MDP in float64."""
        if not self.exact:
            return self
        init = self.initial if isinstance(self.initial, int) else self.initial.astype(np.float64)
        return FiniteMDP(self.P.astype(np.float64), self.r.astype(np.float64), float(self.discount), init)

    def __repr__(self) -> str:
        return (f"FiniteMDP(P={_nested(self.P)}, r={_nested(self.r)}, discount={_fmt(self.discount)}, "
                f"initial={self.initial if isinstance(self.initial, int) else _nested(self.initial)})")


def _fmt(x: Any) -> str:
    return f"F({x.numerator}, {x.denominator})" if isinstance(x, Fraction) and x.denominator != 1 else (
        str(int(x)) if isinstance(x, Fraction) else repr(float(x)))


def _nested(a: Any) -> str:
    a = np.asarray(a, dtype=object)
    if a.ndim == 0:
        return _fmt(a[()])
    return "[" + ", ".join(_nested(x) for x in a) + "]"


def _scalar(value: Any, name: str) -> float | Fraction:
    if is_exact_scalar(value):
        return Fraction(int(value)) if isinstance(value, np.integer) else Fraction(value)
    if isinstance(value, (float, np.floating)) and not isinstance(value, bool):
        return float(value)
    raise InvalidMDPError(f"{name} must be a real number, got {value!r}")


def stochastic_atol(dtype: Any, n: int) -> float:
    """The tolerance on a sum of ``n`` probabilities given in ``dtype``.

    :data:`STOCHASTIC_ATOL` for float64 (and exact input); for a coarser float
    (float32, float16) the rounding of each entry adds up to n·eps/2, so the
    tolerance is 4·n·eps of that dtype: a float32 row [0.1, 0.9] is accepted.
    """
    try:
        eps = float(np.finfo(dtype).eps) if dtype is not None and np.dtype(dtype).kind == "f" else 0.0
    except TypeError:
        eps = 0.0
    return max(STOCHASTIC_ATOL, 4 * max(n, 1) * eps)


def _validate(P: np.ndarray, r: np.ndarray, lam: float | Fraction, initial: int | np.ndarray,
              atol: float = STOCHASTIC_ATOL) -> None:
    if P.ndim == 3 and 0 in P.shape:
        raise InvalidMDPError(f"P has shape {P.shape}: an MDP needs at least one state and one action "
                              f"(P of shape (S, A, S) with S, A >= 1)")
    if P.ndim != 3 or P.shape[0] != P.shape[2]:
        raise InvalidMDPError(f"P must have shape (S, A, S) with matching first and last axes, got {P.shape}")
    S, A, _ = P.shape
    if r.shape != (S, A):
        raise InvalidMDPError(f"r must have shape (S, A) = ({S}, {A}) to match P, got {r.shape}")
    for name, arr in (("P", P), ("r", r)):
        if arr.dtype != object and not np.all(np.isfinite(arr)):
            idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
            raise InvalidMDPError(f"{name}{list(idx)} is {arr[idx]}: entries must be finite")
    neg = np.argwhere(P < 0)
    if len(neg):
        idx = tuple(int(i) for i in neg[0])
        raise InvalidMDPError(f"P{list(idx)} = {show(P[idx])} is negative: transition probabilities must be >= 0")
    sums = P.sum(axis=2)
    for s in range(S):
        for a in range(A):
            if not _is_one(sums[s, a], atol):
                total = sums[s, a]
                shown = show(total) if P.dtype == object else f"{show(total)} (1 {'+' if total > 1 else '-'} " \
                    f"{abs(float(total) - 1):.2g})"
                raise InvalidMDPError(
                    f"P[{s}, {a}, :] = {show(P[s, a])} sums to {shown}, not 1"
                    + ("" if P.dtype == object else f" (tolerance {atol:.2g})"))
    if isinstance(lam, float) and math.isnan(lam) or not (0 <= lam < 1):
        raise InvalidMDPError(f"discount must lie in [0, 1), got {show(lam)}")
    if isinstance(initial, int):
        if not 0 <= initial < S:
            raise InvalidMDPError(f"initial state {initial} is out of range for S={S} states")
        return
    if initial.shape != (S,):
        raise InvalidMDPError(f"initial must be a state index or a distribution of shape ({S},), got shape {initial.shape}")
    if initial.dtype != object and not np.all(np.isfinite(initial)) or np.any(initial < 0) or not _is_one(initial.sum(), atol):
        raise InvalidMDPError(f"initial = {show(initial)} is not a probability distribution over the {S} states")


def _is_one(x: Any, atol: float = STOCHASTIC_ATOL) -> bool:
    if isinstance(x, Fraction):
        return x == 1
    return bool(abs(float(x) - 1.0) <= atol)
