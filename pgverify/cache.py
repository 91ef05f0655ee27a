"""A disk cache of symbolic proofs of the catalogue's claims.

A symbolic check is deterministic: its outcome depends only on the code of
the engines and the claim, and on the versions of the libraries doing the
arithmetic.  Its key is a hash of every source file of ``numeric``,
``symbolic`` and ``pgverify`` (the python-flint engine,
``symbolic/flint_field.py`` and ``numeric/flint_*.py``, included), the SymPy,
NumPy and python-flint versions, the claim id, the qualified name of its
evaluating function and the family; change any of them and the proof is
recomputed.  A claim whose evaluation runs any code outside these packages (a
user's own derivation, whose ``lines`` the wrapper in
:mod:`pgverify.derivations` calls) is never cached: the key could not cover
that code.  The directory is ``$PGVERIFY_CACHE_DIR``, or
``~/.cache/pgverify``; ``pgverify check --no-cache`` bypasses it.

The same directory holds the results of a document's displays (``displays/``,
:func:`load_display` and :func:`store_display`, used by ``pgverify verify`` and
``annotate``): one display's result is keyed by the same fingerprint of the
code, the display's source text and LaTeX, its index, its annotations as parsed
(the display's own, the file-level ones and the side file's, merged), its
notation profile (name and content), every :class:`~pgverify.checker.Settings`
field and the work limits set in the environment, so that an unchanged
document is answered from the cache and an edited display alone is checked
again.  Results are stored as JSON, never pickled: the
values a result carries (details, counterexample, both sides) are those the
JSON output prints, and a result that does not serialise is not stored.
``--no-cache`` bypasses this cache too.  ``pgverify list`` reads the catalogue's
listing from it (:func:`listing`), keyed by the fingerprint alone.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import re
from functools import lru_cache
from importlib import import_module
from pathlib import Path
from typing import Any, Callable

__all__ = ["cache_dir", "fingerprint", "sources", "cacheable", "code_key", "load", "store", "display_parts",
           "load_display", "store_display", "listing"]

_PACKAGES = ("numeric", "symbolic", "pgverify")


def cache_dir() -> Path:
    return Path(os.environ.get("PGVERIFY_CACHE_DIR") or Path.home() / ".cache" / "pgverify")


def _package_roots() -> list[Path]:
    import numeric
    import pgverify
    import symbolic

    return [Path(m.__file__).parent for m in (numeric, symbolic, pgverify)]  # type: ignore[arg-type]


@lru_cache(maxsize=None)
def fingerprint() -> str:
    """A hash of the engines' files (source, grammar, profiles) and the versions of SymPy, NumPy and python-flint
    (as installed: the key of a cached result does not import them)."""
    h = hashlib.sha256(" ".join(f"{module} {_version(dist, module)}" for dist, module in _LIBRARIES).encode())
    for name, path in sources():
        h.update(name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


#: The libraries doing the arithmetic, as (distribution, module).
_LIBRARIES = (("sympy", "sympy"), ("numpy", "numpy"), ("python-flint", "flint"))


def _version(dist: str, module: str) -> str:
    """The installed version of a library, read from its distribution's metadata without importing it (SymPy alone
    takes a third of a second to import); the module's ``__version__`` when it has no metadata."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return str(import_module(module).__version__)


def sources() -> list[tuple[str, Path]]:
    """Every file the key covers, as (package-relative name, path): all of numeric, symbolic, pgverify (source,
    grammar, profiles and annotation files alike)."""
    return [(str(path.relative_to(root.parent)), path) for root in _package_roots()
            for path in sorted(root.rglob("*")) if path.is_file() and "__pycache__" not in path.parts]


def cacheable(fn: Callable[..., Any]) -> bool:
    """True when every piece of code ``fn`` runs is one of pgverify's own packages' (hashed in the key).

    Looks through bound methods (the object's attributes: a :class:`~pgverify.derivations.Derivation`'s
    ``evaluate`` runs the user's ``lines``), ``functools.partial`` and closures: a user's function anywhere
    in there makes ``fn`` uncacheable, because the key covers only the packages' source.
    """
    return all(_own(f) for f in _code_of(fn, set()))


def _own(fn: Any) -> bool:
    try:
        source = inspect.getsourcefile(fn)
    except TypeError:  # a builtin: its behaviour is NumPy's or Python's, covered by their versions
        return True
    return source is not None and any(Path(source).resolve().is_relative_to(r.resolve()) for r in _package_roots())


