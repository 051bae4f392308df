"""Command line: ``scoring check | run | validate | template | explain | sensitivity | methods``, and the history commands
``runs | finalize | delete | verify | history | compare | rescore`` (see docs/history.md), and the year's cycle
after the scoring: ``publish | objection add|decide|apply|letter | objections | log | import`` (docs/cycle.md).

Exit status: 0 success, 2 bad input (a clear message, no traceback), 1 internal error;
``verify`` exits 3 when the re-scored results differ from the stored ones.
Heavy libraries are imported inside the commands that need them so start-up stays fast.
"""
from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path

from .errors import HistoryError, ScoringError

TEXT = {
    "zh": {
        "desc": "考核评分引擎：按评分细则计算得分、排名、等次。",
        "check": "检查评分细则文件", "run": "计算得分并输出排名表", "methods": "列出可用的评分方法",
        "criteria": "评分细则文件（TOML）", "data": "报送数据目录（含 units.csv）",
        "format": "输出格式", "out": "输出到文件（默认打印到终端）", "lang": "语言：zh（中文，默认）或 en",
        "plugins": "本地插件目录或 .py 文件（可多次指定）",
        "ok": "评分细则检查通过：{name}（{year}），{cats}个类别，{mods}个模块，{inds}个指标（末级{leaves}个）。",
        "written": "已写入 {path}",
        "m_name": "方法", "m_title": "名称", "m_plugin": "来自插件",
        "m_one": "只看这个方法：参数（类型、默认值、含义）、示例和由示例生成的规则文字",
        "m_format": "table（终端表格，默认）或 markdown（docs/methods.md 即由此生成）",
        "m_param": "参数", "m_type": "类型", "m_required": "必填", "m_default": "默认值", "m_meaning": "含义",
        "m_yes": "是", "m_no": "否", "m_reads": "读取", "m_none": "无参数。", "m_example": "示例：",
        "m_rule": "生成的规则文字：", "m_no_example": "（该方法未提供示例）",
        "failed": "以下插件加载失败：",
        "validate": "校验报送数据，一次列出全部问题、缺报和自动规范之处",
        "template": "按评分细则为每个报送单位生成 Excel 报送表",
        "vformat": "报告格式：text（默认）或 json",
        "t_out": "报送表写入的目录", "t_units": "单位名单（units.csv 或 units.xlsx）",
        "t_data": "数据目录（从中读取 units.csv 或 units.xlsx）", "t_force": "覆盖已存在的同名文件",
        "save": "保存到历史库（草稿，可用 scoring finalize 定稿）",
        "operator": "操作人（自由填写；默认取环境变量 SCORING_OPERATOR 或系统用户名）",
        "db": "历史库文件（默认：环境变量 SCORING_DB，否则当前目录下的 scoring-history.sqlite）",
        "note": "备注（随运行保存）",
        "runs": "列出历史库中保存的运行", "finalize": "将运行定稿（定稿后不可修改或删除）", "delete": "删除草稿运行",
        "verify": "复核：按存储的评分细则和数据重新计算，与存储结果比对",
        "history": "某单位历年考核结果", "compare": "年度对比表：总分、名次、等次及其变化",
        "rescore": "申诉复核后更正：按原运行的评分细则对更正后的数据重新计算，另存为更正运行",
        "run_id": "运行编号（见 scoring runs）", "unit": "单位编号或单位名称", "year": "年度",
        "run_or_criteria": "历史库中的运行编号，或评分细则文件（此时须给出 --data）",
        "data_for_criteria": "报送数据目录（第一个参数为评分细则文件时必填）",
        "decide_cmd": "列出一次运行的拟处理建议（约谈、通报等）：规则、触发依据、差距、临界情况",
        "stab_draws": "同时随机变动模块权重 N 次，给出每条建议的稳定性（默认 0：不计算）", "category": "只看这个类别",
        "series": "考核系列（历史库中有多个系列时须指定）", "reason": "更正原因（申诉复核结论）",
        "corrected": "更正后的数据目录", "vdata": "改用这个目录中的数据复核（默认用存储的数据）",
        "decide": "同时列出拟处理建议（约谈、通报等）及其依据和差距",
        "explain": "说明一个单位的得分：逐项得分、失分原因、数据来源、等次与处理建议",
        "no_unit": "找不到单位“{unit}”",
        "sensitivity": "名次对权重的敏感性：随机变动模块权重，给出每个单位的名次区间和最敏感的权重",
        "draws": "抽样次数（默认1000）", "spread": "权重随机变动的幅度，百分数（默认10，即±10%%）",
        "seed": "随机种子（相同种子得到相同结果，默认0）",
        "bad_draws": "抽样次数须为不小于1的整数", "bad_spread": "变动幅度须为0到100之间（不含100）的百分数",
        "report": "生成可打印的报告（XLSX / HTML / PDF）：排名表、评分表、拟处理建议和图表",
        "r_format": "报告格式（默认按 --out 的扩展名）", "r_out": "输出文件（--for unit 时为文件夹）",
        "r_for": "给谁看：office 考核办工作底稿（默认，含约谈名单，内部资料）/ unit 各单位考核结果反馈 / public 公示",
        "r_unit": "只生成这个单位（编号或名称）的考核结果反馈",
        "p_issuer": "落款单位（默认为细则中的考核单位）", "p_date": "落款日期，如 2021-01-15（默认为公示开始日）",
        "p_from": "公示期开始日", "p_to": "公示期结束日", "p_by": "异议截止日（默认为公示期结束日）",
        "p_contact": "受理异议的联系方式（电话、邮箱）", "p_address": "受理异议的地址",
        "p_grades_only": "公示只列名次和等次，不列总分",
        "bad_date": "日期写作 2021-01-15",
        "run_format": "输出格式；xlsx、html、pdf 为可打印的报告（须同时给出 --out）",
        "fingerprint": "重算印记中的指纹：评分细则和报送数据的完整 SHA-256，供核对打印件",
        "canonical": "把数据指纹所依据的字节（scoring.dataset/1 规范编码）写入此文件，可用 sha256sum 独立核对",
        "key": "考核办的签名私钥文件（默认：环境变量 SCORING_KEY）；用 scoring keygen 生成",
        "keygen": "生成考核办的签名密钥（Ed25519，只需一次；私钥放在历史库以外妥善保管）",
        "key_out": "私钥写入的文件（不会覆盖已有文件）",
        "backup": "备份历史库（SQLite 在线备份：写入过程中也得到一致的副本）",
        "backup_out": "备份文件（不会覆盖已有文件）",
        "verify_all": "检查整条封印链：每个定稿运行的封印、签名、前后衔接",
        "export": "把封印文件、签名和公钥写到这个目录，供审计人员用标准工具核对",
        "public_key": "考核办公钥（64位十六进制或 PEM 文件；默认：环境变量 SCORING_PUBLIC_KEY）：只承认这把钥匙的签名",
        "publish": "公示：为定稿运行记录公示期（起止日期）", "p_from": "公示期开始日期（如 2021-01-05）",
        "p_to": "公示期结束日期（含当日）", "p_reason": "说明（如公示方式、再次公示的原因）",
        "objection": "申诉（复核申请）：登记、决定、应用、答复", "o_add": "登记一条申诉",
        "o_unit": "提出申诉的单位（编号或名称）", "o_indicator": "申诉针对的指标编号", "o_field": "申诉针对的报送字段",
        "o_text": "申诉内容", "o_evidence": "佐证材料文件（可多个；文件会复制存入历史库）",
        "o_received": "收到日期（默认今天）", "o_late": "公示期后收到仍受理的理由（不写则拒绝逾期申诉）",
        "o_decide": "决定一条申诉：采纳（给出更正后的数值）或不采纳（给出理由）", "o_id": "申诉编号（见 scoring objections）",
        "o_accept": "采纳", "o_reject": "不采纳", "o_value": "更正后的数值：字段=数值（可多次给出）",
        "o_reason": "决定理由（写入复核答复）", "o_apply": "把一次运行所有已采纳、尚未应用的申诉一起更正，另存为更正运行",
        "o_out_dir": "把复核答复和结果变动通知写到这个目录（每份一个 Markdown 文件）",
        "o_letter": "重新生成一条申诉的复核答复", "o_out_file": "写入这个文件（默认打印；扩展名 .pdf / .html 时按公文版式排版，否则为 Markdown 文本）",
        "o_papers": "答复和通知的格式：md（默认，Markdown 文本）、html 或 pdf（A4 公文版式）",
        "objections": "列出申诉及其状态（待处理 / 已采纳 / 未采纳）", "log": "一次运行（及其更正）的全部变动记录，按时间顺序",
        "import": "导入往年已公布的结果（考核办自己的表格：单位、类别、总分、名次、等次），作为定稿运行并加封",
        "i_sheet": "往年结果表（.xlsx 或 .csv）", "i_criteria": "评分细则文件（取考核系列、类别和单位编号对应）",
        "i_year": "这份结果的年度",
        "i_units": "当年的单位名单（units.csv 或 units.xlsx）：结果表只写单位名称时，按名单对应到单位编号（无类别列时取名单中的类别）",
        "progress": "收集进度：各报送单位、各单位应报哪些报送表，收到了哪些，哪些字段仍为空、哪些有问题，并生成催报提醒",
        "due": "报送截止日期（如 2021-01-15），写入催报提醒",
        "warn": "阶段性预警：用已报送的数据按同一细则评分，按细则 [warnings] 阈值或本类别四分位给出红黄绿（不作为考核结果）",
        "w_unit": "只输出这个单位的预警单（单位编号或名称）", "w_ind": "同时给出各指标的预警",
        "w_format": "输出格式：text（默认）、json 或 csv",
        "crit": "评分细则的年度维护：next 生成下一年度的细则文件，diff 对照两份细则",
        "c_next": "由本年度细则生成下一年度细则（只改年度和考核名称中的年份，注释和排版不变；不覆盖已有文件）",
        "c_out": "新细则文件", "c_year": "新年度（默认下一年）",
        "c_diff": "对照两份评分细则：新增、删去、更名的指标，分值、方法、参数、权重的调整，可附在考核方案说明后",
        "c_old": "原细则文件", "c_new": "新细则文件",
    },
    "en": {
        "desc": "Assessment scoring engine: scores, ranks and grades units by a criteria file.",
        "check": "check a criteria file", "run": "score and print ranked tables", "methods": "list the scoring methods",
        "criteria": "criteria file (TOML)", "data": "folder of submitted data (with units.csv)",
        "format": "output format", "out": "write to this file (default: the terminal)", "lang": "language: zh (default) or en",
        "plugins": "local plugin folder or .py file (repeatable)",
        "ok": "Criteria OK: {name} ({year}), {cats} categories, {mods} modules, {inds} indicators ({leaves} leaves).",
        "written": "written to {path}",
        "m_name": "Method", "m_title": "Title", "m_plugin": "Plugin",
        "m_one": "show this method only: its parameters (type, default, meaning), an example and the rule text it gives",
        "m_format": "table (terminal, default) or markdown (docs/methods.md is made this way)",
        "m_param": "Parameter", "m_type": "Type", "m_required": "Required", "m_default": "Default", "m_meaning": "Meaning",
        "m_yes": "yes", "m_no": "no", "m_reads": "Reads", "m_none": "No parameters.", "m_example": "Example:",
        "m_rule": "Rule text generated: ", "m_no_example": "(this method gives no example)",
        "failed": "These plugins failed to load:",
        "validate": "check submitted data: every problem, gap and normalisation at once",
        "template": "write an Excel data-entry workbook for each data owner",
        "vformat": "report format: text (default) or json",
        "t_out": "folder to write the workbooks to", "t_units": "unit list (units.csv or units.xlsx)",
        "t_data": "data folder holding units.csv or units.xlsx", "t_force": "overwrite files of the same name",
        "save": "save the run in the history store (as a draft; finalize it with scoring finalize)",
        "operator": "who runs it (free text; default: SCORING_OPERATOR or the login name)",
        "db": "history store file (default: SCORING_DB, else scoring-history.sqlite in the current folder)",
        "note": "a note kept with the run",
        "runs": "list the runs in the history store", "finalize": "make a run final (it can then never be changed or deleted)",
        "delete": "delete a draft run",
        "verify": "re-score a stored run from its stored criteria and data and compare",
        "history": "a unit's results over the years", "compare": "year-over-year table: totals, ranks, grades and their change",
        "rescore": "correct a final run after appeal: score corrected data under its criteria, saved as a correction",
        "run_id": "run number (see scoring runs)", "unit": "unit id or name", "year": "year",
        "run_or_criteria": "a run number in the history store, or a criteria file (then give --data)",
        "data_for_criteria": "folder of submitted data (needed when the first argument is a criteria file)",
        "decide_cmd": "list a run's proposed decisions (约谈, 通报 …): rule, trigger, margin, close calls",
        "stab_draws": "also vary the module weights N times at random and show how stable each call is (default 0: off)", "category": "only this category",
        "series": "assessment series (needed when the store holds several)", "reason": "why (the appeal's outcome)",
        "corrected": "folder of corrected data", "vdata": "verify this folder's data instead of the stored data",
        "decide": "also list the proposed decisions (约谈, 通报 …) with reasons and margins",
        "explain": "explain one unit: points per indicator, why points were lost, data sources, grade and decisions",
        "no_unit": "no unit \"{unit}\"",
        "sensitivity": "how stable ranks are: vary the module weights at random, show each unit's rank range and the weight that moves it most",
        "draws": "number of draws (default 1000)", "spread": "how far weights may move, in percent (default 10, i.e. ±10%%)",
        "seed": "random seed (the same seed gives the same result; default 0)",
        "bad_draws": "the number of draws must be a whole number of at least 1",
        "bad_spread": "the spread must be a percentage from 0 up to (not including) 100",
        "report": "make a printable report (XLSX / HTML / PDF): ranked tables, score sheets, proposed decisions and charts",
        "r_format": "report format (default: from the extension of --out)", "r_out": "output file (a folder with --for unit)",
        "r_for": "who reads it: office (default; the working file with the 约谈 list, internal) / unit (each unit's own result) / public (公示)",
        "r_unit": "only this unit's paper (id or name)",
        "p_issuer": "issuing office (default: the criteria's office)", "p_date": "date of issue, e.g. 2021-01-15 (default: first day of the notice period)",
        "p_from": "first day of the notice period (公示期)", "p_to": "last day of the notice period", "p_by": "last day to object (default: end of the notice period)",
        "p_contact": "who takes objections (phone, mailbox)", "p_address": "where objections are taken",
        "p_grades_only": "the public notice lists ranks and grades, no totals",
        "bad_date": "write dates as 2021-01-15",
        "run_format": "output format; xlsx, html and pdf make a printable report (give --out too)",
        "fingerprint": "recompute the stamp's fingerprints: the full SHA-256 of the criteria and of the data",
        "canonical": "write the bytes the data fingerprint is taken over (scoring.dataset/1) to this file, to check with sha256sum",
        "key": "the office's private signing key (default: SCORING_KEY); made by scoring keygen",
        "keygen": "make the office's signing key (Ed25519, once; keep the private key outside the store)",
        "key_out": "file for the private key (never overwritten)",
        "backup": "back up the history store (SQLite online backup: consistent even while another process writes)",
        "backup_out": "backup file (never overwritten)",
        "verify_all": "check the whole chain of seals: every final run's seal, signature and link",
        "export": "write the sealed document, signature and public key to this folder, for an auditor's own check",
        "public_key": "the office's public key (64 hex digits or a PEM file; default: SCORING_PUBLIC_KEY): accept only its signatures",
        "publish": "publish a final run: record its 公示期 (from, to)", "p_from": "first day of the 公示期 (e.g. 2021-01-05)",
        "p_to": "last day of the 公示期 (included)", "p_reason": "a note (how it was published, why again)",
        "objection": "objections (复核申请): record, decide, apply, answer", "o_add": "record an objection",
        "o_unit": "the unit objecting (id or name)", "o_indicator": "the indicator objected to", "o_field": "the submitted field objected to",
        "o_text": "what the objection says", "o_evidence": "evidence files (several allowed; copied into the store)",
        "o_received": "date received (default: today)", "o_late": "why an objection received after the 公示期 is taken (else it is refused)",
        "o_decide": "decide an objection: accept (with the corrected values) or reject (with the reason)", "o_id": "objection number (see scoring objections)",
        "o_accept": "accept", "o_reject": "reject", "o_value": "a corrected value: FIELD=VALUE (repeatable)",
        "o_reason": "the reason (written into the decision letter)", "o_apply": "apply every accepted objection of a run not applied yet, as one correction run",
        "o_out_dir": "write the decision letters and change notices to this folder (one Markdown file each)",
        "o_letter": "write an objection's decision letter again", "o_out_file": "write to this file (default: print; .pdf or .html: laid out as an official A4 paper, else Markdown text)",
        "o_papers": "format of the letters and notices: md (default, Markdown text), html or pdf (A4 official layout)",
        "objections": "list objections with their state (pending / accepted / rejected)", "log": "every change to a run (and its corrections), in order",
        "import": "bring in an earlier year's published results (the office's own sheet: unit, category, total, rank, grade) as a final, sealed run",
        "i_sheet": "the earlier year's result sheet (.xlsx or .csv)", "i_criteria": "criteria file (series, categories, unit id changes)",
        "i_year": "the year of these results",
        "i_units": "that year's unit list (units.csv or units.xlsx): a sheet naming units by name alone is matched to ids by it (and takes categories from it when it has none)",
        "progress": "collection progress: the workbooks each owner and unit owes, which arrived, which fields are blank or wrong, and reminders",
        "due": "the due date (e.g. 2021-01-15), written into the reminders",
        "warn": "interim warnings: score the data in so far by the same criteria, green/yellow/red by [warnings] thresholds or quartiles (not a result)",
        "w_unit": "print this unit's warning sheet alone (id or name)", "w_ind": "also colour each indicator",
        "w_format": "output format: text (default), json or csv",
        "crit": "criteria from year to year: next writes next year's file, diff compares two files",
        "c_next": "write next year's criteria from this year's (only the year and the year in the name change; comments kept; never overwrites)",
        "c_out": "the new criteria file", "c_year": "the new year (default: the next one)",
        "c_diff": "compare two criteria files: indicators added, removed, renamed; points, methods, parameters and weights changed",
        "c_old": "the earlier criteria file", "c_new": "the later criteria file",
    },
}


