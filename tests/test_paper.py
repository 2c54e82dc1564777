"""Parity with the paper's published numbers (METHOD.md and paper_table1.csv).

The paper's Table 1 is written out below (published numbers, so the tests run without
../shared); one test checks the copy against ../shared/method/paper_table1.csv when present.
"""

from __future__ import annotations

import csv
import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest

from addin.core.disparity import weighted_cv
from addin.core.growth import annual_change, cagr, growth_split
from addin.panel.options import Options
from addin.panel.provinces import YANGTZE_REGIONS
from addin.panel.tables import BELT, compute_all
from addin.panel.tidy import SeriesData, build_panel

YEARS = (1993, 2000, 2005, 2010, 2014, 2022)
# Table 1: Z by province and year, and the printed 年均变化 (average annual change)
PROVINCES = {
    "上海": ((0.277, 1.054, 3.781, 6.817, 9.015, 17.225), 0.584),
    "江苏": ((0.133, 0.368, 3.063, 5.309, 5.673, 9.383), 0.319),
    "浙江": ((0.049, 0.123, 0.809, 1.849, 2.511, 6.063), 0.207),
    "安徽": ((0.003, 0.011, 0.023, 0.050, 0.100, 1.027), 0.035),
    "江西": ((0.007, 0.017, 0.066, 0.099, 0.167, 0.460), 0.016),
    "湖北": ((0.018, 0.027, 0.042, 0.063, 0.111, 0.495), 0.016),
    "湖南": ((0.007, 0.006, 0.016, 0.031, 0.046, 0.504), 0.017),
    "重庆": ((0.014, 0.009, 0.009, 0.062, 0.485, 0.593), 0.020),
    "四川": ((0.014, 0.009, 0.018, 0.095, 0.183, 0.670), 0.023),
    "贵州": ((0.002, 0.001, 0.001, 0.002, 0.016, 0.769), 0.026),
    "云南": ((0.002, 0.004, 0.010, 0.028, 0.053, 0.699), 0.024),
}
REGION_ROWS = {
    "下游地区": ((0.116, 0.389, 1.919, 3.506, 4.325, 8.425), 0.029),
    "中游地区": ((0.011, 0.017, 0.041, 0.064, 0.108, 0.486), 0.016),
    "上游地区": ((0.008, 0.006, 0.010, 0.047, 0.184, 0.683), 0.023),
}
REGIONS = {p: r for r, ps in YANGTZE_REGIONS.items() for p in ps}


