"""Claims of the post's "Policy gradient theorem" section (discounted, continuing).

Every claim is checked on the tabular and the linear softmax (the structured
families are in :mod:`pgverify.families.structured`): ``vpg-consistency`` on the
episodic (layered) families, ``average-reward`` on the ergodic ones.
Index convention of the post: s₁ = s⁰, so P_{s⁰}(s_t = s) = (μᵀP_π^{t−1})(s).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from numeric.average import average_reward_of
from numeric.episodic import enumerate_trajectories, expect, trajectory_probabilities
from numeric.model import Model
from pgverify.claims.setting import SERIES_HORIZONS
from pgverify.registry import POST_TEXT, claim
from pgverify.statement import Chain, chain, conjunction, identity

if TYPE_CHECKING:
    from pgverify.verdicts import Check

SECTION = "Policy gradient theorem"
FAMILIES = ("tabular-softmax", "linear-softmax")
EPISODIC = ("layered-tabular-softmax", "layered-linear-softmax")
ERGODIC = ("ergodic-tabular-softmax", "ergodic-linear-softmax")

#: The horizons T at which the induction hypothesis of the proof is checked (T = 0 is the initialisation).
INDUCTION_HORIZONS = (0, 1, 2, 3, 5)
#: The GAE mixing parameters κ checked (κ = 0: one-step TD error; κ = 1: Monte Carlo advantage).
GAE_KAPPAS = (Fraction(0), Fraction(1, 2), Fraction(9, 10), Fraction(1))


def theorem_rhs(m: Model) -> np.ndarray:
    """(1 − λ)⁻¹ Σ_s d(s) Σ_a q(s, a) ∇θπ(a|s), shape ``(K,)``: the theorem's right-hand side."""
    return np.einsum("s,sa,sak->k", m.d, m.q, m.dpi) / (1 - m.lam)


@claim("pgt.occupancy-measure", section=SECTION, families=FAMILIES,
       statement=POST_TEXT,
       note="d agrees with its series (d = (1 − λ) Σ_{t≤T} λ^{t−1} μᵀP_π^{t−1} + λ^T d P_π^T for T = 1, 2), "
            "sums to 1, and is non-negative. Non-negativity is an inequality: checked exactly and in float64, "
            "not proved symbolically.")
def occupancy_measure(m: Model) -> Chain:
    lines = [m.d]
    partial, term, tail = m.mu0 * 0, m.mu0, m.d  # (1−λ)Σ_{t≤T} λ^{t−1}μᵀP_π^{t−1}, μᵀP_π^{T−1}, d P_π^T
    for T in range(1, max(SERIES_HORIZONS) + 1):
        partial = partial + (1 - m.lam) * m.lam ** (T - 1) * term
        term, tail = term @ m.P_pi, tail @ m.P_pi
        if T in SERIES_HORIZONS:
            lines.append(partial + m.lam ** T * tail)
    series = chain(*lines, labels=tuple(f"d = series to T={T} + remainder" for T in SERIES_HORIZONS))
    return conjunction(series,
                       identity(m.d.sum(), m.d.sum() * 0 + 1, label="Σ_s d(s) = 1"),
                       identity(m.d, m.d * 0, relation=">=", label="d(s) ≥ 0"))


@claim("pgt.theorem", section=SECTION, families=FAMILIES,
       proofs=(("universal proof on tabular softmax with 3 states x 3 actions, any initial distribution "
                "(polynomial identities, one per symmetry orbit, < 1 s)",
                lambda: theorem_polynomial_check(3, 3)),),
       opt_in=(("symbolic-4x2", "universal proof on tabular softmax with 4 states x 2 actions (under a second)",
                lambda: theorem_polynomial_check(4, 2)),
               ("symbolic-4x3", "universal proof on tabular softmax with 4 states x 3 actions (7 of 576 "
                                "sub-identities expanded, one per symmetry orbit; seconds, about 0.6 GB)",
                lambda: theorem_polynomial_check(4, 3))),
       note="Proved on the 2 × 2 tabular and linear softmax by the generic symbolic method (the claim as written, "
            "in python-flint rational functions) and on the 3 × 3 tabular softmax with P, r, λ, θ and the initial "
            "distribution μ all symbolic by dedicated polynomial identities (symbolic.pgt_proof: denominators "
            "cleared by the determinant of the Bellman matrix, ∇U the quotient-rule derivative of U's closed form, "
            "never the theorem; both sides checked bilinear in μ and r, so the identity splits into one per "
            "μ = e_s0, r = e_k, and one per orbit of the state and action permutations is expanded after every "
            "building block is checked equivariant); 4 × 2 and 4 × 3 on request.",
       statement=POST_TEXT)
