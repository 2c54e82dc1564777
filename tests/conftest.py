"""Shared fixtures. Keep this file small: helpers for locating the shared material, and the
check of Excel's cross-part rules on every workbook a test saves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from excel_rules import book_violations

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_DATA = SHARED / "data"
SHARED_METHOD = SHARED / "method"

_ABSENT = (
    "../shared/data is not present: it is read-only material beside the repository, "
    "not part of a user's clone"
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The directory of yearbook fixtures (../shared/data); skips the test when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(_ABSENT)
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_method() -> Path:
    """The directory with METHOD.md and paper_table1.csv; skips the test when absent."""
    if not SHARED_METHOD.is_dir():
        pytest.skip(_ABSENT.replace("shared/data", "shared/method"))
    return SHARED_METHOD


CHILD_CHECKS = Path(__file__).resolve().parent / "child_checks"


@pytest.fixture(autouse=True)
def excel_rules_checked(request, monkeypatch, tmp_path_factory):
    """Every workbook saved during a test (regenerated, imported into, made by ``template`` or
    ``demo``: all go through ``atomic_write``; or built by XlsxWriter, as ``make_book``
    does) is checked against Excel's cross-part rules (tests/excel_rules.py) as it is
    written; a violation fails the test. Child processes (``yangtze`` run as a command)
    check what they save through ``child_checks/sitecustomize.py`` and report to a file
    read when the test ends. Tests that write broken books on purpose carry
    ``@pytest.mark.breaks_excel_rules``."""
    if request.node.get_closest_marker("breaks_excel_rules"):
        yield
        return
    import xlsxwriter

    from addin.workbook import file_engine
    from addin.workbook.parts import saving

    written = saving.atomic_write

    def checked_write(target, write, backup=False):
        path = written(target, write, backup)
        _assert_excel_rules(path)
        return path

    closed = xlsxwriter.Workbook.close

    def checked_close(self):
        result = closed(self)
        if isinstance(self.filename, (str, Path)):
            _assert_excel_rules(Path(self.filename))
        return result

    monkeypatch.setattr(saving, "atomic_write", checked_write)
    monkeypatch.setattr(file_engine, "atomic_write", checked_write)
    monkeypatch.setattr(xlsxwriter.Workbook, "close", checked_close)
    report = tmp_path_factory.mktemp("excel_rules") / "children.txt"
    monkeypatch.setenv("YANGTZE_EXCEL_RULES_REPORT", str(report))
    paths = [str(CHILD_CHECKS), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    yield
    if report.exists():
        pytest.fail(
            "a child process saved a book that breaks Excel's rules:\n" + report.read_text()
        )


def _assert_excel_rules(path: Path) -> None:
    found = book_violations(path)
    assert not found, f"{path.name} breaks Excel's rules:\n" + "\n".join(found)
