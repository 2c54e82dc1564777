"""Regeneration through the file engine: tables equal the engine's, inputs untouched,
VBA, button and charts preserved, charts repointed, atomic save options."""

from __future__ import annotations

import hashlib
import os
import shutil

import numpy as np
import openpyxl
import pytest

from addin.panel import measures
from addin.panel.example import example_dataset
from addin.workbook import layout
from addin.workbook.file_engine import FileEngine, backup_path
from addin.workbook.regenerate import regenerate

from workbooks import engine_tables, make_book, read_table, sheet_values, zip_bytes, zip_text


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A built example workbook before and after one regeneration."""
    folder = tmp_path_factory.mktemp("demo")
    before = make_book(folder / "before.xlsm")
    after = folder / "after.xlsm"
    shutil.copy(before, after)
    engine = FileEngine(after)
    result = regenerate(engine)
    engine.save()
    engine.close()
    return before, after, result


def test_output_tables_equal_engine_computed_from_the_frames(demo):
    _, after, _ = demo
    expected = engine_tables(example_dataset())
    for sheet, frame in (
        (layout.INDEX, expected.index),
        (layout.FACTORS, expected.factors),
        (layout.DISPARITY, expected.disparity),
        (layout.STAGES, expected.stages),
    ):
        got = read_table(after, sheet)
        assert len(got) == len(frame), sheet
        for i, column in enumerate(measures.table_columns(layout.SHEET_TABLES[sheet])):
            want = frame[column].to_numpy()
            have = got.iloc[:, i].to_numpy()
            if want.dtype.kind == "f":
                have = np.array([np.nan if v is None else v for v in have], dtype=float)
                np.testing.assert_allclose(
                    have, want, rtol=1e-12, equal_nan=True, err_msg=f"{sheet}.{column}"
                )
            else:
                assert [("" if v is None else v) for v in have] == [
                    ("" if v is None else v) for v in want
                ], f"{sheet}.{column}"


def test_table1_region_rows_are_means_of_their_provinces(demo):
    _, after, result = demo
    t1 = read_table(after, layout.TABLE1)
    t1.columns = ["kind", "name", "name_en", *t1.columns[3:]]
    z = result.tables.index.pivot(index="province", columns="year", values="open_index")
    lower = ["上海", "江苏", "浙江", "安徽"]
    row = t1[t1["name"] == "下游地区"].iloc[0]
    for year in (1993, 2022):
        # the header is the year as a number
        assert row[year] == pytest.approx(z.loc[lower, year].mean(), rel=1e-12)
    change = [c for c in t1.columns if "annual change" in str(c)]
    assert row[change[0]] == pytest.approx(
        (z.loc[lower, 2022].mean() - z.loc[lower, 1993].mean()) / 29, rel=1e-12
    )


def test_input_sheets_unchanged_cell_by_cell(demo):
    before, after, _ = demo
    assert sheet_values(before, layout.INPUT_SHEETS) == sheet_values(after, layout.INPUT_SHEETS)


def test_vba_project_button_and_charts_survive(demo):
    before, after, _ = demo
    assert zip_bytes(before, "xl/vbaProject.bin") == zip_bytes(after, "xl/vbaProject.bin")
    vml = [
        n
        for n in __import__("zipfile").ZipFile(after).namelist()
        if n.startswith("xl/drawings/vmlDrawing")
    ]
    assert vml, "the button's VML drawing is gone"
    text = zip_text(after, vml[0])
    assert "RegenerateTables" in text and "Regenerate tables" in text
    content_types = zip_text(after, "[Content_Types].xml")
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in content_types
    wb = openpyxl.load_workbook(after, keep_vba=True)
    for spec in layout.CHARTS:
        charts = wb[spec.sheet]._charts
        assert len(charts) == 1
        assert len(charts[0].series) == len(spec.series)


def test_charts_point_at_the_written_rows(tmp_path):
    years = list(range(2000, 2011))
    data = {k: v.reindex(columns=years) for k, v in example_dataset().items()}
    path = make_book(tmp_path / "short.xlsm", data)
    engine = FileEngine(path)
    regenerate(engine)
    engine.save()
    wb = openpyxl.load_workbook(path, keep_vba=True)
    last = layout.OUT_FIRST_ROW + len(years) - 1
    chart = wb[layout.FACTORS]._charts[0]
    assert chart.series[2].val.numRef.f == f"Factors!$D$5:$D${last}"
    assert chart.series[0].cat.numRef.f == f"Factors!$A$5:$A${last}"
    values = [wb[layout.FACTORS].cell(r, 4).value for r in range(layout.OUT_FIRST_ROW, last + 1)]
    assert all(isinstance(v, float) and v > 0 for v in values)


def test_regenerating_twice_gives_the_same_outputs(demo, tmp_path):
    _, after, _ = demo
    again = tmp_path / "again.xlsm"
    shutil.copy(after, again)
    engine = FileEngine(again)
    regenerate(engine)
    engine.save()
    assert sheet_values(after, layout.OUTPUT_SHEETS) == sheet_values(again, layout.OUTPUT_SHEETS)


def test_output_option_leaves_the_original_and_backup_keeps_it(demo, tmp_path):
    before, _, _ = demo
    book = tmp_path / "book.xlsm"
    shutil.copy(before, book)
    digest = hashlib.sha256(book.read_bytes()).hexdigest()
    engine = FileEngine(book)
    regenerate(engine)
    engine.save(tmp_path / "out.xlsm")
    assert hashlib.sha256(book.read_bytes()).hexdigest() == digest
    assert (tmp_path / "out.xlsm").exists()
    engine.save(backup=True)
    assert hashlib.sha256(backup_path(book).read_bytes()).hexdigest() == digest
    assert hashlib.sha256(book.read_bytes()).hexdigest() != digest
    assert not list(tmp_path.glob(".*.tmp")), "a temporary file was left behind"


def test_saving_keeps_the_files_permissions(demo, tmp_path):
    before, _, _ = demo
    book = tmp_path / "perm.xlsm"
    shutil.copy(before, book)
    book.chmod(0o640)
    engine = FileEngine(book)
    regenerate(engine)
    engine.save()
    assert book.stat().st_mode & 0o777 == 0o640
    new = engine.save(tmp_path / "new.xlsm")
    umask = os.umask(0)
    os.umask(umask)
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask


def test_settings_change_the_tables(tmp_path):
    path = make_book(tmp_path / "settings.xlsm")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[layout.SETTINGS]
    for row in ws.iter_rows(min_row=1):
        if row[0].value == "cv_weighted":
            row[2].value = "no"
        if row[0].value == "table1_years":
            row[2].value = "1995, 2020"
    wb.save(path)
    engine = FileEngine(path)
    result = regenerate(engine)
    disparity = result.tables.disparity
    np.testing.assert_allclose(disparity["cv"], disparity["cv_plain"], rtol=1e-12)
    assert [c for c in result.tables.table1.columns if isinstance(c, int)] == [1995, 2020]


def test_language_setting_labels_the_outputs(tmp_path):
    path = make_book(tmp_path / "en.xlsm")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    for row in wb[layout.SETTINGS].iter_rows(min_row=1):
        if row[0].value == "language":
            row[2].value = "en"
    wb.save(path)
    engine = FileEngine(path)
    regenerate(engine)
    engine.save()
    factors = openpyxl.load_workbook(path)[layout.FACTORS]
    assert factors["A1"].value == "Trade and investment factors of the belt (Figure 1)"
    assert factors.cell(layout.OUT_HEADER_ROW, 4).value == "Composite index Z"
