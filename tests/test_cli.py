"""The command line: exit statuses, the JSON object, globs, errors."""

import json

import pytest

from pgverify.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_check_json_has_the_documented_shape(capsys):
    code, out, _ = run(capsys, "check", "--claims", "pgt.theorem", "--json", "--examples", "10", "--points", "1")
    assert code == 0
    obj = json.loads(out)
    assert set(obj) == {"tool", "version", "seed", "seconds", "summary", "claims"}
    (c,) = obj["claims"]
    assert {"id", "section", "statement", "verdict", "checks", "counterexample"} <= set(c)
    assert c["id"] == "pgt.theorem" and c["verdict"] == "proved" and c["counterexample"] is None
    assert {k["method"] for k in c["checks"]} == {"symbolic", "exact", "numeric"}
    assert all({"method", "family", "passed", "seconds"} <= set(k) for k in c["checks"])


def test_check_exits_1_on_a_refutation_and_shows_the_counterexample(capsys):
    code, out, _ = run(capsys, "check", "--claims", "setting.action-value-function", "--examples", "10")
    assert code == 1
    assert "refuted" in out and "counterexample" in out and "lhs = " in out


def test_globs_may_repeat(capsys):
    code, out, _ = run(capsys, "check", "--claims", "setting.util*", "--claims", "pgt.theorem", "--json",
                       "--examples", "5", "--points", "1")
    assert [c["id"] for c in json.loads(out)["claims"]] == ["setting.utility", "pgt.theorem"]


@pytest.mark.parametrize("argv, message", [
    (["check", "--claims", "nope.*"], "matches no claim id"),
    (["check", "--examples", "0"], "--examples must be at least 1"),
    (["latex", "--states", "0"], "--states and --actions must be at least 1"),
    (["latex", "--states", "3", "--actions", "2"], "25 symbolic parameters (estimated time"),
    (["latex", "--family", "lqr", "--states", "3"], "--states and --actions apply to --family tabular-softmax only"),
    (["check", "--opt-in", "bogus"], "--opt-in 'bogus' is not a costly check; expected one of slow-methods"),
    (["report", "--out", "{file}"], "out must be a directory"),
    (["verify", "{file}", "--states", "0"], "--states must be at least 1, got 0"),
    (["annotate", "{file}", "--states", "4", "--actions", "3"],
     "--states 4 --actions 3: a symbolic tabular family with states=4 and actions=3 is too large"),
], ids=["unknown-glob", "zero-examples", "zero-states", "latex-above-the-limit", "lqr-with-states", "opt-in-unknown",
        "report-out-is-a-file", "verify-zero-states", "annotate-above-the-limit"])
def test_usage_errors_exit_2_with_a_message(capsys, tmp_path, argv, message):
    existing = tmp_path / "report.md"
    existing.write_text("keep me")
    code, _, err = run(capsys, *(a.format(file=existing) for a in argv))
    assert code == 2 and message in err and "internal error" not in err
    assert existing.read_text() == "keep me"


@pytest.mark.parametrize("argv", [["check", "--opt-in", "symbolic-4x2", "--claims", "setting.utility"],
                                  ["latex", "--family", "lqr"]], ids=["opt-in-known", "lqr-without-states"])
def test_valid_near_misses_of_the_usage_errors(capsys, argv):
    code, _, err = run(capsys, *argv, *(["--examples", "5", "--points", "1"] if argv[0] == "check" else []))
    assert code == 0, err


PGT_DISPLAY = r"""$$
\nabla_\theta U(\theta) = (1-\lambda)^{-1}\sum_{s\in\mathcal{S}} d_\lambda^{\pi_\theta}(s)\sum_{a\in\mathcal{A}}
\nabla_\theta\pi_\theta(a\vert s)\, q_\lambda^{\pi_\theta}(s,a)
$$
"""


@pytest.mark.parametrize("suffix", [".md", ".py"])
def test_verify_states_and_actions_size_the_symbolic_family_of_documents_and_derivations(capsys, tmp_path, suffix):
    path = tmp_path / f"pgt{suffix}"
    if suffix == ".md":
        path.write_text(PGT_DISPLAY)
    else:
        path.write_text("import pgverify\n\n@pgverify.derivation('value', families=('tabular-softmax',))\n"
                        "def value(m):\n    yield m.U\n    yield (m.mu0 * m.v).sum()\n")
    code, out, err = run(capsys, "verify", str(path), "--states", "3", "--actions", "2", "--json",
                         "--examples", "3", "--points", "1")
    assert code == 0, err
    labels = {c["family"] for c in _checks(json.loads(out)) if c["method"] == "symbolic"}
    assert labels == {"tabular-softmax S=3 A=2"}