def _lang(argv: list[str]) -> str:
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return "en" if argv[i + 1] == "en" else "zh"
        if a.startswith("--lang="):
            return "en" if a.split("=", 1)[1] == "en" else "zh"
    return "en" if os.environ.get("SCORING_LANG") == "en" else "zh"


def build_parser(lang: str) -> argparse.ArgumentParser:
    T = TEXT[lang]
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=["zh", "en"], default=lang, help=T["lang"])
    common.add_argument("--plugins", action="append", default=[], metavar="DIR", help=T["plugins"])
    p = argparse.ArgumentParser(prog="scoring", description=T["desc"], parents=[common])
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help=T["check"], parents=[common])
    c.add_argument("criteria", help=T["criteria"])
    r = sub.add_parser("run", help=T["run"], parents=[common])
    r.add_argument("criteria", help=T["criteria"])
    r.add_argument("--data", required=True, help=T["data"])
    r.add_argument("--format", choices=["table", "json", "csv", "xlsx", "html", "pdf"], default="table", help=T["run_format"])
    r.add_argument("--out", help=T["out"])
    r.add_argument("--save", action="store_true", help=T["save"])
    r.add_argument("--operator", help=T["operator"])
    r.add_argument("--db", help=T["db"])
    r.add_argument("--note", default="", help=T["note"])
    r.add_argument("--decide", action="store_true", help=T["decide"])
    e = sub.add_parser("explain", help=T["explain"], parents=[common])
    e.add_argument("criteria", metavar="RUN|CRITERIA", help=T["run_or_criteria"])
    e.add_argument("unit", help=T["unit"])
    e.add_argument("--data", help=T["data_for_criteria"])
    e.add_argument("--format", choices=["text", "json"], default="text", help=T["format"])
    e.add_argument("--db", help=T["db"])
    d = sub.add_parser("decide", help=T["decide_cmd"], parents=[common])
    d.add_argument("criteria", metavar="RUN|CRITERIA", help=T["run_or_criteria"])
    d.add_argument("--data", help=T["data_for_criteria"])
    d.add_argument("--format", choices=["table", "json"], default="table", help=T["format"])
    d.add_argument("--db", help=T["db"])
    d.add_argument("--draws", type=_checked(int, lambda x: x >= 0, T["bad_draws"]), default=0, help=T["stab_draws"])
    d.add_argument("--spread", type=_checked(float, lambda x: 0 <= x < 100, T["bad_spread"]), default=10.0, help=T["spread"])
    d.add_argument("--seed", type=int, default=0, help=T["seed"])
    rp = sub.add_parser("report", help=T["report"], parents=[common])
    rp.add_argument("criteria", metavar="RUN|CRITERIA", help=T["run_or_criteria"])
    rp.add_argument("--data", help=T["data_for_criteria"])
    rp.add_argument("--format", choices=["xlsx", "html", "pdf"], help=T["r_format"])
    rp.add_argument("--out", required=True, help=T["r_out"])
    rp.add_argument("--db", help=T["db"])
    rp.add_argument("--for", dest="paper", choices=["office", "unit", "public"], default="office", help=T["r_for"])
    rp.add_argument("--unit", help=T["r_unit"])
    day = _checked(_date, lambda d: True, T["bad_date"])
    rp.add_argument("--issuer", help=T["p_issuer"])
    rp.add_argument("--date", type=day, help=T["p_date"])
    rp.add_argument("--public-from", type=day, help=T["p_from"])
    rp.add_argument("--public-to", type=day, help=T["p_to"])
    rp.add_argument("--object-by", type=day, help=T["p_by"])
    rp.add_argument("--contact", help=T["p_contact"])
    rp.add_argument("--address", help=T["p_address"])
    rp.add_argument("--grades-only", action="store_true", help=T["p_grades_only"])
    s = sub.add_parser("sensitivity", help=T["sensitivity"], parents=[common])
    s.add_argument("criteria", help=T["criteria"])
    s.add_argument("--data", required=True, help=T["data"])
    s.add_argument("--draws", type=_checked(int, lambda x: x >= 1, T["bad_draws"]), default=1000, help=T["draws"])
    s.add_argument("--spread", type=_checked(float, lambda x: 0 <= x < 100, T["bad_spread"]), default=10.0, help=T["spread"])
    s.add_argument("--seed", type=int, default=0, help=T["seed"])
    s.add_argument("--format", choices=["table", "json", "csv"], default="table", help=T["format"])
    s.add_argument("--out", help=T["out"])
    s.add_argument("--db", help=T["db"])  # last year's values, for criteria that compare with them
    m = sub.add_parser("methods", help=T["methods"], parents=[common])
    m.add_argument("name", nargs="?", help=T["m_one"])
    m.add_argument("--format", choices=["table", "markdown"], default="table", help=T["m_format"])
    v = sub.add_parser("validate", help=T["validate"], parents=[common])
    v.add_argument("criteria", help=T["criteria"])
    v.add_argument("--data", required=True, help=T["data"])
    v.add_argument("--format", choices=["text", "json"], default="text", help=T["vformat"])
    fp = sub.add_parser("fingerprint", help=T["fingerprint"], parents=[common])
    fp.add_argument("criteria", help=T["criteria"])
    fp.add_argument("--data", required=True, help=T["data"])
    fp.add_argument("--canonical", metavar="FILE", help=T["canonical"])
    fp.add_argument("--db", help=T["db"])  # last year's values, for criteria that compare with them
    tp = sub.add_parser("template", help=T["template"], parents=[common])
    tp.add_argument("criteria", help=T["criteria"])
    tp.add_argument("--out", required=True, help=T["t_out"])
    src = tp.add_mutually_exclusive_group(required=True)
    src.add_argument("--units", help=T["t_units"])
    src.add_argument("--data", help=T["t_data"])
    tp.add_argument("--force", action="store_true", help=T["t_force"])
    pg = sub.add_parser("progress", help=T["progress"], parents=[common])
    pg.add_argument("criteria", help=T["criteria"])
    pg.add_argument("--data", required=True, help=T["data"])
    pg.add_argument("--due", type=_due(lang), help=T["due"])
    pg.add_argument("--format", choices=["text", "json"], default="text", help=T["vformat"])
    cr = sub.add_parser("criteria", help=T["crit"], parents=[common])
    crs = cr.add_subparsers(dest="action", required=True)
    x = crs.add_parser("next", help=T["c_next"], parents=[common])
    x.add_argument("criteria", help=T["criteria"])
    x.add_argument("--out", required=True, help=T["c_out"])
    x.add_argument("--year", type=int, help=T["c_year"])
    x = crs.add_parser("diff", help=T["c_diff"], parents=[common])
    x.add_argument("old", help=T["c_old"])
    x.add_argument("new", help=T["c_new"])
    x.add_argument("--format", choices=["text", "json"], default="text", help=T["vformat"])
    x.add_argument("--out", help=T["out"])
    wn = sub.add_parser("warn", help=T["warn"], parents=[common])
    wn.add_argument("criteria", help=T["criteria"])
    wn.add_argument("--data", required=True, help=T["data"])
    wn.add_argument("--unit", help=T["w_unit"])
    wn.add_argument("--indicators", action="store_true", help=T["w_ind"])
    wn.add_argument("--format", choices=["text", "json", "csv"], default="text", help=T["w_format"])
    wn.add_argument("--out", help=T["out"])
    wn.add_argument("--db", help=T["db"])  # last year's values, for criteria that compare with them

    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", help=T["db"])
    fmt2 = argparse.ArgumentParser(add_help=False)
    fmt2.add_argument("--format", choices=["table", "json"], default="table", help=T["format"])
    x = sub.add_parser("runs", help=T["runs"], parents=[common, db, fmt2])
    x.add_argument("--series", help=T["series"])
    x.add_argument("--year", type=int, help=T["year"])
    x = sub.add_parser("finalize", help=T["finalize"], parents=[common, db])
    x.add_argument("run", type=int, help=T["run_id"])
    x.add_argument("--operator", help=T["operator"])
    x.add_argument("--key", help=T["key"])
    x = sub.add_parser("keygen", help=T["keygen"], parents=[common])
    x.add_argument("--out", required=True, help=T["key_out"])
    x = sub.add_parser("backup", help=T["backup"], parents=[common, db])
    x.add_argument("--out", required=True, help=T["backup_out"])
    x = sub.add_parser("delete", help=T["delete"], parents=[common, db])
    x.add_argument("run", type=int, help=T["run_id"])
    x.add_argument("--operator", help=T["operator"])
    x = sub.add_parser("verify", help=T["verify"], parents=[common, db, fmt2])
    x.add_argument("run", type=int, nargs="?", help=T["run_id"])
    x.add_argument("--all", action="store_true", help=T["verify_all"])
    x.add_argument("--data", help=T["vdata"])
    x.add_argument("--export", metavar="DIR", help=T["export"])
    x.add_argument("--public-key", help=T["public_key"])
    x = sub.add_parser("history", help=T["history"], parents=[common, db, fmt2])
    x.add_argument("unit", help=T["unit"])
    x.add_argument("--series", help=T["series"])
    x = sub.add_parser("compare", help=T["compare"], parents=[common, db])
    x.add_argument("--year", type=int, required=True, help=T["year"])
    x.add_argument("--category", help=T["category"])
    x.add_argument("--series", help=T["series"])
    x.add_argument("--format", choices=["table", "json", "csv"], default="table", help=T["format"])
    x = sub.add_parser("rescore", help=T["rescore"], parents=[common, db, fmt2])
    x.add_argument("run", type=int, help=T["run_id"])
    x.add_argument("--data", required=True, help=T["corrected"])
    x.add_argument("--reason", required=True, help=T["reason"])
    x.add_argument("--operator", help=T["operator"])

    x = sub.add_parser("publish", help=T["publish"], parents=[common, db])
    x.add_argument("run", type=int, help=T["run_id"])
    x.add_argument("--from", dest="start", required=True, help=T["p_from"])
    x.add_argument("--to", dest="end", required=True, help=T["p_to"])
    x.add_argument("--reason", default="", help=T["p_reason"])
    x.add_argument("--operator", help=T["operator"])
    o = sub.add_parser("objection", help=T["objection"]).add_subparsers(dest="action", required=True)
    x = o.add_parser("add", help=T["o_add"], parents=[common, db])
    x.add_argument("run", type=int, help=T["run_id"])
    x.add_argument("--unit", required=True, help=T["o_unit"])
    about = x.add_mutually_exclusive_group(required=True)
    about.add_argument("--indicator", help=T["o_indicator"])
    about.add_argument("--field", help=T["o_field"])
    x.add_argument("--text", required=True, help=T["o_text"])
    x.add_argument("--evidence", nargs="+", default=[], metavar="FILE", help=T["o_evidence"])
    x.add_argument("--received", help=T["o_received"])
    x.add_argument("--accept-late", metavar="REASON", help=T["o_late"])
    x.add_argument("--operator", help=T["operator"])
    x = o.add_parser("decide", help=T["o_decide"], parents=[common, db])
    x.add_argument("id", type=int, help=T["o_id"])
    how = x.add_mutually_exclusive_group(required=True)
    how.add_argument("--accept", action="store_true", help=T["o_accept"])
    how.add_argument("--reject", action="store_true", help=T["o_reject"])
    x.add_argument("--value", action="append", default=[], metavar="FIELD=VALUE", help=T["o_value"])
    x.add_argument("--reason", required=True, help=T["o_reason"])
    x.add_argument("--operator", help=T["operator"])
    x.add_argument("--out", help=T["o_out_file"])
    x = o.add_parser("apply", help=T["o_apply"], parents=[common, db, fmt2])
    x.add_argument("run", type=int, help=T["run_id"])
    x.add_argument("--reason", required=True, help=T["reason"])
    x.add_argument("--operator", help=T["operator"])
    x.add_argument("--out", metavar="DIR", help=T["o_out_dir"])
    x.add_argument("--papers", choices=["md", "html", "pdf"], default="md", help=T["o_papers"])
    x = o.add_parser("letter", help=T["o_letter"], parents=[common, db])
    x.add_argument("id", type=int, help=T["o_id"])
    x.add_argument("--out", help=T["o_out_file"])
    x = sub.add_parser("objections", help=T["objections"], parents=[common, db])
    x.add_argument("run", type=int, nargs="?", help=T["run_id"])
    x.add_argument("--format", choices=["table", "json", "csv"], default="table", help=T["format"])
    x = sub.add_parser("log", help=T["log"], parents=[common, db, fmt2])
    x.add_argument("run", type=int, help=T["run_id"])
    x = sub.add_parser("import", help=T["import"], parents=[common, db])
    x.add_argument("sheet", help=T["i_sheet"])
    x.add_argument("--criteria", required=True, help=T["i_criteria"])
    x.add_argument("--year", type=int, required=True, help=T["i_year"])
    x.add_argument("--units", help=T["i_units"])
    x.add_argument("--series", help=T["series"])
    x.add_argument("--key", help=T["key"])
    x.add_argument("--operator", help=T["operator"])
    x.add_argument("--note", default="", help=T["note"])
    return p


