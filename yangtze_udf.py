"""Worksheet functions of the Yangtze opening-up add-in (classic xlwings UDFs, Windows).

Each function is a thin wrapper: :mod:`addin.excel.args` turns what xlwings hands over
into arrays and problem codes, an engine kernel computes, and :mod:`addin.excel.args`
turns the result back into a value or a spilling array with markers such as
``#MISSING``. No arithmetic happens here. Reference: ``docs/functions.md``.

Every range argument is declared ``ndim=2`` (always a list of rows, so a row and a column
stay apart) and ``err_to_str=True`` (error cells arrive as ``"#N/A"`` etc. instead of
``None``, which would pass for a blank). UDF parameters carry no type annotations:
xlwings would take them as converters. The docstring of each function is its
description in Excel's Insert Function dialog (at most 255 characters, one line);
``addin/workbook/vba/xlwings_udfs.bas`` is generated from this module by
``python -m addin.excel.registration``.
"""

from __future__ import annotations

import xlwings as xw

import addin
from addin.core import disparity, growth, indices
from addin.core.gaps import fill_interior
from addin.errors import InputError
from addin.excel import args as excel_args
from addin.panel import measures

CATEGORY = "Yangtze Opening-up 长江开放"


def _help(function: measures.WorksheetFunction):
    """Give a worksheet function its Insert Function description from the registry (the
    innermost decorator, so xlwings' decorators find the docstring set)."""

    def decorate(f):
        f.__doc__ = function.help
        return f

    return decorate


def _range(name: str, doc: str):
    """Declare a cell-or-range argument: always a list of rows, error cells as text."""
    return xw.arg(name, ndim=2, err_to_str=True, doc=doc)


def _choice(name: str, doc: str):
    """Declare an option argument (one cell or a literal text)."""
    return xw.arg(name, err_to_str=True, doc=doc)


def _rate_doc(what: str, unit: str, divisor: str) -> str:
    return (
        f"Optional factor converting {what} into GDP's unit (amount×rate). {unit} vs 亿元 at "
        f"6.7261 CNY/USD: 6.7261/{divisor}. A row of rates applies to every province. Omit if "
        "same unit. 换算系数：金额×系数=GDP单位，可用一行汇率。"
    )


_SHAPE_NOTE = "Same shape, one row, one column or one cell. 同形状、单行、单列或单格。"
_VALUES_DOC = (
    "Index values, regions in rows: a column (one period) or a regions × periods block, "
    "e.g. C5:AF15. Blank cells are left out. 指数值：各地区为行，一列或地区×年份区域；空白单元格不计。"
)
_WEIGHTS_DOC = (
    "Optional population per region: same shape as values, or one column used for every "
    "period. Omitted: unweighted. 可选：各地区人口，与数值同形状或一列（各年通用）；省略则不加权。"
)
_SERIES_DOC = (
    "A series one year apart: a row (years across, e.g. C5:AF5) or a column; a block gives "
    "one result per row. 逐年序列：一行或一列；多行区域每行一个结果。"
)


@xw.func(category=CATEGORY)
@_range(
    "trade",
    "Imports and exports 进出口总额, a cell or range (e.g. Trade!C5:AF15), in its own unit. 单元格或区域，原单位。",
)
@_range(
    "gdp",
    "Regional GDP 地区生产总值 (e.g. GDP!C5:AF15); the index comes out in GDP's unit. "
    + _SHAPE_NOTE,
)
@_range("rate", _rate_doc("trade", "万美元", "10000"))
@_help(measures.TRADE_INDEX)
def TRADE_INDEX(trade, gdp, rate=None):
    args = excel_args.elementwise(
        excel_args.read(trade, "trade"),
        excel_args.read(gdp, "gdp"),
        excel_args.read_optional(rate, "rate", 1.0),
    )
    result = indices.trade_index(args["trade"], args["gdp"], args["rate"])
    return args.result(result.values, result.problems)


@xw.func(category=CATEGORY)
@_range(
    "fie",
    "Total investment of foreign-invested enterprises 外商投资企业投资总额, a cell or range (e.g. FIE!C5:AF15), in its own unit.",
)
@_range(
    "gdp",
    "Regional GDP 地区生产总值 (e.g. GDP!C5:AF15); the index comes out in GDP's unit. "
    + _SHAPE_NOTE,
)
@_range("rate", _rate_doc("FIE", "百万美元", "100"))
@_help(measures.INVEST_INDEX)
def INVEST_INDEX(fie, gdp, rate=None):
    args = excel_args.elementwise(
        excel_args.read(fie, "fie"),
        excel_args.read(gdp, "gdp"),
        excel_args.read_optional(rate, "rate", 1.0),
    )
    result = indices.invest_index(args["fie"], args["gdp"], args["rate"])
    return args.result(result.values, result.problems)


@xw.func(category=CATEGORY)
@_range(
    "trade",
    "Imports and exports 进出口总额, a cell or range (e.g. Trade!C5:AF15), in its own unit. 单元格或区域，原单位。",
)
@_range(
    "fie",
    "Total investment of foreign-invested enterprises 外商投资企业投资总额 (e.g. FIE!C5:AF15), in its own unit. "
    + _SHAPE_NOTE,
)
@_range(
    "gdp",
    "Regional GDP 地区生产总值 (e.g. GDP!C5:AF15); the index comes out in GDP's unit. "
    + _SHAPE_NOTE,
)
@_range("trade_rate", _rate_doc("trade", "万美元", "10000"))
@_range("fie_rate", _rate_doc("FIE", "百万美元", "100"))
@_help(measures.OPEN_INDEX)
def OPEN_INDEX(trade, fie, gdp, trade_rate=None, fie_rate=None):
    args = excel_args.elementwise(
        excel_args.read(trade, "trade"),
        excel_args.read(fie, "fie"),
        excel_args.read(gdp, "gdp"),
        excel_args.read_optional(trade_rate, "trade_rate", 1.0),
        excel_args.read_optional(fie_rate, "fie_rate", 1.0),
    )
    result = indices.open_index(
        args["trade"], args["fie"], args["gdp"], args["trade_rate"], args["fie_rate"]
    )
    return args.result(result.values, result.problems)


