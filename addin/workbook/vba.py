"""Write a source-only VBA project (``vbaProject.bin``) without Excel.

A ``vbaProject.bin`` is a Compound File ([MS-CFB]) holding a VBA project as
specified in [MS-OVBA]. This module writes a source-only project, the form the
specification asks writers to produce (Excel compiles the source on open):

* ``PROJECT`` -- the project properties as text (2.3.1),
* ``PROJECTwm`` -- module names in the code page and in UTF-16 (2.3.3),
* ``VBA/_VBA_PROJECT`` -- the 7-byte header with version ``0xFFFF`` and no
  performance cache, that is no p-code (2.3.4.1, example 3.1.1),
* ``VBA/dir`` -- project information, references and module records, compressed
  (2.3.4.2),
* ``VBA/<module>`` -- one stream per module holding only its compressed source
  (``MODULEOFFSET`` = 0, 2.3.4.3).

The layout mirrors the projects that ship with xlwings 0.37.8
(``quickstart_standalone.xlsm``, ``addin/xlwings.xlam``): the same ``_VBA_PROJECT``
bytes, the same order of the project information records, the same ``PROJECT``
text, the references of ``xlwings.xlam`` (``stdole`` and ``Office``), and the
``Attribute`` header lines Excel stores at the top of each kind of module.

Output is deterministic: no random numbers, time stamps or scratch files; the
project GUID is derived from the project name.

Module source rules (see :func:`build_vba_project`): line breaks are stored as CRLF
and the source ends with one; an exported class header (``VERSION 1.0 CLASS`` ...
``END``) at the top is dropped; leading ``Attribute VB_*`` lines of the source
replace the writer's default value of the same attribute, or are appended after the
defaults; ``Attribute VB_Name`` may be given but must name the module.
"""

from __future__ import annotations

import io
import os
import re
import struct
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Union

__all__ = [
    "VbaModule",
    "build_vba_project",
    "compress",
    "decompress",
    "document_modules",
    "read_module_source",
]

# --------------------------------------------------------------------------------------
# Compression ([MS-OVBA] 2.4.1)
# --------------------------------------------------------------------------------------

_CHUNK_SIZE = 4096  # decompressed bytes per chunk, and the largest chunk body
_RAW_CHUNK_HEADER = 0x3FFF  # size field 4095 (4098 bytes), signature 0b011, flag 0
_COMPRESSED_CHUNK_FLAGS = 0xB000  # signature 0b011 and CompressedChunkFlag 1


def _bit_count(difference: int) -> int:
    """Number of offset bits of a CopyToken (2.4.1.3.19.3 CopyToken Help).

    ``difference`` is the position of the token within its decompressed chunk. The
    result is the smallest ``n`` with ``2**n >= difference``, and at least 4.
    """
    return max((difference - 1).bit_length(), 4)


def _match_length(data: bytes, source: int, pos: int, known: int, limit: int) -> int:
    """Length of the common prefix of ``data[source:]`` and ``data[pos:]``.

    The first ``known`` bytes are known to match; the result is at most ``limit``.
    Found by galloping and bisection over slice comparisons.
    """
    found, probe = known, 2 * known
    while probe <= limit and data[source : source + probe] == data[pos : pos + probe]:
        found, probe = probe, 2 * probe
    missing = min(probe, limit + 1)
    while missing - found > 1:
        middle = (found + missing) // 2
        if data[source : source + middle] == data[pos : pos + middle]:
            found = middle
        else:
            missing = middle
    return found


def _longest_match(data: bytes, chunk_start: int, pos: int, end: int) -> tuple[int, int]:
    """Find the copy source for position ``pos`` (2.4.1.3.19.4 Matching).

    Returns ``(offset, length)``, or ``(0, 0)`` when no earlier sequence of 3 or more
    bytes in the chunk matches. As in the specification, the candidate with the
    longest (unclipped) match wins and, among equally long ones, the nearest; the
    length is then clipped to the CopyToken maximum. Matches may overlap ``pos``.
    """
    limit = end - pos
    if pos == chunk_start or limit < 3:
        return 0, 0

    def nearest(length: int) -> int:
        # The largest candidate c < pos with data[c:c+length] == data[pos:pos+length].
        return data.rfind(data[pos : pos + length], chunk_start, pos - 1 + length)

    source = nearest(3)
    if source < 0:
        return 0, 0
    # `source` is the nearest candidate matching at least 3 bytes. Extend its match;
    # then the nearest candidate matching one byte more, if any, is the next source.
    length = _match_length(data, source, pos, 3, limit)
    while length < limit and (candidate := nearest(length + 1)) >= 0:
        source = candidate
        length = _match_length(data, source, pos, length + 1, limit)
    maximum = (0xFFFF >> _bit_count(pos - chunk_start)) + 3
    return pos - source, min(length, maximum)


