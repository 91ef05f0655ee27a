"""Continuous actions and Gaussian objectives from displays: the DPG and the Gaussian note of the post.

:func:`pgverify.notation.evaluate.compile_display` hands a display to this module when it speaks of continuous
actions (∇ₐ, a deterministic πθ(s), an evaluation bar ``|_{a=…}``, the contraction ``·``) or of a Gaussian
objective (𝔼_{x∼𝒩(μ,σ²)}, ∇_μ).  Values are the evaluator's named-axis tensors
(:class:`~pgverify.notation.evaluate.Tensor`); the models are the catalogue's:

* DPG displays — :class:`numeric.continuous.ContinuousModel` on :data:`DPG_FAMILIES` (the scalar LQR and the
  rational family; a ∈ ℝ, so ``·`` contracts an action axis of length 1: a product).  A parameter vector
  (θ, θ_t, θ_t + δθ) is a tensor on the axis ``∇θ``.

  - ∇θ X: X evaluated on the model whose θ carries dual numbers (symbolically: on the field model, then
    differentiated in its θ generators) — ∇θU is then the model's reference gradient, U differentiated directly.
    A quantity written at θ_t (q^{π_{θ_t}}, π_{θ_t}(s)) is held at the model's point inside ∇θ (on the symbolic
    model, whose closed form cannot tell θ_t from θ, that ∇θ runs on dual numbers over the field).
  - ∇ₐ X at a = a₀ (the bar |_{a=a₀} fixes a₀): X evaluated with a = a₀ + ε, a dual number; r, 𝒫 and q are
    the model's closed forms in the action.  ∇ₐ needs the bar: a free action has no range on these families.
  - 𝔼_{s∼d}[X] = Σ_s d(s) X(s) with d the model's normalised occupancy; q(s, a) = r(s, a) + λ Σ_{s'} 𝒫_s^a(s')
    v(s') at any real a.
  - ``for small \\alpha``: α is the germ at 0⁺ — a relation f(α) > g(α) is decided by the first Taylor
    coefficient of f − g in α that is not 0 (dual numbers, :data:`GERM_ORDER` coefficients); when every
    coefficient up to that order is 0 the relation is decided only when both sides do not depend on α at
    all (the move is 0: f ≡ g), else the display cannot be evaluated.

* Gaussian displays — :class:`numeric.gaussian.GaussianObjective` on :data:`GAUSSIAN_FAMILIES`.
  𝔼_{x∼𝒩(μ,σ²)}[g(x) 𝒩(x|μ,σ²)ᵏ], k ∈ {0, 1}, is the objective's own ``expect`` (exact Gaussian moments in SymPy
  for polynomial f, √π kept symbolic; mpmath quadrature for sin, exp, step; Gauss–Hermite in float64),
  ∇_μ𝒩(x|μ,σ²) = 𝒩(x|μ,σ²)(x − μ)/σ², ∇_μ log 𝒩(x|μ,σ²) = (x − μ)/σ², J(μ) and ∇_μJ(μ) the objective's
  (∇_μJ by differentiating J directly).

Anything else raises :class:`~pgverify.notation.evaluate.NotEvaluable` with the reason.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from numeric.arithmetic import FLOAT64
from numeric.dual import Dual, tangent
from pgverify.notation import ast as A
from pgverify.notation.evaluate import (GRAD_AXIS, ONE, NotEvaluable, Tensor, _add, _bare, _const, _div,
                                        _initial_state, _is, _mul, _neg, _union, elementary)

__all__ = ["DPG_FAMILIES", "GAUSSIAN_FAMILIES", "GERM_ORDER", "Jet", "continuous_kind", "evaluate_continuous",
           "evaluate_step", "positivity_certificate"]

#: The families of the catalogue's DPG claims (:mod:`pgverify.claims.dpg`).
DPG_FAMILIES = ("lqr", "continuous-rational")
#: The families of the catalogue's Gaussian claims (``score.*``).
GAUSSIAN_FAMILIES = ("gaussian-polynomial", "gaussian-transcendental")
#: Taylor coefficients in α examined for ``for small \alpha`` before giving up.
GERM_ORDER = 4


# ------------------------------------------------------------------ detection
def _deterministic(n: Any) -> bool:
    return isinstance(n, A.Apply) and n.fn.name == "pi" and not n.given and len(n.args) == 1 and \
        not isinstance(n.args[0], A.Blank) and not (isinstance(n.args[0], A.Var) and n.args[0].sort == "action")


def _gaussian_node(n: Any) -> bool:
    if isinstance(n, A.Expect) and (_is(n.dist, A.Fn, name="Normal") or
                                    isinstance(n.dist, A.Apply) and n.dist.fn.name == "Normal"):
        return True
    return isinstance(n, A.Grad) and _is(n.wrt, A.Sym, name="mu")


def _continuous_node(n: Any) -> bool:
    from pgverify.notation.matrices import mentions_matrix

    if isinstance(n, A.EvalAt) and mentions_matrix(n):  # d/dx … |_{x=θ₀} of matrix notation: a finite display
        return False
    if isinstance(n, (A.Dot, A.EvalAt)) or _deterministic(n):
        return True
    return isinstance(n, A.Grad) and isinstance(n.wrt, A.Var) and n.wrt.sort == "action"


def _any(node: Any, pred: Callable[[Any], bool], skip_policy_expectations: bool = False) -> bool:
    if pred(node):
        return True
    if skip_policy_expectations and isinstance(node, A.Expect) and isinstance(node.dist, A.Apply) and \
            node.dist.fn.name == "pi":
        # 𝔼_{a∼πθ(s)}: πθ(s) is the distribution of a stochastic policy here, not a deterministic action
        return any(_any(c, pred, True) for c in (node.body, *node.given))
    return isinstance(node, A.Node) and any(_any(c, pred, skip_policy_expectations) for c in A.children(node))


def continuous_kind(display: A.Chain) -> str | None:
    """``"dpg"`` (continuous actions), ``"gaussian"`` (a Gaussian objective) or None (a finite display)."""
    dpg = any(_any(r, _continuous_node, True) for r in display.rows)
    gauss = any(_any(r, _gaussian_node) for r in display.rows)
    if dpg and gauss:
        raise NotEvaluable("a display mixing continuous actions (∇ₐ, πθ(s)) with a Gaussian objective 𝒩(μ, σ²): "
                           "no family has both")
    return "dpg" if dpg else "gaussian" if gauss else None


def evaluate_continuous(node: Any, model: Any, *, free: set[str], sorts: dict[str, str],
                        bound: dict[str, Any] | None = None) -> Tensor:
    """The value of one side of a continuous display on ``model``; free states are axes named by the variable.

    ``bound`` gives symbols their values (α as a :class:`Jet` for ``for small \\alpha``, δθ once defined).
    """
    from numeric.continuous import ContinuousModel
    from numeric.gaussian import GaussianObjective

    if isinstance(model, GaussianObjective):
        if bound:
            raise NotEvaluable(f"{', '.join(bound)} in a Gaussian display")
        return _gaussian_side(node, model)
    if not isinstance(model, ContinuousModel):
        raise NotEvaluable(f"continuous actions (∇ₐ, πθ(s), |_{{a=…}}) on {getattr(model, 'family', '') or 'a'} "
                           f"finite-action model: the DPG is evaluated on the continuous families {DPG_FAMILIES}")
    env: dict[str, Tensor] = {}
    for name in sorted(free):
        sort = sorts.get(name)
        if sort == "state":
            env[name] = Tensor(np.arange(model.S), (name,))
        elif sort == "time":
            continue  # the round t of θ_t: the model's θ is θ_t, for any t
        else:
            raise NotEvaluable(f"the free variable {name!r} ({sort}) has no range on a continuous-action model "
                               "(an action is fixed by a bar |_{a=…})")
    sc = _Scope(model, model, env, itertools.count(), None, dict(bound or {}))
    return _ev(node, sc)


# ------------------------------------------------------------------ DPG
@dataclass(frozen=True)
class _Scope:
    base: Any        # the model at the checked point θ_t
    cur: Any         # the model at the current θ: base, or its dual image inside ∇θ
    env: dict[str, Tensor]
    counter: Any
    deriving: str | None  # "θ" or "a" inside a derivative
    symbols: dict[str, Any]

    def bind(self, name: str, t: Tensor) -> "_Scope":
        return replace(self, env={**self.env, name: t})


def _elementwise(fn: Callable[..., Any], *ts: Tensor, what: str) -> Tensor:
    """fn applied entry by entry to tensors broadcast together (arguments: states, actions — never gradients)."""
    if any(GRAD_AXIS in t.axes for t in ts):
        raise NotEvaluable(f"{what} applied to a gradient")
    axes = _union(*(t.axes for t in ts))
    arrs = [np.asarray(t.expand(axes), dtype=object) for t in ts]
    if not axes:
        return Tensor(fn(*(a[()] for a in arrs)), ())
    shape = np.broadcast_shapes(*(a.shape for a in arrs))
    arrs = [np.broadcast_to(a, shape) for a in arrs]
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = fn(*(a[idx] for a in arrs))
    return Tensor(out, axes)


def _actions(m: Any, a: Any) -> np.ndarray:
    """The same action a at every state (the models evaluate one action per state)."""
    out = np.empty(m.S, dtype=object)
    out[:] = [a] * m.S
    return out


def _state(x: Any, m: Any) -> int:
    if isinstance(x, Dual) or int(x) != x or not 0 <= int(x) < m.S:
        raise NotEvaluable(f"{x!r} is not a state of the model")
    return int(x)


def _ev(node: Any, sc: _Scope) -> Tensor:
    m = sc.cur
    if isinstance(node, A.Num):
        return _const(node.value)
    if isinstance(node, A.Sym):
        return _symbol(node, sc)
    if isinstance(node, A.Dot):  # a ∈ ℝ: the action axis of ∇θπθ(s) · ∇ₐq has length 1, · is a product
        return _mul(_ev(node.left, sc), _ev(node.right, sc))
    out = elementary(node, sc, _ev)
    if out is not None:
        return out
    if isinstance(node, A.Pow):
        e = _ev(node.exp, sc)
        if e.axes or isinstance(e.value, (Dual, Jet)) or int(e.value) != e.value:
            raise NotEvaluable("a power other than an integer on a continuous-action model")
        base, out = _ev(node.base, sc), ONE
        base = Tensor(_exact_int(base.value), ()) if not base.axes else base
        for _ in range(abs(int(e.value))):
            out = _mul(out, base)
        return out if e.value >= 0 else _div(ONE, out)
    if isinstance(node, A.Grad):
        if _is(node.wrt, A.Sym, name="theta"):
            return _grad_theta(node.body, sc)
        if isinstance(node.wrt, A.Var) and node.wrt.sort == "action":
            return _grad_action(node, sc)
        raise NotEvaluable(f"∇ with respect to {getattr(node.wrt, 'name', node.wrt)} on a continuous-action model "
                           "(∇θ and ∇ₐ are evaluated)")
    if isinstance(node, A.EvalAt):
        return _eval_at(node, sc)
    if isinstance(node, A.Sum):
        return _sum(node, sc)
    if isinstance(node, A.Expect):
        return _expect(node, sc)
    if isinstance(node, A.Fn) and node.name == "U":
        return _const(m.U)
    if isinstance(node, A.Apply):
        return _apply(node, sc)
    what = {"At": "a trajectory coordinate", "Return": "a return", "Log": "a logarithm",
            "Indicator": "an indicator"}.get(type(node).__name__, type(node).__name__)
    raise NotEvaluable(f"{what} on a continuous-action model (trajectories, logarithms and events belong to the "
                       "finite families)")


def _symbol(node: A.Sym, sc: _Scope) -> Tensor:
    if node.index is not None and node.name != "theta":
        raise NotEvaluable(f"{node.name} with an index: a constant of the model has no index (θ_t is the one "
                           "parameter written with its round)")
    if node.name == "discount":
        return _const(sc.base.lam)
    if node.name == "s0":
        return _const(_initial_state(sc.base))
    if node.name == "theta":
        return Tensor(_theta_model(node, sc).theta, (GRAD_AXIS,))
    if node.name in sc.symbols:
        return sc.symbols[node.name]
    if node.name == "alpha":
        raise NotEvaluable("the step size α has no value: annotate the display `for small \\alpha` (the germ "
                           "at α → 0⁺) or fix it")
    raise NotEvaluable(f"the constant {node.name!r} has no value on a continuous-action model")


def _theta_model(sym: Any, sc: _Scope) -> Any:
    """The model of the parameter θ (the current one) or θ_t (the checked point, held fixed inside ∇θ)."""
    if _is(sym, A.Sym, name="theta"):
        if sym.index is None:
            return sc.cur
        if sc.deriving == "θ" and sc.cur is sc.base:
            raise _HeldFixed("θ_t held fixed inside ∇θ: the closed form of the symbolic model is differentiated in "
                             "the same generators (∇θ then runs on dual numbers)")
        return sc.base
    raise NotEvaluable(f"the parameter {sym}: only θ and θ_t are points of the model")


def _policy_model(fn: A.Fn, sc: _Scope) -> Any:
    pol = fn.policy
    if pol is None:
        return sc.cur
    if not (isinstance(pol, A.Fn) and pol.name == "pi"):
        raise NotEvaluable(f"the policy {pol}: only π_θ is a policy of the model")
    return sc.cur if pol.param is None else _theta_model(pol.param, sc)


def _apply(node: A.Apply, sc: _Scope) -> Tensor:
    fn, name = node.fn, node.fn.name
    if name == "U":
        if fn != A.Fn("U") or len(node.args) != 1 or node.given:
            raise NotEvaluable("U takes one parameter point, U(θ)")
        point = node.args[0]
        if not (_is(point, A.Sym, name="theta") and (point.index is None or _is(point.index, A.Var))):
            raise NotEvaluable("U at a parameter point other than θ or θ_t (the objective is not rebuilt at "
                               "another point on a continuous-action model)")
        return _const(_theta_model(point, sc).U)
    _bare(fn, *{"q": ("discount", "policy"), "v": ("discount", "policy"), "d": ("discount", "policy"),
                "pi": ("param",), "P": ("state", "action")}.get(name, ()))
    if fn.discount is not None and not _is(fn.discount, A.Sym, name="discount"):
        raise NotEvaluable(f"{name} with discount {fn.discount}: only the model's λ")
    if name == "pi":
        if node.given or len(node.args) != 1:
            raise NotEvaluable("π(a|s), a probability, on a deterministic policy: write πθ(s)")
        s = _ev(node.args[0], sc)
        if fn.param is None or _is(fn.param, A.Sym, name="theta"):
            m = _theta_model(fn.param or A.Sym("theta"), sc)
            return _elementwise(lambda x: m.mu[_state(x, m)], s, what="πθ")
        theta = _ev(fn.param, sc)  # θ_t + δθ: a parameter per entry of its other axes
        if theta.axes[-1:] != (GRAD_AXIS,):
            raise NotEvaluable(f"the policy parameter {fn.param} is not a vector of the parameter's size")
        arr = np.asarray(theta.value, dtype=object)
        boxes = np.empty(arr.shape[:-1], dtype=object)
        for idx in np.ndindex(*arr.shape[:-1]):
            boxes[idx] = _Box(arr[idx])
        vec = Tensor(boxes if boxes.ndim else boxes[()], theta.axes[:-1])
        base = sc.base
        return _elementwise(lambda th, x: base.with_theta(th.v).mu[_state(x, base)], vec, s, what="π")
    if name in ("q", "r"):
        if len(node.args) != 2:
            raise NotEvaluable(f"{name} takes (s, a), got {len(node.args)} argument(s)")
        m = _policy_model(fn, sc) if name == "q" else sc.cur
        s, a = (_ev(x, sc) for x in node.args)
        if name == "q":
            return _elementwise(lambda x, y: m.q_at(_actions(m, y))[_state(x, m)], s, a, what="q")
        return _elementwise(lambda x, y: m.reward.r(_actions(m, y))[_state(x, m)], s, a, what="r")
    if name in ("v", "d"):
        if len(node.args) != 1:
            raise NotEvaluable(f"{name} takes one state")
        m = _policy_model(fn, sc)
        table = m.v if name == "v" else m.d
        return _elementwise(lambda x: table[_state(x, m)], _ev(node.args[0], sc), what=name)
    if name == "P":
        if fn.state is None or fn.action is None or len(node.args) != 1:
            raise NotEvaluable("a transition kernel needs its state, action and next state: 𝒫_s^a(s')")
        m = sc.cur
        return _elementwise(lambda x, y, z: m.kernel.P(_actions(m, y))[_state(x, m), _state(z, m)],
                            _ev(fn.state, sc), _ev(fn.action, sc), _ev(node.args[0], sc), what="𝒫")
    raise NotEvaluable(f"the function {name!r} on a continuous-action model")


class _HeldFixed(NotEvaluable):
    """A quantity at θ_t inside ∇θ on a model whose ∇θ cannot tell θ_t from θ."""


class _Box:
    """A parameter vector carried as one entry of an object array (so that entries can be vectors)."""

    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = np.asarray(v, dtype=object)


def _grad_theta(body: Any, sc: _Scope) -> Tensor:
    if sc.deriving is not None:
        raise NotEvaluable("a second derivative (∇θ inside a derivative) is not evaluated")
    axes: list[tuple[str, ...]] = []

    def value(mm: Any) -> Any:
        axes.clear()
        t = _ev(body, replace(sc, cur=mm, deriving="θ"))
        if GRAD_AXIS in t.axes:
            raise NotEvaluable("∇θ of a gradient (a second derivative) is not evaluated")
        axes.append(t.axes)
        return np.asarray(t.value, dtype=object) if t.axes else np.asarray([t.value], dtype=object)

    try:
        out = sc.cur.grad(value)  # the symbolic model: its closed form differentiated in its θ generators
    except _HeldFixed:  # dual numbers over the field: θ_t stays the model's point, θ moves
        out = tangent(value(sc.cur._dual), sc.cur.K)
    return Tensor(out, axes[-1] + (GRAD_AXIS,)) if axes[-1] else Tensor(out[0], (GRAD_AXIS,))


def _grad_action(node: A.Grad, sc: _Scope) -> Tensor:
    name = node.wrt.name
    if sc.deriving is not None:
        raise NotEvaluable("a second derivative (∇ₐ inside a derivative) is not evaluated")
    if name not in sc.env:
        raise NotEvaluable(f"∇_{name} at an action that no bar |_{{{name}=…}} fixes: a free action has no range on a "
                           "continuous-action model")
    point = sc.env[name]
    one = sc.base.lam * 0 + 1
    seeded = _elementwise(lambda x: Dual(x, (one,)), point, what=f"∇_{name}")
    t = _ev(node.body, replace(sc, deriving="a").bind(name, seeded))
    if GRAD_AXIS in t.axes:
        raise NotEvaluable(f"∇_{name} of a θ-gradient (a second derivative) is not evaluated")
    return _elementwise(lambda x: x.du[0] if isinstance(x, Dual) else x * 0, t, what=f"∇_{name}")


def _eval_at(node: A.EvalAt, sc: _Scope) -> Tensor:
    var = node.var
    if isinstance(var, A.Var) and var.sort == "action":
        return _ev(node.body, sc.bind(var.name, _ev(node.value, sc)))
    if _is(var, A.Sym, name="theta") and var.index is None:
        if not (_is(node.value, A.Sym, name="theta") and node.value.index is not None):
            raise NotEvaluable(f"|_{{θ={node.value}}}: the bar evaluates at θ_t, the model's point")
        if sc.deriving is not None:
            raise NotEvaluable("a bar |_{θ=θ_t} inside a derivative")
        return _ev(node.body, sc)  # the current θ is the model's point θ_t
    raise NotEvaluable(f"an evaluation bar on {var}")


def _bind_states(var: A.Var, sc: _Scope) -> tuple[_Scope, str]:
    axis = f"{var.name}#{next(sc.counter)}"
    return sc.bind(var.name, Tensor(np.arange(sc.base.S), (axis,))), axis


def _sum(node: A.Sum, sc: _Scope) -> Tensor:
    if node.lower is not None or node.upper is not None or len(node.indices) != 1 or \
            node.indices[0].sort != "state":
        raise NotEvaluable("on a continuous-action model only sums over the states Σ_{s∈𝒮} are evaluated")
    inner, axis = _bind_states(node.indices[0], sc)
    body = _ev(node.body, inner)
    if axis not in body.axes:
        raise NotEvaluable(f"a sum over {node.indices[0].name!r} whose body does not depend on it")
    return body.sum(axis)


def _expect(node: A.Expect, sc: _Scope) -> Tensor:
    var, dist = node.var, node.dist
    fn = dist if isinstance(dist, A.Fn) else dist.fn if isinstance(dist, A.Apply) else None
    if not (isinstance(var, A.Var) and var.sort == "state" and fn is not None and fn.name == "d") or node.given:
        raise NotEvaluable("on a continuous-action model only 𝔼_{s∼d}[…] is evaluated (an expectation over actions "
                           "belongs to a stochastic policy)")
    _bare(fn, "discount", "policy")
    if fn.discount is not None and not _is(fn.discount, A.Sym, name="discount") or isinstance(dist, A.Apply) and (
            dist.given or len(dist.args) != 1 or not (isinstance(dist.args[0], A.Blank) or dist.args[0] == var)):
        raise NotEvaluable("the law of s: only d (or d(s)) with the model's discount")
    m = _policy_model(fn, sc)
    inner, axis = _bind_states(var, sc)
    weight = Tensor(m.d, (axis,))
    return _mul(weight, _ev(node.body, inner)).sum(axis)


# ------------------------------------------------------------------ Gaussian objectives
@dataclass(frozen=True)
class _Terms:
    """Σ_k g_k(x) 𝒩(x|μ,σ²)ᵏ: ``parts`` maps k to a function of x."""

    parts: tuple[tuple[int, Callable[[Any], Any]], ...]

    @staticmethod
    def of(g: Callable[[Any], Any], k: int = 0) -> "_Terms":
        return _Terms(((k, g),))

    def __add__(self, other: "_Terms") -> "_Terms":
        return _Terms(self.parts + other.parts)

    def __neg__(self) -> "_Terms":
        return _Terms(tuple((k, (lambda g: lambda x: -g(x))(g)) for k, g in self.parts))

    def __mul__(self, other: "_Terms") -> "_Terms":
        return _Terms(tuple((k + j, (lambda g, h: lambda x: g(x) * h(x))(g, h))
                            for (k, g), (j, h) in itertools.product(self.parts, other.parts)))


_NOTHING = _Terms(())


def _normal_args(node: Any, m: Any, what: str) -> None:
    """𝒩(μ, σ²) must be the objective's own Gaussian."""
    args = tuple(node.args) if isinstance(node, A.Apply) else ()
    ok = len(args) == 2 and _is(args[0], A.Sym, name="mu") and args[0].index is None and \
        isinstance(args[1], A.Pow) and _is(args[1].base, A.Sym, name="sigma") and _is(args[1].exp, A.Num, value=2)
    if not ok:
        raise NotEvaluable(f"{what}: only the objective's Gaussian 𝒩(μ, σ²) is evaluated")


