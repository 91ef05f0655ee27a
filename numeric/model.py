"""The model a claim is evaluated on: an MDP and a policy in one arithmetic.

A claim's sides are written once, in NumPy syntax, over a :class:`Model`; the
model's arrays hold float64, exact Fractions, degree bounds or SymPy rational
functions, and the same expression means the same thing in all of them.  Every
derived quantity is computed lazily, once.

Names follow the post: ``P[s, a, s']``, ``r[s, a]``, ``lam`` (λ), ``pi[s, a]``,
``dpi[s, a, k]`` (∇θπ), ``score[s, a, k]`` (∇θ log π), ``v[s]``, ``q[s, a]``,
``d[s]``, ``U``, ``grad_U[k]``.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Callable

import numpy as np

from numeric.arithmetic import Arithmetic
from numeric.dual import seeded, solve, tangent

__all__ = ["Model", "FORWARD_MODE_LIMIT"]

#: The largest S³K for which the reference gradient comes from dual numbers (about S³K/3 dual
#: operations on K-vectors): every model the checks draw (S ≤ 5, K ≤ 15) is far below; larger
#: models (benchmarks, users' big MDPs) use the adjoint of the Bellman solve.
FORWARD_MODE_LIMIT = 100_000


class Model:
    """An MDP (P, r, λ, μ) and a policy (π, ∇θπ) in one arithmetic.

    Args (keyword-only):
      arithmetic: the number type of every array (:mod:`numeric.arithmetic`).
      P: ``P[s, a, s']``, shape ``(S, A, S)``.
      r: ``r[s, a]``, shape ``(S, A)``.
      lam: the discount λ.
      mu0: the initial distribution μ[s], shape ``(S,)`` (one-hot at s⁰).
      pi: ``π[s, a]``, shape ``(S, A)``.
      jacobian: a function returning ∇θπ as ``dpi[s, a, k]``, shape ``(S, A, K)``.
      vjp: ``g[s, a] ↦ Σ_{s,a} g[s, a] ∇θπ(a|s)``, shape ``(K,)``.
      derivative: optional exact differentiation ∂/∂θ of any array (adds a
        trailing axis K).  When given (the symbolic engine), ``grad_U``,
        ``grad_v`` and ``grad_q`` are obtained by differentiating the closed
        forms; otherwise by the adjoint / forward rules of the Bellman solve.
      family: a label for reports, e.g. ``"tabular-softmax S=2 A=2"``.
      extras: anything a family adds for the claims that need it (a horizon,
        features, …), read with ``model.extras[...]``.
    """

    def __init__(self, *, arithmetic: Arithmetic, P: np.ndarray, r: np.ndarray, lam: Any, mu0: np.ndarray,
                 pi: np.ndarray, jacobian: Callable[[], np.ndarray], vjp: Callable[[np.ndarray], np.ndarray],
                 derivative: Callable[[Any], np.ndarray] | None = None, family: str = "",
                 extras: dict[str, Any] | None = None) -> None:
        self.arithmetic = arithmetic
        self.P, self.r, self.lam, self.mu0, self.pi = P, r, lam, mu0, pi
        self._jacobian, self._vjp, self._derivative = jacobian, vjp, derivative
        self.family = family
        self.extras = dict(extras or {})

    # ------------------------------------------------------------------ sizes
    @property
    def S(self) -> int:
        return self.P.shape[0]

    @property
    def A(self) -> int:
        return self.P.shape[1]

    @property
    def K(self) -> int:
        return self.dpi.shape[2]

    # ------------------------------------------------------------- the chain
    @cached_property
    def P_pi(self) -> np.ndarray:
        """P_π[s, s'] = Σ_a π(a|s) P[s, a, s'], shape ``(S, S)``."""
        if self.P.dtype == np.float64 and self.pi.dtype == np.float64:
            return np.einsum("sa,sat->st", self.pi, self.P)  # one pass over P, no (S, 1, S) temporaries
        return (self.pi[:, None, :] @ self.P)[:, 0, :]

    @cached_property
    def r_pi(self) -> np.ndarray:
        """r_π[s] = Σ_a π(a|s) r[s, a], shape ``(S,)``."""
        return (self.pi * self.r).sum(axis=1)

    @cached_property
    def M(self) -> np.ndarray:
        """The Bellman matrix I − λP_π, shape ``(S, S)``."""
        M = self.P_pi * -self.lam
        diagonal = np.diag_indices(self.S)
        M[diagonal] = M[diagonal] + 1
        return M

    @cached_property
    def _solved(self) -> tuple[np.ndarray, np.ndarray]:
        return self.arithmetic.solve_pair(self.M, self.r_pi, self.mu0)

    @property
    def v(self) -> np.ndarray:
        """v(s) = E_s^π[Σ_t λ^{t−1} r(s_t, a_t)], solved as (I − λP_π) v = r_π; shape ``(S,)``."""
        return self._solved[0]

    @property
    def w(self) -> np.ndarray:
        """Unnormalised discounted visitation w(s) = Σ_t λ^{t−1} P_μ(s_t = s), from (I − λP_π)ᵀ w = μ."""
        return self._solved[1]

    @cached_property
    def d(self) -> np.ndarray:
        """Discounted occupancy d(s) = (1 − λ) Σ_t λ^{t−1} P_μ(s_t = s), shape ``(S,)``."""
        return (1 - self.lam) * self.w

    @cached_property
    def Pv(self) -> np.ndarray:
        """E_{s'∼P(·|s,a)} v(s') as ``Pv[s, a]``, shape ``(S, A)``."""
        if self.P.dtype == np.float64 and self.P.flags.c_contiguous and self.v.dtype == np.float64:
            return (self.P.reshape(self.S * self.A, self.S) @ self.v).reshape(self.S, self.A)  # one BLAS matvec
        return self.P @ self.v

    @cached_property
    def q(self) -> np.ndarray:
        """q(s, a) = r(s, a) + λ Σ_{s'} P(s'|s, a) v(s'), shape ``(S, A)``."""
        return self.r + self.lam * self.Pv

    @cached_property
    def U(self) -> Any:
        """U(θ) = Σ_s μ(s) v(s) (= v(s⁰) for a point initial state)."""
        return self.mu0 @ self.v

    # ------------------------------------------------------- the policy side
    @cached_property
    def dpi(self) -> np.ndarray:
        """∇θπ as ``dpi[s, a, k]``, shape ``(S, A, K)``."""
        return self._jacobian()

    @cached_property
    def score(self) -> np.ndarray:
        """∇θ log π as ``score[s, a, k] = dpi[s, a, k] / π(a|s)``."""
        return self.dpi / self.pi[:, :, None]

    # ------------------------------------------------- the reference gradient
    @property
    def forward_mode(self) -> bool:
        """Whether ``grad_U``/``grad_v`` come from dual numbers (S³K ≤ :data:`FORWARD_MODE_LIMIT`, not symbolic)."""
        return (self._derivative is None and self.arithmetic.name != "degree"
                and self.S ** 3 * self.K <= FORWARD_MODE_LIMIT)

    @cached_property
    def _forward(self) -> np.ndarray:
        """v as dual numbers: π seeded with ∇θπ, then P_π, r_π and a generic solve of (I − λP_π) v = r_π."""
        pi = seeded(self.pi, self.dpi)
        P_pi = np.einsum("sa,sat->st", pi, self.P.astype(object))
        r_pi = np.einsum("sa,sa->s", pi, self.r.astype(object))
        M = -self.lam * P_pi
        for s in range(self.S):
            M[s, s] = M[s, s] + 1
        return solve(M, r_pi)

    def _tangent(self, x: np.ndarray) -> np.ndarray:
        out = tangent(x, self.K)
        return out.astype(np.float64) if self.arithmetic.name == "float64" else out

    @cached_property
    def grad_U(self) -> np.ndarray:
        """∇θU, shape ``(K,)``: the reference every gradient identity is checked against.

        U(θ) = μᵀ(I − λP_π)⁻¹r_π differentiated directly, by a path that forms none of w, d, q:
        by the derivative of the closed form in the symbolic engine; otherwise (when
        :attr:`forward_mode`) by forward-mode dual numbers: π(a|s) seeded with its
        Jacobian ∇θπ(a|s), P_π, r_π and (I − λP_π) v = r_π computed and solved by Gaussian
        elimination in dual arithmetic, U = μᵀv, ∇θU its tangent.  Models too large for that
        (S³K above :data:`FORWARD_MODE_LIMIT`) and degree bounds use :attr:`grad_U_adjoint`.
        """
        if self._derivative is not None:
            return self._derivative(self.U)
        if not self.forward_mode:
            return self.grad_U_adjoint
        return self._tangent(np.asarray(self.mu0, dtype=object) @ self._forward)

    @cached_property
    def grad_U_adjoint(self) -> np.ndarray:
        """∇θU by the adjoint of the Bellman solve, ∂U = wᵀ(∂b − ∂M v) with Mᵀw = μ, shape ``(K,)``.

        ∂b = Σ_a ∂π(a|s) r(s, a) and ∂M = −λ Σ_a ∂π(a|s) P(·|s, a), applied through the
        policy's vector–Jacobian product: one LU factorisation, no (S, A, K) Jacobian, for
        large models.  It shares w and P v with the policy gradient theorem's right-hand
        side, so the checks use :attr:`grad_U` (forward mode) as their reference.
        """
        w = self.w[:, None]
        return self._vjp(w * self.r) + self.lam * self._vjp(w * self.Pv)

    @cached_property
    def grad_v(self) -> np.ndarray:
        """∇θv as ``grad_v[s, k]``: the tangent of the dual solve (:attr:`grad_U`), or for large models the
        forward rule M⁻¹(∂b − ∂M v)."""
        if self._derivative is not None:
            return self._derivative(self.v)
        if self.forward_mode:
            return self._tangent(self._forward)
        db = np.einsum("sak,sa->sk", self.dpi, self.r)
        dM_v = -self.lam * np.einsum("sak,sa->sk", self.dpi, self.Pv)
        return self.arithmetic.solve_pair(self.M, db - dM_v, self.mu0)[0]

    @cached_property
    def grad_q(self) -> np.ndarray:
        """∇θq as ``grad_q[s, a, k]`` = λ Σ_{s'} P(s'|s, a) ∇θv(s') (r and P do not depend on θ)."""
        if self._derivative is not None:
            return self._derivative(self.q)
        return self.lam * np.einsum("sat,tk->sak", self.P, self.grad_v)

    def derivative(self, x: Any) -> np.ndarray:
        """∂x/∂θ for an array built from this model, when the engine can differentiate (symbolic)."""
        if self._derivative is None:
            raise NotImplementedError(f"the {self.arithmetic.name} engine does not differentiate arbitrary arrays")
        return self._derivative(x)

    def __repr__(self) -> str:
        return f"Model({self.family!r}, arithmetic={self.arithmetic.name}, S={self.S}, A={self.A})"
