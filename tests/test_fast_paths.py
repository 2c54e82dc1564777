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

from addin.core.cells import classify_cell, number_text
from addin.workbook import layout, sheets
from addin.workbook.parts.package import MAIN_NS
from addin.workbook.sheets import data as data_sheet

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
    monkeypatch.setattr(data_sheet, "_PLAIN_TYPES", frozenset())
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


@pytest.mark.parametrize("seed", range(10))
def test_values_come_from_their_year_column_when_headers_have_gaps(seed):
    """With a blank, malformed or repeated year header over an emptied column between the
    others (the year columns are not side by side), each value is still the cell under its
    own year's first header. (Over numbers, such a header stops the run: test_headers_and_units.)
    """
    block = random_block(seed)
    rng = np.random.default_rng(seed + 100)
    header = block[layout.HEADER_ROW - 1]
    for _ in range(2):
        col = int(rng.integers(layout.FIRST_YEAR_COL + 1, len(header) + 1))
        header[col - 1] = ["", "n/a", header[layout.FIRST_YEAR_COL - 1]][rng.integers(3)]
        for row in block[layout.FIRST_DATA_ROW - 1 :]:
            if col <= len(row):
                row[col - 1] = None
    data = sheets.read_data_sheet("trade", block, "Trade")
    first_col: dict[int, int] = {}
    for col in range(layout.FIRST_YEAR_COL, len(header) + 1):
        year = sheets.parse_year(header[col - 1])
        if year is not None:
            first_col.setdefault(year, col)
    assert list(data.values.columns) == list(first_col)
    for label in data.values.index:
        row = block[int(data.label_cells[label].split("!A")[1]) - 1]
        for year, col in first_col.items():
            number, _ = classify_cell(row[col - 1] if col <= len(row) else None)
            got = data.values.loc[label, year]
            assert (math.isnan(got) and math.isnan(number)) or got == number


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
        assert f"×{number_text(factor, 3)} off the median" in what


#: Formula texts and attributes a user's sheet may hold: references to output sheets in each
#: spelling, to other sheets, a raw ">" in the text, shared formulas and their children.
FORMULA_PIECES = [
    "Table1!D5*2",
    "'Index'!C5+1",
    "&apos;Disparity&apos;!B2",
    "&#39;Stages&#39;!B2",
    "SUM(factors!A1:A2)",
    "MyTable1!D5",
    "'My Table1'!D5",
    "Trade!C5",
    "Quality!B3>A1",
    "IF(Index!B2>0,Index!B2,0)",
    "1+1",
    "",
]


@pytest.mark.parametrize("seed", range(60))
def test_stale_formula_prefilter_matches_the_cell_by_cell_pass(seed, monkeypatch):
    """cells_referring with its byte prefilter (formula elements only) finds what the
    regex pass over every cell finds."""
    from addin.workbook.parts import calc

    rng = np.random.default_rng(seed)
    prefix = "x:" if rng.random() < 0.2 else ""
    cells = []
    for i in range(int(rng.integers(0, 5))):
        ref = f"{layout.column_letter(int(rng.integers(1, 5)))}{i + 1}"
        text = FORMULA_PIECES[rng.integers(len(FORMULA_PIECES))]
        draw = rng.random()
        if draw < 0.2:
            formula = f'<{prefix}f t="shared" ref="A1:A9" si="{i % 3}">{text}</{prefix}f>'
        elif draw < 0.35:
            formula = f'<{prefix}f t="shared" si="{i % 3}"/>'
        elif draw < 0.45:
            formula = ""  # a plain value
        else:
            formula = f"<{prefix}f>{text}</{prefix}f>"
        cells.append(f'<{prefix}c r="{ref}">{formula}<{prefix}v>1</{prefix}v></{prefix}c>')
    sheet = f"<{prefix}worksheet><{prefix}sheetData>{''.join(cells)}</{prefix}sheetData>"
    sheet = (sheet + f"</{prefix}worksheet>").encode()
    fast = calc.cells_referring(sheet, layout.OUTPUT_SHEETS)
    monkeypatch.setattr(calc, "_names_any", lambda *_: True)  # every cell through the regex
    assert fast == calc.cells_referring(sheet, layout.OUTPUT_SHEETS)


