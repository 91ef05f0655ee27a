"""Annotations: what the prose around a display says, written down (never guessed from the prose).

Written ``<!-- pgverify: … -->`` in Markdown or ``% pgverify: …`` in LaTeX, next
to the display (just before it, or just after it), or in a side file keyed by
the display's text (:func:`load_side_file`).  Clauses are separated by ``;``
(or new lines); LaTeX inside a clause is read with the display's profile.

=========================================  ===============================================================
clause                                     meaning
=========================================  ===============================================================
``id vpg.gradient``                        the catalogue id(s) of the display (comma-separated, one per
                                           statement when a display makes several)
``profile textbook``                       this display uses another profile
``for k < t`` / ``for any t \\le T``         quantifiers and their conditions (the variables become bound)
``for any T`` / ``for all s, a``           quantifiers without a condition
``whenever s_1 = s^0`` (``, …`` for more)   a condition under which the display is claimed
``where s = s^0`` (``, …`` for more)        a variable fixed to a value (read as substituted everywhere)
``define R_\\tau := \\sum_{t=1}^\\infty …``   a definition stated inline in the prose
``horizons 2, 3, 5`` / ``horizons 2..4``   the horizon(s) T at which to check
``b depends on s`` (``only`` optional)     what a function may depend on
``defines \\delta\\theta``                   the first relation defines its left side (a name, not a claim)
``for small \\alpha``                        claimed for every small enough α > 0 (the germ at α → 0⁺)
``also \\sum_s d(s) = 1``                    a relation the prose states about the display in words ("it is a
                                           probability measure", "this improvement is guaranteed by the
                                           choice"), checked as one more step of the display
``skip``                                   not a claim (pseudo-code, a definition for reading only)
``estimates \\nabla_\\theta U(\\theta)``        the claim of the algorithm box that follows (``pgverify boxes``);
                                           a display of the box is not checked against it by ``verify``
=========================================  ===============================================================

>>> a = parse_annotation("id vpg.past-rewards-vanish; for k < t; horizons 2..4")
>>> a.id, a.quantified, a.horizons
('vpg.past-rewards-vanish', ('k', 't'), (2, 3, 4))
>>> parse_annotation(r"for any t \\in [T]; whenever s_1 = s^0, a_1 = a").quantified
('t',)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

try:  # Python ≥ 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from pgverify.notation import ast as A
from pgverify.notation.ast import Pos
from pgverify.notation.errors import AnnotationError, NotationError
from pgverify.notation.scope import free_indices

__all__ = ["Annotations", "Quantifier", "Dependence", "parse_annotation", "load_side_file", "SideEntry",
           "side_file_names", "MAX_HORIZON", "profile_named"]

_SIDE_DIR = Path(__file__).with_name("annotations")
#: The largest horizon T an annotation may ask for (`horizons`, `where T = …`): trajectories are enumerated.
MAX_HORIZON = 50


@dataclass(frozen=True)
class Quantifier:
    """``for any t \\le T``: the variables ``names`` and an optional condition."""

    names: tuple[str, ...]
    condition: A.Expr | None = None


@dataclass(frozen=True)
class Dependence:
    """``b depends on s``: the function ``fn`` (as written) depends on ``on`` only."""

    fn: str
    on: tuple[str, ...]


@dataclass(frozen=True)
class Annotations:
    """Everything the annotations of one display (or one file) say."""

    ids: tuple[str, ...] = ()
    profile: str | None = None
    quantifiers: tuple[Quantifier, ...] = ()
    conditions: tuple[A.Expr, ...] = ()
    substitutions: tuple[tuple[A.Var, A.Expr], ...] = ()
    definitions: tuple[A.Row, ...] = ()
    horizons: tuple[int, ...] = ()
    dependencies: tuple[Dependence, ...] = ()
    defines: tuple[str, ...] = ()
    small: tuple[str, ...] = ()
    also: tuple[A.Row, ...] = ()
    skip: bool = False
    estimates: tuple[str, ...] = ()
    texts: tuple[str, ...] = field(default=(), compare=False)

    @property
    def id(self) -> str | None:
        """The catalogue id when there is exactly one."""
        return self.ids[0] if len(self.ids) == 1 else None

    @property
    def quantified(self) -> tuple[str, ...]:
        """Every variable a quantifier binds, in order."""
        out: list[str] = []
        for q in self.quantifiers:
            out.extend(n for n in q.names if n not in out)
        return tuple(out)

    @property
    def substituted(self) -> tuple[str, ...]:
        return tuple(v.name for v, _ in self.substitutions)

    def merge(self, other: "Annotations") -> "Annotations":
        """Both: ``other``'s single values (id, profile) win, lists are concatenated."""
        return Annotations(ids=tuple(dict.fromkeys(self.ids + other.ids)), profile=other.profile or self.profile,
                           quantifiers=self.quantifiers + other.quantifiers,
                           conditions=self.conditions + other.conditions,
                           substitutions=self.substitutions + other.substitutions,
                           definitions=self.definitions + other.definitions,
                           horizons=tuple(dict.fromkeys(self.horizons + other.horizons)),
                           dependencies=self.dependencies + other.dependencies,
                           defines=self.defines + other.defines, small=self.small + other.small,
                           also=self.also + other.also, skip=self.skip or other.skip,
                           estimates=self.estimates + other.estimates, texts=self.texts + other.texts)


