"""From the panel to the paper's tables: indices, Table 1, factors, disparity, stages, quality.

Every function returns a :class:`pandas.DataFrame` whose ``attrs["notes"]`` lists the
units and options that produced it (the workbook writes them under the table).
:func:`compute_all` builds the whole set as :class:`Tables`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from ..core import convergence, growth, indices
from ..core.problems import DESCRIPTIONS, Problem
from . import measures
from .contiguity import china_queen
from .plausibility import plausibility_records
from .provinces import REGION_ENGLISH, english_name, match_province
from .quality import LEVELS, QualityKind, QualityRecord
from .tidy import Panel, year_ranges

BELT = "长江经济带"
BELT_EN = "Yangtze River Economic Belt"


def _notes(panel: Panel, *extra: str) -> list[str]:
    described = panel.options.describe(has_population(panel))
    lines = [f"index unit 指数单位: {panel.index_unit}"]
    lines += [f"{k}: {v}" for k, v in described.items()]
    return lines + list(extra)


def _with_notes(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    frame.attrs["notes"] = notes
    return frame


def index_table(panel: Panel) -> pd.DataFrame:
    """T, I and Z for every province-year, with the reason wherever Z is missing.

    Columns: province, province_en, region, year, trade_index, invest_index,
    open_index, problem: a categorical whose codes (``.cat.codes``) are the
    :class:`~addin.core.problems.Problem` codes of Z and whose values are their descriptions
    (empty when Z has a value), so the code stays a code and the sheet shows the text.
    """
    f = panel.frame
    t = indices.trade_index(f["trade"], f["gdp"])
    i = indices.invest_index(f["fie"], f["gdp"])
    z = indices.composite_index(t, i)
    out = pd.DataFrame(
        {
            "province": f["province"],
            "province_en": np.repeat(
                np.array([_english(p) for p in panel.provinces], dtype=object), len(panel.years)
            ),  # the frame's rows: province by province, every year
            "region": f["region"],
            "year": f["year"],
            "trade_index": t.values,
            "invest_index": i.values,
            "open_index": z.values,
            "problem": pd.Categorical.from_codes(z.problems, categories=_DESCRIBED),
        }
    )
    return _with_notes(out, _notes(panel, "T = trade²/GDP, I = FIE²/GDP, Z = √(T·I)"))


#: Each problem's description at the position of its code: the categories of the problem column.
_DESCRIBED = [DESCRIPTIONS[Problem(c)] for c in range(max(Problem) + 1)]


@cache
def _english(name: str) -> str:
    """English name of a province or region; other names (cities, custom groups) as they are."""
    return english_name(name) if match_province(name) else REGION_ENGLISH.get(name, name)


def table1(panel: Panel, idx: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 1: Z by province for the chosen years, region means, the belt mean,
    and the average annual change (Z_last − Z_first)/(last − first).

    Region and belt rows are simple means of their provinces' unrounded Z over the
    provinces that have a value that year; ``n_<year>`` says how many that was (in belt
    mode ``sum``: how many provinces have trade, FIE and GDP). Columns: kind
    (province/region/belt), name, name_en, region, one column per year, annual_change,
    one ``n_<year>`` column per year (empty on province rows).
    """
    years = [y for y in panel.options.table1_years if y in set(panel.years)]
    z = panel.grid(idx["open_index"]).reindex(columns=years)
    by_province = z.to_numpy()
    labels = [("province", p, _english(p), panel.regions[p]) for p in panel.provinces]
    values, counts = [by_province], [np.full(by_province.shape, np.nan)]
    for region in dict.fromkeys(panel.regions.values()):
        block = z.loc[[p for p in panel.provinces if panel.regions[p] == region]].to_numpy()
        labels.append(("region", region, _english(region), region))
        values.append(_nanmean(block)[np.newaxis])
        counts.append(_count(block)[np.newaxis])
    if panel.options.belt == "sum":
        t_i_z, n = _indices_of_sums(panel)
        belt = pd.Series(t_i_z[2], index=panel.years).reindex(years).to_numpy()
        belt_n = pd.Series(n, index=panel.years).reindex(years).to_numpy()
    else:
        belt, belt_n = _nanmean(z.to_numpy()), _count(z.to_numpy())
    labels.append(("belt", BELT, BELT_EN, ""))
    values.append(belt[np.newaxis])
    counts.append(np.asarray(belt_n, dtype=float)[np.newaxis])
    n_columns = [f"n_{y}" for y in years]
    out = pd.DataFrame(
        {
            **dict(zip(("kind", "name", "name_en", "region"), map(list, zip(*labels)))),
            **dict(zip(years, np.vstack(values).T)),
            **dict(zip(n_columns, np.vstack(counts).T)),
        }
    )
    out.insert(
        4 + len(years),
        "annual_change",
        growth.annual_change(out[years].to_numpy(), years) if len(years) >= 2 else np.nan,
    )
    ends = out.assign(n_first=out[n_columns[0]], n_final=out[n_columns[-1]]) if years else out
    mixed = (
        _mixed_provinces(ends[ends["kind"] != "province"], "name", "n_first", "n_final")
        if len(years) >= 2
        else []
    )
    filled = _filled_note(panel, years)
    return _with_notes(out, _notes(panel, *_table1_notes(panel, years, idx), *mixed, *filled))


