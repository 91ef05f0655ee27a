"""The evaluator consumes what a display writes (issue 16, classes 1, 5 and 6): arguments, indices, parameters.

* a function of the parameter at another point is evaluated there (the model rebuilt at kθ) or refused;
* an index outside the profile's range is ill-formed, never clipped or wrapped;
* a relation between model parameters is decided on the family's whole domain, not on sampled points.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

from numeric.evaluation import model as build_model
from numeric.mdp import FiniteMDP
from numeric.policies import TabularSoftmax
from pgverify.checker import Settings, check_claim
from pgverify.families import get_family
from pgverify.notation import parse, parse_expression
from pgverify.notation.evaluate import Conventions, NotEvaluable, Tensor, compile_display, evaluate_side

QUICK = Settings(numeric_examples=10, exact_points=2, counterexample_examples=100)

#: A 2-state, 2-action MDP in exact rationals, with a policy given by its weights e^θ.
P = [[[F(1, 3), F(2, 3)], [F(1), F(0)]], [[F(1, 2), F(1, 2)], [F(1, 5), F(4, 5)]]]
R = [[F(1), F(-2)], [F(3), F(1, 2)]]
WEIGHTS = np.array([[F(1), F(3)], [F(2), F(5, 2)]], dtype=object)
MDP = FiniteMDP(P=P, r=R, discount=F(3, 5), initial=0)


def model_at(weights: np.ndarray):
    return build_model(MDP, TabularSoftmax.from_weights(weights), exact=True)


def value(text: str, model) -> object:
    """The side on ``model``, the states s and actions a (when free) as axes in that order."""
    free = {"s": Tensor(np.arange(model.S), ("s",)), "a": Tensor(np.arange(model.A), ("a",))}
    t = evaluate_side(parse_expression(text), model, free=free)
    return t.expand(tuple(x for x in ("s", "a") if x in t.axes)) if t.axes else t.value


def verdict(text: str, **conventions) -> object:
    return check_claim(compile_display(parse(text), name="test", conventions=Conventions(**conventions)), QUICK)


# ------------------------------------------------------------------ class 1: arguments
@pytest.mark.parametrize("k", [2, 3, -1, 0])
def test_U_at_k_theta_is_U_of_the_model_rebuilt_at_k_theta(k):
    """U(kθ) = U of the policy with weights (e^θ)ᵏ: a direct computation on the rebuilt MDP."""
    m = model_at(WEIGHTS)
    direct = model_at(np.array([[w ** k for w in row] for row in WEIGHTS], dtype=object)).U
    text = {2: r"U(2\theta)", 3: r"J(3\theta)", -1: r"U(-\theta)", 0: r"U(0\theta)"}[k]
    assert value(text, m) == direct
    assert direct != m.U  # the point matters on this MDP


def test_quantities_of_the_policy_at_k_theta_are_the_rebuilt_models():
    m = model_at(WEIGHTS)
    at2 = model_at(np.array([[w ** 2 for w in row] for row in WEIGHTS], dtype=object))
    assert list(value(r"v^{\pi_{2\theta}}(s)", m)) == list(at2.v)
    assert np.array_equal(value(r"q^{\pi_{2\theta}}(s, a)", m), at2.q)
    assert np.array_equal(value(r"\pi_{2\theta}(a|s)", m), at2.pi)


@pytest.mark.parametrize("text", [r"U(\theta + \nabla_\theta U(\theta))", r"U(\theta + 1)", r"U(\theta_t)",
                                  r"U(\theta / 2)", r"J(\mu)", r"\pi_{\theta + 1}(a|s)", r"v^{\pi_{\theta/2}}(s)"])
def test_a_parameter_point_that_cannot_be_rebuilt_is_refused_with_the_point(text):
    with pytest.raises(NotEvaluable, match="parameter point other than θ|policy"):
        evaluate_side(parse_expression(text), model_at(WEIGHTS))


def test_a_gradient_at_another_point_is_refused_not_taken_at_theta():
    for text in (r"\nabla_\theta U(2\theta)", r"\nabla_\theta v^{\pi_{2\theta}}(s)"):
        with pytest.raises(NotEvaluable, match="2θ"):
            evaluate_side(parse_expression(text), model_at(WEIGHTS))


def test_U_at_two_theta_is_refuted_and_gradient_descent_is_not_verified():
    assert verdict(r"U(2\theta) = U(\theta)").verdict == "refuted"
    assert verdict(r"U(\theta + \nabla_\theta U(\theta)) = U(\theta)").verdict == "undecided"
    r = verdict(r"U(\theta - \alpha \nabla_\theta U(\theta)) \ge U(\theta)", small=("alpha",))
    assert r.verdict in ("undecided", "refuted")


def test_U_at_theta_is_still_proved_equal_to_the_expected_return():
    assert verdict(r"U(\theta) = \mathbb{E}_{\tau\sim\mathcal{T}_\theta}[R_\tau]").verdict == "proved"
    assert verdict(r"U(1\theta) = v(s^0)").verdict == "proved"


def test_the_gaussian_gradient_is_taken_at_mu_only():
    from pgverify.notation.continuous import evaluate_continuous

    m = get_family("gaussian-polynomial").exact_points(1, 0)[0]
    with pytest.raises(NotEvaluable, match="another point than μ"):
        evaluate_continuous(parse_expression(r"\nabla_\mu J(2\mu)"), m, free=set(), sorts={})


def test_U_on_a_continuous_model_at_another_point_is_refused():
    from pgverify.notation.continuous import evaluate_continuous

    m = get_family("lqr").exact_points(1, 0)[0]
    assert evaluate_continuous(parse_expression(r"U(\theta)"), m, free=set(), sorts={}).value == m.U
    with pytest.raises(NotEvaluable, match="other than θ"):
        evaluate_continuous(parse_expression(r"U(2\theta)"), m, free=set(), sorts={})


def test_a_policy_named_by_its_parameter_point_is_that_policy():
    m = model_at(WEIGHTS)
    at2 = model_at(np.array([[w ** 2 for w in row] for row in WEIGHTS], dtype=object))
    assert list(value(r"v_{2\theta}(s)", m)) == list(at2.v)
    assert np.array_equal(value(r"q_{\theta}(s, a)", m), m.q)


def test_a_decoration_that_is_not_read_is_refused():
    for text in (r"b_{2\theta}(s)", r"\mathbb{P}^{\pi_{2\theta}}(s_1 = s)"):
        with pytest.raises(NotEvaluable):
            evaluate_side(parse_expression(text), get_family("episodic-softmax").exact_points(1, 0)[0],
                          free={"s": Tensor(np.arange(3), ("s",))})
