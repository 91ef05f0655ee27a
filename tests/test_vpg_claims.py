"""The vanilla policy gradient claims: which step fails where, the census, the verdicts."""

from __future__ import annotations

from fractions import Fraction

import pytest

from pgverify.checker import Settings, check_claim, evaluate_chain
from pgverify.families.episodic import _exact_points, _symbolic
from pgverify.registry import select

# (claim id, label of the first failing step or None) on one exact random point of the layered family.
EXPECTED = [
    ("vpg.utility-as-expected-return", None),
    ("vpg.likelihood-ratio", "∇U = 𝔼[R_τ ∇𝒯_θ(τ)]"),
    ("vpg.likelihood-ratio.corrected", None),
    ("vpg.likelihood-ratio.proof", "Σ_τ R𝒯∇log𝒯 = 𝔼[R∇𝒯]"),
    ("vpg.likelihood-ratio.proof.corrected", None),
    ("vpg.trajectory-probability", None),
    ("vpg.log-trajectory-gradient", None),
    ("vpg.gradient", None),
    ("vpg.past-rewards-vanish.reading", None),
    ("vpg.score-mean-zero", None),
    ("vpg.reward-to-go", None),
    ("vpg.reward-to-go.conditional-mean", None),
    ("vpg.q-weighted-gradient", None),
    ("vpg.baseline", None),
    ("vpg.baseline.random", None),
    ("vpg.baseline.random.action-dependent", "∇U = 𝔼[Σ λ^{t−1}(G^t − c(s_t, a_t))∇logπ]"),
    ("vpg.value-baseline", None),
    ("reinforce.baseline-fit", None),
    ("reinforce.gradient-estimate.reading", "𝔼[ĝ] = ∇U (same roll-outs)"),
    ("reinforce.gradient-estimate.corrected", None),
    ("reinforce.gradient-estimate.linear", "𝔼[ĝ] = ∇U (linear baseline, same roll-outs)"),
    ("reinforce.gradient-estimate.linear.corrected", None),
    ("practice.undiscounted-score-weighting", "𝔼[Σ_t G^t ∇logπ] = ∇U"),
    ("practice.undiscounted-score-weighting.corrected", None),
]


@pytest.mark.parametrize("claim_id, failing", EXPECTED, ids=[e[0] for e in EXPECTED])
def test_first_failing_step_at_an_exact_point(claim_id, failing):
    (claim,) = select([claim_id])
    ev = evaluate_chain(claim, _exact_points(1, 0)[0])
    assert ev.ill_formed is None
    bad = ev.first_failure
    assert (bad.label if bad else None) == failing


@pytest.mark.parametrize("claim_id", ["vpg.gradient", "vpg.reward-to-go", "vpg.baseline.random"])
def test_universal_proofs(claim_id):
    (claim,) = select([claim_id])
    ev = evaluate_chain(claim, _symbolic())
    assert ev.ill_formed is None and ev.first_failure is None and ev.steps


def test_symbolic_refutation_of_the_likelihood_ratio_as_written():
    (claim,) = select(["vpg.likelihood-ratio"])
    assert evaluate_chain(claim, _symbolic()).first_failure is not None


def test_past_rewards_display_is_ill_formed():
    (claim,) = select(["vpg.past-rewards-vanish"])
    result = check_claim(claim, Settings(methods=("exact",)))
    assert result.verdict == "ill-formed" and "no right-hand side" in result.reason


def test_variance_census_reports_a_violating_counterexample():
    (claim,) = select(["vpg.variance.value-baseline"])
    details = claim.census(0)
    assert 0 < details["held_on"] < details["drawn"] == 200
    found = details["counterexample"]
    assert Fraction(found["lhs"]) > Fraction(found["rhs"])  # the reported values do violate "≤"


