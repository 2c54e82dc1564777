"""Evaluating the workbook with `formulas` (our functions registered for their names)
gives the engine's numbers for every formula on the Formulas sheet.

The example data leave two cells blank (trade 湖南 2006, FIE 贵州 2011). The engine fills
them by interpolation, the formulas do not, so:

- the main test builds the workbook from a copy of the example data with those two cells
  filled by hand: formulas and engine then see identical inputs and nothing is filled,
  and every formula cell must equal the engine's number;
- the second test builds it from the original data: the blank province-years show ""
  (native formulas) and "#MISSING" (worksheet functions), every other cell the engine's
  number (aggregates of a year with a blank: over the provinces that have a number, as
  AVERAGEIF and STDEVP skip the "" text; the disparity functions pass "#MISSING" on).

How `formulas` (1.3.x) hands a range to a Python function registered in
``formulas.get_functions()`` (an lru-cached dict: the one its parser consults, and whose
names it treats as functions, not defined names, when a formula is parsed): as a
``formulas.ranges.Ranges`` whose ``.value`` is a 2-D numpy object array holding int
(integral numbers) or float, str, ``schedula.EMPTY`` for a blank cell and
``formulas.tokens.operand.XlError`` for an error value; both sentinels are ``str``
subclasses, so they are tested for before text. The function's result is laid over the
array formula's block like Excel does (padded with #N/A when smaller), and each
XlsxWriter array formula ({=...} over a block, a CSE array) is one node evaluated once
with the whole ranges, not cell by cell.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import formulas
import numpy as np
import pandas as pd
import pytest
import schedula as sh
import xlwings
from formulas.ranges import Ranges
from formulas.tokens.operand import XlError

import addin
import yangtze_udf
from addin.core import growth
from addin.core.gaps import fill_interior
from addin.panel.example import example_dataset
from addin.workbook import layout
from addin.workbook.template import formulas_sheet

from workbooks import REGIONS, engine_tables, make_book

REL = 1e-9
#: Every worksheet function of the add-in (upper-case callables of yangtze_udf).
UDF_NAMES = tuple(n for n in dir(yangtze_udf) if n.isupper() and callable(getattr(yangtze_udf, n)))
#: The example data's blank cells: (series key, province, year).
BLANKS = (("trade", "湖南", 2006), ("fie", "贵州", 2011))
#: Amounts typed into them for the filled copy (any positive number will do).
FILL = {"trade": 1_234_567.8, "fie": 4_321.0}
#: Money units of the example data, as scales of one yuan / one dollar (write-out of the units).
SCALE = {"trade": 1e4, "fie": 1e6, "gdp": 1e8}  # 万美元, 百万美元, 亿元
#: Whole-column lookup of the region formulas; `formulas` expands A:B to 1,048,576 rows
#: (about 25 s of assembling and calculating per workbook), Excel to the used range.
WHOLE_COLUMNS = f"{layout.REGIONS}!$A:$B"


# --------------------------------------------------------------------- our functions in `formulas`


def _cell(v):
    """One cell as xlwings hands it with ``ndim=2, err_to_str=True``."""
    if v is sh.EMPTY:
        return None
    if isinstance(v, XlError):  # before str: XlError (like EMPTY) is a str subclass
        return str.__str__(v)
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return float(v)  # Excel (and so xlwings) has only doubles
    if v == "":
        return None  # xlwings reads a formula's "" as None
    return v


def _rows(arg) -> list[list]:
    """A `formulas` argument → a list of rows (xlwings' ``ndim=2`` shape)."""
    value = arg.value if isinstance(arg, Ranges) else arg
    a = np.asarray(value, dtype=object)
    a = a.reshape(1, -1) if a.ndim < 2 else a
    return [[_cell(v) for v in row] for row in a.tolist()]


def _excel_function(name: str, calls: list, failures: list):
    """``yangtze_udf.<name>`` served to `formulas`: ranges in as xlwings would pass them,
    the result back as a 2-D object array (a scalar as 1×1)."""
    udf = getattr(yangtze_udf, name)

    def serve(*args):
        rows = [_rows(a) for a in args]
        calls.append((name, tuple((len(r), len(r[0])) for r in rows)))
        try:
            out = udf(*rows)
        except Exception as ex:  # recorded; the tests assert there were none
            failures.append((name, repr(ex)))
            return np.asarray([[XlError("#VALUE!")]], dtype=object)
        return np.asarray(out if isinstance(out, list) else [[out]], dtype=object)

    serve.__name__ = name
    return serve


@pytest.fixture(scope="module")
def udf_log():
    """Register the worksheet functions for the module's tests; restore the registry after."""
    registry = formulas.get_functions()
    saved = {n: registry[n] for n in UDF_NAMES if n in registry}
    calls: list = []
    failures: list = []
    for n in UDF_NAMES:
        registry[n] = _excel_function(n, calls, failures)
    yield calls, failures
    for n in UDF_NAMES:
        registry.pop(n, None)
    registry.update(saved)


# --------------------------------------------------------------------- evaluating a workbook


def _evaluate(path: Path, udf_log) -> dict[tuple[int, int], object]:
    """Every value of the Formulas sheet's formula cells, by (row, col), as `formulas`
    computes the workbook at ``path``; array formulas must come back as whole blocks."""
    calls, failures = udf_log
    model = formulas.ExcelModel()
    book, context = model.add_book(str(path))
    n_regions = book[layout.REGIONS].max_row
    rewritten = Counter()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and WHOLE_COLUMNS in c.value:
                    # Same cells Excel looks at (nothing lies below the used range); only faster.
                    c.value = c.value.replace(
                        WHOLE_COLUMNS, f"{layout.REGIONS}!$A$1:$B${n_regions}"
                    )
                    rewritten[ws.title] += 1
    # the Formulas sheet's region column, and the region column of the four province data sheets
    assert rewritten == {
        layout.FORMULAS: len(REGIONS),
        **{s: len(REGIONS) for k, s in layout.DATA_SHEETS.items() if k != "fx"},
    }
    model.pushes(*book.worksheets, context=context)
    model.finish()
    first_call = len(calls)
    solution = model.calculate()
    assert not failures, f"worksheet functions raised: {failures}"

    cells, _ = formulas_sheet.plan(REGIONS, _n_years())
    arrays = [c for c in cells if c.last is not None]
    # One call per array formula, with the whole ranges (regions × years blocks, factor rows).
    made = calls[first_call:]
    assert Counter(n for n, _ in made) == Counter(c.formula[1:].split("(")[0] for c in arrays)
    whole = {(len(REGIONS), _n_years()), (1, _n_years()), (1, 1)}  # 1×1: a literal parameter
    assert all(set(shapes) <= whole for _, shapes in made), made

    sheet = f"'[{path.name}]{layout.FORMULAS.upper()}'"
    values: dict[tuple[int, int], object] = {}
    for c in cells:
        last = c.last or (c.row, c.col)
        ref = layout.address(c.row, c.col)
        if c.last is not None:
            ref += ":" + layout.address(*last)
        key = f"{sheet}!{ref}"
        assert key in solution, f"`formulas` did not compute Formulas!{ref} ({c.role})"
        block = np.asarray(solution[key].value, dtype=object)
        assert block.shape == (last[0] - c.row + 1, last[1] - c.col + 1), ref
        for (i, j), v in np.ndenumerate(block):
            values[c.row + i, c.col + j] = v
    return values


def _n_years() -> int:
    return len(example_dataset()["trade"].columns)


# --------------------------------------------------------------------- what the engine says


@dataclass
class _Engine:
    """The engine's tables for the example data, and which inputs were left blank."""

    data: dict[str, pd.DataFrame]
    blanks: tuple = ()

    def __post_init__(self):
        tables = engine_tables(self.data)
        self.years = list(self.data["trade"].columns)
        self.index = tables.index.set_index(["province", "year"])
        self.dis = tables.disparity.set_index("year")
        self.missing = {
            key: {(p, y) for k, p, y in self.blanks if k == key} for key in ("trade", "fie")
        }
        self.no_z = self.missing["trade"] | self.missing["fie"]
        self.blank_years = {y for _, y in self.no_z}

    def z(self, province, year):
        return self.index.at[(province, year), "open_index"]


# One cell each: what a native formula shows, by role.
def _factor(e: _Engine, c, year):
    key = c.role.removeprefix("factor_")  # USD amount → 亿元: CNY/USD × scale ratio
    return e.data["fx"].iloc[0][year] * SCALE[key] / SCALE["gdp"]


def _native_region(e: _Engine, c, year):
    z = [e.z(p, year) for p, r in REGIONS.items() if r == c.province and (p, year) not in e.no_z]
    return sum(z) / len(z)


def _native_cv(e: _Engine, c, year):
    if year not in e.blank_years:
        return e.dis.at[year, "cv_plain"]
    z = np.array([e.z(p, year) for p in REGIONS if (p, year) not in e.no_z])
    return z.std() / z.mean()  # STDEVP/AVERAGE over the provinces with a number


_NATIVE = {
    "year": lambda e, c, year: year,
    "factor_trade": _factor,
    "factor_fie": _factor,
    "region": lambda e, c, year: REGIONS[c.province],
    "native_z": lambda e, c, year: "" if (c.province, year) in e.no_z else e.z(c.province, year),
    "native_region": _native_region,
    "native_cv": _native_cv,
}


# Whole blocks: what a worksheet function's array formula shows, by role.
def _index_block(e: _Engine, c, out):
    column = c.role.removeprefix("udf_")
    gaps = {"trade_index": e.missing["trade"], "invest_index": e.missing["fie"]}.get(column, e.no_z)
    for i, p in enumerate(REGIONS):
        for j, y in enumerate(e.years):
            out[c.row + i, c.col + j] = "#MISSING" if (p, y) in gaps else e.index.at[(p, y), column]


def _disparity_row(e: _Engine, c, out):
    column = c.role.removeprefix("udf_")
    for j, y in enumerate(e.years):  # a marker in a year's column passes on to the year
        out[c.row, c.col + j] = "#MISSING" if y in e.blank_years else e.dis.at[y, column]


def _series_column(e: _Engine, c, out):
    kernel = growth.cagr if c.role == "udf_growth_rate" else growth.annual_change
    for i, p in enumerate(REGIONS):  # a marker anywhere in the series passes on to its result
        z = [e.z(p, y) for y in e.years]
        missing = any((p, y) in e.no_z for y in e.years)
        out[c.row + i, c.col] = "#MISSING" if missing else float(kernel(z, e.years))


def _fill_gaps_block(e: _Engine, c, out):
    trade = e.data["trade"].loc[list(REGIONS), e.years].to_numpy()
    filled, _ = fill_interior(trade, e.years)
    for (i, j), v in np.ndenumerate(filled):
        out[c.row + i, c.col + j] = v


def _version(e: _Engine, c, out):
    out[c.row, c.col] = f"yangtze-opening {addin.__version__} (xlwings {xlwings.__version__})"


_FUNCTIONS = {
    "udf_trade_index": _index_block,
    "udf_invest_index": _index_block,
    "udf_open_index": _index_block,
    "udf_growth_rate": _series_column,
    "udf_annual_change": _series_column,
    "udf_fill_gaps": _fill_gaps_block,
    "udf_yangtze_version": _version,
}


def _expected(data: dict[str, pd.DataFrame], blanks=()) -> dict[tuple[int, int], object]:
    """The number (or text) every formula cell should show, from the engine's tables and the
    units; ``blanks`` are the province-years without trade or FIE input."""
    e = _Engine(data, blanks)
    cells, _ = formulas_sheet.plan(REGIONS, len(e.years))
    out: dict[tuple[int, int], object] = {}
    for c in cells:
        if c.role in _NATIVE:
            year = e.years[c.year_index] if c.year_index is not None else None
            out[c.row, c.col] = _NATIVE[c.role](e, c, year)
        elif c.role in _FUNCTIONS:
            _FUNCTIONS[c.role](e, c, out)
        elif c.role.removeprefix("udf_") in e.dis.columns:  # a disparity measure's column
            _disparity_row(e, c, out)
        else:
            raise AssertionError(f"a Formulas role this test does not know: {c.role}")
    return out


def _compare(got: dict, want: dict) -> int:
    """Assert every planned cell shows what it should; return how many were compared."""
    assert set(got) == set(want)
    wrong = []
    for key, expected in want.items():
        value = got[key]
        if isinstance(expected, str):
            ok = isinstance(value, str) and not isinstance(value, XlError) and value == expected
        else:
            ok = (
                isinstance(value, (int, float, np.number))
                and not isinstance(value, bool)
                and math.isclose(float(value), float(expected), rel_tol=REL, abs_tol=0)
            )
        if not ok:
            wrong.append((f"Formulas!{layout.address(*key)}", value, expected))
    assert not wrong, f"{len(wrong)} cells differ (cell, formulas, engine): {wrong[:8]}"
    return len(want)


def _planned_cells() -> int:
    cells, _ = formulas_sheet.plan(REGIONS, _n_years())
    return sum((c.last[0] - c.row + 1) * (c.last[1] - c.col + 1) if c.last else 1 for c in cells)


# --------------------------------------------------------------------- the tests


@pytest.mark.slow
def test_every_formula_gives_the_engines_number(tmp_path, udf_log):
    data = {k: v.copy() for k, v in example_dataset().items()}
    for key, province, year in BLANKS:
        assert np.isnan(data[key].at[province, year]), "the example data's blank cells moved"
        data[key].at[province, year] = FILL[key]
    assert not any(frame.isna().any().any() for frame in data.values())

    got = _evaluate(make_book(tmp_path / "filled.xlsm", data), udf_log)
    compared = _compare(got, _expected(data))
    assert compared == _planned_cells() == 1661 + 2 * 11 + 11 * 30 + 1 + 30  # + ATKINSON_INDEX


@pytest.mark.slow
def test_blank_inputs_show_blank_and_missing(tmp_path, udf_log):
    data = example_dataset()
    assert {(k, p, y) for k, p, y in BLANKS if np.isnan(data[k].at[p, y])} == set(BLANKS)

    got = _evaluate(make_book(tmp_path / "example.xlsm", data), udf_log)
    want = _expected(data, BLANKS)
    shown = Counter(v for v in want.values() if isinstance(v, str) and v in ("", "#MISSING"))
    # Z of the two province-years; T, I and Z of their functions; 5 disparity rows × 2 years
    # (CV, plain CV, Gini, Theil T, Atkinson ε=0.5); GROWTH_RATE and ANNUAL_CHANGE of the two
    # provinces.
    assert shown == {"": 2, "#MISSING": 1 + 1 + 2 + 5 * 2 + 2 * 2}
    assert _compare(got, want) == _planned_cells()
