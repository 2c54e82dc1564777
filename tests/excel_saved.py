"""Files that Excel itself saved (tests/data/excel_saved), carried into a template-made book
as a user's objects, the way Excel would have stored them had the user made them there.

:func:`carry` takes one donor file and writes into the book, in three places:

- **its own sheets** (``"sheets"``): every sheet of the donor under its own name
  (``Sheet1``, ``Chart1``…), with all its related parts (drawings, charts, pictures,
  tables, comments and their VML, printer settings), the workbook's entries for it
  (``<sheet>``, relationship, content types, defined names, calcChain entries: the book
  gets a calcChain of its own Formulas sheet first, as Excel's save would) and the
  workbook-level parts it needs (cell metadata, rich values); its cell formats, table and
  conditional formats (``dxfs``) and shared strings appended to the book's, its indexes
  shifted to match;
- **an input sheet** (``"input"``, GDP): the donor's first sheet's drawing, comments,
  conditional formats, data validations and hyperlinks, its cells untouched;
- **output sheets** (``"output"``): the same drawing's pictures and charts added to the
  drawing that holds the Factors chart (one drawing per sheet, as Excel keeps it), and the
  drawing and comments on Table1, which has none of its own;
- ``"front"`` instead of ``"sheets"``: the donor's sheets before the book's, so that the
  book's sheets are no longer at the tab positions their sheetIds give;
- ``"behind"`` (asked for on its own): the pictures and charts put *behind* the Factors
  chart, first in its drawing, the drawing's relationships numbered in that order as
  Excel saves them (so the user's chart is the drawing's first chart relationship).

Each placement copies the parts anew (a chart part belongs to one drawing), renames them
to free names, keeps every VML shape id unique in the book (``o:idmap``), and declares each
part's content type (a ``Default`` for a new extension, an ``Override`` where the book's
``Default`` says otherwise: the template's ``.bin`` is its VBA project, a donor's
``printerSettings1.bin`` is not).

>>> free_name({"xl/charts/chart1.xml": b""}, "xl/charts/chart1.xml")
'xl/charts/chart2.xml'
>>> free_name({}, "xl/metadata.xml")
'xl/metadata.xml'
>>> shift_indexes(b'<c r="A1" s="2" t="s"><v>3</v></c>', ShiftBy(xf=10, string=5, dxf=0))
b'<c r="A1" s="12" t="s"><v>8</v></c>'
"""

from __future__ import annotations

import copy
import posixpath
import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from addin.workbook import layout
from addin.workbook.parts.package import (
    CONTENT_TYPES,
    DOC_REL,
    MAIN_NS,
    REL_NS,
    WORKBOOK,
    rels_name,
    resolve_target,
)

CORPUS = Path(__file__).resolve().parent / "data" / "excel_saved"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
APP = "docProps/app.xml"
INPUT_SHEET = layout.DATA_SHEETS["gdp"]
PLACES = ("sheets", "input", "output")

#: The children of ``<worksheet>`` in schema order (ECMA-376 Part 1, CT_Worksheet).
WORKSHEET_ORDER = (
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData",
    "sheetCalcPr", "sheetProtection", "protectedRanges", "scenarios", "autoFilter",
    "sortState", "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr",
    "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions", "pageMargins",
    "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches",
    "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF",
    "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst",
)  # fmt: skip
#: The children of ``<styleSheet>`` in schema order.
STYLES_ORDER = (
    "numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
    "tableStyles", "colors", "extLst",
)  # fmt: skip
#: Workbook relationships the book keeps one of (never carried from a donor).
BOOK_OWN_RELS = {"theme", "styles", "sharedStrings", "calcChain", "vbaProject", "worksheet"}
#: What a donor sheet lends to an input or output sheet.
LENT = ("conditionalFormatting", "dataValidations", "hyperlinks", "drawing", "legacyDrawing")


def q(tag: str, ns: str = MAIN_NS) -> str:
    return f"{{{ns}}}{tag}"


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def free_name(parts: dict[str, bytes], name: str) -> str:
    """``name``, or the first ``<stem><n><ext>`` not yet in ``parts`` (n = 1, 2, …)."""
    if name not in parts:
        return name
    stem, ext = re.match(r"(.*?)\d*(\.[^./]+)$", name).groups()
    n = 1
    while f"{stem}{n}{ext}" in parts:
        n += 1
    return f"{stem}{n}{ext}"


