"""The library entry points behind the CLI."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

from numeric.limits import progress
from pgverify.checker import ClaimResult, check_claim
from pgverify.settings import Settings
from numeric.errors import InvalidArgumentError
from pgverify.registry import Claim, UnknownClaimError, check_opt_in, select
from pgverify.output.report import Run

__all__ = ["claims", "check"]


def claims(patterns: list[str] | None = None) -> list[Claim]:
    """The catalogue's claims whose ids match the shell-style ``patterns`` (all when None)."""
    return select(_patterns(patterns))


def _check_by_id(claim_id: str, settings: Settings) -> tuple:  # type: ignore[type-arg]
    r = check_claim(select([claim_id])[0], settings)
    return r.verdict, r.checks, r.counterexample, r.reason


def _patterns(patterns: object) -> list[str] | None:
    """``patterns`` as a list of strings (one string is one pattern), or a clear error."""
    if isinstance(patterns, str):
        return [patterns]
    if patterns is not None and (not isinstance(patterns, (list, tuple))
                                 or not all(isinstance(p, str) for p in patterns)):
        raise UnknownClaimError(f"patterns must be a list of claim-id patterns (strings such as 'pgt.*') or None, "
                                f"got {patterns!r}")
    return None if patterns is None else list(patterns)


def _validate(patterns: object, settings: object, jobs: object) -> list[str] | None:
    """The public boundary of :func:`check`: clear errors naming the argument, before any work."""
    patterns = _patterns(patterns)
    if not isinstance(settings, Settings):
        raise InvalidArgumentError(f"settings must be a pgverify.Settings, got {type(settings).__name__}")
    check_opt_in(settings.opt_in)
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise InvalidArgumentError(f"jobs must be a positive integer or None (one per CPU), got {jobs!r}")
    return patterns


def check(patterns: list[str] | None = None, settings: Settings = Settings(), *, jobs: int | None = None) -> Run:
    """Check the selected claims by every applicable method; see :mod:`pgverify.checker`.

    ``jobs`` worker processes (default: one per CPU) check claims in parallel;
    each claim's result depends only on ``settings.seed``, never on ``jobs``.
    """
    start = time.perf_counter()
    patterns = _validate(patterns, settings, jobs)
    selected = select(patterns)
    n = min(len(selected), jobs or os.cpu_count() or 1)
    bar = dict(total=len(selected), desc="checking claims", unit="claim")  # on stderr, after a few seconds
    if n <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        results = tuple(progress((check_claim(c, settings) for c in selected), **bar))
    else:
        with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork")) as pool:
            outs = list(progress(pool.map(_check_by_id, [c.id for c in selected], [settings] * len(selected)), **bar))
        results = tuple(ClaimResult(c, *out) for c, out in zip(selected, outs))
    return Run(results, settings, time.perf_counter() - start)
