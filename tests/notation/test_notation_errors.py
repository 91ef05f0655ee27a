"""One table of inputs the reader refuses, each with the message it gets and a valid near-miss.

Every message says what and where: ``<kind>: <what> at line L, column C``.  The
near-miss next to each bad input is read without error (same profile), so each
row pins the boundary, not just a failure.
"""

from __future__ import annotations

import pytest

from pgverify.notation import (AmbiguousNotation, IllFormedDisplay, MalformedNotation, NotationError,
                               UnsupportedNotation, check_chain, load_profile, parse, parse_annotation, read_document)
from numeric.errors import PGVerifyError

BAD = [
    ('bare-expectation', '\\mathbb{E} R_\\tau = U(\\theta)', '\\mathbb{E}\\left[R_\\tau\\right] = U(\\theta)', 'post',
     "ambiguous: 𝔼 with neither a subscript nor brackets: neither its measure nor its reach is visible at line 1, "
     "column 1"),
    ('constant-that-is-a-function-elsewhere', '\\mu(s) = 1', '\\mu \\cdot (s) = 1', 'post',
     "ambiguous: \\mu(…): in profile 'post' \\mu is a constant, in profile 'sutton-barto' a function; write \\mu "
     "\\cdot (…) for a product, or choose the profile at line 1, column 1"),
    ('log-then-factor', '\\log x \\theta = 0', '\\log(x) \\theta = 0', 'post',
     "ambiguous: \\log x followed by another factor: is it inside the logarithm? write \\log(x) … or \\log(… …) "
     "at line 1, column 1"),
    ('absolute-value', '\\vert\\mathcal{A}\\vert', '\\sum_{a\\in\\mathcal{A}} 1', 'post',
     "unsupported: '|' outside π(a|s), ℙ(·|·) and 𝔼[·|·] (an absolute value or a cardinality?) at line 1, column 1"),
    ('unknown-letter', 'z = 1', 'x = 1', 'post',
     "unsupported: symbol z (not in profile 'post') at line 1, column 1"),
    ('discount-of-another-profile', 'v_\\gamma^\\pi(s) = 0', 'v_\\lambda^\\pi(s) = 0', 'post',
     "unsupported: symbol \\gamma (not in profile 'post'; try --profile cs285 or gae or spinningup or sutton-barto "
     "or textbook or theory) at line 1, column 3"),
    ('integral', '\\int_x f(x) = 1', '\\int_{s} d(s) = 1', 'post',
     'unsupported: an integral over the real variable x (only finite sorts: trajectories, states, actions) at line 1, '
     'column 1'),
    ('prose-in-display', '\\text{hence } U = 0', 'U(\\theta) = 0', 'post',
     'unsupported: \\text{hence} (prose inside a display; use an annotation) at line 1, column 1'),
    ('decimal', 'U(\\theta) = 0.5', 'U(\\theta) = \\frac{1}{2}', 'post',
     'unsupported: decimal number 0.5… at line 1, column 13'),
    ('bare-evaluation-bar', '\\nabla_a q(s,a)\\vert_{a=\\pi_\\theta(s)}', '\\left.\\nabla_a q(s,a)\\right|_{a=\\pi_\\theta(s)}', 'post',
     'ambiguous: evaluation bar |_{…} without \\left.: its reach is not visible at line 1, column 16'),
    ('sum-without-index', '\\sum f(s) = 1', '\\sum_s f(s) = 1', 'post',
     'ambiguous: Σ without an index: say what it sums over at line 1, column 1'),
    ('nabla-without-subscript', '\\nabla U(\\theta) = 0', '\\nabla_\\theta U(\\theta) = 0', 'post',
     'ambiguous: ∇ without a subscript: say what it differentiates with respect to at line 1, column 1'),
    ('double-superscript', '\\lambda^t^2 = 0', '\\lambda^{2t} = 0', 'post',
     'ambiguous: double superscript on \\lambda at line 1, column 11'),
    ('slash-then-factor', 'x/\\lambda \\theta = 0', '\\frac{x}{\\lambda} \\theta = 0', 'post',
     'ambiguous: a/b c: is c in the numerator or not? write \\frac{a}{b} c or \\frac{a}{b c} at line 1, column 2'),
    ('policy-pair-in-textbook', '\\pi(s, a) = 1', '\\pi(a \\vert s) = 1', 'textbook',
     "ambiguous: \\pi(x, y) in profile 'textbook': write π(a|s) for the probability of a in s at line 1, column 1"),
    ('unclosed-expectation', '\\mathbb{E}_{\\tau\\sim\\mathcal{T}_\\theta}\\left[R_\\tau = 0', '\\mathbb{E}_{\\tau\\sim\\mathcal{T}_\\theta}\\left[R_\\tau\\right] = 0', 'post',
     "malformed: unexpected '=' (expected '+' or '-' or ']' or '|') at line 1, column 53"),
    ('q-with-one-argument', 'q(s) = 0', 'q(s, a) = 0', 'post',
     'malformed: q takes 2 arguments, got 1 at line 1, column 1'),
    ('sum-over-a-constant', '\\sum_{T=1}^{3} \\lambda = 0', '\\sum_{t=1}^{3} \\lambda = 0', 'post',
     'malformed: Σ over T, which is not an index variable at line 1, column 7'),
    ('missing-right-side', 'U(\\theta) = ', 'U(\\theta) = 0', 'post',
     'malformed: the line ends early (expected an expression) at line 1, column 12'),
    ('starts-with-relation', '= U(\\theta)', 'U(\\theta) = 0', 'post',
     'malformed: the first line starts with a relation: it has no left side at line 1, column 1'),
    ('frac-missing-denominator', '\\frac{1} = 0', '\\frac{1}{2} = 0', 'post',
     "malformed: unexpected '=' (expected an expression) at line 1, column 10"),
    ('unclosed-left-paren', '\\left(1 - \\lambda = 0', '\\left(1 - \\lambda\\right) = 0', 'post',
     "malformed: unexpected '=' (expected ')' or '+' or '-') at line 1, column 19"),
    ('right-bar-without-left-dot', '\\right| = 0', '\\left.x\\right|_{x=1} = 0', 'post',
     'malformed: \\right| without a matching \\left. at line 1, column 1'),
    ('sim-between-sides', 's_t \\sim \\pi', '\\mathbb{E}_{a\\sim\\pi_\\theta(\\cdot\\vert s)}\\left[q(s,a)\\right] = v(s)', 'post',
     "malformed: '∼' between the sides of a line (a distribution belongs under 𝔼) at line 1, column 5"),
    ('unknown-environment', '\\begin{cases} 1 \\end{cases}', '\\begin{aligned} x &= 1 \\end{aligned}', 'post',
     'unsupported: environment {cases} at line 1, column 1'),
    ('reward-to-go-without-time', 'G_\\tau = 0', 'G_\\tau^t = 0', 'post',
     'malformed: the reward-to-go G needs its time as a superscript at line 1, column 1'),
    ('return-with-arguments', "R(s, a) = 0", "R(s, a, s') = 0", 'post',
     "unsupported: R applied to 2 arguments (R(τ) is the return, R(s, a, s') the reward of a transition) at line 1, "
     "column 1"),
    ('expectation-superscript-only', '\\mathbb{E}^\\pi\\left[R_\\tau\\right] = 0', '\\mathbb{E}_s^\\pi\\left[R_\\tau\\right] = 0', 'post',
     'malformed: 𝔼 with a superscript but no subscript at line 1, column 1'),
    ('label-over-inequality', '\\overset{(i)}{\\leq} 0', 'x \\overset{(i)}{=} 0', 'post',
     'unsupported: \\overset{(i)}{\\leq} (a label over a relation other than =) at line 1, column 1'),
    ('dangling-row', 'U(\\theta) = 1 \\\\ 2', 'U(\\theta) = 1', 'post',
     'ill-formed: line 2 of the display has no relation: 2 at line 1, column 18'),
    ('text-after-punctuation', 'x = 1 \\; , y = 2', 'x = 1 \\; ,', 'post',
     "unsupported: symbol y (not in profile 'post') at line 1, column 12"),
    ('neq', 'U(\\theta) \\neq 0', 'U(\\theta) \\geq 0', 'post',
     'unsupported: \\neq (a relation other than = < > ≤ ≥ ∝ := ← ∈) at line 1, column 11'),
    ('indicator-without-relation', '\\mathbf{1}[s_1] = 1', '\\mathbf{1}[s_1 = s^0] = 1', 'post',
     "malformed: unexpected ']' (expected '+' or '-' or a relation) at line 1, column 15"),
    ('dots-outside-arguments', '\\ldots = 0', '\\mathbb{P}(s_1, \\ldots, s_T) = 0', 'post',
     'unsupported: \\ldots outside an argument list, a sum a + … + z or a product a … z at line 1, column 1'),
    ('dots-hiding-a-first-power', 'x = r_1 + \\lambda r_2 + \\cdots + \\lambda^{T-1} r_T',
     'x = \\lambda^{0} r_1 + \\lambda^{1} r_2 + \\cdots + \\lambda^{T-1} r_T', 'post',
     'unsupported: \\ldots: the first and the last term differ by more than an integer index (write every term in the '
     'same form, e.g. \\lambda^{0} r_1, or write Σ / Π) at line 1, column 25'),
    ('dots-indices-apart', 'x = \\lambda^{0} r_1 + \\cdots + \\lambda^{T-2} r_T',
     'x = \\lambda^{0} r_1 + \\cdots + \\lambda^{T-1} r_T', 'post',
     'unsupported: \\ldots: the indices of the first and the last term do not move together at line 1, column 23'),
    ('dots-term-off-pattern', 'x = r_1 + r_3 + \\cdots + r_T', 'x = r_1 + r_2 + \\cdots + r_T', 'post',
     'unsupported: \\ldots: the term r_3 is not the pattern of the first and the last term at its place at line 1, '
     'column 17'),
    ('dots-identical-terms', 'x = r_1 + r_1 + \\cdots + r_1', 'x = r_1 + r_2 + \\cdots + r_5', 'post',
     'unsupported: \\ldots: the terms around it are identical, so how many there are is not visible (write Σ) at '
     'line 1, column 17'),
    ('dots-backwards', 'x = r_5 + \\cdots + r_1', 'x = r_1 + \\cdots + r_5', 'post',
     'unsupported: \\ldots: the last term comes before the first at line 1, column 11'),
    ('dots-in-a-difference', 'x = r_1 - \\cdots - r_T', 'x = r_1 + \\cdots + r_T', 'post',
     'unsupported: \\ldots in a difference a - … - z (write the sum with Σ) at line 1, column 11'),
    ('dots-at-the-end', 'x = r_1 + r_2 + \\cdots', 'x = \\sum_{t=1}^\\infty r_t', 'post',
     'unsupported: a sum or product that ends with \\ldots (a series: write it with Σ_{t=1}^∞) at line 1, column 17'),
    ('dots-product-with-a-constant', 'x = \\lambda \\pi(a_1|s_1) \\cdots \\pi(a_T|s_T)',
     'x = \\lambda \\prod_{t=1}^{T} \\pi(a_t|s_t)', 'post',
     'unsupported: \\ldots: the first and the last term differ by more than an integer index (write every term in the '
     'same form, e.g. \\lambda^{0} r_1, or write Σ / Π) at line 1, column 26'),
    ('macro-missing-argument', '\\underE{x} f(x) = 0', '\\underE{x}{\\mathcal{N}(\\mu, \\sigma^2)} f(x) = 0', 'post',
     'malformed: macro \\underE needs 2 braced arguments at line 1, column 1'),
    ('log-with-base', '\\log_2 x = 0', '\\log x = 0', 'post',
     'unsupported: a logarithm with a base at line 1, column 5'),
    ('power-of-a-state', 's^2 = 0', 'x^2 = 0', 'post',
     'unsupported: superscript on the state s at line 1, column 3'),
    ('left-bar', '\\left|x\\right| = 0', 'x = 0', 'post',
     'unsupported: \\left| (an absolute value or a cardinality) at line 1, column 1'),
    ('mathrm', '\\mathrm{d}x = 0', 'x = 0', 'post',
     'unsupported: \\mathrm{d} at line 1, column 1'),
    ('expectation-subscript-equals', '\\mathbb{E}_{\\tau = 1}[R_\\tau] = 0', '\\mathbb{E}_{\\tau\\sim\\mathcal{T}_\\theta}[R_\\tau] = 0', 'post',
     'malformed: 𝔼 subscript \\tau = 1: expected var ∼ distribution at line 1, column 12'),
    ('stray-character', 'x = 1 @ 2', 'x = 1', 'post',
     "unsupported: character '@' at line 1, column 7"),
    ('prime-on-the-discount', "v_{\\lambda'}^{\\pi'}(s) = 0", "v_\\lambda^{\\pi'}(s) = 0", 'post',
     "unsupported: a prime on \\lambda (only a second policy π' and its parameter θ' are primed) at line 1, column 4"),
    ('third-policy', "\\pi''(a \\vert s) = 1", "\\pi'(a \\vert s) = 1", 'post',
     "unsupported: \\pi'': more than one prime (a third policy) at line 1, column 1"),
    ('primed-policy-with-a-parameter', "\\pi'_\\theta(a \\vert s) = 1", "\\pi_{\\theta'}(a \\vert s) = 1", 'post',
     "unsupported: \\pi' with a parameter: π' is the second policy (π_{θ'} also reads as π') at line 1, column 6"),
]

