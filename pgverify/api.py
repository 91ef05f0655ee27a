"""The library entry points behind the CLI."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

from numeric.limits import progress
from pgverify.checker import ClaimResult, Settings, check_claim
from pgverify.registry import Claim, check_opt_in, select
from pgverify.output.report import Run

__all__ = ["claims", "check"]


def claims(patterns: list[str] | None = None) -> list[Claim]:
    """The catalogue's claims whose ids match the shell-style ``patterns`` (all when None)."""
    return select(patterns)


def _check_by_id(claim_id: str, settings: Settings) -> tuple:  # type: ignore[type-arg]
    r = check_claim(select([claim_id])[0], settings)
    return r.verdict, r.checks, r.counterexample, r.reason


def check(patterns: list[str] | None = None, settings: Settings = Settings(), *, jobs: int | None = None) -> Run:
    """Check the selected claims by every applicable method; see :mod:`pgverify.checker`.

    ``jobs`` worker processes (default: one per CPU) check claims in parallel;
    each claim's result depends only on ``settings.seed``, never on ``jobs``.
    """
    start = time.perf_counter()
    check_opt_in(settings.opt_in)
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
