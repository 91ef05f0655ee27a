"""Documents: the displays of a Markdown or LaTeX file (or a plain string), each parsed line by line.

``read_document(path_or_text, kind=…, profile=…)`` returns a :class:`Document`:
every display with its source line, raw and unescaped LaTeX, annotations,
profile, its rows (each parsed, or the error it got), the chain when every row
parsed, and the ill-formedness findings of the free-variable analysis.

Markdown: ``$$ … $$`` and ``\\[ … \\]`` displays (also several on one line, also inside blockquotes
``> $$ …``, whose ``>`` markers are dropped) and bare ``\\begin{aligned}``-style environments; Hugo shortcode
lines (``{{% … %}}``, ``{{< … >}}``) are skipped; fenced code is skipped.  With Markdown escaping on
(Hugo/Goldmark, the default when the file has TOML front matter ``+++`` or a
display contains ``\\_``), a display is ``\\\\[ … \\\\]`` (``\\[`` is an escaped bracket), ``\\X`` for
ASCII punctuation X reads X (``\\_`` is
``_``, ``\\\\;`` is ``\\;``) and ``\\\\\\`` at the end of a line is the row
break ``\\\\``; inside ``{{< … >}}`` shortcodes (not rendered as Markdown) the
text is raw.  LaTeX: ``equation``, ``align``, ``aligned``, ``split``, ``gather``
(starred or not), ``\\[ … \\]`` and ``$$ … $$``; ``%`` comments and ``\\label``,
``\\nonumber``, ``\\notag`` are dropped.

Profiles: the API argument wins over the file's own choice (front matter
``pgverify_profile = "textbook"`` / ``pgverify_profile: textbook``, or a
``pgverify: profile …`` annotation not next to any display), which wins over
the default; an annotation next to a display overrides all of them for that
display.  Annotations come from comments next to a display and from a side
file (``annotations=`` a path or a shipped name; by default
``<file>.pgverify.toml`` beside the file, or a shipped side file whose
``title`` is the front matter's title).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator

try:  # Python ≥ 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from pgverify.notation import ast as A
from pgverify.notation.annotations import (Annotations, load_side_file, parse_annotation, profile_named,
                                          side_file_names)
from pgverify.notation.ast import Pos
from pgverify.notation.errors import AnnotationError, IllFormedDisplay, MalformedNotation, NotationError
from pgverify.notation.latex import Source, expand_macros, parse_row, source, split_rows
from pgverify.notation.macros import broken_notes, document_macros, expand_source
from pgverify.notation.margins import cancel_checks
from pgverify.notation.names import AUTHOR_NAMES, apply_document_definitions, document_names
from pgverify.notation.trajectories import categorical
from pgverify.notation.profiles import DEFAULT_PROFILE, load_profile
from pgverify.notation.scope import check_chain

__all__ = ["Document", "Display", "DisplayLine", "read_document", "read_displays", "read_source", "blank_code_and_comments",
           "unescape_markdown", "KINDS", "ESCAPES", "UnreadableDocument", "ReadingFailure"]

#: What a source can be.
KINDS = ("md", "tex", "text")
#: How Markdown escapes are read inside displays.
ESCAPES = ("auto", "markdown", "none")

_MAX_BYTES = 5_000_000


class UnreadableDocument(NotationError):
    """A file that cannot be read as a document: missing, a directory, not permitted, not UTF-8, an unclosed display."""

    kind = "unreadable"


class ReadingFailure(NotationError):
    """An exception not of the notation family raised while one display was read: it costs that display only."""

    kind = "internal error"


def read_source(path: Path) -> str:
    """The text of the document ``path``, or an :class:`UnreadableDocument` naming why it cannot be read."""
    if not path.exists():
        raise UnreadableDocument(f"{path}: no such file")
    if path.is_dir():
        raise UnreadableDocument(f"{path} is a directory, not a document")
    if not path.is_file():
        raise UnreadableDocument(f"{path} is not a regular file")
    size = path.stat().st_size
    if size > _MAX_BYTES:
        raise UnreadableDocument(f"{path} is {size} bytes, more than the limit {_MAX_BYTES}")
    try:
        data = path.read_bytes()
    except PermissionError:
        raise UnreadableDocument(f"{path} cannot be read: permission denied") from None
    except OSError as e:
        raise UnreadableDocument(f"{path} cannot be read: {e.strerror or e}") from None
    try:
        return data.decode("utf-8-sig")  # a byte-order mark is not text (front matter must start the file)
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise UnreadableDocument(f"{path} is not UTF-8 text: byte 0x{data[e.start]:02x} on line {line} (offset "
                                 f"{e.start}) does not decode; save the file as UTF-8") from None


@dataclass(frozen=True)
class DisplayLine:
    """One row of a display: where it is, its LaTeX, and the parsed row or the error."""

    line: int
    latex: str
    row: A.Row | None
    error: NotationError | None = None


@dataclass(frozen=True)
class Display:
    """One display of a document."""

    index: int
    line: int
    raw: str
    latex: str
    profile: str
    annotations: Annotations
    lines: tuple[DisplayLine, ...]
    chain: A.Chain | None
    issues: tuple[IllFormedDisplay, ...] = ()
    #: What the reading depended on beyond the display's own text (the document's macros as expanded, the
    #: author's names in force): part of the cache's key.
    context: str = ""

    @property
    def error(self) -> NotationError | None:
        """The first reading error (unsupported / malformed / ambiguous), if any row did not parse."""
        return next((ln.error for ln in self.lines if ln.error is not None), None)

    @property
    def well_formed(self) -> bool:
        return self.chain is not None and not self.issues

    @property
    def status(self) -> str:
        """``ok``, ``ill-formed`` (parsed, does not type-check), or the error kind that stopped the reading."""
        if self.error is not None:
            return self.error.kind
        return "ill-formed" if self.issues else "ok"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: where, what was written, what was understood (the AST rendered back), findings."""
        from pgverify.notation.render import render_latex

        return {"line": self.line, "ids": list(self.annotations.ids), "profile": self.profile, "status": self.status,
                "latex": self.latex.strip(),
                "understood": render_latex(self.chain, profile=self.profile) if self.chain is not None else None,
                "lines": [{"line": ln.line, "latex": ln.latex,
                           "understood": render_latex(ln.row, profile=self.profile) if ln.row is not None else None,
                           "error": None if ln.error is None else str(ln.error)} for ln in self.lines],
                "issues": [str(i) for i in self.issues],
                "annotations": list(self.annotations.texts)}


