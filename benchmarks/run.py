"""Benchmark the engine against its peers on generated data, and check that rankings agree.

    python benchmarks/run.py                      # county, province, nation and the workbook
    python benchmarks/run.py --sizes county --repeat 3

For each size (see generate.py) it prints time, peak memory and the ratio to each peer:

  whole process (subprocesses, median of --repeat rounds, peak RSS from wait4; every command
  of a size runs once per round, so the load of a shared machine falls on all of them alike):
    ours      scoring run criteria.toml --decide --format csv   every method, formulas, grades, vetoes, 约谈 rules
    ours=     scoring run wsum.toml …                          the peers' job: a weighted sum
    pandas    benchmarks/peer_pandas.py                        read CSV, weighted sum, rank, write CSV
    polars    benchmarks/peer_polars.py                        the same one-off with polars
    table     scoring run criteria.toml --decide               the terminal table (compared with our CSV run)
    json      scoring run … --format json                      county and province (compared with our CSV run)
    json-     the same on standard output                      the document made, no file written
    disk      benchmarks/disk_write.py                         as many bytes as the JSON file, written as a run writes them
  workbook (10 000 × 100 .xlsx, see bench_read.py):
    validate  scoring validate                                 every cell checked and located
    calamine  benchmarks/peer_calamine.py                      python-calamine reading the same workbook
    openpyxl  benchmarks/peer_openpyxl.py                      bare openpyxl, read-only
  data already in memory (in this process, median, peak from tracemalloc):
    core      scoring.core.engine.score on criteria.toml
    core=     the same on wsum.toml
    numpy     bare numpy weighted sum + rank within category
    skcrit    scikit-criteria WeightedSumModel, one decision matrix per category (if installed)
    sensitivity  scoring.core.sensitivity, 1 000 draws (county and province)

and, for the county, ``scoring run`` on the bundled example beside its imports alone, with the plan
cache (the criteria read back after the first round, as every later run of a user) and without it.  The
weighted-sum rankings of ours, numpy, pandas, polars and scikit-criteria are compared unit by
unit.  At the end one Markdown table lists every row: ours, the peer, the ratio and the target.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

TARGETS = {
    "county_example_s": 0.3,  # scoring run on the bundled example, whole process, median
    "nation_ratio_pandas": 1.0,  # end to end from CSV to ranked output, ours ÷ pandas
    "nation_peak_mb": 1536,
    "nation_core_ratio_numpy": 3.0,  # engine core on data in memory ÷ bare numpy
}


@dataclass
class Timing:
    label: str
    seconds: float
    peak_mb: float
    runs: list[float] = field(default_factory=list)
    note: str = ""
    cpu: float | None = None  # user + sys seconds, median (whole processes only)


def scoring_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("scoring")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "scoring"]


# Each measured process is started by a small launcher process: a child forked from this
# (large) process would report this process's memory as part of its own peak.
_LAUNCH = (
    "import json, os, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(p.pid, 0)\n"
    "print(json.dumps([time.perf_counter() - t, usage.ru_maxrss, os.waitstatus_to_exitcode(status),"
    " usage.ru_utime + usage.ru_stime]))\n"
)


def run_process(cmd: list[str], repeat: int, cwd: Path = ROOT) -> Timing:
    """Median wall time and the largest peak RSS over ``repeat`` runs of a whole process."""
    runs, peaks, cpu = [], [], []
    for _ in range(repeat):
        p = subprocess.run([sys.executable, "-c", _LAUNCH, *cmd], cwd=cwd, capture_output=True, text=True)
        if p.returncode != 0 or not p.stdout.strip():
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stderr}")
        wall, rss_kib, code, used = json.loads(p.stdout.strip().splitlines()[-1])
        if code != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({code}):\n{p.stderr}")
        runs.append(wall)
        peaks.append(rss_kib / 1024)  # KiB on Linux
        cpu.append(used)
    t = Timing(" ".join(cmd), statistics.median(runs), max(peaks), runs, cpu=statistics.median(cpu))
    t.note = f"cpu {t.cpu:.3f} s"
    return t


def run_inline(fn, repeat: int) -> tuple[float, float, object]:
    """Median time of fn() and tracemalloc's peak (MB) on one extra run."""
    runs, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), peak_mb(fn), out


