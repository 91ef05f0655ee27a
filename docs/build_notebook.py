"""Write docs/notebook.ipynb: a short tour of pgverify in Jupyter, executed, with its outputs kept.

    pip install -e '.[notebook]'
    python docs/build_notebook.py          # builds the cells, runs them in a fresh kernel (nbclient), writes the file

The tour: ``%load_ext pgverify``; a claim of the post checked (a slip in the post's q, refuted with its
counterexample); a derivation written in a ``%%pgverify`` cell (the Bellman equation for q, right, then with its
discount dropped); an estimator audited (REINFORCE without the discount's weight).  tests/test_notebook.py
executes the same cells (marked slow: a kernel start and the first checks take longer than the default suite's
budget for one test).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "notebook.ipynb"

_INTRO = """# pgverify in a notebook

pgverify tells which lines of a policy-gradient derivation are right, which are wrong, and gives a counterexample
for each wrong one. In Jupyter, `%load_ext pgverify` adds the `%%pgverify` cell magic, and every result shows as a
table (its text escaped; nothing in it runs). This notebook is executed by `python docs/build_notebook.py` and by
the tests (nbclient); the outputs below are from that run."""

_CHECK = """## A claim of the post

`pgverify.check` checks catalogue claims by each method (symbolic proof, exact rational points, float64 on drawn
MDPs). The post's action-value function is written with a slip: it is refuted, with an exact counterexample."""

_DERIVATION = """## A derivation in a cell

A `%%pgverify` cell is read as Markdown: each display is checked, each annotation (`<!-- pgverify: … -->`)
consumed. The second display drops the discount λ from the Bellman equation — a slip that is refuted. The table
comes first, then the annotated page (the same as `pgverify annotate`'s)."""

_AUDIT = """## An estimator audited

`pgverify.audit` computes the exact expectation of an estimator written in NumPy (PyTorch and JAX too) over every
batch of an MDP and says which gradient it equals. This REINFORCE forgets the weight λᵗ on its score terms: its
expectation is the *undiscounted-score* target, not the policy gradient."""

_CELL = r"""%%pgverify --seed 0
The Bellman equation for the action value, then the same with its discount dropped.

<!-- pgverify: for all s, a -->
$$ q(s,a) = r(s,a) + \lambda \sum_{s'} \mathcal{P}(s' \vert s,a) v(s') $$

<!-- pgverify: for all s, a -->
$$ q(s,a) = r(s,a) + \sum_{s'} \mathcal{P}(s' \vert s,a) v(s') $$"""

_ESTIMATOR = """from fractions import Fraction as F
import numpy as np
from numeric import FiniteMDP, TabularSoftmax
from pgverify.audit import diagnose, numpy_estimator

mdp = FiniteMDP(P=[[[0, F(1, 2), F(1, 2)], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]],
                r=[[1, 0], [0, 2], [0, 0]], discount=F(1, 2))

def reinforce(theta, batch):  # Σ_t G_t ∇log π(a_t|s_t): the weight λ^t of each term forgotten
    pi = np.exp(theta) / np.exp(theta).sum(axis=1, keepdims=True)
    g, G = np.zeros_like(theta), 0.0
    for t in reversed(range(batch.n_steps)):
        G = batch.rewards[t, 0] + batch.discounts[t, 0] * G
        s, a = batch.states[t, 0], batch.actions[t, 0]
        g[s] += G * (np.eye(2)[a] - pi[s])
    return g

diagnose(numpy_estimator(reinforce), mdp, TabularSoftmax.from_weights([[1, 2], [3, 1], [1, 1]]))"""


def notebook():  # type: ignore[no-untyped-def]
    """The tour's cells, not executed (an :mod:`nbformat` v4 notebook)."""
    import nbformat.v4 as v4

    cells = [v4.new_markdown_cell(_INTRO), v4.new_code_cell("%load_ext pgverify"),
             v4.new_markdown_cell(_CHECK),
             v4.new_code_cell('import pgverify\n\npgverify.check(["setting.action-value-function"], jobs=1)'),
             v4.new_markdown_cell(_DERIVATION), v4.new_code_cell(_CELL),
             v4.new_markdown_cell(_AUDIT), v4.new_code_cell(_ESTIMATOR)]
    for i, cell in enumerate(cells):  # fixed ids: a rebuilt notebook differs from the committed one only in outputs
        cell["id"] = f"tour-{i}"
    nb = v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def execute(nb, *, timeout: int = 900):  # type: ignore[no-untyped-def]
    """``nb`` run top to bottom in a fresh Python kernel started in the repository's root (so that this tree's
    pgverify is the one imported), each cell within ``timeout`` seconds; returns the executed notebook."""
    from nbclient import NotebookClient

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    with _environment(env):
        return client.execute()


class _environment:
    """``os.environ`` replaced for the kernel's start (the kernel inherits it)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env, self.saved = env, None

    def __enter__(self) -> None:
        self.saved = dict(os.environ)
        os.environ.update(self.env)

    def __exit__(self, *exc: object) -> None:
        os.environ.clear()
        os.environ.update(self.saved or {})


def main() -> int:
    import nbformat

    done = execute(notebook())
    for cell in done.cells:  # the outputs kept; the execution counts and timings are noise in a diff
        cell.get("metadata", {}).pop("execution", None)
    nbformat.write(done, OUT)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
