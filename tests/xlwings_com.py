"""Excel's classic-UDF call path on Linux: xlwings 0.37.8's own ``com_server`` and ``udfs``.

When a cell calls a worksheet function, the VBA wrapper in ``xlwings_udfs.bas`` calls
``XLPy.CallUDF(module, name, Array(args...), ThisWorkbook, Application.Caller)``; the
COM server runs ``xlwings.com_server.XLPython.CallUDF`` → ``xlwings.udfs.call_udf``, which
reads each argument with xlwings' conversion pipeline (a Range through
``xlwings._xlwindows.Range``, anything else as handed over), calls the function, writes
the result with the return options, and flattens a 1×1 result to a scalar and one row to
a flat list.

:func:`com_path` imports exactly that code with stand-ins for pywin32 (which exists on
Windows only) and the real decorators, and :class:`FakeRange` answers ``.Value`` the way
Excel's COM Range does:

- a scalar for one cell, a tuple of row tuples for more;
- numbers as ``float``; blanks as ``None``; text as ``str``; ``bool`` for TRUE/FALSE;
  dates as ``pywintypes.TimeType`` (a ``datetime`` subclass; here ``datetime``);
- error cells as the VT_ERROR int ``0x800A0000 + n`` (:func:`com_error_value`);
- a whole column or row (``C:C``, ``5:5``) is 1,048,576 rows or 16,384 columns, and
  ``Worksheet.UsedRange`` is the rectangle from A1's side to the last used cell.

A left-out optional argument arrives as :data:`COM_MISSING` (DISP_E_PARAMNOTFOUND).
Nothing here is imported by the add-in.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import importlib
import importlib.machinery
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from addin.core.cells import COM_ERROR_BASE, EXCEL_ERRORS
from addin.excel.registration import load_registered, real_udf_decorators

#: What VBA hands over for a left-out optional argument (DISP_E_PARAMNOTFOUND).
COM_MISSING = -2147352572
#: IID of Excel's Range interface, which ``_xlwindows.is_range_instance`` checks.
RANGE_IID = "{00020846-0000-0000-C000-000000000046}"
SHEET_ROWS, SHEET_COLUMNS = 1_048_576, 16_384


def com_error_value(text: str) -> int:
    """The VT_ERROR int COM hands over for an error cell such as ``"#N/A"``."""
    return COM_ERROR_BASE + {v: k for k, v in EXCEL_ERRORS.items()}[text]


class _StubType(type):
    """Any attribute of a stub class is another stub class."""

    def __getattr__(cls, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return _stub(name)


def _stub(name: str) -> type:
    def instance_attribute(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return _stub(attribute)

    return _StubType(
        name,
        (),
        {
            "__init__": lambda self, *args, **kwargs: None,
            "__getattr__": instance_attribute,
            "__call__": lambda self, *args, **kwargs: self,
        },
    )


class _Anything(types.ModuleType):
    """A stand-in module: names the code only mentions (never relies on here) resolve."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        value = _stub(name)
        setattr(self, name, value)
        return value


def _stand_ins() -> dict[str, types.ModuleType]:
    mods = {name: _Anything(name) for name in _PYWIN32}
    for name, module in mods.items():
        module.__spec__ = importlib.machinery.ModuleSpec(name, None)
    mods["pywintypes"].com_error = type("com_error", (Exception,), {})
    mods["pywintypes"].IID = str
    mods["pywintypes"].TimeType = dt.datetime
    mods["pythoncom"].CoInitialize = lambda: None
    mods["pythoncom"].__file__ = "pythoncom.dll"
    mods["win32process"].GetWindowThreadProcessId = lambda hwnd: (1, 4242)  # (thread, pid)
    mods["pythoncom"].IID_IDispatch = "IID_IDispatch"
    mods["pythoncom"].TypeIIDs = {"IID_IDispatch": type("PyIDispatch", (), {})}

    def unwrap(obj):
        raise TypeError("not a wrapped Python object")  # as pywin32 for a plain value

    mods["win32com.server.util"].unwrap = unwrap
    mods["win32com.server.util"].wrap = lambda obj, **kw: obj

    def dispatch(obj, *args, **kwargs):
        return obj

    mods["win32com.client"].Dispatch = dispatch
    mods["win32com"].client = mods["win32com.client"]
    mods["win32com"].server = mods["win32com.server"]
    mods["win32com.server"].util = mods["win32com.server.util"]
    mods["win32com.server"].dispatcher = mods["win32com.server.dispatcher"]
    mods["win32com.server"].policy = mods["win32com.server.policy"]
    return mods


