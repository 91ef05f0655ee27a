"""Gaussian expectations J(μ) = E_{x∼𝒩(μ,σ²)}[f(x)] and their gradient estimators.

The post's note on the variance of the likelihood-ratio estimator (section
"Deterministic Policy Gradients").  A :class:`GaussianObjective` evaluates

* ``expect(g)`` = E_{x∼𝒩(μ,σ²)}[g(x)], and with ``density_power=1``
  E[g(x) 𝒩(x|μ,σ²)] = ∫ g(x) 𝒩(x|μ,σ²)² dx (the post's display multiplies by
  the density itself, not by its logarithm);
* ``dJ_dmu`` — the reference ∇_μJ, obtained by differentiating J(μ) directly;
* ``sigma_limit(g)`` — lim_{σ→0} g(σ).

Three engines:

* ``moments`` (f a polynomial, SymPy): E[xⁿ] = Σ_j C(n, 2j) μ^{n−2j} σ^{2j} (2j−1)!!
  and 𝒩(x|μ,σ²)² = 𝒩(x|μ,σ²/2) / (2σ√π); exact, symbolic in μ, σ and the
  coefficients of f; ∇_μJ by SymPy differentiation; limits by ``sympy.limit``.
* ``quadrature`` (any f, mpmath at :data:`MPMATH_DPS` digits): x = μ + σz,
  ``mpmath.quad`` over z split at the breakpoints of f; ∇_μJ by
  ``mpmath.diff`` of J; limits by Richardson extrapolation in σ² (valid for
  quantities even and smooth in σ, see :func:`numeric.continuous.richardson_limit`);
* ``hermite`` (f a polynomial, float64): Gauss–Hermite with :data:`HERMITE_NODES`
  nodes, exact for polynomials of degree < 2·HERMITE_NODES; ∇_μJ by complex step
  (h = 1e-20); limits by Richardson extrapolation.  Independent of the moment
  formulas of the ``moments`` engine.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable

import mpmath
import numpy as np
import sympy

from numeric.arithmetic import Arithmetic, lu_solve_pair
from numeric.continuous import richardson_limit
from numeric.errors import InvalidPolicyError

__all__ = ["GaussianObjective", "MPMATH_DPS", "SYMPY_EXACT", "MPMATH", "gaussian_moment", "TRANSCENDENTAL"]

#: Working precision (decimal digits) of every mpmath quadrature and derivative.
MPMATH_DPS = 20
#: Richardson extrapolation of the quadrature engine's limits: σ_j = h/2ʲ, j < levels; error O(h^6) ≈ 1.5e-11.
LIMIT_H, LIMIT_LEVELS = 1 / 64, 3
#: Quadrature breakpoints in z = (x − μ)/σ, added to those of f: the Gaussian's bulk lies in [−10, 10].
_Z_POINTS = (-10, -5, 0, 5, 10)

#: Exact SymPy arithmetic (expressions kept expanded, so == decides equality of polynomials in μ, σ, 1/√π).
SYMPY_EXACT = Arithmetic("exact", exact=True, solve_pair=lu_solve_pair)
#: mpmath numbers compared as float64.
MPMATH = Arithmetic("float64", exact=False, solve_pair=lu_solve_pair)

#: Gauss–Hermite nodes of the ``hermite`` engine (exact for polynomial integrands of degree < 40).
HERMITE_NODES = 20
_HERMITE = np.polynomial.hermite_e.hermegauss(HERMITE_NODES)
_HERMITE_Z, _HERMITE_W = _HERMITE[0], _HERMITE[1] / _HERMITE[1].sum()

_X, _MU, _SIGMA = sympy.symbols("x mu sigma", real=True)
_SIGMA_POS = sympy.Symbol("sigma", positive=True)


def gaussian_moment(n: int, mu: Any, var: Any) -> Any:
    """E[xⁿ] for x ∼ 𝒩(μ, var), in any ring.

    >>> gaussian_moment(4, 0, 1), gaussian_moment(2, sympy.Symbol("m"), 3)
    (3, m**2 + 3)
    """
    total = 0 * mu
    double_factorial = 1
    for j in range(n // 2 + 1):
        if j:
            double_factorial *= 2 * j - 1
        total = total + sympy.binomial(n, 2 * j) * mu ** (n - 2 * j) * var ** j * double_factorial
    return total


#: The non-polynomial test functions of the quadrature engine, with their breakpoints.
TRANSCENDENTAL: dict[str, tuple[Callable[[Any], Any], tuple[float, ...]]] = {
    "sin": (mpmath.sin, ()),
    "exp": (mpmath.exp, ()),
    "step": (lambda x: mpmath.mpf(1) if x > 0 else mpmath.mpf(0), (0.0,)),
}


@dataclass(frozen=True)
class GaussianObjective:
    """J(μ) = E_{x∼𝒩(μ,σ²)}[f(x)] with one engine; see the module docstring.

    ``f`` is a SymPy polynomial in ``x`` (``moments``) or a callable on mpmath
    numbers (``quadrature``); ``mu`` and ``sigma`` are numbers or SymPy
    expressions (σ > 0).  ``lam`` is 0: no Bellman solve conditions a comparison.

    >>> J = GaussianObjective.polynomial([0, 0, 1], mu=sympy.Symbol("mu"), sigma=sympy.Symbol("sigma"))
    >>> J.expect(lambda x: x**2), J.dJ_dmu
    (mu**2 + sigma**2, 2*mu)
    """

    f: Any
    mu: Any
    sigma: Any
    engine: str
    label: str = ""
    breakpoints: tuple[float, ...] = ()

    lam = 0

    def __post_init__(self) -> None:
        if self.engine not in ("moments", "quadrature", "hermite"):
            raise ValueError(f"engine must be 'moments', 'quadrature' or 'hermite', got {self.engine!r}")
        s = self.sigma
        is_number = isinstance(s, (int, float, mpmath.mpf)) or (isinstance(s, sympy.Basic) and s.is_number)
        if is_number and not s > 0:
            raise InvalidPolicyError(f"sigma must be > 0, got sigma={s}")

    @staticmethod
    def polynomial(coefficients: Any, *, mu: Any, sigma: Any) -> "GaussianObjective":
        """f(x) = Σ_n coefficients[n] xⁿ, moments engine."""
        f = sum((sympy.sympify(c) * _X ** n for n, c in enumerate(coefficients)), sympy.Integer(0))
        return GaussianObjective(f, sympy.sympify(mu), sympy.sympify(sigma), "moments",
                                 label=f"polynomial f(x) = {f}")

    @staticmethod
    def polynomial_float(coefficients: Any, *, mu: float, sigma: float) -> "GaussianObjective":
        """f(x) = Σ_n coefficients[n] xⁿ, hermite engine (float64)."""
        coef = [float(c) for c in coefficients]
        return GaussianObjective(lambda x: sum(c * x ** n for n, c in enumerate(coef)), float(mu), float(sigma),
                                 "hermite", label=f"polynomial f with coefficients {coef}")

    @staticmethod
    def transcendental(name: str, *, mu: float, sigma: float) -> "GaussianObjective":
        """f ∈ {sin, exp, step} (step = 1[x > 0]), quadrature engine."""
        if name not in TRANSCENDENTAL:
            raise InvalidPolicyError(f"name must be one of {sorted(TRANSCENDENTAL)}, got {name!r}")
        fn, bps = TRANSCENDENTAL[name]
        return GaussianObjective(fn, mpmath.mpf(mu), mpmath.mpf(sigma), "quadrature", label=f"f = {name}",
                                 breakpoints=bps)

    @property
    def arithmetic(self) -> Arithmetic:
        return SYMPY_EXACT if self.engine == "moments" else MPMATH

    @property
    def symbolic(self) -> bool:
        """True when μ or σ is a symbol (a universal statement)."""
        return self.engine == "moments" and bool(sympy.sympify(self.mu).free_symbols | sympy.sympify(self.sigma).free_symbols)

    def with_sigma(self, sigma: Any) -> "GaussianObjective":
        return replace(self, sigma=sigma)

    def fx(self, x: Any) -> Any:
        """f(x)."""
        return self.f.subs(_X, x) if self.engine == "moments" else self.f(x)

    def expect(self, g: Callable[[Any], Any], *, density_power: int = 0) -> Any:
        """E_{x∼𝒩(μ,σ²)}[g(x) · 𝒩(x|μ,σ²)^density_power], density_power ∈ {0, 1}."""
        if density_power not in (0, 1):
            raise ValueError(f"density_power must be 0 or 1, got {density_power!r}")
        if self.engine == "moments":
            poly = sympy.Poly(sympy.expand(g(_X)), _X)
            var = _SIGMA ** 2 / (2 if density_power else 1)
            total = sum((c * gaussian_moment(n, _MU, var) for (n,), c in poly.terms()), sympy.Integer(0))
            if density_power:
                total = total / (2 * _SIGMA * sympy.sqrt(sympy.pi))
            return sympy.expand(total.subs({_MU: self.mu, _SIGMA: self.sigma}))
        if self.engine == "hermite":
            scale = self.sigma / np.sqrt(2) if density_power else self.sigma
            total = sum(w * g(self.mu + scale * z) for z, w in zip(_HERMITE_Z, _HERMITE_W))
            return total / (2 * self.sigma * np.sqrt(np.pi)) if density_power else total
        with mpmath.workdps(max(MPMATH_DPS, mpmath.mp.dps)):
            mu, sigma = self.mu, self.sigma
            cuts = sorted({*((b - mu) / sigma for b in self.breakpoints), *_Z_POINTS})
            weight = (lambda z: mpmath.npdf(z) ** 2 / sigma) if density_power else mpmath.npdf
            return mpmath.quad(lambda z: g(mu + sigma * z) * weight(z), [-mpmath.inf, *cuts, mpmath.inf],
                               method="gauss-legendre")

    def canonical(self, value: Any) -> Any:
        """``value`` in the engine's canonical form (expanded, for SymPy), so that == decides equality."""
        return sympy.expand(value) if self.engine == "moments" else value

    @property
    def J(self) -> Any:
        return self.expect(self.fx)

    @property
    def dJ_dmu(self) -> Any:
        """∇_μJ(μ): J differentiated directly (SymPy, or ``mpmath.diff`` at MPMATH_DPS digits)."""
        if self.engine == "moments":
            J = replace(self, mu=_MU).J
            return sympy.expand(sympy.diff(J, _MU).subs(_MU, self.mu))
        if self.engine == "hermite":
            return float(np.imag(replace(self, mu=self.mu + 1e-20j).J) / 1e-20)
        with mpmath.workdps(MPMATH_DPS):
            return mpmath.diff(lambda t: replace(self, mu=t).J, self.mu)

    def sigma_limit(self, g: Callable[[Any], Any]) -> tuple[Any, dict[str, Any]]:
        """lim_{σ→0⁺} g(σ) and how it was obtained."""
        if self.engine == "moments":
            return sympy.expand(sympy.limit(g(_SIGMA_POS), _SIGMA_POS, 0, "+")), {"limit": "sympy.limit (exact)"}
        if self.engine == "hermite":
            limit, details = richardson_limit(lambda s: np.array([g(s)]), h=LIMIT_H, levels=LIMIT_LEVELS)
            return limit[0], {"limit": details["extrapolation"], "precision": f"Gauss–Hermite, {HERMITE_NODES} nodes"}
        with mpmath.workdps(MPMATH_DPS):
            limit, details = richardson_limit(lambda s: np.array([g(mpmath.mpf(s))]), h=LIMIT_H, levels=LIMIT_LEVELS)
        return limit[0], {"limit": details["extrapolation"], "precision": f"mpmath.quad at {MPMATH_DPS} digits"}

    def leading_term(self, g: Callable[[Any], Any]) -> str:
        """The leading term of g(σ) as σ → 0⁺ (moments engine), factored."""
        if self.engine != "moments":
            raise NotImplementedError("leading terms are computed by the moments engine only")
        series = sympy.series(g(_SIGMA_POS), _SIGMA_POS, 0, n=1).removeO()
        expanded = sympy.expand(series)
        low = min(sympy.Poly(expanded * _SIGMA_POS ** 8, _SIGMA_POS).monoms())[0] - 8 if expanded != 0 else 0
        return str(sympy.factor(expanded.coeff(_SIGMA_POS, low) * _SIGMA_POS ** low)) if expanded != 0 else "0"
