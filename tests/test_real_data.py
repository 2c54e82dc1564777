"""The engine on the real yearbook series in ../shared/data (see PROVENANCE.md there).

Series as they are: GDP 亿元 1993–2022; trade 万美元 2005, 2007–2014 and 千美元 2016–2022
(no 2006, no 2015); FIE 百万美元 2000–2015; resident population 万人 2000–2019; CNY/USD
1993–2022. The panel takes one unit per series, so the 千美元 file is divided by 10 into
万美元 here, as a user would do on the sheet.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from addin.core.disparity import weighted_cv
from addin.panel.options import Options
from addin.panel.plausibility import plausibility_records
from addin.panel.provinces import YANGTZE_PROVINCES, YANGTZE_REGIONS
from addin.panel.tables import compute_all
from addin.panel.tidy import SeriesData, build_panel

REGIONS = {p: r for r, ps in YANGTZE_REGIONS.items() for p in ps}
# the paper's Table 1 for the years where trade and FIE data both exist
PAPER_Z = {
    2005: {
        "上海": 3.781,
        "江苏": 3.063,
        "浙江": 0.809,
        "安徽": 0.023,
        "江西": 0.066,
        "湖北": 0.042,
        "湖南": 0.016,
        "重庆": 0.009,
        "四川": 0.018,
        "贵州": 0.001,
        "云南": 0.010,
    },
    2010: {
        "上海": 6.817,
        "江苏": 5.309,
        "浙江": 1.849,
        "安徽": 0.050,
        "江西": 0.099,
        "湖北": 0.063,
        "湖南": 0.031,
        "重庆": 0.062,
        "四川": 0.095,
        "贵州": 0.002,
        "云南": 0.028,
    },
    2014: {
        "上海": 9.015,
        "江苏": 5.673,
        "浙江": 2.511,
        "安徽": 0.100,
        "江西": 0.167,
        "湖北": 0.111,
        "湖南": 0.046,
        "重庆": 0.485,
        "四川": 0.183,
        "贵州": 0.016,
        "云南": 0.053,
    },
}


def wide(path, scale: float = 1.0) -> pd.DataFrame:
    """provinces × years from a long province,year,value CSV (values read as text, then numbers)."""
    long = pd.read_csv(path, dtype={"province": str, "year": int, "value": str})
    long["value"] = long["value"].astype(float) / scale
    return long.pivot(index="province", columns="year", values="value")


@pytest.fixture(scope="module")
def data(shared_data):
    trade = pd.concat(
        [wide(shared_data / "trade_10k_usd.csv"), wide(shared_data / "trade_1k_usd.csv", 10.0)],
        axis=1,
    )
    fx = pd.read_csv(shared_data / "fx_cny_per_usd.csv").set_index("year")["cny_per_usd"]
    return {
        "trade_10k_usd": trade,
        "fie_musd": wide(shared_data / "fie_total_investment_musd.csv"),
        "gdp": wide(shared_data / "gdp_100m_cny.csv"),
        "population": wide(shared_data / "population_resident_10k.csv"),
        "population_registered": wide(shared_data / "population_registered_10k.csv"),
        "fx": fx.to_frame().T,
    }


def series_in_real_units(d) -> dict[str, SeriesData]:
    return {
        "trade": SeriesData(
            "trade", "万美元", d["trade_10k_usd"], sheet="Trade", unit_cell="Trade!B1"
        ),
        "fie": SeriesData("fie", "百万美元", d["fie_musd"], sheet="FIE", unit_cell="FIE!B1"),
        "gdp": SeriesData("gdp", "亿元", d["gdp"], sheet="GDP", unit_cell="GDP!B1"),
        "population": SeriesData("population", "万人", d["population"], sheet="Population"),
        "fx": SeriesData("fx", "元/美元", d["fx"], sheet="FX"),
    }


@pytest.fixture(scope="module")
def converted(data):
    return compute_all(build_panel(series_in_real_units(data), REGIONS))


@pytest.fixture(scope="module")
def replication(data):
    """The paper's convention: trade and FIE typed in 十亿美元 (billion USD), GDP in 亿元,
    as entered."""
    series = series_in_real_units(data)
    series["trade"] = SeriesData(
        "trade", "十亿美元", data["trade_10k_usd"] / 1e5
    )  # 万 → 十亿: / 10^5
    series["fie"] = SeriesData("fie", "十亿美元", data["fie_musd"] / 1e3)  # 百万 → 十亿: / 10^3
    return compute_all(build_panel(series, REGIONS, Options(unit_mode="as_entered")))


def frame_value(tables, column, province, year):
    f = tables.panel.frame
    return f.loc[(f["province"] == province) & (f["year"] == year), column].item()


def test_coverage(converted) -> None:
    panel = converted.panel
    assert panel.years == list(range(1993, 2023))
    assert panel.provinces == list(YANGTZE_PROVINCES) and len(panel.provinces) == 11
    assert len(panel.frame) == 11 * 30
    assert not [r for r in panel.quality if r.kind in ("unmapped", "duplicate", "non-positive")]
    # Z exists exactly where trade and FIE overlap: 2005–2015 (2006 and 2015 trade filled)
    have = converted.index.dropna(subset=["open_index"]).groupby("year").size()
    assert have.index.tolist() == list(range(2005, 2016)) and (have == 11).all()


def test_unit_conversion_by_hand(converted) -> None:
    # 上海 2010 trade: 36895065.2 万美元 × 6.7695 CNY/USD (fx_cny_per_usd.csv, 2010)
    #   / 10^4 (万 → 亿)
    #   = 249761143.87 / 10^4 = 24976.114387 亿元
    assert frame_value(converted, "trade", "上海", 2010) == pytest.approx(24976.11438714, rel=1e-12)
    # 上海 2010 FIE: 339385 百万美元 × 6.7695 / 10^2 (百万 → 亿) = 22974.66 亿元
    assert frame_value(converted, "fie", "上海", 2010) == pytest.approx(
        339385 * 6.7695 / 100, rel=1e-12
    )
    # 上海 2022 trade from the 千美元 file: 625850000 千美元 / 10 = 62585000 万美元 × 6.7261 / 10^4
    assert frame_value(converted, "trade", "上海", 2022) == pytest.approx(
        62585000 * 6.7261 / 1e4, rel=1e-12
    )
    assert frame_value(converted, "gdp", "上海", 2010) == 17165.98
    assert converted.panel.index_unit == "亿元"


def test_gap_reporting(converted) -> None:
    q = converted.panel.quality
    filled = {(r.province, r.year) for r in q if r.kind == "filled" and r.series == "trade"}
    assert filled == {(p, y) for p in YANGTZE_PROVINCES for y in (2006, 2015)}
    # nothing else is filled: GDP, FIE, population and FX have no interior gaps
    assert not [r for r in q if r.kind == "filled" and r.series != "trade"]
    # 2006 filled in 万美元 between 2005 and 2007, then converted at the 2006 rate:
    # 上海 (18633673.79 + 28285387.8)/2 = 23459530.795 万美元 × 7.9718 / 10^4
    assert frame_value(converted, "trade", "上海", 2006) == pytest.approx(
        23459530.795 * 7.9718 / 1e4, rel=1e-12
    )
    assert bool(frame_value(converted, "filled_trade", "上海", 2015))
    missing_trade = {r.province: r.detail for r in q if r.kind == "missing" and r.series == "trade"}
    assert set(missing_trade) == set(YANGTZE_PROVINCES)
    assert all(d.endswith("in 1993–2004") for d in missing_trade.values())
    missing_fie = {r.province: r.detail for r in q if r.kind == "missing" and r.series == "fie"}
    assert (
        all(d.endswith("in 1993–1999, 2016–2022") for d in missing_fie.values())
        and len(missing_fie) == 11
    )
    table = converted.quality
    assert (table["kind"] == "filled").sum() == 22


def test_z_levels_against_the_papers_table1(replication) -> None:
    # Z = trade[十亿美元] · FIE[十亿美元] / GDP[亿元]
    #   = trade[亿美元] · FIE[亿美元] / GDP[亿元] / 100.
    # By hand, 上海 2010: 368.950652 · 339.385 / 17165.98 = 125216.317 / 17165.98 = 7.29445;
    # paper 6.817.
    idx = replication.index.set_index(["province", "year"])["open_index"]
    assert idx[("上海", 2010)] == pytest.approx(125216.31702902 / 17165.98, rel=1e-12)
    ratios = {(p, y): idx[(p, y)] / z for y, row in PAPER_Z.items() for p, z in row.items()}
    # Measured Z_ours / Z_paper:
    #          2005   2010   2014
    #   上海   1.069  1.070  1.164
    #   江苏   1.063  1.076  1.096
    #   浙江   1.008  0.906  0.925
    #   安徽   1.147  1.191  1.133      江西   0.281  1.015  1.091
    #   湖北   0.843  1.105  1.100      湖南   0.899  0.955  1.148
    #   重庆   1.105  0.882  0.931      四川   0.987  1.089  1.112
    #   贵州   1.638  1.413  1.124      云南   1.154  1.192  1.101
    # METHOD.md's "within about 7 %" holds for 上海/江苏 2005–2010 only; our GDP vintage (2013
    # economic-census level, PROVENANCE.md) and FIE source differ from the paper's, and 2014
    # 上海 is 16 % high. The [0.8, 1.25] band holds for the three large economies ...
    for p in ("上海", "江苏", "浙江"):
        for y in PAPER_Z:
            assert 0.8 <= ratios[(p, y)] <= 1.25, (p, y, ratios[(p, y)])
    # ... and for every printed value with at least two significant digits (≥ 0.010) except
    # 江西 2005: ours 0.0185 (trade 4.06, FIE 18.49 十亿美元, GDP 4056.76) against 0.066 printed,
    # while 江西 2000 is 0.017 and 2010 0.099 in the paper; not resolved. 贵州 0.001/0.002 are
    # one-digit values (rounding alone allows ×0.5 to ×1.5) and are not tested.
    for (p, y), r in ratios.items():
        if PAPER_Z[y][p] >= 0.010 and (p, y) != ("江西", 2005):
            assert 0.8 <= r <= 1.25, (p, y, r)
    assert ratios[("江西", 2005)] == pytest.approx(0.281, abs=0.001)
    # the median over all 33 cells is within 10 % of the paper: a level match, not a unit slip
    assert 1.0 <= float(np.median(list(ratios.values()))) <= 1.1


def test_the_two_unit_modes_differ_by_the_squared_rate(converted, replication) -> None:
    # converted Z [亿元] = (trade[亿美元]·r)(FIE[亿美元]·r)/GDP = r² · 100 · Z[十亿美元²/亿元]
    # 上海 2010: 6.7695² · 100 = 4582.613 × 7.29445
    zc = converted.index.set_index(["province", "year"])["open_index"]
    zr = replication.index.set_index(["province", "year"])["open_index"]
    assert zc[("上海", 2010)] == pytest.approx(6.7695**2 * 100 * zr[("上海", 2010)], rel=1e-12)
    # the rate changes by year, so the two modes tell different growth stories:
    # 2005 → 2014 the rate fell from 8.1917 to 6.1428, a factor (6.1428/8.1917)² = 0.5623
    g_conv = zc[("上海", 2014)] / zc[("上海", 2005)]
    g_repl = zr[("上海", 2014)] / zr[("上海", 2005)]
    assert g_conv / g_repl == pytest.approx((6.1428 / 8.1917) ** 2, rel=1e-12)
    # the CV is unit-free within a year: the two modes agree
    dc, dr = converted.disparity.set_index("year"), replication.disparity.set_index("year")
    np.testing.assert_allclose(dc.loc[2005:2015, "cv"], dr.loc[2005:2015, "cv"], rtol=1e-10)


def test_disparity_on_real_data_uses_years_with_z_and_population(converted) -> None:
    d = converted.disparity.set_index("year")
    assert (d.loc[2005:2015, "n"] == 11).all()
    assert (d.loc[1993:2004, "n"] == 0).all() and d.loc[1993:2004, "cv"].isna().all()
    # 2010 by the naive formula: shares of resident population, centre = simple mean of Z
    panel = converted.panel
    z = (
        converted.index[converted.index["year"] == 2010]
        .set_index("province")["open_index"]
        .reindex(panel.provinces)
    )
    pop = panel.wide("population")[2010]
    p = pop / pop.sum()
    u = z.mean()
    assert d.loc[2010, "cv"] == pytest.approx(
        math.sqrt(float((p * (z - u) ** 2).sum())) / u, rel=1e-12
    )
    assert d.loc[2010, "theil_t"] == pytest.approx(
        d.loc[2010, "theil_t_between"] + d.loc[2010, "theil_t_within"]
    )


def test_papers_1993_cv_against_yearbook_population(data) -> None:
    # The paper reports CV = 1.601 for 1993. With its Table 1 values for 1993 and the 1993
    # registered population (population_registered_10k.csv), the three readings give:
    #   population weights, centre = weighted mean (Williamson): 1.620  (+1.2 %)
    #   population weights, centre = simple mean (paper's wording, the tool's default): 1.224
    #   no weights (plain CV): 1.698
    # Only Williamson's centre comes near; the paper's population series is not known.
    # (For 2022 the printed 1.503 is the plain CV of Table 1: see test_paper.py.)
    z1993 = {
        "上海": 0.277,
        "江苏": 0.133,
        "浙江": 0.049,
        "安徽": 0.003,
        "江西": 0.007,
        "湖北": 0.018,
        "湖南": 0.007,
        "重庆": 0.014,
        "四川": 0.014,
        "贵州": 0.002,
        "云南": 0.002,
    }
    pop = data["population_registered"][1993].reindex(list(z1993))
    z = list(z1993.values())
    assert weighted_cv(z, pop, "weighted").values == pytest.approx(1.620, abs=0.001)
    assert weighted_cv(z, pop, "mean").values == pytest.approx(1.224, abs=0.001)
    assert weighted_cv(z).values == pytest.approx(1.698, abs=0.001)


def test_unconverted_thousand_dollar_file_slips_past_the_default_jump_check(data) -> None:
    # Pasting the 千美元 file (2016–2022) onto a 万美元 sheet inflates it tenfold. Trade fell or
    # barely grew from 2014 to 2016, so the step is ×5.3 (贵州) to ×9.5 (浙江): the default
    # threshold (more than ×10) flags none of the 11; a threshold of 5 flags all of them, and
    # all 11 at once are said once, as a unit change (not eleven jumps), naming the unit cells;
    # 2015 (no data) is not interpolated across the change.
    shared = data["trade_10k_usd"].copy()
    shared.loc[:, 2016:] *= 10  # back to the numbers as printed in 千美元
    series = series_in_real_units(data)
    series["trade"] = SeriesData("trade", "万美元", shared, "Trade", "Trade!B2")
    for ratio, expected in ((10.0, 0), (5.0, 1)):
        panel = build_panel(series, REGIONS, Options(jump_ratio=ratio))
        trade = [r for r in panel.quality if r.series == "trade" and r.year == 2016]
        assert not [r for r in trade if r.kind == "jump"], ratio
        unit = [r for r in trade if r.kind == "unit"]
        assert len(unit) == expected, ratio
    (change,) = unit
    assert change.where == "Trade!B2" and change.level == "warning"
    assert "every province with a value (11) changes ×5.29 to ×9.48" in change.detail
    assert "from 2014 to 2016" in change.detail and "not filled" in change.detail
    trade_2015 = panel.frame.loc[panel.frame["year"] == 2015, ["trade", "filled_trade"]]
    assert trade_2015["trade"].isna().all() and not trade_2015["filled_trade"].any()
    # the correctly converted data raise no trade jump at either threshold
    clean = build_panel(series_in_real_units(data), REGIONS, Options(jump_ratio=5.0))
    assert not [r for r in clean.quality if r.kind == "jump" and r.series == "trade"]


def test_embedded_exchange_rates_match_the_yearbook_table(shared_data) -> None:
    from importlib import resources

    with resources.files("addin").joinpath("data/fx_cny_per_usd.csv").open(encoding="utf-8") as f:
        embedded = pd.read_csv(f)
    shared = pd.read_csv(shared_data / "fx_cny_per_usd.csv")
    pd.testing.assert_frame_equal(embedded, shared)
    assert shared.set_index("year").loc[2010, "cny_per_usd"] == 6.7695


def _disagreements(series) -> list:
    panel = build_panel(series, REGIONS)
    return [r for r in plausibility_records(panel) if "disagree" in r.detail]


def test_trade_against_fie_check_is_quiet_on_the_real_series_and_catches_a_x10_row(data) -> None:
    """QA: a ×10 slip in one province's whole row passed silently (the off-median check
    needs ×30, since Shanghai's trade/GDP is ×14.7 the median's). Against its own FIE/GDP a
    province's trade/GDP stays within ×2.5 on the real series; ×10 (or ÷10) in one Trade or
    FIE row moves it to ×4 or more, past the default ×3.5."""
    assert _disagreements(series_in_real_units(data)) == []
    for province in ("上海", "浙江", "安徽", "贵州"):
        for key, column in (("trade", "trade_10k_usd"), ("fie", "fie_musd")):
            for factor in (10.0, 0.1):
                changed = {**data, column: data[column].copy()}
                changed[column].loc[province] *= factor
                found = _disagreements(series_in_real_units(changed))
                assert [r.province for r in found] == [province], (province, key, factor)
