"""Discounted series on a continuing MDP: Σ_{t=L}^∞ λ^{t+k} X_t summed exactly through the Bellman solve.

A series to ∞ that no trajectory expectation encloses is evaluated on the model's Markov chain, not along
enumerated trajectories.  Its body is expanded into a sum of products (linearity); in each product

* the factors that do not mention the series' index t are evaluated as they stand;
* the powers of λ have exponents affine in t with slope 1 in all (λ^{t−1}, λ^t, λ^{t+1}·λ^{-1}, …);
* at most one factor X_t depends on the time t, and only through the state s_t and action a_t of the trajectory
  at time t: ℙ(s_t = x, a_t = y) (its events become indicators 𝟙[σ = x] 𝟙[α = y]) or an expectation over
  trajectories 𝔼[f(s_t, a_t, r_t)] (its body with s_t ↦ σ, a_t ↦ α, r_t ↦ r(σ, α)).

With x(σ, α) that quantity at s_t = σ, a_t = α, the time base b of the profile (s_b ∼ μ) and P_π the chain,

    Σ_{t=L}^∞ λ^{t+k} X_t = λ^{L+k} Σ_{t≥0} λ^t μᵀP_π^{L−b+t} x_π = λ^{L+k} wᵀ P_π^{L−b} x_π,
    wᵀ = μᵀ(I − λP_π)⁻¹,  x_π(σ) = Σ_α π(α|σ) x(σ, α),

where w is the model's own Bellman solve (``Model.w``, in the model's arithmetic: float64, exact, degree bounds or
symbolic), and P_π^{L−b} commutes with (I − λP_π)⁻¹.  The series converges because λ < 1 (λ = 1 is refused).
Anything else — a series of random quantities (s_t outside ℙ or 𝔼), a second time (s_{t+1}), a product of
two quantities at time t, no discount, ∇θ of the series — raises :class:`~pgverify.notation.evaluate.NotEvaluable`
with the reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pgverify.notation import ast as A

__all__ = ["continuing_series"]

_STATE, _ACTION = "s_t#series", "a_t#series"  # the state and action at time t (names no source can write)


def _mentions_var(node: Any, name: str) -> bool:
    if isinstance(node, A.Var):
        return node.name == name
    return isinstance(node, A.Node) and any(_mentions_var(c, name) for c in A.children(node))


def _expand(node: Any, t: str) -> list[tuple[int, list[Any]]]:
    """``node`` as Σ ±Π factors, distributing only over the sums that mention t."""
    if not _mentions_var(node, t):
        return [(1, [node])]
    if isinstance(node, A.Add):
        return _expand(node.left, t) + _expand(node.right, t)
    if isinstance(node, A.Sub):
        return _expand(node.left, t) + [(-s, f) for s, f in _expand(node.right, t)]
    if isinstance(node, A.Neg):
        return [(-s, f) for s, f in _expand(node.operand, t)]
    if isinstance(node, A.Mul):
        out: list[tuple[int, list[Any]]] = [(1, [])]
        for factor in node.factors:
            out = [(s1 * s2, f1 + f2) for s1, f1 in out for s2, f2 in _expand(factor, t)]
        return out
    if isinstance(node, A.Frac) and not _mentions_var(node.den, t):
        return [(s, f + [A.Frac(A.Num(1), node.den)]) for s, f in _expand(node.num, t)]
    return [(1, [node])]


def _at_time_t(node: Any, t: str) -> bool:
    return isinstance(node, A.At) and node.name in ("s", "a", "r") and node.sample is None and \
        isinstance(node.time, A.Var) and node.time.name == t


def _at_t(node: Any, t: str) -> Any:
    """``node`` with s_t ↦ σ, a_t ↦ α, r_t ↦ r(σ, α) (the coordinates at the series' time t)."""
    state, action = A.Var(_STATE, "state"), A.Var(_ACTION, "action")
    if _at_time_t(node, t):
        return {"s": state, "a": action}.get(node.name) or A.Apply(A.Fn("r"), (state, action))
    if isinstance(node, tuple):
        return tuple(_at_t(x, t) for x in node)
    if isinstance(node, A.Node):
        from dataclasses import fields, replace

        return replace(node, **{f.name: _at_t(getattr(node, f.name), t) for f in fields(node) if f.name != "pos"})
    return node


def _left_over(node: Any, t: str) -> str | None:
    """What still ties ``node`` to the trajectory or to t once the coordinates at time t are replaced."""
    from pgverify.notation.render import render_latex

    def show(n: Any) -> str:
        try:
            return render_latex(n)
        except Exception:  # an internal node: its type names it
            return type(n).__name__

    if isinstance(node, A.At):
        return f"{show(node)} (a coordinate at another time than t)"
    if isinstance(node, A.Return) or (isinstance(node, A.Apply) and node.fn.name in ("Pr", "Traj")) or (
            isinstance(node, A.Expect) and (node.start is not None or node.var is None or (
                isinstance(node.var, A.Var) and node.var.sort == "trajectory"))):
        return f"{show(node)} (another quantity of the trajectory)"
    if isinstance(node, A.Var) and node.name == t:
        return f"the time {node.name} itself"
    if isinstance(node, A.Node):
        for c in A.children(node):
            why = _left_over(c, t)
            if why is not None:
                return why
    return None


def _quantity_at_t(node: Any, t: str, sc: Any) -> tuple[Any, Any]:
    """x(σ, α): the factor that depends on t, as an expression of σ = s_t and α = a_t; and the model of the policy
    that draws the trajectory (π' for ℙ^{π'} on a family with two policies)."""
    from pgverify.notation.evaluate import NotEvaluable, _bare, _check_param, _policy_model

    if isinstance(node, A.Apply) and node.fn.name == "Pr":
        _bare(node.fn, "state", "policy")
        if node.given:
            raise NotEvaluable("a conditional probability ℙ(… | …) at time t inside an infinite series")
        if node.fn.state is not None and not (isinstance(node.fn.state, A.Sym) and node.fn.state.name == "s0"):
            raise NotEvaluable("ℙ started elsewhere than s⁰")
        chain = _policy_model(node.fn.policy, sc, "a probability")
        events = []
        for ev in node.args:
            if not (isinstance(ev, A.Rel) and ev.op == "=" and _at_time_t(ev.left, t) and ev.left.name in "sa"):
                raise NotEvaluable("an event of ℙ(…) inside an infinite series other than s_t = x or a_t = y "
                                   "at the series' time t")
            events.append(A.Indicator(_at_t(ev, t)))
        return (A.Mul(tuple(events)) if len(events) > 1 else events[0]), chain
    if isinstance(node, A.Expect):
        if node.start is not None or (node.var is None and node.dist is None and node.policy is not None):
            raise NotEvaluable("𝔼_s^π[…] inside an infinite series")
        if not (node.var is None or (isinstance(node.var, A.Var) and node.var.sort == "trajectory")):
            raise NotEvaluable("an expectation over a state or an action whose law depends on the series' time t")
        if node.dist is not None:
            if not (isinstance(node.dist, A.Fn) and node.dist.name == "Traj"):
                raise NotEvaluable("an expectation over trajectories under another law than 𝒯θ")
            _check_param(node.dist)
        if node.given:
            raise NotEvaluable("a conditional expectation at time t inside an infinite series")
        body = _at_t(node.body, t)
        why = _left_over(body, t)
        if why is not None:
            raise NotEvaluable(f"an infinite series on a continuing MDP is summed only when its term depends on t "
                               f"through s_t and a_t alone; this one also through {why}")
        return body, sc.model
    if _mentions_coordinate(node, t):
        raise NotEvaluable("an infinite series of random quantities (s_t, a_t, r_t outside ℙ(…) or 𝔼[…]): "
                           "not a quantity of the model")
    raise NotEvaluable("an infinite series on a continuing MDP is summed only when its term is λ^{t+k} times "
                       "ℙ(s_t = …) or 𝔼[f(s_t, a_t)]; this term depends on t otherwise")


def _mentions_coordinate(node: Any, t: str) -> bool:
    if _at_time_t(node, t):
        return True
    return isinstance(node, A.Node) and any(_mentions_coordinate(c, t) for c in A.children(node))


def _discount_exponent(exp: Any, t: str, sc: Any) -> tuple[int, int]:
    """(slope, offset) of an exponent affine in t."""
    from pgverify.notation.evaluate import NotEvaluable, _as_int, _const, _ev

    at = [_as_int(_ev(exp, sc.bind(t, _const(x))), "the exponent of λ in an infinite series") for x in (0, 1, 2)]
    if at[2] - at[1] != at[1] - at[0]:
        raise NotEvaluable("the exponent of λ in an infinite series is not affine in t")
    return at[1] - at[0], at[0]


def _finite_sum_outside(node: A.Sum) -> A.Sum | None:
    """Σ_t c Σ_x B(x, t) as Σ_x Σ_t c B(x, t) (a finite sum of convergent series), or None when no finite Σ over
    another index holds the time-t quantity (or swapping would capture a variable)."""
    from pgverify.notation.scope import free_indices

    t = node.indices[0].name
    factors = node.body.factors if isinstance(node.body, A.Mul) else (node.body,)
    for k, f in enumerate(factors):
        if not (isinstance(f, A.Sum) and not isinstance(f.upper, A.Infinity) and _mentions_var(f.body, t)):
            continue
        if any(_mentions_var(x, t) for x in (f.lower, f.upper, f.domain) if x is not None):
            continue
        others = factors[:k] + factors[k + 1:]
        bound = {i.name for i in f.indices}
        if t in bound or any(bound & set(free_indices(x)) for x in others + tuple(
                x for x in (node.lower,) if x is not None)):
            continue
        body = A.Mul(others + (f.body,)) if others else f.body
        return A.Sum(f.indices, A.Sum(node.indices, body, node.lower, node.upper), f.lower, f.upper, f.domain)
    return None


def continuing_series(node: A.Sum | A.Prod, sc: Any) -> Any:
    """Σ_{t=L}^∞ λ^{t+k} X_t on the model's chain (module docstring); a :class:`Tensor` over the outer axes."""
    from pgverify.notation.evaluate import (GRAD_AXIS, NotEvaluable, Tensor, _GradOf, _add, _as_int, _const, _ev,
                                            _gather, _mul, _neg, _pow)

    if isinstance(node, A.Prod):
        raise NotEvaluable("an infinite product")
    if len(node.indices) != 1 or node.indices[0].sort != "time":
        raise NotEvaluable("an infinite series over another index than a time t")
    if isinstance(node.body, _GradOf):
        raise NotEvaluable("∇θ of an infinite series on a continuing MDP (write the gradient of its value, "
                           "e.g. ∇θ d, instead)")
    swapped = _finite_sum_outside(node)
    if swapped is not None:
        return _ev(swapped, sc)
    m = sc.model
    if m.lam == 1:
        raise NotEvaluable("an infinite series on an undiscounted (λ = 1) MDP does not converge in general")
    t = node.indices[0].name
    base = sc.conv.time_base
    lower = base if node.lower is None else _as_int(_ev(node.lower, sc), "the lower bound of an infinite series")
    total: Any = None
    for sign, factors in _expand(node.body, t):
        slope, offset, quantity, value, chain = 0, 0, None, _const(1), m
        for f in factors:
            if not _mentions_var(f, t):
                value = _mul(value, _ev(f, sc))
            elif isinstance(f, A.Pow) and isinstance(f.base, A.Sym) and f.base.name == "discount" \
                    and not _mentions_var(f.base, t):
                k, c = _discount_exponent(f.exp, t, sc)
                slope, offset = slope + k, offset + c
            elif quantity is None:
                quantity, chain = _quantity_at_t(f, t, sc)
            else:
                raise NotEvaluable("a product of two quantities at time t inside an infinite series (the law of "
                                   "(s_t, a_t) is used once per term)")
        if slope == 0:
            raise NotEvaluable("an infinite series without the discount λ^{t+k} in its term: on a continuing MDP "
                               "it need not converge, and pgverify does not sum it")
        if slope != 1:
            raise NotEvaluable(f"an infinite series whose term carries λ^{{{slope}t+k}}: pgverify sums only "
                               "λ^{t+k} (the discount to the power t) on a continuing MDP")
        if quantity is not None and lower < base:  # s_t, a_t before the first time (a bare λ^t is any t's)
            from pgverify.notation.evaluate import IndexOutOfRange

            raise IndexOutOfRange(f"an infinite series from t = {lower}, before the first time {base} of the profile")
        start = chain.w  # μᵀ(I − λP_π)⁻¹: the Bellman solve of the policy that draws the trajectory
        for _ in range(lower - base):
            start = start @ chain.P_pi
        state = sc.fresh("σ")
        inner = sc.bind(_STATE, Tensor(np.arange(m.S), (state,)))
        weight = Tensor(start, (state,))
        if quantity is None:  # a geometric series: Σ_σ w(σ) = (1 − λ)⁻¹ μᵀP_π^{L−b}1
            x = _const(1)
        elif _mentions_var(quantity, _ACTION):  # x_π(σ) = Σ_α π(α|σ) x(σ, α)
            action = sc.fresh("α")
            inner = inner.bind(_ACTION, Tensor(np.arange(m.A), (action,)))
            x = _mul(_gather(chain.pi, [inner.env[_STATE], inner.env[_ACTION]]), _ev(quantity, inner))
            x = x.sum(action) if action in x.axes else x
        else:
            x = _ev(quantity, inner)
        term = _mul(weight, x)
        term = term.sum(state) if state in term.axes else term
        if GRAD_AXIS in term.axes and GRAD_AXIS in value.axes:
            raise NotEvaluable("a product of two gradients inside an infinite series")
        term = _mul(_mul(value, _pow(_const(m.lam), _const(lower + offset))), term)
        term = _neg(term) if sign < 0 else term
        total = term if total is None else _add(total, term)
    return total
