"""Binders and free variables: which indices a line leaves unbound.

``free_indices(node)`` maps each free variable's name to where it first occurs.
Binders: Σ/Π and argmax bind their indices; 𝔼_{x∼D} binds x; ``\\left. f
\\right|_{a=v}`` binds a in f.  A trajectory coordinate (s_t, a_t, r_k, b_t)
refers to a trajectory: the trajectory is bound by an expectation over
trajectories (𝔼_{τ∼𝒯_θ}, 𝔼_s^π, a bare 𝔼) and by ℙ for the coordinates inside
an event (ℙ(s_t = s)); a bare coordinate in ℙ(s_1, a_1, …) or after the bar of
𝔼[· | s_t, a_t] is the *value* at the outer trajectory and stays free.  The
implicit trajectory is reported under the profile's trajectory name (τ).

``check_chain(chain)`` applies the rules of a well-formed display:

* a display with no relation (it stops after its first side) is ill-formed;
* every step's two sides have the same free variables — except that a side
  built from numbers alone (``0``, ``∇_θ 1``) stands for that constant at every
  value of the other side's indices;
* a free *index* (sort ``time`` or ``sample``: t, k, n) must be quantified by
  an annotation (``for k < t``, ``for any t``); free states, actions,
  trajectories and reals are the identity's arguments, read "for every".

Each finding is an :class:`~pgverify.notation.errors.IllFormedDisplay` naming
the variable and where it is.
"""

from __future__ import annotations

from typing import Any, Iterable

from pgverify.notation import ast as A
from pgverify.notation.ast import Pos
from pgverify.notation.errors import IllFormedDisplay
from pgverify.notation.render import REL_LATEX

__all__ = ["free_indices", "check_chain", "is_constant", "TRAJECTORY", "QUANTIFIED_SORTS"]

#: The name under which the implicit trajectory of s_t, a_t, … is reported.
TRAJECTORY = "\\tau"

#: Sorts of free variables that an annotation must quantify.
QUANTIFIED_SORTS = ("time", "sample")

_Free = dict  # name -> (sort, Pos | None)


def _merge(*parts: _Free) -> _Free:
    out: _Free = {}
    for p in parts:
        for k, v in p.items():
            out.setdefault(k, v)
    return out


def _without(f: _Free, names: Iterable[str]) -> _Free:
    drop = set(names)
    return {k: v for k, v in f.items() if k not in drop}


def _free(x: Any) -> _Free:
    if x is None:
        return {}
    if isinstance(x, tuple):
        return _merge(*(_free(i) for i in x))
    if isinstance(x, A.Var):
        return {x.name: (x.sort, x.pos)}
    if isinstance(x, A.At):
        return _merge(_free(x.time), _free(x.sample), {TRAJECTORY: ("trajectory", x.pos)} if x.sample is None else {})
    if isinstance(x, A.Sym) and x.name in ("td_error", "advantage_estimate"):  # δ_t^V, Â_t (pgverify.notation.gae)
        return _merge(_free(x.index), {TRAJECTORY: ("trajectory", x.pos)})
    if isinstance(x, (A.Sum, A.Prod)):
        return _merge(_without(_free(x.body), (i.name for i in x.indices)), _free(x.lower), _free(x.upper),
                      _free(x.domain))
    if isinstance(x, A.Opt):
        return _merge(_without(_free(x.body), (i.name for i in x.indices)), _free(x.domain))
    if isinstance(x, A.EvalAt):
        bound = [x.var.name] if isinstance(x.var, A.Var) else []
        return _merge(_without(_free(x.body), bound), _free(x.value))
    if isinstance(x, A.Expect):
        bound = []
        if x.var is not None:
            bound.append(x.var.name)
        if x.var is None or (isinstance(x.var, A.Var) and x.var.sort == "trajectory"):
            bound.append(TRAJECTORY)
        return _merge(_without(_free(x.body), bound), _free(x.dist), _free(x.start), _free(x.policy),
                      *(_event(g) for g in x.given))
    if isinstance(x, A.Apply) and x.fn.name == "Pr":
        return _merge(_free(x.fn), *(_event(g) for g in x.args + x.given))
    return _merge(*(_free(c) for c in A.children(x)))


