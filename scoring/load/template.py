"""`scoring template`: data-entry workbooks generated from the criteria, one per data owner.

Each workbook has one sheet, 报送数据, laid out so that it reads back as it is:

    row 1   title: assessment, year, owner
    row 2   用于指标: the indicators (and vetoes) each field feeds, and for which categories
    row 3   说明: the field's description and the evidence the indicator asks for
    row 4   填写要求: kind, range, unit of measure, and what a blank cell means
    row 5   header: 单位编号 | 单位名称 | 类别 | <字段> | <字段>佐证材料 | …   (what the reader matches)
    row 6…  one row per unit of the categories that need any of the owner's fields

Cells carry data validation (number ranges from the field's bounds, whole numbers for
counts, a 是/否 list for yes/no fields).  The sheet is protected without a password:
rows 1–5 and the unit columns are locked, the data cells are not.  Cells of a field the
unit's category does not need are grey (and, for an indicator naming its units, the cells of the
other units).  A hidden sheet, ``_模板信息``, records the
assessment, year, criteria fingerprint, owner and layout so a returned file is matched
to what was sent even if it was renamed.

Fields whose owner is 本单位 / 各单位 / 被考核单位 / 参评单位 are reported by the units
themselves: each unit gets its own workbook with just its row.  Derived fields (with a
formula) are computed, never asked for.

openpyxl is imported only inside the functions that write.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from ..core.plan import Plan
from ..core.rounding import fmt
from ..core.usage import Usage, field_usage
from ..errors import DataError, Problem, UsageError
from ..i18n import t
from ..outfile import check_out, write_out
from .sheets import META_SHEET
from .submissions import EVIDENCE_SUFFIX, TEMPLATE_SCHEMA, Notes, Units, criteria_hash, read_units

SHEET = "报送数据"
HEADER_ROW = 5
FIRST_ROW = HEADER_ROW + 1
SELF_OWNERS = ("本单位", "各单位", "被考核单位", "参评单位")
NO_OWNER = "未指定报送单位"
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}

# The three unit columns are read back by name, so their headers are the same in every language.
UNIT_HEADERS = ("单位编号", "单位名称", "类别")


def safe_filename(name: str, limit: int = 80) -> str:
    """A file name Windows, macOS and Linux all accept, from an owner or unit name."""
    s = re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", name).strip().rstrip(". ")
    s = s[:limit].rstrip(". ") or "_"
    if s.split(".")[0].upper() in _RESERVED:
        s = "_" + s
    return s


def _load_units(plan: Plan, units: str | None, data: str | None) -> Units:
    problems: list[Problem] = []
    if units is not None:
        path = Path(units)
        if not path.is_file():
            raise DataError(Problem("data.units_missing", file=str(path)))
    elif data is None:  # the command line asks for one of --units, --data
        raise TypeError("write_templates needs units= (a unit list) or data= (a data folder)")
    else:
        folder = Path(data)
        if not folder.is_dir():
            raise DataError(Problem("data.dir_missing", file=str(folder)))
        found = [folder / n for n in ("units.csv", "units.xlsx") if (folder / n).exists()]
        if not found:
            raise DataError(Problem("data.no_units", file=str(folder)))
        path = found[0]
    u = read_units(path, plan.criteria, problems, Notes())
    if problems or u is None:
        raise DataError(problems)
    return u


def _strictest(policies) -> str:
    order = {"error": 0, "zero": 1, "exclude": 2}
    return min(policies, key=lambda p: order.get(p, 3)) if policies else "exclude"


def _column_texts(plan: Plan, name: str, u: Usage, lang: str) -> tuple[str, str, str]:
    """(用于指标, 说明, 填写要求) for one field."""
    spec = plan.criteria.field_map()[name]
    allcats = set(plan.criteria.categories)
    uses, evid = [], []
    inds = plan.criteria.indicator_map()
    for use in u.uses:
        only = "" if set(use.categories) >= allcats else t("tpl.only", lang, cats="、".join(c for c in plan.criteria.categories if c in use.categories))
        via = t("tpl.via", lang, field=use.via) if use.via else ""
        if use.kind == "indicator":
            uses.append(f"{use.id} {use.name}{via}{only}")
            ev = inds[use.id].evidence if use.id in inds else ""
            if ev and ev not in evid:
                evid.append(ev)
        elif use.kind == "veto":
            uses.append(t("tpl.veto", lang, id=use.id, name=use.name) + via + only)
        elif use.kind == "check":
            uses.append(t("tpl.check", lang, name=use.name) + only)
        else:
            uses.append(t("tpl.tie", lang))
    lo, hi = spec.bounds()
    how = [t(f"tpl.kind.{spec.kind}", lang)]
    if spec.kind != "bool":
        if lo is not None and hi is not None:
            how.append(t("tpl.range", lang, lo=fmt(lo), hi=fmt(hi)))
        elif lo is not None:
            how.append(t("tpl.atleast", lang, lo=fmt(lo)))
        elif hi is not None:
            how.append(t("tpl.atmost", lang, hi=fmt(hi)))
    if spec.unit and spec.kind != "rate":
        how.append(t("tpl.unit", lang, unit=spec.unit))
    policy = _strictest([x.missing for x in u.uses if x.kind not in ("tie_break", "check")])
    how.append(t("tpl.blank", lang, action=t(f"missing.action.{policy}", lang)))
    about = spec.description
    if evid:
        about = (about + "；" if about else "") + t("tpl.evidence_for", lang, what="；".join(evid))  # the office's own words
    sep = t("sep.items", lang)
    return sep.join(uses), about, sep.join(how)


def _validation(spec, lang: str):
    from openpyxl.worksheet.datavalidation import DataValidation

    lo, hi = spec.bounds()
    if spec.kind == "bool":
        dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
        what = t("tpl.kind.bool", lang)
    else:
        kind = "whole" if spec.kind == "count" else "decimal"
        if lo is not None and hi is not None:
            dv = DataValidation(type=kind, operator="between", formula1=_num(lo), formula2=_num(hi), allow_blank=True)
        elif lo is not None:
            dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=_num(lo), allow_blank=True)
        elif hi is not None:
            dv = DataValidation(type=kind, operator="lessThanOrEqual", formula1=_num(hi), allow_blank=True)
        else:
            dv = DataValidation(type=kind, operator="between", formula1="-1E+300", formula2="1E+300", allow_blank=True)
        what = t(f"tpl.kind.{spec.kind}", lang) + (" " + t("tpl.range", lang, lo=fmt(lo), hi=fmt(hi)) if lo is not None and hi is not None else "")
    dv.showErrorMessage = True
    dv.errorTitle = t("tpl.dv_title", lang)
    dv.error = t("tpl.dv_range", lang, what=what)[:255]
    dv.showInputMessage = True
    dv.promptTitle = spec.name[:32]
    dv.prompt = what[:255]
    return dv


def _text(ws, row: int, col: int, value: str):
    """A text cell, kept as text even when it starts with "=" (never a formula)."""
    c = ws.cell(row, col, value)
    c.data_type = "s"
    return c


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def unit_needs(plan: Plan, usage: dict[str, Usage], units: Units) -> dict[str, set[int]]:
    """Field → the units that need it, for fields read only by indicators naming units (applies_to,
    牵头/责任): other units of the same category owe nothing for them. Fields not in the map are
    needed by whole categories."""
    from ..core.dataset import Dataset
    from ..core.scope import unit_scopes

    masks, _ = unit_scopes(plan, Dataset(list(units.ids), list(units.names), list(units.cats), {}))
    if not masks:
        return {}
    out: dict[str, set[int]] = {}
    for name, u in usage.items():
        uses = u.uses
        if not any(x.kind == "indicator" and x.id in masks for x in uses):
            continue
        need: set[int] = set()
        for x in uses:
            if x.kind == "indicator" and x.id in masks:
                need |= {int(i) for i in masks[x.id].nonzero()[0] if units.cats[i] in x.categories}
            else:
                need |= {i for i, c in enumerate(units.cats) if c in x.categories}
        out[name] = need
    return out


def build_workbook(
    plan: Plan,
    owner: str,
    fields: list[str],
    usage: dict[str, Usage],
    units: Units,
    rows: list[int],
    lang: str = "zh",
    needs: dict[str, set[int]] | None = None,
):
    """One owner's workbook (not saved)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter

    a = plan.criteria.assessment
    specs = plan.criteria.field_map()
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ncols = 3 + 2 * len(fields)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    info_fill = PatternFill("solid", fgColor="F2F2F2")
    grey = PatternFill("solid", fgColor="BFBFBF")
    unlocked = Protection(locked=False)

    _text(ws, 1, 1, t("tpl.title", lang, name=a.name, year=a.year, owner=owner)).font = Font(bold=True, size=14)
    if ncols >= 4:
        _text(ws, 1, 4, t("tpl.note", lang) + " " + t("tpl.grey", lang))
    for r, label in ((2, t("tpl.uses", lang)), (3, t("tpl.about", lang)), (4, t("tpl.how", lang))):
        c = ws.cell(r, 1, label)
        c.font = bold
        c.fill = info_fill
        ws.row_dimensions[r].height = 60
    for j, label in enumerate(UNIT_HEADERS, start=1):
        c = ws.cell(HEADER_ROW, j, label)
        c.font = bold
        c.fill = head_fill
    col = 4
    need: list[tuple[int, set[str], set[int] | None]] = []
    for f in fields:
        spec = specs[f]
        uses, about, how = _column_texts(plan, f, usage[f], lang)
        for r, text in ((2, uses), (3, about), (4, how)):
            c = _text(ws, r, col, text)
            c.alignment = wrap
            c.fill = info_fill
        ws.cell(4, col + 1, t("tpl.evidence", lang)).alignment = wrap
        ws.cell(4, col + 1).fill = info_fill
        for j, label in ((col, f), (col + 1, f + EVIDENCE_SUFFIX)):
            c = _text(ws, HEADER_ROW, j, label)
            c.font = bold
            c.fill = head_fill
            c.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = 16
        ws.column_dimensions[get_column_letter(col + 1)].width = 20
        n_last = FIRST_ROW + len(rows) - 1
        if rows:
            dv = _validation(spec, lang)
            ws.add_data_validation(dv)
            dv.add(f"{get_column_letter(col)}{FIRST_ROW}:{get_column_letter(col)}{n_last}")
        need.append((col, usage[f].categories, (needs or {}).get(f)))
        col += 2
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 12
    for k, i in enumerate(rows):
        r = FIRST_ROW + k
        _text(ws, r, 1, units.ids[i])
        _text(ws, r, 2, units.names[i])
        _text(ws, r, 3, units.cats[i])
        cat = units.cats[i]
        for c0, cats, who in need:
            for c in (c0, c0 + 1):
                cell = ws.cell(r, c)
                cell.protection = unlocked
                if cat not in cats or (who is not None and i not in who):
                    cell.fill = grey
    ws.freeze_panes = f"D{FIRST_ROW}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # people may still widen columns and rows
    ws.protection.formatRows = False
    ws.protection.formatCells = False
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"

    meta = wb.create_sheet(META_SHEET)
    for k, (key, value) in enumerate(
        (
            ("schema", TEMPLATE_SCHEMA),
            ("assessment", a.name),
            ("year", str(a.year)),
            ("office", a.office),
            ("criteria_hash", criteria_hash(plan.criteria)),
            ("owner", owner),
            ("layout", "wide"),
            ("sheet", SHEET),
            ("header_row", str(HEADER_ROW)),
            ("first_row", str(FIRST_ROW)),
            ("fields", json.dumps(fields, ensure_ascii=False)),
            ("units", str(len(rows))),
        ),
        start=1,
    ):
        _text(meta, k, 1, key)
        _text(meta, k, 2, value)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.properties.title = t("tpl.title", lang, name=a.name, year=a.year, owner=owner)
    wb.properties.subject = a.name
    wb.properties.keywords = TEMPLATE_SCHEMA
    wb.properties.creator = a.office or "scoring-engine"
    return wb


