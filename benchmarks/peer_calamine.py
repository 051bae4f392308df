"""Reading every worksheet of every workbook in a folder with python-calamine, as an analyst would
before checking anything: the floor for `scoring validate` on .xlsx files.

    python benchmarks/peer_calamine.py DATA_DIR
"""

import sys
from pathlib import Path

from python_calamine import CalamineWorkbook


def main(folder: str) -> None:
    cells = 0
    for path in sorted(Path(folder).glob("*.xlsx")):
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            rows = wb.get_sheet_by_name(name).to_python()
            cells += sum(map(len, rows))
    print(cells)


if __name__ == "__main__":
    main(sys.argv[1])
