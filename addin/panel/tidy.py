"""The tidy panel: one row per province-year, units converted, gaps filled and recorded.

Yearbook sheets arrive as :class:`SeriesData` (provinces × years as typed, the unit
cell, and where each cell sits); :func:`build_panel` validates them, maps provinces to
regions, flags suspicious values, fills interior gaps and converts units, recording
everything it did as :class:`QualityRecord` entries for the Data quality sheet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..core.cells import number_text
from ..core.gaps import fill_interior, last_true
from ..core.units import conversion_factor, parse_fx_unit, parse_money_unit, parse_population_unit
from ..errors import InputError, UnitError
from .options import Options
from .quality import QualityKind, QualityRecord

MONEY_SERIES = ("trade", "fie", "gdp")
SERIES = (*MONEY_SERIES, "population", "fx")
#: Significant digits of a filled value in its Quality detail (computed, so not "as read").
FILLED_DIGITS = 10
SERIES_LABELS = {
    "trade": ("进出口总额", "Total imports and exports"),
    "fie": ("外商投资企业投资总额", "Total investment of foreign-invested enterprises"),
    "gdp": ("地区生产总值", "Regional GDP"),
    "population": ("年末人口", "Year-end population"),
    "fx": ("人民币对美元年平均汇率", "Annual average exchange rate, CNY per USD"),
}


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
    errors : (row label, year) of cells that held text or an error value: never filled.
    year_units : year → that year's own unit where it is not ``unit`` (the unit row).
    year_unit_cells : year → address of its unit-row cell (every year column), for messages.
    """

    key: str
    unit: object
    values: pd.DataFrame
    sheet: str | None = None
    unit_cell: str | None = None
    locate: Callable[[str, int], str | None] | None = None
    issues: list[QualityRecord] = field(default_factory=list)
    label_cells: Mapping[str, str] = field(default_factory=dict)
    errors: frozenset[tuple[str, int]] = frozenset()
    year_units: Mapping[int, object] = field(default_factory=dict)
    year_unit_cells: Mapping[int, str] = field(default_factory=dict)

    def where(self, label: str, year: int) -> str | None:
        return self.locate(label, year) if self.locate else None


@dataclass
class Panel:
    """Province-year data ready for the indices.

    ``frame`` has columns ``province, region, year`` and one float column per series in
    :data:`SERIES` (converted amounts in the converted mode; exactly as typed otherwise),
    plus ``filled_<series>`` booleans. Its rows are the full grid: one per province (in
    mapping order) and, within each, one per year of the span, ascending, so any column
    is a provinces × years block in row order (:meth:`grid`). ``units`` gives each
    column's unit after conversion; ``index_unit`` the unit of T, I and Z. ``locate``
    finds a series' input cell, ``unit_cells`` and ``units_entered`` give each series'
    unit cell and its text.
    """

    frame: pd.DataFrame
    regions: dict[str, str]
    options: Options
    units: dict[str, str]
    index_unit: str
    quality: list[QualityRecord]
    locate: Mapping[str, Callable[[str, int], str | None]] = field(default_factory=dict)
    unit_cells: Mapping[str, str | None] = field(default_factory=dict)
    units_entered: Mapping[str, str] = field(default_factory=dict)

    @property
    def provinces(self) -> list[str]:
        return list(self.regions)

    @cached_property
    def years(self) -> list[int]:
        """Every year of the span, ascending (the frame is not changed once built)."""
        return sorted(self.frame["year"].unique().tolist())

    def where(self, key: str, province: str, year: int) -> str | None:
        """The input cell of series ``key`` for a province-year, when known."""
        locate = self.locate.get(key)
        return locate(province, year) if locate else None

    def wide(self, column: str) -> pd.DataFrame:
        """``column`` as provinces × years, provinces in mapping order."""
        return self.grid(self.frame[column])

    def grid(self, values) -> pd.DataFrame:
        """Values in the row order of :attr:`frame` as a provinces × years block.

        Parameters
        ----------
        values : array_like, shape (n_provinces · n_years,)
            One value per row of :attr:`frame` (a column of it, or of
            :func:`~addin.panel.tables.index_table`, whose rows are the same).

        Returns
        -------
        DataFrame
            Floats, provinces (mapping order) × :attr:`years`: what a pivot of the long
            frame gives, made by a reshape.
        """
        years = self.years
        block = np.array(values, dtype=float).reshape(len(self.regions), len(years))
        # copy=False keeps the block row-major, as a pivot makes it: sums over provinces
        # (region and belt means) then add in the same order, to the last bit
        return pd.DataFrame(block, index=pd.Index(self.provinces), columns=years, copy=False)


