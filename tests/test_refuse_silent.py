"""Impossible input is refused (exit 2, located, with a fix) or declared and shown; never scored silently.

Each case starts from a copy of the bundled example with one realistic mistake in it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from helpers import cli, example_copy

ROOT = Path(__file__).resolve().parent.parent
CRITERIA = ROOT / "criteria" / "yitong-2020.toml"
DATA = ROOT / "examples" / "yitong-2020"


def read_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def set_cells(path: Path, unit: str, **values: str) -> tuple[int, dict[str, str]]:
    """Write values into a unit's row of a wide CSV; returns the row number and each column's letter."""
    rows = read_rows(path)
    header = rows[0]
    r = next(k for k, row in enumerate(rows) if row and row[0] == unit)
    letters = {}
    for col, v in values.items():
        j = header.index(col)
        rows[r][j] = v
        letters[col] = chr(65 + j)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return r + 1, letters


def criteria_with(tmp_path: Path, extra: str = "", replace: tuple[str, str] | None = None) -> Path:
    text = CRITERIA.read_text(encoding="utf-8")
    if replace is not None:
        assert replace[0] in text
        text = text.replace(*replace)
    path = tmp_path / "criteria.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def assert_refused(capsys, tmp_path, *argv) -> str:
    """Exit 2 with nothing on stdout and nothing written, from run and from validate alike."""
    before = sorted(p.name for p in tmp_path.rglob("*"))
    code, out, err = cli(capsys, "run", *argv, "--out", tmp_path / "out.json", "--format", "json")
    assert code == 2, err
    assert out == "" and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    vcode, vout, _ = cli(capsys, "validate", *argv)
    assert vcode == 2
    return err + vout


# --------------------------------------------------------------------------- derived values
@pytest.mark.parametrize(
    "given,due,rate_field,shown",
    [
        ("规范性文件已备案件数", "规范性文件应备案件数", "规范性文件备案率", "150"),
        ("负责人出庭应诉次数", "行政应诉案件数", "负责人出庭应诉率", "116.6667"),
    ],
)
def test_a_rate_computed_above_100_is_refused_naming_its_input_cells(capsys, tmp_path, given, due, rate_field, shown):
    data = example_copy(tmp_path)
    denominator = {"规范性文件备案率": "2", "负责人出庭应诉率": "6"}[rate_field]
    numerator = {"规范性文件备案率": "3", "负责人出庭应诉率": "7"}[rate_field]
    row, letters = set_cells(data / "县司法局.csv", "ZF01", **{given: numerator, due: denominator})
    err = assert_refused(capsys, tmp_path, CRITERIA, "--data", data)
    assert f"“{rate_field}”由公式算得 {shown}，超出范围 [0, 100]" in err
    # both cells that produced the value, each with file and A1 reference
    assert f"{given} = {numerator}（县司法局.csv {letters[given]}{row}）" in err
    assert f"{due} = {denominator}（县司法局.csv {letters[due]}{row}）" in err
    assert f"县司法局.csv, 第{row}行" in err and "修改建议" in err


def test_max_on_a_formula_field_holds_for_computed_values(capsys, tmp_path):
    data = example_copy(tmp_path)
    # an office caps 复议纠错率 at 50: a unit computing to 100 % is refused, not scored
    crit = criteria_with(
        tmp_path, replace=('name = "行政复议纠错率"\nkind = "rate"\nunit = "%"\n', 'name = "行政复议纠错率"\nkind = "rate"\nunit = "%"\nmax = 50\n')
    )
    row, _ = set_cells(data / "县司法局.csv", "ZF01", 行政复议决定数="2", 复议纠错件数="2")
    err = assert_refused(capsys, tmp_path, crit, "--data", data)
    assert "“行政复议纠错率”由公式算得 100，超出范围 [0, 50]" in err


def test_derived_values_within_range_score_as_before(capsys):
    code, out, err = cli(capsys, "validate", CRITERIA, "--data", DATA)
    assert code == 0, out + err
    assert "由公式算得" not in out


# --------------------------------------------------------------------------- declared cross-field checks
CHECKS = """
[[checks]]
name = "已备案件数不超过应备案件数"
rule = "规范性文件已备案件数 <= 规范性文件应备案件数"

[[checks]]
name = "各档评审票数之和等于评审票总数"
rule = "普法评审A票 + 普法评审B票 + 普法评审C票 + 普法评审D票 = 评审票总数"
applies_to = ["党群部门", "乡镇(街道)"]

