"""The policy gradient theorem section: linear softmax, average reward, the PGT claims' verdicts."""

from fractions import Fraction as F

import numpy as np
import pytest

from numeric import (FiniteMDP, InvalidMDPError, InvalidPolicyError, LinearSoftmax, TabularSoftmax, average_reward,
                     average_reward_gradient, differential_action_value, model, stationary_distribution,
                     utility_gradient)
from pgverify.checker import Settings, check_claim
from pgverify.registry import select

FAST = Settings(seed=3, exact_points=2, numeric_examples=15, counterexample_examples=60,
                methods=("exact", "numeric"))

#: Central differences with step 1e-6 on O(1) quantities: truncation ~1e-12, rounding ~1e-10.
FD_STEP, FD_ATOL = 1e-6, 1e-7

PHI = [[[1, 0], [0, 2]], [[-1, 1], [2, 0]]]
MDP = FiniteMDP(P=[[[F(1, 3), F(2, 3)], [1, 0]], [[F(1, 2), F(1, 2)], [F(1, 4), F(3, 4)]]],
                r=[[1, 0], [-2, 3]], discount=F(4, 5))


def central_difference(f, theta):
    g = np.zeros_like(theta)
    for k in range(theta.size):
        e = np.zeros_like(theta)
        e[k] = FD_STEP
        g[k] = (f(theta + e) - f(theta - e)) / (2 * FD_STEP)
    return g


