"""A user's table ("Format as Table", ``xl/tables/tableN.xml``) on an output sheet, kept
consistent with the cells just written.

Excel requires of a table (ECMA-376 Part 1 §18.5, and Excel's own repair on opening):
``ref`` covers the header row and the data, one ``tableColumn`` per column of ``ref``
(``tableColumns count``), each ``tableColumn name`` equal to its header cell's text and
unique ignoring case, ``autoFilter ref`` (and a ``sortState``) inside the table.

Regeneration rewrites every cell of an output sheet, so a table over it either follows
the new cells or would be repaired away by Excel. What happens to each table related
from the sheet:

- **updated** (the tool then owns its ``ref``, ``autoFilter``/``sortState`` refs and
  ``tableColumns``; ids, names of the table, style and every other attribute stay): a table
  whose header row is the output table's header row (row 4). Its rows follow the data
  (row 5 to the last data row); its columns keep their first column and end at the last
  header cell when they did before (so Table 1 grows and shrinks with its years), else
  where they ended (cut at the last header cell). Each column is renamed to its new header
  text; columns beyond are dropped, new ones added with fresh ids.
- **left exactly as it was**, with a notice: a table without a header row (no cell must
  match it), and one elsewhere on the sheet whose header cells regeneration writes with its
  column names again (a one-column table under the title, with the language unchanged).
- **refused before anything is written** (the file unchanged; one line naming the table
  and what to do): a table whose header row is elsewhere and whose header cells would
  change (emptied, or given another text), one with a totals row, a calculated column, a
  query or XML mapping, a filter or sort on a column that would be dropped, new header
  texts that are empty or not unique, or a column renamed away that a formula names
  (``Mine[1993]`` on any sheet or in a defined name: Excel would drop that formula as
  corrupt).

Examples
--------
>>> header_width(b'<sheetData><row r="4"><c r="A4" t="inlineStr"><is><t>x</t></is></c>'
...              b'<c r="C4" t="inlineStr"><is><t>y</t></is></c><c r="D4" s="1"/></row>')
3
"""

from __future__ import annotations

import re
from pathlib import Path

from ...errors import FileRejected
from .. import layout
from ..render import SheetBlock
from .package import MAIN_NS, WORKBOOK, Package
from .sheet_reader import column_number
from .xmlparse import parse_part, serialize

_REF = re.compile(r"^\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")
_ROW = re.compile(
    rb"<(?:\w+:)?row\b[^>]*?\br=\"" + str(layout.OUT_HEADER_ROW).encode() + rb"\"[^>]*>(.*?)"
    rb"</(?:\w+:)?row>",
    re.S,
)
_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]+)\d+\"[^>]*?(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_FIX = (
    "; nothing was written. Convert the table to a range (Table Design ▸ Convert to Range) "
    "or move it to a sheet of your own, and run this again"
)


def _m(tag: str) -> str:
    return f"{{{MAIN_NS}}}{tag}"


def header_width(sheet_xml: bytes) -> int:
    """The last column holding a value in the header row (row 4) of a worksheet part."""
    row = _ROW.search(sheet_xml)
    if row is None:
        return 0
    return max(
        (column_number(c.group(1).decode()) for c in _CELL.finditer(row.group(1)) if c.group(2)),
        default=0,
    )


def _bounds(ref: str) -> tuple[int, int, int, int]:
    """(first column, first row, last column, last row) of ``A4:H15``."""
    m = _REF.match(ref or "")
    if m is None:
        raise ValueError(ref)
    c1, r1 = column_number(m.group(1)), int(m.group(2))
    return c1, r1, column_number(m.group(3) or m.group(1)), int(m.group(4) or m.group(2))


def _ref(c1: int, r1: int, c2: int, r2: int) -> str:
    return f"{layout.column_letter(c1)}{r1}:{layout.column_letter(c2)}{r2}"


def _obstacle(root) -> str | None:
    """Why the table cannot follow the output sheet's cells, whatever its place (None:
    nothing in the table itself stands in the way)."""
    if int(root.get("totalsRowCount", "0")) > 0:
        return "has a totals row, which regeneration cannot keep under new rows"
    if root.find(_m("tableColumns")) is None:
        return "has no columns"
    if root.get("tableType", "worksheet") != "worksheet":
        return f"is linked to a {root.get('tableType')} source"
    if (
        root.find(f"{_m('tableColumns')}/{_m('tableColumn')}/{_m('calculatedColumnFormula')}")
        is not None
    ):
        return "has a calculated column, which regeneration would overwrite"
    return None


