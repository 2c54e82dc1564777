"""A checker of the cross-part rules Excel enforces when it opens a workbook.

LibreOffice and the Open XML SDK validator accept books that Excel opens only after
"We found a problem with some content …" and a repair that drops the user's table, chart or
formulas. :func:`excel_rule_violations` checks those rules on a saved .xlsx/.xlsm and
returns one readable line per violation, naming the part and the element (an empty list:
nothing found). It is written from ECMA-376, [MS-OI29500] and the repairs other writers'
users reported, independently of the product's code (it imports nothing from ``addin``), so
that it can judge what the product writes.

Rules:

- ``[Content_Types].xml``: each Override's PartName starts with ``/`` and names an existing
  part; every part has a content type (Override or Default by extension).
- relationships: every internal target exists (relative or absolute target), ids unique.
- ``xl/workbook.xml``: well-formed (names escaped), sheet names valid (1-31 characters, none
  of ``[]:*?/\\``, not starting or ending with ``'``, not ``History``) and unique as Excel
  compares them (case-insensitive, Unicode), sheetIds unique.
- ``xl/calcChain.xml``: not empty; each entry's ``i`` (carried over from the previous entry
  when absent) is a sheetId of the workbook, and its cell holds a formula ``<f>`` (or lies
  in an array formula's range).
- tables: ``ref`` covers the header row, the number of ``tableColumn`` equals the ref's
  width and ``tableColumns count``, each column's name equals its header cell's text;
  column names unique ignoring case, column ids unique; ``autoFilter ref`` equal to the
  table's ref without its totals row, every ``sortState ref`` inside the table; table ids
  and names unique.
- structured references (``Table1[Column]``, ``Table1[[#This Row],[Column]]``) in cell
  formulas, conditional formats, validations, defined names and tables' own formulas
  name an existing table and columns it has.
- indexes into other parts: cell style indexes (``<c s>``, ``<row s>``, ``<col style>``)
  below ``cellXfs``' count; ``dxfId`` of conditional formats and every ``…DxfId`` of
  tables below ``dxfs``' count; ``t="s"`` cells' values below the shared strings' count;
  ``definedName localSheetId`` below the number of sheets.
- VML: ``o:idmap`` blocks and ``_x0000_s`` shape ids unique across the drawings of
  comments and controls (``<legacyDrawing>``), and apart from those across the header and
  footer pictures' (``<legacyDrawingHF>``), as Excel numbers them.
- content types by relationship: a part a relationship names as a worksheet, styles,
  table, chart, drawing, VML drawing, VBA project, printer settings… has that kind's
  content type, whether from its Override or its extension's Default (a
  ``printerSettings1.bin`` typed as the VBA project by ``<Default Extension="bin">`` is not).
- charts: each ``c:ser`` has only the children of its chart type's series, in schema order
  (``cat``/``val`` for bar, line, area, pie…; ``xVal``/``yVal``/``bubbleSize`` for scatter
  and bubble); each cache's ``ptCount`` is at least the number of points listed and every
  point's ``idx`` lies below it.
- ``docProps/app.xml``: ``HeadingPairs`` counts add up to ``TitlesOfParts``' size and its
  sheet groups list exactly the workbook's sheets (very hidden ones may be left out, as
  Excel leaves them).
- zip: no ZIP64 extra field nor version 45 where no size or offset needs it.
- worksheets: children in CT_Worksheet's order, rows and cells ascending; no subnormal
  number in a ``<v>``; in a book with a VBA project whose sheets have code names (Excel
  gives every sheet one; LibreOffice none) each worksheet has a unique
  ``<sheetPr codeName>``. Elements of other namespaces (``mc:AlternateContent``) are
  passed over in the order checks.

Examples
--------
>>> excel_rule_violations("book.xlsm")  # doctest: +SKIP
['xl/calcChain.xml: <c r="D5" i="2">: sheet Index holds no formula in D5']
"""

from __future__ import annotations

import posixpath
import re
import struct
import sys
import zipfile
from pathlib import Path

from lxml import etree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
VT = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"
EP = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)

#: CT_Worksheet's children in schema order (ECMA-376 Part 1, 18.3.1.99).
WORKSHEET_ORDER = (
    "sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
    "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews "
    "mergeCells phoneticPr conditionalFormatting dataValidations hyperlinks printOptions "
    "pageMargins pageSetup headerFooter rowBreaks colBreaks customProperties cellWatches "
    "ignoredErrors smartTags drawing legacyDrawing legacyDrawingHF drawingHF picture "
    "oleObjects controls webPublishItems tableParts extLst"
).split()

