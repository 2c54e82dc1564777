"""The workbook engine for a live Excel workbook, through xlwings (Windows and macOS).

Used by the Regenerate button (``yangtze_udf.regenerate_tables`` → :func:`regenerate_caller`)
and by ``yangtze recalc --engine excel`` (:func:`recalc_in_excel`). It uses only the
public Book/Sheet/Range/Chart API of xlwings' open-source part.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.cells import error_text, is_com_error
from ..errors import YangtzeError
from . import layout
from .parts.charts import count_notice, measure_names
from .regenerate import regenerate
from .render import ChartRanges, SheetBlock


class ExcelEngine:
    """A workbook open in Excel (an ``xlwings.Book``); a context manager (closing it
    leaves the book open: the user or :func:`recalc_in_excel` owns it)."""

    def __init__(self, book):
        self.book = book
        self.messages: list[str] = []  # notices for the user (a chart not fully updated)
        self._written: dict[str, SheetBlock] = {}

    def __enter__(self) -> ExcelEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release: the book stays open in Excel."""

    def sheet_details(self, sheet: str) -> tuple[list[int], list[str]]:
        """Excel hands values over without row visibility or merges: none are reported."""
        return [], []

    def formulas_without_value(self, sheet: str) -> list[str]:
        """None: Excel has calculated every formula before it hands values over."""
        return []

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def read(self, sheet: str) -> list[list[object]]:
        sht = self.book.sheets[sheet]
        last = sht.used_range.last_cell
        rng = sht.range((1, 1), (last.row, last.column))
        rows = rng.options(ndim=2, err_to_str=True).value
        return [
            [error_text(v) if isinstance(v, int) and is_com_error(v) else v for v in row]
            for row in rows
        ]

    def write(self, block: SheetBlock) -> None:
        self._written[block.sheet] = block
        sht = self.book.sheets[block.sheet]
        sht.clear_contents()
        width = max((len(r) for r in block.rows), default=0)
        if width:
            sht.range((1, 1)).value = [list(r) + [None] * (width - len(r)) for r in block.rows]
        sht.range((1, 1)).font.bold = True
        header = sht.range(
            (layout.OUT_HEADER_ROW, 1), (layout.OUT_HEADER_ROW, max(len(block.columns), 1))
        )
        header.font.bold = True
        header.color = (220, 230, 241)
        first, last = layout.OUT_FIRST_ROW, layout.OUT_FIRST_ROW + block.n_data_rows - 1
        for c, fmt in enumerate(block.formats, start=1):
            if fmt and block.n_data_rows:
                sht.range((first, c), (last, c)).number_format = fmt

    def set_chart(self, ranges: ChartRanges) -> None:
        sht = self.book.sheets[ranges.sheet]
        if not len(sht.charts):
            return
        chart = sht.charts[0]
        try:  # Windows COM: repoint each series exactly; Excel keeps the chart's type valid
            collection = chart.api[1].SeriesCollection()
            count = collection.Count
            for i, (name_ref, values_ref) in enumerate(ranges.series[:count], start=1):
                series = collection.Item(i)
                series.Name = "=" + name_ref
                series.Values = "=" + values_ref
                series.XValues = "=" + ranges.categories
        except Exception:  # noqa: BLE001 - macOS (AppleScript) has no SeriesCollection
            # Leave the chart as built (rows 5–34 of the template); say so rather than guess.
            self.messages.append(f"the {ranges.sheet} chart keeps its ranges (not adjustable here)")
            return
        names = measure_names(ranges, self._written[ranges.sheet])
        notice = count_notice(f"the {ranges.sheet} chart", count, names)
        if notice:
            self.messages.append(notice)

    def status(self, text: str) -> None:
        self.book.app.status_bar = text


def regenerate_caller() -> None:
    """Regenerate the workbook that called RunPython; show problems in a message box."""
    import xlwings as xw

    book = xw.Book.caller()
    engine = ExcelEngine(book)
    app = book.app
    screen = app.screen_updating
    try:
        app.screen_updating = False
        result = regenerate(engine)
        app.status_bar = f"Yangtze: {result.summary()}"
        if engine.messages:
            app.alert("\n".join(engine.messages), title="Yangtze 长江开放: notes 提示")
    except YangtzeError as exc:
        app.status_bar = False
        app.alert(str(exc), title="Yangtze 长江开放: please check your data 请检查数据")
    except Exception as exc:  # a bug, not the user's data; input sheets were not touched
        app.status_bar = False
        app.alert(
            f"An unexpected error stopped the regeneration ({type(exc).__name__}: {exc}). Your "
            "data sheets "
            "were not changed. Please report it. 发生意外错误，数据表未被修改。",
            title="Yangtze 长江开放: internal error",
        )
    finally:
        app.screen_updating = screen


def recalc_in_excel(paths: list[str], backup: bool = False) -> Iterator[tuple[str, bool, str]]:
    """Open each workbook in one invisible Excel, calculate, regenerate, save, close.

    Yields (path, ok, summary or error message) per workbook; one failure does not stop
    the others.
    """
    import shutil
    from pathlib import Path

    import xlwings as xw

    from .file_engine import backup_path

    app = xw.App(visible=False, add_book=False)
    try:
        app.display_alerts = False
        for path in paths:
            book = None
            try:
                if backup:
                    shutil.copy2(path, backup_path(Path(path)))
                book = app.books.open(path)
                app.calculate()
                engine = ExcelEngine(book)
                result = regenerate(engine)
                book.save()
                yield (
                    path,
                    True,
                    "; ".join([result.summary(), *(f"note: {m}" for m in engine.messages)]),
                )
            except YangtzeError as exc:
                yield path, False, str(exc)
            except Exception as exc:  # noqa: BLE001 - Excel's COM errors: report per book, continue
                yield path, False, f"Excel could not process it ({type(exc).__name__}: {exc})"
            finally:
                if book is not None:
                    book.close()
    finally:
        app.quit()
