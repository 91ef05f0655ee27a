"""Exact arithmetic in the prime field F_p, p = 2⁶¹ − 1: the fast exact check at large S.

Rational arithmetic pays a gcd per operation on numbers that grow through the
Bellman solve.  In F_p every number stays below p, and the Schwartz–Zippel
argument holds over any field: a non-zero rational function with integer
coefficients whose numerator has total degree D vanishes at a uniform point of
F_pᵐ with probability at most D/p — provided its numerator is not ≡ 0 mod p (a
prime dividing every coefficient), which is the one extra assumption of this
check and is reported with it.

Elements are python-flint ``nmod`` residues (C arithmetic; they mix with Python
ints and NumPy object arrays, and refuse floats and Fractions); the Bellman
solves are ``nmod_mat`` solves of the whole system (:func:`nmod_solve_pair`).

>>> a, b = ModP(3), ModP(5)
>>> (a / b) * b == 3
True
"""

from __future__ import annotations

import flint
import numpy as np

from numeric.arithmetic import Arithmetic
from numeric.model import Model
from numeric.policies import softmax_from_weights, softmax_jacobian, softmax_vjp

__all__ = ["PRIME", "ModP", "MODULAR", "nmod_solve_pair", "random_tabular_point_mod_p"]

#: The Mersenne prime 2⁶¹ − 1.
PRIME = 2 ** 61 - 1


def ModP(n: int) -> flint.nmod:
    """The residue of the integer ``n`` in F_p (a python-flint ``nmod``)."""
    return flint.nmod(int(n), PRIME)


def _matrix(a: np.ndarray) -> flint.nmod_mat:
    rows = a.reshape(a.shape[0], -1)
    return flint.nmod_mat([[int(x) for x in row] for row in rows], PRIME)


def _array(m: flint.nmod_mat, shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty((m.nrows(), m.ncols()), dtype=object)
    for i in range(m.nrows()):
        for j in range(m.ncols()):
            out[i, j] = m[i, j]
    return out.reshape(shape)


def nmod_solve_pair(M: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(M⁻¹b, M⁻ᵀc) in F_p by FLINT's ``nmod_mat`` solve; ``b``, ``c`` vectors or matrices.

    Raises ``ZeroDivisionError`` when M is singular mod p.
    """
    A = _matrix(np.asarray(M, dtype=object))
    b, c = np.asarray(b, dtype=object), np.asarray(c, dtype=object)
    try:
        x = A.solve(_matrix(b.reshape(b.shape[0], -1)))
        y = A.transpose().solve(_matrix(c.reshape(c.shape[0], -1)))
    except ZeroDivisionError:
        raise ZeroDivisionError("singular matrix mod p") from None
    return _array(x, b.shape), _array(y, c.shape)


#: Exact arithmetic in F_p (FLINT ``nmod`` elements, ``nmod_mat`` solves).
MODULAR = Arithmetic("mod-p", exact=True, solve_pair=nmod_solve_pair)


def _field(a: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape, dtype=object)
    out.ravel()[:] = [flint.nmod(int(x), PRIME) for x in a.ravel()]
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
