"""How the reproducibility stamp is printed in a report (labels, order, footer keys).

The stamp itself is :class:`scoring.history.stamp.Stamp` (``as_dict()``): the same criteria
and data hashes, engine and plugin versions and run number that the history store keeps,
so a printed sheet can be traced to its run.  Unknown keys are printed under their own name.
"""

from __future__ import annotations

from ..i18n import has, t

# the stamp's keys in their printed order; each is labelled by the catalogue's stamp.label.<key>
KEYS = ("criteria_sha256", "data_sha256", "engine", "plugins", "methods", "run", "status", "corrects", "seal_sha256", "office_public_key", "blank_gaps")
# what fits in a page footer; the full stamp is printed at the end of a report
FOOTER_KEYS = ("criteria_sha256", "data_sha256", "engine", "run", "seal_sha256")


def _value(v, lang: str) -> str:
    if isinstance(v, dict):
        return t("sep.list", lang).join(f"{k} {x}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return t("sep.list", lang).join(str(x) for x in v)
    return str(v)


def stamp_items(stamp: dict | None, lang: str = "zh", keys=None) -> list[tuple[str, str]]:
    """(label, value) pairs in a stable order: known keys first, then the rest by name."""
    if not stamp:
        return []
    known = [k for k in KEYS if k in stamp]
    rest = sorted(k for k in stamp if k not in KEYS)
    out = []
    for k in known + rest:
        if (keys is not None and k not in keys) or stamp[k] in (None, "", {}):
            continue  # e.g. no run number for a run not saved
        label = t(f"stamp.label.{k}", lang) if has(f"stamp.label.{k}") else k
        out.append((label, _value(stamp[k], lang)))
    return out
