"""verify: stored results are reproducible; a changed plugin, engine or input is detected and named."""

from __future__ import annotations

import json
import shutil
import sqlite3

import numpy as np
import pytest

from history_support import record_for, tiny_setup
from scoring.cli import main
from scoring.history import canonical
from scoring.history.reproduce import verify
from scoring.history.store import open_store

PLUGIN = '''"""A local rule of the office (test plugin)."""
from scoring import Method, Scored, hookimpl

FACTOR = {factor}


class LocalShare(Method):
    name = "local_share"
    title = ("本地折算", "Local share")

    def score(self, col, p):
        return Scored(col.value * FACTOR / 100 * col.full)


@hookimpl
def scoring_methods():
    return [LocalShare]
'''


def _consent(db) -> list[str]:
    """A stored run loads a local plugin only from a folder named on the command line."""
    from pathlib import Path

    return ["--plugins", str(Path(db).parent / "plugins")]


@pytest.fixture
def local_run(tmp_path):
    """A final run whose indicator A is scored by a local plugin file next to the criteria."""
    (tmp_path / "plugins").mkdir()
    plugin = tmp_path / "plugins" / "office_rules.py"
    plugin.write_text(PLUGIN.format(factor="1.0"), encoding="utf-8")
    crit, folder = tiny_setup(tmp_path, plugins=["plugins"], method_a="local_share", params_a="")
    db = tmp_path / "h.sqlite"
    assert main(["run", str(crit), "--data", str(folder), "--save", "--db", str(db)]) == 0
    assert main(["finalize", "1", "--db", str(db), *_consent(db)]) == 0  # re-scored: needs the plugin too
    return db, plugin, crit, folder


def test_verify_identical(local_run, capsys):
    db, *_ = local_run
    capsys.readouterr()
    assert main(["verify", "1", "--db", str(db), *_consent(db)]) == 0
    out = capsys.readouterr().out
    assert "结果一致" in out and "版本与保存时相同" in out


def test_verify_names_a_changed_plugin_version_even_when_results_agree(local_run, capsys):
    db, plugin, *_ = local_run
    plugin.write_text(PLUGIN.format(factor="1.0") + "\n# 注释：格式调整\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", "1", "--db", str(db), *_consent(db)]) == 0  # same results: still identical
    out = capsys.readouterr().out
    assert "插件版本不同" in out and "local_share" in out and "office_rules.py" in out
    with open_store(db) as s:
        rep = verify(s, 1, _consent(db)[1:])
    assert rep.identical and not rep.same_versions
    (v,) = rep.versions
    assert v.method == "local_share" and v.version_then.startswith("local:") and v.version_then != v.version_now


def test_verify_detects_a_plugin_that_scores_differently(local_run, capsys):
    db, plugin, *_ = local_run
    plugin.write_text(PLUGIN.format(factor="0.90"), encoding="utf-8")  # another size: no stale bytecode
    capsys.readouterr()
    assert main(["verify", "1", "--db", str(db), *_consent(db)]) == 3
    out = capsys.readouterr().out
    assert "结果不一致" in out and "local_share" in out and "数据未变，结果不同应来自上述版本变化" in out
    assert main(["verify", "1", "--db", str(db), *_consent(db), "--format", "json"]) == 3
    doc = json.loads(capsys.readouterr().out)
    assert doc["identical"] is False and doc["versions"][0]["method"] == "local_share"
    moved = {(c["unit"], c["what"]) for c in doc["changes"]}
    assert ("U1", "total") in moved and ("U1", "indicator") in moved


def test_verify_with_other_data_names_the_changed_cells(local_run, capsys, tmp_path):
    db, _, _, folder = local_run
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    text = (other / "考核办.csv").read_text(encoding="utf-8-sig").replace("U2,70.5,", "U2,75.5,")
    (other / "考核办.csv").write_text(text, encoding="utf-8-sig")
    capsys.readouterr()
    assert main(["verify", "1", "--db", str(db), *_consent(db), "--data", str(other)]) == 3
    out = capsys.readouterr().out
    assert "U2（西城镇）“a”：70.5 → 75.5" in out
    assert main(["verify", "1", "--db", str(db), *_consent(db), "--data", str(folder)]) == 0  # the original files: identical
    assert "结果一致" in capsys.readouterr().out


