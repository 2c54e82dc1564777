"""The official exchange-rate table shipped with the add-in (``addin/data``).

The one data file the repository carries: the annual average CNY per USD of the China
Statistical Yearbook, which the template's FX sheet starts from.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd


def official_fx() -> pd.Series:
    """Annual average CNY per USD, 1993–2022, from the China Statistical Yearbook.

    Returns
    -------
    pandas.Series
        元/美元 by year (int index).

    Examples
    --------
    >>> fx = official_fx()
    >>> int(fx.index[0]), int(fx.index[-1])
    (1993, 2022)
    """
    with resources.files("addin").joinpath("data/fx_cny_per_usd.csv").open(encoding="utf-8") as f:
        table = pd.read_csv(f)
    return table.set_index("year")["cny_per_usd"]
