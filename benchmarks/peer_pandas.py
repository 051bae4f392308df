"""The peer a data analyst would write: read the CSV files, weighted sum, rank within category, write CSV.

    python benchmarks/peer_pandas.py DATA_DIR WSUM_JSON OUT_CSV

Weights come from wsum.json (made by generate.py): per category, one weight per field.
Totals are rounded to 6 decimals before ranking (as the engine does, so float noise
neither makes nor breaks a tie); ties share the better rank (1, 2, 2, 4).
"""

import json
import sys
from pathlib import Path

import pandas as pd


def main(data_dir: str, wsum_json: str, out_csv: str) -> None:
    spec = json.loads(Path(wsum_json).read_text(encoding="utf-8"))
    fields = spec["fields"]
    folder = Path(data_dir)
    units = pd.read_csv(folder / "units.csv", dtype=str, encoding="utf-8-sig").set_index("单位编号")
    frames = []
    for path in sorted(folder.glob("*.csv")):
        if path.name == "units.csv":
            continue
        df = pd.read_csv(path, encoding="utf-8-sig", dtype={"单位编号": str})
        keep = [c for c in df.columns if c in fields]
        if keep:
            frames.append(df.set_index("单位编号")[keep])
    table = units.join(frames)
    weights = pd.DataFrame(spec["weights"], index=fields).T  # category × field
    w = weights.loc[table["类别"]].to_numpy()
    table["总分"] = ((table[fields].to_numpy() * w).sum(axis=1) / 100).round(6)
    table["名次"] = table.groupby("类别")["总分"].rank(method="min", ascending=False).astype(int)
    out = table.reset_index()[["类别", "名次", "单位编号", "单位名称", "总分"]].sort_values(["类别", "名次", "单位编号"])
    out.to_csv(out_csv, index=False, encoding="utf-8-sig")


if __name__ == "__main__":
    main(*sys.argv[1:4])
