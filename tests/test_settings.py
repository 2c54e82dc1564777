"""The Settings rows are defined once (layout.SETTINGS_ROWS: key, label, type, help), their
defaults are the Options defaults, and each type reads back what it shows."""

from __future__ import annotations

import dataclasses

import pytest

from addin.errors import InputError
from addin.panel.options import Options
from addin.workbook import layout
from addin.workbook.sheets import read_settings


def test_every_option_has_one_settings_row_and_nothing_else_does():
    fields = {f.name for f in dataclasses.fields(Options)} - {"cells"}
    keys = [s.key for s in layout.SETTINGS_ROWS]
    assert len(keys) == len(set(keys))
    assert set(keys) == fields | {"template_version"}


@pytest.mark.parametrize(
    "setting", [s for s in layout.SETTINGS_ROWS if s.key != "template_version"], ids=lambda s: s.key
)
def test_each_default_reads_back_as_the_options_default(setting):
    """parse(show(default)) == default: the template's written default is the Options one."""
    assert setting.parse(setting.default, "Settings!C9") == getattr(Options(), setting.key)


def block(**values) -> list[list[object]]:
    """A Settings sheet with the template's rows, ``values`` in column C (others blank)."""
    rows: list[list[object]] = [[None]] * (layout.SETTINGS_FIRST_ROW - 1)
    return rows + [[s.key, s.label, values.get(s.key)] for s in layout.SETTINGS_ROWS]


def test_read_settings_records_each_cell_and_reads_each_type():
    options = read_settings(
        block(table1_years="2005, 2015", fill_gaps="否", fx_band="2-10", cv_centre="weighted")
    )
    assert options.table1_years == (2005, 2015) and options.fill_gaps is False
    assert options.fx_band == (2.0, 10.0) and options.cv_centre == "weighted"
    assert options.cells["table1_years"] == f"Settings!C{layout.SETTINGS_FIRST_ROW}"
    assert options.where("stages") == f"stages (Settings!C{layout.SETTINGS_FIRST_ROW + 1})"
    assert options == Options(
        table1_years=(2005, 2015), fill_gaps=False, fx_band=(2.0, 10.0), cv_centre="weighted"
    )  # the cells are not compared


def test_a_bad_value_names_its_cell():
    row = layout.SETTINGS_FIRST_ROW + [s.key for s in layout.SETTINGS_ROWS].index("belt")
    with pytest.raises(InputError, match=rf"^Settings!C{row}: 'total' is not one of mean, sum$"):
        read_settings(block(belt="total"))


@pytest.mark.parametrize("typed", ["1e400", "2.5", "-1", "1000001"])
def test_a_whole_number_setting_out_of_range_names_its_cell(typed):
    """1e400 reads as infinity, which int() cannot take: a one-line error naming the cell,
    not an internal error."""
    from addin.errors import InputError
    from addin.workbook import setting_types

    with pytest.raises(InputError) as caught:
        setting_types.WHOLE.parse(typed, "Settings!C30")
    assert caught.value.where == "Settings!C30"
    assert "expected a whole number from 0 to 1,000,000" in str(caught.value)
