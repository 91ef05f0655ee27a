"""Linear-softmax policies: π_θ(a|s) ∝ exp(θ · φ(s, a)) with features φ(s, a) ∈ ℝ^K.

Unlike the tabular softmax, every parameter θ_k moves the policy at every
state whose features use it, so ∇θU is not a per-state quantity.

Exact arithmetic: with integer features and x = exp(θ) rational, π(a|s) =
Π_k x_k^{φ(s,a,k)} / Σ_b Π_k x_k^{φ(s,b,k)} is rational and ∂/∂θ_k = x_k ∂/∂x_k
keeps every derivative rational.  The pure functions below work on object
arrays of any field (Fractions, degree bounds, SymPy rational functions).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from numeric._arrays import as_array, show
from numeric.errors import InvalidPolicyError
from numeric.mdp import FiniteMDP

__all__ = ["LinearSoftmax", "linear_softmax_from_weights", "linear_softmax_jacobian", "linear_softmax_vjp"]


def linear_softmax_from_weights(features: np.ndarray, x: np.ndarray) -> np.ndarray:
    """π[s, a] = Π_k x_k^{φ[s,a,k]} / Σ_b Π_k x_k^{φ[s,b,k]} for integer features; shape ``(S, A)``.

    >>> from fractions import Fraction as F
    >>> phi = np.array([[[1], [0]]])
    >>> linear_softmax_from_weights(phi, np.array([F(3)], dtype=object))
    array([[Fraction(3, 4), Fraction(1, 4)]], dtype=object)
    """
    S, A, K = features.shape
    unnormalised = np.empty((S, A), dtype=object)
    for s in range(S):
        for a in range(A):
            term: Any = 1
            for k in range(K):
                e = int(features[s, a, k])
                if e:
                    term = term * x[k] ** e
            unnormalised[s, a] = term
    return unnormalised / unnormalised.sum(axis=1, keepdims=True)


def linear_softmax_jacobian(pi: np.ndarray, features: np.ndarray) -> np.ndarray:
    """∇θπ as ``dpi[s, a, k] = π(a|s) (φ[s,a,k] − Σ_b π(b|s) φ[s,b,k])``, shape ``(S, A, K)``."""
    mean = np.einsum("sb,sbk->sk", pi, features)
    return pi[:, :, None] * (features - mean[:, None, :])


def linear_softmax_vjp(pi: np.ndarray, features: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Σ_{s,a} g[s, a] ∇θπ(a|s) = Σ_{s,a} g π (φ − φ̄_s), shape ``(K,)``, without the (S, A, K) Jacobian."""
    gp = g * pi
    return np.einsum("sa,sak->k", gp, features) - np.einsum("s,sk->k", gp.sum(axis=1),
                                                            np.einsum("sb,sbk->sk", pi, features))


