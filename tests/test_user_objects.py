"""Users' objects on output sheets after regeneration (issue 17, items 2 and 3).

A table over an output table (``xl/tables/tableN.xml``, made by XlsxWriter's ``add_table``
on a scratch book and carried into a template-made book as Excel would hold it) must
follow the new header cells and rows, or stop regeneration with the file unchanged. A
chart the user changed to another type must only get the series children its type
allows (ECMA-376 Part 1 §21.2.2, written out below independently of the code), or be
left as it was with a notice. Every part the tool does not own stays byte-identical.
"""

from __future__ import annotations

import io
import re
import shutil
import sys
import types
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from lxml import etree
from test_excel_engine import FakeChart, fake_book

from addin.cli import main
from addin.errors import FileRejected
from addin.workbook import layout
from addin.workbook.excel_engine import regenerate_caller
from addin.workbook.file_engine import FileEngine
from addin.workbook.parts.package import DOC_REL, Package
from addin.workbook.parts.tables import updated_table
from addin.workbook.render import SheetBlock

from excel_rules import excel_rule_violations
from workbooks import make_book, owned_parts, zip_parts

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
TABLE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"

#: Children of each series type in schema order (ECMA-376 Part 1, §21.2.2: CT_LineSer,
#: CT_BarSer, CT_AreaSer, CT_PieSer, CT_RadarSer, CT_ScatterSer, CT_BubbleSer).
_HEAD = ("idx", "order", "tx", "spPr")
SERIES_CHILDREN = {
    "lineChart": (*_HEAD, "marker", "dPt", "dLbls", "trendline", "errBars", "cat", "val",
                  "smooth", "extLst"),
    "barChart": (*_HEAD, "invertIfNegative", "pictureOptions", "dPt", "dLbls", "trendline",
                 "errBars", "cat", "val", "shape", "extLst"),
    "areaChart": (*_HEAD, "pictureOptions", "dPt", "dLbls", "trendline", "errBars", "cat",
                  "val", "extLst"),
    "pieChart": (*_HEAD, "explosion", "dPt", "dLbls", "cat", "val", "extLst"),
    "radarChart": (*_HEAD, "marker", "dPt", "dLbls", "cat", "val", "extLst"),
    "scatterChart": (*_HEAD, "marker", "dPt", "dLbls", "trendline", "errBars", "xVal", "yVal",
                     "smooth", "extLst"),
}  # fmt: skip
SERIES_CHILDREN["doughnutChart"] = SERIES_CHILDREN["pieChart"]
SERIES_CHILDREN["stockChart"] = SERIES_CHILDREN["lineChart"]


# --- books -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A template-made book with the example data, regenerated once (headers written)."""
    path = make_book(tmp_path_factory.mktemp("base") / "book.xlsm", formulas=False)
    assert main(["regenerate", str(path)]) == 0
    return path


def copy_of(base: Path, tmp_path: Path) -> Path:
    path = tmp_path / "book.xlsm"
    shutil.copy(base, path)
    return path


def replace_parts(path: Path, change) -> None:
    """Rewrite ``path`` through ``change(package)`` (the package's own writer)."""
    package = Package(path)
    try:
        change(package)
        buffer = io.BytesIO()
        package.write(buffer)
    finally:
        package.close()
    path.write_bytes(buffer.getvalue())


def set_settings(path: Path, **values) -> None:
    """Set Settings values (column C) by key, as a user types them."""
    with FileEngine(path) as engine:
        rows = engine.read(layout.SETTINGS)
        where = {row[0]: r for r, row in enumerate(rows, start=1) if row and row[0]}
        engine.write_cells(layout.SETTINGS, {(where[k], 3): v for k, v in values.items()})
        engine.save()


def header_texts(path: Path, sheet: str) -> list[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    row = next(wb[sheet].iter_rows(min_row=4, max_row=4, values_only=True))
    wb.close()
    return [str(v) for v in row if v is not None]


def last_data_row(path: Path, sheet: str) -> int:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[sheet].iter_rows(min_row=5, max_col=1, values_only=True))
    wb.close()
    return 4 + next(i for i, (v,) in enumerate(rows) if v is None)


def sheet_part(package: Package, sheet: str) -> str:
    return next(s.part for s in package.sheets() if s.name == sheet)


