"""Margins of aligned derivations and the author's own names: read, consumed, or refused with the reason."""

from __future__ import annotations

import pytest

from pgverify.notation import parse
from pgverify.notation.document import read_document
from pgverify.notation.errors import MalformedNotation, UnsupportedNotation
from pgverify.notation.names import author_name_of
from pgverify.notation.profiles import load_profile
from pgverify.notation.render import render_latex


def test_the_justification_column_labels_the_last_step() -> None:
    chain = parse(r"\begin{aligned} v(s) &= v(s) + 0 && \text{add nothing} \\ &\overset{(a)}{=} v(s) "
                  r"& \text{Bellman} \end{aligned}")
    assert [s.label for _, s in chain.steps()] == ["add nothing", "(a) Bellman"]
    # several \text groups and parentheses make one label; \eqref inside the margin is dropped
    chain = parse(r"\begin{aligned} v(s) &= v(s) && (\text{by} \ \text{linearity} \eqref{eq:1}) \end{aligned}")
    assert chain.rows[0].steps[0].label == "by linearity"


def test_an_alignment_ampersand_is_not_a_margin() -> None:
    chain = parse(r"\begin{aligned} v(s) &= v(s) \end{aligned}")
    assert chain.rows[0].steps[0].label is None


@pytest.mark.parametrize("words", ["if terminal", "otherwise", "for all states", "when t < T", "where t > 1",
                                   "unless s is terminal", "else",
                                   "assuming $\\lambda < 1$", "given s_t", "at t = T", "in the limit"])
def test_a_condition_in_the_margin_is_refused(words: str) -> None:
    with pytest.raises(UnsupportedNotation, match="a condition in the margin"):
        parse(rf"\begin{{aligned}} v(s) &= 0 && \text{{{words}}} \end{{aligned}}")


def test_math_in_the_margin_is_not_a_label() -> None:
    with pytest.raises(UnsupportedNotation, match=r"\\text"):
        parse(r"\begin{aligned} v(s) &= 0 && \text{if } s = s^0 \end{aligned}")


def test_cancel_adds_the_check_of_its_term() -> None:
    chain = parse(r"v(s) + \cancel{q(s, a) - q(s, a)} = v(s)")
    assert len(chain.rows) == 2 and chain.rows[1].steps[0].label == "(cancelled term, line 1)"
    assert parse(r"v(s) = v(s)").rows[0].lhs == chain.rows[0].steps[0].rhs
    with pytest.raises(UnsupportedNotation, match="cancelto"):
        parse(r"v(s) + \cancelto{0}{x} = v(s)")
    with pytest.raises(MalformedNotation, match="unbalanced"):
        parse(r"v(s) + \cancel{q(s, a) = v(s)")


def test_typesetting_is_ignored() -> None:
    plain = parse(r"v(s) = 2 v(s)")
    for text in (r"\boxed{v(s) = 2 v(s)}", r"{\color{red} v(s)} = 2 v(s) \tag{4}", r"v(s) = 2 v(s) \qquad\blacksquare",
                 r"\therefore v(s) = \textcolor{red}{2 v(s)} \label{x}", r"v(s) = 2 v(s) \nonumber \Box"):
        from pgverify.notation.render import render_latex
        assert render_latex(parse(text)) == render_latex(plain), text


def test_definition_relations() -> None:
    for rel in (r":=", r"\coloneqq", r"\doteq", r"\triangleq", r"\stackrel{\text{def}}{=}", r"\overset{\mathrm{def}}{=}",
                "≔", "≐"):
        assert parse(rf"U(\theta) {rel} U(\theta)").rows[0].steps[0].rel == "def", rel


def test_only_names_the_profile_does_not_know_are_the_authors() -> None:
    post = load_profile("post")
    assert author_name_of(r"\hat{R}_t", post) == r"\hat{R}"
    assert author_name_of(r"\widehat{A}_t", post) == r"\hat{A}"
    assert author_name_of(r"\tilde\pi(a|s)", post) == r"\tilde{\pi}"
    assert author_name_of(r"g^\gamma", post) == r"g^\gamma"
    assert author_name_of(r"g^{\gamma}", post) == r"g^\gamma"
    assert author_name_of(r"\Phi_t", post) == r"\Phi"
    for known in (r"b(s_t)", r"v(s)", r"\hat{g}", r"U(\theta)", r"\eta(s)"):
        assert author_name_of(known, post) is None, known


