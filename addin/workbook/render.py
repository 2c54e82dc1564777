"""Tables → cell blocks for the output sheets, and the chart ranges that go with them.

Pure: the same blocks are written by the file engine and the Excel engine, so the two
give identical sheets. Numbers are written unrounded (formats round on screen); a
missing value is an empty cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..panel.tables import Tables
from . import layout

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    layout.INDEX: (
        "province",
        "province_en",
        "region",
        "year",
        "trade_index",
        "invest_index",
        "open_index",
        "problem",
    ),
    layout.FACTORS: (
        "year",
        "trade_index",
        "invest_index",
        "open_index",
        "open_growth",
        "trade_contribution",
        "invest_contribution",
        "n",
    ),
    layout.DISPARITY: (
        "year",
        "n",
        "cv",
        "cv_plain",
        "theil_t",
        "theil_t_between",
        "theil_t_within",
        "theil_l",
        "theil_l_between",
        "theil_l_within",
        "gini",
        "n_weighted",
    ),
    layout.STAGES: (
        "stage",
        "first",
        "last",
        "base_year",
        "open_growth",
        "trade_growth",
        "invest_growth",
    ),
    layout.QUALITY: ("kind", "series", "province", "year", "cell", "detail"),
}


NUMBER_FORMAT = "#,##0.000"
PERCENT_FORMAT = "0.00%"
PERCENT_COLUMNS = frozenset({"open_growth", "trade_growth", "invest_growth"})


@dataclass(frozen=True)
class SheetBlock:
    """What regeneration writes to one output sheet: rows from A1, and the data extent.

    Rows 1 (title) and :data:`layout.OUT_HEADER_ROW` (column headers) are styled by the
    engines; ``formats`` gives each column's number format over the data rows (None:
    leave as is).
    """

    sheet: str
    rows: list[list[object]]
    n_data_rows: int
    columns: tuple[str, ...]

    @property
    def formats(self) -> tuple[str | None, ...]:
        float_columns = {
            i
            for row in self.rows[
                layout.OUT_FIRST_ROW - 1 : layout.OUT_FIRST_ROW - 1 + self.n_data_rows
            ]
            for i, v in enumerate(row)
            if isinstance(v, float)
        }
        return tuple(
            (PERCENT_FORMAT if key in PERCENT_COLUMNS else NUMBER_FORMAT)
            if i in float_columns
            else None
            for i, key in enumerate(self.columns)
        )


@dataclass(frozen=True)
class ChartRanges:
    """References of one chart's categories and series (names and values)."""

    sheet: str
    categories: str
    series: list[tuple[str, str]]  # (name cell reference, values reference)


def _value(v: object) -> object:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    return v


def _block(
    sheet: str,
    frame: pd.DataFrame,
    columns: tuple[str, ...],
    language: str,
    headers: list[str] | None = None,
) -> SheetBlock:
    notes = frame.attrs.get("notes", [])
    rows: list[list[object]] = [
        [layout.title(sheet, language)],
        [notes[0] if notes else ""],
        [],
        headers or [layout.label(c, language) for c in columns],
    ]
    rows += [
        [_value(v) for v in record]
        for record in frame[list(columns)].itertuples(index=False, name=None)
    ]
    rows.append([])
    rows += [[f"• {n}"] for n in notes]
    return SheetBlock(sheet, rows, len(frame), columns)


def render(tables: Tables) -> list[SheetBlock]:
    """Every output sheet as a :class:`SheetBlock`, in sheet order."""
    lang = tables.panel.options.language
    blocks = [
        _block(sheet, getattr(tables, attr), TABLE_COLUMNS[sheet], lang)
        for sheet, attr in (
            (layout.INDEX, "index"),
            (layout.FACTORS, "factors"),
            (layout.DISPARITY, "disparity"),
            (layout.STAGES, "stages"),
            (layout.QUALITY, "quality"),
        )
    ]
    t1 = tables.table1
    years = [c for c in t1.columns if isinstance(c, int)]
    columns = ("kind", "name", "name_en", *years, "annual_change", *[f"n_{y}" for y in years])
    headers = [
        layout.label("kind", lang),
        layout.label("name", lang),
        layout.label("name_en", lang),
        *[str(y) for y in years],
        layout.label("annual_change", lang),
        *[f"{layout.label('n', lang)} {y}" for y in years],
    ]
    blocks.insert(1, _block(layout.TABLE1, t1, columns, lang, headers))
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
        for key in spec.series:
            col = block.columns.index(key) + 1
            name = layout.range_ref(
                spec.sheet, layout.OUT_HEADER_ROW, col, layout.OUT_HEADER_ROW, col
            ).split(":")[0]
            series.append(
                (name, layout.range_ref(spec.sheet, layout.OUT_FIRST_ROW, col, last, col))
            )
        out.append(ChartRanges(spec.sheet, cats, series))
    return out
