"""Exact arithmetic in the prime field F_p, p = 2⁶¹ − 1: the fast exact check at large S.

Rational arithmetic (``Fraction``) pays a gcd per operation on numbers that
grow through the Bellman solve (≈ 50 s for ``pgt.theorem`` at S = 50, A = 4).
In F_p every number stays below p, and the Schwartz–Zippel argument holds
over any field: a non-zero rational function with integer coefficients whose
numerator has total degree D vanishes at a uniform point of F_pᵐ with
probability at most D/p — provided its numerator is not ≡ 0 mod p (a prime
dividing every coefficient), which is the one extra assumption of this check
and is reported with it.

>>> a, b = ModP(3), ModP(5)
>>> (a / b) * b == 3
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numeric.arithmetic import Arithmetic, lu_solve_pair
from numeric.model import Model
from numeric.policies import softmax_from_weights, softmax_jacobian, softmax_vjp

__all__ = ["PRIME", "ModP", "MODULAR", "random_tabular_point_mod_p"]

#: The Mersenne prime 2⁶¹ − 1.
PRIME = 2 ** 61 - 1


class ModP:
    """An element of F_p; mixes with Python ints (and NumPy object arrays, elementwise)."""

    __slots__ = ("n",)

    def __init__(self, n: int) -> None:
        self.n = n % PRIME

    @staticmethod
    def _of(x: Any) -> int | None:
        if isinstance(x, ModP):
            return x.n
        if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
            return int(x)
        return None

    def __add__(self, other: Any) -> Any:
        o = ModP._of(other)
        return NotImplemented if o is None else ModP(self.n + o)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        o = ModP._of(other)
        return NotImplemented if o is None else ModP(self.n - o)

    def __rsub__(self, other: Any) -> Any:
        o = ModP._of(other)
        return NotImplemented if o is None else ModP(o - self.n)

    def __mul__(self, other: Any) -> Any:
        o = ModP._of(other)
        return NotImplemented if o is None else ModP(self.n * o)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Any:
        o = ModP._of(other)
        if o is None:
            return NotImplemented
        if o % PRIME == 0:
            raise ZeroDivisionError("division by zero in F_p")
        return ModP(self.n * pow(o, -1, PRIME))

    def __rtruediv__(self, other: Any) -> Any:
        o = ModP._of(other)
        if o is None:
            return NotImplemented
        if self.n == 0:
            raise ZeroDivisionError("division by zero in F_p")
        return ModP(o * pow(self.n, -1, PRIME))

    def __neg__(self) -> "ModP":
        return ModP(-self.n)

    def __pow__(self, k: int) -> "ModP":
        return ModP(pow(self.n, k, PRIME))

    def __eq__(self, other: object) -> bool:
        o = ModP._of(other)
        return NotImplemented if o is None else self.n == o % PRIME  # type: ignore[return-value]

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ModP({self.n})"


#: Exact arithmetic in F_p (Doolittle LU as for the rationals).
MODULAR = Arithmetic("mod-p", exact=True, solve_pair=lu_solve_pair)


def _field(a: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape, dtype=object)
    out.ravel()[:] = [ModP(int(x)) for x in a.ravel()]
    return out


def random_tabular_point_mod_p(rng: np.random.Generator, S: int, A: int, label: str = "") -> Model:
    """A tabular-softmax model (s⁰ = 0) at a uniform random point of F_p: P = W/ΣW, π = X/ΣX, λ, r all random."""
    W = _field(rng.integers(1, PRIME, size=(S, A, S)))
    X = _field(rng.integers(1, PRIME, size=(S, A)))
    R = _field(rng.integers(0, PRIME, size=(S, A)))
    lam = ModP(int(rng.integers(0, PRIME)))
    P = W / W.sum(axis=2, keepdims=True)
    pi = softmax_from_weights(X)
    mu0 = _field(np.eye(S, dtype=np.int64)[0])
    return Model(arithmetic=MODULAR, P=P, r=R, lam=lam, mu0=mu0, pi=pi, jacobian=lambda: softmax_jacobian(pi),
                 vjp=lambda g: softmax_vjp(pi, g), family=label or f"tabular-softmax mod p S={S} A={A}")
