"""The corpus of displays quoted from public RL texts: loading, validation, and running one display.

Each ``tests/corpus/*.toml`` file holds the displays of one public text (``tests/corpus/boxes/*.toml``: algorithm
boxes, part of the main set; ``tests/corpus/heldout/*.toml``: same format, kept apart and loaded only on request)::

    title = "OpenAI Spinning Up, Part 3: Intro to Policy Optimization"
    url = "https://spinningup.openai.com/en/latest/spinningup/rl_intro3.html"
    read_from = "github.com/openai/spinningup docs/spinningup/rl_intro3.rst"   # where the LaTeX was read
    note = "whitespace normalised; `\\underE{x}{y}` is the text's own macro"

    [[entry]]
    id = "su.rtg"                          # unique across the whole corpus
    source = "https://…#don-t-let-the-past-distract-you (reward-to-go form)"
    display = '''\\nabla_{\\theta} J(\\pi_{\\theta}) = …'''   # the formula exactly as the text writes it
    expect = "true"                        # proved | verified | refuted | ill-formed | undecided | true
    why = "our words: why a correct verifier must give that verdict"
    # optional:
    profile = "textbook"                   # a profile name (the text's conventions)
    annotations = "for all s; horizons 2, 3"   # pgverify annotation clauses, the text's own stated conventions
    slip = true                            # a realistic slip derived from a true display (expected refuted)
    kind = "box"                           # "display" (default) or "box" (a statement of an algorithm box)
    truth = "false"                        # the mathematical truth (required to agree with a decided ``expect``)
    suffix = ".tex"                        # the document's kind: ".md" (default) or ".tex"
    # ``expect`` may be a list: one verdict per display, when the entry's text holds several (a box)

``expect = "true"`` accepts proved or verified (a true identity where only ``verified`` is reachable), and so does
``expect = "verified"``.  An entry whose text holds several displays gets the worst of their verdicts (refuted >
ill-formed > undecided > verified > proved), or is compared display by display when ``expect`` is a list.  A verdict
is *false* when it contradicts the mathematics: proved/verified where the display is false (expect refuted, or
truth false), refuted where it is true (expect proved/verified/true, or truth true).

Each display is written alone into a Markdown document (``$$ … $$``, its annotations in a ``<!-- pgverify: … -->``
comment just before it; an algorithm box through the ``pgverify boxes`` command's call when pgverify has one and
finds the box, each of its outcomes a verdict; a text carrying its own markup — ``$$``, a fenced block, a shortcode — as it stands; a
``.tex`` entry in ``\\[ … \\]`` or as it stands, its annotations on a ``% pgverify:`` line) and read by
:func:`pgverify.documents.verify_document` — the library call behind ``pgverify verify`` — with the entry's
profile, the given seed and a per-display time limit (a child process, killed when the limit passes; an overrun is a
refusal whose reason says so).
"""

from __future__ import annotations

import multiprocessing as mp
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Entry", "Text", "Outcome", "CorpusError", "load_corpus", "run_entry", "document_for",
           "names_a_construct", "HERE", "HELDOUT", "VERDICTS", "EXPECTS"]

HERE = Path(__file__).parent
HELDOUT = HERE / "heldout"

VERDICTS = ("proved", "verified", "refuted", "ill-formed", "undecided")
EXPECTS = VERDICTS + ("true",)
KINDS = ("display", "box")
_TEXT_KEYS = {"title", "url", "read_from", "note", "entry"}
_REQUIRED = ("id", "source", "display", "expect", "why")
_OPTIONAL = {"profile": str, "annotations": str, "slip": bool, "kind": str, "truth": str, "suffix": str}
SUFFIXES = (".md", ".tex")


class CorpusError(ValueError):
    """A corpus file that does not follow the format: the message names the file and the entry."""


