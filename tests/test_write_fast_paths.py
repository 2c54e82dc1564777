"""The write path, made a column at a time, gives what the simple per-cell code gives.

:func:`~addin.workbook.render.render` converts each table column at once (``tolist``,
NaN → None by a mask) and :func:`~addin.workbook.parts.sheet_writer.rows_xml` makes the cells
of a column at once (numbers through one ``repr`` of the list, each distinct text escaped
once). The per-cell versions they replaced are kept here as the reference; random blocks
with the awkward values sprinkled in (NaN, infinities, None, empty text, text with
``<&>`` and surrounding spaces, booleans, numpy scalars, ragged and empty rows, one row)
must give the same values and the same XML text. A written sheet is also read back with
openpyxl. A part put with the bytes it replaces (``Package.put(..., stored=)``) is copied
as it is stored when the new bytes are the same, and written exactly when they are not.
"""

from __future__ import annotations

import io
import math
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin import regenerate_file
from addin.panel.example import example_dataset
from addin.workbook import layout, render
from addin.workbook.parts import package, sheet_writer
from addin.workbook.parts.package import xml_text
from addin.workbook.parts.styles import OutputStyles
from addin.workbook.render import SheetBlock

from workbooks import engine_tables, make_book

# ----------------------------------------------------------------- the references


def reference_data_rows(frame: pd.DataFrame, columns: tuple) -> list[list[object]]:
    """The data rows as render made them, record by record (``_value``, its per-value
    conversion, is still its fallback for other dtypes)."""
    return [
        [render._value(v) for v in record]
        for record in frame[list(columns)].itertuples(index=False, name=None)
    ]


def reference_cell(ref: str, value: object, s: str) -> str:
    """One ``<c>`` element, as the writer made it cell by cell."""
    kind = type(value)
    if kind is float:
        if value - value == 0:
            return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    elif kind is str:
        if value:
            text = xml_text(value)
            space = ' xml:space="preserve"' if text != text.strip() else ""
            return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    elif kind is bool:
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    elif kind is int:
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    elif value is not None:
        number = isinstance(value, (int, float))
        return reference_cell(ref, float(value) if number else str(value), s)
    return f'<c r="{ref}"{s}/>' if s else ""


def reference_rows(block: SheetBlock, styles: OutputStyles) -> list[str]:
    """The ``<row>`` elements of ``block``, row by row and cell by cell."""
    width = max([len(block.columns), *(len(r) for r in block.rows)], default=0)
    data = [f' s="{styles.formats[f]}"' if f else "" for f in block.formats]
    data += [""] * (width - len(data))
    header = [f' s="{styles.header}"'] * len(block.columns)
    header += [""] * (width - len(block.columns))
    title = [f' s="{styles.title}"'] + [""] * width
    first, last = layout.OUT_FIRST_ROW, layout.OUT_FIRST_ROW + block.n_data_rows - 1
    out = []
    for r, values in enumerate(block.rows, start=1):
        if first <= r <= last:
            row_styles = data
        elif r == layout.OUT_HEADER_ROW:
            row_styles = header
            values = list(values) + [None] * (len(block.columns) - len(values))
        else:
            row_styles = title if r == 1 else [""] * width
        cells = "".join(
            reference_cell(f"{layout.column_letter(c)}{r}", v, s)
            for c, (v, s) in enumerate(zip(values, row_styles), start=1)
        )
        height = f' ht="{block.header_height:g}"' if r == layout.OUT_HEADER_ROW else ""
        if cells:
            out.append(f'<row r="{r}"{height}>{cells}</row>')
    return out


# ----------------------------------------------------------------- random inputs

