"""The examples in the docstrings of the file engine's modules run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "addin.workbook.calc",
    "addin.workbook.charts",
    "addin.workbook.package",
    "addin.workbook.saving",
    "addin.workbook.sheet_reader",
    "addin.workbook.sheet_scan",
    "addin.workbook.sheet_values",
    "addin.workbook.sheet_writer",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
