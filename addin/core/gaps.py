"""Gap filling: linear interpolation in the year between observed values, never beyond them.

The paper fills "isolated missing province-years by interpolation"; this fills only
interior gaps (a missing year with an observation before and after it) and reports
every filled cell, so that the user can see and override it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .growth import as_series


def fill_interior(
    x: ArrayLike, years: ArrayLike, barriers: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Fill interior NaNs of each series linearly in the year.

    A gap at year :math:`t` between observations :math:`x_a` (year :math:`a`) and
    :math:`x_b` (year :math:`b`) becomes
    :math:`x_a + (x_b - x_a)\,(t - a)/(b - a)`, in x's unit.

    Parameters
    ----------
    x : array_like, shape (..., n_years)
        Series along the last axis (one row per province).
    years : array_like, shape (n_years,)
        Strictly increasing years; uneven spacing is respected.
    barriers : array_like of bool, like ``x``, optional
        Elements that are neither a value nor a gap (a cell holding text or an error):
        they stay as they are and no gap is filled across them.

    Returns
    -------
    filled : ndarray
        ``x`` with interior gaps filled; leading and trailing gaps, and gaps next to a
        barrier, stay NaN.
    was_filled : ndarray of bool
        True exactly where a value was filled (the per-element record of what was done).

    Examples
    --------
    >>> filled, was_filled = fill_interior([1.0, np.nan, 5.0, np.nan], [2000, 2001, 2003, 2004])
    >>> filled.tolist(), was_filled.tolist()  # 1 + (5 − 1)·1/3; the trailing gap stays
    ([1.0, 2.333..., 5.0, nan], [False, True, False, False])
    >>> fill_interior([1.0, np.nan, np.nan, 4.0], [1, 2, 3, 4], [0, 0, 1, 0])[1].tolist()
    [False, False, False, False]
    """
    x, yrs = as_series(x, years)
    blocked = np.zeros(x.shape, bool) if barriers is None else np.asarray(barriers, bool)
    flat = x.reshape(-1, x.shape[-1]).copy()
    for row, stop in zip(flat, np.broadcast_to(blocked, x.shape).reshape(flat.shape)):
        _fill_row(row, yrs, stop)
    filled = flat.reshape(x.shape)
    return filled, np.isnan(x) & ~np.isnan(filled)


def _fill_row(row: np.ndarray, yrs: np.ndarray, stop: np.ndarray) -> None:
    """Fill, in place, the gaps of ``row`` whose nearest neighbours are both values."""
    seen = ~np.isnan(row) & ~stop
    n = row.size
    positions = np.arange(n)
    kind = np.where(stop, 2, np.where(seen, 1, 0))  # 0 gap, 1 value, 2 barrier
    left = np.maximum.accumulate(np.where(kind != 0, positions, -1))
    right = np.minimum.accumulate(np.where(kind != 0, positions, n)[::-1])[::-1]
    fill = (kind == 0) & (left >= 0) & (right < n)
    fill &= (kind[np.clip(left, 0, n - 1)] == 1) & (kind[np.clip(right, 0, n - 1)] == 1)
    if fill.any():
        row[fill] = np.interp(yrs[fill], yrs[seen], row[seen])
