"""Your own derivations, checked like the catalogue's claims.

A derivation is a function of a model ``m`` (:class:`numeric.Model`: ``m.P[s,a,s']``,
``m.r[s,a]``, ``m.lam``, ``m.pi``, ``m.dpi``, ``m.score``, ``m.v``, ``m.q``,
``m.d``, ``m.U``, ``m.grad_U``, …) that *yields* the displayed lines of a
chain L₁ = L₂ = … = L_n in order, each written once in NumPy syntax.  The
checker evaluates it symbolically, exactly at random points and in float64 on
Hypothesis-drawn MDPs (:mod:`pgverify.checker`), exactly as it checks the
catalogue.  Every ``=`` between two consecutive lines is a step; the result
names the first failing step, gives the smallest counterexample Hypothesis
finds, and renders both sides of that step in LaTeX.  A single identity is a
two-line derivation (or ``return pgverify.identity(lhs, rhs)``).

>>> import numpy as np
>>> @derivation("value is the discounted occupancy times the reward")
... def value_by_occupancy(m):
...     yield m.U
...     yield m.d @ m.r_pi / (1 - m.lam)
>>> verify(value_by_occupancy, Settings(numeric_examples=10)).verdict
'proved'

A line that raises, or whose shape differs from the line before it, is a
mistake in the definition, not in the mathematics: :class:`DerivationError`
names the file, the derivation and the step.
"""

from __future__ import annotations

import importlib.util
import numbers
import sys
import traceback
import weakref
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np

from numeric.arithmetic import Degree
from numeric.errors import InexactOperandError, PGVerifyError
from numeric.model import Model
from pgverify.checker import ClaimResult, check_claim, evaluate_chain
from pgverify.settings import Settings
from pgverify.families import FAMILIES, get_family
from pgverify.registry import METHODS, Claim
from pgverify.statement import RELATIONS, Chain, Step
from symbolic.field import Rat
from symbolic.flint_field import Frac

if TYPE_CHECKING:
    from pgverify.output.report import Run

__all__ = ["Derivation", "DerivationError", "InvalidDerivationError", "DerivationResult", "derivation", "verify",
           "load_derivations", "verify_file", "LATEX_LIMIT", "LATEX_TERMS"]

#: The longest LaTeX rendering of one side of a failing step shown in full (characters).
LATEX_LIMIT = 600

#: A symbolic difference with more terms (numerator plus denominator) is described, not
#: converted to LaTeX: converting rational functions of thousands of terms takes minutes.
LATEX_TERMS = 60

#: Chains already evaluated on a symbolic model (they cost seconds): the LaTeX of a failing
#: step reuses the checker's evaluation.
_SYMBOLIC_CHAINS: "weakref.WeakKeyDictionary[Model, dict[Derivation, Chain]]" = weakref.WeakKeyDictionary()


class DerivationError(PGVerifyError):
    """A derivation's definition is broken: a file that does not import, a line that raises or has the wrong shape."""


class InvalidDerivationError(PGVerifyError, ValueError):
    """A bad argument to :func:`derivation` (an unknown family or method, a relation, …)."""


