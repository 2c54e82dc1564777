"""Regeneration of a workbook holding the real yearbook series of ../shared/data, with
their real units and gaps, through the file engine, against the engine on the same data."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from addin.panel.options import Options
from addin.panel.tables import compute_all
from addin.panel.tidy import SeriesData, build_panel
from addin.workbook import layout
from addin.workbook.file_engine import FileEngine
from addin.workbook.regenerate import regenerate
from addin.workbook.template.build import build_workbook

from workbooks import REGIONS, read_table

YEARS = list(range(1993, 2023))


def _wide(folder, name, scale=1.0):
    long = pd.read_csv(folder / name)
    return (
        long.pivot(index="province", columns="year", values="value").reindex(index=list(REGIONS))
        * scale
    )


@pytest.fixture(scope="module")
def real(shared_data, tmp_path_factory):
    """Trade in 万美元 (the 千美元 years converted by /10 before entry), FIE in 百万美元,
    GDP in 亿元, resident population in 万人 (2000–2019), the official exchange rate."""
    trade = pd.concat(
        [_wide(shared_data, "trade_10k_usd.csv"), _wide(shared_data, "trade_1k_usd.csv", 0.1)],
        axis=1,
    )
    fx = pd.read_csv(shared_data / "fx_cny_per_usd.csv").set_index("year")["cny_per_usd"]
    data = {
        "trade": trade.reindex(columns=YEARS),
        "fie": _wide(shared_data, "fie_total_investment_musd.csv").reindex(columns=YEARS),
        "gdp": _wide(shared_data, "gdp_100m_cny.csv").reindex(columns=YEARS),
        "population": _wide(shared_data, "population_resident_10k.csv").reindex(columns=YEARS),
        "fx": fx.reindex(YEARS).to_frame().T,
    }
    path = tmp_path_factory.mktemp("real") / "real.xlsm"
    build_workbook(path, data)
    engine = FileEngine(path)
    result = regenerate(engine)
    engine.save()
    return data, path, result


def test_real_workbook_tables_equal_the_engine(real):
    data, path, _ = real
    series = {k: SeriesData(k, layout.DEFAULT_UNITS[k], v) for k, v in data.items()}
    expected = compute_all(build_panel(series, REGIONS, Options()))
    got = read_table(path, layout.INDEX)
    z = np.array([np.nan if v is None else v for v in got.iloc[:, 6]], dtype=float)
    np.testing.assert_allclose(
        z, expected.index["open_index"].to_numpy(), rtol=1e-12, equal_nan=True
    )
    # Z exists exactly where trade and FIE overlap after interior filling: 2005–2015
    years_with_z = sorted(expected.index.dropna(subset=["open_index"])["year"].unique())
    assert years_with_z == list(range(2005, 2016))


def test_real_workbook_quality_sheet_reports_gaps_with_cells(real):
    _, path, _ = real
    quality = read_table(path, layout.QUALITY)
    quality.columns = ["kind", "level", "series", "province", "year", "cell", "detail"]
    filled = quality[(quality["kind"] == "filled") & (quality["series"] == "trade")]
    assert sorted(filled["year"].unique()) == [
        2006,
        2015,
    ]  # absent for every province in the sources
    assert len(filled) == 22
    shanghai_2006 = filled[(filled["province"] == "上海") & (filled["year"] == 2006)].iloc[0]
    assert shanghai_2006["cell"] == "Trade!P5"
    missing = quality[(quality["kind"] == "missing") & (quality["series"] == "fie")]
    assert len(missing) == 11 and all("1993–1999, 2016–2022" in d for d in missing["detail"])
    # the real series raise no plausibility warning: the bands hold the yearbook data
    assert not (quality["kind"] == "plausibility").any()


def test_real_workbook_shanghai_2010_by_hand(real):
    _, path, _ = real
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[layout.INDEX]
    rows = {
        (r[0], r[3]): r
        for r in ws.iter_rows(min_row=layout.OUT_FIRST_ROW, values_only=True)
        if r[0]
    }
    shanghai = rows[("上海", 2010)]
    # trade 36,895,065.2 万美元 and FIE 339,385 百万美元 at 6.7695 CNY/USD, GDP 17,165.98 亿元:
    trade = 36895065.2 * 1e4 * 6.7695 / 1e8
    fie = 339385 * 1e6 * 6.7695 / 1e8
    assert shanghai[4] == pytest.approx(trade**2 / 17165.98, rel=1e-12)
    assert shanghai[6] == pytest.approx(trade * fie / 17165.98, rel=1e-12)
