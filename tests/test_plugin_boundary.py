"""No code without consent, and no wrong sheet from a plugin: what a method returns is checked
at the engine's boundary and a fault is named as that plugin's, method's and indicator's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import cli
from test_cli import share_case

# A local method whose points are whatever the formula {expr} makes of the submitted share.
BAD = '''\
import numpy as np
from scoring import Column, Method, Scored, hookimpl


class Share(Method):
    name = "share_of_full"
    title = ("按比例得分", "Share of full points")

    def score(self, col: Column, p) -> Scored:
        v = col.value
        return Scored({expr})

    def lost_reason(self, p, inputs, points, full, context, lang="zh"):
        {reason}


@hookimpl
def scoring_methods():
    return [Share]
'''


def case(tmp_path: Path, expr: str, reason: str = "return '按比例'") -> tuple[Path, Path, Path]:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "office.py").write_text(BAD.format(expr=expr, reason=reason), encoding="utf-8")
    crit, data = share_case(tmp_path, 'plugins = ["plugins"]')
    crit.write_text(crit.read_text(encoding="utf-8").replace("params = { floor = 10 }\n", ""), encoding="utf-8")
    return crit, data, folder


@pytest.mark.parametrize(
    "expr, code_zh, code_en",
    [
        ("np.where(v > 50, np.nan, v)", "非数值（NaN）", "gave NaN"),
        ("np.where(v > 50, np.inf, v)", "无穷大", "infinite"),
        ("v * 2", "超过该指标分值 100", "above its 100"),
        ("v - 50", "低于最低分 0", "below its floor of 0"),
    ],
)
def test_impossible_points_are_refused_naming_plugin_method_indicator_and_unit(capsys, tmp_path, expr, code_zh, code_en):
    crit, data, _ = case(tmp_path, expr)
    out_file = tmp_path / "out.csv"
    code, out, err = cli(capsys, "run", crit, "--data", data, "--format", "csv", "--out", out_file)
    assert code == 2 and out == "" and not out_file.exists(), err
    assert code_zh in err and "office.py" in err and "share_of_full" in err and "A 任务完成" in err
    assert ("ZF01" in err) != ("ZF02" in err)  # the unit the value belongs to, not every unit
    assert "未报送数据" not in err and "内部错误" not in err and "Traceback" not in err
    code, _, err = cli(capsys, "run", crit, "--data", data, "--lang", "en")
    assert code == 2 and code_en in err


def test_infinite_points_of_a_bonus_item_are_refused(capsys, tmp_path):
    # a 附加项 may go beyond [0, full], never to infinity
    crit, data, _ = case(tmp_path, "np.where(v > 50, -np.inf, v / 10)")
    text = crit.read_text(encoding="utf-8").replace('weights = { "政府部门" = 100 }', 'weights = { "政府部门" = 100 }\nbonus = { min = -5, max = 5 }')
    bonus = '\n[[indicators]]\nid = "B"\nmodule = "m"\nname = "加分"\nfull = 5\nbonus = true\nmethod = "share_of_full"\nfield = "完成比例"\n'
    crit.write_text(text.replace('method = "share_of_full"', 'method = "supplied"\nparams = { scale = 100 }', 1) + bonus, encoding="utf-8")
    code, out, err = cli(capsys, "run", crit, "--data", data, "--format", "csv")
    assert code == 2 and out == "", err
    assert "无穷大" in err and "share_of_full" in err and "B 加分" in err and "ZF01" in err and "ZF02" not in err


def test_a_plugin_exception_is_that_plugins_fault(capsys, tmp_path):
    crit, data, _ = case(tmp_path, "v / 0 if False else v[len(v)]")
    code, out, err = cli(capsys, "run", crit, "--data", data)
    assert code == 2 and out == ""
    assert "office.py" in err and "share_of_full" in err and "A 任务完成" in err and "IndexError" in err
    assert "不是报送数据的问题" in err and "内部错误" not in err and "Traceback" not in err


def test_an_exception_in_a_plugins_lost_points_reason_is_that_plugins_fault(capsys, tmp_path):
    crit, data, _ = case(tmp_path, "v", reason="raise KeyError('x')")
    code, out, err = cli(capsys, "explain", crit, "ZF01", "--data", data)
    assert code == 2 and "office.py" in err and "KeyError" in err and "内部错误" not in err


def test_points_within_range_pass_the_boundary(capsys, tmp_path):
    crit, data, _ = case(tmp_path, "v")
    code, out, err = cli(capsys, "run", crit, "--data", data, "--format", "csv")
    assert code == 0, err
    assert ",85.00," in out and ",5.00," in out


def test_points_a_hair_outside_0_and_full_are_clipped_to_them(capsys, tmp_path):
    # within the boundary's tolerance (1e-9 of the full points) a method's points pass, and are
    # clipped: at 6 decimals 1000.000001 and -0.000001 would otherwise show
    crit, data, _ = case(tmp_path, "np.where(v > 50, 1000 + 8e-7, -8e-7)")
    text = crit.read_text(encoding="utf-8").replace("year = 2020\n", "year = 2020\nprecision = 6\n").replace("full = 100\n", "full = 1000\n")
    text = text.replace('name = "重点任务"\n', 'name = "重点任务"\nfull = 1000\n')
    crit.write_text(text, encoding="utf-8")
    code, out, err = cli(capsys, "run", crit, "--data", data, "--format", "json")
    assert code == 0, err
    units = json.loads(out)["categories"][0]["units"]
    assert [(u["id"], u["indicators"][0]["points"]) for u in units] == [("ZF01", 1000.0), ("ZF02", 0.0)]


@pytest.mark.parametrize("entry", ["/tmp/evil", "../outside", "plugins/../../outside", "sub/../../x"])
def test_a_criteria_file_cannot_load_code_outside_its_folder(capsys, tmp_path, entry):
    outside = tmp_path / "outside"
    outside.mkdir()
    marker = tmp_path / "ran.txt"
    (outside / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n", encoding="utf-8")
    home = tmp_path / "office"
    home.mkdir()
    crit, _ = share_case(home, f'plugins = ["{entry}"]')
    code, out, err = cli(capsys, "check", crit)
    assert code == 2 and not marker.exists()
    assert entry in err and "细则.toml" in err and "第5行" in err and "--plugins" in err


def test_a_symlink_leading_out_of_the_criteria_folder_is_refused(capsys, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.py").write_text("raise SystemExit('never')\n", encoding="utf-8")
    home = tmp_path / "office"
    home.mkdir()
    (home / "plugins").symlink_to(outside, target_is_directory=True)
    crit, _ = share_case(home, 'plugins = ["plugins"]')
    code, _, err = cli(capsys, "check", crit)
    assert code == 2 and "plugins" in err and "不在评分细则所在的目录" in err


def test_a_plugin_failing_on_its_params_is_that_plugins_fault(capsys, tmp_path):
    crit, data, folder = case(tmp_path, "v")
    text = (folder / "office.py").read_text(encoding="utf-8")
    (folder / "office.py").write_text(
        text.replace("    def score(", "    def inputs(self, p):\n        raise RuntimeError('坏了')\n\n    def score("), encoding="utf-8"
    )
    code, out, err = cli(capsys, "check", crit)
    assert code == 2 and "office.py" in err and "检查参数" in err and "RuntimeError" in err and "内部错误" not in err
    code, out, err = cli(capsys, "check", crit, "--lang", "en")
    assert code == 2 and "checking its params" in err


def test_a_stored_run_needing_a_plugin_that_is_not_installed_says_which_and_how(capsys, tmp_path):
    """The run records each method's plugin and version; without it, the fix names what to install."""
    from scoring.history.record import build_record
    from scoring.history.store import open_store
    from scoring.core.engine import score
    from scoring.load.criteria_file import parse_criteria
    from scoring.load.submissions import read_folder
    from scoring.core.plan import build_plan
    from scoring.registry import load_registry

    crit, data, folder = case(tmp_path, "v")
    raw = crit.read_bytes()
    criteria, _, _ = parse_criteria(raw, str(crit))
    registry = load_registry([folder])
    res = score(build_plan(criteria, registry.methods, registry.failed), read_folder(data, criteria))
    rec = build_record(res, registry, criteria_raw=raw, criteria_path=str(crit), data_path=str(data), operator="x")
    rec.methods = {"share_of_full": "office-rules"}  # as if from an installed package, since removed
    rec.plugins = {**rec.plugins, "office-rules": "1.2.0"}
    db = tmp_path / "h.sqlite"
    with open_store(db, create=True) as s:
        s.save(rec)
    for argv in (["decide", "1"], ["verify", "1"], ["explain", "1", "ZF01"], ["finalize", "1"]):
        code, out, err = cli(capsys, *argv, "--db", db)
        assert code == 2 and "share_of_full" in err and "office-rules" in err and "1.2.0" in err and "pip install" in err, (argv, err)


