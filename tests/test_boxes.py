"""Algorithm boxes (issue 22): reading a box as a program, its semantics on N roll-outs, the verdicts, bad inputs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pgverify.audit.boxes import BoxRefused, check_box, check_boxes, fit_verdict
from pgverify.cli import EXIT_OK, EXIT_REFUTED, EXIT_UNDECIDED, main
from pgverify.notation.boxes import BoxError, find_boxes, read_box, transliterate

RTG = r"$$\hat{g} \leftarrow \frac{1}{N}\sum_{n=1}^N \sum_{t=1}^T \lambda^{t-1} G_n^t \nabla_\theta \log\pi_\theta(a_t^n\vert s_t^n)$$"
CLAIM = "<!-- pgverify: estimates \\nabla_\\theta U(\\theta) -->\n"


def _box(body: str, claim: bool = True) -> str:
    return (CLAIM if claim else "") + "{{< pseudocode >}}\n" + body + "\n{{< /pseudocode >}}\n"


# ---------------------------------------------------------------------------------------------- reading
def test_the_three_formats_read_the_same_program():
    md = find_boxes(_box(RTG + "\n$$\\theta \\leftarrow \\theta + \\eta \\hat{g}$$"))[0]
    fence = find_boxes("```algorithm\n" + RTG + "\n$$\\theta \\leftarrow \\theta + \\eta \\hat{g}$$\n```\n")[0]
    tex = find_boxes("\\begin{algorithmic}\n\\State $" + RTG.strip("$") + "$\n\\State $\\theta \\gets \\theta + "
                     "\\eta \\hat{g}$\n\\end{algorithmic}\n")[0]
    assert [(s.kind, s.target, s.rhs) for s in md.statements] == [(s.kind, s.target, s.rhs)
                                                                  for s in fence.statements]
    assert [(s.kind, s.target, s.rhs) for s in md.statements] == [(s.kind, s.target, s.rhs) for s in tex.statements]
    assert md.estimates is not None and fence.estimates is None


def test_loops_nest_by_end_by_indentation_and_by_endfor():
    explicit = read_box("for n = 1, ..., N\n$$\\theta \\leftarrow \\theta + \\eta G_n^1 \\nabla_\\theta \\log"
                        "\\pi_\\theta(a_1^n|s_1^n)$$\nend for")
    indented = read_box("for n = 1, ..., N:\n    $$\\theta \\leftarrow \\theta + \\eta G_n^1 \\nabla_\\theta "
                        "\\log\\pi_\\theta(a_1^n|s_1^n)$$")
    assert [s.kind for s in explicit.walk()] == [s.kind for s in indented.walk()] == ["for", "assign"]
    assert explicit.statements[0].over == "episodes" and explicit.statements[0].var == "n"


def test_the_textbook_spelling_is_rewritten_and_listed():
    latex, used = transliterate(r"\theta \leftarrow \theta + \alpha \gamma^t G \nabla \ln \pi(A_t|S_t, \theta)")
    assert r"\pi_\theta(a_t^{n}|s_t^{n})" in latex and r"\nabla_\theta \log" in latex and r"\lambda^t" in latex
    assert "the discount γ read as the post's λ" in used


@pytest.mark.parametrize("text, kind, words", [
    ("\\begin{algorithmic}\n\\For{$n = 1, \\ldots, N$}\n\\State $\\theta \\gets \\theta$\n\\end{algorithmic}",
     "latex", "never closed"),
    ("\\begin{algorithmic}\n\\State $\\theta \\gets \\theta$\n\\EndFor\n\\end{algorithmic}", "latex",
     "closes no open loop"),
    ("for each state s:\n$$\\theta \\leftarrow \\theta$$\nend for", "markdown", "over no range"),
    ("normalise the advantages\n$$\\theta \\leftarrow \\theta$$", "markdown", "'normalise the advantages'"),
    ("$$\\hat{g} = \\sum_{n=1}^N G_n^1$$", "markdown", "not one assignment"),
    ("fit the baseline:", "markdown", "assigns nothing"),
    ("$$\\theta \\leftarrow \\theta", "markdown", "never closed"),
    ("\\begin{algorithmic}\n\\While{$t < T$}\n\\State $\\theta \\gets \\theta$\n\\EndWhile\n\\end{algorithmic}",
     "latex", "not read by the box language"),
])
def test_bad_boxes_are_refused_naming_the_statement(text, kind, words):
    if kind == "latex":
        found = find_boxes(text)
        assert len(found) == 1 and isinstance(found[0], BoxError)
        message = str(found[0])
    else:
        with pytest.raises(BoxError) as err:
            read_box(text)
        message = str(err.value)
    assert words in message and "line" in message


def test_an_unknown_annotation_clause_is_refused():
    found = find_boxes("<!-- pgverify: estimates \\nabla_\\theta U(\\theta); horizons 2 -->\n" + _box(RTG, False))
    assert isinstance(found[0], BoxError) and "horizons 2" in str(found[0])


# ---------------------------------------------------------------------------------------------- semantics
@pytest.mark.parametrize("body, words", [
    ("$$\\theta \\leftarrow \\theta + \\eta \\hat{g}$$", "before the box assigns it"),
    ("$$\\hat{\\omega} \\leftarrow \\argmin \\sum_{n=1}^N \\sum_{t=1}^T (b_\\omega(s_t^n) - G_n^t)^4$$\n"
     "$$\\theta \\leftarrow \\theta + \\eta \\sum_{n=1}^N b_{\\hat\\omega}(s_1^n) \\nabla_\\theta \\log\\pi_\\theta"
     "(a_1^n|s_1^n)$$", "not a sum of squares"),
    ("$$\\theta \\leftarrow \\theta + \\eta \\sum_{n=1}^N \\sum_{t=1}^{T+1} G_n^t \\nabla_\\theta \\log\\pi_\\theta"
     "(a_t^n|s_t^n)$$", "out of range"),
    ("$$\\theta \\leftarrow \\theta + \\sum_{n=1}^N G_n^1 \\nabla_\\theta \\log\\pi_\\theta(a_1^n|s_1^n)$$",
     "exactly one step size"),
    ("$$\\theta \\leftarrow \\theta + \\eta \\sum_{n=1}^N G_n^1$$", "not θ's shape"),
    ("$$\\theta \\leftarrow \\theta + \\eta \\sum_{n=1}^{N+1} G_n^1 \\nabla_\\theta \\log\\pi_\\theta(a_1^n|s_1^n)$$",
     "out of range"),
])
def test_boxes_without_a_meaning_are_undecided_with_the_reason(body, words):
    check = check_box(find_boxes(_box(body))[0], draws=1)
    assert check.verdict == "undecided" and words in check.outcomes[0].reason, check


def test_a_true_box_is_verified_and_shows_n_and_the_family():
    check = check_box(find_boxes(_box(RTG + "\n$$\\theta \\leftarrow \\theta + \\eta \\hat{g}$$"))[0], draws=2,
                      budget=120.0)   # not cut by the time budget on a loaded machine: every N is reached
    assert [o.verdict for o in check.outcomes] == ["verified"]
    assert check.outcomes[0].rollouts[:2] == (1, 2)   # N = 3 when the audit's batch limit allows it
    text = str(check)
    assert "N = 1 (2 models), N = 2 (2 models)" in text and "family: episodic" in text


@pytest.mark.slow  # the adversarial table's "box: the post's REINFORCE box" runs the same box by default
def test_the_post_box_gets_the_catalogues_verdicts():
    """As written ill-formed (ĝ_n), read refuted with a counterexample of N roll-outs, refitted verified."""
    post = (Path(__file__).resolve().parents[1] / "tests" / "corpus" / "boxes" / "post.toml")
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    entry = tomllib.loads(post.read_text(encoding="utf-8"))["entry"][0]
    box = find_boxes(CLAIM + entry["display"])[0]
    check = check_box(box, draws=2, budget=4.0)
    assert [o.verdict for o in check.outcomes] == ["ill-formed", "refuted", "verified"]
    assert "free index n" in check.outcomes[0].reason
    cx = check.outcomes[1].counterexample
    assert cx is not None and cx["N"] in (1, 2, 3) and cx["E[output]"] != cx["grad_U"]
    assert any("read as b_ω̂" in n for n in check.outcomes[1].notes)


def test_without_a_claim_the_box_says_what_its_expectation_equals():
    check = check_box(find_boxes(_box(RTG, claim=False))[0], draws=2)
    assert check.verdict == "undecided" and "E[output] = grad_U" in check.outcomes[0].reason


def test_the_fit_display_is_proved_and_a_non_quadratic_is_refused():
    from pgverify.notation.latex import parse
    good = parse(r"\hat{\omega} \leftarrow \argmin \sum_{n=1}^N \sum_{t=1}^T (b_\omega(s_t^n) - G_n^t)^2")
    bad = parse(r"\hat{\omega} \leftarrow \argmin \sum_{n=1}^N \sum_{t=1}^T (b_\omega(s_t^n) - G_n^t)^4")
    assert fit_verdict(good, draws=1)[0] == "proved"
    assert fit_verdict(bad, draws=1) == ("undecided", fit_verdict(bad, draws=1)[1])
    assert "not a sum of squares" in fit_verdict(bad, draws=1)[1]
    assert fit_verdict(parse(r"U(\theta) = v(s^0)")) is None


def test_cli_exit_statuses(tmp_path, capsys):
    true_box = tmp_path / "true.md"
    true_box.write_text(_box(RTG + "\n$$\\theta \\leftarrow \\theta + \\eta \\hat{g}$$"), encoding="utf-8")
    false_box = tmp_path / "false.md"
    false_box.write_text(_box(RTG.replace("\\lambda^{t-1} ", "") + "\n$$\\theta \\leftarrow \\theta + \\eta "
                                                                   "\\hat{g}$$"), encoding="utf-8")
    none = tmp_path / "none.md"
    none.write_text("no box here\n", encoding="utf-8")
    assert main(["boxes", str(true_box), "--draws", "2"]) == EXIT_OK
    assert main(["boxes", str(false_box), "--draws", "2"]) == EXIT_REFUTED
    assert main(["boxes", str(none)]) == EXIT_UNDECIDED
    assert "no algorithm box" in capsys.readouterr().out
    import json
    assert main(["boxes", str(false_box), "--draws", "1", "--json"]) == EXIT_REFUTED
    record = json.loads(capsys.readouterr().out)
    outcome = record["boxes"][0]["outcomes"][0]
    assert outcome["verdict"] == "refuted" and outcome["N"] == [1] and outcome["counterexample"]["N"] == 1


def test_a_document_is_a_path_or_text():
    with pytest.raises(BoxRefused):
        check_boxes(3)  # type: ignore[arg-type]
    with pytest.raises(BoxRefused):
        check_box("a box")  # type: ignore[arg-type]
    assert check_boxes("nothing").results == ()


@pytest.mark.slow
def test_an_unvisited_state_is_read_as_the_minimum_norm_fit_only_when_the_verdict_does_not_depend_on_it():
    """Fitted on independent roll-outs, b_ω̂ is used at states the fit never saw: ω̂_s = 0 and 1 give the same E."""
    body = ("$$\\hat{\\omega} \\leftarrow \\argmin \\sum_{n=1}^N \\sum_{t=1}^T (b_\\omega(s_t^n) - G_n^t)^2$$\n"
            "$$\\hat{g} \\leftarrow \\sum_{n=1}^N \\sum_{t=1}^T \\lambda^{t-1}(G_n^t - b_{\\hat\\omega}(s_t^n))"
            "\\nabla_\\theta \\log\\pi_\\theta(a_t^n|s_t^n)$$")
    check = check_box(find_boxes(_box(body))[0], draws=2, budget=3.0)
    assert [o.verdict for o in check.outcomes] == ["refuted", "verified"]
    assert any("minimum-norm" in n for n in check.outcomes[1].notes)


def _textbook(lines: list[str]) -> str:
    return ("<!-- pgverify: estimates \\nabla_\\theta U(\\theta); profile textbook -->\n```algorithm\n"
            + "\n".join(lines) + "\n```\n")


EPISODE = ["Loop forever (for each episode):",
           "    Generate an episode $S_0, A_0, R_1, \\ldots, S_{T-1}, A_{T-1}, R_T$, following $\\pi(\\cdot|\\cdot, \\theta)$",
           "    Loop for each step of the episode $t = 0, 1, \\ldots, T-1$:",
           "        $G \\leftarrow \\sum_{k=t+1}^{T} \\gamma^{k-t-1} R_k$"]


@pytest.mark.parametrize("update, verdict", [
    ("$\\theta \\leftarrow \\theta + \\alpha \\gamma^t G \\nabla \\ln \\pi(A_t|S_t, \\theta)$", "verified"),
    ("$\\theta \\leftarrow \\theta + \\alpha G \\nabla \\ln \\pi(A_t|S_t, \\theta)$", "refuted"),
    ("$\\theta \\leftarrow \\theta + \\alpha \\gamma^t (G - \\hat{v}(S_t, w)) \\nabla \\ln \\pi(A_t|S_t, \\theta)$",
     "verified"),
    ("$\\theta \\leftarrow \\theta + \\alpha \\gamma^t (G - \\hat{v}(S_{t+1}, w)) \\nabla \\ln \\pi(A_t|S_t, \\theta)$",
     "refuted"),
])
def test_sutton_barto_reinforce_and_its_slips(update, verdict):
    """γ^t G ∇ln π is ∇J at first order; without γ^t it is not; a critic at S_t is a baseline, at S_{t+1} it is not
    (it depends on A_t)."""
    check = check_box(find_boxes(_textbook(EPISODE + ["        " + update]))[0], draws=2, budget=2.0)
    assert [o.verdict for o in check.outcomes] == [verdict], check
    assert any("γ read as the post's λ" in r for r in check.box.readings)


def test_one_step_actor_critic_is_biased_for_an_arbitrary_critic():
    lines = ["Loop forever (for each episode):", "    $I \\leftarrow 1$",
             "    Loop while S is not terminal (for each time step):",
             "        $A \\sim \\pi(\\cdot|S, \\theta)$", "        Take action A, observe S', R",
             "        $\\delta \\leftarrow R + \\gamma \\hat{v}(S', w) - \\hat{v}(S, w)$ (if S' is terminal, then "
             "$\\hat{v}(S', w) \\doteq 0$)",
             "        $\\theta \\leftarrow \\theta + \\alpha I \\delta \\nabla \\ln \\pi(A|S, \\theta)$",
             "        $I \\leftarrow \\gamma I$", "        $S \\leftarrow S'$"]
    check = check_box(find_boxes(_textbook(lines))[0], draws=2, budget=2.0)
    assert [o.verdict for o in check.outcomes] == ["refuted"]
    assert "w" in check.outcomes[0].counterexample
    exact = [ln.replace("\\hat{v}(S', w)", "v(S')").replace("\\hat{v}(S, w)", "v(S)") for ln in lines]
    exact = [ln.split(" (if S'")[0] for ln in exact]
    check = check_box(find_boxes(_textbook(exact))[0], draws=2, budget=2.0)
    assert [o.verdict for o in check.outcomes] == ["verified"]


@pytest.mark.slow
def test_the_guides_example_gives_the_verdicts_it_describes():
    example = Path(__file__).resolve().parents[1] / "docs" / "examples" / "reinforce_box.md"
    run = check_boxes(example, draws=2, budget=3.0)
    assert [[o.verdict for o in r.outcomes] for r in run.results] == [["refuted", "verified"], ["verified"]]


def test_a_descent_step_is_not_an_ascent_direction():
    body = RTG + "\n$$\\theta \\leftarrow \\theta + \\eta (-\\hat{g})$$"
    check = check_box(find_boxes(_box(body))[0], draws=1)
    assert [o.verdict for o in check.outcomes] == ["refuted"] and "c > 0" in check.outcomes[0].reason


def test_argmax_of_the_negative_sum_of_squares_is_the_same_fit_and_argmax_of_the_sum_is_refused():
    """ω̂ ← argmax −Σ(b_ω − G)² is read as the least-squares fit (same verdicts as the argmin); argmax Σ(…)² is
    unbounded above and refused, naming why."""
    fit = "\\sum_{n=1}^N \\sum_{t=1}^T (b_\\omega(s_t^n) - G_n^t)^2"
    rest = ("$$\\hat{g} \\leftarrow \\sum_{n=1}^N \\sum_{t=1}^T \\lambda^{t-1}(G_n^t - b_{\\hat\\omega}(s_t^n))"
            "\\nabla_\\theta \\log\\pi_\\theta(a_t^n|s_t^n)$$")

    def verdicts(opt: str) -> list[tuple[str, str]]:
        box = _box(f"$$\\hat{{\\omega}} \\leftarrow {opt}$$\n" + rest)
        return [(o.verdict, o.reason) for o in check_box(find_boxes(box)[0], draws=1, budget=1.0).outcomes]

    assert verdicts(f"\\argmax \\left(-{fit}\\right)") == verdicts(f"\\argmin {fit}")
    ((verdict, reason), *_) = verdicts(f"\\argmax {fit}")
    assert verdict == "undecided" and "unbounded above" in reason