def peak_mb(fn) -> float:
    """tracemalloc's peak (MB) over one more run of fn()."""
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def inline_side_by_side(fns: dict, repeat: int) -> dict[str, tuple[Timing, object]]:
    """Each of ``fns`` (key -> (label, fn)) once per round, in turn, for ``repeat`` rounds (at least 3), as
    :func:`run_side_by_side` runs processes: a machine whose speed drifts over a minute slows them alike.
    Median wall and CPU time (process time: every thread, numpy's BLAS threads included), and
    tracemalloc's peak on one extra run of each.

    Two rounds go first, not counted (their times are in the note): a process's first calls take memory
    from the system (a nation's scoring keeps 140 MB of columns; the second call, made while the first
    one's results are still held, faulted 19 000 pages in and took twice as long as a later one). Each
    call's result is let go before the next call of the same work, as a caller that scores again does."""
    walls: dict = {k: [] for k in fns}
    cpus: dict = {k: [] for k in fns}
    first: dict = {k: [] for k in fns}
    out: dict = {}
    for r in range(2 + max(repeat, 3)):
        for k, (_label, fn) in fns.items():
            out[k] = None
            time.sleep(0.25)  # numpy's BLAS threads spin for up to 0.2 s after their work: not counted in the next row
            w, c = time.perf_counter(), time.process_time()
            out[k] = fn()
            used, took = time.process_time() - c, time.perf_counter() - w
            if r < 2:
                first[k].append(took)
            else:
                cpus[k].append(used)
                walls[k].append(took)
    got = {}
    for k, (label, fn) in fns.items():
        t = Timing(label, statistics.median(walls[k]), peak_mb(fn), walls[k], cpu=statistics.median(cpus[k]))
        t.note = f"cpu {t.cpu:.3f} s; first two calls " + " / ".join(f"{x:.3f}" for x in first[k]) + " s"
        got[k] = (t, out[k])
    return got


# -- peers on data in memory ----------------------------------------------------------------


def matrix(data, fields: list[str]) -> np.ndarray:
    return np.column_stack([data.values[f] for f in fields])


def numpy_rank(X: np.ndarray, cats: np.ndarray, weights: dict[str, list[float]]) -> np.ndarray:
    """Bare numpy: weighted sum with per-category weights, rounded to 6 decimals, competition rank."""
    rank = np.empty(len(X), dtype=np.int64)
    for cat, w in weights.items():
        idx = np.nonzero(cats == cat)[0]
        total = np.rint(X[idx] @ np.asarray(w) / 100 * 1e6).astype(np.int64)
        order = np.argsort(-total, kind="stable")
        s = total[order]
        first = np.ones(len(s), bool)
        first[1:] = s[1:] != s[:-1]
        r = np.maximum.accumulate(np.where(first, np.arange(1, len(s) + 1), 0))
        rank[idx[order]] = r
    return rank


def skcriteria_rank(X: np.ndarray, cats: np.ndarray, weights: dict[str, list[float]]):
    """scikit-criteria's WeightedSumModel per category: (its scores, its own ranks)."""
    import skcriteria as skc
    from skcriteria.agg.simple import WeightedSumModel

    scores = np.empty(len(X))
    ranks = np.empty(len(X), dtype=np.int64)
    model = WeightedSumModel()
    for cat, w in weights.items():
        idx = np.nonzero(cats == cat)[0]
        dm = skc.mkdm(X[idx], [max] * X.shape[1], weights=np.asarray(w) / 100)
        res = model.evaluate(dm)
        scores[idx] = res.e_.score
        ranks[idx] = res.rank_
    return scores, ranks


