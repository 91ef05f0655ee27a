"""The notation wing: LaTeX / Markdown / Python builder → typed AST (see :mod:`pgverify.notation.ast`).

Work in progress on branch ``parse``: ``parse``, ``read_document``, ``render_latex``, ``free_indices`` are stable.
"""

from pgverify.notation import ast
from pgverify.notation.annotations import Annotations, parse_annotation
from pgverify.notation.document import Display, DisplayLine, Document, read_document
from pgverify.notation.errors import (AmbiguousNotation, AnnotationError, IllFormedDisplay, MalformedNotation,
                                      NotationError, ProfileError, UnsupportedNotation)
from pgverify.notation.latex import parse_display as parse
from pgverify.notation.profiles import Profile, load_profile
from pgverify.notation.render import render_latex
from pgverify.notation.scope import check_chain, free_indices

__all__ = ["ast", "parse", "read_document", "render_latex", "free_indices", "check_chain", "Document", "Display",
           "DisplayLine", "Annotations", "parse_annotation", "Profile", "load_profile", "NotationError",
           "UnsupportedNotation", "MalformedNotation", "AmbiguousNotation", "IllFormedDisplay", "ProfileError",
           "AnnotationError"]
