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
    readings: tuple[str, ...] = ()
    undiscounted: bool = False

    def walk(self):
        for s in self.statements:
            yield from s.walk()


# ------------------------------------------------------------------------------------------ words
_ROLLOUTS = re.compile(r"^(?:collect|run|sample|generate|draw|roll\s*out)\b.*\b(?:episodes?|trajector(?:y|ies)|"
                       r"roll-?outs?)\b", re.I)
_EACH_EPISODE = re.compile(r"^(?:for\s+)?(?:each|every)\s+(?:episode|trajectory|roll-?out)\b", re.I)
_REQUIRE = re.compile(r"^(?:input|inputs|require|requires|ensure|given|initiali[sz]e|(?:algorithm\s+)?parameters?)\b"
                      r"\s*:?", re.I)
_OUTPUT = re.compile(r"^(?:output|return)\b\s*:?\s*", re.I)
_ASSIGN = re.compile(r"\\leftarrow|\\gets|←|:=|\\coloneqq")


#: Names local to a box (assigned by it, or its inputs): G (a return kept in a variable), δ, I, w (critic weights).
LOCALS = {"G": "G", "\\delta": "delta", "I": "I", "w": "w"}


def box_profile(name: str) -> Any:
    """The profile a box's math is read with: the ``post`` profile (λ, time indices as written) plus the box-local
    names of :data:`LOCALS` (G alone is then a variable, G_n^t still the return of roll-out n)."""
    from dataclasses import replace

    from pgverify.notation.profiles import load_profile

    base = load_profile("post")
    symbols = {**base.symbols, **{k: v for k, v in LOCALS.items() if k != "G"}, _G_SPELLING: "G"}
    return replace(base, name=f"box-{name}", symbols=symbols)


#: The textbook (Sutton & Barto) spelling of a box, rewritten into the post's: (pattern, replacement, what).
#: Each rule used is listed in :attr:`Box.readings`.
TEXTBOOK_RULES = (
    (r"\\(?:boldsymbol|mathbf|bm)\{(\\theta|w)\}", r"\1", "bold θ, w read as θ, w"),
    (r"\\pi\s*\(\s*([^|()]*?)\s*(?:\||\\mid|\\vert)\s*([^,()]*?)\s*,\s*\\theta\s*\)", r"\\pi_\\theta(\1|\2)",
     "π(A|S, θ) read as π_θ(A|S)"),
    (r"\\hat\{?v\}?\s*\(\s*([^,()]*?)\s*,\s*w\s*\)", r"b_{w}(\1)", "v̂(S, w) read as the baseline b_w(S)"),
    (r"\\nabla\s*b_\{w\}", r"\\nabla_{w} b_{w}", "∇v̂(S, w) read as ∇_w b_w(S)"),
    (r"\\nabla\s*(?:\\ln|\\log)", r"\\nabla_\\theta \\log", "∇ ln π read as ∇_θ log π"),
    (r"\\ln\b", r"\\log", "ln read as log"),
    (r"\\gamma\b", r"\\lambda", "the discount γ read as the post's λ"),
    (r"\bS_(\{[^{}]*\}|[A-Za-z0-9])", r"s_\1^{n}", "S_t read as s_t^n (roll-out n)"),
    (r"\bA_(\{[^{}]*\}|[A-Za-z0-9])", r"a_\1^{n}", "A_t read as a_t^n (roll-out n)"),
    (r"\bR_(\{[^{}]*\}|[A-Za-z0-9])", r"r(s_{\1-1}^{n}, a_{\1-1}^{n})", "R_k read as r(S_{k−1}, A_{k−1})"),
    (r"\bG_(\{[^{}]*\}|[A-Za-z0-9])", r"G_n^\1", "G_t read as G_n^t (the return of roll-out n from t)"),
)


def transliterate(latex: str) -> tuple[str, tuple[str, ...]]:
    """``latex`` in the textbook spelling rewritten by :data:`TEXTBOOK_RULES`, and the rules used."""
    used = []
    for pattern, repl, what in TEXTBOOK_RULES:
        latex, k = re.subn(pattern, repl, latex)
        if k:
            used.append(what)
    return latex, tuple(used)


def _parse_row(latex: str, profile: str, line: int, what: str) -> A.Row:
    from pgverify.notation.latex import parse_row, source
    if profile == "textbook":
        latex = transliterate(latex)[0]
    try:
        return parse_row(source(_bare_g(latex), line, 1), box_profile(profile))
    except NotationError as e:
        raise BoxError(f"line {line}: {what} {latex.strip()!r} cannot be read: {e}") from None


#: How the reader spells the box-local G for the LaTeX parser (a symbol no box of RL writes).
_G_SPELLING = "\\hat{\\Gamma}"


