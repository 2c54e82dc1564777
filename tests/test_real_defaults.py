"""Defaults on real data (issue 18, item 4): a new user fills the template with the real
yearbook series of ../shared/data through ``yangtze import`` and keeps the template's
settings (the paper's Table 1 years 1993 … 2022 and its four stages). The real trade series
starts in 2005 and FIE ends in 2015, so Z exists for 2005–2015 only (2006 filled): Quality, the
CLI summary and ``yangtze check`` say which years have Z and which setting to change, and the
notes describe what was computed. Skipped with a stated reason when the data are absent.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_honest_numbers import PROVINCE_FULL, PROVINCES, notes, quality, real, table

from addin.cli import main
from addin.workbook import layout

EXPORTS = {  # file, indicator line as NBS writes it
    "trade_10k_usd.csv": "经营单位所在地进出口总额(万美元)",
    "trade_1k_usd.csv": "经营单位所在地进出口总额(千美元)",
    "fie_total_investment_musd.csv": "外商投资企业投资总额(百万美元)",
    "gdp_100m_cny.csv": "地区生产总值(亿元)",
    "population_resident_10k.csv": "年末常住人口(万人)",
}


def column(frame: pd.DataFrame, name: str):
    """The column whose header is the year ``name`` (text or number) or contains ``name``."""
    return next(
        c for c in frame.columns if str(c) == name or (len(name) > 4 and name in str(c).lower())
    )


def nbs_export(path: Path, values: pd.DataFrame, indicator: str) -> Path:
    """A 分省年度数据 CSV (GBK, years descending, full province names) of ``values``."""
    years = sorted(values.columns, reverse=True)
    lines = ["数据库：分省年度数据", f"指标：{indicator}", f"时间：最近{len(years)}年"]
    lines.append("地区," + ",".join(f"{y}年" for y in years))
    for p in PROVINCES:
        cells = ("" if pd.isna(values.loc[p, y]) else repr(float(values.loc[p, y])) for y in years)
        lines.append(PROVINCE_FULL[p] + "," + ",".join(cells))
    lines.append("数据来源：国家统计局")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


@pytest.fixture(scope="module")
def imported(shared_data, tmp_path_factory) -> Path:
    """The template (defaults untouched) with every real series imported by the CLI."""
    folder = tmp_path_factory.mktemp("real-defaults")
    book = folder / "book.xlsm"
    assert main(["template", str(book)]) == 0
    for name, indicator in EXPORTS.items():
        export = nbs_export(folder / name, real(shared_data, name), indicator)
        assert main(["import", str(export), str(book)]) == 0, name
    return book


def test_real_series_with_the_templates_defaults_say_which_setting_to_change(
    imported, tmp_path, capsys
):
    capsys.readouterr()
    assert main(["regenerate", str(imported), "-o", str(tmp_path / "out.xlsm")]) == 0
    out = capsys.readouterr().out
    path = tmp_path / "out.xlsm"
    wb = openpyxl.load_workbook(path, read_only=True)
    settings = {r[0]: r[2] for r in wb[layout.SETTINGS].iter_rows(values_only=True) if r[0]}
    wb.close()
    assert settings["table1_years"] == "1993, 2000, 2005, 2010, 2014, 2022"  # untouched
    years_cell, stages_cell = "Settings!C4", "Settings!C5"
    q = quality(path)
    found = q[q["kind"] == "settings"].set_index("cell")
    assert set(found.index) == {years_cell, stages_cell}
    assert (found["level"] == "warning").all()
    years_row = found.loc[years_cell, "detail"]
    assert years_row.startswith(
        "Table 1 years 1993, 2000, 2022 have no Z (Z exists for 2005–2015)"
    ), years_row
    assert "no annual change" in years_row
    assert years_row.endswith(f"change table1_years ({years_cell})")
    stages_row = found.loc[stages_cell, "detail"]
    assert stages_row.startswith(
        "stages 1993–2000, 2001–2008, 2009–2016, 2017–2022 have a first or last"
    )
    assert stages_row.endswith(f"change stages ({stages_cell})")
    # the CLI summary says it too
    assert f"change table1_years ({years_cell})" in out and "Z exists for 2005–2015" in out
    # the notes describe what was computed: no "(Z2022 − Z1993)" over empty columns
    text = notes(path, layout.TABLE1)
    assert "Z2022 − Z1993" not in text
    assert "annual change 年均变化: empty, no Z in 1993, 2022" in text
    assert "years without Z, shown empty 无Z年份: 1993, 2000, 2022" in text
    t1 = table(path, layout.TABLE1)
    assert t1[column(t1, "2010")].notna().all()
    assert all(t1[column(t1, y)].isna().all() for y in ("1993", "2000", "2022"))
    # yangtze check lists the same lines, with their cells
    assert main(["check", str(path)]) == 0
    checked = capsys.readouterr().out
    assert f"[{years_cell}]" in checked and f"[{stages_cell}]" in checked


def test_table1_years_with_z_give_an_annual_change_and_a_note_of_what_it_is(
    imported, tmp_path, capsys
):
    """Following the advice (2005, 2010, 2015): no settings warning for Table 1, and the
    note names the years actually used."""
    path = tmp_path / "fixed.xlsm"
    path.write_bytes(imported.read_bytes())
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[layout.SETTINGS]
    ws["C4"] = "2005, 2010, 2015"
    ws["C5"] = "2005-2010; 2010-2015"
    wb.save(path)
    assert main(["regenerate", str(path)]) == 0
    assert "change table1_years" not in capsys.readouterr().out
    q = quality(path)
    assert not (q["kind"] == "settings").any(), q[q["kind"] == "settings"].to_string()
    assert "annual change 年均变化 = (Z2015 − Z2005) / 10 years" in notes(path, layout.TABLE1)
    t1 = table(path, layout.TABLE1)
    belt = t1.iloc[-1]
    change = belt[column(t1, "annual change")]
    z2005, z2015 = belt[column(t1, "2005")], belt[column(t1, "2015")]
    assert z2015 == pytest.approx(7551.12, abs=0.01)  # the belt's 2015 Z checked in issue 18
    assert change == pytest.approx((z2015 - z2005) / 10, rel=1e-12)


def test_the_unit_row_forgotten_gives_one_unit_warning_and_no_fill_across_it(
    imported, tmp_path, capsys
):
    """Issue 18: with the 千美元 of row 3 cleared, the interpolated 2015 (between 万美元 and
    千美元) moved the belt's 2015 Z from 7,551 to 40,022. Now 2015 stays empty, and one
    warning names B2 and the unit-row cell above 2016 instead of eleven jumps."""
    path = tmp_path / "forgot.xlsm"
    path.write_bytes(imported.read_bytes())
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Trade"]
    row3 = {ws.cell(layout.HEADER_ROW, c).value: c for c in range(3, ws.max_column + 1)}
    for year in range(2016, 2023):
        ws.cell(layout.UNIT_ROW, row3[year]).value = None
    wb.save(path)
    assert main(["regenerate", str(path)]) == 0
    capsys.readouterr()
    q = quality(path)
    trade = q[q["series"] == "trade"]
    assert not (trade["kind"] == "jump").any()
    (detail,) = trade.loc[trade["kind"] == "unit", "detail"]
    unit_cell = f"Trade!{layout.column_letter(row3[2016])}{layout.UNIT_ROW}"
    assert "every province with a value (11)" in detail and "from 2014 to 2016" in detail
    assert "Trade!B2 (万美元)" in detail and unit_cell in detail and "not filled" in detail
    assert not ((trade["kind"] == "filled") & (trade["year"] == 2015)).any()
    intact = tmp_path / "intact.xlsm"
    assert main(["regenerate", str(imported), "-o", str(intact)]) == 0
    z, z_intact = (
        f.set_index(f.columns[0])[column(f, "composite index z")]
        for f in (table(path, layout.FACTORS), table(intact, layout.FACTORS))
    )
    assert z_intact.loc[2015] == pytest.approx(7551.12, abs=0.01)  # filled in one unit
    assert pd.isna(z.loc[2015])  # not filled across the change (was 40,022)
    pd.testing.assert_series_equal(z.loc[:2014], z_intact.loc[:2014])  # 万美元 years alike
