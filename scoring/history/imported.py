"""Earlier years brought in: an office's own sheet of published results (unit, category, total,
rank, grade) stored as a final, sealed run marked imported, so look-back rules ("two years
running in the bottom 10 %"), ``history`` and ``compare`` work in the first year the office
uses the engine.

The sheet is read by the submissions reader's own pieces (file sniffing, CSV/XLSX tables,
header matching by the same cleaned labels, cell locations); every problem names file,
sheet, row, column and A1 cell.  Nothing is guessed: a blank total or rank, a unit twice,
an unknown category, a rank that contradicts the totals are refused, all at once.

An imported run has no criteria scoring behind it: its engine is ``import``, the ``imports``
table names the file and its sha256 (the file itself is kept with the run), and verify,
rescore, explain and objections refuse it with that reason.  Unit ids are the ids of that
year; renames and mergers declared in the criteria's ``[history]`` are stored with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..core.criteria import Criteria
from ..core.dataset import Dataset
from ..errors import DataError, HistoryError, Problem
from ..load.criteria_file import criteria_bytes, parse_criteria
from ..load.sheets import Unreadable, open_workbook, read_text, sniff, worksheets
from ..load.submissions import CAT_COLS, HEADER_SCAN, ID_COLS, NAME_COLS, TOTAL_ROWS, Notes, Units, is_blank, read_units
from ..load.values import cell, clean_text, shown
from . import canonical
from .store import AliasRow, RunInfo, RunRecord, Store, UnitRow

TOTAL_COLS = ("总分", "得分", "综合得分", "考核得分", "total", "score")
RANK_COLS = ("名次", "排名", "排序", "rank")
GRADE_COLS = ("等次", "等级", "考核等次", "grade")
VETO_COLS = ("一票否决", "否决", "veto")
ENGINE = "import"

_L = {
    k: frozenset(clean_text(x).lower() for x in v)
    for k, v in {
        "id": ID_COLS,
        "name": NAME_COLS,
        "cat": CAT_COLS,
        "total": TOTAL_COLS,
        "rank": RANK_COLS,
        "grade": GRADE_COLS,
        "veto": VETO_COLS,
        "skip": TOTAL_ROWS,
    }.items()
}
NEED = "单位编号, 类别, 总分, 名次"
YES, NO = {"是", "否决", "yes", "y", "1", "true", "√"}, {"", "否", "no", "n", "0", "false"}


def _tables(path: Path, shown_name: str):
    notes: list[Problem] = []
    if sniff(path, shown_name) == "text":
        return [read_text(path, shown_name, notes)]
    with open_workbook(path, shown_name) as wb:
        out = []
        for t in worksheets(wb, shown_name, notes):
            out.append(type(t)(t.file, t.sheet, iter(list(t.rows)), t.meta))  # read while the workbook is open
        return out


def read_results(path: str | Path, categories: list[str], units: Units | None = None) -> tuple[list[dict], list[Problem]]:
    """The sheet's rows as dicts (id, name, category, total, rank, grade, failed), or every problem found.

    With ``units`` (that year's unit list), a sheet may name units by 单位名称 alone, as published
    lists do: names are matched to ids exactly as submissions are (``Units.find``), and a missing
    类别 column is taken from the list."""
    p = Path(path)
    name = p.name
    if not p.is_file():
        return [], [Problem("cycle.import_missing", {"path": str(p)}, file=str(p))]
    try:
        tables = _tables(p, name)
    except Unreadable as e:
        return [], [e.problem]
    problems: list[Problem] = []
    for t in tables:
        header = None
        for rn, row in t.rows:
            labels = [clean_text(v).lower() for v in row]
            if any(x in _L["id"] for x in labels) or (units is not None and any(x in _L["name"] for x in labels)):
                header, hrow = labels, rn
                heads = [shown(v).strip() if v is not None else "" for v in row]
                break
            if rn >= HEADER_SCAN:
                break
        if header is None:
            continue
        col = {k: next((j for j, x in enumerate(header) if x in _L[k]), None) for k in ("id", "name", "cat", "total", "rank", "grade", "veto")}
        need = (("total", "总分"), ("rank", "名次")) + ((("cat", "类别"),) if units is None else ())
        missing = [label for k, label in need if col[k] is None]
        if missing:
            return [], [Problem("data.missing_column", {"name": m, "need": NEED}, file=t.file, sheet=t.sheet, row=hrow) for m in missing]
        return _rows(t, col, heads, categories, problems, units), problems
    return [], [Problem("data.missing_column", {"name": "单位编号", "need": NEED}, file=name, row=1)]


def _rows(t, col: dict, heads: list[str], categories: list[str], problems: list[Problem], units: Units | None = None) -> list[dict]:
    known = {clean_text(c): c for c in categories}
    out: list[dict] = []
    seen: dict[str, int] = {}  # unit id → its row

    def at(code, rn, k, **a):
        problems.append(cell(code, a, t.file, rn, col[k], heads[col[k]], t.sheet))

    for rn, row in t.rows:
        row = list(row) + [None] * (len(heads) - len(row))
        if all(is_blank(v) for v in row):
            continue
        raw_id = row[col["id"]] if col["id"] is not None else None
        raw_name = row[col["name"]] if col["name"] is not None else None
        uid = clean_text(raw_id)
        if uid.lower() in _L["skip"] or clean_text(raw_name).lower() in _L["skip"]:
            continue  # a 合计 / 平均 row
        listed: tuple[str, str] | None = None  # (name, category) in that year's unit list
        if units is not None:  # matched to that year's unit list as submissions are
            i, code, args = units.find(raw_id, raw_name)
            if i is None:
                at(code or "data.blank_unit_id", rn, "id" if col["id"] is not None else "name", **(args or {}))
                continue
            uid, listed = units.ids[i], (units.names[i], units.cats[i])
        if not uid:
            at("data.blank_unit_id", rn, "id")
            continue
        if uid in seen:
            problems.append(Problem("data.duplicate_unit", {"unit": uid, "other": seen[uid]}, file=t.file, sheet=t.sheet, row=rn))
            continue
        seen[uid] = rn
        if col["cat"] is not None:
            cat = known.get(clean_text(row[col["cat"]]))
            if cat is None:
                at(
                    "data.unknown_category",
                    rn,
                    "cat",
                    unit=uid,
                    name=shown(row[col["cat"]]) if row[col["cat"]] is not None else "",
                    known="、".join(categories),
                )
        else:  # read_results asks for a 类别 column unless the unit list gives each unit's category
            assert listed is not None
            cat = known.get(clean_text(listed[1]))
            if cat is None:
                at("data.unknown_category", rn, "name", unit=uid, name=listed[1], known="、".join(categories))
        total = _number(row[col["total"]])
        if total is None:
            at("cycle.import_total", rn, "total", unit=uid, value=shown(row[col["total"]]) if row[col["total"]] is not None else "")
        rank = _number(row[col["rank"]])
        if rank is None or rank != int(rank) or rank < 1:
            at("cycle.import_rank", rn, "rank", unit=uid, value=shown(row[col["rank"]]) if row[col["rank"]] is not None else "")
            rank = None
        grade = clean_text(row[col["grade"]]) if col["grade"] is not None else ""
        failed = False
        if col["veto"] is not None:
            v = clean_text(row[col["veto"]]).lower()
            if v in YES:
                failed = True
            elif v not in NO:
                at("cycle.import_veto", rn, "veto", unit=uid, value=shown(row[col["veto"]]))
        name = listed[0] if listed is not None else (clean_text(raw_name) if col["name"] is not None else uid)
        out.append(
            {
                "id": uid,
                "name": name,
                "category": cat,
                "total": total,
                "rank": int(rank) if rank is not None else None,
                "grade": grade or None,
                "failed": failed,
                "row": rn,
            }
        )
    _check_ranks(t, col, heads, out, problems)
    return out


def _number(v) -> float | None:
    text = clean_text(v).replace(",", "")
    try:
        x = float(text)
    except ValueError:
        return None
    return x if x == x and abs(x) != float("inf") else None


def _check_ranks(t, col, heads, rows: list[dict], problems: list[Problem]) -> None:
    """Within a category: ranks 1…n, and no unit ranked below one with a lower total.  Units
    marked 一票否决 are left out of the second check (a veto places a unit last whatever its
    total); a sheet without that column says so in the hint."""
    by_cat: dict[str, list[dict]] = {}
    for r in rows:
        if r["category"] is not None and r["total"] is not None and r["rank"] is not None:
            by_cat.setdefault(r["category"], []).append(r)
    for cat, rs in by_cat.items():
        n = len(rs)
        for r in rs:
            if r["rank"] > n:
                problems.append(
                    cell(
                        "cycle.import_rank_range",
                        {"unit": r["id"], "rank": r["rank"], "n": n, "category": cat},
                        t.file,
                        r["row"],
                        col["rank"],
                        heads[col["rank"]],
                        t.sheet,
                    )
                )
        plain = sorted((r for r in rs if not r["failed"]), key=lambda r: r["total"])  # lowest total first
        best_below = None  # among strictly lower totals, the unit with the best rank
        i = 0
        while i < len(plain):
            j = i
            while j < len(plain) and plain[j]["total"] == plain[i]["total"]:
                j += 1
            for a in plain[i:j]:
                if best_below is not None and a["rank"] > best_below["rank"]:
                    b = best_below
                    problems.append(
                        cell(
                            "cycle.import_rank_conflict",
                            {
                                "unit": a["id"],
                                "total": a["total"],
                                "rank": a["rank"],
                                "other": b["id"],
                                "other_total": b["total"],
                                "other_rank": b["rank"],
                                "other_row": b["row"],
                            },
                            t.file,
                            a["row"],
                            col["rank"],
                            heads[col["rank"]],
                            t.sheet,
                        )
                    )
            for a in plain[i:j]:
                if best_below is None or a["rank"] < best_below["rank"]:
                    best_below = a
            i = j


@dataclass
class Sheet:
    """A result sheet read and checked, before the store is opened (a bad sheet never creates or touches it)."""

    path: str
    criteria_path: str
    criteria_raw: bytes
    criteria: Criteria
    series: str
    rows: list[dict]
    content: bytes  # the sheet's bytes as read: what the store keeps and hashes


def read_sheet(sheet: str, criteria_path: str, units_path: str | None = None, series: str | None = None) -> Sheet:
    raw = criteria_bytes(criteria_path)
    criteria, _, _ = parse_criteria(raw, str(criteria_path))
    units = None
    if units_path is not None:
        problems: list[Problem] = []
        units = read_units(Path(units_path), criteria, problems, Notes())
        if problems or units is None:
            raise DataError(problems or [Problem("cycle.import_missing", {"path": units_path}, file=units_path)])
    before = _bytes_of(sheet)
    rows, problems = read_results(sheet, list(criteria.categories), units)
    if problems:
        raise DataError(problems)
    if not rows:
        raise DataError(Problem("cycle.import_empty", {"path": sheet}, file=sheet))
    if _bytes_of(sheet) != before:  # the file kept must be the file whose rows were read
        raise DataError(Problem("cycle.import_changed", {"path": sheet}, file=sheet))
    return Sheet(sheet, criteria_path, raw, criteria, series or criteria.series, rows, before)


def _bytes_of(sheet: str) -> bytes:
    try:
        return Path(sheet).read_bytes()
    except OSError:
        raise DataError(Problem("cycle.import_missing", {"path": sheet}, file=sheet)) from None


def import_sheet(store: Store, got: Sheet, year: int, operator: str, key_path=None, note: str = "") -> RunInfo:
    from .seal import finalize, load_key, office_key, public_hex

    sheet, criteria_path, raw, criteria, series, rows = got.path, got.criteria_path, got.criteria_raw, got.criteria, got.series, got.rows
    key = load_key(key_path)
    known = office_key(store)
    if known is not None and known != public_hex(key):
        raise HistoryError(Problem("seal.other_key", {"run": "—", "key": public_hex(key), "office": known}))
    other = store.official(series, year)
    if other is not None:
        raise HistoryError(Problem("cycle.import_year_final", {"series": series, "year": year, "run": other.root}))
    content = got.content
    sha = canonical.sha256(content)
    name = Path(sheet).name
    of: dict[str, int] = {}
    for r in rows:
        of[r["category"]] = of.get(r["category"], 0) + 1
    order = {c: i for i, c in enumerate(criteria.categories)}
    rows.sort(key=lambda r: (order[r["category"]], r["rank"], r["id"]))
    units = []
    for r in rows:
        doc = {
            "id": r["id"],
            "name": r["name"],
            "category": r["category"],
            "total": r["total"],
            "rank": r["rank"],
            "of": of[r["category"]],
            "grade": r["grade"],
            "vetoes": [],
            "modules": [],
            "imported": {"file": name, "sha256": sha, "row": r["row"]},
        }
        units.append(
            UnitRow(
                r["id"],
                r["name"],
                r["category"],
                r["total"],
                r["rank"],
                of[r["category"]],
                r["grade"],
                r["failed"],
                False,
                json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
            )
        )
    data = Dataset([r["id"] for r in rows], [r["name"] for r in rows], [r["category"] for r in rows], {})

    def mark(conn, run_id):
        # imports.sheet is always "": the column is NOT NULL in stores of schema 3, so it stays until a schema change
        conn.execute("INSERT INTO imports (run_id, name, sha256, sheet) VALUES (?, ?, ?, ?)", (run_id, name, sha, ""))

    rec = RunRecord(
        series=series,
        year=year,
        assessment=f"{series}（{year}年度，导入已公布结果）",
        operator=operator,
        criteria_raw=raw,
        criteria_path=str(Path(criteria_path).resolve()),
        data=data,
        data_path=str(Path(sheet).resolve()),
        engine=ENGINE,
        plugins={},
        methods={},
        precision=criteria.assessment.precision,
        units=units,
        modules=[],
        files=[(name, content)],
        aliases=[AliasRow(a.old, a.new, a.year, a.note) for a in criteria.history.aliases],
        note=(f"导入：{name}（sha256 {sha}）" + (f"；{note}" if note else "")),
        event={"imported": True, "file": name, "sha256": sha},
        then=[mark],
    )
    run_id = store.save(rec)
    run, _ = finalize(store, run_id, operator, key_path, rescore=False)
    return run
