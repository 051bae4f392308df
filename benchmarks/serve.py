"""Load on `scoring serve`: many owners uploading at once, then a steady stream of page views, on loopback.

    python benchmarks/serve.py                                   # 60 owners, 500 page views a second for 5 s
    python benchmarks/serve.py --owners 8 --rate 100 --seconds 2  # the small version the tests run

A year is generated (one field and one workbook per owner, seeded), the portal is set up in a
temporary store and started as `scoring serve` in its own process on 127.0.0.1. Then:

1. every owner logs in (and changes its initial password);
2. all owners upload their workbook at the same moment (a barrier releases them together);
3. page views (an owner's page, the login page, the 公示 page, in turn) are sent at ``--rate`` a
   second for ``--seconds`` seconds by a fixed pool of threads, each on its own schedule.

Every loop is bounded and stops by itself; nothing leaves 127.0.0.1. Printed: p50 / p95 latency and
throughput of each phase. Checked (exit 1 if not): every upload kept, each owner's latest clean
upload being the bytes it sent; every answer the one expected (no error page, no "database is
locked" in any answer or in the server's output).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
from serve_support import Client, free_port  # noqa: E402 - the tests' client: one HTTP client for both

LOCKED = ("database is locked", "locked", "历史库正被其他程序写入")


def make_year(folder: Path, owners: int, units: int, seed: int = 7) -> tuple[Path, Path, dict[str, bytes]]:
    """Criteria with one supplied indicator per owner, a unit list, and each owner's CSV."""
    rnd = random.Random(seed)
    head = [
        '[assessment]',
        'name = "负载测试2020年度考核"',
        "year = 2020",
        'office = "考核办"',
        "precision = 2",
        "total = 100",
        'categories = ["部门"]',
        "",
        "[[modules]]",
        'id = "m"',
        'name = "工作"',
        f"full = {5 * owners}",
        'weights = { "部门" = 100 }',
        "",
    ]
    for k in range(1, owners + 1):
        head += ["[[indicators]]", f'id = "I{k:02d}"', 'module = "m"', f'name = "指标{k:02d}"', "full = 5", 'method = "supplied"', f'field = "得分{k:02d}"', ""]
    for k in range(1, owners + 1):
        head += ["[[fields]]", f'name = "得分{k:02d}"', 'unit = "分"', "max = 5", f'owner = "责任单位{k:02d}"', ""]
    crit = folder / "criteria.toml"
    crit.write_text("\n".join(head), encoding="utf-8")
    ids = [f"U{j:03d}" for j in range(1, units + 1)]
    unit_csv = folder / "units.csv"
    unit_csv.write_text("单位编号,单位名称,类别\n" + "".join(f"{u},单位{u},部门\n" for u in ids), encoding="utf-8")
    files = {}
    for k in range(1, owners + 1):
        rows = "".join(f"{u},单位{u},{rnd.uniform(2, 5):.2f}\n" for u in ids)
        files[f"责任单位{k:02d}"] = f"单位编号,单位名称,得分{k:02d}\n{rows}".encode("utf-8")
    return crit, unit_csv, files


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def summary(name: str, lat: list[float], wall: float) -> dict:
    return {
        "phase": name,
        "n": len(lat),
        "p50_ms": round(pct(lat, 0.5) * 1000, 1),
        "p95_ms": round(pct(lat, 0.95) * 1000, 1),
        "per_s": round(len(lat) / wall, 1) if wall else 0.0,
    }


def together(work, items: list, batch: int | None = None) -> float:
    """``work(item)`` for every item, each in its own thread, ``batch`` at a time (default: all) → seconds."""
    t0 = time.monotonic()
    step = batch or len(items) or 1
    for k in range(0, len(items), step):
        pool = [threading.Thread(target=work, args=(x,)) for x in items[k : k + step]]
        for th in pool:
            th.start()
        for th in pool:
            th.join()
    return time.monotonic() - t0


