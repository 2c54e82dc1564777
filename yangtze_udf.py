"""Worksheet functions of the Yangtze opening-up add-in, on both of xlwings' routes.

One module serves both: the **classic** route (Windows desktop Excel: xlwings' COM server
and the ``xlwings_udfs`` VBA module) and the **Office.js** route (xlwings Lite in Excel on
Windows, Mac and the web, and xlwings Server), which import this same module and register
the same functions with the same help; xlwings picks the route's decorators when it is
imported (``XLWINGS_ON_SERVER=true`` on Office.js). A new function is one more decorated
definition below; both routes pick it up.

Each function is a thin wrapper: :mod:`addin.excel.args` turns what xlwings hands over
into arrays and problem codes, an engine kernel computes, and :mod:`addin.excel.args`
turns the result back into a value or a spilling array; a problem in an element is a
marker such as ``#MISSING`` on the classic route and a real Excel error (``#N/A``,
``#VALUE!``, ``#NUM!``, or the input's own error) on Office.js. No arithmetic happens
here. Reference: ``docs/functions.md``. The function path imports the standard library,
numpy and xlwings only (it runs in Pyodide: ``tests/test_pyodide_imports.py``).

Every argument and every result uses the converter ``convert="yangtze"``
(:mod:`addin.excel.accessor`): ranges are read once as raw COM values (a whole column or
row only up to the used range) and results go back as rows without xlwings' per-cell
cleaning (on Office.js the values come as Office.js hands them over and pass through the
same converter). Every function is wrapped by :func:`one_line_errors`: a problem with the
whole call is one line naming the argument, returned as the cell's text on the classic
route (an exception would reach the cell as a traceback) and raised on Office.js, where
xlwings shows it as ``#VALUE!`` carrying the line. Functions that can take large ranges
are not run by
Excel's Function Arguments dialog (``call_in_wizard=False``). UDF parameters carry no
type annotations: xlwings would take them as converters. The docstring of each function
is its description in Excel's Insert Function dialog (at most 255 characters, one line);
``addin/workbook/template/vba/xlwings_udfs.bas`` is generated from this module by
``python -m addin.excel.registration``.
"""

from __future__ import annotations

import functools
import logging
import tempfile
from pathlib import Path

import numpy as np
import xlwings as xw

import addin
from addin.core import convergence, disparity, growth, indices, inference, spatial
from addin.core.cells import is_count
from addin.core.gaps import fill_interior
from addin.errors import InputError, YangtzeError
from addin.excel import accessor
from addin.excel import args as excel_args
from addin.panel import contiguity, measures
from addin.panel.provinces import PROVINCES, YANGTZE_PROVINCES

CATEGORY = "Yangtze Opening-up 长江开放"
logger = logging.getLogger(__name__)


def one_line_errors(function):
    """Report a problem with the whole call as one line (:func:`call_problem`).

    A :class:`~addin.errors.YangtzeError` gives its message (``"argument gdp: is 11×29
    but ..."``); any other exception gives ``"internal error (TypeError): ...; traceback
    in ...yangtze_udf.log"`` and its traceback goes to the ``yangtze_udf`` logger, which
    writes :data:`LOG_FILE`.
    """

    @functools.wraps(function)
    def call(*args):
        try:
            return function(*args)
        except YangtzeError as error:
            line = " ".join(str(error).split())
        except Exception as error:  # noqa: BLE001 (the cell must get one line)
            _log_traceback(function.__name__)
            detail = " ".join(str(error).split())[:200]
            line = f"internal error ({type(error).__name__}): {detail}; traceback in {LOG_FILE}"
        return call_problem(line)

    return call


def call_problem(line: str) -> str:
    """A problem with the whole call, one line, as the route shows it.

    Classic: the line is returned, the cell's text (a returned string reaches the cell as
    Unicode, so Chinese survives; an exception's text would pass through the xlwings DLL
    and the ANSI code page, traceback and all). Office.js: raised as
    :class:`xlwings.XlwingsError`; xlwings Lite and xlwings Server show it as ``#VALUE!``
    whose error flag carries the line (Server answers it with HTTP 400, not retried).
    """
    if excel_args.office_js():
        raise xw.XlwingsError(line)
    return line


