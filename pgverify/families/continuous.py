"""Model families of the "Deterministic policy gradients" section.

* ``continuous-rational`` — finite states, a ∈ ℝ, 𝓟_s^a(s') ∝ c + (a − m)², r polynomial in a,
  deterministic policy linear in features (:mod:`numeric.continuous`); exact points and float64 examples
  (its universal symbolic model exists, :func:`symbolic.dpg.continuous_rational_model`, but one gradient
  takes minutes at S = 2, so the universal proofs are done on the LQR);
* ``continuous-rational-gaussian`` — the same with Gaussian policies 𝒩(μθ(s), σ²), action expectations by
  Gauss–Hermite (:data:`GAUSS_HERMITE_NODES` nodes, float64), σ → 0 by Richardson extrapolation: numeric only;
* ``lqr`` — the scalar LQR (:mod:`numeric.lqr`), universal (symbolic) and at exact and float points;
* ``lqr-gaussian`` — the LQR with a Gaussian policy: Gaussian expectations exact (two-point rule), the limit
  σ → 0 exact: universally (σ a symbol of the field), in ℚ(σ) at exact points; Richardson in float64;
* ``gaussian-polynomial`` / ``gaussian-transcendental`` — J(μ) = E_{𝒩(μ,σ²)}[f] (:mod:`numeric.gaussian`).
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import sympy
from hypothesis import strategies as st

from numeric.continuous import (TWO_POINT_RULE, ContinuousActionMDP, continuous_model, hermite_rule,
                                richardson_limit)
from numeric.gaussian import TRANSCENDENTAL, GaussianObjective
from numeric.lqr import ScalarLQR
from numeric.strategies import built_once
from pgverify.families.base import GRID, Family

__all__ = ["GAUSS_HERMITE_NODES", "LIMIT_H", "LIMIT_LEVELS"]

#: Gauss–Hermite nodes of the Gaussian-policy expectations on the rational family (float64).
GAUSS_HERMITE_NODES = 40
#: Richardson extrapolation σ_j = h/2ʲ, j < levels, of the float σ → 0 limits: error O(h⁸) ≈ 3e-15 relative
#: to the σ⁸ Taylor coefficient (the poles of 𝓟 in a lie ≥ 0.4 from the real axis for the drawn examples).
LIMIT_H, LIMIT_LEVELS = 1 / 64, 4


def _not_bounded() -> Any:
    raise NotImplementedError("no degree-bound model: the Schwartz–Zippel bound is not reported")


def _float_limit(g: Any) -> tuple[Any, dict[str, Any]]:
    return richardson_limit(g, h=LIMIT_H, levels=LIMIT_LEVELS)


def _strings(a: Any) -> Any:
    arr = np.asarray(a, dtype=object)
    return str(arr[()]) if arr.ndim == 0 else [_strings(x) for x in arr]


# ------------------------------------------------------------ continuous rational
EXACT_STATES, EXACT_FEATURES = 4, 2


def _grid_fractions(rng: np.random.Generator, shape: tuple[int, ...], lo: int, hi: int) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    out.ravel()[:] = [Fraction(int(x)) for x in rng.integers(lo, hi, size=shape, endpoint=True).ravel()]
    return out


@lru_cache(maxsize=None)
def _rational_exact_points(k: int, seed: int) -> list[Any]:
    rng = np.random.default_rng([seed, 5, EXACT_STATES])
    S, K = EXACT_STATES, EXACT_FEATURES
    models = []
    for _ in range(k):
        mdp = ContinuousActionMDP(c=_grid_fractions(rng, (S, S), 1, GRID), m=_grid_fractions(rng, (S, S), -GRID, GRID),
                                  r=_grid_fractions(rng, (S, 3), -GRID, GRID),
                                  discount=Fraction(int(rng.integers(0, GRID)), GRID))
        theta = _grid_fractions(rng, (K,), -GRID, GRID) / GRID
        models.append(continuous_model(mdp, theta, features=_grid_fractions(rng, (S, K), -GRID, GRID), exact=True,
                                       family=f"continuous-rational S={S} K={K}"))
    return models


_integers = built_once(st.integers)


@st.composite
def continuous_examples(draw: st.DrawFn, *, max_states: int = 3) -> tuple[ContinuousActionMDP, Any, Any]:
    """Small exact (mdp, features or None (tabular), θ); shrinks toward one state, flat reward, θ = 0."""
    S = draw(_integers(1, max_states))
    c = [[draw(_integers(0, 3)) for _ in range(S)] for _ in range(S)]
    for row in c:
        row[draw(_integers(0, S - 1))] += 1  # c ≥ 0 with a positive entry: rows valid for every a
    m = [[draw(_integers(-2, 2)) for _ in range(S)] for _ in range(S)]
    r = [[draw(_integers(-3, 3)) for _ in range(3)] for _ in range(S)]
    lam = Fraction(draw(_integers(0, 9)), 10)
    tabular = draw(st.booleans())
    K = S if tabular else draw(_integers(1, 2))
    features = None if tabular else [[draw(_integers(-2, 2)) for _ in range(K)] for _ in range(S)]
    theta = [Fraction(draw(_integers(-4, 4)), 2) for _ in range(K)]
    return ContinuousActionMDP(c=c, m=m, r=r, discount=lam), features, theta


def _describe_continuous(example: Any) -> dict[str, Any]:
    mdp, features, theta = example
    return {"c": _strings(mdp.c), "m": _strings(mdp.m), "r (coefficients of 1, a, a²)": _strings(mdp.r),
            "discount": str(mdp.discount), "initial": 0,
            "features": "tabular" if features is None else _strings(features), "theta": _strings(theta)}


def _build_continuous(example: Any, exact: bool) -> Any:
    mdp, features, theta = example
    return continuous_model(mdp, theta, features=features, exact=exact, family="continuous-rational")


def _build_continuous_gaussian(example: Any, exact: bool) -> Any:
    mdp, features, theta = example
    return continuous_model(mdp, theta, features=features, exact=False, family="continuous-rational-gaussian",
                            rule=hermite_rule(GAUSS_HERMITE_NODES), sigma_limit=_float_limit)


CONTINUOUS_RATIONAL = Family(
    name="continuous-rational", symbolic=None, symbolic_label="",
    exact_points=_rational_exact_points, exact_label=f"continuous-rational S={EXACT_STATES} K={EXACT_FEATURES}",
    degree=_not_bounded, examples=continuous_examples, build=_build_continuous,
    numeric_label="continuous-rational S<=3", describe=_describe_continuous)

CONTINUOUS_RATIONAL_GAUSSIAN = Family(
    name="continuous-rational-gaussian", symbolic=None, symbolic_label="",
    exact_points=lambda k, seed: [], exact_label="", degree=_not_bounded, examples=continuous_examples,
    build=_build_continuous_gaussian,
    numeric_label=f"continuous-rational-gaussian S<=3 (Gauss–Hermite {GAUSS_HERMITE_NODES} nodes, Richardson "
                  f"h={LIMIT_H} levels={LIMIT_LEVELS})",
    describe=_describe_continuous, methods=("numeric",))


# ---------------------------------------------------------------------- LQR
def _lqr_symbolic() -> Any:
    from symbolic.dpg import lqr_model

    return lqr_model()


@lru_cache(maxsize=None)
def _lqr_exact_points(k: int, seed: int, gaussian: bool) -> list[Any]:
    from symbolic.dpg import field_limit_in

    rng = np.random.default_rng([seed, 7, int(gaussian)])
    models = []
    for _ in range(k):
        a, b, gain = (Fraction(int(x), GRID) for x in rng.integers(-4 * GRID, 4 * GRID, size=3))
        W, Q, R = (Fraction(int(x), GRID) for x in rng.integers(0, 4 * GRID, size=3))
        x0 = Fraction(int(rng.integers(-4 * GRID, 4 * GRID)), GRID)
        g = a - b * gain
        lam = Fraction(int(rng.integers(0, GRID)), GRID) / (1 + g * g)  # λ g² < 1: a stable gain
        lqr = ScalarLQR(a=a, b=b, noise=W, state_cost=Q, action_cost=R, discount=lam, x0=x0)
        models.append(lqr.model(gain, family="lqr (exact point)", rule=TWO_POINT_RULE,
                                sigma_limit=field_limit_in() if gaussian else None))
    return models


@st.composite
def lqr_examples(draw: st.DrawFn) -> tuple[ScalarLQR, Fraction]:
    """Small exact (LQR, gain k) with λ (a − b k)² < 1; shrinks toward a = b = 0, λ = 0."""
    a, b = draw(_integers(-2, 2)), draw(_integers(-2, 2))
    gain = Fraction(draw(_integers(-4, 4)), 2)
    g = a - b * gain
    lam = Fraction(draw(_integers(0, 9)), 10) / (1 + g * g)
    lqr = ScalarLQR(a=a, b=b, noise=draw(_integers(0, 2)), state_cost=draw(_integers(0, 2)),
                    action_cost=draw(_integers(0, 2)), discount=lam, x0=draw(_integers(-2, 2)))
    return lqr, gain


def _describe_lqr(example: Any) -> dict[str, Any]:
    lqr, gain = example
    return {name: str(getattr(lqr, name)) for name in ("a", "b", "noise", "state_cost", "action_cost", "discount",
                                                      "x0")} | {"k": str(gain)}


def _build_lqr(example: Any, exact: bool, gaussian: bool = False) -> Any:
    from symbolic.dpg import field_limit_in

    lqr, gain = example
    if not exact:
        lqr = ScalarLQR(**{n: float(getattr(lqr, n)) for n in ("a", "b", "noise", "state_cost", "action_cost",
                                                                "discount", "x0")})
        return lqr.model(float(gain), family="lqr", rule=TWO_POINT_RULE, sigma_limit=_float_limit if gaussian else None)
    return lqr.model(gain, family="lqr", rule=TWO_POINT_RULE, sigma_limit=field_limit_in() if gaussian else None)


LQR = Family(
    name="lqr", symbolic=_lqr_symbolic, symbolic_label="lqr (symbolic a, b, W, Q, R, λ, x₀, k)",
    exact_points=lambda k, seed: _lqr_exact_points(k, seed, False), exact_label="lqr (exact points)",
    degree=_not_bounded, examples=lqr_examples, build=_build_lqr, numeric_label="lqr (small examples)",
    describe=_describe_lqr)

def _lqr_gaussian_symbolic() -> Any:
    from symbolic.dpg import lqr_model

    return lqr_model(gaussian=True)


LQR_GAUSSIAN = Family(
    name="lqr-gaussian", symbolic=_lqr_gaussian_symbolic, symbolic_label="lqr-gaussian (symbolic a, b, W, Q, R, λ, x₀, k, σ)",
    exact_points=lambda k, seed: _lqr_exact_points(k, seed, True), exact_label="lqr-gaussian (exact points, σ ∈ ℚ(σ))",
    degree=_not_bounded, examples=lqr_examples, build=lambda e, exact: _build_lqr(e, exact, gaussian=True),
    numeric_label=f"lqr-gaussian (Richardson h={LIMIT_H} levels={LIMIT_LEVELS})", describe=_describe_lqr)


# ------------------------------------------------------------ Gaussian objectives
@lru_cache(maxsize=None)
def _gaussian_symbolic() -> GaussianObjective:
    return GaussianObjective.polynomial(sympy.symbols("f0:4"), mu=sympy.Symbol("mu"),
                                        sigma=sympy.Symbol("sigma", positive=True))


@lru_cache(maxsize=None)
def _gaussian_exact_points(k: int, seed: int) -> list[GaussianObjective]:
    rng = np.random.default_rng([seed, 11])
    out = []
    for _ in range(k):
        coef = [sympy.Rational(int(x), 2 ** 16) for x in rng.integers(-2 ** 20, 2 ** 20, size=4)]
        mu = sympy.Rational(int(rng.integers(-2 ** 20, 2 ** 20)), 2 ** 16)
        sigma = sympy.Rational(int(rng.integers(1, 2 ** 20)), 2 ** 16)
        out.append(GaussianObjective.polynomial(coef, mu=mu, sigma=sigma))
    return out


@st.composite
def polynomial_examples(draw: st.DrawFn) -> tuple[list[int], Fraction, Fraction]:
    """(coefficients of f, μ, σ) small and exact; shrinks toward f = 0, μ = 0, σ = 1."""
    coef = draw(st.lists(_integers(-3, 3), min_size=1, max_size=4))
    mu = Fraction(draw(_integers(-4, 4)), 2)
    sigma = Fraction(draw(_integers(1, 4)), draw(st.sampled_from([1, 2, 4])))
    return coef, mu, sigma


def _build_polynomial(example: Any, exact: bool) -> GaussianObjective:
    coef, mu, sigma = example
    if exact:
        return GaussianObjective.polynomial(coef, mu=sympy.Rational(mu), sigma=sympy.Rational(sigma))
    return GaussianObjective.polynomial_float(coef, mu=float(mu), sigma=float(sigma))


GAUSSIAN_POLYNOMIAL = Family(
    name="gaussian-polynomial", symbolic=_gaussian_symbolic,
    symbolic_label="gaussian-polynomial f = f0 + f1 x + f2 x² + f3 x³, symbolic μ, σ",
    exact_points=_gaussian_exact_points, exact_label="gaussian-polynomial (cubic f, exact points)",
    degree=_not_bounded, examples=polynomial_examples, build=_build_polynomial,
    numeric_label="gaussian-polynomial (Gauss–Hermite float64)",
    describe=lambda e: {"f coefficients": [str(c) for c in e[0]], "mu": str(e[1]), "sigma": str(e[2])})

#: The transcendental cases checked numerically: (f, μ, σ).
TRANSCENDENTAL_CASES = tuple((name, 0.7, 0.5) for name in sorted(TRANSCENDENTAL))

GAUSSIAN_TRANSCENDENTAL = Family(
    name="gaussian-transcendental", symbolic=None, symbolic_label="",
    exact_points=lambda k, seed: [], exact_label="", degree=_not_bounded,
    examples=lambda: st.sampled_from(TRANSCENDENTAL_CASES),
    build=lambda e, exact: GaussianObjective.transcendental(e[0], mu=e[1], sigma=e[2]),
    numeric_label="gaussian-transcendental f ∈ {exp, sin, step} (mpmath quadrature)",
    describe=lambda e: {"f": e[0], "mu": e[1], "sigma": e[2]}, methods=("numeric",))

#: The continuous-action families, in the order ``pgverify list`` shows them.
FAMILIES = (CONTINUOUS_RATIONAL, CONTINUOUS_RATIONAL_GAUSSIAN, LQR, LQR_GAUSSIAN, GAUSSIAN_POLYNOMIAL,
            GAUSSIAN_TRANSCENDENTAL)
