"""Displays compiled onto the model (pgverify.notation.evaluate) and checked by the catalogue's checker."""

from __future__ import annotations

import numpy as np
import pytest

from numeric.derivatives import grad_d, trajectory_gradient
from numeric.evaluation import model as build_model
from numeric.mdp import FiniteMDP
from numeric.policies import TabularSoftmax
from pgverify.checker import Settings, check_claim
from pgverify.families import get_family
from pgverify.families.restrict import restricted
from pgverify.notation import parse
from pgverify.notation.evaluate import Conventions, NotEvaluable, compile_display

QUICK = Settings(numeric_examples=10, exact_points=2, counterexample_examples=100)
PGT = (r"\nabla_\theta U(\theta) = (1-\lambda)^{-1}\sum_{s\in\mathcal{S}} d_\lambda^{\pi_\theta}(s)"
       r"\sum_{a\in\mathcal{A}} q_\lambda^{\pi_\theta}(s, a) \nabla_\theta \pi_\theta(a\vert s)")


def verdict(text: str, **conventions):
    claim = compile_display(parse(text), name="test", conventions=Conventions(**conventions))
    return check_claim(claim, QUICK)


def test_the_policy_gradient_theorem_is_proved_from_its_text():
    assert verdict(PGT).verdict == "proved"


def test_dropping_the_discount_normalisation_is_refuted_with_a_counterexample():
    r = verdict(PGT.replace(r"(1-\lambda)^{-1}", ""))
    assert r.verdict == "refuted"
    assert r.counterexample is not None and r.counterexample.exact


def test_proportionality_reports_a_positive_theta_free_constant():
    r = verdict(r"\nabla_\theta U(\theta) \propto \mathbb{E}_{s\sim d_\lambda^{\pi_\theta}}\mathbb{E}_{a\sim\pi_\theta(s)}"
                r"\left[q_\lambda^{\pi_\theta}(s,a)\nabla_\theta\log\pi_\theta(a\vert s)\right]")
    symbolic = next(c for c in r.checks if c.method == "symbolic")
    assert r.verdict == "verified" and str(symbolic.details["constant (step 1 (∝))"]) == "-1/(lambda - 1)"


def test_a_wrong_proportionality_is_refuted():
    # with r in place of q the right-hand side is not a constant multiple of ∇U
    r = verdict(r"\nabla_\theta U(\theta) \propto \sum_{s} d_\lambda^{\pi_\theta}(s) \sum_{a} r(s, a)"
                r"\nabla_\theta\pi_\theta(a\vert s)")
    assert r.verdict == "refuted"


def test_a_constant_side_stands_for_every_index():
    assert verdict(r"\sum_{a\in\mathcal{A}} \nabla_\theta\pi_\theta(a\vert s) = 0").verdict == "proved"


def test_trajectory_expectations_are_exact_sums_on_episodic_families():
    claim = compile_display(parse(r"U(\theta) = \mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[R_\tau\right]"), name="t")
    assert claim.families == ("episodic-softmax",)
    assert check_claim(claim, QUICK).verdict == "proved"


def test_conditions_from_annotations_restrict_where_a_display_is_claimed():
    text = (r"\mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[r(s_k, a_k)\nabla_\theta\log\pi_\theta(a_t\vert s_t)\right]"
            r" = 0")
    k_before_t = parse(r"k < t").rows[0]
    cond = (k_before_t.lhs if not k_before_t.steps else None)
    from pgverify.notation import ast as A

    cond = A.Rel("<", A.Var("k", "time"), A.Var("t", "time"))
    assert verdict(text, conditions=(cond,)).verdict == "proved"
    assert verdict(text).verdict == "refuted"  # k ≥ t: rewards after the action do depend on it


@pytest.mark.parametrize("text, why", [
    (r"J(\mu) = \mathbb{E}_{x\sim\mathcal{N}(0, 1)}[f(x)]", "only the objective's Gaussian"),
    (r"d_\lambda^{\pi_\theta}(s) = (1-\lambda)\sum_{t=1}^\infty \mathbb{P}_{s^0}^\pi(s_t = s)",
     "infinite series without the discount"),
])
def test_what_cannot_be_evaluated_says_why(text, why):
    r = verdict(text)
    assert r.verdict == "undecided"
    assert any(why in c.message for c in r.checks), [c.message for c in r.checks]


