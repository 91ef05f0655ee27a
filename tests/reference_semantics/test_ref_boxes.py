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


COUNT = read_box("\n".join([
    "Loop forever (for each episode):",
    "    Generate an episode $S_0, A_0, R_1, \\ldots, S_{T-1}, A_{T-1}, R_T$, following $\\pi(\\cdot|\\cdot, \\theta)$",
    "    $I \\leftarrow 0$",
    "    Loop for each step of the episode $t = 0, 1, \\ldots, T-1$:",
    "        $I \\leftarrow I + 1$",
    "        $\\theta \\leftarrow \\theta + \\alpha \\nabla \\ln \\pi(A_0|S_0, \\theta)$",
    "    $\\theta \\leftarrow \\theta + \\alpha I \\nabla \\ln \\pi(A_0|S_0, \\theta)$",
    "    $\\theta \\leftarrow \\theta + \\alpha \\sum_{t=0}^{T-1} \\nabla \\ln \\pi(A_0|S_0, \\theta)$"]),
    profile="textbook")


def _count(absorbing):
    """3 Σ_n T_n ∇ln π(A_0|S_0): T_n the steps of episode n before the terminal state (a loop, a counter, a sum)."""
    def est(tup, pi, S, A):
        g = np.full(S * A, Fraction(0), dtype=object)
        for states, actions, _ in tup:
            T = next((t for t, s in enumerate(states) if s == absorbing), len(states))
            g = g + 3 * T * _score(pi, states[0], actions[0], S, A)
        return g
    return est


def test_a_textbook_box_runs_each_episode_to_its_own_end():
    """Loops, counters and sums up to T stop at each episode's own length (E[T·score] ≠ 0: T depends on A_0)."""
    from numeric import FiniteMDP, TabularSoftmax
    from pgverify.audit import as_episodic

    F = Fraction
    mdp = FiniteMDP(P=[[[0, F(1, 2), F(1, 2)], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]],
                    r=[[1, 0], [0, 2], [0, 0]], discount=F(1, 2))
    emdp, weights = as_episodic(mdp), [[1, 2], [3, 1], [1, 1]]
    pol = TabularSoftmax.from_weights(weights)
    for N in (1, 2):
        got, _ = expected_output(COUNT, emdp, pol, N)
        want = _reference(emdp, weights, N, _count(emdp.absorbing))
        assert any(x != 0 for x in want)
        assert [Fraction(x) for x in got] == [Fraction(x) for x in want]


AC = read_box("\n".join([
    "Loop forever (for each episode):",
    "    $I \\leftarrow 1$",
    "    Loop while S is not terminal (for each time step):",
    "        $A \\sim \\pi(\\cdot|S, \\theta)$",
    "        Take action A, observe S', R",
    "        $\\delta \\leftarrow R + \\gamma \\hat{v}(S', w) - \\hat{v}(S, w)$ (if S' is terminal, then "
    "$\\hat{v}(S', w) \\doteq 0$)",
    "        $\\theta \\leftarrow \\theta + \\alpha I \\delta \\nabla \\ln \\pi(A|S, \\theta)$",
    "        $I \\leftarrow \\gamma I$",
    "        $S \\leftarrow S'$"]), profile="textbook")


def _actor_critic(emdp, w):
    """Σ_t γ^t (R_{t+1} + γ v̂(S_{t+1}) − v̂(S_t)) ∇ln π(A_t|S_t), v̂ = w, 0 at the terminal state."""
    lam, z = Fraction(emdp.mdp.discount), emdp.absorbing
    r = np.asarray(emdp.mdp.r, dtype=object)

    def est(tup, pi, S, A):
        g = np.full(S * A, Fraction(0), dtype=object)
        for states, actions, _ in tup:
            for t, (s, a) in enumerate(zip(states, actions)):
                if s == z:
                    break
                nxt = states[t + 1]
                v_next = Fraction(0) if nxt == z else w[nxt]
                g = g + lam ** t * (r[s, a] + lam * v_next - w[s]) * _score(pi, s, a, S, A)
        return g
    return est


