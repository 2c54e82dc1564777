"""Tests of unit parsing and conversion (addin.core.units)."""

from __future__ import annotations

import numpy as np
import pytest

from addin.core.units import (
    MONEY_UNITS,
    conversion_factor,
    normalise_label,
    parse_fx_unit,
    parse_money_unit,
    parse_population_unit,
)
from addin.errors import InputError, UnitError


@pytest.mark.parametrize(
    ("text", "label", "currency", "scale"),
    [
        ("万美元", "万美元", "USD", 1e4),
        ("（万美元）", "万美元", "USD", 1e4),
        (" 千美元 ", "千美元", "USD", 1e3),
        ("百万美元", "百万美元", "USD", 1e6),
        ("USD million", "百万美元", "USD", 1e6),
        ("亿美元", "亿美元", "USD", 1e8),
        ("十亿美元", "十亿美元", "USD", 1e9),
        ("billion USD", "十亿美元", "USD", 1e9),
        ("亿元", "亿元", "CNY", 1e8),
        ("亿元人民币", "亿元", "CNY", 1e8),
        ("100 million CNY", "亿元", "CNY", 1e8),
        ("万亿元", "万亿元", "CNY", 1e12),
        ("Yuan", "元", "CNY", 1.0),
        ("10,000 USD".replace(",", ""), "万美元", "USD", 1e4),
    ],
)
def test_money_units(text, label, currency, scale) -> None:
    u = parse_money_unit(text)
    assert (u.label, u.currency, u.scale) == (label, currency, scale)


def test_every_listed_unit_parses_to_itself() -> None:
    for label, unit in MONEY_UNITS.items():
        assert parse_money_unit(label) is unit


@pytest.mark.parametrize("bad", ["", "   ", None, float("nan")])
def test_empty_unit_cell_names_the_cell(bad) -> None:
    with pytest.raises(UnitError, match=r"^Trade!B2: the money unit cell is empty") as info:
        parse_money_unit(bad, "Trade!B2")
    assert info.value.where == "Trade!B2"


def test_unknown_unit_names_the_cell_and_the_unit() -> None:
    with pytest.raises(UnitError) as info:
        parse_money_unit("万欧元", "FIE!C3")
    assert str(info.value).startswith("FIE!C3: unknown money unit '万欧元'")
    assert isinstance(info.value, InputError)
    with pytest.raises(UnitError, match="万"):
        parse_population_unit("万户", "Population!B2")
    with pytest.raises(UnitError, match="exchange-rate"):
        parse_fx_unit("美元/元", "FX!B2")


def test_population_and_fx_units() -> None:
    assert parse_population_unit("万人") == 1e4
    assert parse_population_unit("persons") == 1.0
    assert parse_population_unit("百万人") == 1e6
    # the yearbook prints the rate per 100 dollars (e.g. 676.95 for 2010): divide by 100
    assert parse_fx_unit("元/100美元") == 100.0
    assert parse_fx_unit("元/百美元") == 100.0
    assert parse_fx_unit("CNY per 100 USD") == 100.0
    assert parse_fx_unit("元/美元") == 1.0


def test_normalise_label() -> None:
    assert normalise_label("（ 万美元 ）") == "万美元"
    assert normalise_label("USD_Million") == "usdmillion"
    assert normalise_label("ＵＳＤ") == "usd"  # full-width letters


def test_conversion_factors_by_hand() -> None:
    wan_usd, yi_cny = parse_money_unit("万美元"), parse_money_unit("亿元")
    # 万美元 → 亿元 at 6.7261: 1e4 USD · 6.7261 CNY/USD / 1e8 = 6.7261e-4
    assert float(conversion_factor(wan_usd, yi_cny, 6.7261)) == pytest.approx(6.7261e-4, rel=1e-14)
    # 亿元 → 亿美元 at 6.7261: 1 / 6.7261
    assert float(conversion_factor(yi_cny, parse_money_unit("亿美元"), 6.7261)) == pytest.approx(
        1 / 6.7261, rel=1e-14
    )
    # same currency: magnitude only, no rate needed (千美元 → 万美元 = 0.1)
    assert float(conversion_factor(parse_money_unit("千美元"), wan_usd)) == pytest.approx(
        0.1, rel=1e-15
    )
    # 百万美元 → 亿元 at 8.2784: 1e6 · 8.2784 / 1e8 = 0.082784
    assert float(conversion_factor(parse_money_unit("百万美元"), yi_cny, 8.2784)) == pytest.approx(
        0.082784, rel=1e-14
    )


def test_conversion_factor_is_vectorised_over_years_and_needs_the_rate() -> None:
    rates = np.array([8.2784, np.nan, 6.7695])
    f = conversion_factor(parse_money_unit("万美元"), parse_money_unit("亿元"), rates)
    np.testing.assert_allclose(f[[0, 2]], rates[[0, 2]] * 1e-4, rtol=1e-14)
    assert np.isnan(f[1])
    # across currencies without a rate: NaN, never a silent 1
    assert np.isnan(conversion_factor(parse_money_unit("美元"), parse_money_unit("元")))