def _checks(obj):
    entries = obj.get("displays") or obj.get("claims")
    return [c for e in entries for c in e["checks"]]


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.strip() == f"pgverify {__import__('pgverify').__version__}"


def test_one_claim_is_singular(capsys):
    _, out, _ = run(capsys, "check", "--claims", "setting.utility", "--examples", "5", "--points", "1")
    assert "\n1 claim: " in out


@pytest.mark.parametrize("argv", [["list"], ["latex", "--states", "1", "--actions", "2"]], ids=["list", "latex"])
def test_a_closed_pipe_ends_quietly(argv):
    # `pgverify list | head -1`: the reader goes away; no BrokenPipeError, no traceback, the command's own status.
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "pgverify", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # no reader: every write fails with EPIPE
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert "Error" not in err and "Traceback" not in err, err  # (a progress bar may appear on a slow machine)


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as e:
        main(["check", "--seed", "x"])
    assert e.value.code == 2


def test_list_prints_every_id(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0 and "pgt.theorem" in out and "setting.action-value-function.corrected" in out


def test_latex_prints_an_align_block(capsys):
    code, out, _ = run(capsys, "latex", "--states", "1", "--actions", "2")
    assert code == 0 and out.startswith("\\begin{align*}") and "\\theta_{00}" in out


def test_report_writes_markdown_and_latex(tmp_path, capsys):
    code, out, _ = run(capsys, "report", "--out", str(tmp_path), "--claims", "pgt.*", "--examples", "5",
                       "--points", "1")
    assert code == 0
    md, tex = (tmp_path / "report.md").read_text(), (tmp_path / "report.tex").read_text()
    assert "`pgt.theorem` — proved" in md and "\\begin{align*}" in tex and "\\end{document}" in tex


def test_latex_of_the_lqr_family(capsys):
    code, out, _ = run(capsys, "latex", "--family", "lqr")
    assert code == 0 and out.startswith("\\begin{align*}") and "U(k)" in out


def test_plot_variance_on_a_user_mdp(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is part of the test extra")
    spec = tmp_path / "mdp.json"
    spec.write_text(json.dumps({"P": [[[0, "1/2", "1/2"]], [[0, 0, 1]], [[0, 0, 1]]], "r": [[1], [2], [0]],
                                "discount": "9/10", "absorbing": 2, "horizon": 3}))
    code, out, _ = run(capsys, "plot", "variance", "--mdp", str(spec), "--out", str(tmp_path / "v.png"))
    assert code == 0 and (tmp_path / "v.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("content, message", [
    ("not json", "cannot read a JSON object"),
    ('{"P": [[[1]]]}', "missing key(s)"),
    ('{"P": [[[0, 1], [1, 0]]], "r": [[0]], "discount": 0, "absorbing": 1, "horizon": 2}', "P must have shape"),
], ids=["not-json", "missing-keys", "bad-P"])
def test_plot_variance_rejects_a_bad_mdp_file(tmp_path, capsys, content, message):
    spec = tmp_path / "mdp.json"
    spec.write_text(content)
    code, _, err = run(capsys, "plot", "variance", "--mdp", str(spec), "--out", str(tmp_path / "v.png"))
    assert code == 2 and message in err


def test_verify_of_a_file_calling_sys_exit_is_an_error_not_its_exit_status(tmp_path, capsys):
    path = tmp_path / "script.py"
    path.write_text("import sys\nsys.exit(5)\n")
    code, _, err = run(capsys, "verify", str(path))
    assert code == 2 and "called sys.exit(5) at line 2" in err


# --- documents: bad files, one display's failure, annotate --out ---------------------------------------------------

PROVED_MD = "$$ U(\\theta) = U(\\theta) $$\n"
QUICK_ARGS = ("--examples", "5", "--points", "1")


def _bad(tmp_path, kind):
    """A document of the given kind of badness, and the words the error must hold."""
    path = tmp_path / "doc.md"
    if kind == "not-utf8":
        path.write_bytes("naïve\n\n".encode("latin-1") + PROVED_MD.encode())
        return path, "is not UTF-8 text: byte 0xef on line 1"
    if kind in ("directory", "directory-py"):
        path = path.with_suffix(".py" if kind == "directory-py" else ".md")
        path.mkdir()
        return path, f"{path.name} is a directory"
    if kind == "missing":
        return path, "doc.md: no such file"
    texts = {"unclosed-dollars": (PROVED_MD + "\n$$ U(\\theta) = 1\n\nprose\n", "has no closing `$$`", "line 3"),
             "unclosed-align": ("prose\n\n\\begin{align} U(\\theta) &= 1\n", "`\\begin{align}` is never closed",
                                "line 3"),
             "no-display": ("# Notes\n\nprose only\n", "holds no display", "nothing was read"),
             "unknown-id": ("<!-- pgverify: id pgt.theorm -->\n" + PROVED_MD, "id 'pgt.theorm'", "`pgverify list`")}
    text, *words = texts[kind]
    path.write_text(text, encoding="utf-8")
    return path, words


BAD_FILES = ["not-utf8", "directory", "directory-py", "missing", "unclosed-dollars", "unclosed-align", "no-display",
             "unknown-id"]


@pytest.mark.parametrize("command", ["verify", "annotate"])
@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_is_an_error_naming_the_problem(capsys, tmp_path, kind, command):
    path, words = _bad(tmp_path, kind)
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, command, str(path), *(["--out", str(out_dir)] if command == "annotate" else []),
                         *QUICK_ARGS)
    assert code == 2 and out == "", (out, err)
    assert "internal error" not in err
    for w in [words] if isinstance(words, str) else words:
        assert w in err, err
    assert not any(out_dir.glob("*.annotated.*"))


