"""``pgverify plot variance``: the VPG estimators' error against the number of roll-outs.

For an estimator ĝ_N averaged over N independent roll-outs the mean squared
error is 𝔼‖ĝ_N − ∇U‖² = tr Cov(ĝ_1)/N + ‖𝔼ĝ_1 − ∇U‖² (the bias does not
average out).  Both terms are computed exactly by enumerating trajectories
(:mod:`numeric.episodic`), then drawn in float64 on log–log axes.  REINFORCE's
baseline fitted on the same roll-outs couples them, so its error is computed
by enumerating every N-tuple, for the N where that is feasible.

matplotlib is optional: ``pip install 'pgverify[plot]'``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from numeric.episodic import EpisodicMDP, episodes, episodic_model, expect, tuples
from numeric.errors import PGVerifyError
from numeric.estimators import (q_weighted_estimator, reward_to_go_estimator, total_return_estimator,
                                undiscounted_estimator)
from numeric.model import Model
from numeric.policies import TabularSoftmax
from pgverify.claims.vpg import CENSUS_DRAWS, census_failures, reinforce_estimate, variance_value_baseline
from pgverify.families.episodic import build_example, describe

__all__ = ["plot_variance", "PlotError", "estimator_errors", "MAX_TUPLES"]

#: The largest number of N-tuples enumerated for REINFORCE's same-roll-out estimator (float64).
MAX_TUPLES = 200_000


class PlotError(PGVerifyError, ValueError):
    """A plot cannot be made: a missing optional dependency or a bad argument."""


def estimator_errors(m: Model, rollouts: np.ndarray) -> dict[str, np.ndarray]:
    """𝔼‖ĝ_N − ∇U‖² for each estimator at each N in ``rollouts`` (float64 model ``m``; NaN where not computed)."""
    ep = episodes(m)
    one = lambda x: x[:, None]  # one trajectory per outcome
    single = {
        "total return (vpg.gradient)": total_return_estimator(one(ep.rewards), one(ep.score), m.lam),
        "reward-to-go": reward_to_go_estimator(one(ep.rewards), one(ep.score), m.lam),
        "reward-to-go − v(s_t)": reward_to_go_estimator(one(ep.rewards), one(ep.score), m.lam,
                                                         baseline=one(m.v[ep.now])),
        "q-weighted": q_weighted_estimator(one(m.q[ep.now, ep.actions]), one(ep.score), m.lam),
        "undiscounted (biased)": undiscounted_estimator(one(ep.rewards), one(ep.score), m.lam),
    }
    out: dict[str, np.ndarray] = {}
    for name, g in single.items():
        mean = expect(ep.prob, g)
        variance = expect(ep.prob, (g * g).sum(axis=1)) - mean @ mean
        bias2 = float((mean - m.grad_U) @ (mean - m.grad_U))
        out[name] = variance / rollouts + bias2
    reinforce = np.full(len(rollouts), np.nan)
    for i, N in enumerate(rollouts):
        if ep.prob.shape[0] ** N > MAX_TUPLES:
            break
        idx, p = tuples(ep.prob, int(N))
        err = reinforce_estimate(m, ep, idx, idx) - m.grad_U
        reinforce[i] = expect(p, (err * err).sum(axis=1))
    exact_up_to = int(rollouts[~np.isnan(reinforce)].max()) if not np.isnan(reinforce[0]) else 0
    out[f"REINFORCE, baseline fitted on the same roll-outs (N ≤ {exact_up_to}: every N-tuple)"] = reinforce
    return out


def load_episodic_json(path: Path | str) -> tuple[EpisodicMDP, TabularSoftmax | None]:
    """An episodic MDP (and optionally θ) from a JSON file.

    Keys: ``P`` [S][A][S], ``r`` [S][A], ``discount``, ``absorbing``, ``horizon``,
    optional ``initial`` (a state or a distribution) and ``theta`` [S][A].
    Numbers may be strings such as ``"1/3"`` (kept exact).
    """
    import json
    from fractions import Fraction

    from numeric.mdp import FiniteMDP

    path = Path(path)
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlotError(f"--mdp {path}: cannot read a JSON object ({exc})") from None
    if not isinstance(spec, dict):
        raise PlotError(f"--mdp {path}: expected a JSON object, got {type(spec).__name__}")
    missing = [k for k in ("P", "r", "discount", "absorbing", "horizon") if k not in spec]
    if missing:
        raise PlotError(f"--mdp {path}: missing key(s) {missing}")

    def num(x: Any) -> Any:
        if isinstance(x, list):
            return [num(y) for y in x]
        if isinstance(x, str):
            try:
                return Fraction(x)
            except ValueError:
                raise PlotError(f"--mdp {path}: {x!r} is not a number") from None
        return x

    mdp = FiniteMDP(np.array(num(spec["P"]), dtype=object), np.array(num(spec["r"]), dtype=object),
                    num(spec["discount"]), num(spec.get("initial", 0)))
    emdp = EpisodicMDP(mdp, absorbing=spec["absorbing"], horizon=spec["horizon"])
    policy = TabularSoftmax(np.array(spec["theta"], dtype=float)) if "theta" in spec else None
    return emdp, policy


def plot_variance(mdp: EpisodicMDP | None = None, policy: TabularSoftmax | None = None, *, out: Path | str,
                  seed: int = 0, max_rollouts: int = 64) -> Path:
    """Write a PNG of 𝔼‖ĝ_N − ∇U‖² against N = 1 … ``max_rollouts`` (log–log) and return its path.

    ``mdp`` (with ``policy``, default uniform) is the user's episodic MDP; when
    omitted, the counterexample to ``vpg.variance.value-baseline`` of its census
    with ``seed`` where the value baseline multiplies the variance most is used.
    """
    out = Path(out)
    if out.suffix.lower() != ".png":
        raise PlotError(f"out must be a .png path, got {str(out)!r}")
    if not isinstance(max_rollouts, int) or isinstance(max_rollouts, bool) or max_rollouts < 1:
        raise PlotError(f"max_rollouts must be an integer >= 1, got {max_rollouts!r}")
    if mdp is None and policy is not None:
        raise PlotError("policy is given without mdp: pass both, or neither for the counterexample")
    if mdp is not None and not isinstance(mdp, EpisodicMDP):
        raise PlotError(f"mdp must be a numeric.EpisodicMDP, got {type(mdp).__name__}")
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise PlotError("plots need matplotlib: pip install 'pgverify[plot]'") from None
    if mdp is None:
        m, title = _counterexample(seed)
    else:
        if policy is None:
            policy = TabularSoftmax(np.zeros((mdp.num_states, mdp.num_actions)))
        m, title = episodic_model(mdp, policy, exact=False), "user MDP"
    rollouts = np.unique(np.geomspace(1, max_rollouts, num=min(max_rollouts, 24)).round().astype(int))
    errors = estimator_errors(m, rollouts)
    fig = Figure(figsize=(9.5, 4.5), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for (name, values), marker in zip(errors.items(), "os^vDx"):
        ax.loglog(rollouts, values, marker=marker, markersize=4, label=name)
    ax.set_xlabel("roll-outs N")
    ax.set_ylabel("𝔼‖ĝ_N − ∇U‖²  (= tr Cov for unbiased)")
    ax.set_title(f"Exact error of the VPG estimators — {title}", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    return out


def _counterexample(seed: int) -> tuple[Model, str]:
    held, worst = census_failures(variance_value_baseline, seed, CENSUS_DRAWS,
                                  rank=lambda m, step: -step.lhs / step.rhs if step.rhs else 0)
    if worst is None:
        raise PlotError(f"vpg.variance.value-baseline held on all {CENSUS_DRAWS} MDPs drawn with seed={seed}: "
                        f"no counterexample to plot; pass an mdp")
    example = worst[0]
    d: dict[str, Any] = describe(example)
    title = (f"counterexample to vpg.variance.value-baseline\n(census seed {seed}: held on {held}/{CENSUS_DRAWS}; "
             f"S={len(d['r']) - 1}+absorbing, A={len(d['r'][0])}, T={d['horizon']}, λ={d['discount']})")
    return build_example(example, False), title