def test_verify_detects_altered_stored_data(local_run, capsys):
    db, *_ = local_run
    with open_store(db) as s:
        run = s.run(1)
        data = s.inputs(run).data
    data.values["a"] = np.where(np.asarray(data.ids) == "U3", 10.0, data.values["a"])
    conn = sqlite3.connect(db)  # someone bypasses the program and its triggers
    conn.execute("DROP TRIGGER datasets_no_update")
    conn.execute("UPDATE datasets SET packed = ?", (canonical.pack(canonical.encode(data)),))
    conn.commit()
    conn.close()
    capsys.readouterr()
    # the dropped trigger is noticed on opening, with the sealed run that no longer matches
    assert main(["verify", "1", "--db", str(db), *_consent(db)]) == 2
    err = capsys.readouterr().err
    assert "datasets_no_update" in err and "第1号运行" in err and "data_sha256" in err
    assert main(["verify", "--all", "--db", str(db)]) == 3
    out = capsys.readouterr().out
    assert "datasets_no_update" in out and "第1号运行" in out and "data_sha256" in out


def test_verify_names_a_changed_engine_version(local_run, monkeypatch):
    db, *_ = local_run
    import scoring

    monkeypatch.setattr(scoring, "__version__", "9.9.9")
    with open_store(db) as s:
        rep = verify(s, 1, _consent(db)[1:])
    assert rep.identical and (rep.engine_then, rep.engine_now) == ("0.1.0", "9.9.9")


def test_verify_when_local_plugins_have_moved(local_run, capsys, tmp_path):
    db, plugin, *_ = local_run
    moved = tmp_path / "elsewhere"
    shutil.move(str(plugin.parent), str(moved))
    capsys.readouterr()
    assert main(["verify", "1", "--db", str(db), "--plugins", str(moved)]) == 0


def test_a_stored_run_never_loads_code_from_a_path_it_names(local_run, capsys):
    """The stored criteria name plugins = ["plugins"] beside the criteria file; the file is still
    there, yet nothing is loaded from it unless the user names the folder (consent)."""
    db, plugin, *_ = local_run
    marker = plugin.parent / "ran.txt"
    plugin.write_text(PLUGIN.format(factor="1.0") + f"\nopen({str(marker)!r}, 'w').write('ran')\n", encoding="utf-8")
    capsys.readouterr()
    for cmd in (["verify", "1"], ["decide", "1"], ["explain", "1", "U1"]):
        assert main([*cmd, "--db", str(db)]) == 2
        err = capsys.readouterr().err
        assert "local_share" in err and "office_rules.py" in err and "--plugins" in err
    assert not marker.exists()


def test_verify_unknown_run(local_run, capsys):
    db, *_ = local_run
    assert main(["verify", "7", "--db", str(db)]) == 2
    assert "没有第 7 号运行" in capsys.readouterr().err


def test_every_output_carries_the_stamp(tmp_path, capsys):
    crit, folder = tiny_setup(tmp_path)
    db = tmp_path / "h.sqlite"
    rec, _ = record_for(crit, folder)
    crit_sha, data_sha = canonical.sha256(crit.read_bytes()), canonical.data_hash(rec.data)
    assert main(["run", str(crit), "--data", str(folder)]) == 0
    table = capsys.readouterr().out
    stamp_line = table.strip().splitlines()[-1]
    assert stamp_line.startswith("印记：") and crit_sha[:12] in stamp_line and data_sha[:12] in stamp_line
    assert "引擎 0.1.0" in stamp_line and "builtin" in stamp_line and "运行" not in stamp_line
    assert main(["run", str(crit), "--data", str(folder), "--format", "json", "--save", "--db", str(db)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["stamp"]["criteria_sha256"] == crit_sha and doc["stamp"]["data_sha256"] == data_sha
    assert doc["stamp"]["run"] == 1 and doc["stamp"]["methods"]["deduct_per_count"] == "builtin"
    assert main(["run", str(crit), "--data", str(folder), "--lang", "en"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("Stamp: criteria " + crit_sha[:12])
    with open_store(db) as s:  # the stamp printed is the stamp stored
        assert s.run(1).stamp().as_dict() | {"status": None} == doc["stamp"] | {"status": None}
