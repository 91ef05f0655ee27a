"""Off-policy corrections: per-decision importance sampling is unbiased for ∇U(π); rlax's V-trace on-policy with the
exact value is the γ^t-less target, and off-policy it is biased.  ∇U(π) is differentiated directly (never through
the importance-sampling identity under test)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from numeric import TabularSoftmax
from pgverify.audit import AuditError, audit_setting
from pgverify.audit.offpolicy import off_policy_gradient

ST = audit_setting(states=2, actions=3, horizon=2, seed=1)
TARGET = ST.policy
BEHAVIOUR = TabularSoftmax.from_weights([[1, 1, 1], [2, 1, 3], [1, 1, 1]])
RLAX = importlib.util.find_spec("rlax") is not None


def test_per_decision_is_is_unbiased():
    res = off_policy_gradient(ST.emdp, BEHAVIOUR, TARGET, rollout=ST.rollout)
    assert res.max_ratio != 1.0                         # genuinely off-policy
    np.testing.assert_allclose(res.gradient, np.asarray(ST.grad_U, dtype=float), rtol=0, atol=1e-12)
    assert res.verdict.status == "unbiased"


def test_per_decision_is_without_the_product_is_biased():
    """Sanity of the reference: the ordinary (on-policy) estimator run on b's episodes is not ∇U(π)."""
    res = off_policy_gradient(ST.emdp, BEHAVIOUR, BEHAVIOUR, rollout=ST.rollout)
    assert not np.allclose(res.gradient, np.asarray(ST.grad_U, dtype=float), atol=1e-6)


@pytest.mark.slow
@pytest.mark.skipif(not RLAX, reason="needs the audit extra (rlax)")
def test_vtrace_on_policy_is_the_undiscounted_target():
    res = off_policy_gradient(ST.emdp, TARGET, TARGET, method="vtrace", rollout=ST.rollout)
    assert "omits the γ^t weighting" in res.verdict.sentence


@pytest.mark.slow
@pytest.mark.skipif(not RLAX, reason="needs the audit extra (rlax)")
def test_vtrace_off_policy_is_biased():
    res = off_policy_gradient(ST.emdp, BEHAVIOUR, TARGET, method="vtrace", rollout=ST.rollout)
    assert res.verdict.status == "biased" and res.verdict.relative_error > 1e-3


def test_bad_offpolicy_arguments():
    with pytest.raises(AuditError, match="method must be"):
        off_policy_gradient(ST.emdp, BEHAVIOUR, TARGET, method="retrace")
    with pytest.raises(AuditError, match="values must be"):
        off_policy_gradient(ST.emdp, BEHAVIOUR, TARGET, values="learned")
