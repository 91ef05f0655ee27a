"""The notation wing: LaTeX / Markdown / Python builder → typed AST (see :mod:`pgverify.notation.ast`).

Work in progress on branch ``parse``: ``parse(text, profile=…)`` and ``render_latex(node)`` are stable.
"""

from pgverify.notation import ast
from pgverify.notation.errors import (AmbiguousNotation, IllFormedDisplay, MalformedNotation, NotationError,
                                      UnsupportedNotation)
from pgverify.notation.latex import parse_display as parse
from pgverify.notation.profiles import Profile, load_profile
from pgverify.notation.render import render_latex

__all__ = ["ast", "parse", "render_latex", "Profile", "load_profile", "NotationError", "UnsupportedNotation",
           "MalformedNotation", "AmbiguousNotation", "IllFormedDisplay"]
