"""The evaluator consumes what a display writes (issue 16, classes 1, 5 and 6): arguments, indices, parameters.

* a function of the parameter at another point is evaluated there (the model rebuilt at kθ) or refused;
* an index outside the profile's range is ill-formed, never clipped or wrapped;
* a relation between model parameters is decided on the family's whole domain, not on sampled points.
"""

from __future__ import annotations

import re
from fractions import Fraction as F

import numpy as np
import pytest

from numeric.evaluation import model as build_model
from numeric.mdp import FiniteMDP
from numeric.policies import TabularSoftmax
from pgverify.checker import Settings, check_claim
from pgverify.families import get_family
from pgverify.notation import ast, parse, parse_expression
from pgverify.notation.evaluate import (Conventions, IndexOutOfRange, NotEvaluable, Tensor, compile_display,
                                        evaluate_side)

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


# ------------------------------------------------------------------ class 5: indices out of range
def episodic_model():
    return get_family("episodic-softmax").exact_points(1, 0)[0]


@pytest.mark.parametrize("text, where", [
    (r"\mathbb{E}[r(s_0, a_0)]", "s_{0} at time 0"),
    (r"\mathbb{E}\left[\sum_{t=1}^{T-1} r(s_{t-1}, a_{t-1})\right]", "s_{t - 1} at time 0"),
    (r"\mathbb{E}\left[\sum_{t=0}^{T-1} r(s_t, a_t)\right]", "s_{t} at time 0"),
    (r"\mathbb{E}[r(s_{T+2}, a_{T+2})]", "s_{T + 2} at time"),
    (r"\mathbb{P}(s_0 = s^0)", "s_{0} at time 0"),
    (r"\mathbb{E}[G_\tau^0]", "G^{0} at time 0"),
])
def test_a_time_outside_the_trajectory_is_ill_formed_never_clipped(text, where):
    with pytest.raises(IndexOutOfRange, match=re.escape(where)):
        evaluate_side(parse_expression(text), episodic_model())


def test_times_a_bound_masks_are_not_out_of_range():
    """Σ_{k=t}^{T} binds k over a wider range and masks it: the masked times are no index of the display."""
    m = episodic_model()
    inner = r"\mathbb{E}\left[\sum_{t=1}^{T-1} \sum_{k=t}^{T-1} r(s_k, a_k)\right]"
    by_count = r"\mathbb{E}\left[\sum_{k=1}^{T-1} k\, r(s_k, a_k)\right]"
    assert value(inner, m) == value(by_count, m)


def test_the_textbook_profile_starts_at_zero():
    m = episodic_model()
    textbook = Conventions(time_base=0)
    t0 = evaluate_side(parse_expression(r"\mathbb{E}[r(s_0, a_0)]"), m, textbook).value
    t1 = evaluate_side(parse_expression(r"\mathbb{E}[r(s_1, a_1)]"), m).value
    assert t0 == t1  # the first step, in either profile's numbering


def test_a_state_sum_past_the_states_is_ill_formed():
    with pytest.raises(IndexOutOfRange, match="outside the model's states"):
        evaluate_side(parse_expression(r"\sum_{s=0}^{7} v(s)"), model_at(WEIGHTS))


def test_an_infinite_series_before_the_first_time_is_ill_formed():
    text = r"\sum_{t=0}^\infty \lambda^{t} \mathbb{P}_{s^0}^\pi(s_t = s)"
    with pytest.raises(IndexOutOfRange, match="before the first time 1"):
        evaluate_side(parse_expression(text), model_at(WEIGHTS), free={"s": Tensor(np.arange(2), ("s",))})


def test_s0_is_ill_formed_in_the_checker():
    assert verdict(r"\mathbb{E}[r(s_0,a_0)] = \mathbb{E}[r(s_1,a_1)]").verdict == "ill-formed"


