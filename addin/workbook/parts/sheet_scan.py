"""A byte scan of a worksheet part for what a value reader does not report.

python-calamine reads cell values fast (docs/performance.md: several times lxml
``iterparse``) but gives an error cell and a formula without a stored result as an empty
string, and allocates the sheet's whole rectangle before it returns. This scan runs
first, over the part's bytes (no XML tree; only fast literal searches): it finds the
sheet's extent (to refuse a stray cell in row 1,048,576 before anything is allocated),
hidden rows, merged ranges, error cells with their text, formula cells with no stored
result, and a document type declaration (refused as hostile). It looks at the few places
where a rare marker occurs (``<f``, ``t="e"``, ``hidden=``, ``<mergeCell``) and at the end
of each row; a formula followed at once by a non-empty ``<v>`` (the usual formula cell,
such as the region column of the data sheets) is passed over without a look at its cell.
A part it cannot scan reliably (cells without their ``r`` reference, or namespace
prefixes) is marked ``needs_parse`` and read by :mod:`.sheet_reader` instead.

Examples
--------
>>> part = (b'<worksheet><sheetData><row r="1" hidden="1"><c r="A1" t="e"><v>#N/A</v></c>'
...         b'<c r="B1"><f>A1*2</f></c><c r="C1"><f>1+1</f><v>2</v></c></row></sheetData>'
...         b'<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>')
>>> scan = scan_sheet(part, "book.xlsx")
>>> scan.height, scan.width, scan.hidden_rows, scan.merged, scan.needs_parse
(1, 3, [1], ['A1:B1'], False)
>>> scan.errors, scan.uncomputed
({(1, 1): '#N/A'}, ['B1'])
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .xmlparse import hostile

_REF = re.compile(rb'\sr="([A-Z]+)(\d+)"')
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_TYPE = re.compile(rb'\st="(\w+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_MERGE = re.compile(rb'<mergeCell\b[^>]*?\sref="([^"]+)"')
_DTD = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))
#: How far back from a marker the start of its element may be (a cell's start tag).
_WINDOW = 1024


@dataclass
class SheetScan:
    """What :func:`scan_sheet` found (rows and columns 1-based)."""

    height: int = 0
    width: int = 0
    needs_parse: bool = False
    hidden_rows: list[int] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    uncomputed: list[str] = field(default_factory=list)


def _column(letters: bytes) -> int:
    """The column number of any run of letters, however long (``layout.column_index``
    parses the columns Excel can hold; here a hostile ``ZZZZZZ1`` must count as wide as a
    reader would make it, so that the limits refuse it)."""
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _finds(data: bytes, marker: bytes) -> Iterator[int]:
    """Positions of ``marker`` in ``data`` (a literal search)."""
    pos = data.find(marker)
    while pos >= 0:
        yield pos
        pos = data.find(marker, pos + len(marker))


def _cell_around(data: bytes, pos: int) -> bytes:
    """The ``<c …>…</c>`` (or ``<c …/>``) element containing byte ``pos``."""
    start = data.rfind(b"<c ", max(0, pos - _WINDOW), pos)
    head_end = data.find(b">", start)
    if start < 0 or head_end < 0:
        return b""
    if data[head_end - 1 : head_end] == b"/":
        return data[start : head_end + 1]
    close = data.find(b"</c>", head_end)
    return data[start : close + 4] if close >= 0 else b""


def _extent(data: bytes, scan: SheetScan) -> None:
    """Last row number and widest row (the last cell of each row: cells are in order)."""
    for end in _finds(data, b"</row>"):
        ref = data.rfind(b' r="', max(0, end - _WINDOW), end)
        found = _REF.match(data, ref, end) if ref >= 0 else None
        if found:
            scan.width = max(scan.width, _column(found.group(1)))
            scan.height = max(scan.height, int(found.group(2)))
    rows = data.rfind(b"<row ")
    last = _ROW_NUMBER.search(data, rows, data.find(b">", rows)) if rows >= 0 else None
    if last:
        scan.height = max(scan.height, int(last.group(1)))


def _cell(data: bytes, pos: int) -> tuple[bytes, re.Match | None, bytes]:
    """(the cell element around ``pos``, its reference match, its type)."""
    cell = _cell_around(data, pos)
    head = cell[: cell.find(b">") + 1]
    kind = _TYPE.search(head)
    return cell, _REF.search(head), kind.group(1) if kind else b"n"


def _value_follows(data: bytes, pos: int) -> bool:
    """Whether the formula element starting at ``pos`` is followed at once by a non-empty
    ``<v>`` (the usual formula cell: it stores its result, of whatever type).

    >>> _value_follows(b'<f>A1*2</f><v>4</v>', 0), _value_follows(b'<f>A1*2</f><v></v>', 0)
    (True, False)
    """
    end = data.find(b"</f>", pos)
    if end < 0 or data.find(b"/>", pos, end) >= 0:  # no text, or <f .../> (shared child)
        return False
    return data.startswith(b"<v>", end + 4) and data[end + 7 : end + 8] not in (b"<", b"")


def _formulas_and_errors(data: bytes, scan: SheetScan) -> None:
    for pos in _finds(data, b"<f"):
        if data[pos + 2 : pos + 3] not in (b">", b" ", b"/"):
            continue  # another element whose name starts with f
        if _value_follows(data, pos):
            continue
        cell, ref, kind = _cell(data, pos)
        value = _VALUE.search(cell)
        if ref and (value is None or (not value.group(1) and kind != b"str")):
            name = (ref.group(1) + ref.group(2)).decode()
            if name not in scan.uncomputed:
                scan.uncomputed.append(name)
    for pos in _finds(data, b' t="e"'):
        cell, ref, kind = _cell(data, pos)
        value = _VALUE.search(cell)
        if ref and kind == b"e" and value:
            scan.errors[(int(ref.group(2)), _column(ref.group(1)))] = value.group(1).decode()


def _hidden_rows(data: bytes) -> list[int]:
    rows = []
    for pos in _finds(data, b' hidden="'):  # one search for hidden="1" and hidden="true"
        if data.startswith((b'1"', b'true"'), pos + 9):
            start = data.rfind(b"<", max(0, pos - _WINDOW), pos)
            if data[start : start + 5] == b"<row ":
                number = _ROW_NUMBER.search(data, start, pos)
                if number:
                    rows.append(int(number.group(1)))
    return sorted(rows)


def scan_sheet(data: bytes, path) -> SheetScan:
    """Scan worksheet part ``data`` (bytes); refuses a part that declares a DTD."""
    if any(marker in data[:4096] for marker in _DTD):
        raise hostile(path)
    scan = SheetScan()
    cells = data.count(b"<c ") + data.count(b"<c>")
    if cells != data.count(b'<c r="') or (b"<sheetData" not in data and cells == 0):
        scan.needs_parse = True  # positional cells, or a prefixed namespace
        return scan
    _extent(data, scan)
    _formulas_and_errors(data, scan)
    scan.hidden_rows = _hidden_rows(data)
    merges = data.find(b"<mergeCells")
    if merges >= 0:
        scan.merged = [m.group(1).decode() for m in _MERGE.finditer(data, merges)]
    return scan
