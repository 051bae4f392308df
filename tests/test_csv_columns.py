"""The ranked CSV is built a column at a time; it must be exactly what the cell-by-cell writing gives
(``csv.writer``, ``neutralise`` and ``fmt`` per cell)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import examples
from report_support import small
from scoring.core.explain import ranked
from scoring.core.rounding import each_distinct, fmt, fmt_column, round_array
from scoring.report.decisions import unit_texts
from scoring.report.output import _heads, _veto_text, as_csv, csv_chunks, csv_text, neutralise

NaN = float("nan")

# numbers as a ranked table holds them: already rounded (k / 10^places), a few not, repeated, -0.0, NaN, huge
_NUMBER = st.one_of(
    st.integers(-(10**6), 10**6).map(lambda k: k / 100),
    st.integers(-(10**4), 10**4).map(lambda k: k / 1000),
    st.sampled_from([0.0, -0.0, NaN, 1e18, -2.5, 2.675, 0.125, 1e15 + 0.5]),
    st.floats(-1e9, 1e9),
)


def _fmt_column_cell_by_cell(values: list[float], places: int) -> list[str]:
    return [fmt(x, places) for x in values]


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(_NUMBER, min_size=0, max_size=150), st.integers(0, 4), st.booleans())
def test_fmt_column_is_fmt_of_each_value(values, places, rounded):
    if rounded:  # the usual case: a column the engine has rounded already
        values = [float(x) for x in round_array(np.array(values, dtype=float), places)]
    assert fmt_column(np.array(values, dtype=float), places) == _fmt_column_cell_by_cell(values, places)


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(_NUMBER, max_size=150).map(lambda v: v * (1 + 64 // (len(v) or 1))), st.lists(st.integers(-(2**62), 2**62), max_size=150))
def test_each_distinct_value_gets_its_own_text(floats, ints):
    a = np.array(floats, dtype=float)
    assert each_distinct(a, repr) == [repr(x) for x in floats]  # -0.0 and 0.0 told apart
    assert each_distinct(np.array(ints, dtype=np.int64), str) == [str(x) for x in ints]
    signed = [0.0, -0.0, NaN, 1.5] * 40
    assert each_distinct(np.array(signed), repr) == [repr(x) for x in signed]


_CELL = st.text(st.sampled_from(list("0123456789.-_ Az县政府办公室乡镇（）=+@,\"'\r\n\x00\t")), max_size=6)


def _written(rows, columns) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerows(rows)
    w.writerows(zip(*columns))
    return buf.getvalue()


@settings(max_examples=examples(300), deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda w: st.tuples(
            st.lists(st.lists(_CELL, min_size=w, max_size=w), max_size=2),
            st.integers(0, 8).flatmap(lambda h: st.lists(st.lists(_CELL, min_size=h, max_size=h), min_size=w, max_size=w)),
        )
    )
)
def test_csv_text_is_what_csv_writer_writes(table):
    rows, columns = table
    assert csv_text(rows, columns) == _written(rows, columns)


def _as_csv_cell_by_cell(res, lang="zh") -> str:
    """The ranked CSV written a cell at a time, as it was before it was built by columns."""
    places = res.criteria.assessment.precision
    buf = io.StringIO()
    w = csv.writer(buf)
    prev = None
    for cs in res.categories.values():
        mods = list(cs.modules.values())
        header = _heads(lang, "rank", "id", "name", "total") + [f"{m.module.name}({fmt(m.weight)})" for m in mods] + _heads(lang, "grade", "veto")
        if header != prev:
            w.writerow(_heads(lang, "category") + header)
            prev = header
        for p in ranked(res, cs):
            i = int(cs.index[p])
            veto = _veto_text(cs, p, lang) if any(v.hit[p] for v in cs.vetoes) else ""
            numbers = [fmt(float(cs.total[p]), places)] + [fmt(float(m.contribution[p]), places) for m in mods]
            w.writerow(
                [
                    cs.category,
                    str(int(cs.rank[p])),
                    neutralise(res.data.ids[i]),
                    neutralise(res.data.names[i]),
                    *numbers,
                    neutralise(cs.grade[p] or ""),
                    neutralise(veto),
                ]
            )
    return buf.getvalue()


_NAME = st.text(st.sampled_from(list("县政府办公室乡镇甲乙=+-@,\"\r\n 1.")), min_size=1, max_size=5)


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(_NAME, min_size=1, max_size=90, unique=True), st.integers(0, 3))
def test_ranked_csv_is_the_one_written_cell_by_cell(names, seed):
    res, _ = small(names, seed=seed)
    assert as_csv(res) == _as_csv_cell_by_cell(res)
    assert as_csv(res, "en") == _as_csv_cell_by_cell(res, "en")


@pytest.mark.parametrize("block", [1, 2, 10_000])
def test_the_ranked_csv_is_written_a_block_of_a_categorys_rows_at_a_time(block):
    res, _ = small(["甲", "乙", "丙", "丁", "戊"])
    pieces = list(csv_chunks(res, block=block))
    sizes = [len(cs.index) for cs in res.categories.values()]
    assert len(sizes) > 1 and len(pieces) == sum(-(-n // block) for n in sizes)  # a category's rows are never in one piece with another's
    assert "".join(pieces) == as_csv(res) == _as_csv_cell_by_cell(res)
    rank = _heads("zh", "rank")[0]
    assert all(len([r for r in csv.reader(io.StringIO(p)) if r[1] != rank]) <= block for p in pieces)


def test_the_usual_table_is_joined_not_quoted():
    res, _ = small(["甲", "乙", "丙", "丁"])
    text = as_csv(res)
    assert '"' not in text and text.count("\r\n") == 4 + 2  # a header per category, a line per unit
    assert text == _as_csv_cell_by_cell(res)


@settings(max_examples=examples(20), deadline=None)
@given(st.lists(_NAME, min_size=2, max_size=40, unique=True), st.integers(0, 3), st.sampled_from(["zh", "en"]))
def test_with_decisions_the_csv_says_what_each_rule_proposes_for_each_unit_and_nothing_else(names, seed, lang):
    res, decisions = small(names, seed=seed)
    rows = list(csv.reader(io.StringIO(as_csv(res, lang))))
    with_decisions = list(csv.reader(io.StringIO("".join(csv_chunks(res, lang, proposed=lambda: unit_texts(decisions, lang)[0])))))
    head = _heads(lang, "decisions")[0]
    assert len(with_decisions) == len(rows) and head not in rows[0]
    caught: dict[str, list[str]] = {}
    for r in decisions:
        for c in r.catches:
            caught.setdefault(c.unit.unit_id, []).append(r.rule.id)
    assert caught  # the small criteria's rules catch someone at every seed
    for plain, full in zip(rows, with_decisions):
        assert full[:-1] == plain  # the ranked table itself is untouched
        if full[-1] == head:
            continue
        said = [line.split(" ")[0] for line in full[-1].split("\n")] if full[-1] else []
        assert said == caught.get(full[2], [])  # full[2]: the unit's id; one line per rule, in the rules' order
