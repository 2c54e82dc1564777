"""An .xlsx/.xlsm file as a zip of parts: read parts, follow relationships, replace a few.

Only the parts a caller replaces (:meth:`Package.put`) or removes (:meth:`Package.remove`)
change when the package is written (:meth:`Package.write`); every other part is copied
with the same name, the same bytes and in the same order, ``[Content_Types].xml`` first.
A part replaced by the bytes it already held is copied too (see ``stored`` in ``put``).
Relationship targets may be relative (``worksheets/sheet3.xml``, as Excel writes them) or
absolute (``/xl/worksheets/sheet3.xml``, as XlsxWriter and LibreOffice do): both resolve
to the part's name in the zip.

Examples
--------
>>> resolve_target("xl/workbook.xml", "worksheets/sheet3.xml")
'xl/worksheets/sheet3.xml'
>>> resolve_target("xl/worksheets/sheet3.xml", "../drawings/drawing1.xml")
'xl/drawings/drawing1.xml'
>>> resolve_target("xl/workbook.xml", "/xl/styles.xml")
'xl/styles.xml'
>>> rels_name("xl/worksheets/sheet3.xml")
'xl/worksheets/_rels/sheet3.xml.rels'
"""

from __future__ import annotations

import io
import itertools
import posixpath
import re
import struct
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO

from .xmlparse import parse_part
from .zip_fields import register_member, set_compress_level, truncate_at

CONTENT_TYPES = "[Content_Types].xml"
WORKBOOK = "xl/workbook.xml"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


@dataclass(frozen=True)
class Relationship:
    """One ``<Relationship>``: its id, type (the last path segment, e.g. ``"worksheet"``)
    and target part name (None for an external target such as a hyperlink)."""

    id: str
    type: str
    part: str | None


@dataclass(frozen=True)
class SheetEntry:
    """A ``<sheet>`` of ``xl/workbook.xml``: the name users see, its sheetId, and its part."""

    name: str
    sheet_id: int
    rel_id: str
    part: str | None


def resolve_target(source: str, target: str) -> str:
    """The zip member name a relationship ``target`` of part ``source`` points at."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def rels_name(part: str) -> str:
    """The name of ``part``'s relationships part (``_rels/<name>.rels`` beside it)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


