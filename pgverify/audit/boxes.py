"""The semantics of an algorithm box: its output as a random variable of N roll-outs, E[output] exactly, a verdict.

A :class:`~pgverify.notation.boxes.Box` is run, statement by statement in program order, on *every* batch of
N i.i.d. episodes of an exact episodic MDP under an exact tabular softmax policy (the audit's enumeration,
:func:`pgverify.audit.setting` with ``Rollout(n_envs=N, after_done="absorb")``): each value of the program is
an array over the batches, in exact rationals.  Then

    E[output] = Σ_B P_θ(B) output(B)

is compared exactly with ∇θU (differentiated directly, never through an identity under test) and diagnosed
with the audit's targets (:func:`pgverify.audit.diagnose`).

The box language (post profile: time from 1, λ the discount, T the horizon with s_T absorbing; the policy
still acts there, reward 0, as in the post's model):

==============================  ======================================================================
written                         value on a batch
==============================  ======================================================================
``s_t^n``, ``a_t^n``, ``r_t^n``  state, action, reward r(s_t, a_t) of roll-out n at time t (1 ≤ t ≤ T)
``G_n^t``                       Σ_{k≥t} λ^{k−t} r_k^n
``\\nabla_\\theta\\log\\pi_\\theta(a|s)``  the score, θ's shape
``b_\\omega(s)``                  the tabular baseline ω[s] (ω assigned by the box)
``\\sum_{n=1}^N``, ``\\sum_{t=1}^T``  finite sums (bounds evaluated to integers in range, else refused)
``\\argmin \\sum … (b_\\omega(x) − y)^2``  the least-squares fit, solved exactly per batch (normal equations of the
                                tabular b_ω: the per-state mean of y on the visited states; a state never
                                visited is *undetermined*, and using it refuses the box)
``\\theta \\leftarrow \\theta + \\eta X``  an ascent step, η a step-size symbol (α, η, any index): the direction X,
                                read at first order (steps inside a loop add their directions at θ)
==============================  ======================================================================

The output is the box's ``\\Return``/``output`` value, else the direction of its θ updates, else its last
assignment.  A claim (``estimates \\nabla_\\theta U(\\theta)``) on a ĝ is E[ĝ] = ∇U; on a θ direction it is
E[direction] = c∇U with c > 0 (the step size absorbs c).  Without a claim the report says what E[output]
equals among the audit's targets.

Readings.  A box as written may not be a program: ĝ_n assigned with an n no loop binds, b_ω used where the
box assigned ω̂ (ω is the argmin's bound variable).  Checked *as written* these are ill-formed; the
*reading* (the index dropped, ω read as ω̂) is checked separately and reported as a reading, never silently;
``fit="independent"`` fits every argmin on N further independent roll-outs (the corrected estimator).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from numeric.errors import PGVerifyError
from pgverify.audit.diagnosis import Diagnosis, diagnose
from pgverify.audit.expectation import Expectation, Setting, setting
from pgverify.audit.layout import AuditError, Rollout
from pgverify.audit.verdict import judge
from pgverify.notation import ast as A
from pgverify.notation.boxes import Box, BoxError, Statement

__all__ = ["BoxRefused", "BoxIllFormed", "Program", "run_box", "BoxOutcome", "BoxCheck", "check_box", "models",
           "BoxesRun", "check_boxes", "box_setting", "expected_output", "fit_verdict", "STEP_SIZES", "ROLLOUTS",
           "BOX_BATCH_LIMIT"]

#: Symbols read as step sizes (any index or superscript: α^θ, α^w).
STEP_SIZES = ("alpha", "eta")
#: The numbers of roll-outs N the check tries, in order.
ROLLOUTS = (1, 2, 3)
#: The most batches one run enumerates (a batch is one run of the box's program, vectorised).
BOX_BATCH_LIMIT = 60_000


class BoxRefused(PGVerifyError, ValueError):
    """The box (or a statement of it) has no meaning the semantics can give: the reason names the statement."""


class BoxIllFormed(BoxRefused):
    """As written the box is not a program (a free index, an unassigned name) — a reading may be."""


def _show(node: Any) -> str:
    try:
        from pgverify.notation.render import render_latex
        return render_latex(node)
    except Exception:  # noqa: BLE001 - a label only
        return type(node).__name__


# ----------------------------------------------------------------------------------------- values
@dataclass(frozen=True)
class V:
    """A value of the program on every batch: ``kind`` ∈ scalar (B,), vector (B, K), state/action (B,) ints,
    table (B, S) with None for undetermined entries, step (a step-size symbol)."""

    kind: str
    arr: Any


_UNDETERMINED = None


def _scalar(x: Any, B: int) -> np.ndarray:
    return np.full(B, Fraction(x), dtype=object)


@dataclass
class Program:
    """The run of a box on every batch of a :class:`Setting` (N roll-outs; ``fit`` the argmin's roll-outs)."""

    box: Box
    st: Setting
    N: int
    reading: bool = False
    fit_offset: int = 0
    env: dict = field(default_factory=dict)
    direction: Any = None
    output: Any = None
    output_name: str = ""
    notes: list = field(default_factory=list)
    first_order: bool = False
    fill: Fraction = Fraction(0)
    baseline: str = "tabular"
    used_undetermined: bool = False
    last: Any = None
    inputs: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        b = self.st.batches
        self.B = b.count
        self.states = b.arrays["states"]                 # (B, rows, E)
        self.actions = b.arrays["actions"]
        mdp = self.st.emdp.mdp
        r = np.asarray(mdp.r, dtype=object)
        self.rewards = r[self.states, self.actions]      # exact
        self.rows = self.states.shape[1]
        self.gamma = Fraction(self.st.gamma)
        G = np.full(self.states.shape, Fraction(0), dtype=object)
        acc = np.full((self.B, self.states.shape[2]), Fraction(0), dtype=object)
        for k in reversed(range(self.rows)):
            acc = self.rewards[:, k, :] + self.gamma * acc
            G[:, k, :] = acc
        self.G = G
        self.score = np.asarray(self.st.model.score, dtype=object)   # (S, A, K)
        self.K = self.score.shape[2]
        self.S = self.score.shape[0]
        self.horizon = self.st.emdp.horizon
        self.time_base = 0 if self.box.profile == "textbook" else 1
        self.mask = np.ones(self.B, dtype=bool)
        self.lengths = b.arrays["mask"].sum(axis=1)      # (B, E): steps of each episode (actions taken)
        self.fitted = {s.target.name for s in self.box.walk() if s.kind == "assign" and isinstance(s.rhs, A.Opt)
                       and isinstance(s.target, A.Sym)}

    # ---- names
    def _key(self, node: Any, bound: dict) -> str:
        if isinstance(node, A.Sym):
            if node.index is None:
                return node.name
            if isinstance(node.index, A.Var) and node.index.name not in bound:
                if self.reading:
                    self._note(f"{_show(node)}: the index {node.index.name} is bound by no loop; read as "
                               f"{node.name} (the reading)")
                    return node.name
                raise BoxIllFormed(f"{_show(node)} has the free index {node.index.name}: no loop binds it")
            return f"{node.name}_{_show(node.index)}"
        raise BoxRefused(f"cannot assign to {_show(node)} (a name like \\hat g, \\hat\\omega or \\theta)")

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # ---- indices
    def _ints(self, node: Any, bound: dict) -> np.ndarray:
        """An integer per batch (a loop's bound may be the episode's length T)."""
        v = self.expr(node, bound)
        if v.kind != "scalar" or any(Fraction(x).denominator != 1 for x in v.arr):
            raise BoxRefused(f"{_show(node)} is not an integer")
        return np.array([int(x) for x in v.arr], dtype=np.int64)

    def _int(self, node: Any, bound: dict) -> int:
        v = self._ints(node, bound)
        if not (v == v[0]).all():
            raise BoxRefused(f"{_show(node)} is not an integer the box fixes (it depends on the roll-outs)")
        return int(v[0])

    def _row(self, time_node: Any, bound: dict) -> int:
        t = self._int(time_node, bound)
        row = t - self.time_base
        if not 0 <= row < self.rows:
            last = self.rows - 1 + self.time_base
            raise BoxRefused(f"time {_show(time_node)} = {t} is out of range {self.time_base} … {last}")
        return row

    def _env(self, sample: Any, bound: dict, fit: bool = False) -> int:
        if sample is None:
            raise BoxRefused("a coordinate without its roll-out index n (s_t^n) in a box of N roll-outs")
        n = self._int(sample, bound)
        if not 1 <= n <= self.N:
            raise BoxRefused(f"roll-out {_show(sample)} = {n} is out of range 1 … N = {self.N}")
        return n - 1 + (self.fit_offset if fit else 0)

    # ---- expressions
    def expr(self, node: Any, bound: dict, fit: bool = False) -> V:
        B = self.B
        if isinstance(node, A.Num):
            return V("scalar", _scalar(node.value, B))
        if isinstance(node, A.Var):
            if node.name in bound:
                return V("scalar", _scalar(bound[node.name], B))
            raise BoxRefused(f"the index {node.name} is bound by no loop or sum here")
        if isinstance(node, A.Sym):
            if node.name == "discount" and node.index is None:
                return V("scalar", _scalar(self.gamma, B))
            if node.name == "N" and node.index is None:
                return V("scalar", _scalar(self.N, B))
            if node.name == "T" and node.index is None:
                if self.time_base == 1:
                    return V("scalar", _scalar(self.horizon, B))
                if "n" not in bound and self.N > 1:   # textbook: T is the length of roll-out n's episode
                    raise BoxRefused("T, the length of an episode, is read only inside a loop over the episodes")
                e = bound.get("n", 1) - 1 + (self.fit_offset if fit else 0)
                return V("scalar", np.array([Fraction(int(x)) for x in self.lengths[:, e]], dtype=object))
            if node.name in STEP_SIZES:
                return V("step", node)
            if node.index is None and node.name in self.inputs_names():
                return self._input(node.name)
            key = self._key(node, bound)
            if key in self.env:
                return self.env[key]
            raise BoxRefused(f"{_show(node)} is used before the box assigns it (an unknown name)")
        if isinstance(node, A.At):
            row = self._row(node.time, bound)
            e = self._env(node.sample, bound, fit)
            if node.name == "s":
                return V("state", self.states[:, row, e])
            if node.name == "a":
                return V("action", self.actions[:, row, e])
            if node.name == "r":
                return V("scalar", self.rewards[:, row, e])
            raise BoxRefused(f"the coordinate {_show(node)} is not read in a box (s, a, r)")
        if isinstance(node, A.Return) and node.kind == "G":
            if not isinstance(node.traj, (A.Var, A.Num, A.Sym)) or node.time is None:
                raise BoxRefused(f"{_show(node)}: a return of roll-out n at time t is written G_n^t")
            return V("scalar", self.G[:, self._row(node.time, bound), self._env(node.traj, bound, fit)])
        if isinstance(node, A.Apply) and isinstance(node.fn, A.Fn) and node.fn.name == "b":
            return self._baseline(node, bound, fit)
        if isinstance(node, A.Apply) and isinstance(node.fn, A.Fn) and node.fn.name in ("r", "v", "q"):
            return self._model_function(node, bound, fit)
        if isinstance(node, A.Grad):
            return self._score(node, bound, fit)
        if isinstance(node, A.Add):
            return self._add(self.expr(node.left, bound, fit), self.expr(node.right, bound, fit), node)
        if isinstance(node, A.Sub):
            return self._add(self.expr(node.left, bound, fit), self._neg(self.expr(node.right, bound, fit), node),
                             node)
        if isinstance(node, A.Neg):
            return self._neg(self.expr(node.operand, bound, fit), node)
        if isinstance(node, (A.Mul, A.Dot)):
            factors = node.factors if isinstance(node, A.Mul) else (node.left, node.right)
            out = self.expr(factors[0], bound, fit)
            for f in factors[1:]:
                out = self._mul(out, self.expr(f, bound, fit), node)
            return out
        if isinstance(node, A.Frac):
            num, den = self.expr(node.num, bound, fit), self.expr(node.den, bound, fit)
            if den.kind != "scalar" or any(x == 0 for x in den.arr):
                raise BoxRefused(f"{_show(node)}: the denominator is not a non-zero number")
            return self._mul(num, V("scalar", np.array([1 / x for x in den.arr], dtype=object)), node)
        if isinstance(node, A.Pow):
            if _step_size(node):
                return V("step", node)
            base = self.expr(node.base, bound, fit)
            k = self._ints(node.exp, bound)
            if base.kind != "scalar":
                raise BoxRefused(f"{_show(node)}: a power of a {base.kind}")
            if any(x == 0 and e < 0 for x, e in zip(base.arr, k)):
                raise BoxRefused(f"{_show(node)}: a negative power of 0")
            return V("scalar", np.array([Fraction(x) ** int(e) for x, e in zip(base.arr, k)], dtype=object))
        if isinstance(node, A.Sum):
            return self._sum(node, bound, fit)
        if isinstance(node, A.Opt):
            raise BoxRefused(f"{node.op} is read only as the whole right side of an assignment (ω̂ ← argmin …)")
        raise BoxRefused(f"{_show(node)} ({type(node).__name__}) has no meaning in a box")

    def _add(self, x: V, y: V, node: Any) -> V:
        if x.kind != y.kind or x.kind not in ("scalar", "vector"):
            raise BoxRefused(f"{_show(node)}: cannot add a {x.kind} and a {y.kind}")
        return V(x.kind, x.arr + y.arr)

    def _neg(self, x: V, node: Any) -> V:
        if x.kind not in ("scalar", "vector"):
            raise BoxRefused(f"{_show(node)}: cannot negate a {x.kind}")
        return V(x.kind, -x.arr)

    def _mul(self, x: V, y: V, node: Any) -> V:
        kinds = {x.kind, y.kind}
        if kinds == {"scalar"}:
            return V("scalar", x.arr * y.arr)
        if kinds == {"scalar", "vector"}:
            s, v = (x, y) if x.kind == "scalar" else (y, x)
            return V("vector", s.arr[:, None] * v.arr)
        raise BoxRefused(f"{_show(node)}: cannot multiply a {x.kind} by a {y.kind}")

    def _sum(self, node: A.Sum, bound: dict, fit: bool) -> V:
        if len(node.indices) != 1 or node.lower is None or node.upper is None or node.domain is not None:
            raise BoxRefused(f"{_show(node)}: a box's sum runs over one index between two bounds")
        var = node.indices[0].name
        lo, hi = self._ints(node.lower, bound), self._ints(node.upper, bound)
        total: V | None = None
        for i in range(int(lo.min()), int(hi.max()) + 1):
            inside = (lo <= i) & (i <= hi)      # the bounds may differ between batches (T, an episode's length)
            term = self.expr(node.body, {**bound, var: i}, fit)
            if term.kind not in ("scalar", "vector"):
                raise BoxRefused(f"{_show(node)}: a sum of {term.kind}s")
            arr = np.where(inside if term.kind == "scalar" else inside[:, None], term.arr, Fraction(0))
            term = V(term.kind, arr)
            total = term if total is None else self._add(total, term, node)
        if total is None:
            return V("scalar", _scalar(0, self.B))
        return total

    def _baseline(self, node: A.Apply, bound: dict, fit: bool) -> V:
        if len(node.args) != 1 or node.given:
            raise BoxRefused(f"{_show(node)}: a baseline takes one state, b_ω(s)")
        param = node.fn.param
        key = self._param_key(param, node)
        x = self.expr(node.args[0], bound, fit)
        if x.kind != "state":
            raise BoxRefused(f"{_show(node)}: the baseline's argument is not a state")
        table = self.env[key]
        vals = table.arr[np.arange(self.B), x.arr]
        if any(v is _UNDETERMINED for v in vals):
            self.used_undetermined = True
            self._note(f"{_show(node)} is used at a state the fit never visited (on some batches): every ω̂_s there "
                       f"minimises; read as the minimum-norm solution ω̂_s = 0, and the verdict kept only if ω̂_s = 1 "
                       f"gives the same E[output]")
            vals = np.array([self.fill if v is _UNDETERMINED else v for v in vals], dtype=object)
        return V("scalar", vals)

    def _param_key(self, param: Any, node: Any) -> str:
        if not isinstance(param, A.Sym):
            raise BoxRefused(f"{_show(node)}: the baseline's parameter is not a name (b_ω)")
        key = self._key(param, {})
        if key in self.env and self.env[key].kind == "table":
            return key
        hat = key + "_hat"
        if hat in self.env and self.env[hat].kind == "table":
            if self.reading:
                self._note(f"{_show(node)}: ω is never assigned (the box assigns ω̂ ← argmin …); read as b_ω̂")
                return hat
            raise BoxIllFormed(f"{_show(node)} uses ω, which the box never assigns (it assigns ω̂; ω is the "
                               f"argmin's bound variable)")
        if param.index is None and param.name not in self.fitted and f"{param.name}_hat" not in self.fitted:
            self._input(param.name)
            return param.name
        raise BoxRefused(f"{_show(node)}: the baseline's parameter {_show(param)} is never assigned by the box "
                         f"(an unknown name)")

    def inputs_names(self) -> set:
        return set(self.inputs)

    def _input(self, name: str) -> V:
        """A parameter the box never fits (critic weights w): an input, its initial value arbitrary; the check runs
        at the values :attr:`inputs` gives (w = 0 and another), the claim must hold at each."""
        if name not in self.inputs:
            raise BoxRefused(f"{name} is used before the box assigns it (an unknown name)")
        if name not in self.env:
            self._note(f"{name}: a parameter of b_{name} the box does not fit: an input, its initial value arbitrary "
                       f"(checked at {name} = {', '.join(map(str, self.inputs[name]))} …); its own updates change θ's "
                       f"direction only at second order in the step sizes")
            w = [Fraction(x) for x in self.inputs[name]]
            row = np.array(w if self.baseline == "tabular" else [w[0] + w[1] * s for s in range(self.S)],
                           dtype=object)
            if any(st.kind == "convention" for st in self.box.walk()):
                row[self.st.emdp.absorbing] = Fraction(0)
                self._note(f"v̂ is 0 at the terminal state (the box's convention): {name} there is 0")
            self.env[name] = V("table", np.tile(row, (self.B, 1)))
        return self.env[name]

    def _model_function(self, node: A.Apply, bound: dict, fit: bool) -> V:
        """r(s, a), and the exact v(s) = v_θ^λ(s), q(s, a) = q_θ^λ(s, a) of the policy (an exact critic)."""
        fn = node.fn
        if fn.discount is not None or fn.policy is not None or fn.param is not None or fn.primes or node.given:
            raise BoxRefused(f"{_show(node)}: only the plain r(s, a), v(s) and q(s, a) of π_θ are read in a box")
        want = ("state", "action") if fn.name in ("r", "q") else ("state",)
        args = [self.expr(a, bound, fit) for a in node.args]
        if tuple(a.kind for a in args) != want:
            raise BoxRefused(f"{_show(node)}: {fn.name} takes ({', '.join(want)})")
        m = self.st.model
        if fn.name == "r":
            table = np.asarray(self.st.emdp.mdp.r, dtype=object)
        elif fn.name == "q":
            table = np.asarray(m.q, dtype=object)
        else:
            table = np.asarray(m.v, dtype=object)
        if table.dtype != object or not all(isinstance(x, (int, Fraction)) for x in table.ravel()):
            raise BoxRefused(f"{_show(node)}: the model's {fn.name} is not exact here")
        if fn.name != "r" and self.gamma != Fraction(self.st.emdp.mdp.discount):
            raise BoxRefused(f"{_show(node)}: v and q are the MDP's at its own λ, not at the box's λ = {self.gamma}")
        return V("scalar", table[tuple(a.arr for a in args)])

    def _score(self, node: A.Grad, bound: dict, fit: bool) -> V:
        body = node.body
        if (isinstance(node.wrt, A.Sym) and node.wrt.name != "theta" and isinstance(body, A.Apply)
                and isinstance(body.fn, A.Fn) and body.fn.name == "b" and body.fn.param == node.wrt):
            self._baseline(body, bound, fit)   # b_w(s) must have a meaning
            x = self.expr(body.args[0], bound, fit)
            if self.baseline == "linear":      # ∇_w φ(s)ᵀw = φ(s) = (1, s)
                return V("wvector", np.array([[Fraction(1), Fraction(int(s))] for s in x.arr], dtype=object))
            onehot = np.zeros((self.B, self.S), dtype=object)
            onehot[:] = Fraction(0)
            onehot[np.arange(self.B), x.arr] = Fraction(1)
            return V("wvector", onehot)          # ∇_w b_w(s) = e_s for the tabular b_w
        ok = (isinstance(node.wrt, A.Sym) and node.wrt.name == "theta" and node.wrt.index is None
              and isinstance(body, A.Log) and isinstance(body.arg, A.Apply) and isinstance(body.arg.fn, A.Fn)
              and body.arg.fn.name == "pi" and len(body.arg.args) == 1 and len(body.arg.given) == 1)
        if not ok:
            raise BoxRefused(f"{_show(node)}: the only gradient a box reads is ∇_θ log π_θ(a|s)")
        a = self.expr(body.arg.args[0], bound, fit)
        s = self.expr(body.arg.given[0], bound, fit)
        if (a.kind, s.kind) != ("action", "state"):
            raise BoxRefused(f"{_show(node)}: π_θ(a|s) needs an action and a state")
        return V("vector", self.score[s.arr, a.arr])

    # ---- the least-squares fit
    def _fit(self, target: str, rhs: A.Opt, stmt: Statement) -> V:
        if rhs.op not in ("argmin", "argmax") or rhs.indices or rhs.domain is not None:
            raise BoxRefused(f"line {stmt.line}: {stmt.text!r}: only argmin of a sum of squares (or argmax of its "
                             f"negative) over the fitted parameter is solved")
        body = rhs.body
        if rhs.op == "argmax":  # argmax −Σ(b_ω(s) − y)² is the same least-squares fit; a Σ of squares has no maximiser
            if not isinstance(body, A.Neg):
                raise BoxRefused(f"line {stmt.line}: argmax of {_show(body)}: only the negative of a sum of squares "
                                 f"−Σ(b_ω(s) − y)² has a maximiser (the least-squares fit); a sum of squares is "
                                 f"unbounded above")
            body = body.operand
        param = target[:-4] if target.endswith("_hat") else target
        pairs: list[tuple[np.ndarray, np.ndarray]] = []

        def squares(node: Any, bound: dict) -> None:
            if isinstance(node, A.Sum) and len(node.indices) == 1 and node.lower is not None and node.domain is None:
                lo, hi = self._int(node.lower, bound), self._int(node.upper, bound)
                for i in range(lo, hi + 1):
                    squares(node.body, {**bound, node.indices[0].name: i})
                return
            if isinstance(node, A.Add):
                squares(node.left, bound)
                squares(node.right, bound)
                return
            if not (isinstance(node, A.Pow) and node.exp == A.Num(2) and isinstance(node.base, A.Sub)):
                raise BoxRefused(f"line {stmt.line}: argmin of {_show(node)}: not a sum of squares "
                                 f"(b_ω(s) − y)² — the fit is solved only for a quadratic (least squares)")
            left, right = node.base.left, node.base.right
            fitted = [x for x in (left, right) if isinstance(x, A.Apply) and isinstance(x.fn, A.Fn)
                      and x.fn.name == "b" and isinstance(x.fn.param, A.Sym) and x.fn.param.name in (param, target)
                      and x.fn.param.index is None]
            if len(fitted) != 1:
                raise BoxRefused(f"line {stmt.line}: argmin of {_show(node)}: each square must hold b_{param}(s) "
                                 f"once, minus a value that does not depend on {param}")
            b, y = (left, right) if fitted[0] is left else (right, left)
            if len(b.args) != 1 or b.given:
                raise BoxRefused(f"line {stmt.line}: {_show(b)}: a baseline takes one state")
            x = self.expr(b.args[0], bound, fit=True)
            yv = self.expr(y, bound, fit=True)
            if x.kind != "state" or yv.kind != "scalar":
                raise BoxRefused(f"line {stmt.line}: {_show(node)}: (b_ω(state) − number)² expected")
            pairs.append((x.arr, yv.arr))

        squares(body, {})
        self.fit_pairs = pairs
        # Normal equations of the tabular b_ω: count_s ω_s = Σ_{i: x_i = s} y_i, one equation per state.
        table = np.full((self.B, self.S), _UNDETERMINED, dtype=object)
        sums = np.full((self.B, self.S), Fraction(0), dtype=object)
        counts = np.zeros((self.B, self.S), dtype=np.int64)
        rows = np.arange(self.B)
        for x, y in pairs:
            np.add.at(counts, (rows, x.astype(np.int64)), 1)
            for state in np.unique(x):
                at = x == state
                sums[at, state] = sums[at, state] + y[at]
        seen = counts > 0
        if self.baseline == "linear":
            return V("table", self._linear_fit(pairs, seen, stmt))
        table[seen] = sums[seen] / counts[seen]
        if not seen.all():
            self._note(f"line {stmt.line}: on some batches a state is never visited by the fit: ω̂ there is any "
                       f"number (the argmin is not unique); the box is read only where it never uses such a state")
        self._note(f"line {stmt.line}: b_ω tabular (one ω_s per state): the argmin is separable, each ω_s a convex "
                   f"quadratic with the unique minimiser the mean of the y's at s (normal equations, exact)")
        return V("table", table)

    def _linear_fit(self, pairs: list, seen: np.ndarray, stmt: Statement) -> np.ndarray:
        """b_ω(s) = φ(s)ᵀω, φ(s) = (1, s): the normal equations Σφφᵀ ω = Σφy solved exactly per batch.  Singular
        (the fit visits one state): the fitted value there is the mean, elsewhere undetermined."""
        table = np.full((self.B, self.S), _UNDETERMINED, dtype=object)
        zero = np.full(self.B, Fraction(0), dtype=object)
        m01, m11, v0, v1 = zero.copy(), zero.copy(), zero.copy(), zero.copy()
        m00 = np.zeros(self.B, dtype=np.int64)
        for x, y in pairs:                     # Σφφᵀ and Σφy, φ(x) = (1, x), vectorised over the batches
            xs = x.astype(np.int64)
            m00 += 1
            m01 = m01 + xs
            m11 = m11 + xs * xs
            v0 = v0 + y
            v1 = v1 + xs * y
        det = m00 * m11 - m01 * m01
        ok = np.array([d != 0 for d in det], dtype=bool)
        for i in np.nonzero(ok)[0]:
            w0 = (m11[i] * v0[i] - m01[i] * v1[i]) / det[i]
            w1 = (m00[i] * v1[i] - m01[i] * v0[i]) / det[i]
            table[i] = [w0 + w1 * s for s in range(self.S)]
        singular = not ok.all()
        for i in np.nonzero(~ok)[0]:          # one state visited: its fitted value is the mean; the line is free
            for s in np.nonzero(seen[i])[0]:
                table[i, s] = v0[i] / m00[i]
        if singular:
            self._note(f"line {stmt.line}: on some batches the normal equations are singular (the fit visits one "
                       f"state): ω̂ is a line of minimisers; b_ω̂ is determined only at that state")
        self._note(f"line {stmt.line}: b_ω linear, b_ω(s) = φ(s)ᵀω with φ(s) = (1, s): the normal equations solved "
                   f"exactly (Cramer's rule) on every batch")
        return table

    # ---- statements
    def run(self) -> None:
        self._block(self.box.statements, {})

    def _block(self, stmts: tuple[Statement, ...], bound: dict) -> None:
        for s in stmts:
            self._statement(s, bound)

    def _statement(self, s: Statement, bound: dict) -> None:
        try:
            if s.kind == "rollouts":
                words = re.sub(r"\$[^$]*\$", " ", s.text)
                if re.search(r"\b\d+\b", words) or re.search(r"\$\s*N\s*=\s*\d", s.text):
                    raise BoxRefused("the box fixes its number of roll-outs; the check runs N = 1, 2, 3 (write N)")
                return
            if s.kind in ("label", "comment", "require", "convention"):
                return
            if s.kind == "for":
                if s.var in bound:
                    raise BoxRefused(f"the loop variable {s.var} is already bound")
                if s.over == "episodes":
                    for i in range(1, self.N + 1):
                        self._block(s.body, {**bound, s.var: i})
                    return
                lo, hi = self._ints(s.lower, bound), self._ints(s.upper, bound)
                outer = self.mask
                for i in range(int(lo.min()), int(hi.max()) + 1):
                    self.mask = outer & (lo <= i) & (i <= hi)   # an episode's own steps only (T its length)
                    if self.mask.any():
                        self._block(s.body, {**bound, s.var: i})
                self.mask = outer
                return
            if s.kind == "if":
                raise BoxRefused("a condition is not evaluated by the box semantics")
            if s.kind == "return":
                v = self.expr(s.rhs, bound)
                self.output, self.output_name = v, f"the returned {_show(s.rhs)}"
                return
            if s.kind == "assign":
                self._assign(s, bound)
                return
            raise BoxRefused(f"a {s.kind} statement has no meaning here")
        except BoxRefused as e:
            if str(e).startswith(f"line {s.line}:"):
                raise
            raise type(e)(f"line {s.line}: {s.text!r}: {e}") from None

    def _assign(self, s: Statement, bound: dict) -> None:
        target, rhs = s.target, s.rhs
        if isinstance(target, A.Sym) and target.name == "theta" and target.index is None:
            self._theta_update(s, bound)
            return
        key = self._key(target, bound)
        if isinstance(rhs, A.Opt):
            if not self.mask.all():
                raise BoxRefused("a fit inside a loop over time is not read")
            self.env[key] = self._fit(key, rhs, s)
            return
        if key in self.inputs:
            self._input_update(key, s, bound)
            return
        v = self.expr(rhs, bound)
        if v.kind not in ("scalar", "vector"):
            raise BoxRefused(f"the value assigned is a {v.kind}, not a number or a vector")
        old = self.env.get(key)
        if not self.mask.all() and old is not None and old.kind == v.kind:
            m = self.mask if v.kind == "scalar" else self.mask[:, None]
            v = V(v.kind, np.where(m, v.arr, old.arr))
        self.env[key] = v
        self.last = (v, f"the last assignment {_show(target)}")

    def _input_update(self, key: str, s: Statement, bound: dict) -> None:
        """w ← w + (step size)·X, X = δ∇_w b_w(s): evaluated (it must have a meaning), then read at first order:
        θ's direction uses the initial w (the change of w reaches θ only at the order α^w·α^θ)."""
        rhs = s.rhs
        if not (isinstance(rhs, A.Add) and rhs.left == A.Sym(key)):
            raise BoxRefused(f"an update of {key} is read as {key} ← {key} + (step size)·(direction)")
        direction = self._stepped(rhs.right, bound)
        if direction.kind != "wvector":
            raise BoxRefused(f"the direction of the update of {key} is a {direction.kind}, not {key}'s shape")
        self._note(f"line {s.line}: the update of {key} is read at first order: θ's direction uses the initial {key}")

    def _stepped(self, step: Any, bound: dict) -> V:
        """(step size)·(direction) → the direction; exactly one step size α, η (any index or power: α^θ, α^w)."""
        factors = list(step.factors) if isinstance(step, A.Mul) else (
            [step.left, step.right] if isinstance(step, A.Dot) else [step])
        sizes = [f for f in factors if _step_size(f)]
        if len(sizes) != 1:
            raise BoxRefused(f"an update needs exactly one step size ({', '.join(STEP_SIZES)}) as a factor of "
                             f"{_show(step)}")
        rest = [f for f in factors if f is not sizes[0]]
        if not rest:
            raise BoxRefused(f"{_show(step)}: a step size and no direction")
        d = self.expr(rest[0], bound)
        for f in rest[1:]:
            nxt = self.expr(f, bound)
            if {d.kind, nxt.kind} == {"scalar", "wvector"}:
                sc, wv = (d, nxt) if d.kind == "scalar" else (nxt, d)
                d = V("wvector", sc.arr[:, None] * wv.arr)
            else:
                d = self._mul(d, nxt, step)
        return d

    def _theta_update(self, s: Statement, bound: dict) -> None:
        rhs = s.rhs
        if not (isinstance(rhs, A.Add) and rhs.left == A.Sym("theta")):
            raise BoxRefused("a θ update is read as θ ← θ + (step size)·(direction)")
        step = rhs.right
        d = self._stepped(step, bound)
        if d.kind != "vector":
            raise BoxRefused(f"the direction {_show(step)} is a {d.kind}, not θ's shape")
        if not self.mask.all():
            d = V("vector", np.where(self.mask[:, None], d.arr, Fraction(0)))
        if self.direction is not None:
            self.first_order = True
            self._note("θ is updated more than once: read at first order in the step size (each step's direction "
                       "at the initial θ, summed)")
            self.direction = V("vector", self.direction.arr + d.arr)
        else:
            self.direction = d

    def result(self) -> tuple[V, str]:
        if self.output is not None:
            return self.output, self.output_name
        if self.direction is not None:
            return self.direction, "the direction of the θ update"
        if self.last is not None and self.last[0].kind == "vector":
            return self.last
        raise BoxRefused("the box returns nothing, never updates θ and assigns no vector last: no output to check")


def _step_size(node: Any) -> bool:
    """α, η, α_θ, α^θ, α^w: a step-size symbol (a positive number the check keeps symbolic)."""
    if isinstance(node, A.Sym):
        return node.name in STEP_SIZES
    return isinstance(node, A.Pow) and isinstance(node.base, A.Sym) and node.base.name in STEP_SIZES \
        and isinstance(node.exp, A.Sym) and node.exp.name in ("theta", "w")


# ----------------------------------------------------------------------------------------- the check
def run_box(box: Box, st: Setting, N: int, *, reading: bool = False, fit: str = "same",
            fill: Fraction = Fraction(0), inputs: dict | None = None, baseline: str = "tabular") -> Program:
    """Run ``box`` on every batch of ``st`` (its rollout has N, or 2N when ``fit="independent"``, envs);
    ``fill``: the value of ω̂_s at a state the fit never visited (any value minimises)."""
    prog = Program(box, st, N, reading=reading, fit_offset=N if fit == "independent" else 0, fill=Fraction(fill),
                   inputs=dict(inputs or {}), baseline=baseline)
    if baseline not in ("tabular", "linear"):
        raise BoxRefused(f"baseline must be 'tabular' or 'linear', got {baseline!r}")
    prog.run()
    return prog


def box_setting(emdp: Any, policy: Any, N: int, *, fit: str = "same", profile: str = "post",
                undiscounted: bool = False) -> Setting:
    """The audit's :class:`Setting` a box runs in: N (2N for ``fit="independent"``) i.i.d. windows of T rows (time
    1 … T, s_T absorbing), each one episode padded in the absorbing state.

    The windows of one environment are the audit's (:func:`pgverify.audit.setting`, one env); the batches are every
    tuple of them (:func:`numeric.episodic.tuples`, as the audit forms its environments), counted exactly and
    refused above :data:`BOX_BATCH_LIMIT` (the audit's own limit bounds the count from above, loosely)."""
    from dataclasses import replace

    from numeric.episodic import tuples
    from pgverify.audit.layout import Batches

    if fit not in ("same", "independent"):
        raise BoxRefused(f"fit must be 'same' or 'independent', got {fit!r}")
    envs = 2 * N if fit == "independent" else N
    # T rows: the post's s_1 … s_T (s_T absorbing); the textbook's S_0 … S_{T−1}, then the terminal S_T of the
    # longest episode (an episode's own length is its count of steps, read where the box writes T)
    rollout = Rollout(n_steps=emdp.horizon, n_envs=1, after_done="absorb", t0=1, gamma=1 if undiscounted else None)
    one = setting(emdp, policy, rollout)
    windows = one.batches
    if windows.count ** envs > BOX_BATCH_LIMIT:
        raise BoxRefused(f"{windows.count}^{envs} = {windows.count ** envs} batches of {envs} roll-outs: above "
                         f"BOX_BATCH_LIMIT={BOX_BATCH_LIMIT}")
    idx, prob = tuples(windows.probability, envs)
    arrays = {k: np.concatenate([v[idx[:, e]] for e in range(envs)], axis=-1) if v.ndim == 3
              else np.stack([v[idx[:, e], 0] for e in range(envs)], axis=-1) for k, v in windows.arrays.items()}
    batches = Batches(arrays, prob, windows.gamma, windows.t0, windows.num_states, windows.num_actions,
                      windows.features)
    return replace(one, rollout=replace(rollout, n_envs=envs), batches=batches)


def expected_output(box: Box, emdp: Any, policy: Any, N: int, *, reading: bool = False,
                    fit: str = "same", inputs: dict | None = None,
                    baseline: str = "tabular") -> tuple[np.ndarray, str]:
    """E[output] = Σ_B P_θ(B) output(B), exact (θ's size, flattened), and which output it is."""
    st = box_setting(emdp, policy, N, fit=fit, profile=box.profile, undiscounted=box.undiscounted)
    value, name = run_box(box, st, N, reading=reading, fit=fit, inputs=inputs, baseline=baseline).result()
    return np.sum(st.batches.probability[:, None] * value.arr, axis=0), name


@dataclass(frozen=True)
class BoxOutcome:
    """One reading of a box (``as written``, ``reading``, ``independent fit``) checked on the drawn models."""

    name: str
    verdict: str
    reason: str
    output: str = ""
    rollouts: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()
    counterexample: dict | None = None
    diagnosis: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class BoxCheck:
    """The verdicts of a box: per reading, with N, the family and the models shown."""

    box: Box
    claim: str
    family: str
    outcomes: tuple[BoxOutcome, ...]
    seconds: float

    @property
    def verdict(self) -> str:
        """The box as written's verdict."""
        return self.outcomes[0].verdict

    def __str__(self) -> str:
        lines = [f"box {self.box.title!r} (line {self.box.line}, {self.box.kind}, profile {self.box.profile}): "
                 f"claim {self.claim}", f"  family: {self.family}"]
        for r in self.box.readings:
            lines.append(f"  textbook spelling: {r}")
        for o in self.outcomes:
            ns = ", ".join(map(str, o.rollouts)) or "none"
            lines.append(f"  [{o.name}] {o.verdict}: {o.reason}  (N = {ns}; output: {o.output or '—'})")
            for n in o.notes:
                lines.append(f"      reading: {n}")
            if o.diagnosis:
                lines.append("      " + o.diagnosis.replace("\n", "\n      "))
            if o.counterexample:
                lines.append(f"      counterexample: {o.counterexample}")
        return "\n".join(lines)


def models(*, draws: int = 4, seed: int = 0) -> list[tuple[Any, Any]]:
    """See :func:`_models` (the draws are made once per ``draws`` and ``seed``; a new list each call)."""
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise BoxRefused(f"draws must be an integer >= 1, got {draws!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise BoxRefused(f"seed must be an integer >= 0, got {seed!r}")
    return list(_models(draws, seed))


@lru_cache(maxsize=8)
def _models(draws: int, seed: int) -> tuple[tuple[Any, Any], ...]:
    """``draws`` exact episodic MDPs (2 non-absorbing states, 2 actions, λ ≥ 1/2) and tabular softmax policies,
    drawn by Hypothesis from ``seed`` (the catalogue's strategies; nothing shrunk), keeping only *informative*
    draws: ∇θU is not zero on both non-absorbing states (so a claim about ∇U is not vacuous there, and a
    weighting of the second step differs from the first's).  At most 20·draws draws are tried."""
    from hypothesis import HealthCheck, Phase, given, seed as hseed, settings as hsettings, strategies as hst

    from numeric.strategies import episodic_mdps
    from pgverify.strategies import tabular_softmax_policies

    out: list[tuple[Any, Any]] = []
    mdps = episodic_mdps(min_nonabsorbing=2, max_nonabsorbing=2, min_actions=2, max_actions=2,
                         min_discount=Fraction(1, 2))

    @hst.composite
    def examples(draw: Any) -> tuple[Any, Any]:
        emdp = draw(mdps)
        pol = draw(tabular_softmax_policies(num_states=emdp.mdp.num_states, num_actions=emdp.mdp.num_actions))
        return emdp, pol

    @hsettings(max_examples=20 * draws, database=None, deadline=None, phases=[Phase.generate],
               suppress_health_check=list(HealthCheck), print_blob=False)
    @hseed(seed)
    @given(examples())
    def collect(example: tuple[Any, Any]) -> None:
        if len(out) < draws and _informative(*example):
            out.append(example)

    collect()
    return tuple(out)


def _informative(emdp: Any, pol: Any) -> bool:
    grad = np.asarray(setting(emdp, pol, Rollout(n_envs=1)).grad_U, dtype=object)
    return all(any(x != 0 for x in grad[s]) for s in range(emdp.mdp.num_states) if s != emdp.absorbing)


def _describe(emdp: Any, pol: Any, N: int) -> dict:
    mdp = emdp.mdp
    def text(x: Any) -> Any:
        return [text(y) for y in x] if isinstance(x, (list, tuple, np.ndarray)) else str(x)

    return {"N": N, "P": text(np.asarray(mdp.P)), "r": text(np.asarray(mdp.r)), "discount": str(mdp.discount),
            "policy_weights": text(np.asarray(pol.weights)), "horizon": emdp.horizon}


def _check_reading(box: Box, name: str, examples: list, *, reading: bool, fit: str, claim: str,
                   budget: float) -> BoxOutcome:
    """One reading of ``box`` on the drawn models at N = 1, 2, 3: a (model, N) counts only when every variant
    (baseline family, initial inputs) of it was run; none is started after ``budget`` s once one is done."""
    start = time.perf_counter()
    checked: dict[int, int] = {}          # N → models fully checked
    seen: list[Diagnosis] = []
    notes: list[str] = []
    diag = ""
    output = ""

    rate = [0.0]                          # the slowest seconds per batch seen so far (a run's cost estimate)

    def over(batches: int = 0) -> bool:
        """Past the budget, or a run of ``batches`` would end past it (estimated), once something was checked."""
        return bool(checked) and time.perf_counter() - start + rate[0] * batches > budget

    def outcome(verdict: str, reason: str, cx: dict | None = None) -> BoxOutcome:
        return BoxOutcome(name, verdict, reason, output, tuple(checked), tuple(notes), cx, diag,
                          time.perf_counter() - start)

    try:
        for N in ROLLOUTS:
            for emdp, pol in examples:
                if over():
                    break
                try:
                    st = box_setting(emdp, pol, N, fit=fit, profile=box.profile, undiscounted=box.undiscounted)
                except (AuditError, BoxRefused) as e:
                    if "BATCH_LIMIT" in str(e):
                        break
                    raise
                complete = True
                for baseline, choice in _variants(box, st.emdp.num_states):
                    if over(st.batches.count):
                        complete = False
                        break
                    began = time.perf_counter()
                    prog = run_box(box, st, N, reading=reading, fit=fit, inputs=choice, baseline=baseline)
                    value, output = prog.result()
                    notes = list(dict.fromkeys(notes + prog.notes))
                    p = st.batches.probability
                    E = np.sum(p[:, None] * value.arr, axis=0)
                    if prog.used_undetermined:
                        other = run_box(box, st, N, reading=reading, fit=fit, fill=Fraction(1),
                                        inputs=choice, baseline=baseline).result()[0]
                        if any(x != y for x, y in zip(E, np.sum(p[:, None] * other.arr, axis=0))):
                            raise BoxRefused("E[output] depends on which minimiser ω̂ takes at a state the fit never "
                                             "visited (ω̂_s = 0 and ω̂_s = 1 differ): the box has no single meaning")
                    rate[0] = max(rate[0], (time.perf_counter() - began) / st.batches.count)
                    grad = np.asarray(st.grad_U, dtype=object).ravel()
                    d = _diagnosis(E, value, p, st)
                    seen.append(d)
                    diag = f"at N = {N}, {st.batches.count} batches: {judge(np.asarray(E).reshape(st.shape), st).sentence}; {d}"
                    if claim:
                        ok, how = _meets(E, grad, output)
                        if not ok:
                            cx = _describe(emdp, pol, N) | {"b": _BASELINES[baseline]} \
                                | {name_: [str(x) for x in v] for name_, v in choice.items()} \
                                | {"E[output]": [str(x) for x in E], "grad_U": [str(x) for x in grad]}
                            checked[N] = checked.get(N, 0) + 1
                            return outcome("refuted", f"E[output] ≠ {how} exactly at N = {N}", cx)
                if complete:
                    checked[N] = checked.get(N, 0) + 1
    except BoxIllFormed as e:
        return outcome("ill-formed", str(e))
    except (BoxRefused, BoxError) as e:
        return outcome("undecided", f"refused: {e}")
    if not checked:
        return outcome("undecided", "no batch enumeration fits the limits")
    where = ", ".join(f"N = {n} ({k} model{'s' if k > 1 else ''})" for n, k in checked.items())
    if not claim:
        return outcome("undecided", "no claim stated (add '<!-- pgverify: estimates \\nabla_\\theta U(\\theta) "
                                    "-->'); " + _equals_everywhere(seen) + f"; checked at {where}")
    how = "= c·∇U, c > 0," if output == "the direction of the θ update" else "= ∇U"
    return outcome("verified", f"E[output] {how} exactly on the drawn models checked: {where}")


#: The baseline families a box's b_ω is checked in (the box does not say which).
_BASELINES = {"tabular": "tabular b_ω(s) = ω_s", "linear": "linear b_ω(s) = φ(s)ᵀω, φ(s) = (1, s)"}


def _uses_baseline(box: Box) -> bool:
    def visit(node: Any) -> bool:
        if isinstance(node, A.Apply) and isinstance(node.fn, A.Fn) and node.fn.name == "b":
            return True
        return any(visit(c) for c in (A.children(node) if isinstance(node, A.Node) else ()))
    return any(visit(x) for st in box.walk() for x in (st.target, st.rhs) if isinstance(x, A.Node))


def _variants(box: Box, S: int) -> list[tuple[str, dict]]:
    """(baseline family, initial inputs) pairs a box is checked at: both families when it has a b_ω."""
    families = tuple(_BASELINES) if _uses_baseline(box) else ("tabular",)
    return [(f, c) for f in families for c in _input_choices(box, S)]


def _input_choices(box: Box, S: int) -> list[dict]:
    """The initial values the box's inputs (parameters of b it never fits, e.g. critic weights w) are checked at:
    w = 0 and w = (1, −2, 3, …); one empty choice when the box has none."""
    fitted = {s.target.name for s in box.walk() if s.kind == "assign" and isinstance(s.rhs, A.Opt)
              and isinstance(s.target, A.Sym)}
    names: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, A.Apply) and isinstance(node.fn, A.Fn) and node.fn.name == "b" \
                and isinstance(node.fn.param, A.Sym) and node.fn.param.index is None:
            n = node.fn.param.name
            if n not in fitted and f"{n}_hat" not in fitted and n not in names:
                names.append(n)
        for c in A.children(node) if isinstance(node, A.Node) else ():
            visit(c)

    for st in box.walk():
        for x in (st.target, st.rhs):
            if isinstance(x, A.Node):
                visit(x)
    if not names:
        return [{}]
    other = [Fraction((-1) ** k * (k + 1)) for k in range(S)]
    return [{n: [Fraction(0)] * S for n in names}, {n: other for n in names}]


def _diagnosis(E: np.ndarray, value: V, p: np.ndarray, st: Setting) -> Diagnosis:
    """The audit's diagnosis of E[output] on this model (the audit's targets, its tolerance)."""
    mag = float(np.max(np.abs(np.sum(p[:, None] * np.abs(value.arr), axis=0)), initial=0.0))
    ex = Expectation(np.asarray(E, dtype=np.float64).reshape(st.shape), True, "float64", st.batches.count, mag)
    return diagnose(ex, st)


def _equals_everywhere(seen: list[Diagnosis]) -> str:
    """What E[output] equals on every checked (model, N): the targets matched on all of them."""
    if not seen:
        return "nothing was computed"
    common = [name for name in seen[0].matches if all(name in d.matches for d in seen)]
    if not common:
        return (f"on the {len(seen)} checked runs (model, N, b family, inputs) E[output] equals no target of the "
                f"audit on all of them")
    parts = [n if all(d.matches[n] == 1.0 for d in seen) else f"c·{n} (c > 0)" for n in common]
    return (f"on all {len(seen)} checked runs (model, N, b family, inputs) E[output] = {' = '.join(parts)} "
            f"(within the audit's "
            f"float64 tolerance; a match up to a factor is evidence only where informative)")


def _meets(E: np.ndarray, grad: np.ndarray, output: str) -> tuple[bool, str]:
    """E = ∇U (an estimate), or E = c∇U with c > 0 (a θ direction: the step size absorbs c)."""
    if output != "the direction of the θ update":
        return bool(all(x == y for x, y in zip(E, grad))), "∇U"
    if all(g == 0 for g in grad):
        return bool(all(x == 0 for x in E)), "c·∇U (c > 0)"
    i = next(i for i, g in enumerate(grad) if g != 0)
    c = Fraction(E[i]) / Fraction(grad[i])
    return bool(c > 0 and all(x == c * y for x, y in zip(E, grad))), "c·∇U (c > 0)"


def _claim_of(box: Box) -> str:
    if box.estimates is None:
        return ""
    e = box.estimates
    ok = (isinstance(e, A.Grad) and isinstance(e.wrt, A.Sym) and e.wrt.name == "theta" and isinstance(e.body, A.Apply)
          and isinstance(e.body.fn, A.Fn) and e.body.fn.name in ("U", "J"))
    if not ok:
        raise BoxRefused(f"'estimates {box.annotation}': the only claim a box states is ∇_θ U(θ)")
    return "E[output] = ∇θU (c·∇θU, c > 0, for a θ direction)"


def check_box(box: Box, *, draws: int = 4, seed: int = 0, budget: float = 6.0) -> BoxCheck:
    """The verdicts of ``box``: as written, then (if it is not a program as written) the reading, then with every
    argmin fitted on independent roll-outs; each at N = 1, 2, 3 on ``draws`` drawn models.  No (model, N) is
    started after ``budget`` seconds (shared by the readings), except each reading's first: the N and models
    reached are reported (a verdict rests on what was checked)."""
    if not isinstance(box, Box):
        raise BoxRefused(f"check_box takes a pgverify.notation.boxes.Box (from read_box or find_boxes), got "
                         f"{type(box).__name__}")
    start = time.perf_counter()
    examples = models(draws=draws, seed=seed)
    family = (f"episodic: {len(examples)} exact layered MDPs (2 states + absorbing, 2 actions, ∇U ≠ 0 on both, "
              f"{'λ = 1 (undiscounted)' if box.undiscounted else 'λ ≥ 1/2'}, seed {seed}), tabular softmax π_θ, "
              f"b_ω {'tabular and linear in φ(s) = (1, s)' if _uses_baseline(box) else '(none)'}; N i.i.d. "
              f"roll-outs, every batch enumerated")
    try:
        claim = _claim_of(box)
    except BoxRefused as e:
        return BoxCheck(box, "(refused)", family, (BoxOutcome("as written", "undecided", f"refused: {e}"),),
                        time.perf_counter() - start)
    left = lambda: max(budget - (time.perf_counter() - start), 0.0)  # noqa: E731 - one budget for every reading
    outcomes = [_check_reading(box, "as written", examples, reading=False, fit="same", claim=claim, budget=left())]
    if outcomes[0].verdict == "ill-formed":
        outcomes.append(_check_reading(box, "reading", examples, reading=True, fit="same", claim=claim,
                                       budget=left()))
    fits = any(s.kind == "assign" and isinstance(s.rhs, A.Opt) for s in box.walk())
    last = outcomes[-1]
    if fits and (last.verdict == "refuted" or (last.verdict == "undecided" and not last.reason.startswith("refused"))):
        outcomes.append(_check_reading(box, "argmin fitted on N independent roll-outs", examples,
                                       reading=len(outcomes) > 1, fit="independent", claim=claim, budget=left()))
    return BoxCheck(box, claim or "(none stated)", family, tuple(outcomes), time.perf_counter() - start)


@dataclass(frozen=True)
class BoxesRun:
    """Every box of a document, checked: a :class:`BoxCheck` or the :class:`BoxError` of a box not read."""

    path: str
    results: tuple

    @property
    def verdicts(self) -> tuple[str, ...]:
        """The verdict of each box as its final reading (the last outcome) says, "undecided" for an unread box."""
        return tuple(r.outcomes[-1].verdict if isinstance(r, BoxCheck) else "undecided" for r in self.results)

    @property
    def refuted(self) -> bool:
        return any(isinstance(r, BoxCheck) and any(o.verdict in ("refuted", "ill-formed") for o in r.outcomes)
                   for r in self.results)

    @property
    def undecided(self) -> bool:
        return not self.results or any(not isinstance(r, BoxCheck) or any(o.verdict == "undecided"
                                                                           for o in r.outcomes)
                                       for r in self.results)

    def to_json(self) -> dict:
        """A JSON-ready record: per box its title, line, profile, claim, family, readings and outcomes."""
        boxes = []
        for r in self.results:
            if not isinstance(r, BoxCheck):
                boxes.append({"read": False, "verdict": "undecided", "reason": str(r)})
                continue
            boxes.append({"read": True, "title": r.box.title, "line": r.box.line, "kind": r.box.kind,
                          "profile": r.box.profile, "claim": r.claim, "family": r.family,
                          "spelling": list(r.box.readings), "seconds": round(r.seconds, 3),
                          "outcomes": [{"name": o.name, "verdict": o.verdict, "reason": o.reason, "output": o.output,
                                        "N": list(o.rollouts), "readings": list(o.notes),
                                        "counterexample": o.counterexample} for o in r.outcomes]})
        return {"path": self.path, "boxes": boxes}

    def __str__(self) -> str:
        if not self.results:
            return f"{self.path}: no algorithm box ({{{{< pseudocode >}}}}, ```algorithm, algorithmic) found"
        return "\n".join(str(r) if isinstance(r, BoxCheck) else f"box not read: {r}" for r in self.results)


def check_boxes(path_or_text: Any, *, profile: str = "post", draws: int = 4, seed: int = 0,
                budget: float = 6.0) -> BoxesRun:
    """Check every algorithm box of a Markdown/LaTeX file (a path) or text (see :func:`check_box`)."""
    from pathlib import Path

    from pgverify.notation.boxes import find_boxes

    if isinstance(path_or_text, Path):
        from pgverify.notation.document import read_source
        text, name = read_source(path_or_text), str(path_or_text)
    elif isinstance(path_or_text, str):
        text, name = path_or_text, "<text>"
    else:
        raise BoxRefused(f"a document is a pathlib.Path or a str of text, got {type(path_or_text).__name__}")
    found = find_boxes(text, profile=profile)
    return BoxesRun(name, tuple(b if isinstance(b, BoxError) else check_box(b, draws=draws, seed=seed, budget=budget)
                                for b in found))


def fit_verdict(chain: A.Chain, *, annotations: Any = None, draws: int = 2,
                seed: int = 0) -> tuple[str, str] | None:
    """The verdict of a display that is one fit of a box, ``ω̂ ← argmin Σ_n Σ_t (b_ω(s_t^n) − y)²``, else None.

    The assignment states that the argmin exists and is what the box then uses.  For the tabular b_ω the
    objective is Σ_s [c_s ω_s² − 2ω_s Σ_{i: x_i = s} y_i + Σ y_i²] (c_s the visits of s): separable convex
    quadratics, so every minimiser has ω̂_s = the mean of the y's at s where c_s > 0 (unique there) and any ω̂_s
    where c_s = 0.  That argument depends on the form only (which :meth:`Program._fit` checks: each square is
    (b_ω(state) − value not involving ω)²), so the verdict is ``proved``; the solver is checked besides —
    the objective's gradient 2Σ_i 1[x_i = s](ω̂_s − y_i) is exactly 0 at the computed ω̂ on every batch of N = 1,
    2 roll-outs of ``draws`` drawn models.  A form not recognised gives ("undecided", the reason).
    """
    rows = chain.rows
    if len(rows) != 1 or rows[0].lhs is None or len(rows[0].steps) != 1 or rows[0].steps[0].rel != "assign" \
            or not isinstance(rows[0].steps[0].rhs, A.Opt):
        return None
    restricting = ("quantifiers", "conditions", "substitutions", "definitions", "horizons", "dependencies", "defines",
                   "small", "also")
    used = [name for name in restricting if getattr(annotations, name, ())]
    if used:
        return "undecided", f"the annotation's {', '.join(used)} are not read for a box's fit (refused, not ignored)"
    stmt = Statement("assign", _show(chain), rows[0].pos.line if rows[0].pos else 1, target=rows[0].lhs,
                     rhs=rows[0].steps[0].rhs)
    box = Box((stmt,))
    checked = 0
    try:
        for emdp, pol in models(draws=draws, seed=seed):
            for N in (1, 2):
                st = box_setting(emdp, pol, N)
                prog = Program(box, st, N)
                key = prog._key(stmt.target, {})
                table = prog._fit(key, stmt.rhs, stmt).arr
                pairs = prog.fit_pairs
                for s in range(prog.S):
                    grad = np.full(prog.B, Fraction(0), dtype=object)
                    for x, y in pairs:
                        at = x == s
                        if at.any():
                            grad[at] += 2 * (table[at, s] - y[at])
                    if any(g != 0 for g in grad):  # pragma: no cover - a solver error
                        return "refuted", f"the computed ω̂ does not zero the objective's gradient at state {s}"
                checked += prog.B
    except BoxRefused as e:
        return "undecided", f"refused: {e}"
    return "proved", (f"a least-squares fit of the tabular b_ω: the objective is separable in ω_s, each a convex "
                      f"quadratic minimised by the mean of the fitted values at s (unique at the visited states, "
                      f"any value where no roll-out visits s); the exact solve checked on {checked} batches of "
                      f"N = 1, 2 roll-outs")
