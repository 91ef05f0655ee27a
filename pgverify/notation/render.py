"""AST → canonical LaTeX, in a profile's notation (what the reader understood, shown back).

The rendering is canonical (one way to write each node, ``\\left(`` … ``\\right)``
wherever grouping is needed) and reads back to the same AST:
``parse(render_latex(x)) == x`` for every AST the reader can produce.

>>> from pgverify.notation.latex import parse_display
>>> render_latex(parse_display(r"\\nabla\\_\\theta U(\\theta) = \\sum_{s\\in\\mathcal{S}} d(s)".replace("\\\\_", "_")))
'\\\\nabla_\\\\theta U(\\\\theta) = \\\\sum_{s \\\\in \\\\mathcal{S}} d(s)'
"""

from __future__ import annotations

import re
from typing import Any

from pgverify.notation import ast as A
from pgverify.notation.profiles import Profile, load_profile

__all__ = ["render_latex", "shown", "REL_LATEX", "DEFAULT_FUNCTIONS", "DEFAULT_SYMBOLS", "DEFAULT_SPACES"]

#: How each relation is written.
REL_LATEX = {"=": "=", "def": ":=", "<": "<", ">": ">", "<=": "\\leq", ">=": "\\geq", "propto": "\\propto",
             "assign": "\\leftarrow", "in": "\\in", "sim": "\\sim"}

#: How a function or constant is written when the profile has no name for it (the render may then not read back in
#: that profile: the reader reports the name as unsupported, never guesses).
DEFAULT_FUNCTIONS = {"v": "v", "q": "q", "A": "A", "d": "d", "mu": "\\mu", "pi": "\\pi", "P": "\\mathcal{P}",
                     "Pr": "\\mathbb{P}", "Traj": "\\mathcal{T}", "U": "U", "J": "J", "rho": "\\rho", "r": "r",
                     "b": "b", "f": "f", "Normal": "\\mathcal{N}", "R": "R", "G": "G"}
DEFAULT_SYMBOLS = {"discount": "\\lambda", "theta": "\\theta", "T": "T", "s0": "s^0", "N": "N", "sigma": "\\sigma",
                   "mu": "\\mu", "alpha": "\\alpha", "eta": "\\eta", "omega": "\\omega", "omega_hat": "\\hat{\\omega}",
                   "g_hat": "\\hat{g}", "delta_theta": "\\delta\\theta", "kappa": "\\kappa"}
#: The matrix vocabulary (:mod:`pgverify.notation.matrices`), as the theory profile writes it.
DEFAULT_SYMBOLS.update({"start_distribution": "\\mu", "transition_matrix": "P", "identity": "I", "ones": "\\mathbf{1}",
                        "transpose": "\\top", "bellman": "T", "policy_matrix": "M", "discounted_visits": "\\tilde{\\nu}",
                        "occupancy_vector": "d"})
DEFAULT_SPACES = {"S": "\\mathcal{S}", "A": "\\mathcal{A}", "R": "\\mathbb{R}", "N": "\\mathbb{N}"}

_SIMPLE = re.compile(r"^(?:[A-Za-z0-9]|\\[A-Za-z]+)$")


def _script(s: str) -> str:
    return s if _SIMPLE.match(s) else "{" + s + "}"


