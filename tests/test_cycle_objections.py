"""公示, objections, decisions, corrections and the event log, end to end through the command line
on real files and a real store (docs/cycle.md)."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3

import pytest

from helpers import cli, cli_race, snapshot
from history_support import ROOT, tiny_setup

YITONG = ROOT / "criteria" / "yitong-2020.toml"
YITONG_DATA = ROOT / "examples" / "yitong-2020"


@pytest.fixture
def relative(tmp_path):
    """Tiny criteria whose indicator A is scored relative to the best unit of the category
    (plugins/relative.py), so one unit's correction moves the others; run 1 saved, final, published."""
    shutil.copy(ROOT / "plugins" / "relative.py", tmp_path / "relative.py")
    crit, folder = tiny_setup(tmp_path, plugins=["relative.py"], method_a="relative_to_best", params_a="")
    db = tmp_path / "h.sqlite"
    plug = ["--plugins", tmp_path / "relative.py"]
    return crit, folder, db, plug


def published(capsys, crit, folder, db, plug):
    assert cli(capsys, "run", crit, "--data", folder, "--save", "--db", db, "--operator", "李四")[0] == 0
    assert cli(capsys, "finalize", "1", "--db", db, "--operator", "常委会", *plug)[0] == 0
    code, _, err = cli(capsys, "publish", "1", "--from", "2021-01-05", "--to", "2021-01-11", "--db", db, "--operator", "王五")
    assert code == 0 and "2021-01-05" in err


@pytest.fixture
def objected(capsys, relative):
    """``relative`` published, with objection 1 (U1's field a) received within the 公示期 → (db, plug)."""
    crit, folder, db, plug = relative
    published(capsys, crit, folder, db, plug)
    assert cli(capsys, "objection", "add", "1", "--unit", "U1", "--field", "a", "--text", "x", "--received", "2021-01-06", "--db", db)[0] == 0
    return db, plug


