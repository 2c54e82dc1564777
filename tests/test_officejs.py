"""Every worksheet function through xlwings' own Office.js route, against the classic route.

xlwings Lite (Excel on Windows, Mac and the web) and xlwings Server call ``yangtze_udf``
through ``xlwings.server.custom_functions_call``; ``tests/officejs_route.py`` runs exactly
that in a subprocess with ``XLWINGS_ON_SERVER=true`` (and the noncommercial key of the
PolyForm-licensed xlwings PRO code, for tests only). Each case is written once, cell by
cell, and handed to both routes in their own forms: COM's (tuples of rows, VT_ERROR ints,
DISP_E_PARAMNOTFOUND for a left-out argument; through ``tests/xlwings_com.py``) and
Office.js' (lists of rows whose whole numbers JSON makes ints, error objects, ``null`` for
a left-out argument). The Office.js result must hold the classic route's numbers,
identical, and an Excel error object wherever the classic route shows a marker: the
mapping of docs/functions.md, derived here from the marker independently of the code.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from addin.excel.registration import register
from tests.xlwings_com import COM_MISSING, com_error_value, com_path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Err:
    """An error cell, e.g. ``Err("#N/A")``."""

    text: str


OMIT = object()  # an optional argument left out

#: Office.js ``errorType`` of the errors a custom function can return (and #REF!, an input).
ERROR_TYPES = {
    "#N/A": "NotAvailable",
    "#VALUE!": "Value",
    "#NUM!": "Num",
    "#DIV/0!": "Div0",
    "#NULL!": "Null",
    "#REF!": "Ref",
    "#SPILL!": "Spill",
}
#: docs/functions.md: the Excel error of each classic marker on the Office.js route.
MARKER_ERRORS = {
    "#MISSING": "#N/A",
    "#NEGATIVE": "#VALUE!",
    "#GDP<=0": "#VALUE!",
    "#RATE<=0": "#VALUE!",
    "#TEXT": "#VALUE!",
    "#UNDEFINED": "#NUM!",
    "#OVERFLOW": "#NUM!",
}
RETURNABLE = {"#N/A", "#VALUE!", "#NUM!", "#DIV/0!", "#NULL!"}


def com(arg):
    """An argument as a classic call hands it over."""
    if arg is OMIT:
        return COM_MISSING
    if isinstance(arg, list):
        return tuple(tuple(com(v) for v in row) for row in arg)
    return com_error_value(arg.text) if isinstance(arg, Err) else arg


def office_js(arg):
    """An argument as Office.js sends it: a matrix; a whole number as JSON writes it."""
    if arg is OMIT:
        return None
    if isinstance(arg, list):
        return [[_js_cell(v) for v in row] for row in arg]
    return [[_js_cell(arg)]]


def _js_cell(v):
    if isinstance(v, Err):
        return {"type": "Error", "basicValue": v.text, "errorType": ERROR_TYPES[v.text]}
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)  # JSON.stringify(2.0) is "2"
    return v


BLOCK = [[1.0, 2.0, 4.0, 8.0], [3.0, 5.0, 7.0, 9.0], [2.0, 2.0, 3.0, 5.0]]
TRADE = [[100.0, 200.0, 300.0], [400.0, 500.0, 600.0], [700.0, 800.0, 900.0]]
GDP = [[10.0, 20.0, 30.0], [40.0, 50.0, 60.0], [70.0, 80.0, 90.0]]
FX_ROW = [[2.0, 3.0, 4.0]]
POP = [[1.0], [2.0], [3.0]]
SIGNATURES = {  # required arguments, optional arguments
    "TRADE_INDEX": (2, 1),
    "INVEST_INDEX": (2, 1),
    "OPEN_INDEX": (3, 2),
    "WEIGHTED_CV": (1, 2),
    "THEIL_INDEX": (1, 2),
    "GINI_INDEX": (1, 1),
    "ATKINSON_INDEX": (1, 2),
    "GROWTH_RATE": (1, 1),
    "ANNUAL_CHANGE": (1, 0),
    "FILL_GAPS": (1, 0),
}
KINDS = {  # what the middle cell of a 3 × 3 block holds (test_call_udf's kinds, but dates)
    "text": "abc",
    "#N/A": Err("#N/A"),
    "#DIV/0!": Err("#DIV/0!"),
    "#REF!": Err("#REF!"),
    "#SPILL!": Err("#SPILL!"),
    "boolean": True,
    "blank": None,
    "no-data mark": "—",
    "number as text": "1,234.5",
    "negative": -3.0,
    "marker": "#GDP<=0",
}


def _cases() -> dict[str, tuple[str, list, str | None]]:
    """Case id → (function, arguments, the input error of the case)."""
    rng = np.random.default_rng(7)
    big_trade, big_gdp = rng.uniform(1, 1e4, (60, 50)).tolist(), rng.uniform(1, 1e4, (60, 50))
    cases = {
        "cell": ("TRADE_INDEX", [[[100.0]], [[10.0]], OMIT], None),
        "row": ("TRADE_INDEX", [TRADE[:1], GDP[:1], OMIT], None),
        "column": ("TRADE_INDEX", [[r[:1] for r in TRADE], [r[:1] for r in GDP], OMIT], None),
        "block": ("TRADE_INDEX", [TRADE, GDP, OMIT], None),
        "literals": ("TRADE_INDEX", [300.0, 100.0, OMIT], None),
        "fractions": ("TRADE_INDEX", [[[0.5, 1.5]], 0.25, 6.7261 / 10000], None),
        "invest with a row of factors": ("INVEST_INDEX", [TRADE, GDP, FX_ROW], None),
        "trade with a row of factors": ("TRADE_INDEX", [TRADE, GDP, FX_ROW], None),
        "open": ("OPEN_INDEX", [TRADE, TRADE, GDP, FX_ROW, OMIT], None),
        "cv weighted": ("WEIGHTED_CV", [TRADE, POP, OMIT], None),
        "cv weighted centre": ("WEIGHTED_CV", [TRADE, POP, "weighted"], None),
        "cv hand check": (
            "WEIGHTED_CV",
            [[[1.0], [2.0], [3.0]], [[1.0], [1.0], [2.0]], OMIT],
            None,
        ),
        "theil L": ("THEIL_INDEX", [TRADE, OMIT, "l"], None),
        "gini column": ("GINI_INDEX", [[r[:1] for r in TRADE], POP], None),
        "atkinson epsilon 2": ("ATKINSON_INDEX", [TRADE, POP, 2.0], None),
        "growth row": ("GROWTH_RATE", [TRADE[:1], OMIT], None),
        "growth mean_yoy": ("GROWTH_RATE", [TRADE, "MEAN_YOY"], None),
        "annual change column": ("ANNUAL_CHANGE", [[r[:1] for r in TRADE]], None),
        "fill gaps": ("FILL_GAPS", [[[100.0, None, 300.0]]], None),
        "booleans and zeros among numbers": (
            "TRADE_INDEX",
            [[[2.0, True, 0.0, 1.0], [False, 3.0, 3.0, -1.0]], 1.0, OMIT],
            None,
        ),
        "an undefined CV": ("WEIGHTED_CV", [[[0.0], [0.0]], OMIT, OMIT], None),
        "an overflow": ("TRADE_INDEX", [1e200, 1e-200, OMIT], None),
        "a zero GDP": ("TRADE_INDEX", [1.0, 0.0, OMIT], None),
        "a zero rate": ("TRADE_INDEX", [1.0, 1.0, 0.0], None),
        "Chinese message": ("GROWTH_RATE", [[[1.0, 2.0]], "年均"], None),
        "bad shape": ("TRADE_INDEX", [TRADE, [r[:2] for r in GDP], OMIT], None),
        "bad option": ("WEIGHTED_CV", [TRADE, OMIT, "median"], None),
        "one row of values": ("THEIL_INDEX", [TRADE[:1], OMIT, OMIT], None),
        "one cell series": ("GROWTH_RATE", [[[1.0]], "cgar"], None),
        "ragged": ("FILL_GAPS", [[[1.0], [2.0, 3.0]]], None),
        "large block": ("TRADE_INDEX", [big_trade, big_gdp.tolist(), 0.5], None),
        # #N/A's COM code as a number: an int from Office.js is a number, never an error
        "a number equal to a COM error code": (
            "ANNUAL_CHANGE",
            [[[float(com_error_value("#N/A")), 0.0, float(com_error_value("#REF!"))]]],
            None,
        ),
    }
    for name, (required, optional) in SIGNATURES.items():
        cases[f"{name} options omitted"] = (name, [BLOCK] * required + [OMIT] * optional, None)
        for kind, value in KINDS.items():
            block = [[1.0, 2.0, 4.0], [3.0, value, 9.0], [2.0, 3.0, 5.0]]
            error = value.text if isinstance(value, Err) else None
            cases[f"{name} {kind}"] = (name, [block] * required + [OMIT] * optional, error)
    cases["YANGTZE_VERSION"] = ("YANGTZE_VERSION", [], None)
    cases.update(_labelled_cases())
    return cases


def _labelled_cases() -> dict[str, tuple[str, list, str | None]]:
    """The functions that spill a label beside their values (issue 20), each with its
    optional arguments left out and with one error in an input."""
    rng = np.random.default_rng(0)
    block = rng.lognormal(0, 1, (11, 4))
    block[:, 3] = 2 * np.sqrt(block[:, 0])  # the low ones catch up: β < 0, a half-life
    rows = block.tolist()
    first, last = [r[:1] for r in rows], [r[3:] for r in rows]
    weights = [[3.0]] * 11
    groups = [["D"]] * 4 + [["M"]] * 3 + [["U"]] * 4
    with_error = [r[:] for r in rows]
    with_error[5][1] = Err("#N/A")
    return {
        "SIGMA_CONVERGENCE": ("SIGMA_CONVERGENCE", [[r[:3] for r in rows], OMIT], None),
        "BETA_CONVERGENCE": ("BETA_CONVERGENCE", [first, last, 3.0], None),
        "MORAN_I": ("MORAN_I", [last, *[OMIT] * 4], None),
        "BOOTSTRAP_CI": ("BOOTSTRAP_CI", [rows, *[OMIT] * 5], None),
        "BOOTSTRAP_CI #N/A": ("BOOTSTRAP_CI", [with_error, *[OMIT] * 5], "#N/A"),
        "THEIL_BETWEEN_TEST": ("THEIL_BETWEEN_TEST", [rows, weights, groups, *[OMIT] * 3], None),
    }


#: Functions whose results carry a label (text) in their first column.
LABELLED = {name for name, _, _ in _labelled_cases().values()}


CASES = _cases()


def _classic_results() -> dict[str, object]:
    with com_path() as path:
        return {key: path.call(name, *map(com, args)) for key, (name, args, _) in CASES.items()}


def _run_officejs(calls: list[dict]) -> dict:
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.officejs_route"],
        input=json.dumps({"calls": calls}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def routes():
    """Both routes' results of every case, and the Office.js registration."""
    calls = [
        {"name": name, "args": [office_js(a) for a in args]} for name, args, _ in CASES.values()
    ]
    extra = {
        "runtime 1.3": {"name": "TRADE_INDEX", "args": [[[1]], [[0]], None], "runtime": "1.3"},
        "blank factor as null": {"name": "TRADE_INDEX", "args": [[[3]], [[1]], [[None]]]},
        "blank factor as empty text": {"name": "TRADE_INDEX", "args": [[[3]], [[1]], [[""]]]},
    }
    out = _run_officejs(calls + list(extra.values()))
    officejs = dict(zip([*CASES, *extra], out["results"], strict=True))
    return _classic_results(), officejs, out


