"""Parsing a workbook's XML parts safely (lxml, no DTD, no entities, no network).

:mod:`.safety` refuses a file whose parts declare a DTD before anything is parsed; the
parsers here are the second guard: entities are never resolved and a document that
declares a DTD anyway is refused with the same message.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from ...errors import FileRejected

_PARSER_OPTIONS = dict(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=False
)


def hostile(path) -> FileRejected:
    """The refusal of XML that declares entities (a 'billion laughs' or an external entity)."""
    return FileRejected(
        f"{Path(path).name}: refused: its XML declares entities, as a 'billion laughs' or "
        "external-entity attack does (Excel never writes these); the file is not read"
    )


def unreadable(path, part: str, exc: BaseException, sheet: str | None = None) -> FileRejected:
    """The refusal of a part that is not well-formed XML (or that expands entities: libxml2
    stops an entity expansion that grows too much, which only a hostile file does)."""
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    if "entity" in text.lower() or "amplification" in text.lower():
        return hostile(path)
    where = f"sheet {sheet}" if sheet else f"part {part}"
    return FileRejected(
        f"{Path(path).name}: cannot be read as a workbook ({where}) "
        f"({type(exc).__name__}{': ' + text if text else ''})"
    )


def check_no_dtd(tree, path) -> None:
    """Refuse a parsed document that carries a document type declaration."""
    info = tree.docinfo
    if info.internalDTD is not None or info.doctype:
        raise hostile(path)


def parse_part(data: bytes, path, part: str) -> etree._Element:
    """A small part (workbook.xml, styles.xml, a chart, relationships) as an element tree."""
    try:
        root = etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))
    except etree.XMLSyntaxError as exc:
        raise unreadable(path, part, exc) from None
    check_no_dtd(root.getroottree(), path)
    return root


def iterparse(stream, tags: list[str]):
    """``lxml.etree.iterparse`` over ``stream`` with the safe options, ``end`` events of
    ``tags``."""
    return etree.iterparse(stream, events=("end",), tag=tags, **_PARSER_OPTIONS)


def serialize(root: etree._Element) -> bytes:
    """An element tree back to a part's bytes (UTF-8, with the standalone declaration)."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