KINDS = {"unsupported": UnsupportedNotation, "malformed": MalformedNotation, "ambiguous": AmbiguousNotation,
         "ill-formed": IllFormedDisplay}


@pytest.mark.parametrize("text, near_miss, profile, message", [row[1:] for row in BAD], ids=[row[0] for row in BAD])
def test_bad_input_gets_its_message_and_the_near_miss_reads(text, near_miss, profile, message):
    kind = KINDS[message.split(":")[0]]
    if kind is IllFormedDisplay:  # reads, but the free-variable analysis refuses it
        issues = check_chain(parse(text, profile=profile))
        assert [str(i) for i in issues][:1] == [message]
    else:
        with pytest.raises(kind) as info:
            parse(text, profile=profile)
        assert str(info.value) == message
        assert isinstance(info.value, (NotationError, PGVerifyError, ValueError))
    parse(near_miss, profile=profile)


def test_the_table_is_large_and_covers_every_kind():
    assert len(BAD) >= 25
    assert {row[4].split(":")[0] for row in BAD} == set(KINDS)


def test_positions_are_in_the_file_not_in_the_display():
    doc = read_document("intro\n\n$$\nU(\\theta) = \\zeta\n$$\n", kind="md")
    (line,) = doc.lines
    assert str(line.error) == "unsupported: symbol \\zeta (not in profile 'post') at line 4, column 13"


