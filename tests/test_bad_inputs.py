"""One table of invalid inputs, each beside a valid near-miss, each with a readable id."""

from fractions import Fraction as F

import numpy as np
import pytest

import numeric
from numeric import FiniteMDP, InvalidMDPError, InvalidPolicyError, TabularSoftmax
from numeric import strategies as nst

P_OK = [[[0.5, 0.5]], [[0.0, 1.0]]]
R_OK = [[1.0], [0.0]]


def mdp(**kw):
    args = dict(P=P_OK, r=R_OK, discount=0.9)
    args.update(kw)
    return FiniteMDP(**args)


BAD = [
    ("row-not-stochastic", lambda: mdp(P=[[[0.5, 0.4]], [[0.0, 1.0]]]), InvalidMDPError, r"P\[0, 0, :\] = \[0.5, 0.4\] sums to 0.9"),
    ("row-not-stochastic-exact", lambda: mdp(P=[[[F(1, 2), F(1, 3)]], [[0, 1]]], r=[[1], [0]], discount=F(1, 2)),
     InvalidMDPError, r"sums to 5/6"),
    ("negative-probability", lambda: mdp(P=[[[1.5, -0.5]], [[0.0, 1.0]]]), InvalidMDPError, r"P\[0, 0, 1\] = -0.5 is negative"),
    ("nan-probability", lambda: mdp(P=[[[np.nan, 1.0]], [[0.0, 1.0]]]), InvalidMDPError, r"P\[0, 0, 0\] is nan"),
    ("inf-reward", lambda: mdp(r=[[np.inf], [0.0]]), InvalidMDPError, r"r\[0, 0\] is inf"),
    ("discount-one", lambda: mdp(discount=1.0), InvalidMDPError, r"discount must lie in \[0, 1\), got 1"),
    ("discount-negative", lambda: mdp(discount=-0.1), InvalidMDPError, r"got -0.1"),
    ("discount-nan", lambda: mdp(discount=float("nan")), InvalidMDPError, r"got nan"),
    ("discount-string", lambda: mdp(discount="0.9"), InvalidMDPError, r"discount must be a real number, got '0.9'"),
    ("P-rank-2", lambda: mdp(P=[[0.5, 0.5], [0.0, 1.0]]), InvalidMDPError, r"P must have shape \(S, A, S\).*got \(2, 2\)"),
    ("P-not-square", lambda: mdp(P=[[[1.0]], [[1.0]]]), InvalidMDPError, r"got \(2, 1, 1\)"),
    ("r-shape", lambda: mdp(r=[1.0, 0.0]), InvalidMDPError, r"r must have shape \(S, A\) = \(2, 1\).*got \(2,\)"),
    ("initial-out-of-range", lambda: mdp(initial=2), InvalidMDPError, r"initial state 2 is out of range for S=2"),
    ("initial-not-distribution", lambda: mdp(initial=[0.5, 0.6]), InvalidMDPError, r"initial = \[0.5, 0.6\] is not a probability"),
    ("initial-wrong-length", lambda: mdp(initial=[1.0]), InvalidMDPError, r"shape \(2,\), got shape \(1,\)"),
    ("P-strings", lambda: mdp(P=[[["a", "b"]], [["c", "d"]]]), InvalidMDPError, r"P must"),
    ("theta-nan", lambda: TabularSoftmax([[0.0, np.nan]]), InvalidPolicyError, r"theta\[0, 1\] is nan"),
    ("theta-rank-1", lambda: TabularSoftmax([0.0, 1.0]), InvalidPolicyError, r"theta must have shape \(S, A\).*got shape \(2,\)"),
    ("weights-zero", lambda: TabularSoftmax.from_weights([[1, 0]]), InvalidPolicyError, r"weights\[0, 1\] = 0"),
    ("weights-float", lambda: TabularSoftmax.from_weights([[1.0, 2.0]]), InvalidPolicyError, r"weights must hold exact numbers"),
    ("theta-shape-vs-mdp", lambda: numeric.utility(mdp(), TabularSoftmax(np.zeros((2, 2)))), InvalidPolicyError,
     r"theta has shape \(2, 2\) but the MDP has S=2 states and A=1 actions"),
    ("exact-demanded-of-float", lambda: numeric.model(mdp(), TabularSoftmax(np.zeros((2, 1))), exact=True),
     InvalidMDPError, r"exact=True needs an exact mdp"),
    ("not-an-mdp", lambda: numeric.utility("mdp", TabularSoftmax(np.zeros((2, 1)))), InvalidMDPError, r"got str"),
    ("strategy-min-above-max", lambda: nst.finite_mdps(min_states=3, max_states=2), InvalidMDPError,
     r"min_states=3 is larger than max_states=2"),
]

NEAR_MISSES = [
    ("row-within-tolerance", lambda: mdp(P=[[[0.5, 0.5 + 1e-12]], [[0.0, 1.0]]])),
    ("discount-zero", lambda: mdp(discount=0.0)),
    ("discount-just-below-one", lambda: mdp(discount=0.999999)),
    ("initial-last-state", lambda: mdp(initial=1)),
    ("initial-distribution", lambda: mdp(initial=[0.25, 0.75])),
    ("exact-mdp", lambda: mdp(P=[[[F(1, 2), F(1, 2)]], [[0, 1]]], r=[[1], [0]], discount=F(1, 2))),
    ("theta-matches", lambda: numeric.utility(mdp(), TabularSoftmax(np.zeros((2, 1))))),
]


@pytest.mark.parametrize("make, error, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_rejected_with_the_argument_named(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("make", [n[1] for n in NEAR_MISSES], ids=[n[0] for n in NEAR_MISSES])
def test_valid_near_miss_is_accepted(make):
    make()


def test_errors_are_one_family():
    assert issubclass(InvalidMDPError, numeric.PGVerifyError) and issubclass(InvalidMDPError, ValueError)
    assert issubclass(InvalidPolicyError, numeric.PGVerifyError) and issubclass(InvalidPolicyError, ValueError)


def test_records_are_immutable():
    m = mdp()
    with pytest.raises(Exception):
        m.discount = 0.5  # type: ignore[misc]
    with pytest.raises(ValueError):
        m.P[0, 0, 0] = 1.0
