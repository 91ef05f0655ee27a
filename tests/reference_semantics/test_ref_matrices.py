"""Matrix and operator notation (pgverify.notation.matrices) against a direct computation in exact rationals.

Hypothesis draws a model by its base coordinates and a matrix expression whose shape is known by construction
(a tree over μ, P, P_π, M_π, r, r_π, v^π, q^π, A^π, ν̃_μ^π, d_μ^π, I, 𝟏, T_π x, transposes, powers, inverses of
I − γX, Neumann series, sums, products, multiples by γ).  The tree is rendered in the ``theory`` profile's LaTeX
and evaluated by pgverify on its exact model; the reference computes the same tree with matrices of Fractions built
here from the base coordinates: 𝒫 = W/ΣW, π = x/Σx, the inverse by Gauss–Jordan elimination written below (never
the model's solver), v = (I − γP_π)⁻¹r_π, q = r + γPv, ν̃ = μ(I − γP_π)⁻¹.  A shape mismatch the tree makes on
purpose must be ill-formed on pgverify's side, naming both shapes.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgverify.notation import parse_expression
from pgverify.notation.evaluate import Conventions, NotEvaluable, Tensor, evaluate_side
from pgverify.statement import IllFormedChain
from refsem import Dual, as_fraction
from strategies_ref import bases, exact_model

THEORY = Conventions(time_base=0)


# ------------------------------------------------------------------ the reference, in lists of Fractions
def _mm(X: list[list[Fraction]], Y: list[list[Fraction]]) -> list[list[Fraction]]:
    assert len(X[0]) == len(Y)
    return [[sum((X[i][k] * Y[k][j] for k in range(len(Y))), Fraction(0)) for j in range(len(Y[0]))]
            for i in range(len(X))]


def _eye(n: int) -> list[list[Fraction]]:
    return [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]


def _nonzero(x: Any) -> bool:
    return (x.val if isinstance(x, Dual) else x) != 0


def _inv(X: list[list[Fraction]]) -> list[list[Fraction]]:
    """Gauss–Jordan on [X | I] (entries Fractions or dual numbers)."""
    n = len(X)
    M = [list(row) + e for row, e in zip(X, _eye(n))]
    for c in range(n):
        p = next(i for i in range(c, n) if _nonzero(M[i][c]))
        M[c], M[p] = M[p], M[c]
        piv = M[c][c]
        M[c] = [x / piv for x in M[c]]
        for i in range(n):
            if i != c and _nonzero(M[i][c]):
                f = M[i][c]
                M[i] = [x - f * y for x, y in zip(M[i], M[c])]
    return [row[n:] for row in M]


def _lin(a: Fraction, X: list, b: Fraction, Y: list) -> list:
    return [[a * x + b * y for x, y in zip(rx, ry)] for rx, ry in zip(X, Y)]


def _T(X: list) -> list:
    return [list(r) for r in zip(*X)]


class Ref:
    """The model's matrices, computed from the base coordinates."""

    def __init__(self, base: Any, dual: bool = False) -> None:
        """``dual``: π (and all that depends on it) in dual numbers, their gradients the reference ∇θ (θ = log x,
        ∂/∂θ_k = x_k ∂/∂x_k, k = s·A + a)."""
        S, A = base.S, base.A
        self.S, self.A, self.lam = S, A, base.lam
        P = [[[Fraction(w, sum(base.W[s][a])) for w in base.W[s][a]] for a in range(A)] for s in range(S)]
        if dual:
            K = S * A
            x = [[Dual(Fraction(base.x[s][a]), tuple(Fraction(base.x[s][a]) if k == s * A + a else Fraction(0)
                                                      for k in range(K))) for a in range(A)] for s in range(S)]
            pi = [[x[s][a] / sum(x[s], Dual.const(0, K)) for a in range(A)] for s in range(S)]
        else:
            pi = [[Fraction(base.x[s][a], sum(base.x[s])) for a in range(A)] for s in range(S)]
        self.P = [P[s][a] for s in range(S) for a in range(A)]                      # S·A × S
        self.M = [[pi[s][a] if t == s else Fraction(0) for t in range(S) for a in range(A)] for s in range(S)]
        self.r = [[Fraction(base.r[s][a])] for s in range(S) for a in range(A)]     # S·A × 1
        self.mu = [list(base.mu)]                                                   # 1 × S
        self.P_pi = _mm(self.M, self.P)
        self.r_pi = _mm(self.M, self.r)
        self.R = _inv(_lin(Fraction(1), _eye(S), -base.lam, self.P_pi))            # (I − γP_π)⁻¹
        self.v = _mm(self.R, self.r_pi)
        self.q = _lin(Fraction(1), self.r, base.lam, _mm(self.P, self.v))
        self.adv = _lin(Fraction(1), self.q, Fraction(-1), [[self.v[s][0]] for s in range(S) for _ in range(A)])
        self.nu = _mm(self.mu, self.R)
        self.d = [[(1 - base.lam) * x for x in self.nu[0]]]


