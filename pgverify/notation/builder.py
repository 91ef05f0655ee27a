"""The same AST from Python: a derivation that reads like the mathematics.

Names follow the post (π_θ, q_λ^{π_θ}, d_λ^{π_θ}, 𝒯_θ, λ, s⁰); arithmetic
uses Python operators (``+ - * / **``, ``@`` for ``\\cdot``), integers become
``Num``.  Every builder returns plain AST nodes, equal to what
:func:`pgverify.notation.parse` reads from the LaTeX:

>>> from pgverify.notation import parse
>>> rhs = (1 - lam) ** -1 * Sum(s, d(s) * Sum(a, q(s, a) * grad(theta, pi(a, given=s)), over=A), over=S)
>>> lhs = grad(theta, U(theta))
>>> chain(lhs, rhs) == parse(r"\\nabla_\\theta U(\\theta) = (1-\\lambda)^{-1}\\sum_{s\\in\\mathcal{S}} "
...                          r"d_\\lambda^{\\pi_\\theta}(s)\\sum_{a\\in\\mathcal{A}} q_\\lambda^{\\pi_\\theta}(s, a)"
...                          r"\\nabla_\\theta\\pi_\\theta(a\\vert s)")
True
"""

from __future__ import annotations

from typing import Any, Iterable

from pgverify.notation import ast as _ast
from pgverify.notation.ast import lift as num

__all__ = ["lam", "theta", "T", "s0", "s", "a", "sp", "ap", "t", "k", "n", "tau", "x", "S", "A", "one", "zero",
           "s_at", "a_at", "r_at", "R", "G", "pi", "pi_fn", "v", "q", "d", "r", "b", "U", "J", "P", "Pr", "Traj",
           "Traj_fn", "Normal", "f", "E", "Sum", "Prod", "grad", "log", "evalat", "ind", "frac", "argmax", "argmin",
           "eq", "lt", "le", "gt", "ge", "sim", "in_", "dots", "blank", "chain", "num", "sym", "var"]


def sym(name: str, index: Any = None) -> _ast.Sym:
    return _ast.Sym(name, None if index is None else num(index))


def var(name: str, sort: str) -> _ast.Var:
    return _ast.Var(name, sort)


lam = _ast.Sym("discount")
theta = _ast.Sym("theta")
T = _ast.Sym("T")
s0 = _ast.Sym("s0")
s, a = _ast.Var("s", "state"), _ast.Var("a", "action")
sp, ap = _ast.Var("s'", "state"), _ast.Var("a'", "action")
t, k, n = _ast.Var("t", "time"), _ast.Var("k", "time"), _ast.Var("n", "sample")
tau, x = _ast.Var("\\tau", "trajectory"), _ast.Var("x", "real")
S, A = _ast.Space("S"), _ast.Space("A")
one, zero = _ast.Num(1), _ast.Num(0)
dots, blank = _ast.Dots(), _ast.Blank()


def s_at(time: Any, sample: Any = None) -> _ast.At:
    """s_t (s_t^n with a roll-out index)."""
    return _ast.At("s", num(time), None if sample is None else num(sample))


def a_at(time: Any, sample: Any = None) -> _ast.At:
    return _ast.At("a", num(time), None if sample is None else num(sample))


def r_at(time: Any) -> _ast.At:
    """r_k, the reward at time k."""
    return _ast.At("r", num(time))


def R(traj: Any = tau) -> _ast.Return:
    """R_τ, the (discounted) return of a trajectory."""
    return _ast.Return("R", num(traj))


def G(traj: Any, time: Any) -> _ast.Return:
    """G_τ^t, the reward-to-go."""
    return _ast.Return("G", num(traj), num(time))


def pi_fn(param: Any = theta) -> _ast.Fn:
    """π_θ unapplied (a policy as a decoration or a distribution); ``param=None`` for a bare π."""
    return _ast.Fn("pi", param=None if param is None else num(param))


def pi(*args: Any, given: Any = None, param: Any = theta) -> _ast.Apply:
    """π_θ(a|s) with ``given=s``; π_θ(s) (deterministic) without."""
    g = () if given is None else (num(given),)
    return _ast.Apply(pi_fn(param), tuple(num(x) for x in args), g)


def _value(name: str, args: Iterable[Any], discount: Any, policy: Any) -> _ast.Apply:
    fn = _ast.Fn(name, discount=None if discount is None else num(discount), policy=None if policy is None else num(policy))
    return _ast.Apply(fn, tuple(num(x) for x in args))


def v(state: Any, *, discount: Any = lam, policy: Any = pi_fn()) -> _ast.Apply:
    """v_λ^{π_θ}(s)."""
    return _value("v", (state,), discount, policy)


def q(state: Any, action: Any, *, discount: Any = lam, policy: Any = pi_fn()) -> _ast.Apply:
    """q_λ^{π_θ}(s, a)."""
    return _value("q", (state, action), discount, policy)


def d(state: Any, *, discount: Any = lam, policy: Any = pi_fn()) -> _ast.Apply:
    """d_λ^{π_θ}(s), the discounted occupancy."""
    return _value("d", (state,), discount, policy)


def _plain(name: str, *args: Any, **decor: Any) -> _ast.Apply:
    return _ast.Apply(_ast.Fn(name, **{k_: num(v_) for k_, v_ in decor.items() if v_ is not None}),
                   tuple(num(x) for x in args))


def r(state: Any, action: Any) -> _ast.Apply:
    return _plain("r", state, action)


def b(state: Any, *, param: Any = None) -> _ast.Apply:
    return _plain("b", state, param=param)


def U(arg: Any = theta) -> _ast.Apply:
    return _plain("U", arg)


def J(arg: Any) -> _ast.Apply:
    return _plain("J", arg)


