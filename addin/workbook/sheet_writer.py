"""Writing an output sheet's cells into its worksheet part, keeping the sheet's settings.

The bytes before ``<sheetData>`` (sheet properties, views, column widths) and after
``</sheetData>`` (page setup, drawing and legacy-drawing references, extensions) are
kept; the rows are written anew from a :class:`~.render.SheetBlock`, so no stale row
survives when the data shrink. ``<dimension>`` is updated and ``<mergeCells>`` dropped
(the tool writes no merged cells; old ones would cover the new rows).

Cells: numbers as ``repr(float)`` (the shortest text that reads back exactly; NaN and
infinities are left out), text inline (``t="inlineStr"``), booleans ``t="b"``.

Examples
--------
>>> cell_xml(5, 2, 1.5, 7)
'<c r="B5" s="7"><v>1.5</v></c>'
>>> cell_xml(1, 1, "Table 1 <Z>", 0)
'<c r="A1" t="inlineStr"><is><t>Table 1 &lt;Z&gt;</t></is></c>'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from . import layout
from .package import MAIN_NS, xml_text
from .render import SheetBlock
from .styles import OutputStyles

_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData\b[^>]*?(/>|>)")
_DIMENSION = re.compile(rb"<((?:\w+:)?)dimension\b[^>]*/>")
_MERGE_CELLS = re.compile(rb"<((?:\w+:)?)mergeCells\b.*?</\1mergeCells>", re.S)


def cell_xml(row: int, col: int, value: object, style: int) -> str:
    """One ``<c>`` element; an empty string for a value that cannot be stored and no style."""
    return _cell(f"{layout.column_letter(col)}{row}", value, f' s="{style}"' if style else "")


def _cell(ref: str, value: object, s: str) -> str:
    kind = type(value)
    if kind is float:
        if value - value == 0:  # finite (NaN and infinities are left out)
            return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    elif kind is str:
        if value:
            text = xml_text(value)
            space = ' xml:space="preserve"' if text != text.strip() else ""
            return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    elif kind is bool:
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    elif kind is int:
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    elif value is not None:
        return _cell(ref, float(value) if isinstance(value, (int, float)) else str(value), s)
    return f'<c r="{ref}"{s}/>' if s else ""


def _row_styles(block: SheetBlock, styles: OutputStyles) -> dict[str, list[str]]:
    """The ``s`` attribute text of each column, for the title, header and data rows."""
    width = max([len(block.columns), *(len(r) for r in block.rows)], default=0)
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
    for r, values in enumerate(block.rows, start=1):
        if first <= r <= last:
            row_styles = kinds["data"]
        elif r == layout.OUT_HEADER_ROW:
            row_styles = kinds["header"]
            values = list(values) + [None] * (len(block.columns) - len(values))
        else:
            row_styles = kinds["title"] if r == 1 else kinds["plain"]
        cells = "".join(
            [_cell(f"{letter}{r}", v, s) for letter, v, s in zip(letters, values, row_styles)]
        )
        if cells:
            yield f'<row r="{r}">{cells}</row>'


def used_range(block: SheetBlock) -> str:
    """The ``<dimension>`` of the written block (``"A1:H34"``)."""
    width = max([1, len(block.columns), *(len(r) for r in block.rows)])
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
            if len(batch) == 1000:
                yield "".join(batch).encode()
                batch = []
        yield "".join(batch).encode() + b"</sheetData>" + tail

    return pieces
