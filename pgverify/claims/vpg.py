"""Claims of the post's "Vanilla policy gradient" section and the REINFORCE pseudo-code (episodic MDPs).

Every expectation under 𝒯_θ is an exact sum over the enumerated trajectories
(:mod:`numeric.episodic`); an N-trajectory estimator's expectation is a sum
over all N-tuples.  ∇U on the other side is the reference gradient of the
Bellman solve.  Variance claims compare exact traces of covariance matrices.
The post's conventions: τ = (s_1, a_1, …, a_{T−1}, s_T), s_T absorbing (zero
reward), rewards r(s_t, a_t), U = v(s⁰); G_τ^t = Σ_{k=t}^{T} λ^{k−t} r(s_k, a_k)
(its k = T term is 0: s_T is absorbing).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

import numpy as np

from numeric.episodic import EpisodicMDP, Episodes, episodes, expect, is_zero, tuples
from numeric.estimators import (discounts, linear_baseline_fit, linear_baseline_weights, q_weighted_estimator, reward_to_go,
                                reward_to_go_estimator, tabular_baseline_fit, total_return, total_return_estimator,
                                undiscounted_estimator)
from numeric.mdp import FiniteMDP
from numeric.model import Model
from numeric.policies import TabularSoftmax
from pgverify.families.episodic import EPISODIC, Example, build_example, census_models, describe
from pgverify.search import Parameters, SearchResult, local_search, relative_margin
from pgverify.registry import POST_TEXT, claim
from pgverify.statement import MISSING, Chain, chain, conjunction, identity

SECTION = "Vanilla policy gradient"
PRACTICE = "Common practice"
FAMILIES = (EPISODIC,)
#: Roll-outs per batch of the REINFORCE claims (expectations over all N-tuples: keep N tiny).
ROLLOUTS = 2
#: How many seeded random episodic MDPs a variance claim's census draws.
CENSUS_DRAWS = 200
NO_SYMBOLIC = ("exact", "numeric")


# ---------------------------------------------------------------- helpers
def _d(m: Model, x: Any, otherwise: Callable[[], Any]) -> Any:
    """∇θx by differentiating x where the engine can (symbolic), else ``otherwise()`` (the chain rule by hand)."""
    return m.derivative(x) if m.arithmetic.name == "symbolic" else otherwise()


def _zeros_like(x: np.ndarray) -> np.ndarray:
    return x * 0


def trajectory_gradient(m: Model, ep: Episodes) -> np.ndarray:
    """∇θ𝒯_θ(τ) by the product rule on μ(s_1) ∏_t π_θ(a_t|s_t) 𝒫(s_{t+1}|s_t, a_t); shape (n, K).

    Differentiated directly (symbolic engine) or term by term:
    Σ_t ∇π_θ(a_t|s_t) ∏_{u≠t} π_θ(a_u|s_u) ∏_u 𝒫 μ — no logarithm, no score.
    """
    def by_hand() -> np.ndarray:
        rest = m.mu0[ep.states[:, 0]] * np.prod(ep.kernel, axis=1)
        T1 = ep.pi.shape[1]
        out = _zeros_like(ep.dpi[:, 0, :])
        for t in range(T1):
            others = np.prod(ep.pi[:, [u for u in range(T1) if u != t]], axis=1) if T1 > 1 else rest * 0 + 1
            out = out + ep.dpi[:, t, :] * (rest * others)[:, None]
        return out

    return _d(m, ep.prob, by_hand)


def _group_sum(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """out[i] = Σ_{j: keys[j] = keys[i]} values[j] (keys: (n,) or (n, m) ints)."""
    keys = keys.reshape(len(keys), -1)
    groups: dict[tuple[int, ...], Any] = {}
    for k, v in zip(map(tuple, keys), values):
        groups[k] = groups[k] + v if k in groups else v
    out = np.empty(values.shape, dtype=values.dtype)
    for i, k in enumerate(map(tuple, keys)):
        out[i] = groups[k]
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den entrywise along the first axis, 0 where den is an exact zero (an event of probability 0)."""
    out = _zeros_like(num)
    for i in range(len(den)):
        if not is_zero(den[i]):
            out[i] = num[i] / den[i]
    return out


def _state_probability(m: Model, ep: Episodes, t: int) -> np.ndarray:
    """P(s_t = s) by enumeration, t 0-based; shape (S,)."""
    onehot = (ep.states[:, t, None] == np.arange(m.S)).astype(np.int64)
    return expect(ep.prob, onehot * (ep.prob[:, None] * 0 + 1))


def _var(prob: np.ndarray, g: np.ndarray) -> Any:
    """tr Cov(g) = 𝔼‖g‖² − ‖𝔼g‖² over outcomes with probabilities ``prob``; g (n, K)."""
    mean = expect(prob, g)
    return expect(prob, (g * g).sum(axis=-1)) - (mean * mean).sum()


def _single(x: np.ndarray) -> np.ndarray:
    """A batch of one trajectory per outcome: (n, …) → (n, 1, …)."""
    return x[:, None]


def _score_sum(ep: Episodes) -> np.ndarray:
    return ep.score.sum(axis=1)


def _rtg(m: Model, ep: Episodes, baseline: np.ndarray | None = None) -> np.ndarray:
    """Single-trajectory reward-to-go estimates, (n, K)."""
    b = None if baseline is None else _single(baseline)
    return reward_to_go_estimator(_single(ep.rewards), _single(ep.score), m.lam, baseline=b)


def _total(m: Model, ep: Episodes) -> np.ndarray:
    return total_return_estimator(_single(ep.rewards), _single(ep.score), m.lam)


def _baseline_identity(m: Model, ep: Episodes, b_along: np.ndarray, label: str) -> Chain:
    return identity(m.grad_U, expect(ep.prob, _rtg(m, ep, b_along)), label=label)


def _smallest(m: Model, step: Any) -> tuple[Any, ...]:
    return m.extras["trajectories"].count, sum(abs(x) for x in m.r.ravel())


