"""The command line: `scoring check | run | methods` through scoring.cli.main(argv), and once as a real process."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from pathlib import Path

import pytest

from helpers import cli, cli_process
from scoring.cli import main

ROOT = Path(__file__).resolve().parent.parent
CRITERIA = ROOT / "criteria" / "yitong-2020.toml"
DATA = ROOT / "examples" / "yitong-2020"
CJK = re.compile("[\u4e00-\u9fff]")


def unit_count() -> dict[str, int]:
    with open(DATA / "units.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    out: dict[str, int] = {}
    for r in rows:
        out[r["类别"]] = out.get(r["类别"], 0) + 1
    return out


# --------------------------------------------------------------------------- the example
def test_check_the_example(capsys):
    code, out, err = cli(capsys, "check", CRITERIA)
    assert code == 0 and err == ""
    assert "检查通过" in out and "伊通满族自治县2020年度综合考核" in out and "3个类别" in out


def test_run_the_example_as_a_table(capsys):
    code, out, err = cli(capsys, "run", CRITERIA, "--data", DATA)
    assert code == 0, err
    for cat, n in unit_count().items():
        assert f"【{cat}】{n}个单位" in out
    assert "名次" in out and "总分" in out and "等次" in out and "法治政府建设(17)" in out and "法治政府建设(22)" in out
    assert "一票否决" in out  # the example has a veto


def test_table_columns_line_up_in_a_terminal(capsys):
    from wcwidth import wcswidth

    code, out, _ = cli(capsys, "run", CRITERIA, "--data", DATA)
    for block in out.split("【")[1:]:
        lines = block.split("\n\n")[0].splitlines()[1:]  # header, rule, rows
        rule, rows = lines[1], lines[2:]
        ends = [m.end() for m in re.finditer(r"-+", rule)]  # the rule is ASCII: characters = columns
        for row in rows:
            # numbers are right-aligned: each score ends where its column's rule ends, Chinese names before them
            # taking two columns per character
            numbers = list(re.finditer(r"\d+\.\d\d", row))
            assert len(numbers) >= 4
            assert [wcswidth(row[: m.end()]) for m in numbers] == ends[3 : 3 + len(numbers)], row


def test_methods_lists_every_method_and_its_plugin(capsys):
    code, out, err = cli(capsys, "methods")
    assert code == 0
    for name in ("quota", "vs_average", "survey", "bonus_by_level", "supplied"):
        assert re.search(rf"^{name}\s+\S+\s+builtin\s*$", out, re.M), name
    assert "次数达标" in out
    code, out, _ = cli(capsys, "methods", "--lang", "en")
    assert "Frequency quota" in out and "Plugin" in out


def test_json_follows_the_documented_shape(capsys):
    code, out, err = cli(capsys, "run", CRITERIA, "--data", DATA, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["schema"] == "scoring.results/1"
    assert {"name", "year", "office", "precision", "total"} <= set(doc["assessment"])
    counts = unit_count()
    assert [c["name"] for c in doc["categories"]] == ["党群部门", "政府部门", "乡镇(街道)"]
    places = doc["assessment"]["precision"]
    for cat in doc["categories"]:
        units = cat["units"]
        assert len(units) == counts[cat["name"]]
        assert [u["rank"] for u in units] == sorted(u["rank"] for u in units)
        for u in units:
            assert {"id", "name", "category", "total", "rank", "grade", "modules", "indicators"} <= set(u)
            assert u["category"] == cat["name"] and isinstance(u["total"], float) and isinstance(u["rank"], int)
            assert u["grade"] in ("优秀", "良好", "一般", "较差")
            assert round(u["total"], places) == u["total"]
            assert abs(sum(m["contribution"] for m in u["modules"]) - u["total"]) < 1e-6
            for m in u["modules"]:
                assert {"id", "name", "weight", "score", "contribution"} <= set(m)
            assert u["indicators"]
            for line in u["indicators"]:
                assert {"id", "name", "full", "points", "lost", "rule", "reason", "owner", "status"} <= set(line)
                assert line["rule"]
                if "method" in line and line["status"] == "scored" and line["lost"] and not line["bonus"]:
                    assert line["reason"], line  # every point a leaf loses comes with its reason
                if "inputs" in line:
                    assert isinstance(line["inputs"], dict)


def test_json_in_english(capsys):
    code, out, _ = cli(capsys, "run", CRITERIA, "--data", DATA, "--format", "json", "--lang", "en")
    doc = json.loads(out)
    line = next(l for u in doc["categories"][0]["units"] for l in u["indicators"] if l["id"] == "F1.2")
    assert "at least 6" in line["rule"]


def test_csv_has_every_unit(capsys):
    code, out, err = cli(capsys, "run", CRITERIA, "--data", DATA, "--format", "csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    headers = [r for r in rows if r[0] == "类别"]
    body = [r for r in rows if r[0] != "类别"]
    assert len(headers) >= 2  # 乡镇(街道) have one more module, so a new header
    assert {r[0] for r in body} == set(unit_count())
    assert len(body) == sum(unit_count().values())
    assert all(re.fullmatch(r"\d+\.\d\d", r[4]) for r in body)  # 总分 with the declared 2 decimals


def test_out_writes_the_file_atomically(capsys, tmp_path):
    target = tmp_path / "结果" / "results.json"
    code, out, err = cli(capsys, "run", CRITERIA, "--data", DATA, "--format", "json", "--out", target)
    assert code == 0 and out == "" and str(target) in err
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["schema"] == "scoring.results/1"
    assert [p.name for p in target.parent.iterdir()] == ["results.json"]  # no temporary file left behind

    csv_target = tmp_path / "results.csv"
    assert cli(capsys, "run", CRITERIA, "--data", DATA, "--format", "csv", "--out", csv_target)[0] == 0
    assert csv_target.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 CSV with a BOM

    # a failing run leaves an existing output untouched
    before = target.read_bytes()
    broken = tmp_path / "data"
    broken.mkdir()
    (broken / "units.csv").write_text("单位编号,单位名称,类别\nX1,某单位,不存在的类别\n", encoding="utf-8")
    code, out, err = cli(capsys, "run", CRITERIA, "--data", broken, "--format", "json", "--out", target)
    assert code == 2 and target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["results.json"]


# --------------------------------------------------------------------------- errors
BROKEN = """\
[assessment]
name = "坏的细则"
year = 2020
categories = ["党群部门"]

