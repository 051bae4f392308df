"""The same one-off as peer_pandas.py, written with polars: read the CSV files, join, weighted sum,
rank within category, write CSV.

    python benchmarks/peer_polars.py DATA_DIR WSUM_JSON OUT_CSV

Weights come from wsum.json (made by generate.py): per category, one weight per field.
Totals are rounded to 6 decimals before ranking; ties share the better rank (1, 2, 2, 4).
"""

import json
import sys
from pathlib import Path

import polars as pl


def main(data_dir: str, wsum_json: str, out_csv: str) -> None:
    spec = json.loads(Path(wsum_json).read_text(encoding="utf-8"))
    fields = spec["fields"]
    folder = Path(data_dir)
    table = pl.read_csv(folder / "units.csv", schema_overrides={"单位编号": pl.String})
    for path in sorted(folder.glob("*.csv")):
        if path.name == "units.csv":
            continue
        df = pl.read_csv(path, schema_overrides={"单位编号": pl.String})
        keep = [c for c in df.columns if c in fields]
        if keep:
            table = table.join(df.select(["单位编号", *keep]), on="单位编号", how="left")
    weights = pl.DataFrame({"类别": list(spec["weights"]), **{f: [w[j] for w in spec["weights"].values()] for j, f in enumerate(fields)}})
    w = table.select("类别").join(weights, on="类别", how="left", maintain_order="left").select(fields).to_numpy()
    total = ((table.select(fields).to_numpy() * w).sum(axis=1) / 100).round(6)
    out = (
        table.with_columns(pl.Series("总分", total))
        .with_columns(pl.col("总分").rank(method="min", descending=True).over("类别").cast(pl.Int64).alias("名次"))
        .select(["类别", "名次", "单位编号", "单位名称", "总分"])
        .sort(["类别", "名次", "单位编号"])
    )
    out.write_csv(out_csv, include_bom=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