class _Renderer:
    def __init__(self, profile: Profile) -> None:
        self.p = profile

    def __call__(self, x: Any) -> str:
        return getattr(self, "r_" + type(x).__name__)(x)

    # ---- leaves
    def r_Num(self, x: A.Num) -> str:
        return str(x.value)

    def r_Infinity(self, x: A.Infinity) -> str:
        return "\\infty"

    def r_Sym(self, x: A.Sym) -> str:
        name = x.name.rstrip("'")
        base = (self.p.latex_of_symbol(name) or DEFAULT_SYMBOLS.get(name, name)) + x.name[len(name):]
        return base if x.index is None else f"{base}_{_script(self(x.index))}"

    def r_Pair(self, x: Any) -> str:  # θ_{s,a} (pgverify.notation.trajectories)
        return f"{self(x.state)}, {self(x.action)}"

    def r_Var(self, x: A.Var) -> str:
        return x.name

    def r_At(self, x: A.At) -> str:
        base = (self.p.latex_of_function(x.name) or DEFAULT_FUNCTIONS.get(x.name)) if x.name in ("r", "b") else x.name
        out = f"{base or x.name}_{_script(self(x.time))}"
        return out if x.sample is None else f"{out}^{_script(self(x.sample))}"

    def r_Return(self, x: A.Return) -> str:
        base = self.p.latex_of_function(x.kind) or DEFAULT_FUNCTIONS[x.kind]
        out = f"{base}_{_script(self(x.traj))}"
        return out if x.time is None else f"{out}^{_script(self(x.time))}"

    def r_Space(self, x: A.Space) -> str:
        return self.p.latex_of_space(x.name) or DEFAULT_SPACES.get(x.name, x.name)

    def r_Blank(self, x: A.Blank) -> str:
        return "\\cdot"

    def r_Dots(self, x: A.Dots) -> str:
        return "\\ldots"

    def r_Fn(self, x: A.Fn) -> str:
        base = (self.p.latex_of_function(x.name) or DEFAULT_FUNCTIONS.get(x.name, x.name)) + "'" * x.primes
        if x.name in ("v", "q", "A", "d", "mu"):
            sub, sup = x.discount, x.policy
        elif x.name in ("P",):
            sub, sup = x.state, x.action
        elif x.name == "Pr":
            sub, sup = x.state, x.policy
        elif x.name == "r" and x.policy is not None:  # r_π, the reward vector of π (matrix notation)
            sub, sup = x.policy, None
        else:
            sub, sup = x.param, None
        out = base
        if sub is not None:
            out += "_" + _script(self(sub))
        if sup is not None:
            out += "^" + _script(self(sup))
        return out

    def r_Apply(self, x: A.Apply) -> str:
        if x.fn.name == "P" and self.p.kernel_form == "given" and x.fn.state is not None and not x.given:
            base = self.p.latex_of_function("P") or DEFAULT_FUNCTIONS["P"]
            return f"{base}({', '.join(self(a) for a in x.args)} \\vert {self(x.fn.state)}, {self(x.fn.action)})"
        args = ", ".join(self.item(a) for a in x.args)
        if x.given:
            args += " \\vert " + ", ".join(self.item(a) for a in x.given)
        return f"{self(x.fn)}({args})"

    def item(self, x: Any) -> str:
        return self(x)

    def r_Rel(self, x: A.Rel) -> str:
        return f"{self(x.left)} {REL_LATEX[x.op]} {self(x.right)}"

    # ---- arithmetic
    @staticmethod
    def paren(s: str) -> str:
        return f"\\left({s}\\right)"

    def r_Add(self, x: A.Add) -> str:
        return f"{self.left(x.left)} + {self.right(x.right)}"

    def r_Sub(self, x: A.Sub) -> str:
        return f"{self.left(x.left)} - {self.right(x.right)}"

    def left(self, x: Any) -> str:
        return self.paren(self(x)) if isinstance(x, (A.Rel,)) else self(x)

    def right(self, x: Any) -> str:
        return self.paren(self(x)) if isinstance(x, (A.Add, A.Sub, A.Neg, A.Rel)) else self(x)

    def r_Neg(self, x: A.Neg) -> str:
        return "-" + (self.paren(self(x.operand)) if isinstance(x.operand, (A.Add, A.Sub, A.Neg, A.Rel))
                      else self(x.operand))

    def r_Mul(self, x: A.Mul) -> str:
        parts = [self.factor(f, k == len(x.factors) - 1) for k, f in enumerate(x.factors)]
        for k in range(len(parts) - 1):
            # a bare name before a parenthesis would read as an application where another profile has that
            # function (μ(s)): group the name
            if isinstance(x.factors[k], (A.Sym, A.Var)) and parts[k + 1].startswith("\\left(") \
                    and "_" not in parts[k] and "^" not in parts[k]:
                parts[k] = "{" + parts[k] + "}"
        return " ".join(parts)

    def factor(self, f: Any, last: bool) -> str:
        """A factor of a product: grouped when it would otherwise read differently."""
        if isinstance(f, (A.Add, A.Sub, A.Neg, A.Rel, A.Mul)) or (isinstance(f, A.Dot) and not last) \
                or (not last and _is_big(f)):
            return self.paren(self(f))
        if isinstance(f, A.Fn) and not last:
            return self.paren(self(f))
        return self(f)

    def r_Dot(self, x: A.Dot) -> str:
        left = self.paren(self(x.left)) if not _is_unary(x.left) else self(x.left)
        right = self.paren(self(x.right)) if isinstance(x.right, (A.Add, A.Sub, A.Neg, A.Rel)) else self(x.right)
        return f"{left} \\cdot {right}"

    def r_Frac(self, x: A.Frac) -> str:
        return f"\\frac{{{self(x.num)}}}{{{self(x.den)}}}"

    def r_Pow(self, x: A.Pow) -> str:
        b = x.base
        simple = (isinstance(b, A.Sym) and "^" not in self(b)) \
            or (isinstance(b, A.Var) and b.sort == "real") or isinstance(b, A.Apply)
        base = self(b) if simple else self.paren(self(b))
        return f"{base}^{{{self(x.exp)}}}"

    def r_Log(self, x: A.Log) -> str:
        # a bare name or number after \log is ambiguous when a factor follows: always bracket it
        bare = isinstance(x.arg, (A.Num, A.Infinity, A.Sym, A.Var, A.At, A.Return, A.Space, A.Pow))
        arg = self(x.arg) if _is_unary(x.arg) and not bare else self.paren(self(x.arg))
        return f"{self.p.log} {arg}" if not arg.startswith("\\") else f"{self.p.log}{arg}"

    def r_Grad(self, x: A.Grad) -> str:
        body = self(x.body) if (_is_unary(x.body) or _is_big(x.body)) else self.paren(self(x.body))
        return f"\\nabla_{_script(self(x.wrt))} {body}"

    def r_EvalAt(self, x: A.EvalAt) -> str:
        return f"\\left.{self(x.body)}\\right|_{{{self(x.var)}={self(x.value)}}}"

    # ---- binders
    def limits(self, x: Any) -> str:
        idx = ", ".join(self(i) for i in x.indices)
        if getattr(x, "lower", None) is not None:
            sub = f"{idx}={self(x.lower)}"
        elif x.domain is not None:
            sub = f"{idx} \\in {self(x.domain)}"
        else:
            sub = idx
        out = "_" + _script(sub) if sub else ""
        if getattr(x, "upper", None) is not None:
            out += "^" + _script(self(x.upper))
        return out

    def body(self, b: Any) -> str:
        return self.paren(self(b)) if isinstance(b, (A.Add, A.Sub, A.Neg, A.Rel)) else self(b)

    def r_Sum(self, x: A.Sum) -> str:
        return f"\\sum{self.limits(x)} {self.body(x.body)}"

    def r_Prod(self, x: A.Prod) -> str:
        return f"\\prod{self.limits(x)} {self.body(x.body)}"

    def r_Opt(self, x: A.Opt) -> str:
        return f"\\{x.op}{self.limits(x)} {self.body(x.body)}"

    def r_Expect(self, x: A.Expect) -> str:
        out = "\\mathbb{E}"
        if x.var is not None:
            out += "_{" + f"{self(x.var)} \\sim {self(x.dist)}" + "}"
        elif x.start is not None:
            out += "_" + _script(self(x.start))
            if x.policy is not None:
                out += "^" + _script(self(x.policy))
        inner = self(x.body)
        if x.given:
            inner += " \\middle\\vert " + ", ".join(self(g) for g in x.given)
        return f"{out}\\left[{inner}\\right]"

    def r_Indicator(self, x: A.Indicator) -> str:
        return f"\\mathbf{{1}}\\left[{self(x.cond)}\\right]"

    # ---- statements
    def r_Step(self, x: A.Step) -> str:
        rel = REL_LATEX[x.rel]
        if x.label:
            words = re.search(r"[A-Za-z]{2,}", x.label) and not x.label.startswith("\\") and \
                not re.fullmatch(r"\(?[ivxlcdmIVXLCDM]+\)?", x.label)  # a margin's text, not (ii)
            label = "\\text{" + x.label + "}" if words else x.label
            rel = f"\\overset{{{label}}}{{{rel}}}"
        return f"{rel} {self(x.rhs)}"

    def row(self, x: A.Row, align: bool) -> str:
        parts = [] if x.lhs is None else [self(x.lhs)]
        for k, s in enumerate(x.steps):
            parts.append(("&" if align and k == 0 else "") + self(s))
        return " ".join(parts)

    def r_Row(self, x: A.Row) -> str:
        return self.row(x, align=False)

    def r_Chain(self, x: A.Chain) -> str:
        if len(x.rows) == 1:
            return self.row(x.rows[0], align=False)
        return "\\begin{aligned}\n" + " \\\\\n".join(self.row(r, align=True) for r in x.rows) + "\n\\end{aligned}"


