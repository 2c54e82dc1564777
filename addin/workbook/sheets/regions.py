"""The Regions sheet (A province, B region, from row 2) → the ordered mapping."""

from __future__ import annotations

from ...errors import InputError
from .. import layout
from .blocks import Block, cell, is_blank, row_label


def read_regions(block: Block) -> dict[str, str]:
    """The Regions sheet (A province, B region, from row 2) → ordered mapping."""
    mapping: dict[str, str] = {}
    for r in range(layout.REGIONS_FIRST_ROW, len(block) + 1):
        province, region = row_label(cell(block, r, 1)), cell(block, r, 2)
        if province is None:
            continue
        if is_blank(region):
            raise InputError(
                f"{province} has no region; write its region in column B or delete the row",
                layout.address(r, 2, layout.REGIONS),
            )
        if province in mapping:
            raise InputError(
                f"{province} is listed twice (first as {mapping[province]})",
                layout.address(r, 1, layout.REGIONS),
            )
        mapping[province] = str(region).strip()
    if not mapping:
        raise InputError(
            "no provinces listed; write province names in column A and regions in column B from "
            "row 2",
            layout.REGIONS,
        )
    return mapping
