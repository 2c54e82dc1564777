"""The workbook engine for a file (.xlsx/.xlsm) without Excel: it rewrites only the parts
the tool owns and copies every other part byte for byte.

Owned: the output sheets' worksheet parts (:mod:`.sheet_writer`), their charts
(:mod:`.charts`), the extent and column names of a user's table over an output table
(:mod:`.tables`), formats appended to ``xl/styles.xml`` (:mod:`.styles`), the calculation
settings and ``xl/calcChain.xml`` entries of rewritten sheets (:mod:`.calc`), and for a
recreated output sheet its entries in ``xl/workbook.xml``, its relationships and
``[Content_Types].xml``. Input sheets are read from the worksheets the safety check
unzipped (:mod:`.safety`): a byte scan (:mod:`.sheet_scan`), then their values by
python-calamine in a worker thread (:mod:`.sheet_values`), or by the XML reader
(:mod:`.sheet_reader`) for a part calamine cannot serve; they are written only by
``yangtze import`` (:mod:`.sheet_cells`). Saving is atomic (:mod:`.saving`).

Examples
--------
>>> from addin.workbook.file_engine import FileEngine  # doctest: +SKIP
>>> with FileEngine("book.xlsm") as engine:  # doctest: +SKIP
...     regenerate(engine)
...     engine.save()
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import FileRejected
from . import layout
from .parts.calc import (
    cells_referring,
    drop_chain_entries,
    formula_cells,
    formula_groups,
    full_calc_on_load,
)
from .parts.charts import tool_chart, update_chart
from .parts.doc_props import APP, add_sheet_title
from .parts.package import (
    CONTENT_TYPES,
    DOC_REL,
    WORKBOOK,
    WORKSHEET_TYPE,
    Package,
    SheetEntry,
    quoteattr,
)
from .parts.safety import check_workbook_file
from .parts.saving import (  # noqa: F401 - part of this module's interface
    STALE_TEMP_SECONDS,
    atomic_write,
    backup_path,
    check_extension,
    extension_mismatch,
    remove_stale_temps,
    temp_pattern,
)
from .parts.sheet_reader import (  # noqa: F401 - the limits are part of this module's interface
    MAX_CELLS_READ,
    MAX_ROWS_READ,
    SheetContent,
    read_shared_strings,
)
from .parts.sheet_values import CalamineReader
from .parts.sheet_writer import rewrite_sheet
from .parts.styles import OutputStyles, output_styles
from .parts.xmlparse import parse_part
from .render import ChartRanges, SheetBlock

#: A new worksheet part for an output sheet the user deleted (settings as the template's).
EMPTY_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<dimension ref="A1"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
    b'<sheetFormatPr defaultRowHeight="15"/>'
    b'<cols><col min="1" max="13" width="14.7109375" customWidth="1"/></cols><sheetData/>'
    b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    b"</worksheet>"
)


#: A sheet's or the workbook's VBA code name (``<sheetPr codeName="Sheet1">``, ``<workbookPr>``).
_CODE_NAME = re.compile(rb'<(?:\w+:)?(?:sheetPr|workbookPr)\b[^>]*\bcodeName="([^"]*)"')


_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")


def _row_col(ref: str) -> tuple[int, int]:
    """``"D5"`` → (5, 4)."""
    found = _CELL_REF.fullmatch(ref)
    return int(found.group(2)), layout.column_index(found.group(1))


def _is_worksheet(part: str) -> bool:
    """Whether zip member ``part`` is named as worksheets are (``xl/worksheets/sheet1.xml``)."""
    return part.startswith("xl/worksheets/") and part.endswith(".xml")


class FileEngine:
    """A workbook file opened for regeneration, by parts; a context manager (closes on exit).

    Parameters
    ----------
    path : the .xlsx or .xlsm file (checked by :func:`~.safety.check_workbook_file`).
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        # the worksheets, unzipped once by the check: read, and scanned for stale formulas
        unpacked = check_workbook_file(self.path, keep=_is_worksheet)
        self.package = Package(self.path)
        try:
            self._sheets = {s.name: s for s in self.package.sheets()}
            self._check_styles()
        except BaseException:
            self.package.close()
            raise
        self._shared: list[str] | None = None
        self._values = CalamineReader(self.path)
        self._content: dict[str, SheetContent] = {}
        rewritten = {s.part for name, s in self._sheets.items() if name in layout.OUTPUT_SHEETS}
        self._unpacked = {p: data for p, data in unpacked.items() if p not in rewritten}
        self._written: dict[str, SheetBlock] = {}
        self._cells_written = False  # by write_cells (yangtze import)
        self._replaced_formulas: dict[int, set[str]] = {}  # sheetId → cells whose <f> went
        self._styles: OutputStyles | None = None
        self.messages: list[str] = []

    def __enter__(self) -> FileEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- reading ------------------------------------------------------------------------
    def sheet_names(self) -> list[str]:
        return list(self._sheets)

    def _part(self, sheet: str) -> str:
        entry = self._sheets.get(sheet)
        if entry is None or not entry.part or not self.package.exists(entry.part):
            raise FileRejected(f"{self.path.name}: the part of sheet {sheet} is missing")
        return entry.part

    def _shared_strings(self) -> list[str]:
        if self._shared is None:
            part = self.package.part_of("sharedStrings")
            self._shared = []
            if part:
                with self.package.open(part) as stream:
                    self._shared = read_shared_strings(stream, self.path)
        return self._shared

    def _sheet_xml(self, part: str) -> bytes:
        """The bytes of worksheet ``part``: as changed in this session, or as unzipped once
        (by the check at opening, or at the first read; kept for the stale-formula scan)."""
        if part in self.package.changed():
            return self.package.read(part)
        if part not in self._unpacked:
            self._unpacked[part] = self.package.read(part)
        return self._unpacked[part]

    def content(self, sheet: str) -> SheetContent:
        """Everything read from ``sheet`` (values, hidden rows, merges, uncomputed formulas)."""
        if sheet not in self._content:
            part = self._part(sheet)
            fresh = part in self.package.changed()
            self._content[sheet] = self._values.read(
                self._sheet_xml(part), self._shared_strings, sheet, part, fresh
            )
        return self._content[sheet]

    def _forget(self, sheet: str) -> None:
        """Drop what was read from ``sheet``: its part changes."""
        self._content.pop(sheet, None)
        self._values.forget(sheet)

    def read(self, sheet: str) -> list[list[object]]:
        """Raw values of ``sheet`` from A1 to its last used cell, as rows of equal length."""
        return self.content(sheet).rows

    def sheet_details(self, sheet: str) -> tuple[list[int], list[str]]:
        """Hidden row numbers and merged ranges of ``sheet``."""
        found = self.content(sheet)
        return found.hidden_rows, found.merged

    def formulas_without_value(self, sheet: str) -> list[str]:
        """Cells of ``sheet`` (e.g. ``"D5"``) holding a formula whose result the file does not
        store (from the scan, while calamine reads the values)."""
        if sheet not in self._content:
            part = self._part(sheet)
            fresh = part in self.package.changed()
            scan = self._values.start(self._sheet_xml(part), sheet, fresh)
            if scan is not None:
                return scan.uncomputed
        return self.content(sheet).uncomputed

    # --- writing ------------------------------------------------------------------------
    def _check_styles(self) -> None:
        """Parse styles.xml once at opening, so a damaged book is refused before any work."""
        part = self.package.part_of("styles")
        if part is not None:
            parse_part(self.package.read(part), self.path, part)

    def _output_styles(self, codes: set[str]) -> OutputStyles:
        """The xf indexes of the output formats, ``codes`` among them (found or appended)."""
        if self._styles is None or not codes <= set(self._styles.formats):
            part = self.package.part_of("styles")
            if part is None:
                raise FileRejected(f"{self.path.name}: the workbook has no styles part")
            known = set(self._styles.formats) if self._styles else set()
            new, self._styles = output_styles(
                self.package.read(part), self.path, part, known | codes
            )
            if new is not None:
                self.package.put(part, new)
        return self._styles

    def write(self, block: SheetBlock) -> None:
        """Replace ``block.sheet``'s cells (its settings, drawing and charts stay)."""
        if block.sheet not in self._sheets:
            self._add_sheet(block.sheet)
        part = self._part(block.sheet)
        styles = self._output_styles({f for f in block.formats if f})
        stored = self.package.read(part)  # unchanged data: the member is copied, not deflated
        self.package.put(part, rewrite_sheet(stored, block, styles), stored=stored)
        if self.package.related(part, "table"):
            from .parts.tables import update_tables  # only for a sheet with a user's table

            self.messages += update_tables(self.package, part, block, stored, self.path)
        self._written[block.sheet] = block
        self._forget(block.sheet)

    def _add_sheet(self, name: str) -> None:
        """Recreate output sheet ``name`` (deleted by the user) at the end of the tabs; in a
        book with a VBA project whose sheets have code names it gets one of its own, as
        Excel gives one; the sheet list of ``docProps/app.xml`` names it too."""
        part = self.package.free_name("xl/worksheets/sheet{}.xml")
        sheet = EMPTY_SHEET
        if code := self._free_code_name():
            element = f'<sheetPr codeName="{code}"/>'.encode()
            sheet = sheet.replace(b"<dimension ", element + b"<dimension ", 1)
        self.package.put(part, sheet)
        self.package.add_override(part, WORKSHEET_TYPE)
        rel = self.package.add_relationship(WORKBOOK, f"{DOC_REL}/worksheet", part)
        sheet_id = max((s.sheet_id for s in self._sheets.values()), default=0) + 1
        data = self.package.read(WORKBOOK)
        # the r: namespace declared on the element itself: not every writer declares it on the root
        entry = (
            f'<sheet name={quoteattr(name)} sheetId="{sheet_id}" xmlns:r="{DOC_REL}" r:id="{rel}"/>'
        ).encode()
        close = data.index(b"</sheets>")
        self.package.put(WORKBOOK, data[:close] + entry + data[close:])
        if self.package.exists(APP) and (
            app := add_sheet_title(self.package.read(APP), name, list(self._sheets))
        ):
            self.package.put(APP, app)
        self._sheets[name] = SheetEntry(name, sheet_id, rel, part)
        self.messages.append(f"sheet {name} was missing; it was added again at the end")

    def _free_code_name(self) -> str | None:
        """``Sheet<n>``, the first that no sheet nor the workbook uses as its VBA code name
        (compared without case, as VBA does); None in a book without a VBA project, or
        whose sheets carry no code names (LibreOffice saves none: a recreated sheet then
        matches the others)."""
        if not self.macro_enabled():
            return None
        sheets = [
            found.group(1).decode().casefold()
            for s in self._sheets.values()
            if s.part and self.package.exists(s.part)
            # sheetPr is a worksheet's first child
            for found in _CODE_NAME.finditer(self._sheet_xml(s.part)[:65536])
        ]
        if not sheets:
            return None
        book = _CODE_NAME.search(self.package.read(WORKBOOK))
        taken = set(sheets) | ({book.group(1).decode().casefold()} if book else set())
        n = 1
        while f"sheet{n}" in taken:
            n += 1
        return f"Sheet{n}"

    def write_cells(self, sheet: str, cells: dict[tuple[int, int], object]) -> None:
        """Set individual cells (1-based row, column) of ``sheet``; used by ``yangtze import``.

        Only that sheet's part changes; each cell keeps its format. A formula replaced by
        a value loses its calcChain entry when saved, and full calculation on load is set
        so that formulas reading the written cells are recalculated."""
        from .parts.sheet_cells import set_cells  # only `yangtze import` writes cells

        part = self._part(sheet)
        data, replaced = set_cells(self.package.read(part), cells, self.path, part)
        self.package.put(part, data)
        self._cells_written = True
        if replaced:
            sheet_id = self._sheets[sheet].sheet_id
            self._replaced_formulas.setdefault(sheet_id, set()).update(replaced)
        self._forget(sheet)

    def formula_cells(self, sheet: str) -> set[tuple[int, int]]:
        """The cells (1-based row, column) of ``sheet`` that hold a formula, with or
        without a stored result."""
        return {
            _row_col(ref)
            for ref in formula_cells(self._sheet_xml(self._part(sheet)))
            if _CELL_REF.fullmatch(ref)
        }

    def grouped_formula_cells(self, sheet: str) -> set[tuple[int, int]]:
        """The cells (1-based row, column) of ``sheet`` inside a shared formula's range or
        an array formula (:func:`.calc.formula_groups`): never written one by one."""
        cells = set()
        for ref in formula_groups(self._sheet_xml(self._part(sheet))):
            first, _, last = ref.partition(":")
            (r0, c0), (r1, c1) = (_row_col(first), _row_col(last or first))
            cells |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        return cells

    def set_chart(self, ranges: ChartRanges) -> None:
        """Point the chart on ``ranges.sheet`` that draws its measures (:func:`.tool_chart`)
        at the rows written there; a chart made again when the user deleted it (and left no
        drawing of their own on the sheet)."""
        block = self._written[ranges.sheet]
        part = self._part(ranges.sheet)
        charts = [
            chart
            for drawing in self.package.related(part, "drawing")
            for chart in self.package.related(drawing, "chart")
            if self.package.exists(chart)
        ]
        chart = tool_chart([(c, self.package.read(c)) for c in charts], ranges)
        if chart is None:
            chart = self._chart_again(part, ranges.sheet, block.n_data_rows)
        if chart is None:
            return
        stored = self.package.read(chart)
        data, notices = update_chart(stored, ranges, block, self.path, chart)
        self.messages += notices
        self.package.put(chart, data, stored=stored)

    def _chart_again(self, part: str, sheet: str, n_rows: int) -> str | None:
        """The tool's chart of ``sheet`` added again (its part name), or None with a note
        when the sheet has a drawing of the user's: their charts and pictures are left
        alone, and no chart is added."""
        if self.package.related(part, "drawing"):
            self.messages.append(
                f"sheet {sheet} has no chart any more, and a drawing of its own; no chart was added"
            )
            return None
        from .parts.chart_parts import add_chart  # only for a chart the user deleted

        spec = next(c for c in layout.CHARTS if c.sheet == sheet)
        chart = add_chart(self.package, part, spec, n_rows)
        self.messages.append(f"the chart on sheet {sheet} was missing; it was added again")
        return chart

    def status(self, text: str) -> None:
        self.messages.append(text)

    # --- saving -------------------------------------------------------------------------
    def _settle_calculation(self) -> None:
        """Full calculation on load, and no calcChain entry on a rewritten sheet nor of a
        formula cell replaced by a value."""
        if not self._written and not self._cells_written:
            return
        if self._written:
            self._note_stale_formulas()
        workbook = full_calc_on_load(self.package.read(WORKBOOK))
        if workbook is not None:
            self.package.put(WORKBOOK, workbook)
        chain = self.package.part_of("calcChain")
        if chain is None:
            return
        ids = {self._sheets[s].sheet_id for s in self._written}
        kept = drop_chain_entries(self.package.read(chain), ids, self._replaced_formulas)
        if kept is None:
            self.package.remove(chain)
            self.package.remove_relationship(WORKBOOK, chain)
            self.package.remove_override(chain)
        elif kept != self.package.read(chain):
            self.package.put(chain, kept)

    def stale_formulas(self) -> list[str]:
        """Cells on the other sheets (``Mine!B2``) whose formula refers to a rewritten sheet."""
        return [
            f"{layout.quote_sheet(name)}!{ref}"
            for name, entry in self._sheets.items()
            if name not in self._written and entry.part and self.package.exists(entry.part)
            for ref in cells_referring(self._sheet_xml(entry.part), self._written)
        ]

    def _note_stale_formulas(self) -> None:
        stale = self.stale_formulas()
        if stale:
            shown = ", ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
            self.messages.append(
                f"{len(stale)} formula(s) on other sheets refer to the output sheets ({shown}) "
                "and show their old values until the workbook is recalculated: Excel does it "
                "when it opens the file (full calculation on load is set); in LibreOffice "
                "choose Data → Calculate → Recalculate Hard (Ctrl+Shift+F9), or set Tools → "
                "Options → LibreOffice Calc → Formula → Recalculation on file load: Always"
            )

    def macro_enabled(self) -> bool:
        """Whether the package is a macro-enabled workbook (what .xlsm names)."""
        return b"sheet.macroEnabled.main+xml" in self.package.read(CONTENT_TYPES)

    def save(self, target: str | os.PathLike | None = None, backup: bool = False) -> Path:
        """Write the workbook to ``target`` (default: the file itself) atomically; see
        :mod:`.saving` for what is refused (read-only, open elsewhere) and kept (mode, links)."""
        target = Path(target) if target else self.path
        if target != self.path:  # a copy keeps the input's kind (.xlsm with macros, else .xlsx)
            check_extension(target, self.macro_enabled())
        elif problem := extension_mismatch(target, self.macro_enabled()):
            self.messages.append(f"{problem}: rename it")  # it came so; replaced, not renamed
        self._settle_calculation()
        return atomic_write(target, self.package.write, backup=backup)

    def changed_parts(self) -> list[str]:
        """Names of the parts a save writes anew (all others are copied as they are)."""
        return self.package.changed()

    def close(self) -> None:
        self._values.close()
        self.package.close()
