"""Generalized advantage estimation (profile ``gae``): δ_t^V, Â_t^{(k)} and Â_t^{GAE(γ,λ)} read as the trajectory
sums they stand for, on the evaluator's own trajectory coordinates (r_t, s_t).

Schulman, Moritz, Levine, Jordan & Abbeel (2015), "High-Dimensional Continuous Control Using Generalized Advantage
Estimation", arXiv 1506.02438, section 3:

* δ_t^V = r_t + γ V(s_{t+1}) − V(s_t), with V an arbitrary function of the state (annotation ``V depends on s``,
  the family's drawn function) or the model's value v^π (written ``\\delta_t^{v^\\pi}``);
* Â_t^{(k)} = Σ_{l=0}^{k−1} γ^l δ_{t+l}^V;
* Â_t^{GAE(γ,λ)} = Σ_{l=0}^{∞} (γλ)^l δ_{t+l}^V: on an episodic model the evaluator's series rule sums it to the
  trajectory's end and requires the terms past the horizon to be exactly 0.

γ is the discount; λ is the trace parameter, a constant with no value on a model: a check fixes it with
``where \\lambda = …`` (never silently the discount).  The expansion is a rewrite of the display before any
evaluation (:func:`expand_gae`); what it cannot read is refused with :class:`GAEError`.  The reader's side
(:func:`script_edits`) turns the superscript GAE(X, Y) into the profile's marker ``\\GAE_{X}^{Y}`` and refuses an
Â whose superscript is neither ``(k)`` nor GAE(…) — ``Â_t^2`` would be a power, not the 2-step estimator.

>>> from pgverify.notation.latex import parse
>>> from pgverify.notation.render import render_latex
>>> c = expand_gae(parse(r"\\hat{A}_t^{(2)} = \\delta_t^V", profile="gae"), arbitrary_v=True)
>>> print(render_latex(c.rows[0].lhs, profile="gae"))
\\sum_{\\ell=0}^{2 - 1} \\gamma^{\\ell} \\left(r_{t + \\ell} + \\gamma V(s_{t + \\ell + 1}) - V(s_{t + \\ell})\\right)
>>> print(render_latex(c.rows[0].steps[0].rhs, profile="gae"))
r_t + \\gamma V(s_{t + 1}) - V(s_t)
"""

from __future__ import annotations

import re
from fractions import Fraction
from dataclasses import fields, is_dataclass, replace
from typing import Any

from pgverify.notation import ast as A
from pgverify.notation.errors import UnsupportedNotation

__all__ = ["GAEError", "prepare", "mentions_gae", "mentions_trace", "states_value", "trace_value", "expand_gae", "script_edits", "TD_ERROR", "ESTIMATE", "MARKER"]

#: The profile roles of δ, Â and the GAE marker (pgverify/notation/profiles/gae.toml).
TD_ERROR, ESTIMATE, MARKER = "td_error", "advantage_estimate", "gae"
#: The summation index the expansion introduces: ℓ, which the gae profile does not list (no display writes it).
_L = A.Var("\\ell", "time")


class GAEError(UnsupportedNotation):
    """A GAE construct that cannot be read (δ without its V, Â without (k) or GAE(γ, λ), an undeclared V);
    ``verdict`` is the display's (``undecided``, or ``ill-formed`` for a λ outside [0, 1])."""

    def __init__(self, what: str, pos: Any = None, verdict: str = "undecided") -> None:
        super().__init__(what, pos)
        self.verdict = verdict


def trace_value(node: Any) -> Fraction | None:
    """The rational in [0, 1] that ``where \\lambda = node`` fixes, or None (not a number of [0, 1])."""
    if isinstance(node, A.Num):
        value = Fraction(node.value)
    elif isinstance(node, A.Frac) and isinstance(node.num, A.Num) and isinstance(node.den, A.Num) and node.den.value:
        value = Fraction(node.num.value, node.den.value)
    else:
        return None
    return value if 0 <= value <= 1 else None


