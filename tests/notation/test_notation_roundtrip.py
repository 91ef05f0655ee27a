"""Property tests: printing an AST and reading it back gives the same AST (``parse ∘ render_latex = id``).

The strategy draws ASTs valid by construction in the reader's image (the
canonical forms it produces: flat products, ``∇_a`` outside an evaluation bar
in ``a``, …), and shrinks toward a single number.  Also: the Python builder and
the reader agree, and ``free_indices`` commutes with the round trip.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pgverify.notation import ast as A
from pgverify.notation import builder as B
from pgverify.notation import free_indices, parse, render_latex
from pgverify.notation.latex import parse_row

TIME = st.sampled_from([B.t, B.k, A.Num(1), B.t + 1, B.T])
STATE = st.sampled_from([B.s, B.sp, B.s0])
ACTION = st.sampled_from([B.a, B.ap])


def leaves() -> st.SearchStrategy:
    return st.one_of(
        st.integers(0, 12).map(A.Num),
        st.sampled_from([B.lam, B.theta, B.T, A.Sym("N"), A.Sym("sigma"), A.Sym("alpha"), B.s0,
                         A.Sym("theta", B.t), A.Sym("theta'")]),
        st.sampled_from([B.s, B.a, B.sp, B.ap, B.t, B.k, B.x, B.tau]),
        st.builds(B.s_at, TIME), st.builds(B.a_at, TIME), st.builds(B.r_at, TIME),
        st.just(B.R()), st.builds(lambda time: B.G(B.tau, time), TIME),
    )


def applications() -> st.SearchStrategy:
    return st.one_of(
        st.builds(B.q, STATE, ACTION), st.builds(B.v, STATE), st.builds(B.d, STATE),
        st.builds(lambda a_, s_: B.pi(a_, given=s_), ACTION, STATE), st.builds(B.pi, STATE),
        st.builds(B.r, STATE, ACTION), st.just(B.U()), st.builds(B.b, STATE),
        st.builds(lambda s1, s2, a_: B.P(s1, state=s2, action=a_), STATE, STATE, ACTION),
        st.builds(lambda time, s_: B.Pr(B.eq(B.s_at(time), s_), start=B.s0, policy=B.pi_fn()), TIME, STATE),
        st.just(B.Traj()),
        # the second policy π' and its parameter θ'
        st.builds(lambda s_, a_: B.q(s_, a_, policy=PRIME), STATE, ACTION),
        st.builds(lambda s_: B.v(s_, policy=PRIME), STATE), st.builds(lambda s_: B.d(s_, policy=PRIME), STATE),
        st.builds(lambda a_, s_: A.Apply(PRIME, (a_,), (s_,)), ACTION, STATE),
        st.just(A.Apply(A.Fn("U"), (A.Sym("theta'"),))),
    )


PRIME = A.Fn("pi", primes=1)


def _grad(body: A.Node) -> A.Node:
    return B.grad(B.theta, body)


def _evalat(body: A.Node, value: A.Node) -> A.Node:
    """(∇_a body)|_{a=value}; ∇_a of a bar in a is not in the reader's image (it reads it as the bar of ∇_a)."""
    inner = body if isinstance(body, A.EvalAt) and body.var == B.a else B.grad(B.a, body)
    return B.evalat(inner, B.a, value)


def _sum(body: A.Node, which: int) -> A.Node:
    if which == 0:
        return B.Sum(B.t, body, lower=1, upper=B.T - 1)
    if which == 1:
        return B.Sum(B.s, body, over=B.S)
    if which == 2:
        return B.Sum((B.s, B.a), body)
    return B.Prod(B.k, body, lower=B.t, upper=A.Infinity())


def _expect(body: A.Node, which: int) -> A.Node:
    if which == 0:
        return B.E(B.tau, B.Traj_fn())[body]
    if which == 1:
        return B.E(B.ap, B.pi(A.Blank(), given=B.sp))[body]
    if which == 2:
        return B.E(start=B.s, policy=A.Fn("pi"))[body]
    return B.E(B.tau, B.Traj_fn(), given=(B.eq(B.s_at(B.t), B.s), B.a_at(B.t)))[body]


