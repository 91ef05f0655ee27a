"""The optimal stationary policy: policy iteration against brute force, and the claim."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import numeric
from numeric import FiniteMDP, brute_force_optimum, deterministic_policy_value, policy_iteration, policy_value
from numeric import strategies as nst
from numeric.optimal import IMPROVEMENT_RTOL
from pgverify.checker import Settings, check_claim
from pgverify.registry import Claim, select
from pgverify.statement import identity

MDP = FiniteMDP(P=[[[1, 0], [0, 1]], [[0, 1], [0, 1]]], r=[[0, 0], [1, 1]], discount=F(1, 2))
FLOAT_MDP = MDP.to_float()

@st.composite
def mdps_and_stochastic_policies(draw, **mdp_options):
    """An exact MDP and an exact stochastic π[s, a] (zeros allowed, so deterministic rows too)."""
    mdp = draw(nst.finite_mdps(**mdp_options))
    pi = [draw(nst.stochastic_rows(mdp.num_actions)) for _ in range(mdp.num_states)]
    return mdp, np.array(pi, dtype=object)


@settings(max_examples=60, deadline=None)
@given(nst.finite_mdps(max_states=4, max_actions=3))
def test_policy_iteration_equals_brute_force(mdp):
    star, brute = policy_iteration(mdp), brute_force_optimum(mdp)
    assert np.array_equal(star.v, brute.v)
    assert brute.actions is not None
    assert np.array_equal(deterministic_policy_value(mdp, brute.actions), star.v)
    assert np.array_equal(deterministic_policy_value(mdp, star.actions), star.v)
    assert np.array_equal(star.q, mdp.r + mdp.discount * np.einsum("sat,t->sa", mdp.P, star.v))
    assert all(star.v[s] >= star.q[s, a] for s in range(mdp.num_states) for a in range(mdp.num_actions))
    assert star.iterations <= mdp.num_actions ** mdp.num_states


@settings(max_examples=60, deadline=None)
@given(mdps_and_stochastic_policies(max_states=4, max_actions=3))
def test_optimal_value_dominates_every_stochastic_policy(example):
    mdp, pi = example
    v_star, v_pi = policy_iteration(mdp).v, policy_value(mdp, pi)
    assert all(v_star >= v_pi)


@settings(max_examples=40, deadline=None)
@given(nst.mdps_and_tabular_policies(max_states=3, max_actions=3))
def test_policy_value_is_the_models_value(example):
    mdp, policy = example
    assert np.array_equal(policy_value(mdp, policy.probabilities()), numeric.value(mdp, policy))


@settings(max_examples=40, deadline=None)
@given(nst.finite_mdps(max_states=4, max_actions=3))
def test_float_policy_iteration_is_optimal_within_its_tolerance(mdp):
    exact, approx = policy_iteration(mdp), policy_iteration(mdp.to_float())
    lam = float(mdp.discount)
    tol = IMPROVEMENT_RTOL * (1 + float(np.max(np.abs(mdp.r.astype(float))))) / (1 - lam) ** 3
    gap = exact.v - deterministic_policy_value(mdp, approx.actions)  # exact suboptimality of the float policy
    assert all(0 <= g <= tol for g in gap)
    assert np.allclose(approx.v, exact.v.astype(float), rtol=0, atol=tol)


def test_ties_are_broken_towards_the_smallest_action():
    mdp = FiniteMDP(P=np.full((3, 3, 3), F(1, 3), dtype=object), r=np.full((3, 3), F(1), dtype=object),
                    discount=F(1, 2))
    star = policy_iteration(mdp)
    assert star.actions.tolist() == [0, 0, 0] and star.iterations == 1
    assert brute_force_optimum(mdp).actions.tolist() == [0, 0, 0]


def test_policy_iteration_improves_beyond_the_first_sweep():
    """A chain where only state 1 sees the reward first: π* needs two improvement sweeps."""
    mdp = FiniteMDP(P=[[[1, 0, 0], [0, 1, 0]], [[0, 1, 0], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]],
                    r=[[0, 0], [0, 0], [1, 1]], discount=F(1, 2))
    star = policy_iteration(mdp)
    assert star.actions.tolist() == [1, 1, 0] and star.iterations == 3
    assert star.v.tolist() == [F(1, 2), F(1), F(2)]


def test_claim_is_verified_not_proved():
    result = check_claim(select(["setting.optimal-stationary-policy"])[0], Settings(seed=0))
    assert result.verdict == "verified"
    assert {c.method: c.passed for c in result.checks} == {"exact": True, "numeric": True}


def test_a_false_optimality_claim_is_refuted():
    """The same check with 'always take action 0' in place of π* must fail: the inequality steps can fail."""
    def always_first_action(m):
        v0 = deterministic_policy_value(FiniteMDP(m.P, m.r, m.lam), np.zeros(m.S, dtype=int))
        return identity(v0, m.v, relation=">=", label="v^{d≡0}(s) ≥ v^π(s)")

    fake = Claim("test.always-first-action", "Setting", "", always_first_action, methods=("exact", "numeric"))
    result = check_claim(fake, Settings(seed=0, counterexample_examples=100))
    assert result.verdict == "refuted"
    assert result.counterexample is not None and result.counterexample.exact
