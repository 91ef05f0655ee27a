"""The Monte Carlo sampler: bad inputs, the τ convention, and agreement in distribution with 𝒯_θ.

Agreement is tested with Pearson's chi-square test of the sampled counts of
whole trajectories (or of one step's (a_t, s_{t+1})) against the exact
probabilities computed here from P, π and μ by enumeration.  Each agreement
test rejects when its p-value is below ALPHA = 1e-3: for a correct sampler
and a seed drawn at random, a false alarm has probability 1e-3 per test
(2e-3 for the two together).  The seeds are fixed, so the outcome is
reproducible.  The same tests must reject deliberately wrong samplers.
"""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from numeric import FiniteMDP, TabularSoftmax
from numeric import strategies as nst
from numeric.sampling import Trajectories, _cdf_rows, _guide_bins, _guide_table, _inverse_cdf, sample_trajectories

ALPHA = 1e-3

# A small exact MDP with an initial distribution and zero-probability transitions.
SMALL = FiniteMDP(
    P=[[[F(1, 2), F(1, 2), 0], [F(1, 5), 0, F(4, 5)]],
       [[0, F(1, 3), F(2, 3)], [F(3, 4), F(1, 4), 0]],
       [[F(1, 3), F(1, 3), F(1, 3)], [0, 0, 1]]],
    r=[[1, -1], [2, 0], [0, 3]], discount=F(9, 10), initial=[F(1, 2), F(1, 4), F(1, 4)])
SMALL_POLICY = TabularSoftmax.from_weights([[1, 2], [3, 1], [1, 1]])


class FixedPolicy:
    """A stationary policy given by its table π[s, a] (zeros allowed), for the tests."""

    def __init__(self, pi: np.ndarray) -> None:
        self.pi = np.asarray(pi, dtype=np.float64)

    def probabilities(self) -> np.ndarray:
        return self.pi

    def check_compatible(self, mdp: FiniteMDP) -> None:
        TabularSoftmax(np.zeros(self.pi.shape)).check_compatible(mdp)


def sample(mdp=SMALL, policy=SMALL_POLICY, **kw):
    args = dict(horizon=3, num_trajectories=5, rng=np.random.default_rng(0))
    args.update(kw)
    return sample_trajectories(mdp, policy, **args)


@pytest.mark.parametrize("T", [1, 2, 5])
def test_post_convention_T_states_T_minus_1_actions(T):
    tau = sample(horizon=T, num_trajectories=7)
    assert (tau.states.shape, tau.actions.shape, tau.rewards.shape) == ((7, T), (7, T - 1), (7, T - 1))
    assert (tau.num_trajectories, tau.horizon) == (7, T)
    assert tau.rewards.dtype == np.float64 and tau.states.dtype.kind == "i" and tau.actions.dtype.kind == "i"


def test_rewards_are_r_of_state_and_action():
    tau = sample(horizon=6, num_trajectories=500)
    r = SMALL.r.astype(np.float64)
    assert np.array_equal(tau.rewards, r[tau.states[:, :-1], tau.actions])


def test_records_are_read_only():
    tau = sample()
    with pytest.raises(ValueError):
        tau.states[0, 0] = 1


def test_same_seed_same_trajectories_other_seed_others():
    a = sample(horizon=10, num_trajectories=100, rng=np.random.default_rng(7))
    b = sample(horizon=10, num_trajectories=100, rng=np.random.default_rng(7))
    c = sample(horizon=10, num_trajectories=100, rng=np.random.default_rng(8))
    assert np.array_equal(a.states, b.states) and np.array_equal(a.actions, b.actions)
    assert not np.array_equal(a.states, c.states)


def test_zero_probability_actions_and_transitions_never_sampled():
    pi = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])
    tau = sample(policy=FixedPolicy(pi), horizon=20, num_trajectories=2000)
    P = SMALL.P.astype(np.float64)
    assert np.all(pi[tau.states[:, :-1], tau.actions] > 0)
    assert np.all(P[tau.states[:, :-1], tau.actions, tau.states[:, 1:]] > 0)
    assert np.all(SMALL.mu0[tau.states[:, 0]] > 0)


@settings(max_examples=50, deadline=None)
@given(nst.mdps_and_tabular_policies(max_states=4, max_actions=3, initial_distribution=True),
       st.integers(1, 6), st.integers(0, 2 ** 32))
def test_every_sampled_step_has_positive_probability(example, T, seed):
    mdp, policy = example
    tau = sample_trajectories(mdp, policy, horizon=T, num_trajectories=200, rng=np.random.default_rng(seed))
    P, r = mdp.P.astype(np.float64), mdp.r.astype(np.float64)
    assert np.all(mdp.mu0[tau.states[:, 0]] > 0)
    assert np.all(P[tau.states[:, :-1], tau.actions, tau.states[:, 1:]] > 0)
    assert np.array_equal(tau.rewards, r[tau.states[:, :-1], tau.actions])


def test_guided_search_is_exactly_searchsorted_at_the_edges():
    """u = 0, u = each breakpoint, just below/above it, and the largest double below 1."""
    p = np.array([[0.0, 0.25, 0.0, 0.75, 0.0], [0.5, 0.0, 0.0, 0.0, 0.5], [0.0, 0.0, 0.0, 0.0, 1.0],
                  [0.1, 0.2, 0.3, 0.4, 0.0]])
    cdf = _cdf_rows(p)
    bins = _guide_bins(*cdf.shape)
    guide = _guide_table(cdf, bins, np.int32)
    for s in range(len(p)):
        us = np.concatenate([[0.0, np.nextafter(1.0, 0.0)], cdf[s, :-1], np.nextafter(cdf[s, :-1], 0.0),
                             np.nextafter(cdf[s, :-1], 1.0)])
        us = us[us < 1.0]
        j = _inverse_cdf(cdf.ravel(), guide, bins, np.full(len(us), s, dtype=np.int32), us.copy())
        assert np.array_equal(j - s * cdf.shape[1], np.searchsorted(cdf[s], us, side="right"))
        assert np.all(p[s, j - s * cdf.shape[1]] > 0)


