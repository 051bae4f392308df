"""`--format json` is written a unit at a time; the document is the one built whole would give."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import NaN
from helpers import cli_process
from scoring.core.dataset import Dataset
from scoring.api import load_criteria
from scoring.core.engine import score
from scoring.core.explain import ranked, unit_sheet
from scoring.load.submissions import read_folder
from scoring.report.output import SCHEMA, as_json, dump_json, json_chunks

ROOT = Path(__file__).resolve().parent.parent


def _whole(res, lang, stamp=None, extra=None) -> str:
    """The document built in memory at once, as it was before it was streamed."""
    a = res.criteria.assessment
    doc = {
        "schema": SCHEMA,
        "assessment": {"name": a.name, "year": a.year, "office": a.office, "precision": a.precision, "total": a.total},
        "categories": [{"name": cs.category, "units": [unit_sheet(res, cs, p, lang) for p in ranked(res, cs)]} for cs in res.categories.values()],
    }
    if stamp is not None:
        doc["stamp"] = stamp.as_dict()
        if stamp.gaps:
            doc["blank_gaps"] = stamp.gaps_as_dicts()
    doc.update(extra or {})
    return dump_json(doc)


class _Stamp:
    gaps = (("U1", "一局", "得分", "A1", "zero"),)

    def as_dict(self):
        return {"criteria": "abc", "run": None, "版本": [1, 2.5]}

    def gaps_as_dicts(self):
        return [dict(zip(("unit", "name", "field", "item", "policy"), g)) for g in self.gaps]


def test_pieces_make_the_whole_document():
    plan = load_criteria(str(ROOT / "criteria" / "yitong-2020.toml")).plan
    res = score(plan, read_folder(ROOT / "examples" / "yitong-2020", plan.criteria))
    for lang in ("zh", "en"):
        assert as_json(res, lang) == _whole(res, lang)
        extra = {"decisions": [{"rule": "R1", "units": ["A", "B"]}]}
        assert as_json(res, lang, _Stamp(), extra) == _whole(res, lang, _Stamp(), extra)
        # a key given again in extra takes the place it had, as dict.update does
        assert as_json(res, lang, None, {"schema": "x", "more": 1}) == _whole(res, lang, None, {"schema": "x", "more": 1})
        # sheets made a block of units at a time, their lines a column at a time: the same text at any block size,
        # written a sheet at a time
        for block in (1, 7, 1000):
            pieces = list(json_chunks(res, lang, _Stamp(), extra, block=block))
            assert "".join(pieces) == _whole(res, lang, _Stamp(), extra)
            assert max(p.count('"indicators":[') for p in pieces) == 1
            assert len(pieces) > sum(len(cs.index) for cs in res.categories.values())


def test_the_written_file_is_valid_and_compact(tmp_path):
    out = tmp_path / "r.json"
    p = cli_process("run", "criteria/yitong-2020.toml", "--data", "examples/yitong-2020", "--decide", "--format", "json", "--out", out, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    text = out.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert text == dump_json(doc) and "decisions" in doc and "stamp" in doc
    q = cli_process("run", "criteria/yitong-2020.toml", "--data", "examples/yitong-2020", "--decide", "--format", "json", cwd=ROOT)
    assert q.stdout == text  # the same pieces on the terminal


def test_sheets_with_a_cut_bonus_and_vetoes_are_the_whole_document(tmp_path):
    """A unit's head is written a column at a time; a bonus cut by the module's range, and vetoes, as
    unit_sheet writes them; then the benchmark's county criteria (every built-in method, blanks)."""
    import subprocess
    import sys

    from test_engine import plan_of, small, small_data

    doc = small(vetoes=True)
    doc["fields"] += [{"name": "通报次数", "kind": "count"}]
    doc["modules"][0]["bonus"] = {"min": -2, "max": 2}
    doc["indicators"].append(
        {"id": "B", "module": "fz", "name": "通报批评", "full": 3, "bonus": True, "method": "events_by_level", "params": {"per": {"通报次数": 1}}}
    )
    res = score(plan_of(doc), small_data(通报次数=[0, 0, 3], 备案率=[100, 100, 100], 否决=[0, 1, 0], 否优=[1, 0, 0]))
    whole = _whole(res, "zh")
    assert whole.count('"bonus_items":') == 1 and whole.count('"vetoes":[{') == 2
    for block in (1, 2, 1000):
        assert "".join(json_chunks(res, "zh", block=block)) == whole
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "county", "--out", str(tmp_path)], check=True, capture_output=True)
    crit = load_criteria(str(tmp_path / "county" / "criteria.toml"))
    res = score(crit.plan, read_folder(tmp_path / "county" / "data", crit.plan.criteria))
    for lang in ("zh", "en"):
        whole = _whole(res, lang)
        for block in (7, 1000):
            assert "".join(json_chunks(res, lang, block=block)) == whole


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)  # quotes, backslashes, NUL, CJK …
_VALUE = st.one_of(
    st.sampled_from([0.0, -0.0, 4.0, 6.0, 100.0, NaN]),  # repeats: each sentence asked once, shared
    st.decimals(0, 100, places=2).map(float),
    st.floats(0, 100, allow_nan=False),  # any number of decimals: written without the decimal shortcut
)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_any_names_and_numbers_are_written_as_json_writes_them(data):
    """The sheets of many units, their texts escaped a column at once and their numbers written a
    block at a time, are the document json.dumps writes: names with any characters, values with
    any decimals, -0.0, NaN, repeated values (one sentence each), an item's own cap."""
    from test_engine import plan_of, small

    n = data.draw(st.integers(1, 40))
    doc = small(missing="zero", vetoes=True)
    doc["indicators"][0]["max_deduction"] = 20  # an item's own cap: said after the method's sentence
    names = data.draw(st.lists(_TEXT, min_size=n, max_size=n))
    values = {f: data.draw(st.lists(_VALUE, min_size=n, max_size=n)) for f in ("学法次数", "备案率", "党建得分")}
    values["学法次数"] = [abs(round(v)) if v == v else 0.0 for v in values["学法次数"]]
    values["党建得分"] = [0.0 if v != v else v for v in values["党建得分"]]
    ids = [f"U{k}" + names[k][:2] for k in range(n)]
    cats = data.draw(st.lists(st.sampled_from(["党群部门", "政府部门"]), min_size=n, max_size=n))
    cols = {**{f: np.asarray(v, dtype=float) for f, v in values.items()}, "否决": np.zeros(n), "否优": np.asarray([k % 3 == 0 for k in range(n)], dtype=float)}
    res = score(plan_of(doc), Dataset(ids, names, cats, cols))
    for lang in ("zh", "en"):
        whole = _whole(res, lang)
        for block in (3, 1000):
            assert "".join(json_chunks(res, lang, block=block)) == whole


