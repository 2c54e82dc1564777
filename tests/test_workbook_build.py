"""The template, checked without Excel: reproducible, well-formed, its VBA project exact
(read back by oletools), button, code names, charts and the pinned xlwings VBA."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwings
from oletools.olevba import VBA_Parser

from addin.panel import measures
from addin.workbook import layout
from addin.workbook.template.build import (
    BUTTON_CAPTION,
    BUTTON_MACRO,
    RUNPYTHON_COMMAND,
    XLWINGS_VERSION,
    build_workbook,
    vba_modules,
)

from workbooks import zip_text

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "yangtze_template.xlsm"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("build") / "t.xlsm"
    build_workbook(path)
    return path


@pytest.fixture(scope="module")
def macros(fresh) -> dict[str, str]:
    parser = VBA_Parser(str(fresh))
    try:
        return {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def _strip_attributes(code: str) -> str:
    lines = code.replace("\r\n", "\n").split("\n")
    return "\n".join(line for line in lines if not line.startswith("Attribute VB_")).strip("\n")


def test_building_twice_gives_the_same_bytes():
    a, b = io.BytesIO(), io.BytesIO()
    build_workbook(a)
    build_workbook(b)
    assert a.getvalue() == b.getvalue()


def test_committed_template_is_a_fresh_build(fresh):
    assert TEMPLATE.read_bytes() == fresh.read_bytes(), (
        "run `python -m addin.cli template --force templates/yangtze_template.xlsm` and commit it"
    )


def test_every_module_reads_back_through_oletools_as_its_source(fresh, macros):
    codenames = ["ThisWorkbook", *[f"Sheet{i}" for i in range(1, len(layout.SHEET_ORDER) + 1)]]
    for module in vba_modules(codenames):
        assert module.name in macros, module.name
        source = module.code
        if module.kind == "class":  # the exported class header is not part of the stored module
            source = re.sub(r"\AVERSION 1\.0 CLASS\r?\nBEGIN\r?\n(?:.*\r?\n)*?END\r?\n", "", source)
        assert _strip_attributes(macros[module.name]) == _strip_attributes(source), module.name


def test_sheet_code_names_match_the_document_modules(fresh, macros):
    workbook_xml = zip_text(fresh, "xl/workbook.xml")
    assert 'codeName="ThisWorkbook"' in workbook_xml
    with zipfile.ZipFile(fresh) as zf:
        sheets = sorted(n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
        codenames = {re.search(r'codeName="(\w+)"', zf.read(n).decode()).group(1) for n in sheets}
    assert len(sheets) == len(layout.SHEET_ORDER)
    assert codenames == {f"Sheet{i}" for i in range(1, len(sheets) + 1)}
    for name in codenames | {"ThisWorkbook"}:
        assert name in macros
        assert "VB_Base" in macros[name]


def test_content_types_and_relationships(fresh):
    types = zip_text(fresh, "[Content_Types].xml")
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert 'Extension="bin" ContentType="application/vnd.ms-office.vbaProject"' in types
    rels = zip_text(fresh, "xl/_rels/workbook.xml.rels")
    vba_type = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
    assert f'Type="{vba_type}" Target="vbaProject.bin"' in rels


def test_button_runs_the_regenerate_macro(fresh, macros):
    wb = openpyxl.load_workbook(fresh, keep_vba=True)
    guide_index = wb.sheetnames.index(layout.GUIDE) + 1
    rels = zip_text(fresh, f"xl/worksheets/_rels/sheet{guide_index}.xml.rels")
    vml_name = "xl/" + re.search(r'Target="\.\./(drawings/vmlDrawing\d+\.vml)"', rels).group(1)
    vml = zip_text(fresh, vml_name)
    assert f"<x:FmlaMacro>[0]!{BUTTON_MACRO}</x:FmlaMacro>" in vml
    assert BUTTON_CAPTION.split()[0] in vml and "重新生成表格" in vml
    regenerate = macros["Regenerate"]
    assert re.search(rf"^Sub {BUTTON_MACRO}\(\)", regenerate, re.M)
    assert f'RunPython "{RUNPYTHON_COMMAND}"' in regenerate
    assert "Sub RegisterFunctionHelp()" in macros["FunctionHelp"]


def test_no_macro_runs_on_open(macros):
    for name, code in macros.items():
        assert not re.search(r"\b(Workbook_Open|Auto_Open|Workbook_Activate)\b", code), name


def test_embedded_xlwings_vba_is_the_pinned_version(macros):
    assert xlwings.__version__ == XLWINGS_VERSION
    assert f"'Version: {XLWINGS_VERSION}" in macros["xlwings"]
    assert f"xlwings64-{XLWINGS_VERSION}.dll" in macros["xlwings"]
    bas = (Path(xlwings.__file__).parent / "xlwings.bas").read_text(encoding="utf-8")
    assert _strip_attributes(macros["xlwings"]) == _strip_attributes(bas)
    assert (
        "Zoomer Analytics" in macros["xlwings"] and "Tim Hall" in macros["Dictionary"]
    )  # licence headers kept


def test_sheets_conf_and_charts(fresh):
    wb = openpyxl.load_workbook(fresh, keep_vba=True)
    assert wb.sheetnames == list(layout.SHEET_ORDER)
    conf = wb[layout.XLWINGS_CONF]
    assert (conf["A1"].value, conf["B1"].value) == ("UDF Modules", "yangtze_udf")
    last = layout.OUT_FIRST_ROW + len(layout.DEFAULT_YEARS) - 1
    for spec in layout.CHARTS:
        (chart,) = wb[spec.sheet]._charts
        refs = [s.val.numRef.f for s in chart.series]
        assert refs[-1].startswith(f"{spec.sheet}!$") and refs[-1].endswith(f"${last}")
        assert all(
            s.cat.numRef.f == f"{spec.sheet}!$A${layout.OUT_FIRST_ROW}:$A${last}"
            for s in chart.series
        )
    settings = {
        row[0].value: row[2].value for row in wb[layout.SETTINGS].iter_rows() if row[0].value
    }
    assert settings["template_version"] == layout.TEMPLATE_VERSION
    for key, sheet in layout.DATA_SHEETS.items():
        assert wb[sheet]["B2"].value == layout.DEFAULT_UNITS[key]
        assert [wb[sheet].cell(layout.HEADER_ROW, c).value for c in (3, 32)] == [1993, 2022]


def test_guide_says_where_each_output_and_the_functions_are(fresh):
    """The Guide's Outputs line puts each measure on the sheet the registry puts it on
    (β-convergence on Stages, not Convergence), and the Guide does not call the worksheet
    functions Windows-only now that xlwings Lite runs them on Mac and the web."""
    wb = openpyxl.load_workbook(fresh, read_only=True)
    text = " ".join(str(v) for row in wb[layout.GUIDE].values for v in row if v)
    wb.close()
    clauses = text.split(" · ")
    convergence = next(line for line in clauses if line.startswith("Convergence:"))
    stages = next(line for line in clauses if line.startswith("Stages:"))
    assert [c.tables for c in measures.COLUMNS if c.key == "beta"] == [("stages",)]
    assert "β-convergence" in stages and "β" not in convergence
    assert "xlwings Lite" in text and "Mac" in text
    assert "worksheet functions do not" not in text and "仅在 Windows" not in text


def test_settings_keys_labels_and_defaults_fit_their_columns(fresh):
    """Seen in LibreOffice: no key, label (bold) or default value of the Settings sheet is
    cut by the next column. Width in character cells, East Asian wide characters as two."""

    def cells(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))

    wb = openpyxl.load_workbook(fresh)
    ws = wb[layout.SETTINGS]
    first = layout.SETTINGS_FIRST_ROW
    for col, letter, scale in ((1, "A", 1.0), (2, "B", 1.1), (3, "C", 1.0)):
        width = ws.column_dimensions[letter].width
        texts = [ws.cell(r, col).value for r in range(first, ws.max_row + 1)]
        too_wide = [t for t in texts if t is not None and cells(t) * scale > width]
        assert not too_wide, (letter, width, too_wide)