def _density(node: A.Apply, m: Any) -> None:
    if not (len(node.args) == 1 and isinstance(node.args[0], A.Var) and len(node.given) == 2):
        raise NotEvaluable("a Gaussian density is written 𝒩(x|μ, σ²)")
    _normal_args(A.Apply(node.fn, node.given), m, "the density")


def _gaussian_side(node: Any, m: Any) -> Tensor:
    if isinstance(node, A.Expect):
        return _const(_gaussian_expect(node, m))
    if isinstance(node, A.Apply) and node.fn.name == "J" and len(node.args) == 1 and _is(node.args[0], A.Sym,
                                                                                           name="mu"):
        return _const(m.J)
    if isinstance(node, A.Grad) and _is(node.wrt, A.Sym, name="mu") and isinstance(node.body, A.Apply) and \
            node.body.fn.name == "J":
        if not (len(node.body.args) == 1 and _is(node.body.args[0], A.Sym, name="mu", index=None)):
            raise NotEvaluable("∇_μJ at another point than μ: only J(μ) is the objective's")
        return _const(m.dJ_dmu)  # J differentiated directly, never through the identity under test
    if isinstance(node, A.Num):
        return _const(node.value)
    if isinstance(node, (A.Add, A.Sub)):
        left, right = _gaussian_side(node.left, m), _gaussian_side(node.right, m)
        return _add(left, right if isinstance(node, A.Add) else _neg(right))
    if isinstance(node, A.Mul):
        out = ONE
        for f in node.factors:
            out = _mul(out, _gaussian_side(f, m))
        return out
    raise NotEvaluable(f"{type(node).__name__} in a Gaussian display (J(μ), ∇_μJ(μ) and 𝔼_{{x∼𝒩(μ,σ²)}}[…] are "
                       "evaluated)")


