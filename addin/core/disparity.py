r"""Spatial disparity across regions: weighted coefficient of variation, Theil, Gini, Atkinson.

All measures take ``values`` of shape ``(n,)`` (regions) or ``(n, periods)`` and return
a :class:`~addin.core.problems.Result`: one number per period (a float for ``(n,)``)
and a problem code beside it. ``weights`` (population, any positive unit) are optional;
they are turned into shares :math:`p_i` over the regions that have both a value and a
weight in that period (pair-wise exclusion, shares renormalised). A missing (NaN) weight
leaves the region out entirely; a zero weight is a weight: the region keeps its place in
a simple-mean centre, with no share. Without weights every region has :math:`p_i = 1/n`.

Problems per period: ``MISSING`` when no region has both a value and a weight (or the
weights add up to 0), ``NEGATIVE`` when a region with a value has a negative weight,
``UNDEFINED`` when the measure is not defined for the values (a zero mean, a negative or
zero value where the formula takes its logarithm). Nothing raises for bad data; an
unknown option or weights of the wrong shape raise :class:`~addin.errors.InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from ..errors import InputError
from .problems import Problem, Result, settle

Centre = Literal["mean", "weighted"]
CENTRES: tuple[str, ...] = get_args(Centre)


@dataclass(frozen=True)
class _Prepared:
    """Values and shares, both (n, periods), with what the kernels need beside them.

    ``y``: values where used, 0 elsewhere. ``p``: shares over the regions with a value
    and a weight, 0 elsewhere. ``has_value``: regions with a value and a weight that is
    not missing (a zero weight counts); ``raw``: the values as given.
    ``problems``: per period, MISSING (no usable region) or NEGATIVE (a negative weight).
    """

    y: np.ndarray
    p: np.ndarray
    has_value: np.ndarray
    raw: np.ndarray
    problems: np.ndarray
    was_1d: bool

    def result(self, values: np.ndarray, undefined: np.ndarray | bool = False) -> Result:
        """Settle per-period ``values``: ``undefined`` periods and non-finite values are
        UNDEFINED unless an input problem comes first."""
        values = np.where(undefined, np.nan, values)
        return settle(values, self.problems, scalar=self.was_1d)


def _as_block(values: ArrayLike) -> tuple[np.ndarray, bool]:
    y = np.asarray(values, dtype=float)
    was_1d = y.ndim == 1
    if was_1d:
        y = y[:, None]
    if y.ndim != 2:
        raise InputError(
            f"expected one column or a regions × periods block, got {y.ndim} dimensions", "values"
        )
    return y, was_1d


def _as_weights(weights: ArrayLike | None, y: np.ndarray) -> np.ndarray:
    if weights is None:
        return np.ones_like(y)
    w = np.asarray(weights, dtype=float)
    if w.ndim == 1:
        w = w[:, None]
    if w.ndim != 2 or w.shape[0] != y.shape[0] or w.shape[1] not in (1, y.shape[1]):
        raise InputError(
            f"weights of shape {w.shape} do not match values of shape {y.shape}: "
            "give one weight per region, or one per region and period",
            "weights",
        )
    return np.broadcast_to(w, y.shape)


def _prepare(values: ArrayLike, weights: ArrayLike | None) -> _Prepared:
    y, was_1d = _as_block(values)
    w = _as_weights(weights, y)
    has_value = ~np.isnan(y) & ~np.isnan(w)  # a missing weight leaves the region out
    negative = (has_value & (w < 0)).any(axis=0)
    used = has_value & (w >= 0)
    w = np.where(used, w, 0.0)
    with np.errstate(all="ignore"):
        total = w.sum(axis=0, keepdims=True)
        p = np.where(total > 0, w / total, 0.0)
    empty = ~(p > 0).any(axis=0)
    problems = np.select([negative, empty], [Problem.NEGATIVE, Problem.MISSING], Problem.OK)
    y_used = np.where(used, y, 0.0)
    return _Prepared(y_used, p, has_value, y, problems.astype(np.int8), was_1d)


def weighted_cv(
    values: ArrayLike, weights: ArrayLike | None = None, centre: Centre = "mean"
) -> Result:
    r"""Weighted coefficient of variation, the paper's equation (4).

    .. math:: CV = \frac{\sqrt{\sum_i p_i (y_i - u)^2}}{u}

    Parameters
    ----------
    values : array_like, shape (n,) or (n, periods)
        The index per region (any unit; CV is unit-free).
    weights : array_like, optional
        Population per region, shape (n,) or like ``values``. None: plain CV,
        population standard deviation over mean (no n − 1).
    centre : {"mean", "weighted"}
        ``u``: the simple mean of the :math:`y_i` of every region with a value and a
        weight, a zero weight included (the paper's wording; REAT
        ``williamson(wmean = FALSE)``), or the weighted mean :math:`\sum p_i y_i`
        (Williamson 1965; REAT ``wmean = TRUE``). A region whose weight is missing (NaN)
        is left out of both.

    Returns
    -------
    Result
        One CV per period (unit-free); ``UNDEFINED`` where the centre is 0.

    Examples
    --------
    Values 1 and 3: u = 2, population SD 1. Weights 3 and 1 keep u = 2 (simple mean)
    and give √(¾·1 + ¼·1) / 2.

    >>> weighted_cv([1.0, 3.0]).values
    0.5
    >>> weighted_cv([1.0, 3.0], [3.0, 1.0]).values
    0.5

    A zero weight keeps its region in the simple-mean centre (u = 4, shares ½, ½, 0:
    √(½·9 + ½·1) / 4); a missing weight leaves it out (u = 2):

    >>> round(weighted_cv([1.0, 3.0, 8.0], [2.0, 2.0, 0.0]).values, 6)  # √5 / 4
    0.559017
    >>> weighted_cv([1.0, 3.0, 8.0], [2.0, 2.0, float("nan")]).values
    0.5
    >>> r = weighted_cv([[1.0, 0.0], [3.0, 0.0]])
    >>> r.values.tolist(), r.problems.tolist()  # the second period's mean is 0
    ([0.5, nan], [0, 7])
    """
    if centre not in CENTRES:
        raise InputError(f"unknown centre {centre!r}; use 'mean' (simple) or 'weighted'", "centre")
    d = _prepare(values, weights)
    with np.errstate(all="ignore"):
        if centre == "mean":
            u = np.where(d.has_value, d.raw, 0.0).sum(axis=0) / d.has_value.sum(axis=0)
        else:
            u = (d.p * d.y).sum(axis=0)
        cv = np.sqrt((d.p * (d.y - u) ** 2).sum(axis=0)) / u
    return d.result(cv, u == 0)


def gini(values: ArrayLike, weights: ArrayLike | None = None) -> Result:
    r"""Population-weighted Gini coefficient.

    .. math:: G = \frac{\sum_i \sum_j p_i p_j |y_i - y_j|}{2\mu}, \quad \mu = \sum_i p_i y_i

    Computed in O(n log n) by sorting values together with their weights, so the result
    does not depend on the order of the regions (unlike REAT's weighted ``gini()``,
    which sorts the values but not the weights).

    Parameters
    ----------
    values, weights
        As in :func:`weighted_cv`.

    Returns
    -------
    Result
        One Gini per period, unit-free, in [0, 1) for non-negative values;
        ``UNDEFINED`` where μ = 0.

    Examples
    --------
    Values 1 and 3, equal shares: Σ Σ pᵢ pⱼ |yᵢ − yⱼ| = 2 · ¼ · 2 = 1, μ = 2.

    >>> gini([1.0, 3.0]).values
    0.25
    """
    d = _prepare(values, weights)
    order = np.argsort(d.y, axis=0, kind="stable")
    ys = np.take_along_axis(d.y, order, axis=0)
    ps = np.take_along_axis(d.p, order, axis=0)
    cum = np.cumsum(ps, axis=0)
    total = cum[-1:] if len(cum) else 1.0
    with np.errstate(all="ignore"):  # huge values overflow to inf: the result is UNDEFINED
        mu = (ps * ys).sum(axis=0)
        # Σ_i Σ_j p_i p_j |y_i − y_j| = 2 Σ_i p_i y_i (C_{i−1} − (1 − C_i)) over sorted y.
        pair_sum = 2.0 * (ps * ys * ((cum - ps) - (total - cum))).sum(axis=0)
        g = pair_sum / (2.0 * mu)
    return d.result(g, mu == 0)


def atkinson(values: ArrayLike, weights: ArrayLike | None = None, epsilon: float = 0.5) -> Result:
    r"""Population-weighted Atkinson index with inequality aversion :math:`\varepsilon`.

    .. math::

        A_\varepsilon = 1 - \frac{1}{\mu}
            \Bigl(\sum_i p_i\, y_i^{1-\varepsilon}\Bigr)^{1/(1-\varepsilon)},
        \qquad
        A_1 = 1 - \frac{\exp\bigl(\sum_i p_i \ln y_i\bigr)}{\mu},
        \qquad \mu = \sum_i p_i y_i

    1 minus the ratio of the equally-distributed-equivalent value (a power mean of order
    :math:`1-\varepsilon`; the geometric mean at :math:`\varepsilon = 1`) to the mean.
    Without weights, :math:`p_i = 1/n` and this is pysal ``inequality.atkinson.atkinson``.

    Parameters
    ----------
    values : array_like, shape (n,) or (n, periods)
        The index per region (any unit; the index is unit-free).
    weights : array_like, optional
        Population per region, shape (n,) or like ``values``. None: unweighted.
    epsilon : float
        Inequality aversion :math:`\varepsilon \ge 0`. 0 gives 0; larger values weigh
        the regions with low values more.

    Returns
    -------
    Result
        One index per period, unit-free, in [0, 1] for non-negative values;
        ``UNDEFINED`` where a value is negative or the mean is 0.

    Notes
    -----
    A zero value with :math:`\varepsilon \ge 1` makes the power (geometric) mean 0,
    so the index is 1, the limit of the formula (pysal's ``atkinson`` refuses values
    that are not positive).

    Examples
    --------
    Two regions with 1 and 4, equal weights: the geometric mean is 2, the mean 2.5.

    >>> round(atkinson([1.0, 4.0], epsilon=1).values, 12)
    0.2
    >>> round(atkinson([1.0, 4.0], epsilon=0.5).values, 6)  # 1 − ((1 + 2)/2)² / 2.5
    0.1
    """
    if not (np.isfinite(epsilon) and epsilon >= 0):
        raise InputError(f"epsilon must be a number ≥ 0, got {epsilon!r}", "epsilon")
    d = _prepare(values, weights)
    y, p = d.y, d.p
    used = p > 0
    with np.errstate(all="ignore"):
        mu = (p * y).sum(axis=0)
        if epsilon == 1:
            logs = np.where(used, np.log(np.where(used, y, 1.0)), 0.0)
            ede = np.exp((p * logs).sum(axis=0))
        else:
            powers = np.where(used, np.where(used, y, 1.0) ** (1.0 - epsilon), 0.0)
            ede = (p * powers).sum(axis=0) ** (1.0 / (1.0 - epsilon))
        a = 1.0 - ede / mu
    return d.result(a, (used & (y < 0)).any(axis=0) | ~(mu > 0))


@dataclass(frozen=True)
class TheilResult:
    """A Theil index and its decomposition: ``total = between + within``.

    Each attribute is a float (one period) or an array (one value per period).
    ``between`` and ``within`` are NaN when no groups were given. ``problems`` holds the
    code of each period (as in :class:`~addin.core.problems.Result`; NaN values of
    ``between`` and ``within`` without groups are not problems of the data).
    """

    total: float | np.ndarray
    between: float | np.ndarray
    within: float | np.ndarray
    problems: int | np.ndarray

    @property
    def values(self) -> float | np.ndarray:
        """The total, so a TheilResult reads like any :class:`~addin.core.problems.Result`."""
        return self.total


TheilKind = Literal["T", "L"]
THEIL_KINDS: tuple[str, ...] = get_args(TheilKind)


def _theil_terms(y: np.ndarray, p: np.ndarray, kind: str) -> np.ndarray:
    """Σ over regions of the Theil terms around the weighted mean of (y, p) per column."""
    with np.errstate(all="ignore"):
        share_total = p.sum(axis=0)
        mu = (p * y).sum(axis=0) / share_total
        ratio = y / mu
        if kind == "T":
            term = np.where(p > 0, p * ratio * np.log(np.where(ratio > 0, ratio, 1.0)), 0.0)
            bad = ((p > 0) & (y < 0)).any(axis=0)
        else:
            term = np.where(p > 0, -p * np.log(ratio), 0.0)
            bad = ((p > 0) & (y <= 0)).any(axis=0)
        result = term.sum(axis=0) / share_total
    return np.where(bad | (mu <= 0) | (share_total == 0), np.nan, result)


def theil(
    values: ArrayLike,
    weights: ArrayLike | None = None,
    groups: ArrayLike | None = None,
    kind: TheilKind = "T",
) -> TheilResult:
    r"""Population-weighted Theil index with its between/within-group decomposition.

    With shares :math:`p_i`, :math:`\mu = \sum p_i y_i` and :math:`s_i = p_i y_i/\mu`:

    - Theil T: :math:`\sum_i s_i \ln(y_i/\mu)`; a zero value contributes 0.
      Between :math:`\sum_g S_g \ln(\mu_g/\mu)`, within :math:`\sum_g S_g T_g`.
    - Theil L (mean log deviation): :math:`\sum_i p_i \ln(\mu/y_i)`; undefined (NaN)
      when a value is 0. Between :math:`\sum_g P_g \ln(\mu/\mu_g)`, within
      :math:`\sum_g P_g L_g`.

    :math:`P_g` is group g's population share, :math:`\mu_g` its weighted mean and
    :math:`S_g = P_g \mu_g / \mu` its share of the total. Negative values give NaN.

    Parameters
    ----------
    values, weights
        As in :func:`weighted_cv`.
    groups : array_like of labels, shape (n,), optional
        Region group of each row (e.g. 下游地区); needed for the decomposition.
    kind : {"T", "L"}

    Returns
    -------
    TheilResult
        Total, between and within per period (unit-free); ``UNDEFINED`` where the mean
        is not positive, a value is negative, or (Theil L) a value is 0.

    Examples
    --------
    Values 1 and 3, equal shares: μ = 2, T = ½(½ ln ½) + ½(1½ ln 1½).

    >>> import math
    >>> r = theil([1.0, 3.0])
    >>> round(r.total, 6), round(0.25 * math.log(0.5) + 0.75 * math.log(1.5), 6)
    (0.130812, 0.130812)
    >>> r = theil([1.0, 3.0], groups=["a", "b"], kind="L")  # each group has one region
    >>> bool(np.isclose(r.between, r.total)), float(r.within)
    (True, 0.0)
    """
    if kind not in THEIL_KINDS:
        raise InputError(f"unknown Theil kind {kind!r}; use 'T' or 'L'", "kind")
    d = _prepare(values, weights)
    y, p = d.y, d.p
    total = d.result(_theil_terms(y, p, kind))
    if groups is None:
        nan = np.nan if d.was_1d else np.full(y.shape[1], np.nan)
        return TheilResult(total.values, nan, nan, total.problems)
    labels = np.asarray(groups, dtype=object)
    if labels.shape != (y.shape[0],):
        raise InputError(
            f"expected one group label per region ({y.shape[0]}), got {labels.shape[0]}", "groups"
        )
    with np.errstate(all="ignore"):
        mu = (p * y).sum(axis=0)
        between = np.zeros(y.shape[1])
        within = np.zeros(y.shape[1])
        for label in dict.fromkeys(labels.tolist()):
            rows = labels == label
            share = p[rows].sum(axis=0)  # P_g
            present = share > 0
            mu_g = np.where(
                present, (p[rows] * y[rows]).sum(axis=0) / np.where(present, share, 1.0), 1.0
            )
            inner = np.where(present, _theil_terms(y[rows], p[rows], kind), 0.0)
            if kind == "T":  # weight S_g = P_g μ_g / μ; a group whose values are all 0 adds nothing
                weight = share * mu_g / mu
                inner = np.nan_to_num(inner, nan=0.0)
                between += np.where(
                    present & (mu_g > 0), weight * np.log(np.where(mu_g > 0, mu_g / mu, 1.0)), 0.0
                )
            else:  # weight P_g
                weight = share
                between += np.where(present, weight * np.log(mu / mu_g), 0.0)
            within += weight * inner
    undefined = np.isnan(np.atleast_1d(total.values))
    between = np.where(undefined, np.nan, between)
    within = np.where(undefined, np.nan, within)
    if d.was_1d:
        between, within = float(between[0]), float(within[0])
    return TheilResult(total.values, between, within, total.problems)
