"""Exact evaluation of a policy on a finite MDP: v, q, d, U and the reference ∇U.

Each function validates its arguments at the boundary and works in exact
arithmetic when both the MDP and the policy are exact, in float64 otherwise.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from numeric.arithmetic import EXACT, FLOAT64
from numeric.errors import InvalidArgumentError, InvalidMDPError, InvalidPolicyError
from numeric.flint_exact import Q, to_q
from numeric.mdp import FiniteMDP
from numeric.model import Model

__all__ = ["Policy", "model", "value", "action_value", "occupancy", "utility", "utility_gradient",
           "NonFiniteResultError"]


class NonFiniteResultError(InvalidArgumentError):
    """A float64 result overflowed (inf or nan): the inputs are too large for float64."""


def _finite(name: str, compute: Any, mdp: FiniteMDP) -> Any:
    """``compute()`` unless a float64 entry is inf or nan, which raises :class:`NonFiniteResultError` with the
    likely cause (and no overflow warnings on the way)."""
    with np.errstate(over="ignore", invalid="ignore"):
        x = compute()
    arr = np.asarray(x)
    if arr.dtype == object or np.all(np.isfinite(arr)):
        return x
    with np.errstate(over="ignore"):
        bound = float(np.max(np.abs(np.asarray(mdp.r, dtype=np.float64)))) / (1 - float(mdp.discount))
    raise NonFiniteResultError(
        f"{name} is not finite in float64 (got {float(arr.ravel()[~np.isfinite(arr.ravel())][0])}): returns can reach "
        f"max|r| / (1 − λ) = {bound:.3g}, so the arithmetic overflows; rescale r (the gradient scales with it) "
        f"or use exact arithmetic (Fraction entries)")


class Policy(Protocol):
    """What :func:`model` needs of a policy (``TabularSoftmax``, ``LinearSoftmax``, …)."""

    exact: bool

    def check_compatible(self, mdp: FiniteMDP) -> None: ...
    def probabilities(self) -> np.ndarray: ...
    def jacobian(self) -> np.ndarray: ...
    def vjp(self, g: np.ndarray) -> np.ndarray: ...
    def to_float(self) -> "Policy": ...


def model(mdp: FiniteMDP, policy: Policy, *, exact: bool | None = None, family: str = "",
          flint_rationals: bool = False) -> Model:
    """The :class:`Model` of ``policy`` on ``mdp``.

    ``exact=None`` is exact when both are exact; ``exact=True`` demands it;
    ``exact=False`` evaluates in float64.  ``flint_rationals=True`` holds the
    exact arrays as python-flint rationals (:class:`~numeric.flint_exact.Q`,
    several times faster than ``Fraction``, and mixing with it exactly).
    """
    if not isinstance(mdp, FiniteMDP):
        raise InvalidMDPError(f"mdp must be a numeric.FiniteMDP, got {type(mdp).__name__}")
    for method in ("check_compatible", "probabilities", "jacobian", "vjp", "to_float"):
        if not callable(getattr(policy, method, None)):
            raise InvalidPolicyError(f"policy must provide {method}(), got {type(policy).__name__}")
    policy.check_compatible(mdp)
    both_exact = mdp.exact and policy.exact
    if exact and not both_exact:
        which = "mdp" if not mdp.exact else "policy"
        raise InvalidMDPError(f"exact=True needs an exact mdp and an exact policy, but the {which} is float64")
    use_exact = both_exact if exact is None else exact
    if use_exact and flint_rationals:  # Q mixes exactly with the Fractions of the policy's Jacobian
        return Model(arithmetic=EXACT, P=to_q(mdp.P), r=to_q(mdp.r), lam=Q(mdp.discount), mu0=to_q(mdp.mu0),
                     pi=to_q(policy.probabilities()), jacobian=policy.jacobian, vjp=policy.vjp, family=family)
    if use_exact:
        return Model(arithmetic=EXACT, P=mdp.P, r=mdp.r, lam=mdp.discount, mu0=mdp.mu0, pi=policy.probabilities(),
                     jacobian=policy.jacobian, vjp=policy.vjp, family=family)
    f, fp = mdp.to_float(), policy.to_float()
    return Model(arithmetic=FLOAT64, P=f.P, r=f.r, lam=f.discount, mu0=f.mu0, pi=fp.probabilities(),
                 jacobian=fp.jacobian, vjp=fp.vjp, family=family)


def value(mdp: FiniteMDP, policy: Policy) -> np.ndarray:
    """v^π(s) = E_s^π[Σ_{t≥1} λ^{t−1} r(s_t, a_t)], shape ``(S,)``.

    >>> from fractions import Fraction as F
    >>> from numeric.mdp import FiniteMDP
    >>> from numeric.policies import TabularSoftmax
    >>> mdp = FiniteMDP(P=[[[1]]], r=[[1]], discount=F(1, 2))
    >>> value(mdp, TabularSoftmax.from_weights([[1]]))
    array([Fraction(2, 1)], dtype=object)
    """
    return _finite("v", lambda: model(mdp, policy).v, mdp)


def action_value(mdp: FiniteMDP, policy: Policy) -> np.ndarray:
    """q^π(s, a) = r(s, a) + λ Σ_{s'} P(s'|s, a) v^π(s'), shape ``(S, A)``."""
    return _finite("q", lambda: model(mdp, policy).q, mdp)


def occupancy(mdp: FiniteMDP, policy: Policy) -> np.ndarray:
    """d^π(s) = (1 − λ) Σ_{t≥1} λ^{t−1} P_μ(s_t = s), a distribution over states, shape ``(S,)``."""
    return _finite("d", lambda: model(mdp, policy).d, mdp)


def utility(mdp: FiniteMDP, policy: Policy) -> Any:
    """U(θ) = Σ_s μ(s) v^{π_θ}(s) — v^{π_θ}(s⁰) for an initial state s⁰."""
    return _finite("U", lambda: model(mdp, policy).U, mdp)


def utility_gradient(mdp: FiniteMDP, policy: Policy) -> np.ndarray:
    """∇θU with the shape of θ, by differentiating U = μᵀ(I − λP_π)⁻¹ r_π (adjoint of the solve).

    Cost: one LU factorisation of the S × S Bellman matrix (shared by the value
    and adjoint solves when SciPy is installed), one pass over P, and the
    policy's vector–Jacobian product; no (S, A, K) Jacobian is formed.

    >>> import numpy as np
    >>> from numeric.mdp import FiniteMDP
    >>> from numeric.policies import TabularSoftmax
    >>> mdp = FiniteMDP(P=np.ones((1, 2, 1)), r=[[1.0, 0.0]], discount=0.5)
    >>> utility_gradient(mdp, TabularSoftmax(np.zeros((1, 2))))
    array([[ 0.5, -0.5]])
    """
    g = _finite("∇U", lambda: model(mdp, policy).grad_U_adjoint, mdp)
    theta = getattr(policy, "theta", None)
    return g.reshape(np.shape(theta)) if theta is not None else g
