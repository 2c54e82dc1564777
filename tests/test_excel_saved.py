"""Files that Excel itself saved, carried into a template-made book as a user's objects.

Each file of tests/data/excel_saved (XlsxWriter's comparison suite, saved by Excel; see its
README) is one test id. tests/excel_saved.py carries it into a book built by the product's
builder: its sheets as sheets of the user's own, its first sheet's drawing, comments,
conditional formats, validations and hyperlinks on the GDP input sheet and on the Table1
output sheet, and its pictures and charts into the drawing that holds the Factors chart.
The book is then regenerated twice (``addin.regenerate_file``) and a small NBS export is
imported into the first result (``yangtze import``). Checked for each file:

- every part the tool does not own is stored exactly as before (compressed bytes and CRC),
  none is lost or added, and the second regeneration writes the first one's file again;
- the objects lent to the output sheets are still in their sheets;
- the import writes only the GDP sheet's cells;
- Excel's cross-part rules hold before and after (tests/excel_rules.py);
- openxml-audit finds nothing the carried book did not already have (one audit, of the
  book regenerated and imported into, which holds the writes of both);
- LibreOffice opens the regenerated book with every sheet and every chart.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import etree

from addin import regenerate_file
from addin.cli import main
from addin.workbook import layout
from addin.workbook.file_engine import FileEngine
from addin.workbook.parts.package import Package

from excel_rules import excel_rule_violations
from excel_saved import (
    CORPUS,
    INPUT_SHEET,
    LENT,
    Parts,
    carry,
    delete_chart,
    delete_sheet,
    part_kind,
    q,
    stored_members,
)
from libreoffice import Office, require_libreoffice
from workbooks import make_book, owned_parts

DONORS = sorted(CORPUS.glob("*.xlsx"))
#: Shared parts regeneration may edit (formats appended, full calculation on load).
SHARED = {"xl/styles.xml", "xl/workbook.xml"}
IMPORTED = ("上海", 2031, 47218.66)  # province, year, 亿元: a year the example lacks


def ids(path: Path) -> str:
    return path.stem


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> SimpleNamespace:
    folder = tmp_path_factory.mktemp("excel_saved")
    book = make_book(folder / "base.xlsm")
    export = folder / "gdp.csv"
    province, year, value = IMPORTED
    export.write_text(
        f"指标:地区生产总值(亿元)\n地区,{year}年\n{province}市,{value}\n", encoding="utf-8"
    )
    return SimpleNamespace(folder=folder, book=book, export=export, owned=owned_parts(book))


@pytest.fixture(scope="module")
def books(base):
    """``books(donor)``: the carried book, regenerated once and twice, and imported into
    after the first regeneration (made once per donor)."""
    cache: dict[str, SimpleNamespace] = {}

    def get(donor: Path) -> SimpleNamespace:
        if donor.stem in cache:
            return cache[donor.stem]
        folder = base.folder / donor.stem
        folder.mkdir()
        paths = {k: folder / f"{k}.xlsm" for k in ("carried", "first", "second", "imported")}
        shutil.copy(base.book, paths["carried"])
        what = carry(paths["carried"], donor)
        regenerate_file(paths["carried"], paths["first"])
        shutil.copy(paths["first"], paths["second"])
        regenerate_file(paths["second"])
        shutil.copy(paths["first"], paths["imported"])
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["import", str(base.export), str(paths["imported"])]) == 0
        cache[donor.stem] = SimpleNamespace(what=what, **paths)
        return cache[donor.stem]

    return get


def changed(before: dict, after: dict) -> set[str]:
    return {n for n in before if n in after and before[n] != after[n]}


def lent_elements(path: Path, sheet: str) -> list[bytes]:
    """The lent kinds of element on ``sheet``, serialised, in order."""
    with _opened(path) as package:
        part = next(s.part for s in package.sheets() if s.name == sheet)
    root = Parts.of(path).xml(part)
    return [etree.tostring(e) for kind in LENT for e in root.iter(q(kind))]


def defined_names(path: Path) -> bytes | None:
    found = Parts.of(path).xml("xl/workbook.xml").find(q("definedNames"))
    return None if found is None else etree.tostring(found)


@contextlib.contextmanager
def _opened(path: Path):
    package = Package(path)
    try:
        yield package
    finally:
        package.close()


# ------------------------------------------------------------------------- the harness


def test_the_corpus_is_what_its_readme_says():
    """Every file was saved by Excel, is listed in the README, and the folder stays small."""
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    assert 15 <= len(DONORS) <= 30
    assert sum(p.stat().st_size for p in DONORS) < 2 * 2**20
    for donor in DONORS:
        with zipfile.ZipFile(donor) as zf:
            assert b"<Application>Microsoft Excel</Application>" in zf.read("docProps/app.xml")
        assert f"`{donor.name}`" in readme


@pytest.mark.parametrize("donor", DONORS, ids=ids)
def test_the_carried_book_holds_the_donors_objects(donor, books, base):
    """The harness really carried something: each kind of related part of the donor is
    in the book at least as often as in the donor (else the checks prove nothing), and
    the sheets that received objects hold the cells they held."""
    run = books(donor)
    theirs, ours = Parts.of(donor), Parts.of(run.carried)
    kinds = ("chart", "drawing", "table", "comments", "vmlDrawing", "chartsheet", "worksheet")
    for kind in kinds:
        given = [n for n in theirs if part_kind(theirs, n) == kind]
        added = [n for n in run.what.added if part_kind(ours, n) == kind]
        assert len(added) >= len(given), f"{kind}: {given} not all carried"
    sheet_names = [s.get("name") for s in ours.xml("xl/workbook.xml").iter(q("sheet"))]
    assert run.what.sheets and set(run.what.sheets) <= set(sheet_names)
    with FileEngine(base.book) as before, FileEngine(run.carried) as after:
        for sheet in run.what.lent:
            assert after.read(sheet) == before.read(sheet)


# ------------------------------------------------------------------- regenerate, import


@pytest.mark.parametrize("donor", DONORS, ids=ids)
def test_regeneration_keeps_every_part_it_does_not_own(donor, books, base):
    run = books(donor)
    carried, first = stored_members(run.carried), stored_members(run.first)
    assert list(first) == list(carried)  # none lost, none added, in the same order
    foreign = changed(carried, first) - base.owned - SHARED
    assert not foreign, f"parts the tool does not own changed: {sorted(foreign)}"
    for sheet in (layout.TABLE1, layout.FACTORS):
        assert lent_elements(run.first, sheet) == lent_elements(run.carried, sheet)
    with zipfile.ZipFile(run.first) as zf:
        assert zf.testzip() is None


@pytest.mark.parametrize("donor", DONORS, ids=ids)
def test_the_second_regeneration_writes_the_same_file(donor, books):
    """Byte for byte, zip headers included (no ZIP64 on the first run's parts only)."""
    run = books(donor)
    assert run.second.read_bytes() == run.first.read_bytes()


@pytest.mark.parametrize("donor", DONORS, ids=ids)
def test_import_writes_only_the_cells_it_places(donor, books):
    run = books(donor)
    before, after = stored_members(run.first), stored_members(run.imported)
    assert list(after) == list(before)
    with _opened(run.first) as package:
        gdp = next(s.part for s in package.sheets() if s.name == INPUT_SHEET)
    assert changed(before, after) == {gdp}
    old, new = Parts.of(run.first)[gdp], Parts.of(run.imported)[gdp]
    assert _outside_cells(new) == _outside_cells(old)  # the lent objects stay as they were
    province, year, value = IMPORTED
    with FileEngine(run.imported) as engine:
        rows = engine.read(INPUT_SHEET)
    column = rows[layout.HEADER_ROW - 1].index(year)
    (row,) = [r for r in rows if r and r[0] == province]
    assert row[column] == value


def _outside_cells(sheet: bytes) -> bytes:
    """A worksheet without its cells and its ``<dimension>`` (what an import may change)."""
    sheet = re.sub(rb"<sheetData>.*</sheetData>|<sheetData/>", b"", sheet, flags=re.S)
    return re.sub(rb"<dimension [^>]*/>", b"", sheet)


# ------------------------------------------------------------- rules, audit, LibreOffice


@pytest.mark.parametrize("donor", DONORS, ids=ids)
def test_no_cross_part_rule_is_broken(donor, books):
    """The carried book keeps Excel's rules (else the harness, not the tool, would be at
    fault); the books regenerated and imported into are checked as they are saved, by the
    autouse fixture of tests/conftest.py, and once more here."""
    run = books(donor)
    for stage in ("carried", "imported"):
        found = excel_rule_violations(getattr(run, stage))
        assert found == [], f"{stage}: {found}"


@pytest.mark.slow
@pytest.mark.parametrize("donor", DONORS, ids=ids)
def test_openxml_audit_finds_nothing_new(donor, books):
    """Audited once, after regeneration and import (the book holds both tools' writes)."""
    audit = pytest.importorskip("openxml_audit", reason="openxml-audit is a test dependency")

    def findings(path: Path) -> set[str]:
        result = audit.OpenXmlValidator().validate(str(path))
        return {re.sub(r"\d+", "N", str(e)) for e in result.errors}

    run = books(donor)
    after = findings(run.imported)
    assert not after or after <= findings(run.carried)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    with Office(require_libreoffice(), tmp_path_factory.mktemp("soffice")) as running:
        yield running


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.parametrize("donor", DONORS, ids=ids)
def test_libreoffice_opens_every_sheet_and_chart(donor, books, office):
    """Every sheet opens, and each worksheet shows as many charts as its drawings hold
    (the Factors sheet: the tool's and the user's)."""
    run = books(donor)
    answer = office.run("open_and_render", {"path": str(run.first)})
    parts, expected = Parts.of(run.first), {}
    with _opened(run.first) as package:
        names = [s.name for s in package.sheets()]
        for sheet in package.sheets():
            if part_kind(parts, sheet.part) == "worksheet":
                drawings = package.related(sheet.part, "drawing")
                expected[sheet.name] = sum(len(package.related(d, "chart")) for d in drawings)
    assert answer["sheets"] == names
    got = {name: len(answer["charts"].get(name, [])) for name in expected}
    assert got == expected


# ------------------------------------------------------ the user's sheets moved to the front


@pytest.mark.parametrize("name", ["table08", "defined_name01", "chartsheet01", "comment04"])
def test_sheets_moved_before_the_templates_keep_the_chain_and_names(name, base, tmp_path):
    """The donor's sheets first in the tabs: no sheet of the book is at the tab position
    its sheetId gives any more. Regeneration finds its sheets by name, and the calcChain
    (the Formulas sheet's entries and the donor's) and the defined names stay as they were."""
    book, out = tmp_path / "front.xlsm", tmp_path / "out.xlsm"
    shutil.copy(base.book, book)
    what = carry(book, CORPUS / f"{name}.xlsx", places=("front",))
    with _opened(book) as package:
        tabs = [(s.name, s.sheet_id) for s in package.sheets()]
    assert [n for n, _ in tabs[: len(what.sheets)]] == what.sheets
    assert all(i != tab for tab, (_, i) in enumerate(tabs, start=1))
    result = regenerate_file(book, out)
    before, after = stored_members(book), stored_members(out)
    assert list(after) == list(before) and "xl/calcChain.xml" in after
    foreign = changed(before, after) - base.owned - SHARED
    assert not foreign, f"parts the tool does not own changed: {sorted(foreign)}"
    assert len(result.tables.table1) > 0
    assert excel_rule_violations(out) == []


# ------------------------------------------------------- an output sheet the user deleted

#: What recreating a sheet may also change: its entry, relationship, type and title.
RECREATION = SHARED | {"[Content_Types].xml", "xl/_rels/workbook.xml.rels", "docProps/app.xml"}


@pytest.mark.parametrize(
    "name, places, deleted",
    [
        ("defined_name01", ("front",), layout.STAGES),  # sheet-local names after it, moved
        ("chartsheet01", ("sheets",), layout.STAGES),  # app.xml lists a chartsheet too
        ("defined_name01", ("sheets", "output"), layout.FACTORS),  # its drawing and chart
        ("table05", ("sheets", "output"), layout.TABLE1),  # with the user's objects lent
    ],
)
def test_an_output_sheet_deleted_in_a_book_with_excels_objects_comes_back(
    name, places, deleted, base, tmp_path
):
    """Deleted as Excel deletes a sheet (its parts, names, chain entries and title go,
    later sheet-local names move down a tab), the output sheet is recreated at the end;
    the user's names, chain and parts stay, and every cross-part rule holds."""
    book, out = tmp_path / "deleted.xlsm", tmp_path / "out.xlsm"
    shutil.copy(base.book, book)
    carry(book, CORPUS / f"{name}.xlsx", places=places)
    delete_sheet(book, deleted)
    result = regenerate_file(book, out)
    assert any(f"sheet {deleted} was missing" in note for note in result.notes)
    before, after = stored_members(book), stored_members(out)
    assert set(before) <= set(after)
    foreign = changed(before, after) - base.owned - RECREATION
    assert not foreign, f"parts the tool does not own changed: {sorted(foreign)}"
    assert defined_names(out) == defined_names(book)
    with _opened(out) as package:
        assert [s.name for s in package.sheets()][-1] == deleted
    assert excel_rule_violations(out) == []


# ------------------------------------------------- a user's chart behind the Factors chart


@pytest.mark.parametrize(
    "name",
    [
        "chart_bar01",
        "chart_scatter01",
        "image05",  # pictures behind the chart: the chart is still the drawing's only one
    ],
)
def test_a_users_object_behind_the_factors_chart_is_left_alone(name, base, tmp_path):
    """The user's pictures and charts sent behind the Factors chart (first in its drawing,
    first in its relationships, as Excel saves them): regeneration updates the tool's chart
    and leaves the user's as they were."""
    book, out = tmp_path / "behind.xlsm", tmp_path / "out.xlsm"
    shutil.copy(base.book, book)
    carry(book, CORPUS / f"{name}.xlsx", places=("sheets", "behind"))
    reference = tmp_path / "reference.xlsm"
    regenerate_file(base.book, reference)  # the same data without the user's objects
    regenerate_file(book, out)
    before, after = stored_members(book), stored_members(out)
    foreign = changed(before, after) - base.owned - SHARED
    assert not foreign, f"parts the tool does not own changed: {sorted(foreign)}"
    expected = Parts.of(reference)
    ours = Parts.of(out)
    for chart in (n for n in base.owned if n.startswith("xl/charts/")):
        assert ours[chart] == expected[chart]


def test_a_users_chart_stays_when_the_factors_chart_is_deleted(base, tmp_path):
    """The user put a chart beside the Factors chart, then deleted the Factors chart: the
    sheet has a drawing of its own, so the tool leaves it alone and says so (chart_parts)."""
    book, out = tmp_path / "deleted.xlsm", tmp_path / "out.xlsm"
    shutil.copy(base.book, book)
    carry(book, CORPUS / "chart_line01.xlsx", places=("sheets", "output"))
    with _opened(book) as package:
        factors = next(s.part for s in package.sheets() if s.name == layout.FACTORS)
        (drawing,) = package.related(factors, "drawing")
        tools, users = package.related(drawing, "chart")
    delete_chart(book, tools)
    result = regenerate_file(book, out)
    assert Parts.of(out)[users] == Parts.of(book)[users]
    assert f"sheet {layout.FACTORS} has no chart any more, and a drawing of its own" in " ".join(
        result.notes
    )
    charts_in = {p for p in Parts.of(book) if p.startswith("xl/charts/chart")}
    assert {p for p in Parts.of(out) if p.startswith("xl/charts/chart")} == charts_in
