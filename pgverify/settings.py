"""How hard to check: :class:`Settings`, the one record every checking entry point takes.

It lives apart from :mod:`pgverify.checker` so that reading a document and answering it from the display-result
cache (:mod:`pgverify.cache`) needs neither the families (SymPy) nor Hypothesis: the checker is imported only when
a display has to be checked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numeric.errors import InvalidArgumentError
from pgverify.registry import METHODS

__all__ = ["Settings", "InvalidSettingsError"]


@dataclass(frozen=True)
class Settings:
    """How hard to check.  Every random choice flows from ``seed``."""

    seed: int = 0
    exact_points: int = 3
    numeric_examples: int = 25
    counterexample_examples: int = 300
    methods: tuple[str, ...] = ("symbolic", "exact", "numeric")
    cache: bool = True
    opt_in: tuple[str, ...] = ()
    #: States × actions of the symbolic tabular-softmax families (``verify --states/--actions``); the other
    #: methods' models and the other families do not change.
    symbolic_size: tuple[int, int] = (2, 2)

    def __post_init__(self) -> None:
        for name, low in (("seed", 0), ("exact_points", 1), ("numeric_examples", 1), ("counterexample_examples", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise InvalidSettingsError(f"Settings.{name} must be an integer >= {low}, got {value!r}")
        if not self.methods or any(m not in METHODS for m in self.methods):
            raise InvalidSettingsError(f"Settings.methods must name some of {METHODS}, got {self.methods!r}")
        size = self.symbolic_size
        if not (isinstance(size, tuple) and len(size) == 2 and all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in size)):
            raise InvalidSettingsError(f"Settings.symbolic_size must be (states, actions), two integers >= 1, "
                                       f"got {size!r}")
        if size != (2, 2):  # the registry's own size needs no check; another loads the families to check it
            from pgverify.families import InvalidFamilySizeError, sized_family
            try:
                sized_family("tabular-softmax", size)
            except InvalidFamilySizeError as exc:
                raise InvalidSettingsError(f"Settings.symbolic_size={size!r}: {exc}") from None


class InvalidSettingsError(InvalidArgumentError):
    """A bad :class:`Settings` value (a negative seed, no exact points, …)."""
