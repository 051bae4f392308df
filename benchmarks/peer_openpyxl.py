"""Reading every worksheet of every workbook in a folder with bare openpyxl (read-only, values only).

python benchmarks/peer_openpyxl.py DATA_DIR
"""

import sys
from pathlib import Path

from openpyxl import load_workbook


def main(folder: str) -> None:
    cells = 0
    for path in sorted(Path(folder).glob("*.xlsx")):
        wb = load_workbook(path, read_only=True, data_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells += len(row)
        wb.close()
    print(cells)


if __name__ == "__main__":
    main(sys.argv[1])
