"""Test reinforce.py's estimators against pgverify's reference gradient.

Run from anywhere:  python docs/examples/check_reinforce.py
"""

from reinforce import reinforce, reinforce_buggy

from pgverify.testing import assert_policy_gradient

assert_policy_gradient(reinforce, estimator=True)
print("reinforce: its exact expectation equals the policy gradient on every MDP tried")

try:
    assert_policy_gradient(reinforce_buggy, estimator=True)
except AssertionError as failure:
    print("reinforce_buggy: caught")
    print(failure)
