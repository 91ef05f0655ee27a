"""Soundness of the verdicts: a float never refutes, undecided is said and has its own exit status."""

from __future__ import annotations

import json

import numpy as np
import pytest

import pgverify
from pgverify.checker import check_claim
from pgverify.settings import InvalidSettingsError, Settings
from pgverify.cli import main

FAST = Settings(seed=0, exact_points=2, numeric_examples=15, counterexample_examples=60)


@pgverify.derivation("half of twice U")
def half_of_twice(m):
    yield m.U
    yield 0.5 * (2 * m.U)


@pgverify.derivation("U rounded by float()")
def rounded(m):
    yield m.U
    yield float(m.U)


@pgverify.derivation("score sums to zero, against np.zeros")
def float_zeros(m):
    yield m.dpi.sum(axis=1)
    yield np.zeros((m.S, m.K))


@pytest.mark.parametrize("d", [half_of_twice, rounded, float_zeros], ids=["literal", "float()", "np.zeros"])
def test_a_float_in_a_true_line_never_refutes(d):
    r = pgverify.verify(d, FAST).result
    assert r.verdict == "undecided" and r.counterexample is None
    by_method = {c.method: c for c in r.checks}
    assert by_method["numeric"].passed is True
    for method in ("symbolic", "exact"):
        assert by_method[method].passed is None
    # The float is caught where it meets exact arithmetic: while computing a line (0.5 * U) or on a step's side.
    assert ("cannot evaluate step 1 ('line 1 = line 2') exactly" in by_method["exact"].message
            or "cannot evaluate exactly while computing line 2" in by_method["exact"].message)
    assert "float" in by_method["exact"].message and "float" in by_method["symbolic"].message
    assert "exact on" in r.reason and "symbolic on" in r.reason


def test_a_float_in_a_false_line_is_still_refuted_in_float64():
    @pgverify.derivation("half of U")
    def half(m):
        yield m.U
        yield 0.5 * m.U

    r = pgverify.verify(half, FAST).result
    assert r.verdict == "refuted"
    assert {c.method: c.passed for c in r.checks}["numeric"] is False
    assert r.counterexample is not None and not r.counterexample.exact


FILE = '''
import numpy as np
import pgverify

@pgverify.derivation("zeros")
def zeros(m):
    yield m.dpi.sum(axis=1)
    yield np.zeros((m.S, m.K))

@pgverify.derivation("value by occupancy")
def value(m):
    yield m.U
    yield m.d @ m.r_pi / (1 - m.lam)
'''

WRONG = '''
@pgverify.derivation("forgot the discount")
def wrong(m):
    yield m.U
    yield m.d @ m.r_pi
'''


def test_verify_does_not_crash_on_float_arrays_and_exits_3_on_undecided(tmp_path, capsys):
    path = tmp_path / "floats.py"
    path.write_text(FILE)
    assert main(["verify", str(path), "--examples", "10", "--points", "1"]) == 3
    out = capsys.readouterr().out
    assert "zeros" in out and "undecided" in out and "value by occupancy" in out and "proved" in out
    assert "1 undecided" in out and "0 refuted" in out
    assert main(["verify", str(path), "--examples", "10", "--points", "1", "--json"]) == 3
    obj = json.loads(capsys.readouterr().out)
    assert obj["summary"]["undecided"] == 1 and obj["summary"]["proved"] == 1
    assert obj["claims"][0]["reason"].startswith("symbolic on")


def test_a_refutation_wins_over_undecided(tmp_path, capsys):
    path = tmp_path / "both.py"
    path.write_text(FILE + WRONG)
    assert main(["verify", str(path), "--examples", "10", "--points", "1"]) == 1
    out = capsys.readouterr().out
    assert "1 undecided" in out and "1 refuted" in out


def test_an_all_proved_file_exits_0(tmp_path, capsys):
    path = tmp_path / "good.py"
    path.write_text(FILE.split('@pgverify.derivation("zeros")')[0] + FILE.split("np.zeros((m.S, m.K))")[1])
    assert main(["verify", str(path), "--examples", "10", "--points", "1"]) == 0
    assert "0 undecided" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["check", "--seed", "-1"], ["verify", "x.py", "--seed", "-1"],
                                  ["plot", "variance", "--seed", "-1"], ["check", "--seed", "one"]])
def test_a_negative_seed_is_rejected_naming_seed(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "argument --seed: must be a non-negative integer" in capsys.readouterr().err


@pytest.mark.parametrize("kw, name", [({"seed": -1}, "seed"), ({"exact_points": 0}, "exact_points"),
                                      ({"numeric_examples": -3}, "numeric_examples"), ({"seed": 1.5}, "seed")])
def test_settings_reject_bad_values_naming_them(kw, name):
    with pytest.raises(InvalidSettingsError, match=f"{name} must be a"):
        Settings(**kw)


def test_a_line_an_engine_cannot_evaluate_gets_a_message_per_method_naming_the_step():
    @pgverify.derivation("log of the discount", steps=("take logs",))
    def logs(m):
        yield np.log(m.lam + 1) * 0
        yield 0

    r = pgverify.verify(logs, FAST).result
    assert r.verdict == "undecided"
    msgs = {c.method: c.message for c in r.checks if c.passed is None}
    assert set(msgs) == {"symbolic", "exact"}
    for method, msg in msgs.items():
        assert f"the {method} method cannot evaluate this claim" in msg and "'take logs'" in msg and "log" in msg


def test_undecided_claims_say_why_and_count_in_the_summary():
    from pgverify.output import report
    from pgverify.registry import Claim

    claim = Claim("test.undecided", "Tests", "x", lambda m: 1 / 0)
    r = check_claim(claim, FAST)
    assert r.verdict == "undecided" and "ZeroDivisionError" in r.reason
    run = report.Run((r,), FAST, 0.0)
    assert run.summary["undecided"] == 1 and run.undecided and not run.refuted
    assert "1 undecided" in report.table(run)


def test_a_strict_inequality_within_float64_tolerance_is_not_refuted_by_rounding():
    # ∇U = 0 exactly (one state, equal rewards) is ∇U ≈ 1e-17 in float64: reinforce.ascent-step(.reading)'s
    # "∇U·E[ĝ] > 0 whenever ∇U ≠ 0" was refuted with lhs = rhs = 0.0 at seed 9 (verified at other seeds).
    from pgverify.registry import Claim, select
    from pgverify.statement import identity

    (ascent,) = select(["reinforce.ascent-step.reading"])
    r = check_claim(ascent, Settings(seed=9))
    numeric = next(c for c in r.checks if c.method == "numeric")
    assert r.verdict == "verified" and numeric.passed
    # A tie that is a tie in exact arithmetic too is a real counterexample: the numeric method re-evaluates the
    # example exactly (dpg.policy-improvement's |g_s|² > 0 fails at g_s = 0).
    tie = Claim("test.tie", "Tests", "0 > 0", lambda m: identity(m.U * 0, m.U * 0, relation=">"),
                methods=("numeric",))
    r = check_claim(tie, FAST)
    assert r.verdict == "refuted" and r.checks[0].passed is False
    (improvement,) = select(["dpg.policy-improvement"])
    assert check_claim(improvement, Settings(seed=9)).verdict == "refuted"

    def float_tie(m):
        x = float(m.U) * 0
        return identity(x, x, relation=">")

    r = check_claim(Claim("test.float-tie", "Tests", "0.0 > 0.0", float_tie, methods=("numeric",)), FAST)
    assert r.verdict == "undecided" and "could decide none" in r.checks[0].message
