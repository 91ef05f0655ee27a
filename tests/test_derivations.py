"""User derivations: a true chain proved; each kind of wrong step refuted at the right step; bad definitions."""

from __future__ import annotations

import numpy as np
import pytest

import pgverify
from pgverify.checker import Settings
from pgverify.derivations import DerivationError, InvalidDerivationError, load_derivations, verify_file

FAST = Settings(seed=0, exact_points=2, numeric_examples=15, counterexample_examples=100)


def marginals(m, T):
    """ρ_t(s) = P(s_t = s) for t = 1 … T + 1, as a list of (S,) arrays."""
    rho = [m.mu0]
    for _ in range(T):
        rho.append(rho[-1] @ m.P_pi)
    return rho


def unrolled(m, T, *, power=lambda lam, t: lam ** (t - 1), last=None):
    """Σ_{t=1}^{last} power(λ, t) Σ_s ρ_t(s) Σ_a ∇π(a|s) q(s,a) + λ^T Σ_s ρ_{T+1}(s) ∇v(s)."""
    rho = marginals(m, T)
    terms = np.einsum("sak,sa->sk", m.dpi, m.q)
    head = sum(power(m.lam, t) * (rho[t - 1] @ terms) for t in range(1, (T if last is None else last) + 1))
    return head + m.lam ** T * (rho[T] @ m.grad_v)


def pgt_lines(m, *, log=True, constant=lambda lam: 1 / (1 - lam)):
    yield m.grad_U
    yield np.einsum("s,sak,sa->k", m.w, m.dpi, m.q)
    yield constant(m.lam) * np.einsum("s,sa,sa,sak->k", m.d, m.pi, m.q, m.score if log else m.dpi)


STEPS = ("unroll the Bellman equation: ∇U = Σ_s w(s) Σ_a ∇π q", "log-derivative trick, normalise by (1 − λ)")


@pgverify.derivation("policy gradient theorem", steps=STEPS)
def pgt(m):
    yield from pgt_lines(m)


@pgverify.derivation("utility through the occupancy", steps=("U = μᵀv", "μᵀv = (1 − λ)⁻¹ Σ_s d(s) r_π(s)"))
def utility_by_occupancy(m):
    yield m.U
    yield m.mu0 @ m.v
    yield m.d @ m.r_pi / (1 - m.lam)


def test_true_derivation_is_proved():
    result = pgverify.verify(utility_by_occupancy, FAST)
    assert result.verdict == "proved", result.render()
    assert result.failing_step is None and result.latex is None
    assert {c.method: c.passed for c in result.result.checks} == {"symbolic": True, "exact": True, "numeric": True}


@pytest.mark.slow
def test_true_gradient_derivation_is_proved():
    result = pgverify.verify(pgt, FAST)
    assert result.verdict == "proved", result.render()
    assert result.failing_step is None and result.latex is None
    assert {c.method: c.passed for c in result.result.checks} == {"symbolic": True, "exact": True, "numeric": True}


def unroll_lines(m, **wrong):
    yield m.grad_U
    yield unrolled(m, 1)
    yield unrolled(m, 2, **wrong)


UNROLL = ("unroll once", "unroll twice")


def swapped_indices(m):
    """P_π[s, s'] = Σ_a π(a|s) P[s', a, s]: the transition's s and s' swapped."""
    yield m.P_pi
    yield (m.pi[:, :, None] * m.P).sum(axis=1)
    yield np.einsum("sa,tas->st", m.pi, m.P)


# Kind of mistake: (lines, step labels, expected failing step, methods).  The symbolic
# refutation is exercised by the cheapest chain; the others cost seconds in rational functions.
WRONG = {
    "dropped discount power": (lambda m: unroll_lines(m, power=lambda lam, t: 1), UNROLL, UNROLL[1]),
    "off-by-one sum bound": (lambda m: unroll_lines(m, last=1), UNROLL, UNROLL[1]),
    "missing log": (lambda m: pgt_lines(m, log=False), STEPS, STEPS[1]),
    "wrong normalising constant": (lambda m: pgt_lines(m, constant=lambda lam: 1 - lam), STEPS, STEPS[1]),
    "swapped indices": (swapped_indices, ("P_π = Σ_a π P", "as an einsum"), "as an einsum"),
}


