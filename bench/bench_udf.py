"""Benchmark of a worksheet function as Excel calls it: ``=TRADE_INDEX`` over 1,000 × 1,000.

Run from the repository root::

    python bench/bench_udf.py            # 1,000 × 1,000, median of 5
    python bench/bench_udf.py --quick    # 200 × 200, for a smoke test

The call goes through xlwings 0.37.8's own ``XLPython.CallUDF`` → ``udfs.call_udf`` with
pywin32 stood in (``tests/xlwings_com.py``). Each argument is a Range whose ``.Value`` is
the tuple of row tuples COM would hand over, built once beforehand: the COM marshalling
itself is Excel's cost and is the same for every variant. Timed in the same run, with
``time.perf_counter`` (median of repeats, taking turns, the garbage collector paused
while a run is timed, as ``timeit`` does):

1. the add-in's call (arguments and result through the ``yangtze`` converter);
2. the same function declared the previous way (``ndim=2, err_to_str=True``, default
   return conversion), i.e. xlwings cleaning every cell in and out;
3. a plain per-cell Python loop over the same floats: ``(r·t)·(r·t)/g`` per cell, from
   the tuples to a list of rows, the baseline of the goal (the call ≤ 2× the loop);
4. bare numpy: the kernel alone on float arrays.

It checks that 1 and 2 give the loop's numbers exactly, and times one whole-column call
(``=TRADE_INDEX(C:C, D:D)`` over a sheet with as many used rows as the block). This is not
a test: it prints figures for docs/performance.md.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from xlwings_com import FakeRange, FakeSheet, com_path  # noqa: E402

from addin.core import indices  # noqa: E402

FACTOR = 6.7261 / 10000


class PrebuiltRange(FakeRange):
    """A Range whose ``.Value`` is ready, as if COM had just marshalled it."""

    def __init__(self, value: tuple):
        super().__init__(FakeSheet(), 1, 1, len(value), len(value[0]))
        self.prebuilt = value

    @property
    def Value(self):  # noqa: N802 (COM name)
        return self.prebuilt


def median_seconds(runs: dict, repeats: int) -> dict[str, float]:
    """Median time of each run; the runs take turns, so a busy machine slows all alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            gc.collect()
            gc.disable()  # as timeit does: no collection of another run's garbage
            try:
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
            finally:
                gc.enable()
    return {name: statistics.median(t) for name, t in times.items()}


def previous_declaration(path):
    """``TRADE_INDEX`` re-declared as before: ``ndim=2, err_to_str=True``, default return."""
    udfs, module = path.udfs, path.module
    body = module.TRADE_INDEX.__wrapped__

    def TRADE_INDEX_DEFAULT(trade, gdp, to_gdp_unit=None):  # noqa: N802 (Excel name)
        return body(trade, gdp, to_gdp_unit)

    function = TRADE_INDEX_DEFAULT
    for name in ("trade", "gdp", "to_gdp_unit"):
        function = udfs.xlarg(name, ndim=2, err_to_str=True)(function)
    module.TRADE_INDEX_DEFAULT = udfs.xlfunc(function)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 × 200, 2 repeats")
    args = parser.parse_args(argv)
    n, repeats = (200, 2) if args.quick else (1000, 5)
    rng = np.random.default_rng(12)
    trade, gdp = rng.uniform(1, 1e8, (n, n)), rng.uniform(1, 1e5, (n, n))
    trade_com = tuple(map(tuple, trade.tolist()))
    gdp_com = tuple(map(tuple, gdp.tolist()))
    trade_range, gdp_range = PrebuiltRange(trade_com), PrebuiltRange(gdp_com)

    def loop():
        out = []
        for trade_row, gdp_row in zip(trade_com, gdp_com, strict=True):
            row = []
            for t, g in zip(trade_row, gdp_row, strict=True):
                converted = FACTOR * t
                row.append(converted * converted / g)
            out.append(row)
        return out

    with com_path() as path:
        previous_declaration(path)

        def ours():
            return path.call("TRADE_INDEX", trade_range, gdp_range, FACTOR)

        def default():
            return path.call("TRADE_INDEX_DEFAULT", trade_range, gdp_range, FACTOR)

        want = loop()
        assert ours() == want, "the add-in's call differs from the per-cell loop"
        assert default() == want, "the default conversion differs from the per-cell loop"
        figures = median_seconds(
            {
                "add-in call (yangtze converter)": ours,
                "previous declaration (xlwings cleaning)": default,
                "per-cell Python loop": loop,
                "bare numpy kernel": lambda: indices.trade_index(trade, gdp, FACTOR),
            },
            repeats,
        )
        column = FakeSheet.from_block([[t, g] for t, g in zip(trade[:, 0], gdp[:, 0])], left=3)
        start = time.perf_counter()
        spilled = path.call("TRADE_INDEX", column.Range("C:C"), column.Range("D:D"), FACTOR)
        whole_column = time.perf_counter() - start
        assert len(spilled) == n and column.reads == 2 * n
    baseline = figures["per-cell Python loop"]
    print(f"=TRADE_INDEX over {n:,} × {n:,} through CallUDF, median of {repeats}")
    print(f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    for name, seconds in figures.items():
        print(f"  {name:<42} {seconds:8.3f} s   {seconds / baseline:5.2f} × loop")
    print(f"  numbers identical to the loop: yes ({n * n:,} cells)")
    print(
        f"=TRADE_INDEX(C:C, D:D) with {n:,} used rows: {whole_column * 1000:.1f} ms, "
        f"{column.reads:,} cells read (not 2 × 1,048,576), {len(spilled):,} rows returned"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
