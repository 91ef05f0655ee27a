"""A tutorial-style REINFORCE update, audited as written, with three lines of glue.

The update below is written in the style of the PyTorch examples' REINFORCE (pytorch/examples,
reinforcement_learning/reinforce.py): the policy object keeps the episode's log-probabilities and rewards in two
lists, and the update discounts the rewards into returns, standardises them by their own mean and standard
deviation, and sums −log π(a_t|s_t)·G_t without a γ^t weight.  This file is our own minimal equivalent, not the
example's code.  Audit it with

    python -m pgverify audit docs/examples/audit_tutorial_reinforce.py:estimator
"""

import torch

EPS = 1.1920929e-07  # float32's machine epsilon, the usual guard against a zero standard deviation


class Memory:  # what the tutorial's policy object keeps for one episode
    saved_log_probs: list = []
    rewards: list = []


memory = Memory()


def finish_episode_loss(gamma, standardise=True, discount_weight=False):
    """The tutorial's update as a loss: returns-to-go, optionally standardised, optionally weighted by γ^t."""
    R, returns = 0.0, []
    for r in reversed(memory.rewards):
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns, dtype=memory.saved_log_probs[0].dtype)
    if standardise:
        returns = (returns - returns.mean()) / (returns.std() + EPS)
    weights = [gamma ** t if discount_weight else 1.0 for t in range(len(returns))]
    return torch.stack([-w * lp * G for w, lp, G in zip(weights, memory.saved_log_probs, returns)]).sum()


# --- glue: the per-episode view of pgverify audit, in three lines -------------------------------------------
def estimator(log_probs, rewards, gamma):
    memory.saved_log_probs, memory.rewards = log_probs, rewards
    return finish_episode_loss(gamma)


def without_standardising(log_probs, rewards, gamma):
    memory.saved_log_probs, memory.rewards = log_probs, rewards
    return finish_episode_loss(gamma, standardise=False)


def repaired(log_probs, rewards, gamma):
    memory.saved_log_probs, memory.rewards = log_probs, rewards
    return finish_episode_loss(gamma, standardise=False, discount_weight=True)
