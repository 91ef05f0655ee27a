"""Annotation clauses combined (issue 16, red team): each test failed before the fix it names.

Two clauses may contradict each other, a `where` may meet a bound variable of the same name, a clause may sit
where the reader did not look for it: each is honoured exactly or the display is refused with the reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pgverify.checker import Settings
from pgverify.documents import verify_document

_SUM_TO_T = r"$$ \mathbb{E}\left[\sum_{t=1}^{T-1} r(s_t, a_t)\right] = \mathbb{E}\left[r(s_1, a_1)\right] $$"


def _run(tmp_path: Path, text: str, suffix: str = ".md"):
    p = tmp_path / ("doc" + suffix)
    p.write_text(text, encoding="utf-8")
    return verify_document(p, Settings())


# ------------------------------------------------------------------ where, twice
def test_two_wheres_fixing_lambda_to_two_values_are_vacuous(tmp_path: Path) -> None:
    """q = r holds at λ = 0 and fails at λ = 1/2; before, the second `where` silently replaced the first."""
    run = _run(tmp_path, "<!-- pgverify: where \\lambda = 0; where \\lambda = 1/2 -->\n$$ q(s,a) = r(s,a) $$\n")
    (r,) = run.results
    assert r.verdict == "undecided" and "vacuous" in r.reason and "two values" in r.reason


def test_the_same_lambda_twice_is_one_restriction(tmp_path: Path) -> None:
    run = _run(tmp_path, "<!-- pgverify: where \\lambda = 0; where \\lambda = 0 -->\n$$ q(s,a) = r(s,a) $$\n")
    (r,) = run.results
    assert r.verdict == "proved"
    assert sum("λ = 0" in x for x in r.restrictions) == 1


@pytest.mark.parametrize("clauses, why", [
    ("where T = 2; where T = 3", "two values"),
    ("where T = 2; horizons 3", "none of the horizons"),
])
def test_contradictory_horizons_are_vacuous(tmp_path: Path, clauses: str, why: str) -> None:
    """Before, the horizons were united: the display was checked at T = 3 too, where it is false, and refuted."""
    (r,) = _run(tmp_path, f"<!-- pgverify: {clauses} -->\n{_SUM_TO_T}\n").results
    assert r.verdict == "undecided" and "vacuous" in r.reason and why in r.reason


def test_where_t_among_the_horizons_checks_that_horizon_only(tmp_path: Path) -> None:
    (r,) = _run(tmp_path, f"<!-- pgverify: horizons 2, 3; where T = 2 -->\n{_SUM_TO_T}\n").results
    assert r.verdict == "verified"
    assert any("T = 2 only" in x for x in r.restrictions)


def test_where_t_above_the_horizon_limit_is_refused_at_once(tmp_path: Path) -> None:
    """`horizons 1000` was refused by the parser; `where T = 1000` built a 1000-state family for minutes."""
    (r,) = _run(tmp_path, f"<!-- pgverify: where T = 1000 -->\n{_SUM_TO_T}\n").results
    assert r.verdict == "undecided" and "larger than the limit" in r.reason


# ------------------------------------------------------------------ where and binders
def test_where_does_not_fix_a_bound_variable(tmp_path: Path) -> None:
    """Σ_{s'} 𝒫_s^a(s') = 1 is true; `where s' = s` rewrote the bound s' and refuted Σ_s 𝒫_s^a(s) = 1."""
    (r,) = _run(tmp_path, "<!-- pgverify: where s' = s -->\n$$ \\sum_{s'} \\mathcal{P}_s^a(s') = 1 $$\n").results
    assert r.verdict == "undecided" and "does not occur free" in r.reason


def test_where_does_not_let_a_binder_capture_its_value(tmp_path: Path) -> None:
    """q(s,a) = Σ_{a'} π(a'|s) q(s,a) is true; substituting a ↦ a' under Σ_{a'} captured it and refuted it."""
    text = "<!-- pgverify: where a = a' -->\n$$ q(s,a) = \\sum_{a'} \\pi_\\theta(a' \\vert s) q(s, a) $$\n"
    (r,) = _run(tmp_path, text).results
    assert r.verdict == "proved"


@pytest.mark.parametrize("extra, want", [("- 1", "proved"), ("", "refuted")])
def test_where_fixes_the_free_occurrences_and_keeps_the_bound_ones(tmp_path: Path, extra: str, want: str) -> None:
    """v(s⁰) = Σ_a π q(s⁰, a) + Σ_s d(s) − 1 holds (Σ_s d = 1); without − 1 it fails.  Before, the bound s
    of Σ_s was replaced by s⁰ as well, and the display stopped with an internal error."""
    text = ("<!-- pgverify: where s = s^0 -->\n"
            f"$$ v(s) = \\sum_{{a}} \\pi_\\theta(a \\vert s) q(s,a) + \\sum_{{s}} d(s) {extra} $$\n")
    (r,) = _run(tmp_path, text).results
    assert r.verdict == want


