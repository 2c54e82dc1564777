"""Put National Bureau of Statistics CSV exports into a workbook's data sheets.

Each export's indicator (地区生产总值, 进出口总额, …) picks the data sheet, its unit goes
to the sheet's unit cell (or, when the sheet already holds numbers in another unit, to the
unit row above the export's years), provinces are matched by name, and years by the header row
(missing year columns are added at the right). A non-empty cell is overwritten only
with ``overwrite=True``; everything not placed is reported.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field

from ..core.units import normalise_label
from ..errors import InputError
from ..panel.nbs import NbsExport, series_for_indicator
from ..panel.provinces import match_province
from . import layout
from .sheets import cell, is_blank, parse_year


@dataclass
class ImportReport:
    """What one export did to the workbook."""

    source: str
    sheet: str
    written: int = 0
    kept: list[str] = field(
        default_factory=list
    )  # cells left as they were (non-empty, no --overwrite)
    unplaced: list[str] = field(default_factory=list)  # provinces with no row on the sheet
    notes: list[str] = field(default_factory=list)
    #: cells inside a shared or array formula: kept even with --overwrite
    grouped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.source} → {self.sheet}: {self.written} cells written"]
        if self.kept:
            parts.append(
                f"{len(self.kept)} non-empty cells kept (use --overwrite to replace), "
                f"e.g. {', '.join(self.kept[:3])}"
            )
        if self.grouped:
            parts.append(
                f"{len(self.grouped)} cells kept inside a shared or array formula, which "
                f"cannot take values one cell at a time (clear the formula in Excel first), "
                f"e.g. {', '.join(self.grouped[:3])}"
            )
        if self.unplaced:
            parts.append(
                f"{len(self.unplaced)} provinces not on the sheet: {', '.join(self.unplaced)}"
            )
        return "; ".join(parts + self.notes)


def _unit_of_column(block, col: int, sheet_unit: object) -> object:
    """The unit of a year column: its unit-row cell (row 3) if any, else B2's."""
    own = cell(block, layout.UNIT_ROW, col)
    return sheet_unit if is_blank(own) else own


def _plan_units(export, block, sheet, rows, year_col, report, writes) -> None:
    """Put the export's unit in B2 (a sheet without numbers) or, for the years it brings,
    in the unit row (row 3) when the sheet's numbers are in another unit. Refuse only a
    year column that already holds numbers in another unit."""
    if not export.unit:
        report.notes.append("the export states no unit; check the unit cell")
        return
    sheet_unit = cell(block, *layout.UNIT_CELL)
    has_numbers = {
        c: any(isinstance(cell(block, r, c), (int, float)) for r in rows.values())
        for c in year_col.values()
    }
    same = normalise_label(export.unit).__eq__
    if is_blank(sheet_unit) or not any(has_numbers.values()):
        if is_blank(sheet_unit) or not same(normalise_label(sheet_unit)):
            writes[layout.UNIT_CELL] = export.unit
        return
    moved = []
    for year in export.values.columns:
        col = year_col[year]
        unit = _unit_of_column(block, col, sheet_unit)
        if same(normalise_label(unit)):
            continue
        if has_numbers.get(col):
            raise InputError(
                f"the export is in {export.unit} but column {year} of sheet {sheet} already holds "
                f"numbers in {unit}; clear that column or convert the export first",
                export.source,
            )
        writes[(layout.UNIT_ROW, col)] = export.unit
        moved.append(int(year))
    if moved:
        report.notes.append(
            f"the export is in {export.unit}, the sheet in {sheet_unit}: {export.unit} written "
            f"in row 3 above {min(moved)}–{max(moved)}; those years are converted to "
            f"{sheet_unit} when the tables are computed"
        )


def _plan_values(export, block, sheet, rows, year_col, overwrite, report, writes, formulas) -> None:
    """The value writes: each export value into its province row and year column, keeping
    non-empty cells unless ``overwrite``; provinces without a row are reported. A cell in
    ``formulas`` holds a user's formula: not empty, even when its result is blank."""
    for province, values in export.values.iterrows():
        r = rows.get(province)
        if r is None:
            report.unplaced.append(str(province))
            continue
        for year, value in values.items():
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            c = year_col[year]
            if (not is_blank(cell(block, r, c)) or (r, c) in formulas) and not overwrite:
                report.kept.append(layout.address(r, c, sheet))
                continue
            writes[(r, c)] = float(value)
            report.written += 1


def plan_import(
    export: NbsExport,
    block: list[list[object]],
    overwrite: bool = False,
    formulas: Collection[tuple[int, int]] = (),
    grouped: Collection[tuple[int, int]] = (),
) -> tuple[ImportReport, dict[tuple[int, int], object]]:
    """The cell writes (1-based (row, col) → value) that put ``export`` on its data sheet.

    ``block`` is the sheet's current content from A1; ``formulas`` its cells (row, col)
    that hold a formula, which count as non-empty whatever their result; ``grouped`` its
    cells inside a shared or array formula, never written, even with ``overwrite``. An export in
    another unit than the numbers already on the sheet gets its unit in the unit row
    (row 3) above its years. Raises :class:`InputError` when the indicator has no data
    sheet or a year column already holds numbers in another unit.
    """
    key = series_for_indicator(export.indicator)
    if key is None:
        raise InputError(
            f"indicator {export.indicator!r} is not one of the series this workbook uses "
            "(trade, FIE, GDP, population, exchange rate)",
            export.source,
        )
    sheet = layout.DATA_SHEETS[key]
    report = ImportReport(export.source, sheet)
    writes: dict[tuple[int, int], object] = {}

    header = block[layout.HEADER_ROW - 1] if len(block) >= layout.HEADER_ROW else []
    year_col = {
        parse_year(v): c
        for c, v in enumerate(header, start=1)
        if c >= layout.FIRST_YEAR_COL and parse_year(v)
    }
    next_col = (
        max(
            [
                layout.FIRST_YEAR_COL - 1,
                *[c for c, v in enumerate(header, start=1) if not is_blank(v)],
            ]
        )
        + 1
    )
    for year in export.values.columns:
        if year not in year_col:
            year_col[year] = next_col
            writes[(layout.HEADER_ROW, next_col)] = int(year)
            next_col += 1

    rows = {}
    for r in range(layout.FIRST_DATA_ROW, len(block) + 1):
        name = cell(block, r, 1)
        if not is_blank(name):
            rows[match_province(str(name)) or str(name).strip()] = r

    _plan_units(export, block, sheet, rows, year_col, report, writes)

    formulas = set(formulas)
    _plan_values(export, block, sheet, rows, year_col, overwrite, report, writes, formulas)
    if not overwrite:  # a unit or year header over a formula whose result is blank
        for at in sorted(set(writes) & formulas):
            del writes[at]
            report.kept.append(layout.address(*at, sheet))
    for at in sorted(set(writes) & set(grouped)):
        del writes[at]
        report.grouped.append(layout.address(*at, sheet))
    return report, writes
