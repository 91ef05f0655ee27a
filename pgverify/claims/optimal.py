"""The post's appeal to Puterman §6.2.4 (Setting): an optimal stationary policy exists."""

from __future__ import annotations

import numpy as np

from numeric.mdp import FiniteMDP
from numeric.model import Model
from numeric.optimal import brute_force_optimum, policy_iteration
from pgverify.registry import claim
from pgverify.statement import Chain, conjunction, identity

SECTION = "Setting"


@claim("setting.optimal-stationary-policy", section=SECTION, methods=("exact", "numeric"),
       statement=r"\text{an optimal stationary policy exists [Puterman 6.2.4]: some deterministic stationary "
                 r"policy is at least as good as every stationary policy at every state}",
       note="On each model's MDP, policy iteration gives a deterministic π* with values v*. Checked: the "
            "Bellman optimality certificate v*(s) ≥ r(s, a) + λ Σ_{s'} P(s'|s, a) v*(s') at every (s, a), "
            "which implies v* ≥ v^π at every state for every stationary π (since (I − λP_π)⁻¹ ≥ 0); "
            "v* ≥ v^π for the model's own stochastic π; and v* = the state-wise maximum over all A^S "
            "deterministic policies (brute force). The optimum is a maximum, not a rational identity: "
            "no symbolic method and no Schwartz–Zippel bound apply, each exact point is checked exactly.")
def optimal_stationary_policy(m: Model) -> Chain:
    mdp = FiniteMDP(m.P, m.r, m.lam)
    star = policy_iteration(mdp)
    brute = brute_force_optimum(mdp)
    return conjunction(
        identity(np.repeat(star.v[:, None], m.A, axis=1), star.q, relation=">=",
                 label="v*(s) ≥ r(s, a) + λ Σ_s' P(s'|s, a) v*(s') at every (s, a)"),
        identity(star.v, m.v, relation=">=", label="v*(s) ≥ v^π(s) at every s, π the model's policy"),
        identity(star.v, brute.v, label="v* (policy iteration) = max over the A^S deterministic policies"),
    )
