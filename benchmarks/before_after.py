"""The same commands with the engine of an earlier commit and with this tree, alternating.

    python benchmarks/before_after.py 752e546 [--repeat 3]

The earlier commit's ``scoring`` and ``plugins`` are taken with ``git archive`` into a temporary
folder and put first on the path of its runs; both trees read the generated data of run.py
(``out/bench``). Each round runs every command once with each tree, so a load that comes and
goes falls on both; the table gives medians of wall and CPU time and the largest peak memory.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "out" / "bench"

# Run the command-line entry point with the given tree first on the path.
_RUN_AS = ("import sys\nsys.path.insert(0, sys.argv[1])\nimport scoring\n"
           "assert scoring.__file__.startswith(sys.argv[1]), scoring.__file__\n"
           "from scoring.cli import main\nsys.exit(main(sys.argv[2:]))\n")
_LAUNCH = ("import json, os, subprocess, sys, time\nt = time.perf_counter()\n"
           "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n_, status, usage = os.wait4(p.pid, 0)\n"
           "print(json.dumps([time.perf_counter() - t, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,"
           " os.waitstatus_to_exitcode(status)]))\n")

JOBS = {
    "county example run (table)": (["run", "criteria/yitong-2020.toml", "--data", "examples/yitong-2020"], ROOT),
    "nation run --decide → csv": (["run", "criteria.toml", "--data", "data", "--decide", "--format", "csv", "--out", "ba.csv"], BENCH / "nation"),
    "nation run --decide → terminal table": (["run", "criteria.toml", "--data", "data", "--decide"], BENCH / "nation"),
    "province run --decide → csv": (["run", "criteria.toml", "--data", "data", "--decide", "--format", "csv", "--out", "ba.csv"], BENCH / "province"),
}


def run(tree: str, args: list[str], cwd: Path) -> tuple[float, float, float]:
    out = subprocess.run([sys.executable, "-c", _LAUNCH, sys.executable, "-c", _RUN_AS, tree, *args],
                         cwd=cwd, capture_output=True, text=True)
    wall, peak, cpu, code = json.loads(out.stdout.strip().splitlines()[-1])
    if code != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out.stderr}")
    return wall, peak, cpu


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
            got: dict[str, list] = {"before": [], "after": []}
            for _ in range(a.repeat):
                for key, tree in (("before", before), ("after", str(ROOT))):
                    got[key].append(run(tree, args, cwd))
            med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in got.items()}
            peak = {k: max(x[1] for x in v) for k, v in got.items()}
            b, f = med["before"], med["after"]
            print(f"| {name} | {b[0]:.2f} s / {b[2]:.2f} s / {peak['before']:.0f} MB | {f[0]:.2f} s / {f[2]:.2f} s / "
                  f"{peak['after']:.0f} MB | {f[0] / b[0]:.2f}, {f[2] / b[2]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