@dataclass(frozen=True)
class Derivation:
    """A user's chain of displayed lines L₁ ∼ L₂ ∼ … (∼ one of ``=, <=, >=, <, >``), see the module docstring.

    ``lines(m)`` yields the lines (or returns a :class:`~pgverify.statement.Chain`);
    ``steps`` labels the steps between consecutive lines (``None``: "line i = line i+1");
    ``relations`` is one relation for all steps or one per step.
    """

    name: str
    lines: Callable[[Model], Any]
    steps: tuple[str, ...] | None = None
    relations: str | tuple[str, ...] = "="
    families: tuple[str, ...] = ("tabular-softmax",)
    methods: tuple[str, ...] = METHODS
    statement: str = ""

    @property
    def source(self) -> str:
        """Where the lines are defined, ``file:line``."""
        code = getattr(self.lines, "__code__", None)
        return f"{code.co_filename}:{code.co_firstlineno}" if code else repr(self.lines)

    def _where(self) -> str:
        code = getattr(self.lines, "__code__", None)
        return f"{Path(code.co_filename).name}: " if code else ""

    def _label(self, i: int) -> str:
        if self.steps is not None and i < len(self.steps):
            return self.steps[i]
        rel = self.relations if isinstance(self.relations, str) else (
            self.relations[i] if i < len(self.relations) else "=")
        return f"line {i + 1} {rel} line {i + 2}"

    def evaluate(self, m: Model) -> Chain:
        """The chain of this derivation on ``m``; raises :class:`DerivationError` naming the step at fault."""
        if m.arithmetic.name != "symbolic":
            return self._evaluate(m)
        cache = _SYMBOLIC_CHAINS.setdefault(m, {})
        if self not in cache:
            cache[self] = self._evaluate(m)
        return cache[self]

    def _evaluate(self, m: Model) -> Chain:
        try:
            out = self.lines(m)
        except Exception as exc:
            raise self._error(exc, "while building its lines (before the first line)") from exc
        if isinstance(out, Chain):
            self._check_shapes([(s.label, s.lhs, s.rhs) for s in out.steps])
            return out
        if not isinstance(out, Iterable) or isinstance(out, (str, bytes, np.ndarray)):
            raise DerivationError(f"{self._where()}derivation {self.name!r} returned {type(out).__name__}: "
                                  "yield its lines in order (a generator), or return pgverify.chain(...) or "
                                  "pgverify.identity(lhs, rhs)")
        lines: list[Any] = []
        it = iter(out)
        while True:
            try:
                line = next(it)
            except StopIteration:
                break
            except Exception as exc:
                raise self._error(exc, f"while computing line {len(lines) + 1}{self._side(len(lines))}") from exc
            lines.append(self._value(line, len(lines)))
        n = len(lines) - 1
        if n < 1:
            raise DerivationError(f"{self._where()}derivation {self.name!r} yielded {len(lines)} line(s): "
                                  "a derivation needs at least two lines")
        if self.steps is not None and len(self.steps) != n:
            raise DerivationError(f"{self._where()}derivation {self.name!r} yielded {n + 1} lines, so {n} steps, "
                                  f"but steps= names {len(self.steps)}: {self.steps!r}")
        rels = (self.relations,) * n if isinstance(self.relations, str) else self.relations
        if len(rels) != n:
            raise DerivationError(f"{self._where()}derivation {self.name!r} yielded {n + 1} lines, so {n} steps, "
                                  f"but relations= gives {len(rels)}: {rels!r}")
        chain = Chain(tuple(Step(self._label(i), lines[i], rels[i], lines[i + 1]) for i in range(n)))
        self._check_shapes([(s.label, s.lhs, s.rhs) for s in chain.steps])
        return chain

    def _side(self, i: int) -> str:
        if i == 0:
            return f", the left side of step {self._label(0)!r}"
        return f", the right side of step {self._label(i - 1)!r}"

    def _value(self, line: Any, i: int) -> Any:
        if isinstance(line, np.ndarray) or _is_number(line):
            return line
        raise DerivationError(f"{self._where()}derivation {self.name!r}, line {i + 1}{self._side(i)}: "
                              f"yielded {type(line).__name__} {line!r:.80}, expected a number or a NumPy array")

    def _check_shapes(self, steps: list[tuple[str, Any, Any]]) -> None:
        for label, lhs, rhs in steps:
            a, b = np.shape(lhs) if isinstance(lhs, np.ndarray) else (), np.shape(rhs) if isinstance(
                rhs, np.ndarray) else ()
            if a != b:
                raise DerivationError(f"{self._where()}derivation {self.name!r}, step {label!r}: its sides have "
                                      f"shapes {a} and {b}; both sides of a step must have the same shape")

    def _error(self, exc: Exception, what: str) -> DerivationError:
        code = getattr(self.lines, "__code__", None)
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if code and f.filename == code.co_filename]
        at = f" (at line {frames[-1].lineno}: {frames[-1].line})" if frames else ""
        if isinstance(exc, InexactOperandError):
            return DerivationError(f"{self._where()}derivation {self.name!r}: cannot evaluate exactly {what}{at}: "
                                   f"{exc}. Write integers or fractions.Fraction (m.U / 2, np.zeros(shape, "
                                   f"dtype=int)) for an exact check")
        return DerivationError(f"{self._where()}derivation {self.name!r} raised {what}{at}: "
                               f"{type(exc).__name__}: {exc}")

    @cached_property
    def claim(self) -> Claim:
        """The :class:`~pgverify.registry.Claim` the checker runs (not added to the catalogue)."""
        section = Path(self.source.rsplit(":", 1)[0]).name
        return Claim(self.name, section, self.statement or self.name, self.evaluate, self.families, self.methods,
                     None, f"defined at {self.source}")


