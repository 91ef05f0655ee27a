"""Audit II: exact variance against a direct computation, the fitted families, and verdict sentences against their numbers.

The references here are written apart from pgverify.audit: trajectories are enumerated by
tests/reference_semantics/refsem.py in exact rationals, the REINFORCE estimate of each is formed by hand, and the
moments are sums of Fractions.
"""

from __future__ import annotations

import math
import re
import sys
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pgverify.audit import (AuditError, Rollout, SHOW_K, audit_mdp, diagnose, evaluate, judge, moments,
                            numpy_estimator, setting)
from pgverify.audit.expectation import Expectation
from pgverify.audit.verdict import entropy_gradients, lambda_coefficients, lambda_fit

sys.path.insert(0, str(Path(__file__).parent / "reference_semantics"))
from refsem import enumerate_trajectories  # noqa: E402

MDP, POLICY = audit_mdp(states=2, actions=3, horizon=2, seed=1)
ST = setting(MDP, POLICY, Rollout(n_steps=2))
GU = np.asarray(ST.grad_U, dtype=np.float64)


def _softmax(theta):
    z = np.exp(theta - theta.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _reinforce(discount_weight: bool, standardise: bool = False):
    def fn(theta, batch):
        pi = _softmax(theta)
        n = int(batch.mask[:, 0].sum())
        r = batch.rewards[:n, 0]
        G = np.array([sum(batch.gamma ** (k - t) * r[k] for k in range(t, n)) for t in range(n)])
        if standardise:
            G = (G - G.mean()) / G.std()
        g = np.zeros_like(theta)
        for t in range(n):
            s, a = batch.states[t, 0], batch.actions[t, 0]
            g[s] += (batch.gamma ** t if discount_weight else 1) * G[t] * (np.eye(theta.shape[1])[a] - pi[s])
        return g
    fn.__name__ = f"reinforce_{discount_weight}_{standardise}"
    return fn


def _reference_moments(discount_weight: bool):
    """E[ĝ], Var[ĝ_k] exactly, over trajectories enumerated by refsem, ĝ formed in Fractions."""
    P = [[list(row) for row in MDP.P[s]] for s in range(MDP.num_states)]
    pi = [list(row) for row in POLICY.probabilities()]
    mu = tuple(MDP.mu0)
    z = MDP.num_states - 1
    S, A = MDP.num_states, MDP.num_actions
    gamma = F(MDP.discount)
    outcomes = []
    for states, actions, p in enumerate_trajectories(P, pi, mu, 3):
        if p == 0:
            continue
        n = next((t for t, s in enumerate(states) if s == z), len(states))
        n = min(n, len(actions))
        r = [F(MDP.r[states[t]][actions[t]]) for t in range(n)]
        g = [[F(0)] * A for _ in range(S)]
        for t in range(n):
            G = sum((gamma ** (k - t) * r[k] for k in range(t, n)), F(0))
            w = gamma ** t if discount_weight else 1
            s, a = states[t], actions[t]
            for b in range(A):
                g[s][b] += w * G * ((1 if b == a else 0) - pi[s][b])
        outcomes.append((p, [x for row in g for x in row]))
    total = sum(p for p, _ in outcomes)
    assert total == 1
    mean = [sum(p * g[k] for p, g in outcomes) for k in range(S * A)]
    var = [sum(p * (g[k] - mean[k]) ** 2 for p, g in outcomes) for k in range(S * A)]
    return mean, var


@pytest.mark.parametrize("discount_weight", [True, False])
def test_variance_equals_the_direct_enumeration(discount_weight):
    ev = evaluate(numpy_estimator(_reinforce(discount_weight)), ST)
    m = ev.moments()
    mean, var = _reference_moments(discount_weight)
    # float64 estimator vs exact rationals: the estimator's own round-off, a few ulps of |ĝ| ≤ 100
    np.testing.assert_allclose(m.mean, [float(x) for x in mean], rtol=0, atol=1e-12)
    np.testing.assert_allclose(m.variance, [float(x) for x in var], rtol=0, atol=1e-12)
    assert m.trace == pytest.approx(float(sum(var)), abs=1e-11)
    e = ev.expectation()
    assert e.exact and np.allclose(e.value.ravel(), [float(x) for x in mean], rtol=0, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float64, (n, 3), elements=st.floats(-8, 8, width=32)),
    st.lists(st.integers(1, 9), min_size=n, max_size=n))))
