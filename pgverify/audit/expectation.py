"""The exact expectation E[ĝ] of a user's estimator over every batch of a rollout.

    E[ĝ] = Σ_B P_θ(B) ĝ(B),

B ranging over every batch the :class:`~pgverify.audit.layout.Rollout` can
produce on an episodic MDP (:func:`~pgverify.audit.layout.enumerate_batches`).
With an exact MDP and exact policy weights (e^θ rational), P_θ(B) is an exact
rational and the sum is done in exact rationals of the user's floats: the only
rounding is in the user's own arithmetic (and the final conversion to
float64).  Otherwise it is a float64 sum.

The reference quantities come from differentiating U(θ) directly: for γ < 1
the project's Bellman-solve reference (:attr:`numeric.model.Model.grad_U`,
on the MDP with discount γ); for γ = 1 the chain rule through the
finite-horizon recursion v_k = r_π + γ P_π v_{k+1} (episodes end within the
horizon, so U is a finite sum).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from numeric.episodic import EpisodicMDP
from numeric.evaluation import Policy
from numeric.evaluation import model as build_model
from numeric.mdp import FiniteMDP
from numeric.model import Model
from pgverify.audit.frameworks import Estimator
from pgverify.audit.layout import AuditError, Batches, Rollout, enumerate_batches

__all__ = ["Expectation", "Setting", "setting", "expectation", "as_episodic"]


def as_episodic(mdp: FiniteMDP | EpisodicMDP) -> EpisodicMDP:
    """``mdp`` itself, or a FiniteMDP read as episodic: its last state absorbing, every path absorbed within S rounds.

    Raises :class:`numeric.errors.InvalidMDPError` (naming the state and the path) when it is not.
    """
    if isinstance(mdp, EpisodicMDP):
        return mdp
    if not isinstance(mdp, FiniteMDP):
        raise AuditError(f"mdp must be a numeric.FiniteMDP or numeric.episodic.EpisodicMDP, got {type(mdp).__name__}")
    return EpisodicMDP(mdp, absorbing=mdp.num_states - 1, horizon=mdp.num_states)


@dataclass(frozen=True, eq=False)
class Setting:
    """An episodic MDP, a policy and a rollout, with everything exact about them computed once.

    ``model`` is the float64 or exact model of the policy on the MDP (its own
    discount); ``gamma`` the rollout's γ; ``values`` v_θ (S,) and ``grad_U``
    (θ's shape) at γ; ``batches`` every batch with its probability.
    """

    emdp: EpisodicMDP
    policy: Policy
    rollout: Rollout
    gamma: Any
    model: Model
    values: np.ndarray
    grad_U: np.ndarray
    batches: Batches

    @property
    def exact(self) -> bool:
        return self.model.arithmetic.name != "float64"

    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(self.policy.theta)


def _gamma_model(emdp: EpisodicMDP, policy: Policy, gamma: Any, exact: bool) -> tuple[Model, np.ndarray, np.ndarray]:
    mdp = emdp.mdp
    m = build_model(mdp, policy, exact=exact)
    if gamma < 1:
        mg = m if gamma == mdp.discount else build_model(FiniteMDP(mdp.P, mdp.r, gamma, mdp.initial), policy,
                                                         exact=exact)
        return m, mg.v, mg.grad_U
    # γ = 1: U = μᵀ v_0 with v_k = r_π + P_π v_{k+1}, v_T = 0; differentiate the recursion (chain rule).
    dpi = m.dpi
    d_rpi = np.einsum("sak,sa->sk", dpi, m.r)
    v = m.r_pi * 0
    gv = d_rpi * 0
    for _ in range(emdp.horizon):
        v, gv = m.r_pi + gamma * (m.P_pi @ v), d_rpi + gamma * (np.einsum("sak,sat,t->sk", dpi, m.P, v) + m.P_pi @ gv)
    return m, v, m.mu0 @ gv


def setting(mdp: FiniteMDP | EpisodicMDP, policy: Policy, rollout: Rollout | None = None) -> Setting:
    """The :class:`Setting` of a policy on an episodic MDP (exact when both are exact)."""
    emdp = as_episodic(mdp)
    rollout = Rollout() if rollout is None else rollout
    if not isinstance(rollout, Rollout):
        raise AuditError(f"rollout must be a pgverify.audit.Rollout, got {type(rollout).__name__}")
    policy.check_compatible(emdp.mdp)
    gamma = rollout.discount(emdp)
    exact = bool(emdp.exact and policy.exact)
    m, v, grad = _gamma_model(emdp, policy, gamma, exact)
    features = getattr(policy, "features", None)
    batches = enumerate_batches(emdp, m.pi, v, rollout, features=features)
    shape = np.shape(policy.theta)
    return Setting(emdp, policy, rollout, gamma, m, v, np.reshape(grad, shape), batches)


@dataclass(frozen=True)
class Expectation:
    """E[ĝ] of an estimator in a :class:`Setting`.

    Attributes:
      value: E[ĝ], float64, θ's shape.
      exact: True when the weights P_θ(B) were exact and the sum was done in exact rationals.
      dtype: the estimator's dtype (``"float32"``, ``"float64"``).
      batches: how many batches were enumerated (calls of the user's code).
      magnitude: max over entries of E|ĝ| (the scale of the user's round-off).
    """

    value: np.ndarray
    exact: bool
    dtype: str
    batches: int
    magnitude: float


def expectation(estimator: Estimator, mdp: FiniteMDP | EpisodicMDP | Setting, policy: Policy | None = None, *,
                rollout: Rollout | None = None) -> Expectation:
    """E[ĝ] = Σ_B P_θ(B) ĝ(B) over every batch B of ``rollout`` (default :class:`Rollout`) on the episodic ``mdp``.

    ``estimator`` is made by :func:`~pgverify.audit.torch_estimator`,
    :func:`~pgverify.audit.jax_estimator` or :func:`~pgverify.audit.numpy_estimator`;
    ``policy`` a :class:`numeric.TabularSoftmax` or :class:`numeric.LinearSoftmax`
    (exact with ``from_weights``).  ``mdp`` may be a :class:`Setting` (then no policy).
    """
    if not isinstance(estimator, Estimator):
        raise AuditError(f"estimator must be made by pgverify.audit.torch_estimator, jax_estimator or "
                         f"numpy_estimator, got {type(estimator).__name__}")
    st = mdp if isinstance(mdp, Setting) else setting(mdp, policy, rollout)
    theta = np.asarray(st.policy.theta, dtype=np.float64)
    b = st.batches
    exact = st.exact
    total: Any = np.full(theta.size, Fraction(0), dtype=object) if exact else np.zeros(theta.size)
    absolute = np.zeros(theta.size)
    for i in range(b.count):
        g = estimator(theta, b.batch(i)).ravel()
        p = b.probability[i]
        if exact:
            total = total + p * np.array([Fraction(x) for x in g.tolist()], dtype=object)
        else:
            total = total + p * g
        absolute += float(p) * np.abs(g)
    value = np.asarray(total, dtype=np.float64).reshape(theta.shape)
    return Expectation(value, exact, estimator.dtype, b.count, float(absolute.max(initial=0.0)))
