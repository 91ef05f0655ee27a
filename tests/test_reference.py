"""The reference gradient ∇θU is independent of the identities under test, and every path to it agrees.

The checks' reference (``Model.grad_U``) differentiates U(θ) = μᵀ(I − λP_π)⁻¹r_π by forward-mode dual
numbers through a generic solve: it never forms w, d, q or P v, the quantities the policy gradient
theorem's right-hand side is built from.  The adjoint (kept for large models) and the symbolic
derivative of the closed form must agree with it exactly.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy

from numeric.arithmetic import EXACT
from numeric.dual import tangent, variables
from numeric.model import FORWARD_MODE_LIMIT, Model
from numeric.policies import softmax_from_weights, softmax_jacobian
from pgverify.families import FAMILIES, get_family
from pgverify.families.base import tabular_from_base
from pgverify.registry import all_claims

all_claims()  # registers every family
TABULAR = [name for name in sorted(FAMILIES) if name in (
    "tabular-softmax", "tabular-softmax-initial-distribution", "episodic-softmax", "ergodic-tabular-softmax",
    "ergodic-linear-softmax", "layered-tabular-softmax", "layered-linear-softmax", "linear-softmax")]


@pytest.mark.parametrize("name", TABULAR)
def test_forward_mode_and_adjoint_agree_exactly_at_the_checks_points(name):
    for m in get_family(name).exact_points(2, 3):
        assert m.forward_mode, f"{name}: the checks' exact points must use the independent reference"
        assert all(a == b for a, b in zip(m.grad_U, m.grad_U_adjoint))
        assert m.grad_U.shape == (m.K,)


def test_the_reference_never_forms_w_d_q_or_pv(monkeypatch):
    m = get_family("tabular-softmax-initial-distribution").exact_points(1, 5)[0]
    expected = m.grad_U_adjoint  # computed before the quantities under test are forbidden
    for name in ("w", "d", "q", "Pv", "v"):
        def forbidden(self, name=name):
            raise AssertionError(f"the reference gradient formed {name}")
        monkeypatch.setattr(Model, name, property(forbidden))
    clone = Model(arithmetic=m.arithmetic, P=m.P, r=m.r, lam=m.lam, mu0=m.mu0, pi=m.pi,
                  jacobian=lambda: m.dpi, vjp=lambda g: np.einsum("sa,sak->k", g, m.dpi))
    assert all(a == b for a, b in zip(clone.grad_U, expected))
    assert clone.grad_v.shape == (m.S, m.K)


def test_float64_forward_mode_agrees_with_the_adjoint():
    from hypothesis import given, settings

    family = get_family("tabular-softmax-initial-distribution")

    @settings(max_examples=30, database=None, deadline=None)
    @given(family.examples())
    def agree(example):
        m = family.build(example, False)
        assert m.forward_mode and m.grad_U.dtype == np.float64
        np.testing.assert_allclose(m.grad_U, m.grad_U_adjoint, rtol=1e-12, atol=1e-12)

    agree()


def test_modular_forward_mode_agrees_with_the_adjoint():
    from numeric.modular import random_tabular_point_mod_p

    m = random_tabular_point_mod_p(np.random.default_rng(2), 4, 3)
    assert m.forward_mode and all(a == b for a, b in zip(m.grad_U, m.grad_U_adjoint))


def test_large_models_use_the_adjoint():
    from numeric.modular import random_tabular_point_mod_p

    m = random_tabular_point_mod_p(np.random.default_rng(0), 30, 4)
    assert m.S ** 3 * m.K > FORWARD_MODE_LIMIT and not m.forward_mode
    assert m.grad_U is m.grad_U_adjoint or all(a == b for a, b in zip(m.grad_U, m.grad_U_adjoint))


def test_the_symbolic_derivative_agrees_exactly_at_a_rational_point():
    from symbolic.family import TabularSoftmaxFamily

    fam = TabularSoftmaxFamily(2, 2, initial_distribution=True)
    sym = fam.model()
    rng = np.random.default_rng(7)
    values = {s: Fraction(int(rng.integers(1, 9)), int(rng.integers(10, 19))) for s in fam.field_symbols}
    at = lambda e: Fraction(str(sympy.nsimplify(fam.field_expr(e).subs(values))))
    S, A = 2, 2
    point = lambda arr: np.vectorize(at, otypes=[object])(arr)
    P, R, X, mu0 = point(sym.P), point(sym.r), point(sym.pi), point(sym.mu0)
    exact = Model(arithmetic=EXACT, P=P, r=R, lam=at(sym.lam), mu0=mu0, pi=X,
                  jacobian=lambda: softmax_jacobian(X), vjp=lambda g: np.einsum("sa,sak->k", g, softmax_jacobian(X)))
    symbolic = point(sym.grad_U)
    assert exact.S == S and exact.A == A
    assert list(symbolic) == list(exact.grad_U) == list(exact.grad_U_adjoint)


def test_the_softmax_jacobian_is_the_derivative_of_softmax_by_dual_numbers():
    # θ = log x, so ∂/∂θ_k = x_k ∂/∂x_k: seed x_k with tangent x_k e_k and differentiate π = x / Σx.
    x = np.array([[Fraction(2), Fraction(3), Fraction(7)], [Fraction(1), Fraction(5), Fraction(4)]], dtype=object)
    duals = variables(x.ravel())
    seeded = np.array([type(d)(d.re, tuple(d.re * t for t in d.du)) for d in duals], dtype=object).reshape(x.shape)
    by_duals = tangent(softmax_from_weights(seeded), x.size)
    assert (by_duals == softmax_jacobian(softmax_from_weights(x))).all()


def test_a_wrong_vjp_changes_the_adjoint_but_not_the_reference():
    m = get_family("tabular-softmax").exact_points(1, 4)[0]
    broken = Model(arithmetic=EXACT, P=m.P, r=m.r, lam=m.lam, mu0=m.mu0, pi=m.pi, jacobian=lambda: m.dpi,
                   vjp=lambda g: 2 * np.einsum("sa,sak->k", g, m.dpi))
    assert list(broken.grad_U) == list(m.grad_U) != list(broken.grad_U_adjoint)
