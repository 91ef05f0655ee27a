"""Matrix and operator notation on the finite model: J(π) = μ v^π, P_π, r_π, M_π, T_π, (I − γP_π)⁻¹, ν̃_μ^π, d_μ^π.

Theory notes (Szepesvári's RL-theory lectures; Agarwal, Jiang, Kakade & Sun) write the MDP as matrices: distributions
are row vectors, value functions column vectors, and a product is a matrix product.  On a model with S states and A
actions (state–action pairs ordered (s, a) ↦ s·A + a, as ``P.reshape(S·A, S)``):

====================  ==========================  ===================================================================
written               shape                       value (the model's own quantity; π names the model of the policy)
====================  ==========================  ===================================================================
μ                     1 × S                       the start distribution ``mu0`` (a row vector)
P                     S·A × S                     ``P[s, a, s']``
P_π                   S × S                       ``Model.P_pi``
P^π                   S·A × S·A                   P M_π (the chain on state–action pairs)
M_π, Π                S × S·A                     (M_π q)(s) = Σ_a π(a|s) q(s, a) (Π: the display's policy π)
r, r_π                S·A × 1, S × 1              ``r``, ``Model.r_pi``
v^π, q^π, A^π         S × 1, S·A × 1, S·A × 1     ``Model.v``, ``Model.q``, q − v
T_π x                 S × 1                       r_π + γ P_π x (the Bellman operator, affine: applied, never a matrix)
ν̃_μ^π, d_μ^π          1 × S                       ``Model.w`` = μ(I − γP_π)⁻¹ (the model's Bellman solve), ``Model.d``
J(π)                  a number                    ``Model.U`` = μ v^π
I, 𝟏                  n × n, n × 1                the identity and the all-ones column; n is fixed by the context
X^⊤ (^\\top, ^T)       transposed
X^{-1}                n × n                       an exact solve with the model's solver (``arithmetic.solve_pair``);
                                                  a singular X (or, in float64, a condition number above
                                                  :data:`MAX_CONDITION`) leaves the display undecided with the reason
X^k                   n × n                       k ≥ 0 an integer
(x)(s)                a number per s              the entry s of a vector over states
====================  ==========================  ===================================================================

A product is read right to left (an operator applies to the whole product on its right: T_π P_π v = T_π(P_π v));
a product or a sum of mismatched shapes is ill-formed, naming both shapes; the two sides of a relation must have
the same shape (a vector may be compared with a number entrywise: d_μ^π ≥ 0).

A series of matrices Σ_{t=L}^∞ γ^{t+c} X P_π^{t+c'} Y is summed in closed form, γ^{L+c} X P_π^{L+c'} (I − γP_π)⁻¹ Y,
only when the discount and P_π (the chain of a policy of the model) carry the same index t with slope 1: the
Neumann series Σ_t (γP_π)^t converges to (I − γP_π)⁻¹ because P_π is stochastic and γ < 1 (γ = 1 is refused).
A finite series with integer bounds is summed term by term.  Anything else is refused with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from pgverify.notation import ast as A

__all__ = ["Mat", "MAX_CONDITION", "MATRIX_SYMBOLS", "mentions_matrix", "evaluate_matrix", "check_shapes", "lone_ones",
           "matrix_side", "matrix_gradient", "ARBITRARY_QUANTITIES", "declare_arbitrary",
           "ROW_AXIS", "COLUMN_AXIS"]

#: Sym names of the matrix vocabulary (what the ``theory`` profile maps its letters to).
MATRIX_SYMBOLS = ("start_distribution", "transition_matrix", "identity", "ones", "transpose", "bellman",
                  "policy_matrix", "discounted_visits", "occupancy_vector")

#: In float64 an inverse of a matrix whose condition number exceeds this is numerically singular: undecided.
MAX_CONDITION = 1e10

#: The axes a matrix side takes in the evaluator's algebra (the sizes are in the name, so a row and a column never
#: meet by broadcasting).
ROW_AXIS, COLUMN_AXIS = "matrix rows", "matrix columns"

_SIZES = {"1": "1", "S": "|S|", "SA": "|S||A|"}


@dataclass(frozen=True, eq=False)
class Mat:
    """A matrix of the model: ``value`` of shape (rows, cols) over the index sets ``rows``, ``cols`` ∈ {1, S, SA}."""

    value: np.ndarray
    rows: str
    cols: str

    @property
    def shape(self) -> str:
        return f"{_SIZES[self.rows]}×{_SIZES[self.cols]}"

    @property
    def T(self) -> "Mat":
        return Mat(np.swapaxes(self.value, 0, 1), self.cols, self.rows)  # a ∇θ axis stays last


@dataclass(frozen=True)
class _Poly:
    """I or 𝟏 (or 𝟏ᵀ) before the context fixes its size."""

    kind: str  # "identity" or "ones"
    transposed: bool = False

    @property
    def shape(self) -> str:
        return {"identity": "n×n (I)", "ones": "1×n (𝟏ᵀ)" if self.transposed else "n×1 (𝟏)"}[self.kind]


@dataclass(frozen=True)
class _Operator:
    """T_π: x ↦ r_π + γ P_π x (affine, so applied, never multiplied)."""

    model: Any
    shown: str


def _shown(node: Any) -> str:
    from pgverify.notation.render import shown

    return shown(node)


def _errors() -> tuple[type, type]:
    from pgverify.notation.evaluate import NotEvaluable
    from pgverify.statement import IllFormedChain

    return NotEvaluable, IllFormedChain


# ---------------------------------------------------------------- which nodes are matrices
_MEMO: dict[int, tuple[Any, bool]] = {}


def mentions_matrix(node: Any) -> bool:
    """Whether ``node`` mentions the matrix vocabulary (a symbol of :data:`MATRIX_SYMBOLS`, an unapplied v, q, A or r,
    r_π, or J(π) of a policy)."""
    hit = _MEMO.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    out = _is_matrix_leaf(node) or (isinstance(node, A.Node) and not isinstance(node, A.Apply) and
                                    any(mentions_matrix(c) for c in A.children(node)))
    if len(_MEMO) > 50_000:
        _MEMO.clear()
    _MEMO[id(node)] = (node, out)
    return out


def _is_matrix_leaf(node: Any) -> bool:
    if isinstance(node, A.Sym):
        return node.name in MATRIX_SYMBOLS
    if isinstance(node, A.Fn):
        return node.name in ("v", "q", "A", "r", "f")
    if isinstance(node, A.Apply):
        return node.fn.name in ("U", "J") and len(node.args) == 1 and isinstance(node.args[0], A.Fn)
    return False


# ---------------------------------------------------------------- the algebra
def _is_float(m: Any) -> bool:
    return m.arithmetic.name == "float64"


def _array(x: Any, m: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64) if _is_float(m) else np.asarray(x, dtype=object)


def _eye(n: int, m: Any) -> np.ndarray:
    out = np.zeros((n, n), dtype=np.float64 if _is_float(m) else object)
    for i in range(n):
        out[i, i] = 1
    return out


def _size(label: str, m: Any) -> int:
    return {"1": 1, "S": m.S, "SA": m.S * m.A}[label]


def _concrete(p: _Poly, label: str, m: Any) -> Mat:
    if label == "1":
        raise _ill(f"{'I' if p.kind == 'identity' else '𝟏'} of size 1 here (next to a number or a vector on the "
                   "wrong side): the shapes do not match")
    n = _size(label, m)
    if p.kind == "identity":
        return Mat(_eye(n, m), label, label)
    ones = _array(np.ones((n, 1), dtype=int), m) if not _is_float(m) else np.ones((n, 1))
    out = Mat(ones, label, "1")
    return out.T if p.transposed else out


def _scalar(t: Any) -> bool:
    from pgverify.notation.evaluate import Tensor

    return isinstance(t, Tensor)


def _ill(msg: str) -> Exception:
    return _errors()[1](msg)


def _not(msg: str) -> Exception:
    return _errors()[0](msg)


def _settle(x: Any) -> Any:
    """A 1×1 matrix is a number."""
    if isinstance(x, Mat) and x.rows == "1" and x.cols == "1":
        from pgverify.notation.evaluate import Tensor

        return Tensor(x.value[0, 0], ())
    return x


def _scale(c: Any, x: Any, m: Any) -> Any:
    from pgverify.notation.evaluate import GRAD_AXIS

    if c.axes == (GRAD_AXIS,) and isinstance(x, Mat):
        return _times(c, x, m)
    if c.axes:
        raise _not(f"a number that depends on an index ({', '.join(a for a in c.axes if a != GRAD_AXIS) or '∇θ'}) "
                   "times a matrix: entries are selected with (x)(s), not by broadcasting")
    if isinstance(x, _Poly):
        raise _not(f"a multiple of {'I' if x.kind == 'identity' else '𝟏'} whose size its context does not fix")
    if isinstance(x, _Operator):
        raise _not(f"a multiple of the operator {x.shown}: an operator is applied to a vector, T_π x")
    return Mat(c.value * x.value, x.rows, x.cols)


def _matmul(x: Any, y: Any, m: Any) -> Any:
    """x y: a matrix product (a number times anything scales it)."""
    from pgverify.notation.evaluate import GRAD_AXIS

    if _is_gmat(x) or _is_gmat(y) or (_scalar(x) and GRAD_AXIS in x.axes and isinstance(y, Mat)) or \
            (_scalar(y) and GRAD_AXIS in y.axes and isinstance(x, Mat)):
        if isinstance(x, _Operator) or isinstance(y, _Operator):
            raise _not("an operator applied to a gradient")
        return _times(x, y, m)
    if _scalar(x) and _scalar(y):
        from pgverify.notation.evaluate import _mul

        return _mul(x, y)
    if _scalar(x):
        return _scale(x, y, m)
    if _scalar(y):
        return _scale(y, x, m)
    if isinstance(x, _Poly) and isinstance(y, _Poly):
        if x.kind == "identity":
            return y
        if y.kind == "identity":
            return x
        raise _not("a product of 𝟏 and 𝟏 whose size its context does not fix")
    if isinstance(x, _Poly):
        if x.kind == "identity":
            return y
        if not x.transposed:  # 𝟏 y: an outer product when y is a row (its size unknown), else a mismatch
            if y.rows == "1":
                raise _not(f"𝟏 times a {y.shape} row: the size of 𝟏 (the outer product's rows) is not fixed")
            raise _ill(f"a product of {x.shape} and {y.shape}: the shapes do not match")
        x = _concrete(x, y.rows, m)
    if isinstance(y, _Poly):
        if y.kind == "identity":
            return x
        if y.transposed:  # x 𝟏ᵀ: an outer product when x is a column
            if x.cols == "1":
                raise _not(f"a {x.shape} column times 𝟏ᵀ: the size of 𝟏ᵀ (the outer product's columns) is not fixed")
            raise _ill(f"a product of {x.shape} and {y.shape}: the shapes do not match")
        y = _concrete(y, x.cols, m)
    if x.cols != y.rows:
        raise _ill(f"a product of a {x.shape} matrix and a {y.shape} matrix: the shapes do not match")
    return _settle(Mat(x.value @ y.value, x.rows, y.cols))


def _add(x: Any, y: Any, m: Any, sign: int) -> Any:
    from pgverify.notation.evaluate import _add as add, _neg

    if _scalar(x) and _scalar(y):
        return add(x, _neg(y) if sign < 0 else y)
    if isinstance(x, _Operator) or isinstance(y, _Operator):
        op = x if isinstance(x, _Operator) else y
        raise _not(f"a sum with the operator {op.shown} unapplied (operators are applied to vectors, T_π x)")
    if _scalar(x) or _scalar(y):
        other = y if _scalar(x) else x
        raise _ill(f"a sum of a number and a {other.shape} matrix: the shapes do not match")
    if isinstance(x, _Poly) and isinstance(y, _Poly):
        raise _not("a sum of I or 𝟏 whose size its context does not fix")
    if isinstance(x, _Poly):
        x = _concrete(x, y.rows if x.kind == "identity" or not x.transposed else y.cols, m)
    if isinstance(y, _Poly):
        y = _concrete(y, x.rows if y.kind == "identity" or not y.transposed else x.cols, m)
    if (x.rows, x.cols) != (y.rows, y.cols):
        raise _ill(f"a sum of a {x.shape} matrix and a {y.shape} matrix: the shapes do not match")
    if x.value.ndim != y.value.ndim:
        raise _ill(f"a sum of a gradient and a matrix ({x.shape}): one has the ∇θ axis, the other not")
    return Mat(x.value + y.value if sign > 0 else x.value - y.value, x.rows, x.cols)


def _inverse(x: Any, m: Any, node: Any) -> Any:
    if _scalar(x):
        from pgverify.notation.evaluate import ONE, _div

        return _div(ONE, x)
    if isinstance(x, _Poly):
        if x.kind == "identity":
            return x
        raise _ill("the inverse of 𝟏, a vector")
    if isinstance(x, _Operator):
        raise _not(f"the inverse of the operator {x.shown}")
    if x.rows != x.cols:
        raise _ill(f"the inverse of a {x.shape} matrix, which is not square")
    if _is_gmat(x):
        raise _not("the inverse of a gradient")
    n = x.value.shape[0]
    what = f"({_shown(node)})^{{-1}}"
    if _is_float(m):
        cond = np.linalg.cond(np.asarray(x.value, dtype=np.float64))
        if not np.isfinite(cond) or cond > MAX_CONDITION:
            raise _not(f"{what}: the matrix is singular (condition number {cond:.3g} in float64) on this model")
    try:
        inv, _ = m.arithmetic.solve_pair(x.value, _eye(n, m), _eye(n, m))
    except (ZeroDivisionError, np.linalg.LinAlgError):
        raise _not(f"{what}: the matrix is singular on this model, it has no inverse") from None
    return Mat(_array(inv, m), x.rows, x.cols)


def _power(x: Any, k: int, m: Any) -> Any:
    if isinstance(x, _Poly) and x.kind == "identity":
        return x
    if _is_gmat(x):
        raise _not("a power of a gradient")
    if isinstance(x, (_Poly, _Operator)) or x.rows != x.cols:
        raise _ill(f"a power of a {x.shape} {'operator' if isinstance(x, _Operator) else 'matrix'}, which is "
                   "not a square matrix")
    out = Mat(_eye(x.value.shape[0], m), x.rows, x.cols)
    for _ in range(k):
        out = Mat(out.value @ x.value, x.rows, x.cols)
    return out


def _transpose(x: Any) -> Any:
    from pgverify.notation.evaluate import Tensor

    if isinstance(x, Tensor):
        if x.axes:
            raise _not("the transpose of a number that depends on an index")
        return x
    if isinstance(x, _Poly):
        return x if x.kind == "identity" else _Poly("ones", not x.transposed)
    if isinstance(x, _Operator):
        raise _not(f"the transpose of the operator {x.shown}")
    return x.T


# ---------------------------------------------------------------- evaluation
#: Environment keys of a derivative at a point (``\left. \frac{d}{dx} F \right|_{x=\theta_0}``): the variable x
#: stands for the model's parameter, differentiated; θ₀ for the same point, held fixed.
_POINT, _FIXED = "#d/dx point ", "#theta_0 fixed"


def _in_derivative(sc: Any) -> bool:
    return any(k.startswith(_POINT) for k in sc.env)


def _policy_handle(node: Any, sc: Any, what: str) -> tuple[Any, bool]:
    """(the model of the policy ``node`` names, whether it moves with θ under a derivative)."""
    from pgverify.notation.evaluate import _policy_model, _theta_free

    if node is None:
        return sc.model, True
    if not isinstance(node, A.Fn) or node.name != "pi":
        raise _not(f"{what} of {_shown(node)}, which is not a policy")
    param = node.param
    if isinstance(param, A.Var) and param.sort == "real" and node.primes == 0:
        if _POINT + param.name not in sc.env:
            raise _not(f"{what} of π_{param.name}: a policy at a free point {param.name} (write the derivative "
                       f"at a point, \\left. \\frac{{d}}{{dx}} … \\right|_{{x=\\theta_0}})")
        return sc.model, True
    if isinstance(param, A.Sym) and param.name == "theta" and param.index == A.Num(0) and node.primes == 0:
        if not sc.env.get(_FIXED):
            raise _not(f"{what} of π_θ₀ outside a derivative taken at x = θ₀ (θ₀ is read as the point of the "
                       "derivative only)")
        return sc.model, False
    pm = _policy_model(node, sc, what)
    return pm, not _theta_free(pm, sc, what) if pm is not sc.model else True


def _policy_of(node: Any, sc: Any, what: str) -> Any:
    return _policy_handle(node, sc, what)[0]


def _vector(fn: A.Fn, sc: Any) -> Mat:
    """v^π, q^π, A^π, r written as vectors (and f, an arbitrary function declared by ``v depends on s``)."""
    from pgverify.notation.evaluate import _bare

    if fn.name == "f":
        return _arbitrary_vector(fn, sc)
    _bare(fn, "discount", "policy") if fn.name != "r" else _bare(fn, "policy")
    if fn.discount is not None and not (isinstance(fn.discount, A.Sym) and fn.discount.name == "discount"
                                        and fn.discount.index is None):
        raise _not(f"{fn.name} with the discount {_shown(fn.discount)}: only the model's discount")
    pm = _policy_of(fn.policy, sc, f"the vector {fn.name}")
    m = sc.model
    if fn.name == "r" and fn.policy is not None:  # r_π
        return Mat(_array(pm.r_pi, m)[:, None], "S", "1")
    if fn.name == "v":
        return Mat(_array(pm.v, m)[:, None], "S", "1")
    table = {"q": pm.q, "r": pm.r}.get(fn.name)
    if table is None:
        table = pm.q - pm.v[:, None]
    return Mat(_array(table, m).reshape(m.S * m.A, 1), "SA", "1")


#: The model's quantities an annotation may declare arbitrary functions instead (``v depends on s`` where the text
#: says "v ∈ ℝ^S"; ``q depends on s, a`` for "q ∈ ℝ^{S×A}"): the role → the sorts of its arguments.
ARBITRARY_QUANTITIES = {"v": ("state",), "q": ("state", "action")}


def declare_arbitrary(chain: A.Chain, role: str, on: tuple[str, ...]) -> A.Chain:
    """``chain`` with every undecorated ``v`` (``q``) replaced by ``f``, the arbitrary function an annotation
    ``v depends on s`` declares in its place; :class:`ValueError` naming the clash when the clause cannot be
    honoured: other arguments than the quantity's own (a state; a state and an action), a decorated ``v^π`` in the
    same display (the one letter would name two functions), or an ``f`` already there."""
    want = ARBITRARY_QUANTITIES[role]
    if on != want:
        words = {"state": "a state", "action": "an action"}
        raise ValueError(f"{role} is a function of {' and '.join(words[x] for x in want)}; it cannot be declared a "
                         f"function of {', '.join(words.get(x, str(x)) for x in on) or 'nothing'}")
    bare = A.Fn(role)
    seen: list[str] = []

    def walk(node: Any) -> Any:
        if isinstance(node, A.Fn) and node.name == "f":
            seen.append("f")
        if isinstance(node, A.Fn) and node.name == role and node != bare:
            seen.append("decorated")
        if node == bare and isinstance(node, A.Fn):
            return A.Fn("f", pos=node.pos)
        if isinstance(node, tuple):
            return tuple(walk(x) for x in node)
        if isinstance(node, A.Node):
            return replace(node, **{f.name: walk(getattr(node, f.name)) for f in fields(node) if f.name != "pos"})
        return node

    out = walk(chain)
    if out == chain:
        raise ValueError(f"the display does not use {role} undecorated")
    if "decorated" in seen:
        raise ValueError(f"the display also writes {role} with a policy, discount or parameter (a quantity of the "
                         f"model): the letter {role} would name two functions")
    if "f" in seen:
        raise ValueError("the display already uses f, the arbitrary function that would stand for it")
    return out


def _arbitrary_vector(fn: A.Fn, sc: Any) -> Mat:
    """f as a column vector (|S|, or |S||A| in the order of q^π), f declared by ``v depends on s`` (``q depends on
    s, a``): the family's drawn table (independent of θ)."""
    from pgverify.notation.evaluate import _bare

    _bare(fn)
    key = dict(sc.conv.arbitrary).get("f")
    table = None if key is None else sc.model.extras.get(key)
    if table is None:
        raise _not("f unapplied: only an arbitrary function declared by an annotation (`v depends on s`) on a "
                   "family that draws one (episodic-softmax) is a vector")
    m = sc.model
    t = _array(table, m)
    return Mat(t[:, None], "S", "1") if t.ndim == 1 else Mat(t.reshape(m.S * m.A, 1), "SA", "1")


