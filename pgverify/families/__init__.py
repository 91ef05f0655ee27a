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

from functools import lru_cache

from numeric.errors import PGVerifyError
from pgverify.families import base, continuous, episodic, pair, structured, undiscounted
from pgverify.families.base import GRID, Family

__all__ = ["Family", "FAMILIES", "GRID", "UnknownFamilyError", "InvalidFamilySizeError", "get_family",
           "sized_family"]


class UnknownFamilyError(PGVerifyError, KeyError):
    """A family name that no module of :mod:`pgverify.families` defines."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


#: Every family by name: the one registry.
FAMILIES: dict[str, Family] = {f.name: f for module in (base, structured, episodic, continuous, pair, undiscounted)
                               for f in module.FAMILIES}


class InvalidFamilySizeError(PGVerifyError, ValueError):
    """A symbolic family size (``--states/--actions``) that is not allowed."""


#: The tabular families whose symbolic model :func:`sized_family` resizes (value: with an initial distribution μ).
_RESIZABLE = {"tabular-softmax": False, "tabular-softmax-mu": True}


@lru_cache(maxsize=None)
def _resized(name: str, states: int, actions: int) -> Family:
    try:
        return base.tabular_family(_RESIZABLE[name], states, actions)
    except ValueError as exc:
        raise InvalidFamilySizeError(str(exc)) from None


def sized_family(name: str, symbolic_size: tuple[int, int] = (2, 2)) -> Family:
    """The family called ``name``, with a ``states`` × ``actions`` symbolic model when it is tabular-softmax(-mu).

    ``symbolic_size`` is ``(states, actions)`` (default 2 × 2, the registry's); the other methods' models and
    the other families do not change.  Limits: :data:`~pgverify.families.base.MAX_SYMBOLIC_STATES`,
    :data:`~pgverify.families.base.MAX_SYMBOLIC_PARAMETERS`.

    >>> sized_family("tabular-softmax", (3, 2)).symbolic_label
    'tabular-softmax S=3 A=2'
    >>> sized_family("episodic-softmax", (3, 2)) is get_family("episodic-softmax")
    True
    >>> sized_family("tabular-softmax", (4, 3))
    Traceback (most recent call last):
    ...
    pgverify.families.InvalidFamilySizeError: a symbolic tabular family with states=4 and actions=3 is too large: ...
    """
    states, actions = symbolic_size
    if name in _RESIZABLE and (states, actions) != (2, 2):
        return _resized(name, states, actions)
    return get_family(name)


def get_family(name: str) -> Family:
    """The family called ``name``; :class:`UnknownFamilyError` lists the known names."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise UnknownFamilyError(f"unknown model family {name!r}; known: {sorted(FAMILIES)}") from None
