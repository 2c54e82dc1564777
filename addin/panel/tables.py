"""From the panel to the paper's tables: indices, Table 1, factors, disparity, stages, quality.

Every function returns a :class:`pandas.DataFrame` whose ``attrs["notes"]`` lists the
units and options that produced it (the workbook writes them under the table).
:func:`compute_all` builds the whole set as :class:`Tables`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core import growth, indices
from ..core.problems import DESCRIPTIONS, Problem
from . import measures
from .provinces import REGION_ENGLISH, english_name, match_province
from .tidy import Panel, QualityRecord

BELT = "长江经济带"
BELT_EN = "Yangtze River Economic Belt"


def _notes(panel: Panel, *extra: str) -> list[str]:
    described = panel.options.describe()
    lines = [f"index unit 指数单位: {panel.index_unit}"]
    lines += [f"{k}: {v}" for k, v in described.items()]
    return lines + list(extra)


def _with_notes(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    frame.attrs["notes"] = notes
    return frame


def index_table(panel: Panel) -> pd.DataFrame:
    """T, I and Z for every province-year, with the reason wherever Z is missing.

    Columns: province, province_en, region, year, trade_index, invest_index,
    open_index, problem (empty when Z has a value).
    """
    f = panel.frame
    t = indices.trade_index(f["trade"], f["gdp"])
    i = indices.invest_index(f["fie"], f["gdp"])
    z = indices.composite_index(t, i)
    out = pd.DataFrame(
        {
            "province": f["province"],
            "province_en": f["province"].map({p: _english(p) for p in f["province"].unique()}),
            "region": f["region"],
            "year": f["year"],
            "trade_index": t.values,
            "invest_index": i.values,
            "open_index": z.values,
            "problem": [DESCRIPTIONS[Problem(c)] for c in z.problems],
        }
    )
    return _with_notes(out, _notes(panel, "T = trade²/GDP, I = FIE²/GDP, Z = √(T·I)"))


def _english(name: str) -> str:
    """English name of a province or region; other names (cities, custom groups) as they are."""
    return english_name(name) if match_province(name) else REGION_ENGLISH.get(name, name)


def table1(panel: Panel, idx: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 1: Z by province for the chosen years, region means, the belt mean,
    and the average annual change (Z_last − Z_first)/(last − first).

    Region and belt rows are simple means of their provinces' unrounded Z over the
    provinces that have a value that year. Columns: kind (province/region/belt), name,
    name_en, region, one column per year, annual_change.
    """
    years = [y for y in panel.options.table1_years if y in set(panel.years)]
    z = idx.pivot(index="province", columns="year", values="open_index").reindex(panel.provinces)
    z = z.reindex(columns=years)
    rows = [
        ("province", p, _english(p), panel.regions[p], z.loc[p].to_numpy()) for p in panel.provinces
    ]
    for region in dict.fromkeys(panel.regions.values()):
        members = [p for p in panel.provinces if panel.regions[p] == region]
        rows.append(
            ("region", region, _english(region), region, _nanmean(z.loc[members].to_numpy()))
        )
    if panel.options.belt == "sum":
        belt = pd.Series(_indices_of_sums(panel)[2], index=panel.years).reindex(years).to_numpy()
    else:
        belt = _nanmean(z.to_numpy())
    rows.append(("belt", BELT, BELT_EN, "", belt))
    out = pd.DataFrame(
        [[k, n, e, r, *v] for k, n, e, r, v in rows],
        columns=["kind", "name", "name_en", "region", *years],
    )
    out["annual_change"] = (
        growth.annual_change(out[years].to_numpy(), years) if len(years) >= 2 else np.nan
    )
    missing = [y for y in panel.options.table1_years if y not in set(panel.years)]
    extra = (
        [f"years without data left out 无数据年份: {', '.join(map(str, missing))}"]
        if missing
        else []
    )
    belt_note = (
        "belt row = index of summed amounts 全流域 = 总量指数"
        if panel.options.belt == "sum"
        else "belt row = simple mean of provinces 全流域 = 省份简单平均"
    )
    return _with_notes(
        out,
        _notes(
            panel,
            "region rows = simple mean of provinces 区域 = 省份简单平均",
            belt_note,
            f"annual change 年均变化 = (Z{years[-1] if years else ''} − Z{years[0] if years else ''}) / years",
            *extra,
        ),
    )


def _nanmean(block: np.ndarray) -> np.ndarray:
    counts = (~np.isnan(block)).sum(axis=0)
    with np.errstate(all="ignore"):
        return np.where(counts > 0, np.nansum(block, axis=0) / counts, np.nan)


