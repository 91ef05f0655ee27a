"""Hypothesis entry point (group ``hypothesis``): ``st.from_type(FiniteMDP)`` and ``st.from_type(TabularSoftmax)``.

Hypothesis calls :func:`_register` when it is imported; it registers the
public strategies of :mod:`numeric.strategies` for the two record types.  The
strategies are deferred: ``numeric.strategies`` imports Hypothesis itself, so
importing it here, while Hypothesis may still be loading, would be circular.
"""

from __future__ import annotations


def _register() -> None:
    from hypothesis import strategies as st

    from numeric.mdp import FiniteMDP
    from numeric.policies import TabularSoftmax

    def mdps() -> st.SearchStrategy[FiniteMDP]:
        from numeric.strategies import finite_mdps

        return finite_mdps()

    def policies() -> st.SearchStrategy[TabularSoftmax]:
        from numeric.strategies import tabular_softmax_policies

        return st.integers(1, 4).flatmap(lambda S: st.integers(1, 3).flatmap(
            lambda A: tabular_softmax_policies(num_states=S, num_actions=A)))

    st.register_type_strategy(FiniteMDP, st.deferred(mdps))
    st.register_type_strategy(TabularSoftmax, st.deferred(policies))
