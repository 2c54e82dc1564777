"""Measure regional opening-up the way the Yangtze River Economic Belt study does.

Layers, data flowing one way: yearbook cells → :mod:`addin.panel.tidy` (tidy, units
converted, gaps filled) → kernels (:mod:`addin.core.indices`, :mod:`addin.core.disparity`,
:mod:`addin.core.growth`, :mod:`addin.core.gaps`) → :mod:`addin.panel.tables` → the workbook
(:mod:`addin.workbook`).
"""

from .core.disparity import TheilResult, atkinson, gini, theil, weighted_cv
from .core.gaps import fill_interior
from .core.growth import (
    GrowthSplit,
    StageGrowth,
    annual_change,
    cagr,
    growth_rate,
    growth_split,
    loglinear,
    mean_yoy,
    stage_growth,
    yoy_rates,
)
from .core.indices import IndexResult, composite_index, invest_index, open_index, trade_index
from .core.problems import Problem, Result
from .core.units import MoneyUnit, conversion_factor, parse_money_unit
from .errors import FileRejected, InputError, UnitError, YangtzeError
from .panel.options import Options

#: Names served on first use (PEP 562): the panel's tables need pandas and the workbook its
#: readers, which the worksheet functions never use; ``import addin`` (and so
#: ``yangtze_udf`` in xlwings Lite's Pyodide) loads only numpy.
_LAZY = {
    "Tables": "panel.tables",
    "compute_all": "panel.tables",
    "Panel": "panel.tidy",
    "QualityKind": "panel.quality",
    "QualityRecord": "panel.quality",
    "SeriesData": "panel.tidy",
    "build_panel": "panel.tidy",
    "regenerate_file": "workbook.regenerate",
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


__version__ = "0.1.0"

__all__ = [
    "FileRejected",
    "GrowthSplit",
    "IndexResult",
    "InputError",
    "MoneyUnit",
    "Options",
    "Panel",
    "Problem",
    "QualityKind",
    "QualityRecord",
    "Result",
    "SeriesData",
    "StageGrowth",
    "Tables",
    "TheilResult",
    "UnitError",
    "YangtzeError",
    "annual_change",
    "atkinson",
    "build_panel",
    "cagr",
    "composite_index",
    "compute_all",
    "conversion_factor",
    "fill_interior",
    "gini",
    "growth_rate",
    "growth_split",
    "invest_index",
    "loglinear",
    "mean_yoy",
    "open_index",
    "parse_money_unit",
    "regenerate_file",
    "stage_growth",
    "theil",
    "trade_index",
    "weighted_cv",
    "yoy_rates",
    "__version__",
]
