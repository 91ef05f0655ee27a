"""pgverify.audit: batch layouts, exact expectations, the diagnosis, the framework adapters, assert_policy_gradient.

Tests needing torch or jax are skipped, with the reason, when the ``audit`` extra is not installed.
"""

from __future__ import annotations

import importlib
from fractions import Fraction as F

import numpy as np
import pytest

from numeric import FiniteMDP, TabularSoftmax
from numeric.evaluation import model
from pgverify import audit, testing
from pgverify.audit import AuditError, Batch, Rollout, diagnose, expectation, numpy_estimator, setting
from pgverify.trajectories import trajectories

EXTRA = "needs the audit extra (pip install 'pgverify[audit]')"

# s0 -a0-> {s1, end} (1/2 each), s0 -a1-> end, s1 -any-> end; r(s0, a0) = 1, r(s1, a1) = 2; state 2 absorbing.
MDP = FiniteMDP(P=[[[0, F(1, 2), F(1, 2)], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]],
                r=[[1, 0], [0, 2], [0, 0]], discount=F(1, 2))
POLICY = TabularSoftmax.from_weights([[1, 2], [3, 1], [1, 1]])


def softmax(theta):
    z = np.exp(theta - theta.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def returns(batch, bootstrap):
    """G_t = r_t + discounts_t G_{t+1}, bootstrapped with v(s_n) at a truncated window's end when asked."""
    G = np.zeros(batch.rewards.shape)
    acc = batch.last_values * (1 - batch.last_dones) if bootstrap else np.zeros(batch.n_envs)
    for t in reversed(range(batch.n_steps)):
        acc = batch.rewards[t] + batch.discounts[t] * acc
        G[t] = acc
    return G


def score_sum(theta, batch, weight):
    """Σ_{t,e} weight[t, e] ∇θ log π(a_t|s_t) for the tabular softmax."""
    pi = softmax(theta)
    g = np.zeros_like(theta)
    for t in range(batch.n_steps):
        for e in range(batch.n_envs):
            s, a = batch.states[t, e], batch.actions[t, e]
            g[s] += weight[t, e] * (np.eye(theta.shape[1])[a] - pi[s])
    return g


def reinforce(theta, batch, *, discount_weight=True, bootstrap=False, baseline=False):
    G = returns(batch, bootstrap) - (batch.values if baseline else 0)
    w = batch.gamma ** (batch.timesteps - batch.t0) if discount_weight else 1
    return score_sum(theta, batch, w * G) / batch.n_envs


# ------------------------------------------------------------------------------------------------ layouts
def test_a_window_with_a_reset_inside():
    b = setting(MDP, POLICY, Rollout(n_steps=3, after_done="reset", t0=1)).batches
    assert sum(b.probability) == 1
    # the path s0 -a1-> end (reset) s0 -a0-> s1 -a1-> end: two episodes, the second complete at the window's end
    acts, states = b.arrays["actions"][:, :, 0].tolist(), b.arrays["states"][:, :, 0].tolist()
    i = next(i for i in range(b.count) if acts[i] == [1, 0, 1] and states[i] == [0, 0, 1])
    x = b.batch(i)
    assert x.dones[:, 0].tolist() == [True, False, True] and x.episode_starts[:, 0].tolist() == [True, True, False]
    assert x.timesteps[:, 0].tolist() == [1, 1, 2] and x.rewards[:, 0].tolist() == [0, 1, 2]
    assert x.discounts[:, 0].tolist() == [0, 0.5, 0] and x.mask.all()
    assert x.last_dones.tolist() == [True] and x.last_states.tolist() == [0]  # the next episode's first state
    assert b.probability[i] == F(2, 3) * F(1, 3) * F(1, 2) * F(1, 4)


def test_padding_after_the_episode_end():
    b = setting(MDP, POLICY, Rollout()).batches          # one episode, 2 steps, absorbed then padded
    assert b.arrays["states"].shape == (b.count, 2, 1) and sum(b.probability) == 1
    short = [i for i in range(b.count) if b.arrays["states"][i][1, 0] == 2]
    assert short and all(not b.arrays["mask"][i][1, 0] and b.arrays["dones"][i][:, 0].all() for i in short)


def test_several_environments_are_independent():
    one = setting(MDP, POLICY, Rollout()).batches
    two = setting(MDP, POLICY, Rollout(n_envs=2)).batches
    assert two.count == one.count ** 2 and sum(two.probability) == 1
    assert two.arrays["states"].shape == (two.count, 2, 2)


def test_stationary_windows_are_stationary():
    b = setting(MDP, POLICY, Rollout(n_steps=3, start="stationary", after_done="reset")).batches
    assert sum(b.probability) == 1
    law = [{s: sum(p for p, x in zip(b.probability, b.arrays["states"]) if x[t, 0] == s) for s in range(3)}
           for t in range(3)]
    assert law[0] == law[1] == law[2]


def expected_length(mdp, policy):
    m = model(mdp, policy)
    tr = trajectories(m, horizon=mdp.num_states - 1)
    return tr.mean(np.sum(tr.states[:-1] != mdp.num_states - 1, axis=0).astype(object))


def test_truncation_with_an_exact_bootstrap_gives_n_over_L_times_the_gradient():
    """A window cut from a long run, the returns bootstrapped with v(s_n): E[ĝ] = (n/L)·∇U exactly."""
    n = 3
    st = setting(MDP, POLICY, Rollout(n_steps=n, start="stationary", after_done="reset"))
    boot = numpy_estimator(lambda th, b: reinforce(th, b, bootstrap=True))
    d = diagnose(boot, st)
    factor = n / expected_length(MDP, POLICY)
    assert d.matches["grad_U"] == pytest.approx(float(factor), rel=1e-12)
    no_boot = diagnose(numpy_estimator(reinforce), st)       # without the bootstrap: truncation bias
    assert "grad_U" not in no_boot.matches


def test_gamma_one_on_an_episodic_mdp():
    st = setting(MDP, POLICY, Rollout(gamma=1))
    d = diagnose(numpy_estimator(lambda th, b: reinforce(th, b, discount_weight=False)), st)
    assert d.equals("grad_U") and d.equals("practice.undiscounted-score-weighting")
    # ∇U at γ = 1 against central differences of U = μᵀv (v by the finite-horizon recursion)
    theta, h = POLICY.theta, 1e-6
    for k in np.ndindex(theta.shape):
        e = np.zeros(theta.shape)
        e[k] = h
        up, down = (float(setting(MDP.to_float(), TabularSoftmax(theta + s * e), Rollout(gamma=1)).values[0])
                    for s in (1, -1))
        assert st.grad_U[k] == pytest.approx((up - down) / (2 * h), abs=1e-8)


def test_gamma_below_one_reference_is_the_models():
    st = setting(MDP, POLICY, Rollout(gamma=F(1, 3)))
    m = model(FiniteMDP(MDP.P, MDP.r, F(1, 3)), POLICY)
    assert (st.grad_U.ravel() == m.grad_U).all() and (st.values == m.v).all()


def _batch(**changes):
    """A valid hand-made batch (γ = 1/2): s0 -a0-> s1 -a1-> end (done), reset to s0 -a1-> end (done)."""
    col = lambda *x: np.array(x).reshape(-1, 1)  # noqa: E731
    fields = dict(states=col(0, 1, 0), actions=col(0, 1, 1), rewards=col(1.0, 2.0, 0.0),
                  dones=col(False, True, True), episode_starts=col(True, False, True), timesteps=col(0, 1, 0),
                  discounts=col(0.5, 0.0, 0.0), mask=col(True, True, True), values=col(0.0, 0.0, 0.0),
                  last_states=np.array([0]), last_dones=np.array([True]), last_values=np.array([0.0]),
                  gamma=0.5, t0=0, num_states=3, num_actions=2)
    fields.update(changes)
    return fields


def test_a_hand_made_batch_is_valid():
    assert Batch(**_batch()).n_steps == 3


@pytest.mark.parametrize("changes, fragment", [
    ({"states": np.zeros((3,), dtype=np.int64)}, r"states must have shape \(n_steps, n_envs\)"),
    ({"rewards": np.zeros((2, 1))}, r"rewards must be an array of shape \(n_steps, n_envs\) = \(3, 1\)"),
    ({"actions": np.full((3, 1), 5)}, r"actions must hold integers in \[0, 2\)"),
    ({"dones": np.ones((3, 1), dtype=np.int64)}, "dones must be a bool array"),
    ({"values": np.full((3, 1), np.nan)}, "values must hold finite floats"),
    ({"episode_starts": np.ones((3, 1), dtype=bool)}, r"episode_starts\[1, 0\] is True but dones\[0, 0\] is False"),
    ({"discounts": np.full((3, 1), 0.5)}, r"discounts must be gamma \* \(1 - dones\)"),
    ({"timesteps": np.array([[0], [0], [0]])}, "timesteps must count from t0=0"),
    ({"last_states": np.zeros((2,), dtype=np.int64)}, r"last_states must be an array of shape \(n_envs,\)"),
], ids=["states-rank", "rewards-shape", "actions-range", "dones-dtype", "values-nan", "start-without-done",
        "discounts", "timesteps", "last-states"])
def test_bad_batches_are_rejected_at_the_boundary(changes, fragment):
    fields = _batch(**changes)
    with pytest.raises(AuditError, match=fragment):
        Batch(**fields)


@pytest.mark.parametrize("options, fragment", [
    ({"n_steps": 0}, "n_steps must be an integer >= 1, got 0"),
    ({"n_envs": 1.5}, "n_envs must be an integer >= 1, got 1.5"),
    ({"start": "warm"}, "start must be 'reset' or 'stationary', got 'warm'"),
    ({"after_done": "stop"}, "after_done must be 'reset' or 'absorb', got 'stop'"),
    ({"start": "stationary"}, "start='stationary' needs after_done='reset'"),
    ({"t0": 2}, "t0 must be 0 or 1"),
    ({"gamma": 1.5}, r"gamma must be a number in \[0, 1\]"),
], ids=["n_steps", "n_envs", "start", "after_done", "stationary-absorb", "t0", "gamma"])
def test_bad_rollouts(options, fragment):
    with pytest.raises(AuditError, match=fragment):
        Rollout(**options)


def test_enumerations_above_the_limit_are_refused():
    with pytest.raises(AuditError, match="above BATCH_LIMIT"):
        setting(MDP, POLICY, Rollout(n_steps=6, n_envs=3, after_done="reset"))


def test_a_non_episodic_mdp_is_refused():
    loop = FiniteMDP(P=[[[1, 0]], [[0, 1]]], r=[[1], [0]], discount=F(1, 2))
    with pytest.raises(ValueError, match="never reaches the absorbing state"):
        setting(loop, TabularSoftmax.from_weights([[1], [1]]))


# ------------------------------------------------------------------------------------------------ diagnosis
def test_the_undiscounted_estimator_is_diagnosed():
    d = diagnose(numpy_estimator(lambda th, b: reinforce(th, b, discount_weight=False)), MDP, POLICY, lambdas=(0.95,))
    assert d.equals("practice.undiscounted-score-weighting") and not d.equals("grad_U")
    assert "grad_U" not in d.matches and d.dimension > 1
    assert "differs: largest |E[ĝ] − T|" in str(d)


def test_a_mean_loss_is_the_gradient_up_to_one_over_n():
    d = diagnose(numpy_estimator(lambda th, b: reinforce(th, b) / b.n_steps), MDP, POLICY)
    assert d.matches["grad_U"] == pytest.approx(0.5, rel=1e-12) and not d.equals("grad_U")
    assert "equal up to the positive factor 0.5" in str(d)


def test_expectation_is_exact_in_the_users_arithmetic():
    e = expectation(numpy_estimator(reinforce), MDP, POLICY)
    assert e.exact and e.dtype == "float64" and e.batches == 6
    assert np.array_equal(e.value, np.asarray(setting(MDP, POLICY).grad_U, dtype=np.float64))


def test_float32_round_off_passes_and_a_1e_3_bias_fails():
    def in_float32(theta, batch):
        return reinforce(theta.astype(np.float32), batch).astype(np.float32)

    testing.assert_policy_gradient(numpy_estimator(in_float32, dtype="float32"), max_examples=20)
    biased = diagnose(numpy_estimator(lambda th, b: 1.001 * in_float32(th, b), dtype="float32"), MDP, POLICY)
    assert not biased.equals("grad_U") and biased.matches["grad_U"] == pytest.approx(1.001, rel=1e-5)
    assert biased.rtol == 2.0 ** -16 and "rtol 1.53e-05" in str(biased)


def test_assert_policy_gradient_up_to_a_factor_and_other_targets():
    mean = numpy_estimator(lambda th, b: reinforce(th, b) / b.n_steps)
    testing.assert_policy_gradient(mean, up_to_factor=True, max_examples=60)
    undiscounted = numpy_estimator(lambda th, b: reinforce(th, b, discount_weight=False))
    testing.assert_policy_gradient(undiscounted, target="practice.undiscounted-score-weighting", max_examples=15)


@pytest.mark.slow
def test_a_mean_loss_fails_with_its_factor_shown():
    mean = numpy_estimator(lambda th, b: reinforce(th, b) / b.n_steps)
    with pytest.raises(AssertionError, match=r"diagnosis: E\[ĝ\] = 0.5·grad_U"):
        testing.assert_policy_gradient(mean, max_examples=5, max_actions=2)


def test_missing_framework_names_the_extra(monkeypatch):
    real = importlib.import_module

    def fake(name, *args):
        if name in ("torch", "jax"):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake)
    for make in (audit.torch_estimator, audit.jax_estimator):
        with pytest.raises(audit.MissingExtraError, match=r"pip install 'pgverify\[audit\]'"):
            make(lambda theta, batch: 0.0)


