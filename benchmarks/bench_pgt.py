"""Scale figures of the policy gradient theorem section (printed, not asserted).

    python benchmarks/bench_pgt.py             # all figures but the slow symbolic ones
    python benchmarks/bench_pgt.py --symbolic  # also the generic symbolic proofs of three PGT claims

* universal proof of ``pgt.theorem`` on the 3 × 3 tabular softmax (every partial, any μ), by polynomial identities,
  one per symmetry orbit (:mod:`symbolic.pgt_proof`, python-flint; benchmarks/bench_flint.py has every size);
* exact check of ``pgt.theorem`` at S = 50, A = 4: in F_p (p = 2⁶¹ − 1, :mod:`numeric.modular`) and, for
  comparison, in Fractions at S = 20;
* float64 checks of every PGT claim that applies at S up to 200;
* with ``--symbolic``: the flint-field checks of ``pgt.proof.value-gradient``, ``pgt.average-reward`` and
  ``pgt.compatible-approximation`` at 2 × 2 (tabular and linear), part of the default run since issue 12.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from numeric.arithmetic import FLOAT64  # noqa: E402
from numeric.modular import PRIME, random_tabular_point_mod_p  # noqa: E402
from numeric.model import Model  # noqa: E402
from numeric.policies import softmax_jacobian, softmax_vjp  # noqa: E402
from pgverify.checker import evaluate_chain  # noqa: E402
from pgverify.families import get_family  # noqa: E402
from pgverify.families.base import _tabular_degree, random_tabular_point  # noqa: E402
from pgverify.registry import select  # noqa: E402
from symbolic.pgt_proof import prove_theorem_tabular  # noqa: E402
from symbolic.zero import schwartz_zippel_bound  # noqa: E402


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def float_model(rng: np.random.Generator, S: int, A: int) -> Model:
    W = rng.uniform(0.1, 1.0, size=(S, A, S))
    P = W / W.sum(axis=2, keepdims=True)
    theta = rng.normal(size=(S, A))
    pi = np.exp(theta) / np.exp(theta).sum(axis=1, keepdims=True)
    mu0 = np.eye(S)[0]
    return Model(arithmetic=FLOAT64, P=P, r=rng.normal(size=(S, A)), lam=0.9, mu0=mu0, pi=pi,
                 jacobian=lambda: softmax_jacobian(pi), vjp=lambda g: softmax_vjp(pi, g), family=f"S={S} A={A}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbolic", action="store_true", help="also run the slow SymPy-field checks")
    args = parser.parse_args()
    theorem = select(["pgt.theorem"])[0]

    proof = prove_theorem_tabular(3, 3, symmetry=True)
    print(f"symbolic  pgt.theorem tabular 3x3, {len(proof.partials)} partials, {len(proof.expanded)} of 243 "
          f"sub-identities expanded (one per symmetry orbit): holds={proof.holds} "
          f"in {proof.seconds:.2f} s (target 1 s)")

    rng = np.random.default_rng(0)
    ev, secs = timed(lambda: evaluate_chain(theorem, random_tabular_point_mod_p(rng, 50, 4)))
    degree = max(e.num for e in np.ravel(theorem.evaluate(_tabular_degree(False, 50, 4)).steps[0].lhs
                                         - theorem.evaluate(_tabular_degree(False, 50, 4)).steps[0].rhs))
    print(f"exact     pgt.theorem S=50 A=4 in F_p, p=2^61-1, one point: holds={ev.first_failure is None} in "
          f"{secs:.2f} s (target 0.05 s); degree bound {degree}, false-pass bound per point "
          f"{schwartz_zippel_bound(degree, PRIME, 1):.1e} (given p does not divide the numerator)")
    ev, secs = timed(lambda: evaluate_chain(theorem, random_tabular_point(rng, 20, 4, "S=20")))
    print(f"exact     pgt.theorem S=20 A=4 in Fractions, one point: holds={ev.first_failure is None} in {secs:.2f} s "
          "(S=50 takes about 50 s)")

    claims = [c for c in select(["pgt.*"]) if "tabular-softmax" in c.families and c.id != "pgt.proof.induction"]
    for S in (50, 100, 200):
        m = float_model(rng, S, 4)
        for c in claims:
            ev, secs = timed(lambda: evaluate_chain(c, m))
            print(f"float64   {c.id} S={S} A=4: holds={ev.first_failure is None and ev.ill_formed is None} "
                  f"in {secs:.3f} s")

    if args.symbolic:
        for cid in ("pgt.proof.value-gradient", "pgt.compatible-approximation", "pgt.average-reward"):
            c = select([cid])[0]
            for name in c.families:
                ev, secs = timed(lambda: evaluate_chain(c, get_family(name).symbolic()))
                print(f"symbolic  {cid} {name} 2x2: holds={ev.first_failure is None} in {secs:.1f} s")


if __name__ == "__main__":
    main()
