"""Plain cell blocks, as an engine hands a sheet over: a list of rows of cell values from
A1 (numbers, text, None, booleans, dates, error texts such as ``"#N/A"``), and the few
helpers every reader uses."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ...panel.provinces import match_province
from ..setting_types import parse_year

Block = Sequence[Sequence[object]]

__all__ = ["Block", "cell", "is_blank", "parse_year", "row_label"]


def cell(block: Block, row: int, col: int) -> object:
    """Value at 1-based (row, col), None beyond the block."""
    if row - 1 < len(block) and col - 1 < len(block[row - 1]):
        return block[row - 1][col - 1]
    return None


def is_blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, str) and value.strip() == "")
        or (isinstance(value, float) and math.isnan(value))
    )


def row_label(value: object) -> str | None:
    """A row's name in column A: a province's short name when it is one, else the text."""
    if is_blank(value):
        return None
    text = str(value).strip()
    return match_province(text) or text
