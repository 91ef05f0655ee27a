"""A vectorised Monte Carlo sampler of trajectories τ ∼ 𝒯_θ.

The post ("A Tale of Policy Gradients", Vanilla Policy Gradient) writes a
trajectory of horizon T as τ = (s_1, a_1, s_2, …, a_{T−1}, s_T): T states and
T − 1 actions, with

    𝒯_θ(τ) = μ(s_1) ∏_{t=1}^{T−1} π_θ(a_t|s_t) 𝒫_{s_t}^{a_t}(s_{t+1}),

μ the initial distribution (the point mass at s⁰ in the post).  The sampler
keeps that convention: ``states`` has T columns, ``actions`` and ``rewards``
T − 1 (``rewards[n, t] = r(s_t, a_t)``).

All N trajectories advance together, one time step per NumPy pass.  Each
step draws the pair (a_t, s_{t+1}) at once from its joint law
π(a|s) 𝒫_s^a(s') by inverse-CDF sampling: one uniform u per trajectory and
the first outcome j of the row of s_t whose cumulative probability exceeds u.
That search uses a guide table (Chen & Asau, 1974): for each state and each of
m equal bins of [0, 1), the first outcome whose cumulative probability exceeds
the bin's left end; from there a few vectorised comparisons finish the
search.  The outcome is exactly the one ``np.searchsorted(cdf, u, side="right")``
gives — the guide table only makes it faster — so outcomes of probability 0
are never drawn and outcome j is drawn with probability cdf[j] − cdf[j−1]
computed in float64.
Float64 only: an exact MDP or policy is converted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from numeric._arrays import show
from numeric.errors import InvalidArgumentError, InvalidMDPError, InvalidPolicyError
from numeric.mdp import STOCHASTIC_ATOL, FiniteMDP

__all__ = ["Trajectories", "sample_trajectories"]

#: Guide bins per outcome of a row: with m ≥ 8·(A·S) bins per row most bins
#: hold at most one cumulative breakpoint, so the search ends after a step or two.
GUIDE_BINS_PER_OUTCOME = 8

#: Upper bound on the S·m entries of the guide table (32 MiB of indices).
GUIDE_MAX_ENTRIES = 2 ** 22


@dataclass(frozen=True)
class Trajectories:
    """N sampled trajectories τ = (s_1, a_1, …, a_{T−1}, s_T) of horizon T.

    Attributes:
      states: s_t as ``states[n, t-1]``, shape ``(N, T)``, integer (int32
        unless the MDP has ≥ 2³¹ entries in P).
      actions: a_t as ``actions[n, t-1]``, shape ``(N, T-1)``, integer.
      rewards: r(s_t, a_t) as ``rewards[n, t-1]``, shape ``(N, T-1)``, float64.

    The arrays are read-only and stored time-major (Fortran order), the
    layout the sampler writes them in; ``np.ascontiguousarray`` gives a
    row-major copy.
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray

    @property
    def num_trajectories(self) -> int:
        return self.states.shape[0]

    @property
    def horizon(self) -> int:
        return self.states.shape[1]


def sample_trajectories(mdp: FiniteMDP, policy: Any, *, horizon: int, num_trajectories: int,
                        rng: np.random.Generator) -> Trajectories:
    """Sample N trajectories τ ∼ 𝒯_θ, 𝒯_θ(τ) = μ(s_1) ∏_{t<T} π(a_t|s_t) 𝒫_{s_t}^{a_t}(s_{t+1}).

    Args:
      mdp: the MDP; s_1 is drawn from ``mdp.mu0``.
      policy: a stationary policy with ``probabilities()`` (π[s, a], shape
        ``(S, A)``) and ``check_compatible(mdp)``, e.g. ``TabularSoftmax``.
      horizon: T ≥ 1, the number of states of each trajectory.
      num_trajectories: N ≥ 1.
      rng: a ``numpy.random.Generator``, the only source of randomness.  It
        supplies N uniforms for s_1, then N per time step, in that order.

    Returns:
      :class:`Trajectories` with ``states (N, T)``, ``actions (N, T-1)`` and
      ``rewards (N, T-1)``.

    >>> import numpy as np
    >>> from numeric.mdp import FiniteMDP
    >>> from numeric.policies import TabularSoftmax
    >>> mdp = FiniteMDP(P=[[[0.0, 1.0]], [[1.0, 0.0]]], r=[[1.0], [2.0]], discount=0.9)
    >>> tau = sample_trajectories(mdp, TabularSoftmax(np.zeros((2, 1))), horizon=4, num_trajectories=2,
    ...                           rng=np.random.default_rng(0))
    >>> tau.states.tolist()
    [[0, 1, 0, 1], [0, 1, 0, 1]]
    >>> tau.rewards
    array([[1., 2., 1.],
           [1., 2., 1.]])
    """
    if not isinstance(mdp, FiniteMDP):
        raise InvalidMDPError(f"mdp must be a numeric.FiniteMDP, got {type(mdp).__name__}")
    for method in ("probabilities", "check_compatible"):
        if not callable(getattr(policy, method, None)):
            raise InvalidPolicyError(f"policy must provide {method}(), got {type(policy).__name__}")
    policy.check_compatible(mdp)
    _check_count("horizon", horizon)
    _check_count("num_trajectories", num_trajectories)
    if not isinstance(rng, np.random.Generator):
        raise InvalidArgumentError(
            f"rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(seed)), got {rng!r}")
    mdp = mdp.to_float()
    pi = np.asarray(policy.probabilities(), dtype=np.float64)
    if pi.shape != mdp.r.shape:
        raise InvalidPolicyError(f"policy.probabilities() must have shape (S, A) = {mdp.r.shape}, got {pi.shape}")
    rows_ok = np.isfinite(pi).all(axis=1) & (pi >= 0).all(axis=1) & (np.abs(pi.sum(axis=1) - 1) <= STOCHASTIC_ATOL)
    if not rows_ok.all():
        s = int(np.argmin(rows_ok))
        raise InvalidPolicyError(f"policy.probabilities()[{s}] = {show(pi[s])} is not a probability distribution "
                                 f"(entries >= 0 summing to 1 within STOCHASTIC_ATOL={STOCHASTIC_ATOL:g})")
    return _sample(mdp.P, mdp.r, pi, np.asarray(mdp.mu0, dtype=np.float64), horizon, num_trajectories, rng)


