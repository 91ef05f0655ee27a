"""Sums and products written with dots, evaluated as the Σ / Π they stand for (pgverify.notation.dots)."""

from __future__ import annotations

import pytest

from pgverify.checker import Settings, check_claim
from pgverify.notation import parse
from pgverify.notation.evaluate import compile_display

QUICK = Settings(numeric_examples=10, exact_points=2, counterexample_examples=100)
RETURN = (r"U(\theta) = \mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[\lambda^{0} r_1 + \lambda^{1} r_2 + \cdots + "
          r"\lambda^{T-1} r_T\right]")
SCORES = (r"\nabla_\theta \log \mathcal{T}_\theta(\tau) = \nabla_\theta\log\pi_\theta(a_1 \vert s_1) + "
          r"\nabla_\theta\log\pi_\theta(a_2 \vert s_2) + \dots + \nabla_\theta\log\pi_\theta(a_{T-1} \vert s_{T-1})")


def check(text: str):
    claim = compile_display(parse(text), name="dots")
    return claim, check_claim(claim, QUICK)


@pytest.mark.parametrize("text", [
    RETURN,
    SCORES,
    r"\frac{1 - \lambda^{5}}{1 - \lambda} = \lambda^{0} + \lambda^{1} + \cdots + \lambda^{4}",
    r"\lambda^{0} \lambda^{1} \cdots \lambda^{3} = \lambda^{6}",
])
def test_dotted_sums_and_products_are_proved(text):
    assert check(text)[1].verdict == "proved"


@pytest.mark.parametrize("text", [
    RETURN.replace(r"\lambda^{0} r_1 + \lambda^{1} r_2 + \cdots + \lambda^{T-1} r_T",
                   r"\lambda^{1} r_1 + \lambda^{2} r_2 + \cdots + \lambda^{T} r_T"),  # one power of λ too many
    r"\frac{1 - \lambda^{5}}{1 - \lambda} = \lambda^{0} + \lambda^{1} + \cdots + \lambda^{5}",  # one term too many
    SCORES.replace(r"a_{T-1} \vert s_{T-1}", r"a_{T-2} \vert s_{T-2}"),  # the last score dropped
])
def test_a_dotted_slip_is_refuted(text):
    _, r = check(text)
    assert r.verdict == "refuted"
    assert {c.method: c.passed for c in r.checks}["exact"] is False


def test_a_dotted_sum_presumes_its_written_terms():
    """x_1 + x_2 + x_3 + ⋯ + x_{T−1}: the horizon is at least 4, so the written terms come in order."""
    claim, _ = check(SCORES.replace(r"\dots", r"\nabla_\theta\log\pi_\theta(a_3 \vert s_3) + \dots"))
    (family,) = claim.families
    assert "T>=4" in family