@dataclass(frozen=True)
class ShiftBy:
    """How far a donor's indexes move once its entries follow the book's: cell formats
    (``s``, ``style``), shared strings (``t="s"`` values) and differential formats (dxfId)."""

    xf: int
    string: int
    dxf: int


def _add(offset: int):
    return lambda m: m.group(1) + str(int(m.group(2)) + offset).encode() + m.group(3)


def shift_indexes(xml: bytes, by: ShiftBy) -> bytes:
    """A worksheet's or table's bytes with its style, string and dxf indexes shifted."""
    xml = re.sub(rb'(<c\b[^>]*?\bt="s"[^>]*><v>)(\d+)(</v>)', _add(by.string), xml)
    xml = re.sub(rb'(<(?:c|row)\b[^>]*?\bs=")(\d+)(")', _add(by.xf), xml)
    xml = re.sub(rb'(<col\b[^>]*?\bstyle=")(\d+)(")', _add(by.xf), xml)
    return re.sub(rb'(\b\w*[dD]xfId=")(\d+)(")', _add(by.dxf), xml)


class Parts(dict):
    """A package as ``{part name: bytes}`` in zip order, with the few edits carrying needs."""

    @classmethod
    def of(cls, path: Path) -> Parts:
        with zipfile.ZipFile(path) as zf:
            return cls((n, zf.read(n)) for n in zf.namelist())

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self[name])

    def set_xml(self, name: str, root: etree._Element) -> None:
        self[name] = to_bytes(root)

    def write(self, path: Path) -> None:
        names = [CONTENT_TYPES] + [n for n in self if n != CONTENT_TYPES]
        # deflated at level 1: a part the tool compressed anew (at 6) would not match
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for name in names:
                zf.writestr(name, self[name])

    def content_type(self, name: str) -> str:
        types = self.xml(CONTENT_TYPES)
        for o in types.iter(q("Override", CT_NS)):
            if o.get("PartName") == "/" + name:
                return o.get("ContentType")
        ext = name.rsplit(".", 1)[-1].lower()
        for d in types.iter(q("Default", CT_NS)):
            if d.get("Extension").lower() == ext:
                return d.get("ContentType")
        raise KeyError(f"no content type for {name}")

    def declare(self, name: str, content_type: str) -> None:
        """Give part ``name`` its content type, as Excel declares a part it adds."""
        types = self.xml(CONTENT_TYPES)
        ext = name.rsplit(".", 1)[-1].lower()
        defaults = [d for d in types.iter(q("Default", CT_NS)) if d.get("Extension") == ext]
        if defaults and defaults[0].get("ContentType") == content_type:
            return
        if not defaults and ext not in ("xml", "rels"):
            entry = etree.Element(
                q("Default", CT_NS), nsmap={None: CT_NS}, Extension=ext, ContentType=content_type
            )
            last = list(types.iter(q("Default", CT_NS)))[-1]
            last.addnext(entry)
        else:
            etree.SubElement(
                types, q("Override", CT_NS), PartName="/" + name, ContentType=content_type
            )
        self.set_xml(CONTENT_TYPES, types)

    def relationships(self, source: str) -> list[etree._Element]:
        name = rels_name(source)
        return list(self.xml(name)) if name in self else []

    def add_relationship(self, source: str, type_uri: str, target: str, external=False) -> str:
        """A new relationship of ``source`` (relative target, as Excel writes); its id."""
        name = rels_name(source)
        root = (
            self.xml(name)
            if name in self
            else etree.Element(q("Relationships", REL_NS), nsmap={None: REL_NS})
        )
        ids = {r.get("Id") for r in root}
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        rel = etree.SubElement(root, q("Relationship", REL_NS), Id=f"rId{n}", Type=type_uri)
        if external:
            rel.set("Target", target)
            rel.set("TargetMode", "External")
        else:
            rel.set("Target", posixpath.relpath(target, posixpath.dirname(source)))
        self.set_xml(name, root)
        return f"rId{n}"


@dataclass
class Carried:
    """What :func:`carry` put where: the donor's sheet names, the parts it added, and the
    book's sheets that received lent objects (name → the kinds of object lent)."""

    donor: str
    sheets: list[str] = field(default_factory=list)
    added: set[str] = field(default_factory=set)
    lent: dict[str, list[str]] = field(default_factory=dict)


