"""Documents at scale (pgverify.stream): --jobs gives the same JSON as one process, the time limit's verdict and
exit status, the work estimate and its limit, the progress bar only where it belongs, streamed outputs, lazy reading.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from numeric.errors import InvalidArgumentError
from numeric.limits import TooLargeError
from pgverify import documents, stream
from pgverify.checker import Settings
from pgverify.cli import main

#: Four displays with four different verdicts (proved, refuted, undecided: not read, ill-formed: no relation).
MIXED = r"""# Mixed

$$
\sum_a \pi(a|s) = 1
$$

A slip: the sum of π is not two.

$$
\sum_a \pi(a|s) = 2
$$

$$
\log p_\theta(\tau) = \sum_t \log \pi_\theta(a_t \vert s_t)
$$

$$
\sum_a \pi(a|s)
$$
"""

FAST = Settings(seed=0, cache=False, numeric_examples=3, exact_points=1)
FAST_FLAGS = ["--no-cache", "--examples", "3", "--points", "1"]


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.md"
    path.write_text(MIXED, encoding="utf-8")
    return path


def _timeless(obj: object) -> object:
    """``obj`` without its measured seconds (the one thing two runs may differ in)."""
    if isinstance(obj, dict):
        return {k: _timeless(v) for k, v in obj.items() if k != "seconds"}
    if isinstance(obj, list):
        return [_timeless(v) for v in obj]
    return obj


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("chunk", [1, stream.CHUNK])
def test_jobs_two_gives_the_json_of_one_process(mixed: Path, chunk: int, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(stream, "CHUNK", chunk)  # one display a chunk: four chunks in flight on two workers
    one = _run(["verify", str(mixed), "--json", "--jobs", "1", *FAST_FLAGS], capsys)
    two = _run(["verify", str(mixed), "--json", "--jobs", "2", *FAST_FLAGS], capsys)
    assert one[0] == two[0] == 1  # refuted and ill-formed: exit 1
    a, b = json.loads(one[1]), json.loads(two[1])
    assert [d["verdict"] for d in a["displays"]] == ["proved", "refuted", "undecided", "ill-formed"]
    assert _timeless(a) == _timeless(b)
    assert a["displays"][1]["counterexample"] is not None  # the counterexample crossed from the worker whole


def test_json_lines_are_the_displays_of_json_then_a_summary(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["verify", str(mixed), "--json", *FAST_FLAGS], capsys)
    whole = json.loads(out)
    status2, out2, _ = _run(["verify", str(mixed), "--json-lines", "--jobs", "2", *FAST_FLAGS], capsys)
    lines = [json.loads(x) for x in out2.strip().split("\n")]
    assert status == status2 == 1
    assert _timeless(lines[:-1]) == _timeless(whole["displays"])
    closing = lines[-1]
    assert closing["summary"] == whole["summary"] and "displays" not in closing and closing["seed"] == 0


def test_streamed_table_is_the_table(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = documents.verify_document(mixed, FAST)
    expected = documents.table(run).split("\n")
    status, out, _ = _run(["verify", str(mixed), *FAST_FLAGS], capsys)
    got = out.rstrip("\n").split("\n")
    assert status == 1
    assert got[:-1] == expected[:-1]  # the last line's seconds differ
    assert got[-1].split("(")[0] == expected[-1].split("(")[0]


@pytest.mark.parametrize("jobs", [1, 2])
def test_time_limit_reached_is_undecided_with_its_reason(tmp_path: Path, jobs: int,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "slow.md"
    path.write_text("$$\n\\sum_a \\pi(a|s) q(s, a) = v(s)\n$$\n", encoding="utf-8")
    status, out, _ = _run(["verify", str(path), "--json", "--time-limit", "0.001", "--jobs", str(jobs),
                           *FAST_FLAGS], capsys)
    (d,) = json.loads(out)["displays"]
    assert d["verdict"] == "undecided" and "time limit of 0.001 s reached" in d["reason"]
    assert status == 3  # undecided, nothing refuted
    status, out, _ = _run(["verify", str(path), "--time-limit", "0.001", "--jobs", str(jobs), *FAST_FLAGS], capsys)
    assert status == 3 and "time limit of 0.001 s reached" in out


def test_time_limit_result_is_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGVERIFY_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "d.md"
    path.write_text("$$\n\\sum_a \\pi(a|s) = 1\n$$\n", encoding="utf-8")
    cached = Settings(seed=0, numeric_examples=3, exact_points=1)
    (first,) = stream.stream_document(path, cached, time_limit=0.001)
    assert first.verdict == "undecided"
    (second,) = stream.stream_document(path, cached, time_limit=None)
    assert second.verdict == "proved"  # not the time-limited verdict read back


def test_work_above_the_limit_is_refused_before_any_display(mixed: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert stream.estimate_document(mixed) == stream.WorkEstimate(displays=4, checks=12)
    monkeypatch.setattr(documents, "_display_result", lambda *a: pytest.fail("a display was checked"))
    monkeypatch.setenv("PGVERIFY_MAX_DOCUMENT_WORK", "11")
    status, out, err = _run(["verify", str(mixed), *FAST_FLAGS], capsys)
    assert status == 2 and out == ""
    assert "12 checks" in err and "4 displays" in err and "limit of 11" in err
    assert "PGVERIFY_MAX_DOCUMENT_WORK" in err


def test_the_estimate_counts_horizons(tmp_path: Path) -> None:
    path = tmp_path / "h.md"
    path.write_text("<!-- pgverify: horizons 2, 3 -->\n$$\nU(\\theta) = v(s^0)\n$$\n\n$$\n\\sum_a \\pi(a|s) = 1\n$$\n",
                    encoding="utf-8")
    assert stream.estimate_document(path).checks == 3 * 2 + 3
    with pytest.raises(TooLargeError, match=r"9 checks \(2 displays × their methods × their horizons\), above the "
                                            r"limit of 8; set the environment variable PGVERIFY_MAX_DOCUMENT_WORK"):
        stream.estimate_document(path, limit=8)


def test_a_document_longer_than_the_limit_is_refused_before_its_displays_are_read(
        mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pgverify.notation import document

    monkeypatch.setattr(document, "_read_display", lambda *a: pytest.fail("a display was parsed"))
    with pytest.raises(TooLargeError, match=r"4 checks at least \(its 4 displays, one check each"):
        stream.estimate_document(mixed, limit=3)


@pytest.mark.parametrize("kw, message", [
    (dict(jobs=0), r"jobs must be a positive integer, got 0"),
    (dict(jobs=True), r"jobs must be a positive integer, got True"),
    (dict(time_limit=-1), r"time_limit must be a finite non-negative number of seconds .* got -1"),
    (dict(time_limit=float("nan")), r"time_limit must be .* got nan"),
    (dict(progress="yes"), r"progress must be True, False or None"),
])
def test_bad_options_are_refused_before_any_work(mixed: Path, kw: dict, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        stream.stream_document(mixed, FAST, **kw)  # raised by the call itself, not at the first display


@pytest.mark.parametrize("argv, message", [
    (["--jobs", "0"], "--jobs must be at least 1, got 0"),
    (["--time-limit", "-2"], "--time-limit must be a non-negative number of seconds"),
    (["--json", "--json-lines"], "--json and --json-lines: choose one"),
])
def test_bad_command_line_options(mixed: Path, argv: list[str], message: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(["verify", str(mixed), *argv], capsys)
    assert status == 2 and message in err and out == ""


def test_scale_options_are_refused_for_python_derivations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "d.py"
    path.write_text("", encoding="utf-8")
    status, _, err = _run(["verify", str(path), "--jobs", "2"], capsys)
    assert status == 2 and "--jobs: for Markdown/LaTeX documents" in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("progress, terminal, shown", [(None, False, False), (None, True, True), (True, False, True),
                                                       (False, True, False)])
def test_progress_bar_only_where_it_belongs(mixed: Path, monkeypatch: pytest.MonkeyPatch, progress: bool | None,
                                            terminal: bool, shown: bool) -> None:
    monkeypatch.setattr(stream, "PROGRESS_DELAY", 0.0)  # as if each display took more than 2 s
    err, out = (_Terminal() if terminal else io.StringIO()), io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.setattr("sys.stdout", out)
    results = list(stream.stream_document(mixed, FAST, progress=progress))
    assert len(results) == 4
    assert ("checking displays" in err.getvalue()) is shown
    assert out.getvalue() == ""  # never on standard output


def test_progress_never_reaches_json_stdout(mixed: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(stream, "PROGRESS_DELAY", 0.0)
    for flag in ("--json", "--json-lines"):
        status, out, err = _run(["verify", str(mixed), flag, "--progress", *FAST_FLAGS], capsys)
        assert "checking displays" in err
        assert "checking displays" not in out
        for line in ([out] if flag == "--json" else out.strip().split("\n")):
            json.loads(line)


def test_the_estimate_parses_no_row_and_the_reading_is_read_documents(mixed: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``rows=False`` (the work estimate) parses no display; ``rows=True`` reads the document whole (its macros and
    the author's names apply to the displays after their definitions), in order, as read_document does."""
    from pgverify.notation import document

    real, read = document._read_display, []
    monkeypatch.setattr(document, "_read_display", lambda *a, **k: read.append(a[0]) or real(*a, **k))
    head, count, heads = document.read_displays(mixed, rows=False)
    assert count == 4 and head.displays == () and [d.index for d in heads] == [0, 1, 2, 3] and read == []
    head, count, displays = document.read_displays(mixed)
    assert count == 4 and head.displays == () and read == [0, 1, 2, 3]
    def seen(ds):  # a reading error is an exception object (compared by identity): compare its message
        return [(d.index, d.latex, d.chain, str(d.error)) for d in ds]

    assert seen(displays) == seen(document.read_document(mixed).displays)  # the same reading as read_document's


