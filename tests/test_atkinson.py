"""The Atkinson index end to end: the kernel against hand values and pysal `inequality`,
the Settings row, the Disparity columns and chart, the worksheet function.

pysal `inequality` (``inequality.atkinson.atkinson``, unweighted) is the independent
reference; weights are checked against it by repeating each value as often as its
(integer) weight says, which is what a population weight means.
"""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import yangtze_udf as udf
from addin.cli import main
from addin.core.disparity import atkinson
from addin.errors import InputError
from addin.panel import measures
from addin.panel.example import example_dataset
from addin.panel.options import Options
from addin.workbook import layout
from addin.workbook.render import chart_ranges, render
from addin.workbook.sheets import read_settings

from workbooks import engine_tables, make_book, read_table

pysal = pytest.importorskip("inequality.atkinson", reason="pysal inequality is not installed")

EPSILONS = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0)


# --------------------------------------------------------------------- hand values


@pytest.mark.parametrize(
    "epsilon, expected",
    [
        (0.0, 0.0),  # no aversion: the power mean of order 1 is the mean
        (0.5, 0.1),  # 1 − ((√1 + √4)/2)² / 2.5 = 1 − 2.25/2.5
        (1.0, 0.2),  # 1 − geometric mean 2 / mean 2.5
        (2.0, 0.36),  # harmonic mean 2/(1 + 1/4) = 1.6; 1 − 1.6/2.5
    ],
)
def test_two_regions_by_hand(epsilon, expected):
    assert atkinson([1.0, 4.0], epsilon=epsilon).values == pytest.approx(expected, abs=1e-15)


def test_weights_by_hand_geometric_mean():
    # values 1 and 4, populations 3 and 1: μ = (3·1 + 1·4)/4 = 1.75,
    # geometric mean = 1^(3/4) · 4^(1/4) = √2, so A₁ = 1 − √2/1.75
    assert atkinson([1.0, 4.0], [3.0, 1.0], 1.0).values == pytest.approx(1 - math.sqrt(2) / 1.75)
    # ε = 2: weighted harmonic mean 1/(¾·1 + ¼·¼) = 16/13; A₂ = 1 − (16/13)/1.75
    assert atkinson([1.0, 4.0], [3.0, 1.0], 2.0).values == pytest.approx(1 - (16 / 13) / 1.75)


def test_equal_values_have_no_inequality():
    for eps in EPSILONS:
        assert atkinson([2.0, 2.0, 2.0], [1.0, 5.0, 9.0], eps).values == pytest.approx(
            0.0, abs=1e-15
        )


# --------------------------------------------------------------------- pysal inequality


@pytest.mark.parametrize("epsilon", EPSILONS)
def test_unweighted_equals_pysal(epsilon):
    rng = np.random.default_rng(13)
    for _ in range(20):
        y = rng.lognormal(0.0, 1.0, size=rng.integers(2, 15))
        assert atkinson(y, epsilon=epsilon).values == pytest.approx(
            pysal.atkinson(y, epsilon), rel=1e-12
        )


@pytest.mark.parametrize("epsilon", EPSILONS)
def test_integer_weights_equal_pysal_on_repeated_values(epsilon):
    rng = np.random.default_rng(11)
    for _ in range(20):
        n = rng.integers(2, 9)
        y = rng.lognormal(0.0, 1.0, size=n)
        w = rng.integers(1, 6, size=n)
        assert atkinson(y, w, epsilon).values == pytest.approx(
            pysal.atkinson(np.repeat(y, w), epsilon), rel=1e-12
        )


@given(
    st.lists(st.floats(0.01, 1e4), min_size=2, max_size=12),
    st.sampled_from(EPSILONS),
    st.floats(0.001, 1000),
)
def test_unit_free_order_free_and_bounded(values, epsilon, scale):
    y = np.array(values)
    a = atkinson(y, epsilon=epsilon).values
    assert -1e-12 <= a < 1
    assert atkinson(y * scale, epsilon=epsilon).values == pytest.approx(a, abs=1e-9)
    assert atkinson(y[::-1], epsilon=epsilon).values == pytest.approx(a, abs=1e-12)


# --------------------------------------------------------------------- edge cases


def test_zero_value_gives_one_when_epsilon_is_at_least_one():
    # The power (geometric) mean of order 1 − ε ≤ 0 is 0 when a value is 0: the limit is 1.
    assert atkinson([0.0, 4.0], epsilon=1.0).values == 1.0
    assert atkinson([0.0, 4.0], epsilon=2.0).values == 1.0
    # ε = 0.5: ((0 + 2)/2)² / 2 = 1/2
    assert atkinson([0.0, 4.0], epsilon=0.5).values == pytest.approx(0.5)


def test_undefined_cases_are_nan():
    assert math.isnan(atkinson([-1.0, 4.0], epsilon=0.5).values)  # a negative value
    assert math.isnan(atkinson([0.0, 0.0], epsilon=0.5).values)  # zero mean
    assert math.isnan(atkinson([np.nan, np.nan], epsilon=0.5).values)  # nothing usable