def competition(total: np.ndarray, cats: np.ndarray, places: int = 6) -> np.ndarray:
    """Competition ranks within category of totals rounded to ``places``."""
    rank = np.empty(len(total), dtype=np.int64)
    fixed = np.rint(total * 10**places).astype(np.int64)
    for cat in np.unique(cats):
        idx = np.nonzero(cats == cat)[0]
        s = np.sort(-fixed[idx])
        rank[idx] = np.searchsorted(s, -fixed[idx], side="left") + 1
    return rank


def our_ranks(results) -> np.ndarray:
    rank = np.empty(len(results.data), dtype=np.int64)
    for cs in results.categories.values():
        rank[cs.index] = cs.rank
    return rank


def order_agreement(ours: np.ndarray, theirs: np.ndarray, cats: np.ndarray) -> dict:
    """How another ranking departs from ours: neighbours put the other way round, our ties it
    splits, and ties it makes where we see a difference."""
    reversed_, split, made = 0, 0, 0
    for cat in np.unique(cats):
        idx = np.nonzero(cats == cat)[0]
        order = np.lexsort((theirs[idx], ours[idx]))
        a, b = ours[idx][order], theirs[idx][order]
        step_a, step_b = np.diff(a), np.diff(b)
        reversed_ += int(np.sum((step_a > 0) & (step_b < 0)))
        made += int(np.sum((step_a > 0) & (step_b == 0)))
        split += int(np.sum((step_a == 0) & (step_b != 0)))
    return {"reversed": reversed_, "ties split": split, "ties made": made}


# -- one size --------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the summary: our work against a peer's (or our own CSV run), measured side by side."""

    size: str
    work: str
    ours: Timing
    peer_label: str
    peer: Timing | None
    target: float | None = None  # largest acceptable ours ÷ peer
    seconds: float | None = None  # or an absolute target for ours

    @property
    def ratio(self) -> float | None:
        return self.ours.seconds / self.peer.seconds if self.peer else None

    @property
    def met(self) -> bool | None:
        if self.seconds is not None:
            return self.ours.seconds <= self.seconds
        if self.target is not None and self.ratio is not None:
            return self.ratio <= self.target
        return None


def run_side_by_side(cmds: dict[str, tuple[str, list[str]]], repeat: int, cwd: Path = ROOT) -> dict[str, Timing]:
    """Every command once per round, ``repeat`` rounds: a load that comes and goes falls on all of them."""
    got: dict[str, list] = {k: [] for k in cmds}
    for _ in range(repeat):
        for key, (_, cmd) in cmds.items():
            got[key].append(run_process(cmd, 1, cwd))
    out = {}
    for key, (label, _cmd) in cmds.items():
        ts = got[key]
        runs = [t.runs[0] for t in ts]
        t = Timing(label, statistics.median(runs), max(x.peak_mb for x in ts), runs, cpu=statistics.median(x.cpu for x in ts))
        t.note = f"cpu {t.cpu:.3f} s"
        out[key] = t
    return out


