"""Reading documents: Markdown (Hugo escaping, shortcodes), LaTeX environments, plain strings, profiles,
annotations next to displays and in side files, macros, the textbook profile, Unicode input."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgverify.notation import (AnnotationError, UnsupportedNotation, ast as A, free_indices, parse, read_document,
                               render_latex)
from pgverify.notation import builder as B

HUGO = r"""+++
title = "Notes"
+++

Some prose with inline $x\_1$ math.

{{% toggle_block title="Proof" %}}
$$
\begin{aligned}
\nabla\_\theta U(\theta) &= \sum\_{s\in\mathcal{S}} d\_\lambda^{\pi\_\theta}(s)\\; ,\\\
&= 0 \\; .
\end{aligned}
$$
{{% /toggle_block %}}

```
$$ not a display: fenced code $$
```
"""


def test_hugo_markdown_escapes_rows_and_shortcodes():
    doc = read_document(HUGO, kind="md")
    assert doc.escapes == "markdown"
    (d,) = doc.displays
    assert [ln.line for ln in d.lines] == [10, 11]
    assert render_latex(d.chain) == ("\\begin{aligned}\n\\nabla_\\theta U(\\theta) &= \\sum_{s \\in \\mathcal{S}} "
                                     "d_\\lambda^{\\pi_\\theta}(s) \\\\\n&= 0\n\\end{aligned}")


def test_plain_markdown_keeps_backslashes():
    doc = read_document("$$\n\\begin{aligned} U(\\theta) &= 1 \\\\ &= 1 \\end{aligned}\n$$\n", kind="md")
    assert doc.escapes == "none" and len(doc.lines) == 2 and doc.displays[0].status == "ok"
    forced = read_document("$$ U(\\theta) = \\lambda\\_1 $$", kind="md", escapes="none")
    assert forced.displays[0].status == "unsupported"


def test_shortcode_content_that_is_not_markdown_is_read_raw():
    text = "+++\n+++\n{{< pseudocode >}}\n$$\\theta \\leftarrow \\theta + \\eta \\cdot \\hat{g}_n$$\n{{< /pseudocode >}}\n"
    (d,) = read_document(text, kind="md").displays
    assert d.chain.rows[0].steps[0].rel == "assign"


def test_annotations_next_to_a_display_before_or_after():
    text = ("$$\\mathbb{E}_{\\tau\\sim\\mathcal{T}_\\theta}[b(s_t)] = 0$$\n<!-- pgverify: for any t; id vpg.baseline -->\n\n"
            "para\n\n<!-- pgverify: for k < t -->\n$$r_k r_t = r_t r_k$$\n")
    first, second = read_document(text, kind="md").displays
    assert first.annotations.ids == ("vpg.baseline",) and first.status == "ok"
    assert second.annotations.quantified == ("k", "t") and second.status == "ok"
    assert read_document(text.replace("<!-- pgverify: for k < t -->", ""), kind="md").displays[1].status == \
        "ill-formed"


def test_profile_precedence_file_api_display():
    text = ("---\npgverify_profile: textbook\n---\n$$\\nabla_\\theta J(\\theta) = 0$$\n\n"
            "<!-- pgverify: profile post -->\n$$\\nabla_\\theta U(\\theta) = 0$$\n")
    doc = read_document(text, kind="md")
    assert doc.profile == "textbook" and [d.profile for d in doc.displays] == ["textbook", "post"]
    assert [d.status for d in doc.displays] == ["ok", "ok"]
    assert doc.displays[0].chain == doc.displays[1].chain  # J of the textbook is the post's U
    forced = read_document(text, kind="md", profile="post")
    assert [d.status for d in forced.displays] == ["ok", "ok"]  # J is the post's generic objective J(μ)
    assert forced.displays[0].chain != doc.displays[0].chain
    alone = read_document("<!-- pgverify: profile textbook -->\n\ntext\n\n$$V^\\pi(s) = 0$$\n", kind="md")
    assert alone.profile == "textbook" and alone.displays[0].status == "ok"


def test_latex_environments_comments_and_labels(tmp_path: Path):
    tex = tmp_path / "d.tex"
    tex.write_text(r"""\documentclass{article}
