"""The verdict records: what checking a claim produces, shared by the checker, the claims and the output.

They live apart from :mod:`pgverify.checker` so that a claim module (which may
build a :class:`Check` for an opt-in proof) and the output need not import the
checker: data flows claims → checker → verdicts → output, with no circle.

``VERDICTS`` orders them from best to worst (``undecided`` when no method could run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pgverify.registry import Claim

__all__ = ["VERDICTS", "Check", "Counterexample", "ClaimResult"]

#: Verdicts, from best to worst (``undecided`` when no method could run).
VERDICTS = ("proved", "verified", "undecided", "refuted", "ill-formed")


@dataclass(frozen=True)
class Check:
    """One method on one family: passed, failed (with the step), or could not run (``passed=None``)."""

    method: str
    family: str
    passed: bool | None
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)
    failing_step: str | None = None
    message: str = ""


@dataclass(frozen=True)
class Counterexample:
    """Where a refuted claim fails: the model, the step, both sides' values."""

    family: str
    method: str
    step: str
    step_index: int
    example: dict[str, Any]
    lhs: Any
    rhs: Any
    exact: bool


@dataclass(frozen=True)
class ClaimResult:
    """A claim's verdict, the checks behind it, its counterexample (if refuted) and, if ill-formed, why."""

    claim: "Claim"
    verdict: str
    checks: tuple[Check, ...]
    counterexample: Counterexample | None
    reason: str = ""