def test_a_known_name_defined_with_colon_equals_stays_a_claim() -> None:
    (d,) = read_document(r"$$ U(\theta) := 2 U(\theta) $$", kind="md").displays
    assert d.status == "ok" and d.chain.rows[0].steps[0].rel == "def"  # checked as written (and refuted)


def test_the_definition_and_its_uses() -> None:
    doc = read_document("$$ \\Phi_t \\triangleq r(s_t, a_t) $$\n\n$$ \\Phi_t := 2 $$\n\n"
                        "<!-- pgverify: for any t -->\n$$ \\Phi_t + \\Phi_t = 2 r(s_t, a_t) $$\n", kind="md")
    first, second, third = doc.displays
    assert first.status == "definition" and "not a claim" in str(first.error)
    assert second.status == "definition"  # a later definition replaces the earlier one after it
    assert [r.steps[0].rhs for r in third.annotations.definitions] == [parse("2 = 2").rows[0].lhs]


def test_a_use_before_the_definition_names_its_line() -> None:
    doc = read_document("<!-- pgverify: for any t -->\n$$ \\hat{R}_t = 1 $$\n\n$$ \\hat{R}_t := 1 $$\n", kind="md")
    assert r"\hat{R} is used before its definition (line 4)" in str(doc.displays[0].error)


def test_a_display_that_defines_then_claims() -> None:
    doc = read_document("<!-- pgverify: for any t -->\n"
                        "$$ \\begin{aligned} \\hat{A}_t &:= r(s_t, a_t) - v(s_t) \\\\ &= r(s_t, a_t) - v(s_t) + 0 "
                        "\\end{aligned} $$\n", kind="md")
    (d,) = doc.displays
    assert d.status == "ok" and len(d.annotations.definitions) == 0  # the rest no longer mentions Â_t
    assert d.chain.rows[0].lhs is not None and d.chain.rows[0].steps[0].rel == "="


def test_a_primed_time_index_is_a_time_index() -> None:
    chain = parse(r"\sum_{t'=1}^{T} r_{t'} = \sum_{t=1}^{T} r_t")
    assert chain.rows[0].lhs.indices[0].sort == "time"
    with pytest.raises(UnsupportedNotation, match="a prime on"):
        parse(r"\lambda' = 1")


def test_the_baseline_is_defined_by_a_colon_equals_row() -> None:
    """b(s), "any function of s" before, is v(s) in the displays after `b(s) := v(s)`."""
    doc = read_document("<!-- pgverify: for any s -->\n$$ \\sum_a \\pi_\\theta(a|s) b(s) = b(s) $$\n\n"
                        "$$ b(s) := v(s) $$\n\n<!-- pgverify: for any s -->\n"
                        "$$ \\sum_a \\pi_\\theta(a|s) (q(s,a) - b(s)) = 0 $$\n", kind="md")
    before, definition, after = doc.displays
    assert before.status == "ok" and before.annotations.definitions == ()
    assert definition.status == "definition"
    assert [render_latex(r) for r in after.annotations.definitions] == ["b(s) := v(s)"]


def test_the_same_term_cancelled_on_both_sides() -> None:
    """a + \\cancel{b} = c + \\cancel{b} takes b from both sides: the check is that the difference is unchanged."""
    chain = parse(r"v(s) + \cancel{q(s, a)} = v(s) + \cancel{q(s, a)}")
    check = chain.rows[1]
    assert render_latex(check) == (r"v(s) + q(s, a) - \left(v(s) + q(s, a)\right) \overset{\text{(cancelled term, "
                                   r"line 1)}}{=} v(s) + 0 q(s, a) - \left(v(s) + 0 q(s, a)\right)")
    with pytest.raises(UnsupportedNotation, match="several sides of a chain"):
        parse(r"\cancel{v(s)} = \cancel{v(s)} = \cancel{v(s)}")
