"""The yangtze command line: demo, template, regenerate, check, recalc (batch), import."""

from __future__ import annotations

import gc
import shutil
import subprocess
import sys
import textwrap

import openpyxl
import pytest

from addin.cli import main
from addin.errors import InputError
from addin.workbook import layout
from addin.workbook.file_engine import FileEngine
from addin.workbook.regenerate import compute

from workbooks import make_book, read_table, sheet_values


def test_demo_writes_a_regenerated_workbook_labelled_as_illustrative(tmp_path, capsys):
    path = tmp_path / "demo.xlsm"
    assert main(["demo", str(path)]) == 0
    out = capsys.readouterr().out
    assert "illustrative" in out and "belt composite index Z" in out
    wb = openpyxl.load_workbook(path, keep_vba=True)
    assert "NOT official statistics" in wb[layout.GUIDE]["A1"].value
    table1 = read_table(path, layout.TABLE1)
    assert len(table1) == 11 + 3 + 1
    assert table1.iloc[:, 3:10].notna().all().all()  # six years and the annual change
    # n per year: empty on province rows, 4/3/4 provinces in the regions, 11 in the belt
    counts = table1.iloc[:, 10:]
    assert counts.iloc[:11].isna().all().all()
    assert counts.iloc[11:].to_numpy().tolist() == [[4] * 6, [3] * 6, [4] * 6, [11] * 6]


def test_template_command_builds_an_empty_workbook(tmp_path):
    path = tmp_path / "t.xlsm"
    assert main(["template", str(path)]) == 0
    wb = openpyxl.load_workbook(path, keep_vba=True)
    assert wb.sheetnames == list(layout.SHEET_ORDER)
    trade = wb[layout.DATA_SHEETS["trade"]]
    assert trade["C5"].value is None and trade["A5"].value == "上海"
    assert wb[layout.DATA_SHEETS["fx"]]["C5"].value == pytest.approx(5.762)


