"""The registry of output columns: every column of the output tables is one entry here.

An entry (:class:`Column`) gives the key, the 中文 and English labels, the number format,
the tables it appears in, the charts that show it and, for a measure that has one, its
worksheet function (:class:`WorksheetFunction`: name, bilingual help, and the formula the
Formulas sheet shows). A disparity measure also carries its computation over a
:class:`DisparityInput`. The tables (:mod:`.tables`), the renderer and the template
layout (:mod:`addin.workbook.render`, :mod:`addin.workbook.layout`), the Formulas sheet,
the function help that ``python -m addin.excel.registration`` writes into the ``.bas``
files, and the tests all read this module.

Adding a disparity measure takes a kernel in :mod:`addin.core.disparity`, one entry in
:data:`COLUMNS` and a worksheet function in ``yangtze_udf.py`` whose help is the entry's.
A measure with a parameter (the Atkinson index's ε) names the :class:`~.options.Options`
field holding its values, and gets one column per value (``atkinson_0.5``, ...). A
weighted measure with a ``statistic`` (its kernel over a resampled block) gets its 95 %
bootstrap interval on the Disparity sheet from one more line, ``*_interval_columns(key, zh,
en)``: the low and high columns, computed together with the others' in one bootstrap
(:attr:`DisparityInput.intervals`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..core import convergence, disparity, inference, spatial
from ..core.problems import Estimates
from ..errors import InputError
from .contiguity import china_queen
from .options import Options

NUMBER = "#,##0.000"
PERCENT = "0.00%"
#: Coverage of the Disparity sheet's bootstrap intervals (their columns say "95%").
LEVEL = 0.95
#: The most resampled numbers (regions × years × replicates, or × permutations) the
#: Disparity sheet computes; above it its intervals (or its p) are left empty with a note
#: naming the setting to lower (docs/method.md §12). 11 provinces × 30 years × 999
#: replicates are 329,670; a 2,850-region × 40-year book would need 114 million.
MAX_RESAMPLED = 2_000_000

#: The output tables, by the name of their attribute on :class:`~.tables.Tables`.
TABLES = ("index", "table1", "factors", "disparity", "stages", "quality", "convergence")


@dataclass(frozen=True)
class WorksheetFunction:
    """A worksheet function of ``yangtze_udf``.

    Attributes
    ----------
    name : the function's Excel name, e.g. ``"GINI_INDEX"``.
    help : its description in Excel's Insert Function dialog, English and 中文 (one line,
        at most 255 characters); ``yangtze_udf`` takes the docstring from here.
    """

    name: str
    help: str


@dataclass(frozen=True)
class Parameter:
    """A measure's parameter, set on the Settings sheet as a list of numbers.

    Attributes
    ----------
    option : the :class:`~.options.Options` field holding its values (a tuple of floats).
    symbol : how headers name it (``ε`` in ``Atkinson ε=0.5``).
    label, help : the Settings sheet's label and help, English and 中文.
    """

    option: str
    symbol: str
    label: str
    help: str


@dataclass(frozen=True)
class DisparityInput:
    """What a disparity measure is computed from: Z by province (rows) and year (columns),
    population of the same shape (None: unweighted), each province's region, the options."""

    values: np.ndarray
    weights: np.ndarray | None
    groups: Sequence[str]
    options: Options
    provinces: Sequence[str] = ()

    @property
    def cv_weights(self) -> np.ndarray | None:
        """The weights of the chosen CV (None when the options ask for a plain CV)."""
        return self.weights if self.options.cv_weighted else None

    @cached_property
    def weighted_values(self) -> np.ndarray:
        """The values of the provinces that also have a weight: a weighted measure uses
        only these (its simple-mean centre too), so its ``n_weighted`` says what it used."""
        if self.weights is None:
            return self.values
        return np.where(np.isnan(self.weights), np.nan, self.values)

    @cached_property
    def moran(self) -> Estimates | None:
        """Moran's I of Z per year over the provinces' queen contiguity (permutations and
        seed from the options), computed once for its columns; None when the regions are
        not China's provinces (a county book: MORAN_I with the user's own matrix)."""
        try:
            weights = china_queen(self.provinces)
        except InputError:
            return None
        return spatial.moran(self.values, weights, self.options.permutations, self.options.seed)

    def resampling_limit(self, count: int) -> int | None:
        """The most replicates (or permutations) within :data:`MAX_RESAMPLED` when ``count``
        of them exceed it on these regions and years; None when ``count`` is within it.

        >>> belt = DisparityInput(np.ones((11, 30)), None, ["a"] * 11, Options())
        >>> belt.resampling_limit(999), DisparityInput(np.ones((2850, 40)), None, ["a"] *
        ...     2850, Options()).resampling_limit(999)
        (None, 17)
        """
        cells = self.values.shape[0] * self.values.shape[1]
        return None if cells * count <= MAX_RESAMPLED else MAX_RESAMPLED // cells

    @cached_property
    def intervals(self) -> dict[str, Estimates]:
        """The bootstrap intervals of every measure with a ``statistic`` in the registry, by
        column key (``cv``, ``atkinson_0.5``): :func:`~addin.core.inference.bootstrap` over
        the provinces with their population (the values of those with a weight), the
        replicates and seed of the options; empty when the replicates are 0 or exceed
        :data:`MAX_RESAMPLED`. The chosen CV, when unweighted, resamples every province."""
        reps = self.options.bootstrap_reps
        if reps == 0 or self.resampling_limit(reps) is not None:
            return {}
        statistics = {
            key: column.statistic(self.options, *value)
            for column in COLUMNS
            if column.statistic is not None
            for key, value in zip(column.expand(self.options), _parameter_values(column, self))
        }
        plain = {"cv": statistics.pop("cv")} if self.cv_weights is None else {}
        out = inference.bootstrap(
            self.weighted_values, self.weights, statistics, reps, self.options.seed, LEVEL
        )
        if plain:
            out |= inference.bootstrap(self.values, None, plain, reps, self.options.seed, LEVEL)
        return out

    @cached_property
    def between_tests(self) -> dict[str, Estimates]:
        """The permutation tests of Theil T's and Theil L's between-region share of the
        weighted values (:func:`~addin.core.inference.theil_between_test`, the permutations
        and seed of the options), by kind; empty when the permutations are 0 or exceed
        :data:`MAX_RESAMPLED`."""
        count = self.options.permutations
        if count == 0 or self.resampling_limit(count) is not None:
            return {}
        return {
            kind: inference.theil_between_test(
                self.weighted_values, self.weights, self.groups, kind, count, self.options.seed
            )
            for kind in ("T", "L")
        }

    @cached_property
    def theil(self) -> dict[str, disparity.TheilResult]:
        """Theil T and Theil L of the weighted values with their decompositions, each
        computed once for its three columns (total, between, within)."""
        return {
            kind: disparity.theil(self.weighted_values, self.weights, self.groups, kind)
            for kind in ("T", "L")
        }