def _is_big(x: Any) -> bool:
    return isinstance(x, (A.Sum, A.Prod, A.Opt)) or (isinstance(x, A.Grad) and _is_big(x.body))


def _is_unary(x: Any) -> bool:
    """Renders as one factor that a following factor cannot extend."""
    if isinstance(x, (A.Num, A.Infinity, A.Sym, A.Var, A.At, A.Return, A.Space, A.Apply, A.Blank, A.Dots,
                      A.Frac, A.Expect, A.Indicator, A.EvalAt)):
        return True
    if isinstance(x, A.Pow):
        return True
    if isinstance(x, (A.Log, A.Grad)):
        return _is_unary(x.arg if isinstance(x, A.Log) else x.body)
    if isinstance(x, A.Fn):
        return True
    return False


def render_latex(node: Any, *, profile: "Profile | str" = "post") -> str:
    """``node`` (an expression, a row, a chain) as canonical LaTeX in ``profile``'s notation."""
    if not isinstance(node, A.Node):
        raise TypeError(f"render_latex expects an AST node, got {type(node).__name__}: {node!r}")
    return _Renderer(load_profile(profile))(node)


def shown(node: Any, *, profile: "Profile | str" = "post") -> str:
    """``node`` in LaTeX for a message or a label; its class name where it cannot be rendered (a label only:
    rendering must never cost the verdict it describes).

    >>> from pgverify.notation import parse
    >>> shown(parse(r"v(s) = \\sum_a q(s, a)").first), shown(object())
    ('v(s)', 'object')
    """
    try:
        return render_latex(node, profile=profile)
    except Exception:  # noqa: BLE001 - a label only
        return type(node).__name__
