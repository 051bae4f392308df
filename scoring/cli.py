"""Command line: ``scoring check | run | methods``.

Exit status: 0 success, 2 bad input (a clear message, no traceback), 1 internal error.
Heavy libraries are imported inside the commands that need them so start-up stays fast.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import ScoringError

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
        "failed": "以下插件加载失败：",
        "decide": "同时列出拟处理建议（约谈、通报等）及其依据和差距",
        "explain": "说明一个单位的得分：逐项得分、失分原因、数据来源、等次与处理建议",
        "unit": "单位编号或单位名称",
        "no_unit": "找不到单位“{unit}”",
        "report": "生成可打印的报告（XLSX / HTML / PDF）：排名表、评分表、拟处理建议和图表",
        "r_format": "报告格式（默认按 --out 的扩展名）", "r_out": "输出文件",
        "run_format": "输出格式；xlsx、html、pdf 为可打印的报告（须同时给出 --out）",
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
        "failed": "These plugins failed to load:",
        "decide": "also list the proposed decisions (约谈, 通报 …) with reasons and margins",
        "explain": "explain one unit: points per indicator, why points were lost, data sources, grade and decisions",
        "unit": "unit id or name",
        "no_unit": "no unit \"{unit}\"",
        "report": "make a printable report (XLSX / HTML / PDF): ranked tables, score sheets, proposed decisions and charts",
        "r_format": "report format (default: from the extension of --out)", "r_out": "output file",
        "run_format": "output format; xlsx, html and pdf make a printable report (give --out too)",
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
    r.add_argument("--decide", action="store_true", help=T["decide"])
    e = sub.add_parser("explain", help=T["explain"], parents=[common])
    e.add_argument("criteria", help=T["criteria"])
    e.add_argument("unit", help=T["unit"])
    e.add_argument("--data", required=True, help=T["data"])
    e.add_argument("--format", choices=["text", "json"], default="text", help=T["format"])
    rp = sub.add_parser("report", help=T["report"], parents=[common])
    rp.add_argument("criteria", help=T["criteria"])
    rp.add_argument("--data", required=True, help=T["data"])
    rp.add_argument("--format", choices=["xlsx", "html", "pdf"], help=T["r_format"])
    rp.add_argument("--out", required=True, help=T["r_out"])
    sub.add_parser("methods", help=T["methods"], parents=[common])
    return p


def load(criteria_path: str, plugin_args: list[str]):
    """Criteria file → (plan, registry), with local plugins from the file and the command line."""
    from .load.criteria_file import locate, read_criteria
    from .core.plan import build_plan
    from .errors import CriteriaError
    from .plugins import load_registry

    criteria, lines, _ = read_criteria(criteria_path)
    base = Path(criteria_path).parent
    folders = [base / f for f in criteria.assessment.plugins] + [Path(f) for f in plugin_args]
    registry = load_registry(folders)
    try:
        plan = build_plan(criteria, registry.methods, registry.failed)
    except CriteriaError as e:
        raise CriteriaError(locate(e.problems, criteria_path, lines)) from None
    return plan, registry


def cmd_check(args) -> int:
    T = TEXT[args.lang]
    plan, registry = load(args.criteria, args.plugins)
    a = plan.criteria.assessment
    print(T["ok"].format(name=a.name, year=a.year, cats=len(a.categories), mods=len(plan.criteria.modules),
                         inds=len(plan.criteria.indicators), leaves=len(plan.leaves)))
    _warn_failed(registry, args.lang)
    return 0


def _score(args):
    from .core.engine import score
    from .load.csv_data import read_folder

    plan, registry = load(args.criteria, args.plugins)
    data = read_folder(args.data, plan.criteria)
    return score(plan, data)


def _decide(results, history=None):
    from .core.decisions import decide, outcomes_of

    return decide(results.criteria, outcomes_of(results), history)


def cmd_run(args) -> int:
    from .report import REPORT_FORMATS
    from .report.output import RENDERERS, write_atomic

    if args.format in REPORT_FORMATS:
        return _report(args, args.format)
    results = _score(args)
    text = RENDERERS[args.format](results, args.lang)
    if args.decide:
        from .report import decisions as rd

        places, close = results.criteria.assessment.precision, results.criteria.decisions.close_margin
        proposal = _decide(results)
        if args.format == "json":
            import json

            doc = json.loads(text)
            doc["decisions"] = rd.as_dicts(proposal, places, args.lang)
            text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
        elif args.format == "table":
            text += "\n" + rd.as_text(proposal, places, close, args.lang)
    if args.out:
        write_atomic(args.out, text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
        print(TEXT[args.lang]["written"].format(path=args.out), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_report(args) -> int:
    from .errors import Problem, ReportError

    fmt = args.format or Path(args.out).suffix.lower().lstrip(".")
    if fmt == "htm":
        fmt = "html"
    if fmt not in ("xlsx", "html", "pdf"):
        raise ReportError(Problem("report.unknown_format", {"out": args.out}))
    return _report(args, fmt)


def _report(args, fmt: str) -> int:
    """Score, propose decisions, render one printable report and write it whole (or not at all)."""
    from .errors import Problem, ReportError
    from .report import render_report
    from .report.output import write_atomic_bytes
    from .report.stamp import stamp_for

    if not args.out and fmt != "html":
        raise ReportError(Problem("report.out_required", {"format": fmt}))
    results = _score(args)
    data = render_report(fmt, results, _decide(results), None, stamp_for(args.criteria, args.data), args.lang)
    if args.out:
        write_atomic_bytes(args.out, data)
        print(TEXT[args.lang]["written"].format(path=args.out), file=sys.stderr)
    else:
        sys.stdout.write(data.decode("utf-8"))
    return 0


def cmd_explain(args) -> int:
    from .errors import DataError, Problem
    from .report import notice

    results = _score(args)
    ids, names = results.data.ids, results.data.names
    key = args.unit if args.unit in ids else (ids[names.index(args.unit)] if args.unit in names else None)
    if key is None:
        raise DataError(Problem("data.unknown_unit", {"unit": args.unit}))
    cs, pos = results.locate(key)
    proposal = _decide(results)
    if args.format == "json":
        import json

        print(json.dumps(notice.unit_notice(results, cs, pos, proposal, args.lang), ensure_ascii=False, indent=1))
    else:
        sys.stdout.write(notice.as_text(results, cs, pos, proposal, args.lang))
    return 0


def cmd_methods(args) -> int:
    from tabulate import tabulate
    import tabulate as _tab

    from .plugins import load_registry

    _tab.WIDE_CHARS_MODE = True
    T = TEXT[args.lang]
    reg = load_registry([Path(f) for f in args.plugins])
    rows = [[name, m.title[1] if args.lang == "en" else m.title[0], reg.source[name]] for name, m in sorted(reg.methods.items())]
    print(tabulate(rows, headers=[T["m_name"], T["m_title"], T["m_plugin"]], disable_numparse=True))
    _warn_failed(reg, args.lang)
    return 0


def _warn_failed(registry, lang: str) -> None:
    if registry.failed:
        print(TEXT[lang]["failed"], file=sys.stderr)
        for p in registry.failed:
            print("  " + p.render(lang), file=sys.stderr)


COMMANDS = {"check": cmd_check, "run": cmd_run, "report": cmd_report, "explain": cmd_explain, "methods": cmd_methods}


def main(argv: list[str] | None = None) -> int:
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
