"""The checker of Excel's cross-part rules (tests/excel_rules.py): it finds nothing on what
the tool writes, names each broken rule, and catches the four bookkeeping bugs that a
mutation audit found unguarded (issue 17): calcChain entries dropped by tab position, a
content-type Override without its leading slash, a recreated sheet's name not escaped, an
emptied calcChain removed with its relationship kept."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter

from addin.cli import main
from addin.panel.example import example_dataset
from addin.workbook import file_engine, layout
from addin.workbook.file_engine import FileEngine
from addin.workbook.parts import package as package_module
from addin.workbook.parts.package import Package

from excel_rules import excel_rule_violations, sheet_name_problem
from workbooks import (
    CALC_CHAIN_REL,
    CALC_CHAIN_TYPE,
    copy_of,
    make_book,
    make_user_book,
    read_table,
    rewritten,
    sheet_parts,
    with_calc_chain,
)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """A user's book (see ``make_user_book``), regenerated once: output sheets filled."""
    path = make_user_book(tmp_path_factory.mktemp("rules") / "user.xlsm")
    assert main(["regenerate", str(path)]) == 0
    return path


def regenerate(path: Path, capsys) -> None:
    assert main(["regenerate", str(path)]) == 0
    capsys.readouterr()


# --- the tool's books are clean ---------------------------------------------------------
def test_template_demo_and_a_regenerated_user_book_break_no_rule(book, tmp_path, capsys):
    template = Path(__file__).parents[1] / "templates" / "yangtze_template.xlsm"
    assert excel_rule_violations(template) == []
    assert excel_rule_violations(book) == []
    path = copy_of(book, tmp_path)
    with_calc_chain(path, formula_on=layout.OUTPUT_SHEETS, rotate_tabs=True)
    assert excel_rule_violations(path) == []  # the chain made here is right
    regenerate(path, capsys)
    assert excel_rule_violations(path) == []


TABLE_TYPE = (
    b'<Override PartName="/xl/tables/table1.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.table+xml"/>'
)


# --- each rule, broken by hand ----------------------------------------------------------
def _sheet_xml_of(path: Path, name: str) -> str:
    return sheet_parts(path)[name][1]


