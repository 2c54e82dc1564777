"""Keeping formulas elsewhere honest after the output sheets are rewritten.

- ``<calcPr fullCalcOnLoad="1"/>`` in ``xl/workbook.xml``: Excel recalculates every
  formula when it opens the book, so a user's formula that reads an output sheet never
  shows a stale cached value. (LibreOffice keeps cached results of .xlsx files unless its
  "recalculation on file load" setting says otherwise: see docs/reliability.md.)
- ``xl/calcChain.xml`` lists formula cells; an entry pointing at a cell that no longer
  holds a formula makes Excel report the file as damaged ("Removed Records: Formula from
  /xl/calcChain.xml"). Entries of the rewritten sheets are dropped (the tool writes no
  formulas there), and those of formula cells ``yangtze import --overwrite`` replaced by
  numbers; Excel rebuilds the chain.
- Formulas on the other sheets (the user's own) that refer to an output sheet are
  counted (:func:`cells_referring`), never rewritten: their cached values stay old until
  the book is recalculated, and the command says so.

Examples
--------
>>> full_calc_on_load(b'<workbook><sheets/><calcPr calcId="124519"/></workbook>')
b'<workbook><sheets/><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
>>> full_calc_on_load(b'<workbook><calcPr fullCalcOnLoad="1"/></workbook>') is None
True
>>> drop_chain_entries(b'<calcChain><c r="A1" i="3"/><c r="A2"/><c r="B1" i="1"/></calcChain>', {3})
b'<calcChain><c r="B1" i="1"/></calcChain>'
>>> drop_chain_entries(b'<calcChain><c r="A1" i="3"/><c r="A2"/></calcChain>', set(), {3: {"A1"}})
b'<calcChain><c i="3" r="A2"/></calcChain>'
>>> formula_cells(b'<c r="A1"><f>1+1</f><v>2</v></c><c r="B1"><v>3</v></c>'
...     b'<c r="C1"><f t="shared" si="0"/></c>')
['A1', 'C1']
>>> cells_referring(b'<c r="A1"><f>Table1!D5*2</f><v>4</v></c><c r="A2"><f>MyTable1!D5</f></c>'
...     b'<c r="A3"><f>&apos;My Table1&apos;!D5</f></c><c r="A4"><f>&apos;table1&apos;!D6</f></c>',
...     ["Table1"])
['A1', 'A4']
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .schema import after

_CALC_PR = re.compile(rb"<((?:\w+:)?)calcPr\b([^>]*?)(/?)>")


def full_calc_on_load(workbook_xml: bytes) -> bytes | None:
    """``workbook_xml`` with ``fullCalcOnLoad="1"`` set; None when it is set already."""
    found = _CALC_PR.search(workbook_xml)
    if found:
        attrs = found.group(2)
        if re.search(rb'\bfullCalcOnLoad="(1|true)"', attrs):
            return None
        attrs = re.sub(rb'\s*\bfullCalcOnLoad="[^"]*"', b"", attrs).rstrip()
        new = (
            b"<"
            + found.group(1)
            + b"calcPr"
            + attrs
            + b' fullCalcOnLoad="1"'
            + found.group(3)
            + b">"
        )
        return workbook_xml[: found.start()] + new + workbook_xml[found.end() :]
    prefix = re.match(rb"(?:<\?xml[^>]*\?>\s*)?<((?:\w+:)?)workbook\b", workbook_xml)
    p = prefix.group(1) if prefix else b""
    element = b"<" + p + b'calcPr fullCalcOnLoad="1"/>'
    for name in after("workbook", "calcPr"):
        at = re.search(rb"<" + re.escape(p) + name.encode() + rb"\b", workbook_xml)
        if at:
            return workbook_xml[: at.start()] + element + workbook_xml[at.start() :]
    close = workbook_xml.rindex(b"</" + p + b"workbook>")
    return workbook_xml[:close] + element + workbook_xml[close:]


def drop_chain_entries(
    calc_chain: bytes, sheet_ids: set[int], cells: dict[int, set[str]] | None = None
) -> bytes | None:
    """``calc_chain`` without the entries of sheets ``sheet_ids`` (an entry's ``i`` is its
    sheet's sheetId; an entry without ``i`` belongs to the previous entry's sheet), nor
    those of ``cells`` (sheetId → cell references that no longer hold a formula); None
    when no entry is left."""
    current = [0]
    kept = [0]
    cells = cells or {}

    def keep(match: re.Match[bytes]) -> bytes:
        i = re.search(rb'\bi="(\d+)"', match.group(0))
        if i:
            current[0] = int(i.group(1))
        if current[0] in sheet_ids or _reference(match.group(0)) in cells.get(current[0], ()):
            return b""
        kept[0] += 1
        if not i and current[0]:  # the previous kept entry may not be on this sheet: say so
            return match.group(0).replace(b"<c ", f'<c i="{current[0]}" '.encode(), 1)
        return match.group(0)

    out = re.sub(rb"<(?:\w+:)?c\b[^>]*/>", keep, calc_chain)
    return out if kept[0] else None


def _reference(entry: bytes) -> str:
    """The ``r`` of a calcChain entry (``b'<c r="D5" i="2"/>'`` → ``"D5"``)."""
    found = re.search(rb'\br="([^"]*)"', entry)
    return found.group(1).decode() if found else ""


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b([^>]*?)(?:/>|>([^<]*)</(?:\w+:)?f>)")


def _reference_pattern(sheets: Iterable[str]) -> re.Pattern[bytes]:
    """``Name!`` or ``'Name'!`` (names as XML text, any case) of one of ``sheets``."""
    names = b"|".join(re.escape(n.replace("'", "''").encode()) for n in sheets)
    quote = rb"(?:'|&apos;|&#39;)"
    return re.compile(
        rb"(?:" + quote + rb"(?:" + names + rb")" + quote + rb"|(?<![\w.'])(?:" + names + rb"))!",
        re.IGNORECASE,
    )


def _formula_elements(sheet_xml: bytes) -> bytes:
    """The formula elements of a worksheet part (each from ``<f`` to its ``</f>``), joined:
    every formula's text with its attributes. A part whose formulas carry a namespace
    prefix (``</x:f>``) is returned whole.

    >>> _formula_elements(b'<c r="A1"><f>Table1!D5</f><v>4</v></c><c r="B1"><v>2</v></c>')
    b'<f>Table1!D5'
    """
    if b":f>" in sheet_xml:
        return sheet_xml
    pieces = []
    close = sheet_xml.find(b"</f>")
    while close >= 0:
        # a formula's text holds no "<": the nearest "<f" before its end is its start tag
        pieces.append(sheet_xml[max(sheet_xml.rfind(b"<f", 0, close), 0) : close])
        close = sheet_xml.find(b"</f>", close + 4)
    return b"\n".join(pieces)


def _names_any(sheet_xml: bytes, sheets: list[str]) -> bool:
    """Whether ``Name!``, ``Name'!`` or ``Name&apos;!`` of one of ``sheets`` occurs in a
    formula (any case): plain byte searches over the formula elements only, a cheap
    superset of what :func:`_reference_pattern` matches."""
    low = _formula_elements(sheet_xml).lower()
    ends = (b"!", b"'!", b"&apos;!", b"&#39;!")
    return any(
        name.replace("'", "''").lower().encode() + end in low for name in sheets for end in ends
    )


def formula_cells(sheet_xml: bytes) -> list[str]:
    """The cells of a worksheet part that hold a formula (``"D5"``), shared ones included."""
    if not re.search(rb"<(?:\w+:)?f[\s/>]", sheet_xml):
        return []
    found = []
    for cell in _CELL.finditer(sheet_xml):
        if _FORMULA.search(cell.group(2) or b""):
            ref = re.search(rb'\br="([A-Z]+[0-9]+)"', cell.group(1))
            found.append(ref.group(1).decode() if ref else "?")
    return found


_GROUP_REF = re.compile(rb'\bt="(?:shared|array)"[^>]*?\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')


def formula_groups(sheet_xml: bytes) -> list[str]:
    """The ranges (``"C5:D9"``) that a shared formula's first cell or an array formula
    covers: a cell inside one cannot take a value alone (Excel would drop the formula as
    corrupt: "Removed Records: Formula").

    >>> formula_groups(b'<c r="C5"><f t="shared" ref="C5:D5" si="0">A5*2</f><v>2</v></c>'
    ...                b'<c r="D5"><f t="shared" si="0"/><v>4</v></c>'
    ...                b'<c r="F5"><f t="array" ref="F5:F6">A5:A6</f><v>1</v></c>')
    ['C5:D5', 'F5:F6']
    """
    if b' t="shared"' not in sheet_xml and b' t="array"' not in sheet_xml:
        return []
    return [
        found.group(1).decode()
        for cell in _CELL.finditer(sheet_xml)
        if (f := _FORMULA.search(cell.group(2) or b"")) and (found := _GROUP_REF.search(f.group(1)))
    ]


def cells_referring(sheet_xml: bytes, sheets: Iterable[str]) -> list[str]:
    """Cells of a worksheet part whose formula refers to one of ``sheets`` (``"D5"``).

    A shared formula's cells count with its first cell. A worksheet with no formula, or
    whose text names none of ``sheets``, is passed over after plain byte searches, so data
    sheets cost next to nothing.
    """
    # every formula has a closing </f> (or </x:f>) somewhere: a plain byte search first
    if b"</f>" not in sheet_xml and b":f>" not in sheet_xml:
        return []
    sheets = list(sheets)
    if not _names_any(sheet_xml, sheets):
        return []
    refers = _reference_pattern(sheets)
    shared: set[bytes] = set()
    found = []
    for cell in _CELL.finditer(sheet_xml):
        formula = _FORMULA.search(cell.group(2) or b"")
        if formula is None:
            continue
        attrs, text = formula.group(1), formula.group(2) or b""
        si = re.search(rb'\bsi="(\d+)"', attrs)
        if refers.search(text):
            if si:
                shared.add(si.group(1))
        elif not (si and si.group(1) in shared and not text):
            continue
        ref = re.search(rb'\br="([A-Z]+[0-9]+)"', cell.group(1))
        found.append(ref.group(1).decode() if ref else "?")
    return found