def _event(x: Any) -> _Free:
    """Inside ℙ(…) and after the bar of 𝔼: coordinates in an event are the random ones (bound)."""
    if isinstance(x, A.Rel):
        return _without(_free(x), (TRAJECTORY,))
    return _free(x)


def free_indices(node: Any) -> dict[str, Pos | None]:
    """Free variables of ``node`` (an expression, a row or a chain): name → position of the first occurrence.

    >>> from pgverify.notation.latex import parse_display
    >>> sorted(free_indices(parse_display(r"\\sum_{s} q(s, a)").rows[0].lhs))
    ['a']
    """
    if isinstance(node, A.Chain):
        return {k: v[1] for k, v in _merge(*(_row_free(r) for r in node.rows)).items()}
    if isinstance(node, A.Row):
        return {k: v[1] for k, v in _row_free(node).items()}
    return {k: v[1] for k, v in _free(node).items()}


def _row_free(r: A.Row) -> _Free:
    return _merge(_free(r.lhs), *(_free(s.rhs) for s in r.steps))


def is_constant(x: Any) -> bool:
    """Built from numbers alone (``0``, ``∇_θ 1``, ``1 - 1``): the same value at every index."""
    if isinstance(x, (A.Num, A.Infinity)):
        return True
    if isinstance(x, A.Grad):
        return is_constant(x.body)
    if isinstance(x, (A.Add, A.Sub, A.Neg, A.Mul, A.Frac, A.Pow)):
        return all(is_constant(c) for c in A.children(x))
    return False


def _side(x: Any) -> str:
    from pgverify.notation.render import render_latex
    s = render_latex(x)
    return s if len(s) <= 60 else s[:57] + "…"


def check_chain(chain: A.Chain, *, quantified: Iterable[str] = (), substituted: Iterable[str] = (),
                defines: bool = False) -> tuple[IllFormedDisplay, ...]:
    """The ill-formedness findings of a display (empty when it is well-formed).

    ``quantified``: variables an annotation quantifies (``for k < t`` gives k, t);
    ``substituted``: variables an annotation fixes (``where s = s^0``) — bound everywhere;
    ``defines``: the first relation defines its left side (a name that takes the right side's indices).
    """
    quantified, substituted = set(quantified), set(substituted)
    issues: list[IllFormedDisplay] = []
    steps = list(chain.steps())
    if not steps:
        issues.append(IllFormedDisplay("the display has no relation: it stops after its first side "
                                       f"{_side(chain.first)}", chain.pos))
    for k, row in enumerate(chain.rows):
        if k > 0 and row.lhs is not None and not row.steps:
            issues.append(IllFormedDisplay(f"line {k + 1} of the display has no relation: {_side(row.lhs)}", row.pos))
    for k, (left, step) in enumerate(steps):
        if defines and k == 0:
            continue
        fl = _without(_free(left), substituted)
        fr = _without(_free(step.rhs), substituted)
        rel = REL_LATEX[step.rel]
        for name in sorted(set(fl) ^ set(fr)):
            here, other = (fl, fr) if name in fl else (fr, fl)
            other_side = step.rhs if here is fl else left
            if is_constant(other_side) or name in quantified:  # `for any t` reads the step for every t
                continue
            side = "left" if here is fl else "right"
            issues.append(IllFormedDisplay(
                f"free index {name} on the {side} side of '{rel}' but not on the other "
                f"({_side(left)} {rel} {_side(step.rhs)})", here[name][1]))
    everything = _without(_merge(*(_row_free(r) for r in chain.rows)), substituted)
    for name, (sort, pos) in sorted(everything.items(), key=lambda kv: kv[0]):
        if sort in QUANTIFIED_SORTS and name not in quantified:
            issues.append(IllFormedDisplay(f"unbound index {name}: no binder and no annotation quantifies it "
                                           f"(add one, e.g. <!-- pgverify: for any {name} -->)", pos))
    return tuple(_dedupe(issues))


def _dedupe(issues: list[IllFormedDisplay]) -> list[IllFormedDisplay]:
    seen, out = set(), []
    for i in issues:
        key = str(i)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out
