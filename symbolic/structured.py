"""Parametric families with structure: a support pattern for P and r, tabular or linear softmax.

The symbols are

* ``P_{s a s'}`` for each allowed transition but the last allowed one of its
  row, which is 1 minus the others (a row with one allowed entry is 1);
* ``r_{s a}`` for each allowed reward (the others are 0); the discount ``lambda``;
* the policy weights x = exp(θ): ``x_{s a}`` (tabular softmax, K = S·A) or
  ``x_k`` (linear softmax with fixed integer features φ[s, a, k]), so that π
  is rational and ∂/∂θ_k = x_k ∂/∂x_k.

The initial state is s⁰ = 0.  Arrays hold :class:`~symbolic.flint_field.Frac`
elements of ℚ(symbols) (python-flint), kept cancelled, so a difference is identically zero
exactly when it compares equal to 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from numeric.linear import linear_softmax_from_weights
from numeric.model import Model
from numeric.policies import softmax_from_weights
from symbolic.family import SYMBOLIC
from symbolic.flint_field import FlintField, theta_derivative

__all__ = ["StructuredFamily"]


@dataclass(frozen=True, eq=False)
class StructuredFamily:
    """A symbolic family: support ``P_mask[s, a, s']``, ``r_mask[s, a]``, and ``features`` (None = tabular).

    >>> fam = StructuredFamily(np.ones((1, 2, 1), bool), np.ones((1, 2), bool), np.array([[[1], [0]]]), "demo")
    >>> fam.model().pi[0, 0]
    x_0/(x_0 + 1)
    """

    P_mask: np.ndarray
    r_mask: np.ndarray
    features: np.ndarray | None
    label: str

    def model(self) -> Model:
        S, A, _ = self.P_mask.shape
        p_syms: list[tuple[tuple[int, int, int], sympy.Symbol]] = []
        for s in range(S):
            for a in range(A):
                allowed = np.flatnonzero(self.P_mask[s, a])
                p_syms += [((s, a, int(t)), sympy.Symbol(f"P_{{{s}{a}{t}}}")) for t in allowed[:-1]]
        r_syms = [((s, a), sympy.Symbol(f"r_{{{s}{a}}}")) for s in range(S) for a in range(A) if self.r_mask[s, a]]
        if self.features is None:
            x_syms = [sympy.Symbol(f"x_{{{s}{a}}}", positive=True) for s in range(S) for a in range(A)]
        else:
            x_syms = [sympy.Symbol(f"x_{k}", positive=True) for k in range(self.features.shape[2])]
        K = FlintField([*[y for _, y in p_syms], *[y for _, y in r_syms], sympy.Symbol("lambda"), *x_syms])
        gens = list(K.gens)
        one, zero = K.one, K.zero
        n_p, n_r = len(p_syms), len(r_syms)
        P = np.full((S, A, S), zero, dtype=object)
        for (idx, _), g in zip(p_syms, gens[:n_p]):
            P[idx] = g
        for s in range(S):
            for a in range(A):
                last = int(np.flatnonzero(self.P_mask[s, a])[-1])
                P[s, a, last] = one - sum((P[s, a, t] for t in range(S) if t != last), zero)
        R = np.full((S, A), zero, dtype=object)
        for (idx, _), g in zip(r_syms, gens[n_p:n_p + n_r]):
            R[idx] = g
        lam = gens[n_p + n_r]
        x = np.array(gens[n_p + n_r + 1:], dtype=object)
        pi = softmax_from_weights(x.reshape(S, A)) if self.features is None else \
            linear_softmax_from_weights(self.features, x)
        mu0 = np.array([one] + [zero] * (S - 1), dtype=object)

        def derivative(y: Any) -> np.ndarray:
            return theta_derivative(y, list(x), zero)

        return Model(arithmetic=SYMBOLIC, P=P, r=R, lam=lam, mu0=mu0, pi=pi, jacobian=lambda: derivative(pi),
                     vjp=lambda g: np.einsum("sa,sak->k", g, derivative(pi)), derivative=derivative,
                     family=self.label)
