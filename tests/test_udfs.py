"""Tests of the worksheet functions in yangtze_udf, with inputs shaped as xlwings hands them.

Direct calls pass what the functions' converter hands over (raw COM values: rows of
values, None for blanks, VT_ERROR ints for error cells; plain Python values too);
``tests/test_call_udf.py`` starts one step earlier and drives xlwings' own ``CallUDF``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import addin
import yangtze_udf as udf
from addin.core import disparity, growth, indices
from addin.core.gaps import fill_interior
from addin.excel import args as excel_args
from addin.excel.registration import register

NA_COM = -2146826246  # #N/A as COM hands it over
SPILL_COM = -2146826243  # #SPILL!, a VT_ERROR int like every error value
MARKERS = {m for m in excel_args.MARKER_TABLE if m}


def rows(a) -> list[list]:
    return np.asarray(a, dtype=float).tolist()


def assert_matches(out, values, problems=None):
    """``out`` (a UDF result) shows ``values`` where finite and a marker elsewhere."""
    values = np.atleast_2d(np.asarray(values, dtype=float))
    out = out if isinstance(out, list) else [[out]]
    assert np.shape(out) == values.shape
    for got_row, want_row in zip(out, values, strict=True):
        for got, want in zip(got_row, want_row, strict=True):
            if np.isfinite(want):
                assert got == pytest.approx(want, rel=1e-12, abs=0)
            else:
                assert got in MARKERS


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(20240601)


# --- the index functions -----------------------------------------------------------------


def test_trade_index_hand_computed():
    # 万美元 trade against 亿元 GDP at 6.7261 CNY/USD: rate = 6.7261 / 10000.
    # 36895065.2 × 0.00067261 = 24815.99 亿元; 24815.99² / 17165.98 = 35875.22 亿元
    assert udf.TRADE_INDEX(36895065.2, 17165.98, 0.00067261) == pytest.approx(35875.22, abs=0.005)
    assert udf.TRADE_INDEX([[36895065.2]], [[17165.98]], [[0.00067261]]) == pytest.approx(
        35875.222385, rel=1e-9
    )
    assert udf.TRADE_INDEX(300.0, 100.0) == 900.0  # no rate: same unit


def test_invest_and_open_index_hand_computed():
    assert udf.INVEST_INDEX(200.0, 50.0, 0.5) == 200.0  # (0.5 × 200)² / 50
    # T = (0.5 × 100)² / 50 = 50, I = (0.25 × 200)² / 50 = 50, Z = √(50 × 50) = 50
    assert udf.OPEN_INDEX(100.0, 200.0, 50.0, 0.5, 0.25) == pytest.approx(50.0)
    assert udf.OPEN_INDEX(100.0, 200.0, 50.0) == pytest.approx(400.0)  # 100 × 200 / 50


def test_index_functions_equal_the_kernels(rng):
    trade, fie, gdp = (rng.uniform(1, 1e5, (11, 30)) for _ in range(3))
    fx = rng.uniform(6, 8.7, (1, 30))
    got = udf.OPEN_INDEX(rows(trade), rows(fie), rows(gdp), rows(fx / 10000), rows(fx / 100))
    want = indices.open_index(trade, fie, gdp, fx / 10000, fx / 100)
    assert_matches(got, want.values)
    assert_matches(
        udf.TRADE_INDEX(rows(trade), rows(gdp), rows(fx / 10000)),
        indices.trade_index(trade, gdp, fx / 10000).values,
    )
    assert_matches(
        udf.INVEST_INDEX(rows(fie), rows(gdp), rows(fx / 100)),
        indices.invest_index(fie, gdp, fx / 100).values,
    )


def test_a_row_of_rates_applies_to_every_province(rng):
    trade, gdp = rng.uniform(1, 100, (11, 30)), rng.uniform(1, 100, (11, 30))
    fx = rng.uniform(6, 8.7, 30)
    block = udf.TRADE_INDEX(rows(trade), rows(gdp), [fx.tolist()])
    for i in (0, 5, 10):
        assert block[i] == udf.TRADE_INDEX([trade[i].tolist()], [gdp[i].tolist()], [fx.tolist()])[0]
    # a single cell, a single column
    assert udf.TRADE_INDEX(rows(trade), rows(gdp), [[2.0]]) == udf.TRADE_INDEX(
        rows(trade), rows(gdp), rows(np.full((11, 30), 2.0))
    )
    col = rng.uniform(1, 2, (11, 1))
    assert udf.TRADE_INDEX(rows(trade), rows(gdp), rows(col)) == udf.TRADE_INDEX(
        rows(trade), rows(gdp), rows(np.tile(col, 30))
    )


def test_rows_columns_and_cells_keep_their_shape():
    assert np.shape(udf.TRADE_INDEX([[1.0, 2.0, 3.0]], [[1.0]])) == (1, 3)
    assert np.shape(udf.TRADE_INDEX([[1.0], [2.0], [3.0]], [[1.0]])) == (3, 1)
    assert isinstance(udf.TRADE_INDEX([[2.0]], [[1.0]]), float)


def test_one_bad_cell_does_not_spoil_the_block():
    trade = [
        [100.0, None, "12,345", True],
        ["#N/A", SPILL_COM, dt.datetime(2005, 1, 1), -5.0],
        [100.0, 100.0, 100.0, "#GDP<=0"],
    ]
    gdp = [[50.0, 50.0, 50.0, 50.0], [50.0, 50.0, 50.0, 50.0], [0.0, -1.0, None, 50.0]]
    rate = [[1.0, 1.0, 0.0, 1.0]]
    assert udf.TRADE_INDEX(trade, gdp, rate) == [
        [200.0, "#MISSING", "#RATE<=0", "#TEXT"],  # "12,345" is the number 12345
        ["#ERROR", "#ERROR", "#TEXT", "#NEGATIVE"],
        ["#GDP<=0", "#GDP<=0", "#RATE<=0", "#GDP<=0"],
    ]


def test_a_blank_rate_is_missing_not_one():
    assert udf.TRADE_INDEX(10.0, 1.0, [[None]]) == "#MISSING"
    assert udf.TRADE_INDEX(10.0, 1.0, None) == 100.0  # argument left out


def test_upstream_markers_pass_through():
    z = udf.OPEN_INDEX([[1.0, None, 1.0]], [[1.0, 1.0, 1.0]], [[1.0, 0.0, 0.0]])
    assert z == [[1.0, "#GDP<=0", "#GDP<=0"]]  # larger codes win: GDP<=0 over MISSING
    z = udf.OPEN_INDEX([[1.0, None]], [[1.0, 1.0]], [[1.0, 1.0]])
    assert z == [[1.0, "#MISSING"]]
    # feeding one function's output into another keeps the marker
    assert udf.TRADE_INDEX(z, [[1.0, 1.0]]) == [[1.0, "#MISSING"]]
    assert udf.OPEN_INDEX("#GDP<=0", 1.0, 1.0) == "#GDP<=0"
    assert udf.TRADE_INDEX("#ERROR", 1.0) == "#ERROR"


@pytest.mark.parametrize(
    ("call", "where"),
    [
        (
            lambda: udf.TRADE_INDEX(np.ones((11, 30)).tolist(), np.ones((11, 29)).tolist()),
            "argument gdp: is 11×29",
        ),
        (
            lambda: udf.INVEST_INDEX(
                np.ones((11, 30)).tolist(), np.ones((11, 30)).tolist(), np.ones((1, 29)).tolist()
            ),
            "argument to_gdp_unit: is 1×29",
        ),
        (
            lambda: udf.OPEN_INDEX(
                np.ones((11, 30)).tolist(), 1.0, 1.0, 1.0, np.ones((10, 1)).tolist()
            ),
            "argument fie_to_gdp_unit: is 10×1",
        ),
        (
            lambda: udf.TRADE_INDEX(np.ones((11, 1)).tolist(), np.ones((1, 30)).tolist()),
            "argument gdp: is 1×30",
        ),
        (
            lambda: udf.TRADE_INDEX([[1.0, 2.0], [3.0]], 1.0),
            "argument trade: rows of different lengths",
        ),
    ],
)
def test_shapes_that_cannot_combine_give_one_line_naming_the_argument(call, where):
    message = call()  # one line of text in the cell, not an exception
    assert isinstance(message, str) and message.startswith(where)
    assert "\n" not in message


# --- disparity --------------------------------------------------------------------------


def test_weighted_cv_hand_computed():
    assert udf.WEIGHTED_CV([[1.0], [2.0], [3.0]]) == pytest.approx(math.sqrt(2 / 3) / 2)  # 0.40825
    # p = (.25, .25, .5); u = 2: √(.25·1 + 0 + .5·1) / 2 = 0.43301
    assert udf.WEIGHTED_CV([[1.0], [2.0], [3.0]], [[1.0], [1.0], [2.0]]) == pytest.approx(
        math.sqrt(0.75) / 2
    )
    # weighted centre u = 2.25: √(.25·1.5625 + .25·0.0625 + .5·0.5625) / 2.25 = 0.36851
    assert udf.WEIGHTED_CV(
        [[1.0], [2.0], [3.0]], [[1.0], [1.0], [2.0]], "weighted"
    ) == pytest.approx(math.sqrt(0.6875) / 2.25)


def test_disparity_block_gives_one_row_and_equals_the_kernels(rng):
    z, pop = rng.uniform(0.01, 20, (11, 30)), rng.uniform(500, 9000, (11, 30))
    for centre in ("mean", "weighted"):
        got = udf.WEIGHTED_CV(rows(z), rows(pop), centre)
        assert np.shape(got) == (1, 30)
        assert_matches(got, disparity.weighted_cv(z, pop, centre).values[None, :])
    for kind in ("T", "L"):
        assert_matches(
            udf.THEIL_INDEX(rows(z), rows(pop), kind),
            disparity.theil(z, pop, kind=kind).total[None, :],
        )
    assert_matches(udf.GINI_INDEX(rows(z), rows(pop)), disparity.gini(z, pop).values[None, :])
    assert_matches(udf.GINI_INDEX(rows(z)), disparity.gini(z).values[None, :])


def test_one_column_of_weights_serves_every_period(rng):
    z, pop = rng.uniform(0.01, 20, (11, 30)), rng.uniform(500, 9000, (11, 1))
    for fn in (udf.WEIGHTED_CV, udf.THEIL_INDEX, udf.GINI_INDEX):
        assert fn(rows(z), rows(pop)) == fn(rows(z), rows(np.tile(pop, 30)))


def test_theil_and_gini_hand_computed():
    # μ = 2, s = (.25, .75): T = .25 ln .5 + .75 ln 1.5
    assert udf.THEIL_INDEX([[1.0], [3.0]]) == pytest.approx(
        0.25 * math.log(0.5) + 0.75 * math.log(1.5)
    )
    assert udf.THEIL_INDEX([[1.0], [3.0]], None, "l") == pytest.approx(
        0.5 * math.log(2) + 0.5 * math.log(2 / 3)
    )
    assert udf.GINI_INDEX([[1.0], [3.0]]) == pytest.approx(0.25)  # (2 · .25 · 2) / (2 · 2)


def test_disparity_problems_stay_in_their_period():
    z = [
        [1.0, 1.0, 1.0, None, 0.0, 1.0],
        [2.0, "x", None, None, 0.0, 2.0],
        [3.0, 3.0, 3.0, None, 0.0, "#MISSING"],
    ]
    pop = [[1.0], [1.0], [2.0]]
    out = udf.WEIGHTED_CV(z, pop)
    assert out[0][1:] == [
        "#TEXT",
        pytest.approx(udf.WEIGHTED_CV([[1.0], [3.0]], [[1.0], [2.0]])),
        "#MISSING",
        "#UNDEFINED",
        "#MISSING",
    ]
    assert out[0][0] == udf.WEIGHTED_CV([[1.0], [2.0], [3.0]], pop)
    negative = udf.WEIGHTED_CV([[1.0, 1.0], [2.0, 2.0]], [[1.0, 1.0], [-1.0, 1.0]])
    assert negative == [["#NEGATIVE", pytest.approx(1 / 3)]]
    assert udf.GINI_INDEX([[1.0], [2.0]], [["#N/A"], [1.0]]) == "#ERROR"
    assert udf.THEIL_INDEX([[0.0], [2.0]], None, "L") == "#UNDEFINED"


def test_disparity_call_problems_give_one_line():
    assert re.match(
        "^argument centre: unknown centre", udf.WEIGHTED_CV([[1.0], [2.0]], None, "median")
    )
    assert re.match("^argument kind: ", udf.THEIL_INDEX([[1.0], [2.0]], None, "X"))
    assert re.match("^argument values: is 1×5", udf.WEIGHTED_CV([[1.0, 2.0, 3.0, 4.0, 5.0]]))
    assert re.match(
        "^argument weights: is 1×2", udf.GINI_INDEX([[1.0, 2.0], [3.0, 4.0]], [[1.0, 1.0]])
    )


# --- growth and gaps -----------------------------------------------------------------------


def test_growth_hand_computed():
    assert udf.GROWTH_RATE([[1.0, 2.0, 4.0]]) == pytest.approx(1.0)  # doubling every year
    assert udf.GROWTH_RATE([[1.0], [2.0], [4.0]]) == pytest.approx(
        1.0
    )  # a column is one series too
    assert udf.GROWTH_RATE([[1.0, 2.0, 3.0]], "MEAN_YOY") == pytest.approx(
        0.75
    )  # (100 % + 50 %) / 2
    assert udf.GROWTH_RATE([[1.0, 2.0, 4.0]], "loglinear") == pytest.approx(1.0)
    assert udf.GROWTH_RATE([[1.0, 2.0, 4.0]], "change") == pytest.approx(1.5)
    # Table 1, Shanghai: (17.225 − 0.277) / 29 = 0.584 (30 years, 1993–2022)
    shanghai = [[0.277] + [None] * 28 + [17.225]]
    assert udf.ANNUAL_CHANGE(shanghai) == pytest.approx(0.58441, abs=1e-5)


def test_growth_block_gives_one_value_per_row(rng):
    x = rng.uniform(0.5, 50, (11, 30))
    years = np.arange(30.0)
    for method in growth.METHODS:
        got = udf.GROWTH_RATE(rows(x), method)
        assert np.shape(got) == (11, 1)
        assert_matches(got, growth.growth_rate(x, years, method).values[:, None])
    assert_matches(udf.ANNUAL_CHANGE(rows(x)), growth.annual_change(x, years)[:, None])


def test_growth_problems_per_series():
    x = [[None, 1.0, 2.0], [1.0, "n/a", 2.0], [0.0, 1.0, 2.0], [1.0, 2.0, "#N/A"], [1.0, None, 4.0]]
    assert udf.GROWTH_RATE(x) == [
        ["#MISSING"],
        ["#TEXT"],
        ["#UNDEFINED"],
        ["#ERROR"],
        [pytest.approx(1.0)],
    ]
    assert udf.GROWTH_RATE([[1.0, None, 3.0, None]], "mean_yoy") == "#MISSING"
    assert udf.ANNUAL_CHANGE([[None, 1.0]]) == "#MISSING"
    assert re.match("^argument series: is one cell", udf.GROWTH_RATE(5.0))
    assert re.match(
        '^argument method: unknown method "cgar"', udf.GROWTH_RATE([[1.0, 2.0]], "cgar")
    )


def test_fill_gaps():
    assert udf.FILL_GAPS([[1.0, None, None, 4.0]]) == [[1.0, 2.0, 3.0, 4.0]]
    assert udf.FILL_GAPS([[1.0], [None], [3.0]]) == [[1.0], [2.0], [3.0]]
    assert udf.FILL_GAPS([[None, 1.0, None], [2.0, None, 4.0]]) == [
        ["#MISSING", 1.0, "#MISSING"],
        [2.0, 3.0, 4.0],
    ]
    # an upstream #MISSING is a gap; a text cell keeps its marker and is not filled across
    assert udf.FILL_GAPS([[1.0, "#MISSING", 3.0, None, "x", None, 7.0]]) == [
        [1.0, 2.0, 3.0, "#MISSING", "#TEXT", "#MISSING", 7.0]
    ]
    assert udf.FILL_GAPS(5.0) == 5.0
    # the one cell rule, as on the data sheets: a yearbook no-data mark is a gap that may be
    # filled, numeric text is its number, other text is never filled across
    assert udf.FILL_GAPS([[1000.0, "—", "…", "4,000", "n/a", None, 10.0]]) == [
        [1000.0, 2000.0, 3000.0, 4000.0, "#TEXT", "#MISSING", 10.0]
    ]


def test_fill_gaps_equals_the_kernel(rng):
    x = rng.uniform(1, 10, (11, 30))
    x[rng.random(x.shape) < 0.2] = np.nan
    filled, _ = fill_interior(x, np.arange(30.0))
    assert_matches(udf.FILL_GAPS(np.where(np.isnan(x), None, x).tolist()), filled)


def test_version():
    assert udf.YANGTZE_VERSION() == f"yangtze-opening {addin.__version__} (xlwings 0.37.8)"


def test_regenerate_tables_is_not_a_worksheet_function():
    assert callable(udf.regenerate_tables)
    assert "regenerate_tables" not in register().functions


# --- size ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_million_cells(rng):
    n = 1000
    trade, fie, gdp, pop = (rng.uniform(1, 1e4, (n, n)) for _ in range(4))
    fx = rng.uniform(6, 8.7, (1, n))
    trade_cells = rows(trade)
    trade_cells[3][7], trade_cells[500][2] = None, "n/a"
    args = [trade_cells, rows(fie), rows(gdp), rows(fx / 10000), rows(fx / 100)]
    z = udf.OPEN_INDEX(*args)
    want = indices.open_index(trade, fie, gdp, fx / 10000, fx / 100).values
    assert (z[3][7], z[500][2]) == ("#MISSING", "#TEXT")
    assert z[999][999] == pytest.approx(want[999, 999], rel=1e-12) and z[0][:5] == pytest.approx(
        want[0, :5].tolist()
    )

    cv = udf.WEIGHTED_CV(rows(trade), rows(pop))
    growth_rates = udf.GROWTH_RATE(rows(trade), "loglinear")
    filled = udf.FILL_GAPS(trade_cells)
    assert_matches(cv, disparity.weighted_cv(trade, pop).values[None, :])
    assert_matches(growth_rates, growth.loglinear(trade, np.arange(float(n)))[:, None])
    assert (
        filled[3][7] == pytest.approx((trade[3, 6] + trade[3, 8]) / 2) and filled[500][2] == "#TEXT"
    )


# --- never NaN, whatever comes in ------------------------------------------------------

cell = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6),
    st.none(),
    st.just(0.0),
    st.text(max_size=3),
    st.booleans(),
    st.sampled_from(sorted(MARKERS) + ["#N/A", "#REF!"]),
    st.just(NA_COM),
)


@st.composite
def blocks(draw):
    r, c = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    return [[draw(cell) for _ in range(c)] for _ in range(r)]


def flat(out):
    if not isinstance(out, list):
        return [out]
    return [v for row in out for v in row]


@settings(max_examples=150, deadline=None)
@given(blocks(), blocks())
def test_outputs_are_finite_numbers_or_markers(values, other):
    weights = [[abs(hash(str(row))) % 7 + 1.0] for row in values]
    results = [
        udf.OPEN_INDEX(values, values, other if np.shape(other) == np.shape(values) else 2.0),
        udf.WEIGHTED_CV(values, weights),
        udf.WEIGHTED_CV(values, None, "weighted"),
        udf.THEIL_INDEX(values, weights),
        udf.THEIL_INDEX(values, weights, "L"),
        udf.GINI_INDEX(values),
        udf.GROWTH_RATE(values),
        udf.GROWTH_RATE(values, "mean_yoy"),
        udf.GROWTH_RATE(values, "loglinear"),
        udf.ANNUAL_CHANGE(values),
        udf.FILL_GAPS(values),
    ]
    for out in results:
        for v in flat(out):
            assert (type(v) is float and math.isfinite(v)) or v in MARKERS, v


# --- the documentation ---------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs" / "functions.md"


def test_documented_worked_examples():
    # docs/functions.md: Shanghai 2005, 万美元 trade, 百万美元 FIE, 亿元 GDP, FX 8.1917
    trade, fie, gdp, fx = 18633673.79, 200670.0, 9247.66, 8.1917
    assert udf.INVEST_INDEX(fie, gdp, fx / 100) == pytest.approx(29220.06, abs=0.005)
    assert udf.OPEN_INDEX(trade, fie, gdp, fx / 10000, fx / 100) == pytest.approx(
        27132.96, abs=0.005
    )
    assert udf.OPEN_INDEX(trade, fie, gdp, 1 / 10000, 1 / 10000) == pytest.approx(4.04, abs=0.005)
    assert udf.TRADE_INDEX(36895065.2, 17165.98, 6.7261 / 10000) == pytest.approx(
        35875.22, abs=0.005
    )
    assert udf.WEIGHTED_CV([[1.0], [2.0], [3.0]], [[1.0], [1.0], [2.0]]) == pytest.approx(
        0.4330, abs=5e-5
    )
    assert udf.THEIL_INDEX([[1.0], [3.0]]) == pytest.approx(0.1308, abs=5e-5)


def test_docs_cover_every_function_and_marker():
    text = DOCS.read_text(encoding="utf-8")
    for name in register().functions:
        assert f"## {name}(" in text, name
    for marker in MARKERS:
        assert f"| `{marker}` |" in text, marker
    assert "macOS" in text and "Regenerate" in text
