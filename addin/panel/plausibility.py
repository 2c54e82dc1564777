"""Plausibility warnings: numbers that look like a unit slip or a mistyped value.

These are warnings, not errors: the computation uses the numbers as they are and the
Quality sheet lists each warning (kind ``plausibility``) with the cells involved and the
unit cell it suspects. The bands are options (Settings rows) with defaults from the
yearbook series 1993–2022 of the 11 Yangtze provinces, widened by far:

============================  ===============  ====================================
check                         default band     observed 1993–2022 (11 provinces)
============================  ===============  ====================================
exchange rate, CNY per USD    1 – 20           4.8 – 8.6
GDP per person, 元/人          200 – 1,000,000  1,225 – 157,147
trade / GDP                   0.005 – 5        0.027 – 1.72
FIE / GDP                     0.005 – 5        0.061 – 1.86
one province off the median   × 30             × 14.7 at most
============================  ===============  ====================================

Ratios to GDP are taken in one currency and magnitude (USD amounts at each year's rate),
whatever the unit mode.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.cells import number_text
from ..core.units import conversion_factor, parse_money_unit
from ..errors import UnitError
from .quality import QualityKind, QualityRecord
from .tidy import SERIES_LABELS, Panel, year_ranges

YUAN = parse_money_unit("元")
SHOWN = 5  # cells listed in one warning's detail


def _fx_outside(panel: Panel) -> np.ndarray:
    """Per row of ``panel.frame``: the year's exchange rate is outside the band."""
    lo, hi = panel.options.fx_band
    fx = panel.frame["fx"].to_numpy()
    return (fx < lo) | (fx > hi)


def _entered_in_dollars(panel: Panel, key: str) -> bool:
    """Whether a money series was typed in dollars (so its amounts in 元 rest on the rate)."""
    try:
        entered = parse_money_unit(panel.units_entered.get(key) or panel.units[key])
    except UnitError:
        return False
    return entered.currency == "USD"


def _in_yuan(panel: Panel, key: str) -> np.ndarray:
    """A money series as provinces × years in 元 (NaN where no rate converts it, and, for a
    dollar series, where the rate is itself outside its band: the fx warning covers those)."""
    unit = parse_money_unit(panel.units[key])
    factor = conversion_factor(unit, YUAN, panel.frame["fx"].to_numpy())
    if _entered_in_dollars(panel, key):
        factor = np.where(_fx_outside(panel), np.nan, factor)
    return panel.grid(panel.frame[key].to_numpy() * factor).to_numpy()


def _by_year_median(values: np.ndarray) -> np.ndarray:
    """Median over the provinces (rows) for each year, NaN skipped; NaN for a year without
    values. pandas' median, which does not warn about those years."""
    return pd.DataFrame(values).median(axis=0).to_numpy()


def _cells(panel: Panel, key: str, pairs: list[tuple[str, int]]) -> list[str]:
    locate = panel.locate.get(key)
    return [c for c in (locate(p, y) for p, y in pairs) if c] if locate else []


def _warning(panel, key, pairs, what, suspect) -> QualityRecord:
    """One warning over the (province, year) pairs, listing their cells."""
    cells = _cells(panel, key, pairs)
    shown = ", ".join(cells[:SHOWN]) + (
        f" and {len(cells) - SHOWN} more" if len(cells) > SHOWN else ""
    )
    years = year_ranges(sorted({y for _, y in pairs}))
    provinces = sorted({p for p, _ in pairs if p != "CNY/USD"})
    who = (
        f"{', '.join(provinces[:SHOWN])}{' …' if len(provinces) > SHOWN else ''} "
        if provinces
        else ""
    )
    detail = f"{who}{years}: {what}; {suspect}" + (f" (cells {shown})" if shown else "")
    province = provinces[0] if len(provinces) == 1 else None
    first = cells[0] if cells else panel.unit_cells.get(key)
    return QualityRecord(QualityKind.PLAUSIBILITY, key, province, pairs[0][1], first, detail)