def test_a_correction_of_the_best_unit_moves_the_others_and_each_gets_a_notice(capsys, relative, tmp_path):
    crit, folder, db, plug = relative
    published(capsys, crit, folder, db, plug)
    code, out, _ = cli(capsys, "runs", "--db", db)
    assert code == 0 and "2021-01-05～2021-01-11" in out
    ev = tmp_path / "案卷评查复核.pdf"
    ev.write_bytes(b"%PDF-1.4 evidence")
    # U1 (best of 甲 with a = 90) says its value was 100: U2 and U3 score relative to it and fall
    code, _, err = cli(
        capsys,
        "objection",
        "add",
        "1",
        "--unit",
        "东城镇",
        "--field",
        "a",
        "--text",
        "重点工作完成值应为100",
        "--evidence",
        ev,
        "--received",
        "2021-01-08",
        "--db",
        db,
        "--operator",
        "赵六",
    )
    assert code == 0 and "第1号申诉" in err
    code, _, _ = cli(capsys, "objection", "add", "1", "--unit", "U4", "--indicator", "B", "--text", "迟报次数有误", "--received", "2021-01-09", "--db", db)
    assert code == 0
    code, out, _ = cli(capsys, "objections", "1", "--db", db, "--format", "json")
    objs = json.loads(out)["objections"]
    assert [o["state"] for o in objs] == ["pending", "pending"]
    assert objs[0]["evidence"] == [{"name": ev.name, "sha256": hashlib.sha256(ev.read_bytes()).hexdigest(), "size": ev.stat().st_size}]
    conn = sqlite3.connect(db)  # the evidence is kept in the store itself, byte for byte
    import zlib

    packed = conn.execute("SELECT packed FROM files WHERE sha256 = ?", (objs[0]["evidence"][0]["sha256"],)).fetchone()[0]
    conn.close()
    assert ev.read_bytes() in (packed, zlib.decompress(packed))

    code, out, err = cli(capsys, "objection", "decide", "1", "--accept", "--value", "a=100", "--reason", "复核属实", "--db", db)
    assert code == 0 and "复核答复" in out and "a = 100" in out and "复核属实" in out
    code, out, _ = cli(capsys, "objection", "decide", "2", "--reject", "--reason", "迟报有系统记录为证", "--db", db)
    assert code == 0 and "不予采纳" in out and "迟报有系统记录为证" in out

    letters = tmp_path / "letters"
    code, out, err = cli(capsys, "objection", "apply", "1", "--reason", "申诉复核", "--db", db, "--out", letters, *plug)
    assert code == 0, err
    code, out, _ = cli(capsys, "runs", "--db", db, "--format", "json")
    runs = json.loads(out)["runs"]
    assert runs[1]["corrects"] == 1 and runs[1]["status"] == "draft"
    conn = sqlite3.connect(db)
    a = dict(conn.execute("SELECT unit_id, total FROM unit_results WHERE run_id = 1").fetchall())
    b = dict(conn.execute("SELECT unit_id, total FROM unit_results WHERE run_id = 2").fetchall())
    conn.close()
    # U1 stays at full marks on A (it is the best either way); U2 and U3 fall: 100 is the new best
    assert b["U1"] == a["U1"]
    assert b["U2"] < a["U2"] and b["U3"] < a["U3"] and b["U4"] == a["U4"] and b["U5"] == a["U5"]
    names = sorted(p.name for p in letters.iterdir())
    assert any("复核答复-第1号申诉" in n for n in names) and not any("复核答复-第2号申诉" in n for n in names)  # 2 was rejected: nothing applied
    notices = {n: (letters / n).read_text(encoding="utf-8") for n in names if n.startswith("结果变动通知")}
    moved_by_others = [t for n, t in notices.items() if "西城镇" in n or "南山镇" in n]
    assert len(moved_by_others) == 2 and all("你单位报送的数据没有更正" in t for t in moved_by_others)
    assert not any("县教育局" in n or "县财政局" in n for n in notices)  # their category did not move
    # the letter for the accepted objection now names its result in the correction run
    code, out, _ = cli(capsys, "objection", "letter", "1", "--db", db)
    assert "第2号运行" in out and "名次" in out
    # the same letter as an A4 paper, through the report's typesetter: the text a reader sees is the letter's
    import subprocess

    pytest.importorskip("typst", reason="the PDF letter needs the [pdf] extra (typst); everything above was checked")
    if shutil.which("pdftotext") is None:
        pytest.skip("reading the PDF letter back needs pdftotext (Debian poppler-utils); everything above was checked")
    pdf = tmp_path / "复核答复.pdf"
    assert cli(capsys, "objection", "letter", "1", "--db", db, "--out", pdf)[0] == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    seen = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "复核答复" in seen and "东城镇" in seen and "复核属实" in seen
    html = tmp_path / "复核答复.html"
    assert cli(capsys, "objection", "letter", "1", "--db", db, "--out", html)[0] == 0
    assert "<h1>复核答复</h1>" in html.read_text(encoding="utf-8")
    code, out, _ = cli(capsys, "objections", "1", "--db", db)
    assert "已采纳（第2号运行已更正）" in out and "未采纳" in out
    # the correction is a correction like any other: finalize, and the original stays as it was
    assert cli(capsys, "finalize", "2", "--db", db, *plug)[0] == 0
    assert cli(capsys, "verify", "--all", "--db", db)[0] == 0
    code, out, _ = cli(capsys, "log", "1", "--db", db, "--format", "json")
    kinds = [e["kind"] for e in json.loads(out)["events"]]
    assert kinds == ["saved", "finalized", "published", "objection", "objection", "decided", "decided", "correction", "finalized"]
    assert json.loads(out)["chain_intact"]
    code, out, _ = cli(capsys, "log", "1", "--db", db)
    assert code == 0 and "申诉复核" in out and "王五" in out


