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
  ``actions`` (T,), ``rewards`` (T,)); it is called on one trajectory at a time.

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
from pgverify.checker import NUMERIC_RTOL
from pgverify.strategies import episodic_mdps, mdps_and_tabular_policies, tabular_softmax_policies
from pgverify.trajectories import trajectories

__all__ = ["assert_policy_gradient", "taylor_test", "TaylorResult", "Trajectory",
           "InvalidTestArgument", "RATE_THRESHOLD", "TAYLOR_STEPS", "TAYLOR_FIT"]

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


def _estimator_expectation(grad_fn: Callable[..., Any], mdp: FiniteMDP, policy: TabularSoftmax,
                           horizon: int) -> np.ndarray:
    """E_{τ∼𝒯_θ}[grad_fn(mdp, θ, [τ])] = Σ_τ 𝒯_θ(τ) grad_fn(mdp, θ, [τ]), every τ of ``horizon`` actions."""
    m = build_model(mdp, policy, exact=True)
    tr = trajectories(m, horizon=horizon)
    fmdp, theta = mdp.to_float(), policy.theta
    total = np.zeros(policy.shape)
    r = np.asarray(mdp.r, dtype=np.float64)
    for n in range(tr.probability.shape[0]):
        s, a = tr.states[:, n].copy(), tr.actions[:, n].copy()
        tau = Trajectory(s, a, r[s[:-1], a])
        g = _as_gradient(grad_fn(fmdp, theta.copy(), [tau]), policy.shape, "grad_fn(mdp, theta, [trajectory])")
        total = total + float(tr.probability[n]) * g
    return total


@st.composite
def _episodic_examples(draw: st.DrawFn, horizon: int, max_actions: int) -> tuple[FiniteMDP, TabularSoftmax]:
    mdp = draw(episodic_mdps(horizon=horizon, max_actions=max_actions))
    return mdp, draw(tabular_softmax_policies(num_states=mdp.num_states, num_actions=mdp.num_actions))


def assert_policy_gradient(grad_fn: Callable[..., Any], *, estimator: bool = False, horizon: int = 2,
                           max_examples: int = 30, seed: int = 0, max_states: int = 3, max_actions: int = 3,
                           rtol: float = NUMERIC_RTOL) -> None:
    """Property-test ``grad_fn`` against the reference gradient ∇θU on Hypothesis-drawn MDPs.

    Args (keyword-only):
      estimator: ``grad_fn(mdp, theta, trajectories)`` is a single-trajectory
        estimator; its exact expectation over every trajectory of ``horizon``
        actions is compared with ∇θU on :func:`pgverify.strategies.episodic_mdps`.
      horizon: actions per trajectory (episodic MDPs have ≤ horizon + 1 states).
      max_examples, seed: Hypothesis examples and the seed of every draw.
      max_states, max_actions: MDP sizes (``max_states`` for exact gradients only).
      rtol: :data:`pgverify.checker.NUMERIC_RTOL` by default; the comparison is
        |left − right| ≤ rtol·(1 + max(|left|, |right|))/(1 − λ) entrywise.

    Raises ``AssertionError`` on the smallest failing MDP Hypothesis finds; the
    message names the left side (your code) and the right side (the
    reference), and shows the MDP, θ and the difference.
    """
    _require_grad_fn(grad_fn, ("mdp", "theta", "trajectories") if estimator else ("mdp", "theta"))
    for name, value, low in (("horizon", horizon, 1), ("max_examples", max_examples, 1), ("seed", seed, 0),
                             ("max_states", max_states, 1), ("max_actions", max_actions, 1)):
        _require_int(name, value, low)
    if not (isinstance(rtol, (int, float)) and 0 < rtol < 1):
        raise InvalidTestArgument(f"rtol must lie in (0, 1), got {rtol!r}")
    if estimator:
        examples = _episodic_examples(horizon, max_actions)
    else:
        examples = mdps_and_tabular_policies(max_states=max_states, max_actions=max_actions)

    @hypothesis_settings(max_examples=max_examples, database=None, deadline=None,
                         suppress_health_check=list(HealthCheck), print_blob=False)
    @hypothesis_seed(seed)
    @given(examples)
    def property_test(example: tuple[FiniteMDP, TabularSoftmax]) -> None:
        mdp, policy = example
        if estimator:
            left = _estimator_expectation(grad_fn, mdp, policy, horizon)
            what = f"E_τ[grad_fn(mdp, theta, [τ])] (exact expectation over every trajectory of {horizon} actions)"
        else:
            left = _as_gradient(grad_fn(mdp.to_float(), policy.theta.copy()), policy.shape, "grad_fn(mdp, theta)")
            what = "grad_fn(mdp, theta)"
        right = _reference(mdp, policy)
        tol = rtol * (1 + np.maximum(np.abs(left), np.abs(right))) / (1 - float(mdp.discount))
        diff = left - right
        if not (np.all(np.isfinite(left)) and np.all(np.abs(diff) <= tol)):
            raise AssertionError(_message(what, left, right, diff, tol, mdp, policy))

    property_test()


def _message(what: str, left: np.ndarray, right: np.ndarray, diff: np.ndarray, tol: np.ndarray,
             mdp: FiniteMDP, policy: TabularSoftmax) -> str:
    def show(a: Any) -> str:
        arr = np.asarray(a, dtype=np.float64)
        return f"{float(arr):.6g}" if arr.ndim == 0 else "[" + ", ".join(show(x) for x in arr) + "]"

    weights = "[" + ", ".join("[" + ", ".join(str(w) for w in row) + "]" for row in policy.weights) + "]" \
        if policy.weights is not None else None
    return "\n".join([
        "the policy gradient differs from the reference",
        f"  left  (yours):     {what} = {show(left)}",
        f"  right (reference): ∇θU(θ), U = μᵀ(I − λP_π)⁻¹r_π differentiated exactly = {show(right)}",
        f"  left − right = {show(diff)} (largest |difference| {float(np.nanmax(np.abs(diff))):.3g}, "
        f"tolerance {float(np.max(tol)):.3g})",
        f"  mdp = {mdp!r}",
        f"  theta = log {weights} (entrywise)" if weights is not None else f"  theta = {show(policy.theta)}",
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


def taylor_test(grad_fn: Callable[[FiniteMDP, np.ndarray], Any], mdp: FiniteMDP, theta: Any, *,
                seed: int = 0, steps: tuple[float, ...] = TAYLOR_STEPS) -> TaylorResult:
    """The observed rate at which |U(θ + hδ) − U(θ) − h⟨g, δ⟩| shrinks, g = ``grad_fn(mdp, theta)``.

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