def _mentions_v(node: Any) -> bool:
    if isinstance(node, A.Fn) and node.name == "f":
        return True
    return isinstance(node, A.Node) and any(_mentions_v(c) for c in A.children(node))


def mentions_trace(node: Any) -> bool:
    """Whether ``node`` writes λ, the trace parameter."""
    if isinstance(node, A.Sym) and node.name == "trace":
        return True
    return isinstance(node, A.Node) and any(mentions_trace(c) for c in A.children(node))


def mentions_gae(node: Any) -> bool:
    """Whether ``node`` writes δ, Â or the GAE marker."""
    if isinstance(node, A.Sym) and node.name in (TD_ERROR, ESTIMATE, MARKER):
        return True
    return isinstance(node, A.Node) and any(mentions_gae(c) for c in A.children(node))


def _s(time: Any) -> A.At:
    return A.At("s", time)


def _plus(time: Any, k: Any) -> Any:
    return time if k == 0 else A.Add(time, k if isinstance(k, A.Node) else A.Num(k))


_V = A.Fn("f")
_VALUE = A.Fn("v", policy=A.Fn("pi"))


def _plain(node: Any) -> Any:
    """``node`` without positions (to compare what was written)."""
    if isinstance(node, A.Node):
        return replace(node, pos=None, **{f.name: _plain(getattr(node, f.name)) for f in fields(node)
                                          if f.name != "pos" and isinstance(getattr(node, f.name), A.Node)})
    return node


def states_value(var: Any, value: Any) -> bool:
    """Whether ``where var = value`` states V = v^π (profile gae: V is role f, v^π the model's value)."""
    return _plain(var) == _V and _plain(value) == _VALUE


def _value_fn(w: Any, arbitrary_v: bool) -> A.Fn:
    """The V of δ^V: the declared arbitrary V (role f), or the model's v^π of its own policy."""
    if _plain(w) == _V:
        if not arbitrary_v:
            raise GAEError("δ^V with V an arbitrary function of the state: annotate `V depends on s` or "
                           "`where V = v^\\pi`, or write δ_t^{v^π}")
        return _V
    if _plain(w) == _VALUE:
        return _VALUE
    raise GAEError("δ_t^X is read with X = V (an arbitrary function of the state) or X = v^π (the model's value "
                   "function of its own policy)")


def _delta(time: Any, w: A.Fn) -> A.Expr:
    """δ_time^W = r_time + γ W(s_{time+1}) − W(s_time)."""
    nxt = A.Apply(w, (_s(_plus(time, 1)),))
    return A.Sub(A.Add(A.At("r", time), A.Mul((A.Sym("discount"), nxt))), A.Apply(w, (_s(time),)))


def _estimate(time: Any, exp: Any, arbitrary_v: bool) -> A.Expr:
    if not arbitrary_v:
        raise GAEError("Â_t is built on V: annotate `V depends on s` (an arbitrary function of the state) or "
                       "`where V = v^\\pi`")
    v = _V
    term = _delta(_plus(time, _L), v)
    if isinstance(exp, A.Pow) and isinstance(exp.base, A.Sym) and exp.base.name == MARKER:
        disc, trace = exp.base.index, exp.exp
        if not (isinstance(disc, A.Sym) and disc.name == "discount" and disc.index is None):
            raise GAEError("GAE(X, λ) is read with X the discount γ only")
        if not (trace == A.Sym("trace", pos=trace.pos) or trace_value(trace) is not None):
            raise GAEError("GAE(γ, X) is read with X the trace parameter λ or a rational in [0, 1]")
        weight = A.Pow(A.Mul((A.Sym("discount"), trace)), _L)
        return A.Sum((_L,), A.Mul((weight, term)), lower=A.Num(0), upper=A.Infinity())
    if isinstance(exp, A.Infinity):  # Â_t^{(∞)} = Σ_{l≥0} γ^l δ_{t+l}
        return A.Sum((_L,), A.Mul((A.Pow(A.Sym("discount"), _L), term)), lower=A.Num(0), upper=A.Infinity())
    _a_time(exp, "the k of Â_t^{(k)}")
    return A.Sum((_L,), A.Mul((A.Pow(A.Sym("discount"), _L), term)), lower=A.Num(0), upper=A.Sub(exp, A.Num(1)))


