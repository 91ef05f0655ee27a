"""Episodic MDPs, trajectory enumeration and the VPG estimators."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings

from numeric.episodic import EpisodicMDP, episodes, expect, tuples
from numeric.errors import PGVerifyError
from numeric.estimators import (InvalidBatchError, linear_baseline_fit, linear_baseline_weights, reward_to_go,
                                reward_to_go_estimator, tabular_baseline_fit, total_return)
from numeric.mdp import FiniteMDP
from numeric.policies import TabularSoftmax
from pgverify.families.episodic import build_example, episodic_examples
from symbolic.episodic import episodic_softmax_family

CHAIN_P = [[[0, F(1, 2), F(1, 2)], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]]
CHAIN_R = [[1, 2], [3, 4], [0, 0]]


def chain_mdp(P=CHAIN_P, r=CHAIN_R) -> FiniteMDP:
    return FiniteMDP(P, r, F(1, 2))


def test_enumeration_sums_to_one_in_every_arithmetic():
    emdp = EpisodicMDP(chain_mdp(), absorbing=2, horizon=3)
    tr = emdp.trajectories()
    assert tr.count == 6 and (tr.states[:, 0] == 0).all() and (tr.states[:, -1] == 2).all()
    sym = episodic_softmax_family()
    assert episodes(sym).prob.sum() == 1
    ex = (emdp, TabularSoftmax.from_weights([[1, 2], [1, 1], [3, 1]]),
          {"b": np.zeros(3, dtype=np.int64), "c": np.zeros((3, 2), dtype=np.int64), "h": np.zeros(3, dtype=np.int64)})
    exact, flt = episodes(build_example(ex, True)), episodes(build_example(ex, False))
    assert exact.prob.sum() == 1
    assert np.allclose(flt.prob, exact.prob.astype(float), rtol=0, atol=1e-15)


@settings(max_examples=25, deadline=None, database=None)
@given(episodic_examples())
def test_expected_return_is_utility(example):
    for exact in (True, False):
        m = build_example(example, exact)
        ep = episodes(m)
        value = expect(ep.prob, total_return(ep.rewards, m.lam))
        assert value == m.U if exact else abs(value - m.U) <= 1e-12 * (1 + abs(m.U))


def test_tuples_are_independent_draws():
    prob = np.array([F(1, 3), F(2, 3)], dtype=object)
    idx, p = tuples(prob, 2)
    assert idx.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert p.tolist() == [F(1, 9), F(2, 9), F(2, 9), F(4, 9)]


def test_reward_to_go_and_baselines():
    rewards = np.array([[F(1), F(2)]], dtype=object)
    assert reward_to_go(rewards, F(1, 2)).tolist() == [[F(2), F(2)]]
    score = np.ones((1, 2, 1), dtype=object)
    b = np.array([[F(2), F(2)]], dtype=object)
    assert reward_to_go_estimator(rewards, score, F(1, 2), baseline=b).tolist() == [F(0)]
    with pytest.raises(InvalidBatchError, match=r"baseline must have the shape of rewards \(1, 2\), got \(2,\)"):
        reward_to_go_estimator(rewards, score, F(1, 2), baseline=np.zeros(2))
    with pytest.raises(InvalidBatchError, match="score must have shape rewards.shape"):
        reward_to_go_estimator(rewards, np.ones((1, 3, 1)), F(1, 2))


@pytest.mark.parametrize("exact", [True, False], ids=["exact", "float64"])
def test_tabular_fit_is_least_squares(exact):
    rng = np.random.default_rng(0)
    states = rng.integers(0, 3, size=(5, 2, 3))
    G = rng.integers(-4, 5, size=(5, 2, 3))
    G = np.vectorize(F, otypes=[object])(G) if exact else G.astype(float)
    omega = tabular_baseline_fit(states, G, 4)
    onehot = (states[..., None] == np.arange(4)).astype(np.int64)
    fitted = linear_baseline_fit(onehot, G)
    means = omega[np.arange(5)[:, None, None], states]
    assert (fitted == means).all() if exact else np.allclose(fitted, means, atol=1e-12)
    assert all(omega[i, s] == 0 for i in range(5) for s in range(4) if not (states[i] == s).any())


@pytest.mark.parametrize("exact", [True, False], ids=["exact", "float64"])
def test_linear_weights_solve_the_normal_equations(exact):
    rng = np.random.default_rng(1)
    phi = np.stack([np.ones((4, 2, 3)), rng.integers(0, 3, size=(4, 2, 3))], axis=-1).astype(np.int64)
    phi[:, 0, 0, 1], phi[:, 0, 1, 1] = 0, 1  # two distinct feature rows: full column rank
    G = rng.integers(-4, 5, size=(4, 2, 3))
    G = np.vectorize(F, otypes=[object])(G) if exact else G.astype(float)
    omega = linear_baseline_weights(phi if exact else phi.astype(float), G)
    fitted = (phi * omega[:, None, None, :]).sum(axis=-1)
    projection = linear_baseline_fit(phi if exact else phi.astype(float), G)
    assert (fitted == projection).all() if exact else np.allclose(fitted, projection, atol=1e-12)


def test_linear_weights_refuse_a_rank_deficient_batch():
    phi = np.ones((1, 2, 2, 2), dtype=np.int64)  # both features equal: ΦᵀΦ singular
    with pytest.raises(InvalidBatchError, match="do not have full column rank"):
        linear_baseline_weights(phi, np.zeros((1, 2, 2), dtype=object))


def _naive_enumeration(support: np.ndarray, start: np.ndarray, T: int):
    """The specification: extend every path by every (a, s') of the support, in order; number histories."""
    S, A, _ = support.shape
    paths = [([s], []) for s in range(S) if start[s]]
    for _ in range(T - 1):
        paths = [(st + [t], ac + [a]) for st, ac in paths for a in range(A) for t in range(S) if support[st[-1], a, t]]
    ids: dict = {}
    prefix = [[ids.setdefault((tuple(st[:t + 1]), tuple(ac[:t])), len(ids)) for t in range(T - 1)] for st, ac in paths]
    return [p[0] for p in paths], [p[1] for p in paths], prefix


@pytest.mark.parametrize("seed", range(40))
def test_enumeration_and_count_match_the_naive_specification(seed):
    from numeric.episodic import count_trajectories, enumerate_trajectories

    rng = np.random.default_rng(seed)
    S, A, T = int(rng.integers(1, 4)), int(rng.integers(1, 3)), int(rng.integers(1, 5))
    support, start = rng.random((S, A, S)) < 0.5, rng.random(S) < 0.7
    P = np.where(support, F(1), F(0)).astype(object) if seed % 2 else support.astype(float)
    states, actions, prefix = _naive_enumeration(support, start, T)
    tr = enumerate_trajectories(P, start.astype(float), T)
    assert tr.states.tolist() == states and tr.actions.tolist() == [list(a) for a in actions]
    assert tr.prefix.tolist() == prefix
    assert count_trajectories(P, start.astype(float), T) == len(states)


def test_enumeration_refuses_above_the_limit_before_any_work():
    from numeric.episodic import enumerate_trajectories
    from numeric.limits import TooLargeError

    P, mu = np.full((2, 2, 2), 0.5), np.array([1.0, 0.0])
    with pytest.raises(TooLargeError, match=r": 4,294,967,296 trajectories, above the limit of 250,000.*"
                                            r"PGVERIFY_MAX_TRAJECTORIES"):
        enumerate_trajectories(P, mu, 17)
    assert enumerate_trajectories(P, mu, 5, limit=256).count == 256  # at the limit: allowed


def test_the_limit_is_adjustable_by_environment(monkeypatch):
    from numeric.episodic import enumerate_trajectories
    from numeric.limits import TooLargeError

    P, mu = np.full((2, 2, 2), 0.5), np.array([1.0, 0.0])
    monkeypatch.setenv("PGVERIFY_MAX_TRAJECTORIES", "63")
    with pytest.raises(TooLargeError, match=": 64 trajectories, above the limit of 63"):
        enumerate_trajectories(P, mu, 4)
    monkeypatch.setenv("PGVERIFY_MAX_TRAJECTORIES", "0")
    assert enumerate_trajectories(P, mu, 4).count == 64
    monkeypatch.setenv("PGVERIFY_MAX_TRAJECTORIES", "lots")
    with pytest.raises(PGVerifyError, match="PGVERIFY_MAX_TRAJECTORIES='lots' is not an integer"):
        enumerate_trajectories(P, mu, 4)
