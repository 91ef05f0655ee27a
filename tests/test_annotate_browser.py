"""The annotated HTML page in a real browser, judged by what a reader sees.

Headless Chromium (Debian's ``chromium``; .ci/run installs it) loads the page ``pgverify annotate`` writes at a
1200 px window, with a probe script appended that measures after layout: each display's MathML and its verdict
badge (beside the math, on its level), the rows of an aligned block (one under the other, by their boxes' y), no
literal ``&`` in the math, the document no wider than the window, and no raw Markdown, front-matter or shortcode
marker left in the text; the DOM is dumped.  The page itself has no script and loads nothing from the network.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from pgverify.checker import Settings
from pgverify.documents import verify_document
from pgverify.output.annotate import annotated_html, annotated_markdown

CHROMIUM = Path("/usr/bin/chromium")

DOCUMENT = r"""# A derivation with one wrong step

The utility is the value at the initial state:

$$
U(\theta) := v\_\lambda^{\pi\_\theta}(s^0)\\; .
$$

The policy gradient theorem, with a slip in its proof (a missing factor):

$$
\begin{aligned}
\nabla\_\theta U(\theta) &= (1-\lambda)^{-1}\sum\_{s\in\mathcal{S}} d\_\lambda^{\pi\_\theta}(s) \sum\_{a\in\mathcal{A}} q\_\lambda^{\pi\_\theta}(s, a) \nabla\_\theta \pi\_\theta(a\vert s)\\; ,\\\
&= \sum\_{s\in\mathcal{S}} d\_\lambda^{\pi\_\theta}(s) \sum\_{a\in\mathcal{A}} q\_\lambda^{\pi\_\theta}(s, a) \nabla\_\theta \pi\_\theta(a\vert s)\\; .
\end{aligned}
$$

And a display that stops: $$\mathbb{E}\_{\tau\sim\mathcal{T}\_\theta}\left[r(s\_k, a\_k)\right]$$
"""

PROBE = """<script id="probe">
const out = {displays: [], width: document.documentElement.scrollWidth, viewport: window.innerWidth,
             text: document.body.innerText, headings: document.querySelectorAll('main h1, main h2, main h3').length};