def test_a_plugin_with_a_reason_per_unit_explains_every_line_of_the_json(capsys, tmp_path):
    """Written before reasons could be made a column at a time: each unit still gets its own sentence."""
    import json

    crit, data, _ = case(tmp_path, "v", reason="return '份额' + repr(sorted(inputs.values())) + '/' + repr(points)")
    out_file = tmp_path / "out.json"
    code, _, err = cli(capsys, "run", crit, "--data", data, "--format", "json", "--out", out_file)
    assert code == 0, err
    lines = [
        line
        for c in json.loads(out_file.read_text(encoding="utf-8"))["categories"]
        for u in c["units"]
        for line in u["indicators"]
        if line.get("method") == "share_of_full"
    ]
    lost = [line for line in lines if line["lost"]]
    assert len(lost) >= 2 and len({line["reason"] for line in lost}) == len(lost)  # each unit's own
    for line in lost:
        assert line["reason"] == "份额" + repr(sorted(line["inputs"].values())) + "/" + repr(line["points"])


def test_reasons_made_a_column_at_a_time_must_be_one_per_unit(capsys, tmp_path):
    crit, data, _ = case(tmp_path, "v", reason="return ''\n\n    def lost_reasons(self, *args):\n        return []")
    out_file = tmp_path / "out.json"
    code, out, err = cli(capsys, "run", crit, "--data", data, "--format", "json", "--out", out_file)
    assert code == 2 and not out_file.exists()
    assert "office.py" in err and "share_of_full" in err and "lost_reasons" in err and "Traceback" not in err


