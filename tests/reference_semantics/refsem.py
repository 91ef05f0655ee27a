"""The reference semantics: a tabular MDP's quantities computed directly, written apart from pgverify.

Nothing here imports pgverify's evaluator, its models' derived quantities or its derivative rules.  A model is
given by its base coordinates (integer weights W of 𝒫, rewards r, discount λ, initial distribution μ, positive
policy weights x = e^θ), and every quantity is computed from them in exact rationals:

* π(a|s) = x[s, a] / Σ_b x[s, b]; ∂/∂θ_k = x_k ∂/∂x_k, so seeding x_k with the tangent x_k e_k in dual numbers
  gives ∇θ of anything built from π by the chain rule of the dual arithmetic;
* v = (I − λP_π)⁻¹ r_π and w = (I − λP_π)⁻ᵀ μ by Gaussian elimination over dual rationals;
  q(s, a) = r(s, a) + λ Σ_{s'} 𝒫(s'|s, a) v(s'), d = (1 − λ) w, U = μᵀv;
* trajectories of an episodic model enumerated one by one (:func:`enumerate_trajectories`).

Dual numbers carry a value and a K-vector of first derivatives; the derivative of an expression tree evaluated in
them is the reference ∇θ the evaluator's product, quotient and chain rules must reproduce.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator

import numpy as np

__all__ = ["Dual", "Base", "Reference", "reference", "as_fraction", "enumerate_trajectories"]


def as_fraction(x: Any) -> Fraction:
    """An exact rational of any exact number type (Fraction, python-flint fmpq wrappers, ints)."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    return Fraction(int(x.numerator), int(x.denominator))


@dataclass(frozen=True)
class Dual:
    """x + Σ_k g_k ε_k with ε_j ε_k = 0: the value ``val`` and its gradient ``grad`` (a tuple of K rationals)."""

    val: Fraction
    grad: tuple[Fraction, ...]

    @staticmethod
    def const(c: Any, K: int) -> "Dual":
        return Dual(Fraction(c), (Fraction(0),) * K)

    def _lift(self, o: Any) -> "Dual":
        return o if isinstance(o, Dual) else Dual.const(o, len(self.grad))

    def __add__(self, o: Any) -> "Dual":
        o = self._lift(o)
        return Dual(self.val + o.val, tuple(a + b for a, b in zip(self.grad, o.grad)))

    __radd__ = __add__

    def __neg__(self) -> "Dual":
        return Dual(-self.val, tuple(-a for a in self.grad))

    def __sub__(self, o: Any) -> "Dual":
        return self + (-self._lift(o))

    def __rsub__(self, o: Any) -> "Dual":
        return self._lift(o) - self

    def __mul__(self, o: Any) -> "Dual":
        o = self._lift(o)
        return Dual(self.val * o.val, tuple(self.val * b + a * o.val for a, b in zip(self.grad, o.grad)))

    __rmul__ = __mul__

    def inverse(self) -> "Dual":
        if self.val == 0:
            raise ZeroDivisionError("dual inverse of 0")
        return Dual(1 / self.val, tuple(-a / (self.val * self.val) for a in self.grad))

    def __truediv__(self, o: Any) -> "Dual":
        return self * self._lift(o).inverse()

    def __rtruediv__(self, o: Any) -> "Dual":
        return self._lift(o) * self.inverse()

    def __pow__(self, k: int) -> "Dual":
        out = Dual.const(1, len(self.grad))
        for _ in range(abs(k)):
            out = out * self
        return out if k >= 0 else out.inverse()

    def log_grad(self) -> tuple[Fraction, ...]:
        """∇ log x = ∇x / x (the value of log itself is transcendental and never needed)."""
        return tuple(a / self.val for a in self.grad)


