"""The episodic-softmax model family: layered episodic MDPs for the vanilla policy gradient claims.

* symbolic — :func:`symbolic.episodic.episodic_softmax_family` (2 states + absorbing, 2 actions, T = 3);
* exact — random points of the layered family with 3 non-absorbing states, 2 actions and
  T = 4: state i moves to a later state j > i or to the absorbing state 3, with
  every such transition possible (weights from the grid); degree bounds from the
  same structure;
* numeric / counterexamples — Hypothesis-drawn layered MDPs with 1–2 non-absorbing
  states, 1–2 actions and random support (see :func:`episodic_examples`).

Every model carries in ``extras`` the horizon, the absorbing state, the
enumerated trajectories and three arbitrary functions for the baseline claims:
``b[s]`` (of the state), ``c[s, a]`` (of the state and action) and ``h[j]`` (of
the history j = (s_1, a_1, …, s_t)), plus ``features[s, f]`` φ(s) = (1, s).
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from typing import Any, Iterator

import numpy as np
from hypothesis import strategies as st

from numeric.arithmetic import DEGREE, EXACT, Arithmetic, Degree
from numeric.flint_exact import Q, to_q
from numeric.episodic import EpisodicMDP, enumerate_trajectories, episodic_model
from numeric.mdp import FiniteMDP
from numeric.model import Model
from numeric.policies import TabularSoftmax, softmax_from_weights, softmax_jacobian, softmax_vjp
from numeric.strategies import built_once, episodic_mdps, tabular_softmax_policies
from pgverify.families.base import GRID, Family

__all__ = ["EPISODIC", "episodic_examples", "build_example", "random_example", "census_models", "describe", "Example", "random_layered_episodic", "layered_support"]

EPISODIC = "episodic-softmax"
EXACT_NONABSORBING, EXACT_ACTIONS = 3, 2
#: A drawn example: the episodic MDP, an exact softmax policy and the baselines b[s], c[s, a], h[history].
Example = tuple[EpisodicMDP, TabularSoftmax, dict[str, np.ndarray]]


def layered_support(n: int, A: int) -> np.ndarray:
    """The layered support on n non-absorbing states + absorbing state n: i → j > i, or → n; shape (n+1, A, n+1)."""
    S = n + 1
    support = np.zeros((S, A, S), dtype=bool)
    for i in range(n):
        support[i, :, i + 1:] = True
    support[n, :, n] = True
    return support


def features(S: int) -> np.ndarray:
    """φ(s) = (1, s): the features of the linear baseline; shape (S, 2)."""
    return np.array([[1, s] for s in range(S)], dtype=object)


def _model(arithmetic: Arithmetic, W: np.ndarray, R: np.ndarray, lam: Any, X: np.ndarray, extras: dict[str, Any],
           label: str) -> Model:
    S = W.shape[0]
    P = W / W.sum(axis=2, keepdims=True)
    pi = softmax_from_weights(X)
    mu0 = np.array([Fraction(1)] + [Fraction(0)] * (S - 1), dtype=object)
    tr = enumerate_trajectories(P, mu0, S)
    return Model(arithmetic=arithmetic, P=P, r=R, lam=lam, mu0=mu0, pi=pi, jacobian=lambda: softmax_jacobian(pi),
                 vjp=lambda g: softmax_vjp(pi, g), family=label,
                 extras={"horizon": S, "absorbing": S - 1, "trajectories": tr, "features": features(S), **extras})


def _draw(rng: np.random.Generator, shape: tuple[int, ...], low: int, high: int) -> np.ndarray:
    return to_q(rng.integers(low, high, size=shape, endpoint=True))


def random_layered_episodic(rng: np.random.Generator, n: int = EXACT_NONABSORBING, A: int = EXACT_ACTIONS) -> Model:
    """An exact layered episodic model at a uniform random point of the grid (weights, rewards, λ, x, b, c, h)."""
    S = n + 1
    support = layered_support(n, A)
    W = np.where(support, _draw(rng, (S, A, S), 1, GRID), Fraction(0))
    R = _draw(rng, (S, A), -GRID // 2, GRID // 2 - 1)
    R[n] = Fraction(0)
    lam = Q(int(rng.integers(0, GRID)), GRID)
    X = _draw(rng, (S, A), 1, GRID)
    n_prefix = enumerate_trajectories(support, np.arange(S) == 0, S).num_prefixes
    extras = {"b": _draw(rng, (S,), -GRID // 2, GRID // 2 - 1), "c": _draw(rng, (S, A), -GRID // 2, GRID // 2 - 1),
              "h": _draw(rng, (n_prefix,), -GRID // 2, GRID // 2 - 1)}
    return _model(EXACT, W, R, lam, X, extras, exact_label())


def exact_label(n: int = EXACT_NONABSORBING, A: int = EXACT_ACTIONS) -> str:
    return f"{EPISODIC} layered S={n}+absorbing A={A} T={n + 1}"


@lru_cache(maxsize=None)
def _exact_points(k: int, seed: int) -> list[Model]:
    """k layered models drawn from ``seed`` (cached, as the other families' points: a display's per-step report
    re-reads the checker's first point instead of rebuilding and re-evaluating it)."""
    rng = np.random.default_rng([seed, 7, EXACT_NONABSORBING, EXACT_ACTIONS])
    return [random_layered_episodic(rng) for _ in range(k)]


@lru_cache(maxsize=None)
def _degree() -> Model:
    n, A = EXACT_NONABSORBING, EXACT_ACTIONS
    S = n + 1
    support = layered_support(n, A)

    def var(*shape: int, mask: np.ndarray | None = None) -> np.ndarray:
        out = np.empty(shape, dtype=object)
        for idx in np.ndindex(*shape):
            out[idx] = Degree(1, 0) if mask is None or mask[idx] else Degree(0, 0, zero=True)
        return out

    R = var(S, A, mask=np.arange(S)[:, None].repeat(A, 1) < n)
    n_prefix = enumerate_trajectories(support, np.arange(S) == 0, S).num_prefixes
    extras = {"b": var(S), "c": var(S, A), "h": var(n_prefix)}
    return _model(DEGREE, var(S, A, S, mask=support), R, Degree(1, 0), var(S, A), extras, "degree")


@lru_cache(maxsize=None)
def _symbolic() -> Model:
    from symbolic.episodic import episodic_softmax_family

    return episodic_softmax_family()


_integers = built_once(st.integers)


@built_once
@st.composite
def episodic_examples(draw: st.DrawFn, *, max_nonabsorbing: int = 2, max_actions: int = 2, max_weight: int = 3,
                      max_reward: int = 3) -> Example:
    """(episodic MDP, exact softmax policy, baselines b, c, h) on the layered structure with drawn support.

    The MDP is :func:`numeric.strategies.episodic_mdps` (n ∈ [1, max_nonabsorbing]
    non-absorbing states moving to later states, horizon T = n + 1, integer
    rewards, λ ∈ {0, 1/10, …, 9/10}); the policy is
    :func:`numeric.strategies.tabular_softmax_policies` (e^θ ∈ [1, 4]).  Shrinks
    toward one state, one action, zero rewards, λ = 0 and the uniform policy;
    the baselines b (S,), c (S, A), h (number of histories,) are integers in
    [−max_reward, max_reward] drawn from one seed that Hypothesis draws.
    """
    emdp = draw(episodic_mdps(max_nonabsorbing=max_nonabsorbing, max_actions=max_actions, max_weight=max_weight,
                              max_reward=max_reward))
    S, A = emdp.num_states, emdp.num_actions
    policy = draw(tabular_softmax_policies(num_states=S, num_actions=A))
    # The arbitrary baselines come from one drawn seed: one choice instead of one per entry (drawing is the
    # cost of a Hypothesis example here); they are shown in full with every counterexample.
    rng = np.random.default_rng(draw(_integers(0, 2 ** 16 - 1)))
    ints = lambda *shape: rng.integers(-max_reward, max_reward, size=shape, endpoint=True).astype(object)
    baselines = {"b": ints(S), "c": ints(S, A), "h": ints(emdp.trajectories().num_prefixes)}
    return emdp, policy, baselines


def random_example(rng: np.random.Generator, *, max_nonabsorbing: int = 3, num_actions: int = 2, max_weight: int = 3,
                   max_reward: int = 3) -> Example:
    """A seeded random example of the layered structure, as :func:`episodic_examples` draws (zero baselines)."""
    n, A = int(rng.integers(1, max_nonabsorbing, endpoint=True)), num_actions
    S = n + 1
    P = np.zeros((S, A, S), dtype=object)
    for i in range(n):
        for a in range(A):
            w = [int(v) for v in rng.integers(0, max_weight, size=S - i - 1, endpoint=True)]
            w[int(rng.integers(0, len(w)))] += 1
            P[i, a, i + 1:] = [Fraction(v, sum(w)) for v in w]
    P[n, :, n] = 1
    r = np.array([[int(rng.integers(-max_reward, max_reward, endpoint=True)) if s < n else 0 for _ in range(A)]
                  for s in range(S)], dtype=object)
    emdp = EpisodicMDP(FiniteMDP(P, r, Fraction(int(rng.integers(0, 9, endpoint=True)), 10)), absorbing=n, horizon=S)
    policy = TabularSoftmax.from_weights(rng.integers(1, 4, size=(S, A), endpoint=True).tolist())
    zeros = {"b": np.zeros(S, dtype=np.int64), "c": np.zeros((S, A), dtype=np.int64),
             "h": np.zeros(emdp.trajectories().num_prefixes, dtype=np.int64)}
    return emdp, policy, zeros


def census_models(seed: int, drawn: int) -> Iterator[tuple[Example, Model]]:
    """``drawn`` seeded random exact examples and their exact models (for the census of an inequality claim)."""
    rng = np.random.default_rng([seed, 11])
    for _ in range(drawn):
        example = random_example(rng)
        yield example, build_example(example, True)


def build_example(example: Example, exact: bool) -> Model:
    """The model of a drawn example, exact or in float64."""
    emdp, policy, baselines = example
    conv = to_q if exact else (lambda a: a.astype(np.float64))
    extras = {k: conv(v) for k, v in baselines.items()}
    extras["features"] = conv(features(emdp.num_states))
    return episodic_model(emdp, policy, exact=exact, family=EPISODIC, extras=extras, flint_rationals=True)


def describe(example: Example) -> dict[str, Any]:
    """A JSON-ready description of a drawn example, exact rationals as strings."""
    emdp, policy, baselines = example
    s = lambda a: np.vectorize(str, otypes=[object])(np.asarray(a, dtype=object)).tolist()
    return {"P": s(emdp.mdp.P), "r": s(emdp.mdp.r), "discount": str(emdp.mdp.discount), "initial": 0,
            "absorbing": emdp.absorbing, "horizon": emdp.horizon,
            "policy": {"type": "TabularSoftmax", "exp_theta": s(policy.weights), "pi": s(policy.probabilities())},
            **{k: s(v) for k, v in baselines.items()}}


FAMILY = Family(
    name=EPISODIC,
    symbolic=_symbolic,
    symbolic_label="episodic-softmax S=2+absorbing A=2 T=3",
    exact_points=_exact_points,
    exact_label=exact_label(),
    degree=_degree,
    examples=episodic_examples,
    build=build_example,
    numeric_label=f"{EPISODIC} layered S<=2+absorbing A<=2 T=S+1",
    describe=describe,
)

FAMILIES = (FAMILY,)
