"""Parametrised stochastic policies π_θ(a|s) and their derivatives.

Every policy gives, in its own arithmetic (float64, or exact Fractions when
built from exact weights):

* ``probabilities()`` — π[s, a], shape ``(S, A)``;
* ``jacobian()`` — ∇θπ as ``dpi[s, a, k]``, shape ``(S, A, K)``, K = number of
  parameters in θ flattened in C order;
* ``score()`` — ∇θ log π as ``score[s, a, k] = dpi[s, a, k] / π[s, a]``;
* ``vjp(g)`` — the vector–Jacobian product Σ_{s,a} g[s, a] ∇θπ(a|s), shape
  ``(K,)``, without forming the ``(S, A, K)`` Jacobian (the large-S path).

The pure functions :func:`softmax_from_weights`, :func:`softmax_jacobian` and
:func:`softmax_vjp` work on object arrays of any field (Fractions, SymPy
rational functions), which is how the exact and symbolic engines share them.
"""

from __future__ import annotations

from dataclasses import dataclass

from typing import Any

import numpy as np

from numeric._arrays import as_array, show
from numeric.errors import InvalidPolicyError
from numeric.mdp import FiniteMDP

__all__ = ["TabularSoftmax", "softmax_from_weights", "softmax_jacobian", "softmax_vjp"]


def softmax_from_weights(x: np.ndarray) -> np.ndarray:
    """π[s, a] = x[s, a] / Σ_b x[s, b], with x = exp(θ) > 0; shape ``(S, A)``."""
    return x / x.sum(axis=1, keepdims=True)


def softmax_jacobian(pi: np.ndarray) -> np.ndarray:
    """Tabular softmax ∇θπ: ``dpi[s, a, (s', b)] = 1[s = s'] π(a|s) (1[a = b] − π(b|s))``.

    Shape ``(S, A, S·A)``; the last axis is θ flattened in C order.
    """
    S, A = pi.shape
    zero = pi.flat[0] * 0
    out = np.full((S, A, S, A), zero, dtype=pi.dtype)
    for s in range(S):
        out[s, :, s, :] = -np.multiply.outer(pi[s], pi[s])
        for a in range(A):
            out[s, a, s, a] = pi[s, a] + out[s, a, s, a]
    return out.reshape(S, A, S * A)


def softmax_vjp(pi: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Σ_{s,a} g[s, a] ∇θπ(a|s) for the tabular softmax: π(b|s)(g[s, b] − Σ_a π(a|s) g[s, a]).

    Shapes: ``pi`` and ``g`` ``(S, A)``; result ``(S·A,)``.
    """
    return (pi * (g - (pi * g).sum(axis=1, keepdims=True))).reshape(-1)


@dataclass(frozen=True, eq=False)
class TabularSoftmax:
    """π_θ(a|s) = exp θ[s, a] / Σ_b exp θ[s, b], with θ of shape ``(S, A)``.

    ``TabularSoftmax(theta)`` works in float64.  For exact arithmetic use
    :meth:`from_weights` with positive rational weights x = exp(θ): π is then
    rational in x, and ∂/∂θ = x ∂/∂x keeps every derivative rational.

    >>> import numpy as np
    >>> TabularSoftmax(np.zeros((1, 2))).probabilities()
    array([[0.5, 0.5]])
    >>> from fractions import Fraction as F
    >>> TabularSoftmax.from_weights([[1, 3]]).probabilities()[0, 1]
    Fraction(3, 4)
    >>> TabularSoftmax([[0.0, float("nan")]])
    Traceback (most recent call last):
    ...
    numeric.errors.InvalidPolicyError: theta[0, 1] is nan: entries must be finite
    """

    theta: np.ndarray
    weights: np.ndarray | None = None

    def __post_init__(self) -> None:
        theta = as_array(self.theta, "theta", InvalidPolicyError, exact=False)
        if theta.ndim != 2 or 0 in theta.shape:
            raise InvalidPolicyError(f"theta must have shape (S, A) with S, A >= 1, got shape {theta.shape}")
        if not np.all(np.isfinite(theta)):
            idx = tuple(int(i) for i in np.argwhere(~np.isfinite(theta))[0])
            raise InvalidPolicyError(f"theta[{', '.join(map(str, idx))}] is {theta[idx]}: entries must be finite")
        with np.errstate(over="ignore", invalid="ignore"):
            spread = theta.max(axis=1) - theta.min(axis=1)
        if not np.all(np.isfinite(spread)):
            s = int(np.argwhere(~np.isfinite(spread))[0, 0])
            raise InvalidPolicyError(f"theta[{s}, :] spans from {float(theta[s].min())!r} to {float(theta[s].max())!r}: the "
                                     f"softmax's differences θ_sa − θ_sb overflow float64; use a smaller theta")
        object.__setattr__(self, "theta", theta)
        if self.weights is not None:
            w = as_array(self.weights, "weights", InvalidPolicyError, exact=True)
            if w.shape != theta.shape:
                raise InvalidPolicyError(f"weights must have the shape of theta {theta.shape}, got {w.shape}")
            object.__setattr__(self, "weights", w)

    @classmethod
    def from_weights(cls, weights: Any) -> "TabularSoftmax":
        """The exact policy with x = exp(θ) = ``weights`` (positive ints or Fractions)."""
        w = as_array(weights, "weights", InvalidPolicyError, exact=True)
        if w.ndim != 2 or 0 in w.shape:
            raise InvalidPolicyError(f"weights must have shape (S, A) with S, A >= 1, got shape {w.shape}")
        if np.any(w <= 0):
            idx = tuple(int(i) for i in np.argwhere(w <= 0)[0])
            raise InvalidPolicyError(f"weights[{', '.join(map(str, idx))}] = {show(w[idx])}: weights exp(θ) must be > 0")
        return cls(np.log(w.astype(np.float64)), w)

    @property
    def exact(self) -> bool:
        return self.weights is not None

    @property
    def shape(self) -> tuple[int, int]:
        return self.theta.shape  # type: ignore[return-value]

    @property
    def num_params(self) -> int:
        return self.theta.size

    def check_compatible(self, mdp: FiniteMDP) -> None:
        """Raise :class:`InvalidPolicyError` unless θ has shape (S, A) of ``mdp``."""
        if self.shape != (mdp.num_states, mdp.num_actions):
            raise InvalidPolicyError(
                f"theta has shape {self.shape} but the MDP has S={mdp.num_states} states and "
                f"A={mdp.num_actions} actions: expected {(mdp.num_states, mdp.num_actions)}")

    def probabilities(self) -> np.ndarray:
        if self.weights is not None:
            return softmax_from_weights(self.weights)
        z = np.exp(self.theta - self.theta.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def jacobian(self) -> np.ndarray:
        return softmax_jacobian(self.probabilities())

    def score(self) -> np.ndarray:
        pi = self.probabilities()
        return softmax_jacobian(pi) / pi[:, :, None]

    def vjp(self, g: np.ndarray) -> np.ndarray:
        return softmax_vjp(self.probabilities(), g)

    def to_float(self) -> "TabularSoftmax":
        """The same policy in float64 (θ = log x)."""
        return TabularSoftmax(self.theta) if self.weights is not None else self

    def with_theta(self, theta: np.ndarray) -> "TabularSoftmax":
        """The same family at another θ (float64)."""
        return TabularSoftmax(np.reshape(theta, self.shape))

    def __repr__(self) -> str:
        if self.weights is not None:
            return f"TabularSoftmax.from_weights({[[str(x) for x in row] for row in self.weights]})"
        return f"TabularSoftmax(theta={self.theta.tolist()})"


