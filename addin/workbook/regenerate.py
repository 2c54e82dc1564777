"""The one regeneration procedure: input sheets → panel → tables → output sheets and charts.

Written once against :class:`~.engine.WorkbookEngine`; the Regenerate button (Excel
engine), ``yangtze regenerate`` and ``yangtze recalc`` (file engine) all call it.
Input sheets are only read, never written.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError
from ..panel.tables import NO_POPULATION, Tables, compute_all, has_population
from ..panel.tidy import build_panel
from . import layout
from .engine import WorkbookEngine
from .render import SheetBlock, chart_ranges, render
from .sheets import layout_notes, read_data_sheet, read_regions, read_settings

REQUIRED = (
    layout.SETTINGS,
    layout.REGIONS,
    layout.DATA_SHEETS["trade"],
    layout.DATA_SHEETS["fie"],
    layout.DATA_SHEETS["gdp"],
)


@dataclass
class Result:
    """What one regeneration computed and wrote."""

    tables: Tables
    blocks: list[SheetBlock]

    def summary(self) -> str:
        panel = self.tables.panel
        kinds = self.tables.quality["kind"].value_counts().to_dict()
        counts = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no data-quality notes"
        years = panel.years
        line = (
            f"{len(panel.provinces)} provinces, {years[0]}–{years[-1]}, index unit {panel.index_unit}; "
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
            f"sheet(s) {', '.join(missing)} not found; is this a workbook made from the Yangtze template?",
            "workbook",
        )
    engine.status("Yangtze: reading settings and data 读取数据…")
    options = read_settings(engine.read(layout.SETTINGS))
    regions = read_regions(engine.read(layout.REGIONS))
    blocks = {key: engine.read(name) for key, name in layout.DATA_SHEETS.items() if name in present}
    series = {
        key: read_data_sheet(key, block, layout.DATA_SHEETS[key]) for key, block in blocks.items()
    }
    engine.status("Yangtze: computing 计算中…")
    panel = build_panel(series, regions, options)
    # hidden rows, merged cells and formulas without a stored result, where the engine knows them
    details = getattr(engine, "sheet_details", None)
    uncomputed = getattr(engine, "formulas_without_value", None)
    if details is not None:
        for key, data in series.items():
            hidden, merged = details(data.sheet)
            refs = uncomputed(data.sheet) if uncomputed is not None else []
            panel.quality.extend(
                layout_notes(key, data.sheet, hidden, merged, len(blocks[key]), refs)
            )
    return compute_all(panel)


def regenerate(engine: WorkbookEngine) -> Result:
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
    return Result(tables, blocks)