def test_bad_inputs_are_located_exit_2_and_change_nothing(capsys, relative, tmp_path):
    crit, folder, db, plug = relative
    assert cli(capsys, "run", crit, "--data", folder, "--save", "--db", db)[0] == 0
    before = snapshot(db)
    code, _, err = cli(capsys, "publish", "1", "--from", "2021-01-05", "--to", "2021-01-11", "--db", db)
    assert code == 2 and "草稿" in err and "scoring finalize 1" in err and snapshot(db) == before
    assert cli(capsys, "finalize", "1", "--db", db, *plug)[0] == 0
    before = snapshot(db)
    for argv, said in [
        (("publish", "9", "--from", "2021-01-05", "--to", "2021-01-11"), "9"),
        (("publish", "1", "--from", "2021-01-12", "--to", "2021-01-11"), "晚于"),
        (("publish", "1", "--from", "2021-13-01", "--to", "2021-01-11"), "2021-13-01"),
        (("objection", "add", "1", "--unit", "U1", "--field", "a", "--text", "x"), "尚未公示"),
    ]:
        code, _, err = cli(capsys, *argv, "--db", db)
        assert code == 2 and said in err and "Traceback" not in err, (argv, err)
        assert snapshot(db) == before
    assert cli(capsys, "publish", "1", "--from", "2021-01-05", "--to", "2021-01-11", "--db", db)[0] == 0
    before = snapshot(db)
    for argv, said in [
        (("objection", "add", "1", "--unit", "U9", "--field", "a", "--text", "x", "--received", "2021-01-06"), "U9"),
        (("objection", "add", "1", "--unit", "U1", "--field", "zz", "--text", "x", "--received", "2021-01-06"), "zz"),
        (("objection", "add", "1", "--unit", "U1", "--indicator", "Q9", "--text", "x", "--received", "2021-01-06"), "Q9"),
        (("objection", "add", "1", "--unit", "U1", "--field", "a", "--text", "x", "--received", "2021-01-12"), "已过"),
        (("objection", "add", "1", "--unit", "U1", "--field", "a", "--text", "x", "--received", "2021-01-04"), "早于"),
        (
            ("objection", "add", "1", "--unit", "U1", "--field", "a", "--text", "x", "--received", "2021-01-06", "--evidence", tmp_path / "nothere.pdf"),
            "nothere.pdf",
        ),
        (("objection", "decide", "7", "--reject", "--reason", "x"), "第7号"),
        (("objection", "add", "9", "--unit", "U1", "--field", "a", "--text", "x", "--received", "2021-01-06"), "9"),
        (("objections", "9"), "9"),
        (("log", "9"), "9"),
    ]:
        code, _, err = cli(capsys, *argv, "--db", db)
        assert code == 2 and said in err and "Traceback" not in err, (argv, err)
        assert snapshot(db) == before
    # a late objection is taken only with the office's reason, and marked late
    code, _, err = cli(
        capsys, "objection", "add", "1", "--unit", "U1", "--field", "a", "--text", "x", "--received", "2021-01-12", "--accept-late", "邮戳为1月10日", "--db", db
    )
    assert code == 0 and "逾期" in err
    code, out, _ = cli(capsys, "objections", "--db", db, "--format", "csv")
    assert "（逾期）" in out
    assert cli(capsys, "objection", "decide", "1", "--reject", "--reason", "不属实", "--db", db)[0] == 0
    before = snapshot(db)
    for argv, said in [
        (("objection", "decide", "1", "--accept", "--value", "a=99", "--reason", "x"), "不能再次决定"),
        (("objection", "apply", "1", "--reason", "x"), "没有已采纳"),
    ]:
        code, _, err = cli(capsys, *argv, "--db", db)
        assert code == 2 and said in err, (argv, err)
        assert snapshot(db) == before
    assert cli(capsys, "objection", "add", "1", "--unit", "U2", "--field", "a", "--text", "y", "--received", "2021-01-06", "--db", db)[0] == 0
    before = snapshot(db)
    for argv, said in [
        (("objection", "decide", "2", "--accept", "--reason", "x"), "--value"),
        (("objection", "decide", "2", "--accept", "--value", "nope=1", "--reason", "x"), "nope"),
        (("objection", "decide", "2", "--accept", "--value", "a=abc", "--reason", "x"), "a=abc"),
        (("objection", "decide", "2", "--reject", "--value", "a=1", "--reason", "x"), "--value"),
    ]:
        code, _, err = cli(capsys, *argv, "--db", db)
        assert code == 2 and said in err, (argv, err)
        assert snapshot(db) == before


def test_cycle_tables_are_append_only(capsys, objected):
    db, _ = objected
    assert cli(capsys, "objection", "decide", "1", "--reject", "--reason", "不属实", "--db", db)[0] == 0
    conn = sqlite3.connect(db)
    for sql in (
        "UPDATE events SET reason = 'x'",
        "DELETE FROM events",
        "UPDATE publications SET \"end\" = '2021-02-01'",
        "DELETE FROM objections",
        "UPDATE rulings SET decision = 'accepted'",
        "DELETE FROM rulings",
    ):
        with pytest.raises(sqlite3.DatabaseError, match="never changed"):
            conn.execute(sql)
    conn.close()


def test_an_event_changed_behind_the_triggers_breaks_the_log_and_the_seals_after_it(capsys, objected):
    db, plug = objected
    assert cli(capsys, "objection", "decide", "1", "--accept", "--value", "a=95", "--reason", "属实", "--db", db)[0] == 0
    assert cli(capsys, "objection", "apply", "1", "--reason", "复核", "--db", db, *plug)[0] == 0
    assert cli(capsys, "finalize", "2", "--db", db, *plug)[0] == 0  # its seal binds the log up to here
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET reason = '另有原因' WHERE kind = 'decided'")
    conn.close()
    from scoring.history.store import triggers

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(triggers()["events_no_update"])  # put the trigger back: only the chain and the seal can tell
    conn.close()
    code, out, _ = cli(capsys, "log", "1", "--db", db)
    assert code == 3 and "不符" in out
    code, _, err = cli(capsys, "decide", "2", "--db", db, *plug)
    assert code == 2 and "第2号运行" in err and "events" in err
    assert cli(capsys, "verify", "--all", "--db", db)[0] == 3