@dataclass(frozen=True)
class Document:
    """The displays of one source, in order."""

    path: str | None
    kind: str
    profile: str
    escapes: str
    displays: tuple[Display, ...]
    front_matter: dict[str, Any] = field(default_factory=dict, compare=False)
    #: What the reader reports about the document as a whole (a macro definition that cannot be read).
    notes: tuple[str, ...] = ()

    @property
    def lines(self) -> tuple[DisplayLine, ...]:
        """Every displayed line of every display, in order."""
        return tuple(ln for d in self.displays for ln in d.lines)

    def by_id(self, claim_id: str) -> tuple[Display, ...]:
        """The displays annotated with catalogue id ``claim_id`` (a statement and its proof share one)."""
        found = tuple(d for d in self.displays if claim_id in d.annotations.ids)
        if not found:
            raise KeyError(f"no display is annotated with id {claim_id!r}")
        return found


# --------------------------------------------------------------------------- escaping

_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def unescape_markdown(src: Source) -> Source:
    """Undo Markdown backslash escapes (keeping every character's position); ``\\\\\\`` + newline is ``\\\\``."""
    text, out_chars, out_where, i = src.text, [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and text.startswith("\\\\\\", i) and re.match(r"[ \t]*(\n|$)", text[i + 3:]):
            out_chars += ["\\", "\\"]
            out_where += [src.pos(i), src.pos(i + 1)]
            i += 3
            continue
        if c == "\\" and i + 1 < len(text) and text[i + 1] in _PUNCT:
            out_chars.append(text[i + 1])
            out_where.append(src.pos(i))
            i += 2
            continue
        out_chars.append(c)
        out_where.append(src.pos(i))
        i += 1
    return Source("".join(out_chars), tuple(out_where) + (src.pos(len(text)),))


# --------------------------------------------------------------------------- extraction

@dataclass(frozen=True)
class _Raw:
    src: Source            # the display's content, positions in the file
    raw: str
    markdown: bool         # Markdown-rendered region (escapes apply)
    before: int            # offset where the display starts (with delimiters)
    after: int             # offset one past its end


_FRONT_TOML = re.compile(r"\A\+\+\+[ \t]*\n(.*?)\n\+\+\+[ \t]*(\n|\Z)", re.S)
_FRONT_YAML = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(\n|\Z)", re.S)
_MD_COMMENT = re.compile(r"<!--\s*pgverify:(.*?)-->", re.S)
_TEX_COMMENT = re.compile(r"(?<!\\)%[ \t]*pgverify:(.*)$", re.M)  # at a line's start or after a display
_ENVS = r"(?:equation|align|aligned|split|gather|gathered|eqnarray|multline)\*?"


def _front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    m = _FRONT_TOML.match(text)
    if m:
        try:
            data = tomllib.loads(m.group(1))
        except tomllib.TOMLDecodeError as e:
            raise MalformedNotation(f"front matter is not valid TOML: {e}", Pos(1, 1)) from None
        return data, "toml", m.end()
    m = _FRONT_YAML.match(text)
    if m:
        data: dict[str, Any] = {}
        for line in m.group(1).splitlines():
            kv = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$", line)
            if kv:
                data[kv.group(1)] = kv.group(2).strip("'\"")
        return data, "yaml", m.end()
    return {}, "", 0


#: ``\[ … \]`` in Markdown: with escapes on (Hugo) ``\[`` is an escaped bracket and the display is ``\\[ … \\]``.
_MD_BRACKETS = {False: re.compile(r"(?<!\\)\\\[(.*?)(?<!\\)\\\]", re.S),
                True: re.compile(r"(?<!\\)\\\\\[(.*?)\\\\\]", re.S)}
#: An inline code span on one line (`` `$$` ``): its delimiters are text, not a display.
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)[^`\n]+?(?<!`)\1(?!`)")
#: A blockquote's markers at the start of a line (``> ``, ``> > ``).
_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.M)


def _md_displays(text: str, full: Source, escapes: str) -> list[_Raw]:
    """``$$ … $$``, ``\\[ … \\]`` and bare environments, also inside blockquotes (``> $$ …``: markers dropped).

    ``escapes``: ``"markdown"``, ``"none"`` or ``"auto"`` (on when a display holds ``\\_``); it decides which
    brackets open a display (``\\\\[`` with escapes, ``\\[`` without).
    """
    raw_regions: list[tuple[int, int]] = []
    for m in re.finditer(r"\{\{<\s*(\w+)[^>]*>\}\}(.*?)\{\{<\s*/\1\s*>\}\}", text, re.S):
        raw_regions.append((m.start(2), m.end(2)))
    masked = blank_code_and_comments(text, "md")  # delimiters in code and comments are text
    found: list[tuple[int, int, int, int]] = []  # (start, end, content start, content end)
    pattern = re.compile(r"\$\$(.*?)\$\$|(\\begin\{(" + _ENVS + r")\}.*?\\end\{\3\})", re.S)
    for m in pattern.finditer(masked):
        g = 1 if m.group(1) is not None else 2
        found.append((m.start(), m.end(), m.start(g), m.end(g)))
    if escapes == "auto":
        escaped = any("\\_" in text[a:b] for _, _, a, b in found) or any(
            "\\_" in m.group(1) for m in _MD_BRACKETS[True].finditer(masked))
    else:
        escaped = escapes == "markdown"
    taken = _within([(s, e) for s, e, _, _ in found])
    for m in _MD_BRACKETS[escaped].finditer(masked):
        if taken(m.start()):
            continue
        found.append((m.start(), m.end(), m.start(1), m.end(1)))
    _check_closed(masked, full, [(s, e) for s, e, _, _ in found], _MD_BRACKETS[escaped].pattern.split("(.*?)")[0])
    out = []
    for start, end, a, b in sorted(found):
        src = full.slice(a, b)
        line_start = text.rfind("\n", 0, start) + 1
        if re.fullmatch(r"[ \t]*(?:>[ \t]?)+[ \t]*", text[line_start:start]):
            src = _unquote(src)
        out.append(_Raw(src, text[a:b], not _inside(a, raw_regions), start, end))
    return out


def _inside(i: int, regions: list[tuple[int, int]]) -> bool:
    return any(a <= i < b for a, b in regions)


def _within(regions: list[tuple[int, int]]) -> Callable[[int], bool]:
    """``i ↦ _inside(i, regions)`` in O(log n) a call (a document of 10 000 displays asks it for each delimiter):
    the regions sorted by start, with the largest end among those starting at or before each one."""
    ordered = sorted(regions)
    starts = [a for a, _ in ordered]
    reach, top = [], -1
    for _, b in ordered:
        top = max(top, b)
        reach.append(top)

    def inside(i: int) -> bool:
        k = bisect_right(starts, i) - 1
        return k >= 0 and reach[k] > i

    return inside


def blank_code_and_comments(text: str, kind: str) -> str:
    """``text`` with the regions where a display delimiter is text blanked (newlines kept, so offsets stay).

    Markdown (``kind="md"``): fenced code, inline code on one line (`` `$$` ``) and HTML comments; LaTeX
    (``"tex"``): ``%`` comments.  The reader finds displays in this text, and ``pgverify annotate`` places
    verdicts by it, so both agree on where each display is.
    """
    if kind == "tex":
        return _mask(text, [(m.start(), m.end()) for m in re.finditer(r"(?<!\\)%[^\n]*", text)])
    regions = [(m.start(), m.end()) for m in re.finditer(r"^(```|~~~).*?^\1[ \t]*$", text, re.S | re.M)]
    regions += [(m.start(), m.end()) for m in re.finditer(r"<!--.*?-->", text, re.S)]
    regions += [(m.start(), m.end()) for m in _CODE_SPAN.finditer(text)]
    return _mask(text, regions)