def _symbol(node: A.Sym, sc: Any) -> Any:
    m = sc.model
    name = node.name
    if name == "start_distribution":
        if node.index is not None:
            raise _not(f"{_shown(node)}: μ with a subscript")
        return Mat(_array(m.mu0, m)[None, :], "1", "S")
    if name == "identity":
        return _Poly("identity")
    if name == "ones":
        return _Poly("ones")
    if name == "transition_matrix":
        if node.index is None:
            return Mat(_array(m.P, m).reshape(m.S * m.A, m.S), "SA", "S")
        pm = _policy_of(node.index, sc, "the transition matrix P_π")
        return Mat(_array(pm.P_pi, m), "S", "S")
    if name == "policy_matrix":  # M_π (Π alone: the policy π of the display, as v is v^π)
        pm = _policy_of(node.index, sc, "the matrix M_π")
        out = np.zeros((m.S, m.S * m.A), dtype=np.float64 if _is_float(m) else object)
        for s in range(m.S):
            for a in range(m.A):
                out[s, s * m.A + a] = pm.pi[s, a]
        return Mat(out, "S", "SA")
    if name == "bellman":
        if node.index is None:
            raise _not("T without its policy: the Bellman operator is T_π (this profile reads ^T as a transpose)")
        return _Operator(_policy_of(node.index, sc, "the Bellman operator T_π"), _shown(node))
    if name in ("discounted_visits", "occupancy_vector"):
        raise _not(f"{_shown(node)} without its policy: write {'ν̃' if name == 'discounted_visits' else 'd'}_μ^π")
    if name == "transpose":
        raise _not("⊤ outside an exponent")
    raise AssertionError(name)


