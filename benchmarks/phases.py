"""Where the time of ``scoring run --decide --format csv`` goes, phase by phase (wall and CPU seconds).

    python benchmarks/phases.py out/bench/nation

Runs the same steps as the command, in this process, on the generated files of one size.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the command does


def main(folder: str) -> None:
    marks = [("start", time.perf_counter(), time.process_time())]

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter(), time.process_time()))

    import gc

    from scoring.api import load_criteria
    from scoring.cli import BATCH_GC, keep_freed_memory
    from scoring.core import cycles
    from scoring.core.decisions import decide, outcomes_of
    from scoring.core.engine import score
    from scoring.history import canonical
    from scoring.load.validate import validate
    from scoring.report.decisions import unit_texts
    from scoring.report.output import csv_chunks, write_atomic

    gc.set_threshold(*BATCH_GC)  # the process settings of a batch command run as its own process
    keep_freed_memory()
    cycles.keep = True
    mark("import")
    crit = load_criteria(f"{folder}/criteria.toml")
    plan, raw = crit.plan, crit.raw
    mark("criteria, plugins, checks")
    report = validate(plan, f"{folder}/data")
    assert not report.problems, report.problems[:3]
    data = report.data
    mark("read and check the data files")
    res = score(plan, data)
    mark("score, rank, grade")
    canonical.sha256(raw), canonical.data_hash(res.data)
    mark("data fingerprint (stamp)")
    proposal = decide(res.criteria, outcomes_of(res))
    mark("约谈 rules (decide)")
    text = list(csv_chunks(res, proposed=lambda: unit_texts(proposal, "zh")[0]))  # with the 拟处理建议 column, as --decide writes it
    mark("ranked tables as CSV")
    write_atomic(f"{folder}/phases.csv", text, encoding="utf-8-sig")
    mark("write")
    print(f"{'phase':<32} {'wall s':>8} {'cpu s':>8}")
    for (_, w0, c0), (name, w1, c1) in zip(marks, marks[1:]):
        print(f"{name:<32} {w1 - w0:8.3f} {c1 - c0:8.3f}")
    print(f"{'total':<32} {marks[-1][1] - marks[0][1]:8.3f} {marks[-1][2] - marks[0][2]:8.3f}")
    print(f"({len(data)} units, {sum(len(r.catches) for r in proposal)} proposals)")


if __name__ == "__main__":
    main(sys.argv[1])