def _filled_note(panel: Panel, years) -> list[str]:
    """Which of ``years`` hold interpolated inputs, with how many provinces per series, so
    that a year whose values were filled does not read as observed (Quality lists each
    filled cell; ``[]`` when nothing was filled in those years).

    >>> from addin.panel.quality import QualityRecord
    >>> class P: quality = [QualityRecord("filled", "trade", p, 2015, None, "") for p in "ab"]
    >>> _filled_note(P(), [2010, 2015])
    ['filled by interpolation 内插 (Quality › filled): 2015 trade 2 provinces']
    """
    shown = set(years)
    counts: dict[int, dict[str, int]] = {}
    for r in panel.quality:
        if r.kind is QualityKind.FILLED and r.province is not None and r.year in shown:
            per_series = counts.setdefault(r.year, {})
            per_series[r.series] = per_series.get(r.series, 0) + 1
    if not counts:
        return []
    years_text = "; ".join(
        f"{year} " + ", ".join(f"{s} {n} province{'s' if n > 1 else ''}" for s, n in c.items())
        for year, c in sorted(counts.items())
    )
    return [f"filled by interpolation 内插 (Quality › filled): {years_text}"]


def _table1_notes(panel: Panel, years: list[int], idx: pd.DataFrame) -> list[str]:
    """What Table 1 shows, as computed: the annual change only when both its ends have Z; the
    years asked for that have no Z (left out, or shown empty) and the setting to change."""
    have = years_with_z(panel, idx)
    belt = (
        "belt row = index of summed amounts 全流域 = 总量指数"
        if panel.options.belt == "sum"
        else "belt row = simple mean of provinces 全流域 = 省份简单平均"
    )
    notes = [
        "region rows = simple mean of provinces 区域 = 省份简单平均; "
        "n = provinces used 所用省份数 (see Quality › coverage for those left out)",
        belt,
    ]
    if len(years) >= 2 and years[0] in have and years[-1] in have:
        first, last = years[0], years[-1]
        notes.append(f"annual change 年均变化 = (Z{last} − Z{first}) / {last - first} years")
    else:
        ends = ", ".join(str(y) for y in dict.fromkeys(years[:1] + years[-1:]) if y not in have)
        why = f"no Z in {ends}" if ends else "it needs two years"
        notes.append(f"annual change 年均变化: empty, {why} 无法计算")
    left_out = [y for y in panel.options.table1_years if y not in set(panel.years)]
    empty = [y for y in years if y not in have]
    if left_out:
        notes.append(f"years without data left out 无数据年份: {', '.join(map(str, left_out))}")
    if empty:
        notes.append(f"years without Z, shown empty 无Z年份: {', '.join(map(str, empty))}")
    if left_out or empty:
        notes.append(f"{_z_years_text(have)}: change {panel.options.where('table1_years')}")
    return notes


def years_with_z(panel: Panel, idx: pd.DataFrame) -> list[int]:
    """The years in which at least one province has Z (ascending), from the index table."""
    z = panel.grid(idx["open_index"]).to_numpy()
    return [y for y, has in zip(panel.years, np.isfinite(z).any(axis=0), strict=True) if has]


def _z_years_text(have: list[int]) -> str:
    """'Z exists for 2005, 2007–2015' (the years with Z), for notes and messages."""
    return f"Z exists for {year_ranges(have)}" if have else "no year has Z"


