"""The scalar linear-quadratic regulator in closed form, and as an exact three-state model.

x_{t+1} = a x_t + b u_t + w_t,  w_t ∼ 𝒩(0, W) (W = ``noise``),
r(x, u) = −(Q x² + R u²),  discount λ,  initial state x₀,
policy u = −k x (deterministic) or u ∼ 𝒩(−k x, σ²) (Gaussian).

With g = a − b k, the value of the policy is v(x) = −(p x² + c) where

  p(k) = (Q + R k²) / (1 − λ g²),   c(k, σ) = (R σ² + λ p (W + b² σ²)) / (1 − λ),

from matching coefficients in v(x) = E[r(x, u)] + λ E[v(x')].  The discounted
series Σ_t λ^{t−1} E[x_t²] with E[x_t²] = g^{2(t−1)} x₀² + (W + b²σ²) Σ_{j<t−1} g^{2j}
converges iff λ g² < 1: a gain with λ (a − b k)² ≥ 1 has infinite cost (unless
x₀ = 0 and W = σ = 0) and raises :class:`UnstableGainError`.  U(k) = v(x₀).

Every value, q and their derivatives are polynomials of degree ≤ 2 in the
state, so three quadrature nodes y = (x₀, x₀ + 1, x₀ − 1) represent the LQR
*exactly* as a finite-state model: the signed weights
𝓟(y_j | y_i, u) = E[ℓ_j(a y_i + b u + w)] (ℓ_j the Lagrange basis of the nodes)
reproduce E[f(x')] for every quadratic f, and the occupancy weights d(y_j)
reproduce E_{x∼d}[f(x)].  :meth:`ScalarLQR.model` returns that model, on
which the DPG claims are written exactly as on the finite family.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from numeric._arrays import is_exact_scalar
from numeric.arithmetic import EXACT, FLOAT64, Arithmetic
from numeric.continuous import ContinuousModel, GaussianRule, PolynomialReward
from numeric.dual import tangent, variables
from numeric.errors import InvalidMDPError, PGVerifyError

__all__ = ["ScalarLQR", "UnstableGainError", "LQRNodeKernel"]


class UnstableGainError(PGVerifyError, ValueError):
    """The gain k makes the discounted cost infinite: λ (a − b k)² ≥ 1."""


def _exact(x: Any) -> Any:
    """ints become Fractions (so that / stays exact); anything else is kept."""
    return Fraction(int(x)) if isinstance(x, (int, np.integer)) else x


def _is_number(x: Any) -> bool:
    return is_exact_scalar(x) or isinstance(x, float)


@dataclass(frozen=True)
class LQRNodeKernel:
    """𝓟(y_j | y_i, u[i]) = ℓ_j(a y_i + b u[i]) + W·lead_j: exact for quadratic test functions; shape ``(3, 3)``."""

    nodes: tuple[Any, Any, Any]
    a: Any
    b: Any
    noise: Any

    def _basis(self, mean: Any) -> tuple[list[Any], list[Any]]:
        y = self.nodes
        values, slopes = [], []
        for j in range(3):
            p, q = (y[i] for i in range(3) if i != j)
            lead = 1 / ((y[j] - p) * (y[j] - q))
            values.append(((mean - p) * (mean - q) + self.noise) * lead)
            slopes.append((2 * mean - p - q) * lead)
        return values, slopes

    def P(self, u: np.ndarray) -> np.ndarray:
        return np.array([self._basis(self.a * y + self.b * ui)[0] for y, ui in zip(self.nodes, u)], dtype=object)

    def dP(self, u: np.ndarray) -> np.ndarray:
        return np.array([[s * self.b for s in self._basis(self.a * y + self.b * ui)[1]]
                         for y, ui in zip(self.nodes, u)], dtype=object)


@dataclass(frozen=True)
class ScalarLQR:
    """A validated scalar LQR (see the module docstring); numbers, Fractions or field elements.

    >>> lqr = ScalarLQR(a=1, b=1, noise=0, state_cost=1, action_cost=1, discount=Fraction(1, 2), x0=1)
    >>> lqr.utility(Fraction(1, 2))          # g = 1/2: p = (1 + 1/4)/(1 − 1/8)
    Fraction(-10, 7)
    >>> lqr.utility(3)
    Traceback (most recent call last):
    ...
    numeric.lqr.UnstableGainError: gain k=3 is unstable: λ(a − b k)² = 2 >= 1, the discounted cost is infinite
    """

    a: Any
    b: Any
    noise: Any
    state_cost: Any
    action_cost: Any
    discount: Any
    x0: Any

    def __post_init__(self) -> None:
        for name in ("a", "b", "noise", "state_cost", "action_cost", "discount", "x0"):
            x = getattr(self, name)
            if isinstance(x, bool) or (isinstance(x, (int, float, Fraction, np.number)) and not np.isfinite(float(x))):
                raise InvalidMDPError(f"{name} must be a finite number, got {x!r}")
            object.__setattr__(self, name, _exact(x))
        for name in ("noise", "state_cost", "action_cost"):
            x = getattr(self, name)
            if _is_number(x) and x < 0:
                raise InvalidMDPError(f"{name} must be >= 0, got {x}")
        lam = self.discount
        if _is_number(lam) and not 0 <= lam < 1:
            raise InvalidMDPError(f"discount must be in [0, 1), got {lam}")

    def check_gain(self, k: Any) -> None:
        """Raise :class:`UnstableGainError` when λ (a − b k)² ≥ 1 (checked for numbers only)."""
        g = self.a - self.b * k
        rho = self.discount * g * g
        if _is_number(rho) and rho >= 1:
            raise UnstableGainError(f"gain k={k} is unstable: λ(a − b k)² = {rho} >= 1, the discounted cost is infinite")

    def value_coefficients(self, k: Any, sigma: Any = 0) -> tuple[Any, Any]:
        """(p, c) with v(x) = −(p x² + c) for u ∼ 𝒩(−k x, σ²) (σ = 0: deterministic)."""
        k, sigma = _exact(k), _exact(sigma)
        self.check_gain(k)
        if _is_number(sigma) and sigma < 0:
            raise InvalidMDPError(f"sigma must be >= 0, got {sigma}")
        g = self.a - self.b * k
        lam, R = self.discount, self.action_cost
        p = (self.state_cost + R * k * k) / (1 - lam * g * g)
        c = (R * sigma * sigma + lam * p * (self.noise + self.b * self.b * sigma * sigma)) / (1 - lam)
        return p, c

    def utility(self, k: Any, sigma: Any = 0) -> Any:
        """U(k) = v(x₀) = −(p x₀² + c)."""
        p, c = self.value_coefficients(k, sigma)
        return -(p * self.x0 * self.x0 + c)

    def utility_gradient(self, k: Any, sigma: Any = 0) -> Any:
        """dU/dk, differentiating the closed form by a dual number."""
        k = _exact(k)
        self.check_gain(k)
        return tangent(self.utility(variables([k])[0], sigma), 1)[0]

    def model(self, k: Any, *, arithmetic: Arithmetic | None = None, family: str = "lqr",
              rule: GaussianRule | None = None, sigma_limit: Any = None, derivative: Any = None) -> ContinuousModel:
        """The exact three-node :class:`~numeric.continuous.ContinuousModel` of the policy u = −k x (θ = (k,)).

        >>> lqr = ScalarLQR(a=1, b=1, noise=1, state_cost=1, action_cost=2, discount=Fraction(1, 2), x0=3)
        >>> m = lqr.model(Fraction(1, 3))
        >>> m.U == lqr.utility(Fraction(1, 3)), m.grad_U[0] == lqr.utility_gradient(Fraction(1, 3))
        (True, True)
        """
        k = _exact(k)
        self.check_gain(k)
        if arithmetic is None:
            exact = all(is_exact_scalar(x) for x in (self.a, self.b, self.noise, self.state_cost, self.action_cost,
                                                     self.discount, self.x0, k))
            arithmetic = EXACT if exact else FLOAT64
        x0 = self.x0
        nodes = (x0, x0 + 1, x0 - 1)
        zero, one = x0 * 0, x0 * 0 + 1
        coef = np.array([[-self.state_cost * y * y, zero, -self.action_cost * one] for y in nodes], dtype=object)
        features = np.array([[-y] for y in nodes], dtype=object)
        mu0 = np.array([one, zero, zero], dtype=object)
        theta = np.array([k], dtype=object)
        if arithmetic is FLOAT64:
            coef, features, mu0, theta = (np.asarray(x, dtype=np.float64) for x in (coef, features, mu0, theta))
            nodes = tuple(float(y) for y in nodes)
        kernel = LQRNodeKernel(nodes, self.a, self.b, self.noise)
        return ContinuousModel(arithmetic=arithmetic, kernel=kernel, reward=PolynomialReward(coef), lam=self.discount,
                               mu0=mu0, features=features, theta=theta, family=family, rule=rule,
                               sigma_limit=sigma_limit, derivative=derivative, extras={"lqr": self, "k": k})
