"""Benchmark of the inference kernels against issue 20's two targets.

Run from the repository root::

    python bench/bench_inference.py            # default sizes and repeats
    python bench/bench_inference.py --quick    # fewer repeats, for a smoke test

It times, with ``time.perf_counter`` (median of a few repeats, one warm-up call first):

1. ``addin.core.inference.bootstrap``: 1,000 replicates of every disparity measure (weighted
   CV, Theil T, Theil L, Gini, Atkinson ε = 0.5) on 11 provinces × 30 years, population
   weighted. Target: ≤ 1 s. Baseline in the same process: the same five measures written
   inline in bare numpy, evaluated once on an 11 × 30 block, times 1,000 (the cost of a
   bootstrap loop that calls a cheap formula once per replicate); and the loop the engine
   would be without its block evaluation: the same kernels called once per replicate;
2. the Disparity sheet's inference at the default Settings (999 bootstrap replicates, 999
   permutations): every interval column and both between p of 11 provinces × 30 years,
   through the registry (``measures.DisparityInput``), as regeneration computes them;
   baseline: the sheet's point measures alone (``measures.disparity_columns`` with 0
   replicates and 0 permutations);
3. ``addin.core.spatial.moran``: Moran's I with 999 permutations on 2,850 regions and a
   sparse W (each region's 6 nearest of random points, 17,100 links). Target: ≤ 2 s.
   Baseline: one evaluation of I in bare numpy over the same links, times 1,000.

The ratio engine / baseline says how much the vectorised kernels save over the loop;
the absolute figure is what the target is about. This is not a test: it prints figures
for docs/performance.md.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import median_time  # noqa: E402 (bench/, the script's folder)

from addin.core.inference import MEASURES, bootstrap  # noqa: E402
from addin.core.spatial import Weights, moran  # noqa: E402
from addin.panel import measures  # noqa: E402
from addin.panel.options import Options  # noqa: E402


def bare_measures(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The five measures of every column, inline numpy (no checks, no problem codes)."""
    p = w / w.sum(axis=0)
    mu = (p * y).sum(axis=0)
    cv = np.sqrt((p * (y - y.mean(axis=0)) ** 2).sum(axis=0)) / y.mean(axis=0)
    theil_t = (p * y / mu * np.log(y / mu)).sum(axis=0)
    theil_l = (p * np.log(mu / y)).sum(axis=0)
    order = np.argsort(y, axis=0)
    ys, ps = np.take_along_axis(y, order, 0), np.take_along_axis(p, order, 0)
    cum = np.cumsum(ps, axis=0)
    gini = (ps * ys * ((cum - ps) - (1 - cum))).sum(axis=0) / mu
    atkinson = 1 - (p * np.sqrt(y)).sum(axis=0) ** 2 / mu
    return np.stack([cv, theil_t, theil_l, gini, atkinson])


def knn_weights(points: np.ndarray, k: int) -> Weights:
    """Each point's k nearest others (brute force), as binary weights."""
    d = ((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(d, np.inf)
    nearest = np.argpartition(d, k, axis=1)[:, :k]
    rows = np.repeat(np.arange(len(points)), k)
    return Weights.from_triples(len(points), rows, nearest.ravel(), np.ones(rows.size))


def bench_bootstrap(repeats: int) -> tuple[float, float, float]:
    rng = np.random.default_rng(1)
    z = rng.lognormal(0, 1.2, (11, 30))
    pop = rng.uniform(1000, 9000, (11, 1)) * np.ones((1, 30))
    engine = median_time(lambda: bootstrap(z, pop, reps=1000, seed=1), repeats)
    single = median_time(lambda: bare_measures(z, pop), max(repeats, 50))
    kernels = median_time(lambda: [m(z, pop) for m in MEASURES.values()], max(repeats, 50))
    return engine, single * 1000, kernels * 1000


def bench_disparity_sheet(repeats: int) -> tuple[float, float]:
    rng = np.random.default_rng(1)
    z = rng.lognormal(0, 1.2, (11, 30))
    pop = rng.uniform(1000, 9000, (11, 1)) * np.ones((1, 30))
    groups = list("DDDMMMMUUUU")

    def columns(options: Options) -> dict:
        return measures.disparity_columns(measures.DisparityInput(z, pop, groups, options))

    engine = median_time(lambda: columns(Options()), repeats)
    points = median_time(lambda: columns(Options(bootstrap_reps=0, permutations=0)), repeats)
    return engine, points


def bench_moran(repeats: int) -> tuple[float, float, int]:
    rng = np.random.default_rng(2)
    points = rng.uniform(0, 100, (2850, 2))
    w = knn_weights(points, 6)
    y = points[:, 0] / 10 + rng.normal(0, 1, 2850)
    engine = median_time(lambda: moran(y, w, permutations=999, seed=3), repeats)
    r = w.row_standardised()
    rows = r.rows

    def bare_once() -> float:
        z = y - y.mean()
        return len(z) / r.data.sum() * (z[rows] * z[r.indices] * r.data).sum() / (z * z).sum()

    single = median_time(bare_once, max(repeats, 50))
    return engine, single * 1000, int(w.indices.size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    repeats = 3 if parser.parse_args().quick else 7
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    engine, baseline, loop = bench_bootstrap(repeats)
    print(
        f"bootstrap 1,000 reps × 5 measures, 11 × 30: {engine:.3f} s (target ≤ 1 s); "
        f"bare numpy once × 1,000: {baseline:.3f} s, ratio {engine / baseline:.2f}; "
        f"the kernels once per replicate: {loop:.3f} s, ratio {engine / loop:.2f}"
    )
    sheet, points = bench_disparity_sheet(repeats)
    print(
        f"Disparity sheet, default Settings (999 replicates, 999 permutations), 11 × 30: "
        f"{sheet:.3f} s; its point measures alone: {points:.3f} s"
    )
    engine, baseline, links = bench_moran(repeats)
    print(
        f"Moran's I, 999 permutations, 2,850 regions, {links:,} links: {engine:.3f} s "
        f"(target ≤ 2 s); bare numpy once × 1,000: {baseline:.3f} s; "
        f"ratio {engine / baseline:.2f}"
    )


if __name__ == "__main__":
    main()
