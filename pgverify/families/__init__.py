"""The model families every claim and derivation is evaluated on, in one registry.

A :class:`Family` (see :mod:`pgverify.families.base`) builds a claim's models
for each method: one universal symbolic model, exact models at random grid
points with their degree bounds, and small Hypothesis-drawn examples.

* :mod:`~pgverify.families.base` — the record, and tabular softmax on any MDP
  (``tabular-softmax``, ``tabular-softmax-mu``);
* :mod:`~pgverify.families.structured` — linear softmax, layered (episodic)
  and ergodic structures;
* :mod:`~pgverify.families.episodic` — layered episodic MDPs with trajectory
  enumeration (``episodic-softmax``);
* :mod:`~pgverify.families.continuous` — continuous actions: rational
  kernels, Gaussian policies, the scalar LQR;
* :mod:`~pgverify.families.pair` — two policies π, π' on one MDP
  (``tabular-softmax-pair``, the performance difference lemma);
* :mod:`~pgverify.families.undiscounted` — γ = 1 on episodic MDPs
  (``episodic-softmax-undiscounted``).

>>> get_family("tabular-softmax").symbolic_label
'tabular-softmax S=2 A=2'
>>> get_family("tabular")
Traceback (most recent call last):
...
pgverify.families.UnknownFamilyError: unknown model family 'tabular'; known: ['continuous-rational', ...]
"""

from __future__ import annotations

from numeric.errors import PGVerifyError
from pgverify.families import base, continuous, episodic, pair, structured, undiscounted
from pgverify.families.base import GRID, Family

__all__ = ["Family", "FAMILIES", "GRID", "UnknownFamilyError", "get_family"]


class UnknownFamilyError(PGVerifyError, KeyError):
    """A family name that no module of :mod:`pgverify.families` defines."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


#: Every family by name: the one registry.
FAMILIES: dict[str, Family] = {f.name: f for module in (base, structured, episodic, continuous, pair, undiscounted)
                               for f in module.FAMILIES}


def get_family(name: str) -> Family:
    """The family called ``name``; :class:`UnknownFamilyError` lists the known names."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise UnknownFamilyError(f"unknown model family {name!r}; known: {sorted(FAMILIES)}") from None