# ------------------------------------------------------------------ expressions with a shape
# A node: (latex, shape, compute(ref) -> matrix); shapes "S", "SA", "1" per side.
LEAVES = {
    ("1", "S"): [(r"\mu", lambda R: R.mu), (r"d_\mu^\pi", lambda R: R.d), (r"\tilde{\nu}_\mu^\pi", lambda R: R.nu)],
    ("S", "S"): [(r"P_\pi", lambda R: R.P_pi), (r"M_\pi P", lambda R: _mm(R.M, R.P))],
    ("S", "1"): [(r"v^\pi", lambda R: R.v), (r"r_\pi", lambda R: R.r_pi), (r"V^{\pi}", lambda R: R.v)],
    ("SA", "1"): [(r"q^\pi", lambda R: R.q), (r"r", lambda R: R.r), (r"A^\pi", lambda R: R.adv),
                  (r"P v^\pi", lambda R: _mm(R.P, R.v))],
    ("S", "SA"): [(r"M_\pi", lambda R: R.M), (r"\Pi", lambda R: R.M)],
    ("SA", "SA"): [(r"P^\pi", lambda R: _mm(R.P, R.M))],
    ("SA", "S"): [(r"P", lambda R: R.P)],
}


def _group(x: str) -> str:
    return "(" + x + ")"


def _reach(depth: int) -> set[tuple[str, str]]:
    """The shapes an expression of at most ``depth`` levels can have."""
    out = set(LEAVES)
    for _ in range(depth):
        out |= {(b, a) for a, b in out} | {(a, c) for a, b in out for b2, c in out if b == b2}
    return out


