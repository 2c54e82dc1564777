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
from dataclasses import dataclass

from ..core.units import FX_UNITS, MONEY_UNITS
from ..panel import measures
from . import layout

SHEET = layout.FORMULAS
YEAR_ROW = 5
FACTOR_ROWS = {"trade": 6, "fie": 7}
NATIVE_HEADER = 9
NATIVE_FIRST = 10
UNITS_COL = (
    40  # AN: lookup table of money units (label, scale, is USD) and FX units (label, divisor)
)


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


def _data(sheet_key: str, province_cell: str, col: int, n_rows: int) -> str:
    """INDEX/MATCH of a province's value in year column ``col`` of a data sheet."""
    s = layout.DATA_SHEETS[sheet_key]
    c = layout.column_letter(col)
    first, last = layout.FIRST_DATA_ROW, layout.FIRST_DATA_ROW + n_rows - 1
    return f"INDEX({s}!{c}${first}:{c}${last},MATCH({province_cell},{s}!$A${first}:$A${last},0))"


def _unit_of(sheet: str, col: str) -> str:
    """A year column's unit: its cell in the unit row (row 3) if filled, else the sheet's B2."""
    own = f"{sheet}!{col}${layout.UNIT_ROW}"
    return f'IF({own}="",{sheet}!$B$2,{own})'


def _units_ranges(n_money: int, n_fx: int) -> tuple[str, str]:
    m = f"${layout.column_letter(UNITS_COL)}${YEAR_ROW + 1}:${layout.column_letter(UNITS_COL + 2)}${YEAR_ROW + n_money}"
    f0 = YEAR_ROW + n_money + 2
    f = f"${layout.column_letter(UNITS_COL)}${f0}:${layout.column_letter(UNITS_COL + 1)}${f0 + n_fx - 1}"
    return m, f


