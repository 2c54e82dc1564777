"""Tests of addin.excel.args: xlwings-shaped cells → arrays + problem codes, and back."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.core import disparity, growth
from addin.core.cells import COM_ERROR_BASE, EXCEL_ERRORS, classify_cell
from addin.core.gaps import fill_interior
from addin.core.indices import trade_index
from addin.core.problems import MARKERS, Problem
from addin.errors import InputError
from addin.excel import args as ea

OK, MISSING, TEXT, ERROR = Problem.OK, Problem.MISSING, Problem.TEXT, Problem.ERROR_CELL
NA, SPILL = ea.ERROR_CODES["#N/A"], ea.ERROR_CODES["#SPILL!"]  # an error keeps which it was
NA_COM = -2146826246  # #N/A as COM hands it over (0x800A0000 + 2042)
SPILL_COM = -2146826243  # #SPILL!: not in xlwings 0.37.8's cell_errors, stays an int


def one(x):
    cells = ea.read([[x]], "x")
    return cells.values[0, 0], cells.problems[0, 0]


# --- read: one cell of each kind -------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (1.5, 1.5),
        (-2.0, -2.0),
        (0.0, 0.0),
        (7, 7.0),
        (np.float64(2.5), 2.5),
        (np.int64(3), 3.0),
        (Decimal("12.34"), 12.34),  # a currency-formatted cell through COM's Range.Value
        (float(NA_COM), float(NA_COM)),  # a float is a number even in the error range
    ],
)
def test_numbers_are_numbers(cell, value):
    assert one(cell) == (value, OK)


@pytest.mark.parametrize("cell", [None, "", float("nan")])
def test_blanks_are_nan_without_a_problem(cell):
    value, problem = one(cell)
    assert math.isnan(value) and problem == OK


@pytest.mark.parametrize(
    "cell",
    [
        "abc",
        "1,23",
        "12 34",
        "1.2.3",
        "inf",
        "nan",
        "n/a (see note)",
        "n/a",
        True,
        False,
        np.bool_(True),
        dt.datetime(2020, 1, 1),
        dt.date(2020, 1, 1),
        dt.time(12, 0),
        np.datetime64("2020-01-01"),
        object(),
    ],
)
def test_text_booleans_dates_are_text(cell):
    value, problem = one(cell)
    assert math.isnan(value) and problem == TEXT


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        ("1,234.5", 1234.5),
        ("36,895,065.2", 36895065.2),
        (" 12 ", 12.0),
        ("12", 12.0),
        ("1e3", 1000.0),
        ("３６８９５", 36895.0),  # full-width digits
        ("\u3000-7.5\u3000", -7.5),  # full-width spaces
    ],
)
def test_numeric_text_is_its_number_as_on_the_data_sheets(cell, number):
    """The one cell rule: the worksheet functions read numeric text as the tables do."""
    assert one(cell) == (number, OK)
    assert classify_cell(cell) == (number, "numeric-text")


@pytest.mark.parametrize("cell", ["—", "——", "…", "……", "...", "-", "－", "空", "NA", " 空 "])
def test_yearbook_no_data_marks_are_blanks(cell):
    value, problem = one(cell)
    assert math.isnan(value) and problem == OK


@pytest.mark.parametrize(
    ("cell", "error"),
    [
        *[(text, text) for text in ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NUM!", "#NAME?")],
        *[(text, text) for text in ("#NULL!", "#GETTING_DATA", "#SPILL!", "#CALC!")],
        (" #n/a ", "#N/A"),
        ("＃N/A", "#N/A"),  # full-width, as the cell rule reads text
        (NA_COM, "#N/A"),
        (SPILL_COM, "#SPILL!"),
        (COM_ERROR_BASE + 2050, "#CALC!"),
        ({"type": "Error", "basicValue": "#DIV/0!", "errorType": "Div0"}, "#DIV/0!"),
        ({"type": "Error", "errorType": "Ref"}, "#REF!"),  # Office.js without the text
    ],
)
def test_error_values_are_error_cells_that_know_their_error(cell, error):
    value, problem = one(cell)
    assert math.isnan(value) and ea.ERROR_OF_CODE[int(problem)] == error
    assert ea.MARKER_TABLE[problem] == "#ERROR"  # one marker for all on the classic route


def test_an_error_code_of_no_known_error_is_an_error_cell():
    assert one(COM_ERROR_BASE + 5)[1] == ERROR


@pytest.mark.parametrize("problem", [p for p in Problem if p != OK])
def test_our_markers_carry_their_code(problem):
    assert one(MARKERS[problem])[1] == problem


def test_undefined_marker_has_its_own_code():
    assert one("#UNDEFINED")[1] == ea.UNDEFINED == Problem.UNDEFINED
    assert ea.MARKER_TABLE[ea.UNDEFINED] == "#UNDEFINED"


# --- read: shapes ----------------------------------------------------------------------


def test_shapes_follow_xlwings():
    assert ea.read(3.0, "x").shape == (1, 1)
    assert ea.read([1.0, 2.0, 3.0], "x").shape == (1, 3)  # a flat list is one row, as in xlwings
    assert ea.read([[1.0], [2.0]], "x").shape == (2, 1)
    assert ea.read(((1.0, 2.0), (3.0, None)), "x").shape == (2, 2)  # COM hands tuples
    assert ea.read(np.arange(6.0).reshape(2, 3), "x").shape == (2, 3)
    assert ea.read(np.array([1, 2]), "x").shape == (1, 2)


@pytest.mark.parametrize("bad", [[[1.0, 2.0], [3.0]], [[1.0, "a"], [None]], [], [[]], [[[1.0]]]])
def test_bad_ranges_name_the_argument(bad):
    with pytest.raises(InputError, match="^argument gdp: "):
        ea.read(bad, "gdp")


def test_mixed_block_keeps_every_cell_apart():
    cells = ea.read(
        [[1.0, None, "x"], [True, "#N/A", 4], [dt.datetime(2001, 1, 1), "#GDP<=0", SPILL_COM]], "x"
    )
    np.testing.assert_array_equal(
        cells.problems, [[OK, OK, TEXT], [TEXT, NA, OK], [TEXT, 3, SPILL]]
    )
    np.testing.assert_array_equal(
        cells.values, [[1.0, np.nan, np.nan], [np.nan, np.nan, 4.0], [np.nan] * 3]
    )


# --- block_shape / elementwise ------------------------------------------------------


def cells(shape, name):
    return ea.Cells(np.ones(shape), np.zeros(shape, dtype=np.int8), name)


@pytest.mark.parametrize(
    "shapes",
    [
        [(11, 30), (11, 30)],
        [(11, 30), (1, 30)],
        [(11, 30), (11, 1)],
        [(11, 30), (1, 1)],
        [(1, 1), (1, 1)],
        [(1, 30), (1, 30), (1, 1)],
        [(11, 1), (11, 1), (1, 1)],
        [(11, 30), (1, 30), (11, 1), (1, 1)],
    ],
)
def test_shapes_that_combine(shapes):
    args = [cells(s, f"a{i}") for i, s in enumerate(shapes)]
    assert ea.block_shape(*args) == (max(s[0] for s in shapes), max(s[1] for s in shapes))


def test_a_row_and_a_column_do_not_make_a_block():
    with pytest.raises(InputError, match="argument rate: is 1×30 and argument trade is 11×1"):
        ea.block_shape(cells((11, 1), "trade"), cells((1, 30), "rate"))


@pytest.mark.parametrize(
    ("shape", "message"), [((3, 2), "is 3×2"), ((11, 29), "is 11×29"), ((2, 30), "is 2×30")]
)
def test_mismatch_names_the_argument(shape, message):
    with pytest.raises(InputError) as info:
        ea.block_shape(cells((11, 30), "trade"), cells(shape, "gdp"))
    text = str(info.value)
    assert text.startswith(f"argument gdp: {message} but argument trade is 11×30")
    assert "one row of 30, one column of 11, or one cell" in text and "\n" not in text


def test_elementwise_broadcasts_and_keeps_the_worst_input_problem():
    a = ea.read([[1.0, "x"], [3.0, 4.0]], "a")
    b = ea.read([["#N/A", 2.0]], "b")
    args = ea.elementwise(a, b)
    assert args["b"].shape == (2, 2)
    np.testing.assert_array_equal(args.problems, [[NA, TEXT], [NA, OK]])


# --- to_excel -------------------------------------------------------------------------


def test_to_excel_scalar_and_block():
    assert ea.to_excel(np.array([[2.5]]), np.array([[0]])) == 2.5
    assert type(ea.to_excel(np.array([[2.5]]), np.array([[0]]))) is float
    assert ea.to_excel(np.array([[np.nan]]), np.array([[Problem.NONPOSITIVE_GDP]])) == "#GDP<=0"
    out = ea.to_excel(np.array([[1.0, np.nan], [np.inf, 4.0]]), np.zeros((2, 2), dtype=np.int8))
    assert out == [[1.0, "#MISSING"], ["#MISSING", 4.0]]
    assert all(type(v) is float for v in (out[0][0], out[1][1]))


def test_to_excel_fallback_per_element():
    out = ea.to_excel(
        np.array([[np.nan, np.nan, 1.0]]),
        np.array([[0, TEXT, 0]]),
        np.array([[ea.UNDEFINED, 1, 1]]),
    )
    assert out == [["#UNDEFINED", "#TEXT", 1.0]]


# --- options ----------------------------------------------------------------------------


def test_option_is_case_insensitive_and_trimmed():
    assert ea.option(" Weighted ", "centre", ("mean", "weighted"), "mean") == "weighted"
    assert ea.option(None, "centre", ("mean", "weighted"), "mean") == "mean"
    assert ea.option("", "centre", ("mean", "weighted"), "mean") == "mean"
    assert ea.option("l", "kind", ("T", "L"), "T", case="upper") == "L"


@pytest.mark.parametrize("bad", ["median", 1.0, "#N/A", [["mean", "mean"]]])
def test_unknown_option_names_the_argument(bad):
    with pytest.raises(InputError, match="^argument centre: "):
        ea.option(bad, "centre", ("mean", "weighted"), "mean")


# --- periods / series / gaps ------------------------------------------------------------


def test_periods_marks_problem_columns_and_translates_the_kernels_reasons():
    values = ea.read([[1.0, 2.0, 3.0], [2.0, "x", 4.0], [3.0, 4.0, None]], "values")
    weights = ea.read([[1.0, 1.0, -1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], "weights")
    p = ea.periods(values, weights)
    np.testing.assert_array_equal(p.problems, [OK, TEXT, OK])  # what the cells held
    # the kernel names the negative weight; the text cell's marker comes first
    (got,) = p.result(disparity.weighted_cv(p.values, p.weights))  # one row
    assert got[0] == pytest.approx(math.sqrt(2 / 3) / 2) and got[1:] == ["#TEXT", "#NEGATIVE"]


def test_periods_shapes():
    values = ea.read(np.ones((3, 4)), "values")
    assert ea.periods(values, ea.read(np.ones((3, 1)), "weights")).weights.shape == (3, 4)
    assert ea.periods(values, ea.read([[2.0]], "weights")).weights.shape == (3, 4)
    for bad in (np.ones((1, 4)), np.ones((2, 4)), np.ones((3, 2))):
        with pytest.raises(InputError, match="^argument weights: "):
            ea.periods(values, ea.read(bad, "weights"))
    with pytest.raises(InputError, match="^argument values: is 1×4"):
        ea.periods(ea.read(np.ones((1, 4)), "values"), None)


def test_periods_without_a_region_with_value_and_weight_show_missing():
    p = ea.periods(
        ea.read([[1.0, None], [2.0, 3.0]], "values"), ea.read([[1.0, 1.0], [1.0, None]], "weights")
    )
    assert p.result(disparity.gini(p.values, p.weights)) == [[pytest.approx(1 / 6), "#MISSING"]]


def test_series_orientation():
    assert ea.series(ea.read(np.ones((1, 5)), "s")).values.shape == (1, 5)
    assert ea.series(ea.read(np.ones((5, 1)), "s")).values.shape == (1, 5)
    assert ea.series(ea.read(np.ones((3, 5)), "s")).values.shape == (3, 5)
    with pytest.raises(InputError, match="^argument series: is one cell"):
        ea.series(ea.read(1.0, "series"))


def test_series_translate_the_kernels_reasons():
    s = ea.series(ea.read([[None, 1.0, 2.0], [1.0, None, 2.0], [1.0, "x", None]], "s"))
    got = {m: s.result(growth.growth_rate(s.values, s.years, m)) for m in ("cagr", "mean_yoy")}
    assert got["cagr"] == [["#MISSING"], [pytest.approx(math.sqrt(2) - 1)], ["#TEXT"]]
    assert got["mean_yoy"] == [[1.0], ["#MISSING"], ["#TEXT"]]


def test_gaps_fill_only_between_numbers():
    g = ea.gaps(ea.read([[None, 1.0, None, 3.0, None, "x", None, 7.0, "#MISSING", 9.0, None]], "s"))
    np.testing.assert_array_equal(g.problems[0, [5, 8]], [TEXT, OK])  # #MISSING is a gap
    filled, was_filled = fill_interior(g.values, g.years, g.barriers)
    np.testing.assert_array_equal(
        was_filled, [[False, False, True, False, False, False, False, False, True, False, False]]
    )
    assert g.result(filled) == [
        ["#MISSING", 1.0, 2.0, 3.0, "#MISSING", "#TEXT", "#MISSING", 7.0, 8.0, 9.0, "#MISSING"]
    ]


# --- property tests ---------------------------------------------------------------------

markers = st.sampled_from([m for m in ea.MARKER_TABLE if m] + sorted(ea.ERROR_TEXTS))
cell = st.one_of(
    st.floats(allow_nan=True, allow_infinity=False, width=64),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(min_value=COM_ERROR_BASE - 2, max_value=COM_ERROR_BASE + 0xFFFF + 2),
    st.none(),
    st.text(max_size=6),
    st.text(alphabet="0123456789,.-+e ３，．　", max_size=8),
    st.floats(min_value=-1e12, max_value=1e12).map(lambda f: f" {f:,.2f}\u3000"),
    st.sampled_from(["—", "——", "…", "...", "-", "－", "空", "NA", "ＮＡ", "n/a", "5²"]),
    st.booleans(),
    markers,
)


def reference(value) -> tuple[float, int]:
    """The rule, element by element, written independently of excel_args."""
    if value is None or value == "" and isinstance(value, str):
        return math.nan, OK
    if isinstance(value, bool):
        return math.nan, TEXT
    if isinstance(value, int) and -2146828288 <= value <= -2146828288 + 0xFFFF:
        # a VT_ERROR code (COM hands numbers as floats, never ints): that error, if known
        known = EXCEL_ERRORS.get(value + 2146828288)
        return math.nan, ea.ERROR_CODES[known] if known else ERROR
    if isinstance(value, (int, float)):
        return float(value), OK
    codes = {MARKERS[p]: int(p) for p in Problem if p != OK}  # our markers: their own code
    if value in codes:
        return math.nan, codes[value]
    return reference_text(value)


NO_DATA = {"—", "——", "–", "-", "－", "--", "…", "……", "...", "......", "空", "NA", "na"}


def reference_text(text: str) -> tuple[float, int]:
    """The one cell rule for other text, written out without the add-in's code: numbers
    (ASCII or full-width digits, commas grouping thousands, spaces around) are read; the
    yearbooks' no-data marks are blanks; anything else is TEXT."""
    ascii_text = "".join(
        chr(ord(ch) - 0xFEE0) if "\uff01" <= ch <= "\uff5e" else " " if ch == "\u3000" else ch
        for ch in text
    ).strip()
    if ascii_text in NO_DATA or ascii_text == "":
        return math.nan, OK
    if ascii_text.upper() in ea.ERROR_TEXTS:  # an error's text, any case, spaces around
        return math.nan, ea.ERROR_CODES[ascii_text.upper()]
    parts = ascii_text.lstrip("+-").split(".")
    digits = parts[0].split(",")
    grouped = len(digits) == 1 or (
        1 <= len(digits[0]) <= 3 and all(len(g) == 3 and g.isdigit() for g in digits[1:])
    )
    plain = ascii_text.replace(",", "")
    try:
        number = float(plain)
    except ValueError:
        return math.nan, TEXT
    exponent_with_commas = "," in ascii_text and any(ch in "eE" for ch in ascii_text)
    exponent_with_commas |= "," in ascii_text.partition(".")[2]  # commas after the point
    if not grouped or exponent_with_commas or not all(ch in "0123456789+-.eE" for ch in plain):
        return math.nan, TEXT
    return number, OK