def _compress_chunk(data: bytes, start: int, end: int) -> bytes | None:
    """Compress ``data[start:end]`` into a CompressedChunk body (2.4.1.3.7).

    Returns ``None`` when the tokens do not fit into 4096 bytes, in which case the
    chunk has to be stored raw.
    """
    body = bytearray()
    pos = start
    while pos < end:
        if len(body) >= _CHUNK_SIZE:
            return None
        flag_index = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            offset, length = _longest_match(data, start, pos, end)
            if offset:
                if len(body) + 2 > _CHUNK_SIZE:
                    return None
                shift = 16 - _bit_count(pos - start)
                body += (((offset - 1) << shift) | (length - 3)).to_bytes(2, "little")
                flags |= 1 << bit
                pos += length
            else:
                if len(body) + 1 > _CHUNK_SIZE:
                    return None
                body.append(data[pos])
                pos += 1
        body[flag_index] = flags
    return bytes(body)


def compress(data: bytes, *, strict: bool = False) -> bytes:
    """Compress ``data`` as a CompressedContainer ([MS-OVBA] 2.4.1.3.6).

    Parameters
    ----------
    data
        The bytes to compress.
    strict
        The format stores a chunk that does not compress as a raw chunk, and a raw
        chunk always holds 4096 bytes: a *final* chunk shorter than that which does
        not compress is padded with zero bytes, which then come back from
        decompression. This only happens for incompressible data (no text does).
        With ``strict=True`` such input raises :class:`ValueError` instead.

    Returns
    -------
    bytes
        The signature byte ``0x01`` followed by one chunk per 4096 input bytes.
    """
    data = bytes(data)
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK_SIZE):
        end = min(start + _CHUNK_SIZE, len(data))
        body = _compress_chunk(data, start, end)
        if body is not None:
            out += struct.pack("<H", _COMPRESSED_CHUNK_FLAGS | (len(body) - 1))
            out += body
            continue
        if strict and end - start < _CHUNK_SIZE:
            raise ValueError(
                f"the last {end - start} bytes do not compress and a raw chunk would pad "
                "them with zero bytes"
            )
        out += struct.pack("<H", _RAW_CHUNK_HEADER)
        out += data[start:end].ljust(_CHUNK_SIZE, b"\x00")
    return bytes(out)


