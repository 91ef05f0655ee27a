"""Exact expectations over trajectories, by enumeration, in the model's own arithmetic.

For a horizon T the trajectory τ = (s₁, a₁, …, s_T, a_T, s_{T+1}) has probability

    𝒯_θ(τ) = μ(s₁) ∏_{t=1}^{T} π_θ(a_t|s_t) 𝒫_{s_t}^{a_t}(s_{t+1})

("A Tale of Policy Gradients", Vanilla policy gradient).  :func:`trajectories`
lists every trajectory of positive probability as integer index arrays, so
that a per-trajectory quantity is written once in NumPy syntax by fancy
indexing the model (``m.r[tr.states[t], tr.actions[t]]`` has shape ``(N,)``)
and its expectation is :meth:`Trajectories.mean` — exact for Fractions and
rational functions, float64 otherwise.  There are at most S·(A·S)^T
trajectories, so keep T and the MDP small.

Note: a minimal enumerator; the trajectory machinery of the episodic engine
(``numeric/episodic.py``) supersedes it where both exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from numeric.errors import PGVerifyError
from numeric.model import Model

__all__ = ["Trajectories", "trajectories", "TrajectoryError"]


class TrajectoryError(PGVerifyError, ValueError):
    """A bad argument to :func:`trajectories` or :meth:`Trajectories.mean`."""


@dataclass(frozen=True)
class Trajectories:
    """Every trajectory of positive probability up to a horizon T.

    Attributes:
      states: ``states[t, n]`` = s_{t+1} of trajectory n, shape ``(T + 1, N)``.
      actions: ``actions[t, n]`` = a_{t+1} of trajectory n, shape ``(T, N)``.
      probability: 𝒯_θ(τ_n) in the model's arithmetic, shape ``(N,)``.
    """

    states: np.ndarray
    actions: np.ndarray
    probability: np.ndarray

    @property
    def horizon(self) -> int:
        return self.actions.shape[0]

    def mean(self, values: Any) -> Any:
        """E_{τ∼𝒯_θ}[f(τ)] = Σ_n 𝒯_θ(τ_n) f(τ_n), for ``values[n, ...]`` = f(τ_n); shape ``values.shape[1:]``."""
        v = np.asarray(values, dtype=self.probability.dtype)
        if v.ndim == 0 or v.shape[0] != self.probability.shape[0]:
            raise TrajectoryError(f"values must have a leading trajectory axis of length {self.probability.shape[0]}, "
                             f"got shape {v.shape}")
        return np.tensordot(self.probability, v, axes=(0, 0))


def trajectories(m: Model, *, horizon: int) -> Trajectories:
    """The trajectories of ``m`` with ``horizon`` actions, and their probabilities 𝒯_θ(τ).

    A branch is dropped as soon as its probability is exactly zero (a zero of
    μ, π or 𝒫 in an exact arithmetic), so a point initial state costs nothing.

    >>> from fractions import Fraction as F
    >>> from numeric import FiniteMDP, TabularSoftmax, model
    >>> mdp = FiniteMDP(P=[[[F(1, 2), F(1, 2)]], [[0, 1]]], r=[[1], [0]], discount=F(1, 2))
    >>> tr = trajectories(model(mdp, TabularSoftmax.from_weights([[1], [1]])), horizon=1)
    >>> tr.states.tolist(), tr.actions.tolist(), [str(p) for p in tr.probability]
    ([[0, 0], [0, 1]], [[0, 0]], ['1/2', '1/2'])
    """
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 0:
        raise TrajectoryError(f"horizon must be a non-negative integer, got {horizon!r}")
    paths: list[tuple[list[int], list[int], Any]] = [([s], [], m.mu0[s]) for s in range(m.S) if _possible(m.mu0[s])]
    for _ in range(int(horizon)):
        grown = []
        for states, actions, p in paths:
            s = states[-1]
            for a in range(m.A):
                if not _possible(m.pi[s, a]):
                    continue
                pa = p * m.pi[s, a]
                for s2 in range(m.S):
                    if _possible(m.P[s, a, s2]):
                        grown.append((states + [s2], actions + [a], pa * m.P[s, a, s2]))
        paths = grown
    n = len(paths)
    states = np.array([p[0] for p in paths], dtype=np.intp).reshape(n, horizon + 1).T
    actions = np.array([p[1] for p in paths], dtype=np.intp).reshape(n, horizon).T
    prob = np.empty(n, dtype=object if m.arithmetic.exact else np.float64)
    prob[:] = [p[2] for p in paths]
    return Trajectories(states, actions, prob)


def _possible(p: Any) -> bool:
    """False for a zero probability (degree bounds are never pruned: they do not know zeros)."""
    return bool(p != 0)
