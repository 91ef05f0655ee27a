"""The literature's trajectory-level notation (pgverify.notation.trajectories) against direct computations.

Each reference below is written from the model's tables (P, π, r, μ₀ and the enumerated trajectories' states and
actions), never through the evaluator's trajectory law or returns: P(τ|θ) by multiplying the factors of one
trajectory by hand, the reward of S&B's R_{t+1} by reading r at (s_t, a_t), η by counting visits, the softmax
gradient by its closed form π(x|s)(𝟙[x = b] − π(b|s)).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgverify.families import get_family
from pgverify.families.restrict import fixed
from pgverify.notation import parse
from pgverify.notation.evaluate import Conventions, NotEvaluable, Tensor, evaluate_side
from pgverify.notation.latex import parse_expression
from pgverify.notation.trajectories import exp_chain
from pgverify.registry import all_claims
from refsem import as_fraction

all_claims()
SETTINGS = settings(max_examples=5, deadline=None, database=None)
SU = Conventions(time_base=0, last_action=True)  # Spinning Up: t from 0, T the last action's time
CS = Conventions(time_base=1, last_action=True)  # CS285: t from 1 to T
SB = Conventions(time_base=0)                    # Sutton & Barto: t from 0, T the terminal state's time
models = st.tuples(st.integers(0, 2), st.integers(0, 3))


def _episodic(i: int, seed: int, *, undiscounted: bool = False):
    name = fixed("episodic-softmax", discount=Fraction(1)) if undiscounted else "episodic-softmax"
    return get_family(name).exact_points(3, seed)[i]


def _table(m, name):
    return np.vectorize(as_fraction, otypes=[object])(np.asarray(getattr(m, name), dtype=object))


def _by_hand(m, i: int) -> Fraction:
    """μ₀(s₀) Π_t π(a_t|s_t) P(s_{t+1}|s_t, a_t) of the i-th enumerated trajectory, read off the tables."""
    tr = m.extras["trajectories"]
    P, pi, mu = _table(m, "P"), _table(m, "pi"), _table(m, "mu0")
    states, actions = tr.states[i], tr.actions[i]
    p = mu[states[0]]
    for t in range(len(actions)):
        p *= pi[states[t], actions[t]] * P[states[t], actions[t], states[t + 1]]
    return p


def _free_tau(m) -> dict[str, Tensor]:
    t = Tensor(np.arange(m.extras["trajectories"].count), ("\\tau",))
    return {"\\tau": t, "#trajectory": t}


def _values(t: Tensor, axes: tuple[str, ...], shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(np.asarray(t.expand(axes), dtype=object), shape)


@SETTINGS
@given(models)
@pytest.mark.parametrize("profile, conv, text", [
    ("spinningup", SU, r"P(\tau|\theta)"),
    ("spinningup", SU, r"\pi_\theta(\tau)"),
    ("spinningup", SU, r"\rho_0(s_0) \prod_{t=0}^{T} P(s_{t+1}|s_t, a_t) \pi_{\theta}(a_t |s_t)"),
    ("cs285", CS, r"p_\theta(\tau)"),
    ("cs285", CS, r"p(s_1) \prod_{t=1}^{T} \pi_\theta(a_t|s_t) p(s_{t+1}|s_t, a_t)"),
])
def test_the_law_of_a_trajectory_is_the_product_of_its_factors(profile, conv, text, im):
    m = _episodic(*im)
    n = m.extras["trajectories"].count
    got = _values(evaluate_side(parse_expression(text, profile=profile), m, conv, _free_tau(m)), ("\\tau",), (n,))
    assert [as_fraction(x) for x in got] == [_by_hand(m, i) for i in range(n)]


@SETTINGS
@given(models)
def test_the_integral_over_trajectories_is_their_sum(im):
    m = _episodic(*im, undiscounted=True)
    tr, r = m.extras["trajectories"], _table(m, "r")
    want = sum((_by_hand(m, i) * sum((r[s, a] for s, a in zip(tr.states[i], tr.actions[i])), Fraction(0))
                for i in range(tr.count)), Fraction(0))
    for text in (r"\int_{\tau} P(\tau|\theta) R(\tau)", r"\int_\tau P(\tau|\theta) R(\tau) d\tau",
                 r"\mathbb{E}_{\tau \sim \pi_\theta}\left[R(\tau)\right]", r"J(\pi_\theta)"):
        assert as_fraction(evaluate_side(parse_expression(text, profile="spinningup"), m, SU).value) == want, text


@SETTINGS
@given(models)
def test_a_log_identity_is_compared_through_exp(im):
    """log P(τ|θ) = log ρ₀(s₀) + Σ_t (log P + log π) holds on every trajectory; dropping the dynamics fails on one
    whose transitions are not all certain (exp of each side, evaluated: the product the by-hand law is)."""
    m = _episodic(*im)
    n = m.extras["trajectories"].count
    good = exp_chain(parse(r"\log P(\tau|\theta) = \log \rho_0 (s_0) + \sum_{t=0}^{T} \left( \log P(s_{t+1}|s_t, "
                           r"a_t) + \log \pi_{\theta}(a_t |s_t)\right)", profile="spinningup"))
    left, step = next(good.steps())
    lhs = _values(evaluate_side(left, m, SU, _free_tau(m)), ("\\tau",), (n,))
    rhs = _values(evaluate_side(step.rhs, m, SU, _free_tau(m)), ("\\tau",), (n,))
    want = [_by_hand(m, i) for i in range(n)]
    assert [as_fraction(x) for x in lhs] == want and [as_fraction(x) for x in rhs] == want
    bad = exp_chain(parse(r"\log P(\tau|\theta) = \log \rho_0 (s_0) + \sum_{t=0}^{T} \log \pi_{\theta}(a_t |s_t)",
                          profile="spinningup"))
    left, step = next(bad.steps())
    rhs = _values(evaluate_side(step.rhs, m, SU, _free_tau(m)), ("\\tau",), (n,))
    P = _table(m, "P")
    uncertain = any(x not in (0, 1) for x in P.ravel())
    assert ([as_fraction(x) for x in rhs] != want) == uncertain


def test_the_log_of_a_zero_probability_is_refused():
    m = _episodic(0, 0)
    assert any(x == 0 for x in _table(m, "P").ravel())
    chain = exp_chain(parse(r"\log P(s'|s, a) = \log P(s'|s, a)", profile="spinningup"))
    left, _ = next(chain.steps())
    free = {"s": Tensor(np.arange(m.S), ("s",)), "s'": Tensor(np.arange(m.S), ("s'",)),
            "a": Tensor(np.arange(m.A), ("a",))}
    with pytest.raises(NotEvaluable, match="log 0"):
        evaluate_side(left, m, SU, free)
    with pytest.raises(NotEvaluable, match="sums of logarithms"):
        exp_chain(parse(r"\log P(\tau|\theta) = R(\tau)", profile="spinningup"))


@SETTINGS
@given(st.integers(0, 2), st.integers(0, 3))
def test_the_categorical_softmax_of_the_lemma(i, seed):
    """𝔼_{x∼P_θ}[∇θ P_θ(x)] = Σ_x π(x|s) ∇θπ(x|s) with ∂π(x|s)/∂θ[s, b] = π(x|s)(𝟙[x = b] − π(b|s)); the lemma's
    𝔼_{x∼P_θ}[∇θ log P_θ(x)] is the zero vector at every state."""
    m = get_family("tabular-softmax").exact_points(3, seed)[i]
    pi = _table(m, "pi")
    S, A = pi.shape
    free = {"s": Tensor(np.arange(S), ("s",))}
    got = evaluate_side(parse(r"\mathbb{E}_{x \sim P_{\theta}}\left[\nabla_{\theta} P_{\theta}(x)\right] = 0",
                              profile="spinningup").rows[0].lhs, m, SU, free)
    arr = np.asarray(got.expand(("s", "∇θ")), dtype=object)
    for s in range(S):
        want = [Fraction(0)] * (S * A)
        for x in range(A):
            for b in range(A):
                want[s * A + b] += pi[s, x] * pi[s, x] * ((1 if x == b else 0) - pi[s, b])
        assert [as_fraction(v) for v in arr[s]] == want
    lemma = evaluate_side(parse(r"\mathbb{E}_{x \sim P_{\theta}}\left[\nabla_{\theta} \log P_{\theta}(x)\right] = 0",
                                profile="spinningup").rows[0].lhs, m, SU, free)
    assert all(as_fraction(v) == 0 for v in np.asarray(lemma.expand(("s", "∇θ")), dtype=object).ravel())


@SETTINGS
@given(models)
def test_sutton_barto_rewards_returns_and_visits(im):
    """R_{t+1} is r(S_t, A_t); G_t = Σ_{k>t} R_k (γ = 1); η(s) counts the visits of a non-terminal s, μ = η/Ση;
    η solves eq. 9.2 at every non-terminal state."""
    m = _episodic(*im, undiscounted=True)
    tr = m.extras["trajectories"]
    r, P, pi, mu0 = _table(m, "r"), _table(m, "P"), _table(m, "pi"), _table(m, "mu0")
    n, T = tr.states.shape  # T states: times 0 … T − 1, actions at 0 … T − 2
    times = Tensor(np.arange(T - 1), ("t",))
    free = {**_free_tau(m), "t": times}
    for text, want in ((r"R_{t+1}", lambda i, t: r[tr.states[i, t], tr.actions[i, t]]),
                       (r"G_t", lambda i, t: sum((r[tr.states[i, k], tr.actions[i, k]] for k in range(t, T - 1)),
                                                 Fraction(0)))):
        got = _values(evaluate_side(parse_expression(text, profile="sutton-barto"), m, SB, free), ("\\tau", "t"),
                      (n, T - 1))
        assert [[as_fraction(x) for x in row] for row in got] == [[want(i, t) for t in range(T - 1)]
                                                                    for i in range(n)], text
    terminal = m.extras["absorbing"]
    eta = [sum((_by_hand(m, i) * sum(1 for s_ in tr.states[i] if s_ == s) for i in range(n)), Fraction(0))
           if s != terminal else Fraction(0) for s in range(m.S)]
    states = {"s": Tensor(np.arange(m.S), ("s",))}
    got = evaluate_side(parse_expression(r"\eta(s)", profile="sutton-barto"), m, SB, states)
    assert [as_fraction(x) for x in _values(got, ("s",), (m.S,))] == eta
    got = evaluate_side(parse_expression(r"\mu(s)", profile="sutton-barto"), m, SB, states)
    assert [as_fraction(x) for x in _values(got, ("s",), (m.S,))] == [x / sum(eta) for x in eta]
    for s in range(m.S):
        if s != terminal:
            assert eta[s] == mu0[s] + sum((eta[b] * pi[b, a] * P[b, a, s] for b in range(m.S) for a in range(m.A)),
                                          Fraction(0))


@SETTINGS
@given(models)
def test_the_reward_of_a_transition_and_the_action_at_time_t(im):
    """Σ_t R(s_t, a_t, s_{t+1}) is the sum of r(s_t, a_t) along τ; 𝔼_{a_t∼π_θ}[r(s_t, a_t)] = Σ_a π(a|s_t) r(s_t, a);
    log P(τ|θ) − log π_θ(a_0|s_0) = … is P(τ|θ)/π_θ(a_0|s_0) = ρ₀ P(s_1|s_0, a_0) Π_{t≥1} P π; ρ₀(s) is μ₀(s)."""
    m = _episodic(*im)
    tr = m.extras["trajectories"]
    r, pi, mu = _table(m, "r"), _table(m, "pi"), _table(m, "mu0")
    n, T = tr.states.shape
    got = _values(evaluate_side(parse_expression(r"\sum_{t=0}^{T} R(s_t, a_t, s_{t+1})", profile="spinningup"), m, SU,
                                _free_tau(m)), ("\\tau",), (n,))
    assert [as_fraction(x) for x in got] == [sum((r[s, a] for s, a in zip(tr.states[i], tr.actions[i])), Fraction(0))
                                             for i in range(n)]
    free = {**_free_tau(m), "t": Tensor(np.arange(T - 1), ("t",))}
    got = _values(evaluate_side(parse(r"\mathbb{E}_{a_t \sim \pi_\theta}\left[r(s_t, a_t)\right] = 0",
                                      profile="spinningup").rows[0].lhs, m, SU, free), ("\\tau", "t"), (n, T - 1))
    for i in range(n):
        for t in range(T - 1):
            s = tr.states[i, t]
            assert as_fraction(got[i, t]) == sum((pi[s, a] * r[s, a] for a in range(m.A)), Fraction(0))
    chain = exp_chain(parse(r"\log P(\tau|\theta) - \log \pi_\theta(a_0|s_0) = \log \rho_0(s_0) + \log P(s_1|s_0, a_0) + "
                            r"\sum_{t=1}^{T} \left(\log P(s_{t+1}|s_t, a_t) + \log \pi_\theta(a_t|s_t)\right)",
                            profile="spinningup"))
    left, step = next(chain.steps())
    lhs = _values(evaluate_side(left, m, SU, _free_tau(m)), ("\\tau",), (n,))
    rhs = _values(evaluate_side(step.rhs, m, SU, _free_tau(m)), ("\\tau",), (n,))
    want = [_by_hand(m, i) / pi[tr.states[i, 0], tr.actions[i, 0]] for i in range(n)]
    assert [as_fraction(x) for x in lhs] == want == [as_fraction(x) for x in rhs]
    states = {"s": Tensor(np.arange(m.S), ("s",))}  # ρ₀(s), h(s): the initial distribution at every state
    for profile, text in (("spinningup", r"\rho_0(s)"), ("sutton-barto", r"h(s)")):
        got = evaluate_side(parse_expression(text, profile=profile), m, SU, states)
        assert [as_fraction(x) for x in _values(got, ("s",), (m.S,))] == list(mu), text


@SETTINGS
@given(st.integers(0, 2), st.integers(0, 3))
def test_a_tabular_component_of_the_gradient(i, seed):
    """∂π(b|s')/∂θ_{s,a} = 𝟙[s = s'] π(b|s)(𝟙[a = b] − π(a|s)) on the tabular family (closed form, by hand); on a
    linear-softmax model θ has no (s, a) component: refused."""
    m = get_family("tabular-softmax").exact_points(3, seed)[i]
    pi = _table(m, "pi")
    S, A = pi.shape
    free = {"s": Tensor(np.arange(S), ("s",)), "a": Tensor(np.arange(A), ("a",)),
            "s'": Tensor(np.arange(S), ("s'",)), "a'": Tensor(np.arange(A), ("a'",))}
    text = r"\frac{\partial \pi_\theta(a'|s')}{\partial \theta_{s,a}} = 0"
    got = evaluate_side(parse(text).rows[0].lhs, m, Conventions(), free)
    arr = np.broadcast_to(np.asarray(got.expand(("s", "a", "s'", "a'")), dtype=object), (S, A, S, A))
    for s in range(S):
        for a in range(A):
            for s2 in range(S):
                for b in range(A):
                    want = pi[s, b] * ((1 if a == b else 0) - pi[s, a]) if s == s2 else 0
                    assert as_fraction(arr[s, a, s2, b]) == want
    linear = get_family("linear-softmax").exact_points(1, seed)[0]
    with pytest.raises(NotEvaluable, match="not tabular"):
        evaluate_side(parse(text).rows[0].lhs, linear, Conventions(),
                      {k: Tensor(np.arange(linear.S if k.startswith("s") else linear.A), (k,)) for k in free})
