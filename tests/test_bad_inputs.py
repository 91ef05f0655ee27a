"""One table of invalid inputs at the public boundary, each with a valid near-miss and a readable id.

Each row: ``id``, a call with one bad argument, the error it must raise (a :class:`PGVerifyError`,
also a ``ValueError`` except for a bad derivation file), a regex its message must match — naming the argument and showing
the bad value — and a near-miss: the same call with the argument just valid, which must succeed.
The ids read ``area/what``.
"""

from __future__ import annotations

import warnings
from fractions import Fraction as F
from typing import Any, Callable

import numpy as np
import pytest

import numeric
import pgverify
from numeric import (EpisodicMDP, FiniteMDP, InvalidArgumentError, InvalidMDPError, InvalidPolicyError,
                     TabularSoftmax, brute_force_optimum, deterministic_policy_value, policy_iteration, policy_value)
from numeric import strategies as nst
from numeric.errors import PGVerifyError
from numeric.evaluation import NonFiniteResultError
from numeric.limits import TooLargeError
from numeric.sampling import sample_trajectories
from pgverify import testing
from pgverify.derivations import DerivationError
from pgverify.documents import DocumentError
from pgverify.notation.document import UnreadableDocument
from pgverify.notation.errors import MalformedNotation
from pgverify.registry import UnknownClaimError
from pgverify.trajectories import TrajectoryError, trajectories

P_OK = [[[0.5, 0.5]], [[0.0, 1.0]]]
R_OK = [[1.0], [0.0]]


def mdp(**kw: Any) -> FiniteMDP:
    return FiniteMDP(**{**dict(P=P_OK, r=R_OK, discount=0.9), **kw})


def utility_at(theta: Any, **kw: Any) -> Any:
    return numeric.utility(mdp(**kw), TabularSoftmax(theta))


EXACT = FiniteMDP(P=[[[1, 0], [0, 1]], [[0, 1], [0, 1]]], r=[[0, 0], [1, 1]], discount=F(1, 2))
FLOAT = EXACT.to_float()
SMALL = FiniteMDP(P=[[[F(1, 2), F(1, 2), 0], [F(1, 5), 0, F(4, 5)]], [[0, F(1, 3), F(2, 3)], [F(3, 4), F(1, 4), 0]],
                     [[F(1, 3), F(1, 3), F(1, 3)], [0, 0, 1]]],
                  r=[[1, -1], [2, 0], [0, 3]], discount=F(9, 10), initial=[F(1, 2), F(1, 4), F(1, 4)])
SMALL_POLICY = TabularSoftmax.from_weights([[1, 2], [3, 1], [1, 1]])
CHAIN = FiniteMDP([[[0, F(1, 2), F(1, 2)], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]],
                  [[1, 2], [3, 4], [0, 0]], F(1, 2))
LOOP = FiniteMDP([[[0, F(1, 2), F(1, 2)], [0, 0, 1]], [[0, 1, 0], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]], CHAIN.r, F(1, 2))
TWO_BY_TWO = FiniteMDP(P=np.full((2, 2, 2), 0.5), r=[[1.0, 0.0], [0.0, 2.0]], discount=0.5)


class FixedPolicy:
    """A stationary policy given by its table π[s, a] (zeros allowed)."""

    def __init__(self, pi: Any, *, claims_to_fit: bool = False) -> None:
        self.pi, self.claims_to_fit = np.asarray(pi, dtype=np.float64), claims_to_fit

    def probabilities(self) -> np.ndarray:
        return self.pi

    def check_compatible(self, m: FiniteMDP) -> None:
        if not self.claims_to_fit:
            TabularSoftmax(np.zeros(self.pi.shape)).check_compatible(m)


def sample(m: FiniteMDP = SMALL, policy: Any = SMALL_POLICY, **kw: Any) -> Any:
    return sample_trajectories(m, policy, **{**dict(horizon=3, num_trajectories=5, rng=np.random.default_rng(0)),
                                             **kw})


def episodic(**kw: Any) -> EpisodicMDP:
    return EpisodicMDP(**{**dict(mdp=CHAIN, absorbing=2, horizon=3), **kw})


def exact_gradient(m: FiniteMDP, theta: np.ndarray) -> np.ndarray:
    return numeric.utility_gradient(m, TabularSoftmax(theta))


def assert_pg(grad_fn: Callable[..., Any] = exact_gradient, **kw: Any) -> None:
    testing.assert_policy_gradient(grad_fn, **{**dict(max_examples=2, max_states=2, max_actions=2), **kw})


def taylor(grad_fn: Callable[..., Any] = exact_gradient, **kw: Any) -> Any:
    return testing.taylor_test(grad_fn, TWO_BY_TWO, np.array([[0.3, -0.2], [0.1, 0.5]]), **kw)


def derivation_file(body: str) -> Any:
    """Load a derivation file with ``body`` (written to a fresh temporary directory)."""
    import tempfile
    from pathlib import Path

    from pgverify.derivations import load_derivations

    path = Path(tempfile.mkdtemp(prefix="pgverify-bad-")) / "derivation.py"
    path.write_text("import sys\nimport pgverify\n\n" + body, encoding="utf-8")
    return load_derivations(path)


QUICK = pgverify.Settings(numeric_examples=5, exact_points=1, counterexample_examples=20)
PROVED = "$$ U(\\theta) = U(\\theta) $$\n"


