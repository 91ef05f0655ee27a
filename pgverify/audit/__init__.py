"""Audit real RL code: the exact expectation of a PyTorch, JAX or NumPy estimator, and what it equals.

>>> from pgverify.audit import Rollout, numpy_estimator, diagnose
>>> from numeric import FiniteMDP, TabularSoftmax
>>> import numpy as np
>>> mdp = FiniteMDP(P=[[[0, 1], [0, 1]], [[0, 1], [0, 1]]], r=[[1, 0], [0, 0]], discount=0)
>>> def vanilla(theta, batch):            # Σ_t r_t ∇log π(a_t|s_t), NumPy
...     pi = np.exp(theta) / np.exp(theta).sum(axis=1, keepdims=True)
...     g = np.zeros_like(theta)
...     for t in range(batch.n_steps):
...         s, a = batch.states[t, 0], batch.actions[t, 0]
...         g[s] += batch.rewards[t, 0] * (np.eye(2)[a] - pi[s])
...     return g
>>> print(diagnose(numpy_estimator(vanilla), mdp, TabularSoftmax.from_weights([[1, 1], [1, 1]])).summary)
E[ĝ] = grad_U = practice.undiscounted-score-weighting
"""

from pgverify.audit.diagnosis import RTOL, Diagnosis, Survey, Target, diagnose, survey, targets, tolerance
from pgverify.audit.expectation import Expectation, Setting, as_episodic, expectation, setting
from pgverify.audit.frameworks import Estimator, MissingExtraError, jax_estimator, numpy_estimator, torch_estimator
from pgverify.audit.layout import BATCH_LIMIT, AuditError, Batch, Batches, Rollout, enumerate_batches

__all__ = ["Rollout", "Batch", "Batches", "enumerate_batches", "Estimator", "torch_estimator", "jax_estimator",
           "numpy_estimator", "Setting", "setting", "as_episodic", "Expectation", "expectation", "Target",
           "targets", "Diagnosis", "diagnose", "Survey", "survey", "tolerance", "RTOL", "AuditError", "MissingExtraError", "BATCH_LIMIT"]
