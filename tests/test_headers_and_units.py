"""Honest numbers, round 2 (issue 18, items 1–3): year headers and unit cells.

Numbers that are in the sheet are never replaced by filled values: a column of numbers under
a blank, malformed or repeated year header stops the run before anything is written, naming
the header cell. Headers that run neither up nor down are warned about. A yuan unit on the
dollar sheets, and a power of ten in every province in the same year, are said once, naming
the unit cells; no gap is filled across such a unit change.

Each test edits the example workbook with openpyxl as a user would and runs ``yangtze``;
expected numbers are computed here from the example data by hand (numpy), never by the
add-in's tables.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from test_excel_engine import fake_book
from test_honest_numbers import PROVINCES, col, quality, ref, regenerate, table, z_by_hand

from addin.cli import main
from addin.panel.example import example_dataset
from addin.workbook import layout
from addin.workbook.excel_engine import regenerate_caller

from workbooks import edited, plain_book, set_setting


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return plain_book(tmp_path_factory.mktemp("headers") / "base.xlsm")


@pytest.fixture(scope="module")
def data():
    return example_dataset()


LETTER = {year: layout.column_letter(col(year)) for year in range(1993, 2023)}


def header(year: int, sheet: str = "Trade") -> str:
    return f"{sheet}!{LETTER[year]}{layout.HEADER_ROW}"


def refused(base, tmp_path, change, capsys) -> str:
    """The one-line error of ``yangtze regenerate`` on an edited copy, which stays unchanged."""
    path = edited(base, tmp_path, change)
    before = path.read_bytes()
    rc = main(["regenerate", str(path)])
    err = capsys.readouterr().err.strip()
    assert rc != 0 and "\n" not in err, err
    assert path.read_bytes() == before, "the workbook was written although the run stopped"
    return err


# --- 1. blank, malformed or repeated year headers over numbers: stop, naming the cell -------


def _set_header(sheet: str, year: int, value):
    def change(wb):
        wb[sheet].cell(layout.HEADER_ROW, col(year)).value = value

    return change


def test_blank_year_header_over_numbers_stops_naming_the_cell_and_the_year(base, tmp_path, capsys):
    """The issue's case: Trade!T4 (2010) cleared used to drop the column and interpolate."""
    err = refused(base, tmp_path, _set_header("Trade", 2010, None), capsys)
    assert err.endswith(
        "Trade!T4: the year header is blank over 11 number(s); type the year (2010) or clear "
        "the column"
    ), err


def test_blank_year_header_stops_even_with_gap_filling_on(base, tmp_path, capsys):
    def change(wb):
        set_setting(wb, "fill_gaps", "yes")
        wb["GDP"].cell(layout.HEADER_ROW, col(2001)).value = None

    err = refused(base, tmp_path, change, capsys)
    assert f"{header(2001, 'GDP')}: the year header is blank over 11 number(s)" in err
    assert "(2001)" in err


def test_malformed_year_header_over_numbers_stops(base, tmp_path, capsys):
    err = refused(base, tmp_path, _set_header("FIE", 1993, "1993a"), capsys)
    assert f"{header(1993, 'FIE')}: the year header is '1993a', not a year" in err
    assert "(1993)" in err  # from the two headers to its right


def test_a_year_typed_over_the_previous_years_header_stops(base, tmp_path, capsys):
    """Typing 2010 over the 2009 header used to make 2009's numbers serve as 2010's."""
    err = refused(base, tmp_path, _set_header("Trade", 2009, 2010), capsys)
    assert err.endswith(
        f"{header(2010)}: year 2010 is also the header of {LETTER[2009]}4, and both columns "
        "hold numbers; correct the year of the one that is wrong (each year once)"
    ), err


def test_blank_header_over_an_empty_column_is_harmless(base, tmp_path, capsys, data):
    """A column cleared together with its header is a year without data, not an error."""

    def change(wb):
        for r in range(layout.HEADER_ROW, layout.FIRST_DATA_ROW + len(PROVINCES)):
            wb["Trade"].cell(r, col(2010)).value = None

    path, _ = regenerate(base, tmp_path, change, capsys)
    q = quality(path)
    assert not (q["level"] == "error").any(), q[q["level"] == "error"].to_string()
    idx = table(path, layout.INDEX).set_index(["Province", "Year"])
    z = idx["Composite index Z"]
    assert all(np.isnan(z.loc[(p, 2010)]) for p in PROVINCES)  # never interpolated (fill off)
    assert z.loc[("上海", 2011)] == pytest.approx(z_by_hand(data).loc["上海", 2011], rel=1e-12)


