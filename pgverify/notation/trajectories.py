"""The trajectory-level notation of the literature, and the settings a profile fixes.

What Spinning Up, CS285 and Sutton & Barto write, read onto the vocabulary the evaluator already has
(:mod:`pgverify.notation.evaluate`: the trajectory law 𝒯θ, the return R_τ, the reward-to-go G_τ^t), or refused
with the construct named.  Every reading below is exact on the checked models:

==========================================  =====================================================================
written                                     meaning on an episodic model (its trajectories enumerated)
==========================================  =====================================================================
P(τ|θ), p_θ(τ), π_θ(τ)                       𝒯θ(τ) = ρ₀(s₀) Π_t π_θ(a_t|s_t) P(s_{t+1}|s_t, a_t), the law of τ
ρ₀(s), h(s), p(s₁) (s₁ at the time base)    the initial-state distribution μ₀(s) of the model
∫_τ f(τ) dτ (dτ may be omitted)             Σ_τ f(τ) over the finitely many trajectories; ∫ over states or
                                            actions is their finite sum; ∫ over a real variable is refused
R(s, a, s')                                 r(s, a): the checked models' reward does not depend on s' (shown
                                            as a restriction of the verdict)
π(a|s, θ) (θ bold or not)                   π_θ(a|s)
P_θ(x) (x not a trajectory)                 a generic categorical softmax: π_θ(x|s) of the model at every
                                            state s (the lemma 𝔼_{x∼P_θ}[∇θ log P_θ(x)] = 0 is checked on each)
log A = log B + Σ_t log C_t                 exp of every side: A = B Π_t C_t (exact); a logarithm of a zero
                                            (or negative) value refuses the display, never −∞
η(s) (S&B eq. 9.2)                          the expected number of visits of s before the episode ends
μ(s) (S&B eq. 9.3)                          η(s) / Σ_s' η(s')
==========================================  =====================================================================

A profile's ``setting`` (``discounted`` or ``finite-horizon-undiscounted``) is honoured by
:func:`apply_setting`: the undiscounted setting checks the display on the episodic family at γ = 1 (v, q, d,
U, G, R(τ) all undiscounted), and says so in the verdict's restrictions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from pgverify.notation import ast as A
from pgverify.notation.errors import UnsupportedNotation

__all__ = ["SETTINGS", "LAST_TIMES", "law_of", "reward_of", "initial_scripts", "integral", "differential",
           "expectation", "joint_expectation", "categorical", "coordinate_name", "reward_time", "bold_name", "Pair",
           "parameter_index", "component", "exp_chain", "Positive", "positive", "evaluate_apply", "visits",
           "free_states", "apply_setting"]

#: The settings a profile may choose: every quantity of the model (v, q, d, U, G, R(τ)) follows it.
SETTINGS = ("discounted", "finite-horizon-undiscounted")
#: What T names: the time of the trajectory's last state (the post, S&B: τ = (s_0, …, s_T)) or of its last
#: action (Spinning Up, CS285: τ = (s_0, a_0, …, a_T, s_{T+1})).
LAST_TIMES = ("state", "action")


def _theta(node: Any) -> bool:
    return isinstance(node, A.Sym) and node.name == "theta"


def _trajectory(node: Any) -> bool:
    return isinstance(node, A.Var) and node.sort == "trajectory"


# ------------------------------------------------------------------ reading (called by the parser)
def law_of(ap: A.Apply, profile: Any) -> Any:
    """The vocabulary's reading of a literature application, or None when ``ap`` is not one of these forms.

    ``P(τ|θ)``, ``p_θ(τ)``, ``π_θ(τ)`` → 𝒯θ(τ); ``p(s_1)`` at the time base → the initial distribution;
    ``π(a|s, θ)`` → π_θ(a|s); ``P_θ(x)`` → the categorical P_θ (:func:`categorical` finishes it).
    """
    fn, args, given = ap.fn, ap.args, ap.given
    pos = ap.pos
    if fn.name == "P":
        if len(args) == 1 and _trajectory(args[0]):
            param = None
            if len(given) == 1 and fn.state is None and fn.action is None and _theta(given[0]):
                param = given[0]
            elif not given and _theta(fn.state) and fn.action is None:
                param = fn.state
            if param is None:
                raise UnsupportedNotation("a law of the trajectory other than P(τ|θ) or p_θ(τ)", pos)
            return A.Apply(A.Fn("Traj", param=param, pos=fn.pos), args, pos=pos)
        if not given and _theta(fn.state) and fn.action is None and len(args) == 1:
            if not (isinstance(args[0], A.Var) and args[0].sort == "action"):
                raise UnsupportedNotation(f"P_θ applied to a {getattr(args[0], 'sort', 'non-variable')} argument (a "
                                          f"generic categorical distribution is over a finite x)", pos)
            return A.Apply(A.Fn("P", state=fn.state, pos=fn.pos), args, pos=pos)  # P_θ(x): see categorical
        if (not given and fn.state is None and fn.action is None and len(args) == 1 and isinstance(args[0], A.At)
                and args[0].name == "s" and args[0].time == A.Num(profile.time_base) and args[0].sample is None):
            return A.Apply(A.Fn("init", pos=fn.pos), args, pos=pos)  # p(s_1): the initial distribution
        if len(given) == 2 and len(args) == 2:
            raise UnsupportedNotation("p(s', r | s, a), a joint law of the next state and a real reward (the "
                                      "checked models' reward is the number r(s, a))", pos)
    if fn.name in ("U", "J") and len(args) == 1 and not given and isinstance(args[0], A.Fn) and \
            args[0].name == "pi" and not args[0].primes and (args[0].param is None or args[0].param == A.Sym("theta")):
        return A.Apply(fn, (A.Sym("theta"),), pos=pos)  # J(π_θ) is J(θ); J(π_θ₀) stays a policy's (matrices.py)
    if fn.name == "r" and len(args) == 1 and not given and _trajectory(args[0]) and fn == A.Fn("r"):
        return A.Return("R", args[0], pos=pos)  # r(τ) = Σ_t r(s_t, a_t) (CS285)
    if fn.name == "pi":
        if len(args) == 1 and not given and _trajectory(args[0]):
            if fn.primes or not (fn.param is None or _theta(fn.param)):
                raise UnsupportedNotation("the trajectory law of a policy other than π_θ", pos)
            return A.Apply(A.Fn("Traj", param=fn.param or A.Sym("theta"), pos=fn.pos), args, pos=pos)
        if len(args) == 1 and len(given) == 2 and _theta(given[1]) and fn.param is None:
            return A.Apply(A.Fn("pi", param=given[1], primes=fn.primes, pos=fn.pos), args, (given[0],), pos=pos)
    return None


def expectation(body: Any, sub: Any, given: tuple[Any, ...], pos: Any) -> A.Expect | None:
    """𝔼 with a literature subscript, or None when the subscript is the vocabulary's own.

    ``τ∼π_θ``, ``τ∼p_θ(τ)``, ``τ∼P(·|θ)``: the trajectory law 𝒯θ.  ``a_t∼π_θ``: the action at time t drawn from
    π_θ(·|s_t), the state s_t given (a sum over the actions, s_t free).  ``π``, ``π_θ`` alone (𝔼_π[…]): the law of
    the trajectory under π_θ; a time index left free in its body is refused (Sutton & Barto's S_t ∼ μ there is a
    state drawn at a random time, not s_t at a given t).
    """
    if isinstance(sub, A.Fn) and sub.name == "pi":
        law = _law(sub, pos)
        times = sorted(v for v, sort in _sorts_free(body).items() if sort == "time")
        if times and not given:
            raise UnsupportedNotation(f"𝔼_π[…] with the time index {times[0]} free in its body (S_t ∼ μ, a state at a "
                                      f"random time, is not s_t at a given t: write Σ_s μ(s) … or bind {times[0]})",
                                      pos)
        return A.Expect(body, dist=law, given=tuple(given), pos=pos)
    if not (isinstance(sub, A.Rel) and sub.op == "sim"):
        return None
    var, dist = sub.left, sub.right
    if isinstance(var, A.Var) and var.sort == "trajectory":
        return A.Expect(body, var, _law(dist, pos), tuple(given), pos=pos)
    if isinstance(var, A.At) and var.name == "a" and var.sample is None:
        if given:
            raise UnsupportedNotation("𝔼_{a_t∼π}[… | …]: the state s_t is already given", pos)
        if not (isinstance(dist, A.Fn) and dist.name == "pi" and not dist.primes):
            raise UnsupportedNotation("𝔼_{a_t∼…}: only a_t ∼ π_θ (the action at time t given s_t)", pos)
        used = set()
        _names(body, used)
        name = next(n for n in ("a", "a'", "a''") if n not in used)
        a = A.Var(name, "action", pos=var.pos)
        new = _map_top(body, lambda n: a if n == var else None)
        law = A.Apply(dist, (A.Blank(),), (A.At("s", var.time, pos=var.pos),), pos=dist.pos)
        return A.Expect(new, a, law, pos=pos)
    return None


def joint_expectation(body: Any, items: tuple[Any, ...], given: tuple[Any, ...], pos: Any) -> A.Expect | None:
    """𝔼_{s∼d, a∼π_θ}[…] as 𝔼_{s∼d}[𝔼_{a∼π_θ(·|s)}[…]]: the action drawn at the state just drawn; None for other
    subscripts of two items."""
    if len(items) != 2 or given or not all(isinstance(x, A.Rel) and x.op == "sim" for x in items):
        return None
    (s, d), (a, law) = ((x.left, x.right) for x in items)
    if not (isinstance(s, A.Var) and s.sort == "state" and isinstance(a, A.Var) and a.sort == "action"):
        return None
    if isinstance(law, A.Fn) and law.name == "pi":
        law = A.Apply(law, (A.Blank(),), (s,), pos=law.pos)
    elif not (isinstance(law, A.Apply) and law.fn.name == "pi"):
        raise UnsupportedNotation("𝔼_{s∼…, a∼…}: the action's law is not a policy π_θ", pos)
    return A.Expect(A.Expect(body, a, law, pos=pos), s, d, pos=pos)


def _sorts_free(node: Any) -> dict[str, str]:
    from pgverify.notation.scope import free_indices

    out = {}
    for name in free_indices(node):
        sort = _sort_of_name(node, name)
        if sort:
            out[name] = sort
    return out


def _sort_of_name(node: Any, name: str) -> str | None:
    if isinstance(node, A.Var) and node.name == name:
        return node.sort
    if isinstance(node, A.Node):
        for c in A.children(node):
            s = _sort_of_name(c, name)
            if s:
                return s
    return None


def _names(node: Any, out: set[str]) -> None:
    if isinstance(node, A.Var):
        out.add(node.name)
    if isinstance(node, A.Node):
        for c in A.children(node):
            _names(c, out)


def _law(dist: Any, pos: Any) -> A.Fn:
    """The trajectory law a subscript names: π_θ, π, p_θ(τ), P(τ|θ) (read as 𝒯θ(τ)), 𝒯θ."""
    if isinstance(dist, A.Fn) and dist.name == "Traj":
        return dist
    if isinstance(dist, A.Fn) and dist.name == "pi" and not dist.primes and (dist.param is None or _theta(dist.param)):
        return A.Fn("Traj", param=dist.param or A.Sym("theta"), pos=dist.pos)
    if isinstance(dist, A.Apply) and dist.fn.name == "Traj" and len(dist.args) == 1 and _trajectory(dist.args[0]):
        return dist.fn
    raise UnsupportedNotation("a law of the trajectory other than π_θ, p_θ(τ), P(τ|θ) or 𝒯θ", pos)


def _map_top(node: Any, f: Callable[[Any], Any]) -> Any:
    """``node`` with each sub-node for which ``f`` gives a replacement replaced (top-down; None: recurse)."""
    from dataclasses import fields

    if isinstance(node, tuple):
        return tuple(_map_top(x, f) for x in node)
    if not isinstance(node, A.Node):
        return node
    new = f(node)
    if new is not None:
        return new
    changes = {}
    for fl in fields(node):
        if fl.name == "pos":
            continue
        v = getattr(node, fl.name)
        if isinstance(v, (A.Node, tuple)):
            nv = _map_top(v, f)
            if nv != v:
                changes[fl.name] = nv
    return replace(node, **changes) if changes else node


def reward_of(args: tuple[Any, ...], pos: Any) -> A.Apply:
    """R(s, a, s') (Spinning Up's reward of a transition) as ``Apply(Fn("R"), (s, a, s'))``."""
    if len(args) != 3:
        raise UnsupportedNotation(f"R applied to {len(args)} arguments (R(τ) is the return, R(s, a, s') the reward "
                                  f"of a transition)", pos)
    return A.Apply(A.Fn("R", pos=pos), tuple(args), pos=pos)


def initial_scripts(sub: Any, sup: Any, written: str, pos: Any) -> None:
    """ρ₀ and h take no script but the 0 of ρ₀."""
    if sup is not None or (sub is not None and not (len(sub.items) == 1 and sub.items[0] == A.Num(0))):
        raise UnsupportedNotation(f"scripts on {written} (the initial distribution is ρ₀(s))", pos)


def integral(node: A.Sum) -> A.Sum:
    """∫_x f(x) dx over a finite sort as Σ_x f(x): a trailing ``d x`` (read as the factors d, x) is dropped."""
    (var,) = node.indices if len(node.indices) == 1 else (None,)
    if var is None or node.lower is not None or node.domain is not None:
        raise UnsupportedNotation("an integral other than ∫_x over one variable", node.pos)
    if var.sort not in ("trajectory", "state", "action"):
        raise UnsupportedNotation(f"an integral over the {var.sort} variable {var.name} (only finite sorts: "
                                  f"trajectories, states, actions)", node.pos)
    body = node.body
    if isinstance(body, A.Mul) and len(body.factors) >= 3 and body.factors[-1] == var and \
            isinstance(body.factors[-2], A.Fn) and body.factors[-2] == A.Fn("d"):
        rest = body.factors[:-2]
        body = rest[0] if len(rest) == 1 else A.Mul(rest, pos=body.pos)
    elif isinstance(body, A.Mul) and A.Fn("d") in body.factors:
        raise UnsupportedNotation(f"an integral whose d{var.name} is not its last factor", node.pos)
    return A.Sum(node.indices, body, pos=node.pos)


def differential(body: Any, pos: Any) -> A.Var:
    """The variable of ∫ … dx written without a subscript: the x of its last factor ``d x``."""
    if isinstance(body, A.Mul) and len(body.factors) >= 3 and isinstance(body.factors[-1], A.Var) and \
            body.factors[-2] == A.Fn("d"):
        return body.factors[-1]
    raise UnsupportedNotation("an integral with neither a subscript nor a final dx", pos)


def coordinate_name(written: str, sort: str) -> str:
    """S_t, A_t (Sutton & Barto's random variables) are the coordinates s_t, a_t."""
    if "'" in written:
        return written
    return {"state": "s", "action": "a"}[sort]


def reward_time(time: Any, profile: Any) -> Any:
    """Sutton & Barto's R_{t+1} follows A_t: with ``reward_index = "next"`` it is r(s_t, a_t), i.e. r_{(t+1)−1}."""
    if getattr(profile, "reward_index", "same") == "next":
        if isinstance(time, A.Add) and time.right == A.Num(1):
            return time.left
        return A.Sub(time, A.Num(1), pos=getattr(time, "pos", None))
    return time


def bold_name(arg: str) -> str:
    """\\boldsymbol{θ}, \\bm{θ}, \\mathbf{θ}: one bold name, ``\\boldsymbol{…}``."""
    return f"\\boldsymbol{{{arg.strip()}}}"


def _mentions(node: Any, pred: Callable[[Any], bool]) -> bool:
    if pred(node):
        return True
    return isinstance(node, A.Node) and any(_mentions(c, pred) for c in A.children(node))


def categorical(chain: A.Chain) -> A.Chain:
    """P_θ(x) for x an action-sorted variable: the categorical softmax π_θ(x|s) of the model, at a free state s
    (every state's softmax is checked); 𝔼_{x∼P_θ} is 𝔼_{x∼π_θ(·|s)}.  P_θ of anything else is refused."""
    def is_cat(n: Any) -> bool:
        return isinstance(n, A.Fn) and n.name == "P" and _theta(n.state) and n.action is None

    if not _mentions(chain, is_cat):
        return chain
    used: set[str] = set()
    _names(chain, used)
    s = A.Var(next(n for n in ("s", "\\bar{s}", "s'", "s''") if n not in used), "state")

    def f(n: Any) -> Any:
        if isinstance(n, A.Apply) and is_cat(n.fn):
            (x,) = n.args
            return A.Apply(A.Fn("pi", param=n.fn.state, pos=n.fn.pos), (x,), (s,), pos=n.pos)
        if isinstance(n, A.Expect) and is_cat(n.dist):
            return replace(n, dist=A.Apply(A.Fn("pi", param=n.dist.state), (A.Blank(),), (s,), pos=n.dist.pos),
                           body=_map_top(n.body, f), given=_map_top(n.given, f))
        if is_cat(n):
            raise UnsupportedNotation("P_θ unapplied outside the subscript of 𝔼", n.pos)
        return None

    return _map_top(chain, f)


# ------------------------------------------------------------------ ∂/∂θ_{s,a}
@dataclass(frozen=True)
class Pair(A.Node):
    """The index (s, a) of a tabular parameter θ_{s,a}."""

    state: Any
    action: Any


def parameter_index(items: tuple[Any, ...], pos: Any) -> Pair:
    """θ_{s,a}: the two items of the subscript, a state and an action."""
    s, a = items
    return Pair(s, a, pos=pos)


def _tabular(m: Any) -> bool:
    """Whether θ is the tabular softmax parameter θ[s, a] (k = s·A + a): the model's ∇θπ is that Jacobian,
    ∂π(a|s)/∂θ[s', b] = 𝟙[s = s'] π(a|s)(𝟙[a = b] − π(b|s)), entry for entry in the model's own arithmetic."""
    from numeric.policies import softmax_jacobian

    if m.K != m.S * m.A:
        return False
    dpi = np.asarray(m.dpi)
    want = softmax_jacobian(np.asarray(m.pi))
    return dpi.shape == want.shape and all(bool(x == y) for x, y in zip(dpi.ravel(), want.ravel()))


def component(node: A.Grad, sc: Any, d: Callable[[Any, Any], Any]) -> Any:
    """∂/∂θ_{s,a} body: the (s, a) component of ∇θ body, on a tabular family only (θ[s, a] the logit of a at s)."""
    from pgverify.notation.evaluate import GRAD_AXIS, ZERO, NotEvaluable, Tensor, _binary, _check_sorts, _union

    idx, m = node.wrt.index, sc.model
    if not isinstance(idx, Pair):
        raise NotEvaluable(f"∇ with respect to an indexed parameter θ_{{…}} other than a tabular θ_{{s,a}}")
    _check_sorts("θ_{s,a}", ((idx.state, "state"), (idx.action, "action")))
    key = "#tabular"
    if key not in m.extras:
        m.extras[key] = _tabular(m)
    if not m.extras[key]:
        raise NotEvaluable(f"∂/∂θ_{{s,a}} indexes the tabular parameter θ[s, a]; the parameter of "
                           f"{m.family or 'this family'} is not tabular")
    from pgverify.notation.evaluate import _ev

    flat = _binary(lambda s, a: s * m.A + a, _ev(idx.state, sc), _ev(idx.action, sc))
    g = d(node.body, sc)
    if g is ZERO or GRAD_AXIS not in g.axes:
        return _binary(lambda x, _: x * 0, g, flat) if GRAD_AXIS not in g.axes else g
    rest = tuple(x for x in g.axes if x != GRAD_AXIS)
    axes = _union(rest, flat.axes)
    garr = np.asarray(g.expand(axes + (GRAD_AXIS,)), dtype=object)
    farr = np.asarray(flat.expand(axes), dtype=np.int64) if flat.axes else np.asarray(int(flat.value))
    shape = np.broadcast_shapes(garr.shape[:-1], farr.shape)
    garr = np.broadcast_to(garr, shape + garr.shape[-1:])
    farr = np.broadcast_to(farr, shape)
    out = np.take_along_axis(garr, farr[..., None], axis=-1)[..., 0]
    return Tensor(out, axes) if axes else Tensor(out[()], ())


# ------------------------------------------------------------------ logarithms
@dataclass(frozen=True)
class Positive(A.Node):
    """The argument of a logarithm in a side exponentiated by :func:`exp_chain`: its value, refused where ≤ 0."""

    arg: Any


def _bare_log(n: Any) -> bool:
    if isinstance(n, A.Grad):
        return False
    return isinstance(n, A.Log) or isinstance(n, A.Node) and any(_bare_log(c) for c in A.children(n))


def _exp(n: Any) -> Any:
    """exp(n) for a side that is log-linear (sums, differences, integer multiples and Σ of logarithms), else None."""
    if isinstance(n, A.Log):
        if _bare_log(n.arg):
            return None
        return Positive(n.arg, pos=n.pos)
    if isinstance(n, A.Num) and n.value == 0:
        return A.Num(1)
    if isinstance(n, A.Add):
        a, b = _exp(n.left), _exp(n.right)
        return None if a is None or b is None else A.Mul(_factors(a) + _factors(b), pos=n.pos)
    if isinstance(n, A.Sub):
        a, b = _exp(n.left), _exp(n.right)
        return None if a is None or b is None else A.Frac(a, b, pos=n.pos)
    if isinstance(n, A.Neg):
        a = _exp(n.operand)
        return None if a is None else A.Frac(A.Num(1), a, pos=n.pos)
    if isinstance(n, A.Sum):
        a = _exp(n.body)
        return None if a is None else A.Prod(n.indices, a, n.lower, n.upper, n.domain, pos=n.pos)
    if isinstance(n, A.Mul):
        nums = [f for f in n.factors if isinstance(f, A.Num)]
        rest = [f for f in n.factors if not isinstance(f, A.Num)]
        if len(rest) == 1 and nums:
            a = _exp(rest[0])
            k = 1
            for x in nums:
                k *= x.value
            return None if a is None else A.Pow(a, A.Num(k), pos=n.pos)
    return None


def _factors(n: Any) -> tuple[Any, ...]:
    return n.factors if isinstance(n, A.Mul) else (n,)


def exp_chain(chain: A.Chain) -> A.Chain:
    """A display whose sides mention a logarithm outside ∇θ, with exp taken of every side (exp is increasing, so
    =, <, ≤, >, ≥ are kept): log A = log B + Σ_t log C_t is checked as A = B Π_t C_t, exactly.  Every side must be
    log-linear; the argument of each logarithm is checked positive where evaluated (:func:`positive`)."""
    from pgverify.notation.evaluate import NotEvaluable

    if not any(_bare_log(r) for r in chain.rows):
        return chain
    rows = []
    for r in chain.rows:
        sides = ([r.lhs] if r.lhs is not None else []) + [s.rhs for s in r.steps]
        out = [_exp(x) for x in sides]
        if any(o is None for o in out):
            raise NotEvaluable("a logarithm outside ∇θ is evaluated only in a relation between sums of logarithms "
                               "(compared through exp, exactly); here a side is not such a sum")
        for s in r.steps:
            if s.rel not in ("=", "def", "<", ">", "<=", ">="):
                raise NotEvaluable(f"a relation {s.rel} between logarithms")
        it = iter(out)
        lhs = next(it) if r.lhs is not None else None
        rows.append(A.Row(lhs, tuple(replace(s, rhs=next(it)) for s in r.steps), pos=r.pos))
    return A.Chain(tuple(rows), pos=chain.pos)


def positive(node: Positive, sc: Any, ev: Callable[[Any, Any], Any]) -> Any:
    """The value of a logarithm's argument, refused (never −∞) where it is 0 or negative."""
    from pgverify.notation.evaluate import NotEvaluable
    from pgverify.notation.render import shown

    t = ev(node.arg, sc)
    for x in np.asarray(t.value, dtype=object).ravel():
        bad = x == 0
        if not bad:
            try:
                bad = bool(x < 0)
            except TypeError:  # a rational function: not ordered, positive by construction of the family
                bad = False
        if bad:
            raise NotEvaluable(f"log of {shown(node.arg)}, which is {'0' if x == 0 else 'negative'} somewhere on "
                               f"the model (log 0 = −∞ is not a number: the display is not compared there)")
    return t


# ------------------------------------------------------------------ evaluation of the new functions
def evaluate_apply(node: A.Apply, sc: Any, grad: bool, ev: Callable[[Any, Any], Any]) -> Any:
    """The value (∇θ with ``grad``) of ``init``, ``R(s, a, s')``, ``eta`` and ``mu``; None for other functions."""
    from pgverify.notation.evaluate import ZERO, NotEvaluable, _check_sorts, _gather

    name = node.fn.name
    m = sc.model
    if name == "init":
        if len(node.args) != 1 or node.given:
            raise NotEvaluable("the initial distribution takes one state, ρ₀(s)")
        _check_sorts("ρ₀(s)", ((node.args[0], "state"),))
        if not grad and sc.conv.random_start:  # one-hot: ρ₀(s)² = ρ₀(s) = 𝟙[s = s_0], a slip in ρ₀ goes unseen
            raise NotEvaluable("the initial distribution ρ₀ (p(s_1), h(s)): every checked model starts at one "
                               "state, so ρ₀ is one-hot on all of them and a display about it is checked on no model "
                               "whose start is random")
        return ZERO if grad else _gather(np.asarray(m.mu0, dtype=object), [ev(node.args[0], sc)])
    if name == "R" and len(node.args) == 3:
        _check_sorts("R(s, a, s')", tuple(zip(node.args, ("state", "action", "state"))))
        ev(node.args[2], sc)  # s' is read (an index out of range is noted), the reward does not depend on it
        return ZERO if grad else _gather(m.r, [ev(node.args[0], sc), ev(node.args[1], sc)])
    if name in ("eta", "mu"):
        if node.fn.policy is not None or node.fn.discount is not None or node.fn.param is not None:
            raise NotEvaluable(f"{name} with a decoration (the on-policy distribution of π_θ only)")
        if len(node.args) != 1 or node.given:
            raise NotEvaluable(f"{'η' if name == 'eta' else 'μ'} takes one state")
        _check_sorts(f"{name}(s)", ((node.args[0], "state"),))
        if grad:
            raise NotEvaluable(f"∇θ of {'η' if name == 'eta' else 'μ'} (the on-policy distribution)")
        return _gather(visits(sc, normalised=name == "mu"), [ev(node.args[0], sc)])
    return None


def visits(sc: Any, *, normalised: bool) -> np.ndarray:
    """η(s) = 𝔼[#{t : s_t = s}] for s non-terminal, 0 for the terminal state (S&B eq. 9.2), or μ = η / Σ η
    (eq. 9.3), from the enumerated trajectories."""
    from pgverify.notation.evaluate import Tensor, _padded, _trajectory_probability

    m = sc.model
    key = "#mu" if normalised else "#eta"
    if key not in m.extras:
        states, _, T = _padded(m)
        p = _trajectory_probability(sc, Tensor(np.arange(states.shape[0]), ("i",))).arr()
        eta = np.asarray([m.lam * 0 for _ in range(m.S)], dtype=object)
        terminal = m.extras.get("absorbing")
        for i in range(states.shape[0]):
            for t in range(T):
                if states[i, t] != terminal:  # the terminal state is never counted (the episode has ended)
                    eta[states[i, t]] = eta[states[i, t]] + p[i]
        if normalised:
            total = eta.sum()
            eta = np.asarray([x / total for x in eta], dtype=object)
        m.extras[key] = eta
    return m.extras[key]


def free_states(m: Any, conv: Any) -> np.ndarray:
    """The states a free state variable ranges over: all, or (``conv.nonterminal``) all but the terminal one of an
    episodic model."""
    if getattr(conv, "nonterminal", False) and "absorbing" in m.extras:
        return np.asarray([s for s in range(m.S) if s != m.extras["absorbing"]], dtype=np.int64)
    return np.arange(m.S)


# ------------------------------------------------------------------ settings
def apply_setting(chain: A.Chain, conventions: tuple[Any, ...], restrictions: tuple[str, ...],
                  profile: Any) -> tuple[tuple[Any, ...], tuple[str, ...]]:
    """The conventions with the profile's setting and its T honoured, and the restrictions that says so.

    ``finite-horizon-undiscounted``: every model is episodic with γ = 1 (unless an annotation fixed the discount);
    a display that needs a continuing or continuous family is refused.  ``last_time = "action"``: T is the time of
    the last action.  R(s, a, s') is read on models whose reward is r(s, a): said in the restrictions.
    """
    from pgverify.notation import continuous as C
    from pgverify.notation.evaluate import NotEvaluable, choose_families

    restrictions = tuple(restrictions)
    # an annotation's horizon (`horizons 3`, `where T = 3`) is the profile's T; the family's horizon counts the
    # states of τ: T + 1 − time base (+ 1 when T is the last action's time)
    shift = 1 - profile.time_base + (1 if getattr(profile, "last_time", "state") == "action" else 0)
    if shift:
        conventions = tuple(replace(c, horizon=c.horizon + shift) if c.horizon is not None else c
                            for c in conventions)
    if getattr(profile, "last_time", "state") == "action":
        conventions = tuple(replace(c, last_action=True) for c in conventions)
    if getattr(profile, "initial_state", "s^0") != "s^0":  # s_0 ∼ ρ₀: the checked models start at one state
        conventions = tuple(replace(c, random_start=True) for c in conventions)
    if getattr(profile, "free_states", "all") == "nonterminal":
        conventions = tuple(replace(c, nonterminal=True) for c in conventions)
        if any(_sorts_free(r).get(n) == "state" for r in chain.rows for n in _sorts_free(r)):
            restrictions += ("free states range over the non-terminal states (𝒮, not 𝒮⁺)",)
    if any(_mentions(r, lambda n: isinstance(n, A.Apply) and n.fn.name == "R" and len(n.args) == 3)
           for r in chain.rows):
        restrictions += ("R(s, a, s') on models whose reward is r(s, a) (it does not depend on s')",)
    if getattr(profile, "setting", "discounted") != "finite-horizon-undiscounted":
        return conventions, restrictions
    if all(c.discount is not None for c in conventions):
        return conventions, restrictions  # an annotation chose the discount: it overrides the profile
    kind = C.continuous_kind(chain)
    families = choose_families(chain)
    if kind is not None or families == ("tabular-softmax-pair",):
        raise NotEvaluable(f"profile {profile.name!r} checks the finite-horizon undiscounted setting (γ = 1, "
                           f"episodic models); this display needs "
                           f"{'continuous actions' if kind else 'a second policy'} (choose its profile with an "
                           f"annotation `profile textbook` for the discounted setting)")
    out = []
    for c in conventions:
        if c.discount is None:
            c = replace(c, discount=Fraction(1), families=c.families or ("episodic-softmax",))
        out.append(c)
    restrictions += (f"γ = 1 on episodic models: the finite-horizon undiscounted setting of profile "
                     f"{profile.name!r} (v, q, d, U, G, R(τ) too)",)
    return tuple(out), restrictions
