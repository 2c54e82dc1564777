"""Streaming reader of a worksheet part: raw cell values, hidden rows, merged ranges and
formula cells that store no result.

One pass of ``lxml.etree.iterparse`` over the part (each row is dropped once read, so
memory stays with the values). The file engine reads values with python-calamine, about
8× faster (docs/performance.md), and uses this reader where calamine cannot serve: a
part changed in this session (``yangtze import`` reading a sheet it just filled) and
cells written without their ``r`` reference. Values are as stored: a number is a float, text is the
text exactly (numeric text stays text), a boolean a bool, an error cell its text such
as ``"#N/A"``, a formula cell its cached result, a blank None. A formula cell with no
cached result is listed in :attr:`SheetContent.uncomputed` (it is never read as blank
silently). Measured against python-calamine: see docs/performance.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ...errors import FileRejected
from .. import layout
from .package import MAIN_NS
from .xmlparse import check_no_dtd, iterparse, unreadable

#: Cells and rows read from one input sheet. A data sheet has one row per province, city or
#: county (China has about 2,850 counties) and one column per year.
MAX_CELLS_READ = 1_000_000
MAX_ROWS_READ = 20_000

_ROW, _C, _V, _F, _IS, _T, _R, _RPH = (
    f"{{{MAIN_NS}}}{t}" for t in ("row", "c", "v", "f", "is", "t", "r", "rPh")
)
_MERGE = f"{{{MAIN_NS}}}mergeCell"
_SI = f"{{{MAIN_NS}}}si"
_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclass
class SheetContent:
    """What :func:`read_sheet` found on one sheet."""

    rows: list[list[object]]
    hidden_rows: list[int] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    uncomputed: list[str] = field(default_factory=list)  # formula cells without a result


def _unescape(text: str) -> str:
    """Excel's ``_xHHHH_`` escapes of control characters back to the characters."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _rich_text(elem) -> str:
    """Text of an ``<si>`` or ``<is>``: its ``<t>`` and runs' ``<t>``, phonetic runs left out."""
    parts = [t.text or "" for t in elem.iter(_T) if t.getparent().tag != _RPH]
    return _unescape("".join(parts))


def read_shared_strings(stream, path) -> list[str]:
    """The shared-string table (``xl/sharedStrings.xml``) as a list."""
    out: list[str] = []
    try:
        for _, elem in iterparse(stream, [_SI]):
            out.append(_rich_text(elem))
            elem.clear(keep_tail=True)
        if out:
            check_no_dtd(elem.getroottree(), path)
    except etree.XMLSyntaxError as exc:
        raise unreadable(path, "xl/sharedStrings.xml", exc) from None
    return out


def too_large(path, sheet: str, rows: int, cols: int) -> FileRejected:
    """The refusal of a sheet larger than the reading limits."""
    return FileRejected(
        f"{Path(path).name}: sheet {sheet} spans {rows:,} rows × {cols:,} columns, "
        f"more than the {MAX_ROWS_READ:,} rows or {MAX_CELLS_READ:,} cells this tool reads; "
        "delete the unused rows"
    )


def _cell_value(c, shared: list[str]) -> tuple[object, bool]:
    """(value, stores a result) of one ``<c>`` element."""
    kind = c.get("t", "n")
    v = c.find(_V)
    text = v.text if v is not None else None
    if kind == "inlineStr":
        inline = c.find(_IS)
        return (_rich_text(inline) if inline is not None else None), True
    if text is None or (text == "" and kind != "str"):
        # a text formula's empty <v></v> stores its result, the empty string (read as blank)
        return None, c.find(_F) is None or (v is not None and kind == "str")
    if kind == "s":
        return shared[int(text)], True
    if kind == "b":
        return text.strip() in ("1", "true"), True
    if kind in ("str", "e", "d"):
        return _unescape(text), True
    return float(text), True


class _Grid:
    """Rows being read: values by (row, column), the extent, and limits."""

    def __init__(self, path, sheet: str):
        self.path, self.sheet = path, sheet
        self.cells: dict[int, dict[int, object]] = {}
        self.width = self.height = self.count = 0

    def row(self, r: int) -> dict[int, object]:
        if r > MAX_ROWS_READ or r * self.width > MAX_CELLS_READ:
            raise too_large(self.path, self.sheet, r, self.width)
        self.height = max(self.height, r)
        return self.cells.setdefault(r, {})

    def add(self, values: dict[int, object], col: int, value: object) -> None:
        values[col] = value
        if col > self.width:
            self.width = col
            if self.height * col > MAX_CELLS_READ:
                raise too_large(self.path, self.sheet, self.height, col)

    def block(self) -> list[list[object]]:
        """Rows from A1 to the last non-blank cell, of equal length."""
        used = [r for r, vals in self.cells.items() if any(v is not None for v in vals.values())]
        height = max(used, default=0)
        width = max((c for r in used for c, v in self.cells[r].items() if v is not None), default=0)
        rows = []
        for r in range(1, height + 1):
            row = [None] * width
            for c, v in self.cells.get(r, {}).items():
                if c <= width:
                    row[c - 1] = v
            rows.append(row)
        return rows


def read_sheet(stream, shared: list[str], path, sheet: str, part: str) -> SheetContent:
    """Read one worksheet part (a stream) into a :class:`SheetContent`."""
    grid = _Grid(path, sheet)
    hidden, merged, uncomputed = [], [], []
    last_row = 0
    elem = None
    try:
        for _, elem in iterparse(stream, [_ROW, _MERGE]):
            if elem.tag == _MERGE:
                merged.append(elem.get("ref", ""))
                continue
            r = int(elem.get("r") or last_row + 1)
            last_row = r
            if elem.get("hidden") in ("1", "true"):
                hidden.append(r)
            values = grid.row(r)
            col = 0
            for c in elem.iter(_C):
                ref = c.get("r")
                m = _REF.match(ref) if ref else None
                col = layout.column_index(m.group(1)) if m else col + 1
                value, stored = _cell_value(c, shared)
                if not stored:
                    uncomputed.append(ref or f"R{r}C{col}")
                grid.add(values, col, value)
            elem.clear(keep_tail=False)
            while elem.getprevious() is not None:
                del elem.getparent()[0]
        if elem is not None:
            check_no_dtd(elem.getroottree(), path)
    except etree.XMLSyntaxError as exc:
        raise unreadable(path, part, exc, sheet) from None
    except (ValueError, IndexError) as exc:  # a shared-string index or number that is not one
        raise unreadable(path, part, exc, sheet) from None
    return SheetContent(grid.block(), hidden, merged, uncomputed)
