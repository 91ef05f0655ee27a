"""``pgverify report``: the generated docs/report.md and docs/report.tex."""

from __future__ import annotations

from pathlib import Path

from pgverify import api
from pgverify.checker import Settings
from pgverify.report import latex_document, markdown
from symbolic.latex import family_latex

__all__ = ["write_report"]


def write_report(out: Path, settings: Settings, patterns: list[str] | None = None, *,
                 jobs: int | None = None) -> list[Path]:
    """Check the claims and write ``report.md`` and ``report.tex`` into ``out``."""
    run = api.check(patterns, settings, jobs=jobs)
    closed_form = family_latex(2, 2)
    md_extra = {"Closed forms: tabular softmax, 2 states × 2 actions":
                "Printed by `pgverify latex --states 2 --actions 2`:\n\n$$\n" + closed_form + "\n$$"}
    tex_extra = {"Closed forms: tabular softmax, 2 states x 2 actions": closed_form}
    out.mkdir(parents=True, exist_ok=True)
    md, tex = out / "report.md", out / "report.tex"
    md.write_text(markdown(run, extra_sections=md_extra), encoding="utf-8")
    tex.write_text(latex_document(run, extra_sections=tex_extra), encoding="utf-8")
    return [md, tex]