[[fields]]
name = "评审票总数"
kind = "count"
owner = "县司法局"
"""


def test_a_declared_check_is_refused_at_the_cells_of_both_sides(capsys, tmp_path):
    data = example_copy(tmp_path)
    # without a range on the rate this is caught by the declared check alone
    crit = criteria_with(tmp_path, CHECKS)
    row, letters = set_cells(data / "县司法局.csv", "ZF02", 规范性文件应备案件数="4", 规范性文件已备案件数="5")
    err = assert_refused(capsys, tmp_path, crit, "--data", data)
    assert "单位 ZF02（县发展和改革局）未通过核对“已备案件数不超过应备案件数”" in err
    assert "左边为 5，右边为 4" in err
    assert f"规范性文件已备案件数 = 5（县司法局.csv {letters['规范性文件已备案件数']}{row}）" in err
    assert f"规范性文件应备案件数 = 4（县司法局.csv {letters['规范性文件应备案件数']}{row}）" in err


def with_vote_totals(data: Path, wrong_for: str = "") -> None:
    """Add a 评审票总数 column (the sum of the four grades; one more for ``wrong_for``) to the copy."""
    path = data / "县司法局.csv"
    rows = read_rows(path)
    votes = [rows[0].index(f"普法评审{g}票") for g in "ABCD"]
    rows[0].append("评审票总数")
    for row in rows[1:]:
        row.append(str(sum(int(row[j]) for j in votes) + (1 if row[0] == wrong_for or row[0].startswith("ZF") else 0)))
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def test_parts_must_add_up_to_the_declared_total(capsys, tmp_path):
    data = example_copy(tmp_path)
    crit = criteria_with(tmp_path, CHECKS)
    with_vote_totals(data)  # 政府部门 totals are off by one, but the check does not apply to them
    code, out, err = cli(capsys, "validate", crit, "--data", data)
    assert code == 0, out + err
    with_vote_totals(example_copy(tmp_path / "again"), wrong_for="DQ03")
    data = tmp_path / "again" / "data"
    rows = read_rows(data / "县司法局.csv")
    row = next(k for k, r in enumerate(rows) if r[0] == "DQ03") + 1
    letter = chr(65 + rows[0].index("评审票总数"))
    err = assert_refused(capsys, tmp_path / "again", crit, "--data", data)
    assert "单位 DQ03（县委组织部）未通过核对“各档评审票数之和等于评审票总数”" in err
    total = int(rows[row - 1][-1])
    assert f"左边为 {total - 1}，右边为 {total}" in err
    assert f"评审票总数 = {total}（县司法局.csv {letter}{row}）" in err
    assert f"普法评审A票 = {rows[row - 1][rows[0].index('普法评审A票')]}（县司法局.csv" in err


def test_declared_checks_of_the_example_data_pass_and_the_output_is_unchanged(capsys, tmp_path):
    crit = criteria_with(tmp_path, CHECKS)
    code, with_checks, _ = cli(capsys, "run", crit, "--data", DATA, "--format", "csv")
    assert code == 0
    code, plain, _ = cli(capsys, "run", CRITERIA, "--data", DATA, "--format", "csv")
    strip = lambda text: [l for l in text.splitlines() if "细则" not in l and "sha256" not in l]  # noqa: E731
    assert strip(with_checks) == strip(plain)


@pytest.mark.parametrize(
    "rule,what",
    [
        ("规范性文件已备案件数 规范性文件应备案件数", "此处应为比较符"),
        ("规范性文件已备案件数 <= 应备数", "未声明的字段"),
        ("(规范性文件已备案件数 <= 规范性文件应备案件数", "此处应为"),
    ],
)
def test_check_refuses_a_badly_written_rule_with_its_line(capsys, tmp_path, rule, what):
    crit = criteria_with(tmp_path, f'\n[[checks]]\nname = "核对"\nrule = "{rule}"\n')
    line = crit.read_text(encoding="utf-8").splitlines().index(f'rule = "{rule}"') + 1
    code, out, err = cli(capsys, "check", crit)
    assert code == 2 and out == ""
    assert f"第{line}行" in err and "checks[0].rule" in err


# --------------------------------------------------------------------------- constant zero divisor
@pytest.mark.parametrize("formula", ["按时答复数 / 0 * 100", "按时答复数 / (2 * 0 + 0.0) * 100", "按时答复数 / (1 - 1)"])
def test_check_refuses_a_formula_dividing_by_a_constant_zero(capsys, tmp_path, formula):
    old = 'formula = "按时答复数 / 依申请公开申请数 * 100"'
    crit = criteria_with(tmp_path, replace=(old, f'formula = "{formula}"'))
    line = crit.read_text(encoding="utf-8").splitlines().index(f'formula = "{formula}"') + 1
    code, out, err = cli(capsys, "check", crit)
    assert code == 2 and out == ""
    assert f"第{line}行" in err and "除以常数0" in err and "政府信息公开答复率" in err and "修改建议" in err


# --------------------------------------------------------------------------- percent text in a field that is not a rate
def explain_json(capsys, crit, data, unit: str) -> dict:
    code, out, err = cli(capsys, "run", crit, "--data", data, "--format", "json")
    assert code == 0, err
    units = [u for c in json.loads(out)["categories"] for u in c["units"]]
    return next(u for u in units if u["id"] == unit)


def test_percent_text_in_a_score_field_is_refused(capsys, tmp_path):
    data = example_copy(tmp_path)
    row, letters = set_cells(data / "县司法局.csv", "ZF03", 学法考试平均分="88.9%")
    err = assert_refused(capsys, tmp_path, CRITERIA, "--data", data)
    assert f"县司法局.csv, 第{row}行, 列 {letters['学法考试平均分']}（学法考试平均分）" in err
    assert "“88.9%”是百分数，但字段“学法考试平均分”不是比率：读作 88.9 还是 0.889" in err
    assert 'percent = "number"' in err


@pytest.mark.parametrize("declared,reads", [("number", 88.9), ("fraction", 0.889)])
def test_a_field_may_declare_how_percent_text_reads(capsys, tmp_path, declared, reads):
    data = example_copy(tmp_path)
    field = 'name = "学法考试平均分"\nunit = "分"\n'
    crit = criteria_with(tmp_path, replace=(field, field + f'percent = "{declared}"\n'))
    set_cells(data / "县司法局.csv", "ZF03", 学法考试平均分="88.9%")
    got = explain_json(capsys, crit, data, "ZF03")
    (f17,) = [i for i in got["indicators"] if i["id"] == "F1.7"]
    assert f17["inputs"]["学法考试平均分"] == reads
    # the same as typing the number it reads as
    set_cells(data / "县司法局.csv", "ZF03", 学法考试平均分=f"{reads:g}")
    again = explain_json(capsys, crit, data, "ZF03")
    assert again["total"] == got["total"]


@pytest.mark.parametrize("kind,declared", [("rate", "fraction"), ("count", "number")])
def test_check_refuses_a_percent_declaration_that_contradicts_the_kind(capsys, tmp_path, kind, declared):
    field = {"rate": 'name = "行政执法案卷合格率"\nkind = "rate"\n', "count": 'name = "会前学法次数"\nkind = "count"\n'}[kind]
    crit = criteria_with(tmp_path, replace=(field, field + f'percent = "{declared}"\n'))
    lines = crit.read_text(encoding="utf-8").splitlines()
    code, out, err = cli(capsys, "check", crit)
    assert code == 2
    assert f"第{lines.index(f'percent = {chr(34)}{declared}{chr(34)}') + 1}行" in err and "fields[" in err


# --------------------------------------------------------------------------- gaps the unit did not leave
def as_workbook(data: Path, name: str, edit) -> Path:
    """Replace a CSV of the copy by the same table as an .xlsx, changed by ``edit(worksheet, header, rows)``."""
    from openpyxl import Workbook

    rows = read_rows(data / f"{name}.csv")
    (data / f"{name}.csv").unlink()
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append([float(c) if c.replace(".", "", 1).isdigit() else (c or None) for c in row])
    edit(ws, rows[0], rows)
    path = data / f"{name}.xlsx"
    wb.save(path)
    return path


def letter_row(rows, header, unit: str, col: str) -> tuple[str, int]:
    return chr(65 + header.index(col)), next(k for k, r in enumerate(rows) if r[0] == unit) + 1


def test_the_workbook_itself_reads_as_the_csv(capsys, tmp_path):
    data = example_copy(tmp_path)
    as_workbook(data, "县司法局", lambda ws, header, rows: None)
    code, out, err = cli(capsys, "run", CRITERIA, "--data", data, "--format", "csv")
    assert code == 0, err
    code, plain, _ = cli(capsys, "run", CRITERIA, "--data", DATA, "--format", "csv")
    strip = lambda text: [l for l in text.splitlines() if "数据" not in l and "sha256" not in l]  # noqa: E731
    assert strip(out) == strip(plain)


def test_a_merged_cell_in_an_exclude_field_is_refused(capsys, tmp_path):
    data = example_copy(tmp_path)
    col = "矛盾纠纷调解成功率"  # missing = "exclude": a blank would silently leave the unit out
    got = {}

    def merge(ws, header, rows):
        letter, row = letter_row(rows, header, "ZF05", col)
        ws.merge_cells(f"{letter}{row}:{letter}{row + 1}")  # ZF05's value now covers ZF06's cell as well
        got.update(letter=letter, row=row)

    as_workbook(data, "县司法局", merge)
    err = assert_refused(capsys, tmp_path, CRITERIA, "--data", data)
    letter, row = got["letter"], got["row"]
    assert f"县司法局.xlsx, 工作表“Sheet”, 第{row + 1}行, 列 {letter}（{col}）, 单元格 {letter}{row + 1}" in err
    assert f"合并区域 {letter}{row}:{letter}{row + 1} 内" in err and "ZF06" in err and "取消合并" in err


def test_a_formula_saved_without_its_result_is_refused(capsys, tmp_path):
    data = example_copy(tmp_path)
    col = "矛盾纠纷调解成功率"
    got = {}

    def formula(ws, header, rows):
        letter, row = letter_row(rows, header, "XZ01", col)
        ws[f"{letter}{row}"] = "=99.6*1"  # written by a program: no cached result in the file
        got.update(letter=letter, row=row)

    as_workbook(data, "县司法局", formula)
    err = assert_refused(capsys, tmp_path, CRITERIA, "--data", data)
    assert f"单元格 {got['letter']}{got['row']}" in err and "公式“=99.6*1”" in err and "XZ01" in err
    assert "保存一次" in err


def test_half_a_formulas_inputs_under_exclude_is_refused(capsys, tmp_path):
    data = example_copy(tmp_path)
    # 行政应诉案件数 given, 负责人出庭应诉次数 forgotten: F2.3 (missing = "exclude") would drop the unit silently
    row, letters = set_cells(data / "县司法局.csv", "ZF01", 负责人出庭应诉次数="")
    err = assert_refused(capsys, tmp_path, CRITERIA, "--data", data)
    assert f"县司法局.csv, 第{row}行, 列 {letters['负责人出庭应诉次数']}（负责人出庭应诉次数）" in err
    assert "单位 ZF01（县政府办公室）报送了行政应诉案件数，却没有报送“负责人出庭应诉次数”" in err
    # both blank: a unit without this work, left out as the criteria declare
    set_cells(data / "县司法局.csv", "ZF01", 行政应诉案件数="")
    code, out, err = cli(capsys, "run", CRITERIA, "--data", data, "--format", "json")
    assert code == 0, err


# --------------------------------------------------------------------------- absurd magnitudes
@pytest.mark.parametrize("typed", ["1e308", "1E16", "-2e300"])
def test_a_huge_number_in_a_count_is_refused_at_its_cell(capsys, tmp_path, typed):
    data = example_copy(tmp_path)
    row, letters = set_cells(data / "县统计局.csv", "DQ01", 满意票=typed)
    err = assert_refused(capsys, tmp_path, CRITERIA, "--data", data)
    assert f"县统计局.csv, 第{row}行, 列 {letters['满意票']}（满意票）, 单元格 {letters['满意票']}{row}" in err
    assert f"“{typed}”" in err and "满意票" in err
    assert "没有任何文件提供此字段" not in err and "未报送" not in err


def test_large_but_real_counts_still_read(capsys, tmp_path):
    data = example_copy(tmp_path)
    set_cells(data / "县统计局.csv", "DQ01", 满意票="123456789012")
    code, out, err = cli(capsys, "validate", CRITERIA, "--data", data)
    assert code == 0, out


# --------------------------------------------------------------------------- control characters in submitted text
SNEAKY = {"bidi override": "\u202e", "ANSI escape": "\x1b[2J", "zero-width space": "\u200b", "C1 control": "\x85", "isolate": "\u2066", "bell": "\x07"}


def write_rows(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


@pytest.mark.parametrize("kind", list(SNEAKY))
def test_control_characters_in_a_unit_name_are_refused(capsys, tmp_path, kind):
    data = example_copy(tmp_path)
    rows = read_rows(data / "units.csv")
    r = next(k for k, row in enumerate(rows) if row[0] == "XZ02")
    rows[r][1] = "二道" + SNEAKY[kind] + "镇"  # would display as another unit's name, or clear the screen
    write_rows(data / "units.csv", rows)
    err = assert_refused(capsys, tmp_path, CRITERIA, "--data", data)
    code = f"U+{ord(SNEAKY[kind][0]):04X}"
    assert f"units.csv, 第{r + 1}行, 列 B（单位名称）, 单元格 B{r + 1}" in err and code in err and "删去这些字符" in err
    assert SNEAKY[kind] not in err  # the message itself shows the character, never sends it


@pytest.mark.parametrize("where", ["id", "evidence", "header"])
def test_control_characters_in_a_data_file_are_refused(capsys, tmp_path, where):
    data = example_copy(tmp_path)
    path = data / "县委依法治县办.csv"
    rows = read_rows(path)
    r = next(k for k, row in enumerate(rows) if row[0] == "ZF02")
    j = {"id": 0, "evidence": rows[0].index("年度报告按时报送佐证材料"), "header": rows[0].index("会前学法次数")}[where]
    if where == "header":
        rows[0][j] = "会前学法\u200b次数"
        r = 0
    else:
        rows[r][j] = rows[r][j][:2] + "\u202e" + rows[r][j][2:]
    write_rows(path, rows)
    err = assert_refused(capsys, tmp_path, CRITERIA, "--data", data)
    assert f"县委依法治县办.csv, 第{r + 1}行, 列 {chr(65 + j)}" in err and "控制字符" in err
    assert "\u202e" not in err and "\u200b" not in err


def test_evidence_with_control_characters_is_refused_from_a_workbook_too(capsys, tmp_path):
    data = example_copy(tmp_path)
    got = {}

    def sneak(ws, header, rows):
        letter, row = letter_row(rows, header, "DQ05", "年度报告按时报送佐证材料")
        ws[f"{letter}{row}"] = "报告\u202efdp.exe"  # shows as "报告exe.pdf" (C0 controls cannot be stored in a workbook)
        got.update(letter=letter, row=row)

    as_workbook(data, "县委依法治县办", sneak)
    err = assert_refused(capsys, tmp_path, CRITERIA, "--data", data)
    assert f"单元格 {got['letter']}{got['row']}" in err and "U+202E" in err and "\u202e" not in err


# --------------------------------------------------------------------------- what a criteria file may ask for
ANSWERED = 'formula = "按时答复数 / 依申请公开申请数 * 100"'


def check_refuses(capsys, crit: Path, *expected: str) -> str:
    code, out, err = cli(capsys, "check", crit)
    assert code == 2 and out == "" and "内部错误" not in err, err
    for text in expected:
        assert text in err, err
    return err


@pytest.mark.parametrize(
    "formula,bound",
    [
        ("(" * 250 + "按时答复数" + ")" * 250, "最多"),
        (" + ".join(["按时答复数"] * 1000), "公式过长（最多400个记号）"),
        ("-" * 200 + "按时答复数", "嵌套过深（最多30层）"),
        ("min(" * 40 + "按时答复数" + ", 1)" * 40, "嵌套过深（最多30层）"),
    ],
)
def test_a_formula_beyond_the_bounds_is_refused_at_its_line(capsys, tmp_path, formula, bound):
    crit = criteria_with(tmp_path, replace=(ANSWERED, f'formula = "{formula}"'))
    line = crit.read_text(encoding="utf-8").splitlines().index(f'formula = "{formula}"') + 1
    check_refuses(capsys, crit, f"第{line}行", "fields[", bound)


def test_a_formula_at_the_bounds_still_works(capsys, tmp_path):
    deep = "(" * 25 + "按时答复数" + ")" * 25 + " / 依申请公开申请数 * 100"
    crit = criteria_with(tmp_path, replace=(ANSWERED, f'formula = "{deep}"'))
    code, out, err = cli(capsys, "run", crit, "--data", DATA, "--format", "csv")
    assert code == 0, err
    code, plain, _ = cli(capsys, "run", CRITERIA, "--data", DATA, "--format", "csv")
    strip = lambda text: [l for l in text.splitlines() if "细则" not in l and "sha256" not in l]  # noqa: E731
    assert strip(out) == strip(plain)


@pytest.mark.parametrize("depth", [400, 3000])
def test_deeply_nested_toml_is_refused_with_its_line(capsys, tmp_path, depth):
    crit = criteria_with(tmp_path, replace=('office = "', 'plugins = ' + "[" * depth + "]" * depth + '\noffice = "'))
    line = next(n for n, l in enumerate(crit.read_text(encoding="utf-8").splitlines(), 1) if l.startswith("plugins = [[["))
    check_refuses(capsys, crit, f"第{line}行", "嵌套过深", "超过20层")


def test_a_huge_tie_break_list_is_refused_quickly_and_a_repeated_entry_is_named(capsys, tmp_path):
    import time

    huge = ", ".join(['"年度重点任务数"'] * 20_000)
    crit = criteria_with(tmp_path, replace=('tie_break = ["年度重点任务数"]', f"tie_break = [{huge}]"))
    start = time.perf_counter()
    check_refuses(capsys, crit, "ranking.tie_break", "20000项")
    assert time.perf_counter() - start < 10
    crit = criteria_with(tmp_path, replace=('tie_break = ["年度重点任务数"]', 'tie_break = ["年度重点任务数", "会前学法次数", "年度重点任务数"]'))
    check_refuses(capsys, crit, "“年度重点任务数”写了两次（第1项和第3项）", "ranking.tie_break[2]")


def _seconds(fn, text: str, rounds: int = 5) -> float:
    """The quickest of a few rounds: another process taking the CPU for a moment only makes a round slower."""
    import time

    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        try:
            fn(text)
        except Exception:  # noqa: BLE001 - only the time matters here
            pass
        best = min(best, time.perf_counter() - start)
    return best


def test_reading_criteria_text_is_linear():
    """Doubling an adversarial input at most roughly doubles the time (the old header pattern was cubic)."""
    from scoring.core import expr
    from scoring.load.criteria_file import key_lines

    cases = [
        (key_lines, lambda n: '[assessment]\nnote = """\n[' + " " * n + '\n"""\n'),
        (key_lines, lambda n: "[" + " " * n + "\n"),
        (key_lines, lambda n: "[[" + "a ." * (n // 3) + "\n"),
        (expr.parse, lambda n: "[" + "a" * n),
        (expr.parse, lambda n: "a" + " " * n + "+ b"),
    ]
    for fn, make in cases:
        small, large = _seconds(fn, make(20_000)), _seconds(fn, make(160_000))
        # 8× the input: linear work grows about 8×, quadratic 64×, cubic 512× (a ratio, so a busy
        # machine does not make it fail; speed itself belongs to the benchmark)
        assert large < 30 * max(small, 1e-3), (make(10)[:20], small, large)


def test_the_example_with_a_bracket_and_spaces_in_a_note_checks_in_a_moment(capsys, tmp_path):
    import time

    crit = criteria_with(tmp_path, replace=('office = "', 'note = """\n[' + " " * 4000 + '\n"""\noffice = "'))
    start = time.perf_counter()
    code, out, err = cli(capsys, "check", crit)
    assert code == 0, err
    assert time.perf_counter() - start < 30  # the cubic pattern took 90 s; this bound only catches a hang


def test_a_field_read_only_by_a_check_is_in_its_owners_template(capsys, tmp_path):
    from openpyxl import load_workbook

    crit = criteria_with(tmp_path, CHECKS)
    code, out, err = cli(capsys, "template", crit, "--data", DATA, "--out", tmp_path / "templates")
    assert code == 0, err
    found = []
    for path in (tmp_path / "templates").glob("*.xlsx"):
        wb = load_workbook(path, read_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                found += [str(v) for v in row if v is not None and "评审票总数" in str(v)]
        wb.close()
    assert found and any("县司法局" in p.name for p in (tmp_path / "templates").glob("*.xlsx"))


def test_a_blank_the_criteria_handle_is_listed_in_the_output_and_the_stamp(capsys, tmp_path):
    data = example_copy(tmp_path)
    # F3.4 declares missing = "exclude": the blank is scored as declared, and every output says so
    row, _ = set_cells(data / "县司法局.csv", "ZF05", 矛盾纠纷调解成功率="")
    code, out, err = cli(capsys, "run", CRITERIA, "--data", data)
    assert code == 0, err
    gap_line, stamp_line = out.rstrip("\n").splitlines()[-2:]
    assert gap_line == "按细则 missing 处理的空单元格 1 处：ZF05 县公安局“矛盾纠纷调解成功率”为空 → F3.4 不参评"
    assert stamp_line.startswith("印记：") and "空单元格按细则处理 1 处" in stamp_line
    code, out, err = cli(capsys, "run", CRITERIA, "--data", data, "--format", "json")
    doc = json.loads(out)
    assert doc["blank_gaps"] == [{"unit": "ZF05", "name": "县公安局", "field": "矛盾纠纷调解成功率", "item": "F3.4", "policy": "exclude"}]
    code, out, err = cli(capsys, "run", CRITERIA, "--data", data, "--decide", "--lang", "en")
    assert "Blank cells handled as the criteria declare (1): ZF05" in out and "1 blank cell(s) handled" in out.splitlines()[-1]
    # the example itself has no such blank: its output carries no such line
    code, out, err = cli(capsys, "run", CRITERIA, "--data", DATA, "--format", "json")
    assert "blank_gaps" not in json.loads(out)


def test_no_message_carries_a_control_character_from_a_file_or_sheet_name(capsys, tmp_path):
    data = example_copy(tmp_path)
    (data / "县司法局.csv").rename(data / "县司法局\u202e.csv")
    set_cells(data / "县司法局\u202e.csv", "ZF03", 学法考试平均分="九十")
    err = assert_refused(capsys, tmp_path, CRITERIA, "--data", data)
    assert "县司法局<U+202E>.csv" in err and "\u202e" not in err


# --------------------------------------------------------------------------- properties of the data checks
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _example(extra: str = ""):
    from builders import registry
    from scoring.load.criteria_file import located_plan, parse_criteria
    from scoring.load.submissions import read_folder

    text = CRITERIA.read_text(encoding="utf-8") + extra
    criteria, lines, _ = parse_criteria(text.encode("utf-8"), "criteria.toml")
    plan = located_plan(criteria, lines, "criteria.toml", registry())
    return plan, read_folder(DATA, criteria)


_PLAN, _DATA = None, None


def example_plan_and_data():
    global _PLAN, _DATA
    if _PLAN is None:
        _PLAN, _DATA = _example('\n[[checks]]\nname = "已备案件数不超过应备案件数"\nrule = "规范性文件已备案件数 <= 规范性文件应备案件数"\n')
    return _PLAN, _DATA


@settings(max_examples=60, deadline=None)
@given(unit=st.integers(0, 53), given_=st.integers(0, 50), due=st.integers(0, 50))
def test_a_rate_is_refused_exactly_when_done_exceeds_due(unit, given_, due):
    from scoring.core import consistency
    from scoring.core.engine import derive

    plan, data = example_plan_and_data()
    values = {k: v.copy() for k, v in data.values.items()}
    values["规范性文件已备案件数"][unit] = given_
    values["规范性文件应备案件数"][unit] = due
    changed = type(data)(
        data.ids, data.names, data.categories, values, data.sources, data.evidence, data.places, data.place_of, data.row_of, data.notes, data.place_files
    )
    problems = consistency.problems(plan, changed, derive(plan, changed))
    mine = [p for p in problems if p.args["unit"] == data.ids[unit]]
    rate = [p for p in mine if p.code == "data.derived_out_of_range"]
    check = [p for p in mine if p.code == "data.check_failed"]
    assert bool(rate) == (due > 0 and given_ > due)  # 0 of 0 has no rate: a gap, not a range problem
    assert bool(check) == (given_ > due)  # the declared check holds whatever the denominator
    others = [p for p in problems if p.args["unit"] != data.ids[unit]]
    assert others == []  # the example's own data pass both


def test_a_stray_nul_in_a_csv_is_named_with_its_row_not_called_a_binary_file(capsys, tmp_path):
    data = example_copy(tmp_path)
    rows = read_rows(data / "units.csv")
    r = next(k for k, row in enumerate(rows) if row[0] == "XZ02")
    rows[r][1] = "二道\x00镇"
    write_rows(data / "units.csv", rows)
    err = assert_refused(capsys, tmp_path, CRITERIA, "--data", data)
    assert f"units.csv, 第{r + 1}行" in err and "U+0000" in err and "二道<U+0000>镇" in err and "不是电子表格" not in err


def test_the_refusals_read_in_english_too(capsys, tmp_path):
    data = example_copy(tmp_path)
    row, letters = set_cells(data / "县司法局.csv", "ZF01", 规范性文件已备案件数="3", 学法考试平均分="88.9%")
    code, out, err = cli(capsys, "run", CRITERIA, "--data", data, "--lang", "en")
    assert code == 2
    assert f"规范性文件已备案件数 = 3 (县司法局.csv {letters['规范性文件已备案件数']}{row})" in err
    assert "computes to 150, outside [0, 100]" in err
    assert "is a percentage but \"学法考试平均分\" is not a rate" in err and "How to fix" in err


def test_a_printable_report_lists_the_blank_cells_the_criteria_handled(capsys, tmp_path):
    data = example_copy(tmp_path)
    set_cells(data / "县司法局.csv", "ZF05", 矛盾纠纷调解成功率="")
    out = tmp_path / "report.html"
    code, _, err = cli(capsys, "report", CRITERIA, "--data", data, "--out", out)
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    assert "按细则 missing 处理的空单元格" in html and "ZF05 县公安局: 矛盾纠纷调解成功率 → F3.4 (exclude)" in html


def test_a_stored_runs_papers_list_the_same_blank_cells(capsys, tmp_path):
    data = example_copy(tmp_path)
    set_cells(data / "县司法局.csv", "ZF05", 矛盾纠纷调解成功率="")
    db = tmp_path / "h.sqlite"
    code, out, err = cli(capsys, "run", CRITERIA, "--data", data, "--save", "--db", db, "--format", "json")
    assert code == 0, err
    first = json.loads(out)["blank_gaps"]
    code, out, err = cli(capsys, "explain", "1", "ZF05", "--db", db, "--format", "json")
    assert code == 0, err
    out_file = tmp_path / "stored.html"
    code, _, err = cli(capsys, "report", "1", "--db", db, "--out", out_file)
    assert code == 0, err
    assert "ZF05 县公安局: 矛盾纠纷调解成功率 → F3.4 (exclude)" in out_file.read_text(encoding="utf-8")
    assert first == [{"unit": "ZF05", "name": "县公安局", "field": "矛盾纠纷调解成功率", "item": "F3.4", "policy": "exclude"}]


def test_a_corrected_folder_is_checked_as_a_first_run_is_before_rescore_or_verify_uses_it(capsys, tmp_path):
    """rescore and verify --data read a corrected folder: half of a formula's inputs there is refused
    too (it used to be scored, the unit silently left out), and no correction run is saved."""
    data = example_copy(tmp_path)
    db = tmp_path / "h.sqlite"
    assert cli(capsys, "run", CRITERIA, "--data", data, "--save", "--db", db)[0] == 0
    assert cli(capsys, "finalize", "1", "--db", db)[0] == 0
    row, letters = set_cells(data / "县司法局.csv", "ZF01", 负责人出庭应诉次数="")
    for argv in (["rescore", "1", "--data", data, "--reason", "更正", "--db", db], ["verify", "1", "--data", data, "--db", db]):
        code, out, err = cli(capsys, *argv)
        assert code == 2 and out == "" and "Traceback" not in err, err
        assert f"县司法局.csv, 第{row}行, 列 {letters['负责人出庭应诉次数']}（负责人出庭应诉次数）" in err
    code, out, _ = cli(capsys, "runs", "--db", db, "--format", "json")
    assert [r["run"] for r in json.loads(out)["runs"]] == [1]


def test_a_derived_value_beyond_any_float_is_refused_even_without_a_range(capsys, tmp_path):
    """A formula with no declared range still cannot score infinity: 5 件 ÷ an average typed as
    1e-300, times 10^10, is beyond any float. Refused, located at the first input cell, with the
    formula and the inputs."""
    extra = '\n[[fields]]\nname = "每分备案件数"\nformula = "规范性文件应备案件数 * 10000000000 / 学法考试平均分"\n'
    criteria = criteria_with(tmp_path, extra)
    data = example_copy(tmp_path)
    row, letters = set_cells(data / "县司法局.csv", "ZF01", 规范性文件应备案件数="5", 学法考试平均分="1e-300")
    err = assert_refused(capsys, tmp_path, criteria, "--data", data)
    assert "ZF01" in err and "“每分备案件数”按公式计算时超出可计算的范围（得到无穷大）" in err
    assert f"规范性文件应备案件数 = 5（县司法局.csv {letters['规范性文件应备案件数']}{row}）" in err
    assert "inf" not in err.lower().replace("info", "")
    # a tiny divisor that still gives a number is no problem of this kind
    set_cells(data / "县司法局.csv", "ZF01", 学法考试平均分="1e-290")
    code, _, err = cli(capsys, "validate", criteria, "--data", data)
    assert "无穷大" not in err


@pytest.mark.parametrize(
    "formula",
    [
        "规范性文件应备案件数 / (10000000000 / 学法考试平均分)",
        "min(10000000000 / 学法考试平均分, 100)",
        "10000000000 / 学法考试平均分 - 10000000000 / 学法考试平均分",
    ],
)
def test_a_step_beyond_any_float_is_refused_even_where_a_later_step_hides_it(capsys, tmp_path, formula):
    """The infinity of 10^10 ÷ 1e-300 turned into 0 (a ÷ inf), 100 (min) or no value (inf − inf)
    by the next step would be scored as that: refused like an infinite result, no numpy warning."""
    criteria = criteria_with(tmp_path, f'\n[[fields]]\nname = "每分备案件数"\nformula = "{formula}"\n')
    data = example_copy(tmp_path)
    set_cells(data / "县司法局.csv", "ZF01", 规范性文件应备案件数="5", 学法考试平均分="1e-300")
    err = assert_refused(capsys, tmp_path, criteria, "--data", data)
    assert "ZF01" in err and "得到无穷大" in err and "RuntimeWarning" not in err