def _outside(
    values: np.ndarray, band: tuple[float, float], rows: list[str], years: list[int]
) -> list[tuple[str, int]]:
    """(row, year) of the elements of a rows × years block outside ``band`` (NaN is not)."""
    lo, hi = band
    return [(rows[i], years[j]) for i, j in zip(*np.nonzero((values < lo) | (values > hi)))]


def _unit_of(key: str, panel: Panel) -> str:
    """'GDP!B2 (亿元)': the unit cell of a series and what it says."""
    cell = panel.unit_cells.get(key) or f"the {SERIES_LABELS[key][1]} unit cell"
    return f"{cell} ({panel.units_entered.get(key, '')})"


def _unit_hint(key: str, panel: Panel) -> str:
    return f"check the unit in {_unit_of(key, panel)} and the unit row above the years"


def fx_warnings(panel: Panel) -> list[QualityRecord]:
    """Exchange rates outside the band for CNY per USD (元/美元 near 680 means 元/100美元)."""
    rates = panel.wide("fx").to_numpy()[:1]  # the same in every province's rows
    pairs = _outside(rates, panel.options.fx_band, ["CNY/USD"], panel.years)
    if not pairs:
        return []
    lo, hi = panel.options.fx_band
    what = (
        f"CNY per USD outside {number_text(lo)}–{number_text(hi)}; trade/GDP and FIE/GDP of "
        "these years are suspect because of the rate and are not checked"
    )
    return [_warning(panel, "fx", pairs, what, _unit_hint("fx", panel) + "; 元/100美元?")]


def gdp_per_person_warnings(panel: Panel) -> list[QualityRecord]:
    """GDP per person in 元 outside the band (when population is there)."""
    persons = panel.wide("population").to_numpy() * 1e4
    if not np.isfinite(persons).any():
        return []
    with np.errstate(all="ignore"):
        per_person = _in_yuan(panel, "gdp") / persons
    pairs = _outside(per_person, panel.options.gdp_per_person_band, panel.provinces, panel.years)
    if not pairs:
        return []
    lo, hi = panel.options.gdp_per_person_band
    what = f"GDP per person outside {number_text(lo)}–{number_text(hi)} 元"
    hint = (
        f"check the units in {_unit_of('gdp', panel)} and {_unit_of('population', panel)} "
        "and the unit rows above the years"
    )
    return [_warning(panel, "gdp", pairs, what, hint)]


def ratio_warnings(panel: Panel) -> list[QualityRecord]:
    """Trade/GDP and FIE/GDP outside their bands, and single provinces far off the median."""
    gdp = _in_yuan(panel, "gdp")
    records, ratios = [], {}
    bands = {"trade": panel.options.trade_gdp_band, "fie": panel.options.fie_gdp_band}
    for key, band in bands.items():
        with np.errstate(all="ignore"):
            ratio = _in_yuan(panel, key) / np.where(gdp > 0, gdp, np.nan)
        name = SERIES_LABELS[key][1]
        nonzero = np.where(ratio != 0, ratio, np.nan)  # zero amounts: zero_warnings
        pairs = _outside(nonzero, band, panel.provinces, panel.years)
        if pairs:
            what = f"{name} / GDP outside {number_text(band[0])}–{number_text(band[1])}"
            records.append(_warning(panel, key, pairs, what, _unit_hint(key, panel)))
        records += _off_median(panel, key, ratio)
        ratios[key] = ratio
    return records + _trade_against_fie(panel, ratios["trade"], ratios["fie"])