def _visits(node: A.Pow, sc: Any) -> Mat:
    """ν̃_μ^π (the model's w = μ(I − γP_π)⁻¹) and d_μ^π (the model's d = (1 − γ)w)."""
    base = node.base
    if not (isinstance(base.index, A.Sym) and base.index.name == "start_distribution" and base.index.index is None):
        raise _not(f"{_shown(node)}: the occupancy from another start than μ")
    pm = _policy_of(node.exp, sc, "the occupancy")
    m = sc.model
    return Mat(_array(pm.w if base.name == "discounted_visits" else pm.d, m)[None, :], "1", "S")


def _apply_operator(op: _Operator, x: Any, m: Any) -> Mat:
    if isinstance(x, _Poly) and x.kind == "ones" and not x.transposed:
        x = _concrete(x, "S", m)
    if not isinstance(x, Mat) or (x.rows, x.cols) != ("S", "1"):
        raise _ill(f"the operator {op.shown} applied to a {getattr(x, 'shape', 'number')}: it maps |S|×1 vectors")
    if _is_gmat(x):
        raise _not(f"the operator {op.shown} applied to a gradient")
    pm = op.model
    return Mat(_array(pm.r_pi, m)[:, None] + pm.lam * (_array(pm.P_pi, m) @ x.value), "S", "1")


