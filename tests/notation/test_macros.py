"""A document's macros: read, expanded with their arguments, and refused with the reason when they cannot be."""

from __future__ import annotations

import pytest

from pgverify.notation import parse
from pgverify.notation.document import read_document
from pgverify.notation.macros import Broken, MacroError, config_macros, expand, read_definitions


# one table of bad inputs: (name, the definitions, the display, words of the reason)
BAD = [
    ("unbalanced braces in the body", r"\newcommand{\E}{\mathbb{E}_{\tau}", r"\E[R] = 1", "unbalanced braces"),
    ("unbalanced braces around the name", r"\newcommand{\E", r"\E = 1", "unbalanced braces around the name"),
    ("missing argument", r"\newcommand{\g}[2]{\nabla_{#1} #2}", r"U(\theta) = \g{\theta}", "argument 2 is missing"),
    ("unbalanced argument", r"\newcommand{\g}[1]{\nabla #1}", r"\g{U(\theta) = 0", "unbalanced braces"),
    ("recursion", r"\newcommand{\loop}{\loop x}", r"\loop = 1", r"macro \loop: more than 500"),
    ("mutual recursion", r"\newcommand{\a}{\b}\newcommand{\b}{\a}", r"\a = 1", "more than 500 expansions"),
    ("growth", r"\newcommand{\d}[1]{#1#1#1#1#1#1#1#1#1#1#1#1#1#1#1#1}", r"\d{\d{\d{xxxxxxxx}}} = 1",
     r"macro \d: the display grows past"),
    ("redefinition of a built-in", r"\renewcommand{\sum}{\prod}", r"\sum_s v(s) = 1", r"redefines \sum"),
    ("redefinition of a Greek letter", r"\def\pi{\theta}", r"\pi(a|s) = 1", r"redefines \pi"),
    ("delimited \\def parameters", r"\def\f(#1){#1^2}", r"\f(x) = x^2", "delimited parameters"),
    ("parameters out of order", r"\def\f#2#1{#1}", r"\f{x}{y} = x", "#1#2… in order"),
    ("a parameter the macro lacks", r"\newcommand{\f}[1]{#2}", r"\f{x} = x", "uses #2, but"),
    ("argument count not a number", r"\newcommand{\f}[two]{#1}", r"\f{x} = x", "is not 0 to 9"),
    ("ten arguments", r"\newcommand{\f}[10]{#1}", r"\f{x} = x", "is not 0 to 9"),
    ("newcommand twice", r"\newcommand{\R}{r}\newcommand{\R}{q}", r"\R = 1", "defines again"),
    ("default without arguments", r"\newcommand{\f}[0][x]{y}", r"\f = y", "does not have"),
    ("no body", r"\newcommand{\f}", r"\f = 1", "no braced body"),
    ("optional argument not closed", r"\newcommand{\f}[1][x]{#1}", r"\f[y = 1", "optional argument [ is not"),
]


@pytest.mark.parametrize("name, defs, display, reason", BAD, ids=[b[0] for b in BAD])
def test_bad_macros_are_refused_with_the_reason(name: str, defs: str, display: str, reason: str) -> None:
    with pytest.raises(MacroError, match=None) as info:
        expand(display, read_definitions(defs))
    assert reason in str(info.value), str(info.value)


def test_bad_macros_in_a_tex_file(tmp_path) -> None:
    """In a document: the display that uses the macro is refused with the same reason; the others are read."""
    for name, defs, display, reason in BAD:
        f = tmp_path / "doc.tex"
        f.write_text(f"{defs}\n\\begin{{equation}}\n{display}\n\\end{{equation}}\n"
                     "\\begin{equation}\nv(s) = v(s)\n\\end{equation}\n")
        doc = read_document(f)
        first, second = doc.displays
        assert first.error is not None and reason in str(first.error), (name, first.error)
        if "around the name" in reason:  # the name is unknown: nothing after it can be read safely
            assert "displays after it are not read" in str(second.error)
        else:
            assert second.status == "ok", (name, second.error)


def test_a_use_is_its_body_with_the_arguments() -> None:
    table = read_definitions(r"\newcommand{\grad}[2][\theta]{\nabla_{#1} #2}\def\U#1{U(#1)}"
                             r"\DeclareMathOperator*{\am}{arg\,max}")
    assert expand(r"\grad{\U\theta}", table) == r"\nabla_{\theta} U(\theta)"
    assert expand(r"\grad[a]{q(s, a)}", table) == r"\nabla_{a} q(s, a)"
    assert expand(r"\am_a q", table) == r"\operatorname{argmax}_a q"
    assert parse(expand(r"\grad{\U{\theta}} = \grad{\U{\theta}}", table)) == \
        parse(r"\nabla_\theta U(\theta) = \nabla_\theta U(\theta)")


def test_renewcommand_replaces_and_providecommand_keeps() -> None:
    t = read_definitions(r"\newcommand{\R}{r}\renewcommand{\R}{q}\providecommand{\R}{v}")
    assert expand(r"\R", t) == "q"
    assert expand(r"\R x", t) == "q x"


def test_a_control_word_body_does_not_swallow_the_next_letter() -> None:
    t = read_definitions(r"\newcommand{\T}{\theta}")
    assert expand(r"\T x", t) == r"\theta x"
    assert expand(r"\T{}x", t) == r"\theta{}x"


