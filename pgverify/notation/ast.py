"""The typed AST of the policy-gradient vocabulary: what a displayed line *means*.

Every node is a frozen dataclass; equality ignores positions.  ``pos`` (keyword
only, on every node) is where the node starts in the source file, 1-based
``Pos(line, column)``; nodes built in Python (:mod:`pgverify.notation.builder`)
have ``pos=None``.  The tree is profile-neutral: the post's ``\\lambda`` and a
textbook's ``\\gamma`` are both ``Sym("discount")``, ``v`` and ``V`` both
``Fn("v")``; time indices are kept as written (the profile says whether time
starts at 0 or 1).

Expressions (``Expr``)
    ``Num(value)``            an integer literal; ``Infinity()`` is ∞.
    ``Sym(name, index)``      a constant of the vocabulary: ``discount`` (λ/γ), ``theta``, ``T`` (horizon),
                              ``s0`` (the initial state s⁰), and a profile's extra constants (σ, μ, N, α, η, ω,
                              ω̂, ĝ, δθ, …), optionally indexed (θ_t, ĝ_n); ``theta'`` is θ', the parameter of
                              a second policy π' (``Fn("pi", primes=1)``).
    ``Var(name, sort)``       an index or bound variable: sort ∈ :data:`SORTS` (``t``/``k`` time, ``s``/``s'``
                              states, ``a``/``a'`` actions, ``τ`` trajectory, ``n`` roll-out, ``x`` real).
    ``At(name, time, sample)`` a coordinate of the trajectory: s_t, a_t, r_k (reward), b_t (baseline), s_t^n.
    ``Return(kind, traj, time)`` R_τ (``kind="R"``, also written R(τ)) and G_τ^t (``kind="G"``); G_n^t for roll-out n.
    ``Space(name)``           𝒮, 𝒜, ℝ, ℕ (``"S"``, ``"A"``, ``"R"``, ``"N"``).
    ``Fn(name, …)``           a function of the vocabulary, unapplied, with its decorations: ``v``, ``q``, ``A``
                              (values: ``discount``, ``policy``), ``d``/``mu`` (occupancy / on-policy distribution),
                              ``pi`` (``param``: θ, θ_t, θ_t+δθ, or a round index), ``P`` (kernel 𝒫_s^a:
                              ``state``, ``action``), ``Pr`` (ℙ_{s}^{π}: ``state`` = start, ``policy``), ``Traj``
                              (𝒯_θ: ``param``), ``U``/``J``/``rho`` (objectives), ``r``, ``b`` (``param``: ω),
                              ``f``, ``Normal`` (𝒩).
    ``Apply(fn, args, given)`` fn(args | given): π_θ(a|s) is ``Apply(Fn("pi", param=θ), (a,), (s,))``,
                              π_θ(s) (deterministic) ``Apply(…, (s,), ())``; ℙ(s_T = s | s_1) has events as args.
    ``Blank()``               the ``\\cdot`` placeholder of π(·|s).  ``Dots()`` is ``\\ldots`` in an argument list.
    ``Add(left, right)``, ``Sub(left, right)``, ``Neg(operand)``, ``Mul(factors)`` (juxtaposition, flat, ≥ 2),
    ``Dot(left, right)`` (``\\cdot``, a Jacobian/vector product), ``Frac(num, den)``, ``Pow(base, exp)``,
    ``Log(arg)`` (``\\log`` or ``\\ln``, as the profile writes it).
    ``Grad(wrt, body)``       ∇_wrt body (∇_θ, ∇_a, ∇_μ).  Binds nothing: ∇_a q(s, a) is a function of a.
    ``EvalAt(body, var, value)`` ``\\left. body \\right|_{var=value}``; binds ``var`` in ``body``.
    ``Sum(indices, body, lower, upper, domain)`` and ``Prod(…)``: Σ/Π over ``indices`` (Var, ≥ 1), with
                              ``lower``/``upper`` bounds or a ``domain`` (𝒮, 𝒜); Σ_τ has neither.
    ``Expect(body, var, dist, given, start, policy)``: 𝔼_{var∼dist}[body | given] (τ∼𝒯_θ, a∼π_θ(·|s), s∼d,
                              s'∼𝒫_s^a, x∼𝒩(μ,σ²)); 𝔼_s^π[body] has ``start`` and ``policy`` instead of a var.
                              ``given`` items are events (``Rel``) or conditioning variables (s_t, a_t).
    ``Indicator(cond)``       𝟙[cond].
    ``Opt(op, body, indices, domain)``: ``op`` ∈ min, max, argmin, argmax.
    ``Rel(op, left, right)``  an event or condition inside an expression: s_t = s, s ∈ 𝒮, k < t, τ ∼ 𝒯_θ.

Statements
    ``Step(rel, rhs, label)`` one relation of a display (``rel`` ∈ :data:`RELATIONS`; ``label`` the ``(i)`` of
                              ``\\overset{(i)}{=}``).
    ``Row(lhs, steps)``       one displayed line: ``lhs`` is None for a continuation row ``&= …``.
    ``Chain(rows)``           a whole display.  ``Chain.steps()`` gives every (left, Step) pair in order: each
                              relation between consecutive sides is a step.  A display with no relation at all
                              (it stops after its first side) has no steps and is ill-formed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Iterator, Union

__all__ = ["Pos", "Node", "Expr", "Num", "Infinity", "Sym", "Var", "At", "Return", "Space", "Fn", "Apply", "Blank",
           "Dots", "Add", "Sub", "Neg", "Mul", "Dot", "Frac", "Pow", "Log", "Grad", "EvalAt", "Sum", "Prod", "Expect",
           "Indicator", "Opt", "Rel", "Step", "Row", "Chain", "SORTS", "RELATIONS", "FUNCTIONS", "children", "lift"]

#: Sorts of index variables.
SORTS = ("time", "state", "action", "trajectory", "sample", "real")

#: Relations a display may assert between consecutive sides.  ``def`` is ``:=``, ``propto`` ∝, ``assign`` ←
#: (pseudo-code), ``in`` ∈.
RELATIONS = ("=", "def", "<", ">", "<=", ">=", "propto", "assign", "in")

#: Canonical names of the vocabulary's functions (``Fn.name``).
FUNCTIONS = ("v", "q", "A", "d", "mu", "pi", "P", "Pr", "Traj", "U", "J", "rho", "r", "b", "f", "Normal", "init", "eta")


@dataclass(frozen=True)
class Pos:
    """A place in the source file: 1-based line and column."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"


