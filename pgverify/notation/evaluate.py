"""Evaluation of a parsed display on a model: AST → :class:`~pgverify.statement.Chain` → the checker.

A display's AST (:mod:`pgverify.notation.ast`) compiles into a
:class:`~pgverify.registry.Claim` whose ``evaluate(model)`` returns the chain of
its steps, so every display is checked by the catalogue's checker: symbolically,
exactly at random points and in float64, with the same counterexamples.

Values are arrays with *named axes* (:class:`Tensor`): a free or bound index
variable (s, a, t, τ, …) is an axis; Σ sums an axis, a function applied to
index variables gathers (``q(s_t, a_t)`` is ``q[states[τ, t], actions[τ, t]]``),
and ∇θ appends the parameter axis ``∇θ``.  Both sides of a step must have the
same free variables; the sides are then aligned axis by axis.

* Gradients come from the model's derivatives of its quantities (∇θπ, ∇θv,
  ∇θq, ∇θU; ∇θd and ∇θ𝒯_θ from :mod:`numeric.derivatives`) combined by the sum,
  product, quotient and chain rules — never from an identity under test.
* Trajectory expectations 𝔼_{τ∼𝒯_θ} are exact sums over the enumerated
  trajectories of an episodic family (its horizon T); a series to ∞ over a
  trajectory is summed to T + 1 and accepted only when its terms past T are
  exactly 0 (the absorbing state), otherwise the display cannot be evaluated.
* ``∝`` holds when lhs = c·rhs with c > 0; c is reported (``constant``) and, in
  the symbolic engine, checked independent of θ (∇θc = 0).
* ``:=`` (a definition) is checked as ``=``: the definition against the model's
  own quantity of that name.
* A function of the parameter is evaluated at the point written: θ, θ' (a second
  policy), kθ for an integer k (the model rebuilt there: π_{kθ} ∝ πᵏ), and under
  ``for small \\alpha`` U(θ ± X) with X of order α as its first-order germ; any
  other point is refused.  Every decoration of a function is read or refused.
* An index outside its range (a time outside base … T + 1, a state or an action
  the model does not have) that no bound or condition masks makes the display
  ill-formed (:class:`IndexOutOfRange`), never clipped or wrapped.
* A relation between model parameters alone is decided over λ's whole domain
  (:func:`_decide_on_domain`), never on the sampled points.

Continuous actions (∇ₐ, πθ(s), |_{a=…}, ·) and Gaussian objectives (𝔼_{x∼𝒩(μ,σ²)}, ∇_μ) are evaluated by
:mod:`pgverify.notation.continuous` on the catalogue's continuous families.

What cannot be evaluated raises :class:`NotEvaluable` with the reason (an
infinite series on a continuing MDP, pseudo-code, …).
"""

from __future__ import annotations

import hashlib
import itertools
import weakref
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from numeric.errors import PGVerifyError
from numeric.model import Model
from pgverify.notation import ast as A
from pgverify.notation import matrices as _matrices
from pgverify.notation import trajectories as _LIT
from pgverify.notation.render import shown as _shown
from pgverify.registry import METHODS, Claim
from pgverify.statement import Chain, IllFormedChain, OutsideCondition, Step

__all__ = ["step_label", "parameter_condition", "ARBITRARY_TABLES", "SELECTED_AXIS", "NOT_EVALUATED", "NotEvaluable",
           "IndexOutOfRange", "Tensor", "Conventions", "compile_display", "free_variables", "evaluate_side",
           "choose_families", "GRAD_AXIS"]

#: The key of a chain's details listing the steps that could not be evaluated (label → why).
NOT_EVALUATED = "steps not evaluated"

#: The axis ∇θ appends.
GRAD_AXIS = "∇θ"

_TRAJ = "#trajectory"  # the environment key of the trajectory the coordinates s_t, a_t refer to


class NotEvaluable(PGVerifyError, ValueError):
    """A display that parses but that pgverify cannot evaluate on its models; the message says why."""


@dataclass(frozen=True)
class Conventions:
    """What the source's profile and annotations fix: time base, free-variable ranges, families."""

    time_base: int = 1
    #: Families to check on (None: chosen from the display's content, :func:`choose_families`).
    families: tuple[str, ...] | None = None
    #: Values of free constants, e.g. {"T": 0} for "initialised at T = 0".
    constants: dict[str, int] = field(default_factory=dict)
    #: Where the display is claimed (annotations ``for k < t``, ``whenever s_1 = s^0``): comparisons (``Rel``).
    conditions: tuple[Any, ...] = ()
    #: Symbols claimed for every small enough positive value (``for small \alpha``: the germ at 0⁺).
    small: tuple[str, ...] = ()
    #: The first relation defines its left side (annotation ``defines``): a name for the next steps, not a claim.
    defines: bool = False
    #: The one horizon T checked (annotation ``horizons``): the episodic family restricted to it.
    horizon: int | None = None
    #: The discount λ fixed by an annotation (``where \lambda = 0``, ``whenever 3\lambda = 1``): every model of
    #: the family rebuilt at that λ (v, q, d, U included).
    discount: Fraction | None = None
    #: Functions an annotation declares arbitrary (``b depends on s, a``): name → the table of the family's drawn
    #: arbitrary functions that stands for it (``b`` of the state, ``c`` of the state and action).
    arbitrary: tuple[tuple[str, str], ...] = ()
    #: T names the time of the trajectory's last action, not of its last state (profile ``last_time``).
    last_action: bool = False
    #: A free state ranges over the non-terminal states only (Sutton & Barto's 𝒮; profile ``free_states``).
    nonterminal: bool = False
    #: The profile's start is drawn from ρ₀ (initial_state other than the post's s⁰), but every checked model starts
    #: at one state: a trajectory's probability 𝒯θ(τ) (ρ₀(s_0) ≡ 1 on it) is read only in ∇θ log 𝒯θ(τ).
    random_start: bool = False


# ------------------------------------------------------------------ tensors
@dataclass(frozen=True, eq=False)
class Tensor:
    """An array whose axes are named by the index variables they range over (``∇θ`` last)."""

    value: Any
    axes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if np.ndim(self.value) != len(self.axes):
            raise AssertionError(f"tensor of shape {np.shape(self.value)} with axes {self.axes}")

    def arr(self) -> np.ndarray:
        return self.value if isinstance(self.value, np.ndarray) else np.asarray(self.value, dtype=object)

    def expand(self, axes: tuple[str, ...]) -> Any:
        """The value broadcastable to ``axes`` (a superset of ``self.axes``)."""
        if not self.axes:
            return self.value
        v = self.arr()
        if axes == self.axes:
            return v
        order = [self.axes.index(x) for x in axes if x in self.axes]
        v = np.transpose(v, order)
        shape, it = [], iter(v.shape)
        for x in axes:
            shape.append(next(it) if x in self.axes else 1)
        return v.reshape(shape)

    def sum(self, axis: str) -> "Tensor":
        if axis not in self.axes:
            raise AssertionError(axis)
        i = self.axes.index(axis)
        arr = self.arr()
        out = _object_sum(arr, i) if arr.dtype == object else arr.sum(axis=i)
        return Tensor(out, self.axes[:i] + self.axes[i + 1:])


def _object_sum(arr: np.ndarray, axis: int) -> Any:
    """Σ along ``axis`` of an object array, skipping exact integer zeros (masked terms): no arithmetic on them."""
    a = np.moveaxis(arr, axis, -1)
    flat = a.reshape(int(np.prod(a.shape[:-1], dtype=np.int64)), a.shape[-1])  # an empty range: rows of no term
    out = np.empty(flat.shape[0], dtype=object)
    for i, row in enumerate(flat):
        acc: Any = 0
        for x in row:
            if x.__class__ is int and x == 0:
                continue
            acc = x if (acc.__class__ is int and acc == 0) else acc + x
        out[i] = acc
    out = out.reshape(a.shape[:-1])
    return out[()] if out.ndim == 0 else out


