"""python-flint rationals (:class:`numeric.flint_exact.Q`) mix with bools and NumPy scalars as ``Fraction`` does.

A user's derivation that worked on ``Fraction`` works on ``Q``: a NumPy boolean
one-hot array times exact values (GAE's γ-just check written ``onehot * adv``),
NumPy integer scalars, Python bools, on either side of every operator and
comparison, in scalars and in object arrays.  Floats still stop the exact
method (never converted).

* a Hypothesis property: ``Q(x) ∘ y`` and ``y ∘ Q(x)`` against ``Fraction(x) ∘ y``
  and ``y ∘ Fraction(x)``, for every operator and comparison and operands of
  every exact type;
* the same elementwise in object arrays against boolean and integer arrays;
* floats refused on both sides, in scalars and arrays;
* a derivation with ``onehot * adv`` verified by every method again.
"""

from __future__ import annotations

import numbers
import operator
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import pgverify
from numeric.errors import InexactOperandError
from numeric.flint_exact import Q, to_q
from pgverify.checker import Settings
from pgverify.trajectories import trajectories

OPERATORS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv, operator.mod, divmod,
             operator.pow]
COMPARISONS = [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]
NUMPY_INTEGERS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]

fractions = st.fractions(min_value=-6, max_value=6, max_denominator=7)
small = st.integers(-4, 4)
# every exact operand type a derivation may meet; exponents stay small so that powers stay small
others = st.one_of(
    st.booleans(),
    st.booleans().map(np.bool_),
    small,
    st.tuples(st.sampled_from(NUMPY_INTEGERS), st.integers(0, 4)).map(lambda c: c[0](c[1])),
    st.tuples(st.sampled_from(NUMPY_INTEGERS[:4]), small).map(lambda c: c[0](c[1])),
    fractions,
    fractions.map(Q),
)


def plain(x):
    """A NumPy boolean or integer scalar as the Python int it stands for; anything else unchanged."""
    return int(x) if isinstance(x, (np.bool_, np.integer)) else x


def exact(result) -> bool:
    if isinstance(result, tuple):
        return all(exact(r) for r in result)
    return isinstance(result, (numbers.Rational, np.bool_, np.integer))


def outcome(op, a, b):
    """The value of a ∘ b, or the exception class it raises."""
    try:
        return op(a, b)
    except (ZeroDivisionError, TypeError, OverflowError) as exc:
        return type(exc)


def expected(op, a, b):
    """Fraction's a ∘ b where it is exact, ZeroDivisionError where it raises that.

    The expression is taken on the plain ints the NumPy scalars stand for: Fraction on the NumPy scalars
    themselves may promote to a float (a ``np.bool_`` exponent) or wrap silently (``Fraction(4) ** np.int8(4)``
    is 4 ** np.int8(4), which wraps to 0 in int8), while Q computes the value the integers stand for.  Where
    that is not exact (a non-integer power), Q must refuse it with :class:`InexactOperandError`.
    """
    r = outcome(op, plain(a), plain(b))
    return r if r is ZeroDivisionError or (not isinstance(r, type) and exact(r)) else InexactOperandError


def same(q, f) -> bool:
    """Q's result q is f's value, exactly (an int for ⌊/⌋, a pair for divmod, a bool for comparisons)."""
    if isinstance(f, tuple):
        return isinstance(q, tuple) and len(q) == len(f) and all(same(x, y) for x, y in zip(q, f))
    if isinstance(f, (bool, np.bool_)):
        return isinstance(q, (bool, np.bool_)) and bool(q) == bool(f)
    if isinstance(q, (Q, Fraction)):  # a Fraction when Fraction's own method took the Q (as a numbers.Rational)
        return Fraction(q.numerator, q.denominator) == f
    return isinstance(q, int) and not isinstance(q, bool) and q == f


@settings(max_examples=400, deadline=None)
@given(x=fractions, other=others, op=st.sampled_from(OPERATORS + COMPARISONS), q_left=st.booleans())
def test_q_arithmetic_is_fractions_over_mixed_operands(x, other, op, q_left):
    f_other = other.fraction() if isinstance(other, Q) else other
    f_args, q_args = ((Fraction(x), f_other), (Q(x), other)) if q_left else ((f_other, Fraction(x)), (other, Q(x)))
    got = outcome(op, *q_args)
    if op is operator.pow and isinstance(q_args[0], Fraction):
        # Fraction's own __pow__ runs first and takes Q as a numbers.Rational: Fraction ** Q is Fraction ** Fraction
        # (a float for a non-integer exponent, as before Q existed); Q has no say there.
        assert outcome(op, q_args[0], q_args[1].fraction()) == got
        return
    want = expected(op, *f_args)
    if isinstance(want, type):
        assert got is want, (op.__name__, q_args, got, want)
        if want is InexactOperandError:  # refused by Q itself, naming why
            with pytest.raises(InexactOperandError, match="not an integer power"):
                op(*q_args)
        return
    assert same(got, want), (op.__name__, q_args, got, want)


def test_numpy_booleans_and_integers_are_exact_rationals():
    assert Q(np.bool_(True)) == 1 and Q(np.bool_(False), np.int64(3)) == 0 and Q(np.int8(-6), np.uint8(4)) == Q(-3, 2)
    assert to_q(np.array([True, False])).tolist() == [Q(1), Q(0)]