def _mask(text: str, regions: list[tuple[int, int]]) -> str:
    """``text`` with every region blanked (newlines kept, so offsets and lines stay): no delimiter is found there."""
    chars = list(text)
    for a, b in regions:
        for k in range(a, b):
            if chars[k] != "\n":
                chars[k] = " "
    return "".join(chars)


def _unquote(src: Source) -> Source:
    """A display inside a blockquote: the ``>`` markers at the start of its continuation lines dropped."""
    keep = [True] * len(src.text)
    for m in _QUOTE.finditer(src.text):
        if m.start() == 0 or src.text[m.start() - 1] != "\n":
            continue
        for k in range(m.start(), m.end()):
            keep[k] = False
    chars = "".join(c for c, k in zip(src.text, keep) if k)
    where = tuple(w for w, k in zip(src.where, keep) if k) + (src.where[-1],)
    return Source(chars, where)


def _tex_displays(text: str, full: Source) -> list[_Raw]:
    out: list[_Raw] = []
    pattern = re.compile(r"\$\$(.*?)\$\$|\\\[(.*?)\\\]|(\\begin\{(" + _ENVS + r")\}.*?\\end\{\4\})", re.S)
    masked = blank_code_and_comments(text, "tex")
    for m in pattern.finditer(masked):
        g = next(k for k in (1, 2, 3) if m.group(k) is not None)
        a, b = m.start(g), m.end(g)
        out.append(_Raw(full.slice(a, b), text[a:b], False, m.start(), m.end()))
    _check_closed(masked, full, [(r.before, r.after) for r in out], r"(?<!\\)\\\[")
    return out


