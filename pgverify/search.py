"""Guided search for a counterexample to an inequality: local search on the violation margin.

A random census of an inequality L ≤ R may miss a violation that only a small
region of the models shows.  :func:`local_search` starts from the census's
candidates of smallest relative margin (R − L)/(|L| + |R|) and walks over the
models' integer parameters (one coordinate ±1 or ±2 per step, inside its
bounds), keeping a move when the margin does not grow.  Every choice comes from
the seed; the effort (starts, steps, evaluations, best margin) is returned with
the result so that a report can say how hard it searched.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["Parameters", "SearchResult", "local_search", "relative_margin"]


@dataclass(frozen=True)
class Parameters:
    """Integer coordinates ``values`` with inclusive bounds ``low``/``high`` (1-D, equal lengths)."""

    values: tuple[int, ...]
    low: tuple[int, ...]
    high: tuple[int, ...]

    def moved(self, i: int, step: int) -> "Parameters | None":
        v = self.values[i] + step
        if not self.low[i] <= v <= self.high[i]:
            return None
        return Parameters(self.values[:i] + (v,) + self.values[i + 1:], self.low, self.high)


@dataclass(frozen=True)
class SearchResult:
    """The outcome of a search: the violating parameters (or None) and the effort spent."""

    found: Parameters | None
    best: Parameters | None
    best_margin: Fraction | None
    starts: int
    steps: int
    evaluations: int

    def effort(self) -> dict[str, Any]:
        """A JSON-ready summary: starts, steps, evaluations, the smallest margin reached (exact string)."""
        return {"starts": self.starts, "steps": self.steps, "evaluations": self.evaluations,
                "best_margin": None if self.best_margin is None else str(self.best_margin),
                "best_margin_float": None if self.best_margin is None else float(self.best_margin),
                "found": self.found is not None}


def relative_margin(lhs: Any, rhs: Any, relation: str) -> Fraction:
    """How far L ∼ R is from failing, scaled: (R − L)/(|L| + |R|) for ≤ (L − R for ≥), negative when it fails.

    Exact (Fractions); 0 when both sides are 0.  For < and > a margin of 0 also fails.
    """
    lhs, rhs = Fraction(lhs), Fraction(rhs)
    gap = rhs - lhs if relation in ("<=", "<") else lhs - rhs
    scale = abs(lhs) + abs(rhs)
    return gap / scale if scale else gap


def local_search(margin: Callable[[Parameters], Fraction | None], starts: Sequence[Parameters], *, seed: int,
                 budget: int, patience: int, strict: bool = False) -> SearchResult:
    """Hill-climb ``margin`` (None: an invalid model) from each start in turn until it is < 0 (≤ 0 if ``strict``).

    Each step moves one random coordinate by ±1 or ±2; a move is kept when the margin does not
    grow (so plateaus are walked).  A start is left after ``patience`` steps without a strict
    improvement; the whole search stops after ``budget`` evaluations of ``margin``.
    """
    rng = np.random.default_rng([seed, 0x5EA4C4])
    fails = (lambda x: x <= 0) if strict else (lambda x: x < 0)
    evaluations = steps = used = 0
    best, best_margin = None, None
    for start in starts:
        if evaluations >= budget:
            break
        used += 1
        here, here_margin = start, margin(start)
        evaluations += 1
        if here_margin is None:
            continue
        stale = 0
        while True:
            if best_margin is None or here_margin < best_margin:
                best, best_margin = here, here_margin
            if fails(here_margin):
                return SearchResult(here, here, here_margin, used, steps, evaluations)
            if stale >= patience or evaluations >= budget:
                break
            i = int(rng.integers(len(here.values)))
            step = int(rng.choice((-2, -1, 1, 2)))
            there = here.moved(i, step)
            if there is None:
                stale += 1
                continue
            there_margin = margin(there)
            evaluations += 1
            steps += 1
            if there_margin is None or there_margin > here_margin:
                stale += 1
                continue
            stale = 0 if there_margin < here_margin else stale + 1
            here, here_margin = there, there_margin
    return SearchResult(None, best, best_margin, used, steps, evaluations)