def _date(text: str):
    import datetime

    return datetime.date.fromisoformat(text.strip())


def _checked(kind, ok, message: str):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(message) from None
        if not ok(value):
            raise argparse.ArgumentTypeError(message)
        return value

    return parse


def _due(lang: str):
    from .i18n import t

    def parse(text: str):
        from .load.progress import parse_due

        try:
            return parse_due(text)
        except ValueError:
            raise argparse.ArgumentTypeError(t("progress.bad_due", lang, value=text)) from None

    return parse


def load(criteria_path: str, plugin_args: list[str]):
    """Criteria file → (plan, registry), with local plugins from the file and the command line."""
    plan, registry, _ = load_with_bytes(criteria_path, plugin_args)
    return plan, registry


def load_with_bytes(criteria_path: str, plugin_args: list[str]):
    """Like :func:`load`, also returning the criteria file's bytes (hashed and stored with a run)."""
    from .load.criteria_file import criteria_bytes, located_plan, parse_criteria, plugin_folders
    from .plugins import load_registry

    raw = criteria_bytes(criteria_path)
    criteria, lines, _ = parse_criteria(raw, str(criteria_path))
    folders = plugin_folders(criteria, lines, str(criteria_path)) + [Path(f) for f in plugin_args]
    registry = load_registry(folders)
    return located_plan(criteria, lines, str(criteria_path), registry), registry, raw


