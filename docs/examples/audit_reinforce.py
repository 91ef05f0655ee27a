"""Audit a textbook PyTorch REINFORCE, on exactly enumerated episodes.

The estimator of most tutorials: run one episode, compute the returns-to-go
G_t = r_t + γ G_{t+1} backwards, and minimise Σ_t −log π(a_t|s_t)·G_t (often with
the returns standardised, (G − mean G)/(std G + ε), "to reduce variance").
Variants: the γ^t weight of the policy gradient theorem kept or dropped,
standardisation on or off.  Steps after the episode's end (``batch.mask``
False) are not part of the episode and are left out, as a tutorial's loop over
one episode leaves them out.  Run:  python docs/examples/audit_reinforce.py
"""

import torch

from audit_common import audit
from pgverify.audit import Rollout, torch_estimator


def reinforce(discount_weight, standardise):
    def loss(theta, batch):
        keep = batch.mask[:, 0]                                    # the episode's own steps
        rewards, states, actions = batch.rewards[keep, 0], batch.states[keep, 0], batch.actions[keep, 0]
        returns, G = [], 0.0
        for r in reversed(rewards.tolist()):
            G = r + batch.gamma * G
            returns.insert(0, G)
        returns = torch.tensor(returns, dtype=theta.dtype)
        if standardise:
            returns = (returns - returns.mean()) / (returns.std(unbiased=False) + 1e-8)
        log_prob = torch.log_softmax(theta[states], dim=-1).gather(-1, actions[:, None])[:, 0]
        weight = batch.gamma ** torch.arange(len(returns), dtype=theta.dtype) if discount_weight else 1.0
        return -(weight * returns * log_prob).sum()

    loss.__name__ = f"reinforce_{'gamma_t' if discount_weight else 'no_gamma_t'}" + ("_std" if standardise else "")
    return loss


if __name__ == "__main__":
    print(f"torch {torch.__version__}")
    print("\n## one episode per batch (n = 2, the steps after its end masked out)")
    for discount_weight in (False, True):
        for standardise in (False, True):
            name = (f"REINFORCE, γ^t weight {'kept' if discount_weight else 'dropped'}, returns "
                    f"{'standardised' if standardise else 'as they are'}")
            audit(name, torch_estimator(reinforce(discount_weight, standardise)), Rollout())
