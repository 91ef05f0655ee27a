"""The claim registry: every statement of the post, under its catalogue id."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any, Callable

from numeric.errors import PGVerifyError
from numeric.model import Model
from pgverify.statement import Chain

__all__ = ["Claim", "claim", "all_claims", "select", "opt_in_names", "check_opt_in", "UnknownClaimError", "METHODS",
           "SLOW_METHODS_OPT_IN", "POST_TEXT"]

#: The methods a claim can be checked by, strongest first.
METHODS = ("symbolic", "exact", "numeric")

#: The ``--opt-in`` name that also runs every claim's ``slow_methods``.
SLOW_METHODS_OPT_IN = "slow-methods"


#: ``statement=POST_TEXT``: the claim is stated by the post's display annotated with its id (:mod:`pgverify.claims.text`).
POST_TEXT = "<the post's display annotated with this id>"


class UnknownClaimError(PGVerifyError, ValueError):
    """A ``--claims`` pattern matched no claim id."""


@dataclass(frozen=True)
class Claim:
    """One statement of the post: its id, where it is, how it reads, how it evaluates.

    ``evaluate(model)`` returns a :class:`~pgverify.statement.Chain`.
    ``families`` names the model families it applies to; ``methods`` the
    methods that apply (an inequality is never proved symbolically).
    ``corrects`` is the id of the statement this one repairs or reads, and
    ``note`` says what was repaired and why.  ``census(seed)``, when given,
    evaluates the claim on many seeded random models and returns a details dict
    with at least ``family``, ``drawn`` and ``held_on`` (how many it held on).
    ``opt_in`` lists checks too costly for the default run as ``(name, what,
    run)``: ``run()`` returns a :class:`~pgverify.checker.Check` and runs only
    when ``name`` is in ``Settings.opt_in`` (``pgverify check --opt-in name``).
    ``slow_methods`` apply but are too slow for the default run; they run with
    ``--opt-in`` :data:`SLOW_METHODS_OPT_IN`.  ``proofs`` are dedicated
    universal proofs run by default with the symbolic method, as ``(what, run)``.
    """

    id: str
    section: str
    statement: str
    evaluate: Callable[[Model], Chain]
    families: tuple[str, ...] = ("tabular-softmax",)
    methods: tuple[str, ...] = METHODS
    corrects: str | None = None
    note: str = ""
    census: Callable[[int], dict[str, Any]] | None = None
    opt_in: tuple[tuple[str, str, Callable[[], Any]], ...] = ()
    slow_methods: tuple[str, ...] = ()
    proofs: tuple[tuple[str, Callable[[], Any]], ...] = ()


_REGISTRY: dict[str, Claim] = {}


def claim(id: str, *, section: str, statement: str, families: tuple[str, ...] = ("tabular-softmax",),
          methods: tuple[str, ...] = METHODS, corrects: str | None = None,
          note: str = "", census: Callable[[int], dict[str, Any]] | None = None,
          opt_in: tuple[tuple[str, str, Callable[[], Any]], ...] = (),
          slow_methods: tuple[str, ...] = (),
          proofs: tuple[tuple[str, Callable[[], Any]], ...] = ()) -> Callable[[Callable[[Model], Chain]], Callable[[Model], Chain]]:
    """Register ``fn(model) -> Chain`` as the claim ``id``."""

    def register(fn: Callable[[Model], Chain]) -> Callable[[Model], Chain]:
        if id in _REGISTRY:
            raise ValueError(f"claim id {id!r} is registered twice")
        unknown = [m for m in (*methods, *slow_methods) if m not in METHODS]
        if unknown:
            raise ValueError(f"claim {id!r}: unknown method {unknown[0]!r}; expected one of {METHODS}")
        _REGISTRY[id] = Claim(id, section, statement, fn, tuple(families), tuple(methods), corrects, note,
                                 census, tuple(opt_in), tuple(slow_methods), tuple(proofs))
        return fn

    return register


def all_claims() -> list[Claim]:
    """Every registered claim, in catalogue order."""
    import pgverify.claims  # noqa: F401  (registers the catalogue)

    if any(c.statement is POST_TEXT for c in _REGISTRY.values()):
        from dataclasses import replace

        from pgverify.claims.text import post_statements

        texts = post_statements()
        for cid, c in list(_REGISTRY.items()):
            if c.statement is POST_TEXT:
                if cid not in texts:
                    raise ValueError(f"claim {cid!r} is stated by the post's text, but no display of the post is "
                                     "annotated with its id")
                _REGISTRY[cid] = replace(c, statement=texts[cid])
    return list(_REGISTRY.values())


def select(patterns: list[str] | None) -> list[Claim]:
    """The claims whose id matches any shell-style pattern (``pgt.*``), in catalogue order."""
    claims = all_claims()
    if not patterns:
        return claims
    for p in patterns:
        if not any(fnmatch.fnmatchcase(c.id, p) for c in claims):
            raise UnknownClaimError(f"--claims {p!r} matches no claim id; `pgverify list` shows the ids")
    return [c for c in claims if any(fnmatch.fnmatchcase(c.id, p) for p in patterns)]


def opt_in_names() -> list[str]:
    """Every name ``--opt-in`` accepts: :data:`SLOW_METHODS_OPT_IN` and each claim's costly checks."""
    return [SLOW_METHODS_OPT_IN, *dict.fromkeys(name for c in all_claims() for name, _, _ in c.opt_in)]


def check_opt_in(names: tuple[str, ...] | list[str]) -> None:
    """Raise :class:`UnknownClaimError` naming the first opt-in name that no check answers to."""
    known = opt_in_names()
    for name in names:
        if name not in known:
            raise UnknownClaimError(f"--opt-in {name!r} is not a costly check; expected one of {', '.join(known)}")