_COMMON_HEAD = "idx order tx spPr"
#: The children of a series of each chart type, in schema order (21.2.2 CT_*Ser).
_SERIES = {
    "bar": f"{_COMMON_HEAD} invertIfNegative pictureOptions dPt dLbls trendline errBars cat val "
    "shape extLst",
    "line": f"{_COMMON_HEAD} marker dPt dLbls trendline errBars cat val smooth extLst",
    "scatter": f"{_COMMON_HEAD} marker dPt dLbls trendline errBars xVal yVal smooth extLst",
    "area": f"{_COMMON_HEAD} pictureOptions dPt dLbls trendline errBars cat val extLst",
    "pie": f"{_COMMON_HEAD} explosion dPt dLbls cat val extLst",
    "radar": f"{_COMMON_HEAD} marker dPt dLbls cat val extLst",
    "bubble": f"{_COMMON_HEAD} invertIfNegative dPt dLbls trendline errBars xVal yVal "
    "bubbleSize bubble3D extLst",
    "surface": f"{_COMMON_HEAD} cat val extLst",
}
SERIES_ORDER = {
    chart: _SERIES[kind].split()
    for kind, charts in {
        "bar": ("barChart", "bar3DChart"),
        "line": ("lineChart", "line3DChart", "stockChart"),
        "scatter": ("scatterChart",),
        "area": ("areaChart", "area3DChart"),
        "pie": ("pieChart", "pie3DChart", "doughnutChart", "ofPieChart"),
        "radar": ("radarChart",),
        "bubble": ("bubbleChart",),
        "surface": ("surfaceChart", "surface3DChart"),
    }.items()
    for chart in charts
}

_INVALID_SHEET_CHARS = set("[]:*?/\\")
_SMALLEST_NORMAL = sys.float_info.min
_ZIP64_EXTRA = 0x0001
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")  # a character written as _xHHHH_ (ST_Xstring)


def column_number(letters: str) -> int:
    """``"A"`` → 1, ``"AA"`` → 27.

    >>> column_number("XFD")
    16384
    """
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def split_ref(ref: str) -> tuple[int, int]:
    """``"B12"`` → (12, 2): row, column."""
    found = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", ref)
    if not found:
        raise ValueError(ref)
    return int(found.group(2)), column_number(found.group(1))


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _resolve(source: str, target: str) -> str | None:
    """The part ``target`` names (None for a place in the book itself, ``#Sheet1!A1``)."""
    target = target.split("#", 1)[0]
    if not target:
        return None
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _source_of(rels: str) -> str:
    """The part whose relationships ``rels`` holds (``xl/_rels/workbook.xml.rels`` →
    ``xl/workbook.xml``; ``_rels/.rels`` → the package, ``""``)."""
    folder, name = posixpath.split(rels)
    return posixpath.join(posixpath.dirname(folder), name[: -len(".rels")])


