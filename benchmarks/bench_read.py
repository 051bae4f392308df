"""Time and peak memory of reading submissions: 10 000 units × 100 fields.

    python benchmarks/bench_read.py [--units 10000] [--fields 100] [--keep DIR]

Writes a criteria file, a unit list and the same data three ways (an .xlsx workbook, the
same workbook with one column in percent format, whose cells the reader finds in the sheet's
XML, and a .csv file), then reads each folder with the project's reader in a fresh
process and prints wall time, the process's peak resident memory (VmHWM) and the peak
of Python allocations (tracemalloc, measured in a separate run because tracing slows
reading down several times).  Figures drift between machines; ratios hold better.
The workbooks carry a <dimension> element as Excel's do (see _add_dimension).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make(folder: Path, n_units: int, n_fields: int) -> dict[str, Path]:
    from openpyxl import Workbook

    crit = folder / "criteria.toml"
    lines = ['[assessment]\nname = "读取基准"\nyear = 2024\ncategories = ["部门"]\n', '[[modules]]\nid = "m"\nname = "模块"\nweights = { "部门" = 100 }\n']
    for j in range(n_fields):
        lines.append(
            f'[[indicators]]\nid = "I{j}"\nmodule = "m"\nname = "指标{j}"\nfull = {100 / n_fields!r}\n'
            f'method = "supplied"\nfield = "字段{j:03d}"\nparams = {{ scale = 100 }}\n'
        )
        kind = "rate" if j == 0 else "number"
        lines.append(f'[[fields]]\nname = "字段{j:03d}"\nkind = "{kind}"\nmin = 0\nmax = 100\nowner = "考核办"\n')
    crit.write_text("\n".join(lines), encoding="utf-8")
    rnd = random.Random(2024)
    ids = [f"U{i:05d}" for i in range(n_units)]
    header = ["单位编号"] + [f"字段{j:03d}" for j in range(n_fields)]
    rows = [[u] + [round(rnd.uniform(0, 100), 2) for _ in range(n_fields)] for u in ids]
    out = {}
    for name, percent in (("xlsx", False), ("xlsx_percent", True)):
        d = folder / name
        d.mkdir()
        _units(d, ids)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("数据")
        ws.append(header)
        if percent:
            from openpyxl.cell import WriteOnlyCell

            for r in rows:
                c = WriteOnlyCell(ws, value=r[1] / 100)
                c.number_format = "0.00%"
                ws.append([r[0], c] + r[2:])
        else:
            for r in rows:
                ws.append(r)
        wb.save(d / "考核办.xlsx")
        _add_dimension(d / "考核办.xlsx", f"A1:{_letter(n_fields)}{n_units + 1}")
        out[name] = d
    d = folder / "csv"
    d.mkdir()
    _units(d, ids)
    with open(d / "考核办.csv", "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    out["csv"] = d
    return {"criteria": crit, **out}


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _add_dimension(path: Path, ref: str) -> None:
    """Excel and WPS write <dimension> at the top of a sheet; openpyxl's write-only mode does not,
    and without it read-only openpyxl parses the whole sheet once more just to size it.  The
    benchmark file is made to look like what offices actually send."""
    import shutil
    import zipfile

    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet") and b"<dimension" not in data:
                data = (
                    data.replace(b"<sheetViews>", f'<dimension ref="{ref}"/><sheetViews>'.encode(), 1)
                    if b"<sheetViews>" in data
                    else data.replace(b"<sheetData>", f'<dimension ref="{ref}"/><sheetData>'.encode(), 1)
                )
            zout.writestr(item, data)
    shutil.move(tmp, path)


def _units(d: Path, ids: list[str]) -> None:
    with open(d / "units.csv", "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["单位编号", "单位名称", "类别"])
        w.writerows([u, f"单位{u}", "部门"] for u in ids)


def child(criteria: str, folder: str, trace: bool) -> None:
    """Runs in a fresh process: read the folder once and print the figures as JSON."""
    import tracemalloc

    from scoring.load.criteria_file import read_criteria
    from scoring.load.submissions import read_submissions

    c, _, _ = read_criteria(criteria)
    import python_calamine  # noqa: F401 - imported before the clock starts: its import cost is not reading

    base = _peak_kb()
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    res = read_submissions(folder, c)
    dt = time.perf_counter() - t0
    peak_py = tracemalloc.get_traced_memory()[1] if trace else None
    assert not res.problems, res.problems[:3]
    cells = sum(int((v == v).sum()) for v in res.data.values.values())
    print(json.dumps({"seconds": dt, "maxrss_kb": _peak_kb(), "base_kb": base, "peak_py": peak_py, "cells": cells}))


def _peak_kb() -> int:
    """Peak resident memory of this process in KiB.

    VmHWM belongs to the address space, so it starts afresh in the child; ru_maxrss is kept
    across exec on Linux and would report the parent's peak (the file generation) instead.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_child(criteria: Path, folder: Path, trace: bool) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(criteria), str(folder)] + (["--trace"] if trace else []), capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--fields", type=int, default=100)
    ap.add_argument("--keep", help="write the files here and keep them")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child, args.trace)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        paths = make(folder, args.units, args.fields)
        print(f"read {args.units} units × {args.fields} fields (files written in {time.perf_counter() - t0:.1f} s)")
        print(f"{'input':<40}{'time':>9}{'peak RSS':>12}{'Δ RSS (read)':>16}{'peak Python':>13}")
        for name, label in (("xlsx", ".xlsx (values only)"), ("xlsx_percent", ".xlsx, a percent-format column"), ("csv", ".csv")):
            size = sum(p.stat().st_size for p in paths[name].iterdir()) / 1e6
            timed = run_child(paths["criteria"], paths[name], trace=False)
            traced = run_child(paths["criteria"], paths[name], trace=True)
            assert timed["cells"] == args.units * args.fields
            print(
                f"{label + f' ({size:.1f} MB)':<40}{timed['seconds']:>8.2f}s{timed['maxrss_kb'] / 1024:>10.0f}MB"
                f"{(timed['maxrss_kb'] - timed['base_kb']) / 1024:>15.0f}MB{traced['peak_py'] / 1e6:>11.0f}MB"
            )


if __name__ == "__main__":
    main()
