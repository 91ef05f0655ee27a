"""Reference semantics of algorithm boxes (issue 22): a box's E[output] against a direct enumeration written here.

The reference enumerates the episodes itself (a recursion from s⁰ over π(a|s) and 𝒫, T rows, the policy still
acting in the absorbing state as in the post's model), takes every N-tuple of them, and computes each estimator
by hand: G_n^t, the tabular softmax score e_{s,a} − π(·|s), the per-state mean of G for the fitted baseline.
Nothing of pgverify.audit (batches, enumeration, scores) is used.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numeric.strategies import episodic_mdps
from pgverify.audit.boxes import expected_output
from pgverify.notation.boxes import read_box
from pgverify.strategies import tabular_softmax_policies

RTG = read_box(r"$$\hat{g} \leftarrow \frac{1}{N}\sum_{n=1}^N \sum_{t=1}^T \lambda^{t-1} G_n^t "
               r"\nabla_\theta \log\pi_\theta(a_t^n\vert s_t^n)$$")
UNDISCOUNTED = read_box(r"$$\hat{g} \leftarrow \sum_{n=1}^N \sum_{t=1}^T r(s_t^n, a_t^n) \nabla_\theta "
                        r"\log\pi_\theta(a_1^n\vert s_1^n)$$")
FITTED = read_box("\n".join([
    r"$$\hat{\omega} \leftarrow \argmin \sum_{n=1}^N \sum_{t=1}^T (b_{\hat\omega}(s_t^n) - G_n^t)^2$$",
    r"$$\hat{g} \leftarrow \frac{1}{N}\sum_{n=1}^N \sum_{t=1}^T \lambda^{t-1}(G_n^t - b_{\hat\omega}(s_t^n))"
    r"\nabla_\theta \log\pi_\theta(a_t^n\vert s_t^n)$$"]))


def _episodes(emdp, weights):
    """Every T-row path (states, actions, probability) from s⁰, the policy acting in the absorbing state too."""
    mdp = emdp.mdp
    P, S, A, T = np.asarray(mdp.P, dtype=object), mdp.num_states, mdp.num_actions, emdp.horizon
    pi = [[Fraction(weights[s][a]) / sum(Fraction(w) for w in weights[s]) for a in range(A)] for s in range(S)]
    mu = np.asarray(mdp.mu0, dtype=object)
    out = []

    def walk(states, actions, p):
        if len(actions) == T:
            out.append((tuple(states), tuple(actions), p))
            return
        s = states[-1]
        for a in range(A):
            if len(actions) == T - 1:
                walk(states, actions + [a], p * pi[s][a])
                continue
            for s2 in range(S):
                if P[s, a, s2] != 0:
                    walk(states + [s2], actions + [a], p * pi[s][a] * P[s, a, s2])

    for s0 in range(S):
        if mu[s0] != 0:
            walk([s0], [], Fraction(mu[s0]))
    return out, pi


def _score(pi, s, a, S, A):
    g = np.full((S, A), Fraction(0), dtype=object)
    g[s, :] = [-pi[s][b] for b in range(A)]
    g[s, a] += 1
    return g.ravel()


def _returns(emdp, states, actions):
    r, lam = np.asarray(emdp.mdp.r, dtype=object), Fraction(emdp.mdp.discount)
    rewards = [r[s, a] for s, a in zip(states, actions)]
    return [sum((lam ** (k - t) * rewards[k] for k in range(t, len(rewards))), Fraction(0))
            for t in range(len(rewards))], rewards


def _reference(emdp, weights, N, estimator):
    eps, pi = _episodes(emdp, weights)
    S, A = emdp.mdp.num_states, emdp.mdp.num_actions
    total = np.full(S * A, Fraction(0), dtype=object)
    for tup in itertools.product(eps, repeat=N):
        p = Fraction(1)
        for _, _, q in tup:
            p *= q
        total = total + p * estimator(tup, pi, S, A)
    return total


def _rtg(emdp):
    lam = Fraction(emdp.mdp.discount)

    def est(tup, pi, S, A):
        g = np.full(S * A, Fraction(0), dtype=object)
        for states, actions, _ in tup:
            G, _ = _returns(emdp, states, actions)
            for t, (s, a) in enumerate(zip(states, actions)):
                g = g + lam ** t * G[t] * _score(pi, s, a, S, A)
        return g / len(tup)
    return est


def _undiscounted(emdp):
    def est(tup, pi, S, A):
        g = np.full(S * A, Fraction(0), dtype=object)
        for states, actions, _ in tup:
            _, rewards = _returns(emdp, states, actions)
            g = g + sum(rewards, Fraction(0)) * _score(pi, states[0], actions[0], S, A)
        return g
    return est


def _fitted(emdp):
    lam = Fraction(emdp.mdp.discount)

    def est(tup, pi, S, A):
        sums, counts = {}, {}
        data = [(states, actions, _returns(emdp, states, actions)[0]) for states, actions, _ in tup]
        for states, _, G in data:
            for s, y in zip(states, G):
                sums[s] = sums.get(s, Fraction(0)) + y
                counts[s] = counts.get(s, 0) + 1
        g = np.full(S * A, Fraction(0), dtype=object)
        for states, actions, G in data:
            for t, (s, a) in enumerate(zip(states, actions)):
                g = g + lam ** t * (G[t] - sums[s] / counts[s]) * _score(pi, s, a, S, A)
        return g / len(tup)
    return est


@st.composite
def _models(draw):
    emdp = draw(episodic_mdps(max_nonabsorbing=2, max_actions=2))
    pol = draw(tabular_softmax_policies(num_states=emdp.mdp.num_states, num_actions=emdp.mdp.num_actions))
    return emdp, pol


@settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(_models(), st.sampled_from([1, 2]))
def test_box_expectation_is_the_direct_enumeration(model, N):
    emdp, pol = model
    weights = np.asarray(pol.weights).tolist()
    for box, make in ((RTG, _rtg), (UNDISCOUNTED, _undiscounted), (FITTED, _fitted)):
        got, _ = expected_output(box, emdp, pol, N)
        want = _reference(emdp, weights, N, make(emdp))
        assert [Fraction(x) for x in got] == [Fraction(x) for x in want], (box.source[:60], N)


def test_a_fixed_model_at_two_rollouts():
    """The audit's docstring MDP (two steps, rewards at both): every estimator's E[output] is not zero here."""
    from numeric import FiniteMDP, TabularSoftmax
    from pgverify.audit import as_episodic

    F = Fraction
    mdp = FiniteMDP(P=[[[0, F(1, 2), F(1, 2)], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]],
                    r=[[1, 0], [0, 2], [0, 0]], discount=F(1, 2))
    emdp, pol = as_episodic(mdp), TabularSoftmax.from_weights([[1, 2], [3, 1], [1, 1]])
    weights = [[1, 2], [3, 1], [1, 1]]
    for box, make in ((RTG, _rtg), (UNDISCOUNTED, _undiscounted), (FITTED, _fitted)):
        got, _ = expected_output(box, emdp, pol, 2)
        want = _reference(emdp, weights, 2, make(emdp))
        assert any(x != 0 for x in want)
        assert [Fraction(x) for x in got] == [Fraction(x) for x in want]


SB_BASELINE = read_box("\n".join([
    "Loop forever (for each episode):",
    "    Generate an episode $S_0, A_0, R_1, \\ldots, S_{T-1}, A_{T-1}, R_T$, following $\\pi(\\cdot|\\cdot, \\theta)$",
    "    Loop for each step of the episode $t = 0, 1, \\ldots, T-1$:",
    "        $G \\leftarrow \\sum_{k=t+1}^{T} \\gamma^{k-t-1} R_k$",
    "        $\\delta \\leftarrow G - \\hat{v}(S_t, w)$",
    "        $w \\leftarrow w + \\alpha^w \\delta \\nabla \\hat{v}(S_t, w)$",
    "        $\\theta \\leftarrow \\theta + \\alpha^\\theta \\gamma^t \\delta \\nabla \\ln \\pi(A_t|S_t, \\theta)$"]),
    profile="textbook")


def _sb_baseline(emdp, w, absorbing):
    """Σ_n Σ_{t < T_n} γ^t (G_t − w[S_t]) ∇ln π(A_t|S_t): the episode's own steps only (T_n its length)."""
    lam = Fraction(emdp.mdp.discount)

    def est(tup, pi, S, A):
        g = np.full(S * A, Fraction(0), dtype=object)
        for states, actions, _ in tup:
            G, _ = _returns(emdp, states, actions)
            for t, (s, a) in enumerate(zip(states, actions)):
                if s == absorbing:
                    break
                g = g + lam ** t * (G[t] - w[s]) * _score(pi, s, a, S, A)
        return g
    return est


@settings(max_examples=6, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(_models(), st.sampled_from([1, 2]), st.lists(st.integers(-3, 3), min_size=3, max_size=3))
def test_a_textbook_box_with_a_critic_is_the_direct_enumeration(model, N, w):
    """Sutton & Barto's REINFORCE with baseline, θ's direction at first order, T each episode's own length."""
    emdp, pol = model
    S = emdp.mdp.num_states
    w0 = [Fraction(x) for x in (w * S)[:S]]
    got, name = expected_output(SB_BASELINE, emdp, pol, N, inputs={"w": w0})
    want = _reference(emdp, np.asarray(pol.weights).tolist(), N, _sb_baseline(emdp, w0, emdp.absorbing))
    assert name == "the direction of the θ update"
    assert [Fraction(x) for x in got] == [Fraction(x) for x in want]
