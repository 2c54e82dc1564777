"""``yangtze import`` over formula cells (issue 17, item 4): a user's formula is kept
without ``--overwrite``, even one whose result is blank; with it, the cells get the numbers,
their calcChain entries go (the part, its relationship and content type too when none is
left) and full calculation on load is set, so formulas reading them recalculate in Excel."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from addin.cli import main
from addin.workbook import layout

from excel_rules import excel_rule_violations
from workbooks import (
    CALC_CHAIN_REL,
    CALC_CHAIN_TYPE,
    make_book,
    rewritten,
    sheet_parts,
    zip_parts,
)

GDP = layout.DATA_SHEETS["gdp"]
COL_2021 = layout.column_letter(layout.FIRST_YEAR_COL + 2021 - 1993)
COL_2022 = layout.column_letter(layout.FIRST_YEAR_COL + 2022 - 1993)
#: 上海's GDP as an NBS 分省年度数据 export gives it (UTF-8).
EXPORT = (
    "数据库：分省年度数据\n指标：地区生产总值(亿元)\n时间：最近2年\n"
    "地区,2022年,2021年\n上海市,44652.8,43214.9\n"
)


@pytest.fixture
def book(tmp_path) -> Path:
    """A template-made book whose 上海 GDP 2022 is a formula with its result and 2021 a
    formula whose result is blank; a user's sheet reads 2022; calcChain lists all three
    cells (and the Formulas sheet's); full calculation on load is not set."""
    path = make_book(tmp_path / "book.xlsm")
    sheets = sheet_parts(path)
    gdp_id, gdp = sheets[GDP]
    mine_id, mine = sheets[layout.FORMULAS]

    def change(parts):
        data = parts[gdp]
        data = re.sub(
            rb'<c r="' + COL_2022.encode() + rb'5"( s="\d+")?><v>([^<]*)</v></c>',
            lambda m: (
                b'<c r="'
                + COL_2022.encode()
                + b'5"'
                + (m.group(1) or b"")
                + b"><f>"
                + m.group(2)
                + b"*1</f><v>"
                + m.group(2)
                + b"</v></c>"
            ),
            data,
        )
        data = re.sub(
            rb'<c r="' + COL_2021.encode() + rb'5"( s="\d+")?><v>[^<]*</v></c>',
            lambda m: (
                b'<c r="'
                + COL_2021.encode()
                + b'5"'
                + (m.group(1) or b"")
                + b' t="str"><f>IF(TRUE,"")</f><v></v></c>'
            ),
            data,
        )
        parts[gdp] = data
        parts["xl/calcChain.xml"] = (
            '<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<c r="{COL_2022}5" i="{gdp_id}"/><c r="{COL_2021}5"/>'
            f'<c r="B5" i="{gdp_id}"/><c r="C5" i="{mine_id}"/></calcChain>'
        ).encode()
        rels = "xl/_rels/workbook.xml.rels"
        parts[rels] = parts[rels].replace(b"</Relationships>", CALC_CHAIN_REL)
        types = "[Content_Types].xml"
        parts[types] = parts[types].replace(b"</Types>", CALC_CHAIN_TYPE)
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b' fullCalcOnLoad="1"', b"")

    rewritten(path, change)
    assert mine and excel_rule_violations(path) == []
    return path


def export(tmp_path: Path) -> str:
    path = tmp_path / "gdp.csv"
    path.write_text(EXPORT, encoding="utf-8")
    return str(path)


def gdp_cells(path: Path) -> dict[str, bytes]:
    data = zip_parts(path)[sheet_parts(path)[GDP][1]]
    return {
        ref: re.search(rb'<c r="' + ref.encode() + rb'"[^>]*>(.*?)</c>', data).group(1)
        for ref in (f"{COL_2021}5", f"{COL_2022}5")
    }


def test_formulas_are_kept_without_overwrite_even_with_a_blank_result(book, tmp_path, capsys):
    before = gdp_cells(book)
    assert main(["import", export(tmp_path), str(book)]) == 0
    out = capsys.readouterr().out
    assert "2 non-empty cells kept" in out and f"GDP!{COL_2021}5" in out
    after = gdp_cells(book)  # the same cells (lxml writes the empty <v></v> as <v/>)
    assert after == {ref: cell.replace(b"<v></v>", b"<v/>") for ref, cell in before.items()}


