"""Discounted series on a continuing MDP (pgverify.notation.series): Σ_{t=L}^∞ λ^{t+k} X_t through the Bellman
solve."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from pgverify.checker import Settings, check_claim
from pgverify.documents import verify_document
from pgverify.families import get_family
from pgverify.notation import parse, parse_expression
from pgverify.notation.evaluate import Conventions, NotEvaluable, compile_display, evaluate_side

QUICK = Settings(numeric_examples=10, exact_points=2, counterexample_examples=100)
OCCUPANCY = r"d_\lambda^{\pi_\theta}(s) = (1-\lambda)\sum_{t=1}^\infty \lambda^{t-1} \mathbb{P}_{s^0}^\pi(s_t = s)"


def check(text: str, settings: Settings = QUICK, **conventions):
    claim = compile_display(parse(text), name="series", conventions=Conventions(**conventions))
    return claim, check_claim(claim, settings)


def test_the_occupancy_measure_is_proved_on_the_continuing_family():
    claim, r = check(OCCUPANCY)
    assert claim.families == ("tabular-softmax",)
    assert r.verdict == "proved"
    assert {c.method: c.passed for c in r.checks} == {"symbolic": True, "exact": True, "numeric": True}


@pytest.mark.parametrize("slip", [
    OCCUPANCY.replace(r"\lambda^{t-1}", r"\lambda^{t}"),  # λ^t with the normalisation as written
    OCCUPANCY.replace(r"(1-\lambda)", ""),  # the normalisation dropped
    OCCUPANCY.replace(r"\sum_{t=1}", r"\sum_{t=2}"),  # the series started one step late
    OCCUPANCY.replace(r"(s_t = s)", r"(s_t = s, a_t = a)").replace("(s) =", "(s) \\pi_\\theta(a \\vert s)^2 ="),
])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_each_slip_is_refuted_at_every_seed_with_an_exact_counterexample(slip, seed):
    _, r = check(slip, Settings(numeric_examples=10, exact_points=2, counterexample_examples=100, seed=seed))
    assert r.verdict == "refuted"
    assert {c.method: c.passed for c in r.checks}["exact"] is False
    assert r.counterexample is not None and r.counterexample.exact


@pytest.mark.parametrize("text", [
    r"U(\theta) = \sum_{t=1}^\infty \lambda^{t-1} \mathbb{E}[r(s_t, a_t)]",
    r"U(\theta) = \sum_{t=1}^\infty \lambda^{t-1} \mathbb{E}_{\tau\sim\mathcal{T}_\theta}[r_t]",
    r"d_\lambda^{\pi_\theta}(s) \pi_\theta(a \vert s) = (1-\lambda)\sum_{t=1}^\infty \lambda^{t-1} "
    r"\mathbb{P}_{s^0}^\pi(s_t = s, a_t = a)",
    r"d_\lambda^{\pi_\theta}(s) = (1-\lambda)\sum_{t=1}^\infty \lambda^{t-1} \mathbb{E}[\mathbb{1}[s_t = s]]",
    r"\sum_{s\in\mathcal{S}} d_\lambda^{\pi_\theta}(s) q_\lambda^{\pi_\theta}(s, a) = (1-\lambda)\sum_{t=1}^\infty "
    r"\lambda^{t-1} \mathbb{E}[q_\lambda^{\pi_\theta}(s_t, a)]",
    r"\frac{1}{1-\lambda} = \sum_{t=1}^\infty \lambda^{t-1}",  # geometric: no quantity at time t
    r"\sum_{t=1}^\infty \lambda^{t-1} \mathbb{E}[v_\lambda^{\pi_\theta}(s_t)] = \sum_{t=1}^\infty \lambda^{t-1} "
    r"\mathbb{E}[\mathbb{E}_{a\sim\pi_\theta(\cdot\vert s_t)}[q_\lambda^{\pi_\theta}(s_t, a)]]",  # 𝔼 over a at s_t
    r"\sum_{t=2}^\infty \lambda^{t-2} \mathbb{E}[v_\lambda^{\pi_\theta}(s_t)] = \sum_{t=1}^\infty \lambda^{t-1} "
    r"\mathbb{E}[\sum_{s'\in\mathcal{S}} \mathcal{P}_{s_t}^{a_t}(s') v_\lambda^{\pi_\theta}(s')]",  # a later start
    r"U(\theta) = \sum_{t=1}^\infty \lambda^{t-1}\left(\mathbb{E}[q_\lambda^{\pi_\theta}(s_t, a_t)] - \lambda "
    r"\mathbb{E}[\sum_{s'\in\mathcal{S}} \mathcal{P}_{s_t}^{a_t}(s') v_\lambda^{\pi_\theta}(s')]\right)",  # linearity
])
def test_discounted_series_of_time_t_quantities_are_proved(text):
    assert check(text)[1].verdict == "proved"


def _brute(model, lower: int, offset: int, f: np.ndarray, terms: int) -> tuple[Fraction, Fraction]:
    """Σ_{t=lower}^{lower+terms−1} λ^{t+offset} μᵀP_π^{t−1} f_π in Fractions, and a bound on the rest
    (|f| ≤ 1)."""
    lam = Fraction(model.lam)
    P = np.array([[Fraction(x) for x in row] for row in model.P_pi], dtype=object)
    marginal = np.array([Fraction(x) for x in model.mu0], dtype=object)
    f_pi = np.array([sum(Fraction(model.pi[s, a]) * Fraction(f[s, a]) for a in range(model.A))
                     for s in range(model.S)], dtype=object)
    for _ in range(lower - 1):
        marginal = marginal @ P
    total = Fraction(0)
    for t in range(lower, lower + terms):
        total += lam ** (t + offset) * (marginal @ f_pi)
        marginal = marginal @ P
    rest = lam ** (lower + terms + offset) / (1 - lam)
    return total, rest


@pytest.mark.parametrize("lower, exponent, offset", [(1, "t-1", -1), (1, "t", 0), (2, "t-1", -1), (3, "t+1", 1)])
def test_the_series_value_is_the_limit_of_its_partial_sums(lower, exponent, offset):
    """The core pin: against partial sums in exact rationals, with the tail bounded by λ^{N+k}/(1 − λ)."""
    model = get_family("tabular-softmax").exact_points(1, 3)[0]
    f = np.array([[Fraction((3 * s + 5 * a) % 7, 7) for a in range(model.A)] for s in range(model.S)], dtype=object)
    expr = parse_expression(rf"\sum_{{t={lower}}}^\infty \lambda^{{{exponent}}} \mathbb{{E}}[r(s_t, a_t)]")
    model_f = type(model)(arithmetic=model.arithmetic, P=model.P, r=f, lam=model.lam, mu0=model.mu0, pi=model.pi,
                          jacobian=model._jacobian, vjp=model._vjp)
    value = evaluate_side(expr, model_f).value
    assert isinstance(value, Fraction) or not isinstance(value, float)
    partial, rest = _brute(model_f, lower, offset, f, terms=60)
    assert abs(Fraction(value) - partial) <= rest
    assert rest < Fraction(1, 10 ** 3)  # the bound is tight enough to catch an off-by-one in λ or in P_π


def test_a_series_of_random_quantities_along_a_trajectory_stays_episodic():
    """Σ λ^{t−1} r(s_t, a_t) along the display's τ is summed along the enumerated trajectories, as before."""
    claim, r = check(r"R_\tau = \sum_{t=1}^\infty \lambda^{t-1} r(s_t, a_t)")
    assert claim.families == ("episodic-softmax",) and r.verdict == "proved"


