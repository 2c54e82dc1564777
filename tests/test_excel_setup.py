"""The template and docs/excel-setup.md agree on what happens when the workbook opens, and
the five-minute Windows check covers every worksheet function."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from addin.excel.registration import register
from addin.workbook.template.vbaproject import read_module_source

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "yangtze_template.xlsm"
SETUP = (ROOT / "docs" / "excel-setup.md").read_text(encoding="utf-8")


def test_full_calculation_on_load_is_what_the_docs_say():
    with zipfile.ZipFile(TEMPLATE) as book:
        workbook_xml = book.read("xl/workbook.xml").decode()
    calc = re.search(r"<calcPr[^>]*/>", workbook_xml).group(0)
    assert 'fullCalcOnLoad="1"' in calc and "calcMode" not in calc  # automatic, full on load
    assert "fullCalcOnLoad" in SETUP and "compute every formula when the file opens" in SETUP
    assert "Nothing runs when" not in SETUP  # the old, wrong promise
    # "no macro runs on open": the project has no Workbook_Open or Auto_Open
    source = "\n".join(read_module_source(TEMPLATE).values()).lower()
    assert "xlwings_udfs" in "\n".join(read_module_source(TEMPLATE))  # read it for real
    for name in ("sub workbook_open", "sub auto_open"):
        assert name not in source


def test_the_five_minute_check_covers_every_step_and_function():
    section = SETUP.split("## Five-minute check in Windows Excel", 1)[1].split("\n## ", 1)[0]
    for step in (
        "Open the workbook",
        "Alt+F11 → Debug → Compile VBAProject",
        "Click the button",
        "Type each function",
        "Insert Function",
        "whole-column reference",
    ):
        assert step in section, step
    for name in register().functions:
        assert f"={name}(" in section, name
    assert len(re.findall(r"^\d\. \*\*", section, re.M)) == 6
