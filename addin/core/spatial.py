r"""Global spatial autocorrelation: Moran's I over sparse spatial weights, numpy only.

:class:`Weights` holds a spatial weights matrix in compressed sparse rows (the neighbours
of region i are ``indices[indptr[i]:indptr[i+1]]`` with weights ``data[...]``), so 2,850
counties with a handful of neighbours each take kilobytes, not a 2,850² matrix. A region
without neighbours (an island such as Hainan under queen contiguity) has an empty row: it
adds nothing to :math:`z^\top W z` nor to :math:`S_0`, as in pysal's ``esda.Moran``.

:func:`moran` gives, per period, Moran's I (Moran 1950), its expectation and z under
normality (Cliff and Ord 1981, eq. 1.35–1.36) and a permutation p-value (the values
shuffled over the regions, as esda's ``p_sim``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..errors import InputError
from .problems import Estimates, Problem, settle

MORAN_LABELS = ("I", "expected", "z", "p", "n")

_BLOCK = 1 << 21  # numbers per block of permuted products


@dataclass(frozen=True)
class Weights:
    """A spatial weights matrix in compressed sparse rows (see the module docstring).

    Examples
    --------
    A line of three regions, 0 – 1 – 2, and an island 3:

    >>> w = Weights.from_pairs(4, [(0, 1), (1, 2)])
    >>> w.neighbours(1).tolist(), w.islands.tolist()
    ([0, 2], [3])
    >>> r = w.row_standardised()
    >>> r.data.tolist(), float(r.data.sum())  # rows 0 and 2 sum to 1, row 1 too
    ([1.0, 0.5, 0.5, 1.0], 3.0)
    """

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    @property
    def n(self) -> int:
        """Number of regions."""
        return len(self.indptr) - 1

    @property
    def rows(self) -> np.ndarray:
        """The row of each stored weight."""
        return np.repeat(np.arange(self.n), np.diff(self.indptr))

    @property
    def islands(self) -> np.ndarray:
        """Regions without a neighbour."""
        return np.flatnonzero(np.diff(self.indptr) == 0)

    def neighbours(self, i: int) -> np.ndarray:
        """The neighbours of region ``i``."""
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    @classmethod
    def from_triples(cls, n: int, rows, cols, weights) -> Weights:
        """From (row, column, weight) triples; zero weights and self-links are dropped,
        a repeated pair keeps the sum of its weights."""
        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        weights = np.asarray(weights, dtype=float)
        if rows.shape != cols.shape or rows.shape != weights.shape:
            raise InputError("give one row, one column and one weight per link", "weights")
        if rows.size and (min(rows.min(), cols.min()) < 0 or max(rows.max(), cols.max()) >= n):
            raise InputError(f"a link names a region outside 1..{n}", "weights")
        if not np.isfinite(weights).all() or (weights < 0).any():
            raise InputError("spatial weights must be numbers ≥ 0", "weights")
        keep = (weights != 0) & (rows != cols)
        keys, inverse = np.unique(rows[keep] * n + cols[keep], return_inverse=True)
        summed = np.bincount(inverse, weights[keep], minlength=len(keys))
        indptr = np.concatenate([[0], np.cumsum(np.bincount(keys // n, minlength=n))])
        return cls(indptr, keys % n, summed)

    @classmethod
    def from_pairs(cls, n: int, pairs) -> Weights:
        """Binary, symmetric contiguity from neighbour pairs ``(i, j)``."""
        p = np.asarray(list(pairs), dtype=np.int64).reshape(-1, 2)
        both = np.concatenate([p, p[:, ::-1]])
        return cls.from_triples(n, both[:, 0], both[:, 1], np.ones(len(both)))

    @classmethod
    def from_dense(cls, matrix: ArrayLike) -> Weights:
        """From an n × n matrix (a range of the user's): blank cells are 0."""
        m = np.nan_to_num(np.asarray(matrix, dtype=float), nan=0.0)
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise InputError(f"a weights matrix must be square, got {m.shape}", "weights")
        rows, cols = np.nonzero(m)
        return cls.from_triples(m.shape[0], rows, cols, m[rows, cols])

    def row_standardised(self) -> Weights:
        """Each row divided by its sum (an island's row stays empty)."""
        rows = self.rows
        sums = np.bincount(rows, self.data, self.n)
        return Weights(self.indptr, self.indices, self.data / sums[rows])

    def subset(self, keep: ArrayLike) -> Weights:
        """The sub-matrix of the regions ``keep`` (a boolean mask or indices), in order."""
        index = np.arange(self.n)[np.asarray(keep)]
        new = np.full(self.n, -1)
        new[index] = np.arange(index.size)
        rows, cols = new[self.rows], new[self.indices]
        inside = (rows >= 0) & (cols >= 0)
        return Weights.from_triples(index.size, rows[inside], cols[inside], self.data[inside])

    def moments(self) -> tuple[np.float64, np.float64, np.float64]:
        r""":math:`S_0 = \sum_{ij} w_{ij}`, :math:`S_1 = \tfrac12 \sum_{ij}(w_{ij} + w_{ji})^2`,
        :math:`S_2 = \sum_i (w_{i\cdot} + w_{\cdot i})^2` (Cliff and Ord 1981)."""
        rows, n = self.rows, self.n
        keys = np.concatenate([rows * n + self.indices, self.indices * n + rows])
        _, inverse = np.unique(keys, return_inverse=True)
        pair_sums = np.bincount(inverse, np.concatenate([self.data, self.data]))
        margins = np.bincount(rows, self.data, n) + np.bincount(self.indices, self.data, n)
        return self.data.sum(), 0.5 * (pair_sums**2).sum(), (margins**2).sum()


def _cross_products(w: Weights, shuffled: np.ndarray) -> np.ndarray:
    """:math:`z^\\top W z` for each row z of ``shuffled``: the spatial lag of each row by
    sums over each region's stored links (``reduceat`` over the rows that have links)."""
    out = np.zeros(len(shuffled))
    linked = np.diff(w.indptr) > 0
    if not linked.any():
        return out
    starts = w.indptr[:-1][linked]
    step = max(1, _BLOCK // w.indices.size)
    for first in range(0, len(shuffled), step):
        z = shuffled[first : first + step]
        lag = np.add.reduceat(z[:, w.indices] * w.data, starts, axis=1)
        out[first : first + step] = (lag * z[:, linked]).sum(axis=1)
    return out


def _moran_one(y: np.ndarray, w: Weights, permutations: int, rng) -> dict[str, float]:
    n = y.size
    z = y - y.mean()
    s0, s1, s2 = w.moments()
    zz = (z * z).sum()
    with np.errstate(all="ignore"):
        scale = np.float64(n) / s0 / zz
        i = scale * (z[w.rows] * z[w.indices] * w.data).sum()
        expected = -1.0 / (n - 1)
        variance = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n * n - 1) * s0 * s0) - expected**2
        out = {"I": i, "expected": expected, "z": (i - expected) / np.sqrt(variance)}
    out |= {"n": float(n), "p": np.nan}
    if permutations and np.isfinite(i):
        shuffled = rng.permuted(np.broadcast_to(z, (permutations, n)), axis=1)
        simulated = scale * _cross_products(w, shuffled)
        larger = int((simulated >= i).sum())
        larger = min(larger, permutations - larger)  # esda's p_sim: the nearer tail
        out["p"] = (larger + 1.0) / (permutations + 1.0)
    return out


