"""Every number a workbook holds is written as the decimal the criteria round it to, never with float noise.

The score 5.31 out of 6 loses 0.69; the double nearest 0.69 written with 16 significant digits is
"0.6899999999999999", the same double but not the number the HTML and JSON show. Each ``<v>`` of every
sheet of the bundled examples' workbooks (the office report and the units' 考核结果反馈) has at most as
many decimals as the criteria's precision, and is the shortest text of its double.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from hypothesis import given, settings, strategies as st

from builders import examples
from helpers import ROOT

from scoring.api import decide, load_criteria, papers, report, score
from scoring.core.rounding import round_half_up
from scoring.report import sheetml
from scoring.report.sheetml import NUMBER, Look, Slot

EXAMPLES = ["yitong-2020", "yaoan-2018", "yaoan-2019", "yaoan-2020"]
PUB = {"public_from": "2021-01-15", "public_to": "2021-01-21", "contact": "0434-4222222"}
V = re.compile(rb"<v>([^<]*)</v>")


def _noisy(data: bytes, places: int) -> list[tuple[str, str]]:
    """(part, text) of each number cell written with more decimals than ``places``, or not as its double's
    shortest text."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if not name.startswith("xl/worksheets/sheet"):
                continue
            for m in V.finditer(z.read(name)):
                text = m.group(1).decode()
                decimals = len(text.split(".", 1)[1]) if "." in text and "e" not in text else 0
                shortest = repr(float(text)).removesuffix(".0")
                if decimals > places or text != shortest:
                    out.append((name, text))
    return out


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_number_of_the_examples_workbooks_is_its_rounded_decimal(name):
    run = score(load_criteria(ROOT / "criteria" / f"{name}.toml"), ROOT / "examples" / name, db=":memory:")
    places = run.results.criteria.assessment.precision
    dec = decide(run, db=":memory:")
    office = report(run, "xlsx", decisions=dec)
    assert _noisy(office, places) == []
    with zipfile.ZipFile(io.BytesIO(office)) as z:
        numbers = sum(len(V.findall(z.read(n))) for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert numbers > 100  # the scan saw the report's numbers
    units = papers(run, "unit", "xlsx", publication=PUB, decisions=dec)
    assert len(units) == len(run.results.data.ids)
    for file, data in units[:: max(1, len(units) // 12)]:
        assert _noisy(data, places) == [], file


@settings(max_examples=examples(100), deadline=None)
@given(
    places=st.integers(0, 6),
    xs=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=6),
)
def test_a_rounded_number_is_written_as_its_decimal_by_either_path(places, xs):
    """Sheet.row and Rows write a value rounded half up to ``places`` with at most ``places`` decimals, and
    the text reads back as the very double."""
    values = [round_half_up(x, places) for x in xs]
    book = sheetml.Book("t", "t")
    s = book.sheet("s", places)
    look = Look(fmt="0." + "0" * places if places else "0")
    for r, v in enumerate(values, start=1):
        s.row(r, [(1, v, look)])
    rows = s.rows(len(values) + 1, len(values), 1)
    rows.put(0, [Slot(2, NUMBER, look)], [values])
    rows.write()
    data = b"".join([*book.add(s), *book.close()])
    assert _noisy(data, places) == []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        got = [float(t) for t in V.findall(z.read("xl/worksheets/sheet1.xml"))]
    assert got == values + values