def _gaussian_expect(node: A.Expect, m: Any) -> Any:
    if not (isinstance(node.var, A.Var) and node.dist is not None) or node.given:
        raise NotEvaluable("a Gaussian expectation is written 𝔼_{x∼𝒩(μ,σ²)}[…]")
    _normal_args(node.dist, m, "the law of the expectation")
    x = node.var.name
    total: Any = 0
    for k, g in _body(node.body, m, x).parts:
        if k > 1:
            raise NotEvaluable(f"𝔼[g(x) 𝒩(x|μ,σ²)^{k}]: only the density to the power 0 or 1 is evaluated")
        total = total + m.expect(g, density_power=k)
    return m.canonical(total)


def _body(node: Any, m: Any, x: str) -> _Terms:
    """The integrand as Σ_k g_k(x) 𝒩(x|μ,σ²)ᵏ."""
    if isinstance(node, A.Num):
        return _Terms.of(lambda _: node.value)
    if isinstance(node, A.Var) and node.name == x:
        return _Terms.of(lambda y: y)
    if _is(node, A.Sym, name="mu"):
        return _Terms.of(lambda _: m.mu)
    if _is(node, A.Sym, name="sigma"):
        return _Terms.of(lambda _: m.sigma)
    if isinstance(node, A.Apply) and node.fn.name == "f" and len(node.args) == 1 and \
            isinstance(node.args[0], A.Var) and node.args[0].name == x:
        return _Terms.of(m.fx)
    if isinstance(node, A.Apply) and node.fn.name == "Normal":
        _density(node, m)
        return _Terms.of(lambda _: 1, 1)
    if isinstance(node, A.Add):
        return _body(node.left, m, x) + _body(node.right, m, x)
    if isinstance(node, A.Sub):
        return _body(node.left, m, x) + -_body(node.right, m, x)
    if isinstance(node, A.Neg):
        return -_body(node.operand, m, x)
    if isinstance(node, A.Mul):
        out = _Terms.of(lambda _: 1)
        for f in node.factors:
            out = out * _body(f, m, x)
        return out
    if isinstance(node, A.Pow) and isinstance(node.exp, A.Num) and isinstance(node.exp.value, int) and \
            node.exp.value >= 0:
        out = _Terms.of(lambda _: 1)
        for _ in range(node.exp.value):
            out = out * _body(node.base, m, x)
        return out
    if isinstance(node, A.Grad) and _is(node.wrt, A.Sym, name="mu"):
        return _dmu(node.body, m, x)
    if isinstance(node, A.Log):
        raise NotEvaluable("log 𝒩 itself is not a polynomial in x: it is evaluated under ∇_μ")
    raise NotEvaluable(f"{type(node).__name__} inside a Gaussian expectation")