def _is_number(x: Any) -> bool:
    """A scalar of one of the arithmetics: float64, a rational (Fraction, Q), a rational function, a degree bound."""
    return isinstance(x, (numbers.Number, Rat, Frac, Degree)) and not isinstance(x, (bool, np.bool_))


def derivation(name: str, *, steps: tuple[str, ...] | None = None, relations: str | tuple[str, ...] = "=",
               families: tuple[str, ...] = ("tabular-softmax",), methods: tuple[str, ...] = METHODS,
               statement: str = "") -> Callable[[Callable[[Model], Any]], Derivation]:
    """Decorate ``lines(m)`` (a generator of displayed lines) into a :class:`Derivation`.

    Args (keyword-only after ``name``):
      steps: a label for each step, in order (its justification, e.g. "likelihood ratio").
      relations: ``"="`` (default), or one of ``=, <=, >=, <, >`` per step.
      families: the model families to check on (``pgverify.families.FAMILIES``).
      methods: a subset of ``("symbolic", "exact", "numeric")``; leave out
        ``"symbolic"`` when the lines are too costly in rational functions.
      statement: the derivation in LaTeX, for reports.
    """
    if not isinstance(name, str) or not name:
        raise InvalidDerivationError(f"name must be a non-empty string, got {name!r}")
    for f in families:
        if f not in FAMILIES:
            raise InvalidDerivationError(f"families: unknown family {f!r}; known: {sorted(FAMILIES)}")
    for meth in methods:
        if meth not in METHODS:
            raise InvalidDerivationError(f"methods: unknown method {meth!r}; expected a subset of {METHODS}")
    for rel in (relations,) if isinstance(relations, str) else relations:
        if rel not in RELATIONS:
            raise InvalidDerivationError(f"relations: unknown relation {rel!r}; expected one of {RELATIONS}")
    if steps is not None and (isinstance(steps, str) or not all(isinstance(s, str) for s in steps)):
        raise InvalidDerivationError(f"steps must be a tuple of strings, got {steps!r}")

    def wrap(lines: Callable[[Model], Any]) -> Derivation:
        if not callable(lines):
            raise InvalidDerivationError(f"@derivation({name!r}) must decorate a function of the model, "
                                         f"got {type(lines).__name__}")
        return Derivation(name, lines, None if steps is None else tuple(steps), relations, tuple(families),
                          tuple(methods), statement)

    return wrap


@dataclass(frozen=True)
class DerivationResult:
    """A checked derivation: the checker's :class:`~pgverify.checker.ClaimResult` and the failing step in LaTeX."""

    derivation: Derivation
    result: ClaimResult

    def _repr_html_(self) -> str:
        """In a notebook: a table of the verdicts, every text escaped (:func:`pgverify.notebook.html_of`)."""
        from pgverify.notebook import html_of

        return html_of(self)

    @property
    def verdict(self) -> str:
        return self.result.verdict

    @property
    def failing_step(self) -> str | None:
        """The label of the first failing step (from the counterexample, else the first failing check)."""
        if self.result.counterexample is not None:
            return self.result.counterexample.step
        return next((c.failing_step for c in self.result.checks if c.failing_step), None)

    @cached_property
    def latex(self) -> dict[str, str] | None:
        """Both sides of the first failing step in LaTeX: ``{"step", "lhs", "rhs"}`` and, where the
        symbolic check failed, ``"symbolic"``: the first non-zero entry of lhs − rhs as a rational
        function of the family's symbols (x_{sa} written as π(a|s))."""
        if self.failing_step is None:
            return None
        out = {"step": self.failing_step}
        ce = self.result.counterexample
        if ce is not None:
            out["lhs"], out["rhs"] = _latex_values(ce.lhs), _latex_values(ce.rhs)
        if any(c.method == "symbolic" and c.passed is False for c in self.result.checks):
            sym = _symbolic_difference(self.derivation, self.failing_step)
            if sym is not None:
                out["symbolic"] = sym
        return out

    def render(self) -> str:
        """A few lines of text: the verdict, the failing step and its LaTeX."""
        lines = [f"{self.derivation.name}: {self.verdict}"]
        tex = self.latex
        if tex is not None:
            lines.append(f"  first failing step: {tex['step']}")
            if "lhs" in tex:
                lines.append(f"  counterexample, left side:  {tex['lhs']}")
                lines.append(f"  counterexample, right side: {tex['rhs']}")
            if "symbolic" in tex:
                lines.append(f"  symbolically: {tex['symbolic']}")
        return "\n".join(lines)


