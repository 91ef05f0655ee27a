"""Hypothesis strategies for MDPs and policies: the public, documented set.

Every strategy is valid by construction (no ``filter``/``assume``), draws exact
Fractions, and shrinks toward the simplest case (see :mod:`numeric.strategies`).

* :func:`finite_mdps` — finite discounted MDPs (continuing), initial state 0
  or a drawn initial distribution;
* :func:`episodic_mdps` — MDPs whose last state is absorbing with zero reward
  and reached from s⁰ = 0 within ``horizon`` steps;
* :func:`tabular_softmax_policies` — π_θ(a|s) ∝ e^{θ[s,a]} with integer weights e^θ;
* :func:`mdps_and_tabular_policies` — matching (mdp, policy) pairs;
* :func:`stochastic_rows` — one exact probability vector.

With pgverify installed, ``st.from_type(FiniteMDP)`` and
``st.from_type(TabularSoftmax)`` work too (a ``hypothesis`` entry point).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

from numeric.errors import InvalidMDPError
from numeric.mdp import FiniteMDP
from numeric.strategies import finite_mdps, mdps_and_tabular_policies, stochastic_rows, tabular_softmax_policies

__all__ = ["finite_mdps", "episodic_mdps", "tabular_softmax_policies", "mdps_and_tabular_policies",
           "stochastic_rows"]


@st.composite
def episodic_mdps(draw: st.DrawFn, *, horizon: int = 2, max_actions: int = 3, max_weight: int = 4,
                  max_reward: int = 4) -> FiniteMDP:
    """Exact episodic MDPs: S ≤ horizon + 1 states, the last one absorbing with zero reward.

    From a state s < S − 1 every action moves to a later state (weights drawn
    as in :func:`numeric.strategies.stochastic_rows`), so every trajectory from
    s⁰ = 0 is absorbed within S − 1 ≤ ``horizon`` steps.  Shrinks toward two
    states, one action, zero rewards, zero discount.

    >>> from hypothesis import find
    >>> find(episodic_mdps(), lambda m: True)
    FiniteMDP(P=[[[0, 1]], [[0, 1]]], r=[[0], [0]], discount=0, initial=0)
    """
    for name, value in (("horizon", horizon), ("max_actions", max_actions)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidMDPError(f"{name} must be an integer >= 1, got {value!r}")
    S = draw(st.integers(2, horizon + 1))
    A = draw(st.integers(1, max_actions))
    zero, one = Fraction(0), Fraction(1)
    P = np.full((S, A, S), zero, dtype=object)
    r = np.full((S, A), zero, dtype=object)
    for s in range(S - 1):
        for a in range(A):
            row = draw(stochastic_rows(S - 1 - s, max_weight=max_weight))
            P[s, a, S - 1:s:-1] = row  # shrinks toward jumping straight to the absorbing state
            r[s, a] = Fraction(draw(st.integers(-max_reward, max_reward)))
    P[S - 1, :, S - 1] = one
    lam = Fraction(draw(st.integers(0, 9)), 10)
    return FiniteMDP(P, r, lam, 0)