def test_checker_attaches_census_and_its_counterexample():
    (claim,) = select(["vpg.variance.reward-to-go"])
    result = check_claim(claim, Settings(methods=("exact",)))
    census = [c for c in result.checks if c.method == "census"]
    assert result.verdict == "refuted" and census and census[0].passed is False
    assert result.counterexample is not None and result.counterexample.method == "census"
    assert Fraction(result.counterexample.lhs) > Fraction(result.counterexample.rhs)


VERDICTS = {
    "vpg.utility-as-expected-return": "proved", "vpg.likelihood-ratio": "refuted",
    "vpg.likelihood-ratio.corrected": "proved", "vpg.likelihood-ratio.proof": "refuted",
    "vpg.likelihood-ratio.proof.corrected": "proved", "vpg.trajectory-probability": "proved",
    "vpg.log-trajectory-gradient": "proved", "vpg.gradient": "proved", "vpg.past-rewards-vanish": "ill-formed",
    "vpg.past-rewards-vanish.reading": "proved", "vpg.score-mean-zero": "proved", "vpg.reward-to-go": "proved",
    "vpg.reward-to-go.conditional-mean": "proved", "vpg.q-weighted-gradient": "proved", "vpg.baseline": "proved",
    "vpg.baseline.random": "proved", "vpg.baseline.random.action-dependent": "refuted",
    "vpg.value-baseline": "proved", "vpg.variance.reward-to-go": "refuted", "vpg.variance.value-baseline": "refuted",
    "reinforce.baseline-fit": "proved", "reinforce.gradient-estimate": "ill-formed",
    "reinforce.gradient-estimate.reading": "refuted",
    "reinforce.gradient-estimate.corrected": "proved", "reinforce.gradient-estimate.linear": "refuted",
    "reinforce.gradient-estimate.linear.corrected": "proved",
    "reinforce.ascent-step": "ill-formed", "reinforce.ascent-step.reading": "verified", "practice.undiscounted-score-weighting": "refuted",
    "practice.undiscounted-score-weighting.corrected": "proved",
}


@pytest.mark.slow
@pytest.mark.parametrize("claim_id", sorted(VERDICTS))
def test_verdicts_with_every_method(claim_id):
    (claim,) = select([claim_id])
    assert check_claim(claim, Settings(seed=0)).verdict == VERDICTS[claim_id]


def test_the_guided_search_refutes_when_the_random_draws_miss():
    # At seed 2 none of the census's 200 random MDPs violates the inequality: the local search from the
    # closest draws must find a violation, and say how hard it searched.
    (claim,) = select(["vpg.variance.reward-to-go"])
    details = claim.census(2)
    assert details["held_on"] == details["drawn"]
    search = details["search"]
    assert search["ran"] and search["found"] and 0 < search["evaluations"] <= 1500 and search["starts"] >= 1
    assert Fraction(search["best_margin"]) < 0
    found = details["counterexample"]
    assert Fraction(found["lhs"]) > Fraction(found["rhs"])
    result = check_claim(claim, Settings(seed=2, methods=("exact",)))
    assert result.verdict == "refuted" and "guided search" in result.checks[-1].message


def test_local_search_walks_to_a_violation_and_reports_its_effort():
    from pgverify.search import Parameters, local_search, relative_margin

    assert relative_margin(1, 3, "<=") == Fraction(1, 2) and relative_margin(3, 1, "<=") == Fraction(-1, 2)
    assert relative_margin(0, 0, "<=") == 0 and relative_margin(2, 1, ">=") == Fraction(1, 3)
    start = Parameters((5, 5), (-9, -9), (9, 9))
    # x + y ≥ 0 fails only when x + y < 0: the margin x + y + 1/2 leads there.
    result = local_search(lambda p: Fraction(sum(p.values)) + Fraction(1, 2), [start], seed=0, budget=500, patience=50)
    assert result.found is not None and sum(result.found.values) < 0
    assert result.effort()["found"] and result.effort()["evaluations"] == result.evaluations <= 500
    never = local_search(lambda p: Fraction(1), [start], seed=0, budget=40, patience=10)
    assert never.found is None and never.evaluations <= 40 and never.best_margin == 1
