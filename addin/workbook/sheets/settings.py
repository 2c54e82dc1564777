"""The Settings sheet (key in A, value in C) → validated :class:`Options`, by the rows of
:data:`~addin.workbook.layout.SETTINGS_ROWS` (each with its type from :mod:`..setting_types`)."""

from __future__ import annotations

from ...errors import InputError
from ...panel.options import Options
from .. import layout
from .blocks import Block, cell, is_blank, parse_year


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

    Each row of :data:`~addin.workbook.layout.SETTINGS_ROWS` is found by its key in column
    A (in any row) and read by its type. Blank values take the default; a bad value raises
    :class:`InputError` naming its cell. Choices may also be written in Chinese (按输入 for
    as_entered, 换算 for converted). ``Options.cells`` records where each was read.
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
            kwargs[setting.key] = setting.parse(value, where)
    try:
        return Options(**kwargs, cells={key: where for key, (_, where) in found.items()})
    except InputError as exc:
        where = found.get(str(exc.where), (None, exc.where))[1]
        raise InputError(exc.detail, where) from None
