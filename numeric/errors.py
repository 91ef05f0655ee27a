"""The one exception family of pgverify.

Every error raised on user input is a :class:`PGVerifyError`; the ones about
bad arguments are also :class:`ValueError` so that ordinary ``except
ValueError`` code keeps working.
"""

__all__ = ["PGVerifyError", "InvalidMDPError", "InvalidPolicyError", "InvalidArgumentError", "InexactOperandError"]


class PGVerifyError(Exception):
    """Base class of every error pgverify raises on purpose."""


class InvalidMDPError(PGVerifyError, ValueError):
    """An MDP argument (``P``, ``r``, ``discount``, ``initial``, …) is not valid."""


class InvalidPolicyError(PGVerifyError, ValueError):
    """A policy argument (``theta``, ``weights``, ``features``, …) is not valid."""


class InvalidArgumentError(PGVerifyError, ValueError):
    """Any other argument (a horizon, a sample size, a random generator, …) is not valid."""


class InexactOperandError(PGVerifyError, TypeError):
    """A float met exact arithmetic (rationals or rational functions): the exact method cannot decide.

    An exact value is never combined with, or compared to, a rounded one; the
    checker reports the method as unable to decide, never as a refutation.
    """
