"""Open a workbook in LibreOffice and report what a user would get; optionally render it.

Arguments: ``path``; ``pdf`` (optional: export every sheet, one page per sheet, to this
PDF); ``chart_dir`` (optional: export each chart as ``<sheet>.png`` there, ``chart_width``
pixels wide); ``fit_rows`` (recompute optimal row heights first, as a GUI does when it
lays out wrapped text); ``show_button`` (print the Guide's button: make it printable
and extend the Guide's print range down to it).

Answer: ``sheets`` (names in order); ``first_text`` (per sheet, the text of its first
non-empty cell in column A); ``charts`` (per sheet: each chart's series with label
text, value range and values, the categories, and the line style: LINES or CUBIC_SPLINES …);
``controls`` (per sheet: form
controls with label, model, and the script events of the form); ``basic`` (Basic
libraries; for ``VBAProject`` each module's source); ``pages`` exported.
"""

from __future__ import annotations

import math

import _common
import uno
from com.sun.star.table import CellRangeAddress


def _num(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def charts_of(sheet) -> list[dict]:
    out = []
    tables = sheet.getCharts()
    for k in range(tables.getCount()):
        table_chart = tables.getByIndex(k)
        chart = table_chart.getEmbeddedObject()
        diagram = chart.getFirstDiagram()
        series, categories, curve_styles = [], None, set()
        for system in diagram.getCoordinateSystems():
            try:
                scale = system.getAxisByDimension(0, 0).getScaleData()
                if scale.Categories is not None:
                    categories = [_num(v) for v in scale.Categories.getValues().getData()]
            except Exception:  # noqa: BLE001 - a chart without a category axis
                pass
            for chart_type in system.getChartTypes():
                if chart_type.getPropertySetInfo().hasPropertyByName("CurveStyle"):
                    curve_styles.add(chart_type.CurveStyle.value)
                for s in chart_type.getDataSeries():
                    item = {"chart_type": chart_type.getChartType()}
                    for seq in s.getDataSequences():
                        values = seq.getValues()
                        role = values.Role
                        item[role] = {
                            "range": values.getSourceRangeRepresentation(),
                            "data": [_num(v) for v in values.getData()],
                        }
                        if seq.getLabel() is not None:
                            item["label"] = {
                                "range": seq.getLabel().getSourceRangeRepresentation(),
                                "data": list(seq.getLabel().getData()),
                            }
                    series.append(item)
        title = chart.getTitleObject()
        title_text = "".join(t.getString() for t in title.getText()) if title is not None else ""
        out.append(
            {
                "name": table_chart.getName(),
                "title": title_text,
                "series": series,
                "categories": categories,
                "curve_style": "/".join(sorted(curve_styles)),
            }
        )
    return out


def controls_of(sheet) -> list[dict]:
    _common.form_controls(sheet)  # waits until every control shape has its model
    page = sheet.getDrawPage()
    out = []
    for i in range(page.getCount()):
        shape = page.getByIndex(i)
        if shape.getShapeType() != "com.sun.star.drawing.ControlShape":
            continue
        model = shape.getControl()
        form = model.getParent()
        index = next(j for j in range(form.getCount()) if form.getByIndex(j) == model)
        events = [
            {
                "listener": e.ListenerType,
                "method": e.EventMethod,
                "type": e.ScriptType,
                "code": e.ScriptCode,
            }
            for e in form.getScriptEvents(index)
        ]
        out.append(
            {
                "name": model.Name,
                "label": model.Label,
                "model": model.getImplementationName(),
                "is_button": model.supportsService("com.sun.star.form.component.CommandButton"),
                "printable": bool(model.Printable),
                "events": events,
                "y": shape.getPosition().Y,
                "height": shape.getSize().Height,
            }
        )
    return out


def basic_of(doc) -> dict:
    libraries = doc.BasicLibraries
    out = {}
    for name in libraries.getElementNames():
        libraries.loadLibrary(name)
        library = libraries.getByName(name)
        out[name] = {m: library.getByName(m) for m in library.getElementNames()}
    return out


def first_text(sheet) -> str:
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    last = cursor.getRangeAddress().EndRow
    for r in range(last + 1):
        text = sheet.getCellByPosition(0, r).getString()
        if text.strip():
            return text
    return ""


def _row_at(sheet, y: int) -> int:
    row = 0
    while row < 100_000 and sheet.getCellByPosition(0, row + 1).Position.Y <= y:
        row += 1
    return row


def fit_rows(sheet) -> None:
    """Give every row its optimal height (wrapped text shown whole), moving the drawing
    objects with their cells as Excel does for objects that move with cells."""
    page = sheet.getDrawPage()
    anchors = []
    for i in range(page.getCount()):
        shape = page.getByIndex(i)
        y = shape.getPosition().Y
        row = _row_at(sheet, y)
        anchors.append((shape, row, y - sheet.getCellByPosition(0, row).Position.Y))
    sheet.getRows().OptimalHeight = True
    for shape, row, offset in anchors:
        position = shape.getPosition()
        position.Y = sheet.getCellByPosition(0, row).Position.Y + offset
        shape.setPosition(position)


def show_button(doc, sheet_name: str) -> None:
    """Make the sheet's form controls printable and print the sheet down to them."""
    sheet = doc.Sheets.getByName(sheet_name)
    page = sheet.getDrawPage()
    bottom = 0
    for i in range(page.getCount()):
        shape = page.getByIndex(i)
        if shape.getShapeType() == "com.sun.star.drawing.ControlShape":
            shape.getControl().Printable = True
            bottom = max(bottom, shape.getPosition().Y + shape.getSize().Height)
    rows = sheet.getRows()
    y, last = 0, 0
    while y < bottom + 300 and last < 1000:
        y += rows.getByIndex(last).Height
        last += 1
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    end = cursor.getRangeAddress()
    area = CellRangeAddress()
    area.Sheet, area.StartColumn, area.StartRow = end.Sheet, 0, 0
    area.EndColumn, area.EndRow = end.EndColumn, max(end.EndRow, last)
    sheet.setPrintAreas((area,))


def export_pdf(doc, path: str) -> None:
    data = uno.Any("[]com.sun.star.beans.PropertyValue", _common.props(SinglePageSheets=True))
    doc.storeToURL(_common.url(path), _common.props(FilterName="calc_pdf_Export", FilterData=data))


def export_charts(ctx, doc, directory: str, width: int) -> dict:
    out = {}
    for name in doc.Sheets.getElementNames():
        page = doc.Sheets.getByName(name).getDrawPage()
        n = 0
        for i in range(page.getCount()):
            shape = page.getByIndex(i)
            if shape.getShapeType() != "com.sun.star.drawing.OLE2Shape":
                continue
            size = shape.getSize()
            height = round(width * size.Height / size.Width)
            target = f"{directory}/{name}{'' if n == 0 else n + 1}.png"
            exporter = ctx.ServiceManager.createInstanceWithContext(
                "com.sun.star.drawing.GraphicExportFilter", ctx
            )
            exporter.setSourceDocument(shape)
            data = uno.Any(
                "[]com.sun.star.beans.PropertyValue",
                _common.props(PixelWidth=width, PixelHeight=height),
            )
            exporter.filter(
                _common.props(URL=_common.url(target), MediaType="image/png", FilterData=data)
            )
            out.setdefault(name, []).append(target)
            n += 1
    return out


a = _common.args()
ctx = _common.connect(a["port"])
doc = _common.load(ctx, a["path"], macros=a.get("macros", False))
try:
    sheets = doc.Sheets
    names = list(sheets.getElementNames())
    answer = {
        "sheets": names,
        "first_text": {n: first_text(sheets.getByName(n)) for n in names},
        "charts": {n: charts_of(sheets.getByName(n)) for n in names},
        "controls": {n: controls_of(sheets.getByName(n)) for n in names},
        "basic": basic_of(doc),
    }
    if a.get("fit_rows"):
        for n in names:
            fit_rows(sheets.getByName(n))
    for n in a.get("show_button", []):
        show_button(doc, n)
    if a.get("pdf"):
        export_pdf(doc, a["pdf"])
    if a.get("chart_dir"):
        answer["chart_png"] = export_charts(ctx, doc, a["chart_dir"], a.get("chart_width", 900))
finally:
    _common.close(doc)
_common.answer(answer)
