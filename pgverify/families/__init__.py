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

from contextlib import contextmanager
from typing import Iterator

from numeric.errors import PGVerifyError
from pgverify.families import base, continuous, episodic, pair, structured, undiscounted
from pgverify.families.base import GRID, Family

__all__ = ["Family", "FAMILIES", "GRID", "UnknownFamilyError", "InvalidFamilySizeError", "get_family",
           "symbolic_size"]


class UnknownFamilyError(PGVerifyError, KeyError):
    """A family name that no module of :mod:`pgverify.families` defines."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


#: Every family by name: the one registry.
FAMILIES: dict[str, Family] = {f.name: f for module in (base, structured, episodic, continuous, pair, undiscounted)
                               for f in module.FAMILIES}


class InvalidFamilySizeError(PGVerifyError, ValueError):
    """A symbolic family size (``--states/--actions``) that is not allowed."""


#: The tabular families whose symbolic model :func:`symbolic_size` resizes.
_RESIZABLE = {"tabular-softmax": False, "tabular-softmax-mu": True}
_SIZED: dict[str, Family] = {}


@contextmanager
def symbolic_size(states: int, actions: int) -> Iterator[None]:
    """Within the block, ``tabular-softmax(-mu)``'s symbolic model has ``states`` × ``actions`` (default 2 × 2).

    The other methods' models are unchanged.  Limits: :data:`~pgverify.families.base.MAX_SYMBOLIC_STATES`,
    :data:`~pgverify.families.base.MAX_SYMBOLIC_PARAMETERS`.

    >>> with symbolic_size(3, 2):
    ...     get_family("tabular-softmax").symbolic_label
    'tabular-softmax S=3 A=2'
    >>> with symbolic_size(4, 3):
    ...     pass
    Traceback (most recent call last):
    ...
    pgverify.families.InvalidFamilySizeError: a symbolic tabular family with states=4 and actions=3 is too large: ...
    """
    try:
        sized = {name: base.tabular_family(mu, states, actions) for name, mu in _RESIZABLE.items()}
    except ValueError as exc:
        raise InvalidFamilySizeError(str(exc)) from None
    previous = dict(_SIZED)
    _SIZED.update(sized)
    try:
        yield
    finally:
        _SIZED.clear()
        _SIZED.update(previous)


def get_family(name: str) -> Family:
    """The family called ``name``; :class:`UnknownFamilyError` lists the known names."""
    if name in _SIZED:
        return _SIZED[name]
    try:
        return FAMILIES[name]
    except KeyError:
        raise UnknownFamilyError(f"unknown model family {name!r}; known: {sorted(FAMILIES)}") from None
