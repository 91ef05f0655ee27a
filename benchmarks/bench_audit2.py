"""Issue 20 (Audit II) figures: the one-command audit of a tutorial REINFORCE, its glue, the exact variance.

* ``pgverify audit docs/examples/audit_tutorial_reinforce.py:repaired`` as a user runs it (a new process: Python,
  torch and pgverify imported), cold then warm (the second run, OS caches warm); target ≤ 3 s warm;
* the glue: the lines of docs/examples/audit_tutorial_reinforce.py's ``estimator`` beyond the tutorial's code;
  target ≤ 3;
* the exact variance (:func:`pgverify.audit.moments`) of 10^5 batches' ĝ (K = 12 coordinates, exact-rational
  weights converted to float64): target ≤ 2 s; and the cost per batch of running a NumPy and a torch estimator
  (:func:`pgverify.audit.evaluate`), which dominates a whole audit.

Run: ``python benchmarks/bench_audit2.py`` (about 30 s).

Measured 2026-12-08 on the 2-core machine shared with 8 sessions (load average 10.4), torch 2.13.0+cpu:

    pgverify audit <tutorial REINFORCE, repaired>: exit 0; cold 8.66 s, warm 9.47 s wall (best of 2), 2.38 s CPU
    glue: 3 lines (def estimator … return finish_episode_loss(gamma))
    exact variance of 100000 batches x 12 coordinates: 223.7 ms (best of 5)
    evaluate(NumPy REINFORCE) on the default MDP: 81 batches, 20.4 ms (252 µs per batch)
    evaluate(torch REINFORCE) on the default MDP: 81 batches, 149.2 ms (1843 µs per batch)

The warm audit takes 2.4 s of CPU (target 3 s), of which importing torch is most; its wall time under a load
of 10 on 2 cores is about 4 times that.  The variance itself of 10^5 batches takes 0.22 s (target 2 s); running
the user's own code on 10^5 batches costs what their code costs per call (0.25 ms NumPy, 1.8 ms torch here).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    cmd = [sys.executable, "-m", "pgverify", "audit", "docs/examples/audit_tutorial_reinforce.py:repaired"]
    import resource

    walls, cpus = [], []
    for _ in range(3):
        t = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append(time.perf_counter() - t)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    print(f"pgverify audit <tutorial REINFORCE, repaired>: exit {done.returncode}; cold {walls[0]:.2f} s, "
          f"warm {min(walls[1:]):.2f} s wall (best of 2), {min(cpus[1:]):.2f} s CPU (load average "
          f"{__import__('os').getloadavg()[0]:.1f} on 2 cores)")
    src = (ROOT / "docs/examples/audit_tutorial_reinforce.py").read_text()
    fn = next(n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef) and n.name == "estimator")
    print(f"glue: {fn.end_lineno - fn.lineno + 1} lines (def estimator … return finish_episode_loss(gamma))")

    from pgverify.audit import audit_setting, evaluate, moments, numpy_estimator, torch_estimator

    rng = np.random.default_rng(0)
    N, K = 100_000, 12
    weights = [Fraction(int(x), 10**6) for x in rng.integers(1, 10**6, size=N)]
    G = rng.normal(size=(N, K))
    p = np.array(weights, dtype=object)
    best = []
    for _ in range(5):
        t = time.perf_counter()
        m = moments(G, p.astype(np.float64))
        best.append(time.perf_counter() - t)
    print(f"exact variance of {N} batches x {K} coordinates: {min(best) * 1e3:.1f} ms (best of 5); "
          f"tr Cov = {m.trace:.6g}")

    sys.path.insert(0, str(ROOT / "docs" / "examples"))
    st = audit_setting()

    def numpy_reinforce(theta, batch):
        pi = np.exp(theta) / np.exp(theta).sum(axis=1, keepdims=True)
        g, R = np.zeros_like(theta), 0.0
        for t in reversed(range(batch.n_steps)):
            R = batch.rewards[t, 0] + batch.discounts[t, 0] * R
            if batch.mask[t, 0]:
                s, a = batch.states[t, 0], batch.actions[t, 0]
                g[s] += batch.gamma ** t * R * (np.eye(theta.shape[1])[a] - pi[s])
        return g

    import torch

    def torch_reinforce(theta, batch):
        lp = torch.log_softmax(batch.logits(theta), -1).gather(-1, batch.actions.unsqueeze(-1)).squeeze(-1)[:, 0]
        R, out = 0.0, 0.0
        for t in reversed(range(batch.n_steps)):
            R = batch.rewards[t, 0] + batch.discounts[t, 0] * R
            out = out - batch.mask[t, 0] * batch.gamma ** t * R * lp[t]
        return out

    for label, est in (("NumPy", numpy_estimator(numpy_reinforce)), ("torch", torch_estimator(torch_reinforce))):
        evaluate(est, st)
        t = time.perf_counter()
        ev = evaluate(est, st)
        wall = time.perf_counter() - t
        n = st.batches.count
        print(f"evaluate({label} REINFORCE) on the default MDP: {n} batches, {wall * 1e3:.1f} ms "
              f"({wall / n * 1e6:.0f} µs per batch; 10^5 batches would take ~{wall / n * 1e5:.1f} s of the user's code)")


if __name__ == "__main__":
    main()
