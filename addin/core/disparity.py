r"""Spatial disparity across regions: weighted coefficient of variation, Theil, Gini, Atkinson.

All measures take ``values`` of shape ``(n,)`` (regions) or ``(n, periods)`` and return
one number per period. ``weights`` (population, any positive unit) are optional; they
are turned into shares :math:`p_i` over the regions that have both a value and a
weight in that period (pair-wise exclusion, shares renormalised). Without weights every
region has :math:`p_i = 1/n`. A period with no usable region gives NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from ..errors import InputError

Centre = Literal["mean", "weighted"]
CENTRES: tuple[str, ...] = get_args(Centre)


def _prepare(values: ArrayLike, weights: ArrayLike | None) -> tuple[np.ndarray, np.ndarray, bool]:
    """Return (y, p, was_1d): y with NaN → 0, p the shares (0 where excluded), both (n, k)."""
    y = np.asarray(values, dtype=float)
    was_1d = y.ndim == 1
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2:
        raise InputError(
            f"expected one column or a regions × periods block, got {y.ndim} dimensions", "values"
        )
    if weights is None:
        w = np.ones_like(y)
    else:
        w = np.asarray(weights, dtype=float)
        if w.ndim == 1:
            w = w[:, None]
        if w.shape[0] != y.shape[0] or w.shape[1] not in (1, y.shape[1]):
            raise InputError(
                f"weights of shape {w.shape} do not match values of shape {y.shape}: "
                "give one weight per region, or one per region and period",
                "weights",
            )
        if np.any(w < 0):
            raise InputError("weights must not be negative", "weights")
        w = np.broadcast_to(w, y.shape)
    used = ~np.isnan(y) & ~np.isnan(w)
    w = np.where(used, w, 0.0)
    with np.errstate(all="ignore"):
        p = w / w.sum(axis=0, keepdims=True)
    return np.where(used, y, 0.0), np.nan_to_num(p, nan=0.0), was_1d


def _out(result: np.ndarray, was_1d: bool):
    return float(result[0]) if was_1d else result


def _empty_to_nan(result: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.where(p.sum(axis=0) > 0, result, np.nan)


def weighted_cv(values: ArrayLike, weights: ArrayLike | None = None, centre: Centre = "mean"):
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
        ``u``: simple mean of the :math:`y_i` (the paper's wording; REAT
        ``williamson(wmean=FALSE)``) or the weighted mean :math:`\sum p_i y_i`
        (Williamson 1965; REAT ``wmean=TRUE``).

    Returns
    -------
    float or ndarray
        One CV per period; NaN where the centre is 0 or no region is usable.
    """
    if centre not in CENTRES:
        raise InputError(f"unknown centre {centre!r}; use 'mean' (simple) or 'weighted'", "centre")
    y, p, was_1d = _prepare(values, weights)
    used = p > 0
    with np.errstate(all="ignore"):
        if centre == "mean":
            u = (y * used).sum(axis=0) / used.sum(axis=0)
        else:
            u = (p * y).sum(axis=0)
        cv = np.sqrt((p * (y - u) ** 2).sum(axis=0)) / u
    cv = np.where(u == 0, np.nan, cv)
    return _out(_empty_to_nan(cv, p), was_1d)


def gini(values: ArrayLike, weights: ArrayLike | None = None):
    r"""Population-weighted Gini coefficient.

    .. math:: G = \frac{\sum_i \sum_j p_i p_j |y_i - y_j|}{2\mu}, \quad \mu = \sum_i p_i y_i

    Computed in O(n log n) by sorting values together with their weights, so the result
    does not depend on the order of the regions (unlike REAT's weighted ``gini()``,
    which sorts the values but not the weights).

    Returns
    -------
    float or ndarray
        One Gini per period, in [0, 1) for non-negative values; NaN where μ = 0.
    """
    y, p, was_1d = _prepare(values, weights)
    order = np.argsort(y, axis=0, kind="stable")
    ys = np.take_along_axis(y, order, axis=0)
    ps = np.take_along_axis(p, order, axis=0)
    cum = np.cumsum(ps, axis=0)
    mu = (ps * ys).sum(axis=0)
    # Σ_i Σ_j p_i p_j |y_i − y_j| = 2 Σ_i p_i y_i (C_{i−1} − (1 − C_i)) over sorted y.
    total = cum[-1:] if len(cum) else 1.0
    pair_sum = 2.0 * (ps * ys * ((cum - ps) - (total - cum))).sum(axis=0)
    with np.errstate(all="ignore"):
        g = pair_sum / (2.0 * mu)
    g = np.where(mu == 0, np.nan, g)
    return _out(_empty_to_nan(g, p), was_1d)


def atkinson(values: ArrayLike, weights: ArrayLike | None = None, epsilon: float = 0.5):
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
    float or ndarray
        One index per period, unit-free, in [0, 1] for non-negative values. NaN where a
        value is negative, the mean is 0 or no region is usable.

    Notes
    -----
    A zero value with :math:`\varepsilon \ge 1` makes the power (geometric) mean 0,
    so the index is 1, the limit of the formula (pysal gives the same).

    Examples
    --------
    Two regions with 1 and 4, equal weights: the geometric mean is 2, the mean 2.5.

    >>> atkinson([1.0, 4.0], epsilon=1)
    0.2
    >>> round(atkinson([1.0, 4.0], epsilon=0.5), 6)  # 1 − ((1 + 2)/2)² / 2.5
    0.1
    """
    if not (np.isfinite(epsilon) and epsilon >= 0):
        raise InputError(f"epsilon must be a number ≥ 0, got {epsilon!r}", "epsilon")
    y, p, was_1d = _prepare(values, weights)
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
    bad = (used & (y < 0)).any(axis=0) | ~(mu > 0)
    a = np.where(bad, np.nan, a)
    return _out(_empty_to_nan(a, p), was_1d)


@dataclass(frozen=True)
class TheilResult:
    """A Theil index and its decomposition: ``total = between + within``.

    Each attribute is a float (one period) or an array (one value per period).
    ``between`` and ``within`` are NaN when no groups were given.
    """

    total: float | np.ndarray
    between: float | np.ndarray
    within: float | np.ndarray


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
    """
    if kind not in THEIL_KINDS:
        raise InputError(f"unknown Theil kind {kind!r}; use 'T' or 'L'", "kind")
    y, p, was_1d = _prepare(values, weights)
    total = _theil_terms(y, p, kind)
    if groups is None:
        nan = np.full_like(total, np.nan)
        return TheilResult(_out(total, was_1d), _out(nan, was_1d), _out(nan, was_1d))
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
    between = np.where(np.isnan(total), np.nan, between)
    within = np.where(np.isnan(total), np.nan, within)
    return TheilResult(_out(total, was_1d), _out(between, was_1d), _out(within, was_1d))
