"""pytest plugin of pgverify (entry point group ``pytest11``): fixtures for checking your own work.

It lives outside the ``pgverify`` package and imports nothing of pgverify at
collection time, so that it costs nothing in test suites that do not use it;
each fixture imports what it needs when first requested.

Fixtures:

* ``pgverify_settings`` — :class:`pgverify.Settings` seeded by ``--pgverify-seed`` (default 0);
* ``verify_derivation`` — ``verify_derivation(d)`` checks a :func:`pgverify.derivation` and
  fails the test, with the failing step and its LaTeX, unless it is proved or verified;
* ``assert_policy_gradient`` — :func:`pgverify.testing.assert_policy_gradient`, seeded; it takes
  NumPy functions and :mod:`pgverify.audit` estimators (PyTorch, JAX code on rollout batches) alike;
* ``taylor_test`` — :func:`pgverify.testing.taylor_test`, seeded;
* ``circulation_test`` — :func:`pgverify.testing.circulation_test` (is E[ĝ] the gradient of anything?), seeded.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("pgverify").addoption(
        "--pgverify-seed", type=int, default=0, help="seed of every random choice of the pgverify fixtures")


@pytest.fixture
def pgverify_settings(request: pytest.FixtureRequest) -> Any:
    from pgverify.checker import Settings

    return Settings(seed=request.config.getoption("--pgverify-seed"))


@pytest.fixture
def verify_derivation(pgverify_settings: Any) -> Callable[[Any], Any]:
    from pgverify.derivations import verify

    def run(derivation: Any) -> Any:
        result = verify(derivation, pgverify_settings)
        if result.verdict not in ("proved", "verified"):
            reasons = [f"{c.method} could not decide: {c.message}" for c in result.result.checks if c.passed is None]
            pytest.fail("\n".join([result.render(), *reasons]), pytrace=False)
        return result

    return run


@pytest.fixture
def assert_policy_gradient(pgverify_settings: Any) -> Callable[..., None]:
    from pgverify import testing

    def run(grad_fn: Callable[..., Any], **options: Any) -> None:
        testing.assert_policy_gradient(grad_fn, **{"seed": pgverify_settings.seed, **options})

    return run


@pytest.fixture
def taylor_test(pgverify_settings: Any) -> Callable[..., Any]:
    from pgverify import testing

    def run(grad_fn: Callable[..., Any], mdp: Any, theta: Any, **options: Any) -> Any:
        return testing.taylor_test(grad_fn, mdp, theta, **{"seed": pgverify_settings.seed, **options})

    return run


@pytest.fixture
def circulation_test(pgverify_settings: Any) -> Callable[..., Any]:
    from pgverify import testing

    def run(grad_fn: Callable[..., Any], mdp: Any, theta: Any, **options: Any) -> Any:
        return testing.circulation_test(grad_fn, mdp, theta, **{"seed": pgverify_settings.seed, **options})

    return run
