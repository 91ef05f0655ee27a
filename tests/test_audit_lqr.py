"""Gaussian policies on the scalar LQR: U's closed form against quadrature of the rewards, ∇U against central
differences of U, and the verdicts of REINFORCE with and without γ^t (exact by Gauss–Hermite quadrature)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgverify.audit import AuditError
from pgverify.audit.lqr import LQR, _quadrature, lqr_audit, lqr_grad_U, lqr_U


def reinforce(discount_weight):
    def fn(theta, ep):
        k, sigma = theta
        G, out = 0.0, np.zeros(2)
        for t in reversed(range(len(ep.rewards))):
            G = ep.rewards[t] + ep.gamma * G
            z = (ep.actions[t] - k * ep.states[t]) / sigma
            w = ep.gamma ** t if discount_weight else 1.0
            out += w * G * np.array([z * ep.states[t] / sigma, (z * z - 1) / sigma])
        return out
    return fn


def standardised(theta, ep):
    k, sigma = theta
    G = np.array([sum(ep.gamma ** (j - t) * ep.rewards[j] for j in range(t, len(ep.rewards)))
                  for t in range(len(ep.rewards))])
    G = (G - G.mean()) / (G.std() + 1e-8)
    z = (ep.actions - k * ep.states) / sigma
    return np.array([np.sum(G * z * ep.states / sigma), np.sum(G * (z * z - 1) / sigma)])


systems = st.builds(LQR, A=st.floats(-1, 1), B=st.floats(0.2, 1.5), q=st.floats(0.1, 2), rho=st.floats(0.1, 2),
                    gamma=st.sampled_from([0.5, 0.8, 1.0]), s0=st.floats(0.5, 2), horizon=st.integers(1, 3))


@settings(max_examples=20, deadline=None)
@given(systems, st.floats(-1, 1), st.floats(0.3, 2))
def test_U_and_its_gradient_are_direct(lqr, k, sigma):
    returns = _quadrature(lqr, lambda th, ep: np.array([sum(ep.gamma ** t * r for t, r in enumerate(ep.rewards)), 0.0]),
                          np.array([k, sigma]), 4)[0]
    assert lqr_U(lqr, k, sigma) == pytest.approx(returns, rel=1e-10, abs=1e-10)
    h = 1e-6
    fd = np.array([(lqr_U(lqr, k + h, sigma) - lqr_U(lqr, k - h, sigma)) / (2 * h),
                   (lqr_U(lqr, k, sigma + h) - lqr_U(lqr, k, sigma - h)) / (2 * h)])
    # central differences: O(h²) truncation, round-off ~1e-16·|U|/h
    np.testing.assert_allclose(lqr_grad_U(lqr, (k, sigma)), fd, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("horizon", [1, 2, 3])
def test_reinforce_verdicts(horizon):
    lqr = LQR(horizon=horizon)
    ok = lqr_audit(reinforce(True), lqr, (-0.3, 0.7))
    assert ok.status == "unbiased" and ok.relative_error < 1e-9
    bad = lqr_audit(reinforce(False), lqr, (-0.3, 0.7))
    if horizon == 1:
        assert bad.status == "unbiased"   # one step: γ^0 = 1
    else:
        assert bad.status == "biased" and "omits the γ^t weighting" in bad.sentence


def test_a_non_polynomial_estimator_is_undecided():
    res = lqr_audit(standardised, LQR(horizon=2), (-0.3, 0.7))
    assert res.status == "undecided" and "quadrature" in res.sentence


def test_bad_lqr_inputs():
    with pytest.raises(AuditError, match="horizon"):
        LQR(horizon=9)
    with pytest.raises(AuditError, match="σ > 0"):
        lqr_audit(reinforce(True), LQR(), (0.1, -1.0))
    with pytest.raises(AuditError, match="shape"):
        lqr_audit(lambda th, ep: np.zeros(3), LQR(), (0.1, 1.0))
    with pytest.raises(AuditError, match="GRID_LIMIT"):
        lqr_audit(reinforce(True), LQR(horizon=4), (0.1, 1.0), nodes=30)
