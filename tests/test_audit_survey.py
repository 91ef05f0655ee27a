"""pgverify.audit.survey is sound: a match up to a factor counts only where it is evidence.

* On MDPs with two actions whose gradient lives on one state (γ = 0) every estimator of the
  score-function form is a multiple of ∇U: the action-dependent baseline b(s, a) = −r(s, a)/3 of
  issue 16 "held on all 5 informative draws as 1.333·∇U"; it is now never reported as holding, and
  on the default draws it fails.
* An unbiased estimator still holds, a mean loss with its factor 1/n; below MIN_INFORMATIVE
  informative draws the survey cannot decide.
* The default draws are mostly informative (measured: ≥ 80 % for ∇U).
* The criterion itself: too few score directions, another target a positive multiple of the matched
  one, a vanishing expectation — each makes a match uninformative or no match.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

from numeric import LinearSoftmax
from pgverify.audit import (MIN_INFORMATIVE, AuditError, Rollout, Survey, Target, diagnose, numpy_estimator, setting,
                            survey)
from pgverify.audit.diagnosis import _informative
from test_audit import MDP, POLICY, reinforce, returns, score_sum


def reward_baseline(theta, batch):
    """REINFORCE with the action-dependent baseline b(s, a) = −r(s, a)/3.

    E[ĝ] = ∇U + ⅓Σ_t γ^t E[r_t ∇log π_t]: (4/3)·∇U at γ = 0, no multiple of ∇U in general.
    """
    G = returns(batch, bootstrap=False) + batch.rewards / 3
    return score_sum(theta, batch, batch.gamma ** (batch.timesteps - batch.t0) * G) / batch.n_envs


BIASED = numpy_estimator(reward_baseline)
UNBIASED = numpy_estimator(reinforce)
# the issue's draws: γ = 0, at most two actions, 40 MDPs of one or two states
ISSUE = dict(rollout=Rollout(n_steps=2, gamma=0), horizon=2, min_horizon=1, min_actions=1, max_actions=2,
             min_discount=0, max_examples=40)


def test_the_action_dependent_baseline_of_the_issue_never_holds():
    s = survey(BIASED, **ISSUE)
    assert s.verdict("grad_U") != "holds" and not s.holds("grad_U")
    assert s.informative["grad_U"] < MIN_INFORMATIVE
    assert f"fewer than {MIN_INFORMATIVE}" in str(s) or "grad_U: fails" in str(s)


def test_a_draw_against_a_target_counts_even_where_a_match_would_not():
    """b(s, a) = a: at γ = 0, E[ĝ] = ∇U − (diag π − ππᵀ)b, a negative or zero multiple of ∇U on some."""
    def index_baseline(theta, batch):
        G = returns(batch, bootstrap=False) - batch.actions
        return score_sum(theta, batch, batch.gamma ** (batch.timesteps - batch.t0) * G) / batch.n_envs

    s = survey(numpy_estimator(index_baseline), **ISSUE)
    assert s.informative["grad_U"] == 0 and s.against["grad_U"] > 0 and s.verdict("grad_U") == "fails"


def test_the_action_dependent_baseline_fails_on_the_default_draws():
    s = survey(BIASED)
    assert s.verdict("grad_U") == "fails" and s.against["grad_U"] > 0
    assert s.matched["grad_U"][0] < s.informative["grad_U"]


def test_on_one_state_with_two_actions_the_4_3_factor_is_not_evidence():
    """γ = 0: ∇U lives on s⁰'s block, one direction with two actions: E[ĝ] = (4/3)∇U is forced, not found."""
    st = setting(MDP, POLICY, Rollout(gamma=0))
    d = diagnose(BIASED, st)
    assert d.matches["grad_U"] == pytest.approx(4 / 3, rel=1e-12)
    assert d.informative["grad_U"] is False and "not informative on this MDP" in str(d)
    # the same estimator at γ = 1/2: ∇U spans both states' blocks, and E[ĝ] is no multiple of it
    d = diagnose(BIASED, setting(MDP, POLICY, Rollout()))
    assert "grad_U" not in d.matches and d.informative["grad_U"] is True


def test_an_unbiased_estimator_still_holds():
    s = survey(UNBIASED)
    assert s.verdict("grad_U") == "holds" and s.matched["grad_U"] == (s.informative["grad_U"], 1.0, 1.0)
    assert s.informative["grad_U"] >= MIN_INFORMATIVE and s.against["grad_U"] == 0
    mean = survey(numpy_estimator(lambda th, b: reinforce(th, b) / b.n_steps))
    assert mean.holds("grad_U") and mean.matched["grad_U"][1:] == pytest.approx((1 / 3, 1 / 3), rel=1e-12)
    assert mean.verdict("practice.undiscounted-score-weighting") == "fails"


def test_default_draws_are_mostly_informative():
    """Measured over three seeds (60 draws): the share of draws on which a match with ∇U is evidence."""
    surveys = [survey(UNBIASED, seed=seed) for seed in range(3)]
    informative = sum(s.informative["grad_U"] for s in surveys)
    drawn = sum(s.examples for s in surveys)
    assert drawn == 60 and informative / drawn >= 0.8, (informative, drawn)


