"""CI draws the same hypothesis cases on every run; local runs draw more, and new ones."""

from __future__ import annotations

from hypothesis import settings

from builders import examples
from conftest import profile_name


def test_ci_is_fixed_and_dev_is_broader():
    ci, dev = settings.get_profile("ci"), settings.get_profile("dev")
    assert ci.derandomize and ci.database is None  # the same cases each run, nothing remembered between runs
    assert not dev.derandomize and dev.max_examples > ci.max_examples


def test_the_profile_follows_the_ci_variable():
    assert profile_name({"CI": "true"}) == "ci"
    assert profile_name({}) == "dev"
    assert profile_name({"CI": "true", "HYPOTHESIS_PROFILE": "dev"}) == "dev"


def test_example_counts_scale_with_the_loaded_profile():
    # the profiles registered in conftest.py: "ci" runs 100 examples, "dev" 200
    assert examples(40) == {"ci": 40, "dev": 80}[profile_name()]