def carry(book: Path, donor_path: Path, places=PLACES) -> Carried:
    """Carry the Excel-saved ``donor_path`` into ``book`` (rewritten in place)."""
    target, donor = Parts.of(book), Parts.of(donor_path)
    before = set(target)
    shift = _merge_styles_and_strings(donor, target)
    for part in list(donor):
        kind = part_kind(donor, part)
        if kind in ("worksheet", "table"):
            donor[part] = shift_indexes(donor[part], shift)
    carried = Carried(donor_path.name)
    first = _first_worksheet(donor)
    _chain_the_books_formulas(target)
    if "sheets" in places or "front" in places:
        carried.sheets = _carry_sheets(donor, target, front="front" in places)
    if "input" in places and first:
        carried.lent[INPUT_SHEET] = _lend(donor, first, target, INPUT_SHEET)
    if "output" in places and first:
        carried.lent[layout.TABLE1] = _lend(donor, first, target, layout.TABLE1)
        carried.lent[layout.FACTORS] = _lend(donor, first, target, layout.FACTORS, ("drawing",))
    if "behind" in places and first:
        carried.lent[layout.FACTORS] = _lend(
            donor, first, target, layout.FACTORS, ("drawing",), behind=True
        )
    _name_the_code_of_new_sheets(target, before)
    _renumber_vml_shapes(target, before)
    _refresh_app_properties(target)
    target.write(book)
    carried.added = set(target) - before
    return carried


# --------------------------------------------------------------------- copying parts


def part_kind(parts: Parts, name: str) -> str:
    """``worksheet``, ``table``, ``drawing``… from the part's content type."""
    try:
        content_type = parts.content_type(name)
    except KeyError:
        return ""
    return re.sub(r"\+xml$", "", content_type).rsplit(".", 1)[-1]


def _copy_part(donor: Parts, target: Parts, name: str, copied: dict[str, str]) -> str:
    """Copy ``name`` and every part it refers to (once each); the new name in ``target``."""
    if name in copied:
        return copied[name]
    new = copied[name] = free_name(target, name)
    target[new] = donor[name]
    target.declare(new, donor.content_type(name))
    rels = rels_name(name)
    if rels in donor:
        root = donor.xml(rels)
        for rel in root:
            if rel.get("TargetMode") == "External":
                continue
            child = resolve_target(name, rel.get("Target"))
            if child in donor:
                moved = _copy_part(donor, target, child, copied)
                rel.set("Target", posixpath.relpath(moved, posixpath.dirname(new)))
        target.set_xml(rels_name(new), root)
    return new


def _first_worksheet(donor: Parts) -> str | None:
    for entry, _ in _sheet_entries(donor):
        if part_kind(donor, entry) == "worksheet":
            return entry
    return None


def _sheet_entries(parts: Parts) -> list[tuple[str, etree._Element]]:
    """(part, ``<sheet>`` element) of each sheet in tab order."""
    rels = {r.get("Id"): r for r in parts.relationships(WORKBOOK)}
    out = []
    for sheet in parts.xml(WORKBOOK).iter(q("sheet")):
        rel = rels[sheet.get(q("id", DOC_REL))]
        out.append((resolve_target(WORKBOOK, rel.get("Target")), sheet))
    return out


# ------------------------------------------------------------- (a) sheets of their own


def _carry_sheets(donor: Parts, target: Parts, front: bool) -> list[str]:
    """Add every donor sheet after the book's (``front``: before them, as if the user had
    moved them there), with the workbook's entries for it."""
    workbook = target.xml(WORKBOOK)
    sheets = workbook.find(q("sheets"))
    next_id = max(int(s.get("sheetId")) for s in sheets) + 3  # as if two had been deleted
    first_tab = 0 if front else len(sheets)
    copied: dict[str, str] = {}
    rel_types = {r.get("Target"): r.get("Type") for r in donor.relationships(WORKBOOK)}
    new_ids, names = {}, []
    for tab, (part, entry) in enumerate(_sheet_entries(donor)):
        moved = _copy_part(donor, target, part, copied)
        type_uri = rel_types[posixpath.relpath(part, "xl")]
        rel_id = target.add_relationship(WORKBOOK, type_uri, moved)
        new = etree.SubElement(sheets, q("sheet"), name=entry.get("name"))
        new.set("sheetId", str(next_id + tab))
        if entry.get("state"):
            new.set("state", entry.get("state"))
        new.set(q("id", DOC_REL), rel_id)
        sheets.insert(first_tab + tab, new)
        new_ids[entry.get("sheetId")] = str(next_id + tab)
        names.append(entry.get("name"))
    if front:
        for name in workbook.iter(q("definedName")):  # the book's own names move along
            if name.get("localSheetId") is not None:
                name.set("localSheetId", str(int(name.get("localSheetId")) + len(names)))
    _carry_defined_names(donor, workbook, first_tab)
    target.set_xml(WORKBOOK, workbook)
    _carry_calc_chain(donor, target, new_ids)
    _carry_workbook_parts(donor, target, copied)
    return names


