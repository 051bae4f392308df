"""Shared fixtures. The method registry is found once (as the CLI does at start-up) and reused."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/builders.py

from builders import registry as _registry  # noqa: E402


def pytest_configure(config):
    """One office signing key for the whole session (finalize needs one; subprocesses inherit it)."""
    import os
    import tempfile

    from scoring.history.seal import KEY_ENV, keygen

    if not os.environ.get(KEY_ENV):
        folder = Path(tempfile.mkdtemp(prefix="scoring-test-key-"))
        keygen(folder / "office.key")
        os.environ[KEY_ENV] = str(folder / "office.key")


@pytest.fixture
def registry():
    return _registry()


@pytest.fixture
def methods():
    return _registry().methods
