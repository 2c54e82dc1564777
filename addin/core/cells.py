"""What a spreadsheet cell can hold besides a number: Excel's error values, and the one rule
for reading a cell's content (:func:`classify_cell`).

Both the workbook readers (:mod:`addin.workbook.sheets`, the engines) and the worksheet
functions (:mod:`addin.excel.args`) classify cells with these facts, so a cell reads the
same whichever way it reaches the method.

COM (and so xlwings without ``err_to_str``) hands an error cell over as the VT_ERROR code
``0x800A0000 + n``, a negative 32-bit int, where n is Excel's ``xlErr`` number
(``xlErrNA`` = 2042). File readers and ``err_to_str=True`` give the error's text. Office.js
(xlwings Lite, xlwings Server) hands it over as an object, ``{"type": "Error",
"basicValue": "#N/A", "errorType": "NotAvailable"}``, and a blank cell as ``None`` (JSON
``null``; Pyodide's ``JsNull`` sentinel) or ``""``.

Examples
--------
>>> EXCEL_ERRORS[2042]
'#N/A'
>>> error_text(COM_ERROR_BASE + 2007)
'#DIV/0!'
>>> is_error_text(" #n/a ")
True
>>> error_of({"type": "Error", "basicValue": "#DIV/0!", "errorType": "Div0"})
'#DIV/0!'
"""

from __future__ import annotations

import math
import re
from numbers import Real

#: VT_ERROR code of Excel's error value n is ``COM_ERROR_BASE + n``.
COM_ERROR_BASE = -2146828288

#: Excel's error values by ``xlErr`` number (the classic seven and the dynamic-array ones).
EXCEL_ERRORS: dict[int, str] = {
    2000: "#NULL!",
    2007: "#DIV/0!",
    2015: "#VALUE!",
    2023: "#REF!",
    2029: "#NAME?",
    2036: "#NUM!",
    2042: "#N/A",
    2043: "#GETTING_DATA",
    2045: "#SPILL!",
    2046: "#CONNECT!",
    2047: "#BLOCKED!",
    2048: "#UNKNOWN!",
    2049: "#FIELD!",
    2050: "#CALC!",
}

#: Every text that counts as an error cell: the table above plus values that have no
#: ``xlErr`` number but appear as cell text (``#BUSY!`` while loading, ``#PYTHON!``).
ERROR_TEXTS: frozenset[str] = frozenset(EXCEL_ERRORS.values()) | {"#BUSY!", "#PYTHON!"}


def is_com_error(value):
    """Whether a number (or, element by element, an array) lies in the COM VT_ERROR range
    ``0x800A0000`` to ``0x800AFFFF``."""
    return (value >= COM_ERROR_BASE) & (value <= COM_ERROR_BASE + 0xFFFF)


def error_text(code: int) -> str:
    """The error text of a COM VT_ERROR code (``#N/A`` for 2042); ``#ERROR`` if unknown."""
    return EXCEL_ERRORS.get(code - COM_ERROR_BASE, "#ERROR")


def is_error_text(value: object) -> bool:
    """Whether a cell's text is one of Excel's error values (case and spaces ignored)."""
    return isinstance(value, str) and value.strip().upper() in ERROR_TEXTS


#: Office.js ``errorType`` of each error value (Excel's ``ErrorCellValueType``), for error
#: objects that come without their ``basicValue``.
OFFICE_JS_ERROR_TYPES: dict[str, str] = {
    "Div0": "#DIV/0!",
    "NotAvailable": "#N/A",
    "Name": "#NAME?",
    "Null": "#NULL!",
    "Num": "#NUM!",
    "Ref": "#REF!",
    "Value": "#VALUE!",
    "Busy": "#BUSY!",
    "Calc": "#CALC!",
    "Connect": "#CONNECT!",
    "Field": "#FIELD!",
    "GettingData": "#GETTING_DATA",
    "Spill": "#SPILL!",
    "Blocked": "#BLOCKED!",
    "Unknown": "#UNKNOWN!",
    "Python": "#PYTHON!",
}


