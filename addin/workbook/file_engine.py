"""The workbook engine for a file (.xlsx/.xlsm) without Excel, through openpyxl.

Values are read from a read-only, data-only load (fast, and formula cells give their
last computed value); output sheets are written into a full load that keeps the VBA
project, the button and the charts; :meth:`FileEngine.save` writes a temporary file
beside the target and moves it into place only when it is complete (a temporary file left
behind by a killed run is removed by a later save of the same target).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import openpyxl
from openpyxl.cell import _writer as _cell_writer
from openpyxl.chart.data_source import AxDataSource, NumDataSource, NumRef, StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Alignment, Font, PatternFill

from ..errors import FileRejected, YangtzeError
from . import layout
from .render import ChartRanges, SheetBlock
from .safety import check_workbook_file
from .sheets import is_read_cell

TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")

#: Cells and rows read from one input sheet. A data sheet has one row per province, city or
#: county (China has about 2,850 counties) and one column per year; openpyxl reads some
#: 10,000–100,000 cells a second, so these limits also bound the time a refusal takes.
MAX_CELLS_READ = 1_000_000
MAX_ROWS_READ = 20_000
#: A temporary file of the same target older than this is a leftover of a killed save.
STALE_TEMP_SECONDS = 600


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
        self._blocks: dict[str, list[list[object]]] = {}
        self.messages: list[str] = []

    def _load(self, read_only: bool = False, data_only: bool = False) -> openpyxl.Workbook:
        # openpyxl.load_workbook, spelled out so that a failed load closes its zip files
        # (else they complain on stderr when garbage-collected)
        reader = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
                reader = ExcelReader(
                    self.path, read_only=read_only, keep_vba=self.keep_vba, data_only=data_only
                )
                reader.read()
                return reader.wb
        except FileRejected:
            raise
        except Exception as exc:  # noqa: BLE001 - any parser failure means an unreadable file
            _close_reader(reader)
            raise FileRejected(unreadable(self.path.name, exc)) from None

    @property
    def book(self) -> openpyxl.Workbook:
        """The full workbook (loaded on first write)."""
        if self._book is None:
            self._book = self._load()
        return self._book

    def sheet_names(self) -> list[str]:
        return list(self._values.sheetnames)

    def read(self, sheet: str) -> list[list[object]]:
        """Values of ``sheet`` from A1 to its last used cell, as rows of equal length.

        The sheet's declared size is checked first (a sheet "used" down to row 1,048,576
        is refused at once); the cells actually present are then read with the same
        limits, so a sheet whose declared size is wrong neither hides rows nor escapes them.
        """
        ws = self._values[sheet]
        self._check_size(sheet, ws.max_row or 0, ws.max_column or 0)
        ws.reset_dimensions()
        rows: list[list[object]] = []
        cells = width = 0
        try:
            for row in ws.iter_rows(values_only=True):
                rows.append([_plain(v) for v in row])
                cells += len(row)
                width = max(width, len(row))
                if len(rows) > MAX_ROWS_READ or cells > MAX_CELLS_READ:
                    self._check_size(sheet, len(rows), width, cells)
        except YangtzeError:
            raise
        except Exception as exc:  # noqa: BLE001 - a parser failure in the sheet's XML
            raise FileRejected(unreadable(self.path.name, exc, sheet)) from None
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        width = max((len(row) for row in rows), default=0)
        for row in rows:
            row.extend([None] * (width - len(row)))
        self._blocks[sheet] = rows
        return rows

    def _check_size(self, sheet: str, rows_n: int, cols_n: int, cells: int | None = None) -> None:
        cells = rows_n * cols_n if cells is None else cells
        if rows_n > MAX_ROWS_READ or cells > MAX_CELLS_READ:
            raise FileRejected(
                f"{self.path.name}: sheet {sheet} spans {rows_n:,} rows × {cols_n:,} columns, "
                f"more than the {MAX_ROWS_READ:,} rows or {MAX_CELLS_READ:,} cells this tool reads; "
                "delete the unused rows"
            )

    def sheet_details(self, sheet: str) -> tuple[list[int], list[str]]:
        """Hidden row numbers and merged ranges of ``sheet`` (from the full load)."""
        ws = self.book[sheet]
        hidden = sorted(r for r, dim in ws.row_dimensions.items() if dim.hidden)
        return hidden, [str(m) for m in ws.merged_cells.ranges]

    def formulas_without_value(self, sheet: str) -> list[str]:
        """Cells of ``sheet`` (e.g. ``"D5"``) holding a formula whose result the file does not store.

        Such cells read as blank. Excel stores each formula's last result; a file last saved
        by a program that does not calculate (openpyxl, so this tool too) has none until it is
        opened and saved in Excel or LibreOffice.
        """
        block = self._blocks[sheet] if sheet in self._blocks else self.read(sheet)
        return [
            ref
            for ref, (r, c) in self._formula_cells(sheet).items()
            if r > len(block) or c > len(block[r - 1]) or block[r - 1][c - 1] is None
        ]

    def _formula_cells(self, sheet: str) -> dict[str, tuple[int, int]]:
        """Formula cells of ``sheet`` in the full load: reference → (row, column)."""
        ws = self.book[sheet]
        # openpyxl is pinned (3.1.5), whose Worksheet keeps its cells in ``_cells``; iter_rows() would create cells
        return {
            item.coordinate: (r, c)
            for (r, c), item in sorted(ws._cells.items())
            if item.data_type == "f"
        }

    def write(self, block: SheetBlock) -> None:
        sheet = block.sheet
        ws = self.book[sheet] if sheet in self.book.sheetnames else self.book.create_sheet(sheet)
        for merged in list(ws.merged_cells.ranges):
            ws.unmerge_cells(str(merged))
        # Drop every cell at once: delete_rows() moves cells one by one and is quadratic.
        # openpyxl is pinned (3.1.5), whose Worksheet keeps its cells in ``_cells``.
        ws._cells.clear()
        for r, row in enumerate(block.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        ws.cell(1, 1).font = TITLE_FONT
        for c in range(1, len(block.columns) + 1):
            head = ws.cell(layout.OUT_HEADER_ROW, c)
            head.font, head.fill, head.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
        first = layout.OUT_FIRST_ROW
        for c, fmt in enumerate(block.formats, start=1):
            if fmt:
                for r in range(first, first + block.n_data_rows):
                    ws.cell(r, c).number_format = fmt

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
            series.smooth = (
                False  # openpyxl drops <c:smooth val="0"/>; LibreOffice then draws curves
            )

    def status(self, text: str) -> None:
        self.messages.append(text)

    def save(self, target: str | os.PathLike | None = None, backup: bool = False) -> Path:
        """Write the workbook to ``target`` (default: the file itself) atomically.

        A temporary file in the target's folder is written and flushed to disk, then
        moved over the target in one step: a crash leaves the original untouched.
        ``backup`` first copies the previous target to ``NAME.bak.xlsm``.
        """
        target = Path(target) if target else self.path
        if target.is_dir():
            raise FileRejected(f"{target.name}: is a folder; give a file name to write to")
        remove_stale_temps(target)
        data_sheets = set(layout.DATA_SHEETS.values())
        formulas = [
            f"{sheet}!{ref}"
            for sheet in self._blocks
            for ref in self._formula_cells(sheet)
            if sheet not in data_sheets or is_read_cell(ref)
        ]  # not the display-only region column
        if formulas:
            self.messages.append(
                f"{len(formulas)} formula cell(s) on the input sheets (first {formulas[0]}) are saved without "
                "their results, which openpyxl cannot store; Excel and LibreOffice recompute them on "
                "opening. Open and save the workbook there before regenerating it again from the file"
            )
        try:
            fd, tmp = tempfile.mkstemp(
                prefix=f".{target.stem}.", suffix=target.suffix + ".tmp", dir=target.parent
            )
        except OSError as exc:
            raise FileRejected(
                f"{target.name}: cannot write in the folder {target.parent} ({exc.strerror or exc})"
            ) from None
        try:
            os.chmod(tmp, _file_mode(target))  # mkstemp makes 0600; keep the target's permissions
            with os.fdopen(fd, "wb") as f:
                sink = _Sink(f)
                try:
                    with _exact_numbers():
                        self.book.save(sink)
                except BaseException:
                    sink.drop()
                    raise
                f.flush()
                os.fsync(f.fileno())
            if backup and target.exists():
                shutil.copy2(target, backup_path(target))
            os.replace(tmp, target)
        except PermissionError:
            _remove(tmp)
            raise FileRejected(
                f"{target.name}: cannot be written; is it open in Excel or another program? Close it and try again"
            ) from None
        except OSError as exc:  # disk full, folder removed, …: the original is untouched
            _remove(tmp)
            raise FileRejected(
                f"{target.name}: cannot be written ({exc.strerror or exc}); the file on disk is unchanged"
            ) from None
        except BaseException:
            _remove(tmp)
            raise
        return target

    def close(self) -> None:
        self._values.close()


@contextlib.contextmanager
def _exact_numbers():
    """Make openpyxl write every number so that it reads back exactly, while saving.

    openpyxl 3.1.5 writes numbers as ``"%.16g"``: a value that needs 17 significant digits
    (0.30000000000000004, as many results pasted from Excel do) would come back changed in
    its last bit, 1.7976931348623157e308 as infinity and 12345678901234567 rounded; and the
    input cells are saved again at every regeneration. ``repr`` is the shortest exact form.
    """
    original = _cell_writer.safe_string

    def exact(value):
        if isinstance(value, float) and math.isfinite(value):
            return float.__repr__(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return int.__repr__(value)
        return original(value)

    _cell_writer.safe_string = exact
    try:
        yield
    finally:
        _cell_writer.safe_string = original


class _Sink:
    """The temporary file as openpyxl's zip writer sees it. When a save fails (Ctrl+C, disk
    full), the abandoned zip writer still tries to finish the file when it is garbage-collected,
    after the file is closed; once dropped, its writes go nowhere instead of failing noisily."""

    def __init__(self, file):
        self._file, self._pos = file, None

    def drop(self) -> None:
        try:
            self._pos = self._file.tell()
        except (OSError, ValueError):
            self._pos = 0

    def write(self, data) -> int:
        if self._pos is None:
            return self._file.write(data)
        self._pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self._file.tell() if self._pos is None else self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        if self._pos is None:
            return self._file.seek(offset, whence)
        self._pos = offset if whence == 0 else self._pos + offset
        return self._pos

    def flush(self) -> None:
        if self._pos is None:
            self._file.flush()


def _file_mode(target: Path) -> int:
    """Permission bits for the saved file: the target's own, or what a new file gets (umask)."""
    if target.exists():
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def backup_path(target: Path) -> Path:
    return target.with_name(f"{target.stem}.bak{target.suffix}")


