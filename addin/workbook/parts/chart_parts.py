"""A new chart for an output sheet whose chart the user deleted: the parts as the builder
makes them (XlsxWriter, through :func:`.build._add_chart`), taken from a scratch
workbook and added to the package under free part names.

Only a sheet without any drawing gets one (a user's own drawing on an output sheet is
left alone; the chart is then not recreated, and the engine says so).
"""

from __future__ import annotations

import io
import re
import zipfile

from .. import layout
from .package import DOC_REL, Package
from .schema import after

DRAWING_TYPE = "application/vnd.openxmlformats-officedocument.drawing+xml"
CHART_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"


def _scratch_parts(spec: layout.ChartSpec, n_rows: int) -> dict[str, bytes]:
    """The drawing, its relationships and the chart of ``spec`` from a scratch workbook."""
    import xlsxwriter  # only when a chart is recreated

    from ..template.build import _add_chart  # the builder's one definition of the chart

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = wb.add_worksheet(spec.sheet)
    _add_chart(wb, ws, spec, max(n_rows, 1))
    wb.close()
    with zipfile.ZipFile(buffer) as zf:
        return {
            "drawing": zf.read("xl/drawings/drawing1.xml"),
            "chart": zf.read("xl/charts/chart1.xml"),
        }


def _insert_drawing_element(sheet_xml: bytes, rel_id: str) -> bytes:
    element = f'<drawing xmlns:r="{DOC_REL}" r:id="{rel_id}"/>'.encode()
    for name in after("worksheet", "drawing"):
        found = re.search(rb"<" + name.encode() + rb"\b", sheet_xml)
        if found:
            return sheet_xml[: found.start()] + element + sheet_xml[found.start() :]
    close = sheet_xml.rindex(b"</worksheet>")
    return sheet_xml[:close] + element + sheet_xml[close:]


def add_chart(package: Package, sheet_part: str, spec: layout.ChartSpec, n_rows: int) -> str:
    """Add a drawing holding a new chart to ``sheet_part``; the chart's part name."""
    parts = _scratch_parts(spec, n_rows)
    chart = package.free_name("xl/charts/chart{}.xml")
    package.put(chart, parts["chart"])
    drawing = package.free_name("xl/drawings/drawing{}.xml")
    package.put(drawing, parts["drawing"])
    chart_rel = package.add_relationship(drawing, f"{DOC_REL}/chart", chart)
    package.put(drawing, parts["drawing"].replace(b'r:id="rId1"', f'r:id="{chart_rel}"'.encode()))
    drawing_rel = package.add_relationship(sheet_part, f"{DOC_REL}/drawing", drawing)
    package.put(sheet_part, _insert_drawing_element(package.read(sheet_part), drawing_rel))
    package.add_override(drawing, DRAWING_TYPE)
    package.add_override(chart, CHART_TYPE)
    return chart
