"""What E[ĝ] equals: a diagnosis against named targets, with tolerances from the estimator's dtype.

The targets, over one episode τ = (s_0, a_0, …) of the episodic MDP, with
G_t^κ = Σ_{k≥t} κ^{k−t} r(s_k, a_k) and ∇log π_t = ∇θ log π_θ(a_t|s_t):

==========================================  ==================================================
name                                        value
==========================================  ==================================================
``grad_U``                                  ∇θU, U = E[Σ_t γ^t r_t] (differentiated directly)
``practice.undiscounted-score-weighting``   E[Σ_t G_t^γ ∇log π_t]  (the γ^t weight dropped)
``lambda-returns(λ)``                       E[Σ_t G_t^{γλ} ∇log π_t]  (GAE(λ) with a zero baseline; λ ≠ 1)
``discounted-lambda-returns(λ)``            E[Σ_t γ^t G_t^{γλ} ∇log π_t]  (the same with w_t = γ^t)
``grad_rho``                                ∇θρ of the reset chain (each episode followed by a new
                                            one from μ), ρ its average reward per step; when ergodic
==========================================  ==================================================

E[ĝ] *equals* a target T when |E[ĝ] − T| ≤ tol entrywise, and equals it *up
to a positive factor* c = ⟨E[ĝ], T⟩/⟨T, T⟩ > 0 when |E[ĝ] − cT| ≤ tol
(a loss that is a mean over steps and environments has c = 1/(n·E) on
windows holding one episode each).  tol = rtol·(1 + M), M the largest of
E|ĝ| and |T| entrywise, rtol from the dtype (:data:`RTOL`).  On MDPs whose
gradients span one direction every pair of targets is proportional: read
the factor together with :attr:`Diagnosis.dimension`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from numeric.average import average_reward_gradient
from numeric.episodic import episodes, episodic_model, expect
from numeric.errors import InvalidMDPError
from numeric.estimators import discounts, reward_to_go
from numeric.evaluation import Policy
from numeric.linear import LinearSoftmax
from numeric.mdp import FiniteMDP
from numeric.policies import TabularSoftmax
from pgverify.audit.expectation import Expectation, Setting, expectation, setting
from pgverify.audit.frameworks import Estimator
from pgverify.audit.layout import AuditError, Rollout
from pgverify.checker import NUMERIC_RTOL

__all__ = ["Target", "Diagnosis", "Survey", "targets", "diagnose", "survey", "tolerance", "RTOL"]

#: Relative tolerance by dtype.  float64: the project's numeric tolerance.  float32: 2⁻¹⁶ ≈ 1.5e-5, about
#: 128 float32 ulps (ε₃₂ = 1.2e-7): a sum of n returns times scores rounds by ~n·ε₃₂ relative, far below it,
#: and a bias of 1e-3 relative stays 60 times above it.
RTOL = {"float64": NUMERIC_RTOL, "float32": 2.0 ** -16}

GRAD_U = "grad_U"
PRACTICE = "practice.undiscounted-score-weighting"


@dataclass(frozen=True)
class Target:
    """A named target: ``value`` (float64, θ's shape) or None with the ``reason`` it does not apply."""

    name: str
    formula: str
    value: np.ndarray | None
    reason: str = ""


def _lam_name(lam: Any) -> str:
    return f"{float(lam):g}"


def _reset_chain_gradient(st: Setting) -> np.ndarray:
    """∇θρ of the chain that restarts from μ on absorption (the absorbing state removed)."""
    mdp, z = st.emdp.mdp, st.emdp.absorbing
    keep = [s for s in range(mdp.num_states) if s != z]
    P = mdp.P[np.ix_(keep, range(mdp.num_actions), keep)] + mdp.P[keep][:, :, [z]] * mdp.mu0[keep][None, None, :]
    chain = FiniteMDP(P, mdp.r[keep], mdp.discount, mdp.mu0[keep])
    pol = st.policy
    if isinstance(pol, LinearSoftmax):
        sub: Policy = (LinearSoftmax.from_weights(np.asarray(pol.features, dtype=object)[keep], pol.weights)
                       if pol.exact else LinearSoftmax(pol.features[keep], pol.theta))
    else:
        sub = TabularSoftmax.from_weights(pol.weights[keep]) if pol.exact else TabularSoftmax(pol.theta[keep])
    g = np.asarray(average_reward_gradient(chain, sub), dtype=np.float64)
    if isinstance(pol, LinearSoftmax):
        return g
    full = np.zeros(st.shape)
    full[keep] = g.reshape(len(keep), mdp.num_actions)
    return full


def targets(st: Setting, *, lambdas: tuple[Any, ...] = ()) -> tuple[Target, ...]:
    """The named targets of the module docstring in a :class:`Setting`; ``lambdas`` adds GAE λ's."""
    gamma, shape = st.gamma, st.shape
    ep = episodes(episodic_model(st.emdp, st.policy, exact=st.exact))
    T = ep.rewards.shape[1]

    def weighted(kappa: Any, weight: np.ndarray | None) -> np.ndarray:
        G = reward_to_go(ep.rewards, kappa)
        if weight is not None:
            G = G * weight[None, :]
        per = (G[:, :, None] * ep.score).sum(axis=1)
        return np.asarray(expect(ep.prob, per), dtype=np.float64).reshape(shape)

    out = [Target(GRAD_U, "∇θU, U = E[Σ_t γ^t r_t]", np.asarray(st.grad_U, dtype=np.float64)),
           Target(PRACTICE, "E[Σ_t G_t ∇log π(a_t|s_t)], G_t = Σ_{k≥t} γ^{k−t} r_k", weighted(gamma, None))]
    gw = discounts(gamma, T)
    for lam in lambdas:
        if lam == 1:  # G^γ: the targets practice.undiscounted-score-weighting and ∇U themselves
            continue
        lam_x = Fraction(repr(float(lam))) if st.exact and isinstance(lam, float) else lam
        kappa = gamma * lam_x
        out.append(Target(f"lambda-returns({_lam_name(lam)})",
                          f"E[Σ_t G_t^{{γλ}} ∇log π(a_t|s_t)], γλ = {float(kappa):g}", weighted(kappa, None)))
        formula = f"E[Σ_t γ^t G_t^{{γλ}} ∇log π(a_t|s_t)], γλ = {float(kappa):g}"
        out.append(Target(f"discounted-lambda-returns({_lam_name(lam)})", formula, weighted(kappa, gw)))
    try:
        rho = _reset_chain_gradient(st)
        out.append(Target("grad_rho", "∇θρ of the reset chain (average reward per step)", rho))
    except InvalidMDPError as err:
        out.append(Target("grad_rho", "∇θρ of the reset chain (average reward per step)", None, str(err)))
    return tuple(out)


def tolerance(dtype: str, magnitude: float, rtol: float | None = None) -> tuple[float, float]:
    """(rtol, tol): ``rtol`` or :data:`RTOL` of the dtype, and tol = rtol·(1 + magnitude)."""
    r = RTOL[dtype] if rtol is None else float(rtol)
    return r, r * (1 + magnitude)


@dataclass(frozen=True)
class Diagnosis:
    """What E[ĝ] equals among the :class:`Target` s.

    Attributes:
      expectation: the :class:`~pgverify.audit.expectation.Expectation`.
      targets: every target, applicable or not.
      matches: ``{name: factor}`` of the targets E[ĝ] equals up to a positive factor (1.0: equals).
      residuals: ``{name: max |E[ĝ] − c·T|}`` with the best c (c = 1 if it is not positive).
      rtol, tolerance: the tolerance used (see :func:`tolerance`).
      dimension: rank of the applicable targets (1: every pair of them is proportional).
    """

    expectation: Expectation
    targets: tuple[Target, ...]
    matches: dict
    residuals: dict
    factors: dict
    rtol: float
    tolerance: float
    dimension: int

    def equals(self, name: str) -> bool:
        """True when E[ĝ] equals target ``name`` (factor 1 within the tolerance)."""
        return name in self.matches and self.matches[name] == 1.0

    def target(self, name: str) -> Target:
        for t in self.targets:
            if t.name == name:
                return t
        raise AuditError(f"no target named {name!r}; the targets are {[t.name for t in self.targets]}")

    @property
    def summary(self) -> str:
        """One line: what E[ĝ] equals."""
        if not self.matches:
            return "E[ĝ] equals none of the targets"
        parts = [t if c == 1.0 else f"{c:.6g}·{t}" for t, c in self.matches.items()]
        return "E[ĝ] = " + " = ".join(parts)

    def __str__(self) -> str:
        e = self.expectation
        lines = [self.summary,
                 f"  E[ĝ] over {e.batches} batches ({'exact weights' if e.exact else 'float64 weights'}; the "
                 f"estimator's dtype {e.dtype}, rtol {self.rtol:.3g}, tolerance {self.tolerance:.3g})"]
        for t in self.targets:
            if t.value is None:
                lines.append(f"  {t.name}: not applicable ({t.reason})")
                continue
            if t.name in self.matches:
                c = self.matches[t.name]
                how = "equal" if c == 1.0 else f"equal up to the positive factor {c:.6g}"
            else:
                c = self.factors[t.name]
                how = (f"differs: largest |E[ĝ] − T| {float(np.max(np.abs(e.value - t.value))):.3g}"
                       + (f"; best factor {c:.6g} leaves {self.residuals[t.name]:.3g}" if c and c > 0 else ""))
            lines.append(f"  {t.name} = {t.formula}: {how}")
        if self.dimension <= 1 and len(self.matches) > 1:
            lines.append("  (the targets span one direction on this MDP: their factors are not informative)")
        return "\n".join(lines)


def _compare(value: np.ndarray, t: np.ndarray, tol: float) -> tuple[float | None, float, float | None]:
    """(factor if it matches, residual, best factor; None for a vanishing target)."""
    tt = float(np.sum(t * t))
    if float(np.max(np.abs(t), initial=0.0)) <= tol:
        res = float(np.max(np.abs(value), initial=0.0))
        return (1.0 if res <= tol else None), res, None
    if float(np.max(np.abs(value - t))) <= tol:
        return 1.0, float(np.max(np.abs(value - t))), 1.0
    c = float(np.sum(value * t)) / tt
    res = float(np.max(np.abs(value - c * t))) if c > 0 else float(np.max(np.abs(value - t)))
    return (c if c > 0 and res <= tol else None), res, c


def diagnose(estimator: Estimator | Expectation, mdp: FiniteMDP | Setting, policy: Policy | None = None, *,
             rollout: Rollout | None = None, lambdas: tuple[Any, ...] = (), rtol: float | None = None) -> Diagnosis:
    """The :class:`Diagnosis` of ``estimator`` (or of an already computed Expectation) on ``mdp`` and ``policy``.

    ``lambdas``: the GAE λ's whose λ-return targets to include; ``rtol``: None
    for the dtype's (:data:`RTOL`).  ``mdp`` may be a :class:`Setting` (then no policy).
    """
    st = mdp if isinstance(mdp, Setting) else setting(mdp, policy, rollout)
    e = estimator if isinstance(estimator, Expectation) else expectation(estimator, st)
    ts = targets(st, lambdas=tuple(lambdas))
    applicable = [t for t in ts if t.value is not None]
    scale = max([e.magnitude, float(np.max(np.abs(e.value), initial=0.0))]
                + [float(np.max(np.abs(t.value), initial=0.0)) for t in applicable])
    r, tol = tolerance(e.dtype, scale, rtol)
    matches, residuals, factors = {}, {}, {}
    for t in applicable:
        c, res, best = _compare(e.value, t.value, tol)
        residuals[t.name], factors[t.name] = res, best
        if c is not None:
            matches[t.name] = c
    stack = np.array([t.value.ravel() for t in applicable]) if applicable else np.zeros((0, 1))
    dim = int(np.linalg.matrix_rank(stack, tol=tol)) if stack.size else 0
    return Diagnosis(e, ts, matches, residuals, factors, r, tol, dim)


@dataclass(frozen=True)
class Survey:
    """What E[ĝ] equals on Hypothesis-drawn episodic MDPs: per target, on how many examples and with which factors.

    ``examples`` = how many MDPs were drawn; ``informative`` = how many of them had applicable targets
    spanning more than one direction (on the others a match up to a factor is automatic, and they are
    left out); ``matched[name]`` = (informative examples where E[ĝ] equals the target up to a positive
    factor, smallest factor, largest factor).
    """

    examples: int
    informative: int
    matched: dict
    rollout: Rollout
    dtype: str

    def holds(self, name: str) -> bool:
        """True when E[ĝ] equals ``name`` up to a positive factor on every informative example (and there is one)."""
        return self.informative > 0 and self.matched.get(name, (0,))[0] == self.informative

    def __str__(self) -> str:
        lines = [f"{self.examples} Hypothesis-drawn MDPs ({self.informative} with targets in more than one "
                 f"direction), {self.dtype}:"]
        for name, (count, lo, hi) in self.matched.items():
            if count:
                span = "1" if lo == hi == 1.0 else (f"{lo:.6g}" if lo == hi else f"{lo:.6g} to {hi:.6g}")
                lines.append(f"  {name}: on {count}/{self.informative} (factor {span})")
        if not any(c for c, _, _ in self.matched.values()):
            lines.append("  no target on any of them")
        return "\n".join(lines)


def survey(estimator: Estimator, *, rollout: Rollout | None = None, lambdas: tuple[Any, ...] = (),
           max_examples: int = 20, seed: int = 0, horizon: int = 2, max_actions: int = 3,
           rtol: float | None = None) -> Survey:
    """Diagnose ``estimator`` on ``max_examples`` episodic MDPs and tabular softmax policies drawn by Hypothesis.

    Draws are those of :func:`pgverify.testing.assert_policy_gradient` (exact MDPs of at most
    ``horizon`` + 1 states, seeded by ``seed``); nothing is shrunk.  ``rollout`` defaults to
    ``Rollout(n_steps=horizon)``.
    """
    from hypothesis import HealthCheck, Phase, given, seed as hseed, settings as hsettings, strategies as hst

    from pgverify.strategies import episodic_mdps, tabular_softmax_policies

    rollout = Rollout(n_steps=horizon) if rollout is None else rollout
    seen: list[Diagnosis] = []

    @hst.composite
    def examples(draw: Any) -> tuple[FiniteMDP, TabularSoftmax]:
        mdp = draw(episodic_mdps(horizon=horizon, max_actions=max_actions))
        return mdp, draw(tabular_softmax_policies(num_states=mdp.num_states, num_actions=mdp.num_actions))

    @hsettings(max_examples=max_examples, database=None, deadline=None, phases=[Phase.generate],
               suppress_health_check=list(HealthCheck), print_blob=False)
    @hseed(seed)
    @given(examples())
    def run(example: tuple[FiniteMDP, TabularSoftmax]) -> None:
        seen.append(diagnose(estimator, *example, rollout=rollout, lambdas=lambdas, rtol=rtol))

    run()
    matched: dict = {}
    informative = [d for d in seen if d.dimension > 1]
    for d in informative:
        for t in d.targets:
            count, lo, hi = matched.get(t.name, (0, float("inf"), 0.0))
            if t.name in d.matches:
                c = d.matches[t.name]
                count, lo, hi = count + 1, min(lo, c), max(hi, c)
            matched[t.name] = (count, lo, hi)
    return Survey(len(seen), len(informative), matched, rollout, estimator.dtype)