@dataclass(frozen=True)
class Entry:
    """One display of one text, with the verdict a correct verifier must give."""

    id: str
    source: str
    display: str
    expect: str | tuple[str, ...]
    why: str
    text: str                     # the file's stem
    profile: str | None = None
    annotations: str | None = None
    slip: bool = False
    kind: str = "display"
    truth: str | None = None      # "true" | "false" | None (unknown or not a statement)
    heldout: bool = False
    suffix: str = ".md"

    @property
    def is_true(self) -> bool | None:
        """The mathematical truth of the display when it is known."""
        if self.truth is not None:
            return self.truth == "true"
        if self.expect in ("proved", "verified", "true"):
            return True
        if self.expect == "refuted":
            return False
        return None

    def as_expected(self, verdict: str, verdicts: tuple[str, ...] = ()) -> bool:
        """``verdict`` (the worst of the entry's displays; ``verdicts`` each display's) is the expected one."""
        if isinstance(self.expect, tuple):
            return len(verdicts) == len(self.expect) and all(map(_matches, self.expect, verdicts))
        return _matches(self.expect, verdict)

    def false_verdict(self, verdict: str) -> bool:
        """A verdict that contradicts the mathematics (the soundness bar: never)."""
        truth = self.is_true
        if truth is True:
            return verdict == "refuted"
        if truth is False:
            return verdict in ("proved", "verified")
        return False


def _matches(expect: str, verdict: str) -> bool:
    if expect in ("true", "verified"):
        return verdict in ("proved", "verified")  # a proof of a display expected verified is stronger
    return verdict == expect


@dataclass(frozen=True)
class Text:
    """One corpus file: a public text and its entries."""

    name: str
    title: str
    url: str
    read_from: str
    note: str
    entries: tuple[Entry, ...]
    heldout: bool = False
    file: str = ""                # as messages name it: "weng.toml", "heldout/weng.toml", "boxes/weng.toml"


def _name(path: Path) -> str:
    """The file as a message names it: ``heldout/weng.toml`` apart from ``weng.toml``."""
    return f"{path.parent.name}/{path.name}" if path.parent.name in ("heldout", "boxes") else path.name


