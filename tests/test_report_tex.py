"""docs/report.tex compiles cleanly with pdflatex: no error, no line running off the page.

The compile tests need a TeX engine; without one they are skipped, except under CI=true, where
.ci/run installs one from Debian's packages and its absence is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pgverify.output import tex

ROOT = Path(__file__).resolve().parents[1]


def _pdflatex() -> str:
    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but pdflatex is missing: .ci/run installs it (texlive-latex-base, -recommended)")
        pytest.skip("no TeX engine (pdflatex); `apt-get install texlive-latex-recommended lmodern` to run this test")
    return exe


def compile_tex(source: str, tmp_path: Path) -> str:
    """Run pdflatex twice-safe in nonstop mode; return the log; fail on any error or overfull box."""
    (tmp_path / "doc.tex").write_text(source, encoding="utf-8")
    proc = subprocess.run([_pdflatex(), "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
                          cwd=tmp_path, capture_output=True, timeout=300)
    log = (tmp_path / "doc.log").read_text(encoding="latin-1")
    errors = [m.group(0) for m in re.finditer(r"^! .*(?:\n.*){0,3}", log, flags=re.M)]
    assert proc.returncode == 0 and not errors, "\n\n".join(errors) or log[-3000:]
    assert (tmp_path / "doc.pdf").exists()
    overfull = re.findall(r"^Overfull \\hbox \((.*?)pt too wide\).*$", log, flags=re.M)
    assert not overfull, f"{len(overfull)} lines run off the page: {overfull}"
    return log


def test_the_committed_report_compiles_cleanly(tmp_path):
    log = compile_tex((ROOT / "docs" / "report.tex").read_text(encoding="utf-8"), tmp_path)
    assert "Output written on doc.pdf" in log


def test_a_report_with_unicode_steps_and_long_equations_compiles(tmp_path):
    # Every Unicode symbol the issue listed, in running text, and equations far wider than the page.
    from pgverify.output.report import latex_document
    from pgverify.checker import ClaimResult, Counterexample, Settings
    from pgverify.registry import Claim
    from pgverify.output.report import Run

    long_sum = " + ".join(f"P_{{{i}00}} \\lambda r_{{{i}1}} {{\\pi_\\theta(0|{i})}}" for i in range(40))
    statement = (r"\nabla_\theta U(\theta) = \mathbb{E}\left[R_\tau\right] = \frac{" + long_sum + "}{" + long_sum
                 + r"} \overset{(i)}{=} \mathbf{1}[s_1=s^0] \le " + long_sum)
    step = "∇U = 𝔼[Σ λ^{t−1}(G^t − c(s_t, a_t))∇log π] with σ, 𝒯_θ(τ), μ, 𝒩, ≤, θ # 50% & $x {y} ~ \\"
    claim = Claim("x.long", "Unicode — ∇ and 𝔼 in a title", statement, lambda m: None)
    ce = Counterexample("tabular-softmax", "exact", step, 0, {"P": [[["1"]]], "note": "σ → 0"}, ["−1/4"], ["1/8"], True)
    run = Run((ClaimResult(claim, "refuted", (), ce),), Settings(), 1.0)
    closed = "\\begin{align*}\nU(\\theta) &= - \\frac{" + long_sum + "}{\\lambda - 1} && \\text{(identical)} \\\\\n" \
             + "\\frac{\\partial U}{\\partial \\theta_{00}} &= 0\n\\end{align*}"
    compile_tex(latex_document(run, extra_sections={"Closed forms — 2 × 2": closed}), tmp_path)


def _content(s: str) -> str:
    """The math of a row without the layout break_display may add or change."""
    for layout in (r"\MoveEqLeft[2]", r"\quad", "\\\\", "&", r"\bigl", r"\bigr", r"\big/", r"\left", r"\right",
                   r"\frac", "{", "}", "[", "]", "(", ")", " ", "\n"):
        s = s.replace(layout, "")
    return s


@pytest.mark.parametrize("row", [
    r"a = b",
    r"U(\theta) &= - \frac{" + " + ".join(f"x_{{{i}}} y_{{{i}}}" for i in range(60)) + r"}{\lambda - 1}",
    r"\mathcal{T}_\theta(\tau) = \mathbb{P}(s_1,\ldots,s_T) \overset{(i)}{=} " + r" \, ".join(["P(s_T|s_1)"] * 20),
    r"(1-\lambda)^{-1}\sum_s d(s)\sum_a q(s,a)\frac{\partial \pi_\theta(a|s)}{\partial \theta_{00}} &= "
    + " - ".join(f"r_{{{i}}}" for i in range(80)) + r" && \text{(identical)}",
], ids=["short", "long-fraction", "relation-chain", "wide-left-side-with-remark"])
def test_breaking_keeps_the_mathematics_and_the_width(row):
    out = tex.break_display(row)
    assert _content(out) == _content(row)
    for line in out.split("\\\\\n"):
        body = line.replace(r"\MoveEqLeft[2]", "").split("&", 1)[-1]
        assert tex.visible_width(body) <= tex.DISPLAY_WIDTH, line


def test_running_text_has_no_unicode_left():
    s = tex.text("∇ 𝔼 σ 𝒯 − τ μ Σ ≤ π 𝒩 λ θ “q” → ‖x‖")
    assert s.isascii() and r"\mathcal{T}" in s and r"\mathbb{E}" in s