def start(db: Path) -> tuple[subprocess.Popen, str, Path]:
    exe = Path(sys.executable).with_name("scoring")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "scoring"]
    port = free_port()
    log = db.with_suffix(".log")
    proc = subprocess.Popen([*cmd, "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=open(log, "wb"))  # noqa: SIM115 - closed with the process
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if Client(base).get("/login").status == 200:
                return proc, base, log
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the portal did not start:\n" + log.read_text(encoding="utf-8", errors="replace"))


def run(owners: int, units: int, rate: int, seconds: float, threads: int) -> dict:
    from scoring.serve.portal import connect, setup, uploads

    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="scoring-bench-serve-") as d:
        folder = Path(d)
        crit, unit_csv, files = make_year(folder, owners, units)
        db = folder / "office.sqlite"
        made = setup(db, crit, unit_csv)
        logins = {a.owner: (a.login, pw) for a, pw in made if a.role == "owner"}
        proc, base, log = start(db)
        try:
            # 1. every owner logs in, a few at a time (each login is a scrypt hash: that is its point)
            clients: dict[str, Client] = {}
            lock = threading.Lock()

            def login(owner):
                c = Client(base)
                name, pw = logins[owner]
                r = c.login(name, pw, change_to="bench-pass-" + name)
                with lock:
                    clients[owner] = c
                    if r.status != 303:
                        problems.append(f"login {name}: {r.status}")

            login_wall = together(login, list(files), batch=8)

            # 2. all uploads at once
            barrier = threading.Barrier(len(files))
            up_lat: list[float] = []

            def upload(owner):
                c = clients[owner]
                barrier.wait()
                t = time.monotonic()
                r = c.post("/owner/upload", files={"file": (f"{owner}.csv", files[owner])})
                dt = time.monotonic() - t
                page = c.get(r.headers.get("location", "/owner")) if r.status == 303 else r
                with lock:
                    up_lat.append(dt)
                    if r.status != 303 or "校验通过" not in page.text:
                        problems.append(f"upload {owner}: {r.status} {page.text[:200]}")
                    if any(w in page.text for w in LOCKED):
                        problems.append(f"upload {owner}: database locked shown")

            up_wall = together(upload, list(files))

            # 3. page views at a steady rate, each thread on its own schedule, for a bounded time
            view_lat: list[float] = []
            anon = Client(base)
            anon.get("/login")
            owner_clients = list(clients.values())
            interval = threads / rate
            end = time.monotonic() + seconds

            def viewer(k):
                nxt = time.monotonic() + k * interval / threads
                i = k
                while True:
                    now = time.monotonic()
                    if now >= end:
                        return
                    if nxt > now:
                        time.sleep(nxt - now)
                    nxt += interval
                    path, c = [("/owner", owner_clients[i % len(owner_clients)]), ("/login", anon), ("/public", anon)][i % 3]
                    i += 1
                    t = time.monotonic()
                    try:
                        r = c.get(path)
                    except OSError as e:
                        with lock:
                            problems.append(f"view {path}: {e}")
                        continue
                    dt = time.monotonic() - t
                    with lock:
                        view_lat.append(dt)
                        if r.status != 200 or any(w in r.text for w in LOCKED):
                            problems.append(f"view {path}: {r.status}")

            view_wall = together(viewer, list(range(threads)))
        finally:
            proc.terminate()
            proc.wait(30)
        # no upload lost: each owner's latest clean upload is the bytes it sent
        import hashlib

        conn = connect(db)
        kept = uploads(conn)
        conn.close()
        latest = {}
        for u in reversed(kept):
            if u.ok:
                latest[u.owner] = u.sha256
        if len(kept) != len(files):
            problems.append(f"{len(files)} uploads sent, {len(kept)} kept")
        lost = [o for o, b in files.items() if latest.get(o) != hashlib.sha256(b).hexdigest()]
        if lost:
            problems.append(f"uploads lost: {lost[:5]}")
        server_log = log.read_text(encoding="utf-8", errors="replace")
        if "Traceback" in server_log or "locked" in server_log:
            problems.append("server log: " + server_log[-500:])
    return {
        "owners": owners,
        "units": units,
        "rate": rate,
        "seconds": seconds,
        "threads": threads,
        "login": summary("login", [login_wall / max(1, len(files))] * len(files), login_wall),
        "uploads": summary("uploads at once", up_lat, up_wall),
        "views": summary("page views", view_lat, view_wall),
        "problems": problems,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--owners", type=int, default=60)
    ap.add_argument("--units", type=int, default=20)
    ap.add_argument("--rate", type=int, default=500, help="page views a second asked for")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=50)
    ap.add_argument("--json", help="also write the figures here")
    a = ap.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    out = run(a.owners, a.units, a.rate, a.seconds, a.threads)
    print(f"scoring serve on loopback: {a.owners} owners, {a.units} units; page views asked at {a.rate}/s for {a.seconds:g} s")
    print(f"{'phase':<18}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'per s':>9}")
    for key in ("uploads", "views"):
        s = out[key]
        print(f"{s['phase']:<18}{s['n']:>6}{s['p50_ms']:>10}{s['p95_ms']:>10}{s['per_s']:>9}")
    print(f"logins (scrypt, 8 at a time): {out['login']['per_s']}/s")
    print(
        "checks: "
        + ("every upload kept, every answer as expected, no 'database is locked'" if not out["problems"] else "FAILED\n  " + "\n  ".join(out["problems"][:20]))
    )
    if a.json:
        Path(a.json).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if out["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
