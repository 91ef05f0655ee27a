"""The SymPy engine of pgverify: parametric MDP families, universal zero tests and LaTeX.

Note: the import name ``symbolic`` is also used by an unrelated PyPI
distribution; install pgverify in its own virtual environment.
"""

from importlib import import_module
from typing import Any

__all__ = [
    "SYMBOLIC",
    "Rat",
    "FlintField",
    "Frac",
    "TabularSoftmaxFamily",
    "tabular_softmax_family",
    "family_latex",
    "is_identically_zero",
    "randomized_zero_test",
    "schwartz_zippel_bound",
]

#: Where each public name lives: imported on first use (PEP 562), so that importing one engine module does not
#: load SymPy and python-flint for the others.
_WHERE = {
    **dict.fromkeys(("SYMBOLIC", "TabularSoftmaxFamily", "tabular_softmax_family"), "symbolic.family"),
    "Rat": "symbolic.field",
    **dict.fromkeys(("FlintField", "Frac"), "symbolic.flint_field"),
    "family_latex": "symbolic.latex",
    **dict.fromkeys(("is_identically_zero", "randomized_zero_test", "schwartz_zippel_bound"), "symbolic.zero"),
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (then bound here: the next lookup is direct)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'symbolic' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