def year_ranges(years: list[int]) -> str:
    """Years as runs, for messages.

    Examples
    --------
    >>> year_ranges([1993, 1994, 1995, 2004, 2015, 2016])
    '1993–1995, 2004, 2015–2016'
    """
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
    values = series.values
    if not all(pd.api.types.is_numeric_dtype(t) for t in values.dtypes):
        values = values.apply(pd.to_numeric, errors="coerce")  # the reader gives floats
    values = values.astype(float)
    values.columns = [int(c) for c in values.columns]
    for label in values.index[values.index.duplicated()].unique():
        quality.append(
            QualityRecord(
                QualityKind.DUPLICATE,
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
                QualityKind.DUPLICATE,
                series.key,
                None,
                int(year),
                series.sheet,
                f"year {year} appears more than once on sheet {series.sheet}; "
                "the first column is used",
            )
        )
    values = values.loc[~values.index.duplicated(), ~values.columns.duplicated()]
    return values.sort_index(axis=1)


def _flag_values(
    series: SeriesData, values: pd.DataFrame, ratio: float, quality: list[QualityRecord]
) -> list[tuple[int, int, int]]:
    """Record non-positive values, year-on-year jumps by more than ``ratio`` and unit changes.

    A jump compares each positive value with the row's previous positive value (gaps and
    non-positive values are stepped over): ×ratio or more up or down is recorded. When every
    row with such a step into one year jumps the same way (two rows at least), that is the
    signature of a unit change: one ``unit`` record naming the unit cells replaces the
    jumps. Returns those steps as (row, column, previous value's column): gaps inside them
    are not to be filled (:func:`_fill`).
    """
    array, labels, years = values.to_numpy(), values.index.tolist(), _years_of(values)
    _flag_non_positive(series, array, labels, years, quality)
    positive = np.where(array > 0, array, np.nan)
    before, before_col = _previous_value(positive)
    with np.errstate(all="ignore"):
        steps = positive / before
    jumps = (steps > ratio) | (steps < 1 / ratio)
    breaks = []
    for j in _unit_changes(steps, jumps):
        rows = np.flatnonzero(np.isfinite(steps[:, j]))
        quality.append(_unit_change_record(series, steps[rows, j], years, before_col[rows, j], j))
        breaks += [(int(i), int(j), int(before_col[i, j])) for i in rows]
        jumps[:, j] = False
    name = SERIES_LABELS[series.key][1]
    for i, j in zip(*np.nonzero(jumps)):
        prov, y0, y1 = labels[i], years[before_col[i, j]], years[j]
        quality.append(
            QualityRecord(
                QualityKind.JUMP,
                series.key,
                prov,
                y1,
                series.where(prov, y1),
                f"{name} changes ×{number_text(steps[i, j], 3)} "
                f"from {y0} ({number_text(before[i, j])}) "
                f"to {y1} ({number_text(positive[i, j])}); "
                "check the unit of these cells",
            )
        )
    return breaks


def _flag_non_positive(series, array, labels, years, quality) -> None:
    """Zero or negative GDP, population and rates; negative trade and FIE."""
    strict = series.key in ("gdp", "population", "fx")
    name = SERIES_LABELS[series.key][1]
    for label, year in zip(*np.nonzero(array <= 0 if strict else array < 0)):
        prov, yr = labels[label], years[year]
        quality.append(
            QualityRecord(
                QualityKind.NON_POSITIVE,
                series.key,
                prov,
                yr,
                series.where(prov, yr),
                f"{name} is {'zero or negative' if strict else 'negative'} "
                f"({number_text(array[label, year])})",
            )
        )


def _unit_changes(steps: np.ndarray, jumps: np.ndarray) -> list[int]:
    """Columns where every row with a step jumps, all the same way, two rows at least.

    >>> steps = np.array([[np.nan, 1.1, 9.0], [np.nan, 0.9, 11.0], [np.nan, 1.0, np.nan]])
    >>> _unit_changes(steps, (steps > 5) | (steps < 0.2))
    [2]
    """
    stepped = np.isfinite(steps)
    with np.errstate(invalid="ignore"):
        up, down = (jumps & (steps > 1)) | ~stepped, (jumps & (steps < 1)) | ~stepped
    same_way = up.all(axis=0) | down.all(axis=0)
    return np.flatnonzero(same_way & (stepped.sum(axis=0) >= 2)).tolist()


