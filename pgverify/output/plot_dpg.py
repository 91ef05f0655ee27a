"""Figure: the Gaussian policy gradient tends to the DPG as σ → 0 (``dpg.stochastic-limit``).

Needs the optional ``plot`` extra (matplotlib).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from numeric.continuous import (ContinuousActionMDP, continuous_model, gaussian_policy_gradient, hermite_rule,
                                loglog_slope)
from numeric.errors import PGVerifyError

__all__ = ["plot_stochastic_limit", "stochastic_limit_errors"]

#: Gauss–Hermite nodes of the plotted Gaussian expectations (float64).
PLOT_NODES = 60


def _example(seed: int) -> Any:
    """A random 3-state rational MDP and tabular policy; every choice from ``seed``."""
    rng = np.random.default_rng(seed)
    mdp = ContinuousActionMDP(c=rng.integers(1, 4, size=(3, 3)), m=rng.integers(-2, 3, size=(3, 3)),
                              r=rng.integers(-3, 4, size=(3, 3)), discount=Fraction(int(rng.integers(3, 9)), 10))
    return continuous_model(mdp, rng.integers(-4, 5, size=3) / 2, exact=False)


def stochastic_limit_errors(*, seed: int, sigmas: Any = None) -> tuple[np.ndarray, np.ndarray, float]:
    """(σ, max_k |∇U_σ − DPG|_k, log-log slope) on the example drawn from ``seed``.

    >>> s, e, slope = stochastic_limit_errors(seed=0, sigmas=[0.2, 0.1, 0.05])
    >>> 1.8 < slope < 2.2
    True
    """
    m = _example(seed)
    sig = np.asarray(sigmas if sigmas is not None else np.geomspace(0.4, 0.005, 12), dtype=float)
    dpg = np.asarray(np.einsum("s,sk,s->k", m.d, m.jac, m.dq_da) / (1 - m.lam), dtype=float)
    rule = hermite_rule(PLOT_NODES)
    errors = np.array([np.max(np.abs(np.asarray(gaussian_policy_gradient(m, s, rule=rule), dtype=float) - dpg))
                       for s in sig])
    return sig, errors, loglog_slope(list(sig), list(errors))


def plot_stochastic_limit(out: Path, *, seed: int) -> Path:
    """Write a log-log plot of |∇θU_σ − DPG| against σ (with the fitted slope) to ``out``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PGVerifyError("plotting needs matplotlib: pip install 'pgverify[plot]'") from None
    sig, errors, slope = stochastic_limit_errors(seed=seed)
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.loglog(sig, errors, "o-", label=r"$\max_k|\nabla_\theta U_\sigma - \mathrm{DPG}|_k$")
    ax.loglog(sig, errors[0] * (sig / sig[0]) ** 2, "--", color="gray", label=r"$\propto\sigma^2$")
    ax.set_xlabel(r"$\sigma$ (Gaussian policy $\mathcal{N}(\pi_\theta(s),\sigma^2)$)")
    ax.set_ylabel("error")
    ax.set_title(f"Stochastic PG → DPG as σ → 0 (slope {slope:.2f}; seed {seed})", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
