"""Audit Stable-Baselines3's A2C: its RolloutBuffer (GAE) and its own A2C.train(), on exactly enumerated batches.

For each batch the real ``stable_baselines3.common.buffers.RolloutBuffer`` is
filled the way ``OnPolicyAlgorithm.collect_rollouts`` fills it (episode_start =
the previous step's done), ``compute_returns_and_advantage(last_values, dones)``
computes the advantages, and the real ``A2C.train()`` takes one gradient step
on it.  The A2C policy is made tabular: no hidden layers (``net_arch`` empty),
so on SB3's one-hot observations the action logits are W[:, s] + b, with W = θᵀ
and b = 0.  Its optimizer is SGD with learning rate 1, gradient clipping off
(max_grad_norm = ∞) and ent_coef = 0 (A2C's default), so the step W_after − W_before
is exactly −∇θ of A2C's policy loss −mean(advantages·log π) (the value loss
moves only the separate value head).  The critic fed to the buffer is zero or
the exact v_θ.  Run:  python docs/examples/audit_sb3_a2c.py
"""

import gymnasium as gym
import torch
from stable_baselines3 import A2C
from stable_baselines3.common.buffers import RolloutBuffer
from stable_baselines3.common.logger import configure

from audit_common import audit
from pgverify.audit import Rollout, torch_estimator


class SpacesOnly(gym.Env):
    """A2C needs an environment for its spaces; train() reads the batch from the rollout buffer only."""

    def __init__(self, S, A):
        self.observation_space, self.action_space = gym.spaces.Discrete(S), gym.spaces.Discrete(A)


MODELS = {}


def tabular_a2c(S, A, n_steps):
    if (S, A, n_steps) not in MODELS:
        model = A2C("MlpPolicy", SpacesOnly(S, A), n_steps=n_steps, learning_rate=1.0, ent_coef=0.0,
                    max_grad_norm=float("inf"), use_rms_prop=False, device="cpu",
                    policy_kwargs=dict(net_arch=dict(pi=[], vf=[]), optimizer_class=torch.optim.SGD,
                                       optimizer_kwargs={}))
        model.set_logger(configure(None, []))
        MODELS[S, A, n_steps] = model
    return MODELS[S, A, n_steps]


def a2c_step(gae_lambda, critic):
    def step(theta, batch):
        S, A = theta.shape
        model = tabular_a2c(S, A, batch.n_steps)
        logits = model.policy.action_net
        with torch.no_grad():
            logits.weight.copy_(theta.detach().T)
            logits.bias.zero_()
        before = logits.weight.detach().clone()
        buffer = RolloutBuffer(batch.n_steps, model.observation_space, model.action_space, device="cpu",
                               gae_lambda=gae_lambda, gamma=batch.gamma, n_envs=batch.n_envs)
        values = batch.values if critic == "exact" else torch.zeros_like(batch.values)
        last_values = batch.last_values if critic == "exact" else torch.zeros_like(batch.last_values)
        for t in range(batch.n_steps):
            buffer.add(batch.states[t].numpy(), batch.actions[t].numpy(), batch.rewards[t].numpy(),
                       batch.episode_starts[t].numpy(), values[t], torch.zeros(batch.n_envs))
        buffer.compute_returns_and_advantage(last_values=last_values, dones=batch.last_dones.numpy())
        model.rollout_buffer = buffer
        model.train()                                          # SB3's own A2C update
        return (logits.weight.detach() - before).T             # = −∇θ policy_loss (SGD, learning rate 1)

    step.__name__ = f"a2c_train_gae{gae_lambda}_{critic}_critic"
    return step


if __name__ == "__main__":
    import stable_baselines3

    print(f"stable-baselines3 {stable_baselines3.__version__}, torch {torch.__version__}")
    settings = [("one episode per window (n = 2, padded after the end)", Rollout()),
                ("steady-state windows (n = 3, resets inside, a window of a long run)",
                 Rollout(n_steps=3, start="stationary", after_done="reset"))]
    for title, rollout in settings:
        print(f"\n## {title}")
        for gae_lambda in (1.0, 0.95):
            for critic in ("zero", "exact"):
                audit(f"A2C, gae_lambda={gae_lambda}, {critic} critic",
                      torch_estimator(a2c_step(gae_lambda, critic), output="gradient"), rollout,
                      lambdas=(gae_lambda,))
