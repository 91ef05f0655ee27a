"""Continuous actions and Gaussian objectives from displays (pgverify.notation.continuous)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy

from numeric.continuous import ContinuousActionMDP, continuous_model
from numeric.gaussian import GaussianObjective
from pgverify.checker import Settings, check_claim
from pgverify.documents import verify_document
from pgverify.notation import parse, parse_expression
from pgverify.notation.continuous import (DPG_FAMILIES, GAUSSIAN_FAMILIES, Jet, continuous_kind,
                                          evaluate_continuous)
from pgverify.notation.evaluate import GRAD_AXIS, Conventions, NotEvaluable, compile_display, evaluate_side

QUICK = Settings(numeric_examples=10, exact_points=2, counterexample_examples=100)
BAR = r"\nabla_a \left.q_\lambda^{\pi_\theta}(s, a)\right|_{a=\pi_\theta(s)}"
DPG = (r"\nabla_\theta U(\theta) = (1-\lambda)^{-1} \mathbb{E}_{s\sim d_\lambda^{\pi_\theta}}"
       r"\left[\nabla_\theta \pi_\theta(s) \cdot " + BAR + r"\right]")
GAUSS = r"\mathbb{E}_{x\sim\mathcal{N}(\mu, \sigma^2)}"


@pytest.fixture(scope="module")
def model():
    """Two states, two features, exact: r(s, a) = r0 + r1 a + r2 a²."""
    mdp = ContinuousActionMDP(c=[[1, 2], [3, 1]], m=[[0, 1], [-1, 2]], r=[[1, -1, -1], [0, 2, -1]],
                              discount=Fraction(1, 2))
    return continuous_model(mdp, [Fraction(1, 3), Fraction(-1, 2)], features=[[1, 2], [-1, 1]], exact=True)


def side(text, m, free=("s",)):
    return evaluate_continuous(parse_expression(text), m, free=set(free), sorts={"s": "state"})


# ------------------------------------------------------------------ constructs
def test_action_gradient_at_the_bar_is_the_models_closed_form(model):
    t = side(BAR, model)
    assert t.axes == ("s",) and list(t.value) == list(model.dq_da)


def test_the_policy_jacobian_is_the_features(model):
    t = side(r"\nabla_\theta \pi_\theta(s)", model)
    assert t.axes == ("s", GRAD_AXIS) and (t.value == model.jac).all()


def test_the_contraction_and_the_occupancy_expectation(model):
    t = side(r"\mathbb{E}_{s\sim d_\lambda^{\pi_\theta}}\left[\nabla_\theta \pi_\theta(s) \cdot " + BAR + r"\right]",
             model, free=())
    assert t.axes == (GRAD_AXIS,)
    assert list(t.value) == list(np.einsum("s,sk,s->k", model.d, model.jac, model.dq_da))


def test_grad_u_is_the_reference_gradient(model):
    t = side(r"\nabla_\theta U(\theta)", model, free=())
    assert list(t.value) == list(model.grad_U)


def test_theta_gradient_of_q_at_the_moving_action_holds_theta_t_fixed(model):
    t = side(r"\nabla_\theta\left.\left(q_\lambda^{\pi_{\theta_t}}(s, \pi_\theta(s))\right)\right|_{\theta=\theta_t}",
             model)
    assert t.axes == ("s", GRAD_AXIS)
    assert (t.value == model.jac * model.dq_da[:, None]).all()  # v of θ_t is not differentiated


def test_the_dpg_theorem_is_proved_and_its_slip_refuted():
    assert continuous_kind(parse(DPG)) == "dpg"
    claim = compile_display(parse(DPG), name="t")
    assert claim.families == DPG_FAMILIES
    assert check_claim(claim, QUICK).verdict == "proved"
    wrong = check_claim(compile_display(parse(DPG.replace(r"(1-\lambda)^{-1}", "")), name="t"), QUICK)
    assert wrong.verdict == "refuted" and wrong.counterexample is not None


def test_proportionality_reports_the_constant_and_proves_it_positive_symbolically():
    r = check_claim(compile_display(parse(DPG.replace(r"= (1-\lambda)^{-1}", r"\propto")), name="t"), QUICK)
    assert r.verdict == "proved"
    symbolic = [c for c in r.checks if c.method == "symbolic"][0]
    assert str(symbolic.details["constant (step 1 (∝))"]) == "-1/(lambda - 1)"


def test_the_families_are_the_catalogues():
    from pgverify.claims import dpg

    assert DPG_FAMILIES == dpg.DPG_FAMILIES and GAUSSIAN_FAMILIES == dpg.GAUSSIAN


# ------------------------------------------------------------------ small α
def test_jets_track_truncation():
    a = Jet.variable(Fraction(1))
    assert (a * a * a).coef[3] == 1 and (a * a * a).exact
    assert not (1 / (1 + a)).exact and (1 / (1 + a)).coef[:3] == (1, -1, 1)


def test_jets_of_two_orders_combine_soundly():
    """An exact jet is a polynomial: it is padded with zeros to a higher order.  An inexact one does not know
    its higher terms: combined with a jet of higher order, the result has the lower order, and asking it for a
    higher order is refused."""
    a1, a4 = Jet.variable(Fraction(1), 1), Jet.variable(Fraction(1))
    assert (a4 * a1).coef == (0, 0, 1, 0, 0) and (a4 * a1).exact
    inexact = 1 / (1 + a1)  # 1 − α + α² − …, known to order 1
    assert inexact.coef == (1, -1) and not inexact.exact
    p = a4 * a4 * inexact  # α² − α³ + …: to order 1, 0 + 0·α, not exact
    assert p.coef == (0, 0) and not p.exact
    assert (a4 + inexact).coef == (1, 0) and inexact.at_order(4) is None
    assert inexact.at_order(0).coef == (1,) and not inexact.at_order(0).exact


def test_a_tie_at_first_order_is_decided_at_a_higher_order(model):
    """(α πθ(s))² > 0 for small α: c₀ = c₁ = 0, so the decision needs c₂ = πθ(s)² — evaluated at order 1
    first, then at GERM_ORDER."""
    claim = compile_display(parse(r"\left(\alpha \pi_\theta(s)\right)^2 > 0"), name="t",
                            conventions=Conventions(small=("alpha",)))
    (step,) = claim.evaluate(model).steps
    assert list(step.lhs) == [a * a for a in model.mu] and list(step.rhs) == [0, 0]


def test_improvement_for_small_alpha_is_decided_on_taylor_coefficients(model):
    conv = Conventions(small=("alpha",))
    ineq = (r"q_\lambda^{\pi_{\theta_t}}(s, \pi_{\theta_t+\alpha\nabla_\theta\left.\left(q_\lambda^{\pi_{\theta_t}}"
            r"(s, \pi_\theta(s))\right)\right|_{\theta=\theta_t}}(s)) > q_\lambda^{\pi_{\theta_t}}(s, \pi_{\theta_t}(s))")
    claim = compile_display(parse(ineq), name="t", conventions=conv)
    chain = claim.evaluate(model)
    (step,) = chain.steps
    # the first non-zero Taylor coefficient of lhs − rhs: h′(0) = |φ(s)|² (∂ₐq)² > 0 at both states of this model
    assert list(step.lhs) == list(np.einsum("sk,sk->s", model.jac, model.jac) * model.dq_da ** 2)
    assert all(x > 0 for x in step.lhs) and list(step.rhs) == [0, 0]
    assert check_claim(claim, QUICK).verdict == "refuted"  # a state where ∇ₐq = 0 or φ(s) = 0: no strict gain


def test_the_chain_rule_step_of_the_choice_is_proved_universally():
    """δθ := α∇θ(q^{π_{θ_t}}(s, πθ(s)))|_{θ=θ_t} = α ∇θπθ(s)·∇ₐq(s, a)|_{a=π_{θ_t}(s)}: θ_t held fixed, symbolically too."""
    text = (r"\delta\theta = \alpha \nabla_\theta\left.\left(q_\lambda^{\pi_{\theta_t}}(s, \pi_\theta(s))\right)"
            r"\right|_{\theta=\theta_t} = \alpha \nabla_\theta\left.\pi_\theta(s)\right|_{\theta=\theta_t} \cdot "
            r"\nabla_a \left.q_\lambda^{\pi_{\theta_t}}(s, a)\right|_{a=\pi_{\theta_t}(s)}")
    claim = compile_display(parse(text), name="t", conventions=Conventions(small=("alpha",), defines=True))
    r = check_claim(claim, QUICK)
    assert r.verdict == "proved", [c.message for c in r.checks]
    dropped = compile_display(parse(text.replace(r"\alpha \nabla_\theta\left.\pi", r"\nabla_\theta\left.\pi")),
                              name="t", conventions=Conventions(small=("alpha",), defines=True))
    assert check_claim(dropped, QUICK).verdict == "refuted"


def test_alpha_without_the_annotation_says_so(model):
    with pytest.raises(NotEvaluable, match="for small"):
        side(r"\alpha \nabla_\theta \pi_\theta(s)", model)


# ------------------------------------------------------------------ Gaussian objectives
@pytest.fixture(scope="module")
def objective():
    return GaussianObjective.polynomial(sympy.symbols("f0:4"), mu=sympy.Symbol("mu"),
                                        sigma=sympy.Symbol("sigma", positive=True))


def gside(text, m):
    return evaluate_continuous(parse_expression(text), m, free=set(), sorts={})


def test_the_likelihood_ratio_with_the_log_is_the_direct_gradient(objective):
    t = gside(GAUSS + r"[f(x)\nabla_\mu\log\mathcal{N}(x\vert \mu, \sigma^2)]", objective)
    assert sympy.simplify(t.value - objective.dJ_dmu) == 0


def test_the_density_gradient_carries_the_exact_factor(objective):
    """∫ f 𝒩 (x − μ)/σ² 𝒩 dx: √π stays a symbol, so the exact method decides without rounding."""
    t = gside(GAUSS + r"[f(x)\nabla_\mu\mathcal{N}(x\vert \mu, \sigma^2)]", objective)
    assert t.value.has(sympy.pi) and sympy.simplify(t.value - objective.dJ_dmu) != 0
    assert gside(r"\nabla_\mu J(\mu)", objective).value == objective.dJ_dmu


def test_gaussian_displays_get_the_catalogues_verdicts():
    right = GAUSS.join([r"\nabla_\mu J(\mu) = ", r"[f(x)\nabla_\mu\log\mathcal{N}(x\vert \mu, \sigma^2)]"])
    claim = compile_display(parse(right), name="t")
    assert claim.families == GAUSSIAN_FAMILIES
    assert check_claim(claim, QUICK).verdict == "proved"
    wrong = compile_display(parse(right.replace(r"\log", "")), name="t")
    assert check_claim(wrong, QUICK).verdict == "refuted"


# ------------------------------------------------------------------ bad inputs
@pytest.mark.parametrize("text, message", [
    (r"\nabla_a q_\lambda^{\pi_\theta}(s, a)", "no bar"),
    (r"\nabla_\theta \nabla_\theta \pi_\theta(s)", "second derivative"),
    (r"\mathbb{E}_{a\sim\pi_\theta(s)}[q_\lambda^{\pi_\theta}(s, a)]", "only 𝔼_{s∼d}"),
    (r"\left.\nabla_\theta \pi_\theta(s)\right|_{\theta=0}", "θ_t"),
])
def test_bad_continuous_inputs_say_why(model, text, message):
    with pytest.raises(NotEvaluable, match=message):
        side(text, model)


@pytest.mark.parametrize("text, message", [
    (GAUSS.replace(r"\mu, \sigma^2", "0, 1") + "[f(x)]", "objective's Gaussian"),
    (GAUSS + r"[f(x)\mathcal{N}(x\vert \mu, \sigma^2)^2]", "power 0 or 1"),
    (GAUSS + r"[\log\mathcal{N}(x\vert \mu, \sigma^2)]", "under ∇_μ"),
])
def test_bad_gaussian_inputs_say_why(objective, text, message):
    with pytest.raises(NotEvaluable, match=message):
        gside(text, objective)


def test_action_gradients_on_a_finite_family_say_which_families_apply():
    from pgverify.families import get_family

    tabular = get_family("tabular-softmax").exact_points(1, 0)[0]
    with pytest.raises(NotEvaluable, match="finite-action family"):
        evaluate_side(parse_expression(r"\nabla_a q_\lambda^{\pi_\theta}(s, a)"), tabular,
                      free={"s": None, "a": None})
    with pytest.raises(NotEvaluable, match="finite-action model"):
        evaluate_continuous(parse_expression(BAR), tabular, free={"s"}, sorts={"s": "state"})


# ------------------------------------------------------------------ a user's document
USER_DOC = r"""# My DPG derivation

