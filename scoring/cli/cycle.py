"""The assessment year's cycle: interim warnings, criteria carried to next year and compared."""
from __future__ import annotations

import sys

from .. import api
from .common import check_out_arg, warner, written


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



def cmd_criteria(args) -> int:
    from ..i18n import t
    from ..report.output import write_atomic

    if args.action == "next":
        from ..load.carry import write_next

        api.load_criteria(args.criteria, args.plugins)  # only a file that passes `scoring check` is carried forward
        c = write_next(args.criteria, args.out, args.year)
        a0, a1 = c.old.assessment, c.new.assessment
        print(t("carry.written", args.lang, path=args.out, oy=a0.year, ny=a1.year, name=a1.name), file=sys.stderr)
        if c.stale:
            print(t("carry.stale", args.lang, year=a0.year), file=sys.stderr)
            for n, text in c.stale:
                print("  " + t("carry.stale_line", args.lang, n=n, text=text), file=sys.stderr)
        return 0
    from ..core.criteria_diff import diff
    from ..report.criteria_diff import as_json, as_text

    check_out_arg(args)
    old = api.load_criteria(args.old, args.plugins).plan
    new = api.load_criteria(args.new, args.plugins).plan
    text = (as_json if args.format == "json" else as_text)(diff(old, new, args.lang), args.lang)
    if args.out:
        write_atomic(args.out, text)
        written(args.out, args.lang)
    else:
        sys.stdout.write(text)
    return 0


def cmd_warn(args) -> int:
    from ..core.engine import score
    from ..core.warnings import interim_plan, warnings_for
    from ..errors import DataError, Problem, UsageError
    from ..load.validate import validate
    from ..report.output import write_atomic
    from ..report.warnings import RENDERERS

    check_out_arg(args)
    crit = api.load_criteria(args.criteria, args.plugins)
    plan, registry = crit.plan, crit.registry
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
        data = api.previous_values(data, interim, db=args.db, warn=warner(args.lang))
    units = warnings_for(score(interim, data, partial=True), report.gaps, args.indicators)
    if wanted is not None:
        units = [u for u in units if u.id == wanted]
    text = RENDERERS[args.format](plan.criteria, units, args.lang, str(args.data), single=wanted is not None)
    if args.out:
        write_atomic(args.out, text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
        written(args.out, args.lang)
    else:
        sys.stdout.write(text)
    return 0


COMMANDS = {"criteria": cmd_criteria, "warn": cmd_warn}