def test_a_non_integer_power_is_refused_on_both_sides():
    with pytest.raises(InexactOperandError, match="not an integer power"):
        Q(4) ** Fraction(1, 2)
    with pytest.raises(InexactOperandError, match="not an integer power"):
        np.int64(4) ** Q(1, 2)
    assert Q(4) ** Q(2) == 16 and 2 ** Q(-2) == Q(1, 4) and Q(2, 3) ** np.bool_(True) == Q(2, 3)


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv] + COMPARISONS,
                         ids=lambda op: op.__name__)
@given(values=st.lists(st.tuples(fractions, st.booleans(), st.integers(-3, 3)), min_size=1,
                       max_size=5),
       dtype=st.sampled_from([bool, np.int8, np.int64, np.uint8]), q_left=st.booleans())
@settings(max_examples=40, deadline=None)
def test_object_arrays_mix_with_boolean_and_integer_arrays(op, values, dtype, q_left):
    """``onehot * adv`` and its kin, elementwise: the Q array gives the Fraction array's values."""
    xs = [v for v, _, _ in values]
    raw = [b for _, b, _ in values] if dtype is bool else [abs(k) if dtype is np.uint8 else k for _, _, k in values]
    other = np.array(raw, dtype=dtype)
    q = np.array([Q(x) for x in xs], dtype=object)
    f = np.array(xs, dtype=object)
    want = outcome(op, f, other) if q_left else outcome(op, other, f)
    got = outcome(op, q, other) if q_left else outcome(op, other, q)
    if want is ZeroDivisionError:
        assert got is ZeroDivisionError
        return
    assert got.shape == want.shape and all(same(a, b) for a, b in zip(got.tolist(), want.tolist()))


@pytest.mark.parametrize("value", [0.5, np.float64(0.5), np.float32(0.5), np.array([0.5, 1.0])],
                         ids=["float", "float64", "float32", "float-array"])
@pytest.mark.parametrize("op", OPERATORS[:4] + COMPARISONS[2:], ids=lambda op: op.__name__)
def test_floats_never_enter_on_either_side(value, op):
    q = np.array([Q(1, 3), Q(2, 3)], dtype=object) if isinstance(value, np.ndarray) else Q(1, 3)
    with pytest.raises(InexactOperandError, match="cannot enter exact rational arithmetic"):
        op(q, value)
    with pytest.raises(InexactOperandError, match="cannot enter exact rational arithmetic"):
        op(value, q)


# ------------------------------------------------------------------------------------------------ a derivation
FAST = Settings(seed=0, exact_points=2, numeric_examples=10, counterexample_examples=50)
GAMMA_JUST = ("the TD residual δ = r + λv(s') − v(s) in place of the advantage q − v: "
              "E[(q − v)∇log π(a|s)] = E[Σ_b 1{a = b} δ ∇log π(b|s)]",)


def gamma_just_lines(m, *, weight=None):
    """E[A(s₁, a₁)∇log π(a₁|s₁)] = E[Σ_b 1{a₁ = b}·δ₁·∇log π(b|s₁)], 1{·} a NumPy boolean one-hot."""
    tr = trajectories(m, horizon=1)
    s, a, s2 = tr.states[0], tr.actions[0], tr.states[1]
    onehot = a[:, None] == np.arange(m.A)                       # dtype bool, shape (N, A)
    adv = m.q[s, a] - m.v[s]
    delta = m.r[s, a] + m.lam * m.v[s2] - m.v[s]
    if weight is not None:
        delta = weight * delta
    yield tr.mean(m.score[s, a] * adv[:, None])
    yield tr.mean(((onehot * delta[:, None])[:, :, None] * m.score[s]).sum(axis=1))


@pgverify.derivation("the TD residual is γ-just", steps=GAMMA_JUST)
def gamma_just(m):
    yield from gamma_just_lines(m)


@pgverify.derivation("the TD residual, doubled", steps=GAMMA_JUST)
def gamma_just_doubled(m):
    yield from gamma_just_lines(m, weight=np.int64(2))


@pgverify.derivation("the TD residual, a float weight", steps=GAMMA_JUST, methods=("exact", "numeric"))
def gamma_just_float(m):
    yield from gamma_just_lines(m, weight=0.5)


def checks(result):
    return {c.method: c.passed for c in result.result.checks}


def test_a_boolean_one_hot_times_exact_values_is_verified_again():
    result = pgverify.verify(gamma_just, FAST)
    assert checks(result)["exact"] is True and checks(result)["symbolic"] is True, result.render()
    assert result.verdict == "proved"


def test_the_same_derivation_with_a_wrong_factor_is_refuted():
    result = pgverify.verify(gamma_just_doubled, FAST)
    assert result.verdict == "refuted" and checks(result)["exact"] is False, result.render()


def test_a_float_in_the_same_derivation_still_stops_the_exact_method():
    result = pgverify.verify(gamma_just_float, FAST)
    exact_check = next(c for c in result.result.checks if c.method == "exact")
    assert exact_check.passed is None and "cannot enter" in exact_check.message, result.render()
    assert result.verdict != "proved"
