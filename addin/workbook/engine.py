"""The small interface both workbook engines implement (a live Excel book, a file).

:mod:`.regenerate` is written against it once; :mod:`.file_engine` (the file, by parts)
and :mod:`.excel_engine` (xlwings) are thin adapters. Both are context managers that
release the workbook on exit.
"""

from __future__ import annotations

from typing import Protocol

from .render import ChartRanges, SheetBlock


class WorkbookEngine(Protocol):
    """What regeneration needs from a workbook."""

    def sheet_names(self) -> list[str]:
        """Names of the workbook's sheets."""

    def read(self, sheet: str) -> list[list[object]]:
        """Raw cell values of ``sheet`` from A1 to its last used cell, as rows.

        A number is a float, text is the text exactly as stored (numeric text stays
        text: :mod:`addin.core.cells` decides what it means), a boolean a bool, a blank
        None, an error cell its text such as ``"#N/A"``, a formula cell its cached result.
        """

    def sheet_details(self, sheet: str) -> tuple[list[int], list[str]]:
        """Hidden row numbers and merged ranges (``"A5:A6"``) of ``sheet``."""

    def formulas_without_value(self, sheet: str) -> list[str]:
        """Cells of ``sheet`` (``"D5"``) holding a formula with no calculated result."""

    def write(self, block: SheetBlock) -> None:
        """Replace every value on ``block.sheet`` by ``block.rows`` written from A1 (charts
        stay; no old row is left); bold title and headers, number formats by column."""

    def set_chart(self, ranges: ChartRanges) -> None:
        """Point the chart on ``ranges.sheet`` at the given categories and series."""

    def status(self, text: str) -> None:
        """Show progress (Excel's status bar, or nothing)."""

    def close(self) -> None:
        """Release the workbook (the file's zip; nothing for a book open in Excel)."""