def scratch_table(ref: str, names: list[str], **options) -> bytes:
    """``xl/tables/table1.xml`` as XlsxWriter's ``add_table`` writes it."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = wb.add_worksheet()
    ws.add_table(ref, {"columns": [{"header": n} for n in names], "name": "Mine", **options})
    wb.close()
    with zipfile.ZipFile(buffer) as zf:
        return zf.read("xl/tables/table1.xml")


def add_table(path: Path, sheet: str, table_xml: bytes) -> str:
    """Carry a table part into ``path`` over ``sheet``: the part, its relationship, its
    content type and the sheet's ``<tableParts>``; the part's name."""
    name = "xl/tables/table1.xml"

    def change(package: Package) -> None:
        part = sheet_part(package, sheet)
        package.put(name, table_xml)
        rel = package.add_relationship(part, f"{DOC_REL}/table", name)
        package.add_override(name, TABLE_TYPE)
        xml = package.read(part)
        element = f'<tableParts count="1"><tablePart r:id="{rel}"/></tableParts>'.encode()
        at = xml.find(b"<extLst")
        at = at if at >= 0 else xml.rindex(b"</worksheet>")
        package.put(part, xml[:at] + element + xml[at:])

    replace_parts(path, change)
    return name


def table_of(path: Path, sheet: str):
    wb = openpyxl.load_workbook(path)
    (table,) = wb[sheet].tables.values()
    wb.close()
    return table


def regenerate(path: Path, capsys) -> tuple[int, str, str]:
    """``yangtze regenerate`` on ``path``; a book it writes must keep Excel's rules."""
    code = main(["regenerate", str(path)])
    out, err = capsys.readouterr()
    if code == 0:
        assert excel_rule_violations(path) == []
    return code, out, err


def assert_only_owned_changed(before: dict[str, bytes], path: Path, also=()) -> None:
    after = zip_parts(path)
    owned = owned_parts(path) | set(also)
    shared = {"xl/styles.xml", "xl/workbook.xml", "[Content_Types].xml"}
    assert set(after) == set(before)
    changed = {n for n in before if before[n] != after[n]}
    assert changed <= owned | shared, changed - owned - shared


def assert_table_matches_its_cells(path: Path, sheet: str) -> None:
    """Excel's rules for a table, checked on the file as openpyxl reads it."""
    table = table_of(path, sheet)
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    cells = ws[table.ref]
    header = [str(c.value) for c in cells[0]]
    wb.close()
    names = [c.name for c in table.tableColumns]
    assert names == header
    assert len({n.casefold() for n in names}) == len(names)
    (part,) = [n for n in zip_parts(path) if n.startswith("xl/tables/")]
    count = etree.fromstring(zip_parts(path)[part]).find(f"{M}tableColumns").get("count")
    assert int(count) == len(names) == len(cells[0])
    assert table.autoFilter.ref == table.ref


# --- tables ----------------------------------------------------------------------------
XR = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"
XR3 = "http://schemas.microsoft.com/office/spreadsheetml/2016/revision3"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def as_excel_365_saves_it(table_xml: bytes) -> bytes:
    """A table part with what Excel 365 adds: revision ids on the table and its columns
    (``xr:uid``, ``xr3:uid``, declared ignorable) and a sort state."""
    xml = table_xml.decode().replace(
        "<table ",
        f'<table xmlns:mc="{MC}" mc:Ignorable="xr xr3" xmlns:xr="{XR}" xmlns:xr3="{XR3}" '
        'xr:uid="{00000000-000C-0000-FFFF-FFFF00000000}" ',
        1,
    )
    n = iter(range(1, 1000))
    xml = re.sub(
        r"<tableColumn ",
        lambda _: f'<tableColumn xr3:uid="{{00000000-0010-0000-0000-{next(n):012d}}}" ',
        xml,
    )
    ref = re.search(r'<autoFilter ref="[A-Z]+4:([A-Z]+)(\d+)"', xml)
    last_column, last_row = ref.group(1), ref.group(2)
    state = (
        f'<sortState ref="A5:{last_column}{last_row}">'
        f'<sortCondition ref="B5:B{last_row}"/></sortState>'
    )
    return re.sub(r"(<autoFilter [^>]*/>)", lambda m: m.group(1) + state, xml, count=1).encode()


TABLE_SOURCES = {"XlsxWriter": lambda xml: xml, "Excel 365": as_excel_365_saves_it}