def cmd_check(args) -> int:
    T = TEXT[args.lang]
    plan, registry = load(args.criteria, args.plugins)
    a = plan.criteria.assessment
    print(T["ok"].format(name=a.name, year=a.year, cats=len(a.categories), mods=len(plan.criteria.modules),
                         inds=len(plan.criteria.indicators), leaves=len(plan.leaves)))
    named = [(iid, n) for iid, sc in plan.scopes.items() for n in (*sc.units, *sc.lead, *sc.responsible)]
    if named:  # no unit list here: say which names are taken as units, so a mistyped category is seen now
        from .i18n import t

        print(t("scope.check_note", args.lang, names="、".join(f"{n}（{iid}）" if args.lang != "en" else f"{n} ({iid})" for iid, n in named)))
    _warn_failed(registry, args.lang)
    return 0


def _score(args, store=None):
    """Criteria + data (+ last year's values from the history store) → (results, plan, registry, criteria bytes)."""
    from .core.engine import score
    from .errors import DataError
    from .history.stamp import declared_blanks
    from .load.validate import validate

    plan, registry, raw = load_with_bytes(args.criteria, args.plugins)
    report = validate(plan, args.data)  # every problem in the data, before anything is scored or written
    if report.problems:
        raise DataError(report.problems)
    data = report.data
    args.blank_gaps = declared_blanks(report.gaps, data)  # shown with the stamp: declared, never silent
    if plan.previous:
        data = _with_previous(data, plan, store, args)
    return score(plan, data), plan, registry, raw