CALC_CHAIN = "xl/calcChain.xml"
CALC_CHAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"


def _chain_the_books_formulas(target: Parts) -> None:
    """A calcChain listing the formula cells of the book's worksheets (the Formulas
    sheet's), by sheetId, as Excel writes one when it saves the book."""
    if CALC_CHAIN in target:
        return
    root = etree.Element(q("calcChain"), nsmap={None: MAIN_NS})
    for part, entry in _sheet_entries(target):
        for cell in re.findall(rb'<c r="([A-Z]+[0-9]+)"[^>]*><f[ >]', target[part]):
            etree.SubElement(root, q("c"), r=cell.decode(), i=entry.get("sheetId"))
    if len(root):
        target.set_xml(CALC_CHAIN, root)
        target.add_relationship(WORKBOOK, f"{DOC_REL}/calcChain", CALC_CHAIN)
        target.declare(CALC_CHAIN, CALC_CHAIN_TYPE)


def _carry_defined_names(donor: Parts, workbook: etree._Element, first_tab: int) -> None:
    names = donor.xml(WORKBOOK).find(q("definedNames"))
    if names is None:
        return
    ours = workbook.find(q("definedNames"))
    if ours is None:
        ours = etree.Element(q("definedNames"), nsmap={None: MAIN_NS})
        workbook.find(q("sheets")).addnext(ours)
    for name in names:
        new = copy.deepcopy(name)
        if new.get("localSheetId") is not None:
            new.set("localSheetId", str(int(new.get("localSheetId")) + first_tab))
        ours.append(new)


def _carry_calc_chain(donor: Parts, target: Parts, new_ids: dict[str, str]) -> None:
    """The donor's calcChain entries, pointed at the carried sheets' new sheetIds."""
    chain = [r for r in donor.relationships(WORKBOOK) if r.get("Type").endswith("/calcChain")]
    if not chain:
        return
    root = donor.xml(resolve_target(WORKBOOK, chain[0].get("Target")))
    current = "1"
    for c in root:
        current = c.get("i", current)  # an entry without i is on the previous entry's sheet
        c.set("i", new_ids[current])
    if CALC_CHAIN in target:
        ours = target.xml(CALC_CHAIN)
        ours.extend(root)
        root = ours
    else:
        target.add_relationship(WORKBOOK, chain[0].get("Type"), CALC_CHAIN)
        target.declare(CALC_CHAIN, CALC_CHAIN_TYPE)
    target.set_xml(CALC_CHAIN, root)


def _carry_workbook_parts(donor: Parts, target: Parts, copied: dict[str, str]) -> None:
    """Workbook-level parts the carried sheets need (cell metadata, rich values…)."""
    ours = {r.get("Type").rsplit("/", 1)[-1] for r in target.relationships(WORKBOOK)}
    for rel in donor.relationships(WORKBOOK):
        kind = rel.get("Type").rsplit("/", 1)[-1]
        if kind in BOOK_OWN_RELS | {"chartsheet"} or kind in ours:
            continue
        moved = _copy_part(donor, target, resolve_target(WORKBOOK, rel.get("Target")), copied)
        target.add_relationship(WORKBOOK, rel.get("Type"), moved)


# ------------------------------------------------------ styles and shared strings


def _styles_part(parts: Parts) -> str:
    (rel,) = [r for r in parts.relationships(WORKBOOK) if r.get("Type").endswith("/styles")]
    return resolve_target(WORKBOOK, rel.get("Target"))