BROKEN = {
    "override without slash": (
        lambda p, parts: parts.__setitem__(
            "[Content_Types].xml",
            parts["[Content_Types].xml"].replace(
                b'PartName="/xl/workbook.xml"', b'PartName="xl/workbook.xml"'
            ),
        ),
        '<Override PartName="xl/workbook.xml">: no leading slash',
    ),
    "part without content type": (
        lambda p, parts: parts.__setitem__("xl/extra.dat", b"\0"),
        "part xl/extra.dat has no content type",
    ),
    "missing target": (
        lambda p, parts: parts.pop("xl/styles.xml"),
        "target xl/styles.xml missing",
    ),
    "sheet names equal but for case": (
        lambda p, parts: parts.__setitem__(
            "xl/workbook.xml",
            parts["xl/workbook.xml"].replace(b'name="Trade"', b'name="GDP"', 1)
            if b'name="Trade"' in parts["xl/workbook.xml"]
            else parts["xl/workbook.xml"],
        ),
        "Excel ignores case",
    ),
    "unescaped sheet name": (
        lambda p, parts: parts.__setitem__(
            "xl/workbook.xml",
            parts["xl/workbook.xml"].replace(b'name="Scratch"', b'name="R&D"'),
        ),
        "xl/workbook.xml: not well-formed XML",
    ),
    "worksheet children out of order": (
        lambda p, parts: parts.__setitem__(
            _sheet_xml_of(p, "Scratch"),
            re.sub(
                rb"(<sheetViews>.*?</sheetViews>)(.*?)(<dimension [^>]*/>)",
                rb"\3\2\1",
                parts[_sheet_xml_of(p, "Scratch")].replace(
                    b"<dimension", b"<sheetViews/><dimension", 1
                ),
                flags=re.S,
            ),
        ),
        "out of CT_Worksheet's order",
    ),
    "subnormal value": (
        lambda p, parts: parts.__setitem__(
            _sheet_xml_of(p, "My notes"),
            parts[_sheet_xml_of(p, "My notes")].replace(b"<v>1.25</v>", b"<v>1.73e-321</v>"),
        ),
        "subnormal number 1.73e-321",
    ),
    "no codeName in a VBA book": (
        lambda p, parts: parts.__setitem__(
            _sheet_xml_of(p, "Scratch"),
            re.sub(rb'<sheetPr codeName="[^"]*"', b"<sheetPr", parts[_sheet_xml_of(p, "Scratch")]),
        ),
        "sheet Scratch has no <sheetPr codeName>",
    ),
    "scatter series with cat/val": (
        lambda p, parts: parts.__setitem__(
            "xl/charts/chart1.xml",
            parts["xl/charts/chart1.xml"]
            .replace(b"<c:barChart>", b"<c:scatterChart>")
            .replace(b"</c:barChart>", b"</c:scatterChart>"),
        ),
        "<c:scatterChart> series 1: unexpected <c:cat>",
    ),
    "ptCount below the points": (
        lambda p, parts: parts.__setitem__(
            "xl/charts/chart1.xml",
            re.sub(
                rb'<c:ptCount val="\d+"/>', b'<c:ptCount val="1"/>', parts["xl/charts/chart1.xml"]
            ),
        ),
        "points for ptCount 1",
    ),
    "app.xml keeps a deleted sheet": (
        lambda p, parts: parts.__setitem__(
            "docProps/app.xml",
            parts["docProps/app.xml"].replace(
                b"<vt:lpstr>Scratch</vt:lpstr>", b"<vt:lpstr>Old</vt:lpstr>"
            ),
        ),
        "TitlesOfParts does not list the workbook's sheets",
    ),
    "cell style beyond cellXfs": (
        lambda p, parts: _replace(
            parts, _sheet_xml_of(p, "My notes"), b'<c r="A1" t="s">', b'<c r="A1" s="9999" t="s">'
        ),
        '<c s="9999"> (A1): beyond the',
    ),
    "shared string beyond the table": (
        lambda p, parts: _replace_pattern(
            parts,
            _sheet_xml_of(p, "My notes"),
            rb'(<c r="A1" t="s"><v>)\d+(</v>)',
            rb"\g<1>99999\2",
        ),
        '<c r="A1" t="s">: string 99999 beyond the',
    ),
    "conditional format's dxfId beyond dxfs": (
        lambda p, parts: _replace(
            parts,
            _sheet_xml_of(p, "My notes"),
            b"<pageMargins",
            b'<conditionalFormatting sqref="A1"><cfRule type="expression" dxfId="99" '
            b'priority="1"><formula>TRUE</formula></cfRule></conditionalFormatting><pageMargins',
        ),
        '<cfRule dxfId="99">: beyond the',
    ),
    "VML block used twice": (
        lambda p, parts: _replace(parts, "xl/drawings/vmlDrawing2.vml", b'data="2"', b'data="1"'),
        '<o:idmap data="1">: also in xl/drawings/vmlDrawing1.vml',
    ),
    "VML shape id used twice": (
        lambda p, parts: _replace(
            parts, "xl/drawings/vmlDrawing2.vml", b'id="_x0000_s2049"', b'id="_x0000_s1025"'
        ),
        '<v:shape id="_x0000_s1025">: also in xl/drawings/vmlDrawing1.vml',
    ),
    "printer settings typed as the VBA project": (
        lambda p, parts: _with_printer_settings(parts, _sheet_xml_of(p, "My notes")),
        "part xl/printerSettings/printerSettings1.bin (printerSettings) has content type "
        'application/vnd.ms-office.vbaProject from its Default "bin"',
    ),
    "localSheetId beyond the sheets": (
        lambda p, parts: _replace_pattern(
            parts,
            "xl/workbook.xml",
            rb'(<definedName name="Local" localSheetId=")\d+',
            rb"\g<1>%d" % _sheet_count(parts),
        ),
        '<definedName name="Local" localSheetId="{sheets}">: the book has {sheets} sheets',
    ),
    "defined name naming no table": (
        lambda p, parts: _replace(parts, "xl/workbook.xml", b"'GDP'!$C$5:$AF$5", b"SUM(Sales[Q1])"),
        "<definedName>SUM(Sales[Q1])</definedName>: no table is named Sales",
    ),
}