# ------------------------------------------------------------------ class 6: relations in λ; the table's marks
@pytest.mark.parametrize("text, holds", [
    (r"10\lambda \le 9", False), (r"\lambda \le \frac{1}{2}", False), (r"(1-\lambda)^{-1} \le 100", False),
    (r"\lambda < 1", True), (r"\lambda^2 \le \lambda", True), (r"\frac{1}{1-\lambda} \ge 1", True),
    (r"\lambda \ge 0", True),
])
def test_a_relation_in_lambda_is_decided_on_the_whole_domain(text, holds):
    """λ ranges over [0, 1); the float64 examples draw λ ≤ 9/10 only and three exact points may all miss (9/10, 1)."""
    r = verdict(text)
    assert r.verdict == ("verified" if holds else "refuted"), r.reason
    if not holds:
        assert "(λ ranges over [0, 1)" in r.counterexample.step
        for seed in range(3):  # refuted at every seed
            claim = compile_display(parse(text), name="test")
            assert check_claim(claim, Settings(numeric_examples=5, exact_points=1, seed=seed)).verdict == "refuted"


def test_the_witness_step_holds_the_sides_at_the_witness():
    from pgverify.notation.evaluate import _decide_on_domain

    chain = parse(r"10\lambda \le 9")
    (left, step), = chain.steps()
    witness = _decide_on_domain("step 1", left, step, ("tabular-softmax",), ())
    lam = F(witness.label.split("λ = ")[1].split(" ")[0])
    assert 9 * F(1, 10) < lam < 1 and witness.lhs == 10 * lam and witness.rhs == 9


def test_a_relation_in_lambda_undefined_in_the_domain_is_undecided():
    with pytest.raises(NotEvaluable, match=r"undefined at λ ∈ \{0\}"):
        compile_display(parse(r"\frac{1}{\lambda} \ge 1"), name="t").evaluate(model_at(WEIGHTS))


def test_lambda_on_the_undiscounted_family_is_one():
    r = verdict(r"\lambda < 1", families=("episodic-softmax-undiscounted",))
    assert r.verdict == "refuted"


def test_a_mark_is_a_tick_only_where_the_method_decided_every_step(tmp_path):
    from pgverify.documents import table, verify_document

    path = tmp_path / "marks.md"
    path.write_text("$$ 10\\lambda \\le 9 $$\n\n$$ v(s) = \\sum_a \\pi(a|s) q(s, a) $$\n", encoding="utf-8")
    run = verify_document(path, QUICK)
    first, second = run.results
    symbolic = next(c for c in first.result.checks if c.method == "symbolic")
    assert symbolic.details["undecided_steps"] and first.verdict == "refuted"
    rows = table(run).splitlines()
    row1 = next(x for x in rows if x.startswith(" 1 line"))
    row2 = next(x for x in rows if x.startswith(" 2 line"))
    assert "symbolic–" in row1 and "symbolic✓" not in row1
    assert "symbolic✓" in row2


@pytest.mark.parametrize("text", [r"\lambda^{T} \le \frac{9}{10}", r"\sum_{t=1}^{T} \lambda^{t-1} \le 2", r"T \le 4"])
def test_a_relation_in_parameters_beyond_a_rational_function_of_lambda_is_undecided(text):
    with pytest.raises(NotEvaluable, match="sampling box"):
        compile_display(parse(text), name="t").evaluate(get_family("episodic-softmax").exact_points(1, 0)[0])


# ------------------------------------------------------------------ class 1: small α at a moved point
@pytest.mark.parametrize("text, expect", [
    (r"U(\theta - \alpha \nabla_\theta U(\theta)) \ge U(\theta)", "refuted"),   # descent decreases U
    (r"U(\theta + \alpha \nabla_\theta U(\theta)) \ge U(\theta)", "verified"),  # ascent: U + α|∇U|² + O(α²)
    (r"U(\theta + \alpha \nabla_\theta U(\theta)) > U(\theta)", "refuted"),     # at a critical point they tie
    (r"U(\theta + \alpha \nabla_\theta U(\theta)) = U(\theta)", "refuted"),
])
def test_U_at_a_point_moved_by_alpha_is_its_first_order_germ(text, expect):
    assert verdict(text, small=("alpha",)).verdict == expect


