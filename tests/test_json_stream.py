"""`--format json` is written a unit at a time; the document is the one built whole would give."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import cli_process
from scoring.api import load_criteria
from scoring.core.engine import score
from scoring.core.explain import ranked, unit_sheet
from scoring.load.submissions import read_folder
from scoring.report.output import SCHEMA, as_json, dump_json, json_chunks

ROOT = Path(__file__).resolve().parent.parent


def _whole(res, lang, stamp=None, extra=None) -> str:
    """The document built in memory at once, as it was before it was streamed."""
    a = res.criteria.assessment
    doc = {
        "schema": SCHEMA,
        "assessment": {"name": a.name, "year": a.year, "office": a.office, "precision": a.precision, "total": a.total},
        "categories": [{"name": cs.category, "units": [unit_sheet(res, cs, p, lang) for p in ranked(res, cs)]} for cs in res.categories.values()],
    }
    if stamp is not None:
        doc["stamp"] = stamp.as_dict()
        if stamp.gaps:
            doc["blank_gaps"] = stamp.gaps_as_dicts()
    doc.update(extra or {})
    return dump_json(doc)


class _Stamp:
    gaps = (("U1", "一局", "得分", "A1", "zero"),)

    def as_dict(self):
        return {"criteria": "abc", "run": None, "版本": [1, 2.5]}

    def gaps_as_dicts(self):
        return [dict(zip(("unit", "name", "field", "item", "policy"), g)) for g in self.gaps]


def test_pieces_make_the_whole_document():
    plan = load_criteria(str(ROOT / "criteria" / "yitong-2020.toml")).plan
    res = score(plan, read_folder(ROOT / "examples" / "yitong-2020", plan.criteria))
    for lang in ("zh", "en"):
        assert as_json(res, lang) == _whole(res, lang)
        extra = {"decisions": [{"rule": "R1", "units": ["A", "B"]}]}
        assert as_json(res, lang, _Stamp(), extra) == _whole(res, lang, _Stamp(), extra)
        # a key given again in extra takes the place it had, as dict.update does
        assert as_json(res, lang, None, {"schema": "x", "more": 1}) == _whole(res, lang, None, {"schema": "x", "more": 1})
        # sheets made a block of units at a time, their lines a column at a time: the same text at any block size,
        # written a sheet at a time
        for block in (1, 7, 1000):
            pieces = list(json_chunks(res, lang, _Stamp(), extra, block=block))
            assert "".join(pieces) == _whole(res, lang, _Stamp(), extra)
            assert max(p.count('"indicators":[') for p in pieces) == 1
            assert len(pieces) > sum(len(cs.index) for cs in res.categories.values())


def test_the_written_file_is_valid_and_compact(tmp_path):
    out = tmp_path / "r.json"
    p = cli_process("run", "criteria/yitong-2020.toml", "--data", "examples/yitong-2020", "--decide", "--format", "json", "--out", out, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    text = out.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert text == dump_json(doc) and "decisions" in doc and "stamp" in doc
    q = cli_process("run", "criteria/yitong-2020.toml", "--data", "examples/yitong-2020", "--decide", "--format", "json", cwd=ROOT)
    assert q.stdout == text  # the same pieces on the terminal