AWKWARD = [
    None,
    math.nan,
    math.inf,
    -math.inf,
    "",
    " leading",
    "trailing ",
    "a <b> & c",
    "tab\tand\x0bcontrol",
    "None",
    "nan",
    "中文 省份",
    True,
    False,
    0,
    -3,
    10**20,
    -0.0,
    1e-7,
    1e22,
    0.1,
    np.float64(2.5),
    np.float64(math.nan),
    np.int64(7),
    np.bool_(True),
]
finite = st.floats(allow_nan=False, allow_infinity=False)
numbers = st.one_of(finite, st.integers(-(10**6), 10**6), st.none())
texts = st.one_of(st.sampled_from(["Anhui", "上海", " a ", "x<y", "", "&amp;"]), st.none())
awkward = st.sampled_from(AWKWARD)
#: Columns as the tables give them (numbers with blanks, text with blanks) or any mix.
column_kinds = st.sampled_from(["float", "int", "number", "text", "bool", "mixed"])


def column_values(kind: str, n: int):
    element = {
        "float": st.one_of(finite, st.none(), st.just(math.nan), st.just(math.inf)),
        "int": st.integers(-(10**12), 10**12),
        "number": numbers,
        "text": texts,
        "bool": st.booleans(),
        "mixed": st.one_of(numbers, texts, awkward),
    }[kind]
    return st.lists(element, min_size=n, max_size=n)


#: Column keys with and without a number format (unknown keys get the number format).
KEYS = ["province", "year", "trade_index", "open_growth", "n", "problem", 1993, "other"]


@st.composite
def blocks(draw) -> SheetBlock:
    n_data = draw(st.sampled_from([0, 1, 2, 7, 40]))
    width = draw(st.integers(1, 6))
    kinds = draw(st.lists(column_kinds, min_size=width, max_size=width))
    columns = [draw(column_values(kind, n_data)) for kind in kinds]
    rows = list(zip(*columns)) or [() for _ in range(n_data)]  # tuples, as render makes them
    if n_data and draw(st.booleans()):  # a ragged data row, or an empty one
        i = draw(st.integers(0, n_data - 1))
        rows[i] = rows[i][: draw(st.integers(0, width))]
    keys = tuple(draw(st.permutations(KEYS))[:width])
    header = [f"h{i}" for i in range(draw(st.integers(0, width)))]  # short: padded
    head = [["Title <1>"], [draw(st.sampled_from(["", " note "]))], [], header]
    tail = [[], *([f"• {x}"] for x in draw(st.lists(texts, max_size=2)))]
    return SheetBlock("Index", head + rows + tail, n_data, keys)


def styles_for(block: SheetBlock) -> OutputStyles:
    codes = sorted({f for f in block.formats if f})
    return OutputStyles(1, 2, {code: 3 + i for i, code in enumerate(codes)})


# ----------------------------------------------------------------- the tests


@settings(max_examples=300, deadline=None)
@given(block=blocks(), batch=st.sampled_from([1, 3, 4096]))
def test_rows_xml_matches_the_per_cell_writer(block, batch):
    styles = styles_for(block)
    original = sheet_writer._DATA_BATCH
    sheet_writer._DATA_BATCH = batch  # several batches, one, and a partial last one
    try:
        assert list(sheet_writer.rows_xml(block, styles)) == reference_rows(block, styles)
    finally:
        sheet_writer._DATA_BATCH = original


@pytest.mark.parametrize("value", AWKWARD)
@pytest.mark.parametrize("style", [0, 7])
def test_each_awkward_value_alone_and_in_a_column(value, style):
    s = f' s="{style}"' if style else ""
    expected = reference_cell("C9", value, s)
    assert sheet_writer.cell_xml(9, 3, value, style) == expected
    column = [value, 1.5, value, None, value]
    numbers = [str(n) for n in range(9, 14)]
    assert sheet_writer._column_cells("C", s, column, numbers) == [
        reference_cell(f"C{n}", v, s) for n, v in zip(numbers, column)
    ]