def test_an_unpermitted_file_is_an_error(capsys, tmp_path, monkeypatch):
    from pathlib import Path

    path = tmp_path / "doc.md"
    path.write_text(PROVED_MD)
    def refused(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refused)
    code, _, err = run(capsys, "verify", str(path))
    assert code == 2 and "doc.md cannot be read: permission denied" in err and "internal error" not in err


def test_a_valid_file_near_each_bad_one_is_verified(capsys, tmp_path):
    path = tmp_path / "doc.md"
    path.write_text("naïve\n\n`$$` in code, then a display:\n\n<!-- pgverify: id setting.utility -->\n"
                    "$$ U(\\theta) = v_\\lambda^{\\pi_\\theta}(s^0) $$\n", encoding="utf-8")
    code, out, err = run(capsys, "verify", str(path), *QUICK_ARGS)
    assert code == 0 and "setting.utility" in out and "1 proved" in out, out + err


TWO = "<!-- pgverify: for all s -->\n$$ v(s) = \\sum_a \\pi_\\theta(a \\vert s) q(s, a) $$\n\n" + PROVED_MD


@pytest.mark.parametrize("error, reason", [(RuntimeError("boom"), "internal error: RuntimeError: boom"),
                                           (ZeroDivisionError("x"), "internal error: ZeroDivisionError: x")])
def test_an_internal_error_in_one_display_costs_that_display_only(capsys, tmp_path, monkeypatch, error, reason):
    from pgverify import checker

    real = checker.check_claim

    def failing(claim, settings):
        if "v(s)" in claim.statement:
            raise error
        return real(claim, settings)

    monkeypatch.setattr(checker, "check_claim", failing)
    path = tmp_path / "doc.md"
    path.write_text(TWO)
    # --no-cache: the patched checker's results must not be stored as the code's (the key covers the source only)
    code, out, err = run(capsys, "verify", str(path), "--json", "--no-cache", *QUICK_ARGS)
    assert code == 3, err
    first, second = json.loads(out)["displays"]
    assert first["verdict"] == "undecided" and first["reason"] == reason
    assert second["verdict"] == "proved"


def test_an_error_of_the_family_in_one_display_is_its_reason(capsys, tmp_path, monkeypatch):
    from numeric.limits import TooLargeError
    from pgverify import checker

    real = checker.check_claim
    monkeypatch.setattr(checker, "check_claim", lambda c, s: (_ for _ in ()).throw(TooLargeError("too many"))
                        if "v(s)" in c.statement else real(c, s))
    path = tmp_path / "doc.md"
    path.write_text(TWO)
    code, out, _ = run(capsys, "verify", str(path), "--json", "--no-cache", *QUICK_ARGS)  # as above
    first, second = json.loads(out)["displays"]
    assert code == 3 and first["verdict"] == "undecided" and first["reason"] == "cannot be checked: too many"
    assert second["verdict"] == "proved"


