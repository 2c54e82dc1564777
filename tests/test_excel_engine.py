"""The xlwings adapter against a stand-in offering the subset of the Book/Sheet/Range/Chart
API it uses; its writes must equal the file engine's for the same workbook."""

from __future__ import annotations

import sys
import types

import pytest

from addin.workbook import layout
from addin.workbook.excel_engine import ExcelEngine, regenerate_caller
from addin.workbook.file_engine import FileEngine
from addin.workbook.regenerate import regenerate
from addin.workbook.render import chart_ranges, render

from workbooks import make_book


class FakeRange:
    def __init__(self, sheet, first, last=None):
        self.sheet, self.first, self.last = sheet, first, last or first
        self.opts = {}
        self.font = types.SimpleNamespace(bold=False)

    @property
    def number_format(self):
        return self.sheet.formats.get((self.first, self.last))

    @number_format.setter
    def number_format(self, fmt):
        self.sheet.formats[(self.first, self.last)] = fmt

    def options(self, **kwargs):
        self.opts = kwargs
        return self

    @property
    def value(self):
        (r0, c0), (r1, c1) = self.first, self.last
        return [
            [self.sheet.cells.get((r, c)) for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)
        ]

    @value.setter
    def value(self, rows):
        r0, c0 = self.first
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is None:
                    self.sheet.cells.pop((r0 + i, c0 + j), None)
                else:
                    self.sheet.cells[(r0 + i, c0 + j)] = v

    @property
    def row(self):
        return self.first[0]

    @property
    def column(self):
        return self.first[1]


class FakeSeries:
    Name = Values = XValues = None


class FakeChart:
    def __init__(self, n):
        self.series = [FakeSeries() for _ in range(n)]
        self.api = (
            None,
            types.SimpleNamespace(
                SeriesCollection=lambda: types.SimpleNamespace(
                    Item=lambda i: self.series[i - 1], Count=len(self.series)
                )
            ),
        )


class FakeSheet:
    def __init__(self, name, rows, charts=0):
        self.name = name
        self.cells = {
            (r, c): v
            for r, row in enumerate(rows, 1)
            for c, v in enumerate(row, 1)
            if v is not None
        }
        self.charts = [FakeChart(charts)] if charts else []
        self.cleared = 0
        self.formats = {}

    @property
    def used_range(self):
        rows = max((r for r, _ in self.cells), default=1)
        cols = max((c for _, c in self.cells), default=1)
        return types.SimpleNamespace(last_cell=FakeRange(self, (rows, cols)))

    def range(self, first, last=None):
        return FakeRange(self, first, last)

    def clear_contents(self):
        self.cleared += 1
        self.cells.clear()


class FakeSheets(list):
    def __getitem__(self, key):
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return super().__getitem__(key)


class FakeApp:
    def __init__(self):
        self.status_bar, self.screen_updating, self.alerts, self.status_log = None, True, [], []

    def __setattr__(self, key, value):
        if key == "status_bar" and hasattr(self, "status_log"):
            self.status_log.append(value)
        super().__setattr__(key, value)

    def alert(self, prompt, title=None, **kwargs):
        self.alerts.append((title, prompt))


def fake_book(path):
    engine = FileEngine(path)
    charts = {spec.sheet: len(spec.series) for spec in layout.CHARTS}
    sheets = FakeSheets(
        FakeSheet(n, engine.read(n), charts.get(n, 0)) for n in engine.sheet_names()
    )
    engine.close()
    return types.SimpleNamespace(sheets=sheets, app=FakeApp())


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    return make_book(tmp_path_factory.mktemp("xl") / "demo.xlsm")


def test_excel_engine_writes_what_the_file_engine_writes(demo_path):
    book = fake_book(demo_path)
    inputs_before = {s.name: dict(s.cells) for s in book.sheets if s.name in layout.INPUT_SHEETS}
    result = regenerate(ExcelEngine(book))
    file_result = regenerate(FileEngine(demo_path))
    for block, file_block in zip(render(result.tables), render(file_result.tables)):
        assert block.rows == file_block.rows
        sheet = book.sheets[block.sheet]
        assert sheet.cleared == 1
        expected = {
            (r, c): v
            for r, row in enumerate(block.rows, 1)
            for c, v in enumerate(row, 1)
            if v is not None
        }
        assert sheet.cells == expected
    for name, cells in inputs_before.items():
        assert book.sheets[name].cells == cells, f"input sheet {name} changed"
    factors = book.sheets[layout.FACTORS]
    last = layout.OUT_FIRST_ROW + 30 - 1
    assert factors.formats[((layout.OUT_FIRST_ROW, 4), (last, 4))] == "#,##0.000"  # Z
    assert factors.formats[((layout.OUT_FIRST_ROW, 5), (last, 5))] == "0.00%"  # Z growth
    assert book.app.status_log[-1].startswith("Yangtze: done")


