"""``yangtze lite``: the main.py and requirements.txt pasted into xlwings Lite work on their own.

The written ``main.py`` is run the way Lite runs it (as the module whose decorated
functions Lite registers, with ``XLWINGS_ON_SERVER=true``), in a fresh folder, under the
Pyodide import block of ``tests/test_pyodide_imports.py``; the functions must come from
the archive inside ``main.py``, register with the same names and help as ``yangtze_udf``,
and answer through xlwings' Office.js ``custom_functions_call``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from addin.cli import main
from addin.excel import lite
from tests.test_pyodide_imports import ALLOWED, NOT_IN_PYODIDE

LITE = r"""
import asyncio, importlib.abc, importlib.util, json, sys

allowed, stdlib = set(ALLOWED), set(sys.stdlib_module_names) - set(NOT_IN_PYODIDE)

class Pyodide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in allowed | stdlib:
            return None
        raise ModuleNotFoundError(f"No module named {name!r} (not in Pyodide)", name=name)

sys.meta_path.insert(0, Pyodide())
import xlwings as xw
from xlwings import server

spec = importlib.util.spec_from_file_location("main", "main.py")
main = importlib.util.module_from_spec(spec)
sys.modules["main"] = main
spec.loader.exec_module(main)
import addin, yangtze_udf

def call(name, args):
    body = {"func_name": name, "args": args, "version": xw.__version__, "client": "Office.js",
            "runtime": "1.4", "caller_address": None}
    return asyncio.run(server.custom_functions_call(body, main))

json.dump({
    "from": [m.__file__ for n, m in sys.modules.items()
             if n.split(".")[0] in ("addin", "yangtze_udf")],
    "archive": str(main._PATH),
    "meta": server.custom_functions_meta(main),
    "open_index": call("OPEN_INDEX", [[[36895065.2]], [[200670]], [[17165.98]],
                                      [[6.7261 / 10000]], [[6.7261 / 100]]]),
    "cv": call("WEIGHTED_CV", [[[1], [2], [3]], [[1], [1], [2]], None]),
    "missing": call("TRADE_INDEX", [[[1, None]], [[1, 1]], None]),
}, sys.stdout)
"""


@pytest.fixture(scope="module")
def lite_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lite") / "yangtze_lite"
    assert main(["lite", str(folder)]) == 0
    return folder


def test_the_command_writes_both_files_and_never_overwrites(lite_folder, capsys):
    assert sorted(p.name for p in lite_folder.iterdir()) == ["main.py", "requirements.txt"]
    import xlwings

    assert (
        lite_folder / "requirements.txt"
    ).read_text() == f"xlwings=={xlwings.__version__}\nnumpy\n"
    before = (lite_folder / "main.py").read_bytes()
    assert main(["lite", str(lite_folder)]) == 1
    assert "already holds main.py and requirements.txt" in capsys.readouterr().err
    assert main(["lite", str(lite_folder), "--force"]) == 0
    assert (lite_folder / "main.py").read_bytes() == before  # the same code, the same file


def test_a_file_or_an_unwritable_folder_is_one_line_not_an_internal_error(
    tmp_path, capsys, monkeypatch
):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    assert main(["lite", str(a_file)]) == 1
    assert capsys.readouterr().err.strip().endswith("is a file, not a folder; nothing was written")
    assert a_file.read_text() == "mine"

    def refused(folder):
        raise PermissionError(13, "Permission denied", str(folder))

    monkeypatch.setattr(lite, "lite_files", refused)  # as a read-only folder answers
    assert main(["lite", str(tmp_path / "locked")]) == 1
    assert "locked: cannot be written (Permission denied)" in capsys.readouterr().err


def test_main_py_runs_on_its_own_as_lite_runs_it(lite_folder):
    code = f"ALLOWED = {ALLOWED!r}\nNOT_IN_PYODIDE = {NOT_IN_PYODIDE!r}\n" + LITE
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        "XLWINGS_ON_SERVER": "true",
        "XLWINGS_LICENSE_KEY": "noncommercial",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=lite_folder, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    # every module of the add-in came from the archive in main.py, none from elsewhere
    assert len(out["from"]) > 10
    assert all(path.startswith(out["archive"]) for path in out["from"]), out["from"]
    import yangtze_udf

    names = sorted(n for n in dir(yangtze_udf) if n.isupper() and callable(getattr(yangtze_udf, n)))
    functions = {f["name"]: f for f in out["meta"]["functions"]}
    assert sorted(functions) == names
    assert functions["GINI_INDEX"]["description"] == yangtze_udf.GINI_INDEX.__doc__
    # Shanghai 2010 and 2005 from docs/functions.md: 24,815.99 × 16,438.28 / 17,165.98 …
    z = out["open_index"][0][0]
    assert z == pytest.approx(36895065.2 * 6.7261e-4 * 200670 * 6.7261e-2 / 17165.98, rel=1e-12)
    assert out["cv"] == [[pytest.approx(0.75**0.5 / 2)]]
    assert out["missing"] == [
        [1.0, {"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}]
    ]


def test_excel_setup_states_what_the_command_writes(lite_folder):
    """docs/excel-setup.md's Lite section gives main.py's size (within 30 %) and the
    requirements.txt lines the command writes."""
    docs = (Path(__file__).resolve().parents[1] / "docs" / "excel-setup.md").read_text("utf-8")
    stated_kb = int(re.search(r"`main\.py` \(about (\d+) KB\)", docs).group(1))
    actual_kb = (lite_folder / "main.py").stat().st_size / 1000
    assert abs(stated_kb - actual_kb) <= 0.3 * actual_kb, (stated_kb, actual_kb)
    lines = (lite_folder / "requirements.txt").read_text().split()
    stated = re.search(r"`requirements\.txt` says\s+`([^`]+)` and `([^`]+)`", docs).groups()
    assert list(stated) == lines