@dataclass(frozen=True)
class Column:
    """One column of the output tables.

    Attributes
    ----------
    key : column name in the tables' DataFrames (``"gini"``).
    zh, en : header labels, 中文 and English.
    tables : the tables that have this column (their columns follow registry order).
    number_format : Excel number format of its cells; None for text and whole numbers.
    charts : the tables whose chart draws this column as a series.
    function : the worksheet function computing the same measure, if any.
    formula : how the Formulas sheet calls ``function`` over the whole Z block:
        ``{values}``, ``{weights}`` and ``{parameter}`` are filled in ("": no row there).
    compute : for a disparity measure, ``compute(inputs)`` (or ``compute(inputs, value)``
        for a measure with a parameter) gives one value per year.
    parameter : for a measure computed once per value of a setting, that setting.
    statistic : for a measure with bootstrap intervals, ``statistic(options)`` (or
        ``statistic(options, value)``) gives its kernel over a regions × columns block and
        its weights (:data:`addin.core.inference.Statistic`), which the bootstrap resamples.
    """

    key: str
    zh: str
    en: str
    tables: tuple[str, ...] = ()
    number_format: str | None = NUMBER
    charts: tuple[str, ...] = ()
    function: WorksheetFunction | None = None
    formula: str = ""
    compute: Callable[..., np.ndarray] | None = None
    parameter: Parameter | None = None
    statistic: Callable[..., inference.Statistic] | None = None

    def values(self, options: Options) -> tuple[float, ...]:
        """The parameter values the options give (``()`` for a measure without one)."""
        return tuple(getattr(options, self.parameter.option)) if self.parameter else ()

    def expand(self, options: Options) -> list[str]:
        """The column keys this entry gives under ``options``: its key, or one per value."""
        if not self.parameter:
            return [self.key]
        return [parameter_key(self.key, v) for v in self.values(options)]


