"""Report the database ranges LibreOffice made of a workbook's tables (Format as Table).

Arguments: ``path``. Answer: ``ranges``: one object per database range, {"name", "sheet",
"area": [first column, first row, last column, last row] (0-based), "header": the texts
of its first row, "has_header"}.
"""

from __future__ import annotations

import _common

a = _common.args()
ctx = _common.connect(a["port"])
doc = _common.load(ctx, a["path"])
try:
    ranges = []
    sheets = doc.Sheets
    for name in doc.DatabaseRanges.getElementNames():
        db = doc.DatabaseRanges.getByName(name)
        area = db.DataArea
        sheet = sheets.getByIndex(area.Sheet)
        header = [
            sheet.getCellByPosition(c, area.StartRow).getString()
            for c in range(area.StartColumn, area.EndColumn + 1)
        ]
        ranges.append(
            {
                "name": name,
                "sheet": sheet.getName(),
                "area": [area.StartColumn, area.StartRow, area.EndColumn, area.EndRow],
                "header": header,
                "has_header": bool(db.ContainsHeader),
            }
        )
finally:
    _common.close(doc)
_common.answer({"ranges": ranges})