def test_excel_engine_stops_on_the_same_header_with_the_same_message(base, monkeypatch):
    """The reading is shared: the Regenerate button shows the same line and writes nothing."""
    book = fake_book(base)
    del book.sheets["Trade"].cells[(layout.HEADER_ROW, col(2010))]
    monkeypatch.setitem(
        sys.modules,
        "xlwings",
        types.SimpleNamespace(Book=types.SimpleNamespace(caller=lambda: book)),
    )
    regenerate_caller()
    (_, message), *more = book.app.alerts
    assert not more
    assert message.startswith(
        "Trade!T4: the year header is blank over 11 number(s); type the year (2010)"
    )
    assert book.sheets[layout.TABLE1].cleared == 0


# --- 2. headers neither ascending nor descending -------------------------------------------


def _swap_headers(sheet: str, a: int, b: int):
    def change(wb):
        ws = wb[sheet]
        ca, cb = ws.cell(layout.HEADER_ROW, col(a)), ws.cell(layout.HEADER_ROW, col(b))
        ca.value, cb.value = cb.value, ca.value

    return change


def test_swapped_year_headers_are_a_warning_naming_both_cells(base, tmp_path, capsys, data):
    """GDP's 2011 and 2012 headers swapped: each column's numbers serve the year above it (as
    typed), and a warning names the two header cells."""
    path, _ = regenerate(base, tmp_path, _swap_headers("GDP", 2011, 2012), capsys)
    q = quality(path)
    order = q[q["kind"] == "order"]
    assert len(order) == 1 and order["level"].iloc[0] == "warning"
    assert order["cell"].iloc[0] == f"GDP!{LETTER[2011]}4:{LETTER[2012]}4"
    detail = order["detail"].iloc[0]
    assert f"{LETTER[2011]}4 (2012) then {LETTER[2012]}4 (2011)" in detail
    assert "swapped" in detail
    # the numbers: Z 2011 uses the GDP typed under the header "2011" (the 2012 column)
    swapped = data | {"gdp": data["gdp"].rename(columns={2011: 2012, 2012: 2011})}
    idx = table(path, layout.INDEX).set_index(["Province", "Year"])
    for p in ("上海", "云南"):
        want = z_by_hand(swapped).loc[p, 2011]
        assert idx.loc[(p, 2011), "Composite index Z"] == pytest.approx(want, rel=1e-12)


def test_descending_years_like_nbs_exports_are_not_a_mistake(base, tmp_path, capsys, data):
    """Every column of GDP reversed (2022 first), as NBS exports run: no warning, same Z."""

    def change(wb):
        ws = wb["GDP"]
        first, last = col(1993), col(2022)
        for r in range(layout.HEADER_ROW, layout.FIRST_DATA_ROW + len(PROVINCES)):
            values = [ws.cell(r, c).value for c in range(first, last + 1)]
            for c, v in zip(range(first, last + 1), reversed(values)):
                ws.cell(r, c).value = v

    path, _ = regenerate(base, tmp_path, change, capsys)
    q = quality(path)
    assert not q["kind"].isin(["order", "note", "header"]).any(), q.to_string()
    idx = table(path, layout.INDEX).set_index(["Province", "Year"])
    want = z_by_hand(data).loc["江苏", 2005]
    assert idx.loc[("江苏", 2005), "Composite index Z"] == pytest.approx(want, rel=1e-12)


# --- 3. unit cells: yuan on the dollar sheets, a unit change in every province ---------------


def test_yuan_unit_on_the_fie_sheet_is_a_warning_naming_b2(base, tmp_path, capsys, data):
    """FIE's B2 set to 百万元 over numbers in 百万美元: used as typed (Z lower by the rate),
    and a warning names FIE!B2."""
    path, out = regenerate(base, tmp_path, lambda wb: wb["FIE"].__setitem__("B2", "百万元"), capsys)
    q = quality(path)
    unit = q[q["kind"] == "unit"]
    assert unit["cell"].tolist() == ["FIE!B2"] and unit["level"].tolist() == ["warning"]
    assert "百万元 (yuan)" in unit["detail"].iloc[0] and "US dollars" in unit["detail"].iloc[0]
    fx = data["fx"].iloc[0]
    z = data["trade"] * 1e4 * fx / 1e8 * (data["fie"] * 1e6 / 1e8) / data["gdp"]  # FIE as yuan
    idx = table(path, layout.INDEX).set_index(["Province", "Year"])
    got = idx.loc[("湖北", 2015), "Composite index Z"]
    assert got == pytest.approx(z.loc["湖北", 2015], rel=1e-12)
    assert got == pytest.approx(z_by_hand(data).loc["湖北", 2015] / fx[2015], rel=1e-12)


def _trade_in_1k_usd_from(year: int, clear: int | None = None, row3: bool = False):
    """Trade numbers from ``year`` on typed in 千美元 (×10) on the 万美元 sheet, ``clear``'s
    column emptied, and (``row3``) 千美元 written in the unit row above those years."""

    def change(wb):
        set_setting(wb, "fill_gaps", "yes")
        ws = wb["Trade"]
        for y in range(year, 2023):
            for p in PROVINCES:
                cell = ws[ref(p, y)]
                cell.value = None if cell.value is None else cell.value * 10
            if row3:
                ws.cell(layout.UNIT_ROW, col(y)).value = "千美元"
        for p in PROVINCES if clear else ():
            ws[ref(p, clear)] = None

    return change