def test_the_germ_of_U_at_a_moved_point_is_U_plus_alpha_times_the_directional_derivative():
    from pgverify.notation.continuous import Jet

    m = model_at(WEIGHTS)
    jet = evaluate_side(parse_expression(r"U(\theta - 3\alpha \nabla_\theta U(\theta))"), m,
                        Conventions(small=("alpha",))).value
    assert isinstance(jet, Jet) and not jet.exact
    assert jet.coef == (m.U, -3 * sum(g * g for g in m.grad_U))


def test_a_fraction_of_integers_is_exact():
    """\\frac{1}{4} is the rational 1/4 (a float would leave the exact methods undecided)."""
    assert value(r"\frac{1}{4}", model_at(WEIGHTS)) == F(1, 4)
    assert isinstance(value(r"\frac{1}{4}", model_at(WEIGHTS)), F)
    assert verdict(r"\lambda(1-\lambda) \le \frac{1}{4}").verdict == "verified"


@pytest.mark.parametrize("text", [r"v(7)", r"r(1, 5)", r"\pi(3 \vert 1)", r"v(-1)"])
def test_a_state_or_action_index_past_the_model_is_ill_formed_never_wrapped(text):
    with pytest.raises(IndexOutOfRange, match="outside 0 …"):
        evaluate_side(parse_expression(text), model_at(WEIGHTS))


def test_the_occupancy_as_a_law_is_read_with_its_argument():
    m = model_at(WEIGHTS)
    assert value(r"\mathbb{E}_{s\sim d(s)}[v(s)]", m) == value(r"\mathbb{E}_{s\sim d}[v(s)]", m)
    with pytest.raises(NotEvaluable, match="the law d"):
        evaluate_side(parse_expression(r"\mathbb{E}_{s\sim d(s^0)}[v(s)]"), m)


def test_a_one_step_law_before_the_first_time_is_ill_formed():
    text = r"\mathbb{P}(s_{1} = s \vert s_0 = s^0)"
    with pytest.raises(IndexOutOfRange, match="before the profile's first time 1"):
        evaluate_side(parse_expression(text), model_at(WEIGHTS), free={"s": Tensor(np.arange(2), ("s",))})
    assert evaluate_side(parse_expression(text.replace("s_0", "s_1").replace("s_{1}", "s_{2}")), model_at(WEIGHTS),
                         free={"s": Tensor(np.arange(2), ("s",))}).axes == ("s",)


def test_a_decoration_on_a_continuous_model_is_read_or_refused():
    from pgverify.notation.continuous import evaluate_continuous

    m = get_family("lqr").exact_points(1, 0)[0]
    with pytest.raises(NotEvaluable, match="prime"):
        evaluate_continuous(parse_expression(r"\pi'(s)"), m, free={"s"}, sorts={"s": "state"})


def test_the_json_gives_each_check_the_table_s_mark(tmp_path):
    from pgverify.documents import to_json, verify_document

    path = tmp_path / "marks.md"
    path.write_text("$$ 10\\lambda \\le 9 $$\n", encoding="utf-8")
    (display,) = to_json(verify_document(path, QUICK))["displays"]
    symbolic = next(c for c in display["checks"] if c["method"] == "symbolic")
    assert symbolic["undecided_steps"] and symbolic["mark"] == "–"
    assert {c["method"]: c["mark"] for c in display["checks"]}["exact"] == "✗"


def test_a_one_step_law_at_a_time_in_T_needs_no_horizon():
    """The post's ℙ(s_{T+2} = s' | s_{T+1} = s) on a continuing family: any T ≥ 0, no trajectory to range over."""
    free = {"s": Tensor(np.arange(2), ("s",)), "s'": Tensor(np.arange(2), ("s'",))}
    t = evaluate_side(parse_expression(r"\mathbb{P}(s_{T+2}=s' \vert s_{T+1} = s)"), model_at(WEIGHTS), free=free)
    assert t.axes == ("s", "s'")


