"""The library entry points behind the CLI."""

from __future__ import annotations

import time

from pgverify.checker import Settings, check_claim
from pgverify.registry import Claim, select
from pgverify.report import Run

__all__ = ["claims", "check"]


def claims(patterns: list[str] | None = None) -> list[Claim]:
    """The catalogue's claims whose ids match the shell-style ``patterns`` (all when None)."""
    return select(patterns)


def check(patterns: list[str] | None = None, settings: Settings = Settings()) -> Run:
    """Check the selected claims by every applicable method; see :mod:`pgverify.checker`."""
    start = time.perf_counter()
    results = tuple(check_claim(c, settings) for c in select(patterns))
    return Run(results, settings, time.perf_counter() - start)
