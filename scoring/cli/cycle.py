"""The assessment year's cycle (docs/cycle.md): interim warnings, criteria carried to next year and compared;
after the scoring, 公示 (publish), objections, the event log (log) and earlier years imported (import)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import api
from .common import check_out_arg, emit, history_store, operator, say, warner, written


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
    from ..history.cycle import publish

    with history_store(args) as s:
        p = publish(s, args.run, args.start, args.end, operator(args), args.reason)
    say("cycle.published", args.lang, run=p.run_id, start=p.start, end=p.end)
    return 0


def letter_of(s, o, lang: str) -> str:
    from ..history.cycle import current_publication
    from ..history.cycle_report import letter

    run = s.run(o.run_id)
    result = None
    if o.correction is not None:
        row = next(iter(s.unit_rows(o.correction, [o.unit_id])), None)
        if row is not None:
            from ..core.rounding import fmt

            result = (o.correction, fmt(row.total, run.precision) if row.total is not None else "—", row.rank, row.of, row.grade)
    return letter(o, run, current_publication(s, run.id), lang, result)


def cmd_objection(args) -> int:
    from ..history import cycle
    from ..history.cycle_report import applied_text, notice

    if args.action == "add":
        with history_store(args) as s:
            o = cycle.add_objection(s, args.run, args.unit, args.indicator, args.field, args.text, args.evidence,
                                    args.received, operator(args), args.accept_late)
        say("cycle.recorded_late" if o.late else "cycle.recorded", args.lang, id=o.id, run=o.run_id, unit=o.unit_id,
             received=o.received, files=len(o.evidence))
        return 0
    if args.action == "decide":
        check_out_arg(args)
        with history_store(args) as s:
            o = cycle.decide(s, args.id, args.accept, args.value, args.reason, operator(args))
            text = letter_of(s, o, args.lang)
        say(f"cycle.decided.{o.state}", args.lang, id=o.id, run=o.run_id)
        write_or_print(args.out, text, args.lang)
        return 0
    if args.action == "letter":
        check_out_arg(args)
        with history_store(args) as s:
            text = letter_of(s, cycle.objection(s, args.id), args.lang)
        write_or_print(args.out, text, args.lang)
        return 0
    # apply
    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        from ..errors import OutputError, Problem

        raise OutputError(Problem("cycle.out_not_dir", {"path": args.out}, file=args.out))
    if args.out:  # the letters' folder is checked before the correction run is saved, not after
        check_out_arg(argparse.Namespace(**{**vars(args), "out": str(Path(args.out) / ("_." + args.papers))}))
    with history_store(args) as s:
        done = cycle.apply(s, args.run, args.reason, operator(args), args.plugins)
        letters = [(o, letter_of(s, o, args.lang)) for o in done.objections]
    if args.format == "json":
        from ..history.cycle_report import dumps, objection_dict
        from ..history.report import rescore_json
        import json

        doc = json.loads(rescore_json(done.report))
        doc["objections"] = [objection_dict(o) for o in done.objections]
        doc["notices"] = [{"unit": n.unit_id, "name": n.name, "category": n.category, "own": n.own,
                           "changes": [c.what for c in n.changes], "decisions": [d.rule for d in n.decisions]} for n in done.notices]
        sys.stdout.write(dumps(doc))
    else:
        sys.stdout.write(applied_text(done, args.lang))
    if args.out:
        from ..load.template import safe_filename
        from ..outfile import write_out

        folder = Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        from ..i18n import t

        from ..history.cycle_report import paper

        ext = "." + args.papers
        files = [(folder / safe_filename(t("cycle.file.letter", args.lang, id=o.id, unit=o.unit_name or o.unit_id)[:-3] + ext), text)
                 for o, text in letters]
        files += [(folder / safe_filename(t("cycle.file.notice", args.lang, run=done.report.new_run.id, unit=n.name or n.unit_id)[:-3] + ext),
                   notice(n, done, args.lang)) for n in done.notices]
        for path, text in files:
            write_out(path, paper(text, args.papers))
        say("cycle.files_written", args.lang, n=len(files), path=folder)
    return 0


def cmd_objections(args) -> int:
    from ..history.cycle import objections
    from ..history.cycle_report import objections_csv, objections_json, objections_text

    with history_store(args) as s:
        objs = objections(s, args.run)
    out = {"json": lambda: objections_json(objs), "csv": lambda: objections_csv(objs, args.lang)}.get(
        args.format, lambda: objections_text(objs, args.lang))
    sys.stdout.write(out())
    return 0


def cmd_log(args) -> int:
    from ..history.cycle import log
    from ..history.cycle_report import log_json, log_text

    with history_store(args) as s:
        run = s.run(args.run)
        events, bad = log(s, args.run)
    sys.stdout.write(log_json(run, events, bad) if args.format == "json" else log_text(run, events, bad, args.lang))
    return 0 if not bad else 3


def cmd_import(args) -> int:
    from ..history.imported import import_sheet, read_sheet
    from ..history.seal import load_key
    load_key(args.key)  # no key, no work: an imported year is sealed like any final run
    sheet = read_sheet(args.sheet, args.criteria, args.units, args.series)  # every problem before the store is opened
    with history_store(args, create=True) as s:
        run = import_sheet(s, sheet, args.year, operator(args), args.key, args.note)
    say("cycle.imported", args.lang, run=run.id, year=run.year, series=run.series, units=run.units, file=Path(args.sheet).name)
    say("seal.sealed", args.lang, run=run.id, digest=run.seal_digest, key=run.seal_key)
    return 0


COMMANDS = {"criteria": cmd_criteria, "warn": cmd_warn, "publish": cmd_publish, "objection": cmd_objection,
            "objections": cmd_objections, "log": cmd_log, "import": cmd_import}