def _latex_number(s: Any) -> str:
    if isinstance(s, float):
        return f"{s:.6g}"
    f = Fraction(str(s))
    if f.denominator == 1:
        return str(f.numerator)
    return ("-" if f < 0 else "") + rf"\frac{{{abs(f.numerator)}}}{{{f.denominator}}}"


def _latex_values(x: Any) -> str:
    """Nested lists of rational strings (a counterexample's values) as a LaTeX number or pmatrix."""
    if not isinstance(x, list):
        return _latex_number(x)
    if x and isinstance(x[0], list):
        rows = [" & ".join(_latex_values(e) for e in row) if isinstance(row, list) else _latex_values(row)
                for row in x]
        return r"\begin{pmatrix} " + r" \\ ".join(rows) + r" \end{pmatrix}"
    return r"\begin{pmatrix} " + " & ".join(_latex_values(e) for e in x) + r" \end{pmatrix}"


def _symbolic_difference(d: Derivation, step_label: str) -> str | None:
    for name in d.families:
        family = get_family(name)
        if family.symbolic is None:
            continue
        m = family.symbolic()
        fam = m.extras.get("family")
        step = next((s for s in d.evaluate(m).steps if s.label == step_label), None)
        if fam is None or step is None:
            continue
        lhs, rhs = np.asarray(step.lhs, dtype=object), np.asarray(step.rhs, dtype=object)
        for idx in np.ndindex(*lhs.shape):
            if lhs[idx] == rhs[idx]:
                continue
            where = f"[{', '.join(map(str, idx))}]" if idx else ""
            terms = _terms(lhs[idx]) + _terms(rhs[idx])
            if terms > LATEX_TERMS:
                return (rf"\mathrm{{lhs}}{where} \neq \mathrm{{rhs}}{where} \quad \text{{(rational functions with "
                        rf"{terms} terms in all, {fam.label})}}")
            tex = fam.latex(lhs[idx] - rhs[idx])
            if len(tex) > LATEX_LIMIT:
                tex = rf"\text{{(a rational function whose LaTeX has {len(tex)} characters)}}"
            return rf"(\mathrm{{lhs}} - \mathrm{{rhs}}){where} = {tex} \neq 0 \quad \text{{({fam.label})}}"
    return None


def _terms(e: Any) -> int:
    """Terms of the numerator plus the denominator of a field element (1 for a number)."""
    if isinstance(e, Frac):
        return e.terms()
    return len(e.e.numer) + len(e.e.denom) if isinstance(e, Rat) else 1


def verify(d: Derivation, settings: Settings = Settings()) -> DerivationResult:
    """Check every step of ``d`` by every applicable method (the catalogue's checker).

    Raises :class:`DerivationError` first if the definition is broken on a
    small float64 model (a line raises, yields a non-number, or changes shape).
    """
    if not isinstance(d, Derivation):
        raise InvalidDerivationError(f"verify needs a Derivation (made with @pgverify.derivation), "
                                     f"got {type(d).__name__}")
    for name in d.families:
        evaluate_chain(d.claim, _probe_model(name))
    return DerivationResult(d, check_claim(d.claim, settings))


