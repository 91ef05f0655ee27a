"""The checker decides verdicts from real evaluations: each verdict can be produced and can fail."""

import numpy as np
import pytest

from pgverify.checker import Settings, check_claim
from pgverify.registry import Claim
from pgverify.statement import MISSING, chain, identity

FAST = Settings(seed=1, exact_points=2, numeric_examples=15, counterexample_examples=100)


def make(fn, **kw):
    return Claim("test." + fn.__name__, "Tests", "test", fn, **kw)


def true_identity(m):
    return identity(m.grad_U, np.einsum("s,sa,sak->k", m.w, m.q, m.dpi))


def dropped_discount(m):
    return identity(m.q, m.r + m.Pv)


def free_index(m):
    return identity(m.grad_U, np.einsum("s,sa,sak->ak", m.d, m.q, m.dpi))


def display_stops(m):
    return identity(m.d, MISSING)


def chain_with_second_step_wrong(m):
    return chain(m.U, m.mu0 @ m.v, 2 * (m.mu0 @ m.v), labels=("(i)", "(ii)"))


def nonnegative_occupancy(m):
    return identity(m.d, m.d * 0, relation=">=")


def raises(m):
    raise ZeroDivisionError("boom")


def test_a_true_identity_is_proved_with_a_schwartz_zippel_bound():
    r = check_claim(make(true_identity), FAST)
    assert r.verdict == "proved" and r.counterexample is None
    exact = next(c for c in r.checks if c.method == "exact")
    assert 0 < exact.details["error_bound"] < 1e-10 and exact.details["degree_bound"] > 0
    assert {c.method for c in r.checks} == {"symbolic", "exact", "numeric"}


def test_a_false_identity_is_refuted_with_the_smallest_exact_counterexample():
    r = check_claim(make(dropped_discount), FAST)
    assert r.verdict == "refuted"
    assert all(c.passed is False for c in r.checks)
    ce = r.counterexample
    assert ce.exact and ce.example["P"] == [[["1"]]] and ce.example["discount"] == "0"
    assert ce.lhs != ce.rhs


def test_the_first_failing_step_of_a_chain_is_named():
    r = check_claim(make(chain_with_second_step_wrong), FAST)
    assert r.verdict == "refuted" and r.counterexample.step == "(ii)" and r.counterexample.step_index == 1


@pytest.mark.parametrize("fn", [free_index, display_stops], ids=["free-index", "missing-side"])
def test_statements_that_do_not_type_check_are_ill_formed(fn):
    r = check_claim(make(fn), FAST)
    assert r.verdict == "ill-formed" and r.reason


def test_inequalities_are_verified_not_proved():
    r = check_claim(make(nonnegative_occupancy), FAST)
    assert r.verdict == "verified"


def test_an_error_inside_a_claim_is_undecided_and_says_why():
    r = check_claim(make(raises), FAST)
    assert r.verdict == "undecided"
    assert any("ZeroDivisionError: boom" in c.message for c in r.checks)


def test_same_seed_same_result_other_seed_other_points():
    a = check_claim(make(dropped_discount), FAST)
    b = check_claim(make(dropped_discount), FAST)
    assert a.counterexample == b.counterexample
    assert [c.details for c in a.checks] == [c.details for c in b.checks]


def test_slow_methods_run_only_when_asked():
    claim = make(true_identity, methods=("exact", "numeric"), slow_methods=("symbolic",))
    default = check_claim(claim, FAST)
    assert default.verdict == "verified" and "symbolic" not in {c.method for c in default.checks}
    asked = check_claim(claim, Settings(seed=1, exact_points=2, numeric_examples=15, opt_in=("slow-methods",)))
    assert asked.verdict == "proved" and "symbolic" in {c.method for c in asked.checks}


def test_opt_in_checks_run_only_when_asked():
    from pgverify.checker import Check

    extra = ("extra", "an extra check", lambda: Check("symbolic", "elsewhere", False, 0.0))
    claim = make(true_identity, opt_in=(extra,))
    assert check_claim(claim, FAST).verdict == "proved"
    asked = check_claim(claim, Settings(seed=1, exact_points=2, numeric_examples=15, opt_in=("extra",)))
    assert asked.verdict == "refuted" and asked.checks[-1].family == "elsewhere"


def test_the_collector_threshold_is_raised_while_a_claim_is_checked_and_restored_after():
    import gc

    from pgverify import checker

    before = gc.get_threshold()
    seen = []
    claim = make(true_identity)
    original = checker._check_claim
    try:
        checker._check_claim = lambda c, s: seen.append(gc.get_threshold()) or original(c, s)
        assert check_claim(claim, FAST).verdict == "proved"
    finally:
        checker._check_claim = original
    assert seen == [(checker.GC_THRESHOLD, *before[1:])] and gc.get_threshold() == before
