"""Symbolic continuous-action families: the rational finite-state family and the scalar LQR.

* :func:`continuous_rational_model` — S states, every c, m, reward coefficient,
  λ and θ a symbol of the field ℚ(c, m, r, λ, θ); tabular policy μθ(s) = θ_s.
* :func:`lqr_model` — the scalar LQR (:mod:`numeric.lqr`) over ℚ(a, b, W, Q, R, λ, x₀, k, σ),
  as its exact three-node model, with the Gaussian policy's σ as a symbol.
* :func:`lqr_latex` — closed-form U(k), its DPG and the σ → 0 limit of the
  Gaussian policy gradient, as an ``align*`` block.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from typing import Any, Callable

import numpy as np
import sympy

from numeric.arithmetic import Arithmetic, lu_solve_pair
from numeric.continuous import TWO_POINT_RULE, ContinuousModel, PolynomialReward, RationalKernel
from numeric.lqr import ScalarLQR
from symbolic.family import SYMBOLIC
from symbolic.flint_field import FlintField, Frac
from symbolic.limit import leading_term, limit_at_zero

__all__ = ["continuous_rational_model", "lqr_symbols", "lqr_model", "lqr_latex", "symbolic_sigma_limit",
           "field_limit_in"]

#: Names of the LQR field's generators, in order.
LQR_NAMES = ("a", "b", "W", "Q", "R", "lambda", "x_0", "k", "sigma")


def symbolic_sigma_limit(sigma: Frac) -> Callable[[Callable[[Any], Any]], tuple[Any, dict[str, Any]]]:
    """lim_{σ→0} g(σ) for g rational in the field generator ``sigma``, exactly, with the leading term of g − g(0)."""

    def limit(g: Callable[[Any], Any]) -> tuple[Any, dict[str, Any]]:
        values = np.asarray(g(sigma), dtype=object)
        out = np.empty(values.shape, dtype=object)
        orders = []
        for idx in np.ndindex(*values.shape):
            out[idx] = limit_at_zero(values[idx], sigma)
            k, c = leading_term(values[idx] - out[idx], sigma)
            orders.append(f"({_short(c)})·σ^{k}" if c != 0 else "0")
        return out, {"limit": "exact: lowest-order terms in σ of a rational function",
                     "g(σ) − g(0), leading term": orders}

    return limit


def _det(A: list[list[Any]]) -> Any:
    """Determinant by cofactor expansion (small n): only ring operations, no cancellation."""
    if len(A) == 1:
        return A[0][0]
    return sum(((-1) ** j * A[0][j] * _det([row[:j] + row[j + 1:] for row in A[1:]]) for j in range(len(A))),
               A[0][0] * 0)


def adjugate_solve_pair(M: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(M⁻¹b, M⁻ᵀc) = (adj(M) b, adj(M)ᵀ c)/det M for n ≤ 4; Gaussian elimination (``lu_solve_pair``) beyond.

    With polynomial entries the cofactors stay polynomials and one division per entry remains, instead of the
    gcd-heavy cancellations of elimination in the fraction field (the LQR's 3 × 3 solve: 2.8 s → below 0.5 s).
    """
    n = M.shape[0]
    if n > 4:
        return lu_solve_pair(M, b, c)
    A = [list(row) for row in M]
    det = _det(A)
    adj = np.empty((n, n), dtype=object)
    for i in range(n):
        for j in range(n):
            minor = [row[:j] + row[j + 1:] for k, row in enumerate(A) if k != i]
            adj[j, i] = (-1) ** (i + j) * (_det(minor) if minor else det * 0 + 1)
    return (adj @ b) / det, (adj.T @ c) / det


#: The symbolic arithmetic of the LQR family: exact field elements, solves by adjugate.
SYMBOLIC_ADJUGATE = Arithmetic("symbolic", exact=True, solve_pair=adjugate_solve_pair)


def _short(c: Any) -> str:
    """A constant coefficient to 6 digits (exact ones run to hundreds); a symbolic one in full."""
    try:
        return f"{float(Fraction(str(c))):.6g}"
    except ValueError:
        return str(sympy.factor(c.field.to_sympy(c)))


def field_limit_in() -> Callable[[Callable[[Any], Any]], tuple[Any, dict[str, Any]]]:
    """:func:`symbolic_sigma_limit` in the field ℚ(σ), for models whose other numbers are Fractions."""
    return symbolic_sigma_limit(_sigma_field())


@lru_cache(maxsize=None)
def _sigma_field() -> Frac:
    return FlintField([sympy.Symbol("sigma")]).gens[0]


def field_derivative(theta: np.ndarray) -> Callable[[Any], np.ndarray]:
    """∂/∂θ_k of every entry of an array of field elements, θ_k generators of the field."""

    def derivative(y: Any) -> np.ndarray:
        arr = np.asarray(y, dtype=object)
        out = np.empty(arr.shape + (len(theta),), dtype=object)
        for idx in np.ndindex(*arr.shape):
            e = arr[idx]
            out[idx] = [e.diff(t) if isinstance(e, Frac) else t * 0 for t in theta]
        return out

    return derivative