def expected_officejs(classic, error: str | None, labelled: bool = False):
    """What the Office.js route must give for the classic route's result ``classic``
    (``labelled``: rows whose first cell is a label, text on both routes)."""
    if labelled and isinstance(classic, list) and len(classic) > 1:
        return [[{"value": row[0]}, *expected_officejs(row[1:], error)] for row in classic]
    if isinstance(classic, list):
        return [expected_officejs(v, error) for v in classic]
    if isinstance(classic, float) or classic.startswith("yangtze-opening "):
        return {"value": classic}  # a number, or YANGTZE_VERSION's text
    if classic == "#ERROR":  # an input's error: passed on where a function can return it
        text = error if error in RETURNABLE else "#VALUE!"
        return {"error": text}
    if classic in MARKER_ERRORS:
        return {"error": MARKER_ERRORS[classic]}
    return {"raised": classic}  # a problem with the whole call, one line


def seen(value):
    """The Office.js result in the form of :func:`expected_officejs`."""
    if isinstance(value, list):
        return [seen(v) for v in value]
    if isinstance(value, dict):
        assert value["type"] == "Error" and ERROR_TYPES[value["basicValue"]] == value["errorType"]
        return {"error": value["basicValue"]}
    return {"value": value}


def _flat_or_rows(value):
    """The classic route flattens a 1×1 result to a scalar and one row to a flat list;
    Office.js always gets rows."""
    if not isinstance(value, list):
        return [[value]]
    return value if value and isinstance(value[0], list) else [value]


