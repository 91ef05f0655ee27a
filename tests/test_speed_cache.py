"""Interactive speed: lazy imports, the per-display result cache of ``verify``/``annotate``, ``verify --watch``.

A cache returns only what the current code would compute: a change of any part of the key (the display's text,
its annotations, the file's and the side file's, the profile, each setting, the code) misses, and a run answered
from the cache prints the JSON the uncached run printed (timings aside).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from numeric.errors import PGVerifyError
from pgverify import cache, cli, documents
from pgverify.checker import Settings
from pgverify.notation.document import read_document

ROOT = Path(__file__).resolve().parents[1]
FAST = Settings(seed=0, exact_points=1, numeric_examples=5)

TRUE = r"v(s) = \sum_{a} \pi_\theta(a \vert s) q(s, a)"
FALSE = "1 + 1 = 3"
PLACED = "v(s) = v(s^0)"  # ill-formed, its reason names "line L, column C"
DOC = f"# cache test\n\n$$\n{TRUE}\n$$\n\n$$\n{FALSE}\n$$\n\n$$\n{PLACED}\n$$\n"


def _stripped(run: documents.DocumentRun) -> dict:
    """The JSON output without what measures time (seconds; whether a symbolic proof was read from its cache)."""
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("seconds", "cached", "computed_seconds")}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x

    return strip(json.loads(documents.dumps(run)))


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PGVERIFY_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture
def checked(monkeypatch):
    """The displays actually checked (not answered from the cache), by their text."""
    seen: list[str] = []
    original = documents._display_result

    def counting(display, settings):
        seen.append(display.latex.strip())
        return original(display, settings)

    monkeypatch.setattr(documents, "_display_result", counting)
    return seen


# ------------------------------------------------------------------------------- lazy imports
def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"import sys\n{code}\nprint(' '.join(sys.modules))"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["verify", "--help"]])
def test_version_and_help_load_no_engine(argv):
    loaded = _modules_after(f"from pgverify.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass")
    assert not loaded & {"sympy", "hypothesis", "numpy", "scipy", "flint", "pgverify.checker", "pgverify.claims"}


def test_list_is_read_from_the_cache_under_the_code_fingerprint(home, monkeypatch, capsys):
    assert cli.main(["list"]) == cli.EXIT_OK
    computed = capsys.readouterr().out
    env = {**os.environ, "PGVERIFY_CACHE_DIR": str(home / "cache")}
    code = "from pgverify.cli import main\nmain(['list'])"
    out = subprocess.run([sys.executable, "-c", f"import sys\n{code}\nprint(' '.join(sys.modules), file=sys.stderr)"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout == computed and "pgverify.claims" not in out.stderr.split() and "sympy" not in out.stderr.split()
    monkeypatch.setattr(cache, "fingerprint", lambda: "other code")
    assert cache.listing(lambda: ["recomputed"]) == ["recomputed"]


def test_every_public_name_is_still_importable():
    import numeric
    import pgverify
    import symbolic

    for package in (pgverify, numeric, symbolic):
        for name in package.__all__:
            assert getattr(package, name) is not None, (package.__name__, name)
            assert name in dir(package)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        pgverify.nonexistent  # noqa: B018


def test_names_shared_with_a_submodule_stay_the_functions():
    loaded = _modules_after(
        "import pgverify, numeric\nimport pgverify.claims.vpg, numeric.model, pgverify.registry\n"
        "pgverify.registry.all_claims()\n"
        "assert callable(pgverify.claims) and not isinstance(pgverify.claims, type(sys))\n"
        "assert pgverify.claims().__class__.__name__ in ('list', 'tuple')\n"
        "from numeric.evaluation import model\nassert numeric.model is model\n"
        "from pgverify import claims\nassert claims is pgverify.claims")
    assert "pgverify.claims.vpg" in loaded


# ------------------------------------------------------------------------------- the display-result cache
def test_a_cached_run_prints_what_the_uncached_run_printed(home, checked, monkeypatch):
    path = home / "doc.md"
    path.write_text(DOC, encoding="utf-8")
    fresh = documents.verify_document(path, replace(FAST, cache=False))
    assert not (home / "cache" / "displays").exists()  # --no-cache neither reads nor writes
    first = documents.verify_document(path, FAST)
    assert len(checked) == 6 and len(list((home / "cache" / "displays").glob("*.json"))) == 3
    second = documents.verify_document(path, FAST)
    assert len(checked) == 6  # answered from the cache
    assert [r.verdict for r in second.results] == ["proved", "refuted", "ill-formed"]
    assert _stripped(second) == _stripped(first) == _stripped(fresh)
    assert documents.table(second).splitlines()[:-1] == documents.table(first).splitlines()[:-1]
    from pgverify.output.annotate import annotated_html, annotated_markdown

    assert annotated_markdown(DOC, second) == annotated_markdown(DOC, first)
    assert annotated_html(DOC, second, title="doc") == annotated_html(DOC, first, title="doc")


def test_an_edited_display_alone_is_checked_again(home, checked):
    path = home / "doc.md"
    path.write_text(DOC, encoding="utf-8")
    documents.verify_document(path, FAST)
    path.write_text(DOC.replace(FALSE, "1 + 2 = 3"), encoding="utf-8")
    run = documents.verify_document(path, FAST)
    assert checked[3:] == ["1 + 2 = 3"] and run.results[1].verdict == "proved"


def test_a_display_that_moved_is_reused_unless_its_result_names_a_position(home, checked):
    path = home / "doc.md"
    path.write_text(DOC, encoding="utf-8")
    documents.verify_document(path, FAST)
    moved = DOC.replace("# cache test\n", "# cache test\n\nTwo more lines of prose.\n")
    path.write_text(moved, encoding="utf-8")
    run = documents.verify_document(path, FAST)
    assert checked[3:] == [PLACED]  # its reason says "at line 12, column 1": checked again, now at line 14
    assert "line 14, column" in run.results[2].reason
    assert [r.line for r in run.results] == [6, 10, 14]
    assert _stripped(run) == _stripped(documents.verify_document(path, replace(FAST, cache=False)))


def _stored(home: Path, text: str, settings: Settings = FAST, **read) -> tuple:
    path = home / "doc.md"
    path.write_text(text, encoding="utf-8")
    doc = read_document(path, **read)
    return doc.displays[0], settings


@pytest.mark.parametrize("change", ["text", "annotation", "file-annotation", "side-file", "profile", "seed", "points",
                                    "examples", "counterexample-examples", "methods", "size", "opt-in", "code",
                                    "limit"])
def test_a_change_of_any_part_of_the_key_misses(home, monkeypatch, change):
    base = f"$$\n{'1 + 1 = 2' if change in ('file-annotation', 'profile') else TRUE}\n$$\n"  # read by both profiles
    display, settings = _stored(home, base)
    result = documents.DisplayResult(index=0, line=display.line, latex=display.latex, understood=None,
                                     catalogue_id=None, verdict="proved")
    cache.store_display(display, settings, result)
    assert cache.load_display(display, settings) == result
    if change == "text":
        display, settings = _stored(home, base.replace("q(s, a)", "q(s,a) + 0"))
    elif change == "annotation":
        display, settings = _stored(home, "<!-- pgverify: for any s -->\n" + base)
    elif change == "file-annotation":
        display, settings = _stored(home, "<!-- pgverify: profile textbook -->\n\nProse.\n\n" + base)
    elif change == "side-file":
        (home / "doc.md.pgverify.toml").write_text(f"[[display]]\nmatch = '{TRUE}'\nannotate = \"for any s\"\n",
                                                   encoding="utf-8")
        display, settings = _stored(home, base)
    elif change == "profile":
        display, settings = _stored(home, base, profile="textbook")
    elif change == "code":
        monkeypatch.setattr(cache, "fingerprint", lambda: "other code")
    elif change == "limit":
        monkeypatch.setenv("PGVERIFY_MAX_TRAJECTORIES", "1000")
    else:
        field, value = {"seed": ("seed", 1), "points": ("exact_points", 2), "examples": ("numeric_examples", 6),
                        "counterexample-examples": ("counterexample_examples", 301),
                        "methods": ("methods", ("exact", "numeric")), "size": ("symbolic_size", (2, 3)),
                        "opt-in": ("opt_in", ("symbolic-4x2",))}[change]
        settings = replace(settings, **{field: value})
    if change in ("annotation", "file-annotation", "side-file", "profile"):  # the change was read, not refused
        assert display.error is None and (display.annotations.texts or display.profile == "textbook")
    assert cache.load_display(display, settings) is None


def test_a_damaged_entry_is_recomputed(home, checked):
    path = home / "doc.md"
    path.write_text(DOC, encoding="utf-8")
    first = documents.verify_document(path, FAST)
    for entry in (home / "cache" / "displays").glob("*.json"):
        entry.write_text('{"line": 1}', encoding="utf-8")
    again = documents.verify_document(path, FAST)
    assert len(checked) == 6 and _stripped(again) == _stripped(first)


def test_an_internal_error_is_not_cached(home, monkeypatch):
    path = home / "doc.md"
    path.write_text(f"$$\n{FALSE}\n$$\n", encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(documents, "_check_display", broken)
    run = documents.verify_document(path, FAST)
    assert run.results[0].reason.startswith("internal error") and not (home / "cache" / "displays").exists()


def test_a_cached_claim_is_not_evaluated_again(home):
    path = home / "doc.md"
    path.write_text(f"$$\n{FALSE}\n$$\n", encoding="utf-8")
    documents.verify_document(path, FAST)
    cached = documents.verify_document(path, FAST).results[0].result
    assert cached.counterexample.lhs == "2" and cached.counterexample.rhs == "3"
    with pytest.raises(PGVerifyError, match="not evaluated again"):
        cached.claim.evaluate(None)


def test_verify_no_cache_flag(home, capsys):
    path = home / "doc.md"
    path.write_text(f"$$\n{FALSE}\n$$\n", encoding="utf-8")
    assert cli.main(["verify", str(path), "--no-cache", "--points", "1", "--examples", "5"]) == cli.EXIT_REFUTED
    assert not (home / "cache").exists()
    assert cli.main(["verify", str(path), "--points", "1", "--examples", "5"]) == cli.EXIT_REFUTED
    assert list((home / "cache" / "displays").glob("*.json"))


# ------------------------------------------------------------------------------- verify --watch
def test_watch_checks_again_when_the_file_is_saved(tmp_path):
    path = tmp_path / "doc.md"
    path.write_text("a", encoding="utf-8")
    runs: list[str] = []
    saves = iter(["ab", None, "abc", None])

    def save(_seconds):
        text = next(saves)
        if text is not None:
            path.write_text(text, encoding="utf-8")

    def run():
        runs.append(path.read_text(encoding="utf-8"))
        return len(runs)

    assert cli.watch(path, run, interval=0.01, polls=4, sleep=save) == 3
    assert runs == ["a", "ab", "abc"]


def test_watch_goes_on_after_a_run_fails(tmp_path, capsys):
    path = tmp_path / "doc.md"
    path.write_text("a", encoding="utf-8")

    def run():
        raise documents.DocumentError("holds no display")

    def save(_seconds):
        path.write_text(path.read_text() + "b", encoding="utf-8")

    assert cli.watch(path, run, interval=0.01, polls=2, sleep=save) == cli.EXIT_ERROR
    assert capsys.readouterr().err.count("pgverify: error: holds no display") == 3


def test_watch_refuses_python_files(tmp_path, capsys):
    path = tmp_path / "d.py"
    path.write_text("", encoding="utf-8")
    assert cli.main(["verify", "--watch", str(path)]) == cli.EXIT_ERROR
    assert "--watch checks Markdown/LaTeX" in capsys.readouterr().err


def test_verify_watch_rechecks_on_save_and_stops_on_ctrl_c(home):
    path = home / "doc.md"
    path.write_text(f"$$\n{FALSE}\n$$\n", encoding="utf-8")
    env = {**os.environ, "PGVERIFY_CACHE_DIR": str(home / "cache")}
    proc = subprocess.Popen([sys.executable, "-m", "pgverify", "verify", "--watch", str(path), "--watch-interval",
                             "0.05", "--points", "1", "--examples", "5"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            lines.append(proc.stdout.readline())
            if "1 display:" in lines[-1]:
                if path.read_text(encoding="utf-8").startswith("$$\n1 + 1 = 3"):
                    time.sleep(0.1)
                    path.write_text("$$\n1 + 1 = 2\n$$\n", encoding="utf-8")
                else:
                    break
        time.sleep(1.0)  # the table is printed before the check returns: Ctrl-C then while it polls
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = "".join(lines) + out
    assert "1 refuted" in text and "changed: checking again" in text and "1 proved" in text
    assert "stopped watching" in out and proc.returncode == cli.EXIT_OK, (text, err)


def test_the_catalogue_index_is_the_catalogue_and_a_damaged_entry_is_recomputed(tmp_path, monkeypatch):
    """What documents take from the catalogue (section, methods, slow methods per id) is read from the cache only as
    the registry gives it; an entry this code did not write is computed again, never trusted."""
    from pgverify import cache, documents
    from pgverify.registry import all_claims

    monkeypatch.setenv("PGVERIFY_CACHE_DIR", str(tmp_path))
    expected = {c.id: {"section": c.section, "methods": tuple(c.methods), "slow_methods": tuple(c.slow_methods)}
                for c in all_claims()}
    assert documents._catalogue_index() == expected  # computed and stored
    assert documents._catalogue_index() == expected  # read back
    for path in (tmp_path / "listing").glob("*.json"):
        path.write_text('{"claims": {"x": {"section": 1}}}', encoding="utf-8")
    assert documents._catalogue_index() == expected
    assert cache.catalogue_index(lambda: {"only": {"section": "s", "methods": ("exact",), "slow_methods": ()}}) == \
        expected  # the repaired entry is the registry's again


@pytest.mark.parametrize("annotation", ["<!-- pgverify: frobnicate -->", "<!-- pgverify: for all x y z -->",
                                        "<!-- pgverify: profile nosuch -->"])
def test_a_display_whose_reading_failed_is_not_answered_with_the_unannotated_verdict(home, capsys, annotation):
    """An annotation that does not parse leaves the display without annotations; the cache must still tell it from
    the same text unannotated (whose result it holds), or a refused display would come back ``proved``."""
    path = home / "doc.md"
    path.write_text(f"$$ {TRUE} $$\n", encoding="utf-8")
    assert cli.main(["verify", str(path), "--points", "1", "--examples", "5"]) == cli.EXIT_OK
    path.write_text(f"{annotation}\n$$ {TRUE} $$\n", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["verify", str(path), "--json", "--points", "1", "--examples", "5"]) == cli.EXIT_UNDECIDED
    (d,) = json.loads(capsys.readouterr().out)["displays"]
    assert d["verdict"] == "undecided" and "not read" in d["reason"]


def test_a_result_computed_inside_a_hypothesis_test_is_not_stored(home):
    """Inside another Hypothesis test the numeric method's search is a nested @given (refused by Hypothesis): such a
    result is the environment's and must not answer the same display later."""
    from hypothesis import given, settings, strategies as st

    from pgverify.documents import verify_document
    from pgverify.settings import Settings

    path = home / "doc.md"
    path.write_text(f"$$ {TRUE} $$\n", encoding="utf-8")

    @settings(max_examples=1, database=None, deadline=None)
    @given(st.just(0))
    def inside(_: int) -> None:
        verify_document(path, Settings(exact_points=1, numeric_examples=5))

    inside()
    assert not list((home / "cache").glob("displays/*.json"))
    run = verify_document(path, Settings(exact_points=1, numeric_examples=5))
    assert [r.verdict for r in run.results] == ["proved"]
    assert list((home / "cache").glob("displays/*.json"))