def test_regenerating_the_empty_template_says_what_is_missing(tmp_path, capsys):
    path = tmp_path / "t.xlsm"
    main(["template", str(path)])
    assert main(["regenerate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip() == (
        "yangtze regenerate: sheet Trade, FIE, GDP: no numbers found; fill in the yearbook values "
        "(provinces in rows, years in columns)"
    )


def test_check_reports_filled_cells_with_their_addresses(tmp_path, capsys):
    path = make_book(tmp_path / "b.xlsm")
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "filled" in out and "[Trade!P11]" in out  # 湖南 2006 is blank in the example data


def test_check_names_the_province_and_year_of_an_entry_without_a_cell(tmp_path, capsys):
    """A Z left empty (the index entry) has no single cell: the line names its province
    and year, so that every error-level line says where it is."""
    path = make_book(tmp_path / "b.xlsm")
    with FileEngine(path) as engine:
        engine.write_cells("GDP", {(9, 3 + 2003 - 1993): -5})  # 江西 2003 (GDP!M9)
        engine.save()
    assert main(["check", str(path)]) == 1
    errors = [line.split() for line in capsys.readouterr().out.splitlines()]
    errors = {words[1]: " ".join(words) for words in errors if words[:1] == ["error"]}
    assert set(errors) == {"non-positive", "index"}
    assert errors["non-positive"].endswith("[GDP!M9]")
    assert errors["index"].endswith("[江西 2003]")


def test_recalc_batch_continues_past_a_corrupt_book(tmp_path, capsys):
    first = make_book(tmp_path / "book00.xlsm")
    books = [first]
    for i in range(1, 20):
        books.append(tmp_path / f"book{i:02d}.xlsm")
        shutil.copy(first, books[-1])
    corrupt = tmp_path / "book07.xlsm"
    corrupt.write_text("this is not a workbook")
    before = {b: sheet_values(b, layout.INPUT_SHEETS) for b in books if b != corrupt}
    code = main(["recalc", "--engine", "file", "--jobs", "2", *map(str, books)])
    out = capsys.readouterr().out
    assert code == 1
    assert "19 of 20 workbooks regenerated" in out
    assert "failed: " + str(corrupt) in out
    assert "book07.xlsm: not an Excel workbook" in out
    for book, inputs in before.items():
        assert sheet_values(book, layout.INPUT_SHEETS) == inputs
        assert read_table(book, layout.TABLE1).shape[0] == 15


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_recalc_turns_the_collector_on_and_leaves_nothing_frozen(tmp_path, jobs):
    """The command process runs with the collector off (entry_point); a batch, which runs
    long, turns it back on, and the freeze before the workers fork is undone after them."""
    books = [make_book(tmp_path / "a.xlsm")]
    books.append(shutil.copy(books[0], tmp_path / "b.xlsm"))
    frozen_before = gc.get_freeze_count()
    gc.disable()
    try:
        assert main(["recalc", "--engine", "file", "--jobs", jobs, *map(str, books)]) == 0
        assert gc.isenabled()
    finally:
        gc.enable()
    assert gc.get_freeze_count() == frozen_before
    assert all(read_table(b, layout.TABLE1).shape[0] == 15 for b in books)


def test_entry_point_runs_the_command_without_the_collector_and_exits_with_its_code():
    code = textwrap.dedent(
        """
        import atexit, gc
        import addin.cli as cli
        seen = {}
        def fake_main():
            seen["collecting"] = gc.isenabled()
            return 7
        cli.main = fake_main
        atexit.register(lambda: print(seen["collecting"], gc.get_freeze_count() > 0))
        cli.entry_point()
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 7, done.stderr
    assert done.stdout.split() == ["False", "True"]


def test_recalc_with_excel_engine_without_excel_is_a_usage_error(tmp_path, capsys):
    book = make_book(tmp_path / "b.xlsm")
    assert main(["recalc", "--engine", "excel", str(book)]) == 2
    assert "needs Microsoft Excel" in capsys.readouterr().err


def test_import_real_nbs_gdp_export(tmp_path, shared_data, capsys):
    path = tmp_path / "t.xlsm"
    main(["template", str(path)])
    assert main(["import", str(shared_data / "nbs_export_gdp_gbk.csv"), str(path)]) == 0
    out = capsys.readouterr().out
    assert "→ GDP: 209 cells written" in out  # 11 provinces × 2006–2024 (19 years; 2023–2024 added)
    assert "20 provinces not on the sheet" in out
    wb = openpyxl.load_workbook(path, keep_vba=True)
    gdp = wb[layout.DATA_SHEETS["gdp"]]
    header = {gdp.cell(layout.HEADER_ROW, c).value: c for c in range(3, gdp.max_column + 1)}
    assert 2023 in header and 2024 in header  # new year columns were added
    assert gdp.cell(5, header[2022]).value == pytest.approx(48594.5)  # 上海 2022, revised series
    assert gdp["B2"].value == "亿元"


def test_import_keeps_non_empty_cells_unless_overwrite(tmp_path, shared_data, capsys):
    path = tmp_path / "t.xlsm"
    main(["template", str(path)])
    wb = openpyxl.load_workbook(path, keep_vba=True)
    gdp = wb[layout.DATA_SHEETS["gdp"]]
    col_2022 = layout.FIRST_YEAR_COL + 2022 - 1993
    gdp.cell(5, col_2022).value = 1.0
    wb.save(path)
    export = str(shared_data / "nbs_export_gdp_gbk.csv")
    main(["import", export, str(path)])
    assert "1 non-empty cells kept" in capsys.readouterr().out
    assert openpyxl.load_workbook(path)[layout.DATA_SHEETS["gdp"]].cell(5, col_2022).value == 1.0
    main(["import", "--overwrite", export, str(path)])
    assert openpyxl.load_workbook(path)[layout.DATA_SHEETS["gdp"]].cell(
        5, col_2022
    ).value == pytest.approx(48594.5)


def test_import_of_an_unrelated_indicator_is_refused(tmp_path, shared_data, capsys):
    path = tmp_path / "t.xlsm"
    main(["template", str(path)])
    before = path.read_bytes()
    assert main(["import", str(shared_data / "nbs_export_employment_gbk.csv"), str(path)]) == 1
    assert "城镇单位就业人员" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_imported_gdp_is_used_by_regeneration(tmp_path, shared_data):
    path = tmp_path / "t.xlsm"
    main(["template", str(path)])
    main(["import", str(shared_data / "nbs_export_gdp_gbk.csv"), str(path)])
    engine = FileEngine(path)
    series_years = engine.read(layout.DATA_SHEETS["gdp"])[layout.HEADER_ROW - 1]
    assert 2024 in series_years
    with pytest.raises(
        InputError, match="^sheet Trade, FIE: no numbers found"
    ):  # trade and FIE are still empty
        compute(engine)


def test_an_internal_error_is_one_line_not_a_traceback(tmp_path, capsys, monkeypatch):
    import addin.workbook.regenerate as regen

    book = make_book(tmp_path / "b.xlsm")
    before = book.read_bytes()

    def broken(engine):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(regen, "regenerate", broken)
    monkeypatch.delenv("YANGTZE_DEBUG", raising=False)
    assert main(["regenerate", str(book)]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "internal error (ZeroDivisionError: simulated bug)" in err
    assert book.read_bytes() == before


def test_regenerate_help_names_every_output_sheet(capsys):
    """The help lists the sheets regeneration rewrites: all of layout.OUTPUT_SHEETS."""
    with pytest.raises(SystemExit):
        main(["regenerate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    listed = text.split("Rebuild the output sheets (", 1)[1].split(")", 1)[0]
    assert sorted(listed.split(", ")) == sorted(layout.OUTPUT_SHEETS)
