"""The ``yangtze`` command line: demo, template, regenerate, check, recalc, import, lite.

Every command reports problems as one clear line per file (no traceback) and exits
non-zero when anything failed: 1 for a failed book or bad data, 2 for bad usage, 3 for an
internal error (a bug; ``YANGTZE_DEBUG=1`` shows its traceback). ``check`` also exits 1
when the data hold an error-level Quality entry (:data:`CHECK_EXIT_CODES`).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from . import __version__
from .errors import FileRejected, YangtzeError

#: Where ``yangtze template`` writes by default: the current folder, as ``demo`` does.
#: The committed template is rebuilt with ``python -m addin.cli template --force
#: templates/yangtze_template.xlsm`` (README, Development).
DEFAULT_TEMPLATE = Path("yangtze_template.xlsm")
#: Where ``yangtze demo`` writes by default.
DEFAULT_DEMO = Path("yangtze_demo.xlsm")

#: What ``yangtze check`` exits with (its ``--help`` and the README show this).
CHECK_EXIT_CODES = (
    "exit status: 0 no error-level entry (warnings and info may be listed); "
    "1 an error-level entry (a value in the data that is not used), or the book could not "
    "be read; 2 wrong usage; 3 an internal error"
)


def _say(text: str = "") -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _refuse_existing(path: Path, force: bool, default: Path) -> None:
    """Stop before writing a new workbook where it cannot go: an existing folder (said so,
    with a file name in it to use instead: ``default``'s name), a name other than .xlsm (the
    builder's workbook has macros), a folder that does not exist, or an existing file
    (unless ``--force`` was given)."""
    from .workbook.parts.saving import check_extension, check_folder, shown

    if path.is_dir():
        raise FileRejected(
            f"{shown(path)}: is a folder, not a workbook file; nothing was written. Give a "
            f"file name, e.g. {path / default.name}"
        )
    check_extension(path, macro_enabled=True)
    check_folder(path)
    if path.exists() and not force:
        raise FileRejected(
            f"{path.name}: already exists and was not changed; give another path, or add "
            "--force to replace it (its contents are lost)"
        )


def _built(**kwargs) -> bytes:
    """A workbook from the builder, as bytes."""
    import io

    from .workbook.template.build import build_workbook

    buffer = io.BytesIO()
    build_workbook(buffer, **kwargs)
    return buffer.getvalue()


def _write_new_book(path: Path, force: bool, **kwargs) -> None:
    """Build a template at ``path`` through the atomic save (refusing an existing file)."""
    from .workbook.parts.saving import atomic_write

    _refuse_existing(path, force, DEFAULT_TEMPLATE)
    data = _built(**kwargs)
    atomic_write(path, lambda f: f.write(data))


def cmd_template(args) -> int:
    path = Path(args.path)
    _write_new_book(path, args.force)
    _say(f"template written: {path}")
    return 0


def _regenerate_file(path, output=None, backup: bool = False):
    """Regenerate one file; (result, target path, the engine's notes other than progress)."""
    from .workbook.regenerate import regenerate_file

    result = regenerate_file(path, output, backup=backup)
    return result, result.target, result.notes


def cmd_demo(args) -> int:
    import tempfile

    from .panel.example import NOTICE, example_dataset

    path = Path(args.path)
    _refuse_existing(path, args.force, DEFAULT_DEMO)
    # built beside the target, regenerated into it: a failure leaves no half-made demo
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".yangtze-demo-") as tmp:
        built = Path(tmp) / path.name
        built.write_bytes(_built(data=example_dataset(), notice=NOTICE))
        result, _, _ = _regenerate_file(built, output=path)
    t1 = result.tables.table1
    belt = t1[t1["kind"] == "belt"].iloc[0]
    years = [c for c in t1.columns if isinstance(c, int)]
    _say(f"demo workbook written: {path.resolve()}")
    _say("  example data: illustrative, not official statistics 示例数据，非官方统计")
    _say(f"  {result.summary()}")
    _say(
        f"  belt composite index Z: {years[0]} = {belt[years[0]]:.3f}, "
        f"{years[-1]} = {belt[years[-1]]:.3f}, "
        f"average annual change {belt['annual_change']:.3f}"
    )
    _say(
        "  open it in Excel or LibreOffice: sheets Table1, Factors, Disparity, Stages, Quality, "
        "Convergence"
    )
    return 0


def cmd_regenerate(args) -> int:
    result, target, notes = _regenerate_file(args.book, args.output, args.backup)
    _say(f"{target}: regenerated; {result.summary()}")
    for message in notes:
        _say(f"  note: {message}")
    return 0


def _where(entry) -> str:
    """Where a Quality entry points, as `yangtze check` prints it: its cell, else its province
    and year (an index entry, e.g. a Z left empty, has no single cell), else nothing.

    >>> from types import SimpleNamespace as Entry
    >>> _where(Entry(cell="GDP!M9", province="江西", year=2003))
    ' [GDP!M9]'
    >>> _where(Entry(cell="", province="江西", year=2003))
    ' [江西 2003]'
    >>> _where(Entry(cell="", province="", year=None))
    ''
    """
    if entry.cell:
        return f" [{entry.cell}]"
    place = " ".join(str(part) for part in (entry.province, entry.year) if part not in ("", None))
    return f" [{place}]" if place else ""


def cmd_check(args) -> int:
    """Print each Quality entry with its level, kind, detail and cell; exit 1 when any is
    an error (:data:`CHECK_EXIT_CODES`)."""
    from .panel.quality import LEVELS
    from .workbook.file_engine import FileEngine
    from .workbook.regenerate import compute

    with FileEngine(args.book) as engine:
        tables = compute(engine)
    entries = list(tables.quality.itertuples(index=False))
    _say(
        f"{args.book}: {len(tables.panel.provinces)} regions, "
        f"years {tables.panel.years[0]}–{tables.panel.years[-1]}, "
        f"index unit {tables.panel.index_unit}"
    )
    if not entries:
        _say("  no problems found 未发现问题")
    for entry in entries:
        _say(f"  {entry.level:<8}{entry.kind:<13}{entry.detail}{_where(entry)}")
    levels = [entry.level for entry in entries]
    counts = ", ".join(f"{levels.count(level)} {level}" for level in LEVELS)
    _say(f"  {len(entries)} entries: {counts}")
    return 1 if "error" in levels else 0


def _recalc_file(path: str, backup: bool) -> str:
    """Regenerate one file (runs in a worker process); returns its summary line and notes."""
    result, _, notes = _regenerate_file(path, backup=backup)
    return "; ".join([result.summary(), *(f"note: {m}" for m in notes)])


def _excel_available() -> bool:
    try:
        import xlwings as xw

        return any(e.name == "excel" for e in xw.engines)
    except Exception:  # noqa: BLE001 - xlwings without Excel raises various errors
        return False


class _Progress:
    def __init__(self, total: int):
        self.total, self.done, self.start = total, 0, time.perf_counter()

    def step(self, ok: bool, name: str, text: str) -> None:
        self.done += 1
        width = 24
        filled = int(width * self.done / self.total)
        bar = "#" * filled + "-" * (width - filled)
        status = "ok    " if ok else "FAILED"
        text = text.removeprefix(f"{Path(name).name}: ")  # messages start with the file's name
        _say(f"[{bar}] {self.done}/{self.total} {status} {name}: {text}")


def _recalc_files(books: list[str], jobs: int, backup: bool) -> Iterator[tuple[str, bool, str]]:
    """(path, ok, summary or message) per book through the file engine, in ``jobs`` processes."""
    if jobs == 1:
        for path in books:
            try:
                yield path, True, _recalc_file(path, backup)
            except YangtzeError as exc:
                yield path, False, str(exc)
        return
    import gc
    from concurrent.futures import ProcessPoolExecutor, as_completed  # only for --jobs > 1

    # imported before the workers start, so each forked worker has it already
    from .workbook import regenerate  # noqa: F401

    # the imported modules' objects leave the collector's view: a worker's collections no
    # longer touch (and so copy) the memory pages it shares with this process
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=jobs, initializer=gc.enable) as pool:
            futures = {pool.submit(_recalc_file, b, backup): b for b in books}
            for future in as_completed(futures):
                try:
                    yield futures[future], True, future.result()
                except YangtzeError as exc:
                    yield futures[future], False, str(exc)
    finally:
        gc.unfreeze()


