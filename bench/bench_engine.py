"""Benchmark of the engine: kernels on a 1,000 × 1,000 block, and the full table build.

Run from the repository root::

    python bench/bench_engine.py            # default sizes and repeats
    python bench/bench_engine.py --quick    # smaller, for a smoke test

It times, with ``time.perf_counter`` (median of a few repeats):

1. the composite index Z and the population-weighted CV over a 1,000 regions × 1,000
   periods block, (a) with the engine (``addin.core.indices.open_index``,
   ``addin.core.disparity.weighted_cv``), (b) with the formula written inline in bare numpy,
   (c) with a Python function called once per cell on nested lists, the way a per-cell
   worksheet function (UDF) works;
2. ``build_panel`` + ``compute_all`` for a synthetic panel of 2,850 regions × 40 years
   (random positive data, regions in 6 groups, trade in 万美元 converted to 亿元 with a
   yearly exchange rate), and its peak Python memory with ``tracemalloc`` (a separate,
   untimed run, because tracing slows allocation down).

This is not a test: it prints figures for docs/performance.md.
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import median_time  # noqa: E402 (bench/, the script's folder)

from addin.core.disparity import weighted_cv  # noqa: E402
from addin.core.indices import open_index  # noqa: E402
from addin.panel.options import Options  # noqa: E402
from addin.panel.tables import compute_all  # noqa: E402
from addin.panel.tidy import SeriesData, build_panel  # noqa: E402

# --- 1. kernels ------------------------------------------------------------------------------


def bare_numpy_z(trade, fie, gdp):
    return trade * fie / gdp


def bare_numpy_cv(y, w):
    p = w / w.sum(axis=0)
    u = y.mean(axis=0)
    return np.sqrt((p * (y - u) ** 2).sum(axis=0)) / u


def cell_z(t: float, f: float, g: float) -> float:
    """What a per-cell UDF computes for one cell (with the same validity checks)."""
    if t != t or f != f or g != g or t < 0 or f < 0 or g <= 0:
        return math.nan
    return math.sqrt((t * t / g) * (f * f / g))


def loop_z(
    trade: list[list[float]], fie: list[list[float]], gdp: list[list[float]]
) -> list[list[float]]:
    return [
        [cell_z(t, f, g) for t, f, g in zip(rt, rf, rg, strict=True)]
        for rt, rf, rg in zip(trade, fie, gdp, strict=True)
    ]


def loop_cv(y: list[list[float]], w: list[list[float]]) -> list[float]:
    """Weighted CV per period (column) by plain loops, centre = simple mean."""
    n, k = len(y), len(y[0])
    out = []
    for j in range(k):
        total_w = sum(w[i][j] for i in range(n))
        u = sum(y[i][j] for i in range(n)) / n
        s = sum(w[i][j] / total_w * (y[i][j] - u) ** 2 for i in range(n))
        out.append(math.sqrt(s) / u)
    return out


def bench_kernels(n: int, repeats: int) -> dict[str, float]:
    rng = np.random.default_rng(2024)
    trade = rng.lognormal(3, 1, (n, n))
    fie = rng.lognormal(2, 1, (n, n))
    gdp = rng.lognormal(6, 1, (n, n))
    pop = rng.uniform(100, 10000, (n, n))
    z = open_index(trade, fie, gdp).values
    # same numbers from the three implementations (a check that the comparison is fair)
    np.testing.assert_allclose(z, bare_numpy_z(trade, fie, gdp), rtol=1e-12)
    np.testing.assert_allclose(weighted_cv(z, pop).values, bare_numpy_cv(z, pop), rtol=1e-10)
    lists = [a.tolist() for a in (trade, fie, gdp, z, pop)]
    sample = loop_z(*(m[:3] for m in lists[:3]))
    np.testing.assert_allclose(sample, z[:3], rtol=1e-12)
    np.testing.assert_allclose(
        loop_cv([r[:3] for r in lists[3]], [r[:3] for r in lists[4]]),
        weighted_cv(z[:, :3], pop[:, :3]).values,
        rtol=1e-10,
    )
    loop_repeats = max(1, min(repeats, 3))
    return {
        "z_engine": median_time(lambda: open_index(trade, fie, gdp), repeats),
        "z_numpy": median_time(lambda: bare_numpy_z(trade, fie, gdp), repeats),
        "z_loop": median_time(lambda: loop_z(*lists[:3]), loop_repeats),
        "cv_engine": median_time(lambda: weighted_cv(z, pop).values, repeats),
        "cv_numpy": median_time(lambda: bare_numpy_cv(z, pop), repeats),
        "cv_loop": median_time(lambda: loop_cv(lists[3], lists[4]), loop_repeats),
    }


# --- 2. full table build ------------------------------------------------------------------------


def synthetic_series(
    regions: int, years: int, seed: int = 7
) -> tuple[dict[str, SeriesData], dict[str, str]]:
    rng = np.random.default_rng(seed)
    names = [f"R{k:04d}" for k in range(regions)]
    cols = list(range(1983, 1983 + years))

    def walk(level: float) -> pd.DataFrame:
        # a random walk in logs: positive, smooth enough that no tenfold jumps are flagged
        steps = rng.normal(0.06, 0.05, (regions, years)).cumsum(axis=1)
        base = rng.lognormal(np.log(level), 1.0, (regions, 1))
        return pd.DataFrame(base * np.exp(steps), index=names, columns=cols)

    fx = pd.DataFrame([np.linspace(8.3, 6.5, years)], index=["rate"], columns=cols)
    series = {
        "trade": SeriesData("trade", "万美元", walk(5e5)),
        "fie": SeriesData("fie", "百万美元", walk(2e3)),
        "gdp": SeriesData("gdp", "亿元", walk(1e3)),
        "population": SeriesData("population", "万人", walk(300)),
        "fx": SeriesData("fx", "元/美元", fx),
    }
    groups = ["east", "centre", "west", "northeast", "north", "south"]
    mapping = {name: groups[k % len(groups)] for k, name in enumerate(names)}
    return series, mapping


def bench_tables(regions: int, years: int, repeats: int) -> dict[str, float]:
    series, mapping = synthetic_series(regions, years)
    options = Options(table1_years=(1983, 2000, 2022), stages=((1983, 1999), (2000, 2022)))

    def build():
        return compute_all(build_panel(series, mapping, options))

    tables = build()
    assert len(tables.index) == regions * years
    assert tables.index["open_index"].notna().all()
    panel_only = median_time(lambda: build_panel(series, mapping, options), repeats)
    full = median_time(build, repeats)
    tracemalloc.start()
    build()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "build_panel": panel_only,
        "full": full,
        "peak_mib": peak / 2**20,
        "quality_rows": len(tables.quality),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="200 × 200 block, 300 regions, fewer repeats"
    )
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    n, regions, repeats = (200, 300, 3) if args.quick else (1000, 2850, args.repeats)
    years = 40

    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"{platform.machine()} {platform.system()}; median of {repeats} "
        f"(per-cell loops: {max(1, min(repeats, 3))})"
    )
    k = bench_kernels(n, repeats)
    print(f"\nKernels on a {n:,} × {n:,} block ({n * n:,} cells)")
    print(
        f"{'':24}{'engine':>12}{'bare numpy':>12}{'per-cell loop':>15}"
        f"{'engine/numpy':>14}{'loop/engine':>13}"
    )
    for name, key in (("composite index Z", "z"), ("weighted CV", "cv")):
        e, b, loop = k[f"{key}_engine"], k[f"{key}_numpy"], k[f"{key}_loop"]
        print(
            f"{name:24}{e * 1e3:10.1f}ms{b * 1e3:10.1f}ms{loop * 1e3:13.0f}ms"
            f"{e / b:13.1f}×{loop / e:12.0f}×"
        )

    t = bench_tables(regions, years, max(1, min(repeats, 3)))
    print(
        f"\nTable build: {regions:,} regions × {years} years "
        f"({regions * years:,} region-years), 6 groups"
    )
    print(f"  build_panel               {t['build_panel']:8.2f} s")
    print(f"  build_panel + compute_all {t['full']:8.2f} s")
    print(f"  peak traced memory        {t['peak_mib']:8.1f} MiB  (tracemalloc, separate run)")
    print(f"  data-quality rows         {t['quality_rows']:8d}")


if __name__ == "__main__":
    main()
