"""Wall time of auditing users' estimators (issue 11: one passing assert_policy_gradient on a torch estimator ≤ 5 s).

Measures, each at its default settings (30 Hypothesis examples, horizon 2, one environment):

* assert_policy_gradient on an unbiased torch REINFORCE loss, float32 and float64 (passes);
* the same for JAX (jit-compiled) and for the NumPy trajectory estimator of docs/guide.md (passes);
* assert_policy_gradient on the undiscounted torch REINFORCE (fails: shrinking, then the diagnosis);
* one diagnose() of a torch estimator on steady-state windows with resets (n = 3, 2 environments): the
  number of enumerated batches and the cost per batch.

The first call of each framework (imports, JIT) is not timed.  Run: ``python benchmarks/bench_audit.py``.
"""

from __future__ import annotations

import sys
import time
from fractions import Fraction as F
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs" / "examples"))


def torch_reinforce(theta, b, discount_weight=True):
    import torch

    logp = torch.log_softmax(b.logits(theta), -1).gather(-1, b.actions[..., None])[..., 0]
    G = torch.zeros_like(b.rewards)
    acc = torch.zeros_like(b.rewards[0])
    for t in reversed(range(b.n_steps)):
        acc = b.rewards[t] + b.discounts[t] * acc
        G[t] = acc
    w = b.gamma ** (b.timesteps - b.t0) if discount_weight else 1
    return -(w * G * logp).sum() / b.n_envs


def jax_reinforce(theta, b):
    import jax
    import jax.numpy as jnp

    logp = jnp.take_along_axis(jax.nn.log_softmax(b.logits(theta)), b.actions[..., None], axis=-1)[..., 0]
    G, acc = [], jnp.zeros_like(b.rewards[0])
    for t in reversed(range(b.n_steps)):
        acc = b.rewards[t] + b.discounts[t] * acc
        G.insert(0, acc)
    return -(b.gamma ** (b.timesteps - b.t0) * jnp.stack(G) * logp).sum() / b.n_envs


def timed(label, fn, repeat=3):
    times = []
    outcome = "passes"
    for _ in range(repeat):
        t = time.perf_counter()
        try:
            fn()
        except AssertionError:
            outcome = "fails"
        times.append(time.perf_counter() - t)
    print(f"{label}: {outcome}, best {min(times):.2f} s, median {sorted(times)[len(times) // 2]:.2f} s "
          f"of {repeat}")


def main() -> None:
    import numpy as np

    from numeric import FiniteMDP, TabularSoftmax
    from pgverify.audit import Rollout, diagnose, jax_estimator, torch_estimator
    from pgverify.testing import assert_policy_gradient
    from reinforce import reinforce

    import jax
    import torch

    print(f"torch {torch.__version__}, jax {jax.__version__}, numpy {np.__version__}")
    warm = torch_estimator(torch_reinforce)
    assert_policy_gradient(warm, max_examples=2)
    for dtype in ("float32", "float64"):
        est = torch_estimator(torch_reinforce, dtype=dtype)
        timed(f"assert_policy_gradient(torch REINFORCE, {dtype})", lambda: assert_policy_gradient(est))
    jest = jax_estimator(jax_reinforce)
    assert_policy_gradient(jest, max_examples=2)
    timed("assert_policy_gradient(jax REINFORCE, float32, jit)", lambda: assert_policy_gradient(jest))
    timed("assert_policy_gradient(NumPy trajectory REINFORCE of docs/guide.md)",
          lambda: assert_policy_gradient(reinforce, estimator=True))
    biased = torch_estimator(lambda th, b: torch_reinforce(th, b, False))
    timed("assert_policy_gradient(torch REINFORCE without γ^t, float32)", lambda: assert_policy_gradient(biased),
          repeat=1)
    mdp = FiniteMDP(P=[[[0, F(1, 2), F(1, 2)], [0, F(1, 4), F(3, 4)]], [[0, 0, 1], [0, 0, 1]],
                       [[0, 0, 1], [0, 0, 1]]], r=[[1, 0], [0, 2], [0, 0]], discount=F(1, 2))
    policy = TabularSoftmax.from_weights([[1, 2], [3, 1], [1, 1]])
    rollout = Rollout(n_steps=3, n_envs=2, start="stationary", after_done="reset")
    t = time.perf_counter()
    d = diagnose(torch_estimator(torch_reinforce), mdp, policy, rollout=rollout)
    wall = time.perf_counter() - t
    n = d.expectation.batches
    print(f"diagnose(torch REINFORCE) on steady-state windows, 3 steps x 2 envs: {n} batches, {wall:.2f} s "
          f"({1e3 * wall / n:.2f} ms per batch, targets included)")


if __name__ == "__main__":
    main()
