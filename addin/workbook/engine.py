"""The small interface both workbook engines implement (a live Excel book, a file).

:mod:`.regenerate` is written against it once; :mod:`.file_engine` (openpyxl) and
:mod:`.excel_engine` (xlwings) are thin adapters.
"""

from __future__ import annotations

from typing import Protocol

from .render import ChartRanges, SheetBlock


class WorkbookEngine(Protocol):
    """What regeneration needs from a workbook."""

    def sheet_names(self) -> list[str]:
        """Names of the workbook's sheets."""

    def read(self, sheet: str) -> list[list[object]]:
        """Cell values of ``sheet`` from A1 to its last used cell, as rows.

        Numbers, text, None for blanks, booleans, dates; error cells as text such as
        ``"#N/A"``; for formula cells, the last computed value.
        """

    def write(self, block: SheetBlock) -> None:
        """Replace every value on ``block.sheet`` by ``block.rows`` written from A1 (charts
        stay); bold title and headers, number formats by column."""

    def set_chart(self, ranges: ChartRanges) -> None:
        """Point the chart on ``ranges.sheet`` at the given categories and series."""

    def status(self, text: str) -> None:
        """Show progress (Excel's status bar, or nothing)."""