@pytest.mark.parametrize("case", CASES)
def test_every_case_gives_the_classic_numbers_and_real_errors(routes, case):
    classic, officejs, _ = routes
    name, _, error = CASES[case]
    want = expected_officejs(_flat_or_rows(classic[case]), error, name in LABELLED)
    got = officejs[case]
    if "raised" in got:
        assert got["raised"][0] == "XlwingsError"
        assert want == [[{"raised": got["raised"][1]}]], case
        assert "\n" not in got["raised"][1]
    else:
        assert seen(got["value"]) == want, case


def test_the_cases_cover_every_function_and_every_error(routes):
    classic, officejs, _ = routes
    functions = set(register().functions)
    assert (
        {name for name, _, _ in CASES.values()}
        == functions
        == {
            *SIGNATURES,
            *LABELLED,
            "YANGTZE_VERSION",
        }
    )
    errors = {
        e["error"]
        for got in officejs.values()
        if "value" in got
        for row in seen(got["value"])
        for e in row
        if "error" in e
    }
    assert errors == {"#N/A", "#VALUE!", "#NUM!", "#DIV/0!"}
    assert sum("raised" in got for got in officejs.values()) == 6


def test_numbers_hand_checked_on_office_js(routes):
    _, officejs, _ = routes
    assert officejs["literals"]["value"] == [[900.0]]
    assert officejs["cv hand check"]["value"] == [[pytest.approx(math.sqrt(0.75) / 2)]]
    assert officejs["fill gaps"]["value"] == [[100.0, 200.0, 300.0]]
    # numbers given as JSON ints (2, 0, 1) are numbers; TRUE and FALSE are not
    row = officejs["booleans and zeros among numbers"]["value"]
    assert row[0][0] == 4.0 and row[0][2:] == [0.0, 1.0] and row[1][1:3] == [9.0, 9.0]
    assert seen(row[0][1]) == seen(row[1][0]) == {"error": "#VALUE!"}


