"""Model features real derivations need (issue 9): two policies, γ = 1 on episodes, continuous actions for users,
every family from `import pgverify`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pgverify
import pgverify.checker
from pgverify.checker import Settings
from pgverify.notation import parse
from pgverify.notation.evaluate import Conventions, compile_display

QUICK = Settings(numeric_examples=10, exact_points=2, counterexample_examples=100)
ROOT = Path(__file__).resolve().parents[1]


def test_every_family_is_available_from_import_pgverify_alone():
    code = ("import pgverify; from pgverify.families import FAMILIES; "
            "print(sorted(FAMILIES)); pgverify.derivation('x', families=('episodic-softmax', 'tabular-softmax-pair', "
            "'episodic-softmax-undiscounted', 'continuous-rational'))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "episodic-softmax-undiscounted" in done.stdout and "tabular-softmax-pair" in done.stdout


def _pdl(right_occupancy: bool):
    @pgverify.derivation("performance difference lemma", families=("tabular-softmax-pair",),
                         methods=("exact", "numeric"))
    def pdl(m):
        other = m.extras["other"]
        yield other.U - m.U
        d = other.d if right_occupancy else m.d
        yield np.einsum("s,sa,sa->", d, other.pi, m.q - m.v[:, None]) / (1 - m.lam)

    return pdl


def test_two_policies_in_one_model_the_performance_difference_lemma():
    assert pgverify.verify(_pdl(True), QUICK).verdict == "verified"
    wrong = pgverify.verify(_pdl(False), QUICK)
    assert wrong.verdict == "refuted" and wrong.result.counterexample.exact


def _undiscounted(text: str) -> str:
    claim = compile_display(parse(text), name="u", conventions=Conventions(families=("episodic-softmax-undiscounted",)))
    return pgverify.checker.check_claim(claim, QUICK).verdict


def test_gamma_one_on_episodes_the_undiscounted_reward_to_go_holds():
    rtg = r"\nabla_\theta U(\theta) = \mathbb{E}_{\tau\sim\mathcal{T}_\theta}\left[\sum_{t=1}^{T-1}G_\tau^t" \
          r"\nabla_\theta\log\pi_\theta(a_t\vert s_t)\right]"
    assert _undiscounted(rtg) == "verified"  # refuted for λ < 1 (practice.undiscounted-score-weighting)
    assert _undiscounted(rtg.replace("G_\\tau^t", "2 G_\\tau^t")) == "refuted"  # float64 tolerance scales by T


def test_gamma_one_has_no_normalised_occupancy():
    from pgverify.families import get_family

    m = get_family("episodic-softmax-undiscounted").exact_points(1, 0)[0]
    assert m.lam == 1
    assert np.all(m.grad_U == m.grad_U_adjoint)  # forward mode and the adjoint agree on the pinned system
    with pytest.raises(NotImplementedError, match="not defined at λ = 1"):
        m.d


def test_users_derivations_on_continuous_actions():
    @pgverify.derivation("DPG", families=("continuous-rational",), methods=("exact", "numeric"))
    def dpg(m):
        yield m.grad_U
        yield np.einsum("s,sk,s->k", m.d, m.jac, m.dq_da) / (1 - m.lam)

    @pgverify.derivation("DPG without 1/(1 − λ)", families=("continuous-rational",), methods=("exact", "numeric"))
    def dpg_wrong(m):
        yield m.grad_U
        yield np.einsum("s,sk,s->k", m.d, m.jac, m.dq_da)

    assert pgverify.verify(dpg, QUICK).verdict == "verified"
    assert pgverify.verify(dpg_wrong, QUICK).verdict == "refuted"


def test_gradient_of_any_quantity_in_exact_and_float64_arithmetic():
    from numeric.derivatives import grad_d, gradient
    from pgverify.families import get_family

    m = get_family("linear-softmax").exact_points(1, 0)[0]
    assert np.all(gradient(m, lambda x: x.U) == m.grad_U)
    assert np.all(gradient(m, lambda x: x.d) == grad_d(m))
    assert np.all(gradient(m, lambda x: x.q) == m.grad_q)
    ratio = gradient(m, lambda x: x.v[0] / x.v[1])  # any function of the model's quantities
    expected = (m.grad_v[0] * m.v[1] - m.v[0] * m.grad_v[1]) / m.v[1] ** 2
    assert np.all(ratio == expected)
    fam = get_family("tabular-softmax")
    from hypothesis import find, settings

    example = find(fam.examples(), lambda e: fam.build(e, False).S >= 2, settings=settings(database=None))
    mf = fam.build(example, False)
    assert gradient(mf, lambda x: x.d).dtype == np.float64
    assert np.allclose(gradient(mf, lambda x: x.d), grad_d(mf), rtol=1e-10, atol=1e-12)