@dataclass(frozen=True)
class Node:
    """Base of every AST node.  ``pos`` is not part of equality.

    Python operators build the nodes the parser builds (``x + y`` is ``Add``, ``x * y`` a flat ``Mul``,
    ``x / y`` ``Frac``, ``x ** y`` ``Pow``, ``-x`` ``Neg``, ``x @ y`` ``Dot``; integers become ``Num``).
    """

    pos: Pos | None = field(default=None, compare=False, repr=False, kw_only=True)

    def __add__(self, o: Any) -> "Add":
        return Add(self, lift(o))

    def __radd__(self, o: Any) -> "Add":
        return Add(lift(o), self)

    def __sub__(self, o: Any) -> "Sub":
        return Sub(self, lift(o))

    def __rsub__(self, o: Any) -> "Sub":
        return Sub(lift(o), self)

    def __mul__(self, o: Any) -> "Mul":
        return _mul(self, lift(o))

    def __rmul__(self, o: Any) -> "Mul":
        return _mul(lift(o), self)

    def __truediv__(self, o: Any) -> "Frac":
        return Frac(self, lift(o))

    def __rtruediv__(self, o: Any) -> "Frac":
        return Frac(lift(o), self)

    def __pow__(self, o: Any) -> "Pow":
        return Pow(self, lift(o))

    def __neg__(self) -> "Neg":
        return Neg(self)

    def __matmul__(self, o: Any) -> "Dot":
        return Dot(self, lift(o))


