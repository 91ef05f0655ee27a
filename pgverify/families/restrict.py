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
from typing import Any, Callable

from numeric.errors import PGVerifyError
from numeric.model import Model
from pgverify.families import FAMILIES, get_family

__all__ = ["Preconditions", "restricted", "MAX_REDRAWS"]

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
