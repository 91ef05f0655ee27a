"""`pgverify profiles`: every profile listed with its description and an example; the loader refuses unknown keys;
a symbol unknown to the current profile names the profiles that know it."""

from __future__ import annotations

import re

import pytest

from pgverify.cli import main
from pgverify.notation import parse
from pgverify.notation.errors import ProfileError, UnsupportedNotation
from pgverify.notation.profiles import KEYS, Profile, listing, load_profile, profile_names, profiles_knowing

_MIN = {"name": "p", "time_base": 0, "objective": "J", "log": "\\log", "initial_state": "s_0"}


@pytest.mark.parametrize("name", profile_names())
def test_every_profile_has_an_example_in_its_own_notation(name: str) -> None:
    p = load_profile(name)
    assert p.description and p.example, name
    assert parse(p.example, profile=p).rows  # it reads in the profile it illustrates


def test_the_listing_names_every_profile_with_its_example(capsys) -> None:
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    for name in profile_names():
        p = load_profile(name)
        assert p.name in out and p.description in out and p.example in out
    assert out.strip() == listing()


@pytest.mark.parametrize("bad, words", [
    ({"exmaple": "x"}, "unknown key 'exmaple'"),
    ({"example": 3}, "is not a string"),
    ({"macros": {"\\f": {"args": 1, "body": "#1", "default": "x"}}}, "unknown key(s) 'default'"),
])
def test_the_loader_refuses_unknown_and_mistyped_keys(bad: dict, words: str) -> None:
    with pytest.raises(ProfileError) as info:
        Profile.from_mapping({**_MIN, **bad}, source="test")
    assert words in str(info.value)
    assert set(bad) <= set(KEYS) or "unknown key" in str(info.value)


def test_an_unknown_symbol_names_the_profiles_that_know_it() -> None:
    gamma = profiles_knowing("\\gamma", besides="post")  # every shipped profile with γ (more come with the literature)
    assert "textbook" in gamma and "post" not in gamma
    assert "post" in profiles_knowing("\\lambda", besides="textbook")
    assert profiles_knowing("\\zeta") == ()
    with pytest.raises(UnsupportedNotation, match=re.escape(f"symbol \\gamma (not in profile 'post'; try --profile "
                                                            f"{' or '.join(gamma)})")):
        parse(r"v(s) = \gamma v(s)")
    with pytest.raises(UnsupportedNotation, match=r"symbol \\zeta \(not in profile 'post'\) at"):
        parse(r"v(s) = \zeta v(s)")