@pytest.mark.parametrize("kind", WRONG)
def test_each_kind_of_wrong_step_is_refuted_at_that_step(kind):
    lines, steps, expected = WRONG[kind]
    symbolic = kind == "swapped indices"
    d = pgverify.derivation(kind, steps=steps, methods=("symbolic", "exact", "numeric") if symbolic
                            else ("exact", "numeric"))(lines)
    result = pgverify.verify(d, FAST)
    assert result.verdict == "refuted"
    assert result.failing_step == expected
    ce = result.result.counterexample
    assert ce is not None and ce.exact and ce.step == expected
    assert ce.lhs != ce.rhs
    assert all(c.passed is False for c in result.result.checks)
    tex = result.latex
    assert tex["step"] == expected and tex["lhs"] != tex["rhs"]
    if symbolic:
        assert tex["symbolic"].startswith(r"(\mathrm{lhs} - \mathrm{rhs})[0, 1] = ") and r"\pi_\theta(" in tex["symbolic"]


def test_latex_of_exact_values():
    from pgverify.derivations import _latex_values

    assert _latex_values(["-1/4", "3"]) == r"\begin{pmatrix} -\frac{1}{4} & 3 \end{pmatrix}"
    assert _latex_values([["1/2", "0"], ["0", "1"]]) == r"\begin{pmatrix} \frac{1}{2} & 0 \\ 0 & 1 \end{pmatrix}"
    assert _latex_values("7/3") == r"\frac{7}{3}"


def test_single_identity_is_a_one_step_derivation():
    d = pgverify.derivation("U two ways")(lambda m: pgverify.identity(m.U, m.mu0 @ m.v))
    assert pgverify.verify(d, FAST).verdict == "proved"


# ------------------------------------------------------------ bad definitions
def _raises_in_second_line(m):
    yield m.U
    yield m.extras["no such thing"]


def _wrong_shape(m):
    yield m.grad_U
    yield m.q


def _yields_text(m):
    yield m.U
    yield "U"


def _one_line(m):
    yield m.U


BAD = [
    ("raises", _raises_in_second_line, {}, ["derivation 'bad'", "line 2", "right side of step 'line 1 = line 2'",
                                             "KeyError", "test_derivations.py", "m.extras"]),
    ("wrong shape", _wrong_shape, {}, ["derivation 'bad'", "step 'line 1 = line 2'", "shapes"]),
    ("not a number", _yields_text, {}, ["line 2", "yielded str", "expected a number or a NumPy array"]),
    ("one line", _one_line, {}, ["yielded 1 line(s)", "at least two lines"]),
    ("steps count", pgt_lines, {"steps": ("only one",)}, ["yielded 3 lines, so 2 steps", "('only one',)"]),
    ("returns a number", lambda m: m.U, {}, ["returned", "yield its lines"]),
]


@pytest.mark.parametrize("kind, lines, options, fragments", BAD, ids=[b[0] for b in BAD])
def test_bad_derivation_is_a_clear_error(kind, lines, options, fragments):
    d = pgverify.derivation("bad", **options)(lines)
    with pytest.raises(DerivationError) as info:
        pgverify.verify(d, FAST)
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize("options, fragment", [
    ({"families": ("no-such-family",)}, "'no-such-family'"),
    ({"methods": ("symbolic", "guessing")}, "'guessing'"),
    ({"relations": "≈"}, "'≈'"),
    ({"steps": "one label"}, "'one label'"),
], ids=["family", "method", "relation", "steps"])
def test_bad_decorator_arguments(options, fragment):
    with pytest.raises(InvalidDerivationError, match=fragment) as info:
        pgverify.derivation("x", **options)
    assert isinstance(info.value, ValueError)
    pgverify.derivation("x", families=("tabular-softmax",), methods=("exact",), relations="<=", steps=("one",))


def test_verify_needs_a_derivation():
    with pytest.raises(InvalidDerivationError, match="got function"):
        pgverify.verify(_one_line)


# ------------------------------------------------------------------ files
GOOD_FILE = '''
import pgverify

@pgverify.derivation("utility two ways")
def utility(m):
    yield m.U
    yield m.mu0 @ m.v
'''

