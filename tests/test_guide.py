"""docs/guide.md is real: its files are the example files, its commands print what it shows."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
BLOCK = r"\n```[a-z]*\n(.*?)```"
FILES = re.findall(r"<!-- file: (\S+) -->" + BLOCK, GUIDE, re.S)
RUNS = re.findall(r"<!-- run: (.+?) \(exit (\d)\) -->" + BLOCK, GUIDE, re.S)
PYTESTS = re.findall(r"<!-- pytest: (\S+) -->" + BLOCK, GUIDE, re.S)


def normalise(text: str) -> str:
    """Timings vary from run to run: "(8.9 s, seed 0)" becomes "(… s, seed 0)"."""
    return re.sub(r"\(\d+\.\d s, seed", "(… s, seed", text).rstrip()


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def test_the_guide_has_its_examples():
    assert [f for f, _ in FILES] == ["docs/examples/reward_to_go.md", "docs/examples/reward_to_go.annotated.md",
                                     "docs/examples/textbook.md", "docs/examples/reward_to_go.py",
                                     "docs/examples/reinforce.py", "docs/examples/check_reinforce.py"]
    assert [c for c, _, _ in RUNS] == ["pgverify verify docs/examples/reward_to_go.md",
                                       "pgverify annotate docs/examples/reward_to_go.md --out docs/examples",
                                       "pgverify verify docs/examples/textbook.md",
                                       "pgverify verify docs/examples/reward_to_go.py",
                                       "python docs/examples/check_reinforce.py"]
    assert len(PYTESTS) == 1


@pytest.mark.parametrize("path, shown", FILES, ids=[f for f, _ in FILES])
def test_shown_files_are_the_example_files(path, shown):
    assert shown == (ROOT / path).read_text(encoding="utf-8")


def test_the_annotated_example_is_what_annotate_writes(tmp_path):
    """The annotated Markdown shown (and kept in docs/examples) is what `pgverify annotate` writes now."""
    done = subprocess.run([sys.executable, "-m", "pgverify", "annotate", "docs/examples/reward_to_go.md", "--out",
                           str(tmp_path)], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert (tmp_path / "reward_to_go.annotated.md").read_text(encoding="utf-8") == (
        ROOT / "docs/examples/reward_to_go.annotated.md").read_text(encoding="utf-8")
    assert "<math" in (tmp_path / "reward_to_go.annotated.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("command, status, shown", RUNS, ids=[c for c, _, _ in RUNS])
def test_commands_print_what_the_guide_shows(command, status, shown):
    program, *args = command.split()
    argv = [sys.executable, "-m", "pgverify", *args] if program == "pgverify" else [sys.executable, *args]
    done = subprocess.run(argv, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == int(status), done.stderr
    assert normalise(done.stdout) == normalise(shown)


@pytest.mark.slow
def test_the_pytest_example_runs_with_the_plugin(tmp_path):
    helper, code = PYTESTS[0]
    shutil.copy(ROOT / helper, tmp_path)
    (tmp_path / "test_mine.py").write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:pgverify", "-p", "_pgverify_pytestplugin",
                           "-p", "no:cacheprovider", "test_mine.py"], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
