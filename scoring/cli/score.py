"""Scoring commands: check, run, explain, decide, sensitivity, fingerprint, methods."""

from __future__ import annotations

import sys

from .. import api
from ..errors import ScoringError
from ..i18n import t
from .common import check_out_arg, check_report_out, checked, emit, history_store, operator, results_and_decisions, say, score_args, warn_failed, write_report


def add_parsers(sub, common, T, lang: str) -> None:
    """This group's commands, in the order ``scoring --help`` lists them."""
    c = sub.add_parser("check", help=T["check"], parents=[common])
    c.add_argument("criteria", help=T["criteria"])
    r = sub.add_parser("run", help=T["run"], parents=[common])
    r.add_argument("criteria", help=T["criteria"])
    r.add_argument("--data", required=True, help=T["data"])
    r.add_argument("--format", choices=["table", "json", "csv", "xlsx", "html", "pdf"], default="table", help=T["run_format"])
    r.add_argument("--out", help=T["out"])
    r.add_argument("--save", action="store_true", help=T["save"])
    r.add_argument("--operator", help=T["operator"])
    r.add_argument("--db", help=T["db"])
    r.add_argument("--note", default="", help=T["note"])
    r.add_argument("--decide", action="store_true", help=T["decide"])
    e = sub.add_parser("explain", help=T["explain"], parents=[common])
    e.add_argument("criteria", metavar="RUN|CRITERIA", help=T["run_or_criteria"])
    e.add_argument("unit", help=T["unit"])
    e.add_argument("--data", help=T["data_for_criteria"])
    e.add_argument("--format", choices=["text", "json"], default="text", help=T["format"])
    e.add_argument("--db", help=T["db"])
    d = sub.add_parser("decide", help=T["decide_cmd"], parents=[common])
    d.add_argument("criteria", metavar="RUN|CRITERIA", help=T["run_or_criteria"])
    d.add_argument("--data", help=T["data_for_criteria"])
    d.add_argument("--format", choices=["table", "json"], default="table", help=T["format"])
    d.add_argument("--db", help=T["db"])
    d.add_argument("--draws", type=checked(int, lambda x: x >= 0, T["bad_draws"]), default=0, help=T["stab_draws"])
    d.add_argument("--spread", type=checked(float, lambda x: 0 <= x < 100, T["bad_spread"]), default=10.0, help=T["spread"])
    d.add_argument("--seed", type=int, default=0, help=T["seed"])
    s = sub.add_parser("sensitivity", help=T["sensitivity"], parents=[common])
    s.add_argument("criteria", help=T["criteria"])
    s.add_argument("--data", required=True, help=T["data"])
    s.add_argument("--draws", type=checked(int, lambda x: x >= 1, T["bad_draws"]), default=1000, help=T["draws"])
    s.add_argument("--spread", type=checked(float, lambda x: 0 <= x < 100, T["bad_spread"]), default=10.0, help=T["spread"])
    s.add_argument("--seed", type=int, default=0, help=T["seed"])
    s.add_argument("--format", choices=["table", "json", "csv"], default="table", help=T["format"])
    s.add_argument("--out", help=T["out"])
    s.add_argument("--db", help=T["db"])  # last year's values, for criteria that compare with them
    m = sub.add_parser("methods", help=T["methods"], parents=[common])
    m.add_argument("name", nargs="?", help=T["m_one"])
    m.add_argument("--format", choices=["table", "markdown"], default="table", help=T["m_format"])
    fp = sub.add_parser("fingerprint", help=T["fingerprint"], parents=[common])
    fp.add_argument("criteria", help=T["criteria"])
    fp.add_argument("--data", required=True, help=T["data"])
    fp.add_argument("--canonical", metavar="FILE", help=T["canonical"])
    fp.add_argument("--db", help=T["db"])  # last year's values, for criteria that compare with them


def cmd_check(args) -> int:
    crit = api.load_criteria(args.criteria, args.plugins)
    plan, registry = crit.plan, crit.registry
    a = plan.criteria.assessment
    print(
        t(
            "cli.ok",
            args.lang,
            name=a.name,
            year=a.year,
            cats=len(a.categories),
            mods=len(plan.criteria.modules),
            inds=len(plan.criteria.indicators),
            leaves=len(plan.leaves),
        )
    )
    named = [(iid, n) for iid, sc in plan.scopes.items() for n in (*sc.units, *sc.lead, *sc.responsible)]
    if named:  # no unit list here: say which names are taken as units, so a mistyped category is seen now
        print(t("scope.check_note", args.lang, names="、".join(f"{n}（{iid}）" if args.lang != "en" else f"{n} ({iid})" for iid, n in named)))
    warn_failed(registry, args.lang)
    return 0