@st.composite
def blocks(draw):
    rows = draw(st.integers(1, 6))
    cols = draw(st.integers(1, 6))
    return [[draw(cell) for _ in range(cols)] for _ in range(rows)]


@settings(max_examples=200, deadline=None)
@given(blocks())
def test_read_matches_the_rule_everywhere(block):
    cells = ea.read(block, "x")
    expected = [[reference(v) for v in row] for row in block]
    np.testing.assert_array_equal(cells.problems, [[p for _, p in row] for row in expected])
    np.testing.assert_array_equal(cells.values, [[v for v, _ in row] for row in expected])


@settings(max_examples=200, deadline=None)
@given(blocks(), st.floats(min_value=0.01, max_value=1e6))
def test_markers_exactly_at_non_numbers_and_engine_numbers_elsewhere(block, gdp):
    args = ea.elementwise(ea.read(block, "trade"), ea.read(gdp, "gdp"))
    result = trade_index(args["trade"], args["gdp"])
    out = args.result(result.values, result.problems)
    out = out if isinstance(out, list) else [[out]]
    for row_in, row_out in zip(block, out, strict=True):
        for v, got in zip(row_in, row_out, strict=True):
            value, problem = reference(v)
            if problem != OK:
                assert got == ea.MARKER_TABLE[problem]
            elif math.isnan(value):
                assert got == "#MISSING"
            elif value < 0:
                assert got == "#NEGATIVE"
            else:
                expected = trade_index(value, gdp).values
                assert got == expected if np.isfinite(expected) else got == "#OVERFLOW"


def test_a_whole_column_of_labels_ends_where_its_values_do():
    """``MORAN_I(C:C, , A:A)``: the names of a whole column end at the last non-blank
    cell, as the values do (the used range on the classic route, every one of the
    1,048,576 rows on Office.js), so the counts match; a block keeps its blanks."""

    used = (("Hubei",), ("Hunan",), (None,), (None,))
    assert ea.texts(ea.Reference(used, True, False), "regions") == ["Hubei", "Hunan"]
    whole = [["Hubei"], [3.0], *[[None]] * (ea.SHEET_ROWS - 2)]
    assert ea.texts(whole, "regions") == ["Hubei", "3"]
    assert ea.texts(used, "regions") == ["Hubei", "Hunan", "", ""]
