"""Profiles: a source's notation as data (``profiles/*.toml``), never as code.

A profile says how transitions are written (``kernel_form``: 𝒫_s^a(s') or p(s'|s, a)), which LaTeX names are functions of the vocabulary (and which
role each plays), which are constants, which are index variables (and their
sort), which are spaces, the macros the site defines, the discount letter, the
time base (0 or 1), the objective's name, whether π(s, a) is accepted for
π(a|s), and ``\\log`` vs ``\\ln``.  Anything not in the profile is
``unsupported`` — never guessed.

>>> post = load_profile("post")
>>> post.functions["v"], post.symbols["\\\\lambda"], post.time_base
('v', 'discount', 1)
>>> load_profile("textbook").latex_of_symbol("discount")
'\\\\gamma'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

try:  # Python ≥ 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from pgverify.notation.ast import FUNCTIONS, SORTS
from pgverify.notation.errors import ProfileError

__all__ = ["Profile", "load_profile", "profile_names", "DEFAULT_PROFILE", "FUNCTION_ROLES", "KEYS", "profiles_knowing",
           "listing"]

#: The keys a profile file may have (any other is an error: a misspelt key would otherwise be ignored).
KEYS = ("name", "description", "example", "time_base", "objective", "occupancy_normalised", "policy_pair_form", "log",
        "initial_state", "kernel_form", "functions", "symbols", "variables", "spaces", "macros", "setting", "last_time",
        "reward_index", "return_time", "free_states", "bare_gradient", "declared_letters")
#: The keys of one ``[macros]`` entry.
MACRO_KEYS = ("args", "body")

#: The profile used when a source names none.
DEFAULT_PROFILE = "post"

#: Roles a function name may play: the AST's functions plus the returns R_τ and G_τ^t.
FUNCTION_ROLES = FUNCTIONS + ("R", "G", "pi'")  # pi': a second policy's own letter (β), read as π'

_DIR = Path(__file__).with_name("profiles")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _frozen(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class Macro:
    """A site macro: ``\\name`` with ``args`` braced arguments, replaced by ``body`` (``#1``, ``#2``, …)."""

    name: str
    args: int
    body: str

    def expand(self, arguments: list[str]) -> str:
        out = self.body
        for i, a in enumerate(arguments, 1):
            out = out.replace(f"#{i}", a)
        return out


@dataclass(frozen=True)
class Profile:
    """A validated notation profile.  Build with :func:`load_profile` or :meth:`Profile.from_mapping`."""

    name: str
    description: str
    time_base: int
    objective: str
    occupancy_normalised: bool
    policy_pair_form: bool
    log: str
    initial_state: str
    kernel_form: str = "scripts"
    functions: Mapping[str, str] = field(default_factory=dict)
    symbols: Mapping[str, str] = field(default_factory=dict)
    variables: Mapping[str, str] = field(default_factory=dict)
    spaces: Mapping[str, str] = field(default_factory=dict)
    macros: Mapping[str, Macro] = field(default_factory=dict)
    #: The setting every quantity follows: ``discounted`` or ``finite-horizon-undiscounted`` (γ = 1, episodic).
    setting: str = "discounted"
    #: What T is the time of: the trajectory's last ``state`` (the post, S&B) or its last ``action`` (Spinning Up,
    #: CS285: τ = (s_0, a_0, …, a_T, s_{T+1})).
    last_time: str = "state"
    #: r_{t} is the reward of (s_t, a_t) (``same``) or of (s_{t−1}, a_{t−1}) (``next``: S&B's R_{t+1} follows A_t).
    reward_index: str = "same"
    #: The reward-to-go is G_τ^t (``superscript``) or G_t (``subscript``, S&B).
    return_time: str = "superscript"
    #: A free state ranges over ``all`` the model's states or the ``nonterminal`` ones (S&B's 𝒮, not 𝒮⁺).
    free_states: str = "all"
    #: ``v depends on s`` (``q depends on s, a``) is ``refused`` (v is the model's value) or makes the undecorated
    #: letter an ``arbitrary`` vector (theory notes: "T_π v = r_π + γP_π v, where v ∈ ℝ^S"; v^π stays the value).
    declared_letters: str = "refused"
    #: ∇ with no subscript is ∇_θ (θ the only parameter).
    bare_gradient: bool = False
    #: One display of the profile that pgverify checks (``pgverify profiles`` prints it).
    example: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "<mapping>") -> "Profile":
        """Validate ``data`` (the TOML layout of ``profiles/post.toml``) into a profile."""
        def need(key: str, kind: type) -> Any:
            if key not in data:
                raise ProfileError(f"profile {source} has no {key!r}")
            value = data[key]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise ProfileError(f"profile {source}: {key}={value!r} is not a {kind.__name__}")
            return value

        unknown = sorted(set(data) - set(KEYS))
        if unknown:
            raise ProfileError(f"profile {source}: unknown key{'s' if len(unknown) > 1 else ''} "
                               f"{', '.join(map(repr, unknown))} (known: {', '.join(KEYS)})")
        example = data.get("example", "")
        if not isinstance(example, str):
            raise ProfileError(f"profile {source}: example={example!r} is not a string (one display in the profile's "
                               f"notation)")
        time_base = need("time_base", int)
        if time_base not in (0, 1):
            raise ProfileError(f"profile {source}: time_base={time_base!r} must be 0 or 1")
        log = need("log", str)
        if log not in ("\\log", "\\ln"):
            raise ProfileError(f"profile {source}: log={log!r} must be '\\\\log' or '\\\\ln'")
        kernel_form = str(data.get("kernel_form", "scripts"))
        if kernel_form not in ("scripts", "given"):
            raise ProfileError(f"profile {source}: kernel_form={kernel_form!r} must be 'scripts' (𝒫_s^a(s')) or "
                               f"'given' (p(s'|s, a))")
        functions = dict(data.get("functions", {}))
        for k, v in functions.items():
            if v not in FUNCTION_ROLES:
                raise ProfileError(f"profile {source}: function {k!r} has role {v!r}, not one of {FUNCTION_ROLES}")
        variables = dict(data.get("variables", {}))
        for k, v in variables.items():
            if v not in SORTS:
                raise ProfileError(f"profile {source}: variable {k!r} has sort {v!r}, not one of {SORTS}")
        symbols = dict(data.get("symbols", {}))
        spaces = dict(data.get("spaces", {}))
        seen: dict[str, str] = {}
        for table, entries in (("functions", functions), ("symbols", symbols), ("variables", variables),
                               ("spaces", spaces)):
            for k in entries:
                if k in seen:
                    raise ProfileError(f"profile {source}: {k!r} is in both [{seen[k]}] and [{table}]")
                seen[k] = table
        choices = {}
        for key, allowed in (("setting", ("discounted", "finite-horizon-undiscounted")), ("last_time", ("state", "action")),
                             ("free_states", ("all", "nonterminal")), ("declared_letters", ("refused", "arbitrary")),
                             ("reward_index", ("same", "next")), ("return_time", ("superscript", "subscript"))):
            choices[key] = data.get(key, allowed[0])
            if choices[key] not in allowed:
                raise ProfileError(f"profile {source}: {key}={choices[key]!r} must be one of {', '.join(allowed)}")
        for key, kind in (("bare_gradient", bool), ("example", str), ("description", str),
                          ("occupancy_normalised", bool), ("policy_pair_form", bool)):
            if key in data and not isinstance(data[key], kind):
                raise ProfileError(f"profile {source}: {key}={data[key]!r} is not a {kind.__name__}")
        if data.get("occupancy_normalised", True) is False:
            raise ProfileError(f"profile {source}: occupancy_normalised = false (d as the expected discounted visits, "
                               f"not a distribution) is not evaluated: d is the normalised occupancy (1 − γ)Σ_t γ^t ℙ(s_t = s)")
        macros = {}
        for k, m in dict(data.get("macros", {})).items():
            if isinstance(m, Mapping) and set(m) - set(MACRO_KEYS):
                raise ProfileError(f"profile {source}: macro {k!r} has unknown key(s) "
                                   f"{', '.join(map(repr, sorted(set(m) - set(MACRO_KEYS))))} (known: args, body)")
            if not isinstance(m, Mapping) or not isinstance(m.get("args"), int) or not isinstance(m.get("body"), str):
                raise ProfileError(f"profile {source}: macro {k!r} needs an integer 'args' and a string 'body'")
            macros[k] = Macro(k, m["args"], m["body"])
        return cls(name=need("name", str), description=str(data.get("description", "")), time_base=time_base,
                   objective=need("objective", str), occupancy_normalised=bool(data.get("occupancy_normalised", True)),
                   policy_pair_form=bool(data.get("policy_pair_form", False)), log=log,
                   initial_state=need("initial_state", str), kernel_form=kernel_form, functions=_frozen(functions), symbols=_frozen(symbols),
                   variables=_frozen(variables), spaces=_frozen(spaces), macros=_frozen(macros),
                   bare_gradient=bool(data.get("bare_gradient", False)), example=example,
                   **choices)

    # Reverse look-ups, for rendering back: the first LaTeX name listed for a role wins.
    def latex_of_function(self, role: str) -> str | None:
        return next((k for k, v in self.functions.items() if v == role), None)

    def latex_of_symbol(self, name: str) -> str | None:
        return next((k for k, v in self.symbols.items() if v == name), None)

    def latex_of_space(self, name: str) -> str | None:
        return next((k for k, v in self.spaces.items() if v == name), None)