def _trade_against_fie(panel: Panel, trade: np.ndarray, fie: np.ndarray) -> list[QualityRecord]:
    """Province-years whose trade/GDP, relative to that year's median province, differs from
    their FIE/GDP relative to its median by more than ``series_ratio`` (either way).

    Per province p and year t: |ln((rT[p,t] / median_q rT[q,t]) / (rI[p,t] / median_q rI[q,t]))|
    > ln(series_ratio), with rT = trade/GDP and rI = FIE/GDP in one currency.

    A power of ten in a whole Trade or FIE row moves one side only; a GDP slip moves both and
    is not seen here. On the real series (11 provinces, 2005–2015) the factor is ×2.5 at
    most, so ×10 in one row gives at least ×4.
    """
    with np.errstate(all="ignore"):
        positive_t, positive_f = np.where(trade > 0, trade, np.nan), np.where(fie > 0, fie, np.nan)
        gaps = np.log(positive_t / _by_year_median(positive_t)) - np.log(
            positive_f / _by_year_median(positive_f)
        )
    records = []
    for i, flagged, pairs, factor in _rows_beyond(np.abs(gaps), panel, panel.options.series_ratio):
        higher = "trade" if gaps[i, flagged][0] > 0 else "fie"
        what = (
            f"trade/GDP and FIE/GDP disagree by ×{number_text(factor, 3)} "
            "against the median provinces"
        )
        hint = f"check the {SERIES_LABELS[higher][1]} row and the other row for a power of ten"
        records.append(_warning(panel, higher, pairs, what, hint))
    return records


def _rows_beyond(off: np.ndarray, panel: Panel, ratio: float):
    """The rows of a provinces × years block of absolute log-factors with an element beyond
    ``ln(ratio)`` (NaN never is), one at a time (rows are ``panel.provinces``).

    Yields
    ------
    row : int
        The row's position.
    flagged : ndarray of bool
        Its elements beyond the limit.
    pairs : list of (str, int)
        Their province and year.
    factor : float
        The largest of them as a factor, exp(max |ln f|).
    """
    limit = np.log(ratio)
    with np.errstate(invalid="ignore"):
        beyond = off > limit  # NaN compares False
    provinces, years = panel.provinces, np.asarray(panel.years)
    for i in np.flatnonzero(beyond.any(axis=1)):
        flagged, province = beyond[i], provinces[i]
        pairs = [(province, year) for year in years[flagged].tolist()]
        yield i, flagged, pairs, float(np.exp(off[i, flagged].max()))


def _off_median(panel: Panel, key: str, ratio: np.ndarray) -> list[QualityRecord]:
    """Provinces whose ratio to GDP is more than ``outlier_ratio`` times off that year's median
    over the provinces (a power of ten typed into one row)."""
    with np.errstate(all="ignore"):
        off = np.abs(np.log(np.where(ratio > 0, ratio, np.nan) / _by_year_median(ratio)))
    records = []
    for _, _, pairs, factor in _rows_beyond(off, panel, panel.options.outlier_ratio):
        name = SERIES_LABELS[key][1]
        what = f"{name} / GDP is ×{number_text(factor, 3)} off the median of the provinces"
        hint = "check the unit of these cells (a power of ten?)"
        records.append(_warning(panel, key, pairs, what, hint))
    return records


def zero_warnings(panel: Panel) -> list[QualityRecord]:
    """Zero trade or FIE: Z is 0 and pulls the means down; a no-data mark would leave it out."""
    records, provinces, years = [], panel.provinces, panel.years
    for key in ("trade", "fie"):
        zero = panel.wide(key).to_numpy() == 0
        pairs = [(provinces[i], years[j]) for i, j in zip(*np.nonzero(zero))]
        if pairs:
            what = f"{SERIES_LABELS[key][1]} is zero, so Z is 0 and counts in the means"
            hint = "if the yearbook has no data there, leave the cell blank or type —"
            records.append(_warning(panel, key, pairs, what, hint))
    return records


def plausibility_records(panel: Panel) -> list[QualityRecord]:
    """Every plausibility warning of a panel, for the Quality sheet."""
    return [
        *fx_warnings(panel),
        *gdp_per_person_warnings(panel),
        *ratio_warnings(panel),
        *zero_warnings(panel),
    ]
