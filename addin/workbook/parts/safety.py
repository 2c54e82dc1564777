"""Refuse files that are not workbooks we can read safely, before any XML is parsed.

An .xlsx/.xlsm is a zip of XML parts. Checked here, within seconds and bounded memory:
the file's signature (a text file renamed .xlsx, an old .xls, an encrypted workbook —
both OLE compound files —), the zip directory (the parts a workbook needs, a declared
uncompressed size and compression ratio that a zip bomb would exceed), and the size of
the sheets: the XML parts are unzipped once to count their tags, so a workbook whose full
load would take gigabytes of memory is refused up front, and so is a DTD in any part
(where entities are declared). A part is streamed in 1 MB chunks, never held whole, unless
the caller asks to keep it (a worksheet the engine reads next): then it is counted whole
and handed over, up to :data:`MAX_KEPT_BYTES` in all, so it is not unzipped twice. The
parts the tool then parses are read with entities unresolved and DTDs refused again
(:mod:`.xmlparse`, :mod:`.sheet_scan`).
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from ...errors import FileRejected

MAX_FILE_BYTES = 200 * 2**20
MAX_UNCOMPRESSED_BYTES = 1 * 2**30
MAX_PART_BYTES = 400 * 2**20
MAX_RATIO = 200
#: XML tags ("<", opening and closing) in all parts together: about five per cell, so
#: roughly 5 million cells, 2.5 times a regenerated 2,850 × 40 workbook. openpyxl's full
#: load takes about 0.5 kB per cell, so memory stays within about 2.5 GB.
MAX_XML_TAGS = 25_000_000
#: Rows in one sheet: a regenerated 2,850 × 40 workbook has 114,000 on its Index sheet.
MAX_SHEET_ROWS = 600_000
#: Unzipped bytes of the parts :func:`check_workbook_file` hands over (``keep``), in all.
MAX_KEPT_BYTES = 128 * 2**20
#: Bytes unzipped at a time from a part that is streamed.
CHUNK_BYTES = 2**20
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DTD_MARKERS = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))


def check_workbook_file(
    path: str | os.PathLike, keep: Callable[[str], bool] | None = None
) -> dict[str, bytes]:
    """Raise :class:`FileRejected` with a clear message unless ``path`` looks like a safe
    .xlsx/.xlsm.

    Returns the unzipped bytes of the XML parts whose names ``keep`` accepts (checked like
    every other part; up to :data:`MAX_KEPT_BYTES` in all, the rest are not kept)."""
    path = Path(path)
    _check_file(path)
    infos = _zip_entries(path)
    _check_parts(path.name, infos)
    return _check_xml(path, infos, keep or (lambda name: False))


def _check_file(path: Path) -> None:
    """The file exists, can be read, has a sensible size and is a zip package."""
    name = path.name or str(path)  # "." has no name
    if not path.exists():
        raise FileRejected(f"{name}: no such file")
    if path.is_dir():
        raise FileRejected(f"{name}: is a folder, not a workbook")
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise FileRejected(
            f"{name}: cannot be opened ({exc.strerror or exc}); is it locked by another program?"
        ) from None
    if size == 0:
        raise FileRejected(f"{name}: the file is empty (0 bytes), not a workbook")
    if size > MAX_FILE_BYTES:
        raise FileRejected(
            f"{name}: {size / 2**20:.0f} MB is larger than the {MAX_FILE_BYTES // 2**20} MB this "
            "tool reads"
        )
    if head == OLE_SIGNATURE:
        raise FileRejected(_ole_message(path))
    if not head.startswith(b"PK"):
        raise FileRejected(
            f"{name}: not an Excel workbook (.xlsx/.xlsm); it looks like "
            f"{'a text file' if _looks_text(head) else 'some other kind of file'}"
        )


def _zip_entries(path: Path) -> list[zipfile.ZipInfo]:
    """The package's entries; it must hold a workbook."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRejected(f"{name}: damaged or incomplete workbook ({exc})") from None
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise FileRejected(f"{name}: a zip file but not an Excel workbook (no xl/workbook.xml)")
    return infos


def _check_parts(name: str, infos: list[zipfile.ZipInfo]) -> None:
    """No part, and not all of them together, unpacks to too much (zip bombs)."""
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_PART_BYTES:
            raise FileRejected(
                f"{name}: part {info.filename} would unpack to {info.file_size / 2**20:.0f} MB "
                f"(limit {MAX_PART_BYTES // 2**20} MB); the file is refused"
            )
        if (
            info.compress_size
            and info.file_size / info.compress_size > MAX_RATIO
            and info.file_size > 2**20
        ):
            raise FileRejected(
                f"{name}: part {info.filename} is compressed "
                f"{info.file_size // info.compress_size}:1, "
                "which only a zip bomb does; the file is refused"
            )
    if total > MAX_UNCOMPRESSED_BYTES:
        raise FileRejected(f"{name}: would unpack to {total / 2**30:.1f} GB; the file is refused")


