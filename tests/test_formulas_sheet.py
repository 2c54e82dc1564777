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
from addin.workbook import formulas_sheet, layout

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


def _expected(data: dict[str, pd.DataFrame], blanks=()) -> dict[tuple[int, int], object]:
    """The number (or text) every formula cell should show, from the engine's tables and the
    units; ``blanks`` are the province-years without trade or FIE input."""
    tables = engine_tables(data)
    years = list(data["trade"].columns)
    index = tables.index.set_index(["province", "year"])
    dis = tables.disparity.set_index("year")
    fx = data["fx"].iloc[0]
    missing = {key: {(p, y) for k, p, y in blanks if k == key} for key in ("trade", "fie")}
    no_z = missing["trade"] | missing["fie"]
    blank_years = {y for _, y in no_z}

    cells, _ = formulas_sheet.plan(REGIONS, len(years))
    out: dict[tuple[int, int], object] = {}
    for c in cells:
        year = years[c.year_index] if c.year_index is not None else None
        if c.role == "year":
            out[c.row, c.col] = year
        elif c.role in ("factor_trade", "factor_fie"):
            key = c.role.removeprefix("factor_")  # USD amount → 亿元: CNY/USD × scale ratio
            out[c.row, c.col] = fx[year] * SCALE[key] / SCALE["gdp"]
        elif c.role == "region":
            out[c.row, c.col] = REGIONS[c.province]
        elif c.role == "native_z":
            out[c.row, c.col] = (
                "" if (c.province, year) in no_z else index.at[(c.province, year), "open_index"]
            )
        elif c.role == "native_region":
            z = [
                index.at[(p, year), "open_index"]
                for p, r in REGIONS.items()
                if r == c.province and (p, year) not in no_z
            ]
            out[c.row, c.col] = sum(z) / len(z)
        elif c.role == "native_cv":
            if year in blank_years:  # STDEVP/AVERAGE over the provinces with a number
                z = np.array(
                    [index.at[(p, year), "open_index"] for p in REGIONS if (p, year) not in no_z]
                )
                out[c.row, c.col] = z.std() / z.mean()
            else:
                out[c.row, c.col] = dis.at[year, "cv_plain"]
        elif c.role in ("udf_trade_index", "udf_invest_index", "udf_open_index"):
            column = c.role.removeprefix("udf_")
            gaps = {
                "trade_index": missing["trade"],
                "invest_index": missing["fie"],
                "open_index": no_z,
            }[column]
            for i, p in enumerate(REGIONS):
                for j, y in enumerate(years):
                    out[c.row + i, c.col + j] = (
                        "#MISSING" if (p, y) in gaps else index.at[(p, y), column]
                    )
        elif c.role.removeprefix("udf_") in dis.columns:  # a disparity measure's column
            column = c.role.removeprefix("udf_")
            for j, y in enumerate(years):  # a marker in a year's column passes on to the year
                out[c.row, c.col + j] = "#MISSING" if y in blank_years else dis.at[y, column]
        elif c.role in ("udf_growth_rate", "udf_annual_change"):
            kernel = growth.cagr if c.role == "udf_growth_rate" else growth.annual_change
            for i, p in enumerate(
                REGIONS
            ):  # a marker anywhere in the series passes on to its result
                z = [index.at[(p, y), "open_index"] for y in years]
                out[c.row + i, c.col] = (
                    "#MISSING" if any((p, y) in no_z for y in years) else float(kernel(z, years))
                )
        elif c.role == "udf_fill_gaps":
            filled, _ = fill_interior(data["trade"].loc[list(REGIONS), years].to_numpy(), years)
            for i in range(len(REGIONS)):
                for j in range(len(years)):
                    out[c.row + i, c.col + j] = filled[i, j]
        elif c.role == "udf_yangtze_version":
            out[c.row, c.col] = (
                f"yangtze-opening {addin.__version__} (xlwings {xlwings.__version__})"
            )
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
