"""The catalogue's statements, read from the post's own text (one copy).

``post.md`` beside this module is the post ("A Tale of Policy Gradients", as in
``shared/post.md``).  A catalogue claim registered with
``statement=POST_TEXT`` (:data:`pgverify.registry.POST_TEXT`) is stated by the
display(s) of the post annotated with its id (the side file of
:mod:`pgverify.notation.annotations`), in the order they appear: the LaTeX a
reader of the post sees, escapes undone.  The text, its reading and its verdict
are then found by following one path: ``post.md`` → the display → its AST →
the claim → its verdict.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

__all__ = ["POST", "post_statements", "JOIN"]

#: The post, as the catalogue reads it.
POST = Path(__file__).with_name("post.md")

#: Between two displays that state one claim together.
JOIN = r" \qquad "


@lru_cache(maxsize=1)
def post_statements() -> dict[str, str]:
    """Catalogue id → the LaTeX of the post's display(s) annotated with it."""
    from pgverify.notation.document import read_document

    out: dict[str, list[str]] = {}
    for d in read_document(POST).displays:
        if d.annotations is not None and d.annotations.id:
            out.setdefault(d.annotations.id, []).append(" ".join(d.latex.split()))
    return {k: JOIN.join(v) for k, v in out.items()}