@pytest.mark.parametrize("source", TABLE_SOURCES)
def test_a_table_over_table1_follows_new_years_and_language(base, tmp_path, capsys, source):
    path = copy_of(base, tmp_path)
    names, last = header_texts(path, layout.TABLE1), last_data_row(path, layout.TABLE1)
    ref = f"A4:{layout.column_letter(len(names))}{last}"
    table_part = add_table(path, layout.TABLE1, TABLE_SOURCES[source](scratch_table(ref, names)))
    assert_table_matches_its_cells(path, layout.TABLE1)  # the book as the user made it
    set_settings(path, table1_years="1993, 1995, 2000, 2005, 2010, 2015, 2020, 2022", language="en")
    before = zip_parts(path)

    code, out, err = regenerate(path, capsys)

    assert code == 0, err
    new_names = header_texts(path, layout.TABLE1)
    assert new_names != names and len(new_names) > len(names)  # years and language changed
    table = table_of(path, layout.TABLE1)
    assert table.ref == f"A4:{layout.column_letter(len(new_names))}{last}"
    assert [c.name for c in table.tableColumns] == new_names
    assert [c.id for c in table.tableColumns] == list(range(1, len(new_names) + 1))
    assert table.tableStyleInfo.name == "TableStyleMedium9" and table.displayName == "Mine"
    assert_table_matches_its_cells(path, layout.TABLE1)
    assert_only_owned_changed(before, path, also={table_part})
    assert "note:" not in out  # updated silently: nothing for the user to do
    if source == "Excel 365":
        root = etree.fromstring(zip_parts(path)[table_part])
        uids = [c.get(f"{{{XR3}}}uid") for c in root.iter(f"{M}tableColumn")]
        assert uids[: len(names)] == [
            f"{{00000000-0010-0000-0000-{i:012d}}}" for i in range(1, len(names) + 1)
        ]
        assert root.get(f"{{{XR}}}uid") and root.get(f"{{{MC}}}Ignorable") == "xr xr3"
        state = root.find(f"{M}sortState")
        assert state.get("ref") == f"A5:{layout.column_letter(len(new_names))}{last}"
        assert state.find(f"{M}sortCondition").get("ref") == f"B5:B{last}"


def test_a_table_shrinks_with_fewer_years_and_rows(base, tmp_path, capsys):
    path = copy_of(base, tmp_path)
    names, last = header_texts(path, layout.TABLE1), last_data_row(path, layout.TABLE1)
    add_table(
        path, layout.TABLE1, scratch_table(f"A4:{layout.column_letter(len(names))}{last}", names)
    )
    set_settings(path, table1_years="2000, 2010")
    assert regenerate(path, capsys)[0] == 0
    new_names = header_texts(path, layout.TABLE1)
    assert len(new_names) < len(names)
    assert table_of(path, layout.TABLE1).ref.startswith(
        f"A4:{layout.column_letter(len(new_names))}"
    )
    assert_table_matches_its_cells(path, layout.TABLE1)


def test_a_table_over_some_columns_keeps_them_and_follows_the_rows(base, tmp_path, capsys):
    path = copy_of(base, tmp_path)
    names = header_texts(path, layout.FACTORS)
    add_table(path, layout.FACTORS, scratch_table("A4:C12", names[:3]))  # 8 of 30 years
    assert regenerate(path, capsys)[0] == 0
    table = table_of(path, layout.FACTORS)
    assert table.ref == f"A4:C{last_data_row(path, layout.FACTORS)}"
    assert [c.name for c in table.tableColumns] == names[:3]
    assert_table_matches_its_cells(path, layout.FACTORS)


def test_regenerating_again_leaves_the_table_part_byte_identical(base, tmp_path, capsys):
    path = copy_of(base, tmp_path)
    names, last = header_texts(path, layout.TABLE1), last_data_row(path, layout.TABLE1)
    part = add_table(
        path, layout.TABLE1, scratch_table(f"A4:{layout.column_letter(len(names))}{last}", names)
    )
    set_settings(path, language="en")
    assert regenerate(path, capsys)[0] == 0
    first = zip_parts(path)[part]
    assert regenerate(path, capsys)[0] == 0
    assert zip_parts(path)[part] == first


def _hand_edit(xml: bytes, old: str, new: str) -> bytes:
    assert old.encode() in xml
    return xml.replace(old.encode(), new.encode(), 1)