class Package:
    """The parts of one workbook file, read lazily; changes are kept until :meth:`write`.

    Parameters
    ----------
    path : the .xlsx/.xlsm file (already checked by :func:`~.safety.check_workbook_file`).
    """

    def __init__(self, path):
        self.path = path
        self._zip = zipfile.ZipFile(path)
        self._infos = {i.filename: i for i in self._zip.infolist()}
        self._order = list(self._infos)
        self._new: dict[str, bytes] = {}
        self._stored: dict[str, bytes] = {}  # what a replaced part held (see put)
        self._removed: set[str] = set()

    # --- reading ------------------------------------------------------------------------
    def exists(self, name: str) -> bool:
        return name not in self._removed and (name in self._new or name in self._infos)

    def read(self, name: str) -> bytes:
        """The bytes of part ``name`` (as changed, if it was)."""
        if name in self._new:
            return _materialise(self._new, name)
        return self._zip.read(self._infos[name])

    def open(self, name: str) -> IO[bytes]:
        """A stream of part ``name`` (not held in memory whole, unless it was replaced)."""
        if name in self._new:
            return io.BytesIO(self.read(name))
        return self._zip.open(self._infos[name])

    def names(self) -> list[str]:
        return [n for n in self._order if n not in self._removed] + [
            n for n in self._new if n not in self._infos
        ]

    def relationships(self, part: str) -> list[Relationship]:
        """The relationships of ``part`` (empty when it has none)."""
        name = rels_name(part)
        if not self.exists(name):
            return []
        root = parse_part(self.read(name), self.path, name)
        out = []
        for rel in root.iter(f"{{{REL_NS}}}Relationship"):
            external = rel.get("TargetMode") == "External"
            target = rel.get("Target", "")
            out.append(
                Relationship(
                    rel.get("Id", ""),
                    rel.get("Type", "").rsplit("/", 1)[-1],
                    None if external else resolve_target(part, target),
                )
            )
        return out

    def related(self, part: str, kind: str) -> list[str]:
        """Parts of type ``kind`` (``"drawing"``, ``"chart"``…) that ``part`` points at."""
        return [r.part for r in self.relationships(part) if r.type == kind and r.part]

    def sheets(self) -> list[SheetEntry]:
        """The workbook's sheets in tab order, each with its worksheet part."""
        root = parse_part(self.read(WORKBOOK), self.path, WORKBOOK)
        rels = {r.id: r.part for r in self.relationships(WORKBOOK)}
        return [
            SheetEntry(
                s.get("name", ""),
                int(s.get("sheetId", "0")),
                s.get(f"{{{DOC_REL}}}id", ""),
                rels.get(s.get(f"{{{DOC_REL}}}id", "")),
            )
            for s in root.iter(f"{{{MAIN_NS}}}sheet")
        ]

    def part_of(self, kind: str) -> str | None:
        """The workbook's one part of relationship type ``kind`` (styles, sharedStrings…)."""
        found = self.related(WORKBOOK, kind)
        return found[0] if found and self.exists(found[0]) else None

    # --- changing -----------------------------------------------------------------------
    def put(
        self,
        name: str,
        data: bytes | Callable[[], Iterable[bytes]],
        stored: bytes | None = None,
    ) -> None:
        """Replace (or add) part ``name``: its bytes, or a function giving them in pieces
        (written straight into the zip at :meth:`write`, never held whole).

        ``stored``: the part's bytes as :meth:`read` gave them before any change. When the
        new content turns out to be these same bytes, :meth:`write` copies the member as
        it is stored instead of compressing it again (a regeneration of unchanged data).
        """
        original = name in self._infos and name not in self._new and name not in self._removed
        self._stored.pop(name, None)
        if stored is not None and original:
            self._stored[name] = stored
        self._new[name] = data
        self._removed.discard(name)

    def remove(self, name: str) -> None:
        self._removed.add(name)
        self._new.pop(name, None)
        self._stored.pop(name, None)

    def changed(self) -> list[str]:
        """Names of the parts replaced or removed (one put with ``stored`` bytes that it
        turns out to equal is still copied as it was by :meth:`write`)."""
        return sorted(set(self._new) | self._removed)

    def add_override(self, part: str, content_type: str) -> None:
        """Declare ``part``'s content type in ``[Content_Types].xml`` (if not yet there)."""
        types = self.read(CONTENT_TYPES)
        if f'PartName="/{part}"'.encode() in types:
            return
        entry = (
            f"<Override PartName={quoteattr('/' + part)} ContentType={quoteattr(content_type)}/>"
        )
        self.put(CONTENT_TYPES, _insert_before_close(types, b"Types", entry.encode()))

    def remove_override(self, part: str) -> None:
        types = self.read(CONTENT_TYPES)
        pattern = rb"<Override\b[^>]*PartName=\"/" + re.escape(part.encode()) + rb"\"[^>]*/>"
        new = re.sub(pattern, b"", types)
        if new != types:
            self.put(CONTENT_TYPES, new)

    def add_relationship(self, part: str, kind_uri: str, target: str) -> str:
        """Add a relationship from ``part`` (to the absolute ``target`` part); its new id."""
        name = rels_name(part)
        ids = {r.id for r in self.relationships(part)}
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        kind, where = quoteattr(kind_uri), quoteattr("/" + target)
        entry = f'<Relationship Id="rId{n}" Type={kind} Target={where}/>'.encode()
        if self.exists(name):
            data = _insert_before_close(self.read(name), b"Relationships", entry)
        else:
            data = (
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                + f'<Relationships xmlns="{REL_NS}">'.encode()
                + entry
                + b"</Relationships>"
            )
        self.put(name, data)
        return f"rId{n}"

    def remove_relationship(self, part: str, target: str) -> None:
        """Drop ``part``'s relationships that point at the ``target`` part."""
        name = rels_name(part)
        if not self.exists(name):
            return
        data = self.read(name)

        def keep(match: re.Match[bytes]) -> bytes:
            found = re.search(rb'Target="([^"]*)"', match.group(0))
            points = found and resolve_target(part, found.group(1).decode()) == target
            return b"" if points else match.group(0)

        new = re.sub(rb"<Relationship\b[^>]*?/>", keep, data)
        if new != data:
            self.put(name, new)

    def free_name(self, pattern: str) -> str:
        """The first unused part name ``pattern.format(n)`` for n = 1, 2, …"""
        taken = set(self.names())
        n = 1
        while pattern.format(n) in taken:
            n += 1
        return pattern.format(n)

    # --- writing ------------------------------------------------------------------------
    def write(self, file: IO[bytes]) -> None:
        """Write the package to ``file``: changed parts new, every other part as it was."""
        order = self.names()
        if CONTENT_TYPES in order:
            order.remove(CONTENT_TYPES)
            order.insert(0, CONTENT_TYPES)
        with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
            for name in order:
                data = self._new.get(name)
                if name in self._stored:
                    data = _unless_stored(data, self._stored[name])
                if data is not None:
                    info = self._infos.get(name) or zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
                    _write_member(out, _fresh_info(info), data, again=self._new.get(name))
                else:
                    _copy_member(self._zip, self._infos[name], out)

    def close(self) -> None:
        self._zip.close()


def _fresh_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = zipfile.ZIP_DEFLATED
    new.external_attr = info.external_attr
    return new


