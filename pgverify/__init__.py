"""pgverify: which lines of a policy-gradient derivation are right, which are wrong, and why.

The public surface: the claims catalogue (:func:`claims`), the checker
(:func:`check`), and the exception family shared with :mod:`numeric`; your own
derivations (:func:`derivation`, :func:`verify`, :func:`chain`, :func:`identity`)
and gradient code (:mod:`pgverify.testing`).
"""

__version__ = "0.1.0"

from numeric.errors import InvalidMDPError, InvalidPolicyError, PGVerifyError  # noqa: E402
import pgverify.claims  # noqa: E402,F401  (the catalogue; imported first so that the function below, not the
#                          subpackage, is what ``pgverify.claims`` names)
from pgverify.api import check, claims  # noqa: E402
from pgverify.checker import Settings  # noqa: E402
from pgverify.derivations import Derivation, DerivationError, DerivationResult, derivation, verify  # noqa: E402
from pgverify.statement import chain, identity  # noqa: E402

__all__ = ["check", "claims", "Settings", "PGVerifyError", "InvalidMDPError", "InvalidPolicyError", "__version__",
           "derivation", "Derivation", "DerivationResult", "DerivationError", "verify", "chain", "identity"]