def bench_size(size: str, out: Path, repeat: int, peers: bool = True, processes: bool = True, regen: bool = False, rows: list[Row] | None = None) -> dict:
    from scoring.api import load_criteria
    from scoring.core.engine import score
    from scoring.load.submissions import read_folder

    rows = [] if rows is None else rows
    folder = out / size
    stamp = folder / "wsum.json"
    if regen or not stamp.exists() or stamp.stat().st_mtime < Path(generate.__file__).stat().st_mtime:
        generate.write(size, folder)
    spec_path, wsum_path, data_dir = folder / "criteria.toml", folder / "wsum.toml", folder / "data"
    weights = json.loads((folder / "wsum.json").read_text(encoding="utf-8"))
    report: dict = {"size": size, "timings": [], "checks": {}}

    plan = load_criteria(str(spec_path)).plan
    wplan = load_criteria(str(wsum_path)).plan
    data = read_folder(data_dir, plan.criteria)
    cats = np.asarray(data.categories, dtype=object)
    report["units"] = len(data)
    report["leaves"] = len(plan.leaves)
    report["fields"] = len(plan.criteria.fields)
    report["categories"] = sorted(set(data.categories))
    report["csv_mb"] = sum(p.stat().st_size for p in data_dir.glob("*.csv")) / 2**20

    T = report["timings"]
    if processes:
        sc = scoring_cmd()
        run = sc + ["run", str(spec_path), "--data", str(data_dir), "--decide"]
        cmds = {
            "ours": ("ours: scoring run --decide (all methods) → csv", run + ["--format", "csv", "--out", str(folder / "ours.csv")]),
            "ours=": (
                "ours=: scoring run (weighted sum) → csv",
                sc + ["run", str(wsum_path), "--data", str(data_dir), "--format", "csv", "--out", str(folder / "ours-wsum.csv")],
            ),
        }
        peer_args = [str(data_dir), str(folder / "wsum.json")]
        if peers and _has("pandas"):
            cmds["pandas"] = ("pandas: read, weighted sum, rank → csv", [sys.executable, str(HERE / "peer_pandas.py"), *peer_args, str(folder / "pandas.csv")])
        if peers and _has("polars"):
            cmds["polars"] = ("polars: read, weighted sum, rank → csv", [sys.executable, str(HERE / "peer_polars.py"), *peer_args, str(folder / "polars.csv")])
        cmds["table"] = ("table: scoring run --decide → terminal table", run)
        if size != "nation":  # the JSON document explains every indicator of every unit: gigabytes at nation size
            cmds["json"] = ("json: scoring run --decide → json", run + ["--format", "json", "--out", str(folder / "ours.json")])
            cmds["json-"] = ("json-: the same on standard output (no file written)", run + ["--format", "json"])
            disk = [sys.executable, str(HERE / "disk_write.py"), str(folder / "ours.json"), str(folder / "disk.out")]
            cmds["disk"] = ("disk: as many bytes as ours.json written as the run writes them, nothing made", disk)
        got = run_side_by_side(cmds, repeat)
        T.extend(got.values())
        ours = got["ours"]
        report["ours_s"], report["ours_peak_mb"], report["ours_wsum_s"] = ours.seconds, ours.peak_mb, got["ours="].seconds
        for peer in ("pandas", "polars"):
            if peer in got:
                report[f"{peer}_s"], report[f"{peer}_peak_mb"] = got[peer].seconds, got[peer].peak_mb
                target = {"pandas": 1.0, "polars": 1.5}[peer] if size in ("province", "nation") else None
                rows.append(Row(size, "CSV in → ranked CSV (ours: every method, --decide)", ours, peer, got[peer], target))
        for peer in ("pandas", "polars"):
            if peer in got:
                rows.append(Row(size, "the same, weighted sum only (ours=)", got["ours="], peer, got[peer]))
        rows.append(Row(size, "terminal table", got["table"], "our CSV run", ours, 1.5 if size == "nation" else None))
        if "json" in got:
            rows.append(Row(size, "--format json", got["json"], "our CSV run", ours, 3.0 if size == "province" else None))
            rows.append(Row(size, "the same on standard output (no file)", got["json-"], "our CSV run", ours))
            rows.append(Row(size, "the disk alone: the JSON's bytes written as a run writes them", got["disk"], "our CSV run", ours))
        report["table_s"] = got["table"].seconds

    wdata = read_folder(data_dir, wplan.criteria)
    X = matrix(wdata, weights["fields"])
    inline = inline_side_by_side(
        {
            "core": ("core: score() on data in memory (all methods)", lambda: score(plan, data)),
            "core=": ("core=: score() on data in memory (weighted sum)", lambda: score(wplan, wdata)),
            "numpy": ("numpy: weighted sum + rank, data in memory", lambda: numpy_rank(X, cats, weights["weights"])),
        },
        repeat,
    )
    (core_t, res), (wcore_t, wres), (numpy_t, np_rank) = inline["core"], inline["core="], inline["numpy"]
    core_s, wcore_s, np_s = core_t.seconds, wcore_t.seconds, numpy_t.seconds
    T += [core_t, wcore_t]
    if size in ("county", "province"):  # the figure: 1 000 draws over 6 000 units
        from scoring.core.sensitivity import sensitivity

        sens_s, sens_mb, _ = run_inline(lambda: sensitivity(res, draws=1000, spread=0.1, seed=1), max(1, min(repeat, 3)))
        T.append(Timing("sensitivity: 1000 draws, weights ±10%", sens_s, sens_mb))
        report["sensitivity_s"] = sens_s
    T.append(numpy_t)
    report["core_s"], report["core_wsum_s"], report["numpy_s"] = core_s, wcore_s, np_s
    for t, work in ((core_t, "engine core on data in memory (all methods)"), (wcore_t, "engine core, weighted sum only")):
        rows.append(Row(size, work, t, "bare numpy", numpy_t, 3.0 if size == "nation" else None))

    # -- the same rankings where the methods coincide -----------------------------------------
    ours_rank = our_ranks(wres)
    checks = report["checks"]
    checks["numpy"] = int(np.sum(ours_rank != np_rank))
    for peer in ("pandas", "polars"):
        if processes and peers and (folder / f"{peer}.csv").exists() and f"{peer}_s" in report:
            import csv

            with open(folder / f"{peer}.csv", encoding="utf-8-sig", newline="") as fh:
                peer_rows = list(csv.DictReader(fh))
            pos = {u: i for i, u in enumerate(wdata.ids)}
            peer_rank = np.zeros(len(wdata), dtype=np.int64)
            for r in peer_rows:
                peer_rank[pos[r["单位编号"]]] = int(r["名次"])
            checks[peer] = int(np.sum(ours_rank != peer_rank))
    if peers and _has("skcriteria"):
        import skcriteria.agg.simple  # noqa: F401 - imported before timing (it takes over a second)

        sk_s, sk_mb, (sk_scores, sk_ranks) = run_inline(lambda: skcriteria_rank(X, cats, weights["weights"]), 1)
        T.append(Timing("skcrit: scikit-criteria WeightedSumModel, data in memory", sk_s, sk_mb))
        report["skcriteria_s"] = sk_s
        checks["skcriteria (its scores, rounded to 6 places)"] = int(np.sum(ours_rank != competition(sk_scores, cats)))
        # its own ranks come from raw floats: float noise can split a tie or make one
        report["notes"] = {"skcriteria rank_ on raw floats": order_agreement(ours_rank, sk_ranks, cats)}
    # and our rounded totals equal the exact weighted sum
    exact = np.zeros(len(wdata))
    for cs in wres.categories.values():
        exact[cs.index] = cs.total
    checks["totals ≠ numpy (rounded 6)"] = int(np.sum(np.rint(exact * 1e6) != np.rint(_np_totals(X, cats, weights["weights"]) * 1e6)))
    return report