def test_the_gaussian_derivative_of_f_reads_its_argument():
    from pgverify.notation.continuous import evaluate_continuous

    m = get_family("gaussian-polynomial").exact_points(1, 0)[0]
    text = r"\mathbb{E}_{x\sim\mathcal{N}(\mu, \sigma^2)}[\nabla_\mu f(x + \mu)]"
    with pytest.raises(NotEvaluable, match="another argument"):
        evaluate_continuous(parse_expression(text), m, free=set(), sorts={})


def test_a_time_out_of_range_where_the_condition_excludes_it_is_not_an_index():
    """`for t ≥ 2`: s_{t−1} at t = 1 would be s_0, but the display is not claimed there."""
    row = parse(r"t \ge 2").rows[0]
    condition = ast.Rel(">=", row.lhs, row.steps[0].rhs)
    text = r"\mathbb{E}[r(s_{t-1}, a_{t-1})] = \mathbb{E}[r(s_{t-1}, a_{t-1})]"
    assert verdict(text, conditions=(condition,)).verdict == "proved"
    assert verdict(text).verdict == "ill-formed"


@pytest.mark.parametrize("text", [r"\lambda_2", r"\lambda_t", r"T_1", r"\nabla_\theta \lambda_2"])
def test_a_constant_with_an_index_is_refused_not_read_without_it(text):
    with pytest.raises(NotEvaluable, match="no index|∇θ of Sym"):
        evaluate_side(parse_expression(text), episodic_model(), free={"t": Tensor(np.arange(1, 3), ("t",))})


def test_the_policy_as_a_law_is_read_with_its_arguments():
    m = model_at(WEIGHTS)
    free = {"s": Tensor(np.arange(2), ("s",))}
    same = [evaluate_side(parse_expression(t), m, free=free).value for t in (
        r"\mathbb{E}_{a\sim\pi_\theta(\cdot \vert s)}[q(s, a)]", r"\mathbb{E}_{a\sim\pi_\theta(a \vert s)}[q(s, a)]",
        r"\mathbb{E}_{a\sim\pi_\theta(s)}[q(s, a)]")]
    assert list(same[0]) == list(same[1]) == list(same[2]) == list(m.v)
    with pytest.raises(NotEvaluable, match="the law of a"):
        evaluate_side(parse_expression(r"\mathbb{E}_{a\sim\pi_\theta(a' \vert s)}[q(s, a)]"), m,
                      free={**free, "a'": Tensor(np.arange(2), ("a'",))})


def test_a_move_of_higher_order_in_alpha_is_not_read_as_no_move():
    """θ + α²∇U moves θ (at second order): its first-order germ ties with U(θ), which does not decide ≥."""
    r = verdict(r"U(\theta + \alpha^2 \nabla_\theta U(\theta)) \ge U(\theta)", small=("alpha",))
    assert r.verdict == "undecided"
    assert "second-order" in r.reason or any("second-order" in c.message for c in r.checks)


def test_a_relation_in_T_is_refuted_only_by_an_exact_failure():
    """_fails_exactly: an exact failure refutes; a float, or a value that cannot be ordered, never does (a rounded
    or symbolic value must not decide a relation that sampled horizons cannot verify)."""
    from fractions import Fraction

    import sympy

    from pgverify.notation.evaluate import _fails_exactly

    assert _fails_exactly([Fraction(1), Fraction(3)], [Fraction(2), Fraction(2)], "<")
    assert not _fails_exactly([Fraction(1), Fraction(1)], [Fraction(2), Fraction(2)], "<")
    assert not _fails_exactly([3.0], [2.0], "<") and not _fails_exactly([Fraction(3)], [2.0], "<=")
    x = sympy.Symbol("x")
    assert not _fails_exactly([x], [0], ">")