def plan(
    regions: Mapping[str, str], n_years: int
) -> tuple[list[FormulaCell], list[tuple[int, int, object]]]:
    """Every formula of the sheet, and the constant cells (labels, lookup tables)."""
    provinces = list(regions)
    n = len(provinces)
    c0 = layout.FIRST_YEAR_COL
    years_last = c0 + n_years - 1
    cells: list[FormulaCell] = []
    consts: list[tuple[int, int, object]] = [
        (1, 1, "公式 Formulas"),
        (
            2,
            1,
            "Native formulas compute in any spreadsheet program; the add-in's worksheet functions (rows below) "
            "compute in Windows Excel with the add-in and show an error (#NAME? or #VALUE!) elsewhere. No gap filling; "
            "indices in GDP's unit. 原生公式处处可算；加载项函数仅在 Windows Excel 中计算。",
        ),
        (YEAR_ROW, 1, "年份 Year"),
        (FACTOR_ROWS["trade"], 1, "trade → GDP unit 贸易换算系数"),
        (FACTOR_ROWS["fie"], 1, "FIE → GDP unit 外资换算系数"),
        (NATIVE_HEADER, 1, "Z (native formulas 原生公式)"),
    ]
    money, fx = _units_ranges(len(MONEY_UNITS), len(FX_UNITS))
    consts.append((YEAR_ROW, UNITS_COL, "money units 货币单位 (scale, USD?)"))
    for i, unit in enumerate(MONEY_UNITS.values()):
        consts += [
            (YEAR_ROW + 1 + i, UNITS_COL, unit.label),
            (YEAR_ROW + 1 + i, UNITS_COL + 1, unit.scale),
            (YEAR_ROW + 1 + i, UNITS_COL + 2, 1 if unit.currency == "USD" else 0),
        ]
    for i, (label, divisor) in enumerate(FX_UNITS.items()):
        r = YEAR_ROW + len(MONEY_UNITS) + 2 + i
        consts += [(r, UNITS_COL, label), (r, UNITS_COL + 1, divisor)]

    for j in range(n_years):
        c = c0 + j
        col = layout.column_letter(c)
        cells.append(
            FormulaCell(YEAR_ROW, c, f"=Trade!{col}${layout.HEADER_ROW}", "year", year_index=j)
        )
        gdp_unit = _unit_of(layout.DATA_SHEETS["gdp"], col)
        fx_div = f"VLOOKUP({_unit_of(layout.DATA_SHEETS['fx'], col)},{fx},2,0)"
        rate = f"FX!{col}${layout.FIRST_DATA_ROW}/{fx_div}"
        for key, row in FACTOR_ROWS.items():
            unit = _unit_of(layout.DATA_SHEETS[key], col)
            usd, gdp_usd = f"VLOOKUP({unit},{money},3,0)", f"VLOOKUP({gdp_unit},{money},3,0)"
            formula = (
                f"=VLOOKUP({unit},{money},2,0)/VLOOKUP({gdp_unit},{money},2,0)"
                f"*IF({usd}={gdp_usd},1,IF({usd}=1,{rate},1/({rate})))"
            )
            cells.append(FormulaCell(row, c, formula, f"factor_{key}", year_index=j))

    for i, province in enumerate(provinces):
        r = NATIVE_FIRST + i
        consts.append((r, 1, province))
        cells.append(
            FormulaCell(r, 2, f"=VLOOKUP($A{r},Regions!$A:$B,2,0)", "region", province=province)
        )
        for j in range(n_years):
            c = c0 + j
            col = layout.column_letter(c)
            t, f, g = (_data(k, f"$A{r}", c, n) for k in ("trade", "fie", "gdp"))
            tf, ff = f"{col}${FACTOR_ROWS['trade']}", f"{col}${FACTOR_ROWS['fie']}"
            z = f'=IFERROR(IF(OR({t}="",{f}="",{g}=""),"",({t}*{tf})*({f}*{ff})/{g}),"")'
            cells.append(FormulaCell(r, c, z, "native_z", province=province, year_index=j))
    z_first, z_last = NATIVE_FIRST, NATIVE_FIRST + n - 1
    regions_row = z_last + 2
    region_names = list(dict.fromkeys(regions.values()))
    for k, region in enumerate(region_names):
        r = regions_row + k
        consts.append((r, 1, region))
        for j in range(n_years):
            c = c0 + j
            col = layout.column_letter(c)
            cells.append(
                FormulaCell(
                    r,
                    c,
                    f'=IFERROR(AVERAGEIF($B${z_first}:$B${z_last},$A{r},{col}${z_first}:{col}${z_last}),"")',
                    "native_region",
                    province=region,
                    year_index=j,
                )
            )
    cv_row = regions_row + len(region_names) + 1
    consts.append((cv_row, 1, "plain CV 未加权变异系数"))
    for j in range(n_years):
        col = layout.column_letter(c0 + j)
        rng = f"{col}{z_first}:{col}{z_last}"
        cells.append(
            FormulaCell(
                cv_row,
                c0 + j,
                f'=IFERROR(STDEVP({rng})/AVERAGE({rng}),"")',
                "native_cv",
                year_index=j,
            )
        )

    udf_row = cv_row + 3
    consts.append(
        (udf_row - 1, 1, "Worksheet functions of the add-in 加载项工作表函数 (Windows Excel)")
    )
    last_col = years_last

    def block(s):
        return f"{layout.DATA_SHEETS[s]}!{layout.column_letter(c0)}{layout.FIRST_DATA_ROW}:{layout.column_letter(last_col)}{layout.FIRST_DATA_ROW + n - 1}"

    def factor(k):
        return f"{layout.column_letter(c0)}${FACTOR_ROWS[k]}:{layout.column_letter(last_col)}${FACTOR_ROWS[k]}"

    blocks = (
        ("TRADE_INDEX", f"=TRADE_INDEX({block('trade')},{block('gdp')},{factor('trade')})"),
        ("INVEST_INDEX", f"=INVEST_INDEX({block('fie')},{block('gdp')},{factor('fie')})"),
        (
            "OPEN_INDEX",
            f"=OPEN_INDEX({block('trade')},{block('fie')},{block('gdp')},{factor('trade')},{factor('fie')})",
        ),
    )
    r = udf_row
    open_block = None
    for name, formula in blocks:
        consts.append((r, 1, name))
        first = r + 1
        cells.append(
            FormulaCell(first, c0, formula, f"udf_{name.lower()}", last=(first + n - 1, last_col))
        )
        for i, province in enumerate(provinces):
            consts.append((first + i, 1, province))
        if name == "OPEN_INDEX":
            open_block = (
                f"{layout.column_letter(c0)}{first}:{layout.column_letter(last_col)}{first + n - 1}"
            )
        r = first + n + 1
    pop = block("population")
    for key, name, formula in measures.formula_rows():
        formula = formula.format(values=open_block, weights=pop)
        consts.append((r, 1, name))
        cells.append(FormulaCell(r, c0, formula, f"udf_{key}", last=(r, last_col)))
        r += 1
    # Series functions: one result per province (row of the Z block), side by side.
    r += 1
    consts += [
        (r, 1, "Z per province 各省 Z"),
        (r, c0, "GROWTH_RATE (CAGR)"),
        (r, c0 + 1, "ANNUAL_CHANGE"),
    ]
    for i, province in enumerate(provinces):
        consts.append((r + 1 + i, 1, province))
    cells.append(
        FormulaCell(r + 1, c0, f"=GROWTH_RATE({open_block})", "udf_growth_rate", last=(r + n, c0))
    )
    cells.append(
        FormulaCell(
            r + 1,
            c0 + 1,
            f"=ANNUAL_CHANGE({open_block})",
            "udf_annual_change",
            last=(r + n, c0 + 1),
        )
    )
    r += n + 2
    consts.append((r, 1, "FILL_GAPS (Trade)"))
    cells.append(
        FormulaCell(
            r + 1, c0, f"=FILL_GAPS({block('trade')})", "udf_fill_gaps", last=(r + n, last_col)
        )
    )
    for i, province in enumerate(provinces):
        consts.append((r + 1 + i, 1, province))
    r += n + 2
    consts.append((r, 1, "YANGTZE_VERSION"))
    cells.append(FormulaCell(r, c0, "=YANGTZE_VERSION()", "udf_yangtze_version"))
    return cells, consts


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