def parameter_key(key: str, value: float) -> str:
    """Key of a measure's column for one parameter value: ``atkinson_0.5``, ``atkinson_1``."""
    return f"{key}_{value:g}"


# ------------------------------------------------------------------- worksheet functions

TRADE_INDEX = WorksheetFunction(
    "TRADE_INDEX",
    "Trade opening index T = (to_gdp_unit×trade)²/GDP cell by cell, in GDP's unit; ranges "
    "spill. "
    "Problems show as markers (#MISSING, #TEXT, #GDP<=0...). "
    "贸易开放指数 T=(系数×进出口额)²/GDP，逐格计算。",
)
INVEST_INDEX = WorksheetFunction(
    "INVEST_INDEX",
    "Investment opening index I = (to_gdp_unit×FIE)²/GDP cell by cell, in GDP's unit; "
    "ranges spill. "
    "Problems show as markers (#MISSING, #TEXT, #GDP<=0...). "
    "投资开放指数 I=(系数×外资企业投资总额)²/GDP，逐格计算。",
)
OPEN_INDEX = WorksheetFunction(
    "OPEN_INDEX",
    "Composite opening index Z = √(T×I) = (trade×trade_to_gdp_unit)(FIE×fie_to_gdp_unit)/GDP "
    "cell by cell, in GDP's unit; ranges spill. 综合开放指数 Z=√(T×I)，逐格计算。",
)
WEIGHTED_CV = WorksheetFunction(
    "WEIGHTED_CV",
    "Population-weighted coefficient of variation √(Σpᵢ(yᵢ−u)²)/u across regions: one value "
    "for a column, one row (one per period) for a block. "
    "加权变异系数：一列得一个值，地区×年份区域得一行。",
)
THEIL_INDEX = WorksheetFunction(
    "THEIL_INDEX",
    "Population-weighted Theil index (T or L) across regions: one value for a column, one "
    "row (one per period) for a block. 泰尔指数（人口加权）：一列得一个值，地区×年份区域得一行。",
)
GINI_INDEX = WorksheetFunction(
    "GINI_INDEX",
    "Population-weighted Gini coefficient ΣΣpᵢpⱼ|yᵢ−yⱼ|/(2μ) across regions: one value for a "
    "column, one row (one per period) for a block. "
    "基尼系数（人口加权）：一列得一个值，地区×年份区域得一行。",
)
ATKINSON_INDEX = WorksheetFunction(
    "ATKINSON_INDEX",
    "Population-weighted Atkinson index 1 − (Σpᵢ(yᵢ/μ)^(1−ε))^(1/(1−ε)), ε ≥ 0 (ε = 1: "
    "1 − geometric/arithmetic mean) across regions: one value per period. "
    "阿特金森指数（人口加权）：一列得一个值，地区×年份区域得一行。",
)
ANNUAL_CHANGE = WorksheetFunction(
    "ANNUAL_CHANGE",
    "Average annual change (last − first)/(years between), in the series' unit per year: "
    "the paper's 年均变化 column. 年均变化 =（末值−首值）/年数。",
)