#: A delimiter outside every display: an unclosed display (or a closing one without its opening).
_STRAY = re.compile(r"(\$\$)|\\(begin|end)\{(" + _ENVS + r")\}")


def _check_closed(text: str, full: Source, spans: list[tuple[int, int]], bracket: str) -> None:
    """Every display delimiter belongs to a display; else a :class:`MalformedNotation` naming its line.

    ``text``: the source with code and comments blanked; ``spans``: the displays found; ``bracket``: the pattern
    that opens a ``\\[ … \\]`` display here.  An ``\\begin{env}`` inside a display of the same ``env`` is the
    sign of an earlier one left open.
    """
    stray = []
    inside = _within(spans)
    for m in _STRAY.finditer(text):
        if not inside(m.start()):
            stray.append(m)
        elif m.group(2) == "begin" and any(a < m.start() and text.startswith(f"\\begin{{{m.group(3)}}}", a)
                                           for a, b in spans if a <= m.start() < b):
            stray.append(m)
    stray += [m for m in re.finditer(bracket, text) if not inside(m.start())]
    if not stray:
        return
    m = min(stray, key=lambda x: x.start())
    at = full.pos(m.start())
    if m.group(0) == "$$":
        raise MalformedNotation("this `$$` has no closing `$$` (the file has an odd number of them: a display at or "
                                "before this line is not closed)", at)
    if m.lastindex and m.group(2) == "end":
        raise MalformedNotation(f"`\\end{{{m.group(3)}}}` closes no display (its `\\begin{{{m.group(3)}}}` is missing)",
                                at)
    if m.lastindex and m.group(2) == "begin":
        raise MalformedNotation(f"`\\begin{{{m.group(3)}}}` is never closed by `\\end{{{m.group(3)}}}`", at)
    raise MalformedNotation(f"`{m.group(0)}` opens a display that is never closed", at)


