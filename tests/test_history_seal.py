"""Sealed results: every attack on a 定稿 run made by someone with write access to the .sqlite
file fails loudly, naming the run and the change, with nothing written; the office's key,
the printed seal, the auditor's own check with standard tools, and backups."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import cli, yaoan_criteria, yaoan_data
from scoring.cli import main
from scoring.history import canonical
from scoring.history.store import open_store, triggers

YEARS = (2018, 2019, 2020)


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    """The three-year example saved and finalized (sealed) year by year: runs 1, 2, 3."""
    db = tmp_path_factory.mktemp("sealed") / "history.sqlite"
    for run, y in enumerate(YEARS, start=1):
        assert main(["run", yaoan_criteria(y), "--data", yaoan_data(y), "--save", "--db", str(db), "--format", "csv"]) == 0
        assert main(["finalize", str(run), "--db", str(db)]) == 0
    return db


@pytest.fixture
def db(sealed, tmp_path):
    copy = tmp_path / "history.sqlite"
    shutil.copyfile(sealed, copy)
    return copy


def tamper(db: Path, *statements, args=(), restore: bool = True, vacuum: bool = True) -> None:
    """What someone with write access does: drop the triggers, change rows, put the triggers back, VACUUM."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    for name in triggers():
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    for i, sql in enumerate(statements):
        conn.execute(sql, args[i] if i < len(args) else ())
    if restore:
        for sql in triggers().values():
            conn.execute(sql)
    conn.execute("COMMIT")
    if restore and vacuum:
        conn.execute("VACUUM")
    conn.close()


def total(db: Path, run: int, unit: str) -> float:
    conn = sqlite3.connect(db)
    ((t,),) = conn.execute("SELECT total FROM unit_results WHERE run_id = ? AND unit_id = ?", (run, unit)).fetchall()
    conn.close()
    return t


READS = [
    ["decide", "2"],
    ["report", "2", "--out", "{tmp}/r.html"],
    ["explain", "2", "XZ07"],
    ["history", "XZ07"],
    ["compare", "--year", "2019"],
    ["compare", "--year", "2020"],
]


def assert_every_read_refuses(capsys, db: Path, tmp: Path, *needles: str) -> None:
    before = db.read_bytes()
    for argv in READS:
        code, out, err = cli(capsys, *[a.format(tmp=tmp) for a in argv], "--db", db)
        assert code == 2 and out == "", (argv, out, err)
        assert "第2号运行" in err and "Traceback" not in err, (argv, err)
        for n in needles:
            assert n in err, (argv, n, err)
    assert not (tmp / "r.html").exists() and db.read_bytes() == before  # nothing written


# ---------------------------------------------------------------------------- the attacks of the issue
def test_drop_trigger_and_update_a_score_is_noticed_on_opening(capsys, db, tmp_path):
    old = total(db, 2, "XZ07")
    tamper(db, "UPDATE unit_results SET total = 99.5 WHERE run_id = 2 AND unit_id = 'XZ07'", restore=False)
    assert_every_read_refuses(capsys, db, tmp_path, "unit_results_no_update", "单位 XZ07 total", f"{old:g}", "99.5")
    code, out, err = cli(capsys, "runs", "--db", db, "--lang", "en")
    assert code == 2 and "unit XZ07 total" in err and "dropped or changed" in err