SIGMA_CONVERGENCE = WorksheetFunction(
    "SIGMA_CONVERGENCE",
    "σ-convergence of a regions × years block: OLS trend of the SD of ln y per year (slope, "
    "SE, t, R², years) and Carree–Klomp test first vs last year (variances, T2, p, n); "
    "spills labels and values. σ收敛：ln y 标准差的趋势及首末年检验。",
)
BETA_CONVERGENCE = WorksheetFunction(
    "BETA_CONVERGENCE",
    "Absolute β-convergence: OLS of (ln last − ln first)/years on ln first over the regions: "
    "β, SE, t, R², speed λ=−ln(1+βT)/T, half-life ln2/λ, α, n; spills labels and values. "
    "绝对β收敛：β、标准误、t、R²、收敛速度、半衰期。",
)
MORAN_I = WorksheetFunction(
    "MORAN_I",
    "Global Moran's I of a column (or one per period of a block): I, E[I], z (normality), "
    "permutation p, n; row-standardised weights, by default China's provincial queen "
    "contiguity. 全局莫兰指数（默认省级邻接矩阵）。",
)
BOOTSTRAP_CI = WorksheetFunction(
    "BOOTSTRAP_CI",
    "Percentile bootstrap interval of a disparity measure (cv, theil_t, theil_l, gini, "
    "atkinson), regions resampled with their weights: rows lower, upper, replicates used, "
    "one column per period. 差异指数的自助法置信区间。",
)
THEIL_BETWEEN_TEST = WorksheetFunction(
    "THEIL_BETWEEN_TEST",
    "Permutation test of Theil's between-group part: regions shuffled over the groups; rows "
    "between, share of total, p, permutations, one column per period. "
    "泰尔指数组间差异的置换检验。",
)


# ------------------------------------------------------------------- disparity computations


def _cv(x: DisparityInput) -> np.ndarray:
    values = x.values if x.cv_weights is None else x.weighted_values
    return disparity.weighted_cv(values, x.cv_weights, x.options.cv_centre).values


def _cv_plain(x: DisparityInput) -> np.ndarray:
    return disparity.weighted_cv(x.values).values


def _theil(kind: str, part: str) -> Callable[[DisparityInput], np.ndarray]:
    def compute(x: DisparityInput) -> np.ndarray:
        return getattr(x.theil[kind], part)

    return compute


def _gini(x: DisparityInput) -> np.ndarray:
    return disparity.gini(x.weighted_values, x.weights).values


def _atkinson(x: DisparityInput, epsilon: float) -> np.ndarray:
    return disparity.atkinson(x.weighted_values, x.weights, epsilon).values


def _log_sd(x: DisparityInput) -> np.ndarray:
    return convergence.log_sd(x.values).values


def _moran(label: str) -> Callable[[DisparityInput], np.ndarray]:
    def compute(x: DisparityInput) -> np.ndarray:
        if x.moran is None:
            return np.full(x.values.shape[1], np.nan)
        return x.moran[label]

    return compute


def _cv_statistic(options: Options) -> inference.Statistic:
    def statistic(y: np.ndarray, w: np.ndarray | None):
        return disparity.weighted_cv(y, w if options.cv_weighted else None, options.cv_centre)

    return statistic


def _statistic_of(key: str) -> Callable[[Options], inference.Statistic]:
    """A measure without options: the bootstrap's own kernel of it (:data:`inference.MEASURES`)."""
    return lambda options: inference.MEASURES[key]


def _atkinson_statistic(options: Options, epsilon: float) -> inference.Statistic:
    return lambda y, w: disparity.atkinson(y, w, epsilon)


def _parameter_values(column: Column, x: DisparityInput) -> list[tuple[float, ...]]:
    """The extra arguments of ``column``'s computations, one tuple per column it gives."""
    return [(v,) for v in column.values(x.options)] if column.parameter else [()]


def _interval(key: str, end: str) -> Callable[..., np.ndarray]:
    """The ``end`` ("lower" or "upper") of the bootstrap interval of measure ``key`` (a
    measure with a parameter: of its column for ``value``); NaN when there are none."""

    def compute(x: DisparityInput, *value: float) -> np.ndarray:
        found = x.intervals.get(parameter_key(key, *value) if value else key)
        return np.full(x.values.shape[1], np.nan) if found is None else found[end]

    return compute


def _between_p(kind: str) -> Callable[[DisparityInput], np.ndarray]:
    def compute(x: DisparityInput) -> np.ndarray:
        found = x.between_tests.get(kind)
        return np.full(x.values.shape[1], np.nan) if found is None else found["p"]

    return compute


def _interval_columns(key: str, zh: str, en: str, **kwargs) -> tuple[Column, Column]:
    """The two Disparity columns of measure ``key``'s interval: its low and high ends."""
    percent = f"{LEVEL:.0%}"
    return tuple(
        Column(
            f"{key}_{end}",
            f"{zh} {percent}{end_zh}",
            f"{en} {percent} {end}",
            ("disparity",),
            function=BOOTSTRAP_CI,
            compute=_interval(key, kernel_end),
            **kwargs,
        )
        for end, end_zh, kernel_end in (("low", "下限", "lower"), ("high", "上限", "upper"))
    )