def _decide(results, args, store=None):
    """Proposed decisions; look-back rules read earlier years' published results from the history store."""
    from .core.decisions import decide, outcomes_of

    return decide(results.criteria, outcomes_of(results), _decision_history(results, store, args))


def _decision_history(results, store, args):
    from .history.lookback import decision_history, look_back_years
    from .history.store import default_path, open_store

    years = look_back_years(results.criteria)
    if not years:
        return None
    own = store is None
    if own:
        path = default_path(getattr(args, "db", None))
        if not path.exists():
            return None
        try:
            store = open_store(path)
        except HistoryError as e:
            if e.problems[0].code == "history.empty":
                return None
            raise
    try:
        return decision_history(store, results.criteria, results.data.ids, years)
    finally:
        if own:
            store.close()


def cmd_fingerprint(args) -> int:
    """The two hashes a stamp prints, in full, computed the way `scoring run` computes them."""
    from .history import canonical
    from .i18n import t
    from .outfile import check_out, write_out

    if args.canonical is not None:  # never into the data folder (the next run would read it) nor over an input
        check_out(args.canonical, inputs=[args.criteria], data_folder=args.data)
    results, plan, registry, raw = _score(args)
    data_bytes = canonical.encode(results.data)
    print(t("fingerprint.criteria", args.lang, path=args.criteria, sha=canonical.sha256(raw), short=canonical.sha256(raw)[:12]))
    print(t("fingerprint.data", args.lang, path=args.data, sha=canonical.sha256(data_bytes), short=canonical.sha256(data_bytes)[:12],
            units=len(results.data), fields=len(results.data.values)))
    if args.canonical is not None:
        write_out(args.canonical, data_bytes)
        print(t("fingerprint.written", args.lang, path=args.canonical))
    else:
        print(t("fingerprint.how", args.lang))
    return 0