def theorem(m: Model) -> Chain:
    return identity(m.grad_U, theorem_rhs(m))


# ------------------------------------------------------------------ the proof
def _induction_terms(m: Model, T: int) -> tuple[np.ndarray, np.ndarray]:
    """(Σ_{t=1}^T λ^{t−1} P(s_t = ·), P(s_{T+1} = ·)) with s₁ ∼ μ: shapes ``(S,)``, ``(S,)``."""
    visits, marginal = m.mu0 * 0, m.mu0
    for t in range(1, T + 1):
        visits = visits + m.lam ** (t - 1) * marginal
        marginal = marginal @ m.P_pi
    return visits, marginal


@claim("pgt.proof.induction", section=SECTION, families=FAMILIES,
       statement=POST_TEXT,
       note="As displayed the first term keeps a free action index a (no Σ_a): its value is indexed by (a, k) "
            "while ∇U is indexed by k, so the identity does not type-check. The evident reading, with Σ_a, is "
            "pgt.proof.induction.reading.")
def proof_induction(m: Model) -> Chain:
    steps = []
    for T in (0,):  # the free index makes every T ill-formed, the initialisation T = 0 included
        visits, marginal = _induction_terms(m, T)
        first = np.einsum("s,sa,sak->ak", visits, m.q, m.dpi)  # a stays free, as displayed
        steps.append(identity(m.grad_U, first + m.lam ** T * (marginal @ m.grad_v), label=f"T={T}"))
    return conjunction(*steps)


@claim("pgt.proof.induction.reading", section=SECTION, families=FAMILIES, corrects="pgt.proof.induction",
       statement=r"\nabla_\theta U(\theta) = \sum_{s\in\mathcal{S}}\left(\sum_{t=1}^T\lambda^{t-1}"
                 r"\mathbb{P}_{s^0}^{\pi_\theta}(s_t=s)\right)\sum_{a\in\mathcal{A}}q_\lambda^{\pi_\theta}(s,a)"
                 r"\nabla_\theta\pi_\theta(a\vert s) + \lambda^T\sum_{s\in\mathcal{S}}"
                 r"\mathbb{P}_{s^0}^{\pi_\theta}(s_{T+1}=s)\nabla_\theta v_\lambda^{\pi_\theta}(s)",
       note="The sum over actions inserted, ∇θπ(s, a) read as ∇θπ(a|s), and s₁ = s⁰ (so P(s_{T+1} = ·) = "
            f"μᵀP_π^T). T = 0 is the initialisation ∇U = ∇v(s⁰) 'by definition of U', which holds with this "
            "index convention. The induction step is the vector identity ∇v = Σ_a q ∇π + λP_π∇v (multiply by "
            "λ^T μᵀP_π^T and add): with T = 0 it proves every T, and that is what the symbolic method checks "
            "(the rational functions of P_π^T grow too fast to expand); exact and float64 checks also evaluate "
            f"T ∈ {{{', '.join(map(str, INDUCTION_HORIZONS))}}} directly. ∇v is the forward derivative of "
            "the Bellman solve, ∇U the reference gradient.")
def proof_induction_reading(m: Model) -> Chain:
    step = identity(m.grad_v, np.einsum("sa,sak->sk", m.q, m.dpi) + m.lam * (m.P_pi @ m.grad_v),
                    label="induction step: ∇v = Σ_a q ∇π + λP_π∇v, so the identity at T gives it at T + 1")
    steps = []
    for T in INDUCTION_HORIZONS if m.arithmetic.name != "symbolic" else (0,):
        visits, marginal = _induction_terms(m, T)
        rhs = np.einsum("s,sa,sak->k", visits, m.q, m.dpi) + m.lam ** T * (marginal @ m.grad_v)
        steps.append(identity(m.grad_U, rhs, label="T=0 (initialisation)" if T == 0 else f"T={T}"))
    return conjunction(steps[0], step, *steps[1:])