@xw.func(category=CATEGORY)
@_range("values", _VALUES_DOC)
@_range("weights", _WEIGHTS_DOC)
@_choice(
    "centre",
    'Optional u: "mean" (simple mean of the regions, the paper\'s wording; default) or "weighted" (population-weighted mean, Williamson). 中心：mean 简单平均（默认）或 weighted 人口加权平均。',
)
@_help(measures.WEIGHTED_CV)
def WEIGHTED_CV(values, weights=None, centre="mean"):
    centre = excel_args.option(centre, "centre", disparity.CENTRES, "mean")
    periods = excel_args.periods(excel_args.read(values, "values"), _optional(weights, "weights"))
    return periods.result(disparity.weighted_cv(periods.values, periods.weights, centre))


@xw.func(category=CATEGORY)
@_range("values", _VALUES_DOC)
@_range("weights", _WEIGHTS_DOC)
@_choice(
    "kind",
    'Optional: "T" (Theil T, default) or "L" (Theil L, mean log deviation; zero values not allowed). 类型：T（默认）或 L（平均对数偏差）。',
)
@_help(measures.THEIL_INDEX)
def THEIL_INDEX(values, weights=None, kind="T"):
    kind = excel_args.option(kind, "kind", disparity.THEIL_KINDS, "T", case="upper")
    periods = excel_args.periods(excel_args.read(values, "values"), _optional(weights, "weights"))
    return periods.result(disparity.theil(periods.values, periods.weights, kind=kind))


@xw.func(category=CATEGORY)
@_range("values", _VALUES_DOC)
@_range("weights", _WEIGHTS_DOC)
@_help(measures.GINI_INDEX)
def GINI_INDEX(values, weights=None):
    periods = excel_args.periods(excel_args.read(values, "values"), _optional(weights, "weights"))
    return periods.result(disparity.gini(periods.values, periods.weights))


@xw.func(category=CATEGORY)
@_range("values", _VALUES_DOC)
@_range("weights", _WEIGHTS_DOC)
@_range(
    "epsilon",
    "Optional inequality aversion ε ≥ 0 (default 0.5; 1: geometric mean; larger values weigh "
    "the low regions more), one number. 不平等厌恶参数 ε≥0，默认 0.5。",
)
@_help(measures.ATKINSON_INDEX)
def ATKINSON_INDEX(values, weights=None, epsilon=None):
    epsilon = _number(epsilon, "epsilon", 0.5)
    periods = excel_args.periods(excel_args.read(values, "values"), _optional(weights, "weights"))
    return periods.result(disparity.atkinson(periods.values, periods.weights, epsilon))


@xw.func(category=CATEGORY)
@_range("series", _SERIES_DOC)
@_choice(
    "method",
    'Optional: "cagr" (compound, default), "mean_yoy" (mean of year-on-year rates), "loglinear" (trend of ln x) or "change" (per year, x\'s unit). 方法：cagr 复合（默认）、mean_yoy、loglinear、change。',
)
def GROWTH_RATE(series, method="cagr"):
    """Average annual growth of a series one year apart (fraction per year, 0.1168 = 11.68 %): compound (CAGR), mean year-on-year, log-linear trend or change. 年均增长率（小数）：复合、同比均值、对数线性趋势或年均变化。"""
    method = excel_args.option(method, "method", growth.METHODS, "cagr")
    s = excel_args.series(excel_args.read(series, "series"))
    return s.result(growth.growth_rate(s.values, s.years, method))


@xw.func(category=CATEGORY)
@_range("series", _SERIES_DOC)
@_help(measures.ANNUAL_CHANGE)
def ANNUAL_CHANGE(series):
    s = excel_args.series(excel_args.read(series, "series"))
    return s.result(growth.growth_rate(s.values, s.years, "change"))


@xw.func(category=CATEGORY)
@_range(
    "series",
    "A row (years across), a column, or a block (one series per row) one year apart. Blanks and #MISSING between two numbers are filled. 逐年序列：一行、一列或多行区域。",
)
def FILL_GAPS(series):
    """Fill interior gaps linearly between the numbers before and after them, never beyond the ends; spills the same shape. 线性插补内部缺失值（不外推），结果与输入同形状。"""
    gaps = excel_args.gaps(excel_args.read(series, "series"))
    filled, _ = fill_interior(gaps.values, gaps.years)
    return gaps.result(filled)


@xw.func(category=CATEGORY)
def YANGTZE_VERSION():
    """Versions of the Yangtze opening-up add-in and of xlwings serving it. 插件及 xlwings 版本。"""
    return f"yangtze-opening {addin.__version__} (xlwings {xw.__version__})"


def _optional(x, name: str):
    return None if x is None else excel_args.read(x, name)


def _number(x, name: str, default: float) -> float:
    """One number from a cell or a literal; a left-out argument or a blank cell: ``default``."""
    cells = excel_args.read_optional(x, name, default)
    if cells.shape != (1, 1) or cells.problems[0, 0]:
        raise InputError(f"give one number in one cell for {name}", f"argument {name}")
    value = float(cells.values[0, 0])
    return default if value != value else value


def regenerate_tables():
    """RunPython target of the template's Regenerate button: rebuild the output sheets of the calling workbook."""
    from addin.workbook.excel_engine import regenerate_caller

    regenerate_caller()
