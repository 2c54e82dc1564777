"""Gap filling: linear interpolation in the year between observed values, never beyond them.

The paper fills "isolated missing province-years by interpolation"; this fills only
interior gaps (a missing year with an observation before and after it) and reports
every filled cell, so that the user can see and override it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .growth import as_series


def fill_interior(x: ArrayLike, years: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Fill interior NaNs of each series linearly in the year.

    Parameters
    ----------
    x : array_like, shape (..., n_years)
        Series along the last axis (one row per province).
    years : array_like, shape (n_years,)
        Strictly increasing years; uneven spacing is respected.

    Returns
    -------
    filled : ndarray
        ``x`` with interior gaps filled; leading and trailing gaps stay NaN.
    was_filled : ndarray of bool
        True exactly where a value was filled.
    """
    x, yrs = as_series(x, years)
    flat = x.reshape(-1, x.shape[-1]).copy()
    for row in flat:
        seen = ~np.isnan(row)
        if seen.sum() < 2:
            continue
        first, last = np.flatnonzero(seen)[[0, -1]]
        gap = ~seen
        gap[:first] = False
        gap[last + 1 :] = False
        if gap.any():
            row[gap] = np.interp(yrs[gap], yrs[seen], row[seen])
    filled = flat.reshape(x.shape)
    return filled, np.isnan(x) & ~np.isnan(filled)