_ID = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$")


def _latex(text: str, profile: Any, pos: Pos | None) -> A.Row:
    from pgverify.notation.latex import parse_row, source
    line, col = (pos.line, pos.column) if pos else (1, 1)
    try:
        return parse_row(source(text, line, col), profile)
    except NotationError as e:
        raise AnnotationError(f"in annotation {text!r}: {e}", pos) from None


def _rel(row: A.Row) -> A.Expr:
    """A row ``a < b`` (possibly chained ``1 \\le t \\le T``) as one condition."""
    if row.lhs is None:
        raise AnnotationError("a condition starts with a relation", row.pos)
    if not row.steps:
        return row.lhs
    conds, left = [], row.lhs
    for s in row.steps:
        conds.append(A.Rel(s.rel, left, s.rhs, pos=row.pos))
        left = s.rhs
    return conds[0] if len(conds) == 1 else A.Mul(tuple(conds), pos=row.pos)


def parse_annotation(text: str, *, profile: Any = "post", pos: Pos | None = None) -> Annotations:
    """The clauses of one annotation's text (without ``<!-- pgverify:`` / ``% pgverify:``); the LaTeX of its
    clauses is read with the profile its own ``profile`` clause names, if any (else ``profile``)."""
    out = Annotations(texts=(text.strip(),))
    profile = profile_named(text) or profile
    for raw in re.split(r";|\n", text):
        clause = raw.strip()
        if not clause:
            continue
        word, _, rest = clause.partition(" ")
        rest = rest.strip()
        if word == "id":
            ids = tuple(i.strip() for i in rest.split(","))
            for i in ids:
                if not _ID.match(i):
                    raise AnnotationError(f"id {i!r} is not a catalogue id like 'vpg.gradient'", pos)
            out = out.merge(Annotations(ids=ids))
        elif word == "profile":
            from pgverify.notation.profiles import load_profile
            load_profile(rest)
            out = replace(out, profile=rest)
        elif word == "for" and rest.startswith("small "):
            row = _latex(rest[len("small "):], profile, pos)
            if not isinstance(row.lhs, A.Sym) or row.steps:
                raise AnnotationError(f"'for {rest}': expected 'for small <symbol>' (e.g. for small \\alpha)", pos)
            out = out.merge(Annotations(small=(row.lhs.name,)))
        elif word == "for":
            body = re.sub(r"^(any|all|every)\s+", "", rest)
            for part in _split_commas(body):
                row = _latex(part, profile, pos)
                if row.lhs is None:
                    raise AnnotationError(f"'for {rest}': a condition starts with a relation", pos)
                names = [n for n in free_indices(row) if n != "\\tau" or "\\tau" in part]
                if isinstance(row.lhs, A.Sym):
                    names.insert(0, row.lhs.name)
                if not names:
                    raise AnnotationError(f"'for {part}' quantifies no variable", pos)
                cond = _rel(row) if row.steps else None
                out = out.merge(Annotations(quantifiers=(Quantifier(tuple(names), cond),)))
        elif word == "whenever":
            conds = tuple(_rel(_latex(part, profile, pos)) for part in _split_commas(rest))
            # a chain 1 ≤ t ≤ 2 is its relations, each a condition (all must hold)
            conds = tuple(c for cond in conds for c in (
                cond.factors if isinstance(cond, A.Mul) and all(isinstance(f, A.Rel) for f in cond.factors)
                else (cond,)))
            out = out.merge(Annotations(conditions=conds))
        elif word == "where":
            for part in _split_commas(rest):
                row = _latex(part, profile, pos)
                # a bare function name (profile gae: `where V = v^\pi`) is honoured by pgverify.notation.gae only
                if not isinstance(row.lhs, (A.Var, A.Sym, A.Fn)) or len(row.steps) != 1 or row.steps[0].rel != "=":
                    raise AnnotationError(f"'where {part}': expected 'where <variable> = <value>'", pos)
                out = out.merge(Annotations(substitutions=((row.lhs, row.steps[0].rhs),)))
        elif word == "define":
            row = _latex(rest, profile, pos)
            if row.lhs is None or len(row.steps) != 1 or row.steps[0].rel != "def":
                raise AnnotationError(f"'define {rest}': expected 'define <name> := <expression>'", pos)
            out = out.merge(Annotations(definitions=(row,)))
        elif word == "also":
            row = _latex(rest, profile, pos)
            if row.lhs is None or not row.steps:
                raise AnnotationError(f"'also {rest}': expected a relation '<side> = <side>' (or <, ≤, >, ≥)", pos)
            out = out.merge(Annotations(also=(replace(row, steps=tuple(replace(s, label=s.label or "(prose)")
                                                                        for s in row.steps)),)))
        elif word == "horizons" or word == "horizon":
            out = out.merge(Annotations(horizons=_horizons(rest, pos)))
        elif word == "defines":
            out = out.merge(Annotations(defines=(rest,)))
        elif word == "estimates" and rest:   # issue 22: the claim of an algorithm box (pgverify.audit.boxes)
            row = _latex(rest, profile, pos)
            if row.lhs is None or row.steps:
                raise AnnotationError(f"'estimates {rest}': expected one expression (e.g. \\nabla_\\theta U(\\theta))",
                                      pos)
            out = out.merge(Annotations(estimates=(rest,)))
        elif word == "skip" and not rest:
            out = out.merge(Annotations(skip=True))
        elif re.fullmatch(r"(\S+)\s+depends\s+on\s+(.+?)(\s+only)?", clause):
            m = re.fullmatch(r"(\S+)\s+depends\s+on\s+(.+?)(\s+only)?", clause)
            on = tuple(v.strip() for v in m.group(2).split(","))
            out = out.merge(Annotations(dependencies=(Dependence(m.group(1), on),)))
        else:
            raise AnnotationError(f"unknown annotation clause {clause!r} (known: id, profile, for, whenever, where, "
                                  f"define, also, horizons, defines, for small, skip, estimates, '<f> depends on <x>')", pos)
    return out


