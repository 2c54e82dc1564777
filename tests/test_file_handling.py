"""File names and folders the commands refuse or accept, formulas elsewhere that the
regeneration leaves stale (counted and said), and the batch's repeated files.

Each test states one rule from the QA pass of issue 10 (the file engine by parts)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest

from addin.cli import main
from addin.workbook import layout
from addin.workbook.parts.calc import cells_referring
from addin.workbook.parts.saving import owner_files

from workbooks import USER_SHEET, make_book, make_user_book, read_table, zip_bytes

MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return make_book(tmp_path_factory.mktemp("handling") / "base.xlsm", formulas=False)


@pytest.fixture(scope="module")
def macro_free(base, tmp_path_factory) -> Path:
    """The same book saved by openpyxl without its VBA project: a plain .xlsx package."""
    path = tmp_path_factory.mktemp("plain") / "nomacro.xlsx"
    openpyxl.load_workbook(base).save(path)
    assert MACRO_MAIN not in zip_bytes(path, "[Content_Types].xml").decode()
    return path


def one_line_error(argv: list[str], capsys) -> str:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    return captured.err


# --- 1. the extension matches the package's kind ------------------------------------------
@pytest.mark.parametrize("command", ["demo", "template"])
@pytest.mark.parametrize("name", ["out.xlsx", "mine", "out.zip"])
def test_demo_and_template_write_only_xlsm(command, name, tmp_path, capsys):
    err = one_line_error([command, str(tmp_path / name)], capsys)
    stem = Path(name).stem if Path(name).suffix else name
    assert (
        f"{name}: this workbook has macros" in err
        and f"must end in .xlsm (e.g. {stem}.xlsm)" in err
    )
    assert list(tmp_path.iterdir()) == []


def test_a_macro_enabled_book_is_not_written_as_xlsx(base, tmp_path, capsys):
    err = one_line_error(["regenerate", str(base), "-o", str(tmp_path / "zz.xlsx")], capsys)
    assert "zz.xlsx: this workbook has macros" in err and "e.g. zz.xlsm" in err
    assert list(tmp_path.iterdir()) == []


def test_a_macro_free_book_is_not_written_as_xlsm(macro_free, tmp_path, capsys):
    err = one_line_error(["regenerate", str(macro_free), "-o", str(tmp_path / "nm.xlsm")], capsys)
    assert "nm.xlsm: this workbook has no macros" in err and "e.g. nm.xlsx" in err
    assert main(["regenerate", str(macro_free), "-o", str(tmp_path / "nm.xlsx")]) == 0
    capsys.readouterr()
    assert MACRO_MAIN not in zip_bytes(tmp_path / "nm.xlsx", "[Content_Types].xml").decode()
    assert len(read_table(tmp_path / "nm.xlsx", layout.TABLE1)) > 10


def test_the_extension_check_ignores_case(base, tmp_path, capsys):
    assert main(["regenerate", str(base), "-o", str(tmp_path / "UP.XLSM")]) == 0
    capsys.readouterr()


# --- 2. formulas elsewhere that read an output sheet: counted and said --------------------
def test_regenerate_counts_the_users_formulas_that_read_output_sheets(tmp_path, capsys):
    book = make_user_book(tmp_path / "user.xlsm")
    assert main(["regenerate", str(book)]) == 0
    out = capsys.readouterr().out
    # the user's sheet has three formulas; one reads Table1!D5, one a data sheet
    assert f"note: 1 formula(s) on other sheets refer to the output sheets ({USER_SHEET}!B2)" in (
        out.replace(f"'{USER_SHEET}'", USER_SHEET)
    )
    assert "Recalculate Hard (Ctrl+Shift+F9)" in out and "Recalculation on file load" in out


def test_a_book_without_such_formulas_gets_no_note(base, tmp_path, capsys):
    book = tmp_path / "b.xlsm"
    shutil.copy(base, book)
    assert main(["regenerate", str(book)]) == 0
    assert "formula(s) on other sheets" not in capsys.readouterr().out


def test_shared_formulas_and_quoted_names_are_counted_cell_by_cell():
    sheet = (
        b'<worksheet><sheetData><row r="1">'
        b'<c r="A1"><f t="shared" ref="A1:A3" si="0">\'Index\'!C5+1</f><v>2</v></c>'
        b'<c r="B1"><f t="shared" ref="B1:B2" si="1">Trade!C5</f><v>2</v></c></row>'
        b'<row r="2"><c r="A2"><f t="shared" si="0"/><v>3</v></c>'
        b'<c r="B2"><f t="shared" si="1"/><v>3</v></c></row>'
        b'<row r="3"><c r="A3"><f t="shared" si="0"/><v>4</v></c>'
        b"<c r=\"B3\"><f>SUM(stages!A1:A2)+'Table1 (old)'!A1</f><v>4</v></c></row>"
        b"</sheetData></worksheet>"
    )
    assert cells_referring(sheet, layout.OUTPUT_SHEETS) == ["A1", "A2", "A3", "B3"]
    assert cells_referring(b"<worksheet><sheetData/></worksheet>", layout.OUTPUT_SHEETS) == []


# --- 3. folders, names, owner files, repeated books ----------------------------------------
@pytest.mark.parametrize("command", ["demo", "template"])
def test_a_missing_folder_is_refused_like_regenerate_does(command, base, tmp_path, capsys):
    target = tmp_path / "missing" / "dir" / "x.xlsm"
    err = one_line_error([command, str(target)], capsys)
    again = one_line_error(["regenerate", str(base), "-o", str(target)], capsys)
    expected = f"x.xlsm: the folder {target.parent} does not exist; nothing was written"
    assert expected in err and expected in again
    assert not (tmp_path / "missing").exists()


def test_template_defaults_to_the_current_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["template"]) == 0
    assert capsys.readouterr().out == "template written: yangtze_template.xlsm\n"
    assert [p.name for p in tmp_path.iterdir()] == ["yangtze_template.xlsm"]


@pytest.mark.parametrize(
    "name, owner",
    [
        ("Book1.xlsm", "~$Book1.xlsm"),  # short
        ("opening.xlsx", "~$opening.xlsx"),  # seven characters: Word would drop one
        ("regional_opening_2024.xlsm", "~$regional_opening_2024.xlsm"),  # long: kept whole
    ],
)
def test_excel_owner_file_is_tilde_dollar_and_the_whole_name(name, owner, tmp_path):
    assert owner_files(tmp_path / name) == [tmp_path / owner, tmp_path / f".~lock.{name}#"]


@pytest.mark.parametrize(
    "book_name, other_owner",
    [("Book1.xlsm", "~$ok1.xlsm"), ("regional_opening.xlsm", "~$gional_opening.xlsm")],
)
def test_another_books_owner_file_does_not_block(book_name, other_owner, base, tmp_path, capsys):
    book = tmp_path / book_name
    shutil.copy(base, book)
    (tmp_path / other_owner).write_bytes(b"user")  # ok1.xlsm / gional_opening.xlsm is open
    assert main(["regenerate", str(book)]) == 0
    capsys.readouterr()
    (tmp_path / f"~${book_name}").write_bytes(b"user")
    err = one_line_error(["regenerate", str(book)], capsys)
    assert f"is open in Excel (~${book_name} beside it)" in err


def test_recalc_regenerates_a_file_given_twice_once(base, tmp_path, capsys):
    book = tmp_path / "b1.xlsm"
    shutil.copy(base, book)
    link = tmp_path / "link.xlsm"
    link.symlink_to(book)
    argv = ["recalc", "--engine", "file", "--jobs", "2", str(book), str(book), str(link)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"{book}: given again; regenerated once" in out
    assert f"{link}: given again (the same file as {book}); regenerated once" in out
    assert "1/1 ok" in out and "1 of 1 workbooks regenerated" in out


def test_regenerate_of_a_folder_names_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert one_line_error(["regenerate", "."], capsys) == (
        "yangtze regenerate: .: is a folder, not a workbook\n"
    )


def test_a_recalc_failure_names_the_file_once(tmp_path, capsys):
    bad = tmp_path / "bad.xlsm"
    bad.write_text("not a workbook")
    assert main(["recalc", "--engine", "file", str(bad)]) == 1
    line = next(x for x in capsys.readouterr().out.splitlines() if "FAILED" in x)
    assert line.count("bad.xlsm") == 1 and "not an Excel workbook" in line


def test_summaries_count_regions_and_help_names_the_backup_by_extension(base, tmp_path, capsys):
    book = tmp_path / "b.xlsm"
    shutil.copy(base, book)
    assert main(["regenerate", str(book)]) == 0
    assert main(["check", str(book)]) == 0
    out = capsys.readouterr().out
    assert " regions, " in out and "provinces" not in out
    from addin.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    text = " ".join(sub.choices["regenerate"].format_help().split())
    assert "NAME.bak.xlsx for an .xlsx" in text


def test_a_misnamed_book_regenerated_in_place_is_told_to_rename(base, tmp_path, capsys):
    book = tmp_path / "misnamed.xlsx"  # a macro-enabled package under an .xlsx name
    shutil.copy(base, book)
    assert main(["regenerate", str(book)]) == 0
    out = capsys.readouterr().out
    assert "note: misnamed.xlsx: this workbook has macros" in out and "rename it" in out
    assert MACRO_MAIN in zip_bytes(book, "[Content_Types].xml").decode()
