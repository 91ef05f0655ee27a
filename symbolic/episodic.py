"""A parametric episodic MDP: every trajectory quantity is a rational function of its symbols.

Two non-absorbing states 0 (= s⁰) and 1, the absorbing state 2, two actions,
horizon T = 3, with the absorption built into the support of the kernel:

    𝒫_0^a = (0, p_a, 1 − p_a),   𝒫_1^a = (0, 0, 1),   𝒫_2^a = (0, 0, 1),

rewards ``r_{sa}`` for s ∈ {0, 1} (r(2, a) = 0), the discount ``lambda`` and
``x_{sa}`` = exp θ_{sa} for all three states (π_θ(a|s) = x_{sa} / Σ_b x_{sb},
∂/∂θ_{sa} = x_{sa} ∂/∂x_{sa}).  For the baseline claims the field also holds an
arbitrary state function ``b_s``, an arbitrary state–action function ``c_{sa}``
and an arbitrary function ``h_j`` of the history (s_1, a_1, …, s_t), one symbol
per history j.  Identities that simplify to 0 in ℚ(symbols) hold for every
such episodic MDP, policy and baseline.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy

from numeric.episodic import enumerate_trajectories
from numeric.model import Model
from symbolic.family import SYMBOLIC
from symbolic.flint_field import FlintField, theta_derivative

__all__ = ["episodic_softmax_family", "EPISODIC_LABEL", "EPISODIC_FEATURES"]

EPISODIC_LABEL = "episodic-softmax S=2+absorbing A=2 T=3"
#: Features φ(s) = (1, s) of the linear baseline b_ω(s) = φ(s)ᵀω, one row per state.
EPISODIC_FEATURES = np.array([[1, 0], [1, 1], [1, 2]], dtype=object)


@lru_cache(maxsize=None)
def episodic_softmax_family() -> Model:
    """The family's :class:`Model` (see the module docstring), with ``extras`` horizon, absorbing,
    trajectories, b, c, h, features.

    >>> m = episodic_softmax_family()
    >>> m.extras["trajectories"].count, m.extras["horizon"]
    (8, 3)
    """
    S, A, T, z = 3, 2, 3, 2
    structure = np.zeros((S, A, S), dtype=object)
    structure[0, :, 1:] = 1
    structure[1:, :, 2] = 1
    mu_structure = np.array([1, 0, 0], dtype=object)
    tr = enumerate_trajectories(structure, mu_structure, T)
    names = ([f"p_{{{a}}}" for a in range(A)] + [f"r_{{{s}{a}}}" for s in range(2) for a in range(A)] + ["lambda"]
             + [f"x_{{{s}{a}}}" for s in range(S) for a in range(A)] + [f"b_{{{s}}}" for s in range(S)]
             + [f"c_{{{s}{a}}}" for s in range(S) for a in range(A)] + [f"h_{{{j}}}" for j in range(tr.num_prefixes)])
    K = FlintField([sympy.Symbol(n) for n in names])
    g = iter(K.gens)
    one, zero = K.one, K.zero
    p = [next(g) for _ in range(A)]
    r2 = [next(g) for _ in range(2 * A)]
    lam = next(g)
    x = [next(g) for _ in range(S * A)]
    b = np.array([next(g) for _ in range(S)], dtype=object)
    c = np.array([next(g) for _ in range(S * A)], dtype=object).reshape(S, A)
    h = np.array(list(g), dtype=object)
    P = np.full((S, A, S), zero, dtype=object)
    for a in range(A):
        P[0, a, 1], P[0, a, 2] = p[a], one - p[a]
        P[1, a, 2] = P[2, a, 2] = one
    R = np.array(r2 + [zero] * A, dtype=object).reshape(S, A)
    X = np.array(x, dtype=object).reshape(S, A)
    pi = X / X.sum(axis=1, keepdims=True)
    mu0 = np.array([one, zero, zero], dtype=object)

    def derivative(y: object) -> np.ndarray:
        return theta_derivative(y, x, zero)

    return Model(arithmetic=SYMBOLIC, P=P, r=R, lam=lam, mu0=mu0, pi=pi, jacobian=lambda: derivative(pi),
                 vjp=lambda gs: np.einsum("sa,sak->k", gs, derivative(pi)), derivative=derivative,
                 family=EPISODIC_LABEL,
                 extras={"horizon": T, "absorbing": z, "trajectories": tr, "b": b, "c": c, "h": h,
                         "features": EPISODIC_FEATURES})