def _section(root: etree._Element, tag: str) -> etree._Element:
    """``root``'s child ``tag`` of the style sheet, made (in schema order) if missing."""
    found = root.find(q(tag))
    if found is not None:
        return found
    new = etree.Element(q(tag), nsmap={None: MAIN_NS}, count="0")
    later = STYLES_ORDER[STYLES_ORDER.index(tag) + 1 :]
    following = next((c for c in root if etree.QName(c).localname in later), None)
    if following is None:
        root.append(new)
    else:
        following.addprevious(new)
    return new


def _merge_styles_and_strings(donor: Parts, target: Parts) -> ShiftBy:
    """Append the donor's formats and strings to the book's; how far its indexes move."""
    theirs, name = donor.xml(_styles_part(donor)), _styles_part(target)
    ours = target.xml(name)
    formats = _merge_number_formats(theirs, ours)
    offsets = {}
    for tag in ("fonts", "fills", "borders", "cellXfs", "dxfs"):
        mine, given = _section(ours, tag), theirs.find(q(tag))
        offsets[tag] = len(mine)
        for child in [] if given is None else given:
            new = copy.deepcopy(child)
            _shift_format(new, tag, offsets, formats)
            mine.append(new)
        mine.set("count", str(len(mine)))
    target.set_xml(name, ours)
    return ShiftBy(offsets["cellXfs"], _merge_strings(donor, target), offsets["dxfs"])


def _merge_number_formats(theirs: etree._Element, ours: etree._Element) -> dict[str, str]:
    """Append the donor's custom number formats under free ids; old id → new id."""
    given = theirs.find(q("numFmts"))
    if given is None:
        return {}
    mine = _section(ours, "numFmts")
    free = max([163] + [int(f.get("numFmtId")) for f in mine]) + 1
    moved = {}
    for fmt in given:
        moved[fmt.get("numFmtId")] = str(free)
        new = copy.deepcopy(fmt)
        new.set("numFmtId", str(free))
        mine.append(new)
        free += 1
    mine.set("count", str(len(mine)))
    return moved


def _shift_format(new: etree._Element, tag: str, offsets: dict, formats: dict) -> None:
    for fmt in new.iter(q("numFmt")):  # a dxf's own number format
        fmt.set("numFmtId", formats.get(fmt.get("numFmtId"), fmt.get("numFmtId")))
    if tag != "cellXfs":
        return
    for attr, section in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders")):
        new.set(attr, str(int(new.get(attr, "0")) + offsets[section]))
    new.set("numFmtId", formats.get(new.get("numFmtId", "0"), new.get("numFmtId", "0")))
    new.set("xfId", "0")  # the book's Normal style (cell styles are not carried)


def _merge_strings(donor: Parts, target: Parts) -> int:
    """Append the donor's shared strings to the book's table; the offset of the first."""
    theirs = [r for r in donor.relationships(WORKBOOK) if r.get("Type").endswith("sharedStrings")]
    (rel,) = [r for r in target.relationships(WORKBOOK) if r.get("Type").endswith("sharedStrings")]
    name = resolve_target(WORKBOOK, rel.get("Target"))
    ours = target.xml(name)
    offset = len(ours)
    if theirs:
        given = donor.xml(resolve_target(WORKBOOK, theirs[0].get("Target")))
        ours.extend(copy.deepcopy(list(given)))
        count = int(ours.get("count", offset)) + int(given.get("count", len(given)))
        ours.set("count", str(count))
        ours.set("uniqueCount", str(len(ours)))
        target.set_xml(name, ours)
    return offset


# --------------------------------------------------- (b), (c) objects lent to a sheet


def _sheet_part(target: Parts, sheet_name: str) -> str:
    return next(p for p, e in _sheet_entries(target) if e.get("name") == sheet_name)


def _insert_child(root: etree._Element, element: etree._Element) -> None:
    """Insert a worksheet child where the schema order puts it."""
    name = etree.QName(element).localname
    later = WORKSHEET_ORDER[WORKSHEET_ORDER.index(name) + 1 :]
    following = next((c for c in root if etree.QName(c).localname in later), None)
    if following is None:
        root.append(element)
    else:
        following.addprevious(element)


