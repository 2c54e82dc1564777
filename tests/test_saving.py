"""What saving refuses and keeps: read-only files (even as root), books open in Excel or
LibreOffice, symlinks, and ``template``/``demo`` over an existing file."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

import pytest

from addin.cli import main

from workbooks import make_book, read_table


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return make_book(tmp_path_factory.mktemp("saving") / "base.xlsm", formulas=False)


@pytest.fixture
def book(base, tmp_path) -> Path:
    path = tmp_path / "book.xlsm"
    shutil.copy(base, path)
    return path


def refused(argv: list[str], path: Path, capsys) -> str:
    before = sha256(path)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert sha256(path) == before and "Traceback" not in err and err.count("\n") == 1
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    return err


@pytest.mark.parametrize("command", ["regenerate", "import", "recalc"])
def test_a_read_only_file_is_refused_even_as_root(command, book, tmp_path, capsys):
    export = tmp_path / "gdp.csv"
    export.write_text("指标:地区生产总值(亿元)\n地区,2023年\n上海市,47218.66\n", encoding="utf-8")
    argv = {
        "regenerate": ["regenerate", str(book)],
        "import": ["import", str(export), str(book)],
        "recalc": ["recalc", "--engine", "file", str(book)],
    }[command]
    book.chmod(0o444)
    before = sha256(book)
    assert main(argv) == 1
    out = capsys.readouterr()
    assert "book.xlsm: the file is read-only; it was not changed" in out.err + out.out
    assert sha256(book) == before and stat.S_IMODE(book.stat().st_mode) == 0o444


def test_a_read_only_file_may_be_written_elsewhere(book, tmp_path, capsys):
    book.chmod(0o444)
    assert main(["regenerate", str(book), "-o", str(tmp_path / "out.xlsm")]) == 0
    capsys.readouterr()
    assert len(read_table(tmp_path / "out.xlsm", "Table1")) > 10


@pytest.mark.parametrize(
    "owner, program",
    [("~$book.xlsm", "Excel"), (".~lock.book.xlsm#", "LibreOffice")],
)
def test_a_book_open_in_excel_or_libreoffice_is_refused(owner, program, book, capsys):
    (book.parent / owner).write_bytes(b"user")
    err = refused(["regenerate", str(book)], book, capsys)
    assert err == (
        f"yangtze regenerate: book.xlsm: is open in {program} ({owner} beside it); "
        "close it there first, then run the command again\n"
    )


def test_a_symlinked_book_stays_a_link_and_its_target_is_updated(book, tmp_path, capsys):
    folder = tmp_path / "links"
    folder.mkdir()
    link = folder / "linked.xlsm"
    link.symlink_to(book)
    book.chmod(0o640)
    assert main(["regenerate", str(link), "--backup"]) == 0
    capsys.readouterr()
    assert link.is_symlink() and link.resolve() == book.resolve()
    assert len(read_table(book, "Table1")) > 10
    assert stat.S_IMODE(book.stat().st_mode) == 0o640
    assert (folder / "linked.bak.xlsm").is_file()  # the backup sits beside the name used
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("command", ["template", "demo"])
def test_template_and_demo_refuse_an_existing_file_without_force(command, book, capsys):
    err = refused([command, str(book)], book, capsys)
    assert "book.xlsm: already exists and was not changed" in err and "--force" in err
    before = sha256(book)
    assert main([command, str(book), "--force"]) == 0
    capsys.readouterr()
    assert sha256(book) != before


def test_template_into_a_new_file_keeps_the_usual_permissions(tmp_path, capsys):
    path = tmp_path / "t.xlsm"
    assert main(["template", str(path)]) == 0
    capsys.readouterr()
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_help_describes_every_positional_argument_and_shows_defaults():
    from addin.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        for action in command._actions:
            if not action.option_strings:  # a positional argument
                assert action.help, f"yangtze {name}: {action.dest} has no help"
        text = command.format_help()
        if name == "demo":
            assert "default: yangtze_demo.xlsm" in text
        if name == "template":
            assert "default: yangtze_template.xlsm in the current folder" in " ".join(text.split())