#: Where the tracebacks of unexpected failures go (Excel's Python has no console).
LOG_FILE = Path(tempfile.gettempdir()) / "yangtze_udf.log"


def _log_traceback(name: str) -> None:
    """Log the exception being handled, with its traceback, to :data:`LOG_FILE` too."""
    if not any(getattr(h, "baseFilename", None) == str(LOG_FILE) for h in logger.handlers):
        handler = logging.FileHandler(LOG_FILE, encoding="utf-8", delay=True)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        logger.addHandler(handler)
    logger.exception("%s failed", name)


def _function():
    """Declare a worksheet function: its category, the fast converter for the result, and
    no calls from the Function Arguments dialog (it would recompute on every keystroke)."""

    def declare(function):
        wrapped = xw.ret(accessor.NAME)(one_line_errors(function))
        return xw.func(category=CATEGORY, call_in_wizard=False)(wrapped)

    return declare


def _help(function: measures.WorksheetFunction):
    """Give a worksheet function its Insert Function description from the registry (the
    innermost decorator, so xlwings' decorators find the docstring set)."""

    def decorate(f):
        f.__doc__ = function.help
        return f

    return decorate


def _range(name: str, doc: str):
    """Declare a cell-or-range argument, read raw by the fast converter."""
    return xw.arg(name, accessor.NAME, doc=doc)


_choice = _range  # an option: one cell or a literal text


def _to_gdp_unit_doc(what: str, unit: str, divisor: str) -> str:
    return (
        f"Optional multiplier from {what}'s unit to GDP's: {what}×it is in GDP's unit. "
        f"{unit}→亿元 at 6.7261 CNY/USD: 6.7261/{divisor}, not 6.7261. A row applies to "
        "every province. Omit if same unit. 换算为GDP单位的系数（非汇率本身）。"
    )


_SHAPE_NOTE = "Same shape, one row, one column or one cell. 同形状、单行、单列或单格。"
_TRADE_DOC = (
    "Imports and exports 进出口总额, a cell or range (e.g. Trade!C5:AF15), in its own unit "
    "(e.g. 万美元). 单元格或区域，原单位。"
)
_FIE_DOC = (
    "Total investment of foreign-invested enterprises 外商投资企业投资总额, a cell or range "
    "(e.g. FIE!C5:AF15), in its own unit (e.g. 百万美元)."
)
_GDP_DOC = (
    "Regional GDP 地区生产总值 (e.g. GDP!C5:AF15, 亿元); the index comes out in GDP's unit. "
    + _SHAPE_NOTE
)
_VALUES_DOC = (
    "Index values, regions in rows: a column (one period) or a regions × periods block, "
    "e.g. C5:AF15. Blank cells are left out. "
    "指数值：各地区为行，一列或地区×年份区域；空白单元格不计。"
)
_WEIGHTS_DOC = (
    "Optional population per region (e.g. 万人): same shape as values, or one column for "
    "every period. Omitted: unweighted. "
    "可选：各地区人口，与数值同形状或一列（各年通用）；省略则不加权。"
)
_SERIES_DOC = (
    "A series one year apart: a row (years across, e.g. C5:AF5) or a column; a block gives "
    "one result per row. 逐年序列：一行或一列；多行区域每行一个结果。"
)


@_function()
@_range("trade", _TRADE_DOC)
@_range("gdp", _GDP_DOC)
@_range("to_gdp_unit", _to_gdp_unit_doc("trade", "万美元", "10000"))
@_help(measures.TRADE_INDEX)
def TRADE_INDEX(trade, gdp, to_gdp_unit=None):
    args = excel_args.elementwise(
        excel_args.read(trade, "trade"),
        excel_args.read(gdp, "gdp"),
        excel_args.read_optional(to_gdp_unit, "to_gdp_unit", 1.0),
    )
    result = indices.trade_index(args["trade"], args["gdp"], args["to_gdp_unit"])
    return args.result(result.values, result.problems)