_PYWIN32 = (
    "pythoncom",
    "pywintypes",
    "win32api",
    "win32con",
    "win32event",
    "win32gui",
    "win32process",
    "win32timezone",
    "win32com",
    "win32com.client",
    "win32com.server",
    "win32com.server.util",
    "win32com.server.dispatcher",
    "win32com.server.policy",
)


_CTYPES_WINDOWS = ("windll", "oledll", "PyDLL")


@dataclass
class ComPath:
    """The loaded call path: ``call(name, *args)`` is what one cell's formula does."""

    server: object
    module: types.ModuleType
    udfs: types.ModuleType

    def module_functions(self) -> dict[str, dict]:
        """``__xlfunc__`` of every worksheet function, by Excel name."""
        functions = (getattr(self.module, name) for name in dir(self.module))
        return {f.__xlfunc__["name"]: f.__xlfunc__ for f in functions if hasattr(f, "__xlfunc__")}

    def call(self, name: str, *args, caller=None):
        """``XLPython.CallUDF("yangtze_udf", name, args, None, caller)``."""
        return self.server.CallUDF("yangtze_udf", name, args, None, caller)


@contextlib.contextmanager
def com_path() -> Iterator[ComPath]:
    """Import ``xlwings._xlwindows``, ``xlwings.udfs`` and ``xlwings.com_server`` with the
    pywin32 stand-ins, register the Excel engine and a freshly decorated ``yangtze_udf``,
    and undo all of it on exit."""
    import xlwings

    added = [name for name in _PYWIN32 if name not in sys.modules]
    stand_ins = _stand_ins()
    for name in added:
        sys.modules[name] = stand_ins[name]
    saved_ctypes = {name: getattr(ctypes, name, None) for name in _CTYPES_WINDOWS}
    for name in _CTYPES_WINDOWS:  # Windows DLLs, looked up when _xlwindows is imported
        setattr(ctypes, name, _stub(name))
    before = set(sys.modules)
    engines_before = list(xlwings.engines)
    try:
        with real_udf_decorators() as udfs:
            xlwindows = importlib.import_module("xlwings._xlwindows")
            xlwings._xlwindows = xlwindows
            if "excel" not in [e.name for e in xlwings.engines]:
                xlwings.engines.add(xlwings.main.Engine(impl=xlwindows.engine))
            com_server = importlib.import_module("xlwings.com_server")
            module = load_registered("yangtze_udf")
            saved = dict(udfs.udf_modules)
            udfs.udf_modules["yangtze_udf"] = {
                "module": module,
                "filename": module.__file__,
                "filetime": None,  # not reloaded
            }
            try:
                yield ComPath(com_server.XLPython(), module, udfs)
            finally:
                udfs.udf_modules.clear()
                udfs.udf_modules.update(saved)
    finally:
        xlwings.engines.engines[:] = engines_before
        for name in set(sys.modules) - before:
            if name.startswith("xlwings."):
                sys.modules.pop(name, None)
                with contextlib.suppress(AttributeError):
                    delattr(xlwings, name.split(".", 1)[1])
        for name in added:
            sys.modules.pop(name, None)
        for name, value in saved_ctypes.items():
            if value is None:
                delattr(ctypes, name)
            else:
                setattr(ctypes, name, value)


# ----------------------------------------------------------------------------------------
# A worksheet that answers like Excel's COM objects