def _indices_of_sums(panel: Panel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Belt T, I, Z per year from summed trade, FIE and GDP of the provinces that have all three."""
    complete = panel.frame.dropna(subset=["trade", "fie", "gdp"])
    sums = complete.groupby("year")[["trade", "fie", "gdp"]].sum().reindex(panel.years)
    t = indices.trade_index(sums["trade"], sums["gdp"])
    i = indices.invest_index(sums["fie"], sums["gdp"])
    return t.values, i.values, indices.composite_index(t, i).values


def factor_series(panel: Panel, idx: pd.DataFrame) -> pd.DataFrame:
    """The belt's T, I and Z per year (the paper's Figure 1) with the growth split.

    ``belt = "mean"``: simple means of the provinces' T, I, Z. ``belt = "sum"``: the
    indices of summed trade, FIE and GDP. Columns: year, trade_index, invest_index,
    open_index, open_growth (Z's year-on-year rate), trade_contribution and
    invest_contribution (½Δln T and ½Δln I, log points; they add up to Δln Z).
    """
    years = panel.years
    if panel.options.belt == "mean":
        wide = {
            c: idx.pivot(index="province", columns="year", values=c)
            .reindex(columns=years)
            .to_numpy()
            for c in ("trade_index", "invest_index", "open_index")
        }
        t, i, z = (_nanmean(wide[c]) for c in ("trade_index", "invest_index", "open_index"))
    else:
        t, i, z = _indices_of_sums(panel)
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
        }
    )
    split = (
        "contributions 贡献: ½Δln T and ½Δln I (log points) add up to Δln Z, since Z = √(T·I)"
        if panel.options.belt == "sum"
        else "contributions 贡献: ½Δln T̄ and ½Δln Ī (log points) add up to Δln √(T̄·Ī); the mean Z̄ of the "
        "provinces is not √(T̄·Ī), so its growth differs (set belt = sum for an exact split of Z)"
    )
    return _with_notes(out, _notes(panel, split))


def disparity_series(panel: Panel, idx: pd.DataFrame) -> pd.DataFrame:
    """Disparity of Z across provinces per year (the paper's Figure 2).

    Columns: year, n (provinces used), then every disparity measure of the registry
    (:mod:`.measures`): cv (the chosen variant: population-weighted or not, centre as
    chosen), cv_plain (population SD / mean), theil_t, theil_t_between, theil_t_within,
    theil_l, theil_l_between, theil_l_within, gini, and atkinson_ε for each ε set. Theil,
    Gini and Atkinson use population shares when population data are present.
    """
    z = (
        idx.pivot(index="province", columns="year", values="open_index")
        .reindex(panel.provinces)
        .to_numpy()
    )
    pop = panel.wide("population").to_numpy()
    has_pop = bool(np.isfinite(pop).any())
    groups = [panel.regions[p] for p in panel.provinces]
    inputs = measures.DisparityInput(z, pop if has_pop else None, groups, panel.options)
    out = pd.DataFrame(
        {
            "year": panel.years,
            "n": (~np.isnan(z)).sum(axis=0),
            **measures.disparity_columns(inputs),
        }
    )
    extra = (
        []
        if has_pop
        else ["no population data: CV, Theil and Gini are unweighted 无人口数据：未加权"]
    )
    return _with_notes(out, _notes(panel, "CV = √(Σ pᵢ (yᵢ − u)²) / u", *extra))


def stage_table(panel: Panel, factors: pd.DataFrame) -> pd.DataFrame:
    """Growth of the belt's Z, T and I in each stage, by the chosen method and base.

    Columns: stage ("1993–2000"), first, last, base_year, open_growth, trade_growth,
    invest_growth (fractions per year; for method "change", index units per year).
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
    covered = set(int(y) for y, z in zip(years, factors["open_index"]) if np.isfinite(z))
    partial = [
        f"{a}–{b}"
        for a, b in zip(stages.starts, stages.ends)
        if not (int(a) in covered and int(b) in covered)
    ]
    extra = (
        [
            f"stages only partly covered by the data 阶段数据不完整: {', '.join(partial)} "
            "(growth over the years present; cagr and change give no value when the last of them has no Z)"
        ]
        if partial
        else []
    )
    return _with_notes(
        out,
        _notes(panel, f"method 方法: {opts.growth_method}; base 基期: {opts.stage_base}", *extra),
    )


def quality_table(panel: Panel, idx: pd.DataFrame) -> pd.DataFrame:
    """Everything filled, skipped, converted or suspicious, one row each.

    Columns: kind, series, province, year, cell, detail. Province-years whose Z could
    not be computed for a reason other than missing input are listed as kind "index".
    """
    records = list(panel.quality)
    bad = idx[(idx["problem"] != "") & (idx["problem"] != DESCRIPTIONS[Problem.MISSING])]
    records += [
        QualityRecord("index", "open_index", r.province, int(r.year), None, r.problem)
        for r in bad.itertuples()
    ]
    out = pd.DataFrame(
        [
            (
                r.kind,
                r.series,
                r.province or "",
                r.year if r.year is not None else "",
                r.where or "",
                r.detail,
            )
            for r in records
        ],
        columns=["kind", "series", "province", "year", "cell", "detail"],
    )
    return _with_notes(out, [f"{len(out)} entries"])


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


def compute_all(panel: Panel) -> Tables:
    """Run the whole method on a panel."""
    idx = index_table(panel)
    factors = factor_series(panel, idx)
    return Tables(
        panel,
        idx,
        table1(panel, idx),
        factors,
        disparity_series(panel, idx),
        stage_table(panel, factors),
        quality_table(panel, idx),
    )