_CACHE: dict[str, Profile] = {}


def profile_names() -> tuple[str, ...]:
    """The profiles shipped with pgverify."""
    return tuple(sorted(p.stem for p in _DIR.glob("*.toml")))


def load_profile(name: "str | Path | Profile") -> Profile:
    """The shipped profile ``name`` (``"post"``, ``"textbook"``), or a profile read from a ``.toml`` path."""
    if isinstance(name, Profile):
        return name
    key = str(name)
    if key in _CACHE:
        return _CACHE[key]
    path = Path(key)
    if path.suffix != ".toml":
        if not _NAME.match(key) or not (_DIR / f"{key}.toml").is_file():
            raise ProfileError(f"no profile named {key!r}; shipped profiles: {', '.join(profile_names())}")
        path = _DIR / f"{key}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"profile file {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(f"profile file {str(path)!r} is not valid TOML: {e}") from None
    profile = Profile.from_mapping(data, source=str(path))
    _CACHE[key] = profile
    return profile


def profiles_knowing(latex: str, *, besides: str | None = None) -> tuple[str, ...]:
    """The shipped profiles (other than ``besides``) that give the LaTeX name ``latex`` a meaning.

    >>> profiles_knowing("\\\\gamma", besides="post")
    ('cs285', 'gae', 'spinningup', 'sutton-barto', 'textbook', 'theory')
    """
    out = []
    for name in profile_names():
        p = load_profile(name)
        if p.name != besides and any(latex in table for table in (p.functions, p.symbols, p.variables, p.spaces)):
            out.append(p.name)
    return tuple(out)


def listing() -> str:
    """Every shipped profile: its name, its description and one example display in its notation."""
    blocks = []
    for name in profile_names():
        p = load_profile(name)
        lines = [f"{p.name}{' (default)' if p.name == DEFAULT_PROFILE else ''}", f"    {p.description}"]
        if p.example:
            lines.append(f"    example: {p.example}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
