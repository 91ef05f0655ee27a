"""The NumPy engine of pgverify: finite MDPs, policies, exact evaluation and the reference gradient.

Names follow "A Tale of Policy Gradients": ``P[s, a, s']``, ``r[s, a]``, the
discount λ, ``v``, ``q``, ``d``, ``U``.
"""

from numeric._lazy import lazy_names
from numeric.errors import InvalidArgumentError, InvalidMDPError, InvalidPolicyError, PGVerifyError

#: Where each public name lives: imported on first use (PEP 562), so that ``import numeric.errors`` (the CLI's
#: first import) does not load SciPy, SymPy and Hypothesis.
_WHERE = {
    **dict.fromkeys(("FiniteMDP", "STOCHASTIC_ATOL"), "numeric.mdp"),
    **dict.fromkeys(("TabularSoftmax",), "numeric.policies"),
    **dict.fromkeys(("Model",), "numeric.model"),
    **dict.fromkeys(("model", "value", "action_value", "occupancy", "utility", "utility_gradient",
                     "NonFiniteResultError"), "numeric.evaluation"),
    **dict.fromkeys(("TooLargeError",), "numeric.limits"),
    **dict.fromkeys(("Trajectories", "sample_trajectories"), "numeric.sampling"),
    **dict.fromkeys(("OptimalPolicy", "BruteForceOptimum", "policy_value", "deterministic_policy_value",
                     "policy_iteration", "brute_force_optimum"), "numeric.optimal"),
    **dict.fromkeys(("EpisodicMDP", "EnumeratedTrajectories", "enumerate_trajectories", "episodic_model", "episodes",
                     "expect"), "numeric.episodic"),
    **dict.fromkeys(("total_return", "reward_to_go", "total_return_estimator", "reward_to_go_estimator",
                     "q_weighted_estimator", "undiscounted_estimator", "tabular_baseline_fit", "linear_baseline_fit",
                     "InvalidBatchError"), "numeric.estimators"),
    **dict.fromkeys(("ContinuousActionMDP", "ContinuousModel", "continuous_model", "gaussian_policy_gradient",
                     "hermite_rule", "TWO_POINT_RULE"), "numeric.continuous"),
    **dict.fromkeys(("GaussianObjective",), "numeric.gaussian"),
    **dict.fromkeys(("ScalarLQR", "UnstableGainError"), "numeric.lqr"),
    **dict.fromkeys(("LinearSoftmax",), "numeric.linear"),
    **dict.fromkeys(("stationary_distribution", "average_reward", "differential_action_value",
                     "average_reward_gradient", "check_ergodic"), "numeric.average"),
}


lazy_names(__name__, _WHERE, shadowed=("model",))


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
