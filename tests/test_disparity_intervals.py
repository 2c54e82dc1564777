"""The Disparity sheet's inference columns: 95 % bootstrap intervals of the weighted measures
and the permutation p of Theil's between-region share (docs/method.md §12).

References: each replicate recomputed one at a time with the textbook formulas written out
here (over the provinces drawn that have both Z and a population), the kernels of
:mod:`addin.core.inference` called on the same cells, two regenerations of one book, a book
whose Settings lack the new row (an older template), and LibreOffice reading the cells.
"""

from __future__ import annotations

import shutil

import numpy as np
import openpyxl
import pytest

from addin.core import inference
from addin.panel import measures
from addin.panel.example import example_dataset
from addin.panel.options import Options
from addin.workbook import layout
from addin.workbook.file_engine import FileEngine
from addin.workbook.regenerate import regenerate

from workbooks import engine_tables, make_book, read_table, set_setting, sheet_parts, zip_bytes

INTERVALS = [k for k in measures.table_columns("disparity") if k.endswith(("_low", "_high"))]
INTERVALS += [k for k in measures.table_columns("disparity") if "_low_" in k or "_high_" in k]
P_COLUMNS = ["theil_t_between_p", "theil_l_between_p"]


def _reference(name: str, y: np.ndarray, w: np.ndarray) -> float:
    """One measure of one replicate-year by its textbook formula (the paper's CV centre:
    the simple mean), over the drawn provinces with a value and a weight."""
    keep = np.isfinite(y) & np.isfinite(w)
    y, p = y[keep], w[keep] / w[keep].sum()
    mu = (p * y).sum()
    formulas = {
        "cv": lambda: np.sqrt((p * (y - y.mean()) ** 2).sum()) / y.mean(),
        "gini": lambda: (p[:, None] * p * np.abs(y[:, None] - y)).sum() / (2 * mu),
        "theil_t": lambda: (p * y / mu * np.log(y / mu)).sum(),
        "theil_l": lambda: (p * np.log(mu / y)).sum(),
        "atkinson": lambda: 1 - (p * np.sqrt(y)).sum() ** 2 / mu,  # ε = 0.5
    }
    return formulas[name]()


def _inputs(tables):
    panel = tables.panel
    z = panel.grid(tables.index["open_index"]).to_numpy()
    pop = panel.wide("population").to_numpy()
    return z, pop, [panel.regions[p] for p in panel.provinces]


@pytest.fixture(scope="module")
def small():
    """The demo's tables with 120 replicates and permutations, seed 4; two provinces have no
    population in the first seven years (so the weighted measures use 9 of the 11)."""
    data = example_dataset()
    data["population"].iloc[[1, 4], :7] = np.nan
    options = Options(bootstrap_reps=120, permutations=120, seed=4)
    tables = engine_tables(data, options)
    assert tables.disparity["n_weighted"].iloc[0] == 9
    return tables, options


def test_intervals_are_quantiles_of_replicates_computed_one_at_a_time(small):
    tables, options = small
    z, pop, _ = _inputs(tables)
    n = z.shape[0]
    draws = np.random.default_rng(options.seed).integers(0, n, size=(options.bootstrap_reps, n))
    frame = tables.disparity
    for t in (0, 7, z.shape[1] - 1):  # a few years
        for name, key in (("atkinson", "atkinson_{}_0.5"), *((m, m + "_{}") for m in _NAMES)):
            replicates = [_reference(name, z[d, t], pop[d, t]) for d in draws]
            low, high = np.quantile(replicates, [0.025, 0.975])
            got = frame[key.format("low")].iloc[t], frame[key.format("high")].iloc[t]
            np.testing.assert_allclose(got, (low, high), rtol=1e-9, err_msg=f"{key} year {t}")


_NAMES = ("cv", "theil_t", "theil_l", "gini")


