"""The NumPy engine of pgverify: finite MDPs, policies, exact evaluation and the reference gradient.

Names follow "A Tale of Policy Gradients": ``P[s, a, s']``, ``r[s, a]``, the
discount λ, ``v``, ``q``, ``d``, ``U``.
"""

from numeric.errors import InvalidMDPError, InvalidPolicyError, PGVerifyError
from numeric.evaluation import action_value, model, occupancy, utility, utility_gradient, value
from numeric.mdp import STOCHASTIC_ATOL, FiniteMDP
from numeric.model import Model
from numeric.policies import TabularSoftmax
from numeric.continuous import (ContinuousActionMDP, ContinuousModel, continuous_model, gaussian_policy_gradient,
                                hermite_rule, TWO_POINT_RULE)
from numeric.gaussian import GaussianObjective
from numeric.lqr import ScalarLQR, UnstableGainError

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
    "ContinuousActionMDP",
    "ContinuousModel",
    "continuous_model",
    "gaussian_policy_gradient",
    "hermite_rule",
    "TWO_POINT_RULE",
    "GaussianObjective",
    "ScalarLQR",
    "UnstableGainError",
]
