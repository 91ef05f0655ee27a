"""Every batch's ĝ(B) kept: E[ĝ], the exact variance, and the batches on which the estimator fails.

    E[ĝ] = Σ_B P_θ(B) ĝ(B),    Var[ĝ_k] = Σ_B P_θ(B) (ĝ_k(B) − E[ĝ_k])²,    tr Cov[ĝ] = Σ_k Var[ĝ_k],

B ranging over every batch of the rollout (:func:`~pgverify.audit.layout.enumerate_batches`): no sampling.
A batch *fails* when the estimator raises on it or returns a non-finite ĝ (NaN from the standard deviation
of a one-step episode, say).  P(fail) = Σ_{B fails} P_θ(B) is exact with exact weights; conditioned on
success the moments are those of the law P_θ(B)/P(success) on the other batches.

Arithmetic: with exact weights E[ĝ] is summed in exact rationals of the user's floats (up to
:data:`EXACT_SUM_LIMIT` batches; above it, and for the variance always, in float64 with NumPy's pairwise
summation: a relative error of order log₂(N)·2⁻⁵³, far below the dtype tolerances of
:data:`pgverify.audit.RTOL`).  The variance is computed by two passes (centred at E[ĝ]), never as
E[ĝ²] − E[ĝ]², so it is not lost to cancellation when the mean is large.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from pgverify.audit.expectation import Expectation, Setting
from pgverify.audit.frameworks import Estimator
from pgverify.audit.layout import AuditError, Batch

__all__ = ["Evaluation", "Moments", "evaluate", "moments", "EXACT_SUM_LIMIT"]

#: Sum E[ĝ] in exact rationals up to this many batches (above it: float64, pairwise).
EXACT_SUM_LIMIT = 20_000


@dataclass(frozen=True)
class Moments:
    """Mean, per-coordinate variance and tr Cov of ĝ under the batch law (conditioned on success).

    Attributes: ``mean`` (K,), ``variance`` (K,) = Var[ĝ_k], ``trace`` = tr Cov[ĝ] = Σ_k Var[ĝ_k],
    ``covariance`` (K, K).
    """

    mean: np.ndarray
    variance: np.ndarray
    trace: float
    covariance: np.ndarray


def moments(gradients: np.ndarray, probability: np.ndarray) -> Moments:
    """The :class:`Moments` of the rows of ``gradients`` (N, K) under the weights ``probability`` (N,).

    The weights need not sum to one: they are normalised (the law conditioned on the rows given).
    Two passes: mean = Σ p g / Σ p, then Cov = Σ p (g − mean)(g − mean)ᵀ / Σ p.

    >>> m = moments(np.array([[0.0, 1.0], [2.0, 1.0]]), np.array([0.5, 0.5]))
    >>> m.mean.tolist(), m.variance.tolist(), m.trace
    ([1.0, 1.0], [1.0, 0.0], 1.0)
    """
    G = np.asarray(gradients, dtype=np.float64)
    p = np.asarray(probability, dtype=np.float64)
    if G.ndim != 2 or p.shape != (G.shape[0],):
        raise AuditError(f"gradients must be (N, K) and probability (N,), got {G.shape} and {p.shape}")
    total = float(p.sum())
    if not total > 0:
        raise AuditError("no batch with positive probability: the moments are undefined")
    w = p / total
    mean = w @ G
    X = G - mean
    cov = (X * w[:, None]).T @ X
    var = np.einsum("n,nk->k", w, X * X)
    return Moments(mean, var, float(var.sum()), cov)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The estimator on every batch of a :class:`~pgverify.audit.expectation.Setting`.

    Attributes:
      setting: the Setting.
      gradients: (N, K) float64, ĝ(B) of each batch (a failed batch's row is NaN).
      failed: (N,) bool.
      failures: up to three ``(probability, reason)`` of failed batches, the most probable first.
      estimator: the :class:`~pgverify.audit.frameworks.Estimator`.
    """

    setting: Setting
    gradients: np.ndarray
    failed: np.ndarray
    failures: tuple
    estimator: Estimator

    @property
    def probability(self) -> np.ndarray:
        return self.setting.batches.probability

    @property
    def p_fail(self) -> Any:
        """P(the estimator fails on the batch): exact with exact weights."""
        zero = Fraction(0) if self.setting.exact else 0.0
        return sum((p for p, f in zip(self.probability, self.failed) if f), zero)

    def _kept(self, condition_on_success: bool) -> np.ndarray:
        if self.failed.any() and not condition_on_success:
            raise AuditError(f"{self.estimator.name} fails on batches of probability {float(self.p_fail):.6g} "
                             f"(first: {self.failures[0][1]}); E[ĝ] is undefined unless conditioned on success")
        keep = ~self.failed
        if not keep.any():
            raise AuditError(f"{self.estimator.name} fails on every batch (first: {self.failures[0][1]})")
        return keep

    def expectation(self, *, condition_on_success: bool = False) -> Expectation:
        """E[ĝ] (given success when asked) as an :class:`~pgverify.audit.expectation.Expectation`."""
        keep = self._kept(condition_on_success)
        p, G = self.probability[keep], self.gradients[keep]
        exact = self.setting.exact and G.shape[0] <= EXACT_SUM_LIMIT
        if exact:
            total = sum(p, Fraction(0))
            acc = [sum((pi * Fraction(x) for pi, x in zip(p, G[:, k].tolist())), Fraction(0)) / total
                   for k in range(G.shape[1])]
            value = np.array([float(x) for x in acc])
        else:
            pf = p.astype(np.float64)
            value = (pf / pf.sum()) @ G
        pf = p.astype(np.float64)
        magnitude = float(((pf / pf.sum()) @ np.abs(G)).max(initial=0.0))
        return Expectation(value.reshape(self.setting.shape), exact, self.estimator.dtype, int(keep.sum()), magnitude)

    def moments(self, *, condition_on_success: bool = False) -> Moments:
        keep = self._kept(condition_on_success)
        return moments(self.gradients[keep], self.probability[keep].astype(np.float64))


