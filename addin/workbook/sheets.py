"""Reading the template's input sheets from plain cell blocks (no workbook library here).

An engine hands each sheet over as a list of rows of cell values starting at A1, as
openpyxl or xlwings deliver them (numbers, text, None, booleans, dates, error texts such
as ``"#N/A"``). These functions turn them into :class:`~addin.panel.tidy.SeriesData`, the
region mapping and :class:`~addin.panel.options.Options`, naming sheet and cell for every
problem.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..core import cells
from ..core.cells import classify_cell
from ..errors import InputError
from ..panel import measures
from ..panel.options import BANDS, Options
from ..panel.provinces import match_province
from ..panel.tidy import QualityRecord, SeriesData
from . import layout

Block = Sequence[Sequence[object]]


def cell(block: Block, row: int, col: int) -> object:
    """Value at 1-based (row, col), None beyond the block."""
    if row - 1 < len(block) and col - 1 < len(block[row - 1]):
        return block[row - 1][col - 1]
    return None


def is_blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, str) and value.strip() == "")
        or (isinstance(value, float) and math.isnan(value))
    )


def parse_year(value: object) -> int | None:
    """1998, 1998.0, "1998", "1998年" → 1998; anything else → None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and float(value).is_integer() and 1900 <= value <= 2200:
        return int(value)
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{4})\s*年?\s*", value)
        if m and 1900 <= int(m.group(1)) <= 2200:
            return int(m.group(1))
    return None


def _header_years(key: str, block: Block, sheet: str, issues: list[QualityRecord]):
    """(year, column) of each year header in row 4, first occurrence kept; blank or
    malformed headers above numbers, malformed headers, duplicates and disorder recorded."""
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
            issues.append(
                QualityRecord(
                    "duplicate",
                    key,
                    None,
                    year,
                    where,
                    f"year {year} appears more than once on sheet {sheet} (first in "
                    f"{layout.address(layout.HEADER_ROW, first_col[year])}); the first column "
                    "is used",
                )
            )
        else:
            first_col[year] = col
            year_cols.append((year, col))
    _note_disorder(key, year_cols, sheet, issues)
    return year_cols


def _numbers_below(block: Block, col: int) -> int:
    """How many cells under the header row of column ``col`` hold something other than blank."""
    return sum(
        classify_cell(cell(block, r, col))[1] != cells.BLANK
        for r in range(layout.FIRST_DATA_ROW, len(block) + 1)
    )


def _bad_header(key, block, col, value, where, issues) -> None:
    """Record a blank header over values, or a header that is not a year."""
    below = _numbers_below(block, col)
    if is_blank(value) and not below:
        return
    what = "blank" if is_blank(value) else f"{value!r} is not a year such as 1998"
    used = f"; the {below} value(s) below it are not used" if below else ""
    issues.append(
        QualityRecord(
            "header",
            key,
            None,
            None,
            where,
            f"year header {what}{used}: write the year in {where}",
        )
    )


def _note_disorder(key, year_cols, sheet, issues) -> None:
    for (y0, _), (y1, col) in zip(year_cols, year_cols[1:], strict=False):
        if y1 < y0:
            issues.append(
                QualityRecord(
                    "note",
                    key,
                    None,
                    None,
                    layout.address(layout.HEADER_ROW, col, sheet),
                    f"years on sheet {sheet} are not in increasing order ({y1} after {y0}); "
                    "they are sorted",
                )
            )
            return


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
    cells.NUMERIC_TEXT: "numeric-text",
    cells.PLACEHOLDER: "placeholder",
    cells.TEXT: "text",
    cells.ERROR_VALUE: "error-value",
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


def _row_label(value: object) -> str | None:
    if is_blank(value):
        return None
    text = str(value).strip()
    return match_province(text) or text


