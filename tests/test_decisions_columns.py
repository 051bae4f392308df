"""Decision rules read this year's outcomes as columns (records are made only for the units named):
for every kind of condition, on categories drawn with ties, failures and vetoes, the columns give
the same hits in the same order, the same line, nearest unit outside and distance as the records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from builders import examples
from scoring.api import load_criteria
from scoring.core.criteria import Condition
from scoring.core.decisions import Outcomes, evaluate

CRITERIA = load_criteria(Path(__file__).parent.parent / "criteria" / "yitong-2020.toml").plan.criteria
CATS = CRITERIA.categories
CONDITIONS = [
    Condition(total_below=85),
    Condition(total_below=0),
    Condition(grade=["较差"]),
    Condition(grade=["较差", "一般"]),
    Condition(bottom=1),
    Condition(bottom=3),
    Condition(bottom=50),
    Condition(bottom_percent=10.0),
    Condition(bottom_percent=10.0, rounding="floor"),
    Condition(veto="fail"),
    Condition(veto="no_excellent"),
    Condition(veto="V1"),
]


@st.composite
def outcomes(draw):
    n = draw(st.integers(0, 40))
    cats = [draw(st.sampled_from(CATS)) for _ in range(n)]
    total = [draw(st.sampled_from([60.0, 79.99, 80.0, 84.5, 85.0, 88.0, 90.0, 95.25])) for _ in range(n)]
    rank = np.zeros(n, np.int64)
    for c in set(cats):  # competition ranks within each category, ties share the better rank
        at = [k for k in range(n) if cats[k] == c]
        for k in at:
            rank[k] = 1 + sum(total[j] > total[k] for j in at)
    if draw(st.booleans()):  # vetoes and tie-breaks move ranks away from the totals' order
        rank = np.array([draw(st.integers(1, 4)) for _ in range(n)], np.int64)
    of = [cats.count(c) for c in cats]
    grade = [draw(st.sampled_from(["优秀", "良好", "一般", "较差", None])) for _ in range(n)]
    failed = [draw(st.booleans()) for _ in range(n)]
    no_exc = [draw(st.booleans()) for _ in range(n)]
    vetoes = {k: v for k in range(n) if (v := draw(st.sampled_from([(), ("V1",), ("V2",), ("V1", "V2"), ("fail",)])))}
    return Outcomes(
        2020,
        [f"U{k}" for k in range(n)],
        [f"单位{k}" for k in range(n)],
        cats,
        np.array(total, float),
        rank,
        np.array(of, np.int64),
        grade,
        np.array(failed, bool),
        np.array(no_exc, bool),
        vetoes,
    )


@settings(max_examples=examples(150), deadline=None)
@given(outcomes(), st.sampled_from(CONDITIONS))
def test_columns_evaluate_as_records(current, cond):
    for cat in CATS:
        records = [o for o in current if o.category == cat]
        assert repr(evaluate(cond, current.group(cat), CRITERIA, cat, 2)) == repr(evaluate(cond, records, CRITERIA, cat, 2))


def _two_units() -> Outcomes:
    return Outcomes(
        2020,
        ["A", "B"],
        ["甲", "乙"],
        CATS[:2],
        np.array([90.5, 70.0]),
        np.array([1, 1]),
        np.array([1, 1]),
        ["优秀", "较差"],
        np.array([False, True]),
        np.array([False, False]),
        {1: ("V1",)},
    )


def test_outcomes_read_as_a_sequence_of_records():
    current = _two_units()
    a, b = current
    assert (a.unit_id, a.total, a.rank, a.failed, a.vetoes) == ("A", 90.5, 1, False, ())
    assert (b.unit_id, b.grade, b.failed, b.vetoes, b.name) == ("B", "较差", True, ("V1",), "乙")
    assert current[-1] is b and current[0:1] == [a] and len(current) == 2
    assert type(a.total) is float and type(a.rank) is int  # Python numbers, as records from a store hold them


def test_records_refuses_a_position_outside_the_units():
    """records() takes positions, not Python's negative indexes: -1 is no unit (current[-1] is the
    sequence's own reading, done before records is asked)."""
    current = _two_units()
    for k in (-1, -3, 2):
        with pytest.raises(IndexError):
            current.records([0, k])
    assert [o.unit_id for o in current.records([1, 0])] == ["B", "A"] and current[-1].unit_id == "B"


@settings(max_examples=examples(100), deadline=None)
@given(outcomes(), outcomes(), st.sampled_from(["none", "empty", "one", "drafts"]))
def test_decide_on_columns_is_decide_on_records(current, earlier, past):
    """Every rule of the criteria (look-back ones too) proposes the same, in the same order, whether
    this year's outcomes come as columns or as records; with no history, an empty one, a year of it,
    or only drafts."""
    from dataclasses import replace

    from scoring.core.decisions import decide
    from scoring.history.lookback import DecisionHistory

    year = CRITERIA.assessment.year
    history = {
        "none": None,
        "empty": {},
        "one": {year - 1: [replace(o, year=year - 1) for o in earlier]},
        "drafts": DecisionHistory({}, [year - 1, year - 2]),
    }[past]
    assert repr(decide(CRITERIA, current, history)) == repr(decide(CRITERIA, list(current), history))


@settings(max_examples=examples(60), deadline=None)
@given(outcomes(), st.booleans())
def test_a_past_without_these_units_is_no_past(current, drafts):
    """When no unit has an outcome in a look-back rule's window, its call is made once for all of them;
    it must be the call made unit by unit (forced here by an outcome of some other unit in the window)."""
    from scoring.core.decisions import Outcome, decide
    from scoring.history.lookback import DecisionHistory

    year = CRITERIA.assessment.year
    other = [Outcome(y, "不在名单", CATS[0], 80.0, 1, 1, "较差") for y in (year - 1, year - 2)]
    draft_years = [year - 1, year - 2] if drafts else []
    bare = decide(CRITERIA, current, DecisionHistory({}, draft_years))
    assert repr(bare) == repr(decide(CRITERIA, current, DecisionHistory({y: [o] for o in other for y in [o.year]}, draft_years)))
    assert any(r.rule.look_back for r in bare)