def _dmu(node: Any, m: Any, x: str) -> _Terms:
    """∂/∂μ of the integrand (f and x do not depend on μ)."""
    score = lambda y: (y - m.mu) / m.sigma ** 2  # noqa: E731 — ∂_μ log 𝒩(y|μ,σ²)
    if isinstance(node, A.Apply) and node.fn.name == "Normal":
        _density(node, m)
        return _Terms.of(score, 1)
    if isinstance(node, A.Log) and isinstance(node.arg, A.Apply) and node.arg.fn.name == "Normal":
        _density(node.arg, m)
        return _Terms.of(score)
    if isinstance(node, A.Apply) and node.fn.name == "f" and not (
            len(node.args) == 1 and isinstance(node.args[0], A.Var) and node.args[0].name == x and not node.given):
        raise NotEvaluable(f"∇_μ of f at another argument than {x} (f(x) alone does not depend on μ)")
    if isinstance(node, A.Num) or _is(node, A.Sym, name="sigma") or isinstance(node, A.Var) and node.name == x or \
            isinstance(node, A.Apply) and node.fn.name == "f":
        return _NOTHING
    if _is(node, A.Sym, name="mu"):
        return _Terms.of(lambda _: 1)
    if isinstance(node, (A.Add, A.Sub)):
        right = _dmu(node.right, m, x)
        return _dmu(node.left, m, x) + (right if isinstance(node, A.Add) else -right)
    if isinstance(node, A.Mul):
        total = _NOTHING
        for i in range(len(node.factors)):
            term = _dmu(node.factors[i], m, x)
            for j, f in enumerate(node.factors):
                if j != i:
                    term = term * _body(f, m, x)
            total = total + term
        return total
    raise NotEvaluable(f"∇_μ of {type(node).__name__} inside a Gaussian expectation")