def test_a_large_block_is_identical_to_a_per_cell_loop(routes):
    _, officejs, _ = routes
    trade, gdp, factor = CASES["large block"][1]
    loop = [
        [(factor * t) * (factor * t) / g for t, g in zip(tr, gr, strict=True)]
        for tr, gr in zip(trade, gdp, strict=True)
    ]
    assert officejs["large block"]["value"] == loop  # identical floats


def test_an_old_runtime_gets_the_error_text(routes):
    """Before custom-functions runtime 1.4 there are no error objects: xlwings' own engine
    writes the error's text then, and so does the add-in."""
    _, officejs, _ = routes
    assert officejs["runtime 1.3"]["value"] == [["#VALUE!"]]


def test_a_blank_single_cell_for_an_optional_argument(routes):
    """Office.js sends a blank cell and a left-out argument alike as null, which xlwings
    turns into the argument's default (docs/functions.md says so); a blank sent as "" is
    a blank, #N/A, as on the classic route."""
    _, officejs, _ = routes
    assert officejs["blank factor as null"]["value"] == [[9.0]]
    assert seen(officejs["blank factor as empty text"]["value"]) == [[{"error": "#N/A"}]]


def test_office_js_registers_what_the_classic_route_registers(routes):
    """Names, parameters, optional flags and every description: the Office.js metadata and
    xlwings' classic registration (the VBA module and MacroOptions) say the same."""
    _, _, out = routes
    assert out["on_server"] is True
    classic = register()
    meta = {f["name"]: f for f in out["meta"]["functions"]}
    assert set(meta) == set(classic.functions)
    calls = {c["Macro"].split("!", 1)[1]: c for c in classic.macro_options}
    for name, info in classic.functions.items():
        function = meta[name]
        assert function["id"] == name
        assert function["description"] == calls[name]["Description"]
        params = function["parameters"]
        assert [p["name"] for p in params] == [a["name"] for a in info["args"]]
        assert [p["description"] for p in params] == (calls[name]["ArgumentDescriptions"] or [])
        assert [p.get("optional", False) for p in params] == ["optional" in a for a in info["args"]]
        assert all(p["type"] == "any" and p["dimensionality"] == "matrix" for p in params)
        assert function["result"] == {"dimensionality": "matrix", "type": "any"}
        assert "volatile" not in function["options"]
    # Office.js hands error cells to the functions (they pass them on)
    assert out["meta"]["allowErrorForDataTypeAny"] is True


def test_the_route_decides_how_a_whole_call_problem_is_shown(monkeypatch, tmp_path):
    """Classic: the line is the cell's text. Office.js: the line is raised as XlwingsError,
    which xlwings Lite and Server show as #VALUE! with the line as its message; an
    unexpected failure too."""
    import xlwings

    import yangtze_udf
    from addin.excel import args as excel_args

    line = 'argument method: unknown method "cgar"; use cagr, mean_yoy, loglinear or change'
    assert yangtze_udf.GROWTH_RATE([[1.0, 2.0]], "cgar") == line
    monkeypatch.setattr(excel_args, "office_js", lambda: True)
    with pytest.raises(xlwings.XlwingsError) as raised:
        yangtze_udf.GROWTH_RATE([[1.0, 2.0]], "cgar")
    assert str(raised.value) == line

    def broken(*args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(yangtze_udf, "LOG_FILE", tmp_path / "yangtze_udf.log")
    monkeypatch.setattr(yangtze_udf.indices, "trade_index", broken)
    with pytest.raises(xlwings.XlwingsError, match=r"^internal error \(ZeroDivisionError\)"):
        yangtze_udf.TRADE_INDEX(1.0, 1.0)
    for handler in list(yangtze_udf.logger.handlers):
        handler.close()
        yangtze_udf.logger.removeHandler(handler)