# ------------------------------------------------------------------- the registry

_TEXT = {"number_format": None}
ATKINSON_EPSILONS = Parameter(
    "atkinson_epsilons",
    "ε",
    "Atkinson ε 阿特金森指数 ε",
    "Inequality aversion ε ≥ 0, one Disparity column each, e.g. 0.5, 1, 2 "
    "(1: geometric mean) 不平等厌恶参数，逗号分隔，每个一列",
)
_THEIL_FN = {"function": THEIL_INDEX}

COLUMNS: tuple[Column, ...] = (
    Column("kind", "类型", "Kind", ("table1", "quality"), **_TEXT),
    # Quality: the level beside the kind, and the long detail last, free to run on
    Column("level", "级别", "Level", ("quality",), **_TEXT),
    Column("name", "名称", "Name", ("table1",), **_TEXT),
    Column("name_en", "英文名", "English", ("table1",), **_TEXT),
    Column("series", "序列", "Series", ("quality",), **_TEXT),
    Column("province", "省份", "Province", ("index", "quality"), **_TEXT),
    Column("province_en", "英文名", "English", ("index",), **_TEXT),
    Column("region", "区域", "Region", ("index",), **_TEXT),
    Column("stage", "阶段", "Stage", ("stages",), **_TEXT),
    Column("first", "起始年", "First", ("stages",), **_TEXT),
    Column("last", "结束年", "Last", ("stages",), **_TEXT),
    Column("base_year", "基期", "Base year", ("stages",), **_TEXT),
    Column(
        "year", "年份", "Year", ("index", "factors", "disparity", "quality", "convergence"), **_TEXT
    ),
    Column(
        "trade_index",
        "贸易开放指数 T",
        "Trade index T",
        ("index", "factors"),
        charts=("factors",),
        function=TRADE_INDEX,
    ),
    Column(
        "invest_index",
        "投资开放指数 I",
        "Investment index I",
        ("index", "factors"),
        charts=("factors",),
        function=INVEST_INDEX,
    ),
    Column(
        "open_index",
        "综合开放指数 Z",
        "Composite index Z",
        ("index", "factors"),
        charts=("factors",),
        function=OPEN_INDEX,
    ),
    Column("annual_change", "年均变化", "Average annual change", function=ANNUAL_CHANGE),
    Column("open_growth", "Z 增长率", "Z growth", ("factors", "stages"), PERCENT),
    Column("trade_contribution", "贸易贡献 ½Δln T", "Trade part ½Δln T", ("factors",)),
    Column("invest_contribution", "投资贡献 ½Δln I", "Investment part ½Δln I", ("factors",)),
    Column("trade_growth", "T 增长率", "T growth", ("stages",), PERCENT),
    Column("invest_growth", "I 增长率", "I growth", ("stages",), PERCENT),
    # how many provinces each year's figures used: after the factors' own columns, and
    # before the disparity measures
    Column("n", "省份数", "Provinces", ("factors", "disparity", "convergence"), **_TEXT),
    Column("n_weighted", "有人口省份数", "Provinces with population", ("disparity",), **_TEXT),
    # a stage's growth compares its base year with its last year: how many provinces each had
    Column("n_base", "基期省份数", "Provinces at base year", ("stages",), **_TEXT),
    Column("n_last", "末年省份数", "Provinces at last year", ("stages",), **_TEXT),
    Column(
        "cv",
        "变异系数",  # "变异系数 CV (chosen)": the CV is said once
        "CV (chosen)",
        ("disparity",),
        charts=("disparity",),
        function=WEIGHTED_CV,
        formula="=WEIGHTED_CV({values},{weights})",
        compute=_cv,
        statistic=_cv_statistic,
    ),
    Column(
        "cv_plain",
        "未加权变异系数",
        "Plain CV",
        ("disparity",),
        charts=("disparity",),
        function=WEIGHTED_CV,
        formula="=WEIGHTED_CV({values})",
        compute=_cv_plain,
    ),
    Column(
        "theil_t",
        "泰尔指数 T",
        "Theil T",
        ("disparity",),
        **_THEIL_FN,
        formula="=THEIL_INDEX({values},{weights})",
        compute=_theil("T", "total"),
        statistic=_statistic_of("theil_t"),
    ),
    Column(
        "theil_t_between",
        "T 区域间",
        "Theil T between",
        ("disparity",),
        **_THEIL_FN,
        compute=_theil("T", "between"),
    ),  # fmt: skip
    Column(
        "theil_t_within",
        "T 区域内",
        "Theil T within",
        ("disparity",),
        **_THEIL_FN,
        compute=_theil("T", "within"),
    ),  # fmt: skip
    Column(
        "theil_l",
        "泰尔指数 L",
        "Theil L",
        ("disparity",),
        **_THEIL_FN,
        compute=_theil("L", "total"),
        statistic=_statistic_of("theil_l"),
    ),  # fmt: skip
    Column(
        "theil_l_between",
        "L 区域间",
        "Theil L between",
        ("disparity",),
        **_THEIL_FN,
        compute=_theil("L", "between"),
    ),  # fmt: skip
    Column(
        "theil_l_within",
        "L 区域内",
        "Theil L within",
        ("disparity",),
        **_THEIL_FN,
        compute=_theil("L", "within"),
    ),  # fmt: skip
    Column(
        "gini",
        "基尼系数",
        "Gini",
        ("disparity",),
        charts=("disparity",),
        function=GINI_INDEX,
        formula="=GINI_INDEX({values},{weights})",
        compute=_gini,
        statistic=_statistic_of("gini"),
    ),
    Column(
        "atkinson",
        "阿特金森指数",
        "Atkinson",
        ("disparity",),
        charts=("disparity",),
        function=ATKINSON_INDEX,
        formula="=ATKINSON_INDEX({values},{weights},{parameter})",
        compute=_atkinson,
        parameter=ATKINSON_EPSILONS,
        statistic=_atkinson_statistic,
    ),
    # the Disparity sheet's inference (docs/method.md §12): after the measures, so older
    # books keep their columns; a 95 % percentile interval per weighted measure, then the
    # permutation p of Theil's between-region share
    *_interval_columns("cv", "变异系数", "CV"),
    *_interval_columns("theil_t", "泰尔指数 T", "Theil T"),
    *_interval_columns("theil_l", "泰尔指数 L", "Theil L"),
    *_interval_columns("gini", "基尼系数", "Gini"),
    *_interval_columns("atkinson", "阿特金森指数", "Atkinson", parameter=ATKINSON_EPSILONS),
    Column(
        "theil_t_between_p",
        "T 区域间 p 值",
        "Theil T between p",
        ("disparity",),
        function=THEIL_BETWEEN_TEST,
        compute=_between_p("T"),
    ),
    Column(
        "theil_l_between_p",
        "L 区域间 p 值",
        "Theil L between p",
        ("disparity",),
        function=THEIL_BETWEEN_TEST,
        compute=_between_p("L"),
    ),
    # absolute β-convergence of Z across the provinces within each stage (method.md §12)
    Column("beta", "β 收敛系数", "β (convergence)", ("stages",), function=BETA_CONVERGENCE),
    Column("beta_t", "β 的 t 值", "t of β", ("stages",), function=BETA_CONVERGENCE),
    Column("speed", "收敛速度 λ", "Speed λ", ("stages",), PERCENT, function=BETA_CONVERGENCE),
    Column(
        "half_life", "半衰期（年）", "Half-life (years)", ("stages",), function=BETA_CONVERGENCE
    ),
    Column("n_beta", "β 省份数", "Provinces in β", ("stages",), **_TEXT),
    # the Convergence sheet: σ of ln Z and Moran's I of Z per year (docs/method.md §12)
    Column(
        "log_sd",
        "ln Z 标准差 σ",
        "SD of ln Z (σ)",
        ("convergence",),
        charts=("convergence",),
        function=SIGMA_CONVERGENCE,
        compute=_log_sd,
    ),
    Column(
        "moran_i",
        "莫兰指数 I",
        "Moran's I",
        ("convergence",),
        charts=("convergence",),
        function=MORAN_I,
        compute=_moran("I"),
    ),
    Column("moran_z", "莫兰 z", "Moran z", ("convergence",), function=MORAN_I, compute=_moran("z")),
    Column("moran_p", "莫兰 p", "Moran p", ("convergence",), function=MORAN_I, compute=_moran("p")),
    Column("problem", "问题", "Problem", ("index",), **_TEXT),
    Column("cell", "单元格", "Cell", ("quality",), **_TEXT),
    Column("detail", "说明", "Detail", ("quality",), **_TEXT),
)

BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}


PARAMETERS: tuple[Parameter, ...] = tuple(
    dict.fromkeys(c.parameter for c in COLUMNS if c.parameter)
)


def find(key: object) -> tuple[Column | None, float | None]:
    """The entry of a column key and its parameter value: ``"atkinson_0.5"`` →
    (the Atkinson entry, 0.5); ``"gini"`` → (the Gini entry, None); unknown → (None, None)."""
    if not isinstance(key, str):
        return None, None
    if key in BY_KEY:
        return BY_KEY[key], None
    if _COUNT_KEY.fullmatch(key):
        return BY_KEY["n"], float(key[2:])
    base, _, value = key.rpartition("_")
    column = BY_KEY.get(base)
    if column is None or column.parameter is None:
        return None, None
    try:
        return column, float(value)
    except ValueError:
        return None, None


_COUNT_KEY = re.compile(r"n_\d{4}")


def count_key(year: int) -> str:
    """Key of Table 1's column of how many provinces each mean used in ``year``: ``n_1993``."""
    return f"n_{year}"


def table_columns(table: str, options: Options | None = None) -> tuple[str, ...]:
    """The column keys of ``table`` under ``options`` (default options when None), in order."""
    options = options or Options()
    return tuple(k for c in COLUMNS if table in c.tables for k in c.expand(options))