def settings_records(panel: Panel, idx: pd.DataFrame) -> list[QualityRecord]:
    """``settings`` warnings: Table 1 years and stages that ask for years without Z (the
    template's defaults are the paper's 1993–2022; real series often start later), saying
    which years have Z and which setting to change."""
    opts, with_z = panel.options, years_with_z(panel, idx)
    have, span = set(with_z), _z_years_text(with_z)
    records = []
    without = [y for y in opts.table1_years if y not in have]
    if without:
        ends = {opts.table1_years[0], opts.table1_years[-1]} - have
        detail = (
            f"Table 1 {'years' if len(without) > 1 else 'year'} {', '.join(map(str, without))} "
            f"{'have' if len(without) > 1 else 'has'} no Z ({span}), so Table 1 has "
            f"no values there{' and no annual change' if ends else ''}; "
            f"change {opts.where('table1_years')}"
        )
        where = opts.cells.get("table1_years")
        records.append(QualityRecord(QualityKind.SETTINGS, "settings", None, None, where, detail))
    stages = [f"{a}–{b}" for a, b in opts.stages if a not in have or b not in have]
    if stages:
        detail = (
            f"stages {', '.join(stages)} have a first or last year without Z ({span}): their "
            f"growth covers only the years present, or is empty; change {opts.where('stages')}"
        )
        where = opts.cells.get("stages")
        records.append(QualityRecord(QualityKind.SETTINGS, "settings", None, None, where, detail))
    return records


def _count(block: np.ndarray) -> np.ndarray:
    """Values per column of a provinces × years block (the n of a mean)."""
    return (~np.isnan(block)).sum(axis=0).astype(float)


def _nanmean(block: np.ndarray) -> np.ndarray:
    counts = (~np.isnan(block)).sum(axis=0)
    with np.errstate(all="ignore"):
        return np.where(counts > 0, np.nansum(block, axis=0) / counts, np.nan)


def _indices_of_sums(panel: Panel) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """Belt (T, I, Z) per year from summed trade, FIE and GDP of the provinces that have all
    three that year, and how many provinces that is."""
    complete = panel.frame.dropna(subset=["trade", "fie", "gdp"])
    grouped = complete.groupby("year")
    sums = grouped[["trade", "fie", "gdp"]].sum().reindex(panel.years)
    n = grouped.size().reindex(panel.years).fillna(0).to_numpy(dtype=float)
    t = indices.trade_index(sums["trade"], sums["gdp"])
    i = indices.invest_index(sums["fie"], sums["gdp"])
    return (t.values, i.values, indices.composite_index(t, i).values), n


def factor_series(panel: Panel, idx: pd.DataFrame) -> pd.DataFrame:
    """The belt's T, I and Z per year (the paper's Figure 1) with the growth split.

    ``belt = "mean"``: simple means of T, I and Z over the provinces that have Z that year
    (so the three means use the same provinces). ``belt = "sum"``: the indices of summed
    trade, FIE and GDP over the provinces that have all three. Columns: year, trade_index,
    invest_index, open_index, open_growth (Z's year-on-year rate), trade_contribution and
    invest_contribution (½Δln T and ½Δln I, log points; they add up to Δln Z), n
    (provinces used).
    """
    years = panel.years
    if panel.options.belt == "mean":
        wide = {  # provinces by name: the means add them in that order
            c: panel.grid(idx[c]).sort_index().to_numpy()
            for c in ("trade_index", "invest_index", "open_index")
        }
        has_z = ~np.isnan(wide["open_index"])
        t, i, z = (
            _nanmean(np.where(has_z, wide[c], np.nan))
            for c in ("trade_index", "invest_index", "open_index")
        )
        n = has_z.sum(axis=0)
    else:
        (t, i, z), n = _indices_of_sums(panel)
    with np.errstate(all="ignore"):
        dlt = np.concatenate([[np.nan], 0.5 * np.diff(np.log(np.where(t > 0, t, np.nan)))])
        dli = np.concatenate([[np.nan], 0.5 * np.diff(np.log(np.where(i > 0, i, np.nan)))])
    out = pd.DataFrame(
        {
            "year": years,
            "trade_index": t,
            "invest_index": i,
            "open_index": z,
            "open_growth": np.concatenate([[np.nan], growth.yoy_rates(z, years)]),
            "trade_contribution": dlt,
            "invest_contribution": dli,
            "n": np.asarray(n, dtype=int),
        }
    )
    split = (
        "contributions 贡献: ½Δln T and ½Δln I (log points) add up to Δln Z, since Z = √(T·I)"
        if panel.options.belt == "sum"
        else "contributions 贡献: ½Δln T̄ and ½Δln Ī (log points) add up to Δln √(T̄·Ī); "
        "the mean Z̄ of the provinces is not √(T̄·Ī), so its growth differs "
        "(set belt = sum for an exact split of Z)"
    )
    filled = _filled_note(panel, years)
    return _with_notes(out, _notes(panel, "n = provinces used 所用省份数", split, *filled))


