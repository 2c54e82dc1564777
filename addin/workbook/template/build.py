"""Write the template workbook (.xlsm) from source with XlsxWriter.

Sheets, labels, dropdowns, charts, the Regenerate button and the VBA project all come
from :mod:`.layout` and the VBA sources in ``addin/workbook/template/vba`` plus xlwings' own
standalone modules from the pinned xlwings package. The output is byte-reproducible:
building twice gives the same file.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import pandas as pd
import xlsxwriter

from ...core.units import FX_UNITS, MONEY_UNITS, POPULATION_UNITS
from ...panel import measures
from ...panel.fx import official_fx
from ...panel.provinces import REGION_ENGLISH, YANGTZE_REGIONS, english_name, match_province
from .. import layout
from . import formulas_sheet
from .vbaproject import VbaModule, build_vba_project, document_modules

XLWINGS_VERSION = "0.37.8"
BUTTON_MACRO = "RegenerateTables"
BUTTON_CAPTION = "Regenerate tables 重新生成表格"
RUNPYTHON_COMMAND = "import yangtze_udf; yangtze_udf.regenerate_tables()"
FIXED_TIME = dt.datetime(2024, 1, 1)

GUIDE_TEXT = [
    ("title", "长江经济带对外开放测度 Yangtze River Economic Belt opening-up"),
    (
        "",
        "This workbook computes the trade index T = trade²/GDP, the investment index I = "
        "FIE²/GDP, the composite "
        "index Z = √(T·I) and their population-weighted disparity, after Liu & Yeerken's study "
        "of the belt.",
    ),
    (
        "",
        "本工作簿计算贸易开放指数 T、投资开放指数 I、综合开放指数 Z = √(T·I) "
        "及其人口加权空间差异。",
    ),
    ("head", "Steps 步骤"),
    (
        "",
        "1. Fill the data sheets Trade, FIE, GDP, Population (provinces in rows, years in "
        "columns). 填写数据表。",
    ),
    (
        "",
        "2. Set the unit cell B2 on each data sheet to the unit you typed (万美元, 千美元, 亿元 "
        "…). 在 B2 设置单位。",
    ),
    (
        "",
        "   If a series changes unit from some year (yearbooks print trade in 万美元 to 2014 and "
        "in 千美元 from "
        "2016), type the numbers as published and write that year's unit in row 3 above its "
        "year: it is "
        "converted to B2's unit and listed on Quality. 单位逐年不同时，在该年份上方第3行填写单位。",
    ),
    (
        "",
        "3. Check FX (annual average CNY per USD; pre-filled from the China Statistical "
        "Yearbook) and Settings. 检查汇率与设置。",
    ),
    (
        "",
        "4. Click the button. Outputs are rewritten as values; your data sheets are never "
        "changed. 点击按钮，输出表以数值重写，数据表不会被修改。",
    ),
    (
        "",
        "Units: by default every amount is converted to 亿元 with each year's rate, so T, I and "
        "Z are in 亿元. To reproduce "
        "the paper's magnitudes, set Settings › unit mode to as_entered and enter trade and FIE "
        "in 十亿美元 (billion USD), "
        "GDP in 亿元. 默认统一换算为亿元；复现论文数值：单位模式选 "
        "as_entered，贸易与外资以十亿美元、GDP以亿元录入。",
    ),
    ("head", "Outputs 输出"),
    (
        "",
        "Index: T, I, Z for every province-year 各省逐年指数 · Table1: the paper's Table 1 表1 · "
        "Factors: the belt's T, I, Z "
        "with the growth split (Figure 1) 图1 · Disparity: "
        + ", ".join(
            c.en
            for c in measures.COLUMNS
            if c.compute
            and "disparity" in c.tables
            and "between" not in c.key
            and "within" not in c.key
            and c.function not in (measures.BOOTSTRAP_CI, measures.THEIL_BETWEEN_TEST)
        )
        + " (Figure 2) 图2, with 95% bootstrap intervals and the permutation p of Theil's "
        "between-region share 置信区间与组间差异检验 · Stages: growth and β-convergence by stage "
        "阶段增长与β收敛 · "
        "Quality: filled, missing, converted and suspicious cells, provinces left out of a mean "
        "(coverage) and plausibility warnings (bands on Settings) 数据质量 · every mean and "
        "disparity figure shows n, the number of provinces it used 各均值注明所用省份数 · "
        "Convergence: σ of ln Z and Moran's I of Z per year, their trends and the "
        "Carree–Klomp test 收敛与空间自相关",
    ),
    ("head", "Without Excel 无 Excel 时"),
    (
        "",
        "On macOS the button works. On Linux or LibreOffice run: yangtze regenerate BOOK.xlsm "
        "(install: pip install . in the project folder). 在 macOS 上按钮可用；Linux/LibreOffice "
        "请用命令行。",
    ),
    (
        "",
        "Formulas sheet: the worksheet functions (TRADE_INDEX, OPEN_INDEX, WEIGHTED_CV …) need "
        "Windows Excel with the add-in, or xlwings Lite on Windows, Mac or Excel on the web "
        "(yangtze lite writes its main.py; docs/excel-setup.md); elsewhere they show an error "
        "(#NAME? or #VALUE!). 工作表函数在 Windows Excel 或 xlwings Lite（Windows、Mac、网页版）"
        "中计算。",
    ),
]


def _vba_source(name: str) -> str:
    return (
        resources.files("addin.workbook.template")
        .joinpath(f"vba/{name}")
        .read_text(encoding="utf-8")
    )


def xlwings_module_sources() -> dict[str, str]:
    """xlwings' standalone modules from the installed (pinned) xlwings package."""
    import xlwings

    if xlwings.__version__ != XLWINGS_VERSION:
        raise RuntimeError(
            f"the template embeds xlwings {XLWINGS_VERSION}'s VBA, but xlwings "
            f"{xlwings.__version__} is installed"
        )
    root = Path(xlwings.__file__).parent
    return {
        "xlwings": (root / "xlwings.bas").read_text(encoding="utf-8"),
        "Dictionary": (root / "addin" / "Dictionary.cls").read_text(encoding="utf-8"),
    }