# ------------------------------------------------------------------ small α
def _exact_int(x: Any) -> Any:
    """An int becomes a Fraction, so that a division stays exact."""
    return Fraction(x) if isinstance(x, (int, np.integer)) and not isinstance(x, bool) else x


class Jet:
    """A Taylor polynomial Σ_{k≤N} c_k αᵏ at α = 0 (its order N = ``len(coef) − 1``, at most :data:`GERM_ORDER`);
    ``exact`` is False once a dropped term (beyond N, or of a division by a non-constant jet) may be non-zero.
    Truncation does not change the coefficients it keeps: c_0, …, c_N are those of any higher order.

    >>> a = Jet.variable(1)
    >>> [str(c) for c in ((a + 1) * (a + 1)).coef], [str(c) for c in (1 / (1 - a)).coef], (1 / (1 - a)).exact
    (['1', '2', '1', '0', '0'], ['1', '1', '1', '1', '1'], False)
    """

    __slots__ = ("coef", "exact")

    def __init__(self, coef: tuple[Any, ...], exact: bool = True) -> None:
        self.coef, self.exact = tuple(_exact_int(c) for c in coef), exact

    @staticmethod
    def variable(one: Any, order: int = GERM_ORDER) -> "Jet":
        zero = one * 0
        return Jet((zero, one) + (zero,) * (order - 1))

    def at_order(self, order: int) -> "Jet | None":
        """This jet with ``order``: truncated (the kept coefficients are unchanged; exact while the dropped are
        0), or padded with zeros when it is exact (a polynomial: its higher coefficients are 0); None when a
        higher order is asked of a jet whose dropped terms are unknown."""
        n = len(self.coef) - 1
        if order < n:
            kept, dropped = self.coef[:order + 1], self.coef[order + 1:]
            return Jet(kept, self.exact and all(c == 0 for c in dropped))
        if order > n:
            return Jet(self.coef + (self.coef[0] * 0,) * (order - n)) if self.exact else None
        return self

    def _pair(self, x: Any) -> tuple["Jet", "Jet"]:
        """Both operands as jets of one order (:meth:`at_order`): the higher one when the lower-order jet is
        exact, else the lower (an inexact jet's missing terms are unknown)."""
        o = self._other(x)
        if len(self.coef) == len(o.coef):
            return self, o
        short, long_ = (self, o) if len(self.coef) < len(o.coef) else (o, self)
        if short.exact:
            short = Jet(short.coef + (short.coef[0] * 0,) * (len(long_.coef) - len(short.coef)))
        else:
            kept, dropped = long_.coef[:len(short.coef)], long_.coef[len(short.coef):]
            long_ = Jet(kept, long_.exact and all(c == 0 for c in dropped))
        return (short, long_) if len(self.coef) < len(o.coef) else (long_, short)

    def _other(self, x: Any) -> "Jet":
        if isinstance(x, Jet):
            return x
        if isinstance(x, Dual):
            raise NotEvaluable("the step size α inside a derivative (∇ₐ of an expression in α) is not evaluated")
        return Jet((x,) + (x * 0,) * (len(self.coef) - 1))

    def constant(self) -> bool:
        return all(c == 0 for c in self.coef[1:])

    def __add__(self, x: Any) -> "Jet":
        if isinstance(x, np.ndarray):
            return NotImplemented
        a, o = self._pair(x)
        return Jet(tuple(p + q for p, q in zip(a.coef, o.coef)), a.exact and o.exact)

    __radd__ = __add__

    def __neg__(self) -> "Jet":
        return Jet(tuple(-a for a in self.coef), self.exact)

    def __sub__(self, x: Any) -> "Jet":
        if isinstance(x, np.ndarray):
            return NotImplemented
        return self + -self._other(x)

    def __rsub__(self, x: Any) -> "Jet":
        if isinstance(x, np.ndarray):
            return NotImplemented
        return self._other(x) - self

    def __mul__(self, x: Any) -> "Jet":
        if isinstance(x, np.ndarray):
            return NotImplemented
        s, o = self._pair(x)
        n = len(s.coef)
        full = [s.coef[0] * 0] * (2 * n - 1)
        for i, a in enumerate(s.coef):
            for j, b in enumerate(o.coef):
                full[i + j] = full[i + j] + a * b
        dropped = any(c != 0 for c in full[n:])
        return Jet(tuple(full[:n]), s.exact and o.exact and not dropped)

    __rmul__ = __mul__

    def __truediv__(self, x: Any) -> "Jet":
        if isinstance(x, np.ndarray):
            return NotImplemented
        o = self._other(x)
        if o.coef[0] == 0:
            raise NotEvaluable("a division by a quantity that vanishes at α = 0")
        inv = [1 / o.coef[0]]
        for k in range(1, len(o.coef)):
            inv.append(-sum((o.coef[j] * inv[k - j] for j in range(1, k + 1)), o.coef[0] * 0) / o.coef[0])
        return self * Jet(tuple(inv), o.exact and o.constant())

    def __rtruediv__(self, x: Any) -> "Jet":
        if isinstance(x, np.ndarray):
            return NotImplemented
        return self._other(x) / self

    def __pow__(self, k: int) -> "Jet":
        out = self._other(self.coef[0] * 0 + 1)
        for _ in range(k):
            out = out * self
        return out

    def __repr__(self) -> str:
        return f"Jet({self.coef}{'' if self.exact else ', truncated'})"