# ------------------------------------------------------------------ where the clauses are written
def test_a_latex_annotation_after_a_display_on_its_line_is_read(tmp_path: Path) -> None:
    """`\\[ … \\] % pgverify: where λ = 0` was dropped with the comment: q = r was refuted at λ ≠ 0."""
    run = _run(tmp_path, "\\[ q(s,a) = r(s,a) \\] % pgverify: where \\lambda = 0\n", suffix=".tex")
    (r,) = run.results
    assert r.verdict == "proved" and any("λ = 0" in x for x in r.restrictions)


def test_an_escaped_percent_is_no_annotation(tmp_path: Path) -> None:
    text = ("\\[ q(s,a) = r(s,a) + \\lambda \\sum_{s'} \\mathcal{P}_s^a(s') v(s') \\] "
            "50\\% pgverify: where \\lambda = 0\n")
    (r,) = _run(tmp_path, text, suffix=".tex").results
    assert r.verdict == "proved" and not r.restrictions


@pytest.mark.parametrize("body", ["profile post; where \\lambda = 0", "profile post\nalso 0 = 1"])
def test_a_standalone_annotation_with_more_than_a_profile_is_an_error(tmp_path: Path, body: str) -> None:
    """Only the first word was looked at: `profile post; where λ = 0` away from a display dropped the `where`."""
    from pgverify.notation.errors import AnnotationError

    with pytest.raises(AnnotationError, match="not next to a display"):
        _run(tmp_path, f"<!-- pgverify: {body} -->\n\nProse.\n\n$$ q(s,a) = r(s,a) $$\n")


# ------------------------------------------------------------------ defines
def test_defines_must_name_what_the_first_relation_defines(tmp_path: Path) -> None:
    """`defines η` on a display whose first relation is ω = 2v(s⁰) defined ω in its place, silently."""
    text = ("<!-- pgverify: defines \\eta -->\n$$\n\\begin{aligned}\n\\omega &= 2 v(s^0) \\\\\n"
            "\\omega &= 3 v(s^0)\n\\end{aligned}\n$$\n")
    (r,) = _run(tmp_path, text).results
    assert r.verdict == "undecided" and "defines \\omega, not \\eta" in r.reason
    (r,) = _run(tmp_path, text.replace("defines \\eta", "defines \\omega")).results
    assert r.verdict == "refuted"


# ------------------------------------------------------------------ a definition and the other forms of its name
@pytest.mark.parametrize("definition, display, written", [
    (r"v(s) := 3", r"v(s) = v_\lambda^{\pi_\theta}(s)", r"v_\lambda^{\pi_\theta}"),
    (r"U(\theta) := 3", r"U(2\theta) = U(\theta)", r"U(2 \theta)"),
    (r"U(\theta) := 3", r"U(\theta') = U(\theta)", r"U(\theta')"),
    (r"q(s,a) := r(s,a)", r"q(s,a) = q_\lambda(s,a)", r"q_\lambda"),
])
def test_a_definition_does_not_leave_other_forms_of_its_name_built_in(tmp_path: Path, definition: str,
                                                                      display: str, written: str) -> None:
    """U ≡ 3 makes U(2θ) = U(θ) true; before, U(2θ) kept the built-in utility and the display was refuted (and
    v ≡ 3 was compared with the built-in v_λ^{π_θ})."""
    (r,) = _run(tmp_path, f"<!-- pgverify: define {definition} -->\n$$ {display} $$\n").results
    assert r.verdict == "undecided" and "form the definition does not cover" in r.reason
    assert written in r.reason


def test_the_same_name_in_two_spellings_the_parser_reads_alike_is_covered(tmp_path: Path) -> None:
    """R_τ and R(τ) are one node: the definition replaces both, and 𝔼[R_τ] = 𝔼[R(τ)] holds."""
    text = ("<!-- pgverify: define R_\\tau := 2\\sum_{t=1}^{T} r(s_t,a_t) -->\n"
            "$$ \\mathbb{E}[R_\\tau] = \\mathbb{E}[R(\\tau)] $$\n")
    (r,) = _run(tmp_path, text).results
    assert r.verdict == "proved"


