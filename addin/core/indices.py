r"""Opening-up indices of one province-year: trade T, investment I and composite Z.

With amounts converted into GDP's unit by a factor :math:`r` (an exchange rate times a
magnitude ratio; 1 when they already share a unit):

.. math::

    T = (r_t\,\text{trade}) \cdot \frac{r_t\,\text{trade}}{\text{GDP}}, \qquad
    I = (r_f\,\text{FIE}) \cdot \frac{r_f\,\text{FIE}}{\text{GDP}}, \qquad
    Z = \sqrt{T\,I}

Each index multiplies a scale (the amount) by an intensity (its ratio to GDP), so it
carries GDP's unit: trade in 亿元 against GDP in 亿元 gives T in 亿元. All functions are
element-wise with numpy broadcasting (a row of exchange rates applies to every province).
Bad elements are not raised: they come back as NaN with a :class:`~addin.core.problems.Problem`
code beside them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .problems import Problem, Result, settle, worst

#: The indices' result: the kernels' one :class:`~addin.core.problems.Result`.
IndexResult = Result


def _as_float(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _amount_problems(amount: np.ndarray, gdp: np.ndarray, factor: np.ndarray) -> np.ndarray:
    missing = np.isnan(amount) | np.isnan(gdp) | np.isnan(factor)
    return worst(
        np.where(missing, Problem.MISSING, Problem.OK),
        np.where(amount < 0, Problem.NEGATIVE, Problem.OK),
        np.where(gdp <= 0, Problem.NONPOSITIVE_GDP, Problem.OK),
        np.where(factor <= 0, Problem.NONPOSITIVE_RATE, Problem.OK),
    )


def scale_intensity_index(
    amount: ArrayLike, gdp: ArrayLike, factor: ArrayLike = 1.0
) -> IndexResult:
    r"""Scale × intensity index :math:`(r a)^2 / \text{GDP}` of an amount ``a``.

    Parameters
    ----------
    amount : array_like
        Trade or FIE amount, in its own unit.
    gdp : array_like
        GDP, broadcastable against ``amount``.
    factor : array_like, default 1.0
        Multiplier :math:`r` that converts ``amount`` into GDP's unit
        (e.g. 6.7261 / 10000 for 万美元 against 亿元 at 6.7261 CNY/USD).

    Returns
    -------
    Result
        Values in GDP's unit. Problems: ``MISSING`` (any input NaN), ``NEGATIVE``
        (amount < 0), ``NONPOSITIVE_GDP`` (GDP ≤ 0), ``NONPOSITIVE_RATE`` (factor ≤ 0),
        ``OVERFLOW`` (the result is beyond the largest float, 1.8e308).

    Examples
    --------
    Trade 20 against GDP 100 (same unit): 20 · 20/100 = 4; a zero GDP is a problem.

    >>> r = scale_intensity_index([20.0, 20.0], [100.0, 0.0])
    >>> r.values.tolist(), [Problem(c).name for c in r.problems]
    ([4.0, nan], ['OK', 'NONPOSITIVE_GDP'])
    """
    a, g, r = np.broadcast_arrays(_as_float(amount), _as_float(gdp), _as_float(factor))
    problems = _amount_problems(a, g, r)
    with np.errstate(all="ignore"):
        converted = a * r
        values = converted * converted / g
    return _result(values, problems)


def _result(values: np.ndarray, problems: np.ndarray) -> Result:
    """Values where the problem is OK, NaN elsewhere; an infinite or NaN result of valid
    inputs (a number beyond 1.8e308, e.g. 1e300 squared) is ``OVERFLOW``."""
    return settle(values, problems, not_finite=Problem.OVERFLOW)


def trade_index(trade: ArrayLike, gdp: ArrayLike, factor: ArrayLike = 1.0) -> IndexResult:
    """Trade opening index T = (r·trade)² / GDP, the paper's equation (2).

    See :func:`scale_intensity_index` for parameters, the unit and problems.

    Examples
    --------
    >>> float(trade_index(30.0, 90.0).values)  # 30 · 30/90, in GDP's unit
    10.0
    """
    return scale_intensity_index(trade, gdp, factor)


def invest_index(fie: ArrayLike, gdp: ArrayLike, factor: ArrayLike = 1.0) -> IndexResult:
    """Investment opening index I = (r·FIE)² / GDP, the paper's equation (3).

    See :func:`scale_intensity_index` for parameters, the unit and problems.

    Examples
    --------
    >>> Problem(invest_index(-1.0, 90.0).problems).name
    'NEGATIVE'
    """
    return scale_intensity_index(fie, gdp, factor)


def composite_index(trade: IndexResult, invest: IndexResult) -> IndexResult:
    """Composite index Z = √(T·I), equation (1), from already computed T and I.

    Returns
    -------
    Result
        Z in GDP's unit; the problem of an element is the worse of its T and I problems.

    Examples
    --------
    >>> float(composite_index(trade_index(30.0, 90.0), invest_index(10.0, 90.0)).values)
    3.333...
    """
    problems = worst(trade.problems, invest.problems)
    with np.errstate(all="ignore"):
        values = np.sqrt(trade.values) * np.sqrt(invest.values)  # T·I may overflow, Z not
    return _result(values, problems)


def open_index(
    trade: ArrayLike,
    fie: ArrayLike,
    gdp: ArrayLike,
    trade_factor: ArrayLike = 1.0,
    fie_factor: ArrayLike = 1.0,
) -> IndexResult:
    """Composite opening index Z = √(T·I) = (r_t·trade)(r_f·FIE) / GDP.

    Parameters
    ----------
    trade, fie, gdp : array_like
        Amounts, broadcastable against each other.
    trade_factor, fie_factor : array_like, default 1.0
        Conversions of trade and FIE into GDP's unit.

    Returns
    -------
    Result
        Z in GDP's unit, with the worse of T's and I's problem codes.

    Examples
    --------
    >>> float(open_index(30.0, 10.0, 90.0).values)  # 30 · 10 / 90
    3.333...
    """
    return composite_index(
        scale_intensity_index(trade, gdp, trade_factor),
        scale_intensity_index(fie, gdp, fie_factor),
    )
