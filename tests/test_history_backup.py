"""scoring backup: SQLite's online backup API gives one consistent state of the store, even while
another process writes; a backup restores to a store whose whole chain of seals checks."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys

from helpers import cli
from history_support import tiny_setup
from scoring.history.store import open_store


def test_backup_and_restore(capsys, tmp_path):
    crit, folder = tiny_setup(tmp_path)
    db = tmp_path / "h.sqlite"
    assert cli(capsys, "run", crit, "--data", folder, "--save", "--db", db)[0] == 0
    assert cli(capsys, "finalize", "1", "--db", db)[0] == 0
    assert cli(capsys, "run", crit, "--data", folder, "--save", "--db", db)[0] == 0  # a draft too
    code, out_before, _ = cli(capsys, "decide", "1", "--db", db)
    assert code == 0
    copy = tmp_path / "backups" / "h-2021-01-05.sqlite"
    copy.parent.mkdir()
    code, _, err = cli(capsys, "backup", "--db", db, "--out", copy)
    assert code == 0 and "2 次运行" in err
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    # the store is lost; the backup is put in its place
    db.write_bytes(b"\0" * 4096)
    assert cli(capsys, "runs", "--db", db)[0] == 2
    shutil.copyfile(copy, db)
    assert cli(capsys, "verify", "--all", "--db", db)[0] == 0
    code, out_after, _ = cli(capsys, "decide", "1", "--db", db)
    assert code == 0 and out_after == out_before
    with open_store(db) as s:
        assert [r.status for r in s.runs()] == ["final", "draft"]


def test_backup_never_overwrites(capsys, tmp_path):
    crit, folder = tiny_setup(tmp_path)
    db = tmp_path / "h.sqlite"
    assert cli(capsys, "run", crit, "--data", folder, "--save", "--db", db)[0] == 0
    before = db.read_bytes()
    for target in (db, tmp_path / "existing.sqlite"):
        if target != db:
            target.write_text("keep", encoding="utf-8")
        code, _, err = cli(capsys, "backup", "--db", db, "--out", target)
        assert code == 2 and "已存在" in err
    assert db.read_bytes() == before and (tmp_path / "existing.sqlite").read_text(encoding="utf-8") == "keep"
    assert not [p for p in tmp_path.iterdir() if "scoring-tmp" in p.name]


WRITER = """
import sys
from scoring.cli import main
for _ in range(int(sys.argv[4])):
    assert main(["run", sys.argv[1], "--data", sys.argv[2], "--save", "--db", sys.argv[3], "--format", "csv"]) == 0
"""


def test_a_backup_taken_while_another_process_writes_is_consistent(capsys, tmp_path):
    crit, folder = tiny_setup(tmp_path)
    db = tmp_path / "h.sqlite"
    assert cli(capsys, "run", crit, "--data", folder, "--save", "--db", db)[0] == 0
    assert cli(capsys, "finalize", "1", "--db", db)[0] == 0
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(crit), str(folder), str(db), "12"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    copies = []
    try:
        while writer.poll() is None and len(copies) < 6:
            copy = tmp_path / f"b{len(copies)}.sqlite"
            assert cli(capsys, "backup", "--db", db, "--out", copy)[0] == 0
            copies.append(copy)
    finally:
        assert writer.wait(timeout=120) == 0
    assert copies  # at least one taken while the writer ran
    for copy in copies:
        assert not (tmp_path / (copy.name + "-journal")).exists()
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        runs = conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        units = conn.execute("SELECT COUNT(DISTINCT run_id) FROM unit_results").fetchone()[0]
        conn.close()
        assert runs == units  # every run whole: never a run without its results
        assert cli(capsys, "verify", "--all", "--db", copy)[0] == 0