def _distinct(books: list[str]) -> list[str]:
    """``books`` without repeats of one file (by resolved path, symlinks followed), said."""
    seen: dict[str, str] = {}
    for book in books:
        real = os.path.realpath(book)
        if real in seen:
            same = "" if seen[real] == book else f" (the same file as {seen[real]})"
            _say(f"{book}: given again{same}; regenerated once")
        else:
            seen[real] = book
    return list(seen.values())


def cmd_recalc(args) -> int:
    gc.enable()  # a batch runs long: collect garbage as usual (see entry_point)
    books = _distinct([str(Path(b)) for b in args.books])
    engine = args.engine
    if engine == "auto":
        engine = "excel" if _excel_available() else "file"
    if engine == "excel" and not _excel_available():
        _err(
            "yangtze recalc: --engine excel needs Microsoft Excel (Windows or macOS); "
            "use --engine file"
        )
        return 2
    if engine == "excel":
        from .workbook.excel_engine import recalc_in_excel

        results = recalc_in_excel(books, backup=args.backup)
    else:
        results = _recalc_files(books, args.jobs, args.backup)
    progress = _Progress(len(books))
    failed = []
    for path, ok, text in results:
        progress.step(ok, path, text)
        if not ok:
            failed.append(path)
    _say(
        f"recalc ({engine} engine): {len(books) - len(failed)} of {len(books)} "
        "workbooks regenerated" + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


def cmd_import(args) -> int:
    from .panel.nbs import read_nbs_export, series_for_indicator
    from .workbook import layout
    from .workbook.file_engine import FileEngine
    from .workbook.importer import plan_import

    reports = []
    with FileEngine(args.book) as engine:
        for export_path in args.exports:
            export = read_nbs_export(export_path)
            key = series_for_indicator(export.indicator)
            sheet = layout.DATA_SHEETS.get(key or "")
            present = sheet in engine.sheet_names()
            block = engine.read(sheet) if present else []
            formulas = engine.formula_cells(sheet) if present else set()
            grouped = engine.grouped_formula_cells(sheet) if present else set()
            report, writes = plan_import(export, block, args.overwrite, formulas, grouped)
            engine.write_cells(report.sheet, writes)
            reports.append(report)
        target = engine.save(args.output, backup=args.backup)
    for report in reports:
        _say(report.summary())
    _say(
        f"{target}: saved. Run `yangtze regenerate {target}` (or click the button) "
        "to update the tables."
    )
    return 0


def cmd_lite(args) -> int:
    """Write xlwings Lite's main.py and requirements.txt (:mod:`addin.excel.lite`)."""
    from .excel.lite import LITE_FILES, lite_files

    folder = Path(args.folder)
    if folder.exists() and not folder.is_dir():
        raise FileRejected(f"{folder}: is a file, not a folder; nothing was written")
    existing = [name for name in LITE_FILES if (folder / name).exists()]
    if existing and not args.force:
        raise FileRejected(
            f"{folder}: already holds {' and '.join(existing)}, not changed; give another "
            "folder, or add --force to replace them"
        )
    if not folder.parent.is_dir():
        raise FileRejected(f"{folder.parent}: no such folder")
    try:
        written = lite_files(folder)
    except OSError as error:
        raise FileRejected(f"{folder}: cannot be written ({error.strerror})") from None
    for path in written:
        _say(f"{path}: written")
    _say(
        "Paste main.py into xlwings Lite's main.py tab and requirements.txt into its "
        "requirements.txt tab (docs/excel-setup.md, xlwings Lite)."
    )
    return 0


BACKUP_HELP = "keep {which} previous file as NAME.bak.xlsm (NAME.bak.xlsx for an .xlsx)"


def _add_saving_options(p: argparse.ArgumentParser) -> None:
    """``-o`` and ``--backup`` of the commands that save one book."""
    p.add_argument(
        "-o",
        "--output",
        help="write to this file instead of replacing BOOK (same kind: .xlsm for a workbook "
        "with macros, .xlsx without)",
    )
    p.add_argument("--backup", action="store_true", help=BACKUP_HELP.format(which="the"))


def _add_new_book_command(sub, name: str, summary: str, what: str, default: str, func) -> None:
    """A command that writes a new workbook at an optional PATH (refused if it exists,
    unless --force)."""
    p = sub.add_parser(name, help=summary)
    p.add_argument(
        "path",
        nargs="?",
        default=default,
        help=f"where to write {what}, an .xlsm in an existing folder "
        "(default: %(default)s in the current folder)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace PATH if it exists (without it an existing file is never overwritten)",
    )
    p.set_defaults(func=func)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yangtze",
        description="Regional opening-up indices (Yangtze River Economic Belt method).",
    )
    parser.add_argument("--version", action="version", version=f"yangtze-opening {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    book_help = "the workbook file (.xlsm or .xlsx) made from the template"
    _add_new_book_command(
        sub,
        "demo",
        "write a workbook with built-in example data, regenerated, ready to open",
        "the demo workbook",
        str(DEFAULT_DEMO),
        cmd_demo,
    )
    _add_new_book_command(
        sub,
        "template",
        "build the empty template workbook",
        "the template",
        str(DEFAULT_TEMPLATE),
        cmd_template,
    )

    p = sub.add_parser(
        "regenerate",
        help="rebuild the output sheets and charts of a workbook file (no Excel needed)",
        description="Rebuild the output sheets (Index, Table1, Factors, Disparity, Stages, "
        "Quality, Convergence) and their charts; every other part of the file is kept byte "
        "for byte.",
    )
    p.add_argument("book", help=book_help + "; replaced atomically unless -o is given")
    _add_saving_options(p)
    p.set_defaults(func=cmd_regenerate)

    p = sub.add_parser(
        "check",
        help="validate a workbook's data and print the data-quality report",
        description="Read a workbook's data and print every Quality entry with its level "
        "(error: a value that is not used; warning: used but doubtful; info: what was done). "
        "Nothing is written.",
        epilog=CHECK_EXIT_CODES,
    )
    p.add_argument("book", help=book_help + "; only read, never changed")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "recalc",
        help="regenerate many workbooks (through Excel where installed, else from the files)",
    )
    p.add_argument("books", nargs="+", metavar="book", help="workbook files to regenerate in place")
    p.add_argument(
        "--jobs", type=int, default=1, help="worker processes for the file engine (default 1)"
    )
    p.add_argument(
        "--engine",
        choices=("auto", "excel", "file"),
        default="auto",
        help="excel: through Microsoft Excel; file: from the files; "
        "auto (default): Excel if installed",
    )
    p.add_argument("--backup", action="store_true", help=BACKUP_HELP.format(which="each"))
    p.set_defaults(func=cmd_recalc)

    p = sub.add_parser(
        "import", help="put NBS 分省年度数据 CSV exports into a workbook's data sheets"
    )
    p.add_argument(
        "exports",
        nargs="+",
        metavar="EXPORT.csv",
        help="分省年度数据 CSV files exported from data.stats.gov.cn (GBK or UTF-8)",
    )
    p.add_argument("book", help=book_help + "; only the data sheets it fills change")
    p.add_argument("--overwrite", action="store_true", help="replace non-empty cells")
    _add_saving_options(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "lite",
        help="write main.py and requirements.txt for the worksheet functions in xlwings Lite "
        "(Excel on Windows, Mac and the web)",
    )
    p.add_argument(
        "folder",
        nargs="?",
        default="yangtze_lite",
        help="where to write them (default: %(default)s in the current folder)",
    )
    p.add_argument(
        "--force", action="store_true", help="replace main.py and requirements.txt there"
    )
    p.set_defaults(func=cmd_lite)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "jobs", 1) < 1:
        _err("yangtze recalc: --jobs must be at least 1")
        return 2
    try:
        return args.func(args)
    except YangtzeError as exc:
        _err(f"yangtze {args.command}: {exc}")
        return 1
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading: not an error
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - keep Python's exit flush quiet
        return 0
    except KeyboardInterrupt:
        _err("interrupted; files being written were left as they were")
        return 130
    except Exception as exc:  # a bug, not the user's data: one line, details on request
        if os.environ.get("YANGTZE_DEBUG"):
            raise
        _err(
            f"yangtze {args.command}: internal error ({type(exc).__name__}: {exc}); "
            "your files were not changed. "
            "Please report it; set YANGTZE_DEBUG=1 to see the details."
        )
        return 3


def entry_point() -> None:
    """The ``yangtze`` command as a process (the console script and ``python -m addin.cli``).

    A single command runs briefly, so the cyclic garbage collector is switched off for it
    (``recalc`` switches it back on): collecting while numpy and pandas import costs about
    30 ms, and regenerating the 2,850 × 40 benchmark book with it off keeps the same peak
    memory. Before exiting, everything left is frozen (:func:`gc.freeze`), so the
    interpreter's shutdown does not walk those objects once more (60–80 ms with pandas
    loaded). :func:`main` itself, as called by tests and scripts, leaves the collector alone.
    """
    gc.disable()
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    entry_point()