def _is_index(node: Any) -> bool:
    return isinstance(node, A.Var) and node.sort == "state"


def _entry(x: Any, index: Any, sc: Any) -> Any:
    from pgverify.notation.evaluate import GRAD_AXIS, _ev, _gather

    if not isinstance(x, Mat) or not ((x.rows, x.cols) in (("S", "1"), ("1", "S"))):
        raise _not(f"(x)({_shown(index)}) of a {getattr(x, 'shape', 'number')}: only a vector over states has an "
                   "entry per state")
    if _is_gmat(x):
        return _gather(x.value.reshape(-1, x.value.shape[-1]), [_ev(index, sc)], (GRAD_AXIS,))
    return _gather(x.value.reshape(-1), [_ev(index, sc)])


def _product(factors: tuple[Any, ...], sc: Any) -> Any:
    factors = tuple(factors)
    at = next((i for i, f in enumerate(factors) if _is_d_dx(f) is not None), None)
    if at:  # X d/dx Y: d/dx applies to the rest of the product
        return _matmul(_product(factors[:at], sc), _product(factors[at:], sc), sc.model)
    cut = next((i for i, f in enumerate(factors) if i > 0 and _is_index(f)), None)
    if cut is not None and cut < len(factors) - 1:  # μ(s) v^π(s): the entry s of the product before s, times the rest
        return _matmul(_product(factors[:cut + 1], sc), _product(factors[cut + 1:], sc), sc.model)
    x = _is_d_dx(factors[0]) if factors else None
    if x is not None:
        if _POINT + x not in sc.env:
            raise _not(f"d/d{x} outside \\left. … \\right|_{{{x}=\\theta_0}}: the point of the derivative is not "
                       "written")
        if len(factors) < 2:
            raise _not("d/dx applied to nothing")
        rest = factors[1:]
        body = rest[0] if len(rest) == 1 else A.Mul(rest)
        return _nonzero(_derivative(body, sc), body, sc)
    index = None
    if len(factors) >= 2 and _is_index(factors[-1]):
        index, factors = factors[-1], factors[:-1]
    acc: Any = None
    for f in reversed(factors):
        x = evaluate_matrix(f, sc)
        if acc is None:
            acc = x
        elif isinstance(x, _Operator):
            acc = _apply_operator(x, acc, sc.model)
        elif isinstance(acc, _Operator):
            raise _not(f"the operator {acc.shown} is not applied to a vector (it ends the product)")
        else:
            acc = _matmul(x, acc, sc.model)
    if isinstance(acc, _Operator):
        raise _not(f"the operator {acc.shown} is not applied to a vector")
    return _entry(acc, index, sc) if index is not None else acc


def _exponent(node: Any, t: str, sc: Any) -> tuple[int, int] | None:
    """(slope, offset) of an exponent affine in t, None if it does not mention t."""
    from pgverify.notation.evaluate import _as_int, _const, _ev
    from pgverify.notation.series import _mentions_var

    if not _mentions_var(node, t):
        return None
    at = [_as_int(_ev(node, sc.bind(t, _const(x))), "an exponent in a series of matrices") for x in (0, 1, 2)]
    if at[2] - at[1] != at[1] - at[0]:
        raise _not("an exponent in a series of matrices that is not affine in t")
    return at[1] - at[0], at[0]


