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
windows holding one episode each), E[ĝ] not vanishing.  tol = rtol·(1 + M),
M the largest of E|ĝ| and |T| entrywise, rtol from the dtype (:data:`RTOL`).

A match up to a factor is evidence only where the geometry does not force it.
On a drawn MDP a target T is *informative* (:attr:`Diagnosis.informative`) when

* the scores ∇θ log π(a|s) of the states T depends on span at least two
  directions (for the tabular softmax: (A − 1) per state where T is not zero),
  so a bias of E[ĝ] in those directions is parallel to T only by coincidence —
  with two actions and T supported on one state every estimator of the
  score-function form is a multiple of T;
* no other target T' ≠ T is a positive multiple of T there, so a match up to a
  factor tells T from T'.

:func:`survey` counts a target as holding only on informative draws, and
decides nothing below :data:`MIN_INFORMATIVE` of them.
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

__all__ = ["Target", "Diagnosis", "Survey", "targets", "diagnose", "survey", "tolerance", "RTOL", "MIN_INFORMATIVE"]

#: Relative tolerance by dtype.  float64: the project's numeric tolerance.  float32: 2⁻¹⁶ ≈ 1.5e-5, about
#: 128 float32 ulps (ε₃₂ = 1.2e-7): a sum of n returns times scores rounds by ~n·ε₃₂ relative, far below it,
#: and a bias of 1e-3 relative stays 60 times above it.
RTOL = {"float64": 1e-8, "float32": 2.0 ** -16}
#: float64's is the project's numeric tolerance, pgverify.checker.NUMERIC_RTOL (not imported: the checker pulls in
#: SymPy and Hypothesis, 2 s of start-up for `pgverify audit`; tests/test_audit_verdict.py asserts they agree).
NUMERIC_RTOL = RTOL["float64"]