def _batch(b: Any, i: int) -> Batch:
    """Batch i of an enumeration, unvalidated: the enumeration makes valid batches by construction
    (:meth:`pgverify.audit.Batches.batch` validates; tests/test_audit.py checks that it accepts them all)."""
    new = object.__new__(Batch)
    for k, v in b.arrays.items():
        object.__setattr__(new, k, v[i])
    for k, v in (("gamma", float(b.gamma)), ("t0", b.t0), ("num_states", b.num_states),
                 ("num_actions", b.num_actions), ("features", b.features)):
        object.__setattr__(new, k, v)
    return new


def evaluate(estimator: Estimator, st: Setting) -> Evaluation:
    """Run ``estimator`` on every batch of ``st``; exceptions and non-finite ĝ are recorded as failures.

    A ĝ of the wrong shape is not a failure but a bad estimator: :class:`AuditError` naming it.
    """
    if not isinstance(estimator, Estimator):
        raise AuditError(f"estimator must be made by pgverify.audit.torch_estimator, jax_estimator or "
                         f"numpy_estimator, got {type(estimator).__name__}")
    theta = np.asarray(st.policy.theta, dtype=np.float64)
    b = st.batches
    G = np.full((b.count, theta.size), np.nan)
    failed = np.zeros(b.count, dtype=bool)
    reasons: list = []
    for i in range(b.count):
        batch = _batch(b, i)
        try:
            g = np.asarray(estimator._run(theta, batch), dtype=np.float64)
        except AuditError:
            raise
        except Exception as exc:  # the user's code failed on this batch: a failure, recorded with its reason
            failed[i] = True
            reasons.append((b.probability[i], f"{type(exc).__name__}: {exc} on the batch with actions "
                                               f"{batch.actions.ravel().tolist()}"))
            continue
        if g.shape != theta.shape:
            raise AuditError(f"{estimator.name} returned a gradient of shape {g.shape}, but theta has shape "
                             f"{theta.shape}")
        if not np.all(np.isfinite(g)):
            failed[i] = True
            reasons.append((b.probability[i], f"non-finite ĝ {g.ravel().tolist()} on the batch with states "
                                               f"{batch.states.ravel().tolist()}, actions "
                                               f"{batch.actions.ravel().tolist()}"))
            continue
        G[i] = g.ravel()
    reasons.sort(key=lambda r: -float(r[0]))
    return Evaluation(st, G, failed, tuple(reasons[:3]), estimator)