def moran(
    values: ArrayLike,
    weights: Weights,
    permutations: int = 999,
    seed: int = 0,
    standardise: bool = True,
) -> Estimates:
    r"""Global Moran's I of ``values`` under ``weights``, per period.

    .. math::

        I = \frac{n}{S_0}\frac{\sum_{ij} w_{ij} z_i z_j}{\sum_i z_i^2},\quad
        E[I] = -\frac{1}{n-1},\quad
        V[I] = \frac{n^2 S_1 - n S_2 + 3 S_0^2}{(n^2 - 1) S_0^2} - E[I]^2,\quad
        z = \frac{I - E[I]}{\sqrt{V[I]}}

    with :math:`z_i = y_i - \bar y`. A region without a value that year is left out (its
    row and column of W too) and the weights of the others are standardised again.

    Parameters
    ----------
    values : array_like, shape (n,) or (n, periods)
    weights : Weights
        n × n, e.g. :func:`addin.panel.contiguity.china_queen` or the user's matrix.
    permutations : int
        Random shuffles of the values over the regions for ``p`` (0: no p).
    seed : int
        Seed of the numpy Generator, started afresh for each period: the same seed gives
        the same p, and a period's p is the same alone or in a block.
    standardise : bool
        Row-standardise W (each region's neighbours share a weight of 1).

    Returns
    -------
    Estimates
        ``I``, ``expected`` (E[I]), ``z`` (normality), ``p`` (folded one-sided
        pseudo p-value, :math:`(\min(m, P - m) + 1)/(P + 1)` with m permutations at or
        above I: esda's ``p_sim``) and ``n`` (regions used). ``MISSING`` with fewer than
        3 regions; ``UNDEFINED`` where every value is the same or no region has a
        neighbour.

    Examples
    --------
    Four regions on a line, high at one end, low at the other: positive I.

    >>> w = Weights.from_pairs(4, [(0, 1), (1, 2), (2, 3)])
    >>> m = moran([1.0, 2.0, 3.0, 4.0], w, permutations=0)
    >>> round(m["I"], 4), round(m["expected"], 4), Problem(m.problems[3]).name
    (0.4, -0.3333, 'UNDEFINED')
    """
    y = np.asarray(values, dtype=float)
    was_1d = y.ndim == 1
    block = y[:, None] if was_1d else y
    if block.ndim != 2 or block.shape[0] != weights.n:
        raise InputError(f"{block.shape[0]} regions but a {weights.n} × {weights.n} W", "weights")
    if not (isinstance(permutations, (int, np.integer)) and 0 <= permutations <= 1_000_000):
        raise InputError(f"permutations must be a whole number ≥ 0, got {permutations!r}")
    rows, codes = [], []
    for column in block.T:
        present = np.isfinite(column)
        w = weights if present.all() else weights.subset(present)
        w = w.row_standardised() if standardise else w
        if present.sum() < 3:
            rows.append([np.nan] * 4 + [float(present.sum())])
            codes.append([Problem.MISSING] * 4 + [0])
            continue
        # a Generator of its own for each period: a year's p does not depend on the others
        one = _moran_one(column[present], w, permutations, np.random.default_rng(seed))
        rows.append([one[k] for k in MORAN_LABELS])
        codes.append([0, 0, 0, Problem.OK if permutations else Problem.UNDEFINED, 0])
    r = settle(np.array(rows), np.array(codes))
    if was_1d:
        return Estimates(r.values[0], r.problems[0], MORAN_LABELS)
    return Estimates(r.values, r.problems, MORAN_LABELS)
