"""Model families: where each method draws the models a claim is evaluated on.

A :class:`Family` knows how to build its models

* symbolically (one universal model over a field of rational functions),
* exactly at random points drawn uniformly from a large grid (the
  Schwartz–Zippel test), together with a model in degree-bound arithmetic
  that bounds the degree of every quantity as a rational function of the
  point's coordinates,
* from small examples drawn by Hypothesis (exact Fractions, evaluated exactly
  or in float64), which is also where counterexamples come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

from numeric import strategies as nst
from numeric.arithmetic import DEGREE, EXACT, Arithmetic, Degree
from numeric.evaluation import model as build_model
from numeric.flint_exact import Q, to_q
from numeric.mdp import FiniteMDP
from numeric.model import Model
from numeric.policies import softmax_from_weights, softmax_jacobian, softmax_vjp

__all__ = ["Family", "FAMILIES", "describe_example", "GRID", "tabular_family", "MAX_SYMBOLIC_STATES",
           "MAX_SYMBOLIC_PARAMETERS"]

#: Each coordinate of an exact random point is drawn uniformly from a set of
#: GRID values (weights 1..GRID, rewards −GRID/2..GRID/2−1, λ = u/GRID).
GRID = 2 ** 32


@dataclass(frozen=True)
class Family:
    """A family of models; see the module docstring.

    ``symbolic()`` returns the universal model (or None), ``exact_points(k, seed)``
    k exact models at random grid points, ``degree()`` the degree-bound model,
    ``examples()`` a Hypothesis strategy of small exact examples and
    ``build(example, exact)`` their models.
    """

    name: str
    symbolic: Callable[[], Model] | None
    symbolic_label: str
    exact_points: Callable[[int, int], list[Model]]
    exact_label: str
    degree: Callable[[], Model]
    examples: Callable[[], st.SearchStrategy[Any]]
    build: Callable[[Any, bool], Model]
    numeric_label: str
    describe: Callable[[Any], dict[str, Any]]
    #: The methods this family can serve (a family of transcendental models has no exact points).
    methods: tuple[str, ...] = ("symbolic", "exact", "numeric")


# ------------------------------------------------------------ tabular softmax
EXACT_STATES, EXACT_ACTIONS = 5, 3


def tabular_from_base(arithmetic: Arithmetic, W: np.ndarray, R: np.ndarray, lam: Any, X: np.ndarray,
                      mu0: np.ndarray, family: str) -> Model:
    """A tabular-softmax model from base coordinates: P = W/ΣW, π = X/ΣX (x = e^θ)."""
    P = W / W.sum(axis=2, keepdims=True)
    pi = softmax_from_weights(X)
    return Model(arithmetic=arithmetic, P=P, r=R, lam=lam, mu0=mu0, pi=pi,
                 jacobian=lambda: softmax_jacobian(pi), vjp=lambda g: softmax_vjp(pi, g), family=family)


def _one_hot(S: int) -> np.ndarray:
    return np.array([Fraction(1)] + [Fraction(0)] * (S - 1), dtype=object)


def _fractions(a: np.ndarray) -> np.ndarray:
    """Exact rationals (python-flint :class:`~numeric.flint_exact.Q`) from an integer array."""
    return to_q(a)


def random_tabular_point(rng: np.random.Generator, S: int, A: int, label: str, *,
                         initial_distribution: bool = False) -> Model:
    """An exact tabular-softmax model at a uniform random point of the grid (μ = normalised weights or s⁰ = 0)."""
    W = _fractions(rng.integers(1, GRID, size=(S, A, S), endpoint=True))
    R = _fractions(rng.integers(-GRID // 2, GRID // 2, size=(S, A)))
    lam = Q(int(rng.integers(0, GRID)), GRID)
    X = _fractions(rng.integers(1, GRID, size=(S, A), endpoint=True))
    if initial_distribution:
        weights = _fractions(rng.integers(1, GRID, size=S, endpoint=True))
        mu0 = weights / weights.sum()
    else:
        mu0 = _one_hot(S)
    return tabular_from_base(EXACT, W, R, lam, X, mu0, label)


@lru_cache(maxsize=None)
def _tabular_exact_points(k: int, seed: int, mu: bool, S: int = EXACT_STATES, A: int = EXACT_ACTIONS) -> list[Model]:
    rng = np.random.default_rng([seed, S, A, int(mu)])
    return [random_tabular_point(rng, S, A, _label(mu, S, A), initial_distribution=mu) for _ in range(k)]


def _label(mu: bool, S: int | str, A: int | str) -> str:
    return f"tabular-softmax{'-initial-distribution' if mu else ''} S{'' if isinstance(S, str) else '='}{S} " \
           f"A{'' if isinstance(A, str) else '='}{A}"


def degree_variables(*shape: int) -> np.ndarray:
    """An array of independent coordinates in degree-bound arithmetic (each of degree 1)."""
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = Degree(1, 0)
    return out


@lru_cache(maxsize=None)
def _tabular_degree(mu: bool, S: int = EXACT_STATES, A: int = EXACT_ACTIONS) -> Model:
    var = degree_variables
    mu0 = var(S) / var(S).sum() if mu else _one_hot(S)
    return tabular_from_base(DEGREE, var(S, A, S), var(S, A), Degree(1, 0), var(S, A), mu0, "degree")


@lru_cache(maxsize=None)
def _tabular_symbolic(mu: bool, S: int = 2, A: int = 2) -> Model:
    from symbolic.family import tabular_softmax_family

    return tabular_softmax_family(S, A, initial_distribution=mu).model()


def _tabular_examples(mu: bool) -> st.SearchStrategy[Any]:
    return nst.mdps_and_tabular_policies(max_states=3, max_actions=3, initial_distribution=mu)


def _tabular_build(example: tuple[FiniteMDP, Any], exact: bool) -> Model:
    mdp, policy = example
    return build_model(mdp, policy, exact=exact, family="tabular-softmax", flint_rationals=True)


def describe_example(example: Any) -> dict[str, Any]:
    """A JSON-ready description of an (mdp, policy) example, exact rationals as strings."""
    mdp, policy = example
    out: dict[str, Any] = {
        "P": _strings(mdp.P), "r": _strings(mdp.r), "discount": str(mdp.discount),
        "initial": mdp.initial if isinstance(mdp.initial, int) else _strings(mdp.initial),
    }
    weights = getattr(policy, "weights", None)
    if weights is not None:
        out["policy"] = {"type": type(policy).__name__, "exp_theta": _strings(weights),
                         "pi": _strings(policy.probabilities())}
    else:
        out["policy"] = {"type": type(policy).__name__, "theta": np.asarray(policy.theta).tolist()}
    return out


def _strings(a: Any) -> Any:
    arr = np.asarray(a, dtype=object)
    if arr.ndim == 0:
        return str(arr[()])
    return [_strings(x) for x in arr]


#: The largest symbolic tabular family a user may ask for (``--states/--actions``): S ≤ 3 and S·A ≤ 6.
#: In the generic field the cost grows steeply (pgt.theorem: 2 × 2 0.1 s, 3 × 2 about 3 s, 3 × 3 over
#: 2 minutes); the dedicated prover :mod:`symbolic.pgt_proof` reaches 4 × 3 (and 5 × 2) for the theorem.
MAX_SYMBOLIC_STATES, MAX_SYMBOLIC_PARAMETERS = 3, 6


def tabular_family(mu: bool, S: int = 2, A: int = 2) -> Family:
    """The ``tabular-softmax`` family (``tabular-softmax-mu`` with ``mu``) with an S × A symbolic model."""
    for name, value in (("states", S), ("actions", A)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name}={value!r} must be an integer at least 1")
    if S > MAX_SYMBOLIC_STATES or S * A > MAX_SYMBOLIC_PARAMETERS:
        raise ValueError(f"a symbolic tabular family with states={S} and actions={A} is too large: the limit is "
                         f"S <= {MAX_SYMBOLIC_STATES} and S*A <= {MAX_SYMBOLIC_PARAMETERS} (3 x 3 takes minutes "
                         f"per claim)")
    return Family(
        name=_label(mu, "", "").split(" ")[0],
        symbolic=lambda: _tabular_symbolic(mu, S, A),
        symbolic_label=_label(mu, S, A),
        exact_points=lambda k, seed: _tabular_exact_points(k, seed, mu),
        exact_label=_label(mu, EXACT_STATES, EXACT_ACTIONS),
        degree=lambda: _tabular_degree(mu),
        examples=lambda: _tabular_examples(mu),
        build=_tabular_build,
        numeric_label=_label(mu, "<=3", "<=3"),
        describe=describe_example,
    )


#: ``tabular-softmax`` (initial state s⁰ = 0) and ``tabular-softmax-mu`` (a general initial distribution μ).
FAMILIES = tuple(tabular_family(mu) for mu in (False, True))