def _write_member(out: zipfile.ZipFile, info: zipfile.ZipInfo, data, again=None) -> None:
    """Write a new member from bytes or from a function giving its pieces.

    ZIP64 only where a size needs it, as Excel writes (version 20, no ZIP64 extra field;
    Office has refused needless ZIP64 from other writers). The size of a part given in
    pieces is known only once written: it is written without ZIP64, and in the rare case
    that it passes 4 GiB (zipfile then refuses to close it) it is written again with ZIP64
    over the same place, from ``again`` (a function giving the same pieces; default ``data``).
    """
    if isinstance(data, bytes):
        out.writestr(info, data)  # zipfile writes ZIP64 when len(data) needs it
        return
    set_compress_level(info, 1)  # a large generated sheet: fast deflate
    start = out.fp.tell()
    try:
        _stream(out, info, data, force_zip64=False)
    except RuntimeError as exc:
        if not zip64_needed(exc):
            raise
        truncate_at(out, start)
        info.header_offset = start
        _stream(out, info, again or data, force_zip64=True)


def zip64_needed(exc: BaseException) -> bool:
    """Whether zipfile refused to close a member ``exc`` because its size needs ZIP64.

    >>> zip64_needed(RuntimeError("File size unexpectedly exceeded ZIP64 limit"))
    True
    >>> zip64_needed(RuntimeError("something else"))
    False
    """
    return isinstance(exc, RuntimeError) and "zip64" in str(exc).lower()


def _stream(out: zipfile.ZipFile, info: zipfile.ZipInfo, data, force_zip64: bool) -> None:
    with out.open(info, "w", force_zip64=force_zip64) as dst:
        for chunk in data():
            dst.write(chunk)


def _unless_stored(data, stored: bytes):
    """``data`` (bytes, or a function giving pieces) as it is to be written; None when it
    gives exactly the ``stored`` bytes (the pieces are compared as they come, and written
    from the first difference on, after the stored bytes before it)."""
    if isinstance(data, bytes):
        return None if data == stored else data
    pieces = iter(data())
    position = 0
    for piece in pieces:
        if not stored.startswith(piece, position):
            rest = itertools.chain([memoryview(stored)[:position], piece], pieces)
            return lambda: rest
        position += len(piece)
    if position == len(stored):
        return None
    return lambda: [memoryview(stored)[:position]]  # the new part is shorter


def _copy_member(source: zipfile.ZipFile, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> None:
    """Copy one member as it is stored: its compressed bytes, CRC and sizes unchanged
    (nothing is decompressed or compressed again). Read in 1 MiB pieces."""
    fp = source.fp
    fp.seek(info.header_offset)
    header = fp.read(zipfile.sizeFileHeader)
    if len(header) != zipfile.sizeFileHeader or header[:4] != zipfile.stringFileHeader:
        raise zipfile.BadZipFile(f"bad local header of {info.filename}")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + zipfile.sizeFileHeader + name_length + extra_length)
    new = zipfile.ZipInfo(info.filename, info.date_time)
    for attr in ("compress_type", "CRC", "compress_size", "file_size", "external_attr"):
        setattr(new, attr, getattr(info, attr))
    new.flag_bits = info.flag_bits & ~0x08 & 0xFFFF  # sizes in the header, no data descriptor
    new.extra = b""
    zip64 = info.file_size > zipfile.ZIP64_LIMIT or info.compress_size > zipfile.ZIP64_LIMIT
    new.header_offset = out.fp.tell()
    out.fp.write(new.FileHeader(zip64))
    left = info.compress_size
    while left > 0:
        chunk = fp.read(min(left, 2**20))
        if not chunk:
            raise zipfile.BadZipFile(f"{info.filename} is truncated")
        out.fp.write(chunk)
        left -= len(chunk)
    register_member(out, new)


def _materialise(parts: dict, name: str) -> bytes:
    """A changed part's bytes (joining the pieces of one given as a function, once)."""
    data = parts[name]
    if not isinstance(data, bytes):
        data = parts[name] = b"".join(data())
    return data


def _insert_before_close(data: bytes, tag: bytes, entry: bytes) -> bytes:
    """Insert ``entry`` just before the closing tag of the root element ``tag``."""
    close = re.search(rb"</(?:\w+:)?" + tag + rb"\s*>\s*$", data)
    if close is None:  # an empty root written as <Types .../>
        empty = re.search(rb"<((?:\w+:)?" + tag + rb")\b([^>]*?)/>\s*$", data)
        if empty is None:
            raise ValueError(f"no root element {tag!r}")
        name = empty.group(1)
        return (
            data[: empty.start()]
            + b"<"
            + name
            + empty.group(2)
            + b">"
            + entry
            + b"</"
            + name
            + b">"
        )
    return data[: close.start()] + entry + data[close.start() :]


def xml_text(text: str) -> str:
    """``text`` escaped for XML character data, without the characters XML 1.0 forbids.

    >>> xml_text("a<b & \\x0b")
    'a&lt;b &amp; '
    """
    text = _FORBIDDEN.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """``text`` as a double-quoted XML attribute value.

    >>> quoteattr('a "b" & <c>')
    '"a &quot;b&quot; &amp; &lt;c&gt;"'
    """
    return '"' + xml_text(text).replace('"', "&quot;") + '"'


_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