@st.composite
def matrices(draw: Any, shape: tuple[str, str], depth: int = 3, series: bool = True) -> tuple[str, Any]:
    """(LaTeX, reference) of an expression of ``shape`` (one of :func:`_reach` (depth))."""
    options = ["leaf"] if shape in LEAVES else []
    if depth > 0:
        below = _reach(depth - 1)
        options += ["add", "scale"] if shape in below else []
        options += ["transpose"] if (shape[1], shape[0]) in below else []
        options += ["product"] if any((shape[0], m) in below and (m, shape[1]) in below for m in ("S", "SA")) else []
        if shape[0] == shape[1] == "S":
            options += ["resolvent", "power", "identity"]
        if shape == ("S", "1"):
            options += ["bellman", "ones_image"]
        if shape == ("1", "S") and series:
            options += ["series"]
    kind = draw(st.sampled_from(options))
    if kind == "leaf":
        text, f = draw(st.sampled_from(LEAVES[shape]))
        return text, f
    if kind == "add":
        (a, fa), (b, fb) = draw(matrices(shape, depth - 1, series)), draw(matrices(shape, depth - 1, series))
        minus = draw(st.booleans())
        return (f"{_group(a)} {'-' if minus else '+'} {_group(b)}",
                lambda R: _lin(Fraction(1), fa(R), Fraction(-1 if minus else 1), fb(R)))
    if kind == "scale":
        a, fa = draw(matrices(shape, depth - 1, series))
        k = draw(st.integers(1, 3))
        return (f"{k} \\gamma {_group(a)}", lambda R: _lin(k * R.lam, fa(R), Fraction(0), fa(R)))
    if kind == "transpose":
        a, fa = draw(matrices((shape[1], shape[0]), depth - 1, series))
        sign = draw(st.sampled_from([r"\top", "T", r"\intercal"]))
        return f"{_group(a)}^{{{sign}}}", lambda R: _T(fa(R))
    if kind == "product":
        below = _reach(depth - 1)
        middle = draw(st.sampled_from([m for m in ("S", "SA") if (shape[0], m) in below and (m, shape[1]) in below]))
        (a, fa), (b, fb) = draw(matrices((shape[0], middle), depth - 1, series)), draw(matrices((middle, shape[1]), depth - 1, series))
        return f"{_group(a)} {_group(b)}", lambda R: _mm(fa(R), fb(R))
    if kind == "resolvent":  # (I − γX)^{-1} with X = P_π: invertible for γ < 1
        return r"(I - \gamma P_\pi)^{-1}", lambda R: R.R
    if kind == "power":
        a, fa = draw(matrices(shape, depth - 1, series))
        k = draw(st.integers(0, 3))

        def power(R: Any, fa: Any = fa, k: int = k) -> Any:
            out = _eye(R.S)
            for _ in range(k):
                out = _mm(out, fa(R))
            return out
        return f"{_group(a)}^{{{k}}}", power
    if kind == "identity":
        a, fa = draw(matrices(shape, depth - 1, series))
        return f"I - {_group(a)}", lambda R: _lin(Fraction(1), _eye(R.S), Fraction(-1), fa(R))
    if kind == "bellman":  # T_π x = r_π + γP_π x
        a, fa = draw(matrices(("S", "1"), depth - 1, series))
        return (f"T_\\pi {_group(a)}",
                lambda R: _lin(Fraction(1), R.r_pi, R.lam, _mm(R.P_pi, fa(R))))
    if kind == "ones_image":  # X 𝟏 for a square X
        a, fa = draw(matrices(("S", "S"), depth - 1, series))
        return f"{_group(a)} \\mathbf{{1}}", lambda R: _mm(fa(R), [[Fraction(1)] for _ in range(R.S)])
    if kind == "series":  # Σ_{t=L}^∞ γ^t X P_π^t = γ^L X P_π^L (I − γP_π)⁻¹
        a, fa = draw(matrices(("1", "S"), depth - 1, series))
        L = draw(st.integers(0, 2))

        def series(R: Any, fa: Any = fa, L: int = L) -> Any:
            power = _eye(R.S)
            for _ in range(L):
                power = _mm(power, R.P_pi)
            return [[R.lam ** L * x for x in row] for row in _mm(_mm(fa(R), power), R.R)]
        return f"\\sum_{{t={L}}}^\\infty \\gamma^t {_group(a)} P_\\pi^t", series
    raise AssertionError(kind)


def _pgverify(text: str, base: Any) -> np.ndarray:
    t = evaluate_side(parse_expression(text, profile="theory"), exact_model(base), THEORY)
    return np.asarray(t.value, dtype=object)


def _flat(X: list, shape: tuple[str, str]) -> np.ndarray:
    arr = np.array(X, dtype=object)
    if shape[0] == "1":
        arr = arr[0]
    if shape[1] == "1":
        arr = arr[..., 0]
    return arr


@settings(max_examples=25, deadline=None)
@given(base=bases(max_states=3, max_actions=2), data=st.data())
def test_matrix_expressions_agree_with_the_direct_computation(base: Any, data: Any) -> None:
    shape = data.draw(st.sampled_from(sorted(_reach(3))))
    text, f = data.draw(matrices(shape))
    expected = _flat(f(Ref(base)), shape)
    got = _pgverify(text, base)
    assert got.shape == expected.shape, text
    assert all(as_fraction(x) == y for x, y in zip(got.ravel(), expected.ravel())), (text, got, expected)


