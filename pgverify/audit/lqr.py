"""Gaussian policies on the scalar LQR family: E[ĝ] by exact Gaussian moments (Gauss–Hermite quadrature).

The system s_{t+1} = A s_t + B a_t from a fixed s_0, reward r_t = −(q s_t² + ρ a_t²), horizon H, discount γ, and the
policy a_t = k s_t + σ ε_t, ε_t ~ N(0, 1) independent; θ = (k, σ).  An episode is a function of ε = (ε_0 … ε_{H−1}),
and an estimator that is a polynomial in ε of degree at most 2n − 1 in each ε_t (REINFORCE with the Gaussian score:
degree ≤ 4) has E[ĝ] = Σ_i w_i ĝ(ε_i) *exactly* on the tensor grid of n-point Gauss–Hermite nodes (probabilists',
weights normalised to 1).  :func:`lqr_audit` evaluates on n and on n + 3 nodes: when they differ beyond the
tolerance, ĝ is not such a polynomial (a standardisation, a clip) and the verdict is undecided.

The reference ∇U is direct: m_t = E[s_t²] obeys m_{t+1} = (A + Bk)² m_t + B²σ², U = −Σ_t γ^t ((q + ρk²) m_t + ρσ²),
differentiated through the recursion by the chain rule (no policy-gradient identity).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from pgverify.audit.diagnosis import RTOL
from pgverify.audit.layout import AuditError

__all__ = ["LQR", "LQREpisode", "LQRAudit", "lqr_grad_U", "lqr_audit", "GRID_LIMIT"]

#: Refuse a quadrature grid of more points than this (each is a call of the user's code).
GRID_LIMIT = 100_000


@dataclass(frozen=True)
class LQR:
    """The scalar LQR of the module docstring: ``A``, ``B``, ``q``, ``rho`` (ρ), ``gamma``, ``s0``, ``horizon`` H."""

    A: float = 0.9
    B: float = 1.0
    q: float = 1.0
    rho: float = 0.5
    gamma: float = 0.8
    s0: float = 1.0
    horizon: int = 2

    def __post_init__(self) -> None:
        if isinstance(self.horizon, bool) or not isinstance(self.horizon, int) or not 1 <= self.horizon <= 4:
            raise AuditError(f"horizon must be an integer in 1..4 (the quadrature grid grows as n^H), got {self.horizon!r}")
        if not 0 < self.gamma <= 1:
            raise AuditError(f"gamma must lie in (0, 1], got {self.gamma!r}")


@dataclass(frozen=True)
class LQREpisode:
    """One episode: ``states``, ``actions``, ``rewards`` (H,) float64, ``gamma``."""

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    gamma: float


def lqr_U(lqr: LQR, k: float, sigma: float) -> float:
    """U(k, σ) in closed form from the second moments."""
    m, U = lqr.s0 ** 2, 0.0
    for t in range(lqr.horizon):
        U -= lqr.gamma ** t * ((lqr.q + lqr.rho * k * k) * m + lqr.rho * sigma * sigma)
        m = (lqr.A + lqr.B * k) ** 2 * m + lqr.B ** 2 * sigma ** 2
    return U


def lqr_grad_U(lqr: LQR, theta: Any) -> np.ndarray:
    """∇(k, σ) U by the chain rule through the second-moment recursion."""
    k, sigma = (float(x) for x in theta)
    m, dm = lqr.s0 ** 2, np.zeros(2)
    g = np.zeros(2)
    for t in range(lqr.horizon):
        w = lqr.gamma ** t
        g -= w * (np.array([2 * lqr.rho * k * m, 2 * lqr.rho * sigma]) + (lqr.q + lqr.rho * k * k) * dm)
        c = (lqr.A + lqr.B * k) ** 2
        dm = c * dm + np.array([2 * (lqr.A + lqr.B * k) * lqr.B * m, 2 * lqr.B ** 2 * sigma])
        m = c * m + lqr.B ** 2 * sigma ** 2
    return g


def _episode(lqr: LQR, k: float, sigma: float, eps: tuple) -> LQREpisode:
    s, S, Acts, R = lqr.s0, [], [], []
    for e in eps:
        a = k * s + sigma * e
        S.append(s)
        Acts.append(a)
        R.append(-(lqr.q * s * s + lqr.rho * a * a))
        s = lqr.A * s + lqr.B * a
    return LQREpisode(np.array(S), np.array(Acts), np.array(R), float(lqr.gamma))


def _quadrature(lqr: LQR, fn: Callable[[np.ndarray, LQREpisode], np.ndarray], theta: np.ndarray,
                nodes: int) -> np.ndarray:
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / math.sqrt(2 * math.pi)
    total = np.zeros(2)
    for idx in itertools.product(range(nodes), repeat=lqr.horizon):
        weight = float(np.prod(w[list(idx)]))
        g = np.asarray(fn(theta, _episode(lqr, theta[0], theta[1], tuple(x[list(idx)]))), dtype=np.float64)
        if g.shape != (2,):
            raise AuditError(f"the estimator returned shape {g.shape}; θ = (k, σ) has shape (2,)")
        total += weight * g
    return total


def _practice(theta: np.ndarray, ep: LQREpisode) -> np.ndarray:
    """Σ_t G_t ∇log π(a_t|s_t) (γ^t dropped), with the Gaussian score, for the γ^t-less target."""
    k, sigma = theta
    G, out = 0.0, np.zeros(2)
    for t in reversed(range(len(ep.rewards))):
        G = ep.rewards[t] + ep.gamma * G
        z = (ep.actions[t] - k * ep.states[t]) / sigma
        out += G * np.array([z * ep.states[t] / sigma, (z * z - 1) / sigma])
    return out


@dataclass(frozen=True)
class LQRAudit:
    """``expectation`` E[ĝ], ``grad_U``, ``status`` (unbiased, biased, undecided), ``sentence``,
    ``relative_error``, ``cosine``, ``tolerance``, ``nodes``."""

    expectation: np.ndarray
    grad_U: np.ndarray
    status: str
    sentence: str
    relative_error: float
    cosine: float
    tolerance: float
    nodes: int


def lqr_audit(fn: Callable[[np.ndarray, LQREpisode], Any], lqr: LQR, theta: Any, *, nodes: int = 6,
              dtype: str = "float64") -> LQRAudit:
    """E[ĝ] of ``fn(theta, episode) -> ĝ`` (NumPy, θ = (k, σ)) on ``lqr`` by quadrature, judged against ∇U."""
    th = np.asarray(theta, dtype=np.float64)
    if th.shape != (2,) or not th[1] > 0:
        raise AuditError(f"theta must be (k, σ) with σ > 0, got {np.asarray(theta).tolist()}")
    if isinstance(nodes, bool) or not isinstance(nodes, int) or nodes < 3:
        raise AuditError(f"nodes must be an integer >= 3 (exact for degree 2·nodes − 1), got {nodes!r}")
    if (nodes + 3) ** lqr.horizon > GRID_LIMIT:
        raise AuditError(f"{nodes + 3}^{lqr.horizon} = {(nodes + 3) ** lqr.horizon} quadrature points (calls of the "
                         f"estimator) above GRID_LIMIT = {GRID_LIMIT}; use fewer nodes or a shorter horizon")
    e = _quadrature(lqr, fn, th, nodes)
    e2 = _quadrature(lqr, fn, th, nodes + 3)
    gu = lqr_grad_U(lqr, th)
    pr = _quadrature(lqr, _practice, th, nodes)
    scale = max(float(np.abs(e).max()), float(np.abs(gu).max()), float(np.abs(pr).max()))
    tol = RTOL[dtype] * (1 + scale)
    rel = float(np.linalg.norm(e - gu) / np.linalg.norm(gu))
    cos = float(e @ gu / (np.linalg.norm(e) * np.linalg.norm(gu))) if np.linalg.norm(e) > 0 else math.nan
    if float(np.abs(e - e2).max()) > tol:
        status, sentence = "undecided", (f"undecided: E[ĝ] changes with the quadrature ({nodes} vs {nodes + 3} nodes "
                                         f"per step): ĝ is not a polynomial in the Gaussian noise of low degree")
    elif float(np.abs(e - gu).max()) <= tol:
        status, sentence = "unbiased", "unbiased for ∇U"
    elif float(np.abs(e - pr).max()) <= tol and lqr.gamma < 1:
        status, sentence = "biased", "biased: it omits the γ^t weighting of step t; it equals ∇U only when γ = 1"
    else:
        status, sentence = "biased", f"biased: E[ĝ] is neither ∇U nor the γ^t-less target (relative error {rel:.3g})"
    return LQRAudit(e, gu, status, sentence, rel, cos, tol, nodes)
