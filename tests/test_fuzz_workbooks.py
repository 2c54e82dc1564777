"""Fuzzing the file engine with Hypothesis: workbooks whose data sheets hold random numbers
(zero, negative, tiny, huge), blanks, text, booleans, error values and random units.

Whatever the cells hold, regeneration either succeeds — every output sheet is written and
every number on it is finite — or stops with one of the documented errors
(:class:`~addin.errors.YangtzeError` and its subclasses); nothing else escapes. Input
cells are never changed, and a failed run leaves the file byte for byte as it was.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from addin.errors import YangtzeError
from addin.workbook import layout
from addin.workbook.file_engine import FileEngine
from addin.workbook.regenerate import regenerate
from addin.workbook.template.build import build_workbook

from workbooks import exact_numbers

PROVINCES = {
    "上海": "下游地区",
    "江苏": "下游地区",
    "湖北": "中游地区",
    "四川": "上游地区",
    "云南": "上游地区",
}
YEARS = list(range(2001, 2009))
DATA_SHEETS = list(layout.DATA_SHEETS.values())
N_ROWS = {name: 1 if name == "FX" else len(PROVINCES) for name in DATA_SHEETS}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A small filled workbook: 5 provinces × 8 years."""
    rng = np.random.default_rng(7)

    def frame(low, high):
        return pd.DataFrame(
            rng.uniform(low, high, (len(PROVINCES), len(YEARS))),
            index=list(PROVINCES),
            columns=YEARS,
        )

    data = {
        "trade": frame(1e5, 1e7),
        "fie": frame(100, 1e4),
        "gdp": frame(500, 5e4),
        "population": frame(1e3, 8e3),
        "fx": pd.DataFrame([np.linspace(8.28, 6.95, len(YEARS))], index=["fx"], columns=YEARS),
    }
    path = tmp_path_factory.mktemp("fuzz") / "base.xlsm"
    build_workbook(path, data, PROVINCES, run_python_stub=True, formulas=False)
    return path


ERROR_VALUES = ["#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NUM!", "#NAME?", "#NULL!"]
#: No subnormal number: Excel holds none (it reads them as 0), and a book holding one is
#: repaired when Excel opens it (tests/excel_rules.py); the smallest normal number stands in.
NUMBERS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=False),
    st.sampled_from(
        [0.0, -0.0, -1.0, 1e-300, 2.2250738585072014e-308, 1e300, -1e300, 1.7976931348623157e308]
    ),
    st.integers(min_value=-(10**15), max_value=10**15),
)
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
CELL_VALUES = st.one_of(
    NUMBERS,
    NUMBERS,
    NUMBERS,  # numbers most of the time
    st.none(),
    TEXT,
    st.booleans(),
    st.sampled_from(ERROR_VALUES),
    st.sampled_from([" ", "1,234", "1e5", "NaN", "inf", "-", "…", "=1/0"]),
)
UNITS = st.one_of(
    st.sampled_from(
        [
            "万美元",
            "千美元",
            "亿元",
            "万元",
            "十亿美元",
            "usd",
            "万人",
            "人",
            "元/美元",
            "元/100美元",
            "",
            " ",
            "万欧元",
            "furlongs",
            "#N/A",
            "亿 元",
            "（万美元）",
        ]
    ),
    st.floats(allow_nan=False, allow_subnormal=False),
    TEXT,
    st.none(),
)
CELL = st.tuples(
    st.sampled_from(DATA_SHEETS),
    st.integers(0, len(PROVINCES) - 1),
    st.integers(0, len(YEARS) - 1),
    CELL_VALUES,
)
HEADER = st.tuples(
    st.sampled_from(DATA_SHEETS),
    st.sampled_from(["year", "province"]),
    st.integers(0, len(YEARS) - 1),
    st.one_of(st.integers(1890, 2210), TEXT, st.none()),
)


def input_values(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    out = {
        name: [tuple(r) for r in wb[name].iter_rows(values_only=True)]
        for name in layout.INPUT_SHEETS
    }
    wb.close()
    return out


def saved_cells(path: Path) -> dict[str, dict[tuple[int, int], object]]:
    """Every non-empty cell of the output sheets as saved in the file: (row, col) → value."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cells = {
        name: {
            (r, c): v
            for r, row in enumerate(wb[name].iter_rows(values_only=True), 1)
            for c, v in enumerate(row, 1)
            if v is not None
        }
        for name in layout.OUTPUT_SHEETS
    }
    wb.close()
    return cells


def block_cells(block) -> dict[tuple[int, int], object]:
    return {
        (r, c): v
        for r, row in enumerate(block.rows, 1)
        for c, v in enumerate(row, 1)
        if v is not None and v != ""
    }


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", 25)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    cells=st.lists(CELL, max_size=40),
    headers=st.lists(HEADER, max_size=3),
    units=st.dictionaries(st.sampled_from(DATA_SHEETS), UNITS, max_size=1),
)
def test_random_cells_give_a_result_or_a_documented_error(base, cells, headers, units):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.xlsm"
        shutil.copy(base, path)
        wb = openpyxl.load_workbook(path, keep_vba=True)
        for sheet, i, j, value in cells:
            wb[sheet].cell(
                layout.FIRST_DATA_ROW + i % N_ROWS[sheet], layout.FIRST_YEAR_COL + j, value
            )
        for sheet, what, k, value in headers:
            if what == "year":
                wb[sheet].cell(layout.HEADER_ROW, layout.FIRST_YEAR_COL + k, value)
            elif sheet != "FX":
                wb[sheet].cell(layout.FIRST_DATA_ROW + k % len(PROVINCES), 1, value)
        for (
            sheet,
            unit,
        ) in units.items():  # at most one unit cell changed, so that most examples compute
            wb[sheet].cell(*layout.UNIT_CELL, unit)
        with exact_numbers():  # as Excel would store them: 17 significant digits where needed
            wb.save(path)
        wb.close()
        inputs, before = input_values(path), hashlib.sha256(path.read_bytes()).hexdigest()

        try:
            engine = FileEngine(path)
            result = regenerate(engine)
            engine.save()
            engine.close()
        except YangtzeError as exc:
            event(f"refused: {type(exc).__name__}")
            assert str(exc) and "\n" not in str(exc)  # one line, in the user's terms
            assert hashlib.sha256(path.read_bytes()).hexdigest() == before
            return
        event("regenerated")
        # success: every output sheet written, every number on it finite
        assert {block.sheet for block in result.blocks} == set(layout.OUTPUT_SHEETS)
        # the saved file holds exactly what was computed (not only the in-memory blocks),
        # and every number in it is finite
        saved = saved_cells(path)
        for block in result.blocks:
            assert saved[block.sheet] == block_cells(block), block.sheet
        numbers = [
            v
            for sheet in saved.values()
            for v in sheet.values()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        ]
        assert numbers and all(math.isfinite(v) for v in numbers)
        assert input_values(path) == inputs
