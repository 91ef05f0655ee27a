"""Audit rlax's policy_gradient_loss with its return and advantage helpers, on exactly enumerated batches.

rlax works on one sequence: ``policy_gradient_loss(logits_t, a_t, adv_t, w_t)`` =
mean_t(−w_t·adv_t·log π(a_t|s_t)); the advantages come from
``discounted_returns(r_t, discount_t, v_t)``, ``lambda_returns(r_t, discount_t,
v_t, λ)`` (v_t the values of s_{t+1}) or ``truncated_generalized_advantage_estimation(r_t,
discount_t, λ, values)`` (values of s_0..s_n).  The batch's ``rewards`` are
rlax's r_t, its ``discounts`` (γ·(1 − done)) rlax's discount_t; environments
are mapped with ``jax.vmap`` and averaged.  The weight is w_t = 1 or w_t = γ^t,
the value function zero or the exact v_θ (then the advantage of the λ-returns
is G_t^λ − v(s_t)).  Run:  python docs/examples/audit_rlax.py
"""

import jax
import jax.numpy as jnp
import rlax

from audit_common import audit
from pgverify.audit import Rollout, jax_estimator

LAMBDA = 0.95


def advantages(kind, batch, critic):
    zero = critic == "zero"
    values = jnp.zeros_like(batch.values) if zero else batch.values                # v(s_0..s_{n-1}), (n, E)
    last = jnp.zeros_like(batch.last_values) if zero else batch.last_values        # v(s_n), (E,)
    following = jnp.concatenate([values[1:], last[None]], axis=0)                  # v(s_1..s_n)
    over_envs = lambda f, *args: jax.vmap(f, in_axes=1, out_axes=1)(*args)         # noqa: E731
    if kind == "discounted_returns":
        return over_envs(rlax.discounted_returns, batch.rewards, batch.discounts, following) - values
    if kind == "lambda_returns":
        return over_envs(lambda r, d, v: rlax.lambda_returns(r, d, v, LAMBDA), batch.rewards, batch.discounts,
                         following) - values
    everything = jnp.concatenate([values, last[None]], axis=0)                     # v(s_0..s_n)
    return over_envs(lambda r, d, v: rlax.truncated_generalized_advantage_estimation(r, d, LAMBDA, v),
                     batch.rewards, batch.discounts, everything)


def rlax_loss(kind, weight, critic):
    def loss(theta, batch):
        adv = advantages(kind, batch, critic)
        w = (batch.gamma ** (batch.timesteps - batch.t0)).astype(adv.dtype) if weight == "gamma^t" \
            else jnp.ones_like(adv)
        per_env = jax.vmap(rlax.policy_gradient_loss, in_axes=1)(batch.logits(theta), batch.actions, adv, w)
        return per_env.mean()

    loss.__name__ = f"rlax_{kind}_w_{weight}_{critic}_value"
    return loss


if __name__ == "__main__":
    import importlib.metadata as md

    print(f"rlax {md.version('rlax')}, jax {jax.__version__}")
    print("\n## one episode per window (n = 2, padded after the end)")
    for kind in ("discounted_returns", "lambda_returns", "truncated_generalized_advantage_estimation"):
        for critic in ("zero", "exact"):
            if kind == "discounted_returns" and critic == "exact":
                continue        # the value cancels in expectation as it does for λ-returns: shown once below
            for weight in ("1", "gamma^t"):
                lam = () if kind == "discounted_returns" else (LAMBDA,)
                audit(f"{kind}, w_t = {weight}, {critic} value function",
                      jax_estimator(rlax_loss(kind, weight, critic)), Rollout(), lambdas=lam)