RULE_FAILS = '''\
from scoring import Method, Scored, hookimpl


class Broken(Method):
    name = "broken_rule"
    title = ("规则文字出错", "Rule text fails")
    example = {"field": "x", "params": {}}

    def score(self, col, p):
        return Scored(col.value)

    def rule(self, p, full, lang="zh"):
        raise KeyError("no such words")


@hookimpl
def scoring_methods():
    return [Broken]
'''


def test_a_method_whose_rule_text_fails_is_named_by_methods_and_criteria_diff(capsys, tmp_path):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "office.py").write_text(RULE_FAILS, encoding="utf-8")
    code, out, err = cli(capsys, "methods", "broken_rule", "--plugins", folder)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "office.py" in err and "broken_rule" in err and "生成评分标准文字" in err and "KeyError" in err

    (folder / "share.py").write_text(BAD.format(expr="v", reason="return '按比例'"), encoding="utf-8")
    crit, _ = share_case(tmp_path, 'plugins = ["plugins"]')
    old = crit.read_text(encoding="utf-8").replace("params = { floor = 10 }\n", "")
    crit.write_text(old, encoding="utf-8")
    new = tmp_path / "new.toml"
    new.write_text(old.replace('method = "share_of_full"', 'method = "broken_rule"'), encoding="utf-8")
    assert new.read_text(encoding="utf-8") != old
    code, out, err = cli(capsys, "criteria", "diff", crit, new)
    assert code == 2 and "Traceback" not in err and "broken_rule" in err and "生成评分标准文字" in err, err


# A local method that writes one of lost_reason / lost_reasons (or neither) and leaves the units above
# 10 to the base class's other one.
HALF = '''\
import numpy as np
from scoring import Column, Method, Scored, hookimpl


class Share(Method):
    name = "share_of_full"
    title = ("按比例得分", "Share of full points")

    def score(self, col: Column, p) -> Scored:
        return Scored(col.value)
{reasons}

@hookimpl
def scoring_methods():
    return [Share]
'''
ONLY_COLUMNS = """
    def lost_reasons(self, p, inputs, points, full, context, lang="zh"):
        texts = []
        for x, y in zip(inputs["完成比例"].tolist(), points.tolist()):
            texts.append("不足一成" if x < 10 else super().lost_reason(p, {"完成比例": x}, y, full, context, lang))
        return texts
"""
ONLY_ONE = """
    def lost_reason(self, p, inputs, points, full, context, lang="zh"):
        if inputs["完成比例"] < 10:
            return "不足一成"
        one = {f: np.array([v]) for f, v in inputs.items()}
        return super().lost_reasons(p, one, np.array([points]), full, context, lang)[0]
"""


@pytest.mark.parametrize("reasons", [ONLY_COLUMNS, ONLY_ONE, ""], ids=["lost_reasons only", "lost_reason only", "neither"])
def test_a_unit_left_to_the_base_classs_other_reason_gets_the_plain_sentence(capsys, tmp_path, reasons):
    """lost_reason's default asks lost_reasons, and lost_reasons' default asks lost_reason: a method that
    writes one and leaves some units to the other's default is answered, never sent round without end."""
    import json

    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "office.py").write_text(HALF.format(reasons=reasons), encoding="utf-8")
    crit, data = share_case(tmp_path, 'plugins = ["plugins"]')
    crit.write_text(crit.read_text(encoding="utf-8").replace("params = { floor = 10 }\n", ""), encoding="utf-8")
    out_file = tmp_path / "out.json"
    code, _, err = cli(capsys, "run", crit, "--data", data, "--format", "json", "--out", out_file)
    assert code == 0, err
    units = json.loads(out_file.read_text(encoding="utf-8"))["categories"][0]["units"]
    reasons_of = {u["id"]: line["reason"] for u in units for line in u["indicators"] if line.get("method") == "share_of_full"}
    assert reasons_of == {"ZF01": "完成比例=85，得85分", "ZF02": "完成比例=5，得5分" if not reasons else "不足一成"}
    for unit, reason in reasons_of.items():
        code, out, err = cli(capsys, "explain", crit, unit, "--data", data)
        assert code == 0 and reason in out, err
