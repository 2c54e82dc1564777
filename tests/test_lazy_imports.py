"""``yangtze regenerate`` loads only what regenerating needs.

Every command starts a fresh Python process, so each module imported at start-up is paid
on every run (docs/performance.md: imports are most of a template-sized regeneration).
The workbook builder (XlsxWriter), openpyxl, xlwings, the OLE reader, the NBS importer, the
example data and the file engine's rare paths (cells written by ``import``, a chart
recreated) are imported where they are used. This test runs a regeneration in a child
process and looks at what it loaded: a behaviour test, not a timing.
"""

from __future__ import annotations

import json
import subprocess
import sys

from workbooks import make_book

#: Modules a regeneration never needs (other commands or rare paths use them).
NOT_ON_THE_REGENERATION_PATH = (
    "xlsxwriter",
    "openpyxl",
    "xlwings",
    "olefile",
    "defusedxml",
    "multiprocessing",
    "concurrent.futures.process",
    "addin.workbook.template.build",
    "addin.workbook.template.formulas_sheet",
    "addin.workbook.importer",
    "addin.workbook.excel_engine",
    "addin.workbook.parts.sheet_cells",
    "addin.workbook.parts.chart_parts",
    "addin.panel.nbs",
    "addin.panel.example",
    "addin.excel",
)

CHILD = """
import json, sys
from addin.cli import main
code = main(["regenerate", sys.argv[1]])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_regenerate_imports_nothing_that_only_other_commands_need(tmp_path):
    book = make_book(tmp_path / "book.xlsm", formulas=False)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(book)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    loaded = set(report["modules"])
    assert "addin.workbook.file_engine" in loaded and "python_calamine" in loaded  # it ran
    unwanted = sorted(
        name
        for name in loaded
        if any(name == m or name.startswith(m + ".") for m in NOT_ON_THE_REGENERATION_PATH)
    )
    assert unwanted == []