def test_textbook_time_from_zero():
    text = r"J(\theta) = \mathbb{E}\left[\sum_{t=0}^{T-1} \gamma^{t} r(s_t, a_t)\right]"
    claim = compile_display(parse(text, profile="textbook"), name="t", conventions=Conventions(time_base=0))
    assert check_claim(claim, QUICK).verdict == "proved"
    off_by_one = r"J(\theta) = \mathbb{E}\left[\sum_{t=0}^{T-1} \gamma^{t+1} r(s_t, a_t)\right]"
    claim = compile_display(parse(off_by_one, profile="textbook"), name="t", conventions=Conventions(time_base=0))
    assert check_claim(claim, QUICK).verdict == "refuted"


def test_pseudo_code_is_not_an_identity():
    with pytest.raises(NotEvaluable, match="assignment"):
        compile_display(parse(r"\theta \leftarrow \theta + \eta \cdot \nabla_\theta U(\theta)"), name="t")


# ---------------------------------------------------------------- numeric.derivatives
def _float_model(theta: np.ndarray):
    P = np.array([[[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]], [[0.9, 0.1], [0.3, 0.7], [0.1, 0.9]]])
    r = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    return build_model(FiniteMDP(P, r, 0.7), TabularSoftmax(theta), exact=False)


def test_occupancy_gradient_matches_central_differences():
    theta = np.array([[0.3, -0.2, 0.1], [0.5, 0.0, -0.4]])
    g = grad_d(_float_model(theta))
    h = 1e-6
    for k in range(theta.size):
        e = np.zeros(theta.size)
        e[k] = h
        fd = (_float_model(theta + e.reshape(theta.shape)).d - _float_model(theta - e.reshape(theta.shape)).d) / (2 * h)
        assert np.allclose(g[:, k], fd, atol=1e-7), k


def test_occupancy_gradient_is_exact_in_rationals_and_matches_the_symbolic_derivative():
    f = get_family("tabular-softmax")
    sym = f.symbolic()
    assert all(x == y for x, y in zip(np.ravel(grad_d(sym)), np.ravel(sym.derivative(sym.d))))
    m = f.exact_points(1, 0)[0]
    assert grad_d(m).dtype == object and grad_d(m).shape == (m.S, m.K)


def test_trajectory_gradient_sums_to_zero_and_is_the_product_rule():
    m = get_family("episodic-softmax").exact_points(1, 0)[0]
    tr = m.extras["trajectories"]
    g = trajectory_gradient(m, tr.states, tr.actions)
    assert all(x == 0 for x in g.sum(axis=0))  # Σ_τ 𝒯θ(τ) = 1 for every θ


def test_restricted_families_draw_only_models_that_satisfy_the_preconditions():
    name = restricted("episodic-softmax", min_horizon=4)
    fam = get_family(name)
    assert all(m.extras["horizon"] >= 4 for m in fam.exact_points(2, 0))
    from hypothesis import given, settings

    @settings(max_examples=10, database=None, deadline=None)
    @given(fam.examples())
    def probe(example):
        assert fam.build(example, False).extras["horizon"] >= 4

    with pytest.raises(Exception):  # max_nonabsorbing = 2: no drawn example has T ≥ 4
        probe()


def test_trajectory_coordinates_at_different_times_stay_apart():
    """s_t and a_t gathered once per (trajectory, time) in an evaluation: r(s_1, a_1) − r(s_2, a_2) inside one
    expectation must be 𝔼[r_1] − 𝔼[r_2] computed apart (a memo that ignored the time would give 0), and the
    memo must not outlive the evaluation."""
    from pgverify.families import get_family
    from pgverify.notation import parse_expression
    from pgverify.notation.evaluate import _COORDINATES, evaluate_side

    E = r"\mathbb{{E}}_{{\tau \sim \mathcal{{T}}_\theta}}\left[{}\right]"
    for m in get_family("episodic-softmax").exact_points(3, 0):
        both = evaluate_side(parse_expression(E.format("r(s_1, a_1) - r(s_2, a_2)")), m).value
        one, two = (evaluate_side(parse_expression(E.format(f"r(s_{t}, a_{t})")), m).value for t in (1, 2))
        assert both == one - two
        assert m not in _COORDINATES
    assert any(evaluate_side(parse_expression(E.format("r(s_1, a_1)")), m).value
               != evaluate_side(parse_expression(E.format("r(s_2, a_2)")), m).value
               for m in get_family("episodic-softmax").exact_points(3, 0))