def cmd_run(args) -> int:
    from ..report import REPORT_FORMATS

    if args.format in REPORT_FORMATS:
        check_report_out(args, args.format)
    check_out_arg(args)
    store = None
    saved = None
    try:
        if args.save:  # open (or create) the store first: a damaged store stops us before any work
            store = history_store(args, create=True)
        scored = score_args(args, store)
        if store is not None:
            saved = api.save(scored, args.data, operator(args), note=args.note, store=store)
            scored.stamp = scored.stamp.with_run(saved)
        if args.format in REPORT_FORMATS:
            write_report(args, args.format, scored, api.decide(scored, store=store, db=args.db))
            return 0
        # --decide: the rules applied while the tables are made (on a second processor at a nation's size)
        if args.format == "json":  # made as UTF-8 bytes: nothing to encode on the way out
            emit(args, api.results_json(scored, args.lang, decide=args.decide, store=store, db=args.db))
        else:
            emit(args, api.results_pieces(scored, args.format, args.lang, decide=args.decide, store=store, db=args.db))
        if store is not None:
            say("hist.saved", args.lang, run=saved, db=store.path)
    except ScoringError:
        if saved is not None:  # the run is in the store: say so before saying what failed
            say("output.saved_first", args.lang, run=saved, db=store.path if store is not None else args.db)
        raise
    finally:
        if store is not None:
            store.close()
    return 0


def cmd_explain(args) -> int:
    from ..report import notice

    scored, proposal = results_and_decisions(args)
    results, stamp = scored.results, scored.stamp
    cs, pos = results.locate(api.find_unit(results, args.unit))  # a wrong name is a usage error, not bad data
    if args.format == "json":
        import json

        doc = {**notice.unit_notice(results, cs, pos, proposal, args.lang), "stamp": stamp.as_dict()}
        print(json.dumps(doc, ensure_ascii=False, indent=1))
    else:
        sys.stdout.write(notice.as_text(results, cs, pos, proposal, args.lang) + "\n" + stamp.line(args.lang) + "\n")
    return 0


def cmd_decide(args) -> int:
    from ..report import decisions as rd

    scored, proposal = results_and_decisions(args)
    results, stamp = scored.results, scored.stamp
    places, close = results.criteria.assessment.precision, results.criteria.decisions.close_margin
    stability = None
    if args.draws:
        stability = api.sensitivity(scored, args.draws, args.spread / 100, args.seed, decisions=True).shares
    names = dict(zip(results.data.ids, results.data.names))
    if args.format == "json":
        import json

        doc = {"decisions": rd.as_dicts(proposal, places, args.lang, stability, names), "stamp": stamp.as_dict()}
        if stability is not None:
            doc["stability"] = {"draws": args.draws, "spread_percent": args.spread, "seed": args.seed}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(rd.as_text(proposal, places, close, args.lang, stability, names) + stamp.line(args.lang) + "\n")
    return 0


def cmd_sensitivity(args) -> int:
    from ..report.sensitivity import RENDERERS

    check_out_arg(args)
    scored = score_args(args)
    v = api.sensitivity(scored, args.draws, args.spread / 100, args.seed, db=args.db)
    text = RENDERERS[args.format](scored.results, v.ranks, args.lang, shares=v.shares)
    emit(args, text)
    return 0


def cmd_fingerprint(args) -> int:
    """The two hashes a stamp prints, in full, computed the way `scoring run` computes them."""
    from ..outfile import check_out, write_out

    if args.canonical is not None:  # never into the data folder (the next run would read it) nor over an input
        check_out(args.canonical, inputs=[args.criteria], data_folder=args.data)
    scored = score_args(args)
    results, f = scored.results, api.fingerprint(scored)
    crit_sha, data_sha, data_bytes = f.criteria_sha256, f.data_sha256, f.canonical
    print(t("fingerprint.criteria", args.lang, path=args.criteria, sha=crit_sha, short=crit_sha[:12]))
    print(t("fingerprint.data", args.lang, path=args.data, sha=data_sha, short=data_sha[:12], units=len(results.data), fields=len(results.data.values)))
    if args.canonical is not None:
        write_out(args.canonical, data_bytes)
        print(t("fingerprint.written", args.lang, path=args.canonical))
    else:
        print(t("fingerprint.how", args.lang))
    return 0


def cmd_methods(args) -> int:
    from ..core.method_docs import as_text, markdown
    from ..errors import Problem

    docs, reg = api.methods(args.plugins, args.lang)
    if args.name is not None:
        docs = [d for d in docs if d.name == args.name]
        if not docs:
            raise ScoringError(Problem("plugin.unknown_method_name", {"name": args.name, "known": "、".join(sorted(reg.methods))}))
    sys.stdout.write(markdown(docs, args.lang) if args.format == "markdown" else as_text(docs, args.lang, one=args.name is not None))
    warn_failed(reg, args.lang)
    return 0


COMMANDS = {
    "check": cmd_check,
    "run": cmd_run,
    "explain": cmd_explain,
    "decide": cmd_decide,
    "sensitivity": cmd_sensitivity,
    "fingerprint": cmd_fingerprint,
    "methods": cmd_methods,
}
