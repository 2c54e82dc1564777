"""The order of the children of each part the tool edits, as ECMA-376 Part 1 gives it.

Excel refuses a part whose children are out of schema order. Every editor that inserts an
element finds its place here (:func:`after`) instead of keeping a list of its own.

Examples
--------
>>> after("worksheet", "tableParts")
('extLst',)
>>> after("workbook", "calcPr")[:2]
('oleSize', 'customWorkbookViews')
>>> "sheetData" in after("worksheet", "cols")
True
"""

from __future__ import annotations

#: Children of each element, in schema order (element name → its children's names).
CHILD_ORDER: dict[str, tuple[str, ...]] = {
    # CT_Worksheet (18.3.1.99)
    "worksheet": tuple(
        "sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr "
        "sheetProtection protectedRanges scenarios autoFilter sortState dataConsolidate "
        "customSheetViews mergeCells phoneticPr conditionalFormatting dataValidations "
        "hyperlinks printOptions pageMargins pageSetup headerFooter rowBreaks colBreaks "
        "customProperties cellWatches ignoredErrors smartTags drawing legacyDrawing "
        "legacyDrawingHF drawingHF picture oleObjects controls webPublishItems tableParts "
        "extLst".split()
    ),
    # CT_Workbook (18.2.27)
    "workbook": tuple(
        "fileVersion fileSharing workbookPr workbookProtection bookViews sheets "
        "functionGroups externalReferences definedNames calcPr oleSize customWorkbookViews "
        "pivotCaches smartTagPr smartTagTypes webPublishing fileRecoveryPr webPublishObjects "
        "extLst".split()
    ),
    # CT_Stylesheet (18.8.39)
    "styleSheet": tuple(
        "numFmts fonts fills borders cellStyleXfs cellXfs cellStyles dxfs tableStyles colors "
        "extLst".split()
    ),
    # CT_Font (18.8.22)
    "font": tuple(
        "b i strike condense extend outline shadow u vertAlign sz color name family charset "
        "scheme".split()
    ),
}


def after(parent: str, child: str) -> tuple[str, ...]:
    """The children of ``parent`` that come after ``child`` (where to insert ``child``:
    before the first of these present)."""
    order = CHILD_ORDER[parent]
    return order[order.index(child) + 1 :]


def position(parent: str, child: str) -> int:
    """``child``'s rank among ``parent``'s children (a sort key).

    >>> sorted(["sz", "b"], key=lambda name: position("font", name))
    ['b', 'sz']
    """
    return CHILD_ORDER[parent].index(child)
