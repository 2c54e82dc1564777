"""The registry of output columns (addin.panel.measures) is what the tables, the rendered
sheets, the charts, the Formulas sheet and the function help follow."""

from __future__ import annotations

import re

import pytest

import yangtze_udf
from addin.excel.registration import register
from addin.panel import measures
from addin.panel.example import example_dataset
from addin.panel.options import Options
from addin.workbook import layout
from addin.workbook.render import render
from addin.workbook.template import formulas_sheet

from workbooks import engine_tables

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def tables():
    return engine_tables(example_dataset())


def test_every_table_has_exactly_the_registry_columns(tables):
    for table in measures.TABLES:
        frame = getattr(tables, table)
        columns = measures.table_columns(table, tables.panel.options)
        if table == "table1":  # Table 1 adds its years and the annual change (and a region
            years = [c for c in frame.columns if isinstance(c, int)]  # column, not shown)
            shown = [c for c in frame.columns if c != "region"]
            counts = [measures.count_key(y) for y in years]  # and n per year
            assert shown == [*columns, *years, "annual_change", *counts]
        else:
            assert list(frame.columns) == list(columns), table


def test_rendered_headers_and_formats_come_from_the_registry(tables):
    for block in render(tables):
        headers = block.rows[layout.OUT_HEADER_ROW - 1]
        for key, header, fmt in zip(block.columns, headers, block.formats, strict=True):
            column, _ = measures.find(key)
            if column is None:  # a Table 1 year
                assert isinstance(key, int) and header == key and fmt == measures.NUMBER
            else:
                assert header.startswith(f"{column.zh} ") and column.en in header
                assert fmt == column.number_format


def test_every_entry_is_shown_somewhere():
    for column in measures.COLUMNS:
        assert column.tables or column.function, column.key
        assert set(column.tables) <= set(measures.TABLES)
        assert set(column.charts) <= set(column.tables), column.key


def test_charts_draw_the_charted_entries():
    for spec in layout.CHARTS:
        table = layout.SHEET_TABLES[spec.sheet]
        expected = [
            c.expand(Options())[0] for c in measures.COLUMNS if table in c.charts and c.tables
        ]
        assert list(spec.series) == expected


def test_function_help_is_the_registry_entry_and_fits_excel():
    described = {c["Macro"].split("!")[1]: c["Description"] for c in register().macro_options}
    entries = {c.function.name: c.function for c in measures.COLUMNS if c.function}
    for name, entry in entries.items():
        assert getattr(yangtze_udf, name).__doc__ == entry.help
        assert described[name] == entry.help  # what xlwings' Import Functions registers
        assert len(entry.help) <= 255 and "\n" not in entry.help
        assert CJK.search(entry.help) and re.search("[A-Za-z]{4}", entry.help)


def test_formulas_sheet_has_a_row_per_registry_formula():
    cells, consts = formulas_sheet.plan({"上海": "下游地区", "江苏": "下游地区"}, 3)
    roles = [c.role for c in cells]
    for key, label, _ in measures.formula_rows():
        assert f"udf_{key}" in roles
        assert label in [v for _, _, v in consts]
    assert "=ATKINSON_INDEX({values},{weights},0.5)" in [f for _, _, f in measures.formula_rows()]


def test_find_and_labels():
    atkinson = measures.BY_KEY["atkinson"]
    assert measures.find("atkinson_0.5") == (atkinson, 0.5)
    assert measures.find("gini") == (measures.BY_KEY["gini"], None)
    assert measures.find("gini_2") == (None, None)  # Gini has no parameter
    assert measures.find(2000) == (None, None)
    assert measures.label("atkinson_2", "en") == "Atkinson ε=2"
    assert measures.label("gini", "zh") == "基尼系数"
    assert measures.label(2000, "both") == "2000"
