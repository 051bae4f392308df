"""The three-year example: writes examples/yaoan-2018/, -2019/, -2020/ and
criteria/yaoan-2019.toml, yaoan-2020.toml (from criteria/yaoan-2018.toml).

示例数据：单位名称仿照县级机构设置，数值为演示而设（固定随机种子，可重复生成），不代表任何真实单位的考核结果。
Run:  python examples/make_yaoan.py   (three data folders and two criteria files)

What the three years show (the tests in tests/test_history_example.py read them):
  * 2019 机构改革: 县国土资源局 (ZF05) and 县林业局 (ZF06) merge into 县自然资源局 (ZF11);
    县环境保护局 (ZF07) becomes 州生态环境局姚安分局 (ZF12); 县安全生产监督管理局 (ZF08)
    becomes 县应急管理局 (ZF13); 县退役军人事务局 (ZF14) is new; 县卫生和计划生育局 keeps
    its id ZF10 and is renamed 县卫生健康局 (a new name alone needs no alias).
  * 乡镇 last place: 大河口乡 (XZ07) in 2018 and 2020 (twice in three years), 左门乡 (XZ09) in 2019.
  * 县公安局 (ZF04): last of 政府部门 and 不合格 (below 85) in 2019 and 2020 (two years running).
  * 2018: 县安全生产监督管理局 (ZF08) has a major safety accident: 一票否决.
  * 2020: 县委组织部 (DQ02) scores in the 优秀 band but was 通报批评: 否优, so 良好.
  * 持证执法人员数 changes year to year: change_vs_last_year adds or deducts (capped).
"""

import csv
import random
import re
from pathlib import Path

HERE = Path(__file__).parent
CRITERIA = HERE.parent / "criteria"
YEARS = (2018, 2019, 2020)

TOWNS = [
    ("XZ01", "栋川镇"),
    ("XZ02", "光禄镇"),
    ("XZ03", "前场镇"),
    ("XZ04", "弥兴镇"),
    ("XZ05", "太平镇"),
    ("XZ06", "官屯镇"),
    ("XZ07", "大河口乡"),
    ("XZ08", "适中乡"),
    ("XZ09", "左门乡"),
]
PARTY = [("DQ01", "县委办公室"), ("DQ02", "县委组织部"), ("DQ03", "县委宣传部"), ("DQ04", "县委统战部"), ("DQ05", "县委政法委"), ("DQ06", "县总工会")]
GOV_2018 = [
    ("ZF01", "县政府办公室"),
    ("ZF02", "县发展和改革局"),
    ("ZF03", "县教育局"),
    ("ZF04", "县公安局"),
    ("ZF05", "县国土资源局"),
    ("ZF06", "县林业局"),
    ("ZF07", "县环境保护局"),
    ("ZF08", "县安全生产监督管理局"),
    ("ZF09", "县财政局"),
    ("ZF10", "县卫生和计划生育局"),
]
GOV_2019 = [
    ("ZF01", "县政府办公室"),
    ("ZF02", "县发展和改革局"),
    ("ZF03", "县教育局"),
    ("ZF04", "县公安局"),
    ("ZF09", "县财政局"),
    ("ZF10", "县卫生健康局"),
    ("ZF11", "县自然资源局"),
    ("ZF12", "州生态环境局姚安分局"),
    ("ZF13", "县应急管理局"),
    ("ZF14", "县退役军人事务局"),
]

ALIASES = '''
# ---------------------------------------------------------------- 2019年机构改革：单位编号对应
[[history.aliases]]
old = "ZF05"
new = "ZF11"
year = 2019
note = "县国土资源局、县林业局组建县自然资源局"

[[history.aliases]]
old = "ZF06"
new = "ZF11"
year = 2019
note = "县国土资源局、县林业局组建县自然资源局"

[[history.aliases]]
old = "ZF07"
new = "ZF12"
year = 2019
note = "县环境保护局改设州生态环境局姚安分局"

[[history.aliases]]
old = "ZF08"
new = "ZF13"
year = 2019
note = "县安全生产监督管理局改设县应急管理局"
'''

# 持证执法人员数 per unit and year (None: not applicable / not yet existing)
STAFF = {
    "XZ01": (12, 20, 26),
    "XZ02": (10, 11, 11),
    "XZ03": (9, 8, 10),
    "XZ04": (8, 8, 9),
    "XZ05": (7, 9, 9),
    "XZ06": (11, 10, 12),
    "XZ07": (6, 5, 5),
    "XZ08": (6, 7, 7),
    "XZ09": (5, 4, 6),
    "ZF01": (4, 4, 5),
    "ZF02": (15, 16, 16),
    "ZF03": (10, 12, 12),
    "ZF04": (40, 30, 20),
    "ZF05": (14, None, None),
    "ZF06": (9, None, None),
    "ZF07": (8, None, None),
    "ZF08": (7, None, None),
    "ZF09": (6, 6, 7),
    "ZF10": (12, 13, 13),
    "ZF11": (None, 25, 27),
    "ZF12": (None, 9, 10),
    "ZF13": (None, 9, 11),
    "ZF14": (None, 3, 4),
}
# 重点工作得分 set low to make the look-back scenarios (last place, 不合格)
LOW = {(2018, "XZ07"): 62.0, (2019, "XZ09"): 60.0, (2020, "XZ07"): 64.0, (2019, "ZF04"): 58.0, (2020, "ZF04"): 61.0}


