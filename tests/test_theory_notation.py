"""The theory profile (matrix and operator notation, issue 18): the post's claims written in matrix form get the
catalogue's verdicts, and the derivative notations read as ∇θ at the model's point."""

from __future__ import annotations

import pytest

from pgverify.checker import Settings, check_claim
from pgverify.documents import verify_document
from pgverify.registry import all_claims

QUICK = Settings(numeric_examples=10, exact_points=2, counterexample_examples=100)

#: Catalogue claim → the same statement in the theory profile's matrix notation (one document; its verdict is the
#: worst of its displays').
MATRIX_FORM = {
    # ∇θv(s) unrolled: ∇θv = Σ_t λ^t P_π^t g with g(s) = Σ_a q(s, a)∇θπ(a|s), i.e. (I − λP_π)⁻¹ (∇θM_π) q
    "pgt.proof.value-gradient": r"""
$$ \nabla_\theta v^{\pi_\theta} = \nabla_\theta (M_{\pi_\theta} q^{\pi_\theta}) = (\nabla_\theta M_{\pi_\theta}) q^{\pi_\theta} + M_{\pi_\theta} \nabla_\theta q^{\pi_\theta} $$

$$ \nabla_\theta q^{\pi_\theta} = \gamma P \nabla_\theta v^{\pi_\theta} $$

$$ \nabla_\theta v^{\pi_\theta} = (I - \gamma P_{\pi_\theta})^{-1} (\nabla_\theta M_{\pi_\theta}) q^{\pi_\theta} $$
""",
    # d is a probability measure over 𝒮 and agrees with its series
    "pgt.occupancy-measure": r"""
$$ d_\mu^\pi = (1-\gamma) \sum_{t=0}^\infty \gamma^t \mu P_\pi^t $$

$$ d_\mu^\pi \mathbf{1} = 1 $$

$$ d_\mu^\pi \ge 0 $$
""",
}

_ORDER = ("refuted", "ill-formed", "undecided", "verified", "proved")


def _worst(verdicts: list[str]) -> str:
    return min(verdicts, key=_ORDER.index)


@pytest.mark.parametrize("claim_id", sorted(MATRIX_FORM))
def test_the_post_s_claims_in_matrix_form_get_the_catalogue_s_verdict(claim_id: str, tmp_path) -> None:
    claim = next(c for c in all_claims() if c.id == claim_id)
    expected = check_claim(claim, QUICK).verdict
    path = tmp_path / "matrix.md"
    path.write_text(MATRIX_FORM[claim_id], encoding="utf-8")
    run = verify_document(path, QUICK, profile="theory")
    got = [r.verdict for r in run.results]
    assert got and _worst(got) == expected, (claim_id, expected, [(r.line, r.verdict, r.reason) for r in run.results])


DERIVATIVES = r"""
$$ \nabla_\theta J(\pi_\theta) = \tilde{\nu}_\mu^{\pi_\theta} (\nabla_\theta M_{\pi_\theta}) q^{\pi_\theta} $$

$$ \left. \frac{d}{dx} J(\pi_x) \right|_{x=\theta_0} = \left. \tilde\nu_{\mu}^{\pi_{\theta_0}} \frac{d}{dx} M_{\pi_x} q^{\pi_{\theta_0}} \right|_{x=\theta_0} $$

$$ \left. \nabla_x J(\pi_x) \right|_{x=\theta_0} = \left. \tilde\nu_{\mu}^{\pi_{\theta_0}} \nabla_x M_{\pi_x} q^{\pi_{\theta_0}} \right|_{x=\theta_0} $$

$$ \left. \frac{d}{dx} J(\pi_x) \right|_{x=\theta_0} = \left. \frac{d}{dx} \tilde\nu_{\mu}^{\pi_{x}} M_{\pi_x} q^{\pi_{\theta_0}} \right|_{x=\theta_0} $$

$$ \left. \frac{d}{dx} J(\pi_x) \right|_{x=\theta_0} = \left. \frac{d}{dx} (\tilde\nu_{\mu}^{\pi_{x}} M_{\pi_x} q^{\pi_{\theta_0}} - \tilde\nu_{\mu}^{\pi_{x}} v^{\pi_{\theta_0}}) \right|_{x=\theta_0} $$

$$ \frac{d}{dx} J(\pi_x) = \tilde\nu_{\mu}^{\pi_{x}} \frac{d}{dx} M_{\pi_x} q^{\pi_{x}} $$

$$ \tilde\nu_{\mu}^{\pi_{\theta_0}} M_{\pi_{\theta_0}} q^{\pi_{\theta_0}} = J(\pi_{\theta_0}) $$
"""


