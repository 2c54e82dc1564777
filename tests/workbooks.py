"""Helpers for tests that need workbooks: build them through the product's own builder."""

from __future__ import annotations

import contextlib
import io
import math
import re
import shutil
import types
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd

from addin.panel.example import NOTICE, example_dataset
from addin.panel.options import Options
from addin.panel.provinces import YANGTZE_REGIONS
from addin.panel.tables import compute_all
from addin.panel.tidy import SeriesData, build_panel
from addin.workbook import layout
from addin.workbook.template.build import build_workbook

REGIONS = {p: r for r, members in YANGTZE_REGIONS.items() for p in members}


def make_book(path: Path, data: dict[str, pd.DataFrame] | None = None, **kwargs) -> Path:
    """Build a workbook filled with ``data`` (default: the example dataset)."""
    build_workbook(path, example_dataset() if data is None else data, notice=NOTICE, **kwargs)
    return path


def plain_book(path: Path) -> Path:
    """The example workbook with English labels and gap filling off (numbers by hand)."""
    make_book(path, run_python_stub=True, formulas=False)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    set_setting(wb, "language", "en")
    set_setting(wb, "fill_gaps", "no")
    wb.save(path)
    return path


def set_setting(wb: openpyxl.Workbook, key: str, value) -> None:
    """Write ``value`` in the Settings row of ``key`` (column C), as a user would."""
    ws = wb[layout.SETTINGS]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == key)
    ws.cell(row, 3).value = value


