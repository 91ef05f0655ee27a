"""Rules of the display evaluator that the red team on issue 16 found giving a false verdict (held-out cases)."""

from __future__ import annotations

from pgverify.checker import Settings, check_claim
from pgverify.notation import parse
from pgverify.notation.evaluate import Conventions, compile_display

QUICK = Settings(numeric_examples=10, exact_points=2, counterexample_examples=100)


def verdict(text: str, **conventions):
    claim = compile_display(parse(text), name="test", conventions=Conventions(**conventions))
    return check_claim(claim, QUICK)


def test_a_sum_over_an_empty_range_is_zero_in_exact_arithmetic():
    # Σ_{k=3}^{1} λ^k has no term: 0, in every arithmetic (the exact one summed an empty object array)
    r = verdict(r"\sum_{k=3}^{1} \lambda^{k} = 0")
    assert r.verdict == "proved", [(c.method, c.message) for c in r.checks]
    assert verdict(r"\sum_{k=3}^{1} \lambda^{k} = 1").verdict == "refuted"


def test_an_empty_trajectory_sum_is_zero():
    # Σ_{t=T}^{T−1} along τ: no time is selected
    text = r"\mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[\sum_{t=T}^{T-1} r(s_t, a_t)\right] = 0"
    assert verdict(text).verdict == "proved"


def test_a_geometric_series_may_start_before_the_first_time():
    # Σ_{k≥0} λ^k = 1/(1 − λ): no trajectory coordinate at time k, so k = 0 is no index out of range
    assert verdict(r"\sum_{k=0}^{\infty} \lambda^{k} = \frac{1}{1-\lambda}").verdict == "proved"
    assert verdict(r"\sum_{k=0}^{\infty} \lambda^{k} = \frac{\lambda}{1-\lambda}").verdict == "refuted"


def test_a_series_of_states_before_the_first_time_stays_out_of_range():
    # ℙ(s_0 = s) does not exist in the post's convention (time from 1): still ill-formed
    r = verdict(r"d(s) = (1-\lambda)\sum_{t=0}^{\infty} \lambda^{t} \mathbb{P}(s_t = s)")
    assert r.verdict == "ill-formed", r.reason


PROPTO = r"\nabla_\theta U(\theta) \propto {c}\sum_{{s}} d(s) \sum_{{a}} q(s, a) \nabla_\theta \pi_\theta(a \vert s)"


def test_a_proportionality_constant_vanishing_at_a_point_of_the_domain_is_not_verified():
    # λ Σ d Σ q ∇π = λ(1 − λ)∇U: at λ = 0 the right side is 0 and ∇U is not, so ∝ fails there; the sampled λ
    # never hit 0, and the constant 1/(λ(1 − λ)) is decided on the symbolic λ over [0, 1)
    r = verdict(PROPTO.format(c=r"\lambda"))
    assert r.verdict == "undecided", r.verdict
    assert "[0, 1)" in r.reason and "{0}" in r.reason, r.reason


def test_a_proportionality_constant_changing_sign_near_one_is_not_verified():
    # (19 − 20λ) Σ d Σ q ∇π: the constant 1/((19 − 20λ)(1 − λ)) is negative for λ ∈ (19/20, 1)
    r = verdict(PROPTO.format(c=r"(19 - 20\lambda)"))
    assert r.verdict == "undecided" and "19/20" in r.reason, (r.verdict, r.reason)


def test_a_proportionality_constant_positive_on_the_domain_still_verifies():
    assert verdict(PROPTO.format(c=r"(2 - \lambda)")).verdict == "verified"
    assert verdict(PROPTO.format(c=r"(\lambda - 1)")).verdict == "refuted"