def _bare_g(latex: str) -> str:
    """A bare G (no script) is the box-local variable G: spelt \\mathrm{G} for the reader (a Sym)."""
    return re.sub(r"(?<![\\A-Za-z])G(?![_^A-Za-z])", lambda m: _G_SPELLING, latex)


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
                     r"(?:,\s*(?:\\ldots|\\dots|\\cdots|…|\.\s?\.\s?\.)\s*,|\bto\b|\\ldots|\.\.)\s*(.+)", t, re.I)
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
def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _markdown_statements(text: str, line0: int, profile: str) -> list[Statement]:
    """Statements of a Markdown box: ``for …``/``Loop …`` blocks nested by indentation or closed by ``end for``."""
    flat: list[tuple[str, Any]] = []   # ("stmt", Statement) | ("for", Statement) | ("end", line)
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        raw, ln = lines[i], line0 + i
        s = raw.strip()
        s = re.sub(r"^(?:\d+[.:)]|[-*+])\s+", "", s)
        if re.match(r"^(?:for|loop)\b", s, re.I) and not re.fullmatch(r"(?:end\s*(?:for)?|endfor)\.?", s, re.I):
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and _indent(lines[j]) > _indent(raw):   # an indented body: the block ends before
                k = j                                                 # the next line indented no deeper
                while k < len(lines) and (not lines[k].strip() or _indent(lines[k]) > _indent(raw)):
                    k += 1
                head = _loop(s, profile, ln)
                inner = lines[i + 1:k]
                if _ONLINE.match(s):
                    inner = [_online(x) for x in inner]
                body = _markdown_statements("\n".join(inner), ln + 1, profile)
                if not body:
                    raise BoxError(f"line {ln}: the loop {s!r} has an empty body")
                flat.append(("stmt", Statement("for", s, ln, var=head.var, lower=head.lower, upper=head.upper,
                                               over=head.over, body=tuple(body))))
                i = k
                continue
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
        elif s == "terminal value zero":
            flat.append(("stmt", Statement("convention", "v̂(S', w) = 0 at a terminal S'", ln)))
        elif re.match(r"^(?:for|loop)\b", s, re.I):
            flat.append(("for", _loop(s, profile, ln)))
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


_ONLINE = re.compile(r"^loop\s+while\s+\$?S\$?\s+is\s+not\s+terminal\b", re.I)
_TERMINAL_ZERO = re.compile(r"\(\s*if\s+\$?S['′]\$?\s+is\s+terminal,?\s+then\s+\$?\\hat\{?v\}?\(S['′],\s*w\)\s*"
                            r"(?:\\doteq|≐|=|:=)\s*0\s*\$?\s*\)\s*$")


def _online(line: str) -> str:
    """A line of an online loop (``Loop while S is not terminal``) with S, A, S', R read as S_t, A_t, S_{t+1},
    R_{t+1}; the environment's steps (A ∼ π(·|S, θ), "Take action A, observe S', R", S ← S') become comments
    (they are what the roll-out's coordinates are)."""
    body = line.strip()
    indent = line[:len(line) - len(line.lstrip())]
    if re.match(r"^\$?A\s*(?:\\sim|∼)", body) or re.match(r"^take\s+action\b", body, re.I) \
            or re.fullmatch(r"\$?S\s*(?:\\leftarrow|\\gets|←)\s*S['′]\$?", body):
        return f"{indent}// environment step (the roll-out's coordinates): {body}"
    conv = ""
    if _TERMINAL_ZERO.search(body):
        body = _TERMINAL_ZERO.sub("", body).rstrip()
        conv = f"\n{indent}terminal value zero"
    body = re.sub(r"S['′]", "S_{t+1}", body)
    body = re.sub(r"(?<![\\A-Za-z])S(?![_A-Za-z])", "S_t", body)
    body = re.sub(r"(?<![\\A-Za-z])A(?![_A-Za-z(])", "A_t", body)
    body = re.sub(r"(?<![\\A-Za-z])R(?![_A-Za-z])", "R_{t+1}", body)
    return indent + body + conv


def _loop(text: str, profile: str, line: int) -> Statement:
    """The head of a loop: ``for t = 1, …, T``, ``for each episode``, and the textbook's ``Loop forever (for each
    episode):`` (N i.i.d. episodes: θ's updates are read at first order, so each is at the same θ) and ``Loop for
    each step of the episode, t = 0, 1, …, T − 1:``."""
    if _ONLINE.match(text.strip()):
        if profile != "textbook":
            raise BoxError(f"line {line}: the online loop {text!r} is read with the textbook profile only")
        t = "t = 0, \\ldots, T-1"
        return Statement("for", text, line, var="t", lower=_parse_expr("0", profile, line, "the loop's bound"),
                         upper=_parse_expr("T-1", profile, line, "the loop's bound"), over="time")
    t = re.sub(r"^loop\s+forever\s*\((for\s+each\s+episode)\)\s*:?\s*$", r"\1", text.strip(), flags=re.I)
    t = re.sub(r"^loop\s+for\s+each\s+step\s+of\s+the\s+episode\s*,?\s*", "", t, flags=re.I)
    t = re.sub(r"^loop\s+", "", t, flags=re.I)
    var, lower, upper, over = _range(t, profile, line, text)
    return Statement("for", text, line, var=var, lower=lower, upper=upper, over=over)


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
                      r"Call|Input|Output|STATE|FORALL|FOR|ENDFOR|IF|ELSIF|ELSE|ENDIF|REQUIRE|ENSURE|RETURN|"
                      r"COMMENT|WHILE|ENDWHILE|REPEAT|UNTIL|LOOP|ENDLOOP)\b")