def test_mathjax_and_katex_blocks_are_parsed_never_run() -> None:
    v3 = 'MathJax = {tex: {macros: {RR: "\\\\mathbb{R}", f: ["#1^2", 1], g: ["#1_{#2}", 2, "x"]}}}'
    assert {m.name: (m.args, m.body, m.default) for m in config_macros(v3)} == {
        "\\RR": (0, "\\mathbb{R}", None), "\\f": (1, "#1^2", None), "\\g": (2, "#1_{#2}", "x")}
    v2 = "MathJax.Hub.Config({TeX: {Macros: {E: '\\\\mathbb{E}'}}});"
    assert [(m.name, m.body) for m in config_macros(v2)] == [("\\E", "\\mathbb{E}")]
    katex = 'renderMathInElement(document.body, {macros: {"\\\\E": "\\\\mathbb{E}"}});'
    assert [(m.name, m.body) for m in config_macros(katex)] == [("\\E", "\\mathbb{E}")]
    code = 'MathJax = {tex: {macros: {E: window.alert("x")}}}'
    (broken,) = config_macros(code)
    assert isinstance(broken, Broken) and "never run" in broken.reason
    bad = 'MathJax = {tex: {macros: {f: ["#1", "one"]}}}'
    (broken,) = config_macros(bad)
    assert isinstance(broken, Broken) and broken.name == "\\f"


def test_markdown_page_macros(tmp_path) -> None:
    page = tmp_path / "page.md"
    page.write_text('<script>\nMathJax = {tex: {macros: {gradt: "\\\\nabla_\\\\theta"}}};\n</script>\n\n'
                    "$$\\newcommand{\\J}{U(\\theta)}$$\n\n$$ \\gradt \\J = \\gradt U(\\theta) $$\n\n"
                    "$$ \\underE{\\tau\\sim\\mathcal{T}_\\theta}{R_\\tau} = \\J $$\n")
    doc = read_document(page)
    assert [d.status for d in doc.displays] == ["ok", "ok"]  # the block of definitions is not a display
    assert doc.displays[1].chain == parse(r"\mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[R_\tau\right] = U(\theta)")


def test_a_definition_applies_from_where_it_is_written(tmp_path) -> None:
    f = tmp_path / "d.tex"
    f.write_text("\\begin{equation}\n\\V = v(s)\n\\end{equation}\n\\newcommand{\\V}{v(s)}\n"
                 "\\begin{equation}\n\\V = v(s)\n\\end{equation}\n")
    first, second = read_document(f).displays
    assert first.status == "unsupported" and "\\V" in str(first.error)
    assert second.status == "ok"


def test_an_unreadable_definition_without_a_name_refuses_what_follows(tmp_path) -> None:
    f = tmp_path / "d.tex"
    f.write_text("\\begin{equation}\nv(s) = v(s)\n\\end{equation}\n\\newcommand{3}{x}\n"
                 "\\begin{equation}\nv(s) = v(s)\n\\end{equation}\n")
    first, second = read_document(f).displays
    assert first.status == "ok"
    assert second.error is not None and "is not a macro name" in str(second.error)


def test_a_broken_definition_inside_a_display_refuses_it(tmp_path) -> None:
    page = tmp_path / "page.md"
    page.write_text("$$\\newcommand{\\E}{\\mathbb{E}_{\\tau}$$\n\n$$ v(s) = v(s) $$\n")
    first, second = read_document(page).displays
    assert first.error is not None and "unbalanced braces" in str(first.error)
    assert second.status == "ok"


def test_a_configuration_may_not_redefine_what_the_reader_knows() -> None:
    (broken,) = config_macros('MathJax = {tex: {macros: {gt: "\\\\nabla"}}}')
    assert isinstance(broken, Broken) and "redefines \\gt" in broken.reason
    with pytest.raises(MacroError, match="redefines"):
        expand("a \\gt b", {broken.name: broken})


def test_a_definition_that_keeps_a_builtin_meaning_is_harmless() -> None:
    t = read_definitions(r"\DeclareMathOperator*{\argmax}{arg\,max}\providecommand{\sum}{\prod}")
    assert t == {}
    assert expand(r"\argmax_a q(s, a) + \sum_a 1", t) == r"\argmax_a q(s, a) + \sum_a 1"
    (broken,) = read_definitions(r"\DeclareMathOperator{\argmax}{argsup}").values()
    assert isinstance(broken, Broken) and "redefines" in broken.reason


def test_an_unreadable_definition_is_reported_even_unused(tmp_path) -> None:
    from pgverify.checker import Settings
    from pgverify.documents import table, to_json, verify_document

    f = tmp_path / "d.tex"
    f.write_text("\\newcommand{\\f}[1]{#2}\n\\begin{equation}\nv(s) = v(s)\n\\end{equation}\n")
    doc = read_document(f)
    assert doc.displays[0].status == "ok"
    assert doc.notes == ("macro \\f (line 1): its definition cannot be read (the body of \\f uses #2, but \\f has 1 "
                         "argument); a display that uses it is refused",)
    run = verify_document(f, Settings(cache=False))
    assert to_json(run)["notes"] == list(doc.notes) and "note: macro \\f (line 1)" in table(run)


def test_a_starred_operator_reads_as_the_operator() -> None:
    """\\DeclareMathOperator*{\\am}{arg\\,max} gives \\operatorname{argmax}; \\operatorname* is read alike."""
    assert parse(r"\operatorname*{arg\,max}_a q(s, a) = \arg\max_a q(s, a)") == \
        parse(r"\arg\max_a q(s, a) = \arg\max_a q(s, a)")
