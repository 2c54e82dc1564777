r"""Excel values → float arrays and problem codes, and back: the worksheet functions' converter.

The worksheet functions in ``yangtze_udf`` are served by xlwings on one of two routes,
fixed when xlwings is imported (:func:`office_js`):

- **classic** (Windows desktop Excel, COM): every argument is declared with xlwings'
  ``convert="yangtze"`` (:mod:`addin.excel.accessor`) and arrives raw, as COM hands it
  over (below); a problem in a result element shows as a marker text such as
  ``#MISSING``, since xlwings' classic route cannot return Excel error values;
- **Office.js** (xlwings Lite on Windows, Mac and the web; xlwings Server): an argument
  arrives as Office.js hands it over, a scalar for one cell, a list of row lists for a
  range, ``None`` (Pyodide: ``JsNull``) or ``""`` for a blank, numbers as ``float`` or
  ``int`` (JSON and Pyodide make whole numbers ints: they are numbers, never error codes),
  an error cell as ``{"type": "Error", "basicValue": "#N/A", ...}``; a problem in a result
  element is a real Excel error (:data:`OFFICE_JS_ERRORS`).

On the classic route an argument is, as COM hands it over:

- a scalar for one cell, a tuple of row tuples for a range, a flat tuple for a
  one-dimensional array constant;
- ``float`` for numbers (``decimal.Decimal`` for currency-formatted cells); ``None`` for
  blank cells (``""`` for formulas returning ``""``);
- ``str`` for text; ``bool`` for TRUE/FALSE; ``datetime.datetime`` (pywin32's
  ``TimeType``) for dates;
- an ``int`` ``0x800A0000 + n`` (VT_ERROR; negative as a 32-bit int) for an error value
  (n = 2042 for #N/A): COM hands numbers always as floats, so an int in that range is an
  error value, classic or new (``#SPILL!``, ``#CALC!``, ...);
- a :class:`Reference` for a whole column or row, already cut to the used range.

:func:`read` turns any of these (and scalars, lists or arrays from Python callers; a flat
list is one row) into a :class:`Cells`: a 2-D float array with NaN where there is no
usable number, and a :class:`~addin.core.problems.Problem` code per element saying what
the cell held instead. Blank cells are NaN with code ``OK``: the kernels decide what a
missing value means (an index is ``MISSING``; a disparity measure leaves the region out
of that period). Text that is one of our own markers (``"#MISSING"``, ``"#GDP<=0"``, ...;
an upstream worksheet function's output) carries that marker's code, so the problem
travels on to the next function's output.

Every cell, whichever route it came by, is read by the one cell rule of the tables
(:func:`~addin.core.cells.classify_cell`). An error value keeps its identity: its code is
:data:`ERROR_CODES` of its text, so that Office.js can pass it on.

The way back, :func:`to_excel`, puts the route's form of the problem wherever an element
has a problem or no finite value (never NaN, which xlwings would show as an empty cell),
returns a 1×1 result as a scalar and anything larger as a list of rows, which Excel 365
spills.
"""

from __future__ import annotations

import datetime as dt
import numbers
import operator
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain

import numpy as np

from ..core import cells
from ..core.cells import (
    ERROR_TEXTS,
    EXCEL_ERRORS,
    OFFICE_JS_ERROR_TYPES,
    classify_cell,
    error_of,
    is_com_error,
)
from ..core.problems import MARKERS, Estimates, Problem, Result, worst
from ..errors import InputError

#: An extra per-element code for the worksheet functions: the inputs are fine but the
#: measure is not defined for them (a zero mean or base, values the measure cannot take).
UNDEFINED = Problem.UNDEFINED

#: Code of an input cell holding one of Excel's error values, by the error's text. These
#: codes follow every :class:`Problem` code, so an error in an input outranks any other
#: problem of the element, as ``ERROR_CELL`` (an error of no known kind) does; when the
#: inputs of one element hold different errors, the later in this table is passed on.
_ERROR_ORDER = [*EXCEL_ERRORS.values(), *sorted(ERROR_TEXTS - {*EXCEL_ERRORS.values()})]
ERROR_CODES: dict[str, int] = {text: 32 + i for i, text in enumerate(_ERROR_ORDER)}
#: The error's text of each error code.
ERROR_OF_CODE: dict[int, str] = {code: text for text, code in ERROR_CODES.items()}
_CODES = range(max(ERROR_CODES.values()) + 1)

