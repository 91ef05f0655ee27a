"""Constructs added to the reader — primes (a second policy π', θ') — rendered back as golden text, and round trips.

Each row: the LaTeX as a source writes it, and the canonical rendering of what was understood; the rendering
reads back to the same AST.
"""

from __future__ import annotations

import pytest

from pgverify.notation import ast as A
from pgverify.notation import parse, render_latex

GOLDEN = [
    ("prime-policy", r"\pi'(a|s) = 1", r"\pi'(a \vert s) = 1"),
    ("prime-parameter-is-the-prime-policy", r"\pi_{\theta'}(a \vert s) = \pi'(a \vert s)",
     r"\pi'(a \vert s) = \pi'(a \vert s)"),
    ("prime-values", r"q^{\pi'}_\lambda(s,a) - v_\lambda^{\pi'}(s) = A_\lambda^{\pi'}(s, a)",
     r"q_\lambda^{\pi'}(s, a) - v_\lambda^{\pi'}(s) = A_\lambda^{\pi'}(s, a)"),
    ("prime-objective", r"U(\theta') - U(\theta) = 0", r"U(\theta') - U(\theta) = 0"),
    ("performance-difference-lemma",
     r"U(\theta') - U(\theta) = (1-\lambda)^{-1}\mathbb{E}_{s\sim d_\lambda^{\pi'}}\mathbb{E}_{a\sim\pi'(\cdot\vert s)}"
     r"\left[A_\lambda^{\pi_\theta}(s, a)\right]",
     r"U(\theta') - U(\theta) = \left(1 - \lambda\right)^{-1} \mathbb{E}_{s \sim d_\lambda^{\pi'}}\left["
     r"\mathbb{E}_{a \sim \pi'(\cdot \vert s)}\left[A_\lambda^{\pi_\theta}(s, a)\right]\right]"),
    ("prime-probability", r"\mathbb{P}_{s^0}^{\pi'}(s_t = s) = 0", r"\mathbb{P}_{s^0}^{\pi'}(s_t = s) = 0"),
]


@pytest.mark.parametrize("text, golden", [row[1:] for row in GOLDEN], ids=[row[0] for row in GOLDEN])
def test_golden_rendering_and_round_trip(text, golden):
    chain = parse(text)
    assert render_latex(chain) == golden
    assert parse(golden) == chain


def test_a_prime_is_a_second_policy_and_a_second_parameter():
    chain = parse(r"\pi'(a|s) = \pi_{\theta'}(a|s)")
    (left, step), = chain.steps()
    assert left == step.rhs == A.Apply(A.Fn("pi", primes=1), (A.Var("a", "action"),), (A.Var("s", "state"),))
    assert parse(r"U(\theta') = 0").rows[0].lhs.args == (A.Sym("theta'"),)
    assert render_latex(parse(r"U(\theta') = 0"), profile="textbook") == r"J(\theta') = 0"