def test_derivative_notations(tmp_path) -> None:
    """∇θ, d/dx|_{x=θ₀} and ∇_x|_{x=θ₀}: the policy gradient theorem of the lecture notes proved in each; the
    derivative of ν̃^{π_x} forgotten is refuted; the proof's step with it subtracted (the value difference identity
    at x) holds; a derivative at no point, or θ₀ outside a derivative, is refused with the reason."""
    path = tmp_path / "pgt.md"
    path.write_text(DERIVATIVES, encoding="utf-8")
    run = verify_document(path, QUICK, profile="theory")
    got = [(r.verdict, r.reason) for r in run.results]
    assert [g[0] for g in got] == ["proved", "proved", "proved", "refuted", "proved", "undecided", "undecided"], got
    assert "'x'" in got[5][1], got[5]  # x free: no point written
    assert "θ₀" in got[6][1], got[6]


SIDES = r"""
$$ P_\pi \mathbf{1} = \mathbf{1} $$

$$ \mathbf{1}^\top P_\pi = \mathbf{1}^\top $$

$$ \mathbf{1}^\top = P_\pi \mathbf{1} $$

$$ d_\mu^\pi = (d_\mu^\pi)^\top $$

$$ \mu \mathbf{1} = 1 $$
"""


def test_the_two_sides_of_a_relation_have_one_shape(tmp_path) -> None:
    """𝟏 alone takes the other side's size, as a column; 𝟏ᵀ as a row; a row is never equated with a column."""
    path = tmp_path / "sides.md"
    path.write_text(SIDES, encoding="utf-8")
    run = verify_document(path, QUICK, profile="theory")
    got = [(r.verdict, r.reason) for r in run.results]
    assert [g[0] for g in got] == ["proved", "refuted", "ill-formed", "ill-formed", "proved"], got
    assert "𝟏ᵀ (a row)" in got[2][1] and "1×|S|" in got[3][1] and "|S|×1" in got[3][1], got


def test_the_profile_s_example_is_proved(tmp_path) -> None:
    import tomllib
    from pathlib import Path

    import pgverify.notation.profiles as profiles

    example = tomllib.loads((Path(profiles.__file__).with_name("profiles") / "theory.toml").read_text("utf-8"))["example"]
    path = tmp_path / "example.md"
    path.write_text(f"$$ {example} $$\n", encoding="utf-8")
    assert [r.verdict for r in verify_document(path, QUICK, profile="theory").results] == ["proved"]


MIXED = r"""
$$ J(\pi) = \sum_s \mu(s) v^\pi(s) $$

<!-- pgverify: for all s -->
$$ v^\pi(s) = (r_\pi + \gamma P_\pi v^\pi)(s) $$

<!-- pgverify: for all s -->
$$ (d_\mu^\pi)(s) = (1-\gamma) \sum_{t=0}^\infty \gamma^t (\mu P_\pi^t)(s) $$

$$ \nabla_\theta J(\pi_\theta) = \frac{1}{1-\gamma} \sum_s (d_\mu^{\pi_\theta})(s) \sum_a Q^{\pi_\theta}(s,a) \nabla_\theta \pi_\theta(a|s) $$

$$ J(\pi') - J(\pi) = \tilde\nu_\mu^{\pi'} (M_{\pi'} q^\pi - v^\pi) $$

<!-- pgverify: for all s -->
$$ v^\pi(s) = (r_\pi + P_\pi v^\pi)(s) $$
"""


def test_entries_of_vectors_mix_with_sums_over_states(tmp_path) -> None:
    """(x)(s) inside a product or a series, next to Σ_s and functions applied to s; the performance difference
    lemma in matrix form; a Bellman equation without γ read entrywise is refuted."""
    path = tmp_path / "mixed.md"
    path.write_text(MIXED, encoding="utf-8")
    got = [r.verdict for r in verify_document(path, QUICK, profile="theory").results]
    assert got == ["proved", "proved", "proved", "proved", "verified", "refuted"], got
