"""The box corpus (tests/corpus/boxes): each box quoted from a public text gets its expected verdicts, none false."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import boxes as corpus  # noqa: E402  (benchmarks/boxes.py: the loader and the runner)

ENTRIES = corpus.entries()


def test_the_corpus_is_large_and_well_formed():
    assert len(ENTRIES) >= 10
    ids = [e["id"] for e in ENTRIES]
    assert len(ids) == len(set(ids))
    for e in ENTRIES:
        assert e["kind"] == "box" and e["why"] and e["source"] and e["url"], e["id"]
        assert e.get("truth") in (None, "true", "false"), e["id"]


@pytest.mark.slow
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_each_box_gets_its_expected_verdicts(entry):
    result = corpus.run(entry)
    got = corpus.verdicts(result)
    expect = [entry["expect"]] if isinstance(entry["expect"], str) else list(entry["expect"])
    assert not corpus.false_verdict(entry, got), (entry["id"], str(result))
    assert got == expect, (entry["id"], str(result))
