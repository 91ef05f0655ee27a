"""β, the behaviour policy of off-policy texts (the ``textbook`` profile), against a direct computation.

The textbook profile reads β(a|s) as the model's second policy π' (θ-free; the family ``tabular-softmax-pair``),
and refuses π' and θ' beside it (one second policy, one letter).  Hypothesis draws a model by its base coordinates
and the second policy's weights X; the reference is X(s, a)/Σ_b X(s, b) and π(a|s) = x(s, a)/Σ_b x(s, b) computed
here in Fractions, never the model's softmax.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgverify.families.pair import _with_other
from pgverify.notation import parse_expression
from pgverify.notation.errors import NotationError
from pgverify.notation.evaluate import Conventions, Tensor, evaluate_side
from refsem import as_fraction
from strategies_ref import bases, exact_model

CONV = Conventions(time_base=0)

#: (LaTeX over s, a in the textbook profile, the reference from π and β as lists of Fractions).
CASES = [
    (r"\beta(a \vert s)", lambda pi, beta, s, a: beta[s][a]),
    (r"\frac{\pi_\theta(a \vert s)}{\beta(a \vert s)}", lambda pi, beta, s, a: pi[s][a] / beta[s][a]),
    (r"\beta(a \vert s) \frac{\pi_\theta(a \vert s)}{\beta(a \vert s)}", lambda pi, beta, s, a: pi[s][a]),
    (r"\sum_{a'} \beta(a' \vert s)", lambda pi, beta, s, a: Fraction(1)),
]


@settings(max_examples=25, deadline=None)
@given(base=bases(max_states=3, max_actions=3), data=st.data())
def test_beta_is_the_second_policy_of_the_model(base: Any, data: Any) -> None:
    text, ref = data.draw(st.sampled_from(CASES))
    X = data.draw(st.lists(st.lists(st.integers(1, 5), min_size=base.A, max_size=base.A),
                           min_size=base.S, max_size=base.S))
    m = _with_other(exact_model(base), np.array([[Fraction(x) for x in row] for row in X], dtype=object))
    got = evaluate_side(parse_expression(text, profile="textbook"), m, CONV,
                        free={"s": Tensor(np.arange(base.S), ("s",)), "a": Tensor(np.arange(base.A), ("a",))})
    pi = [[Fraction(base.x[s][a], sum(base.x[s])) for a in range(base.A)] for s in range(base.S)]
    beta = [[Fraction(X[s][a], sum(X[s])) for a in range(base.A)] for s in range(base.S)]
    value = np.asarray(got.value, dtype=object)
    for s in range(base.S):
        for a in range(base.A):
            idx = tuple({"s": s, "a": a}[ax] for ax in got.axes)
            assert as_fraction(value[idx] if idx else value) == ref(pi, beta, s, a), (text, s, a)


@pytest.mark.parametrize("text", [r"\pi'(a \vert s)", r"\pi_{\theta'}(a \vert s)", r"J(\theta')"])
def test_a_primed_policy_beside_the_letter_is_refused(text: str) -> None:
    with pytest.raises(NotationError, match="second policy is written"):
        parse_expression(text, profile="textbook")


def test_other_profiles_keep_their_primes() -> None:
    assert parse_expression(r"\pi'(a \vert s)", profile="post").fn.primes == 1