def _lend(
    donor: Parts, donor_sheet: str, target: Parts, sheet: str, kinds=LENT, behind=False
) -> list[str]:
    """Copy the donor sheet's objects of ``kinds`` onto the book's ``sheet``; those lent."""
    part = _sheet_part(target, sheet)
    theirs, ours = donor.xml(donor_sheet), target.xml(part)
    copied: dict[str, str] = {}
    lent = []
    for kind in kinds:
        elements = theirs.findall(q(kind))
        mine = ours.findall(q(kind))
        if not elements or (kind == "legacyDrawing" and mine):
            continue  # one set of comments per sheet: the book's stays
        if kind == "drawing" and mine:
            _merge_drawing(donor, donor_sheet, elements[0], target, part, mine[0], copied, behind)
        elif kind == "dataValidations" and mine:
            _merge_validations(elements[0], mine[0])
        else:
            for element in elements:
                new = copy.deepcopy(element)
                _relink(donor, donor_sheet, new, target, part, copied)
                _insert_child(ours, new)
        if kind == "legacyDrawing":  # the comments part is a relationship of the sheet
            for rel in donor.relationships(donor_sheet):
                if rel.get("Type").endswith("/comments"):
                    moved = _copy_part(donor, target, _target_of(donor_sheet, rel), copied)
                    target.add_relationship(part, rel.get("Type"), moved)
        lent.append(kind)
    _unique_priorities(ours)
    target.set_xml(part, ours)
    return lent


def _target_of(source: str, rel: etree._Element) -> str:
    return resolve_target(source, rel.get("Target"))


def _relink(donor, source, element, target, new_source, copied) -> None:
    """Point ``element``'s ``r:`` attributes (relationships of the donor's part ``source``)
    at relationships of ``new_source`` to copies of the same parts."""
    rels = {r.get("Id"): r for r in donor.relationships(source)}
    for node in element.iter():
        for attr, value in node.attrib.items():
            if not attr.startswith(f"{{{DOC_REL}}}") or value not in rels:
                continue
            rel = rels[value]
            if rel.get("TargetMode") == "External":
                new_id = target.add_relationship(
                    new_source, rel.get("Type"), rel.get("Target"), external=True
                )
            else:
                moved = _copy_part(donor, target, _target_of(source, rel), copied)
                new_id = target.add_relationship(new_source, rel.get("Type"), moved)
            node.set(attr, new_id)


def _merge_drawing(donor, donor_sheet, element, target, part, mine, copied, behind) -> None:
    """Add the donor drawing's anchors to the drawing the book's sheet already has: after
    its own, or (``behind``) before them, its relationships then numbered in anchor order
    as Excel saves them."""
    theirs_rels = {r.get("Id"): r for r in donor.relationships(donor_sheet)}
    ours_rels = {r.get("Id"): r for r in target.relationships(part)}
    drawing = _target_of(donor_sheet, theirs_rels[element.get(q("id", DOC_REL))])
    ours_name = _target_of(part, ours_rels[mine.get(q("id", DOC_REL))])
    theirs, ours = donor.xml(drawing), target.xml(ours_name)
    ids = [int(c.get("id")) for c in ours.iter(q("cNvPr", XDR_NS))]
    next_id = max([1, *ids]) + 1
    anchors = []
    for anchor in theirs:
        new = copy.deepcopy(anchor)
        _relink(donor, drawing, new, target, ours_name, copied)
        for c in new.iter(q("cNvPr", XDR_NS)):
            c.set("id", str(next_id))
            next_id += 1
        anchors.append(new)
    if behind:
        ours[:0] = anchors
        _number_relationships_in_order(target, ours_name, ours)
    else:
        ours.extend(anchors)
    target.set_xml(ours_name, ours)


def _number_relationships_in_order(target: Parts, source: str, root: etree._Element) -> None:
    """Renumber ``source``'s relationships rId1, rId2… in the order ``root`` uses them."""
    used = [
        value
        for node in root.iter()
        for attr, value in node.attrib.items()
        if attr.startswith(f"{{{DOC_REL}}}")
    ]
    order = {old: f"rId{n}" for n, old in enumerate(dict.fromkeys(used), start=1)}
    rels = target.xml(rels_name(source))
    for rel in rels:
        rel.set("Id", order[rel.get("Id")])
    rels[:] = sorted(rels, key=lambda r: int(r.get("Id")[3:]))
    for node in root.iter():
        for attr, value in node.attrib.items():
            if attr.startswith(f"{{{DOC_REL}}}"):
                node.set(attr, order[value])
    target.set_xml(rels_name(source), rels)