def _a_time(node: Any, what: str) -> Any:
    """``node`` when it is a time: integers and time indices combined by + and −; :class:`GAEError` otherwise."""
    ok = isinstance(node, A.Num) or isinstance(node, A.Var) and node.sort == "time" or \
        isinstance(node, (A.Add, A.Sub)) and all(_a_time(x, what) is not None for x in (node.left, node.right))
    if not ok:
        raise GAEError(f"{what} is a time (time indices and integers combined by + and −)")
    return node


def _rewrite(node: Any, arbitrary_v: bool) -> Any:
    if isinstance(node, A.Pow) and isinstance(node.base, A.Sym) and node.base.name == TD_ERROR:
        if node.base.index is None:
            raise GAEError("δ^V without its time: write δ_t^V")
        return _delta(_a_time(node.base.index, "the index of δ_t^V"), _value_fn(node.exp, arbitrary_v))
    if isinstance(node, A.Pow) and isinstance(node.base, A.Sym) and node.base.name == ESTIMATE:
        if node.base.index is None:
            raise GAEError("Â without its time: write Â_t^{(k)} or Â_t^{GAE(γ,λ)}")
        return _estimate(_a_time(node.base.index, "the index of Â_t"), node.exp, arbitrary_v)
    if isinstance(node, A.Sym) and node.name == TD_ERROR:
        raise GAEError("δ_t without its value function: write δ_t^V (V declared) or δ_t^{v^π}")
    if isinstance(node, A.Sym) and node.name == ESTIMATE:
        raise GAEError("Â_t without its superscript (k) or GAE(γ, λ): which estimator is not said")
    if isinstance(node, A.Sym) and node.name == MARKER:
        raise GAEError("GAE(γ, λ) outside the superscript of Â_t")
    if isinstance(node, tuple):
        return tuple(_rewrite(x, arbitrary_v) for x in node)
    if is_dataclass(node) and isinstance(node, A.Node):
        return replace(node, **{f.name: _rewrite(getattr(node, f.name), arbitrary_v) for f in fields(node)
                                if f.name != "pos"})
    return node


def _to_value(node: Any) -> Any:
    if isinstance(node, A.Fn) and _plain(node) == _V:
        return _VALUE
    if isinstance(node, tuple):
        return tuple(_to_value(x) for x in node)
    if is_dataclass(node) and isinstance(node, A.Node):
        return replace(node, **{f.name: _to_value(getattr(node, f.name)) for f in fields(node) if f.name != "pos"})
    return node


def expand_gae(chain: A.Chain, *, arbitrary_v: bool = False, value_v: bool = False) -> A.Chain:
    """``chain`` with every δ_τ^V, Â_τ^{(k)} and Â_τ^{GAE(γ,λ)} replaced by its sum of trajectory coordinates.
    ``arbitrary_v``: an annotation declares V (role f) an arbitrary function of the state; ``value_v``: one states
    V = v^π, and every V is then the model's value function.  :class:`GAEError` when a construct cannot be read."""
    if arbitrary_v and value_v:
        raise GAEError("V is declared both an arbitrary function of the state and v^π")
    out = _rewrite(chain, arbitrary_v or value_v)
    return _to_value(out) if value_v else out