def _strip_tex(src: Source) -> Source:
    """Drop ``%`` comments and ``\\label{…}``, ``\\nonumber``, ``\\notag`` (keeping positions of the rest)."""
    keep = [True] * len(src.text)
    for m in re.finditer(r"(?<!\\)%[^\n]*|\\label\{[^}]*\}|\\nonumber\b|\\notag\b", src.text):
        for k in range(m.start(), m.end()):
            keep[k] = False
    chars = "".join(c for c, k in zip(src.text, keep) if k)
    where = tuple(w for w, k in zip(src.where, keep) if k) + (src.where[-1],)
    return Source(chars, where)


# --------------------------------------------------------------------------- reading

def _gap_is_blank(text: str, a: int, b: int) -> bool:
    """Only white space (and blockquote markers ``>``) between a and b."""
    return _QUOTE.sub("", text[a:b]).strip() == ""


def read_document(path_or_text: "str | Path", *, kind: str | None = None, profile: str | None = None,
                  escapes: str = "auto", annotations: "str | Path | None" = "auto") -> Document:
    """Read every display of a file (a :class:`~pathlib.Path`, or a string naming an existing file) or of text.

    ``kind``: ``"md"``, ``"tex"`` or ``"text"`` (default: from the file's suffix; ``"text"`` for a string that is
    not a path — each paragraph, separated by blank lines, is one display).  ``profile``: overrides the file's own choice.
    ``escapes``: ``"auto"``, ``"markdown"`` or ``"none"``.  ``annotations``: a side file (path or shipped name),
    ``"auto"`` or None.
    """
    head, _count, displays = read_displays(path_or_text, kind=kind, profile=profile, escapes=escapes,
                                           annotations=annotations)
    return replace(head, displays=tuple(displays))


