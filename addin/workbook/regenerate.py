"""The one regeneration procedure: input sheets → panel → tables → output sheets and charts.

Written once against :class:`~.engine.WorkbookEngine`; the Regenerate button (Excel
engine), ``yangtze regenerate`` and ``yangtze recalc`` (file engine, through
:func:`regenerate_file`) all call it. Input sheets are only read, never written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..panel.tables import (
    NO_POPULATION,
    Tables,
    compute_all,
    has_population,
    no_population_record,
)
from ..panel.tidy import build_panel
from . import layout
from .engine import WorkbookEngine
from .render import SheetBlock, chart_ranges, render
from .sheets import is_read_cell, layout_notes, read_data_sheet, read_regions, read_settings

REQUIRED = (
    layout.SETTINGS,
    layout.REGIONS,
    layout.DATA_SHEETS["trade"],
    layout.DATA_SHEETS["fie"],
    layout.DATA_SHEETS["gdp"],
)


@dataclass
class RegenerationReport:
    """What one regeneration computed and wrote."""

    tables: Tables
    blocks: list[SheetBlock]
    target: Path | None = None  # the file written (file engine)
    notes: list[str] = field(default_factory=list)  # what the engine noted besides progress

    def summary(self) -> str:
        panel = self.tables.panel
        kinds = self.tables.quality["kind"].value_counts().to_dict()
        counts = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no data-quality notes"
        years = panel.years
        line = (
            f"{len(panel.provinces)} regions, {years[0]}–{years[-1]}, index unit "
            f"{panel.index_unit}; "
            f"quality: {counts}"
        )
        warnings = kinds.get("plausibility", 0)
        if warnings:
            line += f"; {warnings} plausibility warning(s) (units?): see the Quality sheet"
        if not has_population(panel):
            line += f"; {NO_POPULATION}"
        return line


def compute(engine: WorkbookEngine) -> Tables:
    """Read the input sheets and run the method, writing nothing."""
    present = set(engine.sheet_names())
    missing = [s for s in REQUIRED if s not in present]
    if missing:
        raise InputError(
            f"sheet(s) {', '.join(missing)} not found; is this a workbook made from the Yangtze "
            "template?",
            "workbook",
        )
    engine.status("Yangtze: reading settings and data 读取数据…")
    refuse_uncomputed(engine, [s for s in layout.INPUT_SHEETS if s in present])
    options = read_settings(engine.read(layout.SETTINGS))
    regions = read_regions(engine.read(layout.REGIONS))
    blocks, series = {}, {}
    for key, sheet in layout.DATA_SHEETS.items():  # each one checked while the next is read
        if sheet in present:
            blocks[key] = engine.read(sheet)
            series[key] = read_data_sheet(key, blocks[key], sheet)
    engine.status("Yangtze: computing 计算中…")
    panel = build_panel(series, regions, options)
    for key, data in series.items():  # hidden rows and merged cells: noted, not refused
        hidden, merged = engine.sheet_details(data.sheet)
        panel.quality.extend(layout_notes(key, data.sheet, hidden, merged, len(blocks[key])))
    if not has_population(panel):
        sheet = layout.DATA_SHEETS["population"]
        panel.quality.append(no_population_record(sheet, sheet in present))
    return compute_all(panel)


def refuse_uncomputed(engine: WorkbookEngine, sheets: list[str]) -> None:
    """Stop when a cell the method reads holds a formula with no stored result.

    Such a cell has no value until a spreadsheet program calculates it (a file written by
    a program that does not calculate); reading it as blank would change the tables
    without a word.
    """
    found = [
        f"{layout.quote_sheet(sheet)}!{ref}"
        for sheet in sheets
        for ref in engine.formulas_without_value(sheet)
        if sheet not in layout.DATA_SHEETS.values() or is_read_cell(ref)
    ]
    if found:
        shown = ", ".join(found[:10]) + (f" and {len(found) - 10} more" if len(found) > 10 else "")
        raise InputError(
            f"{len(found)} formula cell(s) have no calculated result ({shown}); the workbook was "
            "last saved by a program that does not calculate. Open it once in Excel or "
            "LibreOffice, save it, and run this again",
            "workbook",
        )


def regenerate(engine: WorkbookEngine) -> RegenerationReport:
    """Recompute every output sheet of the workbook behind ``engine`` and repoint the charts."""
    tables = compute(engine)
    blocks = render(tables)
    for i, block in enumerate(blocks, start=1):
        engine.status(f"Yangtze: writing {block.sheet} ({i}/{len(blocks)}) 写入…")
        engine.write(block)
    for ranges in chart_ranges(blocks):
        if ranges.sheet in engine.sheet_names():
            engine.set_chart(ranges)
    engine.status("Yangtze: done 完成")
    return RegenerationReport(tables, blocks)


def regenerate_file(
    path: str | os.PathLike, output: str | os.PathLike | None = None, backup: bool = False
) -> RegenerationReport:
    """Regenerate a workbook file without Excel and save it atomically.

    Parameters
    ----------
    path : the .xlsx/.xlsm workbook made from the template.
    output : write here instead of replacing ``path``.
    backup : keep the previous file as ``NAME.bak.xlsm`` (``.xlsx``: the extension is kept).

    Returns
    -------
    RegenerationReport : the tables, the written blocks, the file written (``target``) and the
        engine's notes (a recreated sheet, a missing chart).

    Only the output sheets, their charts and the entries they need change; every other
    part of the file is copied byte for byte (docs/reliability.md).

    Examples
    --------
    >>> from addin import regenerate_file  # doctest: +SKIP
    >>> regenerate_file("yangtze_demo.xlsm").summary()  # doctest: +SKIP
    '11 regions, 1993–2022, index unit 亿元; quality: 2 converted, 2 filled'
    """
    from .file_engine import FileEngine

    with FileEngine(path) as engine:
        result = regenerate(engine)
        result.target = engine.save(output, backup=backup)
        result.notes = [m for m in engine.messages if not m.startswith("Yangtze:")]
    return result
