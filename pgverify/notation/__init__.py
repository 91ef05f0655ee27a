"""The notation wing: derivations as written — LaTeX, Markdown or Python — read into a typed AST.

Reading (this package's front half; evaluation onto models lives in :mod:`pgverify.notation.evaluate`):

``parse(text, *, profile="post") -> ast.Chain``
    One display (one line, or the rows of ``aligned``/``align``/``split``/``equation``, starred or not).
``parse_expression(text, *, profile="post") -> ast.Expr``, ``parse_row(text, profile) -> ast.Row``
    One expression (no relation); one row of a display.
``read_document(path_or_text, *, kind=None, profile=None, escapes="auto", annotations="auto") -> Document``
    Every display of a Markdown (``$$…$$``, Hugo escaping and shortcodes) or LaTeX file, or a plain string:
    ``Document.displays`` → :class:`Display` (``line``, ``raw``, ``latex``, ``profile``, ``annotations``,
    ``lines`` — one :class:`DisplayLine` per row with its parsed ``row`` or its ``error`` —, ``chain`` when
    every row parsed, ``issues`` from the free-variable analysis, ``status`` ∈ ok / ill-formed / unsupported /
    malformed / ambiguous, ``to_dict()`` for JSON); ``Document.by_id(claim_id)``; ``Document.lines``.
``render_latex(node, *, profile="post") -> str``
    The AST back in canonical LaTeX (what was understood); ``parse(render_latex(x)) == x``.
``free_indices(node) -> {name: Pos}``, ``check_chain(chain, *, quantified, substituted, defines)``
    Free variables, and the ill-formedness findings of a display.
``Profile``, ``load_profile(name_or_path)``
    A source's conventions as data (``profiles/post.toml`` — the default — and ``profiles/textbook.toml``).
``Annotations``, ``parse_annotation(text)``
    What the prose says (quantifiers, conditions, horizons, inline definitions, catalogue ids); the post's own
    live in the side file ``annotations/post.toml``.
The builder
    ``E, Sum, Prod, grad, log, pi, q, v, d, r, b, U, J, P, Pr, Traj, R, G, lam, theta, s, a, t, …``: the same
    AST from Python, e.g. ``grad(theta, U()) `` and ``E(tau, Traj_fn())[R() * grad(theta, log(Traj()))]``.
Errors
    One family under :class:`numeric.errors.PGVerifyError`: :class:`NotationError` (also a ``ValueError``) with
    :class:`UnsupportedNotation`, :class:`MalformedNotation`, :class:`AmbiguousNotation`,
    :class:`IllFormedDisplay`, :class:`ProfileError`, :class:`AnnotationError`; messages read
    ``"<kind>: <what> at line L, column C"``.

The AST node types are documented in :mod:`pgverify.notation.ast`.
"""

from pgverify.notation import ast
from pgverify.notation.builder import (A, E, G, J, P, R, S, T, U, Normal, Pr, Prod, Sum, Traj, Traj_fn, a, a_at, ap,
                                       argmax, argmin, b, chain, d, evalat, f, frac, grad, ind, k, lam, log, n, pi,
                                       pi_fn, q, r, r_at, s, s0, s_at, sp, t, tau, theta, v, x)
from pgverify.notation.builder import blank, dots, eq, ge, gt, in_, le, lt, sim
from pgverify.notation.annotations import Annotations, parse_annotation
from pgverify.notation.document import Display, DisplayLine, Document, read_document
from pgverify.notation.errors import (AmbiguousNotation, AnnotationError, IllFormedDisplay, MalformedNotation,
                                      NotationError, ProfileError, UnsupportedNotation)
from pgverify.notation.latex import parse, parse_expression, parse_row
from pgverify.notation.profiles import Profile, load_profile
from pgverify.notation.render import render_latex
from pgverify.notation.scope import check_chain, free_indices

__all__ = ["ast", "parse", "parse_expression", "parse_row", "read_document", "render_latex", "free_indices", "check_chain", "Document", "Display",
           "DisplayLine", "Annotations", "parse_annotation", "Profile", "load_profile", "NotationError",
           "UnsupportedNotation", "MalformedNotation", "AmbiguousNotation", "IllFormedDisplay", "ProfileError",
           "AnnotationError",
           # the Python builder
           "E", "Sum", "Prod", "grad", "log", "pi", "pi_fn", "q", "v", "d", "r", "b", "U", "J", "P", "Pr", "Traj",
           "Traj_fn", "Normal", "R", "G", "f", "lam", "theta", "T", "s0", "s", "a", "sp", "ap", "t", "k", "n", "tau",
           "x", "S", "A", "s_at", "a_at", "r_at", "argmax", "argmin", "evalat", "ind", "frac", "chain", "eq", "lt",
           "le", "gt", "ge", "sim", "in_", "blank", "dots"]
