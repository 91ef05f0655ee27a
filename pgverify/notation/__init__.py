"""The notation wing: LaTeX / Markdown / Python builder → typed AST (see :mod:`pgverify.notation.ast`).

Work in progress on branch ``parse``: ``parse``, ``read_document``, ``render_latex``, ``free_indices`` are stable.
"""

from pgverify.notation import ast
from pgverify.notation.builder import (A, E, G, J, P, R, S, T, U, Normal, Pr, Prod, Sum, Traj, Traj_fn, a, a_at, ap,
                                       argmax, argmin, b, chain, d, evalat, f, frac, grad, ind, k, lam, log, n, pi,
                                       pi_fn, q, r, r_at, s, s0, s_at, sp, t, tau, theta, v, x)
from pgverify.notation.builder import eq, ge, gt, in_, le, lt, sim
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
           "AnnotationError",
           # the Python builder
           "E", "Sum", "Prod", "grad", "log", "pi", "pi_fn", "q", "v", "d", "r", "b", "U", "J", "P", "Pr", "Traj",
           "Traj_fn", "Normal", "R", "G", "f", "lam", "theta", "T", "s0", "s", "a", "sp", "ap", "t", "k", "n", "tau",
           "x", "S", "A", "s_at", "a_at", "r_at", "argmax", "argmin", "evalat", "ind", "frac", "chain", "eq", "lt",
           "le", "gt", "ge", "sim", "in_"]