def _load_file(path: Path, *, heldout: bool) -> Text:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CorpusError(f"{_name(path)}: cannot be read as TOML: {exc}") from None
    unknown = set(data) - _TEXT_KEYS
    if unknown:
        raise CorpusError(f"{_name(path)}: unknown top-level key(s) {sorted(unknown)}; known: {sorted(_TEXT_KEYS)}")
    for key in ("title", "url", "read_from"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise CorpusError(f"{_name(path)}: missing or empty top-level {key!r}")
    raw = data.get("entry")
    if not isinstance(raw, list) or not raw:
        raise CorpusError(f"{_name(path)}: no [[entry]] tables")
    entries = []
    for i, e in enumerate(raw):
        where = f"{_name(path)}, entry {i + 1}" + (f" ({e['id']!r})" if isinstance(e.get("id"), str) else "")
        unknown = set(e) - set(_REQUIRED) - set(_OPTIONAL)
        if unknown:
            raise CorpusError(f"{where}: unknown key(s) {sorted(unknown)}; known: "
                              f"{sorted(set(_REQUIRED) | set(_OPTIONAL))}")
        for key in _REQUIRED:
            value = e.get(key)
            if key == "expect" and isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                continue  # one verdict per display
            if not isinstance(value, str) or not value.strip():
                raise CorpusError(f"{where}: missing or empty {key!r}")
        for key, typ in _OPTIONAL.items():
            if key in e and not isinstance(e[key], typ):
                raise CorpusError(f"{where}: {key!r} must be a {typ.__name__}, got {e[key]!r}")
        expects = e["expect"] if isinstance(e["expect"], list) else [e["expect"]]
        for x in expects:
            if x not in EXPECTS:
                raise CorpusError(f"{where}: expect {x!r} is not one of {EXPECTS}")
        if e.get("suffix", ".md") not in SUFFIXES:
            raise CorpusError(f"{where}: suffix {e['suffix']!r} is not one of {SUFFIXES}")
        if e.get("kind", "display") not in KINDS:
            raise CorpusError(f"{where}: kind {e['kind']!r} is not one of {KINDS}")
        if e.get("truth") not in (None, "true", "false"):
            raise CorpusError(f"{where}: truth must be \"true\" or \"false\", got {e['truth']!r}")
        said = {"proved": "true", "verified": "true", "true": "true", "refuted": "false"}.get(
            e["expect"] if isinstance(e["expect"], str) else "")
        if "truth" in e and said is not None and e["truth"] != said:
            raise CorpusError(f"{where}: truth {e['truth']!r} contradicts expect {e['expect']!r}")
        if e.get("slip") and (e.get("truth", said) != "false"):
            raise CorpusError(f"{where}: a slip is a false display (expect refuted or truth false)")
        if "$$" in e["display"] and e.get("kind", "display") != "box":
            raise CorpusError(f"{where}: the display holds '$$'; give the formula only (a box may hold several)")
        expect = tuple(e["expect"]) if isinstance(e["expect"], list) else e["expect"]
        entries.append(Entry(id=e["id"], source=e["source"], display=e["display"].strip(), expect=expect,
                             why=e["why"], text=_name(path).removesuffix(".toml"), profile=e.get("profile"),
                             annotations=e.get("annotations"), slip=bool(e.get("slip", False)),
                             kind=e.get("kind", "display"), truth=e.get("truth"), heldout=heldout,
                             suffix=e.get("suffix", ".md")))
    return Text(name=_name(path).removesuffix(".toml"), title=data["title"], url=data["url"],
                read_from=data["read_from"], note=data.get("note", ""), entries=tuple(entries), heldout=heldout,
                file=_name(path))


def load_corpus(*, main: bool = True, heldout: bool = False, root: Path = HERE) -> tuple[Text, ...]:
    """Every text of the corpus (the main set, the held-out set, or both), validated; ids unique across both."""
    files: list[tuple[Path, bool]] = []
    if main:
        files += [(p, False) for p in sorted(root.glob("*.toml")) + sorted((root / "boxes").glob("*.toml"))]
    if heldout:
        files += [(p, True) for p in sorted((root / "heldout").glob("*.toml"))]
    texts = tuple(_load_file(p, heldout=h) for p, h in files)
    seen: dict[str, str] = {}
    for t in texts:
        for e in t.entries:
            if e.id in seen:
                raise CorpusError(f"{t.file}: entry id {e.id!r} already used in {seen[e.id]}")
            seen[e.id] = t.file
    return texts


# ------------------------------------------------------------------------------------------------ running
def document_for(entry: Entry) -> str:
    """The document holding the entry's display alone (and its annotations just before it); a text carrying its own
    markup (``$$`` displays, a fenced block, a shortcode; in LaTeX an environment) is written as it stands."""
    if entry.suffix == ".tex":
        head = "".join(f"% pgverify: {line}\n" for line in (entry.annotations or "").splitlines() if line.strip())
        if "\\begin{" in entry.display or "\\[" in entry.display:
            return f"{head}{entry.display}\n"
        return f"{head}\\[\n{entry.display}\n\\]\n"
    head = ""
    if entry.annotations:
        clauses = entry.annotations.replace("-->", "")  # a comment cannot be closed from inside a clause
        head = f"<!-- pgverify: {clauses} -->\n"
    if any(mark in entry.display for mark in ("$$", "```", "{{<")):
        return f"{head}{entry.display}\n"
    return f"{head}$$\n{entry.display}\n$$\n"


@dataclass(frozen=True)
class Outcome:
    """What pgverify said about one entry."""

    entry: Entry
    verdict: str                 # one of VERDICTS (the worst of the displays), or "error" / "timeout"
    reason: str = ""
    seconds: float = 0.0
    restrictions: tuple[str, ...] = field(default_factory=tuple)
    verdicts: tuple[str, ...] = field(default_factory=tuple)  # each display's, in order

    @property
    def read(self) -> bool:
        """Read: a verdict other than a refusal (an expected ill-formed verdict counts as read)."""
        if self.verdict in ("proved", "verified", "refuted"):
            return True
        return self.verdict == "ill-formed" and self.as_expected

    @property
    def refused(self) -> bool:
        return not self.read

    @property
    def as_expected(self) -> bool:
        return self.verdict in VERDICTS and self.entry.as_expected(self.verdict, self.verdicts)

    @property
    def false(self) -> bool:
        return self.verdict in VERDICTS and self.entry.false_verdict(self.verdict)


_SEVERITY = ("proved", "verified", "undecided", "ill-formed", "refuted")


def _settings(seed: int, cache: bool) -> Any:
    try:
        from pgverify.settings import Settings
    except ImportError:  # before Settings moved to pgverify.settings
        from pgverify.checker import Settings
    return Settings(seed=seed, cache=cache)


def _worst(verdicts: list[str], reasons: list[str], restrictions: list[tuple[str, ...]]) -> tuple:
    i = max(range(len(verdicts)), key=lambda k: _SEVERITY.index(verdicts[k]))
    reason = reasons[i] if len(verdicts) == 1 else f"display {i + 1} of {len(verdicts)}: {reasons[i]}"
    return verdicts[i], reason, restrictions[i], tuple(verdicts)


def _boxes(path: Path, profile: str | None, seed: int) -> tuple | None:
    """A box through the ``pgverify boxes`` command's library call, when this pgverify has one and finds a box in
    the text (each outcome a verdict: as written, then its readings); None otherwise."""
    try:
        from pgverify.audit.boxes import BoxCheck, check_boxes
    except ImportError:
        return None
    run = check_boxes(path, profile=profile or "post", seed=seed)
    if not run.results:
        return None
    verdicts, reasons = [], []
    for r in run.results:
        if isinstance(r, BoxCheck):
            verdicts += [o.verdict for o in r.outcomes]
            reasons += [f"[{o.name}] {o.reason}" for o in r.outcomes]
        else:
            verdicts.append("undecided")
            reasons.append(f"box not read: {r}")
    return _worst(verdicts, reasons, [()] * len(verdicts))


def _child(conn: Any, text: str, suffix: str, kind: str, profile: str | None, seed: int, cache: bool) -> None:
    from pgverify.documents import verify_document

    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"display{suffix}"
            path.write_text(text, encoding="utf-8")
            got = _boxes(path, profile, seed) if kind == "box" else None
            if got is None:
                run = verify_document(path, _settings(seed, cache), profile=profile)
                # one display, or a box's several: the worst verdict stands for the entry (refuted > ill-formed >
                # undecided > verified > proved), its reason and restrictions with it
                got = _worst([r.verdict for r in run.results], [r.reason for r in run.results],
                             [tuple(r.restrictions) for r in run.results])
        conn.send(got)
    except Exception as exc:  # one display's failure costs that display only
        conn.send(("error", f"{type(exc).__name__}: {exc}", (), ()))
    finally:
        conn.close()


def run_entry(entry: Entry, *, seed: int = 0, time_limit: float = 60.0, cache: bool = False) -> Outcome:
    """Check one entry as ``pgverify verify`` would (a child process; killed after ``time_limit`` seconds)."""
    import pgverify.documents  # noqa: F401  (imported once here: each forked child starts with it loaded)

    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    start = time.perf_counter()
    proc = ctx.Process(target=_child, args=(child, document_for(entry), entry.suffix, entry.kind, entry.profile, seed,
                                            cache), daemon=True)
    proc.start()
    child.close()
    got = None
    if parent.poll(time_limit):
        try:
            got = parent.recv()
        except EOFError:
            got = None
    seconds = time.perf_counter() - start
    if proc.is_alive():
        proc.kill()
    proc.join()
    parent.close()
    if got is None:
        if seconds >= time_limit:
            return Outcome(entry, "timeout", f"time limit of {time_limit:g} s reached", seconds)
        return Outcome(entry, "error", f"the checking process died (exit code {proc.exitcode})", seconds)
    verdict, reason, restrictions, verdicts = got
    return Outcome(entry, verdict, reason, seconds, restrictions, verdicts)


# ------------------------------------------------------------------------------------------------ refusals
_COMMAND = re.compile(r"\\[A-Za-z]+")
_QUOTED = re.compile(r"'[^']+'|\"[^\"]+\"|`[^`]+`|‘[^’]+’")
_CONSTRUCT_WORDS = ("symbol", "construct", "macro", "command", "script", "argument", "index", "environment",
                    "relation", "operator", "expectation", "sum", "integral", "product", "assignment", "pseudo-code",
                    "series", "bar", "vector", "matrix", "variable", "derivative", "function", "quantity",
                    "definition", "annotation", "profile")
#: Mathematical characters: a reason quoting one (π_θ₀, ∇, 𝔼, ←) shows what it refused.
_MATH_CHARS = set("πθλγμνρστφψωαβδεηΣ∑∫∏∇𝔼←∝∼≐₀₁")


def names_a_construct(reason: str, display: str) -> bool:
    """Whether a refusal's reason names what it refused: a LaTeX command or a quoted fragment, a symbol of the
    display, a mathematical character (π_θ₀, ∇, ←), or a word naming a kind of construct (``symbol v``, ``scripts on
    r``, ``an evaluation bar``, ``an assignment``).
    A reason such as "no method could run" or "time limit reached" names nothing."""
    if not reason.strip():
        return False
    if _QUOTED.search(reason):
        return True
    commands = set(_COMMAND.findall(display))
    if any(c in reason for c in commands):
        return True
    low = reason.lower()
    return any(w in low for w in _CONSTRUCT_WORDS) or any(c in _MATH_CHARS for c in reason)
