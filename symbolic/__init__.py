"""The SymPy engine of pgverify: parametric MDP families, universal zero tests and LaTeX.

Note: the import name ``symbolic`` is also used by an unrelated PyPI
distribution; install pgverify in its own virtual environment.
"""

from numeric._lazy import lazy_names

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


lazy_names(__name__, _WHERE)
