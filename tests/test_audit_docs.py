"""docs/audit.md is real: its files are the audit's scripts, and each script prints what it shows.

The scripts run the real libraries (torch, jax, rlax, stable-baselines3: the ``audit`` extra, which
.ci/install-audit.sh installs); without them the runs are skipped, with the reason.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
BLOCK = r"\n```[a-z]*\n(.*?)```"
FILES = re.findall(r"<!-- file: (\S+) -->" + BLOCK, DOC, re.S)
RUNS = re.findall(r"<!-- run: (.+?) \(exit (\d)\) -->" + BLOCK, DOC, re.S)
EXTRA = ("torch", "jax", "rlax", "stable_baselines3")


def test_the_audit_has_its_scripts():
    assert [f for f, _ in FILES] == ["docs/examples/audit_is_a_gradient.py", "docs/examples/audit_common.py",
                                     "docs/examples/audit_sb3_a2c.py", "docs/examples/audit_rlax.py",
                                     "docs/examples/audit_reinforce.py", "docs/examples/audit_tutorial_reinforce.py",
                                     "docs/examples/audit_simplest_pg.py", "docs/examples/audit_network.py",
                                     "docs/examples/audit_ppo_epochs.py"]
    assert [c for c, _, _ in RUNS] == ["python docs/examples/audit_is_a_gradient.py",
                                       "python docs/examples/audit_common.py", "python docs/examples/audit_sb3_a2c.py",
                                       "python docs/examples/audit_rlax.py", "python docs/examples/audit_reinforce.py",
                                       "python -m pgverify audit docs/examples/audit_tutorial_reinforce.py:estimator",
                                       "python -m pgverify audit docs/examples/audit_tutorial_reinforce.py:estimator "
                                       "docs/examples/audit_tutorial_reinforce.py:without_standardising "
                                       "docs/examples/audit_tutorial_reinforce.py:repaired --condition-on-success",
                                       "python -m pgverify audit docs/examples/audit_simplest_pg.py:whole_return "
                                       "docs/examples/audit_simplest_pg.py:reward_to_go "
                                       "docs/examples/audit_simplest_pg.py:summed --discount 1",
                                       "python -m pgverify audit docs/examples/audit_tutorial_reinforce.py:repaired "
                                       "docs/examples/audit_tutorial_reinforce.py:without_standardising "
                                       "--network docs/examples/audit_network.py:make",
                                       "python docs/examples/audit_ppo_epochs.py"]


@pytest.mark.parametrize("path, shown", FILES, ids=[f for f, _ in FILES])
def test_shown_files_are_the_scripts(path, shown):
    assert shown == (ROOT / path).read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("command, status, shown", RUNS, ids=[c for c, _, _ in RUNS])
def test_scripts_print_what_the_audit_shows(command, status, shown):
    missing = [m for m in EXTRA if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"not run: {', '.join(missing)} not installed (the audit extra: pip install 'pgverify[audit]')")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, *command.split()[1:]], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1200)
    assert done.returncode == int(status), done.stderr
    assert done.stdout.rstrip() == shown.rstrip()


@pytest.mark.slow
def test_the_nones_of_the_audit_are_far_from_every_target():
    """docs/audit.md, section 6: each "none" stays ≥ 5.8e-4 (about 30 tolerances) from every target (best factor)."""
    missing = [m for m in EXTRA if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"not run: {', '.join(missing)} not installed (the audit extra: pip install 'pgverify[audit]')")
    sys.path.insert(0, str(ROOT / "docs" / "examples"))
    from audit_common import MDP, POLICY
    from audit_reinforce import reinforce
    from audit_sb3_a2c import a2c_step

    from pgverify.audit import Rollout, diagnose, torch_estimator

    steady = Rollout(n_steps=3, start="stationary", after_done="reset")
    cases = [(a2c_step(lam, "zero"), "gradient", steady, (lam,)) for lam in (1.0, 0.95)]
    cases += [(reinforce(w, True), "loss", Rollout(), (0.95,)) for w in (False, True)]
    for fn, output, rollout, lambdas in cases:
        d = diagnose(torch_estimator(fn, output=output), MDP, POLICY, rollout=rollout, lambdas=lambdas)
        assert not d.matches and min(d.residuals.values()) >= max(5.8e-4, 25 * d.tolerance)
