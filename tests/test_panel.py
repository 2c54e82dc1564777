"""Tests of the tidy panel (addin.panel.tidy.build_panel): units, mapping, checks, gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from addin.errors import InputError, UnitError
from addin.panel.options import Options
from addin.panel.tidy import SeriesData, build_panel

YEARS = [2008, 2009, 2010]
REGIONS = {"上海": "下游地区", "江苏": "下游地区", "江西": "中游地区"}


def block(rows: dict[str, list[float]], years=YEARS) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=years).astype(float)


def sheet(key: str, unit, rows, years=YEARS, sheet_name=None) -> SeriesData:
    """A series as the reader hands it over: cells located as <sheet>!<province><year>."""
    name = sheet_name or key.upper()
    return SeriesData(
        key,
        unit,
        block(rows, years) if isinstance(rows, dict) else rows,
        sheet=name,
        unit_cell=f"{name}!B1",
        locate=lambda p, y: f"{name}!{p}{y}",
    )


def base_series(**overrides) -> dict[str, SeriesData]:
    series = {
        "trade": sheet(
            "trade",
            "万美元",
            {"上海": [1e5, 2e5, 3e5], "江苏": [4e4, 5e4, 6e4], "江西": [1e3, 2e3, 3e3]},
        ),
        "fie": sheet(
            "fie",
            "百万美元",
            {"上海": [100.0, 200.0, 300.0], "江苏": [50.0, 60.0, 70.0], "江西": [1.0, 2.0, 3.0]},
        ),
        "gdp": sheet(
            "gdp",
            "亿元",
            {
                "上海": [1000.0, 1100.0, 1200.0],
                "江苏": [900.0, 950.0, 1000.0],
                "江西": [300.0, 330.0, 360.0],
            },
        ),
        # yearbook convention: yuan per 100 dollars
        "fx": sheet(
            "fx",
            "元/100美元",
            pd.DataFrame([[694.51, 683.10, 676.95]], index=["rate"], columns=YEARS),
        ),
        "population": sheet(
            "population",
            "万人",
            {
                "上海": [1900.0, 1920.0, 2300.0],
                "江苏": [7700.0, 7725.0, 7870.0],
                "江西": [4400.0, 4430.0, 4460.0],
            },
        ),
    }
    series.update(overrides)
    return series


def records(panel, kind):
    return [r for r in panel.quality if r.kind == kind]


def value(panel, column, province, year):
    f = panel.frame
    return f.loc[(f["province"] == province) & (f["year"] == year), column].item()


# --- units ------------------------------------------------------------------------------------


def test_converted_mode_uses_each_years_rate_and_the_per_100_dollar_unit() -> None:
    panel = build_panel(base_series(), REGIONS)
    # 上海 2010 trade: 3e5 万美元 × (676.95 / 100) CNY/USD / 1e4 (万 → 亿)
    #   = 3e5 × 6.7695e-4 = 203.085 亿元
    assert value(panel, "trade", "上海", 2010) == pytest.approx(203.085, rel=1e-13)
    # 江苏 2008 FIE: 50 百万美元 × 6.9451 / 100 (百万 → 亿) = 3.47255 亿元
    assert value(panel, "fie", "江苏", 2008) == pytest.approx(3.47255, rel=1e-13)
    assert value(panel, "gdp", "上海", 2009) == 1100.0  # already 亿元
    assert value(panel, "fx", "上海", 2009) == pytest.approx(6.831, rel=1e-14)
    assert panel.units == {
        "trade": "亿元",
        "fie": "亿元",
        "gdp": "亿元",
        "population": "万人",
        "fx": "元/美元",
    }
    assert panel.index_unit == "亿元"
    conv = records(panel, "converted")
    assert {r.series for r in conv} == {"trade", "fie"}  # GDP needs no conversion
    assert any("万美元 → 亿元" in r.detail and r.where == "TRADE!B1" for r in conv)


def test_converted_to_another_output_unit() -> None:
    panel = build_panel(base_series(), REGIONS, Options(output_unit="亿美元"))
    # GDP 1200 亿元 in 2010 at 6.7695 → 1200 / 6.7695 亿美元; trade 3e5 万美元 = 30 亿美元 (no rate)
    assert value(panel, "gdp", "上海", 2010) == pytest.approx(1200 / 6.7695, rel=1e-13)
    assert value(panel, "trade", "上海", 2010) == pytest.approx(30.0, rel=1e-14)
    assert panel.index_unit == "亿美元"


def test_as_entered_mode_uses_the_numbers_as_typed() -> None:
    panel = build_panel(base_series(), REGIONS, Options(unit_mode="as_entered"))
    assert value(panel, "trade", "上海", 2010) == 3e5
    assert value(panel, "fie", "江苏", 2008) == 50.0
    assert (
        panel.units["trade"] == "万美元"
        and panel.units["fie"] == "百万美元"
        and panel.units["gdp"] == "亿元"
    )
    assert (
        "as entered" in panel.index_unit
        and "万美元" in panel.index_unit
        and "百万美元" in panel.index_unit
    )
    assert not records(panel, "converted")


@pytest.mark.parametrize("key", ["trade", "fie", "gdp"])
@pytest.mark.parametrize("unit", ["万欧元", "", None])
def test_unknown_or_empty_unit_names_the_unit_cell(key, unit) -> None:
    bad = base_series()
    bad[key] = SeriesData(
        key, unit, bad[key].values, sheet=key.upper(), unit_cell=f"{key.upper()}!B1"
    )
    with pytest.raises(UnitError) as info:
        build_panel(bad, REGIONS)
    assert str(info.value).startswith(f"{key.upper()}!B1: ")
    assert info.value.where == f"{key.upper()}!B1"


def test_bad_population_and_fx_units_name_their_cells() -> None:
    for key, unit in (("population", "万户"), ("fx", "美元/元")):
        bad = base_series()
        bad[key] = SeriesData(key, unit, bad[key].values, unit_cell=f"{key}!A1")
        with pytest.raises(UnitError, match=f"^{key}!A1: "):
            build_panel(bad, REGIONS)


def test_population_in_persons_becomes_10k_persons() -> None:
    pop = sheet("population", "人", {p: [2.3e7] * 3 for p in REGIONS})
    panel = build_panel(base_series(population=pop), REGIONS)
    assert value(panel, "population", "上海", 2009) == pytest.approx(2300.0)


def test_missing_exchange_rate_is_reported_and_not_guessed() -> None:
    fx = sheet(
        "fx", "元/美元", pd.DataFrame([[6.9451, 6.8310, np.nan]], index=["rate"], columns=YEARS)
    )
    panel = build_panel(base_series(fx=fx), REGIONS)
    assert np.isnan(value(panel, "trade", "上海", 2010))
    assert value(panel, "gdp", "上海", 2010) == 1200.0  # GDP needs no rate
    lost = [r for r in records(panel, "missing") if r.series == "fx"]
    assert len(lost) == 2 and all("2010" in r.detail for r in lost)  # trade and FIE
    panel2 = build_panel({k: v for k, v in base_series().items() if k != "fx"}, REGIONS)
    assert np.isnan(panel2.frame["trade"]).all()
    assert any("2008–2010" in r.detail for r in records(panel2, "missing") if r.series == "fx")


# --- structure and checks ---------------------------------------------------------------------


def test_required_series_and_mapping() -> None:
    with pytest.raises(InputError, match="Regional GDP"):
        build_panel({k: v for k, v in base_series().items() if k != "gdp"}, REGIONS)
    with pytest.raises(InputError, match="mapping is empty"):
        build_panel(base_series(), {})


def test_provinces_follow_the_mapping_and_unmapped_rows_are_reported() -> None:
    trade = sheet(
        "trade",
        "万美元",
        {
            "北京": [9.0, 9.0, 9.0],
            "江西": [1e3, 2e3, 3e3],
            "上海": [1e5, 2e5, 3e5],
            "江苏": [4e4, 5e4, 6e4],
        },
    )
    panel = build_panel(base_series(trade=trade), REGIONS)
    assert panel.provinces == ["上海", "江苏", "江西"]
    assert sorted(panel.frame["province"].unique()) == sorted(REGIONS)
    assert panel.frame.groupby("province")["region"].first().to_dict() == REGIONS
    unmapped = records(panel, "unmapped")
    assert [(r.series, r.province) for r in unmapped] == [("trade", "北京")]
    assert "not in the Regions mapping" in unmapped[0].detail
    # a mapped province without data is there, empty, and reported missing
    panel2 = build_panel(base_series(), {**REGIONS, "安徽": "下游地区"})
    assert np.isnan(value(panel2, "trade", "安徽", 2009))
    assert any(r.province == "安徽" and r.series == "gdp" for r in records(panel2, "missing"))


def test_duplicate_rows_and_years_are_reported_first_kept() -> None:
    dup_rows = pd.DataFrame(
        [[1000.0, 1100.0, 1200.0], [1.0, 1.0, 1.0], [900.0, 950.0, 1000.0], [300.0, 330.0, 360.0]],
        index=["上海", "上海", "江苏", "江西"],
        columns=YEARS,
    )
    panel = build_panel(base_series(gdp=sheet("gdp", "亿元", dup_rows)), REGIONS)
    dups = records(panel, "duplicate")
    assert [(r.series, r.province) for r in dups] == [("gdp", "上海")]
    assert value(panel, "gdp", "上海", 2008) == 1000.0
    dup_years = pd.DataFrame(
        [[1.0, 2.0, 99.0]] * 3, index=list(REGIONS), columns=[2008, 2009, 2009]
    )
    panel2 = build_panel(
        base_series(fie=sheet("fie", "百万美元", dup_years, years=[2008, 2009, 2009])),
        REGIONS,
        Options(unit_mode="as_entered"),
    )
    assert [(r.series, r.year) for r in records(panel2, "duplicate")] == [("fie", 2009)]
    assert value(panel2, "fie", "江西", 2009) == 2.0


def test_tenfold_jumps_are_reported_with_the_cell() -> None:
    gdp = sheet(
        "gdp",
        "亿元",
        {
            "上海": [1000.0, 11000.0, 12000.0],
            "江苏": [900.0, 8100.0, 8200.0],
            "江西": [300.0, 330.0, 30.0],
        },
    )
    loose = build_panel(base_series(gdp=gdp), REGIONS, Options(jump_ratio=10))
    jumps = records(loose, "jump")
    # 上海 ×11 up and 江西 ×1/11 down (30/330): more than tenfold; 江苏 ×9 is not flagged at 10
    assert sorted((r.province, r.year) for r in jumps) == [("上海", 2009), ("江西", 2010)]
    sh = next(r for r in jumps if r.province == "上海")
    assert sh.where == "GDP!上海2009" and "×11" in sh.detail and "unit" in sh.detail
    # the default threshold, 5, also catches a tenfold unit slip hidden by a real fall (×9)
    default = build_panel(base_series(gdp=gdp), REGIONS)
    assert ("江苏", 2009) in {(r.province, r.year) for r in records(default, "jump")}
    with pytest.raises(InputError, match="jump_ratio"):
        Options(jump_ratio=1)


def test_non_positive_values_are_reported() -> None:
    gdp = sheet(
        "gdp",
        "亿元",
        {
            "上海": [1000.0, 0.0, 1200.0],
            "江苏": [900.0, 950.0, -1.0],
            "江西": [300.0, 330.0, 360.0],
        },
    )
    trade = sheet(
        "trade",
        "万美元",
        {"上海": [1e5, 2e5, 3e5], "江苏": [4e4, 5e4, 6e4], "江西": [1e3, -2e3, 3e3]},
    )
    panel = build_panel(base_series(gdp=gdp, trade=trade), REGIONS)
    bad = {(r.series, r.province, r.year) for r in records(panel, "non-positive")}
    assert bad == {("gdp", "上海", 2009), ("gdp", "江苏", 2010), ("trade", "江西", 2009)}
    # they are kept (the index reports them), not silently dropped or filled
    assert value(panel, "gdp", "上海", 2009) == 0.0


def test_filled_cells_are_listed_with_their_address_and_flagged() -> None:
    gdp = sheet(
        "gdp",
        "亿元",
        {
            "上海": [1000.0, np.nan, 1200.0],
            "江苏": [900.0, 950.0, np.nan],
            "江西": [300.0, 330.0, 360.0],
        },
    )
    panel = build_panel(base_series(gdp=gdp), REGIONS)
    filled = records(panel, "filled")
    assert [(r.series, r.province, r.year, r.where) for r in filled] == [
        ("gdp", "上海", 2009, "GDP!上海2009")
    ]
    assert "1100" in filled[0].detail
    assert value(panel, "gdp", "上海", 2009) == pytest.approx(1100.0)
    assert bool(value(panel, "filled_gdp", "上海", 2009)) is True
    assert panel.frame["filled_gdp"].sum() == 1 and not panel.frame["filled_trade"].any()
    # the trailing gap is not extrapolated: it is reported missing
    assert np.isnan(value(panel, "gdp", "江苏", 2010))
    missing = [r for r in records(panel, "missing") if r.series == "gdp"]
    assert [(r.province, r.detail.endswith("2010")) for r in missing] == [("江苏", True)]
    # with filling off nothing is filled
    off = build_panel(base_series(gdp=gdp), REGIONS, Options(fill_gaps=False))
    assert not records(off, "filled") and np.isnan(value(off, "gdp", "上海", 2009))


def test_gap_filled_in_source_units_then_converted() -> None:
    # trade 2009 missing: filled as (1e5 + 3e5)/2 = 2e5 万美元, then × 6.8310e-4 → 136.62 亿元
    trade = sheet(
        "trade",
        "万美元",
        {"上海": [1e5, np.nan, 3e5], "江苏": [4e4, 5e4, 6e4], "江西": [1e3, 2e3, 3e3]},
    )
    panel = build_panel(base_series(trade=trade), REGIONS)
    assert value(panel, "trade", "上海", 2009) == pytest.approx(136.62, rel=1e-13)


def test_missing_and_bad_exchange_rates_are_filled_between_years() -> None:
    fx = sheet(
        "fx", "元/美元", pd.DataFrame([[6.9451, 0.0, 6.7695]], index=["rate"], columns=YEARS)
    )
    panel = build_panel(base_series(fx=fx), REGIONS)
    assert {(r.series, r.year) for r in records(panel, "non-positive")} == {("fx", 2009)}
    fills = [r for r in records(panel, "filled") if r.series == "fx"]
    assert [(r.year, r.province) for r in fills] == [(2009, None)]
    assert value(panel, "fx", "江西", 2009) == pytest.approx((6.9451 + 6.7695) / 2)
    assert bool(value(panel, "filled_fx", "江西", 2009))


def test_years_are_the_full_range_of_the_money_series() -> None:
    gdp = sheet("gdp", "亿元", {p: [1.0, 2.0] for p in REGIONS}, years=[2005, 2012])
    panel = build_panel(base_series(gdp=gdp), REGIONS, Options(fill_gaps=False))
    assert panel.years == list(range(2005, 2013))
    assert len(panel.frame) == 3 * 8
    assert panel.wide("gdp").shape == (3, 8) and list(panel.wide("gdp").index) == list(REGIONS)


def test_text_cells_become_missing() -> None:
    gdp = block(
        {
            "上海": [1000.0, 1100.0, 1200.0],
            "江苏": [900.0, 950.0, 1000.0],
            "江西": [300.0, 330.0, 360.0],
        }
    )
    gdp = gdp.astype(object)
    gdp.loc["江西", 2010] = "n/a"
    panel = build_panel(base_series(gdp=sheet("gdp", "亿元", gdp)), REGIONS)
    assert np.isnan(value(panel, "gdp", "江西", 2010))


# --- the per-year unit row ---------------------------------------------------------------------


def with_year_units(data: SeriesData, units: dict[int, str]) -> SeriesData:
    data.year_units = units
    data.year_unit_cells = {y: f"{data.sheet}!row3:{y}" for y in units}
    return data


def test_unit_row_brings_each_year_to_the_sheet_unit_for_every_kind_of_series() -> None:
    """Population 2010 typed in 人 (not 万人) and the 2010 rate in 元/美元 (not per 100):
    both come out as if typed in B2's unit, and each conversion is listed with its cell."""
    series = base_series()
    pop = {"上海": [1900.0, 1920.0, 19_400_000.0], "江苏": [7700, 7730, 77_600_000.0]}
    pop["江西"] = [4400.0, 4430.0, 44_600_000.0]
    series["population"] = with_year_units(sheet("population", "万人", pop), {2010: "人"})
    series["fx"] = with_year_units(
        sheet("fx", "元/100美元", pd.DataFrame([[694.51, 683.10, 6.7695]], columns=YEARS)),
        {2010: "元/美元"},
    )
    panel = build_panel(series, REGIONS, Options(fill_gaps=False))
    frame = panel.frame.set_index(["province", "year"])
    assert frame.loc[("上海", 2010), "population"] == pytest.approx(1940.0)  # 万人
    assert frame.loc[("上海", 2010), "fx"] == pytest.approx(6.7695)
    assert frame.loc[("上海", 2009), "fx"] == pytest.approx(6.8310)
    converted = [q for q in panel.quality if q.kind == "converted" and q.year == 2010]
    assert {q.series for q in converted} == {"population", "fx"}
    assert {q.where for q in converted} == {"POPULATION!row3:2010", "FX!row3:2010"}


def test_unit_row_cell_that_names_the_sheet_unit_changes_nothing() -> None:
    series = base_series()
    series["trade"] = with_year_units(series["trade"], {2009: "万美元"})
    panel = build_panel(series, REGIONS)
    plain = build_panel(base_series(), REGIONS)
    pd.testing.assert_frame_equal(panel.frame, plain.frame)
    assert not [q for q in panel.quality if q.kind == "converted" and q.year is not None]


def test_unknown_unit_in_the_unit_row_names_its_cell() -> None:
    series = base_series()
    series["gdp"] = with_year_units(series["gdp"], {2009: "亿"})
    with pytest.raises(UnitError, match="unknown money unit '亿'") as info:
        build_panel(series, REGIONS)
    assert info.value.where == "GDP!row3:2009"