@dataclass(frozen=True, eq=False)
class LinearSoftmax:
    """π_θ(a|s) = exp(θ·φ(s, a)) / Σ_b exp(θ·φ(s, b)), features ``(S, A, K)``, θ ``(K,)``.

    ``LinearSoftmax(features, theta)`` works in float64.  For exact arithmetic
    use :meth:`from_weights` with integer features and positive rational
    weights x = exp(θ).  Bad input raises :class:`InvalidPolicyError` naming
    the argument and showing the bad value.

    >>> pol = LinearSoftmax(np.array([[[1.0], [0.0]]]), np.array([0.0]))
    >>> pol.probabilities()
    array([[0.5, 0.5]])
    >>> LinearSoftmax.from_weights([[[1], [0]]], [3]).probabilities()[0, 0]
    Fraction(3, 4)
    >>> LinearSoftmax([[[1.0], [0.0]]], [0.0, 1.0])
    Traceback (most recent call last):
    ...
    numeric.errors.InvalidPolicyError: theta must have shape (K,) = (1,) to match features of shape (1, 2, 1), got (2,)
    """

    features: np.ndarray
    theta: np.ndarray
    weights: np.ndarray | None = None

    def __post_init__(self) -> None:
        phi = as_array(self.features, "features", InvalidPolicyError)
        if phi.ndim != 3 or 0 in phi.shape:
            raise InvalidPolicyError(f"features must have shape (S, A, K) with S, A, K >= 1, got shape {phi.shape}")
        _finite(phi, "features")
        theta = as_array(self.theta, "theta", InvalidPolicyError, exact=False)
        if theta.shape != (phi.shape[2],):
            raise InvalidPolicyError(f"theta must have shape (K,) = ({phi.shape[2]},) to match features of shape "
                                     f"{phi.shape}, got {theta.shape}")
        _finite(theta, "theta")
        if self.weights is not None:
            w = as_array(self.weights, "weights", InvalidPolicyError, exact=True)
            if w.shape != theta.shape:
                raise InvalidPolicyError(f"weights must have the shape of theta {theta.shape}, got {w.shape}")
            object.__setattr__(self, "weights", w)
        elif phi.dtype == object:
            phi = phi.astype(np.float64)
        object.__setattr__(self, "features", phi)
        object.__setattr__(self, "theta", theta)

    @classmethod
    def from_weights(cls, features: Any, weights: Any) -> "LinearSoftmax":
        """The exact policy with integer ``features`` and x = exp(θ) = ``weights`` (positive rationals)."""
        phi = as_array(features, "features", InvalidPolicyError, exact=True)
        if phi.ndim == 3:
            bad = [f for f in phi.ravel() if Fraction(f).denominator != 1]
            if bad:
                raise InvalidPolicyError(f"features must be integers for exact arithmetic (π is then rational in "
                                         f"x = exp θ), got the entry {bad[0]}")
        w = as_array(weights, "weights", InvalidPolicyError, exact=True)
        if w.ndim != 1:
            raise InvalidPolicyError(f"weights must have shape (K,), got shape {w.shape}")
        if np.any(w <= 0):
            i = int(np.argwhere(w <= 0)[0][0])
            raise InvalidPolicyError(f"weights[{i}] = {show(w[i])}: weights exp(θ) must be > 0")
        return cls(phi, np.log(w.astype(np.float64)), w)

    @property
    def exact(self) -> bool:
        return self.weights is not None

    @property
    def num_params(self) -> int:
        return self.theta.size

    def check_compatible(self, mdp: FiniteMDP) -> None:
        """Raise :class:`InvalidPolicyError` unless the features have shape (S, A, K) of ``mdp``."""
        if self.features.shape[:2] != (mdp.num_states, mdp.num_actions):
            raise InvalidPolicyError(
                f"features have shape {self.features.shape} but the MDP has S={mdp.num_states} states and "
                f"A={mdp.num_actions} actions: expected ({mdp.num_states}, {mdp.num_actions}, K)")

    def probabilities(self) -> np.ndarray:
        if self.weights is not None:
            return linear_softmax_from_weights(self.features, self.weights)
        logits = np.einsum("sak,k->sa", self.features, self.theta)
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def jacobian(self) -> np.ndarray:
        return linear_softmax_jacobian(self.probabilities(), self.features)

    def score(self) -> np.ndarray:
        pi = self.probabilities()
        return linear_softmax_jacobian(pi, self.features) / pi[:, :, None]

    def vjp(self, g: np.ndarray) -> np.ndarray:
        return linear_softmax_vjp(self.probabilities(), self.features, g)

    def to_float(self) -> "LinearSoftmax":
        """The same policy in float64 (θ = log x)."""
        return LinearSoftmax(self.features.astype(np.float64), self.theta) if self.weights is not None else self

    def __repr__(self) -> str:
        if self.weights is not None:
            return (f"LinearSoftmax.from_weights({np.asarray(self.features, dtype=np.int64).tolist()}, "
                    f"{[str(x) for x in self.weights]})")
        return f"LinearSoftmax(features={self.features.tolist()}, theta={self.theta.tolist()})"


def _finite(arr: np.ndarray, name: str) -> None:
    if arr.dtype != object and not np.all(np.isfinite(arr)):
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise InvalidPolicyError(f"{name}[{', '.join(map(str, idx))}] is {arr[idx]}: entries must be finite")