#: The fewest informative draws on which :func:`survey` says a target holds; with fewer (and no draw against
#: it) its verdict is "undecided".  Half the default draws: a verdict rests on more informative draws than not.
MIN_INFORMATIVE = 10

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
    if not isinstance(st.policy, (TabularSoftmax, LinearSoftmax)):
        out.append(Target("grad_rho", "∇θρ of the reset chain (average reward per step)", None,
                          f"computed for tabular and linear softmax policies only, not {type(st.policy).__name__}"))
        return tuple(out)
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
      factors: ``{name: the best c = ⟨E[ĝ], T⟩/⟨T, T⟩}`` (None for a vanishing target).
      rtol, tolerance: the tolerance used (see :func:`tolerance`).
      dimension: rank of the applicable targets (1: every pair of them is proportional).
      informative: ``{name: bool}`` for the applicable targets: whether a match up to a factor with it is
        evidence on this MDP (the module docstring; False: it cannot be told from a bias or another target).
    """

    expectation: Expectation
    targets: tuple[Target, ...]
    matches: dict
    residuals: dict
    factors: dict
    rtol: float
    tolerance: float
    dimension: int
    informative: dict

    def _repr_html_(self) -> str:
        """In a notebook: a table of the verdicts, every text escaped (:func:`pgverify.notebook.html_of`)."""
        from pgverify.notebook import html_of

        return html_of(self)

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
                if c != 1.0 and not self.informative[t.name]:  # an equality is evidence whatever the geometry
                    how += " (not informative on this MDP: forced by its geometry or shared with another target)"
            else:
                c = self.factors[t.name]
                how = (f"differs: largest |E[ĝ] − T| {float(np.max(np.abs(e.value - t.value))):.3g}"
                       + (f"; best factor {c:.6g} leaves {self.residuals[t.name]:.3g}" if c and c > 0 else ""))
            lines.append(f"  {t.name} = {t.formula}: {how}")
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
    vanishing = float(np.max(np.abs(value), initial=0.0)) <= tol    # 0 = c·T with c → 0: no factor
    return (c if c > 0 and res <= tol and not vanishing else None), res, c


def _score_directions(st: Setting, t: np.ndarray, tol: float) -> int:
    """dim span{∇θ log π(a|s) : s a state T depends on}: the directions in which E[ĝ] could leave T.

    Tabular softmax: the states whose block T[s, ·] is not zero (each gives A − 1 directions); any other
    policy: every state but the absorbing one.
    """
    score = np.asarray(st.model.score, dtype=np.float64)             # (S, A, K)
    S, A, K = score.shape
    if isinstance(st.policy, TabularSoftmax):
        states = [s for s in range(S) if float(np.max(np.abs(t.reshape(S, A)[s]))) > tol]
    else:
        states = [s for s in range(S) if s != st.emdp.absorbing]
    rows = score[states].reshape(-1, K)
    return int(np.linalg.matrix_rank(rows, tol=NUMERIC_RTOL * (1 + float(np.max(np.abs(rows)))))) if states else 0


def _informative(t: Target, applicable: list[Target], st: Setting, tol: float) -> bool:
    """Whether a match of E[ĝ] with c·T (c > 0) is evidence on this MDP (the module docstring)."""
    if _score_directions(st, t.value, tol) < 2:
        return False
    for other in applicable:
        if other.name == t.name or float(np.max(np.abs(other.value - t.value))) <= tol:
            continue  # T itself, or a target equal to it on this MDP (an identity here, not a coincidence)
        if _compare(other.value, t.value, tol)[0] is not None:
            return False  # T' = k·T, k > 0, T' ≠ T: a match with T is a match with T'
    return True


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
    informative = {t.name: _informative(t, applicable, st, tol) for t in applicable}
    return Diagnosis(e, ts, matches, residuals, factors, r, tol, dim, informative)


@dataclass(frozen=True)
class Survey:
    """What E[ĝ] equals on Hypothesis-drawn episodic MDPs: per target, a verdict and the draws behind it.

    Attributes:
      examples: how many MDPs were drawn.
      informative: ``{name: draws where the target applied and was informative}`` (module docstring).
      matched: ``{name: (informative draws where E[ĝ] = c·target with c > 0, smallest c, largest c)}``.
      against: ``{name: draws, informative or not, where the target applied and E[ĝ] was no positive
        multiple of it}`` (one is a counterexample, whatever the geometry).
      minimum: the fewest informative draws for a "holds" (:data:`MIN_INFORMATIVE` by default).
      rollout, dtype: the batches and the estimator's dtype.
    """

    examples: int
    informative: dict
    matched: dict
    against: dict
    minimum: int
    rollout: Rollout
    dtype: str

    def _repr_html_(self) -> str:
        """In a notebook: a table of the verdicts, every text escaped (:func:`pgverify.notebook.html_of`)."""
        from pgverify.notebook import html_of

        return html_of(self)

    def verdict(self, name: str) -> str:
        """``"fails"`` (a draw against), ``"holds"`` (none against, ≥ ``minimum`` informative), or ``"undecided"``."""
        if name not in self.informative:
            raise AuditError(f"no target named {name!r}; the targets are {list(self.informative)}")
        if self.against[name]:
            return "fails"
        return "holds" if self.informative[name] >= self.minimum else "undecided"

    def holds(self, name: str) -> bool:
        """True when E[ĝ] is a positive multiple of ``name`` on every draw, ≥ ``minimum`` of them informative."""
        return self.verdict(name) == "holds"

    def __str__(self) -> str:
        lines = [f"{self.examples} Hypothesis-drawn MDPs, {self.dtype}: a target holds when E[ĝ] = c·target, c > 0, "
                 f"on every draw, at least {self.minimum} of them informative"]
        for name, n in self.informative.items():
            count, lo, hi = self.matched[name]
            span = "" if not count else "; factor " + (f"{lo:.6g}" if lo == hi else f"{lo:.6g} to {hi:.6g}")
            verdict = self.verdict(name)
            if verdict == "fails":
                why = f"no positive multiple on {self.against[name]} draws; matched on {count}/{n} informative"
            elif verdict == "holds":
                why = f"on {count}/{n} informative draws{span}"
            else:
                why = f"only {n} informative draws, fewer than {self.minimum}; none against{span}"
            lines.append(f"  {name}: {verdict} ({why})")
        return "\n".join(lines)


def survey(estimator: Estimator, *, rollout: Rollout | None = None, lambdas: tuple[Any, ...] = (),
           max_examples: int = 20, seed: int = 0, horizon: int = 3, min_horizon: int = 2, max_actions: int = 3,
           min_actions: int = 3, min_discount: Any = Fraction(1, 10), minimum: int = MIN_INFORMATIVE,
           rtol: float | None = None) -> Survey:
    """Diagnose ``estimator`` on ``max_examples`` episodic MDPs and tabular softmax policies drawn by Hypothesis.

    The MDPs (:func:`numeric.strategies.episodic_mdps`, exact, seeded by ``seed``; nothing is shrunk) have
    ``min_horizon`` to ``horizon`` non-absorbing states (episodes of up to ``horizon`` steps),
    ``min_actions`` to ``max_actions`` actions and γ ≥ ``min_discount``: by default 2–3 states, 3 actions,
    γ ≥ 1/10, so that most draws are informative (module docstring).  ``rollout`` defaults to
    ``Rollout(n_steps=horizon)``.  A target holds when no draw is against it and at least ``minimum``
    draws are informative for it; with fewer the survey cannot decide (:meth:`Survey.verdict`).
    """
    from hypothesis import HealthCheck, Phase, given, seed as hseed, settings as hsettings, strategies as hst

    from numeric.strategies import episodic_mdps
    from pgverify.strategies import tabular_softmax_policies

    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
        raise AuditError(f"minimum must be an integer >= 1, got {minimum!r}")
    rollout = Rollout(n_steps=horizon) if rollout is None else rollout
    mdps = episodic_mdps(min_nonabsorbing=min_horizon, max_nonabsorbing=horizon, min_actions=min_actions,
                         max_actions=max_actions, min_discount=Fraction(min_discount))
    seen: list[Diagnosis] = []

    @hst.composite
    def examples(draw: Any) -> tuple[FiniteMDP, TabularSoftmax]:
        mdp = draw(mdps).mdp
        return mdp, draw(tabular_softmax_policies(num_states=mdp.num_states, num_actions=mdp.num_actions))

    @hsettings(max_examples=max_examples, database=None, deadline=None, phases=[Phase.generate],
               suppress_health_check=list(HealthCheck), print_blob=False)
    @hseed(seed)
    @given(examples())
    def run(example: tuple[FiniteMDP, TabularSoftmax]) -> None:
        seen.append(diagnose(estimator, *example, rollout=rollout, lambdas=lambdas, rtol=rtol))

    run()
    informative: dict = {}
    matched: dict = {}
    against: dict = {}
    for d in seen:
        for t in d.targets:
            if t.value is None:
                continue
            n, (count, lo, hi), bad = (informative.get(t.name, 0), matched.get(t.name, (0, float("inf"), 0.0)),
                                       against.get(t.name, 0))
            if t.name not in d.matches:
                bad += 1
            elif d.informative[t.name]:
                c = d.matches[t.name]
                count, lo, hi = count + 1, min(lo, c), max(hi, c)
            informative[t.name] = n + d.informative[t.name]
            matched[t.name], against[t.name] = (count, lo, hi), bad
    return Survey(len(seen), informative, matched, against, minimum, rollout, estimator.dtype)
