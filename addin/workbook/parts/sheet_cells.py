"""Setting individual cells of an input sheet (``yangtze import``), in that sheet's part only.

Each cell keeps its format (``s``); its old content (value, formula, inline text) is
replaced by the new value (a replaced formula is reported, so that its calcChain entry
goes too): a number as ``<v>`` (``repr``, exact), text inline. Rows and
cells are inserted in ascending order, as the format requires. Only the one worksheet
part is parsed; every other part of the book is copied as it is.
"""

from __future__ import annotations

import math

from lxml import etree

from .. import layout
from .package import MAIN_NS
from .sheet_reader import _REF
from .xmlparse import parse_part, serialize


def _q(tag: str) -> str:
    return f"{{{MAIN_NS}}}{tag}"


def _fill(c, value: object) -> None:
    """Make ``<c>`` hold ``value`` (its style attribute stays)."""
    for child in list(c):
        c.remove(child)
    c.attrib.pop("t", None)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return
    if isinstance(value, bool):
        c.set("t", "b")
        etree.SubElement(c, _q("v")).text = str(int(value))
    elif isinstance(value, (int, float)):
        etree.SubElement(c, _q("v")).text = repr(value)
    else:
        c.set("t", "inlineStr")
        etree.SubElement(etree.SubElement(c, _q("is")), _q("t")).text = str(value)


def _position(siblings, key, number) -> int:
    """Where an element numbered ``number`` goes among ``siblings`` (ascending by ``key``)."""
    for i, elem in enumerate(siblings):
        if key(elem) > number:
            return i
    return len(siblings)


def _row_number(row) -> int:
    return int(row.get("r", "0"))


def _col_number(c) -> int:
    m = _REF.match(c.get("r", ""))
    return layout.column_index(m.group(1)) if m else 0


def set_cells(
    part: bytes, cells: dict[tuple[int, int], object], path, name: str
) -> tuple[bytes, list[str]]:
    """Worksheet part ``part`` with ``cells`` ((row, col) → value, 1-based) set, and the
    cells among them that held a formula (``"D5"``: their calcChain entries must go)."""
    root = parse_part(part, path, name)
    replaced = []
    data = root.find(_q("sheetData"))
    rows = {_row_number(r): r for r in data.iter(_q("row"))}
    for (r, col), value in sorted(cells.items()):
        row = rows.get(r)
        if row is None:
            row = etree.Element(_q("row"), r=str(r))
            data.insert(_position(list(data), _row_number, r), row)
            rows[r] = row
        row.attrib.pop("spans", None)  # an optional hint that may no longer hold
        ref = layout.address(r, col)
        c = next((x for x in row.iter(_q("c")) if x.get("r") == ref), None)
        if c is None:
            c = etree.Element(_q("c"), r=ref)
            row.insert(_position(list(row), _col_number, col), c)
        if c.find(_q("f")) is not None:
            replaced.append(ref)
        _fill(c, value)
    return serialize(root), replaced
