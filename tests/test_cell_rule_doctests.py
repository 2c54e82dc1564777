"""The examples in the docstrings of the cell rule and the panel run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["addin.core.cells", "addin.panel.tidy"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
