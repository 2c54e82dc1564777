"""Benchmark of the workbook layer (not a test): regeneration against LibreOffice, batch
recalculation, and the input-sheet reader against python-calamine.

Run: ``python bench/bench_workbook.py [--quick]``. Each regeneration runs as
``yangtze regenerate`` in a fresh process (wall time, peak resident memory). The baseline
is LibreOffice headless opening and saving the same file (``soffice --convert-to xlsm``)
in the same run, with a profile warmed up first; without soffice that comparison is
skipped and the reason printed. Ratios, not absolute times, carry from one machine to
another; docs/performance.md records a run.

Targets (issue 10): the template-sized demo ≤ 0.3× LibreOffice; 2,850 × 40 ≤ 0.5×
LibreOffice and ≤ 400 MiB peak; 50 books with ``--jobs 2`` ≥ 1.7× faster than ``--jobs 1``.
"""

from __future__ import annotations

import argparse
import compileall
import os
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
from addin.workbook import layout
from addin.workbook.file_engine import FileEngine
from addin.workbook.template.build import build_workbook


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
    fresh process started as the command is (``python -m addin.cli``), and the largest peak
    resident memory (MiB) of those processes."""
    times, peak = [], 0.0
    for i in range(repeats):
        copy = path.with_name(f"run{i}{path.suffix}")
        shutil.copy(path, copy)
        start = time.perf_counter()
        command = [sys.executable, "-m", "addin.cli", "regenerate", str(copy)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)  # the child's own peak memory
        times.append(time.perf_counter() - start)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, command)
        peak = max(peak, usage.ru_maxrss / 1024)
    return statistics.median(times), peak


class LibreOffice:
    """``soffice --headless --convert-to xlsm`` with its own profile (warmed up once)."""

    def __init__(self, folder: Path):
        self.soffice = shutil.which("soffice") or shutil.which("libreoffice")
        self.profile = (folder / "lo-profile").as_uri()
        self.out = folder / "lo-out"
        self.out.mkdir()

    def open_and_save(self, path: Path) -> float:
        start = time.perf_counter()
        subprocess.run(
            [
                self.soffice,
                "--headless",
                "--norestore",
                f"-env:UserInstallation={self.profile}",
                "--convert-to",
                "xlsm",
                "--outdir",
                str(self.out),
                str(path),
            ],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - start

    def median(self, path: Path, repeats: int) -> float:
        return statistics.median(self.open_and_save(path) for _ in range(repeats))


def time_batch(folder: Path, books: list[Path], jobs: int) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "addin.cli", "recalc", "--engine", "file", "--jobs", str(jobs)]
        + [str(b) for b in books],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=folder,
    )
    return time.perf_counter() - start


def time_readers(path: Path) -> dict[str, float]:
    """Seconds to read the input sheets of ``path``: lxml ``iterparse`` (the streaming
    reader, :func:`~addin.workbook.parts.sheet_reader.read_sheet`), python-calamine alone, and
    the engine's read (calamine completed by the byte scan)."""
    import io

    from python_calamine import CalamineWorkbook

    from addin.workbook.parts.sheet_reader import read_sheet

    out = {}
    with FileEngine(path) as engine:
        parts = {sheet: engine.package.read(engine._part(sheet)) for sheet in layout.INPUT_SHEETS}
        shared = engine._shared_strings()
        start = time.perf_counter()
        for sheet, data in parts.items():
            read_sheet(io.BytesIO(data), shared, path, sheet, sheet)
        out["lxml iterparse"] = time.perf_counter() - start
    start = time.perf_counter()
    book = CalamineWorkbook.from_path(str(path))
    for sheet in layout.INPUT_SHEETS:
        book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    out["python-calamine"] = time.perf_counter() - start
    start = time.perf_counter()
    with FileEngine(path) as engine:
        for sheet in layout.INPUT_SHEETS:
            engine.read(sheet)
    out["engine (calamine + scan, unzip included)"] = time.perf_counter() - start
    return out


def _line(label: str, ours: float, lo: float | None, target: float | None, extra: str = "") -> str:
    if lo is None:
        return f"  {label:<34} {ours:7.2f} s{extra}"
    verdict = "" if target is None else (" ✓" if ours / lo <= target else f" ✗ (target ≤ {target})")
    times = f"{ours:7.2f} s   LibreOffice {lo:6.2f} s   ratio {ours / lo:.2f}×"
    return f"  {label:<34} {times}{verdict}{extra}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    big_regions, n_books = (300, 10) if args.quick else (2850, 50)
    load_before = os.getloadavg()[0]
    # the package's byte-code, as an installed copy (pip compiles it) or any second run has,
    # also where PYTHONDONTWRITEBYTECODE keeps Python from writing it (about 50 ms a run)
    compileall.compile_dir(Path(layout.__file__).parents[1], quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        office = LibreOffice(folder)
        reason = (
            None if office.soffice else "soffice not found (apt-get install libreoffice-calc-nogui)"
        )
        template_sized = folder / "template_sized.xlsm"
        build_workbook(template_sized, example_dataset())
        t_small, m_small = time_regenerate(template_sized, 5)
        lo_small = None
        if reason is None:
            office.open_and_save(template_sized)  # warm the profile up
            lo_small = office.median(template_sized, 3)

        data, regions = synthetic(big_regions, 40)
        big = folder / "big.xlsm"
        build_workbook(big, data, regions, formulas=False)
        t_big, m_big = time_regenerate(big, 3)
        readers = time_readers(big)
        lo_big = office.median(folder / "run0.xlsm", 3) if reason is None else None

        books = [folder / f"book{i:02d}.xlsm" for i in range(n_books)]
        # medians of 3, the two alternating, so a burst of other work cannot favour one; each
        # run on fresh copies (a book regenerated before, with the same data, is cheaper)
        batch = {1: [], 2: []}
        for _ in range(3):
            for jobs, times in batch.items():
                for book in books:
                    shutil.copy(template_sized, book)
                times.append(time_batch(folder, books, jobs))
        t_jobs1, t_jobs2 = (statistics.median(times) for times in batch.values())

    print("Workbook benchmark (file engine by parts; LibreOffice = headless open + save as .xlsm)")
    print(
        f"  load average {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end "
        f"on {os.cpu_count()} cores (other jobs make LibreOffice slower than the tool)"
    )
    if reason:
        print(f"  LibreOffice comparison skipped: {reason}")
    print(
        _line(
            "regenerate, template-sized (11 × 30)",
            t_small,
            lo_small,
            0.3,
            f"   peak {m_small:.0f} MiB",
        )
    )
    print(
        _line(
            f"regenerate, {big_regions} × 40",
            t_big,
            lo_big,
            0.5,
            f"   peak {m_big:.0f} MiB (target ≤ 400)",
        )
    )
    print(
        f"  read the input sheets of {big_regions} × 40: "
        + ", ".join(f"{name} {t:.2f} s" for name, t in readers.items())
    )
    speedup = t_jobs1 / t_jobs2
    print(
        f"  batch of {n_books}, --jobs 1: {t_jobs1:7.2f} s ({t_jobs1 / n_books:.2f} s per book; "
        "medians of 3)"
    )
    print(
        f"  batch of {n_books}, --jobs 2: {t_jobs2:7.2f} s (speed-up ×{speedup:.2f} on "
        f"{os.cpu_count()} cores{'' if speedup >= 1.7 else ', target ≥ 1.7'})"
    )


if __name__ == "__main__":
    main()
