"""Public names of a package imported on first use (PEP 562), shared by ``numeric``, ``symbolic`` and ``pgverify``.

``lazy_names(__name__, where)`` gives a package a module-level ``__getattr__`` that imports
``where[name]`` the first time ``name`` is read (and binds it, so the next lookup is
direct), and a ``__dir__`` listing those names.  ``shadowed`` names a public
function that shares its name with a submodule (``numeric.model``, ``pgverify.claims``):
the import system's binding of the submodule when it is first loaded is ignored, so
the name stays the function, as when every name was imported eagerly.

>>> import numeric
>>> callable(numeric.model), "model" in dir(numeric)
(True, True)
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import Any

__all__ = ["lazy_names"]


class _Package(ModuleType):
    """A package module whose ``_shadowed`` names are never rebound to a submodule."""

    _shadowed: frozenset[str] = frozenset()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._shadowed and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


def lazy_names(package: str, where: dict[str, str], *, shadowed: tuple[str, ...] = ()) -> None:
    """Import each name of ``where`` from its module when the package ``package`` is first asked for it."""
    module = sys.modules[package]
    namespace = vars(module)

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(where[name]), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *where})

    namespace["__getattr__"], namespace["__dir__"] = __getattr__, __dir__
    if shadowed:
        module.__class__ = type("_Package", (_Package,), {"_shadowed": frozenset(shadowed)})