class Book:
    """A package opened for checking: its part names, parsed parts, relationships."""

    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        self.names = [n for n in zf.namelist() if not n.endswith("/")]
        self.lower = {n.lower(): n for n in self.names}
        self._parsed: dict[str, etree._Element | None] = {}
        self.errors: list[str] = []

    def xml(self, name: str):
        """Part ``name`` parsed (None, with a violation noted, when it is not well formed)."""
        if name not in self._parsed:
            try:
                self._parsed[name] = etree.fromstring(self.zf.read(name), _PARSER)
            except etree.XMLSyntaxError as exc:
                self.errors.append(f"{name}: not well-formed XML ({exc})")
                self._parsed[name] = None
        return self._parsed[name]

    def exists(self, name: str) -> bool:
        return name.lower() in self.lower

    def rels(self, part: str) -> list[tuple[str, str, str | None]]:
        """``part``'s relationships as (id, type's last segment, target part or None)."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", f"{name}.rels")
        if not self.exists(rels):
            return []
        root = self.xml(self.lower[rels.lower()])
        if root is None:
            return []
        return [
            (
                r.get("Id", ""),
                r.get("Type", "").rsplit("/", 1)[-1],
                None if r.get("TargetMode") == "External" else _resolve(part, r.get("Target", "")),
            )
            for r in root.iter(f"{PKG_REL}Relationship")
        ]

    def related(self, part: str, kind: str) -> list[str]:
        return [t for _, k, t in self.rels(part) if k == kind and t and self.exists(t)]

    def workbook(self) -> str | None:
        found = self.related("", "officeDocument")
        return self.lower[found[0].lower()] if found else None

    def very_hidden(self) -> set[str]:
        """Names of the sheets hidden so that only VBA shows them (not in app.xml's list)."""
        workbook = self.workbook()
        root = self.xml(workbook) if workbook else None
        if root is None:
            return set()
        return {
            s.get("name", "") for s in root.iter(f"{MAIN}sheet") if s.get("state") == "veryHidden"
        }

    def sheets(self) -> list[tuple[str, int, str | None]]:
        """(name, sheetId, part) of each ``<sheet>`` in tab order."""
        workbook = self.workbook()
        root = self.xml(workbook) if workbook else None
        if root is None:
            return []
        targets = {rid: t for rid, _, t in self.rels(workbook)}
        out = []
        for sheet in root.iter(f"{MAIN}sheet"):
            try:
                sheet_id = int(sheet.get("sheetId", ""))
            except ValueError:
                sheet_id = -1
            out.append((sheet.get("name", ""), sheet_id, targets.get(sheet.get(f"{REL}id"))))
        return out

    def tables(self) -> list[str]:
        """The table parts of the book's worksheets, in tab order."""
        return [
            table
            for _, _, part in self.sheets()
            if part and self.exists(part)
            for table in self.related(part, "table")
        ]

    def shared_strings(self) -> list[str]:
        workbook = self.workbook()
        found = self.related(workbook, "sharedStrings") if workbook else []
        root = self.xml(found[0]) if found else None
        if root is None:
            return []
        return ["".join(t.text or "" for t in si.iter(f"{MAIN}t")) for si in root.iter(f"{MAIN}si")]


def _cell_text(cell, shared: list[str]) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{MAIN}t"))
    value = cell.findtext(f"{MAIN}v")
    if value is None:
        return ""
    if kind == "s":
        index = int(value)
        return shared[index] if index < len(shared) else ""
    return value


# --- the rules ---------------------------------------------------------------------------
def content_type_rules(book: Book) -> list[str]:
    out = []
    root = book.xml("[Content_Types].xml") if book.exists("[Content_Types].xml") else None
    if root is None:
        return ["[Content_Types].xml: missing"]
    overrides, defaults = set(), set()
    for override in root.iter(f"{CT}Override"):
        name = override.get("PartName", "")
        if not name.startswith("/"):
            out.append(f'[Content_Types].xml: <Override PartName="{name}">: no leading slash')
        elif not book.exists(name[1:]):
            out.append(f'[Content_Types].xml: <Override PartName="{name}">: no such part')
        overrides.add(name.lstrip("/").lower())
    for default in root.iter(f"{CT}Default"):
        defaults.add(default.get("Extension", "").lower())
    for name in book.names:
        if name == "[Content_Types].xml" or name.lower() in overrides:
            continue
        extension = posixpath.basename(name).rsplit(".", 1)[-1].lower()
        if "." not in posixpath.basename(name) or extension not in defaults:
            out.append(f"[Content_Types].xml: part {name} has no content type")
    return out


def relationship_rules(book: Book) -> list[str]:
    out = []
    for rels in (n for n in book.names if n.endswith(".rels")):
        source = _source_of(rels)
        ids = set()
        for rid, kind, target in book.rels(source):
            if rid in ids:
                out.append(f'{rels}: <Relationship Id="{rid}">: id used twice')
            ids.add(rid)
            if target is not None and not book.exists(target):
                out.append(f'{rels}: <Relationship Id="{rid}" ({kind})>: target {target} missing')
    return out


def sheet_name_problem(name: str) -> str | None:
    """Why Excel refuses ``name`` as a sheet name (None when it accepts it).

    >>> sheet_name_problem("Table1"), sheet_name_problem("a/b"), sheet_name_problem("'x")
    (None, 'contains / ', "starts or ends with '")
    """
    if not 1 <= len(name) <= 31:
        return "not 1-31 characters"
    bad = "".join(sorted(set(name) & _INVALID_SHEET_CHARS))
    if bad:
        return f"contains {bad} "
    if name.startswith("'") or name.endswith("'"):
        return "starts or ends with '"
    if name.casefold() == "history":
        return "History is reserved"
    return None


def workbook_rules(book: Book) -> list[str]:
    out = []
    workbook = book.workbook()
    if workbook is None:
        return ["_rels/.rels: no officeDocument relationship to a workbook part"]
    seen_names: dict[str, str] = {}
    seen_ids: set[int] = set()
    for name, sheet_id, part in book.sheets():
        where = f'{workbook}: <sheet name="{name}">'
        if problem := sheet_name_problem(name):
            out.append(f"{where}: invalid sheet name ({problem.strip()})")
        folded = name.casefold()
        if folded in seen_names:
            out.append(f"{where}: same name as sheet {seen_names[folded]} (Excel ignores case)")
        seen_names[folded] = name
        if sheet_id in seen_ids or sheet_id < 1:
            out.append(f"{where}: sheetId {sheet_id} is used twice or invalid")
        seen_ids.add(sheet_id)
        if part is None or not book.exists(part):
            out.append(f"{where}: its r:id names no existing part")
    return out


def _formula_cells(root) -> set[str]:
    """The cells holding a formula, and every cell an array formula spans (``ref``)."""
    found = set()
    for formula in root.iter(f"{MAIN}f"):
        cell = formula.getparent().get("r", "")
        found.add(cell)
        if formula.get("t") == "array" and ":" in formula.get("ref", ""):
            (top, left), (bottom, right) = (split_ref(r) for r in formula.get("ref").split(":"))
            found.update(
                f"{_letters(col)}{row}"
                for row in range(top, bottom + 1)
                for col in range(left, right + 1)
            )
    return found


def calc_chain_rules(book: Book) -> list[str]:
    workbook = book.workbook()
    found = book.related(workbook, "calcChain") if workbook else []
    if not found:
        return []
    name = found[0]
    root = book.xml(name)
    if root is None:
        return []
    entries = list(root.iter(f"{MAIN}c"))
    if not entries:
        return [f"{name}: no entry left (the part and its relationship should be removed)"]
    sheets = {sheet_id: (sheet, part) for sheet, sheet_id, part in book.sheets()}
    formulas: dict[int, set[str]] = {}
    out = []
    current = None
    for entry in entries:
        if entry.get("i"):
            current = int(entry.get("i"))
        ref = entry.get("r", "")
        where = f'{name}: <c r="{ref}" i="{current}">'
        if current not in sheets:
            out.append(f"{where}: no sheet has sheetId {current}")
            continue
        sheet, part = sheets[current]
        if current not in formulas:
            sheet_root = book.xml(part) if part and book.exists(part) else None
            formulas[current] = _formula_cells(sheet_root) if sheet_root is not None else set()
        if ref not in formulas[current]:
            out.append(f"{where}: sheet {sheet} holds no formula in {ref}")
    return out


def _table_rules(book: Book, sheet: str, part: str, table: str, shared: list[str]) -> list[str]:
    root = book.xml(table)
    if root is None:
        return []
    ref = root.get("ref", "")
    try:
        (top, left), (_, right) = (split_ref(r) for r in ref.split(":"))
    except ValueError:
        return [f'{table}: <table ref="{ref}">: not a range']
    columns = list(root.iter(f"{MAIN}tableColumn"))
    out = _table_column_rules(table, root, columns) + _table_filter_rules(table, root, ref)
    if len(columns) != right - left + 1:
        out.append(
            f'{table}: <table ref="{ref}">: {len(columns)} tableColumn for {right - left + 1} '
            "columns"
        )
    if root.get("headerRowCount", "1") == "0":
        return out
    sheet_root = book.xml(part)
    header = {}
    for row in sheet_root.iter(f"{MAIN}row") if sheet_root is not None else ():
        if row.get("r") == str(top):
            for cell in row.iter(f"{MAIN}c"):
                header[split_ref(cell.get("r", ""))[1]] = _cell_text(cell, shared)
    for offset, column in enumerate(columns):
        text = header.get(left + offset, "")
        if _column_name(column) != text:
            out.append(
                f'{table}: <tableColumn name="{column.get("name")}">: header cell '
                f"{sheet}!{_letters(left + offset)}{top} holds {text!r}"
            )
    return out


def _column_name(column) -> str:
    """A ``tableColumn``'s name as its header cell shows it (``_x000a_`` a line break)."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), column.get("name", ""))


def _table_column_rules(table: str, root, columns: list) -> list[str]:
    """``tableColumns count`` equal to the columns listed; names unique ignoring case;
    ids unique."""
    out = []
    holder = root.find(f"{MAIN}tableColumns")
    count = holder.get("count") if holder is not None else None
    if count is not None and count != str(len(columns)):
        out.append(f'{table}: <tableColumns count="{count}">: {len(columns)} tableColumn listed')
    names, ids = set(), set()
    for column in columns:
        label = f'<tableColumn id="{column.get("id")}" name="{column.get("name")}">'
        name = _column_name(column).casefold()
        if name in names:
            out.append(f"{table}: {label}: name used twice (Excel ignores case)")
        if column.get("id") in ids:
            out.append(f"{table}: {label}: id used twice")
        names.add(name)
        ids.add(column.get("id"))
    return out


def _range(ref: str) -> tuple[int, int, int, int]:
    """``"B2:D9"`` → (top, left, bottom, right); a single cell is a range of one."""
    first, _, last = ref.partition(":")
    (top, left), (bottom, right) = split_ref(first), split_ref(last or first)
    return top, left, bottom, right


def _table_filter_rules(table: str, root, ref: str) -> list[str]:
    """The table's ``autoFilter ref`` equal to its ref without the totals row; every
    ``sortState ref`` inside the table."""
    out = []
    top, left, bottom, right = _range(ref)
    totals = int(root.get("totalsRowCount", "0") or 0)
    expected = f"{_letters(left)}{top}:{_letters(right)}{bottom - totals}"
    found = root.find(f"{MAIN}autoFilter")
    if found is not None and found.get("ref", "").replace("$", "") != expected:
        out.append(
            f'{table}: <autoFilter ref="{found.get("ref")}">: the table\'s ref {ref} without '
            f"its totals row is {expected}"
        )
    for state in root.iter(f"{MAIN}sortState"):
        try:
            s_top, s_left, s_bottom, s_right = _range(state.get("ref", "").replace("$", ""))
        except ValueError:
            out.append(f'{table}: <sortState ref="{state.get("ref")}">: not a range')
            continue
        if s_top < top or s_left < left or s_bottom > bottom or s_right > right:
            out.append(f'{table}: <sortState ref="{state.get("ref")}">: outside the table {ref}')
    return out


def _letters(column: int) -> str:
    out = ""
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


def table_rules(book: Book) -> list[str]:
    out = []
    shared = None
    ids: dict[str, str] = {}
    names: dict[str, str] = {}
    for sheet, _, part in book.sheets():
        if not part or not book.exists(part):
            continue
        for table in book.related(part, "table"):
            shared = book.shared_strings() if shared is None else shared
            out += _table_rules(book, sheet, part, table, shared)
            root = book.xml(table)
            if root is None:
                continue
            for key, seen in ((root.get("id", ""), ids), (root.get("name", "").casefold(), names)):
                if key in seen:
                    out.append(f"{table}: table id or name {key!r} also used by {seen[key]}")
                seen[key] = table
    return out


_STRING = re.compile(r'"(?:[^"]|"")*"')
#: A table's name right before ``[`` (not a sheet's, a workbook's ``[1]`` nor a name's part)
_TABLE_NAME = re.compile(r"(?<![\w.\]!'])([^\W\d][\w.]*)\[")
_FORMULA_TAGS = ("f", "formula", "formula1", "formula2", "definedName")
_TABLE_FORMULA_TAGS = ("calculatedColumnFormula", "totalsRowFormula")


def _bracketed(text: str, start: int) -> int:
    """The index just past the ``]`` closing the ``[`` at ``start`` (``'`` escapes the next
    character, as in ``Table1['#Col]``)."""
    depth, at = 0, start
    while at < len(text):
        char = text[at]
        if char == "'":
            at += 1
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return at + 1
        at += 1
    return len(text)


def structured_references(formula: str) -> list[tuple[str, list[str]]]:
    r"""(table, columns named) of each structured reference in ``formula``; the special
    items (``#All``, ``#This Row``…) are left out.

    >>> structured_references("SUM(Sales[Q1])+Sales[[#This Row],[It''s '#1]]&\"x[y]\"")
    [('Sales', ['Q1']), ('Sales', ["It's #1"])]
    >>> structured_references("T[[Jan]:[Feb]]+T[#All]+[1]Sheet1!A1+'[2]S'!A1")
    [('T', ['Jan', 'Feb']), ('T', [])]
    """
    formula = _STRING.sub('""', formula)
    out = []
    for found in _TABLE_NAME.finditer(formula):
        inner = formula[found.end() : _bracketed(formula, found.end() - 1) - 1]
        items = re.findall(r"\[((?:'.|[^\]'])*)\]", inner) if "[" in inner else [inner]
        columns = [re.sub(r"'(.)", r"\1", i.strip().lstrip("@")) for i in items]
        out.append((found.group(1), [c for c in columns if c and not c.startswith("#")]))
    return out


def _formulas(book: Book):
    """(part, tag, text) of every formula in the book's worksheets, defined names and tables."""
    workbook = book.workbook()
    roots = [(part, root) for _, part, root in _worksheets(book)]
    roots += [(workbook, book.xml(workbook))] if workbook else []
    roots += [(table, book.xml(table)) for table in book.tables()]
    tags = [f"{MAIN}{tag}" for tag in _FORMULA_TAGS + _TABLE_FORMULA_TAGS]
    for part, root in roots:
        for element in root.iter(*tags) if root is not None else ():
            if element.text:
                yield part, _local(element.tag), element.text


def structured_reference_rules(book: Book) -> list[str]:
    """Every structured reference (``Table1[Column]``) in a formula, a defined name or a
    table's formulas names an existing table (by its displayName, ignoring case) and
    columns of that table."""
    tables: dict[str, set[str]] = {}
    for table in book.tables():
        root = book.xml(table)
        if root is not None:
            columns = {_column_name(c).casefold() for c in root.iter(f"{MAIN}tableColumn")}
            tables[root.get("displayName", root.get("name", "")).casefold()] = columns
    out = []
    for part, tag, text in _formulas(book):
        for table, columns in structured_references(text):
            if table.casefold() not in tables:
                out.append(f"{part}: <{tag}>{text}</{tag}>: no table is named {table}")
                continue
            missing = [c for c in columns if c.casefold() not in tables[table.casefold()]]
            if missing:
                out.append(f"{part}: <{tag}>{text}</{tag}>: table {table} has no column {missing}")
    return out


def _cache_rules(chart: str, ser_label: str, ser) -> list[str]:
    out = []
    for cache in ser.iter(*(f"{CHART}{k}" for k in ("numCache", "strCache", "numLit", "strLit"))):
        count = cache.find(f"{CHART}ptCount")
        total = int(count.get("val", "0")) if count is not None else 0
        points = cache.findall(f"{CHART}pt")
        if len(points) > total or any(int(p.get("idx", "0")) >= total for p in points):
            out.append(
                f"{chart}: {ser_label} <c:{_local(cache.tag)}>: {len(points)} points "
                f"for ptCount {total}"
            )
    return out


def chart_rules(book: Book) -> list[str]:
    out = []
    for chart in (n for n in book.names if re.fullmatch(r"xl/charts/chart[^/]*\.xml", n)):
        root = book.xml(chart)
        if root is None:
            continue
        for plot in root.iter(*(f"{CHART}{k}" for k in SERIES_ORDER)):
            kind = _local(plot.tag)
            order = SERIES_ORDER[kind]
            for number, ser in enumerate(plot.findall(f"{CHART}ser"), 1):
                label = f"<c:{kind}> series {number}"
                out += _children_in_order(
                    ser, CHART, order, "c:", f"{chart}: {label}: ", "", "schema order"
                )
                out += _cache_rules(chart, label, ser)
    return out


def _vector(parent, name: str) -> list:
    found = parent.find(f"{EP}{name}") if parent is not None else None
    vector = found.find(f"{VT}vector") if found is not None else None
    return list(vector) if vector is not None else []


def app_rules(book: Book) -> list[str]:
    if not book.exists("docProps/app.xml"):
        return []
    root = book.xml(book.lower["docprops/app.xml"])
    if root is None:
        return []
    pairs, titles = _vector(root, "HeadingPairs"), _vector(root, "TitlesOfParts")
    if not pairs and not titles:
        return []
    groups = []
    for variant in range(0, len(pairs) - 1, 2):
        label = pairs[variant].findtext(f"{VT}lpstr") or ""
        count = pairs[variant + 1].findtext(f"{VT}i4") or "0"
        groups.append((label, int(count)))
    names = [t.text or "" for t in titles]
    if sum(c for _, c in groups) != len(names):
        return [
            f"docProps/app.xml: HeadingPairs count {sum(c for _, c in groups)} but "
            f"TitlesOfParts lists {len(names)}"
        ]
    sheets = sorted(name for name, _, _ in book.sheets())
    listed, start = [], 0
    for _, count in groups:  # the sheet groups come first; stop at one listing a non-sheet
        group = names[start : start + count]
        if not set(group) <= set(sheets):
            break
        listed += group
        start += count
    if sorted(listed) != sorted(set(sheets) - book.very_hidden() | set(listed)):
        missing = sorted(set(sheets) - set(listed) - book.very_hidden())
        extra = sorted(set(names) - set(listed) - set(sheets))
        return [
            f"docProps/app.xml: TitlesOfParts does not list the workbook's sheets "
            f"(missing {missing}, not sheets {extra[:5]})"
        ]
    return []


def _local_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, bytes]:
    """(version needed, extra field) of ``info``'s local header."""
    zf.fp.seek(info.header_offset)
    header = zf.fp.read(30)
    version, name_length, extra_length = (
        struct.unpack("<H", header[4:6])[0],
        *struct.unpack("<HH", header[26:30]),
    )
    zf.fp.seek(info.header_offset + 30 + name_length)
    return version, zf.fp.read(extra_length)


def _has_zip64_extra(extra: bytes) -> bool:
    while len(extra) >= 4:
        kind, size = struct.unpack("<HH", extra[:4])
        if kind == _ZIP64_EXTRA:
            return True
        extra = extra[4 + size :]
    return False


def zip_rules(book: Book) -> list[str]:
    out = []
    limit = zipfile.ZIP64_LIMIT
    for info in book.zf.infolist():
        if max(info.file_size, info.compress_size, info.header_offset) >= limit:
            continue
        version, extra = _local_header(book.zf, info)
        if version >= 45 or _has_zip64_extra(extra):
            out.append(f"zip: {info.filename}: ZIP64 local header (version {version}) not needed")
        if info.extract_version >= 45 or _has_zip64_extra(info.extra):
            out.append(f"zip: {info.filename}: ZIP64 in the central directory, not needed")
    return out


def _children_in_order(
    parent, namespace: str, order, prefix: str, where: str, within: str, what: str
) -> list[str]:
    """``parent``'s children of ``namespace`` each known and in ``order`` (others, such as
    mc:AlternateContent, are passed over); one line per child out of place."""
    out, last = [], -1
    for child in parent:
        name = _local(child.tag)
        if not name or not child.tag.startswith(namespace):
            continue
        if name not in order:
            out.append(f"{where}unexpected <{prefix}{name}>{within}")
            continue
        if order.index(name) < last:
            out.append(f"{where}<{prefix}{name}> out of {what}")
        last = order.index(name)
    return out


def _worksheet_order(part: str, root) -> list[str]:
    return _children_in_order(
        root, MAIN, WORKSHEET_ORDER, "", f"{part}: ", " in <worksheet>", "CT_Worksheet's order"
    )


def _cells_ascending(part: str, root) -> list[str]:
    out, last_row = [], 0
    for row in root.iter(f"{MAIN}row"):
        number = int(row.get("r", last_row + 1))
        if number <= last_row:
            out.append(f'{part}: <row r="{number}"> after row {last_row}')
        last_row, last_col = number, 0
        for cell in row.iter(f"{MAIN}c"):
            if not cell.get("r"):
                last_col += 1
                continue
            cell_row, col = split_ref(cell.get("r"))
            if cell_row != number or col <= last_col:
                out.append(f'{part}: <c r="{cell.get("r")}"> out of place in row {number}')
            last_col = col
    return out


def _subnormals(part: str, values) -> list[str]:
    """A line for each element of ``values`` holding a subnormal number (1.73e-321)."""
    return [
        f"{part}: subnormal number {v.text} in <{_local(v.tag)}>"
        for v in values
        if v is not None and _subnormal(v.text)
    ]


def worksheet_rules(book: Book) -> list[str]:
    out = []
    vba = any(n.lower().endswith("vbaproject.bin") for n in book.names)
    vba = vba and _any_code_name(book)  # LibreOffice writes none: then none is expected
    code_names: dict[str, str] = {}
    for sheet, _, part in book.sheets():
        if not part or not book.exists(part) or "worksheets/" not in part:
            continue
        root = book.xml(part)
        if root is None:
            continue
        out += _worksheet_order(part, root)
        out += _cells_ascending(part, root)
        numbers = (c.find(f"{MAIN}v") for c in root.iter(f"{MAIN}c") if c.get("t", "n") == "n")
        out += _subnormals(part, numbers)
        if vba:
            props = root.find(f"{MAIN}sheetPr")
            code = props.get("codeName") if props is not None else None
            if not code:
                out.append(f"{part}: sheet {sheet} has no <sheetPr codeName> in a book with VBA")
            elif code.casefold() in code_names:
                out.append(f"{part}: codeName {code} also used by {code_names[code.casefold()]}")
            else:
                code_names[code.casefold()] = sheet
    for chart in (n for n in book.names if n.startswith("xl/charts/chart")):
        root = book.xml(chart)
        if root is not None:
            out += _subnormals(chart, root.iter(f"{CHART}v"))
    return out


def _any_code_name(book: Book) -> bool:
    """Whether any worksheet of ``book`` has a VBA code name."""
    for _, _, part in book.sheets():
        root = book.xml(part) if part and book.exists(part) else None
        props = root.find(f"{MAIN}sheetPr") if root is not None else None
        if props is not None and props.get("codeName"):
            return True
    return False


def _subnormal(text: str | None) -> bool:
    try:
        number = float(text or "")
    except ValueError:
        return False
    return number != 0 and abs(number) < _SMALLEST_NORMAL


# --- indexes into other parts ------------------------------------------------------------
def _worksheets(book: Book):
    """(sheet name, part, parsed root) of each worksheet that could be read."""
    for sheet, _, part in book.sheets():
        if part and book.exists(part) and "worksheets/" in part:
            root = book.xml(part)
            if root is not None:
                yield sheet, part, root


def _styles(book: Book):
    workbook = book.workbook()
    found = book.related(workbook, "styles") if workbook else []
    return book.xml(found[0]) if found else None


def _count(styles, name: str, entry: str) -> int:
    """How many ``entry`` elements the styles list ``name`` holds (``cellXfs``/``xf``)."""
    found = styles.find(f"{MAIN}{name}") if styles is not None else None
    return len(found.findall(f"{MAIN}{entry}")) if found is not None else 0


def _index_beyond(value: str | None, count: int) -> bool:
    try:
        return value is not None and not 0 <= int(value) < count
    except ValueError:
        return True


def _dxf_ids(root):
    """(element, attribute, value) of every ``dxfId``/``…DxfId`` attribute under ``root``."""
    for element in root.iter():
        for key, value in element.attrib.items():
            if key.lower().endswith("dxfid") and "}" not in key:
                yield element, key, value


def style_rules(book: Book) -> list[str]:
    """Cell style indexes (``<c s>``, ``<row s>``, ``<col style>``) within ``cellXfs``;
    ``dxfId`` of conditional formats and tables within ``dxfs``."""
    styles = _styles(book)
    xfs, dxfs = _count(styles, "cellXfs", "xf"), _count(styles, "dxfs", "dxf")
    out = []
    for _, part, root in _worksheets(book):
        for tag, key in (("c", "s"), ("row", "s"), ("col", "style")):
            for element in root.iter(f"{MAIN}{tag}"):
                if _index_beyond(element.get(key), xfs):
                    where = element.get("r") or element.get("min", "")
                    out.append(
                        f'{part}: <{tag} {key}="{element.get(key)}"> ({where}): beyond the '
                        f"{xfs} cellXfs of the styles"
                    )
        for rule in root.iter(f"{MAIN}cfRule"):
            if _index_beyond(rule.get("dxfId"), dxfs):
                out.append(f'{part}: <cfRule dxfId="{rule.get("dxfId")}">: beyond the {dxfs} dxfs')
    for table in book.tables():
        root = book.xml(table)
        for element, key, value in _dxf_ids(root) if root is not None else ():
            if _index_beyond(value, dxfs):
                tag = _local(element.tag)
                out.append(f'{table}: <{tag} {key}="{value}">: beyond the {dxfs} dxfs')
    return out


def shared_string_rules(book: Book) -> list[str]:
    """Every ``t="s"`` cell's value an index into the sharedStrings table."""
    count = len(book.shared_strings())
    out = []
    for _, part, root in _worksheets(book):
        for cell in root.iter(f"{MAIN}c"):
            if cell.get("t") == "s" and _index_beyond(cell.findtext(f"{MAIN}v"), count):
                out.append(
                    f'{part}: <c r="{cell.get("r")}" t="s">: string {cell.findtext(f"{MAIN}v")} '
                    f"beyond the {count} shared strings"
                )
    return out


_IDMAP = re.compile(rb"<o:idmap\b[^>]*\bdata=\"([^\"]*)\"")
_SHAPE_ID = re.compile(rb"<v:shape\b[^>]*\b(?:o:sp)?id=\"(_x0000_s\d+)\"")


def _vml_drawings(book: Book, element: str) -> list[str]:
    """The VML parts the worksheets name by ``<legacyDrawing>`` (comments, form controls)
    or ``<legacyDrawingHF>`` (header and footer pictures), as ``element`` says."""
    out = []
    for _, part, root in _worksheets(book):
        targets = {rid: target for rid, _, target in book.rels(part)}
        for found in root.iter(f"{MAIN}{element}"):
            target = targets.get(found.get(f"{REL}id"))
            if target and book.exists(target) and target not in out:
                out.append(target)
    return out


def vml_rules(book: Book) -> list[str]:
    """The ``o:idmap`` blocks and ``_x0000_s`` shape ids of the sheets' VML drawings unique
    across the book (Excel numbers a drawing's shapes from 1024 × its block): among the
    drawings of comments and controls (``<legacyDrawing>``), and apart from them among the
    header and footer pictures' (``<legacyDrawingHF>``, ids in ``o:spid``), which Excel
    numbers from 1 again."""
    out = []
    for element in ("legacyDrawing", "legacyDrawingHF"):
        blocks: dict[str, str] = {}
        shapes: dict[str, str] = {}
        for part in _vml_drawings(book, element):
            data = book.zf.read(book.lower[part.lower()])
            for found in _IDMAP.finditer(data):
                for block in found.group(1).decode().replace(" ", "").split(","):
                    out += _once(blocks, block, part, f'<o:idmap data="{block}">')
            for found in _SHAPE_ID.finditer(data):
                shape = found.group(1).decode()
                out += _once(shapes, shape, part, f'<v:shape id="{shape}">')
    return out


def _once(seen: dict[str, str], key: str, part: str, element: str) -> list[str]:
    """Note ``key`` as used by ``part``: a line when another part used it already."""
    if key in seen:
        return [f"{part}: {element}: also in {seen[key]}"]
    seen[key] = part
    return []


_SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml."
#: The content type a part must have, by the type of the relationship that names it.
EXPECTED_TYPES = {
    "vbaProject": ("application/vnd.ms-office.vbaProject",),
    "printerSettings": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings",
    ),
    "vmlDrawing": ("application/vnd.openxmlformats-officedocument.vmlDrawing",),
    "worksheet": (f"{_SPREADSHEET}worksheet+xml",),
    "styles": (f"{_SPREADSHEET}styles+xml",),
    "sharedStrings": (f"{_SPREADSHEET}sharedStrings+xml",),
    "calcChain": (f"{_SPREADSHEET}calcChain+xml",),
    "table": (f"{_SPREADSHEET}table+xml",),
    "comments": (f"{_SPREADSHEET}comments+xml",),
    "drawing": ("application/vnd.openxmlformats-officedocument.drawing+xml",),
    "chart": ("application/vnd.openxmlformats-officedocument.drawingml.chart+xml",),
    "theme": ("application/vnd.openxmlformats-officedocument.theme+xml",),
}


def _content_types(book: Book) -> tuple[dict[str, str], dict[str, str]]:
    """Overrides by lower-case part name and Defaults by lower-case extension."""
    root = book.xml("[Content_Types].xml") if book.exists("[Content_Types].xml") else None
    if root is None:
        return {}, {}
    overrides = {
        o.get("PartName", "").lstrip("/").lower(): o.get("ContentType", "")
        for o in root.iter(f"{CT}Override")
    }
    defaults = {
        d.get("Extension", "").lower(): d.get("ContentType", "") for d in root.iter(f"{CT}Default")
    }
    return overrides, defaults


def part_type_rules(book: Book) -> list[str]:
    """A part named by a relationship of a known type has that type's content type, from
    its Override or else its extension's Default (a ``printerSettings1.bin`` typed as the
    VBA project by ``<Default Extension="bin">`` is not)."""
    overrides, defaults = _content_types(book)
    out = []
    for rels in (n for n in book.names if n.endswith(".rels")):
        for _, kind, target in book.rels(_source_of(rels)):
            if kind not in EXPECTED_TYPES or target is None or not book.exists(target):
                continue
            key = target.lower()
            extension = key.rsplit(".", 1)[-1]
            given = overrides.get(key, defaults.get(extension))
            if given is not None and given not in EXPECTED_TYPES[kind]:
                source = "Override" if key in overrides else f'Default "{extension}"'
                out.append(
                    f"[Content_Types].xml: part {target} ({kind}) has content type {given} "
                    f"from its {source}"
                )
    return out


def defined_name_rules(book: Book) -> list[str]:
    """Every ``definedName localSheetId`` names a sheet: 0 to the number of sheets - 1."""
    workbook = book.workbook()
    root = book.xml(workbook) if workbook else None
    if root is None:
        return []
    count = len(book.sheets())
    return [
        f'{workbook}: <definedName name="{name.get("name")}" '
        f'localSheetId="{name.get("localSheetId")}">: the book has {count} sheets'
        for name in root.iter(f"{MAIN}definedName")
        if _index_beyond(name.get("localSheetId"), count)
    ]


RULES = (
    content_type_rules,
    relationship_rules,
    workbook_rules,
    calc_chain_rules,
    table_rules,
    chart_rules,
    app_rules,
    zip_rules,
    worksheet_rules,
    style_rules,
    shared_string_rules,
    vml_rules,
    part_type_rules,
    defined_name_rules,
    structured_reference_rules,
)


def excel_rule_violations(path) -> list[str]:
    """Every violation of Excel's cross-part rules in the workbook at ``path``, one line each
    naming the part and the element; empty when none is found."""
    with zipfile.ZipFile(Path(path)) as zf:
        book = Book(zf)
        found = [line for rule in RULES for line in rule(book)]
        return book.errors + found


def book_violations(path) -> list[str]:
    """:func:`excel_rule_violations` of ``path`` when it is a workbook (.xlsx, .xlsm, a zip);
    nothing for any other file written (a CSV, a text report)."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm") and zipfile.is_zipfile(path):
        return excel_rule_violations(path)
    return []


if __name__ == "__main__":  # python tests/excel_rules.py BOOK...
    for argument in sys.argv[1:]:
        for line in excel_rule_violations(argument):
            print(f"{argument}: {line}")
