"""Helpers for tests that need workbooks: build them through the product's own builder."""

from __future__ import annotations

import contextlib
import math
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd

from addin.panel.example import NOTICE, example_dataset
from addin.panel.options import Options
from addin.panel.provinces import YANGTZE_REGIONS
from addin.panel.tables import compute_all
from addin.panel.tidy import SeriesData, build_panel
from addin.workbook import layout
from addin.workbook.build import build_workbook

REGIONS = {p: r for r, members in YANGTZE_REGIONS.items() for p in members}


def make_book(path: Path, data: dict[str, pd.DataFrame] | None = None, **kwargs) -> Path:
    """Build a workbook filled with ``data`` (default: the example dataset)."""
    build_workbook(path, example_dataset() if data is None else data, notice=NOTICE, **kwargs)
    return path


def engine_tables(data: dict[str, pd.DataFrame], options: Options | None = None):
    """The engine's tables computed straight from the frames (no workbook involved)."""
    series = {k: SeriesData(k, layout.DEFAULT_UNITS[k], v) for k, v in data.items()}
    return compute_all(build_panel(series, REGIONS, options or Options()))


def sheet_values(path: Path, sheets=None) -> dict[str, list[tuple]]:
    """Every cell value of the given sheets (default: all)."""
    wb = openpyxl.load_workbook(path, data_only=False)
    names = sheets or wb.sheetnames
    out = {name: [tuple(c.value for c in row) for row in wb[name].iter_rows()] for name in names}
    wb.close()
    return out


def read_table(path: Path, sheet: str) -> pd.DataFrame:
    """An output sheet's table (header row 4, data until the first blank row) as a frame."""
    wb = openpyxl.load_workbook(path, data_only=True)
    rows = list(wb[sheet].iter_rows(min_row=layout.OUT_HEADER_ROW, values_only=True))
    wb.close()
    header, body = rows[0], []
    for row in rows[1:]:
        if all(v is None for v in row):
            break
        body.append(row)
    width = len([h for h in header if h is not None])
    return pd.DataFrame([r[:width] for r in body], columns=list(header[:width]))


def zip_text(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name).decode("utf-8")


def zip_bytes(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


@contextlib.contextmanager
def exact_numbers():
    """Make openpyxl write every number so that it reads back exactly, while saving.

    openpyxl 3.1.5 writes numbers as ``"%.16g"``; Excel stores the shortest exact form
    (``repr``). Tests that edit a book with openpyxl use this to store numbers as Excel would.
    """
    from openpyxl.cell import _writer as cell_writer

    original = cell_writer.safe_string

    def exact(value):
        if isinstance(value, float) and math.isfinite(value):
            return float.__repr__(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return int.__repr__(value)
        return original(value)

    cell_writer.safe_string = exact
    try:
        yield
    finally:
        cell_writer.safe_string = original
