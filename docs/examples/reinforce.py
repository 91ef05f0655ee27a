"""Your own REINFORCE, tested against pgverify's reference gradient.

``reinforce(mdp, theta, trajectories)`` is the reward-to-go estimator

    ĝ = (1/N) Σ_n Σ_t λ^{t−1} G_t^n ∇θ log π_θ(a_t^n|s_t^n),   G_t = Σ_{k≥t} λ^{k−t} r_k,

for the tabular softmax π_θ(a|s) = e^{θ[s,a]} / Σ_b e^{θ[s,b]}, whose score is
∇_{θ[s,·]} log π_θ(a|s) = e_a − π_θ(·|s).  ``reinforce_buggy`` forgets the
discount power λ^{t−1}.
"""

import numpy as np


def policy(theta):
    z = np.exp(theta - theta.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def reinforce(mdp, theta, trajectories, *, discount_power=True):
    pi, lam = policy(theta), mdp.discount
    g = np.zeros_like(theta)
    for tau in trajectories:
        T = len(tau.actions)
        returns = [sum(lam ** (k - t) * tau.rewards[k] for k in range(t, T)) for t in range(T)]
        for t in range(T):
            s, a = tau.states[t], tau.actions[t]
            score = -pi[s].copy()
            score[a] += 1
            g[s] += (lam ** t if discount_power else 1) * returns[t] * score
    return g / len(trajectories)


def reinforce_buggy(mdp, theta, trajectories):
    return reinforce(mdp, theta, trajectories, discount_power=False)