def _unit_change_record(series, steps, years, before_cols, j) -> QualityRecord:
    """One ``unit`` warning for a unit change into year ``years[j]``, naming the unit cells."""
    year, since = years[j], sorted({years[c] for c in before_cols})
    row3 = series.year_unit_cells.get(year) or f"row 3 above {year}"
    gap = since[-1] < year - 1
    detail = (
        f"{SERIES_LABELS[series.key][1]}: every province with a value ({len(steps)}) changes "
        f"×{steps.min():.3g} to ×{steps.max():.3g} from {year_ranges(since)} to {year}, the "
        f"signature of a unit change, not growth. Check the unit in {series.unit_cell} "
        f"({series.unit}) and, if the numbers from {year} on are in another unit, write it in "
        f"{row3} (the unit row)"
        + ("; the years between are not filled across the change" if gap else "")
    )
    return QualityRecord(QualityKind.UNIT, series.key, None, year, series.unit_cell, detail)


def _years_of(values: pd.DataFrame) -> list[int]:
    """The year columns of a provinces × years frame as ints."""
    return [int(y) for y in values.columns]


def _previous_value(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per element of a 2-D array: the row's last non-NaN value strictly before it (NaN if
    none) and that value's column (−1 if none).

    Examples
    --------
    >>> before, where = _previous_value(np.array([[np.nan, 2.0, np.nan, 5.0]]))
    >>> before.tolist(), where.tolist()
    ([[nan, nan, 2.0, 2.0]], [[-1, -1, 1, 1]])
    """
    last = last_true(~np.isnan(x))
    previous = np.full_like(last, -1)
    previous[:, 1:] = last[:, :-1]
    found = np.take_along_axis(x, previous.clip(0), axis=-1)
    return np.where(previous >= 0, found, np.nan), previous


def _fill(
    series: SeriesData,
    values: pd.DataFrame,
    quality: list[QualityRecord],
    breaks: list[tuple[int, int, int]] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill interior gaps linearly in the year, except cells that held text or an error value
    (the one cell rule: an error in the data is never filled) and gaps across a unit change
    (``breaks`` from :func:`_flag_values`: (row, column, previous value's column)); record
    every filled cell."""
    filled, mask = fill_interior(values.to_numpy(), values.columns.to_numpy())
    for i, j, j0 in breaks:
        across = slice(j0 + 1, j)
        filled[i, across] = np.where(mask[i, across], np.nan, filled[i, across])
        mask[i, across] = False
    if series.errors:
        rows, cols = {p: i for i, p in enumerate(values.index)}, list(values.columns)
        for label, year in series.errors:
            if label in rows and year in cols:
                i, j = rows[label], cols.index(year)
                filled[i, j], mask[i, j] = np.nan, False
    out = pd.DataFrame(filled, index=values.index, columns=values.columns)
    labels, years = values.index.tolist(), _years_of(values)
    seen = ~np.isnan(values.to_numpy()) if series.year_units else None
    for i, j in zip(*np.nonzero(mask)):
        prov, yr = labels[i], years[j]
        between = _across_units(series, seen[i], years, j) if seen is not None else ""
        quality.append(
            QualityRecord(
                QualityKind.FILLED,
                series.key,
                prov if series.key != "fx" else None,
                yr,
                series.where(prov, yr),
                f"interpolated {number_text(filled[i, j], FILLED_DIGITS)}{between}",
            )
        )
    return out, pd.DataFrame(mask, index=values.index, columns=values.columns)


def _across_units(series: SeriesData, seen: np.ndarray, years: list[int], j: int) -> str:
    """For a value filled at column ``j`` between two years typed in different units (the
    unit row), what the detail adds: both years, their units and the unit-row cells; the
    fill is between the numbers converted to B2's unit. Empty when the units agree."""
    y0 = years[np.flatnonzero(seen[:j])[-1]]
    y1 = years[j + 1 + np.flatnonzero(seen[j + 1 :])[0]]
    u0, u1 = (str(series.year_units.get(y, series.unit)).strip() for y in (y0, y1))
    if u0 == u1:
        return ""
    cells = [series.year_unit_cells[y] for y in (y0, y1) if y in series.year_units]
    return (
        f" between {y0} in {u0} and {y1} in {u1}, both converted to {series.unit} "
        f"({series.unit_cell}) first; check the unit row ({', '.join(cells)})"
    )


