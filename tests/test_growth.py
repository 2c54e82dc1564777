"""Tests of the growth measures (addin.core.growth): change, CAGR, yoy, trend, stages, split."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.core.growth import (
    PAPER_STAGES,
    annual_change,
    as_series,
    cagr,
    growth_rate,
    growth_split,
    loglinear,
    mean_yoy,
    stage_growth,
    yoy_rates,
)
from addin.errors import InputError

# --- hand-checked ----------------------------------------------------------------------------


def test_annual_change_is_the_papers_column() -> None:
    # Shanghai: (17.225 − 0.277) / (2022 − 1993) = 16.948 / 29 = 0.58441...
    assert annual_change([0.277, 1.054, 17.225], [1993, 2000, 2022]) == pytest.approx(
        16.948 / 29, rel=1e-13
    )
    # several series at once, one per row
    out = annual_change([[0.0, 10.0], [5.0, 2.0]], [2000, 2010])
    assert out.tolist() == pytest.approx([1.0, -0.3])


def test_cagr_by_hand() -> None:
    # 100 → 121 over 2 years: (1.21)^(1/2) − 1 = 0.1; intermediate values are ignored
    assert cagr([100.0, 500.0, 121.0], [2000, 2001, 2002]) == pytest.approx(0.1, rel=1e-13)
    # years, not positions: 100 → 121 from 2000 to 2004 is 1.21^(1/4) − 1
    assert cagr([100.0, 121.0], [2000, 2004]) == pytest.approx(1.21**0.25 - 1, rel=1e-13)
    assert cagr([5.0, 0.0], [2000, 2001]) == pytest.approx(-1.0)  # to zero: −100 %
    assert np.isnan(cagr([0.0, 5.0], [2000, 2001]))  # no growth from a zero base
    assert np.isnan(cagr([-1.0, 5.0], [2000, 2001]))
    assert np.isnan(cagr([1.0, -5.0], [2000, 2001]))
    assert np.isnan(cagr([np.nan, 5.0], [2000, 2001]))
    assert np.isnan(cagr([5.0], [2000]))  # one year: no span


def test_yoy_rates_annualise_uneven_steps() -> None:
    # 2000 → 2001: 110/100 − 1 = 0.1; 2001 → 2003: (133.1/110)^(1/2) − 1 = 1.21^(1/2) − 1 = 0.1
    np.testing.assert_allclose(
        yoy_rates([100.0, 110.0, 133.1], [2000, 2001, 2003]), [0.1, 0.1], rtol=1e-12
    )
    r = yoy_rates([100.0, np.nan, 50.0, 0.0, 10.0], [1, 2, 3, 4, 5])
    assert np.isnan(r[0]) and np.isnan(r[1])
    assert r[2] == pytest.approx(-1.0)
    assert np.isnan(r[3])  # from a zero base


def test_mean_yoy_with_uneven_years() -> None:
    # rates: 2000→2001 120/100 − 1 = 0.2; 2001→2003 (132.3/120)^(1/2) − 1 = 1.1025^(1/2) − 1 = 0.05
    # mean = (0.2 + 0.05) / 2 = 0.125 (the long step counts once, at its annualised rate)
    assert mean_yoy([100.0, 120.0, 132.3], [2000, 2001, 2003]) == pytest.approx(0.125, rel=1e-12)
    # rates that cannot be computed are left out of the mean
    assert mean_yoy([100.0, 120.0, np.nan, 50.0, 60.0], [1, 2, 3, 4, 5]) == pytest.approx(
        (0.2 + 0.2) / 2
    )
    assert np.isnan(mean_yoy([np.nan, 1.0, np.nan], [1, 2, 3]))


def test_loglinear_recovers_an_exact_exponential() -> None:
    years = np.arange(1993, 2023)
    x = 3.0 * 1.07 ** (years - 1993)
    assert loglinear(x, years) == pytest.approx(0.07, rel=1e-10)
    # missing and non-positive years are skipped, uneven years are fine
    x2 = x.copy()
    x2[[3, 10]] = np.nan
    x2[20] = 0.0
    assert loglinear(x2, years) == pytest.approx(0.07, rel=1e-10)
    # an odd endpoint moves CAGR far more than the trend
    x3 = x.copy()
    x3[-1] *= 3
    assert abs(loglinear(x3, years) - 0.07) < abs(cagr(x3, years) - 0.07) / 2
    assert np.isnan(loglinear([1.0, np.nan, 0.0], [1, 2, 3]))


def test_loglinear_by_hand_on_three_points() -> None:
    # ln x = 0, ln 2, ln 8 at t = 0, 1, 2:
    # slope = Σ(t − 1)(l − l̄)/Σ(t − 1)² = (ln 8 − 0)/2 = 1.5 ln 2
    # → exp(1.5 ln 2) − 1 = 2^1.5 − 1
    assert loglinear([1.0, 2.0, 8.0], [0, 1, 2]) == pytest.approx(2**1.5 - 1, rel=1e-12)


def test_several_series_at_once() -> None:
    years = [2000, 2001, 2002]
    x = np.array([[1.0, 2.0, 4.0], [4.0, 2.0, 1.0]])
    for method, expected in (
        ("cagr", [1.0, -0.5]),
        ("mean_yoy", [1.0, -0.5]),
        ("loglinear", [1.0, -0.5]),
        ("change", [1.5, -1.5]),
    ):
        np.testing.assert_allclose(growth_rate(x, years, method).values, expected, rtol=1e-12)


def test_bad_arguments() -> None:
    with pytest.raises(InputError, match="method"):
        growth_rate([1, 2], [1, 2], "geometric")
    with pytest.raises(InputError, match="increasing"):
        as_series([1, 2], [2001, 2000])
    with pytest.raises(InputError, match="years"):
        as_series([1, 2, 3], [2000, 2001])
    with pytest.raises(InputError, match="base"):
        stage_growth([1, 2], [1, 2], [(1, 2)], base="next")
    with pytest.raises(InputError, match="stage"):
        stage_growth([1, 2], [1, 2], [(2, 1)])


# --- stages ------------------------------------------------------------------------------------


def _stage_series() -> tuple[np.ndarray, np.ndarray]:
    """1993–2022 with x_2000 = 1, x_2001 = 2 and 10 %/yr inside 2001–2008."""
    years = np.arange(1993, 2023)
    x = np.ones(years.size)
    for k, y in enumerate(years):
        if 2001 <= y <= 2008:
            x[k] = 2.0 * 1.1 ** (y - 2001)
        elif y > 2008:
            x[k] = 2.0 * 1.1**7
    return x, years


def test_stage_base_own_and_previous() -> None:
    x, years = _stage_series()
    own = stage_growth(x, years, PAPER_STAGES, "cagr", "own")
    prev = stage_growth(x, years, PAPER_STAGES, "cagr", "previous")
    assert own.base_years.tolist() == [1993, 2001, 2009, 2017]
    # the first stage has no previous year in the data: it keeps its own base
    assert prev.base_years.tolist() == [1993, 2000, 2008, 2016]
    # own base: 2001 → 2008 at 10 %/yr
    assert own.rates[1] == pytest.approx(0.1, rel=1e-12)
    # previous base: 2000 (x = 1) → 2008 (x = 2·1.1^7) over 8 years:
    # (2·1.1^7)^(1/8) − 1 = 0.18535...
    assert prev.rates[1] == pytest.approx((2 * 1.1**7) ** (1 / 8) - 1, rel=1e-12)
    assert prev.rates[1] == pytest.approx(0.1853520, rel=1e-6)
    assert own.rates[0] == pytest.approx(0.0) and own.rates[2] == pytest.approx(0.0)
    assert own.starts.tolist() == [1993, 2001, 2009, 2017] and own.ends.tolist() == [
        2000,
        2008,
        2016,
        2022,
    ]
    assert (own.method, own.base) == ("cagr", "own")


def test_stage_growth_other_methods_and_partial_stages() -> None:
    x, years = _stage_series()
    s = stage_growth(x, years, [(2001, 2008), (2020, 2030), (2022, 2025)], "mean_yoy")
    assert s.rates[0] == pytest.approx(0.1, rel=1e-12)
    assert s.rates[1] == pytest.approx(0.0)  # keeps 2020–2022, the years it has
    assert np.isnan(s.rates[2])  # one year only
    change = stage_growth(x, years, [(2001, 2008)], "change")
    assert change.rates[0] == pytest.approx((2 * 1.1**7 - 2) / 7, rel=1e-12)


def test_previous_base_is_the_year_before_the_stage() -> None:
    # For the paper's back-to-back stages "the previous stage's last year" and "the year before
    # the stage" are the same year. For stages with a hole between them the engine uses the
    # year before the stage (2004 here), not the previous stage's last year (2000).
    years = np.arange(1993, 2011)
    x = 1.1 ** (years - 1993)
    s = stage_growth(x, years, [(1993, 2000), (2005, 2010)], "cagr", "previous")
    assert s.base_years.tolist() == [1993, 2004]


def test_a_single_year_has_no_growth_by_any_method() -> None:
    for method in ("cagr", "mean_yoy", "loglinear", "change"):
        assert np.isnan(growth_rate([5.0], [2000], method).values), method


def test_stage_rates_per_series_on_the_last_axis() -> None:
    years = np.arange(2000, 2011)
    x = np.vstack([1.05 ** (years - 2000), 1.2 ** (years - 2000)])
    s = stage_growth(x, years, [(2000, 2005), (2005, 2010)])
    assert s.rates.shape == (2, 2)
    np.testing.assert_allclose(s.rates, [[0.05, 0.05], [0.2, 0.2]], rtol=1e-12)


# --- growth split ----------------------------------------------------------------------------


def test_growth_split_reproduces_the_papers_square_root_identity() -> None:
    # T grows 8.57 %/yr and I 14.83 %/yr over 29 years. Z = √(T·I) then grows
    # √(1.0857 × 1.1483) − 1 = √1.24670931 − 1 = 0.116561... (the paper prints 11.68 %).
    years = np.arange(1993, 2023)
    t = 0.04 * 1.0857 ** (years - 1993)
    i = 0.06 * 1.1483 ** (years - 1993)
    split = growth_split(t, i, years)
    assert math.exp(split.composite) - 1 == pytest.approx(math.sqrt(1.0857 * 1.1483) - 1, rel=1e-12)
    assert math.exp(split.composite) - 1 == pytest.approx(0.116561, abs=5e-7)
    assert split.trade == pytest.approx(0.5 * math.log(1.0857), rel=1e-12)
    assert split.invest == pytest.approx(0.5 * math.log(1.1483), rel=1e-12)
    assert split.trade_share == pytest.approx(
        math.log(1.0857) / math.log(1.0857 * 1.1483), rel=1e-12
    )
    # and the CAGR of Z itself agrees
    assert cagr(np.sqrt(t * i), years) == pytest.approx(math.sqrt(1.0857 * 1.1483) - 1, rel=1e-12)


def test_growth_split_missing_and_flat() -> None:
    s = growth_split([np.nan, 2.0], [1.0, 2.0], [0, 1])
    assert np.isnan(s.trade) and not np.isnan(s.invest) and np.isnan(s.composite)
    flat = growth_split([1.0, 1.0], [2.0, 2.0], [0, 1])
    assert flat.composite == 0.0 and np.isnan(flat.trade_share)
    many = growth_split([[1.0, np.e**2], [1.0, 1.0]], [[1.0, 1.0], [1.0, np.e**4]], [0, 1])
    np.testing.assert_allclose(many.composite, [1.0, 2.0])


# --- properties ---------------------------------------------------------------------------------

level = st.floats(1e-3, 1e4, allow_nan=False, allow_infinity=False)


@st.composite
def series(draw, min_size=2):
    n = draw(st.integers(min_size, 12))
    steps = draw(st.lists(st.integers(1, 4), min_size=n - 1, max_size=n - 1))
    years = np.cumsum([draw(st.integers(1950, 2020)), *steps])
    x = np.array(draw(st.lists(level, min_size=n, max_size=n)))
    return x, years


@settings(deadline=None, max_examples=80)
@given(series())
def test_cagr_identity(data) -> None:
    x, years = data
    g = cagr(x, years)
    assert x[0] * (1 + g) ** (years[-1] - years[0]) == pytest.approx(x[-1], rel=1e-9)


@settings(deadline=None, max_examples=60)
@given(
    series(),
    st.sampled_from(["cagr", "mean_yoy", "loglinear", "change"]),
    st.sampled_from(["own", "previous"]),
)
def test_one_stage_covering_everything_is_the_whole_period(data, method, base) -> None:
    x, years = data
    s = stage_growth(x, years, [(int(years[0]), int(years[-1]))], method, base)
    assert s.base_years.tolist() == [years[0]]
    assert s.rates[0] == pytest.approx(growth_rate(x, years, method).values, rel=1e-12, abs=1e-15)


@settings(deadline=None, max_examples=60)
@given(st.integers(1950, 2020), st.lists(level, min_size=4, max_size=12), st.data())
def test_consecutive_stages_with_previous_base_chain_to_the_whole(start, values, data) -> None:
    # annual data, stages back to back: with base "previous" the second stage is measured
    # from the first stage's last year, so the CAGR growth factors multiply to the whole
    x = np.array(values)
    years = np.arange(start, start + x.size)
    first, last = int(years[0]), int(years[-1])
    cut = data.draw(st.integers(first + 1, last - 2))
    s = stage_growth(x, years, [(first, cut), (cut + 1, last)], "cagr", "previous")
    assert s.base_years.tolist() == [first, cut]
    factor = (1 + s.rates[0]) ** (cut - first) * (1 + s.rates[1]) ** (last - cut)
    assert factor == pytest.approx(x[-1] / x[0], rel=1e-9)


@settings(deadline=None, max_examples=60)
@given(st.floats(-0.5, 1.0), series())
def test_constant_growth_is_found_by_every_method(g, data) -> None:
    _, years = data
    x = 2.0 * (1 + g) ** (years - years[0])
    for method in ("cagr", "mean_yoy", "loglinear"):
        assert growth_rate(x, years, method).values == pytest.approx(g, rel=1e-8, abs=1e-10)
