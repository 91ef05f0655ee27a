"""Plain words: each verdict's one-line summary, derived from the result's data, never written per claim.

:func:`summary` says what failed and where, from the failing step (its label and LaTeX), the counterexample (the
model, both sides' values) and a structural comparison of the step's two sides (:func:`dropped`):

    step 2 (=) drops (1−λ)^{−1}: on this 1-state, 3-action MDP (λ = 1/10), ∂/∂θ[0,0] is −10/81 on the
    left and −1/9 on the right

The same sentence is printed in the terminal table, stored in the JSON (key ``in_words``), shown on the annotated
page, in the report and in a notebook.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

__all__ = ["summary", "differing_entry", "failing_entries", "ce_tables", "Table", "relation_of", "first_side",
           "dropped", "unicode_math", "model_words", "atoms"]

_RELATION = re.compile(r"\(([^()]*)\)\s*$")
_HOLDS = {"=": lambda a, b: a == b, ":=": lambda a, b: a == b, "<": lambda a, b: a < b, ">": lambda a, b: a > b,
          "≤": lambda a, b: a <= b, "≥": lambda a, b: a >= b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def _flat(x: Any, at: tuple[int, ...] = ()) -> list[tuple[tuple[int, ...], Any]]:
    if isinstance(x, (list, tuple)):
        return [e for i, y in enumerate(x) for e in _flat(y, at + (i,))]
    return [(at, x)]


def _exact(v: Any) -> Fraction | None:
    try:
        return Fraction(str(v))
    except (ValueError, ZeroDivisionError):
        return None


def failing_entries(lhs: Any, rhs: Any, relation: str = "=") -> set[tuple[int, ...]]:
    """The indices of every entry where ``lhs relation rhs`` fails (as :func:`differing_entry` judges one).

    >>> sorted(failing_entries(["1", "2", "3"], ["1", "0", "4"]))
    [(1,), (2,)]
    """
    left, right = _flat(lhs), _flat(rhs)
    if [i for i, _ in left] != [i for i, _ in right]:
        return set()
    return {at for (at, a), (_, b) in zip(left, right) if _fails(a, b, relation)}


def _fails(a: Any, b: Any, relation: str) -> bool:
    fa, fb = _exact(a), _exact(b)
    if relation in ("=", ":="):
        return (fa != fb) if fa is not None and fb is not None else str(a) != str(b)
    holds = _HOLDS.get(relation)
    return holds is not None and fa is not None and fb is not None and not holds(fa, fb)


def differing_entry(lhs: Any, rhs: Any, relation: str = "=") -> tuple[tuple[int, ...], Any, Any] | None:
    """The first entry (its index, the left value, the right value) where ``lhs relation rhs`` fails.

    An ``=`` fails where the two exact values differ (as written, or as fractions); another relation where both
    values read as fractions and the relation is false between them.  None when the two sides are not entries of
    the same shape or no entry can be shown to fail.

    >>> differing_entry(["-1/4", "1/4"], ["-1/8", "1/8"])
    ((0,), '-1/4', '-1/8')
    >>> differing_entry([["0"], ["1"]], [["0"], ["2"]])
    ((1, 0), '1', '2')
    >>> differing_entry(["0", "1"], ["0", "1"], ">")
    ((0,), '0', '0')
    >>> differing_entry("1", "1/(4*sqrt(pi))")
    ((), '1', '1/(4*sqrt(pi))')
    """
    left, right = _flat(lhs), _flat(rhs)
    if [i for i, _ in left] != [i for i, _ in right]:
        return None
    return next(((at, a, b) for (at, a), (_, b) in zip(left, right) if _fails(a, b, relation)), None)


def _widest(lhs: Any, rhs: Any, relation: str) -> tuple[tuple[int, ...], Any, Any] | None:
    """A float64 counterexample's entry where the relation fails by the most (rounding may make several entries
    differ a little: the one named is the one that differs most).

    >>> _widest(["1.0", "2.0"], ["1.0000001", "3.5"], "=")
    ((1,), '2.0', '3.5')
    """
    fails = failing_entries(lhs, rhs, relation)
    pairs = [(at, a, b) for (at, a), (_, b) in zip(_flat(lhs), _flat(rhs)) if at in fails]
    if not pairs:
        return None
    return max(pairs, key=lambda p: abs(_exact(p[1]) - _exact(p[2])) if _exact(p[1]) is not None
               and _exact(p[2]) is not None else 0)


def _value(v: Any) -> str:
    return str(v).replace("-", "−").replace("*", "·")


def _shape(x: Any) -> tuple[int, ...]:
    out = []
    while isinstance(x, (list, tuple)) and x:
        out.append(len(x))
        x = x[0]
    return tuple(out)


def model_words(example: dict[str, Any]) -> str:
    """The counterexample's model in a few words: its size for an MDP, else its scalar parameters.

    >>> model_words({"P": [[["0", "1"], ["0", "1"]], [["0", "1"], ["0", "1"]]], "discount": "0", "horizon": 2})
    'this 2-state, 2-action MDP (λ = 0, horizon 2)'
    >>> model_words({"mu": "0", "sigma": "1"})
    'μ = 0, σ = 1'
    """
    if "P" in example:
        shape = _shape(example["P"])
        if len(shape) == 3:
            extra = []
            if "discount" in example:
                extra.append(f"λ = {_value(example['discount'])}")
            if "horizon" in example:
                extra.append(f"horizon {example['horizon']}")
            return (f"this {shape[0]}-state, {shape[1]}-action MDP" + (f" ({', '.join(extra)})" if extra else ""))
    names = {"mu": "μ", "sigma": "σ", "discount": "λ"}
    scalars = [(k, v) for k, v in example.items() if not isinstance(v, (list, tuple, dict))]
    shown = ", ".join(f"{names.get(k, k)} = {_value(v)}" for k, v in scalars[:5])
    return shown + (", …" if len(scalars) > 5 else "") if shown else "the counterexample"


def _entry_name(at: tuple[int, ...], step_latex: str, example: dict[str, Any], lhs: Any) -> str:
    """∂/∂θ[s,a] for an entry of a flat gradient over a tabular θ (the chain's first side, ``step_latex``, opens
    with ∇_θ and the value has one entry per (s, a)); else the entry's index."""
    policy = example.get("policy") if isinstance(example.get("policy"), dict) else {}
    theta = _shape(policy.get("exp_theta", []))
    if (len(at) == 1 and len(theta) == 2 and _shape(lhs) == (theta[0] * theta[1],)
            and any(re.match(r"\s*(\\nabla_\\theta\b|∇U\b|∇_θ)", side) for side in step_latex.split("\0"))):
        s, a = divmod(at[0], theta[1])
        return f"∂/∂θ[{s},{a}]"
    if not at:
        return "the value"
    return f"entry [{','.join(map(str, at))}]"


