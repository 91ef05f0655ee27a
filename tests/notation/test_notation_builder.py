"""The Python builder writes the post's lines as they read, and gives the reader's AST."""

from __future__ import annotations

from pgverify.notation import (A, E, G, Pr, R, S, Sum, T, Traj, Traj_fn, U, a, a_at, ap, b, blank, check_chain, d, eq,
                               evalat, grad, lam, log, parse, pi, pi_fn, q, s, s0, s_at, sp, t, tau, theta, v)
from pgverify.notation import chain as chain_of


def score(time):
    return grad(theta, log(pi(a_at(time), given=s_at(time))))


def test_vanilla_policy_gradient():
    built = chain_of(grad(theta, U()), E(tau, Traj_fn())[R(tau) * Sum(t, score(t), lower=1, upper=T - 1)])
    assert built == parse(r"\nabla_\theta U(\theta) = \mathbb{E}_{\tau\sim \mathcal{T}_\theta}\left[R_\tau"
                          r"\sum_{t=1}^{T-1} \nabla_\theta\log\pi_\theta(a_t \vert s_t )\right]")


def test_score_has_mean_zero_chain():
    built = chain_of(
        E(ap, pi(blank, given=sp))[grad(theta, log(pi(ap, given=sp)))],
        Sum(ap, pi(ap, given=sp) * grad(theta, log(pi(ap, given=sp))), over=A),
        Sum(ap, grad(theta, pi(ap, given=sp)), over=A),
        grad(theta, Sum(ap, pi(ap, given=sp), over=A)),
        grad(theta, 1), 0)
    text = (r"\mathbb{E}_{a'\sim\pi_{\theta}(\cdot\vert s')}\left[\nabla_\theta\log\pi_\theta(a'\vert s')\right] = "
            r"\sum_{a'\in\mathcal{A}} \pi_\theta(a'\vert s') \nabla_\theta\log\pi_\theta(a'\vert s') = "
            r"\sum_{a'\in\mathcal{A}} \nabla_\theta\pi_\theta(a'\vert s') = "
            r"\nabla_\theta\sum_{a'\in\mathcal{A}} \pi_\theta(a'\vert s') = \nabla_\theta 1 = 0")
    assert built == parse(text)
    assert check_chain(built) == ()


def test_induction_hypothesis_as_displayed_keeps_its_free_action():
    visits = Sum(t, lam ** (t - 1) * Pr(eq(s_at(t), s), start=s0, policy=pi_fn()),
                 lower=1, upper=T)
    rhs = Sum(s, visits * q(s, a) * grad(theta, pi(a, given=s)), over=S) \
        + lam ** T * Sum(s, Pr(eq(s_at(T + 1), s), start=s0, policy=pi_fn())
                         * grad(theta, v(s)), over=S)
    built = chain_of(grad(theta, U()), rhs)
    (issue,) = check_chain(built)
    assert str(issue).startswith("ill-formed: free index a on the right side of '=' but not on the other")
    assert issue.pos is None  # built in Python: no source position


def test_baseline_and_deterministic_gradient():
    baseline = E(tau, Traj_fn())[Sum(t, lam ** (t - 1) * (G(tau, t) - b(s_at(t))) * score(t), lower=1, upper=T - 1)]
    assert chain_of(grad(theta, U()), baseline) == parse(
        r"\nabla_\theta U(\theta) = \mathbb{E}_{\tau\sim \mathcal{T}_\theta}\left[\sum_{t=1}^{T-1} \lambda^{t-1}"
        r"\left(G_{\tau}^t-b(s_t)\right)\nabla_\theta\log\pi_\theta(a_t \vert s_t )\right]")
    dpg = grad(theta, pi(s0)) @ evalat(grad(a, q(s0, a)), a, pi(s0))
    assert chain_of(grad(theta, v(s0)), dpg) == parse(
        r"\nabla_\theta v_\lambda^{\pi_\theta}(s^0) = \nabla_\theta\pi_\theta(s^0)\cdot \nabla_a "
        r"\left. q_\lambda^{\pi_\theta}(s^0, a)\right\vert_{a=\pi_\theta(s^0)}")
    assert d(s) == parse(r"d_\lambda^{\pi_\theta}(s) = 0").rows[0].lhs
    assert Traj() == parse(r"\mathcal{T}_\theta(\tau) = 0").rows[0].lhs
