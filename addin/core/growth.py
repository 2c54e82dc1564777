r"""Growth of a series over years: change, compound and trend rates, stages, and the
split of the composite index's growth into trade and investment parts.

Series run along the last axis (``x[..., t]``) with ``years`` giving each position's
year; several series (provinces) can be stacked on leading axes. Rates are fractions
per year (0.1168 = 11.68 %/yr). A rate that cannot be computed (missing endpoint,
non-positive base) is NaN, never a number made up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from ..errors import InputError
from .problems import Problem, Result, settle

Method = Literal["cagr", "mean_yoy", "loglinear", "change"]
METHODS: tuple[str, ...] = get_args(Method)
Base = Literal["own", "previous"]
BASES: tuple[str, ...] = get_args(Base)
PAPER_STAGES: tuple[tuple[int, int], ...] = ((1993, 2000), (2001, 2008), (2009, 2016), (2017, 2022))


def as_series(x: ArrayLike, years: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate series along the last axis against strictly increasing ``years``."""
    x = np.asarray(x, dtype=float)
    years = np.asarray(years, dtype=float)
    if years.ndim != 1 or x.shape[-1:] != years.shape:
        raise InputError(f"{x.shape[-1] if x.ndim else 0} values but {years.size} years", "years")
    if years.size and np.any(np.diff(years) <= 0):
        raise InputError("years must be strictly increasing", "years")
    return x, years


def _span(years: np.ndarray) -> float:
    return float(years[-1] - years[0]) if years.size >= 2 else np.nan


def annual_change(x: ArrayLike, years: ArrayLike):
    """Average annual change (x_last − x_first) / (year_last − year_first), in x's unit per year.

    The paper's 年均变化 column (Shanghai: (17.225 − 0.277) / 29 = 0.584).

    Returns
    -------
    float or ndarray
        One change per series; NaN where an endpoint is missing (:func:`growth_rate`
        with ``"change"`` gives the reason).

    Examples
    --------
    >>> float(annual_change([0.277, 17.225], [1993, 2022]))
    0.5844...
    """
    x, years = as_series(x, years)
    with np.errstate(all="ignore"):
        return (x[..., -1] - x[..., 0]) / _span(years)


def cagr(x: ArrayLike, years: ArrayLike):
    """Compound annual growth rate (x_last / x_first)^(1 / (year_last − year_first)) − 1.

    Returns
    -------
    float or ndarray
        Fraction per year; NaN when the first value is not positive or the last is
        negative (:func:`growth_rate` gives the reason).

    Examples
    --------
    >>> float(cagr([100.0, 200.0], [2000, 2010]))  # 2^(1/10) − 1
    0.0717...
    """
    x, years = as_series(x, years)
    first, last = x[..., 0], x[..., -1]
    span = _span(years)
    with np.errstate(all="ignore"):
        rate = (last / first) ** (1.0 / span) - 1.0
    # 1 ** nan is 1 in IEEE arithmetic: without the span test one year would give 0 %/yr
    return np.where((first > 0) & (last >= 0) & np.isfinite(span), rate, np.nan)


def yoy_rates(x: ArrayLike, years: ArrayLike) -> np.ndarray:
    """Year-on-year growth rates, one fewer than the values: x_t / x_{t−1} − 1.

    Where consecutive positions are more than one year apart the rate is annualised:
    (x_t / x_{t−1})^(1/Δyear) − 1.

    Returns
    -------
    ndarray
        Fractions per year; NaN where the earlier value is not positive or the later
        is negative.

    Examples
    --------
    >>> yoy_rates([1.0, 1.5, 6.0], [2000, 2001, 2003]).tolist()  # 4^(1/2) − 1 over 2 years
    [0.5, 1.0]
    """
    x, years = as_series(x, years)
    prev, cur = x[..., :-1], x[..., 1:]
    with np.errstate(all="ignore"):
        rate = (cur / prev) ** (1.0 / np.diff(years)) - 1.0
    return np.where((prev > 0) & (cur >= 0), rate, np.nan)


