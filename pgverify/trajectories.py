"""Exact expectations over trajectories for user derivations: a time-major view of the episodic engine.

For a horizon T the trajectory τ = (s₁, a₁, …, s_T, a_T, s_{T+1}) has probability

    𝒯_θ(τ) = μ(s₁) ∏_{t=1}^{T} π_θ(a_t|s_t) 𝒫_{s_t}^{a_t}(s_{t+1})

("A Tale of Policy Gradients", Vanilla policy gradient).  The enumeration and
the probabilities are those of the episodic engine
(:func:`numeric.episodic.enumerate_trajectories`,
:func:`numeric.episodic.trajectory_probabilities`, :func:`numeric.episodic.expect`);
this module only counts the horizon in actions and puts time first, so that a
per-step quantity of a derivation is written once in NumPy syntax by fancy
indexing the model (``m.r[tr.states[t], tr.actions[t]]`` has shape ``(N,)``),
and its expectation is :meth:`Trajectories.mean` — exact for Fractions and
rational functions, float64 otherwise.  There are at most S·(A·S)^T
trajectories, so keep T and the MDP small.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from numeric.episodic import enumerate_trajectories, expect, trajectory_probabilities
from numeric.errors import PGVerifyError
from numeric.model import Model

__all__ = ["Trajectories", "trajectories", "TrajectoryError"]


class TrajectoryError(PGVerifyError, ValueError):
    """A bad argument to :func:`trajectories` or :meth:`Trajectories.mean`."""


@dataclass(frozen=True)
class Trajectories:
    """Every trajectory the kernel allows up to a horizon of T actions, time first.

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
        return expect(self.probability, v)


def trajectories(m: Model, *, horizon: int, limit: int | None = None) -> Trajectories:
    """The trajectories of ``m`` with ``horizon`` actions, and their probabilities 𝒯_θ(τ).

    Every τ with μ(s₁) ≠ 0 and 𝒫_{s_t}^{a_t}(s_{t+1}) ≠ 0 (exact zeros pruned,
    every action kept: softmax policies are positive), in the order of
    :func:`numeric.episodic.enumerate_trajectories` with T = ``horizon`` + 1 states.
    Their number is counted first: above the ``trajectories`` limit of
    :mod:`numeric.limits` (250 000; ``limit`` overrides it, 0 for none) this
    raises :class:`~numeric.limits.TooLargeError` with the count.

    >>> from fractions import Fraction as F
    >>> from numeric import FiniteMDP, TabularSoftmax, model
    >>> mdp = FiniteMDP(P=[[[F(1, 2), F(1, 2)]], [[0, 1]]], r=[[1], [0]], discount=F(1, 2))
    >>> tr = trajectories(model(mdp, TabularSoftmax.from_weights([[1], [1]])), horizon=1)
    >>> tr.states.tolist(), tr.actions.tolist(), [str(p) for p in tr.probability]
    ([[0, 0], [0, 1]], [[0, 0]], ['1/2', '1/2'])
    """
    if not isinstance(m, Model):
        hint = " (build one with numeric.model(mdp, policy))" if hasattr(m, "P") else ""
        raise TrajectoryError(f"m must be a numeric Model{hint}, got {type(m).__name__}")
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 0:
        raise TrajectoryError(f"horizon must be a non-negative integer, got {horizon!r}")
    tr = enumerate_trajectories(m.P, m.mu0, int(horizon) + 1, limit=limit)
    return Trajectories(tr.states.T, tr.actions.T, trajectory_probabilities(m, tr))