def _first_failure(steps: Any) -> int | None:
    return next((i for i, s in enumerate(steps) if not _holds_exact(s.lhs, s.relation, s.rhs)), None)


def census_failures(fn: Callable[[Model], Chain], seed: int, drawn: int, *,
                    rank: Callable[[Model, Any], Any] = _smallest,
                    margins: list[tuple[Fraction, Example]] | None = None
                    ) -> tuple[int, tuple[Example, Model, int] | None]:
    """Evaluate ``fn`` exactly on ``drawn`` seeded random episodic MDPs.

    Returns how many it held on and the failure of least ``rank(model, failing step)`` (by default the
    smallest: fewest trajectories, then smallest rewards) as (example, exact model, index of the first
    failing step), or None.  ``margins`` (if given) receives (relative margin of the first inequality
    step, example) for every example drawn: the starts of a guided search.
    """
    held, worst, best_size = 0, None, None
    for example, mdl in census_models(seed, drawn):
        steps = fn(mdl).steps
        if margins is not None:
            margins.append((_margin(steps), example))
        bad = _first_failure(steps)
        if bad is None:
            held += 1
            continue
        size = rank(mdl, steps[bad])
        if best_size is None or size < best_size:
            best_size, worst = size, (example, mdl, bad)
    return held, worst


def _margin(steps: Any) -> Fraction:
    """The smallest relative margin over the scalar inequality steps (negative: violated)."""
    return min(relative_margin(s.lhs, s.rhs, s.relation) for s in steps if s.relation != "=")


#: The guided search after a census that found no violation: this many starts (the census's examples
#: of smallest relative margin), at most SEARCH_BUDGET margin evaluations, a start left after
#: SEARCH_PATIENCE steps without improvement.
SEARCH_STARTS, SEARCH_BUDGET, SEARCH_PATIENCE = 12, 1500, 60
#: Bounds of the search's integer coordinates: transition weights, rewards, 10λ, policy weights e^θ.
WEIGHTS, REWARDS, TENTHS, EXP_THETA = (0, 6), (-6, 6), (0, 9), (1, 8)


def _parameters(example: Example) -> Parameters:
    """The integer coordinates of an example: layered transition weights, rewards, 10λ, e^θ."""
    emdp, policy, _ = example
    P, r, n = emdp.mdp.P, emdp.mdp.r, emdp.absorbing
    values: list[int] = []
    low: list[int] = []
    high: list[int] = []

    def add(v: int, bounds: tuple[int, int]) -> None:
        values.append(v)
        low.append(min(bounds[0], v))
        high.append(max(bounds[1], v))

    A = P.shape[1]
    for i in range(n):
        for a in range(A):
            row = [Fraction(x) for x in P[i, a, i + 1:]]
            scale = np.lcm.reduce([x.denominator for x in row])
            for x in row:
                add(int(x * scale), WEIGHTS)
    for i in range(n):
        for a in range(A):
            add(int(r[i, a]), REWARDS)
    add(int(Fraction(emdp.mdp.discount) * 10), TENTHS)
    for w in np.asarray(policy.weights, dtype=object).ravel():
        add(int(w), EXP_THETA)
    return Parameters(tuple(values), tuple(low), tuple(high))


def _example(like: Example, p: Parameters) -> Example | None:
    """The example with the coordinates ``p`` (the structure of ``like``; zero baselines), or None if a
    transition row is 0."""
    emdp = like[0]
    n, A = emdp.absorbing, emdp.mdp.P.shape[1]
    S = n + 1
    it = iter(p.values)
    P = np.zeros((S, A, S), dtype=object)
    for i in range(n):
        for a in range(A):
            w = [next(it) for _ in range(S - i - 1)]
            if sum(w) == 0:
                return None
            P[i, a, i + 1:] = [Fraction(v, sum(w)) for v in w]
    P[n, :, n] = 1
    r = np.zeros((S, A), dtype=object)
    for i in range(n):
        for a in range(A):
            r[i, a] = next(it)
    lam = Fraction(next(it), 10)
    X = [[next(it) for _ in range(A)] for _ in range(S)]
    emdp2 = EpisodicMDP(FiniteMDP(P, r, lam), absorbing=n, horizon=emdp.horizon)
    zeros = {"b": np.zeros(S, dtype=np.int64), "c": np.zeros((S, A), dtype=np.int64),
             "h": np.zeros(emdp2.trajectories().num_prefixes, dtype=np.int64)}
    return emdp2, TabularSoftmax.from_weights(X), zeros


def guided_search(fn: Callable[[Model], Chain], margins: list[tuple[Fraction, Example]], seed: int
                  ) -> tuple[SearchResult, Example | None]:
    """Local search on the relative margin from the census's closest calls (see :mod:`pgverify.search`)."""
    # A margin of exactly 0 is an equality (a one-step episode: reward-to-go = total return), no near miss.
    ordered = sorted(range(len(margins)), key=lambda i: (margins[i][0] == 0, margins[i][0], i))[:SEARCH_STARTS]
    likes = [margins[i][1] for i in ordered]
    starts = [_parameters(e) for e in likes]
    # The number of coordinates determines the number of states, hence the structure of the example.
    like_of = {len(p.values): like for p, like in zip(starts, likes)}

    def margin(p: Parameters) -> Fraction | None:
        example = _example(like_of[len(p.values)], p)
        return None if example is None else _margin(fn(build_example(example, True)).steps)

    result = local_search(margin, starts, seed=seed, budget=SEARCH_BUDGET, patience=SEARCH_PATIENCE)
    return result, None if result.found is None else _example(like_of[len(result.found.values)], result.found)


