"""The reward-to-go policy gradient, derived the way lecture notes on REINFORCE present it.

Each function yields the displayed lines of one derivation, in order; every
"=" between two consecutive lines is a step that pgverify checks.  Run:

    pgverify verify docs/examples/reward_to_go.py

The setting is the post's: a finite, discounted, continuing MDP with initial
state s⁰.  A trajectory is cut after T actions and the rest of the return is
bootstrapped with the value of the state reached, so every line is exact:

    U(θ) = E_τ[ Σ_{k=1}^T λ^{k−1} r(s_k, a_k) + λ^T v(s_{T+1}) ].
"""

import numpy as np

import pgverify
from pgverify.trajectories import trajectories

T = 2  # actions per trajectory


def parts(m):
    """The trajectories of m, their scores ∇θ log π(a_t|s_t) (each (N, K)) and rewards r(s_t, a_t) (each (N,))."""
    tr = trajectories(m, horizon=T)
    s, a = tr.states, tr.actions
    return tr, [m.score[s[t], a[t]] for t in range(T)], [m.r[s[t], a[t]] for t in range(T)]


def tail(m, tr):
    """λ^T E[∇θ v(s_{T+1})]: the gradient of the bootstrapped value."""
    return m.lam ** T * tr.mean(m.grad_v[tr.states[T]])


def reward_to_go_value(m, tr, r, t):
    """G_t = Σ_{k=t}^T λ^{k−t} r(s_k, a_k) + λ^{T−t+1} v(s_{T+1}), t counted from 0 here."""
    return sum(m.lam ** (k - t) * r[k] for k in range(t, T)) + m.lam ** (T - t) * m.v[tr.states[T]]


STEPS = (
    "likelihood ratio",
    "causality: past rewards drop out",
    "pull λ^{t-1} out: reward-to-go",
    "E[G_t | s_t, a_t] = q(s_t, a_t)",
    "unroll: the policy gradient theorem",
)


def lines(m, *, discount_weight=True):
    tr, score, r = parts(m)
    s, a, vT = tr.states, tr.actions, m.v[tr.states[T]]
    # 1. ∇θ U(θ), differentiated directly
    yield m.grad_U
    # 2. E[(Σ_t ∇ log π(a_t|s_t)) (Σ_k λ^{k-1} r_k + λ^T v(s_{T+1}))] + λ^T E[∇ v(s_{T+1})]
    ret = sum(m.lam ** k * r[k] for k in range(T)) + m.lam ** T * vT
    yield tr.mean(sum(score) * ret[:, None]) + tail(m, tr)
    # 3. E[Σ_t ∇ log π(a_t|s_t) (Σ_{k≥t} λ^{k-1} r_k + λ^T v(s_{T+1}))] + λ^T E[∇ v(s_{T+1})]
    future = [sum(m.lam ** k * r[k] for k in range(t, T)) + m.lam ** T * vT for t in range(T)]
    yield tr.mean(sum(score[t] * future[t][:, None] for t in range(T))) + tail(m, tr)
    # 4. E[Σ_t λ^{t-1} G_t ∇ log π(a_t|s_t)] + λ^T E[∇ v(s_{T+1})]
    weight = [m.lam ** t if discount_weight else 1 for t in range(T)]
    yield tr.mean(sum(weight[t] * reward_to_go_value(m, tr, r, t)[:, None] * score[t] for t in range(T))) \
        + tail(m, tr)
    # 5. E[Σ_t λ^{t-1} q(s_t, a_t) ∇ log π(a_t|s_t)] + λ^T E[∇ v(s_{T+1})]
    yield tr.mean(sum(m.lam ** t * m.q[s[t], a[t]][:, None] * score[t] for t in range(T))) + tail(m, tr)
    # 6. (1 − λ)^{-1} E_{s∼d} E_{a∼π(s)}[q(s, a) ∇ log π(a|s)]
    yield np.einsum("s,sa,sa,sak->k", m.d, m.pi, m.q, m.score) / (1 - m.lam)


# Every method applies: the symbolic one sums over the trajectories in rational
# functions of the family's 13 symbols (a proof for every 2-state, 2-action MDP),
# the exact one at random points, the numeric one on Hypothesis-drawn MDPs.
@pgverify.derivation("reward-to-go", steps=STEPS)
def reward_to_go(m):
    yield from lines(m)


@pgverify.derivation("reward-to-go, discount weight dropped", steps=STEPS)
def reward_to_go_undiscounted(m):
    """The deliberate mistake: step 3 writes Σ_t G_t ∇ log π(a_t|s_t), without λ^{t−1}."""
    yield from lines(m, discount_weight=False)
