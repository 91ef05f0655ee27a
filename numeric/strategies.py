"""Hypothesis strategies for finite MDPs and policies (public API).

Every strategy is valid by construction — no ``filter`` or ``assume``: a row
of ``P`` is drawn as small non-negative integer weights with one entry forced
positive, then normalised, so the probabilities are exact Fractions.  Sizes
are drawn first and small.  Everything shrinks toward the simplest case: one
state, one action, deterministic transitions to state 0, zero rewards, zero
discount, the uniform policy.

>>> from hypothesis import given
>>> @given(finite_mdps(max_states=2))
... def test(mdp):
...     assert all(sum(row) == 1 for row in mdp.P.reshape(-1, mdp.num_states))
>>> test()
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any, Callable, TypeVar

import numpy as np
from hypothesis import strategies as st

from numeric.episodic import EpisodicMDP
from numeric.errors import InvalidMDPError
from numeric.mdp import FiniteMDP
from numeric.policies import TabularSoftmax

__all__ = ["finite_mdps", "episodic_mdps", "tabular_softmax_policies", "mdps_and_tabular_policies",
           "stochastic_rows", "built_once"]

_F = TypeVar("_F", bound=Callable[..., Any])

try:  # the strategy a lazy one stands for (Hypothesis's own helper; a private module, hence the fallback)
    from hypothesis.strategies._internal.lazy import unwrap_strategies as _unwrap
except ImportError:  # pragma: no cover - a Hypothesis without it: draw from the lazy strategy itself
    def _unwrap(strategy: Any) -> Any:
        return strategy


def built_once(factory: _F) -> _F:
    """``factory`` (a function returning a strategy) memoised on its arguments.

    A strategy is immutable, so one built strategy serves every call with the same
    options; Hypothesis does its per-strategy work (unwrapping a lazy strategy,
    validating it and its parts) the first time a strategy is drawn from, so a
    composite that builds its inner strategies afresh on every draw pays that work
    on every example.  The strategy kept is the one a lazy strategy stands for
    (Hypothesis draws from that one and labels the draw with its label anyway), so
    no draw looks it up again.  The choices drawn, and so the examples, are the same.
    Arguments are keyed with their types (``1`` and ``True`` differ); unhashable
    arguments are passed through uncached, so bad options still meet the
    factory's own checks.
    """
    cache: dict[Any, Any] = {}

    @functools.wraps(factory)
    def once(*args: Any, **kwargs: Any) -> Any:
        key = (args, tuple(map(type, args)), tuple(kwargs.items()), tuple(map(type, kwargs.values())))
        try:
            return cache[key]
        except TypeError:  # an unhashable option: build it uncached
            return factory(*args, **kwargs)
        except KeyError:
            out = cache[key] = _unwrap(factory(*args, **kwargs))
            return out

    return once  # type: ignore[return-value]


_integers = built_once(st.integers)


def _check_range(name_lo: str, lo: int, name_hi: str, hi: int, floor: int = 1) -> None:
    if lo < floor:
        raise InvalidMDPError(f"{name_lo}={lo} must be at least {floor}")
    if lo > hi:
        raise InvalidMDPError(f"{name_lo}={lo} is larger than {name_hi}={hi}")


@built_once
@st.composite
def stochastic_rows(draw: st.DrawFn, n: int, *, max_weight: int = 4) -> list[Fraction]:
    """One probability vector of length ``n`` with exact Fraction entries.

    Drawn as integer weights in [0, max_weight] plus one forced unit at a drawn
    position; shrinks toward the point mass on index 0.
    """
    weights = draw(_weight_lists(n, max_weight))
    weights[draw(_integers(0, n - 1))] += 1
    total = sum(weights)
    return [Fraction(w, total) for w in weights]


@built_once
def _weight_lists(n: int, max_weight: int) -> st.SearchStrategy[list[int]]:
    return st.lists(_integers(0, max_weight), min_size=n, max_size=n)


@built_once
def finite_mdps(*, min_states: int = 1, max_states: int = 4, min_actions: int = 1,
                max_actions: int = 3, num_states: int | None = None, num_actions: int | None = None,
                max_weight: int = 4, max_reward: int = 4, max_discount: Fraction = Fraction(9, 10),
                discount_denominator: int = 10, initial_distribution: bool = False,
                exact: bool = True) -> st.SearchStrategy[FiniteMDP]:
    """Finite MDPs with S ∈ [min_states, max_states] and A ∈ [min_actions, max_actions].

    Rewards are integers in [−max_reward, max_reward], the discount a multiple
    of 1/discount_denominator in [0, max_discount], the initial state 0 (or,
    with ``initial_distribution=True``, a drawn distribution).  ``exact=False``
    gives the same MDPs in float64.  Options are validated when called.
    """
    if num_states is not None:
        min_states = max_states = num_states
    if num_actions is not None:
        min_actions = max_actions = num_actions
    _check_range("min_states", min_states, "max_states", max_states)
    _check_range("min_actions", min_actions, "max_actions", max_actions)
    if max_weight < 0 or max_reward < 0 or discount_denominator < 1:
        raise InvalidMDPError(f"max_weight={max_weight} and max_reward={max_reward} must be >= 0 and "
                              f"discount_denominator={discount_denominator} >= 1")
    if not 0 <= max_discount < 1:
        raise InvalidMDPError(f"max_discount={max_discount} must lie in [0, 1)")
    return _finite_mdps(min_states, max_states, min_actions, max_actions, max_weight, max_reward,
                        int(max_discount * discount_denominator), discount_denominator, initial_distribution, exact)


@built_once
@st.composite
def _finite_mdps(draw: st.DrawFn, min_states: int, max_states: int, min_actions: int, max_actions: int,
                 max_weight: int, max_reward: int, top: int, discount_denominator: int,
                 initial_distribution: bool, exact: bool) -> FiniteMDP:
    S = draw(_integers(min_states, max_states))
    A = draw(_integers(min_actions, max_actions))
    P = [[draw(stochastic_rows(S, max_weight=max_weight)) for _ in range(A)] for _ in range(S)]
    r = [[Fraction(draw(_integers(-max_reward, max_reward))) for _ in range(A)] for _ in range(S)]
    lam = Fraction(draw(_integers(0, top)), discount_denominator)
    initial: int | list[Fraction] = draw(stochastic_rows(S, max_weight=max_weight)) if initial_distribution else 0
    mdp = FiniteMDP(np.array(P, dtype=object), np.array(r, dtype=object), lam,
                    np.array(initial, dtype=object) if isinstance(initial, list) else initial)
    return mdp if exact else mdp.to_float()


@built_once
@st.composite
def episodic_mdps(draw: st.DrawFn, *, max_nonabsorbing: int = 2, max_actions: int = 3, max_weight: int = 4,
                  max_reward: int = 4, min_nonabsorbing: int = 1, min_actions: int = 1,
                  min_discount: Fraction = Fraction(0)) -> EpisodicMDP:
    """Exact layered episodic MDPs: n ∈ [min_nonabsorbing, max_nonabsorbing] states, then the absorbing state n.

    S = n + 1 states, A ∈ [min_actions, max_actions] actions, initial state s⁰ = 0.  From a
    state s < n every action moves to a later state, 𝒫_s^a(s') = 0 for s' ≤ s
    (the row over s' = n, n − 1, …, s + 1 drawn by :func:`stochastic_rows`),
    with an integer reward r(s, a) ∈ [−max_reward, max_reward]; the absorbing
    state loops with reward 0.  Every path is absorbed within n rounds, so the
    result is an :class:`EpisodicMDP` with horizon T = n + 1 (states per
    trajectory).  λ ∈ {0, 1/10, …, 9/10}, at least ``min_discount``.  Shrinks toward
    min_nonabsorbing states, min_actions actions, jumps straight to the absorbing
    state, zero rewards, the smallest λ.

    >>> from hypothesis import find
    >>> find(episodic_mdps(), lambda m: True)
    EpisodicMDP(FiniteMDP(P=[[[0, 1]], [[0, 1]]], r=[[0], [0]], discount=0, initial=0), absorbing=1, horizon=2)
    """
    for name, value in (("max_nonabsorbing", max_nonabsorbing), ("max_actions", max_actions),
                        ("min_nonabsorbing", min_nonabsorbing), ("min_actions", min_actions)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidMDPError(f"{name} must be an integer >= 1, got {value!r}")
    _check_range("min_nonabsorbing", min_nonabsorbing, "max_nonabsorbing", max_nonabsorbing)
    _check_range("min_actions", min_actions, "max_actions", max_actions)
    if not 0 <= min_discount <= Fraction(9, 10):
        raise InvalidMDPError(f"min_discount={min_discount} must lie in [0, 9/10]")
    n = draw(_integers(min_nonabsorbing, max_nonabsorbing))
    A = draw(_integers(min_actions, max_actions))
    S = n + 1
    zero = Fraction(0)
    P = np.full((S, A, S), zero, dtype=object)
    r = np.full((S, A), zero, dtype=object)
    for s in range(n):
        for a in range(A):
            P[s, a, n:s:-1] = draw(stochastic_rows(n - s, max_weight=max_weight))
            r[s, a] = Fraction(draw(_integers(-max_reward, max_reward)))
    P[n, :, n] = Fraction(1)
    lam = Fraction(draw(_integers(math.ceil(min_discount * 10), 9)), 10)
    return EpisodicMDP(FiniteMDP(P, r, lam, 0), absorbing=n, horizon=S)


@built_once
def tabular_softmax_policies(*, num_states: int, num_actions: int, max_weight: int = 4,
                             exact: bool = True) -> st.SearchStrategy[TabularSoftmax]:
    """Tabular softmax policies with exp(θ[s, a]) an integer in [1, max_weight].

    Exact (weights kept as Fractions) unless ``exact=False``; shrinks toward
    the uniform policy (all weights 1, θ = 0).
    """
    _check_range("num_states", num_states, "num_states", num_states)
    _check_range("num_actions", num_actions, "num_actions", num_actions)
    _check_range("max_weight", max_weight, "max_weight", max_weight)
    weights = st.lists(st.lists(_integers(1, max_weight), min_size=num_actions, max_size=num_actions),
                       min_size=num_states, max_size=num_states)
    exact_policies = weights.map(TabularSoftmax.from_weights)
    return exact_policies if exact else exact_policies.map(TabularSoftmax.to_float)


@built_once
@st.composite
def mdps_and_tabular_policies(draw: st.DrawFn, *, exact: bool = True, **mdp_options: object) -> tuple[FiniteMDP, TabularSoftmax]:
    """A pair (mdp, policy) with matching shapes; options as in :func:`finite_mdps`."""
    mdp = draw(finite_mdps(exact=exact, **mdp_options))  # type: ignore[arg-type]
    policy = draw(tabular_softmax_policies(num_states=mdp.num_states, num_actions=mdp.num_actions, exact=exact))
    return mdp, policy
