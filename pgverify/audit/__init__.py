"""Audit real RL code: the exact expectation of a PyTorch, JAX or NumPy estimator, and what it equals.

>>> from fractions import Fraction as F
>>> import numpy as np
>>> from numeric import FiniteMDP, TabularSoftmax
>>> from pgverify.audit import diagnose, numpy_estimator
>>> mdp = FiniteMDP(P=[[[0, F(1, 2), F(1, 2)], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]],
...                 r=[[1, 0], [0, 2], [0, 0]], discount=F(1, 2))
>>> def undiscounted(theta, batch):       # Σ_t G_t ∇log π(a_t|s_t): the γ^t weight dropped
...     pi = np.exp(theta) / np.exp(theta).sum(axis=1, keepdims=True)
...     g, G = np.zeros_like(theta), 0.0
...     for t in reversed(range(batch.n_steps)):
...         G = batch.rewards[t, 0] + batch.discounts[t, 0] * G
...         s, a = batch.states[t, 0], batch.actions[t, 0]
...         g[s] += G * (np.eye(2)[a] - pi[s])
...     return g
>>> policy = TabularSoftmax.from_weights([[1, 2], [3, 1], [1, 1]])
>>> print(diagnose(numpy_estimator(undiscounted), mdp, policy).summary)
E[ĝ] = practice.undiscounted-score-weighting

See docs/audit.md.
"""

from pgverify.audit.diagnosis import (MIN_INFORMATIVE, RTOL, Diagnosis, Survey, Target, diagnose, survey, targets,
                                      tolerance)
from pgverify.audit.expectation import Expectation, Setting, as_episodic, expectation, setting
from pgverify.audit.frameworks import Estimator, MissingExtraError, jax_estimator, numpy_estimator, torch_estimator
from pgverify.audit.layout import BATCH_LIMIT, AuditError, Batch, Batches, Rollout, enumerate_batches
from pgverify.audit.networks import JaxNetworkPolicy, NetworkPolicy, jax_network_estimator, network_estimator
from pgverify.audit.lqr import LQR, LQRAudit, LQREpisode, lqr_audit, lqr_grad_U
from pgverify.audit.offpolicy import OffPolicy, off_policy_gradient
from pgverify.audit.ppo import PPOClip, ppo_clip_gradient
from pgverify.audit.moments import Evaluation, Moments, evaluate, moments
from pgverify.audit.run import Audit, AuditReport, audit_estimators, episode_estimator, load_estimator
from pgverify.audit.verdict import SHOW_K, Fit, Verdict, audit_mdp, audit_setting, judge

__all__ = ["Rollout", "Batch", "Batches", "enumerate_batches", "Estimator", "torch_estimator", "jax_estimator",
           "numpy_estimator", "Setting", "setting", "as_episodic", "Expectation", "expectation", "Target",
           "targets", "Diagnosis", "diagnose", "Survey", "survey", "tolerance", "RTOL", "MIN_INFORMATIVE", "AuditError",
           "MissingExtraError", "BATCH_LIMIT", "Evaluation", "Moments", "evaluate", "moments", "Verdict", "Fit", "judge",
           "audit_mdp", "audit_setting", "SHOW_K", "Audit", "AuditReport", "audit_estimators", "episode_estimator", "load_estimator",
           "NetworkPolicy", "network_estimator", "JaxNetworkPolicy", "jax_network_estimator", "PPOClip", "ppo_clip_gradient",
           "OffPolicy", "off_policy_gradient", "LQR", "LQREpisode", "LQRAudit", "lqr_audit", "lqr_grad_U"]
