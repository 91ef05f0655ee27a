"""Parametric MDP families in which every quantity is a symbol.

The tabular-softmax family with S states and A actions has the symbols

* ``P_{s a s'}`` for s' < S − 1, with P_{s a (S−1)} = 1 − Σ_{s'<S−1} P_{s a s'};
* ``r_{s a}``; the discount ``lambda``;
* ``x_{s a}`` = exp(θ_{s a}) > 0, so that π(a|s) = x_{s a} / Σ_b x_{s b} is
  rational and ∂/∂θ_{s a} = x_{s a} ∂/∂x_{s a};
* with ``initial_distribution=True``, ``mu_s`` for s < S − 1 and
  μ(S − 1) = 1 − Σ_s mu_s (otherwise the initial state is s⁰ = 0).

Arrays hold elements of the field of rational functions ℚ(symbols)
(:class:`symbolic.flint_field.Frac`, python-flint polynomials), kept in
canonical, cancelled form: a difference is identically zero exactly when it
compares equal to 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import sympy

from numeric.arithmetic import Arithmetic, lu_solve_pair
from numeric.model import Model
from symbolic.flint_field import FlintField
from symbolic.flint_field import theta_derivative as theta_derivative

__all__ = ["SYMBOLIC", "TabularSoftmaxFamily", "tabular_softmax_family", "theta_derivative"]

#: Exact arithmetic in a field of rational functions (:class:`~symbolic.flint_field.Frac`; SymPy's
#: ``FracElement`` wrapped in :class:`~symbolic.field.Rat` works too).
SYMBOLIC = Arithmetic("symbolic", exact=True, solve_pair=lu_solve_pair)


@dataclass(frozen=True)
class TabularSoftmaxFamily:
    """The S × A tabular-softmax family, initial state s⁰ = 0 or a symbolic μ; see the module docstring.

    >>> fam = tabular_softmax_family(1, 2)
    >>> fam.model().pi[0, 0]
    x_{00}/(x_{00} + x_{01})
    """

    num_states: int
    num_actions: int
    initial_distribution: bool = False
    field_symbols: tuple[sympy.Symbol, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        S, A = self.num_states, self.num_actions
        if S < 1 or A < 1:
            raise ValueError(f"num_states={S} and num_actions={A} must be at least 1")
        p = [sympy.Symbol(f"P_{{{s}{a}{t}}}") for s in range(S) for a in range(A) for t in range(S - 1)]
        r = [sympy.Symbol(f"r_{{{s}{a}}}") for s in range(S) for a in range(A)]
        x = [sympy.Symbol(f"x_{{{s}{a}}}", positive=True) for s in range(S) for a in range(A)]
        mu = [sympy.Symbol(f"mu_{s}") for s in range(S - 1)] if self.initial_distribution else []
        object.__setattr__(self, "field_symbols", (*p, *r, sympy.Symbol("lambda"), *x, *mu))

    @property
    def label(self) -> str:
        mu = "-initial-distribution" if self.initial_distribution else ""
        return f"tabular-softmax{mu} S={self.num_states} A={self.num_actions}"

    @cached_property
    def field(self) -> FlintField:
        """ℚ(P, r, λ, x): the field every array of the model lives in."""
        return FlintField(self.field_symbols)

    @property
    def x_symbols(self) -> list[sympy.Symbol]:
        n_p, n_r = self.num_states * self.num_actions * (self.num_states - 1), self.num_states * self.num_actions
        return list(self.field_symbols[n_p + n_r + 1:n_p + 2 * n_r + 1])

    @property
    def theta_symbols(self) -> list[sympy.Symbol]:
        return [sympy.Symbol(f"theta_{s}{a}") for s in range(self.num_states) for a in range(self.num_actions)]

    def model(self) -> Model:
        """The family's :class:`numeric.Model`, differentiating closed forms in θ."""
        S, A = self.num_states, self.num_actions
        K = self.field
        gens = list(K.gens)
        one, zero = K.one, K.zero
        n_p, n_r = S * A * (S - 1), S * A
        p, r, lam = gens[:n_p], gens[n_p:n_p + n_r], gens[n_p + n_r]
        x, mu = gens[n_p + n_r + 1:n_p + 2 * n_r + 1], gens[n_p + 2 * n_r + 1:]
        P = np.empty((S, A, S), dtype=object)
        for s in range(S):
            for a in range(A):
                free = list(p[(s * A + a) * (S - 1):(s * A + a + 1) * (S - 1)])
                P[s, a, :] = free + [one - sum(free, zero)]
        R = np.array(r, dtype=object).reshape(S, A)
        X = np.array(x, dtype=object).reshape(S, A)
        pi = X / X.sum(axis=1, keepdims=True)
        if self.initial_distribution:
            mu0 = np.array(list(mu) + [one - sum(mu, zero)], dtype=object)
        else:
            mu0 = np.array([one] + [zero] * (S - 1), dtype=object)

        def derivative(y: object) -> np.ndarray:
            return theta_derivative(y, x, zero)

        def jacobian() -> np.ndarray:
            return derivative(pi)

        def vjp(g: np.ndarray) -> np.ndarray:
            return np.einsum("sa,sak->k", g, jacobian())

        return Model(arithmetic=SYMBOLIC, P=P, r=R, lam=lam, mu0=mu0, pi=pi, jacobian=jacobian, vjp=vjp,
                     derivative=derivative, family=self.label, extras={"family": self})

    def field_expr(self, e: object) -> sympy.Expr:
        """A field element as a SymPy expression in the family's symbols (x = e^θ)."""
        return self.field.to_sympy(e)

    def latex(self, e: object) -> str:
        """A field element as factored LaTeX in π_θ(a|s) = e^{θ_{sa}} / Σ_b e^{θ_{sb}}.

        Quantities of the family that depend on θ only through π (U, ∂U/∂θ, v, q, …)
        are homogeneous of degree 0 in each row of x, so x_{sa} ↦ π_θ(a|s) with
        Σ_a π_θ(a|s) = 1 leaves them unchanged.
        """
        A = self.num_actions
        pis = {x: sympy.Symbol(rf"{{\pi_\theta({i % A}|{i // A})}}") for i, x in enumerate(self.x_symbols)}
        rows = [sum(list(pis.values())[s * A:(s + 1) * A]) for s in range(self.num_states)]
        return sympy.latex(sympy.factor(self.field_expr(e).subs(pis)).subs({row: 1 for row in rows}))

    def to_sympy(self, e: object) -> sympy.Expr:
        """A field element as a SymPy expression in θ (x replaced by e^θ)."""
        return self.field_expr(e).subs({x: sympy.exp(t) for x, t in zip(self.x_symbols, self.theta_symbols)})


_FAMILIES: dict[tuple[int, int, bool], TabularSoftmaxFamily] = {}


def tabular_softmax_family(num_states: int, num_actions: int, *,
                           initial_distribution: bool = False) -> TabularSoftmaxFamily:
    """The (cached) S × A tabular-softmax family; with a symbolic initial distribution μ if asked."""
    key = (num_states, num_actions, initial_distribution)
    if key not in _FAMILIES:
        _FAMILIES[key] = TabularSoftmaxFamily(num_states, num_actions, initial_distribution)
    return _FAMILIES[key]