def test_an_unusable_define_costs_its_display_only(capsys, tmp_path):
    path = tmp_path / "doc.md"
    path.write_text("<!-- pgverify: define G := \\frac{ -->\n$$ G = 1 $$\n\n" + PROVED_MD)
    code, out, err = run(capsys, "verify", str(path), "--json", *QUICK_ARGS)
    assert code == 3, err
    first, second = json.loads(out)["displays"]
    assert first["verdict"] == "undecided" and first["reason"].startswith("not read: annotation: ")
    assert "G := " in first["reason"] and "malformed" in first["reason"]
    assert second["verdict"] == "proved"


def test_a_display_the_renderer_cannot_write_back_costs_that_display_only(capsys, tmp_path):
    # textbook profile: \log p_\theta(\tau) once raised inside render_latex and the whole file was lost
    path = tmp_path / "doc.md"
    path.write_text("---\npgverify_profile: textbook\n---\n\n$$ \\log p_\\theta(\\tau) = \\log p_\\theta(\\tau) $$\n\n"
                    "$$\n\\sum_{a} \\pi_\\theta(a|s) A^{\\pi_\\theta}(s,a) = 0\n$$\n")
    code, out, err = run(capsys, "verify", str(path), "--json", *QUICK_ARGS)
    assert code != 2, err
    first, second = json.loads(out)["displays"]
    assert first["verdict"] == "proved" or first["verdict"] in ("undecided", "ill-formed") and first["reason"]
    assert second["verdict"] == "proved"


def test_annotate_out_onto_an_existing_file_is_refused(capsys, tmp_path):
    path = tmp_path / "doc.md"
    path.write_text(PROVED_MD)
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    code, _, err = run(capsys, "annotate", str(path), "--out", str(target), *QUICK_ARGS)
    assert code == 2 and "--out" in err and "is an existing file" in err and "internal error" not in err
    assert target.read_text() == "keep me"


def test_annotate_out_below_a_file_is_refused(capsys, tmp_path):
    path = tmp_path / "doc.md"
    path.write_text(PROVED_MD)
    (tmp_path / "notes.txt").write_text("keep me")
    code, _, err = run(capsys, "annotate", str(path), "--out", str(tmp_path / "notes.txt" / "sub"), *QUICK_ARGS)
    assert code == 2 and "cannot make the folder: Not a directory" in err and "internal error" not in err


def test_annotate_out_into_an_unwritable_folder_is_refused(capsys, tmp_path, monkeypatch):
    import os

    path = tmp_path / "doc.md"
    path.write_text(PROVED_MD)
    out = tmp_path / "locked"
    out.mkdir()
    monkeypatch.setattr(os, "access", lambda p, mode: False)  # root may write anywhere: the refusal is made
    code, _, err = run(capsys, "annotate", str(path), "--out", str(out), *QUICK_ARGS)
    assert code == 2 and f"--out {out}: the folder is not writable" in err and "internal error" not in err
    assert list(out.iterdir()) == []


def test_annotate_a_failed_write_is_a_clear_error(capsys, tmp_path, monkeypatch):
    from pathlib import Path

    path = tmp_path / "doc.md"
    path.write_text(PROVED_MD)
    monkeypatch.setattr(Path, "write_text", lambda self, *a, **k: (_ for _ in ()).throw(OSError(28, "No space left")))
    code, _, err = run(capsys, "annotate", str(path), "--out", str(tmp_path / "o"), *QUICK_ARGS)
    assert code == 2 and "cannot write doc.annotated.md: No space left" in err and "internal error" not in err


def test_annotate_overwrites_its_own_outputs_as_documented(capsys, tmp_path):
    path = tmp_path / "doc.md"
    path.write_text(PROVED_MD)
    out = tmp_path / "o"
    out.mkdir()
    (out / "doc.annotated.md").write_text("old")
    code, _, err = run(capsys, "annotate", str(path), "--out", str(out), *QUICK_ARGS)
    assert code == 0, err
    assert "pgverify: proved" in (out / "doc.annotated.md").read_text()
    with pytest.raises(SystemExit):
        main(["annotate", "--help"])
    assert "already there are overwritten" in " ".join(capsys.readouterr().out.split())


def test_the_table_shows_control_characters_of_a_document_escaped(capsys, tmp_path):
    path = tmp_path / "doc.md"
    path.write_text("$$ U(\\theta) = \\text{\x1b[31mred\x1b[0m} $$\n\n" + PROVED_MD)
    code, out, _ = run(capsys, "verify", str(path), *QUICK_ARGS)
    assert code == 3 and "\x1b" not in out and "\\x1b[31mred\\x1b[0m" in out
