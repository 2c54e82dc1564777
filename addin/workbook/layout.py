"""The template's schema: sheet names, anchors, labels (中文/English), settings.

The single source of truth for the builder (:mod:`.build`), the readers (:mod:`.sheets`)
and the writers (:mod:`.render`). Rows and columns here are 1-based, as in Excel.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache

from ..core.disparity import CENTRES
from ..core.growth import BASES, METHODS
from ..core.units import UNIT_MODES
from ..panel import measures
from ..panel.options import BELT_MODES, LANGUAGES, Options
from ..panel.tidy import SERIES_LABELS
from . import setting_types

TEMPLATE_VERSION = 1

GUIDE = "Guide"
SETTINGS = "Settings"
REGIONS = "Regions"
DATA_SHEETS: dict[str, str] = {
    "trade": "Trade",
    "fie": "FIE",
    "gdp": "GDP",
    "population": "Population",
    "fx": "FX",
}
INDEX, TABLE1, FACTORS, DISPARITY, STAGES, QUALITY, CONVERGENCE = (
    "Index",
    "Table1",
    "Factors",
    "Disparity",
    "Stages",
    "Quality",
    "Convergence",
)
OUTPUT_SHEETS = (INDEX, TABLE1, FACTORS, DISPARITY, STAGES, QUALITY, CONVERGENCE)
FORMULAS = "Formulas"
XLWINGS_CONF = "xlwings.conf"
SHEET_ORDER = (
    GUIDE,
    SETTINGS,
    REGIONS,
    *DATA_SHEETS.values(),
    *OUTPUT_SHEETS,
    FORMULAS,
    XLWINGS_CONF,
)
INPUT_SHEETS = (SETTINGS, REGIONS, *DATA_SHEETS.values())

DATA_TITLES: dict[str, tuple[str, str]] = SERIES_LABELS
DEFAULT_UNITS: dict[str, str] = {
    "trade": "万美元",
    "fie": "百万美元",
    "gdp": "亿元",
    "population": "万人",
    "fx": "元/美元",
}
UNIT_CELL = (2, 2)  # B2
UNIT_ROW = 3  # optional: a year's own unit above its header, when it is not B2's
HEADER_ROW = 4
FIRST_DATA_ROW = 5
FIRST_YEAR_COL = 3  # C
DEFAULT_YEARS = tuple(range(1993, 2023))
FX_ROW_LABEL = "CNY per USD 元/美元"

# Output tables: title row 1, subtitle row 2, header row 4, data from row 5, notes after.
OUT_HEADER_ROW = 4
OUT_FIRST_ROW = 5

# Regions sheet: header row 1, mapping from row 2 (A province, B region, C English name).
REGIONS_FIRST_ROW = 2


@dataclass(frozen=True)
class Setting:
    """One row of the Settings sheet: key (column A, the :class:`Options` field), label (B),
    value (C: blank means the default) and help (D); ``type`` reads the value and shows the
    default, which is the field's default in :class:`Options` (defined there only)."""

    key: str
    label: str
    type: setting_types.SettingType
    help: str = ""

    @property
    def default(self) -> object:
        """What the template writes in column C: the Options default, shown by the type."""
        if self.key == "template_version":
            return TEMPLATE_VERSION
        return self.type.show(getattr(Options(), self.key))

    @property
    def choices(self) -> tuple[str, ...]:
        return self.type.choices

    def parse(self, value: object, where: str) -> object:
        """The option's value from a non-blank cell; InputError naming ``where`` if bad."""
        return self.type.parse(value, where)


_VERSION = setting_types.SettingType(lambda value, where: value)
#: The output units offered in the drop-down list (any money unit may be typed).
OUTPUT_UNITS = ("亿元", "万元", "万亿元", "亿美元", "十亿美元", "万美元")