# ------------------------------------------------------------------------------------------------ frameworks
def torch_reinforce(theta, b, discount_weight=True):
    torch = importlib.import_module("torch")
    logp = torch.log_softmax(b.logits(theta), -1).gather(-1, b.actions[..., None])[..., 0]
    G = torch.zeros_like(b.rewards)
    acc = torch.zeros_like(b.rewards[0])
    for t in reversed(range(b.n_steps)):
        acc = b.rewards[t] + b.discounts[t] * acc
        G[t] = acc
    w = b.gamma ** (b.timesteps - b.t0) if discount_weight else 1
    return -(w * G * logp).sum() / b.n_envs


def jax_reinforce(theta, b, discount_weight=True):
    jax = importlib.import_module("jax")
    jnp = jax.numpy
    logp = jnp.take_along_axis(jax.nn.log_softmax(b.logits(theta)), b.actions[..., None], axis=-1)[..., 0]
    G, acc = [], jnp.zeros_like(b.rewards[0])
    for t in reversed(range(b.n_steps)):
        acc = b.rewards[t] + b.discounts[t] * acc
        G.insert(0, acc)
    w = b.gamma ** (b.timesteps - b.t0) if discount_weight else 1
    return -(w * jnp.stack(G) * logp).sum() / b.n_envs


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_torch_loss_and_gradient(dtype):
    torch = pytest.importorskip("torch", reason=EXTRA)
    exact = setting(MDP, POLICY).grad_U
    loss = audit.torch_estimator(torch_reinforce, dtype=dtype)
    e = expectation(loss, MDP, POLICY)
    assert e.dtype == dtype and np.allclose(e.value, np.asarray(exact, dtype=float), rtol=0,
                                           atol=audit.RTOL[dtype] * (1 + e.magnitude))

    def gradient(theta, b):
        (g,) = torch.autograd.grad(-torch_reinforce(theta, b), theta)
        return g

    assert np.array_equal(expectation(audit.torch_estimator(gradient, output="gradient", dtype=dtype), MDP,
                                      POLICY).value, e.value)
    testing.assert_policy_gradient(loss, max_examples=5)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_torch_biased_estimator_fails_with_the_diagnosis(dtype):
    pytest.importorskip("torch", reason=EXTRA)
    biased = audit.torch_estimator(lambda th, b: torch_reinforce(th, b, False), dtype=dtype)
    with pytest.raises(AssertionError) as info:
        testing.assert_policy_gradient(biased, max_examples=10)
    for fragment in ("left  (yours):     E[ĝ] of torch_estimator(", "right (reference): ∇θU(θ)",
                     f"for {dtype}", "diagnosis: E[ĝ] = practice.undiscounted-score-weighting", "mdp = FiniteMDP("):
        assert fragment in str(info.value)