def _union(*axes: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for ax in axes:
        out += [x for x in ax if x not in out and x != GRAD_AXIS]
    if any(GRAD_AXIS in ax for ax in axes):
        out.append(GRAD_AXIS)
    return tuple(out)


def _binary(op: Callable[[Any, Any], Any], x: Tensor, y: Tensor) -> Tensor:
    axes = _union(x.axes, y.axes)
    xe, ye = x.expand(axes), y.expand(axes)
    out = op(xe, ye)
    if axes and not isinstance(out, np.ndarray):
        out = np.asarray(out, dtype=object)
    if axes:
        full = np.broadcast_shapes(np.shape(xe), np.shape(ye))
        if out.shape != full:
            out = np.broadcast_to(out, full)
    return Tensor(out, axes)


def _add(x: Tensor, y: Tensor) -> Tensor:
    return _binary(lambda a, b: a + b, x, y)


def _indicator_array(v: Any) -> bool:
    """An integer array of 0s and 1s (an event's indicator)."""
    return isinstance(v, np.ndarray) and v.dtype.kind in "biu" and bool(((v == 0) | (v == 1)).all())


def _select(mask: Any, other: Any) -> Any:
    """mask · other for a 0/1 mask: a selection, no arithmetic (exact and symbolic values are costly to multiply)."""
    full = np.broadcast_shapes(np.shape(mask), np.shape(other))
    zero = 0.0 if isinstance(other, np.ndarray) and other.dtype == np.float64 else 0
    return np.where(np.broadcast_to(mask, full).astype(bool), np.broadcast_to(other, full), zero)


def _mul(x: Tensor, y: Tensor) -> Tensor:
    if GRAD_AXIS in x.axes and GRAD_AXIS in y.axes:
        raise NotEvaluable("a product of two gradients (an outer product) is not a quantity pgverify evaluates")
    if x is ONE:
        return y
    if y is ONE:
        return x
    xi, yi = _indicator_array(x.value), _indicator_array(y.value)
    if xi != yi and (isinstance(x.value, np.ndarray) and isinstance(y.value, np.ndarray)):
        return _binary(lambda a, b: _select(a, b) if xi else _select(b, a), x, y)
    return _binary(lambda a, b: a * b, x, y)


def _neg(x: Tensor) -> Tensor:
    return Tensor(-x.value if x.axes else -x.value, x.axes)


def _integral(x: Any) -> bool:
    """An integer scalar or an array of integers (a number written in the display, an index)."""
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "iu"
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _quotient(a: Any, b: Any) -> Any:
    """a / b, exact when both are integers: 1/4 is the rational 1/4, never the float 0.25."""
    if _integral(a) and _integral(b):
        a = np.asarray(a, dtype=object) * Fraction(1) if isinstance(a, np.ndarray) else Fraction(int(a))
    return a / b


def _div(x: Tensor, y: Tensor) -> Tensor:
    if GRAD_AXIS in y.axes:
        raise NotEvaluable("division by a gradient")
    return _binary(_quotient, x, y)


def _const(c: Any) -> Tensor:
    return Tensor(c, ())


ZERO = _const(0)
ONE = _const(1)


def _gather(table: np.ndarray, indices: list[Tensor], trailing: tuple[str, ...] = ()) -> Tensor:
    """``table[i₁, …, i_m, …]`` for integer index tensors, named axes combined; ``trailing`` names the rest.

    An index −1 (an action after the end of a trajectory) gives the table's value when it is the same for
    every action there (r at the absorbing state), else :data:`UNDEFINED` (NaN in float64).
    """
    axes = _union(*(t.axes for t in indices))
    idx = [np.asarray(t.expand(axes), dtype=np.int64) if t.axes else np.asarray(int(t.value)) for t in indices]
    shape = np.broadcast_shapes(*(i.shape for i in idx)) if axes else ()
    idx = [np.broadcast_to(i, shape) for i in idx]
    for k, i in enumerate(idx):
        if i.size and (int(i.max()) >= table.shape[k] or int(i.min()) < (0 if not indices[k].axes else -1)):
            wrong = int(i.max()) if int(i.max()) >= table.shape[k] else int(i.min())
            raise IndexOutOfRange(f"the index {wrong} is outside 0 … {table.shape[k] - 1} (an index of a table of "
                                  f"shape {table.shape[:len(indices)]} on this model)")
    bad = np.zeros(shape, dtype=bool)
    for i in idx:
        bad |= i < 0
    safe = tuple(np.where(i < 0, 0, i) for i in idx)
    out = table[safe]
    if bad.any():
        out = np.array(out, dtype=object if out.dtype == object else np.float64)
        for pos in zip(*np.nonzero(bad)):
            where = [int(i[pos]) for i in idx]
            free = [k for k, w in enumerate(where) if w < 0]
            block = table[tuple(slice(None) if k in free else where[k] for k in range(len(where)))]
            block = np.asarray(block, dtype=object).reshape((-1,) + table.shape[len(indices):])
            first = block[0]
            same = all(np.all(np.asarray(row == first, dtype=bool)) if isinstance(row, np.ndarray) else row == first
                       for row in block)
            out[pos] = first if same else (np.nan if out.dtype == np.float64 else UNDEFINED)
    if not axes:
        return Tensor(out[()] if isinstance(out, np.ndarray) and out.ndim == 0 else out, trailing)
    return Tensor(out, axes + trailing)


# --------------------------------------------------------------- variables
def free_variables(node: Any) -> set[str]:
    """Names of the variables free in ``node``: the parser's analysis (:func:`pgverify.notation.scope.free_indices`);
    the implicit trajectory of s_t, a_t is :data:`~pgverify.notation.scope.TRAJECTORY`."""
    from pgverify.notation.scope import free_indices

    return set(free_indices(node))


class _Undefined:
    """A value that does not exist (0 to a negative power, an action after the end of τ): it must be masked away
    by a sum's bounds, or the display cannot be evaluated."""

    def __repr__(self) -> str:
        return "undefined"

    def _op(self, *_: Any) -> "_Undefined":
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __pow__ = _op
    __neg__ = __pos__ = _op

    def __eq__(self, other: object) -> bool:
        return False

    def __ne__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__


UNDEFINED = _Undefined()


class _GivenNull(_Undefined):
    """ℙ(… | B) or 𝔼[… | B] where the event B has probability 0: no value.  Times 0 (B's probability, as in
    Σ_s ℙ(A | s_1 = s) ℙ(s_1 = s)) it is 0; an entry of a side that keeps it is dropped from the comparison
    (:func:`_drop_given_null`): the step says nothing there."""

    def __repr__(self) -> str:
        return "undefined (conditioned on an event of probability 0)"

    def _times(self, other: Any) -> Any:
        return other if other.__class__ is not self.__class__ and other == 0 else self

    __mul__ = __rmul__ = _times


GIVEN_NULL = _GivenNull()


def _zero(x: Any) -> Any:
    return 0.0 if _is_float(x if isinstance(x, Tensor) else Tensor(x, ("?",) * np.ndim(x))) else 0


def _defined(t: Tensor, what: str) -> Tensor:
    """``t``, or :class:`NotEvaluable` if an undefined value survived."""
    arr = np.asarray(t.value)
    if arr.dtype == np.float64:
        if np.isnan(arr).any():
            raise NotEvaluable(f"{what} uses a value that does not exist (an action after the end of the "
                               "trajectory, or 0 to a negative power) outside the bounds of any sum")
        return t
    if arr.dtype == object and any(x is UNDEFINED for x in arr.ravel()):
        raise NotEvaluable(f"{what} uses a value that does not exist (an action after the end of the "
                           "trajectory, or 0 to a negative power) outside the bounds of any sum")
    return t


# ---------------------------------------------------------------- families
def _mentions(node: Any, pred: Callable[[Any], bool]) -> bool:
    if pred(node):
        return True
    return isinstance(node, A.Node) and any(_mentions(c, pred) for c in A.children(node))


def choose_families(chain: A.Chain) -> tuple[str, ...]:
    """``episodic-softmax`` when a display speaks of trajectories (s_t, R_τ, 𝒯θ, τ), a horizon T or a baseline b;
    else ``tabular-softmax``.  A one-step conditional ℙ(s_{u+1} | s_u) (the Markov law) needs no trajectory, nor
    does a series to ∞ outside any expectation over trajectories (it is summed on the chain:
    :mod:`pgverify.notation.series`).  A second policy π' (or θ') needs ``tabular-softmax-pair``."""
    def primed(n: Any) -> bool:
        return isinstance(n, A.Fn) and n.primes > 0 or isinstance(n, A.Sym) and n.name.endswith("'")

    if any(_mentions(r, primed) for r in chain.rows):
        return ("tabular-softmax-pair",)

    def bare(n: Any) -> bool:  # a trajectory coordinate outside any ℙ(…) or 𝔼[…]
        if isinstance(n, A.Expect) or isinstance(n, A.Apply) and n.fn.name == "Pr":
            return False
        return isinstance(n, (A.At, A.Return)) or isinstance(n, A.Node) and any(bare(c) for c in A.children(n))

    def episodic(n: Any) -> bool:
        if isinstance(n, A.Apply) and n.fn.name == "Pr" and len(n.given) == 1:
            return False  # decided by the Markov law where it applies (else evaluation says why)
        if isinstance(n, A.Sum) and isinstance(n.upper, A.Infinity):
            return bare(n.body)  # a series of ℙ(s_t …), 𝔼[f(s_t, …)] is summed on the chain; r(s_t, a_t) is not
        if isinstance(n, A.Expect) and n.start is None and n.dist is None and n.var is None and \
                _mentions(n.body, lambda x: isinstance(x, A.At)):
            return True  # 𝔼[… s_t …]: an expectation over trajectories
        if isinstance(n, (A.At, A.Return)) or (isinstance(n, A.Sym) and n.name == "T") or (
                isinstance(n, A.Var) and n.sort == "trajectory") or (isinstance(n, A.Fn) and n.name in ("Traj", "b")):
            return True
        return isinstance(n, A.Node) and any(episodic(c) for c in A.children(n))

    if any(episodic(r) for r in chain.rows):
        return ("episodic-softmax",)
    if any(_mentions(r, lambda n: _is(n, A.Sym, name="start_distribution")) for r in chain.rows):
        return ("tabular-softmax-initial-distribution",)  # μ one-hot (s⁰ = 0) would make μμ^⊤ = 1 and miss every state but s⁰
    return ("tabular-softmax",)


# -------------------------------------------------------------- evaluation
@dataclass
class _Scope:
    model: Model
    conv: Conventions
    env: dict[str, Tensor]
    counter: itertools.count
    #: Times read outside the trajectory's range, not yet masked by a bound (:func:`_note_range`): one evaluation's.
    outside: list[tuple[Tensor, str]] = field(default_factory=list)

    def bind(self, name: str, t: Tensor) -> "_Scope":
        return _Scope(self.model, self.conv, {**self.env, name: t}, self.counter, self.outside)

    def fresh(self, name: str) -> str:
        return f"{name}#{next(self.counter)}"


def _is(node: Any, cls: type, **attrs: Any) -> bool:
    return isinstance(node, cls) and all(getattr(node, k) == v for k, v in attrs.items())


def _trajectories(m: Model) -> Any:
    tr = m.extras.get("trajectories")
    if tr is None:
        raise NotEvaluable(f"a trajectory quantity needs an episodic family with enumerable trajectories; "
                           f"{m.family or 'this family'} has none (annotate `family: episodic-softmax`)")
    return tr


def _padded(m: Model) -> tuple[np.ndarray, np.ndarray, int]:
    """states, actions of the enumerated trajectories padded to time T + 1 (0-based columns): the absorbing
    state repeats and the action is −1 (none: τ ends at s_T) from time T on; and T."""
    key = "#padded"
    if key not in m.extras:
        tr = _trajectories(m)
        n, T = tr.states.shape
        states = np.concatenate([tr.states, tr.states[:, -1:]], axis=1)  # s_1 … s_{T+1}
        actions = np.concatenate([tr.actions, np.full((n, 2), -1, dtype=np.int64)], axis=1)  # a_1 … a_{T+1}
        m.extras[key] = (states, actions, T)
    return m.extras[key]


def _horizon(m: Model) -> int:
    return _padded(m)[2]


def _as_int(t: Tensor, what: str) -> int:
    if t.axes:
        raise NotEvaluable(f"{what} depends on an index variable")
    v = t.value
    try:
        if int(v) == v:
            return int(v)
    except (TypeError, ValueError):
        pass
    raise NotEvaluable(f"{what} is {v!r}, not an integer")


def evaluate_side(node: Any, model: Model, conv: Conventions = Conventions(),
                  free: dict[str, Tensor] | None = None) -> Tensor:
    """The value of one side on ``model``, free variables as axes (``free`` overrides their ranges)."""
    from pgverify.notation.dots import expand_dots

    sc = _Scope(model, conv, dict(free or {}), itertools.count())
    try:
        out = _ev(expand_dots(node), sc)
        _raise_outside(sc)
        return out
    finally:
        _forget_coordinates(model)


def elementary(node: Any, sc: Any, ev: Callable[[Any, Any], Tensor]) -> Tensor | None:
    """An index, +, −, unary −, ×, or a fraction of sub-expressions evaluated by ``ev`` in ``sc``; None for any
    other node.  The arithmetic every interpreter of the AST shares (this module's and
    :mod:`pgverify.notation.continuous`'s, where ``·`` is a product too: a ∈ ℝ)."""
    if isinstance(node, A.Var):
        if node.name in sc.env:
            return sc.env[node.name]
        raise NotEvaluable(f"the index {node.name!r} is free here")
    if isinstance(node, A.Add):
        return _add(ev(node.left, sc), ev(node.right, sc))
    if isinstance(node, A.Sub):
        return _add(ev(node.left, sc), _neg(ev(node.right, sc)))
    if isinstance(node, A.Neg):
        return _neg(ev(node.operand, sc))
    if isinstance(node, A.Mul):
        out = ev(node.factors[0], sc)
        for f in node.factors[1:]:
            out = _mul(out, ev(f, sc))
        return out
    if isinstance(node, A.Frac):
        return _div(ev(node.num, sc), ev(node.den, sc))
    return None


def _ev(node: Any, sc: _Scope) -> Tensor:
    m = sc.model
    if isinstance(node, _GradOf):  # Σ of ∇θ (see _d): the body's derivative
        return _d(node.body, sc)
    if _matrices.mentions_matrix(node):  # matrix and operator notation (the theory profile)
        return _matrices.matrix_side(node, sc)
    if isinstance(node, _LIT.Positive):  # the argument of a logarithm compared through exp
        return _LIT.positive(node, sc, _ev)
    if isinstance(node, A.Num):
        return _const(node.value)
    if isinstance(node, A.Infinity):
        raise NotEvaluable("∞ outside the bound of a sum")
    if isinstance(node, A.Sym):
        if node.index is not None:
            raise NotEvaluable(f"{_shown(node)}: a constant of the model has no index (one λ, one T, one s⁰)")
        if node.name == "discount":
            return _const(m.lam)
        if node.name == "T":
            if "T" in sc.conv.constants:
                return _const(sc.conv.constants["T"])
            # T is the time of the trajectory's last state: τ = (s_1, …, s_T) (post), (s_0, …, s_T) (textbook)
            return _const(_horizon(m) - 1 + sc.conv.time_base - int(sc.conv.last_action))
        if node.name in sc.conv.constants:
            return _const(sc.conv.constants[node.name])
        if node.name == "s0":
            return _const(_initial_state(m))
        if node.name == "alpha" and "alpha" in sc.conv.small:
            from pgverify.notation.continuous import Jet

            return _const(Jet.variable(m.lam * 0 + 1, 1))  # the germ at α → 0⁺, to first order
        raise NotEvaluable(f"the constant {node.name!r} has no value on a model (θ is the parameter of ∇θ; "
                           "σ, N, η … belong to estimators and pseudo-code)")
    out = elementary(node, sc, _ev)
    if out is not None:
        return out
    if isinstance(node, A.Pow):
        return _pow(_ev(node.base, sc), _ev(node.exp, sc))
    if isinstance(node, A.Log):
        raise NotEvaluable("a logarithm is evaluated only under ∇θ (∇θ log x = ∇θx / x); log itself is "
                           "transcendental")
    if isinstance(node, A.Grad):
        return _grad(node, sc)
    if isinstance(node, (A.Sum, A.Prod)):
        return _bigop(node, sc)
    if isinstance(node, A.Expect):
        return _expect(node, sc)
    if isinstance(node, A.Indicator):
        return _indicator(node.cond, sc)
    if isinstance(node, A.At):
        return _at(node, sc)
    if isinstance(node, A.Return):
        return _return(node, sc)
    if isinstance(node, A.Apply) and node.fn.name in dict(sc.conv.arbitrary):
        return _arbitrary(node, sc)
    if isinstance(node, A.Apply):
        return _apply(node, sc)
    if isinstance(node, A.Fn) and node.name in ("U", "J"):
        return _const(m.U)
    if isinstance(node, A.Dot):
        raise NotEvaluable(f"a Jacobian–vector product ∇θπθ(s)·∇ₐq needs continuous actions; {m.family or 'this'} "
                           "is a finite-action family (the DPG is evaluated on lqr, continuous-rational)")
    if isinstance(node, A.EvalAt):
        raise NotEvaluable(f"an evaluation bar |_{{a=…}} needs continuous actions; {m.family or 'this'} is a "
                           "finite-action family (the DPG is evaluated on lqr, continuous-rational)")
    if isinstance(node, A.Opt):
        raise NotEvaluable(f"{node.op} is not a quantity of the model")
    raise NotEvaluable(f"{type(node).__name__} is not evaluated")


#: The arbitrary functions the episodic families draw (per model; symbols on the universal model), by the sorts
#: of their arguments.
ARBITRARY_TABLES = {("state",): "b", ("state", "action"): "c"}


def _arbitrary(node: A.Apply, sc: _Scope) -> Tensor:
    """f(x, …) for a function an annotation declares arbitrary (``f depends on x, …``): the family's drawn
    function of those arguments (independent of θ)."""
    key = dict(sc.conv.arbitrary)[node.fn.name]
    table = sc.model.extras.get(key)
    if table is None:
        raise NotEvaluable(f"an arbitrary function {node.fn.name}(…) needs a family that draws one "
                           f"(episodic-softmax); {sc.model.family or 'this family'} has none")
    if node.given or node.fn.param is not None or len(node.args) != np.ndim(table):
        raise NotEvaluable(f"{node.fn.name} is declared a function of {np.ndim(table)} argument(s); it is "
                           f"applied to {len(node.args)}")
    return _gather(table, [_ev(x, sc) for x in node.args])


def _initial_state(m: Model) -> int:
    mu = np.asarray(m.mu0, dtype=object)
    nonzero = [i for i, x in enumerate(mu) if x != 0]
    if len(nonzero) != 1:
        raise NotEvaluable("s⁰ needs a family with one initial state (the model has an initial distribution)")
    return nonzero[0]


def _pow(b: Tensor, e: Tensor) -> Tensor:
    if GRAD_AXIS in e.axes or GRAD_AXIS in b.axes:
        raise NotEvaluable("a power of a gradient")
    if not e.axes:
        k = _as_int(e, "an exponent")
        if k >= 0:
            return Tensor(b.value ** k if not b.axes else b.arr() ** k, b.axes)
        if not b.axes and b.value == 0:
            raise NotEvaluable("0 to a negative power")
        return _div(ONE, Tensor(b.value ** (-k) if not b.axes else b.arr() ** (-k), b.axes))
    axes = _union(b.axes, e.axes)
    bb = np.broadcast_to(np.asarray(b.expand(axes), dtype=object), np.broadcast_shapes(
        np.shape(b.expand(axes)), np.shape(e.expand(axes))))
    ee = np.broadcast_to(np.asarray(e.expand(axes)), bb.shape)
    out = np.empty(bb.shape, dtype=object)
    for idx in np.ndindex(*bb.shape):
        k = int(ee[idx])
        x = bb[idx]
        out[idx] = x ** k if k >= 0 else (UNDEFINED if x == 0 else 1 / x ** (-k))
    if _is_float(b):
        out = np.array([np.nan if x is UNDEFINED else x for x in out.ravel()], dtype=np.float64).reshape(out.shape)
    return Tensor(out, axes)


def _is_float(t: Tensor) -> bool:
    return isinstance(t.value, (float, np.floating)) or (isinstance(t.value, np.ndarray) and t.value.dtype == np.float64)


# ----------------------------------------------------------- index ranges
def _range_of(var: A.Var, sc: _Scope, domain: Any = None) -> np.ndarray:
    m = sc.model
    space = {"S": "state", "A": "action"}.get(domain.name) if isinstance(domain, A.Space) else None
    if space is not None and var.sort in ("state", "action") and space != var.sort:  # Σ_{s∈𝒜}: not read as Σ_{s∈𝒮}
        raise IllFormedChain(f"the {var.sort} index {var.name} ranges over {_shown(domain)}, the {space}s")
    if domain is not None and space is None and var.sort in ("state", "action"):  # Σ_{s∈{s⁰}}, Σ_{s∈ℝ}
        raise NotEvaluable(f"the {var.sort} index {var.name} over {_shown(domain)}: only the whole space "
                           f"{'𝒮' if var.sort == 'state' else '𝒜'} is evaluated, never read in its place")
    if var.sort == "state" or _is(domain, A.Space, name="S"):
        return np.arange(m.S)
    if var.sort == "action" or _is(domain, A.Space, name="A"):
        return np.arange(m.A)
    if var.sort == "time":
        T = _horizon(m)
        return np.arange(sc.conv.time_base, T + sc.conv.time_base)  # times at which an action is taken … T
    raise NotEvaluable(f"the index {var.name!r} of sort {var.sort} has no range on a model")


def _bind_index(var: A.Var, values: np.ndarray, sc: _Scope) -> tuple[_Scope, str]:
    axis = sc.fresh(var.name)
    return sc.bind(var.name, Tensor(values, (axis,))), axis


def _bigop(node: A.Sum | A.Prod, sc: _Scope) -> Tensor:
    if len(node.indices) == 1 and node.indices[0].sort == "trajectory":
        if node.lower is not None or node.upper is not None:
            raise NotEvaluable("bounds on a sum over trajectories")
        inner, axis = _bind_trajectory(node.indices[0], sc)
        body = _ev(node.body, inner)
        if isinstance(node, A.Prod):
            raise NotEvaluable("a product over trajectories")
        return _sum_axis(body, axis)
    if isinstance(node.upper, A.Infinity) and _TRAJ not in sc.env:  # a discounted series on the model's chain
        from pgverify.notation.series import continuing_series

        return continuing_series(node, sc)
    masks: dict[str, Tensor] = {}
    scope = sc
    axes: list[str] = []
    infinite = False
    for var in node.indices:
        if node.lower is not None or node.upper is not None:
            lo_t = _ev(node.lower, scope) if node.lower is not None else _const(sc.conv.time_base)
            infinite = isinstance(node.upper, A.Infinity)
            hi_t = None if infinite or node.upper is None else _ev(node.upper, scope)
            if var.sort == "sample":
                raise NotEvaluable("a sum over roll-outs n = 1 … N is a sample average (pseudo-code), "
                                   "not a quantity of the model")
            T = _horizon(scope.model) if (infinite or hi_t is None or lo_t.axes or (hi_t is not None and hi_t.axes)) \
                else None
            if T is None:
                lo, hi = _as_int(lo_t, "a lower bound"), _as_int(hi_t, "an upper bound")  # type: ignore[arg-type]
                size = {"state": scope.model.S, "action": scope.model.A}.get(var.sort)
                if size is not None and lo <= hi and (lo < 0 or hi >= size):
                    raise IndexOutOfRange(f"the {var.sort} index {var.name} runs over {lo} … {hi}, outside the "
                                          f"model's {var.sort}s 0 … {size - 1}")
                values = np.arange(lo, hi + 1, dtype=np.int64)
                scope, axis = _bind_index(var, values, scope)
                axes.append(axis)
                continue
            if var.sort in ("state", "action"):
                raise NotEvaluable(f"a sum over the {var.sort} {var.name} with a bound that depends on another index "
                                   "or is infinite")
            top = T + 1  # the padded trajectory reaches time T + 1 (1-based)
            values = np.arange(min(sc.conv.time_base, 0), top + 1, dtype=np.int64)
            scope, axis = _bind_index(var, values, scope)
            t = scope.env[var.name]
            mask = _binary(lambda a, b: a >= b, t, lo_t)
            if hi_t is not None:
                mask = _binary(lambda a, b: a & b, mask, _binary(lambda a, b: a <= b, t, hi_t))
            else:
                mask = _binary(lambda a, b: a & b, mask, _binary(lambda a, b: a <= top, t, ZERO))
            masks[axis] = mask
            axes.append(axis)
            if infinite:  # inside the series the trajectory stays in the absorbing state after T + 1
                scope = scope.bind(_ABSORBING, ZERO)
        else:
            scope, axis = _bind_index(var, _range_of(var, scope, node.domain), scope)
            axes.append(axis)
    body = _ev(node.body, scope)
    for axis in reversed(axes):
        _drop_masked(sc, axis, masks.get(axis))
    if body is ZERO and isinstance(node, A.Sum) and isinstance(node.body, _GradOf):
        return ZERO  # Σ ∇θ of terms that do not depend on θ (λ^t r(s_t, a_t)): 0, not |range| copies
    for mk in masks.values():
        if isinstance(node, A.Prod):
            body = _binary(lambda b, k: np.where(k, b, 1), body, mk)
        else:
            body = _binary(lambda b, k: np.where(k, b, _zero(b)), body, mk)
    if infinite:
        _check_tail(body, axes[-1], scope, node)
    for axis in axes:
        body = _sum_axis(body, axis) if isinstance(node, A.Sum) else _prod_axis(body, axis)
    return body


#: Bound in the scope of an infinite series' body along a trajectory: a time past T + 1 there reads the absorbing
#: state (the padded trajectory's last column), whose terms the series rule requires to be 0 (:func:`_check_tail`).
_ABSORBING = "#absorbing"


def _check_tail(body: Tensor, axis: str, sc: _Scope, node: Any) -> None:
    """An infinite series along a trajectory, summed to T + 1: the terms at times ≥ T must be exactly 0."""
    i = body.axes.index(axis)
    arr = body.arr()
    size = arr.shape[i]
    # the axis runs over min(time_base, 0) … T + 1: the last two entries are times T and T + 1
    tail = np.take(arr, [size - 2, size - 1], axis=i)
    if not all(x == 0 for x in np.asarray(tail, dtype=object).ravel()):
        raise NotEvaluable("an infinite series whose terms do not vanish after the horizon T (a continuing MDP)")


def _sum_axis(t: Tensor, axis: str) -> Tensor:
    if axis not in t.axes:  # a body that does not depend on the index: |range| copies
        raise NotEvaluable(f"a sum over {axis.split('#')[0]!r} whose body does not depend on it")
    return t.sum(axis)


def _prod_axis(t: Tensor, axis: str) -> Tensor:
    if axis not in t.axes:
        raise NotEvaluable(f"a product over {axis.split('#')[0]!r} whose body does not depend on it")
    i = t.axes.index(axis)
    return Tensor(np.prod(t.arr(), axis=i), t.axes[:i] + t.axes[i + 1:])


# ------------------------------------------------------------ trajectories
def _bind_trajectory(var: Any, sc: _Scope) -> tuple[_Scope, str]:
    states, _, _ = _padded(sc.model)
    axis = sc.fresh("τ")
    t = Tensor(np.arange(states.shape[0]), (axis,))
    inner = sc.bind(_TRAJ, t)
    if isinstance(var, A.Var):
        inner = inner.bind(var.name, t)
    else:  # 𝔼[…] draws τ itself (scope.py binds τ there): G_τ^t, R(τ) inside are the drawn τ, not a free outer one
        from pgverify.notation.scope import TRAJECTORY

        inner = inner.bind(TRAJECTORY, t)
    return inner, axis


def _current_trajectory(sc: _Scope) -> Tensor:
    if _TRAJ in sc.env:
        return sc.env[_TRAJ]
    raise NotEvaluable("a trajectory coordinate (s_t, a_t) outside any trajectory")


def _time_index(time: Any, sc: _Scope, t: Tensor | None = None) -> Tensor:
    """The column of time ``t`` in the padded trajectory; a time outside it is noted (:func:`_note_range`) and
    clipped only to be indexed: it must be masked by a bound or a condition, else the display is ill-formed."""
    t = _ev(time, sc) if t is None else t
    T = _horizon(sc.model)
    shifted = _binary(lambda a, b: a - b, t, _const(sc.conv.time_base))
    vals = np.asarray(shifted.value)
    if np.any(vals < 0) or np.any(vals > T):
        shifted = Tensor(np.clip(vals, 0, T), shifted.axes) if shifted.axes else _const(int(np.clip(vals, 0, T)))
    return shifted


class IndexOutOfRange(IllFormedChain):
    """An index outside its range (a time before the profile's first or past the trajectory's end, a state or an
    action that the model does not have) where no bound or condition masks it."""


def _shown(node: Any) -> str:
    """``node`` in LaTeX (what was understood), or its type when the renderer does not write it."""
    from pgverify.notation.errors import NotationError
    from pgverify.notation.render import render_latex

    try:
        return render_latex(node)
    except NotationError:
        return type(node).__name__


def _note_range(t: Tensor, what: Callable[[], str], sc: _Scope) -> None:
    """Note the entries of the time tensor ``t`` outside base … base + T (the padded trajectory: s_{T+1} is the
    absorbing state again); a bound that masks them drops them (:func:`_drop_masked`), the others make the
    display ill-formed (:func:`_raise_outside`)."""
    base, T = sc.conv.time_base, _horizon(sc.model)
    vals = np.asarray(t.value)
    if vals.dtype == object:
        vals = vals.astype(np.int64)
    bad = (vals < base) | (vals > base + T) & (_ABSORBING not in sc.env)
    if np.any(bad):
        first = int(vals[bad].min() if vals[bad].min() < base else vals[bad].max())
        last = base + T - 1  # T, the time of τ's last state
        sc.outside.append((Tensor(bad if t.axes else bool(bad), t.axes),
                           f"{what()} at time {first}, outside the times {base} … T + 1 = {last + 1} of a trajectory "
                           f"τ = (s_{base}, a_{base}, …, s_T) (T = {last} on this model; s_{{T+1}} is the absorbing "
                           f"state again; the profile's time starts at {base})"))


def _note_no_action(t: Tensor, what: Callable[[], str], sc: _Scope) -> None:
    """Note the entries of the time tensor ``t`` at or after T, where τ = (s_1, a_1, …, a_{T−1}, s_T) has no action: an
    event a_t = y there is about nothing (its probability is not 0, nor π(y | s_T)); masked by a bound, or the
    display is ill-formed.  (A value such as r(s_T, a_T) that is the same for every action stays defined.)"""
    base, T = sc.conv.time_base, _horizon(sc.model)
    vals = np.asarray(t.value).astype(np.int64)
    bad = vals >= base + T - 1
    if np.any(bad):
        sc.outside.append((Tensor(bad if t.axes else bool(bad), t.axes),
                           f"{what()} at time {int(vals[bad].max())}: τ = (s_{base}, a_{base}, …, a_{{T−1}}, s_T) has "
                           f"no action at time T or later (T = {base + T - 1} on this model)"))


def _note_before(t: Tensor, what: Callable[[], str], sc: _Scope) -> None:
    """Note the entries of the time tensor ``t`` before the profile's first time (a one-step law ℙ(s_{u+1} | s_u),
    time-homogeneous, has no last time): masked by a bound, or the display is ill-formed."""
    base = sc.conv.time_base
    vals = np.asarray(t.value).astype(np.int64)
    bad = vals < base
    if np.any(bad):
        sc.outside.append((Tensor(bad if t.axes else bool(bad), t.axes),
                           f"{what()} at time {int(vals[bad].min())}, before the profile's first time {base}"))


def _drop_masked(sc: _Scope, axis: str, mask: Tensor | None) -> None:
    """Σ over ``axis`` has run: noted entries outside the range that its bounds mask (``mask`` False) are dropped;
    the others stay noted, reduced over the axis (an outer bound may still mask them)."""
    kept = []
    for bad, why in sc.outside:
        if axis in bad.axes:
            if mask is not None:
                bad = _binary(lambda b, k: np.asarray(b) & np.asarray(k, dtype=bool), bad, mask)
            i = bad.axes.index(axis)
            reduced = np.any(np.asarray(bad.value), axis=i)
            bad = Tensor(reduced if bad.axes[:i] + bad.axes[i + 1:] else bool(reduced), bad.axes[:i] + bad.axes[i + 1:])
        if np.any(np.asarray(bad.value)):
            kept.append((bad, why))
    sc.outside[:] = kept


def _raise_outside(sc: _Scope, mask: Tensor | None = None) -> None:
    """Raise :class:`IndexOutOfRange` for a noted entry outside its range that ``mask`` (the display's conditions)
    does not drop."""
    for bad, why in sc.outside:
        if mask is not None:
            bad = _binary(lambda b, k: np.asarray(b) & np.asarray(k, dtype=bool), bad, mask)
        if np.any(np.asarray(bad.value)):
            raise IndexOutOfRange(f"{why}")


#: s_t / a_t already gathered on a model: (name, trajectory tensor, time tensor, time base) → (the two tensors,
#: kept alive so that their ids stay theirs, and the coordinate).  A term of a display asks for the same s_t
#: many times (𝒯_θ(τ) alone asks for s_t, a_t, s_{t+1} in every factor).
_COORDINATES: "weakref.WeakKeyDictionary[Model, dict[tuple[Any, ...], tuple[Tensor, Tensor, Tensor]]]" = \
    weakref.WeakKeyDictionary()


def _forget_coordinates(model: Any) -> None:
    try:
        _COORDINATES.pop(model, None)
    except TypeError:  # not referenced weakly: nothing was kept
        pass


def _coordinate(name: str, time: Any, sc: _Scope) -> Tensor:
    tau, t = _current_trajectory(sc), _ev(time, sc)
    _note_range(t, lambda: f"{name}_{{{_shown(time)}}}", sc)
    by_value = not t.axes and isinstance(t.value, (int, np.integer))
    key = (name, id(tau), ("value", int(t.value)) if by_value else ("index", id(t)), sc.conv.time_base)
    try:
        memo = _COORDINATES.setdefault(sc.model, {})
    except TypeError:  # a model that cannot be referenced weakly: no memo
        memo = {}
    hit = memo.get(key)
    if hit is not None and hit[0] is tau and (by_value or hit[1] is t):
        return hit[2]
    states, actions, _ = _padded(sc.model)
    out = _gather(states if name == "s" else actions, [tau, _time_index(time, sc, t)])
    memo[key] = (tau, t, out)
    return out


def _at(node: A.At, sc: _Scope) -> Tensor:
    if node.sample is not None:
        raise NotEvaluable("a roll-out coordinate s_t^n belongs to a sample average (pseudo-code)")
    if node.name in ("s", "a"):
        return _coordinate(node.name, node.time, sc)
    if node.name == "r":
        return _gather(sc.model.r, [_coordinate("s", node.time, sc), _coordinate("a", node.time, sc)])
    if node.name == "b":
        raise NotEvaluable("b_t, a random baseline, is not a quantity of the model")
    raise NotEvaluable(f"the trajectory coordinate {node.name}_t")


def _return(node: A.Return, sc: _Scope) -> Tensor:
    if not (isinstance(node.traj, A.Var) and node.traj.sort == "trajectory"):
        raise NotEvaluable("a return of roll-out n (G_n^t) belongs to a sample average (pseudo-code)")
    m = sc.model
    states, actions, T = _padded(m)
    tau = sc.env.get(node.traj.name) or _current_trajectory(sc)
    base = sc.conv.time_base
    start = _const(base) if node.kind == "R" else _ev(node.time, sc)
    if node.kind != "R":
        _note_range(start, lambda: f"the return G^{{{_shown(node.time)}}}", sc)
    times = np.arange(base, T + base, dtype=np.int64)  # r at times ≥ T is 0 (absorbing)
    axis = sc.fresh("k")
    k = Tensor(times, (axis,))
    rew = _gather(m.r, [_gather(states, [tau, _binary(lambda a, b: a - b, k, _const(base))]),
                        _gather(actions, [tau, _binary(lambda a, b: a - b, k, _const(base))])])
    exponent = _binary(lambda a, b: a - b, k, start)
    valid = _binary(lambda a, b: a >= 0, exponent, ZERO)
    safe_exp = _binary(lambda a, v: np.where(v, a, 0), exponent, valid)
    disc = _pow(_const(m.lam), safe_exp)
    term = _mul(disc, rew)
    term = _binary(lambda x, v: np.where(v, x, _zero(x)), term, valid)
    return term.sum(axis)


def _trajectory_probability(sc: _Scope, tau: Tensor) -> Tensor:
    from numeric.episodic import trajectory_probabilities

    m = sc.model
    key = "#traj-prob"
    if key not in m.extras:
        m.extras[key] = trajectory_probabilities(m, _trajectories(m))
    return _gather(m.extras[key], [tau])


def _trajectory_probability_grad(sc: _Scope, tau: Tensor) -> Tensor:
    from numeric.derivatives import trajectory_gradient

    m = sc.model
    key = "#traj-grad"
    if key not in m.extras:
        tr = _trajectories(m)
        m.extras[key] = (m.derivative(_trajectory_probability(sc, Tensor(np.arange(tr.count), ("i",))).arr())
                         if m._derivative is not None else trajectory_gradient(m, tr.states, tr.actions))
    return _gather(m.extras[key], [tau], (GRAD_AXIS,))


# ---------------------------------------------------------------- functions
def _policy_model(fn: Any, sc: _Scope, what: str) -> Model:
    """The model of the policy ``fn`` names: π, π_θ (or none) the model itself; π' the second policy of a family
    with two (``tabular-softmax-pair``: ``model.extras["other"]``), which does not depend on θ; π_{kθ} the model
    rebuilt at kθ (:func:`_point_model`)."""
    m = sc.model
    if fn is None:
        return m
    if not isinstance(fn, A.Fn):  # v_θ, q_{2θ}: the policy named by its parameter point
        return _point_model(fn, sc, what)
    if fn.name == "pi":
        _bare(fn, "param", "primes")
        if not fn.primes:
            return _point_model(THETA if fn.param is None else fn.param, sc, what)
        if fn.primes == 1 and fn.param is None:
            return _point_model(A.Sym("theta'"), sc, what)
    raise NotEvaluable(f"{what} of the policy {_describe(fn)}: only π_θ (π_{{kθ}}, and π' on a family with two "
                       "policies) is a policy of the model")


#: θ, the model's own parameter point.
THETA = A.Sym("theta")

#: The largest |k| for which U(kθ), π_{kθ}, … are rebuilt (π^k has degree k in the model's weights).
MAX_SCALE = 16


def _scale(node: Any) -> int | None:
    """k when ``node`` is kθ for an integer k written out (θ, −θ, 2θ, θ·3), else None."""
    if _is(node, A.Sym, name="theta", index=None):
        return 1
    if isinstance(node, A.Neg):
        k = _scale(node.operand)
        return None if k is None else -k
    if isinstance(node, A.Mul):
        thetas = [f for f in node.factors if not isinstance(f, A.Num)]
        if len(thetas) != 1:
            return None
        k = _scale(thetas[0])
        if k is None:
            return None
        for f in node.factors:
            if isinstance(f, A.Num):
                k *= f.value
        return k
    return None


def _point_model(point: Any, sc: _Scope, what: str) -> Model:
    """The model at the parameter point ``point``: θ the model itself; θ' the second policy's (a family with two
    policies); kθ for an integer k the model rebuilt there, exactly.

    Every finite-action family's policy is a softmax whose logits are linear in θ (tabular: θ[s, a]; linear:
    φ(s, a)·θ), so π_{kθ}(a|s) = π_θ(a|s)ᵏ / Σ_b π_θ(b|s)ᵏ in any arithmetic (k = 0: the uniform policy).
    The rebuilt model has no ∇θ (:func:`_theta_free` says so); anything else is refused with the point named.
    """
    m = sc.model
    if _is(point, A.Sym, name="theta'", index=None):
        other = m.extras.get("other")
        if other is None:
            raise NotEvaluable(f"{what} of the second policy π' needs a family with two policies "
                               f"(tabular-softmax-pair); {m.family or 'this family'} has one")
        return other
    k = _scale(point)
    if k == 1:
        return m
    if k is None or abs(k) > MAX_SCALE:
        raise NotEvaluable(f"{what} at a parameter point other than θ ({_shown(point)}): only θ, kθ for an integer k "
                           f"(|k| ≤ {MAX_SCALE}; the softmax at kθ is ∝ πᵏ) and θ' on a family with two policies "
                           "are points at which the model is rebuilt")
    key = f"#at {k}θ"
    if key not in m.extras:
        m.extras[key] = _rescaled(m, k)
    return m.extras[key]


def _moved_objective(point: Any, sc: _Scope, what: str) -> Any:
    """U(θ ± X) with X of order α (``for small \\alpha``): the jet U(θ) + α ∇θU(θ)·v + O(α²), v = dX/dα at α = 0
    (X a parameter vector, e.g. α∇θU(θ)); exact (a constant) when X is 0, else known to first order only.
    None when ``point`` is not θ ± X with X mentioning α (the other points: :func:`_point_model`)."""
    if "alpha" not in sc.conv.small or not isinstance(point, (A.Add, A.Sub)) or not _is(
            point.left, A.Sym, name="theta", index=None) or not _mentions(
            point.right, lambda n: _is(n, A.Sym, name="alpha")):
        return None
    from pgverify.notation.continuous import Jet

    step = _ev(point.right, sc)
    if step.axes != (GRAD_AXIS,):
        raise NotEvaluable(f"{what} at θ moved by {_shown(point.right)}, which is not a parameter vector (∇θ…)")
    entries = [x if isinstance(x, Jet) else Jet((x, x * 0)) for x in np.asarray(step.value, dtype=object)]
    if any(e.coef[0] != 0 for e in entries):
        raise NotEvaluable(f"{what} at θ moved by {_shown(point.right)}, which does not vanish at α = 0")
    sign = 1 if isinstance(point, A.Add) else -1
    m = sc.model
    slope = sum((g * e.coef[1] for g, e in zip(m.grad_U, entries)), m.U * 0) * sign
    if m.arithmetic.name == "float64":  # a move within round-off of 0 is no move (as _small_step's zero test)
        from pgverify.checker import NUMERIC_RTOL

        tol = NUMERIC_RTOL * (1 + abs(float(m.U))) / (1 - float(m.lam))
        still = all(e.exact and abs(float(c)) <= tol for e in entries for c in e.coef)
    else:  # an inexact entry has unknown terms beyond α: the point moves even when its known ones are 0
        still = all(e.exact and c == 0 for e in entries for c in e.coef)
    return Jet((m.U, slope), exact=still)


def _rescaled(m: Model, k: int) -> Model:
    """The model at kθ: the same MDP, π_{kθ}(a|s) = π(a|s)ᵏ / Σ_b π(b|s)ᵏ (see :func:`_point_model`)."""
    pi = np.asarray(m.pi)
    w = pi * 0 + 1
    for _ in range(abs(k)):
        w = w * pi
    if k < 0:
        w = (pi * 0 + 1) / w
    new = w / w.sum(axis=1, keepdims=True)

    def no_gradient(*_: Any) -> Any:
        raise NotEvaluable(f"∇θ of a quantity at {k}θ (the model rebuilt there has no derivative)")

    extras = {key: v for key, v in m.extras.items() if not key.startswith("#") and key != "other"}
    extras["#point"] = k
    return type(m)(arithmetic=m.arithmetic, P=m.P, r=m.r, lam=m.lam, mu0=m.mu0, pi=new, jacobian=no_gradient,
                   vjp=no_gradient, family=f"{m.family} at {k}θ", extras=extras)


def _theta_free(pm: Model, sc: _Scope, what: str) -> bool:
    """Whether ``pm`` (a model :func:`_policy_model` returned) does not depend on θ: π' does; the model itself and
    a model rebuilt at kθ do (∇θ of a quantity at kθ is refused)."""
    if pm is sc.model:
        return False
    if "#point" in pm.extras:
        raise NotEvaluable(f"∇θ of {what} at {pm.extras['#point']}θ: the chain rule through the rebuilt model is "
                           "not evaluated")
    return True


def _check_policy(fn: A.Fn | None, what: str, sc: _Scope) -> None:
    """π_θ or nothing: the quantities only the model's own policy has (its trajectories)."""
    pm = _policy_model(fn, sc, what)
    if pm is not sc.model:
        which = f"the policy at {pm.extras['#point']}θ" if "#point" in pm.extras else "the second policy π'"
        raise NotEvaluable(f"{what} of {which} (its trajectories are not enumerated)")


def _describe(node: Any) -> str:
    return type(node).__name__ if not isinstance(node, A.Fn) else f"{node.name}" + "'" * node.primes + (
        f" with parameter {_shown(node.param)}" if node.param is not None else "")


def _sort_of(node: Any) -> str | None:
    """The sort of an index read as an argument: a variable's (state, action, time, sample, trajectory; a real is
    not checked), "state"/"action" for s_t/a_t and s⁰; None for anything else (a number, an expression)."""
    if isinstance(node, A.Var):  # a time, a roll-out or a trajectory is neither a state nor an action (v(t))
        return node.sort if node.sort != "real" else None
    if isinstance(node, A.At):
        return {"s": "state", "a": "action"}.get(node.name)
    return "state" if _is(node, A.Sym, name="s0") else None


def _check_sorts(what: str, pairs: tuple[tuple[Any, str], ...]) -> None:
    """An action where a state is read (v(a), π(s | a), 𝒫_a^s) or the converse is ill-formed: the model would read
    the state numbered a, never what was meant."""
    for arg, want in pairs:
        got = _sort_of(arg)
        if got is not None and got != want:
            article = {"action": "an"}.get(want, "a"), {"action": "an"}.get(got, "a")
            raise IllFormedChain(f"{what} reads {article[0]} {want} where {_shown(arg)} is {article[1]} {got}")


def _index_args(node: A.Apply, sc: _Scope, n: int) -> list[Tensor]:
    if len(node.args) != n:
        raise NotEvaluable(f"{node.fn.name} takes {n} argument(s), got {len(node.args)}")
    return [_ev(a, sc) for a in node.args]


def _apply(node: A.Apply, sc: _Scope, grad: bool = False) -> Tensor:
    """The value (or, with ``grad``, the ∇θ) of a function of the vocabulary applied to its arguments."""
    m, fn = sc.model, node.fn
    name = fn.name
    lit = _LIT.evaluate_apply(node, sc, grad, _ev)  # ρ₀, R(s, a, s'), η, μ: pgverify.notation.trajectories
    if lit is not None:
        return lit
    if name in ("U", "J"):
        if fn != A.Fn(name):
            raise NotEvaluable(f"the objective {_describe(fn)} (a decorated {name})")
        if len(node.args) != 1 or node.given:
            raise NotEvaluable(f"{name} takes one parameter point, {name}(θ)")
        moved = _moved_objective(node.args[0], sc, name)
        if moved is not None:  # U(θ + α v) for small α: its first-order germ
            if grad:
                raise NotEvaluable(f"∇θ of {name} at a point moved by α (a second derivative of {name})")
            return _const(moved)
        pm = _point_model(node.args[0], sc, name)  # U(θ'): π' is θ-free; U(kθ): the model rebuilt at kθ
        if pm is m:
            return Tensor(m.grad_U, (GRAD_AXIS,)) if grad else _const(m.U)
        return ZERO if grad and _theta_free(pm, sc, name) else _const(pm.U)
    if name == "pi":
        _bare(fn, "param", "primes")
        pm = _policy_model(fn, sc, "a probability")
        if node.given:
            (a,), (s,) = node.args, node.given
            if isinstance(a, A.Blank):
                raise NotEvaluable("π(·|s) is a distribution, not a number")
            _check_sorts("π(a | s)", ((s, "state"), (a, "action")))
            idx = [_ev(s, sc), _ev(a, sc)]
        elif len(node.args) == 2:  # π(s, a)
            _check_sorts("π(s, a)", ((node.args[0], "state"), (node.args[1], "action")))
            idx = [_ev(node.args[0], sc), _ev(node.args[1], sc)]
        else:
            raise NotEvaluable("πθ(s), a deterministic policy, belongs to continuous actions (DPG)")
        if pm is not m:
            return ZERO if grad and _theta_free(pm, sc, "π") else _gather(pm.pi, idx)
        return _gather(m.dpi, idx, (GRAD_AXIS,)) if grad else _gather(m.pi, idx)
    if name in ("v", "q", "A", "d"):
        _bare(fn, "discount", "policy")
        _check_sorts(f"{name}(…)", tuple(zip(node.args, ("state", "action"))))
        pm = _policy_model(fn.policy, sc, f"the {name} function")
        if fn.discount is not None and not _is(fn.discount, A.Sym, name="discount"):
            raise NotEvaluable(f"{name} with discount {fn.discount}")
        if pm is not m:  # the second policy's values (θ-free), or the model's at kθ
            if grad and _theta_free(pm, sc, name):
                return ZERO
            table = {"v": pm.v, "d": pm.d, "q": pm.q}.get(name)
            table = pm.q - pm.v[:, None] if table is None else table
            return _gather(table, _index_args(node, sc, 1 if name in ("v", "d") else 2))
        if name == "v":
            idx = _index_args(node, sc, 1)
            return _gather(m.grad_v, idx, (GRAD_AXIS,)) if grad else _gather(m.v, idx)
        if name == "d":
            idx = _index_args(node, sc, 1)
            if grad:
                from numeric.derivatives import grad_d

                return _gather(grad_d(m), idx, (GRAD_AXIS,))
            return _gather(m.d, idx)
        idx = _index_args(node, sc, 2)
        if name == "q":
            return _gather(m.grad_q, idx, (GRAD_AXIS,)) if grad else _gather(m.q, idx)
        adv = m.grad_q - m.grad_v[:, None, :] if grad else m.q - m.v[:, None]
        return _gather(adv, idx, (GRAD_AXIS,) if grad else ())
    if name == "r":
        _bare(fn)
        _check_sorts("r(s, a)", tuple(zip(node.args, ("state", "action"))))
        idx = _index_args(node, sc, 2)
        return ZERO if grad else _gather(m.r, idx)
    if name == "P":
        _bare(fn, "state", "action")
        if fn.state is None or fn.action is None:
            raise NotEvaluable("a transition kernel needs its state and action: 𝒫_s^a(s')")
        _check_sorts("𝒫_s^a(s')", ((fn.state, "state"), (fn.action, "action")) + tuple(
            (x, "state") for x in node.args))
        idx = [_ev(fn.state, sc), _ev(fn.action, sc)] + _index_args(node, sc, 1)
        return ZERO if grad else _gather(m.P, idx)
    if name == "b":
        _bare(fn, "param")
        _check_param(fn)
        if "b" not in m.extras:
            raise NotEvaluable(f"a baseline b(s) needs a family that draws one (episodic-softmax); "
                               f"{m.family} has none")
        _check_sorts("the baseline b(s)", tuple(zip(node.args, ("state",))))
        idx = _index_args(node, sc, 1)
        return ZERO if grad else _gather(m.extras["b"], idx)
    if name == "Traj":
        return _law(node, sc, grad, free_refused=sc.conv.random_start)
    if name == "R":
        raise NotEvaluable("R(τ)")
    if name == "Pr":
        _bare(fn, "state", "policy")
        if grad:
            raise NotEvaluable("∇θ of a probability of events")
        return _probability(node, sc)
    if name in ("f", "Normal", "mu", "rho"):
        raise NotEvaluable({"f": "an arbitrary function f is not a quantity of the model",
                            "Normal": "a Gaussian density (continuous actions) is not evaluated on these families",
                            "mu": "μ, an on-policy distribution, is not on this family",
                            "rho": "the average reward ρ needs an ergodic family"}[name])
    raise NotEvaluable(f"the function {name!r}")


_RANDOM_START = ("the probability of a given trajectory τ (its factor ρ₀(s_0)): every checked model starts at one "
                 "state, where ρ₀(s_0) = 1 on every trajectory, so a display about it is checked on no model whose "
                 "start is random (∇θ log of it, where ρ₀ cancels, and its sum or integral over τ are read)")


def _law(node: A.Apply, sc: _Scope, grad: bool, free_refused: bool = False) -> Tensor:
    """𝒯θ(τ) (∇θ𝒯θ(τ) with ``grad``), the probability of the enumerated trajectory τ; with ``free_refused``
    (a profile whose start is random) refused at the display's free τ (a bound τ's axis is a fresh ``τ#k``)."""
    _bare(node.fn, "param")
    _check_param(node.fn)
    if len(node.args) != 1 or node.given:
        raise NotEvaluable("𝒯_θ takes one trajectory, 𝒯_θ(τ)")
    tau = _ev(node.args[0], sc)
    if free_refused and any("#" not in ax for ax in tau.axes):
        raise NotEvaluable(_RANDOM_START)
    return _trajectory_probability_grad(sc, tau) if grad else _trajectory_probability(sc, tau)


def _bare(fn: A.Fn, *consumed: str) -> None:
    """Refuse a decoration of ``fn`` its evaluation does not consume (a parameter, policy, discount, state, action or
    prime written but not read)."""
    for f in ("discount", "policy", "param", "state", "action", "primes"):
        if f not in consumed and getattr(fn, f) not in (None, 0):
            raise NotEvaluable(f"{fn.name} with a {f} ({getattr(fn, f)}): not a decoration pgverify reads on "
                               f"{fn.name}")


def _check_param(fn: A.Fn) -> None:
    if fn.param is not None and not _is(fn.param, A.Sym, name="theta", index=None):
        name = "𝒯" if fn.name == "Traj" else fn.name
        raise NotEvaluable(f"{name} at the parameter point {_shown(fn.param)}: only θ (its trajectories are "
                           "enumerated at θ)")


def _events(items: tuple[Any, ...], sc: _Scope) -> Tensor:
    """The indicator of events s_t = x, a_t = y (all of them) along the current trajectory."""
    out = ONE
    for ev in items:
        if isinstance(ev, A.Rel) and ev.op == "=" and _sort_of(ev.left) is not None:
            _check_sorts(f"the event {_shown(ev)}", ((ev.right, _sort_of(ev.left)),))
        if isinstance(ev, A.Rel) and ev.op == "=" and isinstance(ev.left, A.At) and ev.left.name == "a":
            _note_no_action(_ev(ev.left.time, sc), lambda: f"the event {_shown(ev)}", sc)
        if isinstance(ev, A.Rel) and ev.op == "=":
            out = _mul(out, _binary(lambda a, b: (a == b).astype(np.int64) if isinstance(a == b, np.ndarray)
                                    else int(a == b), _ev(ev.left, sc), _ev(ev.right, sc)))
        elif isinstance(ev, A.Dots):
            raise NotEvaluable("an event written with … (a trajectory prefix)")
        else:
            raise NotEvaluable(f"the event {type(ev).__name__} (only s_t = s, a_t = a are evaluated)")
    return out


def _probability(node: A.Apply, sc: _Scope) -> Tensor:
    """ℙ_{s⁰}^{π}(events | given).

    A one-step conditional ℙ(s_{u+1} = y, a_u = b | s_u = x) is the Markov transition law π(b|x) 𝒫(y|x, b)
    (defined for every x, whatever its probability); anything else is a sum of 𝒯_θ over the enumerated
    trajectories.  An event is s_t = x or a_t = b; a bare coordinate (ℙ(s_1, a_1, …, s_T)) is the event that it
    takes its value along the display's trajectory τ; ``…`` stands for every coordinate in between.
    """
    if node.fn.state is not None and not _is(node.fn.state, A.Sym, name="s0"):
        raise NotEvaluable("ℙ started elsewhere than s⁰")
    pm = _policy_model(node.fn.policy, sc, "a probability")
    markov = _markov(node, sc, pm)
    if markov is None:
        _check_policy(node.fn.policy, "a probability", sc)
    if markov is not None:
        return markov
    args, given = _expand(node.args, sc), _expand(node.given, sc)
    inner, axis = _bind_trajectory(None, sc)
    prob = _trajectory_probability(inner, inner.env[_TRAJ])
    joint = _sum_axis(_mul(prob, _match(args + given, sc, inner)), axis)
    if not given:
        return joint
    return _safe_div(joint, _sum_axis(_mul(prob, _match(given, sc, inner)), axis))


def _match(items: tuple[Any, ...], outer: _Scope, inner: _Scope) -> Tensor:
    out = ONE
    for it in items:
        if isinstance(it, A.Rel):
            out = _mul(out, _events((it,), inner))
        elif isinstance(it, A.At) and it.name in ("s", "a"):
            if _TRAJ not in outer.env:
                raise NotEvaluable("a bare coordinate in ℙ(…) outside any trajectory")
            here = _ev(it, outer)
            out = _mul(out, _binary(lambda x, y: np.asarray(x == y).astype(np.int64), _ev(it, inner), here))
        else:
            raise NotEvaluable(f"the event {type(it).__name__} (only s_t = s, a_t = a and coordinates s_t, a_t)")
    return out


def _expand(items: tuple[Any, ...], sc: _Scope) -> tuple[Any, ...]:
    """``…`` between two coordinates: every coordinate strictly between them (s_t before a_t)."""
    if not any(isinstance(x, A.Dots) for x in items):
        return tuple(items)
    out: list[Any] = []
    for i, it in enumerate(items):
        if not isinstance(it, A.Dots):
            out.append(it)
            continue
        before, after = (items[i - 1] if i > 0 else None), (items[i + 1] if i + 1 < len(items) else None)
        if not (isinstance(before, A.At) and isinstance(after, A.At)):
            raise NotEvaluable("… must stand between two trajectory coordinates")
        key = lambda c: 2 * _as_int(_ev(c.time, sc), "a time before or after …") + (c.name == "a")
        lo, hi = key(before), key(after)
        for k in range(lo + 1, hi):
            out.append(A.At("a" if k % 2 else "s", A.Num(k // 2)))
    return tuple(out)


def _markov(node: A.Apply, sc: _Scope, m: Model) -> Tensor | None:
    """ℙ(s_{u+1} = y, a_u = b | s_u = x) by the Markov transition law, or None if the pattern does not apply."""
    if len(node.given) != 1 or not node.args:
        return None
    g = node.given[0]
    if not (isinstance(g, A.Rel) and g.op == "=" and isinstance(g.left, A.At) and g.left.name == "s"):
        return None
    probe = _Scope(sc.model, replace(sc.conv, constants={"T": 0, **sc.conv.constants}), sc.env, sc.counter, [])
    try:
        u = _ev(g.left.time, probe)
        state = action = None
        for ev in node.args:
            if not (isinstance(ev, A.Rel) and ev.op == "=" and isinstance(ev.left, A.At)):
                return None
            diff = _binary(lambda x, y: x - y, _ev(ev.left.time, probe), u)
            want = 1 if ev.left.name == "s" else 0 if ev.left.name == "a" else None
            if want is None or not np.all(np.asarray(diff.value) == want):
                return None
            if ev.left.name == "s":
                state = ev.right if state is None else None
            else:
                action = ev.right if action is None else None
    except NotEvaluable:
        return None
    try:
        _note_before(_ev(g.left.time, sc), lambda: f"s_{{{_shown(g.left.time)}}}", sc)
    except NotEvaluable:  # a time in a horizon T that this family does not have: any T ≥ 0, not checked
        if not _mentions(g.left.time, lambda n: _is(n, A.Sym, name="T")):
            raise
    x = _ev(g.right, sc)
    if action is not None and state is not None:
        b, y = _ev(action, sc), _ev(state, sc)
        return _mul(_gather(m.pi, [x, b]), _gather(m.P, [x, b, y]))
    if action is not None:
        return _gather(m.pi, [x, _ev(action, sc)])
    if state is not None:
        return _gather(m.P_pi, [x, _ev(state, sc)])
    return None


def _safe_div(num: Tensor, den: Tensor) -> Tensor:
    """num / den, :data:`GIVEN_NULL` where den = 0 (a conditional on a null event has no value; times that event's
    probability it is 0)."""
    def div(a: Any, b: Any) -> Any:
        a, b = np.broadcast_arrays(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
        out = np.empty(a.shape, dtype=object)
        for i in np.ndindex(*a.shape):
            out[i] = a[i] / b[i] if b[i] != 0 else GIVEN_NULL
        return out
    t = _binary(div, num, den)
    if (_is_float(num) or _is_float(den)) and not any(x is GIVEN_NULL for x in np.asarray(t.value).ravel()):
        return Tensor(np.asarray(t.value, dtype=np.float64), t.axes)
    return t


def _drop_given_null(lhs: Tensor, rhs: Tensor, model: Model, label: str) -> tuple[Tensor, Tensor]:
    """Both sides without the entries where either is a conditional on an event of probability 0
    (:data:`GIVEN_NULL`): ℙ(s_2 = y | s_1 = x, a_1 = b) = 𝒫(y | x, b) is claimed only where s_1 = x can happen.
    :class:`OutsideCondition` ("vacuous") when no entry is left."""
    axes = _union(lhs.axes, rhs.axes)
    sizes: dict[str, int] = {}
    for t in (lhs, rhs):
        sizes.update(zip(t.axes, np.shape(t.value)))
    shape = tuple(sizes[x] for x in axes)
    null = np.zeros(shape, dtype=bool)
    for t in (lhs, rhs):
        arr = np.broadcast_to(np.asarray(t.expand(axes), dtype=object), shape)
        if arr.size:
            null |= np.vectorize(lambda x: x is GIVEN_NULL, otypes=[bool])(arr)
    if not null.any():
        return lhs, rhs
    plain = tuple(x for x in axes if x != GRAD_AXIS)
    if GRAD_AXIS in axes:
        null = null.any(axis=axes.index(GRAD_AXIS))
    if null.all():
        raise OutsideCondition(f"vacuous: {label} conditions on events of probability 0 only")
    lhs, rhs = _selected(lhs, rhs, Tensor(~null, plain), ())
    if model.arithmetic.name == "float64":
        lhs, rhs = (Tensor(np.asarray(t.value, dtype=np.float64), t.axes) for t in (lhs, rhs))
    return lhs, rhs


def _indicator(cond: Any, sc: _Scope) -> Tensor:
    return _events((cond,), sc)


# ------------------------------------------------------------ expectations
def _expect(node: A.Expect, sc: _Scope, grad: bool = False) -> Tensor:
    var, dist = node.var, node.dist
    if node.start is not None or (var is None and dist is None and node.policy is not None):
        raise NotEvaluable("𝔼_s^π[…], an expectation started at s under π, is a series on a continuing MDP "
                           "(the value function's definition); pgverify evaluates v by its Bellman equation")
    if isinstance(dist, A.Apply) and dist.fn.name == "Normal" or _is(dist, A.Fn, name="Normal"):
        raise NotEvaluable("a Gaussian expectation 𝔼_{x∼𝒩(μ,σ²)} needs a Gaussian-objective family "
                           "(gaussian-polynomial, gaussian-transcendental), not a finite MDP")
    if var is None or (isinstance(var, A.Var) and var.sort == "trajectory") or _is(dist, A.Fn, name="Traj"):
        if dist is not None:
            if not _is(dist, A.Fn, name="Traj"):
                raise NotEvaluable("an expectation over trajectories under another law than 𝒯θ")
            _check_param(dist)
        return _traj_expect(node, sc, grad)
    if node.given:
        raise NotEvaluable("a conditional expectation over a state or an action")
    if isinstance(var, A.Var) and var.sort == "action":
        if not (isinstance(dist, A.Apply) and dist.fn.name == "pi"):
            raise NotEvaluable("an action drawn from another law than πθ(·|s)")
        pm = _policy_model(dist.fn, sc, "an expectation")
        if len(dist.given) > 1 or len(dist.args) != 1 or dist.given and not (
                isinstance(dist.args[0], A.Blank) or dist.args[0] == var):
            raise NotEvaluable(f"the law of {var.name}: write π(·|s), π({var.name}|s) or π(s)")
        state = dist.given[0] if dist.given else dist.args[0]
        s = _ev(state, sc)
        inner, axis = _bind_index(var, np.arange(sc.model.A), sc)
        a = inner.env[var.name]
        weight = _gather(pm.pi, [s, a])
        body = _ev(node.body, inner)
        if not grad:
            return _sum_axis(_mul(weight, body), axis) if axis in body.axes else _mul(_sum_axis(weight, axis), body)
        if pm is not sc.model and _theta_free(pm, sc, "π"):  # π' does not depend on θ
            return _sum_axis(_mul(weight, _d(node.body, inner)), axis)
        dweight = _gather(sc.model.dpi, [s, a], (GRAD_AXIS,))
        return _sum_axis(_add(_mul(dweight, body), _mul(weight, _d(node.body, inner))), axis)
    if isinstance(var, A.Var) and var.sort == "state":
        if isinstance(dist, A.Fn) and dist.name == "d" or isinstance(dist, A.Apply) and dist.fn.name == "d":
            fn = dist if isinstance(dist, A.Fn) else dist.fn
            _bare(fn, "discount", "policy")
            if fn.discount is not None and not _is(fn.discount, A.Sym, name="discount"):
                raise NotEvaluable(f"the occupancy with discount {_shown(fn.discount)}")
            if isinstance(dist, A.Apply) and (dist.given or len(dist.args) != 1 or not (
                    isinstance(dist.args[0], A.Blank) or dist.args[0] == var)):
                raise NotEvaluable(f"the law d({', '.join(_shown(x) for x in dist.args)}) of {var.name}: write d or "
                                   f"d({var.name})")
            pm = _policy_model(fn.policy, sc, "the occupancy")
            inner, axis = _bind_index(var, np.arange(sc.model.S), sc)
            s = inner.env[var.name]
            weight = _gather(pm.d, [s])
            if not grad:
                return _sum_axis(_mul(weight, _ev(node.body, inner)), axis)
            if pm is not sc.model and _theta_free(pm, sc, "d"):  # d^{π'} does not depend on θ
                return _sum_axis(_mul(weight, _d(node.body, inner)), axis)
            from numeric.derivatives import grad_d

            dweight = _gather(grad_d(sc.model), [s], (GRAD_AXIS,))
            return _sum_axis(_add(_mul(dweight, _ev(node.body, inner)),
                                  _mul(weight, _d(node.body, inner))), axis)
        if isinstance(dist, A.Fn) and dist.name == "P":
            inner, axis = _bind_index(var, np.arange(sc.model.S), sc)
            weight = _gather(sc.model.P, [_ev(dist.state, sc), _ev(dist.action, sc), inner.env[var.name]])
            body = _d(node.body, inner) if grad else _ev(node.body, inner)
            return _sum_axis(_mul(weight, body), axis)
        raise NotEvaluable("a state drawn from another law than d or 𝒫_s^a")
    raise NotEvaluable("this expectation")


def _traj_expect(node: A.Expect, sc: _Scope, grad: bool) -> Tensor:
    inner, axis = _bind_trajectory(node.var, sc)
    tau = inner.env[_TRAJ]
    prob = _trajectory_probability(inner, tau)
    body = _ev(node.body, inner)
    if node.given:
        if grad:
            raise NotEvaluable("∇θ of a conditional expectation")
        return _conditional(node, sc, inner, axis, prob, body)
    if not grad:
        return _sum_axis(_mul(prob, body), axis) if axis in _mul(prob, body).axes else body
    dprob = _trajectory_probability_grad(inner, tau)
    return _sum_axis(_add(_mul(dprob, body), _mul(prob, _d(node.body, inner))), axis)


def _conditional(node: A.Expect, sc: _Scope, inner: _Scope, axis: str, prob: Tensor, body: Tensor) -> Tensor:
    """𝔼[body | given]: events (s_t = s') or conditioning coordinates (s_t, a_t), matched against the outer τ."""
    events: list[Any] = []
    match = ONE
    if sc.conv.random_start and any(_mentions(g, lambda n: isinstance(n, A.At) and n.name in ("s", "a") and _is(
            n.time, A.Num) and n.time.value == sc.conv.time_base) for g in node.given):
        raise NotEvaluable("a conditional on the start (s_0 = s): every checked model starts at one state, so the "
                           "event has probability 0 for every other s and the display would be checked at one start "
                           "only")
    for g in node.given:
        if isinstance(g, A.Rel):
            events.append(g)
        elif isinstance(g, A.At):
            outer = _ev(g, sc)  # the coordinate along the trajectory the display speaks of (free τ)
            mine = _ev(g, inner)
            match = _mul(match, _binary(lambda a, b: (a == b).astype(np.int64), mine, outer))
        else:
            raise NotEvaluable(f"conditioning on {type(g).__name__}")
    if events:
        match = _mul(match, _events(tuple(events), inner))
    num = _sum_axis(_mul(_mul(prob, body), match), axis)
    den = _sum_axis(_mul(prob, match), axis)
    return _safe_div(num, den)


# ---------------------------------------------------------------- gradients
def _grad(node: A.Grad, sc: _Scope) -> Tensor:
    if _is(node.wrt, A.Sym, name="theta") and node.wrt.index is not None:  # ∂/∂θ_{s,a}: pgverify.notation.trajectories
        return _LIT.component(node, sc, _d)
    if not _is(node.wrt, A.Sym, name="theta"):
        raise NotEvaluable(f"∇ with respect to {getattr(node.wrt, 'name', node.wrt)} on the finite-action family "
                           f"{sc.model.family or ''}: only ∇θ is evaluated here (∇ₐ needs a continuous-action family, "
                           "∇_μ a Gaussian objective)")
    return _d(node.body, sc)


def _d(node: Any, sc: _Scope) -> Tensor:
    """∇θ node: forward rules over the AST; leaves are the model's derivatives."""
    if _matrices.mentions_matrix(node):  # matrix and operator notation (the theory profile)
        return _matrices.matrix_gradient(node, sc)
    if isinstance(node, (A.Num, A.Var, A.Indicator, A.At)) or isinstance(node, A.Sym) and node.index is None and \
            node.name in ("discount", "T", "s0"):
        if isinstance(node, A.At) and node.name not in ("s", "a", "r"):
            raise NotEvaluable(f"∇θ of {node.name}_t")
        return ZERO
    if isinstance(node, A.Return):
        _return(node, sc)  # rewards do not depend on θ
        return ZERO
    if isinstance(node, A.Apply) and node.fn.name in dict(sc.conv.arbitrary):
        _arbitrary(node, sc)  # declared a function of its arguments only: not of θ
        return ZERO
    if isinstance(node, (A.Add, A.Sub)):  # ZERO stays ZERO: ∇θ(t − 1) = 0 leaves λ^{t−1} an integer power
        dl, dr = _d(node.left, sc), _d(node.right, sc)
        dr = dr if dr is ZERO or isinstance(node, A.Add) else _neg(dr)
        return dl if dr is ZERO else dr if dl is ZERO else _add(dl, dr)
    if isinstance(node, A.Neg):
        d = _d(node.operand, sc)
        return d if d is ZERO else _neg(d)
    if isinstance(node, A.Mul):
        total = ZERO
        values = [_ev(f, sc) for f in node.factors]
        for i, f in enumerate(node.factors):
            term = _d(f, sc)
            if term is ZERO:
                continue
            for j, v in enumerate(values):
                if j != i:
                    term = _mul(term, v)
            total = term if total is ZERO else _add(total, term)
        return total
    if isinstance(node, A.Frac):
        num, den = _ev(node.num, sc), _ev(node.den, sc)
        dn, dd = _d(node.num, sc), _d(node.den, sc)
        out = _div(dn, den) if dn is not ZERO else ZERO
        if dd is not ZERO:
            out = _add(out, _neg(_div(_mul(dd, num), _mul(den, den))))
        return out
    if isinstance(node, A.Pow):
        e = _ev(node.exp, sc)
        if _d(node.exp, sc) is not ZERO:
            raise NotEvaluable("∇θ of a power with a θ-dependent exponent")
        db = _d(node.base, sc)
        if db is ZERO:
            return ZERO
        k = _as_int(e, "an exponent under ∇θ")
        return _mul(_mul(_const(k), _pow(_ev(node.base, sc), _const(k - 1))), db)
    if isinstance(node, A.Log):
        if isinstance(node.arg, A.Apply) and node.arg.fn.name == "Traj":  # ∇θ log 𝒯θ(τ) = ∇θ𝒯θ(τ)/𝒯θ(τ): ρ₀ cancels
            return _div(_law(node.arg, sc, True), _law(node.arg, sc, False))
        dx = _d(node.arg, sc)
        return ZERO if dx is ZERO else _div(dx, _ev(node.arg, sc))
    if isinstance(node, A.Sum):
        if len(node.indices) == 1 and node.indices[0].sort == "trajectory":
            inner, axis = _bind_trajectory(node.indices[0], sc)
            return _sum_axis_or_zero(_d(node.body, inner), axis)
        return _bigop(A.Sum(node.indices, _GradOf(node.body), node.lower, node.upper, node.domain), sc)
    if isinstance(node, _GradOf):
        return _d(node.body, sc)
    if isinstance(node, A.Prod):
        raise NotEvaluable("∇θ of a product Π (write the product rule out)")
    if isinstance(node, A.Expect):
        return _expect(node, sc, grad=True)
    if isinstance(node, A.Apply):
        return _apply(node, sc, grad=True)
    if isinstance(node, A.Fn) and node.name in ("U", "J"):
        return Tensor(sc.model.grad_U, (GRAD_AXIS,))
    if isinstance(node, A.Grad):
        raise NotEvaluable("a second derivative")
    raise NotEvaluable(f"∇θ of {type(node).__name__}")


def _sum_axis_or_zero(t: Tensor, axis: str) -> Tensor:
    return t.sum(axis) if axis in t.axes else t


@dataclass(frozen=True)
class _GradOf(A.Node):
    """Internal: ∇θ body inside a bounded Σ (so the Σ's masks apply to the derivative)."""

    body: Any = None




# ------------------------------------------------------------------ compile
def _aligned(lhs: Tensor, rhs: Tensor) -> tuple[Any, Any]:
    """Both sides over the union of their axes (a side built from numbers alone stands for that constant at every
    index of the other: the parser's analysis has already rejected any other mismatch)."""
    axes = _union(lhs.axes, rhs.axes)
    if not axes:
        return lhs.value, rhs.value
    l_, r_ = lhs.expand(axes), rhs.expand(axes)
    shape = np.broadcast_shapes(np.shape(l_), np.shape(r_))

    def full(x: Any) -> np.ndarray:
        arr = x if isinstance(x, np.ndarray) else np.asarray(x, dtype=object)
        out = np.broadcast_to(arr, shape)
        return np.array(out, dtype=np.float64) if _is_float(lhs) or _is_float(rhs) else np.array(out, dtype=object)

    return full(l_), full(r_)


_RELATIONS = {"=": "=", "def": "=", "<": "<", ">": ">", "<=": "<=", ">=": ">="}


def _sorts(node: Any, out: dict[str, str]) -> dict[str, str]:
    if isinstance(node, A.Var):
        out.setdefault(node.name, node.sort)
    if isinstance(node, A.Node):
        for c in A.children(node):
            _sorts(c, out)
    return out


def _free_values(names: set[str], sorts: dict[str, str], sc: _Scope) -> dict[str, Tensor]:
    """Ranges of the display's free variables: states, actions, trajectories; times at which τ takes an action."""
    from pgverify.notation.scope import TRAJECTORY

    m = sc.model
    out: dict[str, Tensor] = {}
    for name in sorted(names):
        sort = "trajectory" if name == TRAJECTORY else sorts.get(name)
        if sort == "trajectory":
            states, _, _ = _padded(m)
            t = Tensor(np.arange(states.shape[0]), (name,))
            out[name] = t
            out[_TRAJ] = t
        elif sort == "state":
            out[name] = Tensor(_LIT.free_states(m, sc.conv), (name,))
        elif sort == "action":
            out[name] = Tensor(np.arange(m.A), (name,))
        elif sort == "time":
            T = _horizon(m)  # τ = (s_1, a_1, …, a_{T−1}, s_T) takes actions at times 1 … T − 1 (profile's base)
            out[name] = Tensor(np.arange(sc.conv.time_base, T - 1 + sc.conv.time_base), (name,))
        else:
            raise NotEvaluable(f"the free variable {name!r} has no range on a model")
    return out


def _condition_mask(conditions: tuple[Any, ...], sc: _Scope) -> Tensor | None:
    """Where every condition holds (a boolean tensor over the conditions' variables), or None with no condition.

    A condition on model values (``r(s, a) = 5``) is decided on each drawn model; the universal (symbolic) model
    and the degree bounds have no such values to compare, so they are outside it (:class:`OutsideCondition`).
    """
    mask: Tensor | None = None
    for cond in conditions:
        if not isinstance(cond, A.Rel) or cond.op not in _COMPARE:
            raise NotEvaluable(f"the condition {cond} (only comparisons =, <, ≤, >, ≥ are evaluated)")
        if sc.model.arithmetic.name in ("symbolic", "degree") and not _on_indices(cond):
            raise OutsideCondition(f"the condition {_shown(cond)} compares model values, decided on drawn models "
                                   f"only")
        op = _COMPARE[cond.op]
        left, right = _ev(cond.left, sc), _ev(cond.right, sc)
        if GRAD_AXIS in left.axes or GRAD_AXIS in right.axes:
            raise NotEvaluable(f"the condition {_shown(cond)} compares vectors (a gradient in θ): a condition "
                               f"selects entries by one number each")
        here = _binary(lambda a, b: np.asarray(op(np.asarray(a), np.asarray(b))).astype(bool), left, right)
        mask = here if mask is None else _binary(lambda a, b: a & b, mask, here)
    return mask


def _on_indices(node: Any) -> bool:
    """Whether ``node`` compares indices only (states, actions, times, s_t, a_t, T, s⁰ and integers)."""
    if isinstance(node, (A.Num, A.Var)) or isinstance(node, A.Sym) and node.name in ("T", "s0"):
        return True
    if isinstance(node, A.At):
        return node.name in ("s", "a") and _on_indices(node.time)
    if isinstance(node, (A.Rel, A.Add, A.Sub, A.Neg, A.Mul)):
        return all(_on_indices(c) for c in A.children(node))
    return False


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "=": lambda a, b: a == b, "<": lambda a, b: a < b, ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}

#: The axis of the entries a condition selects (both sides of a step, in the same order).
SELECTED_AXIS = "#selected"


def _selected(lhs: Tensor, rhs: Tensor, mask: Tensor | None, conditions: tuple[Any, ...]) -> tuple[Tensor, Tensor]:
    """Both sides at the entries where the conditions hold, the others dropped (never set to 0: ``0 > 0`` is
    false, and a step is claimed only where its conditions hold); :class:`OutsideCondition` if there is none."""
    if mask is None:
        return lhs, rhs
    if not mask.axes:
        if bool(mask.value):
            return lhs, rhs
        raise OutsideCondition(f"the model meets no condition ({', '.join(_shown(c) for c in conditions)})")
    axes = _union(lhs.axes, rhs.axes, mask.axes)
    plain = tuple(x for x in axes if x != GRAD_AXIS)
    sizes: dict[str, int] = {}
    for t in (lhs, rhs, mask):
        sizes.update(zip(t.axes, np.shape(t.value)))
    keep = np.broadcast_to(np.asarray(mask.expand(plain), dtype=bool), tuple(sizes[x] for x in plain))
    if not keep.any():
        raise OutsideCondition(f"no entry of the model meets the condition "
                               f"({', '.join(_shown(c) for c in conditions)})")
    shape = tuple(sizes[x] for x in axes)
    out_axes = (SELECTED_AXIS,) + ((GRAD_AXIS,) if GRAD_AXIS in axes else ())

    def pick(t: Tensor) -> Tensor:
        v = t.expand(axes)
        arr = np.broadcast_to(v if isinstance(v, np.ndarray) else np.asarray(v, dtype=object), shape)
        return Tensor(np.array(arr[keep]), out_axes)

    return pick(lhs), pick(rhs)


def parameter_condition(cond: Any) -> "Fraction | bool | None":
    """A condition on the model's parameter λ alone, solved: the one λ it fixes (``3λ = 1`` → 1/3), True when
    it always holds, False when it never does (``0 = 1``, or no λ in [0, 1] meets it); None when it mentions
    anything else (it then selects entries of each model).  A relation on λ that is not a single value
    (``λ < 1/2``, two roots) raises :class:`NotEvaluable`."""
    import sympy

    lam = sympy.Symbol("lam")

    def conv(n: Any) -> Any:
        if isinstance(n, A.Num):
            return sympy.Integer(n.value)
        if _is(n, A.Sym, name="discount", index=None):
            return lam
        parts = [conv(c) for c in A.children(n)] if isinstance(n, A.Node) else [None]
        if any(p is None for p in parts):
            return None
        if isinstance(n, A.Add):
            return parts[0] + parts[1]
        if isinstance(n, A.Sub):
            return parts[0] - parts[1]
        if isinstance(n, A.Neg):
            return -parts[0]
        if isinstance(n, A.Mul):
            return sympy.Mul(*parts)
        if isinstance(n, A.Frac):
            return parts[0] / parts[1]
        if isinstance(n, A.Pow) and parts[1].is_Integer:
            return parts[0] ** parts[1]
        return None

    if not (isinstance(cond, A.Rel) and cond.op in _COMPARE):
        return None
    left, right = conv(cond.left), conv(cond.right)
    if left is None or right is None:
        return None
    diff = sympy.cancel(left - right)
    if lam not in diff.free_symbols:
        return bool(_COMPARE[cond.op](diff, 0))
    if cond.op != "=":
        raise NotEvaluable(f"the condition {_shown(cond)} restricts λ to a range: pgverify checks a family at "
                           f"every λ or at one value (write `where \\lambda = …`)")
    roots = [x for x in sympy.solve(sympy.numer(sympy.together(diff)), lam)
             if x.is_real and 0 <= x <= 1 and sympy.denom(sympy.together(diff)).subs(lam, x) != 0]
    if not roots:
        return False
    if len(roots) > 1 or not roots[0].is_Rational:
        raise NotEvaluable(f"the condition {_shown(cond)} holds at λ ∈ {{{', '.join(map(str, roots))}}}: not one "
                           f"rational value to fix the family at")
    return Fraction(int(roots[0].p), int(roots[0].q))


def compile_display(display: A.Chain, *, name: str, statement: str = "", conventions: Conventions = Conventions(),
                    section: str = "", methods: tuple[str, ...] = METHODS, slow_methods: tuple[str, ...] = ()) -> Claim:
    """The :class:`~pgverify.registry.Claim` of a parsed, well-formed display: one step per relation.

    ``methods`` and ``slow_methods`` as for a catalogue claim (a display that is a catalogue claim is checked by
    the same methods as the catalogue's transcription).

    The display's free variables are the identity's arguments (every state, action, trajectory, and every
    time at which the trajectory acts); ``conventions.conditions`` (annotations such as ``for k < t`` or
    ``whenever s_1 = s^0``) restrict where it is claimed.  Ill-formedness is the parser's analysis
    (:func:`pgverify.notation.scope.check_chain`); a display with no relation raises
    :class:`~pgverify.notation.errors.IllFormedDisplay`, one that is not a statement about the model
    :class:`NotEvaluable`.
    """
    from pgverify.notation.errors import IllFormedDisplay

    steps = list(display.steps())
    if not steps:
        raise IllFormedDisplay("the display has no relation: it stops after its first side", display.pos)
    for left, step in steps:
        if step.rel in ("assign", "in"):
            raise NotEvaluable(f"{'←, an assignment of pseudo-code,' if step.rel == 'assign' else '∈, a membership,'}"
                               " is not an identity about the model")
    from pgverify.notation import continuous as C
    from pgverify.notation.dots import expand_dots

    kind = C.continuous_kind(display)  # continuous actions or a Gaussian objective: pgverify.notation.continuous
    needed = _dots_horizon(display)
    display = expand_dots(display)  # x_1 + ⋯ + x_T as the Σ it stands for (the horizon above presumes the terms)
    display = _LIT.exp_chain(display)  # log A = Σ log B: compared through exp (pgverify.notation.trajectories)
    steps = list(display.steps())
    sorts: dict[str, str] = {}
    for r in display.rows:
        _sorts(r, sorts)
    for cond in conventions.conditions:
        _sorts(cond, sorts)
    const = set(conventions.constants)
    families = conventions.families or {"dpg": C.DPG_FAMILIES, "gaussian": C.GAUSSIAN_FAMILIES}.get(
        kind) or choose_families(display)
    if conventions.arbitrary and families == ("tabular-softmax",):
        families = ("episodic-softmax",)  # the family that draws arbitrary functions (as for the baseline b)
    if conventions.horizon is not None and needed is not None and conventions.horizon < needed:
        raise NotEvaluable(f"the display's … presumes T ≥ {needed}; the annotation checks T = {conventions.horizon}")
    if needed is not None and families == ("episodic-softmax",) and conventions.horizon is None:
        from pgverify.families.restrict import restricted

        families = (restricted("episodic-softmax", min_horizon=needed),)
    if conventions.horizon is not None or conventions.discount is not None:
        from pgverify.families.restrict import fixed

        try:
            families = tuple(fixed(f, horizon=conventions.horizon, discount=conventions.discount) for f in families)
        except PGVerifyError as exc:
            raise NotEvaluable(f"the annotation cannot be honoured: {exc}") from None
    on_domain = {i: _decide_on_domain(step_label(i, step), left, step, families, conventions.conditions,
                                      conventions.discount)
                 for i, (left, step) in enumerate(steps) if step.rel in ("<", ">", "<=", ">=")}
    cond_free = set().union(set(), *(free_variables(c) for c in conventions.conditions))
    # each step's free variables: a property of the display, computed once (not once per model)
    step_free = [frozenset((free_variables(left) | free_variables(step.rhs) | cond_free) - const)
                 for left, step in steps]

    memo: "weakref.WeakKeyDictionary[Model, Chain]" = weakref.WeakKeyDictionary()

    def evaluate(model: Model) -> Chain:
        """The chain on ``model``, computed once per model (the per-step report re-reads an exact point's)."""
        try:
            return memo[model]
        except (KeyError, TypeError):
            pass
        try:
            out = _evaluate(model)
        finally:
            _forget_coordinates(model)  # its trajectory tensors were this evaluation's
        try:
            memo[model] = out
        except TypeError:
            pass
        return out

    def _evaluate(model: Model) -> Chain:
        sc = _Scope(model, conventions, {}, itertools.count())
        out: list[Step] = []
        details: dict[str, Any] = {}
        skipped: dict[str, str] = {}
        defined: dict[str, Any] = {}
        sides: dict[tuple[int, frozenset[str]], Tensor] = {}  # a step's right side is the next step's left side

        def side(node: Any, free: frozenset[str], scope: _Scope) -> Tensor:
            key = (id(node), free)
            if key not in sides:
                sides[key] = _matrices.lone_ones(node) or _ev(node, scope)  # 𝟏 as a side: sized by the other
            return sides[key]

        for i, ((left, step), free) in enumerate(zip(steps, step_free)):
            label = step_label(i, step)
            rel = step.rel
            try:
                decided = on_domain.get(i)
                if decided is not None and not isinstance(decided, str):
                    out.append(decided)  # a relation in λ alone that fails on its domain: the witness step
                    continue
                if kind is not None:
                    pair = C.evaluate_step(i, left, step, model, conventions, free=set(free), sorts=sorts,
                                           defined=defined)
                    if pair is None:  # a definition (annotation `defines`)
                        continue
                    lhs, rhs, rel = pair
                else:
                    scope = _Scope(model, conventions, _free_values(set(free), sorts, sc), sc.counter)
                    mask = _condition_mask(conventions.conditions, scope)
                    lhs, rhs = _selected(_defined(side(left, free, scope), f"the left side of {label}"),
                                         _defined(side(step.rhs, free, scope), f"the right side of {label}"),
                                         mask, conventions.conditions)
                    _raise_outside(scope, mask)
                    _matrices.check_shapes(lhs, rhs, label, left, step.rhs)
                    lhs, rhs = _drop_given_null(lhs, rhs, model, label)
                    if "alpha" in conventions.small and rel in ("=", "<", ">", "<=", ">="):
                        decided = C._small_step(lhs, rhs, rel, model, 1)
                        if decided is None:
                            raise NotEvaluable(f"{label}: as α → 0⁺ both sides agree to first order in α and "
                                               "their second-order terms are not evaluated on this family")
                        lhs, rhs, rel = decided
                        lhs, rhs = C._finish(lhs, model), C._finish(rhs, model)
            except NotEvaluable as exc:
                if len(steps) == 1:
                    raise
                skipped[label] = str(exc)
                continue
            if rel == "propto":
                c = _constant(lhs, rhs, model)
                _positive_on_domain(c, model, label)
                details[f"constant ({label})"] = c if not model.arithmetic.exact else str(c)
                a, b = _aligned(lhs, _mul(_const(c), rhs))
                out.append(Step(label, a, "=", b))
                out.append((kind and C.positivity_certificate(c, model, label)) or
                           Step(f"{label}: the constant is positive", c, ">", 0))
                if getattr(model, "_derivative", None) is not None:
                    out.append(Step(f"{label}: the constant does not depend on θ", _theta_derivative(model)(
                        np.asarray([c], dtype=object))[0], "=", np.zeros(model.K, dtype=object) * c))
                continue
            a, b = _aligned(lhs, rhs)
            if isinstance(on_domain.get(i), str) and not _fails_exactly(a, b, _RELATIONS[rel]):
                # a relation in T (or λ in a sum) holding at a sampled model proves nothing about every T and λ;
                # failing exactly at one, it is refuted (the model is in the domain)
                if len(steps) == 1:
                    raise NotEvaluable(on_domain[i])
                skipped[label] = on_domain[i]
                continue
            out.append(Step(label, a, _RELATIONS[rel], b))
        if not out:
            raise NotEvaluable("; ".join(f"{k}: {v}" for k, v in skipped.items()))
        if skipped:
            details[NOT_EVALUATED] = skipped
        return Chain(tuple(out), details)

    # The id keys the checker's symbolic cache: it names the display's content and conventions, so a display is
    # never answered with the proof of another one (or of a catalogue claim) that has the same name.
    digest = hashlib.sha256(repr((display, conventions, families, methods)).encode()).hexdigest()[:16]
    return Claim(f"{name}@text:{digest}", section, statement, evaluate, families, methods, slow_methods=slow_methods)


# ------------------------------------------------------- relations between model parameters
#: The discount's domain on each family (λ ∈ [0, 1) unless listed): the symbol a parameter-only relation is solved in.
_FIXED_DISCOUNT = {"episodic-softmax-undiscounted": 1}


def _parameter_only(node: Any) -> bool:
    """Whether ``node`` is built from numbers and the discount λ alone (+, −, ×, ÷, integer powers)."""
    if isinstance(node, A.Num) or _is(node, A.Sym, name="discount", index=None):
        return True
    if isinstance(node, (A.Add, A.Sub)):
        return _parameter_only(node.left) and _parameter_only(node.right)
    if isinstance(node, A.Neg):
        return _parameter_only(node.operand)
    if isinstance(node, A.Mul):
        return all(_parameter_only(f) for f in node.factors)
    if isinstance(node, A.Frac):
        return _parameter_only(node.num) and _parameter_only(node.den)
    if isinstance(node, A.Pow):
        return _parameter_only(node.base) and isinstance(node.exp, (A.Num, A.Neg)) and _parameter_only(node.exp) \
            and not _mentions(node.exp, lambda n: isinstance(n, A.Sym))
    return False


def _numbers_and_parameters(node: Any) -> bool:
    """Whether ``node`` holds no quantity of a model's MDP or policy: numbers, λ, T and sums or products of them
    over indices only."""
    if isinstance(node, (A.Num, A.Var)) or isinstance(node, A.Sym) and node.name in ("discount", "T"):
        return node.index is None if isinstance(node, A.Sym) else True
    if isinstance(node, (A.Add, A.Sub, A.Neg, A.Mul, A.Frac, A.Pow, A.Sum, A.Prod)):
        return all(_numbers_and_parameters(c) for c in A.children(node))
    return False


def _sympy(node: Any, lam: Any) -> Any:
    """A parameter-only expression (:func:`_parameter_only`) in SymPy, λ the symbol ``lam``."""
    import sympy

    if isinstance(node, A.Num):
        return sympy.Integer(node.value)
    if isinstance(node, A.Sym):
        return lam
    if isinstance(node, (A.Add, A.Sub)):
        a, b = _sympy(node.left, lam), _sympy(node.right, lam)
        return a + b if isinstance(node, A.Add) else a - b
    if isinstance(node, A.Neg):
        return -_sympy(node.operand, lam)
    if isinstance(node, A.Mul):
        return sympy.Mul(*(_sympy(f, lam) for f in node.factors))
    if isinstance(node, A.Frac):
        return _sympy(node.num, lam) / _sympy(node.den, lam)
    return _sympy(node.base, lam) ** _sympy(node.exp, lam)


def _fails_exactly(a: Any, b: Any, rel: str) -> bool:
    """Whether ``a rel b`` fails at some entry, decided in exact arithmetic only: False for floats and for values
    that cannot be ordered (symbolic), so that a rounded or symbolic value never refutes."""
    op = _COMPARE[rel]
    xs, ys = np.broadcast_arrays(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
    for x, y in zip(xs.ravel(), ys.ravel()):
        if isinstance(x, (float, np.floating)) or isinstance(y, (float, np.floating)):
            return False
        try:
            holds = op(x, y)
        except TypeError:
            return False
        if not isinstance(holds, (bool, np.bool_)):
            return False
        if not holds:
            return True
    return False


def _decide_on_domain(label: str, left: Any, step: A.Step, families: tuple[str, ...], conditions: tuple[Any, ...],
                      discount: Fraction | None = None) -> Any:
    """A relation L ⋈ R (⋈ ∈ <, ≤, >, ≥) whose sides depend on the discount λ alone, decided over λ's whole domain
    on ``families`` ([0, 1), or λ = 1 on the undiscounted family; {``discount``} when an annotation fixed it)
    restricted by the conditions on λ alone — not on
    the random points the methods sample (the float64 examples draw λ ≤ 9/10 only).

    None when the sides are not parameter-only (the methods decide the step); a :class:`~pgverify.statement.Step`
    at a witness λ* where the relation fails (every method then refutes it at every seed); a string saying why it
    cannot be decided on the domain (the step is then refuted where it fails exactly at a checked model, and
    otherwise not evaluated, with that string as the reason).  A relation that holds on the whole domain is left to the methods (it holds at their
    points too).
    """
    import sympy

    if not any(_mentions(x, lambda n: isinstance(n, A.Sym) and n.name in ("discount", "T")) for x in (
            left, step.rhs)) or not all(_numbers_and_parameters(x) for x in (left, step.rhs)):
        return None
    if not (_parameter_only(left) and _parameter_only(step.rhs)):
        return ("a relation between model parameters (the horizon T, or λ in a sum or a product) is decided only "
                "when it is a rational function of λ alone; on sampled models it would be decided in the sampling "
                "box (the float64 examples draw λ ≤ 9/10 and a few horizons), not over every λ ∈ [0, 1) and T")
    lam = sympy.Symbol("lambda", real=True)
    fixed = {discount} if discount is not None else {_FIXED_DISCOUNT.get(f.split("[")[0]) for f in families}
    if len(fixed) != 1:
        return f"a relation in λ alone on families with different ranges of λ ({', '.join(families)})"
    (value,) = fixed
    domain = sympy.Interval.Ropen(0, 1) if value is None else sympy.FiniteSet(value)
    where = "[0, 1)" if value is None else f"{{{value}}}"
    ops = {"<": sympy.Lt, ">": sympy.Gt, "<=": sympy.Le, ">=": sympy.Ge}
    negation = {"<": ">=", ">": "<=", "<=": ">", ">=": "<"}
    for cond in conditions:
        if not _mentions(cond, lambda n: _is(n, A.Sym, name="discount")):
            continue
        if not (isinstance(cond, A.Rel) and cond.op in ops or isinstance(cond, A.Rel) and cond.op == "=") or not (
                _parameter_only(cond.left) and _parameter_only(cond.right)):
            return "a relation in λ alone under a condition mixing λ with other quantities"
        c = (sympy.Eq if cond.op == "=" else ops[cond.op])(_sympy(cond.left, lam), _sympy(cond.right, lam))
        domain = domain.intersect(sympy.solveset(c, lam, domain))
        where += f", {_shown(cond)}"
    lhs, rhs = _sympy(left, lam), _sympy(step.rhs, lam)
    den = sympy.fraction(sympy.together(lhs - rhs))[1]
    poles = sympy.solveset(sympy.Eq(den, 0), lam, domain) if den.free_symbols else sympy.EmptySet
    if poles != sympy.EmptySet:
        return f"a side of the relation in λ is undefined at λ ∈ {_set_text(poles)} (λ ranges over {where})"
    try:
        failing = sympy.solveset(ops[negation[step.rel]](lhs, rhs), lam, domain)
    except (NotImplementedError, ValueError) as exc:
        return f"the relation in λ alone could not be solved over λ ∈ {where} ({exc})"
    if failing == sympy.EmptySet:
        return None
    if isinstance(failing, sympy.ConditionSet) or failing.has(sympy.ConditionSet):
        return f"the relation in λ alone could not be solved over λ ∈ {where}"
    witness = _rational_point(failing)
    if witness is None:
        return f"the relation in λ alone fails only at λ ∈ {_set_text(failing)} (λ ranges over {where}), where pgverify cannot " \
               "evaluate it exactly"
    label = f"{label} at λ = {witness} (λ ranges over {where}; the relation fails for λ ∈ {_set_text(failing)})"
    return Step(label, Fraction(str(lhs.subs(lam, witness))), step.rel, Fraction(str(rhs.subs(lam, witness))))


def _set_text(where: Any) -> str:
    """A SymPy set of reals as written in mathematics: (9/10, 1), [0, 1/2], {1}, unions with ∪."""
    import sympy

    if isinstance(where, sympy.Union):
        return " ∪ ".join(_set_text(p) for p in where.args)
    if isinstance(where, sympy.Interval):
        return f"{'(' if where.left_open else '['}{where.start}, {where.end}{')' if where.right_open else ']'}"
    if isinstance(where, sympy.FiniteSet):
        return "{" + ", ".join(str(x) for x in where) + "}"
    return str(where)


def _rational_point(where: Any) -> Any:
    """A rational point of a SymPy set of reals (the midpoint of its first interval, rounded inside), or None."""
    import sympy

    parts = where.args if isinstance(where, sympy.Union) else (where,)
    for part in parts:
        if isinstance(part, sympy.FiniteSet):
            for x in part:
                if x.is_rational:
                    return sympy.Rational(x)
        if isinstance(part, sympy.Interval) and part.measure > 0:
            mid = (part.start + part.end) / 2
            for digits in range(1, 30):
                q = sympy.Rational(round(mid * 10 ** digits), 10 ** digits)
                if q in part:
                    return q
    return None


def _time_of(expr: Any, T: int) -> int | None:
    if isinstance(expr, A.Num):
        return expr.value
    if _is(expr, A.Sym, name="T"):
        return T
    if isinstance(expr, (A.Add, A.Sub)):
        a, b = _time_of(expr.left, T), _time_of(expr.right, T)
        return None if a is None or b is None else a + b if isinstance(expr, A.Add) else a - b
    return None


def _dots_horizon(display: A.Chain, longest: int = 12) -> int | None:
    """The least horizon T ≥ 2 at which every ``x, …, y`` of the display runs forwards (y after x), if one is needed.

    ``ℙ(s_1, a_1, …, s_{T−1})`` presumes T ≥ 3: at T = 2 its last coordinate s_1 comes before a_1; and a sum or
    product written with dots presumes its terms in order, as ℙ's coordinates: in ``r_1 + r_2 + ⋯ + r_T`` the last
    term does not come before the one written just before the dots (T ≥ 2).
    """
    from pgverify.notation.dots import dotted_parts, expand_dots

    pairs: list[tuple[A.At, A.At]] = []
    counts: list[tuple[Any, int]] = []  # (D, written): Σ_{k=0}^{D}, the last term's k ≥ the k before the dots

    def walk(n: Any) -> None:
        parts = dotted_parts(n) if isinstance(n, (A.Add, A.Mul)) else None
        if parts is not None:
            counts.append((expand_dots(n).upper, len(parts[1]) + len(parts[2])))
            for term in parts[1] + parts[2]:
                walk(term)
            return
        if isinstance(n, A.Apply):
            for items in (n.args, n.given):
                for i, x in enumerate(items):
                    if isinstance(x, A.Dots) and 0 < i < len(items) - 1 and isinstance(items[i - 1], A.At) \
                            and isinstance(items[i + 1], A.At):
                        pairs.append((items[i - 1], items[i + 1]))
        if isinstance(n, A.Node):
            for c in A.children(n):
                walk(c)

    for r in display.rows:
        walk(r)
    if not pairs and not counts:
        return None
    for T in range(2, longest + 1):
        keys = [(_time_of(x.time, T), x.name, _time_of(y.time, T), y.name) for x, y in pairs]
        if any(k[0] is None or k[2] is None for k in keys):
            return None
        spans = [(_time_of(upper, T), written) for upper, written in counts]
        if all(2 * ty + (ny == "a") >= 2 * tx + (nx == "a") for tx, nx, ty, ny in keys) and all(
                d is None or d + 2 >= written for d, written in spans):
            return T if T > 2 else None
    return None


def _theta_derivative(model: Any) -> Callable[[Any], np.ndarray]:
    """∂/∂θ of an array's closed form on a symbolic model (a finite model's ``derivative``, a continuous one's)."""
    return model.derivative if isinstance(model, Model) else model._derivative


def step_label(i: int, step: A.Step) -> str:
    """The label of the i-th step (0-based) of a display: ``step 2 (ii) (=)``."""
    rel = {"def": ":=", "propto": "∝"}.get(step.rel, step.rel)
    return f"step {i + 1}{' ' + step.label if step.label else ''} ({rel})"


def _positive_on_domain(c: Any, model: Model, label: str) -> None:
    """On a symbolic model whose discount is the symbol λ, an ∝ constant c(λ) of λ alone must be positive on λ's
    whole domain [0, 1), not only at the λ the other methods sample: :class:`NotEvaluable` naming the λ where
    c(λ) ≤ 0 or c is undefined (∇U ∝ λ·(1 − λ)∇U fails at λ = 0, where the right side vanishes).  A constant that
    depends on θ, or a model with a fixed λ, is left to the step's other checks."""
    import sympy

    field = getattr(c, "field", None)
    if field is None or not hasattr(field, "to_sympy") or getattr(model.lam, "field", None) is not field:
        return
    lam, value = field.to_sympy(model.lam), field.to_sympy(c)
    if not isinstance(lam, sympy.Symbol) or value.free_symbols != {lam}:
        return
    num, den = sympy.fraction(sympy.together(value))
    bad = sympy.solveset(num * den <= 0, lam, sympy.Interval.Ropen(0, 1))  # c ≤ 0, or a pole (den = 0)
    if bad != sympy.EmptySet:
        raise NotEvaluable(f"{label}: the constant c = {sympy.factor(value)} is not positive for λ ∈ "
                           f"{_set_text(bad)} (λ ranges over [0, 1)); the sampled λ do not decide the step there")


def _constant(lhs: Tensor, rhs: Tensor, model: Model) -> Any:
    """c with lhs = c·rhs, read off the entry where |rhs| is largest (the step then checks every entry).

    When the right-hand side is 0 everywhere any c > 0 will do: c = 1 (the step then checks lhs = 0).
    """
    l_, r_ = _aligned(lhs, rhs)
    r = np.asarray(r_, dtype=object).ravel()
    l_ = np.asarray(l_, dtype=object).ravel()
    if model.arithmetic.name == "float64":
        i = int(np.argmax(np.abs(r.astype(np.float64))))
        return l_[i] / r[i] if r[i] != 0 else 1.0
    for x, y in zip(l_, r):
        if y != 0:
            return x / y
    return 1
