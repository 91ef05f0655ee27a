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

__all__ = ["VERDICTS", "Check", "Counterexample", "ClaimResult", "Tally"]

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


class Tally:
    """The verdict counts and exit conditions of a run: mixed into any record with ``results``, each with a
    ``verdict`` (a ``pgverify check`` run, a checked document)."""

    results: tuple[Any, ...]

    @property
    def summary(self) -> dict[str, int]:
        """How many results have each verdict, every verdict listed (zeros included)."""
        counts = {v: 0 for v in VERDICTS}
        for r in self.results:
            counts[r.verdict] += 1
        return counts

    @property
    def refuted(self) -> bool:
        """Some result is refuted or ill-formed: the run exits 1."""
        return any(r.verdict in ("refuted", "ill-formed") for r in self.results)

    @property
    def undecided(self) -> bool:
        """Some result is undecided: without a refutation the run exits 3."""
        return any(r.verdict == "undecided" for r in self.results)
