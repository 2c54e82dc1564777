"""What a Settings value may be: each type reads a cell (raising :class:`InputError` naming
it) and shows an option's value as the template writes it.

The Settings rows themselves (:data:`addin.workbook.layout.SETTINGS_ROWS`) pair each
:class:`~addin.panel.options.Options` field with one of these types, so a setting's cell,
label, help, parser and default (shown from ``Options()``) are defined in one place.

>>> YEARS.parse("1993, 2000，2022年", "Settings!C4")
(1993, 2000, 2022)
>>> YEARS.show((2005, 2010)), STAGES.show(((1993, 2000), (2001, 2008))), BAND.show((200.0, 1e6))
('2005, 2010', '1993-2000; 2001-2008', '200-1000000')
>>> YES_NO.parse("否", "Settings!C9"), YES_NO.show(True), RATIO.show(5.0), RATIO.show(3.5)
(False, 'yes', 5, 3.5)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..core import cells
from ..core.cells import classify_cell
from ..errors import InputError


@dataclass(frozen=True)
class SettingType:
    """How one kind of setting is read from its cell and written into the template.

    ``parse(value, where)`` → the option's value (``where`` names the cell in errors);
    ``show(value)`` → what the template writes for it; ``choices``: the values offered in
    the cell's drop-down list (empty: none).
    """

    parse: Callable[[object, str], object]
    show: Callable[[object], object] = str
    choices: tuple[str, ...] = ()


def _number_text(x: float) -> str:
    """5.0 → '5', 1e6 → '1000000', 0.005 → '0.005' (no exponent for whole numbers)."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def parse_year(value: object) -> int | None:
    """1998, 1998.0, "1998", "1998年" → 1998; anything else → None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and float(value).is_integer() and 1900 <= value <= 2200:
        return int(value)
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{4})\s*年?\s*", value)
        if m and 1900 <= int(m.group(1)) <= 2200:
            return int(m.group(1))
    return None


def _yes(value: object, where: str) -> bool:
    text = str(value).strip().lower()
    if text in ("yes", "y", "true", "1", "是", "on"):
        return True
    if text in ("no", "n", "false", "0", "否", "off"):
        return False
    raise InputError(f"expected yes or no, found {value!r}", where)


def _years(value: object, where: str) -> tuple[int, ...]:
    parts = [p for p in re.split(r"[,，;；\s]+", str(value)) if p]
    years = tuple(parse_year(p) for p in parts)
    if not years or None in years:
        raise InputError(f"expected years such as 1993, 2000, 2022, found {value!r}", where)
    return years


def _stages(value: object, where: str) -> tuple[tuple[int, int], ...]:
    stages = []
    for part in [p for p in re.split(r"[;；\n]+", str(value)) if p.strip()]:
        m = re.fullmatch(r"\s*(\d{4})\s*[-–—~至到]\s*(\d{4})\s*", part)
        if not m:
            raise InputError(
                f"expected stages such as 1993-2000; 2001-2008, found {part.strip()!r}", where
            )
        stages.append((int(m.group(1)), int(m.group(2))))
    if not stages:
        raise InputError("no stages given; write e.g. 1993-2000; 2001-2008", where)
    return tuple(stages)


def _ratio(value: object, where: str) -> float:
    number, kind = classify_cell(value)
    if kind not in (cells.NUMBER, cells.NUMERIC_TEXT) or not number > 1:
        raise InputError(f"expected a number greater than 1, found {value!r}", where)
    return number


def _whole(value: object, where: str) -> int:
    number, kind = classify_cell(value)
    if kind not in (cells.NUMBER, cells.NUMERIC_TEXT) or not cells.is_count(number):
        raise InputError(f"expected a whole number from 0 to 1,000,000, found {value!r}", where)
    return int(number)


def _numbers(value: object, where: str) -> tuple[float, ...]:
    """ "0.5, 1, 2" → (0.5, 1.0, 2.0); a single number cell → (its value,)."""
    number, kind = classify_cell(value)
    if kind in (cells.NUMBER, cells.NUMERIC_TEXT):
        return (number,)
    try:
        numbers = tuple(float(p) for p in re.split(r"[,，;；\s]+", str(value)) if p)
    except ValueError:
        numbers = ()
    if not numbers:
        raise InputError(f"expected numbers such as 0.5, 1, 2, found {value!r}", where)
    return numbers


_BAND = re.compile(
    r"\s*([0-9][0-9,.]*(?:[eE]\+?[0-9]+)?)\s*[-–—~至到]\s*([0-9][0-9,.]*(?:[eE]\+?[0-9]+)?)\s*"
)


def _band(value: object, where: str) -> tuple[float, float]:
    """'1-20', '0.005 – 5', '200~1,000,000' → (low, high)."""
    m = _BAND.fullmatch(str(value).translate(cells._HALF_WIDTH))
    bounds = [classify_cell(g) for g in m.groups()] if m else []
    if not bounds or any(kind != cells.NUMERIC_TEXT for _, kind in bounds):
        raise InputError(f"expected a band such as 1-20 (low-high), found {value!r}", where)
    (low, _), (high, _) = bounds
    if not low < high:
        raise InputError(f"the low end must be below the high end, found {value!r}", where)
    return low, high


#: What a Settings value may also be written as (Chinese labels of the choices).
_CHOICE_ALIASES = {"按输入": "as_entered", "换算": "converted", "统一换算": "converted"}


def choice(choices: tuple[str, ...], only: bool = True) -> SettingType:
    """One of ``choices`` (or its Chinese alias), offered in a drop-down list; with
    ``only=False`` other text is passed on for :class:`Options` to judge (the output unit).

    >>> choice(("mean", "weighted")).parse(" weighted ", "C8")
    'weighted'
    >>> choice(("converted", "as_entered")).parse("按输入", "C6")
    'as_entered'
    """

    def parse(value: object, where: str) -> str:
        text = str(value).strip()
        text = _CHOICE_ALIASES.get(text, text)
        if only and text not in choices:
            raise InputError(f"{text!r} is not one of {', '.join(choices)}", where)
        return text

    return SettingType(parse, str, tuple(choices))


YEARS = SettingType(_years, lambda years: ", ".join(str(y) for y in years))
STAGES = SettingType(_stages, lambda stages: "; ".join(f"{a}-{b}" for a, b in stages))
YES_NO = SettingType(_yes, lambda yes: "yes" if yes else "no", ("yes", "no"))
RATIO = SettingType(_ratio, lambda x: int(x) if float(x).is_integer() else x)
WHOLE = SettingType(_whole, int)
NUMBERS = SettingType(_numbers, lambda xs: ", ".join(f"{x:g}" for x in xs))
BAND = SettingType(_band, lambda band: "-".join(_number_text(x) for x in band))
