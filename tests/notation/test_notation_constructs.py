"""Constructs added to the reader — primes (a second policy π', θ'), sums and products written with dots —
rendered back as golden text, and round trips; dotted sums read as the Σ they stand for.

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
    ("prime-unicode", "U(θ') = π'(a|s)", r"U(\theta') = \pi'(a \vert s)"),
    ("performance-difference-lemma",
     r"U(\theta') - U(\theta) = (1-\lambda)^{-1}\mathbb{E}_{s\sim d_\lambda^{\pi'}}\mathbb{E}_{a\sim\pi'(\cdot\vert s)}"
     r"\left[A_\lambda^{\pi_\theta}(s, a)\right]",
     r"U(\theta') - U(\theta) = \left(1 - \lambda\right)^{-1} \mathbb{E}_{s \sim d_\lambda^{\pi'}}\left["
     r"\mathbb{E}_{a \sim \pi'(\cdot \vert s)}\left[A_\lambda^{\pi_\theta}(s, a)\right]\right]"),
    ("prime-probability", r"\mathbb{P}_{s^0}^{\pi'}(s_t = s) = 0", r"\mathbb{P}_{s^0}^{\pi'}(s_t = s) = 0"),
    ("dots-sum", r"R_\tau = \lambda^{0} r_1 + \lambda^1 r_2 + \cdots + \lambda^{T-1} r_T",
     r"R_\tau = \lambda^{0} r_1 + \lambda^{1} r_2 + \ldots + \lambda^{T - 1} r_T"),
    ("dots-sum-from-t", r"G_\tau^t = r_t + \dots + r_T", r"G_\tau^t = r_t + \ldots + r_T"),
    ("dots-product", r"x = \pi(a_1|s_1)\,\pi(a_2|s_2) \cdots \pi(a_{T-1}|s_{T-1})",
     r"x = \pi(a_1 \vert s_1) \pi(a_2 \vert s_2) \ldots \pi(a_{T - 1} \vert s_{T - 1})"),
    ("dots-then-more", r"x = r_1 + \ldots + r_{T-1} + r_T", r"x = r_1 + \ldots + r_{T - 1} + r_T"),
    ("dots-in-arguments-unchanged", r"\mathbb{P}(s_1, a_1, \cdots, s_T) = 1", r"\mathbb{P}(s_1, a_1, \ldots, s_T) = 1"),
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


@pytest.mark.parametrize("text, lower, upper, body", [
    (r"\lambda^{0} r_1 + \lambda^{1} r_2 + \cdots + \lambda^{T-1} r_T", "0", "T - 1", r"\lambda^{k} r_{1 + k}"),
    (r"r_t + \dots + r_T", "0", "T - t", r"r_{t + k}"),
    (r"\pi(a_1|s_1) \cdots \pi(a_{T-1}|s_{T-1})", "0", "T - 1 - 1", r"\pi(a_{1 + k} \vert s_{1 + k})"),
    (r"\lambda^{2} + \lambda^{3} + \ldots + \lambda^{7}", "0", "7 - 2", r"\lambda^{2 + k}"),
])
def test_a_dotted_sum_stands_for_the_sigma_of_its_pattern(text, lower, upper, body):
    from pgverify.notation import parse_expression
    from pgverify.notation.dots import INDEX, expand_dots

    node = expand_dots(parse_expression(text))
    assert isinstance(node, A.Prod if "pi" in text else A.Sum) and node.indices == (A.Var(INDEX, "time"),)
    assert (render_latex(node.lower), render_latex(node.upper)) == (lower, upper)
    assert render_latex(node.body).replace(INDEX, "k") == body
