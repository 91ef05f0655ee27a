"""The gae profile's reader and expansion (pgverify/notation/gae.py): every way the paper's estimators are written
reads as the same sum, and every construct it cannot read is refused with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgverify.checker import Settings
from pgverify.documents import verify_document
from pgverify.notation import ast as A
from pgverify.notation import gae, parse
from pgverify.notation.definitions import substitute
from pgverify.notation.errors import NotationError


def _lhs(text: str, **kw) -> A.Expr:
    return gae.expand_gae(parse(text, profile="gae"), **kw).rows[0].lhs


GAE_HALF = _lhs(r"\hat{A}_t^{\mathrm{GAE}(\gamma, \frac{1}{2})}", arbitrary_v=True)


@pytest.mark.parametrize("written", [
    r"\hat{A}_t^{\text{GAE}(\gamma, \frac{1}{2})}",
    r"\hat{A}_t^{\operatorname{GAE}(\gamma,\frac{1}{2})}",
    r"\hat{A}_t^{GAE(\gamma, \frac{1}{2})}",
    r"\hat{A}^{\mathrm{GAE}(\gamma, \frac{1}{2})}_t",
    r"\hat A_{t}^{\mathrm{GAE}(\gamma, \frac{1}{2})}",
])
def test_every_spelling_of_gae_reads_the_same(written):
    assert _lhs(written, arbitrary_v=True) == GAE_HALF


def test_the_k_step_estimator_is_its_sum_of_residuals():
    """Â_t^{(2)} is Σ_{l=0}^{2−1} γ^l δ_{t+l}^V, the sum written with the display's own l."""
    got = _lhs(r"\hat{A}_t^{(2)}", arbitrary_v=True)
    written = _lhs(r"\sum_{l=0}^{2-1} \gamma^l \delta_{t+l}^V", arbitrary_v=True)
    assert isinstance(got, A.Sum) and isinstance(written, A.Sum)
    assert got.lower == written.lower and got.upper == written.upper
    assert got.body == substitute(written.body, {"l": got.indices[0]})


def test_where_v_is_the_value_function_every_v_is_v_pi():
    got = _lhs(r"\delta_t^V", value_v=True)
    assert got == _lhs(r"\delta_t^{v^\pi}")


#: (display, annotation, verdict, words of the reason)
BAD = [
    (r"\hat{A}_t^2 = \delta_t^V", "for any t; V depends on s", "undecided", "a power of an estimate"),
    (r"\hat{A}_t = \delta_t^V", "for any t; V depends on s", "undecided", "which estimator"),
    (r"\delta_t = 0", "for any t; V depends on s", "undecided", "without its value function"),
    (r"\delta_s^V = 0", "for all s; V depends on s", "undecided", "is a time"),
    (r"\hat{A}_t^{\mathrm{GAE}(\theta, \lambda)} = 0", "for any t; V depends on s; where \\lambda = 1/2",
     "undecided", "the discount γ only"),
    (r"\hat{A}_t^{\mathrm{GAE}(\gamma, 3)} = 0", "for any t; V depends on s", "undecided", "rational in [0, 1]"),
    (r"\hat{A}_t^{\mathrm{GAE}(\gamma)} = 0", "for any t; V depends on s", "undecided", "two arguments"),
    (r"\hat{A}_t^{\mathrm{GAE}(\gamma, \lambda)} = 0", "for any t; V depends on s", "undecided", "trace parameter"),
    (r"\hat{A}_t^{\mathrm{GAE}(\gamma, \lambda)} = 0", "for any t; V depends on s; where \\lambda = 3/2",
     "ill-formed", "rational in [0, 1]"),
    (r"V(s_t) = 0", "for any t", "undecided", "V depends on s"),
    (r"\hat{A}_t^{(1)} = 0", "for any t; V depends on s; where V = v^\\pi", "undecided", "both"),
    (r"\delta_t^{q^\pi} = 0", "for any t", "undecided", "X = v^π"),
]


@pytest.mark.parametrize("display, annotation, verdict, words", BAD, ids=[b[0] for b in BAD])
def test_what_cannot_be_read_is_refused_with_its_reason(display, annotation, verdict, words, tmp_path: Path):
    path = tmp_path / "doc.md"
    path.write_text(f"<!-- pgverify: {annotation} -->\n$$ {display} $$\n", encoding="utf-8")
    (result,) = verify_document(path, Settings(seed=0), profile="gae").results
    assert result.verdict == verdict, result.reason
    assert words in result.reason


def test_the_reader_refuses_a_power_at_its_place():
    with pytest.raises(NotationError, match="a power of an estimate"):
        parse(r"x = \hat{A}_t^{k}", profile="gae")