def temp_pattern(target: Path) -> re.Pattern[str]:
    """Names of :meth:`FileEngine.save`'s temporary files for ``target`` (``.NAME.xxxxxxxx.xlsm.tmp``)."""
    return re.compile(
        re.escape(f".{target.stem}.") + r"[a-z0-9_]{8}" + re.escape(f"{target.suffix}.tmp")
    )


def remove_stale_temps(target: Path, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Delete temporary files of ``target`` left by a save that was killed (older than ``older_than`` s).

    Younger ones may belong to a save still running in another process and are kept.
    """
    pattern, removed = temp_pattern(target), []
    try:
        candidates = [p for p in target.parent.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return removed
    now = time.time()
    for path in candidates:
        try:
            if now - path.stat().st_mtime > older_than:
                path.unlink()
                removed.append(path)
        except OSError:
            pass
    return removed


def _close_reader(reader: ExcelReader | None) -> None:
    """Close the zip files a failed :class:`ExcelReader` left open."""
    if reader is None:
        return
    for archive in (
        getattr(getattr(reader, "wb", None), "vba_archive", None),
        getattr(reader, "archive", None),
    ):
        try:
            if archive is not None:
                archive.close()
        except Exception:  # noqa: BLE001 - best effort on an already broken reader
            pass


def unreadable(name: str, exc: BaseException, sheet: str | None = None) -> str:
    """A one-line message for a parser failure; hostile XML (entities, DTDs) is named as such."""
    from defusedxml import DefusedXmlException

    chain: list[BaseException] = []
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    where = f" (sheet {sheet})" if sheet else ""
    if any(isinstance(e, DefusedXmlException) for e in chain):
        return (
            f"{name}: refused: its XML{where} declares entities, as a 'billion laughs' or external-entity "
            "attack does (Excel never writes these); the file is not read"
        )
    root = chain[0]
    while root.__cause__ is not None:  # openpyxl wraps the parser's error in a generic one
        root = root.__cause__
    text = str(root).strip().splitlines()[0][:200] if str(root).strip() else ""
    return f"{name}: cannot be read as a workbook{where} ({type(root).__name__}{': ' + text if text else ''})"


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
