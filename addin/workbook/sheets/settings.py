"""The Settings sheet (key in A, value in C) → validated :class:`Options`."""

from __future__ import annotations

import re

from ...core import cells
from ...core.cells import classify_cell
from ...errors import InputError
from ...panel import measures
from ...panel.options import BANDS, Options
from .. import layout
from .blocks import Block, cell, is_blank, parse_year


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


#: Settings holding a list of a measure's parameter values (the Atkinson index's ε).
PARAMETER_OPTIONS = frozenset(p.option for p in measures.PARAMETERS)


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


def _choice(setting: layout.Setting, value: object, where: str) -> str:
    text = str(value).strip()
    text = _CHOICE_ALIASES.get(text, text)
    if setting.choices and text not in setting.choices and setting.key != "output_unit":
        raise InputError(f"{text!r} is not one of {', '.join(setting.choices)}", where)
    return text


_PARSERS = {
    "table1_years": _years,
    "stages": _stages,
    "cv_weighted": _yes,
    "fill_gaps": _yes,
    "jump_ratio": _ratio,
    "outlier_ratio": _ratio,
    "series_ratio": _ratio,
    **dict.fromkeys(BANDS, _band),
    **dict.fromkeys(PARAMETER_OPTIONS, _numbers),
}


def _check_version(found: dict[str, tuple[object, str]]) -> None:
    version = found.get("template_version", (None, ""))[0]
    if (
        version not in (None, "")
        and parse_year(version) is None
        and str(version).strip() != str(layout.TEMPLATE_VERSION)
        and version != layout.TEMPLATE_VERSION  # a file engine reads 1 as 1.0
    ):
        shown = f"{version:g}" if isinstance(version, float) else version  # 0, not 0.0
        raise InputError(
            f"this workbook was made by template version {shown}; this add-in reads version "
            f"{layout.TEMPLATE_VERSION}. Copy your data into a new template (yangtze template)",
            found["template_version"][1],
        )


def read_settings(block: Block) -> Options:
    """The Settings sheet (key in A, value in C) → validated :class:`Options`.

    Blank values take the default; a bad value raises :class:`InputError` naming its cell.
    Choices may also be written in Chinese (按输入 for as_entered, 换算 for converted).
    """
    found: dict[str, tuple[object, str]] = {}
    for r in range(1, len(block) + 1):
        key = cell(block, r, 1)
        if isinstance(key, str) and key.strip():
            found[key.strip()] = (cell(block, r, 3), layout.address(r, 3, layout.SETTINGS))
    _check_version(found)
    kwargs: dict[str, object] = {}
    for setting in layout.SETTINGS_ROWS:
        if setting.key == "template_version" or setting.key not in found:
            continue
        value, where = found[setting.key]
        if not is_blank(value):
            parse = _PARSERS.get(setting.key)
            kwargs[setting.key] = parse(value, where) if parse else _choice(setting, value, where)
    try:
        return Options(**kwargs, cells={key: where for key, (_, where) in found.items()})
    except InputError as exc:
        where = found.get(str(exc.where), (None, exc.where))[1]
        raise InputError(exc.detail, where) from None
