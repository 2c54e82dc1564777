"""The data sheets (Trade, FIE, GDP, Population, FX) in yearbook layout → :class:`SeriesData`.

Unit in B2, optionally a year's own unit in row 3, years in row 4 from column C, one row
per province from row 5. Every cell that is not a plain number or blank, and every header
that is not one year, is named with its sheet and cell.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ...core import cells
from ...core.cells import classify_cell
from ...errors import InputError
from ...panel.quality import QualityKind, QualityRecord
from ...panel.tidy import SeriesData
from .. import layout
from .blocks import Block, cell, is_blank, parse_year, row_label


def _header_years(key: str, block: Block, sheet: str, issues: list[QualityRecord]):
    """(year, column) of each year header in row 4, in sheet order.

    A column of numbers under a blank, malformed or repeated year header stops the run with
    :class:`InputError` naming the header cell: its numbers would otherwise be dropped (and
    the year filled in) or serve as another year's. A malformed header over text only, or a
    repeated one over an empty column, is recorded; a sequence of years that runs neither
    up nor down is warned about (:func:`_note_disorder`).
    """
    header = list(block[layout.HEADER_ROW - 1]) if len(block) >= layout.HEADER_ROW else []
    width = max((len(row) for row in block), default=0)
    year_cols: list[tuple[int, int]] = []
    first_col: dict[int, int] = {}
    for col in range(layout.FIRST_YEAR_COL, width + 1):
        value = header[col - 1] if col <= len(header) else None
        where = layout.address(layout.HEADER_ROW, col, sheet)
        year = parse_year(value)
        if year is None:
            _bad_header(key, block, col, value, where, issues)
        elif year in first_col:
            _repeated_header(key, block, col, year, first_col[year], sheet, issues)
        else:
            first_col[year] = col
            year_cols.append((year, col))
    _note_disorder(key, year_cols, sheet, issues)
    return year_cols


def _numbers_below(block: Block, col: int) -> tuple[int, int]:
    """Cells under the header row of column ``col``: (numbers, anything not blank)."""
    kinds = [
        classify_cell(cell(block, r, col))[1] for r in range(layout.FIRST_DATA_ROW, len(block) + 1)
    ]
    numbers = sum(kind in (cells.NUMBER, cells.NUMERIC_TEXT) for kind in kinds)
    return numbers, sum(kind != cells.BLANK for kind in kinds)


def _guess_year(block: Block, col: int) -> int | None:
    """The year a header cell most likely means, from its neighbours: between two headers
    two years apart, or continuing the step of the two headers on one side.

    >>> _guess_year([[], [], [], ["", "", 2009, None, 2011]], 4)
    2010
    >>> _guess_year([[], [], [], ["", "", 2012, 2011, None]], 5)
    2010
    >>> _guess_year([[], [], [], ["", "", 2009, None, 2015]], 4) is None
    True
    """

    def year_at(c: int) -> int | None:
        return parse_year(cell(block, layout.HEADER_ROW, c)) if c >= layout.FIRST_YEAR_COL else None

    left, right = year_at(col - 1), year_at(col + 1)
    if left and right and abs(right - left) == 2:
        return (left + right) // 2
    for near, far in ((left, year_at(col - 2)), (right, year_at(col + 2))):
        if near and far and abs(near - far) == 1:
            return near + (near - far)
    return None


def _bad_header(key, block, col, value, where, issues) -> None:
    """Stop at a blank or malformed header over numbers; record a malformed one over text."""
    numbers, filled = _numbers_below(block, col)
    what = "blank" if is_blank(value) else f"{value!r}, not a year such as 1998,"
    if numbers:
        guess = _guess_year(block, col)
        raise InputError(
            f"the year header is {what} over {numbers} number(s); type the year"
            + (f" ({guess})" if guess else "")
            + " or clear the column",
            where,
        )
    if is_blank(value) and not filled:
        return
    used = f"; the {filled} cell(s) below it are not used" if filled else ""
    detail = f"year header {what}{used}: write the year in {where}"
    issues.append(QualityRecord(QualityKind.HEADER, key, None, None, where, detail))


def _repeated_header(key, block, col, year, first, sheet, issues) -> None:
    """Stop at a repeated year over numbers (they would be dropped, or serve as the other
    column's year); note one over a column without numbers (the first column is used)."""
    where = layout.address(layout.HEADER_ROW, col, sheet)
    first_where = layout.address(layout.HEADER_ROW, first)
    numbers, _ = _numbers_below(block, col)
    if numbers:
        both = (
            "both columns hold numbers"
            if _numbers_below(block, first)[0]
            else (f"the {numbers} number(s) under this one would not be used")
        )
        raise InputError(
            f"year {year} is also the header of {first_where}, and {both}; correct the year "
            "of the one that is wrong (each year once)",
            where,
        )
    detail = (
        f"year {year} appears more than once on sheet {sheet} (first in {first_where}); "
        "this column holds no numbers and is not used"
    )
    issues.append(QualityRecord(QualityKind.NOTE, key, None, year, where, detail))


def _note_disorder(key, year_cols, sheet, issues) -> None:
    """Warn when the year headers run neither up (the template) nor down (NBS exports):
    two headers swapped make each column's numbers serve as the other year's.

    One record for the sheet, naming each pair of headers against the main direction.
    """
    steps = list(zip(year_cols, year_cols[1:], strict=False))
    up = sum(y1 > y0 for (y0, _), (y1, _) in steps)
    if up in (0, len(steps)):
        return
    against = [
        (a, b) for a, b in steps if (b[0] > a[0]) != (2 * up >= len(steps))
    ]  # ties: read as ascending (the template's order)
    cells_of = [
        f"{layout.address(layout.HEADER_ROW, c0)} ({y0}) then "
        f"{layout.address(layout.HEADER_ROW, c1)} ({y1})"
        for (y0, c0), (y1, c1) in against
    ]
    (y0, c0), (y1, c1) = against[0]
    where = layout.address(layout.HEADER_ROW, c0, sheet)
    if c1 == c0 + 1:
        where += f":{layout.address(layout.HEADER_ROW, c1)}"
    detail = (
        f"year headers on sheet {sheet} run neither up nor down: {'; '.join(cells_of)}. "
        "Each column's numbers are used for the year above it: check that the headers were "
        "not swapped"
    )
    issues.append(QualityRecord(QualityKind.ORDER, key, None, y1, where, detail))


#: How each kind of cell content is noted on the Quality sheet (None: not noted).
_CELL_NOTES = {
    cells.NUMERIC_TEXT: "text {raw!r} read as the number {number}; type it as a number",
    cells.PLACEHOLDER: "{raw!r} is a no-data mark: the value is missing",
    cells.TEXT: "{raw!r} is not a number: an error in the data, never filled; "
    "type the number or leave the cell blank",
    cells.ERROR_VALUE: "{raw!r} is not a number: an error in the data, never filled",
}
#: Quality kind of each noted cell content.
_CELL_KINDS = {
    cells.NUMERIC_TEXT: QualityKind.NUMERIC_TEXT,
    cells.PLACEHOLDER: QualityKind.PLACEHOLDER,
    cells.TEXT: QualityKind.TEXT,
    cells.ERROR_VALUE: QualityKind.ERROR_VALUE,
}


def _read_cell(key, name, year, raw, r, col, sheet, issues, errors) -> float:
    """One data cell by the one cell rule; noted (with its address) when it is not a plain
    number or blank."""
    number, kind = classify_cell(raw)
    if kind in _CELL_NOTES:
        detail = _CELL_NOTES[kind].format(raw=raw, number=cells.number_text(number))
        where = layout.address(r, col, sheet)
        issues.append(QualityRecord(_CELL_KINDS[kind], key, name, year, where, detail))
    if kind in (cells.TEXT, cells.ERROR_VALUE) and name is not None:
        errors.add((name, year))
    return number


#: Cell types that :func:`~addin.core.cells.classify_cell` reads without a note (exact
#: types: ``bool`` is a subclass of ``int`` but reads as text).
_PLAIN_TYPES = frozenset({float, int, type(None)})


def _year_cells(year_cols) -> Callable[[Sequence[object]], list[object]]:
    """A function giving a sheet row's cells under the year headers (None beyond its end):
    a slice when the year columns are side by side (the usual case).

    >>> _year_cells([(2000, 3), (2001, 4)])(["a", "b", 1.0])
    [1.0, None]
    >>> _year_cells([(2000, 3), (2001, 5)])(["a", "b", 1.0, "x", 2.0])
    [1.0, 2.0]
    """
    cols = [col for _, col in year_cols]
    start, stop = (cols[0] - 1, cols[-1]) if cols else (0, 0)
    if cols != list(range(start + 1, stop + 1)):

        def pick(row: Sequence[object]) -> list[object]:
            width = len(row)
            return [row[col - 1] if col <= width else None for col in cols]

        return pick

    def pick_slice(row: Sequence[object]) -> list[object]:
        raw = list(row[start:stop])
        return raw + [None] * (stop - start - len(raw)) if len(raw) < stop - start else raw

    return pick_slice


def _read_row(key, name, raw, r, year_cols, sheet, issues, errors) -> list[float]:
    """The year cells ``raw`` of one sheet row as floats, by the one cell rule.

    A row of plain numbers and blanks (the usual case) is converted by numpy in one step;
    only a row holding anything else is read cell by cell, and only the cells that are
    noted get an address.
    """
    if set(map(type, raw)) <= _PLAIN_TYPES:
        try:
            return np.array(raw, dtype=float).tolist()  # None → NaN
        except OverflowError:  # an int too large for a float: the cell rule makes it ±inf
            pass
    return [
        _read_cell(key, name, year, value, r, col, sheet, issues, errors)
        for value, (year, col) in zip(raw, year_cols, strict=True)
    ]


def _unit_row(block: Block, year_cols, sheet: str) -> tuple[dict[int, object], dict[int, str]]:
    """The optional per-year unit row (row 3): year → unit text (where one is written) and
    year → its cell (every year column, so a message can say where to write one)."""
    units, where = {}, {}
    for year, col in year_cols:
        value = cell(block, layout.UNIT_ROW, col)
        where[year] = layout.address(layout.UNIT_ROW, col, sheet)
        if not is_blank(value):
            units[year] = value
    return units, where


def read_data_sheet(key: str, block: Block, sheet: str | None = None) -> SeriesData:
    """One data sheet in yearbook layout → :class:`SeriesData`.

    Layout: unit in B2, optionally a year's own unit in row 3 above its header, years in
    row 4 from column C, one row per province from row 5 (name in column A, region in B,
    for information only). The FX sheet has a single row of rates. Cells are read by
    :func:`~addin.core.cells.classify_cell`; everything but plain numbers and blanks is
    recorded, and text or error cells are marked never to be filled.
    """
    sheet = sheet or layout.DATA_SHEETS[key]
    issues: list[QualityRecord] = []
    errors: set[tuple[str, int]] = set()
    year_cols = _header_years(key, block, sheet, issues)
    labels, rows, row_numbers = [], [], []
    first_row: dict[str, int] = {}
    last_row = layout.FIRST_DATA_ROW if key == "fx" else len(block)
    year_cells = _year_cells(year_cols)
    for r in range(layout.FIRST_DATA_ROW, last_row + 1):
        name = "CNY/USD" if key == "fx" else row_label(cell(block, r, 1))
        if name is not None and name in first_row:
            issues.append(
                QualityRecord(
                    QualityKind.DUPLICATE,
                    key,
                    name,
                    None,
                    layout.address(r, 1, sheet),
                    f"{name} appears more than once on sheet {sheet} (first in row "
                    f"{first_row[name]}); the first row is used",
                )
            )
            continue
        row = block[r - 1] if r <= len(block) else ()
        values = _read_row(key, name, year_cells(row), r, year_cols, sheet, issues, errors)
        if name is None:
            if any(not math.isnan(v) for v in values):
                issues.append(
                    QualityRecord(
                        QualityKind.TEXT,
                        key,
                        None,
                        None,
                        layout.address(r, 1, sheet),
                        "numbers in a row without a province name in column A; the row is skipped",
                    )
                )
            continue
        first_row[name] = r
        labels.append(name)
        rows.append(values)
        row_numbers.append(r)

    frame = pd.DataFrame(
        rows, index=pd.Index(labels, dtype=object), columns=[y for y, _ in year_cols], dtype=float
    )
    column_of = dict(year_cols)
    rows_of = dict(zip(labels, row_numbers, strict=True))
    header_cols = set(column_of.values())

    def locate(label: str, year: int) -> str | None:
        """The cell of a province-year; for a year without a header (a blank or malformed
        one), the cell where that year's column would be, between its neighbours."""
        if label in rows_of and year in column_of:
            return layout.address(rows_of[label], column_of[year], sheet)
        guesses = (column_of.get(year - 1, -1) + 1, column_of.get(year + 1, 0) - 1)
        col = next((c for c in guesses if c >= layout.FIRST_YEAR_COL), None)
        if label not in rows_of or col is None or col in header_cols:
            return None
        return layout.address(rows_of[label], col, sheet)

    label_cells = {
        label: layout.address(r, 1, sheet) for label, r in zip(labels, row_numbers, strict=True)
    }
    year_units, year_unit_cells = _unit_row(block, year_cols, sheet)
    return SeriesData(
        key,
        cell(block, *layout.UNIT_CELL),
        frame,
        sheet,
        layout.address(*layout.UNIT_CELL, sheet),
        locate,
        issues,
        label_cells,
        errors=frozenset(errors),
        year_units=year_units,
        year_unit_cells=year_unit_cells,
    )


def is_read_cell(ref: str) -> bool:
    """Whether the computation reads cell ``ref`` ("D7") of a data sheet: the unit cell, the
    year headers, the row labels and the values (not titles or the region column)."""
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    if not m:
        return True
    col = layout.column_index(m.group(1))
    row = int(m.group(2))
    if (row, col) == layout.UNIT_CELL:
        return True
    if row == layout.HEADER_ROW:
        return col >= layout.FIRST_YEAR_COL
    return row >= layout.FIRST_DATA_ROW and (col == 1 or col >= layout.FIRST_YEAR_COL)


def layout_notes(
    key: str, sheet: str, hidden_rows: Sequence[int], merged: Sequence[str], n_rows: int
) -> list[QualityRecord]:
    """Quality notes on a data sheet's hidden rows and merged cells.

    Hidden rows within the data are used as they are; in a merged range only the top-left
    cell holds a value, the others read as blank. Each is noted so the user can check.
    (Formulas without a stored result are refused before this, by
    :func:`addin.workbook.regenerate.refuse_uncomputed`.)
    """
    notes: list[QualityRecord] = []
    rows = sorted(r for r in set(hidden_rows) if layout.FIRST_DATA_ROW <= r <= n_rows)
    runs: list[list[int]] = []
    for r in rows:
        if runs and r == runs[-1][-1] + 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    for run in runs:
        what = f"row {run[0]} is" if len(run) == 1 else f"rows {run[0]}–{run[-1]} are"
        notes.append(
            QualityRecord(
                QualityKind.NOTE,
                key,
                None,
                None,
                layout.address(run[0], 1, sheet),
                f"{what} hidden on sheet {sheet}; the values there are used",
            )
        )
    for ref in merged:
        bounds = _range_bounds(ref)
        if bounds is None or bounds[2] < layout.HEADER_ROW:
            continue  # merged titles above the table are harmless
        notes.append(
            QualityRecord(
                QualityKind.NOTE,
                key,
                None,
                None,
                f"{layout.quote_sheet(sheet)}!{ref}",
                f"merged cells {ref} on sheet {sheet}: only the top-left cell holds a value, "
                "the others read as blank; unmerge them and fill each cell",
            )
        )
    return notes


def _range_bounds(ref: str) -> tuple[int, int, int, int] | None:
    """'D7:E9' → (first row, first col, last row, last col) = (7, 4, 9, 5); None if not a range."""
    m = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?", ref.strip().upper())
    if not m:
        return None
    col = layout.column_index
    r0, c0 = int(m.group(2)), col(m.group(1))
    r1, c1 = (int(m.group(4)), col(m.group(3))) if m.group(3) else (r0, c0)
    return min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)