def f(*args: Any) -> _ast.Apply:
    return _plain("f", *args)


def P(next_state: Any, *, state: Any, action: Any) -> _ast.Apply:
    """𝒫_s^a(s')."""
    return _plain("P", next_state, state=state, action=action)


def Pr(*events: Any, given: Iterable[Any] = (), start: Any = None, policy: Any = None) -> _ast.Apply:
    """ℙ_{start}^{policy}(events | given)."""
    fn = _ast.Fn("Pr", state=None if start is None else num(start), policy=None if policy is None else num(policy))
    return _ast.Apply(fn, tuple(num(e) for e in events), tuple(num(g) for g in given))


def Traj_fn(param: Any = theta) -> _ast.Fn:
    """𝒯_θ unapplied (the trajectory law, as a distribution)."""
    return _ast.Fn("Traj", param=num(param))


def Traj(traj: Any = tau, *, param: Any = theta) -> _ast.Apply:
    """𝒯_θ(τ)."""
    return _ast.Apply(Traj_fn(param), (num(traj),))


def Normal(*args: Any, given: Iterable[Any] = ()) -> _ast.Apply:
    return _ast.Apply(_ast.Fn("Normal"), tuple(num(x) for x in args), tuple(num(g) for g in given))


class _Expectation:
    """``E(var, dist, given=…)[body]`` or ``E.start(s, policy)[body]`` or ``E()[body]``."""

    def __init__(self, var: Any = None, dist: Any = None, *, given: Iterable[Any] = (), start: Any = None,
                 policy: Any = None) -> None:
        if (var is None) != (dist is None):
            raise TypeError("E(var, dist): give both the variable and its distribution, or neither")
        self.kw = dict(var=None if var is None else num(var), dist=None if dist is None else num(dist),
                       given=tuple(num(g) for g in given), start=None if start is None else num(start),
                       policy=None if policy is None else num(policy))

    def __getitem__(self, body: Any) -> _ast.Expect:
        return _ast.Expect(num(body), **self.kw)


def E(var: Any = None, dist: Any = None, *, given: Iterable[Any] = (), start: Any = None,
      policy: Any = None) -> _Expectation:
    """𝔼_{var∼dist}[· | given] (or 𝔼_{start}^{policy}[·]); subscript with the body: ``E(tau, Traj_fn())[R()]``."""
    return _Expectation(var, dist, given=given, start=start, policy=policy)


def _indices(index: Any) -> tuple[_ast.Var, ...]:
    idx = tuple(index) if isinstance(index, (tuple, list)) else (index,)
    for i in idx:
        if not isinstance(i, _ast.Var):
            raise TypeError(f"a sum's index must be an index variable (s, a, t, …), got {i!r}")
    return idx


def Sum(index: Any, body: Any, *, lower: Any = None, upper: Any = None, over: Any = None) -> _ast.Sum:
    """Σ_{index=lower}^{upper} body, or Σ_{index ∈ over} body."""
    return _ast.Sum(_indices(index), num(body), None if lower is None else num(lower),
                 None if upper is None else num(upper), None if over is None else num(over))


def Prod(index: Any, body: Any, *, lower: Any = None, upper: Any = None, over: Any = None) -> _ast.Prod:
    return _ast.Prod(_indices(index), num(body), None if lower is None else num(lower),
                  None if upper is None else num(upper), None if over is None else num(over))


def argmax(index: Any, body: Any, *, over: Any = None) -> _ast.Opt:
    return _ast.Opt("argmax", num(body), _indices(index), None if over is None else num(over))


def argmin(index: Any, body: Any, *, over: Any = None) -> _ast.Opt:
    return _ast.Opt("argmin", num(body), _indices(index), None if over is None else num(over))


def grad(wrt: Any, body: Any) -> _ast.Grad:
    """∇_wrt body."""
    return _ast.Grad(num(wrt), num(body))


def log(x_: Any) -> _ast.Log:
    return _ast.Log(num(x_))


def frac(num_: Any, den: Any) -> _ast.Frac:
    return _ast.Frac(num(num_), num(den))


def evalat(body: Any, at: Any, value: Any) -> _ast.EvalAt:
    """\\left. body \\right|_{at=value}."""
    return _ast.EvalAt(num(body), num(at), num(value))


def ind(cond: _ast.Rel) -> _ast.Indicator:
    """𝟙[cond]."""
    return _ast.Indicator(cond)


def eq(x_: Any, y: Any) -> _ast.Rel:
    return _ast.Rel("=", num(x_), num(y))


def lt(x_: Any, y: Any) -> _ast.Rel:
    return _ast.Rel("<", num(x_), num(y))


def le(x_: Any, y: Any) -> _ast.Rel:
    return _ast.Rel("<=", num(x_), num(y))


def gt(x_: Any, y: Any) -> _ast.Rel:
    return _ast.Rel(">", num(x_), num(y))


def ge(x_: Any, y: Any) -> _ast.Rel:
    return _ast.Rel(">=", num(x_), num(y))


def sim(x_: Any, y: Any) -> _ast.Rel:
    return _ast.Rel("sim", num(x_), num(y))


def in_(x_: Any, y: Any) -> _ast.Rel:
    return _ast.Rel("in", num(x_), num(y))


def chain(first: Any, *rest: Any, rel: str = "=") -> _ast.Chain:
    """``first rel x₁ rel x₂ …`` as a one-row chain; an item ``(rel, x)`` or ``(rel, x, label)`` sets its own."""
    steps = []
    for item in rest:
        if isinstance(item, tuple):
            steps.append(_ast.Step(item[0], num(item[1]), item[2] if len(item) > 2 else None))
        else:
            steps.append(_ast.Step(rel, num(item)))
    return _ast.Chain((_ast.Row(num(first), tuple(steps)),))
