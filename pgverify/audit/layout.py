"""Rollout batches as RL libraries produce them, and every such batch enumerated exactly.

A batch is time-major, like Stable-Baselines3's ``RolloutBuffer`` and rlax's
sequences: n steps of E parallel environments, arrays of shape ``(n, E)``.
Step t of environment e observed the state s_t, took the action a_t and
received the reward r(s_t, a_t):

=====================  =========  ==========================================================
field                  shape      meaning
=====================  =========  ==========================================================
``states``             (n, E)     s_t, the state acted in at step t (int)
``actions``            (n, E)     a_t (int)
``rewards``            (n, E)     r(s_t, a_t): the reward *of* step t (rlax's r_{t+1})
``dones``              (n, E)     the episode ended with step t: s_{t+1} is terminal (bool)
``episode_starts``     (n, E)     s_t is the first state of an episode (bool; SB3's field)
``timesteps``          (n, E)     t within the episode, counted from ``t0`` (0 or 1)
``discounts``          (n, E)     γ·(1 − dones): rlax's discount_t
``mask``               (n, E)     step t belongs to an episode (False on padding after its end)
``values``             (n, E)     v_θ(s_t), the exact value (a user's "exact critic")
``last_states``        (E,)       s_n, the state after the window (where truncation bootstraps)
``last_dones``         (E,)       = dones[n − 1] (SB3's ``dones`` of compute_returns_and_advantage)
``last_values``        (E,)       v_θ(s_n) (not multiplied by 1 − last_dones)
``gamma``, ``t0``      scalars    the discount γ and the first time index
``features``           (S, A, K)  φ(s, a) for a linear softmax policy, else None
=====================  =========  ==========================================================

The terminal flag sits on the step that *enters* the terminal state: the
step's reward is r(s_t, a_t) and ``dones[t]`` says that no reward follows
within the episode.  After a done, what comes next is :attr:`Rollout.after_done`:

* ``"reset"`` — the environment resets (gymnasium's autoreset): s_{t+1} is
  drawn from μ and starts a new episode (``episode_starts[t + 1]``); the
  absorbing state is never observed.  The episode still running at the end
  of the window is truncated; ``last_states``/``last_values`` bootstrap it.
* ``"absorb"`` — the environment stays in the absorbing, zero-reward
  terminal state until the window ends (padding: ``mask`` False, ``dones``
  True, the policy still acts there).  With n ≥ the longest episode, each
  window holds exactly one complete episode.

The windows start with a fresh episode (``start="reset"``) or in the
stationary law of the reset process (``start="stationary"``: a window cut
from a long run; P(s_t = s, t-in-episode = k) = P_episode(s_k = s)/L, L the
expected episode length).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any

import numpy as np

from numeric.episodic import EnumeratedTrajectories, EpisodicMDP, enumerate_trajectories, is_zero, \
    path_probabilities, tuples
from numeric.errors import PGVerifyError

__all__ = ["Rollout", "Batch", "Batches", "enumerate_batches", "AuditError", "BATCH_LIMIT"]

#: Refuse an enumeration of more batches than this (each one is a call of the user's code).
BATCH_LIMIT = 200_000


class AuditError(PGVerifyError, ValueError):
    """A bad argument to :mod:`pgverify.audit` (a batch layout, a rollout, an estimator's output)."""


def _int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise AuditError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class Rollout:
    """How the batches are collected (keyword-only record; see the module docstring).

    Attributes:
      n_steps: steps per window; None: the longest episode (T − 1 actions of the EpisodicMDP).
      n_envs: parallel environments E (independent windows).
      start: ``"reset"`` (a fresh episode) or ``"stationary"`` (needs ``after_done="reset"``).
      after_done: ``"absorb"`` (padding in the terminal state) or ``"reset"``.
      t0: the time index of an episode's first step, 0 or 1 (only ``timesteps`` depends on it).
      gamma: the discount γ of the returns and of U; None: the MDP's.  γ = 1 is allowed
        (episodes are finite).

    >>> Rollout(start="stationary")
    Traceback (most recent call last):
    ...
    pgverify.audit.layout.AuditError: start='stationary' needs after_done='reset' (a window cut from a long run of episodes), got after_done='absorb'
    """

    n_steps: int | None = None
    n_envs: int = 1
    start: str = "reset"
    after_done: str = "absorb"
    t0: int = 0
    gamma: Any = None

    def __post_init__(self) -> None:
        if self.n_steps is not None:
            _int("n_steps", self.n_steps, 1)
        _int("n_envs", self.n_envs, 1)
        if self.start not in ("reset", "stationary"):
            raise AuditError(f"start must be 'reset' or 'stationary', got {self.start!r}")
        if self.after_done not in ("reset", "absorb"):
            raise AuditError(f"after_done must be 'reset' or 'absorb', got {self.after_done!r}")
        if self.start == "stationary" and self.after_done != "reset":
            raise AuditError(f"start='stationary' needs after_done='reset' (a window cut from a long run of "
                             f"episodes), got after_done={self.after_done!r}")
        if self.t0 not in (0, 1) or isinstance(self.t0, bool):
            raise AuditError(f"t0 must be 0 or 1 (time counted from 0 or from 1), got {self.t0!r}")
        if self.gamma is not None:
            ok = isinstance(self.gamma, (int, float, Fraction, np.floating, np.integer)) and not isinstance(
                self.gamma, bool)
            if not ok or not 0 <= self.gamma <= 1:
                raise AuditError(f"gamma must be a number in [0, 1] (1 on episodic MDPs), got {self.gamma!r}")

    def discount(self, emdp: EpisodicMDP) -> Any:
        """γ: the MDP's discount, or ``gamma`` (on an exact MDP a float is its shortest decimal: 0.9 = 9/10)."""
        if self.gamma is None:
            return emdp.mdp.discount
        if not emdp.exact:
            return float(self.gamma)
        return Fraction(repr(float(self.gamma))) if isinstance(self.gamma, (float, np.floating)) else Fraction(
            self.gamma)

    def steps(self, emdp: EpisodicMDP) -> int:
        return self.n_steps if self.n_steps is not None else max(emdp.horizon - 1, 1)


_INT = ("states", "actions", "timesteps")
_BOOL = ("dones", "episode_starts", "mask")
_FLOAT = ("rewards", "discounts", "values")


@dataclass(frozen=True, eq=False)
class Batch:
    """One rollout batch, time-major (see the module docstring for every field).

    A batch of NumPy arrays is validated here, at the boundary: shapes, ranges,
    and the conventions that tie the fields together.  The framework adapters
    pass the same record with torch / JAX tensors (made from a validated one).

    ``logits(theta)`` is the policy's logits at every step, shape ``(n, E, A)``:
    ``theta[states]`` for the tabular softmax, ``features[states] @ theta`` for the linear one.
    """

    states: Any
    actions: Any
    rewards: Any
    dones: Any
    episode_starts: Any
    timesteps: Any
    discounts: Any
    mask: Any
    values: Any
    last_states: Any
    last_dones: Any
    last_values: Any
    gamma: float
    t0: int
    num_states: int
    num_actions: int
    features: Any = None

    def __post_init__(self) -> None:
        if isinstance(self.states, np.ndarray):
            _check_batch(self)

    @property
    def n_steps(self) -> int:
        return int(self.states.shape[0])

    @property
    def n_envs(self) -> int:
        return int(self.states.shape[1])

    def logits(self, theta: Any) -> Any:
        return theta[self.states] if self.features is None else self.features[self.states] @ theta

    def map(self, ints: Any, floats: Any, bools: Any) -> "Batch":
        """The same batch with every array converted (to a framework's tensors): no validation."""
        new = object.__new__(Batch)
        for f in fields(Batch):
            v = getattr(self, f.name)
            if f.name in _INT + ("last_states",):
                v = ints(v)
            elif f.name in _BOOL + ("last_dones",):
                v = bools(v)
            elif f.name in _FLOAT + ("last_values",) or (f.name == "features" and v is not None):
                v = floats(v)
            object.__setattr__(new, f.name, v)
        return new


def _check_batch(b: Batch) -> None:
    if b.states.ndim != 2:
        raise AuditError(f"states must have shape (n_steps, n_envs), got shape {b.states.shape}")
    n, E = b.states.shape
    for name in _INT + _BOOL + _FLOAT:
        arr = getattr(b, name)
        if not isinstance(arr, np.ndarray) or arr.shape != (n, E):
            raise AuditError(f"{name} must be an array of shape (n_steps, n_envs) = {(n, E)}, got "
                             f"{getattr(arr, 'shape', type(arr).__name__)}")
    for name in ("last_states", "last_dones", "last_values"):
        arr = getattr(b, name)
        if not isinstance(arr, np.ndarray) or arr.shape != (E,):
            raise AuditError(f"{name} must be an array of shape (n_envs,) = ({E},), got "
                             f"{getattr(arr, 'shape', type(arr).__name__)}")
    for name, size in (("states", b.num_states), ("last_states", b.num_states), ("actions", b.num_actions)):
        arr = getattr(b, name)
        if arr.dtype.kind not in "iu" or arr.min() < 0 or arr.max() >= size:
            raise AuditError(f"{name} must hold integers in [0, {size}), got {arr.dtype} values "
                             f"{arr.min()}..{arr.max()}")
    for name in _BOOL + ("last_dones",):
        if getattr(b, name).dtype != np.bool_:
            raise AuditError(f"{name} must be a bool array, got {getattr(b, name).dtype}")
    for name in _FLOAT + ("last_values",):
        arr = getattr(b, name)
        if arr.dtype.kind != "f" or not np.all(np.isfinite(arr)):
            raise AuditError(f"{name} must hold finite floats, got {arr.dtype} {arr.ravel()[:6]}")
    if not 0 <= b.gamma <= 1:
        raise AuditError(f"gamma must lie in [0, 1], got {b.gamma!r}")
    if b.t0 not in (0, 1):
        raise AuditError(f"t0 must be 0 or 1, got {b.t0!r}")
    if not np.array_equal(b.last_dones, b.dones[-1]):
        raise AuditError(f"last_dones must equal dones[-1] (the flag of the window's last step), got "
                         f"{b.last_dones} and {b.dones[-1]}")
    after = b.episode_starts[1:] & ~b.dones[:-1]
    if after.any():
        t, e = (int(i) for i in np.argwhere(after)[0])
        raise AuditError(f"episode_starts[{t + 1}, {e}] is True but dones[{t}, {e}] is False: an episode starts "
                         f"only after the previous step ended one (the terminal flag sits on the step entering "
                         f"the terminal state)")
    if not np.allclose(b.discounts, b.gamma * (1 - b.dones), rtol=0, atol=1e-12):
        raise AuditError(f"discounts must be gamma * (1 - dones) (rlax's discount_t), got {b.discounts.tolist()}")
    expected = np.empty_like(b.timesteps)
    expected[0] = np.where(b.episode_starts[0], b.t0, b.timesteps[0])
    for t in range(1, n):
        expected[t] = np.where(b.episode_starts[t], b.t0, expected[t - 1] + 1)
    if not np.array_equal(expected, b.timesteps) or (b.timesteps[0] < b.t0).any():
        raise AuditError(f"timesteps must count from t0={b.t0} at each episode start and add 1 per step, got "
                         f"{b.timesteps.tolist()}")
    if b.features is not None and (not isinstance(b.features, np.ndarray) or b.features.ndim != 3
                                   or b.features.shape[:2] != (b.num_states, b.num_actions)):
        raise AuditError(f"features must have shape (S, A, K) = ({b.num_states}, {b.num_actions}, K), got "
                         f"{getattr(b.features, 'shape', type(b.features).__name__)}")


@dataclass(frozen=True, eq=False)
class Batches:
    """Every batch of a :class:`Rollout` on an episodic MDP, with its probability (exact when the model is).

    ``arrays[name]`` stacks the field over the batches (leading axis N);
    ``probability`` (N,).  :meth:`batch` gives batch i as a validated :class:`Batch`.
    """

    arrays: dict
    probability: np.ndarray
    gamma: Any
    t0: int
    num_states: int
    num_actions: int
    features: Any

    @property
    def count(self) -> int:
        return int(self.probability.shape[0])

    def batch(self, i: int) -> Batch:
        return Batch(**{k: v[i] for k, v in self.arrays.items()}, gamma=float(self.gamma), t0=self.t0,
                     num_states=self.num_states, num_actions=self.num_actions, features=self.features)


def _augmented(emdp: EpisodicMDP, pi: np.ndarray, rollout: Rollout, zero: Any, one: Any):
    """The chain of (state, time in episode) pairs, plus a terminal ⊥ when ``after_done='absorb'``.

    Returns the list of (s, k) (k = −1 for ⊥), the kernel (X, A, X) and the initial law (X,).
    """
    mdp, z = emdp.mdp, emdp.absorbing
    S, A = mdp.num_states, mdp.num_actions
    K = max(emdp.horizon - 1, 1)
    pairs = [(s, k) for k in range(K) for s in range(S) if s != z]
    if rollout.after_done == "absorb":
        pairs.append((z, -1))
    index = {p: i for i, p in enumerate(pairs)}
    X = len(pairs)
    P = np.full((X, A, X), zero, dtype=object)
    mu = mdp.mu0
    if not is_zero(mu[z]):
        raise AuditError(f"the initial distribution puts mass {mu[z]} on the absorbing state {z}: episodes must start "
                         f"in a non-terminal state")
    for (s, k), i in index.items():
        for a in range(A):
            if k < 0:
                P[i, a, i] = one
                continue
            for t in range(S):
                p = mdp.P[s, a, t]
                if is_zero(p):
                    continue
                if t != z:
                    if k + 1 < K:
                        P[i, a, index[(t, k + 1)]] += p
                elif rollout.after_done == "absorb":
                    P[i, a, index[(z, -1)]] += p
                else:
                    for s0 in range(S):
                        if not is_zero(mu[s0]):
                            P[i, a, index[(s0, 0)]] += p * mu[s0]
    start = np.full(X, zero, dtype=object)
    law = [mu[s] if s != z else zero for s in range(S)]
    for k in range(K):
        for s in range(S):
            if s != z:
                start[index[(s, k)]] = law[s]
        law = [sum((law[u] * pi[u, a] * mdp.P[u, a, t] for u in range(S) if u != z for a in range(A)), zero)
               if t != z else zero for t in range(S)]
    if rollout.start == "reset":
        start = np.array([mu[s] if k == 0 else zero for s, k in pairs], dtype=object)
    else:
        start = start / sum(start, zero)
    return pairs, P, start


def enumerate_batches(emdp: EpisodicMDP, pi: np.ndarray, values: np.ndarray, rollout: Rollout, *,
                      features: Any = None) -> Batches:
    """Every batch of ``rollout`` on ``emdp`` under the policy ``pi[s, a]``, with its exact probability.

    ``pi`` and ``values`` (v_θ(s), shape (S,)) are in the model's arithmetic
    (Fractions or float64); the windows are the paths of the (state, time in
    episode) chain (:func:`numeric.episodic.enumerate_trajectories`), E
    environments are independent (:func:`numeric.episodic.tuples`).  Raises
    :class:`AuditError` above :data:`BATCH_LIMIT` batches.
    """
    exact = pi.dtype == object
    zero, one = (Fraction(0), Fraction(1)) if exact else (0.0, 1.0)
    n, E = rollout.steps(emdp), rollout.n_envs
    pairs, P, start = _augmented(emdp, pi, rollout, zero, one)
    X, A = P.shape[0], P.shape[1]
    branching = max(int(sum(not is_zero(P[x, a, y]) for y in range(X))) for x in range(X) for a in range(A))
    bound = sum(not is_zero(p) for p in start) * (A * branching) ** n
    if bound ** E > BATCH_LIMIT:
        raise AuditError(f"up to {bound}^{E} = {bound ** E} batches of {n} steps x {E} envs: above BATCH_LIMIT="
                         f"{BATCH_LIMIT}; use fewer steps, envs, states or actions")
    if not exact:
        P, start = P.astype(np.float64), start.astype(np.float64)
    tr: EnumeratedTrajectories = enumerate_trajectories(P, start, n + 1)
    pi_aug = np.array([pi[s] for s, _ in pairs], dtype=pi.dtype)
    prob = path_probabilities(start, pi_aug, P, tr)
    s_of = np.array([s for s, _ in pairs], dtype=np.int64)
    k_of = np.array([k for _, k in pairs], dtype=np.int64)
    x, acts = tr.states, tr.actions                       # (N, n + 1), (N, n)
    states, nxt = s_of[x[:, :-1]], x[:, 1:]
    dones = (k_of[nxt] <= 0)                               # entering ⊥ (k = −1) or a reset (k = 0)
    starts = k_of[x[:, :-1]] == 0
    mask = k_of[x[:, :-1]] >= 0
    steps = np.empty_like(states)
    steps[:, 0] = np.where(k_of[x[:, 0]] >= 0, k_of[x[:, 0]], 0) + rollout.t0
    for t in range(1, n):
        steps[:, t] = np.where(starts[:, t], rollout.t0, steps[:, t - 1] + 1)
    gamma = rollout.discount(emdp)
    r = np.asarray(emdp.mdp.r, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    window = {
        "states": states, "actions": acts, "rewards": r[states, acts], "dones": dones, "episode_starts": starts,
        "timesteps": steps, "discounts": float(gamma) * (1.0 - dones), "mask": mask, "values": v[states],
        "last_states": s_of[x[:, -1]], "last_dones": dones[:, -1], "last_values": v[s_of[x[:, -1]]],
    }
    idx, prob_e = tuples(prob, E)                          # (N^E, E)
    arrays = {k: np.stack([a[idx[:, e]] for e in range(E)], axis=-1) for k, a in window.items()}
    return Batches(arrays, prob_e, gamma, rollout.t0, emdp.num_states, emdp.num_actions,
                   None if features is None else np.asarray(features, dtype=np.float64))
