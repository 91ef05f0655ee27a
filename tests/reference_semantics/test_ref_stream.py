"""Documents at scale against the whole-document reading: the work estimate counted directly from the text, and the
streamed results (one process or two) equal to :func:`pgverify.documents.verify_document`'s, display by display.

Reference: a drawn document is a list of displays of known kinds, each with the horizons its annotation lists; the
estimate is Σ over displays of 3 (symbolic, exact, numeric) × the number of distinct horizons (1 without any),
computed here from the drawn list, not from the reader.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pgverify import documents, stream
from pgverify.checker import Settings

#: Kinds of display that are decided in milliseconds: no relation (ill-formed), outside the profile (undecided, not
#: read), Σ_a π(a|s) = c (proved for c = 1, refuted otherwise), U at a horizon (episodic, horizons annotations).
KINDS = {
    "no-relation": "$$ \\sum_a \\pi(a|s) $$",
    "unread": "$$ \\log p_\\theta(\\tau) = {c} $$",
    "sum": "$$ \\sum_a \\pi(a|s) = {c} $$",
}
FAST = Settings(seed=0, cache=False, numeric_examples=2, exact_points=1)


@st.composite
def documents_drawn(draw):  # type: ignore[no-untyped-def]
    """(text, [(kind, c, horizons)]): 1 to 6 displays, each maybe annotated with 1 to 3 horizons (repeats allowed)."""
    items = draw(st.lists(st.tuples(st.sampled_from(sorted(KINDS)), st.integers(1, 2),
                                    st.lists(st.integers(1, 3), max_size=3)), min_size=1, max_size=6))
    parts = []
    for kind, c, horizons in items:
        note = f"<!-- pgverify: horizons {', '.join(map(str, horizons))} -->\n" if horizons else ""
        parts.append(note + KINDS[kind].replace("{c}", str(c)))
    return "Prose.\n\n" + "\n\nMore prose.\n\n".join(parts) + "\n", items


def _write(text: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="ref-stream-"))
    path = folder / "doc.md"
    path.write_text(text, encoding="utf-8")
    return path


@given(documents_drawn())
@settings(max_examples=40, deadline=None)
def test_estimate_is_methods_times_distinct_horizons(drawn) -> None:  # type: ignore[no-untyped-def]
    text, items = drawn
    expected = sum(3 * max(1, len(set(h))) for _, _, h in items)
    got = stream.estimate_document(_write(text))
    assert got == stream.WorkEstimate(displays=len(items), checks=expected)


def _timeless(obj):  # type: ignore[no-untyped-def]
    if isinstance(obj, dict):
        return {k: _timeless(v) for k, v in obj.items() if k != "seconds"}
    if isinstance(obj, list):
        return [_timeless(v) for v in obj]
    return obj


@given(documents_drawn(), st.sampled_from([1, 2]))
@settings(max_examples=6, deadline=None)
def test_stream_equals_the_whole_document_reading(drawn, jobs: int) -> None:  # type: ignore[no-untyped-def]
    text, items = drawn
    path = _write(text)
    whole = documents.verify_document(path, FAST)
    streamed = stream.check_document(path, FAST, jobs=jobs, time_limit=None)
    assert [r.index for r in streamed.results] == list(range(len(items)))
    assert _timeless(json.loads(documents.dumps(streamed))) == _timeless(json.loads(documents.dumps(whole)))


@given(st.text(alphabet="ab\n $", max_size=200), st.integers(1, 5), st.integers(1, 5),
       st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), min_size=1, max_size=5))
@settings(max_examples=200, deadline=None)
def test_positions_of_a_long_text_are_the_counted_ones(text: str, line: int, column: int,
                                                        cuts: list[tuple[int, int]]) -> None:
    """A long file's positions (computed on demand, slices as views) against the positions counted character by
    character here: the line advances after each newline, the column restarts at 1."""
    from pgverify.notation.ast import Pos
    from pgverify.notation.latex import Source, _Positions

    counted, ln, col = [], line, column
    for ch in text:
        counted.append(Pos(ln, col))
        ln, col = (ln + 1, 1) if ch == "\n" else (ln, col + 1)
    counted.append(Pos(ln, col))
    lazy = Source(text, _Positions(text, line, column))  # type: ignore[arg-type]
    assert list(lazy.where) == counted and len(lazy.where) == len(counted)
    for a, b in cuts:
        i, j = sorted((min(a, len(text)), min(b, len(text))))
        part = lazy.slice(i, j)
        assert part.text == text[i:j] and list(part.where) == counted[i:j] + [counted[j]]
        assert part.strip().text == text[i:j].strip() and part.pos(len(part.text) + 5) == counted[j]