def test_overwritten_formulas_leave_calc_chain_and_recalculate_on_load(book, tmp_path, capsys):
    assert main(["import", "--overwrite", export(tmp_path), str(book)]) == 0
    capsys.readouterr()
    cells = gdp_cells(book)
    assert cells == {f"{COL_2021}5": b"<v>43214.9</v>", f"{COL_2022}5": b"<v>44652.8</v>"}
    parts = zip_parts(book)
    gdp_id = sheet_parts(book)[GDP][0]
    mine_id = sheet_parts(book)[layout.FORMULAS][0]
    chain = parts["xl/calcChain.xml"].decode()
    assert re.findall(r'<c r="(\w+)" i="(\d+)"', chain) == [
        ("B5", str(gdp_id)),
        ("C5", str(mine_id)),
    ]
    assert re.search(rb'<calcPr [^>]*fullCalcOnLoad="1"', parts["xl/workbook.xml"])
    assert excel_rule_violations(book) == []


def test_a_calc_chain_emptied_by_import_goes_with_its_relationship_and_type(book, tmp_path, capsys):
    gdp_id = sheet_parts(book)[GDP][0]
    only = (
        '<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<c r="{COL_2022}5" i="{gdp_id}"/><c r="{COL_2021}5"/></calcChain>'
    ).encode()
    rewritten(book, lambda parts: parts.__setitem__("xl/calcChain.xml", only))
    assert main(["import", "--overwrite", export(tmp_path), str(book)]) == 0
    capsys.readouterr()
    parts = zip_parts(book)
    assert "xl/calcChain.xml" not in parts
    assert b"calcChain" not in parts["xl/_rels/workbook.xml.rels"]
    assert b"calcChain" not in parts["[Content_Types].xml"]
    assert excel_rule_violations(book) == []


def test_a_unit_cell_holding_a_formula_is_kept_without_overwrite(book, tmp_path, capsys):
    """B2 (the money unit) as a formula whose result is blank: not written over without
    --overwrite, and named among the cells kept."""
    part = sheet_parts(book)[GDP][1]

    def formula_unit(parts):
        parts[part] = re.sub(
            rb'<c r="B2"([^>]*?)(?: t="\w+")?>.*?</c>',
            rb'<c r="B2"\1 t="str"><f>IF(TRUE,"")</f><v></v></c>',
            parts[part],
            count=1,
        )

    rewritten(book, formula_unit)
    assert b'<c r="B2"' in zip_parts(book)[part] and b"IF(TRUE" in zip_parts(book)[part]
    assert main(["import", export(tmp_path), str(book)]) == 0
    out = capsys.readouterr().out
    assert "GDP!B2" in out and "3 non-empty cells kept" in out
    assert (
        b"IF(TRUE,&quot;&quot;)" in zip_parts(book)[part]
        or b'IF(TRUE,"")' in zip_parts(book)[part].split(b'<c r="B2"')[1][:80]
    )


def test_cells_of_a_shared_formula_are_kept_even_with_overwrite(tmp_path, capsys):
    """A shared formula's first cell carries the formula its other cells copy: writing a
    value there alone would leave them copying nothing, which Excel removes as corrupt. So
    cells inside a shared (or array) formula's range are never written, and the summary
    says why (review of the import path)."""
    path = make_book(tmp_path / "book.xlsm")
    gdp = sheet_parts(path)[GDP][1]
    first, second = f"{COL_2021}5", f"{COL_2022}5"

    def shared(parts):
        data = parts[gdp]
        for ref, f in (
            (first, f'<f t="shared" ref="{first}:{second}" si="0">B5*1</f>'),
            (second, '<f t="shared" si="0"/>'),
        ):
            data = re.sub(
                rb'<c r="' + ref.encode() + rb'"( s="\d+")?><v>([^<]*)</v></c>',
                lambda m, ref=ref, f=f: (
                    b'<c r="%s"%s>%s<v>%s</v></c>'
                    % (ref.encode(), m.group(1) or b"", f.encode(), m.group(2))
                ),
                data,
            )
        parts[gdp] = data

    rewritten(path, shared)
    before = gdp_cells(path)
    assert b't="shared"' in before[first] and b't="shared"' in before[second]
    assert main(["import", "--overwrite", export(tmp_path), str(path)]) == 0
    out = capsys.readouterr().out
    assert "2 cells kept inside a shared or array formula" in out and f"GDP!{first}" in out
    assert gdp_cells(path) == before
    assert excel_rule_violations(path) == []
