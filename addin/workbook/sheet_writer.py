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

import math
import re

from . import layout
from .package import MAIN_NS, xml_text
from .render import SheetBlock
from .styles import OutputStyles

_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData\b[^>]*?(/>|>)")
_DIMENSION = re.compile(rb"<((?:\w+:)?)dimension\b[^>]*/>")
_MERGE_CELLS = re.compile(rb"<((?:\w+:)?)mergeCells\b.*?</\1mergeCells>", re.S)


def cell_xml(row: int, col: int, value: object, style: int) -> str:
    """One ``<c>`` element; an empty string for a value that cannot be stored and no style."""
    ref = f"{layout.column_letter(col)}{row}"
    s = f' s="{style}"' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return f'<c r="{ref}"{s}/>' if style else ""
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>' if style else ""
    text = xml_text(str(value))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _styles_by_cell(block: SheetBlock, styles: OutputStyles):
    """A function (row, col) → xf index for the block's cells."""
    first, last = layout.OUT_FIRST_ROW, layout.OUT_FIRST_ROW + block.n_data_rows - 1
    column_styles = [styles.formats[f] if f else 0 for f in block.formats]
    n_columns = len(block.columns)

    def style(r: int, c: int) -> int:
        if r == 1 and c == 1:
            return styles.title
        if r == layout.OUT_HEADER_ROW and c <= n_columns:
            return styles.header
        if first <= r <= last and c <= len(column_styles):
            return column_styles[c - 1]
        return 0

    return style


def rows_xml(block: SheetBlock, styles: OutputStyles) -> tuple[list[str], str]:
    """The ``<row>`` elements of ``block`` and the used range (``"A1:H34"``)."""
    style = _styles_by_cell(block, styles)
    out, width, height = [], 1, 1
    for r, values in enumerate(block.rows, start=1):
        n = len(values)
        if r == layout.OUT_HEADER_ROW:
            n = max(n, len(block.columns))
        cells = "".join(
            cell_xml(r, c, values[c - 1] if c <= len(values) else None, style(r, c))
            for c in range(1, n + 1)
        )
        if cells:
            out.append(f'<row r="{r}">{cells}</row>')
            width, height = max(width, n), r
    return out, f"A1:{layout.column_letter(width)}{height}"


def rewrite_sheet(part: bytes, block: SheetBlock, styles: OutputStyles) -> bytes:
    """Worksheet part ``part`` with its cells replaced by ``block`` (settings kept)."""
    found = _SHEET_DATA.search(part)
    if found is None:
        raise ValueError("worksheet part without <sheetData>")
    prefix = found.group(1)
    if found.group(2) == b"/>":
        start, end = found.start(), found.end()
    else:
        close = part.index(b"</" + prefix + b"sheetData>", found.end())
        start, end = found.start(), close + len(b"</" + prefix + b"sheetData>")
    rows, used = rows_xml(block, styles)
    # under a prefixed root (<x:worksheet>), declare the main namespace as the default here
    xmlns = f' xmlns="{MAIN_NS}"' if prefix else ""
    data = f"<sheetData{xmlns}>{''.join(rows)}</sheetData>".encode()
    head, tail = part[:start], part[end:]
    head = _DIMENSION.sub(
        lambda m: b"<" + m.group(1) + b'dimension ref="' + used.encode() + b'"/>', head, count=1
    )
    tail = _MERGE_CELLS.sub(b"", tail, count=1)
    tail = re.sub(rb"<(?:\w+:)?mergeCells\b[^>]*/>", b"", tail, count=1)
    return head + data + tail
