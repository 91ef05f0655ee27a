"""pgverify.testing, the strategies, the pytest plugin and the Hypothesis entry point."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from numeric import FiniteMDP, TabularSoftmax, utility_gradient
from numeric.errors import InvalidMDPError, PGVerifyError
from pgverify import testing
from pgverify.strategies import episodic_mdps

ROOT = Path(__file__).resolve().parent.parent


def exact_gradient(mdp, theta):
    return utility_gradient(mdp, TabularSoftmax(theta))


def test_a_correct_gradient_passes():
    testing.assert_policy_gradient(exact_gradient, max_examples=15)


def test_a_wrong_gradient_fails_with_both_sides_named():
    def undiscounted(mdp, theta):  # the gradient as if λ were 0: ∇θ Σ_a π(a|s⁰) r(s⁰, a)
        return utility_gradient(FiniteMDP(mdp.P, mdp.r, 0.0, mdp.initial), TabularSoftmax(theta))

    with pytest.raises(AssertionError) as info:
        testing.assert_policy_gradient(undiscounted, max_examples=15)
    message = str(info.value)
    for fragment in ("left  (yours):     grad_fn(mdp, theta) = ", "right (reference): ∇θU(θ)", "left − right = ",
                     "mdp = FiniteMDP(", "theta = log "):
        assert fragment in message
    assert "discount=0," not in message  # λ = 0 is where the two agree: the counterexample has λ > 0


def test_wrong_shape_is_reported():
    with pytest.raises(AssertionError, match=r"returned shape \(1,\), but theta has shape"):
        testing.assert_policy_gradient(lambda mdp, theta: np.zeros(1), max_examples=5, max_states=1, max_actions=1)


def test_exact_expectation_of_an_unbiased_and_a_biased_estimator():
    def vanilla(mdp, theta, trajectories):  # R_τ Σ_t ∇ log π(a_t|s_t): the post's vpg.gradient
        pi = TabularSoftmax(theta).probabilities()
        g = np.zeros_like(theta)
        for tau in trajectories:
            ret = sum(mdp.discount ** t * r for t, r in enumerate(tau.rewards))
            for s, a in zip(tau.states, tau.actions):
                g[s] += ret * (np.eye(theta.shape[1])[a] - pi[s])
        return g / len(trajectories)

    testing.assert_policy_gradient(vanilla, estimator=True, max_examples=10)
    with pytest.raises(AssertionError, match="exact expectation over every trajectory"):
        testing.assert_policy_gradient(lambda mdp, theta, trs: 2 * vanilla(mdp, theta, trs), estimator=True,
                                       max_examples=10, horizon=1)


@pytest.mark.parametrize("options, fragment", [
    ({"horizon": 0}, "horizon must be an integer >= 1, got 0"),
    ({"max_examples": 0}, "max_examples must be an integer >= 1, got 0"),
    ({"max_states": True}, "max_states must be an integer >= 1, got True"),
    ({"rtol": 0.0}, r"rtol must lie in \(0, 1\), got 0.0"),
], ids=["horizon", "max_examples", "max_states", "rtol"])
def test_bad_arguments(options, fragment):
    with pytest.raises(testing.InvalidTestArgument, match=fragment) as info:
        testing.assert_policy_gradient(exact_gradient, **options)
    assert isinstance(info.value, ValueError) and isinstance(info.value, PGVerifyError)


def test_grad_fn_must_be_callable():
    with pytest.raises(testing.InvalidTestArgument, match="grad_fn must be callable, got int"):
        testing.assert_policy_gradient(3)


MDP = FiniteMDP(P=[[[0.9, 0.1], [0.2, 0.8]], [[0.5, 0.5], [0.0, 1.0]]], r=[[1.0, 0.0], [0.0, 2.0]], discount=0.5)
THETA = np.array([[0.3, -0.2], [0.1, 0.5]])


@pytest.mark.parametrize("seed", range(5))
def test_taylor_rate_separates_the_gradient_from_a_wrong_one(seed):
    good = testing.taylor_test(exact_gradient, MDP, THETA, seed=seed)
    bad = testing.taylor_test(lambda m, th: exact_gradient(m, th) + 0.01, MDP, THETA, seed=seed)
    assert good.passed and good.rate > 1.8
    assert bad.passed is False and bad.rate < 1.2
    assert len(good.remainders) == len(testing.TAYLOR_STEPS)


def test_taylor_undecided_when_u_is_flat():
    flat = FiniteMDP(P=np.full((1, 2, 1), 1.0), r=[[1.0, 1.0]], discount=0.5)
    result = testing.taylor_test(lambda m, th: np.zeros((1, 2)), flat, np.zeros((1, 2)))
    assert result.rate is None and result.passed is None and "undecided" in str(result)


def test_taylor_bad_arguments():
    with pytest.raises(testing.InvalidTestArgument, match="steps must be at least three"):
        testing.taylor_test(exact_gradient, MDP, THETA, steps=(0.1, 0.01))
    with pytest.raises(testing.InvalidTestArgument, match=r"grad_fn returned shape \(4,\)"):
        testing.taylor_test(lambda m, th: np.zeros(4), MDP, THETA)


@settings(max_examples=30, database=None)
@given(episodic_mdps(horizon=3))
def test_episodic_mdps_are_absorbed_within_the_horizon(mdp):
    S = mdp.num_states
    assert S <= 4 and all(mdp.P[S - 1, a, S - 1] == 1 and mdp.r[S - 1, a] == 0 for a in range(mdp.num_actions))
    for s in range(S - 1):
        assert all(mdp.P[s, a, t] == 0 for a in range(mdp.num_actions) for t in range(s + 1))


def test_episodic_mdps_bad_argument():
    with pytest.raises(InvalidMDPError, match="horizon must be an integer >= 1, got 0"):
        find(episodic_mdps(horizon=0), lambda m: True)


# ------------------------------------------------ plugin and entry points
def test_entry_points_are_registered():
    eps = metadata.entry_points()
    assert [e.value for e in eps.select(group="pytest11", name="pgverify")] == ["_pgverify_pytestplugin"]
    assert [e.value for e in eps.select(group="hypothesis") if e.value.startswith("numeric.")] == [
        "numeric._hypothesis:_register"]


def test_from_type_draws_the_records():
    assert isinstance(find(st.from_type(FiniteMDP), lambda m: m.num_states > 1), FiniteMDP)
    assert find(st.from_type(TabularSoftmax), lambda p: p.shape == (2, 2)).exact


def test_the_plugin_costs_nothing_until_used():
    code = "import sys, _pgverify_pytestplugin; print(sorted(m for m in ('pgverify', 'numpy', 'sympy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_fixtures(assert_policy_gradient, taylor_test, verify_derivation, pgverify_settings):
    import pgverify

    assert pgverify_settings.seed == 0
    assert_policy_gradient(exact_gradient, max_examples=5)
    assert taylor_test(exact_gradient, MDP, THETA).passed
    d = pgverify.derivation("U = μᵀv", methods=("exact", "numeric"))(lambda m: pgverify.identity(m.U, m.mu0 @ m.v))
    assert verify_derivation(d).verdict == "verified"


def test_importing_the_strategies_first_is_not_circular():
    """The Hypothesis entry point must not import numeric.strategies while Hypothesis is loading."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import numeric.strategies"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_continuous_action_strategies_are_exported():
    from hypothesis import given, settings

    from numeric import ContinuousActionMDP, ScalarLQR
    from pgverify.strategies import continuous_action_mdps, scalar_lqrs

    @settings(max_examples=10, deadline=None)
    @given(continuous_action_mdps(), scalar_lqrs())
    def drawn(continuous, lqr):
        assert isinstance(continuous[0], ContinuousActionMDP) and isinstance(lqr[0], ScalarLQR)
        a, b, k, lam = lqr[0].a, lqr[0].b, lqr[1], lqr[0].discount
        assert lam * (a - b * k) ** 2 < 1

    drawn()
