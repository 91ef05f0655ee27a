"""γ = 1 on episodic MDPs: ``episodic-softmax-undiscounted`` (finite horizon, undiscounted objective).

The layered episodic MDPs of :mod:`pgverify.families.episodic` with the discount
set to λ = 1.  The Bellman matrix I − P_π is then singular (the absorbing state
loops on itself); its value is pinned instead, v(s_abs) = 0 — the absorbing
state has zero reward — by replacing its row with the unit row, which leaves
every other equation unchanged.  U, v, q, ∇θU (the adjoint of that solve),
∇θv, ∇θq and the trajectory enumeration are those of the undiscounted episode.
The normalised discounted occupancy d = (1 − λ)w is not defined at λ = 1:
asking for it raises (a check then says it could not decide); ``w`` is the
expected number of visits.  Float64 comparisons scale their tolerance by the
horizon T (``extras["conditioning"]``) instead of 1/(1 − λ).  There is no universal
(symbolic) model.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from numeric.model import Model
from pgverify.families import episodic
from pgverify.families.base import Family

__all__ = ["UndiscountedModel", "FAMILY", "FAMILIES", "UNDISCOUNTED"]

UNDISCOUNTED = "episodic-softmax-undiscounted"


class UndiscountedModel(Model):
    """An episodic model with λ = 1: the absorbing state's Bellman row pinned to v(s_abs) = 0."""

    @cached_property
    def M(self) -> np.ndarray:
        M = super().M
        a = self.extras["absorbing"]
        M[a, :] = 0 * M[a, :]
        M[a, a] = M[a, a] * 0 + 1
        return M

    @cached_property
    def _forward(self) -> np.ndarray:
        """v in dual numbers (the forward-mode reference gradient) with the same pinned row."""
        from numeric.dual import seeded, solve

        pi = seeded(self.pi, self.dpi)
        M = -self.lam * np.einsum("sa,sat->st", pi, np.asarray(self.P, dtype=object))
        r_pi = np.einsum("sa,sa->s", pi, np.asarray(self.r, dtype=object))
        for s in range(self.S):
            M[s, s] = M[s, s] + 1
        a = self.extras["absorbing"]
        M[a, :] = [x * 0 for x in M[a, :]]
        M[a, a] = M[a, a] + 1
        r_pi[a] = r_pi[a] * 0
        return solve(M, r_pi)

    @cached_property
    def d(self) -> np.ndarray:
        raise NotImplementedError("the normalised discounted occupancy d = (1 − λ)w is not defined at λ = 1; "
                                  "use w, the expected number of visits")


def undiscounted(m: Model) -> Model:
    """The same episode with λ = 1 (a new model: arrays shared, derived quantities recomputed)."""
    one = m.lam * 0 + 1
    return UndiscountedModel(arithmetic=m.arithmetic, P=m.P, r=m.r, lam=one, mu0=m.mu0, pi=m.pi,
                             jacobian=m._jacobian, vjp=m._vjp, family=UNDISCOUNTED,
                             extras={**{k: v for k, v in m.extras.items() if k != "episodes"},
                                     # ‖(I − P_π)⁻¹‖ ≤ T: P_π is nilpotent off the absorbing state
                                     "conditioning": float(m.extras["horizon"])})


@lru_cache(maxsize=None)
def _exact_points(k: int, seed: int) -> list[Model]:
    return [undiscounted(m) for m in episodic.FAMILY.exact_points(k, seed)]


@lru_cache(maxsize=None)
def _degree() -> Model:
    return undiscounted(episodic.FAMILY.degree())


def _build(example: Any, exact: bool) -> Model:
    return undiscounted(episodic.FAMILY.build(example, exact))


def _describe(example: Any) -> dict[str, Any]:
    return {**episodic.FAMILY.describe(example), "discount": "1"}


FAMILY = Family(name=UNDISCOUNTED, symbolic=None, symbolic_label="",
                exact_points=_exact_points, exact_label=episodic.FAMILY.exact_label.replace(
                    episodic.EPISODIC, UNDISCOUNTED) + " λ=1",
                degree=_degree, examples=episodic.FAMILY.examples, build=_build,
                numeric_label=episodic.FAMILY.numeric_label.replace(episodic.EPISODIC, UNDISCOUNTED) + " λ=1",
                describe=_describe, methods=("exact", "numeric"))

FAMILIES = (FAMILY,)
