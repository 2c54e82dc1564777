"""The Formulas sheet: the method as live formulas over the data sheets.

Two parts, laid out by :func:`plan` (pure, so tests can map every formula to the
engine's number) and written by :func:`write`:

- native formulas (any spreadsheet program computes them): conversion factors into
  GDP's unit from the unit cells and the FX sheet, Z per province-year, region means
  and the plain CV;
- the add-in's worksheet functions as array formulas over whole blocks (Windows Excel
  with the add-in; elsewhere they show an error such as #NAME? or #VALUE!).

Unlike the engine, these formulas do not fill gaps and give indices in GDP's unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ...core.units import FX_UNITS, MONEY_UNITS
from ...panel import measures
from .. import layout

SHEET = layout.FORMULAS
YEAR_ROW = 5
FACTOR_ROWS = {"trade": 6, "fie": 7}
NATIVE_HEADER = 9
NATIVE_FIRST = 10
#: Column AN: lookup table of money units (label, scale, is USD) and FX units (label, divisor).
UNITS_COL = 40


@dataclass(frozen=True)
class FormulaCell:
    """One formula: written at (row, col) (1-based); ``last`` is the bottom-right of an
    array formula's block, None for a single cell. ``role`` tells tests what it computes."""

    row: int
    col: int
    formula: str
    role: str
    last: tuple[int, int] | None = None
    province: str | None = None
    year_index: int | None = None


def _col(c: int) -> str:
    return layout.column_letter(c)


def _data(sheet_key: str, province_cell: str, col: int, n_rows: int) -> str:
    """INDEX/MATCH of a province's value in year column ``col`` of a data sheet."""
    s = layout.DATA_SHEETS[sheet_key]
    c = _col(col)
    first, last = layout.FIRST_DATA_ROW, layout.FIRST_DATA_ROW + n_rows - 1
    return f"INDEX({s}!{c}${first}:{c}${last},MATCH({province_cell},{s}!$A${first}:$A${last},0))"


def _unit_of(sheet: str, col: str) -> str:
    """A year column's unit: its cell in the unit row (row 3) if filled, else the sheet's B2."""
    own = f"{sheet}!{col}${layout.UNIT_ROW}"
    return f'IF({own}="",{sheet}!$B$2,{own})'


def _units_ranges(n_money: int, n_fx: int) -> tuple[str, str]:
    first, last = _col(UNITS_COL), _col(UNITS_COL + 2)
    money = f"${first}${YEAR_ROW + 1}:${last}${YEAR_ROW + n_money}"
    f0 = YEAR_ROW + n_money + 2
    fx = f"${first}${f0}:${_col(UNITS_COL + 1)}${f0 + n_fx - 1}"
    return money, fx


@dataclass
class _Plan:
    """The sheet being planned: its formula cells and constant cells, and its size."""

    provinces: list[str]
    n_years: int
    cells: list[FormulaCell] = field(default_factory=list)
    consts: list[tuple[int, int, object]] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.provinces)

    @property
    def last_col(self) -> int:
        return layout.FIRST_YEAR_COL + self.n_years - 1

    def year_cols(self):
        """(position, column number, column letters) of each year."""
        for j in range(self.n_years):
            c = layout.FIRST_YEAR_COL + j
            yield j, c, _col(c)

    def label_provinces(self, first_row: int) -> None:
        self.consts += [(first_row + i, 1, p) for i, p in enumerate(self.provinces)]

    def block(self, key: str) -> str:
        """A data sheet's whole regions × years block, e.g. ``Trade!C5:AF15``."""
        first, last = layout.FIRST_DATA_ROW, layout.FIRST_DATA_ROW + self.n - 1
        c0, c1 = _col(layout.FIRST_YEAR_COL), _col(self.last_col)
        return f"{layout.DATA_SHEETS[key]}!{c0}{first}:{c1}{last}"

    def factor(self, key: str) -> str:
        """A conversion-factor row of this sheet, e.g. ``C$6:AF$6``."""
        row = FACTOR_ROWS[key]
        return f"{_col(layout.FIRST_YEAR_COL)}${row}:{_col(self.last_col)}${row}"


_INTRO = (
    "Native formulas compute in any spreadsheet program; the add-in's worksheet functions "
    "(rows below) compute in Windows Excel with the add-in and show an error (#NAME? or "
    "#VALUE!) elsewhere. No gap filling; indices in GDP's unit. "
    "原生公式处处可算；加载项函数仅在 Windows Excel 中计算。"
)


def _headings(plan: _Plan) -> None:
    plan.consts += [
        (1, 1, "公式 Formulas"),
        (2, 1, _INTRO),
        (YEAR_ROW, 1, "年份 Year"),
        (FACTOR_ROWS["trade"], 1, "trade → GDP unit 贸易换算系数"),
        (FACTOR_ROWS["fie"], 1, "FIE → GDP unit 外资换算系数"),
        (NATIVE_HEADER, 1, "Z (native formulas 原生公式)"),
    ]


