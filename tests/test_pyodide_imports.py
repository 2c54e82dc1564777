"""The worksheet functions' path imports only what xlwings Lite's Pyodide has.

xlwings Lite runs ``yangtze_udf`` in Pyodide, in the browser: the standard library (less a
few modules Pyodide leaves out or ships separately), numpy and xlwings are there; threads
cannot start; python-calamine, pandas and the rest are not needed and must not be loaded.
A subprocess blocks every import outside that set (an import finder at the front of
``sys.meta_path``), imports ``yangtze_udf`` as Lite does (``XLWINGS_ON_SERVER=true``), calls
every function through xlwings' Office.js ``custom_functions_call`` and reports what was
loaded and which imports were refused (optional ones that xlwings tries and does without).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Packages the function path may load: Pyodide ships numpy and its own modules (pyodide,
#: js), Lite xlwings.
ALLOWED = ("numpy", "xlwings", "addin", "yangtze_udf", "pyodide", "js", "pyodide_js")
#: Modules that numpy.random's Cython extensions register when they load (the seeded
#: permutations and bootstraps of issue 20): part of numpy, in Pyodide's numpy too.
CYTHON = re.compile(r"_?cython_runtime|_cython_\d+_\d+_\d+")
#: Standard-library modules Pyodide leaves out (tkinter, curses, ...) or ships as separate
#: packages loaded on request (ssl, sqlite3, lzma, ...).
NOT_IN_PYODIDE = (
    "_curses",
    "_lzma",
    "_sqlite3",
    "_ssl",
    "_tkinter",
    "curses",
    "dbm",
    "ensurepip",
    "idlelib",
    "lib2to3",
    "lzma",
    "pydoc_data",
    "readline",
    "sqlite3",
    "ssl",
    "test",
    "tkinter",
    "turtle",
    "venv",
)

PROBE = r"""
import asyncio, importlib.abc, json, sys, threading

allowed, missing = set(ALLOWED), set(NOT_IN_PYODIDE)
stdlib = set(sys.stdlib_module_names) - missing
refused = []

class Pyodide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in allowed or top in stdlib:
            return None
        refused.append(name)
        raise ModuleNotFoundError(f"No module named {name!r} (not in Pyodide)", name=name)

started = []
threading.Thread.start = lambda self: started.append(self.name)
before = set(sys.modules)
sys.meta_path.insert(0, Pyodide())

import xlwings as xw
from xlwings import server
import yangtze_udf

def call(name, args):
    body = {"func_name": name, "args": args, "version": xw.__version__, "client": "Office.js",
            "runtime": "1.4", "caller_address": None}
    return asyncio.run(server.custom_functions_call(body, yangtze_udf))

block = [[1, 2.5, 4], [3, None, 9], [2, {"type": "Error", "basicValue": "#N/A"}, 5]]
# the functions that take a column per region (issue 20): 11 regions, three groups
regions = [[1.5 + i, 2.0 + i * i / 7, 1.2 * i + 3] for i in range(11)]
column = [[2.0 + i % 4] for i in range(11)]
groups = [["D"]] * 4 + [["M"]] * 3 + [["U"]] * 4
REQUIRED = {
    "SIGMA_CONVERGENCE": [regions],
    "BETA_CONVERGENCE": [column, [[r[0]] for r in regions], [[5]]],
    "MORAN_I": [column],
    "BOOTSTRAP_CI": [regions],
    "THEIL_BETWEEN_TEST": [regions, column, groups],
}
results = {}
for function in server.custom_functions_meta(yangtze_udf)["functions"]:
    name = function["name"]
    params = function["parameters"]
    required = iter(REQUIRED.get(name, []))
    args = [None if p.get("optional") else next(required, block) for p in params]
    results[name] = call(name, args)

loaded = sorted({m.split(".")[0] for m in set(sys.modules) - before})
json.dump({
    "on_server": xw.on_server,
    "third_party": [m for m in loaded if m not in stdlib],
    "missing_stdlib": [m for m in loaded if m in missing],
    "refused": sorted({n.split(".")[0] for n in refused}),
    "threads_started": started,
    "results": results,
}, sys.stdout)
"""


def run_probe(probe: str = PROBE) -> subprocess.CompletedProcess:
    code = f"ALLOWED = {ALLOWED!r}\nNOT_IN_PYODIDE = {NOT_IN_PYODIDE!r}\n" + probe
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
    )


def test_the_function_path_loads_only_what_pyodide_has():
    done = run_probe()
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    print(json.dumps({k: v for k, v in report.items() if k != "results"}, indent=1))
    assert report["on_server"] is True
    # only the allowed third-party packages (and no C extension of another package)
    others = {m for m in report["third_party"] if not CYTHON.fullmatch(m)}
    assert others <= set(ALLOWED), report["third_party"]
    assert {"numpy", "xlwings", "addin", "yangtze_udf"} <= set(report["third_party"])
    assert report["missing_stdlib"] == []
    assert report["threads_started"] == []
    # pandas, python-calamine and the like were not needed: refused, and still it worked
    assert "python_calamine" not in report["third_party"]
    assert "pandas" not in report["third_party"]
    # every function answered: numbers, and error objects where the block has a problem
    results = report["results"]
    assert len(results) == 16
    assert results["YANGTZE_VERSION"][0][0].startswith("yangtze-opening ")
    assert results["TRADE_INDEX"][0] == [1.0, 2.5, 4.0]  # t² / g with t = g
    assert results["TRADE_INDEX"][1][1] == {
        "type": "Error",
        "errorType": "NotAvailable",
        "basicValue": "#N/A",
    }
    labelled = {"SIGMA_CONVERGENCE", "BETA_CONVERGENCE", "MORAN_I", "BOOTSTRAP_CI"}
    labelled |= {"THEIL_BETWEEN_TEST"}
    plain = set(results) - labelled - {"YANGTZE_VERSION"}
    flat = [v for name in plain for r in results[name] for v in r]
    assert all(isinstance(v, (float, dict)) for v in flat)
    assert any(isinstance(v, float) for v in flat)
    # a label, then numbers (or error objects), on every row of the labelled functions
    for name in labelled:
        assert all(isinstance(r[0], str) for r in results[name]), (name, results[name])
        numbers = [v for r in results[name] for v in r[1:]]
        assert all(isinstance(v, (float, dict)) for v in numbers), (name, results[name])
        assert any(isinstance(v, float) for v in numbers), (name, results[name])


def test_the_probe_would_see_a_forbidden_import():
    """The blocking works: pandas, imported on purpose inside the probe, is refused."""
    done = run_probe(PROBE.replace("import yangtze_udf\n", "import yangtze_udf\nimport pandas\n"))
    assert done.returncode != 0 and "No module named 'pandas' (not in Pyodide)" in done.stderr
