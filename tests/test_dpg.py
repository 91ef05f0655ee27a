"""Deterministic policy gradients: models, closed forms, bad inputs, and the verdicts of the section's claims."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy

from numeric.continuous import (TWO_POINT_RULE, ContinuousActionMDP, continuous_model, gaussian_policy_gradient,
                                hermite_rule, richardson_limit)
from numeric.dual import tangent, variables
from numeric.errors import InvalidMDPError, InvalidPolicyError, PGVerifyError
from numeric.gaussian import GaussianObjective
from numeric.lqr import ScalarLQR, UnstableGainError
from pgverify.checker import Settings, check_claim
from pgverify.registry import select

F = Fraction
MDP3 = dict(c=[[1, 2, 1], [3, 1, 1], [1, 1, 2]], m=[[0, 1, -1], [2, 0, 1], [1, 1, 0]],
            r=[[0, 1, -1], [1, -2, 0], [2, 0, -1]], discount=F(3, 5))
LQR = dict(a=F(9, 10), b=F(1, 2), noise=F(1, 3), state_cost=1, action_cost=F(1, 2), discount=F(4, 5), x0=F(3, 2))


def test_dual_numbers_match_central_differences():
    f = lambda x: (x * x * x + 2) / (x + 3)  # noqa: E731
    x = variables([1.3])[0]
    h = 1e-6
    assert tangent(f(x), 1)[0] == pytest.approx((f(1.3 + h) - f(1.3 - h)) / (2 * h), rel=1e-8)


def test_reference_gradient_matches_central_differences():
    m = continuous_model(ContinuousActionMDP(**MDP3), [0.5, -1.0, 2.0], exact=False)
    h = 1e-6
    for k in range(3):
        e = np.eye(3)[k] * h
        up, down = (continuous_model(ContinuousActionMDP(**MDP3), np.array([0.5, -1.0, 2.0]) + s * e, exact=False).U
                    for s in (1, -1))
        assert m.grad_U[k] == pytest.approx((up - down) / (2 * h), rel=1e-7)


def test_lqr_three_node_model_is_the_closed_form():
    lqr = ScalarLQR(**LQR)
    for k in (F(0), F(1, 3), F(-1, 4), F(2)):
        m = lqr.model(k)
        p, c = lqr.value_coefficients(k)
        assert list(m.v) == [-(p * y * y + c) for y in (lqr.x0, lqr.x0 + 1, lqr.x0 - 1)]
        assert m.grad_U[0] == lqr.utility_gradient(k)


def test_lqr_gaussian_policy_gradient_is_exact_and_matches_the_closed_form():
    lqr, k, sigma = ScalarLQR(**LQR), F(1, 3), F(1, 4)
    m = lqr.model(k)
    assert gaussian_policy_gradient(m, sigma, rule=TWO_POINT_RULE)[0] == lqr.utility_gradient(k, sigma)


def test_gauss_hermite_gaussian_gradient_is_converged_and_tends_to_the_dpg_at_rate_two():
    m = continuous_model(ContinuousActionMDP(**MDP3), [0.5, -1.0, 2.0], exact=False)
    g40, g80 = (np.asarray(gaussian_policy_gradient(m, 0.1, rule=hermite_rule(n)), dtype=float) for n in (40, 80))
    assert np.max(np.abs(g40 - g80)) < 1e-13
    dpg = np.asarray(np.einsum("s,sk,s->k", m.d, m.jac, m.dq_da) / (1 - m.lam), dtype=float)
    limit, _ = richardson_limit(lambda s: gaussian_policy_gradient(m, s, rule=hermite_rule(40)), h=1 / 64, levels=4)
    assert np.max(np.abs(limit - dpg)) < 1e-10
    e1, e2 = (np.max(np.abs(np.asarray(gaussian_policy_gradient(m, s, rule=hermite_rule(40)), dtype=float) - dpg))
              for s in (0.02, 0.01))
    assert np.log2(e1 / e2) == pytest.approx(2, abs=0.05)


def test_too_large_a_step_does_not_improve():
    """q(a) = −a² + λv at a = θ = 1, ∇_a q = −2: a(α) = 1 − 2α improves iff 0 < α < 1."""
    m = continuous_model(ContinuousActionMDP(c=[[1]], m=[[0]], r=[[0, 0, -1]], discount=F(1, 2)), [1])
    assert m.dq_da[0] == -2
    q = lambda alpha: m.q_at(m.mu + alpha * m.jac[:, 0] * m.jac[:, 0] * m.dq_da)[0]  # noqa: E731
    assert q(F(1, 4)) > q(0)
    assert q(1) == q(0)
    assert q(2) < q(0)


@pytest.mark.parametrize("kwargs, message", [
    pytest.param(dict(MDP3, c=[[1, -1, 1], [1, 1, 1], [1, 1, 1]]), "got c[0, 1] = -1", id="negative-c"),
    pytest.param(dict(MDP3, c=[[0, 0, 0], [1, 1, 1], [1, 1, 1]], m=[[2, 2, 2], [0, 0, 0], [0, 0, 0]]),
                 "row 0 of P vanishes at the action a = m[0, 0] = 2", id="row-vanishes"),
    pytest.param(dict(MDP3, m=[[0, 1]]), "m must have the shape of c", id="m-shape"),
    pytest.param(dict(MDP3, discount=1), "discount must be a number in [0, 1), got 1", id="discount-one"),
    pytest.param(dict(MDP3, initial=3), "initial state must be in [0, 3), got 3", id="initial-state"),
])
def test_bad_continuous_mdp(kwargs, message):
    with pytest.raises(InvalidMDPError) as err:
        ContinuousActionMDP(**kwargs)
    assert message in str(err.value)
    assert isinstance(err.value, ValueError)


def test_near_misses_are_valid():
    ContinuousActionMDP(**dict(MDP3, c=[[0, 1, 0], [1, 1, 1], [1, 1, 1]]))          # a zero c, row still valid
    ContinuousActionMDP(**dict(MDP3, c=[[0, 0, 0], [1, 1, 1], [1, 1, 1]], m=[[0, 1, 0], [0, 0, 0], [0, 0, 0]]))


def test_bad_policy_and_gaussian_and_lqr_inputs():
    mdp = ContinuousActionMDP(**MDP3)
    with pytest.raises(InvalidPolicyError, match=r"theta must have shape \(K,\) = \(3,\), got shape \(2,\)"):
        continuous_model(mdp, [1, 2])
    with pytest.raises(ValueError, match="sigma must be > 0, got sigma=0"):
        GaussianObjective.polynomial([1], mu=0, sigma=0)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        GaussianObjective.transcendental("sin", mu=0, sigma=-1)
    lqr = ScalarLQR(**LQR)
    with pytest.raises(UnstableGainError, match=r"gain k=-2 is unstable: λ\(a − b k\)² = 361/125 >= 1"):
        lqr.utility(-2)
    assert isinstance(UnstableGainError("x"), PGVerifyError)
    with pytest.raises(InvalidMDPError, match="noise must be >= 0, got -1"):
        ScalarLQR(**dict(LQR, noise=-1))
    with pytest.raises(InvalidMDPError, match="sigma must be >= 0"):
        lqr.utility(0, sigma=-1)


def test_gaussian_variance_leading_term():
    m = GaussianObjective.polynomial([0, 1], mu=sympy.Symbol("mu"), sigma=sympy.Symbol("sigma"))
    var = lambda mm: sympy.expand(mm.expect(lambda x: (mm.fx(x) * (x - mm.mu) / mm.sigma**2) ** 2)  # noqa: E731
                                  - mm.expect(lambda x: mm.fx(x) * (x - mm.mu) / mm.sigma**2) ** 2)
    assert var(m) == sympy.expand(m.mu**2 / m.sigma**2 + 2)          # f(x) = x: μ²/σ² + 2, not ∝ 1/σ²
    assert m.leading_term(lambda s: var(m.with_sigma(s))) == "mu**2/sigma**2"


FAST = Settings(seed=0, numeric_examples=10, counterexample_examples=60)


@pytest.mark.parametrize("claim_id, verdict", [
    ("score.gaussian-likelihood-ratio", "refuted"),
    ("score.gaussian-likelihood-ratio.corrected", "proved"),
    ("score.gaussian-variance", "refuted"),
    ("score.gaussian-variance.asymptotic", "proved"),
    ("dpg.theorem", "proved"),
    ("dpg.proof.first-step", "ill-formed"),
    ("dpg.proof.first-step.reading", "proved"),
    ("dpg.stochastic-limit", "proved"),
    ("dpg.policy-improvement", "refuted"),
    ("dpg.policy-improvement.corrected", "verified"),
])
def test_verdicts(claim_id, verdict):
    result = check_claim(select([claim_id])[0], FAST)
    assert result.verdict == verdict, result


def test_refutations_come_with_small_exact_counterexamples():
    ce = check_claim(select(["score.gaussian-likelihood-ratio"])[0], FAST).counterexample
    assert ce.exact and ce.example == {"f coefficients": ["0", "1"], "mu": "0", "sigma": "1"}
    assert (ce.lhs, ce.rhs) == ("1", "1/(4*sqrt(pi))")


def test_dpg_theorem_reports_the_constant():
    result = check_claim(select(["dpg.theorem"])[0], FAST)
    assert all("(1 − λ)⁻¹" in c.details["constant"] for c in result.checks if c.method != "numeric")


def test_symbolic_lqr_stochastic_limit_is_the_dpg():
    """Universal: lim_{σ→0} of the Gaussian LQR policy gradient in ℚ(a, b, W, Q, R, λ, x₀, k, σ) (≈ 3 s)."""
    from symbolic.dpg import lqr_model

    m = lqr_model(gaussian=True)
    limit, details = m.sigma_limit(lambda s: gaussian_policy_gradient(m, s, rule=TWO_POINT_RULE))
    assert limit[0] == m.grad_U[0]
    assert details["g(σ) − g(0), leading term"][0].endswith("·σ^2")


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra is not installed: pip install 'pgverify[plot]'")
    from pgverify.output.plot_dpg import plot_stochastic_limit

    out = plot_stochastic_limit(tmp_path / "limit.png", seed=1)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(params=["with-scipy", "without-scipy"])
def scipy_presence(request, monkeypatch):
    """Run a test twice: as installed, and as if SciPy were absent (``import scipy`` raises ImportError)."""
    if request.param == "without-scipy":
        for name in ("scipy", "scipy.linalg"):
            monkeypatch.setitem(__import__("sys").modules, name, None)
    return request.param


def test_float_model_is_the_same_with_or_without_scipy(scipy_presence):
    # The continuous-action models hold floats in object arrays; the float64 solve must take them either way.
    m = continuous_model(ContinuousActionMDP(**MDP3), [0.5, -1.0, 2.0], exact=False)
    exact = continuous_model(ContinuousActionMDP(**MDP3), [F(1, 2), F(-1), F(2)], exact=True)
    assert np.asarray(m.d, dtype=float) == pytest.approx(np.asarray(exact.d, dtype=float), rel=1e-12)
    assert float(m.U) == pytest.approx(float(exact.U), rel=1e-12)


def test_dpg_numeric_check_decides_without_scipy(scipy_presence):
    # The README's main command installs no SciPy; the dpg claims' numeric checks must still decide.
    settings = Settings(methods=("numeric",), numeric_examples=5, cache=False)
    result = check_claim(select(["dpg.theorem"])[0], settings)
    assert result.verdict == "verified", result.reason
    assert result.checks and all(c.passed is True for c in result.checks), [c.message for c in result.checks]
