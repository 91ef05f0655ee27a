"""The claims catalogue, one module per section of the post (ids as in ``shared/claims.md``)."""

from pgverify.claims import setting, pgt  # noqa: F401  (importing registers the claims)
from pgverify.claims import dpg  # noqa: F401,E402  (deterministic policy gradients)