def test_a_consistent_forgery_with_triggers_restored_and_vacuum_is_refused(capsys, db, tmp_path):
    """Data, data hash and results rewritten together, triggers back, VACUUM: verify once said 结果一致."""
    from scoring.core.engine import score
    from scoring.history.record import result_rows
    from scoring.history.reproduce import stored_plan

    with open_store(db) as s:
        run = s.run(2)
        inputs = s.inputs(run)
        plan, _ = stored_plan(run, inputs.criteria_raw)
    data = inputs.data
    field = next(f for f in data.values if not f.endswith("@上年") and data.values[f].dtype.kind == "f")
    i = data.ids.index("XZ07")
    data.values[field][i] = data.values[field][i] + 7
    units, modules = result_rows(score(plan, data))
    raw = canonical.encode(data)
    sha = canonical.sha256(raw)
    stmts = [
        "INSERT INTO datasets (sha256, format, units, fields, packed) VALUES (?, 'x', 0, 0, ?)",
        "UPDATE runs SET data_sha256 = ? WHERE id = 2",
        "DELETE FROM unit_results WHERE run_id = 2",
        "DELETE FROM module_results WHERE run_id = 2",
    ]
    args = [(sha, canonical.pack(raw)), (sha,), (), ()]
    for u in units:
        stmts.append("INSERT INTO unit_results VALUES (2, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        args.append((u.unit_id, u.name, u.category, u.total, u.rank, u.of, u.grade, int(u.failed), int(u.no_excellent), u.sheet))
    for m in modules:
        stmts.append("INSERT INTO module_results VALUES (2, ?, ?, ?, ?, ?, ?)")
        args.append((m.unit_id, m.module_id, m.name, m.weight, m.score, m.contribution))
    tamper(db, *stmts, args=args)
    assert_every_read_refuses(capsys, db, tmp_path, "封印不符", "data_sha256")
    code, out, _ = cli(capsys, "verify", "2", "--db", db)
    assert code == 3 and "封印不符" in out and "结果一致" not in out
    code, out, _ = cli(capsys, "verify", "--all", "--db", db)
    assert code == 3 and "第2号运行" in out and "data_sha256" in out


def test_an_altered_earlier_year_stops_this_years_look_back(capsys, db, tmp_path):
    tamper(db, "UPDATE unit_results SET rank = of WHERE run_id = 2 AND unit_id = 'XZ03'")
    runs_before = len(open_store(db).runs())
    code, out, err = cli(capsys, "run", yaoan_criteria(2020), "--data", yaoan_data(2020), "--decide", "--db", db, "--save")
    assert code == 2 and "第2号运行（2019年）" in err and "单位 XZ03 rank" in err
    with open_store(db) as s:
        assert len(s.runs()) == runs_before  # nothing saved


def test_the_previous_year_value_is_read_only_from_an_intact_seal(capsys, db, tmp_path):
    """change_vs_last_year reads 2019's data: a forged dataset of 2019 is refused."""
    tamper(db, "UPDATE runs SET data_sha256 = (SELECT data_sha256 FROM runs WHERE id = 1) WHERE id = 2")
    code, out, err = cli(capsys, "run", yaoan_criteria(2020), "--data", yaoan_data(2020), "--db", db)
    assert code == 2 and out == "" and "第2号运行" in err and "data_sha256" in err


def test_rows_swapped_before_finalize_are_refused(capsys, sealed, tmp_path):
    db = tmp_path / "h.sqlite"
    shutil.copyfile(sealed, db)
    assert cli(capsys, "rescore", "3", "--data", yaoan_data(2020), "--reason", "复核", "--db", db)[0] == 0  # run 4, a draft
    old = total(db, 4, "XZ07")
    conn = sqlite3.connect(db, isolation_level=None)  # drafts may be rewritten: no trigger stands in the way
    row = conn.execute("SELECT * FROM unit_results WHERE run_id = 4 AND unit_id = 'XZ07'").fetchone()
    conn.execute("DELETE FROM unit_results WHERE run_id = 4 AND unit_id = 'XZ07'")
    conn.execute("INSERT INTO unit_results VALUES (" + ",".join("?" * len(row)) + ")", (*row[:4], old + 5, *row[5:]))
    conn.close()
    before = db.read_bytes()
    code, _, err = cli(capsys, "finalize", "4", "--db", db)
    assert code == 2 and "第4号运行" in err and "XZ07" in err and "total" in err and "未定稿" in err
    assert db.read_bytes() == before
    with open_store(db) as s:
        assert not s.run(4).final


def test_a_backdated_correction_inserted_by_sql_is_not_published(capsys, db, tmp_path):
    cols = (
        "series, year, assessment, status, created, operator, finalized, finalized_by, criteria_sha256, criteria_path, "
        "data_sha256, data_path, engine, plugins, methods, precision, units"
    )
    tamper(
        db,
        f"INSERT INTO runs (id, {cols}, corrects, root, reason) SELECT 9, {cols}, 2, 2, '复核' FROM runs WHERE id = 2",
        "INSERT INTO unit_results SELECT 9, unit_id, name, category, total + 3, rank, of, grade, failed, no_excellent, sheet "
        "FROM unit_results WHERE run_id = 2",
        "INSERT INTO module_results SELECT 9, unit_id, module_id, name, weight, score, contribution FROM module_results WHERE run_id = 2",
    )
    for argv in (["history", "XZ07"], ["compare", "--year", "2019"], ["decide", "3"]):
        code, out, err = cli(capsys, *argv, "--db", db)
        assert code == 2 and "第9号运行" in err and "没有封印" in err, (argv, err)
    code, out, _ = cli(capsys, "verify", "--all", "--db", db)
    assert code == 3 and "第9号运行" in out


def test_a_seal_removed_from_the_chain_is_noticed(capsys, db):
    tamper(db, "DELETE FROM seals WHERE run_id = 2")
    code, out, _ = cli(capsys, "verify", "--all", "--db", db)
    assert code == 3 and "第2号运行" in out and "没有封印" in out and "第3号运行" in out and "chain" in out


def test_a_store_resigned_with_another_key_is_refused_when_the_office_key_is_pinned(capsys, db, monkeypatch, tmp_path):
    """Re-signing every seal with a key of one's own defeats the store alone; the office's public key,
    printed on every paper and pinned, does not accept it."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    with open_store(db) as s:
        office = s.run(3).seal_key
        rows = s.conn.execute("SELECT seq, document FROM seals ORDER BY seq").fetchall()
    thief = Ed25519PrivateKey.generate()
    from scoring.history.seal import public_hex

    pub = public_hex(thief)
    stmts = ["UPDATE store_info SET value = ? WHERE key = 'office_public_key'"]
    args = [(pub,)]
    for seq, doc in rows:
        stmts.append("UPDATE seals SET public_key = ?, signature = ? WHERE seq = ?")
        args.append((pub, thief.sign(doc.encode("utf-8")).hex(), seq))
    tamper(db, *stmts, args=args)
    monkeypatch.setenv("SCORING_PUBLIC_KEY", office)
    code, _, err = cli(capsys, "decide", "2", "--db", db)
    assert code == 2 and "第2号运行" in err and office in err and pub in err
    monkeypatch.delenv("SCORING_PUBLIC_KEY")
    assert cli(capsys, "verify", "--all", "--db", db, "--public-key", office)[0] == 3


# ---------------------------------------------------------------------------- the seal on paper and for an auditor
def test_every_paper_of_a_sealed_run_shows_the_full_digest_and_the_office_key(capsys, db, tmp_path):
    with open_store(db) as s:
        run = s.run(2)
    assert len(run.seal_digest) == 64 and len(run.seal_key) == 64
    for argv in (["decide", "2"], ["explain", "2", "XZ07"], ["history", "XZ07"], ["compare", "--year", "2019"], ["verify", "2"]):
        code, out, err = cli(capsys, *argv, "--db", db)
        assert code == 0, err
        assert run.seal_digest in out and run.seal_key in out, argv
    code, _, err = cli(capsys, "report", "2", "--db", db, "--out", tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert code == 0 and run.seal_digest in html and run.seal_key in html


def test_the_auditors_procedure_with_standard_tools(capsys, db, tmp_path):
    """docs/history.md: export, sha256sum equals the printed digest, openssl checks the signature."""
    with open_store(db) as s:
        run = s.run(3)
    out = tmp_path / "audit"
    code, _, err = cli(capsys, "verify", "3", "--db", db, "--export", out)
    assert code == 0, err
    doc, sig, pem = out / "run-3.seal.json", out / "run-3.sig", out / "run-3.pub.pem"
    sha = subprocess.run(["sha256sum", str(doc)], capture_output=True, text=True, check=True).stdout.split()[0]
    assert sha == run.seal_digest
    got = json.loads(doc.read_text(encoding="utf-8"))
    assert got["run"]["id"] == 3 and got["run"]["status"] == "final"
    with open_store(db) as s:
        assert got["previous"] == s.run(2).seal_digest  # the chain, visible in the document itself
    if shutil.which("openssl"):
        text = subprocess.run(["openssl", "pkey", "-pubin", "-in", str(pem), "-noout", "-text"], capture_output=True, text=True, check=True).stdout
        shown = "".join(text.split("pub:", 1)[1].split()).replace(":", "")
        assert shown == run.seal_key  # the key in the file is the one printed on the paper
        ok = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(pem), "-rawin", "-in", str(doc), "-sigfile", str(sig)], capture_output=True, text=True
        )
        assert ok.returncode == 0 and "Signature Verified Successfully" in ok.stdout
        doc.write_bytes(doc.read_bytes().replace(b'"final"', b'"draft"'))
        bad = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(pem), "-rawin", "-in", str(doc), "-sigfile", str(sig)], capture_output=True, text=True
        )
        assert bad.returncode != 0
    one_liner = (
        "from cryptography.hazmat.primitives.serialization import load_pem_public_key as L; import sys; "
        "L(open(sys.argv[1],'rb').read()).verify(open(sys.argv[2],'rb').read(), open(sys.argv[3],'rb').read()); print('OK')"
    )
    cli(capsys, "verify", "3", "--db", db, "--export", tmp_path / "again")
    again = tmp_path / "again"
    r = subprocess.run(
        [sys.executable, "-c", one_liner, str(again / "run-3.pub.pem"), str(again / "run-3.sig"), str(again / "run-3.seal.json")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0 and r.stdout.strip() == "OK"


def test_verify_all_checks_the_whole_chain(capsys, db):
    code, out, _ = cli(capsys, "verify", "--all", "--db", db)
    assert code == 0 and "全部 3 个封印完好" in out
    code, out, _ = cli(capsys, "verify", "--all", "--db", db, "--format", "json")
    doc = json.loads(out)
    assert doc["intact"] and doc["seals"] == 3 and len(doc["chain_head"]) == 64


# ---------------------------------------------------------------------------- the key
def test_keygen_writes_a_private_key_once(capsys, tmp_path):
    key = tmp_path / "office.key"
    code, _, err = cli(capsys, "keygen", "--out", key)
    assert code == 0 and (key.stat().st_mode & 0o777) == 0o600 and b"PRIVATE KEY" in key.read_bytes()
    first = key.read_bytes()
    code, _, err = cli(capsys, "keygen", "--out", key)
    assert code == 2 and "已存在" in err and key.read_bytes() == first


def test_finalize_without_a_key_is_refused_with_the_fix(capsys, sealed, tmp_path, monkeypatch):
    db = tmp_path / "h.sqlite"
    shutil.copyfile(sealed, db)
    assert cli(capsys, "rescore", "3", "--data", yaoan_data(2020), "--reason", "复核", "--db", db)[0] == 0
    monkeypatch.delenv("SCORING_KEY")
    code, _, err = cli(capsys, "finalize", "4", "--db", db)
    assert code == 2 and "scoring keygen" in err
    other = tmp_path / "other.key"
    assert cli(capsys, "keygen", "--out", other)[0] == 0
    code, _, err = cli(capsys, "finalize", "4", "--db", db, "--key", other)
    assert code == 2 and "另一把考核办密钥" in err
    with open_store(db) as s:
        assert not s.run(4).final


def test_an_altered_signature_or_document_is_named(capsys, db):
    tamper(
        db,
        "UPDATE seals SET signature = substr(signature, 1, 10) || "
        "(CASE substr(signature, 11, 1) WHEN 'a' THEN 'b' ELSE 'a' END) || substr(signature, 12) WHERE run_id = 1",
    )
    code, _, err = cli(capsys, "decide", "1", "--db", db)
    assert code == 2 and "第1号运行" in err and "签名无效" in err
    tamper(db, "UPDATE seals SET document = replace(document, '\"final\"', '\"draft\"') WHERE run_id = 3")
    code, out, _ = cli(capsys, "verify", "--all", "--db", db)
    assert code == 3 and "第3号运行" in out and "封印文件与其 sha256 不符" in out


# any single value of any sealed row, changed by any amount, is caught and named
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

COLUMNS = {"unit_results": ("total", "rank", "of", "grade", "failed", "name", "sheet"), "module_results": ("score", "contribution", "weight")}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.sampled_from(sorted(COLUMNS)), pick=st.integers(0, 10_000), col=st.integers(0, 6), delta=st.one_of(st.floats(1e-9, 50), st.floats(-50, -1e-9)))
def test_any_change_to_a_sealed_row_is_named(sealed, tmp_path_factory, table, pick, col, delta):
    from scoring.history.seal import problems_of

    db = tmp_path_factory.mktemp("h") / "h.sqlite"
    shutil.copyfile(sealed, db)
    column = COLUMNS[table][col % len(COLUMNS[table])]
    conn = sqlite3.connect(db)
    key = "module_id" if table == "module_results" else "''"
    rows = conn.execute(f"SELECT {key}, unit_id, {column} FROM {table} WHERE run_id = 2 ORDER BY unit_id, 1").fetchall()
    conn.close()
    other, unit, old = rows[pick % len(rows)]
    if isinstance(old, str):
        new = old + "·"
    elif column == "failed":
        new = 1 - old
    elif column in ("rank", "of"):
        new = old + (1 if delta > 0 else -1)
    else:
        new = (old or 0.0) + delta
    tamper(db, f"UPDATE {table} SET {column} = ? WHERE run_id = 2 AND unit_id = ? AND {key} = ?", args=[(new, unit, other)], vacuum=False)
    with open_store(db) as s:
        what = problems_of(s, s.run(2))
    assert what and all(unit in w for w in what), what
    assert any(column in w for w in what)


def test_a_version_1_store_is_upgraded_and_its_final_runs_are_sealed_after_re_scoring(capsys, tmp_path):
    from history_support import tiny_setup

    crit, folder = tiny_setup(tmp_path)
    db = tmp_path / "old.sqlite"
    assert cli(capsys, "run", crit, "--data", folder, "--save", "--db", db)[0] == 0
    conn = sqlite3.connect(db, isolation_level=None)  # what a store made before seals looks like
    for name in ("seals_no_update", "seals_no_delete", "store_info_key_no_update", "store_info_key_no_delete"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE seals")
    conn.execute("UPDATE runs SET status = 'final', finalized = '2020-01-01T00:00:00+08:00', finalized_by = 'x' WHERE id = 1")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    code, _, err = cli(capsys, "decide", "1", "--db", db)
    assert code == 2 and "第1号运行" in err and "没有封印" in err and "scoring finalize 1" in err
    code, _, err = cli(capsys, "finalize", "1", "--db", db)
    assert code == 0 and "已加封" in err
    code, out, _ = cli(capsys, "decide", "1", "--db", db)
    assert code == 0 and "封印：sha256" in out
    assert cli(capsys, "verify", "--all", "--db", db)[0] == 0
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3  # upgraded to the current version (seals, then the event log)
    conn.close()


def test_a_sealed_run_turned_back_into_a_draft_does_not_hide_the_published_year(capsys, db):
    """Without its run 2019 would read as 'no published result' and look-back rules as undetermined."""
    tamper(db, "UPDATE runs SET status = 'draft' WHERE id = 2")
    for argv in (["history", "XZ07"], ["compare", "--year", "2019"], ["decide", "3"], ["run", yaoan_criteria(2020), "--data", yaoan_data(2020), "--decide"]):
        code, out, err = cli(capsys, *argv, "--db", db)
        assert code == 2 and "第2号运行" in err and "run.status" in err, (argv, err)