@lru_cache(maxsize=None)
def _probe_model(family_name: str) -> Model:
    """A small float64 model of the family with S ≠ A (so that swapped axes show), S, A ≥ 2."""
    from hypothesis import find, settings as hsettings

    family = get_family(family_name)

    def useful(example: Any) -> bool:
        m = family.build(example, False)
        if not hasattr(m, "A"):  # continuous actions (issue 9): any model with two states or more
            return m.S >= 2
        return m.S >= 2 and m.A >= 2 and m.S != m.A

    example = find(family.examples(), useful, settings=hsettings(database=None, max_examples=1000))
    return family.build(example, False)


def load_derivations(path: str | Path) -> list[Derivation]:
    """Import the user's Python file (as pytest imports a test file) and return its derivations, in order.

    Raises :class:`DerivationError` naming the file if it does not exist, does
    not import, or defines no derivation at module level.
    """
    p = Path(path)
    if not p.is_file():
        raise DerivationError(f"{path}: no such file")
    if p.suffix != ".py":
        raise DerivationError(f"{path}: not a Python file (expected a .py file)")
    module = _import_file(p)
    found: list[Derivation] = []
    for value in vars(module).values():
        if isinstance(value, Derivation) and all(value is not f for f in found):
            found.append(value)
    if not found:
        raise DerivationError(f"{path} defines no derivation: decorate a generator of lines with "
                              "@pgverify.derivation(name) at module level")
    seen: dict[str, Derivation] = {}
    for d in found:
        if d.name in seen:
            where = [x.source.rsplit(":", 1)[-1] for x in (seen[d.name], d)]
            raise DerivationError(f"{path}: two derivations are named {d.name!r} (lines {where[0]} and {where[1]}); "
                                  f"the results are reported by name, so give each a unique name")
        seen[d.name] = d
    return found


def _import_file(p: Path) -> ModuleType:
    name = f"pgverify_user_{abs(hash(str(p.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, p)
    if spec is None or spec.loader is None:
        raise DerivationError(f"{p}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(p.resolve().parent))
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SystemExit as exc:  # sys.exit() or exit() at import: never the exit status of pgverify itself
        sys.modules.pop(name, None)
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == p.resolve()]
        at = f" at line {frames[-1].lineno} ({frames[-1].line})" if frames else ""
        raise DerivationError(f"{p} called sys.exit({exc.code!r}){at} while being imported; a derivation file "
                              f"must only define derivations (put scripts under `if __name__ == '__main__':`)") from None
    except Exception as exc:
        sys.modules.pop(name, None)
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == p.resolve()
                  or f.filename == str(p)]
        at = f" (line {frames[-1].lineno}: {frames[-1].line})" if frames else (
            f" (line {exc.lineno})" if isinstance(exc, SyntaxError) else "")
        raise DerivationError(f"{p} failed to import{at}: {type(exc).__name__}: {exc}") from exc
    finally:
        sys.path.remove(str(p.resolve().parent))
    return module


def verify_file(path: str | Path, settings: Settings = Settings(), *, as_json: bool = False) -> tuple[str, "Run"]:
    """``pgverify verify PATH``: the table (or JSON object) of every derivation in ``path``, and the
    :class:`~pgverify.output.report.Run` (``run.refuted``, ``run.undecided``).  The table is ``pgverify check``'s,
    followed by the LaTeX of each first failing step; the JSON object is ``pgverify check --json``'s with
    ``"file"`` and, per refuted derivation, ``"latex"``.  ``settings.symbolic_size`` is the size of the
    symbolic tabular-softmax families (``--states/--actions``)."""
    import json
    import time

    from pgverify.output import report

    start = time.perf_counter()
    results = [verify(d, settings) for d in load_derivations(path)]
    run = report.Run(tuple(r.result for r in results), settings, time.perf_counter() - start)
    if as_json:
        obj = report.to_json(run)
        obj["file"] = str(path)
        for entry, r in zip(obj["claims"], results):
            entry["latex"] = r.latex
        return json.dumps(obj, indent=2, ensure_ascii=False), run
    failing = [r.render() for r in results if r.latex is not None]
    text = report.table(run) + ("\n\n" + "\n\n".join(failing) if failing else "")
    return text, run
