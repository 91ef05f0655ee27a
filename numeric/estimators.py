"""The vanilla policy gradient estimators, as pure functions of a batch of N trajectories.

Notation of "A Tale of Policy Gradients" (Faury, 2023): a trajectory
τ = (s_1, a_1, …, a_{T−1}, s_T) that is absorbed (zero reward) by round T, its
rewards r_t = r(s_t, a_t) and scores ∇θ log π_θ(a_t|s_t), t = 1, …, T − 1.

* total return       ĝ = (1/N) Σ_n R_n Σ_t ∇log π(a_t^n|s_t^n),  R = Σ_t λ^{t−1} r_t;
* reward-to-go       ĝ = (1/N) Σ_n Σ_t λ^{t−1} (G_n^t − b_t^n) ∇log π(a_t^n|s_t^n),
                     G^t = Σ_{k=t}^{T} λ^{k−t} r_k, with any baseline b_t^n (0 when omitted);
* q-weighted         ĝ = (1/N) Σ_n Σ_t λ^{t−1} q(s_t^n, a_t^n) ∇log π(a_t^n|s_t^n);
* undiscounted       ĝ = (1/N) Σ_n Σ_t G_n^t ∇log π(a_t^n|s_t^n)  (what implementations commonly
                     use; Nota & Thomas 2020);
* REINFORCE's fitted baseline: ω̂ = argmin Σ_n Σ_{t=1}^{T} (b_ω(s_t^n) − G_n^t)², tabular
  (the per-state sample mean) or linear in features (the least-squares projection).

Shapes: every function takes batch arrays with any leading axes ``...``, then
N (trajectories) and T − 1 (rounds), and a trailing K for scores:
``rewards[..., N, T−1]``, ``score[..., N, T−1, K]``; estimates are ``[..., K]``.
Entries may be float64 or exact objects (Fractions, SymPy rational functions).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from numeric.errors import PGVerifyError

__all__ = ["discounts", "total_return", "reward_to_go", "total_return_estimator", "reward_to_go_estimator",
           "q_weighted_estimator", "undiscounted_estimator", "tabular_baseline_fit", "linear_baseline_fit",
           "linear_baseline_weights", "InvalidBatchError"]


class InvalidBatchError(PGVerifyError, ValueError):
    """A batch of trajectories has inconsistent shapes."""


def discounts(lam: Any, length: int) -> np.ndarray:
    """(λ⁰, λ¹, …, λ^{length−1}) in the arithmetic of λ.

    >>> discounts(0.5, 3)
    array([1.  , 0.5 , 0.25])
    """
    out = np.empty(length, dtype=object)
    out[:] = [lam ** t for t in range(length)]
    return out.astype(np.float64) if isinstance(lam, float) else out


def total_return(rewards: np.ndarray, lam: Any) -> np.ndarray:
    """R_τ = Σ_{t=1}^{T−1} λ^{t−1} r(s_t, a_t) (later rewards are 0); shape ``rewards.shape[:-1]``."""
    return (rewards * discounts(lam, rewards.shape[-1])).sum(axis=-1)


def reward_to_go(rewards: np.ndarray, lam: Any) -> np.ndarray:
    """G^t = Σ_{k=t}^{T} λ^{k−t} r(s_k, a_k) for t = 1, …, T − 1 (r at s_T is 0); shape of ``rewards``.

    >>> reward_to_go(np.array([[1.0, 2.0, 4.0]]), 0.5)
    array([[3., 4., 4.]])
    """
    G = np.empty_like(rewards)
    acc = rewards[..., -1] * 0
    for t in reversed(range(rewards.shape[-1])):
        acc = rewards[..., t] + lam * acc
        G[..., t] = acc
    return G


def _check(rewards: np.ndarray, score: np.ndarray) -> None:
    if score.shape[:-1] != rewards.shape or rewards.ndim < 2:
        raise InvalidBatchError(f"score must have shape rewards.shape + (K,) with rewards [..., N, T-1]; "
                                f"got rewards {rewards.shape} and score {score.shape}")


def _mean_over_batch(per_trajectory: np.ndarray) -> np.ndarray:
    return per_trajectory.sum(axis=-2) / per_trajectory.shape[-2]


def total_return_estimator(rewards: np.ndarray, score: np.ndarray, lam: Any) -> np.ndarray:
    """ĝ = (1/N) Σ_n R_n Σ_{t=1}^{T−1} ∇θ log π_θ(a_t^n|s_t^n), shape ``[..., K]``.

    >>> total_return_estimator(np.array([[1.0, 1.0]]), np.ones((1, 2, 1)), 0.5)
    array([3.])
    """
    _check(rewards, score)
    return _mean_over_batch(total_return(rewards, lam)[..., None] * score.sum(axis=-2))


def reward_to_go_estimator(rewards: np.ndarray, score: np.ndarray, lam: Any, *,
                           baseline: np.ndarray | None = None) -> np.ndarray:
    """ĝ = (1/N) Σ_n Σ_t λ^{t−1} (G_n^t − b_t^n) ∇θ log π_θ(a_t^n|s_t^n), shape ``[..., K]``.

    ``baseline[..., N, T−1]`` holds b_t^n (a function of s_t, of the history, of
    anything); omitted, b = 0.

    >>> reward_to_go_estimator(np.array([[1.0, 1.0]]), np.ones((1, 2, 1)), 0.5)
    array([2.])
    """
    _check(rewards, score)
    weight = reward_to_go(rewards, lam)
    if baseline is not None:
        if np.shape(baseline) != rewards.shape:
            raise InvalidBatchError(f"baseline must have the shape of rewards {rewards.shape}, got {np.shape(baseline)}")
        weight = weight - baseline
    return _weighted(weight * discounts(lam, rewards.shape[-1]), score)


def q_weighted_estimator(q_along: np.ndarray, score: np.ndarray, lam: Any) -> np.ndarray:
    """ĝ = (1/N) Σ_n Σ_t λ^{t−1} q(s_t^n, a_t^n) ∇θ log π_θ(a_t^n|s_t^n); ``q_along[..., N, T−1]``."""
    _check(q_along, score)
    return _weighted(q_along * discounts(lam, q_along.shape[-1]), score)


def undiscounted_estimator(rewards: np.ndarray, score: np.ndarray, lam: Any) -> np.ndarray:
    """ĝ = (1/N) Σ_n Σ_t G_n^t ∇θ log π_θ(a_t^n|s_t^n): the reward-to-go estimator without λ^{t−1}."""
    _check(rewards, score)
    return _weighted(reward_to_go(rewards, lam), score)


def _weighted(weight: np.ndarray, score: np.ndarray) -> np.ndarray:
    return _mean_over_batch((weight[..., None] * score).sum(axis=-2))


def tabular_baseline_fit(states: np.ndarray, G: np.ndarray, num_states: int) -> np.ndarray:
    """ω̂ = argmin_ω Σ_n Σ_t (ω[s_t^n] − G_n^t)²: the per-state sample mean of the observed G.

    ``states[..., N, T]`` and ``G[..., N, T]`` (all T rounds); result ``[..., S]``.
    A state never visited does not enter the objective: its ω̂ is not
    determined, and is set to 0 (it is never evaluated on these roll-outs).

    >>> tabular_baseline_fit(np.array([[0, 1], [0, 1]]), np.array([[1.0, 0.0], [3.0, 0.0]]), 3)
    array([2., 0., 0.])
    """
    if states.shape != G.shape:
        raise InvalidBatchError(f"states and G must have the same shape [..., N, T], got {states.shape} and {G.shape}")
    onehot = (states[..., None] == np.arange(num_states)).astype(np.int64)
    counts = onehot.sum(axis=(-3, -2)).astype(object)  # Python ints divide every field's elements
    sums = (G[..., None] * onehot).sum(axis=(-3, -2))
    out = sums * 0
    seen = (counts > 0).astype(bool)
    out[seen] = sums[seen] / counts[seen]
    return out


def linear_baseline_fit(features: np.ndarray, G: np.ndarray) -> np.ndarray:
    """The fitted values b_ω̂(s_t^n) = φ(s_t^n)ᵀω̂ of ω̂ = argmin Σ_n Σ_t (φ(s_t^n)ᵀω − G_n^t)².

    ``features[..., N, T, F]``, ``G[..., N, T]``; result ``[..., N, T]``.  The
    fitted values are the orthogonal projection of G on the span of the
    feature columns, unique even when ω̂ is not: float64 by least squares,
    exact fields by Gram–Schmidt (a column is dropped when it lies in the span
    of the previous ones).

    >>> phi = np.ones((1, 2, 2, 1))
    >>> linear_baseline_fit(phi, np.array([[[1.0, 0.0], [3.0, 0.0]]]))
    array([[[1., 1.],
            [1., 1.]]])
    """
    if features.shape[:-1] != G.shape:
        raise InvalidBatchError(f"features must have shape G.shape + (F,), got {features.shape} and G {G.shape}")
    batch, (N, T, F) = G.shape[:-2], features.shape[-3:]
    X = features.reshape(-1, N * T, F)
    y = G.reshape(-1, N * T)
    out = np.empty_like(y)
    for i in range(y.shape[0]):
        if y.dtype == object:
            out[i] = _project_exact(X[i], y[i])
        else:
            omega = np.linalg.lstsq(X[i].astype(np.float64), y[i], rcond=None)[0]
            out[i] = X[i] @ omega
    return out.reshape(batch + (N, T))


def linear_baseline_weights(features: np.ndarray, G: np.ndarray) -> np.ndarray:
    """ω̂ = argmin_ω Σ_n Σ_t (φ(s_t^n)ᵀω − G_n^t)² from the normal equations ΦᵀΦ ω = ΦᵀG; shape ``[..., F]``.

    ``features[..., N, T, F]``, ``G[..., N, T]``.  Raises :class:`InvalidBatchError`
    when the visited states' features do not have full column rank (the argmin
    is then not unique; :func:`linear_baseline_fit` still gives the fitted values).

    >>> phi = np.array([[[[1.0, 0.0], [1.0, 1.0]]]])
    >>> linear_baseline_weights(phi, np.array([[[3.0, 1.0]]]))
    array([[ 3., -2.]])
    """
    if features.shape[:-1] != G.shape:
        raise InvalidBatchError(f"features must have shape G.shape + (F,), got {features.shape} and G {G.shape}")
    batch, (N, T, F) = G.shape[:-2], features.shape[-3:]
    X = features.reshape(-1, N * T, F)
    y = G.reshape(-1, N * T)
    if y.dtype == object:
        # ΦᵀΦ and ΦᵀG in Python ints where Φ holds integers (exact, and far cheaper than Fractions), then
        # the integers made Fractions so that the elimination's / stays exact.
        X = _python_ints(X)
        gram, rhs = _exact(np.einsum("bif,big->bfg", X, X)), _exact(np.einsum("bif,bi->bf", X, y))
    else:
        X = X.astype(np.float64)
        gram, rhs = np.einsum("bif,big->bfg", X, X), np.einsum("bif,bi->bf", X, y)
    try:
        out = _batched_solve(gram, rhs) if y.dtype == object else np.linalg.solve(gram, rhs[..., None])[..., 0]
    except (ZeroDivisionError, np.linalg.LinAlgError):
        raise InvalidBatchError("the features of the visited states do not have full column rank in some batch "
                                "(ΦᵀΦ is singular): the least-squares weights are not unique") from None
    return out.reshape(batch + (F,))


def _batched_solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x with A[i] x[i] = b[i] for every i, exactly; A (B, F, F), b (B, F); Gaussian elimination, batch-wise
    vectorised, row pivoting per item on the first non-zero entry.  ZeroDivisionError when some A[i] is singular."""
    A, b = A.copy(), b.copy()
    B, F = b.shape
    rows = np.arange(B)
    for k in range(F):
        nonzero = np.array([[A[i, j, k] != 0 for j in range(F)] for i in range(B)], dtype=bool).reshape(B, F)
        nonzero[:, :k] = False
        if not nonzero.any(axis=1).all():
            raise ZeroDivisionError("singular matrix")
        p = nonzero.argmax(axis=1)
        for M in (A, b):  # swap rows k and p
            Mk, Mp = M[rows, k].copy(), M[rows, p].copy()
            M[rows, k], M[rows, p] = Mp, Mk
        pivot = A[:, k, k]
        for j in range(F):
            if j != k:
                f = A[:, j, k] / pivot
                A[:, j, :] = A[:, j, :] - f[:, None] * A[:, k, :]
                b[:, j] = b[:, j] - f * b[:, k]
    return b / np.einsum("bkk->bk", A)


def _python_ints(a: np.ndarray) -> np.ndarray:
    """An object array with NumPy integer entries made Python ints (products never overflow)."""
    out = np.empty(a.shape, dtype=object)
    out.ravel()[:] = [int(x) if isinstance(x, np.integer) else x for x in a.ravel()]
    return out


def _exact(a: np.ndarray) -> np.ndarray:
    """An object array with integer entries made Fractions (so that / stays exact)."""
    out = np.empty(a.shape, dtype=object)
    out.ravel()[:] = [Fraction(int(x)) if isinstance(x, (int, np.integer)) else x for x in a.ravel()]
    return out


def _project_exact(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    basis: list[tuple[np.ndarray, Any]] = []
    for j in range(X.shape[1]):
        u = _exact(X[:, j])
        for e, ee in basis:
            u = u - (u @ e) / ee * e
        uu = u @ u
        if uu != 0:
            basis.append((u, uu))
    proj = y * 0
    for e, ee in basis:
        proj = proj + (y @ e) / ee * e
    return proj
