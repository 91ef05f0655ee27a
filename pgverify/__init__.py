"""pgverify: which lines of a policy-gradient derivation are right, which are wrong, and why.

The public surface: the claims catalogue (:func:`claims`), the checker
(:func:`check`), and the exception family shared with :mod:`numeric`; your own
derivations (:func:`derivation`, :func:`verify`, :func:`chain`, :func:`identity`)
and gradient code (:mod:`pgverify.testing`).

Every name but ``__version__`` and the exceptions is imported on first use (PEP 562): ``pgverify --version``,
``--help`` and the reading of a document do not load the catalogue, SymPy or Hypothesis.
"""

__version__ = "0.1.0"

from numeric._lazy import lazy_names  # noqa: E402
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


lazy_names(__name__, _WHERE, shadowed=("claims",))


def load_ipython_extension(ipython):  # type: ignore[no-untyped-def]
    """``%load_ext pgverify``: the ``%%pgverify`` cell magic (:mod:`pgverify.notebook`; IPython is imported only
    here, never by ``import pgverify``)."""
    from pgverify.notebook import load_ipython_extension as load

    load(ipython)