def _merge_validations(theirs: etree._Element, mine: etree._Element) -> None:
    mine.extend(copy.deepcopy(list(theirs)))
    mine.set("count", str(len(mine)))


def _unique_priorities(sheet: etree._Element) -> None:
    """Conditional-format priorities numbered 1, 2, … over the sheet, as Excel keeps them."""
    for n, rule in enumerate(sheet.iter(q("cfRule")), start=1):
        rule.set("priority", str(n))


# ------------------------------------------------------------- book-wide bookkeeping


def _name_the_code_of_new_sheets(target: Parts, before: set[str]) -> None:
    """A ``<sheetPr codeName>`` for each added worksheet of a book with a VBA project
    (``Sheet<n>``, unique without case), as Excel gives every sheet of such a book."""
    if not any(n.lower().endswith("vbaproject.bin") for n in target):
        return
    sheets = [p for p, _ in _sheet_entries(target) if part_kind(target, p) == "worksheet"]
    taken = {
        m.group(1).decode().casefold()
        for p in sheets
        if (m := re.search(rb'<sheetPr\b[^>]*\bcodeName="([^"]*)"', target[p]))
    }
    n = 0
    for part in (p for p in sheets if p not in before):
        root = target.xml(part)
        props = root.find(q("sheetPr"))
        if props is None:
            props = etree.Element(q("sheetPr"), nsmap={None: MAIN_NS})
            root.insert(0, props)
        if props.get("codeName"):
            continue
        n += 1
        while f"sheet{n}" in taken:
            n += 1
        props.set("codeName", f"Sheet{n}")
        target.set_xml(part, root)


_IDMAP = re.compile(rb'(<o:idmap v:ext="edit" data=")(\d+)(")')


def _renumber_vml_shapes(target: Parts, before: set[str]) -> None:
    """Give each added VML drawing a shape-id block of its own (``o:idmap`` k, shapes
    ``_x0000_s<1024·k+n>``), as Excel keeps them unique over the workbook."""
    blocks = [_IDMAP.search(target[n]) for n in before if n.endswith(".vml")]
    block = max([0, *(int(m.group(2)) for m in blocks if m)])
    for name in [n for n in target if n.endswith(".vml") and n not in before]:
        old = _IDMAP.search(target[name])
        if old is None:
            continue
        block += 1
        target[name] = _vml_in_block(target[name], old, block)


def _vml_in_block(data: bytes, old: re.Match, block: int) -> bytes:
    delta = 1024 * (block - int(old.group(2)))
    data = data[: old.start(2)] + str(block).encode() + data[old.end(2) :]
    return re.sub(rb"_x0000_s(\d+)", lambda m: b"_x0000_s%d" % (int(m.group(1)) + delta), data)


def _refresh_app_properties(target: Parts) -> None:
    """``docProps/app.xml``'s sheet list, as Excel writes it: worksheets, then charts."""
    if APP not in target:
        return
    groups: dict[str, list[str]] = {"Worksheets": [], "Charts": []}
    for part, entry in _sheet_entries(target):
        kind = "Charts" if part_kind(target, part) == "chartsheet" else "Worksheets"
        groups[kind].append(entry.get("name"))
    groups = {k: v for k, v in groups.items() if v}
    root = target.xml(APP)
    ns = f"{{{root.nsmap[None]}}}"
    pairs, titles = (
        root.find(f"{ns}HeadingPairs/{{{VT_NS}}}vector"),
        root.find(f"{ns}TitlesOfParts/{{{VT_NS}}}vector"),
    )
    pairs[:] = []
    titles[:] = []
    for heading, names in groups.items():
        for tag, text in (("lpstr", heading), ("i4", str(len(names)))):
            variant = etree.SubElement(pairs, q("variant", VT_NS))
            etree.SubElement(variant, q(tag, VT_NS)).text = text
        for name in names:
            etree.SubElement(titles, q("lpstr", VT_NS)).text = name
    pairs.set("size", str(len(pairs)))
    titles.set("size", str(len(titles)))
    target.set_xml(APP, root)


# ---------------------------------------------------------------- reading stored bytes