# ------------------------------------------------------------------------------------------ structural diff
_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|\s+|.", re.S)
_OPEN = {"(": ")", "[": "]", "{": "}", r"\left": r"\right"}
_SPACING = {r"\,", r"\;", r"\!", r"\:", r"\quad", r"\qquad", "~", r"\ "}
_RELATIONS = {"=", "<", ">", r"\le", r"\leq", r"\ge", r"\geq", r"\propto", r"\approx", r"\neq"}


def _group(toks: list[str], i: int) -> int:
    """One past the end of the balanced group opening at ``toks[i]``."""
    close, depth, j = _OPEN[toks[i]], 0, i
    while j < len(toks):
        if toks[j] == toks[i]:
            depth += 1
        elif toks[j] == close:
            depth -= 1
            if depth == 0:
                return j + (2 if close == r"\right" else 1)  # \right and its delimiter
        j += 1
    return len(toks)


def atoms(latex: str) -> list[str]:
    """The top-level factors of a LaTeX side, each as text: a symbol or command with its braced arguments, a
    bracketed group, with the sub- and superscripts that follow; spacing and a closing , or . are dropped.

    >>> atoms(r"(1-\\lambda)^{-1}\\sum_{s} d(s) q")
    ['(1-\\\\lambda)^{-1}', '\\\\sum_{s}', 'd', '(s)', 'q']
    """
    toks = [t for t in _TOKEN.findall(latex) if not t.isspace()]
    out: list[str] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t in _SPACING or (t in (",", ".") and i == len(toks) - 1):
            i += 1
            continue
        j = _group(toks, i) if t in _OPEN else i + 1
        while j < len(toks) and toks[j] == "{" and t.startswith("\\") and t not in _OPEN:  # \frac{..}{..}
            j = _group(toks, j)
        while j < len(toks) and toks[j] in ("_", "^"):
            j = _group(toks, j + 1) if j + 1 < len(toks) and toks[j + 1] in _OPEN else j + 2
        if t in ("_", "^") and out:
            out[-1] += "".join(toks[i:j])
        else:
            out.append("".join(toks[i:j]))
        i = j
    return out


