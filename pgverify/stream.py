"""Documents at scale: the displays of a long file checked as a stream, in parallel, each within a time limit.

:func:`stream_document` is :func:`pgverify.documents.verify_document` for files of any length:

* the document's work is **estimated first** (:func:`estimate_document`: Σ over displays of methods × horizons,
  the displays read one at a time and dropped) and refused above the limit ``document-work`` of
  :mod:`numeric.limits` (default 100 000 checks, environment variable ``PGVERIFY_MAX_DOCUMENT_WORK``, 0 for
  none) with the figure and the way to raise it — before any display is checked;
* the displays are then **read lazily** (:func:`pgverify.notation.document.read_displays`) and their results
  **yielded in document order as they are decided**; nothing is kept per display once it is yielded, so memory
  stays bounded however many displays the file holds;
* ``jobs`` worker processes check displays in parallel (at most ``2 × jobs`` displays in flight); a display's
  result depends only on the display and ``settings`` (its seed), never on ``jobs``;
* each display is checked within ``time_limit`` seconds (default :data:`DEFAULT_TIME_LIMIT`; ``None`` or 0: no
  limit): a display that reaches it is ``undecided`` with the reason ``time limit of S s reached`` and is not
  stored in the result cache.  The limit is a POSIX interval timer (``SIGALRM``) in the process that checks the
  display: it interrupts Python code, and a single long call into a C library (FLINT, NumPy) ends before it is seen;
* a tqdm progress bar (on standard error, never on standard output) appears after
  :data:`~numeric.limits.PROGRESS_DELAY` seconds when standard error is a terminal or ``progress=True``.

``pgverify verify`` and ``pgverify annotate`` run through here (``--jobs``, ``--time-limit``, ``--progress``,
``--json-lines``).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from numeric.errors import InvalidArgumentError
from numeric.limits import PROGRESS_DELAY, refuse_above
from pgverify.verdicts import VERDICTS

if TYPE_CHECKING:  # the command line reads this module's defaults without loading the checker
    from pgverify.checker import Settings

__all__ = ["DEFAULT_TIME_LIMIT", "WorkEstimate", "estimate_document", "stream_document", "check_document",
           "json_lines", "table_lines", "StreamTally"]

#: Seconds one display may take by default (``--time-limit``): the post's slowest display takes about 10 s on a
#: loaded 2-core machine; a display still running after two minutes is reported undecided, not waited for.
DEFAULT_TIME_LIMIT = 120.0


class TimeLimitReached(BaseException):
    """Raised inside a display's check when its time limit is reached.  A ``BaseException`` so that no display
    boundary (``except Exception``) turns it into an internal error; it never leaves :func:`_decide`."""


@dataclass(frozen=True)
class WorkEstimate:
    """The work of one document, counted before any display is checked: its displays and their checks (each
    display's methods × the horizons its annotations ask for)."""

    displays: int
    checks: int


def _validate(jobs: object, time_limit: object) -> tuple[int, float | None]:
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InvalidArgumentError(f"jobs must be a positive integer, got {jobs!r}")
    if time_limit is not None:
        if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not time_limit >= 0 \
                or time_limit == float("inf"):
            raise InvalidArgumentError(f"time_limit must be a finite non-negative number of seconds (0 or None: no "
                                       f"limit), got {time_limit!r}")
    return jobs, (float(time_limit) or None) if time_limit is not None else None


def _checks_of(display: Any, catalogue: dict[str, Any]) -> int:
    """The checks one display costs: its methods (a catalogue id's own, else the display methods) × its horizons."""
    from pgverify.registry import METHODS

    ann = display.annotations
    claim = catalogue.get(ann.id) if ann is not None and ann.id is not None else None
    methods = len(claim.methods) if claim is not None else len(METHODS)
    return methods * max(1, len(ann.horizons) if ann is not None else 1)  # the parser drops repeats


def estimate_document(path: str | Path, *, profile: str | None = None, annotations: str | Path | None = "auto",
                      limit: int | None = None) -> WorkEstimate:
    """Count a document's work (displays × methods × horizons), reading its displays one at a time.

    Raises :class:`numeric.limits.TooLargeError` above the limit ``document-work`` (``limit=`` for this call,
    else ``PGVERIFY_MAX_DOCUMENT_WORK``, else 100 000), and :class:`pgverify.documents.DocumentError` for a
    document without displays or with an unknown catalogue id — each before any display is checked.
    """
    from pgverify import documents
    from pgverify.notation.document import read_displays

    head, count, displays = read_displays(Path(path), profile=profile, annotations=annotations, rows=False)
    if not count:
        raise documents.DocumentError(f"{path} holds no display ($$ … $$, \\[ … \\] or \\begin{{align}} … "
                                      f"\\end{{align}}): nothing was read, nothing is verified")
    # every display costs one check at least: a document longer than the limit is refused before it is read
    refuse_above("document-work", count, f"checking {path}", override=limit,
                 detail=f" at least (its {count:,} displays, one check each before their methods are counted)")
    catalogue: dict[str, Any] = {}
    checks = 0
    for d in displays:
        if d.annotations is not None and d.annotations.ids:
            documents._check_ids(_One((d,)))  # an unknown id: the whole document is refused, as verify_document does
            if not catalogue:
                from pgverify.registry import all_claims

                catalogue = {c.id: c for c in all_claims()}
        checks += _checks_of(d, catalogue)
    refuse_above("document-work", checks, f"checking {path}", override=limit,
                 detail=f" ({count:,} display{'' if count == 1 else 's'} × their methods × their horizons)")
    return WorkEstimate(count, checks)


@dataclass(frozen=True)
class _One:
    """A stand-in document holding some displays (what :func:`pgverify.documents._check_ids` reads)."""

    displays: tuple[Any, ...]


# ------------------------------------------------------------------------------- one display, within its limit
@contextmanager
def _deadline(seconds: float | None) -> Iterator[list[bool]]:
    """Raise :class:`TimeLimitReached` in this (main) thread once ``seconds`` have passed (no limit for None).

    Yields a flag, set when the limit was reached: the exception raised inside a C extension's call may come out
    as another one (a ``SystemError`` that the display's boundary reports), so the flag, not the exception, says
    that the display's work was cut short.
    """
    fired = [False]
    if not seconds:
        yield fired
        return

    def fire(signum: int, frame: Any) -> None:
        fired[0] = True
        raise TimeLimitReached()

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _decide(display: Any, settings: Settings, time_limit: float | None) -> Any:
    """One display's :class:`~pgverify.documents.DisplayResult`: from the result cache, else checked within
    ``time_limit`` seconds (and stored, unless the limit was reached: that verdict depends on the machine)."""
    from pgverify import cache, documents

    if settings.cache:
        hit = cache.load_display(display, settings)
        if hit is not None:
            return hit
    result = None
    try:
        with _deadline(time_limit) as fired:
            result = documents._display_result(display, settings)
    except TimeLimitReached:
        pass
    if fired[0]:  # whatever came out of an interrupted check, it is not the display's verdict
        return documents.DisplayResult(**documents._base(display, None), verdict="undecided",
                                       reason=f"time limit of {time_limit:g} s reached (--time-limit; 0 for none)")
    if settings.cache:
        cache.store_display(display, settings, result)
    return result


def _portable(result: Any) -> Any:
    """``result`` without its claim's evaluation function (a closure, which cannot cross to another process): the
    claim as the result cache reads it back.  Every field the outputs read is kept."""
    from pgverify.cache import _not_evaluated

    if result.result is None:
        return result
    return replace(result, result=replace(result.result, claim=replace(result.result.claim, evaluate=_not_evaluated)))


def _work(tasks: list[tuple[Any, Settings, float | None]]) -> list[Any]:
    """A worker process's job: a few displays decided, made portable."""
    return [_portable(_decide(*task)) for task in tasks]


#: Displays sent to a worker at once (fewer round trips; small enough that the results still stream).
CHUNK = 8


def _ordered(tasks: Iterator[tuple[Any, Settings, float | None]], jobs: int) -> Iterator[Any]:
    """Each task's result in the tasks' order, ``jobs`` processes working on chunks of :data:`CHUNK` tasks, at most
    ``2 × jobs`` chunks in flight (the tasks are drawn lazily: a long document is never queued whole)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from itertools import islice

    import pgverify.checker  # noqa: F401 - imported once here, inherited by every forked worker

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method)) as pool:
        flight: deque[Any] = deque()
        while chunk := list(islice(tasks, CHUNK)):
            flight.append(pool.submit(_work, chunk))
            if len(flight) >= 2 * jobs:
                yield from flight.popleft().result()
        while flight:
            yield from flight.popleft().result()


def _bar(total: int, progress: bool | None) -> Any:
    """The progress bar of a document: on standard error, after PROGRESS_DELAY s, only on a terminal (or forced)."""
    from tqdm import tqdm

    tty = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
    show = tty if progress is None else bool(progress)
    return tqdm(total=total, desc="checking displays", unit="display", file=sys.stderr, delay=PROGRESS_DELAY,
                disable=not show, leave=False, dynamic_ncols=True, mininterval=0.1 if tty else 10.0)


def stream_document(path: str | Path, settings: Settings | None = None, *, profile: str | None = None,
                    annotations: str | Path | None = "auto", jobs: int = 1,
                    time_limit: float | None = DEFAULT_TIME_LIMIT, progress: bool | None = None,
                    limit: int | None = None, bar: Callable[[Any], None] | None = None) -> Iterator[Any]:
    """Each display's :class:`~pgverify.documents.DisplayResult`, in document order, as it is decided.

    The work is estimated and the ids checked first (:func:`estimate_document`; ``limit`` as there), then the
    displays are read one at a time and checked by ``jobs`` processes, each within ``time_limit`` seconds.
    ``progress``: None shows the bar when standard error is a terminal, True always, False never; ``bar`` (if
    given) is called with the tqdm bar before the first display, so that a caller printing to standard output can
    write around it (``bar.write``).
    """
    jobs, time_limit = _validate(jobs, time_limit)
    settings = _resolved(settings)
    if progress is not None and not isinstance(progress, bool):
        raise InvalidArgumentError(f"progress must be True, False or None (on a terminal), got {progress!r}")
    work = estimate_document(path, profile=profile, annotations=annotations, limit=limit)
    return _stream(path, settings, work, profile=profile, annotations=annotations, jobs=jobs, time_limit=time_limit,
                   progress=progress, bar=bar)


def _resolved(settings: Settings | None) -> Settings:
    """``settings``, or the defaults for None; anything else is refused."""
    from pgverify.checker import Settings

    if settings is None:
        return Settings()
    if not isinstance(settings, Settings):
        raise InvalidArgumentError(f"settings must be a pgverify.Settings, got {type(settings).__name__}")
    return settings


def _stream(path: str | Path, settings: Settings, work: WorkEstimate, *, profile: str | None,
            annotations: str | Path | None, jobs: int, time_limit: float | None, progress: bool | None,
            bar: Callable[[Any], None] | None) -> Iterator[Any]:
    from pgverify.notation.document import read_displays

    _head, _count, displays = read_displays(Path(path), profile=profile, annotations=annotations)
    tasks = ((d, settings, time_limit) for d in displays)
    # the interval timer is per process and its signal reaches the main thread only: elsewhere, a worker checks
    in_main = threading.current_thread() is threading.main_thread()
    results = _ordered(tasks, jobs) if jobs > 1 or (time_limit and not in_main) else (_decide(*t) for t in tasks)
    with _bar(work.displays, progress) as shown:
        if bar is not None:
            bar(shown)
        for r in results:
            yield r
            shown.update(1)


def check_document(path: str | Path, settings: Settings | None = None, **options: Any) -> Any:
    """:func:`stream_document` collected into a :class:`~pgverify.documents.DocumentRun` (what ``--json`` and
    ``annotate`` need: every result at once)."""
    from pgverify.documents import DocumentRun
    from pgverify.notation.document import read_displays

    settings = _resolved(settings)
    start = time.perf_counter()
    results = tuple(stream_document(path, settings, **options))
    head, _, _ = read_displays(Path(path), profile=options.get("profile"),
                               annotations=options.get("annotations", "auto"))
    return DocumentRun(str(path), results, settings, time.perf_counter() - start, head.profile)


# ------------------------------------------------------------------------------- streamed outputs
@dataclass
class StreamTally:
    """What a streamed run keeps: the count of each verdict (the exit status is read from it)."""

    counts: dict[str, int]

    @property
    def summary(self) -> dict[str, int]:
        return dict(self.counts)

    @property
    def refuted(self) -> bool:
        return bool(self.counts["refuted"] or self.counts["ill-formed"])

    @property
    def undecided(self) -> bool:
        return bool(self.counts["undecided"])


def _run_of(path: str | Path, results: tuple[Any, ...], settings: Settings, seconds: float) -> Any:
    from pgverify.documents import DocumentRun

    return DocumentRun(str(path), results, settings, seconds)


def json_lines(path: str | Path, settings: Settings | None = None, *, emit: Callable[[str], None],
               **options: Any) -> StreamTally:
    """``verify --json-lines``: one JSON object per display as it is decided (the entries of ``--json``'s
    ``displays``), then one closing object with the file, seed, seconds and summary.  Returns the counts."""
    from pgverify.documents import to_json

    settings = _resolved(settings)
    start = time.perf_counter()
    tally = StreamTally({v: 0 for v in VERDICTS})
    for r in stream_document(path, settings, **options):
        tally.counts[r.verdict] += 1
        emit(json.dumps(to_json(_run_of(path, (r,), settings, 0.0))["displays"][0], ensure_ascii=False))
    closing = to_json(_run_of(path, (), settings, time.perf_counter() - start))
    closing.pop("displays")
    closing["summary"] = tally.summary
    emit(json.dumps(closing, ensure_ascii=False))
    return tally


def table_lines(path: str | Path, settings: Settings | None = None, *, emit: Callable[[str], None],
                **options: Any) -> StreamTally:
    """``verify``'s table printed as the displays are decided (the rows of :func:`pgverify.documents.table`, one
    display at a time), then the summary line.  Returns the counts."""
    from pgverify.documents import table

    settings = _resolved(settings)
    start = time.perf_counter()
    empty = table(_run_of(path, (), settings, 0.0)).split("\n")
    tally = StreamTally({v: 0 for v in VERDICTS})
    shown: list[Any] = []
    say = emit

    def around(bar: Any) -> None:  # rows written above a visible bar, which is drawn again below them
        nonlocal say
        if not bar.disable:
            say = lambda text: bar.write(text, file=sys.stdout)  # noqa: E731
        shown.append(bar)

    first = True
    for r in stream_document(path, settings, bar=around, **options):
        tally.counts[r.verdict] += 1
        one = table(_run_of(path, (r,), settings, 0.0)).split("\n")
        head = next(i for i, (a, b) in enumerate(zip(empty, one)) if a != b)  # the lines before the first row
        rows = one[head:len(one) - (len(empty) - head)]
        say("\n".join((one[:head] if first else []) + rows))
        first = False
    n = sum(tally.counts.values())
    summary = ", ".join(f"{v} {k}" for k, v in tally.counts.items())
    emit(f"\n{n} display{'' if n == 1 else 's'}: {summary}  ({time.perf_counter() - start:.1f} s, "
         f"seed {settings.seed})")
    return tally
