"""A universal proof of the policy gradient theorem on the S × A tabular softmax, by polynomial identities.

The generic symbolic method evaluates the claim in the field ℚ(P, r, λ, x)
(:mod:`symbolic.flint_field`), paying a gcd per operation.  Here the
denominators are cleared once, and only polynomials with integer coefficients
are multiplied (python-flint ``fmpz_mpoly``, no gcd at all).  With
X_s = Σ_a x_{sa} (x = e^θ, π(a|s) = x_{sa}/X_s):

* M' = diag(X)(I − λP_π), M'[s, t] = X_s 1[s = t] − λ Σ_a x_{sa} P(t|s, a), and
  r'_s = Σ_a x_{sa} r(s, a), so v = adj(M') r' / D with D = det M'; D and
  adj(M') r' come from fraction-free (Bareiss) elimination, every division
  exact, and so does the row adj(M')_{0·} (the solve of M'ᵀ z = e₀);
* U = v(s⁰ = 0) = N / D, N = (adj(M') r')_0, and ∇U is the derivative of this
  closed form of U — never the theorem or any identity under test:
  ∂U/∂θ_{sb} = x_{sb} ∂_{x_{sb}}(N/D) = x_{sb}(N' D − N D') / D² (quotient rule);
* w = (I − λP_π)⁻ᵀ e₀ = diag(X) adj(M')ᵀ e₀ / D, i.e. w_s = X_s adj(M')_{0s} / D, and d = (1 − λ) w;
* q(s, a) = Q_{sa} / D with Q_{sa} = r(s, a) D + λ Σ_t P(t|s, a) (adj(M') r')_t;
* ∂π(a|s)/∂θ_{sb} = x_{sa}(1[a = b] X_s − x_{sb}) / X_s² (zero for parameters of other states).

So (1 − λ)⁻¹ Σ_s d(s) Σ_a q(s, a) ∂π(a|s)/∂θ_{sb} = adj(M')_{0s} Σ_a Q_{sa} x_{sa}(1[a = b] X_s − x_{sb}) / (D² X_s),
and the theorem for θ_{sb} is the polynomial identity

    X_s · x_{sb} (N' D − N D') = adj(M')_{0s} Σ_a Q_{sa} x_{sa} (1[a = b] X_s − x_{sb}),

valid because D and X_s are non-zero polynomials (D = Π_s X_s at λ = 0).

The transition probabilities are free symbols P_{sat} for *every* t: the
identity does not use Σ_t P(t|s, a) = 1, and a polynomial identity in free P
holds in particular on stochastic P (it is a proof for a larger family, and
sparser polynomials than with P_{sa(S−1)} = 1 − Σ…).  ``stochastic=True``
imposes the row sums instead.

:data:`VARIANTS` are wrong versions of the theorem (the tests show each is
rejected); ``variant=`` proves (or fails to prove) one of them.

``symmetry=True`` expands only the partials θ_{00} and θ_{10} and obtains the
others by relabelling: the family (free P, r, x; s⁰ = 0) is invariant under a
permutation of the actions of one state (x_{sa}, r_{sa}, P_{sa·} permuted
together) and under a permutation of the states other than s⁰ (rows and
columns of P permuted with them), and the construction above commutes with
these renamings of the variables — M' is conjugated by a permutation matrix,
D and row 0 of adj(M') r' are unchanged.  So the identity for θ_{sb} is the
identity for θ_{00} (s = 0) or θ_{10} (s ≥ 1) with its variables renamed, and a
polynomial identity stays one under renaming.  It is used for 4 × 3 only;
smaller sizes expand every partial.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterator

import flint

__all__ = ["TheoremProof", "prove_theorem_tabular", "theorem_identities", "bareiss_solve", "VARIANTS", "MAX_SIZE"]

#: Wrong versions of the theorem: no (1 − λ)⁻¹; λ² in the Bellman matrix; q without the discount.
VARIANTS = ("no-inverse-discount", "lambda-squared-bellman", "undiscounted-q")

#: The largest S·A proved on request (4 × 3: minutes and about 5 GB); larger families are refused before starting.
MAX_SIZE = 12


@dataclass(frozen=True)
class TheoremProof:
    """The outcome: one flag per partial ∂/∂θ_{sb} expanded (C order; θ_{00}, θ_{10} when ``by_symmetry``)."""

    num_states: int
    num_actions: int
    partials: tuple[bool, ...]
    seconds: float
    by_symmetry: bool = False

    @property
    def holds(self) -> bool:
        return all(self.partials)


def bareiss_solve(M: list[list[Any]], b: list[Any]) -> tuple[Any, list[Any]]:
    """(det M, adj(M) b) over an integral domain by fraction-free (Bareiss) elimination, every division exact.

    No pivoting: the leading principal minors must be non-zero (``ZeroDivisionError`` otherwise).

    >>> bareiss_solve([[2, 1], [1, 3]], [1, 2])
    (5, [1, 3])
    """
    n = len(M)
    A = [list(row) + [b[i]] for i, row in enumerate(M)]
    prev: Any = 1
    for k in range(n - 1):
        pivot = A[k][k]
        if pivot == 0:
            raise ZeroDivisionError(f"leading principal minor {k + 1} is zero")
        for i in range(k + 1, n):
            for j in range(k + 1, n + 1):
                A[i][j] = _exact_div(pivot * A[i][j] - A[i][k] * A[k][j], prev)
            A[i][k] = 0 * pivot
        prev = pivot
    det = A[n - 1][n - 1]
    if det == 0:
        raise ZeroDivisionError("the matrix is singular")
    # Row i of the reduced system: Σ_{j≥i} A[i][j] y_j = A[i][n] with y = M⁻¹b; det·y = adj(M) b is integral.
    x: list[Any] = [None] * n
    for i in reversed(range(n)):
        acc = det * A[i][n]
        for j in range(i + 1, n):
            acc = acc - A[i][j] * x[j]
        x[i] = _exact_div(acc, A[i][i])
    return det, x


def _exact_div(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        q, r = divmod(a, b)
        if r:
            raise ArithmeticError(f"{a} is not divisible by {b}")
        return q
    return a / b  # fmpz_mpoly: exact division or DomainError


def _ring(S: int, A: int, stochastic: bool) -> tuple[Any, list, list, Any, list]:
    n_t = S - 1 if stochastic else S
    names = ([f"P_{s}_{a}_{t}" for s in range(S) for a in range(A) for t in range(n_t)]
             + [f"r_{s}_{a}" for s in range(S) for a in range(A)] + ["lam"]
             + [f"x_{s}_{a}" for s in range(S) for a in range(A)])
    ctx = flint.fmpz_mpoly_ctx.get(tuple(names), "degrevlex")
    gens = list(ctx.gens())
    n_p = S * A * n_t
    p, r, lam, x = gens[:n_p], gens[n_p:n_p + S * A], gens[n_p + S * A], gens[n_p + S * A + 1:]
    zero = ctx.constant(0)
    P = [[list(p[(s * A + a) * n_t:(s * A + a + 1) * n_t]) for a in range(A)] for s in range(S)]
    if stochastic:
        for s in range(S):
            for a in range(A):
                P[s][a].append(1 - sum(P[s][a], zero))
    return ctx, P, r, lam, x


def theorem_identities(num_states: int, num_actions: int, *, stochastic: bool = False,
                       variant: str | None = None,
                       partials: tuple[tuple[int, int], ...] | None = None) -> Iterator[tuple[Any, Any]]:
    """The two sides of the cleared identity for each θ_{sb} in ``partials`` (default: all, C order).

    A generator: one partial's polynomials at a time (at 4 × 3 each side has millions of terms).
    """
    S, A = num_states, num_actions
    ctx, P, r, lam, x = _ring(S, A, stochastic)
    zero = ctx.constant(0)
    xs = lambda s, a: x[s * A + a]  # noqa: E731
    X = [sum((xs(s, a) for a in range(A)), zero) for s in range(S)]
    disc = lam * lam if variant == "lambda-squared-bellman" else lam  # the discount inside the Bellman matrix
    Mp = [[(X[s] if s == t else zero) - disc * sum((xs(s, a) * P[s][a][t] for a in range(A)), zero)
           for t in range(S)] for s in range(S)]
    rp = [sum((xs(s, a) * r[s * A + a] for a in range(A)), zero) for s in range(S)]
    D, Nv = bareiss_solve(Mp, rp)  # D = det M', Nv = adj(M') r'
    _, adj_row0 = bareiss_solve([list(col) for col in zip(*Mp)], [zero + 1] + [zero] * (S - 1))  # adj(M')_{0·}
    N = Nv[0]
    q_disc = 1 if variant == "undiscounted-q" else lam
    Q = [[r[s * A + a] * D + q_disc * sum((P[s][a][t] * Nv[t] for t in range(S)), zero) for a in range(A)]
         for s in range(S)]
    gen_index = {str(g): i for i, g in enumerate(ctx.gens())}
    for s, b in partials if partials is not None else [(s, b) for s in range(S) for b in range(A)]:
        xk = xs(s, b)
        i = gen_index[str(xk)]
        lhs = X[s] * xk * (N.derivative(i) * D - N * D.derivative(i))
        rhs = adj_row0[s] * sum((Q[s][a] * xs(s, a) * ((X[s] if a == b else zero) - xk) for a in range(A)), zero)
        if variant == "no-inverse-discount":  # (1 − λ)⁻¹ dropped: the right-hand side gains a factor (1 − λ)
            rhs = rhs * (1 - lam)
        yield lhs, rhs


def prove_theorem_tabular(num_states: int, num_actions: int, *, stochastic: bool = False,
                          variant: str | None = None, symmetry: bool = False) -> TheoremProof:
    """Prove ∇θU = (1 − λ)⁻¹ Σ_s d(s) Σ_a q(s, a) ∇θπ(a|s) for every ∂/∂θ_{sb} of the S × A tabular softmax.

    Universal over P, r, λ and θ (s⁰ = 0).  3 × 3 takes well under a second, 4 × 2 a few seconds;
    S·A above :data:`MAX_SIZE` is refused.

    >>> prove_theorem_tabular(2, 2).holds
    True
    >>> prove_theorem_tabular(2, 2, variant="undiscounted-q").holds
    False
    """
    if variant is not None and variant not in VARIANTS:
        raise ValueError(f"variant={variant!r} is not one of {VARIANTS}")
    for name, value in (("num_states", num_states), ("num_actions", num_actions)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name}={value!r} must be an integer at least 1")
    if num_states * num_actions > MAX_SIZE:
        raise ValueError(f"num_states * num_actions = {num_states * num_actions} exceeds MAX_SIZE={MAX_SIZE} "
                         f"(4 x 3 takes minutes and about 5 GB; the cost grows much faster than S·A)")
    if symmetry and stochastic:
        raise ValueError("symmetry=True needs the free-P family (stochastic=False): the row constraint "
                         "P_{sa(S-1)} = 1 - Σ singles out the last state")
    partials = ((0, 0),) + (((1, 0),) if num_states > 1 else ()) if symmetry else None
    t = time.perf_counter()
    flags = tuple(bool(lhs == rhs) for lhs, rhs in theorem_identities(num_states, num_actions, stochastic=stochastic,
                                                                      variant=variant, partials=partials))
    return TheoremProof(num_states, num_actions, flags, time.perf_counter() - t, symmetry)
