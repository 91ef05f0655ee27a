"""LaTeX of a family's closed forms, in the post's notation."""

from __future__ import annotations

import sympy

from numeric.limits import PROGRESS_DELAY, progress, refuse_above
from symbolic.family import tabular_softmax_family

__all__ = ["family_latex", "family_parameters"]

#: Measured cost of the closed forms on a 2-core machine under load: 13 parameters (2 × 2) in 5 s,
#: 19 (2 × 3) in 42 s; each further parameter multiplies the time by about 1.45.
_SECONDS_AT_13, _GROWTH = 5.0, 1.45


def family_parameters(num_states: int, num_actions: int) -> int:
    """The number of symbols of the S × A family's closed forms: P (S·A·(S−1)), r (S·A), λ, and θ (S·A, if A > 1).

    >>> family_parameters(2, 2), family_parameters(3, 2)
    (13, 25)
    """
    S, A = num_states, num_actions
    return S * A * (S - 1) + S * A + 1 + (S * A if A > 1 else 0)


def family_latex(num_states: int = 2, num_actions: int = 2, *, limit: int | None = None) -> str:
    """The closed-form U(θ) and every ∂U/∂θ_{sa} of the S × A tabular-softmax family.

    An ``align*`` block in the post's notation: ``P_{s a s'}`` = 𝓟_s^a(s')
    (with P_{s a (S−1)} = 1 − Σ of the others), ``r_{s a}``, the discount λ,
    s⁰ = 0, and π_θ(a|s) = e^{θ_{sa}} / Σ_b e^{θ_{sb}}.  Both U and ∂U/∂θ are
    invariant under θ_s ↦ θ_s + c, so they are written in π_θ.

    The time grows exponentially with the number of symbols
    (:func:`family_parameters`): above the ``symbolic-parameters`` limit of
    :mod:`numeric.limits` (20; ``limit`` overrides it, 0 for none) this raises
    :class:`~numeric.limits.TooLargeError` with a time estimate before any work.

    >>> print(family_latex(1, 1))
    \\begin{align*}
    U(\\theta) &= - \\frac{r_{00}}{\\lambda - 1} \\\\
    \\frac{\\partial U}{\\partial \\theta_{00}} &= 0
    \\end{align*}
    """
    n = family_parameters(num_states, num_actions)
    seconds = _SECONDS_AT_13 * _GROWTH ** (n - 13)
    refuse_above("symbolic-parameters", n, f"the closed forms of the {num_states} × {num_actions} tabular-softmax "
                 f"family", override=limit, detail=f" (estimated time {_duration(seconds)})")
    fam = tabular_softmax_family(num_states, num_actions)
    m = fam.model()
    lines = []
    parts = ["U", *range(len(fam.theta_symbols))]
    for k in progress(parts, desc=f"closed forms {num_states}×{num_actions} (estimated {_duration(seconds)})",
                      unit="expr", delay=0 if seconds > 3 else PROGRESS_DELAY):
        if k == "U":
            lines.append(rf"U(\theta) &= {fam.latex(m.U)}")
        else:
            theta = fam.theta_symbols[k]
            lines.append(rf"\frac{{\partial U}}{{\partial {sympy.latex(theta)}}} &= {fam.latex(m.grad_U[k])}")
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.0f} h"