for (const d of document.querySelectorAll('.display')) {
  const m = d.querySelector('.row > .math > math'); const r = m ? m.getBoundingClientRect() : {width: 0, height: 0};
  const badge = d.querySelector('.row > .verdict'); const b = badge ? badge.getBoundingClientRect() : null;
  const s = badge ? getComputedStyle(badge) : null;
  const rows = m ? Array.from(m.querySelectorAll(':scope > mtable > mtr')).map(tr => tr.getBoundingClientRect())
                     .map(q => ({top: q.top, bottom: q.bottom})) : [];
  out.displays.push({id: d.id, math: !!m, width: r.width, height: r.height, top: r.top, bottom: r.bottom,
    right: r.right, mathText: m ? m.textContent : '', rows: rows,
    badge: b && {text: badge.textContent, left: b.left, top: b.top, bottom: b.bottom, width: b.width,
      height: b.height, visible: s.visibility === 'visible' && s.display !== 'none' && parseFloat(s.opacity) > 0
        && s.color !== s.backgroundColor}});
}
document.body.setAttribute('data-probe', JSON.stringify(out));
</script>"""


def _probe(page: Path, tmp: Path) -> dict:
    probed = tmp / "probed.html"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    profile = tmp / "chromium-profile"
    done = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--window-size=1200,900", "--virtual-time-budget=5000", "--dump-dom", probed.as_uri()],
        capture_output=True, text=True, timeout=120)
    m = re.search(r"data-probe=\"(.*?)\"", done.stdout, re.S)
    assert m, f"no probe result in the dumped DOM (exit {done.returncode}): {done.stderr[-2000:]}"
    import html

    return json.loads(html.unescape(m.group(1)))


def _reads_well(probe: dict, run) -> None:
    """What a reader sees: each display's MathML, its badge beside it, each row of an aligned block on a line of
    its own, no literal ``&`` in the math, nothing wider than the 1200 px window, no raw Markdown markers."""
    assert len(probe["displays"]) == len(run.results)
    for d, r in zip(probe["displays"], run.results):
        assert d["math"] and d["width"] > 20 and d["height"] > 5, d
        badge = d["badge"]
        assert badge and badge["text"] == r.verdict and badge["visible"] and badge["width"] > 0, d
        assert badge["left"] >= d["right"] - 1, d  # beside the math, to its right
        assert badge["top"] < d["bottom"] and badge["bottom"] > d["top"], d  # on the same level
        assert "&" not in d["mathText"], d
        tops = [row["top"] for row in d["rows"]]
        assert all(b >= a + 5 for a, b in zip(tops, tops[1:])), d  # one row under the other
        for a, b in zip(d["rows"], d["rows"][1:]):
            assert b["top"] >= a["bottom"] - 1, d  # rows do not overlap
        if "\\\\" in r.latex and "aligned" in r.latex:
            assert len(d["rows"]) >= 2, d
    assert probe["width"] <= probe["viewport"] <= 1200, probe["width"]
    for raw in ("{{<", "{{%", "%}}", ">}}", "+++", "<br>", "$$", "\\begin"):
        assert raw not in probe["text"], raw


@pytest.fixture(scope="module")
def annotated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("annotate")
    src = tmp / "derivation.md"
    src.write_text(DOCUMENT, encoding="utf-8")
    run = verify_document(src, Settings(numeric_examples=10, exact_points=2, counterexample_examples=100))
    page = tmp / "derivation.annotated.html"
    page.write_text(annotated_html(DOCUMENT, run, title="derivation.md"), encoding="utf-8")
    return tmp, run, page


def test_the_document_gets_one_verdict_per_display(annotated):
    _, run, _ = annotated
    assert [r.verdict for r in run.results] == ["proved", "refuted", "ill-formed"]
    assert run.results[1].first_failing_step.startswith("step 2")


def test_the_markdown_keeps_the_text_and_adds_each_verdict(annotated):
    _, run, _ = annotated
    md = annotated_markdown(DOCUMENT, run)
    assert md.replace("\n> **pgverify: ", "\0").count("\0") == 3
    stripped = re.sub(r"\n> \*\*pgverify: [^\n]*\n", "", md)
    assert stripped == DOCUMENT


def test_a_dollar_pair_in_inline_code_does_not_move_a_verdict(tmp_path):
    text = "Write `$$` to open a display.\n\n$$\nU(\\theta)\n= v(s^0)\n$$\n\nafter\n"
    src = tmp_path / "code.md"
    src.write_text(text, encoding="utf-8")
    run = verify_document(src, Settings(numeric_examples=5, exact_points=1, counterexample_examples=20))
    assert [r.verdict for r in run.results] == ["proved"]
    assert annotated_markdown(text, run) == text.replace("$$\n\nafter", "$$\n\n> **pgverify: proved**\n\nafter")
    page = annotated_html(text, run, title="code.md")
    assert "<p>Write <code>$$</code> to open a display.</p>" in page and "<p>after</p>" in page
    assert page.count("<math") == 1


def test_the_page_is_self_contained(annotated):
    _, _, page = annotated
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text and "<link" not in text and "@import" not in text
    assert not re.search(r"\bsrc\s*=", text)  # nothing is fetched (the MathML xmlns is a name, not a fetch)
    assert set(re.findall(r"\bhref=\"([^\"]*)\"", text)) <= {"#display-2", "#display-3"}  # links within the page
    assert text.count("<section class=\"display") == 3 and text.count("<math") == 4  # 3 displays, 1 failing step


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)")
def test_every_display_renders_and_every_verdict_is_visible_in_chromium(annotated, tmp_path):
    _, run, page = annotated
    probe = _probe(page, tmp_path)
    _reads_well(probe, run)
    aligned = probe["displays"][1]
    assert len(aligned["rows"]) == 2  # the refuted display's two rows, one under the other
    assert probe["headings"] == 1 and "# A derivation" not in probe["text"]


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)")
def test_the_post_renders_in_chromium(tmp_path):
    from pgverify.claims.text import POST as post

    run = verify_document(post, Settings(numeric_examples=5, exact_points=1, counterexample_examples=50))
    page = tmp_path / "post.annotated.html"
    page.write_text(annotated_html(post.read_text(encoding="utf-8"), run), encoding="utf-8")
    probe = _probe(page, tmp_path)
    assert len(probe["displays"]) == len(run.results) == 33
    _reads_well(probe, run)
    assert probe["headings"] >= 5
    assert sum(len(d["rows"]) >= 2 for d in probe["displays"]) >= 10


#: Markup that would mark the page if it ran: every path a document has into the page carries one.
MARK = "document.body.dataset.pwned=1"
HOSTILE = [f"<img src=x onerror=\"{MARK}\">", f"</math><script>{MARK}</script>", f"<svg onload=\"{MARK}\"></svg>",
           f"<iframe srcdoc=\"<script>parent.{MARK}</script>\"></iframe>",
           f"<a href=\"javascript:{MARK}\" id=\"go\">x</a>", f"<details open ontoggle=\"{MARK}\"></details>"]
LATER = """<script>
setTimeout(() => {
  const go = document.getElementById('go'); if (go) go.click();
  document.body.setAttribute('data-probe', JSON.stringify({pwned: document.body.getAttribute('data-pwned'),
    scripts: document.scripts.length,
    frames: document.querySelectorAll('iframe, svg, img, details, [onerror], [onload], a[href^="javascript"]').length}));
}, 500);
</script>"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)")
def test_a_hostile_document_runs_nothing_in_chromium(tmp_path):
    text = "# Notes " + HOSTILE[0] + "\n\n" + "\n\n".join(
        f"Prose: {h}\n\n$$ U(\\theta) = v(s^0) \\text{{{h}}} $$" for h in HOSTILE) + "\n\n$$ U(\\theta) = v(s^0) $$\n"
    src = tmp_path / "hostile.md"
    src.write_text(text, encoding="utf-8")
    run = verify_document(src, Settings(numeric_examples=5, exact_points=1, counterexample_examples=20))
    assert [r.verdict for r in run.results] == ["undecided"] * len(HOSTILE) + ["proved"]
    page = tmp_path / "hostile.annotated.html"
    page.write_text(annotated_html(text, run, title=HOSTILE[0]), encoding="utf-8")
    probed = tmp_path / "probed.html"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", LATER + "</body>"), encoding="utf-8")
    done = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=5000", "--dump-dom", probed.as_uri()],
        capture_output=True, text=True, timeout=120)
    m = re.search(r"data-probe=\"(.*?)\"", done.stdout, re.S)
    assert m, f"no probe result in the dumped DOM (exit {done.returncode}): {done.stderr[-2000:]}"
    import html

    probe = json.loads(html.unescape(m.group(1)))
    assert probe == {"pwned": None, "scripts": 1, "frames": 0}, probe  # the one script is the probe's own
