"""Two policies in one model: ``tabular-softmax-pair`` (the performance difference lemma and its relatives).

A model of this family is the tabular-softmax model of π = π_θ (``m.pi``, ``m.v``,
``m.q``, ``m.d``, ``m.U``, ``m.grad_U``, …) with a second policy π' on the same MDP
in ``m.extras["other"]`` — a model of its own, so ``m.extras["other"].d`` is d^{π'}
and ``m.extras["other"].U`` is U(π').  Both policies are drawn independently:
exact points at random grid weights (the Schwartz–Zippel bound covers both), and
Hypothesis examples that shrink toward one state, one action and two uniform
policies.  There is no universal (symbolic) model.

>>> m = FAMILY.exact_points(1, 0)[0]
>>> m.extras["other"].pi.shape == m.pi.shape
True
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from hypothesis import strategies as st

from numeric import strategies as nst
from numeric.arithmetic import DEGREE
from numeric.evaluation import model as build_model
from numeric.model import Model
from numeric.policies import softmax_from_weights, softmax_jacobian, softmax_vjp
from pgverify.families.base import (EXACT_ACTIONS, EXACT_STATES, GRID, Family, _fractions, _tabular_degree,
                                    degree_variables, describe_example, random_tabular_point)

__all__ = ["FAMILY", "FAMILIES", "PAIR"]

PAIR = "tabular-softmax-pair"


def _with_other(m: Model, X: np.ndarray) -> Model:
    """``m`` with the model of the policy π' ∝ X (weights e^{θ'}) on the same MDP in ``extras["other"]``."""
    pi = softmax_from_weights(X)
    other = Model(arithmetic=m.arithmetic, P=m.P, r=m.r, lam=m.lam, mu0=m.mu0, pi=pi,
                  jacobian=lambda: softmax_jacobian(pi), vjp=lambda g: softmax_vjp(pi, g), family=m.family + " π'")
    m.extras["other"] = other
    return m


@lru_cache(maxsize=None)
def _exact_points(k: int, seed: int) -> list[Model]:
    rng = np.random.default_rng([seed, 17, EXACT_STATES, EXACT_ACTIONS])
    label = f"{PAIR} S={EXACT_STATES} A={EXACT_ACTIONS}"
    out = []
    for _ in range(k):
        m = random_tabular_point(rng, EXACT_STATES, EXACT_ACTIONS, label)
        out.append(_with_other(m, _fractions(rng.integers(1, GRID, size=(EXACT_STATES, EXACT_ACTIONS),
                                                          endpoint=True))))
    return out


@lru_cache(maxsize=None)
def _degree() -> Model:
    base = _tabular_degree(False)
    m = Model(arithmetic=DEGREE, P=base.P, r=base.r, lam=base.lam, mu0=base.mu0, pi=base.pi,
              jacobian=base._jacobian, vjp=base._vjp, family="degree")
    return _with_other(m, degree_variables(EXACT_STATES, EXACT_ACTIONS))


@st.composite
def _examples(draw: st.DrawFn) -> Any:
    mdp, policy = draw(nst.mdps_and_tabular_policies(max_states=3, max_actions=3))
    other = draw(nst.tabular_softmax_policies(num_states=mdp.num_states, num_actions=mdp.num_actions))
    return mdp, policy, other


def _build(example: Any, exact: bool) -> Model:
    mdp, policy, other = example
    m = build_model(mdp, policy, exact=exact, family=PAIR)
    m.extras["other"] = build_model(mdp, other, exact=exact, family=PAIR + " π'")
    return m


def _describe(example: Any) -> dict[str, Any]:
    mdp, policy, other = example
    out = describe_example((mdp, policy))
    out["other_policy"] = describe_example((mdp, other))["policy"]
    return out


FAMILY = Family(name=PAIR, symbolic=None, symbolic_label="", exact_points=_exact_points,
                exact_label=f"{PAIR} S={EXACT_STATES} A={EXACT_ACTIONS}", degree=_degree, examples=_examples,
                build=_build, numeric_label=f"{PAIR} S<=3 A<=3", describe=_describe, methods=("exact", "numeric"))

FAMILIES = (FAMILY,)