[[modules]]
id = "m"
name = "模块"
weights = { "党群部门" = 90 }

[[indicators]]
id = "A"
module = "m"
name = "指标"
full = 100
method = "qouta"
field = "次数"
"""


def test_broken_criteria_exit_2_with_a_chinese_message(capsys, tmp_path):
    path = tmp_path / "坏.toml"
    path.write_text(BROKEN, encoding="utf-8")
    code, out, err = cli(capsys, "check", path)
    assert code == 2 and out == ""
    assert "Traceback" not in err
    assert "评分细则有3个问题" in err
    assert "第16行" in err and "qouta" in err and "quota" in err  # where, what, and the near name
    assert "“党群部门”各模块权重之和为 90" in err
    assert "未声明的字段“次数”" in err


def test_broken_criteria_in_english(capsys, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BROKEN, encoding="utf-8")
    code, out, err = cli(capsys, "check", path, "--lang", "en")
    assert code == 2
    assert "The criteria file has 3 problem(s)" in err and "line 16" in err and "unknown scoring method" in err
    assert "How to fix" in err


def test_toml_syntax_error_in_cli(capsys, tmp_path):
    path = tmp_path / "syntax.toml"
    path.write_text('[assessment]\n名称 = "x"\n', encoding="utf-8")
    code, out, err = cli(capsys, "run", path, "--data", DATA)
    assert code == 2 and "第2行" in err and "列 1" in err and "中文键名“名称”没有加引号" in err and "Traceback" not in err


def test_missing_data_exit_2_names_unit_and_field_without_warnings(capsys, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for f in DATA.glob("*.csv"):
        text = f.read_text(encoding="utf-8-sig")
        if f.name == "县委组织部.csv":
            text = text.replace("DQ01,县纪委监委机关,90.08", "DQ01,县纪委监委机关,")
        (data / f.name).write_text(text, encoding="utf-8-sig")
    code, out, err = cli(capsys, "run", CRITERIA, "--data", data)
    assert code == 2 and out == ""
    assert "DQ01" in err and "党建考核得分" in err and "报送数据有1个问题" in err
    assert "Warning" not in err and "Traceback" not in err


def test_missing_files(capsys, tmp_path):
    assert cli(capsys, "check", tmp_path / "none.toml")[0] == 2
    code, _, err = cli(capsys, "run", CRITERIA, "--data", tmp_path / "nowhere")
    assert code == 2 and "找不到数据目录" in err


def test_usage_errors_exit_2():
    with pytest.raises(SystemExit) as e:
        main([])
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        main(["run", str(CRITERIA)])  # --data is required
    assert e.value.code == 2


# --------------------------------------------------------------------------- plugins
PLUGIN = '''\
"""A local method: points = full × share given in percent (an office's own rule)."""
import numpy as np
from pydantic import Field

from scoring import Column, Method, Params, Scored, hookimpl, tr


class Share(Method):
    name = "{name}"
    title = ("按比例得分", "Share of full points")

    class Params(Params):
        floor: float = Field(0, ge=0)

    def score(self, col: Column, p) -> Scored:
        return Scored(np.maximum(col.value / 100 * col.full, p.floor))

    def rule(self, p, full, lang="zh"):
        return tr(lang, f"按完成比例折算，满分{{full:g}}分", f"share of {{full:g}} points")


@hookimpl
def scoring_methods():
    return [Share]
'''

SHARE_CRITERIA = """\
[assessment]
name = "本地插件测试"
year = 2020
categories = ["政府部门"]
{plugins}

[[fields]]
name = "完成比例"
kind = "rate"

[[modules]]
id = "m"
name = "重点任务"
weights = {{ "政府部门" = 100 }}

[[indicators]]
id = "A"
module = "m"
name = "任务完成"
full = 100
method = "share_of_full"
field = "完成比例"
params = {{ floor = 10 }}
"""


def write_plugin(folder: Path, filename: str, name: str = "share_of_full", body: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_text(body if body is not None else PLUGIN.format(name=name), encoding="utf-8")
    return path


def share_case(tmp_path: Path, plugins_line: str = "") -> tuple[Path, Path]:
    crit = tmp_path / "细则.toml"
    crit.write_text(SHARE_CRITERIA.format(plugins=plugins_line), encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "units.csv").write_text("单位编号,单位名称,类别\nZF01,县教育局,政府部门\nZF02,县财政局,政府部门\n", encoding="utf-8")
    (data / "台账.csv").write_text("单位编号,完成比例\nZF01,85%\nZF02,5\n", encoding="utf-8")
    return crit, data


def test_local_plugin_folder_on_the_command_line(capsys, tmp_path):
    folder = tmp_path / "我的插件"
    write_plugin(folder, "share.py")
    crit, data = share_case(tmp_path)
    code, out, err = cli(capsys, "check", crit)
    assert code == 2 and "share_of_full" in err  # unknown without the plugin
    code, out, err = cli(capsys, "run", crit, "--data", data, "--plugins", folder, "--format", "json")
    assert code == 0, err
    units = json.loads(out)["categories"][0]["units"]
    assert [(u["id"], u["total"]) for u in units] == [("ZF01", 85.0), ("ZF02", 10.0)]
    code, out, _ = cli(capsys, "methods", "--plugins", folder)
    assert re.search(r"^share_of_full\s+按比例得分\s+.*share\.py\s*$", out, re.M)


def test_local_plugin_folder_named_in_the_criteria_file(capsys, tmp_path):
    write_plugin(tmp_path / "plugins", "share.py")
    crit, data = share_case(tmp_path, 'plugins = ["plugins"]')
    code, out, err = cli(capsys, "run", crit, "--data", data)
    assert code == 0, err
    assert "85.00" in out and "10.00" in out


def test_a_single_plugin_file(capsys, tmp_path):
    path = write_plugin(tmp_path / "p", "one.py")
    crit, data = share_case(tmp_path)
    assert cli(capsys, "check", crit, "--plugins", path)[0] == 0


def test_duplicate_method_name_is_refused_naming_both_plugins(capsys, tmp_path):
    folder = tmp_path / "plugins"
    write_plugin(folder, "mine.py", name="quota")
    code, out, err = cli(capsys, "methods", "--plugins", folder)
    assert code == 2 and "Traceback" not in err
    assert "quota" in err and "builtin" in err and "mine.py" in err
    write_plugin(folder, "mine.py")
    write_plugin(folder, "theirs.py")  # same name from two local files
    code, out, err = cli(capsys, "methods", "--plugins", folder, "--lang", "en")
    assert code == 2 and "share_of_full" in err and "mine.py" in err and "theirs.py" in err and "provided twice" in err


def test_a_plugin_that_fails_to_import_is_reported_and_the_others_load(capsys, tmp_path):
    folder = tmp_path / "plugins"
    write_plugin(folder, "a_good.py")
    write_plugin(folder, "b_broken.py", body="import numpy\nraise RuntimeError('配置缺失')\n")
    write_plugin(folder, "_private.py", body="raise SystemExit('never imported')\n")
    code, out, err = cli(capsys, "methods", "--plugins", folder)
    assert code == 0
    assert "share_of_full" in out and "quota" in out  # the others, built-in and local, still load
    assert "b_broken.py" in err and "加载失败" in err and "配置缺失" in err and "Traceback" not in err
    assert "_private" not in err

    # a criteria file using a method of the broken plugin says the plugin failed
    crit, data = share_case(tmp_path)
    crit.write_text(crit.read_text(encoding="utf-8").replace("share_of_full", "from_broken"), encoding="utf-8")
    code, out, err = cli(capsys, "run", crit, "--data", data, "--plugins", folder)
    assert code == 2 and "from_broken" in err and "b_broken.py" in err


def test_missing_plugin_folder(capsys, tmp_path):
    code, out, err = cli(capsys, "methods", "--plugins", tmp_path / "nowhere")
    assert code == 2 and "找不到插件目录" in err


# --------------------------------------------------------------------------- a real process
def test_as_a_subprocess():
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("SCORING_LANG", None)
    proc = cli_process("run", CRITERIA, "--data", DATA, "--lang", "en", env=env, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Rank" in proc.stdout and "Total" in proc.stdout and "[党群部门] 13 units" in proc.stdout
    assert proc.stderr == ""
    proc = cli_process("check", ROOT / "no-such.toml", env=env, timeout=60)
    assert proc.returncode == 2 and "找不到评分细则文件" in proc.stderr and "Traceback" not in proc.stderr


def test_a_batch_command_collects_cycles_less_often_and_restores_the_callers_setting(capsys, tmp_path):
    import gc

    from scoring.cli import BATCH_GC, LONG_RUNNING

    seen = tmp_path / "seen.txt"
    body = (
        PLUGIN.format(name="share_of_full") + f"\nimport gc as _gc\nfrom pathlib import Path as _P\n_P({str(seen)!r}).write_text(repr(_gc.get_threshold()))\n"
    )
    folder = tmp_path / "plugins"
    write_plugin(folder, "share.py", body=body)
    before = gc.get_threshold()
    assert before != BATCH_GC
    code, _, err = cli(capsys, "methods", "--plugins", folder)
    assert code == 0, err
    assert seen.read_text() == repr(BATCH_GC)  # while the command ran (the plugin is loaded inside it)
    assert gc.get_threshold() == before  # and the caller's setting afterwards
    assert LONG_RUNNING == {"serve"}  # the portal keeps Python's default


_FREED = """
import os, sys
from scoring.cli import keep_freed_memory

def resident() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

kept = keep_freed_memory() if sys.argv[1] == "keep" else None
before = resident()
block = b"x" * (16 << 20)  # every page written
del block
print(kept, resident() - before)
"""


@pytest.mark.skipif(
    not (os.path.exists("/proc/self/statm") and hasattr(os, "confstr") and "glibc" in (os.confstr("CS_GNU_LIBC_VERSION") or "")), reason="glibc on Linux"
)
def test_a_command_line_keeps_freed_memory_for_its_next_arrays():
    """A 16 MiB block freed: given back to the system by default (the next one is mapped and faulted
    in anew), kept for the next allocation once the command line has set glibc's thresholds."""
    import subprocess
    import sys

    got = {}
    for how in ("default", "keep"):
        proc = subprocess.run([sys.executable, "-c", _FREED, how], capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert proc.returncode == 0, proc.stderr
        kept, grown = proc.stdout.split()
        got[how] = (kept, int(grown))
    assert got["default"][0] == "None" and got["default"][1] < 4 << 20
    assert got["keep"][0] == "True" and got["keep"][1] >= 15 << 20


def test_a_python_without_ctypes_runs_commands_with_the_allocator_as_it_is(monkeypatch):
    """A Python built without ctypes: ``import ctypes`` fails, and the command line goes on
    without its allocator setting rather than stopping with a traceback."""
    from scoring.cli import keep_freed_memory

    monkeypatch.setitem(sys.modules, "ctypes", None)  # what `import ctypes` meets where it is not built
    assert keep_freed_memory() is False


def test_the_command_line_in_a_callers_process_leaves_its_collector_as_it_found_it(monkeypatch, capsys):
    """``main()`` with no arguments is the command line owning its process: it freezes what paused
    blocks made (``cycles.keep``) and may fork (``parallel.allowed``) while the command runs. A caller
    that runs it in its own process (``sys.argv`` set, ``main()`` called) gets both back as they were
    once the command returns: nothing it calls afterwards forks its process."""
    import scoring.cli as command_line
    from scoring import parallel
    from scoring.core import cycles

    seen = []
    monkeypatch.setattr(command_line, "keep_freed_memory", lambda: seen.append("allocator") or True)
    real = command_line.COMMANDS["check"]
    monkeypatch.setitem(command_line.COMMANDS, "check", lambda args: seen.append((cycles.keep, parallel.allowed)) or real(args))
    monkeypatch.setattr(sys, "argv", ["scoring", "check", str(ROOT / "criteria" / "yitong-2020.toml")])
    assert cycles.keep is False and parallel.allowed is False
    assert main() == 0, capsys.readouterr().err
    assert seen == ["allocator", (True, True)]  # set for the command ...
    assert cycles.keep is False and parallel.allowed is False  # ... and put back after it
