"""Conversion of user arrays to the two concrete arithmetics: float64 and exact.

An array is *exact* when every entry is an ``int`` or a
:class:`fractions.Fraction`; it is then stored as an object array of
``Fraction``.  Anything else numeric becomes ``float64``.  The result is
read-only, so that the frozen records holding it are immutable.
"""

from __future__ import annotations

import numbers
from fractions import Fraction
from typing import Any

import numpy as np

from numeric.errors import PGVerifyError


def is_exact_scalar(x: Any) -> bool:
    """An int, a Fraction or another exact rational (e.g. python-flint's :class:`numeric.flint_exact.Q`)."""
    return isinstance(x, (int, np.integer, numbers.Rational)) and not isinstance(x, (bool, np.bool_))


def as_array(value: Any, name: str, error: type[PGVerifyError], *, exact: bool | None = None) -> np.ndarray:
    """``value`` as a read-only float64 array, or an object array of Fractions.

    ``exact=None`` keeps exact input exact; ``exact=False`` forces float64;
    ``exact=True`` demands exact entries.
    """
    try:
        arr = np.array(value, dtype=object if _looks_exact(value) else None)
    except (TypeError, ValueError):
        raise error(f"{name} must be an array of numbers, got {value!r}") from None
    if arr.dtype == object:
        flat = arr.ravel()
        if all(is_exact_scalar(x) for x in flat) and exact is not False:
            out = np.empty(arr.shape, dtype=object)
            out.ravel()[:] = [Fraction(int(x)) if isinstance(x, np.integer) else Fraction(x) for x in flat]
            out.flags.writeable = False
            return out
        if not all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in flat):
            bad = next(x for x in flat if not (isinstance(x, numbers.Real) and not isinstance(x, bool)))
            raise error(f"{name} must hold real numbers, got the entry {bad!r}")
        arr = arr.astype(np.float64)
    elif arr.dtype.kind in "iu" and exact is not False:
        out = np.empty(arr.shape, dtype=object)
        out.ravel()[:] = [Fraction(int(x)) for x in arr.ravel()]
        out.flags.writeable = False
        return out
    elif arr.dtype.kind == "b" or arr.dtype.kind not in "iuf":
        raise error(f"{name} must be an array of real numbers, got dtype {arr.dtype} ({value!r})")
    if exact:
        flat = np.asarray(arr, dtype=np.float64).ravel()
        bad = next((i for i, x in enumerate(flat) if not (np.isfinite(x) and x == int(x))), 0)
        where = ", ".join(str(int(i)) for i in np.unravel_index(bad, arr.shape)) if arr.size else ""
        raise error(f"{name} must hold exact numbers (int or fractions.Fraction) for exact arithmetic, got dtype "
                    f"{arr.dtype}" + (f" with {name}[{where}] = {float(flat[bad])!r}" if arr.size else ""))
    out = np.array(arr, dtype=np.float64)
    out.flags.writeable = False
    return out


def _looks_exact(value: Any) -> bool:
    """True when ``value`` (nested sequences allowed) contains a Fraction."""
    if isinstance(value, np.ndarray):
        return value.dtype == object
    if isinstance(value, numbers.Rational) and not isinstance(value, (int, bool)):
        return True
    if isinstance(value, (list, tuple)):
        return any(_looks_exact(v) for v in value)
    return False


def to_float(arr: np.ndarray) -> np.ndarray:
    return np.asarray(arr, dtype=np.float64) if arr.dtype == object else arr


def show(arr: Any, limit: int = 8) -> str:
    """A short printable form of an array or scalar for error messages."""
    a = np.asarray(arr, dtype=object)
    flat = [str(x) if isinstance(x, Fraction) else f"{float(x):.6g}" for x in a.ravel()[:limit]]
    more = ", …" if a.size > limit else ""
    return "[" + ", ".join(flat) + more + "]" if a.ndim else flat[0]
