"""How the reproducibility stamp is printed in a report (labels, order, footer keys).

The stamp itself is :class:`scoring.history.stamp.Stamp` (``as_dict()``): the same criteria
and data hashes, engine and plugin versions and run number that the history store keeps,
so a printed sheet can be traced to its run.  Unknown keys are printed under their own name.
"""
from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "criteria_sha256": ("评分细则 SHA-256", "Criteria SHA-256"),
    "data_sha256": ("报送数据 SHA-256", "Data SHA-256"),
    "engine": ("评分引擎版本", "Engine version"),
    "plugins": ("插件版本", "Plugin versions"),
    "methods": ("评分方法来源", "Methods from"),
    "run": ("运行编号", "Run"),
    "status": ("状态", "Status"),
    "corrects": ("更正的运行", "Corrects run"),
    "seal_sha256": ("定稿封印 SHA-256", "Seal SHA-256"),
    "office_public_key": ("考核办公钥（Ed25519）", "Office public key (Ed25519)"),
    "blank_gaps": ("按细则 missing 处理的空单元格", "Blank cells handled by the missing policy"),
}
# what fits in a page footer; the full stamp is printed at the end of a report
FOOTER_KEYS = ("criteria_sha256", "data_sha256", "engine", "run", "seal_sha256")


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
        if (keys is not None and k not in keys) or stamp[k] in (None, "", {}):
            continue  # e.g. no run number for a run not saved
        label = LABELS.get(k, (k, k))[1 if lang == "en" else 0]
        out.append((label, _value(stamp[k])))
    return out
