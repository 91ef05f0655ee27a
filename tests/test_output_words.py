"""Plain words, the annotated page's parts and the report's tables, read against the data they come from.

A refuted display's summary names its failing step and one entry whose two sides differ, with both values: each
is read back from the sentence and compared with the counterexample.  The page's prose is rendered (front matter,
shortcodes, links, inline math), its aligned displays have one ``mtr`` per row, its counterexample tables mark
exactly the entries where the two sides differ; the report opens with the verdicts by section.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest

from pgverify.checker import Settings
from pgverify.documents import DisplayResult, DocumentRun, StepVerdict, to_json, table, verify_document
from pgverify.output import tex
from pgverify.output.page import render_display, render_page
from pgverify.output.words import ce_tables, dropped, summary
from pgverify.verdicts import ClaimResult, Counterexample

QUICK = Settings(numeric_examples=10, exact_points=2, counterexample_examples=100)

#: A document written for Hugo (the post's profile): Markdown escapes inside the math (``\\;``, ``\\\`` at a
#: row's end), a TOML front matter, a shortcode box, a shortcode that cannot be rendered, a link and an image.
SLIPS = r"""+++
title = "Slips"
author = "A. Student"
+++

# Two slips and a [link](https://example.org/pg)

The theorem with its normalisation dropped, inline math $U(\theta)$ and _emphasis_:

$$
\begin{aligned}
\nabla_\theta U(\theta) &= (1-\lambda)^{-1}\sum_{s\in\mathcal{S}} d_\lambda^{\pi_\theta}(s) \sum_{a\in\mathcal{A}} q_\lambda^{\pi_\theta}(s, a) \nabla_\theta \pi_\theta(a\vert s)\\; ,\\\
&= \sum_{s\in\mathcal{S}} d_\lambda^{\pi_\theta}(s) \sum_{a\in\mathcal{A}} q_\lambda^{\pi_\theta}(s, a) \nabla_\theta \pi_\theta(a\vert s)\\; .
\end{aligned}
$$

{{% toggle_block title="Proof" %}}
The Bellman identity with the policy dropped:

<!-- pgverify: for all s -->
$$ v(s) = \sum_a q(s, a) $$
{{% /toggle_block %}}

{{< figure src="pg.png" >}}