def document(text: str | bytes = PROVED, name: str = "doc.md") -> Any:
    """A fresh file ``name`` holding ``text`` (bytes as they are, a string as UTF-8)."""
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp(prefix="pgverify-doc-")) / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def verify_doc(path: Any) -> Any:
    from pgverify.documents import verify_document

    return verify_document(path, QUICK)


def verify_unpermitted(path: Any) -> Any:
    """verify_document on a file the operating system refuses to read (root reads anything: the refusal is made)."""
    from pathlib import Path
    from unittest import mock

    with mock.patch.object(Path, "read_bytes", side_effect=PermissionError(13, "Permission denied")):
        return verify_doc(path)


def _two(name_a: str, name_b: str) -> str:
    return "".join(f"@pgverify.derivation({n!r})\ndef f{i}(m):\n    yield m.U\n    yield m.U\n\n"
                   for i, n in enumerate((name_a, name_b)))


def validate_settings(settings: Any, jobs: Any = None) -> None:
    from pgverify.api import _validate

    _validate(["pgt.theorem"], settings, jobs)


def model_2x2(**kw: Any) -> Any:
    return numeric.model(TWO_BY_TWO, TabularSoftmax(np.zeros((2, 2))), **kw)


def horizon_mdp_model() -> Any:
    return numeric.model(TWO_BY_TWO, TabularSoftmax(np.zeros((2, 2))))