BAD_FILES = {
    "syntax": ("def broken(:\n", ["failed to import", "SyntaxError", "line 1"]),
    "raises": ("import pgverify\nraise RuntimeError('boom')\n", ["failed to import", "line 2", "RuntimeError: boom"]),
    "none": ("x = 1\n", ["defines no derivation"]),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_file_is_a_clear_error_naming_it(tmp_path, kind):
    text, fragments = BAD_FILES[kind]
    path = tmp_path / f"{kind}.py"
    path.write_text(text)
    with pytest.raises(DerivationError) as info:
        load_derivations(path)
    assert str(path) in str(info.value)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_missing_and_non_python_files(tmp_path):
    with pytest.raises(DerivationError, match="no such file"):
        load_derivations(tmp_path / "absent.py")
    (tmp_path / "notes.txt").write_text(GOOD_FILE)
    with pytest.raises(DerivationError, match="not a Python file"):
        load_derivations(tmp_path / "notes.txt")


def test_good_file_table_and_json(tmp_path):
    import json

    path = tmp_path / "mine.py"
    path.write_text(GOOD_FILE)
    [d] = load_derivations(path)
    assert d.name == "utility two ways"
    text, run = verify_file(path, FAST)
    assert not run.refuted and not run.undecided and "utility two ways" in text and "proved" in text
    obj = json.loads(verify_file(path, FAST, as_json=True)[0])
    assert obj["file"] == str(path) and obj["claims"][0]["verdict"] == "proved" and obj["claims"][0]["latex"] is None


def test_cli_exit_status(tmp_path, capsys):
    from pgverify.cli import main

    good, bad, wrong = tmp_path / "good.py", tmp_path / "bad.py", tmp_path / "wrong.py"
    good.write_text(GOOD_FILE)
    bad.write_text(GOOD_FILE.replace("m.mu0 @ m.v", "m.v[:, None]"))
    wrong.write_text(GOOD_FILE.replace("m.mu0 @ m.v", "m.mu0 @ m.v * m.lam"))
    assert main(["verify", str(good), "--examples", "10", "--points", "1"]) == 0
    assert "utility two ways  proved" in capsys.readouterr().out
    assert main(["verify", str(wrong), "--examples", "10", "--points", "1"]) == 1
    out = capsys.readouterr().out
    assert "refuted" in out and "first failing step: line 1 = line 2" in out and "counterexample, left side:" in out
    assert main(["verify", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.py: derivation 'utility two ways', step 'line 1 = line 2': its sides have shapes ()" in err
    assert main(["verify", str(tmp_path / "absent.py")]) == 2
    assert "absent.py: no such file" in capsys.readouterr().err


def test_refuted_json_carries_the_latex(tmp_path):
    import json

    path = tmp_path / "wrong.py"
    path.write_text(GOOD_FILE.replace("m.mu0 @ m.v", "m.mu0 @ m.v * m.lam"))
    text, run = verify_file(path, FAST, as_json=True)
    entry = json.loads(text)["claims"][0]
    assert run.refuted and entry["verdict"] == "refuted"
    assert entry["latex"]["step"] == "line 1 = line 2" == entry["counterexample"]["step"]
    assert entry["latex"]["lhs"] != entry["latex"]["rhs"]


def test_trajectories_bad_arguments():
    from pgverify.families import get_family
    from pgverify.trajectories import TrajectoryError, trajectories

    m = get_family("tabular-softmax").exact_points(1, 0)[0]
    with pytest.raises(TrajectoryError, match="horizon must be a non-negative integer, got -1"):
        trajectories(m, horizon=-1)
    tr = trajectories(m, horizon=1)
    assert sum(tr.probability) == 1 and tr.states.shape == (2, m.A * m.S)
    with pytest.raises(TrajectoryError, match=r"leading trajectory axis of length 15, got shape \(3,\)"):
        tr.mean(np.zeros(3))


def test_a_line_that_only_floats_can_evaluate_is_undecided_not_refuted():
    @pgverify.derivation("exp of the discount", methods=("exact", "numeric"))
    def transcendental(m):
        yield np.exp(m.lam * 0) * m.U
        yield m.U

    result = pgverify.verify(transcendental, FAST)
    assert result.verdict == "undecided"
    [exact] = [c for c in result.result.checks if c.method == "exact"]
    assert exact.passed is None
    assert "derivation 'exp of the discount' raised while computing line 1, the left side of step" in exact.message
    assert "np.exp" in exact.message
