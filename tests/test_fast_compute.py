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
    provinces = [f"省{i:03d}" for i in rng.permutation(n_provinces)]  # not in name order
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
        for a, b in ((fast, plain), (fast.sort_index(), plain.sort_index())):
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
    assert index_table(panel)["problem"].tolist() == expected


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
    panel = SimpleNamespace(options=SimpleNamespace(series_ratio=4.0))
    records = plausibility._trade_against_fie(panel, trade, fie)
    expected = _trade_against_fie_loop(trade, fie, 4.0)
    assert len(records) == len(captured) == len(expected)
    for (key, pairs, what), (higher, pairs_loop, factor) in zip(captured, expected, strict=True):
        assert (key, pairs) == (higher, pairs_loop)
        assert f"disagree by ×{factor:.3g} against" in what
    if shape == (80, 15):
        assert expected  # the powers of ten sprinkled in are found