def mean_yoy(x: ArrayLike, years: ArrayLike):
    """Arithmetic mean of the year-on-year rates that can be computed.

    Returns
    -------
    float or ndarray
        Fraction per year; NaN if no rate can be computed.

    Examples
    --------
    >>> float(mean_yoy([1.0, 1.5, 3.0], [2000, 2001, 2002]))  # (0.5 + 1) / 2
    0.75
    """
    rates = yoy_rates(x, years)
    counts = (~np.isnan(rates)).sum(axis=-1)
    with np.errstate(all="ignore"):
        mean = np.nansum(rates, axis=-1) / counts
    return np.where(counts > 0, mean, np.nan)


def loglinear(x: ArrayLike, years: ArrayLike):
    """Trend growth exp(b) − 1, with b the OLS slope of ln x on year over every positive value.

    Uses every year, so a single odd endpoint weighs less than in CAGR.

    Returns
    -------
    float or ndarray
        Fraction per year; NaN with fewer than two positive values.

    Examples
    --------
    >>> float(loglinear([1.0, 2.0, 4.0], [2000, 2001, 2002]))  # slope ln 2: doubling
    1.0
    """
    x, years = as_series(x, years)
    usable = x > 0
    with np.errstate(all="ignore"):
        logs = np.where(usable, np.log(np.where(usable, x, 1.0)), 0.0)
        n = usable.sum(axis=-1)
        t = np.broadcast_to(years, x.shape)
        t_mean = (t * usable).sum(axis=-1) / n
        l_mean = logs.sum(axis=-1) / n
        dt = np.where(usable, t - t_mean[..., None], 0.0)
        slope = (dt * (logs - l_mean[..., None])).sum(axis=-1) / (dt**2).sum(axis=-1)
        rate = np.exp(slope) - 1.0
    return np.where(n >= 2, rate, np.nan)


_RATES = {"cagr": cagr, "mean_yoy": mean_yoy, "loglinear": loglinear, "change": annual_change}


def _lacks_data(x: np.ndarray, method: str) -> np.ndarray:
    """Per series: too few numbers for ``method`` (``cagr``/``change``: both endpoints;
    ``mean_yoy``: two neighbouring years; ``loglinear``: two years)."""
    present = ~np.isnan(x)
    if method in ("cagr", "change"):
        return ~(present[..., 0] & present[..., -1])
    if method == "mean_yoy":
        return ~(present[..., 1:] & present[..., :-1]).any(axis=-1)
    return present.sum(axis=-1) < 2


def growth_rate(x: ArrayLike, years: ArrayLike, method: Method = "cagr") -> Result:
    """Growth of ``x`` by ``method``, one rate per series (the kernel of the formulas above).

    Parameters
    ----------
    x : array_like, shape (..., n_years)
        Series along the last axis.
    years : array_like, shape (n_years,)
        Strictly increasing years.
    method : {"cagr", "mean_yoy", "loglinear", "change"}
        :func:`cagr`, :func:`mean_yoy`, :func:`loglinear` (fractions per year) or
        :func:`annual_change` (x's unit per year).

    Returns
    -------
    Result
        One rate per series (a float for one series). ``MISSING`` where the series lacks
        the numbers the method needs (``cagr``, ``change``: both endpoints; ``mean_yoy``:
        two neighbouring years; ``loglinear``: two years); ``UNDEFINED`` where they give
        no rate (a base that is not positive).

    Examples
    --------
    >>> round(growth_rate([100.0, 121.0], [2000, 2002]).values, 12)  # (121/100)^(1/2) − 1
    0.1
    >>> r = growth_rate([[np.nan, 1.0, 2.0], [0.0, 1.0, 2.0]], [2000, 2001, 2002])
    >>> r.values.tolist(), r.problems.tolist()  # no first value; a zero base
    ([nan, nan], [1, 7])
    """
    if method not in _RATES:
        raise InputError(
            f"unknown growth method {method!r}; use one of {', '.join(METHODS)}", "method"
        )
    x, years = as_series(x, years)
    problems = np.where(_lacks_data(x, method), Problem.MISSING, Problem.OK)
    return settle(_RATES[method](x, years), problems, scalar=x.ndim == 1)


@dataclass(frozen=True)
class StageGrowth:
    """Growth per stage. Arrays have one entry per stage (stages on the last axis).

    ``base_years`` are the years growth is measured from: the stage's own first year
    (base "own") or the year before the stage starts (base "previous", when it is in the
    data; with back-to-back stages, the previous stage's last year).
    """

    starts: np.ndarray
    ends: np.ndarray
    base_years: np.ndarray
    rates: np.ndarray
    method: str
    base: str
    problems: np.ndarray  #: a :class:`~addin.core.problems.Problem` code beside each rate