def has_population(panel: Panel) -> bool:
    """Whether any province-year has a usable (positive) population."""
    return bool(np.isfinite(panel.frame["population"].to_numpy(dtype=float)).any())


def disparity_series(panel: Panel, idx: pd.DataFrame) -> pd.DataFrame:
    """Disparity of Z across provinces per year (the paper's Figure 2).

    Columns: year; n (provinces with Z: the unweighted measures); n_weighted (provinces
    with Z and a positive population: the weighted measures); then every disparity measure
    of the registry (:mod:`.measures`): cv (the chosen variant: population-weighted or
    not, centre as chosen), cv_plain (population SD / mean over the n provinces), theil_t,
    theil_t_between, theil_t_within, theil_l, theil_l_between, theil_l_within, gini and
    atkinson_ε for each ε set, weighted by population shares. A weighted measure uses only
    provinces with both a value and a population; with no population data at all the
    weighted measures are empty (never silently unweighted).
    """
    z = panel.grid(idx["open_index"]).to_numpy()
    pop = panel.wide("population").to_numpy()
    groups = [panel.regions[p] for p in panel.provinces]
    inputs = measures.DisparityInput(z, pop, groups, panel.options)
    out = pd.DataFrame(
        {
            "year": panel.years,
            "n": _count(z).astype(int),
            "n_weighted": _count(inputs.weighted_values).astype(int),
            **measures.disparity_columns(inputs),
        }
    )
    extra = [
        "n: provinces with Z (cv_plain"
        + ("" if panel.options.cv_weighted else ", cv")
        + "); n_weighted: provinces with Z and population (weighted measures) 加权指标所用省份数"
    ]
    if not has_population(panel):
        extra.append(NO_POPULATION)
    extra += _theil_l_note(panel, inputs.weighted_values)
    extra += _inference_notes(panel, inputs)
    return _with_notes(out, _notes(panel, "CV = √(Σ pᵢ (yᵢ − u)²) / u", *extra))


def _inference_notes(panel: Panel, inputs: measures.DisparityInput) -> list[str]:
    """What the intervals and the between-share p used (replicates or permutations, seed,
    level, what was resampled, n), or why they are empty and which setting to change."""
    opts = panel.options
    level = f"{measures.LEVEL:.0%}"
    n = inputs.values.shape[0]
    cv = "" if opts.cv_weighted else "; the plain CV chosen: weights not used, n provinces"
    done = {
        "bootstrap_reps": f"{level} intervals 置信区间 (_low, _high): percentile bootstrap, "
        f"{opts.bootstrap_reps} replicates, seed {opts.seed}; each replicate draws {n} "
        "provinces with replacement, each with its population and whole series; a drawn "
        "province without Z or population in a year is left out there, as in the measure "
        f"(n_weighted provinces on average){cv}",
        "permutations": "between p 组间p值: permutation test of Theil's between-region share, "
        f"the {n} provinces (with population and series) shuffled over the regions "
        f"{opts.permutations} times, seed {opts.seed}; p = (1 + #{{B* ≥ B}}) / (1 + permutations)",
    }
    what = {"bootstrap_reps": "bootstrap intervals", "permutations": "between p"}
    notes = []
    for setting, text in done.items():
        count = getattr(opts, setting)
        limit = inputs.resampling_limit(count)
        if count == 0:
            notes.append(f"{what[setting]}: empty, {opts.where(setting)} is 0 未计算")
        elif limit is not None:
            regions, years = inputs.values.shape
            notes.append(
                f"{what[setting]}: empty 未计算, {regions} regions × {years} years × {count} = "
                f"{regions * years * count:,} resampled numbers exceed "
                f"{measures.MAX_RESAMPLED:,}; set {opts.where(setting)} to at most {limit} "
                "(or use BOOTSTRAP_CI or THEIL_BETWEEN_TEST on the years needed)"
            )
        else:
            notes.append(text)
    return notes + _short_replicates_notes(panel, inputs)


