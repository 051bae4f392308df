"""`scoring serve` on the command line: what it refuses before starting, and setting up twice."""

from __future__ import annotations

from serve_support import CRITERIA, UNITS, copy_store, need_serve_extra

from scoring.cli import main

need_serve_extra()


def test_a_store_without_accounts_is_refused_with_how_to_set_it_up(tmp_path, capsys):
    assert main(["serve", "--db", str(tmp_path / "none.sqlite")]) == 2
    err = capsys.readouterr().err
    assert "还没有建立网上报送的账户" in err and "--init" in err
    assert not (tmp_path / "none.sqlite").exists()


def test_a_file_that_is_not_a_history_store_is_refused_as_the_history_commands_refuse_it(tmp_path, capsys):
    folder = tmp_path / "folder.sqlite"
    folder.mkdir()
    text = tmp_path / "notes.sqlite"
    text.write_text("考核办工作记录", encoding="utf-8")
    for db in (folder, text):
        assert main(["serve", "--db", str(db)]) == 2
        err = capsys.readouterr().err
        assert "不是评分历史库" in err and str(db) in err and "内部错误" not in err
    assert text.read_text(encoding="utf-8") == "考核办工作记录"  # never changed


def test_init_needs_the_unit_list(tmp_path, capsys):
    assert main(["serve", "--db", str(tmp_path / "o.sqlite"), "--init", str(CRITERIA)]) == 2
    assert "--units" in capsys.readouterr().err
    assert not (tmp_path / "o.sqlite").exists()


def test_setting_up_twice_is_refused_and_changes_no_account(serve_template, tmp_path, capsys):
    from scoring.serve.portal import accounts, connect

    db, _ = copy_store(serve_template, tmp_path)
    conn = connect(db)
    before = [(a.login, a.stamp) for a in accounts(conn)]
    assert main(["serve", "--db", str(db), "--init", str(CRITERIA), "--units", str(UNITS)]) == 2
    assert "已建立过账户" in capsys.readouterr().err
    assert [(a.login, a.stamp) for a in accounts(conn)] == before
    conn.close()


def test_the_store_keeps_working_for_the_history_commands(serve_template, tmp_path, capsys):
    """The portal's tables sit beside the store's: the store still opens, checks and backs up."""
    import os

    from scoring import api
    from serve_support import publish_example

    db, _ = copy_store(serve_template, tmp_path)
    run_id = publish_example(db, os.environ["SCORING_KEY"])
    assert main(["verify", str(run_id), "--db", str(db)]) == 0
    assert api.check_store(db=db).intact  # triggers, seals and the event log as the store made them
    assert main(["backup", "--db", str(db), "--out", str(tmp_path / "copy.sqlite")]) == 0
    import sqlite3

    copy = sqlite3.connect(tmp_path / "copy.sqlite")
    assert copy.execute("SELECT COUNT(*) FROM accounts").fetchone()[0] == 64  # the backup keeps the accounts too
    copy.close()


def test_the_public_page_shows_results_only_during_the_period(serve_template, tmp_path):
    import os

    from scoring import api
    from scoring.serve import create_app
    from serve_support import Client, publish_example, serving

    db, passwords = copy_store(serve_template, tmp_path)
    run_id = publish_example(db, os.environ["SCORING_KEY"])
    with serving(create_app(db)) as base:
        anyone = Client(base)
        assert "县纪委监委机关" in anyone.get("/public").text
        api.publish(run_id, "2021-01-04", "2021-01-10", "考核办", reason="公示期按文件更正", db=db)  # the period is over
        page = anyone.get("/public")
        assert page.status == 200 and "目前不在公示期内" in page.text and "县纪委监委机关" not in page.text
        unit = Client(base)
        unit.login("DQ01", passwords["DQ01"])
        assert "县纪委监委机关：考核结果" in unit.get("/unit").text  # the unit still sees its own result