def test_excel_engine_repoints_chart_series(demo_path):
    book = fake_book(demo_path)
    result = regenerate(ExcelEngine(book))
    for ranges in chart_ranges(result.blocks):
        chart = book.sheets[ranges.sheet].charts[0]
        for series, (name_ref, values_ref) in zip(chart.series, ranges.series):
            assert series.Values == "=" + values_ref
            assert series.Name == "=" + name_ref
            assert series.XValues == "=" + ranges.categories


def test_excel_engine_turns_com_error_codes_into_error_text():
    sheet = FakeSheet(
        "Trade", [[None], [None, "万美元"], [], [None, None, 1993], ["上海", None, -2146826246]]
    )
    book = types.SimpleNamespace(sheets=FakeSheets([sheet]), app=FakeApp())
    assert ExcelEngine(book).read("Trade")[4][2] == "#N/A"


def test_button_entry_shows_a_message_box_for_bad_data(demo_path, monkeypatch):
    book = fake_book(demo_path)
    book.sheets[layout.DATA_SHEETS["trade"]].cells[layout.UNIT_CELL] = "furlongs"
    fake_xw = types.SimpleNamespace(Book=types.SimpleNamespace(caller=lambda: book))
    monkeypatch.setitem(sys.modules, "xlwings", fake_xw)
    regenerate_caller()
    assert len(book.app.alerts) == 1
    title, message = book.app.alerts[0]
    assert message.startswith("Trade!B2: unknown money unit 'furlongs'")
    assert book.app.screen_updating is True
    assert book.sheets[layout.TABLE1].cleared == 0, (
        "outputs were touched although the data were bad"
    )


def test_button_entry_regenerates_the_calling_book(demo_path, monkeypatch):
    import yangtze_udf

    book = fake_book(demo_path)
    monkeypatch.setitem(
        sys.modules,
        "xlwings",
        types.SimpleNamespace(Book=types.SimpleNamespace(caller=lambda: book)),
    )
    yangtze_udf.regenerate_tables()
    assert not book.app.alerts
    assert book.sheets[layout.TABLE1].cells[(layout.OUT_FIRST_ROW, 2)] == "上海"


def test_button_entry_reports_an_unexpected_error_in_a_message_box(demo_path, monkeypatch):
    import addin.workbook.excel_engine as xe

    book = fake_book(demo_path)
    monkeypatch.setitem(
        sys.modules,
        "xlwings",
        types.SimpleNamespace(Book=types.SimpleNamespace(caller=lambda: book)),
    )
    monkeypatch.setattr(xe, "regenerate", lambda engine: 1 / 0)
    regenerate_caller()
    ((title, message),) = book.app.alerts
    assert "internal error" in title and "ZeroDivisionError" in message
    assert book.app.screen_updating is True


def test_recalc_in_excel_opens_calculates_regenerates_saves_and_closes_each_book(
    demo_path, tmp_path, monkeypatch
):
    from addin.workbook.excel_engine import recalc_in_excel

    log = []

    class FakeBooks:
        def open(self, path):
            if path.endswith("broken.xlsm"):
                raise OSError("Excel cannot open the file")
            book = fake_book(demo_path)
            book.save = lambda: log.append(("save", path))
            book.close = lambda: log.append(("close", path))
            return book

    class App:
        def __init__(self, visible=True, add_book=True):
            log.append(("start", visible, add_book))
            self.books = FakeBooks()

        def calculate(self):
            log.append(("calculate",))

        def quit(self):
            log.append(("quit",))

    monkeypatch.setitem(sys.modules, "xlwings", types.SimpleNamespace(App=App))
    results = list(recalc_in_excel(["a.xlsm", "broken.xlsm", "b.xlsm"]))
    assert [(p, ok) for p, ok, _ in results] == [
        ("a.xlsm", True),
        ("broken.xlsm", False),
        ("b.xlsm", True),
    ]
    assert "Excel could not process it (OSError: Excel cannot open the file)" in results[1][2]
    assert log[0] == ("start", False, False) and log[-1] == ("quit",)
    assert [e for e in log if e[0] in ("save", "close")] == [
        ("save", "a.xlsm"),
        ("close", "a.xlsm"),
        ("save", "b.xlsm"),
        ("close", "b.xlsm"),
    ]
    assert log.count(("calculate",)) == 2
