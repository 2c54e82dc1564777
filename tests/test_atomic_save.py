"""Nothing lost: ``regenerate``, ``recalc`` and ``import`` write a temporary file beside the
workbook and move it over the original in one step, so a process killed in the middle of
a save leaves the original intact; a file that cannot be written gives a clear message;
input cells are never changed by regeneration.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import openpyxl.writer.excel
import pytest

from addin.cli import main
from addin.workbook import layout
from addin.workbook.file_engine import (
    STALE_TEMP_SECONDS,
    FileEngine,
    backup_path,
    temp_pattern,
)
from addin.workbook.regenerate import regenerate

from workbooks import exact_numbers, make_book

HANG_GUARD = 60  # seconds: a guard against a hung child process, not a measurement


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return make_book(
        tmp_path_factory.mktemp("atomic") / "base.xlsm", run_python_stub=True, formulas=False
    )


@pytest.fixture
def book(base, tmp_path) -> Path:
    path = tmp_path / "book.xlsm"
    shutil.copy(base, path)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def temps(book: Path) -> list[Path]:
    pattern = temp_pattern(book)
    return sorted(p for p in book.parent.iterdir() if pattern.fullmatch(p.name))


def every_cell(path: Path, sheets=layout.INPUT_SHEETS) -> dict[str, dict[str, object]]:
    """Every stored cell (value, or formula text) of the given sheets."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    out = {
        name: {
            c.coordinate: c.value
            for row in wb[name].iter_rows()
            for c in row
            if c.value is not None
        }
        for name in sheets
    }
    wb.close()
    return out


def regenerated(path: Path) -> bool:
    """A complete workbook whose Index sheet holds the regenerated table."""
    wb = openpyxl.load_workbook(path, read_only=True)
    n = sum(
        1
        for row in wb[layout.INDEX].iter_rows(min_row=layout.OUT_FIRST_ROW, values_only=True)
        if row[0]
    )
    wb.close()
    return n > 100


# --- killed in the middle of a save ------------------------------------------------------------

# Runs a command in a child process whose save pauses after copying the third part into
# the temporary file (flushed to disk), announcing the pause through a marker file.
PAUSED_SAVE = """
import sys, time
from pathlib import Path
from addin.workbook.parts import package

marker, argv = Path(sys.argv[1]), sys.argv[2:]
original = package._copy_member
written = []

def copy_member(source, info, out):
    original(source, info, out)
    written.append(info.filename)
    if len(written) == 3:
        out.fp.flush()
        marker.write_text(", ".join(written))
        time.sleep(600)

package._copy_member = copy_member
from addin.cli import main
sys.exit(main(argv))
"""


def kill_mid_save(folder: Path, *argv: str) -> None:
    marker = folder / "paused.txt"
    child = subprocess.Popen(
        [sys.executable, "-c", PAUSED_SAVE, str(marker), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=folder,
    )
    try:
        deadline = time.monotonic() + HANG_GUARD
        while not marker.exists():
            if child.poll() is not None:
                pytest.fail(f"the child ended before saving: {child.communicate()}")
            if time.monotonic() > deadline:
                pytest.fail("the child did not reach the save")
            time.sleep(0.02)
    finally:
        child.kill()  # SIGKILL: no handler, no cleanup runs
        child.communicate(timeout=HANG_GUARD)
    marker.unlink()


@pytest.mark.parametrize("command", ["regenerate", "recalc", "import"])
def test_process_killed_mid_save_leaves_the_original_intact(command, book, tmp_path):
    export = tmp_path / "gdp.csv"
    export.write_text("指标:地区生产总值(亿元)\n地区,2023年\n上海市,47218.66\n", encoding="utf-8")
    argv = {
        "regenerate": ["regenerate", book.name],
        "recalc": ["recalc", "--engine", "file", book.name],
        "import": ["import", export.name, book.name],
    }[command]
    before = sha256(book)
    kill_mid_save(tmp_path, *argv)
    assert sha256(book) == before
    assert regenerated(book) is False  # still the original, complete and readable
    left = temps(book)
    assert (
        len(left) == 1 and left[0].stat().st_size > 0
    )  # the half-written copy, never the original
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "book.xlsm",
        "gdp.csv",
    ]


def test_a_later_save_removes_stale_temporary_files_only(book, tmp_path, capsys):
    kill_mid_save(tmp_path, "regenerate", book.name)
    (stale,) = temps(book)
    old = time.time() - STALE_TEMP_SECONDS - 60
    os.utime(stale, (old, old))
    young = (
        tmp_path / f".{book.stem}.abcd1234{book.suffix}.tmp"
    )  # as if another process were saving now
    young.write_bytes(b"PK")
    other = (
        tmp_path / f".{book.stem}.v2.abcd1234{book.suffix}.tmp"
    )  # a temporary file of book.v2.xlsm
    other.write_bytes(b"PK")
    os.utime(other, (old, old))
    assert main(["regenerate", str(book)]) == 0
    capsys.readouterr()
    assert not stale.exists()
    assert young.exists() and other.exists()
    assert regenerated(book)


