"""``pgverify report``: the generated docs/report.md and docs/report.tex."""

from __future__ import annotations

from pathlib import Path

from numeric.errors import PGVerifyError
from pgverify import api
from pgverify.settings import Settings
from pgverify.output.report import latex_document, markdown
from pgverify.claims.pgt import theorem_latex
from symbolic.dpg import lqr_latex
from symbolic.latex import family_latex

__all__ = ["write_report"]


def write_report(out: Path, settings: Settings, patterns: list[str] | None = None, *,
                 jobs: int | None = None) -> list[Path]:
    """Check the claims and write ``report.md`` and ``report.tex`` into the directory ``out``."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise PGVerifyError(f"out must be a directory (report.md and report.tex are written into it); "
                            f"{str(out)!r} is an existing file")
    run = api.check(patterns, settings, jobs=jobs)
    closed_form, beside, lqr = family_latex(2, 2), theorem_latex(2, 2), lqr_latex()
    md_extra = {
        "Closed forms: tabular softmax, 2 states × 2 actions":
            "Printed by `pgverify latex --states 2 --actions 2`:\n\n$$\n" + closed_form + "\n$$",
        "Policy gradient theorem: the closed-form gradient beside the theorem's right-hand side (2 × 2)":
            "Each ∂U/∂θ_{sa}, by differentiating U, above the closed form of "
            "(1−λ)⁻¹ Σ_s d(s) Σ_a q(s,a) ∂π_θ(a|s)/∂θ_{sa}:\n\n$$\n" + beside + "\n$$",
        "Deterministic policy gradient on the scalar LQR":
            "Printed by `pgverify latex --family lqr`:\n\n$$\n" + lqr + "\n$$",
        "Pictures": "The VPG estimators' exact error against the number of roll-outs, on the MDP where the value "
                    "baseline inflates the variance most (`pgverify plot variance`):\n\n![variance](variance.png)"
                    "\n\nThe Gaussian policy gradient converging to the DPG as σ → 0 "
                    "(`pgverify plot stochastic-limit`):\n\n![stochastic limit](dpg-limit.png)",
    }
    tex_extra = {"Closed forms: tabular softmax, 2 states x 2 actions": closed_form,
                 "Policy gradient theorem: closed-form gradient beside the right-hand side (2 x 2)": beside,
                 "Deterministic policy gradient on the scalar LQR": lqr}
    out.mkdir(parents=True, exist_ok=True)
    md, tex = out / "report.md", out / "report.tex"
    md.write_text(markdown(run, extra_sections=md_extra), encoding="utf-8")
    tex.write_text(latex_document(run, extra_sections=tex_extra), encoding="utf-8")
    return [md, tex]
