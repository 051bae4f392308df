"""Printable reports: report (XLSX / HTML / PDF) of a stored run or of criteria and data."""
from __future__ import annotations

from pathlib import Path

from .common import check_out_arg, check_report_out, results_and_decisions, write_report


def add_parsers(sub, common, T, lang: str) -> None:
    """This group's commands, in the order ``scoring --help`` lists them."""
    rp = sub.add_parser("report", help=T["report"], parents=[common])
    rp.add_argument("criteria", metavar="RUN|CRITERIA", help=T["run_or_criteria"])
    rp.add_argument("--data", help=T["data_for_criteria"])
    rp.add_argument("--format", choices=["xlsx", "html", "pdf"], help=T["r_format"])
    rp.add_argument("--out", required=True, help=T["r_out"])
    rp.add_argument("--db", help=T["db"])


def cmd_report(args) -> int:
    from ..errors import Problem, ReportError

    check_out_arg(args)
    fmt = args.format or Path(args.out).suffix.lower().lstrip(".")
    if fmt == "htm":
        fmt = "html"
    if fmt not in ("xlsx", "html", "pdf"):
        raise ReportError(Problem("report.unknown_format", {"out": args.out}))
    check_report_out(args, fmt)
    results, proposal, stamp, history = results_and_decisions(args)
    write_report(args, fmt, results, proposal, history, stamp)
    return 0


COMMANDS = {"report": cmd_report}
