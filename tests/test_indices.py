"""Tests of the T, I and Z kernels (addin.core.indices) and the problem codes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.core.indices import (
    IndexResult,
    composite_index,
    invest_index,
    open_index,
    scale_intensity_index,
    trade_index,
)
from addin.core.problems import DESCRIPTIONS, MARKERS, Problem, worst

# --- hand-checked values -----------------------------------------------------------------


def test_trade_invest_composite_by_hand() -> None:
    # trade 100, FIE 50, GDP 400 (one unit):
    # T = 100 · (100/400) = 25; I = 50 · (50/400) = 6.25; Z = √(25 · 6.25) = 12.5 = 100·50/400
    t = trade_index(100.0, 400.0)
    i = invest_index(50.0, 400.0)
    z = composite_index(t, i)
    assert float(t.values) == pytest.approx(25.0, rel=1e-15)
    assert float(i.values) == pytest.approx(6.25, rel=1e-15)
    assert float(z.values) == pytest.approx(12.5, rel=1e-15)
    assert int(z.problems) == Problem.OK
    assert float(open_index(100.0, 50.0, 400.0).values) == pytest.approx(12.5, rel=1e-15)


def test_conversion_factor_applies_to_the_amount_not_to_gdp() -> None:
    # 1000 万美元 at 6.7261 CNY/USD is 1000 · 6.7261e-4 = 0.67261 亿元;
    # against GDP 10 亿元: T = 0.67261² / 10 = 0.452404... / 10 = 0.0452404...
    t = trade_index(1000.0, 10.0, 6.7261e-4)
    assert float(t.values) == pytest.approx(0.67261**2 / 10, rel=1e-14)
    assert float(t.values) == pytest.approx(0.04524042, rel=1e-7)
    # Z with different factors for trade and FIE: (2·3)(5·7)/10 = 21
    z = open_index(3.0, 7.0, 10.0, trade_factor=2.0, fie_factor=5.0)
    assert float(z.values) == pytest.approx(21.0, rel=1e-14)


def test_zero_amount_is_a_valid_zero() -> None:
    t = trade_index(0.0, 10.0)
    assert float(t.values) == 0.0
    assert int(t.problems) == Problem.OK


@pytest.mark.parametrize(
    ("amount", "gdp", "factor", "code"),
    [
        (np.nan, 10.0, 1.0, Problem.MISSING),
        (5.0, np.nan, 1.0, Problem.MISSING),
        (5.0, 10.0, np.nan, Problem.MISSING),
        (-5.0, 10.0, 1.0, Problem.NEGATIVE),
        (5.0, 0.0, 1.0, Problem.NONPOSITIVE_GDP),
        (5.0, -10.0, 1.0, Problem.NONPOSITIVE_GDP),
        (5.0, 10.0, 0.0, Problem.NONPOSITIVE_RATE),
        (5.0, 10.0, -6.7, Problem.NONPOSITIVE_RATE),
        # several at once: the larger code wins
        (-5.0, np.nan, 1.0, Problem.NEGATIVE),
        (-5.0, 0.0, 1.0, Problem.NONPOSITIVE_GDP),
        (-5.0, 0.0, 0.0, Problem.NONPOSITIVE_RATE),
    ],
)
def test_problem_codes(amount, gdp, factor, code) -> None:
    r = scale_intensity_index(amount, gdp, factor)
    assert int(r.problems) == code
    assert np.isnan(r.values)


def test_problems_are_elementwise_and_composite_takes_the_worse() -> None:
    trade = np.array([100.0, np.nan, 100.0, 100.0])
    fie = np.array([50.0, 50.0, -1.0, 50.0])
    gdp = np.array([400.0, 400.0, 400.0, 0.0])
    t = trade_index(trade, gdp)
    i = invest_index(fie, gdp)
    z = composite_index(t, i)
    assert t.problems.tolist() == [0, Problem.MISSING, 0, Problem.NONPOSITIVE_GDP]
    assert i.problems.tolist() == [0, 0, Problem.NEGATIVE, Problem.NONPOSITIVE_GDP]
    assert z.problems.tolist() == [0, Problem.MISSING, Problem.NEGATIVE, Problem.NONPOSITIVE_GDP]
    assert z.values[0] == pytest.approx(12.5)
    assert np.isnan(z.values[1:]).all()
    assert z.problems.dtype == np.int8
    # a value next to a problem is NaN, never a number
    assert np.all(np.isnan(z.values) == (z.problems != Problem.OK))


def test_row_of_rates_broadcasts_over_provinces() -> None:
    # 3 provinces × 4 years, one exchange rate per year (a row), as the panel does
    rng = np.random.default_rng(1)
    trade = rng.uniform(1, 100, (3, 4))
    fie = rng.uniform(1, 100, (3, 4))
    gdp = rng.uniform(100, 1000, (3, 4))
    rates = np.array([8.28, 8.19, 6.77, 6.73]) * 1e-4
    z = open_index(trade, fie, gdp, rates, rates)
    assert z.values.shape == (3, 4)
    for p in range(3):  # naive per-cell formula
        for y in range(4):
            expected = (trade[p, y] * rates[y]) * (fie[p, y] * rates[y]) / gdp[p, y]
            assert z.values[p, y] == pytest.approx(expected, rel=1e-12)
    # a missing rate knocks out the whole year's column, only that column
    rates_gap = rates.copy()
    rates_gap[2] = np.nan
    z2 = open_index(trade, fie, gdp, rates_gap, rates_gap)
    assert (z2.problems[:, 2] == Problem.MISSING).all()
    assert (z2.problems[:, [0, 1, 3]] == Problem.OK).all()


def test_result_is_an_index_result_of_floats() -> None:
    r = trade_index([1, 2], [3, 4])
    assert isinstance(r, IndexResult)
    assert r.values.dtype == float
    assert r.values.tolist() == pytest.approx([1 / 3, 1.0])


def test_problem_markers_and_worst() -> None:
    assert Problem.NONPOSITIVE_GDP.marker == "#GDP<=0"
    assert set(MARKERS) == set(DESCRIPTIONS) == set(Problem)
    assert worst(np.array([0, 3, 1]), np.array([2, 1, 1])).tolist() == [2, 3, 1]
    assert worst(np.array([[0], [5]]), np.array([1, 0])).tolist() == [[1, 0], [5, 5]]


# --- properties ----------------------------------------------------------------------------

positive = st.floats(1e-3, 1e6, allow_nan=False, allow_infinity=False)
arrays = st.lists(st.tuples(positive, positive, positive), min_size=1, max_size=8)


@settings(deadline=None, max_examples=60)
@given(arrays, st.floats(1e-3, 1e3))
def test_trade_index_is_homogeneous_of_degree_one(rows, k) -> None:
    trade, _, gdp = (np.array(c) for c in zip(*rows, strict=True))
    base = trade_index(trade, gdp).values
    scaled = trade_index(k * trade, k * gdp).values
    np.testing.assert_allclose(scaled, k * base, rtol=1e-12)


@settings(deadline=None, max_examples=60)
@given(arrays)
def test_composite_is_geometric_mean_and_trade_times_fie_over_gdp(rows) -> None:
    trade, fie, gdp = (np.array(c) for c in zip(*rows, strict=True))
    t = trade_index(trade, gdp)
    i = invest_index(fie, gdp)
    z = composite_index(t, i).values
    np.testing.assert_allclose(z, np.sqrt(t.values * i.values), rtol=1e-12)
    np.testing.assert_allclose(z, trade * fie / gdp, rtol=1e-12)
    np.testing.assert_allclose(open_index(trade, fie, gdp).values, z, rtol=1e-15)


@settings(deadline=None, max_examples=60)
@given(arrays, st.floats(1e-4, 1e4))
def test_factor_is_the_same_as_converting_first(rows, r) -> None:
    trade, fie, gdp = (np.array(c) for c in zip(*rows, strict=True))
    np.testing.assert_allclose(
        trade_index(trade, gdp, r).values, trade_index(trade * r, gdp).values, rtol=1e-12
    )
    z = open_index(trade, fie, gdp, r, r).values
    assert all(math.isfinite(v) for v in z)
    np.testing.assert_allclose(z, (trade * r) * (fie * r) / gdp, rtol=1e-12)


def test_overflow_is_a_problem_not_a_blank_or_infinity():
    """1e300 typed into a cell: T = 1e600 is beyond the largest float; the element says so."""
    t = trade_index([1e300, 10.0], [1.0, 5.0])
    assert np.isnan(t.values[0]) and t.problems[0] == Problem.OVERFLOW
    assert t.values[1] == 20.0 and t.problems[1] == Problem.OK
    # T and I both near 1e200: their product overflows, Z = 1e200 does not
    big = 1e100
    z = composite_index(trade_index(big, 1.0), invest_index(big, 1.0))
    assert z.problems == Problem.OK and z.values == pytest.approx(1e200)
    z = composite_index(trade_index(1e300, 1.0), invest_index(1.0, 1.0))
    assert z.problems == Problem.OVERFLOW and np.isnan(z.values)