def read_displays(path_or_text: "str | Path", *, kind: str | None = None, profile: str | None = None,
                  escapes: str = "auto", annotations: "str | Path | None" = "auto", rows: bool = True
                  ) -> "tuple[Document, int, Iterator[Display]]":
    """:func:`read_document` read lazily: the document without its displays, how many displays it has, and an
    iterator that parses them one at a time, in order (a long document is never held parsed whole).

    ``rows=False``: each display with its annotations only (no row parsed: ``lines`` empty, ``chain`` None), for a
    count of the work before any display is read whole.

    The file's own errors (unreadable, an unclosed display, a stray or unmatched annotation) are raised here, before
    any display is parsed; each display's errors are its own, as in :func:`read_document`.
    """
    if kind is not None and kind not in KINDS:
        raise MalformedNotation(f"kind={kind!r} is not one of {KINDS}")
    if escapes not in ESCAPES:
        raise MalformedNotation(f"escapes={escapes!r} is not one of {ESCAPES}")
    path: Path | None = None
    if isinstance(path_or_text, Path) or (isinstance(path_or_text, str) and "\n" not in path_or_text
                                          and len(path_or_text) < 4096 and Path(path_or_text).is_file()):
        path = Path(path_or_text)
        text = read_source(path)
        if kind is None:
            kind = {".md": "md", ".markdown": "md", ".tex": "tex", ".ltx": "tex"}.get(path.suffix.lower(), "text")
    elif isinstance(path_or_text, str):
        if re.fullmatch(r"[^\s$\\{}]+\.(md|markdown|tex|ltx)", path_or_text):
            raise MalformedNotation(f"file {path_or_text!r} does not exist (pass a Path, or LaTeX text)")
        text = path_or_text
        kind = kind or "text"
    else:
        raise TypeError(f"read_document expects a path or a string, got {type(path_or_text).__name__}")
    text = text.replace("\r\n", "\n")
    full = source(text)

    front, front_kind, body_start = _front_matter(text) if kind == "md" else ({}, "", 0)
    file_profile = profile or _profile_from_front(front) or None

    # annotation comments, with their spans
    comment_re = _MD_COMMENT if kind == "md" else _TEX_COMMENT
    comments = [(m.start(), m.end(), m.group(1), full.pos(m.start())) for m in comment_re.finditer(text)] \
        if kind != "text" else []

    if kind == "md":
        raws = _md_displays(text, full, "markdown" if front_kind == "toml" and escapes == "auto" else escapes)
    elif kind == "tex":
        raws = _tex_displays(text, full)
    else:  # plain text: paragraphs (separated by blank lines) are displays; a single newline is a space
        raws = [_Raw(full.slice(m.start(), m.end()), m.group(0), False, m.start(), m.end())
                for m in re.finditer(r"\S(?:.*?\S)?(?=\n[ \t]*\n|\s*\Z)", text, re.S)]

    if escapes == "auto":
        md_escapes = kind == "md" and (front_kind == "toml" or any("\\_" in r.raw for r in raws))
    else:
        md_escapes = escapes == "markdown"

    # attach comments: to the display right after (only blank text between), else right before, else file level
    attached: dict[int, list[tuple[str, Pos]]] = {}
    file_level: list[tuple[str, Pos]] = []
    from pgverify.notation.boxes import BOX_OPENING, BoxError, box_annotation  # issue 22: a box's own claim
    for a, b, body, pos in comments:
        if BOX_OPENING.match(text, b):
            try:
                box_annotation(body.strip())   # read by `pgverify boxes`; its clauses are a box's only
            except BoxError as e:
                raise AnnotationError(str(e), pos) from None
            continue
        target = next((k for k, r in enumerate(raws) if r.before >= b and _gap_is_blank(text, b, r.before)), None)
        if target is None:
            target = next((k for k, r in enumerate(raws) if r.after <= a and _gap_is_blank(text, r.after, a)), None)
        if target is None:
            file_level.append((body, pos))
        else:
            attached.setdefault(target, []).append((body, pos))
    for body, pos in file_level:
        ann = parse_annotation(body, pos=pos)
        if ann.profile is None or replace(ann, profile=None) != Annotations():  # any clause but 'profile'
            raise AnnotationError(f"annotation {body.strip()!r} is not next to a display (only 'profile' may "
                                  f"stand alone)", pos)
        if profile is None:
            file_profile = ann.profile
    file_profile = file_profile or DEFAULT_PROFILE
    load_profile(file_profile)

    # side file
    side_entries = ()
    side = annotations
    if side == "auto":
        side = None
        if path is not None and path.with_name(path.name + ".pgverify.toml").is_file():
            side = path.with_name(path.name + ".pgverify.toml")
        elif front.get("title"):
            for name in side_file_names():
                meta, _ = load_side_file(name)
                if meta.get("title") == front.get("title"):
                    side = name
                    break
    if side is not None:
        _meta, side_entries = load_side_file(side)

    contents = []
    for r in raws:
        src = unescape_markdown(r.src) if (md_escapes and r.markdown) else r.src
        if kind == "tex":
            src = _strip_tex(src)
        contents.append(src)
    squashed = [re.sub(r"\s+", "", c.text) for c in contents]
    side_for: dict[int, list[str]] = {}
    for e in side_entries:
        key = re.sub(r"\s+", "", e.match)
        hits = [k for k, s in enumerate(squashed) if key in s]
        if len(hits) != 1:
            raise AnnotationError(f"side-file entry {e.match[:60]!r} matches {len(hits)} displays (it must match "
                                  f"exactly one)")
        side_for.setdefault(hits[0], []).append(e.annotation)

    if not rows:  # the annotations only, for a count of the work (no macro expanded, no row parsed)
        def heads() -> Iterator[Display]:
            for k, (r, src) in enumerate(zip(raws, contents)):
                line = r.src.pos(0).line
                try:
                    ann = Annotations()
                    bodies = [(body, Pos(line, 1)) for body in side_for.get(k, [])] + attached.get(k, [])
                    named = [n for n in (profile_named(body) for body, _ in bodies) if n]
                    for body, pos in bodies:
                        ann = ann.merge(parse_annotation(body, profile=named[-1] if named else file_profile, pos=pos))
                    yield Display(k, line, r.raw, src.text, ann.profile or file_profile, ann, (), None)
                except NotationError as e:
                    yield _unread(k, r.raw, src, file_profile, e)
                except Exception as e:  # noqa: BLE001 - the display boundary
                    yield _unread(k, r.raw, src, file_profile,
                                  ReadingFailure(f"{type(e).__name__}: {e}", Pos(line, 1)))
        return (Document(str(path) if path else None, kind, file_profile, "markdown" if md_escapes else "none", (),
                         front), len(raws), heads())
    # read whole, in order: the document's macros and the author's names (names.py) apply to the displays after their
    # definitions, and a definition row changes the displays that follow it, so the displays are read before the
    # first is checked (the results still stream as they are decided)
    displays: list[Display] = []
    # the document's own macros (pgverify.notation.macros): the table in force at each display, its definitions
    # blanked; a display of definitions only is a macro block, not a claim
    macro_tables = document_macros(kind, blank_code_and_comments(text, kind) if kind != "text" else text,
                                   full.where, [(r.before, r.after) for r in raws], contents)
    # the author's own names (names.py): those the document defines are read as names while it is read
    authors = document_names([(t[1], t[0]) for t in macro_tables],
                             [b for bodies in attached.values() for b, _ in bodies] +
                             [b for bodies in side_for.values() for b in bodies], load_profile(file_profile))
    author_token = AUTHOR_NAMES.set(authors)
    try:
        _read_all(raws, contents, macro_tables, attached, side_for, file_profile, displays)
    finally:
        AUTHOR_NAMES.reset(author_token)
    try:
        displays = apply_document_definitions(displays, authors)
    except Exception as e:  # noqa: BLE001 - never a crash of the run: every display the names touch is refused
        displays = [_unread(d.index, d.raw, source(d.latex, d.line), d.profile,
                            ReadingFailure(f"the author's names: {type(e).__name__}: {e}", Pos(d.line, 1)))
                    for d in displays]
    return (Document(str(path) if path else None, kind, file_profile, "markdown" if md_escapes else "none", (), front,
                     broken_notes(t[0] for t in macro_tables)), len(displays), iter(displays))


