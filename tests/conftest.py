"""Shared fixtures. The method registry is found once (as the CLI does at start-up) and reused."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/builders.py

from builders import registry as _registry  # noqa: E402


@pytest.fixture
def registry():
    return _registry()


@pytest.fixture
def methods():
    return _registry().methods