def test_two_offices_deciding_the_same_objection_at_once_one_wins(capsys, objected):
    """Two processes decide objection 1 at the same moment: one decision is recorded, the other is
    refused as already decided (exit 2), never a half-written or doubled ruling."""
    db, _ = objected
    results = cli_race(
        *(["objection", "decide", "1", *how, "--reason", f"第{k}个", "--db", db] for k, how in enumerate((["--reject"], ["--accept", "--value", "a=99"])))
    )
    assert sorted(code for code, _ in results) == [0, 2], results
    assert "不能再次决定" in next(err for code, err in results if code == 2)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM rulings").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'decided'").fetchone()[0] == 1
    conn.close()


def test_two_processes_applying_at_once_make_one_correction(capsys, objected):
    db, plug = objected
    assert cli(capsys, "objection", "decide", "1", "--accept", "--value", "a=99", "--reason", "属实", "--db", db)[0] == 0
    results = cli_race(*[["objection", "apply", "1", "--reason", "复核", "--db", db, "--plugins", plug[1]]] * 2)
    assert sorted(code for code, _ in results) == [0, 2], results
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM runs WHERE corrects = 1").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM applied").fetchone()[0] == 1
    conn.close()


def test_a_store_made_before_the_log_gains_it_with_its_runs_saved_and_finalized(capsys, relative):
    from scoring.history.store import CYCLE_TABLES, CYCLE_TRIGGERS, schema_statements

    crit, folder, db, plug = relative
    assert cli(capsys, "run", crit, "--data", folder, "--save", "--db", db, "--operator", "李四")[0] == 0
    assert cli(capsys, "finalize", "1", "--db", db, "--operator", "常委会", *plug)[0] == 0
    conn = sqlite3.connect(db, isolation_level=None)  # what a version 2 store looks like
    for stmt in schema_statements(CYCLE_TRIGGERS):
        conn.execute("DROP TRIGGER " + stmt.split()[2])
    for stmt in schema_statements(CYCLE_TABLES):
        if stmt.startswith("CREATE TABLE"):
            conn.execute("DROP TABLE " + stmt.split()[2])
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    code, out, _ = cli(capsys, "log", "1", "--db", db, "--format", "json")
    events = json.loads(out)["events"]
    assert code == 0 and [(e["kind"], e["operator"]) for e in events] == [("saved", "李四"), ("finalized", "常委会")]
    assert json.loads(out)["chain_intact"]


def test_a_draft_correction_is_finalized_or_deleted_before_the_next_one(capsys, relative):
    """Objections applied in a correction that is still a draft: a second correction beside it would
    leave their values out, so it is refused; deleting the draft lets them be applied again."""
    crit, folder, db, plug = relative
    published(capsys, crit, folder, db, plug)
    for unit in ("U1", "U2"):
        assert cli(capsys, "objection", "add", "1", "--unit", unit, "--field", "a", "--text", "x", "--received", "2021-01-06", "--db", db)[0] == 0
    assert cli(capsys, "objection", "decide", "1", "--accept", "--value", "a=99", "--reason", "属实", "--db", db)[0] == 0
    assert cli(capsys, "objection", "apply", "1", "--reason", "复核", "--db", db, *plug)[0] == 0  # run 2, a draft
    assert cli(capsys, "objection", "decide", "2", "--accept", "--value", "a=80", "--reason", "属实", "--db", db)[0] == 0
    before = snapshot(db)
    code, _, err = cli(capsys, "objection", "apply", "1", "--reason", "复核", "--db", db, *plug)
    assert code == 2 and "第2号更正运行" in err and snapshot(db) == before
    assert cli(capsys, "delete", "2", "--db", db)[0] == 0
    assert cli(capsys, "objection", "apply", "1", "--reason", "复核", "--db", db, *plug)[0] == 0  # both, together
    code, out, _ = cli(capsys, "objections", "1", "--db", db, "--format", "json")
    assert [o["correction"] for o in json.loads(out)["objections"]] == [3, 3]