def _read_all(raws, contents, macro_tables, attached, side_for, file_profile, displays) -> None:
    """Read each display into ``displays`` (the body of :func:`read_document`'s last loop)."""
    for k, (r, src) in enumerate(zip(raws, contents)):
        line = r.src.pos(0).line
        macros, src, only_definitions, macro_problem = macro_tables[k]
        if only_definitions and not attached.get(k) and not side_for.get(k):
            continue
        if macro_problem is not None:
            displays.append(_unread(k, r.raw, src, file_profile, macro_problem))
            continue
        try:  # what goes wrong in one display's annotations or reading costs that display only
            ann = Annotations()
            bodies = [(body, Pos(line, 1)) for body in side_for.get(k, [])] + attached.get(k, [])
            # every clause is read in the display's profile: a `profile` clause (the last wins) names it
            named = [n for n in (profile_named(body) for body, _ in bodies) if n]
            for body, pos in bodies:
                ann = ann.merge(parse_annotation(body, profile=named[-1] if named else file_profile, pos=pos))
            prof = ann.profile or file_profile
            displays.append(_read_display(k, r.raw, src, prof, ann, macros))
        except NotationError as e:
            displays.append(_unread(k, r.raw, src, file_profile, e))
        except Exception as e:  # noqa: BLE001 - the display boundary: an internal error is this display's reason
            displays.append(_unread(k, r.raw, src, file_profile,
                                    ReadingFailure(f"{type(e).__name__}: {e}", Pos(line, 1))))