def _unit_tables(plan: _Plan) -> tuple[str, str]:
    """The lookup tables of money units (label, scale, is USD) and FX units (label, divisor)."""
    plan.consts.append((YEAR_ROW, UNITS_COL, "money units 货币单位 (scale, USD?)"))
    for i, unit in enumerate(MONEY_UNITS.values()):
        r = YEAR_ROW + 1 + i
        usd = 1 if unit.currency == "USD" else 0
        plan.consts += [(r, UNITS_COL, unit.label), (r, UNITS_COL + 1, unit.scale)]
        plan.consts.append((r, UNITS_COL + 2, usd))
    for i, (label, divisor) in enumerate(FX_UNITS.items()):
        r = YEAR_ROW + len(MONEY_UNITS) + 2 + i
        plan.consts += [(r, UNITS_COL, label), (r, UNITS_COL + 1, divisor)]
    return _units_ranges(len(MONEY_UNITS), len(FX_UNITS))


def _factor_rows(plan: _Plan, money: str, fx: str) -> None:
    """The year row, and per year the factors converting trade and FIE into GDP's unit
    (each year's unit from the unit row where it is filled)."""
    for j, c, col in plan.year_cols():
        year = f"=Trade!{col}${layout.HEADER_ROW}"
        plan.cells.append(FormulaCell(YEAR_ROW, c, year, "year", year_index=j))
        gdp_unit = _unit_of(layout.DATA_SHEETS["gdp"], col)
        gdp_usd = f"VLOOKUP({gdp_unit},{money},3,0)"
        fx_div = f"VLOOKUP({_unit_of(layout.DATA_SHEETS['fx'], col)},{fx},2,0)"
        rate = f"FX!{col}${layout.FIRST_DATA_ROW}/{fx_div}"
        for key, row in FACTOR_ROWS.items():
            unit = _unit_of(layout.DATA_SHEETS[key], col)
            usd = f"VLOOKUP({unit},{money},3,0)"
            formula = (
                f"=VLOOKUP({unit},{money},2,0)/VLOOKUP({gdp_unit},{money},2,0)"
                f"*IF({usd}={gdp_usd},1,IF({usd}=1,{rate},1/({rate})))"
            )
            plan.cells.append(FormulaCell(row, c, formula, f"factor_{key}", year_index=j))


def _native_z(plan: _Plan) -> None:
    """Z per province and year with INDEX/MATCH over the data sheets."""
    for i, province in enumerate(plan.provinces):
        r = NATIVE_FIRST + i
        plan.consts.append((r, 1, province))
        region = f"=VLOOKUP($A{r},Regions!$A:$B,2,0)"
        plan.cells.append(FormulaCell(r, 2, region, "region", province=province))
        for j, c, col in plan.year_cols():
            t, f, g = (_data(k, f"$A{r}", c, plan.n) for k in ("trade", "fie", "gdp"))
            tf, ff = f"{col}${FACTOR_ROWS['trade']}", f"{col}${FACTOR_ROWS['fie']}"
            z = f'=IFERROR(IF(OR({t}="",{f}="",{g}=""),"",({t}*{tf})*({f}*{ff})/{g}),"")'
            plan.cells.append(FormulaCell(r, c, z, "native_z", province=province, year_index=j))


def _native_aggregates(plan: _Plan, regions: Mapping[str, str]) -> int:
    """Region means and the plain CV of the native Z; returns the next free row."""
    z_first, z_last = NATIVE_FIRST, NATIVE_FIRST + plan.n - 1
    regions_row = z_last + 2
    region_names = list(dict.fromkeys(regions.values()))
    for k, region in enumerate(region_names):
        r = regions_row + k
        plan.consts.append((r, 1, region))
        for j, c, col in plan.year_cols():
            zs = f"{col}${z_first}:{col}${z_last}"
            mean = f'=IFERROR(AVERAGEIF($B${z_first}:$B${z_last},$A{r},{zs}),"")'
            plan.cells.append(
                FormulaCell(r, c, mean, "native_region", province=region, year_index=j)
            )
    cv_row = regions_row + len(region_names) + 1
    plan.consts.append((cv_row, 1, "plain CV 未加权变异系数"))
    for j, c, col in plan.year_cols():
        rng = f"{col}{z_first}:{col}{z_last}"
        cv = f'=IFERROR(STDEVP({rng})/AVERAGE({rng}),"")'
        plan.cells.append(FormulaCell(cv_row, c, cv, "native_cv", year_index=j))
    return cv_row + 3


