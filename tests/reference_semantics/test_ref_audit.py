"""The audit's targets and its comparison rule against trajectories enumerated by the reference.

On an episodic MDP with an exact tabular-softmax policy the targets of :func:`pgverify.audit.diagnosis.targets`
are expectations over trajectories: the reference enumerates τ = (s_1, a_1, …, s_T) itself and forms
G_t^κ = Σ_{k≥t} κ^{k−t} r_k and ∇θ log π(a|s) = e_{(s,a)} − π(·|s) on row s (tabular softmax), then

* practice.undiscounted-score-weighting = 𝔼[Σ_t G_t^γ ∇log π(a_t|s_t)],
* lambda-returns(λ) = 𝔼[Σ_t G_t^{γλ} ∇log π(a_t|s_t)],
* discounted-lambda-returns(λ) = 𝔼[Σ_t γ^{t−1} G_t^{γλ} ∇log π(a_t|s_t)] (the first time weighted by γ⁰).

A match is E[ĝ] = c·target with c > 0; a negative multiple is no match.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numeric import FiniteMDP, TabularSoftmax
from pgverify.audit import Rollout, diagnose, setting
from pgverify.audit.diagnosis import GRAD_U, PRACTICE, targets
from pgverify.audit.expectation import Expectation
from refsem import enumerate_trajectories


@st.composite
def episodic_cases(draw):
    """States 0 … n − 1 move forward, n absorbs (reward 0); γ; exact policy weights."""
    n, A = draw(st.integers(1, 2)), draw(st.integers(2, 2))
    S = n + 1
    W = [[[(draw(st.integers(1, 3)) if t > s else 0) if s < n else int(t == n) for t in range(S)] for _ in range(A)]
         for s in range(S)]
    P = [[[Fraction(w, sum(row)) for w in row] for row in W[s]] for s in range(S)]
    r = [[draw(st.integers(-3, 3)) if s < n else 0 for _ in range(A)] for s in range(S)]
    x = [[draw(st.integers(1, 4)) for _ in range(A)] for _ in range(S)]
    gamma = draw(st.sampled_from((Fraction(1, 2), Fraction(2, 3))))
    return P, r, x, gamma


def _reference_targets(P, r, x, gamma, lam):
    S, A = len(P), len(P[0])
    pi = [[Fraction(x[s][a], sum(x[s])) for a in range(A)] for s in range(S)]
    mu = tuple(Fraction(int(s == 0)) for s in range(S))
    out = {"practice": np.zeros((S, A), dtype=object), "lambda": np.zeros((S, A), dtype=object),
           "discounted": np.zeros((S, A), dtype=object)}
    for states, actions, p in enumerate_trajectories(P, pi, mu, S):
        T = len(states)
        rew = [Fraction(r[states[t]][actions[t]]) for t in range(T - 1)]
        for t in range(T - 1):
            score = np.zeros((S, A), dtype=object)
            s, a = states[t], actions[t]
            for b in range(A):
                score[s, b] = (1 if b == a else 0) - pi[s][b]
            G = lambda kappa: sum((kappa ** (k - t) * rew[k] for k in range(t, T - 1)), Fraction(0))  # noqa: E731
            out["practice"] = out["practice"] + p * G(gamma) * score
            out["lambda"] = out["lambda"] + p * G(gamma * lam) * score
            out["discounted"] = out["discounted"] + p * gamma ** t * G(gamma * lam) * score
    return out


def _setting(P, r, x, gamma):
    mdp = FiniteMDP(P=P, r=r, discount=Fraction(1, 2))
    return setting(mdp, TabularSoftmax.from_weights(x), Rollout(gamma=gamma))


@settings(max_examples=15, deadline=None, database=None)
@given(case=episodic_cases())
def test_the_audits_targets_are_the_enumerated_expectations(case):
    P, r, x, gamma = case
    lam = Fraction(1, 2)
    st_ = _setting(P, r, x, gamma)
    got = {t.name: t.value for t in targets(st_, lambdas=(lam,))}
    want = _reference_targets(P, r, x, gamma, lam)
    name = f"{float(lam):g}"
    for key, target in (("practice", PRACTICE), ("lambda", f"lambda-returns({name})"),
                        ("discounted", f"discounted-lambda-returns({name})")):
        np.testing.assert_allclose(got[target], np.asarray(want[key], dtype=np.float64), rtol=1e-12, atol=1e-12,
                                   err_msg=target)


@pytest.mark.parametrize("factor, matches", [(2.0, True), (1.0, True), (-1.0, False), (-0.5, False)])
def test_a_match_is_a_positive_multiple(factor, matches):
    P = [[[0, Fraction(1, 2), Fraction(1, 2)], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]]
    st_ = _setting(P, [[1, 0], [0, 2], [0, 0]], [[1, 2], [3, 1], [1, 1]], Fraction(1, 2))
    value = factor * np.asarray(st_.grad_U, dtype=np.float64)
    assert np.any(value != 0)
    e = Expectation(value, True, "float64", 1, float(np.max(np.abs(value))))
    d = diagnose(e, st_)
    assert (GRAD_U in d.matches) == matches, (factor, d.matches)
    if matches:
        assert d.matches[GRAD_U] == pytest.approx(factor, rel=1e-12)


def test_a_survey_holds_only_with_no_draw_against_and_enough_informative_ones():
    """``Survey.verdict``: one draw against is a counterexample (fails); otherwise it holds only with at least
    ``minimum`` informative draws (fewer: undecided, however many matched)."""
    from pgverify.audit.diagnosis import Survey

    def survey(informative: int, against: int, minimum: int = 3) -> Survey:
        return Survey(examples=5, informative={GRAD_U: informative}, matched={GRAD_U: (informative, 1.0, 1.0)},
                      against={GRAD_U: against}, minimum=minimum, rollout=Rollout(), dtype="float64")

    assert survey(3, 0).verdict(GRAD_U) == "holds" and survey(3, 0).holds(GRAD_U)
    assert survey(2, 0).verdict(GRAD_U) == "undecided" and not survey(2, 0).holds(GRAD_U)
    assert survey(0, 0).verdict(GRAD_U) == "undecided"
    assert survey(3, 1).verdict(GRAD_U) == "fails" and survey(0, 1).verdict(GRAD_U) == "fails"