def decompress(data: bytes) -> bytes:
    """Decompress a CompressedContainer ([MS-OVBA] 2.4.1.3.1).

    Parameters
    ----------
    data
        The compressed bytes, starting with the signature byte ``0x01``.

    Returns
    -------
    bytes
        The decompressed bytes.

    Raises
    ------
    ValueError
        For a wrong signature, a truncated chunk or a CopyToken pointing before the
        start of its chunk.
    """
    data = bytes(data)
    if not data or data[0] != 0x01:
        raise ValueError("not a compressed container: the signature byte is not 0x01")
    out = bytearray()
    pos = 1
    while pos < len(data):
        if pos + 2 > len(data):
            raise ValueError(f"truncated chunk header at byte {pos}")
        (header,) = struct.unpack_from("<H", data, pos)
        if (header >> 12) & 0b111 != 0b011:
            raise ValueError(f"bad chunk signature at byte {pos}")
        chunk_end = pos + (header & 0x0FFF) + 3
        if chunk_end > len(data):
            raise ValueError(f"chunk at byte {pos} runs past the end of the data")
        pos += 2
        chunk_start = len(out)
        if not header & 0x8000:
            if chunk_end - pos != _CHUNK_SIZE:
                raise ValueError(f"raw chunk at byte {pos - 2} does not hold 4096 bytes")
            out += data[pos:chunk_end]
            pos = chunk_end
            continue
        while pos < chunk_end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not (flags >> bit) & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                if pos + 2 > chunk_end:
                    raise ValueError(f"truncated CopyToken at byte {pos}")
                (token,) = struct.unpack_from("<H", data, pos)
                pos += 2
                bits = _bit_count(len(out) - chunk_start)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                source = len(out) - offset
                if source < chunk_start:
                    raise ValueError(f"CopyToken at byte {pos - 2} points before its chunk")
                if offset >= length:
                    out += out[source : source + length]
                else:  # the copy overlaps its own output: repeat the period
                    out += (out[source:] * (length // offset + 1))[:length]
    return bytes(out)


# --------------------------------------------------------------------------------------
# Compound File writer and reader ([MS-CFB], version 3)
# --------------------------------------------------------------------------------------

_CFB_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_SECTOR = 512
_MINI_SECTOR = 64
_MINI_STREAM_CUTOFF = 4096
_FAT_ENTRIES_PER_SECTOR = _SECTOR // 4
_HEADER_DIFAT_ENTRIES = 109
_FREESECT = 0xFFFFFFFF
_ENDOFCHAIN = 0xFFFFFFFE
_FATSECT = 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF
_DIRENTRY = struct.Struct("<64sHBBIII16sIQQIQ")
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1

#: A storage's content: stream name -> bytes, or storage name -> nested content.
_Tree = Mapping[str, Union[bytes, "_Tree"]]


def _cfb_order(name: str) -> tuple[int, str]:
    """Sort key of sibling directory entries: shorter names first, then by upper case."""
    return len(name.encode("utf-16-le")) // 2, name.upper()


@dataclass
class _Entry:
    """One directory entry while the compound file is being laid out."""

    name: str
    kind: int
    data: bytes = b""
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    color: int = _BLACK
    start: int = _ENDOFCHAIN
    size: int = 0

    def pack(self) -> bytes:
        name = self.name.encode("utf-16-le") + b"\x00\x00"
        return _DIRENTRY.pack(
            name, len(name), self.kind, self.color, self.left, self.right, self.child,
            bytes(16), 0, 0, 0, self.start, self.size,
        )  # fmt: skip


_EMPTY_DIRENTRY = _DIRENTRY.pack(
    b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM, bytes(16), 0, 0, 0, 0, 0
)


def _link_siblings(entries: list[_Entry], ids: list[int]) -> int:
    """Link sorted sibling ``ids`` into a balanced red-black tree; return its root.

    The tree takes the middle entry as root, recursively. All its empty child slots
    lie on the deepest two levels, so colouring the nodes of the deepest level red
    (unless that level is full) gives every root-to-leaf path the same number of
    black nodes, as [MS-CFB] 2.6.4 asks.
    """
    if not ids:
        return _NOSTREAM
    deepest = len(ids).bit_length() - 1
    full = (len(ids) + 1) & len(ids) == 0

    def link(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return _NOSTREAM
        middle = (lo + hi) // 2
        entry = entries[ids[middle]]
        entry.left = link(lo, middle, depth + 1)
        entry.right = link(middle + 1, hi, depth + 1)
        entry.color = _RED if depth == deepest and not full else _BLACK
        return ids[middle]

    return link(0, len(ids), 0)


def _add_storage(entries: list[_Entry], storage: _Entry, tree: _Tree) -> None:
    """Append the entries of ``tree`` below ``storage`` and link them."""
    ids = []
    for name in sorted(tree, key=_cfb_order):
        content = tree[name]
        if isinstance(content, bytes):
            entries.append(_Entry(name, _STREAM, content))
        else:
            entries.append(_Entry(name, _STORAGE))
        ids.append(len(entries) - 1)
    storage.child = _link_siblings(entries, ids)
    for entry_id in ids:
        content = tree[entries[entry_id].name]
        if not isinstance(content, bytes):
            _add_storage(entries, entries[entry_id], content)


def _write_compound_file(tree: _Tree) -> bytes:
    """Write a version 3 compound file (512-byte sectors) holding ``tree``.

    Streams shorter than 4096 bytes go into the mini stream (64-byte sectors), the
    others into sectors of their own. Sectors are laid out as: large streams, the
    mini stream, the mini FAT, the directory, the FAT. No time stamps, no CLSIDs.
    """
    root = _Entry("Root Entry", _ROOT)
    entries = [root]
    _add_storage(entries, root, tree)

    fat: list[int] = []
    body = bytearray()

    def place(payload: bytes) -> int:
        if not payload:
            return _ENDOFCHAIN
        start = len(fat)
        count = -(-len(payload) // _SECTOR)
        fat.extend(range(start + 1, start + count))
        fat.append(_ENDOFCHAIN)
        body.extend(payload.ljust(count * _SECTOR, b"\x00"))
        return start

    mini_stream = bytearray()
    mini_fat: list[int] = []
    for entry in entries:
        if entry.kind != _STREAM:
            continue
        entry.size = len(entry.data)
        if entry.size >= _MINI_STREAM_CUTOFF:
            entry.start = place(entry.data)
        elif entry.size:
            entry.start = len(mini_fat)
            count = -(-entry.size // _MINI_SECTOR)
            mini_fat.extend(range(entry.start + 1, entry.start + count))
            mini_fat.append(_ENDOFCHAIN)
            mini_stream += entry.data.ljust(count * _MINI_SECTOR, b"\x00")
    root.start, root.size = place(bytes(mini_stream)), len(mini_stream)
    mini_fat += [_FREESECT] * (-len(mini_fat) % _FAT_ENTRIES_PER_SECTOR)
    mini_fat_start = place(struct.pack(f"<{len(mini_fat)}I", *mini_fat))

    directory = b"".join(entry.pack() for entry in entries)
    directory += _EMPTY_DIRENTRY * (-len(entries) % (_SECTOR // _DIRENTRY.size))
    directory_start = place(directory)

    fat_sectors = 1
    while fat_sectors * _FAT_ENTRIES_PER_SECTOR < len(fat) + fat_sectors:
        fat_sectors += 1
    if fat_sectors > _HEADER_DIFAT_ENTRIES:
        raise ValueError("VBA project too large for a compound file without DIFAT sectors")
    first_fat_sector = len(fat)
    fat += [_FATSECT] * fat_sectors
    fat += [_FREESECT] * (fat_sectors * _FAT_ENTRIES_PER_SECTOR - len(fat))
    body += struct.pack(f"<{len(fat)}I", *fat)

    difat = list(range(first_fat_sector, first_fat_sector + fat_sectors))
    difat += [_FREESECT] * (_HEADER_DIFAT_ENTRIES - len(difat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        _CFB_SIGNATURE, bytes(16), 0x003E, 0x0003, 0xFFFE, 9, 6, bytes(6),
        0, fat_sectors, directory_start, 0, _MINI_STREAM_CUTOFF,
        mini_fat_start, len(mini_fat) // _FAT_ENTRIES_PER_SECTOR, _ENDOFCHAIN, 0,
        *difat,
    )  # fmt: skip
    return header + bytes(body)


def _read_compound_file(data: bytes) -> dict[str, bytes]:
    """Read every stream of a compound file (version 3 or 4).

    Returns a mapping from the case-folded stream path (``"vba/dir"``) to its bytes.
    """
    if data[:8] != _CFB_SIGNATURE:
        raise ValueError("not a compound file (wrong signature)")
    sector_shift, mini_shift = struct.unpack_from("<HH", data, 30)
    sector_size, mini_size = 1 << sector_shift, 1 << mini_shift
    fat_count, directory_start = struct.unpack_from("<II", data, 44)
    cutoff, mini_fat_start, _, difat_start, difat_count = struct.unpack_from("<5I", data, 56)
    per_sector = sector_size // 4

    def sector(number: int) -> bytes:
        offset = (number + 1) * sector_size
        if number >= _FATSECT or offset + sector_size > len(data):
            raise ValueError(f"sector {number} lies outside the file")
        return data[offset : offset + sector_size]

    fat_ids = list(struct.unpack_from(f"<{_HEADER_DIFAT_ENTRIES}I", data, 76))
    next_difat = difat_start
    for _ in range(difat_count):
        ids = struct.unpack(f"<{per_sector}I", sector(next_difat))
        fat_ids += ids[:-1]
        next_difat = ids[-1]
    fat = [
        entry
        for number in fat_ids[:fat_count]
        for entry in struct.unpack(f"<{per_sector}I", sector(number))
    ]

    def chain(start: int, table: list[int]) -> list[int]:
        numbers: list[int] = []
        while start != _ENDOFCHAIN:
            if start >= len(table) or len(numbers) > len(table):
                raise ValueError("broken sector chain")
            numbers.append(start)
            start = table[start]
        return numbers

    def read(start: int) -> bytes:
        return b"".join(sector(number) for number in chain(start, fat))

    directory = read(directory_start)
    entries = [
        _DIRENTRY.unpack_from(directory, offset)
        for offset in range(0, len(directory) - _DIRENTRY.size + 1, _DIRENTRY.size)
    ]
    mini_stream = read(entries[0][11]) if entries[0][12] else b""
    mini_fat_bytes = read(mini_fat_start) if mini_fat_start != _ENDOFCHAIN else b""
    mini_fat = list(struct.unpack(f"<{len(mini_fat_bytes) // 4}I", mini_fat_bytes))

    def stream(start: int, size: int) -> bytes:
        if size >= cutoff:
            return read(start)[:size]
        parts = (
            mini_stream[number * mini_size : (number + 1) * mini_size]
            for number in chain(start, mini_fat)
        )
        return b"".join(parts)[:size]

    streams: dict[str, bytes] = {}
    seen: set[int] = set()

    def visit(entry_id: int, prefix: str) -> None:
        if entry_id == _NOSTREAM:
            return
        if entry_id in seen or entry_id >= len(entries):
            raise ValueError("broken directory tree")
        seen.add(entry_id)
        raw_name, name_length, kind, _, left, right, child, *_, start, size = entries[entry_id]
        name = raw_name[: max(name_length - 2, 0)].decode("utf-16-le")
        visit(left, prefix)
        visit(right, prefix)
        if kind == _STORAGE:
            visit(child, f"{prefix}{name}/")
        elif kind == _STREAM:
            streams[f"{prefix}{name}".casefold()] = stream(start, size & 0xFFFFFFFF)

    visit(entries[0][6], "")
    return streams


# --------------------------------------------------------------------------------------
# The VBA project ([MS-OVBA] 2.3)
# --------------------------------------------------------------------------------------

_KINDS = ("document", "standard", "class")
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")
_RESERVED_STREAM_NAMES = ("dir", "_vba_project")
_ATTRIBUTE_LINE = re.compile(r"Attribute\s+(VB_\w+)\s*=\s*(.*?)\s*", re.IGNORECASE)

#: Windows ANSI code pages a VBA project can use, and Python's codec for each.
CODE_PAGES: dict[int, str] = {
    874: "cp874", 932: "cp932", 936: "gbk", 949: "cp949", 950: "cp950",
    1250: "cp1250", 1251: "cp1251", 1252: "cp1252", 1253: "cp1253", 1254: "cp1254",
    1255: "cp1255", 1256: "cp1256", 1257: "cp1257", 1258: "cp1258",
}  # fmt: skip

_WORKBOOK_BASE = '"0{00020819-0000-0000-C000-000000000046}"'
_WORKSHEET_BASE = '"0{00020820-0000-0000-C000-000000000046}"'
_CLASS_BASE = '"0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"'

#: REFERENCEREGISTERED records as Excel writes them for a new workbook (name, LibId).
_REFERENCES = (
    (
        "stdole",
        r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb"
        r"#OLE Automation",
    ),
    (
        "Office",
        r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\Program Files\Common Files"
        r"\Microsoft Shared\OFFICE16\MSO.DLL#Microsoft Office 16.0 Object Library",
    ),
)
_SYSKIND_WIN32 = 1
_LCID_EN_US = 0x0409
_PROJECT_VERSION = (1, 0)  # VersionMajor, VersionMinor of PROJECTVERSION
_VBA_PROJECT_STREAM = bytes.fromhex("CC61FFFF000100")  # [MS-OVBA] 3.1.1, no p-code
_ENCRYPTION_SEED = 0x8D  # any byte; fixed so the output is reproducible
_PROJECT_ID_NAMESPACE = uuid.UUID("5b0f6f3e-6a3c-4f53-9d0e-2f7a3c1d8e41")


@dataclass(frozen=True)
class VbaModule:
    """One module of a VBA project.

    Attributes
    ----------
    name
        The module name: a VBA identifier of at most 31 ASCII letters, digits and
        underscores, starting with a letter (``"ThisWorkbook"``, ``"Sheet1"``,
        ``"xlwings"``). For a document module it is the code name of the workbook or
        sheet.
    code
        The source without the ``Attribute VB_Name`` header (the writer adds the
        ``Attribute`` lines Excel stores for the module's kind). An exported file's
        header may be left in: see :func:`build_vba_project`.
    kind
        ``"document"`` (the workbook or a sheet), ``"standard"`` (a ``.bas`` module)
        or ``"class"`` (a ``.cls`` module).
    """

    name: str
    code: str
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"module {self.name!r}: kind must be one of {_KINDS}")
        if not _IDENTIFIER.fullmatch(self.name):
            raise ValueError(
                f"module name {self.name!r} is not a VBA identifier of at most 31 ASCII "
                "letters, digits and underscores starting with a letter"
            )
        if self.name.casefold() in _RESERVED_STREAM_NAMES:
            raise ValueError(f"module name {self.name!r} is reserved for the VBA storage")


def document_modules(codenames: Sequence[str]) -> list[VbaModule]:
    """Empty document modules for a workbook and its worksheets.

    Parameters
    ----------
    codenames
        The workbook's code name first (normally ``"ThisWorkbook"``), then the code
        names of the worksheets (``"Sheet1"``, ...), as set on the workbook (for
        XlsxWriter: ``set_vba_name``).

    Returns
    -------
    list of VbaModule
        One ``"document"`` module per code name. Each source holds only the
        ``Attribute VB_Base`` line naming the workbook or worksheet class, so the
        writer adds the standard header Excel stores (``VB_GlobalNameSpace``,
        ``VB_Creatable``, ``VB_PredeclaredId``, ``VB_Exposed``,
        ``VB_TemplateDerived``, ``VB_Customizable``) whatever the code names are.
    """
    if not codenames:
        raise ValueError("the workbook's code name is needed")
    return [
        VbaModule(
            name,
            f"Attribute VB_Base = {_WORKBOOK_BASE if i == 0 else _WORKSHEET_BASE}\r\n",
            "document",
        )
        for i, name in enumerate(codenames)
    ]


def _default_attributes(module: VbaModule) -> list[tuple[str, str]]:
    """The ``Attribute`` lines Excel stores at the top of a module of this kind."""
    attributes = [("VB_Name", f'"{module.name}"')]
    if module.kind == "standard":
        return attributes
    if module.kind == "document":
        base = _WORKBOOK_BASE if module.name == "ThisWorkbook" else _WORKSHEET_BASE
        flags = "True"
    else:
        base, flags = _CLASS_BASE, "False"
    return attributes + [
        ("VB_Base", base),
        ("VB_GlobalNameSpace", "False"),
        ("VB_Creatable", "False"),
        ("VB_PredeclaredId", flags),
        ("VB_Exposed", flags),
        ("VB_TemplateDerived", "False"),
        ("VB_Customizable", flags),
    ]


def _module_text(module: VbaModule, codec: str, codepage: int) -> bytes:
    """The module's source as stored: ``Attribute`` header, CRLF line breaks, encoded."""
    lines = module.code.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        try:
            line.encode(codec)
        except UnicodeEncodeError as error:
            raise ValueError(
                f"module {module.name!r}, line {number}: {line[error.start]!r} cannot be "
                f"written in code page {codepage}; use ChrW() for such characters or "
                "choose another code page"
            ) from None

    first = 0
    if lines and lines[0].strip().upper() == "VERSION 1.0 CLASS":
        ends = [i for i, line in enumerate(lines) if line.strip().upper() == "END"]
        if not ends:
            raise ValueError(f"module {module.name!r}: class header without END")
        first = ends[0] + 1

    attributes = {key.upper(): (key, value) for key, value in _default_attributes(module)}
    while first < len(lines) and (match := _ATTRIBUTE_LINE.fullmatch(lines[first])):
        key, value = match.groups()
        if key.upper() == "VB_NAME":
            if value != f'"{module.name}"':
                raise ValueError(
                    f"module {module.name!r}: the source names itself {value} in line {first + 1}"
                )
        else:
            attributes[key.upper()] = (attributes.get(key.upper(), (key,))[0], value)
        first += 1

    header = [f"Attribute {key} = {value}" for key, value in attributes.values()]
    return "".join(line + "\r\n" for line in header + lines[first:]).encode(codec)


def _record(record_id: int, payload: bytes) -> bytes:
    """One dir stream record: Id (2 bytes), Size (4 bytes), then the payload."""
    return struct.pack("<HI", record_id, len(payload)) + payload


def _dir_stream(
    modules: Sequence[VbaModule], project_name: str, codec: str, codepage: int
) -> bytes:
    """The decompressed ``dir`` stream ([MS-OVBA] 2.3.4.2), in Excel's record order."""
    u32, u16 = struct.Struct("<I").pack, struct.Struct("<H").pack
    out = [
        _record(0x0001, u32(_SYSKIND_WIN32)),  # PROJECTSYSKIND
        _record(0x0002, u32(_LCID_EN_US)),  # PROJECTLCID
        _record(0x0014, u32(_LCID_EN_US)),  # PROJECTLCIDINVOKE
        _record(0x0003, u16(codepage)),  # PROJECTCODEPAGE
        _record(0x0004, project_name.encode(codec)),  # PROJECTNAME
        _record(0x0005, b"") + _record(0x0040, b""),  # PROJECTDOCSTRING (+ Unicode)
        _record(0x0006, b"") + _record(0x003D, b""),  # PROJECTHELPFILEPATH 1 and 2
        _record(0x0007, u32(0)),  # PROJECTHELPCONTEXT
        _record(0x0008, u32(0)),  # PROJECTLIBFLAGS
        struct.pack("<HIIH", 0x0009, 4, *_PROJECT_VERSION),  # PROJECTVERSION
        _record(0x000C, b"") + _record(0x003C, b""),  # PROJECTCONSTANTS (+ Unicode)
    ]
    for name, libid in _REFERENCES:
        out.append(_record(0x0016, name.encode(codec)))  # REFERENCENAME
        out.append(_record(0x003E, name.encode("utf-16-le")))
        registered = u32(len(libid)) + libid.encode(codec) + u32(0) + u16(0)
        out.append(_record(0x000D, registered))  # REFERENCEREGISTERED
    out.append(_record(0x000F, u16(len(modules))))  # PROJECTMODULES
    out.append(_record(0x0013, u16(0xFFFF)))  # PROJECTCOOKIE
    for module in modules:
        name, name_unicode = module.name.encode(codec), module.name.encode("utf-16-le")
        out += [
            _record(0x0019, name) + _record(0x0047, name_unicode),  # MODULENAME
            _record(0x001A, name) + _record(0x0032, name_unicode),  # MODULESTREAMNAME
            _record(0x001C, b"") + _record(0x0048, b""),  # MODULEDOCSTRING
            _record(0x0031, u32(0)),  # MODULEOFFSET: the stream holds only source
            _record(0x001E, u32(0)),  # MODULEHELPCONTEXT
            _record(0x002C, u16(0xFFFF)),  # MODULECOOKIE
            _record(0x0021 if module.kind == "standard" else 0x0022, b""),  # MODULETYPE
            _record(0x002B, b""),  # Terminator
        ]
    out.append(struct.pack("<HI", 0x0010, 0))  # Terminator of the dir stream
    return b"".join(out)


def _encrypt(data: bytes, project_id: str) -> str:
    """Obfuscate ``data`` as in [MS-OVBA] 2.4.3.2 and return it as hex text."""
    seed, version = _ENCRYPTION_SEED, 2
    project_key = sum(project_id.encode("ascii")) & 0xFF
    out = bytearray([seed, seed ^ version, seed ^ project_key])
    unencrypted_1, encrypted_1, encrypted_2 = project_key, out[2], out[1]
    ignored = bytes((seed & 6) // 2)
    for byte in ignored + struct.pack("<I", len(data)) + data:
        encrypted = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(encrypted)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, encrypted, byte
    return out.hex().upper()


def _project_stream(modules: Sequence[VbaModule], project_name: str) -> str:
    """The ``PROJECT`` stream text ([MS-OVBA] 2.3.1), unprotected and visible."""
    project_id = "{" + str(uuid.uuid5(_PROJECT_ID_NAMESPACE, project_name)).upper() + "}"
    lines = [f'ID="{project_id}"']
    for module in modules:
        if module.kind == "document":
            lines.append(f"Document={module.name}/&H00000000")
        elif module.kind == "standard":
            lines.append(f"Module={module.name}")
        else:
            lines.append(f"Class={module.name}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{_encrypt(bytes(4), project_id)}"',  # protection state: none
        f'DPB="{_encrypt(bytes(1), project_id)}"',  # password: none
        f'GC="{_encrypt(bytes([0xFF]), project_id)}"',  # visibility: visible
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
        "[Workspace]",
    ]
    lines += [f"{module.name}=0, 0, 0, 0, C" for module in modules]
    return "".join(line + "\r\n" for line in lines) + "\r\n"


def build_vba_project(
    modules: Sequence[VbaModule], project_name: str = "VBAProject", *, codepage: int = 1252
) -> bytes:
    """Return the bytes of a source-only ``vbaProject.bin``.

    Parameters
    ----------
    modules
        The modules, in the order Excel lists them (document modules first, as
        Excel does). Names must differ ignoring case.
    project_name
        The VBA project name (a VBA identifier).
    codepage
        The project's code page (a key of :data:`CODE_PAGES`). Module sources and
        names are stored in it; VBA has no Unicode source. The default, 1252, holds
        ASCII and Western European text; 936 holds Chinese but the VBA editor shows
        it only on a Windows whose ANSI code page is 936.

    Returns
    -------
    bytes
        The compound file. The same input always gives the same bytes.

    Raises
    ------
    ValueError
        For an unknown code page, an invalid or duplicate name, text the code page
        cannot hold (the message names the module and line), an ``Attribute
        VB_Name`` naming another module, or (practically never for text) a module
        whose end does not compress.

    Notes
    -----
    Each module's stored source is: the ``Attribute`` lines Excel stores for the
    module's kind, then ``code`` with every line break (CRLF, CR or LF) written as
    CRLF and a final CRLF added if missing. Before that, a leading exported class
    header (``VERSION 1.0 CLASS``, ``BEGIN`` ... ``END``) is dropped, and the
    leading ``Attribute VB_...`` lines of ``code`` are merged into the header: one
    naming an attribute of the default header replaces its value in place (for
    example ``VB_Exposed = True``), others are appended in their order (for example
    ``VB_Description``), and ``VB_Name`` is checked against the module name.
    """
    if codepage not in CODE_PAGES:
        raise ValueError(f"code page {codepage} is not one of {sorted(CODE_PAGES)}")
    codec = CODE_PAGES[codepage]
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,127}", project_name):
        raise ValueError(f"project name {project_name!r} is not a VBA identifier")
    folded = [module.name.casefold() for module in modules]
    duplicates = sorted({name for name in folded if folded.count(name) > 1})
    if duplicates:
        raise ValueError(f"module names used twice (ignoring case): {duplicates}")

    vba: dict[str, bytes] = {
        "_VBA_PROJECT": _VBA_PROJECT_STREAM,
        "dir": compress(_dir_stream(modules, project_name, codec, codepage)),
    }
    for module in modules:
        try:
            vba[module.name] = compress(_module_text(module, codec, codepage), strict=True)
        except ValueError as error:
            raise ValueError(f"module {module.name!r}: {error}") from None
    names = b"".join(
        module.name.encode(codec) + b"\x00" + module.name.encode("utf-16-le") + b"\x00\x00"
        for module in modules
    )
    return _write_compound_file(
        {
            "PROJECT": _project_stream(modules, project_name).encode(codec),
            "PROJECTwm": names + b"\x00\x00",
            "VBA": vba,
        }
    )


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------

_MAX_VBA_PART = 64 * 1024 * 1024  # largest vbaProject.bin read out of a workbook


def _vba_project_bytes(data: bytes) -> bytes:
    """The ``vbaProject.bin`` itself, out of a workbook (zip) if ``data`` is one."""
    if data[:4] != b"PK\x03\x04":
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [info for info in archive.infolist() if info.filename.endswith("vbaProject.bin")]
        if not parts:
            raise ValueError("the workbook has no VBA project")
        if parts[0].file_size > _MAX_VBA_PART:
            raise ValueError("the workbook's VBA project is implausibly large")
        return archive.read(parts[0])


def read_module_source(path_or_bytes: bytes | str | os.PathLike[str]) -> dict[str, str]:
    """Read every module's source out of a VBA project.

    Parameters
    ----------
    path_or_bytes
        A ``vbaProject.bin`` or a macro workbook (``.xlsm``, ``.xlam``), as bytes or
        as a path.

    Returns
    -------
    dict of str to str
        Module name -> source as stored, decoded with the project's code page: the
        ``Attribute`` header lines included, line breaks as stored (CRLF). Modules
        whose stream also holds p-code (written by Excel) are read from their source
        offset.
    """
    if isinstance(path_or_bytes, (bytes, bytearray)):
        data = bytes(path_or_bytes)
    else:
        data = Path(path_or_bytes).read_bytes()
    streams = _read_compound_file(_vba_project_bytes(data))
    if "vba/dir" not in streams:
        raise ValueError("no VBA/dir stream: not a VBA project")
    records = decompress(streams["vba/dir"])

    codec = "cp1252"
    modules: list[dict[int, bytes]] = []
    pos = 0
    while pos + 6 <= len(records):
        record_id, size = struct.unpack_from("<HI", records, pos)
        if record_id == 0x0009:  # PROJECTVERSION: Size is 4 but 6 bytes follow
            size = 6
        payload = records[pos + 6 : pos + 6 + size]
        pos += 6 + size
        if record_id == 0x0003:
            (codepage,) = struct.unpack("<H", payload)
            codec = CODE_PAGES.get(codepage, f"cp{codepage}")
        elif record_id == 0x0019:
            modules.append({})
        if modules:
            modules[-1].setdefault(record_id, payload)

    sources = {}
    for module in modules:
        name = (
            module[0x0047].decode("utf-16-le") if 0x0047 in module else module[0x0019].decode(codec)
        )
        stream_name = module.get(0x0032, b"").decode("utf-16-le") or module[0x001A].decode(codec)
        (offset,) = struct.unpack("<I", module[0x0031])
        code = streams[f"vba/{stream_name}".casefold()][offset:]
        sources[name] = decompress(code).decode(codec)
    return sources
