"""The tidy panel: one row per province-year, units converted, gaps filled and recorded.

Yearbook sheets arrive as :class:`SeriesData` (provinces × years as typed, the unit
cell, and where each cell sits); :func:`build_panel` validates them, maps provinces to
regions, flags suspicious values, fills interior gaps and converts units, recording
everything it did as :class:`QualityRecord` entries for the Data quality sheet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.gaps import fill_interior
from ..core.units import conversion_factor, parse_fx_unit, parse_money_unit, parse_population_unit
from ..errors import InputError, UnitError
from .options import Options

MONEY_SERIES = ("trade", "fie", "gdp")
SERIES = (*MONEY_SERIES, "population", "fx")
SERIES_LABELS = {
    "trade": ("进出口总额", "Total imports and exports"),
    "fie": ("外商投资企业投资总额", "Total investment of foreign-invested enterprises"),
    "gdp": ("地区生产总值", "Regional GDP"),
    "population": ("年末人口", "Year-end population"),
    "fx": ("人民币对美元年平均汇率", "Annual average exchange rate, CNY per USD"),
}


@dataclass(frozen=True)
class QualityRecord:
    """One entry of the data-quality report.

    ``kind`` is one of ``filled``, ``missing``, ``non-positive``, ``jump``, ``unmapped``,
    ``duplicate``, ``text``, ``error-value``, ``converted``, ``note``.
    ``where`` is a cell address such as ``"GDP!D7"`` when one applies.
    """

    kind: str
    series: str
    province: str | None
    year: int | None
    where: str | None
    detail: str


@dataclass
class SeriesData:
    """One yearbook series as typed by the user.

    Attributes
    ----------
    key : one of ``trade``, ``fie``, ``gdp``, ``population``, ``fx``.
    unit : the unit cell's content (e.g. "万美元").
    values : provinces (index, str) × years (columns, int), floats, NaN for blanks.
        For ``fx`` a single row (any label) of CNY-per-USD rates by year.
    sheet : sheet name, for messages.
    unit_cell : address of the unit cell, for messages.
    locate : (row label, year) → cell address, for messages.
    issues : what the reader already found (text and error cells, duplicates).
    label_cells : row label → address of its name cell, for messages (optional).
    """

    key: str
    unit: object
    values: pd.DataFrame
    sheet: str | None = None
    unit_cell: str | None = None
    locate: Callable[[str, int], str | None] | None = None
    issues: list[QualityRecord] = field(default_factory=list)
    label_cells: Mapping[str, str] = field(default_factory=dict)

    def where(self, label: str, year: int) -> str | None:
        return self.locate(label, year) if self.locate else None


@dataclass
class Panel:
    """Province-year data ready for the indices.

    ``frame`` has columns ``province, region, year`` and one float column per series in
    :data:`SERIES` (converted amounts in the converted mode; exactly as typed otherwise),
    plus ``filled_<series>`` booleans. ``units`` gives each column's unit after
    conversion; ``index_unit`` the unit of T, I and Z.
    """

    frame: pd.DataFrame
    regions: dict[str, str]
    options: Options
    units: dict[str, str]
    index_unit: str
    quality: list[QualityRecord]

    @property
    def provinces(self) -> list[str]:
        return list(self.regions)

    @property
    def years(self) -> list[int]:
        return sorted(self.frame["year"].unique().tolist())

    def wide(self, column: str) -> pd.DataFrame:
        """``column`` as provinces × years, provinces in mapping order."""
        return self.frame.pivot(index="province", columns="year", values=column).reindex(
            self.provinces
        )


def _year_ranges(years: list[int]) -> str:
    """'1993–2004, 2015' from [1993, …, 2004, 2015]."""
    parts, start = [], None
    for i, y in enumerate(years):
        if start is None:
            start = y
        if i + 1 == len(years) or years[i + 1] != y + 1:
            parts.append(str(start) if start == y else f"{start}–{y}")
            start = None
    return ", ".join(parts)


def _clean(series: SeriesData, quality: list[QualityRecord]) -> pd.DataFrame:
    """Numeric frame with duplicated rows/years dropped (first kept) and recorded."""
    values = series.values.apply(pd.to_numeric, errors="coerce").astype(float)
    values.columns = [int(c) for c in values.columns]
    for label in values.index[values.index.duplicated()].unique():
        quality.append(
            QualityRecord(
                "duplicate",
                series.key,
                str(label),
                None,
                series.sheet,
                f"{label} appears more than once on sheet {series.sheet}; the first row is used",
            )
        )
    for year in values.columns[values.columns.duplicated()].unique():
        quality.append(
            QualityRecord(
                "duplicate",
                series.key,
                None,
                int(year),
                series.sheet,
                f"year {year} appears more than once on sheet {series.sheet}; the first column is used",
            )
        )
    values = values.loc[~values.index.duplicated(), ~values.columns.duplicated()]
    return values.sort_index(axis=1)


def _flag_values(
    series: SeriesData, values: pd.DataFrame, ratio: float, quality: list[QualityRecord]
) -> None:
    """Record non-positive values and year-on-year jumps by more than ``ratio``."""
    bad = values <= 0 if series.key in ("gdp", "population", "fx") else values < 0
    for label, year in zip(*np.nonzero(bad.to_numpy())):
        prov, yr = values.index[label], int(values.columns[year])
        what = "zero or negative" if series.key in ("gdp", "population", "fx") else "negative"
        quality.append(
            QualityRecord(
                "non-positive",
                series.key,
                prov,
                yr,
                series.where(prov, yr),
                f"{SERIES_LABELS[series.key][1]} is {what} ({values.iat[label, year]:g})",
            )
        )
    positive = values.where(values > 0)
    years = np.broadcast_to(values.columns.to_numpy(dtype=float), values.shape)
    seen_years = pd.DataFrame(np.where(positive.notna(), years, np.nan), index=values.index)
    before = positive.ffill(axis=1).shift(1, axis=1).to_numpy()  # the previous observed value
    before_year = seen_years.ffill(axis=1).shift(1, axis=1).to_numpy()
    with np.errstate(all="ignore"):
        steps = positive.to_numpy() / before
    for i, j in zip(*np.nonzero((steps > ratio) | (steps < 1 / ratio))):
        prov, y0, y1 = values.index[i], int(before_year[i, j]), int(values.columns[j])
        quality.append(
            QualityRecord(
                "jump",
                series.key,
                prov,
                y1,
                series.where(prov, y1),
                f"{SERIES_LABELS[series.key][1]} changes ×{steps[i, j]:.3g} from {y0} ({before[i, j]:g}) "
                f"to {y1} ({positive.iat[i, j]:g}); check the unit of these cells",
            )
        )


def _fill(
    series: SeriesData, values: pd.DataFrame, quality: list[QualityRecord]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    filled, mask = fill_interior(values.to_numpy(), values.columns.to_numpy())
    out = pd.DataFrame(filled, index=values.index, columns=values.columns)
    for i, j in zip(*np.nonzero(mask)):
        prov, yr = values.index[i], int(values.columns[j])
        quality.append(
            QualityRecord(
                "filled",
                series.key,
                prov if series.key != "fx" else None,
                yr,
                series.where(prov, yr),
                f"interpolated {filled[i, j]:.6g}",
            )
        )
    return out, pd.DataFrame(mask, index=values.index, columns=values.columns)


def build_panel(
    series: Mapping[str, SeriesData],
    regions: Mapping[str, str],
    options: Options | None = None,
) -> Panel:
    """Build the tidy panel from yearbook series.

    Parameters
    ----------
    series : mapping of series key → :class:`SeriesData`
        ``trade``, ``fie`` and ``gdp`` are required; ``population`` is needed for weighted
        disparity; ``fx`` for converting between USD and CNY.
    regions : mapping province → region, in display order
        Provinces on the data sheets but not here are left out and reported.
    options : :class:`~addin.panel.options.Options`

    Raises
    ------
    InputError
        A required series is absent, a unit cell is empty or unknown, or the data leave
        no province-year to compute (messages name the sheet and cell).
    """
    options = options or Options()
    missing = [k for k in MONEY_SERIES if k not in series]
    if missing:
        raise InputError(
            f"no data for {', '.join(SERIES_LABELS[k][1] for k in missing)}", "data sheets"
        )
    if not regions:
        raise InputError("the province → region mapping is empty", "Regions")
    quality: list[QualityRecord] = [rec for s in series.values() for rec in s.issues]
    provinces = list(dict.fromkeys(regions))

    money_units = {k: parse_money_unit(series[k].unit, series[k].unit_cell) for k in MONEY_SERIES}
    cleaned = {key: _clean(data, quality) for key, data in series.items() if key in SERIES}
    empty = [series[k].sheet or k for k in MONEY_SERIES if not cleaned[k].notna().to_numpy().any()]
    if empty:
        raise InputError(
            "no numbers found; fill in the yearbook values (provinces in rows, years in columns)",
            f"sheet {', '.join(empty)}",
        )
    observed = sorted(set().union(*(cleaned[k].columns for k in MONEY_SERIES)))
    if not observed:
        raise InputError(
            "no year columns with data on the Trade, FIE and GDP sheets", "data sheets"
        )
    years = list(range(observed[0], observed[-1] + 1))
    target_unit = (
        parse_money_unit(options.output_unit) if options.unit_mode == "converted" else None
    )
    fx_needed = target_unit is not None and any(
        u.currency != target_unit.currency for u in money_units.values()
    )

    frames: dict[str, pd.DataFrame] = {}
    filled: dict[str, pd.DataFrame] = {}
    for key, values in cleaned.items():
        data = series[key]
        if key == "population":
            values = values * parse_population_unit(data.unit, data.unit_cell) / 1e4
        elif key == "fx":
            try:
                values = values.iloc[:1] / parse_fx_unit(data.unit, data.unit_cell)
            except UnitError as exc:
                if fx_needed:
                    raise
                quality.append(
                    QualityRecord(
                        "note",
                        key,
                        None,
                        None,
                        data.unit_cell,
                        f"{exc.detail}; the exchange rate is not needed here and is left out",
                    )
                )
                continue
        if key != "fx":
            for label in values.index.difference(provinces, sort=False):
                quality.append(
                    QualityRecord(
                        "unmapped",
                        key,
                        str(label),
                        None,
                        data.label_cells.get(label, data.sheet),
                        f"{label} on sheet {data.sheet} is not in the Regions mapping; it is left out",
                    )
                )
            values = values.reindex(index=provinces)
        values = values.reindex(columns=years)
        _flag_values(data, values, options.jump_ratio, quality)
        if key in ("population", "fx"):
            values = values.where(values > 0)
        if options.fill_gaps:
            values, filled[key] = _fill(data, values, quality)
        frames[key] = values

    fx_row = (
        frames["fx"].iloc[0]
        if "fx" in frames and len(frames["fx"])
        else pd.Series(np.nan, index=years)
    )

    units: dict[str, str] = {"population": "万人", "fx": "元/美元"}
    if options.unit_mode == "converted":
        target = parse_money_unit(options.output_unit)
        index_unit = target.label
        for key in MONEY_SERIES:
            src = money_units[key]
            frames[key] = frames[key] * np.broadcast_to(
                conversion_factor(src, target, fx_row.to_numpy()), len(years)
            )
            units[key] = target.label
            if src != target:
                how = " at each year's CNY/USD rate" if src.currency != target.currency else ""
                quality.append(
                    QualityRecord(
                        "converted",
                        key,
                        None,
                        None,
                        series[key].unit_cell,
                        f"{SERIES_LABELS[key][1]}: {src.label} → {target.label}{how}",
                    )
                )
            if src.currency != target.currency:
                lost = [
                    int(y)
                    for y in years
                    if np.isnan(fx_row[y])
                    and cleaned[key].get(y, pd.Series(dtype=float)).notna().any()
                ]
                if lost:
                    quality.append(
                        QualityRecord(
                            "missing",
                            "fx",
                            None,
                            None,
                            series["fx"].sheet if "fx" in series else None,
                            f"no exchange rate for {_year_ranges(lost)}: {SERIES_LABELS[key][1]} "
                            f"in {src.label} cannot be converted to {target.label} for those years",
                        )
                    )
    else:
        for key in MONEY_SERIES:
            units[key] = money_units[key].label
        t, f, g = (money_units[k].label for k in MONEY_SERIES)
        index_unit = f"as entered 按输入 (T: {t}²/{g}; I: {f}²/{g}; Z: {t}·{f}/{g})"

    for key in MONEY_SERIES:
        for prov, row in frames[key].iterrows():
            gaps = [int(y) for y in row.index[row.isna()]]
            if gaps:
                where = series[key].where(prov, gaps[0]) or series[key].sheet
                quality.append(
                    QualityRecord(
                        "missing",
                        key,
                        prov,
                        None,
                        where,
                        f"{SERIES_LABELS[key][1]}: no value for {prov} in {_year_ranges(gaps)}",
                    )
                )

    long = {key: frames[key].stack(future_stack=True) for key in frames if key != "fx"}
    frame = pd.DataFrame(long)
    frame.index.names = ["province", "year"]
    frame = frame.reset_index()
    frame.insert(1, "region", frame["province"].map(regions))
    frame["fx"] = frame["year"].map(fx_row)
    if "population" not in frame:
        frame["population"] = np.nan
    for key in SERIES:
        mask = filled.get(key)
        if mask is None:
            frame[f"filled_{key}"] = False
        elif key == "fx":
            frame[f"filled_{key}"] = frame["year"].map(mask.iloc[0]).astype(bool)
        else:
            frame[f"filled_{key}"] = mask.stack(future_stack=True).to_numpy()
    frame["year"] = frame["year"].astype(int)
    return Panel(
        frame,
        dict(zip(provinces, (regions[p] for p in provinces))),
        options,
        units,
        index_unit,
        quality,
    )
