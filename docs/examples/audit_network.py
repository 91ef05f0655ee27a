"""A small policy network over one-hot states, for `pgverify audit --network docs/examples/audit_network.py:make`."""

import torch


def make(num_inputs, num_actions):
    return torch.nn.Sequential(torch.nn.Linear(num_inputs, 8), torch.nn.Tanh(), torch.nn.Linear(8, num_actions))