def lift(x: Any) -> "Node":
    """``x`` as an AST node: integers become ``Num`` (negative ones ``Neg(Num)``, as the parser reads ``-1``)."""
    if isinstance(x, Node):
        return x
    if isinstance(x, int) and not isinstance(x, bool):
        return Num(x) if x >= 0 else Neg(Num(-x))
    raise TypeError(f"expected an int or an AST node, got {type(x).__name__}: {x!r}")


def _mul(x: "Node", y: "Node") -> "Mul":
    return Mul((x.factors if isinstance(x, Mul) else (x,)) + (y.factors if isinstance(y, Mul) else (y,)))


@dataclass(frozen=True)
class Num(Node):
    """An integer literal (negative numbers are ``Neg(Num)``)."""

    value: int


@dataclass(frozen=True)
class Infinity(Node):
    """∞ (``\\infty``), as an upper bound."""



@dataclass(frozen=True)
class Sym(Node):
    """A constant of the vocabulary (``discount``, ``theta``, ``T``, ``s0``, a profile's extras), optionally indexed."""

    name: str
    index: "Expr | None" = None


@dataclass(frozen=True)
class Var(Node):
    """An index or bound variable of a sort in :data:`SORTS` (``name`` is its LaTeX: ``s'``, ``\\tau``)."""

    name: str
    sort: str

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise ValueError(f"Var sort={self.sort!r} is not one of {SORTS}")


@dataclass(frozen=True)
class At(Node):
    """A coordinate of the trajectory at ``time``: s_t, a_t, r_k, b_t; ``sample`` is a roll-out index (s_t^n)."""

    name: str
    time: "Expr"
    sample: "Expr | None" = None


@dataclass(frozen=True)
class Return(Node):
    """R_τ (``kind='R'``) or G_τ^t (``kind='G'``, ``time`` t) of trajectory (or roll-out) ``traj``."""

    kind: str
    traj: "Expr"
    time: "Expr | None" = None


@dataclass(frozen=True)
class Space(Node):
    """A set: 𝒮 (``'S'``), 𝒜 (``'A'``), ℝ, ℕ."""

    name: str


@dataclass(frozen=True)
class Fn(Node):
    """A vocabulary function (``name`` in :data:`FUNCTIONS`) with its decorations, unapplied.

    ``primes``: π' (``primes=1``) is a second policy, as θ' (``Sym("theta'")``) is a second parameter.
    """

    name: str
    discount: "Expr | None" = None
    policy: "Expr | None" = None
    param: "Expr | None" = None
    state: "Expr | None" = None
    action: "Expr | None" = None
    primes: int = 0


@dataclass(frozen=True)
class Apply(Node):
    """``fn(args | given)``; policies, kernels and probabilities in canonical form (π(a|s), 𝒫_s^a(s'))."""

    fn: Fn
    args: "tuple[Expr, ...]"
    given: "tuple[Expr, ...]" = ()


@dataclass(frozen=True)
class Blank(Node):
    """The ``\\cdot`` placeholder of π_θ(·|s)."""



@dataclass(frozen=True)
class Dots(Node):
    """``\\ldots`` inside an argument list (an elided sequence, kept as written)."""



@dataclass(frozen=True)
class Add(Node):
    """``left + right``."""

    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class Sub(Node):
    """``left - right``."""

    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class Neg(Node):
    """``-operand``."""

    operand: "Expr"


@dataclass(frozen=True)
class Mul(Node):
    """A product by juxtaposition: ≥ 2 factors, none of them a ``Mul``."""

    factors: "tuple[Expr, ...]"


@dataclass(frozen=True)
class Dot(Node):
    """``left \\cdot right``: a Jacobian/vector product (∇_θ π_θ(s) · ∇_a q)."""

    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class Frac(Node):
    """``\\frac{num}{den}`` (also ``num / den``)."""

    num: "Expr"
    den: "Expr"


@dataclass(frozen=True)
class Pow(Node):
    """``base^{exp}``."""

    base: "Expr"
    exp: "Expr"


