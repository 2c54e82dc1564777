"""Writing an output sheet's cells into its worksheet part, keeping the sheet's settings.

The bytes before ``<sheetData>`` (sheet properties, views, column widths) and after
``</sheetData>`` (page setup, drawing and legacy-drawing references, extensions) are
kept; the rows are written anew from a :class:`~.render.SheetBlock`, so no stale row
survives when the data shrink. ``<dimension>`` is updated and ``<mergeCells>`` dropped
(the tool writes no merged cells; old ones would cover the new rows).

Cells: numbers as ``repr(float)`` (the shortest text that reads back exactly; NaN and
infinities are left out), text inline (``t="inlineStr"``), booleans ``t="b"``. The data
rows are made a column at a time (:func:`_column_cells`), in batches of
:data:`_DATA_BATCH` rows: the same text as :func:`cell_xml` gives cell by cell.

Examples
--------
>>> cell_xml(5, 2, 1.5, 7)
'<c r="B5" s="7"><v>1.5</v></c>'
>>> cell_xml(1, 1, "Table 1 <Z>", 0)
'<c r="A1" t="inlineStr"><is><t>Table 1 &lt;Z&gt;</t></is></c>'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

from .. import layout
from ..render import SheetBlock
from .package import MAIN_NS, xml_text
from .styles import OutputStyles

_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData\b[^>]*?(/>|>)")
_DIMENSION = re.compile(rb"<((?:\w+:)?)dimension\b[^>]*/>")
_MERGE_CELLS = re.compile(rb"<((?:\w+:)?)mergeCells\b.*?</\1mergeCells>", re.S)


def cell_xml(row: int, col: int, value: object, style: int) -> str:
    """One ``<c>`` element; an empty string for a value that cannot be stored and no style."""
    return _cell(f"{layout.column_letter(col)}{row}", value, f' s="{style}"' if style else "")


def _cell(ref: str, value: object, s: str) -> str:
    body = _body(value)
    if body:
        return f'<c r="{ref}"{s}{body}'
    return f'<c r="{ref}"{s}/>' if s else ""


def _body(value: object) -> str:
    """What follows ``<c r="…" s="…"`` for ``value`` (its type, value and closing tag); an
    empty string when nothing is stored (None, empty text, NaN, infinities)."""
    kind = type(value)
    if kind is float:
        return f"><v>{value!r}</v></c>" if value - value == 0 else ""  # finite
    if kind is str:
        if not value:
            return ""
        text = xml_text(value)
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f' t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if kind is bool:
        return f' t="b"><v>{int(value)}</v></c>'
    if kind is int:
        return f"><v>{value!r}</v></c>"
    if value is None:
        return ""
    return _body(float(value) if isinstance(value, (int, float)) else str(value))


#: How a list's ``repr`` shows the values of a number column that are not stored.
_NOT_STORED = frozenset({"None", "nan", "inf", "-inf"})
_NUMBER_TYPES = frozenset({float, int, type(None)})
_TEXT_TYPES = frozenset({str, type(None)})


def _column_cells(letter: str, s: str, values: list, numbers: list[str]) -> list[str]:
    """The ``<c>`` elements of one column over the rows ``numbers`` ("" where none is
    written): :func:`_cell`'s text, made a column at a time.

    A column of floats, ints and None is shown by one ``repr`` of the list (which shows
    each number as ``repr`` does alone); a column of text and None escapes each distinct
    text once; any other mix goes cell by cell.
    """
    types = set(map(type, values))
    if types <= _NUMBER_TYPES:
        shown = repr(values)[1:-1].split(", ") if values else []
        return [
            f'<c r="{letter}{n}"{s}><v>{t}</v></c>'
            if t not in _NOT_STORED
            else _empty(letter, n, s)
            for n, t in zip(numbers, shown)
        ]
    if types <= _TEXT_TYPES:
        bodies = {v: _body(v) for v in set(values)}
        return [
            f'<c r="{letter}{n}"{s}{bodies[v]}' if v else _empty(letter, n, s)
            for n, v in zip(numbers, values)
        ]
    return [_cell(f"{letter}{n}", v, s) for n, v in zip(numbers, values)]


def _empty(letter: str, n: str, s: str) -> str:
    return f'<c r="{letter}{n}"{s}/>' if s else ""


def _row_styles(block: SheetBlock, styles: OutputStyles) -> dict[str, list[str]]:
    """The ``s`` attribute text of each column, for the title, header and data rows."""
    width = max(len(block.columns), max(map(len, block.rows), default=0))
    header = [f' s="{styles.header}"'] * len(block.columns) + [""] * (width - len(block.columns))
    data = [f' s="{styles.formats[f]}"' if f else "" for f in block.formats]
    return {
        "title": [f' s="{styles.title}"'] + [""] * width,
        "header": header,
        "data": data + [""] * (width - len(data)),
        "plain": [""] * width,
    }


def rows_xml(block: SheetBlock, styles: OutputStyles) -> Iterator[str]:
    """The ``<row>`` elements of ``block``, one string per row (empty rows left out)."""
    kinds = _row_styles(block, styles)
    first, last = layout.OUT_FIRST_ROW, layout.OUT_FIRST_ROW + block.n_data_rows - 1
    letters = [layout.column_letter(c) for c in range(1, len(kinds["plain"]) + 1)]
    for r, values in enumerate(block.rows[: first - 1], start=1):  # title, notes, headers
        kind = "title" if r == 1 else "plain"
        attrs = ""
        if r == layout.OUT_HEADER_ROW:
            kind, values = "header", list(values) + [None] * (len(block.columns) - len(values))
            attrs = f' ht="{block.header_height:g}"'  # no customHeight: Excel may fit it still
        yield from _rows(r, [values], letters, kinds[kind], attrs)
    for start in range(first, last + 1, _DATA_BATCH):
        rows = block.rows[start - 1 : min(start + _DATA_BATCH, last + 1) - 1]
        yield from _rows(start, rows, letters, kinds["data"])
    for r, values in enumerate(block.rows[last:], start=last + 1):  # the notes below
        yield from _rows(r, [values], letters, kinds["plain"])


#: Data rows made at a time, column by column.
_DATA_BATCH = 4096


def _rows(
    first: int, rows: list[Sequence], letters: list[str], styles: list[str], attrs: str = ""
) -> list[str]:
    """The ``<row>`` elements of ``rows`` (the first is row ``first``; ``attrs``: more row
    attributes), empty ones left out; made column by column (rows of unequal length one by
    one)."""
    if len(set(map(len, rows))) > 1:
        return [
            row
            for r, values in enumerate(rows, start=first)
            for row in _rows(r, [values], letters, styles, attrs)
        ]
    numbers = [str(r) for r in range(first, first + len(rows))]
    columns = [
        _column_cells(letter, s, list(values), numbers)
        for letter, s, values in zip(letters, styles, zip(*rows))
    ]
    return [
        f'<row r="{n}"{attrs}>{cells}</row>'
        for n, cells in zip(numbers, map("".join, zip(*columns)))
        if cells
    ]


def used_range(block: SheetBlock) -> str:
    """The ``<dimension>`` of the written block (``"A1:H34"``)."""
    width = max(1, len(block.columns), max(map(len, block.rows), default=0))
    return f"A1:{layout.column_letter(width)}{max(len(block.rows), 1)}"


def rewrite_sheet(
    part: bytes, block: SheetBlock, styles: OutputStyles
) -> Callable[[], Iterator[bytes]]:
    """Worksheet part ``part`` with its cells replaced by ``block`` (settings kept), as a
    function giving the new part in pieces (rows are produced as the zip is written)."""
    found = _SHEET_DATA.search(part)
    if found is None:
        raise ValueError("worksheet part without <sheetData>")
    prefix = found.group(1)
    end = found.end()
    if found.group(2) != b"/>":
        close = b"</" + prefix + b"sheetData>"
        end = part.index(close, found.end()) + len(close)
    head, tail = part[: found.start()], part[end:]
    dimension = b'dimension ref="' + used_range(block).encode() + b'"/>'
    head = _DIMENSION.sub(lambda m: b"<" + m.group(1) + dimension, head, count=1)
    tail = _MERGE_CELLS.sub(b"", tail, count=1)
    tail = re.sub(rb"<(?:\w+:)?mergeCells\b[^>]*/>", b"", tail, count=1)
    # under a prefixed root (<x:worksheet>), declare the main namespace as the default here
    xmlns = f' xmlns="{MAIN_NS}"'.encode() if prefix else b""

    def pieces() -> Iterator[bytes]:
        yield head + b"<sheetData" + xmlns + b">"
        batch: list[str] = []
        for row in rows_xml(block, styles):
            batch.append(row)
            if len(batch) == _DATA_BATCH:
                yield "".join(batch).encode()
                batch = []
        yield "".join(batch).encode() + b"</sheetData>" + tail

    return pieces
