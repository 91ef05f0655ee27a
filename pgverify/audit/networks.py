"""Policies as torch ``nn.Module`` s over one-hot or feature inputs: E[ĝ] and ∇U with respect to the network's weights.

π_θ(·|s) = softmax(f_θ(x_s)), f a user's module, x_s row s of ``inputs`` (one-hot: the identity), θ the module's
parameters flattened in ``module.parameters()`` order (``torch.nn.utils.parameters_to_vector``).

The reference ∇U is the chain rule through π on the finite MDP: ∇θU = Σ_{s,a} ∂U/∂π(a|s) · ∂π(a|s)/∂θ, the first
factor from the Bellman solve of :class:`numeric.model.Model` (discount γ < 1) or the finite-horizon recursion
(γ = 1), the second the Jacobian of the network's softmax by torch's autograd — never through the estimator or a
policy-gradient identity.  Everything is float64 (a network's π is not rational): the comparison is at the
estimator's dtype tolerance (:data:`pgverify.audit.RTOL`).  Needs the ``audit`` extra (torch).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from numeric.errors import InvalidPolicyError
from numeric.mdp import FiniteMDP
from pgverify.audit.frameworks import Estimator, _import
from pgverify.audit.layout import AuditError, Batch
from pgverify.audit.run import episode_view

__all__ = ["NetworkPolicy", "network_estimator", "JaxNetworkPolicy", "jax_network_estimator"]


class NetworkPolicy:
    """A torch module as a policy for :func:`numeric.evaluation.model` (float64; see the module docstring).

    ``module`` maps a batch of inputs (S, F) to logits (S, A); ``inputs`` (S, F), default the one-hot identity.
    The module is copied to float64; ``theta`` is its parameter vector (K,).
    """

    exact = False
    features = None

    def __init__(self, module: Any, num_states: int, *, inputs: Any = None) -> None:
        torch = _import("torch", "pgverify.audit.NetworkPolicy")
        import copy

        if not isinstance(module, torch.nn.Module):
            raise AuditError(f"module must be a torch.nn.Module, got {type(module).__name__}")
        self.module = copy.deepcopy(module).double()
        x = np.eye(num_states) if inputs is None else np.asarray(inputs, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] != num_states:
            raise AuditError(f"inputs must have shape (S, F) = ({num_states}, F), got {x.shape}")
        self.inputs = x
        self._names = [n for n, _ in self.module.named_parameters()]
        self._shapes = [p.shape for p in self.module.parameters()]
        self.theta = torch.nn.utils.parameters_to_vector(self.module.parameters()).detach().numpy().copy()
        if self.theta.size == 0:
            raise AuditError("the module has no parameters")
        with torch.no_grad():
            logits = self.module(torch.from_numpy(x))
        if logits.ndim != 2 or logits.shape[0] != num_states:
            raise AuditError(f"the module must map inputs (S, F) to logits (S, A), got shape {tuple(logits.shape)}")
        self.num_actions = int(logits.shape[1])

    def params(self, theta: Any) -> dict:
        """θ (a torch vector) split into the module's named parameters."""
        out, i = {}, 0
        for name, shape in zip(self._names, self._shapes):
            n = int(np.prod(shape))
            out[name] = theta[i:i + n].reshape(shape)
            i += n
        return out

    def logits(self, theta: Any, x: Any) -> Any:
        torch = _import("torch", "pgverify.audit.NetworkPolicy")
        return torch.func.functional_call(self.module, self.params(theta), (x,))

    def _pi(self, theta: Any) -> Any:
        torch = _import("torch", "pgverify.audit.NetworkPolicy")
        return torch.softmax(self.logits(theta, torch.from_numpy(self.inputs)), dim=-1)

    def check_compatible(self, mdp: FiniteMDP) -> None:
        if (mdp.num_states, mdp.num_actions) != (self.inputs.shape[0], self.num_actions):
            raise InvalidPolicyError(f"the network gives {self.num_actions} actions on {self.inputs.shape[0]} states; "
                                     f"the MDP has {mdp.num_actions} actions and {mdp.num_states} states")

    def probabilities(self) -> np.ndarray:
        torch = _import("torch", "pgverify.audit.NetworkPolicy")
        with torch.no_grad():
            return self._pi(torch.from_numpy(self.theta)).numpy().copy()

    def jacobian(self) -> np.ndarray:
        """∂π(a|s)/∂θ_k, shape (S, A, K), by torch's autograd."""
        torch = _import("torch", "pgverify.audit.NetworkPolicy")
        J = torch.autograd.functional.jacobian(self._pi, torch.from_numpy(self.theta))
        return J.numpy().copy()

    def vjp(self, g: np.ndarray) -> np.ndarray:
        return np.einsum("sa,sak->k", np.asarray(g, dtype=np.float64), self.jacobian())

    def to_float(self) -> "NetworkPolicy":
        return self