def test_a_proposal_that_moves_with_a_correction_is_in_the_notice(capsys, tmp_path):
    """末位 (bottom 1) with a relative-to-best indicator: the last unit's accepted objection lifts it,
    another unit becomes last; that unit's notice says the proposal now applies to it."""
    shutil.copy(ROOT / "plugins" / "relative.py", tmp_path / "relative.py")
    crit, folder = tiny_setup(tmp_path, plugins=["relative.py"], method_a="relative_to_best", params_a="")
    crit.write_text(
        crit.read_text(encoding="utf-8")
        + """
[[decisions.rules]]
id = "R1"
name = "本类别末位"
consequence = "提醒谈话"
when = { bottom = 1 }
applies_to = ["甲"]
""",
        encoding="utf-8",
    )
    db, plug = tmp_path / "h.sqlite", ["--plugins", tmp_path / "relative.py"]
    published(capsys, crit, folder, db, plug)
    assert cli(capsys, "objection", "add", "1", "--unit", "U2", "--field", "a", "--text", "应为99", "--received", "2021-01-06", "--db", db)[0] == 0
    assert cli(capsys, "objection", "decide", "1", "--accept", "--value", "a=99", "--reason", "属实", "--db", db)[0] == 0
    code, out, err = cli(capsys, "objection", "apply", "1", "--reason", "复核", "--db", db, "--format", "json", "--out", tmp_path / "n", *plug)
    assert code == 0, err
    doc = json.loads(out)
    moved = {d["unit_id"]: d for d in doc["decisions"]}
    assert moved["U2"]["old"] == "caught" and moved["U2"]["new"] is None  # U2 is no longer last
    other = next(u for u, d in moved.items() if u != "U2")
    assert moved[other]["old"] is None and moved[other]["new"] == "caught"
    notices = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "n").iterdir() if p.name.startswith("结果变动通知")}
    text = next(t for n, t in notices.items() if f"（{other}）" in t)
    assert "本类别末位" in text and "提醒谈话" in text and "你单位报送的数据没有更正" in text


def test_verify_all_reads_the_whole_log_also_after_the_last_seal(capsys, relative):
    crit, folder, db, plug = relative
    published(capsys, crit, folder, db, plug)  # the publication comes after run 1's seal
    assert cli(capsys, "verify", "--all", "--db", db)[0] == 0
    from scoring.history.store import triggers

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET operator = '别人' WHERE kind = 'published'")
    conn.execute(triggers()["events_no_update"])
    conn.close()
    code, out, _ = cli(capsys, "verify", "--all", "--db", db)
    assert code == 3 and "不符" in out
    code, out, _ = cli(capsys, "verify", "--all", "--db", db, "--format", "json")
    assert code == 3 and json.loads(out)["log_rows_altered"] == [3]


def test_letters_never_overwrite_the_store_and_a_bad_folder_is_refused_before_the_correction(capsys, relative, tmp_path):
    crit, folder, db, plug = relative
    published(capsys, crit, folder, db, plug)
    assert cli(capsys, "objection", "add", "1", "--unit", "U1", "--field", "a", "--text", "应为100", "--received", "2021-01-08", "--db", db)[0] == 0
    before = snapshot(db)
    for argv in (("objection", "letter", "1"), ("objection", "decide", "1", "--accept", "--value", "a=100", "--reason", "属实")):
        code, _, err = cli(capsys, *argv, "--db", db, "--out", db)
        assert code == 2 and "Traceback" not in err, err
        assert snapshot(db) == before  # the store is whole, and nothing was decided
    assert cli(capsys, "objection", "decide", "1", "--accept", "--value", "a=100", "--reason", "属实", "--db", db)[0] == 0
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    decided = snapshot(db)
    code, _, err = cli(capsys, "objection", "apply", "1", "--reason", "复核", "--db", db, "--out", a_file / "letters", *plug)
    assert code == 2 and "内部错误" not in err, err
    assert snapshot(db) == decided  # no correction run saved before the refusal


def test_publish_and_received_dates_are_read_as_due_dates_are():
    from scoring.errors import HistoryError
    from scoring.history.cycle import parse_date

    assert [parse_date(x, "--from") for x in ("2021-01-05", "2021/1/5", "2021.1.5", "2021年1月5日")] == ["2021-01-05"] * 4
    for odd in ("20210105", "2021-W01-2", "2021-02-30", "", "+2021-1-5"):
        with pytest.raises(HistoryError) as e:
            parse_date(odd, "--from")
        assert e.value.problems[0].code == "cycle.bad_date" and e.value.problems[0].args["what"] == "--from"
