"""Throughput of the vectorised trajectory sampler against a per-step Python loop.

Prints transitions per second (one transition = one action a_t and the next
state s_{t+1}) of ``numeric.sampling.sample_trajectories`` on a random MDP with
S=20, A=4 (N=100 000 trajectories of horizon T=50 by default), of a loop that
draws each action and each next state with ``rng.choice``, and their ratio.
Targets (shared/design.md §6): ≥ 10 million transitions/s and ≥ 500× the loop.
Each figure is the median of ``--repeats`` timed runs after one warm-up run.

    python benchmarks/bench_sampler.py [--seed 0] [--trajectories 100000] [--horizon 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from numeric.mdp import FiniteMDP  # noqa: E402
from numeric.policies import TabularSoftmax  # noqa: E402
from numeric.sampling import sample_trajectories  # noqa: E402


def random_problem(rng: np.random.Generator, S: int, A: int) -> tuple[FiniteMDP, TabularSoftmax]:
    P = rng.random((S, A, S))
    return FiniteMDP(P / P.sum(axis=2, keepdims=True), rng.normal(size=(S, A)), 0.9), TabularSoftmax(rng.normal(size=(S, A)))


def loop_sampler(mdp: FiniteMDP, pi: np.ndarray, T: int, N: int, rng: np.random.Generator) -> np.ndarray:
    """The per-step baseline: one ``rng.choice`` per action and per next state."""
    S, A = mdp.num_states, mdp.num_actions
    states = np.empty((N, T), dtype=np.intp)
    for n in range(N):
        s = rng.choice(S, p=mdp.mu0)
        states[n, 0] = s
        for t in range(T - 1):
            a = rng.choice(A, p=pi[s])
            s = rng.choice(S, p=mdp.P[s, a])
            states[n, t + 1] = s
    return states


def median_seconds(run, repeats: int) -> float:
    run()  # warm-up: first-touch page faults of the output arrays, caches
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--states", type=int, default=20)
    parser.add_argument("--actions", type=int, default=4)
    parser.add_argument("--trajectories", type=int, default=100_000)
    parser.add_argument("--horizon", type=int, default=50)
    parser.add_argument("--loop-trajectories", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    mdp, policy = random_problem(rng, args.states, args.actions)
    T, N, N_loop = args.horizon, args.trajectories, args.loop_trajectories

    fast = median_seconds(lambda: sample_trajectories(mdp, policy, horizon=T, num_trajectories=N, rng=rng),
                          args.repeats)
    pi = policy.probabilities()
    slow = median_seconds(lambda: loop_sampler(mdp, pi, T, N_loop, rng), max(1, args.repeats // 2))
    fast_rate, slow_rate = N * (T - 1) / fast, N_loop * (T - 1) / slow
    print(f"S={args.states} A={args.actions} T={T}")
    print(f"vectorised sampler   N={N:>7}: {fast_rate / 1e6:8.2f} M transitions/s ({fast:.3f} s)   target >= 10 M/s")
    print(f"per-step rng.choice  N={N_loop:>7}: {slow_rate / 1e3:8.2f} k transitions/s ({slow:.3f} s)")
    print(f"ratio: {fast_rate / slow_rate:.0f}x   target >= 500x")


if __name__ == "__main__":
    main()