def _check_xml(
    path: Path, infos: list[zipfile.ZipInfo], keep: Callable[[str], bool]
) -> dict[str, bytes]:
    """No DTD, not too many rows in a sheet nor tags in all (counted without parsing); the
    parts kept."""
    name = path.name
    kept: dict[str, bytes] = {}
    tags, rows, part = _count_xml(
        path, [i for i in infos if i.filename.lower().endswith((".xml", ".rels"))], keep, kept
    )
    if rows > MAX_SHEET_ROWS:
        raise FileRejected(
            f"{name}: part {part} holds more than {MAX_SHEET_ROWS:,} rows, more than this tool "
            "reads; "
            "delete the unused rows (Ctrl+Shift+End shows the last used cell)"
        )
    if tags > MAX_XML_TAGS:
        raise FileRejected(
            f"{name}: too large to read safely: its sheets hold more than "
            f"{MAX_XML_TAGS / 1e6:.0f} million "
            f"XML tags (roughly {MAX_XML_TAGS // 5_000_000} million cells); delete unused rows "
            "or sheets"
        )
    return kept


def _count_xml(
    path: Path, infos: list[zipfile.ZipInfo], keep: Callable[[str], bool], kept: dict[str, bytes]
) -> tuple[int, int, str]:
    """(tags in all ``infos``, most rows in one part, that part), streamed in 1 MB chunks;
    the parts ``keep`` accepts are read whole into ``kept`` (within :data:`MAX_KEPT_BYTES`).

    Stops as soon as a limit is passed. A document type declaration (``<!DOCTYPE``, where
    entities are declared) is refused outright: Open Packaging forbids DTDs in a
    workbook's XML and Excel never writes one, so this holds whichever XML parser reads
    the part afterwards. Reading also checks each part's CRC and that it unpacks to no more than its
    declared size (zipfile enforces both), so a part that lies about its size is refused.
    """
    tags, most_rows, where = 0, 0, ""
    room = MAX_KEPT_BYTES
    try:
        with zipfile.ZipFile(path) as zf:
            for info in infos:
                counted = None
                if info.file_size <= room and keep(info.filename):
                    data = zf.read(info)
                    counted = _count_whole(path, info, data, tags)
                    if counted is not None:
                        kept[info.filename] = data
                        room -= len(data)
                if counted is None:  # streamed; or kept, but a limit is passed within it
                    counted = _count_streamed(path, info, zf, tags)
                tags, rows = counted
                if tags > MAX_XML_TAGS or rows > MAX_SHEET_ROWS:
                    return tags, rows, info.filename
                if rows > most_rows:
                    most_rows, where = rows, info.filename
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        ValueError,
        RuntimeError,
        NotImplementedError,
    ) as exc:
        raise FileRejected(
            f"{path.name}: damaged or incomplete workbook ({_one_line(exc)})"
        ) from None
    return tags, most_rows, where


def _dtd_refused(path: Path, info: zipfile.ZipInfo) -> FileRejected:
    return FileRejected(
        f"{path.name}: refused: part {info.filename} declares a DTD or entities, "
        "as a 'billion laughs' or external-entity attack does (Excel never writes these); "
        "the file is not read"
    )


def _count_whole(path: Path, info, data: bytes, tags: int) -> tuple[int, int] | None:
    """(tags so far, rows) after part ``data`` held whole; None when a limit is passed in
    it (then :func:`_count_streamed` finds where, as it always has)."""
    tags += data.count(b"<")
    rows = data.count(b"<row") + data.count(b":row")
    if tags > MAX_XML_TAGS or rows > MAX_SHEET_ROWS:
        return None
    if any(marker in data for marker in _DTD_MARKERS):
        raise _dtd_refused(path, info)
    return tags, rows


def _count_streamed(path: Path, info, zf: zipfile.ZipFile, tags: int) -> tuple[int, int]:
    """(tags so far, rows) after streaming part ``info`` in 1 MB chunks; stops at the chunk
    where a limit is passed."""
    rows, carry = 0, b""
    with zf.open(info) as part:
        while chunk := part.read(CHUNK_BYTES):
            tags += chunk.count(b"<")
            # a marker split across two chunks is still seen, and counted once
            joined = carry[-3:] + chunk
            rows += joined.count(b"<row") + joined.count(b":row")
            buf = carry + chunk
            if any(marker in buf for marker in _DTD_MARKERS):
                raise _dtd_refused(path, info)
            carry = buf[-19:]
            if tags > MAX_XML_TAGS or rows > MAX_SHEET_ROWS:
                break
    return tags, rows


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _looks_text(head: bytes) -> bool:
    return all(b in b"\t\r\n" or 32 <= b < 127 or b >= 128 for b in head)


def _ole_message(path: Path) -> str:
    """An OLE compound file is either an encrypted OOXML workbook or an old binary .xls."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            encrypted = ole.exists("EncryptedPackage")
    except Exception:  # noqa: BLE001 - any failure to parse means "not readable"
        encrypted = False
    if encrypted:
        return (
            f"{path.name}: the workbook is password-protected (encrypted); "
            "remove the password in Excel and try again"
        )
    return (
        f"{path.name}: an old Excel 97–2003 (.xls) or other binary Office file; "
        "save it as .xlsx or .xlsm in Excel first"
    )