def test_columns_equal_the_kernels_over_the_same_cells(small):
    tables, options = small
    z, pop, groups = _inputs(tables)
    used = np.where(np.isnan(pop), np.nan, z)
    cis = inference.bootstrap(used, pop, reps=120, seed=4, level=0.95)
    frame = tables.disparity
    for name, ci in cis.items():
        key = "atkinson_{}_0.5" if name == "atkinson" else name + "_{}"
        np.testing.assert_array_equal(frame[key.format("low")], ci["lower"], err_msg=name)
        np.testing.assert_array_equal(frame[key.format("high")], ci["upper"], err_msg=name)
        # the point estimate of the column beside it lies inside its interval most years
        point = frame["atkinson_0.5" if name == "atkinson" else name]
        inside = (ci["lower"] <= point) & (point <= ci["upper"])
        assert inside.mean() > 0.8, name
    for kind in ("T", "L"):
        test = inference.theil_between_test(used, pop, groups, kind, permutations=120, seed=4)
        p = frame[f"theil_{kind.lower()}_between_p"].to_numpy()
        np.testing.assert_array_equal(p, test["p"])
        assert ((p >= 1 / 121) & (p <= 1)).all()
    notes = "\n".join(frame.attrs["notes"])
    assert "percentile bootstrap, 120 replicates, seed 4" in notes
    assert "each replicate draws 11 provinces with replacement" in notes
    assert "shuffled over the regions 120 times, seed 4" in notes


def test_an_unweighted_cv_resamples_every_province():
    options = Options(bootstrap_reps=50, seed=2, cv_weighted=False)
    tables = engine_tables(example_dataset(), options)
    z, _, _ = _inputs(tables)
    n = z.shape[0]
    draws = np.random.default_rng(2).integers(0, n, size=(50, n))
    t = 3
    replicates = [_reference("cv", z[d, t], np.ones(n)) for d in draws]
    low, high = np.quantile(replicates, [0.025, 0.975])
    got = tables.disparity[["cv_low", "cv_high"]].iloc[t].to_numpy()
    np.testing.assert_allclose(got, (low, high), rtol=1e-9)
    assert "the plain CV chosen: weights not used" in "\n".join(tables.disparity.attrs["notes"])


def test_zero_replicates_or_permutations_leave_the_columns_empty_with_a_note():
    options = Options(bootstrap_reps=0, permutations=0, cells={"bootstrap_reps": "Settings!C31"})
    frame = engine_tables(example_dataset(), options).disparity
    assert frame[INTERVALS + P_COLUMNS].isna().all().all()
    assert frame["gini"].notna().all()  # the measures themselves are still there
    notes = "\n".join(frame.attrs["notes"])
    assert "bootstrap intervals: empty, bootstrap_reps (Settings!C31) is 0" in notes
    assert "between p: empty, permutations is 0" in notes


def test_above_the_resampling_budget_the_columns_are_empty_and_the_note_says_how_many(
    monkeypatch,
):
    data = example_dataset()
    monkeypatch.setattr(measures, "MAX_RESAMPLED", 11 * 30 * 500)
    frame = engine_tables(data, Options(bootstrap_reps=999, permutations=400)).disparity
    years = len(frame)
    assert frame[INTERVALS].isna().all().all()
    assert frame[P_COLUMNS].notna().all().all()  # 400 permutations fit
    notes = "\n".join(frame.attrs["notes"])
    assert f"11 regions × {years} years × 999 = {11 * years * 999:,} resampled numbers" in notes
    assert f"set bootstrap_reps to at most {11 * 30 * 500 // (11 * years)}" in notes


# ------------------------------------------------------------------ through the workbook


def _regenerated(source, folder, name: str):
    path = folder / name
    shutil.copy(source, path)
    engine = FileEngine(path)
    try:
        regenerate(engine)
        engine.save()
    finally:
        engine.close()
    return path


