"""Claims of the post's "Policy gradient theorem" section (discounted, continuing)."""

from __future__ import annotations

import numpy as np

from numeric.model import Model
from pgverify.claims.setting import SERIES_HORIZONS
from pgverify.registry import claim
from pgverify.statement import Chain, chain, conjunction, identity

SECTION = "Policy gradient theorem"


@claim("pgt.occupancy-measure", section=SECTION,
       statement=r"d_\lambda^{\pi_\theta}(s) = (1-\lambda)\sum_{t=1}^\infty\lambda^{t-1}\mathbb{P}_{s^0}^\pi(s_t=s)"
                 r"\text{ is a valid probability measure over }\mathcal{S}",
       note="d agrees with its series (d = (1 − λ) Σ_{t≤T} λ^{t−1} μᵀP_π^{t−1} + λ^T d P_π^T for T = 1, 2), "
            "sums to 1, and is non-negative. Non-negativity is an inequality: checked exactly and in float64, "
            "not proved symbolically.")
def occupancy_measure(m: Model) -> Chain:
    lines = [m.d]
    partial, term, tail = m.mu0 * 0, m.mu0, m.d  # (1−λ)Σ_{t≤T} λ^{t−1}μᵀP_π^{t−1}, μᵀP_π^{T−1}, d P_π^T
    for T in range(1, max(SERIES_HORIZONS) + 1):
        partial = partial + (1 - m.lam) * m.lam ** (T - 1) * term
        term, tail = term @ m.P_pi, tail @ m.P_pi
        if T in SERIES_HORIZONS:
            lines.append(partial + m.lam ** T * tail)
    series = chain(*lines, labels=tuple(f"d = series to T={T} + remainder" for T in SERIES_HORIZONS))
    return conjunction(series,
                       identity(m.d.sum(), m.d.sum() * 0 + 1, label="Σ_s d(s) = 1"),
                       identity(m.d, m.d * 0, relation=">=", label="d(s) ≥ 0"))


@claim("pgt.theorem", section=SECTION,
       statement=r"\nabla_\theta U(\theta) = (1-\lambda)^{-1}\sum_{s\in\mathcal{S}} d_\lambda^{\pi_\theta}(s)"
                 r"\sum_{a\in\mathcal{A}} q_\lambda^{\pi_\theta}(s,a)\nabla_\theta\pi_\theta(a\vert s)")
def theorem(m: Model) -> Chain:
    return identity(m.grad_U, np.einsum("s,sa,sak->k", m.d, m.q, m.dpi) / (1 - m.lam))