def _replace(parts: dict, part: str, old: bytes, new: bytes) -> None:
    assert old in parts[part], (part, old)
    parts[part] = parts[part].replace(old, new, 1)


def _replace_pattern(parts: dict, part: str, pattern: bytes, new: bytes) -> None:
    """The first match of ``pattern`` in ``part`` replaced (positions that follow the
    template, such as a string's index or a sheet's, are found, not written in)."""
    parts[part], found = re.subn(pattern, new, parts[part], count=1)
    assert found, (part, pattern)


def _sheet_count(parts: dict) -> int:
    return parts["xl/workbook.xml"].count(b"<sheet ")


def _with_printer_settings(parts: dict, sheet: str) -> None:
    """A page setup's printer settings on ``sheet``, typed by the book's ``Default
    Extension="bin"``, which the template gives the VBA project."""
    parts["xl/printerSettings/printerSettings1.bin"] = b"\0" * 16
    rels = sheet.replace("worksheets/", "worksheets/_rels/") + ".rels"
    assert rels not in parts
    parts[rels] = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/printerSettings" Target="../printerSettings/printerSettings1.bin"/>'
        b"</Relationships>"
    )


@pytest.mark.parametrize("case", list(BROKEN))
def test_each_broken_rule_is_named_with_its_part(book, tmp_path, case):
    change, expected = BROKEN[case]
    path = copy_of(book, tmp_path)
    with zipfile.ZipFile(path) as zf:
        sheets = _sheet_count({"xl/workbook.xml": zf.read("xl/workbook.xml")})
    expected = expected.replace("{sheets}", str(sheets))
    rewritten(path, lambda parts: change(path, parts))
    found = excel_rule_violations(path)
    assert any(expected in line for line in found), found


def test_a_table_whose_column_names_left_its_header_is_named(book, tmp_path):
    """A table over Table1's header row: right, then broken by hand one rule at a time."""
    path = copy_of(book, tmp_path)
    header = list(read_table(path, layout.TABLE1).columns)
    part = _sheet_xml_of(path, layout.TABLE1)
    notes = _sheet_xml_of(path, "My notes")
    last = get_column_letter(len(header))
    top, bottom = layout.OUT_HEADER_ROW, layout.OUT_HEADER_ROW + 3
    ref = f"A{top}:{last}{bottom}"

    def table(names, filtered=ref, ids=None, count=None, attributes="", inside=""):
        ids = ids or range(1, len(names) + 1)
        columns = "".join(f'<tableColumn id="{i}" name="{n}"/>' for i, n in zip(ids, names))
        return (
            '<table xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" id="1" '
            f'name="T1" displayName="T1" ref="{ref}"{attributes}><autoFilter ref="{filtered}"/>'
            f'{inside}<tableColumns count="{count or len(names)}">{columns}</tableColumns>'
            "</table>"
        ).encode()

    def found(names=header, formula="1+1", **kwargs):
        def change(parts):
            rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
            entry = (
                b'<Relationship Id="rId77" Type="http://schemas.openxmlformats.org/officeDocument/'
                b'2006/relationships/table" Target="../tables/table1.xml"/>'
            )
            parts[rels] = (
                parts[rels].replace(b"</Relationships>", entry + b"</Relationships>")
                if rels in parts
                else b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                b'relationships">' + entry + b"</Relationships>"
            )
            parts["xl/tables/table1.xml"] = table(names, **kwargs)
            _replace(parts, "[Content_Types].xml", b"</Types>", TABLE_TYPE + b"</Types>")
            _replace(parts, notes, b"<f>SUM(B1:B2)</f>", f"<f>{formula}</f>".encode())

        return excel_rule_violations(rewritten(copy_of(book, tmp_path, "t.xlsm"), change))

    def named(expected, **kwargs):
        lines = found(**kwargs)
        return any(expected in line for line in lines)

    first, second = header[0], header[1]
    assert found(formula=f"SUM(t1[{second}])+T1[[#This Row],[{first}]]+T1[#All]") == []
    assert found(attributes=' totalsRowCount="1"', filtered=f"A{top}:{last}{bottom - 1}") == []
    assert named('<tableColumn name="old">: header cell', names=["old", *header[1:]])
    assert named("tableColumn for", names=[*header, "extra"])
    assert named(f'<tableColumns count="99">: {len(header)} tableColumn listed', count=99)
    twice = f'<tableColumn id="2" name="{first.upper()}">: name used twice (Excel ignores case)'
    assert first.upper() != first and named(twice, names=[first, first.upper(), *header[2:]])
    assert named(f'<tableColumn id="1" name="{second}">: id used twice', ids=[1, 1, *range(3, 99)])
    short = f"A{top}:{last}{bottom - 1}"
    assert named(f'<autoFilter ref="{short}">: the table\'s ref {ref} without', filtered=short)
    assert named(
        f'<autoFilter ref="{ref}">: the table\'s ref {ref} without its totals row is {short}',
        attributes=' totalsRowCount="1"',
    )
    outside = f'<sortState ref="B{top + 1}:{get_column_letter(len(header) + 1)}{bottom}"/>'
    assert named(f"{outside[:-2]}>: outside the table {ref}", inside=outside)
    assert named('<table headerRowDxfId="99">: beyond the', attributes=' headerRowDxfId="99"')
    assert named("table T1 has no column ['nope']", formula="SUM(T1[nope])")
    assert named("no table is named T2", formula=f"SUM(T2[{first}])")


