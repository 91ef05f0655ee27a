"""GAE (profile gae): δ_t^V, Â_t^{(k)} and Â_t^{GAE(γ,λ)} on every trajectory of an episodic model, against a loop
over that trajectory written here.

Reference (Schulman et al. 2015, arXiv 1506.02438, section 3), time from 0, τ = (x_0, y_0, …, x_{H−1}) with H the
number of states of an enumerated trajectory; past its end the trajectory stays in its last state (the absorbing
state) and takes no action, so r there is r(x_{H−1}, ·) when that is one number:

    δ_u = r_u + γ V(x_{u+1}) − V(x_u),   Â_t^{(k)} = Σ_{l<k} γ^l δ_{t+l},   Â_t^{GAE(γ,λ)} = Σ_{l≥0} (γλ)^l δ_{t+l},

the last summed while its terms do not vanish and refused otherwise (the evaluator's rule: the terms at the last two
summed times must be exactly 0).  V is the family's drawn function b of the state (`V depends on s`) or the value
v^π, computed here by iterating v ← r_π + γP_π v on the layered model (exact after as many steps as states).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pgverify.families import get_family
from pgverify.notation import gae, parse_expression
from pgverify.notation.evaluate import Conventions, NotEvaluable, Tensor, evaluate_side
from pgverify.registry import all_claims
from refsem import as_fraction

all_claims()
SETTINGS = settings(max_examples=12, deadline=None, database=None)
F = np.vectorize(as_fraction, otypes=[object])
TRACES = st.sampled_from([Fraction(0), Fraction(1, 3), Fraction(1, 2), Fraction(1)])


def _model(i: int):
    return get_family("episodic-softmax").exact_points(3, 2)[i]


def _value(m) -> list[Fraction]:
    """v^π by iterating the Bellman equation on the layered model (acyclic but for the absorbing self-loop)."""
    P, pi, r, lam = F(m.P), F(m.pi), F(m.r), as_fraction(m.lam)
    S, A = r.shape
    v = [Fraction(0)] * S
    for _ in range(S + 1):
        v = [sum((pi[s, a] * (r[s, a] + lam * sum((P[s, a, x] * v[x] for x in range(S)), Fraction(0)))
                  for a in range(A)), Fraction(0)) for s in range(S)]
    again = [sum((pi[s, a] * (r[s, a] + lam * sum((P[s, a, x] * v[x] for x in range(S)), Fraction(0)))
                  for a in range(A)), Fraction(0)) for s in range(S)]
    assert again == v, "the layered model's values settle after S steps"
    return v


class _Undefined(Exception):
    """r after the end of a trajectory where r(x_{H−1}, ·) is not one number."""


def _reference(m, V: list[Fraction], kind: str, k: int, trace: Fraction) -> dict[tuple[int, int], Fraction | None]:
    """(t, trajectory row) → Â_t on that trajectory; None where the reference refuses (a tail that does not
    vanish, or an undefined reward read)."""
    tr = m.extras["trajectories"]
    states, actions = np.asarray(tr.states), np.asarray(tr.actions)
    r, lam = F(m.r), as_fraction(m.lam)
    n, H = states.shape

    def x(row: int, u: int) -> int:
        return int(states[row, min(u, H - 1)])

    def reward(row: int, u: int) -> Fraction:
        if u <= H - 2:
            return r[x(row, u), int(actions[row, u])]
        values = set(r[x(row, u), :].tolist())
        if len(values) != 1:
            raise _Undefined
        return values.pop()

    def delta(row: int, u: int) -> Fraction:
        return reward(row, u) + lam * V[x(row, u + 1)] - V[x(row, u)]

    out: dict[tuple[int, int], Fraction | None] = {}
    for t in range(H + 1):
        for row in range(n):
            try:
                if kind == "k":
                    out[t, row] = sum((lam ** l * delta(row, t + l) for l in range(k)), Fraction(0))
                else:
                    c = lam * trace
                    # the evaluator sums l = 0 … H over the padded trajectory; its terms at l = H − 1, H must be 0
                    tail = [c ** l * delta(row, t + l) for l in (H - 1, H)] if t < H - 1 else []
                    out[t, row] = None if any(x_ != 0 for x_ in tail) else \
                        sum((c ** l * delta(row, t + l) for l in range(H + 1)), Fraction(0))
            except _Undefined:
                out[t, row] = None
    return out


def _evaluated(m, text: str, value_v: bool, times: np.ndarray) -> np.ndarray:
    node = gae.expand_gae(parse_expression(text, profile="gae"), arbitrary_v=not value_v, value_v=value_v)
    conv = Conventions(time_base=0, arbitrary=() if value_v else (("f", "b"),))
    n = m.extras["trajectories"].states.shape[0]
    tau = Tensor(np.arange(n), ("\\tau",))
    free = {"t": Tensor(times, ("t",)), "\\tau": tau, "#trajectory": tau}
    out = evaluate_side(node, m, conv, free=free)
    return np.broadcast_to(np.asarray(out.expand(("t", "\\tau")), dtype=object), (len(times), n))


@SETTINGS
@given(i=st.integers(0, 2), k=st.integers(1, 3), value_v=st.booleans())
@example(i=0, k=2, value_v=False)
def test_the_k_step_estimator_is_the_loop_over_its_residuals(i, k, value_v):
    m = _model(i)
    V = _value(m) if value_v else [as_fraction(x) for x in m.extras["b"]]
    H = m.extras["trajectories"].states.shape[1]
    want = _reference(m, V, "k", k, Fraction(0))
    times = np.arange(0, H - k + 1)  # Â_t^{(k)} reads s_{t+k}: inside the padded trajectory (times ≤ H)
    got = _evaluated(m, rf"\hat{{A}}_t^{{({k})}}", value_v, times)
    for j, t in enumerate(times.tolist()):
        for row in range(got.shape[1]):
            assert want[t, row] is not None
            assert as_fraction(got[j, row]) == want[t, row], (t, row)


@SETTINGS
@given(i=st.integers(0, 2), trace=TRACES, value_v=st.booleans())
@example(i=0, trace=Fraction(1, 2), value_v=True)
@example(i=1, trace=Fraction(0), value_v=False)
def test_the_generalized_estimator_is_the_loop_over_its_residuals(i, trace, value_v):
    m = _model(i)
    V = _value(m) if value_v else [as_fraction(x) for x in m.extras["b"]]
    H = m.extras["trajectories"].states.shape[1]
    want = _reference(m, V, "gae", 0, trace)
    times = np.arange(0, H - 1)
    text = rf"\hat{{A}}_t^{{\mathrm{{GAE}}(\gamma, \frac{{{trace.numerator}}}{{{trace.denominator}}})}}"
    if any(w is None for w in want.values()):
        with pytest.raises(NotEvaluable):
            _evaluated(m, text, value_v, times)
        return
    got = _evaluated(m, text, value_v, times)
    for j, t in enumerate(times.tolist()):
        for row in range(got.shape[1]):
            assert as_fraction(got[j, row]) == want[t, row], (t, row)


@SETTINGS
@given(i=st.integers(0, 2), value_v=st.booleans())
def test_the_residual_reads_the_next_state(i, value_v):
    """δ_t^V alone (not through Â): the same loop with k = 1."""
    m = _model(i)
    V = _value(m) if value_v else [as_fraction(x) for x in m.extras["b"]]
    H = m.extras["trajectories"].states.shape[1]
    want = _reference(m, V, "k", 1, Fraction(0))
    times = np.arange(0, H)
    got = _evaluated(m, r"\delta_t^V", value_v, times)
    for j, t in enumerate(times.tolist()):
        for row in range(got.shape[1]):
            assert as_fraction(got[j, row]) == want[t, row], (t, row)