#: What the classic route shows for each code: its marker (``#ERROR`` for every error value).
MARKER_TABLE = np.array(
    [MARKERS.get(code, MARKERS[Problem.ERROR_CELL]) for code in _CODES], dtype=object
)


def _office_js_error(text: str) -> dict:
    """An Excel error value as xlwings' Office.js route returns it (Excel's
    ``ErrorCellValue``: ``errorType`` and the text, ``basicValue``)."""
    return {"type": "Error", "errorType": _OFFICE_JS_ERROR_TYPE[text], "basicValue": text}


#: The errors a custom function can return: not #REF!, #NAME? or the newer errors
#: (#SPILL!, #CALC!, ...); an input holding one of those gives #VALUE!.
RETURNABLE_ERRORS = frozenset({"#N/A", "#VALUE!", "#NUM!", "#DIV/0!", "#NULL!"})
_OFFICE_JS_ERROR_TYPE = {
    text: kind for kind, text in OFFICE_JS_ERROR_TYPES.items() if text in RETURNABLE_ERRORS
}
#: The Excel error of each problem on the Office.js route.
OFFICE_JS_ERROR_TEXT: dict[int, str] = {
    Problem.MISSING: "#N/A",
    Problem.NEGATIVE: "#VALUE!",
    Problem.NONPOSITIVE_GDP: "#VALUE!",
    Problem.NONPOSITIVE_RATE: "#VALUE!",
    Problem.TEXT: "#VALUE!",
    Problem.ERROR_CELL: "#VALUE!",
    Problem.UNDEFINED: "#NUM!",
    Problem.OVERFLOW: "#NUM!",
    **{
        code: text if text in RETURNABLE_ERRORS else "#VALUE!"
        for code, text in ERROR_OF_CODE.items()
    },
}
#: What the Office.js route returns for each code (a code of no problem: #VALUE!).
OFFICE_JS_ERRORS = np.empty(len(_CODES), dtype=object)
OFFICE_JS_ERRORS[:] = [_office_js_error(OFFICE_JS_ERROR_TEXT.get(c, "#VALUE!")) for c in _CODES]


def office_js() -> bool:
    """Whether xlwings serves the worksheet functions through Office.js (xlwings Lite,
    xlwings Server) rather than COM: xlwings decides it when imported
    (``xlwings.on_server``, from ``XLWINGS_ON_SERVER=true``, which Lite and Server set) and
    decorates the functions for that route."""
    xlwings = sys.modules.get("xlwings")
    return bool(getattr(xlwings, "on_server", False))


#: Rows and columns of a worksheet (Excel 2007 and later).
SHEET_ROWS, SHEET_COLUMNS = 1_048_576, 16_384

# Categories of a cell's Python type.
_BLANK, _NUMBER, _INT, _STR, _TEXTLIKE, _OTHER = range(6)
_TYPE_CATEGORY = {
    type(None): _BLANK,
    float: _NUMBER,
    np.float64: _NUMBER,
    np.float32: _NUMBER,
    np.float16: _NUMBER,
    Decimal: _NUMBER,
    int: _INT,
    np.int64: _INT,
    np.int32: _INT,
    np.int16: _INT,
    np.int8: _INT,
    np.uint64: _INT,
    np.uint32: _INT,
    np.uint16: _INT,
    np.uint8: _INT,
    str: _STR,
    np.str_: _STR,
    bool: _TEXTLIKE,
    np.bool_: _TEXTLIKE,
    dt.datetime: _TEXTLIKE,
    dt.date: _TEXTLIKE,
    dt.time: _TEXTLIKE,
    np.datetime64: _TEXTLIKE,
}
_FLOAT_TYPES = frozenset({float, np.float64, np.float32})
#: Types of a number on the Office.js route: JSON and Pyodide hand whole numbers over as ints.
_OFFICE_JS_NUMBER_TYPES = _FLOAT_TYPES | {int}
_type_of = np.frompyfunc(type, 1, 1)
_is = np.frompyfunc(operator.is_, 2, 1)

#: Problem code of a text cell by its exact text; any other text is ``TEXT``.
_TEXT_CODES: dict[str, int] = {
    **{MARKERS[p]: int(p) for p in Problem if p != Problem.OK},
    **ERROR_CODES,
}
_text_code_of = np.frompyfunc(_TEXT_CODES.get, 2, 1)


