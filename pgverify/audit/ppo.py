"""PPO's clipped surrogate after the first epoch: its exact expected gradient at θ over episodes drawn at θ_old.

    L^CLIP(θ) = E_{τ ~ θ_old}[ Σ_t min(ρ_t A_t, clip(ρ_t, 1 − ε, 1 + ε) A_t) ],   ρ_t = π_θ(a_t|s_t)/π_old(a_t|s_t),

(Schulman et al. 2017, eq. 7, summed over an episode's steps), so that

    ∇θ L^CLIP(θ) = E_{τ ~ θ_old}[ Σ_t 1[unclipped_t] A_t ρ_t ∇θ log π_θ(a_t|s_t) ],

unclipped_t when A_t > 0 and ρ_t < 1 + ε, or A_t < 0 and ρ_t > 1 − ε (at a kink the derivative is one-sided;
:func:`ppo_clip_gradient` refuses a θ with some ρ_t exactly at 1 ± ε on a step with A_t ≠ 0).  A_t is the old
policy's exact advantage q_old(s_t, a_t) − v_old(s_t) (``advantage="exact"``) or the return-to-go G_t
(``advantage="returns"``), both at the rollout's γ and held fixed in θ, as PPO holds them.  Every episode is
enumerated (float64 or exact weights at θ_old); the result is compared with ∇U(θ) by
:func:`pgverify.audit.judge` in the Setting at θ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from numeric.episodic import episodes, episodic_model
from numeric.estimators import reward_to_go
from numeric.evaluation import Policy
from pgverify.audit.expectation import setting
from pgverify.audit.layout import AuditError, Rollout
from pgverify.audit.verdict import Verdict, judge

__all__ = ["PPOClip", "ppo_clip_gradient"]


@dataclass(frozen=True)
class PPOClip:
    """``gradient`` E[∇L^CLIP(θ)] (θ's shape), ``clipped`` P-weighted share of steps whose term is clipped,
    ``verdict`` against ∇U(θ) (:class:`pgverify.audit.Verdict`), ``clip`` ε, ``advantage``."""

    gradient: np.ndarray
    clipped: float
    verdict: Verdict
    clip: float
    advantage: str


def ppo_clip_gradient(mdp: Any, policy_old: Policy, policy: Policy, *, clip: float = 0.2, advantage: str = "exact",
                      rollout: Rollout | None = None) -> PPOClip:
    """The exact E_{τ~θ_old}[∇θ L^CLIP(θ)] of the module docstring, and its verdict against ∇U(θ)."""
    if advantage not in ("exact", "returns"):
        raise AuditError(f"advantage must be 'exact' (q_old − v_old) or 'returns' (G_t), got {advantage!r}")
    if not 0 < clip < 1:
        raise AuditError(f"clip must lie in (0, 1), got {clip!r}")
    if np.shape(policy_old.theta) != np.shape(policy.theta) or type(policy_old) is not type(policy):
        raise AuditError("policy_old and policy must be the same kind of policy with θ of the same shape")
    st_old = setting(mdp, policy_old, rollout)
    st_new = setting(st_old.emdp, policy, st_old.rollout)
    m_old = st_old.model
    ep = episodes(episodic_model(st_old.emdp, policy_old, exact=st_old.exact))
    prob = np.asarray(ep.prob, dtype=np.float64)
    S_, A_ = ep.now, ep.actions                                    # (n, T)
    z = st_old.emdp.absorbing
    live = S_ != z
    g = float(st_old.gamma)
    v = np.asarray(st_old.values, dtype=np.float64)
    r = np.asarray(m_old.r, dtype=np.float64)
    P = np.asarray(m_old.P, dtype=np.float64)
    if advantage == "exact":
        q = r + g * np.einsum("sat,t->sa", P, v)
        adv = q[S_, A_] - v[S_]
    else:
        adv = reward_to_go(np.asarray(ep.rewards, dtype=np.float64), g)
    pi_old = np.asarray(m_old.pi, dtype=np.float64)
    pi_new = np.asarray(st_new.model.pi, dtype=np.float64)
    score_new = np.asarray(st_new.model.score, dtype=np.float64)   # (S, A, K)
    rho = pi_new[S_, A_] / pi_old[S_, A_]
    at_kink = live & (adv != 0) & (np.isclose(rho, 1 + clip, rtol=0, atol=1e-12)
                                  | np.isclose(rho, 1 - clip, rtol=0, atol=1e-12))
    if at_kink.any():
        raise AuditError(f"some ratio π_θ/π_old sits at 1 ± ε = {1 - clip:g} or {1 + clip:g}: L^CLIP is not "
                         f"differentiable there; move θ")
    unclipped = live & (((adv > 0) & (rho < 1 + clip)) | ((adv < 0) & (rho > 1 - clip)))
    weight = np.where(unclipped, adv * rho, 0.0)                   # (n, T)
    per = np.einsum("nt,ntk->nk", weight, score_new[S_, A_])
    grad = (prob @ per).reshape(st_new.shape)
    steps = prob @ (live & (adv != 0)).sum(axis=1)
    clipped = float(prob @ (live & (adv != 0) & ~unclipped).sum(axis=1)) / float(steps) if steps > 0 else 0.0
    verdict = judge(grad, st_new, dtype="float64", magnitude=float(prob @ np.abs(per).max(axis=1)))
    return PPOClip(grad, clipped, verdict, float(clip), advantage)
