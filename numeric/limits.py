"""Bounds on work: estimate the size of a job first, refuse it above a limit, show progress.

Every enumeration or symbolic job whose size grows exponentially with its
arguments estimates that size before it starts and raises
:class:`TooLargeError` (with the estimate and the way to lift the limit) when
the estimate is above the limit.  The limits:

======================  =========  ===================================  ======================================
name                    default    environment variable                 what is counted
======================  =========  ===================================  ======================================
``trajectories``        250 000    ``PGVERIFY_MAX_TRAJECTORIES``        trajectories enumerated exactly
                                                                        (episodic models,
                                                                        :func:`pgverify.trajectories`, plots)
``symbolic-parameters`` 20         ``PGVERIFY_MAX_SYMBOLIC_PARAMETERS`` symbols of a tabular-softmax family
                                                                        whose closed forms are printed
                                                                        (``pgverify latex``; 3 × 2 has 25,
                                                                        an estimated 7 minutes)
``document-work``       100 000    ``PGVERIFY_MAX_DOCUMENT_WORK``       checks of one document
                                                                        (``pgverify verify`` / ``annotate``:
                                                                        displays × methods × horizons;
                                                                        :mod:`pgverify.stream`)
======================  =========  ===================================  ======================================

A limit is adjusted for one call with the function's ``limit=`` keyword, or
for a whole process (the command line included) with its environment variable;
``0`` means no limit.  The defaults keep a job to seconds and to well under a
gigabyte: 250 000 trajectories take under a second to enumerate (measured: 2^20 in 2.2 s on a
loaded 2-core machine); the arithmetic on them afterwards costs more.

Anything that can take more than a few seconds shows a tqdm progress bar on
standard error (:func:`progress`); it appears only after ``PROGRESS_DELAY``
seconds, so quick jobs print nothing.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Iterable, Iterator, TypeVar

from numeric.errors import InvalidArgumentError, PGVerifyError

__all__ = ["TooLargeError", "LIMITS", "limit", "refuse_above", "progress", "PROGRESS_DELAY"]

#: name → (default, environment variable, unit).
LIMITS: dict[str, tuple[int, str, str]] = {
    "trajectories": (250_000, "PGVERIFY_MAX_TRAJECTORIES", "trajectories"),
    "symbolic-parameters": (20, "PGVERIFY_MAX_SYMBOLIC_PARAMETERS", "symbolic parameters"),
    "document-work": (100_000, "PGVERIFY_MAX_DOCUMENT_WORK", "checks"),
}

#: Seconds a job runs before its progress bar appears.
PROGRESS_DELAY = 2.0

T = TypeVar("T")


class TooLargeError(PGVerifyError, ValueError):
    """A job's estimated size is above its limit (see :data:`LIMITS`)."""


def limit(name: str, override: int | None = None) -> int:
    """The limit ``name`` in force: ``override`` if given, else its environment variable, else the default.

    0 means no limit.

    >>> limit("trajectories")
    250000
    >>> limit("trajectories", 10)
    10
    """
    if name not in LIMITS:
        raise InvalidArgumentError(f"unknown limit {name!r}; expected one of {sorted(LIMITS)}")
    default, env, _ = LIMITS[name]
    if override is not None:
        value, source = override, f"limit={override!r}"
    else:
        raw = os.environ.get(env)
        if raw is None:
            return default
        try:
            value, source = int(raw), f"{env}={raw!r}"
        except ValueError:
            raise InvalidArgumentError(f"{env}={raw!r} is not an integer (0 means no limit)") from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgumentError(f"{source}: a limit must be a non-negative integer (0 means no limit)")
    return value


def refuse_above(name: str, estimate: int, job: str, *, override: int | None = None, detail: str = "") -> None:
    """Raise :class:`TooLargeError` if ``estimate`` is above the limit ``name`` (message names the job).

    >>> refuse_above("trajectories", 10**9, "enumerating the trajectories of horizon 40", override=1000)
    Traceback (most recent call last):
    ...
    numeric.limits.TooLargeError: enumerating the trajectories of horizon 40: 1,000,000,000 trajectories, above the limit of 1,000; set the environment variable PGVERIFY_MAX_TRAJECTORIES (or pass limit=) to lift it, 0 for no limit
    """
    bound = limit(name, override)
    if bound and estimate > bound:
        _, env, unit = LIMITS[name]
        raise TooLargeError(f"{job}: {estimate:,} {unit}{detail}, above the limit of {bound:,}; "
                            f"set the environment variable {env} (or pass limit=) to lift it, 0 for no limit")


def progress(iterable: Iterable[T], *, total: int | None = None, desc: str, unit: str = "it",
             delay: float = PROGRESS_DELAY) -> Iterator[T]:
    """``iterable`` with a tqdm bar on stderr that appears at the first step after ``delay`` seconds.

    A job whose first step is known to be long passes ``delay=0`` so that the bar shows at once.
    """
    from tqdm import tqdm

    tty = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
    kw: dict[str, Any] = dict(total=total, desc=desc, unit=unit, file=sys.stderr, delay=delay,
                              mininterval=0.1 if tty else 10.0,  # a log file gets a line every 10 s, not 10 a second
                              leave=False, dynamic_ncols=True)
    return iter(tqdm(iterable, **kw))
