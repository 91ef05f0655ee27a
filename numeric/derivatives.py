"""∇θ of the model's quantities that :class:`~numeric.model.Model` does not carry, in any arithmetic.

The model gives ∇θU, ∇θv, ∇θq and ∇θπ.  A derivation written from another
source also differentiates the occupancy d and trajectory probabilities 𝒯_θ(τ);
these are obtained by differentiating their defining equations (the forward
rule of the Bellman solve, the product rule), never through an identity under
test (no log-derivative trick, no policy gradient theorem).  In the symbolic
engine the closed form is differentiated directly.

Shapes: K parameters; ``grad_w[s, k]``, ``grad_d[s, k]``; ``trajectory_gradient[n, k]``
for n enumerated trajectories.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from numeric.arithmetic import Arithmetic
from numeric.model import Model

__all__ = ["grad_w", "grad_d", "grad_P_pi", "trajectory_gradient", "gradient"]


def grad_P_pi(m: Model) -> np.ndarray:
    """∇θP_π[s, s', k] = Σ_a ∇θπ(a|s)[k] P[s, a, s'], shape ``(S, S, K)``."""
    return np.einsum("sak,sat->stk", m.dpi, m.P)


def grad_w(m: Model) -> np.ndarray:
    """∇θw[s, k] of the unnormalised visitation w = M⁻ᵀμ, M = I − λP_π.

    From Mᵀw = μ: ∂w = −M⁻ᵀ ∂Mᵀ w = λ M⁻ᵀ (∂P_π)ᵀ w (μ does not depend on θ).
    """
    if m._derivative is not None:
        return m.derivative(m.w)
    rhs = m.lam * np.einsum("stk,s->tk", grad_P_pi(m), m.w)
    zeros = np.zeros_like(m.mu0)
    return m.arithmetic.solve_pair(m.M, zeros, rhs)[1]


def grad_d(m: Model) -> np.ndarray:
    """∇θd[s, k] of the discounted occupancy d = (1 − λ)w."""
    if m._derivative is not None:
        return m.derivative(m.d)
    return (1 - m.lam) * grad_w(m)


def trajectory_gradient(m: Model, states: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """∇θ𝒯_θ(τ) for trajectories ``states`` (n, T), ``actions`` (n, T − 1): shape ``(n, K)``.

    𝒯_θ(τ) = μ(s_1) ∏_t π_θ(a_t|s_t) 𝒫(s_{t+1}|s_t, a_t); by the product rule
    ∇𝒯 = μ(s_1) Σ_t ∇π(a_t|s_t) 𝒫(s_{t+1}|s_t, a_t) ∏_{u≠t} π(a_u|s_u) 𝒫(s_{u+1}|s_u, a_u)
    — no division by π, so no log-derivative identity is assumed.
    """
    n, T = states.shape
    first = m.mu0[states[:, 0]]
    if T == 1:
        return np.zeros((n, m.K), dtype=m.dpi.dtype) * first[:, None]
    s, a, s_next = states[:, :-1], actions, states[:, 1:]
    factors = m.pi[s, a] * m.P[s, a, s_next]           # (n, T-1)
    dfactors = m.dpi[s, a] * m.P[s, a, s_next][:, :, None]  # (n, T-1, K)
    total: Any = 0
    for t in range(T - 1):
        others = np.prod(np.delete(factors, t, axis=1), axis=1) if T > 2 else np.ones(n, dtype=factors.dtype)
        total = total + dfactors[:, t, :] * others[:, None]
    return first[:, None] * total


def gradient(m: Model, quantity: Callable[[Model], Any]) -> np.ndarray:
    """∇θ of any quantity computed from the model, ``quantity(model)``, in the model's own arithmetic.

    Forward mode: the policy's probabilities are seeded with their Jacobian, π + Σₖ ∇θₖπ εₖ
    (:func:`numeric.dual.seeded`), and the quantity is recomputed on a copy of the model in dual numbers —
    Bellman solves included (:func:`numeric.dual.solve`) — so its tangents are ∂/∂θₖ by the chain rule.
    P, r, λ and μ do not depend on θ.  Exact models give exact derivatives; float64 models float64 ones.
    Shape: ``np.shape(quantity(m)) + (K,)``.

    >>> from pgverify.families import get_family
    >>> m = get_family("tabular-softmax").exact_points(1, 0)[0]
    >>> bool(np.all(gradient(m, lambda x: x.U) == m.grad_U))
    True
    """
    from numeric import dual

    def solve_pair(M: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return dual.solve(M, b), dual.solve(np.asarray(M).T.copy(), c)

    def no_second_derivative(*_: Any) -> Any:
        raise NotImplementedError("gradient(): ∇θ of a quantity that itself uses ∇θπ is a second derivative")

    K = m.K
    arithmetic = Arithmetic(f"{m.arithmetic.name} (dual)", exact=m.arithmetic.exact, solve_pair=solve_pair)
    seeded = Model(arithmetic=arithmetic, P=np.asarray(m.P, dtype=object), r=np.asarray(m.r, dtype=object),
                   lam=m.lam, mu0=np.asarray(m.mu0, dtype=object), pi=dual.seeded(m.pi, m.dpi),
                   jacobian=no_second_derivative, vjp=no_second_derivative, family=m.family, extras=dict(m.extras))
    out = dual.tangent(quantity(seeded), K)
    return out.astype(np.float64) if m.arithmetic.name == "float64" else out
