"""The vectorised computations give what the simple loops they replaced give, bit for bit.

Random panels (NaN, zeros, negative amounts, one province, one year) are built with
:func:`~addin.panel.tidy.build_panel`; each fast path is compared with the plain pandas or
per-province version on them.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.core.cells import number_text
from addin.core.problems import DESCRIPTIONS, Problem
from addin.panel import plausibility
from addin.panel.options import Options
from addin.panel.tables import _nanmean, index_table
from addin.panel.tidy import SeriesData, build_panel


def _series(key: str, unit: str, values: np.ndarray, provinces, years) -> SeriesData:
    frame = pd.DataFrame(values, index=pd.Index(provinces, dtype=object), columns=years)
    return SeriesData(
        key, unit, frame, sheet=key, unit_cell=f"{key}!B2", locate=lambda p, y: f"{key}!{p}{y}"
    )


def _awkward(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Positive amounts with blanks, zeros, negatives and powers of ten sprinkled in."""
    values = rng.lognormal(5, 1, shape)
    for share, change in ((0.1, np.nan), (0.03, 0.0), (0.02, -1.0)):
        values[rng.random(shape) < share] *= change if change == change else np.nan
    values[rng.random(shape) < 0.05] *= 1000
    values.flat[0] = 100.0  # one number at least: a sheet without any is refused
    return values


def random_panel(seed: int, n_provinces: int, n_years: int, fill_gaps: bool = True):
    rng = np.random.default_rng(seed)
    prefixes = rng.choice(["省", "Province ", "z", "区", "A"], n_provinces)
    provinces = [f"{p}{i}" for p, i in zip(prefixes, rng.permutation(n_provinces))]  # any order
    years = list(range(2000, 2000 + n_years))
    shape = (n_provinces, n_years)
    series = {
        key: _series(key, unit, _awkward(rng, shape), provinces, years)
        for key, unit in (
            ("trade", "万美元"),
            ("fie", "万美元"),
            ("gdp", "亿元"),
            ("population", "万人"),
        )
    }
    series["fx"] = _series("fx", "元/美元", rng.uniform(5, 9, (1, n_years)), ["rate"], years)
    regions = {p: f"区{rng.integers(3)}" for p in provinces}
    return build_panel(series, regions, Options(fill_gaps=fill_gaps))


panels = st.builds(
    random_panel,
    seed=st.integers(0, 2**32 - 1),
    n_provinces=st.integers(1, 40),
    n_years=st.integers(1, 12),
    fill_gaps=st.booleans(),
)


def _pivot(frame: pd.DataFrame, column: str, provinces: list[str]) -> pd.DataFrame:
    """The plain version: a pivot of the long frame, in mapping order."""
    return frame.pivot(index="province", columns="year", values=column).reindex(provinces)


@settings(deadline=None, max_examples=30)
@given(panels)
def test_grid_is_the_pivot_of_the_long_frame(panel) -> None:
    idx = index_table(panel)
    for name, values, frame in (
        ("population", panel.frame["population"], panel.frame),
        ("trade", panel.frame["trade"], panel.frame),
        ("open_index", idx["open_index"], idx),
    ):
        fast, plain = panel.grid(values), _pivot(frame, name, panel.provinces)
        pd.testing.assert_frame_equal(fast, plain, check_names=False, check_exact=True)
        # same memory layout too: the means over provinces add in the same order
        by_name = frame.pivot(index="province", columns="year", values=name)  # as pivot sorts
        for a, b in ((fast, plain), (fast.sort_index(), by_name)):
            assert list(a.index) == list(b.index)
            np.testing.assert_array_equal(_nanmean(a.to_numpy()), _nanmean(b.to_numpy()))


@settings(deadline=None, max_examples=30)
@given(panels)
def test_problem_descriptions_follow_the_codes(panel) -> None:
    from addin.core import indices

    f = panel.frame
    z = indices.composite_index(
        indices.trade_index(f["trade"], f["gdp"]), indices.invest_index(f["fie"], f["gdp"])
    )
    expected = [DESCRIPTIONS[Problem(c)] for c in z.problems]
    problem = index_table(panel)["problem"]
    assert problem.tolist() == expected  # the text the sheet shows
    assert problem.cat.codes.tolist() == z.problems.tolist()  # the codes, kept as codes


