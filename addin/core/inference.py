r"""Inference for the disparity measures: percentile bootstrap intervals and a permutation
test of Theil's between-region share.

Both resample *regions*: a region's whole series (every year) and its population weight
travel together, so a year's replicate is a draw of n regions with replacement (Efron
1979; the percentile interval of Efron and Tibshirani 1993, ch. 13) and a permutation
reassigns regions to the region groups (Rey and Sastré-Gutiérrez 2010, pysal
``inequality.theil.TheilDSim``). The measures are the kernels of
:mod:`addin.core.disparity` themselves, evaluated once over a block of all the replicates
side by side (regions × (replicates · periods)), so no measure has a second
implementation here. A numpy ``Generator`` seeded with ``seed`` draws the regions: the
same seed gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike

from ..errors import InputError
from . import disparity
from .problems import UNDEFINED, Estimates, Problem, Result, settle

#: A disparity measure over a regions × columns block and its weights (or None).
Statistic = Callable[[np.ndarray, "np.ndarray | None"], Result]

INTERVAL_LABELS = ("lower", "upper", "replicates")
BETWEEN_LABELS = ("between", "share", "p", "permutations")

#: The measures :func:`bootstrap` is usually asked for, by their registry keys.
MEASURES: dict[str, Statistic] = {
    "cv": lambda y, w: disparity.weighted_cv(y, w),
    "theil_t": lambda y, w: disparity.theil(y, w, kind="T"),
    "theil_l": lambda y, w: disparity.theil(y, w, kind="L"),
    "gini": disparity.gini,
    "atkinson": lambda y, w: disparity.atkinson(y, w, 0.5),
}

_BLOCK = 1 << 21  # numbers per resampled block: memory stays near 16 MiB per array


def _panel(values: ArrayLike, weights: ArrayLike | None):
    y = np.asarray(values, dtype=float)
    was_1d = y.ndim == 1
    y = y[:, None] if was_1d else y
    if y.ndim != 2 or y.shape[0] == 0:
        raise InputError(f"expected a regions × periods block, got shape {y.shape}", "values")
    if weights is None:
        return y, None, was_1d
    w = np.asarray(weights, dtype=float)
    w = w[:, None] if w.ndim == 1 else w
    if w.ndim != 2 or w.shape[0] != y.shape[0] or w.shape[1] not in (1, y.shape[1]):
        raise InputError(f"weights of shape {w.shape} do not fit values {y.shape}", "weights")
    return y, np.broadcast_to(w, y.shape), was_1d


def _check(count: int, name: str, level: float | None = None) -> None:
    if not (isinstance(count, (int, np.integer)) and 1 <= count <= 1_000_000):
        raise InputError(f"{name} must be a whole number from 1 to 1,000,000, got {count!r}", name)
    if level is not None and not 0 < level < 1:
        raise InputError(f"the level must be between 0 and 1 (e.g. 0.95), got {level!r}", "level")


def _replicates(
    statistic: Statistic, y: np.ndarray, w: np.ndarray | None, draws: np.ndarray
) -> np.ndarray:
    """The statistic of each row of ``draws`` (region indices), shape (len(draws), periods):
    all replicates of a chunk in one call of the kernel, blocks of at most ``_BLOCK``."""
    n, periods = y.shape
    out = np.empty((len(draws), periods))
    step = max(1, _BLOCK // (n * periods))
    for start in range(0, len(draws), step):
        rows = draws[start : start + step].T  # (n, chunk)
        block = y[rows].reshape(n, -1)  # (n, chunk · periods)
        weights = None if w is None else w[rows].reshape(n, -1)
        out[start : start + step] = np.reshape(statistic(block, weights).values, (-1, periods))
    return out


def bootstrap(
    values: ArrayLike,
    weights: ArrayLike | None = None,
    statistics: Mapping[str, Statistic] | None = None,
    reps: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Estimates]:
    r"""Percentile bootstrap intervals of disparity measures, regions resampled.

    Each replicate draws n regions with replacement (their population weights with
    them, the same regions in every year) and computes every measure; the interval is
    the :math:`(1-\text{level})/2` and :math:`(1+\text{level})/2` quantiles of the
    replicates (numpy's linear interpolation).

    Parameters
    ----------
    values : array_like, shape (n,) or (n, periods)
        The index per region (e.g. Z).
    weights : array_like, optional
        Population per region, shape (n,) or like ``values``.
    statistics : mapping of name to measure, optional
        ``measure(block, weights)`` returning a :class:`~addin.core.problems.Result`
        with one value per column of ``block``. Default: :data:`MEASURES` (weighted CV,
        Theil T and L, Gini, Atkinson ε = 0.5).
    reps : int
        Replicates (1,000 is usual for a 95 % interval).
    seed : int
        Seed of the numpy Generator: the same seed gives the same intervals.
    level : float
        Coverage, e.g. 0.95.

    Returns
    -------
    dict of str to Estimates
        Per measure, ``lower``, ``upper`` and ``replicates`` (how many replicates had a
        value), one row per period (one set for ``(n,)``). The measure's own problem where
        it has no value on the data (``MISSING``: no region has a value that year);
        ``UNDEFINED`` where fewer than half of the replicates have a value (a replicate
        of all-zero regions has no CV).

    Examples
    --------
    >>> z = [17.2, 9.4, 6.1, 1.0, 3.3, 0.8, 2.2, 0.5, 1.1, 0.9, 0.4]
    >>> ci = bootstrap(z, reps=200, seed=1)["gini"]
    >>> bool(ci["lower"] < disparity.gini(z).values < ci["upper"]), ci["replicates"]
    (True, 200.0)
    """
    _check(reps, "reps", level)
    y, w, was_1d = _panel(values, weights)
    draws = np.random.default_rng(seed).integers(0, y.shape[0], size=(reps, y.shape[0]))
    out = {}
    for name, statistic in (statistics or MEASURES).items():
        reps_values = _replicates(statistic, y, w, draws)
        finite = np.isfinite(reps_values)
        used = finite.sum(axis=0)
        with np.errstate(all="ignore"):
            kept = np.where(finite, reps_values, np.nan)
            lower, upper = np.full((2, y.shape[1]), np.nan)
            some = used > 0
            if some.any():
                quantiles = [(1 - level) / 2, (1 + level) / 2]
                lower[some], upper[some] = np.nanquantile(kept[:, some], quantiles, axis=0)
        point = np.asarray(statistic(y, w).problems, dtype=np.int8).reshape(-1)
        problems = np.where(point != Problem.OK, point, np.where(used * 2 < reps, UNDEFINED, 0))
        r = settle(np.stack([lower, upper, used], axis=1), problems[:, None] * [1, 1, 0])
        out[name] = _rows(r, INTERVAL_LABELS, was_1d)
    return out


def _rows(r: Result, labels: tuple[str, ...], was_1d: bool) -> Estimates:
    if was_1d:
        return Estimates(r.values[0], r.problems[0], labels)
    return Estimates(r.values, r.problems, labels)


def theil_between_test(
    values: ArrayLike,
    weights: ArrayLike | None,
    groups: ArrayLike,
    kind: disparity.TheilKind = "T",
    permutations: int = 999,
    seed: int = 0,
) -> Estimates:
    r"""Permutation test of the between-group part of Theil's decomposition.

    Under the null that the groups do not matter, any assignment of the regions (with
    their weights and whole series) to the group slots is as likely as the observed one.
    Each permutation shuffles the regions over the fixed labels and recomputes the
    between part with :func:`~addin.core.disparity.theil`; the total does not change, so
    the between part and its share test the same thing. As in pysal's ``TheilDSim``,

    .. math:: p = \frac{1 + \#\{\text{permutations with } B^* \ge B\}}{1 + \text{permutations}}

    (a permuted B within 10⁻¹² of B, the same grouping drawn again, counts as ≥).

    Parameters
    ----------
    values, weights
        As in :func:`bootstrap`; ``weights`` None: unweighted (``TheilDSim``'s case).
    groups : array_like, shape (n,)
        Each region's group (e.g. 上游/中游/下游).
    kind : {"T", "L"}
    permutations : int
    seed : int
        Seed of the numpy Generator.

    Returns
    -------
    Estimates
        Per period: ``between`` (B), ``share`` (B / total), ``p`` and ``permutations``.
        ``UNDEFINED`` where the Theil index is not defined, or the total is 0 (no share).

    Examples
    --------
    Two groups far apart: the observed split and its mirror image are the two most
    extreme of the 20 ways of putting 3 of the 6 regions in group a, so p is near 2/20.

    >>> z = [1.0, 1.1, 0.9, 5.0, 5.2, 4.8]
    >>> r = theil_between_test(z, None, list("aaabbb"), permutations=9999, seed=3)
    >>> round(r["share"], 3), bool(0.09 < r["p"] < 0.11), r["permutations"]
    (0.996, True, 9999.0)
    """
    _check(permutations, "permutations")
    y, w, was_1d = _panel(values, weights)
    labels = np.asarray(groups, dtype=object)
    observed = disparity.theil(y, w, labels, kind)
    rng = np.random.default_rng(seed)
    draws = rng.permuted(np.tile(np.arange(y.shape[0]), (permutations, 1)), axis=1)

    def between(block: np.ndarray, block_weights: np.ndarray | None) -> Result:
        part = disparity.theil(block, block_weights, labels, kind)
        return Result(part.between, part.problems)

    simulated = _replicates(between, y, w, draws)
    b = np.asarray(observed.between, dtype=float).reshape(-1)
    total = np.asarray(observed.total, dtype=float).reshape(-1)
    with np.errstate(all="ignore"):
        at_least = (simulated >= b - 1e-12 * np.abs(b)).sum(axis=0)
        p = (1.0 + at_least) / (1.0 + permutations)
        share = np.where(total > 0, b / total, np.nan)
    problems = np.asarray(observed.problems, dtype=np.int8).reshape(-1)
    count = np.full_like(p, permutations)
    r = settle(np.stack([b, share, p, count], axis=1), problems[:, None] * [1, 1, 1, 0])
    return _rows(r, BETWEEN_LABELS, was_1d)