def _refusal_cases(names: list[str], last: int, title: str) -> dict[str, tuple[str, bytes]]:
    width = layout.column_letter(len(names))
    whole = scratch_table(f"A4:{width}{last}", names)
    return {
        "totals row": (
            "totals row",
            scratch_table(f"A4:{width}{last + 1}", names, total_row=True),
        ),
        "calculated column": (
            "calculated column",
            _hand_edit(
                whole,
                f'name="{names[-1]}"/>',
                f'name="{names[-1]}"><calculatedColumnFormula>1+1</calculatedColumnFormula>'
                "</tableColumn>",
            ),
        ),
        "header on the title row": (
            "header row outside the tool's header cells (A4:",
            scratch_table(f"A1:A{last}", [title]),
        ),
        "filter on a column that goes": (
            "filtered by a column",
            re.sub(
                rb'<autoFilter ref="([^"]+)"/>',
                lambda m: (
                    b'<autoFilter ref="'
                    + m.group(1)
                    + b'"><filterColumn colId="'
                    + str(len(names) - 1).encode()
                    + b'"><filters><filter val="1"/></filters></filterColumn></autoFilter>'
                ),
                whole,
            ),
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "totals row",
        "calculated column",
        "header on the title row",
        "filter on a column that goes",
    ],
)
def test_a_table_that_cannot_follow_stops_regeneration_with_the_file_unchanged(
    base, tmp_path, capsys, case
):
    path = copy_of(base, tmp_path)
    names, last = header_texts(path, layout.TABLE1), last_data_row(path, layout.TABLE1)
    title = first_cell(path, layout.TABLE1)
    expected, table_xml = _refusal_cases(names, last, title)[case]
    add_table(path, layout.TABLE1, table_xml)
    # fewer columns (the last one goes), another title
    set_settings(path, table1_years="2000, 2010", language="en")
    before = path.read_bytes()

    code, out, err = regenerate(path, capsys)

    assert code == 1
    assert len(err.strip().splitlines()) == 1, err
    assert "the table Mine" in err and expected in err and "Convert" in err
    assert path.read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))


def add_defined_name(path: Path, name: str, formula: str) -> None:
    def change(package: Package) -> None:
        xml = package.read("xl/workbook.xml")
        entry = f'<definedName name="{name}">{formula}</definedName>'.encode()
        if b"<definedNames>" in xml:
            xml = xml.replace(b"<definedNames>", b"<definedNames>" + entry, 1)
        else:
            xml = xml.replace(b"<calcPr", b"<definedNames>" + entry + b"</definedNames><calcPr", 1)
        package.put("xl/workbook.xml", xml)

    replace_parts(path, change)


@pytest.mark.parametrize(
    "years, refused",
    [("1993, 2000, 2022", False), ("2000, 2010, 2022", True)],
    ids=["the column stays", "the column goes"],
)
def test_a_formula_naming_a_table_column_that_goes_is_refused(
    base, tmp_path, capsys, years, refused
):
    path = copy_of(base, tmp_path)
    names, last = header_texts(path, layout.TABLE1), last_data_row(path, layout.TABLE1)
    width = layout.column_letter(len(names))
    add_table(path, layout.TABLE1, scratch_table(f"A4:{width}{last}", names))
    add_defined_name(path, "first_year", "SUM(Mine[1993])")
    set_settings(path, table1_years=years, language="en")  # every text column renamed
    before = path.read_bytes()

    code, _, err = regenerate(path, capsys)

    if refused:
        assert code == 1 and path.read_bytes() == before
        assert "is named by a formula in a defined name (Mine[1993])" in err
    else:
        assert code == 0, err
        assert "1993" in [c.name for c in table_of(path, layout.TABLE1).tableColumns]


def first_cell(path: Path, sheet: str) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    value = wb[sheet]["A1"].value
    wb.close()
    return value


def test_a_table_whose_header_cells_keep_their_text_is_left_as_it_was(base, tmp_path, capsys):
    path = copy_of(base, tmp_path)
    last = last_data_row(path, layout.TABLE1)
    part = add_table(
        path, layout.TABLE1, scratch_table(f"A1:A{last}", [first_cell(path, layout.TABLE1)])
    )
    set_settings(path, table1_years="2000, 2010")  # the title stays
    stored = zip_parts(path)[part]
    code, out, err = regenerate(path, capsys)
    assert code == 0, err
    assert zip_parts(path)[part] == stored
    assert f"the table Mine (A1:A{last}) is not on the tool's header row; it was left" in out


