"""A disk cache of symbolic proofs of the catalogue's claims.

A symbolic check is deterministic: its outcome depends only on the code of
the engines and the claim, and on the versions of the libraries doing the
arithmetic.  Its key is a hash of every source file of ``numeric``,
``symbolic`` and ``pgverify`` (the python-flint engine,
``symbolic/flint_field.py`` and ``numeric/flint_*.py``, included), the SymPy,
NumPy and python-flint versions, the claim id and the family; change any of them and the
proof is recomputed.  Claims defined outside these packages (a user's own
derivations) are never cached.  The directory is ``$PGVERIFY_CACHE_DIR``, or
``~/.cache/pgverify``; ``pgverify check --no-cache`` bypasses it.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

__all__ = ["cache_dir", "fingerprint", "sources", "cacheable", "load", "store"]

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
    """A hash of the engines' source code and the versions of SymPy, NumPy and python-flint."""
    import flint
    import numpy
    import sympy

    h = hashlib.sha256(f"sympy {sympy.__version__} numpy {numpy.__version__} flint {flint.__version__}".encode())
    for name, path in sources():
        h.update(name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def sources() -> list[tuple[str, Path]]:
    """Every source file the key covers, as (package-relative name, path): all of numeric, symbolic, pgverify."""
    return [(str(path.relative_to(root.parent)), path) for root in _package_roots() for path in sorted(root.rglob("*.py"))]


def cacheable(fn: Callable[..., Any]) -> bool:
    """True when ``fn`` is defined in one of pgverify's own packages."""
    source = inspect.getsourcefile(fn)
    return source is not None and any(Path(source).resolve().is_relative_to(r.resolve()) for r in _package_roots())


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