def _office_js_type(value: object) -> str | None:
    """The ``type`` of an Office.js cell value object (``"Error"``, ``"Double"``,
    ``"FormattedNumber"``, ``"Entity"``, ...); None for anything else."""
    if isinstance(value, dict):
        kind = value.get("type")
        return kind if isinstance(kind, str) else None
    return None


def error_of(value: object) -> str | None:
    """The error value a cell holds, as Excel's text (``"#N/A"``), or None.

    A COM VT_ERROR int, an error's text, or an Office.js error object; an error without a
    known text (an unknown VT_ERROR code, an object of an unknown ``errorType``) is
    ``"#ERROR"``.
    """
    if _office_js_type(value) == "Error":
        text = value.get("basicValue")
        if isinstance(text, str) and is_error_text(text):
            return text.strip().upper()
        return OFFICE_JS_ERROR_TYPES.get(value.get("errorType"), "#ERROR")
    if isinstance(value, str):
        text = value.translate(_HALF_WIDTH).strip().upper()  # as classify_cell reads text
        return text if text in ERROR_TEXTS else None
    if isinstance(value, int) and not isinstance(value, bool) and is_com_error(value):
        return error_text(value)
    return None


def _is_js_null(value: object) -> bool:
    """Pyodide's ``JsNull`` (JavaScript ``null`` in Pyodide ≥ 0.28), without importing
    Pyodide."""
    kind = type(value)
    return kind.__name__ == "JsNull" and kind.__module__.startswith("pyodide")


#: Number-format characters of dates and times (outside quotes and brackets).
_DATE_FORMAT = re.compile(r"[yYmMdDhHsS]")
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _office_js_number(value: object) -> object:
    """What an Office.js number object stands for: a ``Double``'s number, a
    ``FormattedNumber``'s number unless its format is a date or time (then the object
    itself, text to the cell rule); any other value (an entity, a web image, anything not
    an Office.js object) as is."""
    if _office_js_type(value) not in ("Double", "FormattedNumber"):
        return value
    number = value.get("basicValue")
    if not isinstance(number, Real) or isinstance(number, bool):
        return value
    if value.get("type") == "Double":
        return number
    number_format = _FORMAT_LITERALS.sub("", str(value.get("numberFormat", "")))
    return value if _DATE_FORMAT.search(number_format) else number


# --- the one rule for cell contents -------------------------------------------------------

#: A cell holds a number (int, float).
NUMBER = "number"
#: Text that reads as a number once normalised ("36,895,065.2", full-width digits, spaces).
NUMERIC_TEXT = "numeric-text"
#: A yearbook's placeholder for "no data" (—, …, ..., -, 空, NA): a missing value.
PLACEHOLDER = "placeholder"
#: An empty cell (None, "", spaces, NaN).
BLANK = "blank"
#: Any other text, a boolean or a date: an error in the data, never filled.
TEXT = "text"
#: One of Excel's error values (#N/A, #REF!, ...).
ERROR_VALUE = "error-value"

#: The yearbooks' placeholders for "no data", after full-width forms are made ASCII and the
#: text trimmed (so full-width －, ．．． and ＮＡ are included); compared in upper case.
PLACEHOLDERS: frozenset[str] = frozenset(
    {"—", "——", "–", "-", "--", "…", "……", "...", "......", "空", "NA"}
)

#: Full-width ASCII forms (！ to ～, U+FF01–FF5E) and the ideographic space → ASCII.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: " "}
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")


def _number_in_text(text: str) -> float | None:
    """The number a text spells, or None: ASCII digits with an optional sign, decimal point
    and exponent, or thousands grouped by commas."""
    if _GROUPED_NUMBER.fullmatch(text):
        return float(text.replace(",", ""))
    if _PLAIN_NUMBER.fullmatch(text):
        return float(text)
    return None


#: The largest count a setting or argument takes (replicates, permutations, a seed).
MAX_COUNT = 1_000_000


def is_count(value: float, low: int = 0) -> bool:
    """Whether ``value`` is a whole number from ``low`` to :data:`MAX_COUNT` (infinity and
    NaN are not: ``int()`` of them would raise).

    >>> is_count(999.0), is_count(2.5), is_count(float("inf")), is_count(0, low=1)
    (True, False, False, False)
    """
    return math.isfinite(value) and float(value).is_integer() and low <= value <= MAX_COUNT


