"""Pointing an output sheet's chart at the rows just written: ranges and cached values.

Each series (``<c:ser>``) gets its name, categories and values as references
(``<c:f>``) and as caches (``<c:strCache>``/``<c:numCache>``: ``ptCount`` and one
``<c:pt idx>`` per non-empty cell), since viewers that do not recalculate draw the cache.
Everything else in the chart part (titles, axes, markers, the user's formatting) stays.

A user may have changed the chart's type. The series' children then depend on it
(CT_LineSer, CT_BarSer, CT_ScatterSer … of ECMA-376 Part 1, §21.2.2):

- category charts (line, bar/column, area, pie, doughnut, radar, surface, stock, their
  3-D forms, and combinations of them in one plot area): ``c:cat`` and ``c:val``;
- an XY scatter: the years as ``c:xVal`` (numbers), the measure as ``c:yVal``;
- a bubble chart: its bubble sizes have no counterpart in the tables, so the chart is
  left exactly as it was, with a notice.

Series are matched to the measures in plot order (the order of ``c:ser`` in the plot
area, across the chart types of a combination chart). A chart with fewer series than
measures draws the first ones and names those left out; one with more leaves the extra
series as they were; both say so in a notice.

Examples
--------
>>> chart_kind_names(["lineChart", "barChart"])
'line and bar'
"""

from __future__ import annotations

import re

from lxml import etree

from .. import layout
from ..render import ChartRanges, SheetBlock
from .xmlparse import parse_part, serialize

C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_RANGE = re.compile(r"!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")

#: Chart types whose series hold ``c:cat``/``c:val``.
CATEGORY_TYPES = frozenset(
    {
        "lineChart",
        "line3DChart",
        "barChart",
        "bar3DChart",
        "areaChart",
        "area3DChart",
        "pieChart",
        "pie3DChart",
        "doughnutChart",
        "ofPieChart",
        "radarChart",
        "surfaceChart",
        "surface3DChart",
        "stockChart",
    }
)
#: Chart types whose series hold ``c:xVal``/``c:yVal``, updated as years and values.
XY_TYPES = frozenset({"scatterChart"})
#: Names of chart types for the notices.
_TYPE_NAMES = {"scatterChart": "XY scatter", "bubbleChart": "bubble", "ofPieChart": "bar of pie"}

#: Where a series' reference children go: each one before the first of these present
#: (the children after cat/val, xVal/yVal in CT_*Ser), else at the end.
_FOLLOWERS = {
    "cat": ("val", "smooth", "shape", "bubble3D", "extLst"),
    "val": ("smooth", "shape", "bubble3D", "extLst"),
    "xVal": ("yVal", "smooth", "extLst"),
    "yVal": ("smooth", "extLst"),
}


def _c(tag: str) -> str:
    return f"{{{C_NS}}}{tag}"


def chart_kind_names(kinds: list[str]) -> str:
    """The chart types ``kinds`` (element names such as ``lineChart``) as users name them."""
    names = [_TYPE_NAMES.get(k, re.sub(r"(3D)?Chart$", r" \1", k).strip()) for k in kinds]
    return " and ".join(dict.fromkeys(names))


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
    """Make ``parent`` (``c:tx``, ``c:cat``, ``c:val``, ``c:xVal``, ``c:yVal``) hold ``ref``
    and its cache: numbers as ``c:numRef`` (always for ``c:val``/``c:yVal``, which
    CT_NumDataSource allows only), text as ``c:strRef``."""
    numeric = parent.tag in (_c("val"), _c("yVal")) or (
        parent.tag != _c("tx") and all(isinstance(v, (int, float)) or v is None for v in values)
    )
    kind = "num" if numeric else "str"
    for child in list(parent):
        parent.remove(child)
    holder = etree.SubElement(parent, _c(f"{kind}Ref"))
    etree.SubElement(holder, _c("f")).text = ref
    holder.append(_cache(kind, [v if not numeric or _is_number(v) else None for v in values]))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _child(ser, tag: str):
    """``ser``'s child ``tag``, created in schema order when missing."""
    found = ser.find(_c(tag))
    if found is not None:
        return found
    new = etree.Element(_c(tag))
    for name in _FOLLOWERS.get(tag, ()):
        anchor = ser.find(_c(name))
        if anchor is not None:
            anchor.addprevious(new)
            return new
    if tag == "tx":  # right after c:order (c:idx, c:order come first in every CT_*Ser)
        anchor = ser.find(_c("order"))
        if anchor is None:
            anchor = ser.find(_c("idx"))
        if anchor is not None:
            anchor.addnext(new)
            return new
    ser.append(new)
    return new


