"""∇θ's sum, product, quotient, power and chain rules against dual numbers computed apart from pgverify.

Hypothesis draws an expression over the model's quantities at free s, a (π, v, q, d, U, r, λ, integers; +, −, ×,
fractions with positive denominators, integer powers) and a small model by its base coordinates; the evaluator's
value and ∇θ of the expression (``evaluate_side``) must equal the reference's (:mod:`refsem`) at every (s, a),
exactly.  A rule that drops a term (the quotient rule without the denominator's, the product rule keeping one
factor's) fails on the first drawn expression where that term is non-zero.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pgverify.notation import parse_expression
from pgverify.notation.evaluate import GRAD_AXIS, Tensor, evaluate_side
from refsem import Base, reference
from strategies_ref import bases, exact_model, expressions, latex, positives, value

SETTINGS = settings(max_examples=60, deadline=None, database=None)

#: A fixed model (2 states, 2 actions) on which the explicit examples below make every rule's terms non-zero.
BASE = Base(W=(((1, 2), (3, 1)), ((2, 2), (1, 4))), r=((1, -2), (3, 0)), lam=Fraction(1, 2),
            mu=(Fraction(1), Fraction(0)), x=((1, 2), (3, 1)))


def _evaluate(text: str, base: Base, grad: bool) -> np.ndarray:
    """The evaluator's value of ``text`` at every (s, a) (and ∇θ index), as an array of Fractions."""
    m = exact_model(base)
    free = {"s": Tensor(np.arange(base.S), ("s",)), "a": Tensor(np.arange(base.A), ("a",))}
    t = evaluate_side(parse_expression(text), m, free=free)
    axes = ("s", "a", GRAD_AXIS) if grad else ("s", "a")
    shape = (base.S, base.A, base.S * base.A) if grad else (base.S, base.A)
    if isinstance(t, Tensor):
        assert set(t.axes) <= set(axes), t.axes
        out = np.broadcast_to(np.asarray(t.expand(axes), dtype=object), shape)
    else:  # pragma: no cover - evaluate_side always returns a Tensor
        raise AssertionError(type(t))
    return np.vectorize(Fraction, otypes=[object])(out)


def _reference(e, base: Base, grad: bool) -> np.ndarray:
    ref = reference(base)
    out = np.empty((base.S, base.A, base.S * base.A) if grad else (base.S, base.A), dtype=object)
    for s in range(base.S):
        for a in range(base.A):
            x = value(e, ref, s, a)
            if grad:
                out[s, a, :] = list(x.grad)
            else:
                out[s, a] = x.val
    return out


def _assert_equal(got: np.ndarray, want: np.ndarray, text: str) -> None:
    bad = [(i, g, w) for i, (g, w) in enumerate(zip(got.ravel(), want.ravel())) if g != w]
    assert not bad, f"{text}: evaluator ≠ reference at {len(bad)} entries, first (flat index, got, want) {bad[0]}"


def test_the_model_at_the_base_coordinates_is_the_references():
    """π, ∇θπ, v, q, d, U of pgverify's model equal the reference's (fixes the parameter order k = s·A + a)."""
    for base in (BASE, Base(W=(((1,), (3,), (2,)),), r=((2, -1, 0),), lam=Fraction(2, 3), mu=(Fraction(1),),
                            x=((1, 1, 4),))):
        m, ref = exact_model(base), reference(base)
        S, A = base.S, base.A
        assert [[m.pi[s, a] for a in range(A)] for s in range(S)] == [[p.val for p in row] for row in ref.pi]
        assert [[list(m.dpi[s, a]) for a in range(A)] for s in range(S)] == [[list(p.grad) for p in row]
                                                                              for row in ref.pi]
        assert list(m.v) == [x.val for x in ref.v] and list(m.d) == [x.val for x in ref.d]
        assert [list(row) for row in m.q] == [[x.val for x in row] for row in ref.q]
        assert m.U == ref.U.val and list(m.grad_U) == list(ref.U.grad)


@SETTINGS
@given(e=expressions(), base=bases())
@example(e=("mul", ("leaf", "pi"), ("leaf", "v")), base=BASE)
@example(e=("div", ("leaf", "q"), ("leaf", "pi")), base=BASE)
def test_values_of_drawn_expressions(e, base):
    text = latex(e)
    _assert_equal(_evaluate(text, base, False), _reference(e, base, False), text)


