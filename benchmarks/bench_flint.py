"""Figures of the python-flint exact engine (issue 12; design.md §6, §11), printed, not asserted.

    python benchmarks/bench_flint.py            # the default figures
    python benchmarks/bench_flint.py --large    # also the 4 × 3 universal proof (seconds, 0.6 GB)
    python benchmarks/bench_flint.py --large --every  # and 4 × 3 with every sub-identity expanded (minutes)
    python benchmarks/bench_flint.py --sympy    # also the SymPy-field comparison of the generic method

* universal proof of ``pgt.theorem`` on the S × A tabular softmax, every partial, any initial distribution,
  by polynomial identities (:mod:`symbolic.pgt_proof`, ``fmpz_mpoly``): 2×2, 3×2, 3×3, 4×2 (4×3 with
  ``--large``), one sub-identity per symmetry orbit (what ``check`` runs) and every sub-identity (4×3: minutes,
  only with ``--large --every``); each proof in a fresh interpreter, with wall and CPU seconds and its peak RSS;
* the generic symbolic method (the claim in NumPy syntax on the flint field, :mod:`symbolic.flint_field`)
  on the 2 × 2 family, and with ``--sympy`` the same on SymPy's field (the engine it replaced);
* exact check of ``pgt.theorem`` at one random point of F_p (``nmod``/``nmod_mat``), S=50 and S=200, A=4;
* exact points in python-flint rationals (:class:`numeric.flint_exact.Q`) against ``fractions.Fraction``;
* the reference ∇U at S=1000, A=10 as a ratio to one LU factorisation (SciPy ``lu_factor``) and to torch
  autograd through ``torch.linalg.solve`` (when torch is installed).

The load average is printed first: on a shared machine the figures are labelled as measured under load.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from numeric.modular import random_tabular_point_mod_p  # noqa: E402
from pgverify.checker import evaluate_chain  # noqa: E402
from pgverify.registry import select  # noqa: E402
from symbolic.pgt_proof import prove_theorem_tabular  # noqa: E402
from bench_skeleton import reference_gradient  # noqa: E402  (one ∇U benchmark, shared)


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def load_label() -> str:
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    return f"load average {load:.1f} on {cpus} CPUs" + (" — figures measured UNDER LOAD" if load > 0.5 * cpus else "")


def proof_figures(S: int, A: int, symmetry: bool) -> None:
    """Run in a fresh interpreter (``--proof``): one line of JSON with the proof's outcome, wall, CPU, peak RSS."""
    import json
    import resource

    cpu = time.process_time()
    proof = prove_theorem_tabular(S, A, symmetry=symmetry)
    print(json.dumps({"holds": proof.holds, "seconds": proof.seconds, "cpu": time.process_time() - cpu,
                      "expanded": len(proof.expanded), "total": S * (S * A) ** 2, "by_symmetry": proof.by_symmetry,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def universal_proofs(large: bool, every: bool) -> None:
    import json
    import subprocess

    targets = {(3, 3): "target <= 1 s", (4, 2): "target <= 10 s", (4, 3): "target <= 60 s"}
    for S, A in [(2, 2), (3, 2), (3, 3), (4, 2)] + ([(4, 3)] if large else []):
        for symmetry in (True, False) if (S, A) != (4, 3) or every else (True,):
            out = subprocess.run([sys.executable, __file__, "--proof", str(S), str(A), str(int(symmetry))],
                                 capture_output=True, text=True, check=True).stdout
            f = json.loads(out.splitlines()[-1])
            how = "one per symmetry orbit" if f["by_symmetry"] else "every one"
            print(f"universal proof pgt.theorem tabular {S}x{A}, {S * A} partials, any μ: {f['expanded']} of "
                  f"{f['total']} sub-identities ({how}): holds={f['holds']} in {f['seconds']:.3f} s wall, "
                  f"{f['cpu']:.3f} CPU-s, peak RSS {f['rss_mb']:.0f} MB "
                  f"{('(' + targets[S, A] + ')') if (S, A) in targets and symmetry else ''}")


def sympy_field_model():
    """The 2 × 2 tabular-softmax model in SymPy's field (the engine the flint field replaced), for comparison."""
    import sympy
    from sympy import QQ

    from numeric.model import Model
    from symbolic.family import SYMBOLIC, tabular_softmax_family
    from symbolic.field import Rat

    fam = tabular_softmax_family(2, 2)
    K = QQ.frac_field(*fam.field_symbols).field
    gens = [Rat(g) for g in K.gens]
    one, zero = Rat(K.one), Rat(K.zero)
    p, r, lam, x = gens[:4], gens[4:8], gens[8], gens[9:13]
    P = np.empty((2, 2, 2), dtype=object)
    for i, (s, a) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        P[s, a] = [p[i], one - p[i]]
    X = np.array(x, dtype=object).reshape(2, 2)
    pi = X / X.sum(axis=1, keepdims=True)

    def derivative(y):
        arr = np.asarray(y, dtype=object)
        out = np.empty(arr.shape + (4,), dtype=object)
        for idx in np.ndindex(*arr.shape):
            out[idx] = [xk * arr[idx].diff(xk) if isinstance(arr[idx], Rat) else zero for xk in x]
        return out

    del sympy
    return Model(arithmetic=SYMBOLIC, P=P, r=np.array(r, dtype=object).reshape(2, 2), lam=lam,
                 mu0=np.array([one, zero], dtype=object), pi=pi, jacobian=lambda: derivative(pi),
                 vjp=lambda g: np.einsum("sa,sak->k", g, derivative(pi)), derivative=derivative)


def generic_method(with_sympy: bool) -> None:
    from symbolic.family import tabular_softmax_family

    theorem = select(["pgt.theorem"])[0]
    (ev, secs) = timed(lambda: evaluate_chain(theorem, tabular_softmax_family(2, 2).model()))
    print(f"generic symbolic method, pgt.theorem on the flint field, tabular 2x2 (model built in the timing): "
          f"holds={ev.first_failure is None} in {secs:.3f} s")
    for cid in ("pgt.proof.value-gradient", "pgt.average-reward", "pgt.compatible-approximation",
                "reinforce.gradient-estimate.linear.corrected"):
        from pgverify.families import get_family

        c = select([cid])[0]
        for name in c.families:
            model = get_family(name).symbolic()
            ev, secs = timed(lambda: evaluate_chain(c, model))
            print(f"generic symbolic method, {cid} on {name}: holds={ev.first_failure is None} in {secs:.2f} s "
                  f"(once 9-27 s per claim in SymPy's field, opt-in)")
    if with_sympy:
        ev, secs = timed(lambda: evaluate_chain(theorem, sympy_field_model()))
        print(f"generic symbolic method, pgt.theorem on SymPy's field, tabular 2x2: holds={ev.first_failure is None} "
              f"in {secs:.3f} s")


def modular() -> None:
    theorem = select(["pgt.theorem"])[0]
    rng = np.random.default_rng(0)
    for S, target in ((50, 0.05), (200, 0.5)):
        model = random_tabular_point_mod_p(rng, S, 4)
        ev, secs = timed(lambda: evaluate_chain(theorem, model))
        print(f"exact check pgt.theorem in F_p (nmod, nmod_mat), S={S} A=4, one point: "
              f"holds={ev.first_failure is None} in {secs:.3f} s (target <= {target} s; model built outside)")


def rationals() -> None:
    from numeric.arithmetic import EXACT
    from numeric.flint_exact import to_q
    from pgverify.families.base import tabular_from_base

    theorem = select(["pgt.theorem"])[0]
    rng = np.random.default_rng(1)
    S, A = 12, 4
    ints = [rng.integers(1, 2 ** 32, size=(S, A, S)), rng.integers(-2 ** 31, 2 ** 31, size=(S, A)),
            rng.integers(1, 2 ** 32, size=(S, A))]
    frac = lambda a: np.vectorize(lambda v: Fraction(int(v)), otypes=[object])(a)  # noqa: E731
    mu0 = np.array([Fraction(1)] + [Fraction(0)] * (S - 1), dtype=object)
    times = {}
    for name, conv, lam in (("Fraction", frac, Fraction(3, 4)), ("flint Q", to_q, to_q([3])[0] / 4)):
        W, R, X = (conv(a) for a in ints)
        _, secs = timed(lambda: evaluate_chain(theorem, tabular_from_base(EXACT, W, R, lam, X, mu0, "bench")))
        times[name] = secs
    print(f"exact point pgt.theorem S={S} A={A}, 32-bit coordinates: Fraction {times['Fraction']:.2f} s, "
          f"flint Q {times['flint Q']:.2f} s ({times['Fraction'] / times['flint Q']:.1f}x)")
    from pgverify.checker import Settings, _exact
    from pgverify.families import get_family

    for cid in ("reinforce.baseline-fit", "reinforce.gradient-estimate.corrected"):
        c = select([cid])[0]
        check, secs = timed(lambda: _exact(c, get_family(c.families[0]), Settings()))
        print(f"exact check {cid} (episodic, 3 points in flint Q, degree bound included): {secs:.2f} s "
              f"(passed={check.passed})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also the 4x3 universal proof (seconds, 0.6 GB)")
    parser.add_argument("--every", action="store_true", help="with --large: 4x3 with every sub-identity (minutes)")
    parser.add_argument("--proof", nargs=3, type=int, metavar=("S", "A", "SYMMETRY"), help=argparse.SUPPRESS)
    parser.add_argument("--sympy", action="store_true", help="also the generic method on SymPy's field")
    args = parser.parse_args()
    if args.proof:
        proof_figures(args.proof[0], args.proof[1], bool(args.proof[2]))
        return
    print(load_label())
    universal_proofs(args.large, args.every)
    generic_method(args.sympy)
    modular()
    rationals()
    reference_gradient()
    print(load_label())


if __name__ == "__main__":
    main()
