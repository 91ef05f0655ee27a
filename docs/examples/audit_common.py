"""The small MDP every audit script shows in full, and how each configuration is reported.

Each configuration is diagnosed twice: on the MDP below (E[ĝ] printed in full),
and on Hypothesis-drawn episodic MDPs (pgverify.audit.survey: which targets
hold, with which factors, on how many informative draws).
"""

from fractions import Fraction as F

import numpy as np

from numeric import FiniteMDP, TabularSoftmax
from pgverify.audit import diagnose, survey

# s0 -a0-> s1 or the end (1/2 each), s0 -a1-> s1 (1/4) or the end (3/4); s1 -any-> the end.
# r(s0, a0) = 1, r(s1, a1) = 2, γ = 1/2; state 2 is absorbing with reward 0.
MDP = FiniteMDP(P=[[[0, F(1, 2), F(1, 2)], [0, F(1, 4), F(3, 4)]], [[0, 0, 1], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]],
                r=[[1, 0], [0, 2], [0, 0]], discount=F(1, 2))
POLICY = TabularSoftmax.from_weights([[1, 2], [3, 1], [1, 1]])   # π(·|s0) = (1/3, 2/3), π(·|s1) = (3/4, 1/4)


def show(a):
    return "[" + ", ".join(show(x) for x in a) + "]" if np.ndim(a) else f"{float(a):.4g}"


def audit(name, estimator, rollout, *, lambdas=(), max_examples=20):
    """Print what E[ĝ] of ``estimator`` equals, on MDP and on Hypothesis-drawn MDPs (two states, three actions)."""
    d = diagnose(estimator, MDP, POLICY, rollout=rollout, lambdas=lambdas)
    factors = "; ".join(f"{n} ({span(c, c)})" for n, c in d.matches.items())
    print(f"{name}")
    print(f"  small MDP:  {'none of the targets' if not d.matches else factors}")
    print(f"              E[ĝ] = {show(d.expectation.value)}  ({d.expectation.batches} batches, "
          f"{d.expectation.dtype}, tolerance {d.tolerance:.2g})")
    s = survey(estimator, rollout=rollout, lambdas=lambdas, max_examples=max_examples, horizon=2)
    held = [f"{n} ({span(lo, hi)}; informative on {s.informative[n]} of {s.examples} draws)"
            for n, (_, lo, hi) in s.matched.items() if s.holds(n)]
    undecided = [f"{n} (informative on {s.informative[n]})" for n in s.informative if s.verdict(n) == "undecided"]
    print(f"  drawn MDPs: {'; '.join(held) if held else f'no target holds on the {s.examples} drawn'}"
          + (f"; undecided: {', '.join(undecided)}" if undecided else ""))


def span(lo, hi):
    lo, hi = f"{lo:.4g}", f"{hi:.4g}"
    return f"factor {lo}" if lo == hi else f"factor {lo} to {hi}"


if __name__ == "__main__":  # the small MDP in full, and its targets
    from pgverify.audit import Rollout, setting, targets

    print(repr(MDP))
    print(f"policy {POLICY!r}, π = {show(POLICY.probabilities())}")
    st = setting(MDP, POLICY, Rollout())
    b = st.batches
    length = sum(p * int(b.arrays["mask"][i].sum()) for i, p in enumerate(b.probability))
    print(f"U = {MDP.mu0 @ st.values}, v = {show(st.values)}, expected episode length L = {length}")
    for t in targets(st, lambdas=(0.95,)):
        print(f"{t.name:40} {show(t.value)}")
