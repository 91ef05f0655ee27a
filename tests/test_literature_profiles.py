"""The literature's profiles (spinningup, cs285, sutton-barto): their keys validated, their example displays
checked, their setting honoured through the whole path a document takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgverify.checker import Settings
from pgverify.documents import verify_document
from pgverify.notation.errors import ProfileError
from pgverify.notation.profiles import Profile, load_profile

LITERATURE = ("spinningup", "cs285", "sutton-barto")
BASE = {"name": "x", "time_base": 0, "objective": "J", "log": "\\log", "initial_state": "s_0"}


@pytest.mark.parametrize("data, message", [
    ({**BASE, "settting": "discounted"}, "unknown key 'settting'"),
    ({**BASE, "setting": "average-reward"}, "setting='average-reward' must be one of"),
    ({**BASE, "last_time": "episode"}, "last_time='episode' must be one of state, action"),
    ({**BASE, "reward_index": 1}, "reward_index=1 must be one of same, next"),
    ({**BASE, "free_states": "terminal"}, "free_states='terminal' must be one of all, nonterminal"),
    ({**BASE, "bare_gradient": "yes"}, "bare_gradient='yes' is not a bool"),
    ({**BASE, "example": 3}, "example=3 is not a str"),
    ({**BASE, "occupancy_normalised": False}, "occupancy_normalised = false .* is not evaluated"),
], ids=["unknown-key", "setting", "last-time", "reward-index", "free-states", "bare-gradient", "example", "occupancy"])
def test_profile_keys_are_validated(data, message):
    with pytest.raises(ProfileError, match=message):
        Profile.from_mapping(data, source="test")


@pytest.mark.parametrize("name", LITERATURE)
def test_each_profile_says_its_conventions_and_its_example_is_checked(name, tmp_path: Path):
    p = load_profile(name)
    assert p.description and p.example and p.setting == "finite-horizon-undiscounted"
    doc = tmp_path / "example.md"
    doc.write_text(f"$$ {p.example} $$\n", encoding="utf-8")
    (result,) = verify_document(doc, Settings(seed=0, methods=("exact",), cache=False), profile=name).results
    assert result.verdict == "verified", (name, result.reason)
    assert any("γ = 1" in r for r in result.restrictions)


def test_the_setting_is_used_by_every_quantity(tmp_path: Path):
    """Spinning Up's objective, the undiscounted expected return, holds in its own setting and fails in the
    discounted one (the annotation `profile textbook` chooses it for one display; there T is the last state's time)."""
    text = r"J(\pi_\theta) = \mathbb{E}_{\tau \sim \pi_\theta}\left[\sum_{k=0}^{T} r(s_k, a_k)\right]"
    textbook = text.replace("{T}", "{T-1}")
    doc = tmp_path / "objective.md"
    doc.write_text(f"$$ {text} $$\n\n<!-- pgverify: profile textbook -->\n$$ {textbook} $$\n", encoding="utf-8")
    settings = Settings(seed=0, methods=("exact",), cache=False, counterexample_examples=20)
    run = verify_document(doc, settings, profile="spinningup")
    assert [r.verdict for r in run.results] == ["verified", "refuted"], [r.reason for r in run.results]


@pytest.mark.parametrize("profile", ["post", "textbook", "spinningup", "cs285", "sutton-barto"])
def test_an_annotated_horizon_is_the_profiles_T(profile, tmp_path: Path):
    """`where T = 3` fixes the T the profile writes, whatever the time base and whatever T is the time of."""
    doc = tmp_path / "T.md"
    doc.write_text("<!-- pgverify: where T = 3 -->\n$$ T = 3 $$\n", encoding="utf-8")
    settings = Settings(seed=0, methods=("exact",), cache=False)
    (result,) = verify_document(doc, settings, profile=profile).results
    assert result.verdict == "verified", result.reason