def _code_of(fn: Any, seen: set[int]) -> list[Any]:
    """The functions ``fn`` stands for: itself, and whatever callables its object, partial or closure holds."""
    if id(fn) in seen:
        return []
    seen.add(id(fn))
    if isinstance(fn, functools.partial):
        return [*_code_of(fn.func, seen), *(f for a in (*fn.args, *fn.keywords.values()) if callable(a)
                                            for f in _code_of(a, seen))]
    if inspect.ismethod(fn):
        owner = fn.__self__
        held = [v for v in _attributes(owner) if callable(v) and not inspect.isclass(v)]
        return [*_code_of(fn.__func__, seen), *(f for v in held for f in _code_of(v, seen))]
    if inspect.isfunction(fn):
        cells = [c.cell_contents for c in fn.__closure__ or () if _filled(c)]
        return [fn, *(f for v in cells if callable(v) and not inspect.isclass(v) for f in _code_of(v, seen))]
    if callable(fn) and not inspect.isbuiltin(fn) and not inspect.isclass(fn):
        call = type(fn).__call__
        return [*_code_of(call, seen), *(f for v in _attributes(fn) if callable(v) and not inspect.isclass(v)
                                         for f in _code_of(v, seen))]
    return [fn]


def _attributes(obj: Any) -> list[Any]:
    if hasattr(obj, "__dict__"):
        return list(vars(obj).values())
    return [getattr(obj, name) for name in getattr(type(obj), "__slots__", ()) if hasattr(obj, name)]


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def code_key(fn: Callable[..., Any]) -> str:
    """The qualified name of ``fn`` (its module and qualname), part of a proof's key."""
    base = getattr(fn, "__func__", fn)
    return f"{getattr(base, '__module__', '?')}.{getattr(base, '__qualname__', repr(base))}"


def _path(*parts: str, kind: str = "symbolic") -> Path:
    key = hashlib.sha256("\0".join((fingerprint(), *parts)).encode()).hexdigest()
    return cache_dir() / kind / f"{key}.json"


def load(*parts: str, kind: str = "symbolic") -> dict[str, Any] | None:
    try:
        return json.loads(_path(*parts, kind=kind).read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return None


def store(value: dict[str, Any], *parts: str, kind: str = "symbolic") -> None:
    path = _path(*parts, kind=kind)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value), encoding="utf-8")
        tmp.replace(path)
    except OSError:  # a read-only home: the proof is simply recomputed next time
        pass


# ------------------------------------------------------------------------------- one display's result
#: A position in the source as the reader renders it (:class:`pgverify.notation.ast.Pos`): a result whose text
#: holds one depends on where the display stands in the file.
_POSITION = re.compile(r"\bline \d+, column \d+")


def display_parts(display: Any, settings: Any) -> tuple[str, ...]:
    """What one display's result depends on besides the code (the fingerprint is added by the path): its source
    and LaTeX, its index (the claim's name), its annotations as parsed (the display's, the file's and the side
    file's, merged; their texts included), its profile's name and content, every field of ``settings``, the
    work limits set in the environment (:data:`numeric.limits.LIMITS`), the document's context (macros, the
    author's names) and the errors of its reading (an annotation that did not parse, an ill-formed row).

    The display's line is not part of the key: :func:`load_display` takes it into account.
    """
    from numeric.limits import LIMITS
    from pgverify.notation.profiles import load_profile

    limits = {env: os.environ.get(env) for _, env, _ in LIMITS.values()}  # a limit may refuse a display
    # what went wrong while reading it (an annotation that did not parse leaves no annotations at all, so without
    # this the display would be answered with the verdict of the same text unannotated); positions left out
    errors = _POSITION.sub("", repr((tuple(ln.error for ln in display.lines), display.issues)))
    return ("display-result 2", display.raw, display.latex, str(display.index), display.profile,
            repr(load_profile(display.profile)), repr(display.annotations), repr(settings), repr(limits),
            getattr(display, "context", ""), errors)  # context: the document's macros and author's names


def load_display(display: Any, settings: Any) -> Any:
    """The cached :class:`~pgverify.documents.DisplayResult` of ``display`` under ``settings``, or None.

    A result whose text names no position in the file (``line L, column C``) is the same wherever the display
    stands: it is returned with the display's current line.  One that names a position is returned only if the
    display still starts on the same line.
    """
    entry = load(*display_parts(display, settings), kind="displays")
    if entry is None:
        return None
    try:
        if entry["line"] != display.line and _POSITION.search(json.dumps(entry, ensure_ascii=False)):
            return None
        return _display_from_json({**entry, "line": display.line})
    except (KeyError, TypeError, ValueError):  # an entry written by hand or truncated: recomputed
        return None


def _inside_a_hypothesis_test() -> bool:
    """Whether this runs inside someone's Hypothesis test: there the numeric method's own search is a nested
    ``@given`` that Hypothesis refuses, so the result is the environment's, not what the code computes elsewhere."""
    import sys

    control = sys.modules.get("hypothesis.control")
    return bool(control is not None and control.currently_in_test_context())


