"""Shared fixtures: the method registry is found once per test session (as the CLI does at start-up)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/helpers.py

from scoring.plugins import load_registry  # noqa: E402


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture(scope="session")
def methods(registry):
    return registry.methods
