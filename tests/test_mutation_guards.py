"""The smallest tests that catch the deliberate bugs a mutation audit of the suite let through
(issue 18, item 8). Each test names the bug it guards against; each was seen to fail with
that bug put in by hand."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest

import yangtze_udf as udf
from addin.core import cells, disparity
from addin.errors import InputError
from addin.panel import plausibility
from addin.panel.options import Options
from addin.workbook.template.build import build_workbook

ROOT = Path(__file__).resolve().parents[1]


def test_atkinson_blank_epsilon_cell_means_the_default():
    """Bug: a blank ε cell read as NaN (result empty or an error) instead of ε = 0.5."""
    # μ = 2.5, ε = 0.5: 1 − ((√(1/2.5) + √(4/2.5))/2)² = 1 − 0.9 = 0.1
    assert udf.ATKINSON_INDEX([[1.0], [4.0]], None, [[None]]) == pytest.approx(0.1)


def test_weighted_cv_without_a_centre_uses_the_simple_mean():
    """Bug: the centre left out (argument missing, blank cell, or the kernel's default)
    meaning the population-weighted mean instead of the simple mean."""
    values, weights = [1.0, 2.0, 3.0], [1.0, 1.0, 2.0]
    simple = math.sqrt(0.75) / 2  # u = 2: √(.25·1 + .25·0 + .5·1) / 2 = 0.43301
    assert disparity.weighted_cv(values, weights).values == pytest.approx(simple)
    column, weight_column = [[v] for v in values], [[w] for w in weights]
    for left_out in (None, [[None]], ""):
        assert udf.WEIGHTED_CV(column, weight_column, left_out) == pytest.approx(simple)


def test_a_worksheet_function_error_is_one_line():
    """Bug: a YangtzeError message reaching the cell with its line breaks."""

    @udf.one_line_errors
    def fails():
        raise InputError("first line\n  second line\r\nthird", "argument x")

    assert fails() == "argument x: first line second line third"


def test_plausibility_bands_leave_their_edges_inside(monkeypatch):
    """Bug: the bands made inclusive, so a rate exactly at 1 or 20 CNY per USD is warned
    about. Only the rates strictly outside the default band 1–20 are."""
    found = []
    monkeypatch.setattr(
        plausibility,
        "_warning",
        lambda panel, key, pairs, what, hint: found.append(pairs) or "warning",
    )
    years = [2001, 2002, 2003, 2004]
    rates = pd.DataFrame([[1.0, 20.0, 0.99, 20.01]], columns=years)
    panel = SimpleNamespace(
        options=Options(), years=years, wide=lambda key: rates, unit_cells={}, units_entered={}
    )
    assert plausibility.fx_warnings(panel) == ["warning"]
    assert found == [[("CNY/USD", 2003), ("CNY/USD", 2004)]]


@pytest.mark.parametrize("mark", ["NA", "na", "Na", "ｎａ"])
def test_no_data_marks_are_matched_in_any_case(mark):
    """Bug: placeholders matched case-sensitively, so ``na`` became a text error."""
    value, kind = cells.classify_cell(mark)
    assert math.isnan(value) and kind == cells.PLACEHOLDER


def _documented_outlier_ratio() -> float:
    """The default of ``outlier_ratio`` in docs/method.md's table of plausibility checks."""
    text = (ROOT / "docs" / "method.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if "| `outlier_ratio` |" in line)
    return float(re.search(r"\| `outlier_ratio` \| × ([0-9.]+) \|", row).group(1))


def test_the_off_median_default_is_the_documented_factor():
    """Bug: the off-median ratio default changed from ×30 (what the docs say) to ×90, in the
    code or in the template's Settings sheet."""
    documented = _documented_outlier_ratio()
    assert documented == 30
    assert Options().outlier_ratio == documented
    built = io.BytesIO()
    build_workbook(built)  # the committed template is this build (test_workbook_build)
    book = openpyxl.load_workbook(built, read_only=True)
    try:
        settings = {row[0]: row[2] for row in book["Settings"].iter_rows(values_only=True)}
    finally:
        book.close()
    assert float(settings["outlier_ratio"]) == documented