def _series(node: A.Sum, sc: Any) -> Any:
    from pgverify.notation.evaluate import _as_int, _const, _ev
    from pgverify.notation.series import _mentions_var

    m = sc.model
    if len(node.indices) != 1 or node.indices[0].sort != "time":  # Σ_s μ(s) v^π(s): the evaluator's Σ
        from pgverify.notation.evaluate import _bigop

        return _bigop(node, sc)
    if node.domain is not None or node.lower is None:
        raise _not("a sum of matrices over a time without an integer range Σ_{t=L}^{U}")
    t = node.indices[0].name
    lower = _as_int(_ev(node.lower, sc), "the lower bound of a series of matrices")
    if not isinstance(node.upper, A.Infinity):
        if node.upper is None:
            raise _not("a sum of matrices without an upper bound")
        upper = _as_int(_ev(node.upper, sc), "the upper bound of a sum of matrices")
        if upper - lower > 200:
            raise _not(f"a sum of {upper - lower + 1} matrices (more than 200 terms)")
        total: Any = None
        for k in range(lower, upper + 1):
            term = evaluate_matrix(node.body, sc.bind(t, _const(k)))
            total = term if total is None else _add(total, term, m, 1)
        if total is None:
            raise _not("an empty sum of matrices (its shape is not fixed)")
        return total
    if m.lam == 1:
        raise _not("a series of matrices on an undiscounted (γ = 1) MDP: Σ_t P_π^t does not converge")
    factors = node.body.factors if isinstance(node.body, A.Mul) else (node.body,)
    if len(factors) >= 2 and _is_index(factors[-1]) and factors[-1].name != t:  # Σ_t γ^t (μP_π^t)(s)
        total = _series(A.Sum(node.indices, A.Mul(factors[:-1]) if len(factors) > 2 else factors[0], node.lower,
                              node.upper, node.domain), sc)
        return _entry(total, factors[-1], sc)
    discount = chain = None
    from pgverify.notation.scope import free_indices

    for i, f in enumerate(factors):
        if t not in free_indices(f):  # a factor without t, or an inner series that binds its own t
            continue
        if isinstance(f, A.Pow) and isinstance(f.base, A.Sym) and f.base.name == "discount" and \
                f.base.index is None and discount is None:
            discount = (i, _exponent(f.exp, t, sc))
        elif isinstance(f, A.Pow) and isinstance(f.base, A.Sym) and f.base.name == "transition_matrix" and \
                f.base.index is not None and not _mentions_var(f.base, t) and chain is None:
            chain = (i, _exponent(f.exp, t, sc))
        else:
            raise _not(f"a series of matrices whose term depends on t through {_shown(f)}: pgverify sums "
                       "Σ_t γ^t X P_π^t Y only (the Neumann series of γP_π)")
    if discount is None or chain is None:
        raise _not("a series of matrices without both γ^t and P_π^t in its term: pgverify sums Σ_t γ^t X P_π^t Y "
                   "only (the Neumann series of γP_π, which converges for γ < 1)")
    (i, (ks, cs)), (j, (kp, cp)) = discount, chain
    if ks != 1 or kp != 1:
        raise _not("a series of matrices whose powers of γ and P_π do not both grow by one per term")
    if lower + cp < 0:
        raise _not("a series of matrices with a negative power of P_π")
    pm = _policy_of(factors[j].base.index, sc, "the chain P_π")
    P = Mat(_array(pm.P_pi, m), "S", "S")
    resolvent = _inverse(_add(_Poly("identity"), _scale(_const(m.lam), P, m), m, -1), m, A.Sym("bellman_matrix"))
    middle = _matmul(_power(P, lower + cp, m), resolvent, m)
    left = [f for k, f in enumerate(factors) if k < j and k != i]
    right = [f for k, f in enumerate(factors) if k > j and k != i]
    acc: Any = middle
    if right:
        acc = _matmul(acc, _product(tuple(right), sc), m)
    if left:
        acc = _matmul(_product(tuple(left), sc), acc, m)
    from pgverify.notation.evaluate import _pow

    return _matmul(_pow(_const(m.lam), _const(lower + cs)), acc, m)


def evaluate_matrix(node: Any, sc: Any) -> Any:
    """The value of ``node`` on ``sc.model``: a :class:`Mat`, a number (the evaluator's Tensor), or an unsized
    I or 𝟏; an operator T_π inside a product."""
    from pgverify.notation.evaluate import _as_int, _ev, _neg

    m = sc.model
    if not mentions_matrix(node):
        return _ev(node, sc)
    if isinstance(node, A.Sym):
        return _symbol(node, sc)
    if isinstance(node, A.Fn):
        return _vector(node, sc)
    if isinstance(node, A.Apply):  # J(π)
        from pgverify.notation.evaluate import Tensor, _bare

        _bare(node.fn)
        if node.given:
            raise _not(f"{_shown(node)}: J(π) with a condition")
        pm = _policy_of(node.args[0], sc, "the objective J")
        return Tensor(pm.U, ())
    if isinstance(node, A.Add):
        return _add(evaluate_matrix(node.left, sc), evaluate_matrix(node.right, sc), m, 1)
    if isinstance(node, A.Sub):
        return _add(evaluate_matrix(node.left, sc), evaluate_matrix(node.right, sc), m, -1)
    if isinstance(node, A.Neg):
        x = evaluate_matrix(node.operand, sc)
        return _neg(x) if _scalar(x) else _scale(_const_of(-1), x, m)
    if isinstance(node, A.Mul):
        return _product(node.factors, sc)
    if isinstance(node, A.Frac):
        den = evaluate_matrix(node.den, sc)
        if not _scalar(den):
            raise _ill(f"a division by a {den.shape} matrix (write the inverse, X^{{-1}})")
        from pgverify.notation.evaluate import ONE, _div

        return _matmul(_div(ONE, den), evaluate_matrix(node.num, sc), m)
    if isinstance(node, A.Pow):
        base = node.base
        if isinstance(base, A.Sym) and base.name in ("discounted_visits", "occupancy_vector"):
            return _visits(node, sc)
        if isinstance(base, A.Sym) and base.name == "transition_matrix" and base.index is None and \
                isinstance(node.exp, A.Fn) and node.exp.name == "pi":  # P^π = P M_π on state-action pairs
            return _matmul(_symbol(base, sc), _symbol(A.Sym("policy_matrix", node.exp), sc), m)
        if isinstance(node.exp, A.Sym) and node.exp.index is None and node.exp.name in ("transpose", "bellman"):
            return _transpose(evaluate_matrix(base, sc))
        if mentions_matrix(node.exp):
            raise _not(f"{_shown(node)}: an exponent that is a matrix")
        x = evaluate_matrix(base, sc)
        if _scalar(x):
            from pgverify.notation.evaluate import _pow

            return _pow(x, _ev(node.exp, sc))
        k = _as_int(_ev(node.exp, sc), "the exponent of a matrix")
        if k == -1:
            return _inverse(x, m, base)
        if k < 0:
            return _inverse(_power(x, -k, m), m, node)
        return _power(x, k, m)
    if isinstance(node, A.Sum):
        return _series(node, sc)
    if isinstance(node, A.Grad):
        _check_wrt(node.wrt, sc)
        return _nonzero(_derivative(node.body, sc), node.body, sc)
    if isinstance(node, A.EvalAt):
        return _at_point(node, sc)
    raise _not(f"{type(node).__name__} of matrices ({_shown(node)}) is not evaluated")