def census(fn: Callable[[Model], Chain], *, drawn: int = CENSUS_DRAWS) -> Callable[[int], dict[str, Any]]:
    """A census for an inequality claim: ``family``, ``drawn``, ``held_on``, the smallest ``counterexample``
    (its MDP, first failing step and both sides, exact) or None, and ``search``: when the random draws
    found no violation, a guided local search from the draws of smallest margin, with its effort."""
    def run(seed: int) -> dict[str, Any]:
        margins: list[tuple[Fraction, Example]] = []
        held, worst = census_failures(fn, seed, drawn, margins=margins)
        closest = min((m for m, _ in margins if m != 0), default=Fraction(0))  # exact equalities are no near miss
        search: dict[str, Any] = {"ran": False, "closest_drawn_margin": str(closest),
                                  "closest_drawn_margin_float": float(closest)}
        if worst is None:
            result, example = guided_search(fn, margins, seed)
            search = {**search, "ran": True, **result.effort()}
            if example is not None:
                mdl = build_example(example, True)
                worst = (example, mdl, _first_failure(fn(mdl).steps))
        found = None
        if worst is not None:
            example, mdl, bad = worst
            s = fn(mdl).steps[bad]
            found = {"example": describe(example), "step": s.label, "step_index": bad, "lhs": _strings(s.lhs),
                     "rhs": _strings(s.rhs)}
        return {"family": f"{EPISODIC} random layered S<=3+absorbing A=2 (seeded)", "drawn": drawn,
                "held_on": held, "counterexample": found, "search": search}
    return run


def _strings(x: Any) -> Any:
    arr = np.asarray(x, dtype=object)
    return str(arr[()]) if arr.ndim == 0 else [_strings(y) for y in arr]


def _holds_exact(lhs: Any, relation: str, rhs: Any) -> bool:
    ops = {"=": lambda x, y: x == y, "<=": lambda x, y: x <= y, ">": lambda x, y: x > y}
    return all(ops[relation](x, y) for x, y in zip(np.ravel(lhs), np.ravel(rhs)))


# ---------------------------------------------------------------- the trajectory measure
@claim("vpg.utility-as-expected-return", section=SECTION, families=FAMILIES,
       statement=POST_TEXT,
       note="U from the Bellman solve; the expectation by enumerating every τ (the series stops at T: s_T is "
            "absorbing with reward 0).")
def utility_as_expected_return(m: Model) -> Chain:
    ep = episodes(m)
    return identity(m.U, expect(ep.prob, total_return(ep.rewards, m.lam)), label="U(θ) = 𝔼[R_τ]")


@claim("vpg.likelihood-ratio", section=SECTION, families=FAMILIES,
       statement=POST_TEXT,
       note="As written the weight is ∇𝒯_θ(τ) (computed by the product rule), so the right-hand side is "
            "Σ_τ 𝒯_θ(τ)² R_τ ∇log 𝒯_θ(τ), not ∇U.")
def likelihood_ratio(m: Model) -> Chain:
    ep = episodes(m)
    R = total_return(ep.rewards, m.lam)
    return identity(m.grad_U, expect(ep.prob, R[:, None] * trajectory_gradient(m, ep)), label="∇U = 𝔼[R_τ ∇𝒯_θ(τ)]")


@claim("vpg.likelihood-ratio.corrected", section=SECTION, families=FAMILIES, corrects="vpg.likelihood-ratio",
       statement=r"\nabla_\theta U(\theta) = \mathbb{E}_{\tau\sim\mathcal{T}_\theta}"
                 r"\left[R_\tau \nabla_\theta \log\mathcal{T}_\theta(\tau)\right]",
       note="∇𝒯 replaced by ∇log 𝒯 = ∇𝒯/𝒯 (what the proof's third line has).")
def likelihood_ratio_corrected(m: Model) -> Chain:
    ep = episodes(m)
    R = total_return(ep.rewards, m.lam)
    grad_log = trajectory_gradient(m, ep) / ep.prob[:, None]
    return identity(m.grad_U, expect(ep.prob, R[:, None] * grad_log), label="∇U = 𝔼[R_τ ∇log𝒯_θ(τ)]")


def _likelihood_ratio_lines(m: Model) -> tuple[Chain, list[Any]]:
    ep = episodes(m)
    R = total_return(ep.rewards, m.lam)
    dT = trajectory_gradient(m, ep)
    grad_log = _score_sum(ep)  # ∇log𝒯 = Σ_t ∇log π (vpg.log-trajectory-gradient)
    ingredient = identity(dT, ep.prob[:, None] * grad_log, label="ingredient: ∇𝒯_θ(τ) = 𝒯_θ(τ) ∇log𝒯_θ(τ)")
    sum_RT = (R * ep.prob).sum()
    lines = [m.grad_U,
             _d(m, sum_RT, lambda: (R[:, None] * dT).sum(axis=0)),
             (R[:, None] * dT).sum(axis=0),
             (R[:, None] * ep.prob[:, None] * grad_log).sum(axis=0)]
    return ingredient, lines


@claim("vpg.likelihood-ratio.proof", section=SECTION, families=FAMILIES,
       statement=POST_TEXT,
       note="The ingredient ∇f = f∇log f on f = 𝒯_θ(τ), then the four displayed lines. The last line writes "
            "∇𝒯 where the line before has ∇log 𝒯.")
def likelihood_ratio_proof(m: Model) -> Chain:
    ingredient, lines = _likelihood_ratio_lines(m)
    ep = episodes(m)
    R = total_return(ep.rewards, m.lam)
    last = expect(ep.prob, R[:, None] * trajectory_gradient(m, ep))
    return conjunction(ingredient, chain(*lines, last, labels=(
        "∇U = ∇Σ_τ R𝒯", "∇Σ_τ R𝒯 = Σ_τ R∇𝒯", "Σ_τ R∇𝒯 = Σ_τ R𝒯∇log𝒯", "Σ_τ R𝒯∇log𝒯 = 𝔼[R∇𝒯]")))