def _germ(t: Tensor, order: int) -> tuple[np.ndarray, bool]:
    """The Taylor coefficients of every entry (a trailing axis of order + 1) and whether all are exact."""
    arr = np.asarray(t.value, dtype=object)
    out = np.empty(arr.shape + (order + 1,), dtype=object)
    exact = True
    for idx in np.ndindex(*arr.shape):
        e = arr[idx]
        jet = e.at_order(order) if isinstance(e, Jet) else Jet((e,) + (e * 0,) * order)
        if jet is None:
            raise NotEvaluable(f"a quantity known to order {len(e.coef) - 1} in α is needed to order {order}")
        out[idx] = list(jet.coef)
        exact = exact and jet.exact
    return out, exact


def _small_step(lhs: Tensor, rhs: Tensor, rel: str, model: Any, order: int) -> tuple[Tensor, Tensor, str] | None:
    """A relation claimed for every small enough α > 0, decided on the Taylor coefficients at α = 0 (the sides
    are jets of ``order``); None when they agree up to ``order`` < :data:`GERM_ORDER` and more are needed."""
    axes = _union(lhs.axes, rhs.axes)
    diff, exact = _germ(_add(lhs, _neg(rhs)), order)
    floats = model.arithmetic is FLOAT64
    if floats:
        from pgverify.checker import NUMERIC_RTOL

        diff = np.asarray(diff, dtype=np.float64)
        scale = 1 + max(np.max(np.abs(np.asarray(_germ(lhs, order)[0], dtype=np.float64)), initial=0),
                        np.max(np.abs(np.asarray(_germ(rhs, order)[0], dtype=np.float64)), initial=0))
        zero = lambda c: abs(c) <= NUMERIC_RTOL * scale / (1 - float(model.lam))  # noqa: E731
    else:
        zero = lambda c: c == 0  # noqa: E731
    lead = np.empty(diff.shape[:-1], dtype=object)
    for idx in np.ndindex(*lead.shape):
        found = next((c for c in diff[idx] if not zero(c)), None)
        if found is None and not exact and order < GERM_ORDER:
            return None
        if found is None and not exact:
            raise NotEvaluable(f"as α → 0⁺ the first {GERM_ORDER + 1} Taylor coefficients of both sides agree and "
                               "the sides are not polynomials of that degree in α: the relation is not decided")
        lead[idx] = diff[idx][0] * 0 if found is None else found
    if rel == "=":  # equal germs: every coefficient (exact polynomials) — or a coefficient that differs
        l_, r_ = _germ(lhs, order)[0], _germ(rhs, order)[0]
        if not exact and all(zero(c) for c in np.asarray(diff).ravel()):
            raise NotEvaluable("equal Taylor coefficients of sides that are not polynomials in α")
        return Tensor(l_, axes + ("α^k",)), Tensor(r_, axes + ("α^k",)), "="
    value = np.asarray(lead, dtype=np.float64) if floats else lead
    return Tensor(value, axes), Tensor(value * 0, axes), rel


