"""pgverify: which lines of a policy-gradient derivation are right, which are wrong, and why.

The public surface: the claims catalogue (:func:`claims`), the checker
(:func:`check`), and the exception family shared with :mod:`numeric`; your own
derivations (:func:`derivation`, :func:`verify`, :func:`chain`, :func:`identity`)
and gradient code (:mod:`pgverify.testing`).

Every name but ``__version__`` and the exceptions is imported on first use (PEP 562): ``pgverify --version``,
``--help`` and the reading of a document do not load the catalogue, SymPy or Hypothesis.
"""

import sys
from importlib import import_module
from types import ModuleType
from typing import Any

__version__ = "0.1.0"

from numeric.errors import InvalidMDPError, InvalidPolicyError, PGVerifyError  # noqa: E402

__all__ = ["check", "claims", "Settings", "PGVerifyError", "InvalidMDPError", "InvalidPolicyError", "__version__",
           "derivation", "Derivation", "DerivationResult", "DerivationError", "verify", "chain", "identity"]

#: Where each lazily imported public name lives.
_WHERE = {
    **dict.fromkeys(("check", "claims"), "pgverify.api"),
    "Settings": "pgverify.checker",
    **dict.fromkeys(("Derivation", "DerivationError", "DerivationResult", "derivation", "verify"),
                    "pgverify.derivations"),
    **dict.fromkeys(("chain", "identity"), "pgverify.statement"),
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (then bound here: the next lookup is direct)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'pgverify' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


class _Package(ModuleType):
    """The package, whose public ``claims`` (the catalogue function of :mod:`pgverify.api`) shares its name with the
    subpackage :mod:`pgverify.claims`: the import system's binding of the subpackage, when it is first loaded, is
    ignored, so that ``pgverify.claims`` stays the function, as when every name was imported eagerly."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "claims" and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
