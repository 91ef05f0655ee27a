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


def test_a_conditional_on_a_null_event_is_claimed_only_where_the_event_can_happen():
    # s_1 = s⁰ always: ℙ(s_2 = y | s_1 = x, a_1 = b) has no value at x ≠ s⁰; those entries are dropped, never read
    # as 0 (which refuted the definition of the transition law)
    assert verdict(r"\mathbb{P}(s_2 = s' \vert s_1 = s, a_1 = a) = \mathcal{P}_{s}^{a}(s')").verdict == "proved"
    assert verdict(r"\mathbb{P}(s_2 = s' \vert s_1 = s, a_1 = a) = \mathcal{P}_{s}^{a}(s')^2").verdict == "refuted"
    text = r"\mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[r(s_1, a_1) \vert s_1 = s, a_1 = a\right] = K r(s, a)"
    assert verdict(text.replace("K", "")).verdict == "proved"
    assert verdict(text.replace("K", "2")).verdict == "refuted"


def test_a_conditional_on_a_null_event_times_its_probability_is_zero():
    # the law of total probability: the terms at x ≠ s⁰ carry ℙ(s_1 = x, a_1 = b) = 0
    total = r"\mathbb{P}(s_2 = s') = \sum_s \sum_a \mathbb{P}(s_2 = s' \vert s_1 = s, a_1 = a)\mathbb{P}(s_1 = s, W)"
    assert verdict(total.replace("W", "a_1 = a")).verdict == "proved"
    assert verdict(total.replace(", W", "")).verdict == "refuted"  # ℙ(s_1 = s) for ℙ(s_1 = s, a_1 = a)


def test_an_index_the_annotation_quantifies_may_occur_on_one_side(tmp_path):
    # `for any t` binds t for the whole display: ℙ(s_{t+1} = y | s_t = x, a_t = b) = 𝒫(y | x, b) is the Markov
    # property, well-formed (it was "free index t on the left side … but not on the other")
    from pgverify.documents import verify_document

    doc = tmp_path / "d.md"
    law = r"\mathbb{P}(s_{t+1} = s' \vert s_t = s, a_t = a) = \mathcal{P}_{s}^{a}(s')"
    doc.write_text(f"<!-- pgverify: for any t -->\n$$ {law} $$\n\n<!-- pgverify: for any t -->\n$$ {law}^2 $$\n\n"
                   f"$$ {law} $$\n", encoding="utf-8")
    got = [(r.verdict, r.reason) for r in verify_document(doc, QUICK).results]
    assert [v for v, _ in got] == ["proved", "refuted", "ill-formed"], got
    assert "unbound index t" in got[2][1]


def test_an_integer_exponent_written_as_an_expression_is_differentiated():
    # ∇θ π^{−1} and ∇θ π^{3−1}: the exponent's ∇θ is 0 (it was "a θ-dependent exponent")
    inv = r"\nabla_\theta \pi_\theta(a \vert s)^{-1} = S\pi_\theta(a \vert s)^{-2}\nabla_\theta\pi_\theta(a \vert s)"
    assert verdict(inv.replace("S", "-")).verdict == "proved"
    assert verdict(inv.replace("S", "")).verdict == "refuted"
    sq = r"\nabla_\theta \pi_\theta(a \vert s)^{3-1} = K\pi_\theta(a \vert s)\nabla_\theta\pi_\theta(a \vert s)"
    assert verdict(sq.replace("K", "2")).verdict == "proved"
    assert verdict(sq.replace("K", "3")).verdict == "refuted"


def test_the_gradient_of_a_discounted_sum_of_rewards_inside_a_trajectory_expectation():
    # ∇θ 𝔼[Σ_t λ^{t−1} r(s_t, a_t)] = ∇U: the rewards' ∇θ is 0, the law's gives the score term
    text = (r"\nabla_\theta U(\theta) = \nabla_\theta \mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[\sum_{t=1}^{T-1}"
            r"\lambda^{XP} r(s_t, a_t)\right]")
    assert verdict(text.replace("XP", "{t-1}")).verdict == "proved"
    assert verdict(text.replace("XP", "{t}")).verdict == "refuted"


