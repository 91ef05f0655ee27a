"""The notation wing's errors: one family under :class:`numeric.errors.PGVerifyError`.

Every message names what went wrong and where: ``"<kind>: <what> at line L, column C"``
with ``kind`` one of ``unsupported``, ``malformed``, ``ambiguous``, ``ill-formed``.
"""

from __future__ import annotations

from numeric.errors import PGVerifyError
from pgverify.notation.ast import Pos

__all__ = ["NotationError", "UnsupportedNotation", "MalformedNotation", "AmbiguousNotation", "IllFormedDisplay",
           "ProfileError", "AnnotationError"]


class NotationError(PGVerifyError, ValueError):
    """A display (or a profile, or an annotation) that cannot be read.  ``pos`` is where, when known."""

    kind = "error"

    def __init__(self, what: str, pos: Pos | None = None) -> None:
        self.what = what
        self.pos = pos
        where = f" at {pos}" if pos is not None else ""
        super().__init__(f"{self.kind}: {what}{where}")

    def __reduce__(self) -> tuple[type, tuple[str, Pos | None]]:
        """Pickled from what was read (a display crossing to a worker process keeps its message unchanged)."""
        return type(self), (self.what, self.pos)


class UnsupportedNotation(NotationError):
    """A symbol or construct outside the vocabulary of the active profile: never guessed."""

    kind = "unsupported"


class MalformedNotation(NotationError):
    """Text that is not well-formed LaTeX of the vocabulary (unbalanced, missing argument, …)."""

    kind = "malformed"


class AmbiguousNotation(NotationError):
    """Text with more than one reading: an error, never a silent choice."""

    kind = "ambiguous"


class IllFormedDisplay(NotationError):
    """A parsed display that does not type-check: a free index, sides with different free indices, no relation."""

    kind = "ill-formed"


class ProfileError(NotationError):
    """A profile that does not exist or does not validate."""

    kind = "profile"


class AnnotationError(NotationError):
    """A ``pgverify:`` annotation that cannot be read."""

    kind = "annotation"