@settings(max_examples=15, deadline=None)
@given(base=bases(max_states=3, max_actions=2), data=st.data())
def test_entries_of_vectors_over_states(base: Any, data: Any) -> None:
    """(x)(s) is the entry s of a vector over states (one number per state, on the axis of s)."""
    shape = data.draw(st.sampled_from([("S", "1"), ("1", "S")]))
    text, f = data.draw(matrices(shape, depth=2))
    expected = _flat(f(Ref(base)), shape)
    got = evaluate_side(parse_expression(f"({text})(s)", profile="theory"), exact_model(base), THEORY,
                        free={"s": Tensor(np.arange(base.S), ("s",))})
    assert got.axes == ("s",)
    assert [as_fraction(x) for x in np.asarray(got.value, dtype=object)] == list(expected)


@settings(max_examples=10, deadline=None)
@given(base=bases(max_states=3, max_actions=2))
def test_the_objective_of_a_policy_is_the_start_distribution_times_its_values(base: Any) -> None:
    R = Ref(base)
    got = _pgverify(r"J(\pi)", base)
    assert as_fraction(got[()]) == _mm(R.mu, R.v)[0][0]


MISMATCHED = [
    (r"\mu \mu", "a 1×|S| matrix and a 1×|S| matrix"),
    (r"P_\pi M_\pi P_\pi", "a |S|×|S||A| matrix and a |S|×|S| matrix"),
    (r"v^\pi + q^\pi", "a |S|×1 matrix and a |S||A|×1 matrix"),
    (r"\mu^\top \mathbf{1}", "𝟏 of size 1"),
    (r"(M_\pi)^{-1}", "not square"),
    (r"T_\pi q^\pi", "|S||A|×1"),
    (r"r_\pi + 1", "a number and a |S|×1 matrix"),
]


@pytest.mark.parametrize("text, message", MISMATCHED)
def test_mismatched_shapes_are_ill_formed_naming_both(text: str, message: str) -> None:
    base = _BASE
    with pytest.raises(IllFormedChain, match="shapes do not match|not square|maps") as info:
        _pgverify(text, base)
    assert message in str(info.value)


REFUSED = [
    (r"(I - P_\pi)^{-1}", "singular"),
    (r"T_\pi", "operator"),
    (r"I", "size is not fixed"),
    (r"\sum_{t=0}^\infty \mu P_\pi^t", "without both γ^t and P_π^t"),
    (r"\sum_{t=0}^\infty \gamma^{2t} \mu P_\pi^t", "do not both grow by one"),
    (r"d_\mu", "without its policy"),
    (r"P_\pi^{v^\pi}", "exponent that is a matrix"),
]


@pytest.mark.parametrize("text, message", REFUSED)
def test_what_is_not_evaluated_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(NotEvaluable, match=message.replace("^", r"\^")):
        _pgverify(text, _BASE)


class _Base:
    W = (((1, 2), (3, 1)), ((2, 2), (1, 3)))
    r = ((1, -2), (0, 3))
    lam = Fraction(1, 2)
    mu = (Fraction(1), Fraction(0))
    x = ((1, 2), (3, 1))
    S, A = 2, 2


_BASE = _Base()


@settings(max_examples=20, deadline=None)
@given(base=bases(max_states=2, max_actions=2), data=st.data())
def test_gradients_of_matrix_expressions_agree_with_dual_numbers(base: Any, data: Any) -> None:
    """∇θ of a drawn tree (its value's entries as dual numbers in the reference) by pgverify's forward rules."""
    shape = data.draw(st.sampled_from(sorted(_reach(2))))
    text, f = data.draw(matrices(shape, depth=2, series=False))
    expected = _flat(f(Ref(base, dual=True)), shape)
    got = _pgverify(f"\\nabla_\\theta ({text})", base)
    K = base.S * base.A
    assert got.shape == expected.shape + (K,), text
    for idx in np.ndindex(*expected.shape):
        e = expected[idx]
        grad = e.grad if isinstance(e, Dual) else (Fraction(0),) * K
        assert [as_fraction(x) for x in got[idx]] == list(grad), (text, idx)


def _pow_ref(X: list, k: int, n: int) -> list:
    out = _eye(n)
    for _ in range(k):
        out = _mm(out, X)
    return out


