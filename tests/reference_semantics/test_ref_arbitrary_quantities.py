"""``v depends on s`` / ``q depends on s, a`` (pgverify.notation.matrices.declare_arbitrary) against a direct
computation in exact rationals.

Theory notes define their operators on any vector (“T_π v = r_π + γP_π v, where v ∈ ℝ^S”; “(M_π q)(s) = Σ_a
π(a|s) q(s, a)” for any q): the annotation makes the undecorated letter an arbitrary function, the family's drawn
table (``b`` of the state, ``c`` of the state and action), while a decorated v^π stays the model's value.  Hypothesis
draws a model by its base coordinates and the two tables; pgverify evaluates each operator applied to the declared
letter; the reference computes it from the base coordinates and the drawn tables (matrices of Fractions built in
tests/reference_semantics/test_ref_matrices.py's ``Ref``, never the model's own P_π or r_π).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgverify.notation import ast as A
from pgverify.notation import parse_expression
from pgverify.notation.evaluate import Conventions, Tensor, evaluate_side
from pgverify.notation.matrices import declare_arbitrary
from refsem import Dual, as_fraction
from strategies_ref import bases, exact_model
from test_ref_matrices import Ref, _mm

V = Conventions(time_base=0, arbitrary=(("f", "b"),))
Q = Conventions(time_base=0, arbitrary=(("f", "c"),))

#: (LaTeX with the declared letter, the letter, its sorts, the reference from Ref and the drawn column f).
CASES = [
    (r"T_\pi v", "v", ("state",), lambda R, f: [[R.r_pi[s][0] + R.lam * _mm(R.P_pi, f)[s][0]] for s in range(R.S)]),
    (r"P_\pi v", "v", ("state",), lambda R, f: _mm(R.P_pi, f)),
    (r"\mu v", "v", ("state",), lambda R, f: _mm(R.mu, f)),
    (r"v - \gamma P_\pi v", "v", ("state",),
     lambda R, f: [[f[s][0] - R.lam * _mm(R.P_pi, f)[s][0]] for s in range(R.S)]),
    (r"M_\pi q", "q", ("state", "action"), lambda R, f: _mm(R.M, f)),
    (r"P^\pi q", "q", ("state", "action"), lambda R, f: _mm(_mm(R.P, R.M), f)),
]


def _model(base: Any, b: list[int], c: list[int]) -> Any:
    m = exact_model(base)
    m.extras["b"] = np.array([Fraction(x) for x in b], dtype=object)
    m.extras["c"] = np.array([Fraction(x) for x in c], dtype=object).reshape(base.S, base.A)
    return m


@settings(max_examples=25, deadline=None)
@given(base=bases(max_states=3, max_actions=2), data=st.data())
def test_an_operator_applied_to_a_declared_letter_agrees_with_the_direct_computation(base: Any, data: Any) -> None:
    text, letter, sorts, ref = data.draw(st.sampled_from(CASES))
    b = data.draw(st.lists(st.integers(-3, 3), min_size=base.S, max_size=base.S))
    c = data.draw(st.lists(st.integers(-3, 3), min_size=base.S * base.A, max_size=base.S * base.A))
    node = declare_arbitrary(parse_expression(text, profile="theory"), letter, sorts)
    got = evaluate_side(node, _model(base, b, c), V if letter == "v" else Q)
    f = [[Fraction(x)] for x in (b if letter == "v" else c)]
    expected = [x for row in ref(Ref(base), f) for x in row]
    assert [as_fraction(x) for x in np.asarray(got.value, dtype=object).ravel()] == expected, text


@settings(max_examples=10, deadline=None)
@given(base=bases(max_states=3, max_actions=2), data=st.data())
def test_the_declared_letter_applied_to_a_state_is_the_drawn_table(base: Any, data: Any) -> None:
    b = data.draw(st.lists(st.integers(-3, 3), min_size=base.S, max_size=base.S))
    node = declare_arbitrary(parse_expression(r"v(s)", profile="theory"), "v", ("state",))
    got = evaluate_side(node, _model(base, b, [0] * (base.S * base.A)), V,
                        free={"s": Tensor(np.arange(base.S), ("s",))})
    assert [as_fraction(x) for x in np.asarray(got.value, dtype=object)] == [Fraction(x) for x in b]


@pytest.mark.parametrize(("text", "letter", "sorts", "message"), [
    (r"T_\pi v + v^\pi", "v", ("state",), "would name two functions"),
    (r"M_\pi q", "q", ("state",), "cannot be declared a function of a state"),
    (r"v^\pi", "v", ("state",), "does not use v undecorated"),
    (r"M_\pi q + q^{\pi}", "q", ("state", "action"), "would name two functions"),
])
def test_a_declaration_that_cannot_be_honoured_is_refused(text: str, letter: str, sorts: tuple[str, ...],
                                                          message: str) -> None:
    with pytest.raises(ValueError, match=message):
        declare_arbitrary(parse_expression(text, profile="theory"), letter, sorts)


def test_only_the_undecorated_letter_is_rewritten() -> None:
    rewritten = declare_arbitrary(parse_expression(r"v(s) + q^\pi(s, a)", profile="theory"), "v", ("state",))
    assert rewritten.left.fn == A.Fn("f")
    assert rewritten.right == parse_expression(r"q^\pi(s, a)", profile="theory")


@settings(max_examples=15, deadline=None)
@given(base=bases(max_states=2, max_actions=2), data=st.data())
def test_the_gradient_treats_the_declared_letter_as_independent_of_theta(base: Any, data: Any) -> None:
    """∇θ of an operator applied to the letter: the operator's derivative times the drawn table (dual numbers in
    the reference; the table carries no gradient)."""
    text, letter, sorts, ref = data.draw(st.sampled_from(CASES))
    b = data.draw(st.lists(st.integers(-3, 3), min_size=base.S, max_size=base.S))
    c = data.draw(st.lists(st.integers(-3, 3), min_size=base.S * base.A, max_size=base.S * base.A))
    node = declare_arbitrary(parse_expression(f"\\nabla_\\theta ({text})", profile="theory"), letter, sorts)
    got = np.asarray(evaluate_side(node, _model(base, b, c), V if letter == "v" else Q).value, dtype=object)
    f = [[Fraction(x)] for x in (b if letter == "v" else c)]
    expected = [x for row in ref(Ref(base, dual=True), f) for x in row]
    K = base.S * base.A
    got = got.reshape(len(expected), K)
    for e, g in zip(expected, got):
        want = e.grad if isinstance(e, Dual) else (Fraction(0),) * K
        assert [as_fraction(x) for x in g] == list(want), text
