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
from numeric.errors import InvalidArgumentError
from numeric.limits import TooLargeError
from numeric.evaluation import NonFiniteResultError
from numeric.sampling import Trajectories, sample_trajectories
from numeric.optimal import (BruteForceOptimum, OptimalPolicy, brute_force_optimum, deterministic_policy_value,
                             policy_iteration, policy_value)
from numeric.episodic import (EnumeratedTrajectories, EpisodicMDP, enumerate_trajectories, episodic_model, episodes,
                              expect)
from numeric.estimators import (InvalidBatchError, linear_baseline_fit, q_weighted_estimator, reward_to_go,
                                reward_to_go_estimator, tabular_baseline_fit, total_return, total_return_estimator,
                                undiscounted_estimator)
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
    "InvalidArgumentError",
    "TooLargeError",
    "NonFiniteResultError",
    "Trajectories",
    "sample_trajectories",
    "OptimalPolicy",
    "BruteForceOptimum",
    "policy_value",
    "deterministic_policy_value",
    "policy_iteration",
    "brute_force_optimum",
    "EpisodicMDP",
    "EnumeratedTrajectories",
    "enumerate_trajectories",
    "episodic_model",
    "episodes",
    "expect",
    "total_return",
    "reward_to_go",
    "total_return_estimator",
    "reward_to_go_estimator",
    "q_weighted_estimator",
    "undiscounted_estimator",
    "tabular_baseline_fit",
    "linear_baseline_fit",
    "InvalidBatchError",
    "ContinuousActionMDP",
    "ContinuousModel",
    "continuous_model",
    "gaussian_policy_gradient",
    "hermite_rule",
    "TWO_POINT_RULE",
    "GaussianObjective",
    "ScalarLQR",
    "UnstableGainError",
    "LinearSoftmax",
    "stationary_distribution",
    "average_reward",
    "differential_action_value",
    "average_reward_gradient",
    "check_ergodic",
]
