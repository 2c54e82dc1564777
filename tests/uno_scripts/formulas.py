"""Read computed cells of a workbook as LibreOffice computes them.

Arguments: ``path``; ``sheet``; ``cells`` (list of [row, col], 1-based); ``recalc``
(also run a hard recalculation after loading, besides the profile's recalc-on-load).
Answer: ``cells``: one object per cell, {"kind": "value"|"text"|"error"|"empty",
"value": number or null, "text": shown string, "error": LibreOffice error code,
"formula": the cell's formula}.
"""

from __future__ import annotations

import _common
from com.sun.star.table.CellContentType import EMPTY, FORMULA, TEXT

# com.sun.star.sheet.FormulaResult
VALUE, STRING, ERROR = 1, 2, 4


def read(cell) -> dict:
    kind = cell.getType()
    out = {"value": None, "text": cell.getString(), "error": 0, "formula": cell.getFormula()}
    if kind == EMPTY:
        out["kind"] = "empty"
    elif kind == TEXT:
        out["kind"] = "text"
    elif kind == FORMULA:
        result = cell.FormulaResultType2
        out["error"] = cell.getError()
        if out["error"] or result == ERROR:
            out["kind"] = "error"
        elif result == STRING:
            out["kind"] = "text"
        else:
            out["kind"], out["value"] = "value", cell.getValue()
    else:
        out["kind"], out["value"] = "value", cell.getValue()
    return out


a = _common.args()
ctx = _common.connect(a["port"])
doc = _common.load(ctx, a["path"])
try:
    if a.get("recalc"):
        doc.calculateAll()
    sheet = doc.Sheets.getByName(a["sheet"])
    cells = [read(sheet.getCellByPosition(c - 1, r - 1)) for r, c in a["cells"]]
finally:
    _common.close(doc)
_common.answer({"cells": cells})