def test_a_unit_change_in_every_province_is_said_once_naming_the_unit_cells(
    base, tmp_path, capsys, data
):
    path, _ = regenerate(base, tmp_path, _trade_in_1k_usd_from(2010), capsys)
    q = quality(path)
    trade = q[q["series"] == "trade"]
    assert not (trade["kind"] == "jump").any(), "eleven jumps instead of one unit change"
    unit = trade[trade["kind"] == "unit"]
    assert len(unit) == 1 and unit["cell"].iloc[0] == "Trade!B2"
    detail = unit["detail"].iloc[0]
    assert "every province with a value (11)" in detail and "from 2009 to 2010" in detail
    assert "Trade!B2 (万美元)" in detail and f"Trade!{LETTER[2010]}3" in detail
    # the numbers are used as typed (ten times the 万美元 figures from 2010 on)
    idx = table(path, layout.INDEX).set_index(["Province", "Year"])
    want = 10 * z_by_hand(data).loc["四川", 2012]
    assert idx.loc[("四川", 2012), "Composite index Z"] == pytest.approx(want, rel=1e-12)


def test_no_gap_is_filled_across_a_unit_change(base, tmp_path, capsys):
    """2009 blank in every province between 万美元 (2008) and 千美元 (2010, unit row
    forgotten): 2009 is not interpolated between two units, and the unit warning says so."""
    path, _ = regenerate(base, tmp_path, _trade_in_1k_usd_from(2010, clear=2009), capsys)
    q = quality(path)
    filled = q[(q["kind"] == "filled") & (q["series"] == "trade") & (q["year"] == 2009)]
    assert filled.empty, filled.to_string()
    unit = q[(q["kind"] == "unit") & (q["series"] == "trade")]
    assert "from 2008 to 2010" in unit["detail"].iloc[0]
    assert "not filled across the change" in unit["detail"].iloc[0]
    idx = table(path, layout.INDEX).set_index(["Province", "Year"])
    assert all(np.isnan(idx.loc[(p, 2009), "Composite index Z"]) for p in PROVINCES)


def test_a_gap_between_declared_units_is_filled_in_the_sheets_unit(base, tmp_path, capsys, data):
    """With 千美元 written in the unit row, the numbers are brought to B2's 万美元 first: no
    unit change is seen, and 2009 is the midpoint of 2008 and 2010 in 万美元."""
    path, _ = regenerate(base, tmp_path, _trade_in_1k_usd_from(2010, clear=2009, row3=True), capsys)
    q = quality(path)
    assert not q["kind"].isin(["unit", "jump"]).any(), q[q["kind"].isin(["unit", "jump"])]
    filled = q[(q["kind"] == "filled") & (q["series"] == "trade") & (q["province"] == "江西")]
    want = (data["trade"].loc["江西", 2008] + data["trade"].loc["江西", 2010]) / 2
    assert filled["cell"].tolist() == [f"Trade!{ref('江西', 2009)}"]
    detail = filled["detail"].iloc[0]
    assert float(detail.removeprefix("interpolated ").split()[0]) == pytest.approx(want, rel=1e-5)
    # not silent: the fill says it lies between two units, naming the unit-row cell
    assert (
        "between 2008 in 万美元 and 2010 in 千美元, both converted to 万美元 (Trade!B2)" in detail
    )
    assert detail.endswith(f"check the unit row (Trade!{LETTER[2010]}3)")


def _trade_block(headers: list[object], rows: list[list[object]]) -> list[list[object]]:
    """A small Trade sheet: unit 万美元, ``headers`` from C4, one row per province."""
    return [["Trade"], [None, "万美元"], [], [None, None, *headers]] + [
        [name, None, *values] for name, values in zip(PROVINCES, rows)
    ]


def test_a_repeated_year_over_an_empty_column_is_a_note_and_over_numbers_stops():
    from addin.errors import InputError
    from addin.workbook.sheets import read_data_sheet

    rows = [[1.0, 2.0, None], [3.0, 4.0, None]]
    data = read_data_sheet("trade", _trade_block([2001, 2002, 2002], rows), "Trade")
    (note,) = data.issues
    assert (note.kind, note.level, note.where) == ("note", "info", "Trade!E4")
    assert "holds no numbers" in note.detail and data.values.loc["江苏", 2002] == 4.0
    rows = [[1.0, None, 2.0], [3.0, None, 4.0]]
    with pytest.raises(InputError) as stop:
        read_data_sheet("trade", _trade_block([2001, 2002, 2002], rows), "Trade")
    assert str(stop.value) == (
        "Trade!E4: year 2002 is also the header of D4, and the 2 number(s) under this one "
        "would not be used; correct the year of the one that is wrong (each year once)"
    )