def test_a_table_without_a_header_row_is_left_as_it_was_and_said(base, tmp_path, capsys):
    path = copy_of(base, tmp_path)
    names = header_texts(path, layout.TABLE1)
    part = add_table(path, layout.TABLE1, scratch_table("A5:C8", names[:3], header_row=False))
    stored = zip_parts(path)[part]
    code, out, _ = regenerate(path, capsys)
    assert code == 0
    assert zip_parts(path)[part] == stored
    assert "the table Mine (A5:C8) has no header row; it was left as it was" in out


def test_duplicate_or_empty_header_texts_are_refused():
    table = scratch_table("A4:C6", ["a", "b", "c"])
    rows = [["t"], [], [], ["Name", "NAME", "x"], [1, 2, 3]]
    block = SheetBlock("S", rows, 1, ("a", "b", "x"))
    with pytest.raises(FileRejected, match=r"the header 'NAME' twice \(A4 and B4\)"):
        updated_table(table, block, 3, "book.xlsm", "xl/tables/table1.xml")
    rows[3] = ["Name", "", "x"]
    with pytest.raises(FileRejected, match="empty header cell B4"):
        updated_table(table, block, 3, "book.xlsm", "xl/tables/table1.xml")
    broken = table.replace(b'ref="A4:C6"', b'ref="A4:C"', 1)
    with pytest.raises(FileRejected, match=r"^book.xlsm: .*has a range that cannot be read"):
        updated_table(broken, block, 3, "book.xlsm", "xl/tables/table1.xml")


SHEET_OBJECTS = (
    b'<autoFilter ref="A4:D34"/>',
    b'<conditionalFormatting sqref="B5:B34"><cfRule type="cellIs" priority="1" '
    b'operator="greaterThan"><formula>100</formula></cfRule></conditionalFormatting>',
    b'<dataValidations count="1"><dataValidation type="decimal" operator="greaterThan" '
    b'allowBlank="1" sqref="C5:C34"><formula1>0</formula1></dataValidation></dataValidations>',
)


def test_filters_conditional_formats_and_validation_stay_merged_cells_go(base, tmp_path, capsys):
    path = copy_of(base, tmp_path)
    merged = b'<mergeCells count="1"><mergeCell ref="A2:D2"/></mergeCells>'
    filter_, formats, validation = SHEET_OBJECTS

    def change(package: Package) -> None:
        part = sheet_part(package, layout.FACTORS)
        xml = package.read(part)
        objects = filter_ + merged + formats + validation  # CT_Worksheet's order
        package.put(part, xml.replace(b"</sheetData>", b"</sheetData>" + objects, 1))

    replace_parts(path, change)
    assert regenerate(path, capsys)[0] == 0
    package = Package(path)
    xml = package.read(sheet_part(package, layout.FACTORS))
    package.close()
    assert all(element in xml for element in SHEET_OBJECTS)
    assert b"mergeCell" not in xml


# --- charts ----------------------------------------------------------------------------
def chart_part(package: Package, sheet: str) -> str:
    part = sheet_part(package, sheet)
    (drawing,) = package.related(part, "drawing")
    return package.related(drawing, "chart")[0]


def read_chart(path: Path, sheet: str) -> tuple[str, bytes]:
    package = Package(path)
    try:
        part = chart_part(package, sheet)
        return part, package.read(part)
    finally:
        package.close()


def put_chart(path: Path, sheet: str, xml: bytes) -> None:
    replace_parts(path, lambda package: package.put(chart_part(package, sheet), xml))


def plotted(xml: bytes) -> list[tuple[str, etree._Element]]:
    """(chart type, series) in plot order."""
    plot = etree.fromstring(xml).find(f"{C}chart/{C}plotArea")
    return [
        (etree.QName(kind).localname, ser)
        for kind in plot
        if etree.QName(kind).localname.endswith("Chart")
        for ser in kind.findall(f"{C}ser")
    ]


def reference(ser, tag: str) -> tuple[str, list[tuple[str, str]], int]:
    """The formula, the cached points and ptCount of ``ser``'s child ``tag``."""
    holder = ser.find(tag)
    f = holder.find(f".//{C}f").text
    points = [(p.get("idx"), p.find(f"{C}v").text) for p in holder.iter(f"{C}pt")]
    return f, points, int(holder.find(f".//{C}ptCount").get("val"))