\begin{document}
% pgverify: id pgt.theorem
\begin{align*}
\nabla_\theta U(\theta) &= (1-\lambda)^{-1}\sum_{s\in\mathcal{S}} d_\lambda^{\pi_\theta}(s) % the occupancy
  \sum_{a\in\mathcal{A}} q_\lambda^{\pi_\theta}(s,a)\nabla_\theta\pi_\theta(a\vert s) \label{eq:pgt} \nonumber
\end{align*}
\begin{equation}
U(\theta) = v_\lambda^{\pi_\theta}(s^0)
\end{equation}
\[ \nabla_\theta 1 = 0 \]
\end{document}
""")
    doc = read_document(tex)
    assert doc.kind == "tex" and [d.status for d in doc.displays] == ["ok", "ok", "ok"]
    assert doc.displays[0].annotations.id == "pgt.theorem" and doc.displays[0].line == 5
    assert doc.by_id("pgt.theorem")[0].chain == parse(
        r"\nabla_\theta U(\theta) = (1-\lambda)^{-1}\sum_{s\in\mathcal{S}} d_\lambda^{\pi_\theta}(s)"
        r"\sum_{a\in\mathcal{A}} q_\lambda^{\pi_\theta}(s,a)\nabla_\theta\pi_\theta(a\vert s)")


def test_plain_string_is_one_display_per_paragraph():
    doc = read_document(r"q_\lambda^\pi(s, a) := r(s, a)")
    assert doc.kind == "text" and len(doc.displays) == 1 and doc.displays[0].status == "ok"
    doc = read_document("U(\\theta) =\n  v_\\lambda^{\\pi_\\theta}(s^0)\n\n\n\\nabla_\\theta 1 = 0\n")
    assert [(d.line, d.status) for d in doc.displays] == [(1, "ok"), (5, "ok")]


def test_side_file_keyed_by_display_text(tmp_path: Path):
    md = tmp_path / "notes.md"
    md.write_text("$$r_k r_t = r_t r_k$$\n\n$$U(\\theta) = 0$$\n")
    side = tmp_path / "notes.md.pgverify.toml"
    side.write_text("[[display]]\nmatch = 'r_k r_t ='\nannotate = 'for k < t; id my.claim'\n")
    doc = read_document(md)
    assert doc.displays[0].annotations.ids == ("my.claim",) and doc.displays[0].status == "ok"
    side.write_text("[[display]]\nmatch = '='\nannotate = 'for any t'\n")
    with pytest.raises(AnnotationError, match="matches 2 displays"):
        read_document(md)
    assert read_document(md, annotations=None).displays[0].status == "ill-formed"


def test_site_macros_expand_from_the_profile():
    assert parse(r"\underE{\tau\sim\mathcal{T}_\theta}{R_\tau} = U(\theta)") == \
        parse(r"\mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[R_\tau\right] = U(\theta)")


def test_textbook_profile_reads_and_writes_its_own_notation():
    text = r"\nabla_\theta J(\theta) \propto \sum_{s} \mu(s) \sum_{a} Q^{\pi}(s, a) \nabla_\theta \pi(a \vert s)"
    chain = parse(text, profile="textbook")
    assert render_latex(chain, profile="textbook") == (
        r"\nabla_\theta J(\theta) \propto \sum_s \mu(s) \sum_a Q^\pi(s, a) \nabla_\theta \pi(a \vert s)")
    assert render_latex(chain) == r"\nabla_\theta U(\theta) \propto \sum_s \mu(s) \sum_a q^\pi(s, a) \nabla_\theta \pi(a \vert s)"
    with pytest.raises(UnsupportedNotation, match=r"symbol \\gamma"):
        parse(r"v^\pi(s) = \gamma", profile="post")
    assert parse(r"V^{\pi}(s) = \mathbb{E}\left[\sum_{t=0}^{\infty} \gamma^{t} r(s_t, a_t)\right]",
                 profile="textbook").rows[0].steps[0].rhs.body.lower == A.Num(0)


def test_unicode_input_reads_like_latex():
    assert parse("∇_θ U(θ) = 𝔼_{τ∼𝒯_θ}[R_τ ∇_θ \\log 𝒯_θ(τ)]") == \
        parse(r"\nabla_\theta U(\theta) = \mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[R_\tau \nabla_\theta "
              r"\log\mathcal{T}_\theta(\tau)\right]")


def test_free_indices_name_where_they_are():
    text = r"\nabla_\theta U(\theta) = \sum_{s} q(s, a)"
    chain = parse(text)
    assert {k: (p.line, p.column) for k, p in free_indices(chain).items()} == {"a": (1, text.rindex("a)") + 1)}
    assert free_indices(B.Sum(B.s, B.q(B.s, B.a))) == {"a": None}


def test_textbook_kernel_and_values_read_as_the_posts():
    textbook = parse(r"V^\pi(s) = \sum_a \pi(a|s) \sum_{s'} p(s'|s,a) \left(r(s,a) + \gamma V^\pi(s')\right)",
                     profile="textbook")
    assert render_latex(textbook, profile="textbook") == (
        r"V^\pi(s) = \sum_a \pi(a \vert s) \sum_{s'} p(s' \vert s, a) \left(r(s, a) + \gamma V^\pi(s')\right)")
    post = parse(r"v^\pi(s) = \sum_a \pi(a|s) \sum_{s'} \mathcal{P}_s^a(s') \left(r(s,a) + \lambda v^\pi(s')\right)")
    assert textbook == post


def test_latex_file_level_profile_line_and_per_display_override(tmp_path: Path):
    tex = tmp_path / "t.tex"
    tex.write_text("% pgverify: profile textbook\n\nSome text.\n\n\\[ \\nabla_\\theta J(\\theta) = 0 \\]\n\n"
                   "% pgverify: profile post\n\\[ \\nabla_\\theta U(\\theta) = 0 \\]\n")
    doc = read_document(tex)
    assert doc.profile == "textbook" and [d.profile for d in doc.displays] == ["textbook", "post"]
    assert doc.displays[0].chain == doc.displays[1].chain
    assert read_document(tex, profile="post").displays[0].chain != doc.displays[0].chain


def test_bracket_displays_in_markdown_follow_the_escaping():
    plain = "Text with \\[ U(\\theta) = v_\\lambda^{\\pi_\\theta}(s^0) \\] inline, and a link [x](y).\n"
    (d,) = read_document(plain, kind="md").displays
    assert (d.line, d.status, render_latex(d.chain)) == (1, "ok", "U(\\theta) = v_\\lambda^{\\pi_\\theta}(s^0)")
    # Hugo: \[ and \] are escaped brackets (the post cites "\[[Sutton et al](…)\]"); \\[ … \\] is the display
    hugo = ("+++\ntitle = \"x\"\n+++\nSee \\[[Sutton](https://a.b/c_d)\\].\n\n"
            "\\\\[ d\\_\\lambda^{\\pi\\_\\theta}(s) \\ge 0 \\\\]\n")
    (d,) = read_document(hugo, kind="md").displays
    assert (d.line, d.status, render_latex(d.chain)) == (6, "ok", "d_\\lambda^{\\pi_\\theta}(s) \\geq 0")
    assert read_document("``` \n\\[ x = 1 \\]\n```\n", kind="md").displays == ()


def test_displays_inside_blockquotes_drop_the_markers_and_keep_positions():
    text = ("> A quoted derivation:\n"
            "> <!-- pgverify: id pgt.theorem -->\n"
            "> $$\n"
            "> \\begin{aligned}\n"
            "> U(\\theta) &= v_\\lambda^{\\pi_\\theta}(s^0) \\\\\n"
            ">> &= \\zeta\n"
            "> \\end{aligned}\n"
            "> $$\n"
            "\n> $$U(\\theta) = 1$$\n")
    first, second = read_document(text, kind="md").displays
    assert first.annotations.ids == ("pgt.theorem",)
    assert [ln.line for ln in first.lines] == [5, 6]
    assert first.lines[0].row is not None
    assert str(first.lines[1].error) == "unsupported: symbol \\zeta (not in profile 'post') at line 6, column 7"
    assert (second.line, second.status) == (10, "ok")