@lru_cache(maxsize=None)
def continuous_rational_model(num_states: int = 2) -> ContinuousModel:
    """The symbolic S-state rational family with quadratic rewards r(s, a) = r_{s0} + r_{s1} a + r_{s2} a²."""
    S = num_states
    names = ([f"c_{{{s}{t}}}" for s in range(S) for t in range(S)] + [f"m_{{{s}{t}}}" for s in range(S) for t in range(S)]
             + [f"r_{{{s}{j}}}" for s in range(S) for j in range(3)] + ["lambda"] + [f"theta_{s}" for s in range(S)])
    field = FlintField(sympy.symbols(names))
    gens = list(field.gens)
    c = np.array(gens[:S * S], dtype=object).reshape(S, S)
    m = np.array(gens[S * S:2 * S * S], dtype=object).reshape(S, S)
    r = np.array(gens[2 * S * S:2 * S * S + 3 * S], dtype=object).reshape(S, 3)
    lam, theta = gens[2 * S * S + 3 * S], np.array(gens[2 * S * S + 3 * S + 1:], dtype=object)
    one, zero = field.one, field.zero
    features = np.array([[one if s == k else zero for k in range(S)] for s in range(S)], dtype=object)
    mu0 = np.array([one] + [zero] * (S - 1), dtype=object)
    return ContinuousModel(arithmetic=SYMBOLIC, kernel=RationalKernel(c, m), reward=PolynomialReward(r), lam=lam,
                           mu0=mu0, features=features, theta=theta, family=f"continuous-rational S={S} (symbolic)",
                           derivative=field_derivative(theta))


@lru_cache(maxsize=None)
def lqr_symbols(gaussian: bool = False) -> tuple[Frac, ...]:
    """The generators (a, b, W, Q, R, λ, x₀, k) of the LQR field (and σ when ``gaussian``), python-flint
    :class:`~symbolic.flint_field.Frac` elements."""
    return FlintField(sympy.symbols(LQR_NAMES if gaussian else LQR_NAMES[:-1])).gens


@lru_cache(maxsize=None)
def lqr_model(gaussian: bool = False) -> ContinuousModel:
    """The symbolic LQR's three-node model; with ``gaussian`` the field also holds σ (Gaussian expectations by
    the exact two-point rule, σ → 0 exactly), which makes every operation slower (≈ 25 s for the limit)."""
    a, b, W, Q, R, lam, x0, k, *sigma = lqr_symbols(gaussian)
    lqr = ScalarLQR(a=a, b=b, noise=W, state_cost=Q, action_cost=R, discount=lam, x0=x0)
    return lqr.model(k, arithmetic=SYMBOLIC_ADJUGATE, family="lqr (symbolic)", rule=TWO_POINT_RULE if gaussian else None,
                     sigma_limit=symbolic_sigma_limit(sigma[0]) if gaussian else None,
                     derivative=field_derivative(np.array([k])))


def lqr_latex() -> str:
    """The LQR's closed-form U(k), dU/dk and its DPG, as an ``align*`` block.

    Dynamics x' = a x + b u + w, w ∼ 𝒩(0, W), reward −(Q x² + R u²), discount λ,
    initial state x₀, policy u = −k x.  dU/dk differentiates U(k) directly; the
    DPG line is (1 − λ)⁻¹ E_{x∼d}[∇_kπ_k(x) ∇_u q(x, u)|_{u=−kx}] computed on the
    exact three-node model; the two agree (``dpg.theorem``).

    >>> print(lqr_latex().splitlines()[1])
    U(k) &= - \\frac{W \\lambda \\left(Q + R k^{2}\\right)}{\\left(1 - \\lambda\\right) \\left(- \\lambda \\left(a - b k\\right)^{2} + 1\\right)} - \\frac{x_{0}^{2} \\left(Q + R k^{2}\\right)}{- \\lambda \\left(a - b k\\right)^{2} + 1} \\\\
    """
    a, b, W, Q, R, lam, x0, k, _ = (sympy.Symbol(n) for n in LQR_NAMES)
    g = a - b * k
    p = (Q + R * k ** 2) / (1 - lam * g ** 2)
    U = -(p * x0 ** 2 + lam * p * W / (1 - lam))
    m = lqr_model()
    dpg = np.einsum("s,sk,s->k", m.d, m.jac, m.dq_da)[0] / (1 - m.lam)
    lines = [
        rf"U(k) &= {sympy.latex(U)}",
        rf"\frac{{dU}}{{dk}} &= {sympy.latex(sympy.factor(sympy.diff(U, k)))}",
        r"(1-\lambda)^{-1}\mathbb{E}_{x\sim d_\lambda^{\pi_k}}\left[\nabla_k\pi_k(x)\,\nabla_u q(x,u)"
        rf"\big|_{{u=-kx}}\right] &= {sympy.latex(sympy.factor(dpg.field.to_sympy(dpg)))}",
    ]
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"
