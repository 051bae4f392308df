"""History store commands: runs, finalize, delete, verify, history, compare, rescore, keygen, backup."""

from __future__ import annotations

import argparse
import sys

from .. import api
from ..errors import HistoryError
from .common import history_store, operator, say, written


def add_parsers(sub, common, T, lang: str) -> None:
    """This group's commands, in the order ``scoring --help`` lists them."""
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


def cmd_runs(args) -> int:
    from ..history.report import runs_json, runs_text

    with history_store(args) as s:  # one store for the list and each run's 公示
        runs = api.runs(series=args.series, year=args.year, store=s)
        pubs = {r.id: api.publication(r.id, store=s) for r in runs}
        db = str(s.path)
    sys.stdout.write(runs_json(runs, db, pubs) if args.format == "json" else runs_text(runs, db, args.lang, pubs))
    return 0


def cmd_finalize(args) -> int:
    run, changed = api.finalize(args.run, operator(args), key=args.key, plugins=args.plugins, db=args.db)
    if not changed:
        say("hist.already", args.lang, run=run.id, when=run.finalized)
    elif run.corrects:
        say("hist.finalized_correction", args.lang, run=run.id, corrects=run.corrects, year=run.year)
    else:
        say("hist.finalized", args.lang, run=run.id, series=run.series, year=run.year)
    if run.seal_digest:
        say("seal.sealed", args.lang, run=run.id, digest=run.seal_digest, key=run.seal_key)
    return 0


def cmd_keygen(args) -> int:
    key = api.keygen(args.out)
    say("seal.keygen", args.lang, path=args.out, key=key)
    return 0


def cmd_backup(args) -> int:
    n = api.backup(args.out, db=args.db)
    say("backup.done", args.lang, path=args.out, runs=n)
    return 0


def cmd_delete(args) -> int:
    run = api.delete_run(args.run, operator(args), db=args.db)
    say("hist.deleted", args.lang, run=run.id)
    return 0


def cmd_verify(args) -> int:
    from ..history.report import verify_json, verify_text

    if args.all:
        return verify_all(args)
    if args.run is None:
        from ..errors import Problem

        raise HistoryError(Problem("seal.verify_what"))
    if args.export:
        for path in api.export_seal(args.run, args.export, db=args.db):
            written(path, args.lang)
        return 0
    rep = api.verify(args.run, data=args.data, plugins=args.plugins, public_key=args.public_key, db=args.db)
    sys.stdout.write(verify_json(rep) if args.format == "json" else verify_text(rep, args.lang))
    return 0 if rep.identical else 3


def verify_all(args) -> int:
    """The whole store: triggers, every seal, its signature, its place in the chain."""
    from ..history.report import check_json, check_text

    c = api.check_store(public_key=args.public_key, db=args.db)
    sys.stdout.write(check_json(c) if args.format == "json" else check_text(c, args.lang))
    return 0 if c.intact else 3


def cmd_history(args) -> int:
    from ..history.report import history_json, history_text

    h = api.unit_history(args.unit, series=args.series, db=args.db)
    if args.format == "json":
        sys.stdout.write(history_json(h.series, h.unit, h.lines, h.runs, h.aliases))
    else:
        sys.stdout.write(history_text(h.series, h.unit, h.lines, h.runs, h.aliases, args.lang))
    return 0


def cmd_compare(args) -> int:
    from ..history.report import compare_csv, compare_json, compare_text

    cmp = api.compare_years(args.year, category=args.category, series=args.series, db=args.db)
    out = {"json": lambda: compare_json(cmp), "csv": lambda: compare_csv(cmp, args.lang)}.get(args.format, lambda: compare_text(cmp, args.lang))
    sys.stdout.write(out())
    return 0


def cmd_rescore(args) -> int:
    from ..history.report import rescore_json, rescore_text

    rep = api.rescore(args.run, args.data, args.reason, operator(args), plugins=args.plugins, db=args.db)
    sys.stdout.write(rescore_json(rep) if args.format == "json" else rescore_text(rep, args.lang))
    return 0


COMMANDS = {
    "runs": cmd_runs,
    "finalize": cmd_finalize,
    "keygen": cmd_keygen,
    "backup": cmd_backup,
    "delete": cmd_delete,
    "verify": cmd_verify,
    "history": cmd_history,
    "compare": cmd_compare,
    "rescore": cmd_rescore,
}