@claim("vpg.likelihood-ratio.proof.corrected", section=SECTION, families=FAMILIES,
       corrects="vpg.likelihood-ratio.proof",
       statement=r"\ldots = \sum_\tau R(\tau)\mathcal{T}_\theta(\tau)\nabla_\theta\log\mathcal{T}_\theta(\tau) "
                 r"= \mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[R_\tau\nabla_\theta\log\mathcal{T}_\theta(\tau)\right]",
       note="The last line with ∇log 𝒯.")
def likelihood_ratio_proof_corrected(m: Model) -> Chain:
    ingredient, lines = _likelihood_ratio_lines(m)
    ep = episodes(m)
    R = total_return(ep.rewards, m.lam)
    last = expect(ep.prob, R[:, None] * _score_sum(ep))
    return conjunction(ingredient, chain(*lines, last, labels=(
        "∇U = ∇Σ_τ R𝒯", "∇Σ_τ R𝒯 = Σ_τ R∇𝒯", "Σ_τ R∇𝒯 = Σ_τ R𝒯∇log𝒯", "Σ_τ R𝒯∇log𝒯 = 𝔼[R∇log𝒯]")))


@claim("vpg.trajectory-probability", section=SECTION, families=FAMILIES,
       statement=POST_TEXT,
       note="For every enumerated τ. The joint law is the Markov chain's (it sums to 1 and its marginals are "
            "μᵀP_π^{t−1}); the conditionals of (i) are ratios of its marginals, summed over the trajectories "
            "sharing a history.")
def trajectory_probability(m: Model) -> Chain:
    ep = episodes(m)
    tr = ep.trajectories
    J = ep.prob
    T = tr.horizon
    history = tr.prefix[:, T - 2]  # (s_1, …, s_{T−1})
    prefix_marginal = _group_sum(history, J)
    with_action = _group_sum(np.stack([history, tr.actions[:, -1]], axis=1), J)
    line_i = _ratio(J, with_action) * _ratio(with_action, prefix_marginal) * prefix_marginal
    line_ii = ep.kernel[:, -1] * ep.pi[:, -1] * prefix_marginal
    s0 = next(s for s in range(m.S) if not is_zero(m.mu0[s]))
    indicator = (tr.states[:, 0] == s0).astype(np.int64)
    line_iii = indicator * np.prod(ep.kernel * ep.pi, axis=1)
    law = [identity(J.sum(), J.sum() * 0 + 1, label="Σ_τ 𝒯_θ(τ) = 1")]
    marginal = m.mu0
    for t in range(T):
        law.append(identity(_state_probability(m, ep, t), marginal, label=f"P(s_{t + 1} = s) = μᵀP_π^{t}"))
        marginal = marginal @ m.P_pi
    return conjunction(*law, chain(J, line_i, line_ii, line_iii, labels=("(i)", "(ii)", "(iii)")))


@claim("vpg.log-trajectory-gradient", section=SECTION, families=FAMILIES,
       statement=POST_TEXT,
       note="For every enumerated τ (all have s_1 = s⁰); the left side is ∇𝒯/𝒯 with ∇𝒯 differentiated directly.")
def log_trajectory_gradient(m: Model) -> Chain:
    ep = episodes(m)
    lhs = trajectory_gradient(m, ep) / ep.prob[:, None]
    kernel_part = _d(m, ep.kernel, lambda: _zeros_like(ep.dpi)) / ep.kernel[:, :, None]
    middle = (kernel_part + ep.dpi / ep.pi[:, :, None]).sum(axis=1)
    return chain(lhs, middle, _score_sum(ep), labels=("∇log𝒯 = ∇Σ_t[log𝒫 + logπ]", "= Σ_t ∇logπ"))


@claim("vpg.gradient", section=SECTION, families=FAMILIES,
       statement=POST_TEXT)
def gradient(m: Model) -> Chain:
    ep = episodes(m)
    return identity(m.grad_U, expect(ep.prob, _total(m, ep)), label="∇U = 𝔼[R_τ Σ_t ∇logπ]")


# ---------------------------------------------------------------- temporal structure
def _pairs(T: int) -> list[tuple[int, int]]:
    return [(k, t) for t in range(T - 1) for k in range(t)]


@claim("vpg.past-rewards-vanish", section=SECTION, families=FAMILIES,
       statement=POST_TEXT,
       note="The display stops after the expectation: there is no right-hand side. Read under "
            "vpg.past-rewards-vanish.reading.")
def past_rewards_vanish(m: Model) -> Chain:
    ep = episodes(m)
    terms = [expect(ep.prob, ep.rewards[:, k, None] * ep.score[:, t]) for k, t in _pairs(ep.trajectories.horizon)]
    return identity(np.array(terms, dtype=object), MISSING, label="𝔼[r_k ∇logπ(a_t|s_t)] (no right-hand side)")


@claim("vpg.past-rewards-vanish.reading", section=SECTION, families=FAMILIES, corrects="vpg.past-rewards-vanish",
       statement=POST_TEXT,
       note="The evident reading (the proof's conclusion): = 0 for every 1 ≤ k < t ≤ T − 1, with the proof's "
            "lines (i), (ii), the expectation over a', and 0; conditional expectations by enumeration. "
            "Vacuous when T = 2.")
