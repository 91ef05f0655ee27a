"""The python-flint engine tested directly: its zero test agrees with SymPy's, wrong theorems are rejected.

* :mod:`symbolic.flint_field` — random rational functions, equal pairs written differently and unequal
  pairs that differ in one coefficient: ``a == b`` in the flint field iff SymPy's ``cancel(a − b) == 0``;
  arithmetic, derivatives and the SymPy round trip;
* :mod:`symbolic.pgt_proof` — the theorem holds and every wrong variant (no (1 − λ)⁻¹, λ² in the Bellman
  matrix, undiscounted q) is rejected at every size with A ≥ 2 (with one action π ≡ 1, both sides are 0);
* :mod:`numeric.flint_exact` and :mod:`numeric.modular` — exact rationals mixing with ``Fraction``, floats
  refused; the ``nmod_mat`` solve agrees with the exact LU.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy

from numeric.arithmetic import lu_solve_pair
from numeric.errors import InexactOperandError
from numeric.flint_exact import Q, to_q
from symbolic.flint_field import FlintField, Frac, theta_derivative
from symbolic.pgt_proof import VARIANTS, bareiss_solve, prove_theorem_tabular

SYMS = sympy.symbols("a b c")
K = FlintField(SYMS)


def random_poly(rng: np.random.Generator, terms: int = 4, degree: int = 2) -> sympy.Expr:
    a = SYMS
    out = sympy.Integer(0)
    for _ in range(terms):
        e = rng.integers(0, degree + 1, size=3)
        out += int(rng.integers(-5, 6)) * a[0] ** int(e[0]) * a[1] ** int(e[1]) * a[2] ** int(e[2])
    return out if out != 0 else sympy.Integer(1) + a[0]


def nonzero_poly(rng: np.random.Generator) -> sympy.Expr:
    p = random_poly(rng)
    while sympy.expand(p) == 0:
        p = random_poly(rng)
    return p


def bump_one_coefficient(rng: np.random.Generator, p: sympy.Expr) -> sympy.Expr:
    """p with one coefficient changed by ±1 (a new monomial when p is constant-free there)."""
    terms = sympy.Poly(p, *SYMS).terms()
    monom, _ = terms[int(rng.integers(0, len(terms)))]
    return p + int(rng.choice([-1, 1])) * sympy.Mul(*(s ** k for s, k in zip(SYMS, monom)))


@pytest.mark.parametrize("seed", range(24))
def test_zero_test_agrees_with_sympy(seed):
    rng = np.random.default_rng(seed)
    n1, d1, h = random_poly(rng), nonzero_poly(rng), nonzero_poly(rng)
    f = n1 / d1
    equal = sympy.expand(n1 * h) / sympy.expand(d1 * h)  # the same function written with a common factor
    unequal = bump_one_coefficient(rng, sympy.expand(n1 * h)) / sympy.expand(d1 * h)
    other = random_poly(rng) / nonzero_poly(rng)
    F = K.from_sympy(f)
    for g in (equal, unequal, other):
        G = K.from_sympy(g)
        assert (F == G) == (sympy.cancel(f - g) == 0)
        assert ((F - G) == 0) == (sympy.cancel(f - g) == 0)
        assert sympy.cancel(K.to_sympy(F - G) - (f - g)) == 0
    assert F == K.from_sympy(equal) and F != K.from_sympy(unequal)


@pytest.mark.parametrize("seed", range(8))
def test_arithmetic_and_derivatives_agree_with_sympy(seed):
    rng = np.random.default_rng(100 + seed)
    f, g = (random_poly(rng) / nonzero_poly(rng) for _ in range(2))
    F, G = K.from_sympy(f), K.from_sympy(g)
    for ours, theirs in ((F + G, f + g), (F - G, f - g), (F * G, f * g), (F ** 3, f ** 3), (F ** 0, 1)):
        assert sympy.cancel(K.to_sympy(ours) - theirs) == 0
    if sympy.cancel(g) != 0:
        assert sympy.cancel(K.to_sympy(F / G) - f / g) == 0
    for i, s in enumerate(SYMS):
        assert sympy.cancel(K.to_sympy(F.diff(i)) - sympy.diff(f, s)) == 0
        assert sympy.cancel(K.to_sympy(F.log_diff_x(i)) - s * sympy.diff(f, s)) == 0


def test_the_representation_is_canonical():
    a, b, c = K.gens
    x = (a * b - b) / (2 * b * c)
    y = (a - 1) / (c * 2)
    assert x == y and (x.n, x.d) == (y.n, y.d)
    assert (-x).d.leading_coefficient() > 0 and ((a - a) / b).is_zero() and not bool(a - a)


def test_the_field_refuses_floats_and_mixes_with_exact_numbers():
    a, _, _ = K.gens
    with pytest.raises(InexactOperandError, match="the float .* cannot enter"):
        a + 0.5
    with pytest.raises(ZeroDivisionError):
        a / (a - a)
    assert a * Fraction(1, 2) + Q(1, 2) * a == a and a - 1 != a
    assert (np.array([a, a], dtype=object) * a)[1] == a * a


def test_theta_derivative_is_x_times_the_x_derivative():
    a, b, _ = K.gens
    d = theta_derivative(np.array([a / (a + b), 3], dtype=object), [a, b], K.zero)
    assert d.shape == (2, 2) and d[0, 0] == a * b / (a + b) ** 2 and d[0, 1] == -(a * b) / (a + b) ** 2
    assert d[1, 0] == 0


def test_bareiss_gives_the_determinant_and_the_adjugate_times_b():
    rng = np.random.default_rng(0)
    for n in range(1, 6):
        M = rng.integers(-4, 5, size=(n, n)) + 10 * np.eye(n, dtype=np.int64)
        b = rng.integers(-4, 5, size=n)
        det, adj_b = bareiss_solve([[int(x) for x in row] for row in M], [int(x) for x in b])
        S = sympy.Matrix(M.tolist())
        assert det == S.det() and list(adj_b) == list(S.adjugate() * sympy.Matrix(b.tolist()))


@pytest.mark.parametrize("size", [(1, 2), (2, 2), (2, 3), (3, 2), (3, 3)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_theorem_holds_and_every_wrong_variant_is_rejected(size):
    S, A = size
    assert prove_theorem_tabular(S, A).holds
    for variant in VARIANTS:
        proof = prove_theorem_tabular(S, A, variant=variant)
        assert not any(proof.partials), (variant, proof.partials)


@pytest.mark.slow
def test_wrong_variants_rejected_at_4x2():
    assert prove_theorem_tabular(4, 2).holds
    for variant in VARIANTS:
        assert not any(prove_theorem_tabular(4, 2, variant=variant).partials)


@pytest.mark.parametrize("size", [(2, 2), (3, 2), (3, 3)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_symmetry_reduction_agrees_with_every_partial(size):
    """θ_00 and θ_10 stand for their relabelling orbits: the reduced proof decides as the full one, variants too."""
    for variant in (None, *VARIANTS):
        full = prove_theorem_tabular(*size, variant=variant)
        reduced = prove_theorem_tabular(*size, variant=variant, symmetry=True)
        A = size[1]
        assert reduced.by_symmetry and reduced.partials == (full.partials[0], full.partials[A])
        assert len(set(full.partials)) == 1  # every partial of an orbit decides alike


def test_stochastic_rows_prove_the_same_theorem():
    assert prove_theorem_tabular(3, 2, stochastic=True).holds
    assert not prove_theorem_tabular(3, 2, stochastic=True, variant="undiscounted-q").holds


@pytest.mark.parametrize("bad, match", [((0, 2), "num_states=0"), ((2, 0), "num_actions=0"), ((4, 4), "MAX_SIZE"),
                                        ((2.0, 2), "num_states=2.0")], ids=["S=0", "A=0", "too-large", "float"])
def test_the_prover_refuses_bad_sizes_before_starting(bad, match):
    with pytest.raises(ValueError, match=match):
        prove_theorem_tabular(*bad)


def test_q_mixes_exactly_with_fractions_and_refuses_floats():
    assert Q(1, 3) == Fraction(1, 3) and Fraction(1, 3) == Q(1, 3) and Q(1, 3) != Fraction(1, 4)
    assert Fraction(1, 2) + Q(1, 3) == Q(5, 6) and Q(1, 3) * Fraction(3) == 1
    assert Fraction(1, 3) < Q(1, 2) and Q(1, 2) >= Fraction(1, 2) and hash(Q(1, 2)) == hash(Fraction(1, 2))
    assert Fraction(Q(7, 4)) == Fraction(7, 4) and str(Q(-1, 4)) == "-1/4" and int(Q(-7, 2)) == -3
    with pytest.raises(InexactOperandError, match="the float .* cannot enter"):
        Q(1) + 0.5
    with pytest.raises(ZeroDivisionError):
        Q(1) / Q(0)


def test_exact_lu_in_q_agrees_with_fractions():
    rng = np.random.default_rng(3)
    M = rng.integers(1, 9, size=(5, 5)) + 20 * np.eye(5, dtype=np.int64)
    b, c = rng.integers(-5, 6, size=5), rng.integers(-5, 6, size=5)
    frac = lambda a: np.vectorize(Fraction, otypes=[object])(a)  # noqa: E731
    x_q, y_q = lu_solve_pair(to_q(M), to_q(b), to_q(c))
    x_f, y_f = lu_solve_pair(frac(M), frac(b), frac(c))
    assert all(p == q for p, q in zip(x_q, x_f)) and all(p == q for p, q in zip(y_q, y_f))


def test_nmod_solve_agrees_with_the_exact_lu():
    from numeric.modular import PRIME, ModP, nmod_solve_pair

    rng = np.random.default_rng(4)
    M = rng.integers(0, 2 ** 40, size=(6, 6))
    b, c = rng.integers(0, 2 ** 40, size=6), rng.integers(0, 2 ** 40, size=(6, 2))
    as_p = lambda a: np.vectorize(ModP, otypes=[object])(a)  # noqa: E731
    x, y = nmod_solve_pair(as_p(M), as_p(b), as_p(c))
    assert x.shape == (6,) and y.shape == (6, 2)
    assert all(v == 0 for v in (as_p(M) @ x - as_p(b)))
    assert all(v == 0 for v in np.ravel(as_p(M).T @ y - as_p(c)))
    with pytest.raises(ZeroDivisionError):
        nmod_solve_pair(as_p(np.ones((2, 2), dtype=np.int64)), as_p(b[:2]), as_p(b[:2]))
    assert int(ModP(PRIME + 3)) == 3


def test_generic_field_check_rejects_the_wrong_constant():
    """The generic symbolic method (claims in NumPy syntax on the flint field) tells ∇U from its wrong forms."""
    from pgverify.families import get_family

    m = get_family("tabular-softmax").symbolic()
    rhs = np.einsum("s,sa,sak->k", m.d, m.q, m.dpi)
    assert all(g == r for g, r in zip(m.grad_U, rhs / (1 - m.lam)))
    assert not any(g == r for g, r in zip(m.grad_U, rhs))  # no (1 − λ)⁻¹
    q_undiscounted = m.r + m.Pv
    assert not any(g == r for g, r in zip(m.grad_U, np.einsum("s,sa,sak->k", m.d, q_undiscounted, m.dpi)
                                          / (1 - m.lam)))