def test_time_from_zero_follows_the_profile():
    text = r"d_\lambda^{\pi_\theta}(s) = (1-\lambda)\sum_{t=0}^\infty \lambda^{t} \mathbb{P}_{s^0}^\pi(s_t = s)"
    assert check(text, time_base=0)[1].verdict == "proved"
    assert check(text.replace(r"\lambda^{t}", r"\lambda^{t-1}"), time_base=0)[1].verdict == "refuted"


@pytest.mark.parametrize("text, why", [
    (r"U(\theta) = \sum_{t=1}^\infty \mathbb{E}[r(s_t, a_t)]", "without the discount"),
    (r"U(\theta) = \sum_{t=1}^\infty \lambda^{2t} \mathbb{E}[r(s_t, a_t)]", "λ^{2t+k}"),
    (r"U(\theta) = \sum_{t=1}^\infty \lambda^{t-1} \mathbb{E}[r(s_{t+1}, a_t)]",
     "through s_{t + 1} (a coordinate at another time than t)"),
    (r"v_\lambda^{\pi_\theta}(s) = \sum_{t=1}^\infty \lambda^{t-1} \mathbb{E}[r(s_t, a_t) \mathbb{1}[s_1 = s]]",
     "through s_1 (a coordinate at another time than t)"),
    (r"U(\theta) = \sum_{t=1}^\infty t \lambda^{t-1} \mathbb{E}[r(s_t, a_t)]", "this term depends on t otherwise"),
    (r"d_\lambda^{\pi_\theta}(s) = \sum_{t=1}^\infty \lambda^{t-1} \mathbb{P}_{s^0}^\pi(s_t = s)"
     r"\mathbb{P}_{s^0}^\pi(s_t = s)", "product of two quantities at time t"),
    (r"d_\lambda^{\pi_\theta}(s) = \sum_{t=1}^\infty \lambda^{t-1} \mathbb{P}_{s^0}^\pi(s_{t+1} = s)",
     "other than s_t = x or a_t = y"),
    (r"d_\lambda^{\pi_\theta}(s) = \sum_{t=1}^\infty \lambda^{t-1} \mathbb{P}_{s^0}^\pi(s_t = s \vert s_1 = s)",
     "conditional probability"),
    (r"\nabla_\theta d_\lambda^{\pi_\theta}(s) = \nabla_\theta \sum_{t=1}^\infty \lambda^{t-1} "
     r"\mathbb{P}_{s^0}^\pi(s_t = s)", "∇θ of an infinite series"),
    (r"U(\theta) = \prod_{t=1}^\infty \lambda", "an infinite product"),
])
def test_what_the_series_evaluation_does_not_sum_says_why(text, why):
    with pytest.raises(NotEvaluable) as info:
        model = get_family("tabular-softmax").exact_points(1, 0)[0]
        chain = parse(text)
        (left, step), = chain.steps()
        evaluate_side(step.rhs, model)
    assert why in str(info.value), str(info.value)


