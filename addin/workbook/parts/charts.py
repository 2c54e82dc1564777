"""Pointing an output sheet's chart at the rows just written: ranges and cached values.

Each series (``<c:ser>``) gets its name, categories and values as references
(``<c:f>``) and as caches (``<c:strCache>``/``<c:numCache>``: ``ptCount`` and one
``<c:pt idx>`` per non-empty cell), since viewers that do not recalculate draw the cache.
Everything else in the chart part (titles, axes, markers, the user's formatting) stays.
"""

from __future__ import annotations

import re

from lxml import etree

from .. import layout
from ..render import ChartRanges, SheetBlock
from .xmlparse import parse_part, serialize

C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_RANGE = re.compile(r"!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")


def _c(tag: str) -> str:
    return f"{{{C_NS}}}{tag}"


def values_at(block: SheetBlock, ref: str) -> list[object]:
    """The block's values in the (one-column) range ``ref`` such as ``Factors!$B$5:$B$34``.

    >>> rows = [["t"], [], [], ["year", "z"], [1993, 0.5], [1994, None]]
    >>> block = SheetBlock("S", rows, 2, ("year", "z"))
    >>> values_at(block, "S!$B$5:$B$6")
    [0.5, None]
    >>> values_at(block, "S!$B$4")
    ['z']
    """
    m = _RANGE.search(ref)
    col = layout.column_index(m.group(1))
    first, last = int(m.group(2)), int(m.group(4) or m.group(2))
    out = []
    for r in range(first, last + 1):
        row = block.rows[r - 1] if r <= len(block.rows) else []
        out.append(row[col - 1] if col <= len(row) else None)
    return out


def _cache(kind: str, values: list[object]):
    cache = etree.Element(_c(f"{kind}Cache"))
    if kind == "num":
        etree.SubElement(cache, _c("formatCode")).text = "General"
    etree.SubElement(cache, _c("ptCount"), val=str(len(values)))
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and v != v):
            continue
        pt = etree.SubElement(cache, _c("pt"), idx=str(i))
        etree.SubElement(pt, _c("v")).text = repr(v) if isinstance(v, float) else str(v)
    return cache


def _reference(parent, ref: str, values: list[object]) -> None:
    """Make ``parent`` (``c:tx``, ``c:cat`` or ``c:val``) hold ``ref`` and its cache."""
    numeric = parent.tag != _c("tx") and all(
        isinstance(v, (int, float)) or v is None for v in values
    )
    kind = "num" if numeric else "str"
    for child in list(parent):
        parent.remove(child)
    holder = etree.SubElement(parent, _c(f"{kind}Ref"))
    etree.SubElement(holder, _c("f")).text = ref
    holder.append(_cache(kind, values))


def _child(ser, tag: str, after: tuple[str, ...], before: tuple[str, ...]):
    """``ser``'s child ``tag``, created in schema order when missing."""
    found = ser.find(_c(tag))
    if found is not None:
        return found
    new = etree.Element(_c(tag))
    for name in before:
        anchor = ser.find(_c(name))
        if anchor is not None:
            anchor.addprevious(new)
            return new
    for name in after:
        anchor = ser.find(_c(name))
        if anchor is not None:
            anchor.addnext(new)
            return new
    ser.append(new)
    return new


def update_chart(data: bytes, ranges: ChartRanges, block: SheetBlock, path, part: str) -> bytes:
    """Chart part ``data`` with its series pointed at ``ranges`` (values from ``block``)."""
    root = parse_part(data, path, part)
    categories = values_at(block, ranges.categories)
    for ser, (name_ref, values_ref) in zip(root.iter(_c("ser")), ranges.series):
        _reference(_child(ser, "tx", ("order", "idx"), ()), name_ref, values_at(block, name_ref))
        _reference(
            _child(ser, "cat", (), ("val", "smooth", "extLst")), ranges.categories, categories
        )
        _reference(
            _child(ser, "val", ("cat",), ("smooth", "extLst")),
            values_ref,
            values_at(block, values_ref),
        )
    return serialize(root)
