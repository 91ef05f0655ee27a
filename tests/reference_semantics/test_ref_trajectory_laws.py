"""Returns R_τ and G_τ^t, probabilities ℙ of events, the one-step Markov law and conditional expectations, against
trajectories enumerated by the reference (:func:`refsem.enumerate_trajectories`) and its own P_π.

The post's conventions: τ = (s_1, a_1, …, a_{T−1}, s_T), R_τ = Σ_{k≥1} λ^{k−1} r(s_k, a_k),
G_τ^t = Σ_{k≥t} λ^{k−t} r(s_k, a_k) (the absorbing state's rewards are 0).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pgverify.families import get_family
from pgverify.notation import parse_expression
from pgverify.notation.evaluate import Tensor, evaluate_side
from pgverify.registry import all_claims
from refsem import as_fraction, enumerate_trajectories, reference
from strategies_ref import bases, exact_model

all_claims()
SETTINGS = settings(max_examples=20, deadline=None, database=None)
E = r"\mathbb{{E}}_{{\tau\sim\mathcal{{T}}_\theta}}\left[{}\right]"


def _episodic(i: int):
    return get_family("episodic-softmax").exact_points(3, 2)[i]


def _enumerated(m):
    T = m.extras["horizon"]
    F = np.vectorize(as_fraction, otypes=[object])
    P, pi, r, mu = F(m.P).tolist(), F(m.pi).tolist(), F(m.r), tuple(F(m.mu0))
    return T, r, list(enumerate_trajectories(P, pi, mu, T))


def _over(t: Tensor, axes: tuple[str, ...], shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(np.asarray(t.expand(axes), dtype=object), shape)


@SETTINGS
@given(i=st.integers(0, 2))
@example(i=0)
def test_returns_are_discounted_from_their_start(i):
    m = _episodic(i)
    T, r, trajectories = _enumerated(m)
    lam = as_fraction(m.lam)
    rew = lambda states, actions, k: r[states[k - 1], actions[k - 1]]  # noqa: E731
    want_R = sum((p * sum((lam ** (k - 1) * rew(st_, ac, k) for k in range(1, T)), Fraction(0))
                  for st_, ac, p in trajectories), Fraction(0))
    assert Fraction(evaluate_side(parse_expression(E.format(r"R_\tau")), m).value) == want_R
    times = np.arange(1, T)
    got = _over(evaluate_side(parse_expression(E.format(r"G_\tau^t")), m, free={"t": Tensor(times, ("t",))}),
                ("t",), times.shape)
    for t, g in zip(times.tolist(), got):
        want = sum((p * sum((lam ** (k - t) * rew(st_, ac, k) for k in range(t, T)), Fraction(0))
                    for st_, ac, p in trajectories), Fraction(0))
        assert Fraction(g) == want, t


@SETTINGS
@given(i=st.integers(0, 2))
def test_the_probability_of_a_state_at_a_time_and_a_conditional_expectation(i):
    """ℙ(s_t = s) = Σ_τ 𝒯(τ)[s_t = s]; 𝔼[r(s_2, a_2) | s_1 = s] = Σ_τ 𝒯 r_2 [s_1 = s] / ℙ(s_1 = s) where ℙ(s_1 = s) > 0
    (a conditional on a null event is not compared: its value is a convention)."""
    m = _episodic(i)
    T, r, trajectories = _enumerated(m)
    S = m.S
    times, states = np.arange(1, T), np.arange(S)
    text = r"\mathbb{P}_{s^0}^{\pi}(s_t = s)"
    free = {"t": Tensor(times, ("t",)), "s": Tensor(states, ("s",))}
    got = _over(evaluate_side(parse_expression(text), m, free=free), ("t", "s"), (len(times), S))
    for j, t in enumerate(times.tolist()):
        for s in states.tolist():
            assert Fraction(got[j, s]) == sum((p for st_, _, p in trajectories if st_[t - 1] == s), Fraction(0))
    if T < 3:
        return
    text = E.format(r"r(s_2, a_2) \vert s_1 = s")
    got = _over(evaluate_side(parse_expression(text), m, free={"s": Tensor(states, ("s",))}), ("s",), (S,))
    for s in states.tolist():
        den = sum((p for st_, _, p in trajectories if st_[0] == s), Fraction(0))
        if den:
            num = sum((p * r[st_[1], ac[1]] for st_, ac, p in trajectories if st_[0] == s), Fraction(0))
            assert Fraction(got[s]) == num / den, s


@settings(max_examples=30, deadline=None, database=None)
@given(base=bases(min_states=2, max_states=3, max_actions=2))
def test_the_one_step_law_is_the_policys_transition_matrix(base):
    """ℙ(s_2 = s' | s_1 = s) = P_π(s, s'), ℙ(a_1 = a | s_1 = s) = π(a|s) and
    ℙ(s_2 = s', a_1 = a | s_1 = s) = π(a|s)𝒫(s'|s, a)."""
    ref = reference(base)
    m = exact_model(base)
    S, A = base.S, base.A
    free = {"s": Tensor(np.arange(S), ("s",)), "s'": Tensor(np.arange(S), ("s'",)), "a": Tensor(np.arange(A), ("a",))}
    pi = [[ref.pi[s][a].val for a in range(A)] for s in range(S)]
    cases = {
        r"\mathbb{P}(s_2 = s' \vert s_1 = s)": lambda s, a, y: sum((pi[s][b] * ref.P[s][b][y] for b in range(A)),
                                                                   Fraction(0)),
        r"\mathbb{P}(a_1 = a \vert s_1 = s)": lambda s, a, y: pi[s][a],
        r"\mathbb{P}(s_2 = s', a_1 = a \vert s_1 = s)": lambda s, a, y: pi[s][a] * ref.P[s][a][y],
    }
    for text, want in cases.items():
        t = evaluate_side(parse_expression(text), m, free={k: v for k, v in free.items() if k in text})
        got = _over(t, ("s", "a", "s'"), (S, A, S))
        for s in range(S):
            for a in range(A):
                for y in range(S):
                    assert Fraction(got[s, a, y]) == want(s, a, y), (text, s, a, y)