def test_killed_at_any_moment_the_target_is_old_or_new_never_half(book, tmp_path):
    """The real command, unpatched, killed as soon as its temporary file appears: the target
    is then either the original bytes or the complete new workbook."""
    before = sha256(book)
    child = subprocess.Popen(
        [sys.executable, "-m", "addin.cli", "regenerate", book.name],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + HANG_GUARD
    while child.poll() is None and not temps(book) and time.monotonic() < deadline:
        time.sleep(0.001)
    child.kill()
    child.wait(timeout=HANG_GUARD)
    assert sha256(book) == before or regenerated(book)


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_interrupt_during_save_removes_the_temporary_file(book, monkeypatch, capsys):
    from addin.workbook.parts import package

    original = package._copy_member
    calls = []

    def interrupted(source, info, out):
        original(source, info, out)
        calls.append(info.filename)
        if len(calls) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(package, "_copy_member", interrupted)
    before = sha256(book)
    assert main(["regenerate", str(book)]) == 130
    gc.collect()  # the abandoned zip writer is finalised quietly
    assert capsys.readouterr().err == "interrupted; files being written were left as they were\n"
    assert sha256(book) == before
    assert temps(book) == []


# --- files that cannot be written --------------------------------------------------------------


def _locked(*args, **kwargs):
    raise PermissionError(
        errno.EACCES, "Permission denied"
    )  # what Windows says for a file open in Excel


@pytest.mark.parametrize("command", ["regenerate", "recalc", "import"])
def test_file_open_elsewhere_gives_a_clear_message(command, book, tmp_path, monkeypatch, capsys):
    export = tmp_path / "gdp.csv"
    export.write_text("指标:地区生产总值(亿元)\n地区,2023年\n上海市,47218.66\n", encoding="utf-8")
    argv = {
        "regenerate": ["regenerate", str(book)],
        "recalc": ["recalc", "--engine", "file", str(book)],
        "import": ["import", str(export), str(book)],
    }[command]
    monkeypatch.setattr(os, "replace", _locked)
    before = sha256(book)
    assert main(argv) == 1
    out = capsys.readouterr()
    message = (
        "book.xlsm: cannot be written; is it open in Excel or another program? "
        "Close it and try again"
    )
    if command == "recalc":
        assert message in out.out
    else:
        assert out.err == f"yangtze {command}: {message}\n"
    assert sha256(book) == before
    assert temps(book) == []


def test_backup_that_cannot_be_made_stops_before_replacing(book, monkeypatch, capsys):
    monkeypatch.setattr(shutil, "copy2", _locked)
    before = sha256(book)
    assert main(["regenerate", "--backup", str(book)]) == 1
    assert "is it open in Excel" in capsys.readouterr().err
    assert sha256(book) == before and temps(book) == []


class _FillingDisk:
    """The temporary file on a disk with ``room`` bytes left."""

    def __init__(self, file, room: int):
        self.file, self.room = file, room

    def write(self, data) -> int:
        if self.file.tell() + len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.file.write(data)

    def __getattr__(self, name):
        return getattr(self.file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("when", ["writing", "syncing"])
def test_disk_full_gives_a_clear_message(when, book, monkeypatch, capsys):
    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    if when == "syncing":
        monkeypatch.setattr(os, "fsync", full)
    else:
        real_fdopen = os.fdopen
        monkeypatch.setattr(
            os,
            "fdopen",
            lambda fd, *args, **kwargs: _FillingDisk(real_fdopen(fd, *args, **kwargs), 30_000),
        )
    before = sha256(book)
    assert main(["regenerate", str(book)]) == 1
    gc.collect()
    assert capsys.readouterr().err == (
        "yangtze regenerate: book.xlsm: cannot be written (No space left on device); "
        "the file on disk is unchanged\n"
    )
    assert sha256(book) == before and temps(book) == []


def test_output_that_is_a_folder_or_in_a_missing_folder(book, tmp_path, capsys):
    (tmp_path / "out.xlsm").mkdir()
    assert main(["regenerate", str(book), "-o", str(tmp_path / "out.xlsm")]) == 1
    assert (
        capsys.readouterr().err
        == "yangtze regenerate: out.xlsm: is a folder; give a file name to write to\n"
    )
    assert main(["regenerate", str(book), "-o", str(tmp_path / "nowhere" / "out.xlsm")]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith("yangtze regenerate: out.xlsm: the folder ")
        and "does not exist; nothing was written" in err
        and err.count("\n") == 1
    )


@contextlib.contextmanager
def read_only(folder: Path):
    """``folder`` made unwritable: by permission bits, or, for root (whom they do not stop,
    as in CI), by the immutable attribute (``chattr +i``), which stops root too."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root on a file system without the immutable attribute")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX folder permissions")
def test_read_only_folder_gives_a_clear_message(book, tmp_path, capsys):
    before = sha256(book)
    with read_only(tmp_path):
        assert main(["regenerate", str(book)]) == 1
    assert "book.xlsm: cannot write in the folder" in capsys.readouterr().err
    assert sha256(book) == before


# --- backup and untouched inputs ----------------------------------------------------------------


def test_backup_keeps_the_previous_bytes(book, capsys):
    first = book.read_bytes()
    assert main(["regenerate", "--backup", str(book)]) == 0
    assert backup_path(book).read_bytes() == first
    second = book.read_bytes()
    assert second != first and regenerated(book)
    assert main(["regenerate", "--backup", str(book)]) == 0
    assert backup_path(book).read_bytes() == second
    capsys.readouterr()


def test_output_elsewhere_leaves_the_original_byte_for_byte(book, tmp_path, capsys):
    before = sha256(book)
    assert main(["regenerate", str(book), "-o", str(tmp_path / "out.xlsm")]) == 0
    capsys.readouterr()
    assert sha256(book) == before and regenerated(tmp_path / "out.xlsm")


def test_input_cells_are_never_changed_by_regeneration(book, capsys):
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["Trade"]["B20"] = '="note: " & B2'  # a user's own formula beside the data (not read)
    wb["GDP"]["AH7"] = "checked 2024-05"  # a user's remark right of the table
    wb["Regions"]["D3"] = 42
    # numbers that need all 17 significant digits, as Excel stores results pasted as values
    wb["GDP"]["D6"] = 1166.9250000000002
    wb["FIE"]["E7"] = 123456.78901234567
    wb["Population"]["F8"] = 1.7976931348623157e308  # the largest double
    with exact_numbers():  # written exactly, as Excel writes them
        wb.save(book)
    wb.close()
    before = every_cell(book)
    assert (
        before["GDP"]["D6"] == 1166.9250000000002
        and before["Population"]["F8"] == 1.7976931348623157e308
    )
    for _ in range(2):  # regenerating again changes nothing either
        assert main(["regenerate", str(book)]) == 0
        assert every_cell(book) == before  # exact equality: not one bit of one number changes
    assert before["Trade"]["B20"] == '="note: " & B2' and before["Trade"]["B2"] == "万美元"
    capsys.readouterr()


def _gdp_d5_as_formula(book: Path, cached: bool) -> None:
    """Make GDP!D5 a formula, with its cached result as Excel saves it or without one."""
    wb = openpyxl.load_workbook(book, read_only=True)
    part = f"xl/worksheets/sheet{wb.sheetnames.index('GDP') + 1}.xml"  # the builder's part names
    wb.close()
    with zipfile.ZipFile(book) as zf:
        content = {info: zf.read(info) for info in zf.infolist()}
    for info, data in content.items():
        if info.filename == part:
            cell = re.search(rb'<c r="D5"([^>]*)><v>([^<]*)</v></c>', data)
            value = b"<v>" + cell.group(2) + b"</v>" if cached else b""
            content[info] = data.replace(
                cell.group(0), b'<c r="D5"' + cell.group(1) + b"><f>C5*1.1</f>" + value + b"</c>"
            )
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in content.items():
            zf.writestr(info, data)


def test_formula_results_are_read_and_kept(book, capsys):
    """A formula cell as Excel saves it (with its result) reads as its result, and the
    formula and its result are both still there after regenerating twice."""
    before = every_cell(book, ["GDP"])["GDP"]["D5"]
    _gdp_d5_as_formula(book, cached=True)
    with zipfile.ZipFile(book) as zf:
        part = next(n for n in zf.namelist() if b"<f>C5*1.1</f>" in zf.read(n))
        original = zf.read(part)
    for _ in range(2):
        assert main(["regenerate", str(book)]) == 0
        with zipfile.ZipFile(book) as zf:
            assert zf.read(part) == original
    wb = openpyxl.load_workbook(book, data_only=True)
    assert wb["GDP"]["D5"].value == before  # the cached result is still stored
    wb.close()
    capsys.readouterr()


def test_formula_without_a_result_stops_with_the_cells_named(book, capsys):
    """A formula with no stored result is never read as blank: regeneration stops, names the
    cell and says how to get the results; the file is not changed."""
    _gdp_d5_as_formula(book, cached=False)
    before = sha256(book)
    for command in ("regenerate", "check"):
        assert main([command, str(book)]) == 1
        err = capsys.readouterr().err
        assert (
            f"yangtze {command}: workbook: 1 formula cell(s) have no calculated result (GDP!D5)"
            in err
        )
        assert "Open it once in Excel or LibreOffice, save it, and run this again" in err
    assert sha256(book) == before


def test_the_original_is_replaced_in_one_step_by_a_complete_file(book, monkeypatch):
    """The only write to the target is os.replace of a finished, fsynced temporary file
    beside it."""
    moves, synced = [], []
    real_replace, real_fsync = os.replace, os.fsync

    def replace(src, dst):
        moves.append((Path(src), Path(dst), zipfile.is_zipfile(src)))
        real_replace(src, dst)

    def fsync(fd):
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "fsync", fsync)
    before = sha256(book)
    engine = FileEngine(book)
    regenerate(engine)
    assert sha256(book) == before  # nothing written before the save
    engine.save()
    engine.close()
    ((src, dst, complete),) = moves
    assert (
        dst == book
        and src.parent == book.parent
        and temp_pattern(book).fullmatch(src.name)
        and complete
    )
    assert synced and regenerated(book)