def _names(block: SheetBlock, first: int, last: int, row: int = layout.OUT_HEADER_ROW) -> list[str]:
    """The texts of columns ``first``..``last`` (1-based) of ``row`` as written."""
    cells = block.rows[row - 1] if len(block.rows) >= row else []
    return [
        str(cells[c - 1]) if c <= len(cells) and cells[c - 1] is not None else ""
        for c in range(first, last + 1)
    ]


def _elsewhere(root, block: SheetBlock, bounds: tuple[int, int, int, int]) -> str | None:
    """For a table whose header row is not the tool's: None when regeneration writes its
    names into its header cells again (it is then left as it was), else the problem."""
    c1, r1, c2, _ = bounds
    names = [c.get("name", "") for c in root.iter(_m("tableColumn"))]
    if _names(block, c1, c2, r1) == names:
        return None
    width = len(block.columns)
    return (
        f"has its header row outside the tool's header cells (A{layout.OUT_HEADER_ROW}:"
        f"{layout.column_letter(width)}{layout.OUT_HEADER_ROW}), and regeneration changes "
        "its header cells"
    )


def _names_problem(names: list[str], first: int) -> str | None:
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        cell = f"{layout.column_letter(first + i)}{layout.OUT_HEADER_ROW}"
        if not name.strip():
            return f"would get an empty header cell {cell}"
        if name.casefold() in seen:
            other = f"{layout.column_letter(first + seen[name.casefold()])}{layout.OUT_HEADER_ROW}"
            return f"would get the header '{name}' twice ({other} and {cell})"
        seen[name.casefold()] = i
    return None


def _move_rows(element, first: int, last: int, first_row: int, last_row: int) -> str | None:
    """Give ``element``'s ``ref`` (a sort condition) the rows ``first_row``..
    ``last_row``; a problem when one of its columns is beyond ``last``."""
    c1, _, c2, _ = _bounds(element.get("ref"))
    if c2 > last or c1 < first:
        return "is sorted by a column that regeneration removes"
    element.set("ref", _ref(c1, first_row, c2, last_row))
    return None


def _follow_filters(root, first: int, last: int, last_row: int) -> str | None:
    """Point the autoFilter and sort state at the new extent; a problem if they cannot."""
    count = last - first + 1
    auto = root.find(_m("autoFilter"))
    if auto is not None:
        if any(int(f.get("colId", "0")) >= count for f in auto.findall(_m("filterColumn"))):
            return "is filtered by a column that regeneration removes"
        auto.set("ref", _ref(first, layout.OUT_HEADER_ROW, last, last_row))
    for holder in (root, auto):
        state = holder.find(_m("sortState")) if holder is not None else None
        if state is None:
            continue
        state.set("ref", _ref(first, layout.OUT_FIRST_ROW, last, last_row))  # the data
        for condition in state.findall(_m("sortCondition")):
            problem = _move_rows(condition, first, last, layout.OUT_FIRST_ROW, last_row)
            if problem:
                return problem
    return None


def _rename_columns(root, names: list[str]) -> None:
    """One ``tableColumn`` per name: the first ones renamed (their ids and formats kept),
    extra ones dropped, missing ones added with ids not yet used."""
    holder = root.find(_m("tableColumns"))
    columns = holder.findall(_m("tableColumn"))
    for column in columns[len(names) :]:
        holder.remove(column)
    next_id = max((int(c.get("id", "0")) for c in columns), default=0) + 1
    for i, name in enumerate(names):
        if i < len(columns):
            columns[i].set("name", name)
        else:
            new = holder.makeelement(_m("tableColumn"), {"id": str(next_id), "name": name})
            holder.append(new)
            next_id += 1
    holder.set("count", str(len(names)))


_FORMULA_TEXT = re.compile(rb"<(?:\w+:)?f\b[^>]*>([^<]*)</(?:\w+:)?f>")
_DEFINED_NAME = re.compile(rb"<(?:\w+:)?definedName\b[^>]*>([^<]*)</(?:\w+:)?definedName>")
_ITEM = re.compile(r"\[((?:'.|[^\]'])*)\]")


