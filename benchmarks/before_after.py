"""The same commands with the engine of an earlier commit and with this tree, alternating.

    python benchmarks/before_after.py 752e546 [--repeat 3]

The earlier commit's ``scoring`` and ``plugins`` are taken with ``git archive`` into a temporary
folder and put first on the path of its runs; both trees read the generated data of run.py
(``out/bench``). Each round runs every command once with each tree, so a load that comes and
goes falls on both; the table gives medians of wall and CPU time and the largest peak memory.
Processes are started and measured by run.py's own runner (``run_side_by_side``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, run_side_by_side  # noqa: E402

BENCH = ROOT / "out" / "bench"

# Run the command-line entry point with the given tree first on the path.
_RUN_AS = (
    "import sys\nsys.path.insert(0, sys.argv[1])\nimport scoring\n"
    "assert scoring.__file__.startswith(sys.argv[1]), scoring.__file__\n"
    "from scoring.cli import main\nsys.exit(main(sys.argv[2:]))\n"
)

JOBS = {
    "county example run (table)": (["run", "criteria/yitong-2020.toml", "--data", "examples/yitong-2020"], ROOT),
    "nation run --decide → csv": (["run", "criteria.toml", "--data", "data", "--decide", "--format", "csv", "--out", "ba.csv"], BENCH / "nation"),
    "nation run --decide → terminal table": (["run", "criteria.toml", "--data", "data", "--decide"], BENCH / "nation"),
    "province run --decide → csv": (["run", "criteria.toml", "--data", "data", "--decide", "--format", "csv", "--out", "ba.csv"], BENCH / "province"),
}


def with_tree(tree: str, args: list[str]) -> list[str]:
    """The command that runs ``scoring ARGS…`` with ``tree`` first on the path."""
    return [sys.executable, "-c", _RUN_AS, tree, *args]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rev", help="the earlier commit")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="", help="only the lines whose name contains this (county, nation, province)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as before:
        archive = subprocess.run(["git", "archive", a.rev, "scoring", "plugins"], cwd=ROOT, capture_output=True, check=True).stdout
        tarfile.open(fileobj=BytesIO(archive)).extractall(before)
        print(f"| work | before ({a.rev}): wall / CPU / peak | after: wall / CPU / peak | after ÷ before (wall, CPU) |")
        print("|---|---|---|---|")
        for name, (args, cwd) in JOBS.items():
            if a.only not in name:
                continue
            t = run_side_by_side({"before": (name, with_tree(before, args)), "after": (name, with_tree(str(ROOT), args))}, a.repeat, cwd)
            b, f = t["before"], t["after"]
            print(
                f"| {name} | {b.seconds:.2f} s / {b.cpu:.2f} s / {b.peak_mb:.0f} MB | {f.seconds:.2f} s / {f.cpu:.2f} s / "
                f"{f.peak_mb:.0f} MB | {f.seconds / b.seconds:.2f}, {f.cpu / b.cpu:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
