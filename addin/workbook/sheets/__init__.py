"""Reading the template's input sheets from plain cell blocks (no workbook library here).

An engine hands each sheet over as a list of rows of cell values starting at A1, as
openpyxl or xlwings deliver them. The readers turn them into
:class:`~addin.panel.tidy.SeriesData` (:mod:`.data`), the region mapping (:mod:`.regions`)
and :class:`~addin.panel.options.Options` (:mod:`.settings`), naming sheet and cell for
every problem; :mod:`.blocks` holds what they share.
"""

from .blocks import Block, cell, is_blank, parse_year, row_label
from .data import is_read_cell, layout_notes, read_data_sheet
from .regions import read_regions
from .settings import read_settings

__all__ = [
    "Block",
    "cell",
    "is_blank",
    "is_read_cell",
    "layout_notes",
    "parse_year",
    "read_data_sheet",
    "read_regions",
    "read_settings",
    "row_label",
]