def store_display(display: Any, settings: Any, result: Any) -> None:
    """Store ``result`` for ``display`` (not an internal error: it may not recur; not one computed inside a
    Hypothesis test (:func:`_inside_a_hypothesis_test`); not one whose values do not serialise to JSON)."""
    if result.reason.startswith("internal error") or _inside_a_hypothesis_test():
        return
    try:
        entry = _display_json(result)
        json.dumps(entry, allow_nan=True)
    except (TypeError, ValueError):
        return
    store(entry, *display_parts(display, settings), kind="displays")


def _display_json(r: Any) -> dict[str, Any]:
    res = r.result
    return {
        "index": r.index, "line": r.line, "latex": r.latex, "understood": r.understood,
        "catalogue_id": r.catalogue_id, "verdict": r.verdict, "reason": r.reason, "rows": r.rows,
        "rows_parsed": r.rows_parsed, "restrictions": list(r.restrictions),
        "steps": [[s.label, s.relation, s.holds, s.latex] for s in r.steps],
        "result": None if res is None else {
            "claim": {"id": res.claim.id, "section": res.claim.section, "statement": res.claim.statement,
                      "families": list(res.claim.families), "methods": list(res.claim.methods),
                      "slow_methods": list(res.claim.slow_methods), "corrects": res.claim.corrects,
                      "note": res.claim.note},
            "verdict": res.verdict, "reason": res.reason,
            "checks": [{"method": c.method, "family": c.family, "passed": c.passed, "seconds": c.seconds,
                        "details": c.details, "failing_step": c.failing_step, "message": c.message}
                       for c in res.checks],
            "counterexample": None if res.counterexample is None else {
                f: getattr(res.counterexample, f) for f in ("family", "method", "step", "step_index", "example",
                                                            "lhs", "rhs", "exact")},
        },
    }


def _display_from_json(e: dict[str, Any]) -> Any:
    from pgverify.documents import DisplayResult, StepVerdict
    from pgverify.registry import Claim
    from pgverify.verdicts import Check, ClaimResult, Counterexample

    res = e["result"]
    result = None
    if res is not None:
        c = res["claim"]
        claim = Claim(id=c["id"], section=c["section"], statement=c["statement"], evaluate=_not_evaluated,
                      families=tuple(c["families"]), methods=tuple(c["methods"]),
                      slow_methods=tuple(c["slow_methods"]), corrects=c["corrects"], note=c["note"])
        ce = res["counterexample"]
        result = ClaimResult(claim, res["verdict"], tuple(Check(**k) for k in res["checks"]),
                             None if ce is None else Counterexample(**ce), res["reason"])
    return DisplayResult(index=e["index"], line=e["line"], latex=e["latex"], understood=e["understood"],
                         catalogue_id=e["catalogue_id"], verdict=e["verdict"], reason=e["reason"],
                         steps=tuple(StepVerdict(*s) for s in e["steps"]), result=result, rows=e["rows"],
                         rows_parsed=e["rows_parsed"], restrictions=tuple(e["restrictions"]))


def _not_evaluated(model: Any) -> Any:
    """The ``evaluate`` of a claim read back with a cached display result: its verdict was computed when the result
    was stored (under the same code, text, annotations and settings); it is not evaluated again."""
    from numeric.errors import PGVerifyError

    raise PGVerifyError("this claim was read back from the display-result cache with its verdict; it is not "
                        "evaluated again (run with --no-cache to recompute it)")


# ------------------------------------------------------------------------------- ``pgverify list``
def listing(compute: Callable[[], list[str]]) -> list[str]:
    """The lines ``pgverify list`` prints (the catalogue's ids and statements): a function of the code alone, read
    from the cache under the fingerprint (so that listing does not import the catalogue), else ``compute()``d and
    stored."""
    hit = load("catalogue listing 1", kind="listing")
    if hit is not None and isinstance(hit.get("lines"), list) and all(isinstance(x, str) for x in hit["lines"]):
        return list(hit["lines"])
    lines = compute()
    store({"lines": lines}, "catalogue listing 1", kind="listing")
    return lines


def catalogue_index(compute: Callable[[], dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """What a document's displays need of the catalogue — per claim id its section, methods and slow methods — read
    from the cache under the fingerprint (a function of the code alone, like :func:`listing`), else ``compute()``d
    and stored; so that an edited display is checked without importing every claim of the catalogue."""
    hit = load("catalogue index 1", kind="listing")
    try:
        return {cid: {"section": str(e["section"]), "methods": tuple(map(str, e["methods"])),
                      "slow_methods": tuple(map(str, e["slow_methods"]))} for cid, e in hit["claims"].items()}
    except (TypeError, KeyError, AttributeError):  # no entry, or one this code did not write: computed again
        pass
    index = compute()
    store({"claims": {cid: {"section": e["section"], "methods": list(e["methods"]),
                            "slow_methods": list(e["slow_methods"])} for cid, e in index.items()}},
          "catalogue index 1", kind="listing")
    return index