def test_zip64_where_not_needed_is_named(book, tmp_path):
    path = tmp_path / "zip64.xlsm"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            with out.open(info.filename, "w", force_zip64=info.filename == "xl/styles.xml") as dst:
                dst.write(src.read(info))
    assert any(
        "zip: xl/styles.xml: ZIP64 local header" in line for line in excel_rule_violations(path)
    )


def test_sheet_names_as_excel_accepts_them():
    assert sheet_name_problem("表1 Opening") is None
    for bad in ("", "x" * 32, "a[1]", "a:b", "a*", "a?", "a\\b", "'quoted'", "history"):
        assert sheet_name_problem(bad) is not None, bad


# --- the four survivors of the mutation audit -------------------------------------------
@pytest.mark.breaks_excel_rules
def test_calc_chain_entries_dropped_by_tab_position_are_caught(book, tmp_path, capsys, monkeypatch):
    """The mutant: drop the entries of the sheets at the rewritten sheets' tab positions."""
    path = copy_of(book, tmp_path)
    with_calc_chain(path, formula_on=layout.OUTPUT_SHEETS, rotate_tabs=True)
    ids_in_tab_order = [s.sheet_id for s in Package(path).sheets()]
    original = file_engine.drop_chain_entries

    def by_position(chain, sheet_ids, *cells):
        return original(chain, {ids_in_tab_order.index(i) + 1 for i in sheet_ids}, *cells)

    monkeypatch.setattr(file_engine, "drop_chain_entries", by_position)
    regenerate(path, capsys)
    found = excel_rule_violations(path)
    assert any(
        re.search(r'xl/calcChain.xml: <c r="A100000" i="\d+">: sheet \w+ holds no formula', v)
        for v in found
    ), found


@pytest.mark.breaks_excel_rules
def test_an_override_without_its_leading_slash_is_caught(book, tmp_path, capsys, monkeypatch):
    """The mutant: a recreated sheet's Override written as PartName="xl/worksheets/…"."""
    path = copy_of(book, tmp_path)
    rewritten(path, lambda parts: _delete_sheet(parts, path, layout.STAGES))

    def without_slash(self, part, content_type):
        types = self.read(package_module.CONTENT_TYPES)
        entry = f'<Override PartName="{part}" ContentType="{content_type}"/></Types>'
        self.put(package_module.CONTENT_TYPES, types.replace(b"</Types>", entry.encode()))

    monkeypatch.setattr(Package, "add_override", without_slash)
    regenerate(path, capsys)
    found = excel_rule_violations(path)
    assert any(
        re.search(r'PartName="xl/worksheets/sheet\d+.xml">: no leading slash', v) for v in found
    )


