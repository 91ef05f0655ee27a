"""Above the forward-mode size limit: ∇θv, ∇θq, ∇θU and the displays that use them against the reference.

Models with S³K above :data:`numeric.model.FORWARD_MODE_LIMIT` take ∇θv from the forward rule of the Bellman solve
and ∇θU from the adjoint instead of dual numbers.  The checks draw small models, so only these tests reach that
path: an exact 12-state, 5-action model (S³K = 103 680), whose derivatives the reference computes in its own dual
numbers (:mod:`refsem`), and float64 models compared with central differences of a separate NumPy solve.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from numeric.evaluation import model as build_model
from numeric.mdp import FiniteMDP
from numeric.model import FORWARD_MODE_LIMIT
from numeric.policies import TabularSoftmax
from pgverify.notation import parse_expression
from pgverify.notation.evaluate import GRAD_AXIS, Tensor, evaluate_side
from refsem import Base, reference
from strategies_ref import exact_model

S, A = 12, 5


def _base(seed: int) -> Base:
    rng = np.random.default_rng(seed)
    W = tuple(tuple(tuple(int(w) for w in rng.integers(1, 5, S)) for _ in range(A)) for _ in range(S))
    r = tuple(tuple(int(x) for x in rng.integers(-3, 4, A)) for _ in range(S))
    x = tuple(tuple(int(w) for w in rng.integers(1, 5, A)) for _ in range(S))
    return Base(W, r, Fraction(2, 3), tuple(Fraction(int(s == 0)) for s in range(S)), x)


@pytest.fixture(scope="module")
def exact_pair():
    base = _base(3)
    m = exact_model(base)
    assert m.S ** 3 * m.K > FORWARD_MODE_LIMIT and not m.forward_mode
    return m, reference(base)


def test_the_forward_rule_of_the_value_gradient_is_exact(exact_pair):
    m, ref = exact_pair
    assert [list(row) for row in m.grad_v] == [list(x.grad) for x in ref.v]
    assert [[list(m.grad_q[s, a]) for a in range(A)] for s in range(S)] == \
        [[list(x.grad) for x in row] for row in ref.q]
    assert list(m.grad_U) == list(ref.U.grad)


def test_displays_on_a_large_model_take_their_gradients_from_the_reference(exact_pair):
    m, ref = exact_pair
    free = {"s": Tensor(np.arange(S), ("s",)), "a": Tensor(np.arange(A), ("a",))}
    t = evaluate_side(parse_expression(r"\nabla_\theta \left(v(s) q(s, a)\right)"), m, free=free)
    got = np.asarray(t.expand(("s", "a", GRAD_AXIS)), dtype=object)
    for s in (0, 5, 11):
        for a in (0, 4):
            assert list(got[s, a]) == list((ref.v[s] * ref.q[s][a]).grad)


def _v_float(P: np.ndarray, r: np.ndarray, lam: float, theta: np.ndarray) -> np.ndarray:
    """v = (I − λP_π)⁻¹ r_π in float64, written here (not pgverify's solve)."""
    z = np.exp(theta - theta.max(axis=1, keepdims=True))
    pi = z / z.sum(axis=1, keepdims=True)
    P_pi = np.einsum("sa,sat->st", pi, P)
    return np.linalg.solve(np.eye(len(r)) - lam * P_pi, (pi * r).sum(axis=1))


@pytest.mark.parametrize("seed", [0, 1])
def test_float64_value_gradient_matches_central_differences(seed):
    rng = np.random.default_rng(seed)
    P = rng.random((S, A, S)) + 0.1
    P /= P.sum(axis=2, keepdims=True)
    r = rng.normal(size=(S, A))
    theta = rng.normal(size=(S, A))
    lam = 0.8
    m = build_model(FiniteMDP(P, r, lam), TabularSoftmax(theta), exact=False)
    assert not m.forward_mode
    u = rng.normal(size=(S, A))
    h = 1e-6
    fd = (_v_float(P, r, lam, theta + h * u) - _v_float(P, r, lam, theta - h * u)) / (2 * h)
    np.testing.assert_allclose(m.grad_v @ u.ravel(), fd, rtol=1e-6, atol=1e-7)
    fd_U = (_v_float(P, r, lam, theta + h * u)[0] - _v_float(P, r, lam, theta - h * u)[0]) / (2 * h)
    np.testing.assert_allclose(m.grad_U @ u.ravel(), fd_U, rtol=1e-6, atol=1e-7)