def test_block_leaves_out_missing_values_per_period():
    block = np.array([[1.0, 1.0], [4.0, np.nan], [np.nan, 9.0]])
    pop = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, np.nan]])
    got = atkinson(block, pop, 1.0).values
    assert got[0] == pytest.approx(0.2)  # 1 and 4
    assert got[1] == pytest.approx(0.0)  # only the 1 has a value and a weight


def test_bad_epsilon_is_an_argument_error():
    with pytest.raises(InputError, match="epsilon"):
        atkinson([1.0, 2.0], epsilon=-0.5)


# --------------------------------------------------------------------- through the registry


def test_disparity_table_has_a_column_per_epsilon():
    from test_tables import make_panel

    from addin.panel.tables import compute_all

    panel = make_panel(Options(table1_years=(2000, 2003), atkinson_epsilons=(0.5, 1.0, 2.0)))
    tables = compute_all(panel)
    z = np.array([[0.4, 0.8, 2.4, 3.2], [0.2, 0.5, 60 / 70, 2.25], [0.05, 0.1, 0.24, 0.48]])
    pop = panel.wide("population").to_numpy()
    for eps in (0.5, 1.0, 2.0):
        np.testing.assert_allclose(
            tables.disparity[f"atkinson_{eps:g}"], atkinson(z, pop, eps).values, rtol=1e-12
        )
    blocks = {b.sheet: b for b in render(tables)}
    disparity = blocks[layout.DISPARITY]
    at = disparity.columns.index("atkinson_0.5")  # the measures' columns, side by side
    assert disparity.columns[at : at + 3] == ("atkinson_0.5", "atkinson_1", "atkinson_2")
    headers = disparity.rows[layout.OUT_HEADER_ROW - 1]
    assert headers[at : at + 3] == [
        "阿特金森指数 ε=0.5 Atkinson ε=0.5",
        "阿特金森指数 ε=1 Atkinson ε=1",
        "阿特金森指数 ε=2 Atkinson ε=2",
    ]
    # the chart keeps its number of series: the first ε stands for the measure
    (charted,) = [c for c in chart_ranges(list(blocks.values())) if c.sheet == layout.DISPARITY]
    col = layout.column_letter(disparity.columns.index("atkinson_0.5") + 1)
    assert len(charted.series) == len(layout.CHARTS[1].series) == 4
    assert charted.series[-1][1] == f"Disparity!${col}$5:${col}$8"


def test_settings_row_reads_a_list_of_epsilons():
    rows = [[None] * 4 for _ in range(30)]
    keys = [s.key for s in layout.SETTINGS_ROWS]
    r = layout.SETTINGS_FIRST_ROW + keys.index("atkinson_epsilons")
    rows[r - 1][0], rows[r - 1][2] = "atkinson_epsilons", "0.5, 1，2"
    assert read_settings(rows).atkinson_epsilons == (0.5, 1.0, 2.0)
    rows[r - 1][2] = 1  # a number cell
    assert read_settings(rows).atkinson_epsilons == (1.0,)
    default = layout.SETTINGS_ROWS[keys.index("atkinson_epsilons")].default
    assert default == "0.5" and Options().atkinson_epsilons == (0.5,)


def test_worksheet_function():
    assert udf.ATKINSON_INDEX([[1.0], [4.0]]) == pytest.approx(0.1)  # default ε = 0.5
    assert udf.ATKINSON_INDEX([[1.0], [4.0]], None, [[1.0]]) == pytest.approx(0.2)
    assert udf.ATKINSON_INDEX([[1.0], [4.0]], [[3.0], [1.0]], 1) == pytest.approx(
        1 - math.sqrt(2) / 1.75
    )
    assert udf.ATKINSON_INDEX([[1.0], [-4.0]]) == "#UNDEFINED"
    assert udf.ATKINSON_INDEX.__doc__ == measures.ATKINSON_INDEX.help


def test_a_workbook_regenerates_with_the_epsilons_of_its_settings(tmp_path):
    """End to end through a file: Settings › Atkinson ε = "0.5, 1, 2" on the template
    gives three Atkinson columns on Disparity with the kernel's numbers, and the chart's
    Atkinson series points at the first."""
    path = make_book(tmp_path / "book.xlsm")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    settings = wb[layout.SETTINGS]
    (row,) = [r for r in range(1, 40) if settings.cell(r, 1).value == "atkinson_epsilons"]
    settings.cell(row, 3, "0.5, 1, 2")
    wb.save(path)
    wb.close()
    assert main(["regenerate", str(path)]) == 0

    got = read_table(path, layout.DISPARITY)
    want = engine_tables(example_dataset(), Options(atkinson_epsilons=(0.5, 1.0, 2.0))).disparity
    for eps in ("0.5", "1", "2"):
        header = f"阿特金森指数 ε={eps} Atkinson ε={eps}"
        np.testing.assert_allclose(
            got[header].astype(float), want[f"atkinson_{eps}"], rtol=1e-12, err_msg=header
        )
    charts = openpyxl.load_workbook(path)[layout.DISPARITY]._charts
    refs = [s.val.numRef.f for s in charts[0].series]
    col = layout.column_letter(list(got.columns).index("阿特金森指数 ε=0.5 Atkinson ε=0.5") + 1)
    assert refs[-1].endswith(f"${col}$5:${col}$34")
