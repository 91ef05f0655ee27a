"""Every display line of the post, read back: golden renderings, round trips, the ill-formed displays.

The golden file ``golden/post_lines.txt`` holds, for each of the post's 64
display lines, the AST rendered back to LaTeX in the post's profile — what the
reader understood.  Regenerate it after a deliberate change with
``PGVERIFY_UPDATE_GOLDEN=1 python -m pytest tests/notation/test_notation_post.py`` and review the diff.

``NOT_FAITHFUL`` records, from a review of every line against the post, the
lines whose AST does not pin the mathematics down without a further reading
rule; every other line was judged faithful.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pgverify.claims.text import POST as CATALOGUE_POST
from pgverify.notation import parse, read_document, render_latex
from pgverify.notation.latex import parse_row, source

#: The packaged copy of shared/post.md that the catalogue reads (the post cannot be edited; its annotations live
#: in a side file).
POST = CATALOGUE_POST
GOLDEN = Path(__file__).with_name("golden") / "post_lines.txt"

#: Source line → why its AST is not a faithful reading (reviewed by hand; all other lines are faithful).
NOT_FAITHFUL = {
    90: "ℙ_s^π(s_1, a_1, …, a_{T−1}, s_T): the elided sequence is kept as \\ldots (Dots); the evaluator must expand it",
    91: "elided histories (\\ldots) in three joint/conditional probabilities; the second starts its history at a_1",
    92: "elided history (\\ldots) in ℙ_s^π(s_1, a_1, …, s_{T−1})",
    236: "\\argmin names no variable (ω is implicit); ω̂, ω, b_ω are profile symbols with no model meaning",
    387: "π_{t+1}, π_t are policy-iteration rounds; the AST records the round as the policy's parameter",
}

def _golden_text() -> str:
    doc = read_document(POST)
    out = ["# The post's display lines as pgverify.notation reads them (profile post).",
           "# '<line> | <AST rendered back>'; '!' lines are the free-variable analysis' findings.", ""]
    for d in doc.displays:
        ids = ", ".join(d.annotations.ids) or "-"
        out.append(f"## display {d.index + 1} (line {d.line}) [{d.status}] {ids}")
        for ln in d.lines:
            mark = "" if ln.line not in NOT_FAITHFUL else "  % not faithful"
            out.append(f"{ln.line} | {render_latex(ln.row) if ln.row is not None else ln.error}{mark}")
        out.extend(f"! {issue}" for issue in d.issues)
        out.append("")
    return "\n".join(out)


def test_every_display_line_matches_its_golden_rendering():
    text = _golden_text()
    if os.environ.get("PGVERIFY_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_the_post_has_64_display_lines_and_every_one_parses():
    doc = read_document(POST)
    assert len(doc.displays) == 33
    assert len(doc.lines) == 64
    assert [ln.line for ln in doc.lines if ln.row is None] == []
    assert set(NOT_FAITHFUL) <= {ln.line for ln in doc.lines}


def test_every_rendered_line_reads_back_to_the_same_ast():
    doc = read_document(POST)
    for ln in doc.lines:
        again = parse_row(render_latex(ln.row))
        assert again == ln.row, ln.line


def test_every_display_reads_the_same_through_parse():
    doc = read_document(POST)
    for d in doc.displays:
        assert parse(d.latex) == d.chain, d.line


def _issue(doc, claim_id):
    (display,) = doc.by_id(claim_id)
    return display


def test_past_rewards_vanish_is_ill_formed_it_stops_midway():
    d = _issue(read_document(POST), "vpg.past-rewards-vanish")
    assert d.status == "ill-formed"
    assert [str(i) for i in d.issues] == [
        "ill-formed: the display has no relation: it stops after its first side "
        "\\mathbb{E}_{\\tau \\sim \\mathcal{T}_\\theta}\\left[r(s_k, a_k… at line 123, column 1"]


def test_induction_display_is_ill_formed_by_its_free_action_index():
    d = _issue(read_document(POST), "pgt.proof.induction")
    assert d.status == "ill-formed"
    (issue,) = d.issues
    assert str(issue).startswith("ill-formed: free index a on the right side of '=' but not on the other")
    assert (issue.pos.line, issue.pos.column) == (277, 108)  # the a of q_λ^{π_θ}(s, a)
    assert POST.read_text().splitlines()[276][107] == "a"


def test_dpg_first_step_is_ill_formed_by_its_free_state():
    (d,) = read_document(POST).by_id("dpg.proof.first-step")
    (issue,) = d.issues
    assert "free index s on the right side" in str(issue)
    assert issue.pos.line == 366
    assert POST.read_text().splitlines()[365][issue.pos.column - 1] == "s"


def test_annotations_bind_what_the_prose_quantifies():
    doc = read_document(POST)
    (reading,) = doc.by_id("vpg.past-rewards-vanish.reading")
    assert reading.status == "ok" and reading.annotations.quantified == ("k", "t")
    bare = read_document(POST, annotations=None)
    assert bare.displays[reading.index].status == "ill-formed"  # without "for k < t", k and t are unbound
    assert "unbound index k" in str(bare.displays[reading.index].issues[0])


@pytest.mark.parametrize("claim_id", ["vpg.gradient", "pgt.theorem", "vpg.score-mean-zero", "vpg.baseline",
                                      "pgt.proof.value-gradient", "dpg.theorem", "setting.utility"])
def test_displays_the_catalogue_finds_well_formed_are_well_formed(claim_id):
    for d in read_document(POST).by_id(claim_id):
        assert d.status == "ok", (d.line, [str(i) for i in d.issues])


def test_every_node_of_every_line_knows_where_it_is():
    from pgverify.notation import ast as A

    def walk(node):
        yield node
        for child in A.children(node):
            yield from walk(child)

    for d in read_document(POST).displays:
        for node in walk(d.chain):
            assert node.pos is not None, (d.line, node)
            assert d.line <= node.pos.line <= d.lines[-1].line + 2