#: The ``algorithmic`` package's upper-case commands, as ``algpseudocode`` spells them.
_UPPER = {"STATE": "State", "FORALL": "ForAll", "FOR": "For", "ENDFOR": "EndFor", "IF": "If", "ELSIF": "ElsIf",
          "ELSE": "Else", "ENDIF": "EndIf", "REQUIRE": "Require", "ENSURE": "Ensure", "RETURN": "Return",
          "COMMENT": "Comment", "WHILE": "While", "ENDWHILE": "EndWhile", "REPEAT": "Repeat", "UNTIL": "Until",
          "LOOP": "Loop", "ENDLOOP": "EndLoop"}


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
        cmd = _UPPER.get(m.group(1), m.group(1))
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
             estimates: str | None = None, undiscounted: bool = False) -> Box:
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
    if profile not in ("post", "textbook"):
        raise BoxError(f"a box is read with the profile 'post' or 'textbook', got {profile!r}")
    stmts = (_markdown_statements if kind == MARKDOWN else _latex_statements)(text, line, profile)
    if not any(s.kind == "assign" for st in stmts for s in st.walk()):
        raise BoxError(f"line {line}: the box assigns nothing: no estimator to check")
    claim = None
    if estimates is not None:
        claim = _parse_expr(estimates, "post", line, "the 'estimates' clause")
    readings = transliterate(text)[1] if profile == "textbook" else ()
    if any(_ONLINE.match(x.strip()) for x in text.split("\n")):
        readings += ("online loop: S, A, S', R read as S_t, A_t, S_{t+1}, R_{t+1}; A ∼ π, 'Take action', S ← S' are "
                     "the roll-out's own steps",)
    return Box(tuple(stmts), title, kind, line, profile, claim, estimates or "", text, readings, undiscounted)


_SHORTCODE = re.compile(r"\{\{<\s*pseudocode([^>]*)>\}\}(.*?)\{\{<\s*/pseudocode\s*>\}\}", re.S)
_FENCE = re.compile(r"^```+\s*algorithm\b[^\n]*\n(.*?)^```+\s*$", re.S | re.M)
_ALGORITHMIC = re.compile(r"\\begin\{algorithmic\}(?:\[[^\]]*\])?(.*?)\\end\{algorithmic\}", re.S)
_ANNOTATION = re.compile(r"(?:<!--\s*pgverify:(.*?)-->|^[ \t]*%\s*pgverify:(.*)$)\s*$", re.S | re.M)


def _annotation_before(text: str, start: int) -> dict:
    """The clauses of the annotation just before ``start`` (only blank text between): ``estimates`` (its LaTeX),
    ``profile`` (post or textbook), ``undiscounted`` (``where \\lambda = 1`` / ``where \\gamma = 1``).  Any other
    clause raises :class:`BoxError` (a clause is consumed or refused, never ignored)."""
    before = text[:start].rstrip()
    m = None
    for m in _ANNOTATION.finditer(before):
        pass
    if m is None or m.end() < len(before.rstrip()):
        return {}
    return box_annotation((m.group(1) or m.group(2) or "").strip())


#: A box's opening: an annotation just before one belongs to the box (:func:`box_annotation`).
BOX_OPENING = re.compile(r"\s*(?:\{\{<\s*pseudocode|```+\s*algorithm|\\begin\{algorithm)")


def box_annotation(body: str) -> dict:
    """The clauses of a box's annotation (see :func:`_annotation_before`); :class:`BoxError` for any other."""
    out: dict = {}
    for clause in re.split(r";|\n", body):
        clause = clause.strip()
        word, _, rest = clause.partition(" ")
        if not clause:
            continue
        if word == "estimates":
            out["estimates"] = rest.strip()
        elif word == "profile" and rest.strip() in ("post", "textbook"):
            out["profile"] = rest.strip()
        elif re.fullmatch(r"where\s+\\(?:lambda|gamma)\s*=\s*1", clause):
            out["undiscounted"] = True
        else:
            raise BoxError(f"the box's annotation clause {clause!r} is not read for a box (read: estimates "
                           f"\\nabla_\\theta U(\\theta); profile post|textbook; where \\lambda = 1)")
    return out


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
        try:
            ann = _annotation_before(text, head)
            out.append(read_box(inner, kind=kind, profile=ann.get("profile", profile), line=line, title=title,
                                estimates=ann.get("estimates"), undiscounted=ann.get("undiscounted", False)))
        except BoxError as e:
            out.append(e)
    return tuple(out)
