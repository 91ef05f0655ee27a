"""Figures of the walking skeleton (design.md §6), measured in one run.

Prints:
* the universal symbolic proof of ``pgt.theorem`` on the 2 × 2 tabular-softmax family, every partial;
* the exact check of ``pgt.theorem`` at one random rational point with S=50, A=4;
* ``numeric.utility_gradient`` at S=1000, A=10 as a ratio to one ``np.linalg.solve`` of size 1000, to one
  LU factorisation (``scipy.linalg.lu_factor``) and to torch autograd through ``torch.linalg.solve`` when
  torch is installed (targets, design.md §6: ≤ 1.2× one LU, ≤ 0.75× torch).

Run: ``python benchmarks/bench_skeleton.py [--skip-exact]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def best_of(fn, repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)

def torch_gradient_seconds(P: np.ndarray, r: np.ndarray, theta: np.ndarray, lam: float) -> float | None:
    """Best-of-5 seconds of ∇θ v(s⁰) by torch autograd through ``torch.linalg.solve``; None without torch."""
    try:
        import torch
    except ImportError:
        return None
    S = P.shape[0]
    Pt, rt = torch.tensor(P), torch.tensor(r)
    th = torch.tensor(theta, requires_grad=True)

    def torch_grad() -> None:
        pi = torch.softmax(th, dim=1)
        Ppi = torch.einsum("sa,sat->st", pi, Pt)
        v = torch.linalg.solve(torch.eye(S, dtype=torch.float64) - lam * Ppi, (pi * rt).sum(1))
        v[0].backward()
        th.grad = None

    return best_of(torch_grad)


def symbolic_proof() -> None:
    from pgverify.checker import evaluate_chain
    from pgverify.registry import select
    from symbolic.family import TabularSoftmaxFamily

    claim = select(["pgt.theorem"])[0]
    t = time.perf_counter()
    model = TabularSoftmaxFamily(2, 2).model()  # a fresh, uncached family
    ev = evaluate_chain(claim, model)
    secs = time.perf_counter() - t
    ok = ev.first_failure is None and not ev.ill_formed
    print(f"symbolic proof of pgt.theorem, tabular softmax 2x2, all {model.K} partials: {secs:.2f} s "
          f"({'proved' if ok else 'NOT proved'}; target <= 2 s)")


def exact_check(S: int = 50, A: int = 4) -> None:
    """The claim's own code at a random point of F_p (p = 2⁶¹ − 1); Fractions at S=50 take ~50 s (bench_pgt.py)."""
    from numeric.modular import random_tabular_point_mod_p
    from pgverify.checker import evaluate_chain
    from pgverify.registry import select

    claim = select(["pgt.theorem"])[0]
    t = time.perf_counter()
    model = random_tabular_point_mod_p(np.random.default_rng(0), S, A)
    ev = evaluate_chain(claim, model)
    secs = time.perf_counter() - t
    ok = ev.first_failure is None
    print(f"exact check of pgt.theorem at one random point of F_p, S={S}, A={A}: {secs:.2f} s "
          f"({'holds' if ok else 'FAILS'}; target <= 1 s)")


def reference_gradient(S: int = 1000, A: int = 10) -> None:
    import numeric

    rng = np.random.default_rng(0)
    P = rng.random((S, A, S))
    P /= P.sum(axis=2, keepdims=True)
    mdp = numeric.FiniteMDP(P, rng.standard_normal((S, A)), 0.95)
    policy = numeric.TabularSoftmax(rng.standard_normal((S, A)))
    M = np.eye(S) - 0.9 * P[:, 0, :]
    b = rng.standard_normal(S)
    grad = best_of(lambda: numeric.utility_gradient(mdp, policy))
    solve = best_of(lambda: np.linalg.solve(M, b))
    print(f"numeric.utility_gradient S={S} A={A}: {grad * 1e3:.1f} ms; np.linalg.solve({S}): {solve * 1e3:.1f} ms, "
          f"ratio {grad / solve:.2f}x")
    try:
        from scipy.linalg import lu_factor
    except ImportError:
        print("one LU factorisation: skipped (SciPy not installed)")
    else:
        lu = best_of(lambda: lu_factor(M.T, check_finite=False))  # Mᵀ is Fortran-ordered: LAPACK's getrf, one copy
        lu_c = best_of(lambda: lu_factor(M, check_finite=False))   # a C-ordered M: SciPy transposes it first
        print(f"one LU factorisation (scipy.linalg.lu_factor, {S}x{S}): {lu * 1e3:.1f} ms of a Fortran-ordered "
              f"matrix (getrf alone), {lu_c * 1e3:.1f} ms of a C-ordered one; ours / LU = {grad / lu:.2f}x and "
              f"{grad / lu_c:.2f}x (target <= 1.2x)")
    t_torch = torch_gradient_seconds(P, np.asarray(mdp.r, dtype=np.float64), np.asarray(policy.theta), 0.95)
    if t_torch is None:
        print("torch autograd comparison: skipped (torch not installed; `pip install torch==2.13.0` for it)")
        return
    print(f"torch autograd through torch.linalg.solve: {t_torch * 1e3:.1f} ms; ours / torch = {grad / t_torch:.2f}x "
          f"(target <= 0.75x)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--skip-exact", action="store_true", help="skip the S=50 exact check")
    args = p.parse_args()
    symbolic_proof()
    if not args.skip_exact:
        exact_check()
    reference_gradient()


if __name__ == "__main__":
    main()
