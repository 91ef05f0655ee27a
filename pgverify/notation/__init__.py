"""The notation wing: LaTeX / Markdown / Python builder → typed AST (see :mod:`pgverify.notation.ast`)."""

from pgverify.notation import ast  # noqa: F401

__all__ = ["ast"]