@SETTINGS
@given(e=expressions(), base=bases())
@example(e=("mul", ("int", 2), ("leaf", "v")), base=BASE)  # the product rule: the second factor's term
@example(e=("mul", ("leaf", "pi"), ("leaf", "q")), base=BASE)
@example(e=("div", ("int", 1), ("leaf", "pi")), base=BASE)  # the quotient rule: the denominator's term
@example(e=("div", ("leaf", "v"), ("add", ("leaf", "pi"), ("int", 1))), base=BASE)
@example(e=("pow", ("leaf", "q"), 3), base=BASE)
@example(e=("sub", ("leaf", "pi"), ("leaf", "v")), base=BASE)  # ∇(x − y) = ∇x − ∇y
@example(e=("neg", ("leaf", "Ubare")), base=BASE)  # ∇θU written without its argument
def test_gradients_of_drawn_expressions(e, base):
    """∇θ(e) by the evaluator's rules = the tangent of e in dual numbers."""
    text = rf"\nabla_\theta \left({latex(e)}\right)"
    _assert_equal(_evaluate(text, base, True), _reference(e, base, True), text)


@SETTINGS
@given(e=positives(), base=bases())
@example(e=("div", ("leaf", "pi"), ("leaf", "d1")), base=BASE)
def test_gradients_of_logarithms(e, base):
    """∇θ log e = ∇θe / e (the chain rule through log), e positive by construction."""
    text = rf"\nabla_\theta \log \left({latex(e)}\right)"
    ref = reference(base)
    want = np.empty((base.S, base.A, ref.K), dtype=object)
    for s in range(base.S):
        for a in range(base.A):
            want[s, a, :] = list(value(e, ref, s, a).log_grad())
    _assert_equal(_evaluate(text, base, True), want, text)


@settings(max_examples=25, deadline=None, database=None)
@given(e=expressions(max_leaves=3), f=expressions(max_leaves=3), base=bases(max_states=2, max_actions=2))
def test_the_gradient_of_a_sum_over_actions_is_the_sum_of_the_gradients(e, f, base):
    """∇θ Σ_a π(a|s) e(s, a) f(s, a) = Σ_a ∇θ(π e f): a bounded Σ under ∇ keeps every term and every factor."""
    text = rf"\nabla_\theta \sum_{{a}} \pi_\theta(a \vert s) \left({latex(e)}\right) \left({latex(f)}\right)"
    m = exact_model(base)
    t = evaluate_side(parse_expression(text), m, free={"s": Tensor(np.arange(base.S), ("s",))})
    got = np.broadcast_to(np.asarray(t.expand(("s", GRAD_AXIS)), dtype=object), (base.S, base.S * base.A))
    ref = reference(base)
    for s in range(base.S):
        total = sum((ref.pi[s][a] * value(e, ref, s, a) * value(f, ref, s, a) for a in range(base.A)),
                    value(("int", 0), ref, s, 0))
        assert [Fraction(x) for x in got[s]] == list(total.grad), (text, s)


def test_the_product_rule_needs_every_factor():
    """A three-factor product whose only θ-dependence is the last factor (the rule must not stop at the first)."""
    e = ("mul", ("mul", ("leaf", "r"), ("int", 2)), ("leaf", "pi"))
    text = rf"\nabla_\theta \left({latex(e)}\right)"
    want = _reference(e, BASE, True)
    assert any(x != 0 for x in want.ravel())
    _assert_equal(_evaluate(text, BASE, True), want, text)


@given(st.just(None))
@settings(max_examples=1, deadline=None, database=None)
def test_the_quotient_rule_needs_the_denominators_term(_):
    e = ("div", ("leaf", "r"), ("leaf", "pi"))  # ∇(r/π) = −r ∇π / π²: only the denominator's term
    text = rf"\nabla_\theta \left({latex(e)}\right)"
    want = _reference(e, BASE, True)
    assert any(x != 0 for x in want.ravel())
    _assert_equal(_evaluate(text, BASE, True), want, text)
