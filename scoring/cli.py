"""Command line: ``scoring check | run | validate | template | methods``.

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
        "validate": "校验报送数据，一次列出全部问题、缺报和自动规范之处",
        "template": "按评分细则为每个报送单位生成 Excel 报送表",
        "vformat": "报告格式：text（默认）或 json",
        "t_out": "报送表写入的目录", "t_units": "单位名单（units.csv 或 units.xlsx）",
        "t_data": "数据目录（从中读取 units.csv 或 units.xlsx）", "t_force": "覆盖已存在的同名文件",
        "notes_run": "读取数据时自动规范了 {n} 处（运行 scoring validate 查看详情）",
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
        "validate": "check submitted data: every problem, gap and normalisation at once",
        "template": "write an Excel data-entry workbook for each data owner",
        "vformat": "report format: text (default) or json",
        "t_out": "folder to write the workbooks to", "t_units": "unit list (units.csv or units.xlsx)",
        "t_data": "data folder holding units.csv or units.xlsx", "t_force": "overwrite files of the same name",
        "notes_run": "{n} harmless variation(s) normalised while reading (see `scoring validate`)",
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
    r.add_argument("--format", choices=["table", "json", "csv"], default="table", help=T["format"])
    r.add_argument("--out", help=T["out"])
    v = sub.add_parser("validate", help=T["validate"], parents=[common])
    v.add_argument("criteria", help=T["criteria"])
    v.add_argument("--data", required=True, help=T["data"])
    v.add_argument("--format", choices=["text", "json"], default="text", help=T["vformat"])
    tp = sub.add_parser("template", help=T["template"], parents=[common])
    tp.add_argument("criteria", help=T["criteria"])
    tp.add_argument("--out", required=True, help=T["t_out"])
    src = tp.add_mutually_exclusive_group(required=True)
    src.add_argument("--units", help=T["t_units"])
    src.add_argument("--data", help=T["t_data"])
    tp.add_argument("--force", action="store_true", help=T["t_force"])
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


def cmd_run(args) -> int:
    from .core.engine import score
    from .errors import DataError
    from .load.validate import validate
    from .report.output import RENDERERS, write_atomic

    plan, registry = load(args.criteria, args.plugins)
    report = validate(plan, args.data)  # every problem in the data, before anything is scored or written
    if report.problems:
        raise DataError(report.problems)
    if report.notes:
        print(TEXT[args.lang]["notes_run"].format(n=len(report.notes)), file=sys.stderr)
    results = score(plan, report.data)
    text = RENDERERS[args.format](results, args.lang)
    if args.out:
        write_atomic(args.out, text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
        print(TEXT[args.lang]["written"].format(path=args.out), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_validate(args) -> int:
    from .load.validate import validate
    from .report.validation import as_json, as_text

    plan, registry = load(args.criteria, args.plugins)
    report = validate(plan, args.data)
    render = as_json if args.format == "json" else as_text
    sys.stdout.write(render(report, plan, args.lang))
    return 0 if report.ok else 2


def cmd_template(args) -> int:
    from .load.template import write_templates

    plan, registry = load(args.criteria, args.plugins)
    written, notes = write_templates(plan, args.out, units=args.units, data=args.data, force=args.force, lang=args.lang)
    for p in notes:
        print(p.render(args.lang), file=sys.stderr)
    for path in written:
        print(TEXT[args.lang]["written"].format(path=path), file=sys.stderr)
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


COMMANDS = {"check": cmd_check, "run": cmd_run, "validate": cmd_validate, "template": cmd_template, "methods": cmd_methods}


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
