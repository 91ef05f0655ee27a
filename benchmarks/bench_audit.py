"""Wall time of auditing users' estimators (issue 11: one passing assert_policy_gradient on a torch estimator ≤ 5 s).

Measures, each at its default settings (30 Hypothesis examples, horizon 2, one environment):

* assert_policy_gradient on an unbiased torch REINFORCE loss, float32 and float64 (passes);
* the same for JAX (jit-compiled) and for the NumPy trajectory estimator of docs/guide.md (passes);
* assert_policy_gradient on the undiscounted torch REINFORCE (fails: shrinking, then the diagnosis);
* one diagnose() of a torch estimator on steady-state windows with resets (n = 3, 2 environments): the
  number of enumerated batches and the cost per batch.

The first call of each framework (imports, JIT) is not timed.  Run: ``python benchmarks/bench_audit.py``.

Measured 2026-11-27 on the 2-core development machine shared with other jobs (load average 8-10, so
these are upper figures), torch 2.13.0+cpu, jax 0.10.2, numpy 2.4.6:

    assert_policy_gradient(torch REINFORCE, float32): passes, best 1.77 s, median 1.86 s of 3
    assert_policy_gradient(torch REINFORCE, float64): passes, best 1.71 s, median 2.17 s of 3
    assert_policy_gradient(jax REINFORCE, float32, jit): passes, best 1.56 s, median 1.88 s of 3
    assert_policy_gradient(NumPy trajectory REINFORCE of docs/guide.md): passes, best 1.01 s, median 1.14 s of 3
    assert_policy_gradient(torch REINFORCE without γ^t, float32): fails, 26.73 s (Hypothesis shrinking, then
        one diagnosis of the smallest MDP)
    diagnose(torch REINFORCE) on steady-state windows, 3 steps x 2 envs: 4096 batches, 11.33 s (2.77 ms per batch)

The target (a passing assert_policy_gradient on a torch estimator ≤ 5 s) holds with a margin of 2.3x under load.
Running torch single-threaded inside the adapter matters: with torch's default 2 intra-op threads on the loaded
machine the same passing run took 4.9 s and a failing one 53 s (thread contention on tiny tensors).
"""

from __future__ import annotations

import sys
import time
from fractions import Fraction as F
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs" / "examples"))
sys.path.insert(0, str(ROOT / "tests"))

from test_audit import jax_reinforce, torch_reinforce  # noqa: E402  (the estimators the tests audit)


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