def _unit_parser(key: str) -> Callable[[object, str | None], object]:
    if key in MONEY_SERIES:
        return parse_money_unit
    return parse_population_unit if key == "population" else parse_fx_unit


def _year_factor(key: str, year_unit, sheet_unit, rate: float) -> float:
    """Multiplier taking a year's values from its own unit to the sheet's unit (B2)."""
    if key in MONEY_SERIES:
        return float(conversion_factor(year_unit, sheet_unit, rate))
    if key == "population":
        return year_unit / sheet_unit
    return sheet_unit / year_unit  # exchange rates: divisors to CNY per USD


def _to_sheet_unit(
    data: SeriesData, values: pd.DataFrame, fx_row: pd.Series | None, quality: list[QualityRecord]
) -> pd.DataFrame:
    """Bring the years whose unit-row cell names another unit to the unit of B2."""
    if not data.year_units:
        return values
    parse = _unit_parser(data.key)
    sheet_unit = parse(data.unit, data.unit_cell)
    values = values.copy()
    for year, text in sorted(data.year_units.items()):
        if year not in values.columns:
            continue
        where = data.year_unit_cells.get(year)
        unit = parse(text, where)
        if unit == sheet_unit:
            continue
        rate = fx_row.get(year, np.nan) if fx_row is not None else np.nan
        factor = _year_factor(data.key, unit, sheet_unit, rate)
        values[year] = values[year] * factor
        name = SERIES_LABELS[data.key][1]
        if np.isnan(factor):
            detail = f"{name} {year} in {text}: no exchange rate that year, so it cannot be used"
            quality.append(QualityRecord(QualityKind.MISSING, data.key, None, year, where, detail))
        else:
            detail = f"{name} {year}: {text} → {data.unit} (×{factor:.6g}, from the unit row)"
            quality.append(
                QualityRecord(QualityKind.CONVERTED, data.key, None, year, where, detail)
            )
    return values


def _require(series: Mapping[str, SeriesData], regions: Mapping[str, str]) -> None:
    missing = [k for k in MONEY_SERIES if k not in series]
    if missing:
        raise InputError(
            f"no data for {', '.join(SERIES_LABELS[k][1] for k in missing)}", "data sheets"
        )
    if not regions:
        raise InputError("the province → region mapping is empty", "Regions")


def _year_span(series: Mapping[str, SeriesData], cleaned: Mapping[str, pd.DataFrame]) -> list[int]:
    """Every year from the first to the last with trade, FIE or GDP columns."""
    empty = [series[k].sheet or k for k in MONEY_SERIES if not cleaned[k].notna().to_numpy().any()]
    if empty:
        raise InputError(
            "no numbers found; fill in the yearbook values (provinces in rows, years in columns)",
            f"sheet {', '.join(empty)}",
        )
    observed = sorted(set().union(*(cleaned[k].columns for k in MONEY_SERIES)))
    return list(range(observed[0], observed[-1] + 1))


def _fx_rates(
    data: SeriesData | None,
    values: pd.DataFrame | None,
    years: list[int],
    options: Options,
    needed: bool,
    quality: list[QualityRecord],
) -> tuple[pd.Series, pd.Series]:
    """CNY per USD by year (gaps filled if chosen) and which years were filled."""
    nothing = pd.Series(np.nan, index=years), pd.Series(False, index=years)
    if data is None or values is None or not len(values):
        return nothing
    try:
        divisor = parse_fx_unit(data.unit, data.unit_cell)
    except UnitError as exc:
        if needed:
            raise
        detail = f"{exc.detail}; the exchange rate is not needed here and is left out"
        quality.append(QualityRecord(QualityKind.NOTE, "fx", None, None, data.unit_cell, detail))
        return nothing
    rates = _to_sheet_unit(data, values.iloc[:1], None, quality) / divisor
    rates = rates.reindex(columns=years)
    _flag_values(data, rates, options.jump_ratio, quality)
    rates = rates.where(rates > 0)
    if not options.fill_gaps:
        return rates.iloc[0], pd.Series(False, index=years)
    rates, mask = _fill(data, rates, quality)
    return rates.iloc[0], mask.iloc[0]


