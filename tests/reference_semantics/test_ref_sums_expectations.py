"""Σ with bounds, 𝔼 over actions, states and trajectories, series to ∞ and the second policy's primes, each against
a direct computation: finite sums written out, trajectories enumerated one by one, a series summed in closed form
by the reference's own Bellman solve, π' and its values from their own base coordinates.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pgverify.families import get_family
from pgverify.notation import parse_expression
from pgverify.notation.evaluate import GRAD_AXIS, Tensor, evaluate_side
from pgverify.registry import all_claims
from refsem import Base, Dual, _solve, as_fraction, enumerate_trajectories, reference
from strategies_ref import LEAVES, PRIMED, bases, exact_model, expressions, latex, value
from test_ref_gradient_rules import BASE

all_claims()  # registers the families
SETTINGS = settings(max_examples=40, deadline=None, database=None)


def _free(base: Base, *names: str) -> dict[str, Tensor]:
    size = {"s": base.S, "a": base.A}
    return {n: Tensor(np.arange(size[n]), (n,)) for n in names}


def _array(t: Tensor, axes: tuple[str, ...], shape: tuple[int, ...]) -> np.ndarray:
    assert set(t.axes) <= set(axes), t.axes
    return np.vectorize(Fraction, otypes=[object])(np.broadcast_to(np.asarray(t.expand(axes), dtype=object), shape))


# --------------------------------------------------------------- Σ with integer bounds
@SETTINGS
@given(e=expressions(max_leaves=3), lo=st.integers(0, 3), span=st.integers(0, 3), base=bases(max_states=2))
@example(e=("leaf", "v"), lo=1, span=2, base=BASE)
@example(e=("leaf", "q"), lo=2, span=0, base=BASE)
def test_a_bounded_sum_runs_from_its_lower_to_its_upper_bound(e, lo, span, base):
    """Σ_{k=lo}^{hi} λ^k e = (Σ_{k=lo}^{hi} λ^k)·e, both bounds included.

    An empty sum (hi < lo) is not drawn: the evaluator raises an internal ValueError on it (a reshape of an empty
    object array in ``_object_sum``), a bug reported with this part (pgverify/notation is other helpers' files).
    """
    hi = lo + span
    text = rf"\sum_{{k={lo}}}^{{{hi}}} \lambda^{{k}} \left({latex(e)}\right)"
    ref = reference(base)
    got = _array(evaluate_side(parse_expression(text), exact_model(base), free=_free(base, "s", "a")),
                 ("s", "a"), (base.S, base.A))
    weight = sum((base.lam ** k for k in range(lo, hi + 1)), Fraction(0))
    for s in range(base.S):
        for a in range(base.A):
            assert got[s, a] == weight * value(e, ref, s, a).val, (text, s, a)


# --------------------------------------------------------------- 𝔼 over actions and over states
@SETTINGS
@given(e=expressions(max_leaves=4), base=bases(max_states=2))
@example(e=("mul", ("leaf", "q"), ("leaf", "r")), base=BASE)
def test_an_expectation_over_actions_weights_by_the_policy(e, base):
    """𝔼_{a∼πθ(·|s)}[e] = Σ_a π(a|s) e(s, a), and ∇θ of it = Σ_a ∇θ(π e) (the policy's weights differentiated)."""
    ref = reference(base)
    m = exact_model(base)
    body = latex(e)
    for grad in (False, True):
        text = (r"\nabla_\theta " if grad else "") + \
            rf"\mathbb{{E}}_{{a\sim\pi_\theta(\cdot \vert s)}}\left[{body}\right]"
        t = evaluate_side(parse_expression(text), m, free=_free(base, "s"))
        axes, shape = (("s", GRAD_AXIS), (base.S, ref.K)) if grad else (("s",), (base.S,))
        got = _array(t, axes, shape)
        for s in range(base.S):
            want = sum((ref.pi[s][a] * value(e, ref, s, a) for a in range(base.A)), Dual.const(0, ref.K))
            assert (list(got[s]) == list(want.grad)) if grad else got[s] == want.val, (text, s)


@SETTINGS
@given(e=expressions(max_leaves=4), base=bases(max_states=3, max_actions=2))
@example(e=("leaf", "r"), base=BASE)
def test_an_expectation_over_states_weights_by_the_occupancy(e, base):
    """𝔼_{s∼d}[e(s, a)] = Σ_s d(s) e(s, a) at every free a, and ∇θ of it = Σ_s ∇θ(d e)."""
    ref = reference(base)
    m = exact_model(base)
    for grad in (False, True):
        text = (r"\nabla_\theta " if grad else "") + \
            rf"\mathbb{{E}}_{{s\sim d_\lambda^{{\pi_\theta}}}}\left[{latex(e)}\right]"
        axes, shape = (("a", GRAD_AXIS), (base.A, ref.K)) if grad else (("a",), (base.A,))
        got = _array(evaluate_side(parse_expression(text), m, free=_free(base, "a")), axes, shape)
        for a in range(base.A):
            want = sum((ref.d[s] * value(e, ref, s, a) for s in range(base.S)), Dual.const(0, ref.K))
            assert (list(got[a]) == list(want.grad)) if grad else got[a] == want.val, text


# --------------------------------------------------------------- 𝔼 over trajectories, Σ over times, series on τ
def _episodic(i: int):
    return get_family("episodic-softmax").exact_points(3, 1)[i]


def _enumerated(m):
    T = m.extras["horizon"]
    F = np.vectorize(as_fraction, otypes=[object])
    P, pi, r, mu = F(m.P).tolist(), F(m.pi).tolist(), F(m.r), tuple(F(m.mu0))
    return T, r, list(enumerate_trajectories(P, pi, mu, T))


@st.composite
def reward_terms(draw):
    """Terms c · λ^{t-1}? · r(s_i, a_i) · r(s_j, a_j)? at times drawn in 1 … 3 (checked against T below)."""
    n = draw(st.integers(1, 3))
    return [(draw(st.integers(-2, 3)), draw(st.booleans()), draw(st.integers(1, 3)),
             draw(st.one_of(st.none(), st.integers(1, 3)))) for _ in range(n)]


@SETTINGS
@given(i=st.integers(0, 2), terms=reward_terms())
@example(i=0, terms=[(1, True, 2, None), (-1, False, 1, 3)])
def test_a_trajectory_expectation_is_the_enumerated_sum(i, terms):
    m = _episodic(i)
    T, r, trajectories = _enumerated(m)
    terms = [(c, disc, min(t1, T - 1), None if t2 is None else min(t2, T - 1)) for c, disc, t1, t2 in terms]
    body = ""
    for c, disc, t1, t2 in terms:
        body += f" {'-' if c < 0 else '+'} {abs(c)} " + (rf"\lambda^{{{t1} - 1}} " if disc else "") + \
            f"r(s_{{{t1}}}, a_{{{t1}}})" + ("" if t2 is None else f" r(s_{{{t2}}}, a_{{{t2}}})")
    body = body[3:] if body.startswith(" + ") else body.lstrip()
    text = rf"\mathbb{{E}}_{{\tau\sim\mathcal{{T}}_\theta}}\left[{body}\right]"
    lam = as_fraction(m.lam)
    want = Fraction(0)
    for states, actions, p in trajectories:
        for c, disc, t1, t2 in terms:
            x = c * (lam ** (t1 - 1) if disc else 1) * r[states[t1 - 1], actions[t1 - 1]]
            if t2 is not None:
                x *= r[states[t2 - 1], actions[t2 - 1]]
            want += p * x
    assert Fraction(evaluate_side(parse_expression(text), m).value) == want, text


@SETTINGS
@given(i=st.integers(0, 2), lo=st.integers(1, 3), upper=st.sampled_from(("T - 1", r"\infty", "1", "2", "3")),
       shift=st.integers(-1, 1))
@example(i=0, lo=1, upper=r"\infty", shift=-1)
@example(i=1, lo=2, upper="T - 1", shift=0)
def test_sums_over_times_inside_a_trajectory_expectation(i, lo, upper, shift):
    """𝔼[Σ_{t=lo}^{hi} λ^{t+shift} r(s_t, a_t)] with hi a number, T − 1, or ∞ (the terms past T vanish: the
    absorbing state's rewards are 0) = the enumerated sum over the times lo … min(hi, T − 1)."""
    m = _episodic(i)
    T, r, trajectories = _enumerated(m)
    hi = {"T - 1": T - 1, r"\infty": T - 1}.get(upper) or int(upper)
    if hi < lo:
        return  # an empty sum: see test_a_bounded_sum_runs_from_its_lower_to_its_upper_bound
    text = (rf"\mathbb{{E}}_{{\tau\sim\mathcal{{T}}_\theta}}\left[\sum_{{t={lo}}}^{{{upper}}} "
            rf"\lambda^{{t{shift:+d}}} r(s_t, a_t)\right]")
    lam = as_fraction(m.lam)
    want = sum((p * sum((lam ** (t + shift) * r[states[t - 1], actions[t - 1]] for t in range(lo, min(hi, T - 1) + 1)),
                        Fraction(0)) for states, actions, p in trajectories), Fraction(0))
    if lam == 0 and any(t + shift < 0 for t in range(lo, hi + 1)):
        return  # 0 to a negative power: not drawn (λ is on a grid of 2³² values)
    assert Fraction(evaluate_side(parse_expression(text), m).value) == want, text


# --------------------------------------------------------------- a series to ∞ on the continuing chain
AT_T = {"pi": r"\pi_\theta(a_t \vert s_t)", "v": "v(s_t)", "q": "q(s_t, a_t)", "r": "r(s_t, a_t)", "d": "d(s_t)",
        "d1": r"\left(1 + d(s_t)\right)"}


def _at_t(e) -> str:
    if e[0] == "leaf" and e[1] in AT_T:
        return AT_T[e[1]]
    if e[0] in ("leaf", "int"):
        return latex(e)
    p = lambda x: rf"\left({_at_t(x)}\right)"  # noqa: E731
    return {"add": lambda: f"{p(e[1])} + {p(e[2])}", "sub": lambda: f"{p(e[1])} - {p(e[2])}",
            "mul": lambda: f"{p(e[1])} {p(e[2])}", "neg": lambda: f"-{p(e[1])}",
            "pow": lambda: f"{p(e[1])}^{{{e[2]}}}",
            "div": lambda: rf"\frac{{{_at_t(e[1])}}}{{{_at_t(e[2])}}}"}[e[0]]()


@SETTINGS
@given(e=expressions(max_leaves=3, leaves=("pi", "v", "q", "r", "U", "lam")).filter(
    lambda e: any(n in repr(e) for n in ("'pi'", "'v'", "'q'", "'r'"))), L=st.integers(1, 3),
       k=st.integers(-1, 1), base=bases(max_states=3, max_actions=2))
@example(e=("leaf", "r"), L=1, k=-1, base=BASE)
@example(e=("mul", ("leaf", "q"), ("leaf", "pi")), L=2, k=0, base=BASE)
def test_a_discounted_series_on_the_chain_is_its_closed_form(e, L, k, base):
    """Σ_{t=L}^∞ λ^{t+k} 𝔼[x(s_t, a_t)] = Σ_{n≥0} λ^{L+n+k} μᵀP_π^{L−1+n} x_π = λ^{L+k} μᵀP_π^{L−1}(I − λP_π)⁻¹ x_π,
    x_π(σ) = Σ_α π(α|σ) x(σ, α), the time of s_1 ∼ μ being 1.  The body mentions s_t or a_t (a series of a
    constant is refused: it is not a quantity at time t)."""
    if base.lam == 0 and L + k < 0:
        return
    ref = reference(base)
    S, A, lam = base.S, base.A, base.lam
    text = rf"\sum_{{t={L}}}^{{\infty}} \lambda^{{t{k:+d}}} \mathbb{{E}}_{{\tau\sim\mathcal{{T}}_\theta}}" \
           rf"\left[{_at_t(e)}\right]"
    pi = [[ref.pi[s][a].val for a in range(A)] for s in range(S)]
    P_pi = [[sum((pi[s][a] * ref.P[s][a][t] for a in range(A)), Fraction(0)) for t in range(S)] for s in range(S)]
    x_pi = [sum((pi[s][a] * value(e, ref, s, a).val for a in range(A)), Fraction(0)) for s in range(S)]
    y = _solve([[(1 if s == t else 0) - lam * P_pi[s][t] for t in range(S)] for s in range(S)], x_pi)
    for _ in range(L - 1):
        y = [sum((P_pi[s][t] * y[t] for t in range(S)), Fraction(0)) for s in range(S)]
    want = lam ** (L + k) * sum((base.mu[s] * y[s] for s in range(S)), Fraction(0)) if L + k >= 0 or lam else None
    got = Fraction(evaluate_side(parse_expression(text), exact_model(base)).value)
    assert got == want, text


# --------------------------------------------------------------- primes: the second policy
#: A second policy on BASE's MDP.
OTHER = Base(BASE.W, BASE.r, BASE.lam, BASE.mu, ((3, 1), (1, 1)))


@st.composite
def pairs(draw):
    base = draw(bases(max_states=2, max_actions=3, min_actions=2))
    x2 = tuple(tuple(draw(st.integers(1, 4)) for _ in range(base.A)) for _ in range(base.S))
    return base, Base(base.W, base.r, base.lam, base.mu, x2)


@SETTINGS
@given(e=expressions(max_leaves=4, leaves=LEAVES + PRIMED), pair=pairs())
@example(e=("mul", ("leaf", "v'"), ("leaf", "q")), pair=(BASE, OTHER))
@example(e=("sub", ("leaf", "U'"), ("leaf", "U")), pair=(BASE, OTHER))
def test_primed_quantities_are_the_second_policys_and_free_of_theta(e, pair):
    """π', v^{π'}, q^{π'}, d^{π'}, U(θ') are the second policy's (on the same MDP); under ∇θ they are constants."""
    base, other = pair
    m, m2 = exact_model(base), exact_model(other)
    m.extras["other"] = m2  # what tabular-softmax-pair carries: π' on the same MDP
    ref, ref2 = reference(base), reference(other)
    free = _free(base, "s", "a")
    for grad in (False, True):
        text = (rf"\nabla_\theta \left({latex(e)}\right)" if grad else latex(e))
        axes, shape = (("s", "a", GRAD_AXIS), (base.S, base.A, ref.K)) if grad else (("s", "a"), (base.S, base.A))
        got = _array(evaluate_side(parse_expression(text), m, free=free), axes, shape)
        for s in range(base.S):
            for a in range(base.A):
                want = value(e, ref, s, a, ref2)
                assert (list(got[s, a]) == list(want.grad)) if grad else got[s, a] == want.val, (text, s, a)


# --------------------------------------------------------------- ∇θ of a trajectory expectation
@st.composite
def layered(draw):
    """An episodic base: states 0 … n − 1 move only forward, state n absorbs with reward 0; horizon T = n + 1."""
    n, A = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    S = n + 1
    W = tuple(tuple(tuple((draw(st.integers(1, 3)) if t > s else 0) if s < n else int(t == n) for t in range(S))
                    for _ in range(A)) for s in range(S))
    r = tuple(tuple(draw(st.integers(-3, 3)) if s < n else 0 for _ in range(A)) for s in range(S))
    x = tuple(tuple(draw(st.integers(1, 4)) for _ in range(A)) for _ in range(S))
    return Base(W, r, draw(st.sampled_from((Fraction(1, 2), Fraction(9, 10)))),
                tuple(Fraction(int(s == 0)) for s in range(S)), x)


def _episodic_model(base: Base):
    from numeric.episodic import EpisodicMDP, episodic_model
    from numeric.mdp import FiniteMDP
    from numeric.policies import TabularSoftmax

    P = np.array([[[Fraction(w, sum(row)) for w in row] for row in s] for s in base.W], dtype=object)
    mdp = FiniteMDP(P=P, r=np.array(base.r, dtype=object) * Fraction(1), discount=base.lam, initial=0)
    emdp = EpisodicMDP(mdp, absorbing=base.S - 1, horizon=base.S)
    return episodic_model(emdp, TabularSoftmax.from_weights(np.array(base.x, dtype=object)), exact=True)


@SETTINGS
@given(base=layered(), t=st.integers(1, 2), u=st.integers(1, 2), squared=st.booleans())
@example(base=Base(W=(((0, 1, 2), (0, 2, 1)), ((0, 0, 1), (0, 0, 1)), ((0, 0, 1), (0, 0, 1))),
                   r=((1, -2), (3, 1), (0, 0)), lam=Fraction(1, 2), mu=(Fraction(1), Fraction(0), Fraction(0)),
                   x=((1, 3), (2, 1), (1, 1))), t=1, u=2, squared=False)
def test_the_gradient_of_a_trajectory_expectation_differentiates_the_law(base, t, u, squared):
    """∇θ 𝔼_{τ∼𝒯θ}[r(s_t, a_t) r(s_u, a_u)^{(…)}] = Σ_τ ∇𝒯θ(τ) f(τ), 𝒯θ(τ) in the reference's dual numbers."""
    T = base.S
    t, u = min(t, T - 1), min(u, T - 1)
    f = f"r(s_{{{t}}}, a_{{{t}}})" + (f" r(s_{{{u}}}, a_{{{u}}})" if squared else "")
    text = rf"\nabla_\theta \mathbb{{E}}_{{\tau\sim\mathcal{{T}}_\theta}}\left[{f}\right]"
    ref = reference(base)
    want = Dual.const(0, ref.K)
    for states, actions, p in enumerate_trajectories(ref.P, ref.pi, base.mu, T):
        x = Fraction(base.r[states[t - 1]][actions[t - 1]])
        if squared:
            x *= base.r[states[u - 1]][actions[u - 1]]
        want = want + p * x
    got = evaluate_side(parse_expression(text), _episodic_model(base)).value
    assert [Fraction(g) for g in np.ravel(got)] == list(want.grad), text


@SETTINGS
@given(i=st.integers(0, 2), lower=st.sampled_from(("t", "1", "2")), upper=st.sampled_from(("T - 1", "t", "2")))
@example(i=0, lower="t", upper="T - 1")  # the reward to go
@example(i=1, lower="1", upper="t")
def test_bounds_that_depend_on_a_free_time(i, lower, upper):
    """𝔼[Σ_{k=lo(t)}^{hi(t)} λ^{k−1} r(s_k, a_k)] at every free time t = 1 … T − 1: both bounds included, an empty
    range (lo(t) > hi(t)) is 0."""
    m = _episodic(i)
    T, r, trajectories = _enumerated(m)
    lam = as_fraction(m.lam)
    text = (rf"\mathbb{{E}}_{{\tau\sim\mathcal{{T}}_\theta}}\left[\sum_{{k={lower}}}^{{{upper}}} "
            rf"\lambda^{{k - 1}} r(s_k, a_k)\right]")
    times = np.arange(1, T)
    got = evaluate_side(parse_expression(text), m, free={"t": Tensor(times, ("t",))})
    got = np.broadcast_to(np.asarray(got.expand(("t",)), dtype=object), times.shape)
    bound = lambda b, t: {"t": t, "T - 1": T - 1}.get(b) or int(b)  # noqa: E731
    for t, g in zip(times, got):
        lo, hi = bound(lower, int(t)), bound(upper, int(t))
        want = sum((p * sum((lam ** (k - 1) * r[states[k - 1], actions[k - 1]] for k in range(lo, hi + 1)),
                            Fraction(0)) for states, actions, p in trajectories), Fraction(0))
        assert Fraction(g) == want, (text, t)
