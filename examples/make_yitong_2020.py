"""Writes the illustrative data in examples/yitong-2020/ (seeded, so the files are reproducible).

示例数据：单位名称仿照县级机构设置，所有数值均为随机生成的演示数据，不代表任何真实单位的考核结果。
Run:  python examples/make_yitong_2020.py
"""

import csv
import random
from pathlib import Path

HERE = Path(__file__).parent
FOLDERS = ["yitong-2020"]  # what write_data() writes under examples/
PARTY = [
    "县纪委监委机关",
    "县委办公室",
    "县委组织部",
    "县委宣传部",
    "县委统战部",
    "县委政法委",
    "县委政策研究室",
    "县委编办",
    "县委党校",
    "县总工会",
    "团县委",
    "县妇联",
    "县科协",
]
GOV = [
    "县政府办公室",
    "县发展和改革局",
    "县教育局",
    "县科技和工业信息化局",
    "县公安局",
    "县民政局",
    "县司法局",
    "县财政局",
    "县人力资源和社会保障局",
    "县自然资源局",
    "县生态环境分局",
    "县住房和城乡建设局",
    "县交通运输局",
    "县水利局",
    "县农业农村局",
    "县商务局",
    "县文化广播电视和旅游局",
    "县卫生健康局",
    "县退役军人事务局",
    "县应急管理局",
    "县审计局",
    "县市场监督管理局",
    "县统计局",
    "县医疗保障局",
]
TOWNS = [
    "伊通镇",
    "二道镇",
    "伊丹镇",
    "马鞍山镇",
    "景台镇",
    "大孤山镇",
    "小孤山镇",
    "营城子镇",
    "西苇镇",
    "河源镇",
    "黄岭子镇",
    "新兴乡",
    "莫里青乡",
    "三道乡",
    "靠山镇",
    "板石街道",
    "永盛街道",
]


def write(out, name, header, rows):
    with open(out / name, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def write_data(root: Path = HERE):
    out = root / FOLDERS[0]
    rnd = random.Random(2020)
    units = [(f"DQ{i + 1:02d}", n, "党群部门") for i, n in enumerate(PARTY)]
    units += [(f"ZF{i + 1:02d}", n, "政府部门") for i, n in enumerate(GOV)]
    units += [(f"XZ{i + 1:02d}", n, "乡镇(街道)") for i, n in enumerate(TOWNS)]
    out.mkdir(parents=True, exist_ok=True)
    write(out, "units.csv", ["单位编号", "单位名称", "类别"], units)

    def r(a, b, nd=1):
        return round(rnd.uniform(a, b), nd)

    # 县委依法治县办: 组织领导类台账、附加项、否决事项
    rows = []
    for uid, name, _cat in units:
        on_time = "是" if rnd.random() > 0.1 else "否"
        rows.append(
            [
                uid,
                name,
                on_time,
                f"{uid}-2020-年度报告.pdf" if on_time == "是" else "",
                rnd.choice([4, 5, 6, 6, 6, 7, 8]),
                rnd.choice([2, 3, 3, 3, 4]),
                "是" if rnd.random() > 0.15 else "否",
                rnd.choice([0, 0, 0, 1, 2]),
                rnd.choice([0, 0, 0, 0, 1]),
                1 if rnd.random() < 0.06 else 0,
                1 if rnd.random() < 0.1 else 0,
                1 if rnd.random() < 0.2 else 0,
                0,
                1 if rnd.random() < 0.06 else 0,
                1 if rnd.random() < 0.1 else 0,
                1 if name == "县自然资源局" else 0,
            ]
        )
    write(
        out,
        "县委依法治县办.csv",
        [
            "单位编号",
            "单位名称",
            "年度报告按时报送",
            "年度报告按时报送佐证材料",
            "会前学法次数",
            "专题研究法治工作次数",
            "制定年度工作要点",
            "信息迟报次数",
            "信息漏报次数",
            "示范创建国家级",
            "示范创建省级",
            "示范创建市级",
            "省级通报次数",
            "市级通报次数",
            "县级通报次数",
            "重大负面影响事件数",
        ],
        rows,
    )

    # 县司法局 (with 县人民法院 figures): 执法、复议、普法
    rows = []
    for uid, name, cat in units:
        law = cat != "党群部门"
        cases = rnd.choice([0, 1, 2, 3, 4, 6]) if law else ""
        docs = rnd.choice([0, 1, 2, 3, 5]) if law else ""
        reviews = rnd.choice([0, 2, 4, 5, 8]) if law else ""
        votes = [rnd.randint(2, 7), rnd.randint(1, 4), rnd.randint(0, 2), rnd.randint(0, 1)]
        rows.append(
            [
                uid,
                name,
                "是" if rnd.random() > 0.1 else "否",
                r(65, 98),
                docs,
                (docs - (1 if docs and rnd.random() < 0.15 else 0)) if law else "",
                r(70, 100) if law else "",
                cases,
                rnd.randint(0, cases) if law else "",
                reviews,
                (rnd.randint(0, 2) if reviews else 0) if law else "",
                *votes,
                rnd.randint(3, 24),
                r(88, 100) if law else "",
            ]
        )
    write(
        out,
        "县司法局.csv",
        [
            "单位编号",
            "单位名称",
            "聘请法律顾问",
            "学法考试平均分",
            "规范性文件应备案件数",
            "规范性文件已备案件数",
            "行政执法案卷合格率",
            "行政应诉案件数",
            "负责人出庭应诉次数",
            "行政复议决定数",
            "复议纠错件数",
            "普法评审A票",
            "普法评审B票",
            "普法评审C票",
            "普法评审D票",
            "普法宣传活动次数",
            "矛盾纠纷调解成功率",
        ],
        rows,
    )

    # 县政府办公室: 依申请公开
    rows = []
    for uid, name, _cat in units:
        n = rnd.choice([0, 0, 1, 2, 3, 5])
        rows.append([uid, name, n, n - (1 if n and rnd.random() < 0.15 else 0)])
    write(out, "县政府办公室.csv", ["单位编号", "单位名称", "依申请公开申请数", "按时答复数"], rows)

    # 县统计局: 满意度测评、社会评价、经济发展（乡镇）
    rows = []
    for uid, name, cat in units:
        total = 120
        yes, basic, no = rnd.randint(60, 95), rnd.randint(10, 30), rnd.randint(0, 8)
        rows.append([uid, name, yes, basic, no, max(total - yes - basic - no, 0), r(78, 98, 2), r(70, 98, 2) if cat == "乡镇(街道)" else ""])
    write(out, "县统计局.csv", ["单位编号", "单位名称", "满意票", "基本满意票", "不满意票", "不了解票", "社会评价得分", "经济发展考核得分"], rows)

    # 县委组织部 / 县绩效考核办公室 / 县应急管理局: 报送得分与任务数
    write(out, "县委组织部.csv", ["单位编号", "单位名称", "党建考核得分"], [[u, n, r(80, 99, 2)] for u, n, _ in units])
    write(
        out,
        "县绩效考核办公室.csv",
        ["单位编号", "单位名称", "重点工作考核得分", "年度重点任务数"],
        [[u, n, r(72, 98, 2), rnd.randint(4, 18)] for u, n, _ in units],
    )
    write(out, "县应急管理局.csv", ["单位编号", "单位名称", "重大安全事故数"], [[u, n, 1 if n in ("县交通运输局", "小孤山镇") else 0] for u, n, _ in units])


if __name__ == "__main__":
    write_data()