def expected_series(base: Path, sheet: str) -> list[dict]:
    """What the builder's line chart holds after regeneration: the reference."""
    _, xml = read_chart(base, sheet)
    return [
        {
            "name": reference(ser, f"{C}tx")[0],
            "x": reference(ser, f"{C}cat"),
            "y": reference(ser, f"{C}val"),
        }
        for _, ser in plotted(xml)
    ]


def assert_series_children_in_schema_order(kind: str, ser) -> None:
    allowed = SERIES_CHILDREN[kind]
    children = [etree.QName(c).localname for c in ser]
    assert set(children) <= set(allowed), (kind, children)
    positions = [allowed.index(c) for c in children]
    assert positions == sorted(positions), (kind, children)


def scratch_chart(kind: str, n_series: int, subtype=None, sheet="Factors") -> bytes:
    """``xl/charts/chart1.xml`` of an XlsxWriter chart of ``kind`` with ``n_series``
    series over stale ranges (rows 5 to 10) of ``sheet``; ``kind`` "combined" is a
    column chart with a line chart in the same plot area."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = wb.add_worksheet(sheet)

    def series(chart, columns):
        for col in columns:
            chart.add_series(
                {
                    "name": [sheet, 3, col],
                    "categories": [sheet, 4, 0, 9, 0],
                    "values": [sheet, 4, col, 9, col],
                }
            )

    if kind == "combined":
        chart = wb.add_chart({"type": "column"})
        series(chart, range(1, n_series))
        line = wb.add_chart({"type": "line"})
        series(line, [n_series])
        chart.combine(line)
    else:
        chart = wb.add_chart({"type": kind, **({"subtype": subtype} if subtype else {})})
        series(chart, range(1, n_series + 1))
    ws.insert_chart("K4", chart)
    wb.close()
    with zipfile.ZipFile(buffer) as zf:
        return zf.read("xl/charts/chart1.xml")


CHART_KINDS = [
    ("line", None),
    ("column", None),
    ("bar", "stacked"),
    ("area", None),
    ("pie", None),
    ("doughnut", None),
    ("radar", "filled"),
    ("scatter", "straight_with_markers"),
    ("stock", None),
    ("combined", None),
]


@pytest.mark.parametrize("kind, subtype", CHART_KINDS, ids=[k for k, _ in CHART_KINDS])
def test_a_chart_of_any_type_gets_the_series_children_its_type_allows(
    base, tmp_path, capsys, kind, subtype
):
    path = copy_of(base, tmp_path)
    want = expected_series(base, layout.FACTORS)
    put_chart(path, layout.FACTORS, scratch_chart(kind, len(want), subtype))
    before = zip_parts(path)

    code, out, err = regenerate(path, capsys)

    assert code == 0, err
    assert "note:" not in out
    _, xml = read_chart(path, layout.FACTORS)
    series = plotted(xml)
    assert len(series) == len(want)
    if kind == "combined":
        assert [k for k, _ in series] == ["barChart"] * (len(want) - 1) + ["lineChart"]
    for (chart_type, ser), expected in zip(series, want):
        assert_series_children_in_schema_order(chart_type, ser)
        x, y = ("xVal", "yVal") if chart_type == "scatterChart" else ("cat", "val")
        assert reference(ser, f"{C}tx")[0] == expected["name"]
        assert reference(ser, f"{C}{x}") == expected["x"]
        assert reference(ser, f"{C}{y}") == expected["y"]
    assert_only_owned_changed(before, path)


def hand_made_scatter(line_chart: bytes) -> bytes:
    """The builder's line chart changed by hand into an XY scatter (as Excel holds one:
    ``c:scatterChart`` with ``c:scatterStyle``, series with ``c:xVal``/``c:yVal``), its
    ranges stale (rows 5 to 20)."""
    xml = line_chart.decode()
    xml = xml.replace(
        '<c:lineChart><c:grouping val="standard"/>',
        '<c:scatterChart><c:scatterStyle val="lineMarker"/><c:varyColors val="0"/>',
    )
    xml = xml.replace("</c:lineChart>", "</c:scatterChart>").replace('<c:marker val="1"/>', "")
    for old, new in (("cat", "xVal"), ("val", "yVal")):
        xml = xml.replace(f"<c:{old}>", f"<c:{new}>").replace(f"</c:{old}>", f"</c:{new}>")
    xml = re.sub(r"\$34</c:f>", "$20</c:f>", xml)
    assert "<c:cat>" not in xml and "xVal" in xml
    return xml.encode()


def test_a_chart_changed_by_hand_to_a_scatter_gets_x_and_y_values_only(base, tmp_path, capsys):
    path = copy_of(base, tmp_path)
    want = expected_series(base, layout.FACTORS)
    _, line_chart = read_chart(path, layout.FACTORS)
    put_chart(path, layout.FACTORS, hand_made_scatter(line_chart))

    assert regenerate(path, capsys)[0] == 0

    _, xml = read_chart(path, layout.FACTORS)
    assert b"<c:cat>" not in xml and b"<c:val>" not in xml
    for (chart_type, ser), expected in zip(plotted(xml), want, strict=True):
        assert chart_type == "scatterChart"
        assert_series_children_in_schema_order(chart_type, ser)
        assert reference(ser, f"{C}xVal") == expected["x"]
        assert reference(ser, f"{C}yVal") == expected["y"]


def hand_made_bubble(scatter: bytes) -> bytes:
    """An XY scatter changed by hand into a bubble chart: each series gets its sizes."""
    xml = re.sub(r"<c:scatterStyle [^>]*/>", "", scatter.decode())
    xml = xml.replace("c:scatterChart>", "c:bubbleChart>")
    xml = re.sub(r"<c:marker>.*?</c:marker>|<c:smooth [^>]*/>", "", xml)
    size = "<c:bubbleSize><c:numRef><c:f>Factors!$D$5:$D$10</c:f></c:numRef></c:bubbleSize>"
    xml = xml.replace("</c:yVal></c:ser>", f"</c:yVal>{size}</c:ser>")
    assert "bubbleSize" in xml and "scatter" not in xml
    return xml.encode()


def test_a_bubble_chart_is_left_as_it_was_and_said(base, tmp_path, capsys):
    path = copy_of(base, tmp_path)
    bubble = hand_made_bubble(scratch_chart("scatter", 2))
    put_chart(path, layout.FACTORS, bubble)
    code, out, _ = regenerate(path, capsys)
    assert code == 0
    assert read_chart(path, layout.FACTORS)[1] == bubble
    assert "note: the Factors chart is a bubble chart: its ranges are not updated" in out


def test_a_chart_with_fewer_series_than_measures_names_those_left_out(base, tmp_path, capsys):
    path = copy_of(base, tmp_path)
    want = expected_series(base, layout.DISPARITY)
    put_chart(path, layout.DISPARITY, scratch_chart("line", 2, sheet=layout.DISPARITY))
    code, out, _ = regenerate(path, capsys)
    assert code == 0
    series = plotted(read_chart(path, layout.DISPARITY)[1])
    assert [reference(s, f"{C}val") for _, s in series] == [w["y"] for w in want[:2]]
    headers = header_texts(path, layout.DISPARITY)
    left_out = [
        h for h in headers if any(w["name"].endswith(f"${_col(headers, h)}$4") for w in want[2:])
    ]
    assert len(left_out) == len(want) - 2
    assert (
        f"note: the Disparity chart has 2 series for {len(want)} measures: "
        f"{', '.join(left_out)} not drawn" in out
    )


def _col(headers: list[str], header: str) -> str:
    return layout.column_letter(headers.index(header) + 1)


def test_a_chart_with_more_series_than_measures_keeps_the_extra_ones(base, tmp_path, capsys):
    path = copy_of(base, tmp_path)
    want = expected_series(base, layout.FACTORS)
    put_chart(path, layout.FACTORS, scratch_chart("line", len(want) + 1))
    (_, extra) = plotted(read_chart(path, layout.FACTORS)[1])[-1]
    extra_xml = etree.tostring(extra)
    code, out, _ = regenerate(path, capsys)
    assert code == 0
    series = plotted(read_chart(path, layout.FACTORS)[1])
    assert [reference(s, f"{C}val") for _, s in series[:-1]] == [w["y"] for w in want]
    assert etree.tostring(series[-1][1]) == extra_xml
    assert (
        f"note: the Factors chart has {len(want) + 1} series for {len(want)} measures: "
        "the last 1 series were left as they were" in out
    )


def add_chart_behind(path: Path, sheet: str, chart_xml: bytes) -> str:
    """A user's chart sent behind the sheet's chart: first in the drawing and first in
    its relationships, as Excel saves it; the part's name."""
    name = "xl/charts/chart9.xml"

    def change(package: Package) -> None:
        (drawing,) = package.related(sheet_part(package, sheet), "drawing")
        rels = f"{drawing.rsplit('/', 1)[0]}/_rels/{drawing.rsplit('/', 1)[1]}.rels"
        package.put(name, chart_xml)
        package.add_override(
            name, "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
        )
        entry = (
            f'<Relationship Id="rId9" Type="{DOC_REL}/chart" Target="../charts/chart9.xml"/>'
        ).encode()
        xml = package.read(rels)
        at = xml.index(b"<Relationship ")
        package.put(rels, xml[:at] + entry + xml[at:])
        xml = package.read(drawing)
        anchor = re.search(rb"<xdr:twoCellAnchor>.*?</xdr:twoCellAnchor>", xml, re.S).group(0)
        behind = anchor.replace(b'r:id="rId1"', b'r:id="rId9"').replace(b'id="2"', b'id="9"')
        package.put(drawing, xml.replace(anchor, behind + anchor, 1))

    replace_parts(path, change)
    return name