def _sides(step_latex: str) -> tuple[str, str] | None:
    """The two sides of a step's LaTeX at its one top-level relation."""
    toks = _TOKEN.findall(step_latex)
    depth, at = 0, []
    for k, t in enumerate(toks):
        if t in _OPEN:
            depth += 1
        elif t in _OPEN.values():
            depth -= 1
        elif depth == 0 and (t in _RELATIONS or (t == ":" and k + 1 < len(toks) and toks[k + 1] == "=")):
            at.append(k)
    if not at:
        return None
    k = at[0]
    skip = 2 if toks[k] == ":" else 1
    return "".join(toks[:k]), "".join(toks[k + skip:])


def dropped(step_latex: str) -> tuple[str, str] | None:
    """What one side of a step has that the other lacks, when that is the whole difference of their factors:
    (``"drops"`` or ``"adds"``, the factors' LaTeX), reading left to right.  Brackets present on both sides with
    different contents are compared inside.  None when the sides differ otherwise.

    >>> dropped(r"x = (1-\\lambda)^{-1}\\sum_s d(s) q \\; ,")
    >>> dropped(r"(1-\\lambda)^{-1}\\sum_s d(s) q = \\sum_s d(s) q")
    ('drops', '(1-\\\\lambda)^{-1}')
    >>> dropped(r"\\mathbb{E}\\left[\\lambda^{t-1} G \\nabla\\right] = \\mathbb{E}\\left[G \\nabla\\right]")
    ('drops', '\\\\lambda^{t-1}')
    """
    sides = _sides(step_latex)
    return None if sides is None else _diff(atoms(sides[0]), atoms(sides[1]), 3)


def _inside(atom: str) -> str | None:
    m = re.match(r"\A(\\left\s*\\?.|[(\[{])(.*)(\\right\s*\\?.|[)\]}])\Z", atom, re.S)
    return m.group(2) if m else None


def _diff(left: list[str], right: list[str], depth: int) -> tuple[str, str] | None:
    lc, rc = Counter(left), Counter(right)
    if lc == rc:
        return None
    if not (rc - lc) and (lc - rc):
        return "drops", " ".join(a for a in left if (lc - rc)[a] and not _take(lc, rc, a))
    if not (lc - rc) and (rc - lc):
        return "adds", " ".join(a for a in right if (rc - lc)[a] and not _take(rc, lc, a))
    only_l, only_r = list((lc - rc).elements()), list((rc - lc).elements())
    if depth and len(only_l) == len(only_r) == 1:
        a, b = _inside(only_l[0]), _inside(only_r[0])
        if a is not None and b is not None:
            return _diff(atoms(a), atoms(b), depth - 1)
    return None


def _take(more: Counter, less: Counter, atom: str) -> bool:
    """Count one ``atom`` of the surplus as seen (so a repeated factor is named once per extra copy)."""
    more[atom] -= 1
    return more[atom] < less[atom]


def unicode_math(latex: str) -> str:
    r"""LaTeX as Unicode text for one line (pylatexenc), a minus sign where ``-`` is not a hyphen between letters.

    Nothing is dropped: a command pylatexenc does not know keeps its name (``\argmin`` → ``argmin``), ``%``, ``&``
    and ``#`` are text, ``\left.`` (an invisible fence) is the only thing left out.

    >>> unicode_math(r"(1-\lambda)^{-1}")
    '(1−λ)^{−1}'
    >>> unicode_math(r"\argmin_\omega f \; 50% built-in")
    'argmin_ωf 50% built-in'
    """
    from pylatexenc.latex2text import LatexNodes2Text, get_default_latex_context_db

    known = get_default_latex_context_db()
    toks, keep, opened = _TOKEN.findall(latex), [], []  # keep the braces of scripts: λ^{t−1}
    for k, t in enumerate(toks):
        if t == "{":
            script = k > 0 and toks[k - 1] in ("_", "^")
            opened.append(script)
            keep.append(r"\{" if script else t)
        elif t == "}":
            keep.append(r"\}" if opened and opened.pop() else t)
        elif t in ("%", "&", "#"):
            keep.append("\\" + t)
        elif t in (r"\left", r"\right") and k + 1 < len(toks) and toks[k + 1] == ".":
            toks[k + 1] = ""
        elif t in (r"\left", r"\right", r"\middle", r"\displaystyle", r"\limits"):
            continue
        elif re.fullmatch(r"\\[A-Za-z]+", t) and known.get_macro_spec(t[1:]) is None:
            keep.append(" " + t[1:])
        else:
            keep.append(t)
    text = LatexNodes2Text(math_mode="text").latex_to_text("".join(keep))
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<![A-Za-z])-|-(?![A-Za-z])", "−", text)