def past_rewards_vanish_reading(m: Model) -> Chain:
    ep = episodes(m)
    pairs = _pairs(ep.trajectories.horizon)
    if not pairs:
        zero = m.lam * 0
        return identity(zero, zero, label="no 1 ≤ k < t ≤ T − 1: vacuous")
    lines: list[list[Any]] = [[], [], [], [], []]
    for k, t in pairs:
        s, a, s_t = ep.now[:, k], ep.actions[:, k], ep.now[:, t]
        key = np.stack([s, a, s_t], axis=1)
        joint = _group_sum(key, ep.prob)
        weighted = ep.prob[:, None] * ep.score[:, t]
        cond_full = _ratio(_group_sum(key, weighted), joint)
        p_state = _group_sum(s_t, ep.prob)
        cond_state = _ratio(_group_sum(s_t, weighted), p_state)
        policy_mean = (m.pi[:, :, None] * m.score).sum(axis=1)[s_t]
        # Σ over distinct (s, a, s') = Σ over trajectories of prob/joint (each group weighs 1 in total).
        per_key = _ratio(ep.prob, joint)[:, None] * (m.r[s, a] * joint)[:, None]
        lines[0].append(expect(ep.prob, ep.rewards[:, k, None] * ep.score[:, t]))
        lines[1].append((per_key * cond_full).sum(axis=0))
        lines[2].append((per_key * cond_state).sum(axis=0))
        lines[3].append((per_key * policy_mean).sum(axis=0))
        lines[4].append(_zeros_like(lines[0][-1]))
    arrays = [np.array(x, dtype=object) for x in lines]
    return chain(*arrays, labels=("(i) total expectation", "(ii) temporal structure", "𝔼[·|s_t=s'] = 𝔼_{a'∼π}",
                                  "𝔼_{a'∼π}[∇logπ] = 0"))


@claim("vpg.score-mean-zero", section=SECTION, families=(EPISODIC, "tabular-softmax"),
       statement=POST_TEXT,
       note="For every state s'. ∇Σπ is differentiated directly in the symbolic engine.")
def score_mean_zero(m: Model) -> Chain:
    weighted = (m.pi[:, :, None] * m.score).sum(axis=1)
    summed = m.dpi.sum(axis=1)
    zero = _zeros_like(summed)
    return chain(weighted, weighted, summed, _d(m, m.pi.sum(axis=1), lambda: summed), zero, labels=(
        "𝔼_{a'∼π} = Σ_a' π ∇logπ", "Σ π∇logπ = Σ ∇π", "Σ ∇π = ∇Σπ", "∇Σπ = ∇1 = 0"))


@claim("vpg.reward-to-go", section=SECTION, families=FAMILIES,
       statement=POST_TEXT,
       note="The identity, and the three-line proof ∇U = 𝔼[R Σ∇logπ] = 𝔼[Σ_t ∇logπ Σ_{k=1}^{T−1} λ^{k−1} r_k] = "
            "𝔼[Σ_t ∇logπ Σ_{k=t}^{T−1} λ^{k−1} r_k]. G sums to T and the proof to T − 1: the same, since r at the "
            "absorbing s_T is 0; λ^{t−1}λ^{k−t} = λ^{k−1}.")
def reward_to_go_claim(m: Model) -> Chain:
    ep = episodes(m)
    lam_k = discounts(m.lam, ep.rewards.shape[1])
    disc_r = ep.rewards * lam_k
    T1 = ep.rewards.shape[1]
    all_k = disc_r.sum(axis=1)
    line2 = expect(ep.prob, (ep.score * all_k[:, None, None]).sum(axis=1))
    future = np.stack([disc_r[:, t:].sum(axis=1) for t in range(T1)], axis=1)
    line3 = expect(ep.prob, (ep.score * future[:, :, None]).sum(axis=1))
    statement = identity(m.grad_U, expect(ep.prob, _rtg(m, ep)), label="∇U = 𝔼[Σ_t λ^{t−1} G^t ∇logπ]")
    proof = chain(m.grad_U, expect(ep.prob, _total(m, ep)), line2, line3,
                  labels=("proof line 1", "proof line 2", "proof line 3 (drop k < t)"))
    return conjunction(statement, proof)


@claim("vpg.reward-to-go.conditional-mean", section=SECTION, families=FAMILIES,
       statement=r"\mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[G_\tau^t\middle\vert s_t,a_t\right] = "
                 r"q_\lambda^{\pi_\theta}(s_t,a_t)",
       note="For every round t ≤ T − 1 and every (s, a) with P(s_t = s, a_t = a) ≠ 0; q with the discount "
            "(setting.action-value-function.corrected).")
def conditional_mean(m: Model) -> Chain:
    ep = episodes(m)
    G = reward_to_go(ep.rewards, m.lam)
    lhs, rhs = [], []
    for t in range(G.shape[1]):
        key = np.stack([ep.now[:, t], ep.actions[:, t]], axis=1)
        p = _group_sum(key, ep.prob)
        cond = _ratio(_group_sum(key, ep.prob * G[:, t]), p)
        seen: set[tuple[int, int]] = set()
        for i, (s, a) in enumerate(map(tuple, key)):
            if (s, a) not in seen and not is_zero(p[i]):
                seen.add((s, a))
                lhs.append(cond[i])
                rhs.append(m.q[s, a])
    return identity(np.array(lhs, dtype=object), np.array(rhs, dtype=object), label="𝔼[G^t | s_t, a_t] = q(s_t, a_t)")


@claim("vpg.q-weighted-gradient", section=SECTION, families=FAMILIES,
       statement=POST_TEXT)
def q_weighted_gradient(m: Model) -> Chain:
    ep = episodes(m)
    g = q_weighted_estimator(_single(m.q[ep.now, ep.actions]), _single(ep.score), m.lam)
    return identity(m.grad_U, expect(ep.prob, g), label="∇U = 𝔼[Σ_t λ^{t−1} q ∇logπ]")


# ---------------------------------------------------------------- baselines
@claim("vpg.baseline", section=SECTION, families=FAMILIES,
       statement=POST_TEXT,
       note="b an arbitrary function of the state (symbols b_s in the symbolic family). The lemma's six-line "
            "proof is checked for every round t ≤ T − 1 (a_T is not part of τ; at s_T the lemma is "
            "vpg.score-mean-zero).")
