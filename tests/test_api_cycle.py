"""The year's cycle through the Python API alone (what a server or a notebook calls): save, finalize,
publish, an objection with uploaded evidence, its ruling, the correction run, the event log, the
whole store checked. The command line runs the same functions (tests/test_cycle_objections.py)."""

from __future__ import annotations

import hashlib
import os

import pytest

from history_support import tiny_setup
from scoring import api
from scoring.errors import HistoryError, ReportError, UsageError


@pytest.fixture
def year(tmp_path):
    crit, folder = tiny_setup(tmp_path)
    loaded = api.load_criteria(crit)
    db = tmp_path / "h.sqlite"
    run_id = api.save(api.score(loaded, folder), folder, "李四", note="初评", db=db)
    return loaded, folder, db, run_id


def test_a_whole_cycle_runs_on_the_api_alone(year):
    loaded, folder, db, run_id = year
    assert run_id == 1 and not db.with_suffix(".sqlite-journal").exists()
    [run] = api.runs(db=db)
    assert (run.id, run.status, run.operator) == (1, "draft", "李四")
    final, changed = api.finalize(run_id, "常委会", db=db)
    assert changed and final.seal_digest
    assert api.publication(run_id, db=db) is None
    pub = api.publish(run_id, "2021-01-05", "2021-01-11", "王五", db=db)
    assert (pub.start, pub.end) == ("2021-01-05", "2021-01-11")
    assert api.publication(run_id, db=db) == pub

    evidence = b"%PDF-1.4 scanned reply"
    o = api.add_objection(
        run_id, "东城镇", "重点工作完成值应为100", "东城镇", field="a", evidence=[("C:\\扫描\\复核 <1>.pdf", evidence)], received="2021-01-08", db=db
    )
    # an upload's name keeps only its last part, made safe for every file system
    assert [(e.name, e.sha256, e.size) for e in o.evidence] == [("复核 _1_.pdf", hashlib.sha256(evidence).hexdigest(), len(evidence))]
    assert (o.unit_id, o.state, o.late) == ("U1", "pending", False)
    assert [x.id for x in api.objections(run_id, db=db)] == [o.id]

    ruled = api.decide_objection(o.id, True, "复核属实", "办公室", values={"a": 100}, db=db)
    assert (ruled.state, ruled.values) == ("accepted", {"a": 100.0})
    letter = api.objection_letter(o.id, db=db)
    assert "复核属实" in letter and "a = 100" in letter

    done = api.apply_objections(run_id, "公示期申诉", "办公室", db=db)
    new = done.applied.report.new_run
    assert new.corrects == run_id and new.status == "draft"
    assert [x.id for x, _ in done.letters] == [o.id]
    assert str(new.id) in done.letters[0][1]  # the letter now gives the corrected result's run
    assert api.objection(o.id, db=db).correction == new.id

    run, events, bad = api.event_log(run_id, db=db)
    assert run.id == run_id and bad == []
    kinds = [e.kind for e in events]
    assert kinds[:5] == ["saved", "finalized", "published", "objection", "decided"]
    assert api.check_store(db=db).intact


def test_a_run_scored_again_from_the_store_cannot_be_saved_twice(year):
    _, folder, db, run_id = year
    again = api.stored(run_id, db=db)
    with pytest.raises(UsageError) as e:
        api.save(again, folder, "李四", db=db)
    assert e.value.problems[0].code == "api.save_stored"
    assert [r.id for r in api.runs(db=db)] == [run_id]


def test_only_a_draft_is_deleted_and_a_backup_is_a_new_file(year, tmp_path):
    _, _, db, run_id = year
    copy = tmp_path / "copy.sqlite"
    assert api.backup(copy, db=db) == 1
    with pytest.raises(HistoryError):
        api.backup(copy, db=db)  # never over an existing file
    api.finalize(run_id, "常委会", db=db)
    with pytest.raises(HistoryError):
        api.delete_run(run_id, "李四", db=db)
    assert api.delete_run(run_id, "李四", db=copy).id == run_id  # the copy still held it as a draft
    assert api.runs(db=copy) == []


def test_a_pinned_public_key_is_an_argument_not_an_environment_change(year, tmp_path):
    _, _, db, run_id = year
    api.finalize(run_id, "常委会", db=db)
    other = api.keygen(tmp_path / "other.key")
    before = dict(os.environ)
    assert api.verify(run_id, db=db).seal == []
    assert api.verify(run_id, public_key=other, db=db).seal  # sealed with another key than the one pinned
    assert not api.check_store(public_key=other, db=db).intact
    assert api.check_store(db=db).intact
    assert dict(os.environ) == before