def test_embedded_table_matches_the_shared_csv(shared_method) -> None:
    with open(shared_method / "paper_table1.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 14
    for r in rows:
        values, change = (PROVINCES if r["kind"] == "province" else REGION_ROWS)[r["row"]]
        assert tuple(float(r[str(y)]) for y in YEARS) == values
        assert float(r["annual_change_printed"]) == change


@pytest.fixture(scope="module")
def tables():
    """The whole pipeline fed amounts whose Z is the paper's: with GDP g and s = √(Z·g),
    trade = 3s and FIE = s/3 give T = 9Z, I = Z/9 and Z = √(T·I) = trade·FIE/g, so a wrong
    combination of T and I (a mean, T alone, I alone) cannot pass."""
    z = pd.DataFrame(
        {y: [PROVINCES[p][0][k] for p in REGIONS] for k, y in enumerate(YEARS)}, index=list(REGIONS)
    )
    gdp = pd.DataFrame(
        {y: [1000.0 + 100 * i + y for i in range(len(REGIONS))] for y in YEARS}, index=list(REGIONS)
    )
    scale = np.sqrt(z * gdp)
    amounts = {"trade": 3 * scale, "fie": scale / 3, "gdp": gdp}
    series = {key: SeriesData(key, "亿元", amounts[key]) for key in ("trade", "fie", "gdp")}
    return compute_all(
        build_panel(series, REGIONS, Options(unit_mode="as_entered", fill_gaps=False))
    )


@pytest.fixture(scope="module")
def table1(tables):
    return tables.table1.set_index("name")


def test_provinces_pass_through_unchanged(tables, table1) -> None:
    assert YANGTZE_REGIONS == {
        "下游地区": ("上海", "江苏", "浙江", "安徽"),
        "中游地区": ("江西", "湖北", "湖南"),
        "上游地区": ("重庆", "四川", "贵州", "云南"),
    }
    for p, (values, _) in PROVINCES.items():
        np.testing.assert_allclose(table1.loc[p, list(YEARS)].astype(float), values, rtol=1e-12)
    idx = tables.index.dropna(subset=["open_index"])
    np.testing.assert_allclose(idx["trade_index"], 9 * idx["open_index"], rtol=1e-12)
    np.testing.assert_allclose(idx["invest_index"], idx["open_index"] / 9, rtol=1e-12)


def _half_up(x: float) -> Decimal:
    return Decimal(str(round(float(x), 9))).quantize(Decimal("0.001"), ROUND_HALF_UP)


def test_region_rows_within_a_thousandth_of_the_printed_ones(table1) -> None:
    # Region rows are simple means; from the rounded province values every cell agrees to ±0.001
    # (measured: at most 0.0005). Three means land exactly on a rounding boundary:
    # lower 1993 (0.277 + 0.133 + 0.049 + 0.003)/4 = 0.1155, lower 2022 33.698/4 = 8.4245, and
    # upper 2005 (0.009 + 0.018 + 0.001 + 0.010)/4 = 0.0095 (METHOD.md's rounding-boundary case).
    # They reproduce the print under round-half-up only: the paper's unrounded values are unknown.
    for region, (printed, _) in REGION_ROWS.items():
        ours = table1.loc[region, list(YEARS)].astype(float).to_numpy()
        assert np.all(np.abs(ours - printed) <= 0.001 + 1e-12), region
        assert [_half_up(v) for v in ours] == [Decimal(f"{v:.3f}") for v in printed], region
    assert table1.loc["上游地区", 2005] == pytest.approx(0.0095, abs=1e-12)


def test_annual_change_matches_the_printed_column(table1) -> None:
    # (Z2022 − Z1993)/29, e.g. Shanghai (17.225 − 0.277)/29 = 0.58441 → 0.584
    for p, (values, printed) in PROVINCES.items():
        assert table1.loc[p, "annual_change"] == pytest.approx(
            (values[-1] - values[0]) / 29, rel=1e-12
        )
        assert abs(table1.loc[p, "annual_change"] - printed) <= 0.0005 + 1e-12, p
    # middle (0.4863333 − 0.0106667)/29 = 0.016402 → 0.016;
    # upper (0.68275 − 0.008)/29 = 0.023267 → 0.023
    for region in ("中游地区", "上游地区"):
        assert abs(table1.loc[region, "annual_change"] - REGION_ROWS[region][1]) <= 0.0005 + 1e-12


def test_lower_reaches_annual_change_is_misprinted(table1) -> None:
    # Printed 0.029. Its own row gives (8.425 − 0.116)/29 = 8.309/29 = 0.28652 → 0.287,
    # and the unrounded means (8.4245 − 0.1155)/29 = 0.28652 as well. 0.029 ≈ 0.287/10:
    # the printed figure looks like a shifted decimal.
    printed_row, printed_change = REGION_ROWS["下游地区"]
    from_row = float(annual_change(printed_row, YEARS))
    assert from_row == pytest.approx(8.309 / 29, rel=1e-12)
    ours = table1.loc["下游地区", "annual_change"]
    assert ours == pytest.approx(0.28652, abs=1e-5)
    assert round(ours, 3) == 0.287 and round(from_row, 3) == 0.287
    assert abs(ours - printed_change) > 0.25  # not a rounding difference


def test_belt_mean(table1, tables) -> None:
    # simple mean of the 11 provinces: 1993 0.526/11 = 0.047818 → 0.048;
    # 2022 37.888/11 = 3.444364 → 3.444
    assert table1.loc[BELT, 1993] == pytest.approx(0.526 / 11, rel=1e-12)
    assert table1.loc[BELT, 2022] == pytest.approx(37.888 / 11, rel=1e-12)
    assert round(table1.loc[BELT, 1993], 3) == 0.048 and round(table1.loc[BELT, 2022], 3) == 3.444
    # Figure 1 prints 0.051 and 3.44: 2022 agrees, 1993 does not (0.048), as METHOD.md notes
    assert round(table1.loc[BELT, 2022], 2) == 3.44 and round(table1.loc[BELT, 1993], 3) != 0.051
    # the factor series (Figure 1) carries the same belt mean
    f = tables.factors.set_index("year")
    assert f.loc[2022, "open_index"] == pytest.approx(table1.loc[BELT, 2022], rel=1e-12)


def test_square_root_identity_of_the_growth_rates() -> None:
    # Paper: T grows 8.57 %/yr, I 14.83 %/yr, Z 11.68 %/yr. If Z = √(T·I):
    # √(1.0857 × 1.1483) − 1 = √1.24670931 − 1 = 0.11656 (11.66 %), within 0.02 points of the print.
    years = np.arange(1993, 2023)
    t = 0.03 * 1.0857 ** (years - 1993)
    i = 0.07 * 1.1483 ** (years - 1993)
    split = growth_split(t, i, years)
    implied = math.exp(split.composite) - 1
    assert implied == pytest.approx(0.11656, abs=1e-5)
    assert abs(implied - 0.1168) < 0.0003
    assert float(cagr(np.sqrt(t * i), years)) == pytest.approx(implied, rel=1e-12)
    # Caveat: the arithmetic mean of the two rates, (8.57 + 14.83)/2 = 11.70 %, is as close to the
    # print (0.02 points). The rates alone do not single out the root; equation (1) does.
    assert abs((0.0857 + 0.1483) / 2 - 0.1168) < 0.0003


def test_endpoints_imply_a_different_rate_than_printed() -> None:
    # Figure 1: 0.051 (1993) → 3.44 (2022):
    # (3.44/0.051)^(1/29) − 1 = 67.451^(1/29) − 1 = 0.1563 (15.6 %/yr)
    g = float(cagr([0.051, 3.44], [1993, 2022]))
    assert g == pytest.approx(0.15629, abs=1e-5)
    # the printed 11.68 %/yr from 0.051 would reach only 0.051 · 1.1168^29 = 1.256, not 3.44
    assert 0.051 * 1.1168**29 == pytest.approx(1.2556, abs=1e-4)


def test_the_2022_cv_is_the_unweighted_cv_of_table1() -> None:
    # The paper reports CV = 1.503 for 2022. The plain CV (population SD / mean, no weights) of
    # the eleven 2022 values printed in Table 1 is 1.50261 → 1.503. (With population weights
    # the value is lower; see test_real_data.py for the 1993 comparison with yearbook population.)
    z2022 = [v[-1] for v, _ in PROVINCES.values()]
    assert weighted_cv(z2022).values == pytest.approx(1.50261, abs=1e-5)
    assert round(weighted_cv(z2022).values, 3) == 1.503