def test_moments_against_exact_rationals(case):
    G, w = case
    m = moments(G, np.array(w, dtype=np.float64))
    total = sum(w)
    mean = [sum(F(wi) * F(float(g)) for wi, g in zip(w, G[:, k])) / total for k in range(3)]
    var = [sum(F(wi) * (F(float(g)) - mean[k]) ** 2 for wi, g in zip(w, G[:, k])) / total for k in range(3)]
    cov01 = sum(F(wi) * (F(float(a)) - mean[0]) * (F(float(b)) - mean[1]) for wi, a, b in zip(w, G[:, 0], G[:, 1])) / total
    np.testing.assert_allclose(m.mean, [float(x) for x in mean], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(m.variance, [float(x) for x in var], rtol=1e-9, atol=1e-9)
    assert m.covariance[0, 1] == pytest.approx(float(cov01), rel=1e-9, abs=1e-9)
    assert m.trace == pytest.approx(float(sum(var)), rel=1e-9, abs=1e-9)


def test_bad_moments_input():
    with pytest.raises(AuditError, match="positive probability"):
        moments(np.zeros((2, 1)), np.zeros(2))
    with pytest.raises(AuditError, match=r"\(N, K\)"):
        moments(np.zeros(3), np.ones(3))


# ------------------------------------------------------------------------------------------------ failures


def _flaky(theta, batch):
    """NaN on one-step episodes (standardising one return), REINFORCE otherwise."""
    if int(batch.mask[:, 0].sum()) == 1:
        return np.full_like(theta, np.nan)
    return _reinforce(True)(theta, batch)


def test_failure_probability_is_the_mass_of_the_failing_batches():
    ev = evaluate(numpy_estimator(_flaky), ST)
    b = ST.batches
    one_step = [i for i in range(b.count) if int(b.arrays["mask"][i][:, 0].sum()) == 1]
    assert ev.failed.tolist() == [i in one_step for i in range(b.count)]
    assert ev.p_fail == sum(b.probability[i] for i in one_step) and 0 < ev.p_fail < 1
    with pytest.raises(AuditError, match="conditioned on success"):
        ev.expectation()
    e = ev.expectation(condition_on_success=True)
    ok = [i for i in range(b.count) if i not in one_step]
    pf = np.array([float(b.probability[i]) for i in ok])
    direct = (pf / pf.sum()) @ np.array([_reinforce(True)(POLICY.theta, b.batch(i)).ravel() for i in ok])
    np.testing.assert_allclose(e.value.ravel(), direct, rtol=0, atol=1e-12)


def test_an_exception_is_a_failure_and_a_wrong_shape_an_error():
    def boom(theta, batch):
        if batch.actions[0, 0] == 0:
            raise ZeroDivisionError("division by zero")
        return np.zeros_like(theta)

    ev = evaluate(numpy_estimator(boom), ST)
    assert ev.failed.any() and "ZeroDivisionError" in ev.failures[0][1]
    with pytest.raises(AuditError, match="shape"):
        evaluate(numpy_estimator(lambda theta, batch: np.zeros(3)), ST)


# ------------------------------------------------------------------------------------------------ verdicts


def _numbers(sentence: str) -> list[float]:
    return [float(x) for x in re.findall(r"= (-?\d+(?:\.\d+)?(?:e-?\d+)?)", sentence)]


def test_unbiased_and_the_undiscounted_sentence():
    ok = judge(GU, ST)
    assert ok.status == "unbiased" and ok.sentence == "unbiased for ∇U" and ok.relative_error == 0
    pr = diagnose(Expectation(GU, True, "float64", 1, 1.0), ST).target("practice.undiscounted-score-weighting")
    v = judge(pr.value, ST)
    assert v.status == "biased"
    assert v.sentence == "biased: it omits the γ^t weighting of step t; it equals ∇U only when γ = 1"
    bias = pr.value - GU
    assert v.relative_error == pytest.approx(np.linalg.norm(bias) / np.linalg.norm(GU), rel=1e-12)
    assert v.cosine == pytest.approx(np.sum(pr.value * GU)
                                     / np.linalg.norm(pr.value) / np.linalg.norm(GU), rel=1e-12)


@pytest.mark.parametrize("c", [0.5, 1 / 3])
def test_a_multiple_states_its_factor(c):
    v = judge(c * GU, ST)
    assert v.status == "multiple" and _numbers(v.sentence)[0] == pytest.approx(c, rel=1e-3)
    assert v.identified.factor == pytest.approx(c, rel=1e-12)


@settings(max_examples=12, deadline=None)
@given(st.fractions(0, 1, max_denominator=20).filter(lambda x: x not in (0, 1)), st.booleans())
def test_lambda_is_solved_for(lam, discounted):
    d = diagnose(Expectation(GU, True, "float64", 1, 1.0), ST, lambdas=(lam,))
    name = f"{'discounted-' if discounted else ''}lambda-returns({float(lam):g})"
    target = d.target(name).value
    if np.allclose(target, d.target("grad_U" if discounted else "practice.undiscounted-score-weighting").value,
                   atol=1e-9):
        return  # λ does not matter on this MDP for this target: nothing to recover
    got, c, res = lambda_fit(target, lambda_coefficients(ST, discounted=discounted), float(ST.gamma))
    assert got == pytest.approx(float(lam), abs=1e-6) and c == pytest.approx(1, abs=1e-9) and res <= 1e-9
    v = judge(target, ST)
    assert v.identified.name == name.split("(")[0] and f"λ = {float(lam):.4g}" in v.sentence


def _entropy_by_enumeration(theta, soft: bool):
    """E[Σ_t γ^t H(π(·|s_t))] (soft) at θ, by enumerating trajectories with refsem (floats: logarithms)."""
    P = [[[float(x) for x in row] for row in MDP.P[s]] for s in range(MDP.num_states)]
    pi = _softmax(np.asarray(theta, dtype=np.float64))
    H = -(pi * np.log(pi)).sum(axis=1)
    z = MDP.num_states - 1
    total = 0.0
    for states, actions, p in enumerate_trajectories(P, pi.tolist(), tuple(float(x) for x in MDP.mu0), 3):
        total += p * sum(float(ST.gamma) ** t * H[s] for t, s in enumerate(states[:-1]) if s != z)
    return total


def test_soft_entropy_gradient_against_finite_differences():
    _, soft = entropy_gradients(ST)
    theta = np.asarray(POLICY.theta, dtype=np.float64)
    h = 1e-5
    fd = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        e = np.zeros_like(theta)
        e[idx] = h
        fd[idx] = (_entropy_by_enumeration(theta + e, True) - _entropy_by_enumeration(theta - e, True)) / (2 * h)
    # central differences: O(h²) ≈ 1e-10 truncation, 1e-16/h ≈ 1e-11 round-off
    np.testing.assert_allclose(soft, fd, rtol=0, atol=1e-8)


def test_entropy_bonus_is_recognised_with_its_beta():
    local, _ = entropy_gradients(ST)
    beta = 0.05
    v = judge(GU + beta * local, ST)
    assert v.identified.name == "entropy-bonus(grad_U)"
    assert v.identified.parameter == pytest.approx(beta, rel=1e-9)
    assert f"β = {beta:.4g}" in v.sentence and v.status == "biased"


def test_batches_to_show_follows_its_definition():
    ev = evaluate(numpy_estimator(_reinforce(False)), ST)
    e, m = ev.expectation(), ev.moments()
    v = judge(e.value, ST, magnitude=e.magnitude, moments=m)
    b = (e.value - GU).ravel()
    u = b / np.linalg.norm(b)
    sigma = math.sqrt(u @ m.covariance @ u)
    k = v.batches_to_show
    assert SHOW_K * sigma / math.sqrt(k) <= np.linalg.norm(b) < SHOW_K * sigma / math.sqrt(k - 1) if k > 1 else True
    assert judge(GU, ST, moments=m).batches_to_show is None


def test_standardised_returns_are_named_when_probed():
    from pgverify.audit.run import audit_one

    a = audit_one(numpy_estimator(_reinforce(True, standardise=True)), ST, condition_on_success=True)
    assert a.status == "biased" and a.p_fail > 0
    assert "standardising by the batch's own statistics depends on the sampled actions" in a.verdict.sentence
    assert f"fails with probability {a.p_fail:.4g}" in a.verdict.sentence
    def per_step_mean(theta, batch):  # linear in the rewards, and no candidate target: the probe must say no
        return _reinforce(True)(theta, batch) / int(batch.mask[:, 0].sum())

    plain = audit_one(numpy_estimator(per_step_mean), ST)
    assert plain.verdict.identified is None and "standardising" not in plain.verdict.sentence


def test_judge_rejects_bad_values():
    with pytest.raises(AuditError, match="shape"):
        judge(np.zeros(2), ST)
    with pytest.raises(AuditError, match="finite"):
        judge(np.full(ST.shape, np.nan), ST)


@pytest.mark.parametrize("options, fragment", [
    (dict(states=2, horizon=3), "--horizon 3 needs"),
    (dict(actions=1), "--actions must be an integer >= 2"),
    (dict(discount=F(3, 2)), "--discount must lie in"),
    (dict(states=30, actions=3), "at most 64"),
])
def test_bad_mdp_options(options, fragment):
    with pytest.raises(AuditError, match=re.escape(fragment)):
        audit_mdp(**options)


def test_the_mdp_is_reproducible_and_its_targets_differ():
    a, b = audit_mdp(seed=3), audit_mdp(seed=3)
    assert np.array_equal(a[0].P, b[0].P) and np.array_equal(a[0].r, b[0].r)
    st_ = setting(*a, Rollout(n_steps=3))
    d = diagnose(Expectation(np.asarray(st_.grad_U, dtype=float), True, "float64", 1, 1.0), st_)
    assert not np.allclose(d.target("practice.undiscounted-score-weighting").value, np.asarray(st_.grad_U, dtype=float), atol=1e-6)


def test_the_unvalidated_batches_equal_the_validated_ones():
    from pgverify.audit.moments import _batch

    b = ST.batches
    for i in range(b.count):
        x, y = b.batch(i), _batch(b, i)
        for name in ("states", "actions", "rewards", "dones", "episode_starts", "timesteps", "discounts", "mask",
                     "values", "last_states", "last_dones", "last_values", "gamma", "t0", "num_states",
                     "num_actions"):
            assert np.array_equal(getattr(x, name), getattr(y, name)), name


def test_the_float64_tolerance_is_the_checkers():
    from pgverify.audit.diagnosis import NUMERIC_RTOL, RTOL
    from pgverify.checker import NUMERIC_RTOL as CHECKER

    assert RTOL["float64"] == NUMERIC_RTOL == CHECKER


def test_fitted_matches_on_a_forced_geometry_are_undecided():
    """One state, two actions: the scores span one direction, so any fitted number matches anything."""
    from numeric import FiniteMDP, TabularSoftmax

    mdp = FiniteMDP(P=[[[0, 1], [0, 1]], [[0, 1], [0, 1]]], r=[[1, 0], [0, 0]], discount=F(1, 2))
    st_ = setting(mdp, TabularSoftmax.from_weights([[1, 2], [1, 1]]), Rollout(n_steps=1))
    gu = np.asarray(st_.grad_U, dtype=float)
    assert judge(gu, st_).status == "unbiased"          # an equality with a fixed target is evidence
    for c in (0.5, 3.0):
        v = judge(c * gu, st_)
        assert v.status == "undecided" and "forced by its geometry" in v.sentence