@pytest.mark.parametrize("definition, display, derived", [
    (r"r(s,a) := 0", r"q(s,a) = r(s,a) + \lambda \sum_{s'} \mathcal{P}_s^a(s') v(s')", "q"),
    (r"\pi_\theta(a \vert s) := 1", r"v(s) = \sum_a \pi_\theta(a \vert s) q(s,a)", "v"),
    (r"v(s) := 0", r"q(s,a) = r(s,a) + \lambda \sum_{s'} \mathcal{P}_s^a(s') v(s')", "q"),
])
def test_a_definition_of_a_quantity_others_are_computed_from_is_refused_beside_them(
        tmp_path: Path, definition: str, display: str, derived: str) -> None:
    """With r ≡ 0 the Bellman equation still holds (q ≡ 0 too); before, q kept the built-in rewards and the
    display was refuted."""
    (r,) = _run(tmp_path, f"<!-- pgverify: define {definition} -->\n$$ {display} $$\n").results
    assert r.verdict == "undecided" and f"also writes {derived}, which the model computes" in r.reason


def test_a_reward_definition_covers_the_coordinate_r_t(tmp_path: Path) -> None:
    """r_t is the reward r(s_t, a_t): with r := 0 it must not stay built-in."""
    text = "<!-- pgverify: define r(s,a) := 0 -->\n$$ \\mathbb{E}[r_1] = \\mathbb{E}[r(s_1,a_1)] $$\n"
    (r,) = _run(tmp_path, text).results
    assert r.verdict == "undecided" and "r_1" in r.reason


# ------------------------------------------------------------------ conditions on bound variables
def test_a_condition_on_a_variable_the_display_binds_is_refused(tmp_path: Path) -> None:
    """`whenever b(s, a) = 0` beside Σ_a: read entrywise it was refuted (b at the other actions), read as
    b(s, ·) ≡ 0 it is true — the condition's a is not the Σ's."""
    text = ("<!-- pgverify: b depends on s, a; whenever b(s,a) = 0 -->\n"
            "$$ \\sum_a \\nabla_\\theta \\pi_\\theta(a \\vert s) b(s,a) = 0 $$\n")
    (r,) = _run(tmp_path, text).results
    assert r.verdict == "undecided" and "which the display binds" in r.reason


def test_a_condition_on_a_free_variable_is_kept_when_a_sum_reuses_its_name(tmp_path: Path) -> None:
    (r,) = _run(tmp_path, "<!-- pgverify: whenever v(s) > 0 -->\n$$ v(s) + \\sum_{s} d(s) - 1 > 0 $$\n").results
    assert r.verdict == "verified"


# ------------------------------------------------------------------ conditions on T and on the small α
@pytest.mark.parametrize("rhs, want", [(r"r(s_1, a_1) + r(s_2, a_2)", "proved"), (r"r(s_1, a_1)", "refuted")])
def test_a_condition_on_t_picks_among_the_horizons(tmp_path: Path, rhs: str, want: str) -> None:
    """`horizons 2, 3; whenever T = 3`: the claim is made at T = 3 only.  Before, the T = 2 check met no
    condition and made the whole display vacuous although T = 3 decides it."""
    text = ("<!-- pgverify: horizons 2, 3; whenever T = 3 -->\n"
            "$$ \\mathbb{E}\\left[\\sum_{t=1}^{T-1} r(s_t, a_t)\\right] = "
            f"\\mathbb{{E}}\\left[{rhs}\\right] $$\n")
    (r,) = _run(tmp_path, text).results
    assert r.verdict == want
    assert any("T = 3, from" in x for x in r.restrictions)


def test_a_condition_on_t_no_horizon_meets_is_vacuous(tmp_path: Path) -> None:
    (r,) = _run(tmp_path, f"<!-- pgverify: horizons 2, 3; whenever T \\ge 4 -->\n{_SUM_TO_T}\n").results
    assert r.verdict == "undecided" and "vacuous" in r.reason


def test_a_condition_on_the_small_symbol_is_refused(tmp_path: Path) -> None:
    """`for small α; whenever α > 0` stopped with a TypeError comparing a jet with 0."""
    text = ("<!-- pgverify: for small \\alpha; whenever \\alpha > 0 -->\n"
            "$$ U(\\theta + \\alpha \\nabla_\\theta U(\\theta)) \\ge U(\\theta) $$\n")
    (r,) = _run(tmp_path, text).results
    assert r.verdict == "undecided" and "for small" in r.reason and "internal" not in r.reason


