"""Per-element problem codes, shared by the kernels, the tables and the worksheet functions.

The kernels' one contract: a kernel returns a :class:`Result`, values plus a problem code
per element (or per period, or per series). It never raises for bad data and never turns
it into a number: the value is NaN and a :class:`Problem` code stands beside it
(``UNDEFINED`` where the measure is not defined for the data). Only bad *arguments* (an
unknown option, shapes that do not fit) raise :class:`~addin.errors.InputError`. The
worksheet functions show the code's :attr:`Problem.marker` in the cell; the Data quality
sheet lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    OVERFLOW = (
        8  #: the result is beyond the range of a number, too large or too small (a unit slip?)
    )

    @property
    def marker(self) -> str:
        """The text a worksheet function shows in a cell for this problem."""
        return MARKERS[self]


UNDEFINED = Problem.UNDEFINED
#: The smallest positive normal double (2.2e-308); below it (but not 0) a number is subnormal.
_SMALLEST_NORMAL = np.finfo(float).tiny

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
    Problem.OVERFLOW: (
        "result too large or too small for a number: check the units 数值溢出，请检查单位"
    ),
}


@dataclass(frozen=True)
class Result:
    """What a kernel returns: values and, beside each, why it is missing.

    Attributes
    ----------
    values : float or ndarray of float
        The results; NaN wherever ``problems`` is not ``Problem.OK``.
    problems : int or ndarray of int8
        :class:`Problem` codes, same shape as ``values``.

    Examples
    --------
    >>> r = settle(np.array([0.5, np.nan, np.inf]), np.array([0, 1, 0]))
    >>> r.values.tolist(), [Problem(c).name for c in r.problems]
    ([0.5, nan, nan], ['OK', 'MISSING', 'UNDEFINED'])
    """

    values: float | np.ndarray
    problems: int | np.ndarray


def settle(
    values: np.ndarray,
    problems: np.ndarray,
    scalar: bool = False,
    not_finite: Problem = UNDEFINED,
) -> Result:
    """A :class:`Result` from raw values and the input problems found so far: an element
    without a problem but without a finite, normal value gets ``not_finite``
    (``UNDEFINED``, or ``OVERFLOW`` for the indices); an element with a problem is NaN.
    A subnormal result (not 0 but below 2.2e-308 in size, e.g. 1e-160 squared) is not a
    number Excel keeps (it repairs a book holding one): it gets ``not_finite`` as well,
    rather than a guessed 0. ``scalar``: return a float and an int (a kernel's 1-D case).

    >>> r = settle(np.array([1e-320, 0.0, 2.5e-308]), np.zeros(3), not_finite=Problem.OVERFLOW)
    >>> r.values.tolist(), [Problem(c).name for c in r.problems]
    ([nan, 0.0, 2.5e-308], ['OVERFLOW', 'OK', 'OK'])
    """
    values = np.asarray(values, dtype=float)
    problems = np.broadcast_to(np.asarray(problems, dtype=np.int8), values.shape)
    with np.errstate(invalid="ignore"):
        normal = np.isfinite(values) & ((values == 0) | (np.abs(values) >= _SMALLEST_NORMAL))
    codes = np.where(
        problems != Problem.OK, problems, np.where(normal, Problem.OK, not_finite)
    ).astype(np.int8)
    values = np.where(codes == Problem.OK, values, np.nan)
    if scalar:
        return Result(float(values.reshape(-1)[0]), int(codes.reshape(-1)[0]))
    return Result(values, codes)


def worst(*codes: np.ndarray) -> np.ndarray:
    """Element-wise maximum of broadcastable problem-code arrays."""
    return np.maximum.reduce(np.broadcast_arrays(*[np.asarray(c, dtype=np.int8) for c in codes]))


@dataclass(frozen=True)
class Estimates(Result):
    """A :class:`~addin.core.problems.Result` whose last axis is named by ``labels``.

    ``values`` and ``problems`` have shape ``(len(labels),)``, or ``(k, len(labels))``
    for ``k`` estimates side by side (one per stage, one per year): what the convergence,
    inference and spatial kernels return, ``n`` usually among the labels.

    Examples
    --------
    >>> e = Estimates(np.array([[0.5, 3.0], [0.25, 4.0]]), np.zeros((2, 2)), ("gini", "n"))
    >>> e["gini"].tolist(), float(e.values[0, 1])
    ([0.5, 0.25], 3.0)
    """

    labels: tuple[str, ...] = ()

    def __getitem__(self, label: str) -> float | np.ndarray:
        """The value(s) of one label: a float, or one per row for stacked estimates."""
        column = np.asarray(self.values)[..., self.labels.index(label)]
        return float(column) if column.ndim == 0 else column