def _short_replicates_notes(panel: Panel, inputs: measures.DisparityInput) -> list[str]:
    """The intervals taken from fewer than all replicates (a replicate without a value, e.g.
    a draw of only zero Z has no CV), with the years and how many replicates they used."""
    notes = []
    for key, interval in inputs.intervals.items():
        used = np.asarray(interval["replicates"])
        short = (used < panel.options.bootstrap_reps) & np.isfinite(interval["lower"])
        if short.any():
            years = [y for y, s in zip(panel.years, short, strict=True) if s]
            notes.append(
                f"{measures.label(key, 'en')} interval in {year_ranges(years)}: from "
                f"{int(used[short].min())}–{int(used[short].max())} of "
                f"{panel.options.bootstrap_reps} replicates (the others have no value)"
            )
    return notes


def _theil_l_note(panel: Panel, z: np.ndarray) -> list[str]:
    """Why Theil L is empty in a year: it takes ln Zᵢ, so it needs every Z used to be > 0."""
    zero = np.nan_to_num(z, nan=1.0) <= 0
    years = [y for y, bad in zip(panel.years, zero.any(axis=0), strict=True) if bad]
    if not years:
        return []
    who = sorted({panel.provinces[i] for i in np.flatnonzero(zero.any(axis=1))})
    return [
        f"Theil L is empty in {year_ranges(years)}: it needs positive values (ln Z), and "
        f"{', '.join(who)} has Z ≤ 0 泰尔L需要正值 "
        "(see Quality › plausibility for the zero amounts)"
    ]


def convergence_table(panel: Panel, idx: pd.DataFrame, cv: pd.Series) -> pd.DataFrame:
    """σ-convergence and spatial autocorrelation of Z per year (docs/method.md §12).

    Columns: year; n (provinces with Z); log_sd (σ, the SD of ln Z); moran_i, moran_z,
    moran_p (Moran's I of Z over the provinces' queen contiguity, row-standardised, with the
    permutations and seed of Settings; empty when the regions are not China's provinces). The notes
    give the trend of σ and of the chosen CV (slope per year, t) and the Carree–Klomp test
    between the first and last year; β-convergence by stage is on the Stages table.
    """
    z = panel.grid(idx["open_index"]).to_numpy()
    groups = [panel.regions[p] for p in panel.provinces]
    inputs = measures.DisparityInput(z, None, groups, panel.options, panel.provinces)
    out = pd.DataFrame(
        {
            "year": panel.years,
            "n": _count(z).astype(int),
            **measures.disparity_columns(inputs, "convergence"),
        }
    )
    years = np.asarray(panel.years, dtype=float)
    lines = [_trend_note("σ (SD of ln Z)", out["log_sd"], years)]
    lines.append(_trend_note("CV (chosen)", cv, years))
    lines.append(_carree_klomp_note(z, panel.years))
    if inputs.moran is None:
        lines.append("Moran's I: the regions are not China's provinces; use MORAN_I with a matrix")
    else:
        lines.append(_moran_note(panel))
    return _with_notes(out, _notes(panel, *lines))


#: The Stages table's β-convergence columns, by the label of the kernel's result.
_STAGE_BETA = {"beta": "beta", "beta_t": "t", "speed": "speed", "half_life": "half_life"}


def with_stage_beta(stages: pd.DataFrame, panel: Panel, idx: pd.DataFrame) -> pd.DataFrame:
    """The Stages table with absolute β-convergence of Z across the provinces within each
    stage, from its first to its last year (:func:`~addin.core.convergence.beta_by_stage`):
    beta, beta_t, speed (λ), half_life and n_beta (provinces used); empty where a stage's
    first or last year has no data or β is not defined (half-life: no convergence)."""
    z = panel.grid(idx["open_index"]).to_numpy()
    e = convergence.beta_by_stage(z, panel.years, panel.options.stages)
    for key, label in _STAGE_BETA.items():
        stages[key] = e[label]
    stages["n_beta"] = e["n"].astype(int)
    beta = stages["beta"].to_numpy(dtype=float)
    if (beta >= 0).any():  # NaN compares False: only stages with a β
        diverging = ", ".join(stages["stage"][beta >= 0].astype(str))
        stages.attrs["notes"] = [
            *stages.attrs.get("notes", []),
            f"half-life empty where β ≥ 0 (no β-convergence: λ ≤ 0) 无β收敛时半衰期为空: "
            f"{diverging}",
        ]
    return stages


def _fmt(value: float, digits: int = 4) -> str:
    return "—" if not np.isfinite(value) else f"{value:.{digits}g}"