@pytest.mark.parametrize("args, message", [
    pytest.param(([[1.0, 0.0]], [0.0]), "features must have shape (S, A, K)", id="features-2d"),
    pytest.param(([[[1.0], [np.inf]]], [0.0]), "features[0, 1, 0] is inf", id="features-inf"),
    pytest.param(([[[1.0], [0.0]]], [0.0, 1.0]), "theta must have shape (K,) = (1,)", id="theta-shape"),
    pytest.param(([[[1.0], [0.0]]], [np.nan]), "theta[0] is nan", id="theta-nan"),
    pytest.param(([[[1.0], [0.0]]], ["a"]), "theta must", id="theta-str"),
])
def test_linear_softmax_rejects_bad_input(args, message):
    with pytest.raises(InvalidPolicyError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        LinearSoftmax(*args)
    assert isinstance(InvalidPolicyError("x"), ValueError)


@pytest.mark.parametrize("features, weights, message", [
    pytest.param([[[F(1, 2)], [0]]], [2], "features must be integers", id="fractional-features"),
    pytest.param([[[1], [0]]], [0], r"weights\[0\] = 0", id="zero-weight"),
    pytest.param([[[1], [0]]], [[2]], r"weights must have shape \(K,\)", id="weights-2d"),
    pytest.param([[[1], [0]]], [2.5], "weights must hold exact numbers", id="float-weight"),
])
def test_linear_softmax_from_weights_rejects_bad_input(features, weights, message):
    with pytest.raises(InvalidPolicyError, match=message):
        LinearSoftmax.from_weights(features, weights)


def test_linear_softmax_valid_near_misses_and_mdp_compatibility():
    LinearSoftmax.from_weights([[[1], [-2]]], [F(1, 3)])
    LinearSoftmax([[[0.5], [0.0]]], [1.0])
    with pytest.raises(InvalidPolicyError, match=r"features have shape \(1, 2, 1\) but the MDP has S=2"):
        model(MDP, LinearSoftmax([[[0.5], [0.0]]], [1.0]))


def test_linear_softmax_exact_matches_float_and_gradient_matches_finite_differences():
    exact = LinearSoftmax.from_weights(PHI, [2, F(1, 3)])
    floaty = exact.to_float()
    assert np.allclose(exact.probabilities().astype(float), floaty.probabilities(), atol=1e-15)
    assert np.allclose(exact.jacobian().astype(float), floaty.jacobian(), atol=1e-15)
    g = utility_gradient(MDP.to_float(), floaty)
    fd = central_difference(lambda th: model(MDP.to_float(), LinearSoftmax(floaty.features, th)).U, floaty.theta)
    assert np.allclose(g, fd, atol=FD_ATOL)
    assert np.allclose(utility_gradient(MDP, exact).astype(float), g, atol=1e-12)


def test_average_reward_quantities_and_reference_gradient():
    policy = TabularSoftmax.from_weights([[1, 2], [3, 1]])
    d = stationary_distribution(MDP, policy)
    P_pi = model(MDP, policy).P_pi
    assert list(d @ P_pi) == list(d) and sum(d) == 1
    rho = average_reward(MDP, policy)
    q_tilde = differential_action_value(MDP, policy)
    pi = policy.probabilities()
    h_check = (pi * q_tilde).sum(axis=1)  # Σ_a π q̃ = h: h = r_π − ρ + P_π h
    assert list(h_check) == list((pi * MDP.r).sum(axis=1) - rho + P_pi @ h_check)
    fd = central_difference(
        lambda th: float(average_reward(MDP.to_float(), TabularSoftmax(th.reshape(2, 2)))), policy.theta.ravel())
    assert np.allclose(average_reward_gradient(MDP, policy).astype(float), fd, atol=FD_ATOL)


@pytest.mark.parametrize("P, reason", [
    pytest.param([[[1, 0]], [[0, 1]]], "reducible", id="two-absorbing-states"),
    pytest.param([[[0, 1]], [[1, 0]]], "periodic with period 2", id="flip-flop"),
])
def test_average_reward_rejects_non_ergodic_chains(P, reason):
    mdp = FiniteMDP(P=P, r=[[1], [0]], discount=0)
    with pytest.raises(InvalidMDPError, match=f"mdp is not ergodic under the policy: the chain P_π is {reason}"):
        average_reward(mdp, TabularSoftmax.from_weights([[1], [1]]))
    lazy = FiniteMDP(P=[[[F(1, 2), F(1, 2)]], [[1, 0]]], r=[[1], [0]], discount=0)  # valid near-miss
    assert average_reward(lazy, TabularSoftmax.from_weights([[1], [1]])) == F(2, 3)


@pytest.mark.parametrize("claim_id, verdict", [
    ("pgt.theorem", "verified"),
    ("pgt.proof.induction", "ill-formed"),
    ("pgt.proof.induction.reading", "verified"),
    ("pgt.proof.value-gradient", "verified"),
    ("pgt.expectation-form", "verified"),
    ("pgt.vpg-consistency", "verified"),
    ("pgt.average-reward", "verified"),
    ("pgt.compatible-approximation", "verified"),
    ("pgt.gae", "verified"),
])
def test_pgt_claim_verdicts_on_every_family(claim_id, verdict):
    result = check_claim(select([claim_id])[0], FAST)
    assert result.verdict == verdict, result
    if verdict != "ill-formed":
        families = {c.family.split(" ")[0] for c in result.checks}
        assert any(f.endswith("linear-softmax") for f in families) and any(f.endswith("tabular-softmax") for f in families)


def test_pgt_claims_can_fail():
    """A wrong constant in the expectation form is caught with an exact counterexample."""
    from pgverify.registry import Claim
    from pgverify.statement import identity

    def wrong_constant(m):
        return identity(m.grad_U, np.einsum("s,sa,sa,sak->k", m.d, m.pi, m.q, m.score))

    result = check_claim(Claim("test.wrong-constant", "Tests", "", wrong_constant), FAST)
    assert result.verdict == "refuted" and result.counterexample.exact


def test_polynomial_proof_of_the_theorem_holds_and_discriminates():
    from symbolic.pgt_proof import prove_theorem_tabular, theorem_identities

    assert prove_theorem_tabular(2, 2).holds and prove_theorem_tabular(3, 1).holds
    sides = {idx: (lhs, rhs) for idx, lhs, rhs in theorem_identities(2, 2)}
    assert len(sides) == 2 * 4 * 4 and all(lhs != 0 for lhs, _ in sides.values())
    assert sides[0, 0, 0][0] != sides[0, 0, 1][1]  # the comparison is not vacuous: other partials' sides differ
    with pytest.raises(ValueError, match="num_states=0"):
        prove_theorem_tabular(0, 2)


def test_modular_exact_check_agrees_and_can_fail():
    from numeric.modular import random_tabular_point_mod_p
    from pgverify.checker import evaluate_chain
    from pgverify.registry import Claim
    from pgverify.statement import identity

    rng = np.random.default_rng(7)
    m = random_tabular_point_mod_p(rng, 6, 3)
    assert evaluate_chain(select(["pgt.theorem"])[0], m).first_failure is None
    dropped = Claim("test.no-normalisation", "Tests", "", lambda m: identity(
        m.grad_U, np.einsum("s,sa,sak->k", m.d, m.q, m.dpi)))
    assert evaluate_chain(dropped, m).first_failure is not None


def test_theorem_polynomial_check_3x2():
    from pgverify.claims.pgt import theorem_polynomial_check

    reduced = theorem_polynomial_check(3, 2)
    reps = reduced.details["representatives"]
    assert reduced.passed and {k: v for k, v in reduced.details.items() if k != "representatives"} == {
        "partials": 6, "sub-identities": 108, "expanded": 7}
    assert len(reps) == 7 and sum(rep["orbit"] for rep in reps) == 108
    assert "one per symmetry orbit" in reduced.family and reduced.failing_step is None
    full = theorem_polynomial_check(3, 2, symmetry=False)
    assert full.passed and full.details == {"partials": 6, "sub-identities": 108, "expanded": 108}


@pytest.mark.parametrize("claim_id", ["pgt.proof.value-gradient", "pgt.average-reward",
                                      "pgt.compatible-approximation",
                                      "reinforce.gradient-estimate.linear.corrected"])
def test_once_slow_symbolic_checks_hold_universally(claim_id):
    from pgverify.checker import evaluate_chain
    from pgverify.families import get_family

    c = select([claim_id])[0]
    for name in c.families:
        ev = evaluate_chain(c, get_family(name).symbolic())
        assert ev.ill_formed is None and ev.first_failure is None


@pytest.mark.parametrize("claim_id", ["pgt.theorem", "pgt.proof.induction.reading", "pgt.proof.value-gradient",
                                      "pgt.vpg-consistency", "pgt.average-reward", "pgt.compatible-approximation",
                                      "pgt.gae"])
def test_pgt_rational_identities_are_proved_by_default(claim_id):
    from pgverify.checker import Settings

    result = check_claim(select([claim_id])[0], Settings(seed=0, methods=("symbolic",), cache=False))
    assert result.verdict == "proved", result
    if claim_id == "pgt.theorem":  # the dedicated universal proof on 3 x 3 runs by default
        assert any("S=3 A=3" in c.family and c.passed for c in result.checks)