def random_frame(seed: int, n: int) -> tuple[pd.DataFrame, tuple]:
    """Columns of each dtype the tables use, and of those they might."""
    rng = np.random.default_rng(seed)
    floats = rng.normal(size=n) * 10.0 ** rng.integers(-8, 9, size=n)
    floats[rng.random(n) < 0.2] = np.nan
    names = np.array(["Anhui", "上海", " spaced ", "<&>", ""], dtype=object)[rng.integers(0, 5, n)]
    missing = rng.random(n) < 0.2
    mixed = [AWKWARD[i] for i in rng.integers(0, len(AWKWARD), n)]
    frame = pd.DataFrame(
        {
            "float": floats,
            "int": rng.integers(-(10**9), 10**9, size=n),
            "bool": rng.random(n) < 0.5,
            "str": pd.array(np.where(missing, None, names), dtype="str"),
            "string": pd.array(np.where(missing, None, names), dtype="string"),
            "Int64": pd.array(np.where(missing, None, rng.integers(0, 9, n)), dtype="Int64"),
            "object": pd.Series(mixed, dtype=object),
            "float32": floats.astype(np.float32),
            "uint8": rng.integers(0, 255, size=n).astype(np.uint8),
        }
    )
    return frame, tuple(frame.columns)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n", [0, 1, 2, 57])
def test_render_matches_the_per_cell_conversion(seed, n):
    frame, columns = random_frame(seed, n)
    block = render._block("Index", frame, columns, "en")
    first = layout.OUT_FIRST_ROW - 1
    got = [list(row) for row in block.rows[first : first + n]]
    expected = reference_data_rows(frame, columns)
    assert got == expected
    # the same types too (1 == 1.0 == True): each value is the reference's own type
    assert [[type(v) for v in r] for r in got] == [[type(v) for v in r] for r in expected]


@pytest.fixture(scope="module")
def tables():
    return engine_tables(example_dataset())


def test_render_of_the_demo_tables_matches_the_per_cell_conversion(tables):
    for block in render.render(tables):
        table = getattr(tables, layout.SHEET_TABLES[block.sheet])
        first = layout.OUT_FIRST_ROW - 1
        got = [list(row) for row in block.rows[first : first + block.n_data_rows]]
        assert got == reference_data_rows(table, block.columns)


def read_back(block: SheetBlock) -> list[tuple]:
    """The sheet written from ``block`` as openpyxl reads it (in a minimal package)."""
    sheet = sheet_writer.rewrite_sheet(
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1"/><sheetData/></worksheet>',
        block,
        OutputStyles(0, 0, {code: 0 for code in block.formats if code}),
    )
    empty = io.BytesIO()
    openpyxl.Workbook().save(empty)
    written = io.BytesIO()
    with zipfile.ZipFile(empty) as src, zipfile.ZipFile(written, "w") as dst:
        for info in src.infolist():
            is_sheet = info.filename == "xl/worksheets/sheet1.xml"
            dst.writestr(info, b"".join(sheet()) if is_sheet else src.read(info))
    return list(openpyxl.load_workbook(written).active.iter_rows(values_only=True))


def as_read(value: object) -> object:
    """What a reader finds in the cell written for ``value``: finite numbers, booleans and
    non-empty text (without the control characters XML forbids); numpy integers and
    booleans are written as their text."""
    if type(value) is bool:
        return value
    if type(value) in (int, float) or isinstance(value, np.floating):
        number = value if type(value) is int else float(value)
        return number if math.isfinite(number) else None
    if value is None or value == "":
        return None
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", str(value))


def test_a_written_sheet_reads_back_with_openpyxl():
    rng = np.random.default_rng(3)
    n = 300
    rows = [
        [AWKWARD[i] for i in rng.integers(0, len(AWKWARD), 4)] + [float(x), int(k)]
        for x, k in zip(rng.normal(size=n) * 1e6, rng.integers(-100, 100, n))
    ]
    keys = ("province", "trade_index", "year", "open_growth", "cv", "n")
    block = SheetBlock("Index", [["T"], [], [], list(keys), *rows, [], ["• note"]], n, keys)
    got = read_back(block)
    expected = [[as_read(v) for v in row] for row in block.rows]
    width = max(len(r) for r in got)
    assert [list(r) for r in got] == [r + [None] * (width - len(r)) for r in expected]


