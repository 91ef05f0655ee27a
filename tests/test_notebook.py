"""pgverify in Jupyter: the %%pgverify magic in an in-process IPython shell, the results' _repr_html_ (escaped, no
script), import pgverify without IPython, the missing extra's message, and docs/notebook.ipynb executed (nbclient).
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction as F
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import pgverify
from numeric.errors import PGVerifyError
from pgverify import notebook
from pgverify.checker import Settings

ROOT = Path(__file__).resolve().parent.parent

CELL = r"""The Bellman equation for q, then the same without its discount (a slip).

<!-- pgverify: for all s, a -->
$$ q(s,a) = r(s,a) + \lambda \sum_{s'} \mathcal{P}(s' \vert s,a) v(s') $$

<!-- pgverify: for all s, a -->
$$ q(s,a) = r(s,a) + \sum_{s'} \mathcal{P}(s' \vert s,a) v(s') $$
"""

HOSTILE = r"""Text with <script>alert('prose')</script> in it.

$$ \sum_a \pi(a|s) = 1 + \text{<script>alert(1)</script>} $$
"""


class _Tags(HTMLParser):
    """Every start tag of a page, with its attributes (entities decoded, as a browser reads them)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser.tags


def _no_script(page: str) -> None:
    tags = _tags(page)
    assert not [t for t, _ in tags if t in ("script", "object", "embed")]
    assert not [a for _, attrs in tags for a in attrs if a.startswith("on")]  # no event handler attribute


@pytest.fixture
def shell():  # type: ignore[no-untyped-def]
    from IPython.core.interactiveshell import InteractiveShell  # the test extra has the notebook extra's packages

    sh = InteractiveShell.instance()
    yield sh
    InteractiveShell.clear_instance()


def test_importing_pgverify_does_not_import_ipython() -> None:
    code = ("import sys, pgverify, pgverify.notebook; pgverify.load_ipython_extension; "
            "assert 'IPython' not in sys.modules, 'IPython imported'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_magic_checks_the_cell_and_shows_the_annotated_result(shell) -> None:  # type: ignore[no-untyped-def]
    shell.run_line_magic("load_ext", "pgverify")
    out = shell.run_cell_magic("pgverify", "--seed 0", CELL)
    assert isinstance(out, notebook.AnnotatedCell)
    assert [r.verdict for r in out.run.results] == ["proved", "refuted"]
    page = out._repr_html_()
    _no_script(page)
    assert page.count('class="pgverify-verdict"') == 2 and ">refuted</span>" in page and ">proved</span>" in page
    (frame,) = [attrs for tag, attrs in _tags(page) if tag == "iframe"]
    assert frame["sandbox"] == ""  # nothing in the annotated page can run
    assert "verdict-refuted" in frame["srcdoc"]  # the annotate command's page, with its badges
    assert "refuted" in repr(out)  # the plain text is the verify table


def test_magic_seed_and_profile_are_consumed(shell) -> None:  # type: ignore[no-untyped-def]
    shell.run_line_magic("load_ext", "pgverify")
    out = shell.run_cell_magic("pgverify", "--seed 3 --profile textbook", "$$ \\sum_a \\pi(a|s) = 1 $$\n")
    assert out.run.settings.seed == 3 and out.run.results[0].verdict == "proved"
    assert out.run.profile == "textbook"


@pytest.mark.parametrize("line, message", [
    ("--seed -1", "--seed must be a non-negative integer, got -1"),
    ("--seed x", "argument --seed: invalid int value: 'x'"),
    ("--jobs 2", "unrecognized arguments: --jobs 2"),
    ("--profile nosuch", "nosuch"),
])
def test_magic_bad_options_name_the_problem(shell, line: str, message: str) -> None:  # type: ignore[no-untyped-def]
    from IPython.core.error import UsageError

    shell.run_line_magic("load_ext", "pgverify")
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        shell.run_cell_magic("pgverify", line, CELL)


def test_magic_without_a_display_is_refused(shell) -> None:  # type: ignore[no-untyped-def]
    from IPython.core.error import UsageError

    shell.run_line_magic("load_ext", "pgverify")
    with pytest.raises(UsageError, match="holds no display"):
        shell.run_cell_magic("pgverify", "", "only prose\n")


def test_missing_ipython_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "IPython", None)  # import IPython now raises ImportError
    with pytest.raises(notebook.MissingNotebookExtraError, match=r"pip install 'pgverify\[notebook\]'"):
        pgverify.load_ipython_extension(object())
    assert issubclass(notebook.MissingNotebookExtraError, PGVerifyError)


def test_repr_html_escapes_a_script_in_a_display(tmp_path: Path) -> None:
    from pgverify.stream import check_document

    path = tmp_path / "hostile.md"
    path.write_text(HOSTILE, encoding="utf-8")
    run = check_document(path, Settings(seed=0, cache=False, numeric_examples=3, exact_points=1))
    page = run._repr_html_()
    _no_script(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, as text
    cell = notebook.AnnotatedCell(HOSTILE, run)._repr_html_()
    _no_script(cell)
    (frame,) = [attrs for tag, attrs in _tags(cell) if tag == "iframe"]
    _no_script(frame["srcdoc"] or "")  # the annotated page inside the sandboxed frame has none either


def test_repr_html_of_check_verify_and_audit() -> None:
    run = pgverify.check(["setting.action-value-function"], Settings(seed=0, numeric_examples=5, exact_points=1),
                         jobs=1)
    page = run._repr_html_()
    _no_script(page)
    assert "setting.action-value-function" in page and ">refuted</span>" in page and "counterexample" in page

    d = pgverify.derivation("double", steps=("doubling",), methods=("exact", "numeric"))(lambda m: (m.v, 2 * m.v))
    result = pgverify.verify(d, Settings(seed=0, numeric_examples=5, exact_points=1))
    page = result._repr_html_()
    _no_script(page)
    assert ">refuted</span>" in page and "first failing step" in page

    from numeric import FiniteMDP, TabularSoftmax
    from pgverify.audit import diagnose, numpy_estimator

    mdp = FiniteMDP(P=[[[0, F(1, 2), F(1, 2)], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]],
                    r=[[1, 0], [0, 2], [0, 0]], discount=F(1, 2))

    def undiscounted(theta, batch):  # type: ignore[no-untyped-def]
        pi = np.exp(theta) / np.exp(theta).sum(axis=1, keepdims=True)
        g, G = np.zeros_like(theta), 0.0
        for t in reversed(range(batch.n_steps)):
            G = batch.rewards[t, 0] + batch.discounts[t, 0] * G
            s, a = batch.states[t, 0], batch.actions[t, 0]
            g[s] += G * (np.eye(2)[a] - pi[s])
        return g

    diagnosis = diagnose(numpy_estimator(undiscounted), mdp, TabularSoftmax.from_weights([[1, 2], [3, 1], [1, 1]]))
    page = diagnosis._repr_html_()
    _no_script(page)
    assert "practice.undiscounted-score-weighting" in page and ">holds</span>" in page and ">fails</span>" in page


def test_html_of_refuses_what_it_does_not_know() -> None:
    with pytest.raises(PGVerifyError, match="no HTML for a int"):
        notebook.html_of(3)


def _tour():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import build_notebook
    finally:
        sys.path.pop(0)
    return build_notebook


def test_the_committed_notebook_is_the_tour_with_its_outputs() -> None:
    """docs/notebook.ipynb is what docs/build_notebook.py writes: the same cells, each code cell with its output."""
    import nbformat
    committed = nbformat.read(ROOT / "docs" / "notebook.ipynb", as_version=4)
    fresh = _tour().notebook()
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in fresh.cells]
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert all(c.outputs or c.source.startswith("%load_ext") for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    pages = "".join(o.get("data", {}).get("text/html", "") for c in code for o in c.outputs)
    _no_script(pages)
    assert ">refuted</span>" in pages and ">holds</span>" in pages


@pytest.mark.slow
def test_the_notebook_executes() -> None:
    """docs/notebook.ipynb runs top to bottom in a fresh kernel (nbclient) and says what the tour says."""
    tour = _tour()
    done = tour.execute(tour.notebook())
    text = "\n".join(str(o.get("data", {}).get("text/html", "")) + str(o.get("text", ""))
                     for c in done.cells if c.cell_type == "code" for o in c.outputs)
    assert not [o for c in done.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert ">refuted</span>" in text and ">proved</span>" in text and ">holds</span>" in text
    _no_script(text)