def test_annotate_takes_jobs_and_writes_the_same_files(mixed: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        status, _, _ = _run(["annotate", str(mixed), "--out", str(out), "--jobs", jobs, *FAST_FLAGS], capsys)
        assert status == 1
        outs.append((out / "mixed.annotated.md").read_text(encoding="utf-8"))
    assert outs[0] == outs[1]


@pytest.mark.parametrize("text, verdict, status", [
    ("$$\n\\sum_a \\pi(a|s)\n$$\n", "ill-formed", 1),
    ("$$\n\\log p_\\theta(\\tau) = 0\n$$\n", "undecided", 3),
    ("$$\n\\sum_a \\pi(a|s) = 1\n$$\n", "proved", 0),
])
@pytest.mark.parametrize("flag", [[], ["--json-lines"]])
def test_streamed_exit_status(tmp_path: Path, text: str, verdict: str, status: int, flag: list[str],
                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.md"
    path.write_text(text, encoding="utf-8")
    got, out, _ = _run(["verify", str(path), *flag, *FAST_FLAGS], capsys)
    assert got == status and verdict in out


def test_a_check_that_swallows_the_time_limit_is_still_cut_short(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Code that catches everything (a C extension turning the interrupt into its own error) and returns a verdict
    anyway: the limit was reached, so the verdict is the limit's, whatever came back."""
    import time

    def swallowing(display, settings):  # type: ignore[no-untyped-def]
        try:
            time.sleep(0.5)
        except BaseException:  # noqa: BLE001 - what the test is about
            pass
        return documents.DisplayResult(**documents._base(display, None), verdict="proved")

    monkeypatch.setattr(documents, "_display_result", swallowing)
    first = next(stream.stream_document(mixed, FAST, time_limit=0.05))
    assert first.verdict == "undecided" and "time limit of 0.05 s reached" in first.reason


def test_the_estimate_reads_annotations_not_rows(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pgverify.notation import document

    monkeypatch.setattr(document, "_read_display", lambda *a: pytest.fail("a display's rows were parsed"))
    assert stream.estimate_document(mixed) == stream.WorkEstimate(displays=4, checks=12)