def edited(base: Path, folder: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    """A copy of ``base`` changed with openpyxl, as a user would change it in Excel."""
    path = folder / "book.xlsm"
    shutil.copy(base, path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    change(wb)
    _name_new_sheets_as_excel_does(wb)
    wb.save(path)
    wb.close()
    return path


def _name_new_sheets_as_excel_does(wb: openpyxl.Workbook) -> None:
    """Excel gives every sheet it adds to a book with VBA a code name (``Sheet<n>``);
    openpyxl does not, so a sheet a test adds gets one here, unique ignoring case."""
    taken = {(ws.sheet_properties.codeName or "").lower() for ws in wb.worksheets}
    n = 1
    for ws in wb.worksheets:
        if not ws.sheet_properties.codeName:
            while f"sheet{n}" in taken:
                n += 1
            ws.sheet_properties.codeName = f"Sheet{n}"
            taken.add(f"sheet{n}")


def engine_tables(data: dict[str, pd.DataFrame], options: Options | None = None):
    """The engine's tables computed straight from the frames (no workbook involved)."""
    series = {k: SeriesData(k, layout.DEFAULT_UNITS[k], v) for k, v in data.items()}
    return compute_all(build_panel(series, REGIONS, options or Options()))


def sheet_values(path: Path, sheets=None) -> dict[str, list[tuple]]:
    """Every cell value of the given sheets (default: all)."""
    wb = openpyxl.load_workbook(path, data_only=False)
    names = sheets or wb.sheetnames
    out = {name: [tuple(c.value for c in row) for row in wb[name].iter_rows()] for name in names}
    wb.close()
    return out


def read_table(path: Path, sheet: str) -> pd.DataFrame:
    """An output sheet's table (header row 4, data until the first blank row) as a frame."""
    wb = openpyxl.load_workbook(path, data_only=True)
    rows = list(wb[sheet].iter_rows(min_row=layout.OUT_HEADER_ROW, values_only=True))
    wb.close()
    header, body = rows[0], []
    for row in rows[1:]:
        if all(v is None for v in row):
            break
        body.append(row)
    width = len([h for h in header if h is not None])
    return pd.DataFrame([r[:width] for r in body], columns=list(header[:width]))


def zip_text(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name).decode("utf-8")


def zip_bytes(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


@contextlib.contextmanager
def exact_numbers():
    """Make openpyxl write every number so that it reads back exactly, while saving.

    openpyxl 3.1.5 writes numbers as ``"%.16g"``; Excel stores the shortest exact form
    (``repr``). Tests that edit a book with openpyxl use this to store numbers as Excel would.
    """
    from openpyxl.cell import _writer as cell_writer

    original = cell_writer.safe_string

    def exact(value):
        if isinstance(value, float) and math.isfinite(value):
            return float.__repr__(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return int.__repr__(value)
        return original(value)

    cell_writer.safe_string = exact
    try:
        yield
    finally:
        cell_writer.safe_string = original


#: A 1×1 PNG (red pixel), for a picture a user inserted.
PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478"
    "9c63f8cfc000000301010018dd8db00000000049454e44ae426082"
)
USER_SHEET = "My notes"
HIDDEN_SHEET = "Scratch"


def _add_user_work(wb, as_formulas: bool, data: dict[str, pd.DataFrame]) -> None:
    """What users add to their workbook, written with XlsxWriter into ``wb`` before it closes."""
    from xlsxwriter.utility import xl_range

    trade = wb.get_worksheet_by_name(layout.DATA_SHEETS["trade"])
    gdp = wb.get_worksheet_by_name(layout.DATA_SHEETS["gdp"])
    fie = wb.get_worksheet_by_name(layout.DATA_SHEETS["fie"])
    n_years = len(data["trade"].columns)
    last_col = layout.FIRST_YEAR_COL + n_years - 2  # 0-based last year column
    first, rows = layout.FIRST_DATA_ROW - 1, len(data["trade"])
    # sparklines beside each series, an x14 data bar, a comment, a hyperlink, a validation
    for r in range(first, first + rows):
        span = xl_range(r, layout.FIRST_YEAR_COL - 1, r, last_col)
        trade.add_sparkline(r, last_col + 2, {"range": f"{trade.name}!{span}"})
    trade.conditional_format(
        first,
        layout.FIRST_YEAR_COL - 1,
        first + rows - 1,
        last_col,
        {"type": "data_bar", "data_bar_2010": True, "bar_color": "#63C384"},
    )
    trade.write_comment(first, 0, "checked against the 2023 yearbook 已核对")
    gdp.write_url(1, 5, "https://data.stats.gov.cn/", string="source 数据来源")
    gdp.data_validation(
        first,
        last_col + 2,
        first + rows - 1,
        last_col + 2,
        {"validate": "list", "source": ["ok", "doubtful"]},
    )
    # a text box, a shape-like note, a picture and the user's own chart on a data sheet
    gdp.insert_textbox(
        first + rows + 2,
        2,
        "My note: GDP revised in 2019 第四次经济普查修订",
        {"width": 400, "height": 60},
    )
    gdp.insert_image(first + rows + 6, 2, "pixel.png", {"image_data": io.BytesIO(PIXEL_PNG)})
    chart = wb.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": "Shanghai GDP",
            "categories": [
                gdp.name,
                layout.HEADER_ROW - 1,
                layout.FIRST_YEAR_COL - 1,
                layout.HEADER_ROW - 1,
                last_col,
            ],
            "values": [gdp.name, first, layout.FIRST_YEAR_COL - 1, first, last_col],
        }
    )
    gdp.insert_chart(first + rows + 10, 2, chart)
    # the user's own sheet: formulas with cached values, one reading an output sheet
    notes = wb.add_worksheet(USER_SHEET)
    notes.write(0, 0, "ratio")
    notes.write_formula(0, 1, f"='{gdp.name}'!C5/'{gdp.name}'!C6", None, 1.25)
    notes.write_formula(1, 1, f"={layout.TABLE1}!D5*2", None, 7.0)
    notes.write_formula(2, 1, "=SUM(B1:B2)", None, 8.25)
    hidden = wb.add_worksheet(HIDDEN_SHEET)
    hidden.write(0, 0, "kept out of sight")
    hidden.hide()
    wb.define_name("ShanghaiGDP", f"='{gdp.name}'!$C$5:${layout.column_letter(last_col + 1)}$5")
    wb.define_name(f"'{USER_SHEET}'!Local", f"='{USER_SHEET}'!$B$1")
    if as_formulas:  # data typed as formulas (=433768191/10) with their cached results
        frame = data["fie"]
        for i, province in enumerate(frame.index):
            for j, value in enumerate(frame.loc[province]):
                if value == value:  # not NaN
                    fie.write_formula(
                        first + i,
                        layout.FIRST_YEAR_COL - 1 + j,
                        f"={value!r}*10/10",
                        None,
                        float(value),
                    )


def make_user_book(path: Path, as_formulas: bool = True) -> Path:
    """The demo workbook (built by the product's builder, XlsxWriter) carrying what users
    add: sparklines, an x14 data bar, a text box, a comment, a picture, a chart on a data
    sheet, a sheet of their own with formulas and cached values, defined names, a data
    validation, a hyperlink, a hidden sheet, and (``as_formulas``) FIE data typed as formulas."""
    from addin.workbook.template import build

    data = example_dataset()
    original = build.xlsxwriter

    class UserWorkbook(original.Workbook):
        def close(self):
            _add_user_work(self, as_formulas, data)
            return super().close()

    build.xlsxwriter = types.SimpleNamespace(Workbook=UserWorkbook)
    try:
        build_workbook(path, data, notice=NOTICE)
    finally:
        build.xlsxwriter = original
    return path


def zip_parts(path: Path) -> dict[str, bytes]:
    """Every part of a package by name."""
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def owned_parts(path: Path) -> set[str]:
    """The parts regeneration may change: output sheets, their drawings' charts, and the
    shared entries (styles, workbook, content types, calcChain, docProps)."""
    from addin.workbook.parts.package import Package

    package = Package(path)
    try:
        owned = set()
        for entry in package.sheets():
            if entry.name in layout.OUTPUT_SHEETS and entry.part:
                owned.add(entry.part)
                for drawing in package.related(entry.part, "drawing"):
                    owned.update(package.related(drawing, "chart"))
        return owned
    finally:
        package.close()


# --- changing a saved package by hand (what another program or Excel left) --------------
CALC_CHAIN_REL = (
    b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/calcChain" Target="calcChain.xml"/></Relationships>'
)
CALC_CHAIN_TYPE = (
    b'<Override PartName="/xl/calcChain.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>'
)


def rewritten(path: Path, change) -> Path:
    """``path`` with its parts changed by ``change(parts)`` (a dict, edited in place)."""
    parts = zip_parts(path)
    change(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def copy_of(book: Path, folder: Path, name: str = "book.xlsm") -> Path:
    target = folder / name
    target.write_bytes(book.read_bytes())
    return target


def sheet_parts(path: Path) -> dict[str, tuple[int, str]]:
    """Each sheet's sheetId and worksheet part by name."""
    from addin.workbook.parts.package import Package

    package = Package(path)
    try:
        return {s.name: (s.sheet_id, s.part) for s in package.sheets()}
    finally:
        package.close()


def with_calc_chain(path: Path, formula_on=(), rotate_tabs=False) -> Path:
    """``path`` with a calcChain listing every formula cell (by sheetId), as Excel keeps
    one; ``formula_on``: sheets with a formula typed into them first (A100000);
    ``rotate_tabs``: the first tab moved to the end, so sheetIds and tab positions differ."""
    sheets = sheet_parts(path)

    def change(parts):
        for sheet in formula_on:
            part = sheets[sheet][1]
            parts[part] = parts[part].replace(
                b"</sheetData>",
                b'<row r="100000"><c r="A100000"><f>1+1</f><v>2</v></c></row></sheetData>',
            )
        entries = []
        for sheet_id, part in sorted(sheets.values()):
            for ref in re.findall(rb'<c r="([A-Z]+\d+)"[^>]*>(?:<v>[^<]*</v>)?<f', parts[part]):
                entries.append(f'<c r="{ref.decode()}" i="{sheet_id}"/>')
        parts["xl/calcChain.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<calcChain xmlns='
            f'"http://schemas.openxmlformats.org/spreadsheetml/2006/main">{"".join(entries)}'
            "</calcChain>"
        ).encode()
        rels = "xl/_rels/workbook.xml.rels"
        parts[rels] = parts[rels].replace(b"</Relationships>", CALC_CHAIN_REL)
        types = "[Content_Types].xml"
        parts[types] = parts[types].replace(b"</Types>", CALC_CHAIN_TYPE)
        if rotate_tabs:
            workbook = parts["xl/workbook.xml"]
            found = re.search(rb"<sheets>(.*)</sheets>", workbook)
            tabs = re.findall(rb"<sheet [^>]*/>", found.group(1))
            parts["xl/workbook.xml"] = workbook.replace(
                found.group(1), b"".join(tabs[1:] + tabs[:1])
            )

    return rewritten(path, change)