@dataclass(frozen=True)
class Reference:
    """A whole-column or whole-row reference (``C:C``, ``5:5``), as the converter reads it.

    Attributes
    ----------
    value : object
        ``Range.Value`` of the part up to the sheet's used range.
    open_rows, open_columns : bool
        The reference spans every row (a whole column) or every column (a whole row).
    """

    value: object
    open_rows: bool
    open_columns: bool


@dataclass(frozen=True)
class Unreadable:
    """A range the converter could not read; :func:`read` reports ``reason``."""

    reason: str


@dataclass(frozen=True)
class Cells:
    """One argument as arrays.

    Attributes
    ----------
    values : ndarray of float, 2-D
        The numbers; NaN for blanks and wherever ``problems`` is not OK.
    problems : ndarray of int8, same shape
        What a cell held instead of a number: ``TEXT``, an error value's
        :data:`ERROR_CODES` code (``ERROR_CELL`` for an error of no known kind), or the code of
        an upstream marker. Blanks are ``OK`` (NaN value).
    name : str
        The argument's name, for messages.
    open_rows, open_columns : bool
        A whole-column (whole-row) reference, trimmed after its last non-blank row
        (column): it may be padded with blanks to line up with the call's other
        whole references (:func:`align`).
    """

    values: np.ndarray
    problems: np.ndarray
    name: str
    open_rows: bool = False
    open_columns: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    @property
    def where(self) -> str:
        return f"argument {self.name}"


def _shape_text(shape: tuple[int, int]) -> str:
    return f"{shape[0]}×{shape[1]}"


def _to_object_array(x, name: str) -> np.ndarray:
    if isinstance(x, np.ndarray):
        arr = x.astype(object) if x.dtype != object else x
    elif isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        arr = np.empty((1, 1), dtype=object)
        arr[0, 0] = x
        return arr
    else:
        arr = np.array(x, dtype=object)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    if arr.ndim != 2:
        raise InputError(
            f"expected a cell or a range, got {arr.ndim} dimensions", f"argument {name}"
        )
    if arr.size == 0:
        raise InputError("is empty", f"argument {name}")
    return arr


def _is_rows(x) -> bool:
    """A list or tuple of lists or tuples (how xlwings hands over a range with ndim=2)."""
    return (
        isinstance(x, (list, tuple))
        and len(x) > 0
        and all(isinstance(row, (list, tuple)) for row in x)
    )


def _all_floats(rows, com: bool) -> np.ndarray | None:
    """Rows of Python numbers as a 2-D float array, or None if any cell is something else.

    numpy's own type discovery (one pass in C) gives float64 only for numbers and
    booleans (int64 for whole numbers only): text, blanks, dates and Decimals give another
    dtype. A boolean can only have become 0 or 1, a VT_ERROR int (``com``, the classic
    route) a value in the error range: only when such values occur are the cells' types
    checked one by one. On the Office.js route an int is a number.
    """
    values = np.array(rows)
    if values.dtype == np.int64 and not com:
        values = values.astype(float)
    if values.dtype != np.float64 or values.ndim != 2 or values.size == 0:
        return None
    suspicious = (values == 0) | (values == 1)
    if com:
        suspicious |= is_com_error(values)
    number_types = _FLOAT_TYPES if com else _OFFICE_JS_NUMBER_TYPES
    if suspicious.any() and not set(map(type, chain.from_iterable(rows))) <= number_types:
        return None
    return values


def _category(kind: type) -> int:
    """Category of a cell's type; a subclass of str is text (text is classified in one
    place, in :func:`read`)."""
    return _TYPE_CATEGORY.get(kind, _STR if issubclass(kind, str) else _OTHER)


def _classify_other(value) -> tuple[float, int]:
    """Value and problem code of a cell whose type is not in the table (rare): Office.js
    objects (errors, formatted numbers) and Pyodide's ``JsNull`` by the one cell rule."""
    if isinstance(value, (bool, np.bool_, dt.date, dt.time)):
        return np.nan, int(Problem.TEXT)
    if isinstance(value, (numbers.Real, Decimal)):
        try:
            return float(value), int(Problem.OK)
        except (OverflowError, ValueError):
            return np.nan, int(Problem.TEXT)
    return _by_cell_rule(value)


