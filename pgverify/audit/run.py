"""One command: load estimators from files or modules, audit each on an MDP where the targets differ, report.

``pgverify audit path/to/file.py:function [more …]`` imports the file (running its code: only on the user's
explicit command), wraps the function (:func:`load_estimator`), builds the MDP (:func:`pgverify.audit.audit_mdp`),
runs the estimator on every batch (:func:`pgverify.audit.moments.evaluate`) and judges E[ĝ]
(:func:`pgverify.audit.verdict.judge`).

Two forms of estimator are recognised by the function's parameter names:

* **batch form** ``f(theta, batch)`` (:mod:`pgverify.audit.frameworks`): θ and a time-major
  :class:`~pgverify.audit.Batch`;
* **per-episode form** ``f(log_probs, rewards, gamma)``: ``log_probs`` a list of the framework's scalars
  log π_θ(a_t|s_t) of one episode's steps (differentiable in θ), ``rewards`` the list of its rewards r_t
  (floats), ``gamma`` γ; it returns the episode's loss.  A batch's loss is the sum over its episodes
  (:func:`episode_estimator`).  This is the shape of tutorial code (``saved_log_probs``, ``rewards``).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import math
import sys
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

import numpy as np

from numeric.mdp import FiniteMDP
from numeric.policies import TabularSoftmax
from pgverify.audit.expectation import Setting, setting
from pgverify.audit.frameworks import Estimator, _import, jax_estimator, numpy_estimator, torch_estimator
from pgverify.audit.layout import AuditError, Batch
from pgverify.audit.moments import Evaluation, evaluate
from pgverify.audit.verdict import SHOW_K, Verdict, audit_setting, judge

__all__ = ["load_function", "load_estimator", "episode_estimator", "episode_view", "probe_standardised",
           "Audit", "AuditReport", "audit_estimators", "FRAMEWORKS"]

FRAMEWORKS = ("auto", "torch", "jax", "numpy")


def load_function(spec: str) -> Callable[..., Any]:
    """The function named by ``path/to/file.py:name`` or ``package.module:name``, importing (running) its module.

    Each failure is an :class:`AuditError` naming the file or module: no ``:``, a missing file, an import that
    raises (with the exception), no such name, a name that is not callable.
    """
    if not isinstance(spec, str) or spec.count(":") < 1:
        raise AuditError(f"{spec!r}: name an estimator as path/to/file.py:function or package.module:function")
    where, _, name = spec.rpartition(":")
    if not where or not name.isidentifier():
        raise AuditError(f"{spec!r}: name an estimator as path/to/file.py:function or package.module:function")
    if where.endswith(".py") or "/" in where or "\\" in where:
        path = Path(where)
        if not path.is_file():
            raise AuditError(f"{where}: no such file")
        module_name = f"_pgverify_audit_{abs(hash(str(path.resolve())))}"
        spec_ = importlib.util.spec_from_file_location(module_name, path)
        if spec_ is None or spec_.loader is None:
            raise AuditError(f"{where}: cannot be imported as a Python file")
        module = importlib.util.module_from_spec(spec_)
        folder = str(path.resolve().parent)
        sys.path.insert(0, folder)
        sys.modules[module_name] = module
        try:
            spec_.loader.exec_module(module)
        except BaseException as exc:  # the user's module failed on import: say so, naming it
            sys.modules.pop(module_name, None)
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise AuditError(f"importing {where} raised {type(exc).__name__}: {exc}") from None
        finally:
            if sys.path and sys.path[0] == folder:
                sys.path.pop(0)
    else:
        try:
            module = importlib.import_module(where)
        except ModuleNotFoundError as exc:
            if exc.name and where.startswith(exc.name):
                raise AuditError(f"{where}: no such module") from None
            raise AuditError(f"importing {where} raised ModuleNotFoundError: {exc}") from None
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise AuditError(f"importing {where} raised {type(exc).__name__}: {exc}") from None
    if not hasattr(module, name):
        defined = sorted(k for k, v in vars(module).items() if callable(v) and not k.startswith("_")
                         and getattr(v, "__module__", None) == module.__name__)
        raise AuditError(f"{where} defines no {name!r}" + (f"; its functions: {', '.join(defined)}" if defined else ""))
    fn = getattr(module, name)
    if not callable(fn):
        raise AuditError(f"{where}:{name} is a {type(fn).__name__}, not a function")
    return fn


def _form(fn: Callable[..., Any], label: str) -> str:
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        raise AuditError(f"{label}: cannot read its parameters") from None
    if params[:1] == ["theta"] and len(params) >= 2:
        return "batch"
    if "log_probs" in params and "rewards" in params:
        return "episodes"
    raise AuditError(f"{label} takes ({', '.join(params)}): an estimator takes (theta, batch) or "
                     f"(log_probs, rewards, gamma)")


def _framework(fn: Callable[..., Any], label: str) -> str:
    found = set()
    for v in getattr(fn, "__globals__", {}).values():
        root = getattr(v, "__name__", "").split(".")[0] if inspect.ismodule(v) else ""
        if root in ("torch", "jax"):
            found.add(root)
    if len(found) > 1:
        raise AuditError(f"{label}: its module imports both torch and jax; choose with --framework")
    return found.pop() if found else "numpy"


def episode_view(batch: Batch, log_probs: Any) -> list[tuple[list[Any], list[float]]]:
    """The batch's episodes as (log-probabilities, rewards) lists: steps with ``mask`` True, split at each start.

    ``log_probs`` (n, E) holds log π(a_t|s_t) in the user's framework (indexable by [t, e]).
    """
    mask = np.asarray(batch.mask)
    starts = np.asarray(batch.episode_starts)
    rewards = np.asarray(batch.rewards, dtype=np.float64)
    out = []
    for e in range(mask.shape[1]):
        current: tuple[list[Any], list[float]] | None = None
        for t in range(mask.shape[0]):
            if not mask[t, e]:
                continue
            if current is None or starts[t, e]:
                current = ([], [])
                out.append(current)
            current[0].append(log_probs[t, e])
            current[1].append(float(rewards[t, e]))
    return out


def episode_estimator(fn: Callable[..., Any], *, framework: str = "torch", dtype: str = "float32") -> Estimator:
    """A per-episode loss ``fn(log_probs, rewards, gamma)`` as an :class:`Estimator` (ĝ = −∇θ Σ_episodes loss).

    torch or jax (autograd needed); the batch's logits are θ[s] (tabular) or φ(s, ·)θ (linear).
    """
    name = getattr(fn, "__name__", "fn")
    if framework == "torch":
        torch = _import("torch", "a per-episode torch estimator")

        def loss(theta: Any, batch: Batch) -> Any:
            lp = torch.log_softmax(batch.logits(theta), dim=-1)
            lp = lp.gather(-1, batch.actions.unsqueeze(-1)).squeeze(-1)
            total = 0
            for lps, rs in episode_view(batch, lp):
                total = total + fn(lps, rs, float(batch.gamma))
            return torch.as_tensor(total) if not torch.is_tensor(total) else total

        loss.__name__ = name
        return torch_estimator(loss, dtype=dtype)
    if framework == "jax":
        jax = _import("jax", "a per-episode jax estimator")

        def jloss(theta: Any, batch: Batch) -> Any:
            lp = jax.nn.log_softmax(batch.logits(theta), axis=-1)
            lp = jax.numpy.take_along_axis(lp, batch.actions[..., None], axis=-1)[..., 0]
            total = 0.0
            for lps, rs in episode_view(batch, lp):
                total = total + fn(lps, rs, float(batch.gamma))
            return jax.numpy.asarray(total)

        jloss.__name__ = name
        return jax_estimator(jloss, dtype=dtype, jit=False)
    raise AuditError(f"{name}: the per-episode form (log_probs, rewards, gamma) needs autograd: --framework torch or "
                     f"jax, got {framework!r}")


def load_estimator(spec: str, *, framework: str = "auto", output: str = "loss", dtype: str = "float32") -> Estimator:
    """:func:`load_function` of ``spec`` wrapped as an :class:`Estimator` of its form and framework."""
    if framework not in FRAMEWORKS:
        raise AuditError(f"--framework must be one of {', '.join(FRAMEWORKS)}, got {framework!r}")
    fn = load_function(spec)
    form = _form(fn, spec)
    fw = _framework(fn, spec) if framework == "auto" else framework
    if form == "episodes":
        est = episode_estimator(fn, framework=fw, dtype=dtype)
    elif fw == "torch":
        est = torch_estimator(fn, output=output, dtype=dtype)
    elif fw == "jax":
        est = jax_estimator(fn, output=output, dtype=dtype)
    else:
        if output != "gradient" and framework == "numpy":
            raise AuditError(f"{spec}: a NumPy estimator returns its gradient estimate: use --output gradient")
        est = numpy_estimator(fn, dtype=dtype if dtype in ("float32", "float64") else "float64")
    where, _, name = spec.rpartition(":")
    est.name = f"{Path(where).name}:{name}" if where.endswith(".py") else spec
    return est


def probe_standardised(ev: Evaluation, *, count: int = 6) -> bool | None:
    """Whether ĝ is unchanged when every reward is doubled, on the ``count`` most probable batches.

    An estimator linear in the rewards doubles; one that divides by a scale computed from the batch (returns
    standardised by their own standard deviation) does not change.

    Returns None when no probed batch has ĝ ≠ 0 or the probe fails; the relative tolerance is the dtype's
    (:data:`pgverify.audit.RTOL`) times 100 (two evaluations' round-off).
    """
    from pgverify.audit.diagnosis import RTOL

    b = ev.setting.batches
    order = np.argsort(-np.asarray(b.probability, dtype=np.float64), kind="stable")
    order = [i for i in order if not ev.failed[i]][:count]
    theta = np.asarray(ev.setting.policy.theta, dtype=np.float64)
    rtol = 100 * RTOL[ev.estimator.dtype]
    seen = False
    for i in order:
        batch = b.batch(int(i))
        moved = replace(batch, rewards=2 * batch.rewards)
        try:
            g2 = np.asarray(ev.estimator._run(theta, moved), dtype=np.float64).ravel()
        except Exception:  # the probe is optional evidence: a failure just leaves it unknown
            return None
        g = ev.gradients[i]
        scale = float(np.max(np.abs(g), initial=0.0))
        if not np.all(np.isfinite(g2)) or float(np.max(np.abs(g2 - g), initial=0.0)) > rtol * (1 + scale):
            return False
        seen = seen or scale > rtol
    return True if seen else None


@dataclass(frozen=True)
class Audit:
    """One estimator's audit: ``name``, ``verdict`` (None when undecided by failures), ``p_fail``,
    ``failures`` (up to three reasons), ``status`` (unbiased, multiple, biased, undecided), ``reason``."""

    name: str
    framework: str
    dtype: str
    verdict: Verdict | None
    p_fail: float
    failures: tuple
    status: str
    reason: str

    def as_dict(self) -> dict:
        return {"estimator": self.name, "framework": self.framework, "dtype": self.dtype, "status": self.status,
                "reason": self.reason, "p_fail": self.p_fail, "failures": [r for _, r in self.failures],
                **({} if self.verdict is None else {"details": self.verdict.as_dict()})}


def _vector(x: np.ndarray, shown: int = 12) -> str:
    """A vector rounded to 6 decimals; beyond ``shown`` entries, the first ones and the count (--json has all)."""
    v = np.round(np.ravel(x), 6).tolist()
    return str(v) if len(v) <= shown else f"{str(v[:shown])[:-1]}, … ({len(v)} entries; --json gives all)]"


@dataclass(frozen=True)
class AuditReport:
    """Every :class:`Audit` of one run with the MDP they ran on; :attr:`exit_status` 0/1/3 (see the CLI)."""

    mdp: FiniteMDP
    policy: Any
    options: dict
    batches: int
    audits: tuple
    up_to_factor: bool

    @property
    def exit_status(self) -> int:
        ok = {"unbiased"} | ({"multiple"} if self.up_to_factor else set())
        statuses = [a.status for a in self.audits]
        if any(s not in ok and s != "undecided" for s in statuses):
            return 1
        if any(s == "undecided" for s in statuses):
            return 3
        return 0

    def as_dict(self) -> dict:
        return {"mdp": {**{k: str(v) for k, v in self.options.items()}, "batches": self.batches,
                        "P": np.asarray(self.mdp.P, dtype=np.float64).tolist(),
                        "r": np.asarray(self.mdp.r, dtype=np.float64).tolist(),
                        "policy": np.asarray(self.policy.probabilities(), dtype=np.float64).tolist()},
                "show_k": SHOW_K, "exit_status": self.exit_status, "estimators": [a.as_dict() for a in self.audits]}

    def text(self) -> str:
        o = self.options
        policy = ("tabular softmax policy" if not o.get("network") else
                  f"policy: the network {o['network']} over one-hot states (θ its {o['parameters']} weights)")
        each = "one episode each" if o.get("episodes", 1) == 1 else f"{o['episodes']} episodes each"
        lines = [f"pgverify audit: every batch enumerated exactly ({self.batches} batches, {each}) on an "
                 f"episodic MDP with {o['states']} states (+ the terminal one), {o['actions']} actions, episodes of "
                 f"1 to {o['horizon']} steps, γ = {o['discount']}, seed {o['seed']}; {policy}.", ""]
        for a in self.audits:
            lines.append(f"{a.name}  [{a.framework}, {a.dtype}]")
            if a.p_fail:
                lines.append(f"  fails (exception or non-finite ĝ) on batches of total probability {a.p_fail:.4g}; "
                             f"first: {a.failures[0][1]}")
            if a.verdict is None:
                lines.append(f"  undecided: {a.reason}")
                lines.append("")
                continue
            v = a.verdict
            lines.append(f"  {v.sentence}")
            lines.append(f"  relative error |E[ĝ] − ∇U|/|∇U| = {v.relative_error:.4g}; cosine to ∇U = {v.cosine:.6f}")
            if v.identified is None:
                lines.append(f"  nearest candidate: {v.nearest[0]} (|E[ĝ] − c·T|/|E[ĝ]| = {v.nearest[1]:.3g})")
            if v.objective is not None:
                lines.append(f"  E[ĝ] is the gradient of {v.objective}")
            if v.moments is not None:
                lines.append(f"  exact variance: tr Cov[ĝ] = {v.moments.trace:.6g}; largest Var[ĝ_k] = "
                             f"{float(v.moments.variance.max()):.6g}")
            if v.batches_to_show is not None:
                lines.append(f"  the bias shows (exceeds {SHOW_K:g} standard errors along its direction) in the mean "
                             f"of {v.batches_to_show} batches")
            lines.append(f"  E[ĝ] = {_vector(v.expectation)}")
            lines.append("")
        grads = [a.verdict.grad_U for a in self.audits if a.verdict is not None]
        if grads:
            lines.append(f"∇U (differentiated directly) = {_vector(grads[0])}")
        if len(self.audits) > 1:
            lines.append("")
            lines.append(f"{'estimator':30} {'status':10} {'rel. error':>10} {'cosine':>9} {'tr Cov':>10} "
                         f"{'P(fail)':>8} {'to show':>8}")
            for a in self.audits:
                v = a.verdict
                cells = ("—", "—", "—", "—") if v is None else (
                    f"{v.relative_error:.3g}", f"{v.cosine:.4f}",
                    "—" if v.moments is None else f"{v.moments.trace:.4g}",
                    "—" if v.batches_to_show is None else str(v.batches_to_show))
                lines.append(f"{a.name[-30:]:30} {a.status:10} {cells[0]:>10} {cells[1]:>9} {cells[2]:>10} "
                             f"{a.p_fail:>8.3g} {cells[3]:>8}")
            judged = [a for a in self.audits if a.verdict is not None]
            if len(judged) > 1:
                close = min(judged, key=lambda a: a.verdict.relative_error)
                calm = min(judged, key=lambda a: a.verdict.moments.trace if a.verdict.moments else math.inf)
                lines.append(f"closest to ∇U: {close.name} (relative error {close.verdict.relative_error:.3g}); "
                             f"lowest tr Cov[ĝ]: {calm.name}")
        return "\n".join(line for line in lines).rstrip() + "\n"


def _network_setting(spec: str, specs: list[str], st: Setting, *, seed: int, dtype: str) -> tuple[Setting, list]:
    from pgverify.audit.networks import NetworkPolicy, network_estimator

    torch = _import("torch", "pgverify audit --network")
    make = load_function(spec)
    S, A = st.emdp.mdp.num_states, st.emdp.mdp.num_actions
    torch.manual_seed(seed)
    try:
        module = make(S, A)
    except Exception as exc:
        raise AuditError(f"{spec}({S}, {A}) raised {type(exc).__name__}: {exc}") from None
    pol = NetworkPolicy(module, S)
    net_st = setting(st.emdp, pol, st.rollout)
    estimators = []
    for s in specs:
        fn = load_function(s)
        if _form(fn, s) != "episodes":
            raise AuditError(f"{s}: with --network the estimator takes (log_probs, rewards, gamma)")
        est = network_estimator(pol, fn, dtype=dtype)
        where, _, name = s.rpartition(":")
        est.name = f"{Path(where).name}:{name}" if where.endswith(".py") else s
        estimators.append(est)
    return net_st, estimators


def audit_one(estimator: Estimator, st: Setting, *, condition_on_success: bool = False) -> Audit:
    """Evaluate ``estimator`` on every batch of ``st`` and judge it (failures: undecided unless conditioned)."""
    ev = evaluate(estimator, st)
    p_fail = float(ev.p_fail)
    if ev.failed.any() and not condition_on_success:
        return Audit(estimator.name, estimator.framework, estimator.dtype, None, p_fail, ev.failures, "undecided",
                     f"E[ĝ] is undefined: the estimator fails on batches of probability {p_fail:.4g}; "
                     f"--condition-on-success diagnoses the other batches")
    e = ev.expectation(condition_on_success=condition_on_success)
    m = ev.moments(condition_on_success=condition_on_success)
    probe = probe_standardised(ev)
    v = judge(e.value, st, dtype=e.dtype, magnitude=e.magnitude, moments=m, exact=e.exact,
              conditioned=bool(ev.failed.any()), p_fail=ev.p_fail, invariant_to_reward_scale=probe)
    return Audit(estimator.name, estimator.framework, estimator.dtype, v, p_fail, ev.failures, v.status, v.sentence)


def audit_estimators(specs: list[str], *, states: int = 3, actions: int = 3, horizon: int = 3,
                     discount: Any = Fraction(4, 5), seed: int = 0, framework: str = "auto", output: str = "loss",
                     dtype: str = "float32", condition_on_success: bool = False,
                     up_to_factor: bool = False, network: str | None = None, episodes: int = 1) -> AuditReport:
    """Load each spec (running its module), audit it on :func:`pgverify.audit.audit_mdp`'s MDP, and report.

    ``network``: ``file.py:make`` with ``make(num_inputs, num_actions)`` returning a torch module; the policy is
    then that network over one-hot states (torch seeded with ``seed``), the estimators per-episode losses, and
    E[ĝ], ∇U are taken w.r.t. the network's parameters (:mod:`pgverify.audit.networks`).
    """
    if not specs:
        raise AuditError("name at least one estimator (path/to/file.py:function or package.module:function)")
    st = audit_setting(states=states, actions=actions, horizon=horizon, discount=discount, seed=seed,
                       episodes=episodes)
    mdp, policy = st.emdp.mdp, st.policy
    if network is None:
        estimators = [load_estimator(s, framework=framework, output=output, dtype=dtype) for s in specs]
    else:
        st, estimators = _network_setting(network, specs, st, seed=seed, dtype=dtype)
    audits = tuple(audit_one(e, st, condition_on_success=condition_on_success) for e in estimators)
    options = {"states": states, "actions": actions, "horizon": horizon, "discount": st.gamma, "seed": seed,
               "episodes": episodes}
    if network is not None:
        options.update(network=network, parameters=int(np.size(st.policy.theta)))
    return AuditReport(mdp, st.policy, options, st.batches.count, audits, up_to_factor)