def referenced_columns(formula: str, table: str) -> list[str]:
    """The column names a formula's structured references to ``table`` use (``#All``,
    ``#Headers`` … are not columns; ``'`` escapes ``[ ] # '``).

    >>> referenced_columns("SUM(Mine[1993])+Mine[@[Z index]]+mine[[#Headers],[a'#b]]", "Mine")
    ['1993', 'Z index', 'a#b']
    """
    found = []
    for start in re.finditer(re.escape(table) + r"\[", formula, re.I):
        depth, i = 0, start.end() - 1
        while i < len(formula):  # the reference runs to its matching bracket
            ch = formula[i]
            if ch == "'":
                i += 1
            elif ch in "[]":
                depth += 1 if ch == "[" else -1
                if depth == 0:
                    break
            i += 1
        inner = formula[start.end() : i].lstrip("@")
        items = _ITEM.findall(inner) if inner.startswith("[") else [inner]
        found += [re.sub(r"'(.)", r"\1", x.lstrip("@")) for x in items if x and x[0] != "#"]
    return found


def _formulas(package: Package):
    """(where, formula text) of every worksheet formula and defined name of the package."""
    from xml.sax.saxutils import unescape

    for entry in package.sheets():
        if entry.part and package.exists(entry.part):
            for text in _FORMULA_TEXT.findall(package.read(entry.part)):
                yield f"on sheet {entry.name}", unescape(text.decode())
    for text in _DEFINED_NAME.findall(package.read(WORKBOOK)):
        yield "in a defined name", unescape(text.decode())


def _dangling_reference(package: Package, root, names: list[str]) -> str | None:
    """A formula that names a column of the table that the new names no longer have."""
    table = root.get("displayName") or root.get("name") or ""
    kept = {n.casefold() for n in names}
    old = [c.get("name", "") for c in root.iter(_m("tableColumn"))]
    if all(n.casefold() in kept for n in old):
        return None  # no column renamed away: nothing to look for
    for where, formula in _formulas(package):
        for column in referenced_columns(formula, table):
            if column.casefold() not in kept:
                return (
                    f"is named by a formula {where} ({table}[{column}]), and regeneration "
                    "renames or removes that column"
                )
    return None


def updated_table(data: bytes, block: SheetBlock, old_width: int, path, part: str, package=None):
    """Table part ``data`` made consistent with ``block`` (its bytes, and a notice or None);
    :class:`FileRejected` when it cannot be (see the module's docstring).

    ``old_width``: the header width of the sheet before this regeneration
    (:func:`header_width`), to tell a table that spanned the whole header row.
    ``package``: where to look for formulas naming a column that goes (not looked for
    without it).
    """
    root = parse_part(data, path, part)
    where = f"sheet {block.sheet}: the table {root.get('displayName') or root.get('name')}"
    where += f" ({root.get('ref')})"
    if root.get("headerRowCount") == "0":
        return data, f"{where} has no header row; it was left as it was"
    width = len(block.columns)
    last_row = layout.OUT_FIRST_ROW + max(block.n_data_rows, 1) - 1
    try:
        c1, r1, c2, r2 = _bounds(root.get("ref", ""))
        if r1 != layout.OUT_HEADER_ROW or c1 > width:  # not over the tool's header cells
            problem = _obstacle(root) or _elsewhere(root, block, (c1, r1, c2, r2))
            if problem is None:
                return data, f"{where} is not on the tool's header row; it was left as it was"
        else:
            last = width if c2 >= old_width else min(c2, width)
            names = _names(block, c1, last)
            problem = (
                _obstacle(root)
                or _names_problem(names, c1)
                or _follow_filters(root, c1, last, last_row)
                or (package and _dangling_reference(package, root, names))
            )
    except ValueError:  # a range that is not A1:B2
        problem = "has a range that cannot be read"
    if problem:
        raise FileRejected(f"{Path(path).name}: {where} {problem}{_FIX}")
    root.set("ref", _ref(c1, layout.OUT_HEADER_ROW, last, last_row))
    _rename_columns(root, names)
    return serialize(root), None


def update_tables(package: Package, sheet_part: str, block: SheetBlock, old_sheet: bytes, path):
    """Make every table of ``sheet_part`` follow ``block`` (just written over the sheet whose
    bytes were ``old_sheet``); the notices for the user. Refuses as :func:`updated_table`."""
    notices = []
    old_width = header_width(old_sheet)
    for part in package.related(sheet_part, "table"):
        if not package.exists(part):
            continue
        stored = package.read(part)
        data, notice = updated_table(stored, block, old_width, path, part, package)
        if notice:
            notices.append(notice)
        elif data != stored:
            package.put(part, data, stored=stored)
    return notices