@claim("pgt.proof.value-gradient", section=SECTION, families=FAMILIES,
       statement=POST_TEXT,
       note="Each of the six displayed lines is evaluated as a function of s (shape (S, K)); q is the action "
            "value with the discount inside, q = r + λ Σ P v, which is what line 2 substitutes (the post's own "
            "definition omits λ, see setting.action-value-function). The conditional laws of lines 5 and 6 are "
            "those of the time-homogeneous chain: P(s_{T+2}=s', a_{T+1}=a | s_{T+1}=s) = π(a|s) P(s'|s, a), "
            "whatever T. Proved symbolically on the 2 × 2 families (python-flint rational functions, under 1 s; "
            "17 s in SymPy's field before).")
def proof_value_gradient(m: Model) -> Chain:
    q_term = np.einsum("sa,sak->sk", m.q, m.dpi)  # Σ_a q(s, a) ∇π(a|s)
    line1 = np.einsum("sa,sak->sk", m.pi, m.grad_q) + q_term
    grad_bellman = m.lam * np.einsum("sat,tk->sak", m.P, m.grad_v)  # ∇(r + λΣP v): r and P do not depend on θ
    line2 = np.einsum("sa,sak->sk", m.pi, grad_bellman) + q_term
    line3 = m.lam * np.einsum("sa,sak->sk", m.pi, np.einsum("sat,tk->sak", m.P, m.grad_v)) + q_term
    line4 = m.lam * np.einsum("st,tk->sk", np.einsum("sat,sa->st", m.P, m.pi), m.grad_v) + q_term
    joint = np.einsum("sa,sat->sat", m.pi, m.P)  # P(s_{T+2}=s', a_{T+1}=a | s_{T+1}=s)
    line5 = m.lam * np.einsum("st,tk->sk", joint.sum(axis=1), m.grad_v) + q_term
    line6 = m.lam * (m.P_pi @ m.grad_v) + q_term
    return chain(m.grad_v, line1, line2, line3, line4, line5, line6,
                 labels=("∇v(s) = line 1 (product rule on v = Σ_a π q)", "line 1 = line 2 (q = r + λΣPv)",
                         "line 2 = line 3 (∇ through r + λΣPv)", "line 3 = line 4 (exchange Σ_a, Σ_s')",
                         "line 4 = line 5 (P_s^a(s')π(a|s) as a conditional law)",
                         "line 5 = line 6 (marginalise a_{T+1})"))


@claim("pgt.expectation-form", section=SECTION, families=FAMILIES,
       statement=POST_TEXT,
       note="The constant is c = (1 − λ)⁻¹: ∇U = c · E_{s∼d} E_{a∼π}[q ∇log π], and c > 0 since λ ∈ [0, 1); "
            "c is independent of s, a and θ. Positivity is an inequality step: checked exactly and in float64, "
            "not proved symbolically.")
def expectation_form(m: Model) -> Chain:
    expectation = np.einsum("s,sa,sa,sak->k", m.d, m.pi, m.q, m.score)
    c = 1 / (1 - m.lam)
    return conjunction(identity(m.grad_U, c * expectation, label="∇U = c·E[q ∇log π] with c = (1 − λ)⁻¹"),
                       identity(c, c * 0, relation=">", label="c = (1 − λ)⁻¹ > 0"))


