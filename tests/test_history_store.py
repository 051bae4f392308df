"""The history store: round trips, final runs frozen, damaged or foreign files refused."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import examples
from history_support import dataset, record_for, tiny_criteria, tiny_folder, tiny_setup
from scoring.history.seal import finalize as seal_finalize
from scoring.cli import main
from scoring.errors import HistoryError
from scoring.history import canonical
from scoring.history.record import result_rows
from scoring.history.reproduce import verify
from scoring.history.store import APPLICATION_ID, VERSION, open_store

# ---------------------------------------------------------------------------- canonical data
values = st.one_of(st.just(float("nan")), st.floats(-1e9, 1e9, allow_nan=False), st.integers(0, 500).map(float))


@st.composite
def datasets(draw):
    n = draw(st.integers(0, 8))
    ids = draw(st.lists(st.text(min_size=1, max_size=6), min_size=n, max_size=n, unique=True))
    names = draw(st.lists(st.text(max_size=8), min_size=n, max_size=n))
    cats = draw(st.lists(st.sampled_from(["乡镇", "部门"]), min_size=n, max_size=n))
    fields = draw(st.lists(st.text(min_size=1, max_size=5), max_size=4, unique=True))
    cols = {f: draw(st.lists(values, min_size=n, max_size=n)) for f in fields}
    d = dataset(ids, cats, cols, names)
    if fields and n:
        d.sources[fields[0]] = draw(st.text(max_size=10))
        d.evidence[(ids[0], fields[0])] = draw(st.text(max_size=10))
    return d


def same_dataset(a, b) -> bool:
    return (
        a.ids == b.ids
        and a.names == b.names
        and a.categories == b.categories
        and a.sources == b.sources
        and a.evidence == b.evidence
        and a.values.keys() == b.values.keys()
        and all(np.array_equal(a.values[f], b.values[f], equal_nan=True) for f in a.values)
    )


@given(datasets())
def test_canonical_round_trip(d):
    raw = canonical.encode(d)
    back = canonical.decode(raw)
    assert same_dataset(d, back)
    assert canonical.encode(back) == raw  # the encoding is canonical: stable under a round trip
    assert canonical.unpack(canonical.pack(raw)) == raw


@given(datasets(), st.data())
def test_hash_changes_with_any_value(d, data):
    fields = [f for f in d.values if len(d)]
    if not fields:
        return
    f = data.draw(st.sampled_from(fields))
    i = data.draw(st.integers(0, len(d) - 1))
    before = canonical.data_hash(d)
    old = d.values[f][i]
    d.values[f] = d.values[f].copy()
    d.values[f][i] = 1.0 if np.isnan(old) else (np.nan if old == 1.0 else 1.0)
    assert canonical.data_hash(d) != before


def test_hash_ignores_column_order_and_negative_zero():
    a = dataset(["U1", "U2"], ["甲", "甲"], {"x": [0.0, 1], "y": [2, np.nan]})
    b = dataset(["U1", "U2"], ["甲", "甲"], {"y": [2, np.nan], "x": [-0.0, 1]})
    assert canonical.data_hash(a) == canonical.data_hash(b)


# ---------------------------------------------------------------------------- store round trip
units_st = st.integers(1, 9).flatmap(
    lambda n: st.tuples(
        st.lists(st.sampled_from(["甲", "乙"]), min_size=n, max_size=n),
        st.lists(st.integers(0, 1000).map(lambda x: x / 10), min_size=n, max_size=n),
        st.lists(st.one_of(st.none(), st.integers(0, 30)), min_size=n, max_size=n),
        st.lists(st.sampled_from([0, 0, 0, 1]), min_size=n, max_size=n),
        st.lists(st.text("东西南北城镇乡局委办", min_size=1, max_size=5), min_size=n, max_size=n),
    )
)


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(units_st)
def test_save_and_reload_round_trip(tmp_path, case):
    """Whatever is scored and saved comes back the same: numbers, sheets, inputs; verify agrees."""
    cats, a, b, v, names = case
    with tempfile.TemporaryDirectory(dir=tmp_path) as tmp:
        tmp = Path(tmp)
        crit = tmp / "t.toml"
        crit.write_text(tiny_criteria(), encoding="utf-8")
        units = [(f"U{i}", nm, c) for i, (nm, c) in enumerate(zip(names, cats))]
        folder = tiny_folder(tmp / "d", units, a, b, v)
        rec, res = record_for(crit, folder)
        with open_store(tmp / "h.sqlite", create=True) as s:
            run_id = s.save(rec)
        with open_store(tmp / "h.sqlite") as s:  # a fresh connection reads what was committed
            run = s.run(run_id)
            units_back = s.unit_rows(run_id)
            units_now, modules_now = result_rows(res)
            assert sorted(units_back, key=lambda u: u.unit_id) == sorted(units_now, key=lambda u: u.unit_id)
            assert sorted(s.module_rows(run_id), key=lambda m: (m.unit_id, m.module_id)) == sorted(modules_now, key=lambda m: (m.unit_id, m.module_id))
            inputs = s.inputs(run)
            assert inputs.altered == []
            assert inputs.criteria_raw == crit.read_bytes()
            assert same_dataset(inputs.data, res.data)
            assert run.data_sha256 == canonical.data_hash(res.data)
            assert run.units == len(units) and run.status == "draft" and run.year == 2020
            assert {name for name, _, _ in s.files(run_id)} == {"units.csv", "考核办.csv"}
            assert s.file_bytes(s.files(run_id)[0][1]) == (folder / s.files(run_id)[0][0]).read_bytes()
            assert verify(s, run_id).identical


def test_run_records_versions_operator_and_time(tmp_path):
    crit, folder = tiny_setup(tmp_path)
    rec, _ = record_for(crit, folder, operator="王五")
    with open_store(tmp_path / "h.sqlite", create=True) as s:
        run = s.run(s.save(rec))
    import scoring

    assert run.engine == scoring.__version__
    assert run.plugins.get("builtin") and run.methods == {"supplied": "builtin", "deduct_per_count": "builtin"}
    assert run.operator == "王五" and run.created[:2] == "20" and "T" in run.created
    assert run.series == "测试县年度考核" and run.criteria_path == str(crit.resolve())


# ---------------------------------------------------------------------------- final runs are frozen
@pytest.fixture
def final_store(tmp_path):
    crit, folder = tiny_setup(tmp_path)
    rec, _ = record_for(crit, folder)
    path = tmp_path / "h.sqlite"
    with open_store(path, create=True) as s:
        run_id = s.save(rec)
        seal_finalize(s, run_id, "审核人")
    return path, run_id, rec


def test_final_run_refuses_delete(final_store):
    path, run_id, _ = final_store
    with open_store(path) as s:
        with pytest.raises(HistoryError) as e:
            s.delete(run_id)
        assert e.value.problems[0].code == "history.final_readonly"
        assert s.run(run_id).final and len(s.unit_rows(run_id)) == 5


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE runs SET operator = 'x' WHERE id = {id}",
        "UPDATE runs SET status = 'draft' WHERE id = {id}",
        "DELETE FROM runs WHERE id = {id}",
        "UPDATE unit_results SET total = 100 WHERE run_id = {id}",
        "DELETE FROM unit_results WHERE run_id = {id}",
        "INSERT INTO unit_results VALUES ({id}, 'X', 'x', '甲', 1, 1, 1, NULL, 0, 0, '{{}}')",
        "DELETE FROM module_results WHERE run_id = {id}",
        "UPDATE datasets SET packed = x'00'",
        "UPDATE criteria_texts SET text = 'x'",
        "DELETE FROM datasets",
    ],
)
def test_final_run_is_frozen_inside_the_database(final_store, sql):
    """Even a program other than ours, writing SQL, cannot change or delete a final run."""
    path, run_id, _ = final_store
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="never changed"):
        conn.execute(sql.format(id=run_id))
    conn.close()
    with open_store(path) as s:
        assert verify(s, run_id).identical


def test_save_never_overwrites_a_final_run(final_store):
    path, run_id, rec = final_store
    with open_store(path) as s:
        again = s.save(rec)  # the same run saved again is a new draft, the final one stays
        assert again != run_id and s.run(run_id).final and not s.run(again).final
        with pytest.raises(HistoryError) as e:  # only one final run per series and year
            seal_finalize(s, again, "x")
        assert e.value.problems[0].code == "history.already_final"
        s.delete(again)
        assert [r.id for r in s.runs()] == [run_id]


def test_finalize_twice_is_harmless(final_store):
    path, run_id, _ = final_store
    with open_store(path) as s:
        run, changed = seal_finalize(s, run_id, "另一人")
        assert not changed and run.finalized_by == "审核人"


def test_deleting_a_draft_removes_its_rows_and_unused_inputs(tmp_path):
    crit, folder = tiny_setup(tmp_path)
    rec, _ = record_for(crit, folder)
    with open_store(tmp_path / "h.sqlite", create=True) as s:
        run_id = s.save(rec)
        s.delete(run_id)
        for table in ("runs", "unit_results", "module_results", "run_files", "datasets", "criteria_texts", "files", "aliases"):
            assert s.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
        assert s.check() == "ok"


# ---------------------------------------------------------------------------- damaged and foreign files
def _cli(*args) -> int:
    return main(list(args))


def _run_save(crit, folder, db) -> int:
    return _cli("run", str(crit), "--data", str(folder), "--save", "--db", str(db))


@pytest.mark.parametrize(
    "content",
    [
        b"this is a spreadsheet, not a database\n" * 50,
        b"SQLite format 3\x00" + b"\xff" * 4000,  # the header of a database, then garbage
        b"PK\x03\x04" + bytes(range(256)) * 8,  # a zip (xlsx) file
    ],
)
def test_damaged_or_foreign_file_is_reported_and_left_alone(tmp_path, capsys, content):
    crit, folder = tiny_setup(tmp_path)
    db = tmp_path / "h.sqlite"
    db.write_bytes(content)
    assert _run_save(crit, folder, db) == 2
    assert _cli("runs", "--db", str(db)) == 2
    err = capsys.readouterr().err
    assert "历史库" in err and "Traceback" not in err
    assert db.read_bytes() == content  # never overwritten


def test_another_programs_sqlite_database_is_refused(tmp_path, capsys):
    crit, folder = tiny_setup(tmp_path)
    db = tmp_path / "other.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE invoices (id INTEGER, amount REAL)")
    conn.execute("INSERT INTO invoices VALUES (1, 9.5)")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    assert _run_save(crit, folder, db) == 2
    assert "其他程序" in capsys.readouterr().err
    assert db.read_bytes() == before


def test_truncated_store_is_reported_as_damaged(tmp_path, capsys):
    crit, folder = tiny_setup(tmp_path)
    db = tmp_path / "h.sqlite"
    assert _run_save(crit, folder, db) == 0
    raw = db.read_bytes()
    db.write_bytes(raw[: len(raw) // 2])
    cut = db.read_bytes()
    code = _cli("verify", "1", "--db", str(db))
    err = capsys.readouterr().err
    assert code == 2 and ("损坏" in err or "不是评分历史库" in err)
    assert _run_save(crit, folder, db) == 2
    assert db.read_bytes() == cut


def test_newer_schema_is_refused(tmp_path, capsys):
    crit, folder = tiny_setup(tmp_path)
    db = tmp_path / "h.sqlite"
    assert _run_save(crit, folder, db) == 0
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    assert _cli("runs", "--db", str(db)) == 2
    assert "99" in capsys.readouterr().err


def test_missing_store_is_reported_not_created(tmp_path, capsys):
    db = tmp_path / "none.sqlite"
    assert _cli("runs", "--db", str(db)) == 2
    assert not db.exists()
    assert "找不到历史库" in capsys.readouterr().err


def test_new_store_is_marked_as_ours(tmp_path):
    crit, folder = tiny_setup(tmp_path)
    db = tmp_path / "sub" / "h.sqlite"
    assert _run_save(crit, folder, db) == 0
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == VERSION
    assert dict(conn.execute("SELECT key, value FROM store_info"))["format"] == "scoring-history"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file: copy it whole for backup
    conn.close()


def test_default_location_env_and_current_folder(tmp_path, monkeypatch):
    from scoring.history.store import DEFAULT_NAME, default_path

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCORING_DB", raising=False)
    assert default_path() == tmp_path / DEFAULT_NAME
    monkeypatch.setenv("SCORING_DB", str(tmp_path / "x.sqlite"))
    assert default_path() == tmp_path / "x.sqlite"
    assert default_path("y.sqlite") == Path("y.sqlite")