ROWS: list[tuple[str, Callable[[], Any], type[PGVerifyError], str, Callable[[], Any]]] = [
    # ------------------------------------------------------------------ FiniteMDP: P
    ("mdp/P-row-not-stochastic", lambda: mdp(P=[[[0.5, 0.4]], [[0.0, 1.0]]]), InvalidMDPError,
     r"P\[0, 0, :\] = \[0.5, 0.4\] sums to 0.9 \(1 - 0.1\), not 1", lambda: mdp(P=[[[0.5, 0.5 + 1e-12]], [[0.0, 1.0]]])),
    ("mdp/P-row-off-by-1e-7", lambda: mdp(P=[[[0.1, 0.9 + 1e-7]], [[0.0, 1.0]]]), InvalidMDPError,
     r"sums to 1 \(1 \+ 1e-07\), not 1 \(tolerance 1e-09\)", lambda: mdp(P=[[[0.1, 0.9 + 1e-10]], [[0.0, 1.0]]])),
    ("mdp/P-float32-row-not-stochastic", lambda: mdp(P=np.array([[[0.1, 0.8]], [[0.3, 0.7]]], dtype=np.float32)),
     InvalidMDPError, r"sums to 0.9 \(1 - 0.1\), not 1 \(tolerance 9.5e-07\)",
     lambda: mdp(P=np.array([[[0.1, 0.9]], [[0.3, 0.7]]], dtype=np.float32))),
    ("mdp/P-row-not-stochastic-exact", lambda: mdp(P=[[[F(1, 2), F(1, 3)]], [[0, 1]]], r=[[1], [0]], discount=F(1, 2)),
     InvalidMDPError, r"P\[0, 0, :\] = \[1/2, 1/3\] sums to 5/6, not 1",
     lambda: mdp(P=[[[F(1, 2), F(1, 2)]], [[0, 1]]], r=[[1], [0]], discount=F(1, 2))),
    ("mdp/P-negative", lambda: mdp(P=[[[1.5, -0.5]], [[0.0, 1.0]]]), InvalidMDPError,
     r"P\[0, 0, 1\] = -0.5 is negative", lambda: mdp(P=[[[1.0, 0.0]], [[0.0, 1.0]]])),
    ("mdp/P-nan", lambda: mdp(P=[[[np.nan, 1.0]], [[0.0, 1.0]]]), InvalidMDPError, r"P\[0, 0, 0\] is nan",
     lambda: mdp(P=[[[0.0, 1.0]], [[0.0, 1.0]]])),
    ("mdp/P-rank-2", lambda: mdp(P=[[0.5, 0.5], [0.0, 1.0]]), InvalidMDPError,
     r"P must have shape \(S, A, S\).*got \(2, 2\)", lambda: mdp(P=[[[0.5, 0.5]], [[0.0, 1.0]]])),
    ("mdp/P-axes-differ", lambda: mdp(P=[[[1.0]], [[1.0]]]), InvalidMDPError,
     r"matching first and last axes, got \(2, 1, 1\)", lambda: mdp(P=[[[1.0, 0.0]], [[0.0, 1.0]]])),
    ("mdp/P-no-states", lambda: FiniteMDP(np.zeros((0, 1, 0)), np.zeros((0, 1)), 0.9), InvalidMDPError,
     r"P has shape \(0, 1, 0\): an MDP needs at least one state and one action",
     lambda: FiniteMDP(np.ones((1, 1, 1)), np.zeros((1, 1)), 0.9)),
    ("mdp/P-no-actions", lambda: FiniteMDP(np.zeros((2, 0, 2)), np.zeros((2, 0)), 0.9), InvalidMDPError,
     r"P has shape \(2, 0, 2\): an MDP needs at least one state and one action",
     lambda: FiniteMDP(np.full((2, 1, 2), 0.5), np.zeros((2, 1)), 0.9)),
    ("mdp/P-strings", lambda: mdp(P=[[["a", "b"]], [["c", "d"]]]), InvalidMDPError, r"P must",
     lambda: mdp(P=[[[F(1, 2), F(1, 2)]], [[0, 1]]], r=[[1], [0]], discount=F(1, 2))),
    # ------------------------------------------------------------------ FiniteMDP: r, discount, initial
    ("mdp/r-inf", lambda: mdp(r=[[np.inf], [0.0]]), InvalidMDPError, r"r\[0, 0\] is inf", lambda: mdp(r=[[1e300], [0.0]])),
    ("mdp/r-shape", lambda: mdp(r=[1.0, 0.0]), InvalidMDPError, r"r must have shape \(S, A\) = \(2, 1\).*got \(2,\)",
     lambda: mdp(r=[[1.0], [0.0]])),
    ("mdp/discount-one", lambda: mdp(discount=1.0), InvalidMDPError, r"discount must lie in \[0, 1\), got 1",
     lambda: mdp(discount=0.999999)),
    ("mdp/discount-negative", lambda: mdp(discount=-0.1), InvalidMDPError, r"got -0.1", lambda: mdp(discount=0.0)),
    ("mdp/discount-nan", lambda: mdp(discount=float("nan")), InvalidMDPError, r"got nan", lambda: mdp(discount=0.5)),
    ("mdp/discount-string", lambda: mdp(discount="0.9"), InvalidMDPError,
     r"discount must be a real number, got '0.9'", lambda: mdp(discount=F(9, 10))),
    ("mdp/initial-out-of-range", lambda: mdp(initial=2), InvalidMDPError, r"initial state 2 is out of range for S=2",
     lambda: mdp(initial=1)),
    ("mdp/initial-float", lambda: mdp(initial=1.5), InvalidMDPError,
     r"initial must be a state index \(an int\) or a distribution over the states, got 1.5", lambda: mdp(initial=1)),
    ("mdp/initial-not-distribution", lambda: mdp(initial=[0.5, 0.6]), InvalidMDPError,
     r"initial = \[0.5, 0.6\] is not a probability", lambda: mdp(initial=[0.4, 0.6])),
    ("mdp/initial-wrong-length", lambda: mdp(initial=[1.0]), InvalidMDPError, r"shape \(2,\), got shape \(1,\)",
     lambda: mdp(initial=[1.0, 0.0])),
    # ------------------------------------------------------------------ TabularSoftmax
    ("policy/theta-nan", lambda: TabularSoftmax([[0.0, np.nan]]), InvalidPolicyError, r"theta\[0, 1\] is nan",
     lambda: TabularSoftmax([[0.0, 1.0]])),
    ("policy/theta-rank-1", lambda: TabularSoftmax([0.0, 1.0]), InvalidPolicyError,
     r"theta must have shape \(S, A\).*got shape \(2,\)", lambda: TabularSoftmax([[0.0, 1.0]])),
    ("policy/theta-spread-overflows", lambda: TabularSoftmax([[1e308, -1e308]]), InvalidPolicyError,
     r"theta\[0, :\] spans from -1e\+308 to 1e\+308: the softmax's differences .* overflow float64",
     lambda: TabularSoftmax([[1e308, 0.0]])),
    ("policy/weights-zero", lambda: TabularSoftmax.from_weights([[1, 0]]), InvalidPolicyError, r"weights\[0, 1\] = 0",
     lambda: TabularSoftmax.from_weights([[1, F(1, 10**9)]])),
    ("policy/weights-float", lambda: TabularSoftmax.from_weights([[1.0, 2.5]]), InvalidPolicyError,
     r"weights must hold exact numbers .* with weights\[0, 1\] = 2.5", lambda: TabularSoftmax.from_weights([[1, F(5, 2)]])),
    ("policy/weights-nan", lambda: TabularSoftmax.from_weights([[1, float("nan")]]), InvalidPolicyError,
     r"weights must hold exact numbers .* with weights\[0, 1\] = nan", lambda: TabularSoftmax.from_weights([[1, 1]])),
    ("policy/theta-shape-vs-mdp", lambda: numeric.utility(mdp(), TabularSoftmax(np.zeros((2, 2)))), InvalidPolicyError,
     r"theta has shape \(2, 2\) but the MDP has S=2 states and A=1 actions",
     lambda: numeric.utility(mdp(), TabularSoftmax(np.zeros((2, 1))))),
    # ------------------------------------------------------------------ evaluation
    ("eval/exact-demanded-of-float", lambda: numeric.model(mdp(), TabularSoftmax(np.zeros((2, 1))), exact=True),
     InvalidMDPError, r"exact=True needs an exact mdp",
     lambda: numeric.model(mdp(), TabularSoftmax(np.zeros((2, 1))), exact=False)),
    ("eval/not-an-mdp", lambda: numeric.utility("mdp", TabularSoftmax(np.zeros((2, 1)))), InvalidMDPError,
     r"mdp must be a numeric.FiniteMDP, got str", lambda: numeric.utility(mdp(), TabularSoftmax(np.zeros((2, 1))))),
    ("eval/utility-overflows", lambda: utility_at(np.zeros((2, 1)), r=[[1e308], [0.0]]), NonFiniteResultError,
     r"U is not finite in float64 \(got (nan|inf)\): returns can reach max\|r\| / \(1 − λ\) = inf",
     lambda: utility_at(np.zeros((2, 1)), r=[[1e300], [0.0]])),
    ("eval/gradient-overflows",
     lambda: numeric.utility_gradient(mdp(r=[[1e308], [0.0]]), TabularSoftmax(np.zeros((2, 1)))),
     NonFiniteResultError, r"∇U is not finite in float64",
     lambda: numeric.utility_gradient(mdp(r=[[1e300], [0.0]]), TabularSoftmax(np.zeros((2, 1))))),
    ("eval/strategy-min-above-max", lambda: nst.finite_mdps(min_states=3, max_states=2), InvalidMDPError,
     r"min_states=3 is larger than max_states=2", lambda: nst.finite_mdps(min_states=2, max_states=2)),
    # ------------------------------------------------------------------ optimal policies
    ("optimal/pi-shape", lambda: policy_value(EXACT, [[1, 0]]), InvalidPolicyError,
     r"pi must have shape \(S, A\) = \(2, 2\) to match the MDP, got \(1, 2\)", lambda: policy_value(EXACT, [[1, 0], [0, 1]])),
    ("optimal/pi-negative", lambda: policy_value(EXACT, [[F(3, 2), F(-1, 2)], [1, 0]]), InvalidPolicyError,
     r"pi\[0, 1\] = -1/2 is negative", lambda: policy_value(EXACT, [[F(1, 2), F(1, 2)], [1, 0]])),
    ("optimal/pi-row-sum", lambda: policy_value(EXACT, [[F(1, 2), F(1, 3)], [1, 0]]), InvalidPolicyError,
     r"pi\[0, :\] = \[1/2, 1/3\] sums to 5/6, not 1", lambda: policy_value(EXACT, [[0, 1], [1, 0]])),
    ("optimal/pi-row-sum-float", lambda: policy_value(FLOAT, [[0.5, 0.4], [1.0, 0.0]]), InvalidPolicyError,
     r"pi\[0, :\] = \[0.5, 0.4\] sums to 0.9, not 1", lambda: policy_value(FLOAT, [[0.5, 0.5 + 1e-12], [1.0, 0.0]])),
    ("optimal/pi-nan", lambda: policy_value(FLOAT, [[np.nan, 1.0], [1.0, 0.0]]), InvalidPolicyError, r"pi\[0, 0\] is nan",
     lambda: policy_value(FLOAT, [[0.0, 1.0], [1.0, 0.0]])),
    ("optimal/pi-strings", lambda: policy_value(EXACT, [["a", "b"], ["c", "d"]]), InvalidPolicyError, r"pi must",
     lambda: policy_value(EXACT, [[1, 0], [1, 0]])),
    ("optimal/actions-out-of-range", lambda: deterministic_policy_value(EXACT, [0, 2]), InvalidPolicyError,
     r"actions\[1\] = 2 is not an action index in \[0, 2\)", lambda: deterministic_policy_value(EXACT, [0, 1])),
    ("optimal/actions-negative", lambda: deterministic_policy_value(EXACT, [-1, 0]), InvalidPolicyError,
     r"actions\[0\] = -1", lambda: deterministic_policy_value(EXACT, [0, 0])),
    ("optimal/actions-length", lambda: deterministic_policy_value(EXACT, [0]), InvalidPolicyError,
     r"actions must be 2 integers \(one action per state\), got \[0\]", lambda: deterministic_policy_value(EXACT, [0, 0])),
    ("optimal/actions-float", lambda: deterministic_policy_value(EXACT, [0.0, 1.0]), InvalidPolicyError,
     r"got \[0.0, 1.0\]", lambda: deterministic_policy_value(EXACT, np.array([1, 1], dtype=np.int8))),
    ("optimal/brute-force-too-large", lambda: brute_force_optimum(EXACT, max_policies=3), InvalidArgumentError,
     r"A\^S = 2\^2 = 4 deterministic policies, more than max_policies=3", lambda: brute_force_optimum(EXACT, max_policies=4)),
    ("optimal/brute-force-max-zero", lambda: brute_force_optimum(EXACT, max_policies=0), InvalidArgumentError,
     r"max_policies must be a positive integer, got 0", lambda: brute_force_optimum(EXACT, max_policies=1000)),
    ("optimal/brute-force-max-bool", lambda: brute_force_optimum(EXACT, max_policies=True), InvalidArgumentError,
     r"got True", lambda: brute_force_optimum(EXACT)),
    ("optimal/not-an-mdp", lambda: policy_iteration({"P": 1}), InvalidMDPError,
     r"mdp must be a numeric.FiniteMDP, got dict", lambda: policy_iteration(FLOAT)),
    # ------------------------------------------------------------------ sampling
    ("sampling/horizon-zero", lambda: sample(horizon=0), InvalidArgumentError, r"horizon=0 must be at least 1",
     lambda: sample(horizon=1)),
    ("sampling/horizon-float", lambda: sample(horizon=3.0), InvalidArgumentError, r"horizon must be an integer, got 3.0",
     lambda: sample(horizon=np.int64(3))),
    ("sampling/horizon-bool", lambda: sample(horizon=True), InvalidArgumentError, r"horizon must be an integer, got True",
     lambda: sample(horizon=1)),
    ("sampling/trajectories-zero", lambda: sample(num_trajectories=0), InvalidArgumentError,
     r"num_trajectories=0 must be at least 1", lambda: sample(num_trajectories=1)),
    ("sampling/trajectories-negative", lambda: sample(num_trajectories=-5), InvalidArgumentError,
     r"num_trajectories=-5", lambda: sample(num_trajectories=5)),
    ("sampling/rng-int-seed", lambda: sample(rng=0), InvalidArgumentError, r"rng must be a numpy.random.Generator.*got 0",
     lambda: sample(rng=np.random.default_rng(0))),
    ("sampling/rng-none", lambda: sample(rng=None), InvalidArgumentError, r"got None",
     lambda: sample(rng=np.random.default_rng(None))),
    ("sampling/rng-legacy", lambda: sample(rng=np.random.RandomState(0)), InvalidArgumentError, r"got RandomState",
     lambda: sample(rng=np.random.Generator(np.random.PCG64(0)))),
    ("sampling/policy-shape", lambda: sample(policy=TabularSoftmax(np.zeros((3, 3)))), InvalidPolicyError,
     r"theta has shape \(3, 3\) but the MDP has S=3 states and A=2 actions",
     lambda: sample(policy=TabularSoftmax(np.zeros((3, 2))))),
    ("sampling/policy-array", lambda: sample(policy=np.full((3, 2), 0.5)), InvalidPolicyError,
     r"policy must provide probabilities\(\), got ndarray", lambda: sample(policy=FixedPolicy(np.full((3, 2), 0.5)))),
    ("sampling/policy-row-not-stochastic", lambda: sample(policy=FixedPolicy([[0.5, 0.5], [0.5, 0.4], [1.0, 0.0]])),
     InvalidPolicyError, r"policy.probabilities\(\)\[1\] = \[0.5, 0.4\] is not a probability distribution",
     lambda: sample(policy=FixedPolicy([[0.5, 0.5 + 1e-12], [1.0, 0.0], [0.0, 1.0]]))),
    ("sampling/policy-negative", lambda: sample(policy=FixedPolicy([[0.5, 0.5], [1.5, -0.5], [1.0, 0.0]])),
     InvalidPolicyError, r"\[1\] = \[1.5, -0.5\]", lambda: sample(policy=FixedPolicy([[0.5, 0.5], [1.0, 0.0], [1.0, 0.0]]))),
    ("sampling/policy-nan", lambda: sample(policy=FixedPolicy([[0.5, 0.5], [0.5, 0.5], [np.nan, 1.0]])),
     InvalidPolicyError, r"\[2\] = \[nan, 1\]", lambda: sample(policy=FixedPolicy([[0.5, 0.5], [0.5, 0.5], [0.0, 1.0]]))),
    ("sampling/policy-table-shape", lambda: sample(policy=FixedPolicy([0.5, 0.5], claims_to_fit=True)),
     InvalidPolicyError, r"policy.probabilities\(\) must have shape \(S, A\) = \(3, 2\), got \(2,\)",
     lambda: sample(policy=FixedPolicy(np.full((3, 2), 0.5), claims_to_fit=True))),
    ("sampling/not-an-mdp", lambda: sample(m="SMALL"), InvalidMDPError, r"mdp must be a numeric.FiniteMDP, got str",
     lambda: sample(m=SMALL.to_float(), policy=SMALL_POLICY.to_float())),
    # ------------------------------------------------------------------ episodic MDPs and trajectories
    ("episodic/mdp-not-finite-mdp", lambda: episodic(mdp="not an mdp"), InvalidMDPError,
     r"mdp must be a numeric.FiniteMDP", lambda: episodic(mdp=CHAIN.to_float())),
    ("episodic/absorbing-out-of-range", lambda: episodic(absorbing=3), InvalidMDPError,
     r"absorbing=3 must be a state index", lambda: episodic(absorbing=np.int64(2))),
    ("episodic/absorbing-bool", lambda: episodic(absorbing=True), InvalidMDPError, r"absorbing=True",
     lambda: episodic(absorbing=2)),
    ("episodic/horizon-zero", lambda: episodic(horizon=0), InvalidMDPError, r"horizon=0 must be an integer T >= 1",
     lambda: episodic(horizon=4)),
    ("episodic/horizon-float", lambda: episodic(horizon=2.5), InvalidMDPError, r"horizon=2.5",
     lambda: episodic(horizon=3)),
    ("episodic/horizon-too-short", lambda: episodic(horizon=2), InvalidMDPError,
     r"horizon=2 is too short: the path 0 -a0-> 1 is not in the absorbing state 2", lambda: episodic(horizon=3)),
    ("episodic/absorbing-no-self-loop", lambda: episodic(absorbing=1), InvalidMDPError,
     r"P\[1, 0, 1\] = 0: the absorbing state 1 must loop", lambda: episodic(absorbing=2)),
    ("episodic/absorbing-reward", lambda: episodic(mdp=FiniteMDP(CHAIN.P, [[1, 2], [3, 4], [0, 5]], F(1, 2))),
     InvalidMDPError, r"r\[2, 1\] = 5: the absorbing state 2 must have reward 0",
     lambda: episodic(mdp=FiniteMDP(CHAIN.P, [[1, 2], [3, 4], [0, 0]], F(1, 2)))),
    ("episodic/loop-never-absorbs",
     lambda: episodic(mdp=FiniteMDP([[[0, F(1, 2), F(1, 2)], [0, 0, 1]], [[0, 1, 0], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]],
                                    CHAIN.r, F(1, 2))), InvalidMDPError,
     r"horizon=3 is too short, and so is every horizon: the path 0 -a0-> 1 -a0-> 1 can go on around a cycle "
     r"that never reaches the absorbing state 2",
     lambda: episodic(mdp=FiniteMDP([[[0, F(1, 2), F(1, 2)], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]],
                                    CHAIN.r, F(1, 2)))),
    ("episodic/enumeration-too-large", lambda: episodic(horizon=40).trajectories(), TooLargeError,
     r"enumerating every trajectory of T=40 states on S=3 states and A=2 actions: [\d,]+ trajectories, "
     r"above the limit of 250,000; set the environment variable PGVERIFY_MAX_TRAJECTORIES",
     lambda: episodic(horizon=12).trajectories()),
    ("trajectories/horizon-16-on-2x2", lambda: trajectories(horizon_mdp_model(), horizon=16), TooLargeError,
     r"T=17 states on S=2 states and A=2 actions: 4,294,967,296 trajectories, above the limit of 250,000",
     lambda: trajectories(horizon_mdp_model(), horizon=8)),
    ("trajectories/horizon-negative", lambda: trajectories(horizon_mdp_model(), horizon=-1), TrajectoryError,
     r"horizon must be a non-negative integer, got -1", lambda: trajectories(horizon_mdp_model(), horizon=0)),
    ("trajectories/finite-mdp-not-model", lambda: trajectories(TWO_BY_TWO, horizon=1), TrajectoryError,
     r"m must be a numeric Model \(build one with numeric.model\(mdp, policy\)\), got FiniteMDP",
     lambda: trajectories(horizon_mdp_model(), horizon=1)),
    ("trajectories/none", lambda: trajectories(None, horizon=1), TrajectoryError,
     r"m must be a numeric Model, got NoneType", lambda: trajectories(model_2x2(exact=False), horizon=1)),
    ("trajectories/mean-wrong-length", lambda: trajectories(horizon_mdp_model(), horizon=1).mean(np.zeros(3)),
     TrajectoryError, r"leading trajectory axis of length 4, got shape \(3,\)",
     lambda: trajectories(horizon_mdp_model(), horizon=1).mean(np.zeros(4))),
    ("episodic/loop-with-a-huge-horizon", lambda: episodic(mdp=LOOP, horizon=10**6), InvalidMDPError,
     r"horizon=1000000 is too short, and so is every horizon", lambda: episodic(horizon=10**6)),
    ("enumerate/horizon-zero", lambda: numeric.enumerate_trajectories(CHAIN.P, CHAIN.mu0, 0), InvalidArgumentError,
     r"horizon must be an integer T >= 1 \(states per trajectory\), got 0",
     lambda: numeric.enumerate_trajectories(CHAIN.P, CHAIN.mu0, 1)),
    ("enumerate/limit-negative", lambda: numeric.enumerate_trajectories(CHAIN.P, CHAIN.mu0, 3, limit=-1), InvalidArgumentError,
     r"limit=-1: a limit must be a non-negative integer \(0 means no limit\)",
     lambda: numeric.enumerate_trajectories(CHAIN.P, CHAIN.mu0, 3, limit=0)),
    # ------------------------------------------------------------------ pgverify.check and claims
    ("api/patterns-not-strings", lambda: pgverify.check([1]), UnknownClaimError,
     r"patterns must be a list of claim-id patterns .* got \[1\]", lambda: pgverify.claims(["pgt.theorem"])),
    ("api/claims-patterns-int", lambda: pgverify.claims(5), UnknownClaimError, r"got 5", lambda: pgverify.claims("pgt.*")),
    ("api/settings-none", lambda: pgverify.check(["pgt.theorem"], None), InvalidArgumentError,
     r"settings must be a pgverify.Settings, got NoneType", lambda: pgverify.claims(None)),
    ("api/seed-negative", lambda: pgverify.check(["pgt.theorem"], pgverify.Settings(seed=-1)), InvalidArgumentError,
     r"Settings.seed must be an integer >= 0, got -1", lambda: validate_settings(pgverify.Settings(seed=7))),
    ("api/seed-string", lambda: pgverify.check(["pgt.theorem"], pgverify.Settings(seed="a")), InvalidArgumentError,
     r"Settings.seed must be an integer >= 0, got 'a'", lambda: validate_settings(pgverify.Settings(seed=2**40))),
    ("api/examples-zero", lambda: pgverify.check(["pgt.theorem"], pgverify.Settings(numeric_examples=0)),
     InvalidArgumentError, r"Settings.numeric_examples must be an integer >= 1, got 0",
     lambda: validate_settings(pgverify.Settings(numeric_examples=1))),
    ("api/methods-unknown", lambda: pgverify.check(["pgt.theorem"], pgverify.Settings(methods=("bogus",))),
     InvalidArgumentError, r"Settings.methods must name some of \('symbolic', 'exact', 'numeric'\), got \('bogus',\)",
     lambda: validate_settings(pgverify.Settings(methods=("exact",)))),
    ("api/opt-in-unknown", lambda: pgverify.check(["pgt.theorem"], pgverify.Settings(opt_in=("bogus",))),
     UnknownClaimError, r"--opt-in 'bogus' is not a costly check",
     lambda: validate_settings(pgverify.Settings(opt_in=("symbolic-4x2",)))),
    ("api/symbolic-size-zero", lambda: pgverify.Settings(symbolic_size=(0, 2)), InvalidArgumentError,
     r"Settings.symbolic_size must be \(states, actions\), two integers >= 1, got \(0, 2\)",
     lambda: validate_settings(pgverify.Settings(symbolic_size=(3, 2)))),
    ("api/symbolic-size-too-large", lambda: pgverify.Settings(symbolic_size=(4, 3)), InvalidArgumentError,
     r"Settings.symbolic_size=\(4, 3\): a symbolic tabular family with states=4 and actions=3 is too large",
     lambda: validate_settings(pgverify.Settings(symbolic_size=(2, 3)))),
    ("api/jobs-zero", lambda: pgverify.check(["pgt.theorem"], jobs=0), InvalidArgumentError,
     r"jobs must be a positive integer or None \(one per CPU\), got 0",
     lambda: validate_settings(pgverify.Settings(), jobs=1)),
    ("api/jobs-string", lambda: pgverify.check(["pgt.theorem"], jobs="2"), InvalidArgumentError, r"got '2'",
     lambda: validate_settings(pgverify.Settings(), jobs=None)),
    ("mdp/P-ragged", lambda: mdp(P=[[[1.0], [0.5, 0.5]]], r=[[1.0, 1.0]]), InvalidMDPError, r"P must be an array of numbers",
     lambda: mdp(P=[[[1.0, 0.0], [0.5, 0.5]], [[0.0, 1.0], [0.0, 1.0]]], r=[[1.0, 1.0], [0.0, 0.0]])),
    # ------------------------------------------------------------------ derivation files (pgverify verify)
    ("verify/two-derivations-one-name", lambda: derivation_file(_two("same", "same")), DerivationError,
     r"two derivations are named 'same' \(lines 4 and 9\)", lambda: derivation_file(_two("same", "other"))),
    ("verify/file-calls-sys-exit", lambda: derivation_file(_two("a", "b") + "sys.exit(5)\n"), DerivationError,
     r"derivation.py called sys.exit\(5\) at line 14 \(sys.exit\(5\)\) while being imported",
     lambda: derivation_file(_two("a", "b") + "if __name__ == '__main__':\n    sys.exit(5)\n")),
    # ------------------------------------------------------------------ documents (pgverify verify FILE.md)
    ("document/not-utf8", lambda: verify_doc(document("# Notes\n\nna\xefve\n\n".encode("latin-1") + PROVED.encode())),
     UnreadableDocument, r"doc.md is not UTF-8 text: byte 0xef on line 3 \(offset 11\) does not decode",
     lambda: verify_doc(document("# Notes\n\nna\xefve\n\n" + PROVED))),
    ("document/directory", lambda: verify_doc(document().parent), UnreadableDocument,
     r"pgverify-doc-\w+ is a directory, not a document", lambda: verify_doc(document())),
    ("document/missing", lambda: verify_doc(document().with_name("other.md")), UnreadableDocument,
     r"other.md: no such file", lambda: verify_doc(document(name="other.md"))),
    ("document/not-permitted", lambda: verify_unpermitted(document()), UnreadableDocument,
     r"doc.md cannot be read: permission denied", lambda: verify_doc(document())),
    ("document/unclosed-dollars", lambda: verify_doc(document(PROVED + "\ntext\n\n$$ U(\\theta) = 1\n\nmore\n")),
     MalformedNotation, r"this `\$\$` has no closing `\$\$` .* at line 5, column 1",
     lambda: verify_doc(document(PROVED + "\ntext\n\n$$ U(\\theta) = U(\\theta)\n$$\nmore\n"))),
    ("document/unclosed-align",
     lambda: verify_doc(document(PROVED + "\n\\begin{align} U(\\theta) &= U(\\theta)\n\nmore\n")), MalformedNotation,
     r"`\\begin\{align\}` is never closed by `\\end\{align\}` at line 3, column 1",
     lambda: verify_doc(document(PROVED + "\n\\begin{align} U(\\theta) &= U(\\theta)\n\\end{align}\n"))),
    ("document/unclosed-align-before-another",
     lambda: verify_doc(document("\\begin{align} U(\\theta) &= U(\\theta)\n\n\\begin{align} 1 &= 1 \\end{align}\n")),
     MalformedNotation, r"`\\begin\{align\}` is never closed by `\\end\{align\}` at line 3, column 1",
     lambda: verify_doc(document("\\begin{align} U(\\theta) &= U(\\theta) \\end{align}\n\n"
                                 "\\begin{align} 1 &= 1 \\end{align}\n"))),
    ("document/end-without-begin", lambda: verify_doc(document(PROVED + "\n\\end{aligned}\n")), MalformedNotation,
     r"`\\end\{aligned\}` closes no display .* at line 3, column 1", lambda: verify_doc(document(PROVED + "\nend\n"))),
    ("document/unclosed-bracket-tex", lambda: verify_doc(document("\\[ U(\\theta) = U(\\theta) \\]\n\\[ x = 1\n",
                                                                   name="doc.tex")),
     MalformedNotation, r"`\\\[` opens a display that is never closed at line 2, column 1",
     lambda: verify_doc(document("\\[ U(\\theta) = U(\\theta) \\]\n% \\[ x = 1\n", name="doc.tex"))),
    ("document/no-display", lambda: verify_doc(document("# Notes\n\nOnly prose, and `$$` in code.\n")), DocumentError,
     r"doc.md holds no display .*: nothing was read, nothing is verified",
     lambda: verify_doc(document("# Notes\n\nOnly prose, and `$$` in code.\n\n" + PROVED))),
    ("document/unknown-id", lambda: verify_doc(document("<!-- pgverify: id setting.utilty -->\n" + PROVED)),
     DocumentError, r"display 1 \(line 2\) is annotated with id 'setting.utilty', which is not a catalogue claim; "
     r"did you mean 'setting.utility'\? `pgverify list` lists the ids",
     lambda: verify_doc(document("<!-- pgverify: id setting.utility -->\n" + PROVED))),
    # ------------------------------------------------------------------ pgverify.testing
    ("testing/horizon-zero", lambda: assert_pg(horizon=0), testing.InvalidTestArgument,
     r"horizon must be an integer >= 1, got 0", lambda: assert_pg(horizon=1)),
    ("testing/max-examples-zero", lambda: assert_pg(max_examples=0), testing.InvalidTestArgument,
     r"max_examples must be an integer >= 1, got 0", lambda: assert_pg(max_examples=1)),
    ("testing/max-states-bool", lambda: assert_pg(max_states=True), testing.InvalidTestArgument,
     r"max_states must be an integer >= 1, got True", lambda: assert_pg(max_states=1)),
    ("testing/rtol-zero", lambda: assert_pg(rtol=0.0), testing.InvalidTestArgument, r"rtol must lie in \(0, 1\), got 0.0",
     lambda: assert_pg(rtol=1e-6)),
    ("testing/seed-negative", lambda: assert_pg(seed=-1), testing.InvalidTestArgument,
     r"seed must be an integer >= 0, got -1", lambda: assert_pg(seed=0)),
    ("testing/seed-string", lambda: assert_pg(seed="abc"), testing.InvalidTestArgument,
     r"seed must be an integer >= 0, got 'abc'", lambda: assert_pg(seed=2**40)),
    ("testing/grad-fn-not-callable", lambda: assert_pg(3), testing.InvalidTestArgument,
     r"grad_fn must be callable, got int", lambda: assert_pg(exact_gradient)),
    ("testing/grad-fn-returns-none", lambda: assert_pg(lambda m, theta: None), testing.InvalidTestArgument,
     r"grad_fn\(mdp, theta\) returned None; it must return the gradient",
     lambda: assert_pg(lambda m, theta: exact_gradient(m, theta).tolist())),
    ("testing/grad-fn-one-argument", lambda: assert_pg(lambda theta: theta), testing.InvalidTestArgument,
     r"grad_fn must accept 2 positional arguments \(mdp, theta\), but its signature is \(theta\)",
     lambda: assert_pg(lambda m, theta, *rest: exact_gradient(m, theta))),
    ("testing/estimator-two-arguments", lambda: assert_pg(lambda m, theta: theta, estimator=True, horizon=1),
     testing.InvalidTestArgument, r"grad_fn must accept 3 positional arguments \(mdp, theta, trajectories\)",
     lambda: assert_pg(lambda m, theta, trs: exact_gradient(m, theta), estimator=True, horizon=1)),
    ("testing/taylor-steps-too-few", lambda: taylor(steps=(0.1, 0.01)), testing.InvalidTestArgument,
     r"steps must be at least three", lambda: taylor(steps=(0.1, 0.01, 0.001))),
    ("testing/taylor-wrong-shape", lambda: taylor(lambda m, th: np.zeros(4)), testing.InvalidTestArgument,
     r"grad_fn returned shape \(4,\)", lambda: taylor(lambda m, th: np.zeros((2, 2)))),
    ("testing/taylor-returns-none", lambda: taylor(lambda m, th: None), testing.InvalidTestArgument,
     r"grad_fn returned None", lambda: taylor(lambda m, th: exact_gradient(m, th))),
    ("testing/taylor-steps-none", lambda: taylor(steps=None), testing.InvalidTestArgument,
     r"steps must be at least three step sizes in \(0, 1\), got None", lambda: taylor(steps=[0.1, 0.01, 0.001])),
    ("testing/taylor-seed-negative", lambda: taylor(seed=-1), testing.InvalidTestArgument,
     r"seed must be an integer >= 0, got -1", lambda: taylor(seed=1)),
]


@pytest.mark.parametrize("make, error, message", [r[1:4] for r in ROWS], ids=[r[0] for r in ROWS])
def test_bad_input_is_rejected_with_the_argument_named(make, error, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning on the way to the error either
        with pytest.raises(error, match=message) as info:
            make()
    assert isinstance(info.value, PGVerifyError)  # one family; argument errors are ValueErrors too
    assert isinstance(info.value, ValueError) or error is DerivationError


@pytest.mark.parametrize("near_miss", [r[4] for r in ROWS], ids=[r[0] for r in ROWS])
def test_valid_near_miss_is_accepted(near_miss):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        near_miss()


def test_records_are_immutable():
    m = mdp()
    with pytest.raises(Exception):
        m.discount = 0.5  # type: ignore[misc]
    with pytest.raises(ValueError):
        m.P[0, 0, 0] = 1.0