def _solve(M: list[list[Any]], b: list[Any]) -> list[Any]:
    """Gaussian elimination with the first non-zero pivot (exact; works on Fractions and Duals)."""
    n = len(b)
    M = [list(row) + [rhs] for row, rhs in zip(M, b)]
    for c in range(n):
        p = next(i for i in range(c, n) if (M[i][c].val if isinstance(M[i][c], Dual) else M[i][c]) != 0)
        M[c], M[p] = M[p], M[c]
        for i in range(n):
            if i != c:
                f = M[i][c] / M[c][c]
                M[i] = [x - f * y for x, y in zip(M[i], M[c])]
    return [M[i][n] / M[i][i] for i in range(n)]


@dataclass(frozen=True)
class Base:
    """Base coordinates: W[s][a][s'] > 0 (𝒫 = W/ΣW), r[s][a], λ, μ[s], x[s][a] > 0 (π = x/Σx)."""

    W: tuple[tuple[tuple[int, ...], ...], ...]
    r: tuple[tuple[int, ...], ...]
    lam: Fraction
    mu: tuple[Fraction, ...]
    x: tuple[tuple[int, ...], ...]

    @property
    def S(self) -> int:
        return len(self.r)

    @property
    def A(self) -> int:
        return len(self.r[0])


@dataclass(frozen=True)
class Reference:
    """Every quantity of one model as dual numbers (index k = s·A + a of θ[s, a])."""

    base: Base
    P: list[list[list[Fraction]]]
    pi: list[list[Dual]]
    v: list[Dual]
    q: list[list[Dual]]
    d: list[Dual]
    U: Dual

    @property
    def K(self) -> int:
        return self.base.S * self.base.A


def reference(base: Base) -> Reference:
    S, A = base.S, base.A
    K = S * A
    lam = base.lam
    P = [[[Fraction(w, sum(base.W[s][a])) for w in base.W[s][a]] for a in range(A)] for s in range(S)]
    # x_k with tangent x_k e_k: ∂/∂θ_k = x_k ∂/∂x_k
    x = [[Dual(Fraction(base.x[s][a]), tuple(Fraction(base.x[s][a]) if k == s * A + a else Fraction(0)
                                              for k in range(K))) for a in range(A)] for s in range(S)]
    pi = [[x[s][a] / sum(x[s], Dual.const(0, K)) for a in range(A)] for s in range(S)]
    P_pi = [[sum((pi[s][a] * P[s][a][t] for a in range(A)), Dual.const(0, K)) for t in range(S)] for s in range(S)]
    r_pi = [sum((pi[s][a] * base.r[s][a] for a in range(A)), Dual.const(0, K)) for s in range(S)]
    M = [[(1 if s == t else 0) - lam * P_pi[s][t] for t in range(S)] for s in range(S)]
    v = _solve(M, r_pi)
    MT = [[M[t][s] for t in range(S)] for s in range(S)]
    w = _solve(MT, [Dual.const(m, K) for m in base.mu])
    q = [[base.r[s][a] + lam * sum((P[s][a][t] * v[t] for t in range(S)), Dual.const(0, K)) for a in range(A)]
         for s in range(S)]
    d = [(1 - lam) * w[s] for s in range(S)]
    U = sum((base.mu[s] * v[s] for s in range(S)), Dual.const(0, K))
    return Reference(base, P, pi, v, q, d, U)


def enumerate_trajectories(P: list[list[list[Fraction]]], pi: list[list[Any]], mu: tuple[Fraction, ...],
                           T: int) -> Iterator[tuple[tuple[int, ...], tuple[int, ...], Any]]:
    """(states s_1…s_T, actions a_1…a_{T−1}, probability) of every trajectory of T states, one by one.

    𝒯(τ) = μ(s_1) Π_{t<T} π(a_t|s_t) 𝒫(s_{t+1}|s_t, a_t); trajectories of probability 0 are kept (their terms
    vanish in any expectation).
    """
    S, A = len(P), len(P[0])
    for states in itertools.product(range(S), repeat=T):
        for actions in itertools.product(range(A), repeat=T - 1):
            p: Any = mu[states[0]]
            for t in range(T - 1):
                p = p * pi[states[t]][actions[t]] * P[states[t]][actions[t]][states[t + 1]]
            yield states, actions, p
