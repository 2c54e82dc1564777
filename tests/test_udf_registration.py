"""What Excel gets when it imports the worksheet functions, from xlwings' own registration code.

``addin.excel.registration.register()`` runs ``xlwings.udfs.import_udfs`` (decorators,
``generate_vba_wrapper`` and the ``Application.MacroOptions`` calls) against a
recording stand-in workbook; these tests check what it recorded and that the module
the template ships, ``addin/workbook/template/vba/xlwings_udfs.bas``, is exactly that text.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import xlwings

import yangtze_udf
from addin.excel.registration import BAS_PATH, crlf, register

SIGNATURES = {
    "TRADE_INDEX": ["trade", "gdp", "Optional to_gdp_unit"],
    "INVEST_INDEX": ["fie", "gdp", "Optional to_gdp_unit"],
    "OPEN_INDEX": ["trade", "fie", "gdp", "Optional trade_to_gdp_unit", "Optional fie_to_gdp_unit"],
    "WEIGHTED_CV": ["values", "Optional weights", "Optional centre"],
    "THEIL_INDEX": ["values", "Optional weights", "Optional kind"],
    "GINI_INDEX": ["values", "Optional weights"],
    "ATKINSON_INDEX": ["values", "Optional weights", "Optional epsilon"],
    "GROWTH_RATE": ["series", "Optional method"],
    "ANNUAL_CHANGE": ["series"],
    "FILL_GAPS": ["series"],
    "YANGTZE_VERSION": [],
    "SIGMA_CONVERGENCE": ["values", "Optional years"],
    "BETA_CONVERGENCE": ["first", "last", "years"],
    "MORAN_I": [
        "values",
        "Optional weights",
        "Optional regions",
        "Optional permutations",
        "Optional seed",
    ],
    "BOOTSTRAP_CI": [
        "values",
        "Optional weights",
        "Optional measure",
        "Optional reps",
        "Optional seed",
        "Optional level",
    ],
    "THEIL_BETWEEN_TEST": [
        "values",
        "weights",
        "groups",
        "Optional kind",
        "Optional permutations",
        "Optional seed",
    ],
}
DEFAULTS = {
    "TRADE_INDEX": {"to_gdp_unit": None},
    "INVEST_INDEX": {"to_gdp_unit": None},
    "OPEN_INDEX": {"trade_to_gdp_unit": None, "fie_to_gdp_unit": None},
    "WEIGHTED_CV": {"weights": None, "centre": "mean"},
    "THEIL_INDEX": {"weights": None, "kind": "T"},
    "GINI_INDEX": {"weights": None},
    "ATKINSON_INDEX": {"weights": None, "epsilon": None},
    "GROWTH_RATE": {"method": "cagr"},
    "SIGMA_CONVERGENCE": {"years": None},
    "MORAN_I": {"weights": None, "regions": None, "permutations": None, "seed": None},
    "BOOTSTRAP_CI": {
        "weights": None,
        "measure": "cv",
        "reps": None,
        "seed": None,
        "level": None,
    },
    "THEIL_BETWEEN_TEST": {"kind": "T", "permutations": None, "seed": None},
}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def registration():
    return register()


def test_the_shipped_module_is_what_xlwings_generates(registration):
    shipped = BAS_PATH.read_bytes().decode("ascii")
    assert crlf(shipped) == registration.bas, "run: python -m addin.excel.registration"


def test_regeneration_command_agrees():
    done = subprocess.run(
        [sys.executable, "-m", "addin.excel.registration", "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_vba_module_header_and_wrappers(registration):
    text = registration.bas.replace("\r\n", "\n")
    assert text.startswith('Attribute VB_Name = "xlwings_udfs"\n')
    declared = {
        m[1]: [a for a in m[2].split(", ") if a]
        for m in re.finditer(r"^Function (\w+)\((.*)\)$", text, re.M)
    }
    assert declared == SIGNATURES
    for name, args in SIGNATURES.items():
        plain = ", ".join(a.removeprefix("Optional ") for a in args)
        assert (
            f'{name} = XLPy.CallUDF("yangtze_udf", "{name}", Array({plain}), '
            "ThisWorkbook, Application.Caller)" in registration.bas
        )
    assert "Application.Volatile" not in registration.bas  # no volatile functions
    wizard_guard = (
        'If (Not Application.CommandBars("Standard").Controls(1).Enabled) Then Exit Function'
    )
    assert text.count(wizard_guard) == len(SIGNATURES) - 1  # all but YANGTZE_VERSION
    assert registration.bas.isascii()  # VBA modules are stored in the project's code page


def test_function_metadata(registration):
    assert set(registration.functions) == set(SIGNATURES)
    for name, info in registration.functions.items():
        assert info["category"] == yangtze_udf.CATEGORY == "Yangtze Opening-up 长江开放"
        assert info["volatile"] is False and info["sub"] is False and info["async_mode"] is None
        # the fast converter, no legacy "expand": native spilling
        assert info["ret"]["options"] == {"convert": "yangtze"}
        # the Function Arguments dialog does not run it (it can take a million cells)
        assert info["call_in_wizard"] is (name == "YANGTZE_VERSION")
        assert {a["name"]: a["optional"] for a in info["args"] if "optional" in a} == DEFAULTS.get(
            name, {}
        )
        for arg in info["args"]:
            # raw COM values through the add-in's converter; no type annotations
            assert arg["options"] == {"convert": "yangtze"}, (name, arg["name"])
            assert arg["vba"] is None and not arg["vararg"]


def test_macro_options_as_excel_registers_them(registration):
    calls = {c["Macro"]: c for c in registration.macro_options}
    assert set(calls) == {f"'yangtze_template.xlsm'!{name}" for name in SIGNATURES}
    for name, info in registration.functions.items():
        call = calls[f"'yangtze_template.xlsm'!{name}"]
        assert call["Category"] == yangtze_udf.CATEGORY
        description = getattr(yangtze_udf, name).__doc__
        assert call["Description"] == description  # not cut by xlwings' [:255]
        assert len(description) <= 255 and "\n" not in description
        docs = call["ArgumentDescriptions"] or []
        assert docs == [a["doc"] for a in info["args"]]
        assert len(docs) == len(info["args"])
        for text in [description, *docs]:
            assert len(text) <= 255 and not text.startswith("Positional argument")
            assert CJK.search(text) and re.search(r"[A-Za-z]{4}", text), text  # English and Chinese
        signature = f"{name}({','.join(a['name'] for a in info['args'])})"
        assert len(signature) <= 254


def test_registration_leaves_no_trace():
    had_pywin32 = "pythoncom" in sys.modules
    register()
    assert ("pythoncom" in sys.modules) == had_pywin32  # the stand-ins are gone again
    assert "xlwings.udfs" not in sys.modules
    assert not hasattr(yangtze_udf.TRADE_INDEX, "__xlfunc__")  # the imported module is untouched
    assert xlwings.func(yangtze_udf.TRADE_INDEX) is yangtze_udf.TRADE_INDEX


def test_the_add_in_never_imports_the_registration_machinery():
    code = (
        "import sys, yangtze_udf, addin, addin.excel.args\n"
        "bad = [m for m in ('addin.excel.registration', 'pythoncom', 'xlwings.udfs') if m in "
        "sys.modules]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
