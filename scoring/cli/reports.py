"""Printable reports: report (XLSX / HTML / PDF) of a stored run or of criteria and data."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from .. import api
from .common import check_out_arg, check_report_out, paper_date, results_and_decisions, say, write_report, written


def add_parsers(sub, common, T, lang: str) -> None:
    """This group's commands, in the order ``scoring --help`` lists them."""
    rp = sub.add_parser("report", help=T["report"], parents=[common])
    rp.add_argument("criteria", metavar="RUN|CRITERIA", help=T["run_or_criteria"])
    rp.add_argument("--data", help=T["data_for_criteria"])
    rp.add_argument("--format", choices=["xlsx", "html", "pdf"], help=T["r_format"])
    rp.add_argument("--out", required=True, help=T["r_out"])
    rp.add_argument("--db", help=T["db"])
    rp.add_argument("--for", dest="paper", choices=["office", "unit", "public"], default="office", help=T["r_for"])
    rp.add_argument("--unit", help=T["r_unit"])
    day = paper_date(lang)
    rp.add_argument("--issuer", help=T["p_issuer"])
    rp.add_argument("--date", type=day, help=T["p_date"])
    rp.add_argument("--public-from", type=day, help=T["p_from"])
    rp.add_argument("--public-to", type=day, help=T["p_to"])
    rp.add_argument("--object-by", type=day, help=T["p_by"])
    rp.add_argument("--contact", help=T["p_contact"])
    rp.add_argument("--address", help=T["p_address"])
    rp.add_argument("--grades-only", action="store_true", help=T["p_grades_only"])


def cmd_report(args) -> int:
    from ..errors import Problem, ReportError

    folder = args.paper == "unit" and (Path(args.out).is_dir() or args.out.endswith(("/", os.sep)) or not Path(args.out).suffix)
    if folder:  # a file per unit inside it: the folder must not be an input nor lie inside the data folder
        check_out_arg(argparse.Namespace(**{**vars(args), "out": str(Path(args.out) / "_.pdf")}))
    else:
        check_out_arg(args)
    fmt = args.format or ("pdf" if folder else Path(args.out).suffix.lower().lstrip("."))
    if fmt == "htm":
        fmt = "html"
    if fmt not in ("xlsx", "html", "pdf"):
        raise ReportError(Problem("report.unknown_format", {"out": args.out}))
    if args.paper == "public" and fmt == "xlsx":
        raise ReportError(Problem("report.no_xlsx_public"))
    if args.paper == "unit" and not args.unit and Path(args.out).is_file():
        raise ReportError(Problem("report.unit_needs_folder", {"out": args.out}))
    check_report_out(args, fmt)
    scored, proposal = results_and_decisions(args)
    if args.paper == "office":
        write_report(args, fmt, scored, proposal)
        return 0
    from ..outfile import write_out

    options = {k: getattr(args, k) for k in api.PUBLICATION_KEYS}
    papers = api.papers(scored, args.paper, fmt, args.lang, publication=options, unit=args.unit, decisions=proposal)
    if args.paper == "unit" and (folder or not args.unit):
        for name, data in papers:  # every paper made before any is written: a failure leaves no half pack
            write_out(Path(args.out) / name, data)
        say("report.written_units", args.lang, n=len(papers), dir=args.out)
    else:
        write_out(args.out, papers[0][1])
        written(args.out, args.lang)
    return 0


COMMANDS = {"report": cmd_report}
