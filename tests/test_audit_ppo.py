"""PPO's clipped surrogate: E[∇L^CLIP(θ)] over episodes at θ_old against central differences of L^CLIP itself.

The reference evaluates L^CLIP(θ) = E_{τ~θ_old}[Σ_t min(ρ_t A_t, clip(ρ_t, 1 ± ε) A_t)] by enumerating trajectories
with refsem (its own loops, its own softmax), and differentiates it numerically.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from numeric import TabularSoftmax
from pgverify.audit import AuditError, Rollout, audit_setting, diagnose
from pgverify.audit.expectation import Expectation
from pgverify.audit.ppo import ppo_clip_gradient

sys.path.insert(0, str(Path(__file__).parent / "reference_semantics"))
from refsem import enumerate_trajectories  # noqa: E402

ST = audit_setting(states=2, actions=3, horizon=2, seed=1)
MDP = ST.emdp
OLD = ST.policy
G = float(ST.gamma)


def _softmax(theta):
    z = np.exp(theta - theta.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _surrogate(theta, eps, advantage):
    mdp = MDP.mdp
    S, A = mdp.num_states, mdp.num_actions
    P = np.asarray(mdp.P, dtype=float)
    r = np.asarray(mdp.r, dtype=float)
    old = _softmax(np.asarray(OLD.theta, dtype=float))
    new = _softmax(theta)
    z = S - 1
    # v_old at γ by value iteration over the (finite) horizon, q_old = r + γ P v_old
    v = np.zeros(S)
    for _ in range(10):
        v = (old * (r + G * P @ v)).sum(axis=1)
    q = r + G * P @ v
    total = 0.0
    for states, actions, p in enumerate_trajectories(P.tolist(), old.tolist(), tuple(float(x) for x in mdp.mu0), 3):
        if p == 0:
            continue
        steps = [t for t in range(len(actions)) if states[t] != z]
        for t in steps:
            s, a = states[t], actions[t]
            if advantage == "exact":
                adv = q[s, a] - v[s]
            else:
                adv = sum(G ** (k - t) * r[states[k], actions[k]] for k in steps if k >= t)
            rho = new[s, a] / old[s, a]
            total += p * min(rho * adv, min(max(rho, 1 - eps), 1 + eps) * adv)
    return total


@pytest.mark.parametrize("advantage", ["exact", "returns"])
@pytest.mark.parametrize("shift", [0.0, 0.3, 0.9])
def test_ppo_gradient_against_finite_differences(advantage, shift):
    rng = np.random.default_rng(7)
    theta = np.asarray(OLD.theta, dtype=float) + shift * rng.normal(size=np.shape(OLD.theta))
    res = ppo_clip_gradient(MDP, OLD, TabularSoftmax(theta), clip=0.2, advantage=advantage,
                            rollout=Rollout(n_steps=2, gamma=ST.gamma))
    h = 1e-6
    fd = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        e = np.zeros_like(theta)
        e[idx] = h
        fd[idx] = (_surrogate(theta + e, 0.2, advantage) - _surrogate(theta - e, 0.2, advantage)) / (2 * h)
    # central differences of a piecewise-smooth function away from its kinks: O(h²) + 1e-16/h
    np.testing.assert_allclose(res.gradient, fd, rtol=0, atol=1e-7)
    if shift == 0.9:
        assert res.clipped > 0   # the step moved far enough for some terms to clip


def test_first_epoch_is_the_undiscounted_target():
    """At θ = θ_old nothing clips and E[Σ_t A_t ∇log π_t] = E[Σ_t q(s_t, a_t) ∇log π_t]: the γ^t-less target."""
    res = ppo_clip_gradient(MDP, OLD, OLD, rollout=Rollout(n_steps=2, gamma=ST.gamma))
    pr = diagnose(Expectation(np.asarray(ST.grad_U, dtype=float), True, "float64", 1, 1.0), ST).target(
        "practice.undiscounted-score-weighting").value
    np.testing.assert_allclose(res.gradient, pr, rtol=0, atol=1e-12)
    assert res.clipped == 0 and "omits the γ^t weighting" in res.verdict.sentence


def test_bad_ppo_arguments():
    with pytest.raises(AuditError, match="clip must lie"):
        ppo_clip_gradient(MDP, OLD, OLD, clip=1.5)
    with pytest.raises(AuditError, match="advantage must be"):
        ppo_clip_gradient(MDP, OLD, OLD, advantage="gae")
