"""The python-flint engine tested directly: its zero test agrees with SymPy's, wrong theorems are rejected.

* :mod:`symbolic.flint_field` — random rational functions, equal pairs written differently and unequal
  pairs that differ in one coefficient: ``a == b`` in the flint field iff SymPy's ``cancel(a − b) == 0``;
  arithmetic, derivatives and the SymPy round trip;
* :mod:`symbolic.pgt_proof` — the theorem holds and every wrong variant (no (1 − λ)⁻¹, λ² in the Bellman
  matrix, undiscounted q) is rejected at every size with A ≥ 2 (with one action π ≡ 1, both sides are 0), with
  and without the symmetry reduction; the reductions cannot hide an error: variants wrong at one pair or only
  for s ≠ s⁰ are rejected exactly where they are wrong, an asymmetric block turns the symmetry off, sides that
  are not bilinear in (μ, r) are refused, and the sub-identities really are permuted by the group;
* :mod:`numeric.flint_exact` and :mod:`numeric.modular` — exact rationals mixing with ``Fraction``, floats
  refused; the ``nmod_mat`` solve agrees with the exact LU.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import flint
import numpy as np
import pytest
import sympy

from numeric.arithmetic import lu_solve_pair
from numeric.errors import InexactOperandError
from numeric.flint_exact import Q, to_q
from symbolic import pgt_proof
from symbolic.flint_field import FlintField, Frac, theta_derivative
from symbolic.pgt_proof import (VARIANTS, determinant_and_adjugate, prove_theorem_tabular,
                                symmetry_orbits, theorem_identities)

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


def test_determinant_and_adjugate_agree_with_sympy():
    rng = np.random.default_rng(0)
    for n in range(1, 6):
        M = rng.integers(-4, 5, size=(n, n))
        det, adj = determinant_and_adjugate([[int(x) for x in row] for row in M])
        S = sympy.Matrix(M.tolist())
        assert det == S.det() and adj == S.adjugate().tolist()
    ctx = flint.fmpz_mpoly_ctx.get(("a", "b", "c"), "degrevlex")  # polynomial entries: the prover's use
    a, b, c = ctx.gens()
    M = [[a, b, ctx.constant(0), c], [c, a * b, ctx.constant(1), a - 2], [b - 1, ctx.constant(2), c * c, a],
         [a + b, c, ctx.constant(-1), b * c]]
    det, adj = determinant_and_adjugate(M, ctx.constant(1))
    SM = sympy.Matrix([[sympy.sympify(str(e).replace("^", "**")) for e in row] for row in M])
    as_sympy = lambda e: sympy.sympify(str(e).replace("^", "**"))  # noqa: E731
    assert sympy.expand(as_sympy(det) - SM.det()) == 0
    assert all(sympy.expand(as_sympy(adj[i][j]) - SM.adjugate()[i, j]) == 0 for i in range(4) for j in range(4))


SIZES = [(1, 2), (2, 2), (2, 3), (3, 2), (3, 3)]
SLOW_3X3 = pytest.param((3, 3), marks=pytest.mark.slow, id="3x3")


@pytest.mark.parametrize("size, symmetry", [(size, symmetry) for size in SIZES for symmetry in (False, True)
                                            if (size, symmetry) != ((3, 3), False)]
                         + [pytest.param((3, 3), False, marks=pytest.mark.slow, id="3x3-every-sub-identity")])
def test_the_theorem_holds_and_every_wrong_variant_is_rejected(size, symmetry):
    S, A = size
    proof = prove_theorem_tabular(S, A, symmetry=symmetry)
    assert proof.holds and proof.by_symmetry == symmetry and len(proof.partials) == S * A
    assert sum(size for _, size, _ in proof.expanded) == S * (S * A) ** 2
    for variant in VARIANTS:
        proof = prove_theorem_tabular(S, A, variant=variant, symmetry=symmetry)
        assert proof.by_symmetry == symmetry and not any(proof.partials), (variant, symmetry, proof.partials)


@pytest.mark.slow
def test_wrong_variants_rejected_at_4x2():
    assert prove_theorem_tabular(4, 2).holds
    for variant in VARIANTS:
        assert not any(prove_theorem_tabular(4, 2, variant=variant).partials)
        assert not any(prove_theorem_tabular(4, 2, variant=variant, symmetry=True).partials)


@pytest.mark.slow
def test_4x3_by_symmetry_proves_the_theorem_and_rejects_every_wrong_variant():
    """The opt-in size (``--opt-in symbolic-4x3``): seconds per run, about 1 GB for the transposed occupancy."""
    proof = prove_theorem_tabular(4, 3, symmetry=True)
    assert proof.holds and proof.by_symmetry and len(proof.expanded) == 7
    for variant in (*VARIANTS, "transposed-occupancy"):
        wrong = prove_theorem_tabular(4, 3, variant=variant, symmetry=True)
        assert wrong.by_symmetry and not any(wrong.partials), variant


@pytest.mark.parametrize("size", [(2, 2), (2, 3), (3, 2), SLOW_3X3], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_variant_wrong_at_one_pair_turns_the_symmetry_off_and_is_rejected_there(size):
    """q undiscounted at the last pair only: the γ block is not equivariant, so the reduced proof expands every
    sub-identity, and exactly the partials of the last state fail (only there does that q(s, a) enter)."""
    S, A = size
    full = prove_theorem_tabular(S, A, variant="undiscounted-q-at-last-pair")
    reduced = prove_theorem_tabular(S, A, variant="undiscounted-q-at-last-pair", symmetry=True)
    assert not reduced.by_symmetry and "symmetry refused: block gamma" in reduced.note
    assert reduced.partials == full.partials == tuple(p // A != S - 1 for p in range(S * A))
    assert len(reduced.expanded) == S * (S * A) ** 2


@pytest.mark.parametrize("size", [(2, 2), (2, 3), (3, 2), SLOW_3X3], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_variant_wrong_only_for_s_other_than_s0_is_rejected_by_the_reduced_proof(size):
    """The occupancy from (I − λP_π)⁻¹μ (rows for columns) agrees with d at s = s⁰: exactly the sub-identities
    with the parameter's state s ≠ s⁰ fail, and the orbit representatives include one of them."""
    S, A = size
    full = prove_theorem_tabular(S, A, variant="transposed-occupancy")
    assert {idx for idx, _, ok in full.expanded if not ok} == {
        (s0, k, p) for s0 in range(S) for k in range(S * A) for p in range(S * A) if p // A != s0}
    reduced = prove_theorem_tabular(S, A, variant="transposed-occupancy", symmetry=True)
    assert reduced.by_symmetry and not reduced.holds and not any(reduced.partials)


@pytest.mark.parametrize("size", [(2, 2), (2, 3), (3, 2), (3, 3), (4, 3)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_orbits_partition_the_sub_identities(size):
    S, A = size
    orbits = symmetry_orbits(S, A)
    members = [pgt_proof._orbit(S, A, rep) for rep, _ in orbits]
    assert [len(m) for m in members] == [n for _, n in orbits] and all(rep == min(m) for (rep, _), m in
                                                                        zip(orbits, members))
    assert sum(map(len, members)) == len(set().union(*members)) == S * (S * A) ** 2


@pytest.mark.parametrize("size, variant", [((2, 2), v) for v in (None, *VARIANTS, "transposed-occupancy")]
                         + [((3, 2), None), ((3, 2), "transposed-occupancy")]
                         + [pytest.param((3, 2), v, marks=pytest.mark.slow) for v in VARIANTS])
def test_the_group_permutes_the_sub_identities(size, variant):
    """g(F_i) = F_{g·i} for every generator g and sub-identity i, checked by renaming the variables: the
    argument that lets one representative stand for its orbit, tested on the polynomials themselves."""
    S, A = size
    F = {idx: lhs - rhs for idx, lhs, rhs in theorem_identities(S, A, variant=variant)}
    ctx = next(iter(F.values())).context()
    gens = list(ctx.gens())
    P, lam, x = gens[:S * A * S], gens[S * A * S], gens[S * A * S + 1:]
    assert any(f != 0 for f in F.values()) == (variant is not None)
    for g in pgt_proof._generators(S, A):
        sigma, tau = g
        images = ([P[(sigma[s] * A + tau[s][a]) * S + sigma[t]] for s in range(S) for a in range(A) for t in range(S)]
                  + [lam] + [x[sigma[s] * A + tau[s][a]] for s in range(S) for a in range(A)])
        for idx, f in F.items():
            assert f.compose(*images) == F[pgt_proof._move(g, A, idx)], (g, idx)


@pytest.mark.parametrize("block", ["omega", "C", "gamma"])
def test_the_equivariance_check_catches_one_asymmetric_block(block):
    ctx, b = pgt_proof._blocks(3, 2, False, None)
    assert pgt_proof._equivariance_failure(ctx, b, False) is None
    entries = [list(row) for row in getattr(b, block)]
    entries[1][1] = entries[1][1] + 1
    bad = dataclasses.replace(b, **{block: entries})
    assert f"block {block}[" in pgt_proof._equivariance_failure(ctx, bad, False)


def test_the_larger_clearing_proves_the_theorem_too():
    """The theorem's ω^{s⁰}_s are divisible by X_s, so the prover clears by D² X_s; the D² X_s² clearing (used when
    they are not, as for the transposed occupancy) must prove the theorem as well."""
    ctx, b = pgt_proof._blocks(3, 2, False, None)
    assert b.clear == b.X
    undivided = dataclasses.replace(b, omega=[[X_s * w for X_s, w in zip(b.X, row)] for row in b.omega],
                                    clear=[X_s * X_s for X_s in b.X])
    assert all(lhs == rhs for _, lhs, rhs in pgt_proof._expand(ctx, undivided, None))
    assert not all(lhs == rhs for _, lhs, rhs in pgt_proof._expand(ctx, dataclasses.replace(undivided, clear=b.X),
                                                                   None))


def test_the_bilinearity_check_refuses_other_sides():
    ctx, b = pgt_proof._blocks(2, 2, False, None)
    pgt_proof._check_bilinear(b)
    sides = pgt_proof._sides
    for wrong in (lambda b, mu, r, p: (sides(b, mu, r, p)[0] * r[0], sides(b, mu, r, p)[1]),  # quadratic in r
                  lambda b, mu, r, p: (sides(b, mu, r, p)[0] + b.D, sides(b, mu, r, p)[1]),  # a μ, r-free term
                  lambda b, mu, r, p: (sides(b, mu, r, p)[0], sides(b, mu, r, p)[1] * (mu[0] + 1))):
        with pytest.raises(ArithmeticError, match="bidegrees"):
            pgt_proof._check_bilinear(b, wrong)


def test_stochastic_rows_prove_the_same_theorem():
    assert prove_theorem_tabular(3, 2, stochastic=True).holds
    assert not prove_theorem_tabular(3, 2, stochastic=True, variant="undiscounted-q").holds


@pytest.mark.parametrize("bad, match", [((0, 2), "num_states=0"), ((2, 0), "num_actions=0"), ((4, 4), "MAX_SIZE"),
                                        ((6, 2), "MAX_STATES"), ((2.0, 2), "num_states=2.0")],
                         ids=["S=0", "A=0", "too-large", "too-many-states", "float"])
def test_the_prover_refuses_bad_sizes_before_starting(bad, match):
    with pytest.raises(ValueError, match=match):
        prove_theorem_tabular(*bad)


def test_the_prover_refuses_bad_options():
    with pytest.raises(ValueError, match="variant='typo'"):
        prove_theorem_tabular(2, 2, variant="typo")
    with pytest.raises(ValueError, match="stochastic=False"):
        prove_theorem_tabular(2, 2, stochastic=True, symmetry=True)


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
