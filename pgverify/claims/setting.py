"""Claims of the post's "Setting" section: v, q, U on a finite discounted MDP."""

from __future__ import annotations

import numpy as np

from numeric.model import Model
from pgverify.registry import POST_TEXT, claim
from pgverify.statement import Chain, chain, conjunction, identity

SECTION = "Setting"
SERIES_HORIZONS = (1, 2)


def discounted_return_q(m: Model) -> np.ndarray:
    """The expected discounted return after taking a in s, then following π.

    Solved on the state–action chain, independently of the post's formula for
    q: (I − λ P Π) q = r with (P Π)[(s, a), (s', a')] = P(s'|s, a) π(a'|s').
    """
    S, A = m.S, m.A
    PPi = np.einsum("sat,tb->satb", m.P, m.pi).reshape(S * A, S * A)
    eye = np.eye(S * A) if m.arithmetic.name == "float64" else np.eye(S * A, dtype=object)
    zero = m.r.reshape(-1) * 0
    return m.arithmetic.solve_pair(eye - m.lam * PPi, m.r.reshape(-1), zero)[0].reshape(S, A)


@claim("setting.value-function", section=SECTION,
       statement=r"v_\lambda^\pi(s) := \mathbb{E}_s^\pi\left[\sum_{t=1}^\infty \lambda^{t-1} r(s_t,a_t)\right]",
       note="The series agrees with the Bellman solve v = (I − λP_π)⁻¹r_π: for every horizon T, "
            "v = Σ_{t=1}^T λ^{t−1} P_π^{t−1} r_π + λ^T P_π^T v exactly, and the remainder is at most "
            "λ^T max|v|, so the partial sums converge to v. Checked for T = 1, 2 (each T follows from T − 1 by one Bellman step).")
def value_function(m: Model) -> Chain:
    lines = [m.v]
    partial, term, tail = m.r_pi * 0, m.r_pi, m.v  # Σ_{t≤T} λ^{t−1}P_π^{t−1}r_π, P_π^{T−1}r_π, P_π^T v
    for T in range(1, max(SERIES_HORIZONS) + 1):
        partial = partial + m.lam ** (T - 1) * term
        term, tail = m.P_pi @ term, m.P_pi @ tail
        if T in SERIES_HORIZONS:
            lines.append(partial + m.lam ** T * tail)
    return chain(*lines, labels=tuple(f"v = series to T={T} + remainder" for T in SERIES_HORIZONS))


@claim("setting.action-value-function", section=SECTION,
       statement=r"q_\lambda^\pi(s,a) := r(s,a) + \mathbb{E}_{s'\sim\mathcal{P}_s^a}\left[v_\lambda^\pi(s')\right]",
       note="As written the expectation of the next value is not discounted. Compared with the expected "
            "discounted return after taking a in s (solved on the state–action chain) and with "
            "v(s) = Σ_a π(a|s) q(s, a).")
def action_value_function(m: Model) -> Chain:
    return _is_an_action_value(m, m.r + m.Pv, "q as written")


def _is_an_action_value(m: Model, q: np.ndarray, name: str) -> Chain:
    """``q`` is the expected discounted return after (s, a), and v(s) = Σ_a π(a|s) q(s, a)."""
    return conjunction(
        identity(q, discounted_return_q(m), label=f"{name} = expected discounted return after (s, a)"),
        identity(m.v, (m.pi * q).sum(axis=1), label="v(s) = Σ_a π(a|s) q(s, a)"),
    )


@claim("setting.action-value-function.corrected", section=SECTION, corrects="setting.action-value-function",
       statement=r"q_\lambda^\pi(s,a) := r(s,a) + \lambda\,\mathbb{E}_{s'\sim\mathcal{P}_s^a}\left[v_\lambda^\pi(s')\right]",
       note="The discount λ restored in front of the expectation (as the post itself uses q in the proof of "
            "the policy gradient theorem). Every other claim uses this q.")
def action_value_function_corrected(m: Model) -> Chain:
    return _is_an_action_value(m, m.r + m.lam * m.Pv, "q")


@claim("setting.utility", section=SECTION, families=("tabular-softmax", "tabular-softmax-initial-distribution"),
       statement=POST_TEXT,
       note="U = Σ_s μ(s) v(s) (v(s⁰) for an initial state; the extension to an initial distribution μ) "
            "equals the expected discounted return computed from the other side of the Bellman system, "
            "(1 − λ)⁻¹ Σ_s d(s) r_π(s), with d the occupancy of μ.")
def utility(m: Model) -> Chain:
    return chain(m.U, m.mu0 @ m.v, (m.d @ m.r_pi) / (1 - m.lam),
                 labels=("U(θ) = Σ_s μ(s) v(s)", "Σ_s μ(s) v(s) = (1 − λ)⁻¹ Σ_s d(s) r_π(s)"))
