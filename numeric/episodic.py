"""Episodic MDPs (an absorbing, zero-reward state reached within T rounds) and trajectory enumeration.

The post's vanilla policy gradient lives on trajectories τ = (s_1, a_1, …,
a_{T−1}, s_T) drawn from the measure 𝒯_θ induced by the kernel and the
policy.  When every path from s⁰ is in the absorbing state by round T, the
sum over τ is finite and every expectation under 𝒯_θ is an exact finite sum:

    𝒯_θ(τ) = μ(s_1) ∏_{t=1}^{T−1} π_θ(a_t|s_t) 𝒫_{s_t}^{a_t}(s_{t+1}),
    𝔼_{τ∼𝒯_θ}[f(τ)] = Σ_τ 𝒯_θ(τ) f(τ).

Enumeration works in the arithmetic of the model (float64, exact Fractions,
degree bounds, SymPy rational functions): the support of the kernel decides
which trajectories exist, the model's arrays give their probabilities.
Policies act in every state, the absorbing one included (its rewards are 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from numeric.arithmetic import Degree
from numeric.errors import InvalidArgumentError, InvalidMDPError
from numeric.limits import limit as limit_in_force
from numeric.limits import progress, refuse_above
from numeric.evaluation import Policy, model
from numeric.mdp import STOCHASTIC_ATOL, FiniteMDP
from numeric.model import Model

__all__ = ["EpisodicMDP", "EnumeratedTrajectories", "Episodes", "count_trajectories", "enumerate_trajectories",
           "episodic_model", "episodes", "expect", "tuples", "is_zero", "trajectory_probabilities",
           "path_probabilities"]


def is_zero(x: Any) -> bool:
    """Exact structural zero test in any of the arithmetics (a degree bound knows its zeros)."""
    return x.zero if isinstance(x, Degree) else bool(x == 0)


@dataclass(frozen=True, eq=False)
class EpisodicMDP:
    """A :class:`FiniteMDP` whose every path from s⁰ is absorbed within ``horizon`` rounds.

    Attributes:
      mdp: the MDP (``P[s, a, s']``, ``r[s, a]``, λ, s⁰ or μ).
      absorbing: the index of the absorbing state: 𝒫_abs^a(abs) = 1 and r(abs, a) = 0 for every a.
      horizon: T ≥ 1; s_T is the absorbing state on every path with positive probability,
        whatever the policy (checked on the support graph of P).

    >>> from fractions import Fraction as F
    >>> chain = FiniteMDP(P=[[[0, F(1, 2), F(1, 2)]], [[0, 0, 1]], [[0, 0, 1]]], r=[[1], [2], [0]],
    ...                   discount=F(1, 2))
    >>> EpisodicMDP(chain, absorbing=2, horizon=3).horizon
    3
    >>> EpisodicMDP(chain, absorbing=2, horizon=2)
    Traceback (most recent call last):
    ...
    numeric.errors.InvalidMDPError: horizon=2 is too short: the path 0 -a0-> 1 is not in the absorbing state 2 at round 2; every path from the initial state must reach it within T rounds
    """

    mdp: FiniteMDP
    absorbing: int
    horizon: int

    def __post_init__(self) -> None:
        if not isinstance(self.mdp, FiniteMDP):
            raise InvalidMDPError(f"mdp must be a numeric.FiniteMDP, got {type(self.mdp).__name__}")
        S = self.mdp.num_states
        if not isinstance(self.absorbing, (int, np.integer)) or isinstance(self.absorbing, bool) or not 0 <= self.absorbing < S:
            raise InvalidMDPError(f"absorbing={self.absorbing!r} must be a state index in [0, {S})")
        if not isinstance(self.horizon, (int, np.integer)) or isinstance(self.horizon, bool) or self.horizon < 1:
            raise InvalidMDPError(f"horizon={self.horizon!r} must be an integer T >= 1")
        object.__setattr__(self, "absorbing", int(self.absorbing))
        object.__setattr__(self, "horizon", int(self.horizon))
        P, r, z = self.mdp.P, self.mdp.r, self.absorbing
        for a in range(self.mdp.num_actions):
            stay = P[z, a, z]
            if not (stay == 1 if self.mdp.exact else abs(float(stay) - 1) <= STOCHASTIC_ATOL):
                raise InvalidMDPError(f"P[{z}, {a}, {z}] = {stay}: the absorbing state {z} must loop to itself "
                                      f"with probability 1")
            if r[z, a] != 0:
                raise InvalidMDPError(f"r[{z}, {a}] = {r[z, a]}: the absorbing state {z} must have reward 0")
        escape = _escaping_path(P, self.mdp.mu0, z, self.horizon)
        if escape is not None:
            path, forever = escape
            shown = " ".join(f"{s} -a{a}->" for s, a in path[:-1]) + f" {path[-1][0]}"
            if forever:
                raise InvalidMDPError(f"horizon={self.horizon} is too short, and so is every horizon: the path {shown} "
                                      f"can go on around a cycle that never reaches the absorbing state {z}")
            raise InvalidMDPError(f"horizon={self.horizon} is too short: the path {shown} is not in the absorbing "
                                  f"state {z} at round {self.horizon}; every path from the initial state must reach "
                                  f"it within T rounds")

    @property
    def num_states(self) -> int:
        return self.mdp.num_states

    @property
    def num_actions(self) -> int:
        return self.mdp.num_actions

    @property
    def exact(self) -> bool:
        return self.mdp.exact

    def trajectories(self) -> "EnumeratedTrajectories":
        """Every trajectory of positive probability under some policy (see :func:`enumerate_trajectories`).

        Enumerated once per record (the record and its arrays are immutable; the listing's arrays are
        read-only): drawing an example and building its float64 and exact models share one listing.
        """
        listed = self.__dict__.get("_trajectories")
        if listed is None:
            listed = enumerate_trajectories(self.mdp.P, self.mdp.mu0, self.horizon)
            for a in (listed.states, listed.actions, listed.prefix):
                a.flags.writeable = False
            object.__setattr__(self, "_trajectories", listed)
        return listed

    def to_float(self) -> "EpisodicMDP":
        return EpisodicMDP(self.mdp.to_float(), self.absorbing, self.horizon)

    def __repr__(self) -> str:
        return f"EpisodicMDP({self.mdp!r}, absorbing={self.absorbing}, horizon={self.horizon})"


def _escaping_path(P: np.ndarray, mu0: np.ndarray, absorbing: int,
                   horizon: int) -> tuple[list[tuple[int, int]], bool] | None:
    """A path (s_1, a_1), …, (s_T, −) of the support graph with s_T ≠ absorbing, or None.

    The second item is True when the reachable sets have started to repeat before round T with a
    non-absorbing state among them: then no horizon suffices, and the path shown is the one at the
    repeat.  Stops as soon as only the absorbing state is reachable, so a long horizon costs little.
    """
    S, A, _ = P.shape
    frontier = {s: [(s, -1)] for s in range(S) if not is_zero(mu0[s])}
    seen = {frozenset(frontier)}
    for _ in range(horizon - 1):
        if set(frontier) == {absorbing}:
            return None
        nxt: dict[int, list[tuple[int, int]]] = {}
        for s, path in frontier.items():
            for a in range(A):
                for t in range(S):
                    if t not in nxt and not is_zero(P[s, a, t]):
                        nxt[t] = path[:-1] + [(s, a), (t, -1)]
        frontier = nxt
        if frozenset(frontier) in seen:  # periodic from here on, and never only the absorbing state
            bad = [s for s in frontier if s != absorbing]
            return frontier[bad[0]], True
        seen.add(frozenset(frontier))
    bad = [s for s in frontier if s != absorbing]
    return (frontier[bad[0]], False) if bad else None


@dataclass(frozen=True, eq=False)
class EnumeratedTrajectories:
    """n trajectories τ = (s_1, a_1, …, a_{T−1}, s_T): ``states`` (n, T) and ``actions`` (n, T − 1), ints.

    ``prefix[i, t]`` numbers the distinct histories (s_1, a_1, …, s_{t+1}) (0-based t):
    a function of the history up to s_t is an array indexed by it.
    """

    states: np.ndarray
    actions: np.ndarray
    prefix: np.ndarray

    @property
    def count(self) -> int:
        return self.states.shape[0]

    @property
    def horizon(self) -> int:
        return self.states.shape[1]

    @property
    def num_prefixes(self) -> int:
        return int(self.prefix.max()) + 1 if self.prefix.size else 0


def _support(P: np.ndarray) -> np.ndarray:
    """The boolean support ``P[s, a, s'] ≠ 0`` (exact zeros only) of a kernel in any arithmetic."""
    if P.dtype != object:
        return np.asarray(P != 0, dtype=bool)
    return np.vectorize(lambda x: not is_zero(x), otypes=[bool])(P).reshape(P.shape)


#: Trajectory counts are exact up to this many states; beyond, only far enough to refuse a too large job.
EXACT_COUNT_STEPS = 1000


def _count(P: np.ndarray, mu0: np.ndarray, horizon: int, stop_above: int | None) -> tuple[int, int]:
    """(Σ_s n_t(s), t): the trajectories of t states, t = ``horizon``, or t = ``EXACT_COUNT_STEPS`` when the
    count is already above ``stop_above`` there (it never shrinks: every state has an action leading on)."""
    branches = _support(P).sum(axis=1).astype(object)  # (S, S'): actions leading s → s'
    n = np.array([int(not is_zero(x)) for x in mu0], dtype=object)
    total, t = int(n.sum()), 1
    while t < horizon and not (stop_above is not None and total > stop_above and t >= EXACT_COUNT_STEPS):
        n = n @ branches
        total, t = int(n.sum()), t + 1
    return total, t


def count_trajectories(P: np.ndarray, mu0: np.ndarray, horizon: int) -> int:
    """The number of trajectories :func:`enumerate_trajectories` would list, counted without listing them.

    Dynamic programming on the support graph: n_{t+1}(s') = Σ_s n_t(s) · #{a : 𝒫_s^a(s') ≠ 0};
    the count is Σ_s n_T(s), an exact Python integer however large.

    >>> count_trajectories(np.full((2, 2, 2), 0.5), np.array([1.0, 0.0]), 17)
    4294967296
    """
    return _count(P, mu0, horizon, None)[0]


def enumerate_trajectories(P: np.ndarray, mu0: np.ndarray, horizon: int, *,
                           limit: int | None = None) -> EnumeratedTrajectories:
    """Every τ with μ(s_1) ≠ 0 and 𝒫_{s_t}^{a_t}(s_{t+1}) ≠ 0, every action allowed (softmax policies are positive).

    Works on ``P`` (S, A, S) and ``mu0`` (S,) in any arithmetic: only exact zeros are pruned.
    Trajectories come in lexicographic order of (s_1, a_1, s_2, …).  Their number
    (:func:`count_trajectories`) is counted first; above the ``trajectories`` limit
    (:mod:`numeric.limits`; ``limit`` overrides it, 0 for none) this raises
    :class:`~numeric.limits.TooLargeError` before any work.  The work is
    proportional to the number of trajectories times ``horizon``.

    >>> import numpy as np
    >>> tr = enumerate_trajectories(np.array([[[0.0, 1.0]], [[0.0, 1.0]]]), np.array([1.0, 0.0]), 3)
    >>> tr.states.tolist(), tr.actions.tolist()
    ([[0, 1, 1]], [[0, 0]])
    """
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise InvalidArgumentError(f"horizon must be an integer T >= 1 (states per trajectory), got {horizon!r}")
    horizon = int(horizon)
    bound = limit_in_force("trajectories", limit)
    count, t = _count(P, mu0, horizon, bound or None)
    job = f"enumerating every trajectory of T={horizon} states on S={P.shape[0]} states and A={P.shape[1]} actions"
    refuse_above("trajectories", count, job, override=limit, detail="" if t == horizon else
                 f" or more (counted up to T={t} states; the count never shrinks as T grows)")
    support = _support(P)
    start = np.array([s for s in range(P.shape[0]) if not is_zero(mu0[s])], dtype=np.int64)
    # Grow the frontier one state at a time, keeping for each new path its parent and its (a, s');
    # row-major nonzero order = (parent, a, s') lexicographic: the listing order of the paths.
    last, steps = start, []
    for _ in progress(range(horizon - 1), desc="enumerating trajectories", unit="step"):
        parent, a, s_next = np.nonzero(support[last])
        steps.append((parent, a, s_next))
        last = s_next
    states = np.empty((len(last), horizon), dtype=np.int64)
    actions = np.empty((len(last), horizon - 1), dtype=np.int64)
    row = np.arange(len(last))
    for t_, (parent, a, s_next) in reversed(list(enumerate(steps))):  # follow the parents back to s_1
        states[:, t_ + 1], actions[:, t_] = s_next[row], a[row]
        row = parent[row]
    states[:, 0] = start[row]
    return EnumeratedTrajectories(states, actions, _number_prefixes(states, actions))


def _number_prefixes(states: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """prefix[i, t]: the histories (s_1, a_1, …, s_{t+1}) numbered in order of first appearance, row by row."""
    n, T = states.shape
    prefix = np.zeros((n, T - 1), dtype=np.int64)
    if n == 0 or T == 1:
        return prefix
    # The paths are in lexicographic order, so the rows sharing a history up to s_{t+1} are consecutive:
    # a new history starts at row i when row i differs from row i - 1 in (s_1, a_1, …, s_{t+1}).
    first_rows, local = [], []
    new = np.zeros(n, dtype=bool)
    new[0] = True
    for t in range(T - 1):
        new[1:] |= states[1:, t] != states[:-1, t]
        if t:
            new[1:] |= actions[1:, t - 1] != actions[:-1, t - 1]
        local.append(np.cumsum(new) - 1)  # history id within column t, in row order
        first_rows.append(np.flatnonzero(new))
    # Global id: histories ordered by (first row, t) — the row-major scan of prefix[i, t].
    rows = np.concatenate(first_rows)
    cols = np.concatenate([np.full(len(r), t) for t, r in enumerate(first_rows)])
    order = np.lexsort((cols, rows))
    global_id = np.empty(len(order), dtype=np.int64)
    global_id[order] = np.arange(len(order))
    offsets = np.cumsum([0] + [len(r) for r in first_rows])
    for t in range(T - 1):
        prefix[:, t] = global_id[offsets[t] + local[t]]
    return prefix


def episodic_model(emdp: EpisodicMDP, policy: Policy, *, exact: bool | None = None, family: str = "episodic",
                   extras: dict[str, Any] | None = None, flint_rationals: bool = False) -> Model:
    """The :class:`Model` of ``policy`` on ``emdp`` with ``extras`` horizon, absorbing, trajectories
    (``flint_rationals`` as for :func:`numeric.evaluation.model`)."""
    if not isinstance(emdp, EpisodicMDP):
        raise InvalidMDPError(f"emdp must be a numeric.EpisodicMDP, got {type(emdp).__name__}")
    m = model(emdp.mdp, policy, exact=exact, family=family, flint_rationals=flint_rationals)
    m.extras.update(extras or {})
    m.extras.update(horizon=emdp.horizon, absorbing=emdp.absorbing, trajectories=emdp.trajectories())
    return m


@dataclass(frozen=True, eq=False)
class Episodes:
    """Everything along the enumerated trajectories, in the model's arithmetic.

    Shapes (n trajectories, horizon T, K parameters): ``prob`` (n,) = 𝒯_θ(τ);
    ``rewards`` (n, T − 1) = r(s_t, a_t); ``score`` (n, T − 1, K) = ∇θ log π_θ(a_t|s_t);
    ``dpi`` (n, T − 1, K) = ∇θ π_θ(a_t|s_t); ``pi`` (n, T − 1) = π_θ(a_t|s_t);
    ``kernel`` (n, T − 1) = 𝒫_{s_t}^{a_t}(s_{t+1}).
    """

    trajectories: EnumeratedTrajectories
    prob: np.ndarray
    rewards: np.ndarray
    score: np.ndarray
    dpi: np.ndarray
    pi: np.ndarray
    kernel: np.ndarray

    @property
    def states(self) -> np.ndarray:
        return self.trajectories.states

    @property
    def actions(self) -> np.ndarray:
        return self.trajectories.actions

    @property
    def now(self) -> np.ndarray:
        """s_t for t = 1, …, T − 1: shape (n, T − 1)."""
        return self.trajectories.states[:, :-1]


def trajectory_probabilities(m: Model, tr: EnumeratedTrajectories) -> np.ndarray:
    """𝒯_θ(τ) = μ(s_1) ∏_{t=1}^{T−1} π_θ(a_t|s_t) 𝒫_{s_t}^{a_t}(s_{t+1}) of each enumerated τ, shape (n,).

    In the model's arithmetic; ``tr`` lists trajectories of ``m``'s MDP (any horizon T ≥ 1).
    """
    return path_probabilities(m.mu0, m.pi, m.P, tr)


def path_probabilities(mu0: np.ndarray, pi: np.ndarray, P: np.ndarray, tr: EnumeratedTrajectories) -> np.ndarray:
    """μ(s_1) ∏_{t=1}^{T−1} π(a_t|s_t) P(s_{t+1}|s_t, a_t) of each enumerated path, shape (n,), exact or float.

    ``mu0`` (S,), ``pi`` (S, A), ``P`` (S, A, S) of any chain with actions (an MDP, or an augmented one).
    """
    s, a, s_next = tr.states[:, :-1], tr.actions, tr.states[:, 1:]
    first = mu0[tr.states[:, 0]]
    return first * np.prod(pi[s, a] * P[s, a, s_next], axis=1) if tr.horizon > 1 else first


def episodes(m: Model) -> Episodes:
    """The :class:`Episodes` of an episodic model (computed once, kept in ``m.extras``)."""
    if "episodes" not in m.extras:
        tr: EnumeratedTrajectories = m.extras["trajectories"]
        s, a, s_next = tr.states[:, :-1], tr.actions, tr.states[:, 1:]
        pi, kernel = m.pi[s, a], m.P[s, a, s_next]
        prob = trajectory_probabilities(m, tr)
        m.extras["episodes"] = Episodes(tr, prob, m.r[s, a], m.score[s, a], m.dpi[s, a], pi, kernel)
    return m.extras["episodes"]


def expect(prob: np.ndarray, values: Any) -> Any:
    """Σ_i prob[i] values[i, …]: an expectation over enumerated outcomes; ``values`` has leading axis n."""
    values = np.asarray(values, dtype=prob.dtype) if not isinstance(values, np.ndarray) else values
    return (prob.reshape((-1,) + (1,) * (values.ndim - 1)) * values).sum(axis=0)


def tuples(prob: np.ndarray, N: int) -> tuple[np.ndarray, np.ndarray]:
    """All N-tuples of independent outcomes: indices (n^N, N) and their probabilities (n^N,)."""
    n = prob.shape[0]
    idx = np.indices((n,) * N).reshape(N, -1).T
    return idx, np.prod(prob[idx], axis=1)