def test_an_event_on_the_action_after_the_last_state_is_out_of_range():
    # τ = (s_1, a_1, …, a_{T−1}, s_T): ℙ(a_T = a) is about no action; it was proved = 0 (an action index −1 never
    # equals a), though under the post's R_τ = Σ_{t≥1} the absorbing state's action has law π(·|s_T)
    r = verdict(r"\mathbb{P}(a_T = a) = 0")
    assert r.verdict == "ill-formed" and "no action at time T" in r.reason, (r.verdict, r.reason)
    # masked by a bound it is dropped: Σ_{t=1}^{T−1} ℙ(a_t = a) sums the actions that exist
    text = r"\sum_{t=1}^{T-1} \sum_{a} \mathbb{P}(a_t = a) = \sum_{t=1}^{T-1} \sum_{s} \mathbb{P}(s_t = s)"
    assert verdict(text).verdict == "proved"


def test_an_action_read_where_a_state_is_expected_is_ill_formed():
    # v(a) read the state numbered a on models with |𝒜| ≤ |𝒮| (refuted there, ill-formed elsewhere by luck)
    r = verdict(r"\sum_a \pi_\theta(a \vert s) v(a) = v(s)")
    assert r.verdict == "ill-formed" and "reads a state where a is an action" in r.reason, (r.verdict, r.reason)
    r = verdict(r"\sum_a \pi_\theta(a \vert s) q(s, s) = v(s)")
    assert r.verdict == "ill-formed" and "reads an action where s is a state" in r.reason, (r.verdict, r.reason)
    assert verdict(r"\sum_a \pi_\theta(a \vert s) q(s, a) = v(s)").verdict == "proved"


def test_an_event_comparing_a_state_with_an_action_is_ill_formed():
    # Σ_a ℙ(s_1 = a) = 1 was proved: s_1 = s⁰ is among the states numbered by the actions on the models drawn
    r = verdict(r"\sum_a \mathbb{P}(s_1 = a) = 1")
    assert r.verdict == "ill-formed" and "reads a state where a is an action" in r.reason, (r.verdict, r.reason)
    assert verdict(r"\sum_s \mathbb{P}(a_1 = s) = 1").verdict == "ill-formed"
    assert verdict(r"\sum_s \mathbb{P}(s_1 = s) = 1").verdict == "proved"


def test_a_sum_over_the_wrong_space_and_a_time_read_as_a_state_are_ill_formed():
    # Σ_{s∈𝒜} d(s) = 1 was proved (the domain 𝒜 was dropped for a state index); v(t) read the state numbered t
    r = verdict(r"\sum_{s\in\mathcal{A}} d(s) = 1")
    assert r.verdict == "ill-formed" and "ranges over" in r.reason, (r.verdict, r.reason)
    r = verdict(r"\mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[\sum_{t=1}^{T-1} v(t)\right] = 0")
    assert r.verdict == "ill-formed" and "reads a state where t is a time" in r.reason, (r.verdict, r.reason)
    assert verdict(r"\sum_{s\in\mathcal{S}} d(s) = 1").verdict == "proved"


def test_a_sum_over_a_set_other_than_the_space_is_not_read_as_the_space():
    # Σ_{s∈{s⁰}} d(s) = 1 and Σ_{s∈ℝ} d(s) = 1 were proved: the domain was dropped for Σ_{s∈𝒮}
    for text in (r"\sum_{s\in\{s^0\}} d(s) = 1", r"\sum_{s\in\mathbb{R}} d(s) = 1"):
        r = verdict(text)
        assert r.verdict == "undecided" and "only the whole space" in r.reason, (text, r.verdict, r.reason)


def test_the_built_in_baseline_of_an_action_is_ill_formed():
    # b(a_t) read the drawn state baseline at the state numbered a_t (refuted for that reading, not for what was
    # written: an action-dependent b needs `b depends on s, a`)
    text = (r"\mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[\sum_{t=1}^{T-1} b(X)\nabla_\theta\log\pi_\theta"
            r"(a_t\vert s_t)\right] = 0")
    r = verdict(text.replace("X", "a_t"))
    assert r.verdict == "ill-formed" and "reads a state where a_t is an action" in r.reason, (r.verdict, r.reason)
    assert verdict(text.replace("X", "s_t")).verdict == "proved"
