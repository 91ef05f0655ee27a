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
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

__all__ = ["cache_dir", "fingerprint", "sources", "cacheable", "code_key", "load", "store"]

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
    """A hash of the engines' files (source, grammar, profiles) and the versions of SymPy, NumPy and python-flint."""
    import flint
    import numpy
    import sympy

    h = hashlib.sha256(f"sympy {sympy.__version__} numpy {numpy.__version__} flint {flint.__version__}".encode())
    for name, path in sources():
        h.update(name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


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


def _path(*parts: str) -> Path:
    key = hashlib.sha256("\0".join((fingerprint(), *parts)).encode()).hexdigest()
    return cache_dir() / "symbolic" / f"{key}.json"


def load(*parts: str) -> dict[str, Any] | None:
    try:
        return json.loads(_path(*parts).read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return None


def store(value: dict[str, Any], *parts: str) -> None:
    path = _path(*parts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value), encoding="utf-8")
        tmp.replace(path)
    except OSError:  # a read-only home: the proof is simply recomputed next time
        pass
