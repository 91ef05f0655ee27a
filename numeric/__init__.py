"""The NumPy engine of pgverify: finite MDPs, policies, exact evaluation and the reference gradient.

Names follow "A Tale of Policy Gradients": ``P[s, a, s']``, ``r[s, a]``, the
discount λ, ``v``, ``q``, ``d``, ``U``.
"""

from numeric.errors import InvalidMDPError, InvalidPolicyError, PGVerifyError
from numeric.average import (average_reward, average_reward_gradient, check_ergodic,
                             differential_action_value, stationary_distribution)
from numeric.evaluation import action_value, model, occupancy, utility, utility_gradient, value
from numeric.mdp import STOCHASTIC_ATOL, FiniteMDP
from numeric.model import Model
from numeric.linear import LinearSoftmax
from numeric.policies import TabularSoftmax

__all__ = [
    "FiniteMDP",
    "TabularSoftmax",
    "Model",
    "model",
    "value",
    "action_value",
    "occupancy",
    "utility",
    "utility_gradient",
    "STOCHASTIC_ATOL",
    "PGVerifyError",
    "InvalidMDPError",
    "InvalidPolicyError",
    "LinearSoftmax",
    "stationary_distribution",
    "average_reward",
    "differential_action_value",
    "average_reward_gradient",
    "check_ergodic",
]
