"""The disk cache of symbolic proofs: reused when nothing changed, never for code outside pgverify."""

from pgverify import cache
from pgverify.checker import Settings, check_claim
from pgverify.registry import Claim, select
from pgverify.statement import identity

FAST = Settings(seed=0, exact_points=1, numeric_examples=5)


def test_a_catalogue_proof_is_cached_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PGVERIFY_CACHE_DIR", str(tmp_path))
    claim = select(["setting.utility"])[0]
    first = next(c for c in check_claim(claim, FAST).checks if c.method == "symbolic")
    second = next(c for c in check_claim(claim, FAST).checks if c.method == "symbolic")
    assert not first.details.get("cached") and second.details["cached"]
    assert second.passed == first.passed and second.details["computed_seconds"] == first.seconds
    fresh = next(c for c in check_claim(claim, Settings(seed=0, exact_points=1, numeric_examples=5, cache=False)).checks
                 if c.method == "symbolic")
    assert not fresh.details.get("cached")


def test_claims_defined_elsewhere_are_never_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("PGVERIFY_CACHE_DIR", str(tmp_path))

    def users_claim(m):
        return identity(m.U, m.mu0 @ m.v)

    claim = Claim("user.claim", "User", "U = μᵀv", users_claim)
    assert not cache.cacheable(users_claim)
    for _ in range(2):
        sym = next(c for c in check_claim(claim, FAST).checks if c.method == "symbolic")
        assert not sym.details.get("cached")
    assert not list(tmp_path.rglob("*.json"))


def test_the_key_changes_with_the_family(tmp_path, monkeypatch):
    monkeypatch.setenv("PGVERIFY_CACHE_DIR", str(tmp_path))
    cache.store({"x": 1}, "a", "family-1")
    assert cache.load("a", "family-1") == {"x": 1} and cache.load("a", "family-2") is None


def test_a_derivation_redefined_under_the_same_name_is_never_served_a_stale_proof(tmp_path, monkeypatch):
    import pgverify

    monkeypatch.setenv("PGVERIFY_CACHE_DIR", str(tmp_path))

    @pgverify.derivation("the same name")
    def right(m):
        yield m.U
        yield m.mu0 @ m.v

    @pgverify.derivation("the same name")
    def wrong(m):
        yield m.U
        yield m.mu0 @ m.v * m.lam

    assert not cache.cacheable(right.claim.evaluate) and not cache.cacheable(wrong.claim.evaluate)
    assert pgverify.verify(right, FAST).verdict == "proved"
    result = pgverify.verify(wrong, FAST).result
    assert result.verdict == "refuted"
    sym = next(c for c in result.checks if c.method == "symbolic")
    assert sym.passed is False and not sym.details.get("cached")


def test_code_held_by_a_bound_object_a_partial_or_a_closure_makes_a_claim_uncacheable():
    import functools

    from pgverify.claims.setting import utility

    def users(m):
        return m.U

    def closure(m, f=None):
        return users(m)

    class Holder:
        def __init__(self, f):
            self.f = f

        def evaluate(self, m):
            return self.f(m)

    assert cache.cacheable(utility)
    assert cache.cacheable(functools.partial(utility))
    assert not cache.cacheable(Holder(utility).evaluate)  # the Holder's method is the user's code
    assert not cache.cacheable(functools.partial(lambda m, f: f(m), f=utility))
    assert not cache.cacheable(closure)
    assert cache.code_key(utility) == "pgverify.claims.setting.utility"


def test_the_key_covers_the_flint_engine():
    names = {name.replace("\\", "/") for name, _ in cache.sources()}
    assert {"symbolic/flint_field.py", "symbolic/pgt_proof.py", "numeric/flint_exact.py", "numeric/modular.py",
            "numeric/arithmetic.py", "pgverify/checker.py"} <= names
