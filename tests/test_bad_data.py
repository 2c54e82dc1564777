"""Messy data in the cells: every problem is named by sheet and cell, listed on the Quality
sheet, and regeneration still produces everything it can. Problems that make the whole
computation impossible (a unit cell, another template version) stop with one clear line
and leave the file as it was.

Each test edits the example workbook with openpyxl, as a user would in Excel, and runs
``yangtze`` (``addin.cli.main``) on it. The problems that leave a result are all put in one
workbook, each on its own cells, regenerated once (:func:`messy`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from addin.cli import main
from addin.panel.example import example_dataset
from addin.workbook import layout

from workbooks import edited, engine_tables, make_book

N_PROVINCES, N_YEARS = 11, 30
QUALITY_COLUMNS = ["kind", "level", "series", "province", "year", "cell", "detail"]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The example workbook (the LibreOffice-stub VBA build, without the Formulas sheet's
    formulas)."""
    return make_book(
        tmp_path_factory.mktemp("bad_data") / "base.xlsm", run_python_stub=True, formulas=False
    )


@pytest.fixture(scope="module")
def baseline() -> pd.DataFrame:
    """The Index table of the unedited example data."""
    return engine_tables(example_dataset()).index


OUTPUT_COLUMNS = {
    layout.INDEX: ["province", "province_en", "region", "year", "T", "I", "Z", "problem"],
    layout.FACTORS: ["year", "T", "I", "Z"],
    layout.DISPARITY: ["year", "n", "n_weighted", "cv"],
    layout.STAGES: ["stage", "first", "last"],
    layout.QUALITY: QUALITY_COLUMNS,
    layout.TABLE1: ["kind", "name"],
}