def _note_unmapped(data: SeriesData, values, provinces, quality) -> None:
    for label in values.index.difference(provinces, sort=False):
        quality.append(
            QualityRecord(
                QualityKind.UNMAPPED,
                data.key,
                str(label),
                None,
                data.label_cells.get(label, data.sheet),
                f"{label} on sheet {data.sheet} is not in the Regions mapping; it is left out",
            )
        )


def _series_frame(
    data: SeriesData,
    values: pd.DataFrame,
    frame_shape: tuple[list[str], list[int]],
    fx_row: pd.Series,
    options: Options,
    quality: list[QualityRecord],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One province series in the sheet's unit: provinces × years, checked and gap-filled."""
    provinces, years = frame_shape
    values = _to_sheet_unit(data, values, fx_row, quality)
    if data.key == "population":
        values = values * parse_population_unit(data.unit, data.unit_cell) / 1e4
    _note_unmapped(data, values, provinces, quality)
    values = values.reindex(index=provinces, columns=years)
    breaks = _flag_values(data, values, options.jump_ratio, quality)
    if data.key == "population":
        values = values.where(values > 0)  # a zero population is a missing weight
    if not options.fill_gaps:
        return values, pd.DataFrame(False, index=values.index, columns=values.columns)
    return _fill(data, values, quality, breaks)


def _convert(
    frames: dict[str, pd.DataFrame],
    series: Mapping[str, SeriesData],
    fx_row: pd.Series,
    options: Options,
    quality: list[QualityRecord],
) -> tuple[dict[str, str], str]:
    """Convert the money series to the output unit (converted mode) in place; the units."""
    money_units = {k: parse_money_unit(series[k].unit, series[k].unit_cell) for k in MONEY_SERIES}
    units: dict[str, str] = {"population": "万人", "fx": "元/美元"}
    if options.unit_mode != "converted":
        units.update({k: money_units[k].label for k in MONEY_SERIES})
        t, f, g = (money_units[k].label for k in MONEY_SERIES)
        return units, f"as entered 按输入 (T: {t}²/{g}; I: {f}²/{g}; Z: {t}·{f}/{g})"
    target = parse_money_unit(options.output_unit)
    for key in MONEY_SERIES:
        src = money_units[key]
        factor = conversion_factor(src, target, fx_row.to_numpy())
        frames[key] = frames[key] * np.broadcast_to(factor, len(fx_row))
        units[key] = target.label
        if src != target:
            how = " at each year's CNY/USD rate" if src.currency != target.currency else ""
            detail = f"{SERIES_LABELS[key][1]}: {src.label} → {target.label}{how}"
            quality.append(
                QualityRecord(QualityKind.CONVERTED, key, None, None, series[key].unit_cell, detail)
            )
        if src.currency != target.currency:
            _note_lost_to_fx(key, fx_row, series, src, target, quality)
    return units, target.label


def _note_lost_to_fx(key, fx_row, series, src, target, quality) -> None:
    """Years whose amounts could not be converted for want of an exchange rate."""
    had = series[key].values.notna().any(axis=0)
    lost = [int(y) for y in fx_row.index[fx_row.isna()] if bool(had.get(y, False))]
    if lost:
        quality.append(
            QualityRecord(
                QualityKind.MISSING,
                "fx",
                None,
                None,
                series["fx"].sheet if "fx" in series else None,
                f"no exchange rate for {year_ranges(lost)}: {SERIES_LABELS[key][1]} "
                f"in {src.label} cannot be converted to {target.label} for those years",
            )
        )


def _note_gaps(frames: dict[str, pd.DataFrame], series: Mapping[str, SeriesData], quality) -> None:
    """One ``missing`` record per province and series, naming the first empty cell."""
    for key, values in frames.items():
        if key == "population" and not values.notna().to_numpy().any():
            continue  # no population at all: said once, by the tables
        missing = values.isna().to_numpy()
        provinces, years = values.index.to_numpy(), values.columns.to_numpy()
        for i in np.flatnonzero(missing.any(axis=1)):
            prov, gaps = provinces[i], years[missing[i]].astype(int).tolist()
            if gaps:
                where = series[key].where(prov, gaps[0]) or series[key].sheet
                detail = f"{SERIES_LABELS[key][1]}: no value for {prov} in {year_ranges(gaps)}"
                quality.append(QualityRecord(QualityKind.MISSING, key, prov, None, where, detail))


def _long_frame(frames, filled, regions, fx_row, fx_filled) -> pd.DataFrame:
    """The provinces × years frames as one row per province-year, province by province (the
    order :meth:`Panel.grid` relies on)."""
    first = next(iter(frames.values()))
    provinces, years = list(first.index), list(first.columns)

    def by_year(row: pd.Series) -> np.ndarray:
        return np.tile(row.reindex(years).to_numpy(), len(provinces))

    def by_province(values: list) -> np.ndarray:
        return np.repeat(np.array(values, dtype=object), len(years))

    columns = {
        "province": by_province(provinces),
        "region": by_province([regions[p] for p in provinces]),
        "year": np.tile(np.array(years, dtype=int), len(provinces)),
        **{key: values.to_numpy().ravel() for key, values in frames.items()},
        "fx": by_year(fx_row),
    }
    columns.setdefault("population", np.full(len(provinces) * len(years), np.nan))
    for key in SERIES:
        if key == "fx":
            columns["filled_fx"] = by_year(fx_filled).astype(bool)
        else:
            columns[f"filled_{key}"] = (
                filled[key].to_numpy().ravel()
                if key in filled
                else np.zeros(len(provinces) * len(years), bool)
            )
    return pd.DataFrame(columns)


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
    _require(series, regions)
    quality: list[QualityRecord] = [rec for s in series.values() for rec in s.issues]
    provinces = list(dict.fromkeys(regions))
    money_units = {k: parse_money_unit(series[k].unit, series[k].unit_cell) for k in MONEY_SERIES}
    quality += _yuan_on_dollar_sheets(series, money_units)
    cleaned = {key: _clean(data, quality) for key, data in series.items() if key in SERIES}
    years = _year_span(series, cleaned)
    target = parse_money_unit(options.output_unit) if options.unit_mode == "converted" else None
    fx_needed = any(
        (target is not None and money_units[k].currency != target.currency)
        or _year_currencies(series[k]) - {money_units[k].currency}
        for k in MONEY_SERIES
    )
    fx_row, fx_filled = _fx_rates(
        series.get("fx"), cleaned.get("fx"), years, options, fx_needed, quality
    )
    frames, filled = {}, {}
    for key in (k for k in SERIES if k in cleaned and k != "fx"):
        frames[key], filled[key] = _series_frame(
            series[key], cleaned[key], (provinces, years), fx_row, options, quality
        )
    units, index_unit = _convert(frames, series, fx_row, options, quality)
    _note_gaps(frames, series, quality)
    frame = _long_frame(frames, filled, regions, fx_row, fx_filled)
    return Panel(
        frame,
        dict(zip(provinces, (regions[p] for p in provinces))),
        options,
        units,
        index_unit,
        quality,
        {key: data.where for key, data in series.items()},
        {key: data.unit_cell for key, data in series.items()},
        {key: str(data.unit) for key, data in series.items()},
    )


def _year_currencies(data: SeriesData) -> set[str]:
    """Currencies named in a money sheet's unit row (unreadable cells are reported later)."""
    units = (_money_unit_or_none(text) for text in data.year_units.values())
    return {unit.currency for unit in units if unit is not None}


def _yuan_on_dollar_sheets(series: Mapping[str, SeriesData], money_units) -> list[QualityRecord]:
    """A ``unit`` warning for each yuan unit on the Trade or FIE sheet (B2 or the unit row):
    yearbooks publish both in US dollars, so 百万元 over numbers in 百万美元 is the likelier
    reading, and it moves Z by the exchange rate (×6–8)."""
    records = []
    for key in ("trade", "fie"):
        data = series[key]
        found = [(data.unit_cell, data.unit, money_units[key])] + [
            (data.year_unit_cells.get(year), text, _money_unit_or_none(text))
            for year, text in sorted(data.year_units.items())
        ]
        for where, text, unit in found:
            if unit is not None and unit.currency == "CNY":
                detail = (
                    f"{SERIES_LABELS[key][1]} in {text} (yuan): yearbooks publish it in US "
                    f"dollars (万美元, 千美元, 百万美元); if these numbers are dollars, write the "
                    f"dollar unit in {where}"
                )
                records.append(QualityRecord(QualityKind.UNIT, key, None, None, where, detail))
    return records


def _money_unit_or_none(text: object):
    """The money unit a unit-row cell names, or None (an unreadable one is reported later)."""
    try:
        return parse_money_unit(text)
    except UnitError:
        return None
