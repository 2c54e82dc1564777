"""The fast paths of the data checks give what the simple per-cell loops give.

:func:`~addin.workbook.sheets.read_data_sheet` converts rows of plain numbers and blanks
with numpy and builds addresses only for the cells it notes; column letters are computed
without openpyxl. These tests compare each with the simple version on random inputs.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from openpyxl.utils.cell import column_index_from_string, get_column_letter

from addin.core.cells import classify_cell
from addin.workbook import layout, sheets

#: Cell contents that are not plain numbers: each is noted or read by the cell rule.
ODD_CELLS = [
    "—",
    "1,234",
    " 36,895,065.2 ",
    "３６８９５",
    "#N/A",
    "#REF!",
    "n/a text",
    "1,23",
    "",
    "   ",
    True,
    False,
    dt.date(2020, 1, 1),
    10**400,
    -(10**400),
    math.nan,
    np.float64(2.5),
    np.int64(7),
]


def random_block(seed: int, n_rows: int = 60, n_years: int = 12) -> list[list[object]]:
    """A data sheet: title, unit, unit row, year headers, then province rows of numbers with
    odd cells, blank names, duplicate names and short rows sprinkled in."""
    rng = np.random.default_rng(seed)
    years = list(range(2000, 2000 + n_years))
    width = layout.FIRST_YEAR_COL - 1 + n_years
    block: list[list[object]] = [
        ["Trade", None],
        ["unit", "万美元"],
        [None, None] + [("亿元" if rng.random() < 0.1 else None) for _ in years],
        ["province", "region"] + years,
    ]
    names = [f"R{i:03d}" for i in range(n_rows)]
    for i in range(n_rows):
        name: object = names[i]
        if rng.random() < 0.05:
            name = names[rng.integers(0, max(i, 1))]  # a duplicate (or the first name again)
        elif rng.random() < 0.05:
            name = None  # numbers without a province name
        row: list[object] = [name, "group"]
        clean = rng.random() < 0.5  # half the rows hold only plain numbers and blanks
        for _ in years:
            draw = rng.random()
            if clean and 0.1 <= draw < 0.2:
                draw = 0.25
            if draw < 0.1:
                row.append(None)
            elif draw < 0.2:
                row.append(ODD_CELLS[rng.integers(len(ODD_CELLS))])
            elif draw < 0.3:
                row.append(int(rng.integers(0, 10**6)))
            else:
                row.append(float(rng.uniform(0, 1e6)))
        if rng.random() < 0.1:  # the reader hands over a shorter row when its end is empty
            row = row[: rng.integers(1, width)]
        block.append(row)
    return block


def _as_tuple(record) -> tuple:
    return (record.kind, record.series, record.province, record.year, record.where, record.detail)


@pytest.mark.parametrize("seed", range(20))
def test_read_data_sheet_matches_the_per_cell_loop(seed, monkeypatch):
    block = random_block(seed)
    fast = sheets.read_data_sheet("trade", block, "Trade")
    # The simple version: every row read cell by cell through _read_cell.
    monkeypatch.setattr(sheets, "_PLAIN_TYPES", frozenset())
    slow = sheets.read_data_sheet("trade", block, "Trade")

    pd.testing.assert_frame_equal(fast.values, slow.values)
    assert [_as_tuple(r) for r in fast.issues] == [_as_tuple(r) for r in slow.issues]
    assert fast.errors == slow.errors
    assert fast.label_cells == slow.label_cells
    for label in fast.values.index:
        for year in [*fast.values.columns, 1999]:
            assert fast.locate(label, year) == slow.locate(label, year)


@pytest.mark.parametrize("seed", range(5))
def test_read_data_sheet_reads_each_cell_by_the_cell_rule(seed):
    """Independent of the reader's structure: each value is classify_cell's number, and the
    cells noted are exactly those neither a plain number nor blank."""
    block = random_block(seed)
    data = sheets.read_data_sheet("trade", block, "Trade")
    noted = {r.where for r in data.issues if r.province is not None and r.kind != "duplicate"}
    expected_noted = set()
    for label in data.values.index:
        r = int(data.label_cells[label].split("!A")[1])
        row = block[r - 1]
        for j, year in enumerate(data.values.columns):
            col = layout.FIRST_YEAR_COL + j
            raw = row[col - 1] if col <= len(row) else None
            number, kind = classify_cell(raw)
            got = data.values.loc[label, year]
            assert (math.isnan(got) and math.isnan(number)) or got == number
            if kind not in ("number", "blank"):
                expected_noted.add(layout.address(r, col, "Trade"))
    assert expected_noted == noted


def test_column_letters_match_openpyxl():
    for col in range(1, 20001):
        try:
            expected = get_column_letter(col)
        except ValueError:
            with pytest.raises(ValueError):
                layout.column_letter(col)
            continue
        assert layout.column_letter(col) == expected
        assert layout.column_index(expected) == column_index_from_string(expected) == col
        assert layout.column_index(expected.lower()) == col
    for bad in (0, -1):
        with pytest.raises(ValueError):
            layout.column_letter(bad)
    for bad in ("", "AAAA", "A1", "É"):
        with pytest.raises(ValueError):
            column_index_from_string(bad)
        with pytest.raises(ValueError):
            layout.column_index(bad)


def _off_median_loop(ratio: pd.DataFrame, outlier_ratio: float) -> list[tuple]:
    """The simple version: one ``.loc`` per province (what ``_off_median`` did before)."""
    with np.errstate(all="ignore"):
        off = np.abs(np.log(ratio.where(ratio > 0) / ratio.median(axis=0)))
    limit = np.log(outlier_ratio)
    found = []
    for prov in ratio.index:
        years = [int(y) for y in ratio.columns[(off.loc[prov] > limit).to_numpy()]]
        if years:
            found.append((prov, years, float(np.exp(off.loc[prov, years].max()))))
    return found


@pytest.mark.parametrize("seed", range(10))
def test_off_median_matches_the_per_province_loop(seed, monkeypatch):
    from types import SimpleNamespace

    from addin.panel import plausibility

    rng = np.random.default_rng(seed)
    values = rng.lognormal(-2, 0.3, (80, 15))
    values[rng.random(values.shape) < 0.05] *= 100  # a power of ten typed in
    values[rng.random(values.shape) < 0.05] /= 1000
    values[rng.random(values.shape) < 0.05] = np.nan
    values[rng.random(values.shape) < 0.02] = 0.0
    values[rng.random(values.shape) < 0.02] *= -1
    ratio = pd.DataFrame(values, index=[f"P{i:02d}" for i in range(80)], columns=range(2000, 2015))
    captured = []
    monkeypatch.setattr(
        plausibility,
        "_warning",
        lambda panel, key, pairs, what, hint: captured.append((pairs, what)),
    )
    panel = SimpleNamespace(
        options=SimpleNamespace(outlier_ratio=10.0),
        provinces=list(ratio.index),
        years=list(ratio.columns),
    )
    records = plausibility._off_median(panel, "trade", ratio.to_numpy())
    expected = _off_median_loop(ratio, 10.0)
    assert len(records) == len(captured) == len(expected) > 0
    for (pairs, what), (prov, years, factor) in zip(captured, expected, strict=True):
        assert pairs == [(prov, y) for y in years]
        assert f"×{factor:.3g} off the median" in what