def test_below_the_minimum_the_survey_cannot_decide():
    s = survey(UNBIASED, max_examples=4)
    assert s.informative["grad_U"] < MIN_INFORMATIVE
    assert s.verdict("grad_U") == "undecided" and not s.holds("grad_U")
    assert f"grad_U: undecided (only {s.informative['grad_U']} informative draws, fewer than" in str(s)
    assert survey(UNBIASED, max_examples=4, minimum=1).verdict("grad_U") == "holds"
    with pytest.raises(AuditError, match="minimum must be an integer >= 1, got 0"):
        survey(UNBIASED, minimum=0)
    with pytest.raises(AuditError, match="no target named 'grad_V'"):
        s.verdict("grad_V")


@pytest.mark.parametrize("other, informative", [(2, False), (1, True), (-1, True), (None, True)],
                         ids=["positive-multiple", "equal", "negative-multiple", "another-direction"])
def test_another_target_parallel_to_the_matched_one(other, informative):
    """T' = k·T with k > 0 and T' ≠ T makes T indistinguishable; T' = T (an identity here) or k < 0 does not."""
    st = setting(MDP, POLICY, Rollout())
    t = Target("T", "", np.asarray(st.grad_U, dtype=np.float64))
    value = t.value + np.array([[1.0, -1.0], [0, 0], [0, 0]]) if other is None else other * t.value
    assert _informative(t, [t, Target("T'", "", value)], st, 1e-9) is informative


def test_a_one_parameter_policy_is_never_informative():
    """θ ∈ ℝ¹: every E[ĝ] is a multiple of every target."""
    policy = LinearSoftmax.from_weights(np.array([[[1], [0]], [[0], [1]], [[0], [0]]]), [1])
    d = diagnose(numpy_estimator(lambda th, b: np.array([0.5])), MDP, policy)
    assert not any(d.informative.values())


def test_a_linear_policy_counts_the_scores_of_the_states_acted_in_only():
    """φ(s, ·) of s = 0, 1 differ along one axis only: one direction, whatever the absorbing state's features."""
    phi = np.array([[[1, 0], [0, 0]], [[1, 0], [0, 0]], [[0, 1], [0, 0]]])
    st = setting(MDP, LinearSoftmax.from_weights(phi, [1, 1]))
    t = Target("T", "", np.array([1.0, 0.0]))
    assert _informative(t, [t], st, 1e-9) is False
    other = setting(MDP, LinearSoftmax.from_weights(np.array([[[1, 0], [0, 1]], [[1, 0], [0, 0]], [[0, 0], [0, 0]]]),
                                                    [1, 1]))
    assert _informative(t, [t], other, 1e-9) is True        # s = 0 and s = 1 together: two directions


def test_one_draw_against_is_enough_to_fail():
    s = Survey(20, {"grad_U": 15}, {"grad_U": (14, 1.0, 1.0)}, {"grad_U": 1}, MIN_INFORMATIVE, Rollout(), "float64")
    assert s.verdict("grad_U") == "fails" and "grad_U: fails (no positive multiple on 1 draws" in str(s)


def test_the_default_draws_are_those_documented():
    """2–3 non-absorbing states (episodes of up to 3 steps), 3 actions, γ ≥ 1/10: as the estimator sees them."""
    seen = []

    def spy(theta, batch):
        seen.append((batch.num_states, batch.num_actions, batch.gamma))
        return reinforce(theta, batch)

    s = survey(numpy_estimator(spy))
    assert s.examples == 20 and {n for n, _, _ in seen} == {3, 4} and {a for _, a, _ in seen} == {3}
    assert min(g for _, _, g in seen) >= 0.1 and s.rollout.n_steps == 3


def test_a_vanishing_expectation_matches_no_target_up_to_a_factor():
    d = diagnose(numpy_estimator(lambda th, b: 1e-12 * reinforce(th, b)), MDP, POLICY)
    assert d.matches == {}


def test_drawn_mdps_obey_the_survey_bounds():
    from hypothesis import find, given, settings

    from numeric.strategies import episodic_mdps

    @settings(max_examples=30, database=None, deadline=None)
    @given(episodic_mdps(min_nonabsorbing=2, max_nonabsorbing=3, min_actions=3, max_actions=3,
                         min_discount=F(1, 20)))
    def bounds(emdp):
        m = emdp.mdp
        assert 3 <= m.num_states <= 4 and m.num_actions == 3 and m.discount >= F(1, 10)

    bounds()
    with pytest.raises(ValueError, match="min_actions=3 is larger than max_actions=2"):
        find(episodic_mdps(min_actions=3, max_actions=2), lambda m: True)


def test_assert_policy_gradient_up_to_a_factor_needs_informative_draws():
    """The issue's baseline at γ = 0 with two actions is (4/3)·∇U on every draw: never evidence, so no pass."""
    from pgverify import testing

    with pytest.raises(AssertionError, match=r"only 0 of the 20 draws were informative for it, fewer than"):
        testing.assert_policy_gradient(BIASED, up_to_factor=True, rollout=Rollout(n_steps=2, gamma=0),
                                       max_actions=2, max_examples=20)
    with pytest.raises(AssertionError, match="the policy gradient differs from the reference"):
        testing.assert_policy_gradient(BIASED, up_to_factor=True, max_examples=20)


def test_assert_policy_gradient_up_to_a_factor_refuses_a_vanishing_expectation():
    """E[ĝ] = 10⁻¹²·∇U is no positive multiple of anything within the tolerance: it is 0."""
    from pgverify import testing

    tiny = numpy_estimator(lambda th, b: 1e-12 * reinforce(th, b))
    with pytest.raises(AssertionError, match="the policy gradient differs from the reference"):
        testing.assert_policy_gradient(tiny, up_to_factor=True, max_examples=20)
