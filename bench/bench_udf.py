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
(``=TRADE_INDEX(C:C, D:D)`` over a sheet with as many used rows as the block).

Then the **Office.js route** (xlwings Lite, xlwings Server), in a subprocess with
``XLWINGS_ON_SERVER=true`` (``--officejs``): ``xlwings.server.custom_functions_call`` with
the arguments as Office.js sends them (lists of row lists), against a plain per-cell loop
over the same lists; the goal is the call ≤ 2× the loop. The JSON (de)serialisation and
Pyodide's JavaScript ↔ Python conversion are the platform's cost, the same for any
implementation, and are not included. The Office.js part of xlwings is xlwings PRO
(PolyForm Noncommercial): the subprocess sets ``XLWINGS_LICENSE_KEY=noncommercial``.

This is not a test: it prints figures for docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from addin.core import indices  # noqa: E402

FACTOR = 6.7261 / 10000


def prebuilt_range(value: tuple):
    """A Range whose ``.Value`` is ready, as if COM had just marshalled it."""
    from xlwings_com import FakeRange, FakeSheet

    class PrebuiltRange(FakeRange):
        @property
        def Value(self):  # noqa: N802 (COM name)
            return value

    return PrebuiltRange(FakeSheet(), 1, 1, len(value), len(value[0]))


def per_cell_loop(trade_rows, gdp_rows):
    """The baseline: ``(r·t)·(r·t)/g`` per cell, from the rows to a list of rows."""
    out = []
    for trade_row, gdp_row in zip(trade_rows, gdp_rows, strict=True):
        row = []
        for t, g in zip(trade_row, gdp_row, strict=True):
            converted = FACTOR * t
            row.append(converted * converted / g)
        out.append(row)
    return out


def inputs(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(12)
    return rng.uniform(1, 1e8, (n, n)), rng.uniform(1, 1e5, (n, n))


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


def office_js(n: int, repeats: int) -> int:
    """The Office.js route (run with ``XLWINGS_ON_SERVER=true``): figures as lines."""
    import xlwings as xw
    from xlwings import server

    import yangtze_udf

    trade, gdp = (a.tolist() for a in inputs(n))
    whole = [[[round(x) for x in row] for row in block] for block in (trade, gdp)]
    print(f"=TRADE_INDEX over {n:,} × {n:,} through Office.js custom_functions_call")
    for label, (t, g) in (("floats", (trade, gdp)), ("whole numbers (JSON ints)", whole)):
        body = {
            "func_name": "TRADE_INDEX",
            "args": [t, g, [[FACTOR]]],
            "caller_address": None,
            "version": xw.__version__,
            "client": "Office.js",
            "runtime": "1.4",
        }

        def ours(body=body):
            return asyncio.run(server.custom_functions_call(body, yangtze_udf))

        def loop(t=t, g=g):
            return per_cell_loop(t, g)

        assert ours() == loop(), "the Office.js call differs from the per-cell loop"
        figures = median_seconds({"add-in call": ours, "per-cell Python loop": loop}, repeats)
        baseline = figures["per-cell Python loop"]
        for name, seconds in figures.items():
            what = f"{label}, {name}"
            print(f"  {what:<50} {seconds:8.3f} s   {seconds / baseline:5.2f} × loop")
    print(f"  numbers identical to the loop: yes ({n * n:,} cells, each input)")
    return 0


def run_office_js(n: int, repeats: int) -> None:
    """:func:`office_js` in a subprocess (xlwings picks its route when imported)."""
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"}
    command = [sys.executable, __file__, "--officejs", "--size", str(n), "--repeats", str(repeats)]
    subprocess.run(command, env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 × 200, 2 repeats")
    parser.add_argument("--officejs", action="store_true", help="only the Office.js route")
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    n, repeats = (200, 2) if args.quick else (1000, 5)
    n, repeats = args.size or n, args.repeats or repeats
    if args.officejs:
        return office_js(n, repeats)
    from xlwings_com import FakeSheet, com_path

    trade, gdp = inputs(n)
    trade_com = tuple(map(tuple, trade.tolist()))
    gdp_com = tuple(map(tuple, gdp.tolist()))
    trade_range, gdp_range = prebuilt_range(trade_com), prebuilt_range(gdp_com)

    def loop():
        return per_cell_loop(trade_com, gdp_com)

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
    run_office_js(n, repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