@pytest.mark.parametrize("call, message", [
    (lambda: load_profile("nosuch"), "profile: no profile named 'nosuch'; shipped profiles: cs285, gae, post, "
                                     "spinningup, sutton-barto, textbook, theory"),
    (lambda: parse_annotation("horizons 3..2"), "annotation: horizons '3..2': 3 > 2"),
    (lambda: parse_annotation("horizons 500"),
     "annotation: horizon 500 is larger than the limit 50 (trajectories are enumerated)"),
    (lambda: parse_annotation("id Vpg Gradient"), "annotation: id 'Vpg Gradient' is not a catalogue id like 'vpg.gradient'"),
    (lambda: parse_annotation("because it is obvious"),
     "annotation: unknown annotation clause 'because it is obvious' (known: id, profile, for, whenever, where, define, "
     "also, horizons, defines, for small, skip, estimates, '<f> depends on <x>')"),
    (lambda: parse_annotation("also \\sum_{s} d(s)"),
     "annotation: 'also \\sum_{s} d(s)': expected a relation '<side> = <side>' (or <, ≤, >, ≥)"),
    (lambda: parse_annotation("where s_1 = s^0"), "annotation: 'where s_1 = s^0': expected 'where <variable> = <value>'"),
    (lambda: parse_annotation("define R_\\tau = 1"), "annotation: 'define R_\\tau = 1': expected 'define <name> := <expression>'"),
    (lambda: read_document("x = 1", kind="pdf"), "malformed: kind='pdf' is not one of ('md', 'tex', 'text')"),
    (lambda: read_document("x = 1", escapes="hugo"), "malformed: escapes='hugo' is not one of ('auto', 'markdown', 'none')"),
    (lambda: read_document("<!-- pgverify: for k < t -->\n\ntext\n\n$$x = 1$$\nmore", kind="md"),
     "annotation: annotation 'for k < t' is not next to a display (only 'profile' may stand alone) at line 1, column 1"),
    (lambda: read_document("notes.md"), "malformed: file 'notes.md' does not exist (pass a Path, or LaTeX text)"),
    (lambda: parse("x + " * 2100 + "x"), "malformed: a line of 4201 tokens is longer than the limit 4000 at line 1, "
                                         "column 1"),
    (lambda: parse("x + " * 400 + "x"), "malformed: a line nested 402 deep is deeper than the limit 150 at line 1, "
                                        "column 1"),
    (lambda: parse(None), "malformed: text must be a string of LaTeX, got NoneType: None"),
], ids=["unknown-profile", "empty-horizon-range", "horizon-limit", "bad-id", "unknown-clause", "also-without-relation",
         "where-not-variable",
        "define-without-colon-equals", "unknown-kind", "unknown-escapes", "annotation-far-from-display",
        "missing-file", "line-too-long", "line-too-deep", "not-a-string"])
def test_bad_arguments_and_annotations(call, message):
    with pytest.raises(NotationError) as info:
        call()
    assert str(info.value) == message
