"""Property tests for your own policy-gradient code.

* :func:`assert_policy_gradient` — your ``grad_fn`` against the reference
  gradient ∇θU (U(θ) = μᵀ(I − λP_π)⁻¹r_π differentiated directly, exactly) on
  Hypothesis-drawn MDPs and tabular softmax policies π_θ(a|s) = e^{θ[s,a]} / Σ_b e^{θ[s,b]};
  with ``estimator=True``, the *exact expectation* of your single-trajectory
  estimator (every trajectory enumerated, weighted by its probability 𝒯_θ(τ))
  against ∇θU on episodic MDPs.
* :func:`taylor_test` — a step-size-free check of a gradient g at one θ: the
  Taylor remainder |U(θ + hδ) − U(θ) − h⟨g, δ⟩| shrinks like h² when g = ∇θU
  and only like h otherwise; the observed rate is reported.

Signatures of your code (θ has shape ``(S, A)``, the MDP is a float64
:class:`numeric.FiniteMDP` with ``P[s, a, s']``, ``r[s, a]``, ``discount``, ``mu0``):

* exact gradient: ``grad_fn(mdp, theta) -> array (S, A)``;
* estimator: ``grad_fn(mdp, theta, trajectories) -> array (S, A)``, where
  ``trajectories`` is a list of :class:`Trajectory` (``states`` (T + 1,),
  ``actions`` (T,), ``rewards`` (T,)); it is called on one trajectory at a time;
* PyTorch / JAX / NumPy code on library-style rollout batches: an estimator made by
  :func:`pgverify.audit.torch_estimator` (or ``jax_estimator``, ``numpy_estimator``),
  audited on every batch of a :class:`pgverify.audit.Rollout` (see docs/audit.md).

Episodic MDPs (:func:`pgverify.strategies.episodic_mdps`) have an absorbing, zero-reward last state
reached within ``horizon`` steps from s⁰ = 0, so a trajectory of ``horizon``
actions carries the whole return.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from hypothesis import HealthCheck, given
from hypothesis import seed as hypothesis_seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from numeric.errors import PGVerifyError
from numeric.evaluation import model as build_model
from numeric.evaluation import utility
from numeric.mdp import FiniteMDP
from numeric.policies import TabularSoftmax
from pgverify.audit import MIN_INFORMATIVE, Batch, Diagnosis, Estimator, Rollout, Setting, diagnose, expectation, \
    numpy_estimator, setting, targets, tolerance
from pgverify.checker import NUMERIC_RTOL
from pgverify.strategies import episodic_mdps, mdps_and_tabular_policies, tabular_softmax_policies

__all__ = ["assert_policy_gradient", "taylor_test", "TaylorResult", "Trajectory", "circulation_test",
           "CirculationResult", "expected_gradient", "InvalidTestArgument", "RATE_THRESHOLD", "TAYLOR_STEPS",
           "TAYLOR_FIT", "CIRCULATION_THRESHOLD", "CIRCULATION_STEPS"]

#: The Taylor remainder of a correct gradient is ½h²δᵀ∇²Uδ + O(h³) (rate 2); a wrong one leaves
#: h⟨∇U − g, δ⟩ (rate 1).  The midpoint 1.5 separates them.
RATE_THRESHOLD = 1.5

#: Step sizes h of :func:`taylor_test`: 2⁻², …, 2⁻¹⁰ keep h²-remainders far above float64 round-off.
TAYLOR_STEPS = tuple(2.0 ** -k for k in range(2, 11))

#: The rate is the slope through the remainders of the smallest steps (the asymptotic regime):
#: a small error in g shows only once h⟨∇U − g, δ⟩ outgrows ½h²δᵀ∇²Uδ, i.e. at small h.
TAYLOR_FIT = 3


class InvalidTestArgument(PGVerifyError, ValueError):
    """A bad argument to a :mod:`pgverify.testing` function."""


@dataclass(frozen=True)
class Trajectory:
    """One trajectory τ = (s₁, a₁, r₁, …, s_T, a_T, r_T, s_{T+1}) as integer states/actions and float rewards."""

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray


def _require_int(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise InvalidTestArgument(f"{name} must be an integer >= {low}, got {value!r}")


def _require_grad_fn(grad_fn: Any, params: tuple[str, ...]) -> None:
    """``grad_fn`` must be callable with the positional arguments ``params``."""
    if not callable(grad_fn):
        raise InvalidTestArgument(f"grad_fn must be callable, got {type(grad_fn).__name__}")
    try:
        signature = inspect.signature(grad_fn)
    except (TypeError, ValueError):  # a builtin without a signature: nothing to check up front
        return
    try:
        signature.bind(*params)
    except TypeError:
        raise InvalidTestArgument(f"grad_fn must accept {len(params)} positional arguments ({', '.join(params)}), "
                                  f"but its signature is {signature}") from None


def _reference(mdp: FiniteMDP, policy: TabularSoftmax) -> np.ndarray:
    g = build_model(mdp, policy, exact=True).grad_U
    return np.asarray(g, dtype=np.float64).reshape(policy.shape)


def _as_gradient(value: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    if value is None:
        raise InvalidTestArgument(f"{what} returned None; it must return the gradient, an array of shape {shape} "
                                  f"(is a `return` missing?)")
    try:
        g = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} returned {type(value).__name__} {value!r:.80}, not an array of numbers") from None
    if g.shape != shape:
        raise AssertionError(f"{what} returned shape {g.shape}, but theta has shape {shape}")
    return g


# --- estimators: the exact expectation over rollout batches (pgverify.audit) -------------------------------------
def _trajectory_estimator(grad_fn: Callable[..., Any], mdp: FiniteMDP) -> Estimator:
    """``grad_fn(mdp, theta, [Trajectory])`` as an audit estimator of one-environment batches."""
    fmdp = mdp.to_float()

    def on_batch(theta: np.ndarray, batch: Batch) -> Any:
        s = np.append(batch.states[:, 0], batch.last_states[0])
        tau = Trajectory(s, batch.actions[:, 0].copy(), batch.rewards[:, 0].copy())
        return _as_gradient(grad_fn(fmdp, theta.copy(), [tau]), theta.shape, "grad_fn(mdp, theta, [trajectory])")

    on_batch.__name__ = getattr(grad_fn, "__name__", "grad_fn")
    return numpy_estimator(on_batch)


def _audit_example(est: Estimator, st: Setting, target: str, up_to_factor: bool, lambdas: tuple[Any, ...],
                   rtol: float | None, what: str) -> bool:
    """Raise AssertionError unless E[ĝ] equals ``target`` (up to a positive factor when asked) in ``st``.

    Returns whether the example is evidence: always for an equality, for a match up to a factor only where
    the target is informative (:attr:`pgverify.audit.Diagnosis.informative`).
    """
    e = expectation(est, st)
    right = st.grad_U if target == "grad_U" else _target_value(st, target, lambdas)
    factor = 1.0
    if up_to_factor and float(np.sum(right * right)) > 0:
        factor = float(np.sum(e.value * right)) / float(np.sum(right * right))
    scale = max(e.magnitude, float(np.max(np.abs(e.value))), float(np.max(np.abs(right))))
    r, tol = tolerance(est.dtype, scale, rtol)
    diff = e.value - factor * right
    vanishing = float(np.max(np.abs(e.value), initial=0.0)) <= tol     # 0 = c·target with c → 0: no factor
    if factor > 0 and np.all(np.abs(diff) <= tol) and not (up_to_factor and vanishing and factor != 1.0):
        return not up_to_factor or diagnose(e, st, lambdas=lambdas, rtol=rtol).informative[target]
    raise _AuditFailure(lambda: _audit_message(what, e.value, right, factor, diff, tol, r, est.dtype, target,
                                               diagnose(e, st, lambdas=lambdas, rtol=rtol), st))


class _AuditFailure(AssertionError):
    """A failing example; its full message (with the diagnosis, costly) is made once, for the smallest example."""

    def __init__(self, message: Callable[[], str]) -> None:
        super().__init__("E[ĝ] differs from the target")
        self.message = message


def _target_value(st: Setting, name: str, lambdas: tuple[Any, ...]) -> np.ndarray:
    for t in targets(st, lambdas=lambdas):
        if t.name == name:
            if t.value is None:
                raise AssertionError(f"the target {name} does not apply: {t.reason}")
            return t.value
    raise InvalidTestArgument(f"target must name one of the targets of pgverify.audit.targets, got {name!r}")


def _audit_message(what: str, left: np.ndarray, right: np.ndarray, factor: float, diff: np.ndarray, tol: float,
                   rtol: float, dtype: str, target: str, d: Diagnosis, st: Setting) -> str:
    label = "∇θU(θ), U = E[Σ_t γ^t r_t] differentiated exactly" if target == "grad_U" else target
    if factor != 1.0:
        label = f"{factor:.6g} · {label} (the best positive factor)" if factor > 0 else \
            f"c · {label}: no positive factor c fits (best c = {factor:.6g})"
    policy = st.policy
    weights = getattr(policy, "weights", None)
    return "\n".join([
        "the policy gradient differs from the reference",
        f"  left  (yours):     {what} = {_show(left)}",
        f"  right (reference): {label} = {_show(factor * right if factor > 0 else right)}",
        f"  left − right = {_show(diff)} (largest |difference| {float(np.nanmax(np.abs(diff))):.3g}, tolerance "
        f"{tol:.3g} = rtol {rtol:.3g} for {dtype} × (1 + scale))",
        "  diagnosis: " + str(d).replace("\n", "\n    "),
        f"  mdp = {st.emdp.mdp!r}" + ("" if st.gamma == st.emdp.mdp.discount else f" with γ = {st.gamma}"),
        f"  rollout = {st.rollout!r}",
        f"  theta = log {_nested_weights(weights)} (entrywise)" if weights is not None
        else f"  theta = {_show(policy.theta)}",
    ])


def _nested_weights(w: np.ndarray) -> str:
    return "[" + ", ".join("[" + ", ".join(str(x) for x in row) + "]" for row in w) + "]"
# --- end of the estimators' part ---------------------------------------------------------------------------------


@st.composite
def _episodic_examples(draw: st.DrawFn, horizon: int, max_actions: int) -> tuple[FiniteMDP, TabularSoftmax]:
    mdp = draw(episodic_mdps(horizon=horizon, max_actions=max_actions))
    return mdp, draw(tabular_softmax_policies(num_states=mdp.num_states, num_actions=mdp.num_actions))


def assert_policy_gradient(grad_fn: Callable[..., Any], *, estimator: bool = False, horizon: int = 2,
                           max_examples: int = 30, seed: int = 0, max_states: int = 3, max_actions: int = 3,
                           rtol: float | None = None, rollout: Rollout | None = None, target: str = "grad_U",
                           up_to_factor: bool = False, lambdas: tuple[Any, ...] = ()) -> None:
    """Property-test ``grad_fn`` against the reference gradient ∇θU on Hypothesis-drawn MDPs.

    Args (keyword-only):
      estimator: ``grad_fn(mdp, theta, trajectories)`` is a single-trajectory
        estimator; its exact expectation over every trajectory of ``horizon``
        actions is compared with ∇θU on :func:`pgverify.strategies.episodic_mdps`.
        Implied when ``grad_fn`` is a :class:`pgverify.audit.Estimator` (PyTorch,
        JAX or NumPy code on rollout batches).
      horizon: actions per trajectory (episodic MDPs have ≤ horizon + 1 states).
      max_examples, seed: Hypothesis examples and the seed of every draw.
      max_states, max_actions: MDP sizes (``max_states`` for exact gradients only).
      rtol: None for the dtype's (:data:`pgverify.audit.RTOL`: float64
        :data:`pgverify.checker.NUMERIC_RTOL`, float32 2⁻¹⁶); exact gradients are
        compared by |left − right| ≤ rtol·(1 + max(|left|, |right|))/(1 − λ), estimators
        by |left − right| ≤ rtol·(1 + M), M the largest of E|ĝ|, |left| and |right|.
      rollout (estimators): the batches, default ``Rollout(n_steps=horizon)``: one
        environment, ``horizon`` steps from s⁰, padding after the episode's end.
      target (estimators): the name of the :func:`pgverify.audit.targets` entry E[ĝ]
        must equal, ``"grad_U"`` by default.
      up_to_factor (estimators): accept c·target for any c > 0 (a loss that is a mean
        over steps and environments); the factor is shown on failure.  A match up to a
        factor is evidence only on draws informative for the target (see
        :mod:`pgverify.audit.diagnosis`): fewer than :data:`pgverify.audit.MIN_INFORMATIVE`
        of them fail the assertion, saying so.
      lambdas (estimators): GAE λ's whose targets the diagnosis includes.

    Raises ``AssertionError`` on the smallest failing MDP Hypothesis finds; the
    message names the left side (your code) and the right side (the
    reference), and shows the MDP, θ, the difference and, for estimators, the
    tolerance with its dtype and the diagnosis of what E[ĝ] equals.
    """
    if not isinstance(grad_fn, Estimator):  # an audit estimator is called as (theta, batch) by pgverify.audit
        _require_grad_fn(grad_fn, ("mdp", "theta", "trajectories") if estimator else ("mdp", "theta"))
    for name, value, low in (("horizon", horizon, 1), ("max_examples", max_examples, 1), ("seed", seed, 0),
                             ("max_states", max_states, 1), ("max_actions", max_actions, 1)):
        _require_int(name, value, low)
    if rtol is not None and not (isinstance(rtol, (int, float)) and 0 < rtol < 1):
        raise InvalidTestArgument(f"rtol must lie in (0, 1), got {rtol!r}")
    audited = isinstance(grad_fn, Estimator)
    if audited or estimator:
        if rollout is not None and not isinstance(rollout, Rollout):
            raise InvalidTestArgument(f"rollout must be a pgverify.audit.Rollout, got {type(rollout).__name__}")
        rollout = Rollout(n_steps=horizon) if rollout is None else rollout
        lambdas = tuple(lambdas)
        examples = _episodic_examples(horizon, max_actions)
    else:
        examples = mdps_and_tabular_policies(max_states=max_states, max_actions=max_actions)

    evidence: list[bool] = []

    @hypothesis_settings(max_examples=max_examples, database=None, deadline=None,
                         suppress_health_check=list(HealthCheck), print_blob=False)
    @hypothesis_seed(seed)
    @given(examples)
    def property_test(example: tuple[FiniteMDP, TabularSoftmax]) -> None:
        mdp, policy = example
        if audited or estimator:
            est = grad_fn if audited else _trajectory_estimator(grad_fn, mdp)
            what = (f"E[ĝ] of {est!r} (exact expectation over every batch)" if audited else
                    f"E_τ[grad_fn(mdp, theta, [τ])] (exact expectation over every trajectory of {horizon} actions)")
            evidence.append(_audit_example(est, setting(mdp, policy, rollout), target, up_to_factor, lambdas, rtol,
                                           what))
            return
        left = _as_gradient(grad_fn(mdp.to_float(), policy.theta.copy()), policy.shape, "grad_fn(mdp, theta)")
        right = _reference(mdp, policy)
        r = NUMERIC_RTOL if rtol is None else rtol
        tol = r * (1 + np.maximum(np.abs(left), np.abs(right))) / (1 - float(mdp.discount))
        diff = left - right
        if not (np.all(np.isfinite(left)) and np.all(np.abs(diff) <= tol)):
            raise AssertionError(_message("grad_fn(mdp, theta)", left, right, diff, tol, mdp, policy))

    try:
        property_test()
    except _AuditFailure as failure:  # Hypothesis replays the smallest failing example last: this is it
        raise AssertionError(failure.message()) from None
    if up_to_factor and sum(evidence) < MIN_INFORMATIVE:
        raise AssertionError(f"E[ĝ] matched c·{target} (c > 0) on every drawn MDP, but only {sum(evidence)} of the "
                             f"{len(evidence)} draws were informative for it, fewer than MIN_INFORMATIVE = "
                             f"{MIN_INFORMATIVE}: elsewhere the geometry forces a match up to a factor (one direction "
                             f"per state with two actions; another target a multiple of it); draw more examples "
                             f"(max_examples) or richer MDPs (max_actions >= 3, horizon >= 2)")


def _show(a: Any) -> str:
    arr = np.asarray(a, dtype=np.float64)
    return f"{float(arr):.6g}" if arr.ndim == 0 else "[" + ", ".join(_show(x) for x in arr) + "]"


def _message(what: str, left: np.ndarray, right: np.ndarray, diff: np.ndarray, tol: np.ndarray,
             mdp: FiniteMDP, policy: TabularSoftmax) -> str:
    weights = _nested_weights(policy.weights) if policy.weights is not None else None
    return "\n".join([
        "the policy gradient differs from the reference",
        f"  left  (yours):     {what} = {_show(left)}",
        f"  right (reference): ∇θU(θ), U = μᵀ(I − λP_π)⁻¹r_π differentiated exactly = {_show(right)}",
        f"  left − right = {_show(diff)} (largest |difference| {float(np.nanmax(np.abs(diff))):.3g}, "
        f"tolerance {float(np.max(tol)):.3g})",
        f"  mdp = {mdp!r}",
        f"  theta = log {weights} (entrywise)" if weights is not None else f"  theta = {_show(policy.theta)}",
    ])


@dataclass(frozen=True)
class TaylorResult:
    """The Taylor remainders e(h) = |U(θ + hδ) − U(θ) − h⟨g, δ⟩| and their observed rate (slope of log e vs log h).

    ``rate`` is None when e(h) stays within float64 round-off for every h (U is
    flat along δ to working precision): the test cannot decide.
    """

    rate: float | None
    steps: tuple[float, ...]
    remainders: tuple[float, ...]

    @property
    def passed(self) -> bool | None:
        """True for rate ≥ :data:`RATE_THRESHOLD` (a gradient), False below, None when undecided."""
        return None if self.rate is None else self.rate >= RATE_THRESHOLD

    def __str__(self) -> str:
        if self.rate is None:
            return "Taylor test undecided: the remainders are within float64 round-off"
        verdict = "consistent with the gradient" if self.passed else "NOT the gradient"
        return f"Taylor remainder rate {self.rate:.2f} (2 for the gradient, 1 otherwise): {verdict}"


def taylor_test(grad_fn: Callable[[FiniteMDP, np.ndarray], Any] | Estimator, mdp: FiniteMDP, theta: Any, *,
                seed: int = 0, steps: tuple[float, ...] = TAYLOR_STEPS,
                rollout: Rollout | None = None) -> TaylorResult:
    """The observed rate at which |U(θ + hδ) − U(θ) − h⟨g, δ⟩| shrinks, g = ``grad_fn(mdp, theta)``.

    ``grad_fn`` may be a :class:`pgverify.audit.Estimator`: g(θ) is then its exact
    expectation E[ĝ](θ) over the batches of ``rollout`` (:func:`expected_gradient`),
    on an episodic ``mdp``.

    δ is a unit direction drawn from ``numpy.random.default_rng(seed)``; U is
    evaluated in float64 for the tabular softmax policy with parameters θ.
    A vanishing curvature along δ gives a rate of 3 or more, still a pass.
    The rate is the least-squares slope of log e(h) against log h over the
    :data:`TAYLOR_FIT` smallest steps whose remainder exceeds round-off
    (10⁻¹²·(1 + |U|)/(1 − λ)); with fewer such steps, the rate is None.

    >>> import numpy as np
    >>> from numeric import FiniteMDP, utility_gradient, TabularSoftmax
    >>> mdp = FiniteMDP(P=[[[0.9, 0.1], [0.2, 0.8]], [[0.5, 0.5], [0.0, 1.0]]], r=[[1.0, 0.0], [0.0, 2.0]],
    ...                 discount=0.5)
    >>> exact = lambda mdp, theta: utility_gradient(mdp, TabularSoftmax(theta))
    >>> theta = np.array([[0.3, -0.2], [0.1, 0.5]])
    >>> print(taylor_test(exact, mdp, theta))
    Taylor remainder rate 2.00 (2 for the gradient, 1 otherwise): consistent with the gradient
    >>> print(taylor_test(lambda mdp, theta: 2 * exact(mdp, theta), mdp, theta))
    Taylor remainder rate 1.00 (2 for the gradient, 1 otherwise): NOT the gradient
    """
    if not isinstance(grad_fn, Estimator):
        _require_grad_fn(grad_fn, ("mdp", "theta"))
    _require_int("seed", seed, 0)
    if not isinstance(mdp, FiniteMDP):
        raise InvalidTestArgument(f"mdp must be a numeric.FiniteMDP, got {type(mdp).__name__}")
    policy = TabularSoftmax(theta)
    policy.check_compatible(mdp)
    if not isinstance(steps, (tuple, list)) or len(steps) < 3 or not all(
            isinstance(h, (int, float)) and not isinstance(h, bool) and 0 < h < 1 for h in steps):
        raise InvalidTestArgument(f"steps must be at least three step sizes in (0, 1), got {steps!r}")
    fmdp = mdp.to_float()
    th = policy.theta
    if isinstance(grad_fn, Estimator):
        if rollout is not None and rollout.gamma is not None and rollout.gamma != mdp.discount:
            raise InvalidTestArgument(f"taylor_test compares with U at the MDP's discount {mdp.discount}; the rollout "
                                      f"declares gamma={rollout.gamma!r}")
        grad_fn = expected_gradient(grad_fn, rollout)
    value = grad_fn(fmdp, th.copy())
    if value is None:
        raise InvalidTestArgument(f"grad_fn returned None; it must return the gradient, an array of shape {th.shape} "
                                  f"(is a `return` missing?)")
    g = np.asarray(value, dtype=np.float64)
    if g.shape != th.shape:
        raise InvalidTestArgument(f"grad_fn returned shape {g.shape}, but theta has shape {th.shape}")
    delta = np.random.default_rng(seed).standard_normal(th.shape)
    delta /= np.linalg.norm(delta)
    u0 = float(utility(fmdp, policy))
    slope = float(np.sum(g * delta))
    rem = tuple(abs(float(utility(fmdp, TabularSoftmax(th + h * delta))) - u0 - h * slope) for h in steps)
    noise = 1e-12 * (1 + abs(u0)) / (1 - float(fmdp.discount))
    kept = [(math.log(h), math.log(e)) for h, e in zip(steps, rem) if e > noise]
    if len(kept) < TAYLOR_FIT:
        return TaylorResult(None, tuple(steps), rem)
    x, y = np.array(kept[-TAYLOR_FIT:]).T
    return TaylorResult(float(np.polyfit(x, y, 1)[0]), tuple(steps), rem)


# --- is E[ĝ] the gradient of anything? -------------------------------------------------------------------------
#: The circulation of a gradient field around a square of side h (midpoint rule on each side) is O(h⁴);
#: a field whose Jacobian is not symmetric leaves h²⟨δ₂, (J − Jᵀ)δ₁⟩ (rate 2); 3 separates them.
CIRCULATION_THRESHOLD = 3.0

#: Square sides h of :func:`circulation_test`: 2⁻¹, …, 2⁻⁶ keep h⁴-circulations above float64 round-off.
CIRCULATION_STEPS = tuple(2.0 ** -k for k in range(1, 7))


def expected_gradient(estimator: Estimator, rollout: Rollout | None = None) -> Callable[[FiniteMDP, np.ndarray], Any]:
    """θ ↦ E[ĝ](θ), the exact expectation of ``estimator`` over the batches of ``rollout``, as a grad_fn.

    For :func:`taylor_test` (is E[ĝ] = ∇U?) and :func:`circulation_test` (is E[ĝ] a gradient at all?);
    float64 weights (θ is any real array here), on an episodic ``mdp``.
    """
    if not isinstance(estimator, Estimator):
        raise InvalidTestArgument(f"estimator must be a pgverify.audit.Estimator, got {type(estimator).__name__}")

    def field(mdp: FiniteMDP, theta: np.ndarray) -> np.ndarray:
        return expectation(estimator, mdp, TabularSoftmax(theta), rollout=rollout).value

    return field


@dataclass(frozen=True)
class CirculationResult:
    """Circulations c(h) = ∮ g·dl around squares of side h in a random plane, and their observed rate.

    ``rate`` is None when every c(h) is within round-off (the field is curl-free to working precision
    in that plane: undecided).
    """

    rate: float | None
    steps: tuple[float, ...]
    circulations: tuple[float, ...]

    @property
    def conservative(self) -> bool | None:
        """True for rate ≥ :data:`CIRCULATION_THRESHOLD` (a gradient field), False below, None undecided."""
        return None if self.rate is None else self.rate >= CIRCULATION_THRESHOLD

    def __str__(self) -> str:
        if self.rate is None:
            return "circulation test undecided: the circulations are within round-off"
        verdict = "consistent with the gradient of some function" if self.conservative else \
            "NOT the gradient of any function (its Jacobian is not symmetric)"
        return f"circulation rate {self.rate:.2f} (4 for a gradient field, 2 otherwise): {verdict}"


def circulation_test(grad_fn: Callable[[FiniteMDP, np.ndarray], Any] | Estimator, mdp: FiniteMDP, theta: Any, *,
                     seed: int = 0, steps: tuple[float, ...] = CIRCULATION_STEPS,
                     rollout: Rollout | None = None) -> CirculationResult:
    """Whether the vector field θ ↦ g(θ) = ``grad_fn(mdp, θ)`` is the gradient of *any* function, near θ.

    g is integrated (midpoint rule) around squares θ → θ + hδ₁ → θ + hδ₁ + hδ₂ → θ + hδ₂ → θ,
    δ₁ ⊥ δ₂ unit directions from ``numpy.random.default_rng(seed)``.  A gradient field's circulation
    is O(h⁴); otherwise it is h²⟨δ₂, (J − Jᵀ)δ₁⟩ + O(h³).  The rate is fitted as in
    :func:`taylor_test` over the circulations above round-off (10⁻¹²·h·(1 + |g|)).  An
    :class:`pgverify.audit.Estimator` is tested through θ ↦ E[ĝ](θ) (:func:`expected_gradient`).
    Nota & Thomas (2020) show that E[Σ_t G_t ∇log π(a_t|s_t)] is in general not a gradient.
    """
    if isinstance(grad_fn, Estimator):
        grad_fn = expected_gradient(grad_fn, rollout)
    _require_grad_fn(grad_fn, ("mdp", "theta"))
    _require_int("seed", seed, 0)
    if not isinstance(mdp, FiniteMDP):
        raise InvalidTestArgument(f"mdp must be a numeric.FiniteMDP, got {type(mdp).__name__}")
    policy = TabularSoftmax(theta)
    policy.check_compatible(mdp)
    if len(steps) < 3 or not all(isinstance(h, (int, float)) and 0 < h < 1 for h in steps):
        raise InvalidTestArgument(f"steps must be at least three step sizes in (0, 1), got {steps!r}")
    fmdp, th = mdp.to_float(), policy.theta
    rng = np.random.default_rng(seed)
    d1, d2 = np.linalg.qr(rng.standard_normal((th.size, 2)))[0].T
    d1, d2 = d1.reshape(th.shape), d2.reshape(th.shape)

    def g(x: np.ndarray) -> np.ndarray:
        out = np.asarray(grad_fn(fmdp, x), dtype=np.float64)
        if out.shape != th.shape:
            raise InvalidTestArgument(f"grad_fn returned shape {out.shape}, but theta has shape {th.shape}")
        return out

    size = float(np.max(np.abs(g(th)))) + 1
    circ, kept = [], []
    for h in steps:
        sides = ((th + h * d1 / 2, d1), (th + h * d1 + h * d2 / 2, d2), (th + h * d2 + h * d1 / 2, -d1),
                 (th + h * d2 / 2, -d2))
        c = abs(sum(h * float(np.sum(g(x) * v)) for x, v in sides))
        circ.append(c)
        if c > 1e-12 * h * size:
            kept.append((math.log(h), math.log(c)))
    if len(kept) < TAYLOR_FIT:
        return CirculationResult(None, tuple(steps), tuple(circ))
    x, y = np.array(kept[-TAYLOR_FIT:]).T
    return CirculationResult(float(np.polyfit(x, y, 1)[0]), tuple(steps), tuple(circ))