def write(folder: Path, name: str, header, rows) -> None:
    with open(folder / name, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def units(year: int):
    gov = GOV_2018 if year == 2018 else GOV_2019
    return [(u, n, "乡镇") for u, n in TOWNS] + [(u, n, "党群部门") for u, n in PARTY] + [(u, n, "政府部门") for u, n in gov]


def data(year: int, out: Path | None = None) -> None:
    rnd = random.Random(year)
    out = out or HERE / f"yaoan-{year}"
    out.mkdir(parents=True, exist_ok=True)
    us = units(year)
    write(out, "units.csv", ["单位编号", "单位名称", "类别"], us)

    star = (year, "DQ02") == (2020, "DQ02")  # 县委组织部 2020: top marks everywhere, but 通报批评 (否优)
    rows = []
    for uid, name, _cat in us:
        key = LOW.get((year, uid), round(rnd.uniform(84, 99), 1))
        hit = star and uid == "DQ02"
        rows.append([uid, name, 99.5 if hit else key, 1 if hit else 0])
    write(out, "县委督查室.csv", ["单位编号", "单位名称", "重点工作得分", "通报批评次数"], rows)

    write(
        out,
        "县委组织部.csv",
        ["单位编号", "单位名称", "党建得分"],
        [[u, n, round(rnd.uniform(86, 98), 1) if not (star and u == "DQ02") else 99.0] for u, n, _ in us],
    )

    rows = []
    for uid, name, cat in us:
        law = cat != "党群部门"
        staff = STAFF[uid][year - 2018] if law else None
        learn, late = rnd.choice([4, 5, 6, 6, 6, 7, 8]), rnd.choice([0, 0, 0, 1, 2])
        if star and uid == "DQ02":
            learn, late = 8, 0
        rows.append([uid, name, learn, late, round(rnd.uniform(84, 100), 1) if law else "", "" if staff is None else staff])
    write(out, "县司法局.csv", ["单位编号", "单位名称", "会前学法次数", "信息迟报次数", "行政执法案卷合格率", "持证执法人员数"], rows)

    rows = []
    for uid, name, _cat in us:
        yes, basic, no = rnd.randint(70, 95), rnd.randint(5, 20), rnd.randint(0, 4)
        if star and uid == "DQ02":
            yes, basic, no = 118, 2, 0
        rows.append([uid, name, yes, basic, no, max(120 - yes - basic - no, 0)])
    write(out, "县统计局.csv", ["单位编号", "单位名称", "满意票", "基本满意票", "不满意票", "不了解票"], rows)

    owner = "县安全生产监督管理局" if year == 2018 else "县应急管理局"
    write(out, f"{owner}.csv", ["单位编号", "单位名称", "重大安全事故数"], [[u, n, 1 if (year, u) == (2018, "ZF08") else 0] for u, n, _ in us])


def criteria_text(year: int) -> str:
    """The 2019 and 2020 criteria: the 2018 file with the year changed and the aliases added."""
    text = (CRITERIA / "yaoan-2018.toml").read_text(encoding="utf-8")
    text = text.replace("姚安县 2018 年度", f"姚安县 {year} 年度").replace("姚安县2018年度", f"姚安县{year}年度")
    text = re.sub(r"^year = 2018$", f"year = {year}", text, flags=re.M)
    text = text.replace('owner = "县安全生产监督管理局"', 'owner = "县应急管理局"')
    text = text.replace("三个年度（2018—2020）的示例之一", "三个年度（2018—2020）的示例之一（本文件由 examples/make_yaoan.py 从 yaoan-2018.toml 生成）")
    text = text.replace(
        "# ---------------------------------------------------------------- 模块与权重",
        ALIASES.strip() + "\n\n# ---------------------------------------------------------------- 模块与权重",
    )
    return text


FOLDERS = [f"yaoan-{y}" for y in YEARS]  # what write_data() writes under examples/


def write_data(root: Path = HERE) -> None:
    for y in YEARS:
        data(y, root / f"yaoan-{y}")


def main() -> None:
    write_data()
    for y in YEARS[1:]:
        (CRITERIA / f"yaoan-{y}.toml").write_text(criteria_text(y), encoding="utf-8")


if __name__ == "__main__":
    main()
