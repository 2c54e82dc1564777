"""The cell formats of the output sheets, found in or appended to ``xl/styles.xml``.

Input sheets point at the existing ``cellXfs`` indexes, so nothing is ever renumbered
or removed: a format the tool needs is looked up by what it is (bold, size, fill colour,
number-format code) and appended only when it is not there yet, so a second
regeneration leaves styles.xml byte for byte as the first left it. LibreOffice rewrites
styles.xml when it saves, which is why fixed indexes from the template are never assumed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from .package import MAIN_NS
from .schema import after, position
from .xmlparse import parse_part, serialize

#: Excel's built-in number formats that the output sheets use (ECMA-376 §18.8.30).
BUILTIN_FORMATS = {"General": 0, "0.00%": 10}
HEADER_FILL_RGB = "FFDCE6F1"
TITLE_SIZE = "14"


@dataclass(frozen=True)
class OutputStyles:
    """``cellXfs`` indexes for the output sheets' cells."""

    title: int
    header: int
    formats: dict[str, int]  # number-format code → xf index (data cells)


def _q(tag: str) -> str:
    return f"{{{MAIN_NS}}}{tag}"


def _key(elem) -> tuple:
    """What an element is, regardless of how it was written (attribute order, prefixes)."""
    return (
        etree.QName(elem).localname,
        tuple(sorted(elem.attrib.items())),
        tuple(sorted(_key(child) for child in elem)),
    )


class _Styles:
    def __init__(self, root):
        self.root, self.changed = root, False

    def section(self, name: str):
        """The ``<name>`` list element, created in schema order if missing."""
        found = self.root.find(_q(name))
        if found is not None:
            return found
        found = etree.Element(_q(name), count="0")
        for later in after("styleSheet", name):
            anchor = self.root.find(_q(later))
            if anchor is not None:
                anchor.addprevious(found)
                break
        else:
            self.root.append(found)
        self.changed = True
        return found

    def index_of(self, section, elem) -> int:
        """Index of an element equal to ``elem`` in ``section``; appended when missing."""
        want = _key(elem)
        for i, existing in enumerate(section):
            if _key(existing) == want:
                return i
        section.append(elem)
        section.set("count", str(len(section)))
        self.changed = True
        return len(section) - 1

    def font(self, bold: bool, size: str | None) -> int:
        fonts = self.section("fonts")
        base = copy.deepcopy(fonts[0]) if len(fonts) else etree.Element(_q("font"))
        original = base.find(_q("sz"))
        value = size or (original.get("val") if original is not None else "11")
        for child in list(base):
            if not isinstance(child.tag, str) or etree.QName(child).localname in ("b", "sz"):
                base.remove(child)
        if bold:
            base.append(etree.Element(_q("b")))
        base.append(etree.Element(_q("sz"), val=value))
        base[:] = sorted(base, key=lambda e: position("font", etree.QName(e).localname))
        return self.index_of(fonts, base)

    def fill(self, rgb: str) -> int:
        fills = self.section("fills")
        fill = etree.Element(_q("fill"))
        pattern = etree.SubElement(fill, _q("patternFill"), patternType="solid")
        etree.SubElement(pattern, _q("fgColor"), rgb=rgb)
        etree.SubElement(pattern, _q("bgColor"), indexed="64")
        return self.index_of(fills, fill)

    def number_format(self, code: str) -> int:
        if code in BUILTIN_FORMATS:
            return BUILTIN_FORMATS[code]
        formats = self.section("numFmts")
        for existing in formats:
            if existing.get("formatCode") == code:
                return int(existing.get("numFmtId"))
        new_id = max([163, *(int(f.get("numFmtId", "0")) for f in formats)]) + 1
        etree.SubElement(formats, _q("numFmt"), numFmtId=str(new_id), formatCode=code)
        formats.set("count", str(len(formats)))
        self.changed = True
        return new_id

    def xf(self, font: int = 0, fill: int = 0, num_fmt: int = 0, wrap_top: bool = False) -> int:
        xfs = self.section("cellXfs")
        attrs = {"numFmtId": str(num_fmt), "fontId": str(font), "fillId": str(fill)}
        attrs |= {"borderId": "0", "xfId": "0"}
        if num_fmt:
            attrs["applyNumberFormat"] = "1"
        if font:
            attrs["applyFont"] = "1"
        if fill:
            attrs["applyFill"] = "1"
        xf = etree.Element(_q("xf"), attrs)
        if wrap_top:
            xf.set("applyAlignment", "1")
            etree.SubElement(xf, _q("alignment"), vertical="top", wrapText="1")
        return self.index_of(xfs, xf)


def output_styles(
    data: bytes, path, part: str, codes: Iterable[str]
) -> tuple[bytes | None, OutputStyles]:
    """The output formats' xf indexes in styles part ``data`` (title, header, and a data
    cell of each number-format code in ``codes``, from the registry of measures), and the
    new part (None when every format was already there and nothing changed)."""
    styles = _Styles(parse_part(data, path, part))
    title = styles.xf(font=styles.font(bold=True, size=TITLE_SIZE))
    header = styles.xf(
        font=styles.font(bold=True, size=None), fill=styles.fill(HEADER_FILL_RGB), wrap_top=True
    )
    formats = {code: styles.xf(num_fmt=styles.number_format(code)) for code in sorted(set(codes))}
    return (serialize(styles.root) if styles.changed else None), OutputStyles(
        title, header, formats
    )
