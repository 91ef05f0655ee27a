"""Is E[ĝ] the gradient of anything?  The Taylor test (is it ∇U?) and the circulation test (is it ∇f for any f?).

θ ↦ E[ĝ](θ) is evaluated for each θ by enumerating every episode (float64 weights: θ moves off
the rational points) on the small MDP of audit_common.py.  Run:  python docs/examples/audit_is_a_gradient.py
"""

from audit_common import MDP, POLICY
from audit_reinforce import reinforce
from pgverify.audit import Rollout, torch_estimator
from pgverify.testing import circulation_test, taylor_test

for discount_weight in (True, False):
    estimator = torch_estimator(reinforce(discount_weight, standardise=False), dtype="float64")
    print(f"REINFORCE, γ^t weight {'kept' if discount_weight else 'dropped'}:")
    print(f"  {taylor_test(estimator, MDP, POLICY.theta, rollout=Rollout())}")
    print(f"  {circulation_test(estimator, MDP, POLICY.theta, rollout=Rollout())}")