def _is_d_dx(node: Any) -> str | None:
    """x when ``node`` is d/dx written \\frac{d}{dx} (d the letter of the profile's occupancy or of d(s))."""
    def is_d(n: Any) -> bool:
        return isinstance(n, A.Sym) and n.name == "occupancy_vector" and n.index is None or \
            isinstance(n, A.Fn) and n == A.Fn("d")
    if isinstance(node, A.Frac) and is_d(node.num) and isinstance(node.den, A.Mul) and len(node.den.factors) == 2 \
            and is_d(node.den.factors[0]) and isinstance(node.den.factors[1], A.Var) and \
            node.den.factors[1].sort == "real":
        return node.den.factors[1].name
    return None


def _check_wrt(wrt: Any, sc: Any) -> None:
    if isinstance(wrt, A.Sym) and wrt.name == "theta" and wrt.index is None:
        if _in_derivative(sc):
            raise _not("∇_θ inside a derivative in x: θ and the point x would be one parameter")
        return
    if isinstance(wrt, A.Var) and _POINT + wrt.name in sc.env:
        return
    raise _not(f"a derivative with respect to {_shown(wrt)}: only θ, or x in a derivative taken at a point "
               "(\\left. … \\right|_{x=\\theta_0})")


def _at_point(node: A.EvalAt, sc: Any) -> Any:
    """\\left. F \\right|_{x=θ₀} (or x = θ) around a derivative in x: x is the model's parameter, differentiated;
    θ₀ the same point held fixed."""
    from pgverify.notation.evaluate import Tensor

    var, value = node.var, node.value
    if not (isinstance(var, A.Var) and var.sort == "real"):
        raise _not(f"an evaluation bar |_{{{_shown(var)}=…}}: only a real variable x set to θ₀ (or θ)")
    fixed = isinstance(value, A.Sym) and value.name == "theta" and value.index == A.Num(0)
    if not fixed and not (isinstance(value, A.Sym) and value.name == "theta" and value.index is None):
        raise _not(f"a derivative at x = {_shown(value)}: only at θ₀ or θ (the model's parameter)")
    if _in_derivative(sc):
        raise _not("a derivative at a point inside another one")
    body = node.body

    def differentiates(n: Any) -> bool:
        return _is_d_dx(n) == var.name or isinstance(n, A.Grad) and n.wrt == var or \
            isinstance(n, A.Node) and any(differentiates(c) for c in A.children(n))
    if not differentiates(body):
        raise _not(f"an evaluation bar |_{{{var.name}=…}} around something else than a derivative in {var.name}")
    inner = sc.bind(_POINT + var.name, Tensor(1, ()))
    if fixed:
        inner = inner.bind(_FIXED, Tensor(1, ()))
    return evaluate_matrix(body, inner)



def _const_of(c: int) -> Any:
    from pgverify.notation.evaluate import _const

    return _const(c)


def as_tensor(x: Any) -> Any:
    """A side's value in the evaluator's algebra: a number, or a vector/matrix over :data:`ROW_AXIS`,
    :data:`COLUMN_AXIS` (named with their index sets)."""
    from pgverify.notation.evaluate import Tensor

    if _scalar(x):
        return x
    if isinstance(x, _Poly):
        raise _not(f"{'I' if x.kind == 'identity' else '𝟏'} alone: its size is not fixed by the display")
    if isinstance(x, _Operator):
        raise _not(f"the operator {x.shown} alone (an operator is applied to a vector)")
    from pgverify.notation.evaluate import GRAD_AXIS

    grad = x.value.ndim == 3
    axes, index = [], [slice(None), slice(None)] + ([slice(None)] if grad else [])
    if x.rows != "1":
        axes.append(f"{ROW_AXIS} ({_SIZES[x.rows]})")
    else:
        index[0] = 0
    if x.cols != "1":
        axes.append(f"{COLUMN_AXIS} ({_SIZES[x.cols]})")
    else:
        index[1] = 0
    value = x.value[tuple(index)]
    if grad:
        axes.append(GRAD_AXIS)
    return Tensor(value, tuple(axes))


def matrix_side(node: Any, sc: Any) -> Any:
    """``evaluate_matrix`` as a Tensor (the dispatch of :func:`pgverify.notation.evaluate._ev`)."""
    return as_tensor(evaluate_matrix(node, sc))


def _matrix_axes(t: Any) -> tuple[str, ...]:
    return tuple(a for a in t.axes if a.startswith((ROW_AXIS, COLUMN_AXIS)))


def _ones_side(node: Any) -> str | None:
    """"column" for a side that is 𝟏 alone, "row" for 𝟏ᵀ alone, else None."""
    if isinstance(node, A.Sym) and node.name == "ones" and node.index is None:
        return "column"
    if isinstance(node, A.Pow) and isinstance(node.exp, A.Sym) and node.exp.name in ("transpose", "bellman") and \
            node.exp.index is None and _ones_side(node.base) is not None:
        return "row" if _ones_side(node.base) == "column" else "column"
    return None


def lone_ones(node: Any) -> Any:
    """A side that is 𝟏 (or 𝟏ᵀ) alone: the number 1, compared entrywise with the other side, whose shape
    :func:`check_shapes` then requires to be a column (a row); None for any other side."""
    if _ones_side(node) is None:
        return None
    from pgverify.notation.evaluate import Tensor

    return Tensor(1, ())


def check_shapes(lhs: Any, rhs: Any, label: str, left: Any = None, right: Any = None) -> None:
    """The two sides of a relation have the same shape; a vector or a matrix may be compared entrywise with a
    number written without the matrix vocabulary (d_μ^π ≥ 0 … but not v^π = μ v^π); a side 𝟏 (𝟏ᵀ) alone takes the
    size of the other, which must be a column (a row) of length |S| or |S||A|."""
    a, b = _matrix_axes(lhs), _matrix_axes(rhs)
    for ones, node, other, axes in ((_ones_side(left), left, rhs, b), (_ones_side(right), right, lhs, a)):
        if ones is None:
            continue
        want = ROW_AXIS if ones == "column" else COLUMN_AXIS
        if len(axes) == 1 and axes[0].startswith(want):
            return
        raise _ill(f"{label}: {'𝟏' if ones == 'column' else '𝟏ᵀ'} (a {ones}) on one side and "
                   f"{_describe(axes)} on the other")
    if a == b:
        return
    if (not a and not lhs.axes and not mentions_matrix(left)) or (not b and not rhs.axes and not mentions_matrix(right)):
        return
    raise _ill(f"{label}: the left side is {_describe(a)} and the right side {_describe(b)}")


