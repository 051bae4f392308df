"""The assessment year's cycle (docs/cycle.md): interim warnings, criteria carried to next year and compared;
after the scoring, 公示 (publish), objections, the event log (log) and earlier years imported (import)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import api
from .common import check_out_arg, emit, operator, say, warner, written


def add_parsers(sub, common, T, lang: str) -> None:
    """This group's commands, in the order ``scoring --help`` lists them."""
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

    # the year's cycle after the scoring (docs/cycle.md): 公示, objections, the event log, earlier years imported
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", help=T["db"])
    fmt2 = argparse.ArgumentParser(add_help=False)
    fmt2.add_argument("--format", choices=["table", "json"], default="table", help=T["format"])
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


def cmd_criteria(args) -> int:
    from ..i18n import t
    from ..report.output import write_atomic

    if args.action == "next":
        crit = api.load_criteria(args.criteria, args.plugins)  # only a file that passes `scoring check` is carried forward
        c = api.criteria_next(crit, args.out, args.year)
        a0, a1 = c.old.assessment, c.new.assessment
        print(t("carry.written", args.lang, path=args.out, oy=a0.year, ny=a1.year, name=a1.name), file=sys.stderr)
        if c.stale:
            print(t("carry.stale", args.lang, year=a0.year), file=sys.stderr)
            for n, text in c.stale:
                print("  " + t("carry.stale_line", args.lang, n=n, text=text), file=sys.stderr)
        return 0
    from ..report.criteria_diff import as_json, as_text

    check_out_arg(args)
    old = api.load_criteria(args.old, args.plugins)
    new = api.load_criteria(args.new, args.plugins)
    text = (as_json if args.format == "json" else as_text)(api.criteria_diff(old, new, args.lang), args.lang)
    if args.out:
        write_atomic(args.out, text)
        written(args.out, args.lang)
    else:
        sys.stdout.write(text)
    return 0


def cmd_warn(args) -> int:
    from ..report.warnings import RENDERERS

    check_out_arg(args)
    crit = api.load_criteria(args.criteria, args.plugins)
    w = api.interim_warnings(crit, args.data, unit=args.unit, indicators=args.indicators, db=args.db, warn=warner(args.lang))
    text = RENDERERS[args.format](crit.criteria, w.units, args.lang, str(args.data), single=w.unit is not None)
    emit(args, text)
    return 0


# ---------------------------------------------------------------------------- 公示, objections, log, import
def write_or_print(path: str | None, text: str, lang: str) -> None:
    if path:
        from ..history.cycle_report import paper, paper_format
        from ..outfile import write_out

        write_out(path, paper(text, paper_format(path)))
        written(path, lang)
    else:
        sys.stdout.write(text)


def cmd_publish(args) -> int:
    p = api.publish(args.run, args.start, args.end, operator(args), reason=args.reason, db=args.db)
    say("cycle.published", args.lang, run=p.run_id, start=p.start, end=p.end)
    return 0


def cmd_objection(args) -> int:
    if args.action == "add":
        o = api.add_objection(
            args.run,
            args.unit,
            args.text,
            operator(args),
            indicator=args.indicator,
            field=args.field,
            evidence=args.evidence,
            received=args.received,
            accept_late=args.accept_late,
            db=args.db,
        )
        say("cycle.recorded_late" if o.late else "cycle.recorded", args.lang, id=o.id, run=o.run_id, unit=o.unit_id, received=o.received, files=len(o.evidence))
        return 0
    if args.action == "decide":
        check_out_arg(args)
        o = api.decide_objection(args.id, args.accept, args.reason, operator(args), values=args.value, db=args.db)
        say(f"cycle.decided.{o.state}", args.lang, id=o.id, run=o.run_id)
        write_or_print(args.out, api.objection_letter(o.id, args.lang, db=args.db), args.lang)
        return 0
    if args.action == "letter":
        check_out_arg(args)
        write_or_print(args.out, api.objection_letter(args.id, args.lang, db=args.db), args.lang)
        return 0
    return apply_objections(args)


def apply_objections(args) -> int:
    from ..history.cycle_report import applied_text, notice, paper

    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        from ..errors import OutputError, Problem

        raise OutputError(Problem("cycle.out_not_dir", {"path": args.out}, file=args.out))
    if args.out:  # the letters' folder is checked before the correction run is saved, not after
        check_out_arg(argparse.Namespace(**{**vars(args), "out": str(Path(args.out) / ("_." + args.papers))}))
    corrected = api.apply_objections(args.run, args.reason, operator(args), args.lang, plugins=args.plugins, db=args.db)
    done = corrected.applied
    if args.format == "json":
        from ..history.cycle_report import applied_json

        sys.stdout.write(applied_json(done))
    else:
        sys.stdout.write(applied_text(done, args.lang))
    if args.out:
        from ..i18n import t
        from ..load.template import safe_filename
        from ..outfile import write_out

        folder = Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        ext = "." + args.papers
        files = [
            (folder / safe_filename(t("cycle.file.letter", args.lang, id=o.id, unit=o.unit_name or o.unit_id)[:-3] + ext), text)
            for o, text in corrected.letters
        ]
        files += [
            (
                folder / safe_filename(t("cycle.file.notice", args.lang, run=done.report.new_run.id, unit=n.name or n.unit_id)[:-3] + ext),
                notice(n, done, args.lang),
            )
            for n in done.notices
        ]
        for path, text in files:
            write_out(path, paper(text, args.papers))
        say("cycle.files_written", args.lang, n=len(files), path=folder)
    return 0


def cmd_objections(args) -> int:
    from ..history.cycle_report import objections_csv, objections_json, objections_text

    objs = api.objections(args.run, db=args.db)
    out = {"json": lambda: objections_json(objs), "csv": lambda: objections_csv(objs, args.lang)}.get(args.format, lambda: objections_text(objs, args.lang))
    sys.stdout.write(out())
    return 0


def cmd_log(args) -> int:
    from ..history.cycle_report import log_json, log_text

    run, events, bad = api.event_log(args.run, db=args.db)
    sys.stdout.write(log_json(run, events, bad) if args.format == "json" else log_text(run, events, bad, args.lang))
    return 0 if not bad else 3


def cmd_import(args) -> int:
    run = api.import_results(
        args.sheet, args.criteria, args.year, operator(args), units=args.units, series=args.series, key=args.key, note=args.note, db=args.db
    )
    say("cycle.imported", args.lang, run=run.id, year=run.year, series=run.series, units=run.units, file=Path(args.sheet).name)
    say("seal.sealed", args.lang, run=run.id, digest=run.seal_digest, key=run.seal_key)
    return 0


COMMANDS = {
    "criteria": cmd_criteria,
    "warn": cmd_warn,
    "publish": cmd_publish,
    "objection": cmd_objection,
    "objections": cmd_objections,
    "log": cmd_log,
    "import": cmd_import,
}
