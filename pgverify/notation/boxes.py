"""Algorithm boxes read as programs: statements, loops and assignments, every line consumed or refused.

A box is the pseudo-code of an estimator as a paper or a post writes it:

* Markdown: a ``{{< pseudocode >}}`` … ``{{< /pseudocode >}}`` shortcode (Hugo) or a fenced
  ```` ```algorithm ```` block; its statements are display blocks ``$$ … $$``, lines holding one math span
  ``$ … $``, and lines of words;
* LaTeX: an ``algorithmic`` environment (``algorithm``/``algpseudocode``): ``\\State``, ``\\For{…}`` …
  ``\\EndFor``, ``\\ForAll``, ``\\If{…}`` … ``\\EndIf``, ``\\Require``, ``\\Ensure``, ``\\Return``,
  ``\\Comment{…}``.

Each statement becomes a :class:`Statement`:

================  ===========================================================================================
kind              meaning
================  ===========================================================================================
``assign``        ``x ← e`` (``\\leftarrow``, ``\\gets``, ``:=``): ``target`` and ``rhs`` (AST nodes)
``for``           a loop: ``var`` over ``lower`` … ``upper`` (time or roll-outs), or over ``episodes``
``if``            a condition (read, never evaluated: the semantics refuses it, naming it)
``rollouts``      "collect N episodes/trajectories/roll-outs with π_θ": the N i.i.d. roll-outs
``label``         words ending with a colon ("fit the baseline:"): a heading, no effect
``comment``       ``\\Comment{…}``, ``// …``: no effect
``require``       ``\\Require``/``\\Ensure``/"Input:": the box's inputs, shown; no effect
``return``        ``\\Return x`` / "output x": the box's output
================  ===========================================================================================

Anything else — a line of words that is none of these, an unbalanced ``\\For``, a display with no
assignment — raises :class:`BoxError` naming the statement and its line.  The words the reader knows are
few and listed here; it never guesses what a sentence means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pgverify.notation import ast as A
from pgverify.notation.errors import NotationError

__all__ = ["Statement", "Box", "BoxError", "read_box", "find_boxes", "MARKDOWN", "LATEX"]

MARKDOWN, LATEX = "markdown", "latex"


class BoxError(NotationError):
    """A box that cannot be read as a program: the message names the statement and its line."""


@dataclass(frozen=True)
class Statement:
    """One statement of a box (see the module docstring for ``kind``)."""

    kind: str
    text: str
    line: int
    target: Any = None
    rhs: Any = None
    var: str | None = None
    lower: Any = None
    upper: Any = None
    over: str | None = None
    body: tuple["Statement", ...] = ()

    def walk(self):
        yield self
        for s in self.body:
            yield from s.walk()


@dataclass(frozen=True)
class Box:
    """A box: its statements in program order, its title, its format, the claim an annotation states.

    ``estimates``: the AST of ``<!-- pgverify: estimates … -->`` (``% pgverify: estimates …``), or None.
    """

    statements: tuple[Statement, ...]
    title: str = ""
    kind: str = MARKDOWN
    line: int = 1
    profile: str = "post"
    estimates: Any = None
    annotation: str = ""
    source: str = field(default="", compare=False)

    def walk(self):
        for s in self.statements:
            yield from s.walk()


# ------------------------------------------------------------------------------------------ words
_ROLLOUTS = re.compile(r"^(?:collect|run|sample|generate|draw|roll\s*out)\b.*\b(?:episodes?|trajector(?:y|ies)|"
                       r"roll-?outs?)\b", re.I)
_EACH_EPISODE = re.compile(r"^(?:for\s+)?(?:each|every)\s+(?:episode|trajectory|roll-?out)\b", re.I)
_REQUIRE = re.compile(r"^(?:input|inputs|require|requires|ensure|given|initiali[sz]e)\b\s*:?", re.I)
_OUTPUT = re.compile(r"^(?:output|return)\b\s*:?\s*", re.I)
_ASSIGN = re.compile(r"\\leftarrow|\\gets|←|:=|\\coloneqq")


def _parse_row(latex: str, profile: str, line: int, what: str) -> A.Row:
    from pgverify.notation.latex import parse_row, source
    try:
        return parse_row(source(latex, line, 1), profile)
    except NotationError as e:
        raise BoxError(f"line {line}: {what} {latex.strip()!r} cannot be read: {e}") from None


def _parse_expr(latex: str, profile: str, line: int, what: str) -> A.Expr:
    row = _parse_row(latex, profile, line, what)
    if row.lhs is None or row.steps:
        raise BoxError(f"line {line}: {what} {latex.strip()!r} is not one expression")
    return row.lhs


def _assignment(latex: str, profile: str, line: int) -> Statement:
    text = latex.strip().rstrip(".;,").strip()
    if re.search(r"\\\\|\\begin\{", text):
        raise BoxError(f"line {line}: the statement {text!r} holds several rows: write one assignment per line")
    row = _parse_row(text, profile, line, "the statement")
    if row.lhs is None or len(row.steps) != 1 or row.steps[0].rel not in ("assign", "def"):
        raise BoxError(f"line {line}: the statement {text!r} is not one assignment 'x ← e' (a box's math states "
                       f"what it computes; a relation there is not a step of the program)")
    return Statement("assign", text, line, target=row.lhs, rhs=row.steps[0].rhs)


def _math_of(text: str) -> str | None:
    """The LaTeX of a line that is one math span ($…$, \\(…\\)), else None."""
    t = text.strip()
    m = re.fullmatch(r"\$\$?(.+?)\$\$?\.?", t, re.S) or re.fullmatch(r"\\\((.+?)\\\)\.?", t, re.S)
    return m.group(1) if m else None


def _strip_math(text: str) -> str:
    return re.sub(r"\$([^$]*)\$", r"\1", text)


def _range(text: str, profile: str, line: int, statement: str) -> tuple[str, Any, Any, str]:
    """``t = 0, …, T − 1`` / ``t = 1 to T`` / ``n = 1, \\ldots, N`` → (var, lower, upper, over)."""
    t = _strip_math(text).strip().rstrip(":").strip()
    t = re.sub(r"\s*\b(?:do)\s*$", "", t).strip()
    if _EACH_EPISODE.match(t) or _EACH_EPISODE.match("for " + t):
        return "n", None, None, "episodes"
    m = re.fullmatch(r"(?:for\s+)?(?:each\s+step\s+of\s+the\s+episode,?\s*)?([A-Za-z])\s*=\s*(.+?)\s*"
                     r"(?:,\s*(?:\\ldots|\\dots|\\cdots|…|\.\.\.)\s*,|\bto\b|\\ldots|\.\.)\s*(.+)", t)
    if not m:
        raise BoxError(f"line {line}: the loop {statement!r} is over no range the box language knows "
                       f"('t = 1, …, T', 'n = 1 to N', 'each episode')")
    var = m.group(1)
    lower_text = re.sub(r",\s*[^,]*$", "", m.group(2)) if "," in m.group(2) else m.group(2)
    lower = _parse_expr(lower_text, profile, line, "the loop's lower bound")
    upper = _parse_expr(m.group(3), profile, line, "the loop's upper bound")
    over = "episodes" if var == "n" else "time"
    return var, lower, upper, over


# ------------------------------------------------------------------------------------------ Markdown
def _markdown_statements(text: str, line0: int, profile: str) -> list[Statement]:
    """Flat statements of a Markdown box, with ``for …`` … ``end for`` blocks nested."""
    flat: list[tuple[str, Any]] = []   # ("stmt", Statement) | ("for", Statement) | ("end", line)
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        raw, ln = lines[i], line0 + i
        s = raw.strip()
        s = re.sub(r"^(?:\d+[.:)]|[-*+])\s+", "", s)  # list markers
        if not s:
            i += 1
            continue
        if s.startswith("$$") and not (len(s) > 2 and s.rstrip(".").endswith("$$") and len(s.rstrip(".")) > 4):
            j = i + 1
            body = [s[2:]]
            while j < len(lines) and "$$" not in lines[j]:
                body.append(lines[j])
                j += 1
            if j == len(lines):
                raise BoxError(f"line {ln}: a display '$$' of the box is never closed")
            body.append(lines[j].split("$$")[0])
            flat.append(("stmt", _assignment("\n".join(body), profile, ln)))
            i = j + 1
            continue
        math = _math_of(s)
        if math is not None:
            flat.append(("stmt", _assignment(math, profile, ln)))
        elif re.fullmatch(r"(?:end\s*(?:for)?|endfor)\.?", s, re.I):
            flat.append(("end", ln))
        elif s.startswith("//") or s.startswith("#"):
            flat.append(("stmt", Statement("comment", s, ln)))
        elif re.match(r"^for\b", s, re.I):
            var, lower, upper, over = _range(s, profile, ln, s)
            flat.append(("for", Statement("for", s, ln, var=var, lower=lower, upper=upper, over=over)))
        elif _ROLLOUTS.match(_strip_math(s)):
            flat.append(("stmt", Statement("rollouts", s, ln)))
        elif _OUTPUT.match(s):
            rest = _OUTPUT.sub("", s, count=1).strip()
            flat.append(("stmt", Statement("return", s, ln,
                                           rhs=_parse_expr(_math_of(rest) or _strip_math(rest), profile, ln,
                                                           "the output"))))
        elif _REQUIRE.match(s):
            flat.append(("stmt", Statement("require", s, ln)))
        elif s.endswith(":") and not _ASSIGN.search(s) and "$" not in s:
            flat.append(("stmt", Statement("label", s, ln)))
        elif _ASSIGN.search(s):
            flat.append(("stmt", _assignment(_strip_math(s), profile, ln)))
        else:
            raise BoxError(f"line {ln}: the statement {s!r} is none the box language reads (an assignment "
                           f"'x ← e', a loop 'for t = 1, …, T', 'collect N episodes with π_θ', a heading "
                           f"ending with ':', a comment '// …', 'output x')")
        i += 1
    return _nest(flat, "end for")


def _nest(flat: list[tuple[str, Any]], closer: str) -> list[Statement]:
    stack: list[tuple[Statement | None, list[Statement]]] = [(None, [])]
    for kind, item in flat:
        if kind == "stmt":
            stack[-1][1].append(item)
        elif kind in ("for", "if"):
            stack.append((item, []))
        else:  # an end
            ln, which = item if isinstance(item, tuple) else (item, None)
            if len(stack) == 1:
                raise BoxError(f"line {ln}: '{closer}' closes no open loop (an unbalanced box)")
            head, body = stack.pop()
            if which is not None and head.kind != which:
                raise BoxError(f"line {ln}: the end of a {which} closes the {head.kind} of line {head.line} "
                               f"{head.text!r}")
            if not body:
                raise BoxError(f"line {head.line}: the {head.kind} {head.text!r} has an empty body")
            stack[-1][1].append(Statement(head.kind, head.text, head.line, var=head.var, lower=head.lower,
                                          upper=head.upper, over=head.over, rhs=head.rhs, body=tuple(body)))
    if len(stack) > 1:
        head = stack[-1][0]
        raise BoxError(f"line {head.line}: the {head.kind} {head.text!r} is never closed (an unbalanced box)")
    return stack[0][1]


# ------------------------------------------------------------------------------------------ LaTeX
_COMMAND = re.compile(r"\\(State|Statex|ForAll|For|EndFor|If|ElsIf|Else|EndIf|Require|Ensure|Return|Comment|"
                      r"While|EndWhile|Repeat|Until|Loop|EndLoop|Procedure|EndProcedure|Function|EndFunction|"
                      r"Call|Input|Output)\b")


def _braced(text: str, i: int) -> tuple[str, int]:
    """The ``{…}`` group starting at or after ``i`` (spaces skipped) and the index after it."""
    while i < len(text) and text[i] in " \t":
        i += 1
    if i >= len(text) or text[i] != "{":
        return "", i
    depth, j = 0, i
    while j < len(text):
        if text[j] == "{" and (j == 0 or text[j - 1] != "\\"):
            depth += 1
        elif text[j] == "}" and text[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[i + 1:j], j + 1
        j += 1
    raise BoxError(f"an unclosed '{{' in {text[i:i + 60]!r}")


def _latex_statements(text: str, line0: int, profile: str) -> list[Statement]:
    body = re.sub(r"(?<!\\)%.*", "", text)
    marks = list(_COMMAND.finditer(body))
    head = body[:marks[0].start()] if marks else body
    if head.strip():
        raise BoxError(f"line {line0}: {head.strip()!r} stands outside any statement of the algorithmic box")
    flat: list[tuple[str, Any]] = []
    for k, m in enumerate(marks):
        cmd = m.group(1)
        end = marks[k + 1].start() if k + 1 < len(marks) else len(body)
        ln = line0 + body[:m.start()].count("\n")
        if cmd in ("For", "ForAll", "If", "While", "Comment", "Procedure", "Function"):
            arg, after = _braced(body, m.end())
            rest = body[after:end].strip()
        else:
            arg, rest = "", body[m.end():end].strip()
        written = body[m.start():end].strip()
        if cmd == "Comment":
            if rest:
                raise BoxError(f"line {ln}: {rest!r} follows a \\Comment outside any statement")
            flat.append(("stmt", Statement("comment", written, ln)))
        elif cmd in ("For", "ForAll"):
            var, lower, upper, over = _range(arg, profile, ln, written)
            flat.append(("for", Statement("for", written, ln, var=var, lower=lower, upper=upper, over=over)))
            if rest:
                raise BoxError(f"line {ln}: {rest!r} after \\For{{…}} is no statement (write \\State)")
        elif cmd == "EndFor":
            flat.append(("end", (ln, "for")))
        elif cmd == "If":
            flat.append(("if", Statement("if", written, ln, rhs=_strip_math(arg))))
        elif cmd == "EndIf":
            flat.append(("end", (ln, "if")))
        elif cmd in ("Require", "Ensure", "Input"):
            flat.append(("stmt", Statement("require", written, ln)))
        elif cmd in ("Return", "Output"):
            rest_math = _math_of(rest) or _strip_math(rest)
            flat.append(("stmt", Statement("return", written, ln,
                                           rhs=_parse_expr(rest_math, profile, ln, "the output"))))
        elif cmd in ("State", "Statex"):
            if not rest:
                continue
            s = re.sub(r"\\Comment\{.*\}\s*$", "", rest).strip()
            words = _strip_math(s)
            if _ASSIGN.search(s):
                flat.append(("stmt", _assignment(_math_of(s) or words, profile, ln)))
            elif _ROLLOUTS.match(words):
                flat.append(("stmt", Statement("rollouts", written, ln)))
            elif _REQUIRE.match(words):
                flat.append(("stmt", Statement("require", written, ln)))
            else:
                raise BoxError(f"line {ln}: the statement {written!r} is none the box language reads")
        else:
            raise BoxError(f"line {ln}: \\{cmd} ({written[:60]!r}) is not read by the box language (read: \\State, "
                           f"\\For, \\ForAll, \\EndFor, \\If, \\EndIf, \\Require, \\Ensure, \\Return, \\Comment)")
    return _nest(flat, "\\EndFor")


# ------------------------------------------------------------------------------------------ boxes
def read_box(text: str, *, kind: str = MARKDOWN, profile: str = "post", line: int = 1, title: str = "",
             estimates: str | None = None) -> Box:
    """The :class:`Box` of a box's inside (Markdown lines, or an ``algorithmic`` body for ``kind="latex"``).

    ``estimates``: the LaTeX of the claim (``\\nabla_\\theta U(\\theta)``), as an annotation states it.

    >>> box = read_box("$$\\\\hat{g} \\\\leftarrow \\\\sum_{t=1}^T \\\\lambda^{t-1} G_n^t$$")
    >>> [s.kind for s in box.statements]
    ['assign']
    """
    if not isinstance(text, str):
        raise BoxError(f"a box is text, got {type(text).__name__}")
    if kind not in (MARKDOWN, LATEX):
        raise BoxError(f"kind must be {MARKDOWN!r} or {LATEX!r}, got {kind!r}")
    stmts = (_markdown_statements if kind == MARKDOWN else _latex_statements)(text, line, profile)
    if not any(s.kind == "assign" for st in stmts for s in st.walk()):
        raise BoxError(f"line {line}: the box assigns nothing: no estimator to check")
    claim = None
    if estimates is not None:
        claim = _parse_expr(estimates, profile, line, "the 'estimates' clause")
    return Box(tuple(stmts), title, kind, line, profile, claim, estimates or "", text)


_SHORTCODE = re.compile(r"\{\{<\s*pseudocode([^>]*)>\}\}(.*?)\{\{<\s*/pseudocode\s*>\}\}", re.S)
_FENCE = re.compile(r"^```+\s*algorithm\b[^\n]*\n(.*?)^```+\s*$", re.S | re.M)
_ALGORITHMIC = re.compile(r"\\begin\{algorithmic\}(?:\[[^\]]*\])?(.*?)\\end\{algorithmic\}", re.S)
_ANNOTATION = re.compile(r"(?:<!--\s*pgverify:(.*?)-->|^[ \t]*%\s*pgverify:(.*)$)\s*$", re.S | re.M)


def _annotation_before(text: str, start: int) -> str | None:
    """The ``estimates`` clause of an annotation just before ``start`` (only blank text between), or None."""
    before = text[:start].rstrip()
    m = None
    for m in _ANNOTATION.finditer(before):
        pass
    if m is None or m.end() < len(before.rstrip()):
        return None
    body = (m.group(1) or m.group(2) or "").strip()
    for clause in re.split(r";|\n", body):
        word, _, rest = clause.strip().partition(" ")
        if word == "estimates":
            return rest.strip()
    return None


def _title(text: str, default: str) -> str:
    m = re.search(r'title\s*=\s*"([^"]*)"', text)
    if m:
        return m.group(1)
    m = re.search(r"\\caption\{([^}]*)\}", text)
    return m.group(1) if m else default


def find_boxes(text: str, *, profile: str = "post") -> tuple[Box | BoxError, ...]:
    """Every box of a Markdown or LaTeX document, in order; a box that cannot be read is its :class:`BoxError`.

    Markdown boxes are ``{{< pseudocode >}}`` shortcodes and ```` ```algorithm ```` fences; LaTeX boxes are
    ``algorithmic`` environments (the title from the enclosing ``\\caption``).
    """
    found: list[tuple[int, int, str, str, str]] = []
    for m in _SHORTCODE.finditer(text):
        found.append((m.start(2), m.start(), m.group(2), MARKDOWN, _title(m.group(1), "pseudocode")))
    for m in _FENCE.finditer(text):
        found.append((m.start(1), m.start(), m.group(1), MARKDOWN, "algorithm"))
    for m in _ALGORITHMIC.finditer(text):
        env = text.rfind("\\begin{algorithm}", 0, m.start())
        head = env if env >= 0 and "\\end{algorithm}" not in text[env:m.start()] else m.start()
        found.append((m.start(1), head, m.group(1), LATEX, _title(text[head:m.start()], "algorithmic")))
    out: list[Box | BoxError] = []
    for start, head, inner, kind, title in sorted(found):
        line = text.count("\n", 0, start) + 1
        claim = _annotation_before(text, head)
        try:
            out.append(read_box(inner, kind=kind, profile=profile, line=line, title=title, estimates=claim))
        except BoxError as e:
            out.append(e)
    return tuple(out)