@settings(max_examples=5, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(_models(), st.lists(st.integers(-3, 3), min_size=3, max_size=3))
def test_the_online_actor_critic_is_the_direct_enumeration(model, w):
    emdp, pol = model
    S = emdp.mdp.num_states
    w0 = [Fraction(x) for x in (w * S)[:S]]
    got, _ = expected_output(AC, emdp, pol, 1, inputs={"w": w0})
    want = _reference(emdp, np.asarray(pol.weights).tolist(), 1, _actor_critic(emdp, w0))
    assert [Fraction(x) for x in got] == [Fraction(x) for x in want]


def _fitted_elsewhere(emdp):
    """N = 1: ω̂ the tabular fit on a second, independent roll-out (0 at states it never visits), used on the first."""
    lam = Fraction(emdp.mdp.discount)

    def est(tup, pi, S, A):
        (states, actions, _), (fit_states, fit_actions, _) = tup
        G_fit, _ = _returns(emdp, fit_states, fit_actions)
        sums, counts = {}, {}
        for s, y in zip(fit_states, G_fit):
            sums[s], counts[s] = sums.get(s, Fraction(0)) + y, counts.get(s, 0) + 1
        G, _ = _returns(emdp, states, actions)
        g = np.full(S * A, Fraction(0), dtype=object)
        for t, (s, a) in enumerate(zip(states, actions)):
            b = sums[s] / counts[s] if s in counts else Fraction(0)
            g = g + lam ** t * (G[t] - b) * _score(pi, s, a, S, A)
        return g
    return est


def test_an_independent_fit_uses_the_other_rollouts():
    from numeric import FiniteMDP, TabularSoftmax
    from pgverify.audit import as_episodic

    F = Fraction
    mdp = FiniteMDP(P=[[[0, F(1, 2), F(1, 2)], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]],
                    r=[[1, 0], [0, 2], [0, 0]], discount=F(1, 2))
    emdp, weights = as_episodic(mdp), [[1, 2], [3, 1], [1, 1]]
    pol = TabularSoftmax.from_weights(weights)
    box = read_box("\n".join([
        r"$$\hat{\omega} \leftarrow \argmin \sum_{n=1}^N \sum_{t=1}^T (b_\omega(s_t^n) - G_n^t)^2$$",
        r"$$\hat{g} \leftarrow \sum_{n=1}^N \sum_{t=1}^T \lambda^{t-1}(G_n^t - b_{\hat\omega}(s_t^n))"
        r"\nabla_\theta \log\pi_\theta(a_t^n\vert s_t^n)$$"]))
    got, _ = expected_output(box, emdp, pol, 1, fit="independent")
    want = _reference(emdp, weights, 2, _fitted_elsewhere(emdp))
    assert any(x != 0 for x in want)
    assert [Fraction(x) for x in got] == [Fraction(x) for x in want]


def _fitted_linear(emdp):
    """ω̂ = argmin Σ (φ(s)ᵀω − G)², φ(s) = (1, s), by the 2×2 normal equations solved here (Cramer's rule)."""
    lam = Fraction(emdp.mdp.discount)

    def est(tup, pi, S, A):
        data = [(states, actions, _returns(emdp, states, actions)[0]) for states, actions, _ in tup]
        xs = [Fraction(s) for states, _, _ in data for s in states]
        ys = [y for _, _, G in data for y in G]
        n, sx, sxx = len(xs), sum(xs), sum(x * x for x in xs)
        sy, sxy = sum(ys), sum(x * y for x, y in zip(xs, ys))
        det = n * sxx - sx * sx
        assert det != 0   # the absorbing state's rows make every fit visit two states
        w0, w1 = (sxx * sy - sx * sxy) / det, (n * sxy - sx * sy) / det
        g = np.full(S * A, Fraction(0), dtype=object)
        for states, actions, G in data:
            for t, (s, a) in enumerate(zip(states, actions)):
                g = g + lam ** t * (G[t] - (w0 + w1 * s)) * _score(pi, s, a, S, A)
        return g / len(tup)
    return est


@settings(max_examples=5, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(_models(), st.sampled_from([1, 2]))
def test_the_linear_fit_is_the_direct_least_squares(model, N):
    emdp, pol = model
    got, _ = expected_output(FITTED, emdp, pol, N, baseline="linear")
    want = _reference(emdp, np.asarray(pol.weights).tolist(), N, _fitted_linear(emdp))
    assert [Fraction(x) for x in got] == [Fraction(x) for x in want]
