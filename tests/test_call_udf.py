"""Every worksheet function through xlwings 0.37.8's own call path, as Excel calls it.

``XLPython.CallUDF`` → ``udfs.call_udf`` → the functions' converter → the function →
``CallUDF``'s flattening, with pywin32 stood in and a worksheet whose Range answers
``.Value`` as COM does (``tests/xlwings_com.py``). Expected values come from the kernels
called directly on float arrays, or from hand computation.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import sys

import numpy as np
import pytest

import yangtze_udf
from addin.core import disparity, growth, indices
from tests.xlwings_com import COM_MISSING, FakeRange, FakeSheet, com_error_value, com_path

NA = com_error_value("#N/A")
SPILL = com_error_value("#SPILL!")


@pytest.fixture(scope="module")
def excel():
    had_pywin32 = "pythoncom" in sys.modules
    with com_path() as path:
        yield path
    # the stand-ins and the Windows-only xlwings modules are gone again
    assert ("pythoncom" in sys.modules) == had_pywin32
    assert "xlwings.com_server" not in sys.modules and "xlwings._xlwindows" not in sys.modules


@pytest.fixture
def data():
    """Trade in C5:E7, GDP in C10:E12, FX in C14:E14, population in G5:G7 of one sheet."""
    trade = [[100.0, 200.0, 300.0], [400.0, 500.0, 600.0], [700.0, 800.0, 900.0]]
    gdp = [[10.0, 20.0, 30.0], [40.0, 50.0, 60.0], [70.0, 80.0, 90.0]]
    sheet = FakeSheet.from_block(trade, top=5, left=3)
    sheet.cells.update(FakeSheet.from_block(gdp, top=10, left=3).cells)
    sheet.cells.update(FakeSheet.from_block([[2.0, 3.0, 4.0]], top=14, left=3).cells)
    sheet.cells.update(FakeSheet.from_block([[1.0], [2.0], [3.0]], top=5, left=7).cells)
    return sheet, np.array(trade), np.array(gdp)


def approx_rows(a):
    return [[pytest.approx(v, rel=1e-12) for v in row] for row in np.atleast_2d(a)]


# --- shapes: cell, row, column, block ------------------------------------------------------


def test_cell_row_column_block_come_back_as_callUDF_returns_them(excel, data):
    sheet, trade, gdp = data
    want = indices.trade_index(trade, gdp, 1.0).values
    assert excel.call("TRADE_INDEX", sheet.Range("C5"), sheet.Range("C10"), COM_MISSING) == (
        pytest.approx(want[0, 0])
    )
    # one row comes back flat, a column and a block as rows
    row = excel.call("TRADE_INDEX", sheet.Range("C5:E5"), sheet.Range("C10:E10"), COM_MISSING)
    assert row == [pytest.approx(v) for v in want[0]]
    column = excel.call("TRADE_INDEX", sheet.Range("C5:C7"), sheet.Range("C10:C12"), COM_MISSING)
    assert column == approx_rows(want[:, :1])
    block = excel.call("TRADE_INDEX", sheet.Range("C5:E7"), sheet.Range("C10:E12"), COM_MISSING)
    assert block == approx_rows(want)


def test_literals_and_array_constants(excel):
    assert excel.call("TRADE_INDEX", 300.0, 100.0, COM_MISSING) == 900.0
    # an array constant {1,2;3,4} arrives as tuples of rows, {1,2} as a flat tuple
    assert excel.call("TRADE_INDEX", ((1.0, 2.0), (3.0, 4.0)), 1.0, COM_MISSING) == [
        [1.0, 4.0],
        [9.0, 16.0],
    ]
    assert excel.call("TRADE_INDEX", (1.0, 2.0), 1.0, COM_MISSING) == [1.0, 4.0]


def test_every_index_function_with_a_row_of_factors(excel, data):
    sheet, trade, gdp = data
    fx = np.array([[2.0, 3.0, 4.0]])
    t, f, g, r = (sheet.Range(a) for a in ("C5:E7", "C5:E7", "C10:E12", "C14:E14"))
    assert excel.call("TRADE_INDEX", t, g, r) == approx_rows(
        indices.trade_index(trade, gdp, fx).values
    )
    assert excel.call("INVEST_INDEX", f, g, r) == approx_rows(
        indices.invest_index(trade, gdp, fx).values
    )
    assert excel.call("OPEN_INDEX", t, f, g, r, COM_MISSING) == approx_rows(
        indices.open_index(trade, trade, gdp, fx, 1.0).values
    )


def test_every_disparity_function(excel, data):
    sheet, trade, _ = data
    pop = np.array([[1.0], [2.0], [3.0]])
    values, weights = sheet.Range("C5:E7"), sheet.Range("G5:G7")
    got = excel.call("WEIGHTED_CV", values, weights, COM_MISSING)
    assert got == [pytest.approx(v) for v in disparity.weighted_cv(trade, pop).values]
    got = excel.call("THEIL_INDEX", values, COM_MISSING, "l")
    assert got == [pytest.approx(v) for v in disparity.theil(trade, None, kind="L").total]
    got = excel.call("GINI_INDEX", sheet.Range("C5:C7"), weights)
    assert got == pytest.approx(disparity.gini(trade[:, :1], pop).values[0])
    epsilon = FakeSheet.from_block([[0.5, 2.0]], name="Settings")  # ε from a cell
    got = excel.call("ATKINSON_INDEX", values, weights, epsilon.Range("B1"))
    assert got == [pytest.approx(v) for v in disparity.atkinson(trade, pop, 2.0).values]
    # hand check: values 1, 2, 3 with weights 1, 1, 2 → √(¼ + ½) / 2
    assert excel.call(
        "WEIGHTED_CV", ((1.0,), (2.0,), (3.0,)), ((1.0,), (1.0,), (2.0,)), COM_MISSING
    ) == pytest.approx(math.sqrt(0.75) / 2)


def test_every_series_function(excel, data):
    sheet, trade, _ = data
    years = np.arange(3.0)
    assert excel.call("GROWTH_RATE", sheet.Range("C5:E5"), COM_MISSING) == pytest.approx(
        math.sqrt(3) - 1
    )
    got = excel.call("GROWTH_RATE", sheet.Range("C5:E7"), "MEAN_YOY")
    assert got == approx_rows(growth.growth_rate(trade, years, "mean_yoy").values[:, None])
    assert excel.call("ANNUAL_CHANGE", sheet.Range("C5:C7")) == pytest.approx(300.0)
    sheet.cells.pop((5, 4))  # D5 blank: FILL_GAPS fills it
    assert excel.call("FILL_GAPS", sheet.Range("C5:E5")) == [100.0, 200.0, 300.0]
    assert excel.call("YANGTZE_VERSION") == yangtze_udf.YANGTZE_VERSION()


def test_every_function_with_its_optional_arguments_omitted(excel):
    """Each function (from xlwings' own registration) over a 3 × 4 block of numbers, every
    optional argument left out as VBA leaves it out: a number or a block of numbers."""
    sheet = FakeSheet.from_block([[1.0, 2.0, 4.0, 8.0], [3.0, 5.0, 7.0, 9.0], [2.0, 2.0, 3.0, 5.0]])
    block = sheet.Range("A1:D3")
    for name, info in excel.module_functions().items():
        if name in LABELLED:  # other shapes, labels in the result: the next test
            continue
        required = [a for a in info["args"] if "optional" not in a]
        omitted = [COM_MISSING] * (len(info["args"]) - len(required))
        got = excel.call(name, *[block] * len(required), *omitted)
        if name == "YANGTZE_VERSION":
            assert got.startswith("yangtze-opening ")
            continue
        flat = np.ravel(got).tolist() if isinstance(got, list) else [got]
        assert flat and all(isinstance(v, float) for v in flat), (name, got)


#: Functions spilling labels beside values (issue 20), with the ranges of their required
#: arguments on the sheet of the test below (11 provinces × 4 years, groups in column F;
#: column D catches up with A, so A to D are perfectly correlated in logs: no Carree–Klomp).
LABELLED = {
    "SIGMA_CONVERGENCE": ("A1:C11",),
    "BETA_CONVERGENCE": ("A1:A11", "D1:D11", "E1"),
    "MORAN_I": ("D1:D11",),
    "BOOTSTRAP_CI": ("A1:D11",),
    "THEIL_BETWEEN_TEST": ("A1:D11", "E1:E11", "F1:F11"),
}


def test_labelled_functions_with_their_optional_arguments_omitted(excel):
    """The labelled functions through xlwings' call path, every optional argument left out:
    a label (text) then numbers on each row."""
    rng = np.random.default_rng(0)
    block = rng.lognormal(0, 1, (11, 4))
    block[:, 3] = 2 * np.sqrt(block[:, 0])  # the low ones catch up: β < 0, a half-life
    block = block.tolist()
    groups = ["D"] * 4 + ["M"] * 3 + ["U"] * 4
    sheet = FakeSheet.from_block([[*row, 3.0, g] for row, g in zip(block, groups)])
    functions = excel.module_functions()
    assert set(LABELLED) <= set(functions)
    for name, ranges in LABELLED.items():
        info = functions[name]
        required = [a for a in info["args"] if "optional" not in a]
        assert len(required) == len(ranges), name
        omitted = [COM_MISSING] * (len(info["args"]) - len(required))
        got = excel.call(name, *[sheet.Range(r) for r in ranges], *omitted)
        assert isinstance(got, list) and len(got) > 2, (name, got)
        for row in got:
            assert isinstance(row[0], str) and all(isinstance(v, float) for v in row[1:]), (
                name,
                row,
            )


# --- what a cell may hold ------------------------------------------------------------------


def test_blanks_text_errors_dates_booleans(excel):
    from decimal import Decimal

    sheet = FakeSheet.from_block(
        [[1.0, None, "abc", NA], [SPILL, dt.datetime(2005, 1, 1), True, Decimal("2.5")]]
    )
    got = excel.call("TRADE_INDEX", sheet.Range("A1:D2"), 1.0, COM_MISSING)
    assert got == [[1.0, "#MISSING", "#TEXT", "#ERROR"], ["#ERROR", "#TEXT", "#TEXT", 6.25]]
    # an aggregate: a blank is left out, an error cell marks the period
    assert excel.call("WEIGHTED_CV", sheet.Range("A1:A2"), COM_MISSING, COM_MISSING) == "#ERROR"
    assert excel.call("GROWTH_RATE", sheet.Range("A1:B1"), COM_MISSING) == "#MISSING"


def test_booleans_and_error_codes_among_numbers_only(excel):
    """The all-number shortcut must not take TRUE for 1 or an error code for a number."""
    sheet = FakeSheet.from_block([[2.0, True, 0.0, 1.0], [False, NA, 3.0, float(NA)]])
    got = excel.call("TRADE_INDEX", sheet.Range("A1:D2"), 1.0, COM_MISSING)
    # the float with an error code's value is a number (a negative amount), the int an error
    assert got == [[4.0, "#TEXT", 0.0, 1.0], ["#TEXT", "#ERROR", 9.0, "#NEGATIVE"]]


def test_a_blank_factor_cell_is_missing_an_omitted_one_is_one(excel):
    sheet = FakeSheet.from_block([[3.0]])
    assert excel.call("TRADE_INDEX", sheet.Range("A1"), 1.0, sheet.Range("B1")) == "#MISSING"
    assert excel.call("TRADE_INDEX", sheet.Range("A1"), 1.0, COM_MISSING) == 9.0
    # a blank option cell is the default
    assert excel.call("GROWTH_RATE", ((1.0, 2.0, 4.0),), sheet.Range("B1")) == pytest.approx(1.0)


def test_markers_from_another_function_pass_on(excel):
    sheet = FakeSheet.from_block([[1.0, "#GDP<=0"]])
    assert excel.call("TRADE_INDEX", sheet.Range("A1:B1"), 1.0, COM_MISSING) == [1.0, "#GDP<=0"]


ELEMENTWISE = ("TRADE_INDEX", "INVEST_INDEX", "OPEN_INDEX")
PER_PERIOD = ("WEIGHTED_CV", "THEIL_INDEX", "GINI_INDEX", "ATKINSON_INDEX")
PER_SERIES = ("GROWTH_RATE", "ANNUAL_CHANGE")
KINDS = {  # what the middle cell holds → the marker documented for it (None: a number)
    "text": ("abc", "#TEXT"),
    "error": (NA, "#ERROR"),
    "new error": (SPILL, "#ERROR"),
    "date": (dt.datetime(2005, 1, 1), "#TEXT"),
    "boolean": (True, "#TEXT"),
    "blank": (None, "blank"),
    "no-data mark": ("—", "blank"),  # the one cell rule: a yearbook's no-data mark is a blank
    "number as text": ("1,234.5", None),  # ... and numeric text is its number
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_function_and_every_kind_of_cell(excel, kind):
    """A 3 × 3 block of numbers whose middle cell holds ``kind``: the documented marker lands
    on that cell (cell-by-cell), its period (disparity) or its series (growth)."""
    value, marker = KINDS[kind]
    block = [[1.0, 2.0, 4.0], [3.0, value, 9.0], [2.0, 3.0, 5.0]]
    sheet = FakeSheet.from_block(block)
    rng = sheet.Range("A1:C3")
    for name in excel.module_functions():
        if name == "YANGTZE_VERSION" or name in LABELLED:  # labelled: the next test
            continue
        info = excel.module_functions()[name]
        required = sum("optional" not in a for a in info["args"])
        omitted = [COM_MISSING] * (len(info["args"]) - required)
        got = np.array(excel.call(name, *[rng] * required, *omitted), dtype=object)
        if name in ELEMENTWISE:
            middle, others = got[1, 1], np.delete(got.ravel(), 4)
            want = "#MISSING" if marker == "blank" else marker
        elif name in PER_PERIOD:
            middle, others = got[1], got[[0, 2]]  # the middle period
            want = None if marker == "blank" else marker
        elif name in PER_SERIES:
            middle, others = got[1, 0], got[[0, 2], 0]  # the middle series
            want = None if marker == "blank" else marker
        else:  # FILL_GAPS: the same shape; a blank between two numbers is filled
            assert name == "FILL_GAPS"
            middle, others = got[1, 1], np.delete(got.ravel(), 4)
            want = {"blank": 6.0, None: 1234.5}.get(marker, marker)  # (3 + 9) / 2
        assert all(isinstance(v, float) for v in others), (name, kind, got)
        if want is None:
            assert isinstance(middle, float), (name, kind, got)
        else:
            assert middle == want, (name, kind, got)


@pytest.mark.parametrize("kind", KINDS)
def test_a_labelled_function_marks_the_period_of_a_bad_cell(excel, kind):
    """BOOTSTRAP_CI over a 3 × 3 block whose middle cell holds ``kind``: the middle
    period's column shows the cell's marker (a blank: a number from the other regions)."""
    value, marker = KINDS[kind]
    sheet = FakeSheet.from_block([[1.0, 2.0, 4.0], [3.0, value, 9.0], [2.0, 3.0, 5.0]])
    got = excel.call("BOOTSTRAP_CI", sheet.Range("A1:C3"), *[COM_MISSING] * 5)
    assert [row[0] for row in got] == ["lower", "upper", "replicates"]
    for row in got:
        assert all(isinstance(v, float) for v in (row[1], row[3])), (kind, got)
        if marker in (None, "blank"):
            assert isinstance(row[2], float), (kind, got)
        elif row[0] != "replicates":
            assert row[2] == marker, (kind, got)


# --- whole columns and rows ------------------------------------------------------------------


def test_whole_columns_read_only_the_used_range_and_spill(excel):
    sheet = FakeSheet.from_block([[1.0, 10.0], [2.0, 10.0], [3.0, None]], top=5, left=3)
    sheet.cells[(20, 8)] = "a note far below"  # the used range reaches row 20
    got = excel.call("TRADE_INDEX", sheet.Range("C:C"), sheet.Range("D:D"), COM_MISSING)
    # rows 1-4 are blank (#MISSING); rows 5-7 line up; the note's rows are trimmed
    assert got == [["#MISSING"]] * 4 + [[0.1], [0.4], ["#MISSING"]]
    assert sheet.reads == 2 * 20  # two columns down to the used range, not 2 × 1,048,576


def test_a_range_down_to_the_last_row_is_open_ended_too(excel):
    sheet = FakeSheet.from_block([[2.0], [3.0]], top=5, left=3)
    got = excel.call("TRADE_INDEX", sheet.Range("C5:C1048576"), 1.0, COM_MISSING)
    assert got == [[4.0], [9.0]] and sheet.reads == 2


def test_whole_columns_on_two_sheets_line_up(excel):
    trade = FakeSheet.from_block([[1.0], [2.0], [3.0]], top=1, left=3, name="Trade")
    gdp = FakeSheet.from_block([[1.0], [1.0]], top=1, left=3, name="GDP")
    got = excel.call("TRADE_INDEX", trade.Range("C:C"), gdp.Range("C:C"), COM_MISSING)
    assert got == [[1.0], [4.0], ["#MISSING"]]


def test_series_from_a_whole_row_use_its_last_non_empty_cell(excel):
    sheet = FakeSheet.from_block([[None, None, 1.0, 2.0, 4.0]], top=5)
    sheet.cells[(9, 30)] = "note"  # used range wider than the row's data
    assert excel.call("GROWTH_RATE", sheet.Range("5:5"), COM_MISSING) == pytest.approx(1.0)
    assert excel.call("ANNUAL_CHANGE", sheet.Range("5:5")) == pytest.approx(1.5)
    column = FakeSheet.from_block([[None], [1.0], [3.0]])
    assert excel.call("ANNUAL_CHANGE", column.Range("A:A")) == pytest.approx(2.0)


def test_disparity_over_whole_columns(excel):
    sheet = FakeSheet.from_block([[1.0, 1.0], [2.0, 1.0], [3.0, 2.0]], top=1, left=1)
    got = excel.call("WEIGHTED_CV", sheet.Range("A:A"), sheet.Range("B:B"), COM_MISSING)
    assert got == pytest.approx(math.sqrt(0.75) / 2)


# --- errors: one line ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "start"),
    [
        ("TRADE_INDEX", ("C5:E7", "C10:D12", COM_MISSING), "argument gdp: is 3×2"),
        ("OPEN_INDEX", ("C5:E7", 1.0, 1.0, 1.0, "C5:C6"), "argument fie_to_gdp_unit: is 2×1"),
        (
            "WEIGHTED_CV",
            ("C5:E7", COM_MISSING, "median"),
            'argument centre: unknown centre "median"',
        ),
        ("THEIL_INDEX", ("C5:E5", COM_MISSING, COM_MISSING), "argument values: is 1×3"),
        ("GROWTH_RATE", ("C5", "cgar"), 'argument method: unknown method "cgar"'),
        ("FILL_GAPS", (((1.0,), (2.0, 3.0)),), "argument series: rows of different lengths"),
    ],
)
def test_a_bad_call_is_one_line_naming_the_argument(excel, data, name, args, start):
    sheet = data[0]
    args = [sheet.Range(a) if isinstance(a, str) and a[0] == "C" else a for a in args]
    got = excel.call(name, *args)
    assert isinstance(got, str) and got.startswith(start) and "\n" not in got


def test_every_function_answers_a_bad_call_with_one_line(excel):
    """Each registered function, first argument three-dimensional: one line naming it."""
    for name, info in excel.module_functions().items():
        if not info["args"]:
            continue
        rest = [COM_MISSING if "optional" in a else 1.0 for a in info["args"][1:]]
        got = excel.call(name, (((1.0,),),), *rest)
        first = info["args"][0]["name"]
        assert isinstance(got, str) and got.startswith(f"argument {first}: "), (name, got)
        assert "\n" not in got


def test_an_unexpected_exception_is_one_line_and_its_traceback_is_logged(
    excel, caplog, tmp_path, monkeypatch
):
    module = excel.module
    log_file = tmp_path / "yangtze_udf.log"
    monkeypatch.setattr(module, "LOG_FILE", log_file)
    original = module.indices.trade_index

    def broken(*args):
        raise ZeroDivisionError("division by zero\nsecond line")

    module.indices.trade_index = broken
    try:
        with caplog.at_level(logging.ERROR, logger="yangtze_udf"):
            got = excel.call("TRADE_INDEX", 1.0, 1.0, COM_MISSING)
    finally:
        module.indices.trade_index = original
    assert got == (
        f"internal error (ZeroDivisionError): division by zero second line; traceback in {log_file}"
    )
    assert "Traceback" in caplog.text and "ZeroDivisionError" in caplog.text
    for handler in module.logger.handlers:
        handler.flush()
    written = log_file.read_text(encoding="utf-8")
    assert "TRADE_INDEX failed" in written and "Traceback" in written
    for handler in list(module.logger.handlers):  # the module copy is the harness's own
        handler.close()
        module.logger.removeHandler(handler)


def test_a_range_excel_cannot_hand_over_is_one_line(excel):
    class Broken(FakeRange):
        @property
        def Value(self):  # noqa: N802 (COM name)
            raise MemoryError("out of memory")

    broken = Broken(FakeSheet(), 1, 1, 2, 2)
    got = excel.call("TRADE_INDEX", broken, 1.0, COM_MISSING)
    assert got == "argument trade: Excel could not hand the range over (MemoryError: out of memory)"


def test_chinese_text_survives_as_a_returned_string(excel):
    got = excel.call("GROWTH_RATE", ((1.0, 2.0),), "年均")
    assert got == 'argument method: unknown method "年均"; use cagr, mean_yoy, loglinear or change'


# --- the fast path gives the same numbers as the plain loop ---------------------------------


def test_a_large_block_matches_a_per_cell_loop(excel):
    rng = np.random.default_rng(7)
    trade, gdp = rng.uniform(1, 1e4, (200, 150)), rng.uniform(1, 1e4, (200, 150))
    sheet = FakeSheet.from_block(trade.tolist())
    sheet.cells.update(FakeSheet.from_block(gdp.tolist(), left=200).cells)
    got = excel.call("TRADE_INDEX", sheet.Range("A1:ET200"), sheet.Range("GR1:MK200"), 0.5)
    loop = [
        [(0.5 * t) * (0.5 * t) / g for t, g in zip(tr, gr, strict=True)]
        for tr, gr in zip(trade.tolist(), gdp.tolist(), strict=True)
    ]
    assert got == loop  # identical floats, not approximately
