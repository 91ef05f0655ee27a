"""LaTeX of a family's closed forms, in the post's notation."""

from __future__ import annotations

import sympy

from symbolic.family import tabular_softmax_family

__all__ = ["family_latex"]


def family_latex(num_states: int = 2, num_actions: int = 2) -> str:
    """The closed-form U(θ) and every ∂U/∂θ_{sa} of the S × A tabular-softmax family.

    An ``align*`` block in the post's notation: ``P_{s a s'}`` = 𝓟_s^a(s')
    (with P_{s a (S−1)} = 1 − Σ of the others), ``r_{s a}``, the discount λ,
    s⁰ = 0, and π_θ(a|s) = e^{θ_{sa}} / Σ_b e^{θ_{sb}}.  Both U and ∂U/∂θ are
    invariant under θ_s ↦ θ_s + c, so they are written in π_θ.

    >>> print(family_latex(1, 1))
    \\begin{align*}
    U(\\theta) &= - \\frac{r_{00}}{\\lambda - 1} \\\\
    \\frac{\\partial U}{\\partial \\theta_{00}} &= 0
    \\end{align*}
    """
    fam = tabular_softmax_family(num_states, num_actions)
    m = fam.model()
    lines = [rf"U(\theta) &= {fam.latex(m.U)}"]
    for k, theta in enumerate(fam.theta_symbols):
        lines.append(rf"\frac{{\partial U}}{{\partial {sympy.latex(theta)}}} &= {fam.latex(m.grad_U[k])}")
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"