def _trend_note(what: str, series: pd.Series, years: np.ndarray) -> str:
    e = convergence.trend(series.to_numpy(dtype=float), years)
    return (
        f"trend of {what} 趋势: {_fmt(e['slope'])} per year, t = {_fmt(e['t'], 3)}, "
        f"R² = {_fmt(e['r2'], 3)}, {int(e['n'])} years (σ收敛: slope < 0)"
    )


def _moran_note(panel: Panel) -> str:
    """What Moran's I on the Convergence sheet used: the weights, how z and p are made."""
    w = china_queen(panel.provinces)
    islands = [panel.provinces[i] for i in w.islands]
    alone = f"; without a neighbour among them: {', '.join(islands)}" if islands else ""
    opts = panel.options
    return (
        f"Moran's I 莫兰指数: queen contiguity of the {w.n} provinces ({len(w.indices) // 2} "
        f"pairs{alone}), row-standardised; z under normality; p = (min(m, P − m) + 1)/(P + 1), "
        f"one-sided folded, m of P = {opts.permutations} permutations (seed {opts.seed}) at or "
        "above I"
    )


def _carree_klomp_note(z: np.ndarray, years: list[int]) -> str:
    """The Carree–Klomp test between the first and the last year in which any province has
    Z (the book's own first and last years may have none, as real series start later)."""
    if np.isfinite(z).any(axis=0).sum() < 2:
        return "Carree–Klomp: empty, it needs two years with Z 需两个有Z的年份"
    e = convergence.sigma_convergence(z, years)
    first, last = convergence.first_and_last_with_values(z)
    return (
        f"Carree–Klomp {years[first]} vs {years[last]} (the first and last years with Z): "
        f"var ln Z {_fmt(e['var_first'])} → {_fmt(e['var_last'])}, "
        f"T2 = {_fmt(e['ck_t2'], 3)}, p = {_fmt(e['ck_p'], 3)}, n = {int(e['n'])} "
        "(provinces with Z in both years)"
    )


#: Said under the Disparity table and by the CLI when there is no population at all.
NO_POPULATION = (
    "no population data 无人口数据: the population-weighted measures (CV, Theil, Gini, Atkinson) "
    "are empty 加权指标为空; cv_plain is the unweighted CV (or set CV population weights = no)"
)


def no_population_record(sheet: str, present: bool) -> QualityRecord:
    """The Quality row saying that the workbook has no population at all: ``sheet`` (the
    population sheet's name) was deleted (``present`` False) or holds no positive number."""
    why = "is not in the workbook" if present is False else "has no positive population"
    detail = f"sheet {sheet} {why} 无人口数据: {NO_POPULATION.split(': ', 1)[1]}"
    return QualityRecord(QualityKind.NO_POPULATION, "population", None, None, sheet, detail)


def stage_table(panel: Panel, factors: pd.DataFrame) -> pd.DataFrame:
    """Growth of the belt's Z, T and I in each stage, by the chosen method and base.

    Columns: stage ("1993–2000"), first, last, base_year, open_growth, trade_growth,
    invest_growth (fractions per year; for method "change", index units per year), n_base
    and n_last (provinces in the belt figure of the base year and of the last year, from
    the factors' ``n``; a note names the stages where they differ, whose growth mixes
    provinces).
    """
    opts = panel.options
    years = factors["year"].to_numpy()
    result = {}
    for column, name in (
        ("open_index", "open_growth"),
        ("trade_index", "trade_growth"),
        ("invest_index", "invest_growth"),
    ):
        stages = growth.stage_growth(
            factors[column].to_numpy(), years, opts.stages, opts.growth_method, opts.stage_base
        )
        result[name] = stages.rates
    out = pd.DataFrame(
        {
            "stage": [f"{a}–{b}" for a, b in zip(stages.starts, stages.ends)],
            "first": stages.starts,
            "last": stages.ends,
            "base_year": stages.base_years,
            **result,
        }
    )
    n_by_year = dict(zip(years.tolist(), factors["n"].tolist()))
    out["n_base"] = [n_by_year.get(int(y), 0) for y in stages.base_years]
    out["n_last"] = [n_by_year.get(int(y), 0) for y in stages.ends]
    covered = set(int(y) for y, z in zip(years, factors["open_index"]) if np.isfinite(z))
    partial = [
        f"{a}–{b}"
        for a, b in zip(stages.starts, stages.ends)
        if not (int(a) in covered and int(b) in covered)
    ]
    extra = (
        [
            f"stages only partly covered by the data 阶段数据不完整: {', '.join(partial)} "
            "(growth over the years present; cagr and change give no value when the last of them "
            f"has no Z); {_z_years_text(sorted(covered))}: change {opts.where('stages')}"
        ]
        if partial
        else []
    )
    return _with_notes(
        out,
        _notes(
            panel,
            f"method 方法: {opts.growth_method}; base 基期: {opts.stage_base}",
            *extra,
            *_mixed_provinces(out, "stage", "n_base", "n_last"),
        ),
    )


