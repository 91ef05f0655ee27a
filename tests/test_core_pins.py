"""The core is pinned: a plausible one-line mistake in the Bellman solve, the initial distribution, the
trajectory probabilities, the exact points, the degree bounds or the tolerance fails a test here."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from numeric.arithmetic import Degree
from numeric.episodic import EpisodicMDP
from numeric.mdp import FiniteMDP
from numeric.policies import TabularSoftmax
from pgverify.checker import NUMERIC_RTOL, Settings, check_claim
from pgverify.families import FAMILIES, get_family
from pgverify.registry import Claim, all_claims, select
from pgverify.statement import identity

all_claims()
FAST = Settings(seed=0, exact_points=2, numeric_examples=20, counterexample_examples=50)


# ------------------------------------------------------------ Bellman solve and U with a real μ
def test_value_occupancy_and_utility_match_sympy_with_an_initial_distribution():
    m = get_family("tabular-softmax-initial-distribution").exact_points(1, 11)[0]
    assert sum(1 for x in m.mu0 if x != 0) > 1  # μ is not a point mass
    Ppi = sympy.Matrix(m.S, m.S, lambda i, j: sympy.Rational(str(m.P_pi[i, j])))
    rpi = sympy.Matrix([sympy.Rational(str(x)) for x in m.r_pi])
    mu = sympy.Matrix([sympy.Rational(str(x)) for x in m.mu0])
    lam = sympy.Rational(str(m.lam))
    M = sympy.eye(m.S) - lam * Ppi
    v = M.LUsolve(rpi)
    w = M.T.LUsolve(mu)
    assert [sympy.Rational(str(x)) for x in m.v] == list(v)
    assert [sympy.Rational(str(x)) for x in m.d] == list((1 - lam) * w)
    assert sympy.Rational(str(m.U)) == (mu.T * v)[0] != v[0]


def test_setting_utility_is_proved_on_both_families():
    (claim,) = select(["setting.utility"])
    r = check_claim(claim, FAST)
    assert r.verdict == "proved"
    assert {c.family.split(" ")[0] for c in r.checks} == {"tabular-softmax", "tabular-softmax-initial-distribution"}


# ------------------------------------------------------------ episodic models with a real μ
def _episodic_with_initial_distribution() -> tuple[EpisodicMDP, TabularSoftmax]:
    F = Fraction
    P = np.zeros((4, 2, 4), dtype=object)
    P[0, 0, 1:] = [F(1, 2), F(1, 3), F(1, 6)]
    P[0, 1, 1:] = [F(1, 4), F(1, 4), F(1, 2)]
    P[1, 0, 2:] = [F(2, 3), F(1, 3)]
    P[1, 1, 2:] = [F(1, 5), F(4, 5)]
    P[2, :, 3] = 1
    P[3, :, 3] = 1
    r = np.array([[2, -1], [0, 3], [-2, 1], [0, 0]], dtype=object)
    mu = np.array([F(1, 2), F(1, 3), F(1, 6), F(0)], dtype=object)
    emdp = EpisodicMDP(FiniteMDP(P, r, F(3, 5), initial=mu), absorbing=3, horizon=4)
    return emdp, TabularSoftmax.from_weights([[1, 2], [3, 1], [2, 2], [1, 1]])


def _episodic_model():
    from pgverify.families.episodic import build_example

    emdp, policy = _episodic_with_initial_distribution()
    S, A = emdp.num_states, emdp.num_actions
    zeros = {"b": np.arange(S) - 1, "c": np.ones((S, A), dtype=np.int64),
             "h": np.arange(emdp.trajectories().num_prefixes) % 3 - 1}
    return build_example((emdp, policy, zeros), True)


def test_trajectory_probabilities_carry_the_initial_distribution():
    from numeric.episodic import episodes, expect

    m = _episodic_model()
    ep = episodes(m)
    assert sum(ep.prob) == 1
    starts = {s: sum(p for p, t in zip(ep.prob, ep.states[:, 0]) if t == s) for s in range(m.S)}
    assert starts == {s: m.mu0[s] for s in range(m.S)}
    R = (ep.rewards * np.array([m.lam ** t for t in range(ep.rewards.shape[1])], dtype=object)).sum(axis=1)
    assert expect(ep.prob, R) == m.U


@pytest.mark.parametrize("claim_id", [
    "vpg.utility-as-expected-return", "vpg.likelihood-ratio.corrected", "vpg.likelihood-ratio.proof.corrected",
    "vpg.gradient", "vpg.score-mean-zero", "vpg.reward-to-go",
    "vpg.q-weighted-gradient", "vpg.baseline", "vpg.baseline.random", "vpg.value-baseline"])
def test_episodic_identities_hold_with_an_initial_distribution(claim_id):
    # (vpg.trajectory-probability's last line writes 1[s_1 = s⁰]: the post assumes one initial state.)
    from pgverify.checker import evaluate_chain

    (claim,) = select([claim_id])
    ev = evaluate_chain(claim, _episodic_model())
    assert ev.ill_formed is None and ev.undecidable is None and ev.first_failure is None, claim_id


# ------------------------------------------------------------ exact points: all of them, from the seed
def test_the_exact_check_evaluates_every_point():
    seen = []

    def counting(m):
        if m.arithmetic.name == "exact":
            seen.append(m)
        return identity(m.U, m.mu0 @ m.v)

    r = check_claim(Claim("test.counting", "Tests", "U", counting, methods=("exact",)), Settings(exact_points=4))
    [exact] = r.checks
    assert exact.passed and exact.details["points"] == 4 and len({id(m) for m in seen}) == 4


def test_the_exact_points_come_from_the_settings_seed():
    seen: dict[int, list[str]] = {0: [], 1: []}

    def recording(seed):
        def fn(m):
            if m.arithmetic.name == "exact":
                seen[seed].append(str(m.P) + str(m.r) + str(m.lam))
            return identity(m.U, m.mu0 @ m.v)
        return fn

    for seed in (0, 1):
        check_claim(Claim("test.seeded", "Tests", "U", recording(seed), methods=("exact",)),
                    Settings(seed=seed, exact_points=2))
    assert len(seen[0]) == len(seen[1]) == 2 and not set(seen[0]) & set(seen[1])


def test_a_claim_false_only_at_a_later_point_is_refuted():
    first = []

    def late(m):
        first.append(m) if not first else None
        return identity(m.U, m.U if m is first[0] else m.U + 1)

    r = check_claim(Claim("test.late", "Tests", "U", late, methods=("exact",)), Settings(exact_points=3))
    assert r.verdict == "refuted" and r.checks[0].passed is False


@pytest.mark.parametrize("name", sorted(n for n in FAMILIES if "exact" in FAMILIES[n].methods))
def test_exact_points_follow_the_seed(name):
    family = get_family(name)

    def coords(points):
        names = ("P", "r", "lam", "pi", "mu0", "theta", "f", "mu", "sigma")
        return [" ".join(str(getattr(p, n, "")) for n in names) for p in points]

    a, b, c = family.exact_points(2, 0), family.exact_points(2, 0), family.exact_points(2, 1)
    assert coords(a) == coords(b)
    assert coords(a) != coords(c)


# ------------------------------------------------------------ degree bounds against SymPy
_X = sympy.symbols("x0:3")


@st.composite
def expressions(draw, depth=3):
    """A random rational expression: (its SymPy value, its Degree bound)."""
    if depth == 0 or draw(st.booleans()):
        if draw(st.booleans()):
            i = draw(st.integers(0, 2))
            return _X[i], Degree(1, 0)
        c = draw(st.integers(-3, 3))
        return sympy.Integer(c), Degree(0, 0, zero=c == 0)
    (a, da), (b, db) = draw(expressions(depth - 1)), draw(expressions(depth - 1))
    op = draw(st.sampled_from("+-*/"))
    if op == "/" and sympy.simplify(b) == 0:
        op = "*"
    return {"+": (a + b, da + db), "-": (a - b, da - db), "*": (a * b, da * db), "/": (a / b, da / db)}[op]


@settings(max_examples=200, database=None, deadline=None)
@given(expressions())
def test_degree_bounds_bound_sympys_degrees(e):
    expr, bound = e
    num, den = sympy.fraction(sympy.cancel(sympy.together(expr)))
    if num == 0:
        return
    assert not bound.zero
    assert sympy.Poly(num, *_X).total_degree() <= bound.num
    assert sympy.Poly(den, *_X).total_degree() <= bound.den


def test_degree_of_a_quotient_counts_the_divisors_denominator():
    x = Degree(1, 0)
    one_over_x = 1 / x
    assert (1 / one_over_x).num >= 1  # 1/(1/x) = x
    assert (x / (1 / x)).num >= 2  # x/(1/x) = x²


def test_degree_solve_bounds_sympys_degrees():
    from numeric.arithmetic import DEGREE

    a, b, c, d, e, f = sympy.symbols("a b c d e f")
    M = sympy.Matrix([[a, b / c], [d, e]])
    rhs = sympy.Matrix([f, 1 / a])
    sol = M.LUsolve(rhs)
    var = lambda n, dd=0: Degree(n, dd)
    Md = np.array([[var(1), var(1, 1) / var(1) * var(1)], [var(1), var(1)]], dtype=object)
    Md[0, 1] = Degree(1, 1)
    bd = np.array([var(1), Degree(0, 1)], dtype=object)
    x, _ = DEGREE.solve_pair(Md, bd, bd)
    for s, bound in zip(sol, x):
        num, den = sympy.fraction(sympy.cancel(s))
        assert sympy.Poly(num, a, b, c, d, e, f).total_degree() <= bound.num
        assert sympy.Poly(den, a, b, c, d, e, f).total_degree() <= bound.den


# ------------------------------------------------------------ the float64 tolerance
@pytest.mark.parametrize("factor, verdict", [(1e3, "refuted"), (1e-3, "verified")])
def test_the_numeric_tolerance_is_what_it_says(factor, verdict):
    # The float64 comparison allows NUMERIC_RTOL (1 + |values|)/(1 − λ): an error of 1000 NUMERIC_RTOL (1 + |U|)
    # is caught on small MDPs (λ ≤ 9/10 gives at most 10×), one of NUMERIC_RTOL/1000 passes.
    def off(m):
        return identity(m.U, m.U + factor * NUMERIC_RTOL * (1 + abs(m.U)))

    r = check_claim(Claim("test.off", "Tests", "U", off, methods=("numeric",)), FAST)
    assert r.verdict == verdict
