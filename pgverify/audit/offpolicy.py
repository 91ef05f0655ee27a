"""Off-policy corrections with a behaviour policy b: per-decision importance sampling, and V-trace as rlax computes it.

Episodes are drawn from b (every one enumerated, float64 weights), ρ_t = π(a_t|s_t)/b(a_t|s_t), and the estimate
of ∇U(π) is, per episode:

* ``"per-decision-is"`` (Precup et al. 2000): ĝ = Σ_t γ^t ∇log π(a_t|s_t) Σ_{k≥t} γ^{k−t} (Π_{j≤k} ρ_j) r_k;
* ``"vtrace"`` (Espeholt et al. 2018, IMPALA, as ``rlax.vtrace_td_error_and_advantage`` computes it):
  ĝ = Σ_t A_t ∇log π(a_t|s_t), A_t rlax's ``pg_advantage`` = min(ρ̄_pg, ρ_t)(r_t + γ_t v_{t+1} − V(s_t)) with
  the V-trace targets v (clipped at ρ̄, λ = 1) and a value function V: the target's exact v_π (``values="exact"``)
  or zero.  Needs rlax (the ``audit`` extra).

The verdict compares E_b[ĝ] with ∇U(π), differentiated directly (:func:`pgverify.audit.judge` in π's Setting).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from numeric.episodic import episodes, episodic_model
from numeric.evaluation import Policy
from pgverify.audit.expectation import setting
from pgverify.audit.frameworks import _import
from pgverify.audit.layout import AuditError, Rollout
from pgverify.audit.verdict import Verdict, judge

__all__ = ["OffPolicy", "off_policy_gradient"]


@dataclass(frozen=True)
class OffPolicy:
    """``gradient`` E_b[ĝ] (θ's shape), ``verdict`` against ∇U(π), ``method``, ``max_ratio`` max ρ_t seen."""

    gradient: np.ndarray
    verdict: Verdict
    method: str
    max_ratio: float


def off_policy_gradient(mdp: Any, behaviour: Policy, target: Policy, *, method: str = "per-decision-is",
                        values: str = "exact", clip_rho: float = 1.0, clip_pg_rho: float = 1.0,
                        rollout: Rollout | None = None) -> OffPolicy:
    """E_b[ĝ] of the module docstring's ``method`` and its verdict against ∇U of ``target``."""
    if method not in ("per-decision-is", "vtrace"):
        raise AuditError(f"method must be 'per-decision-is' or 'vtrace', got {method!r}")
    if values not in ("exact", "zero"):
        raise AuditError(f"values must be 'exact' (v of the target policy) or 'zero', got {values!r}")
    st_b = setting(mdp, behaviour, rollout)
    st = setting(st_b.emdp, target, st_b.rollout)
    ep = episodes(episodic_model(st_b.emdp, behaviour, exact=st_b.exact))
    prob = np.asarray(ep.prob, dtype=np.float64)
    S_, A_ = ep.now, ep.actions                                   # (n, T)
    z = st.emdp.absorbing
    live = S_ != z
    g = float(st.gamma)
    r = np.asarray(ep.rewards, dtype=np.float64)
    pi = np.asarray(st.model.pi, dtype=np.float64)
    b = np.asarray(st_b.model.pi, dtype=np.float64)
    score = np.asarray(st.model.score, dtype=np.float64)[S_, A_]  # (n, T, K)
    rho = np.where(live, pi[S_, A_] / b[S_, A_], 1.0)
    n, T = S_.shape
    if method == "per-decision-is":
        disc = g ** np.arange(T)
        w = np.cumprod(rho, axis=1) * r * disc[None, :]           # γ^k Π_{j≤k} ρ_j r_k
        tail = np.cumsum(w[:, ::-1], axis=1)[:, ::-1]             # Σ_{k≥t} γ^k Π ρ r_k
        coef = np.where(live, tail, 0.0)                          # γ^t · Σ_{k≥t} γ^{k−t} … = Σ_{k≥t} γ^k …
    else:
        coef = _vtrace_advantages(st, S_, r, rho, live, values, clip_rho, clip_pg_rho)
    per = np.einsum("nt,ntk->nk", coef, score)
    grad = (prob @ per).reshape(st.shape)
    verdict = judge(grad, st, dtype="float64" if method == "per-decision-is" else "float32",
                    magnitude=float(prob @ np.abs(per).max(axis=1)))
    return OffPolicy(grad, verdict, method, float(np.max(np.where(live, rho, 0.0))))


def _vtrace_advantages(st: Any, S_: np.ndarray, r: np.ndarray, rho: np.ndarray, live: np.ndarray, values: str,
                       clip_rho: float, clip_pg_rho: float) -> np.ndarray:
    """rlax's pg_advantage per episode and step (0 on the steps after the end), float32 as rlax computes."""
    jax = _import("jax", "the V-trace audit")
    rlax = _import("rlax", "the V-trace audit")
    jnp = jax.numpy
    v = np.asarray(st.values, dtype=np.float64) if values == "exact" else np.zeros(st.emdp.mdp.num_states)
    n, T = S_.shape
    g = float(st.gamma)
    nxt = np.concatenate([S_[:, 1:], np.full((n, 1), st.emdp.absorbing)], axis=1)
    done = ~np.concatenate([live[:, 1:], np.zeros((n, 1), dtype=bool)], axis=1)
    fn = jax.jit(jax.vmap(lambda v_tm1, v_t, r_t, d_t, rho_tm1, m: rlax.vtrace_td_error_and_advantage(
        v_tm1, v_t, r_t, d_t, rho_tm1, 1.0, clip_rho, clip_pg_rho, True, m).pg_advantage))
    f32 = jnp.float32
    adv = fn(jnp.asarray(v[S_], f32), jnp.asarray(np.where(done, 0.0, v[nxt]), f32), jnp.asarray(r, f32),
             jnp.asarray(g * (1.0 - done), f32), jnp.asarray(rho, f32), jnp.asarray(live))
    return np.where(live, np.asarray(adv, dtype=np.float64), 0.0)
