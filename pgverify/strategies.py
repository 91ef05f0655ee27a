"""Hypothesis strategies for MDPs and policies: the public, documented set.

Every strategy is valid by construction (no ``filter``/``assume``), draws exact
Fractions, and shrinks toward the simplest case (see :mod:`numeric.strategies`).

* :func:`finite_mdps` — finite discounted MDPs (continuing), initial state 0
  or a drawn initial distribution;
* :func:`episodic_mdps` — MDPs whose last state is absorbing with zero reward
  and reached from s⁰ = 0 within ``horizon`` steps;
* :func:`tabular_softmax_policies` — π_θ(a|s) ∝ e^{θ[s,a]} with integer weights e^θ;
* :func:`mdps_and_tabular_policies` — matching (mdp, policy) pairs;
* :func:`stochastic_rows` — one exact probability vector;
* :func:`continuous_action_mdps` — finite states, actions a ∈ ℝ (transition kernel
  rational in a), with a deterministic policy μ_θ tabular or linear in features:
  triples ``(ContinuousActionMDP, features or None, theta)``;
* :func:`scalar_lqrs` — scalar linear-quadratic regulators with a stabilising gain:
  pairs ``(ScalarLQR, k)``.

With pgverify installed, ``st.from_type(FiniteMDP)`` and
``st.from_type(TabularSoftmax)`` work too (a ``hypothesis`` entry point).
"""

from __future__ import annotations

from hypothesis import strategies as st

from numeric import strategies as numeric_strategies
from numeric.errors import InvalidMDPError
from numeric.mdp import FiniteMDP
from numeric.strategies import finite_mdps, mdps_and_tabular_policies, stochastic_rows, tabular_softmax_policies
from pgverify.families.continuous import continuous_examples as continuous_action_mdps
from pgverify.families.continuous import lqr_examples as scalar_lqrs

__all__ = ["finite_mdps", "episodic_mdps", "tabular_softmax_policies", "mdps_and_tabular_policies",
           "stochastic_rows", "continuous_action_mdps", "scalar_lqrs"]


def episodic_mdps(*, horizon: int = 2, max_actions: int = 3, max_weight: int = 4,
                  max_reward: int = 4) -> st.SearchStrategy[FiniteMDP]:
    """Exact episodic MDPs as plain :class:`FiniteMDP`: S ≤ horizon + 1 states, the last absorbing with reward 0.

    The MDPs of :func:`numeric.strategies.episodic_mdps` with at most ``horizon``
    non-absorbing states: from a state s < S − 1 every action moves to a later
    state, so every trajectory from s⁰ = 0 is absorbed within S − 1 ≤ ``horizon``
    steps.  Shrinks toward two states, one action, zero rewards, zero discount.

    >>> from hypothesis import find
    >>> find(episodic_mdps(), lambda m: True)
    FiniteMDP(P=[[[0, 1]], [[0, 1]]], r=[[0], [0]], discount=0, initial=0)
    """
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise InvalidMDPError(f"horizon must be an integer >= 1, got {horizon!r}")
    return numeric_strategies.episodic_mdps(max_nonabsorbing=horizon, max_actions=max_actions, max_weight=max_weight,
                                            max_reward=max_reward).map(lambda emdp: emdp.mdp)
