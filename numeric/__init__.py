"""The NumPy engine of pgverify: finite MDPs, policies, exact evaluation and the reference gradient.

Names follow "A Tale of Policy Gradients": ``P[s, a, s']``, ``r[s, a]``, the
discount λ, ``v``, ``q``, ``d``, ``U``.
"""

import sys
from importlib import import_module
from types import ModuleType
from typing import Any

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


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (then bound here: the next lookup is direct)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'numeric' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


class _Package(ModuleType):
    """The package, whose public ``model`` (the function of :mod:`numeric.evaluation`) shares its name with the
    submodule :mod:`numeric.model`: the import system's binding of the submodule, when it is first loaded, is
    ignored, so that ``numeric.model`` stays the function, as when every name was imported eagerly."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "model" and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
