"""The adversarial table: small derivations whose truth was worked out by hand, each with its expected verdict.

Every ``cases_*.toml`` file beside this module holds ``[[case]]`` tables::

    [[case]]
    name = "U at 2θ is not U at θ"          # unique across the files
    kind = "arguments"                      # the class of slip it guards (see the soundness issue)
    expect = "refuted"                      # one verdict per display, in order (a string for one display)
    why = "U(2θ) ≠ U(θ) on a 1-state MDP with two actions and unequal rewards"
    text = '''
    $$ U(2\\theta) = U(\\theta) $$
    '''
    # optional: suffix = ".tex" (default ".md"); profile = "textbook"; reason = "substring of the reason";
    # false = true: the claim is false though its expected verdict is a refusal (``undecided``); another seed
    # may find the counterexample, and ``refuted`` is then accepted there (never ``proved`` or ``verified``);
    # jobs = 2, time_limit = 0.5: read by pgverify.stream.check_document (worker processes, a time limit)

Each document is written to a temporary file and read by :func:`pgverify.documents.verify_document` with the
default settings, so a case checks the whole path a user's file takes.  ``reason`` (when given) must occur in
every display's reason (for ``undecided``/``ill-formed``, the words a user reads).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pgverify.checker import Settings
from pgverify.documents import verify_document

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HERE = Path(__file__).parent
VERDICTS = {"proved", "verified", "undecided", "refuted", "ill-formed"}


def _cases() -> list[dict]:
    out, names = [], set()
    for f in sorted(HERE.glob("cases_*.toml")):
        for c in tomllib.loads(f.read_text(encoding="utf-8")).get("case", []):
            c = dict(c, file=f.name)
            assert c["name"] not in names, f"duplicate case name {c['name']!r} in {f.name}"
            names.add(c["name"])
            out.append(c)
    return out


CASES = _cases()


def test_the_table_is_large_and_well_formed() -> None:
    assert len(CASES) >= 60, f"only {len(CASES)} adversarial cases"
    for c in CASES:
        expect = [c["expect"]] if isinstance(c["expect"], str) else c["expect"]
        assert expect and set(expect) <= VERDICTS, c["name"]
        assert c.get("why"), f"{c['name']}: say why the verdict is expected"
        assert c.get("kind"), c["name"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_expected_verdict(case: dict, tmp_path: Path) -> None:
    _check(case, tmp_path, seed=0)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_expected_verdict_at_other_seeds(case: dict, seed: int, tmp_path: Path) -> None:
    """A false claim is refuted at every seed, and no seed finds a counterexample to a true one."""
    _check(case, tmp_path, seed=seed)


def _check(case: dict, tmp_path: Path, *, seed: int) -> None:
    path = tmp_path / ("doc" + case.get("suffix", ".md"))
    path.write_text(case["text"], encoding="utf-8")
    if case["kind"] == "box":  # an algorithm box (issue 22): its outcomes as written, read, refitted
        from pgverify.audit.boxes import check_boxes

        run = check_boxes(path, seed=seed)
        got = [o.verdict if hasattr(r, "outcomes") else "undecided" for r in run.results
               for o in getattr(r, "outcomes", (None,))]
        expect = [case["expect"]] if isinstance(case["expect"], str) else list(case["expect"])
        assert got == expect, f"{case['name']} ({case['why']}), seed {seed}: got {run}"
        if case.get("reason"):
            assert case["reason"] in str(run), f"{case['name']}: the report lacks {case['reason']!r}"
        return
    if "jobs" in case or "time_limit" in case:  # a document at scale: worker processes, a time limit per display
        from pgverify.stream import DEFAULT_TIME_LIMIT, check_document

        cache = "time_limit" not in case  # a display's cached result answers it within any limit
        run = check_document(path, Settings(seed=seed, cache=cache), profile=case.get("profile"),
                             jobs=case.get("jobs", 1), time_limit=case.get("time_limit", DEFAULT_TIME_LIMIT))
    else:
        run = verify_document(path, Settings(seed=seed), profile=case.get("profile"))
    expect = [case["expect"]] if isinstance(case["expect"], str) else list(case["expect"])
    got = [r.verdict for r in run.results]
    if seed != 0 and case.get("false") and got == ["refuted"]:
        return  # a false claim left undecided at seed 0 (a refusal) and refuted where a seed's search finds the witness
    detail = [(r.line, r.verdict, r.reason) for r in run.results]
    assert got == expect, f"{case['name']} ({case['why']}), seed {seed}: got {detail}"
    if case.get("reason"):
        for r in run.results:
            assert case["reason"] in r.reason, f"{case['name']}: reason {r.reason!r} lacks {case['reason']!r}"
