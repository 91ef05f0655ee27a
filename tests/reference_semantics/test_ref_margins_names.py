"""Margins and the author's names against the reference.

* ``\\cancel{X}``: ``e + \\cancel{X} = e + X`` holds as written; the reader adds ``e + X = e + 0``, so the display
  holds exactly when X is 0 at every (s, a) of the drawn model — decided by the reference's own arithmetic.
* A justification column and the typesetting commands (``\\boxed``, ``\\color``, ``\\tag``, …) change nothing of the
  mathematics: the row reads as the bare row (rendered back alike), and the label is the column's words.
* The author's name: ``\\hat{X}_s := e`` in one display, ``\\hat{X}_s = e'`` in the next: the second holds exactly
  when e = e' at every s on the model (the reference evaluates both trees itself).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pgverify.checker import evaluate_chain
from pgverify.notation import parse
from pgverify.notation.definitions import apply_definitions
from pgverify.notation.document import read_document
from pgverify.notation.evaluate import compile_display
from pgverify.notation.render import render_latex
from pgverify.registry import all_claims
from refsem import reference
from strategies_ref import bases, exact_model, expressions, has_leaf, latex, value

all_claims()  # registers the families


def _holds_chain(chain, model) -> bool:
    ev = evaluate_chain(compile_display(chain, name="reference"), model)
    assert ev.ill_formed is None and ev.undecidable is None, (chain, ev)
    return ev.first_failure is None


def _p(e) -> str:
    return rf"\left({latex(e)}\right)"


zeroish = st.one_of(expressions(max_leaves=3).filter(has_leaf),
                    expressions(max_leaves=3).filter(has_leaf).map(lambda y: ("sub", y, y)),
                    expressions(max_leaves=2).filter(has_leaf).map(lambda y: ("mul", ("sub", y, y), y)))


@settings(max_examples=30, deadline=None, database=None)
@given(e=expressions(max_leaves=3).filter(has_leaf), x=zeroish, base=bases(max_states=2, max_actions=2))
def test_a_cancelled_term_is_claimed_zero_where_it_stands(e, x, base):
    ref = reference(base)
    want = all(value(x, ref, s, a).val == 0 for s in range(base.S) for a in range(base.A))
    text = rf"{_p(e)} + \cancel{{{latex(x)}}} = {_p(e)} + {_p(x)}"
    chain = parse(text)
    assert len(chain.rows) == 2  # the row, and the check of the cancelled term
    assert _holds_chain(chain, exact_model(base)) == want, (text, want)


WORDS = st.lists(st.sampled_from(("Expand", "expectation", "linearity", "Bayes", "rule", "log-derivative", "trick",
                                  "(1)", "by", "Lemma")), min_size=1, max_size=4).filter(lambda w: w[0] != "by")
DECORATIONS = (r"\boxed{%s}", r"{\color{red} %s}", r"\textcolor{blue}{%s}", r"%s \tag{2}", r"%s \label{eq:x}",
               r"%s \nonumber", r"%s \qquad\blacksquare", r"\therefore %s", r"%s \notag", r"%s \square")


@settings(max_examples=40, deadline=None, database=None)
@given(lhs=expressions(max_leaves=3), rhs=expressions(max_leaves=3), words=WORDS,
       decoration=st.sampled_from(DECORATIONS), where=st.sampled_from(("lhs", "rhs")))
def test_margins_and_typesetting_change_nothing_of_the_mathematics(lhs, rhs, words, decoration, where):
    bare = f"{_p(lhs)} = {_p(rhs)}"
    left = decoration % _p(lhs) if where == "lhs" else _p(lhs)
    right = decoration % _p(rhs) if where == "rhs" else _p(rhs)
    decorated = rf"\begin{{aligned}} {left} &= {right} && \text{{{' '.join(words)}}} \end{{aligned}}"
    (row,) = parse(decorated).rows
    (plain,) = parse(bare).rows
    assert row.steps[0].label == " ".join(words)
    unlabelled = type(row)(row.lhs, (type(row.steps[0])(row.steps[0].rel, row.steps[0].rhs),))
    assert render_latex(unlabelled) == render_latex(plain)


V_LEAVES = ("v", "d", "U", "lam")
#: Expressions of s alone (a quotient's denominator may draw π(a|s): those are left out).
of_s = expressions(max_leaves=3, leaves=V_LEAVES).filter(lambda e: has_leaf(e) and "'pi'" not in repr(e))


@settings(max_examples=15, deadline=None, database=None)
@given(e=of_s, other=st.one_of(st.none(), of_s),
       base=bases(max_states=2, max_actions=2))
def test_the_authors_name_means_its_definition(e, other, base):
    e2 = e if other is None else other
    text = (rf"$$ \hat{{X}}_s := {latex(e)} $$" "\n\n" "<!-- pgverify: for any s -->\n"
            rf"$$ \hat{{X}}_s = {latex(e2)} $$" "\n")
    first, second = read_document(text, kind="md").displays
    assert first.status == "definition" and second.status == "ok", (first.error, second.error)
    chain, _ = apply_definitions(second.chain, second.annotations.definitions)
    ref = reference(base)
    want = all(value(e, ref, s, 0).val == value(e2, ref, s, 0).val for s in range(base.S))
    assert _holds_chain(chain, exact_model(base)) == want, text