def test_torch_loss_must_be_a_scalar():
    pytest.importorskip("torch", reason=EXTRA)
    vector = audit.torch_estimator(lambda th, b: b.logits(th).sum(axis=-1))
    with pytest.raises(AuditError, match=r"returned a loss of shape \(2, 1\): with output='loss' it must return a"):
        expectation(vector, MDP, POLICY)


@pytest.mark.parametrize("dtype", ["float32", pytest.param("float64", marks=pytest.mark.slow)])
def test_jax_loss(dtype):
    pytest.importorskip("jax", reason=EXTRA)
    est = audit.jax_estimator(jax_reinforce, dtype=dtype)
    d = diagnose(est, MDP, POLICY)
    assert d.equals("grad_U") and d.expectation.dtype == dtype
    assert diagnose(audit.jax_estimator(lambda th, b: jax_reinforce(th, b, False), dtype=dtype), MDP,
                    POLICY).equals("practice.undiscounted-score-weighting")
    testing.assert_policy_gradient(est, max_examples=5)


def test_torch_and_jax_agree_on_a_window_with_resets():
    pytest.importorskip("torch", reason=EXTRA)
    pytest.importorskip("jax", reason=EXTRA)
    st = setting(MDP, POLICY, Rollout(n_steps=2, after_done="reset", n_envs=2))
    t = expectation(audit.torch_estimator(torch_reinforce, dtype="float64"), st).value
    j = expectation(audit.jax_estimator(jax_reinforce, dtype="float64"), st).value
    n = expectation(numpy_estimator(reinforce), st).value
    assert np.allclose(t, n, rtol=0, atol=1e-12) and np.allclose(j, n, rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------------------------ Taylor / curl
def test_taylor_and_circulation_tests_of_the_expectation():
    """E[ĝ]: of REINFORCE ∇U; of the mean loss a gradient (of U/2), not ∇U; without γ^t no gradient at all."""
    theta = POLICY.theta
    correct = numpy_estimator(reinforce)
    mean = numpy_estimator(lambda th, b: reinforce(th, b) / b.n_steps)
    undiscounted = numpy_estimator(lambda th, b: reinforce(th, b, discount_weight=False))
    assert testing.taylor_test(correct, MDP, theta).passed
    assert testing.circulation_test(correct, MDP, theta).conservative
    assert testing.taylor_test(mean, MDP, theta).passed is False
    assert testing.circulation_test(mean, MDP, theta).conservative
    result = testing.circulation_test(undiscounted, MDP, theta)
    assert result.conservative is False and "NOT the gradient of any function" in str(result)
    assert 1.5 < result.rate < 2.5


def test_circulation_of_a_non_gradient_field():
    loop = FiniteMDP(P=[[[1, 0], [0, 1]], [[1, 0], [0, 1]]], r=[[1, 0], [0, 1]], discount=F(1, 2))
    rotation = lambda mdp, theta: np.array([[theta[0, 1], -theta[0, 0]], [0.0, 0.0]])  # noqa: E731
    assert testing.circulation_test(rotation, loop, np.zeros((2, 2)), seed=3).conservative is False
    assert testing.circulation_test(lambda mdp, theta: 2 * theta, loop, np.zeros((2, 2))).conservative is not False


def test_linear_softmax_policies():
    """logits = φ(s, ·)θ: θ has shape (K,), the batch carries the features, ∇log π = φ(s, a) − Σ_b π(b|s)φ(s, b)."""
    from numeric import LinearSoftmax

    phi = np.array([[[1, 0], [0, 1]], [[1, 1], [0, 1]], [[0, 0], [0, 0]]])
    policy = LinearSoftmax.from_weights(phi, [2, 1])

    def linear_reinforce(theta, batch):
        G = returns(batch, bootstrap=False)
        g = np.zeros_like(theta)
        for t in range(batch.n_steps):
            s, a = batch.states[t, 0], batch.actions[t, 0]
            pi = softmax(batch.features[s] @ theta)
            g += batch.gamma ** batch.timesteps[t, 0] * G[t, 0] * (batch.features[s, a] - pi @ batch.features[s])
        return g

    d = diagnose(numpy_estimator(linear_reinforce), MDP, policy, rollout=Rollout(n_steps=2))
    assert d.expectation.value.shape == (2,) and d.equals("grad_U") and "grad_rho" in [t.name for t in d.targets]


def test_with_gamma_one_the_undiscounted_estimator_passes_and_the_discounted_one_is_the_same():
    undiscounted = numpy_estimator(lambda th, b: reinforce(th, b, discount_weight=False))
    testing.assert_policy_gradient(undiscounted, rollout=Rollout(n_steps=2, gamma=1), max_examples=15)
    testing.assert_policy_gradient(numpy_estimator(reinforce), rollout=Rollout(n_steps=2, gamma=1), max_examples=15)
