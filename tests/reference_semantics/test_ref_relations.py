"""∝ and `whenever` conditions against the reference: which steps hold is decided apart from the evaluator.

* ``e ∝ c·e`` holds exactly when c > 0 (or e is 0 everywhere): Hypothesis draws e over the model's quantities and a
  non-zero constant c of either sign; the chain the evaluator builds must fail on exactly the drawn models where
  the reference says so.
* Conditions on index variables: ``𝔼[r(s_k, a_k)] = 𝔼[r(s_t, a_t)]`` at free times k, t of an episodic model,
  under drawn conditions (comparisons of k, t and integers, every one of them in force).  The reference
  enumerates the trajectories itself, takes the times (k, t) that meet *every* condition and says whether the two
  expectations agree on all of them.  Only ``=`` steps on index variables are drawn, where selecting the entries a
  condition keeps and zeroing the others agree, and only conditions that some times meet.
"""

from __future__ import annotations

import operator
from fractions import Fraction

import numpy as np
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from pgverify.checker import evaluate_chain
from pgverify.families import get_family
from pgverify.notation import parse, parse_annotation
from pgverify.notation.evaluate import Conventions, compile_display
from pgverify.registry import all_claims
from refsem import as_fraction, enumerate_trajectories, reference
from test_ref_gradient_rules import BASE
from strategies_ref import bases, exact_model, expressions, has_leaf, latex, value

all_claims()  # registers the families

CONSTANTS = {"2": Fraction(2), "3": Fraction(3), "-1": Fraction(-1), "-2": Fraction(-2),
             r"\left(1 + \lambda\right)": None, r"-\left(1 + \lambda\right)": None}


def _holds(text: str, model, conditions=()) -> bool:
    claim = compile_display(parse(text), name="reference", conventions=Conventions(conditions=tuple(conditions)))
    ev = evaluate_chain(claim, model)
    assert ev.ill_formed is None and ev.undecidable is None, (text, ev)
    return ev.first_failure is None


@settings(max_examples=40, deadline=None, database=None)
@given(e=expressions(max_leaves=3).filter(has_leaf), c=st.sampled_from(sorted(CONSTANTS)),
       base=bases(max_states=2, max_actions=2))
def test_proportionality_holds_exactly_for_a_positive_constant(e, c, base):
    """e ∝ c·e: lhs = k·rhs with k = 1/c, so it holds iff c > 0 — or e vanishes everywhere (any k > 0 will do).

    e mentions a model quantity: between two integers the evaluator's constant is a float (int / int; the known
    division bug reported with this part), which makes the step undecided rather than wrong.
    """
    ref = reference(base)
    lam = base.lam
    c_value = CONSTANTS[c] if CONSTANTS[c] is not None else (1 + lam) * (-1 if c.startswith("-") else 1)
    values = [value(e, ref, s, a).val for s in range(base.S) for a in range(base.A)]
    want = c_value > 0 or all(x == 0 for x in values)
    text = rf"\left({latex(e)}\right) \propto {c} \left({latex(e)}\right)"
    assert _holds(text, exact_model(base)) == want, (text, c_value, values)


def test_a_negative_constant_is_not_proportionality():
    """q ∝ −2q and ∇θU ∝ −3∇θU are false: their constants −1/2, −1/3 are negative (though their squares are not)."""
    m = exact_model(BASE)
    assert not _holds(r"q(s, a) \propto -2 q(s, a)", m)
    assert not _holds(r"\nabla_\theta U(\theta) \propto -3 \nabla_\theta U(\theta)", m)
    assert _holds(r"\nabla_\theta U(\theta) \propto 3 \nabla_\theta U(\theta)", m)


# ---------------------------------------------------------------- conditions
_OPS = {"=": operator.eq, "<": operator.lt, r"\le": operator.le, ">": operator.gt, r"\ge": operator.ge}


def _episodic(i: int):
    return get_family("episodic-softmax").exact_points(3, 0)[i]