def _profile_from_front(front: dict[str, Any]) -> str | None:
    if isinstance(front.get("pgverify"), dict) and "profile" in front["pgverify"]:
        return str(front["pgverify"]["profile"])
    if "pgverify_profile" in front:
        return str(front["pgverify_profile"])
    return None


def _unread(index: int, raw: str, src: Source, profile: str, error: NotationError) -> Display:
    """A display whose annotations (or reading) failed: one row carrying the error, no chain, no annotations."""
    start = src.strip()
    return Display(index, start.pos(0).line, raw, src.text, profile, Annotations(),
                   (DisplayLine(start.pos(0).line, start.text, None, error),), None)


def _read_display(index: int, raw: str, src: Source, profile: str, ann: Annotations,
                  macros: "dict | None" = None) -> Display:
    prof = load_profile(profile)
    lines: list[DisplayLine] = []
    authors = sorted(AUTHOR_NAMES.get())
    context = (f"names {authors} " if authors else "") + (f"macros {sorted(macros.items())!r}" if macros else "")
    try:
        rows = split_rows(expand_macros(expand_source(src, macros) if macros else src, prof))
    except NotationError as e:
        start = src.strip()
        lines.append(DisplayLine(start.pos(0).line, start.text, None, e))
        return Display(index, src.pos(0).line, raw, src.text, profile, ann, tuple(lines), None, context=context)
    cancels: list[A.Row] = []  # \cancel{X}: the check that X vanishes where it stands (margins.py)
    for r in rows:
        try:
            row = parse_row(r, prof)
            cancels.extend(cancel_checks(r, prof, row))
            lines.append(DisplayLine(r.pos(0).line, r.text, row))
        except NotationError as e:
            lines.append(DisplayLine(r.pos(0).line, r.text, None, e))
    chain, issues = None, ()
    if lines and all(ln.row is not None for ln in lines):
        parsed = tuple(ln.row for ln in lines)
        if parsed[0].lhs is None:
            issues = (IllFormedDisplay("the first line starts with a relation: it has no left side", parsed[0].pos),)
        chain = categorical(A.Chain(parsed + tuple(cancels), pos=parsed[0].pos))  # P_θ(x): notation.trajectories
        if not issues:
            quantified = set(ann.quantified)
            issues = check_chain(A.Chain(chain.rows + ann.also, pos=chain.pos), quantified=quantified,
                                 substituted=ann.substituted, defines=bool(ann.defines))
    elif not lines:
        lines.append(DisplayLine(src.pos(0).line, src.text, None, MalformedNotation("an empty display", src.pos(0))))
    return Display(index, lines[0].line, raw, src.text, profile, ann, tuple(lines), chain, tuple(issues),
                   context=context)
