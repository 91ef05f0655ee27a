"""The annotated page carries no executable content, whatever the document holds.

Hostile text is put on every path into the page (display LaTeX, annotations, prose, reasons, counterexamples,
the catalogue id, the file name and title); the page is parsed with :mod:`html.parser` and every element and
attribute must be on the allow-list: the page's own few elements, and MathML presentation elements with their
layout attributes.  The annotated Markdown's verdict lines carry no raw HTML either.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pgverify.checker import Settings
from pgverify.documents import DisplayResult, DocumentRun, StepVerdict, verify_document
from pgverify.output.annotate import MATHML_ATTRIBUTES, MATHML_ELEMENTS, annotated_html, annotated_markdown, safe_mathml
from pgverify.output.page import STYLE as _STYLE
from pgverify.verdicts import ClaimResult, Counterexample

QUICK = Settings(numeric_examples=5, exact_points=1, counterexample_examples=20)

#: The page's own elements and the attributes each may carry.
PAGE = {"html": {"lang"}, "head": set(), "meta": {"charset", "name", "content"}, "title": set(), "style": set(),
        "body": set(), "header": set(), "main": set(), "h1": {"class"}, "p": {"class"}, "div": {"class"},
        "section": {"class", "id", "data-line", "style"}, "span": {"class", "style"}, "pre": {"class"},
        "code": {"class", "title"}, "small": set(), "table": {"class"}, "caption": set(), "tr": {"class"},
        "th": set(), "td": {"colspan"}, "a": {"href", "rel", "title"},
        # the prose's own simple markup (markdown-it's output through nh3's allow-list)
        **{t: set() for t in ("h2", "h3", "h4", "h5", "h6", "em", "strong", "ul", "li", "blockquote", "br", "hr",
                              "thead", "tbody", "del", "s", "sup", "sub", "dl", "dt", "dd", "kbd", "b", "i", "u",
                              "cite", "q", "mark")},
        "ol": {"start"}, "abbr": {"title"}}

PAYLOADS = [
    "</math><script>alert(3)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<svg onload=alert(1)><script>alert(2)</script></svg>",
    "<math><maction actiontype=\"statusline\" href=\"javascript:alert(1)\">x</maction></math>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<scr<script>ipt>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
]


class _Page(HTMLParser):
    """Every element with its attributes, and the text of <style> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self.comments: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)

    def handle_comment(self, data):
        self.comments.append(data)

    def unknown_decl(self, data):
        self.comments.append(data)


def assert_no_executable_content(page: str) -> None:
    parsed = _Page()
    parsed.feed(page)
    parsed.close()
    assert parsed.elements, "nothing parsed"
    for tag, attrs in parsed.elements:
        allowed = PAGE.get(tag, MATHML_ATTRIBUTES | {"xmlns", "display"} if tag in MATHML_ELEMENTS else None)
        assert allowed is not None, f"element <{tag}> is not on the allow-list"
        assert set(attrs) <= allowed, f"<{tag}> carries {set(attrs) - allowed}"
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert "javascript:" not in (value or "").lower() and "url(" not in (value or "").lower(), (tag, name)
        if "style" in attrs:
            assert re.fullmatch(r"(background|border-left-color):#[0-9a-f]{6}", attrs["style"]), attrs
        if tag == "a":  # a link is kept as a link, never a script: within the page, the web, mail, or relative
            assert re.match(r"(#display-\d+$|https?:|mailto:|[^:]*$)", attrs.get("href") or ""), attrs
        if tag == "math":
            assert attrs.get("xmlns") == "http://www.w3.org/1998/Math/MathML"
            assert attrs.get("display") in ("block", "inline")
    assert [t for t, _ in parsed.elements].count("style") == 1 and parsed.styles == [_STYLE]
    assert parsed.comments == []
    assert not re.search(r"<\s*(script|iframe|svg|img|object|embed|link|base|form|maction)\b", page, re.I)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markup_in_a_display_never_reaches_the_page_as_markup(payload):
    html = safe_mathml(rf"U(\theta) = \text{{{payload}}}")
    if html is not None:
        assert_no_executable_content(f"<style>{_STYLE}</style>" + html)


@pytest.mark.parametrize("latex", [r"U(\theta) = \sum_{a} \pi_\theta(a \vert s) q(s, a)",
                                   r"\begin{aligned} a &= b \\ &= c \end{aligned}", r"\text{a < b} \le 1",
                                   r"\mathbb{E}\left[ \frac{1}{2} r \right] = \sqrt{\lambda^{2}}"])
def test_benign_displays_stay_mathml(latex):
    html = safe_mathml(latex)
    assert html is not None and html.startswith("<math")
    assert_no_executable_content(f"<style>{_STYLE}</style>" + html)


