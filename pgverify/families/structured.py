"""The model families of the policy-gradient-theorem section, beyond the plain tabular softmax.

A family here is a *structure* (which transitions and rewards may be non-zero)
times a *policy class*:

* structures — ``full`` (any MDP), ``layered`` (episodic: state s moves only to
  states s' > s, the last state is absorbing with zero reward, so it is
  reached within T = S rounds; ``model.extras["horizon"]`` = S) and
  ``ergodic`` (every transition probability positive, so every softmax
  policy's chain is irreducible and aperiodic);
* policies — tabular softmax (θ ∈ ℝ^{S×A}) and linear softmax (θ ∈ ℝ^K with
  integer features φ(s, a) ∈ ℤ^K, a fixed array per family size).

Registered families: ``linear-softmax``, ``layered-tabular-softmax``,
``layered-linear-softmax``, ``ergodic-tabular-softmax``,
``ergodic-linear-softmax``.  Each has a symbolic model (small), exact models
at random grid points with their degree-bound model (Schwartz–Zippel), and a
Hypothesis strategy of small exact examples that shrink toward one state,
one action, zero rewards, zero discount and the uniform policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
from hypothesis import strategies as st

from numeric.arithmetic import DEGREE, EXACT, Arithmetic
from numeric.evaluation import model as build_model
from numeric.flint_exact import Q, to_q
from numeric.linear import LinearSoftmax, linear_softmax_from_weights, linear_softmax_jacobian, linear_softmax_vjp
from numeric.mdp import FiniteMDP
from numeric.model import Model
from numeric.policies import TabularSoftmax
from numeric.strategies import built_once
from pgverify.families.base import GRID, Family, degree_variables, describe_example, tabular_from_base

__all__ = ["STRUCTURES", "Structure", "demo_features", "structured_model"]


@dataclass(frozen=True)
class Structure:
    """Which entries of P and r may be non-zero, and the smallest P weight Hypothesis draws."""

    name: str
    min_weight: int
    min_states: int

    def P_mask(self, S: int, A: int) -> np.ndarray:
        if self.name != "layered":
            return np.ones((S, A, S), dtype=bool)
        mask = np.zeros((S, A, S), dtype=bool)
        for s in range(S):
            mask[s, :, s + 1:] = True
        mask[S - 1, :, S - 1] = True
        return mask

    def r_mask(self, S: int, A: int) -> np.ndarray:
        mask = np.ones((S, A), dtype=bool)
        if self.name == "layered":
            mask[S - 1] = False
        return mask

    def extras(self, S: int) -> dict[str, Any]:
        return {"horizon": S} if self.name == "layered" else {}


STRUCTURES = {s.name: s for s in (Structure("full", 0, 1), Structure("layered", 0, 1), Structure("ergodic", 1, 1))}

#: Sizes (S, A) of the symbolic and exact models of each structure.
SYMBOLIC_SIZE = {"full": (2, 2), "layered": (3, 2), "ergodic": (2, 2)}
EXACT_SIZE = {"full": (5, 3), "layered": (4, 2), "ergodic": (5, 3)}
#: Number of linear-softmax parameters K of the symbolic and exact models.
SYMBOLIC_K, EXACT_K = 2, 3


def symbolic_features(S: int, A: int) -> np.ndarray:
    """φ[s, a] ∈ {0, 1}^2 for the symbolic models: θ₀ and θ₁ both act at every state (low degrees keep SymPy fast).

    >>> symbolic_features(2, 2).tolist()
    [[[1, 0], [0, 1]], [[0, 1], [1, 1]]]
    """
    s, a = np.indices((S, A))
    return np.stack([(s + a + 1) % 2, np.minimum(1, s + a)], axis=-1).astype(np.int64)


def demo_features(S: int, A: int, K: int) -> np.ndarray:
    """A fixed integer feature array φ[s, a, k] ∈ {−2, …, 2} that mixes the states.

    >>> demo_features(2, 2, 2).tolist()
    [[[-1, -1], [0, 2]], [[2, 0], [1, 2]]]
    """
    s, a, k = np.indices((S, A, K))
    return ((3 * s + 5 * a + 7 * k + 2 * s * a * k + 1) * (a + 1 + k) % 5 - 2).astype(np.int64)


def _fractions(a: np.ndarray) -> np.ndarray:
    """Exact rationals (python-flint :class:`~numeric.flint_exact.Q`) from an integer array."""
    return to_q(a)


def linear_from_base(arithmetic: Arithmetic, W: np.ndarray, R: np.ndarray, lam: Any, X: np.ndarray,
                     features: np.ndarray, family: str) -> Model:
    """A linear-softmax model from base coordinates: P = W/ΣW, π ∝ Π_k x_k^{φ[s,a,k]}, s⁰ = 0."""
    P = W / W.sum(axis=2, keepdims=True)
    pi = linear_softmax_from_weights(features, X)
    S = P.shape[0]
    mu0 = np.array([Fraction(1)] + [Fraction(0)] * (S - 1), dtype=object)
    phi = _fractions(features)
    return Model(arithmetic=arithmetic, P=P, r=R, lam=lam, mu0=mu0, pi=pi,
                 jacobian=lambda: linear_softmax_jacobian(pi, phi), vjp=lambda g: linear_softmax_vjp(pi, phi, g),
                 family=family)


def structured_model(arithmetic: Arithmetic, structure: Structure, W: np.ndarray, R: np.ndarray, lam: Any,
                     X: np.ndarray, features: np.ndarray | None, label: str) -> Model:
    """A model of ``structure`` from base coordinates (masked here), tabular when ``features`` is None."""
    S, A, _ = W.shape
    zero = Fraction(0)
    W = np.where(structure.P_mask(S, A), W, zero)
    R = np.where(structure.r_mask(S, A), R, zero)
    if features is None:
        mu0 = np.array([Fraction(1)] + [zero] * (S - 1), dtype=object)
        m = tabular_from_base(arithmetic, W, R, lam, X.reshape(S, A), mu0, label)
    else:
        m = linear_from_base(arithmetic, W, R, lam, X, features, label)
    m.extras.update(structure.extras(S))
    return m


def _label(structure: str, linear: bool, size: str) -> str:
    prefix = "" if structure == "full" else structure + "-"
    return f"{prefix}{'linear' if linear else 'tabular'}-softmax {size}"


def _size(S: int, A: int, linear: bool, K: int) -> str:
    return f"S={S} A={A}" + (f" K={K}" if linear else "")


@lru_cache(maxsize=None)
def _symbolic(structure: str, linear: bool) -> Model:
    from symbolic.structured import StructuredFamily

    S, A = SYMBOLIC_SIZE[structure]
    st_ = STRUCTURES[structure]
    fam = StructuredFamily(st_.P_mask(S, A), st_.r_mask(S, A), symbolic_features(S, A) if linear else None,
                           _label(structure, linear, _size(S, A, linear, SYMBOLIC_K)))
    m = fam.model()
    m.extras.update(st_.extras(S))
    return m


@lru_cache(maxsize=None)
def _exact_points(k: int, seed: int, structure: str, linear: bool) -> list[Model]:
    S, A = EXACT_SIZE[structure]
    rng = np.random.default_rng([seed, S, A, int(linear), len(structure)])
    features = demo_features(S, A, EXACT_K) if linear else None
    label = _label(structure, linear, _size(S, A, linear, EXACT_K))
    out = []
    for _ in range(k):
        W = _fractions(rng.integers(1, GRID, size=(S, A, S), endpoint=True))
        R = _fractions(rng.integers(-GRID // 2, GRID // 2, size=(S, A)))
        lam = Q(int(rng.integers(0, GRID)), GRID)
        X = _fractions(rng.integers(1, GRID, size=EXACT_K if linear else S * A, endpoint=True))
        out.append(structured_model(EXACT, STRUCTURES[structure], W, R, lam, X, features, label))
    return out


@lru_cache(maxsize=None)
def _degree(structure: str, linear: bool) -> Model:
    S, A = EXACT_SIZE[structure]
    X = degree_variables(EXACT_K if linear else S * A)
    return structured_model(DEGREE, STRUCTURES[structure], degree_variables(S, A, S), degree_variables(S, A),
                            degree_variables(1)[0], X, demo_features(S, A, EXACT_K) if linear else None, "degree")


_integers = built_once(st.integers)


@built_once
@st.composite
def structured_examples(draw: st.DrawFn, structure: Structure, linear: bool, *, max_states: int = 3,
                        max_actions: int = 3, max_features: int = 3) -> tuple[FiniteMDP, Any]:
    """Small exact (mdp, policy) pairs of ``structure``; valid by construction, no filtering.

    Each row of P gets integer weights in [min_weight, 4] on its allowed
    support with one allowed entry forced positive; rewards are integers in
    [−4, 4] where allowed; λ ∈ {0, 1/10, …, 9/10}; policy weights x = exp θ in
    [1, 4] and (linear) features in [−2, 2].
    """
    S = draw(_integers(structure.min_states, max_states))
    A = draw(_integers(1, max_actions))
    P_mask, r_mask = structure.P_mask(S, A), structure.r_mask(S, A)
    P = np.empty((S, A, S), dtype=object)
    for s in range(S):
        for a in range(A):
            allowed = np.flatnonzero(P_mask[s, a])
            w = [0] * S
            for t in allowed:
                w[t] = draw(_integers(structure.min_weight, 4))
            w[int(allowed[draw(_integers(0, len(allowed) - 1))])] += 1
            P[s, a] = [Fraction(x, sum(w)) for x in w]
    r = np.array([[Fraction(draw(_integers(-4, 4))) if r_mask[s, a] else Fraction(0) for a in range(A)]
                  for s in range(S)], dtype=object)
    mdp = FiniteMDP(P, r, Fraction(draw(_integers(0, 9)), 10))
    if not linear:
        return mdp, TabularSoftmax.from_weights([[draw(_integers(1, 4)) for _ in range(A)] for _ in range(S)])
    K = draw(_integers(1, max_features))
    phi = [[[draw(_integers(-2, 2)) for _ in range(K)] for _ in range(A)] for _ in range(S)]
    return mdp, LinearSoftmax.from_weights(phi, [draw(_integers(1, 4)) for _ in range(K)])


def _build(structure: str) -> Any:
    def build(example: tuple[FiniteMDP, Any], exact: bool) -> Model:
        mdp, policy = example
        linear = isinstance(policy, LinearSoftmax)
        m = build_model(mdp, policy, exact=exact, family=_label(structure, linear, "").strip(), flint_rationals=True)
        m.extras.update(STRUCTURES[structure].extras(mdp.num_states))
        return m
    return build


def _describe(example: tuple[FiniteMDP, Any]) -> dict[str, Any]:
    out = describe_example(example)
    policy = example[1]
    if isinstance(policy, LinearSoftmax):
        out["policy"]["features"] = np.asarray(policy.features, dtype=np.float64).astype(np.int64).tolist()
    return out


def _family(structure: str, linear: bool) -> Family:
    S, A = SYMBOLIC_SIZE[structure]
    Se, Ae = EXACT_SIZE[structure]
    return Family(
        name=_label(structure, linear, "").strip(),
        symbolic=lambda: _symbolic(structure, linear),
        symbolic_label=_label(structure, linear, _size(S, A, linear, SYMBOLIC_K)),
        exact_points=lambda k, seed: _exact_points(k, seed, structure, linear),
        exact_label=_label(structure, linear, _size(Se, Ae, linear, EXACT_K)),
        degree=lambda: _degree(structure, linear),
        examples=lambda: structured_examples(STRUCTURES[structure], linear),
        build=_build(structure),
        numeric_label=_label(structure, linear, "S<=3 A<=3" + (" K<=3" if linear else "")),
        describe=_describe,
    )


#: ``linear-softmax`` and the layered and ergodic structures with either policy class.
FAMILIES = tuple(_family(structure, linear) for structure, linear in (
    ("full", True), ("layered", False), ("layered", True), ("ergodic", False), ("ergodic", True)))
