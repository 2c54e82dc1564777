"""Per-element problem codes, shared by the kernels, the tables and the worksheet functions.

A kernel never raises for a bad element and never turns it into a number: the value is
NaN and a :class:`Problem` code stands beside it. The worksheet functions show the
code's :attr:`Problem.marker` in the cell; the Data quality sheet lists them.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Problem(IntEnum):
    """Why an output element has no value. Larger codes win when several apply."""

    OK = 0
    MISSING = 1  #: an input cell is blank / NaN
    NEGATIVE = 2  #: a negative trade or investment amount
    NONPOSITIVE_GDP = 3  #: GDP is zero or negative
    NONPOSITIVE_RATE = 4  #: a conversion factor (exchange rate) is zero or negative
    TEXT = 5  #: an input cell holds text (worksheet functions only)
    ERROR_CELL = 6  #: an input cell holds an Excel error such as #N/A (worksheet functions only)
    UNDEFINED = (
        7  #: the measure is not defined for these values (zero mean or base, zero in Theil L)
    )
    OVERFLOW = 8  #: the result is too large for a number (often a unit slip: check the unit)

    @property
    def marker(self) -> str:
        """The text a worksheet function shows in a cell for this problem."""
        return MARKERS[self]


MARKERS: dict[Problem, str] = {
    Problem.OK: "",
    Problem.MISSING: "#MISSING",
    Problem.NEGATIVE: "#NEGATIVE",
    Problem.NONPOSITIVE_GDP: "#GDP<=0",
    Problem.NONPOSITIVE_RATE: "#RATE<=0",
    Problem.TEXT: "#TEXT",
    Problem.ERROR_CELL: "#ERROR",
    Problem.UNDEFINED: "#UNDEFINED",
    Problem.OVERFLOW: "#OVERFLOW",
}

DESCRIPTIONS: dict[Problem, str] = {
    Problem.OK: "",
    Problem.MISSING: "missing input 缺少数据",
    Problem.NEGATIVE: "negative amount 金额为负",
    Problem.NONPOSITIVE_GDP: "GDP is zero or negative GDP非正",
    Problem.NONPOSITIVE_RATE: "conversion rate is zero or negative 汇率非正",
    Problem.TEXT: "text where a number was expected 应为数字",
    Problem.ERROR_CELL: "error value in an input cell 单元格错误值",
    Problem.UNDEFINED: "result not defined for these values (zero mean or base) 结果无定义",
    Problem.OVERFLOW: "result too large for a number: check the units 数值溢出，请检查单位",
}


def worst(*codes: np.ndarray) -> np.ndarray:
    """Element-wise maximum of broadcastable problem-code arrays."""
    return np.maximum.reduce(np.broadcast_arrays(*[np.asarray(c, dtype=np.int8) for c in codes]))