def _describe(axes: tuple[str, ...]) -> str:
    rows = next((a[len(ROW_AXIS) + 2:-1] for a in axes if a.startswith(ROW_AXIS)), "1")
    cols = next((a[len(COLUMN_AXIS) + 2:-1] for a in axes if a.startswith(COLUMN_AXIS)), "1")
    return f"a {rows}×{cols} matrix" if axes else "a number"


# ---------------------------------------------------------------- ∇θ (and d/dx at a point) by forward rules
# A derivative is None (zero), a Mat whose value has a trailing ∇θ axis (rows, cols, K), or a number's gradient (the
# evaluator's Tensor with the ∇θ axis).  Leaves are the model's own derivatives (∇θπ, ∇θv, ∇θq, ∇θw, ∇θd, ∇θU); a
# policy held fixed (π', π_θ₀ inside d/dx at θ₀) has none.
def _gmat(value: np.ndarray, rows: str, cols: str) -> Mat:
    return Mat(value, rows, cols)


def _is_gmat(x: Any) -> bool:
    return isinstance(x, Mat) and x.value.ndim == 3


def _times(a: Any, b: Any, m: Any) -> Any:
    """a·b where exactly one of a, b is a derivative (a gradient-valued Mat or a number's gradient)."""
    from pgverify.notation.evaluate import GRAD_AXIS, _mul

    if a is None or b is None:
        return None
    if isinstance(a, _Poly):
        a = _concrete(a, b.rows, m) if a.kind == "ones" and a.transposed else a
        if isinstance(a, _Poly):  # I
            return b
    if isinstance(b, _Poly):
        b = _concrete(b, a.cols, m) if b.kind == "ones" and not b.transposed else b
        if isinstance(b, _Poly):
            return a
    if _scalar(a) and _scalar(b):
        return _mul(a, b)
    if _scalar(a) or _scalar(b):
        c, x = (a, b) if _scalar(a) else (b, a)
        if GRAD_AXIS in c.axes:  # ∇(number) times a matrix
            if c.axes != (GRAD_AXIS,):
                raise _not("a gradient that depends on an index times a matrix: entries are selected with (x)(s)")
            if _is_gmat(x):
                raise _not("a product of two gradients (an outer product) is not evaluated")
            return _settle_grad(Mat(x.value[:, :, None] * np.asarray(c.value)[None, None, :], x.rows, x.cols))
        if c.axes:
            raise _not("a number that depends on an index times a matrix")
        return _settle_grad(Mat(c.value * x.value, x.rows, x.cols))
    if a.cols != b.rows:
        raise _ill(f"a product of a {a.shape} matrix and a {b.shape} matrix: the shapes do not match")
    if _is_gmat(a) and _is_gmat(b):
        raise _not("a product of two gradients (an outer product) is not evaluated")
    if _is_gmat(a):
        return _settle_grad(Mat(np.einsum("ijk,jl->ilk", a.value, b.value), a.rows, b.cols))
    return _settle_grad(Mat(np.einsum("ij,jlk->ilk", a.value, b.value), a.rows, b.cols))


def _settle_grad(x: Mat) -> Any:
    from pgverify.notation.evaluate import GRAD_AXIS, Tensor

    if x.rows == "1" and x.cols == "1" and x.value.ndim == 3:
        return Tensor(x.value[0, 0, :], (GRAD_AXIS,))
    return x


def _dsum(a: Any, b: Any, sign: int) -> Any:
    from pgverify.notation.evaluate import _add as add, _neg

    if b is None:
        return a
    if a is None:
        return b if sign > 0 else (_neg(b) if _scalar(b) else Mat(-b.value, b.rows, b.cols))
    if _scalar(a) and _scalar(b):
        return add(a, _neg(b) if sign < 0 else b)
    if _scalar(a) or _scalar(b) or (a.rows, a.cols) != (b.rows, b.cols):
        raise _ill("a sum of derivatives of different shapes")
    return Mat(a.value + b.value if sign > 0 else a.value - b.value, a.rows, a.cols)


def _dleaf(node: Any, sc: Any) -> Any:
    """∇θ of a leaf of the matrix vocabulary."""
    from numeric.derivatives import grad_d, grad_P_pi, grad_w
    from pgverify.notation.evaluate import GRAD_AXIS, Tensor

    m = sc.model
    K = m.K

    def live(policy: Any, what: str) -> bool:
        pm, moves = _policy_handle(policy, sc, what)
        return moves and pm is m

    if isinstance(node, A.Sym):
        if node.name in ("start_distribution", "identity", "ones"):
            return None
        if node.name == "transition_matrix":
            if node.index is None or not live(node.index, "P_π"):
                return None
            return Mat(_array(grad_P_pi(m), m), "S", "S")
        if node.name == "policy_matrix":
            if not live(node.index, "M_π"):
                return None
            out = np.zeros((m.S, m.S * m.A, K), dtype=np.float64 if _is_float(m) else object)
            for s in range(m.S):
                for a in range(m.A):
                    out[s, s * m.A + a, :] = m.dpi[s, a, :]
            return Mat(out, "S", "SA")
        raise _not(f"∇θ of {_shown(node)}")
    if isinstance(node, A.Pow):  # ν̃_μ^π, d_μ^π
        if not live(node.exp, "the occupancy"):
            return None
        g = grad_w(m) if node.base.name == "discounted_visits" else grad_d(m)
        return Mat(_array(g, m)[None, :, :], "1", "S")
    if isinstance(node, A.Fn):
        if node.name == "r" and node.policy is None or node.name == "f":  # f: declared a function of s (s, a) only
            return None
        if not live(node.policy, f"the vector {node.name}"):
            return None
        if node.name == "r":  # r_π
            return Mat(_array(np.einsum("sak,sa->sk", m.dpi, m.r), m)[:, None, :], "S", "1")
        if node.name == "v":
            return Mat(_array(m.grad_v, m)[:, None, :], "S", "1")
        g = m.grad_q if node.name == "q" else m.grad_q - m.grad_v[:, None, :]
        return Mat(_array(g, m).reshape(m.S * m.A, 1, K), "SA", "1")
    if isinstance(node, A.Apply):  # J(π)
        return Tensor(m.grad_U, (GRAD_AXIS,)) if live(node.args[0], "the objective J") else None
    raise AssertionError(type(node).__name__)


