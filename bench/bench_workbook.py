"""Benchmark of the workbook layer (not a test): regeneration and batch recalculation.

Run: ``python bench/bench_workbook.py [--quick]``. Each regeneration runs as
``yangtze regenerate`` in a fresh process (wall time, peak resident memory). Prints times
and ratios measured in this run; docs/performance.md records a run. Ratios, not absolute times, are what
carry from one machine to another.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from addin.panel.example import example_dataset
from addin.workbook.build import build_workbook


def synthetic(
    n_regions: int, n_years: int, seed: int = 1
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    rng = np.random.default_rng(seed)
    years = list(range(2023 - n_years, 2023))
    names = [f"R{i:04d}" for i in range(n_regions)]
    growth = np.cumprod(1 + rng.normal(0.08, 0.05, (n_regions, n_years)), axis=1)
    frame = lambda base: pd.DataFrame(base[:, None] * growth, index=names, columns=years)  # noqa: E731
    data = {
        "gdp": frame(rng.uniform(100, 5000, n_regions)),
        "trade": frame(rng.uniform(1e4, 1e6, n_regions)),
        "fie": frame(rng.uniform(10, 1e4, n_regions)),
        "population": frame(rng.uniform(50, 5000, n_regions)),
        "fx": pd.DataFrame([np.linspace(8.3, 6.7, n_years)], index=["fx"], columns=years),
    }
    regions = {name: f"group {i % 7}" for i, name in enumerate(names)}
    return data, regions


def time_regenerate(path: Path, repeats: int) -> tuple[float, float]:
    """Median wall seconds of ``yangtze regenerate`` (read, compute, write, atomic save) in a
    fresh process, and the largest resident memory (MB) of those processes."""
    times, peak = [], 0.0
    for i in range(repeats):
        copy = path.with_name(f"run{i}{path.suffix}")
        shutil.copy(path, copy)
        code = (
            "import resource, sys; from addin.cli import main; rc = main(['regenerate', sys.argv[1]]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)"
        )
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", code, str(copy)], check=True, capture_output=True, text=True
        )
        times.append(time.perf_counter() - start)
        peak = max(peak, int(done.stderr.strip().splitlines()[-1]) / 1024)
    return statistics.median(times), peak


def time_batch(folder: Path, books: list[Path], jobs: int) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "addin.cli",
            "recalc",
            "--engine",
            "file",
            "--jobs",
            str(jobs),
            *map(str, books),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=folder,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    big_regions, n_books = (300, 10) if args.quick else (2850, 50)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template_sized = folder / "template_sized.xlsm"
        build_workbook(template_sized, example_dataset())
        t_small, m_small = time_regenerate(template_sized, 3)

        data, regions = synthetic(big_regions, 40)
        big = folder / "big.xlsm"
        start = time.perf_counter()
        build_workbook(big, data, regions, formulas=False)
        t_build = time.perf_counter() - start
        t_big, m_big = time_regenerate(big, 1 if not args.quick else 2)

        books = []
        for i in range(n_books):
            books.append(folder / f"book{i:02d}.xlsm")
            shutil.copy(template_sized, books[-1])
        t_jobs1 = time_batch(folder, books, 1)
        t_jobs2 = time_batch(folder, books, 2)

    print("Workbook benchmark (file engine, openpyxl)")
    print(
        f"  regenerate, template-sized (11 × 30):  {t_small:7.2f} s   peak resident memory {m_small:7.1f} MB"
    )
    print(
        f"  regenerate, {big_regions} × 40:            {t_big:7.2f} s   peak resident memory {m_big:7.1f} MB"
        f"   ({t_big / t_small:.1f}× the template-sized run)"
    )
    print(f"  build the {big_regions} × 40 workbook (XlsxWriter): {t_build:.2f} s")
    print(
        f"  batch of {n_books} workbooks, --jobs 1: {t_jobs1:7.2f} s  ({t_jobs1 / n_books:.2f} s per book)"
    )
    print(
        f"  batch of {n_books} workbooks, --jobs 2: {t_jobs2:7.2f} s  (speed-up ×{t_jobs1 / t_jobs2:.2f} on {__import__('os').cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
