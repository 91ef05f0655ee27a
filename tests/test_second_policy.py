"""A second policy π' (θ') in displays: the performance difference lemma, verified from Markdown on
tabular-softmax-pair."""

from __future__ import annotations

import numpy as np
import pytest

from pgverify.checker import Settings
from pgverify.documents import verify_document
from pgverify.families import get_family
from pgverify.notation import parse
from pgverify.notation.evaluate import NotEvaluable, Tensor, choose_families, evaluate_side

QUICK = Settings(numeric_examples=10, exact_points=2, counterexample_examples=100)
#: The lemma in the post's normalisation: d is a probability (occupancy_normalised), U(θ) = v(s⁰).
PDL = (r"U(\theta') - U(\theta) = (1-\lambda)^{-1}\mathbb{E}_{s\sim d_\lambda^{\pi'}}"
       r"\mathbb{E}_{a\sim\pi'(\cdot\vert s)}\left[A_\lambda^{\pi_\theta}(s, a)\right]")
SLIP = PDL.replace(r"d_\lambda^{\pi'}", r"d_\lambda^{\pi_\theta}")
DOCUMENT = f"""# The performance difference lemma

For two policies π = π_θ and π' = π_{{θ'}}:

$${PDL}$$

Written with sums and q − v, and the occupancy of π' as its series:

$$
\\begin{{aligned}}
U(\\theta') - U(\\theta) &= (1-\\lambda)^{{-1}}\\sum_{{s\\in\\mathcal{{S}}}} d_\\lambda^{{\\pi'}}(s)
\\sum_{{a\\in\\mathcal{{A}}}}
\\pi'(a\\vert s)\\left(q_\\lambda^{{\\pi_\\theta}}(s, a) - v_\\lambda^{{\\pi_\\theta}}(s)\\right) \\\\
&= \\sum_{{t=1}}^\\infty \\lambda^{{t-1}} \\sum_{{s\\in\\mathcal{{S}}}} \\mathbb{{P}}_{{s^0}}^{{\\pi'}}(s_t = s)
\\sum_{{a\\in\\mathcal{{A}}}}
\\pi'(a\\vert s)\\left(q_\\lambda^{{\\pi_\\theta}}(s, a) - v_\\lambda^{{\\pi_\\theta}}(s)\\right)
\\end{{aligned}}
$$

The slip — the occupancy of π instead of π':

$${SLIP}$$
"""


@pytest.mark.parametrize("seed", [0, 3])
def test_the_performance_difference_lemma_is_verified_from_markdown_and_its_slip_refuted(tmp_path, seed):
    path = tmp_path / "pdl.md"
    path.write_text(DOCUMENT, encoding="utf-8")
    lemma, sums, slip = verify_document(path, Settings(numeric_examples=10, exact_points=2,
                                                       counterexample_examples=100, seed=seed)).results
    assert (lemma.verdict, sums.verdict) == ("verified", "verified"), (lemma.reason, sums.reason)
    assert {c.method: c.passed for c in lemma.result.checks} == {"exact": True, "numeric": True}
    assert [s.holds for s in sums.steps] == [True, True]
    assert slip.verdict == "refuted"
    assert slip.result.counterexample is not None and slip.result.counterexample.exact
    assert slip.result.counterexample.family == "tabular-softmax-pair"


def test_a_primed_display_is_checked_on_the_family_with_two_policies():
    assert choose_families(parse(PDL)) == ("tabular-softmax-pair",)
    assert choose_families(parse(r"\pi_{\theta'}(a \vert s) = 1")) == ("tabular-softmax-pair",)


def test_the_second_policy_is_the_models_other_policy_and_theta_free():
    m = get_family("tabular-softmax-pair").exact_points(1, 0)[0]
    other = m.extras["other"]
    free = {"s": Tensor(np.arange(m.S), ("s",)), "a": Tensor(np.arange(m.A), ("a",))}

    def value(text: str):
        return evaluate_side(parse(text).rows[0].lhs, m, free=free).value

    assert value(r"U(\theta')") == other.U and value(r"U(\theta)") == m.U
    assert (value(r"v_\lambda^{\pi'}(s)") == other.v).all() and (value(r"d_\lambda^{\pi'}(s)") == other.d).all()
    assert (value(r"\pi'(a \vert s)") == other.pi).all()
    assert (value(r"\pi_{\theta'}(a \vert s)") == other.pi).all()
    assert value(r"\nabla_\theta U(\theta')") == 0  # π' does not depend on θ
    assert value(r"\nabla_\theta v_\lambda^{\pi'}(s)") == 0


@pytest.mark.parametrize("text, why", [
    (r"v_\lambda^{\pi'}(s)", "the second policy π' needs a family with two policies (tabular-softmax-pair)"),
    (r"U(\theta')", "the second policy π' needs a family with two policies"),
])
def test_the_second_policy_on_a_family_with_one_says_why(text, why):
    m = get_family("tabular-softmax").exact_points(1, 0)[0]
    with pytest.raises(NotEvaluable, match=r"needs a family with two policies") as info:
        evaluate_side(parse(text).rows[0].lhs, m)
    assert why in str(info.value)


def test_trajectories_of_the_second_policy_are_not_enumerated():
    m = get_family("tabular-softmax-pair").exact_points(1, 0)[0]
    with pytest.raises(NotEvaluable, match="second policy π' \\(its trajectories are not enumerated\\)"):
        evaluate_side(parse(r"\mathbb{P}_{s^0}^{\pi'}(s_2 = s)").rows[0].lhs, m)