# ------------------------------------------------------------------------------------------------ summary
def relation_of(step_label: str | None) -> str:
    """The relation of a step from its label's last parentheses (``step 3 (prose) (>)`` → ``>``), else ``=``."""
    m = _RELATION.search(step_label or "")
    if m and m.group(1) in _HOLDS:
        return m.group(1)
    found = re.findall(r"[≤≥<>]", step_label or "")  # a catalogue claim's label is the step written out
    return found[0] if len(found) == 1 else "="


def first_side(result: Any) -> str:
    """The LaTeX the display (or the catalogue claim) opens with, an environment's ``\\begin`` left out."""
    latex = getattr(result, "latex", None) or getattr(getattr(result, "claim", None), "statement", "") or ""
    return re.sub(r"\A\s*\\begin\{[^}]*\}", "", latex)


def _failing_latex(result: Any, label: str | None) -> str:
    for s in getattr(result, "steps", ()):
        if s.label == label and s.latex:
            return s.latex
    return ""


def summary(result: Any) -> str:
    """One line in words: what the verdict rests on or, for a refutation, which step fails, what it drops or
    adds, and one entry where the two sides differ with both values — all read from ``result``'s data.

    ``result``: a displayed result (:class:`pgverify.documents.DisplayResult`) or a catalogue claim's
    (:class:`pgverify.verdicts.ClaimResult`).
    """
    verdict = result.verdict
    claim_result = getattr(result, "result", result)  # a DisplayResult carries the checker's ClaimResult
    checks = getattr(claim_result, "checks", ()) if claim_result is not None else ()
    if verdict in ("proved", "verified"):
        passed = [c for c in checks if c.passed]
        methods = ", ".join(dict.fromkeys(c.method for c in passed))
        families = ", ".join(dict.fromkeys(c.family.split()[0] for c in passed if c.family))
        how = f" ({methods} checks on {families})" if methods and families else ""
        held = "holds" if verdict == "proved" else "held on every model checked"
        return f"{verdict}: every step {held}{how}"
    if verdict != "refuted":
        reason = (getattr(result, "reason", "") or "").split("\n")[0].strip()
        reason = re.sub(rf"^(?:{re.escape(verdict)}:\s*)+", "", reason)
        return f"{verdict}: {_words(reason)}" if reason else verdict
    ce = getattr(claim_result, "counterexample", None) if claim_result is not None else None
    label = ce.step if ce is not None else (getattr(result, "first_failing_step", None) or next(
        (c.failing_step for c in checks if c.failing_step), None))
    step_latex = _failing_latex(result, label)
    first = first_side(result) or step_latex
    head = (label if re.match(r"step\b", label or "") else f"the step {label}") if label else "a step"
    change = dropped(step_latex) if step_latex else None
    head += f" {change[0]} {unicode_math(change[1])}" if change else " fails"
    if ce is None:
        return head + " (no small counterexample: see the failing checks)"
    relation = relation_of(ce.step)
    entry = differing_entry(ce.lhs, ce.rhs, relation) if ce.exact else _widest(ce.lhs, ce.rhs, relation)
    where = f"on {model_words(ce.example)}" if isinstance(ce.example, dict) else "on the counterexample"
    kind = "" if ce.exact else " (float64)"
    if entry is None:
        return f"{head}: {where}{kind}, the left side is {_short(ce.lhs)} and the right side {_short(ce.rhs)}"
    at, a, b = entry
    name = _entry_name(at, f"{first}\0{ce.step}", ce.example if isinstance(ce.example, dict) else {}, ce.lhs)
    if relation in ("=", ":="):
        return f"{head}: {where}{kind}, {name} is {_value(a)} on the left and {_value(b)} on the right"
    return (f"{head}: {where}{kind}, {name} is {_value(a)} on the left and {_value(b)} on the right, "
            f"so {_value(a)} {relation} {_value(b)} is false")


def _words(reason: str) -> str:
    """A reason's LaTeX fragments as Unicode (the words unchanged); the reason as it is if pylatexenc fails."""
    if "\\" not in reason:
        return reason
    try:  # comments and code (an annotation to add) stay as written; a command cut by … is left out
        parts = re.split(r"(<!--.*?-->|`[^`]*`)", reason)
        return "".join(p if k % 2 else _keep_spaces(p, unicode_math(re.sub(r"\\[A-Za-z]*(?=…)", "", p)))
                       for k, p in enumerate(parts))
    except Exception:  # noqa: BLE001 - a reason is shown whatever pylatexenc makes of it
        return reason


