"""Tables → cell blocks for the output sheets, and the chart ranges that go with them.

Pure: the same blocks are written by the file engine and the Excel engine, so the two
give identical sheets. Numbers are written unrounded (formats round on screen); a
missing value is an empty cell. Table columns are converted a column at a time
(:func:`_cells`), not cell by cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..panel import measures
from ..panel.tables import Tables
from . import layout


@dataclass(frozen=True)
class SheetBlock:
    """What regeneration writes to one output sheet: rows from A1, and the data extent.

    Rows 1 (title) and :data:`layout.OUT_HEADER_ROW` (column headers) are styled by the
    engines; ``formats`` gives each column's number format over the data rows, from the
    registry (None: leave as is). A row is a list or a tuple (the data rows: tuples, made
    at once from the table's columns).
    """

    sheet: str
    rows: list[Sequence[object]]
    n_data_rows: int
    columns: tuple[str, ...]

    @property
    def formats(self) -> tuple[str | None, ...]:
        return tuple(measures.number_format(key) for key in self.columns)

    @property
    def header_height(self) -> float:
        """Height (points) of the header row that shows every header whole, wrapped in the
        template's column widths: written into the file, so a program that does not fit rows
        to wrapped text on opening (headless LibreOffice) still shows "阿特金森指数 ε=0.5"."""
        if len(self.rows) < layout.OUT_HEADER_ROW:
            return LINE_HEIGHT
        headers = self.rows[layout.OUT_HEADER_ROW - 1]
        lines = (
            wrapped_lines(str(h), layout.column_width(self.sheet, c))
            for c, h in enumerate(headers, start=1)
            if h is not None
        )
        return LINE_HEIGHT * max(lines, default=1)


#: Points per line of 11-point text (Excel's and LibreOffice's default row height).
LINE_HEIGHT = 15.0


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` characters wide, at its
    spaces (a word wider than the column breaks where it must).

    >>> wrapped_lines("2010", 14), wrapped_lines("省份数 2010 Provinces 2010", 14)
    (1, 2)
    >>> wrapped_lines("阿特金森指数 ε=0.5 Atkinson ε=0.5", 14)
    3
    """
    room = max(int(width), 1)
    lines, used = 1, 0
    for word in text.split():
        size = layout.text_width(word)
        if used and used + 1 + size <= room:
            used += 1 + size
            continue
        if used:
            lines += 1
        lines += (size - 1) // room
        used = (size - 1) % room + 1
    return lines


@dataclass(frozen=True)
class ChartRanges:
    """References of one chart's categories and series (names and values)."""

    sheet: str
    categories: str
    series: list[tuple[str, str]]  # (name cell reference, values reference)


def _value(v: object) -> object:
    """A cell's value: a Python scalar, None where missing (NaN, None)."""
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    return v


def _cells(column: pd.Series) -> list[object]:
    """:func:`_value` of each value of ``column``, converted a column at a time where its
    dtype allows (numpy numbers and booleans, text with NaN for missing)."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        values = column.tolist()  # Python scalars
        if dtype.kind == "f":
            for i in np.flatnonzero(np.isnan(column.to_numpy())).tolist():
                values[i] = None
        return values
    if isinstance(dtype, pd.StringDtype) and dtype.na_value is not pd.NA:  # "str": NaN missing
        return column.to_numpy(dtype=object, na_value=None).tolist()
    return [_value(v) for v in column]


def _header(key: object, language: str) -> object:
    """A column's header cell: a year column's header is the year as a number (so
    ``=MATCH(2010, Table1!4:4, 0)`` finds it, as on the sheets with a year column), any
    other column its label in ``language``.

    >>> _header(2010, "both"), _header("annual_change", "en")
    (2010, 'Average annual change')
    """
    return key if isinstance(key, int) else layout.label(key, language)


def _block(
    sheet: str,
    frame: pd.DataFrame,
    columns: tuple[str, ...],
    language: str,
) -> SheetBlock:
    notes = frame.attrs.get("notes", [])
    rows: list[Sequence[object]] = [
        [layout.title(sheet, language)],
        [notes[0] if notes else ""],
        [],
        [_header(c, language) for c in columns],
    ]
    data = frame[list(columns)]
    cells = [_cells(data.iloc[:, j]) for j in range(len(columns))]
    rows += zip(*cells) if cells else [() for _ in range(len(frame))]
    rows.append([])
    rows += [[f"• {n}"] for n in notes]
    return SheetBlock(sheet, rows, len(frame), columns)


def _columns(table: str, frame: pd.DataFrame, options) -> tuple:
    """The registry's columns of ``table``; Table 1 has its years between name_en and the
    annual change, then how many provinces each mean used per year (``n_<year>``)."""
    columns = measures.table_columns(table, options)
    if table != "table1":
        return columns
    years = tuple(c for c in frame.columns if isinstance(c, int))
    return (*columns, *years, "annual_change", *(measures.count_key(y) for y in years))


def render(tables: Tables) -> list[SheetBlock]:
    """Every output sheet as a :class:`SheetBlock`, in sheet order."""
    options = tables.panel.options
    blocks = []
    for sheet, table in layout.SHEET_TABLES.items():
        frame = getattr(tables, table)
        columns = _columns(table, frame, options)
        blocks.append(_block(sheet, frame, columns, options.language))
    return blocks


def chart_ranges(blocks: list[SheetBlock]) -> list[ChartRanges]:
    """Where each chart of :data:`layout.CHARTS` must point after writing ``blocks``."""
    by_sheet = {b.sheet: b for b in blocks}
    out = []
    for spec in layout.CHARTS:
        block = by_sheet[spec.sheet]
        last = layout.OUT_FIRST_ROW + max(block.n_data_rows, 1) - 1
        cats = layout.range_ref(spec.sheet, layout.OUT_FIRST_ROW, 1, last, 1)
        series = []
        for key in measures.chart_series(layout.SHEET_TABLES[spec.sheet], block.columns):
            col = block.columns.index(key) + 1
            name = layout.range_ref(
                spec.sheet, layout.OUT_HEADER_ROW, col, layout.OUT_HEADER_ROW, col
            ).split(":")[0]
            series.append(
                (name, layout.range_ref(spec.sheet, layout.OUT_FIRST_ROW, col, last, col))
            )
        out.append(ChartRanges(spec.sheet, cats, series))
    return out
