"""Shared fixtures. The method registry is found once (as the CLI does at start-up) and reused.

Hypothesis profiles: "ci" (chosen when the CI environment variable is set) draws the same
cases on every run (derandomize), so a red build can be re-run and shows the same failure;
"dev" (local runs) draws new cases each time, twice as many, and keeps failures in the
local example database to replay them.  HYPOTHESIS_PROFILE=ci|dev picks one explicitly.
Tests scale their own example counts with :func:`builders.examples`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# both from hypothesis' own defaults (it loads a profile of its own when CI is set)
_base = settings.get_profile("default")
settings.register_profile("ci", _base, max_examples=100, derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("dev", _base, max_examples=200, deadline=None)


def profile_name(env=os.environ) -> str:
    return env.get("HYPOTHESIS_PROFILE") or ("ci" if env.get("CI") else "dev")


settings.load_profile(profile_name())

sys.path.insert(0, str(Path(__file__).parent))  # tests/builders.py

from builders import registry as _registry  # noqa: E402


def pytest_configure(config):
    """One office signing key (finalize needs one) and one plan cache folder for the whole session; subprocesses inherit both."""
    import shutil
    import tempfile

    from scoring.history.seal import KEY_ENV, keygen

    if not os.environ.get(KEY_ENV):
        folder = Path(tempfile.mkdtemp(prefix="scoring-test-key-"))
        keygen(folder / "office.key")
        os.environ[KEY_ENV] = str(folder / "office.key")
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))  # a private key: never left in /tmp
    # The plan cache of every test (and of the commands they start) in a folder of the session's own, never
    # the user's; set before collection, since some test modules load criteria as they are imported. Later
    # tests read the plans earlier ones wrote, as a user's later runs do.
    cache = Path(tempfile.mkdtemp(prefix="scoring-test-cache-"))
    os.environ["XDG_CACHE_HOME"] = str(cache)
    os.environ.pop("SCORING_PLAN_CACHE", None)
    config.add_cleanup(lambda: shutil.rmtree(cache, ignore_errors=True))


@pytest.fixture
def registry():
    return _registry()


@pytest.fixture
def methods():
    return _registry().methods


@pytest.fixture(scope="session")
def serve_template(tmp_path_factory):
    """A history store set up for `scoring serve` from the bundled example → (path, initial passwords).
    Made once (64 accounts, each a scrypt hash); tests copy the file and work on the copy."""
    pytest.importorskip("starlette", reason="the portal needs the serve extra: pip install -e '.[serve]'")
    from serve_support import set_up

    db = tmp_path_factory.mktemp("serve-template") / "office.sqlite"
    return db, set_up(db)
