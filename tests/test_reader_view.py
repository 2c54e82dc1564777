"""What a person reads (issue 18, items 5 and 6): the output sheets' headers and column
widths, the Quality details, and ``yangtze check``'s lines and exit status.

Workbooks are built from the example data, changed as a user would (openpyxl), and run
through the public commands; a formula of a user's own is evaluated by LibreOffice.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from addin.cli import CHECK_EXIT_CODES, build_parser, main
from addin.panel.example import example_dataset
from addin.panel.options import PAPER_TABLE1_YEARS
from addin.workbook import layout

from libreoffice import Office, require_libreoffice
from workbooks import edited, make_book, read_table

ROOT = Path(__file__).resolve().parents[1]
HUBEI_ROW = 10  # 湖北 on the data sheets (上海 is row 5)
TRADE_2000 = f"{layout.column_letter(layout.FIRST_YEAR_COL + 2000 - 1993)}{HUBEI_ROW}"  # J10


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("reader") / "demo.xlsm"
    assert main(["demo", str(path)]) == 0
    return path


def _header(path: Path, sheet: str) -> list[object]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = book[sheet].iter_rows(
            min_row=layout.OUT_HEADER_ROW, max_row=layout.OUT_HEADER_ROW, values_only=True
        )
        return [v for v in next(rows) if v is not None]
    finally:
        book.close()


def _widths(path: Path, sheet: str) -> dict[int, float]:
    """Column number → width (characters) of the columns the sheet gives a width."""
    book = openpyxl.load_workbook(path)
    try:
        dims = book[sheet].column_dimensions.values()
        return {c: d.width for d in dims if d.min for c in range(d.min, d.max + 1)}
    finally:
        book.close()


# ------------------------------------------------------------------ headers and widths


def test_table1_year_headers_are_numbers_and_every_header_names_its_year(demo):
    header = _header(demo, layout.TABLE1)
    years = list(PAPER_TABLE1_YEARS)
    assert (
        [h for h in header if isinstance(h, int)] == years == [1993, 2000, 2005, 2010, 2014, 2022]
    )
    assert [h for h in header if "省份数" in str(h)] == [f"省份数 {y} Provinces {y}" for y in years]
    book = openpyxl.load_workbook(demo)
    alignment = book[layout.TABLE1].cell(layout.OUT_HEADER_ROW, 9).alignment  # 2022
    book.close()
    # on the left, as the text headers: "2022" does not run into "年均变化" right of it
    assert (alignment.horizontal, alignment.vertical, alignment.wrap_text) == (
        "left",
        "top",
        True,
    )
    disparity = _header(demo, layout.DISPARITY)
    assert "阿特金森指数 ε=0.5 Atkinson ε=0.5" in disparity


def test_the_header_row_is_tall_enough_for_its_wrapped_headers(demo):
    """Headless LibreOffice (and any program that does not fit rows to wrapped text when
    opening) showed one line of each header: "阿特金森指数" without its ε, "省份数" without its
    year. The row's height now holds every line: 3 on Disparity ("阿特金森指数" /
    "ε=0.5 Atkinson" / "ε=0.5" in 14 characters, as LibreOffice wraps it), 2 or more on
    Table 1 ("省份数 2010" / "Provinces 2010"), 1 on Quality."""
    book = openpyxl.load_workbook(demo)
    try:
        heights = {
            sheet: book[sheet].row_dimensions[layout.OUT_HEADER_ROW].height
            for sheet in (layout.DISPARITY, layout.TABLE1, layout.QUALITY)
        }
    finally:
        book.close()
    assert heights[layout.DISPARITY] >= 3 * 15 and heights[layout.TABLE1] >= 2 * 15
    assert heights[layout.QUALITY] == 15


def test_every_table1_column_is_as_wide_as_the_first(demo):
    """Columns past M had Excel's default width (8.43), so "省份数 2010 Provinces 2010"
    broke into "Province" / "s 2010"."""
    last = len(_header(demo, layout.TABLE1))
    assert last == 3 + 2 * len(PAPER_TABLE1_YEARS) + 1
    widths = _widths(demo, layout.TABLE1)
    assert all(widths.get(c, 0) >= 14 for c in range(1, last + 1)), widths


def test_quality_detail_is_the_last_and_a_wide_column(demo):
    """The detail ran into the Level column ("interpolated 2.34"): it is now the last
    column (its text runs on into the empty cells), 100 characters wide."""
    header = _header(demo, layout.QUALITY)
    assert header[-1] == "说明 Detail" and header[:2] == ["类型 Kind", "级别 Level"]
    widths = _widths(demo, layout.QUALITY)
    assert widths[len(header)] >= 100 and widths[len(header) - 1] < 20


def test_quality_shows_a_filled_value_in_full(tmp_path):
    """Hubei's trade 2000 left blank between 23,459,500 and 23,459,525.5 万美元 is filled with
    their mean 23,459,512.75, shown as such (it read "2.34595e+07")."""
    data = example_dataset()
    data["trade"].loc["湖北", [1999, 2000, 2001]] = [23459500.0, np.nan, 23459525.5]
    path = make_book(tmp_path / "b.xlsm", data)
    assert main(["regenerate", str(path)]) == 0
    quality = read_table(path, layout.QUALITY)
    quality.columns = ["kind", "level", "series", "province", "year", "cell", "detail"]
    row = quality[quality["cell"] == f"Trade!{TRADE_2000}"].iloc[0]
    assert (row["kind"], row["detail"]) == ("filled", "interpolated 23459512.75")
    assert not quality["detail"].str.contains(r"\de[+-]\d").any()  # no number as 1e+03


@pytest.mark.libreoffice
@pytest.mark.slow
def test_a_users_match_finds_a_year_on_table1_and_on_disparity(tmp_path):
    """``=MATCH(2010, Table1!4:4, 0)`` failed (#N/A) while the year headers were text."""

    def add_formulas(wb):
        ws = wb.create_sheet("Mine")
        ws.sheet_properties.codeName = "Mine"  # as Excel names a sheet in a book with VBA
        ws["A1"] = "=MATCH(2010,Table1!$A$4:$AZ$4,0)"
        ws["A2"] = "=MATCH(2010,Disparity!$A$5:$A$100,0)"
        # the belt: row 5 + 11 provinces + 3 regions
        ws["A3"] = "=INDEX(Table1!$A$19:$AZ$19,MATCH(2010,Table1!$A$4:$AZ$4,0))"

    path = edited(make_book(tmp_path / "base.xlsm"), tmp_path, add_formulas)
    assert main(["regenerate", str(path)]) == 0
    belt = read_table(path, layout.TABLE1).iloc[-1]
    with Office(require_libreoffice(), tmp_path / "office") as office:
        cells = office.run(
            "formulas",
            {"path": str(path), "sheet": "Mine", "cells": [[1, 1], [2, 1], [3, 1]], "recalc": True},
        )["cells"]
    assert [c["kind"] for c in cells] == ["value"] * 3, cells
    assert cells[0]["value"] == 3 + PAPER_TABLE1_YEARS.index(2010) + 1 == 7  # column G
    assert cells[1]["value"] == 2010 - 1993 + 1
    assert belt.iloc[1] == "长江经济带" and cells[2]["value"] == pytest.approx(belt[2010])


# ------------------------------------------------------------------ yangtze check


def _check(path: Path, capsys) -> tuple[int, list[str]]:
    code = main(["check", str(path)])
    return code, capsys.readouterr().out.splitlines()


def test_check_shows_each_level_and_exits_0_without_errors(demo, capsys):
    code, lines = _check(demo, capsys)
    entries = lines[1:-1]
    assert code == 0 and len(entries) == 4
    assert all(re.match(r"  info    (filled|converted) ", line) for line in entries), entries
    assert lines[-1] == "  4 entries: 0 error, 0 warning, 4 info"


def test_check_exits_1_when_a_value_is_not_used(demo, tmp_path, capsys):
    def change(wb):
        wb["Trade"][TRADE_2000] = "abc"
        wb["GDP"][TRADE_2000] = wb["GDP"][TRADE_2000].value * 1000  # a warning, not an error

    code, lines = _check(edited(demo, tmp_path, change), capsys)
    assert code == 1
    (text,) = [line for line in lines if line.startswith("  error ")]
    assert text.startswith("  error   text         'abc' is not a number")
    assert text.endswith(f"[Trade!{TRADE_2000}]")
    assert any(line.startswith("  warning jump ") for line in lines)
    assert re.fullmatch(r"  \d+ entries: 1 error, [1-9]\d* warning, \d+ info", lines[-1])


def test_check_with_warnings_only_exits_0(demo, tmp_path, capsys):
    def change(wb):
        wb["GDP"][TRADE_2000] = wb["GDP"][TRADE_2000].value * 1000

    code, lines = _check(edited(demo, tmp_path, change), capsys)
    assert code == 0 and any(line.startswith("  warning ") for line in lines)
    assert not any(line.startswith("  error ") for line in lines)


def test_check_documents_its_exit_status_in_help_and_readme():
    check = build_parser()._subparsers._group_actions[0].choices["check"]
    assert CHECK_EXIT_CODES in " ".join(check.format_help().split())
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert CHECK_EXIT_CODES in readme


@pytest.mark.parametrize(
    ("command", "name"), [("template", "yangtze_template.xlsm"), ("demo", "yangtze_demo.xlsm")]
)
def test_a_new_book_on_a_folder_says_it_is_a_folder(tmp_path, capsys, command, name):
    folder = tmp_path / "books.xlsm"  # even named like a workbook
    folder.mkdir()
    for force in ([], ["--force"]):
        assert main([command, str(folder), *force]) == 1
        assert capsys.readouterr().err == (
            f"yangtze {command}: books.xlsm: is a folder, not a workbook file; nothing was "
            f"written. Give a file name, e.g. {folder / name}\n"
        )
    assert list(folder.iterdir()) == []


# ------------------------------------------------------------------ docs match behaviour


def test_regenerating_again_is_byte_identical_from_the_second_run_on(tmp_path, capsys):
    """docs/reliability.md: a second run gives every part the first run's bytes; the file
    as a whole is the same from the second run on (the first run streams the parts it
    rewrites, the second copies them as stored)."""
    path = make_book(tmp_path / "b.xlsm")
    runs = []
    for _ in range(3):
        assert main(["regenerate", str(path)]) == 0
        runs.append(path.read_bytes())
    capsys.readouterr()
    first, second, third = (_parts(data) for data in runs)
    assert first == second == third
    assert runs[2] == runs[1]


def _parts(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def test_a_table1_year_in_the_data_without_any_z_is_named(tmp_path, capsys):
    """docs/method.md: a year of the data in which no province has Z (here: no trade in
    1993, which gap filling never extrapolates) keeps its empty column and is named."""
    data = example_dataset()
    data["trade"][1993] = np.nan
    path = make_book(tmp_path / "b.xlsm", data)
    assert main(["regenerate", str(path)]) == 0
    capsys.readouterr()
    table = read_table(path, layout.TABLE1)
    assert table[1993].isna().all() and table[2000].notna().all()
    book = openpyxl.load_workbook(path, read_only=True)
    notes = [row[0] for row in book[layout.TABLE1].iter_rows(values_only=True) if row]
    book.close()
    assert "• years without Z, shown empty 无Z年份: 1993" in notes