def profile_named(text: str) -> str | None:
    """The profile a ``profile …`` clause of ``text`` names (the last one), or None."""
    found = re.findall(r"(?:^|[;\n])\s*profile\s+(\S+?)\s*(?=$|[;\n])", text)
    return found[-1] if found else None


def _split_commas(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for c in text:
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        if c == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def _horizons(text: str, pos: Pos | None) -> tuple[int, ...]:
    out: list[int] = []
    for part in _split_commas(text.replace("T =", "").replace("T=", "")):
        m = re.fullmatch(r"(\d+)\s*\.\.\s*(\d+)", part)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if lo > hi:
                raise AnnotationError(f"horizons {part!r}: {lo} > {hi}", pos)
            out.extend(range(lo, hi + 1))
        elif part.isdigit():
            out.append(int(part))
        else:
            raise AnnotationError(f"horizons {text!r}: expected integers or ranges like 2..4", pos)
    for h in out:
        if h > MAX_HORIZON:
            raise AnnotationError(f"horizon {h} is larger than the limit {MAX_HORIZON} (trajectories are "
                                  f"enumerated)", pos)
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class SideEntry:
    """One entry of a side file: the display whose text contains ``match``, and its annotation."""

    match: str
    annotation: str


def side_file_names() -> tuple[str, ...]:
    """The side files shipped with pgverify (``annotations/*.toml``)."""
    return tuple(sorted(p.stem for p in _SIDE_DIR.glob("*.toml")))


def load_side_file(name: "str | Path") -> tuple[dict[str, Any], tuple[SideEntry, ...]]:
    """A side file: its ``[document]`` table (``title``, ``profile``) and its entries.

    ``name`` is a shipped side file (``"post"``) or a path to a ``.toml`` file with
    ``[[display]]`` tables, each with ``match`` (text that occurs in exactly one
    display, compared with whitespace removed) and ``annotate`` (the clauses).
    """
    path = Path(name) if str(name).endswith(".toml") else _SIDE_DIR / f"{name}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnnotationError(f"no side file {str(name)!r} (shipped: {', '.join(side_file_names())})") from None
    except tomllib.TOMLDecodeError as e:
        raise AnnotationError(f"side file {str(path)!r} is not valid TOML: {e}") from None
    entries = []
    for k, d in enumerate(data.get("display", [])):
        if not isinstance(d.get("match"), str) or not isinstance(d.get("annotate"), str):
            raise AnnotationError(f"side file {path.name}: display #{k + 1} needs string 'match' and 'annotate'")
        entries.append(SideEntry(d["match"], d["annotate"]))
    return dict(data.get("document", {})), tuple(entries)