def _check_count(name: str, value: Any) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise InvalidArgumentError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise InvalidArgumentError(f"{name}={value} must be at least 1")


def _cdf_rows(p: np.ndarray) -> np.ndarray:
    """Row-wise cumulative distribution, normalised so that the last entry is exactly 1."""
    cdf = np.cumsum(p, axis=1)
    cdf /= cdf[:, -1:]
    cdf[:, -1] = 1.0
    return cdf


def _guide_table(cdf: np.ndarray, bins: int, dtype: type) -> np.ndarray:
    """``guide[s, b]`` = flat index of the first outcome of row s with cdf > b / bins, shape ``(S·bins,)``."""
    rows, width = cdf.shape
    left_ends = np.arange(bins) / bins
    guide = np.empty((rows, bins), dtype=dtype)
    for s in range(rows):
        guide[s] = s * width + np.searchsorted(cdf[s], left_ends, side="right")
    return guide.ravel()


def _guide_bins(rows: int, width: int) -> int:
    """The number m of guide bins per row: a power of two (so that ⌊u·m⌋ is exact).

    The least power of two ≥ GUIDE_BINS_PER_OUTCOME · width, unless the table
    would exceed GUIDE_MAX_ENTRIES; then the largest power of two that fits.
    """
    wanted = 1 << (GUIDE_BINS_PER_OUTCOME * width - 1).bit_length()
    allowed = 1 << (max(GUIDE_MAX_ENTRIES // rows, 1).bit_length() - 1)
    return min(wanted, allowed)


def _inverse_cdf(cdf_flat: np.ndarray, guide: np.ndarray, bins: int, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Flat index of the first outcome j of row ``rows[n]`` with cdf > u[n] (inverse-CDF sampling).

    The guide entry of u's bin is at most that outcome (u ≥ the bin's left
    end); the comparisons then advance each search until cdf > u.  A row's
    last cdf entry is 1 > u, so no search leaves its row.
    """
    j = guide[rows * bins + (u * bins).astype(guide.dtype)]
    active = np.flatnonzero(cdf_flat[j] <= u)
    while active.size:
        j[active] += 1
        active = active[cdf_flat[j[active]] <= u[active]]
    return j


def _sample(P: np.ndarray, r: np.ndarray, pi: np.ndarray, mu0: np.ndarray, T: int, N: int,
            rng: np.random.Generator) -> Trajectories:
    S, A = r.shape
    # Outcome j = (a, s') of the row of s has flat index s·A·S + a·S + s'; 32-bit indices
    # halve the memory traffic whenever they fit.
    index = np.int32 if S * A * S < 2 ** 31 else np.intp
    cdf = _cdf_rows((pi[:, :, None] * P).reshape(S, A * S))
    bins = _guide_bins(S, A * S)
    guide, cdf_flat = _guide_table(cdf, bins, index), cdf.ravel()
    action_of = np.tile(np.repeat(np.arange(A, dtype=index), S), S)
    next_state_of = np.tile(np.arange(S, dtype=index), S * A)
    reward_of = np.repeat(r.ravel(), S)

    # Time-major storage: step t writes one contiguous row; the record holds the transposes.
    states = np.empty((T, N), dtype=index)
    actions = np.empty((T - 1, N), dtype=index)
    rewards = np.empty((T - 1, N), dtype=np.float64)
    states[0] = np.searchsorted(_cdf_rows(mu0[None, :])[0], rng.random(N), side="right")
    for t in range(T - 1):
        j = _inverse_cdf(cdf_flat, guide, bins, states[t], rng.random(N))
        np.take(action_of, j, out=actions[t])
        np.take(next_state_of, j, out=states[t + 1])
        np.take(reward_of, j, out=rewards[t])
    for a in (states, actions, rewards):
        a.flags.writeable = False
    return Trajectories(states.T, actions.T, rewards.T)
