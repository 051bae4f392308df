"""The portal's load benchmark at a small size: owners uploading at once and a stream of page views
against `scoring serve` in its own process — no upload lost, no answer other than the one expected,
no "database is locked" anywhere; p50 / p95 and throughput printed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from serve_support import need_serve_extra

need_serve_extra()
ROOT = Path(__file__).resolve().parents[1]


def test_owners_uploading_at_once_and_page_views_lose_nothing(tmp_path):
    out = tmp_path / "serve.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "serve.py"),
            "--owners",
            "6",
            "--units",
            "4",
            "--rate",
            "100",
            "--seconds",
            "2",
            "--threads",
            "10",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "p50 ms" in proc.stdout and "p95 ms" in proc.stdout and "every upload kept" in proc.stdout
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["problems"] == []
    assert figures["uploads"]["n"] == 6
    assert figures["views"]["n"] >= 100  # two seconds at 100 a second, give or take the start
