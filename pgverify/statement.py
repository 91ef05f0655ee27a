"""How a claim states itself: steps, each comparing two displayed sides.

A single identity ``lhs = rhs`` is a one-step :class:`Chain`.  A proof chain
returns its displayed lines in order (:func:`chain`): every relation between
two consecutive lines is a step, checked on its own.  Independent statements
made together (``Σ d = 1`` and ``d ≥ 0``) are joined with :func:`conjunction`.
A side the post does not display is :data:`MISSING`; a step with a missing
side, or whose sides have different shapes (a free index), does not
type-check and makes the claim ``ill-formed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from numeric.errors import PGVerifyError

__all__ = ["Step", "Chain", "MISSING", "IllFormedChain", "OutsideCondition", "identity", "chain", "conjunction",
           "RELATIONS"]

#: The relations a step may assert, elementwise.
RELATIONS = ("=", "<=", ">=", "<", ">")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: A side the post leaves out (the display stops).
MISSING: Any = _Missing()


class IllFormedChain(PGVerifyError, ValueError):
    """A claim whose evaluation on a model finds it ill-formed (an index outside its range): the claim is
    ``ill-formed`` with this message, not undecided."""


class OutsideCondition(PGVerifyError):
    """A model on which the claim is not made: it meets none of the claim's conditions (``whenever r(s, a) = 5``).

    Raised by a claim's ``evaluate``; the checker skips that model (it is neither a witness nor a counterexample)
    and, when every model of a method is skipped, says the claim is vacuous there instead of deciding it.
    """


@dataclass(frozen=True)
class Step:
    """``lhs relation rhs``, elementwise over arrays of equal shape."""

    label: str
    lhs: Any
    relation: str
    rhs: Any

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise ValueError(f"unknown relation {self.relation!r} in step {self.label!r}; expected one of {RELATIONS}")


@dataclass(frozen=True)
class Chain:
    """The steps of one claim, in display order.

    >>> [s.label for s in chain(1, 1, 2, labels=("(i)", "(ii)")).steps]
    ['(i)', '(ii)']
    """

    steps: tuple[Step, ...]
    #: What the evaluation measured besides the steps (a constant, a rate, a precision), for the report.
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    def with_details(self, **details: Any) -> "Chain":
        """The same steps with ``details`` added."""
        return replace(self, details={**self.details, **details})

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("a chain needs at least one step")

    @property
    def has_inequality(self) -> bool:
        return any(s.relation != "=" for s in self.steps)


def chain(*lines: Any, relations: tuple[str, ...] | str = "=", labels: tuple[str, ...] | None = None) -> Chain:
    """Displayed lines L₁ R₁ L₂ R₂ …: one step per relation (one relation for all, or one per step)."""
    n = len(lines) - 1
    if n < 1:
        raise ValueError(f"a chain needs at least two lines, got {len(lines)}")
    rels = (relations,) * n if isinstance(relations, str) else tuple(relations)
    labs = tuple(labels) if labels is not None else tuple(f"line {i + 1} {rels[i]} line {i + 2}" for i in range(n))
    if len(rels) != n or len(labs) != n:
        raise ValueError(f"{n + 1} lines need {n} relations and {n} labels, got {len(rels)} and {len(labs)}")
    return Chain(tuple(Step(labs[i], lines[i], rels[i], lines[i + 1]) for i in range(n)))


def identity(lhs: Any, rhs: Any, relation: str = "=", label: str | None = None) -> Chain:
    """The one-step chain ``lhs relation rhs``."""
    return Chain((Step(label or f"lhs {relation} rhs", lhs, relation, rhs),))


def conjunction(*parts: Chain) -> Chain:
    """Several statements made together: all their steps."""
    return Chain(tuple(s for p in parts for s in p.steps), {k: v for p in parts for k, v in p.details.items()})
