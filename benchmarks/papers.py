"""Printed papers beside a plain ``scoring run``, in the same run: how much a report costs over the CSV.

    python benchmarks/papers.py                        # the bundled example, median of 3
    python benchmarks/papers.py --repeat 5
    python benchmarks/papers.py --province             # also HTML and XLSX office reports at province size
    python benchmarks/papers.py --province --skip "XLSX, province"   # without the slowest line

Every line is a whole process (start-up included) timed by run.py's launcher: median wall time, CPU
time, peak RSS, and the ratio to ``scoring run … --format csv`` on the same data.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import ROOT, compile_source_tree, run_process, scoring_cmd  # noqa: E402

EXAMPLE = ["criteria/yitong-2020.toml", "--data", "examples/yitong-2020"]
PUB = ["--public-from", "2021-01-15", "--public-to", "2021-01-21", "--contact", "0434-4222222"]
TARGETS = {"office PDF": 3.0, "54 unit PDFs": 5.0}  # seconds, whole process (issue targets)


def lines(out: Path, province: Path | None) -> list[tuple[str, list[str], str | None]]:
    """(label, command, what its ratio is taken against)."""
    s = scoring_cmd()
    rows = [
        ("scoring run (CSV), example", s + ["run", *EXAMPLE, "--format", "csv", "--out", str(out / "r.csv")], None),
        ("office PDF, example", s + ["report", *EXAMPLE, "--out", str(out / "office.pdf")], "example"),
        ("54 unit PDFs, example", s + ["report", *EXAMPLE, "--for", "unit", *PUB, "--out", str(out / "units")], "example"),
        ("public PDF, example", s + ["report", *EXAMPLE, "--for", "public", *PUB, "--out", str(out / "public.pdf")], "example"),
        ("office HTML, example", s + ["report", *EXAMPLE, "--out", str(out / "office.html")], "example"),
        ("office XLSX, example", s + ["report", *EXAMPLE, "--out", str(out / "office.xlsx")], "example"),
    ]
    if province is not None:
        P = [str(province / "criteria.toml"), "--data", str(province / "data")]
        rows += [
            ("scoring run (CSV), province", s + ["run", *P, "--format", "csv", "--out", str(out / "p.csv")], None),
            ("office HTML, province", s + ["report", *P, "--out", str(out / "p.html")], "province"),
            ("office XLSX, province", s + ["report", *P, "--out", str(out / "p.xlsx")], "province"),
        ]
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--province", action="store_true", help="also the HTML and XLSX reports at province size")
    p.add_argument(
        "--skip", action="append", default=[], metavar="TEXT", help="leave out the lines whose label contains TEXT (e.g. 'XLSX, province'); may be repeated"
    )
    a = p.parse_args(argv)
    province = None
    if a.province:
        import generate

        province = ROOT / "out" / "bench" / "province"
        if not (province / "criteria.toml").exists():
            generate.write("province", province)
    print(compile_source_tree())
    out = Path(tempfile.mkdtemp(prefix="papers-bench-"))
    try:
        base: dict[str, float] = {}
        print(f"{'what':<32} {'wall':>8} {'cpu':>14} {'peak RSS':>10}  ratio to scoring run")
        for label, cmd, against in lines(out, province):
            if any(skip in label for skip in a.skip):
                continue
            t = run_process(cmd, a.repeat)
            if against is None:
                base[label.rsplit(", ", 1)[1]] = t.seconds
            ratio = f"×{t.seconds / base[against]:.1f}" if against else "—"
            target = next((f"  (target ≤ {v:g} s)" for k, v in TARGETS.items() if label.startswith(k)), "")
            print(f"{label:<32} {t.seconds:7.2f}s {t.note:>14} {t.peak_mb:8.0f} MB  {ratio}{target}")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