![a plot](plot.png)
"""


@pytest.fixture(scope="module")
def slips(tmp_path_factory):
    src = tmp_path_factory.mktemp("words") / "slips.md"
    src.write_text(SLIPS, encoding="utf-8")
    return verify_document(src, QUICK)


def _value(x) -> Fraction:
    return Fraction(str(x).replace("−", "-"))


def _entry(ce: Counterexample, words: str):
    """The entry the sentence names, its index into the two sides, and the two values it states."""
    m = re.search(r"(∂/∂θ\[(\d+),(\d+)\]|entry \[([\d,]+)\]|the value) is (\S+) on the left and (\S+) on the right",
                  words)
    assert m, words
    if m.group(2) is not None:  # a gradient over a tabular θ, flattened (s, a) → s·A + a
        actions = len(ce.example["policy"]["exp_theta"][0])
        at: tuple[int, ...] = (int(m.group(2)) * actions + int(m.group(3)),)
    elif m.group(4) is not None:
        at = tuple(int(i) for i in m.group(4).split(","))
    else:
        at = ()
    return at, m.group(5), m.group(6)


def _at(x, at):
    for i in at:
        x = x[i]
    return x


def test_a_refuted_summary_names_the_step_and_an_entry_that_differs(slips):
    refuted = [r for r in slips.results if r.verdict == "refuted"]
    assert len(refuted) == 2
    for r in refuted:
        words, ce = summary(r), r.result.counterexample
        assert words.startswith(ce.step), (words, ce.step)
        at, left, right = _entry(ce, words)
        assert _value(left) == _value(_at(ce.lhs, at)) and _value(right) == _value(_at(ce.rhs, at))
        assert _value(left) != _value(right)


def test_a_dropped_factor_is_named(slips):
    words = summary(slips.results[0])
    assert words.startswith("step 2 (=) drops (1−λ)^{−1}:"), words
    assert dropped(r"a = b c") is None  # different factors: nothing is said to be dropped
    assert dropped(r"\sum_s d(s) q = \sum_s d(s) q 2") == ("adds", "2")


def test_the_same_words_in_the_json_and_the_table(slips):
    shown = to_json(slips)["displays"]
    assert [d["in_words"] for d in shown] == [summary(r) for r in slips.results]
    assert all(f"in words: {summary(r)}" in table(slips) for r in slips.results if r.verdict == "refuted")


def test_the_page_renders_prose_front_matter_shortcodes_and_links(slips):
    page = render_page(slips.results, SLIPS, title="slips.md")
    assert '<table class="front-matter">' in page and "<td>A. Student</td>" in page and "+++" not in page
    assert '<a href="https://example.org/pg"' in page and "<em>emphasis</em>" in page
    assert re.search(r"<h1>Two slips and a <a ", page)
    assert '<div class="shortcode shortcode-toggle_block"><p class="shortcode-name">Proof ' in page
    assert "[Hugo shortcode figure not rendered]" in page and "{{" not in page
    assert '<a href="plot.png" rel="noopener noreferrer">[image: a plot]</a>' in page and "src=" not in page
    assert page.count('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">') == 1
    assert page.count('<section class="display') == 2 == len(slips.results)
    # the second display (in the shortcode's box) is inside the box: the box closes after it
    box = page.index('<div class="shortcode')
    assert box < page.index('id="display-2"') < page.index("</div>", page.index('id="display-2"') + 1)


def test_an_aligned_display_has_one_row_per_line(slips):
    fragment = render_display(slips.results[0])
    math = fragment[fragment.index("<math"):fragment.index("</math>")]
    assert math.count("<mtr>") == 2 and "&amp;" not in math and "<mi>&" not in math
    assert math.count('<mtr><mtd columnalign="right">') == 2 and math.count('<mtd columnalign="left">') == 2


def test_the_counterexample_tables_mark_exactly_the_differing_entries(slips):
    for r in slips.results:
        ce = r.result.counterexample
        sides = ce_tables(ce)[-1]
        flat_l, flat_r = json.dumps(ce.lhs), json.dumps(ce.rhs)
        assert sides.caption.startswith("left against right")
        differ = {n for n, row in enumerate(sides.rows) if _value(row[1]) != _value(row[2])}
        assert differ and sides.marked == differ, (flat_l, flat_r)
        fragment = render_display(r)
        assert fragment.count('<tr class="differs">') == len(differ)
        assert "{&quot;" not in fragment and '{"' not in fragment  # no JSON in the text


def _claim_run():
    from pgverify.output.report import Run
    from pgverify.registry import Claim

    ce = Counterexample("episodic-softmax", "exact", "∇U = 𝔼[Σ λ^{t−1} R_τ ∇logπ]", 0,
                        {"P": [[["0", "1"], ["0", "1"]], [["0", "1"], ["0", "1"]]], "r": [["0", "1"], ["0", "0"]],
                         "discount": "0", "horizon": 2,
                         "policy": {"type": "TabularSoftmax", "exp_theta": [["1", "1"], ["1", "1"]],
                                    "pi": [["1/2", "1/2"], ["1/2", "1/2"]]}},
                        ["-1/4", "1/4", "0", "0"], ["-1/8", "1/8", "0", "0"], True)
    refuted = Claim("x.slip", "Section A", r"\nabla_\theta U(\theta) = 0", lambda m: None)
    fine = Claim("x.fine", "Section B", r"U(\theta) = v(s^0)", lambda m: None)
    return Run((ClaimResult(refuted, "refuted", (), ce), ClaimResult(fine, "proved", (), None)), Settings(), 1.0)


def test_the_report_opens_with_verdicts_by_section_and_shows_tables():
    from pgverify.output.report import latex_document, markdown

    run = _claim_run()
    md = markdown(run)
    head = md[:md.index("## Claims")]
    assert "| Section A | · | · | · | 1 | · |" in head and "| Section B | 1 | · | · | · | · |" in head
    assert "| `x.slip` | refuted |" in md  # the row .ci/run reads
    assert "| **∂/∂θ[0,0]** | **−1/4** | **−1/8** | **✗** |" in md and "```json" not in md
    assert "| ∂/∂θ[1,0] | 0 | 0 |  |" in md  # an entry where the sides agree is not marked
    assert r"failing step $\nabla U = \mathbb{E}[\sum \lambda ^{t-1} R_\tau \nabla \text{log}\pi ]$" in md
    latex = latex_document(run)
    assert "“" not in latex and "”" not in latex
    words = latex[latex.index("In words:"):latex.index("\n", latex.index("In words:"))]
    assert "\\_" not in words and "\\^" not in words and "$" in words


def test_label_math_leaves_no_literal_script_markers():
    for label in ["∇U = 𝔼[R_τ ∇𝒯_θ(τ)]", "tr Cov(reward-to-go − v) ≤ tr Cov(reward-to-go)", "𝔼[ĝ] = ∇U (same roll-outs)",
                  "∇_μJ = E[f(x) ∇_μ𝒩(x|μ,σ²)]"]:
        out = tex.label_math(label)
        assert "\\_" not in out and "\\^" not in out and out.isascii(), out


def test_hostile_data_in_a_display_fragment_is_escaped():
    bad = "</table><script>alert(1)</script>"
    ce = Counterexample(bad, "exact", f"step 1 ({bad})", 0, {bad: [bad], "P": bad}, [bad], ["1"], True)
    r = DisplayResult(index=0, line=1, latex="U(\\theta) = 1", understood=None, catalogue_id=bad, verdict="refuted",
                      steps=(StepVerdict(f"step 1 ({bad})", "=", False, latex=bad),),
                      result=ClaimResult(claim=None, verdict="refuted", checks=(), counterexample=ce),
                      restrictions=(bad,))
    fragment = render_display(r)
    assert "<script" not in fragment and "alert(1)" in fragment
    page = render_page((r,), "$$ U(\\theta) = 1 $$\n", title=bad)
    assert "<script" not in page


def _output_cases() -> list[dict]:
    import tomllib

    path = Path(__file__).parent / "adversarial" / "cases_output.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))["case"]


@pytest.mark.parametrize("case", _output_cases(), ids=lambda c: c["name"])
def test_each_output_case_reads_well_on_the_page(case, tmp_path):
    """Every display of an adversarial output case has its section and badge, the prose keeps no shortcode or
    front-matter marker and no markup from the document, and a refutation's words match its counterexample."""
    src = tmp_path / "case.md"
    src.write_text(case["text"], encoding="utf-8")
    run = verify_document(src, QUICK)
    page = render_page(run.results, case["text"], title="case.md")
    assert page.count('<section class="display') == len(run.results)
    assert page.count('<span class="verdict verdict-') == len(run.results)
    for marker in ("{{", "+++", "<script", "<img", "javascript:", "<style>body", "onerror"):
        assert marker not in page, marker
    for r in run.results:
        if r.verdict == "refuted":
            ce = r.result.counterexample
            at, left, right = _entry(ce, summary(r))
            assert _value(left) == _value(_at(ce.lhs, at)) != _value(right) == _value(_at(ce.rhs, at))