def _with_settings(book, folder, name="set.xlsm", **values):
    path = folder / name
    shutil.copy(book, path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    for key, value in values.items():
        set_setting(wb, key, value)
    wb.save(path)
    wb.close()
    return path


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("intervals")
    return folder, _with_settings(
        make_book(folder / "demo.xlsm"), folder, bootstrap_reps=150, permutations=150, seed=9
    )


def test_the_same_seed_gives_a_byte_identical_sheet_and_another_seed_other_numbers(book):
    folder, source = book
    first = _regenerated(source, folder, "first.xlsm")
    second = _regenerated(source, folder, "second.xlsm")
    part = sheet_parts(first)[layout.DISPARITY][1]
    assert zip_bytes(first, part) == zip_bytes(second, part)
    other = _regenerated(
        _with_settings(source, folder, "seed10.xlsm", seed=10), folder, "other.xlsm"
    )
    a, b = read_table(first, layout.DISPARITY), read_table(other, layout.DISPARITY)
    keys = list(measures.table_columns("disparity"))
    for key in ("gini_low", "theil_t_between_p"):
        i = keys.index(key)
        assert a.iloc[:, i].tolist() != b.iloc[:, i].tolist(), key
    i = keys.index("gini")
    assert a.iloc[:, i].tolist() == b.iloc[:, i].tolist()


def test_the_sheet_holds_the_engines_intervals(book):
    folder, source = book
    path = _regenerated(source, folder, "check.xlsm")
    options = Options(bootstrap_reps=150, permutations=150, seed=9)
    expected = engine_tables(example_dataset(), options).disparity
    got = read_table(path, layout.DISPARITY)
    keys = list(measures.table_columns("disparity"))
    for key in INTERVALS + P_COLUMNS:
        have = np.array([np.nan if v is None else v for v in got.iloc[:, keys.index(key)]])
        np.testing.assert_allclose(have, expected[key], rtol=1e-12, equal_nan=True, err_msg=key)
    assert got.columns[keys.index("gini_low")] == measures.label("gini_low", "both")


def test_a_book_of_the_older_template_regenerates_with_the_defaults(tmp_path):
    """Settings without the bootstrap_reps row (a book made before it existed): the default
    999 replicates and seed 0, the same numbers as the engine's defaults."""
    source = make_book(tmp_path / "old.xlsm")
    wb = openpyxl.load_workbook(source, keep_vba=True)
    ws = wb[layout.SETTINGS]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "bootstrap_reps")
    ws.delete_rows(row)
    wb.save(source)
    wb.close()
    path = _regenerated(source, tmp_path, "regenerated.xlsm")
    expected = engine_tables(example_dataset()).disparity
    got = read_table(path, layout.DISPARITY)
    i = list(measures.table_columns("disparity")).index("theil_t_high")
    have = np.array([np.nan if v is None else v for v in got.iloc[:, i]], dtype=float)
    np.testing.assert_allclose(have, expected["theil_t_high"], rtol=1e-12)
    assert "999 replicates, seed 0" in "\n".join(expected.attrs["notes"])


def test_libreoffice_reads_the_interval_cells(book):
    from libreoffice import Office, require_libreoffice

    folder, source = book
    path = _regenerated(source, folder, "lo.xlsm")
    keys = list(measures.table_columns("disparity"))
    expected = read_table(path, layout.DISPARITY)
    cols = [keys.index(k) for k in ("cv_low", "gini_high", "theil_l_between_p")]
    request = [[layout.OUT_HEADER_ROW + 1 + r, c + 1] for r in (0, 5) for c in cols]
    with Office(require_libreoffice(), folder / "soffice") as office:
        got = office.run(
            "formulas", {"path": str(path), "sheet": layout.DISPARITY, "cells": request}
        )["cells"]
    for (row, col), cell in zip(request, got, strict=True):
        want = expected.iloc[row - layout.OUT_HEADER_ROW - 1, col - 1]
        assert cell["kind"] == "value" and cell["value"] == pytest.approx(want, rel=1e-12)


def test_an_interval_from_fewer_replicates_says_how_many():
    """In 1993 only one province has trade: a replicate that misses it has no CV (a mean
    of 0), so the CV interval comes from the replicates that drew it, and the note says so."""
    data = example_dataset()
    data["trade"].iloc[1:, 0] = 0.0
    tables = engine_tables(data, Options(bootstrap_reps=200, seed=1))
    z, _, _ = _inputs(tables)
    positive = z[:, 0] > 0
    assert positive.sum() == 1
    draws = np.random.default_rng(1).integers(0, z.shape[0], size=(200, z.shape[0]))
    drew_it = int(positive[draws].any(axis=1).sum())
    assert 100 <= drew_it < 200
    notes = "\n".join(tables.disparity.attrs["notes"])
    assert f"CV (chosen) interval in 1993: from {drew_it}–{drew_it} of 200 replicates" in notes
    assert np.isfinite(tables.disparity["cv_low"].iloc[0])


def test_whole_number_settings_given_as_floats_reach_the_kernels_as_ints():
    from addin.panel.options import Options

    options = Options(bootstrap_reps=99.0, permutations=9.0, seed=2.0)
    assert (options.bootstrap_reps, options.permutations, options.seed) == (99, 9, 2)
    assert all(type(v) is int for v in (options.bootstrap_reps, options.permutations))