def _index_functions(plan: _Plan, r: int) -> tuple[int, str]:
    """TRADE_INDEX, INVEST_INDEX and OPEN_INDEX over whole blocks; returns the next free
    row and the OPEN_INDEX block's range."""
    c0, block, factor = layout.FIRST_YEAR_COL, plan.block, plan.factor
    functions = (
        ("TRADE_INDEX", f"=TRADE_INDEX({block('trade')},{block('gdp')},{factor('trade')})"),
        ("INVEST_INDEX", f"=INVEST_INDEX({block('fie')},{block('gdp')},{factor('fie')})"),
        (
            "OPEN_INDEX",
            f"=OPEN_INDEX({block('trade')},{block('fie')},{block('gdp')},"
            f"{factor('trade')},{factor('fie')})",
        ),
    )
    open_block = ""
    for name, formula in functions:
        plan.consts.append((r, 1, name))
        first, last = r + 1, r + plan.n
        role = f"udf_{name.lower()}"
        plan.cells.append(FormulaCell(first, c0, formula, role, last=(last, plan.last_col)))
        plan.label_provinces(first)
        open_block = f"{_col(c0)}{first}:{_col(plan.last_col)}{last}"
        r = last + 2
    return r, open_block


def _disparity_functions(plan: _Plan, r: int, open_block: str) -> int:
    """One row per disparity measure of the registry over the OPEN_INDEX block."""
    for key, name, formula in measures.formula_rows():
        formula = formula.format(values=open_block, weights=plan.block("population"))
        plan.consts.append((r, 1, name))
        cell = FormulaCell(r, layout.FIRST_YEAR_COL, formula, f"udf_{key}", last=(r, plan.last_col))
        plan.cells.append(cell)
        r += 1
    return r + 1


def _series_functions(plan: _Plan, r: int, open_block: str) -> int:
    """GROWTH_RATE and ANNUAL_CHANGE of each province's Z, side by side."""
    c0 = layout.FIRST_YEAR_COL
    plan.consts += [
        (r, 1, "Z per province 各省 Z"),
        (r, c0, "GROWTH_RATE (CAGR)"),
        (r, c0 + 1, "ANNUAL_CHANGE"),
    ]
    plan.label_provinces(r + 1)
    for k, name in enumerate(("GROWTH_RATE", "ANNUAL_CHANGE")):
        formula = f"={name}({open_block})"
        role = f"udf_{name.lower()}"
        plan.cells.append(FormulaCell(r + 1, c0 + k, formula, role, last=(r + plan.n, c0 + k)))
    return r + plan.n + 2


def _fill_gaps_and_version(plan: _Plan, r: int) -> None:
    c0 = layout.FIRST_YEAR_COL
    plan.consts.append((r, 1, "FILL_GAPS (Trade)"))
    formula = f"=FILL_GAPS({plan.block('trade')})"
    last = (r + plan.n, plan.last_col)
    plan.cells.append(FormulaCell(r + 1, c0, formula, "udf_fill_gaps", last=last))
    plan.label_provinces(r + 1)
    r += plan.n + 2
    plan.consts.append((r, 1, "YANGTZE_VERSION"))
    plan.cells.append(FormulaCell(r, c0, "=YANGTZE_VERSION()", "udf_yangtze_version"))


def plan(
    regions: Mapping[str, str], n_years: int
) -> tuple[list[FormulaCell], list[tuple[int, int, object]]]:
    """Every formula of the sheet, and the constant cells (labels, lookup tables)."""
    sheet = _Plan(list(regions), n_years)
    _headings(sheet)
    money, fx = _unit_tables(sheet)
    _factor_rows(sheet, money, fx)
    _native_z(sheet)
    r = _native_aggregates(sheet, regions)
    sheet.consts.append(
        (r - 1, 1, "Worksheet functions of the add-in 加载项工作表函数 (Windows Excel)")
    )
    r, open_block = _index_functions(sheet, r)
    r = _disparity_functions(sheet, r, open_block)
    r = _series_functions(sheet, r, open_block)
    _fill_gaps_and_version(sheet, r)
    return sheet.cells, sheet.consts


def write(ws, styles, regions: Mapping[str, str], n_years: int) -> None:
    """Write the sheet with XlsxWriter (array formulas over whole blocks)."""
    cells, consts = plan(regions, n_years)
    for r, c, value in consts:
        if value is not None:
            ws.write(r - 1, c - 1, value, styles.bold if c == 1 and r < NATIVE_FIRST else None)
    for cell in cells:
        if cell.last is None:
            ws.write_formula(cell.row - 1, cell.col - 1, cell.formula)
        else:
            ws.write_array_formula(
                cell.row - 1,
                cell.col - 1,
                cell.last[0] - 1,
                cell.last[1] - 1,
                "{" + cell.formula + "}",
            )
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 12)
    ws.freeze_panes(YEAR_ROW, 2)