def _mixed_provinces(frame: pd.DataFrame, label: str, start: str, end: str) -> list[str]:
    """A note naming the rows whose growth compares means over different numbers of provinces
    (``start`` and ``end`` columns of ``frame``; rows named by ``label``)."""
    differ = frame[frame[start] != frame[end]]
    if differ.empty:
        return []
    shown = ", ".join(
        f"{r[label]} (n {int(r[start])} → {int(r[end])})" for _, r in differ.iterrows()
    )
    return [
        f"growth between years with different n mixes provinces 首末年省份数不同: {shown}; "
        "see Quality › coverage for the provinces left out"
    ]


def quality_table(panel: Panel, idx: pd.DataFrame) -> pd.DataFrame:
    """Everything filled, skipped, converted or suspicious, one row each.

    Columns: kind, level (the kind's :attr:`~.quality.QualityKind.level`: error, warning or
    info), series, province, year, cell, detail (the registry's order). Province-years whose Z
    could not be computed for a reason other than missing input are listed as kind "index";
    provinces left out of a mean or a weighted measure as kind "coverage"
    (:func:`coverage_records`).
    """
    records = list(panel.quality)
    codes = idx["problem"].cat.codes
    bad = idx[(codes != Problem.OK) & (codes != Problem.MISSING)]
    records += [
        QualityRecord(QualityKind.INDEX, "open_index", r.province, int(r.year), None, r.problem)
        for r in bad.itertuples()
    ]
    records += coverage_records(panel, idx)
    records += plausibility_records(panel)
    records += settings_records(panel, idx)
    out = pd.DataFrame(
        [
            (
                r.kind.value,
                r.series,
                r.province or "",
                r.year if r.year is not None else "",
                r.where or "",
                r.detail,
                r.level,
            )
            for r in records
        ],
        columns=["kind", "series", "province", "year", "cell", "detail", "level"],
    )[list(measures.table_columns("quality"))]  # the registry's order: the detail last
    counts = out["level"].value_counts()
    summary = ", ".join(f"{counts.get(level, 0)} {level}" for level in LEVELS)
    return _with_notes(
        out,
        [
            f"{len(out)} entries ({summary}) 条目; level 级别: error = a mistake in the data, the "
            "value is not used; warning = used but doubtful (check the unit); info = what was done"
        ],
    )


def _culprit(panel: Panel, province: str, year: int, inputs: dict, code) -> str | None:
    """The input cell that kept a province-year's Z from being computed, when one is known."""
    amounts = {k: inputs[k] for k in ("trade", "fie", "gdp")}
    if code == Problem.MISSING:
        keys = [k for k, v in amounts.items() if np.isnan(v)] or ["fx"]
    elif code == Problem.NEGATIVE:
        keys = [k for k in ("trade", "fie") if amounts[k] < 0]
    elif code == Problem.NONPOSITIVE_GDP:
        keys = ["gdp"]
    elif code == Problem.OVERFLOW:
        keys = [max(("trade", "fie"), key=lambda k: abs(amounts[k]))]
    else:
        keys = []
    cells = (panel.where(k, "CNY/USD" if k == "fx" else province, year) for k in keys)
    return next((c for c in cells if c), None)


def _sheet(where: str | None) -> str | None:
    """The sheet part of a cell reference (``"Trade"`` of ``"Trade!C5"``)."""
    return where.rpartition("!")[0] if where else None


def _runs(
    items: list[tuple[int, int, str | None]], years: list[int]
) -> list[tuple[list[int], int, str | None]]:
    """(year, problem code, cell) items → (years, problem code, first cell) runs.

    A run holds consecutive years of ``years`` with one reason whose cells are on one
    sheet (one series), so the cell it names is the right one for every year of it.
    """
    position = {y: i for i, y in enumerate(years)}
    runs: list[tuple[list[int], int, str | None]] = []
    for year, reason, where in items:
        last = runs[-1] if runs else None
        if (
            last
            and last[1] == reason
            and _sheet(last[2]) == _sheet(where)
            and position.get(year, -2) == position.get(last[0][-1], -5) + 1
        ):
            last[0].append(year)
        else:
            runs.append(([year], reason, where))
    return runs


