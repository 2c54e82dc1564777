"""The modules below carry runnable examples, and pytest runs every example of the package.

pytest's own doctest collector runs them (``--doctest-modules`` over ``addin`` in
pyproject.toml); this file checks that the configuration says so and that the kernels,
the cell rule, the panel and the file engine's modules keep examples to run.
"""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "addin.core.cells",
    "addin.core.disparity",
    "addin.core.gaps",
    "addin.core.growth",
    "addin.core.indices",
    "addin.core.problems",
    "addin.panel.fx",
    "addin.panel.tidy",
    "addin.workbook.parts.calc",
    "addin.workbook.parts.charts",
    "addin.workbook.parts.package",
    "addin.workbook.parts.saving",
    "addin.workbook.parts.sheet_reader",
    "addin.workbook.parts.sheet_scan",
    "addin.workbook.parts.sheet_values",
    "addin.workbook.parts.sheet_writer",
]


def test_pytest_collects_the_package_doctests(pytestconfig):
    assert "--doctest-modules" in pytestconfig.getini("addopts")
    assert "addin" in pytestconfig.getini("testpaths")


@pytest.mark.parametrize("name", MODULES)
def test_module_has_examples(name):
    found = doctest.DocTestFinder().find(importlib.import_module(name))
    assert sum(len(t.examples) for t in found) > 0, f"{name} has no Examples to run"
