"""History store commands: runs, finalize, delete, verify, history, compare, rescore, keygen, backup."""
from __future__ import annotations

import argparse
import os
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
    from ..history.cycle import current_publication
    from ..history.report import runs_json, runs_text

    with history_store(args) as s:
        runs = s.runs(args.series, args.year)
        pubs = {r.id: current_publication(s, r.id) for r in runs}
        sys.stdout.write(runs_json(runs, str(s.path), pubs) if args.format == "json" else runs_text(runs, str(s.path), args.lang, pubs))
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
    from ..history.seal import keygen

    key = keygen(args.out)
    say("seal.keygen", args.lang, path=args.out, key=key)
    return 0


def cmd_backup(args) -> int:
    from ..history.backup import backup

    n = backup(args.db, args.out)
    say("backup.done", args.lang, path=args.out, runs=n)
    return 0


def cmd_delete(args) -> int:
    with history_store(args) as s:
        run = s.delete(args.run, operator(args))
    say("hist.deleted", args.lang, run=run.id)
    return 0


def cmd_verify(args) -> int:
    from ..history.report import verify_json, verify_text

    if args.public_key:
        os.environ["SCORING_PUBLIC_KEY"] = args.public_key
    if args.all:
        return verify_all(args)
    if args.run is None:
        from ..errors import Problem

        raise HistoryError(Problem("seal.verify_what"))
    if args.export:
        from ..history.seal import export

        with history_store(args) as s:
            for path in export(s, s.run(args.run), args.export):
                written(path, args.lang)
        return 0
    rep = api.verify(args.run, data=args.data, plugins=args.plugins, db=args.db)
    sys.stdout.write(verify_json(rep) if args.format == "json" else verify_text(rep, args.lang))
    return 0 if rep.identical else 3


def verify_all(args) -> int:
    """The whole store: triggers, every seal, its signature, its place in the chain."""
    import json

    from ..history.seal import check_all, pinned_key, said, seal_rows
    from ..history.store import chain_at, trigger_problems
    from ..i18n import t

    with history_store(args, guards=False) as s:  # a store whose protections are gone is what we report on
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


COMMANDS = {"runs": cmd_runs, "finalize": cmd_finalize, "keygen": cmd_keygen, "backup": cmd_backup, "delete": cmd_delete,
            "verify": cmd_verify, "history": cmd_history, "compare": cmd_compare, "rescore": cmd_rescore}