class FakeSheet:
    """Cells of one worksheet (1-based ``(row, column)`` → value); blanks are absent."""

    def __init__(self, cells: dict[tuple[int, int], object] | None = None, name="Sheet1"):
        self.cells = dict(cells or {})
        self.Name = name
        self.Parent = types.SimpleNamespace(  # the workbook, and Excel above it
            Name="yangtze_template.xlsm", Application=types.SimpleNamespace(Hwnd=1)
        )
        self.reads = 0  # cells handed over through .Value, to check trimming

    @classmethod
    def from_block(cls, block, top: int = 1, left: int = 1, name="Sheet1") -> FakeSheet:
        """A sheet holding ``block`` (rows of values; ``None`` is blank) from (top, left)."""
        cells = {
            (top + i, left + j): v
            for i, row in enumerate(block)
            for j, v in enumerate(row)
            if v is not None
        }
        return cls(cells, name)

    def Range(self, first, last=None):  # noqa: N802 (COM names)
        """``Range("C5:AF15")``, ``Range("C:C")``, ``Range("5:5")`` or ``Range(cell, cell)``."""
        if isinstance(first, FakeRange):
            return FakeRange(self, first.Row, first.Column, last.Row, last.Column)
        return FakeRange(self, *_parse_address(first))

    def Cells(self, row: int, column: int):  # noqa: N802
        return FakeRange(self, row, column, row, column)

    Rows = property(lambda self: _Count(SHEET_ROWS))  # noqa: N815
    Columns = property(lambda self: _Count(SHEET_COLUMNS))  # noqa: N815

    @property
    def UsedRange(self):  # noqa: N802
        if not self.cells:
            return FakeRange(self, 1, 1, 1, 1)
        rows = [r for r, _ in self.cells]
        cols = [c for _, c in self.cells]
        return FakeRange(self, min(rows), min(cols), max(rows), max(cols))


class _Count:
    def __init__(self, n: int):
        self.Count = n


class _TypeInfo:
    def GetTypeInfo(self):  # noqa: N802
        return self

    def GetTypeAttr(self):  # noqa: N802
        return types.SimpleNamespace(iid=RANGE_IID)


class FakeRange:
    """A rectangle of a :class:`FakeSheet`, with the COM members xlwings and the add-in use."""

    _oleobj_ = _TypeInfo()

    def __init__(self, sheet: FakeSheet, row: int, column: int, last_row: int, last_column: int):
        self.Worksheet = sheet
        self.Row, self.Column = row, column
        self.last_row, self.last_column = last_row, last_column

    @property
    def Rows(self):  # noqa: N802
        return _Count(self.last_row - self.Row + 1)

    @property
    def Columns(self):  # noqa: N802
        return _Count(self.last_column - self.Column + 1)

    @property
    def Count(self):  # noqa: N802
        return self.Rows.Count * self.Columns.Count

    def Resize(self, rows: int, columns: int):  # noqa: N802
        return FakeRange(
            self.Worksheet, self.Row, self.Column, self.Row + rows - 1, self.Column + columns - 1
        )

    @property
    def Value(self):  # noqa: N802
        rows, cols = self.Rows.Count, self.Columns.Count
        self.Worksheet.reads += rows * cols
        get = self.Worksheet.cells.get
        if rows == 1 and cols == 1:
            return get((self.Row, self.Column))
        return tuple(
            tuple(get((r, c)) for c in range(self.Column, self.last_column + 1))
            for r in range(self.Row, self.last_row + 1)
        )


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _parse_address(address: str) -> tuple[int, int, int, int]:
    """(row, column, last_row, last_column) of an A1 address without sheet name."""
    first, _, last = address.replace("$", "").partition(":")
    last = last or first

    def part(ref: str, is_last: bool) -> tuple[int, int]:
        letters = "".join(ch for ch in ref if ch.isalpha())
        digits = "".join(ch for ch in ref if ch.isdigit())
        row = int(digits) if digits else (SHEET_ROWS if is_last else 1)
        col = _column_number(letters) if letters else (SHEET_COLUMNS if is_last else 1)
        return row, col

    r1, c1 = part(first, False)
    r2, c2 = part(last, True)
    return r1, c1, r2, c2


def com_block(block) -> tuple:
    """A block of values (NaN as blank) as COM hands it over: a tuple of row tuples."""
    return tuple(
        tuple(None if isinstance(v, float) and np.isnan(v) else v for v in row) for row in block
    )