def baseline(m: Model) -> Chain:
    ep = episodes(m)
    b = m.extras["b"]
    statement = _baseline_identity(m, ep, b[ep.now], "∇U = 𝔼[Σ λ^{t−1}(G^t − b(s_t))∇logπ]")
    lines: list[list[Any]] = [[] for _ in range(7)]
    for t in range(ep.now.shape[1]):
        s_t = ep.now[:, t]
        p = _state_probability(m, ep, t)
        cond = _ratio(np.stack([expect(ep.prob, ep.score[:, t] * (s_t == s)[:, None].astype(np.int64))
                                for s in range(m.S)]), p)
        bp = (b * p)[:, None]
        lines[0].append(expect(ep.prob, b[s_t][:, None] * ep.score[:, t]))
        lines[1].append((bp * cond).sum(axis=0))
        policy_mean = (m.pi[:, :, None] * m.score).sum(axis=1)
        lines[2].append((bp * policy_mean).sum(axis=0))
        lines[3].append((bp * policy_mean).sum(axis=0))
        lines[4].append((bp * m.dpi.sum(axis=1)).sum(axis=0))
        lines[5].append((bp * _d(m, m.pi.sum(axis=1), lambda: m.dpi.sum(axis=1))).sum(axis=0))
        lines[6].append(_zeros_like(lines[0][-1]))
    lemma = chain(*[np.array(x, dtype=object) for x in lines], labels=(
        "lemma (i) condition on s_t", "lemma: 𝔼[·|s_t=s] = 𝔼_{a∼π(·|s)}", "lemma: = Σ_a π ∇logπ",
        "lemma: = Σ_a ∇π", "lemma: = ∇Σ_a π", "lemma (ii): = ∇1 = 0"))
    return conjunction(statement, lemma)


@claim("vpg.baseline.random", section=SECTION, families=FAMILIES,
       statement=r"b(s_t)\to b_t \text{ with appropriate measurability (not depending on } a_t):\ "
                 r"\nabla_\theta U(\theta) = \mathbb{E}\left[\sum_{t=1}^{T-1}\lambda^{t-1}\left(G_\tau^t-b_t\right)"
                 r"\nabla_\theta\log\pi_\theta(a_t\vert s_t)\right]",
       note="b_t an arbitrary function of the history (s_1, a_1, …, s_t) (one symbol h_j per history in the "
            "symbolic family). vpg.baseline.random.action-dependent checks a baseline that looks at a_t.")
def baseline_random(m: Model) -> Chain:
    ep = episodes(m)
    h = m.extras["h"][ep.trajectories.prefix]
    lemma = identity(expect(ep.prob, h[:, :, None] * ep.score), _zeros_like(expect(ep.prob, ep.score)),
                     label="𝔼[b_t ∇logπ(a_t|s_t)] = 0 for every t")
    return conjunction(_baseline_identity(m, ep, h, "∇U = 𝔼[Σ λ^{t−1}(G^t − b_t(history))∇logπ]"), lemma)


@claim("vpg.baseline.random.action-dependent", section=SECTION, families=FAMILIES, corrects="vpg.baseline.random",
       statement=r"b_t = c(s_t,a_t):\ \nabla_\theta U(\theta) = \mathbb{E}\left[\sum_{t=1}^{T-1}\lambda^{t-1}\left("
                 r"G_\tau^t-c(s_t,a_t)\right)\nabla_\theta\log\pi_\theta(a_t\vert s_t)\right]",
       note="Not a claim of the post, which forbids it: the identity with a baseline that depends on a_t "
            "(c arbitrary). A refutation here confirms that the post's measurability condition is needed.")
def baseline_action_dependent(m: Model) -> Chain:
    ep = episodes(m)
    return _baseline_identity(m, ep, m.extras["c"][ep.now, ep.actions], "∇U = 𝔼[Σ λ^{t−1}(G^t − c(s_t, a_t))∇logπ]")


@claim("vpg.value-baseline", section=SECTION, families=FAMILIES,
       statement=POST_TEXT)
def value_baseline(m: Model) -> Chain:
    ep = episodes(m)
    return _baseline_identity(m, ep, m.v[ep.now], "∇U = 𝔼[Σ λ^{t−1}(G^t − v(s_t))∇logπ]")


# ---------------------------------------------------------------- variance
def variance_reward_to_go(m: Model) -> Chain:
    ep = episodes(m)
    return identity(_var(ep.prob, _rtg(m, ep)), _var(ep.prob, _total(m, ep)), relation="<=",
                    label="tr Cov(reward-to-go) ≤ tr Cov(total return)")


def variance_value_baseline(m: Model) -> Chain:
    ep = episodes(m)
    return identity(_var(ep.prob, _rtg(m, ep, m.v[ep.now])), _var(ep.prob, _rtg(m, ep)), relation="<=",
                    label="tr Cov(reward-to-go − v) ≤ tr Cov(reward-to-go)")


claim("vpg.variance.reward-to-go", section=SECTION, families=FAMILIES, methods=NO_SYMBOLIC,
      statement=r"\operatorname{tr}\operatorname{Cov}\Big[\sum_{t=1}^{T-1}\lambda^{t-1}G_\tau^t\nabla_\theta\log"
                r"\pi_\theta(a_t\vert s_t)\Big] \le \operatorname{tr}\operatorname{Cov}\Big[R_\tau\sum_{t=1}^{T-1}"
                r"\nabla_\theta\log\pi_\theta(a_t\vert s_t)\Big]",
      note="Single-trajectory estimators, exact traces of covariance by enumeration; the census says on how "
           "many seeded random episodic MDPs it held and, when it held on all, how a guided local search from the "
           "closest draws fared.", census=census(variance_reward_to_go))(variance_reward_to_go)

claim("vpg.variance.value-baseline", section=SECTION, families=FAMILIES, methods=NO_SYMBOLIC,
      statement=r"\operatorname{tr}\operatorname{Cov}\Big[\sum_t\lambda^{t-1}(G_\tau^t-v_\lambda^{\pi_\theta}(s_t))"
                r"\nabla_\theta\log\pi_\theta(a_t\vert s_t)\Big] \le \operatorname{tr}\operatorname{Cov}\Big["
                r"\sum_t\lambda^{t-1}G_\tau^t\nabla_\theta\log\pi_\theta(a_t\vert s_t)\Big]",
      note="Single-trajectory estimators, exact traces of covariance by enumeration; the census says on how "
           "many seeded random episodic MDPs it held and, when it held on all, how a guided local search from the "
           "closest draws fared.", census=census(variance_value_baseline))(variance_value_baseline)