def cmd_run(args) -> int:
    from .core.decisions import decide, outcomes_of
    from .history import canonical
    from .history.stamp import make_stamp
    from .report import REPORT_FORMATS
    from .report.output import RENDERERS, write_atomic

    if args.format in REPORT_FORMATS:
        _check_report_out(args, args.format)
    _check_out(args)
    store = None
    saved = None
    try:
        if args.save:  # open (or create) the store first: a damaged store stops us before any work
            from .history.store import open_store

            store = open_store(args.db, create=True)
        results, plan, registry, raw = _score(args, store)
        stamp = make_stamp(canonical.sha256(raw), canonical.data_hash(results.data), plan, registry, args.blank_gaps)
        if store is not None:
            from .history.record import build_record, data_files

            rec = build_record(results, registry, criteria_raw=raw, criteria_path=str(Path(args.criteria).resolve()),
                               data_path=str(Path(args.data).resolve()), operator=_operator(args),
                               files=data_files(args.data), note=args.note)
            saved = store.save(rec)
            stamp = stamp.with_run(saved)
        if args.format in REPORT_FORMATS:
            history = _decision_history(results, store, args)
            proposal = decide(results.criteria, outcomes_of(results), history)
            _write_report(args, args.format, results, proposal, history, stamp)
            return 0
        later_stamp = args.decide and args.format == "table"  # the stamp stays the last line
        proposal = _decide(results, args, store) if args.decide else None
        places, close = results.criteria.assessment.precision, results.criteria.decisions.close_margin
        if args.format == "json":
            from .report import decisions as rd
            from .report.output import json_chunks

            extra = {"decisions": rd.as_dicts(proposal, places, args.lang)} if args.decide else None
            text = json_chunks(results, args.lang, stamp=stamp, extra=extra)  # written as it is made
        else:
            text = RENDERERS[args.format](results, args.lang, stamp=None if later_stamp else stamp)
        if args.decide and args.format == "table":
            from .report import decisions as rd

            text += "\n" + rd.as_text(proposal, places, close, args.lang).rstrip("\n") + "\n" + "\n".join(
                stamp.gap_lines(args.lang) + [stamp.line(args.lang)]) + "\n"
        if args.out:
            write_atomic(args.out, text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
            print(TEXT[args.lang]["written"].format(path=args.out), file=sys.stderr)
        elif isinstance(text, str):
            sys.stdout.write(text)
        else:
            sys.stdout.writelines(text)
        if store is not None:
            _say("hist.saved", args.lang, run=stamp.run, db=store.path)
    except ScoringError:
        if saved is not None:  # the run is in the store: say so before saying what failed
            _say("output.saved_first", args.lang, run=saved, db=store.path)
        raise
    finally:
        if store is not None:
            store.close()
    return 0


def _results_and_decisions(args):
    """RUN (scored again from the history store) or CRITERIA --data DIR → (results, decisions, stamp, history)."""
    from .core.decisions import decide, outcomes_of
    from .history import canonical
    from .history.stamp import make_stamp

    if args.data is None:
        if not args.criteria.isdigit():
            from .errors import ScoringError, Problem

            raise ScoringError(Problem("cli.need_data", {"target": args.criteria}))
        from .history.reproduce import stored_results

        with _open(args) as store:
            results, stamp = stored_results(store, int(args.criteria), args.plugins)
            history = _decision_history(results, store, args)
    else:
        results, plan, registry, raw = _score(args)
        stamp = make_stamp(canonical.sha256(raw), canonical.data_hash(results.data), plan, registry, args.blank_gaps)
        history = _decision_history(results, None, args)
    return results, decide(results.criteria, outcomes_of(results), history), stamp, history


def _check_out(args) -> None:
    """Refuse ``--out`` before any work: not a folder, not an input, not inside the data folder."""
    if not getattr(args, "out", None):
        return
    from .history.store import default_path
    from .outfile import check_out

    target = getattr(args, "criteria", "")
    inputs = [target, getattr(args, "old", None), getattr(args, "new", None), *args.plugins]
    if getattr(args, "db", None) or getattr(args, "save", False) or str(target).isdigit():
        inputs.append(default_path(getattr(args, "db", None)))
    check_out(args.out, inputs=inputs, data_folder=getattr(args, "data", None))


def _check_report_out(args, fmt: str) -> None:
    from .errors import Problem, ReportError

    if not args.out and fmt != "html":
        raise ReportError(Problem("report.out_required", {"format": fmt}))


def _write_report(args, fmt: str, results, proposal, history, stamp) -> None:
    """Render one printable report and write it whole (or not at all)."""
    from .report import render_report, write_report

    if args.out:
        write_report(args.out, fmt, results, proposal, history, stamp.printed(), args.lang)
        print(TEXT[args.lang]["written"].format(path=args.out), file=sys.stderr)
    else:
        sys.stdout.write(render_report(fmt, results, proposal, history, stamp.printed(), args.lang).decode("utf-8"))


def cmd_report(args) -> int:
    from .errors import Problem, ReportError

    folder = args.paper == "unit" and (Path(args.out).is_dir() or args.out.endswith(("/", os.sep)) or not Path(args.out).suffix)
    if folder:  # a file per unit inside it: the folder must not be an input nor lie inside the data folder
        _check_out(argparse.Namespace(**{**vars(args), "out": str(Path(args.out) / "_.pdf")}))
    else:
        _check_out(args)
    fmt = args.format or ("pdf" if folder else Path(args.out).suffix.lower().lstrip("."))
    if fmt == "htm":
        fmt = "html"
    if fmt not in ("xlsx", "html", "pdf"):
        raise ReportError(Problem("report.unknown_format", {"out": args.out}))
    if args.paper == "public" and fmt == "xlsx":
        raise ReportError(Problem("report.no_xlsx_public"))
    if args.paper == "unit" and not args.unit and Path(args.out).is_file():
        raise ReportError(Problem("report.unit_needs_folder", {"out": args.out}))
    _check_report_out(args, fmt)
    results, proposal, stamp, history = _results_and_decisions(args)
    if args.paper == "office":
        _write_report(args, fmt, results, proposal, history, stamp)
        return 0
    from .report import render_papers
    from .report.output import write_atomic_bytes
    from .report.papers import publication

    pub = publication(results.criteria, {k: getattr(args, k) for k in
                                         ("issuer", "date", "public_from", "public_to", "object_by", "contact", "address",
                                          "grades_only")})
    # the papers sent out print no stamp: the run's blank-cell list names other units
    papers = render_papers(fmt, args.paper, results, proposal, history, stamp.as_dict(), args.lang, pub, args.unit)
    if args.paper == "unit" and (folder or not args.unit):
        for name, data in papers:  # every paper made before any is written: a failure leaves no half pack
            write_atomic_bytes(Path(args.out) / name, data)
        _say("report.written_units", args.lang, n=len(papers), dir=args.out)
    else:
        write_atomic_bytes(args.out, papers[0][1])
        print(TEXT[args.lang]["written"].format(path=args.out), file=sys.stderr)
    return 0


def cmd_decide(args) -> int:
    from .report import decisions as rd

    results, proposal, stamp, history = _results_and_decisions(args)
    places, close = results.criteria.assessment.precision, results.criteria.decisions.close_margin
    stability = None
    if args.draws:
        from .core.sensitivity import sensitivity
        from .core.stability import RuleShares

        shares = RuleShares(results, history)
        sensitivity(results, args.draws, args.spread / 100, args.seed, observers=[shares])
        stability = shares.by_unit()
    names = dict(zip(results.data.ids, results.data.names))
    if args.format == "json":
        import json

        doc = {"decisions": rd.as_dicts(proposal, places, args.lang, stability, names), "stamp": stamp.as_dict()}
        if stability is not None:
            doc["stability"] = {"draws": args.draws, "spread_percent": args.spread, "seed": args.seed}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(rd.as_text(proposal, places, close, args.lang, stability, names) + stamp.line(args.lang) + "\n")
    return 0


def cmd_explain(args) -> int:
    from .errors import Problem, UsageError
    from .report import notice

    results, proposal, stamp, _ = _results_and_decisions(args)
    ids, names = results.data.ids, results.data.names
    key = args.unit if args.unit in ids else (ids[names.index(args.unit)] if args.unit in names else None)
    if key is None:  # a wrong argument, not a problem in anyone's submission
        close = difflib.get_close_matches(args.unit, ids + names, n=3, cutoff=0.4)
        raise UsageError(Problem("explain.unknown_unit", {"unit": args.unit, "close": "、".join(close) or "—"}))
    cs, pos = results.locate(key)
    if args.format == "json":
        import json

        doc = {**notice.unit_notice(results, cs, pos, proposal, args.lang), "stamp": stamp.as_dict()}
        print(json.dumps(doc, ensure_ascii=False, indent=1))
    else:
        sys.stdout.write(notice.as_text(results, cs, pos, proposal, args.lang) + "\n" + stamp.line(args.lang) + "\n")
    return 0


def _say(code: str, lang: str, **kw) -> None:
    from .i18n import t

    print(t(code, lang, **kw), file=sys.stderr)


def _operator(args) -> str:
    if getattr(args, "operator", None):
        return args.operator
    if os.environ.get("SCORING_OPERATOR"):
        return os.environ["SCORING_OPERATOR"]
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name available
        return ""


def _with_previous(data, plan, store, args):
    """Last year's values (``<field>@上年``) from the store's published result of last year."""
    from .history.previous import attach_previous
    from .history.store import default_path, open_store
    from .i18n import t

    own = store is None
    if own:
        path = default_path(args.db)
        if not path.exists():
            print(t("hist.warning", args.lang) + t("hist.prev_nodb", args.lang, path=path), file=sys.stderr)
            return data
        try:
            store = open_store(path)
        except HistoryError as e:
            if e.problems[0].code != "history.empty":
                raise
            store = None  # an empty store: no published year to compare with
    try:
        data, notes = attach_previous(data, plan, store)
    finally:
        if own and store is not None:
            store.close()
    for n in notes:
        prefix = "" if n.code == "hist.prev_from" else t("hist.warning", args.lang)
        print(prefix + t(n.code, args.lang, **n.args), file=sys.stderr)
    return data


def _open(args):
    from .history.store import open_store

    return open_store(args.db)


def cmd_runs(args) -> int:
    from .history.cycle import current_publication
    from .history.report import runs_json, runs_text

    with _open(args) as s:
        runs = s.runs(args.series, args.year)
        pubs = {r.id: current_publication(s, r.id) for r in runs}
        sys.stdout.write(runs_json(runs, str(s.path), pubs) if args.format == "json" else runs_text(runs, str(s.path), args.lang, pubs))
    return 0


# ---------------------------------------------------------------------------- 公示, objections, log, import
def _write_or_print(path: str | None, text: str, lang: str) -> None:
    if path:
        from .history.cycle_report import paper, paper_format
        from .outfile import write_out

        write_out(path, paper(text, paper_format(path)))
        print(TEXT[lang]["written"].format(path=path), file=sys.stderr)
    else:
        sys.stdout.write(text)


def cmd_publish(args) -> int:
    from .history.cycle import publish

    with _open(args) as s:
        p = publish(s, args.run, args.start, args.end, _operator(args), args.reason)
    _say("cycle.published", args.lang, run=p.run_id, start=p.start, end=p.end)
    return 0


def _letter_of(s, o, lang: str) -> str:
    from .history.cycle import current_publication
    from .history.cycle_report import letter

    run = s.run(o.run_id)
    result = None
    if o.correction is not None:
        row = next(iter(s.unit_rows(o.correction, [o.unit_id])), None)
        if row is not None:
            from .core.rounding import fmt

            result = (o.correction, fmt(row.total, run.precision) if row.total is not None else "—", row.rank, row.of, row.grade)
    return letter(o, run, current_publication(s, run.id), lang, result)


def cmd_objection(args) -> int:
    from .history import cycle
    from .history.cycle_report import applied_text, notice

    if args.action == "add":
        with _open(args) as s:
            o = cycle.add_objection(s, args.run, args.unit, args.indicator, args.field, args.text, args.evidence,
                                    args.received, _operator(args), args.accept_late)
        _say("cycle.recorded_late" if o.late else "cycle.recorded", args.lang, id=o.id, run=o.run_id, unit=o.unit_id,
             received=o.received, files=len(o.evidence))
        return 0
    if args.action == "decide":
        if args.out:
            from .outfile import check_out

            check_out(args.out)
        with _open(args) as s:
            o = cycle.decide(s, args.id, args.accept, args.value, args.reason, _operator(args))
            text = _letter_of(s, o, args.lang)
        _say(f"cycle.decided.{o.state}", args.lang, id=o.id, run=o.run_id)
        _write_or_print(args.out, text, args.lang)
        return 0
    if args.action == "letter":
        if args.out:
            from .outfile import check_out

            check_out(args.out)
        with _open(args) as s:
            text = _letter_of(s, cycle.objection(s, args.id), args.lang)
        _write_or_print(args.out, text, args.lang)
        return 0
    # apply
    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        from .errors import OutputError, Problem

        raise OutputError(Problem("cycle.out_not_dir", {"path": args.out}, file=args.out))
    with _open(args) as s:
        done = cycle.apply(s, args.run, args.reason, _operator(args), args.plugins)
        letters = [(o, _letter_of(s, o, args.lang)) for o in done.objections]
    if args.format == "json":
        from .history.cycle_report import dumps, objection_dict
        from .history.report import rescore_json
        import json

        doc = json.loads(rescore_json(done.report))
        doc["objections"] = [objection_dict(o) for o in done.objections]
        doc["notices"] = [{"unit": n.unit_id, "name": n.name, "category": n.category, "own": n.own,
                           "changes": [c.what for c in n.changes], "decisions": [d.rule for d in n.decisions]} for n in done.notices]
        sys.stdout.write(dumps(doc))
    else:
        sys.stdout.write(applied_text(done, args.lang))
    if args.out:
        from .load.template import safe_filename
        from .outfile import write_out

        folder = Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        from .i18n import t

        from .history.cycle_report import paper

        ext = "." + args.papers
        files = [(folder / safe_filename(t("cycle.file.letter", args.lang, id=o.id, unit=o.unit_name or o.unit_id)[:-3] + ext), text)
                 for o, text in letters]
        files += [(folder / safe_filename(t("cycle.file.notice", args.lang, run=done.report.new_run.id, unit=n.name or n.unit_id)[:-3] + ext),
                   notice(n, done, args.lang)) for n in done.notices]
        for path, text in files:
            write_out(path, paper(text, args.papers))
        _say("cycle.files_written", args.lang, n=len(files), path=folder)
    return 0


def cmd_objections(args) -> int:
    from .history.cycle import objections
    from .history.cycle_report import objections_csv, objections_json, objections_text

    with _open(args) as s:
        objs = objections(s, args.run)
    out = {"json": lambda: objections_json(objs), "csv": lambda: objections_csv(objs, args.lang)}.get(
        args.format, lambda: objections_text(objs, args.lang))
    sys.stdout.write(out())
    return 0


def cmd_log(args) -> int:
    from .history.cycle import log
    from .history.cycle_report import log_json, log_text

    with _open(args) as s:
        run = s.run(args.run)
        events, bad = log(s, args.run)
    sys.stdout.write(log_json(run, events, bad) if args.format == "json" else log_text(run, events, bad, args.lang))
    return 0 if not bad else 3


def cmd_import(args) -> int:
    from .history.imported import import_sheet, read_sheet
    from .history.seal import load_key
    from .history.store import open_store

    load_key(args.key)  # no key, no work: an imported year is sealed like any final run
    sheet = read_sheet(args.sheet, args.criteria, args.units, args.series)  # every problem before the store is opened
    with open_store(args.db, create=True) as s:
        run = import_sheet(s, sheet, args.year, _operator(args), args.key, args.note)
    _say("cycle.imported", args.lang, run=run.id, year=run.year, series=run.series, units=run.units, file=Path(args.sheet).name)
    _say("seal.sealed", args.lang, run=run.id, digest=run.seal_digest, key=run.seal_key)
    return 0


def cmd_finalize(args) -> int:
    from .history.seal import finalize, load_key

    load_key(args.key)  # no key, no work: say so before re-scoring
    with _open(args) as s:
        run, changed = finalize(s, args.run, _operator(args), args.key, args.plugins)
    if not changed:
        _say("hist.already", args.lang, run=run.id, when=run.finalized)
    elif run.corrects:
        _say("hist.finalized_correction", args.lang, run=run.id, corrects=run.corrects, year=run.year)
    else:
        _say("hist.finalized", args.lang, run=run.id, series=run.series, year=run.year)
    if run.seal_digest:
        _say("seal.sealed", args.lang, run=run.id, digest=run.seal_digest, key=run.seal_key)
    return 0


def cmd_keygen(args) -> int:
    from .history.seal import keygen

    key = keygen(args.out)
    _say("seal.keygen", args.lang, path=args.out, key=key)
    return 0


def cmd_backup(args) -> int:
    from .history.backup import backup

    n = backup(args.db, args.out)
    _say("backup.done", args.lang, path=args.out, runs=n)
    return 0


def cmd_delete(args) -> int:
    with _open(args) as s:
        run = s.delete(args.run, _operator(args))
    _say("hist.deleted", args.lang, run=run.id)
    return 0


def cmd_verify(args) -> int:
    from .history.report import verify_json, verify_text
    from .history.reproduce import verify

    if args.public_key:
        os.environ["SCORING_PUBLIC_KEY"] = args.public_key
    if args.all:
        return _verify_all(args)
    if args.run is None:
        from .errors import Problem

        raise HistoryError(Problem("seal.verify_what"))
    if args.export:
        from .history.seal import export

        with _open(args) as s:
            for path in export(s, s.run(args.run), args.export):
                print(TEXT[args.lang]["written"].format(path=path), file=sys.stderr)
        return 0
    with _open(args) as s:
        rep = verify(s, args.run, args.plugins, args.data)
    sys.stdout.write(verify_json(rep) if args.format == "json" else verify_text(rep, args.lang))
    return 0 if rep.identical else 3


def _verify_all(args) -> int:
    """The whole store: triggers, every seal, its signature, its place in the chain."""
    import json

    from .history.seal import check_all, pinned_key, said, seal_rows
    from .history.store import open_store, trigger_problems
    from .i18n import t

    from .history.store import chain_at

    with open_store(args.db, guards=False) as s:
        gone = trigger_problems(s)
        bad = check_all(s, pinned_key())
        seals = seal_rows(s)
        path = s.path
        _, log_bad = chain_at(s, s.query("SELECT MAX(seq) FROM events")[0][0] or 0)  # the event log, also after the last seal
    if args.format == "json":
        doc = {"schema": "scoring.verify_all/1", "db": str(path), "seals": len(seals), "triggers_missing": gone,
               "intact": not gone and not bad,
               "chain_head": seals[-1].digest if seals else None,
               "problems": [{"run": r.id if r else None, "what": [getattr(x, "en", x) for x in w]} for r, w in bad],
               "log_rows_altered": log_bad}
        doc["intact"] = doc["intact"] and not log_bad
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    else:
        out = [t("seal.all_head", args.lang, db=path, n=len(seals))]
        if gone:
            out.append(t("history.triggers_gone", args.lang, path=path, names="、".join(gone)))
        for run, what in bad:
            if what == ["unsealed"]:
                out.append(t("seal.unsealed", args.lang, run=run.id, year=run.year, path=path))
                continue
            label = t("seal.all_run", args.lang, run=run.id, year=run.year) if run else ""
            out.append(label + said(what, args.lang))
        if log_bad:
            out.append(t("cycle.log.broken", args.lang, rows="、".join(map(str, log_bad))))
        if not gone and not bad and not log_bad:
            out.append(t("seal.all_ok", args.lang, n=len(seals), head=seals[-1].digest if seals else "—"))
        sys.stdout.write("\n".join(out) + "\n")
    return 0 if not gone and not bad and not log_bad else 3


def cmd_history(args) -> int:
    from .history.lookback import Outcome, find_unit, unit_history
    from .history.report import history_json, history_text

    with _open(args) as s:
        series = s.pick_series(args.series)
        unit = find_unit(s, series, args.unit)
        lines = unit_history(s, series, unit)
        runs = {ln.record.run_id: s.run(ln.record.run_id) for ln in lines if isinstance(ln.record, Outcome)}
        aliases = s.aliases(series)
    if args.format == "json":
        sys.stdout.write(history_json(series, unit, lines, runs, aliases))
    else:
        sys.stdout.write(history_text(series, unit, lines, runs, aliases, args.lang))
    return 0


def cmd_compare(args) -> int:
    from .errors import HistoryError, Problem
    from .history.lookback import compare_years
    from .history.report import compare_csv, compare_json, compare_text

    with _open(args) as s:
        series = s.pick_series(args.series)
        cmp = compare_years(s, series, args.year, args.category)
    if args.category is not None and not cmp.lines:
        cats = sorted({u.category for u in _units_of(args, cmp.run.id)})
        raise HistoryError(Problem("history.no_category", {"category": args.category, "known": "、".join(cats)}))
    out = {"json": lambda: compare_json(cmp), "csv": lambda: compare_csv(cmp, args.lang)}.get(args.format, lambda: compare_text(cmp, args.lang))
    sys.stdout.write(out())
    return 0


def _units_of(args, run_id: int):
    with _open(args) as s:
        return s.unit_rows(run_id)


def cmd_rescore(args) -> int:
    from .history.report import rescore_json, rescore_text
    from .history.reproduce import rescore

    with _open(args) as s:
        rep, _, _ = rescore(s, args.run, args.data, args.reason, _operator(args), args.plugins)
    sys.stdout.write(rescore_json(rep) if args.format == "json" else rescore_text(rep, args.lang))
    return 0


def cmd_validate(args) -> int:
    from .load.validate import validate
    from .report.validation import as_json, as_text

    plan, registry = load(args.criteria, args.plugins)
    report = validate(plan, args.data)
    render = as_json if args.format == "json" else as_text
    sys.stdout.write(render(report, plan, args.lang))
    return 0 if report.ok else 2


def cmd_progress(args) -> int:
    from .load.progress import collect
    from .report.progress import as_json, as_text

    plan, registry = load(args.criteria, args.plugins)
    progress = collect(plan, args.data, args.due)
    sys.stdout.write((as_json if args.format == "json" else as_text)(progress, args.lang))
    return 0


def cmd_warn(args) -> int:
    from .core.engine import score
    from .core.warnings import interim_plan, warnings_for
    from .errors import DataError, Problem, UsageError
    from .load.validate import validate
    from .report.output import write_atomic
    from .report.warnings import RENDERERS

    _check_out(args)
    plan, registry = load(args.criteria, args.plugins)
    interim = interim_plan(plan, registry.methods)  # every blank: not yet submitted, left out
    report = validate(interim, args.data)
    if report.problems:
        raise DataError(report.problems)
    data = report.data
    wanted = None
    if args.unit is not None:
        ids, names = data.ids, data.names
        same = [u for u, n in zip(ids, names) if n == args.unit]
        if args.unit not in ids and len(same) > 1:  # a name two units share: never guess which sheet to print
            raise DataError(Problem("data.ambiguous_name", {"name": args.unit, "ids": "、".join(same)}))
        wanted = args.unit if args.unit in ids else (same[0] if same else None)
        if wanted is None:
            raise UsageError(Problem("data.unknown_unit", {"unit": args.unit}))  # a wrong argument, not bad data
    if interim.previous:
        data = _with_previous(data, interim, None, args)
    units = warnings_for(score(interim, data, partial=True), report.gaps, args.indicators)
    if wanted is not None:
        units = [u for u in units if u.id == wanted]
    text = RENDERERS[args.format](plan.criteria, units, args.lang, str(args.data), single=wanted is not None)
    if args.out:
        write_atomic(args.out, text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
        print(TEXT[args.lang]["written"].format(path=args.out), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_criteria(args) -> int:
    from .i18n import t
    from .report.output import write_atomic

    if args.action == "next":
        from .load.carry import write_next

        load(args.criteria, args.plugins)  # only a file that passes `scoring check` is carried forward
        c = write_next(args.criteria, args.out, args.year)
        a0, a1 = c.old.assessment, c.new.assessment
        print(t("carry.written", args.lang, path=args.out, oy=a0.year, ny=a1.year, name=a1.name), file=sys.stderr)
        if c.stale:
            print(t("carry.stale", args.lang, year=a0.year), file=sys.stderr)
            for n, text in c.stale:
                print("  " + t("carry.stale_line", args.lang, n=n, text=text), file=sys.stderr)
        return 0
    from .core.criteria_diff import diff
    from .report.criteria_diff import as_json, as_text

    _check_out(args)
    old, _ = load(args.old, args.plugins)
    new, _ = load(args.new, args.plugins)
    text = (as_json if args.format == "json" else as_text)(diff(old, new, args.lang), args.lang)
    if args.out:
        write_atomic(args.out, text)
        print(TEXT[args.lang]["written"].format(path=args.out), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_template(args) -> int:
    from .load.template import write_templates

    plan, registry = load(args.criteria, args.plugins)
    written, notes = write_templates(plan, args.out, units=args.units, data=args.data, force=args.force, lang=args.lang)
    for p in notes:
        print(p.render(args.lang), file=sys.stderr)
    for path in written:
        print(TEXT[args.lang]["written"].format(path=path), file=sys.stderr)
    return 0


def cmd_sensitivity(args) -> int:
    from .core.sensitivity import sensitivity
    from .report.output import write_atomic
    from .report.sensitivity import RENDERERS

    from .core.stability import RuleShares

    _check_out(args)
    results = _score(args)[0]
    shares = RuleShares(results, _decision_history(results, None, args)) if results.criteria.decisions.rules else None
    s = sensitivity(results, args.draws, args.spread / 100, args.seed, observers=[shares] if shares else [])
    text = RENDERERS[args.format](results, s, args.lang, shares=shares.by_unit() if shares else None)
    if args.out:
        write_atomic(args.out, text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
        print(TEXT[args.lang]["written"].format(path=args.out), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_methods(args) -> int:
    from tabulate import tabulate
    import tabulate as _tab

    from .plugins import load_registry

    from .core.method_docs import describe, markdown
    from .errors import Problem

    _tab.WIDE_CHARS_MODE = True
    T = TEXT[args.lang]
    reg = load_registry([Path(f) for f in args.plugins])
    docs = [describe(m, reg.source[name], args.lang) for name, m in sorted(reg.methods.items())]
    if args.name is not None:
        docs = [d for d in docs if d.name == args.name]
        if not docs:
            raise ScoringError(Problem("plugin.unknown_method_name", {"name": args.name, "known": "、".join(sorted(reg.methods))}))
    if args.format == "markdown":
        sys.stdout.write(markdown(docs, args.lang))
    elif args.name is None:
        rows = [[d.name, d.title, d.plugin] for d in docs]
        print(tabulate(rows, headers=[T["m_name"], T["m_title"], T["m_plugin"]], disable_numparse=True))
    else:
        d = docs[0]
        print(f"{d.name}  {d.title}  （{T['m_plugin']}：{d.plugin}）" if args.lang != "en" else f"{d.name}  {d.title}  ({T['m_plugin']}: {d.plugin})")
        print(f"{T['m_reads']}：{d.reads}" if args.lang != "en" else f"{T['m_reads']}: {d.reads}")
        print()
        if d.params:
            rows = [[p.name, p.type, T["m_yes"] if p.required else T["m_no"], p.default, p.meaning] for p in d.params]
            heads = [T["m_param"], T["m_type"], T["m_required"], T["m_default"], T["m_meaning"]]
            print(tabulate(rows, headers=heads, disable_numparse=True))
        else:
            print(T["m_none"])
        print()
        if d.example:
            print(T["m_example"])
            print(d.example)
            print()
            print(T["m_rule"] + d.example_rule)
        else:
            print(T["m_no_example"])
    _warn_failed(reg, args.lang)
    return 0


def _warn_failed(registry, lang: str) -> None:
    if registry.failed:
        print(TEXT[lang]["failed"], file=sys.stderr)
        for p in registry.failed:
            print("  " + p.render(lang), file=sys.stderr)


COMMANDS = {"check": cmd_check, "validate": cmd_validate, "template": cmd_template, "run": cmd_run, "report": cmd_report,
            "decide": cmd_decide, "explain": cmd_explain, "methods": cmd_methods, "runs": cmd_runs, "finalize": cmd_finalize,
            "delete": cmd_delete, "verify": cmd_verify, "history": cmd_history, "compare": cmd_compare,
            "rescore": cmd_rescore, "sensitivity": cmd_sensitivity, "keygen": cmd_keygen, "backup": cmd_backup,
            "progress": cmd_progress, "warn": cmd_warn, "criteria": cmd_criteria, "fingerprint": cmd_fingerprint,
            "publish": cmd_publish, "objection": cmd_objection, "objections": cmd_objections, "log": cmd_log,
            "import": cmd_import}


def main(argv: list[str] | None = None) -> int:
    # The engine works column by column and never calls BLAS: a pool of BLAS threads
    # would only cost start-up time (about 50 ms of CPU on two cores). A user's own
    # setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    argv = sys.argv[1:] if argv is None else argv
    lang = _lang(argv)
    args = build_parser(lang).parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ScoringError as e:
        print(e.render(args.lang), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 - last resort: a short message, traceback only on request
        from .i18n import t

        if os.environ.get("SCORING_DEBUG"):
            raise
        print(t("error.internal", args.lang, detail=f"{type(e).__name__}: {e}"), file=sys.stderr)
        return 1