@dataclass(frozen=True)
class Log(Node):
    """The natural logarithm (``\\log`` or ``\\ln``)."""

    arg: "Expr"


@dataclass(frozen=True)
class Grad(Node):
    """∇_wrt body (binds nothing)."""

    wrt: "Expr"
    body: "Expr"


@dataclass(frozen=True)
class EvalAt(Node):
    """``\\left. body \\right|_{var=value}``: binds ``var`` in ``body``."""

    body: "Expr"
    var: "Expr"
    value: "Expr"


@dataclass(frozen=True)
class Sum(Node):
    """Σ over ``indices`` with ``lower``/``upper`` bounds, or over a ``domain``; binds the indices in ``body``."""

    indices: "tuple[Var, ...]"
    body: "Expr"
    lower: "Expr | None" = None
    upper: "Expr | None" = None
    domain: "Expr | None" = None


@dataclass(frozen=True)
class Prod(Node):
    """Π, like :class:`Sum`."""

    indices: "tuple[Var, ...]"
    body: "Expr"
    lower: "Expr | None" = None
    upper: "Expr | None" = None
    domain: "Expr | None" = None


@dataclass(frozen=True)
class Expect(Node):
    """𝔼_{var∼dist}[body | given], or 𝔼_{start}^{policy}[body] (over trajectories), or 𝔼[body]."""

    body: "Expr"
    var: "Expr | None" = None
    dist: "Expr | None" = None
    given: "tuple[Expr, ...]" = ()
    start: "Expr | None" = None
    policy: "Expr | None" = None


@dataclass(frozen=True)
class Indicator(Node):
    """𝟙[cond]."""

    cond: "Expr"


@dataclass(frozen=True)
class Opt(Node):
    """min / max / argmin / argmax of ``body`` over ``indices`` (in ``domain``)."""

    op: str
    body: "Expr"
    indices: "tuple[Var, ...]" = ()
    domain: "Expr | None" = None


@dataclass(frozen=True)
class Rel(Node):
    """A relation inside an expression: an event (s_t = s), a condition (k < t), a binding (τ ∼ 𝒯_θ)."""

    op: str
    left: "Expr"
    right: "Expr"


Expr = Union[Num, Infinity, Sym, Var, At, Return, Space, Fn, Apply, Blank, Dots, Add, Sub, Neg, Mul, Dot, Frac, Pow,
             Log, Grad, EvalAt, Sum, Prod, Expect, Indicator, Opt, Rel]


@dataclass(frozen=True)
class Step(Node):
    """One relation of a display and its right side; ``label`` is the ``(i)`` of ``\\overset{(i)}{=}``."""

    rel: str
    rhs: "Expr"
    label: str | None = None

    def __post_init__(self) -> None:
        if self.rel not in RELATIONS:
            raise ValueError(f"Step rel={self.rel!r} is not one of {RELATIONS}")


@dataclass(frozen=True)
class Row(Node):
    """One displayed line; ``lhs`` is None for a continuation row (``&= …``)."""

    lhs: "Expr | None"
    steps: "tuple[Step, ...]" = ()


@dataclass(frozen=True)
class Chain(Node):
    """A whole display: its rows in order."""

    rows: "tuple[Row, ...]"

    def steps(self) -> Iterator[tuple["Expr", Step]]:
        """(left side, step) for every relation, in display order; a row with its own left side restarts."""
        left: Expr | None = None
        for row in self.rows:
            if row.lhs is not None:
                left = row.lhs
            for step in row.steps:
                if left is None:
                    raise ValueError("a continuation row has no left side before it")
                yield left, step
                left = step.rhs

    @property
    def first(self) -> "Expr | None":
        return self.rows[0].lhs if self.rows else None


def children(node: Node) -> Iterator[Node]:
    """The direct sub-nodes of ``node`` (in field order; tuples flattened)."""
    for f in fields(node):
        if f.name == "pos":
            continue
        value = getattr(node, f.name)
        if isinstance(value, Node):
            yield value
        elif isinstance(value, tuple):
            yield from (v for v in value if isinstance(v, Node))