The deterministic policy gradient, with its constant:
$$
\nabla_\theta U(\theta) = (1-\lambda)^{-1} \mathbb{E}_{s\sim d_\lambda^{\pi_\theta}}\left[\nabla_\theta \pi_\theta(s)
\cdot \nabla_a \left.q_\lambda^{\pi_\theta}(s, a)\right|_{a=\pi_\theta(s)}\right]
$$
and a step that forgets it:
$$
\nabla_\theta U(\theta) = \mathbb{E}_{s\sim d_\lambda^{\pi_\theta}}\left[\nabla_\theta \pi_\theta(s)
\cdot \nabla_a \left.q_\lambda^{\pi_\theta}(s, a)\right|_{a=\pi_\theta(s)}\right]
$$
"""


def test_a_users_dpg_document(tmp_path):
    path = tmp_path / "dpg.md"
    path.write_text(USER_DOC, encoding="utf-8")
    run = verify_document(path, QUICK, annotations=None)
    assert [r.verdict for r in run.results] == ["proved", "refuted"]
    assert run.results[1].result.counterexample is not None


def test_germs_that_agree_are_decided_only_for_polynomials(model):
    from pgverify.notation.continuous import evaluate_step

    def run(text):
        (left, step), = parse(text).steps()
        return evaluate_step(0, left, step, model, Conventions(small=("alpha",)), free=set(), sorts={}, defined={})

    lhs, rhs, rel = run(r"\alpha \cdot \alpha > \alpha \cdot \alpha")  # the same polynomial: never strictly greater
    assert (lhs.value, rhs.value, rel) == (0, 0, ">")
    lhs, rhs, rel = run(r"\frac{1}{1 + \alpha} > 1")  # −α + α² − …: the first coefficient that is not 0 is −1
    assert (lhs.value, rel) == (-1, ">")
    with pytest.raises(NotEvaluable, match="not polynomials"):
        run(r"\frac{1}{1 + \alpha} > \frac{2}{2 + 2\alpha}")


def test_annotations_for_small_also_and_where_on_a_symbol():
    from pgverify.notation import parse_annotation

    a = parse_annotation(r"for small \alpha; also q(s, a) > 0; where \delta\theta = \alpha")
    assert a.small == ("alpha",) and len(a.also) == 1 and a.substituted == ("delta_theta",)
