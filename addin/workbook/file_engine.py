"""The workbook engine for a file (.xlsx/.xlsm) without Excel, through openpyxl.

Values are read from a read-only, data-only load (fast, and formula cells give their
last computed value); output sheets are written into a full load that keeps the VBA
project, the button and the charts; :meth:`FileEngine.save` writes a temporary file
beside the target and moves it into place only when it is complete.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import openpyxl
from openpyxl.chart.data_source import AxDataSource, NumDataSource, NumRef, StrRef
from openpyxl.chart.series import SeriesLabel

from ..errors import FileRejected
from .render import ChartRanges
from .safety import check_workbook_file

MAX_CELLS_READ = 5_000_000


class FileEngine:
    """A workbook file opened for regeneration.

    Parameters
    ----------
    path : the .xlsx or .xlsm file (checked by :func:`~.safety.check_workbook_file`).
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        check_workbook_file(self.path)
        self.keep_vba = self.path.suffix.lower() in (".xlsm", ".xltm", ".xlam")
        self._values = self._load(read_only=True, data_only=True)
        self._book: openpyxl.Workbook | None = None
        self.messages: list[str] = []

    def _load(self, **kwargs) -> openpyxl.Workbook:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
                return openpyxl.load_workbook(self.path, keep_vba=self.keep_vba, **kwargs)
        except FileRejected:
            raise
        except Exception as exc:  # noqa: BLE001 - any parser failure means an unreadable file
            raise FileRejected(f"{self.path.name}: cannot be read as a workbook ({type(exc).__name__}: {exc})") from None

    @property
    def book(self) -> openpyxl.Workbook:
        """The full workbook (loaded on first write)."""
        if self._book is None:
            self._book = self._load()
        return self._book

    def sheet_names(self) -> list[str]:
        return list(self._values.sheetnames)

    def read(self, sheet: str) -> list[list[object]]:
        ws = self._values[sheet]
        rows_n, cols_n = ws.max_row or 0, ws.max_column or 0
        if rows_n * cols_n > MAX_CELLS_READ:
            raise FileRejected(f"{self.path.name}: sheet {sheet} spans {rows_n:,} rows × {cols_n:,} columns, "
                               f"more than the {MAX_CELLS_READ:,} cells this tool reads; delete the unused rows")
        rows = []
        for row in ws.iter_rows(values_only=True):
            rows.append([_plain(v) for v in row])
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        return rows

    def sheet_details(self, sheet: str) -> tuple[list[int], list[str]]:
        """Hidden row numbers and merged ranges of ``sheet`` (from the full load)."""
        ws = self.book[sheet]
        hidden = sorted(r for r, dim in ws.row_dimensions.items() if dim.hidden)
        return hidden, [str(m) for m in ws.merged_cells.ranges]

    def write(self, sheet: str, rows: list[list[object]]) -> None:
        ws = self.book[sheet] if sheet in self.book.sheetnames else self.book.create_sheet(sheet)
        for merged in list(ws.merged_cells.ranges):
            ws.unmerge_cells(str(merged))
        # Drop every cell at once: delete_rows() moves cells one by one and is quadratic.
        # openpyxl is pinned (3.1.5), whose Worksheet keeps its cells in ``_cells``.
        ws._cells.clear()
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)

    def write_cells(self, sheet: str, cells: dict[tuple[int, int], object]) -> None:
        """Set individual cells (1-based row, column) of ``sheet``; used by ``yangtze import``."""
        ws = self.book[sheet]
        for (r, c), value in cells.items():
            ws.cell(r, c, value)

    def set_chart(self, ranges: ChartRanges) -> None:
        charts = self.book[ranges.sheet]._charts
        if not charts:
            self.messages.append(f"sheet {ranges.sheet} has no chart any more; none was added")
            return
        chart = charts[0]
        for series, (name_ref, values_ref) in zip(chart.series, ranges.series):
            series.tx = SeriesLabel(strRef=StrRef(f=name_ref))
            series.val = NumDataSource(numRef=NumRef(f=values_ref))
            series.cat = AxDataSource(numRef=NumRef(f=ranges.categories))

    def status(self, text: str) -> None:
        self.messages.append(text)

    def save(self, target: str | os.PathLike | None = None, backup: bool = False) -> Path:
        """Write the workbook to ``target`` (default: the file itself) atomically.

        A temporary file in the target's folder is written and flushed to disk, then
        moved over the target in one step: a crash leaves the original untouched.
        ``backup`` first copies the previous target to ``NAME.bak.xlsm``.
        """
        target = Path(target) if target else self.path
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix + ".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                self.book.save(f)
                f.flush()
                os.fsync(f.fileno())
            if backup and target.exists():
                shutil.copy2(target, backup_path(target))
            os.replace(tmp, target)
        except PermissionError:
            _remove(tmp)
            raise FileRejected(f"{target.name}: cannot be written; is it open in Excel or another program? Close it and try again") from None
        except BaseException:
            _remove(tmp)
            raise
        return target

    def close(self) -> None:
        self._values.close()


def backup_path(target: Path) -> Path:
    return target.with_name(f"{target.stem}.bak{target.suffix}")


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _plain(value: object) -> object:
    """openpyxl cell value → engine value (dates stay dates; everything else as is)."""
    if isinstance(value, dt.timedelta):
        return str(value)
    return value
