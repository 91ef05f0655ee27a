"""The best deterministic stationary policy: policy iteration, cross-checked by brute force.

The post leans on Puterman (1994), §6.2.4: a finite discounted MDP has an
optimal stationary policy, and one that is deterministic.  This module finds
one and gives the values needed to check that statement on a given MDP:

* :func:`policy_value` — v^π = (I − λP_π)⁻¹ r_π for any stochastic matrix
  π[s, a] (deterministic policies and policies with zeros included);
* :func:`policy_iteration` — Howard's policy iteration (Puterman §6.4): π*, v*,
  q* with v* ≥ q*(s, a) at every (s, a) on exit;
* :func:`brute_force_optimum` — the value of every one of the A^S
  deterministic policies, the state-wise maximum, and the first policy that
  attains it at every state.

Everything is exact (Fractions) for an exact MDP, float64 otherwise.  On exit
of policy iteration v*(s) ≥ r(s, a) + λ Σ_{s'} P(s'|s, a) v*(s') for every
(s, a); then for any stationary π, (I − λP_π) v* ≥ r_π, and since
(I − λP_π)⁻¹ = Σ_k λ^k P_π^k has non-negative entries, v* ≥ v^π at every state.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from numeric._arrays import as_array, show
from numeric.errors import InvalidArgumentError, InvalidMDPError, InvalidPolicyError
from numeric.mdp import STOCHASTIC_ATOL, FiniteMDP

__all__ = ["OptimalPolicy", "BruteForceOptimum", "policy_value", "deterministic_policy_value",
           "policy_iteration", "brute_force_optimum", "IMPROVEMENT_RTOL", "MAX_BRUTE_FORCE_POLICIES"]

#: Float64 policy iteration switches an action only when it gains more than
#: IMPROVEMENT_RTOL · (1 + max|r|)/(1 − λ)².  The Bellman solve's error is about
#: cond(I − λP_π) · ε · max|v| ≤ 2ε · max|r|/(1 − λ)², ε ≈ 2.2e-16, so rounding
#: never causes a switch (and no policy is revisited); on exit π* is optimal to
#: within that threshold divided by (1 − λ).  Exact arithmetic uses 0.
IMPROVEMENT_RTOL = 1e-10

#: :func:`brute_force_optimum` refuses MDPs with more deterministic policies (A^S).
MAX_BRUTE_FORCE_POLICIES = 4096


@dataclass(frozen=True)
class OptimalPolicy:
    """A deterministic stationary policy found optimal, with its values.

    Attributes:
      actions: π*(s), shape ``(S,)``, integer.
      v: v*(s) = v^{π*}(s), shape ``(S,)``.
      q: q*(s, a) = r(s, a) + λ Σ_{s'} P(s'|s, a) v*(s'), shape ``(S, A)``.
      iterations: the number of policy evaluations policy iteration made.
    """

    actions: np.ndarray
    v: np.ndarray
    q: np.ndarray
    iterations: int


@dataclass(frozen=True)
class BruteForceOptimum:
    """The A^S deterministic policies of an MDP, all evaluated.

    Attributes:
      v: max_d v^d(s) over deterministic policies d, state by state, shape ``(S,)``.
      actions: the first policy (in lexicographic order of (d(0), …, d(S−1)))
        whose value equals ``v`` at every state, shape ``(S,)``; None if no
        single policy attains every state's maximum.
      num_policies: A^S.
    """

    v: np.ndarray
    actions: np.ndarray | None
    num_policies: int


def policy_value(mdp: FiniteMDP, pi: Any) -> np.ndarray:
    """v^π(s) = E_s^π[Σ_{t≥1} λ^{t−1} r(s_t, a_t)] = ((I − λP_π)⁻¹ r_π)(s) for a stochastic π[s, a].

    ``pi`` has shape ``(S, A)``, entries ≥ 0 and rows summing to 1 (exactly
    for Fractions, within STOCHASTIC_ATOL in float64).  Exact when both are exact.

    >>> from fractions import Fraction as F
    >>> mdp = FiniteMDP(P=[[[1], [1]]], r=[[1, 0]], discount=F(1, 2))
    >>> policy_value(mdp, [[F(1, 4), F(3, 4)]])
    array([Fraction(1, 2)], dtype=object)
    """
    mdp = _check_mdp(mdp)
    p = as_array(pi, "pi", InvalidPolicyError)
    S, A = mdp.num_states, mdp.num_actions
    if p.shape != (S, A):
        raise InvalidPolicyError(f"pi must have shape (S, A) = ({S}, {A}) to match the MDP, got {p.shape}")
    if p.dtype != object and not np.all(np.isfinite(p)):
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(p))[0])
        raise InvalidPolicyError(f"pi{list(idx)} is {p[idx]}: entries must be finite")
    if np.any(p < 0):
        idx = tuple(int(i) for i in np.argwhere(p < 0)[0])
        raise InvalidPolicyError(f"pi{list(idx)} = {show(p[idx])} is negative: probabilities must be >= 0")
    for s, total in enumerate(p.sum(axis=1)):
        if total != 1 if p.dtype == object else abs(float(total) - 1.0) > STOCHASTIC_ATOL:
            raise InvalidPolicyError(f"pi[{s}, :] = {show(p[s])} sums to {show(total)}, not 1")
    if not (mdp.exact and p.dtype == object):
        mdp, p = mdp.to_float(), p.astype(np.float64)
    P_pi = np.einsum("sa,sat->st", p, mdp.P)
    return _solve(P_pi, (p * mdp.r).sum(axis=1), mdp.discount, mdp.exact)


def deterministic_policy_value(mdp: FiniteMDP, actions: Any) -> np.ndarray:
    """v^d for the deterministic policy d(s) = ``actions[s]``: (I − λP_d)⁻¹ r_d, shape ``(S,)``.

    >>> from fractions import Fraction as F
    >>> mdp = FiniteMDP(P=[[[1], [1]]], r=[[1, 0]], discount=F(1, 2))
    >>> deterministic_policy_value(mdp, [0])
    array([Fraction(2, 1)], dtype=object)
    """
    mdp = _check_mdp(mdp)
    return _deterministic_value(mdp, _check_actions(mdp, actions))


def policy_iteration(mdp: FiniteMDP) -> OptimalPolicy:
    """Howard's policy iteration: evaluate d, then improve it greedily, until no state gains.

    Starts from d(s) = 0.  Improvement: d(s) changes only if max_a q(s, a)
    exceeds q(s, d(s)) (by more than the tolerance of IMPROVEMENT_RTOL in
    float64), and then to the first maximising action — so ties are broken
    towards the current action, then the smallest index.  Each sweep strictly
    improves v, so no policy repeats and the loop ends within A^S evaluations.

    >>> from fractions import Fraction as F
    >>> mdp = FiniteMDP(P=[[[1, 0], [0, 1]], [[0, 1], [0, 1]]], r=[[0, 0], [1, 1]], discount=F(1, 2))
    >>> star = policy_iteration(mdp)
    >>> star.actions.tolist(), star.v.tolist()
    ([1, 0], [Fraction(1, 1), Fraction(2, 1)])
    """
    mdp = _check_mdp(mdp)
    S = mdp.num_states
    lam = mdp.discount
    tol: Any = 0 if mdp.exact else IMPROVEMENT_RTOL * (1 + float(np.max(np.abs(mdp.r)))) / (1 - lam) ** 2
    rows = _integer_rows(mdp) if mdp.exact else None
    actions = np.zeros(S, dtype=np.intp)
    iterations = 0
    while True:
        v = _deterministic_value(mdp, actions, rows)
        iterations += 1
        q = mdp.r + lam * np.einsum("sat,t->sa", mdp.P, v)
        improved = actions.copy()
        for s in range(S):
            best = max(range(mdp.num_actions), key=lambda a: q[s, a])  # first maximiser
            if q[s, best] > q[s, actions[s]] + tol:
                improved[s] = best
        if np.array_equal(improved, actions):
            return OptimalPolicy(actions, v, q, iterations)
        actions = improved


def brute_force_optimum(mdp: FiniteMDP, *, max_policies: int = MAX_BRUTE_FORCE_POLICIES) -> BruteForceOptimum:
    """Evaluate all A^S deterministic policies; the state-wise maximum and a policy attaining it.

    The independent cross-check of :func:`policy_iteration`: no improvement
    step, no ordering, only max_d v^d(s).  Raises InvalidArgumentError when
    A^S exceeds ``max_policies``.  Exact for an exact MDP; in float64 a policy
    attains the maximum when it is within IMPROVEMENT_RTOL · (1 + max|r|)/(1 − λ)²
    of it at every state.

    >>> from fractions import Fraction as F
    >>> mdp = FiniteMDP(P=[[[1, 0], [0, 1]], [[0, 1], [0, 1]]], r=[[0, 0], [1, 1]], discount=F(1, 2))
    >>> best = brute_force_optimum(mdp)
    >>> best.actions.tolist(), best.v.tolist(), best.num_policies
    ([1, 0], [Fraction(1, 1), Fraction(2, 1)], 4)
    """
    mdp = _check_mdp(mdp)
    if not isinstance(max_policies, int) or isinstance(max_policies, bool) or max_policies < 1:
        raise InvalidArgumentError(f"max_policies must be a positive integer, got {max_policies!r}")
    S, A = mdp.num_states, mdp.num_actions
    if A ** S > max_policies:
        raise InvalidArgumentError(
            f"the MDP has A^S = {A}^{S} = {A ** S} deterministic policies, more than max_policies={max_policies}")
    policies = [np.array(d, dtype=np.intp) for d in itertools.product(range(A), repeat=S)]
    rows = _integer_rows(mdp) if mdp.exact else None
    values = [_deterministic_value(mdp, d, rows) for d in policies]
    best = np.array([max(v[s] for v in values) for s in range(S)], dtype=object if mdp.exact else np.float64)
    tol: Any = 0 if mdp.exact else IMPROVEMENT_RTOL * (1 + float(np.max(np.abs(mdp.r)))) / (1 - mdp.discount) ** 2
    attaining = next((d for d, v in zip(policies, values) if all(v[s] >= best[s] - tol for s in range(S))), None)
    return BruteForceOptimum(best, attaining, A ** S)


def _check_mdp(mdp: Any) -> FiniteMDP:
    if not isinstance(mdp, FiniteMDP):
        raise InvalidMDPError(f"mdp must be a numeric.FiniteMDP, got {type(mdp).__name__}")
    return mdp


def _check_actions(mdp: FiniteMDP, actions: Any) -> np.ndarray:
    a = np.asarray(actions)
    S, A = mdp.num_states, mdp.num_actions
    if a.shape != (S,) or a.dtype.kind not in "iu":
        raise InvalidPolicyError(f"actions must be {S} integers (one action per state), got {actions!r}")
    bad = np.flatnonzero((a < 0) | (a >= A))
    if bad.size:
        raise InvalidPolicyError(f"actions[{bad[0]}] = {a[bad[0]]} is not an action index in [0, {A})")
    return a.astype(np.intp)


def _deterministic_value(mdp: FiniteMDP, actions: np.ndarray, rows: list | None = None) -> np.ndarray:
    """v^d = (I − λP_d)⁻¹ r_d; for an exact MDP from its :func:`_integer_rows` (computed if not given)."""
    states = np.arange(mdp.num_states)
    if not mdp.exact:
        return np.linalg.solve(np.eye(mdp.num_states) - mdp.discount * mdp.P[states, actions], mdp.r[states, actions])
    rows = _integer_rows(mdp) if rows is None else rows
    return np.array(_fraction_free_solve([rows[s][a] for s, a in enumerate(actions)]), dtype=object)


def _solve(P_pi: np.ndarray, r_pi: np.ndarray, lam: Any, exact: bool) -> np.ndarray:
    """v = (I − λP_π)⁻¹ r_π, exactly (Fractions) or in float64."""
    S = len(r_pi)
    if not exact:
        return np.linalg.solve(np.eye(S) - lam * P_pi, r_pi)
    return np.array(_fraction_free_solve([_integer_row(s, -lam * P_pi[s], r_pi[s]) for s in range(S)]), dtype=object)


def _integer_rows(mdp: FiniteMDP) -> list[list[list[int]]]:
    """``rows[s][a]``: the row of s in [I − λP_d | r_d] when d(s) = a, scaled to integers."""
    lam = mdp.discount
    return [[_integer_row(s, -lam * mdp.P[s, a], mdp.r[s, a]) for a in range(mdp.num_actions)]
            for s in range(mdp.num_states)]


def _integer_row(s: int, off: np.ndarray, rhs: Fraction) -> list[int]:
    """[e_s + off | rhs] times the lcm of its denominators (scaling a row keeps the solution)."""
    row = [Fraction(x) for x in off] + [Fraction(rhs)]
    row[s] += 1
    scale = math.lcm(*(x.denominator for x in row))
    return [x.numerator * (scale // x.denominator) for x in row]


def _fraction_free_solve(rows: list[list[int]]) -> list[Fraction]:
    """Solve the integer system [M | b]: Bareiss elimination, then back substitution.

    Integer elimination (each division exact, Bareiss 1968) avoids the gcd of
    every Fraction operation; only the n back-substitution steps use Fractions.
    """
    n = len(rows)
    A = [list(row) for row in rows]
    previous = 1
    for k in range(n):
        pivot = next(i for i in range(k, n) if A[i][k] != 0)  # I − λP_d is invertible for λ < 1
        A[k], A[pivot] = A[pivot], A[k]
        for i in range(k + 1, n):
            A[i] = [0] * (k + 1) + [(A[i][j] * A[k][k] - A[i][k] * A[k][j]) // previous for j in range(k + 1, n + 1)]
        previous = A[k][k]
    x = [Fraction(0)] * n
    for i in reversed(range(n)):
        x[i] = (A[i][n] - sum((A[i][j] * x[j] for j in range(i + 1, n)), Fraction(0))) / A[i][i]
    return x
