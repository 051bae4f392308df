"""Data commands: validate a data folder, write data-entry templates, collection progress."""

from __future__ import annotations

import sys

from .. import api
from .common import due, written


def add_parsers(sub, common, T, lang: str) -> None:
    """This group's commands, in the order ``scoring --help`` lists them."""
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
    pg = sub.add_parser("progress", help=T["progress"], parents=[common])
    pg.add_argument("criteria", help=T["criteria"])
    pg.add_argument("--data", required=True, help=T["data"])
    pg.add_argument("--due", type=due(lang), help=T["due"])
    pg.add_argument("--format", choices=["text", "json"], default="text", help=T["vformat"])


def cmd_validate(args) -> int:
    from ..report.validation import as_json, as_text

    crit = api.load_criteria(args.criteria, args.plugins)
    report = api.validate(crit, args.data)
    render = as_json if args.format == "json" else as_text
    sys.stdout.write(render(report, crit.plan, args.lang))
    return 0 if report.ok else 2


def cmd_template(args) -> int:
    crit = api.load_criteria(args.criteria, args.plugins)
    paths, notes = api.templates(crit, args.out, units=args.units, data=args.data, force=args.force, lang=args.lang)
    for p in notes:
        print(p.render(args.lang), file=sys.stderr)
    for path in paths:
        written(path, args.lang)
    return 0


def cmd_progress(args) -> int:
    from ..report.progress import as_json, as_text

    progress = api.progress(api.load_criteria(args.criteria, args.plugins), args.data, args.due)
    sys.stdout.write((as_json if args.format == "json" else as_text)(progress, args.lang))
    return 0


COMMANDS = {"validate": cmd_validate, "template": cmd_template, "progress": cmd_progress}