# ---------------------------------------------------------------- REINFORCE
def _full_G(m: Model, ep: Episodes) -> np.ndarray:
    """G^t for t = 1, …, T (G^T = 0 at the absorbing s_T); shape (n, T)."""
    G = reward_to_go(ep.rewards, m.lam)
    return np.concatenate([G, _zeros_like(G[:, :1])], axis=1)


def reinforce_estimate(m: Model, ep: Episodes, fit_idx: np.ndarray, use_idx: np.ndarray, *,
                       linear: bool = False) -> np.ndarray:
    """REINFORCE's ĝ on the roll-outs ``use_idx`` (M, N) with the baseline fitted on ``fit_idx`` (M, N'); (M, K).

    The pseudo-code's sum runs to t = T; its last term is 0 (G^T = 0 and the fitted b at the absorbing s_T is
    the mean of zeros for the tabular fit), so rounds 1, …, T − 1 are summed.
    """
    G = _full_G(m, ep)
    if linear:  # fitted values exist on the fitted roll-outs only: used with fit_idx = use_idx
        phi = m.extras["features"]
        b = linear_baseline_fit(phi[ep.states[fit_idx]], G[fit_idx])[..., :-1]
    else:
        omega = tabular_baseline_fit(ep.states[fit_idx], G[fit_idx], m.S)
        b = omega[np.arange(len(use_idx))[:, None, None], ep.now[use_idx]]
    return reward_to_go_estimator(ep.rewards[use_idx], ep.score[use_idx], m.lam, baseline=b)


def _expected_estimate(m: Model) -> np.ndarray:
    """𝔼[ĝ] over every N-tuple of roll-outs (N = ROLLOUTS), ω̂ fitted on the same roll-outs as the pseudo-code
    does; shape (K,)."""
    ep = episodes(m)
    idx, p = tuples(ep.prob, ROLLOUTS)
    return expect(p, reinforce_estimate(m, ep, idx, idx))


@claim("reinforce.baseline-fit", section=SECTION, families=FAMILIES,
       statement=POST_TEXT,
       note=f"For a tabular b_ω the per-state sample mean ω̂ of the observed reward-to-go is the argmin: the "
            f"objective is a convex quadratic and its gradient 2 Σ_n Σ_t 1[s_t^n = s](ω_s − G_n^t) vanishes at ω̂ "
            f"(unvisited states do not enter it); every N-tuple of roll-outs, N = {ROLLOUTS}, t = 1, …, T.")
def baseline_fit(m: Model) -> Chain:
    ep = episodes(m)
    idx, _ = tuples(ep.prob, ROLLOUTS)
    G = _full_G(m, ep)[idx]
    states = ep.states[idx]
    omega = tabular_baseline_fit(states, G, m.S)
    residual = omega[np.arange(len(idx))[:, None, None], states] - G
    onehot = (states[..., None] == np.arange(m.S)).astype(np.int64)
    gradient = 2 * (residual[..., None] * onehot).sum(axis=(1, 2))
    return identity(gradient, _zeros_like(gradient), label="∂/∂ω Σ(b_ω(s) − G)² = 0 at the per-state mean")


@claim("reinforce.gradient-estimate", section=SECTION, families=FAMILIES,
       statement=POST_TEXT,
       note="As written the display assigns ĝ_n, with an n that no sum binds (the Σ_n on the right binds its own "
            "n): one estimate per n = 1, …, N against one ∇U, a free index. The evident reading (ĝ, the average "
            "over the N roll-outs) is checked under reinforce.gradient-estimate.reading.")
def gradient_estimate(m: Model) -> Chain:
    return identity(np.stack([_expected_estimate(m)] * ROLLOUTS), m.grad_U, label="𝔼[ĝ_n] = ∇U for a free n")


@claim("reinforce.gradient-estimate.reading", section=SECTION, families=FAMILIES,
       corrects="reinforce.gradient-estimate",
       statement=r"\hat g \leftarrow \frac{1}{N}\sum_{n=1}^N \sum_{t=1}^T \lambda^{t-1}\left(G_n^t - "
                 r"b_{\hat\omega}(s_t^n)\right)\nabla_\theta \log\pi_\theta(a_t^n\vert s_t^n):\ "
                 r"\mathbb{E}[\hat g] = \nabla_\theta U(\theta)",
       note=f"ω̂ (tabular) fitted on the same N = {ROLLOUTS} roll-outs, as the pseudo-code does; the expectation "
            f"is over all N-tuples. The fitted b(s_t^n) depends on a_t^n through G_n^t, so the baseline lemma does "
            f"not apply.")
def gradient_estimate_reading(m: Model) -> Chain:
    return identity(_expected_estimate(m), m.grad_U, label="𝔼[ĝ] = ∇U (same roll-outs)")


@claim("reinforce.gradient-estimate.corrected", section=SECTION, families=FAMILIES,
       corrects="reinforce.gradient-estimate.reading",
       statement=r"\hat\omega \text{ fitted on independent roll-outs}:\ \mathbb{E}[\hat g] = \nabla_\theta U(\theta)",
       note="The tabular baseline fitted on an independent roll-out (one for the fit, one for ĝ; the expectation "
            "over both) is a function of s_t only given the fit, so ĝ is unbiased.")
def gradient_estimate_corrected(m: Model) -> Chain:
    ep = episodes(m)
    idx, p = tuples(ep.prob, 2)
    return identity(expect(p, reinforce_estimate(m, ep, idx[:, :1], idx[:, 1:])), m.grad_U,
                    label="𝔼[ĝ] = ∇U (tabular baseline fitted on independent roll-outs)")


