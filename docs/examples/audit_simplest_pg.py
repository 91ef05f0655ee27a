"""The "simplest policy gradient" of Spinning Up's tutorial, and its reward-to-go version, audited as written.

Spinning Up (spinningup.openai.com, "Intro to Policy Optimization") weights every log-probability of an episode
by the episode's whole undiscounted return R(τ) and minimises the *mean* over the batch's steps; its second
version uses the undiscounted reward-to-go.  Our own minimal equivalents, for one episode per batch (the mean over
the batch's steps is then the mean over the episode's steps).  Spinning Up's returns are undiscounted, so audit
them with γ = 1:

    python -m pgverify audit docs/examples/audit_simplest_pg.py:whole_return docs/examples/audit_simplest_pg.py:reward_to_go --discount 1
"""

import torch


def whole_return(log_probs, rewards, gamma):
    weights = [sum(rewards)] * len(rewards)
    return -(torch.stack(log_probs) * torch.tensor(weights)).mean()


def reward_to_go(log_probs, rewards, gamma):
    weights = [sum(rewards[t:]) for t in range(len(rewards))]
    return -(torch.stack(log_probs) * torch.tensor(weights)).mean()


def summed(log_probs, rewards, gamma):  # the same with a sum over the steps instead of the mean
    weights = [sum(rewards[t:]) for t in range(len(rewards))]
    return -(torch.stack(log_probs) * torch.tensor(weights)).sum()