# ----------------------------------------------------------------- unchanged parts


def stored_book(path, content: bytes) -> None:
    """A zip with part ``a.xml`` deflated at level 9 (a fresh write would use level 1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        out.writestr("[Content_Types].xml", b"<Types/>")
        out.writestr("a.xml", content)
        out.writestr("b.xml", b"<b/>")


def in_pieces(data: bytes, cuts: list[int]):
    """A function giving ``data`` in pieces cut at ``cuts`` (empty pieces included)."""
    bounds = [0, *sorted(min(c, len(data)) for c in cuts), len(data)]
    return lambda: iter([data[a:b] for a, b in zip(bounds, bounds[1:])])


ORIGINAL = b"<a>" + b"".join(b"<r>%d</r>" % (i * i) for i in range(3000)) + b"</a>"


@settings(max_examples=150, deadline=None)
@given(
    edit=st.sampled_from(["same", "first", "middle", "last", "longer", "shorter", "empty"]),
    cuts=st.lists(st.integers(0, len(ORIGINAL) + 10), max_size=6),
    where=st.integers(0, len(ORIGINAL) - 1),
)
def test_a_part_put_with_its_stored_bytes_is_written_or_copied_exactly(
    tmp_path_factory, edit, cuts, where
):
    folder = tmp_path_factory.mktemp("stored")
    stored_book(folder / "in.zip", ORIGINAL)
    new = {
        "same": ORIGINAL,
        "first": b"<b" + ORIGINAL[2:],
        "middle": ORIGINAL[:where] + b"#" + ORIGINAL[where + 1 :],
        "last": ORIGINAL[:-1] + b"!",
        "longer": ORIGINAL + b"<more/>",
        "shorter": ORIGINAL[:where],
        "empty": b"",
    }[edit]
    pack = package.Package(folder / "in.zip")
    stored = pack.read("a.xml")
    pack.put("a.xml", in_pieces(new, cuts), stored=stored)
    with open(folder / "out.zip", "wb") as file:
        pack.write(file)
    pack.close()
    with zipfile.ZipFile(folder / "in.zip") as before, zipfile.ZipFile(folder / "out.zip") as after:
        assert after.namelist() == before.namelist()
        assert after.read("a.xml") == new
        assert after.read("b.xml") == b"<b/>"
        copied = after.getinfo("a.xml").compress_size == before.getinfo("a.xml").compress_size
        assert copied == (new == ORIGINAL)  # copied as stored (level 9) only when unchanged


def test_stored_bytes_count_only_for_a_part_not_replaced_before(tmp_path):
    stored_book(tmp_path / "in.zip", ORIGINAL)
    pack = package.Package(tmp_path / "in.zip")
    pack.put("a.xml", b"<first/>")
    pack.put("a.xml", in_pieces(ORIGINAL, []), stored=pack.read("a.xml"))  # b"<first/>"
    pack.put("b.xml", in_pieces(b"<b/>", [2]), stored=b"<b/>")
    with open(tmp_path / "out.zip", "wb") as file:
        pack.write(file)
    pack.close()
    with zipfile.ZipFile(tmp_path / "out.zip") as after:
        assert after.read("a.xml") == ORIGINAL
        assert after.read("b.xml") == b"<b/>"


def test_a_second_regeneration_copies_the_unchanged_output_sheets(tmp_path):
    book = make_book(tmp_path / "demo.xlsm")
    regenerate_file(book)
    with zipfile.ZipFile(book) as first:  # stored again at level 9, as another tool might
        parts = [(info, first.read(info)) for info in first.infolist()]
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as again:
        for info, data in parts:
            again.writestr(info, data, compresslevel=9)
    with zipfile.ZipFile(book) as before:
        stored = {i.filename: (i.CRC, i.compress_size) for i in before.infolist()}
    regenerate_file(book)  # the same data: every member copied, none deflated again
    with zipfile.ZipFile(book) as after:
        assert {i.filename: (i.CRC, i.compress_size) for i in after.infolist()} == stored