def test_the_check_table_and_json_carry_the_words():
    from pgverify.output.report import table as check_table
    from pgverify.output.report import to_json as check_json

    run = _claim_run()
    shown = check_table(run)
    assert f"in words: {summary(run.results[0])}" in shown and "∂/∂θ[0,0] is −1/4 on the left" in shown
    assert [c["in_words"] for c in check_json(run)["claims"]] == [summary(r) for r in run.results]


def test_latex_prose_and_a_notebook_fragment(tmp_path):
    text = ("% a comment that is not shown\n\\section{Notes}\nThe utility is $U(\\theta)$, with \\emph{care}:\n"
            "\\begin{equation}\nU(\\theta) = v(s^0)\n\\end{equation}\n")
    src = tmp_path / "notes.tex"
    src.write_text(text, encoding="utf-8")
    run = verify_document(src, QUICK)
    page = render_page(run.results, text, title="notes.tex", kind="tex")
    assert "<h2>Notes</h2>" in page and "<em>care</em>" in page and "a comment" not in page
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in page
    fragment = render_page(run.results, text, title="notes.tex", kind="tex", standalone=False)
    assert fragment.startswith('<div class="pgverify"><style>') and "<html" not in fragment and "body {" not in fragment
    assert fragment.count('<span class="verdict verdict-proved"') == 1


def test_rows_without_an_environment_and_matrices_keep_their_layout():
    from pgverify.output.annotate import safe_mathml

    bare = safe_mathml(r"U(\theta) = v(s^0) \\ = \sum_a \pi(a|s^0) q(s^0, a)")
    assert bare.count("<mtr>") == 2 and "&" not in bare.replace("&#x", "")
    matrix = safe_mathml(r"P = \begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}")
    assert matrix.count("<mtr>") == 2 and "<mtable displaystyle" not in matrix  # latex2mathml's own matrix


def test_a_float64_counterexample_names_the_entry_that_differs_most():
    ce = Counterexample("tabular-softmax", "numeric", "step 1 (=)", 0, {"discount": "0.5"},
                        [0.25, 1.0, 2.0], [0.25000000001, 1.5, 2.0], False)
    r = DisplayResult(index=0, line=1, latex="x = y", understood=None, catalogue_id=None, verdict="refuted",
                      result=ClaimResult(claim=None, verdict="refuted", checks=(), counterexample=ce))
    words = summary(r)
    assert "(float64)" in words and "entry [1] is 1.0 on the left and 1.5 on the right" in words, words