def bench_workbook(out: Path, repeat: int, peers: bool, rows: list[Row], units: int = 10_000, fields: int = 100) -> dict:
    """`scoring validate` on one .xlsx of units × fields against reading the same workbook with
    python-calamine (and with bare openpyxl)."""
    import bench_read

    folder = out / "workbook"
    if not (folder / "xlsx" / "考核办.xlsx").exists():
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        bench_read.make(folder, units, fields)
    data = folder / "xlsx"
    cmds = {
        "validate": (
            f"validate: scoring validate, one .xlsx of {units} × {fields}",
            scoring_cmd() + ["validate", str(folder / "criteria.toml"), "--data", str(data)],
        )
    }
    if peers and _has("python_calamine"):
        cmds["calamine"] = ("calamine: python-calamine read of the workbook", [sys.executable, str(HERE / "peer_calamine.py"), str(data)])
    cmds["openpyxl"] = ("openpyxl: bare read-only read of the workbook", [sys.executable, str(HERE / "peer_openpyxl.py"), str(data)])
    got = run_side_by_side(cmds, repeat)
    for key in ("calamine", "openpyxl"):
        if key in got:
            rows.append(Row("workbook", f"scoring validate, .xlsx {units} × {fields}", got["validate"], key, got[key], 1.5 if key == "calamine" else None))
    return {"size": "workbook", "timings": list(got.values())}