def _unit_row(block: Block, year_cols, sheet: str) -> tuple[dict[int, object], dict[int, str]]:
    """The optional per-year unit row (row 3): year → unit text and year → its cell."""
    units, where = {}, {}
    for year, col in year_cols:
        value = cell(block, layout.UNIT_ROW, col)
        if not is_blank(value):
            units[year] = value
            where[year] = layout.address(layout.UNIT_ROW, col, sheet)
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
        name = "CNY/USD" if key == "fx" else _row_label(cell(block, r, 1))
        if name is not None and name in first_row:
            issues.append(
                QualityRecord(
                    "duplicate",
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
                        "text",
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
                "note",
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
                "note",
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


def read_regions(block: Block) -> dict[str, str]:
    """The Regions sheet (A province, B region, from row 2) → ordered mapping."""
    mapping: dict[str, str] = {}
    for r in range(layout.REGIONS_FIRST_ROW, len(block) + 1):
        province, region = _row_label(cell(block, r, 1)), cell(block, r, 2)
        if province is None:
            continue
        if is_blank(region):
            raise InputError(
                f"{province} has no region; write its region in column B or delete the row",
                layout.address(r, 2, layout.REGIONS),
            )
        if province in mapping:
            raise InputError(
                f"{province} is listed twice (first as {mapping[province]})",
                layout.address(r, 1, layout.REGIONS),
            )
        mapping[province] = str(region).strip()
    if not mapping:
        raise InputError(
            "no provinces listed; write province names in column A and regions in column B from "
            "row 2",
            layout.REGIONS,
        )
    return mapping


def _yes(value: object, where: str) -> bool:
    text = str(value).strip().lower()
    if text in ("yes", "y", "true", "1", "是", "on"):
        return True
    if text in ("no", "n", "false", "0", "否", "off"):
        return False
    raise InputError(f"expected yes or no, found {value!r}", where)


def _years(value: object, where: str) -> tuple[int, ...]:
    parts = [p for p in re.split(r"[,，;；\s]+", str(value)) if p]
    years = tuple(parse_year(p) for p in parts)
    if not years or None in years:
        raise InputError(f"expected years such as 1993, 2000, 2022, found {value!r}", where)
    return years


def _stages(value: object, where: str) -> tuple[tuple[int, int], ...]:
    stages = []
    for part in [p for p in re.split(r"[;；\n]+", str(value)) if p.strip()]:
        m = re.fullmatch(r"\s*(\d{4})\s*[-–—~至到]\s*(\d{4})\s*", part)
        if not m:
            raise InputError(
                f"expected stages such as 1993-2000; 2001-2008, found {part.strip()!r}", where
            )
        stages.append((int(m.group(1)), int(m.group(2))))
    if not stages:
        raise InputError("no stages given; write e.g. 1993-2000; 2001-2008", where)
    return tuple(stages)


def _ratio(value: object, where: str) -> float:
    number, kind = classify_cell(value)
    if kind not in (cells.NUMBER, cells.NUMERIC_TEXT) or not number > 1:
        raise InputError(f"expected a number greater than 1, found {value!r}", where)
    return number


def _whole(value: object, where: str) -> int:
    number, kind = classify_cell(value)
    if kind not in (cells.NUMBER, cells.NUMERIC_TEXT) or not (
        number == int(number) and 0 <= number <= 1_000_000
    ):
        raise InputError(f"expected a whole number from 0 to 1,000,000, found {value!r}", where)
    return int(number)


#: Settings holding a list of a measure's parameter values (the Atkinson index's ε).
PARAMETER_OPTIONS = frozenset(p.option for p in measures.PARAMETERS)


def _numbers(value: object, where: str) -> tuple[float, ...]:
    """ "0.5, 1, 2" → (0.5, 1.0, 2.0); a single number cell → (its value,)."""
    number, kind = classify_cell(value)
    if kind in (cells.NUMBER, cells.NUMERIC_TEXT):
        return (number,)
    try:
        numbers = tuple(float(p) for p in re.split(r"[,，;；\s]+", str(value)) if p)
    except ValueError:
        numbers = ()
    if not numbers:
        raise InputError(f"expected numbers such as 0.5, 1, 2, found {value!r}", where)
    return numbers


_BAND = re.compile(
    r"\s*([0-9][0-9,.]*(?:[eE]\+?[0-9]+)?)\s*[-–—~至到]\s*([0-9][0-9,.]*(?:[eE]\+?[0-9]+)?)\s*"
)


def _band(value: object, where: str) -> tuple[float, float]:
    """'1-20', '0.005 – 5', '200~1,000,000' → (low, high)."""
    m = _BAND.fullmatch(str(value).translate(cells._HALF_WIDTH))
    bounds = [classify_cell(g) for g in m.groups()] if m else []
    if not bounds or any(kind != cells.NUMERIC_TEXT for _, kind in bounds):
        raise InputError(f"expected a band such as 1-20 (low-high), found {value!r}", where)
    (low, _), (high, _) = bounds
    if not low < high:
        raise InputError(f"the low end must be below the high end, found {value!r}", where)
    return low, high


#: What a Settings value may also be written as (Chinese labels of the choices).
_CHOICE_ALIASES = {"按输入": "as_entered", "换算": "converted", "统一换算": "converted"}


def _choice(setting: layout.Setting, value: object, where: str) -> str:
    text = str(value).strip()
    text = _CHOICE_ALIASES.get(text, text)
    if setting.choices and text not in setting.choices and setting.key != "output_unit":
        raise InputError(f"{text!r} is not one of {', '.join(setting.choices)}", where)
    return text


_PARSERS = {
    "table1_years": _years,
    "stages": _stages,
    "cv_weighted": _yes,
    "fill_gaps": _yes,
    "jump_ratio": _ratio,
    "outlier_ratio": _ratio,
    "series_ratio": _ratio,
    "permutations": _whole,
    "seed": _whole,
    **dict.fromkeys(BANDS, _band),
    **dict.fromkeys(PARAMETER_OPTIONS, _numbers),
}


def _check_version(found: dict[str, tuple[object, str]]) -> None:
    version = found.get("template_version", (None, ""))[0]
    if (
        version not in (None, "")
        and parse_year(version) is None
        and str(version).strip() != str(layout.TEMPLATE_VERSION)
        and version != layout.TEMPLATE_VERSION  # a file engine reads 1 as 1.0
    ):
        shown = f"{version:g}" if isinstance(version, float) else version  # 0, not 0.0
        raise InputError(
            f"this workbook was made by template version {shown}; this add-in reads version "
            f"{layout.TEMPLATE_VERSION}. Copy your data into a new template (yangtze template)",
            found["template_version"][1],
        )


def read_settings(block: Block) -> Options:
    """The Settings sheet (key in A, value in C) → validated :class:`Options`.

    Blank values take the default; a bad value raises :class:`InputError` naming its cell.
    Choices may also be written in Chinese (按输入 for as_entered, 换算 for converted).
    """
    found: dict[str, tuple[object, str]] = {}
    for r in range(1, len(block) + 1):
        key = cell(block, r, 1)
        if isinstance(key, str) and key.strip():
            found[key.strip()] = (cell(block, r, 3), layout.address(r, 3, layout.SETTINGS))
    _check_version(found)
    kwargs: dict[str, object] = {}
    for setting in layout.SETTINGS_ROWS:
        if setting.key == "template_version" or setting.key not in found:
            continue
        value, where = found[setting.key]
        if not is_blank(value):
            parse = _PARSERS.get(setting.key)
            kwargs[setting.key] = parse(value, where) if parse else _choice(setting, value, where)
    try:
        return Options(**kwargs)
    except InputError as exc:
        where = found.get(str(exc.where), (None, exc.where))[1]
        raise InputError(exc.detail, where) from None
