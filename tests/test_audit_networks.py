"""Policies as torch modules: ∇U w.r.t. the network's weights against finite differences of U, and the verdicts.

The reference U(θ) = μᵀ(I − γP_π)⁻¹ r_π is solved here with NumPy from π = softmax(f_θ(x_s)) at θ ± h e_k; it uses
neither the Jacobian the audit takes from autograd nor any policy-gradient identity.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from pgverify.audit import AuditError, Rollout, audit_setting, evaluate, judge, setting

pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                reason="needs the audit extra (pip install 'pgverify[audit]')")

ST0 = audit_setting(states=2, actions=3, horizon=2, seed=1)


def _net(hidden: int):
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 3))


def _setting(net):
    from pgverify.audit.networks import NetworkPolicy

    pol = NetworkPolicy(net, 3)
    return pol, setting(ST0.emdp, pol, Rollout(n_steps=2, gamma=ST0.gamma))


def _U(pol, theta):
    import torch

    import copy

    net = copy.deepcopy(pol.module)   # θ loaded by torch's own vector_to_parameters, not the audit's split
    torch.nn.utils.vector_to_parameters(torch.from_numpy(theta), net.parameters())
    with torch.no_grad():
        pi = torch.softmax(net(torch.eye(3, dtype=torch.float64)), dim=-1).numpy()
    mdp = ST0.emdp.mdp
    P = np.asarray(mdp.P, dtype=float)
    r = np.asarray(mdp.r, dtype=float)
    g = float(ST0.gamma)
    P_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = (pi * r).sum(axis=1)
    v = np.linalg.solve(np.eye(len(r_pi)) - g * P_pi, r_pi)
    return float(np.asarray(mdp.mu0, dtype=float) @ v)


def test_grad_U_is_the_derivative_of_U_in_the_weights():
    pol, st = _setting(_net(4))
    h = 1e-6
    fd = np.array([(_U(pol, pol.theta + h * e) - _U(pol, pol.theta - h * e)) / (2 * h) for e in np.eye(pol.theta.size)])
    # central differences: truncation O(h²) ≈ 1e-12, round-off ≈ 1e-16/h = 1e-10
    np.testing.assert_allclose(np.asarray(st.grad_U, dtype=float), fd, rtol=0, atol=1e-8)


def _returns(rewards, gamma):
    R, G = 0.0, []
    for r in reversed(rewards):
        R = r + gamma * R
        G.insert(0, R)
    return G


def discounted(log_probs, rewards, gamma):
    return -sum(gamma ** t * lp * g for t, (lp, g) in enumerate(zip(log_probs, _returns(rewards, gamma))))


def undiscounted(log_probs, rewards, gamma):
    return -sum(lp * g for lp, g in zip(log_probs, _returns(rewards, gamma)))


@pytest.mark.parametrize("fn, status", [(discounted, "unbiased"),
                                        pytest.param(undiscounted, "biased", marks=pytest.mark.slow)])
def test_network_verdicts(fn, status):
    from pgverify.audit.networks import network_estimator

    pol, st = _setting(_net(3))
    ev = evaluate(network_estimator(pol, fn), st)
    e = ev.expectation()
    v = judge(e.value, st, dtype=e.dtype, magnitude=e.magnitude, moments=ev.moments())
    assert v.status == status
    if status == "biased":
        assert "omits the γ^t weighting" in v.sentence


def test_bad_networks():
    import torch

    from pgverify.audit.networks import NetworkPolicy

    with pytest.raises(AuditError, match="torch.nn.Module"):
        NetworkPolicy(lambda x: x, 3)
    with pytest.raises(AuditError, match=r"inputs must have shape"):
        NetworkPolicy(torch.nn.Linear(3, 3), 3, inputs=np.eye(2))


def _jax_mlp():
    import jax

    jax.config.update("jax_enable_x64", True)
    k1, k2 = jax.random.split(jax.random.PRNGKey(0))
    params = {"w1": jax.random.normal(k1, (3, 4)) * 0.7, "b1": np.zeros(4), "w2": jax.random.normal(k2, (4, 3)) * 0.7}

    def apply(p, x):   # the calling convention of flax's module.apply and haiku's apply
        return jax.numpy.tanh(x @ p["w1"] + p["b1"]) @ p["w2"]

    return apply, params


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="needs the audit extra (jax)")
def test_jax_network_gradient_and_verdicts():
    import jax

    from pgverify.audit.networks import JaxNetworkPolicy, jax_network_estimator

    apply, params = _jax_mlp()
    pol = JaxNetworkPolicy(apply, params, 3)
    st = setting(ST0.emdp, pol, Rollout(n_steps=2, gamma=ST0.gamma))

    def U(theta):   # the reference: θ unravelled by JAX itself, π by NumPy, U by a linear solve
        from jax.flatten_util import ravel_pytree

        _, unravel = ravel_pytree(params)
        pi = np.asarray(jax.nn.softmax(apply(unravel(theta), np.eye(3)), axis=-1))
        mdp = ST0.emdp.mdp
        P_pi = np.einsum("sa,sat->st", pi, np.asarray(mdp.P, dtype=float))
        r_pi = (pi * np.asarray(mdp.r, dtype=float)).sum(axis=1)
        return float(np.asarray(mdp.mu0, dtype=float) @ np.linalg.solve(np.eye(3) - float(ST0.gamma) * P_pi, r_pi))

    h = 1e-6
    fd = np.array([(U(pol.theta + h * e) - U(pol.theta - h * e)) / (2 * h) for e in np.eye(pol.theta.size)])
    np.testing.assert_allclose(np.asarray(st.grad_U, dtype=float), fd, rtol=0, atol=1e-8)
    for fn, status in ((discounted, "unbiased"), (undiscounted, "biased")):
        ev = evaluate(jax_network_estimator(pol, fn), st)
        e = ev.expectation()
        assert judge(e.value, st, dtype=e.dtype, magnitude=e.magnitude).status == status