def _trade_against_fie_loop(trade: pd.DataFrame, fie: pd.DataFrame, series_ratio: float):
    """The simple version: one ``.loc`` per province (what ``_trade_against_fie`` did)."""
    with np.errstate(all="ignore"):
        positive_t, positive_f = trade.where(trade > 0), fie.where(fie > 0)
        gap = np.log(positive_t / positive_t.median(axis=0)) - np.log(
            positive_f / positive_f.median(axis=0)
        )
    limit = np.log(series_ratio)
    found = []
    for prov in gap.index:
        years = [int(y) for y in gap.columns[(gap.loc[prov].abs() > limit).to_numpy()]]
        if years:
            factor = float(np.exp(gap.loc[prov, years].abs().max()))
            higher = "trade" if gap.loc[prov, years[0]] > 0 else "fie"
            found.append((higher, [(prov, y) for y in years], factor))
    return found


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("shape", [(80, 15), (1, 15), (80, 1), (3, 2)])
def test_trade_against_fie_matches_the_per_province_loop(seed, shape, monkeypatch) -> None:
    rng = np.random.default_rng(seed)
    index, columns = [f"P{i:02d}" for i in range(shape[0])], range(2000, 2000 + shape[1])
    trade, fie = (
        pd.DataFrame(_awkward(rng, shape) / 1e3, index=index, columns=columns) for _ in range(2)
    )
    captured = []
    monkeypatch.setattr(
        plausibility,
        "_warning",
        lambda panel, key, pairs, what, hint: captured.append((key, pairs, what)),
    )
    panel = SimpleNamespace(
        options=SimpleNamespace(series_ratio=4.0), provinces=index, years=list(columns)
    )
    records = plausibility._trade_against_fie(panel, trade.to_numpy(), fie.to_numpy())
    expected = _trade_against_fie_loop(trade, fie, 4.0)
    assert len(records) == len(captured) == len(expected)
    for (key, pairs, what), (higher, pairs_loop, factor) in zip(captured, expected, strict=True):
        assert (key, pairs) == (higher, pairs_loop)
        assert f"disagree by ×{number_text(factor, 3)} against" in what
    if shape == (80, 15):
        assert expected  # the powers of ten sprinkled in are found


def _flag_values_pandas(series, values: pd.DataFrame, ratio: float, quality: list) -> None:
    """The plain version (what ``_flag_values`` did): pandas ``where``, ``ffill``, ``shift``."""
    from addin.panel.tidy import SERIES_LABELS, QualityRecord

    strict = series.key in ("gdp", "population", "fx")
    bad = values <= 0 if strict else values < 0
    name = SERIES_LABELS[series.key][1]
    for label, year in zip(*np.nonzero(bad.to_numpy())):
        prov, yr = values.index[label], int(values.columns[year])
        what = "zero or negative" if strict else "negative"
        detail = f"{name} is {what} ({number_text(values.iat[label, year])})"
        quality.append(
            QualityRecord("non-positive", series.key, prov, yr, series.where(prov, yr), detail)
        )
    positive = values.where(values > 0)
    years = np.broadcast_to(values.columns.to_numpy(dtype=float), values.shape)
    seen_years = pd.DataFrame(np.where(positive.notna(), years, np.nan), index=values.index)
    before = positive.ffill(axis=1).shift(1, axis=1).to_numpy()
    before_year = seen_years.ffill(axis=1).shift(1, axis=1).to_numpy()
    with np.errstate(all="ignore"):
        steps = positive.to_numpy() / before
    for i, j in zip(*np.nonzero((steps > ratio) | (steps < 1 / ratio))):
        prov, y0, y1 = values.index[i], int(before_year[i, j]), int(values.columns[j])
        detail = (
            f"{name} changes ×{number_text(steps[i, j], 3)} "
            f"from {y0} ({number_text(before[i, j])}) "
            f"to {y1} ({number_text(positive.iat[i, j])}); check the unit of these cells"
        )
        quality.append(QualityRecord("jump", series.key, prov, y1, series.where(prov, y1), detail))