# ------------------------------------------------------------------ steps
def _finish(t: Tensor, model: Any) -> Tensor:
    if getattr(model, "arithmetic", None) is FLOAT64:
        return Tensor(np.asarray(t.value, dtype=np.float64) if t.axes else float(t.value), t.axes)
    return t


def evaluate_step(index: int, left: Any, step: A.Step, model: Any, conventions: Any, *, free: set[str],
                  sorts: dict[str, str], defined: dict[str, Tensor]) -> tuple[Tensor, Tensor, str] | None:
    """Both sides of the ``index``-th relation of a continuous or Gaussian display on ``model``, and the relation
    to check; None for a definition (annotation ``defines``: its value is kept in ``defined`` for the next steps).

    ``for small \alpha`` (``conventions.small``) evaluates α as the germ at 0⁺ (:class:`Jet`).
    """
    if conventions.conditions:
        raise NotEvaluable("conditions (`whenever`, `for k < t`) on a continuous-action or Gaussian display")
    rel = {"def": "=", "propto": "propto"}.get(step.rel, step.rel)
    small = "alpha" in conventions.small

    def at(order: int) -> tuple[Tensor, Tensor, str] | None:
        symbols: dict[str, Any] = dict(defined)
        if small:
            one = getattr(model, "lam", 0) * 0 + 1
            symbols["alpha"] = _const(Jet.variable(one, order))
        lhs, rhs = (evaluate_continuous(x, model, free=free, sorts=sorts, bound=symbols) for x in (left, step.rhs))
        relation = rel
        if small and rel in ("=", "<", ">", "<=", ">="):
            decided = _small_step(lhs, rhs, rel, model, order)
            if decided is None:
                return None
            lhs, rhs, relation = decided
        return _finish(lhs, model), _finish(rhs, model), relation

    if index == 0 and conventions.defines and isinstance(left, A.Sym) and left.index is None:
        # a definition in α: of order 1 when that is exact (a polynomial of degree ≤ 1), else of GERM_ORDER
        for order in ((1, GERM_ORDER) if small else (GERM_ORDER,)):
            symbols = dict(defined)
            if small:
                symbols["alpha"] = _const(Jet.variable(getattr(model, "lam", 0) * 0 + 1, order))
            value = evaluate_continuous(step.rhs, model, free=free, sorts=sorts, bound=symbols)
            if all(x.exact for x in np.ravel(np.asarray(value.value, dtype=object)) if isinstance(x, Jet)):
                break
        defined[left.name] = value
        return None
    # α as a jet: first of order 1 (its c₀, c₁ decide unless they tie, or both sides are exact polynomials of
    # degree ≤ 1), of GERM_ORDER otherwise
    first = at(1) if small else None
    return first if first is not None else at(GERM_ORDER)


def positivity_certificate(c: Any, model: Any, label: str) -> Any:
    """On a symbolic continuous model, the step proving an ∝ constant c > 0 when (1 − λ)·c is a positive rational
    number (λ ∈ [0, 1) on every model of the family); None otherwise (the step stays an inequality)."""
    from pgverify.statement import Step

    field = getattr(c, "field", None)
    if getattr(model, "_derivative", None) is None or field is None or not hasattr(field, "to_sympy"):
        return None
    k = c * (1 - model.lam)
    value = field.to_sympy(k)
    if not (value.is_Rational and value > 0):
        return None
    return Step(f"{label}: the constant is positive: (1 − λ)·c = {value} > 0 with λ ∈ [0, 1)", k, "=",
                field.constant(value))
