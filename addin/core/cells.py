"""What a spreadsheet cell can hold besides a number: the one table of Excel's error values.

Both the workbook readers (:mod:`addin.workbook.sheets`, the engines) and the worksheet
functions (:mod:`addin.excel.args`) classify cells with these facts, so a cell reads the
same whichever way it reaches the method.

COM (and so xlwings without ``err_to_str``) hands an error cell over as the VT_ERROR code
``0x800A0000 + n``, a negative 32-bit int, where n is Excel's ``xlErr`` number
(``xlErrNA`` = 2042). File readers and ``err_to_str=True`` give the error's text.

Examples
--------
>>> EXCEL_ERRORS[2042]
'#N/A'
>>> error_text(COM_ERROR_BASE + 2007)
'#DIV/0!'
>>> is_error_text(" #n/a ")
True
"""

from __future__ import annotations

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


def is_com_error(value: int) -> bool:
    """Whether an int is a COM VT_ERROR code (``0x800A0000`` to ``0x800AFFFF``)."""
    return COM_ERROR_BASE <= value <= COM_ERROR_BASE + 0xFFFF


def error_text(code: int) -> str:
    """The error text of a COM VT_ERROR code (``#N/A`` for 2042); ``#ERROR`` if unknown."""
    return EXCEL_ERRORS.get(code - COM_ERROR_BASE, "#ERROR")


def is_error_text(value: object) -> bool:
    """Whether a cell's text is one of Excel's error values (case and spaces ignored)."""
    return isinstance(value, str) and value.strip().upper() in ERROR_TEXTS
