"""The disk alone: as many bytes as a file holds, written from memory as `scoring run --out` writes
its output (a temporary file, whole or absent: fsync, then renamed over the previous copy), in
pieces of 64 KiB (a province's JSON comes a unit at a time, about 60 KB each). Nothing is made:
what is left of a run's time besides this is reading, scoring and making the document.

    python benchmarks/disk_write.py LIKE_FILE OUT
"""

import sys
from pathlib import Path

from scoring.outfile import write_out

PIECE = b" " * 65536


def main(like: str, out: str) -> None:
    whole, rest = divmod(Path(like).stat().st_size, len(PIECE))
    write_out(out, [*([PIECE] * whole), PIECE[:rest]])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