def number_text(value: float, digits: int | None = None) -> str:
    """A number for a message, exactly as read: the shortest text that reads back as the
    same float (Python's ``repr``), without a trailing ``.0``; a computed number (a filled
    value, a factor) rounded first to ``digits`` significant digits, still written out in
    full (``23459512.33``, ``1000``, not ``2.34595e+07``, ``1e+03``).

    Examples
    --------
    >>> number_text(9810880.5), number_text(680.0), number_text(0.0625), number_text(1e300)
    ('9810880.5', '680', '0.0625', '1e+300')
    >>> number_text(23459512.333333332, digits=10), number_text(1000.4, digits=3)
    ('23459512.33', '1000')
    """
    if digits is not None:
        value = float(f"{value:.{digits}g}")
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def classify_cell(value: object) -> tuple[float, str]:
    """Read one cell's content by the one rule shared by the tables and the worksheet functions.

    Parameters
    ----------
    value : object
        A cell as a workbook reader or xlwings hands it over: a number, text, None, a
        boolean, a date, or an error value's text; or as Office.js hands it over (xlwings
        Lite, xlwings Server): an error object ``{"type": "Error", "basicValue": "#N/A",
        ...}``, a number object (``"Double"``, ``"FormattedNumber"``: its number, but a
        date-formatted one is a date), Pyodide's ``JsNull`` for a blank.

    Returns
    -------
    number : float
        The number the cell holds or spells; NaN when it holds none. May be ±inf for a
        number too large for a float (the caller reports it).
    kind : str
        :data:`NUMBER`, :data:`NUMERIC_TEXT` (text read as its number; note it),
        :data:`PLACEHOLDER` (a yearbook's "no data" mark: missing, may be filled; note it),
        :data:`BLANK`, :data:`TEXT` (any other text, a boolean or a date: an error, never
        filled) or :data:`ERROR_VALUE`.

    Examples
    --------
    >>> classify_cell(36895065.2)
    (36895065.2, 'number')
    >>> classify_cell(" 36,895,065.2 ")
    (36895065.2, 'numeric-text')
    >>> classify_cell("３６８９５")  # full-width digits
    (36895.0, 'numeric-text')
    >>> classify_cell("—")
    (nan, 'placeholder')
    >>> classify_cell("…")
    (nan, 'placeholder')
    >>> classify_cell("1,23")  # not a thousands grouping: an error, not 123
    (nan, 'text')
    >>> classify_cell("#N/A")
    (nan, 'error-value')
    >>> classify_cell(None)
    (nan, 'blank')
    >>> classify_cell({"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"})
    (nan, 'error-value')
    >>> classify_cell({"type": "FormattedNumber", "basicValue": 12.5, "numberFormat": "0.0"})
    (12.5, 'number')
    >>> classify_cell({"type": "FormattedNumber", "basicValue": 45000, "numberFormat": "d/m/yy"})
    (nan, 'text')
    """
    if value is None or _is_js_null(value):
        return math.nan, BLANK
    if _office_js_type(value) == "Error":
        return math.nan, ERROR_VALUE
    value = _office_js_number(value)
    if isinstance(value, bool):
        return math.nan, TEXT
    if isinstance(value, Real):
        try:
            number = float(value)
        except (OverflowError, ValueError):  # an int too large for a float
            return (math.inf if value > 0 else -math.inf), NUMBER
        return (math.nan, BLANK) if math.isnan(number) else (number, NUMBER)
    if not isinstance(value, str):
        return math.nan, TEXT  # dates, times, anything else
    text = value.translate(_HALF_WIDTH).strip()
    if text == "":
        return math.nan, BLANK
    if is_error_text(text):
        return math.nan, ERROR_VALUE
    if text.upper() in PLACEHOLDERS:
        return math.nan, PLACEHOLDER
    number = _number_in_text(text)
    return (math.nan, TEXT) if number is None else (number, NUMERIC_TEXT)
