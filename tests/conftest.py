"""Hypothesis profiles: ``ci`` is loaded by Hypothesis itself when CI is set; ``dev`` is quicker."""

import os

from hypothesis import settings

settings.register_profile("dev", max_examples=30, deadline=None)
if not os.environ.get("CI"):
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# Symbolic proofs are cached on disk (pgverify.cache): keep the tests' cache out of the user's home.
if not os.environ.get("PGVERIFY_CACHE_DIR"):
    import tempfile

    os.environ["PGVERIFY_CACHE_DIR"] = tempfile.mkdtemp(prefix="pgverify-test-cache-")
