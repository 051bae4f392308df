"""The reproducibility stamp printed in every report's footer.

A stamp is a plain dict, so a run stored elsewhere can carry more keys (engine and plugin
versions, a run id); known keys get a label, unknown ones are printed under their own name.

The data hash can be checked by hand with standard tools::

    cd 数据目录 && LC_ALL=C sha256sum *.csv | sha256sum

that is: SHA-256 of the lines ``<sha256 of file>  <file name>`` of every ``*.csv`` in the
folder, sorted by name (bytewise), each ending in a newline.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

DATA_PATTERNS = ("*.csv",)  # what the data loader reads

LABELS: dict[str, tuple[str, str]] = {
    "criteria_file": ("评分细则文件", "Criteria file"),
    "criteria_sha256": ("评分细则 SHA-256", "Criteria SHA-256"),
    "data_sha256": ("报送数据 SHA-256", "Data SHA-256"),
    "data_files": ("数据文件数", "Data files"),
    "engine": ("评分引擎版本", "Engine version"),
    "plugins": ("插件版本", "Plugin versions"),
    "run": ("运行编号", "Run"),
    "created": ("计算时间", "Computed at"),
}
# what fits in a page footer; the full stamp is printed at the end of a report
FOOTER_KEYS = ("criteria_sha256", "data_sha256", "engine", "run")


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def data_files(folder: str | Path) -> list[Path]:
    folder = Path(folder)
    files = {p for pat in DATA_PATTERNS for p in folder.glob(pat) if p.is_file()}
    return sorted(files, key=lambda p: p.name.encode("utf-8"))


def data_sha256(folder: str | Path) -> str:
    """Same as ``LC_ALL=C sha256sum *.csv | sha256sum`` run in the folder."""
    listing = "".join(f"{file_sha256(p)}  {p.name}\n" for p in data_files(folder))
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def stamp_for(criteria_path: str | Path, data_dir: str | Path) -> dict:
    return {
        "criteria_file": Path(criteria_path).name,
        "criteria_sha256": file_sha256(criteria_path),
        "data_sha256": data_sha256(data_dir),
        "data_files": len(data_files(data_dir)),
    }


def _value(v) -> str:
    if isinstance(v, dict):
        return "，".join(f"{k} {x}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return "，".join(str(x) for x in v)
    return str(v)


def stamp_items(stamp: dict | None, lang: str = "zh", keys=None) -> list[tuple[str, str]]:
    """(label, value) pairs in a stable order: known keys first, then the rest by name."""
    if not stamp:
        return []
    known = [k for k in LABELS if k in stamp]
    rest = sorted(k for k in stamp if k not in LABELS)
    out = []
    for k in known + rest:
        if keys is not None and k not in keys:
            continue
        label = LABELS.get(k, (k, k))[1 if lang == "en" else 0]
        out.append((label, _value(stamp[k])))
    return out
