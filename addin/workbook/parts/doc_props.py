"""``docProps/app.xml``: the sheet list Excel keeps beside the workbook (``TitlesOfParts``,
counted by group in ``HeadingPairs``: worksheets first, then named ranges …).

The tool never touches ``docProps/`` except when it recreates an output sheet the user
deleted: that sheet's name is then added to the worksheets group, so the list agrees with
``xl/workbook.xml`` as Excel expects.

Examples
--------
>>> app = (b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
...     b'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
...     b'2006/docPropsVTypes"><HeadingPairs><vt:vector size="2" baseType="variant">'
...     b'<vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>1'
...     b'</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts>'
...     b'<vt:vector size="1" baseType="lpstr"><vt:lpstr>Data</vt:lpstr></vt:vector>'
...     b'</TitlesOfParts></Properties>')
>>> new = add_sheet_title(app, "R&D", ["Data"])
>>> b'<vt:i4>2</vt:i4>' in new, b'size="2" baseType="lpstr"' in new
(True, True)
>>> new.split(b"<TitlesOfParts>")[1].split(b"</vt:vector>")[0]
b'<vt:vector size="2" baseType="lpstr"><vt:lpstr>Data</vt:lpstr><vt:lpstr>R&amp;D</vt:lpstr>'
"""

from __future__ import annotations

import re
from xml.sax.saxutils import unescape

APP = "docProps/app.xml"

_VECTOR = re.compile(rb"<((?:\w+:)?)vector\b([^>]*)>(.*?)</(?:\w+:)?vector>", re.DOTALL)
_LPSTR = re.compile(rb"<(?:\w+:)?lpstr>([^<]*)</(?:\w+:)?lpstr>")
_QUOTES = {"&quot;": '"', "&apos;": "'"}
_I4 = re.compile(rb"<((?:\w+:)?)i4>(\d+)</(?:\w+:)?i4>")


def _element(data: bytes, name: bytes) -> re.Match[bytes] | None:
    return re.search(rb"<((?:\w+:)?)" + name + rb">(.*?)</\1" + name + rb">", data, re.DOTALL)


def add_sheet_title(app_xml: bytes, name: str, sheets: list[str]) -> bytes | None:
    """``app_xml`` with worksheet ``name`` added at the end of its worksheets group; None
    when it keeps no sheet list, or when its first group is not the workbook's ``sheets``
    (then it is left as it is: a list the tool cannot read is not rewritten)."""
    from .package import xml_text

    pairs, titles = _element(app_xml, b"HeadingPairs"), _element(app_xml, b"TitlesOfParts")
    if pairs is None or titles is None or pairs.start() > titles.start():
        return None
    count = _I4.search(pairs.group(2))
    titles_vector = _VECTOR.search(titles.group(2))
    if count is None or titles_vector is None:
        return None
    n = int(count.group(2))
    listed = [unescape(t.decode(), _QUOTES) for t in _LPSTR.findall(titles_vector.group(3))]
    if n > len(listed) or not set(listed[:n]) <= set(sheets):
        return None
    # the new title after the group's last: find where the n-th lpstr ends
    body = titles_vector.group(3)
    ends = [m.end() for m in _LPSTR.finditer(body)]
    at = ends[n - 1] if n else 0
    prefix = titles_vector.group(1).decode()
    entry = f"<{prefix}lpstr>{xml_text(name)}</{prefix}lpstr>".encode()
    body = body[:at] + entry + body[at:]
    attrs = re.sub(rb'size="\d+"', f'size="{len(listed) + 1}"'.encode(), titles_vector.group(2))
    new_titles = (
        titles.group(2)[: titles_vector.start()]
        + b"<"
        + titles_vector.group(1)
        + b"vector"
        + attrs
        + b">"
        + body
        + b"</"
        + titles_vector.group(1)
        + b"vector>"
        + titles.group(2)[titles_vector.end() :]
    )
    new_pairs = (
        pairs.group(2)[: count.start(2)] + str(n + 1).encode() + pairs.group(2)[count.end(2) :]
    )
    out = app_xml[: pairs.start(2)] + new_pairs + app_xml[pairs.end(2) : titles.start(2)]
    return out + new_titles + app_xml[titles.end(2) :]
