"""The claims catalogue, one module per section of the post (ids as in ``shared/claims.md``).

Importing registers the claims; the import order is the catalogue order.
"""

from pgverify.claims import setting, optimal, vpg, pgt, dpg  # noqa: F401