@_function()
@_range("fie", _FIE_DOC)
@_range("gdp", _GDP_DOC)
@_range("to_gdp_unit", _to_gdp_unit_doc("FIE", "百万美元", "100"))
@_help(measures.INVEST_INDEX)
def INVEST_INDEX(fie, gdp, to_gdp_unit=None):
    args = excel_args.elementwise(
        excel_args.read(fie, "fie"),
        excel_args.read(gdp, "gdp"),
        excel_args.read_optional(to_gdp_unit, "to_gdp_unit", 1.0),
    )
    result = indices.invest_index(args["fie"], args["gdp"], args["to_gdp_unit"])
    return args.result(result.values, result.problems)


@_function()
@_range("trade", _TRADE_DOC)
@_range("fie", _FIE_DOC + " " + _SHAPE_NOTE)
@_range("gdp", _GDP_DOC)
@_range("trade_to_gdp_unit", _to_gdp_unit_doc("trade", "万美元", "10000"))
@_range("fie_to_gdp_unit", _to_gdp_unit_doc("FIE", "百万美元", "100"))
@_help(measures.OPEN_INDEX)
def OPEN_INDEX(trade, fie, gdp, trade_to_gdp_unit=None, fie_to_gdp_unit=None):
    args = excel_args.elementwise(
        excel_args.read(trade, "trade"),
        excel_args.read(fie, "fie"),
        excel_args.read(gdp, "gdp"),
        excel_args.read_optional(trade_to_gdp_unit, "trade_to_gdp_unit", 1.0),
        excel_args.read_optional(fie_to_gdp_unit, "fie_to_gdp_unit", 1.0),
    )
    result = indices.open_index(
        args["trade"],
        args["fie"],
        args["gdp"],
        args["trade_to_gdp_unit"],
        args["fie_to_gdp_unit"],
    )
    return args.result(result.values, result.problems)


@_function()
@_range("values", _VALUES_DOC)
@_range("weights", _WEIGHTS_DOC)
@_choice(
    "centre",
    'Optional u: "mean" (simple mean of the regions, the paper\'s wording; default) or '
    '"weighted" (population-weighted mean, Williamson). 中心：mean 简单平均（默认）或 weighted '
    "人口加权平均。",
)
@_help(measures.WEIGHTED_CV)
def WEIGHTED_CV(values, weights=None, centre="mean"):
    centre = excel_args.option(centre, "centre", disparity.CENTRES, "mean")
    periods = excel_args.periods(excel_args.read(values, "values"), _optional(weights, "weights"))
    return periods.result(disparity.weighted_cv(periods.values, periods.weights, centre))


@_function()
@_range("values", _VALUES_DOC)
@_range("weights", _WEIGHTS_DOC)
@_choice(
    "kind",
    'Optional: "T" (Theil T, default) or "L" (Theil L, mean log deviation; zero values not '
    "allowed). 类型：T（默认）或 L（平均对数偏差）。",
)
@_help(measures.THEIL_INDEX)
def THEIL_INDEX(values, weights=None, kind="T"):
    kind = excel_args.option(kind, "kind", disparity.THEIL_KINDS, "T", case="upper")
    periods = excel_args.periods(excel_args.read(values, "values"), _optional(weights, "weights"))
    return periods.result(disparity.theil(periods.values, periods.weights, kind=kind))


@_function()
@_range("values", _VALUES_DOC)
@_range("weights", _WEIGHTS_DOC)
@_help(measures.GINI_INDEX)
def GINI_INDEX(values, weights=None):
    periods = excel_args.periods(excel_args.read(values, "values"), _optional(weights, "weights"))
    return periods.result(disparity.gini(periods.values, periods.weights))


@_function()
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


@_function()
@_range("series", _SERIES_DOC)
@_choice(
    "method",
    'Optional: "cagr" (compound, default), "mean_yoy" (mean of year-on-year rates), '
    '"loglinear" (trend of ln x) or "change" (per year, x\'s unit). '
    "方法：cagr 复合（默认）、mean_yoy、loglinear、change。",
)
def GROWTH_RATE(series, method="cagr"):
    """Average annual growth of a series one year apart (fraction per year, 0.1168 = 11.68 %): compound (CAGR), mean year-on-year, log-linear trend or change. 年均增长率（小数）：复合、同比均值、对数线性趋势或年均变化。"""  # noqa: E501 (Excel's description: one line)
    method = excel_args.option(method, "method", growth.METHODS, "cagr")
    s = excel_args.series(excel_args.read(series, "series"))
    return s.result(growth.growth_rate(s.values, s.years, method))


