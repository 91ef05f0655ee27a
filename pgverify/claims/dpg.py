"""Claims of the post's "Deterministic Policy Gradients" section (continuous actions).

Models: :class:`numeric.gaussian.GaussianObjective` for the Gaussian note (``score.*``),
:class:`numeric.continuous.ContinuousModel` for the DPG claims (finite states with a ∈ ℝ, and the scalar
LQR as its exact three-node model).  Families: :mod:`pgverify.families.continuous`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numeric.continuous import ContinuousModel, gaussian_policy_gradient, loglog_slope
from numeric.dual import tangent, variables
from numeric.gaussian import GaussianObjective
from pgverify.registry import POST_TEXT, claim
from pgverify.statement import Chain, chain, conjunction, identity

SECTION = "Deterministic policy gradients"
GAUSSIAN = ("gaussian-polynomial", "gaussian-transcendental")
DPG_FAMILIES = ("lqr", "continuous-rational")
LIMIT_FAMILIES = ("lqr-gaussian", "continuous-rational-gaussian")
DPG_CONSTANT = "(1 − λ)⁻¹ with d normalised (Σ_s d(s) = 1); positive since λ ∈ [0, 1)"


# ------------------------------------------------------------------ the Gaussian note
def _score_estimator(m: GaussianObjective) -> Any:
    """x ↦ f(x) ∇_μ log 𝒩(x|μ,σ²) = f(x)(x − μ)/σ², one sample of the likelihood-ratio estimator."""
    return lambda x: m.fx(x) * (x - m.mu) / m.sigma ** 2


def _variance(m: GaussianObjective) -> Any:
    g = _score_estimator(m)
    return m.expect(lambda x: g(x) ** 2) - m.expect(g) ** 2


@claim("score.gaussian-likelihood-ratio", section=SECTION, families=GAUSSIAN,
       statement=POST_TEXT,
       note="As displayed the expectation multiplies f by the gradient of the density itself, "
            "∇_μ𝒩 = 𝒩 (x − μ)/σ², so the right side is ∫ f 𝒩² (x − μ)/σ² dx (it carries a factor "
            "1/(2σ√π)). ∇_μJ is J differentiated directly. Polynomial f: exact Gaussian moments (SymPy); "
            "sin, exp, step: mpmath quadrature at 20 digits.")
def gaussian_likelihood_ratio(m: GaussianObjective) -> Chain:
    return identity(m.dJ_dmu, m.expect(_score_estimator(m), density_power=1),
                    label="∇_μJ = E[f(x) ∇_μ𝒩(x|μ,σ²)]")


@claim("score.gaussian-likelihood-ratio.corrected", section=SECTION, families=GAUSSIAN,
       corrects="score.gaussian-likelihood-ratio",
       statement=r"\nabla_\mu J(\mu) = \mathbb{E}_{x\sim\mathcal{N}(\mu,\sigma^2)}"
                 r"\left[f(x)\nabla_\mu\log\mathcal{N}(x\vert\mu,\sigma^2)\right]",
       note="The likelihood-ratio trick with the logarithm: ∇_μ log 𝒩 = (x − μ)/σ².")
def gaussian_likelihood_ratio_corrected(m: GaussianObjective) -> Chain:
    return identity(m.dJ_dmu, m.expect(_score_estimator(m)), label="∇_μJ = E[f(x) ∇_μ log 𝒩(x|μ,σ²)]")


@claim("score.gaussian-variance", section=SECTION, families=GAUSSIAN,
       statement=r"\text{the variance of a sample-average estimator of the gradient is }\propto 1/\sigma^2",
       note="Read for the likelihood-ratio estimator of the corrected display, f(x)(x − μ)/σ² (one sample; "
            "an average of n divides by n, which does not change the dependence on σ). ∝ 1/σ² as an exact "
            "statement means σ² Var_σ does not depend on σ: checked as σ² Var_σ = (2σ)² Var_{2σ}. "
            "Details give the leading term of Var_σ as σ → 0.")
def gaussian_variance(m: GaussianObjective) -> Chain:
    wide = m.with_sigma(2 * m.sigma)
    out = identity(m.sigma ** 2 * _variance(m), wide.sigma ** 2 * _variance(wide), label="σ² Var_σ = (2σ)² Var_2σ")
    if m.symbolic:
        return out.with_details(variance_leading_term=m.leading_term(lambda s: _variance(m.with_sigma(s))))
    return out


@claim("score.gaussian-variance.asymptotic", section=SECTION, families=GAUSSIAN, corrects="score.gaussian-variance",
       statement=r"\operatorname{Var}\left[f(x)\tfrac{x-\mu}{\sigma^2}\right] = \frac{f(\mu)^2}{\sigma^2} + O(1)"
                 r"\text{ as }\sigma\to0,\ \text{i.e. }\lim_{\sigma\to0}\sigma^2\operatorname{Var}_\sigma = f(\mu)^2",
       note="The statement about σ → 0: the variance grows like f(μ)²/σ² (when f(μ) ≠ 0; otherwise it stays "
            "bounded). Limits exact (sympy.limit) for polynomial f; Richardson extrapolation in σ² of mpmath "
            "quadrature (20 digits) for sin, exp, step.")
def gaussian_variance_asymptotic(m: GaussianObjective) -> Chain:
    limit, details = m.sigma_limit(lambda s: s ** 2 * _variance(m.with_sigma(s)))
    out = identity(limit, m.canonical(m.fx(m.mu) ** 2), label="lim σ² Var_σ = f(μ)²").with_details(**details)
    if m.symbolic:
        return out.with_details(variance_leading_term=m.leading_term(lambda s: _variance(m.with_sigma(s))))
    return out


# ------------------------------------------------------------------------ DPG
def _dpg(m: ContinuousModel) -> np.ndarray:
    """(1 − λ)⁻¹ Σ_s d(s) ∇θμθ(s) ∇_a q(s, a)|_{a=μθ(s)}, shape (K,)."""
    return np.einsum("s,sk,s->k", m.d, m.jac, m.dq_da) / (1 - m.lam)


@claim("dpg.theorem", section=SECTION, families=DPG_FAMILIES,
       statement=POST_TEXT,
       note="Checked with the constant (1 − λ)⁻¹ (d normalised), against ∇θU obtained by differentiating "
            "U(θ) = μ₀ᵀ(I − λP_μθ)⁻¹r_μθ directly (closed form symbolically, dual numbers otherwise). "
            "On the LQR, d is represented by exact signed quadrature weights on three nodes (every integrand is "
            "quadratic in the state).")
def dpg_theorem(m: ContinuousModel) -> Chain:
    return identity(m.grad_U, _dpg(m), label="∇θU = (1 − λ)⁻¹ E_d[∇θπθ(s) ∇_a q(s, a)|_{a=πθ(s)}]"
                    ).with_details(constant=DPG_CONSTANT)


def _first_step_lines(m: ContinuousModel, *, as_written: bool) -> list[Any]:
    jac0 = m.jac[0]                                     # ∇θπθ(s⁰), shape (K,)
    tail = m.lam * (m.kernel.P(m.mu)[0] @ m.grad_v)     # λ Σ_s 𝓟_{s⁰}^{πθ(s⁰)}(s) ∇θv(s)
    dP0_v = m.kernel.dP(m.mu)[0] @ m.v                  # Σ_s ∇_a𝓟_{s⁰}^a(s)|_{a=πθ(s⁰)} v(s)
    if as_written:   # ∇_a r(s, a), ∇_a q(s, a) at a = πθ(s⁰) with the display's free s: one value per state
        at_a0 = m.mu * 0 + m.mu[0]
        da_r = m.reward.dr(at_a0)
        da_q = da_r + m.lam * (m.kernel.dP(at_a0) @ m.v)
    else:            # s read as s⁰
        da_r, da_q = m.reward.dr(m.mu)[0], m.dq_da[0]
    outer = np.multiply.outer                           # (value per s) × ∇θπθ(s⁰)
    return [
        m.grad_U,
        m.grad_v[0],
        m.grad(lambda mm: mm.q_at(mm.mu)[0]),
        m.grad(lambda mm: mm.reward.r(mm.mu)[0] + mm.lam * (mm.kernel.P(mm.mu)[0] @ mm.v)),
        outer(da_r, jac0) + m.lam * dP0_v * jac0 + tail,
        outer(da_r + m.lam * dP0_v, jac0) + tail,
        outer(da_q, jac0) + tail,
    ]


_FIRST_STEP_LABELS = ("∇θU = ∇θv(s⁰)", "(i) = ∇θq(s⁰, πθ(s⁰))", "= ∇θ(r(s⁰, πθ(s⁰)) + λ Σ_s 𝓟 v(s))",
                      "(ii) chain rule", "= ∇θπθ(s⁰)·∇_a(r + λ Σ_s 𝓟_{s⁰}^a(s) v(s)) + λ Σ_s 𝓟 ∇θv(s)",
                      "= ∇θπθ(s⁰)·∇_a q(s, a)|_{a=πθ(s⁰)} + λ Σ_s 𝓟 ∇θv(s)")


@claim("dpg.proof.first-step", section=SECTION, families=DPG_FAMILIES,
       statement=POST_TEXT,
       note="Each displayed line. From (ii) on the display writes ∇_a r(s, a) and ∇_a q(s, a) with an s bound by "
            "no sum (the Σ_s covers only the λ term): a free index; the evident reading s = s⁰ is checked under "
            "dpg.proof.first-step.reading.")
def first_step(m: ContinuousModel) -> Chain:
    return chain(*_first_step_lines(m, as_written=True), labels=_FIRST_STEP_LABELS)


@claim("dpg.proof.first-step.reading", section=SECTION, families=DPG_FAMILIES, corrects="dpg.proof.first-step",
       statement=r"\text{the same chain with } \nabla_a r(s^0,a),\ \nabla_a q_\lambda^{\pi_\theta}(s^0,a)"
                 r"\text{ in place of the free } s",
       note="Every line with the free s read as s⁰.")
def first_step_reading(m: ContinuousModel) -> Chain:
    return chain(*_first_step_lines(m, as_written=False), labels=_FIRST_STEP_LABELS)


@claim("dpg.stochastic-limit", section=SECTION, families=LIMIT_FAMILIES,
       statement=r"\pi_{\theta,\sigma}(\cdot\vert s)=\mathcal{N}(\pi_\theta(s),\sigma^2):\ "
                 r"\lim_{\sigma\to0}\nabla_\theta U_\sigma(\theta) = (1-\lambda)^{-1}\mathbb{E}_{s\sim d}"
                 r"\left[\nabla_\theta\pi_\theta(s)\cdot\nabla_a q(s,a)\vert_{a=\pi_\theta(s)}\right]",
       note="The stochastic policy gradient (1 − λ)⁻¹ Σ_s d_σ(s) E_a[q_σ(s, a) ∇θ log π_{θ,σ}(a|s)] of the "
            "Gaussian policy, σ → 0, against the DPG. LQR: Gaussian expectations exact (two-point rule, the "
            "integrands are cubic in the noise), the limit exact: universally in ℚ(a, b, W, Q, R, λ, x₀, k, σ) and "
            "in ℚ(σ) at exact points; details give the leading term of ∇U_σ − DPG (order σ²). Rational family: Gauss–Hermite with 40 nodes (float64), limit by "
            "Richardson extrapolation; details give the observed log-log slope of |∇U_σ − DPG| against σ.")
def stochastic_limit(m: ContinuousModel) -> Chain:
    limit, details = m.sigma_limit(lambda s: gaussian_policy_gradient(m, s, rule=m.rule))
    dpg = _dpg(m)
    extra: dict[str, Any] = {"quadrature": m.rule.description}
    if "values" in details:
        errors = [float(np.max(np.abs(np.asarray(v, dtype=float) - np.asarray(dpg, dtype=float))))
                  for v in details.pop("values")]
        extra["errors |∇U_σ − DPG|"] = errors
        if min(errors) > 1e-12:
            extra["observed order (log-log slope)"] = loglog_slope(details["sigmas"], errors)
    return identity(limit, dpg, label="lim_{σ→0} ∇θU_σ = DPG").with_details(**details, **extra)


# ----------------------------------------------------------- policy improvement
def _improvement_parts(m: ContinuousModel) -> tuple[np.ndarray, np.ndarray]:
    """(h′(0)[s], |g_s|²[s]) with g_s = ∇θπθ(s)·∇_a q(s, a)|_{a=πθ(s)}, h_s(α) = q(s, π_{θ+α g_s}(s)).

    q is the action value of the current policy (v held fixed); h′(0) by a dual number in α.
    """
    g = m.jac * m.dq_da[:, None]                           # g_s, shape (S, K)
    alpha = variables([m.lam * 0])[0]
    moved = m.mu + alpha * np.einsum("sk,sk->s", m.jac, g)  # π_{θ+α g_s}(s), linear policy
    h_slope = tangent(m.q_at(moved), 1)[:, 0]
    return h_slope, np.einsum("sk,sk->s", g, g)


@claim("dpg.policy-improvement", section=SECTION, families=DPG_FAMILIES,
       statement=POST_TEXT,
       note="h_s(α) = q(s, π_{θ+δθ(α)}(s)) is smooth with h_s(0) = q(s, πθ(s)); strict improvement for all small α > 0 "
            "holds iff h′_s(0) > 0 or (h′_s(0) = 0 and a higher term is positive). Steps: h′_s(0) = |g_s|² (chain rule), "
            "|g_s|² > 0 at every state (if g_s = 0 then δθ = 0 and q does not change: no strict improvement), and the "
            "d-average of δθ/α over states is (1 − λ)∇θU.")
def policy_improvement(m: ContinuousModel) -> Chain:
    slope, norm2 = _improvement_parts(m)
    return conjunction(
        identity(slope, norm2, label="h′_s(0) = |∇θπθ(s)·∇_a q(s, πθ(s))|²"),
        identity(norm2, norm2 * 0, relation=">", label="|g_s|² > 0 at every state"),
        identity(m.d @ (m.jac * m.dq_da[:, None]) / (1 - m.lam), m.grad_U, label="(1 − λ)⁻¹ Σ_s d(s) δθ_s/α = ∇θU"),
    )


@claim("dpg.policy-improvement.corrected", section=SECTION, families=DPG_FAMILIES, corrects="dpg.policy-improvement",
       statement=r"\text{for small enough }\alpha:\ q^{\pi_{\theta_t}}(s,\pi_{\theta_t+\delta\theta}(s)) \ge "
                 r"q^{\pi_{\theta_t}}(s,\pi_{\theta_t}(s)),\ \text{strictly wherever }\nabla_\theta\pi_\theta(s)\cdot"
                 r"\nabla_a q(s,a)\vert_{a=\pi_\theta(s)}\neq0",
       note="At a state where the action gradient vanishes δθ = 0 and nothing changes. 'Small enough' matters: "
            "with q(s, a) = −a² + const at a = 1 (∇_a q = −2), α = 2 moves a to −3 and q decreases (tests).")
def policy_improvement_corrected(m: ContinuousModel) -> Chain:
    slope, norm2 = _improvement_parts(m)
    return conjunction(
        identity(slope, norm2, label="h′_s(0) = |∇θπθ(s)·∇_a q(s, πθ(s))|²"),
        identity(norm2, norm2 * 0, relation=">=", label="|g_s|² ≥ 0 (δθ = 0 where it is 0)"),
        identity(m.d @ (m.jac * m.dq_da[:, None]) / (1 - m.lam), m.grad_U, label="(1 − λ)⁻¹ Σ_s d(s) δθ_s/α = ∇θU"),
    )
