"""PPO's clipped surrogate after the first epoch: E[∇L^CLIP(θ)] over episodes drawn at θ_old, against ∇U(θ).

θ moves away from θ_old along a fixed random direction (as later epochs move it); at each distance the exact
expected gradient of the surrogate is compared with ∇U at the new θ.  Run:  python docs/examples/audit_ppo_epochs.py
"""

import numpy as np

from numeric import TabularSoftmax
from pgverify.audit import audit_setting
from pgverify.audit.ppo import ppo_clip_gradient

st = audit_setting()                       # the MDP of `pgverify audit` (3 states, 3 actions, γ = 4/5, seed 0)
old = st.policy
direction = np.random.default_rng(0).normal(size=np.shape(old.theta))
print(f"{'|θ − θ_old|':>12} {'advantage':>9} {'clipped':>8} {'rel. error':>10} {'cosine':>7}")
for step in (0.0, 0.1, 0.3, 1.0):
    theta = np.asarray(old.theta, dtype=float) + step * direction
    for advantage in ("exact", "returns"):
        r = ppo_clip_gradient(st.emdp, old, TabularSoftmax(theta), clip=0.2, advantage=advantage, rollout=st.rollout)
        v = r.verdict
        print(f"{step * np.linalg.norm(direction):12.3f} {advantage:>9} {r.clipped:8.3f} {v.relative_error:10.4f} "
              f"{v.cosine:7.4f}")
