"""Framework adapters: a user's PyTorch, JAX or NumPy estimator as a function of (θ, batch) → ĝ.

The user writes ``fn(theta, batch)`` in their own framework:

* ``theta`` is a framework tensor of the estimator's dtype — shape (S, A) for the
  tabular softmax (logits = θ[s]) or (K,) for the linear softmax (logits =
  φ(s, ·) θ) — that the framework's autograd differentiates;
* ``batch`` is a :class:`~pgverify.audit.layout.Batch` of framework tensors
  (ints as int64 in torch and NumPy, int32 in JAX; floats in the dtype; bools);
  ``batch.logits(theta)`` gives the logits at every step, shape (n, E, A);
* it returns either a **loss** to minimise (a scalar; ĝ = −∇θ loss, by the
  framework's autograd) or a **gradient** estimate of ∇θU (θ's shape).

Tensors are converted at this boundary and nowhere else; ĝ comes back as a
float64 NumPy array (a float32 value converts exactly).  torch and jax are
optional (the ``audit`` extra); a missing one raises :class:`MissingExtraError`.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

import numpy as np

from numeric.errors import PGVerifyError
from pgverify.audit.layout import AuditError, Batch

__all__ = ["Estimator", "torch_estimator", "jax_estimator", "numpy_estimator", "MissingExtraError"]

_OUTPUTS = ("loss", "gradient")
_DTYPES = ("float32", "float64")


class MissingExtraError(PGVerifyError, ImportError):
    """An optional framework is not installed."""


def _import(module: str, what: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(f"{what} needs {module}, which is not installed: pip install 'pgverify[audit]' "
                                f"(the audit extra: torch, jax, rlax, stable-baselines3)") from None


def _options(fn: Any, output: str, dtype: str) -> None:
    if not callable(fn):
        raise AuditError(f"fn must be callable as fn(theta, batch), got {type(fn).__name__}")
    if output not in _OUTPUTS:
        raise AuditError(f"output must be 'loss' (a scalar to minimise) or 'gradient' (an estimate of ∇U), "
                         f"got {output!r}")
    if dtype not in _DTYPES:
        raise AuditError(f"dtype must be 'float32' or 'float64', got {dtype!r}")


class Estimator:
    """A user's estimator made callable on NumPy: ``estimator(theta, batch) -> ĝ`` (float64, θ's shape).

    Attributes: ``fn`` (the user's function), ``framework`` (``"torch"``,
    ``"jax"``, ``"numpy"``), ``output`` (``"loss"`` or ``"gradient"``),
    ``dtype`` (``"float32"`` or ``"float64"``), ``name``.
    """

    def __init__(self, fn: Callable[..., Any], framework: str, output: str, dtype: str,
                 run: Callable[[np.ndarray, Batch], Any]) -> None:
        self.fn, self.framework, self.output, self.dtype = fn, framework, output, dtype
        self.name = getattr(fn, "__name__", type(fn).__name__)
        self._run = run

    def __call__(self, theta: np.ndarray, batch: Batch) -> np.ndarray:
        g = np.asarray(self._run(theta, batch), dtype=np.float64)
        if g.shape != np.shape(theta):
            raise AuditError(f"{self.name} returned a gradient of shape {g.shape}, but theta has shape "
                             f"{np.shape(theta)}")
        if not np.all(np.isfinite(g)):
            raise AuditError(f"{self.name} returned a non-finite gradient {g.tolist()} on the batch with states "
                             f"{batch.states.tolist()} and actions {batch.actions.tolist()}")
        return g

    def __repr__(self) -> str:
        return f"{self.framework}_estimator({self.name}, output={self.output!r}, dtype={self.dtype!r})"


def _scalar_loss(name: str, loss: Any) -> None:
    shape = tuple(getattr(loss, "shape", ()))
    if int(np.prod(shape)) != 1:
        raise AuditError(f"{name} returned a loss of shape {shape}: with output='loss' it must return a scalar "
                         f"(use output='gradient' to return an estimate of ∇U)")


def torch_estimator(fn: Callable[..., Any], *, output: str = "loss", dtype: str = "float32") -> Estimator:
    """``fn(theta, batch)`` written in PyTorch; ĝ = −∇θ fn (``output="loss"``) or fn itself (``"gradient"``).

    θ reaches ``fn`` as a leaf tensor with ``requires_grad=True``; the batch as
    torch tensors (int64, ``dtype``, bool).  Needs the ``audit`` extra (torch).
    """
    _options(fn, output, dtype)
    torch = _import("torch", "pgverify.audit.torch_estimator")
    tdtype = getattr(torch, dtype)

    def run(theta: np.ndarray, batch: Batch) -> Any:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # tiny tensors: intra-op threads only add contention (4x slower under load)
        try:
            return differentiate(theta, batch)
        finally:
            torch.set_num_threads(threads)

    def differentiate(theta: np.ndarray, batch: Batch) -> Any:
        tb = batch.map(lambda a: torch.from_numpy(np.asarray(a, dtype=np.int64)),
                       lambda a: torch.from_numpy(np.asarray(a)).to(tdtype), lambda a: torch.from_numpy(np.asarray(a)))
        th = torch.tensor(theta, dtype=tdtype, requires_grad=True)
        out = fn(th, tb)
        if output == "gradient":
            return torch.as_tensor(out).detach().to(torch.float64).numpy()
        _scalar_loss(getattr(fn, "__name__", "fn"), out)
        (grad,) = torch.autograd.grad(out.reshape(()), th, allow_unused=True)
        return np.zeros(theta.shape) if grad is None else -grad.detach().to(torch.float64).numpy()

    return Estimator(fn, "torch", output, dtype, run)


_JAX_REGISTERED: list[bool] = []


def _register_batch(jax: Any) -> None:
    """Make :class:`Batch` a JAX pytree (arrays and γ are leaves: no recompilation per γ; t0, S, A static) once."""
    if _JAX_REGISTERED:
        return
    static = ("t0", "num_states", "num_actions")
    names = [n for n in Batch.__dataclass_fields__ if n not in static]

    def flatten(b: Batch) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        return tuple(getattr(b, n) for n in names), tuple(getattr(b, n) for n in static)

    def unflatten(aux: tuple[Any, ...], children: tuple[Any, ...]) -> Batch:
        new = object.__new__(Batch)
        for n, v in zip(names, children):
            object.__setattr__(new, n, v)
        for n, v in zip(static, aux):
            object.__setattr__(new, n, v)
        return new

    jax.tree_util.register_pytree_node(Batch, flatten, unflatten)
    _JAX_REGISTERED.append(True)


def jax_estimator(fn: Callable[..., Any], *, output: str = "loss", dtype: str = "float32",
                  jit: bool = True) -> Estimator:
    """``fn(theta, batch)`` written in JAX; ĝ = −∇θ fn via ``jax.grad`` (``output="loss"``) or fn itself.

    ``jit=True`` compiles once per batch shape (``fn`` must then be traceable).
    ``dtype="float64"`` switches on ``jax_enable_x64`` (a global JAX setting).
    Needs the ``audit`` extra (jax).
    """
    _options(fn, output, dtype)
    jax = _import("jax", "pgverify.audit.jax_estimator")
    jnp = jax.numpy
    if dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    _register_batch(jax)
    jdtype = getattr(jnp, dtype)
    name = getattr(fn, "__name__", "fn")

    def checked_loss(theta: Any, batch: Batch) -> Any:
        out = fn(theta, batch)
        _scalar_loss(name, out)
        return jnp.reshape(out, ())

    core = (lambda th, b: -jax.grad(checked_loss)(th, b)) if output == "loss" else fn
    core = jax.jit(core) if jit else core

    def run(theta: np.ndarray, batch: Batch) -> Any:
        jb = batch.map(lambda a: jnp.asarray(np.asarray(a, dtype=np.int32)), lambda a: jnp.asarray(a, dtype=jdtype),
                       lambda a: jnp.asarray(a))
        return np.asarray(core(jnp.asarray(theta, dtype=jdtype), jb), dtype=np.float64)

    return Estimator(fn, "jax", output, dtype, run)


def numpy_estimator(fn: Callable[..., Any], *, dtype: str = "float64") -> Estimator:
    """``fn(theta, batch)`` written in NumPy, returning its estimate of ∇θU (θ's shape); no autograd."""
    _options(fn, "gradient", dtype)

    def run(theta: np.ndarray, batch: Batch) -> Any:
        fb = batch.map(lambda a: a, lambda a: np.asarray(a, dtype=dtype), lambda a: a)
        return fn(theta.astype(dtype), fb)

    return Estimator(fn, "numpy", "gradient", dtype, run)
