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
    stop = np.broadcast_to(blocked, x.shape).reshape(flat.shape)
    fill = interior_gaps(flat, stop)
    for i in np.flatnonzero(fill.any(axis=1)):  # only the rows that have something to fill
        seen = ~np.isnan(flat[i]) & ~stop[i]
        flat[i, fill[i]] = np.interp(yrs[fill[i]], yrs[seen], flat[i, seen])
    filled = flat.reshape(x.shape)
    return filled, np.isnan(x) & ~np.isnan(filled)


def interior_gaps(x: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Which elements of each row of ``x`` are gaps whose nearest neighbours are both values.

    Parameters
    ----------
    x : ndarray, shape (n_rows, n_years)
        Series along the last axis; NaN is a gap.
    stop : ndarray of bool, like ``x``
        Barriers: neither a value nor a gap.

    Returns
    -------
    ndarray of bool, like ``x``
        True at a NaN that is not a barrier and has a value (not a barrier) as its nearest
        non-gap element on each side in its row.

    Examples
    --------
    >>> nan = np.nan
    >>> x = np.array([[nan, 1.0, nan, 3.0, nan], [1.0, nan, nan, nan, 2.0]])
    >>> interior_gaps(x, x == 2.0).astype(int).tolist()  # the 2.0 is a barrier
    [[0, 0, 1, 0, 0], [0, 0, 0, 0, 0]]
    """
    gap = np.isnan(x) & ~stop
    if not gap.any():
        return gap
    n = x.shape[-1]
    left = last_true(~gap)
    right = n - 1 - last_true(~gap[:, ::-1])[:, ::-1]  # the first non-gap at or after
    value = ~gap & ~stop
    fill = gap & (left >= 0) & (right < n)
    fill &= np.take_along_axis(value, left.clip(0, n - 1), axis=-1)
    return fill & np.take_along_axis(value, right.clip(0, n - 1), axis=-1)


def last_true(mask: np.ndarray) -> np.ndarray:
    """Position of the last True at or before each element along the last axis (−1: none).

    Examples
    --------
    >>> last_true(np.array([[False, True, False, False, True]])).tolist()
    [[-1, 1, 1, 1, 4]]
    """
    positions = np.arange(mask.shape[-1])
    return np.maximum.accumulate(np.where(mask, positions, -1), axis=-1)