#: Fixed expressions on one 2-state, 2-action model: each rule exercised deterministically.
TABLE = [
    (r"P_\pi^{0}", ("S", "S"), lambda R: _eye(2)),
    (r"P_\pi^{1}", ("S", "S"), lambda R: R.P_pi),
    (r"P_\pi^{3}", ("S", "S"), lambda R: _pow_ref(R.P_pi, 3, 2)),
    (r"(M_\pi P)^{2}", ("S", "S"), lambda R: _pow_ref(R.P_pi, 2, 2)),
    (r"(P_\pi)^\top", ("S", "S"), lambda R: _T(R.P_pi)),
    (r"M_\pi^T", ("SA", "S"), lambda R: _T(R.M)),
    (r"(I - \gamma P_\pi)^{-1}", ("S", "S"), lambda R: R.R),
    (r"T_\pi \mathbf{1}", ("S", "1"), lambda R: _lin(Fraction(1), R.r_pi, R.lam, _mm(R.P_pi, [[Fraction(1)]] * 2))),
    (r"A^\pi", ("SA", "1"), lambda R: R.adv),
    (r"\tilde{\nu}_\mu^\pi", ("1", "S"), lambda R: R.nu),
    (r"d_\mu^\pi", ("1", "S"), lambda R: R.d),
    (r"\sum_{t=0}^\infty \gamma^t \mu P_\pi^t", ("1", "S"), lambda R: R.nu),
    (r"\sum_{t=1}^\infty \gamma^t \mu P_\pi^t", ("1", "S"), lambda R: [[R.lam * x for x in _mm(_mm(R.mu, R.P_pi), R.R)[0]]]),
    (r"\sum_{t=2}^\infty \gamma^{t-1} \mu P_\pi^{t-1}", ("1", "S"),
     lambda R: [[R.lam * x for x in _mm(_mm(R.mu, R.P_pi), R.R)[0]]]),
    (r"\sum_{t=0}^{2} \gamma^t \mu P_\pi^t", ("1", "S"),
     lambda R: _lin(Fraction(1), _lin(Fraction(1), R.mu, R.lam, _mm(R.mu, R.P_pi)), R.lam ** 2,
                    _mm(R.mu, _pow_ref(R.P_pi, 2, 2)))),
]


@pytest.mark.parametrize("text, shape, f", TABLE, ids=[t for t, _, _ in TABLE])
def test_the_rules_on_a_fixed_model(text: str, shape: tuple[str, str], f: Any) -> None:
    expected = _flat(f(Ref(_BASE)), shape)
    got = _pgverify(text, _BASE)
    assert got.shape == expected.shape
    assert all(as_fraction(x) == y for x, y in zip(got.ravel(), expected.ravel())), (got, expected)


GRADIENTS = [r"(I - \gamma P_\pi)^{-1} r_\pi", r"T_\pi v^\pi", r"(P_\pi)^{2} v^\pi", r"(I - \gamma P^\pi)^{-1} r",
             r"\tilde{\nu}_\mu^\pi M_\pi q^\pi"]


@pytest.mark.parametrize("text", GRADIENTS)
def test_gradient_rules_on_a_fixed_model(text: str) -> None:
    shape = {GRADIENTS[0]: ("S", "1"), GRADIENTS[1]: ("S", "1"), GRADIENTS[2]: ("S", "1"),
             GRADIENTS[3]: ("SA", "1"), GRADIENTS[4]: ("1", "1")}[text]
    refs = {GRADIENTS[0]: lambda R: _mm(R.R, R.r_pi), GRADIENTS[1]: lambda R: _lin(Fraction(1), R.r_pi, R.lam,
                                                                                    _mm(R.P_pi, R.v)),
            GRADIENTS[2]: lambda R: _mm(_pow_ref(R.P_pi, 2, 2), R.v),
            GRADIENTS[3]: lambda R: _mm(_inv(_lin(Fraction(1), _eye(4), -R.lam, _mm(R.P, R.M))), R.r),
            GRADIENTS[4]: lambda R: _mm(_mm(R.nu, R.M), R.q)}
    expected = _flat(refs[text](Ref(_BASE, dual=True)), shape)
    got = _pgverify(f"\\nabla_\\theta ({text})", _BASE)
    for idx in np.ndindex(*expected.shape):
        assert [as_fraction(x) for x in got[idx]] == list(expected[idx].grad), (text, idx)
