"""Definitions stated in the prose (``define``) or by a display's first relation (``defines``), applied.

A definition ``lhs := rhs`` replaces every occurrence of its left side in its
scope (the display, the relations the prose adds, its conditions) by its right
side, whatever the left side means on its own: ``define R(\\tau) :=
2\\sum_t r(s_t, a_t)`` makes R(τ) twice the return, not the built-in R_τ.  The
left side's free variables are its arguments: ``define \\eta(s) := 2 v(s)``
turns η(s') into 2 v(s'), ``define G_\\tau^t := …`` turns G_τ^k into the right
side at t = k (bound variables renamed where they would capture an argument).

A definition that cannot be applied is refused with the reason (never
ignored): its left side does not occur, its right side has a free variable the
left side does not bind, or it is recursive.

    >>> from pgverify.notation.latex import parse_row, source, parse_display
    >>> d = parse_row(source(r"\\eta(s) := 2 v(s)", 1, 1), "post")
    >>> chain = parse_display(r"\\sum_{s'} \\eta(s') = 1")
    >>> from pgverify.notation.render import render_latex
    >>> render_latex(apply_definitions(chain, (d,))[0])
    "\\\\sum_{s'} 2 v(s') = 1"
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any

from numeric.errors import PGVerifyError
from pgverify.notation import ast as A
from pgverify.notation.render import shown as _shown
from pgverify.notation.scope import TRAJECTORY, free_indices

__all__ = ["apply_definitions", "substitute", "DefinitionError", "BINDERS"]


class DefinitionError(PGVerifyError, ValueError):
    """A definition that cannot be applied to the display; the message says why."""


#: Binders: the node type → (the field holding its bound variables, the field of the scope they bind).
BINDERS = {A.Sum: ("indices", "body"), A.Prod: ("indices", "body"), A.Opt: ("indices", "body"),
            A.Expect: ("var", "body"), A.EvalAt: ("var", "body")}


def _names(node: Any, out: set[str]) -> set[str]:
    if isinstance(node, A.Var):
        out.add(node.name)
    if isinstance(node, tuple):
        for x in node:
            _names(x, out)
    elif isinstance(node, A.Node):
        for f in fields(node):
            if f.name != "pos":
                _names(getattr(node, f.name), out)
    return out


def substitute(node: Any, mapping: dict[str, Any]) -> Any:
    """``node`` with each free variable named in ``mapping`` replaced by its value (capture-avoiding: a bound
    variable that would capture a free variable of a value is renamed, k → k')."""
    if not mapping:
        return node
    if isinstance(node, A.Var):
        return mapping.get(node.name, node)
    if isinstance(node, tuple):
        return tuple(substitute(x, mapping) for x in node)
    if not (is_dataclass(node) and isinstance(node, A.Node)):
        return node
    binder = BINDERS.get(type(node))
    if binder is None:
        return replace(node, **{f.name: substitute(getattr(node, f.name), mapping) for f in fields(node)
                                if f.name != "pos"})
    var_field, body_field = binder
    raw = getattr(node, var_field)
    bound = tuple(v for v in (raw if isinstance(raw, tuple) else (raw,)) if isinstance(v, A.Var))
    inner = {k: v for k, v in mapping.items() if k not in {b.name for b in bound}}
    captured = set().union(*(free_indices(v) for v in inner.values())) if inner else set()
    used = _names(node, set()) | captured | set(inner)
    renamed: dict[str, A.Var] = {}
    for b in bound:
        if b.name in captured:
            fresh = b.name + "'"
            while fresh in used:
                fresh += "'"
            used.add(fresh)
            renamed[b.name] = A.Var(fresh, b.sort, pos=b.pos)
    changes = {}
    for f in fields(node):
        if f.name == "pos":
            continue
        value = getattr(node, f.name)
        if f.name == var_field:
            changes[f.name] = (tuple(renamed.get(v.name, v) if isinstance(v, A.Var) else v for v in value)
                               if isinstance(value, tuple) else
                               renamed.get(value.name, value) if isinstance(value, A.Var) else value)
        elif f.name == body_field:
            changes[f.name] = substitute(substitute(value, dict(renamed)), inner)
        else:
            changes[f.name] = substitute(value, mapping)
    return replace(node, **changes)


def _match(pattern: Any, node: Any, params: frozenset[str], binding: dict[str, Any]) -> bool:
    """Whether ``node`` is ``pattern`` with its ``params`` (variables) bound consistently in ``binding``."""
    if isinstance(pattern, A.Var) and pattern.name in params:
        if not isinstance(node, A.Node):
            return False
        if pattern.name in binding:
            return binding[pattern.name] == node
        binding[pattern.name] = node
        return True
    if isinstance(pattern, tuple):
        return isinstance(node, tuple) and len(node) == len(pattern) and all(
            _match(p, n, params, binding) for p, n in zip(pattern, node))
    if isinstance(pattern, A.Node):
        if type(node) is not type(pattern):
            return False
        return all(_match(getattr(pattern, f.name), getattr(node, f.name), params, binding)
                   for f in fields(pattern) if f.name != "pos")
    return pattern == node


class _Definition:
    """One definition, ready to apply: its pattern, its arguments, its right side; ``uses`` counts the
    occurrences replaced."""

    def __init__(self, row: A.Row) -> None:
        if row.lhs is None or len(row.steps) != 1:
            raise DefinitionError("a definition is '<name> := <expression>'")
        self.lhs, self.rhs = row.lhs, row.steps[0].rhs
        self.params = frozenset(free_indices(self.lhs))
        extra = set(free_indices(self.rhs)) - self.params
        if extra == {TRAJECTORY} and isinstance(self.lhs, A.Sym) and self.lhs.index is not None:
            extra = set()  # R̂_t := Σ_{k≥t} λ^{k-t} r_k: a quantity along the trajectory where it is used, as r_t
        if extra:
            raise DefinitionError(f"the right side of {_shown(self.lhs)} := … has the free variable(s) "
                                  f"{', '.join(sorted(extra))} that its left side does not name")
        if isinstance(self.lhs, (A.Num, A.Var)):
            raise DefinitionError(f"{_shown(self.lhs)} is a number or an index, not a name that can be defined")
        if _occurs(self, self.rhs):
            raise DefinitionError(f"{_shown(self.lhs)} := … is recursive: its right side contains its left side")
        self.uses = 0

    def instance(self, binding: dict[str, Any]) -> Any:
        for name, value in binding.items():  # the implicit trajectory of s_t, a_t cannot be renamed
            if name == TRAJECTORY and not (isinstance(value, A.Var) and value.name == TRAJECTORY):
                raise DefinitionError(f"{_shown(self.lhs)} is defined along τ; it is used at {_shown(value)}")
        self.uses += 1
        return substitute(self.rhs, {k: v for k, v in binding.items() if k != TRAJECTORY})

    def apply(self, node: Any) -> Any:
        binding: dict[str, Any] = {}
        if _match(self.lhs, node, self.params, binding):
            return self.instance(binding)
        if isinstance(node, tuple):
            return tuple(self.apply(x) for x in node)
        if not (is_dataclass(node) and isinstance(node, A.Node)):
            return node
        if isinstance(node, A.Mul) and isinstance(self.lhs, A.Mul):  # η(s) reads as η · s inside a product
            k, factors, out, i = len(self.lhs.factors), node.factors, [], 0
            while i < len(factors):
                binding = {}
                if i + k <= len(factors) and _match(self.lhs.factors, factors[i:i + k], self.params, binding):
                    out.append(self.instance(binding))
                    i += k
                else:
                    out.append(self.apply(factors[i]))
                    i += 1
            return out[0] if len(out) == 1 else replace(node, factors=tuple(out))
        return replace(node, **{f.name: self.apply(getattr(node, f.name)) for f in fields(node) if f.name != "pos"})


def _occurs(d: _Definition, node: Any) -> bool:
    if _match(d.lhs, node, d.params, {}):
        return True
    if isinstance(node, tuple):
        return any(_occurs(d, x) for x in node)
    if isinstance(node, A.Mul) and isinstance(d.lhs, A.Mul):
        k = len(d.lhs.factors)
        if any(_match(d.lhs.factors, node.factors[i:i + k], d.params, {}) for i in range(len(node.factors) - k + 1)):
            return True
    return isinstance(node, A.Node) and any(_occurs(d, c) for c in A.children(node))


def _is_head(d: _Definition, node: A.Node) -> bool:
    """Whether ``node`` writes the name ``d`` defines (in any form: v_λ^{π_θ} for v, U at 2θ for U(θ))."""
    lhs = d.lhs.factors[0] if isinstance(d.lhs, A.Mul) else d.lhs
    if isinstance(lhs, (A.Apply, A.Fn)):  # r(s, a) is also the trajectory's r_t
        name = lhs.fn.name if isinstance(lhs, A.Apply) else lhs.name
        return isinstance(node, A.Fn) and node.name == name or isinstance(node, A.At) and node.name == name
    if isinstance(lhs, A.Return):
        return isinstance(node, A.Return) and node.kind == lhs.kind
    if isinstance(lhs, A.Sym):
        return isinstance(node, A.Sym) and node.name == lhs.name
    return False


#: A quantity of the model → the built-in quantities computed from it: a definition of the first leaves the
#: others as they were (v, q, U from the built-in r), so a display that writes both is refused (π and 𝒫 also
#: make the trajectories: an expectation or a coordinate s_t is computed from them).
_DERIVED = {"r": ("v", "q", "A", "U", "J"), "pi": ("v", "q", "d", "A", "U", "J", "Traj"),
            "P": ("v", "q", "d", "A", "U", "J", "Traj"), "v": ("q", "A"), "q": ("v", "A")}


def _fn_names(node: Any, out: set[str]) -> set[str]:
    if isinstance(node, A.Fn):
        out.add(node.name)
    if isinstance(node, tuple):
        for x in node:
            _fn_names(x, out)
    elif isinstance(node, A.Node):
        for c in A.children(node):
            _fn_names(c, out)
    return out


def _derived(d: _Definition, node: Any) -> Any:
    """A built-in quantity of ``node`` computed from the one ``d`` defines (q from r), or None."""
    lhs = d.lhs.fn if isinstance(d.lhs, A.Apply) else d.lhs
    name = lhs.name if isinstance(lhs, A.Fn) else None
    # a right side written in q takes q as built-in: v(s) := Σ_a π(a|s) q(s, a) + 1 keeps the q it names
    derived = set(_DERIVED.get(name or "", ())) - _fn_names(d.rhs, set())
    if isinstance(node, A.Fn) and node.name in derived or \
            isinstance(node, A.Return) and name == "r" or isinstance(node, (A.Expect, A.At)) and name in ("pi", "P"):
        return node
    if isinstance(node, tuple):
        return next((x for x in (_derived(d, y) for y in node) if x is not None), None)
    if isinstance(node, A.Node):
        return next((x for x in (_derived(d, c) for c in A.children(node)) if x is not None), None)
    return None


def _strays(d: _Definition, node: Any, out: list[Any]) -> list[Any]:
    """The places where ``node`` writes the defined name in a form the definition's left side does not match
    (another decoration, another argument than a variable): left there, they would keep the built-in meaning."""
    if isinstance(node, tuple):
        for x in node:
            _strays(d, x, out)
        return out
    if not isinstance(node, A.Node) or _match(d.lhs, node, d.params, {}):
        return out
    if _is_head(d, node) or isinstance(node, A.Apply) and _is_head(d, node.fn):
        out.append(node)
        return out
    if isinstance(node, A.Mul) and isinstance(d.lhs, A.Mul):
        k, factors, i = len(d.lhs.factors), node.factors, 0
        while i < len(factors):
            if i + k <= len(factors) and _match(d.lhs.factors, factors[i:i + k], d.params, {}):
                i += k
            else:
                _strays(d, factors[i], out)
                i += 1
        return out
    for c in A.children(node):
        _strays(d, c, out)
    return out


def apply_definitions(chain: A.Chain, definitions: tuple[A.Row, ...],
                      conditions: tuple[Any, ...] = ()) -> tuple[A.Chain, tuple[Any, ...]]:
    """``chain`` and ``conditions`` with every definition applied (the last first, so that a definition may use
    an earlier one); :class:`DefinitionError` if one cannot be applied or is not used."""
    for row in reversed(definitions):
        d = _Definition(row)
        stray = _strays(d, (chain, conditions), [])
        if stray:
            raise DefinitionError(f"{_shown(d.lhs)} is defined, but the display also writes {_shown(stray[0])}, a "
                                  f"form the definition does not cover (it would keep its built-in meaning there)")
        derived = _derived(d, (chain, conditions))
        if derived is not None:
            raise DefinitionError(f"{_shown(d.lhs)} is defined, but the display also writes {_shown(derived)}, "
                                  f"which the model computes from the built-in {_shown(d.lhs)}")
        chain = A.Chain(tuple(d.apply(r) for r in chain.rows), pos=chain.pos)
        conditions = tuple(d.apply(c) for c in conditions)
        if not d.uses:
            raise DefinitionError(f"{_shown(d.lhs)} is defined but does not occur in the display (a definition "
                                  f"replaces what it names where it is written)")
    return chain, conditions
