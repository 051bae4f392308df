"""The row-by-row reader: the tests' oracle for the reader in scoring/load/submissions.py.

It reads a wide table one row at a time and each cell through its field's parser, the
plainest way there is; the product reads the same table a column at a time (and a clean
CSV in one pass over its bytes). Both must give the same values, problems and notes in the
same order: tests/test_submissions_columnwise.py reads drawn folders both ways.
"""

from __future__ import annotations

from scoring.load import submissions
from scoring.errors import Problem
from scoring.load.submissions import is_blank, _unlabelled_cells
from scoring.load.values import as_text, cell, control_chars, shown


class RowByRowReader(submissions._Reader):
    """The product's reader with its wide tables read row by row, cell by cell."""

    def _wide_columns(self, t, st, rows, id_col, name_col, cat_col, fields, ev_cols, unlabelled, width, problems):
        unit_rows = st.unit_rows
        reported: set[int] = set()
        bad = self.cur_bad
        notes = self.notes
        count = 0
        for rn, row in rows:
            i = self._locate_unit(t, st, rn, row, id_col, name_col, cat_col, problems)
            _unlabelled_cells(t, rn, row, width, unlabelled, reported, problems)
            L = len(row)
            if i is None:
                continue
            if unit_rows[i]:
                problems.append(
                    Problem(
                        "data.duplicate_row",
                        {"unit": self.units.ids[i], "name": self.units.names[i], "other": int(unit_rows[i])},
                        file=t.file,
                        sheet=t.sheet,
                        row=rn,
                    )
                )
                continue
            unit_rows[i] = rn
            count += 1
            for j, f, parse, vals in fields:
                raw = row[j] if j < L else None
                if raw is None or raw == "":
                    if t.blank_cause is not None:
                        self._explain_blank(t, rn, j, f, i, problems.append)
                    continue
                v, code, args, nts = parse(raw)
                if nts:
                    for c in nts:
                        notes.cell(c, t, rn, j, f, raw)
                if code is not None:
                    problems.append(cell(code, args, t.file, rn, j, f, t.sheet))
                    bad.add((i, f))
                    continue
                if v is not None:
                    vals[i] = v
            for j, f in ev_cols:
                if j < L and not is_blank(row[j]):
                    chars = control_chars(row[j])
                    if chars:
                        problems.append(cell("data.control_char", {"chars": chars, "value": shown(row[j])}, t.file, rn, j, st.headers[j], t.sheet))
                        continue
                    st.evidence[(i, f)] = as_text(row[j]).strip()
        st.rows_read = count


def read_row_by_row(folder, criteria) -> submissions.ReadResult:
    return submissions.read_with(RowByRowReader, folder, criteria)
