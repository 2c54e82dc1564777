r"""Convergence across regions: σ-convergence (does dispersion fall?) and absolute
β-convergence (do the regions that start low grow faster?).

Every function returns :class:`Estimates`: a labelled :class:`~addin.core.problems.Result`
(one value and one problem code per label, ``n`` among them), so a worksheet function
can spill labels beside values and a table can take the columns by name. As everywhere
in the kernels, bad data give NaN and a code (``MISSING`` when fewer regions or years
than the estimate needs have values, ``UNDEFINED`` when a level to take the logarithm
of is not positive or the estimate is not defined), never an exception; only arguments
that do not fit raise :class:`~addin.errors.InputError`.

- σ-convergence: :func:`log_sd` (per period, the standard deviation of ln y),
  :func:`trend` (OLS slope of a dispersion series on the year, with its t: REAT
  ``sigmaconv.t``), :func:`carree_klomp` (the test of equal variances of ln y in the
  first and last year, Carree and Klomp 1997).
- β-convergence: :func:`beta_convergence` ((ln y_T − ln y_0)/T on ln y_0, Barro and
  Sala-i-Martin 1992: β, its SE and t, R², the speed λ = −ln(1 + βT)/T and the
  half-life ln 2/λ) and :func:`beta_by_stage` (the same per stage of the Stages table).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ..errors import InputError
from .problems import Estimates, Problem, Result, settle

TREND_LABELS = ("slope", "se", "t", "r2", "intercept", "n")
CARREE_KLOMP_LABELS = ("var_first", "var_last", "statistic", "p", "n")
BETA_LABELS = ("beta", "se", "t", "r2", "speed", "half_life", "alpha", "n")
SIGMA_LABELS = ("slope", "se", "t", "r2", "years", "var_first", "var_last", "ck_t2", "ck_p", "n")


def _estimates(values: dict[str, float], problems: dict[str, int], labels) -> Estimates:
    r = settle(
        np.array([values[k] for k in labels], dtype=float),
        np.array([problems.get(k, Problem.OK) for k in labels], dtype=np.int8),
    )
    return Estimates(r.values, r.problems, labels)


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[dict[str, float], dict[str, int]]:
    """y = intercept + slope·x by OLS over the pairs where both are finite."""
    used = np.isfinite(x) & np.isfinite(y)
    x, y = x[used], y[used]
    n = int(used.sum())
    out = dict.fromkeys(("slope", "se", "t", "r2", "intercept"), np.nan) | {"n": float(n)}
    if n < 3:  # two points fit any line: no residual variance, no standard error
        return out, dict.fromkeys(("slope", "se", "t", "r2", "intercept"), Problem.MISSING)
    with np.errstate(all="ignore"):
        dx, dy = x - x.mean(), y - y.mean()
        sxx, syy = (dx * dx).sum(), (dy * dy).sum()
        slope = (dx * dy).sum() / sxx
        residual = dy - slope * dx
        se = math.sqrt((residual * residual).sum() / (n - 2) / sxx)
        out |= {
            "slope": slope,
            "intercept": y.mean() - slope * x.mean(),
            "se": se,
            "t": slope / se,  # a perfect fit (se = 0) has no t: UNDEFINED
            "r2": 1.0 - (residual * residual).sum() / syy,
        }
    return out, {}


def _vector(x: ArrayLike, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim != 1:
        raise InputError(f"expected one row or column of numbers, got shape {a.shape}", name)
    return a


def _logs(x: np.ndarray) -> tuple[np.ndarray, bool]:
    """ln x where x is a number, and whether a number was zero or negative."""
    finite = np.isfinite(x)
    bad = bool((finite & (x <= 0)).any())
    with np.errstate(all="ignore"):
        return np.where(finite & (x > 0), np.log(np.where(x > 0, x, 1.0)), np.nan), bad


def trend(series: ArrayLike, years: ArrayLike) -> Estimates:
    r"""The linear trend of a series over the years by OLS: σ-convergence when a dispersion
    series falls (REAT ``sigmaconv.t``, which regresses the yearly SD of ln y on the year).

    .. math:: s_t = a + b\,t + e_t, \quad \mathrm{SE}(b) = \sqrt{\frac{\sum e_t^2/(n-2)}
              {\sum (t - \bar t)^2}}, \quad t_b = b / \mathrm{SE}(b)

    Parameters
    ----------
    series : array_like, shape (periods,)
        The dispersion per year (e.g. the weighted CV of Z, or :func:`log_sd`); NaN
        years are left out.
    years : array_like, shape (periods,)

    Returns
    -------
    Estimates
        ``slope`` (series unit per year), ``se``, ``t``, ``r2``, ``intercept`` and ``n``
        (years used). ``MISSING`` with fewer than 3 years; ``UNDEFINED`` for a constant
        series (no R²) or a perfect fit (no t).

    Examples
    --------
    >>> e = trend([0.9, 0.8, 0.75, 0.6], [2000, 2001, 2002, 2003])
    >>> round(e["slope"], 4), round(e["t"], 3), round(e["r2"], 4)
    (-0.095, -7.181, 0.9627)
    """
    s, t = _vector(series, "series"), _vector(years, "years")
    if s.shape != t.shape:
        raise InputError(f"{s.size} values but {t.size} years", "years")
    values, problems = _ols(t, s)
    return _estimates(values, problems, TREND_LABELS)


def log_sd(values: ArrayLike) -> Result:
    r"""Standard deviation of ln y across regions, per period (σ in σ-convergence).

    .. math:: \sigma_t = \sqrt{\tfrac{1}{n}\sum_i (\ln y_{it} - \overline{\ln y_t})^2}

    The population SD (divisor n, REAT ``sd2(is.sample = FALSE)``), unweighted, over the
    regions with a value that year.

    Parameters
    ----------
    values : array_like, shape (n,) or (n, periods)
        Levels (e.g. Z per province), positive.

    Returns
    -------
    Result
        One σ per period (ln units, unit-free); ``MISSING`` where fewer than two regions
        have a value (one region has no dispersion), ``UNDEFINED`` where a value is zero or
        negative.

    Examples
    --------
    >>> round(log_sd([1.0, np.e ** 2]).values, 12)  # ln: 0 and 2
    1.0
    """
    y = np.asarray(values, dtype=float)
    was_1d = y.ndim == 1
    block = y[:, None] if was_1d else y
    if block.ndim != 2:
        raise InputError(f"expected a column or a regions × periods block, got {y.shape}", "values")
    logs, _ = _logs(block.ravel())
    logs = logs.reshape(block.shape)
    present = np.isfinite(block)
    n = present.sum(axis=0)
    bad = (present & (block <= 0)).any(axis=0)
    with np.errstate(all="ignore"):
        mean = np.where(present, logs, 0.0).sum(axis=0) / n
        sd = np.sqrt(np.where(present, (logs - mean) ** 2, 0.0).sum(axis=0) / n)
    # one region is no dispersion: σ = 0 there would pull a trend towards divergence
    problems = np.select([n < 2, bad], [Problem.MISSING, Problem.UNDEFINED], Problem.OK)
    return settle(sd, problems, scalar=was_1d)


def _chi2_1_survival(x: float) -> float:
    """P(χ²₁ > x) = erfc(√(x/2))."""
    return math.erfc(math.sqrt(x / 2.0))


def carree_klomp(first: ArrayLike, last: ArrayLike) -> Estimates:
    r"""Carree and Klomp's (1997) test of σ-convergence between two years.

    With :math:`\hat\sigma_1^2`, :math:`\hat\sigma_T^2` the variances of ln y in the first
    and last year and :math:`\hat\sigma_{1T}` their covariance over the same N regions
    (divisor N):

    .. math:: T_2 = (N - 2.5)\,\ln\Bigl[1 + \frac{(\hat\sigma_1^2 - \hat\sigma_T^2)^2}
              {4(\hat\sigma_1^2\hat\sigma_T^2 - \hat\sigma_{1T}^2)}\Bigr] \sim \chi^2_1

    the likelihood-ratio test of equal variances of a bivariate normal with a small-sample
    correction. Unlike the F test of REAT ``sigmaconv`` (Lichtenberg 1994) it allows for the
    correlation of the two years. σ-convergence: ``var_last < var_first`` and a small ``p``.

    Returns
    -------
    Estimates
        ``var_first``, ``var_last`` (ln units²), ``statistic`` (T₂), ``p`` (χ²₁ upper
        tail) and ``n`` (regions with a value in both years). ``MISSING`` with fewer than
        3 regions; ``UNDEFINED`` where a level is not positive or the two years are
        perfectly correlated with equal variance.

    Examples
    --------
    >>> e = carree_klomp([1.0, 2.0, 4.0, 8.0], [2.0, 3.0, 4.0, 6.0])
    >>> e["var_last"] < e["var_first"], round(e["statistic"], 3), round(e["p"], 4)
    (True, 7.141, 0.0075)
    """
    a, b = _vector(first, "first"), _vector(last, "last")
    if a.shape != b.shape:
        raise InputError(f"{a.size} regions in the first year but {b.size} in the last", "last")
    (la, bad_a), (lb, bad_b) = _logs(a), _logs(b)
    used = np.isfinite(la) & np.isfinite(lb)
    n = int(used.sum())
    labels = CARREE_KLOMP_LABELS
    if bad_a or bad_b or n < 3:
        code = Problem.UNDEFINED if bad_a or bad_b else Problem.MISSING
        values = dict.fromkeys(labels, np.nan) | {"n": float(n)}
        return _estimates(values, dict.fromkeys(labels[:-1], code), labels)
    da, db = la[used] - la[used].mean(), lb[used] - lb[used].mean()
    v1, vt, c = (da * da).mean(), (db * db).mean(), (da * db).mean()
    with np.errstate(all="ignore"):
        statistic = (n - 2.5) * np.log1p((v1 - vt) ** 2 / (4.0 * (v1 * vt - c * c)))
    p = _chi2_1_survival(statistic) if np.isfinite(statistic) else np.nan
    values = {"var_first": v1, "var_last": vt, "statistic": statistic, "p": p, "n": float(n)}
    return _estimates(values, {}, labels)


def sigma_convergence(values: ArrayLike, years: ArrayLike) -> Estimates:
    """σ-convergence of a regions × years block in one set: the trend of :func:`log_sd`
    over ``years`` (``slope``, ``se``, ``t``, ``r2``, ``years`` used) and
    :func:`carree_klomp` between the first and the last column in which any region has a
    value (``var_first``,
    ``var_last``, ``ck_t2``, ``ck_p``, ``n`` regions).

    Examples
    --------
    >>> z = np.exp(np.array([[0.0, 0.5, 0.9], [2.0, 1.8, 1.3], [1.0, 1.1, 1.0], [3.0, 2.2, 1.9]]))
    >>> e = sigma_convergence(z, [2000, 2001, 2002])
    >>> e["slope"] < 0, e["var_last"] < e["var_first"], e["years"], e["n"]
    (True, True, 3.0, 4.0)
    """
    y = np.asarray(values, dtype=float)
    if y.ndim != 2 or y.shape[1] < 2:
        raise InputError(f"give a regions × years block of two years or more, got {y.shape}")
    fit = trend(log_sd(y).values, years)
    first, last = first_and_last_with_values(y)
    ck = carree_klomp(y[:, first], y[:, last])
    return Estimates(
        np.concatenate([fit.values[:4], fit.values[5:], ck.values]),
        np.concatenate([fit.problems[:4], fit.problems[5:], ck.problems]),
        SIGMA_LABELS,
    )


def first_and_last_with_values(y: np.ndarray) -> tuple[int, int]:
    """The first and the last column in which any region has a value (real series often
    start after a book's first year); the outer columns when none or one has.

    >>> first_and_last_with_values(np.array([[np.nan, 1.0, 2.0, np.nan]]))
    (1, 2)
    """
    found = np.flatnonzero(np.isfinite(y).any(axis=0))
    return (int(found[0]), int(found[-1])) if len(found) >= 2 else (0, y.shape[1] - 1)


def beta_convergence(first: ArrayLike, last: ArrayLike, years: float) -> Estimates:
    r"""Absolute β-convergence over ``years`` years (Barro and Sala-i-Martin 1992).

    .. math:: \frac{\ln y_{iT} - \ln y_{i0}}{T} = \alpha + \beta \ln y_{i0} + u_i,
              \qquad \lambda = -\frac{\ln(1 + \beta T)}{T}, \qquad
              \text{half-life} = \frac{\ln 2}{\lambda}

    by OLS over the regions with a positive level in both years (REAT ``betaconv.ols``
    with two columns). β < 0: regions that start low grow faster. λ is the speed of
    convergence per year implied by β = −(1 − e^{−λT})/T; REAT's ``betaconv.speed`` takes
    −ln(1 + β)/T instead, which is this only for T = 1 (docs/method.md).

    Parameters
    ----------
    first, last : array_like, shape (n,)
        Levels per region in the first and last year (e.g. Z).
    years : float
        T, the years between them (last year − first year), > 0.

    Returns
    -------
    Estimates
        ``beta`` (per year), ``se``, ``t``, ``r2``, ``speed`` (λ, per year), ``half_life``
        (years), ``alpha`` and ``n`` (regions used). ``MISSING`` with fewer than 3 regions;
        ``UNDEFINED`` where a level is not positive, and for ``speed`` where 1 + βT ≤ 0,
        for ``half_life`` where λ ≤ 0 (no convergence: no half-life).

    Examples
    --------
    Three regions whose log gap to 2 halves in 10 years (λ = ln 2/10):

    >>> y0 = np.array([1.0, 2.0, 3.0])
    >>> y10 = np.exp(np.log(2.0) + 0.5 * (np.log(y0) - np.log(2.0)))
    >>> e = beta_convergence(y0, y10, 10)
    >>> round(e["beta"], 6), round(e["half_life"], 6), e["n"]
    (-0.05, 10.0, 3.0)
    """
    a, b = _vector(first, "first"), _vector(last, "last")
    if a.shape != b.shape:
        raise InputError(f"{a.size} regions in the first year but {b.size} in the last", "last")
    if not (np.isfinite(years) and years > 0):
        raise InputError(f"the years between first and last must be > 0, got {years!r}", "years")
    (la, bad_a), (lb, bad_b) = _logs(a), _logs(b)
    fit, too_few = _ols(la, (lb - la) / years)
    values = {"beta": fit["slope"], "alpha": fit["intercept"], "speed": np.nan}
    values |= {"half_life": np.nan} | {k: fit[k] for k in ("se", "t", "r2", "n")}
    code = Problem.UNDEFINED if bad_a or bad_b else Problem.MISSING if too_few else Problem.OK
    if code == Problem.OK:
        growth = 1.0 + values["beta"] * years
        values["speed"] = -math.log(growth) / years if growth > 0 else np.nan
        values["half_life"] = math.log(2.0) / values["speed"] if values["speed"] > 0 else np.nan
    return _estimates(values, dict.fromkeys(BETA_LABELS[:-1], code), BETA_LABELS)


def beta_by_stage(values: ArrayLike, years: ArrayLike, stages: ArrayLike) -> Estimates:
    """:func:`beta_convergence` within each stage ``(first_year, last_year)``, regions in
    rows of ``values`` (shape (n, len(years))): rows of estimates, one per stage, so the
    paper's four stages read side by side. A stage whose first or last year is not in
    ``years`` is ``MISSING``.

    Examples
    --------
    >>> z = np.array([[1.0, 2.0, 3.0], [2.0, 2.5, 3.5], [4.0, 4.2, 4.1]])
    >>> e = beta_by_stage(z, [2000, 2001, 2002], [(2000, 2001), (2001, 2002), (2001, 2005)])
    >>> e.values.shape, (e["beta"] < 0).tolist(), Problem(e.problems[2, 0]).name
    ((3, 8), [True, True, False], 'MISSING')
    """
    z = np.asarray(values, dtype=float)
    yrs = _vector(years, "years")
    if z.ndim != 2 or z.shape[1] != yrs.size:
        raise InputError(f"values of shape {z.shape} do not fit {yrs.size} years", "values")
    bounds = np.asarray(stages, dtype=float).reshape(-1, 2)
    rows = []
    for start, end in bounds:
        if start not in yrs or end not in yrs or end <= start:
            missing = dict.fromkeys(BETA_LABELS, np.nan) | {"n": 0.0}
            rows.append(_estimates(missing, dict.fromkeys(BETA_LABELS[:-1], 1), BETA_LABELS))
            continue
        i, j = int(np.flatnonzero(yrs == start)[0]), int(np.flatnonzero(yrs == end)[0])
        rows.append(beta_convergence(z[:, i], z[:, j], end - start))
    return Estimates(
        np.array([r.values for r in rows]).reshape(-1, len(BETA_LABELS)),
        np.array([r.problems for r in rows], dtype=np.int8).reshape(-1, len(BETA_LABELS)),
        BETA_LABELS,
    )