@pytest.mark.breaks_excel_rules
def test_a_recreated_sheet_name_not_escaped_is_caught(book, tmp_path, monkeypatch):
    """The mutant: the name written into workbook.xml as it is (``R&D``, not ``R&amp;D``)."""
    monkeypatch.setattr(file_engine, "quoteattr", lambda text: f'"{text}"')
    path = copy_of(book, tmp_path)
    with FileEngine(path) as engine:
        engine._add_sheet("R&D")
        engine.save()
    assert any("xl/workbook.xml: not well-formed XML" in v for v in excel_rule_violations(path))


def test_a_recreated_sheet_name_is_escaped(book, tmp_path):
    path = copy_of(book, tmp_path)
    with FileEngine(path) as engine:
        engine._add_sheet('R&D <"1">')
        engine.save()
    assert excel_rule_violations(path) == []
    assert 'R&D <"1">' in [s.name for s in Package(path).sheets()]


@pytest.mark.breaks_excel_rules
def test_an_emptied_calc_chain_with_its_relationship_kept_is_caught(
    book, tmp_path, capsys, monkeypatch
):
    """The mutant: the emptied calcChain removed, its workbook relationship left behind."""
    path = copy_of(book, tmp_path)
    rewritten(path, lambda parts: _only_chain_on(parts, path, layout.TABLE1))
    monkeypatch.setattr(Package, "remove_relationship", lambda self, part, target: None)
    regenerate(path, capsys)
    found = excel_rule_violations(path)
    assert any("(calcChain)>: target xl/calcChain.xml missing" in v for v in found), found


def _only_chain_on(parts: dict, path: Path, sheet: str) -> None:
    """A calcChain whose only entry is a formula typed on ``sheet``."""
    sheet_id, part = sheet_parts(path)[sheet]
    parts[part] = parts[part].replace(
        b"</sheetData>", b'<row r="100000"><c r="A100000"><f>1+1</f><v>2</v></c></row></sheetData>'
    )
    parts["xl/calcChain.xml"] = (
        '<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<c r="A100000" i="{sheet_id}"/></calcChain>'
    ).encode()
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(b"</Relationships>", CALC_CHAIN_REL)
    types = "[Content_Types].xml"
    parts[types] = parts[types].replace(b"</Types>", CALC_CHAIN_TYPE)


def _delete_sheet(parts: dict, path: Path, sheet: str) -> None:
    """``sheet`` deleted: its entry, part, relationship and type gone (docProps/app.xml
    still lists it, so recreating it leaves that list right)."""
    sheet_id, part = sheet_parts(path)[sheet]
    parts["xl/workbook.xml"] = re.sub(
        rb'<sheet name="' + sheet.encode() + rb'"[^>]*/>', b"", parts["xl/workbook.xml"]
    )
    target = part.removeprefix("xl/").encode()
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = re.sub(
        rb'<Relationship [^>]*Target="/?(xl/)?' + re.escape(target) + rb'"/>', b"", parts[rels]
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/>'.encode(),
        b"",
    )
    parts.pop(part)
    parts.pop(part.replace("worksheets/", "worksheets/_rels/") + ".rels", None)


# --- ZIP64 only where needed ------------------------------------------------------------
def _local_headers(path: Path) -> dict[str, tuple[int, bytes]]:
    out = {}
    with zipfile.ZipFile(path) as zf, open(path, "rb") as raw:
        for info in zf.infolist():
            raw.seek(info.header_offset)
            header = raw.read(30)
            version = struct.unpack("<H", header[4:6])[0]
            name_length, extra_length = struct.unpack("<HH", header[26:30])
            raw.seek(info.header_offset + 30 + name_length)
            out[info.filename] = (version, raw.read(extra_length))
    return out