def test_a_reason_is_asked_once_for_units_with_the_same_values(monkeypatch):
    """lost_reasons gets each distinct set of inputs and points once; every unit with it has its sentence."""
    from scoring.core.methods import Method
    from test_engine import plan_of, small

    asked: list[int] = []
    plan = plan_of(small())
    method = type(plan.leaves["F1"].method)  # quota: the default lost_reasons, through lost_reason

    def counting(self, p, inputs, points, *args):
        asked.append(len(points))
        return Method.lost_reasons(self, p, inputs, points, *args)

    monkeypatch.setattr(method, "lost_reasons", counting)
    n = 30
    cols = {"学法次数": np.asarray([4.0, 2.0, 6.0] * 10), "备案率": np.full(n, 100.0), "党建得分": np.full(n, 90.0)}
    res = score(plan, Dataset([f"U{k}" for k in range(n)], [f"单位{k}" for k in range(n)], ["政府部门"] * n, cols))
    assert "".join(json_chunks(res, "zh")) == _whole(res, "zh")
    assert asked == [2]  # 20 units lost points, with two distinct counts


def test_lines_made_from_the_numbers_alone_are_told_apart_by_every_number_they_show():
    """A 0 ÷ 0 line and a capped group's line are made once per set of what they show (for units with
    the same numbers): units whose submitted values, files or evidence differ keep their own lines."""
    from test_engine import plan_of, small

    doc = small(vetoes=True)
    doc["fields"] += [
        {"name": "出庭次数", "kind": "count"},
        {"name": "撤诉数", "kind": "count"},
        {"name": "应诉案件数", "kind": "count"},
        {"name": "出庭率", "kind": "rate", "formula": "(出庭次数 - 撤诉数) / (应诉案件数 - 撤诉数) * 100"},
    ]
    doc["indicators"][:2] = [
        {"id": "G", "module": "fz", "name": "依法行政", "full": 100, "max_deduction": 12},
        {"id": "G1", "parent": "G", "name": "会前学法", "full": 50, "method": "quota", "field": "学法次数", "params": {"required": 6, "per_short": 5}},
        {
            "id": "G2",
            "parent": "G",
            "name": "出庭应诉",
            "full": 50,
            "method": "rate_threshold",
            "field": "出庭率",
            "params": {"target": 80, "step": 10, "per_step": 10},
        },
    ]
    # units 0–3: 0 ÷ 0 from different numbers, files and evidence; 4–7: the group's cap waives 3, 8 or 13 points
    cols = {
        "出庭次数": [3, 0, 0, 0, 4, 4, 4, 4],
        "撤诉数": [3, 0, 0, 0, 0, 0, 0, 0],
        "应诉案件数": [3, 0, 0, 0, 5, 5, 5, 5],
        "学法次数": [6, 6, 6, 6, 3, 1, 1, 0],
        "备案率": [100] * 8,
        "党建得分": [90] * 8,
        "否决": [0] * 8,
        "否优": [0] * 8,
    }
    n = 8
    data = Dataset(
        [f"U{k}" for k in range(n)],
        [f"单位{k}" for k in range(n)],
        ["政府部门"] * n,
        {f: np.asarray(v, dtype=float) for f, v in cols.items()},
        sources={"撤诉数": "a.csv、b.csv", "出庭次数": "a.csv"},
        evidence={("U3", "出庭率"): "法院回执"},
        place_files=[("a.csv", None), ("b.csv", None)],
        place_of={"撤诉数": np.asarray([0, 0, 1, 0, 0, 0, 0, 0], dtype=np.int32), "出庭次数": np.zeros(n, dtype=np.int32)},
    )
    res = score(plan_of(doc), data)
    whole = _whole(res, "zh")
    assert whole.count('"status":"zero_denominator"') == 4 and whole.count('"cap":{') >= 3
    assert "".join(json_chunks(res, "zh")) == whole


