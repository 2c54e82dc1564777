"""Cell values of an input sheet through python-calamine, completed by :mod:`.sheet_scan`.

calamine parses the part in Rust and hands over numbers as floats, text as stored,
booleans, and date-formatted numbers as dates (which the method reports as not a number,
as before). It gives an error cell and a formula without a stored result as an empty
string; the scan supplies the error's text (``"#N/A"``) and lists the formulas, so neither
is ever read as a blank. The scan's extent is checked against the reading limits first,
so calamine never allocates the rectangle of a sheet with a stray far-away cell.
"""

from __future__ import annotations

import io
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from ...errors import FileRejected
from .sheet_reader import (
    MAX_CELLS_READ,
    MAX_ROWS_READ,
    SheetContent,
    read_sheet,
    too_large,
)
from .sheet_scan import SheetScan, scan_sheet


def trimmed(rows: list[list[object]]) -> list[list[object]]:
    """Rows from A1 to the last non-blank cell, of equal length ('' read as blank).

    >>> trimmed([[1.0, ""], ["", ""], ["", None]])
    [[1.0]]
    """
    rows = [[None if v == "" else v for v in row] if "" in row else row for row in rows]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    width = 0
    for row in rows:  # a row's last value, looked for only beyond the widest so far
        end = len(row)
        while end > width and row[end - 1] is None:
            end -= 1
        width = max(width, end)
    return [row[:width] + [None] * (width - len(row)) for row in rows]


#: Worksheet parts from this size on are parsed in the worker thread (smaller ones at once:
#: handing the interpreter lock between threads costs up to a few milliseconds each time).
THREAD_BYTES = 2**20


class CalamineReader:
    """Values of a workbook file's sheets, one calamine workbook opened on first use.

    calamine parses a large sheet in a worker thread (it releases the GIL while it parses),
    started as soon as the sheet's scan has passed the reading limits: the next sheet is
    scanned, or the last one's values checked, meanwhile. Only that thread uses the calamine
    workbook until it is closed.
    """

    def __init__(self, path: Path):
        self.path = path
        self._book = None
        self._worker: ThreadPoolExecutor | None = None
        self._started: dict[str, tuple[SheetScan, Future | None]] = {}

    def _sheet(self, sheet: str):
        from python_calamine import CalamineWorkbook

        try:
            if self._book is None:
                self._book = CalamineWorkbook.from_path(str(self.path))
            return self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001 - calamine's XML and zip errors: unreadable
            text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise FileRejected(
                f"{self.path.name}: cannot be read as a workbook (sheet {sheet}) "
                f"({type(exc).__name__}{': ' + text if text else ''})"
            ) from None

    def start(self, data: bytes, sheet: str, fresh: bool) -> SheetScan | None:
        """Scan ``sheet`` (whose part holds ``data``), refuse it when larger than the reading
        limits, and start calamine on it. Returns the scan, or None when the XML reader
        (:func:`~.sheet_reader.read_sheet`) reads the sheet instead: a part the scan cannot
        read (``needs_parse``) or one changed in this session (``fresh``: calamine reads
        the file on disk)."""
        if sheet not in self._started:
            scan = scan_sheet(data, self.path)
            if scan.height > MAX_ROWS_READ or scan.height * scan.width > MAX_CELLS_READ:
                raise too_large(self.path, sheet, scan.height, scan.width)
            job = None if fresh or scan.needs_parse else self._calamine(sheet, len(data))
            self._started[sheet] = (scan, job)
        scan, job = self._started[sheet]
        return scan if job is not None else None

    def _calamine(self, sheet: str, size: int) -> Future:
        """calamine's rows of ``sheet`` (a part of ``size`` bytes), read at once when it is
        small (a thread's hand-offs would cost more) or by the worker thread."""
        if self._worker is None and size < THREAD_BYTES:
            job: Future = Future()
            job.set_result(self._sheet(sheet))
            return job
        if self._worker is None:  # from now on only the worker uses the calamine workbook
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="calamine")
        return self._worker.submit(self._sheet, sheet)

    def read(self, data: bytes, shared, sheet: str, part: str, fresh: bool) -> SheetContent:
        """Everything read from ``sheet`` whose part holds ``data`` (see :meth:`start`)."""
        self.start(data, sheet, fresh)
        scan, job = self._started.pop(sheet)
        if job is None:
            return read_sheet(io.BytesIO(data), shared(), self.path, sheet, part)
        rows = job.result()
        for (r, c), text in scan.errors.items():
            while len(rows) < r:
                rows.append([])
            row = rows[r - 1]
            row.extend([None] * (c - len(row)))
            row[c - 1] = text
        return SheetContent(trimmed(rows), scan.hidden_rows, scan.merged, scan.uncomputed)

    def forget(self, sheet: str) -> None:
        """Drop what was started on ``sheet`` (its part is being changed)."""
        _, job = self._started.pop(sheet, (None, None))
        if job is not None:
            job.cancel()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.shutdown(wait=True, cancel_futures=True)
            self._worker = None
        self._started.clear()
        if self._book is not None:
            self._book.close()
            self._book = None