def test_a_users_chart_behind_the_tools_chart_is_left_alone(base, tmp_path, capsys):
    path = copy_of(base, tmp_path)
    want = expected_series(base, layout.FACTORS)
    stale = scratch_chart("line", len(want))  # the tool's chart, its ranges stale
    put_chart(path, layout.FACTORS, stale)
    tool_part, _ = read_chart(path, layout.FACTORS)
    users = scratch_chart("column", 2, sheet="Mine")
    part = add_chart_behind(path, layout.FACTORS, users)
    assert regenerate(path, capsys)[0] == 0
    assert zip_parts(path)[part] == users
    xml = zip_parts(path)[tool_part]
    assert [reference(s, f"{C}val") for _, s in plotted(xml)] == [w["y"] for w in want]


# --- LibreOffice -----------------------------------------------------------------------
@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_opens_a_book_with_a_followed_table_and_a_scatter(base, tmp_path, capsys):
    from libreoffice import Office, require_libreoffice

    path = copy_of(base, tmp_path)
    names, last = header_texts(path, layout.TABLE1), last_data_row(path, layout.TABLE1)
    add_table(
        path,
        layout.TABLE1,
        scratch_table(f"A4:{layout.column_letter(len(names))}{last}", names),
    )
    _, line_chart = read_chart(path, layout.FACTORS)
    put_chart(path, layout.FACTORS, hand_made_scatter(line_chart))
    set_settings(path, table1_years="1993, 1995, 2000, 2005, 2010, 2015, 2020, 2022")
    assert regenerate(path, capsys)[0] == 0
    new_names = header_texts(path, layout.TABLE1)
    want = expected_series(base, layout.FACTORS)

    with Office(require_libreoffice(), tmp_path / "soffice") as office:
        ranges = office.run("database_ranges", {"path": str(path)})["ranges"]
        charts = office.run("open_and_render", {"path": str(path)})["charts"]

    (table,) = [r for r in ranges if r["sheet"] == layout.TABLE1]
    assert table["area"] == [0, 3, len(new_names) - 1, last - 1]
    assert table["header"] == new_names and table["has_header"]
    (chart,) = charts[layout.FACTORS]
    assert [s["chart_type"] for s in chart["series"]] == [
        "com.sun.star.chart2.ScatterChartType"
    ] * len(want)
    for series, expected in zip(chart["series"], want, strict=True):
        assert series["values-x"]["data"] == [float(v) for _, v in expected["x"][1]]
        assert series["values-y"]["data"] == [float(v) for _, v in expected["y"][1]]


# --- the Excel button --------------------------------------------------------------------
def test_the_button_shows_the_chart_notices_in_a_message_box(base, monkeypatch):
    book = fake_book(base)
    book.sheets[layout.DISPARITY].charts = [FakeChart(2)]  # one measure fewer than drawn
    monkeypatch.setitem(
        sys.modules,
        "xlwings",
        types.SimpleNamespace(Book=types.SimpleNamespace(caller=lambda: book)),
    )
    regenerate_caller()
    ((title, message),) = book.app.alerts
    assert "notes" in title
    n = len(next(s for s in layout.CHARTS if s.sheet == layout.DISPARITY).series)
    assert message.startswith(f"the Disparity chart has 2 series for {n} measures: ")
    assert book.sheets[layout.DISPARITY].charts[0].series[1].Values.startswith("=Disparity!")
