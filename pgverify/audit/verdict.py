"""A verdict in plain words: is E[ĝ] ∇U, and if not, what it is, how far off, and how soon a batch mean shows it.

Given E[ĝ] (exact enumeration, :mod:`pgverify.audit.moments`) in a :class:`~pgverify.audit.expectation.Setting`,
:func:`judge` compares it with ∇U (differentiated directly) and with families of candidate targets, each
fitted in closed form, with G_t^κ = Σ_{k≥t} κ^{k−t} r_k over one episode and ∇log π_t = ∇θ log π(a_t|s_t):

=====================================  =================================================================
family                                 E[ĝ] = …
=====================================  =================================================================
a multiple of ∇U                       c·∇U, c > 0 (a loss averaged over a fixed number of steps)
γ^t dropped                            c·E[Σ_t G_t^γ ∇log π_t] (``practice.undiscounted-score-weighting``)
λ-returns, γ^t dropped or kept         c·E[Σ_t w_t G_t^{γλ} ∇log π_t], w_t = 1 or γ^t, λ ∈ [0, 1]: the
                                       residual is a polynomial in κ = γλ; its stationary points are the
                                       real roots of a polynomial, so λ is solved for, not searched
entropy bonus (libraries' form)        c·(T + β·E[Σ_t ∇θH(π(·|s_t))]), T = ∇U or the γ^t-less target:
                                       the entropy of the visited states, their law held fixed
entropy-regularised U                  c·∇θ(U + β·E[Σ_t γ^t H(π(·|s_t))]), differentiated directly
average reward                         c·∇θρ of the reset chain (``grad_rho``)
=====================================  =================================================================

A fit *matches* when max_k |E[ĝ] − fit|_k ≤ tol, the tolerance of :func:`pgverify.audit.tolerance` for the
estimator's dtype (float64: 1e-8 relative; float32: 2⁻¹⁶).  The *bias* is b = E[ĝ] − ∇U; its size is
reported as |b|/|∇U| and as cos∠(E[ĝ], ∇U).  A bias *shows* in the mean of m independent batches when, along
its own direction u = b/|b|, it exceeds k standard errors of that mean (k = :data:`SHOW_K` = 2, a two-sided
z-test at about 5 %): |b| ≥ k·σ_u/√m with σ_u² = uᵀ Cov[ĝ] u, so the smallest such m is ⌈(k σ_u/|b|)²⌉.

:func:`judge` is the public entry point for any E[ĝ] computed elsewhere (an algorithm box, say).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from numeric.episodic import EpisodicMDP, episodes, episodic_model
from numeric.mdp import FiniteMDP
from numeric.policies import TabularSoftmax
from pgverify.audit.diagnosis import GRAD_U, PRACTICE, Diagnosis, diagnose
from pgverify.audit.expectation import Expectation, Setting, setting
from pgverify.audit.layout import AuditError, Rollout
from pgverify.audit.moments import Moments

__all__ = ["Verdict", "Fit", "judge", "audit_mdp", "audit_setting", "SHOW_K", "lambda_fit", "entropy_gradients"]

#: Standard errors a bias must exceed (along its own direction) to *show* in a batch mean.
SHOW_K = 2.0


@dataclass(frozen=True)
class Fit:
    """A candidate target fitted to E[ĝ]: ``name``, ``value`` (c·target), ``factor`` c, ``parameter`` (λ or β),
    ``residual`` max_k |E[ĝ] − value|_k, ``objective`` (the function it is the gradient of, or None)."""

    name: str
    value: np.ndarray
    factor: float
    parameter: float | None
    residual: float
    objective: str | None


@dataclass(frozen=True)
class Verdict:
    """What E[ĝ] is, in numbers and in one plain sentence.

    Attributes:
      status: ``"unbiased"`` (E[ĝ] = ∇U), ``"multiple"`` (E[ĝ] = c·∇U, c > 0, c ≠ 1), ``"biased"``, or ``"undecided"`` (a match only up to a factor on a
        geometry that forces it, see :attr:`pgverify.audit.Diagnosis.informative`).
      sentence: the verdict in plain words (every number in it is an attribute here).
      expectation, grad_U: E[ĝ] and ∇U (θ's shape, float64).
      bias: E[ĝ] − ∇U; relative_error |bias|₂/|∇U|₂; cosine cos∠(E[ĝ], ∇U).
      identified: the :class:`Fit` that matches E[ĝ] (None: none does).
      nearest: the closest one-parameter candidate ``(name, |E[ĝ] − c·T|₂/|E[ĝ]|₂)`` with its best c > 0 (the
        entropy families, with a second free parameter, are left out).
      objective: the function E[ĝ] is the gradient of, when the match says so; else None.
      moments: the :class:`~pgverify.audit.moments.Moments` (None when not given).
      batches_to_show: the smallest m at which the bias shows (module docstring); None when unbiased or
        without moments.
      tolerance, dtype: the comparison's tolerance and the estimator's dtype.
      conditioned, p_fail: whether E[ĝ] is conditioned on the estimator's success, and P(fail).
      diagnosis: the underlying :class:`~pgverify.audit.Diagnosis`.
    """

    status: str
    sentence: str
    expectation: np.ndarray
    grad_U: np.ndarray
    bias: np.ndarray
    relative_error: float
    cosine: float
    identified: Fit | None
    nearest: tuple
    objective: str | None
    moments: Moments | None
    batches_to_show: int | None
    tolerance: float
    dtype: str
    conditioned: bool
    p_fail: float
    diagnosis: Diagnosis = field(repr=False)

    def as_dict(self) -> dict:
        m = self.moments
        return {
            "status": self.status, "verdict": self.sentence,
            "expectation": self.expectation.ravel().tolist(), "grad_U": self.grad_U.ravel().tolist(),
            "bias": self.bias.ravel().tolist(), "relative_error": self.relative_error, "cosine": self.cosine,
            "identified": None if self.identified is None else {
                "target": self.identified.name, "factor": self.identified.factor,
                "parameter": self.identified.parameter, "residual": self.identified.residual},
            "objective": self.objective,
            "nearest": {"target": self.nearest[0], "relative_residual": self.nearest[1]},
            "variance": None if m is None else m.variance.tolist(), "trace_cov": None if m is None else m.trace,
            "batches_to_show": self.batches_to_show, "show_k": SHOW_K,
            "tolerance": self.tolerance, "dtype": self.dtype,
            "conditioned_on_success": self.conditioned, "p_fail": self.p_fail,
        }


# ------------------------------------------------------------------------------------------------ the MDP


def _layers(states: int, horizon: int) -> list[list[int]]:
    """States 0 … S−1 spread over ``horizon`` layers, in order, as evenly as possible."""
    return [list(range(states * h // horizon, states * (h + 1) // horizon)) for h in range(horizon)]


def audit_mdp(*, states: int = 3, actions: int = 3, horizon: int = 3, discount: Any = Fraction(4, 5),
              seed: int = 0) -> tuple[FiniteMDP, TabularSoftmax]:
    """An exact episodic MDP and tabular softmax policy on which ∇U, the γ^t-less target and the λ-returns differ.

    ``states`` non-absorbing states in ``horizon`` layers (state S is absorbing): from layer h each action
    moves to a state of layer h + 1 or ends the episode, with random rational probabilities; the last layer
    ends it, so episodes last 1 to ``horizon`` steps.  Rewards are integers in [−2, 3], the policy's
    weights e^θ integers in [1, 4].  Draws are made from ``seed`` until ∇U, the γ^t-less target and the
    λ = 1/2 returns are pairwise more than 10⁻⁶ apart (relative to |∇U|) and ∇U is informative
    (:attr:`pgverify.audit.Diagnosis.informative`); with γ = 1 the γ^t weight is 1, so the γ^t-less target is
    ∇U and the two λ-return targets coincide: they are not required to differ.
    """
    for name, value, low in (("states", states, 1), ("actions", actions, 2), ("horizon", horizon, 1),
                             ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise AuditError(f"--{name} must be an integer >= {low}, got {value!r}")
    if horizon > states:
        raise AuditError(f"--horizon {horizon} needs at least as many states (one per step), got --states {states}")
    if states * actions > 64:
        raise AuditError(f"--states {states} x --actions {actions}: at most 64 state-action pairs (the batches are "
                         f"enumerated)")
    gamma = Fraction(str(discount)) if not isinstance(discount, Fraction) else discount
    if not 0 < gamma <= 1:
        raise AuditError(f"--discount must lie in (0, 1], got {discount}")
    layers = _layers(states, horizon)
    S = states + 1
    for attempt in range(64):
        rng = np.random.default_rng([seed, attempt])
        P = np.full((S, actions, S), Fraction(0), dtype=object)
        for h, layer in enumerate(layers):
            nxt = layers[h + 1] if h + 1 < horizon else []
            for s in layer:
                for a in range(actions):
                    w = [int(x) for x in rng.integers(1, 4, size=len(nxt))] + [int(rng.integers(1, 3))]
                    total = sum(w)
                    for t, x in zip(nxt + [states], w):
                        P[s, a, t] += Fraction(x, total)
        P[states, :, states] = Fraction(1)
        r = [[int(x) for x in rng.integers(-2, 4, size=actions)] for _ in range(states)] + [[0] * actions]
        mu = [Fraction(0)] * S
        for s in layers[0]:
            mu[s] = Fraction(1, len(layers[0]))
        # FiniteMDP needs λ < 1; with γ = 1 the episodic rollout carries γ (audit_setting), the MDP's own is unused
        mdp = FiniteMDP(P, r, gamma if gamma < 1 else Fraction(1, 2), np.array(mu, dtype=object))
        weights = [[int(x) for x in rng.integers(1, 5, size=actions)] for _ in range(states)] + [[1] * actions]
        policy = TabularSoftmax.from_weights(weights)
        if _targets_differ(mdp, policy, gamma, horizon):
            return mdp, policy
    raise AuditError(f"no MDP with distinct targets found from --seed {seed} in 64 draws (--states {states}, "
                     f"--actions {actions}, --horizon {horizon}, --discount {discount}); try another seed or size")


def audit_setting(*, states: int = 3, actions: int = 3, horizon: int = 3, discount: Any = Fraction(4, 5),
                  seed: int = 0, episodes: int = 1) -> Setting:
    """The :class:`Setting` of :func:`audit_mdp`'s MDP and policy, γ = ``discount``; each batch holds
    ``episodes`` independent episodes (parallel environments, one column each)."""
    mdp, policy = audit_mdp(states=states, actions=actions, horizon=horizon, discount=discount, seed=seed)
    gamma = Fraction(str(discount)) if not isinstance(discount, Fraction) else discount
    return setting(_episodic(mdp, horizon), policy, Rollout(n_steps=horizon, gamma=gamma, n_envs=episodes))


def _episodic(mdp: FiniteMDP, horizon: int) -> EpisodicMDP:
    """The layered MDP as episodic: absorbed after at most ``horizon`` actions (T = horizon + 1 states)."""
    return EpisodicMDP(mdp, absorbing=mdp.num_states - 1, horizon=horizon + 1)


def _targets_differ(mdp: FiniteMDP, policy: TabularSoftmax, gamma: Fraction, horizon: int) -> bool:
    st = setting(_episodic(mdp, horizon), policy, Rollout(n_steps=horizon, gamma=gamma))
    gu = np.asarray(st.grad_U, dtype=np.float64)
    scale = float(np.linalg.norm(gu))
    if scale == 0:
        return False
    d = diagnose(Expectation(gu, True, "float64", 1, float(np.abs(gu).max())), st, lambdas=(Fraction(1, 2),))
    if not d.informative[GRAD_U]:
        return False
    others = [t.value for t in d.targets if t.value is not None and t.name not in ("grad_rho", GRAD_U)
              and not (gamma == 1 and (t.name == PRACTICE or t.name.startswith("discounted-")))]
    vals = [gu] + others
    for i, x in enumerate(vals):
        for y in vals[i + 1:]:
            if float(np.linalg.norm(x - y)) <= 1e-6 * scale:
                return False
    return True


# ------------------------------------------------------------------------------------------------ families


def _episodes(st: Setting) -> Any:
    return episodes(episodic_model(st.emdp, st.policy, exact=st.exact))


def lambda_coefficients(st: Setting, *, discounted: bool) -> np.ndarray:
    """C (T, K) float64 with E[Σ_t w_t G_t^κ ∇log π_t] = Σ_j κ^j C_j: C_j = E[Σ_t w_t r_{t+j} ∇log π_t]."""
    ep = _episodes(st)
    # float64: the fit is compared at the dtype tolerance, far above float64 round-off of these sums
    R, score = np.asarray(ep.rewards, dtype=np.float64), np.asarray(ep.score, dtype=np.float64)   # (n, T), (n, T, K)
    prob = np.asarray(ep.prob, dtype=np.float64)
    n, T = R.shape
    w = np.array([float(st.gamma) ** t for t in range(T)]) if discounted else np.ones(T)
    rows = []
    for j in range(T):
        shifted = np.zeros_like(R)
        shifted[:, :T - j] = R[:, j:]
        rows.append(prob @ ((shifted * w[None, :])[:, :, None] * score).sum(axis=1))
    return np.array(rows)


def _poly_eval(C: np.ndarray, kappa: float) -> np.ndarray:
    return sum(kappa ** j * C[j] for j in range(C.shape[0]))


def lambda_fit(value: np.ndarray, C: np.ndarray, gamma: float) -> tuple[float, float, float]:
    """(λ, c, residual): the λ ∈ [0, 1] and c > 0 making c·Σ_j (γλ)^j C_j closest to ``value`` (max-abs residual).

    The candidates are λ = 0, λ = 1, and the real roots in [0, γ] of the derivative of the squared
    distance (factor 1) and of ⟨v, p(κ)⟩²/⟨p, p⟩ (best factor), both polynomials in κ = γλ.
    """
    v = np.ravel(value)
    C = C.reshape(C.shape[0], -1)
    a = C @ v                       # ⟨v, C_j⟩
    Gm = C @ C.T                    # ⟨C_i, C_j⟩
    T = C.shape[0]
    gram = np.zeros(2 * T - 1)
    for i in range(T):
        for j in range(T):
            gram[i + j] += Gm[i, j]
    dist = gram.copy()               # |v − p|² = |v|² − 2Σ a_j κ^j + Σ gram_k κ^k  (ascending)
    dist[:T] -= 2 * a
    dist[0] += float(v @ v)
    P = np.polynomial.Polynomial
    cands = {0.0, float(gamma)}
    num, den = P(a) ** 2, P(gram)
    for poly in (P(dist).deriv(), num.deriv() * den - num * den.deriv()):
        if poly.degree() >= 1 and np.any(poly.coef != 0):
            for root in poly.roots():
                if abs(root.imag) <= 1e-9 * (1 + abs(root.real)) and -1e-12 <= root.real <= gamma + 1e-12:
                    cands.add(min(max(float(root.real), 0.0), float(gamma)))
    best = (math.inf, 0.0, 1.0)
    for kappa in sorted(cands):
        p = _poly_eval(C, kappa)
        pp = float(p @ p)
        for c in (1.0, float(v @ p) / pp if pp > 0 else 1.0):
            if c <= 0:
                continue
            res = float(np.max(np.abs(v - c * p), initial=0.0))
            if res < best[0]:
                best = (res, kappa, c)
    res, kappa, c = best
    return kappa / float(gamma), c, res


def _entropy(pi: np.ndarray, dpi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """H(π(·|s)) (S,) and ∇θH(π(·|s)) = −Σ_a ∇θπ(a|s) log π(a|s) (S, K), float64."""
    p = np.asarray(pi, dtype=np.float64)
    logp = np.log(p)
    H = -(p * logp).sum(axis=1)
    dH = -np.einsum("sak,sa->sk", np.asarray(dpi, dtype=np.float64), logp)
    return H, dH


def entropy_gradients(st: Setting) -> tuple[np.ndarray, np.ndarray]:
    """(local, soft), θ's shape, float64 (entropies are logarithms: no exact arithmetic).

    local = E[Σ_t ∇θH(π(·|s_t))], the visited states' law held fixed (what a loss −β·H(π(·|s_t)) over the
    batch's states gives); soft = ∇θ E[Σ_t γ^t H(π(·|s_t))], differentiated directly through the
    finite-horizon recursion h_k = H_π + γ P_π h_{k+1} (the absorbing state's entropy excluded).
    """
    m = st.model
    z = st.emdp.absorbing
    H, dH = _entropy(m.pi, m.dpi)
    H[z], dH[z] = 0.0, 0.0
    ep = _episodes(st)
    now = ep.now                                                    # (n, T)
    visits = np.zeros((now.shape[0], H.shape[0]))
    for t in range(now.shape[1]):
        np.add.at(visits, (np.arange(now.shape[0]), now[:, t]), 1.0)
    visits[:, z] = 0.0
    prob = np.asarray(ep.prob, dtype=np.float64)
    local = (prob @ visits) @ dH
    P = np.asarray(m.P, dtype=np.float64)
    P_pi = np.asarray(m.P_pi, dtype=np.float64)
    dpi = np.asarray(m.dpi, dtype=np.float64)
    g = float(st.gamma)
    h, gh = np.zeros_like(H), np.zeros_like(dH)
    for _ in range(st.emdp.horizon):
        h, gh = H + g * (P_pi @ h), dH + g * (np.einsum("sak,sat,t->sk", dpi, P, h) + P_pi @ gh)
    soft = np.asarray(m.mu0, dtype=np.float64) @ gh
    return local.reshape(st.shape), soft.reshape(st.shape)


def _linear_fit(v: np.ndarray, base: np.ndarray, h: np.ndarray) -> tuple[float, float, float]:
    """(c, β, residual) of v ≈ c·(base + β h) by least squares in (c, cβ); c > 0 required (else residual ∞)."""
    X = np.stack([base.ravel(), h.ravel()], axis=1)
    coef, *_ = np.linalg.lstsq(X, v.ravel(), rcond=None)
    c, cb = float(coef[0]), float(coef[1])
    if c <= 0:
        return c, 0.0, math.inf
    return c, cb / c, float(np.max(np.abs(v.ravel() - X @ coef), initial=0.0))


# ------------------------------------------------------------------------------------------------ judge


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _scaled(c: float, tol_rel: float = 1e-9) -> str:
    return "" if abs(c - 1) <= tol_rel else f" (times {_fmt(c)}, e.g. a mean over steps)"


def _fits(v: np.ndarray, st: Setting, d: Diagnosis) -> list[Fit]:
    """Every candidate fitted to ``v``, most specific first."""
    gu = d.target(GRAD_U).value
    pr = d.target(PRACTICE).value
    fits: list[Fit] = []

    def factor(t: np.ndarray) -> float:
        tt = float(np.sum(t * t))
        return float(np.sum(v * t)) / tt if tt > 0 else 1.0

    for name, t, obj in ((GRAD_U, gu, "U"), (PRACTICE, pr, None)):
        fits.append(Fit(name, t, 1.0, None, float(np.max(np.abs(v - t))), obj))
        c = factor(t)
        if c > 0:
            fits.append(Fit(name, c * t, c, None, float(np.max(np.abs(v - c * t))), None if obj is None else
                            f"{_fmt(c)}·U"))
    g = float(st.gamma)
    if g > 0:
        for discounted in (True, False):
            C = lambda_coefficients(st, discounted=discounted)
            lam, c, res = lambda_fit(v, C, g)
            name = "discounted-lambda-returns" if discounted else "lambda-returns"
            fits.append(Fit(name, c * _poly_eval(C.reshape(C.shape[0], -1), g * lam).reshape(st.shape), c, lam, res,
                            None))
    local, soft = entropy_gradients(st)
    for name, base, h, obj in (("entropy-bonus(grad_U)", gu, local, None), ("entropy-bonus(practice)", pr, local, None),
                               ("entropy-regularised-U", gu, soft, "U + βH")):
        if float(np.max(np.abs(h))) > 0:
            c, beta, res = _linear_fit(v, base, h)
            if math.isfinite(res):
                fits.append(Fit(name, c * (base + beta * h), c, beta, res, obj))
    rho = next(t for t in d.targets if t.name == "grad_rho")
    if rho.value is not None:
        c = factor(rho.value)
        if c > 0:
            fits.append(Fit("grad_rho", c * rho.value, c, None, float(np.max(np.abs(v - c * rho.value))),
                            f"{_fmt(c)}·ρ" if abs(c - 1) > 1e-9 else "ρ"))
    return fits


def _sentence(fit: Fit, gamma: float, tol: float) -> str:
    c = fit.factor
    scaled = _scaled(c)
    if fit.name == GRAD_U:
        return "unbiased for ∇U" if c == 1.0 else f"a positive multiple of ∇U: E[ĝ] = {_fmt(c)}·∇U{scaled}"
    if fit.name == PRACTICE:
        return (f"biased: it omits the γ^t weighting of step t{scaled}; it equals ∇U only when γ = 1")
    lam = fit.parameter
    if fit.name == "discounted-lambda-returns":
        if lam is not None and abs(lam - 1) <= 1e-9:
            return f"a positive multiple of ∇U: E[ĝ] = {_fmt(c)}·∇U{scaled}"
        return (f"biased: its returns are discounted by γλ with λ = {_fmt(lam)} instead of γ (λ-returns or GAE(λ) "
                f"with no critic){scaled}; it equals ∇U only when λ = 1")
    if fit.name == "lambda-returns":
        if lam is not None and abs(lam - 1) <= 1e-9:
            return f"biased: it omits the γ^t weighting of step t{scaled}; it equals ∇U only when γ = 1"
        return (f"biased: it omits the γ^t weighting of step t and discounts the returns by γλ with λ = {_fmt(lam)} "
                f"(λ-returns or GAE(λ) with no critic){scaled}; it equals ∇U only when γ = 1 and λ = 1")
    if fit.name.startswith("entropy-bonus"):
        base = ("∇U" if fit.name.endswith("(grad_U)") else
                "the γ^t-less target (it omits the γ^t weighting of step t)")
        return (f"biased for ∇U by an entropy bonus: E[ĝ] = {base} + β·E[Σ_t ∇θH(π(·|s_t))] with β = "
                f"{_fmt(fit.parameter)}{scaled} (the libraries' form: the visited states' law held fixed)")
    if fit.name == "entropy-regularised-U":
        return (f"biased for ∇U, unbiased for the entropy-regularised objective: E[ĝ] = ∇θ(U + β·E[Σ_t γ^t "
                f"H(π(·|s_t))]) with β = {_fmt(fit.parameter)}{scaled}")
    if fit.name == "grad_rho":
        return f"biased for ∇U: it is the gradient of the average reward per step ρ of the restarted chain{scaled}"
    raise AuditError(f"no sentence for the fit {fit.name!r}")  # pragma: no cover


def judge(value: Any, st: Setting, *, dtype: str = "float64", magnitude: float | None = None,
          moments: Moments | None = None, exact: bool = True, conditioned: bool = False, p_fail: Any = 0,
          invariant_to_reward_scale: bool | None = None, rtol: float | None = None) -> Verdict:
    """The :class:`Verdict` on E[ĝ] = ``value`` (θ's shape) in the Setting ``st`` (MDP, policy, rollout).

    ``dtype`` and ``magnitude`` (max E|ĝ|, default |E[ĝ]|) set the tolerance (:func:`pgverify.audit.tolerance`);
    ``moments`` (of ĝ under the batch law) give the batches needed to show the bias;
    ``invariant_to_reward_scale``: True when ĝ was found unchanged under r → 2r on probed batches (the
    mark of returns standardised by the batch's own statistics; see :func:`pgverify.audit.run.probe_standardised`).

    >>> from pgverify.audit import audit_mdp, setting
    >>> st = setting(*audit_mdp())
    >>> judge(st.grad_U, st).sentence
    'unbiased for ∇U'
    """
    v = np.asarray(value, dtype=np.float64)
    if v.shape != st.shape:
        raise AuditError(f"E[ĝ] must have θ's shape {st.shape}, got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise AuditError(f"E[ĝ] must be finite, got {v.ravel().tolist()}")
    mag = float(np.max(np.abs(v), initial=0.0)) if magnitude is None else float(magnitude)
    e = Expectation(v, exact, dtype, 0, mag)
    d = diagnose(e, st, rtol=rtol)
    tol = d.tolerance
    gu = d.target(GRAD_U).value
    bias = v - gu
    ngu, nv = float(np.linalg.norm(gu)), float(np.linalg.norm(v))
    rel = float(np.linalg.norm(bias)) / ngu if ngu > 0 else math.inf
    cos = float(np.sum(v * gu)) / (nv * ngu) if nv > 0 and ngu > 0 else math.nan
    fits = _fits(v, st, d)
    match = next((f for f in fits if f.residual <= tol), None)
    # the nearest among the one-parameter targets (the entropy fits have a second free parameter: not comparable)
    nearest = min(((_label(f), float(np.linalg.norm(v - f.value)) / nv if nv > 0 else math.inf) for f in fits
                   if not f.name.startswith("entropy")), key=lambda x: x[1])
    status = "biased"
    objective = None
    if match is not None and match.name == GRAD_U and match.factor == 1.0:
        status, objective = "unbiased", "U"
        sentence = "unbiased for ∇U"
    elif match is not None:
        sentence = _sentence(match, float(st.gamma), tol)
        objective = match.objective
        if not _informative(d, match, st, v, tol):
            status = "undecided"
            sentence += (" — but on this MDP a match with its fitted parameters is forced by its geometry, so it "
                         "is not evidence; use more actions or states")
        elif match.name in (GRAD_U, "discounted-lambda-returns") and "positive multiple of ∇U" in sentence:
            objective = f"{_fmt(match.factor)}·U"
            status = "multiple"   # c ≠ 1: ∇U's direction, the step scaled; the caller may accept it
    else:
        sentence = f"biased: E[ĝ] matches none of the candidate targets; the nearest is {nearest[0]}"
        if invariant_to_reward_scale:
            sentence = ("biased: standardising by the batch's own statistics depends on the sampled actions "
                        "(ĝ does not change when every reward is doubled); " + sentence[len("biased: "):])
    shows = None
    if status != "unbiased" and moments is not None:
        nb = float(np.linalg.norm(bias))
        if nb > tol:
            u = bias.ravel() / nb
            sigma2 = float(u @ moments.covariance @ u)
            shows = max(1, math.ceil((SHOW_K ** 2) * sigma2 / nb ** 2))
    if conditioned:
        sentence += f" (given that the estimator succeeds: it fails with probability {_fmt(float(p_fail))})"
    return Verdict(status, sentence, v, gu, bias, rel, cos, match, nearest, objective, moments, shows, tol, dtype,
                   conditioned, float(p_fail), d)


def _label(f: Fit) -> str:
    """The fit's name with its parameters: ``lambda-returns(λ = 0.5, c = 0.25)``."""
    parts = ([] if f.parameter is None else [f"λ = {_fmt(f.parameter)}"]) + (
        [] if abs(f.factor - 1) <= 1e-12 else [f"c = {_fmt(f.factor)}"])
    return f.name + (f" ({', '.join(parts)})" if parts else "")


def _informative(d: Diagnosis, fit: Fit, st: Setting, v: np.ndarray, tol: float) -> bool:
    """Whether the match is evidence: a fixed target (no fitted number) always is; a fit with p fitted numbers
    (the factor c ≠ 1, λ, β) only where the scores of the states E[ĝ] lives on span more than p directions —
    else p numbers can fit any E[ĝ] of the score-function form — and, for a factor alone, where the diagnosis
    finds the target informative (:attr:`pgverify.audit.Diagnosis.informative`)."""
    from pgverify.audit.diagnosis import _score_directions

    fitted = int(fit.factor != 1.0) + int(fit.parameter is not None) + int(fit.name.startswith("entropy"))
    if fitted == 0:
        return True
    directions = _score_directions(st, v if float(np.max(np.abs(v))) > tol else fit.value, tol)
    if directions <= fitted:
        return False
    key = fit.name if fit.name in d.informative else GRAD_U
    return fitted > 1 or bool(d.informative.get(key, True))