_NUMBER = st.one_of(
    st.sampled_from([0.0, -0.0, NaN, 1e300, 2.0**41, -2.5, 0.125]),  # (scores are finite: no Infinity)
    st.decimals(-1000, 1000, places=2).map(float),
    st.floats(allow_nan=True, allow_infinity=False),
)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_block_of_number_columns_is_each_number_as_json_writes_it(data):
    """The numbers of a block's columns, written together (each distinct value once, multiples of
    10^-places without sorting): every one is the text json.dumps gives it, a column of one value one text."""
    from scoring.report.output import _number_columns

    n = data.draw(st.integers(1, 12))
    places = data.draw(st.integers(0, 4))
    columns = data.draw(st.lists(st.lists(_NUMBER, min_size=n, max_size=n), min_size=1, max_size=6))
    got = _number_columns([np.asarray(c, dtype=float) for c in columns], n, places)
    for col, texts in zip(columns, got):
        want = [b"null" if v != v else json.dumps(v).encode() for v in col]
        if isinstance(texts, bytes):
            assert len({np.float64(v).tobytes() for v in col}) == 1 and [texts] * n == want
        else:
            assert texts == want


def test_number_columns_keep_minus_zero_large_values_and_nulls_apart():
    from scoring.report.output import _number_columns

    def texts(*columns):
        return _number_columns([np.asarray(c, dtype=float) for c in columns], len(columns[0]), 2)

    assert texts([-0.0, 1.5, NaN]) == [[b"-0.0", b"1.5", b"null"]]  # -0.0 is a multiple of 0.01 that is not 0.0
    assert texts([0.0, 2.0**41, 0.25], [0.0, 0.5, 0.25]) == [[b"0.0", b"2199023255552.0", b"0.25"], [b"0.0", b"0.5", b"0.25"]]
    assert texts([1e300, -2.5, NaN], [0.1, 0.2, 0.30000000000000004]) == [[b"1e+300", b"-2.5", b"null"], [b"0.1", b"0.2", b"0.30000000000000004"]]


@settings(max_examples=40, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=5), st.data())
def test_reasons_given_as_distinct_texts_and_numbers_are_written_as_json_writes_them(texts, data):
    """A line's reasons handed over as each distinct sentence and every unit's number among them: each unit's
    text is the one json.dumps writes (quotes, backslashes, NUL, any character)."""
    from scoring.report.output import _Row

    codes = data.draw(st.lists(st.integers(0, len(texts) - 1), min_size=1, max_size=8))
    row = _Row(len(codes), 2)
    row.text(b"[")
    row.coded_strings(texts, np.asarray(codes))
    row.text(b"]")
    assert list(row.units()) == [("[" + json.dumps(texts[c], ensure_ascii=False) + "]").encode() for c in codes]


def test_reasons_that_hold_the_escape_of_a_nul_are_written_whole():
    from scoring.report.output import _Row

    texts, codes = ["甲\\u0000乙", "", 'a"\x00b'], [0, 1, 2, 0]
    for said in (texts, texts[:2]):
        row = _Row(len(codes), 2)
        row.coded_strings(said, np.asarray([c % len(said) for c in codes]))
        assert list(row.units()) == [json.dumps(said[c % len(said)], ensure_ascii=False).encode() for c in codes]


def test_sheets_made_on_two_processors_are_the_whole_document(monkeypatch):
    """Where the command line allows it, a forked process makes every second half-block of sheets: the
    document is the very one made on one processor, at any block size."""
    from scoring import parallel
    from scoring.report import output

    monkeypatch.setattr(parallel, "allowed", True)
    monkeypatch.setattr(output, "JSON_ON_TWO_FROM", 0)
    if not parallel.two_processors():
        pytest.skip("one processor: nothing is forked (the one-processor document is tested above)")
    made_here: list[int] = []
    real = output._sheet_block
    monkeypatch.setattr(output, "_sheet_block", lambda res, cs, rows, *rest, **kw: made_here.append(len(rows)) or real(res, cs, rows, *rest, **kw))
    plan = load_criteria(str(ROOT / "criteria" / "yitong-2020.toml")).plan
    res = score(plan, read_folder(ROOT / "examples" / "yitong-2020", plan.criteria))
    units = sum(len(cs.index) for cs in res.categories.values())
    for block in (1, 7, 1000):
        made_here.clear()
        assert "".join(json_chunks(res, "zh", _Stamp(), None, block=block)) == _whole(res, "zh", _Stamp())
        assert 0 < sum(made_here) < units  # the rest was made by the forked process