def outputs(path: Path) -> dict[str, pd.DataFrame]:
    """The data rows of every output sheet (header row 4 to the first empty row), in one read."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    tables = {}
    for sheet, columns in OUTPUT_COLUMNS.items():
        rows = []
        for row in wb[sheet].iter_rows(min_row=layout.OUT_FIRST_ROW, values_only=True):
            if all(v is None for v in row):
                break
            rows.append(row[: len(columns)])
        frame = pd.DataFrame(rows, columns=columns)
        tables[sheet] = frame.astype(object).fillna("") if sheet == layout.QUALITY else frame
    wb.close()
    return tables


def input_values(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    out = {
        name: [tuple(r) for r in wb[name].iter_rows(values_only=True)]
        for name in layout.INPUT_SHEETS
    }
    wb.close()
    return out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def settings_row(wb: openpyxl.Workbook, key: str) -> int:
    ws = wb[layout.SETTINGS]
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == key)


def regenerate_ok(path: Path, capsys) -> str:
    """``yangtze regenerate PATH`` must succeed; returns its stdout."""
    rc = main(["regenerate", str(path)])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert out.err == ""
    return out.out


def assert_outputs_complete(
    tables: dict[str, pd.DataFrame], provinces: int = N_PROVINCES, min_share: float = 0.9
) -> None:
    """Every output table is there, full length, with numbers."""
    index = tables[layout.INDEX]
    assert len(index) == provinces * N_YEARS
    assert index["Z"].map(lambda v: isinstance(v, float)).mean() >= min_share
    assert len(tables[layout.TABLE1]) > provinces
    assert (
        len(tables[layout.FACTORS]) == N_YEARS
        and tables[layout.FACTORS]["Z"].map(np.isfinite).all()
    )
    assert (
        len(tables[layout.DISPARITY]) == N_YEARS
        and tables[layout.DISPARITY]["cv"].map(np.isfinite).all()
    )
    assert len(tables[layout.STAGES]) == 4


def set_cell(sheet: str, ref: str, value) -> Callable[[openpyxl.Workbook], None]:
    def change(wb):
        wb[sheet][ref] = value

    return change


# --- problems in data cells: named, listed on Quality, everything else computed ---------------
# One workbook carries every problem, each on its own cells (rows: 5 上海, 6 江苏, 7 浙江, 8 安徽,
# 9 江西, 10 湖北, 11 湖南, 12 重庆, 13 四川, 14 贵州, 15 云南; columns: C = 1993 … AF = 2022),
# and is regenerated once; the cases below are separate assertions on that one run.


def _swap_population_years(wb):
    ws = wb["Population"]
    for r in range(layout.HEADER_ROW, layout.FIRST_DATA_ROW + N_PROVINCES):
        ws.cell(r, 3).value, ws.cell(r, 4).value = ws.cell(r, 4).value, ws.cell(r, 3).value


CELL_CASES = {
    # name: (sheet, cell, value or None for a structural change, kind, cell named,
    #        words in the detail)
    "text in a number cell": (
        "Trade",
        "D7",
        "n/a (see note)",
        "text",
        "Trade!D7",
        "'n/a (see note)' is not a number",
    ),
    "error value #N/A": (
        "Trade",
        "H9",
        "#N/A",
        "error-value",
        "Trade!H9",
        "'#N/A' is not a number",
    ),
    "error value #REF!": ("GDP", "H9", "#REF!", "error-value", "GDP!H9", "'#REF!' is not a number"),
    "boolean in a number cell": ("FIE", "J6", True, "text", "FIE!J6", "True is not a number"),
    "blank inside the series": ("Trade", "F10", None, "filled", "Trade!F10", "interpolated"),
    "blank in the first year": (
        "Trade",
        "C11",
        None,
        "missing",
        "Trade!C11",
        "no value for 湖南 in 1993",
    ),
    "zero GDP": ("GDP", "D7", 0, "non-positive", "GDP!D7", "zero or negative (0)"),
    "negative GDP": ("GDP", "M13", -3.5, "non-positive", "GDP!M13", "zero or negative (-3.5)"),
    "negative trade": ("Trade", "L12", -5, "non-positive", "Trade!L12", "negative (-5)"),
    "zero population": (
        "Population",
        "F10",
        0,
        "non-positive",
        "Population!F10",
        "zero or negative",
    ),
    "zero exchange rate": ("FX", "G5", 0, "non-positive", "FX!G5", "zero or negative"),
    "tenfold jump (unit slip)": ("GDP", "K8", 1e7, "jump", "GDP!K8", "check the unit"),
    "duplicated province": (
        "FIE",
        "A15",
        "贵州",
        "duplicate",
        "FIE!A15",
        "贵州 appears more than once on sheet FIE",
    ),
    "province not in the mapping": (
        "Population",
        "A14",
        "Atlantis",
        "unmapped",
        "Population!A14",
        "not in the Regions mapping",
    ),
    "years out of order": (
        "Population",
        None,
        _swap_population_years,
        "order",
        "Population!C4:D4",
        "C4 (1994) then D4 (1993)",
    ),
    "merged cells": (
        "Trade",
        None,
        lambda wb: wb["Trade"].merge_cells("P6:Q6"),
        "note",
        "Trade!P6:Q6",
        "merged cells P6:Q6 on sheet Trade",
    ),
    "hidden row": (
        "Trade",
        None,
        lambda wb: setattr(wb["Trade"].row_dimensions[13], "hidden", True),
        "note",
        "Trade!A13",
        "row 13 is hidden on sheet Trade; the values there are used",
    ),
}


@pytest.fixture(scope="module")
def messy(base, tmp_path_factory):
    """The workbook with every problem of :data:`CELL_CASES`, before and after
    ``yangtze regenerate``."""

    def change(wb):
        for sheet, ref, value, *_ in CELL_CASES.values():
            if ref is None:
                value(wb)
            else:
                wb[sheet][ref] = value

    path = edited(base, tmp_path_factory.mktemp("messy"), change)
    inputs = input_values(path)
    rc = main(["regenerate", str(path)])
    return path, rc, inputs, outputs(path)


@pytest.mark.parametrize("case", list(CELL_CASES))
def test_bad_cell_is_named_and_listed_on_quality(case, messy):
    _, rc, _, tables = messy
    *_, kind, where, words = CELL_CASES[case]
    assert rc == 0
    q = tables[layout.QUALITY]
    hits = q[(q["kind"] == kind) & (q["cell"] == where)]
    assert len(hits) >= 1, q[["kind", "cell", "detail"]].to_string()
    assert words in hits["detail"].iloc[0]


def test_messy_workbook_still_gives_every_table_and_keeps_its_inputs(messy, capsys):
    path, rc, inputs, tables = messy
    assert rc == 0
    assert_outputs_complete(tables, min_share=0.8)  # 云南 has no FIE row (duplicated 贵州), so no Z
    assert input_values(path) == inputs  # regeneration never writes an input cell


def test_merged_cells_read_as_blank_beyond_the_anchor(messy):
    q = messy[3][layout.QUALITY]
    assert (
        (q["kind"] == "filled") & (q["cell"] == "Trade!Q6")
    ).any()  # Q6 read as blank, then interpolated
    assert not (q["cell"] == "Trade!P6").any()  # the anchor keeps its value


def test_hidden_rows_are_used_as_they_are(messy, baseline):
    index = messy[3][layout.INDEX].set_index(["province", "year"])["Z"]
    want = baseline.set_index(["province", "year"])["open_index"]
    for year in (1993, 2010, 2022):
        assert index[("四川", year)] == pytest.approx(want[("四川", year)], rel=1e-12)


def test_non_positive_gdp_leaves_only_its_own_index_blank(messy, baseline):
    index = messy[3][layout.INDEX].set_index(["province", "year"])
    assert pd.isna(index.loc[("浙江", 1994), "Z"])  # GDP!D7 = 0
    assert "GDP" in index.loc[("浙江", 1994), "problem"]  # the problem column says why
    want = baseline.set_index(["province", "year"])["open_index"]
    assert index.loc[("浙江", 2010), "Z"] == pytest.approx(want[("浙江", 2010)], rel=1e-12)
    q = messy[3][layout.QUALITY]
    assert ((q["kind"] == "index") & (q["province"] == "浙江") & (q["year"] == 1994)).any()


def test_years_out_of_order_are_sorted(messy):
    years = messy[3][layout.FACTORS]["year"].tolist()
    assert years == sorted(years) == list(range(1993, 2023))


def test_check_prints_each_problem_with_its_cell(base, tmp_path, capsys):
    def change(wb):
        wb["Trade"]["D7"] = "#N/A"
        wb["GDP"]["E8"] = "abc"
        wb["Trade"].merge_cells("F9:G9")

    path = edited(base, tmp_path, change)
    before = sha256(path)
    assert main(["check", str(path)]) == 1  # error-level entries
    out = capsys.readouterr().out
    assert "'#N/A' is not a number: an error in the data, never filled [Trade!D7]" in out
    assert "'abc' is not a number: an error in the data, never filled" in out
    assert "[GDP!E8]" in out
    assert "merged cells F9:G9 on sheet Trade" in out and "[Trade!F9:G9]" in out
    assert sha256(path) == before  # check writes nothing


def test_hidden_row_runs_make_one_note_each_and_harmless_layout_is_quiet(base, tmp_path, capsys):
    def change(wb):
        for r in (6, 7, 8, 12):
            wb["GDP"].row_dimensions[r].hidden = True
        wb["GDP"].row_dimensions[200].hidden = True  # below the data: not worth a note
        wb["Trade"].merge_cells("A1:F1")  # a merged title above the table is harmless
        wb["Trade"]["D7"] = "1,234"  # a number stored as text with a thousands separator

    path = edited(base, tmp_path, change)
    regenerate_ok(path, capsys)
    tables = outputs(path)
    q = tables[layout.QUALITY]
    notes = q[q["kind"] == "note"]
    assert list(notes["cell"]) == ["GDP!A6", "GDP!A12"]
    assert "rows 6–8 are hidden on sheet GDP" in notes["detail"].iloc[0]
    # the text number is read as the number it spells, and noted with its cell
    read = q[(q["kind"] == "numeric-text") & (q["cell"] == "Trade!D7")]
    assert "read as the number 1234" in read["detail"].iloc[0]
    assert not ((q["kind"] == "filled") & (q["cell"] == "Trade!D7")).any()
    assert_outputs_complete(tables)


def test_province_missing_from_the_regions_sheet(base, tmp_path, capsys):
    path = edited(base, tmp_path, lambda wb: wb["Regions"].delete_rows(4))  # 浙江
    regenerate_ok(path, capsys)
    tables = outputs(path)
    q = tables[layout.QUALITY]
    unmapped = q[q["kind"] == "unmapped"]
    assert set(unmapped["cell"]) == {"Trade!A7", "FIE!A7", "GDP!A7", "Population!A7"}
    assert_outputs_complete(tables, provinces=N_PROVINCES - 1)


def test_unknown_exchange_rate_unit_is_only_noted_when_no_conversion_needs_it(
    base, tmp_path, capsys
):
    def change(wb):
        wb["FX"]["B2"] = "美元/元"
        wb["Settings"].cell(settings_row(wb, "unit_mode"), 3, "as_entered")

    path = edited(base, tmp_path, change)
    regenerate_ok(path, capsys)
    tables = outputs(path)
    q = tables[layout.QUALITY]
    note = q[(q["kind"] == "note") & (q["cell"] == "FX!B2")]
    assert len(note) == 1 and "unknown exchange-rate unit" in note["detail"].iloc[0]
    assert_outputs_complete(tables)


# --- problems that stop the computation: one line, exit 1, file untouched ----------------------


def _set_setting(key: str, value) -> Callable[[openpyxl.Workbook], None]:
    return lambda wb: wb["Settings"].cell(settings_row(wb, key), 3, value)


STOP_CASES = {
    # name: (change, the stderr line after "yangtze regenerate: ")
    "empty money unit": (
        set_cell("Trade", "B2", None),
        "Trade!B2: the money unit cell is empty; write one of 元",
    ),
    "unknown money unit": (
        set_cell("GDP", "B2", "亿欧元"),
        "GDP!B2: unknown money unit '亿欧元'; expected one of",
    ),
    "unknown population unit": (
        set_cell("Population", "B2", "万户"),
        "Population!B2: unknown population unit '万户'",
    ),
    "unknown exchange-rate unit, needed": (
        set_cell("FX", "B2", "美元/元"),
        "FX!B2: unknown exchange-rate unit '美元/元'",
    ),
    "region missing for a province": (
        set_cell("Regions", "B5", None),
        "Regions!B5: 安徽 has no region",
    ),
    "province twice on Regions": (
        set_cell("Regions", "A5", "上海市"),
        "Regions!A5: 上海 is listed twice",
    ),
    "bad setting": (
        _set_setting("unit_mode", "convertd"),
        "Settings!C6: 'convertd' is not one of converted, as_entered",
    ),
    "Atkinson ε not a number": (
        _set_setting("atkinson_epsilons", "0.5, half"),
        "Settings!C16: expected numbers such as 0.5, 1, 2, found '0.5, half'",
    ),
    "Atkinson ε negative": (
        _set_setting("atkinson_epsilons", "0.5; -1"),
        "Settings!C16: expected distinct numbers ε ≥ 0, such as 0.5, 1, 2",
    ),
    "older template version": (
        _set_setting("template_version", 0),
        "Settings!C23: this workbook was made by template version 0; this add-in reads version 1",
    ),
    "newer template version": (
        _set_setting("template_version", "2.0"),
        "Settings!C23: this workbook was made by template version 2.0; this add-in reads version 1",
    ),
    "a sheet renamed": (
        lambda wb: setattr(wb["GDP"], "title", "GDP 2022"),
        "workbook: sheet(s) GDP not found",
    ),
}


@pytest.mark.parametrize("case", list(STOP_CASES))
def test_problem_that_stops_names_its_cell_and_changes_nothing(case, base, tmp_path, capsys):
    change, message = STOP_CASES[case]
    path = edited(base, tmp_path, change)
    before = sha256(path)
    assert main(["regenerate", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"yangtze regenerate: {message}"), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsm"]  # no temporary file left