def _expected_rewards(m) -> dict[int, Fraction]:
    """𝔼_{τ∼𝒯θ}[r(s_t, a_t)] for t = 1 … T − 1 by enumerating the trajectories (the reference's own loop)."""
    T = m.extras["horizon"]
    F = np.vectorize(as_fraction, otypes=[object])
    P, pi, r, mu = F(m.P).tolist(), F(m.pi).tolist(), F(m.r), tuple(F(m.mu0))
    out = {t: Fraction(0) for t in range(1, T)}
    for states, actions, p in enumerate_trajectories(P, pi, mu, T):
        for t in range(1, T):
            out[t] += p * r[states[t - 1], actions[t - 1]]
    return out


terms = st.one_of(st.sampled_from(("k", "t")), st.integers(1, 4).map(str))
conditions = st.lists(st.tuples(terms, st.sampled_from(sorted(_OPS)), terms).filter(lambda c: c[0] != c[2]),
                      min_size=1, max_size=3)


def _value(term: str, k: int, t: int) -> int:
    return {"k": k, "t": t}.get(term) or int(term)


@settings(max_examples=40, deadline=None, database=None)
@given(i=st.integers(0, 2), conds=conditions)
@example(i=0, conds=[("k", r"\le", "t"), ("k", r"\ge", "t")])  # the second condition leaves only k = t
@example(i=1, conds=[("t", r"\ge", "1"), ("k", "=", "t")])
@example(i=2, conds=[("k", "<", "4"), ("t", "=", "2"), ("k", "=", "2")])
def test_every_condition_restricts_the_claim(i, conds):
    m = _episodic(i)
    T = m.extras["horizon"]
    expect = _expected_rewards(m)
    times = range(1, T)
    selected = [(k, t) for k in times for t in times
                if all(_OPS[op](_value(x, k, t), _value(y, k, t)) for x, op, y in conds)]
    assume(selected)  # a condition no time meets is vacuous (undecided, a separate rule)
    want = all(expect[k] == expect[t] for k, t in selected)
    text = (r"\mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[r(s_k, a_k)\right] = "
            r"\mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[r(s_t, a_t)\right]")
    annotation = parse_annotation("whenever " + ", ".join(f"{x} {op} {y}" for x, op, y in conds))
    assert _holds(text, m, annotation.conditions) == want, (conds, selected, expect)


# ---------------------------------------------------------------- relations and := between drawn sides
_RELATION_OPS = {"=": operator.eq, ":=": operator.eq, "<": operator.lt, r"\le": operator.le, ">": operator.gt,
                 r"\ge": operator.ge}


@settings(max_examples=40, deadline=None, database=None)
@given(e=expressions(max_leaves=3).filter(has_leaf), f=expressions(max_leaves=3).filter(has_leaf),
       rel=st.sampled_from(sorted(_RELATION_OPS)), base=bases(max_states=2, max_actions=2))
@example(e=("leaf", "v"), f=("mul", ("leaf", "pi"), ("leaf", "q")), rel=":=", base=BASE)
def test_a_relation_holds_where_it_holds_at_every_entry(e, f, rel, base):
    """e R f on a model holds iff it holds at every (s, a); a definition ``:=`` inside a display (no ``defines``
    annotation) is checked as ``=`` (both sides mention model quantities: never a fresh name)."""
    ref = reference(base)
    pairs = [(value(e, ref, s, a).val, value(f, ref, s, a).val) for s in range(base.S) for a in range(base.A)]
    want = all(_RELATION_OPS[rel](x, y) for x, y in pairs)
    assert _holds(rf"\left({latex(e)}\right) {rel} \left({latex(f)}\right)", exact_model(base)) == want, pairs


@settings(max_examples=20, deadline=None, database=None)
@given(e=expressions(max_leaves=3).filter(has_leaf), rel=st.sampled_from(sorted(_RELATION_OPS)))
def test_ties_in_the_checks_exact_arithmetic(e, rel):
    """e R e at the checks' own exact points (python-flint rationals, not Fractions): =, :=, ≤, ≥ hold, <, > fail."""
    text = rf"\left({latex(e)}\right) {rel} \left({latex(e)}\right)"
    for m in get_family("tabular-softmax").exact_points(2, 0):
        assert _holds(text, m) == (rel in ("=", ":=", r"\le", r"\ge")), (text, m)