SETTINGS_ROWS: tuple[Setting, ...] = (
    Setting(
        "table1_years",
        "Table 1 years 表1年份",
        setting_types.YEARS,
        help="Comma-separated years; annual change runs from the first to the last. 逗号分隔",
    ),
    Setting(
        "stages",
        "Stages 阶段",
        setting_types.STAGES,
        help="first-last; first-last … (default: the paper's four stages 默认为论文四阶段)",
    ),
    Setting(
        "unit_mode",
        "Unit mode 单位模式",
        setting_types.choice(UNIT_MODES),
        help="converted (换算): all money to the output unit with the CNY/USD rate; "
        "as_entered (按输入): numbers as typed (replication); either spelling works",
    ),
    Setting(
        "output_unit",
        "Output unit 输出单位",
        setting_types.choice(OUTPUT_UNITS, only=False),
        help="Money unit of the indices in converted mode 指数的货币单位",
    ),
    Setting(
        "cv_centre",
        "CV centre 变异系数中心",
        setting_types.choice(CENTRES),
        help="mean: simple mean (paper's wording); "
        "weighted: population-weighted mean (Williamson) 简单平均/人口加权平均",
    ),
    Setting(
        "cv_weighted",
        "CV population weights 人口加权",
        setting_types.YES_NO,
        help="yes: weighted CV of the paper's equation (4), over provinces with a population "
        "(none: empty); no: plain CV 是/否",
    ),
    Setting(
        "fill_gaps",
        "Fill interior gaps 内插缺失值",
        setting_types.YES_NO,
        help="Linear interpolation between observed years only; "
        "every filled cell is listed on Quality 仅内插",
    ),
    Setting(
        "belt",
        "Belt series 全流域序列",
        setting_types.choice(BELT_MODES),
        help="mean: mean of provinces' indices; sum: index of summed amounts 省均值/总量",
    ),
    Setting(
        "growth_method",
        "Growth method 增长率方法",
        setting_types.choice(METHODS),
        help="For the Stages table 阶段增长率",
    ),
    Setting(
        "stage_base",
        "Stage base 阶段基期",
        setting_types.choice(BASES),
        help="own: the stage's first year; "
        "previous: the previous stage's last year 本阶段首年/上阶段末年",
    ),
    Setting(
        "language",
        "Language 语言",
        setting_types.choice(LANGUAGES),
        help="Labels of the output tables 输出表语言",
    ),
    Setting(
        "jump_ratio",
        "Jump warning ratio 突变阈值",
        setting_types.RATIO,
        help="Flag a year-on-year change larger than this factor 同比变化超过此倍数时提示",
    ),
    *(Setting(p.option, p.label, setting_types.NUMBERS, p.help) for p in measures.PARAMETERS),
    Setting(
        "fx_band",
        "Plausible CNY per USD 汇率合理区间",
        setting_types.BAND,
        help="Rates outside low-high are warned about on Quality "
        "(元/美元 near 680 means 元/100美元) 汇率超出区间时提示",
    ),
    Setting(
        "gdp_per_person_band",
        "Plausible GDP per person 人均GDP合理区间 (元)",
        setting_types.BAND,
        help="GDP per person in 元 outside low-high is warned about "
        "(a GDP or population unit slip) 人均GDP超出区间时提示",
    ),
    Setting(
        "trade_gdp_band",
        "Plausible trade/GDP 贸易/GDP合理区间",
        setting_types.BAND,
        help="Trade over GDP, in one currency, outside low-high is warned about "
        "外贸依存度超出区间时提示",
    ),
    Setting(
        "fie_gdp_band",
        "Plausible FIE/GDP 外资/GDP合理区间",
        setting_types.BAND,
        help="FIE total investment over GDP outside low-high is warned about "
        "外资/GDP超出区间时提示",
    ),
    Setting(
        "outlier_ratio",
        "Province outlier factor 省份离群倍数",
        setting_types.RATIO,
        help="Warn when a province's trade/GDP or FIE/GDP is this many times off the median of "
        "the provinces that year (a power of ten in one row) 偏离中位数超过此倍数时提示",
    ),
    Setting(
        "series_ratio",
        "Trade vs FIE factor 贸易与外资偏离倍数",
        setting_types.RATIO,
        help="Warn when a province's trade/GDP, relative to the median province, differs from "
        "its FIE/GDP by this factor (a power of ten in the Trade or FIE row) "
        "两序列相对位置偏离时提示",
    ),
    Setting("template_version", "Template version 模板版本", _VERSION, help="Do not edit 请勿修改"),
    # added after the version row, so that the rows above keep their cells in older books
    Setting(
        "permutations",
        "Permutations 置换次数",
        setting_types.WHOLE,
        help="Random permutations behind Moran's p on Convergence and the p of Theil's "
        "between-region share on Disparity (0: no p) 置换检验次数",
    ),
    Setting(
        "seed",
        "Random seed 随机种子",
        setting_types.WHOLE,
        help="Seed of the permutations and the bootstrap: the same seed gives the same numbers "
        "相同种子结果相同",
    ),
    Setting(
        "bootstrap_reps",
        "Bootstrap replicates 自助法次数",
        setting_types.WHOLE,
        help="Replicates behind the 95% intervals on Disparity, provinces resampled "
        "(0: no intervals) 自助法置信区间重复次数",
    ),
)
SETTINGS_FIRST_ROW = 4  # header on row 3


