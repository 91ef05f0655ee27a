"""Finite states, continuous actions a ∈ ℝ, deterministic and Gaussian policies.

The family of ``shared/design.md`` §5, in which every quantity is rational in
the action so that exact methods apply:

* transitions 𝓟_s^a(s') = (c[s,s'] + (a − m[s,s'])²) / Σ_t (c[s,t] + (a − m[s,t])²),
  a distribution for every a ∈ ℝ when c ≥ 0 and no row vanishes;
* rewards r(s, a) = Σ_j r[s, j] aʲ (polynomial in a);
* a deterministic policy linear in features, μθ(s) = Σ_k φ[s,k] θ_k
  (tabular: φ = I), so ∇θμθ(s) = φ[s, :];
* a Gaussian policy π_{θ,σ}(·|s) = 𝒩(μθ(s), σ²), whose expectations over
  the action are taken with a stated quadrature rule.

Silver et al. (2014), "Deterministic Policy Gradient Algorithms", ICML.
Arrays hold float64, Fractions, or field elements (the symbolic engine); the
reference gradient ∇θU is obtained by forward-mode dual numbers through
U(θ) = μ₀ᵀ(I − λP_μθ)⁻¹ r_μθ — the chain rule through a = μθ(s) is carried out
by the dual arithmetic, not by any formula under test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any, Callable, Protocol

import numpy as np

from numeric._arrays import as_array, is_exact_scalar, show
from numeric.arithmetic import EXACT, FLOAT64, Arithmetic, lu_solve_pair
from numeric.dual import tangent, variables
from numeric.errors import InvalidMDPError, InvalidPolicyError

__all__ = ["Kernel", "Reward", "RationalKernel", "PolynomialReward", "ContinuousActionMDP", "ContinuousModel",
           "continuous_model", "GaussianRule", "hermite_rule", "TWO_POINT_RULE", "gaussian_policy_gradient",
           "richardson_limit", "loglog_slope"]


class Kernel(Protocol):
    """Transition rows at one action per state: ``P(a)[s, s'] = 𝓟_s^{a[s]}(s')`` and its ∂/∂a."""

    def P(self, a: np.ndarray) -> np.ndarray: ...

    def dP(self, a: np.ndarray) -> np.ndarray: ...


class Reward(Protocol):
    """Rewards at one action per state: ``r(a)[s] = r(s, a[s])`` and its ∂/∂a."""

    def r(self, a: np.ndarray) -> np.ndarray: ...

    def dr(self, a: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class RationalKernel:
    """𝓟_s^a(s') = N[s,s'](a) / Σ_t N[s,t](a) with N[s,s'](a) = c[s,s'] + (a − m[s,s'])²; shapes ``(S, S)``.

    >>> k = RationalKernel(np.array([[1, 1]]), np.array([[0, 2]]))
    >>> k.P(np.array([0]))   # N = (1, 5)
    array([[0.16666666666666666, 0.8333333333333334]], dtype=object)
    """

    c: np.ndarray
    m: np.ndarray

    def _parts(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        diff = np.asarray(a, dtype=object)[:, None] - self.m
        N = self.c + diff * diff
        return N, N.sum(axis=1, keepdims=True), 2 * diff, (2 * diff).sum(axis=1, keepdims=True)

    def P(self, a: np.ndarray) -> np.ndarray:
        N, D, _, _ = self._parts(a)
        return N / D

    def dP(self, a: np.ndarray) -> np.ndarray:
        """∂𝓟_s^a(s')/∂a = (N′D − N D′)/D², the quotient rule on the closed form."""
        N, D, dN, dD = self._parts(a)
        return (dN * D - N * dD) / (D * D)


@dataclass(frozen=True)
class PolynomialReward:
    """r(s, a) = Σ_j coef[s, j] aʲ; ``coef`` of shape ``(S, J)``.

    >>> PolynomialReward(np.array([[1, 0, -1]])).r(np.array([3]))   # 1 − a²
    array([-8], dtype=object)
    """

    coef: np.ndarray

    def r(self, a: np.ndarray) -> np.ndarray:
        a = np.asarray(a, dtype=object)
        out, power = self.coef[:, 0] * 1, a * 0 + 1
        for j in range(1, self.coef.shape[1]):
            power = power * a
            out = out + self.coef[:, j] * power
        return out

    def dr(self, a: np.ndarray) -> np.ndarray:
        a = np.asarray(a, dtype=object)
        out, power = self.coef[:, 0] * 0, a * 0 + 1
        for j in range(1, self.coef.shape[1]):
            out = out + j * self.coef[:, j] * power
            power = power * a
        return out


@dataclass(frozen=True)
class ContinuousActionMDP:
    """A validated finite-state, continuous-action MDP of the rational family (see the module docstring).

    Args:
      c: ``c[s, s']`` ≥ 0, shape ``(S, S)``; no row may vanish for some action.
      m: ``m[s, s']``, shape ``(S, S)``.
      r: reward coefficients ``r[s, j]`` (r(s, a) = Σ_j r[s, j] aʲ), shape ``(S, J)``, J ≥ 1.
      discount: λ ∈ [0, 1).
      initial: the initial state s⁰ (an int) or a distribution μ₀ of shape ``(S,)``.

    Exact input (int / Fraction) stays exact.

    >>> mdp = ContinuousActionMDP(c=[[1, 1], [1, 1]], m=[[0, 1], [1, 0]], r=[[0, 0, -1], [1, 0, 0]],
    ...                           discount=Fraction(1, 2))
    >>> mdp.num_states
    2
    >>> ContinuousActionMDP(c=[[1, -1], [1, 1]], m=[[0, 0], [0, 0]], r=[[0], [0]], discount=0)
    Traceback (most recent call last):
    ...
    numeric.errors.InvalidMDPError: c must be >= 0 so that every row of P is a distribution for every action a; got c[0, 1] = -1
    """

    c: Any
    m: Any
    r: Any
    discount: Any
    initial: Any = 0

    def __post_init__(self) -> None:
        c = as_array(self.c, "c", InvalidMDPError)
        m = as_array(self.m, "m", InvalidMDPError)
        r = as_array(self.r, "r", InvalidMDPError)
        if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] < 1:
            raise InvalidMDPError(f"c must have shape (S, S) with S >= 1, got shape {c.shape}")
        S = c.shape[0]
        if m.shape != c.shape:
            raise InvalidMDPError(f"m must have the shape of c, {c.shape}, got shape {m.shape}")
        if r.ndim != 2 or r.shape[0] != S or r.shape[1] < 1:
            raise InvalidMDPError(f"r must have shape (S, J) = ({S}, J) with J >= 1, got shape {r.shape}")
        for idx in np.ndindex(*c.shape):
            if not c[idx] >= 0:
                raise InvalidMDPError(f"c must be >= 0 so that every row of P is a distribution for every "
                                      f"action a; got c[{idx[0]}, {idx[1]}] = {show(c[idx])}")
        for s in range(S):
            if all(x == 0 for x in c[s]) and all(x == m[s, 0] for x in m[s]):
                raise InvalidMDPError(f"row {s} of P vanishes at the action a = m[{s}, 0] = {show(m[s, 0])}: "
                                      f"c[{s}] is all 0 and m[{s}] is constant")
        lam = self.discount
        if not (is_exact_scalar(lam) or isinstance(lam, float)) or not 0 <= lam < 1:
            raise InvalidMDPError(f"discount must be a number in [0, 1), got {lam!r}")
        if isinstance(self.initial, (int, np.integer)) and not isinstance(self.initial, bool):
            if not 0 <= self.initial < S:
                raise InvalidMDPError(f"initial state must be in [0, {S}), got {self.initial}")
        else:
            mu = as_array(self.initial, "initial", InvalidMDPError)
            if mu.shape != (S,) or any(x < 0 for x in mu) or abs(sum(mu) - 1) > (0 if mu.dtype == object else 1e-12):
                raise InvalidMDPError(f"initial must be a state in [0, {S}) or a distribution of shape ({S},), "
                                      f"got {show(mu)}")
            object.__setattr__(self, "initial", mu)
        object.__setattr__(self, "c", c)
        object.__setattr__(self, "m", m)
        object.__setattr__(self, "r", r)

    @property
    def num_states(self) -> int:
        return self.c.shape[0]

    @property
    def exact(self) -> bool:
        return self.c.dtype == object and self.m.dtype == object and self.r.dtype == object \
            and not isinstance(self.discount, float)

    def initial_distribution(self) -> np.ndarray:
        if isinstance(self.initial, np.ndarray):
            return self.initial
        one = Fraction(1) if self.exact else 1.0
        return np.array([one * (s == self.initial) for s in range(self.num_states)], dtype=object if self.exact else None)


@dataclass(frozen=True)
class GaussianRule:
    """A quadrature rule for E_{z∼𝒩(0,1)}[g(z)] ≈ Σ_j w_j g(z_j), and what it is exact for."""

    z: tuple[Any, ...]
    w: tuple[Any, ...]
    description: str


def hermite_rule(nodes: int) -> GaussianRule:
    """Gauss–Hermite (probabilists') with ``nodes`` nodes, float64: exact for polynomials of degree < 2·nodes.

    >>> rule = hermite_rule(3)
    >>> round(sum(w * z**4 for z, w in zip(rule.z, rule.w)), 12)   # E z⁴ = 3
    3.0
    """
    if not isinstance(nodes, int) or nodes < 1:
        raise ValueError(f"nodes must be a positive int, got {nodes!r}")
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    return GaussianRule(tuple(float(x) for x in z), tuple(float(x) for x in w),
                        f"Gauss–Hermite, {nodes} nodes, float64")


#: E g(z) = (g(−1) + g(1))/2: exact for polynomials of degree ≤ 3 in z, in any arithmetic.
TWO_POINT_RULE = GaussianRule((-1, 1), (Fraction(1, 2), Fraction(1, 2)), "2-point Gauss–Hermite (exact to degree 3)")


class ContinuousModel:
    """A finite-state continuous-action MDP and a deterministic policy μθ(s) = φ[s] · θ, in one arithmetic.

    Names follow the post: ``lam`` (λ), ``mu0``, ``mu[s]`` = μθ(s) (the post's π_θ(s)),
    ``jac[s, k]`` = ∇θμθ(s), ``v[s]``, ``d[s]`` (normalised occupancy), ``U``,
    ``q_at(a)[s]`` = q(s, a[s]), ``dq_da[s]`` = ∇_a q(s, a)|_{a=μθ(s)}, and the
    reference ``grad_U[k]``.  ``grad(fn)`` differentiates any quantity built from
    the model (``fn(model)``) with respect to θ, by dual numbers.

    ``rule`` is the quadrature rule of Gaussian-policy expectations and
    ``sigma_limit(g)`` evaluates lim_{σ→0} g(σ) for this arithmetic, returning
    ``(limit, details)``; the families set both.  ``derivative`` (the symbolic
    engine, where θ are field generators) differentiates any array's closed form
    in θ instead of the dual numbers.
    """

    def __init__(self, *, arithmetic: Arithmetic, kernel: Kernel, reward: Reward, lam: Any, mu0: np.ndarray,
                 features: np.ndarray, theta: np.ndarray, family: str = "",
                 rule: GaussianRule | None = None,
                 sigma_limit: Callable[[Callable[[Any], Any]], tuple[Any, dict[str, Any]]] | None = None,
                 derivative: Callable[[Any], np.ndarray] | None = None,
                 extras: dict[str, Any] | None = None) -> None:
        self.arithmetic, self.kernel, self.reward, self.lam, self.mu0 = arithmetic, kernel, reward, lam, mu0
        self.features, self.theta = features, theta
        self.family, self.rule, self._sigma_limit, self._derivative = family, rule, sigma_limit, derivative
        self.extras = dict(extras or {})

    @property
    def S(self) -> int:
        return self.features.shape[0]

    @property
    def K(self) -> int:
        return self.features.shape[1]

    def _eye(self) -> np.ndarray:
        return np.eye(self.S) if self.arithmetic is FLOAT64 else np.eye(self.S, dtype=int).astype(object)

    @cached_property
    def mu(self) -> np.ndarray:
        """μθ(s) = Σ_k φ[s,k] θ_k, shape ``(S,)``."""
        return self.features @ self.theta

    @property
    def jac(self) -> np.ndarray:
        """∇θμθ(s) as ``jac[s, k]`` = φ[s, k], shape ``(S, K)``."""
        return self.features

    @cached_property
    def P_pi(self) -> np.ndarray:
        """P_μ[s, s'] = 𝓟_s^{μθ(s)}(s'), shape ``(S, S)``."""
        return self.kernel.P(self.mu)

    @cached_property
    def r_pi(self) -> np.ndarray:
        return self.reward.r(self.mu)

    @cached_property
    def _solved(self) -> tuple[np.ndarray, np.ndarray]:
        return self.arithmetic.solve_pair(self._eye() - self.lam * self.P_pi, self.r_pi, self.mu0)

    @property
    def v(self) -> np.ndarray:
        """v(s), from (I − λP_μ) v = r_μ; shape ``(S,)``."""
        return self._solved[0]

    @cached_property
    def d(self) -> np.ndarray:
        """d(s) = (1 − λ) Σ_t λ^{t−1} P(s_t = s), from (I − λP_μ)ᵀ d = (1 − λ) μ₀; shape ``(S,)``."""
        return (1 - self.lam) * self._solved[1]

    @cached_property
    def U(self) -> Any:
        """U(θ) = Σ_s μ₀(s) v(s)."""
        return self.mu0 @ self.v

    def q_at(self, a: np.ndarray) -> np.ndarray:
        """q(s, a[s]) = r(s, a[s]) + λ Σ_{s'} 𝓟_s^{a[s]}(s') v(s'), shape ``(S,)``."""
        return self.reward.r(a) + self.lam * (self.kernel.P(a) @ self.v)

    @cached_property
    def dq_da(self) -> np.ndarray:
        """∇_a q(s, a)|_{a=μθ(s)} = ∂_a r + λ Σ_{s'} ∂_a𝓟_s^a(s') v(s'), shape ``(S,)``."""
        return self.reward.dr(self.mu) + self.lam * (self.kernel.dP(self.mu) @ self.v)

    # --------------------------------------------------------- derivatives in θ
    def with_theta(self, theta: np.ndarray) -> "ContinuousModel":
        """The same MDP and features at another θ."""
        return ContinuousModel(arithmetic=self.arithmetic, kernel=self.kernel, reward=self.reward, lam=self.lam,
                               mu0=self.mu0, features=self.features, theta=theta, family=self.family,
                               rule=self.rule, sigma_limit=self._sigma_limit, derivative=self._derivative,
                               extras=self.extras)

    @cached_property
    def _dual(self) -> "ContinuousModel":
        dual = Arithmetic(f"dual-{self.arithmetic.name}", self.arithmetic.exact, lu_solve_pair)
        features = self.features.astype(object)
        return ContinuousModel(arithmetic=dual, kernel=self.kernel, reward=self.reward, lam=self.lam,
                               mu0=np.asarray(self.mu0, dtype=object), features=features,
                               theta=variables(self.theta), family=self.family)

    def grad(self, fn: Callable[["ContinuousModel"], Any]) -> np.ndarray:
        """∇θ of ``fn(model)`` (shape ``fn(model).shape + (K,)``), by forward-mode dual numbers."""
        if self._derivative is not None:
            return self._derivative(fn(self))
        out = tangent(fn(self._dual), self.K)
        return out.astype(np.float64) if self.arithmetic is FLOAT64 else out

    @cached_property
    def grad_U(self) -> np.ndarray:
        """∇θU, shape ``(K,)``: U(θ) differentiated directly (dual numbers through the Bellman solve)."""
        return self.grad(lambda m: m.U)

    @cached_property
    def grad_v(self) -> np.ndarray:
        """∇θv as ``grad_v[s, k]``."""
        return self.grad(lambda m: m.v)

    def sigma_limit(self, g: Callable[[Any], Any]) -> tuple[Any, dict[str, Any]]:
        """lim_{σ→0} g(σ) and how it was obtained (see the class docstring)."""
        if self._sigma_limit is None:
            raise NotImplementedError(f"the {self.family!r} models do not evaluate limits σ → 0")
        return self._sigma_limit(g)

    def __repr__(self) -> str:
        return f"ContinuousModel({self.family!r}, arithmetic={self.arithmetic.name}, S={self.S}, K={self.K})"


def continuous_model(mdp: ContinuousActionMDP, theta: Any, *, features: Any = None, exact: bool | None = None,
                     family: str = "continuous-rational", rule: GaussianRule | None = None,
                     sigma_limit: Callable[[Callable[[Any], Any]], tuple[Any, dict[str, Any]]] | None = None
                     ) -> ContinuousModel:
    """The :class:`ContinuousModel` of ``mdp`` under μθ(s) = φ[s]·θ (tabular when ``features`` is None).

    ``exact=None`` is exact when every input is; ``exact=True`` demands it.

    >>> mdp = ContinuousActionMDP(c=[[1]], m=[[0]], r=[[0, 0, -1]], discount=Fraction(1, 2))
    >>> m = continuous_model(mdp, [3])      # one state, r = −a², a = θ = 3: U = −9/(1 − 1/2)
    >>> m.U, m.grad_U
    (Fraction(-18, 1), array([Fraction(-12, 1)], dtype=object))
    """
    S = mdp.num_states
    phi = np.eye(S, dtype=int) if features is None else features
    phi = as_array(phi, "features", InvalidPolicyError)
    if phi.ndim != 2 or phi.shape[0] != S or phi.shape[1] < 1:
        raise InvalidPolicyError(f"features must have shape (S, K) = ({S}, K) with K >= 1, got shape {phi.shape}")
    th = as_array(theta, "theta", InvalidPolicyError)
    if th.shape != (phi.shape[1],):
        raise InvalidPolicyError(f"theta must have shape (K,) = ({phi.shape[1]},), got shape {th.shape}")
    all_exact = mdp.exact and phi.dtype == object and th.dtype == object
    if exact and not all_exact:
        raise InvalidPolicyError("exact=True needs exact (int / Fraction) MDP, features and theta")
    use_exact = all_exact if exact is None else exact
    if use_exact:
        conv: Callable[[Any], Any] = lambda a: a
        arithmetic, lam = EXACT, Fraction(mdp.discount)
        mu0 = mdp.initial_distribution().astype(object)
    else:
        conv = lambda a: np.asarray(a, dtype=np.float64)
        arithmetic, lam = FLOAT64, float(mdp.discount)
        mu0 = conv(mdp.initial_distribution())
    return ContinuousModel(arithmetic=arithmetic, kernel=RationalKernel(conv(mdp.c), conv(mdp.m)),
                           reward=PolynomialReward(conv(mdp.r)), lam=lam, mu0=mu0, features=conv(phi),
                           theta=conv(th), family=family, rule=rule, sigma_limit=sigma_limit)


def gaussian_policy_gradient(m: ContinuousModel, sigma: Any, *, rule: GaussianRule) -> np.ndarray:
    """The stochastic policy gradient of π_{θ,σ}(·|s) = 𝒩(μθ(s), σ²), by the policy gradient theorem.

    ∇θU_σ = (1 − λ)⁻¹ Σ_s d_σ(s) E_{a∼𝒩(μθ(s),σ²)}[q_σ(s, a) ∇θ log π_{θ,σ}(a|s)],
    ∇θ log π_{θ,σ}(a|s) = (a − μθ(s))/σ² ∇θμθ(s),

    with P_σ, r_σ, v_σ, d_σ, q_σ those of the Gaussian policy, every action
    expectation taken with ``rule`` (a = μθ(s) + σ z).  Shape ``(K,)``.
    Silver et al. (2014), Theorem 2 compares it with the DPG as σ → 0.
    """
    actions = [m.mu + sigma * z for z in rule.z]
    P = [m.kernel.P(a) for a in actions]
    r = [m.reward.r(a) for a in actions]
    P_sigma = sum(w * Pj for w, Pj in zip(rule.w, P))
    r_sigma = sum(w * rj for w, rj in zip(rule.w, r))
    v, occ = m.arithmetic.solve_pair(m._eye() - m.lam * P_sigma, r_sigma, m.mu0)
    d = (1 - m.lam) * occ
    inner = sum(w * (rj + m.lam * (Pj @ v)) * (z / sigma) for z, w, Pj, rj in zip(rule.z, rule.w, P, r))
    return np.einsum("s,s,sk->k", d, inner, m.jac) / (1 - m.lam)


def richardson_limit(g: Callable[[float], Any], *, h: float, levels: int) -> tuple[np.ndarray, dict[str, Any]]:
    """lim_{σ→0} g(σ) for g smooth and even in σ (an expansion in σ²), by Richardson extrapolation.

    Evaluates g at σ_j = h/2ʲ, j < ``levels``, and eliminates the σ², σ⁴, …
    terms: the error is O(h^{2·levels}).  Returns the limit and the σ_j with
    their values.

    >>> limit, details = richardson_limit(lambda s: np.array([1 + s**2 + s**4]), h=0.5, levels=3)
    >>> float(abs(limit[0] - 1)) < 1e-14
    True
    """
    if levels < 1 or not h > 0:
        raise ValueError(f"need levels >= 1 and h > 0, got levels={levels}, h={h}")
    sigmas = [h / 2 ** j for j in range(levels)]
    values = [np.asarray(g(s), dtype=np.float64) for s in sigmas]
    table = list(values)
    for i in range(1, levels):
        table = [(4 ** i * table[j + 1] - table[j]) / (4 ** i - 1) for j in range(len(table) - 1)]
    return table[0], {"sigmas": sigmas, "values": values,
                      "extrapolation": f"Richardson in σ², {levels} levels, error O(h^{2 * levels}), h={h}"}


def loglog_slope(x: list[float], y: list[float]) -> float:
    """Least-squares slope of log y against log x (the observed convergence rate).

    >>> round(loglog_slope([1, 0.5, 0.25], [3, 0.75, 0.1875]), 12)
    2.0
    """
    lx, ly = np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float))
    lx, ly = lx - lx.mean(), ly - ly.mean()
    return float((lx @ ly) / (lx @ lx)) if (lx @ lx) > 0 else math.nan
