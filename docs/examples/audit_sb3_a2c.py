"""Audit Stable-Baselines3's A2C: its RolloutBuffer (GAE) and its policy loss, on exactly enumerated batches.

For each batch the real ``stable_baselines3.common.buffers.RolloutBuffer`` is
filled the way ``OnPolicyAlgorithm.collect_rollouts`` fills it (episode_start =
the previous step's done), ``compute_returns_and_advantage(last_values, dones)``
computes the advantages, ``get()`` flattens them, and the loss is A2C.train's
policy loss ``-(advantages * log_prob).mean()`` (normalize_advantage=False, the
default; the value and entropy losses do not depend on the policy's logits or
vanish at ent_coef = 0).  log π comes from the tabular softmax logits θ[s].
The critic is zero or the exact v_θ.  Run:  python docs/examples/audit_sb3_a2c.py
"""

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.buffers import RolloutBuffer

from audit_common import MDP, audit
from pgverify.audit import Rollout, torch_estimator


def a2c_policy_loss(gae_lambda, critic):
    def loss(theta, batch):
        S, A = theta.shape
        buffer = RolloutBuffer(batch.n_steps, spaces.Discrete(S), spaces.Discrete(A), device="cpu",
                               gae_lambda=gae_lambda, gamma=batch.gamma, n_envs=batch.n_envs)
        values = batch.values if critic == "exact" else torch.zeros_like(batch.values)
        last_values = batch.last_values if critic == "exact" else torch.zeros_like(batch.last_values)
        for t in range(batch.n_steps):
            buffer.add(batch.states[t].numpy(), batch.actions[t].numpy(), batch.rewards[t].numpy(),
                       batch.episode_starts[t].numpy(), values[t], torch.zeros(batch.n_envs))
        buffer.compute_returns_and_advantage(last_values=last_values, dones=batch.last_dones.numpy())
        data = next(buffer.get(batch_size=None))
        obs, actions = data.observations.long().reshape(-1), data.actions.long().reshape(-1)
        log_prob = torch.log_softmax(theta[obs], dim=-1).gather(-1, actions[:, None])[:, 0]
        return -(data.advantages * log_prob).mean()          # A2C.train's policy_loss

    loss.__name__ = f"a2c_gae{gae_lambda}_{critic}_critic"
    return loss


if __name__ == "__main__":
    import stable_baselines3

    print(f"stable-baselines3 {stable_baselines3.__version__}, torch {torch.__version__}")
    settings = [("one episode per window (n = 2, padded after the end)", Rollout(), 3),
                ("steady-state windows (n = 3, resets inside, a window of a long run)",
                 Rollout(n_steps=3, start="stationary", after_done="reset"), 2)]
    for title, rollout, max_actions in settings:
        print(f"\n## {title}")
        for gae_lambda in (1.0, 0.95):
            for critic in ("zero", "exact"):
                audit(f"A2C, gae_lambda={gae_lambda}, {critic} critic",
                      torch_estimator(a2c_policy_loss(gae_lambda, critic)), rollout, lambdas=(gae_lambda,),
                      max_actions=max_actions)