# ------------------------------------------------------------------ agreement in distribution
def exact_trajectory_distribution(mdp: FiniteMDP, pi: np.ndarray, T: int) -> dict[tuple[int, ...], F]:
    """𝒯(τ) = μ(s_1) ∏_{t<T} π(a_t|s_t) P(s_{t+1}|s_t, a_t) for every τ = (s_1, a_1, …, s_T), exactly."""
    S, A = mdp.num_states, mdp.num_actions
    out = {}
    for s1 in range(S):
        for steps in itertools.product(itertools.product(range(A), range(S)), repeat=T - 1):
            p, s, tau = mdp.mu0[s1], s1, [s1]
            for a, s_next in steps:
                p, s = p * pi[s, a] * mdp.P[s, a, s_next], s_next
                tau += [a, s_next]
            out[tuple(tau)] = p
    return out


def chi_square_p_value(tau: Trajectories, exact: dict[tuple[int, ...], F]) -> float:
    """Pearson's test of the counts of whole trajectories against 𝒯 (cells of probability > 0).

    A sampled trajectory of probability 0 gives p = 0.
    """
    interleaved = np.empty((tau.num_trajectories, 2 * tau.horizon - 1), dtype=np.int64)
    interleaved[:, 0::2], interleaved[:, 1::2] = tau.states, tau.actions
    seen, counts = np.unique(interleaved, axis=0, return_counts=True)
    observed = dict(zip(map(tuple, seen.tolist()), counts.tolist()))
    if any(exact.get(k, 0) == 0 for k in observed):
        return 0.0
    cells = [k for k, p in exact.items() if p > 0]
    expected = np.array([float(exact[k]) for k in cells]) * tau.num_trajectories
    assert expected.min() >= 5, "the chi-square approximation needs every expected count >= 5"
    return float(stats.chisquare([observed.get(k, 0) for k in cells], expected).pvalue)


N_AGREEMENT = 40_000


def test_sampler_agrees_with_exact_trajectory_distribution():
    """Whole trajectories of horizon T=3 on SMALL (μ a distribution, zeros in P); α = 1e-3, seed 20261127."""
    exact = exact_trajectory_distribution(SMALL, SMALL_POLICY.probabilities(), 3)
    assert sum(exact.values()) == 1
    tau = sample(horizon=3, num_trajectories=N_AGREEMENT, rng=np.random.default_rng(20261127))
    assert chi_square_p_value(tau, exact) >= ALPHA


def shifted_action_transitions():
    """An off-by-one bug: the transition of action a + 1 (mod A) follows the action a."""
    return FiniteMDP(np.roll(SMALL.P, -1, axis=1), SMALL.r, SMALL.discount, SMALL.initial), SMALL_POLICY


def ignored_initial_distribution():
    """A bug that starts every trajectory in state 0 instead of drawing s_1 from μ."""
    return FiniteMDP(SMALL.P, SMALL.r, SMALL.discount, 0), SMALL_POLICY


def policy_of_the_previous_state():
    """An off-by-one bug in the state: a_t drawn from π(·|s_t − 1 mod S).  Same support as 𝒯."""
    return SMALL, FixedPolicy(np.roll(SMALL_POLICY.probabilities().astype(np.float64), 1, axis=0))


@pytest.mark.parametrize("bug", [shifted_action_transitions, ignored_initial_distribution, policy_of_the_previous_state])
def test_agreement_test_detects_a_wrong_sampler(bug):
    exact = exact_trajectory_distribution(SMALL, SMALL_POLICY.probabilities(), 3)
    mdp, policy = bug()
    tau = sample(mdp=mdp, policy=policy, horizon=3, num_trajectories=N_AGREEMENT, rng=np.random.default_rng(20261127))
    assert chi_square_p_value(tau, exact) < ALPHA


def step_distribution(P: np.ndarray, pi: np.ndarray, mu0: np.ndarray, t: int) -> np.ndarray:
    """P(a_t = a, s_{t+1} = s') = Σ_s (μᵀP_π^{t−1})(s) π(a|s) P(s'|s, a), shape ``(A, S)``."""
    state = mu0 @ np.linalg.matrix_power(np.einsum("sa,sat->st", pi, P), t - 1)
    return np.einsum("s,sa,sat->at", state, pi, P)


def test_sampler_agrees_at_benchmark_size():
    """(a_3, s_4) on a random MDP with S=20, A=4 (80 outcomes per state, a full guide table); α = 1e-3, seed 3."""
    rng = np.random.default_rng(3)
    P = rng.random((20, 4, 20)) + 0.2
    mdp = FiniteMDP(P / P.sum(axis=2, keepdims=True), rng.normal(size=(20, 4)), 0.9, 5)
    policy = TabularSoftmax(rng.normal(size=(20, 4)) / 2)
    tau = sample_trajectories(mdp, policy, horizon=4, num_trajectories=200_000, rng=rng)
    expected = step_distribution(mdp.P, policy.probabilities(), mdp.mu0, 3).ravel() * 200_000
    observed = np.bincount(tau.actions[:, 2] * 20 + tau.states[:, 3], minlength=80)
    assert expected.min() >= 5
    assert stats.chisquare(observed, expected * (observed.sum() / expected.sum())).pvalue >= ALPHA