@_function()
@_range("series", _SERIES_DOC)
@_help(measures.ANNUAL_CHANGE)
def ANNUAL_CHANGE(series):
    s = excel_args.series(excel_args.read(series, "series"))
    return s.result(growth.growth_rate(s.values, s.years, "change"))


@_function()
@_range(
    "series",
    "A row (years across), a column, or a block (one series per row) one year apart. Blanks "
    "and #MISSING between two numbers are filled. 逐年序列：一行、一列或多行区域。",
)
def FILL_GAPS(series):
    """Fill interior gaps linearly between the numbers before and after them, never beyond the ends; spills the same shape. 线性插补内部缺失值（不外推），结果与输入同形状。"""  # noqa: E501 (Excel's description: one line)
    gaps = excel_args.gaps(excel_args.read(series, "series"))
    filled, _ = fill_interior(gaps.values, gaps.years, gaps.barriers)
    return gaps.result(filled)


@xw.func(category=CATEGORY)
@xw.ret(accessor.NAME)
@one_line_errors
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
    """RunPython target of the template's Regenerate button: rebuild the output sheets of
    the calling workbook."""
    from addin.workbook.excel_engine import regenerate_caller

    regenerate_caller()


# ----------------------------------------------------------------------------------------
# Convergence, inference and spatial autocorrelation (issue 20): labelled spills


_BLOCK_DOC = (
    "Index values, regions in rows and years across (e.g. Calc!C5:AF15). "
    "地区×年份区域，各地区为行。"
)
_REPS_DOC = "Optional number of replicates (default 1000). 可选：重复次数，默认 1000。"
_SEED_DOC = "Optional seed (default 0): the same seed gives the same numbers. 可选：随机种子。"
_PERMUTATIONS_DOC = "Optional number of permutations (default 999). 可选：置换次数，默认 999。"


def _count(x, name: str, default: int, low: int = 0) -> int:
    """A whole number ≥ ``low`` from a cell or a literal (left out or blank: ``default``)."""
    value = _number(x, name, default)
    if not is_count(value, low):
        raise InputError(f"give a whole number from {low} to 1,000,000", f"argument {name}")
    return int(value)


@_function()
@_range("values", _BLOCK_DOC)
@_range(
    "years",
    "Optional row of the years of the columns (e.g. Calc!C4:AF4); omitted: one year apart. "
    "可选：各列年份；省略则按逐年计。",
)
@_help(measures.SIGMA_CONVERGENCE)
def SIGMA_CONVERGENCE(values, years=None):
    block = excel_args.periods(excel_args.read(values, "values"), None)
    columns = block.values.shape[1]
    at = np.arange(columns, dtype=float)
    if years is not None:
        at = excel_args.read(years, "years").values.ravel()
        if at.size != columns or not np.isfinite(at).all():
            raise InputError(f"give {columns} years, one per column of values", "argument years")
    return excel_args.labelled(convergence.sigma_convergence(block.values, at))


@_function()
@_range("first", "Levels in the first year, one per region (e.g. Calc!C5:C15). 首年水平值。")
@_range("last", "Levels in the last year, same regions (e.g. Calc!AF5:AF15). 末年水平值。")
@_range("years", "Years between first and last, T > 0 (e.g. 29). 首末年相隔年数 T。")
@_help(measures.BETA_CONVERGENCE)
def BETA_CONVERGENCE(first, last, years):
    a, b = excel_args.read(first, "first"), excel_args.read(last, "last")
    if a.shape != b.shape or min(a.shape) != 1:
        raise InputError(f"give two columns of the same regions ({a.where}, {b.where})", b.where)
    t = _number(years, "years", float("nan"))
    if not t > 0:
        raise InputError("give the years between first and last, a number > 0", "argument years")
    y0 = np.where(a.problems == 0, a.values, np.nan).ravel()
    y1 = np.where(b.problems == 0, b.values, np.nan).ravel()
    return excel_args.labelled(convergence.beta_convergence(y0, y1, t))