def _np_totals(X, cats, weights) -> np.ndarray:
    out = np.empty(len(X))
    for cat, w in weights.items():
        idx = np.nonzero(cats == cat)[0]
        out[idx] = X[idx] @ np.asarray(w) / 100
    return out


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def example_timing(repeat: int, rows: list[Row]) -> Timing:
    run = scoring_cmd() + ["run", "criteria/yitong-2020.toml", "--data", "examples/yitong-2020"]
    cmds = {
        # the criteria are read back from the plan cache after the first round (README): a user's every later run
        "ours": ("scoring run on the bundled example (whole process)", run),
        "uncached": ("the same, plan cache off (validated with pydantic)", ["env", "SCORING_PLAN_CACHE=0", *run]),
        "imports": ("python -c 'import pydantic, numpy, pluggy'", [sys.executable, "-c", "import pydantic, numpy, pluggy"]),
    }
    got = run_side_by_side(cmds, repeat)
    t = got["ours"]
    import scoring

    if Path(scoring.__file__).resolve().is_relative_to(ROOT):
        t.note += "; scoring from the source tree (editable install): a regular install starts faster"
    rows.append(Row("county", "scoring run, bundled example, whole process", t, "its imports alone", got["imports"], seconds=TARGETS["county_example_s"]))
    rows.append(Row("county", "the same with the plan cache off", got["uncached"], "its imports alone", got["imports"]))
    return t


def show(report: dict) -> None:
    size = report["size"]
    if size == "workbook":
        print("\n== workbook")
        for t in report["timings"]:
            print(f"  {t.label:<58} {t.seconds:8.3f} s  {t.peak_mb:8.1f} MB  ({t.note})")
        return
    print(
        f"\n== {size}: {report['units']} units × {report['leaves']} leaf indicators "
        f"({report['fields']} fields, {len(report['categories'])} categories, CSV {report['csv_mb']:.2f} MB)"
    )
    base = {"ours": report.get("pandas_s"), "core": report.get("numpy_s")}
    for t in report["timings"]:
        key = t.label.split(":")[0].rstrip("=")
        ref = base.get(key)
        ratio = f"  ×{t.seconds / ref:.2f} of {'pandas' if key == 'ours' else 'numpy'}" if ref else ""
        print(f"  {t.label:<58} {t.seconds:8.3f} s  {t.peak_mb:8.1f} MB{ratio}" + (f"  ({t.note})" if t.note else ""))
    for name, n in report["checks"].items():
        print(f"  ranking check vs {name:<45} {'identical' if n == 0 else f'{n} units differ'}")
    for name, d in report.get("notes", {}).items():
        print(f"  note: {name}: " + ", ".join(f"{k} {v}" for k, v in d.items()))


