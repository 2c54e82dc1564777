"""Tests of the output tables (addin.panel.tables): indices, Table 1, factors, disparity, stages,
quality, and the notes each table carries."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from addin.core.disparity import weighted_cv
from addin.panel.options import Options
from addin.panel.tables import (
    BELT,
    Tables,
    compute_all,
    disparity_series,
    factor_series,
    index_table,
    quality_table,
    table1,
)
from addin.panel.tidy import SeriesData, build_panel

YEARS = [2000, 2001, 2002, 2003]
REGIONS = {"上海": "下游地区", "江苏": "下游地区", "江西": "中游地区"}
# one money unit throughout (亿元), so the numbers below are the inputs of the formulas
TRADE = {"上海": [10, 20, 30, 40], "江苏": [5, 5, 10, 20], "江西": [1, 2, 2, 4]}
FIE = {"上海": [4, 4, 8, 8], "江苏": [2, 6, 6, 9], "江西": [1, 1, 3, 3]}
GDP = {"上海": [100, 100, 100, 100], "江苏": [50, 60, 70, 80], "江西": [20, 20, 25, 25]}
POP = {
    "上海": [1600, 1700, 1700, 1800],
    "江苏": [7300, 7350, 7400, 7450],
    "江西": [4100, 4150, 4200, 4250],
}
# Z = trade·FIE/GDP:        2000   2001   2002   2003
#   上海                    0.4    0.8    2.4    3.2
#   江苏                    0.2    0.5    6/7    2.25
#   江西                    0.05   0.1    0.24   0.48
Z = {
    "上海": [0.4, 0.8, 2.4, 3.2],
    "江苏": [0.2, 0.5, 60 / 70, 2.25],
    "江西": [0.05, 0.1, 0.24, 0.48],
}


def block(rows, years=YEARS) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=years).astype(float)


def make_panel(options: Options | None = None, population: dict | None = POP, **overrides):
    data = {"trade": TRADE, "fie": FIE, "gdp": GDP, **overrides}
    series = {k: SeriesData(k, "亿元", block(v), sheet=k.upper()) for k, v in data.items()}
    if population is not None:
        series["population"] = SeriesData("population", "万人", block(population))
    return build_panel(series, REGIONS, options or Options(table1_years=(2000, 2003)))


def row(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame.set_index("name").loc[name]


# --- indices ---------------------------------------------------------------------------------


def test_index_table_values_by_hand() -> None:
    idx = index_table(make_panel())
    sh = idx[(idx["province"] == "上海") & (idx["year"] == 2001)].iloc[0]
    # T = 20²/100 = 4; I = 4²/100 = 0.16; Z = √(4·0.16) = 0.8 = 20·4/100
    assert sh["trade_index"] == pytest.approx(4.0)
    assert sh["invest_index"] == pytest.approx(0.16)
    assert sh["open_index"] == pytest.approx(0.8)
    assert sh["province_en"] == "Shanghai" and sh["region"] == "下游地区" and sh["problem"] == ""
    for p, zs in Z.items():
        got = idx[idx["province"] == p].sort_values("year")["open_index"].to_numpy()
        np.testing.assert_allclose(got, zs, rtol=1e-13)


def test_index_table_gives_the_reason_for_a_missing_index() -> None:
    panel = make_panel(
        gdp={**GDP, "江西": [20, 0, 25, 25]},
        trade={**TRADE, "江苏": [5, np.nan, 10, 20]},
        options=Options(fill_gaps=False),
    )
    idx = index_table(panel).set_index(["province", "year"])
    assert np.isnan(idx.loc[("江西", 2001), "open_index"])
    assert "GDP" in idx.loc[("江西", 2001), "problem"]
    assert "missing" in idx.loc[("江苏", 2001), "problem"]
    assert idx.loc[("江苏", 2001), "invest_index"] == pytest.approx(36 / 60)  # I is still there
    q = quality_table(panel, index_table(panel))
    index_rows = q[q["kind"] == "index"]
    # non-missing problems are listed once as "index" rows; missing input already is in "missing"
    assert index_rows[["province", "year"]].values.tolist() == [["江西", 2001]]


# --- Table 1 ---------------------------------------------------------------------------------


def test_table1_region_belt_and_annual_change_by_hand() -> None:
    panel = make_panel()
    t1 = table1(panel, index_table(panel))
    assert t1["kind"].tolist() == ["province"] * 3 + ["region"] * 2 + ["belt"]
    assert list(t1.columns) == [
        *["kind", "name", "name_en", "region", 2000, 2003, "annual_change", "n_2000", "n_2003"]
    ]
    # n: lower reaches 2 provinces (上海, 江苏), middle 1 (江西), belt 3; empty on province rows
    assert row(t1, "下游地区")[["n_2000", "n_2003"]].tolist() == [2, 2]
    assert row(t1, "中游地区")["n_2000"] == 1 and row(t1, BELT)["n_2003"] == 3
    assert np.isnan(row(t1, "上海")["n_2000"])
    # lower reaches = (上海 + 江苏)/2: 2000 (0.4 + 0.2)/2 = 0.3; 2003 (3.2 + 2.25)/2 = 2.725
    lower = row(t1, "下游地区")
    assert (lower[2000], lower[2003]) == (pytest.approx(0.3), pytest.approx(2.725))
    assert lower["annual_change"] == pytest.approx((2.725 - 0.3) / 3)
    assert lower["name_en"] == "Lower reaches"
    # belt = mean of the 3 provinces:
    # (0.4 + 0.2 + 0.05)/3 = 0.216667, (3.2 + 2.25 + 0.48)/3 = 1.976667
    belt = row(t1, BELT)
    assert belt[2000] == pytest.approx(0.65 / 3) and belt[2003] == pytest.approx(5.93 / 3)
    assert row(t1, "上海")["annual_change"] == pytest.approx((3.2 - 0.4) / 3)


def test_table1_region_mean_over_available_provinces_and_absent_years_noted() -> None:
    panel = make_panel(
        gdp={**GDP, "江苏": [np.nan, 60, 70, 80]}, options=Options(table1_years=(1999, 2000, 2003))
    )
    t1 = table1(panel, index_table(panel))
    assert [c for c in t1.columns if isinstance(c, int)] == [2000, 2003]
    assert np.isnan(row(t1, "江苏")[2000]) and np.isnan(row(t1, "江苏")["annual_change"])
    assert row(t1, "下游地区")[2000] == pytest.approx(0.4)  # 上海 alone
    assert row(t1, "下游地区")["n_2000"] == 1 and row(t1, "下游地区")["n_2003"] == 2
    assert row(t1, BELT)["n_2000"] == 2 and row(t1, BELT)[2000] == pytest.approx(0.45 / 2)
    assert any("1999" in n for n in t1.attrs["notes"])


# --- factor series (Figure 1) and the growth split ------------------------------------------


def test_factor_series_mean_mode_is_the_mean_of_provinces() -> None:
    panel = make_panel()
    f = factor_series(panel, index_table(panel))
    # 2001: T = 20²/100, 5²/60, 2²/20 = 4, 0.41667, 0.2 → mean 1.538889
    assert f.loc[f["year"] == 2001, "trade_index"].item() == pytest.approx((4 + 25 / 60 + 0.2) / 3)
    z = np.array(list(Z.values())).mean(axis=0)
    np.testing.assert_allclose(f["open_index"], z, rtol=1e-13)
    np.testing.assert_allclose(f["open_growth"][1:], z[1:] / z[:-1] - 1, rtol=1e-12)
    assert np.isnan(f["open_growth"][0]) and np.isnan(f["trade_contribution"][0])


def test_factor_series_sum_mode_by_hand_and_the_split_adds_up() -> None:
    panel = make_panel(Options(belt="sum"))
    f = factor_series(panel, index_table(panel)).set_index("year")
    # 2000: Σtrade = 16, ΣFIE = 7, ΣGDP = 170 → T = 256/170, I = 49/170, Z = 16·7/170
    assert f.loc[2000, "trade_index"] == pytest.approx(256 / 170)
    assert f.loc[2000, "invest_index"] == pytest.approx(49 / 170)
    assert f.loc[2000, "open_index"] == pytest.approx(112 / 170)
    # the split is exact here: ln(1 + g_Z) = ½Δln T + ½Δln I every year
    lhs = np.log1p(f["open_growth"].to_numpy()[1:])
    rhs = (f["trade_contribution"] + f["invest_contribution"]).to_numpy()[1:]
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)
    assert f.loc[2001, "trade_contribution"] == pytest.approx(
        0.5 * math.log((27**2 / 180) / (256 / 170))
    )


def test_factor_series_mean_mode_split_does_not_add_up() -> None:
    # Design note: with belt = "mean" the contributions are ½Δln(mean T) and ½Δln(mean I), while
    # open_growth is the growth of mean Z; mean Z ≠ √(mean T · mean I), so the two parts do not add
    # up to the growth of the printed Z (here by −0.29 log points in 2001), although the table's
    # note states Δln Z = ½Δln T + ½Δln I. This test records the size of the gap.
    panel = make_panel()
    f = factor_series(panel, index_table(panel))
    gap = np.log1p(f["open_growth"]) - f["trade_contribution"] - f["invest_contribution"]
    assert gap[1] == pytest.approx(-0.292031, abs=1e-6)
    # what the contributions do add up to: the growth of √(mean T · mean I)
    g = np.sqrt(f["trade_index"] * f["invest_index"])
    np.testing.assert_allclose(
        np.diff(np.log(g)), (f["trade_contribution"] + f["invest_contribution"])[1:], rtol=1e-12
    )


def test_table1_belt_row_follows_the_belt_option() -> None:
    # belt = "sum": Table 1's belt row is the index of summed amounts, as in the factor series,
    # 2000: 112/170; belt = "mean" (default): the simple mean (0.4 + 0.2 + 0.05)/3.
    tables = compute_all(make_panel(Options(belt="sum", table1_years=(2000, 2003))))
    assert row(tables.table1, BELT)[2000] == pytest.approx(112 / 170)
    assert tables.factors.set_index("year").loc[2000, "open_index"] == pytest.approx(112 / 170)
    mean = compute_all(make_panel(Options(table1_years=(2000, 2003))))
    assert row(mean.table1, BELT)[2000] == pytest.approx(0.65 / 3)


# --- disparity (Figure 2) ---------------------------------------------------------------------


def test_disparity_with_population_weights() -> None:
    panel = make_panel()
    d = disparity_series(panel, index_table(panel)).set_index("year")
    z2000, pop2000 = [0.4, 0.2, 0.05], [1600.0, 7300.0, 4100.0]
    # population shares 1600/13000 = 0.123077, 0.561538, 0.315385; simple mean u = 0.65/3 = 0.216667
    # Σ p (y − u)² = 0.123077·0.033611 + 0.561538·0.000278 + 0.315385·0.027778 = 0.0130534
    # CV = √0.0130534 / 0.216667 = 0.114252 / 0.216667 = 0.527315
    p = np.array(pop2000) / 13000
    u = sum(z2000) / 3
    expected = math.sqrt(sum(pi * (y - u) ** 2 for pi, y in zip(p, z2000, strict=True))) / u
    assert d.loc[2000, "cv"] == pytest.approx(expected, rel=1e-12)
    assert d.loc[2000, "cv"] == pytest.approx(0.527315, abs=2e-6)
    assert d.loc[2000, "cv_plain"] == pytest.approx(np.std(z2000) / np.mean(z2000), rel=1e-12)
    assert (d["n"] == 3).all()
    assert d.loc[2000, "theil_t"] == pytest.approx(
        d.loc[2000, "theil_t_between"] + d.loc[2000, "theil_t_within"]
    )
    assert not any("no population" in n for n in d.attrs["notes"])
    assert any("simple mean" in n for n in d.attrs["notes"])


def test_disparity_options_centre_and_unweighted() -> None:
    panel = make_panel(Options(cv_centre="weighted"))
    d = disparity_series(panel, index_table(panel))
    z = np.array(list(Z.values()))
    pop = np.array(list(POP.values()), dtype=float)
    np.testing.assert_allclose(d["cv"], weighted_cv(z, pop, "weighted").values, rtol=1e-12)
    assert any("population-weighted mean" in n for n in d.attrs["notes"])
    plain = make_panel(Options(cv_weighted=False))
    d2 = disparity_series(plain, index_table(plain))
    np.testing.assert_allclose(d2["cv"], d2["cv_plain"], rtol=1e-14)
    assert any("none (plain CV)" in n for n in d2.attrs["notes"])


def test_disparity_without_population_leaves_weighted_measures_empty_and_says_so() -> None:
    """docs/method.md: no population data gives empty weighted measures, never silently
    unweighted ones; the notes do not claim population shares."""
    panel = make_panel(population=None)
    d = disparity_series(panel, index_table(panel))
    weighted = ["cv", "theil_t", "theil_t_between", "theil_l", "gini"]
    assert d[weighted].isna().all().all()
    assert d["n_weighted"].tolist() == [0, 0, 0, 0] and d["n"].tolist() == [3, 3, 3, 3]
    z2003 = [3.2, 2.25, 0.48]  # plain CV by hand: population SD over mean
    sd = np.sqrt(np.mean([(v - np.mean(z2003)) ** 2 for v in z2003]))
    assert d["cv_plain"].iloc[-1] == pytest.approx(sd / np.mean(z2003), rel=1e-12)
    notes = "\n".join(d.attrs["notes"])
    assert "no population data" in notes and "(CV, Theil, Gini, Atkinson) are empty" in notes
    assert "population shares 人口比重" not in notes
    # with CV weights = no, cv is the plain CV and stays
    d = disparity_series(*_panel_and_index(Options(cv_weighted=False), population=None))
    np.testing.assert_allclose(d["cv"], d["cv_plain"], rtol=1e-14)


def _panel_and_index(options, **kwargs):
    panel = make_panel(options, **kwargs)
    return panel, index_table(panel)


def test_weighted_measures_use_only_provinces_with_a_population() -> None:
    """A zero or missing population is a missing weight: that province leaves the weighted
    measures (n_weighted) but stays in the unweighted ones (n); shares renormalise."""
    pop = {**POP, "江西": [4100, 0, np.nan, 4250]}
    panel = make_panel(Options(fill_gaps=False), population=pop)
    d = disparity_series(panel, index_table(panel)).set_index("year")
    assert d["n"].tolist() == [3, 3, 3, 3] and d["n_weighted"].tolist() == [3, 2, 2, 3]
    # 2001 by hand over 上海 and 江苏 only: Z 0.8, 0.5; p = 1700/9050, 7350/9050; u = 0.65
    p = np.array([1700, 7350]) / 9050
    y = np.array([0.8, 0.5])
    cv = np.sqrt((p * (y - y.mean()) ** 2).sum()) / y.mean()
    assert d.loc[2001, "cv"] == pytest.approx(cv, rel=1e-12)
    # were the zero kept as a weight 0, u would be the mean of three values (0.4667): differs
    u3 = np.mean([0.8, 0.5, 0.1])
    assert d.loc[2001, "cv"] != pytest.approx(np.sqrt((p * (y - u3) ** 2).sum()) / u3, rel=1e-3)
    mu = (p * y).sum()
    gini = sum(p[i] * p[j] * abs(y[i] - y[j]) for i in range(2) for j in range(2)) / (2 * mu)
    assert d.loc[2001, "gini"] == pytest.approx(gini, rel=1e-12)
    # the zero population is named with its cell on the quality list
    q = quality_table(panel, index_table(panel))
    zero = q[(q["kind"] == "non-positive") & (q["series"] == "population")]
    assert zero[["province", "year"]].values.tolist() == [["江西", 2001]]


def test_disparity_province_without_population_is_left_out_of_the_weighted_measures() -> None:
    """Issue 11: weighted measures use only provinces with a value and a population (the
    simple-mean centre too), and n_weighted says so; the unweighted CV keeps every Z."""
    pop = {**POP, "江西": [np.nan] * 4}
    panel = make_panel(population=pop)
    d = disparity_series(panel, index_table(panel))
    assert (d["n"] == 3).all() and (d["n_weighted"] == 2).all()
    # 2000 by hand over 上海 and 江苏: centre u = (0.4 + 0.2)/2, shares 1600 and 7300 of 8900
    u = (0.4 + 0.2) / 2
    cv = math.sqrt((1600 * (0.4 - u) ** 2 + 7300 * (0.2 - u) ** 2) / 8900) / u
    assert d["cv"].iloc[0] == pytest.approx(cv, rel=1e-12)
    # the unweighted CV still uses every province with a Z value
    assert d["cv_plain"].iloc[0] == pytest.approx(weighted_cv([0.4, 0.2, 0.05]).values, rel=1e-12)


def test_disparity_table_equals_weighted_cv_over_the_same_cells_with_a_blank_population() -> None:
    """One rule: a blank population leaves the province out of the weighted CV, centre
    included, in the table and in the worksheet function (blank cell = None from Excel).
    2000 by hand: u = (0.4 + 0.2) / 2 = 0.3 (over 上海, 江苏; not 0.2167 over three)."""
    import yangtze_udf as udf

    pop = {**POP, "江西": [np.nan] * 4}
    panel = make_panel(population=pop)
    d = disparity_series(panel, index_table(panel)).set_index("year")
    for k, year in enumerate(YEARS):
        z = [[Z[p][k]] for p in REGIONS]
        weights = [[POP["上海"][k]], [POP["江苏"][k]], [None]]  # the blank cell
        assert udf.WEIGHTED_CV(z, weights) == pytest.approx(d.loc[year, "cv"], rel=1e-12)
    u = (0.4 + 0.2) / 2
    assert d.loc[2000, "cv"] == pytest.approx(
        math.sqrt((1600 * (0.4 - u) ** 2 + 7300 * (0.2 - u) ** 2) / 8900) / u, rel=1e-12
    )


# --- stages ------------------------------------------------------------------------------------


def test_stage_table_on_an_exponential_belt() -> None:
    years = list(range(2000, 2011))
    # every province: trade = FIE = GDP = 2·1.1^(t−2000) (then T = I = Z = the same) → 10 %/yr
    level = {p: [2 * 1.1 ** (y - 2000) for y in years] for p in REGIONS}
    series = {k: SeriesData(k, "亿元", block(level, years)) for k in ("trade", "fie", "gdp")}
    opts = Options(
        stages=((2000, 2005), (2006, 2010)),
        stage_base="previous",
        growth_method="loglinear",
        table1_years=(2000, 2010),
    )
    panel = build_panel(series, REGIONS, opts)
    tables = compute_all(panel)
    st = tables.stages
    assert st["stage"].tolist() == ["2000–2005", "2006–2010"]
    assert st["base_year"].tolist() == [2000, 2005]
    np.testing.assert_allclose(
        st[["open_growth", "trade_growth", "invest_growth"]].to_numpy(), 0.1, rtol=1e-10
    )
    assert any("loglinear" in n and "previous" in n for n in st.attrs["notes"])
    # Table 1 annual change: (2·1.1^10 − 2)/10
    assert row(tables.table1, BELT)["annual_change"] == pytest.approx((2 * 1.1**10 - 2) / 10)


# --- quality and notes ------------------------------------------------------------------------


def test_quality_table_lists_what_the_panel_did() -> None:
    panel = make_panel(
        trade={**TRADE, "上海": [10, np.nan, 30, 40]}, gdp={**GDP, "江西": [20, 20, -25, 25]}
    )
    everything = compute_all(panel).quality
    assert list(everything.columns) == [
        *("kind", "level", "series", "province", "year", "cell", "detail")
    ]
    # trade and FIE in 亿元 (yuan) are warned about once each; the paper's
    # stages lie outside 2000–2003 (one settings warning): see test_headers_and_units
    # and test_defaults_on_real_data
    kinds = everything.groupby("kind").size().to_dict()
    assert kinds.pop("unit") == 2 and kinds.pop("settings") == 1
    q = everything[~everything["kind"].isin(["unit", "settings"])]
    assert kinds == {"filled": 1, "non-positive": 1, "index": 1, "coverage": 1, "plausibility": 1}
    # GDP per person 江苏 2000: 50 亿元 / 7300 万人 = 68.5 元, below the 200 元 of the band
    warning = q[q["kind"] == "plausibility"].iloc[0]
    assert warning["detail"].startswith(
        "江苏, 江西 2000–2003: GDP per person outside 200–1000000 元"  # not 1e+06
    )
    coverage = q[q["kind"] == "coverage"].iloc[0]
    assert (coverage["province"], coverage["year"]) == ("江西", 2002)
    assert coverage["detail"].startswith("江西 is left out of the 中游地区 mean, the belt and the")
    assert coverage["detail"].endswith("in 2002: GDP is zero or negative GDP非正")
    filled = q[q["kind"] == "filled"].iloc[0]
    assert (filled["series"], filled["province"], filled["year"]) == ("trade", "上海", 2001)
    # levels: the negative GDP is an error, its index row too; the GDP per person a warning;
    # the filled value and the coverage row are info
    assert q.set_index("kind")["level"].to_dict() == {
        "filled": "info",
        "non-positive": "error",
        "index": "error",
        "coverage": "info",
        "plausibility": "warning",
    }
    assert everything.attrs["notes"][0].startswith("8 entries (2 error, 4 warning, 2 info)")


def test_every_table_carries_notes_naming_unit_and_options() -> None:
    tables = compute_all(make_panel())
    assert isinstance(tables, Tables)
    for name in ("index", "table1", "factors", "disparity", "stages"):
        notes = getattr(tables, name).attrs["notes"]
        assert notes[0] == "index unit 指数单位: 亿元", name
        text = "\n".join(notes)
        for option in (
            "unit mode 单位模式: converted",
            "CV centre 中心: simple mean",
            "gap filling",
            "belt 全流域: mean of provinces",
            "growth 增长率: cagr",
            "stage base 阶段基期: own",
        ):
            assert option in text, (name, option)
    as_entered = compute_all(make_panel(Options(unit_mode="as_entered")))
    assert "as entered" in as_entered.table1.attrs["notes"][0]
    assert "Z: 亿元·亿元/亿元" in as_entered.table1.attrs["notes"][0]


def test_converted_mode_indices_are_in_the_output_unit() -> None:
    # trade and FIE in 亿美元 at 5 CNY/USD: converted amounts are 5× → Z is 25× the as-typed Z
    series = {
        "trade": SeriesData("trade", "亿美元", block(TRADE)),
        "fie": SeriesData("fie", "亿美元", block(FIE)),
        "gdp": SeriesData("gdp", "亿元", block(GDP)),
        "fx": SeriesData("fx", "元/美元", pd.DataFrame([[5.0] * 4], columns=YEARS)),
    }
    converted = compute_all(build_panel(series, REGIONS)).index
    entered = compute_all(build_panel(series, REGIONS, Options(unit_mode="as_entered"))).index
    np.testing.assert_allclose(converted["open_index"], 25 * entered["open_index"], rtol=1e-13)
    # CV is unit-free: the same in both modes
    d1 = compute_all(build_panel(series, REGIONS)).disparity
    d2 = compute_all(build_panel(series, REGIONS, Options(unit_mode="as_entered"))).disparity
    np.testing.assert_allclose(d1["cv"], d2["cv"], rtol=1e-12)


def test_stage_table_by_hand() -> None:
    """Stage growth of the belt's Z, T and I from the data by hand (CAGR, own base)."""
    opts = Options(stages=((2000, 2002), (2002, 2003)), table1_years=(2000, 2003))
    stages = compute_all(make_panel(opts)).stages.set_index("stage")
    years = list(YEARS)
    z_bar = {y: np.mean([Z[p][k] for p in Z]) for k, y in enumerate(years)}
    t_bar = {y: np.mean([TRADE[p][k] ** 2 / GDP[p][k] for p in Z]) for k, y in enumerate(years)}
    i_bar = {y: np.mean([FIE[p][k] ** 2 / GDP[p][k] for p in Z]) for k, y in enumerate(years)}
    assert list(stages.index) == ["2000–2002", "2002–2003"]
    first = stages.loc["2000–2002"]
    assert first["open_growth"] == pytest.approx((z_bar[2002] / z_bar[2000]) ** 0.5 - 1)
    assert first["trade_growth"] == pytest.approx((t_bar[2002] / t_bar[2000]) ** 0.5 - 1)
    assert first["invest_growth"] == pytest.approx((i_bar[2002] / i_bar[2000]) ** 0.5 - 1)
    assert stages.loc["2002–2003", "open_growth"] == pytest.approx(z_bar[2003] / z_bar[2002] - 1)


def test_stage_table_notes_stages_only_partly_in_the_data() -> None:
    panel = make_panel(Options(stages=((1999, 2001), (2001, 2003)), table1_years=(2000, 2003)))
    tables = compute_all(panel)
    notes = [n for n in tables.stages.attrs["notes"] if "partly covered" in n]
    assert len(notes) == 1 and "1999–2001" in notes[0] and "2001–2003" not in notes[0]
    z = tables.factors.set_index("year")["open_index"]
    # the data start in 2000: the 1999–2001 stage grows over 2000–2001
    assert tables.stages.set_index("stage").loc["1999–2001", "open_growth"] == pytest.approx(
        z[2001] / z[2000] - 1
    )