def coverage_records(panel: Panel, idx: pd.DataFrame) -> list[QualityRecord]:
    """Which province each mean or weighted measure left out, for which years, and why.

    One ``coverage`` record per province and run of consecutive years with the same reason
    and the same input series, naming the input cell of the run's first year: a province
    without Z is left out of its region's mean,
    the belt and the disparity measures (the ``n`` columns count one fewer); a province
    with Z but no population is left out of the weighted measures (``n_weighted``), when
    the workbook has population data at all.
    """
    keys = ["trade", "fie", "gdp"]
    records = []
    rows = idx[["province", "year"]].assign(
        code=idx["problem"].cat.codes.to_numpy(), **_inputs(panel, keys)
    )
    lacking = rows[rows["code"] != Problem.OK]
    for prov, found in _by_province(lacking, ["year", "code", *keys]).items():
        lost = [
            (int(y), code, _culprit(panel, prov, int(y), dict(zip(keys, amounts)), code))
            for y, code, *amounts in found
        ]
        for years, code, where in _runs(lost, panel.years):
            detail = (
                f"{prov} is left out of the {panel.regions[prov]} mean, the belt and the "
                f"disparity measures in {year_ranges(years)}: {DESCRIPTIONS[Problem(code)]}"
            )
            records.append(
                QualityRecord(QualityKind.COVERAGE, "open_index", prov, years[0], where, detail)
            )
    return records + _weight_coverage(panel, idx)


def _by_province(rows: pd.DataFrame, columns: list[str]) -> dict[str, list[tuple]]:
    """The ``columns`` of each row, grouped by province, rows in year order.

    Parameters
    ----------
    rows : DataFrame
        Province-year rows with ``province``, ``year`` and ``columns``.
    columns : list of str

    Returns
    -------
    dict
        Province → its rows' values of ``columns`` (tuples), in year order; provinces in
        the order they first appear when the rows are sorted by year (what a
        ``groupby("province", sort=False)`` of ``rows.sort_values("year")`` gives).
    """
    ordered = rows.sort_values("year")
    found: dict[str, list[tuple]] = {}
    for province, *values in zip(
        ordered["province"].tolist(), *(ordered[c].tolist() for c in columns), strict=True
    ):
        found.setdefault(province, []).append(tuple(values))
    return found


def _inputs(panel: Panel, keys: list[str]) -> dict[str, np.ndarray]:
    """The panel's input columns ``keys`` by name, as arrays for the rows of
    :func:`index_table` (which are the panel frame's rows, in the same order)."""
    return {key: panel.frame[key].to_numpy() for key in keys}


def _weight_coverage(panel: Panel, idx: pd.DataFrame) -> list[QualityRecord]:
    """Provinces with Z but without a positive population: out of the weighted measures."""
    if not has_population(panel):
        return []
    rows = idx[["province", "year", "open_index"]].assign(**_inputs(panel, ["population"]))
    unweighted = rows[rows["open_index"].notna() & rows["population"].isna()]
    records = []
    for prov, found in _by_province(unweighted, ["year"]).items():
        years = [int(y) for (y,) in found]
        detail = (
            f"{prov} has no population (blank, zero or negative) in {year_ranges(years)}: it is "
            "left out of the population-weighted measures (n_weighted)"
        )
        where = panel.where("population", prov, years[0])
        records.append(
            QualityRecord(QualityKind.COVERAGE, "population", prov, years[0], where, detail)
        )
    return records


@dataclass
class Tables:
    """Every output of one computation, each DataFrame carrying its notes."""

    panel: Panel
    index: pd.DataFrame
    table1: pd.DataFrame
    factors: pd.DataFrame
    disparity: pd.DataFrame
    stages: pd.DataFrame
    quality: pd.DataFrame
    convergence: pd.DataFrame


def compute_all(panel: Panel) -> Tables:
    """Run the whole method on a panel."""
    idx = index_table(panel)
    factors = factor_series(panel, idx)
    disparity = disparity_series(panel, idx)
    return Tables(
        panel,
        idx,
        table1(panel, idx),
        factors,
        disparity,
        with_stage_beta(stage_table(panel, factors), panel, idx),
        quality_table(panel, idx),
        convergence_table(panel, idx, disparity["cv"]),
    )