def summary_table(rows: list[Row]) -> str:
    """The rows as a Markdown table: ours and the peer from the same rounds, their ratio, the target."""

    def t(x: Timing | None) -> str:
        if x is None:
            return "—"
        mb = f", {x.peak_mb:.0f} MB" if x.peak_mb >= 1 else ""
        return f"{x.seconds:.3f} s{mb}"

    out = ["| size | work | ours | peer | peer's time | ratio (wall) | ratio (cpu) | target | |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "—"
        cpu = f"{r.ours.cpu / r.peer.cpu:.2f}" if r.peer and r.ours.cpu and r.peer.cpu else "—"
        target = f"≤ {r.seconds} s" if r.seconds is not None else (f"≤ {r.target}×" if r.target is not None else "")
        met = {True: "met", False: "**missed**", None: ""}[r.met]
        out.append(f"| {r.size} | {r.work} | {t(r.ours)} | {r.peer_label} | {t(r.peer)} | {ratio} | {cpu} | {target} | {met} |")
    return "\n".join(out)


def compile_source_tree() -> str:
    """Compile the project's modules when they are run from the source tree (an editable install), as an
    install compiles them: where the environment sets PYTHONDONTWRITEBYTECODE, every process would
    otherwise compile them again as it starts (about 0.17 s, counted in every whole-process figure)."""
    import compileall

    import scoring

    if not Path(scoring.__file__).resolve().is_relative_to(ROOT):
        return "scoring installed (its modules compiled by the install)"
    ok = all([compileall.compile_dir(ROOT / d, quiet=1) for d in ("scoring", "plugins")])  # both, even if one fails
    return "the source tree's modules compiled beforehand, as an install compiles them" + ("" if ok else " (some failed)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="county,province,nation,workbook")
    p.add_argument("--repeat", type=int, default=5, help="rounds per measurement; the median is shown")
    p.add_argument("--out", default=str(ROOT / "out" / "bench"), help="where generated files go (default out/bench)")
    p.add_argument("--no-peers", action="store_true", help="skip pandas, polars, python-calamine and scikit-criteria")
    p.add_argument("--regen", action="store_true", help="generate the data again")
    p.add_argument("--json", help="also write the figures to this JSON file")
    a = p.parse_args(argv)
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cores; medians of {a.repeat} rounds, "
        "every command of a row run once per round"
    )
    print(compile_source_tree())
    results = {}
    summary = []
    rows: list[Row] = []
    for size in a.sizes.split(","):
        if size == "workbook":
            r = bench_workbook(Path(a.out), a.repeat, not a.no_peers, rows)
            results[size] = r
            show(r)
            continue
        if size == "county":
            ex = example_timing(a.repeat, rows)
            print(
                f"  {ex.label}: median {ex.seconds:.3f} s, peak {ex.peak_mb:.1f} MB, runs {', '.join(f'{x:.3f}' for x in ex.runs)}"
                + (f"\n    ({ex.note})" if ex.note else "")
            )
        r = bench_size(size, Path(a.out), a.repeat, peers=not a.no_peers, regen=a.regen, rows=rows)
        results[size] = r
        show(r)
        same = all(n == 0 for n in r["checks"].values())
        summary.append(f"{size}: rankings identical to the peers where the methods coincide: {'yes' if same else 'NO'}")
        if size == "nation" and r.get("pandas_s"):
            summary.append(
                f"nation peak memory: ours {r['ours_peak_mb']:.0f} MB, pandas {r['pandas_peak_mb']:.0f} MB (target ≤ pandas): "
                f"{'met' if r['ours_peak_mb'] <= r['pandas_peak_mb'] else 'MISSED'}"
            )
    print("\nTargets (each row's two commands measured in the same rounds)\n")
    print(summary_table(rows))
    print()
    for line in summary:
        print("  " + line)
    if a.json:
        for r in results.values():
            r["timings"] = [t.__dict__ for t in r["timings"]]
        rows_out = [
            {
                "size": r.size,
                "work": r.work,
                "ours": r.ours.__dict__,
                "peer": r.peer_label,
                "peer_timing": r.peer.__dict__ if r.peer else None,
                "ratio": r.ratio,
                "met": r.met,
            }
            for r in rows
        ]
        Path(a.json).write_text(json.dumps({"results": results, "rows": rows_out, "summary": summary}, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
