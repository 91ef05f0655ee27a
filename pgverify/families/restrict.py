"""Preconditions that restrict a family: the models of a family on which a statement is claimed.

A derivation may hold only on part of a family: trajectories long enough for
its ``…`` notation (T ≥ 3), MDPs with as many states as actions (S = A), an
initial state that is not the absorbing one.  :func:`restricted` derives, from
a registered family, the family of its models that satisfy the preconditions;
every method then draws only such models (Hypothesis examples are filtered,
exact points re-drawn, the symbolic model kept only if it qualifies), and the
labels say so.  The derived family is added to the registry under its own name
(``episodic-softmax[T>=3]``) when it is first asked for — explicitly, never as
a side effect of an import.

>>> name = restricted("episodic-softmax", min_horizon=3)
>>> name, get_family(name).exact_label.endswith("[T>=3]")
('episodic-softmax[T>=3]', True)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

from numeric.errors import PGVerifyError
from numeric.model import Model
from pgverify.families import FAMILIES, get_family

__all__ = ["Preconditions", "restricted", "fixed", "MAX_REDRAWS"]

#: How many further seeds an exact point may be re-drawn from before the family is declared empty.
MAX_REDRAWS = 20


@dataclass(frozen=True)
class Preconditions:
    """What a model must satisfy: horizon T ≥ ``min_horizon``; ``S == A``; s⁰ not the absorbing state."""

    min_horizon: int | None = None
    states_equal_actions: bool = False
    initial_not_absorbing: bool = False

    def suffix(self) -> str:
        parts = ([f"T>={self.min_horizon}"] if self.min_horizon else []) + (["S=A"] if self.states_equal_actions
                                                                           else []) + (
            ["s0 not absorbing"] if self.initial_not_absorbing else [])
        return f"[{', '.join(parts)}]" if parts else ""

    def holds(self, m: Any) -> bool:
        if self.min_horizon is not None and m.extras.get("horizon", 0) < self.min_horizon:
            return False
        if self.states_equal_actions and getattr(m, "S", None) != getattr(m, "A", None):
            return False
        if self.initial_not_absorbing:
            absorbing = m.extras.get("absorbing")
            if absorbing is not None and m.mu0[absorbing] != 0:
                return False
        return True


def restricted(name: str, *, min_horizon: int | None = None, states_equal_actions: bool = False,
               initial_not_absorbing: bool = False) -> str:
    """The name of family ``name`` restricted to the models satisfying the preconditions (registered on first use)."""
    pre = Preconditions(min_horizon, states_equal_actions, initial_not_absorbing)
    if not pre.suffix():
        return name
    derived = f"{name}{pre.suffix()}"
    if derived in FAMILIES:
        return derived
    base = get_family(name)

    def exact_points(k: int, seed: int) -> list[Model]:
        found: list[Model] = []
        for attempt in range(MAX_REDRAWS + 1):
            found += [m for m in base.exact_points(k, seed + attempt * 1_000_003) if pre.holds(m)]
            if len(found) >= k:
                return found[:k]
        raise PGVerifyError(f"family {derived!r}: no exact point of {name!r} satisfies the preconditions "
                            f"{pre.suffix()} in {MAX_REDRAWS + 1} draws")

    def symbolic_model() -> Model:
        m = base.symbolic()  # type: ignore[misc]
        if not pre.holds(m):
            raise PGVerifyError(f"the symbolic model of {name!r} does not satisfy {pre.suffix()}")
        return m

    symbolic: Callable[[], Model] | None = symbolic_model if base.symbolic is not None else None

    FAMILIES[derived] = replace(
        base, name=derived, symbolic=symbolic, symbolic_label=base.symbolic_label + " " + pre.suffix(),
        exact_points=exact_points, exact_label=base.exact_label + " " + pre.suffix(),
        examples=lambda: base.examples().filter(lambda ex: pre.holds(base.build(ex, False))),
        numeric_label=base.numeric_label + " " + pre.suffix())
    return derived


def fixed(name: str, *, horizon: int | None = None, discount: Fraction | None = None) -> str:
    """The name of family ``name`` with its horizon and/or discount fixed (registered on first use).

    ``horizon``: only the episodes of horizon T = ``horizon`` (the exact points drawn at that size, the
    symbolic model kept only if it has it); ``discount``: every model rebuilt at λ = ``discount`` (v, q, d, U,
    their gradients and the trajectories' discounts all at that λ).  λ = 1 exists only on an episodic family
    (:mod:`pgverify.families.undiscounted`).  A restriction that cannot be honoured raises
    :class:`~numeric.errors.PGVerifyError` naming it.

    >>> fixed("tabular-softmax", discount=Fraction(0))
    'tabular-softmax[λ=0]'
    """
    out = name
    if horizon is not None:
        out = _with_horizon(out, horizon)
    if discount is not None:
        out = _with_discount(out, discount)
    return out


def _with_horizon(name: str, horizon: int) -> str:
    from pgverify.families import episodic

    if name != episodic.EPISODIC:
        raise PGVerifyError(f"a horizon T = {horizon} needs an episodic family; {name!r} has none")
    if horizon < 2:
        raise PGVerifyError(f"horizon T = {horizon}: an episode of the layered family has T ≥ 2")
    derived = f"{name}[T={horizon}]"
    if derived in FAMILIES:
        return derived
    base = get_family(name)
    n = horizon - 1
    label = episodic.exact_label(n)

    @lru_cache(maxsize=None)
    def exact_points(k: int, seed: int) -> list[Model]:
        rng = np.random.default_rng([seed, 7, n, episodic.EXACT_ACTIONS])
        return [episodic.random_layered_episodic(rng, n) for _ in range(k)]

    def symbolic_model() -> Model:
        m = base.symbolic()  # type: ignore[misc]
        if m.extras.get("horizon") != horizon:
            raise PGVerifyError(f"the symbolic model of {name!r} has horizon {m.extras.get('horizon')}, not {horizon}")
        return m

    def examples() -> Any:
        if horizon <= 3:  # the drawn examples have 1-2 non-absorbing states: T ∈ {2, 3}
            return base.examples().filter(lambda ex: ex[0].horizon == horizon)
        return st.integers(0, 2 ** 32).map(_drawn).filter(lambda ex: ex[0].horizon == horizon)

    def _drawn(seed: int) -> Any:
        """A seeded layered example with at most n non-absorbing states, its arbitrary functions drawn too."""
        rng = np.random.default_rng(seed)
        emdp, policy, zeros = episodic.random_example(rng, max_nonabsorbing=n)
        return emdp, policy, {k: rng.integers(-3, 3, size=v.shape, endpoint=True) for k, v in zeros.items()}

    base_symbolic = base.symbolic() if base.symbolic is not None else None
    has_symbolic = base_symbolic is not None and base_symbolic.extras.get("horizon") == horizon
    FAMILIES[derived] = replace(
        base, name=derived, symbolic=symbolic_model if has_symbolic else None,
        symbolic_label=base.symbolic_label if has_symbolic else "", exact_points=exact_points, exact_label=label,
        examples=examples, numeric_label=f"{name} layered S={n}+absorbing T={horizon}",
        methods=base.methods if has_symbolic else tuple(x for x in base.methods if x != "symbolic"))
    return derived


def _with_discount(name: str, value: Fraction) -> str:
    from pgverify.families.undiscounted import undiscounted

    if not 0 <= value <= 1:
        raise PGVerifyError(f"λ = {value} is outside the discount's domain [0, 1]")
    base = get_family(name)
    if value == 1:
        if not name.startswith("episodic-softmax") or name.startswith("episodic-softmax-undiscounted"):
            raise PGVerifyError(f"λ = 1 needs an episodic family (on {name!r}, a continuing MDP, v, q and d are "
                                f"not defined at λ = 1)")
        rebuild: Callable[[Model], Model] = undiscounted
    else:
        rebuild = lambda m: _at_discount(m, value)  # noqa: E731
    derived = f"{name}[λ={value}]"
    if derived in FAMILIES:
        return derived
    probe = base.exact_points(1, 0)[0]
    rebuild(probe)  # a family whose models cannot be rebuilt at λ is refused now, not in the middle of a check

    @lru_cache(maxsize=None)
    def exact_points(k: int, seed: int) -> list[Model]:
        return [rebuild(m) for m in base.exact_points(k, seed)]

    symbolic: Callable[[], Model] | None = None
    if base.symbolic is not None and value != 1:
        symbolic = lru_cache(maxsize=None)(lambda: rebuild(base.symbolic()))  # type: ignore[misc]
    FAMILIES[derived] = replace(
        base, name=derived, symbolic=symbolic, symbolic_label=base.symbolic_label + f" λ={value}",
        exact_points=exact_points, exact_label=base.exact_label + f" λ={value}",
        build=lambda ex, exact: rebuild(base.build(ex, exact)),
        describe=lambda ex: {**base.describe(ex), "discount": str(value)},
        numeric_label=base.numeric_label + f" λ={value}",
        methods=base.methods if symbolic is not None else tuple(x for x in base.methods if x != "symbolic"))
    return derived


def _at_discount(m: Model, value: Fraction) -> Model:
    """``m`` at λ = ``value`` (< 1): the MDP and policy unchanged, every derived quantity recomputed."""
    if type(m) is not Model:
        raise PGVerifyError(f"the models of {m.family!r} cannot be rebuilt at another discount")
    zero = m.lam * 0
    lam = (zero + value.numerator) / (zero + value.denominator)  # in the model's own arithmetic
    extras = {k: v for k, v in m.extras.items() if not k.startswith("#")}
    if isinstance(extras.get("other"), Model):
        extras["other"] = _at_discount(extras["other"], value)
    return Model(arithmetic=m.arithmetic, P=m.P, r=m.r, lam=lam, mu0=m.mu0, pi=m.pi, jacobian=m._jacobian,
                 vjp=m._vjp, derivative=m._derivative, family=f"{m.family} λ={value}", extras=extras)