def prepare(chain: A.Chain, ann: Any, profile: Any) -> tuple[A.Chain, Any, bool]:
    """A display's chain and annotations (``ann``, or None) before the other annotations are applied: GAE's
    constructs expanded (:func:`expand_gae`), a `where V = v^π` consumed (the bool: it was stated), λ required
    fixed by a `where` to a rational in [0, 1].  :class:`GAEError` with the display's verdict otherwise."""
    if profile.symbols.get("\\delta") != TD_ERROR:  # not the gae profile
        return chain, ann, False
    subs = ann.substitutions if ann is not None else ()
    stated = any(states_value(x, y) for x, y in subs)
    declared = {profile.functions.get(dep.fn) for dep in ann.dependencies} if ann is not None else set()
    if stated:
        ann = replace(ann, substitutions=tuple((x, y) for x, y in subs if not states_value(x, y)))
    fixed = False
    for x, y in subs:
        if isinstance(x, A.Sym) and x.name == "trace":
            if trace_value(y) is None:
                raise GAEError("`where \\lambda = …`: GAE's λ is a rational in [0, 1]", verdict="ill-formed")
            fixed = True
    if _mentions_v(chain) and not stated and "f" not in declared:
        raise GAEError("V is an arbitrary function of the state in GAE: annotate `V depends on s`, or state "
                       "`where V = v^\\pi`")
    if mentions_trace(chain) and not fixed:
        raise GAEError("λ, GAE's trace parameter, has no value on a model: fix it with `where \\lambda = …` (a "
                       "rational in [0, 1])")
    try:
        return expand_gae(chain, arbitrary_v="f" in declared, value_v=stated), ann, stated
    except GAEError as exc:
        raise GAEError(f"not read: {exc.what}") from None


# ------------------------------------------------------------------------------------------- the reader's side
_HAT = re.compile(r"\\hat\s*\{\s*A\s*\}|\\hat\s*A(?![A-Za-z])")
_GAE = re.compile(r"^\s*(?:\\(?:mathrm|text|textrm|operatorname|mathsf)\s*\{\s*GAE\s*\}|GAE)\s*\((.*)\)\s*$", re.S)
_PAREN = re.compile(r"^\s*\((.*)\)\s*$", re.S)


def _group(text: str, i: int) -> tuple[int, int, int]:
    """The script starting at ``text[i]`` (after ``_`` or ``^``): (start of content, end of content, end)."""
    while i < len(text) and text[i].isspace():
        i += 1
    if i < len(text) and text[i] == "{":
        depth = 0
        for j in range(i, len(text)):
            if text[j] == "{" and text[j - 1:j] != "\\":
                depth += 1
            elif text[j] == "}" and text[j - 1:j] != "\\":
                depth -= 1
                if depth == 0:
                    return i + 1, j, j + 1
        raise GAEError("unbalanced braces in a script of Â")
    if i < len(text) and text[i] == "\\":
        m = re.match(r"\\[A-Za-z]+", text[i:])
        end = i + (m.end() if m else 2)
        return i, end, end
    return i, min(i + 1, len(text)), min(i + 1, len(text))


def _split_args(inner: str) -> tuple[str, str] | None:
    depth = 0
    for j, ch in enumerate(inner):
        depth += ch in "({[" and 1 or ch in ")}]" and -1 or 0
        if ch == "," and depth == 0:
            return inner[:j], inner[j + 1:]
    return None


def script_edits(text: str) -> list[tuple[int, int, str]]:
    """Edits (start, end, replacement) of a row's text: the superscript of Â written GAE(X, Y) (also
    \\mathrm{GAE}, \\text{GAE}, \\operatorname{GAE}) becomes ``\\GAE_{X}^{Y}``; a superscript that is neither
    (k) nor GAE(…) is refused (:class:`GAEError`): Â_t^2 would be a power of the estimate."""
    edits: list[tuple[int, int, str]] = []
    for m in _HAT.finditer(text):
        i = m.end()
        for _ in range(2):
            j = i
            while j < len(text) and text[j].isspace():
                j += 1
            if j >= len(text) or text[j] not in "_^":
                break
            start, end, after = _group(text, j + 1)
            if text[j] == "^":
                content = text[start:end]
                g = _GAE.match(content)
                if g:
                    args = _split_args(g.group(1))
                    if args is None:
                        raise GAEError("GAE(γ, λ) takes two arguments")
                    edits.append((start, end, f"\\GAE_{{{args[0]}}}^{{{args[1]}}}"))
                elif not _PAREN.match(content):
                    raise GAEError(f"Â^{{{content.strip()}}}: the k-step estimator is written Â_t^{{(k)}}, the "
                                   f"generalized one Â_t^{{GAE(γ,λ)}}; a power of an estimate is not read")
            i = after
    return edits
