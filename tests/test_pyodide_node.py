"""The one cell rule inside real Pyodide (the npm package, under Node), on Office.js values.

xlwings Lite runs the worksheet functions in Pyodide. This runs what can run offline:
``addin/core/cells.py`` (pure Python: the cell rule and the Office.js value forms) inside
Pyodide itself, its doctests and the values Office.js hands over, parsed from JSON by
JavaScript so that a blank is Pyodide's real ``JsNull``. Pyodide's numpy and xlwings are
fetched from a CDN that is not reachable here: the kernels, the converter and xlwings'
``custom_functions_call`` are checked in CPython instead, under the Pyodide import block
(tests/test_pyodide_imports.py, tests/test_lite.py).

Needs ``node`` and the npm package ``pyodide``: ``npm install --prefix
~/.cache/yangtze-pyodide pyodide`` (or set ``YANGTZE_PYODIDE_DIR`` to a folder whose
``node_modules`` has it); skipped otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYODIDE_DIR = Path(os.environ.get("YANGTZE_PYODIDE_DIR", Path.home() / ".cache/yangtze-pyodide"))


@pytest.fixture(scope="module")
def answer():
    if shutil.which("node") is None or not (PYODIDE_DIR / "node_modules/pyodide").is_dir():
        pytest.skip(f"needs node and the npm package pyodide in {PYODIDE_DIR}/node_modules")
    done = subprocess.run(
        [
            "node",
            str(ROOT / "tests/pyodide_cells.mjs"),
            str(PYODIDE_DIR),
            str(ROOT / "addin/core/cells.py"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_cell_rule_runs_in_pyodide(answer):
    import doctest

    from addin.core import cells

    assert answer["platform"] == "emscripten"
    failed, attempted = answer["doctests"]
    assert failed == 0 and attempted == doctest.testmod(cells).attempted  # every example


def test_office_js_values_in_pyodide(answer):
    assert answer["null_type"] == "pyodide.ffi.JsNull"  # what a blank is in Pyodide ≥ 0.28
    assert answer["kinds"] == [
        ["blank", "number", "number", "numeric-text", "placeholder", "text"],
        ["error-value", "error-value", "blank", "text", "number", "number"],
    ]
    assert answer["numbers"] == [
        [None, 12, 2.5, 1234.5, None, None],
        [None, None, None, None, -3, 0],
    ]
    assert answer["errors"] == [
        [None, None, None, None, None, None],
        ["#N/A", "#DIV/0!", None, None, None, None],
    ]
