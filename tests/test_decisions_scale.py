"""Bottom-N rules at scale: who is caught is what the definition says, without comparing every pair."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from builders import examples
from scoring.core.criteria import Condition, Criteria
from scoring.core.decisions import Outcome, evaluate

CRITERIA = Criteria.model_validate(
    {
        "assessment": {"name": "t", "year": 2024, "categories": ["部门"]},
        "modules": [{"id": "m", "name": "m", "weights": {"部门": 100}}],
        "indicators": [{"id": "a", "module": "m", "name": "a", "full": 100, "method": "supplied", "field": "f"}],
        "fields": [{"name": "f"}],
    }
)


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.integers(1, 12), min_size=1, max_size=30), st.integers(1, 35))
def test_bottom_n_catches_the_units_with_fewer_than_n_ranked_below(ranks, k):
    group = [Outcome(2024, f"U{i}", "部门", 100.0 - r, r, len(ranks), None) for i, r in enumerate(ranks)]
    hits, *_ = evaluate(Condition(bottom=k), group, CRITERIA, "部门", 2)
    k = min(k, len(group))
    expect = {u.unit_id for u in group if sum(1 for v in group if v.rank > u.rank) < k}
    assert {h.unit.unit_id for h in hits} == expect