def _read_texts(strings: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Text cells by the one cell rule (:func:`~addin.core.cells.classify_cell`): numeric
    text is its number, a yearbook no-data mark a blank, an error's text (any case, spaces
    around) that error; other text keeps its code."""
    values, codes = np.full(strings.shape, np.nan), codes.copy()
    for i in np.flatnonzero(codes == Problem.TEXT):
        values[i], codes[i] = _by_cell_rule(strings[i])
    return values, codes


#: Problem code of each kind of cell of the one cell rule (an error: by its text).
_KIND_CODES = {
    cells.NUMBER: Problem.OK,
    cells.NUMERIC_TEXT: Problem.OK,
    cells.PLACEHOLDER: Problem.OK,
    cells.BLANK: Problem.OK,
    cells.TEXT: Problem.TEXT,
}


def _by_cell_rule(value) -> tuple[float, int]:
    """Value and problem code of one cell by :func:`~addin.core.cells.classify_cell`."""
    number, kind = classify_cell(value)
    if kind == cells.ERROR_VALUE:
        return np.nan, ERROR_CODES.get(error_of(value), int(Problem.ERROR_CELL))
    return number, int(_KIND_CODES[kind])


def read(x, name: str) -> Cells:
    """Turn a cell or range as xlwings delivers it into :class:`Cells`.

    Numbers (float, int, Decimal, numpy numbers) become floats; blanks (``None``,
    ``""``, NaN) NaN with no problem; booleans, dates, times and any other text
    ``TEXT``, except what the one cell rule reads (:func:`~addin.core.cells.classify_cell`:
    numeric text such as ``"1,234.5"`` is its number, a yearbook no-data mark such as
    ``"—"`` a blank); an Excel error value (a VT_ERROR int on the classic route, an
    Office.js error object, an error's text) its :data:`ERROR_CODES` code; our own markers
    their own code. On the Office.js route (:func:`office_js`) an int is a number.

    A :class:`Reference` (a whole column or row) is trimmed after its last row (column)
    holding anything but a blank; so is, on the Office.js route, a range of all the
    sheet's 1,048,576 rows (16,384 columns), which Office.js hands over in full.

    Raises
    ------
    InputError
        For a ragged or empty range, one with more than two dimensions, or one the
        converter could not read.
    """
    if isinstance(x, Reference):
        return _trim(read(x.value, name), x.open_rows, x.open_columns)
    if isinstance(x, Unreadable):
        raise InputError(f"Excel could not hand the range over ({x.reason})", f"argument {name}")
    com = not office_js()
    if not com and _is_rows(x):
        open_rows, open_columns = len(x) == SHEET_ROWS, len(x[0]) == SHEET_COLUMNS
        if open_rows or open_columns:
            return _trim(_read_values(x, name, com), open_rows, open_columns)
    return _read_values(x, name, com)


def _read_values(x, name: str, com: bool) -> Cells:
    """:func:`read` of a cell, a list of rows or an array (not a :class:`Reference`)."""
    numbers = _numbers_only(x, name, com)
    if numbers is not None:  # the usual case, numbers only: no object array
        return Cells(numbers, np.zeros(numbers.shape, dtype=np.int8), name)
    return _classify(_to_object_array(x, name), name, com)


def _numbers_only(x, name: str, com: bool) -> np.ndarray | None:
    """``x`` as a 2-D float array if it holds numbers only (a numeric numpy array, or rows
    of Python floats); None otherwise."""
    if isinstance(x, np.ndarray) and x.dtype.kind in "fiu":
        values = np.atleast_2d(x.astype(float))
        if values.ndim != 2 or values.size == 0:
            raise InputError("expected a non-empty cell or range", f"argument {name}")
        return values
    if not _is_rows(x):
        return None
    if len(set(map(len, x))) != 1:
        raise InputError("rows of different lengths: give a rectangular range", f"argument {name}")
    return _all_floats(x, com)


def _classify(obj: np.ndarray, name: str, com: bool) -> Cells:
    """Cells of any types (a 2-D object array), type by type; ``com``: the classic route,
    where an int in the VT_ERROR range is an error value."""
    types_of = _type_of(obj)
    category = np.full(obj.shape, _OTHER, dtype=np.int8)
    for kind in set(types_of.flat):  # a few types: one vectorised comparison each
        boxed = np.empty((), dtype=object)  # a bare numpy type would act as an array type
        boxed[()] = kind
        category[_is(types_of, boxed).astype(bool)] = _category(kind)
    values = np.full(obj.shape, np.nan)
    problems = np.zeros(obj.shape, dtype=np.int8)

    numeric = (category == _NUMBER) | (category == _INT)
    values[numeric], problems[numeric] = _numbers(obj[numeric], com)

    texts = category == _STR
    if texts.any():
        strings = obj[texts]
        codes = _text_code_of(strings, int(Problem.TEXT)).astype(np.int8)
        problems[texts] = np.where(strings == "", Problem.OK, codes)
        values[texts], problems[texts] = _read_texts(strings, problems[texts])

    problems[category == _TEXTLIKE] = Problem.TEXT

    # rare types: Office.js objects (errors, formatted numbers), JsNull, pandas timestamps
    for flat_index in np.flatnonzero(category == _OTHER):
        index = np.unravel_index(flat_index, obj.shape)
        values[index], problems[index] = _classify_other(obj[index])
    return Cells(values, problems, name)


def _trim(cells: Cells, open_rows: bool, open_columns: bool) -> Cells:
    """``cells`` without the blank rows (columns) after the last non-blank one, flagged open."""
    filled = (cells.problems != Problem.OK) | ~np.isnan(cells.values)
    rows, columns = cells.shape
    if open_rows:
        rows = max(1, _last_true(filled.any(axis=1)) + 1)
    if open_columns:
        columns = max(1, _last_true(filled.any(axis=0)) + 1)
    return Cells(
        cells.values[:rows, :columns],
        cells.problems[:rows, :columns],
        cells.name,
        open_rows,
        open_columns,
    )


def _last_true(flags: np.ndarray) -> int:
    """Index of the last True in a 1-D array; -1 if none."""
    hits = np.flatnonzero(flags)
    return int(hits[-1]) if hits.size else -1


def align(*cells: Cells | None) -> list[Cells | None]:
    """Pad whole-column (whole-row) arguments with blank rows (columns) to the longest of
    them, so that ``=TRADE_INDEX(Trade!C:C, GDP!C:C)`` lines up row by row; ``None``
    (a left-out argument) and fixed ranges are passed through."""
    present = [c for c in cells if c is not None]
    rows = max((c.shape[0] for c in present if c.open_rows), default=0)
    columns = max((c.shape[1] for c in present if c.open_columns), default=0)
    return [None if c is None else _pad(c, rows, columns) for c in cells]


def _pad(cells: Cells, rows: int, columns: int) -> Cells:
    extra_rows = rows - cells.shape[0] if cells.open_rows else 0
    extra_columns = columns - cells.shape[1] if cells.open_columns else 0
    if extra_rows <= 0 and extra_columns <= 0:
        return cells
    widths = ((0, max(extra_rows, 0)), (0, max(extra_columns, 0)))
    return Cells(
        np.pad(cells.values, widths, constant_values=np.nan),
        np.pad(cells.problems, widths),
        cells.name,
        cells.open_rows,
        cells.open_columns,
    )


def _numbers(objs: np.ndarray, com: bool) -> tuple[np.ndarray, np.ndarray]:
    """Floats and problem codes of numeric cells; on the classic route (``com``) an int in
    the VT_ERROR range is that error."""
    try:
        values = objs.astype(float)
    except (OverflowError, ValueError, TypeError):  # a huge int, a signalling Decimal NaN
        pairs = [_classify_other(v) for v in objs.flat]
        values = np.array([v for v, _ in pairs], dtype=float).reshape(objs.shape)
        problems = np.array([p for _, p in pairs], dtype=np.int8).reshape(objs.shape)
    else:
        problems = np.zeros(objs.shape, dtype=np.int8)
    is_error = is_com_error(values) if com else np.zeros(values.shape, dtype=bool)
    if is_error.any():  # COM hands error values as ints and numbers as floats
        is_error[is_error] = [_TYPE_CATEGORY.get(type(v)) == _INT for v in objs[is_error]]
        codes = [ERROR_CODES.get(error_of(v), Problem.ERROR_CELL) for v in objs[is_error]]
        values = np.where(is_error, np.nan, values)
        problems = problems.copy()
        problems[is_error] = codes
    return values, problems


def read_optional(x, name: str, default: float) -> Cells:
    """:func:`read`, or a single ``default`` cell when the argument was left out."""
    if x is None:
        return Cells(np.full((1, 1), float(default)), np.zeros((1, 1), dtype=np.int8), name)
    return read(x, name)


def option(value, name: str, choices: Sequence[str], default: str, *, case: str = "lower") -> str:
    """One of ``choices`` from an option argument (text, case-insensitive, trimmed).

    A left-out argument or a blank cell gives ``default``.

    Raises
    ------
    InputError
        ``"argument NAME: unknown NAME ..."`` naming the choices.
    """
    if _is_rows(value) and len(value) == 1 and len(value[0]) == 1:
        value = value[0][0]  # one cell, as the converter reads it
    if isinstance(value, (list, tuple)):
        raise InputError(f"give one {name} in one cell, not a range", f"argument {name}")
    if value is None or value == "":
        return default
    text = str(value).strip()
    text = text.upper() if case == "upper" else text.lower()
    if text not in choices:
        raise InputError(
            f'unknown {name} "{value}"; use {", ".join(choices[:-1])} or {choices[-1]}',
            f"argument {name}",
        )
    return text


def block_shape(*cells: Cells) -> tuple[int, int]:
    """The shape the arguments combine to, checking that they do.

    Arguments combine element-wise when they have the same shape; a single row
    broadcasts down a block of the same width, a single column across a block of the
    same height, a single cell everywhere. The block must be one of the arguments (a
    row and a column do not make a table).

    Raises
    ------
    InputError
        Naming the first argument that does not fit.
    """
    rows = max(c.shape[0] for c in cells)
    cols = max(c.shape[1] for c in cells)
    biggest = next((c for c in cells if c.shape == (rows, cols)), None)
    if biggest is None:
        tallest = next(c for c in cells if c.shape[0] == rows)
        widest = next(c for c in cells if c.shape[1] == cols)
        raise InputError(
            f"is {_shape_text(widest.shape)} and {tallest.where} is "
            f"{_shape_text(tallest.shape)}; they do not combine: give ranges of the same shape, "
            "or a block with a row or column of it",
            widest.where,
        )
    for c in cells:
        if c.shape[0] not in (1, rows) or c.shape[1] not in (1, cols):
            raise InputError(
                f"is {_shape_text(c.shape)} but {biggest.where} is "
                f"{_shape_text(biggest.shape)}: give the same shape, one row of {cols}, one column "
                f"of {rows}, or one cell",
                c.where,
            )
    return rows, cols


@dataclass(frozen=True)
class Elementwise:
    """Arguments broadcast to one block, for the cell-by-cell functions."""

    values: dict[str, np.ndarray]
    problems: np.ndarray

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def result(self, values: np.ndarray, problems: np.ndarray):
        """The kernel's values and problems, with the inputs' problems, for Excel. A
        value the kernel left without a problem but not finite (an overflow) is
        ``#UNDEFINED``."""
        return to_excel(values, worst(self.problems, problems), UNDEFINED)


def elementwise(*cells: Cells) -> Elementwise:
    """Broadcast the arguments to their common block (see :func:`block_shape`), after
    lining up whole-column and whole-row references (:func:`align`)."""
    cells = align(*cells)
    shape = block_shape(*cells)
    values = {c.name: np.broadcast_to(c.values, shape) for c in cells}
    return Elementwise(values, worst(*[np.broadcast_to(c.problems, shape) for c in cells]))


def to_excel(
    values: np.ndarray, problems: np.ndarray, fallback: np.ndarray | int = Problem.MISSING
):
    """Values and problem codes → what a UDF returns.

    An element with a problem shows it: on the classic route its marker text
    (:data:`MARKER_TABLE`), on the Office.js route its Excel error (:data:`OFFICE_JS_ERRORS`,
    :func:`office_js`). An element without a problem but without a finite value shows
    ``fallback``'s (a code, or an array of codes broadcast against ``values``). A 1×1
    result is a float or that one element, anything larger a list of rows.
    """
    values = np.atleast_2d(np.asarray(values, dtype=float))
    problems = np.broadcast_to(np.asarray(problems, dtype=np.int8), values.shape)
    bad = (problems != Problem.OK) | ~np.isfinite(values)
    if bad.any():
        fallback = np.broadcast_to(np.asarray(fallback, dtype=np.int8), values.shape)
        codes = np.where(problems != Problem.OK, problems, fallback)
        out = values.astype(object)
        out[bad] = (OFFICE_JS_ERRORS if office_js() else MARKER_TABLE)[codes[bad]]
    else:
        out = values
    if out.shape == (1, 1):
        return out.item(0)
    return out.tolist()


# ----------------------------------------------------------------------------------------
# Aggregates: regions × periods (disparity) and series (growth, gaps)


@dataclass(frozen=True)
class Periods:
    """A regions × periods block prepared for a disparity kernel.

    Attributes
    ----------
    values, weights : ndarray, shape (regions, periods)
        NaN where blank or a problem; ``weights`` is None when not given.
    problems : ndarray of int8, shape (periods,)
        The worst problem of any cell in the period's column of values or weights
        (text, an error value, an upstream marker).
    """

    values: np.ndarray
    weights: np.ndarray | None
    problems: np.ndarray

    def result(self, kernel: Result) -> float | str | list:
        """The kernel's result for Excel, one value per period (a scalar for one period,
        else one row): a cell's problem first, else the kernel's reason."""
        values = np.atleast_1d(np.asarray(kernel.values, dtype=float))[None, :]
        codes = np.where(self.problems != Problem.OK, self.problems, kernel.problems)
        return to_excel(values, codes[None, :])


def periods(values: Cells, weights: Cells | None) -> Periods:
    """Check and prepare regions-in-rows ``values`` and optional ``weights``.

    ``weights`` may have the shape of ``values`` (a weight per region and period), be one
    column (one weight per region, for every period) or one cell. Whole-column references
    are lined up first (:func:`align`).

    Raises
    ------
    InputError
        ``values`` with fewer than two rows (regions); ``weights`` of another shape.
    """
    values, weights = align(values, weights)
    rows, cols = values.shape
    if rows < 2:
        raise InputError(
            f"is {_shape_text(values.shape)}: give regions in rows, a column or a regions × "
            "periods block of at least two rows (use TRANSPOSE for a row)",
            values.where,
        )
    problems = values.problems.max(axis=0)
    y = np.where(values.problems == Problem.OK, values.values, np.nan)
    w = None
    if weights is not None:
        if weights.shape not in ((rows, cols), (rows, 1), (1, 1)):
            raise InputError(
                f"is {_shape_text(weights.shape)} but {values.where} is "
                f"{_shape_text(values.shape)}: give the same shape, one column of {rows} (one "
                "weight per region), or one cell",
                weights.where,
            )
        w = np.broadcast_to(weights.values, (rows, cols))
        wp = np.broadcast_to(weights.problems, (rows, cols))
        problems = worst(problems, wp.max(axis=0))
        w = np.where(wp == Problem.OK, w, np.nan)
    return Periods(y, w, problems.astype(np.int8))


@dataclass(frozen=True)
class Series:
    """Series along the last axis: one row per series, positions one year apart.

    Attributes
    ----------
    values : ndarray, shape (series, positions)
        NaN where blank or a problem.
    problems : ndarray of int8, shape (series,)
        The worst problem of any cell in the series.
    """

    values: np.ndarray
    problems: np.ndarray

    @property
    def years(self) -> np.ndarray:
        """Positions 0, 1, 2, ...: consecutive years."""
        return np.arange(self.values.shape[-1], dtype=float)

    def result(self, kernel: Result) -> float | str | list:
        """The kernel's result for Excel, one value per series (a scalar for one series,
        else a column): a cell's problem first, else the kernel's reason."""
        values = np.atleast_1d(np.asarray(kernel.values, dtype=float))[:, None]
        codes = np.where(self.problems != Problem.OK, self.problems, kernel.problems)
        return to_excel(values, codes[:, None])


def series(cells: Cells) -> Series:
    """Series from a row, a column (each one series) or a block (one series per row).

    A whole row or column (``5:5``, ``C:C``) runs from its first to its last non-blank
    cell; whole rows of a block from the first to the last column any of them fills.

    Raises
    ------
    InputError
        For a single cell, which is not a series.
    """
    rows, cols = cells.shape
    values, problems = cells.values, cells.problems
    single_column = cols == 1 and rows > 1
    if single_column or (cells.open_rows and not cells.open_columns and cols == 1):
        values, problems = values.T, problems.T
        single_column = True
    open_ended = cells.open_rows if single_column else cells.open_columns
    if open_ended:
        filled = ((problems != Problem.OK) | ~np.isnan(values)).any(axis=0)
        start = int(np.argmax(filled)) if filled.any() else 0
        values, problems = values[:, start:], problems[:, start:]
    if values.shape[1] == 1:
        raise InputError(
            "is one cell: give a series of at least two years, in a row or a column", cells.where
        )
    y = np.where(problems == Problem.OK, values, np.nan)
    return Series(y, problems.max(axis=1).astype(np.int8))


@dataclass(frozen=True)
class Gaps:
    """A row, column or block prepared for :func:`addin.core.gaps.fill_interior`.

    Attributes
    ----------
    values : ndarray, shape (series, positions)
        Numbers; NaN for blanks, upstream ``#MISSING`` markers and problem cells.
    problems : ndarray of int8, same shape
        Problems other than ``MISSING``: those cells keep their marker and are the
        kernel's barriers (no gap is filled across them).
    transposed : bool
        The input was a single column (series run down it).
    """

    values: np.ndarray
    problems: np.ndarray
    transposed: bool

    @property
    def years(self) -> np.ndarray:
        return np.arange(self.values.shape[-1], dtype=float)

    @property
    def barriers(self) -> np.ndarray:
        return self.problems != Problem.OK

    def result(self, filled: np.ndarray):
        """The kernel's filled values (problem cells keep their marker) for Excel."""
        values, problems = filled, self.problems
        if self.transposed:
            values, problems = values.T, problems.T
        return to_excel(values, problems)


def gaps(cells: Cells) -> Gaps:
    """Prepare :class:`Gaps`: an upstream ``#MISSING`` is a gap to fill; a text or error
    cell keeps its marker and stops filling across it."""
    values, problems = cells.values, cells.problems
    transposed = cells.shape[1] == 1 and cells.shape[0] > 1
    if transposed:
        values, problems = values.T, problems.T
    problems = np.where(problems == Problem.MISSING, Problem.OK, problems).astype(np.int8)
    values = np.where(problems == Problem.OK, values, np.nan)
    return Gaps(values, problems, transposed)


# ----------------------------------------------------------------------------------------
# Labelled results (convergence, inference, Moran's I) and text arguments


def labelled(estimates: Estimates, problems: np.ndarray | None = None) -> list:
    """An :class:`~addin.core.problems.Estimates` for Excel: its labels down the first
    column and the values beside them (one column per row of stacked estimates, e.g. per
    period), a marker where a value has a problem. ``problems``: the inputs' problems per
    column (per period), shown first."""
    values = np.atleast_2d(np.asarray(estimates.values, dtype=float)).T
    codes = np.atleast_2d(np.asarray(estimates.problems, dtype=np.int8)).T
    if problems is not None:
        codes = np.where(problems[None, :] != Problem.OK, problems[None, :], codes)
    body = to_excel(values, codes, UNDEFINED)
    body = body if isinstance(body, list) else [[body]]
    return [[label, *row] for label, row in zip(estimates.labels, body)]


def texts(x, name: str) -> list[str]:
    """The cells of a one-column or one-row range as texts (a number as it reads, ``3`` not
    ``3.0``; a blank as ``""``), e.g. region names or group labels. A whole column or row
    (``A:A``) ends at its last non-blank cell, as :func:`read` cuts values."""
    open_range = isinstance(x, Reference) and (x.open_rows or x.open_columns)
    x = x.value if isinstance(x, Reference) else x
    if _is_rows(x) and (len(x) == SHEET_ROWS or len(x[0]) == SHEET_COLUMNS):
        open_range = True  # Office.js hands a whole column over, every row of it
    cells = _to_object_array(x, name)
    if min(cells.shape) != 1:
        raise InputError(f"is {_shape_text(cells.shape)}: give one column", f"argument {name}")
    out = []
    for cell in cells.ravel():
        if isinstance(cell, float) and cell.is_integer():
            cell = int(cell)
        out.append("" if cell is None else str(cell).strip())
    while open_range and len(out) > 1 and out[-1] == "":
        out.pop()
    return out
