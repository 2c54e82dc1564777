"""Tests of interior gap filling (addin.core.gaps.fill_interior)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.core.gaps import fill_interior
from addin.errors import InputError

nan = np.nan


def test_interior_gaps_filled_linearly_leading_and_trailing_kept() -> None:
    # 1 at 2001, 4 at 2004: 2002 → 2, 2003 → 3; 2000 (leading) and 2005 (trailing) stay empty
    years = [2000, 2001, 2002, 2003, 2004, 2005]
    filled, mask = fill_interior([nan, 1.0, nan, nan, 4.0, nan], years)
    np.testing.assert_array_equal(filled, [nan, 1.0, 2.0, 3.0, 4.0, nan])
    assert mask.tolist() == [False, False, True, True, False, False]


def test_uneven_spacing_is_linear_in_the_year_not_the_position() -> None:
    # 0 at 2000, 10 at 2005; the gap sits at 2001: 0 + (2001 − 2000)/(2005 − 2000)·10 = 2
    # (by position, halfway between neighbours, it would be 5)
    filled, mask = fill_interior([0.0, nan, 10.0], [2000, 2001, 2005])
    assert filled[1] == pytest.approx(2.0, rel=1e-14)
    assert mask.tolist() == [False, True, False]


def test_rows_are_independent_and_short_rows_untouched() -> None:
    x = np.array(
        [
            [1.0, nan, 3.0, nan],
            [nan, nan, 5.0, nan],  # one observation: nothing to interpolate between
            [nan, nan, nan, nan],
            [2.0, nan, nan, 8.0],
        ]
    )
    filled, mask = fill_interior(x, [1, 2, 3, 4])
    np.testing.assert_array_equal(filled[0], [1.0, 2.0, 3.0, nan])
    np.testing.assert_array_equal(filled[1], x[1])
    assert np.isnan(filled[2]).all()
    np.testing.assert_allclose(filled[3], [2.0, 4.0, 6.0, 8.0])
    assert mask.sum() == 3
    assert np.isnan(x[0, 1])  # the input is not modified


def test_three_dimensional_input_keeps_its_shape() -> None:
    x = np.full((2, 3, 3), nan)
    x[..., 0], x[..., 2] = 1.0, 3.0
    filled, mask = fill_interior(x, [0, 1, 2])
    assert filled.shape == x.shape and mask.shape == x.shape
    assert (filled[..., 1] == 2.0).all() and mask[..., 1].all()


def test_years_checked() -> None:
    with pytest.raises(InputError):
        fill_interior([1.0, nan, 3.0], [2000, 2000, 2001])


maybe = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False))


@st.composite
def gappy(draw):
    cells = draw(st.lists(maybe, min_size=1, max_size=15))
    steps = draw(st.lists(st.integers(1, 5), min_size=len(cells), max_size=len(cells)))
    years = np.cumsum(steps) + 1990
    return np.array([nan if c is None else c for c in cells]), years


@settings(deadline=None, max_examples=100)
@given(gappy())
def test_fill_keeps_observations_and_fills_exactly_the_interior(data) -> None:
    x, years = data
    filled, mask = fill_interior(x, years)
    seen = ~np.isnan(x)
    # observed values are never changed
    np.testing.assert_array_equal(filled[seen], x[seen])
    # filled = interior gaps: a missing cell with an observation on each side
    idx = np.flatnonzero(seen)
    interior = (
        ~seen
        & (np.arange(x.size) > (idx[0] if idx.size else x.size))
        & (np.arange(x.size) < (idx[-1] if idx.size else -1))
    )
    np.testing.assert_array_equal(mask, interior)
    assert np.isnan(filled[~seen & ~interior]).all()
    # each filled value lies on the straight line between its nearest observed neighbours
    for k in np.flatnonzero(mask):
        lo, hi = idx[idx < k][-1], idx[idx > k][0]
        expected = x[lo] + (x[hi] - x[lo]) * (years[k] - years[lo]) / (years[hi] - years[lo])
        assert filled[k] == pytest.approx(expected, rel=1e-9, abs=1e-6)
        assert min(x[lo], x[hi]) - 1e-6 <= filled[k] <= max(x[lo], x[hi]) + 1e-6


def _fill_one_row_at_a_time(x: np.ndarray, years: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Reference: each row on its own, scanning for the nearest non-gap cell on each side."""
    out = x.copy()
    for row, blocked in zip(out, stop, strict=True):
        gaps = [k for k in range(row.size) if np.isnan(row[k]) and not blocked[k]]
        seen = ~np.isnan(row) & ~blocked
        for k in gaps:  # between the nearest non-gap cells, if both are values
            lo = next((j for j in range(k - 1, -1, -1) if j not in gaps), None)
            hi = next((j for j in range(k + 1, row.size) if j not in gaps), None)
            if lo is not None and hi is not None and seen[lo] and seen[hi]:
                row[k] = np.interp(years[k], years[[lo, hi]], row[[lo, hi]])
    return out


@st.composite
def gappy_blocks(draw):
    rows = draw(st.integers(1, 6))
    width = draw(st.integers(1, 12))
    cells = st.one_of(st.none(), st.just(0.0), st.floats(-1e9, 1e9, allow_nan=False))
    x = np.array(
        [
            [nan if c is None else c for c in draw(st.lists(cells, min_size=width, max_size=width))]
            for _ in range(rows)
        ]
    )
    stop = np.array(draw(st.lists(st.booleans(), min_size=x.size, max_size=x.size))).reshape(
        x.shape
    )
    steps = draw(st.lists(st.integers(1, 4), min_size=width, max_size=width))
    return x, np.cumsum(steps) + 1990, stop & draw(st.booleans())


@settings(deadline=None, max_examples=200)
@given(gappy_blocks())
def test_block_fill_equals_filling_row_by_row(data) -> None:
    x, years, stop = data
    filled, mask = fill_interior(x, years, stop)
    expected = _fill_one_row_at_a_time(x, years.astype(float), stop)
    np.testing.assert_array_equal(filled, expected)  # bit for bit, NaN where NaN
    np.testing.assert_array_equal(mask, np.isnan(x) & ~np.isnan(expected))