@settings(deadline=None, max_examples=60)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.tuples(st.integers(0, 12), st.integers(1, 12)),
    key=st.sampled_from(["trade", "gdp", "fx"]),
)
def test_flag_values_matches_the_pandas_version(seed, shape, key) -> None:
    from addin.panel.tidy import _flag_values

    rng = np.random.default_rng(seed)
    provinces, years = [f"P{i}" for i in range(shape[0])], list(range(1990, 1990 + shape[1]))
    data = _series(
        key, "万美元", _awkward(rng, shape) if shape[0] else np.empty(shape), provinces, years
    )
    fast, plain = [], []
    _flag_values(data, data.values, 10.0, fast)
    _flag_values_pandas(data, data.values, 10.0, plain)
    # a year where every row with a step jumps (the same way) is one unit change instead
    changes = {r.year: r for r in fast if r.kind == "unit"}
    assert [r for r in fast if r.kind != "unit"] == [
        r for r in plain if not (r.kind == "jump" and r.year in changes)
    ]
    for year, change in changes.items():
        jumps = [r for r in plain if r.kind == "jump" and r.year == year]
        assert len(jumps) >= 2 and f"every province with a value ({len(jumps)})" in change.detail


def _long_frame_stack(frames, filled, regions, fx_row, fx_filled) -> pd.DataFrame:
    """The plain version (what ``_long_frame`` did): ``stack`` each frame, ``map`` the years."""
    from addin.panel.tidy import SERIES

    frame = pd.DataFrame({key: values.stack(future_stack=True) for key, values in frames.items()})
    frame.index.names = ["province", "year"]
    frame = frame.reset_index()
    frame.insert(1, "region", frame["province"].map(regions))
    frame["fx"] = frame["year"].map(fx_row)
    if "population" not in frame:
        frame["population"] = np.nan
    for key in SERIES:
        if key == "fx":
            frame["filled_fx"] = frame["year"].map(fx_filled).astype(bool)
        elif key in filled:
            frame[f"filled_{key}"] = filled[key].stack(future_stack=True).to_numpy()
        else:
            frame[f"filled_{key}"] = False
    frame["year"] = frame["year"].astype(int)
    return frame


@settings(deadline=None, max_examples=40)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.tuples(st.integers(1, 12), st.integers(1, 12)),
    keys=st.sampled_from([("trade", "fie", "gdp"), ("trade", "fie", "gdp", "population")]),
)
def test_long_frame_matches_stacking(seed, shape, keys) -> None:
    from addin.panel.tidy import _long_frame

    rng = np.random.default_rng(seed)
    provinces = [f"省{i}" for i in rng.permutation(shape[0])]
    years = list(range(2000, 2000 + shape[1]))

    def frame(values):
        return pd.DataFrame(values, index=provinces, columns=years)

    frames = {k: frame(_awkward(rng, shape)) for k in keys}
    filled = {k: frame(rng.random(shape) < 0.2) for k in keys}
    regions = {p: f"区{rng.integers(3)}" for p in provinces}
    fx_row = pd.Series(_awkward(rng, (1, shape[1]))[0], index=years)
    fx_filled = pd.Series(rng.random(shape[1]) < 0.3, index=years)
    pd.testing.assert_frame_equal(
        _long_frame(frames, filled, regions, fx_row, fx_filled),
        _long_frame_stack(frames, filled, regions, fx_row, fx_filled),
        check_exact=True,
    )


@pytest.mark.parametrize(
    "columns",
    [
        {2000: [1.5, np.nan, 0.0], 2001: [-2.0, 3.0, np.nan]},  # floats, as the reader gives
        {2000: [1, 2, 3], 2001: [True, False, True]},  # ints and booleans
        {2000: [1.0, "—", None], 2001: ["12", 3.0, "x"]},  # text: converted where it reads
    ],
)
def test_clean_converts_as_to_numeric_does(columns) -> None:
    from addin.panel.tidy import _clean

    values = pd.DataFrame(columns, index=["a", "b", "c"])
    data = SeriesData("trade", "万美元", values, sheet="Trade")
    expected = values.apply(pd.to_numeric, errors="coerce").astype(float)
    pd.testing.assert_frame_equal(_clean(data, []), expected, check_exact=True)


