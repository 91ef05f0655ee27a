"""The average-reward criterion on ergodic MDPs [Sutton et al. 1999, §1; Puterman 1994, ch. 8].

For a policy whose chain P_π is irreducible and aperiodic (ergodic):

* the stationary distribution d^π: dᵀP_π = dᵀ, Σ_s d(s) = 1, solved as
  (I − P_π + 𝟙𝟙ᵀ)ᵀ d = 𝟙 (non-singular exactly when the chain has one
  recurrent class);
* the average reward ρ(θ) = Σ_s d^π(s) r_π(s);
* differential values h = r_π − ρ𝟙 + P_π h with dᵀh = 0, and the
  differential action values q̃(s, a) = r(s, a) − ρ + Σ_{s'} P(s'|s, a) h(s');
* the reference gradient ∇θρ, by differentiating ρ = dᵀr_π directly:
  ∇ρ = (∇d)ᵀ r_π + dᵀ∇r_π with (I − P_π + 𝟙𝟙ᵀ)ᵀ ∇d = (∇P_π)ᵀ d — never
  through the average-reward policy gradient theorem.

The ``*_of`` functions work on a :class:`~numeric.model.Model` in any
arithmetic; the public functions take an MDP and a policy, check that the
chain is ergodic and raise :class:`InvalidMDPError` otherwise.
"""

from __future__ import annotations

from math import gcd
from typing import Any

import numpy as np

from numeric.errors import InvalidMDPError
from numeric.evaluation import Policy, model
from numeric.mdp import FiniteMDP
from numeric.model import Model

__all__ = ["AverageReward", "average_reward_of", "check_ergodic", "stationary_distribution", "average_reward",
           "differential_action_value", "average_reward_gradient"]


class AverageReward:
    """d, ρ, h, q̃ and the reference ∇ρ of a model (computed lazily; see the module docstring)."""

    def __init__(self, m: Model) -> None:
        self.m = m
        S = m.S
        eye = np.eye(S) if m.arithmetic.name == "float64" else np.eye(S, dtype=object)
        ones = m.P_pi * 0 + 1
        self._B = eye - m.P_pi + ones  # I − P_π + 𝟙𝟙ᵀ
        one = m.r_pi * 0 + 1
        self.d, _ = m.arithmetic.solve_pair(self._B.T, one, one)
        self.rho = self.d @ m.r_pi
        # h = (I − P_π + 𝟙dᵀ)⁻¹(r_π − ρ𝟙) satisfies h = r_π − ρ𝟙 + P_π h and dᵀh = 0.
        Z = eye - m.P_pi + np.multiply.outer(one, self.d)
        self.h, _ = m.arithmetic.solve_pair(Z, m.r_pi - self.rho, one)
        self.q_tilde = m.r - self.rho + np.einsum("sat,t->sa", m.P, self.h)

    @property
    def grad_rho(self) -> np.ndarray:
        """∇θρ, shape ``(K,)``, by differentiating ρ = dᵀr_π (symbolically when the model can)."""
        m = self.m
        try:
            return m.derivative(self.rho)
        except NotImplementedError:
            pass
        dP = np.einsum("sak,sat->stk", m.dpi, m.P)  # ∇P_π[s, s', k]
        grad_d, _ = m.arithmetic.solve_pair(self._B.T, np.einsum("stk,s->tk", dP, self.d), self.d)
        return np.einsum("tk,t->k", grad_d, m.r_pi) + np.einsum("s,sak,sa->k", self.d, m.dpi, m.r)


def average_reward_of(m: Model) -> AverageReward:
    """The average-reward quantities of a model (no ergodicity check: the caller's family guarantees it)."""
    return AverageReward(m)


def check_ergodic(mdp: FiniteMDP, policy: Policy) -> None:
    """Raise :class:`InvalidMDPError` unless the chain P_π is irreducible and aperiodic.

    The support of P_π is that of Σ_a P[s, a, ·] (softmax policies put
    positive mass on every action), so the test is on the transition graph.

    >>> from numeric.policies import TabularSoftmax
    >>> flip = FiniteMDP(P=[[[0, 1]], [[1, 0]]], r=[[1], [0]], discount=0)
    >>> check_ergodic(flip, TabularSoftmax.from_weights([[1], [1]]))
    Traceback (most recent call last):
    ...
    numeric.errors.InvalidMDPError: mdp is not ergodic under the policy: the chain P_π is periodic with period 2
    """
    pi = np.asarray(policy.probabilities(), dtype=np.float64)
    support = np.einsum("sa,sat->st", pi > 0, np.asarray(mdp.P, dtype=np.float64) > 0) > 0
    S = support.shape[0]
    level = {0: 0}
    frontier = [0]
    while frontier:
        nxt = []
        for u in frontier:
            for v in np.flatnonzero(support[u]):
                if int(v) not in level:
                    level[int(v)] = level[u] + 1
                    nxt.append(int(v))
        frontier = nxt
    reverse = {0}
    stack = [0]
    while stack:
        u = stack.pop()
        for v in np.flatnonzero(support[:, u]):
            if int(v) not in reverse:
                reverse.add(int(v))
                stack.append(int(v))
    if len(level) < S or len(reverse) < S:
        unreached = sorted(set(range(S)) - set(level)) or sorted(set(range(S)) - reverse)
        raise InvalidMDPError(f"mdp is not ergodic under the policy: the chain P_π is reducible "
                              f"(state 0 and state {unreached[0]} do not communicate)")
    period = 0
    for u in range(S):
        for v in np.flatnonzero(support[u]):
            period = gcd(period, level[u] + 1 - level[int(v)])
    if period != 1:
        raise InvalidMDPError(f"mdp is not ergodic under the policy: the chain P_π is periodic with period {period}")


def _checked(mdp: FiniteMDP, policy: Policy) -> AverageReward:
    m = model(mdp, policy)
    check_ergodic(mdp, policy)
    return AverageReward(m)


def stationary_distribution(mdp: FiniteMDP, policy: Policy) -> np.ndarray:
    """d^π with dᵀP_π = dᵀ and Σ_s d(s) = 1, shape ``(S,)``.

    >>> from fractions import Fraction as F
    >>> from numeric.policies import TabularSoftmax
    >>> mdp = FiniteMDP(P=[[[F(1, 2), F(1, 2)]], [[1, 0]]], r=[[1], [0]], discount=0)
    >>> stationary_distribution(mdp, TabularSoftmax.from_weights([[1], [1]]))
    array([Fraction(2, 3), Fraction(1, 3)], dtype=object)
    """
    return _checked(mdp, policy).d


def average_reward(mdp: FiniteMDP, policy: Policy) -> Any:
    """ρ(θ) = Σ_s d^π(s) Σ_a π(a|s) r(s, a) (the discount of ``mdp`` is ignored)."""
    return _checked(mdp, policy).rho


def differential_action_value(mdp: FiniteMDP, policy: Policy) -> np.ndarray:
    """q̃(s, a) = r(s, a) − ρ + Σ_{s'} P(s'|s, a) h(s'), with dᵀh = 0; shape ``(S, A)``."""
    return _checked(mdp, policy).q_tilde


def average_reward_gradient(mdp: FiniteMDP, policy: Policy) -> np.ndarray:
    """∇θρ, shape ``(K,)``, by differentiating ρ = dᵀr_π through the stationary system (not by the theorem)."""
    return _checked(mdp, policy).grad_rho
