"""`pgverify audit`: the adversarial estimators of tests/adversarial/cases_audit.toml, bad inputs, JSON, statuses.

Each case's code is written to a file and audited through :func:`pgverify.cli.main` (in process: torch is
imported once), so a case checks the whole path a user's file takes.  Cases needing torch are skipped without it.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from pgverify.cli import main

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES = tomllib.loads((Path(__file__).parent / "adversarial" / "cases_audit.toml").read_text(encoding="utf-8"))
TORCH = importlib.util.find_spec("torch") is not None
JAX = importlib.util.find_spec("jax") is not None


def _run(tmp_path, code, args, capsys, name="est.py"):
    f = tmp_path / name
    f.write_text(code, encoding="utf-8")
    status = main(["audit", f"{f}:f", "--dtype", "float64", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c.get("slow") else c
                                  for c in CASES["estimator"]], ids=[c["name"] for c in CASES["estimator"]])
def test_adversarial_estimators(case, tmp_path, capsys):
    if ("import torch" in case["code"] and not TORCH) or ("import jax" in case["code"] and not JAX):
        pytest.skip("needs the audit extra (torch, jax)")
    status, out, err = _run(tmp_path, case["code"], case.get("args", []), capsys)
    assert status == case["status"], (out, err)
    assert case["says"] in (out + err), (out, err)
    if status == 2:
        assert "est.py" in err  # the error names the file


@pytest.mark.parametrize("spec, fragment", [
    ("{tmp}/missing.py:f", "missing.py: no such file"),
    ("{tmp}/ok.py:g", "defines no 'g'; its functions: f"),
    ("{tmp}/ok.py", "name an estimator as path/to/file.py:function"),
    ("{tmp}/ok.py:N", "ok.py:N is a int, not a function"),
    ("no_such_package_xyz.mod:f", "no_such_package_xyz.mod: no such module"),
    ("{tmp}/syntax.py:f", "raised SyntaxError"),
])
def test_bad_specs_name_the_problem(spec, fragment, tmp_path, capsys):
    (tmp_path / "ok.py").write_text("import numpy as np\nN = 3\ndef f(theta, batch):\n    return theta * 0\n")
    (tmp_path / "syntax.py").write_text("def f(theta, batch)\n    return 0\n")
    status = main(["audit", spec.format(tmp=tmp_path)])
    err = capsys.readouterr().err
    assert status == 2 and fragment in err and err.startswith("pgverify: error:")


@pytest.mark.parametrize("args, fragment", [
    (["--discount", "abc"], "--discount must be a rational"),
    (["--discount", "3/2"], "--discount must lie in (0, 1]"),
    (["--horizon", "4"], "--horizon 4 needs at least as many states"),
    (["--states", "0"], "--states must be an integer >= 1"),
])
def test_bad_options(args, fragment, tmp_path, capsys):
    (tmp_path / "ok.py").write_text("import numpy as np\ndef f(theta, batch):\n    return theta * 0\n")
    status = main(["audit", f"{tmp_path}/ok.py:f", "--output", "gradient", *args])
    err = capsys.readouterr().err
    assert status == 2 and fragment in err


GOOD = CASES["estimator"][0]["code"]
BAD = CASES["estimator"][2]["code"]


@pytest.mark.skipif(not TORCH, reason="needs the audit extra (torch)")
def test_side_by_side_json(tmp_path, capsys):
    (tmp_path / "a.py").write_text(GOOD)
    (tmp_path / "b.py").write_text(BAD)
    status = main(["audit", f"{tmp_path}/a.py:f", f"{tmp_path}/b.py:f", "--json", "--states", "2", "--horizon", "2"])
    data = json.loads(capsys.readouterr().out)
    assert status == 1 and data["exit_status"] == 1
    a, b = data["estimators"]
    assert a["status"] == "unbiased" and b["status"] == "biased"
    da, db = a["details"], b["details"]
    assert da["relative_error"] < 1e-5 < db["relative_error"]
    assert da["trace_cov"] == pytest.approx(sum(da["variance"]), rel=1e-12)
    assert db["batches_to_show"] >= 1 and da["batches_to_show"] is None


@pytest.mark.skipif(not TORCH, reason="needs the audit extra (torch)")
def test_same_seed_same_json(tmp_path, capsys):
    (tmp_path / "b.py").write_text(BAD)
    outs = []
    for _ in range(2):
        main(["audit", f"{tmp_path}/b.py:f", "--json", "--seed", "5"])
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]


def test_help_says_it_runs_the_code(capsys):
    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    assert "RUNS ITS CODE" in capsys.readouterr().out


@pytest.mark.skipif(not TORCH, reason="needs the audit extra (torch)")
def test_network_policy_from_the_command_line(tmp_path, capsys):
    (tmp_path / "net.py").write_text("import torch\ndef make(n_in, n_act):\n"
                                     "    return torch.nn.Sequential(torch.nn.Linear(n_in, 4), torch.nn.Tanh(), "
                                     "torch.nn.Linear(4, n_act))\n")
    (tmp_path / "a.py").write_text(GOOD)
    status = main(["audit", f"{tmp_path}/a.py:f", "--network", f"{tmp_path}/net.py:make", "--states", "2",
                   "--horizon", "2", "--dtype", "float64", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert status == 0 and data["estimators"][0]["status"] == "unbiased"
    assert len(data["estimators"][0]["details"]["grad_U"]) == 3 * 4 + 4 + 4 * 3 + 3   # the network's weights


@pytest.mark.skipif(not TORCH, reason="needs the audit extra (torch)")
def test_the_text_states_the_numbers_of_the_record(tmp_path, capsys):
    import re

    (tmp_path / "b.py").write_text(BAD)
    (tmp_path / "a.py").write_text(GOOD)
    specs = [f"{tmp_path}/b.py:f", f"{tmp_path}/a.py:f", "--states", "2", "--horizon", "2"]
    main(["audit", *specs])
    text = capsys.readouterr().out
    main(["audit", *specs, "--json"])
    data = json.loads(capsys.readouterr().out)
    rel = [float(x) for x in re.findall(r"relative error \|E\[ĝ\] − ∇U\|/\|∇U\| = (\S+);", text)]
    cos = [float(x) for x in re.findall(r"cosine to ∇U = (\S+)", text)]
    trace = [float(x) for x in re.findall(r"tr Cov\[ĝ\] = (\S+);", text)]
    for i, e in enumerate(data["estimators"]):
        d = e["details"]
        assert rel[i] == pytest.approx(d["relative_error"], rel=1e-3, abs=1e-9)
        assert cos[i] == pytest.approx(d["cosine"], abs=1e-6)
        assert trace[i] == pytest.approx(d["trace_cov"], rel=1e-5)
    shows = re.search(r"in the mean of (\d+) batches", text)
    assert int(shows.group(1)) == data["estimators"][0]["details"]["batches_to_show"]
    assert "closest to ∇U: a.py:f" in text
