"""``plot_variance``: arguments, the optional dependency, and the exact error curves."""

from __future__ import annotations

import sys
from fractions import Fraction as F

import numpy as np
import pytest

from numeric.episodic import EpisodicMDP, episodes, episodic_model, expect, tuples
from numeric.errors import PGVerifyError
from numeric.estimators import reward_to_go_estimator
from numeric.mdp import FiniteMDP
from numeric.policies import TabularSoftmax
from pgverify.output.plot_vpg import PlotError, estimator_errors, plot_variance

CHAIN = EpisodicMDP(FiniteMDP([[[0, F(1, 2), F(1, 2)], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]],
                              [[1, -2], [3, 4], [0, 0]], F(9, 10)), absorbing=2, horizon=3)


@pytest.mark.parametrize("kwargs, message", [
    pytest.param(dict(out="v.svg"), r"out must be a \.png path, got 'v\.svg'", id="out-not-png"),
    pytest.param(dict(out="v.png", max_rollouts=0), "max_rollouts must be an integer >= 1, got 0", id="rollouts-0"),
    pytest.param(dict(out="v.png", mdp="chain"), "mdp must be a numeric.EpisodicMDP, got str", id="mdp-str"),
    pytest.param(dict(out="v.png", policy=TabularSoftmax(np.zeros((3, 2)))), "policy is given without mdp",
                 id="policy-without-mdp"),
])
def test_bad_arguments(kwargs, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PlotError, match=message) as info:
        plot_variance(**kwargs)
    assert isinstance(info.value, (PGVerifyError, ValueError))


def test_missing_matplotlib_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(PlotError, match=r"pip install 'pgverify\[plot\]'"):
        plot_variance(CHAIN, out=tmp_path / "v.png")


def test_user_mdp_plot_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    path = plot_variance(CHAIN, out=tmp_path / "sub" / "v.png", max_rollouts=8)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_iid_error_curve_matches_enumerating_pairs():
    m = episodic_model(CHAIN, TabularSoftmax.from_weights([[1, 3], [2, 1], [1, 1]]), exact=False)
    errors = estimator_errors(m, np.array([1, 2]))
    ep = episodes(m)
    idx, p = tuples(ep.prob, 2)
    err = reward_to_go_estimator(ep.rewards[idx], ep.score[idx], m.lam) - m.grad_U
    assert np.isclose(errors["reward-to-go"][1], expect(p, (err * err).sum(axis=1)), rtol=1e-12, atol=0)
    assert errors["reward-to-go"][0] > errors["reward-to-go"][1] > 0