def network_estimator(policy: NetworkPolicy, fn: Callable[..., Any], *, form: str = "episodes",
                      dtype: str = "float64") -> Estimator:
    """``fn`` on the network's parameters: ĝ = −∇θ loss, θ the module's parameter vector.

    ``form="episodes"``: ``fn(log_probs, rewards, gamma)`` per episode (log π from the network, summed over the
    batch's episodes); ``form="batch"``: ``fn(module_call, obs, batch)`` with ``obs`` = inputs[states] (n, E, F)
    and ``module_call(x)`` the network's logits at θ.
    """
    torch = _import("torch", "pgverify.audit.network_estimator")
    if form not in ("episodes", "batch"):
        raise AuditError(f"form must be 'episodes' or 'batch', got {form!r}")
    if dtype not in ("float32", "float64"):
        raise AuditError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    tdtype = getattr(torch, dtype)
    name = getattr(fn, "__name__", "fn")
    inputs = torch.from_numpy(policy.inputs).to(tdtype)

    def run(theta: np.ndarray, batch: Batch) -> Any:
        th = torch.tensor(theta, dtype=tdtype, requires_grad=True)
        states = torch.from_numpy(np.asarray(batch.states, dtype=np.int64))
        obs = inputs[states]
        params = {k: v.to(tdtype) for k, v in policy.params(th).items()}

        def call(x: Any) -> Any:
            return torch.func.functional_call(policy.module, params, (x,))

        if form == "episodes":
            lp = torch.log_softmax(call(obs), dim=-1)
            actions = torch.from_numpy(np.asarray(batch.actions, dtype=np.int64))
            lp = lp.gather(-1, actions.unsqueeze(-1)).squeeze(-1)
            loss = sum((fn(lps, rs, float(batch.gamma)) for lps, rs in episode_view(batch, lp)), torch.zeros((), dtype=tdtype))
        else:
            loss = fn(call, obs, batch)
        if int(np.prod(tuple(getattr(loss, "shape", ())))) != 1:
            raise AuditError(f"{name} returned a loss of shape {tuple(getattr(loss, 'shape', ()))}: it must be a scalar")
        (grad,) = torch.autograd.grad(loss.reshape(()), th, allow_unused=True)
        return np.zeros(theta.shape) if grad is None else -grad.detach().to(torch.float64).numpy()

    return Estimator(fn, "torch", "loss", dtype, run)


class JaxNetworkPolicy:
    """A JAX network as a policy: ``apply(params, x) -> logits`` (flax's ``module.apply``, haiku's ``apply``, or a
    plain function) with its parameter pytree ``params``; θ is the pytree flattened by
    ``jax.flatten_util.ravel_pytree`` (float64: switches on ``jax_enable_x64``).  Otherwise as :class:`NetworkPolicy`.
    """

    exact = False
    features = None

    def __init__(self, apply: Callable[..., Any], params: Any, num_states: int, *, inputs: Any = None) -> None:
        jax = _import("jax", "pgverify.audit.JaxNetworkPolicy")
        from jax.flatten_util import ravel_pytree

        if not callable(apply):
            raise AuditError(f"apply must be callable as apply(params, x), got {type(apply).__name__}")
        jax.config.update("jax_enable_x64", True)
        jnp = jax.numpy
        flat, self._unravel = ravel_pytree(jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), params))
        self.apply = apply
        x = np.eye(num_states) if inputs is None else np.asarray(inputs, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] != num_states:
            raise AuditError(f"inputs must have shape (S, F) = ({num_states}, F), got {x.shape}")
        self.inputs = x
        self.theta = np.asarray(flat, dtype=np.float64)
        if self.theta.size == 0:
            raise AuditError("the network has no parameters")
        logits = np.asarray(apply(self._unravel(jnp.asarray(self.theta)), jnp.asarray(x)))
        if logits.ndim != 2 or logits.shape[0] != num_states:
            raise AuditError(f"apply must map inputs (S, F) to logits (S, A), got shape {logits.shape}")
        self.num_actions = int(logits.shape[1])
        self._jax = jax

    def logits(self, theta: Any, x: Any) -> Any:
        return self.apply(self._unravel(theta), x)

    def _pi(self, theta: Any) -> Any:
        return self._jax.nn.softmax(self.logits(theta, self._jax.numpy.asarray(self.inputs)), axis=-1)

    check_compatible = NetworkPolicy.check_compatible
    vjp = NetworkPolicy.vjp

    def probabilities(self) -> np.ndarray:
        return np.asarray(self._pi(self._jax.numpy.asarray(self.theta)), dtype=np.float64)

    def jacobian(self) -> np.ndarray:
        """∂π(a|s)/∂θ_k, shape (S, A, K), by ``jax.jacobian``."""
        return np.asarray(self._jax.jacobian(self._pi)(self._jax.numpy.asarray(self.theta)), dtype=np.float64)

    def to_float(self) -> "JaxNetworkPolicy":
        return self


def jax_network_estimator(policy: JaxNetworkPolicy, fn: Callable[..., Any]) -> Estimator:
    """A per-episode loss ``fn(log_probs, rewards, gamma)`` on a :class:`JaxNetworkPolicy`: ĝ = −∇θ Σ loss
    (``jax.grad``, float64, not jit-compiled: episodes have different lengths)."""
    jax = policy._jax
    jnp = jax.numpy
    name = getattr(fn, "__name__", "fn")

    def run(theta: np.ndarray, batch: Batch) -> Any:
        obs = jnp.asarray(policy.inputs)[np.asarray(batch.states)]
        actions = np.asarray(batch.actions)

        def loss(th: Any) -> Any:
            lp = jax.nn.log_softmax(policy.logits(th, obs), axis=-1)
            lp = jnp.take_along_axis(lp, jnp.asarray(actions)[..., None], axis=-1)[..., 0]
            out = sum((fn(lps, rs, float(batch.gamma)) for lps, rs in episode_view(batch, lp)), jnp.zeros(()))
            if int(np.prod(jnp.shape(out))) != 1:
                raise AuditError(f"{name} returned a loss of shape {jnp.shape(out)}: it must be a scalar")
            return jnp.reshape(out, ())

        return -np.asarray(jax.grad(loss)(jnp.asarray(theta)), dtype=np.float64)

    return Estimator(fn, "jax", "loss", "float64", run)
