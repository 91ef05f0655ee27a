"""The SymPy engine of pgverify: parametric MDP families, universal zero tests and LaTeX.

Note: the import name ``symbolic`` is also used by an unrelated PyPI
distribution; install pgverify in its own virtual environment.
"""

from symbolic.family import SYMBOLIC, TabularSoftmaxFamily, tabular_softmax_family
from symbolic.field import Rat
from symbolic.flint_field import FlintField, Frac
from symbolic.latex import family_latex
from symbolic.zero import is_identically_zero, randomized_zero_test, schwartz_zippel_bound

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