@claim("reinforce.gradient-estimate.linear", section=SECTION, families=FAMILIES, methods=NO_SYMBOLIC,
       corrects="reinforce.gradient-estimate.reading",
       statement=r"b_\omega(s) = \phi(s)^\top\omega \text{ fitted on the same roll-outs}:\ \mathbb{E}[\hat g] = "
                 r"\nabla_\theta U(\theta)",
       note=f"The same claim with a baseline linear in the features φ(s) = (1, s), fitted by least squares on the "
            f"same N = {ROLLOUTS} roll-outs.")
def gradient_estimate_linear(m: Model) -> Chain:
    ep = episodes(m)
    idx, p = tuples(ep.prob, ROLLOUTS)
    return identity(expect(p, reinforce_estimate(m, ep, idx, idx, linear=True)), m.grad_U,
                    label="𝔼[ĝ] = ∇U (linear baseline, same roll-outs)")


@claim("reinforce.gradient-estimate.linear.corrected", section=SECTION, families=FAMILIES,
       corrects="reinforce.gradient-estimate.linear",
       statement=r"b_\omega(s) = \phi(s)^\top\omega \text{ fitted on independent roll-outs}:\ \mathbb{E}[\hat g] = "
                 r"\nabla_\theta U(\theta)",
       note="The linear baseline φ(s)ᵀω̂, φ(s) = (1, s), ω̂ from the normal equations on an independent roll-out "
            "(the expectation over both roll-outs). Proved symbolically on the episodic family (ω̂ a ratio of sums "
            "over every pair of roll-outs: 0.3 s in python-flint rational functions, about 20 s in SymPy's field).")
def gradient_estimate_linear_corrected(m: Model) -> Chain:
    ep = episodes(m)
    idx, p = tuples(ep.prob, 2)
    fit, use = idx[:, :1], idx[:, 1:]
    phi = m.extras["features"]
    omega = linear_baseline_weights(phi[ep.states[fit]], _full_G(m, ep)[fit])
    b = (phi[ep.now[use]] * omega[:, None, None, :]).sum(axis=-1)
    g = reward_to_go_estimator(ep.rewards[use], ep.score[use], m.lam, baseline=b)
    return identity(expect(p, g), m.grad_U, label="𝔼[ĝ] = ∇U (linear baseline fitted on independent roll-outs)")


def _ascent_slopes(m: Model) -> Any:
    """∇U·𝔼[ĝ] with ĝ as in reinforce.gradient-estimate.reading, or None when ∇U = 0 (the claim is vacuous)."""
    if all(is_zero(g) for g in m.grad_U):
        return None
    return (m.grad_U * _expected_estimate(m)).sum()


@claim("reinforce.ascent-step", section=SECTION, families=FAMILIES, methods=NO_SYMBOLIC,
       statement=POST_TEXT,
       note="As written the update uses ĝ_n with the free n of reinforce.gradient-estimate: one step per n against "
            "one claim, a free index. The evident reading (θ ← θ + ηĝ) is checked under reinforce.ascent-step.reading.")
def ascent_step(m: Model) -> Chain:
    zero = m.lam * 0
    slope = _ascent_slopes(m)
    slopes = np.array([zero if slope is None else slope] * ROLLOUTS, dtype=object)
    return identity(slopes, zero, relation=">", label="∇U·𝔼[ĝ_n] > 0 for a free n")


@claim("reinforce.ascent-step.reading", section=SECTION, families=FAMILIES, methods=NO_SYMBOLIC,
       corrects="reinforce.ascent-step",
       statement=r"\theta \leftarrow \theta + \eta\cdot\hat g:\ U \text{ increases for every small enough } \eta > 0 "
                 r"\text{ whenever } \nabla_\theta U(\theta) \neq 0",
       note=f"d/dη 𝔼[U(θ + ηĝ)] at η = 0 is ∇U·𝔼[ĝ] (ĝ as in reinforce.gradient-estimate.reading, N = {ROLLOUTS}); "
            f"U increases for every small enough η > 0 when it is > 0 and decreases when it is < 0. Vacuous "
            f"when ∇U = 0.")
def ascent_step_reading(m: Model) -> Chain:
    zero = m.lam * 0
    slope = _ascent_slopes(m)
    if slope is None:
        return identity(zero, zero, label="∇U = 0: vacuous")
    return identity(slope, zero, relation=">", label="∇U·𝔼[ĝ] > 0")


# ---------------------------------------------------------------- common practice
@claim("practice.undiscounted-score-weighting", section=PRACTICE, families=FAMILIES,
       statement=r"\mathbb{E}\left[\sum_t G_\tau^t\nabla_\theta\log\pi_\theta(a_t\vert s_t)\right] = "
                 r"\nabla_\theta U(\theta)",
       note="The reward-to-go estimator without λ^{t−1} [Nota & Thomas 2020].")
def undiscounted_score_weighting(m: Model) -> Chain:
    ep = episodes(m)
    g = undiscounted_estimator(_single(ep.rewards), _single(ep.score), m.lam)
    return identity(expect(ep.prob, g), m.grad_U, label="𝔼[Σ_t G^t ∇logπ] = ∇U")


@claim("practice.undiscounted-score-weighting.corrected", section=PRACTICE, families=FAMILIES,
       corrects="practice.undiscounted-score-weighting",
       statement=r"\mathbb{E}\left[\sum_t\lambda^{t-1}G_\tau^t\nabla_\theta\log\pi_\theta(a_t\vert s_t)\right] = "
                 r"\nabla_\theta U(\theta)",
       note="The factor λ^{t−1} restored (this is vpg.reward-to-go); without it the estimator is unbiased only "
            "for λ = 1 or when only t = 1 contributes.")
def undiscounted_score_weighting_corrected(m: Model) -> Chain:
    ep = episodes(m)
    return identity(expect(ep.prob, _rtg(m, ep)), m.grad_U, label="𝔼[Σ_t λ^{t−1} G^t ∇logπ] = ∇U")
