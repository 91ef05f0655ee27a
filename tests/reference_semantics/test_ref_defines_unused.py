"""``defines X`` where the display's other relations never write X (Weng's J(θ) := Σ_s d^β(s) … = 𝔼_{s∼d^β}[…]):
the first relation is consumed as the definition and the rest is checked as written — the same verdict as the rest
alone, whatever it says.  A table of rests (expressions over the post's quantities, compared with themselves or with
themselves plus one); the reference is the verdict of the display without its defining relation, read by the same
public call (pgverify.documents.verify_document), and the truth known by construction; a rest that writes X keeps
the definition.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pgverify.documents import verify_document
from pgverify.settings import Settings


def _verdict(tmp: Path, text: str) -> tuple[str, tuple[str, ...]]:
    path = tmp / "d.md"
    path.write_text(text, encoding="utf-8")
    (r,) = verify_document(path, Settings(seed=0)).results
    return r.verdict, tuple(r.restrictions)


#: Rests over the post's quantities (no U); each is compared with itself, or with itself plus one (refuted).
RESTS = [("pi", r"\pi_\theta(a \vert s)"), ("v", "v(s)"), ("q times pi", r"q(s, a) \pi_\theta(a \vert s)"),
         ("d over 2", r"\frac{d(s)}{2}"), ("r plus lambda", r"r(s, a) + \lambda")]


@pytest.mark.parametrize("shift", [False, True])
@pytest.mark.parametrize(("name", "e"), RESTS)
def test_an_unused_defining_relation_leaves_the_rest_as_written(tmp_path, monkeypatch, name, e, shift) -> None:
    """(Not drawn by Hypothesis: the check runs Hypothesis itself, which refuses to nest.)"""
    monkeypatch.setenv("PGVERIFY_CACHE_DIR", str(tmp_path / "cache"))
    rest = rf"\left({e}\right) = \left({e}\right)" + (" + 1" if shift else "")
    got, restrictions = _verdict(tmp_path, f"<!-- pgverify: defines U(\\theta); for all s, a -->\n$$ U(\\theta) := {rest} $$\n")
    want, _ = _verdict(tmp_path, f"<!-- pgverify: for all s, a -->\n$$ {rest} $$\n")
    assert want in ("proved", "verified", "refuted") and got == want, (rest, got, want)
    assert (want == "refuted") == shift, (rest, want)
    assert any("a definition the other relations do not use" in x for x in restrictions), restrictions


def test_a_rest_that_writes_the_name_keeps_the_definition(tmp_path) -> None:
    got, _ = _verdict(tmp_path, "<!-- pgverify: defines U(\\theta) -->\n$$ U(\\theta) := 2 = U(\\theta) $$\n")
    assert got == "proved"