def random_sheet_xml(seed: int) -> bytes:
    """A worksheet part with the cells the byte scan looks for: formulas with and without a
    stored result (empty results, text results, shared formulas and their children), error
    cells, hidden rows and merged ranges, between plain numbers and text."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(1, int(rng.integers(1, 30))):
        cells = []
        for c in range(1, int(rng.integers(1, 8))):
            ref = f"{layout.column_letter(c)}{r}"
            formula = [
                "",
                "<f>A1*2</f>",
                '<f t="shared" ref="A1:A9" si="0">B1+1</f>',
                '<f t="shared" si="0"/>',
                "<f>IF(A1&gt;0,&quot;x&quot;,&quot;&quot;)</f>",
                "<f/>",
            ][rng.integers(6)]
            kind, value = [
                ("", "<v>1.5</v>"),
                ("", "<v></v>"),
                ("", ""),
                (' t="str"', "<v></v>"),
                (' t="str"', "<v>group 1</v>"),
                (' t="e"', "<v>#N/A</v>"),
                (' t="b"', "<v>1</v>"),
            ][rng.integers(7)]
            if rng.random() < 0.5:
                formula = ""  # most cells are plain values
            cells.append(f'<c r="{ref}" s="1"{kind}>{formula}{value}</c>')
        hidden = ["", "", "", "", "", "", ' hidden="1"', ' hidden="true"', ' hidden="0"'][
            rng.integers(9)
        ]
        rows.append(f'<row r="{r}"{hidden}>{"".join(cells)}</row>')
    merges = ""
    if rng.random() < 0.3:
        merges = (
            '<mergeCells count="2"><mergeCell ref="A1:B1"/><mergeCell ref="C3:C4"/></mergeCells>'
        )
    return (
        f'<worksheet xmlns="{MAIN_NS}"><sheetData>{"".join(rows)}</sheetData>{merges}</worksheet>'
    ).encode()


@pytest.mark.parametrize("seed", range(40))
def test_the_byte_scan_finds_what_the_xml_reader_finds(seed, monkeypatch):
    """scan_sheet (byte searches, with its fast path for formulas followed by a result)
    against read_sheet (lxml): the same formulas without a result, error cells, hidden
    rows and merged ranges."""
    import io

    from addin.workbook.parts import sheet_scan
    from addin.workbook.parts.sheet_reader import read_sheet

    data = random_sheet_xml(seed)
    scan = sheet_scan.scan_sheet(data, "book.xlsx")
    parsed = read_sheet(io.BytesIO(data), [], "book.xlsx", "Trade", "sheet1.xml")
    assert not scan.needs_parse
    assert scan.uncomputed == parsed.uncomputed
    assert scan.hidden_rows == parsed.hidden_rows and scan.merged == parsed.merged
    errors = {
        (r, c): value
        for r, row in enumerate(parsed.rows, start=1)
        for c, value in enumerate(row, start=1)
        if isinstance(value, str) and value.startswith("#")
    }
    assert scan.errors == errors
    monkeypatch.setattr(sheet_scan, "_value_follows", lambda *_: False)  # every formula's cell
    assert sheet_scan.scan_sheet(data, "book.xlsx") == scan


def _trimmed_loop(rows: list[list[object]]) -> list[list[object]]:
    """The simple version of sheet_values.trimmed: every cell looked at."""
    rows = [[None if v == "" else v for v in row] for row in rows]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    width = max(
        (max((i + 1 for i, v in enumerate(row) if v is not None), default=0) for row in rows),
        default=0,
    )
    return [row[:width] + [None] * (width - len(row[:width])) for row in rows]


@pytest.mark.parametrize("seed", range(40))
def test_trimmed_matches_the_per_cell_loop(seed):
    from addin.workbook.parts.sheet_values import trimmed

    rng = np.random.default_rng(seed)
    pool = ["", None, 1.5, 0.0, "text", " ", False, dt.date(2020, 1, 1), "#N/A"]
    rows = [
        [pool[rng.integers(len(pool))] if rng.random() < 0.4 else float(j) for j in range(n)]
        for n in rng.integers(0, 9, int(rng.integers(0, 12)))
    ]
    for _ in range(int(rng.integers(0, 3))):  # blank rows and blank ends, as calamine gives
        rows.append([""] * int(rng.integers(0, 6)))
    assert trimmed([list(r) for r in rows]) == _trimmed_loop([list(r) for r in rows])


def test_values_read_in_the_worker_thread_equal_those_read_at_once(tmp_path, monkeypatch):
    """Large sheets are parsed by calamine in a worker thread, small ones at once: the same
    content either way, and the thread is gone when the engine closes."""
    from addin.workbook.file_engine import FileEngine
    from addin.workbook.parts import sheet_values

    from workbooks import make_book

    book = make_book(tmp_path / "book.xlsm")
    found = []
    # all in the thread; the small sheets before the first large one at once; none
    for threshold in (0, 10_000, 2**40):
        monkeypatch.setattr(sheet_values, "THREAD_BYTES", threshold)
        with FileEngine(book) as engine:
            uncomputed = {s: engine.formulas_without_value(s) for s in layout.INPUT_SHEETS}
            found.append((uncomputed, {s: engine.content(s) for s in layout.INPUT_SHEETS}))
            assert (engine._values._worker is not None) == (threshold < 2**40)
        assert engine._values._worker is None
    assert found[0] == found[1] == found[2]