def expressions() -> st.SearchStrategy:
    base = st.one_of(leaves(), applications())

    def extend(inner: st.SearchStrategy) -> st.SearchStrategy:
        return st.one_of(
            st.builds(A.Add, inner, inner), st.builds(A.Sub, inner, inner), st.builds(A.Neg, inner),
            st.builds(lambda x_, y: x_ * y, inner, inner), st.builds(A.Dot, inner, inner),
            st.builds(A.Frac, inner, inner),
            st.builds(A.Pow, inner, st.sampled_from([A.Num(2), B.t - 1, A.Neg(A.Num(1)), B.T])),
            st.builds(A.Log, inner), st.builds(_grad, inner),
            st.builds(_evalat, inner, st.builds(B.pi, STATE)),
            st.builds(_sum, inner, st.integers(0, 3)), st.builds(_expect, inner, st.integers(0, 3)),
            st.builds(lambda s_: B.ind(B.eq(B.s_at(1), s_)), STATE),
            st.builds(lambda body: B.argmax(B.a, body, over=B.A), inner),
        )

    return st.recursive(base, extend, max_leaves=12)


RELS = st.sampled_from(["=", "def", "<", ">", "<=", ">=", "propto"])


@settings(deadline=None)
@given(expressions())
def test_render_then_parse_is_the_identity_on_expressions(expr):
    text = render_latex(expr)
    row = parse_row(text)
    assert row.lhs == expr, text


@settings(deadline=None)
@given(st.lists(st.tuples(RELS, expressions()), min_size=1, max_size=3), expressions())
def test_render_then_parse_is_the_identity_on_chains(steps, first):
    chain = A.Chain(tuple([A.Row(first, (A.Step(*steps[0]),))] +
                          [A.Row(None, (A.Step(rel, rhs),)) for rel, rhs in steps[1:]]))
    assert parse(render_latex(chain)) == chain


@settings(deadline=None)
@given(expressions())
def test_free_indices_survive_the_round_trip(expr):
    assert set(free_indices(parse_row(render_latex(expr)).lhs)) == set(free_indices(expr))


def test_the_builder_reads_like_the_post():
    lhs = B.grad(B.theta, B.U())
    vpg = B.E(B.tau, B.Traj_fn())[B.Sum(B.t, B.lam ** (B.t - 1) * (B.G(B.tau, B.t) - B.b(B.s_at(B.t)))
                                        * B.grad(B.theta, B.log(B.pi(B.a_at(B.t), given=B.s_at(B.t)))),
                                        lower=1, upper=B.T - 1)]
    text = (r"\nabla_\theta U(\theta) = \mathbb{E}_{\tau\sim \mathcal{T}_\theta}\left[\sum_{t=1}^{T-1} "
            r"\lambda^{t-1}\left(G_{\tau}^t-b(s_t)\right)\nabla_\theta\log\pi_\theta(a_t \vert s_t )\right]")
    assert B.chain(lhs, vpg) == parse(text)
    dpg = B.E(B.s, B.d_fn() if hasattr(B, "d_fn") else A.Fn("d", discount=B.lam, policy=B.pi_fn()))[
        B.grad(B.theta, B.pi(B.s)) @ B.evalat(B.grad(B.a, B.q(B.s, B.a)), B.a, B.pi(B.s))]
    text = (r"\nabla_\theta U(\theta) \propto \mathbb{E}_{s\sim d_\lambda^{\pi_\theta}}\left[\nabla_\theta "
            r"\pi_\theta(s) \cdot \nabla_a \left.q_\lambda^{\pi_\theta}(s, a)\right|_{a=\pi_\theta(s)}\right]")
    assert B.chain(lhs, ("propto", dpg)) == parse(text)