def stage_growth(
    x: ArrayLike,
    years: ArrayLike,
    stages: ArrayLike = PAPER_STAGES,
    method: Method = "cagr",
    base: Base = "own",
) -> StageGrowth:
    """Growth of ``x`` within each stage ``(first_year, last_year)``.

    With base "previous", stage 2001–2008 is measured from 2000 (the paper's reading
    is ambiguous; METHOD.md). A stage whose years are not all in ``years`` keeps the
    years it has.

    Returns
    -------
    StageGrowth
        Rates per stage (fractions per year; x's unit per year for ``"change"``) and a
        problem code beside each: ``MISSING`` for a stage with fewer than two years or
        without the numbers the method needs, ``UNDEFINED`` for a base that is not positive.

    Examples
    --------
    >>> years = [2000, 2001, 2002, 2003]
    >>> s = stage_growth([1.0, 2.0, 4.0, 4.0], years, [(2000, 2002), (2002, 2003)])
    >>> s.rates.tolist(), s.problems.tolist()
    ([1.0, 0.0], [0, 0])
    """
    x, yrs = as_series(x, years)
    if base not in BASES:
        raise InputError(f"unknown stage base {base!r}; use 'own' or 'previous'", "base")
    bounds = np.asarray(stages, dtype=int).reshape(-1, 2)
    if np.any(bounds[:, 0] >= bounds[:, 1]):
        raise InputError("each stage needs a first year before its last year", "stages")
    rates, problems, base_years = [], [], []
    for start, end in bounds:
        first = start - 1 if base == "previous" and (start - 1) in yrs else start
        window = (yrs >= first) & (yrs <= end)
        base_years.append(first)
        if window.sum() < 2:
            rates.append(np.full(x.shape[:-1], np.nan))
            problems.append(np.full(x.shape[:-1], Problem.MISSING, dtype=np.int8))
        else:
            stage = growth_rate(x[..., window], yrs[window], method)
            rates.append(np.asarray(stage.values))
            problems.append(np.asarray(stage.problems, dtype=np.int8))
    return StageGrowth(
        bounds[:, 0],
        bounds[:, 1],
        np.array(base_years),
        np.stack(rates, axis=-1),
        method,
        base,
        np.stack(problems, axis=-1),
    )


@dataclass(frozen=True)
class GrowthSplit:
    r"""The composite index's log growth split into trade and investment parts.

    Because :math:`\ln Z = \tfrac12 \ln T + \tfrac12 \ln I`, over any interval
    :math:`\Delta\ln Z = \tfrac12\Delta\ln T + \tfrac12\Delta\ln I` exactly.
    Values are log points per year (multiply by 100 for % per year, approximately).
    """

    composite: float | np.ndarray
    trade: float | np.ndarray
    invest: float | np.ndarray

    @property
    def trade_share(self):
        """Fraction of the composite's log growth due to trade (NaN if it did not grow)."""
        with np.errstate(all="ignore"):
            return np.where(self.composite != 0, self.trade / self.composite, np.nan)[()]


def growth_split(trade: ArrayLike, invest: ArrayLike, years: ArrayLike) -> GrowthSplit:
    """Average annual log growth of Z = √(T·I) between the first and last year, split into
    ½·Δln T (trade) and ½·Δln I (investment), per year.

    Returns
    -------
    GrowthSplit
        Log points per year; NaN where an endpoint is not positive.

    Examples
    --------
    >>> s = growth_split([1.0, 4.0], [1.0, 1.0], [2000, 2001])  # T quadruples, I stays
    >>> round(float(s.composite), 6), float(s.trade_share)
    (0.693147, 1.0)
    """
    t, yrs = as_series(trade, years)
    i, _ = as_series(invest, years)
    span = _span(yrs)
    with np.errstate(all="ignore"):
        dt = np.where(
            (t[..., 0] > 0) & (t[..., -1] > 0), 0.5 * np.log(t[..., -1] / t[..., 0]) / span, np.nan
        )
        di = np.where(
            (i[..., 0] > 0) & (i[..., -1] > 0), 0.5 * np.log(i[..., -1] / i[..., 0]) / span, np.nan
        )
    return GrowthSplit((dt + di)[()], dt[()], di[()])
