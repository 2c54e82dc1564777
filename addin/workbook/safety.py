"""Refuse files that are not workbooks we can read safely, before any XML is parsed.

An .xlsx/.xlsm is a zip of XML parts. Checked here, within seconds and bounded memory:
the file's signature (a text file renamed .xlsx, an old .xls, an encrypted workbook —
both OLE compound files —), the zip directory (the parts a workbook needs, a declared
uncompressed size and compression ratio that a zip bomb would exceed), and the size of
each sheet. XML itself is parsed by openpyxl through defusedxml, which refuses entity
expansion (billion laughs) and external entities.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from ..errors import FileRejected

MAX_FILE_BYTES = 200 * 2**20
MAX_UNCOMPRESSED_BYTES = 1 * 2**30
MAX_PART_BYTES = 400 * 2**20
MAX_RATIO = 200
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_workbook_file(path: str | os.PathLike) -> None:
    """Raise :class:`FileRejected` with a clear message unless ``path`` looks like a safe .xlsx/.xlsm."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise FileRejected(f"{name}: no such file")
    if path.is_dir():
        raise FileRejected(f"{name}: is a folder, not a workbook")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileRejected(f"{name}: {size / 2**20:.0f} MB is larger than the {MAX_FILE_BYTES // 2**20} MB this tool reads")
    with path.open("rb") as f:
        head = f.read(8)
    if head == OLE_SIGNATURE:
        raise FileRejected(_ole_message(path))
    if not head.startswith(b"PK"):
        raise FileRejected(f"{name}: not an Excel workbook (.xlsx/.xlsm); it looks like "
                           f"{'a text file' if _looks_text(head) else 'some other kind of file'}")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRejected(f"{name}: damaged or incomplete workbook ({exc})") from None
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise FileRejected(f"{name}: a zip file but not an Excel workbook (no xl/workbook.xml)")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_PART_BYTES:
            raise FileRejected(f"{name}: part {info.filename} would unpack to {info.file_size / 2**20:.0f} MB "
                               f"(limit {MAX_PART_BYTES // 2**20} MB); the file is refused")
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 2**20:
            raise FileRejected(f"{name}: part {info.filename} is compressed {info.file_size // info.compress_size}:1, "
                               "which only a zip bomb does; the file is refused")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise FileRejected(f"{name}: would unpack to {total / 2**30:.1f} GB; the file is refused")


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
        return f"{path.name}: the workbook is password-protected (encrypted); remove the password in Excel and try again"
    return f"{path.name}: an old Excel 97–2003 (.xls) or other binary Office file; save it as .xlsx or .xlsm in Excel first"