def _plotted_series(root) -> list[tuple[str, object]]:
    """(chart type, ``c:ser``) of every series in the plot area, in plot order."""
    plot = root.find(f"{_c('chart')}/{_c('plotArea')}")
    if plot is None:
        return []
    return [
        (etree.QName(kind).localname, ser)
        for kind in plot
        if etree.QName(kind).localname.endswith("Chart")
        for ser in kind.findall(_c("ser"))
    ]


def _point(ser, kind: str, ranges: ChartRanges, block: SheetBlock, refs: tuple[str, str]) -> None:
    """Point one series at its name and values, with the categories (or years as x)."""
    name_ref, values_ref = refs
    categories, values = ("xVal", "yVal") if kind in XY_TYPES else ("cat", "val")
    _reference(_child(ser, "tx"), name_ref, values_at(block, name_ref))
    _reference(_child(ser, categories), ranges.categories, values_at(block, ranges.categories))
    _reference(_child(ser, values), values_ref, values_at(block, values_ref))


def measure_names(ranges: ChartRanges, block: SheetBlock) -> list[str]:
    """The headers of the measures a chart should draw (its series' name cells)."""
    return [str(values_at(block, name)[0]) for name, _ in ranges.series]


def count_notice(chart: str, n_series: int, measures: list[str]) -> str | None:
    """The notice for a chart with fewer or more series than the ``measures`` (their
    headers) it should draw; None when the counts agree.

    >>> count_notice("the Factors chart", 2, ["T", "I", "Z"])
    'the Factors chart has 2 series for 3 measures: Z not drawn; add a series to draw it'
    """
    n_measures = len(measures)
    if n_series < n_measures:
        left_out = measures[n_series:]
        return (
            f"{chart} has {n_series} series for {n_measures} measures: "
            f"{', '.join(left_out)} not drawn; add a series to draw it"
        )
    if n_series > n_measures:
        return (
            f"{chart} has {n_series} series for {n_measures} measures: the last "
            f"{n_series - n_measures} series were left as they were"
        )
    return None


_FORMULA = re.compile(rb"<(?:\w+:)?f>([^<]*)</(?:\w+:)?f>")


def _plain(ref: str) -> str:
    return ref.replace("$", "").replace("'", "")


def tool_chart(charts: list[tuple[str, bytes]], ranges: ChartRanges) -> str | None:
    """Of the charts on an output sheet (part name, bytes), the one that draws its measures:
    the most series references naming the measures' cells, then the most naming any cell
    of the sheet (a chart whose stale ranges name other columns), the first one on a tie
    (a user's chart sent behind the tool's comes first in the drawing, and is not taken).
    None when no chart names a cell of the sheet: the tool's chart was deleted, and the
    charts left are the user's, drawing other sheets.

    >>> ranges = ChartRanges("S", "S!$A$5:$A$6", [("S!$B$4", "S!$B$5:$B$6")])
    >>> mine = b"<c:f>Sheet1!$A$1:$A$5</c:f>"
    >>> tool_chart([("chart2.xml", mine), ("chart1.xml", b"<c:f>S!$B$4</c:f>")], ranges)
    'chart1.xml'
    >>> tool_chart([("chart2.xml", mine), ("chart1.xml", b"<c:f>'S'!$C$4</c:f>")], ranges)
    'chart1.xml'
    >>> tool_chart([("chart2.xml", mine)], ranges) is None
    True
    """
    wanted = {_plain(ref) for pair in ranges.series for ref in pair}
    sheet = _plain(ranges.sheet)

    def score(data: bytes) -> tuple[int, int]:
        refs = [_plain(f.decode()) for f in _FORMULA.findall(data)]
        on_sheet = sum(ref.rpartition("!")[0] == sheet for ref in refs)
        return sum(ref in wanted for ref in refs), on_sheet

    scored = [(score(data), -order, name) for order, (name, data) in enumerate(charts)]
    best = max(scored, default=((0, 0), 0, None))
    return best[2] if best[0] > (0, 0) else None


def update_chart(
    data: bytes, ranges: ChartRanges, block: SheetBlock, path, part: str
) -> tuple[bytes, list[str]]:
    """Chart part ``data`` with its series pointed at ``ranges`` (values from ``block``),
    and the notices for the user (the chart left as it was, series left out or extra)."""
    root = parse_part(data, path, part)
    chart = f"the {ranges.sheet} chart"
    series = _plotted_series(root)
    kinds = list(dict.fromkeys(kind for kind, _ in series))
    others = [k for k in kinds if k not in CATEGORY_TYPES | XY_TYPES]
    if others:
        return data, [f"{chart} is a {chart_kind_names(kinds)} chart: its ranges are not updated"]
    for (kind, ser), refs in zip(series, ranges.series):
        _point(ser, kind, ranges, block, refs)
    notice = count_notice(chart, len(series), measure_names(ranges, block))
    return serialize(root), [notice] if notice else []
