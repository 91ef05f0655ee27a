"""Annotations consumed by the evaluation (issue 16, classes 2-4): each rule on its own, with what it must refuse.

Every test here failed before the rule it tests: definitions were parsed and ignored, ``where λ = …`` substituted
the letter only, conditions zeroed the entries they did not select, ``horizons`` substituted T without restricting
the episodes, and nothing said what was restricted.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from pgverify.checker import Settings, check_claim
from pgverify.documents import dumps, table, verify_document
from pgverify.families import get_family
from pgverify.families.restrict import fixed
from pgverify.notation import ast as A
from pgverify.notation.definitions import DefinitionError, apply_definitions, substitute
from pgverify.notation.errors import NotationError
from pgverify.notation.evaluate import (SELECTED_AXIS, Conventions, NotEvaluable, Tensor, _selected,
                                        compile_display, parameter_condition)
from pgverify.notation.latex import parse_display, parse_row, source
from pgverify.notation.render import render_latex
from pgverify.output.annotate import annotated_html, annotated_markdown
from pgverify.statement import OutsideCondition
from numeric.errors import PGVerifyError


def _row(text: str) -> A.Row:
    return parse_row(source(text, 1, 1), "post")


def _rel(text: str) -> A.Rel:
    row = _row(text)
    return A.Rel(row.steps[0].rel, row.lhs, row.steps[0].rhs)


def _run(tmp_path: Path, text: str):
    p = tmp_path / "doc.md"
    p.write_text(text, encoding="utf-8")
    return verify_document(p, Settings())


# ------------------------------------------------------------------ parameter conditions
@pytest.mark.parametrize("text, want", [
    (r"3\lambda = 1", Fraction(1, 3)), (r"\lambda = 0", Fraction(0)), (r"\lambda^2 = \frac{1}{4}", Fraction(1, 2)),
    (r"0 = 1", False), (r"1 = 1", True), (r"\lambda = 2", False), (r"2 < 1", False)])
def test_a_condition_on_lambda_alone_is_solved_on_the_family(text: str, want: object) -> None:
    assert parameter_condition(_rel(text)) == want


def test_a_condition_on_model_values_selects_entries_instead() -> None:
    assert parameter_condition(_rel(r"r(s, a) = 5")) is None
    assert parameter_condition(_rel(r"s = s^0")) is None


def test_a_range_of_lambda_is_refused() -> None:
    with pytest.raises(NotEvaluable, match="range"):
        parameter_condition(_rel(r"\lambda < \frac{1}{2}"))


# ------------------------------------------------------------------ selection, not zeroing
def test_unselected_entries_are_dropped_not_zeroed() -> None:
    lhs = Tensor(np.array([3, 0, 5], dtype=object), ("s",))
    rhs = Tensor(0, ())
    mask = Tensor(np.array([True, False, True]), ("s",))
    a, b = _selected(lhs, rhs, mask, ())
    assert a.axes == (SELECTED_AXIS,) and list(a.value) == [3, 5] and list(b.value) == [0, 0]


def test_a_model_meeting_no_condition_is_outside_it() -> None:
    with pytest.raises(OutsideCondition):
        _selected(Tensor(np.array([1, 2]), ("s",)), Tensor(0, ()), Tensor(np.array([False, False]), ("s",)), ())
    with pytest.raises(OutsideCondition):
        _selected(Tensor(1, ()), Tensor(1, ()), Tensor(False, ()), ())


def test_every_condition_is_honoured_not_only_the_first() -> None:
    chain = parse_display(r"q(s, a) = 5")
    conds = (_rel(r"s = s^0"), _rel(r"r(s, a) = 5"))
    result = check_claim(compile_display(chain, name="two conditions", conventions=Conventions(conditions=conds)))
    assert result.verdict == "undecided" and "vacuous" in result.reason


def test_a_condition_no_point_meets_is_vacuous_never_proved() -> None:
    chain = parse_display(r"q(s, a) = 5")
    claim = compile_display(chain, name="r is 5", conventions=Conventions(conditions=(_rel(r"r(s, a) = 5"),)))
    result = check_claim(claim)
    assert result.verdict == "undecided"
    assert all(c.method != "symbolic" for c in result.checks)  # the universal model is skipped, not "passed"
    assert any((c.message or "").startswith("vacuous") for c in result.checks)


def test_a_strict_inequality_holds_on_the_selected_entries() -> None:
    chain = parse_display(r"d(s) > 0")
    claim = compile_display(chain, name="d at s0", conventions=Conventions(conditions=(_rel(r"s = s^0"),)))
    assert check_claim(claim).verdict == "verified"


# ------------------------------------------------------------------ families fixed by an annotation
def test_lambda_fixed_rebuilds_every_quantity() -> None:
    fam = get_family(fixed("tabular-softmax", discount=Fraction(0)))
    for m in fam.exact_points(2, 0) + [fam.symbolic()]:
        assert m.lam == 0
        assert all(x == y for x, y in zip(np.ravel(m.q), np.ravel(m.r)))  # q = r + λ P v at λ = 0
    ex = fam.examples().example()
    assert fam.build(ex, True).lam == 0 and fam.describe(ex)["discount"] == "0"


def test_lambda_one_only_on_an_episode() -> None:
    assert fixed("episodic-softmax", discount=Fraction(1)) == "episodic-softmax[λ=1]"
    with pytest.raises(PGVerifyError, match="episodic"):
        fixed("tabular-softmax", discount=Fraction(1))
    with pytest.raises(PGVerifyError, match=r"\[0, 1\]"):
        fixed("tabular-softmax", discount=Fraction(2))


@pytest.mark.parametrize("h", [2, 3, 5])
def test_a_horizon_restricts_the_episodes(h: int) -> None:
    fam = get_family(fixed("episodic-softmax", horizon=h))
    assert all(m.extras["horizon"] == h for m in fam.exact_points(2, 0))
    assert fam.build(fam.examples().example(), True).extras["horizon"] == h
    assert ("symbolic" in fam.methods) == (h == 3)  # the universal episodic model has T = 3


def test_a_horizon_needs_an_episodic_family() -> None:
    with pytest.raises(PGVerifyError, match="episodic"):
        fixed("tabular-softmax", horizon=2)


# ------------------------------------------------------------------ definitions
def test_a_definition_replaces_the_built_in_meaning() -> None:
    chain, _ = apply_definitions(parse_display(r"\sum_a q(s, a) = 1"), (_row(r"q(s, a) := 2 r(s, a)"),))
    assert render_latex(chain) == r"\sum_a 2 r(s, a) = 1"


def test_a_definition_is_applied_without_capture() -> None:
    d = _row(r"G_\tau^t := \sum_{k=t}^{T} r(s_k, a_k)")
    chain, _ = apply_definitions(parse_display(r"G_\tau^k = G_\tau^k"), (d,))
    assert render_latex(chain.rows[0].lhs) == r"\sum_{k'=k}^T r(s_{k'}, a_{k'})"


def test_substitution_renames_a_binder_that_would_capture() -> None:
    body = parse_display(r"\sum_{k} r(s_k, a_k) t = 0").rows[0].lhs
    out = substitute(body, {"t": A.Var("k", "time")})
    assert render_latex(out) == r"\sum_{k'} r(s_{k'}, a_{k'}) k"


@pytest.mark.parametrize("definition, display, why", [
    (r"\eta(s) := 2 v(s)", r"v(s) = v(s)", "does not occur"),
    (r"\omega := q(s, a)", r"\omega = \omega", "does not name"),
    (r"\eta(s) := \eta(s) + 1", r"\eta(s) = \eta(s)", "recursive"),
])
def test_a_definition_that_cannot_be_applied_is_refused(definition: str, display: str, why: str) -> None:
    with pytest.raises(DefinitionError, match=why):
        apply_definitions(parse_display(display), (_row(definition),))


def test_doteq_is_a_definition() -> None:
    assert parse_display(r"\omega \doteq 2 U(\theta)").rows[0].steps[0].rel == "def"
    assert parse_display("ω ≐ 2 U(θ)").rows[0].steps[0].rel == "def"


def test_a_definition_reaches_the_conditions_too() -> None:
    _, conds = apply_definitions(parse_display(r"\eta(s) = 1"), (_row(r"\eta(s) := 2 v(s)"),),
                                 (_rel(r"\eta(s) = 1"),))
    assert render_latex(conds[0]) == r"2 v(s) = 1"


# ------------------------------------------------------------------ depends on
def test_b_of_state_and_action_parses_and_is_refused_unless_declared() -> None:
    parse_display(r"b(s, a) = b(s, a)")
    with pytest.raises(NotationError):
        parse_display(r"b(s, a, s') = 0")
    claim = compile_display(parse_display(r"\sum_a \pi_\theta(a \vert s) b(s, a) = 0"), name="undeclared b")
    assert check_claim(claim).verdict == "undecided"


def test_a_declared_arbitrary_function_is_evaluated_and_theta_free() -> None:
    conv = Conventions(arbitrary=(("b", "c"),))
    true = compile_display(parse_display(r"\nabla_\theta \sum_a \pi_\theta(a \vert s) b(s, a) = "
                                         r"\sum_a \nabla_\theta \pi_\theta(a \vert s) b(s, a)"), name="b(s,a) θ-free",
                           conventions=conv)
    false = compile_display(parse_display(r"\sum_a \nabla_\theta \pi_\theta(a \vert s) b(s, a) = 0"),
                            name="b(s,a) baseline", conventions=conv)
    assert check_claim(true).verdict == "proved"
    assert check_claim(false).verdict == "refuted"


def test_a_declared_function_is_checked_on_the_family_that_draws_it() -> None:
    claim = compile_display(parse_display(r"\sum_a \nabla_\theta \pi_\theta(a \vert s) f(s) = 0"), name="f(s)",
                            conventions=Conventions(arbitrary=(("f", "b"),)))
    assert claim.families == ("episodic-softmax",) and check_claim(claim).verdict == "proved"


def test_two_arbitrary_functions_of_the_same_arguments_are_refused(tmp_path: Path) -> None:
    run = _run(tmp_path, "<!-- pgverify: b depends on s, a; f depends on s, a -->\n$$ b(s, a) = f(s, a) $$\n")
    assert run.results[0].verdict == "undecided" and "same function" in run.results[0].reason


def test_where_reaches_the_conditions_and_must_be_used(tmp_path: Path) -> None:
    run = _run(tmp_path, "<!-- pgverify: where s = s'; whenever s = s^0 -->\n$$ d(s) > 0 $$\n\n"
                         "<!-- pgverify: where a = a' -->\n$$ v(s) = v(s) $$\n")
    assert run.results[0].verdict == "verified"  # d(s') > 0 where s' = s⁰ (not at every s', where it may be 0)
    assert run.results[1].verdict == "undecided" and "does not occur" in run.results[1].reason


# ------------------------------------------------------------------ what was checked is shown
_HORIZON_DOC = ("<!-- pgverify: for any T; horizons 2 -->\n"
                "$$ \\mathbb{E}\\left[\\sum_{t=1}^{T-1} r(s_t, a_t)\\right] = \\mathbb{E}\\left[r(s_1, a_1)\\right] $$\n")


def test_restrictions_are_in_the_result_table_json_and_annotations(tmp_path: Path) -> None:
    run = _run(tmp_path, _HORIZON_DOC)
    r = run.results[0]
    assert r.verdict == "verified"
    assert any("T = 2 only" in x for x in r.restrictions)
    assert "families checked: episodic-softmax[T=2]" in r.restrictions
    assert all("T=3" not in c.family and "T=4" not in c.family for c in r.result.checks)
    assert "checked only under" in table(run) and "T = 2 only" in table(run)
    assert json.loads(dumps(run))["displays"][0]["restrictions"] == list(r.restrictions)
    assert "checked only under" in annotated_markdown(_HORIZON_DOC, run)
    assert "% pgverify checked only under" in annotated_markdown(_HORIZON_DOC, run, latex=True)
    assert "checked only under" in annotated_html(_HORIZON_DOC, run)


def test_restrictions_are_escaped_in_html(tmp_path: Path) -> None:
    doc = "<!-- pgverify: where s = s^0 -->\n$$ v(s) = U(\\theta) $$\n"
    run = _run(tmp_path, doc)
    page = annotated_html(doc, run)
    assert run.results[0].restrictions and "s = s^0 (substituted)" in page


def test_every_clause_kind_leaves_a_trace(tmp_path: Path) -> None:
    doc = ("<!-- pgverify: where \\lambda = 0 -->\n$$ q(s, a) = r(s, a) $$\n\n"
           "<!-- pgverify: whenever 3\\lambda = 1 -->\n$$ U(\\theta) = U(\\theta) $$\n\n"
           "<!-- pgverify: whenever s = s^0 -->\n$$ d(s) > 0 $$\n\n"
           "<!-- pgverify: define \\eta(s) := 2 v(s) -->\n$$ \\eta(s) = v(s) + v(s) $$\n\n"
           "<!-- pgverify: b depends on s -->\n$$ \\sum_a \\nabla_\\theta \\pi_\\theta(a \\vert s) b(s) = 0 $$\n")
    shown = [" ".join(r.restrictions) for r in _run(tmp_path, doc).results]
    assert "λ = 0" in shown[0] and "tabular-softmax[λ=0]" in shown[0]
    assert "λ = 1/3" in shown[1]
    assert "only where s = s^0" in shown[2]
    assert r"\eta" in shown[3] and ":=" in shown[3]
    assert "b an arbitrary function of s" in shown[4]