def test_the_papers_sent_out_come_from_the_api(tmp_path):
    from history_support import ROOT

    run = api.score(api.load_criteria(ROOT / "criteria" / "yitong-2020.toml"), ROOT / "examples" / "yitong-2020")
    pub = {"public_from": "2021-01-15", "public_to": "2021-01-21", "contact": "0434-4222222"}
    unit = run.results.data.names[0]
    [(name, page)] = api.papers(run, "unit", "html", publication=pub, unit=unit)
    assert name.endswith(".html") and unit in page.decode("utf-8")
    other = run.results.data.names[1]
    assert other not in page.decode("utf-8")  # a unit's paper names no other unit
    [(_, public)] = api.papers(run, "public", "html", publication=pub)
    assert "0434-4222222" in public.decode("utf-8")
    with pytest.raises(ReportError) as e:  # papers sent out must say how to object
        api.papers(run, "public", "html")
    assert {p.args["key"] for p in e.value.problems} == {"public_from", "public_to", "contact"}
    with pytest.raises(HistoryError) as bad:
        api.papers(run, "public", "html", publication={**pub, "public_to": "2021-02-30"})
    assert bad.value.problems[0].code == "cycle.bad_date"
    with pytest.raises(UsageError) as typo:  # a misspelt option is never dropped unseen
        api.papers(run, "public", "html", publication={**pub, "adress": "县政府3楼"})
    assert typo.value.problems[0].code == "api.publication_key" and "adress" in typo.value.problems[0].args["keys"]
    table = api.results_text(run, "table", decisions=api.decide(run))
    assert table.rstrip("\n").splitlines()[-1] == run.stamp.line("zh")  # the stamp stays the last line
    out = tmp_path / "r.html"
    api.write_report(run, "html", out)
    assert out.read_bytes() == api.report(run, "html")


def test_evidence_over_the_limit_is_refused_and_nothing_is_recorded(year):
    from scoring.history.cycle import MAX_EVIDENCE

    _, _, db, run_id = year
    api.finalize(run_id, "常委会", db=db)
    api.publish(run_id, "2021-01-05", "2021-01-11", "王五", db=db)
    with pytest.raises(HistoryError) as e:
        api.add_objection(
            run_id, "U1", "见附件", "东城镇", field="a", received="2021-01-06", evidence=[("ok.pdf", b"%PDF"), ("scan.pdf", b"\0" * (MAX_EVIDENCE + 1))], db=db
        )
    assert e.value.problems[0].code == "cycle.evidence_too_large" and e.value.problems[0].file == "scan.pdf"
    assert api.objections(run_id, db=db) == []
    ok = api.add_objection(run_id, "U1", "见附件", "东城镇", field="a", received="2021-01-06", evidence=[("scan.pdf", b"\0" * MAX_EVIDENCE)], db=db)
    assert ok.evidence[0].size == MAX_EVIDENCE


def test_results_text_refuses_a_format_it_does_not_make():
    from helpers import EXAMPLE_CRITERIA, EXAMPLE_DATA

    run = api.score(api.load_criteria(EXAMPLE_CRITERIA), EXAMPLE_DATA)
    with pytest.raises(UsageError) as e:
        api.results_text(run, "xlsx")  # never a terminal table in its place
    assert e.value.problems[0].code == "api.results_format"


@pytest.mark.parametrize("with_decisions", [False, True])
def test_the_table_is_printed_a_category_at_a_time(monkeypatch, with_decisions):
    """results_pieces: the title first, then each category's table made only when it is asked for, and
    the proposed decisions and the stamp last; joined, the very text results_text gives."""
    from helpers import EXAMPLE_CRITERIA, EXAMPLE_DATA
    from scoring.report import output

    run = api.score(api.load_criteria(EXAMPLE_CRITERIA), EXAMPLE_DATA)
    decisions = api.decide(run) if with_decisions else None
    made = []
    real = output.ranking_columns
    monkeypatch.setattr(output, "ranking_columns", lambda res, cs, lang="zh": made.append(cs.category) or real(res, cs, lang))
    pieces = api.results_pieces(run, "table", decisions=decisions)
    first, second = next(pieces), next(pieces)
    assert made == [next(iter(run.results.categories))]  # one category's table made so far
    rest = list(pieces)
    assert made == list(run.results.categories) and len(rest) >= len(made)
    text = first + second + "".join(rest)
    assert text == api.results_text(run, "table", decisions=decisions)
    assert text.rstrip("\n").splitlines()[-1] == run.stamp.line("zh") and ("拟处理建议" in text) == with_decisions


def test_the_stamp_is_made_when_first_shown_from_the_data_as_scored(tmp_path, monkeypatch, capsys):
    """The ranked CSV shows no stamp and does not hash the data; the table, JSON and a saved run do,
    once. The stamp made later is the one made right after scoring, and the scored data's columns
    cannot be changed in between."""
    from helpers import EXAMPLE_CRITERIA, EXAMPLE_DATA
    from scoring.cli import main
    from scoring.history import canonical
    from scoring.history.stamp import declared_blanks, make_stamp

    hashed = []
    real = canonical.data_hash
    monkeypatch.setattr(canonical, "data_hash", lambda data: hashed.append(len(data.ids)) or real(data))
    run = [str(EXAMPLE_CRITERIA), "--data", str(EXAMPLE_DATA), "--decide"]
    for how, times in (
        (["--format", "csv", "--out", str(tmp_path / "r.csv")], 0),
        (["--format", "json", "--out", str(tmp_path / "r.json")], 1),
        ([], 1),
        (["--format", "csv", "--out", str(tmp_path / "s.csv"), "--save", "--db", str(tmp_path / "h.sqlite")], 1),
    ):
        hashed.clear()
        assert main(["run", *run, *how]) == 0, capsys.readouterr().err
        assert len(hashed) == times, how

    crit = api.load_criteria(EXAMPLE_CRITERIA)
    scored = api.score(crit, EXAMPLE_DATA)
    data = scored.results.data
    column = next(iter(data.values.values()))
    with pytest.raises(ValueError):
        column[0] = 99.0
    report = api.validate(crit, EXAMPLE_DATA)
    now = make_stamp(canonical.sha256(crit.raw), real(report.data), crit.plan, crit.registry, declared_blanks(report.gaps, report.data))
    assert scored.stamp == now and scored.stamp is scored.stamp  # made once