# ----------------------------------------------------------- re-derivations
def _trajectory_sums(m: Model, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact expectations over every trajectory τ = (s₁, a₁, …, a_{T−1}, s_T) of 𝒯_θ, s₁ ∼ μ, T = ``horizon``.

    Returns (E[R_τ Σ_{t<T} ∇log π(a_t|s_t)], E[Σ_{t<T} λ^{t−1} q(s_t, a_t) ∇log π(a_t|s_t)]), each ``(K,)``,
    with R_τ = Σ_{t<T} λ^{t−1} r(s_t, a_t), by the shared enumerator of :mod:`numeric.episodic`.
    """
    tr = enumerate_trajectories(m.P, m.mu0, horizon)
    prob = trajectory_probabilities(m, tr)
    s, a = tr.states[:, :-1], tr.actions
    disc = np.array([m.lam ** t for t in range(horizon - 1)], dtype=object)
    if m.arithmetic.name == "float64":
        disc = disc.astype(np.float64)
    score = m.score[s, a]  # (n, T − 1, K)
    returns = (disc * m.r[s, a]).sum(axis=1)  # R_τ, (n,)
    vpg = expect(prob, returns[:, None] * score.sum(axis=1))
    q_weighted = expect(prob, (disc[None, :, None] * m.q[s, a][:, :, None] * score).sum(axis=1))
    return vpg, q_weighted


@claim("pgt.vpg-consistency", section=SECTION, families=EPISODIC,
       statement=r"\text{the VPG can be re-derived from the PG theorem: }\mathbb{E}_{\tau\sim\mathcal{T}_\theta}"
                 r"\left[R_\tau\sum_{t=1}^{T-1}\nabla_\theta\log\pi_\theta(a_t\vert s_t)\right] = (1-\lambda)^{-1}"
                 r"\sum_s d_\lambda^{\pi_\theta}(s)\sum_a q_\lambda^{\pi_\theta}(s,a)\nabla_\theta\pi_\theta(a\vert s)",
       note="On episodic (layered) MDPs whose absorbing zero-reward state is reached within T = S rounds, the "
            "VPG expectation, computed by enumerating every trajectory, equals the q-weighted form "
            "E[Σ_t λ^{t−1} q(s_t, a_t) ∇log π(a_t|s_t)] (the tower rule the post invokes), which equals the "
            "theorem's right-hand side.")
def vpg_consistency(m: Model) -> Chain:
    vpg, q_weighted = _trajectory_sums(m, m.extras["horizon"])
    return chain(vpg, q_weighted, theorem_rhs(m),
                 labels=("VPG expectation = E[Σ_t λ^{t−1} q ∇log π] (tower rule)",
                         "E[Σ_t λ^{t−1} q ∇log π] = theorem's right-hand side"))


@claim("pgt.average-reward", section=SECTION, families=ERGODIC,
       statement=r"\nabla_\theta\rho(\theta) = \sum_s d^{\pi_\theta}(s)\sum_a \tilde q^{\pi_\theta}(s,a)"
                 r"\nabla_\theta\pi_\theta(a\vert s)",
       note="On ergodic MDPs (all transition probabilities positive): d the stationary distribution "
            "(dᵀP_π = dᵀ, Σd = 1), ρ = Σ d r_π, q̃ = r − ρ + P h with h the differential values (dᵀh = 0). "
            "The reference ∇ρ differentiates ρ = dᵀr_π through the stationary linear system "
            "(numeric.average). The discount of the MDP plays no role. Proved symbolically on the 2 × 2 ergodic families "
            "(python-flint rational functions, about 0.2 s each; 26 s in SymPy's field before).")
def average_reward(m: Model) -> Chain:
    avg = average_reward_of(m)
    return conjunction(
        identity(avg.d @ m.P_pi, avg.d, label="d is stationary: dᵀP_π = dᵀ"),
        identity(avg.grad_rho, np.einsum("s,sa,sak->k", avg.d, avg.q_tilde, m.dpi), label="∇ρ = Σ d Σ_a q̃ ∇π"))


def _normal_equations_solution(m: Model, G: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One solution w of G w = b (G symmetric positive semi-definite, the system consistent).

    float64: the minimum-norm least-squares solution.  Exact fields: Gauss–Jordan elimination with the free
    variables set to 0 (the solution set is w₀ + ker G, and the claim's right-hand side, G w/(1 − λ), is the
    same for all of them).  The degree-bound arithmetic cannot follow rank-dependent pivoting, so it has no
    bound to give.
    """
    if m.arithmetic.name == "float64":
        return np.linalg.lstsq(G, b, rcond=None)[0]
    if m.arithmetic.name == "degree":
        raise NotImplementedError("a rank-dependent exact solve has no degree bound")
    K = G.shape[0]
    rows = [list(G[i]) + [b[i]] for i in range(K)]
    pivots: list[int] = []
    r = 0
    for c in range(K):
        p = next((i for i in range(r, K) if rows[i][c] != 0), None)
        if p is None:
            continue
        rows[r], rows[p] = rows[p], rows[r]
        inv = 1 / rows[r][c]
        rows[r] = [x * inv for x in rows[r]]
        for i in range(K):
            if i != r and rows[i][c] != 0:
                f = rows[i][c]
                rows[i] = [x - f * y for x, y in zip(rows[i], rows[r])]
        pivots.append(c)
        r += 1
    w = np.array([b[0] * 0] * K, dtype=object)
    for i, c in enumerate(pivots):
        w[c] = rows[i][K]
    return w


@claim("pgt.compatible-approximation", section=SECTION, families=FAMILIES,
       statement=r"\nabla_w f_w(s,a) = \nabla_\theta\log\pi_\theta(a\vert s),\ w\in\arg\min_w\sum_s d(s)\sum_a"
                 r"\pi_\theta(a\vert s)\left(q(s,a)-f_w(s,a)\right)^2 \Rightarrow \nabla_\theta U = (1-\lambda)^{-1}"
                 r"\sum_s d(s)\sum_a\nabla_\theta\pi_\theta(a\vert s)f_w(s,a)",
       note="f_w(s, a) = w·∇log π(a|s); w solves the normal equations G w = b, G = Σ d π ∇log π ∇log πᵀ, "
            "b = Σ d π q ∇log π, exactly. G is singular (tabular softmax: Σ_a π ∇log π = 0 at each state), so "
            "the minimiser is not unique; the right-hand side equals G w/(1 − λ) and so is the same for every "
            "minimiser — checking one (free variables 0; minimum norm in float64) decides all. No "
            "Schwartz–Zippel bound: the exact solve depends on the rank. Symbolically the solve runs in "
            "ℚ(symbols), where the pivots are the generic ones: the proof covers every parameter value at which "
            "that elimination's pivots are non-zero, and the exact and float64 checks cover the others drawn.")
def compatible_approximation(m: Model) -> Chain:
    weights = m.d[:, None] * m.pi  # d(s) π(a|s)
    G = np.einsum("sa,sak,saj->kj", weights, m.score, m.score)
    b = np.einsum("sa,sa,sak->k", weights, m.q, m.score)
    w = _normal_equations_solution(m, G, b)
    f = np.einsum("sak,k->sa", m.score, w)
    return conjunction(
        identity(G @ w, b, label="w solves the normal equations (a minimiser of the d·π-weighted error)"),
        identity(m.grad_U, np.einsum("s,sak,sa->k", m.d, m.dpi, f) / (1 - m.lam),
                 label="∇U = (1 − λ)⁻¹ Σ d Σ_a ∇π f_w"))


@claim("pgt.gae", section=SECTION, families=FAMILIES,
       statement=r"\mathbb{E}\left[\sum_{l\ge0}(\lambda\kappa)^l\delta_{t+l}\,\middle\vert\,s_t,a_t\right] = "
                 r"q(s_t,a_t)-v(s_t),\ \delta_t = r_t+\lambda v(s_{t+1})-v(s_t),\ \kappa\in[0,1]",
       note="By the Markov property the conditional expectation x(s, a) of the infinite sum satisfies "
            "x = E[δ_t | s_t = s, a_t = a] + λκ Σ_{s'} P(s'|s, a) Σ_{a'} π(a'|s') x(s', a'), with "
            "E[δ_t | s, a] = Σ_{s'} P(s'|s, a) δ(s, a, s') from δ's definition; for λκ < 1 this linear system "
            "has exactly one solution (the sum converges absolutely), so x = q − v holds iff q − v solves it, "
            f"which is what is checked, for κ ∈ {{{', '.join(map(str, GAE_KAPPAS))}}}.")
def gae(m: Model) -> Chain:
    delta = m.r[:, :, None] + m.lam * m.v[None, None, :] - m.v[:, None, None]  # δ for (s_t, a_t, s_{t+1})
    one_step = np.einsum("sat,sat->sa", m.P, delta)  # E[δ_t | s_t = s, a_t = a]
    advantage = m.q - m.v[:, None]
    next_advantage = np.einsum("sat,tb,tb->sa", m.P, m.pi, advantage)  # E[q(s', a') − v(s') | s, a]
    return conjunction(*(identity(advantage, one_step + m.lam * kappa * next_advantage,
                                  label=f"κ={kappa}: q − v solves the GAE recursion") for kappa in GAE_KAPPAS))


def theorem_latex(num_states: int = 2, num_actions: int = 2) -> str:
    """LaTeX ``align*``: for each θ_{sa} of the S × A tabular softmax, the closed-form ∂U/∂θ_{sa} (by
    differentiating U) beside the closed form of the theorem's right-hand side, and whether they agree.

    Notation as :func:`symbolic.latex.family_latex`: ``P_{s a s'}``, ``r_{s a}``, λ, s⁰ = 0, π_θ(a|s).

    >>> print(theorem_latex(1, 1))
    \\begin{align*}
    \\frac{\\partial U}{\\partial \\theta_{00}} &= 0 \\\\
    (1-\\lambda)^{-1}\\sum_s d(s)\\sum_a q(s,a)\\frac{\\partial \\pi_\\theta(a|s)}{\\partial \\theta_{00}} &= 0 && \\text{(identical)}
    \\end{align*}
    """
    import sympy

    from symbolic.family import tabular_softmax_family

    fam = tabular_softmax_family(num_states, num_actions)
    m = fam.model()
    rhs = theorem_rhs(m)
    lines = []
    for k, theta in enumerate(fam.theta_symbols):
        t = sympy.latex(theta)
        same = r"\text{(identical)}" if m.grad_U[k] == rhs[k] else r"\text{(DIFFERENT)}"
        lines.append(rf"\frac{{\partial U}}{{\partial {t}}} &= {fam.latex(m.grad_U[k])}")
        lines.append(rf"(1-\lambda)^{{-1}}\sum_s d(s)\sum_a q(s,a)\frac{{\partial \pi_\theta(a|s)}}{{\partial {t}}} "
                     rf"&= {fam.latex(rhs[k])} && {same}")
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


def theorem_polynomial_check(num_states: int = 3, num_actions: int = 3, *, symmetry: bool = True) -> "Check":
    """The universal proof of ``pgt.theorem`` on the S × A tabular softmax by polynomial identities, as a
    checker :class:`~pgverify.checker.Check` (3 × 3 by default, 4 × 2 and 4 × 3 opt-in; :mod:`symbolic.pgt_proof`).
    With ``symmetry`` one sub-identity per orbit of the state and action permutations is expanded (the prover
    checks the reduction applies and expands every sub-identity when it does not); ``details`` lists the
    representatives (initial state, reward position, partial) with their orbit sizes, which sum to the total.

    >>> check = theorem_polynomial_check(2, 1)
    >>> check.method, check.passed, check.details["sub-identities"], check.details["expanded"]
    ('symbolic', True, 8, 4)
    >>> check.details["representatives"][0]
    {'s0': 0, 'reward': (0, 0), 'partial': (0, 0), 'orbit': 2}
    """
    from pgverify.verdicts import Check
    from symbolic.pgt_proof import prove_theorem_tabular

    S, A = num_states, num_actions
    proof = prove_theorem_tabular(S, A, symmetry=symmetry)
    failing = next((k for k, ok in enumerate(proof.partials) if not ok), None)
    return Check("symbolic", f"tabular-softmax S={S} A={A}, any μ (polynomial identities; {proof.note})", proof.holds,
                 proof.seconds,
                 {"partials": S * A, "sub-identities": S * (S * A) ** 2, "expanded": len(proof.expanded)}
                 | ({"representatives": [{"s0": s0, "reward": divmod(k, A), "partial": divmod(p, A), "orbit": size}
                                         for (s0, k, p), size, _ in proof.expanded]} if proof.by_symmetry else {}),
                 None if failing is None else f"∂/∂θ_{failing // A}{failing % A}")