@pytest.mark.parametrize("hostile", [r"\href{javascript:alert(1)}{x}",
                                     r"\style{background:url(javascript:alert(1))}{x}",
                                     r"\class{x onclick=alert(1)}{y}", r"\text{<b onmouseover=alert(1)>x</b>}"])
def test_a_display_with_links_styles_or_classes_is_shown_as_its_source(hostile):
    assert safe_mathml(hostile) is None


def _hostile_document() -> str:
    parts = ["# Notes <script>alert('title')</script>", ""]
    for i, payload in enumerate(PAYLOADS):
        note = f"<!-- pgverify: whenever {payload} -->" if "-->" not in payload else ""  # a comment ends at -->
        parts += [f"Prose {i}: {payload}", "", note, f"$$ U(\\theta) = U(\\theta) \\text{{{payload}}} $$", ""]
    parts += ["$$ U(\\theta) = U(\\theta) $$", ""]
    return "\n".join(parts)


def test_a_hostile_document_annotates_to_a_page_without_executable_content(tmp_path):
    src = tmp_path / "<img src=x onerror=alert(1)><script>alert(2)<\\script>.md"
    text = _hostile_document()
    src.write_text(text, encoding="utf-8")
    run = verify_document(src, QUICK)
    assert run.results[-1].verdict == "proved" and len(run.results) == len(PAYLOADS) + 1
    assert all(r.verdict == "undecided" and r.reason for r in run.results[:-1])
    page = annotated_html(text, run, title=src.name)
    assert_no_executable_content(page)
    # the clean display and the entity tricks (text in <mtext>) are MathML; every one with markup is escaped source
    assert page.count("<math") == 1 + sum("<" not in p for p in PAYLOADS)
    assert page.count("(not rendered: markup outside the MathML allow-list)") == sum("<" in p for p in PAYLOADS)
    md = annotated_markdown(text, run)
    verdicts = [ln for ln in md.splitlines() if ln.startswith("> **pgverify:")]
    assert len(verdicts) == len(run.results)
    assert not any(re.search(r"<[A-Za-z/!?]", ln) for ln in verdicts), verdicts


def test_hostile_reasons_counterexamples_and_ids_are_escaped():
    bad = "</p></math><script>alert(1)</script><img src=x onerror=alert(2)>"
    ce = Counterexample(family=bad, method="exact", step=bad, step_index=0, example={bad: bad}, lhs=bad, rhs=[bad],
                        exact=True)
    refuted = DisplayResult(index=0, line=1, latex=r"U(\theta) = 1", understood=None, catalogue_id=bad,
                            verdict="refuted", steps=(StepVerdict(bad, "=", False, latex=bad),),
                            result=ClaimResult(claim=None, verdict="refuted", checks=(), counterexample=ce))
    undecided = DisplayResult(index=1, line=3, latex=rf"\text{{{bad}}}", understood=None, catalogue_id=None,
                              verdict="undecided", reason=bad)
    run = DocumentRun(path=bad, results=(refuted, undecided), settings=Settings(), seconds=0.0)
    text = "$$ U(\\theta) = 1 $$\n\n$$ x $$\n"
    page = annotated_html(text, run)
    assert_no_executable_content(page)
    assert "alert(1)" in page  # shown, as text
    for line in annotated_markdown(text, run).splitlines():
        if line.startswith("> **pgverify:"):
            assert not re.search(r"<[A-Za-z/!?]", line), line
    tex = annotated_markdown(text, run, latex=True)
    assert sum(ln.startswith("% pgverify result:") for ln in tex.splitlines()) == 2


def test_the_verdict_lines_stay_one_line():
    reason = "first line\nsecond line\n\n# a heading?"
    r = DisplayResult(index=0, line=1, latex="x", understood=None, catalogue_id=None, verdict="undecided",
                      reason=reason)
    run = DocumentRun(path="doc.md", results=(r,), settings=Settings(), seconds=0.0)
    md = annotated_markdown("$$ x $$\nafter\n", run)
    assert "> **pgverify: undecided** — first line second line # a heading?" in md
    assert md.count("\n") == "$$ x $$\nafter\n".count("\n") + 3
    tex = annotated_markdown("\\[ x \\]\nafter\n", run, latex=True)
    assert "% pgverify result: undecided — first line second line # a heading?\n" in tex


def test_the_example_page_keeps_its_mathml():
    root = Path(__file__).resolve().parent.parent
    src = root / "docs" / "examples" / "reward_to_go.md"
    text = src.read_text(encoding="utf-8")
    run = verify_document(src, QUICK)
    page = annotated_html(text, run, title=src.name)
    assert_no_executable_content(page)
    assert page.count('<div class="math"><math') == len(run.results)