#: Largest column the letters name (ZZZ; Excel itself stops at XFD = 16384).
MAX_COLUMN = 18278


@cache
def column_letter(col: int) -> str:
    """Column letters in bijective base 26: 1 → A, 26 → Z, 27 → AA, up to 18278 → ZZZ.

    Examples
    --------
    >>> column_letter(1), column_letter(28), column_letter(16384)
    ('A', 'AB', 'XFD')
    """
    if not 1 <= col <= MAX_COLUMN:
        raise ValueError(f"Invalid column index {col}")
    letters = ""
    while col:
        col, digit = divmod(col - 1, 26)
        letters = chr(65 + digit) + letters
    return letters


@cache
def text_width(text: str) -> int:
    """Width of ``text`` in character cells, as column widths count them: a wide (CJK or
    full-width) character takes two (the one measure of the builder and the renderer).

    >>> text_width("Stages 阶段"), text_width("ε=0.5")
    (11, 5)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_index(letters: str) -> int:
    """Column letters (any case) → number: A → 1, AA → 27, ZZZ → 18278 (the one parser of
    column letters; cached, so readers call it per cell).

    Examples
    --------
    >>> column_index("A"), column_index("xfd")
    (1, 16384)
    """
    text = letters.upper()
    if not (1 <= len(text) <= 3 and text.isascii() and text.isalpha()):
        raise ValueError(f"{letters} is not a valid column name")
    col = 0
    for char in text:
        col = col * 26 + ord(char) - 64
    return col


def address(row: int, col: int, sheet: str | None = None, absolute: bool = False) -> str:
    """Cell address such as ``Trade!D7`` (sheet quoted when it needs it)."""
    dollar = "$" if absolute else ""
    cell = f"{dollar}{column_letter(col)}{dollar}{row}"
    return f"{quote_sheet(sheet)}!{cell}" if sheet else cell


def quote_sheet(sheet: str) -> str:
    return (
        sheet if sheet.isidentifier() and sheet.isascii() else "'" + sheet.replace("'", "''") + "'"
    )


def range_ref(sheet: str, first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    """Absolute range reference for formulas and charts: ``Factors!$B$5:$B$34``."""
    first = address(first_row, first_col, absolute=True)
    last = address(last_row, last_col, absolute=True)
    return f"{quote_sheet(sheet)}!{first}:{last}"


#: The output table on each output sheet (Table 1's columns depend on its years).
SHEET_TABLES: dict[str, str] = dict(zip(OUTPUT_SHEETS, measures.TABLES))

#: Width of an output sheet's columns in characters, except those of :data:`OUT_WIDTHS`.
OUT_WIDTH = 14
#: Columns of another width, by key: the English names, the short level, and Quality's
#: detail, whose long text runs on into the empty columns after it.
OUT_WIDTHS: dict[str, float] = {"name_en": 28, "province_en": 20, "level": 11, "detail": 100}
#: How many columns of each output sheet the template gives a width: Table 1 grows by two
#: columns per year (the year's Z and its count of provinces).
OUT_WIDTH_COLUMNS = 64


def column_widths(sheet: str) -> list[tuple[int, int, float]]:
    """An output sheet's column widths as (first column, last column, width) runs, from the
    registry's columns under the default options.

    >>> column_widths(QUALITY)
    [(1, 1, 14), (2, 2, 11), (3, 6, 14), (7, 7, 100), (8, 64, 14)]
    """
    table = SHEET_TABLES.get(sheet)
    columns = measures.table_columns(table) if table else ()
    widths = [OUT_WIDTHS.get(key, OUT_WIDTH) for key in columns]
    widths += [OUT_WIDTH] * (OUT_WIDTH_COLUMNS - len(widths))
    runs: list[tuple[int, int, float]] = []
    for col, width in enumerate(widths, start=1):
        if runs and runs[-1][2] == width:
            runs[-1] = (runs[-1][0], col, width)
        else:
            runs.append((col, col, width))
    return runs


def column_width(sheet: str, col: int) -> float:
    """The template's width of column ``col`` (1-based) of an output sheet, in characters.

    >>> column_width(TABLE1, 3), column_width(TABLE1, 40), column_width(QUALITY, 7)
    (28, 14, 100)
    """
    return next((w for first, last, w in column_widths(sheet) if first <= col <= last), OUT_WIDTH)


@dataclass(frozen=True)
class ChartSpec:
    """A line chart on an output sheet: categories in column A, series by table column.

    ``series`` (the registry's charted columns under the default options) and ``anchor``
    (three columns right of the table) follow from the registry."""

    sheet: str
    title: str
    y_title: str
    series: tuple[str, ...] = field(init=False)
    anchor: str = field(init=False)

    def __post_init__(self):
        columns = measures.table_columns(SHEET_TABLES[self.sheet])
        object.__setattr__(self, "series", measures.chart_series(SHEET_TABLES[self.sheet], columns))
        object.__setattr__(self, "anchor", f"{column_letter(len(columns) + 3)}{OUT_HEADER_ROW}")


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec(FACTORS, "Opening-up of the belt 长江经济带对外开放指数", "index 指数"),
    ChartSpec(
        DISPARITY, "Disparity of the composite index 综合开放指数空间差异", "coefficient 系数"
    ),
    ChartSpec(CONVERGENCE, "σ-convergence and Moran's I of Z σ收敛与莫兰指数", "σ, I"),
)

OUTPUT_TITLES: dict[str, tuple[str, str]] = {
    INDEX: ("各省开放指数", "Opening-up indices by province and year"),
    TABLE1: (
        "表1 长江经济带各省综合开放指数",
        "Table 1. Composite opening-up index of the belt's provinces",
    ),
    FACTORS: ("开放因子序列（图1）", "Trade and investment factors of the belt (Figure 1)"),
    DISPARITY: ("空间差异（图2）", "Spatial disparity (Figure 2)"),
    STAGES: ("阶段增长", "Growth by stage"),
    QUALITY: ("数据质量", "Data quality"),
    CONVERGENCE: ("收敛与空间自相关", "Convergence and spatial autocorrelation"),
}


def label(key: str, language: str) -> str:
    """A column label in the chosen language ("zh", "en" or "both"), from the registry."""
    return measures.label(key, language)


def title(sheet: str, language: str) -> str:
    zh, en = OUTPUT_TITLES[sheet]
    return {"zh": zh, "en": en}.get(language, f"{zh} {en}")