def stored_members(path: Path) -> dict[str, tuple[int, int, bytes]]:
    """Each member as stored: (compression method, CRC, compressed bytes)."""
    out = {}
    with zipfile.ZipFile(path) as zf, open(path, "rb") as fp:
        for info in zf.infolist():
            fp.seek(info.header_offset)
            header = fp.read(zipfile.sizeFileHeader)
            name_length, extra_length = struct.unpack("<HH", header[26:30])
            fp.seek(info.header_offset + zipfile.sizeFileHeader + name_length + extra_length)
            out[info.filename] = (info.compress_type, info.CRC, fp.read(info.compress_size))
    return out


# ------------------------------------------------------------------ deleting a sheet


def delete_sheet(path: Path, name: str) -> None:
    """Delete sheet ``name`` from the book at ``path`` as Excel does: its ``<sheet>``, its
    relationship, its part and the parts only it refers to (drawing, charts, comments),
    their content types, its calcChain entries and sheet-local names (later sheets' names
    move one tab down), and its title in ``docProps/app.xml``."""
    parts = Parts.of(path)
    workbook = parts.xml(WORKBOOK)
    entries = _sheet_entries(parts)
    tab = next(i for i, (_, e) in enumerate(entries) if e.get("name") == name)
    part, entry = entries[tab]
    rel_id = entry.get(q("id", DOC_REL))
    workbook.find(q("sheets")).remove(
        next(s for s in workbook.iter(q("sheet")) if s.get("name") == name)
    )
    for defined in list(workbook.iter(q("definedName"))):
        local = defined.get("localSheetId")
        if local is not None and int(local) == tab:
            defined.getparent().remove(defined)
        elif local is not None and int(local) > tab:
            defined.set("localSheetId", str(int(local) - 1))
    parts.set_xml(WORKBOOK, workbook)
    rels = parts.xml(rels_name(WORKBOOK))
    rels.remove(next(r for r in rels if r.get("Id") == rel_id))
    parts.set_xml(rels_name(WORKBOOK), rels)
    _drop_chain_entries(parts, entry.get("sheetId"))
    for gone in _owned_by(parts, part):
        _remove_part(parts, gone)
    _refresh_app_properties(parts)
    parts.write(path)


def _owned_by(parts: Parts, part: str) -> list[str]:
    """``part`` and the parts reached only through it (media may be shared: kept)."""
    found = [part]
    for rel in parts.relationships(part):
        if rel.get("TargetMode") != "External":
            child = _target_of(part, rel)
            if child in parts and not child.startswith("xl/media/"):
                found += _owned_by(parts, child)
    return found


def _remove_part(parts: Parts, name: str) -> None:
    parts.pop(name, None)
    parts.pop(rels_name(name), None)
    types = parts.xml(CONTENT_TYPES)
    for override in list(types.iter(q("Override", CT_NS))):
        if override.get("PartName") == "/" + name:
            types.remove(override)
    parts.set_xml(CONTENT_TYPES, types)


def _drop_chain_entries(parts: Parts, sheet_id: str) -> None:
    if CALC_CHAIN not in parts:
        return
    root = parts.xml(CALC_CHAIN)
    current = None
    for c in list(root):
        current = c.get("i", current)
        c.set("i", current)
        if current == sheet_id:
            root.remove(c)
    if len(root):
        parts.set_xml(CALC_CHAIN, root)
        return
    _remove_part(parts, CALC_CHAIN)
    rels = parts.xml(rels_name(WORKBOOK))
    for rel in list(rels):
        if rel.get("Type").endswith("/calcChain"):
            rels.remove(rel)
    parts.set_xml(rels_name(WORKBOOK), rels)


def delete_chart(path: Path, chart: str) -> None:
    """Delete ``chart`` from the drawing that shows it, as Excel does when the user selects
    the chart and presses Delete: its anchor, its relationship, its part and content type."""
    parts = Parts.of(path)
    drawing = next(
        n
        for n in parts
        if n.endswith(".xml") and any(_target_of(n, r) == chart for r in parts.relationships(n))
    )
    rels = parts.xml(rels_name(drawing))
    (rel,) = [r for r in rels if _target_of(drawing, r) == chart]
    rels.remove(rel)
    parts.set_xml(rels_name(drawing), rels)
    root = parts.xml(drawing)
    for anchor in list(root):
        if any(v == rel.get("Id") for n in anchor.iter() for k, v in n.attrib.items()
               if k.startswith(f"{{{DOC_REL}}}")):  # fmt: skip
            root.remove(anchor)
    parts.set_xml(drawing, root)
    _remove_part(parts, chart)
    parts.write(path)