def vba_modules(codenames: list[str], run_python_stub: bool = False) -> list[VbaModule]:
    """The template's VBA project. ``run_python_stub`` replaces xlwings by a ``RunPython``
    that writes its argument into Guide!A30 (a test build for LibreOffice)."""
    modules = document_modules(codenames)
    if run_python_stub:
        modules.append(VbaModule("xlwings", _vba_source("RunPythonStub.bas"), "standard"))
    else:
        xl = xlwings_module_sources()
        modules.append(VbaModule("xlwings", xl["xlwings"], "standard"))
        modules.append(VbaModule("Dictionary", xl["Dictionary"], "class"))
        modules.append(VbaModule("xlwings_udfs", _vba_source("xlwings_udfs.bas"), "standard"))
    modules.append(VbaModule("FunctionHelp", _vba_source("FunctionHelp.bas"), "standard"))
    modules.append(VbaModule("Regenerate", _vba_source("Regenerate.bas"), "standard"))
    return modules


class _Styles:
    def __init__(self, wb: xlsxwriter.Workbook):
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.head = wb.add_format(
            {"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.bold = wb.add_format({"bold": True})
        self.unit = wb.add_format({"bold": True, "bg_color": "#FFF2CC", "border": 1})
        self.input = wb.add_format({"bg_color": "#FFFFF0", "border": 1, "border_color": "#D9D9D9"})
        self.note = wb.add_format({"italic": True, "font_color": "#595959"})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.warn = wb.add_format({"bold": True, "font_color": "#C00000"})


def _default_regions() -> dict[str, str]:
    return {p: r for r, members in YANGTZE_REGIONS.items() for p in members}


GUIDE_WIDTH = 120  # characters


def _wrapped_height(text: str, width: int = GUIDE_WIDTH) -> float:
    """Row height (points) for ``text`` wrapped in a column ``width`` characters wide.
    Stored explicitly: not every program computes it on load."""
    return 15.0 * max(1, -(-layout.text_width(text) // width)) + 2


def _fitting_width(texts, least: int, bold: bool = False) -> int:
    """A column width (characters, at least ``least``) that shows each of ``texts`` on one
    line: the widest with a margin of 2, a tenth wider for bold text.

    >>> _fitting_width(["1993-2000; 2001-2008; 2009-2016; 2017-2022"], 34)
    44
    """
    widest = max(layout.text_width(str(text)) for text in texts)
    return max(least, round(widest * (1.1 if bold else 1.0)) + 2)


def _write_guide(ws, st: _Styles, notice: str | None) -> None:
    ws.set_column(0, 0, GUIDE_WIDTH, st.wrap)
    lines = ([("warn", notice)] if notice else []) + GUIDE_TEXT
    for row, (kind, text) in enumerate(lines):
        fmt = {"title": st.title, "head": st.bold, "warn": st.warn}.get(kind, st.wrap)
        ws.write(row, 0, text, fmt)
        ws.set_row(row, 20 if kind == "title" else _wrapped_height(text))
    ws.insert_button(
        len(lines) + 1,
        0,
        {"macro": BUTTON_MACRO, "caption": BUTTON_CAPTION, "width": 260, "height": 36},
    )


def _write_settings(ws, st: _Styles) -> None:
    ws.write(0, 0, "设置 Settings", st.title)
    ws.write(
        1,
        0,
        "Column C holds the values; blank means the default. C列为设置值，空白为默认值。",
        st.note,
    )
    for c, text in enumerate(("key", "Setting 设置", "Value 值", "Help 说明")):
        ws.write(layout.SETTINGS_FIRST_ROW - 2, c, text, st.head)
    for i, s in enumerate(layout.SETTINGS_ROWS):
        r = layout.SETTINGS_FIRST_ROW - 1 + i
        ws.write(r, 0, s.key)
        ws.write(r, 1, s.label, st.bold)
        ws.write(r, 2, s.default, st.input)
        ws.write(r, 3, s.help, st.wrap)
        if s.choices:
            ws.data_validation(
                r,
                2,
                r,
                2,
                {
                    "validate": "list",
                    "source": list(s.choices),
                    "error_type": "stop",
                    "error_message": "Choose a value from the list 请从列表中选择",
                },
            )
    rows = layout.SETTINGS_ROWS
    ws.set_column("A:A", _fitting_width([s.key for s in rows], 16), st.note)
    ws.set_column("B:B", _fitting_width([s.label for s in rows], 30, bold=True))
    ws.set_column("C:C", _fitting_width([s.default for s in rows], 34))
    ws.set_column("D:D", 90)


def _write_regions(ws, st: _Styles, regions: Mapping[str, str]) -> None:
    for c, text in enumerate(("省份 Province", "区域 Region", "English")):
        ws.write(0, c, text, st.head)
    for i, (province, region) in enumerate(regions.items()):
        ws.write(i + 1, 0, province, st.input)
        ws.write(i + 1, 1, region, st.input)
        english = english_name(province) if match_province(province) else province
        ws.write(i + 1, 2, f"{english} · {REGION_ENGLISH.get(region, region)}", st.note)
    ws.write(
        0,
        4,
        "Edit freely: any provinces, cities or groupings; the data sheets' column A must use the "
        "same names. "
        "可自由修改分组；数据表A列须使用相同名称。",
        st.note,
    )
    ws.set_column("A:B", 16)
    ws.set_column("C:C", 32)


def _unit_choices(key: str) -> list[str]:
    if key == "population":
        return list(POPULATION_UNITS)
    if key == "fx":
        return list(FX_UNITS)
    return list(MONEY_UNITS)


def _write_unit_row(ws, st: _Styles, key: str, n_years: int) -> None:
    """Row 3: an optional unit per year column, for a series that changes unit mid-way."""
    r = layout.UNIT_ROW - 1
    ws.write(r, 0, "逐年单位 Unit of this column, if not B2's", st.note)
    first, last = layout.FIRST_YEAR_COL - 1, layout.FIRST_YEAR_COL - 2 + n_years
    ws.data_validation(
        r,
        first,
        r,
        last,
        {
            "validate": "list",
            "source": _unit_choices(key),
            "error_type": "warning",
            "error_message": "Not a listed unit; the computation will say if it cannot "
            "read it. 非列表单位",
        },
    )


def _write_data_sheet(
    ws, st: _Styles, key: str, regions: Mapping[str, str], values: pd.DataFrame | None
) -> None:
    zh, en = layout.DATA_TITLES[key]
    ws.write(0, 0, f"{zh} {en}", st.title)
    ur, uc = layout.UNIT_CELL
    ws.write(ur - 1, 0, "单位 Unit", st.bold)
    ws.write(ur - 1, uc - 1, layout.DEFAULT_UNITS[key], st.unit)
    ws.data_validation(
        ur - 1,
        uc - 1,
        ur - 1,
        uc - 1,
        {
            "validate": "list",
            "source": _unit_choices(key),
            "error_type": "warning",
            "error_message": "Not a listed unit; the computation will say if it cannot "
            "read it. 非列表单位",
        },
    )
    ws.write(
        ur - 1,
        uc,
        "← the unit of the numbers below, unless row 3 names another for a year "
        "本表数字的单位（某年不同时在第3行注明）",
        st.note,
    )
    years = list(values.columns) if values is not None else list(layout.DEFAULT_YEARS)
    _write_unit_row(ws, st, key, len(years))
    hr = layout.HEADER_ROW - 1
    ws.write(hr, 0, "省份 Province", st.head)
    ws.write(hr, 1, "区域 Region", st.head)
    for j, year in enumerate(years):
        ws.write_number(hr, layout.FIRST_YEAR_COL - 1 + j, int(year), st.head)
    rows = [(layout.FX_ROW_LABEL, "")] if key == "fx" else list(regions.items())
    for i, (name, region) in enumerate(rows):
        r = layout.FIRST_DATA_ROW - 1 + i
        ws.write(r, 0, name, st.bold)
        if (
            key != "fx"
        ):  # looked up live from the Regions sheet (for display; the computation reads Regions)
            ws.write_formula(
                r,
                1,
                f'=IFERROR(VLOOKUP($A{r + 1},{layout.REGIONS}!$A:$B,2,FALSE),"")',
                None,
                region,
            )
        for j, year in enumerate(years):
            c = layout.FIRST_YEAR_COL - 1 + j
            value = None
            if values is not None:
                label = values.index[0] if key == "fx" else name
                value = values.at[label, year] if label in values.index else None
            if value is None or pd.isna(value):
                ws.write_blank(r, c, None, st.input)
            else:
                ws.write_number(r, c, float(value), st.input)
    if key == "fx":
        ws.write(
            layout.FIRST_DATA_ROW + 1,
            0,
            "Source: China Statistical Yearbook, exchange-rate table (annual average). "
            "来源：《中国统计年鉴》人民币汇率（年平均价）。",
            st.note,
        )
    ws.freeze_panes(layout.FIRST_DATA_ROW - 1, layout.FIRST_YEAR_COL - 1)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 2 + len(years), 11)


def _write_output_sheet(ws, st: _Styles, sheet: str) -> None:
    ws.write(0, 0, layout.title(sheet, "both"), st.title)
    ws.write(
        1,
        0,
        "Click “Regenerate tables” on the Guide sheet (or run: yangtze regenerate BOOK). "
        "请在 Guide 表点击“重新生成表格”。",
        st.note,
    )
    for first, last, width in layout.column_widths(sheet):
        ws.set_column(first - 1, last - 1, width)


def _add_chart(wb, ws, spec: layout.ChartSpec, n_years: int) -> None:
    chart = wb.add_chart({"type": "line"})
    columns = measures.table_columns(layout.SHEET_TABLES[spec.sheet])
    last = layout.OUT_FIRST_ROW + n_years - 1
    for key in spec.series:
        col = columns.index(key)
        chart.add_series(
            {
                "name": [spec.sheet, layout.OUT_HEADER_ROW - 1, col],
                "categories": [spec.sheet, layout.OUT_FIRST_ROW - 1, 0, last - 1, 0],
                "values": [spec.sheet, layout.OUT_FIRST_ROW - 1, col, last - 1, col],
                "marker": {"type": "circle", "size": 4},
            }
        )
    chart.set_title({"name": spec.title})
    chart.set_y_axis({"name": spec.y_title})
    chart.set_x_axis({"name": "year 年份"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 420})
    ws.insert_chart(spec.anchor, chart)


def _write_xlwings_conf(ws, st: _Styles) -> None:
    ws.write(0, 0, "UDF Modules")
    ws.write(0, 1, "yangtze_udf")
    ws.write(
        2,
        0,
        "xlwings settings for this workbook (see docs/excel-setup.md). Add Interpreter_Win / "
        "Interpreter_Mac "
        "rows to point at a specific Python. xlwings 设置",
        st.note,
    )


def build_workbook(
    path: str | os.PathLike | io.BytesIO,
    data: Mapping[str, pd.DataFrame] | None = None,
    regions: Mapping[str, str] | None = None,
    notice: str | None = None,
    run_python_stub: bool = False,
    formulas: bool = True,
) -> None:
    """Write the template (or a filled workbook) to ``path``.

    Parameters
    ----------
    path : target .xlsm path or a BytesIO.
    data : optional values per series key (provinces × years; ``fx`` one row). Without
        it the data sheets are empty but for the official exchange rate.
    regions : province → region mapping (default: the paper's three groups).
    notice : a line shown in red at the top of the Guide (e.g. "example data").
    run_python_stub : build the LibreOffice test variant (see :func:`vba_modules`).
    formulas : write the Formulas sheet's formulas (one row per province); False leaves
        the sheet empty, as for very large synthetic workbooks in benchmarks.
    """
    regions = dict(regions or _default_regions())
    data = dict(data or {})
    data.setdefault("fx", official_fx().reindex(layout.DEFAULT_YEARS).to_frame().T)
    wb = xlsxwriter.Workbook(path, {"in_memory": True})
    wb.set_properties(
        {
            "title": "Yangtze opening-up 长江经济带对外开放",
            "created": FIXED_TIME,
            "comments": f"template version {layout.TEMPLATE_VERSION}",
        }
    )
    wb.set_vba_name("ThisWorkbook")
    # Full calculation when the file opens (fullCalcOnLoad): the file stores no formula
    # results, so Excel and LibreOffice compute every formula on open; in Excel with macros
    # enabled the worksheet functions on the Formulas sheet then start Python.
    # docs/excel-setup.md ("What happens when the workbook opens") says so.
    wb.set_calc_mode("auto")
    st = _Styles(wb)
    sheets = {name: wb.add_worksheet(name) for name in layout.SHEET_ORDER}
    codenames = ["ThisWorkbook"]
    for i, ws in enumerate(sheets.values(), start=1):
        ws.set_vba_name(f"Sheet{i}")
        codenames.append(f"Sheet{i}")

    _write_guide(sheets[layout.GUIDE], st, notice)
    _write_settings(sheets[layout.SETTINGS], st)
    _write_regions(sheets[layout.REGIONS], st, regions)
    for key, name in layout.DATA_SHEETS.items():
        _write_data_sheet(sheets[name], st, key, regions, data.get(key))
    for name in layout.OUTPUT_SHEETS:
        _write_output_sheet(sheets[name], st, name)
    n_years = len(data["trade"].columns) if "trade" in data else len(layout.DEFAULT_YEARS)
    for spec in layout.CHARTS:
        _add_chart(wb, sheets[spec.sheet], spec, n_years)
    if formulas:
        formulas_sheet.write(sheets[layout.FORMULAS], st, regions, n_years)
    _write_xlwings_conf(sheets[layout.XLWINGS_CONF], st)
    sheets[layout.GUIDE].activate()

    project = build_vba_project(vba_modules(codenames, run_python_stub))
    wb.add_vba_project(io.BytesIO(project), is_stream=True)
    wb.close()