def chart_series(table: str, columns: Sequence[object]) -> tuple[str, ...]:
    """The columns of ``table`` that its chart draws, among ``columns`` (a table's actual
    columns): each charted entry once; a measure with a parameter by its first value, so a
    chart keeps its number of series whatever values Settings give."""
    seen: set[str] = set()
    out = []
    for key in columns:
        column, _ = find(key)
        if column is not None and table in column.charts and column.key not in seen:
            seen.add(column.key)
            out.append(str(key))
    return tuple(out)


def label(key: object, language: str) -> str:
    """A column header in the chosen language ("zh", "en" or "both"); a parameter column
    names its value (``阿特金森指数 ε=0.5``); an unknown key (a Table 1 year) as it is."""
    column, value = find(key)
    if column is None:
        return str(key)
    zh, en = column.zh, column.en
    if value is not None:
        suffix = f" {column.parameter.symbol}={value:g}" if column.parameter else f" {value:g}"
        zh, en = zh + suffix, en + suffix
    return {"zh": zh, "en": en}.get(language, f"{zh} {en}")


def number_format(key: object) -> str | None:
    """Excel number format of a column's cells (Table 1's year columns: :data:`NUMBER`)."""
    column, _ = find(key)
    return NUMBER if column is None else column.number_format


def disparity_columns(inputs: DisparityInput, table: str = "disparity") -> dict[str, np.ndarray]:
    """Every measure of ``table`` in the registry (the disparity measures, or the
    Convergence sheet's), by column key, computed from ``inputs``."""
    out: dict[str, np.ndarray] = {}
    for column in COLUMNS:
        if column.compute is None or table not in column.tables:
            continue
        if column.parameter is None:
            out[column.key] = column.compute(inputs)
        else:
            for value in column.values(inputs.options):
                out[parameter_key(column.key, value)] = column.compute(inputs, value)
    return out


def formula_rows(options: Options | None = None) -> list[tuple[str, str, str]]:
    """The Formulas sheet's rows of disparity functions over the Z block: (column key, row
    label, formula with ``{values}`` and ``{weights}`` left to fill)."""
    options = options or Options()
    rows = []
    for column in COLUMNS:
        if not column.formula:
            continue
        for key, value in zip(column.expand(options), column.values(options) or [None]):
            formula = column.formula.replace("{parameter}", "" if value is None else f"{value:g}")
            rows.append((key, f"{column.function.name}: {label(key, 'en')}", formula))
    return rows