def _derivative(node: Any, sc: Any) -> Any:
    """∇θ ``node`` (d/dx at the point: the same derivative, π_x the model's policy moving with θ)."""
    from pgverify.notation.evaluate import ZERO, _d, _mul

    m = sc.model
    if not mentions_matrix(node):
        d = _d(node, sc)
        return None if d is ZERO else d
    if isinstance(node, A.Pow) and isinstance(node.base, A.Sym) and node.base.name == "transition_matrix" and \
            node.base.index is None and isinstance(node.exp, A.Fn):  # ∇P^π = P ∇M_π
        evaluate_matrix(node, sc)
        return _times(_symbol(node.base, sc), _dleaf(A.Sym("policy_matrix", node.exp), sc), m)
    if isinstance(node, (A.Sym, A.Fn, A.Apply)) or (isinstance(node, A.Pow) and isinstance(node.base, A.Sym) and
                                                    node.base.name in ("discounted_visits", "occupancy_vector")):
        if isinstance(node, A.Sym) and node.name == "bellman":
            raise _not(f"∇θ of the operator {_shown(node)} unapplied")
        evaluate_matrix(node, sc)  # the value's checks (a policy of the model, a start distribution μ)
        return _dleaf(node, sc)
    if isinstance(node, (A.Add, A.Sub)):
        return _dsum(_derivative(node.left, sc), _derivative(node.right, sc), 1 if isinstance(node, A.Add) else -1)
    if isinstance(node, A.Neg):
        return _dsum(None, _derivative(node.operand, sc), -1)
    if isinstance(node, A.Mul):
        return _dproduct(node.factors, sc)
    if isinstance(node, A.Frac):
        if mentions_matrix(node.den) or _d(node.den, sc) is not ZERO:
            raise _not("∇θ of a quotient whose denominator depends on θ or is a matrix")
        from pgverify.notation.evaluate import ONE, _div

        return _times(_div(ONE, evaluate_matrix(node.den, sc)), _derivative(node.num, sc), m)
    if isinstance(node, A.Pow):
        if isinstance(node.exp, A.Sym) and node.exp.index is None and node.exp.name in ("transpose", "bellman"):
            d = _derivative(node.base, sc)
            if d is None or _scalar(d):
                return d
            return Mat(np.swapaxes(d.value, 0, 1), d.cols, d.rows)
        x = evaluate_matrix(node.base, sc)
        dx = _derivative(node.base, sc)
        from pgverify.notation.evaluate import _as_int, _ev

        if _scalar(x):
            if dx is None:
                return None
            k = _as_int(_ev(node.exp, sc), "an exponent under ∇θ")
            from pgverify.notation.evaluate import _const, _pow

            return _mul(_mul(_const(k), _pow(x, _const(k - 1))), dx)
        k = _as_int(_ev(node.exp, sc), "the exponent of a matrix under ∇θ")
        if dx is None:
            return None
        if k == -1:  # ∇(X⁻¹) = −X⁻¹ (∇X) X⁻¹
            inv = _inverse(x, m, node.base)
            return _dsum(None, _times(_times(inv, dx, m), inv, m), -1)
        if k < 0:
            raise _not("∇θ of a negative power of a matrix other than its inverse")
        total = None
        for j in range(k):  # Σ_j X^j (∇X) X^{k−1−j}
            total = _dsum(total, _times(_times(_power(x, j, m), dx, m), _power(x, k - 1 - j, m), m), 1)
        return total
    if isinstance(node, A.Grad):
        raise _not("a second derivative")
    if isinstance(node, A.Sum):
        raise _not("∇θ of a series of matrices (write the derivative of its closed form)")
    raise _not(f"∇θ of {type(node).__name__} in matrix notation")


def _dproduct(factors: tuple[Any, ...], sc: Any) -> Any:
    """∇θ of a product read right to left (operators applied), by the product rule."""
    m = sc.model
    if _is_d_dx(factors[0]) is not None:
        raise _not("a second derivative")
    index = None
    if len(factors) >= 2 and _is_index(factors[-1]):
        index, factors = factors[-1], factors[:-1]
    acc_v: Any = None
    acc_d: Any = None
    for f in reversed(factors):
        fv = evaluate_matrix(f, sc)
        if acc_v is None:
            acc_v, acc_d = fv, (None if isinstance(fv, _Operator) else _derivative(f, sc))
            continue
        if isinstance(fv, _Operator):  # T_π x = r_π + γP_π x:  ∇ = ∇r_π + γ(∇P_π x + P_π ∇x)
            pm, moves = _policy_handle(f.index, sc, "the Bellman operator T_π")
            moving = moves and pm is m
            P = Mat(_array(pm.P_pi, m), "S", "S")
            d = _dsum(None, _times(P, acc_d, m), 1) if acc_d is not None else None
            if moving:
                from numeric.derivatives import grad_P_pi

                dP = Mat(_array(grad_P_pi(m), m), "S", "S")
                d = _dsum(d, _times(dP, acc_v, m), 1)
            d = _times(_number(m.lam), d, m) if d is not None else None
            if moving:
                d = _dsum(_dleaf(A.Fn("r", policy=f.index), sc), d, 1)
            acc_v, acc_d = _apply_operator(fv, acc_v, m), d
            continue
        if isinstance(acc_v, _Operator):
            raise _not(f"the operator {acc_v.shown} is not applied to a vector")
        fd = _derivative(f, sc)
        acc_d = _dsum(_times(fd, acc_v, m) if fd is not None else None,
                      _times(fv, acc_d, m) if acc_d is not None else None, 1)
        acc_v = _matmul(fv, acc_v, m)
    if isinstance(acc_v, _Operator):
        raise _not(f"the operator {acc_v.shown} is not applied to a vector")
    if index is None or acc_d is None:
        return acc_d
    from pgverify.notation.evaluate import GRAD_AXIS, _ev, _gather

    if not (isinstance(acc_d, Mat) and (acc_d.rows, acc_d.cols) in (("S", "1"), ("1", "S"))):
        raise _not(f"(x)({_shown(index)}) of a {getattr(acc_d, 'shape', 'number')}: only a vector over states has "
                   "an entry per state")
    return _gather(acc_d.value.reshape(-1, acc_d.value.shape[-1]), [_ev(index, sc)], (GRAD_AXIS,))


def _number(c: Any) -> Any:
    from pgverify.notation.evaluate import Tensor

    return Tensor(c, ())


def _nonzero(d: Any, body: Any, sc: Any) -> Any:
    """A derivative, its zero (None) written out with the shape of ``body`` and the ∇θ axis."""
    if d is not None:
        return d
    from pgverify.notation.evaluate import GRAD_AXIS, Tensor

    m = sc.model
    value = evaluate_matrix(body, sc)
    zero = 0.0 if _is_float(m) else 0
    if _scalar(value):
        if value.axes:
            raise _not("a zero gradient of a number that depends on an index")
        return Tensor(np.full(m.K, zero, dtype=np.float64 if _is_float(m) else object), (GRAD_AXIS,))
    if not isinstance(value, Mat):
        raise _not("∇θ of I or 𝟏 whose size is not fixed")
    return Mat(np.full(value.value.shape + (m.K,), zero, dtype=np.float64 if _is_float(m) else object),
               value.rows, value.cols)


def matrix_gradient(node: Any, sc: Any) -> Any:
    """∇θ ``node`` as a Tensor (the dispatch of :func:`pgverify.notation.evaluate._d`)."""
    from pgverify.notation.evaluate import ZERO

    d = _derivative(node, sc)
    return ZERO if d is None else as_tensor(d)