@_function()
@_range("values", "A column of values, one per region, or a regions × periods block. 各地区数值。")
@_range(
    "weights",
    "Optional n×n spatial weights (blank = 0), rows and columns in the regions' order; "
    "omitted: queen contiguity of the provinces. 可选：n×n 空间权重；省略则用省级邻接。",
)
@_range(
    "regions",
    "Optional column of the provinces' names for the built-in contiguity; omitted: 11 rows "
    "are the belt, 31 rows NBS order. 可选：省份名称列。",
)
@_range("permutations", _PERMUTATIONS_DOC)
@_range("seed", _SEED_DOC)
@_help(measures.MORAN_I)
def MORAN_I(values, weights=None, regions=None, permutations=None, seed=None):
    cells = excel_args.read(values, "values")
    y = np.where(cells.problems == 0, cells.values, np.nan)
    if weights is not None:
        matrix = excel_args.read(weights, "weights")
        if matrix.problems.any():
            raise InputError("spatial weights must be numbers (blank = 0)", matrix.where)
        if matrix.shape != (y.shape[0], y.shape[0]):
            raise InputError(f"give a {y.shape[0]}×{y.shape[0]} matrix", matrix.where)
        w = spatial.Weights.from_dense(matrix.values)
    else:
        w = contiguity.china_queen(_provinces(regions, y.shape[0]))
    result = spatial.moran(y, w, _count(permutations, "permutations", 999), _count(seed, "seed", 0))
    return excel_args.labelled(result, cells.problems.max(axis=0))


def _provinces(regions, rows: int) -> list[str]:
    if regions is not None:
        names = excel_args.texts(regions, "regions")
        if len(names) != rows:
            raise InputError(f"give {rows} names, one per row of values", "argument regions")
        return names
    if rows == len(YANGTZE_PROVINCES):
        return list(YANGTZE_PROVINCES)
    if rows == len(PROVINCES):
        return [p.short for p in PROVINCES]
    raise InputError(
        f"{rows} regions: give their names in regions, or a weights matrix", "argument values"
    )


@_function()
@_range("values", _VALUES_DOC)
@_range("weights", _WEIGHTS_DOC)
@_choice(
    "measure",
    'Optional: "cv" (default), "theil_t", "theil_l", "gini" or "atkinson" (ε = 0.5). '
    "可选：差异指标，默认 cv。",
)
@_range("reps", _REPS_DOC)
@_range("seed", _SEED_DOC)
@_range("level", "Optional coverage, e.g. 0.95 (default). 可选：置信水平，默认 0.95。")
@_help(measures.BOOTSTRAP_CI)
def BOOTSTRAP_CI(values, weights=None, measure="cv", reps=None, seed=None, level=None):
    measure = excel_args.option(measure, "measure", tuple(inference.MEASURES), "cv")
    periods = excel_args.periods(excel_args.read(values, "values"), _optional(weights, "weights"))
    intervals = inference.bootstrap(
        periods.values,
        periods.weights,
        {measure: inference.MEASURES[measure]},
        _count(reps, "reps", 1000, low=1),
        _count(seed, "seed", 0),
        _number(level, "level", 0.95),
    )
    return excel_args.labelled(intervals[measure], periods.problems)


@_function()
@_range("values", _VALUES_DOC)
@_range("weights", _WEIGHTS_DOC)
@_range("groups", "Each region's group, a column of labels (e.g. Regions!B2:B12). 各地区分组。")
@_choice("kind", 'Optional: "T" (default) or "L". 类型：T（默认）或 L。')
@_range("permutations", _PERMUTATIONS_DOC)
@_range("seed", _SEED_DOC)
@_help(measures.THEIL_BETWEEN_TEST)
def THEIL_BETWEEN_TEST(values, weights, groups, kind="T", permutations=None, seed=None):
    kind = excel_args.option(kind, "kind", disparity.THEIL_KINDS, "T", case="upper")
    periods = excel_args.periods(excel_args.read(values, "values"), _optional(weights, "weights"))
    labels = excel_args.texts(groups, "groups")
    if len(labels) != periods.values.shape[0]:
        raise InputError("give one group per row of values", "argument groups")
    result = inference.theil_between_test(
        periods.values,
        periods.weights,
        labels,
        kind,
        _count(permutations, "permutations", 999, low=1),
        _count(seed, "seed", 0),
    )
    return excel_args.labelled(result, periods.problems)