def _plausibility_pandas(panel) -> list[tuple]:
    """The plain version of the band, median and zero checks (what plausibility did before
    it worked on numpy blocks): pivots of the long frame and DataFrame arithmetic. One
    (series, pairs, factor or None) per warning, in the order the checks give them."""
    from addin.core.units import conversion_factor, parse_money_unit

    f, options, calls = panel.frame, panel.options, []

    def wide(values):
        frame = f.assign(value=values)
        pivot = frame.pivot(index="province", columns="year", values="value")
        return pivot.reindex(panel.provinces)

    def outside(key, frame, band):
        mask = ((frame < band[0]) | (frame > band[1])).to_numpy()
        pairs = [(frame.index[i], int(frame.columns[j])) for i, j in zip(*np.nonzero(mask))]
        calls.extend([(key, pairs, None)] if pairs else [])

    def in_yuan(key):
        factor = conversion_factor(parse_money_unit(panel.units[key]), plausibility.YUAN, f["fx"])
        if plausibility._entered_in_dollars(panel, key):
            lo, hi = options.fx_band
            factor = np.where((f["fx"] < lo) | (f["fx"] > hi), np.nan, factor)
        return wide(f[key] * factor)

    outside("fx", f.groupby("year")["fx"].first().to_frame("CNY/USD").T, options.fx_band)
    persons = wide(f["population"]) * 1e4
    if np.isfinite(persons.to_numpy()).any():
        outside("gdp", in_yuan("gdp") / persons, options.gdp_per_person_band)
    gdp = in_yuan("gdp")
    for key, band in (("trade", options.trade_gdp_band), ("fie", options.fie_gdp_band)):
        with np.errstate(all="ignore"):
            ratio = in_yuan(key) / gdp.where(gdp > 0)
            outside(key, ratio.where(ratio != 0), band)
            off = np.abs(np.log(ratio.where(ratio > 0) / ratio.median(axis=0)))
        for prov in ratio.index:
            beyond = (off.loc[prov] > np.log(options.outlier_ratio)).to_numpy()
            years = [int(y) for y in ratio.columns[beyond]]
            if years:
                factor = float(np.exp(off.loc[prov, years].max()))
                calls.append((key, [(prov, y) for y in years], number_text(factor, 3)))
    for key in ("trade", "fie"):
        zero = wide(f[key]) == 0
        outside(key, zero.astype(float), (-0.5, 0.5))  # True (1.0) is outside
    return calls


@settings(deadline=None, max_examples=30)
@given(panels, st.booleans())
def test_plausibility_checks_match_the_pandas_version(panel, rates_per_100) -> None:
    if rates_per_100:  # 元/100美元 typed as 元/美元: every rate is out of its band
        panel.frame["fx"] = panel.frame["fx"] * 100
    found = []

    def capture(panel, key, pairs, what, hint):
        if "disagree" not in what:  # trade against FIE: compared on its own above
            factor = what.split("×")[1].split(" ")[0] if "off the median" in what else None
            found.append((key, pairs, factor))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plausibility, "_warning", capture)
        for check in (
            plausibility.fx_warnings,
            plausibility.gdp_per_person_warnings,
            plausibility.ratio_warnings,
            plausibility.zero_warnings,
        ):
            check(panel)
    assert found == _plausibility_pandas(panel)


@settings(deadline=None, max_examples=60)
@given(
    st.lists(
        st.tuples(st.sampled_from(["上海", "江苏", "A", "b", "区1"]), st.integers(1990, 1996)),
        unique=True,
        max_size=30,
    ),
    st.randoms(use_true_random=False),
)
def test_by_province_groups_as_groupby_does(province_years, random) -> None:
    from addin.panel.tables import _by_province

    random.shuffle(province_years)  # years tie across provinces; rows in any order
    rows = pd.DataFrame(
        {
            "province": [p for p, _ in province_years],
            "year": np.array([y for _, y in province_years], dtype=int),
            "problem": [random.choice(["", "missing input 缺少数据"]) for _ in province_years],
            "trade": [random.choice([np.nan, 0.0, -1.5, 2.25]) for _ in province_years],
        }
    )
    expected = {
        province: list(group[["year", "problem", "trade"]].itertuples(index=False, name=None))
        for province, group in rows.sort_values("year").groupby("province", sort=False)
    }
    found = _by_province(rows, ["year", "problem", "trade"])
    assert list(found) == list(expected)  # the same province order
    for province, values in expected.items():
        assert [tuple(map(str, v)) for v in found[province]] == [tuple(map(str, v)) for v in values]