def plan_templates(plan: Plan, units: Units) -> tuple[list[tuple[str, str, list[str], list[int]]], list[Problem]]:
    """[(file name, owner, fields, unit positions)] and notes about fields left out."""
    usage = field_usage(plan)
    notes: list[Problem] = []
    by_owner: dict[str, list[str]] = {}
    for spec in plan.criteria.fields:
        if spec.formula is not None:
            continue
        if not usage[spec.name].categories:
            notes.append(Problem("template.unused_field", {"field": spec.name}))
            continue
        by_owner.setdefault(spec.owner.strip() or NO_OWNER, []).append(spec.name)
    year = plan.criteria.assessment.year
    out = []
    taken: set[str] = set()

    def name_for(label: str) -> str:
        base = safe_filename(f"{year}-{label}-报送表")
        name, k = base, 2
        while name.lower() in taken:
            name, k = f"{base}-{k}", k + 1
        taken.add(name.lower())
        return name + ".xlsx"

    for owner, fields in by_owner.items():
        cats = set().union(*(usage[f].categories for f in fields))
        rows = [i for i, c in enumerate(units.cats) if c in cats]
        if not rows:
            notes.append(Problem("template.no_units", {"owner": owner}))
            continue
        if owner in SELF_OWNERS:
            for i in rows:
                label = f"{units.ids[i]}-{units.names[i]}"
                out.append((name_for(label), units.ids[i], fields, [i]))
        else:
            out.append((name_for(owner), owner, fields, rows))
    return out, notes


def write_templates(
    plan: Plan, out: str | Path, units: str | None = None, data: str | None = None, force: bool = False, lang: str = "zh"
) -> tuple[list[Path], list[Problem]]:
    """Write every workbook, or none: existing files are refused before anything is written."""
    u = _load_units(plan, units, data)
    jobs, notes = plan_templates(plan, u)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(Problem("template.out_not_dir", file=str(out)))
    for name, *_ in jobs:  # a folder, a path through a file, a read-only folder: refused before writing any
        check_out(out / name, inputs=[units] if units else [])
    clash = [out / name for name, *_ in jobs if (out / name).exists()]
    if clash and not force:
        raise UsageError([Problem("template.exists", file=str(p)) for p in clash])
    out.mkdir(parents=True, exist_ok=True)
    usage = field_usage(plan)
    needs = unit_needs(plan, usage, u)
    written = []
    for name, owner, fields, rows in jobs:
        wb = build_workbook(plan, owner, fields, usage, u, rows, lang, needs)
        target = out / name
        # through the one writer every output uses (scoring.outfile): never half a workbook, never
        # over an input, and the mode a new file of the user's gets
        buf = io.BytesIO()
        wb.save(buf)
        write_out(target, buf.getvalue())
        written.append(target)
    return written, notes