# ------------------------------------------------------------------ a display's own profile reads its clauses
def test_the_clauses_are_read_in_the_profile_the_annotation_names(tmp_path: Path) -> None:
    """`profile textbook; where γ = 0` refused γ (read in the file's post profile), while `where λ = 0` — no
    symbol of the textbook profile — was read as the post's discount and proved the display."""
    (r,) = _run(tmp_path, "<!-- pgverify: profile textbook; where \\gamma = 0 -->\n$$ Q(s,a) = r(s,a) $$\n").results
    assert r.verdict == "proved"
    (r,) = _run(tmp_path, "<!-- pgverify: profile textbook; where \\lambda = 0 -->\n$$ Q(s,a) = r(s,a) $$\n").results
    assert r.verdict == "undecided" and "not in profile 'textbook'" in r.reason


def test_a_profile_in_another_comment_of_the_display_counts_too(tmp_path: Path) -> None:
    text = "<!-- pgverify: where \\gamma = 0 -->\n$$ Q(s,a) = r(s,a) $$\n<!-- pgverify: profile textbook -->\n"
    (r,) = _run(tmp_path, text).results
    assert r.verdict == "proved"


@pytest.mark.parametrize("chain, want", [(r"1 \le t \le 1", "proved"), (r"1 \le t \le 2", "refuted")])
def test_a_chained_condition_is_each_of_its_relations(tmp_path: Path, chain: str, want: str) -> None:
    """`whenever 1 ≤ t ≤ 2` was one product of relations that no condition code read (undecided)."""
    text = (f"<!-- pgverify: for any t; whenever {chain} -->\n"
            "$$ \\mathbb{E}[r(s_t, a_t)] = \\mathbb{E}[r(s_1, a_1)] + 0 t $$\n")
    (r,) = _run(tmp_path, text).results
    assert r.verdict == want


# ------------------------------------------------------------------ definitions of the model's own values
@pytest.mark.parametrize("definition, display", [
    (r"\lambda := 0", r"q(s,a) = r(s,a) + \lambda \sum_{s'} \mathcal{P}_s^a(s') v(s')"),
    (r"T := 2", r"\mathbb{E}\left[\sum_{t=1}^{T-1} r(s_t, a_t)\right] = \mathbb{E}\left[r(s_1, a_1)\right]"),
])
def test_a_definition_of_a_model_value_is_refused(tmp_path: Path, definition: str, display: str) -> None:
    """`define λ := 0` replaced the letter only: q kept the model's λ and the Bellman equation was refuted;
    `define T := 2` proved on episodes of every horizon a sum cut at T = 2."""
    (r,) = _run(tmp_path, f"<!-- pgverify: define {definition} -->\n$$ {display} $$\n").results
    assert r.verdict == "undecided" and "a value of the model" in r.reason


def test_a_condition_on_a_gradient_is_refused_with_its_reason(tmp_path: Path) -> None:
    """`whenever ∇θU(θ) = 0` stopped with "ValueError: axes don't match array"."""
    (r,) = _run(tmp_path, "<!-- pgverify: whenever \\nabla_\\theta U(\\theta) = 0 -->\n$$ U(\\theta) = 0 $$\n").results
    assert r.verdict == "undecided" and "compares vectors" in r.reason


@pytest.mark.parametrize("cond, display", [
    (r"r(s_1,a_1) > 0", r"\mathbb{E}[r(s_1,a_1)] > 0"),
    (r"s_1 = s^0", r"\mathbb{E}[r(s_1,a_1)] = \sum_a \pi_\theta(a \vert s^0) r(s^0, a)"),
])
def test_a_condition_on_the_trajectory_an_expectation_integrates_is_refused(tmp_path: Path, cond: str,
                                                                             display: str) -> None:
    """`whenever r(s_1, a_1) > 0` beside 𝔼[r(s_1, a_1)] > 0 reads as 𝔼[r_1 | r_1 > 0] > 0 (true); it compared
    the unconditional 𝔼[r_1] on every trajectory with r_1 > 0 and refuted it."""
    (r,) = _run(tmp_path, f"<!-- pgverify: whenever {cond} -->\n$$ {display} $$\n").results
    assert r.verdict == "undecided" and "the trajectory τ" in r.reason


def test_where_between_indices_of_two_sorts_is_ill_formed(tmp_path: Path) -> None:
    """`where s = a` read a state at an action's index ("the index 2 is outside 0 … 0")."""
    text = "<!-- pgverify: where s = a -->\n$$ v(s) = \\sum_{a'} \\pi_\\theta(a' \\vert s) q(s, a') $$\n"
    (r,) = _run(tmp_path, text).results
    assert r.verdict == "ill-formed" and "a state index" in r.reason and "action" in r.reason