def test_the_post_display_is_verified_with_the_prose_claim(tmp_path):
    """'it is a valid probability measure over 𝒮': the annotation's `also` steps make the display the catalogue's
    claim, verified (d ≥ 0 is an inequality, left to the exact and float64 checks)."""
    doc = tmp_path / "occupancy.md"
    SLIP = OCCUPANCY.replace(r"(1-\lambda)", "")
    doc.write_text("<!-- pgverify: id pgt.occupancy-measure; also \\sum_{s\\in\\mathcal{S}} "
                   "d_\\lambda^{\\pi_\\theta}(s) = 1; also d_\\lambda^{\\pi_\\theta}(s) \\ge 0 -->\n"
                   f"$${OCCUPANCY}$$\n\n$${SLIP}$$\n", encoding="utf-8")
    run = verify_document(doc, QUICK)
    first, slip = run.results
    assert (first.verdict, first.catalogue_id) == ("verified", "pgt.occupancy-measure")
    assert [s.label for s in first.steps] == ["step 1 (=)", "step 2 (prose) (=)", "step 3 (prose) (>=)"]
    assert slip.verdict == "refuted" and slip.first_failing_step.startswith("step 1")


def test_the_chain_and_the_enumerated_trajectories_agree_on_an_episodic_family():
    """R_τ is summed along the enumerated trajectories, the series on the chain (absorbing state, λ < 1): proved."""
    claim, r = check(r"\mathbb{E}_{\tau\sim\mathcal{T}_\theta}[R_\tau] = \sum_{t=1}^\infty \lambda^{t-1} "
                     r"\mathbb{E}[r(s_t, a_t)]")
    assert claim.families == ("episodic-softmax",) and r.verdict == "proved"


def test_an_undiscounted_family_refuses_the_series():
    _, r = check(r"U(\theta) = \sum_{t=1}^\infty \lambda^{t-1} \mathbb{E}[r(s_t, a_t)]",
                 families=("episodic-softmax-undiscounted",))
    assert r.verdict == "undecided"
    assert all("undiscounted (λ = 1) MDP does not converge" in c.message for c in r.checks), r.checks