def test_rewritten_parts_are_written_as_excel_writes_them(tmp_path, capsys):
    path = make_book(tmp_path / "demo.xlsm")
    regenerate(path, capsys)
    headers = _local_headers(path)
    table1 = _sheet_xml_of(path, layout.TABLE1)
    assert headers[table1] == (20, b"")  # version 2.0, no extra field (no ZIP64)
    assert all(version == 20 and extra == b"" for version, extra in headers.values()), headers


def test_a_streamed_part_past_the_zip64_limit_is_written_again_with_zip64(tmp_path, monkeypatch):
    """With the limit lowered to 1,000 bytes: a small streamed part stays plain, one of
    5,000 bytes is written over with ZIP64, and both read back whole."""
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1000)
    big = [b"<x>" + bytes(range(48, 58)) * 100 + b"</x>"] * 5
    path = tmp_path / "z.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
        package_module._write_member(out, zipfile.ZipInfo("small.xml"), lambda: [b"<x/>"])
        package_module._write_member(out, zipfile.ZipInfo("big.xml"), lambda: iter(big))
        package_module._write_member(out, zipfile.ZipInfo("after.xml"), b"<y/>")
    headers = _local_headers(path)
    assert headers["small.xml"] == (20, b"") and headers["after.xml"][1] == b""
    assert headers["big.xml"][0] == 45 and headers["big.xml"][1][:2] == b"\x01\x00"
    with zipfile.ZipFile(path) as zf:
        assert zf.read("big.xml") == b"".join(big)
        assert zf.read("small.xml") == b"<x/>" and zf.read("after.xml") == b"<y/>"
        assert zf.testzip() is None


# --- absurdly small inputs --------------------------------------------------------------
def test_an_index_too_small_for_a_number_is_a_stated_problem_not_a_subnormal(tmp_path, capsys):
    """Trade of 1e-155 (万美元) gives T = (1e-155 · 6.7e-4)² / 2147.62 ≈ 2e-320, a subnormal
    number Excel repairs: the index is blank with the OVERFLOW problem, which says the
    result is too small, and no subnormal number is written anywhere."""
    data = example_dataset()
    data["trade"].iloc[0, 3] = 1e-155  # 上海 1996
    path = make_book(tmp_path / "small.xlsm", data)
    regenerate(path, capsys)
    assert excel_rule_violations(path) == []
    index = read_table(path, layout.INDEX)
    row = index.iloc[3]
    assert row.iloc[0] == "上海" and row.iloc[3] == 1996
    assert row.isna().iloc[4] and row.isna().iloc[6]  # T and Z blank, I computed
    assert row.iloc[5] > 0 and "too small for a number" in row.iloc[-1]


# --- books saved by child processes ------------------------------------------------------
@pytest.mark.breaks_excel_rules  # sets up the child's check itself, as conftest does
def test_the_books_a_yangtze_command_saves_are_checked_too(book, tmp_path):
    """``yangtze regenerate`` run as a command with the environment conftest gives child
    processes: the book that keeps a part without a content type is reported, the clean
    one is not, and both commands end as they would without the check."""
    clean = copy_of(book, tmp_path, "clean.xlsm")
    broken = rewritten(
        copy_of(book, tmp_path, "broken.xlsm"),
        lambda parts: parts.__setitem__("xl/extra.dat", b"\0"),
    )
    report = tmp_path / "report.txt"
    child_checks = Path(__file__).resolve().parent / "child_checks"
    env = {**os.environ, "YANGTZE_EXCEL_RULES_REPORT": str(report), "PYTHONPATH": str(child_checks)}
    for path in (clean, broken):
        done = subprocess.run(
            [sys.executable, "-m", "addin.cli", "regenerate", str(path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    assert report.read_text(encoding="utf-8").splitlines() == [
        "broken.xlsm: [Content_Types].xml: part xl/extra.dat has no content type"
    ]
