"""The output's rules against direct computations: which entries differ, how a gradient's entry is named, which
factors one side drops, how an aligned block splits into rows and cells.

* :func:`pgverify.output.words.failing_entries` / ``differing_entry``: Hypothesis draws two arrays of fractions
  (as the checker writes them, strings) and a relation; the reference compares them entry by entry with
  numpy's object arrays and ``operator``.
* the name of a gradient's entry: a flat gradient over a tabular θ of S states and A actions, the differing entry
  at flat position k is ∂/∂θ[k // A, k % A] (numpy's ``unravel_index``).
* :func:`pgverify.output.words.dropped`: a product of drawn factors against the same product with some of them
  removed (in any order) says ``drops`` and exactly the removed factors (as a multiset), and ``adds`` the other
  way round.
* :func:`pgverify.output.annotate.split_rows`: a grid of drawn cells (some with a ``&`` or ``\\\\`` inside braces,
  ``\\left…\\right`` or a nested environment) joined with ``&`` and ``\\\\`` splits back into the same grid.
"""

from __future__ import annotations

import operator
from collections import Counter
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pgverify.output.annotate import split_rows
from pgverify.output.words import atoms, ce_tables, differing_entry, dropped, failing_entries, summary
from pgverify.verdicts import ClaimResult, Counterexample

OPS = {"=": operator.eq, "<": operator.lt, ">": operator.gt, "≤": operator.le, "≥": operator.ge}
fractions = st.fractions(min_value=-3, max_value=3, max_denominator=4)


@st.composite
def two_sides(draw):
    shape = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    size = int(np.prod(shape)) if shape else 1
    left = draw(st.lists(fractions, min_size=size, max_size=size))
    # the right side: equal to the left at some entries, drawn at others
    right = [a if draw(st.booleans()) else draw(fractions) for a in left]
    as_array = (lambda xs: np.array([str(x) for x in xs], dtype=object).reshape(shape).tolist()) if shape else (
        lambda xs: str(xs[0]))
    return as_array(left), as_array(right), shape


@settings(max_examples=150, deadline=None)
@given(two_sides(), st.sampled_from(sorted(OPS)))
def test_failing_entries_are_those_where_the_relation_is_false(sides, relation):
    left, right, shape = sides
    a = np.array(left, dtype=object).reshape(shape or ())
    b = np.array(right, dtype=object).reshape(shape or ())
    want = {tuple(int(i) for i in at) for at in np.ndindex(*(shape or ()))
            if not OPS[relation](Fraction(a[at]), Fraction(b[at]))}
    assert failing_entries(left, right, "=" if relation == "=" else relation) == want
    ce = Counterexample("f", "exact", f"step 1 ({relation})", 0, {}, left, right, True)
    rows = [tuple(int(i) for i in at) for at in np.ndindex(*(shape or ()))]
    assert ce_tables(ce, relation=relation, limit=100)[-1].marked == {n for n, at in enumerate(rows) if at in want}
    first = differing_entry(left, right, relation)
    if not want:
        assert first is None
    else:
        at = min(want)  # row-major: the first failing entry
        assert first == (at, a[at] if shape else left, b[at] if shape else right)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_a_gradient_entry_is_named_by_its_state_and_action(states, actions, data):
    k = data.draw(st.integers(0, states * actions - 1))
    lhs = ["0"] * (states * actions)
    rhs = list(lhs)
    rhs[k] = data.draw(st.sampled_from(["1", "-1/2", "3/4"]))
    example = {"P": [[["1"] * states for _ in range(actions)] for _ in range(states)],
               "policy": {"exp_theta": [["1"] * actions for _ in range(states)]}}
    ce = Counterexample("tabular-softmax", "exact", "step 1 (=)", 0, example, lhs, rhs, True)
    result = ClaimResult(claim=None, verdict="refuted", checks=(), counterexample=ce)

    class Shown:  # a display opening with ∇_θ
        verdict, latex, steps, reason = "refuted", r"\nabla_\theta U(\theta) = 0", (), ""

    Shown.result = result
    s, a = np.unravel_index(k, (states, actions))
    words = summary(Shown())
    assert f"on this {states}-state, {actions}-action MDP" in words, words
    assert f"∂/∂θ[{s},{a}] is 0 on the left and {rhs[k].replace('-', '−')} on the right" in words, words


FACTORS = [r"\lambda^{t-1}", r"(1-\lambda)^{-1}", r"\pi_\theta(a\vert s)", r"q(s, a)", r"\gamma", r"2",
           r"\nabla_\theta \log\pi_\theta(a_t \vert s_t)", r"\left[G_t - b(s_t)\right]", r"\frac{1}{N}", r"d(s)"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(FACTORS), min_size=2, max_size=6), st.data())
def test_a_dropped_factor_is_found_whatever_the_order(factors, data):
    keep = data.draw(st.lists(st.booleans(), min_size=len(factors), max_size=len(factors)))
    kept = [f for f, k in zip(factors, keep) if k]
    removed = [f for f, k in zip(factors, keep) if not k]
    shuffled = data.draw(st.permutations(kept))
    left, right = " ".join(factors), " ".join(shuffled) if shuffled else "1"
    got = dropped(f"{left} = {right}")
    if not removed:
        assert got is None
        return
    if not kept:
        assert got is None or got[0] == "drops"  # the right side is the bare 1: a factor of its own
        return
    assert got is not None and got[0] == "drops"
    assert Counter(atoms(got[1])) == Counter(a for f in removed for a in atoms(f))
    back = dropped(f"{right} = {left}")
    assert back is not None and back[0] == "adds" and Counter(atoms(back[1])) == Counter(atoms(got[1]))


CELLS = ["a", r"\frac{1}{2}", r"{x & y}", r"\left( p \\ q \right)", r"\begin{matrix} 1 & 2 \\ 3 & 4 \end{matrix}",
         r"= \sum_{s} d(s)", r"\text{for all } s", " ", r"\lambda^{t-1}"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(CELLS), min_size=1, max_size=4), min_size=1, max_size=4))
def test_an_aligned_block_splits_into_its_rows_and_cells(grid):
    body = r" \\ ".join(" & ".join(row) for row in grid)
    got = split_rows(body)
    # the reference: the grid as drawn, cells compared without the spaces the joining added
    assert [[c.strip() for c in row] for row in got] == [[c.strip() for c in row] for row in grid] or (
        # a last row of blank cells is dropped (a trailing \\ ends the block)
        len(grid) > 1 and not "".join(grid[-1]).strip()
        and [[c.strip() for c in row] for row in got] == [[c.strip() for c in row] for row in grid[:-1]])