def _keep_spaces(before: str, after: str) -> str:
    lead, trail = re.match(r"\s*", before).group(), re.search(r"\s*\Z", before).group()
    return lead + after + trail


def _short(x: Any, limit: int = 60) -> str:
    s = _value(x if not isinstance(x, (list, tuple)) else [v for _, v in _flat(x)])
    return s if len(s) <= limit else s[:limit - 1] + "…"


# ------------------------------------------------------------------------------------ counterexample tables
@dataclass(frozen=True)
class Table:
    """A small table of a counterexample: its caption, column heads, rows (the first cell of each is its head)
    and the rows marked as failing (left against right)."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    marked: frozenset[int] = frozenset()


_NAMES = {"discount": "λ", "mu": "μ", "sigma": "σ", "initial": "initial state", "absorbing": "absorbing state"}


def _grid(caption: str, value: Any, *, rows: str = "", cols: str = "", corner: str = "") -> Table:
    shape = _shape(value)
    if not shape:
        return Table(caption, ("",), (("", _value(value)),))
    if len(shape) == 1:
        return Table(caption, ("",) + tuple(f"{cols}{j}" for j in range(shape[0])),
                     (("",) + tuple(_value(v) for v in value),))
    if len(shape) == 2:
        lines = [(f"{rows}{i}", [_value(v) for v in row]) for i, row in enumerate(value)]
    else:  # P[s, a, s']: a row per (s, a)
        lines = [(f"{rows}{i},{j}", [_value(v) for _, v in _flat(row)]) for i, block in enumerate(value)
                 for j, row in enumerate(block)]
    width = max(len(r) for _, r in lines)
    return Table(caption, (corner,) + tuple(f"{cols}{j}" for j in range(width)),
                 tuple((k,) + tuple(r) + ("",) * (width - len(r)) for k, r in lines))


def ce_tables(ce: Any, *, relation: str = "=", first_side: str = "", limit: int = 40) -> list[Table]:
    """A counterexample as small tables: its scalars (λ, horizon, …), P[s, a, s′], r[s, a], π(a|s) and each drawn
    array, then left against right entry by entry, the entries where ``relation`` fails marked.

    ``first_side``: the LaTeX of the chain's first side, or the failing step's label after a NUL (names a
    gradient's entries ∂/∂θ[s,a]: either opens with ∇_θ); at most ``limit``
    entries are listed (a last row says how many more)."""
    ex = ce.example if isinstance(ce.example, dict) else {}
    out: list[Table] = []
    scalars = [(k, v) for k, v in ex.items() if not isinstance(v, (list, tuple, dict))]
    if scalars:
        out.append(Table("model", ("", ""),
                         tuple((_NAMES.get(k, k.replace("_", " ")), _value(v)) for k, v in scalars)))
    for k, v in ex.items():
        if k == "P" and len(_shape(v)) == 3:
            out.append(_grid("P[s, a, s′]", v, cols="s′=", corner="s,a"))
        elif k == "r" and len(_shape(v)) == 2:
            out.append(_grid("r[s, a]", v, rows="s=", cols="a="))
        elif k == "policy" and isinstance(v, dict):
            if "pi" in v:
                out.append(_grid(f"π(a|s) ({v.get('type', 'policy')})", v["pi"], rows="s=", cols="a="))
        elif isinstance(v, (list, tuple)):
            out.append(_grid(_NAMES.get(k, str(k)), v))
    left, right = _flat(ce.lhs), _flat(ce.rhs)
    if [i for i, _ in left] == [i for i, _ in right]:
        fails = failing_entries(ce.lhs, ce.rhs, relation)
        rows, marked = [], set()
        for n, ((at, a), (_, b)) in enumerate(list(zip(left, right))[:limit]):
            if at in fails:
                marked.add(n)
            rows.append((_entry_name(at, first_side, ex, ce.lhs), _value(a), _value(b), "✗" if at in fails else ""))
        if len(left) > limit:
            rows.append((f"… {len(left) - limit} more entries", "", "", ""))
        out.append(Table(f"left against right ({relation})", ("", "left", "right", ""), tuple(rows),
                         frozenset(marked)))
    else:
        out.append(Table("left against right", ("", ""), (("left", _short(ce.lhs, 200)),
                                                          ("right", _short(ce.rhs, 200)))))
    return out
